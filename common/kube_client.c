/* SPDX-License-Identifier: MIT */
/*
 * kube_client.c - requests and watches to the API server over HTTPS with
 * libcurl (see kit/kube_client.h).
 *
 * Connections are kept: each request borrows a curl handle from a small
 * pool (one per thread in flight), so a controller's hundred requests a
 * second reuse one TLS session instead of shaking hands each time.  A
 * watch takes its own handle for as long as it runs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>

#include "kit/cleanup.h"
#include "kit/json.h"
#include "kit/kube_client.h"

#define POOL_MAX 16
#define BODY_MAX (64u << 20) /* a list of 10,000 pods is ~30 MiB */

struct kit_kube {
	struct kit_kubeconfig kc;
	char *auth; /* "Authorization: Bearer ..." */
	pthread_mutex_t lock;
	CURL *pool[POOL_MAX];
	int npool;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

int kit_kube_open_config(const struct kit_kubeconfig *kc, struct kit_kube **out,
			 struct kit_err *err)
{
	struct kit_kube *k = calloc(1, sizeof(*k));

	*out = NULL;
	pthread_once(&curl_once, curl_init_once);
	if (!k)
		return kit_err_set(err, ENOMEM, NULL, "open API client");
	pthread_mutex_init(&k->lock, NULL);
	k->kc.server = strdup(kc->server);
	k->kc.ca_pem = kc->ca_pem ? strdup(kc->ca_pem) : NULL;
	k->kc.ca_file = kc->ca_file ? strdup(kc->ca_file) : NULL;
	k->kc.token = kc->token ? strdup(kc->token) : NULL;
	k->kc.namespace = strdup(kc->namespace ? kc->namespace : "default");
	k->kc.insecure = kc->insecure;
	if (kc->token && asprintf(&k->auth, "Authorization: Bearer %s", kc->token) < 0)
		k->auth = NULL;
	if (!k->kc.server || !k->kc.namespace || (kc->ca_pem && !k->kc.ca_pem) ||
	    (kc->token && (!k->kc.token || !k->auth))) {
		kit_kube_close(k);
		return kit_err_set(err, ENOMEM, NULL, "open API client");
	}
	/* The server's name ends with the host: strip a trailing '/'. */
	if (k->kc.server[0] && k->kc.server[strlen(k->kc.server) - 1] == '/')
		k->kc.server[strlen(k->kc.server) - 1] = '\0';
	*out = k;
	return 0;
}

int kit_kube_open(const char *path, struct kit_kube **out, struct kit_err *err)
{
	struct kit_kubeconfig kc;
	int ret = kit_kubeconfig_load(path, &kc, err);

	if (ret == 0)
		ret = kit_kube_open_config(&kc, out, err);
	kit_kubeconfig_release(&kc);
	return ret;
}

void kit_kube_close(struct kit_kube *k)
{
	if (!k)
		return;
	for (int i = 0; i < k->npool; i++)
		curl_easy_cleanup(k->pool[i]);
	if (k->auth)
		explicit_bzero(k->auth, strlen(k->auth));
	free(k->auth);
	kit_kubeconfig_release(&k->kc);
	pthread_mutex_destroy(&k->lock);
	free(k);
}

const char *kit_kube_namespace(const struct kit_kube *k)
{
	return k->kc.namespace;
}

static CURL *handle_get(struct kit_kube *k)
{
	CURL *c = NULL;

	pthread_mutex_lock(&k->lock);
	if (k->npool > 0)
		c = k->pool[--k->npool];
	pthread_mutex_unlock(&k->lock);
	return c ? c : curl_easy_init();
}

static void handle_put(struct kit_kube *k, CURL *c)
{
	curl_easy_reset(c);
	pthread_mutex_lock(&k->lock);
	if (k->npool < POOL_MAX) {
		k->pool[k->npool++] = c;
		c = NULL;
	}
	pthread_mutex_unlock(&k->lock);
	if (c)
		curl_easy_cleanup(c);
}

/* The options every request shares: where, whom to trust, who we are. */
static struct curl_slist *setup(struct kit_kube *k, CURL *c, const char *url,
				struct curl_slist *headers)
{
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	if (k->kc.ca_pem) {
		struct curl_blob blob = { .data = k->kc.ca_pem,
					  .len = strlen(k->kc.ca_pem),
					  .flags = CURL_BLOB_COPY };

		curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
	} else if (k->kc.ca_file) {
		curl_easy_setopt(c, CURLOPT_CAINFO, k->kc.ca_file);
	}
	if (k->kc.insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (k->auth)
		headers = curl_slist_append(headers, k->auth);
	headers = curl_slist_append(headers, "Accept: application/json");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	return headers;
}

struct body {
	char *data;
	size_t len, cap;
};

static size_t collect(char *ptr, size_t size, size_t n, void *user)
{
	struct body *b = user;
	size_t add = size * n;

	if (b->len + add + 1 > BODY_MAX)
		return 0;
	if (b->len + add + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 8192;
		char *bigger;

		while (cap < b->len + add + 1)
			cap *= 2;
		bigger = realloc(b->data, cap);
		if (!bigger)
			return 0;
		b->data = bigger;
		b->cap = cap;
	}
	memcpy(b->data + b->len, ptr, add);
	b->len += add;
	b->data[b->len] = '\0';
	return add;
}

static int curl_failure(struct kit_err *err, CURLcode rc, const char *method,
			const char *path, const char *server)
{
	int code = EIO;
	const char *hint = curl_easy_strerror(rc);

	if (rc == CURLE_COULDNT_CONNECT)
		code = ECONNREFUSED,
		hint = "is the API server running? (check the server: "
		       "line of the kubeconfig)";
	else if (rc == CURLE_OPERATION_TIMEDOUT)
		code = ETIMEDOUT;
	else if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE)
		code = EPROTO, hint = "the server's certificate is not the kubeconfig's "
				      "certificate-authority-data";
	else if (rc == CURLE_WRITE_ERROR)
		code = EFBIG, hint = "the answer is larger than 64 MiB";
	return kit_err_set(err, code, hint, "%s %s on %s", method, path, server);
}

int kit_kube_request(struct kit_kube *k, const char *method, const char *path,
		     const cJSON *body, const char *content_type, cJSON **out,
		     struct kit_err *err)
{
	_autofree char *url = NULL, *text = NULL;
	struct curl_slist *headers = NULL;
	struct body resp = { 0 };
	CURL *c;
	CURLcode rc;
	long code = 0;
	int ret = 0;

