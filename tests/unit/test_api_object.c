/* SPDX-License-Identifier: MIT */
/*
 * test_api_object.c - unit tests for common/api_object.c: name rules with
 * the real server's messages, RFC 3339 times, kubectl's AGE column and
 * random uids.
 */
#define _GNU_SOURCE
#include <setjmp.h> /* cmocka.h needs these three first */
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "kit/api_object.h"

static void test_subdomain_names(void **state)
{
	char long_name[300];

	(void)state;
	assert_null(kit_api_name_problem("web-1", KIT_NAME_SUBDOMAIN));
	assert_null(kit_api_name_problem("a.b.c", KIT_NAME_SUBDOMAIN));
	assert_non_null(strstr(kit_api_name_problem("Web", KIT_NAME_SUBDOMAIN),
			       "a lowercase RFC 1123 subdomain must consist of"));
	assert_non_null(kit_api_name_problem("-a", KIT_NAME_SUBDOMAIN));
	assert_non_null(kit_api_name_problem("a..b", KIT_NAME_SUBDOMAIN));
	assert_non_null(kit_api_name_problem("", KIT_NAME_SUBDOMAIN));
	memset(long_name, 'a', 254);
	long_name[254] = '\0';
	assert_string_equal(kit_api_name_problem(long_name, KIT_NAME_SUBDOMAIN),
			    "must be no more than 253 characters");
}

static void test_label_names(void **state)
{
	(void)state;
	assert_null(kit_api_name_problem("kube-system", KIT_NAME_LABEL));
	assert_null(kit_api_name_problem("1abc", KIT_NAME_LABEL));
	assert_non_null(strstr(kit_api_name_problem("a.b", KIT_NAME_LABEL),
			       "a lowercase RFC 1123 label must consist of"));
	assert_null(kit_api_name_problem("web", KIT_NAME_LABEL_1035));
	assert_non_null(strstr(kit_api_name_problem("1web", KIT_NAME_LABEL_1035),
			       "a DNS-1035 label must consist of"));
}

static void test_times(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(kit_api_time_format(0, buf, sizeof(buf)),
			    "1970-01-01T00:00:00Z");
	assert_int_equal(kit_api_time_parse("2021-01-01T00:00:00Z"), 1609459200);
	assert_int_equal(kit_api_time_parse("2021-01-01T00:00:00.123456Z"), 1609459200);
	assert_int_equal(kit_api_time_parse("2021-01-01"), -1);
	assert_int_equal(kit_api_time_parse(NULL), -1);
}

static void test_human_duration_like_kubectl(void **state)
{
	static const struct {
		long long s;
		const char *want;
	} cases[] = {
		{ -5, "<invalid>" },  { -1, "0s" },       { 0, "0s" },
		{ 119, "119s" },      { 120, "2m" },      { 192, "3m12s" },
		{ 1500, "25m" },      { 18240, "5h4m" },  { 32400, "9h" },
		{ 266400, "3d2h" },   { 2592000, "30d" }, { 63331200, "2y3d" },
		{ 315360000, "10y" },
	};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(kit_api_human_duration(cases[i].s, buf, sizeof(buf)),
				    cases[i].want);
}

static void test_uids_are_v4_and_differ(void **state)
{
	char a[37], b[37];

	(void)state;
	kit_api_uid(a);
	kit_api_uid(b);
	assert_int_equal(strlen(a), 36);
	assert_int_equal(a[14], '4');
	assert_true(strchr("89ab", a[19]) != NULL);
	assert_string_not_equal(a, b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subdomain_names),
		cmocka_unit_test(test_label_names),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_human_duration_like_kubectl),
		cmocka_unit_test(test_uids_are_v4_and_differ),
	};

	return cmocka_run_group_tests_name("common/api_object.c", tests, NULL, NULL);
}
