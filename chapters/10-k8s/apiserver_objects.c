/* SPDX-License-Identifier: MIT */
/*
 * apiserver_objects.c - the verbs: create, get, list, update, delete.
 *
 * Article: §6.1 (API Server: "将对象的状态变化持久化到 etcd").  Each verb
 * is a few store calls; the store's revision model does the hard parts:
 *
 *   create   put if ABSENT            exists already: 409 AlreadyExists
 *   get      get                      none: 404 NotFound
 *   list     range at one revision    pages (limit/continue) all read the
 *                                     same snapshot; compacted: 410 Gone
 *   update   put if mod_rev == the    someone wrote in between: 409
 *            resourceVersion read     Conflict: read again and retry
 *   delete   delete if unchanged       finalizers left: only mark it
 *
 * metadata.resourceVersion is the key's mod_revision; a list's is the
 * revision it was read at, which is where a watch should start.
 *
 * Deletion with finalizers (the garbage collector's half is in
 * controller_gc.c): DELETE with propagationPolicy Foreground adds the
 * finalizer "foregroundDeletion", Orphan adds "orphan".  An object that
 * has finalizers is not deleted: it gets metadata.deletionTimestamp
 * (watchers see MODIFIED) and stays until whoever owns each finalizer has
 * done its work and removed it; the write that empties the list deletes
 * the object (watchers see DELETED).  Background (kubectl's default) and
 * no finalizers: the object goes at once, and the garbage collector
 * deletes its dependents afterwards.
 *
 * Left out: graceful deletion of pods (gracePeriodSeconds: a pod goes at
 * once, as if a kubelet had confirmed it), managedFields, server-side apply.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "apiserver.h"
#include "kit/api_select.h"
#include "kit/base64.h"
#include "kit/json.h"
#include "kit/log.h"

#define LIST_PAGE 500 /* store reads per list page when no limit is given */

void object_key(const struct resource *res, const char *ns, const char *name, char *buf,
		size_t size)
{
	if (res->namespaced)
		snprintf(buf, size, "/registry/%s/%s/%s", res->plural, ns, name);
	else
		snprintf(buf, size, "/registry/%s/%s", res->plural, name);
}

static void set_rv(cJSON *obj, int64_t rev)
{
	char text[24];

	snprintf(text, sizeof(text), "%" PRId64, rev);
	json_set_str(json_obj(obj, "metadata"), "resourceVersion", text);
}

cJSON *object_from_kv(const char *value, size_t len, int64_t rev)
{
	cJSON *obj = cJSON_ParseWithLength(value, len);

	if (cJSON_IsObject(obj))
		set_rv(obj, rev);
	return obj;
}

cJSON *body_object(struct request *r, enum MHD_Result *result)
{
	struct kit_err err = { 0 };
	cJSON *obj = NULL;

	if (kit_json_parse(r->body ? r->body : "", r->len, "request body", &obj, &err) <
	    0) {
		*result = reply_status(r, 400, "BadRequest", NULL, NULL, "%s", err.msg);
		return NULL;
	}
	if (!cJSON_IsObject(obj)) {
		cJSON_Delete(obj);
		*result = reply_status(r, 400, "BadRequest", NULL, NULL,
				       "the request body must be a JSON object");
		return NULL;
	}
	return obj;
}

int load_current(struct request *r, cJSON **obj, int64_t *rev, enum MHD_Result *result)
{
	char key[KIT_STORE_KEY_MAX];
	struct kit_err err = { 0 };
	struct kit_kv kv = { 0 };

	object_key(r->res, r->ns, r->name, key, sizeof(key));
	if (kit_store_get(r->srv->store, key, 0, &kv, &err) < 0) {
		*result = reply_store_error(r, r->name, &err);
		return -1;
	}
	*obj = object_from_kv(kv.value, kv.value_len, kv.mod_rev);
	*rev = kv.mod_rev;
	kit_kv_release(&kv);
	if (!*obj) {
		*result = reply_status(r, 500, "InternalError", r->name, NULL,
				       "the stored object is not JSON");
		return -1;
	}
	return 0;
}

/* "Pod \"web\" is invalid: <cause>[, <cause> ...]" and 422. */
static enum MHD_Result invalid(struct request *r, const char *name, cJSON *causes)
{
	char msg[900] = "", *p = msg;
	const cJSON *c;
	int n = cJSON_GetArraySize(causes);

