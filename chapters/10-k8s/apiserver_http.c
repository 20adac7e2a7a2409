/* SPDX-License-Identifier: MIT */
/*
 * apiserver_http.c - the door of the control plane: every request comes in
 * here, and is checked in the order the article gives (§6.1 "认证、授权和
 * 准入控制"):
 *
 *   1. limits          a body over 3 MiB is refused (413) before it is read
 *   2. authentication  who is it?  A bearer token from the token file on
 *                      TCP; root on the Unix socket.  No token: 401
 *   3. the route       /api/v1/namespaces/default/pods/web/status -> which
 *                      resource, namespace, name, subresource and verb
 *   4. authorization   may this user do this verb on this resource?  A small
 *                      role table by group: 403 if not
 *   5. the handler     discovery, the verbs, or watch; admission (defaults
 *                      and validation) happens in the verbs
 *
 * libmicrohttpd does the HTTP: one thread per connection (a watch blocks
 * its own thread only), a connection limit and an idle time-out against
 * clients that connect and never finish a request.
 *
 * Left out: TLS (kubectl talks plain HTTP to loopback here), client
 * certificates, impersonation, and RBAC objects (roles are built in).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "apiserver.h"
#include "kit/log.h"

/* ---- answers --------------------------------------------------------------- */

enum MHD_Result reply_bytes(struct request *r, unsigned code, const char *type,
			    const void *data, size_t len)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", type);
	MHD_add_response_header(resp, "Cache-Control", "no-cache, private");
	ret = MHD_queue_response(r->conn, code, resp);
	MHD_destroy_response(resp);
	return ret;
}

enum MHD_Result reply_json(struct request *r, unsigned code, cJSON *obj)
{
	char *text = obj ? cJSON_PrintUnformatted(obj) : NULL;
	enum MHD_Result ret;

	cJSON_Delete(obj);
	if (!text)
		return reply_bytes(r, 500, "text/plain", "out of memory\n", 14);
	ret = reply_bytes(r, code, "application/json", text, strlen(text));
	free(text);
	return ret;
}

/* "pods" or "deployments.apps": how the real server names a resource. */
static void qualified(const struct resource *res, char *buf, size_t size)
{
	if (res && res->group[0])
		snprintf(buf, size, "%s.%s", res->plural, res->group);
	else
		snprintf(buf, size, "%s", res ? res->plural : "");
}

enum MHD_Result reply_status(struct request *r, unsigned code, const char *reason,
			     const char *name, cJSON *causes, const char *fmt, ...)
{
	cJSON *st = cJSON_CreateObject(), *details;
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cJSON_AddStringToObject(st, "kind", "Status");
	cJSON_AddStringToObject(st, "apiVersion", "v1");
	cJSON_AddObjectToObject(st, "metadata");
	cJSON_AddStringToObject(st, "status", "Failure");
	cJSON_AddStringToObject(st, "message", msg);
	cJSON_AddStringToObject(st, "reason", reason);
	details = cJSON_AddObjectToObject(st, "details");
	if (name)
		cJSON_AddStringToObject(details, "name", name);
	if (r->res) {
		/* As the real server: an invalid object is named by its kind
		 * ("The Pod \"x\" is invalid"), anything else by its resource. */
		cJSON_AddStringToObject(details, "group", r->res->group);
		cJSON_AddStringToObject(details, "kind",
					code == 422 ? r->res->kind : r->res->plural);
	}
	if (causes)
		cJSON_AddItemToObject(details, "causes", causes);
	cJSON_AddNumberToObject(st, "code", code);
	return reply_json(r, code, st);
}

enum MHD_Result reply_store_error(struct request *r, const char *name,
				  const struct kit_err *err)
{
	char q[128];

	qualified(r->res, q, sizeof(q));
	switch (err->code) {
	case ENOENT:
		return reply_status(r, 404, "NotFound", name, NULL, "%s \"%s\" not found",
				    q, name ? name : "");
	case ECANCELED:
		return reply_status(
			r, 409, "Conflict", name, NULL,
			"Operation cannot be fulfilled on %s \"%s\": the object has "
			"been modified; please apply your changes to the latest "
			"version and try again",
			q, name ? name : "");
	case ESTALE:
		return reply_status(
			r, 410, "Expired", name, NULL,
			"The provided continue parameter is too old to display a "
			"consistent list result (%s)",
			err->msg);
	case EBUSY:
		return reply_status(r, 429, "TooManyRequests", name, NULL, "%s",
				    err->msg);
	default:
		kit_warn("%s %s: %s", r->method, r->url, err->msg);
		return reply_status(r, 500, "InternalError", name, NULL,
				    "Internal error occurred: %s", err->msg);
	}
}

