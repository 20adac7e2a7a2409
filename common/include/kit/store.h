/* SPDX-License-Identifier: MIT */
/*
 * kit/store.h - the control plane's source of truth: a key-value store with
 * revisions and watch, modelled on etcd's v3 API.
 *
 * Article: §6.1 (etcd).  Every write to the store gets the next number of
 * one global counter, the revision.  Each key remembers three numbers:
 *
 *   create_rev   the revision that created it (this incarnation)
 *   mod_rev      the revision of its last write: the Kubernetes
 *                metadata.resourceVersion of the object stored there
 *   version      how many writes it has had since it was created (1, 2, ...)
 *
 * Old revisions stay readable until compacted, so a reader can ask "what
 * did /registry/pods/ hold at revision 41?", and a watcher can ask "tell
 * me everything that changed after revision 41": the history is replayed,
 * then new writes follow live.  A write can be made conditional on the
 * key's mod_rev (compare-and-swap): the API server's optimistic concurrency.
 *
 * Two backends implement this one interface (kit_store_open picks one):
 *   a directory        embedded SQLite, the k3s/kine design (store_sqlite.c)
 *   http://HOST:PORT   a real etcd server through its v3 JSON gateway
 *                      (store_etcd.c)
 *
 * Errors (besides the usual -errno with a message in struct kit_err):
 *   -ENOENT     no such key (at that revision)
 *   -ECANCELED  a compare-and-swap lost: the key changed since the
 *               mod_rev the caller read (the API server answers 409)
 *   -ESTALE     the revision asked for was compacted away (410 Gone)
 *   -ERANGE     the revision asked for is in the future
 *
 * Left out: multi-key transactions (the API server needs one key at a
 * time), authentication to etcd, TLS, and etcd's cluster membership calls.
 */
#ifndef KIT_STORE_H
#define KIT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kit/err.h"

/* Keys and values the store accepts, in bytes.  etcd's default request
 * limit is 1.5 MiB; Kubernetes objects stay below 1 MiB. */
#define KIT_STORE_KEY_MAX   1024
#define KIT_STORE_VALUE_MAX (3u << 20)

/* @expect_mod_rev of kit_store_put / kit_store_delete: */
#define KIT_STORE_ANY    (-1) /* write whatever is there */
#define KIT_STORE_ABSENT 0    /* only if the key does not exist (create) */

/* One key at one revision.  Owns key and value (kit_kv_release frees). */
struct kit_kv {
	char *key;
	char *value; /* NUL-terminated for convenience; may hold NULs */
	size_t value_len;
	int64_t create_rev;
	int64_t mod_rev;
	int64_t version;
	int64_t lease; /* 0: none */
};

void kit_kv_release(struct kit_kv *kv);

/* A list of keys, sorted by key. */
struct kit_kv_list {
	struct kit_kv *items;
	size_t len;
	bool more; /* a limit cut the range short */
};

void kit_kv_list_release(struct kit_kv_list *list);

enum kit_store_event_type {
	KIT_STORE_PUT,
	KIT_STORE_DELETE,
};

/*
 * One change seen by a watcher.  For a PUT, kv is the new state (mod_rev
 * is the write's revision).  For a DELETE, kv.key and kv.mod_rev (the
 * delete's revision) are set and prev holds the value just before it, so
 * that the API server can say *what* was deleted.
 */
struct kit_store_event {
	enum kit_store_event_type type;
	struct kit_kv kv;
	struct kit_kv prev; /* key NULL when unknown */
};

void kit_store_event_release(struct kit_store_event *ev);

struct kit_store;
struct kit_store_watch;

/*
 * kit_store_open - open the store at @where: "http://host:port" (several,
 * comma-separated, the first is used) is a real etcd; anything else is a
 * directory for the embedded SQLite store, created if missing (mode 0700).
 * On success *out is the caller's, to kit_store_close().  Background work
 * (lease expiry, the watch poller) runs on a thread the store owns.
 */
int kit_store_open(const char *where, struct kit_store **out, struct kit_err *err);

/* kit_store_close - stop the store's thread, end every watch, free. */
void kit_store_close(struct kit_store *s);

/* kit_store_backend - "sqlite" or "etcd", for messages and benchmarks. */
const char *kit_store_backend(const struct kit_store *s);

/* kit_store_revision - the current revision into *rev (0 for a new store). */
int kit_store_revision(struct kit_store *s, int64_t *rev, struct kit_err *err);

/*
 * kit_store_get - @key as of revision @rev (0: now) into *out, which the
 * caller releases.  -ENOENT if it did not exist then.
 */
int kit_store_get(struct kit_store *s, const char *key, int64_t rev, struct kit_kv *out,
		  struct kit_err *err);

