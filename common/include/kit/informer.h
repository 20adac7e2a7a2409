/* SPDX-License-Identifier: MIT */
/*
 * kit/informer.h - a local copy of one kind of object, kept current by
 * list + watch, with callbacks on each change.  Every controller, the
 * scheduler and the kubelet read from such a cache instead of asking the
 * API server, and act on the callbacks.
 *
 * Article: §6.1 (API Server: Watch 机制; Controller Manager) and §6.2.  The
 * informer lists once (the state at revision R), then watches from R: no
 * change is lost between the two.  When the watch ends it resumes from the
 * last revision seen; when the server answers 410 Gone (that revision was
 * compacted) it lists again and tells the handlers what changed meanwhile,
 * deletions included.  Every resync period it calls update(obj, obj) for
 * every object, so a controller that missed something (a bug, a failed
 * request) reconciles anyway: level-triggered, not edge-triggered.
 *
 * The cache (kit_cache) is the half with no network: the unit tests drive
 * it with events directly.
 */
#ifndef KIT_INFORMER_H
#define KIT_INFORMER_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "kit/err.h"
#include "kit/kube_client.h"

/*
 * Called by the informer's thread with the cache locked for writing: a
 * handler must not read its own informer's cache (other caches are fine);
 * it queues keys.  @old is NULL for add; update gets (old, new), or the same
 * object twice on a resync.
 */
struct kit_handlers {
	void (*add)(void *ctx, const cJSON *obj);
	void (*update)(void *ctx, const cJSON *old, const cJSON *obj);
	void (*del)(void *ctx, const cJSON *obj);
	void *ctx;
};

struct kit_cache;

struct kit_cache *kit_cache_new(void);
void kit_cache_free(struct kit_cache *c);

/* kit_object_key - "namespace/name" or "name" of @obj into @buf; NULL if
 * it has no metadata.name or the key does not fit. */
char *kit_object_key(const cJSON *obj, char *buf, size_t size);

/*
 * kit_cache_apply - one watch event: ADDED and MODIFIED store @obj (taken
 * over: the cache frees it), DELETED removes it.  An event older than what
 * the cache holds (resourceVersion lower) is dropped.  Returns 0, or
 * -EINVAL for an object without a name or an unknown type.
 */
int kit_cache_apply(struct kit_cache *c, const char *type, cJSON *obj,
		    const struct kit_handlers *h, struct kit_err *err);

/*
 * kit_cache_replace - the result of a list (@items, an array, taken over):
 * new objects are added, changed ones updated, and objects the list no
 * longer has are deleted, each with its callback.
 */
int kit_cache_replace(struct kit_cache *c, cJSON *items, const struct kit_handlers *h,
		      struct kit_err *err);

/* kit_cache_resync - update(obj, obj) for every object. */
void kit_cache_resync(struct kit_cache *c, const struct kit_handlers *h);

/* kit_cache_get - a copy of the object at @key (caller frees), or NULL. */
cJSON *kit_cache_get(struct kit_cache *c, const char *key);
size_t kit_cache_len(struct kit_cache *c);

/*
 * kit_cache_foreach - call @fn for every object (in namespace @ns, or all
 * if NULL) with the cache locked for reading; @fn returns non-zero to stop.
 * @fn must not keep the pointer: copy what it needs.
 */
void kit_cache_foreach(struct kit_cache *c, const char *ns,
		       int (*fn)(void *ctx, const cJSON *obj), void *ctx);

/* ---- the informer: a thread that keeps a cache current ---------------------------- */

#define KIT_INFORMER_RELIST 1 /* kit_informer_event: the watch must start over */

/*
 * kit_informer_event - what the informer does with one watch event: apply
 * it to @c and remember its resourceVersion in @rv (32 bytes).  An ERROR
 * event returns KIT_INFORMER_RELIST (with its message in @err) so that the
 * caller lists again; a BOOKMARK only moves @rv.
 */
int kit_informer_event(struct kit_cache *c, const struct kit_handlers *h,
		       const char *type, const cJSON *object, char rv[32],
		       struct kit_err *err);

struct kit_informer;

struct kit_informer_config {
	const char *path;   /* "/api/v1/pods", may carry ?fieldSelector=... */
	int resync_seconds; /* 0: never */
	struct kit_handlers handlers;
	const char *name; /* for log lines: "pods" */
};

/* kit_informer_start - a thread that lists, watches and resyncs. */
int kit_informer_start(struct kit_kube *k, const struct kit_informer_config *cfg,
		       struct kit_informer **out, struct kit_err *err);
/* kit_informer_wait_synced - true once the first list is in the cache. */
bool kit_informer_wait_synced(struct kit_informer *inf, int timeout_ms);
struct kit_cache *kit_informer_cache(struct kit_informer *inf);
/* How many times the informer listed (1 + re-lists after 410 or errors). */
unsigned kit_informer_lists(struct kit_informer *inf);
/* kit_informer_stop - end the thread (within a second) and free. */
void kit_informer_stop(struct kit_informer *inf);

#endif /* KIT_INFORMER_H */
