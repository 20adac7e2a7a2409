/* SPDX-License-Identifier: MIT */
/*
 * test_json.c - unit tests for common/json.c: parsing with limits, UTF-8
 * checks and line:column syntax errors; the typed getters and the JSON
 * paths in their messages; loading and atomically writing files.
 *
 * Documents are small literals; the tests that touch files get a fresh
 * directory under $TMPDIR, removed afterwards.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h> /* cmocka.h needs these three first */
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kit/json.h"
#include "unit.h"

/* ---- helpers ----------------------------------------------------------- */

/* Names in @dir, space-separated and sorted, e.g. "config.json". */
static char *dir_listing(const char *dir, char *buf, size_t size)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);

	assert_true(n >= 0);
	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			if (buf[0])
				strncat(buf, " ", size - strlen(buf) - 1);
			strncat(buf, names[i]->d_name, size - strlen(buf) - 1);
		}
		free(names[i]);
	}
	free(names);
	return buf;
}

/* Parse @text, which the test knows is valid; the caller frees the tree. */
static cJSON *doc_of(const char *text)
{
	struct kit_err err = { 0 };
	cJSON *doc = NULL;

	if (kit_json_parse(text, strlen(text), "test.json", &doc, &err) < 0)
		fail_msg("%s", err.msg);
	return doc;
}

/* kit_json_parse() on a string literal; returns its result. */
static int parse(const char *text, size_t len, struct kit_err *err)
{
	cJSON *doc = NULL;
	int ret = kit_json_parse(text, len, "config.json", &doc, err);

	cJSON_Delete(doc);
	return ret;
}

#define PARSE(lit, err) parse(lit, sizeof(lit) - 1, err)

/* ---- kit_json_parse ---------------------------------------------------- */

static void test_parse_valid_document(void **state)
{
	static const char text[] = "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": "
				   "[\"sh\"]}}";
	struct kit_err err = { 0 };
	cJSON *doc = NULL;
	(void)state;

	assert_int_equal(kit_json_parse(text, strlen(text), "config.json", &doc, &err),
			 0);
	assert_non_null(doc);
	assert_string_equal(cJSON_GetObjectItem(doc, "ociVersion")->valuestring, "1.0.2");
	assert_int_equal(err.code, 0);
	cJSON_Delete(doc);
}

static void test_parse_needs_no_terminating_nul(void **state)
{
	static const char text[] = "[1][garbage";
	struct kit_err err = { 0 };
	cJSON *doc = NULL;
	(void)state;

	/* Only the first three bytes are the document. */
	assert_int_equal(kit_json_parse(text, 3, "a.json", &doc, &err), 0);
	assert_int_equal(cJSON_GetArraySize(doc), 1);
	cJSON_Delete(doc);
}

static void test_parse_allows_trailing_whitespace(void **state)
{
	struct kit_err err = { 0 };
	(void)state;

	assert_int_equal(PARSE("{}\n \t\r\n", &err), 0);
}

static void test_parse_syntax_error_says_line_column_and_near(void **state)
{
	struct kit_err err = { 0 };
	(void)state;

	assert_int_equal(PARSE("{\n  \"a\": 1,\n  \"b\": x\n}", &err), -EINVAL);
	assert_int_equal(err.code, EINVAL);
	/* The newline after x shows as '?' in the excerpt. */
	assert_string_equal(err.msg,
			    "config.json: parse JSON: EINVAL (syntax error at line 3, "
			    "column 8 near 'x?}')");
}

static void test_parse_syntax_error_on_line_one(void **state)
{
	struct kit_err err = { 0 };
	(void)state;

	assert_int_equal(PARSE("[1,2,]", &err), -EINVAL);
	assert_string_equal(err.msg,
			    "config.json: parse JSON: EINVAL (syntax error at line 1, "
			    "column 6 near ']')");
}

static void test_parse_excerpt_is_at_most_20_bytes(void **state)
{
	struct kit_err err = { 0 };
	(void)state;

	assert_int_equal(PARSE("{\"a\" 1234567890123456789012345}", &err), -EINVAL);
	assert_string_equal(err.msg,
			    "config.json: parse JSON: EINVAL (syntax error at line 1, "
			    "column 6 near '12345678901234567890')");
}

/* cJSON points at the last byte when the document is cut short. */
static void test_parse_truncated_document_points_at_its_last_byte(void **state)
{
	struct kit_err err = { 0 };
	(void)state;

	assert_int_equal(PARSE("{\"a\": 1", &err), -EINVAL);
	assert_string_equal(err.msg,
			    "config.json: parse JSON: EINVAL (syntax error at line 1, "
			    "column 7 near '1')");
}

static void test_parse_empty_input_is_a_syntax_error(void **state)
{
	struct kit_err err = { 0 };
	(void)state;

	assert_int_equal(parse("", 0, &err), -EINVAL);
	assert_string_equal(err.msg,
			    "config.json: parse JSON: EINVAL (syntax error at line 1, "
			    "column 1 near '')");
}