	cJSON_ArrayForEach(c, causes)
	{
		size_t left = sizeof(msg) - (size_t)(p - msg);
		int w = snprintf(p, left, "%s%s: %s", p == msg ? "" : ", ",
				 json_str(c, "field"), json_str(c, "message"));

		if (w < 0 || (size_t)w >= left)
			break;
		p += w;
	}
	return reply_status(r, 422, "Invalid", name, causes,
			    "%s%s%s \"%s\" is invalid: %s%s%s", r->res->kind,
			    r->res->group[0] ? "." : "", r->res->group, name,
			    n > 1 ? "[" : "", msg, n > 1 ? "]" : "");
}

void keep_system_fields(const struct resource *res, const cJSON *old, cJSON *obj)
{
	const cJSON *old_meta = cJSON_GetObjectItemCaseSensitive(old, "metadata");
	cJSON *meta = json_obj(obj, "metadata");
	static const char *const kept[] = { "uid",
					    "creationTimestamp",
					    "namespace",
					    "name",
					    "generation",
					    "deletionTimestamp",
					    "deletionGracePeriodSeconds",
					    NULL };
	const cJSON *gen;

	for (const char *const *k = kept; *k; k++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(old_meta, *k);

		cJSON_DeleteItemFromObjectCaseSensitive(meta, *k);
		if (v)
			cJSON_AddItemToObject(meta, *k, cJSON_Duplicate(v, true));
	}
	/* metadata.generation counts changes of what the user wants (spec),
	 * so controllers can tell "new desire" from "status update". */
	gen = cJSON_GetObjectItemCaseSensitive(meta, "generation");
	if (res->has_spec && cJSON_IsNumber(gen) &&
	    !cJSON_Compare(cJSON_GetObjectItemCaseSensitive(old, "spec"),
			   cJSON_GetObjectItemCaseSensitive(obj, "spec"), true))
		cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(meta, "generation"),
				     gen->valuedouble + 1);
}

static bool being_deleted(const cJSON *obj)
{
	return json_str(obj, "metadata.deletionTimestamp") != NULL;
}

static bool has_finalizers(const cJSON *obj)
{
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");

	return cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(meta, "finalizers")) >
	       0;
}

int admit_and_store(struct request *r, cJSON *obj, int64_t expect,
		    enum MHD_Result *result)
{
	const char *name = json_str(obj, "metadata.name");
	cJSON *causes = cJSON_CreateArray(), *meta = json_obj(obj, "metadata");
	char key[KIT_STORE_KEY_MAX], *text;
	struct kit_err err = { 0 };
	struct kit_kv kv = { 0 };
	int ret;

	/* Admission: defaults, then validation. */
	if (r->res->defaults)
		r->res->defaults(r->srv, obj);
	validate_meta(r->res, obj, causes);
	if (r->res->validate)
		r->res->validate(obj, causes);
	if (cJSON_GetArraySize(causes) > 0) {
		*result = invalid(r, name ? name : "", causes);
		return -1;
	}
	cJSON_Delete(causes);
	/* The stored form has no resourceVersion: the revision is it. */
	cJSON_DeleteItemFromObjectCaseSensitive(meta, "resourceVersion");
	object_key(r->res, r->ns, name, key, sizeof(key));
	if (expect != KIT_STORE_ABSENT && being_deleted(obj) && !has_finalizers(obj)) {
		int64_t rev = 0;

		/* The last finalizer is gone: the object with it. */
		ret = kit_store_delete(r->srv->store, key, expect, &rev, NULL, &err);
		if (ret == -ECANCELED)
			return -ECANCELED;
		if (ret < 0) {
			*result = reply_store_error(r, name, &err);
			return -1;
		}
		set_rv(obj, rev);
		return 0;
	}
	text = cJSON_PrintUnformatted(obj);
	if (!text) {
		*result = reply_status(r, 500, "InternalError", name, NULL,
				       "out of memory");
		return -1;
	}
	ret = kit_store_put(r->srv->store, key, text, strlen(text), expect, 0, &kv, &err);
	free(text);
	if (ret == -ECANCELED) {
		kit_kv_release(&kv);
		return -ECANCELED;
	}
	if (ret < 0) {
		*result = reply_store_error(r, name, &err);
		return -1;
	}
	set_rv(obj, kv.mod_rev);
	kit_kv_release(&kv);
	return 0;
}

/* ---- create ------------------------------------------------------------------ */

