/* SPDX-License-Identifier: MIT */
/*
 * api_patch.c - merge patch (RFC 7386), JSON patch (RFC 6902) and the
 * subset of Kubernetes' strategic merge patch that kubectl sends
 * (see kit/api_patch.h).
 *
 * Article: §6.1 (API Server).  Every function works on a copy and swaps it
 * in only when the whole patch applied: a failed patch changes nothing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kit/api_patch.h"

/* ---- RFC 7386 merge patch, and the strategic variant ---------------------- */

static int merge_into(cJSON *target, const cJSON *patch, bool strategic, int depth,
		      struct kit_err *err);

/* Is @key a strategic-merge directive that we drop ("$setElementOrder/x")? */
static bool is_directive(const char *key)
{
	return key[0] == '$';
}

/* The merge key of a list of objects: one every element of both lists has. */
static const char *merge_key(const cJSON *a, const cJSON *b)
{
	static const char *const keys[] = { "name", "containerPort", "port", "ip",
					    "type", "mountPath",     NULL };

	for (const char *const *k = keys; *k; k++) {
		bool all = true;
		const cJSON *e;

		cJSON_ArrayForEach(e, a) all = all && cJSON_IsObject(e) &&
					       cJSON_GetObjectItemCaseSensitive(e, *k);
		cJSON_ArrayForEach(e, b) all = all && cJSON_IsObject(e) &&
					       cJSON_GetObjectItemCaseSensitive(e, *k);
		if (all && cJSON_GetArraySize(b) > 0)
			return *k;
	}
	return NULL;
}

static cJSON *find_by_key(cJSON *list, const char *key, const cJSON *value)
{
	cJSON *e;

	cJSON_ArrayForEach(e, list)
	{
		if (cJSON_Compare(cJSON_GetObjectItemCaseSensitive(e, key), value, true))
			return e;
	}
	return NULL;
}

/* A strategic merge of two lists of objects, element by element. */
static int merge_list(cJSON *target, const cJSON *patch, const char *key, int depth,
		      struct kit_err *err)
{
	const cJSON *p;

	cJSON_ArrayForEach(p, patch)
	{
		const cJSON *how = cJSON_GetObjectItemCaseSensitive(p, "$patch");
		cJSON *t = find_by_key(target, key,
				       cJSON_GetObjectItemCaseSensitive(p, key));

		if (cJSON_IsString(how) && strcmp(how->valuestring, "delete") == 0) {
			if (t)
				cJSON_Delete(cJSON_DetachItemViaPointer(target, t));
			continue;
		}
		if (!t) {
			cJSON *copy = cJSON_CreateObject();

			if (!copy || !cJSON_AddItemToArray(target, copy))
				return kit_err_set(err, ENOMEM, NULL, "apply patch");
			t = copy;
		}
		int ret = merge_into(t, p, true, depth + 1, err);

		if (ret < 0)
			return ret;
	}
	return 0;
}

/* The value @patch gives a member, merged with @old (may be NULL). */
static int merged_value(cJSON *old, const cJSON *patch, bool strategic, int depth,
			cJSON **out, struct kit_err *err)
{
	const char *key;

	if (cJSON_IsObject(patch)) {
		const cJSON *how = cJSON_GetObjectItemCaseSensitive(patch, "$patch");
		bool replace = strategic && cJSON_IsString(how) &&
			       strcmp(how->valuestring, "replace") == 0;

		*out = cJSON_IsObject(old) && !replace ? cJSON_Duplicate(old, true)
						       : cJSON_CreateObject();
		if (!*out)
			return kit_err_set(err, ENOMEM, NULL, "apply patch");
		return merge_into(*out, patch, strategic, depth + 1, err);
	}
	if (strategic && cJSON_IsArray(patch) && cJSON_IsArray(old) &&
	    (key = merge_key(old, patch))) {
		*out = cJSON_Duplicate(old, true);
		if (!*out)
			return kit_err_set(err, ENOMEM, NULL, "apply patch");
		return merge_list(*out, patch, key, depth, err);
	}
	*out = cJSON_Duplicate(patch, true);
	return *out ? 0 : kit_err_set(err, ENOMEM, NULL, "apply patch");
}

static int merge_into(cJSON *target, const cJSON *patch, bool strategic, int depth,
		      struct kit_err *err)
{
	const cJSON *p;

	if (depth > KIT_PATCH_MAX_DEPTH)
		return kit_err_set(err, EINVAL, "nested more than 100 levels",
				   "apply patch");
	cJSON_ArrayForEach(p, patch)
	{
		cJSON *old = cJSON_GetObjectItemCaseSensitive(target, p->string), *v;
		int ret;

		if (strategic && is_directive(p->string))
			continue;
		if (cJSON_IsNull(p)) {
			cJSON_DeleteItemFromObjectCaseSensitive(target, p->string);
			continue;
		}
		ret = merged_value(old, p, strategic, depth, &v, err);
		if (ret < 0) {
			cJSON_Delete(v);
			return ret;
		}
		if (old)
			cJSON_ReplaceItemInObjectCaseSensitive(target, p->string, v);
		else
			cJSON_AddItemToObject(target, p->string, v);
	}
	return 0;
}

