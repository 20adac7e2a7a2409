/* SPDX-License-Identifier: MIT */
/*
 * apiserver_patch.c - PATCH, and the subresources /scale and /binding.
 *
 * Article: §6.1 (API Server) and §6.4.1 (`kubectl scale`, the scheduler's
 * binding).  A patch is a read-modify-write on the server: read the object
 * and its revision, apply the patch (common/api_patch.c), write back only
 * if the revision is unchanged; if another writer came first, read again
 * and re-apply (a few times) instead of failing the client.
 *
 *   PATCH .../deployments/web/scale   {"spec":{"replicas":5}}    kubectl scale
 *   PATCH .../pods/web                {"metadata":{"labels":...}} kubectl label
 *   POST  .../pods/web/binding        {"target":{"name":"node-1"}} scheduler
 *
 * Left out: server-side apply (application/apply-patch+yaml: 415).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apiserver.h"
#include "kit/api_patch.h"
#include "kit/api_select.h"
#include "kit/json.h"

#define PATCH_TRIES 5 /* re-applies after losing a compare-and-swap */

enum patch_type { PATCH_MERGE, PATCH_JSON, PATCH_STRATEGIC };

/* The autoscaling/v1 Scale of a deployment or replicaset. */
static cJSON *scale_of(const cJSON *obj)
{
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");
	const cJSON *replicas = cJSON_GetObjectItemCaseSensitive(spec, "replicas");
	const cJSON *have = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(obj, "status"), "replicas");
	static const char *const keep[] = {
		"name", "namespace", "uid", "resourceVersion", "creationTimestamp", NULL
	};
	cJSON *scale = cJSON_CreateObject(), *m, *status;
	struct kit_selector sel = { 0 };
	struct kit_err err = { 0 };
	char *text = NULL;

	cJSON_AddStringToObject(scale, "kind", "Scale");
	cJSON_AddStringToObject(scale, "apiVersion", "autoscaling/v1");
	m = cJSON_AddObjectToObject(scale, "metadata");
	for (const char *const *k = keep; *k; k++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(meta, *k);

		if (v)
			cJSON_AddItemToObject(m, *k, cJSON_Duplicate(v, true));
	}
	cJSON_AddNumberToObject(cJSON_AddObjectToObject(scale, "spec"), "replicas",
				cJSON_IsNumber(replicas) ? replicas->valuedouble : 0);
	status = cJSON_AddObjectToObject(scale, "status");
	cJSON_AddNumberToObject(status, "replicas",
				cJSON_IsNumber(have) ? have->valuedouble : 0);
	if (kit_selector_from_json(cJSON_GetObjectItemCaseSensitive(spec, "selector"),
				   &sel, &err) == 0)
		text = kit_selector_format(&sel);
	cJSON_AddStringToObject(status, "selector", text ? text : "");
	free(text);
	kit_selector_release(&sel);
	return scale;
}

static int set_replicas(cJSON *obj, const cJSON *scale)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(scale, "spec"), "replicas");
	cJSON *spec = json_obj(obj, "spec");

	if (!cJSON_IsNumber(n) || n->valuedouble < 0 || n->valuedouble > 1e6)
		return -1;
	cJSON_DeleteItemFromObjectCaseSensitive(spec, "replicas");
	cJSON_AddNumberToObject(spec, "replicas", n->valuedouble);
	return 0;
}

static int apply(enum patch_type type, cJSON **doc, const cJSON *patch,
		 struct kit_err *err)
{
	switch (type) {
	case PATCH_MERGE: return kit_patch_merge(doc, patch, err);
	case PATCH_JSON: return kit_patch_json(doc, patch, err);
	case PATCH_STRATEGIC: return kit_patch_strategic(doc, patch, err);
	}
	return -EINVAL;
}

/*
 * patched - the object @old with the patch applied, as this subresource
 * sees it: the whole object, only its status, or its Scale.  NULL after
 * replying (bad patch: 422).
 */
