/* SPDX-License-Identifier: MIT */
/*
 * test_api_quantity.c - unit tests for common/api_quantity.c: the CPU and
 * memory quantities pods request and nodes offer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h> /* cmocka.h needs these three first */
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "kit/api_quantity.h"

static void test_cpu_in_millicores(void **state)
{
	(void)state;
	assert_int_equal(kit_quantity_milli("100m"), 100);
	assert_int_equal(kit_quantity_milli("2"), 2000);
	assert_int_equal(kit_quantity_milli("0.5"), 500);
	assert_int_equal(kit_quantity_milli("1.25"), 1250);
	assert_int_equal(kit_quantity_milli("1500u"), 2); /* rounds up */
}

static void test_memory_in_bytes(void **state)
{
	(void)state;
	assert_int_equal(kit_quantity_value("500Mi"), 524288000);
	assert_int_equal(kit_quantity_value("32Gi"), 34359738368LL);
	assert_int_equal(kit_quantity_value("1G"), 1000000000);
	assert_int_equal(kit_quantity_value("128974848"), 128974848);
	assert_int_equal(kit_quantity_value("129e6"), 129000000);
	assert_int_equal(kit_quantity_value("1.5Ki"), 1536);
	assert_int_equal(kit_quantity_value("110"), 110);
}

static void test_not_quantities(void **state)
{
	int64_t v;

	(void)state;
	assert_int_equal(kit_quantity_parse("", &v), -EINVAL);
	assert_int_equal(kit_quantity_parse("Mi", &v), -EINVAL);
	assert_int_equal(kit_quantity_parse("5 Mi", &v), -EINVAL);
	assert_int_equal(kit_quantity_parse("5MB", &v), -EINVAL);
	assert_int_equal(kit_quantity_parse("99999999999999999999", &v), -ERANGE);
	assert_int_equal(kit_quantity_parse("9999999Ei", &v), -ERANGE);
	assert_int_equal(kit_quantity_milli(NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpu_in_millicores),
		cmocka_unit_test(test_memory_in_bytes),
		cmocka_unit_test(test_not_quantities),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