static void test_parse_trailing_garbage_says_where(void **state)
{
	struct kit_err err = { 0 };
	(void)state;

	assert_int_equal(PARSE("{}\n\n  ]", &err), -EINVAL);
	assert_string_equal(err.msg,
			    "config.json: parse JSON: EINVAL (unexpected data after "
			    "the document at line 3, column 3)");
	assert_int_equal(PARSE("{} {}", &err), -EINVAL);
	assert_string_equal(err.msg,
			    "config.json: parse JSON: EINVAL (unexpected data after "
			    "the document at line 1, column 4)");
}

static void test_parse_refuses_nesting_deeper_than_cjson_allows(void **state)
{
	char deep[2 * (CJSON_NESTING_LIMIT + 1)];
	struct kit_err err = { 0 };
	(void)state;

	memset(deep, '[', CJSON_NESTING_LIMIT);
	memset(deep + CJSON_NESTING_LIMIT, ']', CJSON_NESTING_LIMIT);
	assert_int_equal(parse(deep, 2 * CJSON_NESTING_LIMIT, &err), 0);

	memset(deep, '[', CJSON_NESTING_LIMIT + 1);
	memset(deep + CJSON_NESTING_LIMIT + 1, ']', CJSON_NESTING_LIMIT + 1);
	assert_int_equal(parse(deep, sizeof(deep), &err), -EINVAL);
	assert_int_equal(err.code, EINVAL);
}

static void test_parse_embedded_nul_is_refused(void **state)
{
	struct kit_err err = { 0 };
	(void)state;

	assert_int_equal(PARSE("{\"a\": \"x\0y\"}", &err), -EINVAL);
	assert_string_equal(err.msg,
			    "config.json: parse JSON: EINVAL (contains a NUL byte)");
}

static void test_parse_over_the_size_limit_is_efbig(void **state)
{
	static const char text[] = "{}";
	struct kit_err err = { 0 };
	cJSON *doc = NULL;
	(void)state;

	/* The length is checked before a single byte is read, so a short buffer
	 * with a huge length is safe here. */
	assert_int_equal(
		kit_json_parse(text, KIT_JSON_MAX_BYTES + 1, "big.json", &doc, &err),
		-EFBIG);
	assert_null(doc);
	assert_string_equal(err.msg,
			    "big.json: parse JSON: EFBIG (larger than the 16 MiB limit)");
}

static void test_parse_exactly_at_the_size_limit_is_fine(void **state)
{
	struct kit_err err = { 0 };
	char *text = malloc(KIT_JSON_MAX_BYTES);
	(void)state;

	assert_non_null(text);
	memset(text, ' ', KIT_JSON_MAX_BYTES);
	memcpy(text, "{}", 2);
	assert_int_equal(parse(text, KIT_JSON_MAX_BYTES, &err), 0);
	free(text);
}

/* ---- UTF-8 ------------------------------------------------------------- */

static void test_parse_accepts_valid_multibyte_utf8(void **state)
{
	/* 2, 3 and 4 bytes: é, €, U+10FFFF (the last code point), and 😀. */
	static const char text[] = "{\"s\": \"\xc3\xa9 \xe2\x82\xac \xf4\x8f\xbf\xbf "
				   "\xf0\x9f\x98\x80\"}";
	struct kit_err err = { 0 };
	const char *s = NULL;
	cJSON *doc = NULL;
	(void)state;

	assert_int_equal(kit_json_parse(text, strlen(text), "u.json", &doc, &err), 0);
	assert_int_equal(kit_json_get_string(doc, "", "s", true, &s, &err), 0);
	assert_string_equal(s, "\xc3\xa9 \xe2\x82\xac \xf4\x8f\xbf\xbf \xf0\x9f\x98\x80");
	cJSON_Delete(doc);
}

static void test_parse_refuses_invalid_utf8(void **state)
{
	struct kit_err err = { 0 };
	(void)state;

	assert_int_equal(PARSE("{\"s\": \"\xc0\xaf\"}", &err), -EINVAL);
	assert_string_equal(err.msg, "config.json: parse JSON: EINVAL (not valid UTF-8)");
}

static void test_utf8_valid_accepts_ascii_and_multibyte(void **state)
{
	(void)state;

	assert_true(kit_json_utf8_valid("", 0));
	assert_true(kit_json_utf8_valid("plain ascii", 11));
	/* The first 2-, 3- and 4-byte code points, and both sides of the
	 * surrogate range U+D800..U+DFFF. */
	assert_true(kit_json_utf8_valid("\xc2\x80", 2));         /* U+0080 */
	assert_true(kit_json_utf8_valid("\xe0\xa0\x80", 3));     /* U+0800 */
	assert_true(kit_json_utf8_valid("\xed\x9f\xbf", 3));     /* U+D7FF */
	assert_true(kit_json_utf8_valid("\xee\x80\x80", 3));     /* U+E000 */
	assert_true(kit_json_utf8_valid("\xf0\x90\x80\x80", 4)); /* U+10000 */
	assert_true(kit_json_utf8_valid("\xf4\x8f\xbf\xbf", 4)); /* U+10FFFF */
}

