/* SPDX-License-Identifier: MIT */
/*
 * store_etcd.c - the store on a real etcd, through the JSON gateway that
 * etcd 3.4 serves beside its gRPC API (POST /v3/kv/range, /v3/kv/put ...).
 *
 * Article: §6.1 (etcd).  The same model as store_sqlite.c, kept by etcd:
 * the gateway speaks JSON with two twists a client must know:
 *   - keys and values are base64 ("/a" is "L2E="), since they are bytes;
 *   - 64-bit numbers are strings ("revision":"42"), since JavaScript's
 *     numbers lose integers above 2^53; and fields that are zero, false
 *     or empty are left out (proto3), so "version" missing means 0.
 * A conditional write is a transaction: "if the key's MOD revision is N
 * (or its CREATE revision is 0: absent) then put, else read it".  A watch
 * is one long POST /v3/watch whose response never ends: one JSON object
 * per line, on a thread of its own that feeds the watcher's queue.
 *
 * Left out: TLS and authentication, several endpoints (the first one is
 * used), and etcd's own lease keepalive stream (one request per keepalive).
 */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kit/base64.h"
#include "kit/store_backend.h"

int kit_store_etcd_open(const char *url, struct kit_store **out, struct kit_err *err);

#define POOL_MAX       16
#define RESPONSE_MAX   (64u << 20)
#define WATCH_LINE_MAX (16u << 20)

struct etcd_store {
	struct kit_store base;
	char url[256]; /* the first endpoint, without a trailing slash */
	pthread_mutex_t lock;
	CURL *pool[POOL_MAX]; /* idle handles: each keeps its connection open */
	int npool;
};

/* A growing buffer for a response body. */
struct buf {
	char *data;
	size_t len, cap, max;
};

static size_t on_body(char *ptr, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;
	size_t len = size * n;

	if (b->len + len + 1 > b->max)
		return 0; /* too large: curl fails with CURLE_WRITE_ERROR */
	if (b->len + len + 1 > b->cap) {
		size_t cap = (b->len + len + 1) * 2;
		char *data = realloc(b->data, cap);

		if (!data)
			return 0;
		b->data = data;
		b->cap = cap;
	}
	memcpy(b->data + b->len, ptr, len);
	b->len += len;
	b->data[b->len] = '\0';
	return len;
}

static CURL *handle_get(struct etcd_store *s)
{
	CURL *h = NULL;

	pthread_mutex_lock(&s->lock);
	if (s->npool > 0)
		h = s->pool[--s->npool];
	pthread_mutex_unlock(&s->lock);
	return h ? h : curl_easy_init();
}

static void handle_put(struct etcd_store *s, CURL *h)
{
	pthread_mutex_lock(&s->lock);
	if (s->npool < POOL_MAX) {
		s->pool[s->npool++] = h;
		h = NULL;
	}
	pthread_mutex_unlock(&s->lock);
	if (h)
		curl_easy_cleanup(h);
}

/* etcd's error messages, as errnos of the store's contract. */
static int etcd_error(const char *msg, const char *what, struct kit_err *err)
{
	if (strstr(msg, "compacted"))
		return kit_err_set(err, ESTALE, "etcd: that revision was compacted", "%s",
				   what);
	if (strstr(msg, "future revision"))
		return kit_err_set(err, ERANGE, "etcd: that revision is in the future",
				   "%s", what);
	if (strstr(msg, "lease not found"))
		return kit_err_set(err, ENOENT,
				   "etcd: lease not found: it expired, or "
				   "was never granted",
				   "%s", what);
	if (strstr(msg, "too large"))
		return kit_err_set(err, EFBIG, msg, "%s", what);
	return kit_err_set(err, EIO, msg, "%s", what);
}

/*
 * call - POST @req (consumed) to @path and parse the answer into *resp
 * (the caller deletes it).  @what names the operation in messages.
 */