static bool namespace_exists(struct request *r)
{
	char key[KIT_STORE_KEY_MAX];
	struct kit_err err = { 0 };
	struct kit_kv kv = { 0 };
	int ret;

	snprintf(key, sizeof(key), "/registry/namespaces/%s", r->ns);
	ret = kit_store_get(r->srv->store, key, 0, &kv, &err);
	kit_kv_release(&kv);
	return ret == 0;
}

/* metadata.generateName "web-" becomes "web-x7k2q". */
static void generate_name(cJSON *meta)
{
	static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
	const char *prefix = json_str(meta, "generateName");
	unsigned char rnd[5] = { 0 };
	char name[MAX_NAME];
	size_t n;

	if (!prefix || json_str(meta, "name"))
		return;
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd)) {
		/* cannot fail for 5 bytes */
	}
	n = (size_t)snprintf(name, sizeof(name) - 6, "%.58s", prefix);
	for (int i = 0; i < 5; i++)
		name[n++] = alphabet[rnd[i] % (sizeof(alphabet) - 1)];
	name[n] = '\0';
	json_set_str(meta, "name", name);
}

/* Put "kind" and "apiVersion" first, where people look for them. */
static void type_first(cJSON *obj, const char *kind, const char *gv)
{
	const char *names[2] = { "apiVersion", "kind" };
	const char *values[2] = { gv, kind };

	for (int i = 0; i < 2; i++) {
		cJSON *v = cJSON_CreateString(values[i]);

		cJSON_DeleteItemFromObjectCaseSensitive(obj, names[i]);
		if (!v || !(v->string = strdup(names[i]))) {
			cJSON_Delete(v);
			continue;
		}
		cJSON_InsertItemInArray(obj, 0, v);
	}
}

/* kind and apiVersion, if given, must be this resource's. */
static int check_type(struct request *r, cJSON *obj, enum MHD_Result *result)
{
	const char *kind = json_str(obj, "kind"), *av = json_str(obj, "apiVersion");
	char gv[96];

	resource_gv(r->res, gv, sizeof(gv));
	if ((kind && strcmp(kind, r->res->kind)) || (av && strcmp(av, gv))) {
		*result = reply_status(
			r, 400, "BadRequest", NULL, NULL,
			"the API version in the data (%s) does not match the "
			"expected API version (%s), or the kind (%s) is not %s",
			av ? av : "", gv, kind ? kind : "", r->res->kind);
		return -1;
	}
	type_first(obj, r->res->kind, gv);
	return 0;
}

static enum MHD_Result create(struct request *r)
{
	enum MHD_Result result = MHD_NO;
	cJSON *obj = body_object(r, &result), *meta;
	const char *ns, *name;
	char uid[37], now[32];
	int ret;

	if (!obj)
		return result;
	if (check_type(r, obj, &result) < 0)
		goto out;
	meta = json_obj(obj, "metadata");
	ns = json_str(meta, "namespace");
	if (r->res->namespaced) {
		if (ns && *ns && strcmp(ns, r->ns)) {
			result = reply_status(
				r, 400, "BadRequest", NULL, NULL,
				"the namespace of the provided object does not "
				"match the namespace sent on the request");
			goto out;
		}
		json_set_str(meta, "namespace", r->ns);
		if (!namespace_exists(r)) {
			result = reply_status(r, 404, "NotFound", r->ns, NULL,
					      "namespaces \"%s\" not found", r->ns);
			goto out;
		}
	}
	generate_name(meta);
	json_set_str(meta, "uid", kit_api_uid(uid));
	json_set_str(meta, "creationTimestamp",
		     kit_api_time_format(time(NULL), now, sizeof(now)));
	cJSON_DeleteItemFromObjectCaseSensitive(meta, "deletionTimestamp");
	cJSON_DeleteItemFromObjectCaseSensitive(meta, "deletionGracePeriodSeconds");
	cJSON_DeleteItemFromObjectCaseSensitive(meta, "generation");
	if (r->res->has_spec)
		cJSON_AddNumberToObject(meta, "generation", 1);
	/* A new object's status is the server's to set, not the client's. */
	if (r->res->has_status && strcmp(r->res->plural, "nodes") != 0)
		cJSON_DeleteItemFromObjectCaseSensitive(obj, "status");
	name = json_str(meta, "name");
	if (name && strlen(name) >= MAX_NAME) {
		result = reply_status(r, 422, "Invalid", NULL, NULL,
				      "metadata.name too long");
		goto out;
	}
	ret = admit_and_store(r, obj, KIT_STORE_ABSENT, &result);
	if (ret == -ECANCELED) {
		char q[128];

		snprintf(q, sizeof(q), "%s%s%s", r->res->plural,
			 r->res->group[0] ? "." : "", r->res->group);
		result = reply_status(r, 409, "AlreadyExists", name, NULL,
				      "%s \"%s\" already exists", q, name);
	} else if (ret == 0) {
		result = reply_json(r, 201, obj);
		obj = NULL;
	}
out:
	cJSON_Delete(obj);
	return result;
}