static void test_utf8_valid_refuses_overlong_forms(void **state)
{
	(void)state;

	assert_false(kit_json_utf8_valid("\xc0\xaf", 2)); /* '/' in 2 bytes */
	assert_false(kit_json_utf8_valid("\xc1\xbf", 2));
	assert_false(kit_json_utf8_valid("\xe0\x80\xaf", 3));     /* '/' in 3 bytes */
	assert_false(kit_json_utf8_valid("\xe0\x9f\xbf", 3));     /* U+07FF in 3 */
	assert_false(kit_json_utf8_valid("\xf0\x80\x80\xaf", 4)); /* '/' in 4 bytes */
	assert_false(kit_json_utf8_valid("\xf0\x8f\xbf\xbf", 4)); /* U+FFFF in 4 */
}

static void test_utf8_valid_refuses_surrogates(void **state)
{
	(void)state;

	assert_false(kit_json_utf8_valid("\xed\xa0\x80", 3)); /* U+D800 */
	assert_false(kit_json_utf8_valid("\xed\xbf\xbf", 3)); /* U+DFFF */
}

static void test_utf8_valid_refuses_code_points_past_10ffff(void **state)
{
	(void)state;

	assert_false(kit_json_utf8_valid("\xf4\x90\x80\x80", 4)); /* U+110000 */
	assert_false(kit_json_utf8_valid("\xf5\x80\x80\x80", 4)); /* lead byte past F4 */
	assert_false(kit_json_utf8_valid("\xff", 1));
}

static void test_utf8_valid_refuses_truncated_sequences(void **state)
{
	(void)state;

	assert_false(kit_json_utf8_valid("\xc3", 1));
	assert_false(kit_json_utf8_valid("\xe2\x82", 2));
	assert_false(kit_json_utf8_valid("\xf0\x9f\x98", 3));
	assert_false(kit_json_utf8_valid("\xe2\x82x", 3)); /* ASCII mid-sequence */
	assert_false(kit_json_utf8_valid("a\x80", 2));     /* stray continuation byte */
	assert_false(kit_json_utf8_valid("\xc3\xa9", 1));  /* cut by the length */
}

/* ---- names and paths --------------------------------------------------- */

static void test_type_name_of_every_kind(void **state)
{
	cJSON *doc = doc_of("[\"s\", 1, true, false, null, [], {}]");
	cJSON *raw = cJSON_CreateRaw("1");
	(void)state;

	assert_string_equal(kit_json_type_name(cJSON_GetArrayItem(doc, 0)), "a string");
	assert_string_equal(kit_json_type_name(cJSON_GetArrayItem(doc, 1)), "a number");
	assert_string_equal(kit_json_type_name(cJSON_GetArrayItem(doc, 2)), "a boolean");
	assert_string_equal(kit_json_type_name(cJSON_GetArrayItem(doc, 3)), "a boolean");
	assert_string_equal(kit_json_type_name(cJSON_GetArrayItem(doc, 4)), "null");
	assert_string_equal(kit_json_type_name(cJSON_GetArrayItem(doc, 5)), "an array");
	assert_string_equal(kit_json_type_name(cJSON_GetArrayItem(doc, 6)), "an object");
	assert_string_equal(kit_json_type_name(NULL), "nothing");
	assert_string_equal(kit_json_type_name(raw), "an invalid value");
	cJSON_Delete(raw);
	cJSON_Delete(doc);
}

static void test_path_key_and_index_use_jq_notation(void **state)
{
	char buf[KIT_JSON_PATH_MAX];
	(void)state;

	assert_string_equal(kit_json_path_key(buf, "", "process"), ".process");
	assert_string_equal(kit_json_path_key(buf, ".process", "args"), ".process.args");
	assert_string_equal(kit_json_path_index(buf, ".process.args", 2),
			    ".process.args[2]");
	assert_string_equal(kit_json_path_index(buf, "", 0), "[0]");
}

static void test_path_too_long_ends_in_dots(void **state)
{
	char parent[300], buf[KIT_JSON_PATH_MAX];
	(void)state;

	fill_string(parent, sizeof(parent) - 1, 'p');

	kit_json_path_key(buf, parent, "key");
	assert_int_equal(strlen(buf), KIT_JSON_PATH_MAX - 1);
	assert_string_equal(buf + KIT_JSON_PATH_MAX - 4, "...");
	assert_memory_equal(buf, parent, KIT_JSON_PATH_MAX - 4);

	kit_json_path_index(buf, parent, 7);
	assert_int_equal(strlen(buf), KIT_JSON_PATH_MAX - 1);
	assert_string_equal(buf + KIT_JSON_PATH_MAX - 4, "...");
}

