/* SPDX-License-Identifier: MIT */
/*
 * fuzz_api_patch.c - libFuzzer harness for common/api_patch.c: PATCH
 * bodies come from any client.  An input is "DOCUMENT\nPATCH": the
 * document and the patch, both JSON; every patch kind (merge, JSON,
 * strategic) is applied to a copy of the document.  No crash, no leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kit/api_patch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *nl = memchr(text, '\n', size);
	struct kit_err err = { 0 };
	cJSON *doc, *patch;

	if (!nl)
		return 0;
	doc = cJSON_ParseWithLength(text, (size_t)(nl - text));
	patch = cJSON_ParseWithLength(nl + 1, size - (size_t)(nl - text) - 1);
	if (doc && patch) {
		cJSON *a = cJSON_Duplicate(doc, true), *b = cJSON_Duplicate(doc, true);
		cJSON *c = cJSON_Duplicate(doc, true);

		kit_patch_merge(&a, patch, &err);
		kit_patch_json(&b, patch, &err);
		kit_patch_strategic(&c, patch, &err);
		cJSON_Delete(a);
		cJSON_Delete(b);
		cJSON_Delete(c);
	}
	cJSON_Delete(doc);
	cJSON_Delete(patch);
	return 0;
}