/* ---- get and list ---------------------------------------------------------- */

static enum MHD_Result get(struct request *r)
{
	enum MHD_Result result;
	int64_t rev;
	cJSON *obj;
	char rv[24];

	if (load_current(r, &obj, &rev, &result) < 0)
		return result;
	if (r->table) {
		snprintf(rv, sizeof(rv), "%" PRId64, rev);
		return reply_json(r, 200, table_of(r->res, obj, false, rv));
	}
	return reply_json(r, 200, obj);
}

bool object_selected(const cJSON *obj, const struct kit_selector *labels,
		     const struct kit_selector *fields)
{
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");

	return kit_selector_matches_labels(
		       labels, cJSON_GetObjectItemCaseSensitive(meta, "labels")) &&
	       kit_selector_matches_fields(fields, obj);
}

int selectors_from_query(struct request *r, struct kit_selector *labels,
			 struct kit_selector *fields, enum MHD_Result *result)
{
	static const char *const meta_fields[] = { "metadata.name",
						   "metadata.namespace" };
	const char *allowed[24];
	struct kit_err err = { 0 };
	size_t n = 0;

	memset(labels, 0, sizeof(*labels));
	memset(fields, 0, sizeof(*fields));
	allowed[n++] = meta_fields[0];
	allowed[n++] = meta_fields[1];
	for (const char *const *f = r->res->fields; *f && n < 23; f++)
		allowed[n++] = *f;
	allowed[n] = NULL;
	if (kit_selector_parse_labels(req_query(r, "labelSelector"), labels, &err) < 0 ||
	    kit_selector_parse_fields(req_query(r, "fieldSelector"), fields, &err) < 0 ||
	    kit_selector_check_fields(fields, allowed, &err) < 0) {
		*result = reply_status(r, 400, "BadRequest", NULL, NULL, "%s", err.msg);
		return -1;
	}
	return 0;
}

static void list_prefix(const struct request *r, char *buf, size_t size)
{
	if (r->res->namespaced && r->ns[0])
		snprintf(buf, size, "/registry/%s/%s/", r->res->plural, r->ns);
	else
		snprintf(buf, size, "/registry/%s/", r->res->plural);
}

/* A continue token: base64 of {"rv": N, "start": "key"}. */
static char *continue_token(int64_t rev, const char *next_key)
{
	cJSON *t = cJSON_CreateObject();
	char *text, *token;

	cJSON_AddNumberToObject(t, "rv", (double)rev);
	cJSON_AddStringToObject(t, "start", next_key);
	text = cJSON_PrintUnformatted(t);
	cJSON_Delete(t);
	token = text ? kit_base64_encode(text, strlen(text)) : NULL;
	free(text);
	return token;
}

static int parse_continue(const char *token, const char *prefix, int64_t *rev,
			  char *start, size_t size)
{
	size_t len;
	char *text = kit_base64_decode(token, &len);
	cJSON *t = text ? cJSON_ParseWithLength(text, len) : NULL;
	const cJSON *rv = cJSON_GetObjectItemCaseSensitive(t, "rv");
	const char *s = json_str(t, "start");
	int ret = -1;

	if (cJSON_IsNumber(rv) && rv->valuedouble >= 1 && s && strlen(s) < size &&
	    strncmp(s, prefix, strlen(prefix)) == 0) {
		*rev = (int64_t)rv->valuedouble;
		snprintf(start, size, "%s", s);
		ret = 0;
	}
	cJSON_Delete(t);
	free(text);
	return ret;
}

static long query_limit(struct request *r)
{
	const char *l = req_query(r, "limit");
	long v = l ? strtol(l, NULL, 10) : 0;

	return v > 0 ? v : 0;
}

