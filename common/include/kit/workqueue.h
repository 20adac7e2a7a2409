/* SPDX-License-Identifier: MIT */
/*
 * kit/workqueue.h - the controllers' to-do list: keys ("default/web"), not
 * events.  Adding a key that is already waiting does nothing, so a burst
 * of a hundred pod changes becomes one reconcile of their ReplicaSet; a
 * key being worked on is never handed to a second worker, and if it
 * changed meanwhile it comes back once the first worker is done.
 *
 * Article: §6.1 (Controller Manager: "控制循环 ... 不断地将当前状态调整
 * 为期望状态").  This is client-go's workqueue: de-duplication (dirty set),
 * no concurrent processing of one key (processing set), delayed adds, and
 * a per-key exponential back-off for keys whose reconcile failed.
 *
 *   kit_wq_add(q, "default/web");           // an informer saw a change
 *   while (kit_wq_get(q, &key) == 0) {      // a worker
 *           if (reconcile(key) < 0) kit_wq_add_rate_limited(q, key);
 *           else kit_wq_forget(q, key);
 *           kit_wq_done(q, key);
 *           free(key);
 *   }
 */
#ifndef KIT_WORKQUEUE_H
#define KIT_WORKQUEUE_H

#include <stddef.h>

struct kit_wq;

/*
 * kit_wq_new - a queue whose back-off starts at @base_ms and doubles per
 * failure of a key up to @max_ms.  NULL if out of memory.
 */
struct kit_wq *kit_wq_new(unsigned base_ms, unsigned max_ms);
/* kit_wq_free - after every worker has returned from kit_wq_get. */
void kit_wq_free(struct kit_wq *q);

/* kit_wq_add - queue @key now (copied); 0 or -ENOMEM, -ESHUTDOWN. */
int kit_wq_add(struct kit_wq *q, const char *key);
/* kit_wq_add_after - queue @key once @delay_ms have passed. */
int kit_wq_add_after(struct kit_wq *q, const char *key, unsigned delay_ms);
/* kit_wq_add_rate_limited - after the key's back-off, which then doubles. */
int kit_wq_add_rate_limited(struct kit_wq *q, const char *key);
/* kit_wq_forget - the key succeeded: its back-off starts over. */
void kit_wq_forget(struct kit_wq *q, const char *key);
/* kit_wq_failures - how often the key has been re-added rate-limited. */
unsigned kit_wq_failures(struct kit_wq *q, const char *key);
/* kit_wq_backoff_ms - the delay the next rate-limited add would wait. */
unsigned kit_wq_backoff_ms(struct kit_wq *q, const char *key);

/*
 * kit_wq_get - wait for a key; *key is a new string the caller frees after
 * kit_wq_done.  -ESHUTDOWN once the queue is shut down and empty.
 * kit_wq_get_timeout - the same, -ETIMEDOUT after @timeout_ms.
 */
int kit_wq_get(struct kit_wq *q, char **key);
int kit_wq_get_timeout(struct kit_wq *q, char **key, unsigned timeout_ms);
/* kit_wq_done - the worker is finished with @key. */
void kit_wq_done(struct kit_wq *q, const char *key);

/* kit_wq_len - keys ready now (not those waiting out a delay). */
size_t kit_wq_len(struct kit_wq *q);
/* kit_wq_shutdown - wake every worker; later adds are refused. */
void kit_wq_shutdown(struct kit_wq *q);

#endif /* KIT_WORKQUEUE_H */