/*
 * kit_store_range - the keys in [@start, @end) as of revision @rev (0:
 * now), sorted, at most @limit of them (0: all), into *out (the caller
 * releases it; out->more says whether keys were left out).  *at_rev gets
 * the revision the range was read at: pass it back as @rev to read the
 * next page from the same snapshot.  kit_store_prefix_end() gives @end for
 * "every key that starts with".
 */
int kit_store_range(struct kit_store *s, const char *start, const char *end, int64_t rev,
		    size_t limit, struct kit_kv_list *out, int64_t *at_rev,
		    struct kit_err *err);

/* kit_store_prefix_end - the smallest key greater than every key starting
 * with @prefix ("/a/" -> "/a0"), into @buf of KIT_STORE_KEY_MAX + 1 bytes. */
char *kit_store_prefix_end(const char *prefix, char *buf);

/*
 * kit_store_put - write @value (@len bytes) at @key, attached to @lease
 * (0: none), if the key's mod_rev is @expect_mod_rev (KIT_STORE_ANY: no
 * condition; KIT_STORE_ABSENT: only if the key does not exist).  On
 * success, if @out is not NULL, it gets the key's new state (the caller
 * releases it).  -ECANCELED when the condition does not hold; then @out,
 * if not NULL, gets the key's current state (key NULL if absent).
 */
int kit_store_put(struct kit_store *s, const char *key, const char *value, size_t len,
		  int64_t expect_mod_rev, int64_t lease, struct kit_kv *out,
		  struct kit_err *err);

/*
 * kit_store_delete - remove @key if its mod_rev is @expect_mod_rev
 * (KIT_STORE_ANY: whatever it is).  *rev (if not NULL) gets the delete's
 * revision; @prev (if not NULL) the value deleted.  -ENOENT if absent,
 * -ECANCELED if the condition does not hold.
 */
int kit_store_delete(struct kit_store *s, const char *key, int64_t expect_mod_rev,
		     int64_t *rev, struct kit_kv *prev, struct kit_err *err);

/*
 * kit_store_compact - forget every value that was overwritten or deleted
 * at or before revision @rev; reads and watches before @rev then fail
 * with -ESTALE.  -ERANGE if @rev is in the future, -ESTALE if it was
 * compacted already.
 */
int kit_store_compact(struct kit_store *s, int64_t rev, struct kit_err *err);

/* kit_store_compacted - the last revision compacted (0: none). */
int kit_store_compacted(struct kit_store *s, int64_t *rev, struct kit_err *err);

/*
 * Leases: a lease lives @ttl seconds after its grant or its last
 * keepalive; when it expires, every key attached to it is deleted (a
 * watcher sees DELETE events).  Node heartbeats use them.
 */
int kit_store_lease_grant(struct kit_store *s, int64_t ttl, int64_t *id,
			  struct kit_err *err);
/* kit_store_lease_keepalive - restart the lease's clock; *ttl the time left. */
int kit_store_lease_keepalive(struct kit_store *s, int64_t id, int64_t *ttl,
			      struct kit_err *err);
/* kit_store_lease_revoke - end the lease now, deleting its keys. */
int kit_store_lease_revoke(struct kit_store *s, int64_t id, struct kit_err *err);

/*
 * kit_store_watch - watch the keys in [@start, @end) for changes made at
 * revision @from_rev and after (0: only changes from now on).  History
 * before the current revision is replayed first, in revision order, then
 * live changes follow, none missed and none twice.  -ESTALE if @from_rev
 * was compacted (the message says the oldest revision still there).  On
 * success *out is the caller's, to kit_store_watch_cancel().
 */
int kit_store_watch(struct kit_store *s, const char *start, const char *end,
		    int64_t from_rev, struct kit_store_watch **out, struct kit_err *err);

/*
 * kit_store_watch_next - wait at most @timeout_ms (-1: forever) for the
 * next event.  Returns 1 with *ev filled (the caller releases it), 0 on
 * time-out, -ECONNRESET when the watch ended (the store was closed, or the
 * watcher fell more than KIT_STORE_WATCH_QUEUE_MAX events behind and was
 * dropped: start again from the last revision seen), or another -errno.
 */
int kit_store_watch_next(struct kit_store_watch *w, int timeout_ms,
			 struct kit_store_event *ev, struct kit_err *err);

/* kit_store_watch_fd - a file descriptor that polls readable whenever
 * kit_store_watch_next would not block (for poll(2) loops). */
int kit_store_watch_fd(const struct kit_store_watch *w);

/* kit_store_watch_cancel - stop watching and free @w (NULL is fine). */
void kit_store_watch_cancel(struct kit_store_watch *w);

/* Events a watcher may have waiting before it is dropped as too slow. */
#define KIT_STORE_WATCH_QUEUE_MAX 100000

#endif /* KIT_STORE_H */
