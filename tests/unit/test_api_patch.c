/* SPDX-License-Identifier: MIT */
/*
 * test_api_patch.c - unit tests for common/api_patch.c: RFC 7386 merge
 * patches (the RFC's own examples), RFC 6902 JSON patches (every operation,
 * pointer escapes, all-or-nothing on failure) and the strategic merge that
 * kubectl apply sends (lists merged by name, $patch directives).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h> /* cmocka.h needs these three first */
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kit/api_patch.h"

enum kind { MERGE, JSON, STRATEGIC };

/* Apply @patch to @doc; compare the result, printed compactly, with @want. */
static void check(enum kind k, const char *doc, const char *patch, const char *want)
{
	cJSON *d = cJSON_Parse(doc), *p = cJSON_Parse(patch);
	struct kit_err err = { 0 };
	char *got;
	int ret;

	assert_non_null(d);
	assert_non_null(p);
	ret = k == MERGE  ? kit_patch_merge(&d, p, &err)
	      : k == JSON ? kit_patch_json(&d, p, &err)
			  : kit_patch_strategic(&d, p, &err);
	if (ret < 0)
		fail_msg("%s", err.msg);
	got = cJSON_PrintUnformatted(d);
	assert_string_equal(got, want);
	free(got);
	cJSON_Delete(d);
	cJSON_Delete(p);
}

/* A patch that must fail with @code, leave @doc unchanged, and say @msg. */
static void refused(const char *doc, const char *patch, int code, const char *msg)
{
	cJSON *d = cJSON_Parse(doc), *p = cJSON_Parse(patch);
	struct kit_err err = { 0 };
	char *after;

	assert_int_equal(kit_patch_json(&d, p, &err), -code);
	assert_non_null(strstr(err.msg, msg));
	after = cJSON_PrintUnformatted(d);
	assert_string_equal(after, doc);
	free(after);
	cJSON_Delete(d);
	cJSON_Delete(p);
}

static void test_merge_rfc7386_examples(void **state)
{
	(void)state;
	check(MERGE, "{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}");
	check(MERGE, "{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}");
	check(MERGE, "{\"a\":\"b\"}", "{\"a\":null}", "{}");
	check(MERGE, "{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}");
	check(MERGE, "{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}");
	check(MERGE, "{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}",
	      "{\"a\":{\"b\":\"d\"}}");
	check(MERGE, "{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}");
	check(MERGE, "[\"a\",\"b\"]", "[\"c\",\"d\"]", "[\"c\",\"d\"]");
	check(MERGE, "{\"a\":\"foo\"}", "\"bar\"", "\"bar\"");
	check(MERGE, "{}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}");
}

static void test_kubectl_scale_patch(void **state)
{
	(void)state;
	check(MERGE, "{\"spec\":{\"replicas\":3,\"paused\":false}}",
	      "{\"spec\":{\"replicas\":5}}",
	      "{\"spec\":{\"replicas\":5,\"paused\":false}}");
}

static void test_json_patch_operations(void **state)
{
	(void)state;
	check(JSON, "{\"a\":1}", "[{\"op\":\"add\",\"path\":\"/b\",\"value\":2}]",
	      "{\"a\":1,\"b\":2}");
	check(JSON, "{\"l\":[1,3]}", "[{\"op\":\"add\",\"path\":\"/l/1\",\"value\":2}]",
	      "{\"l\":[1,2,3]}");
	check(JSON, "{\"l\":[1]}", "[{\"op\":\"add\",\"path\":\"/l/-\",\"value\":2}]",
	      "{\"l\":[1,2]}");
	check(JSON, "{\"a\":1,\"b\":2}", "[{\"op\":\"remove\",\"path\":\"/a\"}]",
	      "{\"b\":2}");
	check(JSON, "{\"a\":1}", "[{\"op\":\"replace\",\"path\":\"/a\",\"value\":9}]",
	      "{\"a\":9}");
	check(JSON, "{\"a\":{\"x\":1},\"b\":{}}",
	      "[{\"op\":\"move\",\"from\":\"/a/x\",\"path\":\"/b/y\"}]",
	      "{\"a\":{},\"b\":{\"y\":1}}");
	check(JSON, "{\"a\":[1]}", "[{\"op\":\"copy\",\"from\":\"/a\",\"path\":\"/b\"}]",
	      "{\"a\":[1],\"b\":[1]}");
	check(JSON, "{\"a/b\":1,\"c~d\":2}",
	      "[{\"op\":\"test\",\"path\":\"/a~1b\",\"value\":1},"
	      "{\"op\":\"remove\",\"path\":\"/c~0d\"}]",
	      "{\"a/b\":1}");
	check(JSON, "{\"a\":1}", "[{\"op\":\"replace\",\"path\":\"\",\"value\":[2]}]",
	      "[2]");
}

