/* SPDX-License-Identifier: MIT */
/*
 * kit/kube_client.h - how the kit's components (controller manager,
 * scheduler, kubelet) talk to the API server: HTTPS with the cluster's CA
 * and a bearer token, both read from a kubeconfig file; JSON requests; and
 * watches, one JSON event per line of a long chunked response.
 *
 * Article: §6.1 ("API Server ... 是集群的唯一入口") and §6.2: every other
 * component is a client of the API server, and none talks to the store.
 *
 *   struct kit_kube *k;
 *   kit_kube_open("kubeconfig", &k, &err);
 *   kit_kube_request(k, "GET", "/api/v1/nodes", NULL, NULL, &list, &err);
 *   kit_kube_watch(k, "/api/v1/pods?resourceVersion=42", on_event, ctx, &err);
 *
 * The parsing half (kubeconfig, watch stream, Status objects) needs no
 * network and lives in kube_parse.c, so the unit tests and the fuzzer use
 * it alone.
 *
 * Left out: client certificates, exec/auth-provider plugins, several
 * contexts (the current context is used), protobuf.
 */
#ifndef KIT_KUBE_CLIENT_H
#define KIT_KUBE_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "kit/err.h"

/* A kubeconfig file larger than this is refused (1 MiB). */
#define KIT_KUBECONFIG_MAX (1u << 20)
/* One watch event larger than this ends the watch with EMSGSIZE (16 MiB). */
#define KIT_WATCH_LINE_MAX (16u << 20)

/* What the kit needs of a kubeconfig: the current context's cluster and user. */
struct kit_kubeconfig {
	char *server;    /* "https://127.0.0.1:6443" */
	char *ca_pem;    /* decoded certificate-authority-data, or NULL */
	char *ca_file;   /* certificate-authority, or NULL */
	char *token;     /* bearer token, or NULL */
	char *namespace; /* the context's namespace, "default" if none */
	bool insecure;   /* insecure-skip-tls-verify: true */
};

/*
 * kit_kubeconfig_parse - read the kubeconfig text @text (@len bytes): the
 * block-style YAML that mini-apiserver and kubeadm write, or JSON.  Follows
 * current-context to its cluster and user.  EINVAL with the line and what
 * was expected ("kubeconfig line 4: ..."; "no cluster named \"x\"").
 * @kc is released by the caller with kit_kubeconfig_release, also on failure.
 */
int kit_kubeconfig_parse(const char *text, size_t len, struct kit_kubeconfig *kc,
			 struct kit_err *err);
int kit_kubeconfig_load(const char *path, struct kit_kubeconfig *kc, struct kit_err *err);
void kit_kubeconfig_release(struct kit_kubeconfig *kc);

/*
 * A watch stream: bytes in as the network delivers them, one callback per
 * complete line (a JSON object {"type": ..., "object": {...}}).  The
 * callback returns 0 to go on, anything else to stop (returned by feed).
 * @object belongs to the parser: take it with cJSON_DetachItem... to keep it.
 */
typedef int (*kit_watch_fn)(void *ctx, const char *type, cJSON *object);

struct kit_watch_stream {
	char *buf;
	size_t len, cap;
	kit_watch_fn fn;
	void *ctx;
	uint64_t events;
};

void kit_watch_stream_init(struct kit_watch_stream *s, kit_watch_fn fn, void *ctx);
void kit_watch_stream_release(struct kit_watch_stream *s);
/* Returns 0, the callback's non-zero value, or -EINVAL/-EMSGSIZE/-ENOMEM. */
int kit_watch_stream_feed(struct kit_watch_stream *s, const char *data, size_t n,
			  struct kit_err *err);

/*
 * kit_kube_status_errno - the errno that stands for HTTP status @code:
 * 404 ENOENT, 409 EEXIST (AlreadyExists) or ECANCELED (Conflict: a stale
 * resourceVersion, retry), 410 ESTALE (Gone: list again), 422/400 EINVAL,
 * 401 EACCES, 403 EPERM, 429/5xx EAGAIN, anything else EPROTO.  @reason is
 * the Status object's reason, or NULL.
 */
int kit_kube_status_errno(long code, const char *reason);

/* ---- the client (kube_client.c, libcurl) ---------------------------------------- */

struct kit_kube;

/* kit_kube_open - a client for the current context of the kubeconfig @path. */
int kit_kube_open(const char *path, struct kit_kube **out, struct kit_err *err);
/* kit_kube_open_config - the same from a parsed kubeconfig (copied). */
int kit_kube_open_config(const struct kit_kubeconfig *kc, struct kit_kube **out,
			 struct kit_err *err);
void kit_kube_close(struct kit_kube *k);
/* The namespace of the kubeconfig's context. */
const char *kit_kube_namespace(const struct kit_kube *k);

/*
 * kit_kube_request - @method ("GET", "POST", "PUT", "PATCH", "DELETE") on
 * @path ("/api/v1/namespaces/default/pods"), with the JSON @body or NULL.
 * PATCH bodies are JSON merge patches unless @content_type says otherwise.
 * On a 2xx answer returns 0 and, if @out, the parsed body (caller frees).
 * Otherwise -errno as kit_kube_status_errno says, with the server's
 * message: "POST /api/v1/...: EEXIST (pods \"web\" already exists)".
 * Safe to call from several threads (one connection per thread at a time).
 */
int kit_kube_request(struct kit_kube *k, const char *method, const char *path,
		     const cJSON *body, const char *content_type, cJSON **out,
		     struct kit_err *err);

/*
 * kit_kube_watch - GET @path with watch=1 added, feeding each event to @fn
 * until the server ends the stream (returns 0), @fn returns non-zero (that
 * value), @stop becomes true or @max_seconds pass (0), or the connection
 * fails (-errno).  An ERROR event is passed to @fn like any other; a 410
 * in it means the caller must list again.
 */
int kit_kube_watch(struct kit_kube *k, const char *path, kit_watch_fn fn, void *ctx,
		   const volatile bool *stop, int max_seconds, struct kit_err *err);

#endif /* KIT_KUBE_CLIENT_H */