static int call(struct etcd_store *s, const char *path, cJSON *req, cJSON **resp,
		const char *what, struct kit_err *err)
{
	char url[512], hint[400];
	struct buf body = { .max = RESPONSE_MAX };
	struct curl_slist *hdrs = NULL;
	char *text = cJSON_PrintUnformatted(req);
	CURL *h = handle_get(s);
	long status = 0;
	CURLcode rc;
	int ret = 0;

	cJSON_Delete(req);
	if (!text || !h) {
		free(text);
		if (h)
			handle_put(s, h);
		return kit_err_set(err, ENOMEM, NULL, "%s", what);
	}
	snprintf(url, sizeof(url), "%s%s", s->url, path);
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, text);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 30000L);
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hdrs);
	free(text);
	handle_put(s, h);
	if (rc != CURLE_OK) {
		snprintf(hint, sizeof(hint), "%s: is etcd running at %s?",
			 curl_easy_strerror(rc), s->url);
		ret = kit_err_set(err, rc == CURLE_COULDNT_CONNECT ? ECONNREFUSED : EIO,
				  hint, "%s", what);
	} else if (!(*resp = cJSON_ParseWithLength(body.data ? body.data : "",
						   body.len))) {
		snprintf(hint, sizeof(hint),
			 "etcd answered HTTP %ld with no JSON: is %s "
			 "an etcd 3.4 (or later) client URL?",
			 status, s->url);
		ret = kit_err_set(err, EPROTO, hint, "%s", what);
	} else {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(*resp, "error");

		if (!e)
			e = cJSON_GetObjectItemCaseSensitive(*resp, "message");
		if (cJSON_IsString(e) || status >= 400) {
			ret = etcd_error(cJSON_IsString(e) ? e->valuestring
							   : "HTTP error",
					 what, err);
			cJSON_Delete(*resp);
			*resp = NULL;
		}
	}
	free(body.data);
	return ret;
}

/* A 64-bit number the gateway sent as a string (or left out: 0). */
static int64_t num(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	if (cJSON_IsString(v))
		return strtoll(v->valuestring, NULL, 10);
	if (cJSON_IsNumber(v))
		return (int64_t)v->valuedouble;
	return 0;
}

static bool add_num(cJSON *obj, const char *name, int64_t v)
{
	char text[24];

	snprintf(text, sizeof(text), "%" PRId64, v);
	return cJSON_AddStringToObject(obj, name, text) != NULL;
}

static bool add_b64(cJSON *obj, const char *name, const void *data, size_t len)
{
	char *b = kit_base64_encode(data, len);
	bool ok = b && cJSON_AddStringToObject(obj, name, b);

	free(b);
	return ok;
}

/* The end of a range as etcd wants it: "" (no end) is the key "\0". */
static bool add_range_end(cJSON *obj, const char *end)
{
	return *end ? add_b64(obj, "range_end", end, strlen(end))
		    : add_b64(obj, "range_end", "", 1);
}

static int64_t header_rev(const cJSON *resp)
{
	return num(cJSON_GetObjectItemCaseSensitive(resp, "header"), "revision");
}

/* A gateway kv object into a kit_kv; -EPROTO if it is not one. */
static int kv_of(const cJSON *j, struct kit_kv *kv)
{
	const cJSON *key = cJSON_GetObjectItemCaseSensitive(j, "key");
	const cJSON *value = cJSON_GetObjectItemCaseSensitive(j, "value");
	size_t len = 0;

	memset(kv, 0, sizeof(*kv));
	if (!cJSON_IsString(key))
		return -EPROTO;
	kv->key = kit_base64_decode(key->valuestring, &len);
	kv->value =
		kit_base64_decode(cJSON_IsString(value) ? value->valuestring : "", &len);
	if (!kv->key || !kv->value) {
		kit_kv_release(kv);
		return -EPROTO;
	}
	kv->value_len = len;
	kv->create_rev = num(j, "create_revision");
	kv->mod_rev = num(j, "mod_revision");
	kv->version = num(j, "version");
	kv->lease = num(j, "lease");
	return 0;
}

static int bad_answer(struct kit_err *err, const char *what)
{
	return kit_err_set(err, EPROTO, "etcd's answer is not what etcd 3.4 sends", "%s",
			   what);
}

