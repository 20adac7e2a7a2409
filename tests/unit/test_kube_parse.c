/* SPDX-License-Identifier: MIT */
/*
 * test_kube_parse.c - unit tests for common/kube_parse.c: kubeconfig files
 * (the YAML mini-apiserver and kubectl write, and JSON), the watch stream
 * cut at any byte, and HTTP statuses as errnos.
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

#include "kit/kube_client.h"

/* "-----BEGIN CERTIFICATE-----\nAB\n" in base64 */
#define CA_B64 "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCkFCCg=="

static const char mini[] = "apiVersion: v1\n"
			   "kind: Config\n"
			   "clusters:\n"
			   "- name: mini\n"
			   "  cluster:\n"
			   "    server: https://127.0.0.1:6443\n"
			   "    certificate-authority-data: " CA_B64 "\n"
			   "users:\n"
			   "- name: admin\n"
			   "  user:\n"
			   "    token: s3cret\n"
			   "contexts:\n"
			   "- name: mini\n"
			   "  context:\n"
			   "    cluster: mini\n"
			   "    user: admin\n"
			   "    namespace: default\n"
			   "current-context: mini\n";

static int parse(const char *text, struct kit_kubeconfig *kc, struct kit_err *err)
{
	return kit_kubeconfig_parse(text, strlen(text), kc, err);
}

static void test_the_servers_own_kubeconfig(void **state)
{
	struct kit_kubeconfig kc;
	struct kit_err err = { 0 };

	(void)state;
	assert_int_equal(parse(mini, &kc, &err), 0);
	assert_string_equal(kc.server, "https://127.0.0.1:6443");
	assert_string_equal(kc.token, "s3cret");
	assert_string_equal(kc.namespace, "default");
	assert_string_equal(kc.ca_pem, "-----BEGIN CERTIFICATE-----\nAB\n");
	assert_false(kc.insecure);
	kit_kubeconfig_release(&kc);
}

static void test_kubectl_style_with_several_contexts(void **state)
{
	static const char text[] = "# written by kubectl\n"
				   "apiVersion: v1\n"
				   "clusters:\n"
				   "  - cluster:\n"
				   "      insecure-skip-tls-verify: true\n"
				   "      server: \"https://10.0.0.1:6443\"   # the VIP\n"
				   "    name: prod\n"
				   "  - cluster:\n"
				   "      server: https://127.0.0.1:1\n"
				   "    name: other\n"
				   "contexts:\n"
				   "- context:\n"
				   "    cluster: other\n"
				   "    user: nobody\n"
				   "  name: a\n"
				   "- context:\n"
				   "    cluster: prod\n"
				   "    user: ops\n"
				   "  name: b\n"
				   "current-context: 'b'\n"
				   "users:\n"
				   "- name: ops\n"
				   "  user:\n"
				   "    token: abc#def\n"
				   "- name: nobody\n"
				   "  user: {}\n";
	struct kit_kubeconfig kc;
	struct kit_err err = { 0 };

	(void)state;
	assert_int_equal(parse(text, &kc, &err), 0);
	assert_string_equal(kc.server, "https://10.0.0.1:6443");
	assert_string_equal(kc.token, "abc#def"); /* '#' inside a word is not a comment */
	assert_true(kc.insecure);
	assert_null(kc.ca_pem);
	assert_string_equal(kc.namespace, "default");
	kit_kubeconfig_release(&kc);
}

static void test_json_kubeconfig(void **state)
{
	static const char text[] =
		"{\"current-context\":\"c\",\"contexts\":[{\"name\":\"c\",\"context\":"
		"{\"cluster\":\"k\",\"user\":\"u\",\"namespace\":\"team\"}}],\"clusters\":"
		"[{\"name\":\"k\",\"cluster\":{\"server\":\"https://h:1\"}}],\"users\":"
		"[{\"name\":\"u\",\"user\":{\"token\":\"t\"}}]}";
	struct kit_kubeconfig kc;
	struct kit_err err = { 0 };

	(void)state;
	assert_int_equal(parse(text, &kc, &err), 0);
	assert_string_equal(kc.server, "https://h:1");
	assert_string_equal(kc.namespace, "team");
	kit_kubeconfig_release(&kc);
}

static void test_broken_kubeconfigs_say_what_is_wrong(void **state)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{ "", "parse kubeconfig: EINVAL (the file is empty)" },
		{ "apiVersion: v1\n", "read kubeconfig: EINVAL (set current-context "
				      "(kubectl config use-context))" },
		{ "current-context: x\ncontexts: []\n",
		  "find context \"x\" in kubeconfig: EINVAL (the current context names it, "
		  "but it is not there)" },
		{ "a: b\n\tc: d\n", "parse kubeconfig line 2: EINVAL (YAML indents with "
				    "spaces, not tabs)" },
		{ "a: b\n  c: d\n", "parse kubeconfig line 2: EINVAL (indented more than "
				    "the lines before it)" },
		{ "a:\n  just words\n",
		  "parse kubeconfig line 2: EINVAL (expected \"key: "
		  "value\")" },
		{ "a: \"open\n",
		  "parse kubeconfig line 1: EINVAL (a quoted scalar does not "
		  "end on its line)" },
		{ "a: &anchor b\n",
		  "parse kubeconfig line 1: EINVAL (flow style, anchors, "
		  "tags and block scalars are not supported)" },
	};
	struct kit_kubeconfig kc;
	struct kit_err err = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse(cases[i].text, &kc, &err), -EINVAL);
		assert_string_equal(err.msg, cases[i].msg);
		kit_kubeconfig_release(&kc);
	}
}

