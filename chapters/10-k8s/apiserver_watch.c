/* SPDX-License-Identifier: MIT */
/*
 * apiserver_watch.c - GET ...?watch=true: the store's watch, as HTTP.
 *
 * Article: §6.1 (API Server: 提供 "Watch" 机制).  One long response, in
 * chunks (HTTP/1.1 chunked encoding), one JSON event per line:
 *
 *   {"type":"ADDED","object":{...,"metadata":{"resourceVersion":"42"}}}
 *   {"type":"MODIFIED","object":{...}}
 *   {"type":"DELETED","object":{...}}
 *   {"type":"ERROR","object":{"kind":"Status","code":410,...}}
 *
 * resourceVersion says where to start: N means "everything after N" (the
 * revision of the list the client just read: list, then watch, and no
 * change falls in between); absent or "0" means "the current state as
 * ADDED events, then changes".  A revision that was compacted cannot be
 * replayed: the client gets an ERROR event with 410 Gone and must list
 * again.  A store event becomes a watch event here: a PUT of version 1 is
 * ADDED, a later one MODIFIED, a DELETE is DELETED with the last state of
 * the object.  Selectors filter the events; with `Accept: ...as=Table`
 * each event carries a one-row Table, which `kubectl get -w` prints.
 *
 * The connection's thread waits in poll() on the watch's eventfd and the
 * socket (to notice a client that went away) at most a second at a time,
 * so a server shutting down ends every watch within a second.
 *
 * Left out: bookmarks (allowWatchBookmarks is accepted and ignored), and
 * the real server's watch cache (every watch here is a store watch).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apiserver.h"
#include "kit/api_select.h"
#include "kit/log.h"

#define WATCH_MAX_SECONDS 1800 /* the real server's --min-request-timeout */

struct watch_ctx {
	struct server *srv;
	const struct resource *res;
	struct kit_store_watch *w;
	struct kit_selector labels, fields;
	bool table, columns_sent;
	int sock; /* the client's socket, to notice it hanging up */
	time_t deadline;
	bool ended; /* after what is pending, the stream ends */
	char *buf;  /* bytes not yet sent */
	size_t len, off, cap;
};

static int append(struct watch_ctx *c, const char *text, size_t n)
{
	if (c->off > 0 && c->off == c->len)
		c->off = c->len = 0;
	if (c->len + n + 1 > c->cap) {
		size_t cap = (c->len + n + 1) * 2;
		char *buf = realloc(c->buf, cap);

		if (!buf)
			return -ENOMEM;
		c->buf = buf;
		c->cap = cap;
	}
	memcpy(c->buf + c->len, text, n);
	c->len += n;
	return 0;
}

/* Queue one event line: {"type": @type, "object": @obj (consumed)}. */
static void emit(struct watch_ctx *c, const char *type, cJSON *obj)
{
	cJSON *ev = cJSON_CreateObject();
	char *text;

	if (c->table && strcmp(type, "ERROR") != 0) {
		const char *rv = json_str(obj, "metadata.resourceVersion");
		cJSON *t = table_row_object(c->res, obj, rv, !c->columns_sent);

		c->columns_sent = true;
		cJSON_Delete(obj);
		obj = t;
	}
	cJSON_AddStringToObject(ev, "type", type);
	cJSON_AddItemToObject(ev, "object", obj);
	text = cJSON_PrintUnformatted(ev);
	cJSON_Delete(ev);
	if (!text || append(c, text, strlen(text)) < 0 || append(c, "\n", 1) < 0)
		c->ended = true;
	free(text);
}

static void emit_error(struct watch_ctx *c, int code, const char *reason, const char *msg)
{
	cJSON *st = cJSON_CreateObject();

	cJSON_AddStringToObject(st, "kind", "Status");
	cJSON_AddStringToObject(st, "apiVersion", "v1");
	cJSON_AddObjectToObject(st, "metadata");
	cJSON_AddStringToObject(st, "status", "Failure");
	cJSON_AddStringToObject(st, "message", msg);
	cJSON_AddStringToObject(st, "reason", reason);
	cJSON_AddNumberToObject(st, "code", code);
	emit(c, "ERROR", st);
	c->ended = true;
}

/* A store event as a watch event, if the selectors let it through. */
static void on_store_event(struct watch_ctx *c, struct kit_store_event *ev)
{
	bool deleted = ev->type == KIT_STORE_DELETE;
	const struct kit_kv *kv = deleted ? &ev->prev : &ev->kv;
	cJSON *obj;

	if (!kv->key)
		return; /* a delete whose last state is unknown */
	/* A deleted object is shown as it was, at the delete's revision. */
	obj = object_from_kv(kv->value, kv->value_len, ev->kv.mod_rev);
	if (!obj || !object_selected(obj, &c->labels, &c->fields)) {
		cJSON_Delete(obj);
		return;
	}
	emit(c, deleted ? "DELETED" : ev->kv.version == 1 ? "ADDED" : "MODIFIED", obj);
}

/* The watch ended: say why, as the real server does. */
static void on_store_end(struct watch_ctx *c, const struct kit_err *err)
{
	if (err->code == ESTALE)
		emit_error(c, 410, "Expired", err->msg);
	else
		emit_error(c, 500, "InternalError", err->msg);
}