static cJSON *patched(struct request *r, enum patch_type type, const cJSON *patch,
		      const cJSON *old, enum MHD_Result *result)
{
	bool scale = strcmp(r->sub, "scale") == 0;
	cJSON *doc = scale ? scale_of(old) : cJSON_Duplicate(old, true), *obj;
	struct kit_err err = { 0 };

	if (apply(type, &doc, patch, &err) < 0 || !cJSON_IsObject(doc)) {
		cJSON *causes = cJSON_CreateArray();
		const char *why =
			err.code ? err.msg : "the patch does not give an object";

		cJSON_Delete(doc);
		cause_add(causes, "FieldValueInvalid", "patch", "%s", why);
		*result = reply_status(r, 422, "Invalid", r->name, causes,
				       "%s \"%s\" is invalid: patch: %s", r->res->kind,
				       r->name, why);
		return NULL;
	}
	if (!scale && !r->res->has_status)
		return doc;
	obj = cJSON_Duplicate(old, true);
	if (scale) {
		if (set_replicas(obj, doc) < 0) {
			cJSON_Delete(doc);
			cJSON_Delete(obj);
			*result = reply_status(
				r, 422, "Invalid", r->name, NULL,
				"spec.replicas: must be a number from 0 to 1000000");
			return NULL;
		}
	} else {
		/* /status changes status and nothing else; the main resource
		 * everything but status. */
		bool st = strcmp(r->sub, "status") == 0;
		cJSON *tmp = obj;

		obj = doc;
		doc = tmp;
		if (st) {
			cJSON *status =
				cJSON_DetachItemFromObjectCaseSensitive(obj, "status");

			cJSON_Delete(obj);
			obj = cJSON_Duplicate(old, true);
			cJSON_DeleteItemFromObjectCaseSensitive(obj, "status");
			if (status)
				cJSON_AddItemToObject(obj, "status", status);
		} else {
			const cJSON *status =
				cJSON_GetObjectItemCaseSensitive(old, "status");

			cJSON_DeleteItemFromObjectCaseSensitive(obj, "status");
			if (status)
				cJSON_AddItemToObject(obj, "status",
						      cJSON_Duplicate(status, true));
		}
	}
	cJSON_Delete(doc);
	return obj;
}

static int patch_type_of(struct request *r, enum patch_type *type,
			 enum MHD_Result *result)
{
	const char *ct = req_header(r, "Content-Type");

	if (ct && strncmp(ct, "application/merge-patch+json", 28) == 0)
		*type = PATCH_MERGE;
	else if (ct && strncmp(ct, "application/json-patch+json", 27) == 0)
		*type = PATCH_JSON;
	else if (ct && strncmp(ct, "application/strategic-merge-patch+json", 38) == 0)
		*type = PATCH_STRATEGIC;
	else {
		*result =
			reply_status(r, 415, "UnsupportedMediaType", r->name, NULL,
				     "the body of the request was in an unknown format - "
				     "accepted media types include: "
				     "application/json-patch+json, "
				     "application/merge-patch+json, "
				     "application/strategic-merge-patch+json");
		return -1;
	}
	return 0;
}

enum MHD_Result patch_handle(struct request *r)
{
	struct kit_err err = { 0 };
	enum MHD_Result result = MHD_NO;
	enum patch_type type;
	cJSON *patch = NULL;

	if (patch_type_of(r, &type, &result) < 0)
		return result;
	if (kit_json_parse(r->body ? r->body : "", r->len, "patch", &patch, &err) < 0)
		return reply_status(r, 400, "BadRequest", r->name, NULL, "%s", err.msg);
	for (int i = 0; i < PATCH_TRIES; i++) {
		cJSON *old = NULL, *obj;
		int64_t rev;
		const char *want;
		int ret;

		if (load_current(r, &old, &rev, &result) < 0)
			break;
		obj = patched(r, type, patch, old, &result);
		if (!obj) {
			cJSON_Delete(old);
			break;
		}
		/* A resourceVersion in the patch is a precondition. */
		want = json_str(obj, "metadata.resourceVersion");
		if (want && strtoll(want, NULL, 10) != rev) {
			err.code = ECANCELED;
			result = reply_store_error(r, r->name, &err);
			cJSON_Delete(obj);
			cJSON_Delete(old);
			break;
		}
		keep_system_fields(r->res, old, obj);
		cJSON_Delete(old);
		ret = admit_and_store(r, obj, rev, &result);
		if (ret == 0)
			result = reply_json(r, 200,
					    strcmp(r->sub, "scale") == 0
						    ? scale_of(obj)
						    : cJSON_Duplicate(obj, true));
		cJSON_Delete(obj);
		if (ret != -ECANCELED)
			break;
		if (i == PATCH_TRIES - 1) {
			err.code = ECANCELED;
			result = reply_store_error(r, r->name, &err);
		}
	}
	cJSON_Delete(patch);
	return result;
}