static void test_path_that_just_fits_is_not_cut(void **state)
{
	char parent[KIT_JSON_PATH_MAX], buf[KIT_JSON_PATH_MAX];
	(void)state;

	/* parent + "." + "k" is exactly KIT_JSON_PATH_MAX - 1 bytes. */
	fill_string(parent, KIT_JSON_PATH_MAX - 3, 'p');
	kit_json_path_key(buf, parent, "k");
	assert_int_equal(strlen(buf), KIT_JSON_PATH_MAX - 1);
	assert_string_equal(buf + KIT_JSON_PATH_MAX - 3, ".k");
}

/* ---- getters ----------------------------------------------------------- */

static const char config[] =
	"{\"process\": {\"args\": \"sh\", \"env\": [\"A=1\"], "
	"\"cwd\": \"/\", \"terminal\": true, \"user\": {\"uid\": 0}, "
	"\"nothing\": null, \"rlimits\": [1, 2, 3]}}";

/* The "process" object of config, and the tree to free. */
static const cJSON *process_of(cJSON **doc)
{
	*doc = doc_of(config);
	return cJSON_GetObjectItem(*doc, "process");
}

static void test_get_object_found(void **state)
{
	struct kit_err err = { 0 };
	const cJSON *user = NULL;
	cJSON *doc;
	const cJSON *process = process_of(&doc);
	(void)state;

	assert_int_equal(
		kit_json_get_object(process, ".process", "user", true, &user, &err), 0);
	assert_ptr_equal(user, cJSON_GetObjectItem(process, "user"));
	cJSON_Delete(doc);
}

static void test_get_object_wrong_type_names_the_path(void **state)
{
	struct kit_err err = { 0 };
	const cJSON *out = NULL;
	cJSON *doc;
	const cJSON *process = process_of(&doc);
	(void)state;

	assert_int_equal(
		kit_json_get_object(process, ".process", "env", true, &out, &err),
		-EINVAL);
	assert_null(out);
	assert_string_equal(err.msg,
			    ".process.env: expected an object, got an array: EINVAL "
			    "(fix the type of this field)");
	cJSON_Delete(doc);
}

static void test_get_array_found(void **state)
{
	struct kit_err err = { 0 };
	const cJSON *env = NULL;
	cJSON *doc;
	const cJSON *process = process_of(&doc);
	(void)state;

	assert_int_equal(
		kit_json_get_array(process, ".process", "env", true, 16, &env, &err), 0);
	assert_int_equal(cJSON_GetArraySize(env), 1);
	cJSON_Delete(doc);
}

static void test_get_array_wrong_type_names_the_path(void **state)
{
	struct kit_err err = { 0 };
	const cJSON *out = NULL;
	cJSON *doc;
	const cJSON *process = process_of(&doc);
	(void)state;

	assert_int_equal(
		kit_json_get_array(process, ".process", "args", true, 16, &out, &err),
		-EINVAL);
	assert_int_equal(err.code, EINVAL);
	assert_string_equal(err.msg,
			    ".process.args: expected an array, got a string: EINVAL "
			    "(fix the type of this field)");
	cJSON_Delete(doc);
}

static void test_get_array_at_max_is_fine_over_max_is_e2big(void **state)
{
	struct kit_err err = { 0 };
	const cJSON *out = NULL;
	cJSON *doc;
	const cJSON *process = process_of(&doc);
	(void)state;

	assert_int_equal(
		kit_json_get_array(process, ".process", "rlimits", true, 3, &out, &err),
		0);
	out = NULL;
	assert_int_equal(
		kit_json_get_array(process, ".process", "rlimits", true, 2, &out, &err),
		-E2BIG);
	assert_null(out);
	assert_string_equal(err.msg,
			    ".process.rlimits: more than 2 elements: E2BIG (Argument "
			    "list too long)");
	cJSON_Delete(doc);
}

static void test_get_string_found_stays_owned_by_the_tree(void **state)
{
	struct kit_err err = { 0 };
	const char *cwd = NULL;
	cJSON *doc;
	const cJSON *process = process_of(&doc);
	(void)state;

	assert_int_equal(
		kit_json_get_string(process, ".process", "cwd", true, &cwd, &err), 0);
	assert_string_equal(cwd, "/");
	assert_ptr_equal(cwd, cJSON_GetObjectItem(process, "cwd")->valuestring);
	cJSON_Delete(doc);
}

static void test_get_string_wrong_type_names_the_path(void **state)
{
	struct kit_err err = { 0 };
	const char *out = NULL;
	cJSON *doc;
	const cJSON *process = process_of(&doc);
	(void)state;

	assert_int_equal(
		kit_json_get_string(process, ".process", "terminal", true, &out, &err),
		-EINVAL);
	assert_string_equal(err.msg,
			    ".process.terminal: expected a string, got a boolean: "
			    "EINVAL (fix the type of this field)");
	cJSON_Delete(doc);
}

static void test_get_bool_found_true_and_false(void **state)
{
	struct kit_err err = { 0 };
	cJSON *doc = doc_of("{\"yes\": true, \"no\": false}");
	bool b = false;
	(void)state;

	assert_int_equal(kit_json_get_bool(doc, "", "yes", true, &b, &err), 0);
	assert_true(b);
	assert_int_equal(kit_json_get_bool(doc, "", "no", true, &b, &err), 0);
	assert_false(b);
	cJSON_Delete(doc);
}