static int e_revision(struct kit_store *base, int64_t *rev, struct kit_err *err)
{
	struct etcd_store *s = (struct etcd_store *)base;
	cJSON *req = cJSON_CreateObject(), *resp;
	int ret;

	/* A count-only read of the empty key: the header holds the revision. */
	if (!req || !add_b64(req, "key", "", 1) ||
	    !cJSON_AddTrueToObject(req, "count_only")) {
		cJSON_Delete(req);
		return kit_err_set(err, ENOMEM, NULL, "read revision");
	}
	ret = call(s, "/v3/kv/range", req, &resp, "read revision", err);
	if (ret < 0)
		return ret;
	*rev = header_rev(resp);
	cJSON_Delete(resp);
	return 0;
}

static int e_range(struct kit_store *base, const char *start, const char *end,
		   int64_t rev, size_t limit, struct kit_kv_list *out, int64_t *at_rev,
		   struct kit_err *err)
{
	struct etcd_store *s = (struct etcd_store *)base;
	cJSON *req = cJSON_CreateObject(), *resp;
	const cJSON *kvs, *item;
	char what[96];
	int ret;

	snprintf(what, sizeof(what), "range %.60s", start);
	if (!req || !add_b64(req, "key", start, strlen(start)) ||
	    !add_range_end(req, end) || (rev && !add_num(req, "revision", rev)) ||
	    (limit && !add_num(req, "limit", (int64_t)limit))) {
		cJSON_Delete(req);
		return kit_err_set(err, ENOMEM, NULL, "%s", what);
	}
	ret = call(s, "/v3/kv/range", req, &resp, what, err);
	if (ret < 0)
		return ret;
	kvs = cJSON_GetObjectItemCaseSensitive(resp, "kvs");
	out->items = calloc((size_t)cJSON_GetArraySize(kvs) + 1, sizeof(*out->items));
	if (!out->items)
		ret = kit_err_set(err, ENOMEM, NULL, "%s", what);
	cJSON_ArrayForEach(item, kvs)
	{
		if (ret == 0 && kv_of(item, &out->items[out->len]) < 0)
			ret = bad_answer(err, what);
		else if (ret == 0)
			out->len++;
	}
	out->more = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(resp, "more"));
	*at_rev = rev ? rev : header_rev(resp);
	cJSON_Delete(resp);
	if (ret < 0)
		kit_kv_list_release(out);
	return ret;
}

static int e_get(struct kit_store *base, const char *key, int64_t rev, struct kit_kv *out,
		 struct kit_err *err)
{
	char end[KIT_STORE_KEY_MAX + 2];
	struct kit_kv_list list = { 0 };
	size_t len = strlen(key);
	int ret;

	/* [key, key + "\x01") is the key alone (keys hold no NUL here). */
	memcpy(end, key, len);
	end[len] = '\x01';
	end[len + 1] = '\0';
	ret = e_range(base, key, end, rev, 1, &list, &(int64_t){ 0 }, err);
	if (ret < 0)
		return ret;
	if (list.len == 0) {
		kit_kv_list_release(&list);
		return kit_err_set(err, ENOENT, "no such key", "get %s", key);
	}
	*out = list.items[0];
	memset(&list.items[0], 0, sizeof(list.items[0]));
	kit_kv_list_release(&list);
	return 0;
}

/* The compare of a conditional write, as a txn compare list. */
static cJSON *compare_of(const char *key, int64_t expect)
{
	cJSON *cmp = cJSON_CreateArray(), *c = cJSON_CreateObject();
	bool absent = expect == KIT_STORE_ABSENT;

	if (!cmp || !c || !cJSON_AddItemToArray(cmp, c) ||
	    !add_b64(c, "key", key, strlen(key)) ||
	    !cJSON_AddStringToObject(c, "target", absent ? "CREATE" : "MOD") ||
	    !cJSON_AddStringToObject(c, "result", "EQUAL") ||
	    !add_num(c, absent ? "create_revision" : "mod_revision",
		     absent ? 0 : expect)) {
		cJSON_Delete(cmp);
		if (!cmp)
			cJSON_Delete(c);
		return NULL;
	}
	return cmp;
}