static int merge(cJSON **doc, const cJSON *patch, bool strategic, struct kit_err *err)
{
	cJSON *copy;
	int ret;

	if (!cJSON_IsObject(patch)) {
		/* RFC 7386: a patch that is not an object replaces the target. */
		copy = cJSON_Duplicate(patch, true);
		if (!copy)
			return kit_err_set(err, ENOMEM, NULL, "apply patch");
	} else {
		copy = cJSON_IsObject(*doc) ? cJSON_Duplicate(*doc, true)
					    : cJSON_CreateObject();
		if (!copy)
			return kit_err_set(err, ENOMEM, NULL, "apply patch");
		ret = merge_into(copy, patch, strategic, 0, err);
		if (ret < 0) {
			cJSON_Delete(copy);
			return ret;
		}
	}
	cJSON_Delete(*doc);
	*doc = copy;
	return 0;
}

int kit_patch_merge(cJSON **doc, const cJSON *patch, struct kit_err *err)
{
	return merge(doc, patch, false, err);
}

int kit_patch_strategic(cJSON **doc, const cJSON *patch, struct kit_err *err)
{
	return merge(doc, patch, true, err);
}

/* ---- RFC 6902 JSON patch -------------------------------------------------- */

/* One reference token of a JSON pointer, unescaped (~1 is /, ~0 is ~). */
static int token(const char **p, char *buf, size_t size)
{
	size_t n = 0;

	while (**p && **p != '/') {
		char c = *(*p)++;

		if (c == '~') {
			c = *(*p)++;
			if (c != '0' && c != '1')
				return -EINVAL;
			c = c == '0' ? '~' : '/';
		}
		if (n + 1 >= size)
			return -EINVAL;
		buf[n++] = c;
	}
	buf[n] = '\0';
	return 0;
}

/* An array index: digits without leading zeros, below @len (+1 if @end_ok). */
static int array_index(const char *tok, int len, bool end_ok)
{
	char *end;
	long i;

	if (end_ok && strcmp(tok, "-") == 0)
		return len;
	if (!*tok || (tok[0] == '0' && tok[1]) || tok[0] == '-' || tok[0] == '+')
		return -1;
	i = strtol(tok, &end, 10);
	if (*end || i < 0 || i > len - (end_ok ? 0 : 1))
		return -1;
	return (int)i;
}

/*
 * resolve - find the parent of the place @path points at in @doc and the
 * last token.  Returns the parent, or NULL if the path does not exist up
 * to its last token.  @path "" (the whole document) has no parent.
 */
static cJSON *resolve(cJSON *doc, const char *path, char *last, size_t size)
{
	const char *p = path;
	cJSON *cur = doc;

	if (*p != '/')
		return NULL;
	for (;;) {
		p++;
		if (token(&p, last, size) < 0)
			return NULL;
		if (!*p)
			return cur;
		if (cJSON_IsObject(cur)) {
			cur = cJSON_GetObjectItemCaseSensitive(cur, last);
		} else if (cJSON_IsArray(cur)) {
			int i = array_index(last, cJSON_GetArraySize(cur), false);

			cur = i < 0 ? NULL : cJSON_GetArrayItem(cur, i);
		} else {
			return NULL;
		}
		if (!cur)
			return NULL;
	}
}

static cJSON *get_at(cJSON *doc, const char *path)
{
	char last[512];
	cJSON *parent;

	if (!*path)
		return doc;
	parent = resolve(doc, path, last, sizeof(last));
	if (cJSON_IsObject(parent))
		return cJSON_GetObjectItemCaseSensitive(parent, last);
	if (cJSON_IsArray(parent)) {
		int i = array_index(last, cJSON_GetArraySize(parent), false);

		return i < 0 ? NULL : cJSON_GetArrayItem(parent, i);
	}
	return NULL;
}

/*
 * Insert @v before element @i of @arr.  (cJSON 1.7.15 as Debian 12 ships
 * it drops an item inserted in the middle of an array, so the tail is
 * moved by hand; inserting at 0 works.)
 */
static void insert_at(cJSON *arr, int i, cJSON *v)
{
	cJSON *tail;

	if (i == 0) {
		cJSON_InsertItemInArray(arr, 0, v);
		return;
	}
	tail = cJSON_CreateArray();
	while (cJSON_GetArraySize(arr) > i)
		cJSON_AddItemToArray(tail, cJSON_DetachItemFromArray(arr, i));
	cJSON_AddItemToArray(arr, v);
	while (cJSON_GetArraySize(tail) > 0)
		cJSON_AddItemToArray(arr, cJSON_DetachItemFromArray(tail, 0));
	cJSON_Delete(tail);
}

