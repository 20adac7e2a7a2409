/* SPDX-License-Identifier: MIT */
/*
 * api_quantity.c - resource quantities as numbers (see kit/api_quantity.h).
 * Everything is kept in thousandths, so CPU ("250m") and memory ("1Gi")
 * share one parser; a fraction of a byte rounds up, as the real API does.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "kit/api_quantity.h"

static bool mul(__int128 *v, int64_t by)
{
	*v *= by;
	return *v <= INT64_MAX && *v >= -INT64_MAX;
}

int kit_quantity_parse(const char *text, int64_t *milli)
{
	static const struct {
		const char *suffix;
		int64_t mul; /* of thousandths, or 0: divides */
		int64_t div;
	} suffixes[] = {
		{ "Ki", 1024LL * 1000, 1 },
		{ "Mi", 1048576LL * 1000, 1 },
		{ "Gi", 1073741824LL * 1000, 1 },
		{ "Ti", 1099511627776LL * 1000, 1 },
		{ "Pi", 1125899906842624LL * 1000, 1 },
		{ "Ei", 1152921504606846976LL, 0 }, /* overflows: handled below */
		{ "n", 1, 1000000 },
		{ "u", 1, 1000 },
		{ "m", 1, 1 },
		{ "", 1000, 1 },
		{ "k", 1000LL * 1000, 1 },
		{ "M", 1000000LL * 1000, 1 },
		{ "G", 1000000000LL * 1000, 1 },
		{ "T", 1000000000000LL * 1000, 1 },
		{ "P", 1000000000000000LL * 1000, 1 },
		{ "E", 1000000000000000000LL, 0 },
	};
	__int128 whole = 0, frac = 0, fdiv = 1;
	const char *p = text;
	bool neg = false, digits = false;

	if (!text || !*text)
		return -EINVAL;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	for (; *p >= '0' && *p <= '9'; p++, digits = true) {
		whole = whole * 10 + (*p - '0');
		if (whole > INT64_MAX)
			return -ERANGE;
	}
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++, digits = true)
			if (fdiv < 1000000000000LL) {
				frac = frac * 10 + (*p - '0');
				fdiv *= 10;
			}
	if (!digits)
		return -EINVAL;
	if (*p == 'e' || *p == 'E') {
		const char *q = p + 1;
		int exp = 0;

		if (*q == '+')
			q++;
		if (*q >= '0' && *q <= '9' && strlen(q) <= 2) {
			for (; *q >= '0' && *q <= '9'; q++)
				exp = exp * 10 + (*q - '0');
			if (*q == '\0') {
				__int128 v = whole * 1000 + frac * 1000 / fdiv;

				while (exp-- > 0)
					if (!mul(&v, 10))
						return -ERANGE;
				*milli = neg ? -(int64_t)v : (int64_t)v;
				return 0;
			}
		}
	}
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		__int128 v, f;

		if (strcmp(p, suffixes[i].suffix) != 0)
			continue;
		if (suffixes[i].div == 0) { /* Ei, E: multiply in two steps */
			v = whole * 1000 + frac * 1000 / fdiv;
			if (!mul(&v, suffixes[i].mul / 1000))
				return -ERANGE;
			*milli = neg ? -(int64_t)v : (int64_t)v;
			return 0;
		}
		v = whole;
		if (!mul(&v, suffixes[i].mul))
			return -ERANGE;
		f = frac * suffixes[i].mul;
		v += (f + fdiv - 1) / fdiv; /* a fraction rounds up */
		v = (v + suffixes[i].div - 1) / suffixes[i].div;
		if (v > INT64_MAX)
			return -ERANGE;
		*milli = neg ? -(int64_t)v : (int64_t)v;
		return 0;
	}
	return -EINVAL;
}

int64_t kit_quantity_milli(const char *text)
{
	int64_t v;

	return kit_quantity_parse(text, &v) == 0 ? v : -1;
}

int64_t kit_quantity_value(const char *text)
{
	int64_t v;

	if (kit_quantity_parse(text, &v) < 0)
		return -1;
	return v / 1000 + (v % 1000 > 0);
}