static void test_json_patch_is_all_or_nothing(void **state)
{
	(void)state;
	refused("{\"a\":1}",
		"[{\"op\":\"add\",\"path\":\"/b\",\"value\":2},{\"op\":\"test\",\"path\":\"/a\","
		"\"value\":5}]",
		ECANCELED,
		"apply JSON patch operation 1: test /a: ECANCELED (the value differs)");
	refused("{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"/nope\"}]", EINVAL,
		"apply JSON patch operation 0 (remove): path /nope: EINVAL (no such place in the "
		"object)");
	refused("{\"a\":1}", "[{\"op\":\"add\",\"path\":\"/x/y\",\"value\":1}]", EINVAL,
		"no such place");
	refused("{\"l\":[1]}", "[{\"op\":\"add\",\"path\":\"/l/5\",\"value\":1}]", EINVAL,
		"no such place");
	refused("{\"l\":[1]}", "[{\"op\":\"add\",\"path\":\"/l/01\",\"value\":1}]",
		EINVAL, "no such place");
	refused("{\"a\":1}", "[{\"op\":\"jump\",\"path\":\"/a\"}]", EINVAL,
		"unknown op \"jump\"");
	refused("{\"a\":1}", "[{\"path\":\"/a\"}]", EINVAL, "needs \"op\" and \"path\"");
	refused("{\"a\":1}", "{\"op\":\"add\"}", EINVAL, "an array of operations");
	refused("{\"a\":{\"b\":1}}",
		"[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/a/b/c\"}]", EINVAL,
		"cannot move a value into itself");
	refused("{\"a\":1}", "[{\"op\":\"replace\",\"path\":\"/a~2\",\"value\":1}]",
		EINVAL, "no such place");
}

static void test_strategic_merges_lists_by_name(void **state)
{
	(void)state;
	check(STRATEGIC,
	      "{\"containers\":[{\"name\":\"a\",\"image\":\"x:1\"},{\"name\":\"b\",\"image\":\"y\"}]}",
	      "{\"$setElementOrder/containers\":[{\"name\":\"a\"},{\"name\":\"b\"}],"
	      "\"containers\":[{\"name\":\"a\",\"image\":\"x:2\"}]}",
	      "{\"containers\":[{\"name\":\"a\",\"image\":\"x:2\"},{\"name\":\"b\",\"image\":\"y\"}]}");
	check(STRATEGIC, "{\"containers\":[{\"name\":\"a\"},{\"name\":\"b\"}]}",
	      "{\"containers\":[{\"name\":\"b\",\"$patch\":\"delete\"}]}",
	      "{\"containers\":[{\"name\":\"a\"}]}");
	check(STRATEGIC, "{\"ports\":[{\"containerPort\":80,\"protocol\":\"TCP\"}]}",
	      "{\"ports\":[{\"containerPort\":443}]}",
	      "{\"ports\":[{\"containerPort\":80,\"protocol\":\"TCP\"},{\"containerPort\":443}]}");
	check(STRATEGIC, "{\"args\":[\"a\",\"b\"]}", "{\"args\":[\"c\"]}",
	      "{\"args\":[\"c\"]}");
	check(STRATEGIC, "{\"spec\":{\"a\":1,\"b\":2}}",
	      "{\"spec\":{\"$patch\":\"replace\",\"c\":3}}", "{\"spec\":{\"c\":3}}");
}

static void test_merge_refuses_deep_nesting(void **state)
{
	char patch[4096] = "", *p = patch;
	cJSON *d = cJSON_Parse("{}"), *pj;
	struct kit_err err = { 0 };

	(void)state;
	for (int i = 0; i < 150; i++)
		p += sprintf(p, "{\"a\":");
	p += sprintf(p, "1");
	for (int i = 0; i < 150; i++)
		*p++ = '}';
	*p = '\0';
	pj = cJSON_Parse(patch);
	assert_non_null(pj);
	assert_int_equal(kit_patch_merge(&d, pj, &err), -EINVAL);
	assert_string_equal(err.msg, "apply patch: EINVAL (nested more than 100 levels)");
	p = cJSON_PrintUnformatted(d);
	assert_string_equal(p, "{}");
	free(p);
	cJSON_Delete(d);
	cJSON_Delete(pj);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_rfc7386_examples),
		cmocka_unit_test(test_kubectl_scale_patch),
		cmocka_unit_test(test_json_patch_operations),
		cmocka_unit_test(test_json_patch_is_all_or_nothing),
		cmocka_unit_test(test_strategic_merges_lists_by_name),
		cmocka_unit_test(test_merge_refuses_deep_nesting),
	};

	return cmocka_run_group_tests_name("common/api_patch.c", tests, NULL, NULL);
}