/* Wait (a second at most) for an event, the client leaving, or the end. */
static void wait_for_more(struct watch_ctx *c)
{
	struct pollfd fds[2] = {
		{ .fd = kit_store_watch_fd(c->w), .events = POLLIN },
		{ .fd = c->sock, .events = POLLRDHUP },
	};
	struct kit_store_event ev;
	struct kit_err err = { 0 };
	int ret;

	if (c->srv->stopping || time(NULL) >= c->deadline) {
		c->ended = true;
		return;
	}
	if (poll(fds, c->sock >= 0 ? 2 : 1, 1000) < 0)
		return;
	if (c->sock >= 0 && (fds[1].revents & (POLLRDHUP | POLLHUP | POLLERR))) {
		c->ended = true;
		return;
	}
	while ((ret = kit_store_watch_next(c->w, 0, &ev, &err)) == 1) {
		on_store_event(c, &ev);
		kit_store_event_release(&ev);
		if (c->len - c->off > 256 * 1024)
			break; /* send what we have first */
	}
	if (ret < 0)
		on_store_end(c, &err);
}

static ssize_t reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct watch_ctx *c = cls;
	size_t n;

	(void)pos;
	while (c->off == c->len) {
		if (c->ended)
			return MHD_CONTENT_READER_END_OF_STREAM;
		wait_for_more(c);
	}
	n = c->len - c->off < max ? c->len - c->off : max;
	memcpy(buf, c->buf + c->off, n);
	c->off += n;
	return (ssize_t)n;
}

static void ctx_free(void *cls)
{
	struct watch_ctx *c = cls;

	kit_store_watch_cancel(c->w);
	kit_selector_release(&c->labels);
	kit_selector_release(&c->fields);
	free(c->buf);
	free(c);
}

/* RV "" or "0": the objects there are now, as ADDED; returns the revision. */
static int initial_state(struct watch_ctx *c, const char *start, const char *end,
			 int64_t *rev, struct kit_err *err)
{
	struct kit_kv_list list = { 0 };
	int ret = kit_store_range(c->srv->store, start, end, 0, 0, &list, rev, err);

	for (size_t i = 0; ret == 0 && i < list.len; i++) {
		cJSON *obj = object_from_kv(list.items[i].value, list.items[i].value_len,
					    list.items[i].mod_rev);

		if (obj && object_selected(obj, &c->labels, &c->fields))
			emit(c, "ADDED", obj);
		else
			cJSON_Delete(obj);
	}
	kit_kv_list_release(&list);
	return ret;
}

static void set_deadline(struct request *r, struct watch_ctx *c)
{
	const char *t = req_query(r, "timeoutSeconds");
	long secs = t ? strtol(t, NULL, 10) : 0;

	if (secs <= 0 || secs > WATCH_MAX_SECONDS)
		secs = WATCH_MAX_SECONDS;
	c->deadline = time(NULL) + secs;
}

static int client_socket(struct request *r)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);

	return ci ? ci->connect_fd : -1;
}

enum MHD_Result watch_handle(struct request *r)
{
	char start[KIT_STORE_KEY_MAX], end[KIT_STORE_KEY_MAX + 1], *stop;
	const char *rv = req_query(r, "resourceVersion");
	struct watch_ctx *c = calloc(1, sizeof(*c));
	struct MHD_Response *resp;
	struct kit_err err = { 0 };
	enum MHD_Result result;
	int64_t from = 0;
	int ret;

	if (!c)
		return MHD_NO;
	c->srv = r->srv;
	c->res = r->res;
	c->table = r->table;
	c->sock = client_socket(r);
	set_deadline(r, c);
	if (selectors_from_query(r, &c->labels, &c->fields, &result) < 0) {
		ctx_free(c);
		return result;
	}
	if (rv && *rv) {
		errno = 0;
		from = strtoll(rv, &stop, 10);
		if (errno || *stop || from < 0) {
			ctx_free(c);
			return reply_status(r, 400, "BadRequest", NULL, NULL,
					    "invalid resource version \"%s\"", rv);
		}
	}
	if (r->res->namespaced && r->ns[0])
		snprintf(start, sizeof(start), "/registry/%s/%s/", r->res->plural, r->ns);
	else
		snprintf(start, sizeof(start), "/registry/%s/", r->res->plural);
	kit_store_prefix_end(start, end);
	ret = from == 0 ? initial_state(c, start, end, &from, &err) : 0;
	/* Events after the revision the client has seen. */
	if (ret == 0)
		ret = kit_store_watch(r->srv->store, start, end, from + 1, &c->w, &err);
	if (ret == -ESTALE) {
		char msg[160];

		snprintf(msg, sizeof(msg), "too old resource version: %" PRId64, from);
		emit_error(c, 410, "Expired", msg);
	} else if (ret < 0) {
		ctx_free(c);
		return reply_store_error(r, NULL, &err);
	}
	/* A watch may be quiet for long: no idle time-out for it. */
	MHD_set_connection_option(r->conn, MHD_CONNECTION_OPTION_TIMEOUT, 0u);
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024, reader, c,
						 ctx_free);
	if (!resp) {
		ctx_free(c);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "application/json");
	MHD_add_response_header(resp, "Cache-Control", "no-cache, private");
	result = MHD_queue_response(r->conn, 200, resp);
	MHD_destroy_response(resp);
	return result;
}