static enum MHD_Result list(struct request *r)
{
	char prefix[KIT_STORE_KEY_MAX], start[KIT_STORE_KEY_MAX + 2],
		end[KIT_STORE_KEY_MAX + 1];
	struct kit_selector labels, fields;
	const char *cont = req_query(r, "continue");
	struct kit_kv_list page = { 0 };
	struct kit_err err = { 0 };
	enum MHD_Result result;
	long limit = query_limit(r);
	int64_t rev = 0;
	cJSON *out, *items;
	char gv[96], kind[80], rv[24];

	if (selectors_from_query(r, &labels, &fields, &result) < 0)
		goto out_sel;
	list_prefix(r, prefix, sizeof(prefix));
	kit_store_prefix_end(prefix, end);
	snprintf(start, sizeof(start), "%s", prefix);
	if (cont && *cont &&
	    parse_continue(cont, prefix, &rev, start, sizeof(start)) < 0) {
		result = reply_status(r, 400, "BadRequest", NULL, NULL,
				      "continue key is not valid");
		goto out_sel;
	}
	out = cJSON_CreateObject();
	snprintf(kind, sizeof(kind), "%sList", r->res->kind);
	cJSON_AddStringToObject(out, "kind", kind);
	cJSON_AddStringToObject(out, "apiVersion", resource_gv(r->res, gv, sizeof(gv)));
	items = cJSON_CreateArray();
	/* Read pages of the store at one revision until the limit is met. */
	bool more = true;

	while (more && (!limit || cJSON_GetArraySize(items) < limit)) {
		size_t want =
			limit ? (size_t)(limit - cJSON_GetArraySize(items)) : LIST_PAGE;

		if (kit_store_range(r->srv->store, start, end, rev, want, &page, &rev,
				    &err) < 0) {
			cJSON_Delete(out);
			cJSON_Delete(items);
			result = reply_store_error(r, NULL, &err);
			goto out_sel;
		}
		for (size_t i = 0; i < page.len; i++) {
			cJSON *obj = object_from_kv(page.items[i].value,
						    page.items[i].value_len,
						    page.items[i].mod_rev);

			if (obj && object_selected(obj, &labels, &fields))
				cJSON_AddItemToArray(items, obj);
			else
				cJSON_Delete(obj);
		}
		/* The next page starts just after the last key: keys hold no
		 * byte below \x01, so key + "\x01" is the next possible one. */
		if (page.len)
			snprintf(start, sizeof(start), "%s\x01",
				 page.items[page.len - 1].key);
		more = page.more;
		kit_kv_list_release(&page);
	}
	snprintf(rv, sizeof(rv), "%" PRId64, rev);
	cJSON *meta = cJSON_AddObjectToObject(out, "metadata");

	cJSON_AddStringToObject(meta, "resourceVersion", rv);
	if (more && limit) {
		char *token = continue_token(rev, start);

		if (token)
			cJSON_AddStringToObject(meta, "continue", token);
		free(token);
	}
	cJSON_AddItemToObject(out, "items", items);
	result = reply_json(r, 200, r->table ? table_of(r->res, out, true, rv) : out);
out_sel:
	kit_selector_release(&labels);
	kit_selector_release(&fields);
	return result;
}

/* ---- update ---------------------------------------------------------------------- */

static enum MHD_Result update(struct request *r)
{
	enum MHD_Result result = MHD_NO;
	cJSON *obj = body_object(r, &result), *old = NULL;
	const char *name, *rv;
	int64_t cur, expect;
	int ret;

	if (!obj)
		return result;
	name = json_str(obj, "metadata.name");
	if (check_type(r, obj, &result) < 0)
		goto out;
	if (!name || strcmp(name, r->name)) {
		result = reply_status(
			r, 400, "BadRequest", r->name, NULL,
			"the name of the object (%s) does not match the name on "
			"the URL (%s)",
			name ? name : "", r->name);
		goto out;
	}
	if (load_current(r, &old, &cur, &result) < 0)
		goto out;
	/* With a resourceVersion the write is conditional on it: the lost
	 * update problem, solved by the store's compare-and-swap. */
	rv = json_str(obj, "metadata.resourceVersion");
	expect = rv && *rv ? strtoll(rv, NULL, 10) : cur;
	if (expect <= 0) {
		result = reply_status(r, 400, "BadRequest", name, NULL,
				      "metadata.resourceVersion: invalid value \"%s\"",
				      rv);
		goto out;
	}
	if (r->res->has_status) {
		/* The main resource cannot change status; /status only status. */
		const char *keep = strcmp(r->sub, "status") == 0 ? "spec" : "status";
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(old, keep);

		cJSON_DeleteItemFromObjectCaseSensitive(obj, keep);
		if (v)
			cJSON_AddItemToObject(obj, keep, cJSON_Duplicate(v, true));
	}
	keep_system_fields(r->res, old, obj);
	ret = admit_and_store(r, obj, expect, &result);
	if (ret == -ECANCELED) {
		struct kit_err err = { .code = ECANCELED };

		result = reply_store_error(r, r->name, &err);
	} else if (ret == 0) {
		result = reply_json(r, 200, obj);
		obj = NULL;
	}
out:
	cJSON_Delete(old);
	cJSON_Delete(obj);
	return result;
}