/* One txn branch: [{"request_<op>": body}]. */
static cJSON *branch(const char *op, cJSON *body)
{
	cJSON *list = cJSON_CreateArray(), *item = cJSON_CreateObject();

	if (!list || !item || !body) {
		cJSON_Delete(list);
		cJSON_Delete(item);
		cJSON_Delete(body);
		return NULL;
	}
	cJSON_AddItemToArray(list, item);
	cJSON_AddItemToObject(item, op, body);
	return list;
}

static cJSON *key_body(const char *key, bool prev_kv)
{
	cJSON *b = cJSON_CreateObject();

	if (!b || !add_b64(b, "key", key, strlen(key)) ||
	    (prev_kv && !cJSON_AddTrueToObject(b, "prev_kv"))) {
		cJSON_Delete(b);
		return NULL;
	}
	return b;
}

/*
 * txn - "if @key's revision is @expect then @op(@body) else read @key".
 * On success *resp holds the answer and *op_resp (inside it) the
 * response of the branch taken; returns 1 if the compare held, 0 if not.
 */
static int txn(struct etcd_store *s, const char *key, int64_t expect, const char *op,
	       cJSON *body, cJSON **resp, const cJSON **op_resp, const char *what,
	       struct kit_err *err)
{
	cJSON *req = cJSON_CreateObject();
	cJSON *cmp = compare_of(key, expect), *ok = branch(op, body);
	cJSON *fail = branch("request_range", key_body(key, false));
	const cJSON *first;
	bool held;
	int ret;

	if (!req || !cmp || !ok || !fail) {
		cJSON_Delete(req);
		cJSON_Delete(cmp);
		cJSON_Delete(ok);
		cJSON_Delete(fail);
		return kit_err_set(err, ENOMEM, NULL, "%s", what);
	}
	cJSON_AddItemToObject(req, "compare", cmp);
	cJSON_AddItemToObject(req, "success", ok);
	cJSON_AddItemToObject(req, "failure", fail);
	ret = call(s, "/v3/kv/txn", req, resp, what, err);
	if (ret < 0)
		return ret;
	held = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(*resp, "succeeded"));
	first = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(*resp, "responses"),
				   0);
	*op_resp = cJSON_GetObjectItemCaseSensitive(
		first, held ? (strcmp(op, "request_put") == 0 ? "response_put"
							      : "response_delete_range")
			    : "response_range");
	return held;
}

/* The first kv of a failed txn's read (the key's current state), if any. */
static void current_of(const cJSON *range_resp, struct kit_kv *out)
{
	const cJSON *kv = cJSON_GetArrayItem(
		cJSON_GetObjectItemCaseSensitive(range_resp, "kvs"), 0);

	if (out && kv)
		kv_of(kv, out);
}

static int e_put(struct kit_store *base, const char *key, const char *value, size_t len,
		 int64_t expect, int64_t lease, struct kit_kv *out, struct kit_err *err)
{
	struct etcd_store *s = (struct etcd_store *)base;
	cJSON *body = key_body(key, true), *resp = NULL;
	const cJSON *put_resp, *prev;
	char what[KIT_STORE_KEY_MAX + 64];
	int64_t rev;
	int ret;

	snprintf(what, sizeof(what), "put %s", key);
	if (!body || !add_b64(body, "value", value, len) ||
	    (lease && !add_num(body, "lease", lease))) {
		cJSON_Delete(body);
		return kit_err_set(err, ENOMEM, NULL, "%s", what);
	}
	if (expect == KIT_STORE_ANY) {
		ret = call(s, "/v3/kv/put", body, &resp, what, err);
		put_resp = resp;
	} else {
		ret = txn(s, key, expect, "request_put", body, &resp, &put_resp, what,
			  err);
		if (ret == 0) {
			current_of(put_resp, out);
			cJSON_Delete(resp);
			return kit_err_set(
				err, ECANCELED,
				expect == KIT_STORE_ABSENT
					? "it exists already"
					: "it changed since, or is gone: re-read it",
				"%s if at revision %" PRId64 ": compare failed", what,
				expect);
		}
	}
	if (ret < 0)
		return ret;
	ret = 0;
	/* The new state: the header's revision; the rest follows from prev. */
	rev = header_rev(resp);
	prev = cJSON_GetObjectItemCaseSensitive(put_resp, "prev_kv");
	if (out) {
		out->mod_rev = rev;
		out->create_rev = prev ? num(prev, "create_revision") : rev;
		out->version = prev ? num(prev, "version") + 1 : 1;
		out->lease = lease;
		if (kit_kv_set(out, key, value, len) < 0)
			ret = kit_err_set(err, ENOMEM, NULL, "%s", what);
	}
	cJSON_Delete(resp);
	return ret;
}