const char *req_query(struct request *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *req_header(struct request *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

/* ---- 2. authentication ---------------------------------------------------- */

/* Equal strings, in a time that does not tell how much of them matched. */
static bool same_secret(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char diff = la != lb;

	for (size_t i = 0; i < la && i < lb; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

static bool from_unix_socket(struct request *r)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_DAEMON);

	return ci && r->srv->unix_daemon && ci->daemon == r->srv->unix_daemon;
}

static void admin_user(struct user *u, const char *name)
{
	memset(u, 0, sizeof(*u));
	snprintf(u->name, sizeof(u->name), "%s", name);
	snprintf(u->groups[0], sizeof(u->groups[0]), "system:masters");
	snprintf(u->groups[1], sizeof(u->groups[1]), "system:authenticated");
	u->ngroups = 2;
}

/*
 * Returns 1 if @r says who it is and that is true, 0 if it says nothing
 * (anonymous), -1 if what it says is false (a bad token: always 401).
 */
static int authenticate(struct request *r)
{
	const char *auth = req_header(r, "Authorization");

	if (from_unix_socket(r)) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
			r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		struct ucred cred;
		socklen_t len = sizeof(cred);

		/* The socket is root's (mode 0600); ask the kernel all the same. */
		if (!ci ||
		    getsockopt(ci->connect_fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) <
			    0 ||
		    cred.uid != 0)
			return -1;
		admin_user(&r->user, "system:admin");
		return 1;
	}
	if (!auth)
		return 0;
	if (strncmp(auth, "Bearer ", 7) != 0)
		return -1;
	for (size_t i = 0; i < r->srv->ntokens; i++) {
		if (same_secret(auth + 7, r->srv->tokens[i].token)) {
			r->user = r->srv->tokens[i].user;
			return 1;
		}
	}
	return -1;
}

/* ---- 3. the route ----------------------------------------------------------- */

static const char *const verb_names[] = {
	[VERB_GET] = "get",       [VERB_LIST] = "list",
	[VERB_WATCH] = "watch",   [VERB_CREATE] = "create",
	[VERB_UPDATE] = "update", [VERB_PATCH] = "patch",
	[VERB_DELETE] = "delete", [VERB_DELETECOLLECTION] = "deletecollection",
};

static bool truthy(const char *v)
{
	return v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

/* Copy one path segment into @buf; false if too long or empty. */
static bool segment(const char **p, char *buf, size_t size)
{
	size_t n = strcspn(*p, "/");

	if (n == 0 || n >= size)
		return false;
	memcpy(buf, *p, n);
	buf[n] = '\0';
	*p += n + ((*p)[n] == '/');
	return true;
}

/*
 * route - fill r->res, ns, name, sub and verb from the URL.  Returns 0, or
 * -1 when the URL names no resource (404).
 */
static int route(struct request *r)
{
	char group[64] = "", version[16], seg[MAX_NAME];
	const char *p = r->url;
	bool has_name;

	if (strncmp(p, "/api/", 5) == 0) {
		p += 5;
	} else if (strncmp(p, "/apis/", 6) == 0) {
		p += 6;
		if (!segment(&p, group, sizeof(group)))
			return -1;
	} else {
		return -1;
	}
	if (!segment(&p, version, sizeof(version)) || !segment(&p, seg, sizeof(seg)))
		return -1;
	/* namespaces/NS/<resource>...: a namespaced resource. */
	if (strcmp(seg, "namespaces") == 0 && *p) {
		const char *save = p;
		char ns[MAX_NAME], res[64];

		if (segment(&p, ns, sizeof(ns)) && *p && segment(&p, res, sizeof(res)) &&
		    strcmp(res, "status") != 0 && strcmp(res, "finalize") != 0) {
			snprintf(r->ns, sizeof(r->ns), "%s", ns);
			snprintf(seg, sizeof(seg), "%s", res);
		} else {
			p = save;
		}
	}
	r->res = resource_find(group, version, seg);
	if (!r->res || (!r->res->namespaced && r->ns[0]))
		return -1;
	has_name = *p && segment(&p, r->name, sizeof(r->name));
	/* /api/v1/pods lists every namespace; a name needs its namespace. */
	if (r->res->namespaced && !r->ns[0] && has_name)
		return -1;
	if (*p && !segment(&p, r->sub, sizeof(r->sub)))
		return -1;
	if (*p)
		return -1;
	if (r->sub[0] && strcmp(r->sub, "status") && strcmp(r->sub, "scale") &&
	    strcmp(r->sub, "binding"))
		return -1;
	if ((strcmp(r->sub, "status") == 0 && !r->res->has_status) ||
	    (strcmp(r->sub, "scale") == 0 && !r->res->has_scale) ||
	    (strcmp(r->sub, "binding") == 0 && strcmp(r->res->plural, "pods") != 0))
		return -1;
	if (strcmp(r->method, "GET") == 0)
		r->verb = has_name                        ? VERB_GET
			  : truthy(req_query(r, "watch")) ? VERB_WATCH
							  : VERB_LIST;
	else if (strcmp(r->method, "POST") == 0)
		r->verb = VERB_CREATE;
	else if (strcmp(r->method, "PUT") == 0)
		r->verb = VERB_UPDATE;
	else if (strcmp(r->method, "PATCH") == 0)
		r->verb = VERB_PATCH;
	else if (strcmp(r->method, "DELETE") == 0)
		r->verb = has_name ? VERB_DELETE : VERB_DELETECOLLECTION;
	else
		return -2;
	return 0;
}

/* ---- 4. authorization --------------------------------------------------------- */

static bool in_group(const struct user *u, const char *group)
{
	for (int i = 0; i < u->ngroups; i++)
		if (strcmp(u->groups[i], group) == 0)
			return true;
	return false;
}

static bool reads(enum verb v)
{
	return v == VERB_GET || v == VERB_LIST || v == VERB_WATCH;
}

/*
 * The role table (RBAC's default roles, much reduced):
 *   system:masters  everything
 *   system:nodes    read everything; write nodes, node and pod status,
 *                   events and leases (what a kubelet reports)
 *   view            read everything
 */
static bool authorize(const struct request *r)
{
	const struct user *u = &r->user;
	const char *plural = r->res->plural;

	if (in_group(u, "system:masters"))
		return true;
	if (reads(r->verb))
		return in_group(u, "view") || in_group(u, "system:nodes");
	if (!in_group(u, "system:nodes"))
		return false;
	return strcmp(plural, "nodes") == 0 || strcmp(plural, "events") == 0 ||
	       strcmp(plural, "leases") == 0 ||
	       (strcmp(plural, "pods") == 0 && strcmp(r->sub, "status") == 0);
}

static enum MHD_Result forbidden(struct request *r)
{
	char what[MAX_NAME + 80], where[MAX_NAME + 40] = "", res[80];

	if (r->name[0])
		snprintf(what, sizeof(what), "%s \"%s\"", r->res->plural, r->name);
	else
		snprintf(what, sizeof(what), "%s", r->res->plural);
	snprintf(res, sizeof(res), "%s%s%s", r->res->plural, r->sub[0] ? "/" : "",
		 r->sub);
	if (r->ns[0])
		snprintf(where, sizeof(where), " in the namespace \"%s\"", r->ns);
	else
		snprintf(where, sizeof(where), " at the cluster scope");
	return reply_status(
		r, 403, "Forbidden", r->name[0] ? r->name : NULL, NULL,
		"%s is forbidden: User \"%s\" cannot %s resource \"%s\" in API "
		"group \"%s\"%s",
		what, r->user.name, verb_names[r->verb], res, r->res->group, where);
}

/* ---- the request, start to end ------------------------------------------------- */

static enum MHD_Result handle(struct request *r)
{
	bool handled = false;
	enum MHD_Result ret;
	const char *accept;
	int rc;

	if (r->too_big)
		return reply_status(r, 413, "RequestEntityTooLarge", NULL, NULL,
				    "Request entity too large: limit is %u",
				    MAX_BODY_BYTES);
	ret = discovery_handle(r, &handled);
	if (handled)
		return ret;
	if (!r->authenticated)
		return reply_status(r, 401, "Unauthorized", NULL, NULL, "Unauthorized");
	rc = route(r);
	if (rc == -2)
		return reply_status(
			r, 405, "MethodNotAllowed", NULL, NULL,
			"the server does not allow this method on the requested "
			"resource");
	if (rc < 0) {
		r->res = NULL;
		return reply_status(r, 404, "NotFound", NULL, NULL,
				    "the server could not find the requested resource");
	}
	if (!authorize(r))
		return forbidden(r);
	accept = req_header(r, "Accept");
	r->table = accept && strstr(accept, "as=Table") && reads(r->verb);
	kit_debug("%s %s: %s %s", r->user.name, r->method, r->url, verb_names[r->verb]);
	if (r->verb == VERB_WATCH)
		return watch_handle(r);
	return objects_handle(r);
}

/*
 * libmicrohttpd calls this at least twice per request: first with the
 * headers (*con_cls NULL), then with each piece of the body, then once
 * more with nothing left: that is when the request is answered.
 */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct request *r = *con_cls;
	const char *cl;
	int who;

	(void)version;
	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r)
			return MHD_NO;
		r->srv = cls;
		r->conn = conn;
		r->method = method;
		r->url = url;
		*con_cls = r;
		cl = req_header(r, "Content-Length");
		if (cl && strtoull(cl, NULL, 10) > MAX_BODY_BYTES)
			r->too_big = true;
		who = authenticate(r);
		if (who < 0)
			return reply_status(r, 401, "Unauthorized", NULL, NULL,
					    "Unauthorized");
		r->authenticated = who > 0;
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		if (r->too_big || r->len + n > MAX_BODY_BYTES) {
			r->too_big = true;
			return MHD_YES;
		}
		if (r->len + n + 1 > r->cap) {
			size_t cap = (r->len + n + 1) * 2;
			char *body = realloc(r->body, cap);

			if (!body)
				return MHD_NO;
			r->body = body;
			r->cap = cap;
		}
		memcpy(r->body + r->len, upload_data, n);
		r->len += n;
		r->body[r->len] = '\0';
		return MHD_YES;
	}
	return handle(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode why)
{
	struct request *r = *con_cls;

	(void)cls;
	(void)conn;
	(void)why;
	if (r) {
		free(r->body);
		free(r);
		*con_cls = NULL;
	}
}