/* ---- delete ------------------------------------------------------------------------ */

/* Deleting a namespace deletes what is in it (the real server's namespace
 * controller does it in the background; here, before answering). */
static void delete_namespace_contents(struct request *r, const char *ns)
{
	for (size_t i = 0; i < nresources; i++) {
		char prefix[KIT_STORE_KEY_MAX], end[KIT_STORE_KEY_MAX + 1];
		struct kit_kv_list list = { 0 };
		struct kit_err err = { 0 };

		if (!resources[i].namespaced)
			continue;
		snprintf(prefix, sizeof(prefix), "/registry/%s/%s/", resources[i].plural,
			 ns);
		if (kit_store_range(r->srv->store, prefix,
				    kit_store_prefix_end(prefix, end), 0, 0, &list, NULL,
				    &err) < 0)
			continue;
		for (size_t j = 0; j < list.len; j++)
			kit_store_delete(r->srv->store, list.items[j].key, KIT_STORE_ANY,
					 NULL, NULL, &err);
		kit_kv_list_release(&list);
	}
}

/*
 * DeleteOptions, from the body (kubectl sends {"propagationPolicy":
 * "Background"}) or the query (?propagationPolicy=Foreground): the
 * preconditions (delete only if uid / resourceVersion match) and the
 * policy.  Returns 0, or -1 after replying 400/422.
 */
struct delete_options {
	char uid[64];
	int64_t rv;
	char policy[16]; /* "" (the default: Background), Foreground, Orphan */
};

static int delete_options(struct request *r, struct delete_options *o,
			  enum MHD_Result *result)
{
	cJSON *opts = r->len ? cJSON_ParseWithLength(r->body, r->len) : NULL;
	const char *uid = json_str(opts, "preconditions.uid");
	const char *rv = json_str(opts, "preconditions.resourceVersion");
	const char *policy = json_str(opts, "propagationPolicy");
	const cJSON *orphan = cJSON_GetObjectItemCaseSensitive(opts, "orphanDependents");

	memset(o, 0, sizeof(*o));
	if (r->len && !cJSON_IsObject(opts)) {
		cJSON_Delete(opts);
		*result = reply_status(r, 400, "BadRequest", r->name, NULL,
				       "the body of a delete must be DeleteOptions "
				       "(a JSON object)");
		return -1;
	}
	snprintf(o->uid, sizeof(o->uid), "%s", uid ? uid : "");
	o->rv = rv && *rv ? strtoll(rv, NULL, 10) : 0;
	if (!policy)
		policy = req_query(r, "propagationPolicy");
	if (!policy && cJSON_IsBool(orphan)) /* the older form */
		policy = cJSON_IsTrue(orphan) ? "Orphan" : "Background";
	if (policy && strcmp(policy, "Foreground") && strcmp(policy, "Background") &&
	    strcmp(policy, "Orphan")) {
		cJSON *causes = cJSON_CreateArray();

		cause_add(causes, "FieldValueNotSupported", "propagationPolicy",
			  "Unsupported value: \"%.32s\": supported values: "
			  "\"Foreground\", \"Background\", \"Orphan\"",
			  policy);
		*result = reply_status(
			r, 422, "Invalid", "", causes,
			"DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: "
			"Unsupported value: \"%.32s\": supported values: "
			"\"Foreground\", \"Background\", \"Orphan\"",
			policy);
		cJSON_Delete(opts);
		return -1;
	}
	snprintf(o->policy, sizeof(o->policy), "%s", policy ? policy : "");
	cJSON_Delete(opts);
	return 0;
}