static int e_delete(struct kit_store *base, const char *key, int64_t expect, int64_t *rev,
		    struct kit_kv *prev, struct kit_err *err)
{
	struct etcd_store *s = (struct etcd_store *)base;
	cJSON *body = key_body(key, true), *resp = NULL;
	const cJSON *del_resp, *prevs;
	char what[KIT_STORE_KEY_MAX + 64];
	int ret;

	snprintf(what, sizeof(what), "delete %s", key);
	if (!body)
		return kit_err_set(err, ENOMEM, NULL, "%s", what);
	if (expect == KIT_STORE_ANY) {
		ret = call(s, "/v3/kv/deleterange", body, &resp, what, err);
		del_resp = resp;
	} else {
		ret = txn(s, key, expect, "request_delete_range", body, &resp, &del_resp,
			  what, err);
		if (ret == 0) {
			bool exists = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
					      del_resp, "kvs")) > 0;

			cJSON_Delete(resp);
			if (!exists)
				return kit_err_set(err, ENOENT, "no such key", "%s",
						   what);
			return kit_err_set(err, ECANCELED,
					   "it changed since: re-read it and try again",
					   "%s if at revision %" PRId64
					   ": compare failed",
					   what, expect);
		}
	}
	if (ret < 0)
		return ret;
	ret = 0;
	prevs = cJSON_GetObjectItemCaseSensitive(del_resp, "prev_kvs");
	if (num(del_resp, "deleted") == 0) {
		cJSON_Delete(resp);
		return kit_err_set(err, ENOENT, "no such key", "%s", what);
	}
	*rev = header_rev(resp);
	if (prev && kv_of(cJSON_GetArrayItem(prevs, 0), prev) < 0)
		ret = bad_answer(err, what);
	cJSON_Delete(resp);
	return ret;
}

static int e_compact(struct kit_store *base, int64_t rev, struct kit_err *err)
{
	struct etcd_store *s = (struct etcd_store *)base;
	cJSON *req = cJSON_CreateObject(), *resp;
	char what[64];
	int ret;

	snprintf(what, sizeof(what), "compact to %" PRId64, rev);
	if (!req || !add_num(req, "revision", rev) ||
	    !cJSON_AddTrueToObject(req, "physical")) {
		cJSON_Delete(req);
		return kit_err_set(err, ENOMEM, NULL, "%s", what);
	}
	ret = call(s, "/v3/kv/compaction", req, &resp, what, err);
	cJSON_Delete(resp);
	return ret;
}

/*
 * etcd does not say how far it was compacted; a watch from revision 1 of
 * a key nobody uses does: it is cancelled at once with compact_revision,
 * or stays silent (nothing compacted) until the short time-out.
 */
static int e_compacted(struct kit_store *base, int64_t *rev, struct kit_err *err)
{
	struct etcd_store *s = (struct etcd_store *)base;
	struct buf body = { .max = 1 << 16 };
	char url[512], *text;
	const char *p;
	CURL *h = curl_easy_init();

	if (!h)
		return kit_err_set(err, ENOMEM, NULL, "read compacted revision");
	snprintf(url, sizeof(url), "%s/v3/watch", s->url);
	/* key "\0" = "AA==": a key no one writes. */
	text = "{\"create_request\":{\"key\":\"AA==\",\"start_revision\":\"1\"}}";
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, text);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 300L);
	curl_easy_perform(h); /* ends by time-out: the stream never ends */
	curl_easy_cleanup(h);
	if (!body.data)
		return kit_err_set(err, ECONNREFUSED, "is etcd running?",
				   "read compacted revision from %s", s->url);
	p = strstr(body.data, "\"compact_revision\":\"");
	*rev = p ? strtoll(p + strlen("\"compact_revision\":\""), NULL, 10) : 0;
	free(body.data);
	return 0;
}

