/* SPDX-License-Identifier: MIT */
/*
 * test_informer.c - unit tests for the cache half of common/informer.c,
 * with no server: watch events in, callbacks out; a re-list that finds an
 * object gone reports it deleted; stale events are dropped; an ERROR
 * event (410 Gone) asks for a re-list.
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

#include "kit/informer.h"

struct log {
	char text[2048];
};

static void say(struct log *l, const char *what, const cJSON *obj)
{
	const cJSON *m = cJSON_GetObjectItem(obj, "metadata");
	size_t n = strlen(l->text);

	snprintf(l->text + n, sizeof(l->text) - n, "%s%s %s@%s", n ? ", " : "", what,
		 cJSON_GetObjectItem(m, "name")->valuestring,
		 cJSON_GetObjectItem(m, "resourceVersion")->valuestring);
}

static void on_add(void *ctx, const cJSON *obj)
{
	say(ctx, "add", obj);
}

static void on_update(void *ctx, const cJSON *old, const cJSON *obj)
{
	say(ctx, old == obj ? "resync" : "update", obj);
}

static void on_del(void *ctx, const cJSON *obj)
{
	say(ctx, "del", obj);
}

static cJSON *pod(const char *name, const char *rv)
{
	char text[256];
	cJSON *p;

	snprintf(text, sizeof(text),
		 "{\"metadata\":{\"name\":\"%s\",\"namespace\":\"default\","
		 "\"resourceVersion\":\"%s\"}}",
		 name, rv);
	p = cJSON_Parse(text);
	assert_non_null(p);
	return p;
}

static void test_events_reach_the_cache_and_the_handlers(void **state)
{
	struct log l = { "" };
	struct kit_handlers h = { on_add, on_update, on_del, &l };
	struct kit_cache *c = kit_cache_new();
	struct kit_err err = { 0 };
	cJSON *got;

	(void)state;
	assert_int_equal(kit_cache_apply(c, "ADDED", pod("a", "5"), &h, &err), 0);
	assert_int_equal(kit_cache_apply(c, "ADDED", pod("b", "6"), &h, &err), 0);
	assert_int_equal(kit_cache_apply(c, "MODIFIED", pod("a", "7"), &h, &err), 0);
	/* older than what the cache has: dropped without a callback */
	assert_int_equal(kit_cache_apply(c, "MODIFIED", pod("a", "6"), &h, &err), 0);
	assert_int_equal(kit_cache_apply(c, "DELETED", pod("b", "8"), &h, &err), 0);
	assert_string_equal(l.text, "add a@5, add b@6, update a@7, del b@6");
	assert_int_equal(kit_cache_len(c), 1);
	got = kit_cache_get(c, "default/a");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(got, "metadata"),
						"resourceVersion")
				    ->valuestring,
			    "7");
	cJSON_Delete(got);
	assert_null(kit_cache_get(c, "default/b"));
	kit_cache_free(c);
}

static void test_relist_reports_what_vanished(void **state)
{
	struct log l = { "" };
	struct kit_handlers h = { on_add, on_update, on_del, &l };
	struct kit_cache *c = kit_cache_new();
	struct kit_err err = { 0 };
	cJSON *items = cJSON_CreateArray();

	(void)state;
	kit_cache_apply(c, "ADDED", pod("a", "1"), NULL, &err);
	kit_cache_apply(c, "ADDED", pod("b", "2"), NULL, &err);
	/* the watch was down; the new list has a changed, b gone, c new */
	cJSON_AddItemToArray(items, pod("a", "9"));
	cJSON_AddItemToArray(items, pod("c", "10"));
	assert_int_equal(kit_cache_replace(c, items, &h, &err), 0);
	assert_string_equal(l.text, "update a@9, add c@10, del b@2");
	l.text[0] = '\0';
	kit_cache_resync(c, &h);
	assert_non_null(strstr(l.text, "resync a@9"));
	assert_non_null(strstr(l.text, "resync c@10"));
	kit_cache_free(c);
}

static void test_error_event_asks_for_a_relist(void **state)
{
	struct kit_cache *c = kit_cache_new();
	struct kit_err err = { 0 };
	char rv[32] = "41";
	cJSON *gone =
		cJSON_Parse("{\"kind\":\"Status\",\"code\":410,\"reason\":\"Expired\","
			    "\"message\":\"too old resource version: 41 (50)\"}");
	cJSON *p = pod("a", "52");

	(void)state;
	assert_int_equal(kit_informer_event(c, NULL, "ERROR", gone, rv, &err),
			 KIT_INFORMER_RELIST);
	assert_int_equal(err.code, ESTALE);
	assert_string_equal(err.msg, "watch from resourceVersion 41: ESTALE "
				     "(too old resource version: 41 (50))");
	assert_int_equal(kit_informer_event(c, NULL, "ADDED", p, rv, &err), 0);
	assert_string_equal(rv, "52");
	assert_int_equal(kit_cache_len(c), 1);
	cJSON_Delete(gone);
	cJSON_Delete(p);
	kit_cache_free(c);
}

static void test_nameless_object_and_unknown_type_are_refused(void **state)
{
	struct kit_cache *c = kit_cache_new();
	struct kit_err err = { 0 };

	(void)state;
	assert_int_equal(
		kit_cache_apply(c, "ADDED", cJSON_Parse("{\"metadata\":{}}"), NULL, &err),
		-EINVAL);
	assert_string_equal(err.msg,
			    "apply ADDED event: EINVAL (it has no metadata.name)");
	assert_int_equal(kit_cache_apply(c, "CHANGED", pod("a", "1"), NULL, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "apply event of type \"CHANGED\": EINVAL (expected "
				     "ADDED, MODIFIED or DELETED)");
	assert_int_equal(kit_cache_len(c), 0);
	kit_cache_free(c);
}

static int count_ns(void *ctx, const cJSON *obj)
{
	(void)obj;
	(*(int *)ctx)++;
	return 0;
}

static void test_many_objects_and_namespaces(void **state)
{
	struct kit_cache *c = kit_cache_new();
	struct kit_err err = { 0 };
	int n = 0;

	(void)state;
	for (int i = 0; i < 5000; i++) { /* the table grows past its first size */
		char name[32], rv[16];
		cJSON *p;

		snprintf(name, sizeof(name), "p%d", i);
		snprintf(rv, sizeof(rv), "%d", i + 1);
		p = pod(name, rv);
		if (i % 2)
			cJSON_ReplaceItemInObject(cJSON_GetObjectItem(p, "metadata"),
						  "namespace",
						  cJSON_CreateString("other"));
		assert_int_equal(kit_cache_apply(c, "ADDED", p, NULL, &err), 0);
	}
	assert_int_equal(kit_cache_len(c), 5000);
	kit_cache_foreach(c, "other", count_ns, &n);
	assert_int_equal(n, 2500);
	n = 0;
	kit_cache_foreach(c, NULL, count_ns, &n);
	assert_int_equal(n, 5000);
	kit_cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_events_reach_the_cache_and_the_handlers),
		cmocka_unit_test(test_relist_reports_what_vanished),
		cmocka_unit_test(test_error_event_asks_for_a_relist),
		cmocka_unit_test(test_nameless_object_and_unknown_type_are_refused),
		cmocka_unit_test(test_many_objects_and_namespaces),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
