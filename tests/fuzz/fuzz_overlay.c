/* SPDX-License-Identifier: MIT */
/*
 * fuzz_overlay.c - libFuzzer harness for what common/overlay.c and
 * common/mount.c parse from users: the --lower list (with its backslash
 * escapes), the option string both ways, and layer paths.
 *
 * Input: one byte choosing the size of the options buffer, then up to
 * three lines: the lowerdir list, the upperdir, the workdir.  Besides "no
 * crash, no leak, no undefined behaviour" it checks one property: whatever
 * list is accepted, kit_overlay_parse_options() reads back from
 * kit_overlay_options() exactly the layers that went in, so no name can
 * smuggle a ',' or ':' past the escaping.  No system call is made.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kit/mount.h"
#include "kit/overlay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A refusal must say something. */
static void must_explain(const struct kit_err *err)
{
	if (err->code == 0 || err->msg[0] == '\0')
		abort();
}

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void round_trip(const struct kit_overlay *ov, size_t bufsize)
{
	struct kit_err err = { 0 };
	struct kit_overlay back;
	char *buf = malloc(bufsize);
	int n = kit_overlay_options(ov, buf, bufsize, &err);

	if (n < 0) {
		must_explain(&err);
		free(buf);
		return;
	}
	if ((size_t)n != strlen(buf))
		abort();
	kit_overlay_init(&back);
	if (kit_overlay_parse_options(buf, &back, &err) < 0)
		abort(); /* we wrote it: we must be able to read it */
	if (back.nlower != ov->nlower || !same(back.upper, ov->upper) ||
	    !same(back.work, ov->work))
		abort();
	for (size_t i = 0; i < ov->nlower; i++)
		if (strcmp(back.lower[i], ov->lower[i]) != 0)
			abort();
	kit_overlay_release(&back);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kit_err err = { 0 };
	struct kit_overlay ov;
	char *text, *line[3] = { NULL, NULL, NULL }, *rest, *abs = NULL;
	size_t bufsize;

	if (size < 1)
		return 0;
	bufsize = (size_t)data[0] * 32 + 1;
	text = strndup((const char *)data + 1, size - 1); /* stops at a NUL */
	rest = text;
	for (int i = 0; i < 3 && rest; i++)
		line[i] = strsep(&rest, "\n");

	/* The raw text as an option string: parse it, never crash. */
	kit_overlay_init(&ov);
	if (kit_overlay_parse_options(line[0], &ov, &err) < 0)
		must_explain(&err);
	kit_overlay_release(&ov);

	/* A layer path made absolute and tidy: "..", too long, empty. */
	if (kit_mount_abspath("fuzz", line[0], &abs, &err) < 0)
		must_explain(&err);
	else if (abs[0] != '/' || strstr(abs, "//") || strstr(abs, "/./"))
		abort();
	free(abs);

	/* The --lower list, and the option string both ways. */
	if (kit_overlay_add_lowers(&ov, line[0], &err) < 0) {
		must_explain(&err);
	} else {
		if (line[1] && line[2] &&
		    kit_overlay_set_upper(&ov, line[1], line[2], &err) < 0)
			abort();
		round_trip(&ov, bufsize);
	}
	kit_overlay_release(&ov);
	free(text);
	return 0;
}
