/* SPDX-License-Identifier: MIT */
/*
 * kit/store_backend.h - what a store backend provides, and the watch queue
 * that every backend feeds.  Only common/store*.c include this; users of
 * the store see kit/store.h.
 *
 * A backend embeds struct kit_store first in its own struct and fills in
 * the operations.  A watch is one queue of events: the backend pushes
 * (from its own thread), the watcher pops (kit_store_watch_next).
 */
#ifndef KIT_STORE_BACKEND_H
#define KIT_STORE_BACKEND_H

#include <pthread.h>
#include <time.h>

#include "kit/store.h"

struct kit_store_ops {
	const char *name;
	int (*revision)(struct kit_store *s, int64_t *rev, struct kit_err *err);
	int (*get)(struct kit_store *s, const char *key, int64_t rev, struct kit_kv *out,
		   struct kit_err *err);
	int (*range)(struct kit_store *s, const char *start, const char *end, int64_t rev,
		     size_t limit, struct kit_kv_list *out, int64_t *at_rev,
		     struct kit_err *err);
	int (*put)(struct kit_store *s, const char *key, const char *value, size_t len,
		   int64_t expect, int64_t lease, struct kit_kv *out,
		   struct kit_err *err);
	int (*del)(struct kit_store *s, const char *key, int64_t expect, int64_t *rev,
		   struct kit_kv *prev, struct kit_err *err);
	int (*compact)(struct kit_store *s, int64_t rev, struct kit_err *err);
	int (*compacted)(struct kit_store *s, int64_t *rev, struct kit_err *err);
	int (*lease_grant)(struct kit_store *s, int64_t ttl, int64_t *id,
			   struct kit_err *err);
	int (*lease_keepalive)(struct kit_store *s, int64_t id, int64_t *ttl,
			       struct kit_err *err);
	int (*lease_revoke)(struct kit_store *s, int64_t id, struct kit_err *err);
	/* Start feeding @w (its range and from_rev are set); 0 or -errno. */
	int (*watch)(struct kit_store *s, struct kit_store_watch *w, struct kit_err *err);
	/* Stop feeding @w; after this returns the backend never touches it. */
	void (*unwatch)(struct kit_store *s, struct kit_store_watch *w);
	/* Stop the backend's threads and end every watch (kit_store_close);
	 * unwatch must still work afterwards. */
	void (*stop)(struct kit_store *s);
	/* Free the memory, once the owner and every watch let go. */
	void (*free)(struct kit_store *s);
};

/*
 * The owner holds one reference and every watch one more: a request thread
 * that is still inside kit_store_watch_next when the server shuts down can
 * cancel its watch after kit_store_close without touching freed memory.
 */
struct kit_store {
	const struct kit_store_ops *ops;
	int refs;        /* atomic (__atomic builtins) */
	char where[256]; /* the directory or URL, for messages */
};

struct watch_item;

struct kit_store_watch {
	struct kit_store *store;
	char *start, *end;            /* the key range [start, end) */
	int64_t from_rev;             /* as asked; the backend's cursor lives below */
	int64_t next_rev;             /* sqlite: the first revision not yet delivered */
	void *backend;                /* etcd: the stream's thread and state */
	struct kit_store_watch *next; /* sqlite: the store's list of watchers */

	pthread_mutex_t lock; /* guards everything below */
	pthread_cond_t cond;
	struct watch_item *head, *tail;
	size_t len;
	bool ended;             /* no more events will come */
	struct kit_err end_err; /* why it ended */
	int efd;                /* eventfd: readable while len > 0 or ended */
};

/* True if @key is in the watcher's range. */
bool kit_store_watch_wants(const struct kit_store_watch *w, const char *key);

/*
 * kit_store_watch_push - append @ev to @w's queue, taking ownership of its
 * contents (released here if the watch has ended).  A watcher that has
 * KIT_STORE_WATCH_QUEUE_MAX events waiting is ended instead: it is too
 * slow, and holding more would let it exhaust the server's memory.
 * Returns 0, or -ECONNRESET if the watch has ended.
 */
int kit_store_watch_push(struct kit_store_watch *w, struct kit_store_event *ev);

/* kit_store_watch_end - no more events: after the queued ones, the
 * watcher's next call returns @err's error.  Idempotent (the first wins). */
void kit_store_watch_end(struct kit_store_watch *w, const struct kit_err *err);

/* kit_kv_set - set @kv's key and value to copies (ENOMEM on failure). */
int kit_kv_set(struct kit_kv *kv, const char *key, const void *value, size_t len);

/* kit_store_cond_init - a condition variable whose time-outs use
 * CLOCK_MONOTONIC; kit_store_deadline - now + @ms on that clock. */
void kit_store_cond_init(pthread_cond_t *cond);
void kit_store_deadline(struct timespec *ts, int ms);

/*
 * kit_store_sqlite_stats - how many puts and deletes the embedded store
 * was given (@writes) and in how many transactions (@commits) it wrote
 * them: writes / commits is the mean group-commit batch.  -EOPNOTSUPP on
 * another backend.  For tests and benchmarks.
 */
int kit_store_sqlite_stats(struct kit_store *s, int64_t *writes, int64_t *commits);

#endif /* KIT_STORE_BACKEND_H */