/* Remove @name from the array @list; true if it was there. */
static bool finalizer_remove(cJSON *list, const char *name)
{
	for (int i = 0; i < cJSON_GetArraySize(list); i++) {
		const cJSON *f = cJSON_GetArrayItem(list, i);

		if (cJSON_IsString(f) && strcmp(f->valuestring, name) == 0) {
			cJSON_DeleteItemFromArray(list, i);
			return true;
		}
	}
	return false;
}

/*
 * The policy as a finalizer: Foreground and Orphan are work for the
 * garbage collector before the object may go; true if the list changed.
 */
static bool policy_finalizer(cJSON *meta, const char *policy)
{
	cJSON *list = cJSON_GetObjectItemCaseSensitive(meta, "finalizers");
	const char *add = !strcmp(policy, "Foreground") ? "foregroundDeletion"
			  : !strcmp(policy, "Orphan")   ? "orphan"
							: NULL;
	bool changed = false;

	if (!*policy)
		return false;
	if (!cJSON_IsArray(list)) {
		cJSON_DeleteItemFromObjectCaseSensitive(meta, "finalizers");
		list = cJSON_AddArrayToObject(meta, "finalizers");
	}
	changed |= finalizer_remove(
		list, add && !strcmp(add, "orphan") ? "foregroundDeletion" : "orphan");
	if (add && !finalizer_remove(list, add))
		changed = true;
	if (add)
		cJSON_AddItemToArray(list, cJSON_CreateString(add));
	if (cJSON_GetArraySize(list) == 0)
		cJSON_DeleteItemFromObjectCaseSensitive(meta, "finalizers");
	return changed;
}

/* An object with finalizers is marked, not deleted: 0 (replied) or -ECANCELED. */
static int mark_deleted(struct request *r, cJSON *obj, int64_t cur, bool changed,
			enum MHD_Result *result)
{
	cJSON *meta = json_obj(obj, "metadata");
	char now[32];
	int ret;

	if (!json_str(meta, "deletionTimestamp")) {
		json_set_str(meta, "deletionTimestamp",
			     kit_api_time_format(time(NULL), now, sizeof(now)));
		cJSON_AddNumberToObject(meta, "deletionGracePeriodSeconds", 0);
		changed = true;
	}
	if (changed) {
		ret = admit_and_store(r, obj, cur, result);
		if (ret == -ECANCELED)
			return ret; /* the caller reads it again */
		if (ret < 0) {
			cJSON_Delete(obj);
			return 0;
		}
	}
	*result = reply_json(r, 200, obj);
	return 0;
}

static enum MHD_Result delete_object(struct request *r)
{
	char key[KIT_STORE_KEY_MAX];
	struct delete_options o;
	struct kit_err err = { 0 };
	enum MHD_Result result;
	int64_t cur, expect;
	cJSON *obj;

	if (delete_options(r, &o, &result) < 0)
		return result;
	for (int tries = 0;; tries++) {
		if (load_current(r, &obj, &cur, &result) < 0)
			return result;
		expect = o.rv ? o.rv : cur;
		if (o.uid[0] && strcmp(o.uid, json_str(obj, "metadata.uid") ?: "") != 0) {
			cJSON_Delete(obj);
			return reply_status(r, 409, "Conflict", r->name, NULL,
					    "Precondition failed: UID in precondition "
					    "does not match the UID of the object");
		}
		if (strcmp(r->res->plural, "namespaces") == 0)
			break;
		{
			bool changed =
				policy_finalizer(json_obj(obj, "metadata"), o.policy);

			if (!has_finalizers(obj))
				break;
			if (mark_deleted(r, obj, expect, changed, &result) == 0)
				return result;
			cJSON_Delete(obj);
			if (o.rv || tries == 3) {
				err.code = ECANCELED;
				return reply_store_error(r, r->name, &err);
			}
		}
	}
	if (strcmp(r->res->plural, "namespaces") == 0) {
		if (!strcmp(r->name, "default") || !strcmp(r->name, "kube-system") ||
		    !strcmp(r->name, "kube-public")) {
			cJSON_Delete(obj);
			return reply_status(
				r, 403, "Forbidden", r->name, NULL,
				"namespaces \"%s\" is forbidden: this namespace may "
				"not be deleted",
				r->name);
		}
		delete_namespace_contents(r, r->name);
	}
	object_key(r->res, r->ns, r->name, key, sizeof(key));
	if (kit_store_delete(r->srv->store, key, expect, NULL, NULL, &err) < 0) {
		cJSON_Delete(obj);
		return reply_store_error(r, r->name, &err);
	}
	return reply_json(r, 200, obj);
}

