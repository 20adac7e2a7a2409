/* SPDX-License-Identifier: MIT */
/*
 * err.c - the kit's error object: one line saying what failed, the errno
 * name a search engine knows, and a hint saying what to check next.
 * See kit/err.h for the contract and the message grammar.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kit/err.h"

const char *kit_errno_name(int code)
{
	static __thread char unknown[16];
	const char *name = strerrorname_np(code); /* glibc >= 2.32 */

	if (name)
		return name;
	snprintf(unknown, sizeof(unknown), "E%d", code);
	return unknown;
}

int kit_err_set(struct kit_err *err, int code, const char *hint, const char *fmt, ...)
{
	char what[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);

	err->code = code;
	snprintf(err->msg, sizeof(err->msg), "%s: %s (%s)", what, kit_errno_name(code),
		 hint ? hint : strerror(code));
	return -code;
}

int kit_err_wrap(struct kit_err *err, const char *fmt, ...)
{
	char ctx[sizeof(err->msg)], old[sizeof(err->msg)];
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);

	memcpy(old, err->msg, sizeof(old));
	n = snprintf(err->msg, sizeof(err->msg), "%s: %s", ctx, old);
	if (n < 0 || (size_t)n >= sizeof(err->msg))
		strcpy(err->msg + sizeof(err->msg) - 4, "..."); /* say it was cut */
	return -err->code;
}

void kit_err_clear(struct kit_err *err)
{
	err->code = 0;
	err->msg[0] = '\0';
}

void kit_die(const char *prog, const struct kit_err *err)
{
	fprintf(stderr, "%s: %s\n", prog, err->msg);
	exit(EXIT_FAILURE);
}
