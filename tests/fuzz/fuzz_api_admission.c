/* SPDX-License-Identifier: MIT */
/*
 * fuzz_api_admission.c - libFuzzer harness for mini-apiserver's admission
 * step (chapters/10-k8s/apiserver_resources.c): a request body, parsed as
 * the server parses it (kit_json_parse, with its limits), then defaulted
 * and validated as each kind of resource in turn.  Request bodies come
 * from any client: no crash, no leak, no undefined behaviour.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../chapters/10-k8s/apiserver.h"
#include "kit/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kit_err err = { 0 };
	cJSON *body = NULL;

	if (kit_json_parse((const char *)data, size, "request body", &body, &err) < 0)
		return 0;
	for (size_t i = 0; i < nresources; i++) {
		cJSON *obj = cJSON_Duplicate(body, true), *causes = cJSON_CreateArray();

		/* No server: defaults that need the store (service IPs) are skipped. */
		if (cJSON_IsObject(obj) && resources[i].defaults)
			resources[i].defaults(NULL, obj);
		validate_meta(&resources[i], obj, causes);
		if (resources[i].validate && cJSON_IsObject(obj))
			resources[i].validate(obj, causes);
		cJSON_Delete(causes);
		cJSON_Delete(obj);
	}
	cJSON_Delete(body);
	return 0;
}