static int e_lease_grant(struct kit_store *base, int64_t ttl, int64_t *id,
			 struct kit_err *err)
{
	struct etcd_store *s = (struct etcd_store *)base;
	cJSON *req = cJSON_CreateObject(), *resp;
	int ret;

	if (!req || !add_num(req, "TTL", ttl)) {
		cJSON_Delete(req);
		return kit_err_set(err, ENOMEM, NULL, "grant lease");
	}
	ret = call(s, "/v3/lease/grant", req, &resp, "grant lease", err);
	if (ret < 0)
		return ret;
	*id = num(resp, "ID");
	cJSON_Delete(resp);
	return 0;
}

static int e_lease_keepalive(struct kit_store *base, int64_t id, int64_t *ttl,
			     struct kit_err *err)
{
	struct etcd_store *s = (struct etcd_store *)base;
	cJSON *req = cJSON_CreateObject(), *resp;
	char what[64];
	int ret;

	snprintf(what, sizeof(what), "keep lease %" PRId64 " alive", id);
	if (!req || !add_num(req, "ID", id)) {
		cJSON_Delete(req);
		return kit_err_set(err, ENOMEM, NULL, "%s", what);
	}
	ret = call(s, "/v3/lease/keepalive", req, &resp, what, err);
	if (ret < 0)
		return ret;
	/* An expired lease answers with no TTL (0, left out): not found. */
	*ttl = num(cJSON_GetObjectItemCaseSensitive(resp, "result"), "TTL");
	cJSON_Delete(resp);
	if (*ttl <= 0)
		return kit_err_set(err, ENOENT, "it expired, or was never granted", "%s",
				   what);
	return 0;
}

static int e_lease_revoke(struct kit_store *base, int64_t id, struct kit_err *err)
{
	struct etcd_store *s = (struct etcd_store *)base;
	cJSON *req = cJSON_CreateObject(), *resp;
	char what[64];
	int ret;

	snprintf(what, sizeof(what), "revoke lease %" PRId64, id);
	if (!req || !add_num(req, "ID", id)) {
		cJSON_Delete(req);
		return kit_err_set(err, ENOMEM, NULL, "%s", what);
	}
	ret = call(s, "/v3/lease/revoke", req, &resp, what, err);
	cJSON_Delete(resp);
	return ret;
}

/* ---- watch: one streaming request per watcher, on its own thread --------- */

struct etcd_watch {
	pthread_t thread;
	CURLM *multi;
	CURL *h;
	char *request;
	struct buf line; /* the part of the stream after the last newline */
	bool stop;       /* set by unwatch (under the watcher's lock) */
};

static int push_event(struct kit_store_watch *w, const cJSON *e)
{
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(e, "type");
	const cJSON *prev = cJSON_GetObjectItemCaseSensitive(e, "prev_kv");
	struct kit_store_event ev = { 0 };

	if (kv_of(cJSON_GetObjectItemCaseSensitive(e, "kv"), &ev.kv) < 0 ||
	    (prev && kv_of(prev, &ev.prev) < 0)) {
		kit_store_event_release(&ev);
		return -EPROTO;
	}
	/* proto3 leaves out the default value: no "type" means PUT. */
	ev.type = cJSON_IsString(type) && strcmp(type->valuestring, "DELETE") == 0
			  ? KIT_STORE_DELETE
			  : KIT_STORE_PUT;
	if (ev.type == KIT_STORE_PUT)
		kit_kv_release(&ev.prev);
	return kit_store_watch_push(w, &ev);
}

/* One line of the stream: {"result": {...}}.  -errno ends the watch. */
static int on_watch_line(struct kit_store_watch *w, const char *text, size_t len)
{
	cJSON *doc = cJSON_ParseWithLength(text, len);
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(doc, "result"), *e;
	struct kit_err err = { 0 };
	int ret = 0;

	if (!res) {
		ret = kit_err_set(&err, EPROTO,
				  "etcd sent a line that is not a watch "
				  "response",
				  "watch %s", w->start);
	} else if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "canceled"))) {
		int64_t compacted = num(res, "compact_revision");

		if (compacted)
			ret = kit_err_set(
				&err, ESTALE,
				"list again, then watch from the revision of the list",
				"watch %s from revision %" PRId64
				": compacted to %" PRId64,
				w->start, w->from_rev, compacted);
		else
			ret = kit_err_set(&err, ECONNRESET, "etcd cancelled the watch",
					  "watch %s", w->start);
	}
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(res, "events"))
	{
		/* A push fails only when the watch has ended already. */
		if (ret == 0)
			ret = push_event(w, e);
	}
	cJSON_Delete(doc);
	if (err.code)
		kit_store_watch_end(w, &err);
	return ret;
}

