/* SPDX-License-Identifier: MIT */
/*
 * test_base64.c - unit tests for common/base64.c: RFC 4648's test vectors
 * both ways, bytes that are not text, and strict refusal of bad input.
 */
#define _GNU_SOURCE
#include <setjmp.h> /* cmocka.h needs these three first */
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "kit/base64.h"

static void test_rfc4648_vectors(void **state)
{
	static const char *const plain[] = { "",     "f",     "fo",    "foo",
					     "foob", "fooba", "foobar" };
	static const char *const coded[] = { "",         "Zg==",     "Zm8=",    "Zm9v",
					     "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };

	(void)state;
	for (int i = 0; i < 7; i++) {
		char *e = kit_base64_encode(plain[i], strlen(plain[i])), *d;
		size_t len = 99;

		assert_string_equal(e, coded[i]);
		d = kit_base64_decode(e, &len);
		assert_int_equal(len, strlen(plain[i]));
		assert_string_equal(d, plain[i]);
		free(e);
		free(d);
	}
}

static void test_binary_round_trip(void **state)
{
	unsigned char bytes[256];
	size_t len = 0;
	char *e, *d;

	(void)state;
	for (int i = 0; i < 256; i++)
		bytes[i] = (unsigned char)i;
	e = kit_base64_encode(bytes, sizeof(bytes));
	d = kit_base64_decode(e, &len);
	assert_int_equal(len, 256);
	assert_memory_equal(d, bytes, 256);
	free(e);
	free(d);
}

static void test_bad_input_is_refused(void **state)
{
	size_t len;

	(void)state;
	assert_null(kit_base64_decode("L2E", &len));  /* not a multiple of 4 */
	assert_null(kit_base64_decode("L=E=", &len)); /* '=' in the middle */
	assert_null(kit_base64_decode("L2*=", &len)); /* not in the alphabet */
	assert_null(kit_base64_decode("=AAA", &len));
	assert_null(kit_base64_decode("AA==AAAA", &len));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4648_vectors),
		cmocka_unit_test(test_binary_round_trip),
		cmocka_unit_test(test_bad_input_is_refused),
	};

	return cmocka_run_group_tests_name("common/base64.c", tests, NULL, NULL);
}