enum MHD_Result scale_get(struct request *r)
{
	enum MHD_Result result;
	int64_t rev;
	cJSON *obj, *scale;

	if (load_current(r, &obj, &rev, &result) < 0)
		return result;
	scale = scale_of(obj);
	cJSON_Delete(obj);
	return reply_json(r, 200, scale);
}

enum MHD_Result scale_update(struct request *r)
{
	enum MHD_Result result = MHD_NO;
	cJSON *scale = body_object(r, &result), *obj = NULL;
	const char *rv;
	int64_t rev;
	int ret;

	if (!scale)
		return result;
	if (load_current(r, &obj, &rev, &result) < 0)
		goto out;
	rv = json_str(scale, "metadata.resourceVersion");
	if (set_replicas(obj, scale) < 0) {
		result =
			reply_status(r, 422, "Invalid", r->name, NULL,
				     "spec.replicas: must be a number from 0 to 1000000");
		goto out;
	}
	keep_system_fields(r->res, obj, obj);
	ret = admit_and_store(r, obj, rv && *rv ? strtoll(rv, NULL, 10) : rev, &result);
	if (ret == -ECANCELED) {
		struct kit_err err = { .code = ECANCELED };

		result = reply_store_error(r, r->name, &err);
	} else if (ret == 0) {
		result = reply_json(r, 200, scale_of(obj));
	}
out:
	cJSON_Delete(obj);
	cJSON_Delete(scale);
	return result;
}

/*
 * POST pods/NAME/binding: the scheduler's decision.  A pod is bound once:
 * a second binding is 409, so two schedulers cannot both place it.
 */
enum MHD_Result binding_create(struct request *r)
{
	enum MHD_Result result = MHD_NO;
	cJSON *binding = body_object(r, &result), *pod = NULL, *st;
	const char *node, *bound;
	int64_t rev;
	int ret;

	if (!binding)
		return result;
	node = json_str(binding, "target.name");
	if (!node || !*node) {
		cJSON *causes = cJSON_CreateArray();

		cause_add(causes, "FieldValueRequired", "target.name", "Required value");
		result = reply_status(
			r, 422, "Invalid", r->name, causes,
			"Binding \"%s\" is invalid: target.name: Required value",
			r->name);
		goto out;
	}
	if (load_current(r, &pod, &rev, &result) < 0)
		goto out;
	bound = json_str(pod, "spec.nodeName");
	if (bound && *bound) {
		result = reply_status(
			r, 409, "Conflict", r->name, NULL,
			"Operation cannot be fulfilled on pods/binding \"%s\": pod "
			"%s is already assigned to node \"%s\"",
			r->name, r->name, bound);
		goto out;
	}
	json_set_str(json_obj(pod, "spec"), "nodeName", node);
	ret = admit_and_store(r, pod, rev, &result);
	if (ret == -ECANCELED) {
		struct kit_err err = { .code = ECANCELED };

		result = reply_store_error(r, r->name, &err);
	} else if (ret == 0) {
		st = cJSON_CreateObject();
		cJSON_AddStringToObject(st, "kind", "Status");
		cJSON_AddStringToObject(st, "apiVersion", "v1");
		cJSON_AddObjectToObject(st, "metadata");
		cJSON_AddStringToObject(st, "status", "Success");
		cJSON_AddNumberToObject(st, "code", 201);
		result = reply_json(r, 201, st);
	}
out:
	cJSON_Delete(pod);
	cJSON_Delete(binding);
	return result;
}