static size_t on_watch_data(char *ptr, size_t size, size_t n, void *arg)
{
	struct kit_store_watch *w = arg;
	struct etcd_watch *ew = w->backend;
	size_t len = size * n;
	char *nl;

	if (on_body(ptr, 1, len, &ew->line) != len)
		return 0;
	while ((nl = memchr(ew->line.data, '\n', ew->line.len))) {
		size_t one = (size_t)(nl - ew->line.data);

		if (one > 0 && on_watch_line(w, ew->line.data, one) < 0)
			return 0; /* ends the transfer */
		memmove(ew->line.data, nl + 1, ew->line.len - one - 1);
		ew->line.len -= one + 1;
		ew->line.data[ew->line.len] = '\0';
	}
	return len;
}

static void *watch_thread(void *arg)
{
	struct kit_store_watch *w = arg;
	struct etcd_watch *ew = w->backend;
	struct kit_err err;
	int running = 1;

	while (running) {
		bool stop;

		curl_multi_perform(ew->multi, &running);
		pthread_mutex_lock(&w->lock);
		stop = ew->stop;
		pthread_mutex_unlock(&w->lock);
		if (stop)
			return NULL;
		if (running)
			curl_multi_poll(ew->multi, NULL, 0, 1000, NULL);
	}
	kit_err_set(&err, ECONNRESET,
		    "etcd closed the watch stream: is it still running?", "watch %s",
		    w->start);
	kit_store_watch_end(w, &err);
	return NULL;
}

/* Fail at once, as the embedded store does, if from_rev was compacted. */
static int check_watch_rev(struct etcd_store *s, struct kit_store_watch *w,
			   struct kit_err *err)
{
	struct kit_kv_list list = { 0 };
	int64_t at;
	int ret;

	if (!w->from_rev)
		return 0;
	ret = e_range(&s->base, "\x01", "\x02", w->from_rev, 1, &list, &at, err);
	kit_kv_list_release(&list);
	if (ret == -ERANGE)
		return 0; /* a future revision: the watch waits for it */
	if (ret == -ESTALE)
		return kit_err_set(err, ESTALE,
				   "list again, then watch from the revision of the list",
				   "watch %s from revision %" PRId64 ": compacted",
				   w->start, w->from_rev);
	return ret;
}