static void on_mhd_error(void *cls, const char *fmt, va_list ap)
{
	char msg[512];

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	kit_debug("libmicrohttpd: %s", msg);
}

struct MHD_Daemon *http_start(struct server *srv, int listen_fd, const char *cert,
			      const char *key)
{
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
			 MHD_USE_ERROR_LOG | MHD_USE_ITC;

	if (cert)
		return MHD_start_daemon(
			flags | MHD_USE_TLS, 0, NULL, NULL, on_request, srv,
			MHD_OPTION_HTTPS_MEM_KEY, key, MHD_OPTION_HTTPS_MEM_CERT, cert,
			MHD_OPTION_LISTEN_SOCKET, listen_fd, MHD_OPTION_NOTIFY_COMPLETED,
			on_completed, srv, MHD_OPTION_CONNECTION_LIMIT,
			srv->max_connections, MHD_OPTION_CONNECTION_TIMEOUT,
			srv->request_timeout, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
			(size_t)256 * 1024, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_error, srv,
			MHD_OPTION_END);
	return MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_LISTEN_SOCKET,
		listen_fd, MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
		MHD_OPTION_CONNECTION_LIMIT, srv->max_connections,
		MHD_OPTION_CONNECTION_TIMEOUT, srv->request_timeout,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)256 * 1024,
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_error, srv, MHD_OPTION_END);
}