/* Put @v (owned) at @path; "add" semantics.  0 or -EINVAL (v freed). */
static int add_at(cJSON **doc, const char *path, cJSON *v)
{
	char last[512];
	cJSON *parent;

	if (!*path) {
		cJSON_Delete(*doc);
		*doc = v;
		return 0;
	}
	parent = resolve(*doc, path, last, sizeof(last));
	if (cJSON_IsObject(parent)) {
		cJSON *old = cJSON_GetObjectItemCaseSensitive(parent, last);

		if (old)
			cJSON_ReplaceItemInObjectCaseSensitive(parent, last, v);
		else
			cJSON_AddItemToObject(parent, last, v);
		return 0;
	}
	if (cJSON_IsArray(parent)) {
		int n = cJSON_GetArraySize(parent), i = array_index(last, n, true);

		if (i >= 0) {
			if (i == n)
				cJSON_AddItemToArray(parent, v);
			else
				insert_at(parent, i, v);
			return 0;
		}
	}
	cJSON_Delete(v);
	return -EINVAL;
}

/* Take the value at @path out of the document; NULL if there is none. */
static cJSON *detach_at(cJSON *doc, const char *path)
{
	char last[512];
	cJSON *parent = *path ? resolve(doc, path, last, sizeof(last)) : NULL;

	if (cJSON_IsObject(parent))
		return cJSON_DetachItemFromObjectCaseSensitive(parent, last);
	if (cJSON_IsArray(parent)) {
		int i = array_index(last, cJSON_GetArraySize(parent), false);

		return i < 0 ? NULL : cJSON_DetachItemFromArray(parent, i);
	}
	return NULL;
}

static const char *str_member(const cJSON *op, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(op, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int one_op(cJSON **doc, const cJSON *op, int i, struct kit_err *err)
{
	const char *name = str_member(op, "op"), *path = str_member(op, "path");
	const char *from = str_member(op, "from");
	const cJSON *value = cJSON_GetObjectItemCaseSensitive(op, "value");
	cJSON *v;

	if (!name || !path)
		return kit_err_set(err, EINVAL,
				   "each operation needs \"op\" and \"path\"",
				   "apply JSON patch operation %d", i);
	if (strcmp(name, "test") == 0) {
		if (!value || !cJSON_Compare(get_at(*doc, path), value, true))
			return kit_err_set(err, ECANCELED, "the value differs",
					   "apply JSON patch operation %d: test %.200s",
					   i, path);
		return 0;
	}
	if (strcmp(name, "remove") == 0 || strcmp(name, "replace") == 0) {
		if (!*path && strcmp(name, "replace") == 0)
			v = NULL;
		else if (!(v = detach_at(*doc, path)))
			goto missing;
		cJSON_Delete(v);
		if (strcmp(name, "remove") == 0)
			return 0;
		name = "add";
	}
	if (strcmp(name, "add") == 0) {
		if (!value)
			return kit_err_set(err, EINVAL,
					   "add and replace need a \"value\"",
					   "apply JSON patch operation %d", i);
		v = cJSON_Duplicate(value, true);
	} else if (strcmp(name, "move") == 0 || strcmp(name, "copy") == 0) {
		if (!from)
			return kit_err_set(err, EINVAL, "move and copy need \"from\"",
					   "apply JSON patch operation %d", i);
		if (strcmp(name, "move") == 0 && strncmp(path, from, strlen(from)) == 0 &&
		    (path[strlen(from)] == '/' || !path[strlen(from)]) &&
		    strcmp(path, from))
			return kit_err_set(err, EINVAL, "cannot move a value into itself",
					   "apply JSON patch operation %d", i);
		v = strcmp(name, "move") == 0 ? detach_at(*doc, from)
					      : cJSON_Duplicate(get_at(*doc, from), true);
		if (!v) {
			path = from;
			goto missing;
		}
	} else {
		return kit_err_set(
			err, EINVAL, "add, remove, replace, move, copy or test",
			"apply JSON patch operation %d: unknown op \"%.40s\"", i, name);
	}
	if (!v)
		return kit_err_set(err, ENOMEM, NULL, "apply JSON patch");
	if (add_at(doc, path, v) < 0)
		goto missing;
	return 0;
missing:
	return kit_err_set(err, EINVAL, "no such place in the object",
			   "apply JSON patch operation %d (%s): path %.200s", i, name,
			   path);
}

int kit_patch_json(cJSON **doc, const cJSON *ops, struct kit_err *err)
{
	cJSON *copy;
	const cJSON *op;
	int i = 0;

	if (!cJSON_IsArray(ops))
		return kit_err_set(err, EINVAL, "a JSON patch is an array of operations",
				   "apply JSON patch");
	if (cJSON_GetArraySize(ops) > KIT_PATCH_MAX_OPS)
		return kit_err_set(err, E2BIG, "at most 10000 operations",
				   "apply JSON patch");
	copy = cJSON_Duplicate(*doc, true);
	if (!copy)
		return kit_err_set(err, ENOMEM, NULL, "apply JSON patch");
	cJSON_ArrayForEach(op, ops)
	{
		int ret = cJSON_IsObject(op)
				  ? one_op(&copy, op, i, err)
				  : kit_err_set(err, EINVAL, "operations are objects",
						"apply JSON patch operation %d", i);

		if (ret < 0) {
			cJSON_Delete(copy);
			return ret;
		}
		i++;
	}
	cJSON_Delete(*doc);
	*doc = copy;
	return 0;
}
