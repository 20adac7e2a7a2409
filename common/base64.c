/* SPDX-License-Identifier: MIT */
/*
 * base64.c - base64 encoding and strict decoding (see kit/base64.h).
 *
 * Left out: the URL-safe alphabet and unpadded input; etcd and the API
 * server's continue tokens use the standard one, padded.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kit/base64.h"

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *kit_base64_encode(const void *data, size_t len)
{
	const unsigned char *in = data;
	char *out = malloc((len + 2) / 3 * 4 + 1), *p = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		size_t left = len - i;

		if (left > 1)
			v |= (uint32_t)in[i + 1] << 8;
		if (left > 2)
			v |= in[i + 2];
		*p++ = alphabet[(v >> 18) & 63];
		*p++ = alphabet[(v >> 12) & 63];
		*p++ = left > 1 ? alphabet[(v >> 6) & 63] : '=';
		*p++ = left > 2 ? alphabet[v & 63] : '=';
	}
	*p = '\0';
	return out;
}

/* The value of one base64 character, or -1. */
static int value_of(char c)
{
	const char *p = c ? strchr(alphabet, c) : NULL;

	return p ? (int)(p - alphabet) : -1;
}

char *kit_base64_decode(const char *text, size_t *len)
{
	size_t n = strlen(text), pad = 0;
	char *out, *p;

	if (n % 4)
		return NULL;
	if (n && text[n - 1] == '=')
		pad++;
	if (n > 1 && text[n - 2] == '=')
		pad++;
	out = malloc(n / 4 * 3 + 1);
	if (!out)
		return NULL;
	p = out;
	for (size_t i = 0; i < n; i += 4) {
		bool last = i + 4 == n;
		int v[4];

		for (int j = 0; j < 4; j++) {
			v[j] = value_of(text[i + j]);
			/* '=' only as the last one or two characters. */
			if (v[j] < 0 &&
			    !(last && text[i + j] == '=' && j >= 4 - (int)pad)) {
				free(out);
				return NULL;
			}
			if (v[j] < 0)
				v[j] = 0;
		}
		uint32_t bits = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 |
				(uint32_t)v[2] << 6 | (uint32_t)v[3];

		*p++ = (char)(bits >> 16);
		if (!last || pad < 2)
			*p++ = (char)(bits >> 8);
		if (!last || pad < 1)
			*p++ = (char)bits;
	}
	*p = '\0';
	*len = (size_t)(p - out);
	return out;
}