static enum MHD_Result delete_collection(struct request *r)
{
	char prefix[KIT_STORE_KEY_MAX], end[KIT_STORE_KEY_MAX + 1];
	struct kit_selector labels, fields;
	struct kit_kv_list list = { 0 };
	struct kit_err err = { 0 };
	enum MHD_Result result;
	cJSON *out, *items;

	if (selectors_from_query(r, &labels, &fields, &result) < 0)
		goto out;
	list_prefix(r, prefix, sizeof(prefix));
	if (kit_store_range(r->srv->store, prefix, kit_store_prefix_end(prefix, end), 0,
			    0, &list, NULL, &err) < 0) {
		result = reply_store_error(r, NULL, &err);
		goto out;
	}
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "kind", "Status");
	cJSON_AddStringToObject(out, "status", "Success");
	items = cJSON_AddArrayToObject(out, "deleted");
	for (size_t i = 0; i < list.len; i++) {
		cJSON *obj = object_from_kv(list.items[i].value, list.items[i].value_len,
					    list.items[i].mod_rev);

		if (obj && object_selected(obj, &labels, &fields) &&
		    kit_store_delete(r->srv->store, list.items[i].key,
				     list.items[i].mod_rev, NULL, NULL, &err) == 0)
			cJSON_AddItemToArray(items, cJSON_CreateString(json_str(
							    obj, "metadata.name")));
		cJSON_Delete(obj);
	}
	kit_kv_list_release(&list);
	result = reply_json(r, 200, out);
out:
	kit_selector_release(&labels);
	kit_selector_release(&fields);
	return result;
}

/* ---- dispatch -------------------------------------------------------------------- */

enum MHD_Result objects_handle(struct request *r)
{
	bool plain = r->sub[0] == '\0', status = strcmp(r->sub, "status") == 0;
	bool scale = strcmp(r->sub, "scale") == 0;

	switch (r->verb) {
	case VERB_GET:
		if (scale)
			return scale_get(r);
		if (plain || status)
			return get(r);
		break;
	case VERB_LIST: return list(r);
	case VERB_CREATE:
		if (strcmp(r->sub, "binding") == 0)
			return binding_create(r);
		if (plain && !r->name[0] && (r->ns[0] || !r->res->namespaced))
			return create(r);
		break;
	case VERB_UPDATE:
		if (scale)
			return scale_update(r);
		if (plain || status)
			return update(r);
		break;
	case VERB_PATCH:
		if (plain || status || scale)
			return patch_handle(r);
		break;
	case VERB_DELETE:
		if (plain)
			return delete_object(r);
		break;
	case VERB_DELETECOLLECTION:
		if (plain)
			return delete_collection(r);
		break;
	case VERB_WATCH: return watch_handle(r);
	}
	return reply_status(
		r, 405, "MethodNotAllowed", NULL, NULL,
		"the server does not allow this method on the requested resource");
}

/* ---- the namespaces every cluster starts with ------------------------------------- */

int objects_bootstrap(struct server *srv, struct kit_err *err)
{
	static const char *const names[] = { "default", "kube-system", "kube-public",
					     "kube-node-lease" };
	char now[32], uid[37], key[96], *text;
	int ret;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		cJSON *ns = cJSON_CreateObject(), *meta;

		cJSON_AddStringToObject(ns, "kind", "Namespace");
		cJSON_AddStringToObject(ns, "apiVersion", "v1");
		meta = cJSON_AddObjectToObject(ns, "metadata");
		cJSON_AddStringToObject(meta, "name", names[i]);
		cJSON_AddStringToObject(meta, "uid", kit_api_uid(uid));
		cJSON_AddStringToObject(
			meta, "creationTimestamp",
			kit_api_time_format(time(NULL), now, sizeof(now)));
		resources[0].defaults(srv, ns);
		text = cJSON_PrintUnformatted(ns);
		cJSON_Delete(ns);
		snprintf(key, sizeof(key), "/registry/namespaces/%s", names[i]);
		ret = text ? kit_store_put(srv->store, key, text, strlen(text),
					   KIT_STORE_ABSENT, 0, NULL, err)
			   : kit_err_set(err, ENOMEM, NULL, "create namespace");
		free(text);
		if (ret < 0 && ret != -ECANCELED)
			return ret;
	}
	kit_err_clear(err);
	return 0;
}