static void test_get_bool_wrong_type_names_the_path(void **state)
{
	struct kit_err err = { 0 };
	cJSON *doc = doc_of("{\"terminal\": \"yes\"}");
	bool b = false;
	(void)state;

	assert_int_equal(kit_json_get_bool(doc, "", "terminal", true, &b, &err), -EINVAL);
	assert_string_equal(err.msg,
			    ".terminal: expected a boolean, got a string: EINVAL (fix "
			    "the type of this field)");
	cJSON_Delete(doc);
}

static void test_getters_optional_absent_return_1_and_leave_out_alone(void **state)
{
	struct kit_err err = { 0 };
	const cJSON *obj = (const cJSON *)&err, *arr = (const cJSON *)&err;
	const char *s = "untouched";
	bool b = true;
	int64_t n = 77;
	cJSON *doc;
	const cJSON *process = process_of(&doc);
	(void)state;

	assert_int_equal(kit_json_get_object(process, ".process", "x", false, &obj, &err),
			 1);
	assert_int_equal(
		kit_json_get_array(process, ".process", "x", false, 9, &arr, &err), 1);
	assert_int_equal(kit_json_get_string(process, ".process", "x", false, &s, &err),
			 1);
	assert_int_equal(kit_json_get_bool(process, ".process", "x", false, &b, &err), 1);
	assert_int_equal(
		kit_json_get_int(process, ".process", "x", false, 0, 9, &n, &err), 1);
	assert_ptr_equal(obj, &err);
	assert_ptr_equal(arr, &err);
	assert_string_equal(s, "untouched");
	assert_true(b);
	assert_int_equal(n, 77);
	assert_int_equal(err.code, 0);
	cJSON_Delete(doc);
}

static void test_getters_required_absent_say_field_missing(void **state)
{
	struct kit_err err = { 0 };
	const cJSON *obj;
	const char *s;
	bool b;
	int64_t n;
	cJSON *doc;
	const cJSON *process = process_of(&doc);
	(void)state;

	assert_int_equal(kit_json_get_object(process, ".process", "capabilities", true,
					     &obj, &err),
			 -ENOENT);
	assert_string_equal(err.msg,
			    ".process.capabilities: required field missing: ENOENT "
			    "(this field must be present)");
	assert_int_equal(
		kit_json_get_array(process, ".process", "argv", true, 9, &obj, &err),
		-ENOENT);
	assert_string_equal(err.msg,
			    ".process.argv: required field missing: ENOENT (this "
			    "field must be present)");
	assert_int_equal(kit_json_get_string(process, ".process", "Cwd", true, &s, &err),
			 -ENOENT); /* keys are case-sensitive */
	assert_string_equal(err.msg, ".process.Cwd: required field missing: ENOENT (this "
				     "field must be present)");
	assert_int_equal(kit_json_get_bool(process, ".process", "tty", true, &b, &err),
			 -ENOENT);
	assert_int_equal(
		kit_json_get_int(process, ".process", "umask", true, 0, 9, &n, &err),
		-ENOENT);
	assert_string_equal(err.msg,
			    ".process.umask: required field missing: ENOENT (this "
			    "field must be present)");
	cJSON_Delete(doc);
}

static void test_getters_count_json_null_as_absent(void **state)
{
	struct kit_err err = { 0 };
	const char *s = "untouched";
	cJSON *doc;
	const cJSON *process = process_of(&doc);
	(void)state;

	assert_int_equal(
		kit_json_get_string(process, ".process", "nothing", false, &s, &err), 1);
	assert_string_equal(s, "untouched");
	assert_int_equal(
		kit_json_get_string(process, ".process", "nothing", true, &s, &err),
		-ENOENT);
	assert_string_equal(err.msg,
			    ".process.nothing: required field missing: ENOENT (this "
			    "field must be present)");
	cJSON_Delete(doc);
}

static void test_getters_on_a_non_object_name_the_parent(void **state)
{
	struct kit_err err = { 0 };
	cJSON *doc = doc_of("{\"process\": {\"args\": [\"sh\"]}}");
	const cJSON *args =
		cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "process"), "args");
	const char *s;
	(void)state;

	assert_int_equal(kit_json_get_string(args, ".process.args", "x", false, &s, &err),
			 -EINVAL);
	assert_string_equal(err.msg,
			    ".process.args: expected an object, got an array: EINVAL "
			    "(Invalid argument)");
	cJSON_Delete(doc);
}

static void test_getters_on_a_non_object_document_say_dot(void **state)
{
	struct kit_err err = { 0 };
	cJSON *doc = doc_of("\"just a string\"");
	const char *s;
	(void)state;

	assert_int_equal(kit_json_get_string(doc, "", "ociVersion", true, &s, &err),
			 -EINVAL);
	assert_string_equal(err.msg,
			    ".: expected an object, got a string: EINVAL (Invalid "
			    "argument)");
	cJSON_Delete(doc);
}

