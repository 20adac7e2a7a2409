/* SPDX-License-Identifier: MIT */
/*
 * fuzz_api_select.c - libFuzzer harness for common/api_select.c: the text
 * of ?labelSelector= and ?fieldSelector= comes from any client.  Each input
 * is parsed both ways; what parses is matched against a fixed object and
 * formatted back.  No crash, no leak, no undefined behaviour.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kit/api_select.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char obj_text[] =
		"{\"metadata\":{\"name\":\"web\",\"labels\":{\"app\":"
		"\"web\",\"env\":\"prod\",\"canary\":\"\"}},\"spec\":{"
		"\"nodeName\":\"n1\",\"replicas\":3}}";
	static const char *const allowed[] = { "metadata.name", "spec.nodeName", NULL };
	char *text = malloc(size + 1);
	cJSON *obj = cJSON_Parse(obj_text);
	struct kit_selector sel;
	struct kit_err err = { 0 };

	if (!text || !obj)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	if (kit_selector_parse_labels(text, &sel, &err) == 0) {
		char *back = kit_selector_format(&sel);

		kit_selector_matches_labels(
			&sel, cJSON_GetObjectItem(cJSON_GetObjectItem(obj, "metadata"),
						  "labels"));
		free(back);
	}
	kit_selector_release(&sel);
	if (kit_selector_parse_fields(text, &sel, &err) == 0) {
		kit_selector_check_fields(&sel, allowed, &err);
		kit_selector_matches_fields(&sel, obj);
	}
	kit_selector_release(&sel);
	/* The same bytes as a LabelSelector object, if they are JSON. */
	cJSON *json = cJSON_ParseWithLength((const char *)data, size);

	if (json && kit_selector_from_json(json, &sel, &err) == 0) {
		char *back = kit_selector_format(&sel);

		free(back);
	}
	kit_selector_release(&sel);
	cJSON_Delete(json);
	cJSON_Delete(obj);
	free(text);
	return 0;
}