	if (out)
		*out = NULL;
	if (asprintf(&url, "%s%s", k->kc.server, path) < 0 ||
	    (body && !(text = cJSON_PrintUnformatted(body))))
		return kit_err_set(err, ENOMEM, NULL, "%s %s", method, path);
	c = handle_get(k);
	if (!c)
		return kit_err_set(err, ENOMEM, NULL, "%s %s", method, path);
	if (text) {
		const char *ct = content_type ? content_type
				 : strcmp(method, "PATCH") == 0
					 ? "application/merge-patch+json"
					 : "application/json";
		char hdr[128];

		snprintf(hdr, sizeof(hdr), "Content-Type: %s", ct);
		headers = curl_slist_append(headers, hdr);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, text);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(text));
	}
	headers = setup(k, c, url, headers);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "GET") == 0)
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp);
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		ret = curl_failure(err, rc, method, path, k->kc.server);
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (code >= 200 && code < 300) {
		if (out && resp.len)
			ret = kit_json_parse(resp.data, resp.len, path, out, err);
		goto out;
	} else {
		cJSON *st = resp.len ? cJSON_ParseWithLength(resp.data, resp.len) : NULL;
		const cJSON *msg = cJSON_GetObjectItemCaseSensitive(st, "message");
		const cJSON *reason = cJSON_GetObjectItemCaseSensitive(st, "reason");
		char why[256];

		snprintf(why, sizeof(why), "%ld: %s", code,
			 cJSON_IsString(msg) ? msg->valuestring : "no message");
		ret = kit_err_set(
			err,
			kit_kube_status_errno(code, cJSON_IsString(reason)
							    ? reason->valuestring
							    : NULL),
			why, "%s %s", method, path);
		cJSON_Delete(st);
	}
out:
	curl_slist_free_all(headers);
	handle_put(k, c);
	free(resp.data);
	return ret;
}

/* ---- watch ---------------------------------------------------------------------- */

struct watch_run {
	struct kit_watch_stream stream;
	struct kit_err *err;
	int result; /* what ended it from inside the write callback */
	const volatile bool *stop;
	time_t deadline;
};

static size_t watch_write(char *ptr, size_t size, size_t n, void *user)
{
	struct watch_run *w = user;
	int ret = kit_watch_stream_feed(&w->stream, ptr, size * n, w->err);

	if (ret != 0) {
		w->result = ret;
		return 0; /* ends the transfer */
	}
	return size * n;
}

static int watch_progress(void *user, curl_off_t dltotal, curl_off_t dlnow,
			  curl_off_t ultotal, curl_off_t ulnow)
{
	struct watch_run *w = user;

	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return (w->stop && *w->stop) || (w->deadline && time(NULL) >= w->deadline);
}

int kit_kube_watch(struct kit_kube *k, const char *path, kit_watch_fn fn, void *ctx,
		   const volatile bool *stop, int max_seconds, struct kit_err *err)
{
	_autofree char *url = NULL;
	struct watch_run w = { .err = err, .stop = stop };
	struct curl_slist *headers = NULL;
	CURLcode rc;
	long code = 0;
	CURL *c;
	int ret = 0;

	if (max_seconds > 0)
		w.deadline = time(NULL) + max_seconds;
	if (asprintf(&url, "%s%s%swatch=1", k->kc.server, path,
		     strchr(path, '?') ? "&" : "?") < 0)
		return kit_err_set(err, ENOMEM, NULL, "watch %s", path);
	c = curl_easy_init();
	if (!c)
		return kit_err_set(err, ENOMEM, NULL, "watch %s", path);
	kit_watch_stream_init(&w.stream, fn, ctx);
	headers = setup(k, c, url, NULL);
	curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, watch_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &w);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, watch_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, &w);
	/* A watch is quiet for long stretches: keep the connection alive. */
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (w.result != 0)
		ret = w.result; /* the callback's value, or the parser's -errno */
	else if (rc == CURLE_ABORTED_BY_CALLBACK || rc == CURLE_OK ||
		 rc == CURLE_PARTIAL_FILE)
		ret = 0;
	else
		ret = curl_failure(err, rc, "watch", path, k->kc.server);
	if (ret == 0 && code != 200 && code != 0)
		ret = kit_err_set(err, kit_kube_status_errno(code, NULL), NULL,
				  "watch %s: HTTP %ld", path, code);
	kit_watch_stream_release(&w.stream);
	curl_slist_free_all(headers);
	curl_easy_cleanup(c);
	return ret;
}
