/* SPDX-License-Identifier: MIT */
/*
 * apiserver.h - what the files of mini-apiserver share.
 *
 * Article: §6.1 (API Server).  A request goes through the server in this
 * order, one file per step:
 *
 *   apiserver_http.c       HTTP (libmicrohttpd): limits, then
 *                          authentication (bearer token / root on the Unix
 *                          socket), then the route, then authorization
 *   apiserver_discovery.c  /version, /api, /apis, /api/v1 ...: what exists
 *   apiserver_resources.c  the resources: defaults, validation (admission)
 *   apiserver_objects.c    the verbs: create, get, list, update, patch,
 *                          delete, and the subresources status/scale/binding
 *   apiserver_watch.c      watch: the store's events as a chunked stream
 *   apiserver_table.c      the columns `kubectl get` prints
 *
 * Objects live in the store under /registry/<plural>/<namespace>/<name>
 * (/registry/<plural>/<name> for cluster-wide ones) as JSON without
 * metadata.resourceVersion: that is the key's mod_revision, set on the way
 * out.
 */
#ifndef MINI_APISERVER_H
#define MINI_APISERVER_H

#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "kit/api_object.h"
#include "kit/err.h"
#include "kit/store.h"

#define MAX_BODY_BYTES (3u << 20) /* the real server's limit: 3 MiB */
#define MAX_NAME       254

struct server;
struct request;

/* ---- resources (apiserver_resources.c) ---------------------------------- */

struct table_column {
	const char *name;   /* "Name": kubectl prints it upper-cased */
	const char *type;   /* "string", "integer", "date" */
	const char *format; /* "name" for the name column, else "" */
	const char *description;
	int priority; /* 0: always shown; 1: with -o wide */
};

struct resource {
	const char *group;   /* "" for the core group, "apps" ... */
	const char *version; /* "v1" */
	const char *kind;    /* "Pod" */
	const char *plural;  /* "pods": in URLs and store keys */
	const char *singular;
	const char *short_names[3];
	bool namespaced;
	bool has_status; /* a /status subresource: status only changes there */
	bool has_scale;  /* a /scale subresource */
	bool has_spec;   /* metadata.generation counts spec changes */
	enum kit_name_rule name_rule;
	const char *const *fields; /* field selector keys beyond metadata.* */
	/* Fill in defaults of a new or updated object (may be NULL). */
	void (*defaults)(struct server *srv, cJSON *obj);
	/* Append "field: problem" causes for an invalid object (may be NULL). */
	void (*validate)(cJSON *obj, cJSON *causes);
};

/* What `kubectl get` prints for a resource (apiserver_table.c). */
struct table_def {
	const char *plural;
	const struct table_column *columns; /* ends with { NULL } */
	/* The cells of one row, in the columns' order. */
	void (*row)(const cJSON *obj, cJSON *cells, time_t now);
};

extern const struct resource resources[];
extern const size_t nresources;

/* The "group/version" of @res ("v1" for the core group), into @buf. */
const char *resource_gv(const struct resource *res, char *buf, size_t size);
/* The resource called @plural in @group/@version, or NULL. */
const struct resource *resource_find(const char *group, const char *version,
				     const char *plural);
