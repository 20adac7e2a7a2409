/* SPDX-License-Identifier: MIT */
/*
 * test_api_select.c - unit tests for common/api_select.c: label and field
 * selectors as the API server reads them from ?labelSelector= and
 * ?fieldSelector=, LabelSelector objects, matching, and the messages for
 * what is refused.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h> /* cmocka.h needs these three first */
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "kit/api_select.h"

static cJSON *json(const char *text)
{
	cJSON *j = cJSON_Parse(text);

	assert_non_null(j);
	return j;
}

/* Does label selector @sel match the labels object @labels? */
static bool labels_match(const char *sel, const char *labels)
{
	struct kit_selector s;
	struct kit_err err = { 0 };
	cJSON *l = json(labels);
	bool ok;

	if (kit_selector_parse_labels(sel, &s, &err) < 0)
		fail_msg("%s", err.msg);
	ok = kit_selector_matches_labels(&s, l);
	kit_selector_release(&s);
	cJSON_Delete(l);
	return ok;
}

static void test_equality_and_inequality(void **state)
{
	(void)state;
	assert_true(labels_match("app=web", "{\"app\":\"web\",\"x\":\"y\"}"));
	assert_true(labels_match("app==web", "{\"app\":\"web\"}"));
	assert_false(labels_match("app=web", "{\"app\":\"db\"}"));
	assert_false(labels_match("app=web", "{}"));
	assert_true(labels_match("app!=web", "{}")); /* absent is "not web" */
	assert_false(labels_match("app!=web", "{\"app\":\"web\"}"));
	assert_true(labels_match(" app = web , tier != db ",
				 "{\"app\":\"web\",\"tier\":\"fe\"}"));
}

static void test_sets_and_existence(void **state)
{
	(void)state;
	assert_true(labels_match("env in (prod, qa)", "{\"env\":\"qa\"}"));
	assert_false(labels_match("env in (prod,qa)", "{\"env\":\"dev\"}"));
	assert_true(labels_match("env notin (prod)", "{}"));
	assert_false(labels_match("env notin (prod)", "{\"env\":\"prod\"}"));
	assert_true(labels_match("canary", "{\"canary\":\"\"}"));
	assert_false(labels_match("canary", "{}"));
	assert_true(labels_match("!canary", "{}"));
	assert_true(labels_match("", "{\"a\":\"b\"}"));
	assert_true(labels_match("example.com/app=web", "{\"example.com/app\":\"web\"}"));
}

static void test_bad_label_selectors_say_where(void **state)
{
	struct kit_selector s;
	struct kit_err err = { 0 };

	(void)state;
	assert_int_equal(kit_selector_parse_labels("app=web,", &s, &err), -EINVAL);
	assert_string_equal(
		err.msg,
		"parse selector \"app=web,\" at column 9: EINVAL (a key is missing)");
	kit_selector_release(&s);
	assert_int_equal(kit_selector_parse_labels("env in prod", &s, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "expected '(' after in/notin"));
	kit_selector_release(&s);
	assert_int_equal(kit_selector_parse_labels("a b=c", &s, &err), -EINVAL);
	kit_selector_release(&s);
	assert_int_equal(kit_selector_parse_labels("-bad-=x", &s, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "invalid label key \"-bad-\""));
	kit_selector_release(&s);
	assert_int_equal(kit_selector_parse_labels("env in (a,b", &s, &err), -EINVAL);
	kit_selector_release(&s);
}

static void test_too_many_terms_is_refused(void **state)
{
	char text[1024] = "";
	struct kit_selector s;
	struct kit_err err = { 0 };

	(void)state;
	for (int i = 0; i < 70; i++)
		strcat(text, i ? ",a" : "a");
	assert_int_equal(kit_selector_parse_labels(text, &s, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "more than 64 terms"));
	kit_selector_release(&s);
}

static void test_field_selectors(void **state)
{
	static const char *const allowed[] = { "metadata.name", "spec.nodeName", NULL };
	struct kit_selector s;
	struct kit_err err = { 0 };
	cJSON *pod =
		json("{\"metadata\":{\"name\":\"web\"},\"spec\":{\"nodeName\":\"n1\","
		     "\"replicas\":3,\"paused\":true}}");

	(void)state;
	assert_int_equal(
		kit_selector_parse_fields("spec.nodeName=n1,metadata.name!=db", &s, &err),
		0);
	assert_int_equal(kit_selector_check_fields(&s, allowed, &err), 0);
	assert_true(kit_selector_matches_fields(&s, pod));
	kit_selector_release(&s);
	assert_int_equal(
		kit_selector_parse_fields("spec.replicas=3,spec.paused=true", &s, &err),
		0);
	assert_true(kit_selector_matches_fields(&s, pod));
	assert_int_equal(kit_selector_check_fields(&s, allowed, &err), -EINVAL);
	assert_string_equal(err.msg,
			    "field label not supported: spec.replicas: EINVAL (this "
			    "resource cannot be selected by it)");
	kit_selector_release(&s);
	assert_int_equal(kit_selector_parse_fields("spec.nodeName=", &s, &err), 0);
	assert_false(kit_selector_matches_fields(&s, pod));
	kit_selector_release(&s);
	assert_int_equal(kit_selector_parse_fields("a in (b)", &s, &err), -EINVAL);
	kit_selector_release(&s);
	assert_int_equal(kit_selector_parse_fields("metadata.name=a\\,b", &s, &err), 0);
	assert_string_equal(s.terms[0].values[0], "a,b");
	kit_selector_release(&s);
	cJSON_Delete(pod);
}

static void test_from_json_and_format(void **state)
{
	struct kit_selector s;
	struct kit_err err = { 0 };
	cJSON *j = json(
		"{\"matchLabels\":{\"app\":\"web\"},\"matchExpressions\":[{\"key\":"
		"\"env\",\"operator\":\"In\",\"values\":[\"a\",\"b\"]},{\"key\":\"x\","
		"\"operator\":\"DoesNotExist\"}]}");
	char *text;

	(void)state;
	assert_int_equal(kit_selector_from_json(j, &s, &err), 0);
	text = kit_selector_format(&s);
	assert_string_equal(text, "app=web,env in (a,b),!x");
	free(text);
	kit_selector_release(&s);
	cJSON_Delete(j);
	j = json("{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"Gt\"}]}");
	assert_int_equal(kit_selector_from_json(j, &s, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "In, NotIn, Exists or DoesNotExist"));
	kit_selector_release(&s);
	cJSON_Delete(j);
}

static void test_label_key_and_value_rules(void **state)
{
	(void)state;
	assert_true(kit_label_key_valid("app"));
	assert_true(kit_label_key_valid("kubernetes.io/role"));
	assert_false(kit_label_key_valid(""));
	assert_false(kit_label_key_valid("Bad.Prefix/x"));
	assert_false(kit_label_key_valid("a/"));
	assert_true(kit_label_value_valid(""));
	assert_true(kit_label_value_valid("v1.2_x-y"));
	assert_false(kit_label_value_valid("-x"));
	assert_false(kit_label_value_valid("a b"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equality_and_inequality),
		cmocka_unit_test(test_sets_and_existence),
		cmocka_unit_test(test_bad_label_selectors_say_where),
		cmocka_unit_test(test_too_many_terms_is_refused),
		cmocka_unit_test(test_field_selectors),
		cmocka_unit_test(test_from_json_and_format),
		cmocka_unit_test(test_label_key_and_value_rules),
	};

	return cmocka_run_group_tests_name("common/api_select.c", tests, NULL, NULL);
}
