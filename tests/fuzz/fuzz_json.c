/* SPDX-License-Identifier: MIT */
/*
 * fuzz_json.c - libFuzzer harness for common/json.c: any bytes in, no
 * crash, no leak, no undefined behaviour out.  Besides parsing, it walks
 * the tree with every typed getter, the way config.json readers will.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kit/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Read every member of @obj with each getter; recurse into containers. */
static void walk(const cJSON *obj, const char *path, int depth)
{
	struct kit_err err = { 0 };
	char child[KIT_JSON_PATH_MAX];
	const cJSON *item, *sub;
	const char *s;
	int64_t n;
	bool b;
	size_t i = 0;

	if (depth > 64)
		return;
	cJSON_ArrayForEach(item, obj)
	{
		if (cJSON_IsObject(obj) && item->string) {
			const char *key = item->string;

			kit_json_get_string(obj, path, key, true, &s, &err);
			kit_json_get_bool(obj, path, key, false, &b, &err);
			kit_json_get_int(obj, path, key, true, INT64_MIN, INT64_MAX, &n,
					 &err);
			kit_json_get_array(obj, path, key, false, 16, &sub, &err);
			if (kit_json_get_object(obj, path, key, true, &sub, &err) == 0)
				walk(sub, kit_json_path_key(child, path, key), depth + 1);
		} else if (cJSON_IsArray(obj)) {
			walk(item, kit_json_path_index(child, path, i++), depth + 1);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kit_err err = { 0 };
	cJSON *doc = NULL;

	if (kit_json_parse((const char *)data, size, "fuzz.json", &doc, &err) < 0) {
		/* A refusal must always say something. */
		if (err.code == 0 || err.msg[0] == '\0')
			abort();
		return 0;
	}
	walk(doc, "", 0);
	cJSON_Delete(doc);
	return 0;
}