/* Append a validation problem: {"reason","message","field"}. */
void cause_add(cJSON *causes, const char *reason, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Validate what every object has: metadata.name, labels. */
void validate_meta(const struct resource *res, cJSON *obj, cJSON *causes);

/* ---- the server ----------------------------------------------------------- */

struct user {
	char name[128];
	char groups[8][64];
	int ngroups;
};

struct token {
	char *token;
	struct user user;
};

struct server {
	struct kit_store *store;
	struct MHD_Daemon *tcp;
	struct MHD_Daemon *unix_daemon;
	struct token *tokens;
	size_t ntokens;
	char listen[128]; /* "127.0.0.1:6443", for the kubeconfig */
	char listen_ip[64];
	char *cert_pem; /* the server's certificate: the kubeconfig's CA */
	int port;       /* the TCP port bound (after --listen :0) */
	unsigned max_connections;
	unsigned request_timeout; /* seconds a client may take to send a request */
	int64_t default_toleration;
	volatile int stopping;
	pthread_mutex_t ip_lock; /* guards the service IP allocator */
};

/* ---- requests and answers (apiserver_http.c) ----------------------------- */

enum verb {
	VERB_GET,
	VERB_LIST,
	VERB_WATCH,
	VERB_CREATE,
	VERB_UPDATE,
	VERB_PATCH,
	VERB_DELETE,
	VERB_DELETECOLLECTION,
};

struct request {
	struct server *srv;
	struct MHD_Connection *conn;
	const char *method;
	const char *url;
	char *body;
	size_t len, cap;
	bool too_big;
	bool authenticated;
	struct user user;
	/* The route: */
	const struct resource *res;
	char ns[MAX_NAME];
	char name[MAX_NAME];
	char sub[32]; /* "status", "scale", "binding" or "" */
	enum verb verb;
	bool table; /* Accept asks for a Table */
};

/* The value of query parameter @name, or NULL. */
const char *req_query(struct request *r, const char *name);
/* The value of request header @name, or NULL. */
const char *req_header(struct request *r, const char *name);

/* Send @obj (consumed) as JSON with @code.  Returns an MHD result. */
enum MHD_Result reply_json(struct request *r, unsigned code, cJSON *obj);
/* Send bytes with a content type. */
enum MHD_Result reply_bytes(struct request *r, unsigned code, const char *type,
			    const void *data, size_t len);
/*
 * Send a metav1.Status failure: @code (404 ...), @reason (NotFound ...),
 * the message, and details naming the object (@name may be NULL).
 * @causes (consumed, may be NULL) lists what is invalid (422).
 */
enum MHD_Result reply_status(struct request *r, unsigned code, const char *reason,
			     const char *name, cJSON *causes, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* A store failure as the Status a client expects (404, 409, 410, 500). */
enum MHD_Result reply_store_error(struct request *r, const char *name,
				  const struct kit_err *err);

/* Start serving on the bound, listening socket @listen_fd; HTTPS when
 * @cert and @key (PEM) are given. */
struct MHD_Daemon *http_start(struct server *srv, int listen_fd, const char *cert,
			      const char *key);

/* apiserver_tls.c: the server's key and self-signed certificate (PEM,
 * the caller frees both), kept in @dir if it is not NULL. */
int tls_certificate(const char *dir, const char *ip, char **cert, char **key,
		    struct kit_err *err);

/* ---- the handlers --------------------------------------------------------- */

/* apiserver_discovery.c: answers for paths outside resources; MHD_NO
 * with *handled false when @r's URL is not one of them. */
enum MHD_Result discovery_handle(struct request *r, bool *handled);

/* apiserver_objects.c */
enum MHD_Result objects_handle(struct request *r);
/* Store key of an object: /registry/pods/default/web. */
void object_key(const struct resource *res, const char *ns, const char *name, char *buf,
		size_t size);
/* Parse a stored value and set its resourceVersion; NULL on bad JSON. */
cJSON *object_from_kv(const char *value, size_t len, int64_t rev);
/* Does @obj pass the list's label and field selectors? */
struct kit_selector;
bool object_selected(const cJSON *obj, const struct kit_selector *labels,
		     const struct kit_selector *fields);
/* Parse ?labelSelector= and ?fieldSelector=; on error reply 400 and
 * return -1 (*result set). */
int selectors_from_query(struct request *r, struct kit_selector *labels,
			 struct kit_selector *fields, enum MHD_Result *result);
/* Create the namespaces every cluster has (default, kube-system ...). */
int objects_bootstrap(struct server *srv, struct kit_err *err);

/* Shared by the verbs (apiserver_objects.c, apiserver_patch.c): */
/* Parse the request body as a JSON object; on error reply 400, NULL. */
cJSON *body_object(struct request *r, enum MHD_Result *result);
/* Read r's object: 0 with *obj and *rev, or -1 after replying (404 ...). */
int load_current(struct request *r, cJSON **obj, int64_t *rev, enum MHD_Result *result);
/*
 * Admit @obj (defaults, validation: 422 on failure) and store it if the key
 * is still at @expect (KIT_STORE_ABSENT for a create).  Returns 0 with the
 * new resourceVersion set in @obj, -ECANCELED on a lost compare (nothing
 * replied: the caller retries or answers 409), or -1 after replying.
 */
int admit_and_store(struct request *r, cJSON *obj, int64_t expect,
		    enum MHD_Result *result);
/* Carry over what a client may not change: uid, creationTimestamp ...;
 * count the generation when the spec changed. */
void keep_system_fields(const struct resource *res, const cJSON *old, cJSON *obj);

/* apiserver_patch.c: PATCH, and the scale and binding subresources. */
enum MHD_Result patch_handle(struct request *r);
enum MHD_Result scale_get(struct request *r);
enum MHD_Result scale_update(struct request *r);
enum MHD_Result binding_create(struct request *r);

/* apiserver_watch.c */
enum MHD_Result watch_handle(struct request *r);

/* apiserver_table.c: the object or list @obj (consumed) as a Table. */
cJSON *table_of(const struct resource *res, cJSON *obj, bool is_list, const char *rv);
/* One row of a table for a single object (for watch events). */
cJSON *table_row_object(const struct resource *res, const cJSON *obj, const char *rv,
			bool with_columns);

/* Small JSON helpers. */
const char *json_str(const cJSON *obj, const char *path); /* "a.b.c" or NULL */
cJSON *json_obj(cJSON *obj, const char *name);            /* get or create */
void json_set_str(cJSON *obj, const char *name, const char *value);

#endif /* MINI_APISERVER_H */