static int e_watch(struct kit_store *base, struct kit_store_watch *w, struct kit_err *err)
{
	struct etcd_store *s = (struct etcd_store *)base;
	cJSON *req = cJSON_CreateObject(), *cr = cJSON_CreateObject();
	struct etcd_watch *ew = calloc(1, sizeof(*ew));
	char url[512];
	int64_t cur;
	int ret = check_watch_rev(s, w, err);

	/* "From now on" means from the revision after the current one: the
	 * stream starts a moment later, and a write in that moment must
	 * not be missed. */
	if (ret == 0 && !w->from_rev && (ret = e_revision(base, &cur, err)) == 0)
		w->from_rev = cur + 1;
	if (ret < 0) {
		cJSON_Delete(req);
		cJSON_Delete(cr);
		free(ew);
		return ret;
	}
	if (!req || !cr || !ew || !cJSON_AddItemToObject(req, "create_request", cr) ||
	    !add_b64(cr, "key", w->start, strlen(w->start)) ||
	    !add_range_end(cr, w->end) ||
	    (w->from_rev && !add_num(cr, "start_revision", w->from_rev)) ||
	    !cJSON_AddTrueToObject(cr, "prev_kv")) {
		if (!req || !cJSON_GetObjectItem(req, "create_request"))
			cJSON_Delete(cr);
		cJSON_Delete(req);
		free(ew);
		return kit_err_set(err, ENOMEM, NULL, "watch %s", w->start);
	}
	ew->request = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	ew->line.max = WATCH_LINE_MAX;
	ew->multi = curl_multi_init();
	ew->h = curl_easy_init();
	if (!ew->request || !ew->multi || !ew->h) {
		ret = kit_err_set(err, ENOMEM, NULL, "watch %s", w->start);
		goto fail;
	}
	snprintf(url, sizeof(url), "%s/v3/watch", s->url);
	curl_easy_setopt(ew->h, CURLOPT_URL, url);
	curl_easy_setopt(ew->h, CURLOPT_POSTFIELDS, ew->request);
	curl_easy_setopt(ew->h, CURLOPT_WRITEFUNCTION, on_watch_data);
	curl_easy_setopt(ew->h, CURLOPT_WRITEDATA, w);
	curl_easy_setopt(ew->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(ew->h, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
	curl_multi_add_handle(ew->multi, ew->h);
	w->backend = ew;
	ret = -pthread_create(&ew->thread, NULL, watch_thread, w);
	if (ret == 0)
		return 0;
	kit_err_set(err, -ret, NULL, "start a watch thread");
	w->backend = NULL;
fail:
	if (ew->multi && ew->h)
		curl_multi_remove_handle(ew->multi, ew->h);
	curl_easy_cleanup(ew->h);
	curl_multi_cleanup(ew->multi);
	free(ew->request);
	free(ew);
	return ret;
}

static void e_unwatch(struct kit_store *base, struct kit_store_watch *w)
{
	struct etcd_watch *ew = w->backend;

	(void)base;
	if (!ew)
		return;
	pthread_mutex_lock(&w->lock);
	ew->stop = true;
	pthread_mutex_unlock(&w->lock);
	curl_multi_wakeup(ew->multi);
	pthread_join(ew->thread, NULL);
	curl_multi_remove_handle(ew->multi, ew->h);
	curl_easy_cleanup(ew->h);
	curl_multi_cleanup(ew->multi);
	free(ew->request);
	free(ew->line.data);
	free(ew);
	w->backend = NULL;
}

static void e_stop(struct kit_store *base)
{
	(void)base; /* each watch's thread ends when the watch is cancelled */
}

static void e_free(struct kit_store *base)
{
	struct etcd_store *s = (struct etcd_store *)base;

	for (int i = 0; i < s->npool; i++)
		curl_easy_cleanup(s->pool[i]);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static const struct kit_store_ops etcd_ops = {
	.name = "etcd",
	.revision = e_revision,
	.get = e_get,
	.range = e_range,
	.put = e_put,
	.del = e_delete,
	.compact = e_compact,
	.compacted = e_compacted,
	.lease_grant = e_lease_grant,
	.lease_keepalive = e_lease_keepalive,
	.lease_revoke = e_lease_revoke,
	.watch = e_watch,
	.unwatch = e_unwatch,
	.stop = e_stop,
	.free = e_free,
};

int kit_store_etcd_open(const char *url, struct kit_store **out, struct kit_err *err)
{
	struct etcd_store *s;
	size_t n = strcspn(url, ",");
	int64_t rev;
	int ret;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return kit_err_set(err, EIO, NULL, "initialise libcurl");
	while (n > 0 && url[n - 1] == '/')
		n--;
	s = calloc(1, sizeof(*s));
	if (!s)
		return kit_err_set(err, ENOMEM, NULL, "open etcd store at %s", url);
	if (n >= sizeof(s->url)) {
		free(s);
		return kit_err_set(err, ENAMETOOLONG, NULL, "open etcd store");
	}
	memcpy(s->url, url, n);
	s->base.ops = &etcd_ops;
	pthread_mutex_init(&s->lock, NULL);
	/* Ask for the revision now: a wrong URL fails here, with a reason. */
	ret = e_revision(&s->base, &rev, err);
	if (ret < 0) {
		kit_err_wrap(err, "open etcd store at %s", s->url);
		e_free(&s->base);
		return ret;
	}
	*out = &s->base;
	return 0;
}