static void test_get_int_found_within_range(void **state)
{
	struct kit_err err = { 0 };
	cJSON *doc = doc_of("{\"uid\": 1000, \"neg\": -5, \"big\": 9007199254740992}");
	int64_t n = 0;
	(void)state;

	assert_int_equal(kit_json_get_int(doc, "", "uid", true, 0, 65535, &n, &err), 0);
	assert_int_equal(n, 1000);
	assert_int_equal(kit_json_get_int(doc, "", "neg", true, -10, 10, &n, &err), 0);
	assert_int_equal(n, -5);
	/* 2^53 itself is still exact. */
	assert_int_equal(kit_json_get_int(doc, "", "big", true, 0, INT64_MAX, &n, &err),
			 0);
	assert_int_equal(n, 9007199254740992LL);
	cJSON_Delete(doc);
}

static void test_get_int_bounds_are_inclusive(void **state)
{
	struct kit_err err = { 0 };
	cJSON *doc = doc_of("{\"lo\": 0, \"hi\": 65535}");
	int64_t n = 1;
	(void)state;

	assert_int_equal(kit_json_get_int(doc, "", "lo", true, 0, 65535, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(kit_json_get_int(doc, "", "hi", true, 0, 65535, &n, &err), 0);
	assert_int_equal(n, 65535);
	cJSON_Delete(doc);
}

static void test_get_int_of_a_string_is_wrong_type(void **state)
{
	struct kit_err err = { 0 };
	cJSON *doc = doc_of("{\"user\": {\"uid\": \"0\"}}");
	const cJSON *user = cJSON_GetObjectItem(doc, "user");
	int64_t n;
	(void)state;

	assert_int_equal(kit_json_get_int(user, ".user", "uid", true, 0, 9, &n, &err),
			 -EINVAL);
	assert_string_equal(err.msg,
			    ".user.uid: expected an integer, got a string: EINVAL "
			    "(fix the type of this field)");
	cJSON_Delete(doc);
}

static void test_get_int_of_a_fraction_is_einval(void **state)
{
	struct kit_err err = { 0 };
	cJSON *doc = doc_of("{\"uid\": 1.5}");
	int64_t n = 7;
	(void)state;

	assert_int_equal(kit_json_get_int(doc, "", "uid", true, 0, 9, &n, &err), -EINVAL);
	assert_int_equal(n, 7);
	assert_string_equal(err.msg,
			    ".uid: expected an integer, got 1.5: EINVAL (fix the "
			    "type of this field)");
	cJSON_Delete(doc);
}

static void test_get_int_of_infinity_is_einval(void **state)
{
	struct kit_err err = { 0 };
	cJSON *doc = doc_of("{\"uid\": 1e999}"); /* strtod says inf */
	int64_t n;
	(void)state;

	assert_int_equal(kit_json_get_int(doc, "", "uid", true, 0, 9, &n, &err), -EINVAL);
	assert_string_equal(err.msg,
			    ".uid: expected an integer, got inf: EINVAL (fix the "
			    "type of this field)");
	cJSON_Delete(doc);
}

static void test_get_int_beyond_2_pow_53_is_erange(void **state)
{
	struct kit_err err = { 0 };
	cJSON *doc = doc_of("{\"a\": 9007199254740994, \"b\": -1e16}");
	int64_t n = 7;
	(void)state;

	assert_int_equal(
		kit_json_get_int(doc, "", "a", true, INT64_MIN, INT64_MAX, &n, &err),
		-ERANGE);
	assert_int_equal(n, 7);
	assert_string_equal(err.msg,
			    ".a: 9.0072e+15 is too large: ERANGE (integers beyond 2^53 "
			    "cannot be read exactly)");
	assert_int_equal(
		kit_json_get_int(doc, "", "b", true, INT64_MIN, INT64_MAX, &n, &err),
		-ERANGE);
	assert_string_equal(err.msg,
			    ".b: -1e+16 is too large: ERANGE (integers beyond 2^53 "
			    "cannot be read exactly)");
	cJSON_Delete(doc);
}

static void test_get_int_outside_min_max_is_erange(void **state)
{
	struct kit_err err = { 0 };
	cJSON *doc = doc_of("{\"linux\": {\"uid\": 70000, \"gid\": -1}}");
	const cJSON *linux_obj = cJSON_GetObjectItem(doc, "linux");
	int64_t n = 7;
	(void)state;

	assert_int_equal(
		kit_json_get_int(linux_obj, ".linux", "uid", true, 0, 65535, &n, &err),
		-ERANGE);
	assert_int_equal(n, 7);
	assert_string_equal(err.msg, ".linux.uid: 70000 is outside [0, 65535]: ERANGE "
				     "(Numerical result out of range)");
	assert_int_equal(
		kit_json_get_int(linux_obj, ".linux", "gid", true, 0, 65535, &n, &err),
		-ERANGE);
	assert_string_equal(err.msg, ".linux.gid: -1 is outside [0, 65535]: ERANGE "
				     "(Numerical result out of range)");
	cJSON_Delete(doc);
}

/* ---- files ------------------------------------------------------------- */

static void test_load_file_parses_it(void **state)
{
	struct kit_err err = { 0 };
	char path[PATH_MAX];
	cJSON *doc = NULL;

	put_file(path_in(path, *state, "config.json"), "{\"ociVersion\": \"1.0.2\"}\n");
	assert_int_equal(kit_json_load_file(path, &doc, &err), 0);
	assert_string_equal(cJSON_GetObjectItem(doc, "ociVersion")->valuestring, "1.0.2");
	cJSON_Delete(doc);
}

static void test_load_file_error_names_the_file(void **state)
{
	struct kit_err err = { 0 };
	char path[PATH_MAX], want[PATH_MAX + 100];
	cJSON *doc = NULL;

	put_file(path_in(path, *state, "config.json"), "{\n  \"a\": [1 2]\n}\n");
	assert_int_equal(kit_json_load_file(path, &doc, &err), -EINVAL);
	assert_null(doc);
	snprintf(
		want, sizeof(want),
		"%s: parse JSON: EINVAL (syntax error at line 2, column 11 near '2]?}?')",
		path);
	assert_string_equal(err.msg, want);
}

static void test_load_missing_file_is_enoent(void **state)
{
	struct kit_err err = { 0 };
	char path[PATH_MAX], want[PATH_MAX + 100];
	cJSON *doc = NULL;

	path_in(path, *state, "missing.json");
	assert_int_equal(kit_json_load_file(path, &doc, &err), -ENOENT);
	snprintf(want, sizeof(want), "open %s: ENOENT (No such file or directory)", path);
	assert_string_equal(err.msg, want);
}

static void test_load_file_over_the_limit_is_efbig(void **state)
{
	struct kit_err err = { 0 };
	char path[PATH_MAX];
	cJSON *doc = NULL;
	int fd;

	/* A sparse file: 16 MiB + 1 of zeros costs no disk space. */
	fd = open(path_in(path, *state, "big.json"), O_WRONLY | O_CREAT | O_CLOEXEC,
		  0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, KIT_JSON_MAX_BYTES + 1), 0);
	close(fd);
	assert_int_equal(kit_json_load_file(path, &doc, &err), -EFBIG);
	assert_int_equal(err.code, EFBIG);
	assert_null(doc);
}

static void test_write_file_is_atomic_and_parses_back(void **state)
{
	struct kit_err err = { 0 };
	char path[PATH_MAX], listing[256];
	cJSON *doc =
		doc_of("{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"sh\"]}}");
	cJSON *back = NULL;

	put_file(path_in(path, *state, "config.json"), "old content");
	assert_int_equal(kit_json_write_file(path, doc, 0600, &err), 0);
	/* The temporary file was renamed over the old one: nothing else left. */
	assert_string_equal(dir_listing(*state, listing, sizeof(listing)), "config.json");
	assert_int_equal(kit_json_load_file(path, &back, &err), 0);
	assert_true(cJSON_Compare(doc, back, true));
	cJSON_Delete(back);
	cJSON_Delete(doc);
}

static void test_write_file_ends_with_a_newline(void **state)
{
	struct kit_err err = { 0 };
	char path[PATH_MAX], buf[64] = "";
	cJSON *doc = doc_of("[]");
	FILE *f;

	assert_int_equal(
		kit_json_write_file(path_in(path, *state, "a.json"), doc, 0644, &err), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	buf[fread(buf, 1, sizeof(buf) - 1, f)] = '\0';
	fclose(f);
	assert_string_equal(buf, "[]\n");
	cJSON_Delete(doc);
}

static void test_write_file_honours_the_mode(void **state)
{
	struct kit_err err = { 0 };
	char path[PATH_MAX];
	cJSON *doc = doc_of("{}");
	mode_t old = umask(022);
	struct stat st;
	int ret;

	ret = kit_json_write_file(path_in(path, *state, "a.json"), doc, 0640, &err);
	umask(old);
	assert_int_equal(ret, 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	cJSON_Delete(doc);
}

static void test_write_file_in_missing_directory_fails_cleanly(void **state)
{
	struct kit_err err = { 0 };
	char path[PATH_MAX], want[PATH_MAX + 100], listing[256];
	cJSON *doc = doc_of("{}");

	path_in(path, *state, "missing/config.json");
	assert_int_equal(kit_json_write_file(path, doc, 0644, &err), -ENOENT);
	snprintf(want, sizeof(want),
		 "create %s.tmp.%d: ENOENT (No such file or directory)", path,
		 (int)getpid());
	assert_string_equal(err.msg, want);
	assert_string_equal(dir_listing(*state, listing, sizeof(listing)), "");
	cJSON_Delete(doc);
}

static void test_write_file_over_a_directory_leaves_no_temp_file(void **state)
{
	struct kit_err err = { 0 };
	char path[PATH_MAX], want[2 * PATH_MAX + 100], listing[256];
	cJSON *doc = doc_of("{}");

	assert_int_equal(mkdir(path_in(path, *state, "config.json"), 0755), 0);
	assert_int_equal(kit_json_write_file(path, doc, 0644, &err), -EISDIR);
	snprintf(want, sizeof(want), "rename %s.tmp.%d to %s: EISDIR (Is a directory)",
		 path, (int)getpid(), path);
	assert_string_equal(err.msg, want);
	assert_string_equal(dir_listing(*state, listing, sizeof(listing)), "config.json");
	cJSON_Delete(doc);
}

/*
 * A short write(2) sets no errno, so the error must not report whatever
 * errno an earlier call left behind: EIO, like kit_write_file().  The
 * file size limit (RLIMIT_FSIZE) makes the kernel take only 4 bytes.
 */
static void test_write_file_short_write_is_eio_not_a_stale_errno(void **state)
{
	struct kit_err err = { 0 };
	char path[PATH_MAX], want[PATH_MAX + 100], listing[256];
	cJSON *doc = doc_of("{\"a\": [1, 2, 3]}");
	struct rlimit old, small;
	void (*old_handler)(int);
	int ret;

	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small = old;
	small.rlim_cur = 4;
	old_handler = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	errno = EBADF; /* left over from something earlier */
	ret = kit_json_write_file(path_in(path, *state, "a.json"), doc, 0644, &err);
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, old_handler);
	cJSON_Delete(doc);

	assert_string_equal(dir_listing(*state, listing, sizeof(listing)), "");
	snprintf(want, sizeof(want), "write %s.tmp.%d: EIO (Input/output error)", path,
		 (int)getpid());
	assert_string_equal(err.msg, want);
	assert_int_equal(ret, -EIO);
}

int main(void)
{
#define T(name) cmocka_unit_test(name)
#define F(name) cmocka_unit_test_setup_teardown(name, make_tmpdir, remove_tmpdir)
	const struct CMUnitTest tests[] = {
		T(test_parse_valid_document),
		T(test_parse_needs_no_terminating_nul),
		T(test_parse_allows_trailing_whitespace),
		T(test_parse_syntax_error_says_line_column_and_near),
		T(test_parse_syntax_error_on_line_one),
		T(test_parse_excerpt_is_at_most_20_bytes),
		T(test_parse_truncated_document_points_at_its_last_byte),
		T(test_parse_empty_input_is_a_syntax_error),
		T(test_parse_trailing_garbage_says_where),
		T(test_parse_refuses_nesting_deeper_than_cjson_allows),
		T(test_parse_embedded_nul_is_refused),
		T(test_parse_over_the_size_limit_is_efbig),
		T(test_parse_exactly_at_the_size_limit_is_fine),
		T(test_parse_accepts_valid_multibyte_utf8),
		T(test_parse_refuses_invalid_utf8),
		T(test_utf8_valid_accepts_ascii_and_multibyte),
		T(test_utf8_valid_refuses_overlong_forms),
		T(test_utf8_valid_refuses_surrogates),
		T(test_utf8_valid_refuses_code_points_past_10ffff),
		T(test_utf8_valid_refuses_truncated_sequences),
		T(test_type_name_of_every_kind),
		T(test_path_key_and_index_use_jq_notation),
		T(test_path_too_long_ends_in_dots),
		T(test_path_that_just_fits_is_not_cut),
		T(test_get_object_found),
		T(test_get_object_wrong_type_names_the_path),
		T(test_get_array_found),
		T(test_get_array_wrong_type_names_the_path),
		T(test_get_array_at_max_is_fine_over_max_is_e2big),
		T(test_get_string_found_stays_owned_by_the_tree),
		T(test_get_string_wrong_type_names_the_path),
		T(test_get_bool_found_true_and_false),
		T(test_get_bool_wrong_type_names_the_path),
		T(test_getters_optional_absent_return_1_and_leave_out_alone),
		T(test_getters_required_absent_say_field_missing),
		T(test_getters_count_json_null_as_absent),
		T(test_getters_on_a_non_object_name_the_parent),
		T(test_getters_on_a_non_object_document_say_dot),
		T(test_get_int_found_within_range),
		T(test_get_int_bounds_are_inclusive),
		T(test_get_int_of_a_string_is_wrong_type),
		T(test_get_int_of_a_fraction_is_einval),
		T(test_get_int_of_infinity_is_einval),
		T(test_get_int_beyond_2_pow_53_is_erange),
		T(test_get_int_outside_min_max_is_erange),
		F(test_load_file_parses_it),
		F(test_load_file_error_names_the_file),
		F(test_load_missing_file_is_enoent),
		F(test_load_file_over_the_limit_is_efbig),
		F(test_write_file_is_atomic_and_parses_back),
		F(test_write_file_ends_with_a_newline),
		F(test_write_file_honours_the_mode),
		F(test_write_file_in_missing_directory_fails_cleanly),
		F(test_write_file_over_a_directory_leaves_no_temp_file),
		F(test_write_file_short_write_is_eio_not_a_stale_errno),
	};
#undef F
#undef T

	return cmocka_run_group_tests_name("common/json.c", tests, NULL, NULL);
}