static void test_missing_file_names_it(void **state)
{
	struct kit_kubeconfig kc;
	struct kit_err err = { 0 };

	(void)state;
	assert_int_equal(kit_kubeconfig_load("/nonexistent/kubeconfig", &kc, &err),
			 -ENOENT);
	assert_non_null(strstr(err.msg, "/nonexistent/kubeconfig"));
	kit_kubeconfig_release(&kc);
}

struct seen {
	char text[1024];
};

static int collect(void *ctx, const char *type, cJSON *object)
{
	struct seen *s = ctx;
	size_t n = strlen(s->text);
	const cJSON *name =
		cJSON_GetObjectItem(cJSON_GetObjectItem(object, "metadata"), "name");

	snprintf(s->text + n, sizeof(s->text) - n, "%s%s %s", n ? ", " : "", type,
		 cJSON_IsString(name) ? name->valuestring : "?");
	return strcmp(type, "STOP") == 0 ? 7 : 0;
}

static void test_watch_stream_cut_anywhere(void **state)
{
	static const char stream[] =
		"{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\"}}}\n"
		"\r\n"
		"{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\"a\"}}}\r\n"
		"{\"type\":\"DELETED\",\"object\":{\"metadata\":{\"name\":\"b\"}}}\n";
	size_t len = strlen(stream);

	(void)state;
	/* every split point and chunk size gives the same three events */
	for (size_t chunk = 1; chunk < len; chunk += 7) {
		struct kit_watch_stream ws;
		struct seen s = { "" };
		struct kit_err err = { 0 };

		kit_watch_stream_init(&ws, collect, &s);
		for (size_t off = 0; off < len; off += chunk)
			assert_int_equal(kit_watch_stream_feed(
						 &ws, stream + off,
						 off + chunk > len ? len - off : chunk,
						 &err),
					 0);
		assert_string_equal(s.text, "ADDED a, MODIFIED a, DELETED b");
		assert_int_equal(ws.events, 3);
		kit_watch_stream_release(&ws);
	}
}

static void test_watch_stream_bad_event_and_stop(void **state)
{
	struct kit_watch_stream ws;
	struct seen s = { "" };
	struct kit_err err = { 0 };

	(void)state;
	kit_watch_stream_init(&ws, collect, &s);
	assert_int_equal(kit_watch_stream_feed(&ws, "{\"type\":1}\n", 11, &err), -EINVAL);
	assert_string_equal(err.msg,
			    "read watch event 1: EINVAL (expected {\"type\": ..., "
			    "\"object\": {...}})");
	kit_watch_stream_release(&ws);
	kit_watch_stream_init(&ws, collect, &s);
	/* the callback's value ends the feed */
	assert_int_equal(kit_watch_stream_feed(
				 &ws,
				 "{\"type\":\"STOP\",\"object\":{}}\n{\"type\":\"X\"}\n",
				 41, &err),
			 7);
	kit_watch_stream_release(&ws);
}

static void test_status_codes_as_errnos(void **state)
{
	(void)state;
	assert_int_equal(kit_kube_status_errno(201, NULL), 0);
	assert_int_equal(kit_kube_status_errno(404, "NotFound"), ENOENT);
	assert_int_equal(kit_kube_status_errno(409, "AlreadyExists"), EEXIST);
	assert_int_equal(kit_kube_status_errno(409, "Conflict"), ECANCELED);
	assert_int_equal(kit_kube_status_errno(410, "Expired"), ESTALE);
	assert_int_equal(kit_kube_status_errno(422, "Invalid"), EINVAL);
	assert_int_equal(kit_kube_status_errno(401, NULL), EACCES);
	assert_int_equal(kit_kube_status_errno(403, NULL), EPERM);
	assert_int_equal(kit_kube_status_errno(503, NULL), EAGAIN);
	assert_int_equal(kit_kube_status_errno(302, NULL), EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_servers_own_kubeconfig),
		cmocka_unit_test(test_kubectl_style_with_several_contexts),
		cmocka_unit_test(test_json_kubeconfig),
		cmocka_unit_test(test_broken_kubeconfigs_say_what_is_wrong),
		cmocka_unit_test(test_missing_file_names_it),
		cmocka_unit_test(test_watch_stream_cut_anywhere),
		cmocka_unit_test(test_watch_stream_bad_event_and_stop),
		cmocka_unit_test(test_status_codes_as_errnos),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
