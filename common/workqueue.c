/* SPDX-License-Identifier: MIT */
/*
 * workqueue.c - a de-duplicating work queue with per-key back-off (see
 * kit/workqueue.h).
 *
 * Each key has one entry in a hash table with three facts about it:
 * dirty (waiting to be handed out), processing (a worker has it) and its
 * failure count.  The ready queue is a FIFO ring of entries; delayed keys
 * wait in an array until their time comes (the earliest is found by a
 * scan: a controller has few keys in back-off at a time).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kit/workqueue.h"

struct entry {
	struct entry *next; /* hash chain */
	bool dirty, processing;
	unsigned failures;
	char key[];
};

struct delayed {
	uint64_t at_ms;
	char *key;
};

struct kit_wq {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct entry **buckets;
	size_t nbuckets, nentries;
	struct entry **ring; /* ready keys, FIFO */
	size_t head, len, cap;
	struct delayed *later;
	size_t nlater, caplater;
	unsigned base_ms, max_ms;
	bool shutdown;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static size_t hash(const char *s)
{
	size_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

struct kit_wq *kit_wq_new(unsigned base_ms, unsigned max_ms)
{
	struct kit_wq *q = calloc(1, sizeof(*q));
	pthread_condattr_t attr;

	if (!q)
		return NULL;
	q->nbuckets = 1024;
	q->buckets = calloc(q->nbuckets, sizeof(*q->buckets));
	if (!q->buckets) {
		free(q);
		return NULL;
	}
	q->base_ms = base_ms ? base_ms : 1;
	q->max_ms = max_ms < q->base_ms ? q->base_ms : max_ms;
	pthread_mutex_init(&q->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&q->cond, &attr);
	pthread_condattr_destroy(&attr);
	return q;
}

void kit_wq_free(struct kit_wq *q)
{
	if (!q)
		return;
	for (size_t i = 0; i < q->nbuckets; i++)
		for (struct entry *e = q->buckets[i], *next; e; e = next) {
			next = e->next;
			free(e);
		}
	for (size_t i = 0; i < q->nlater; i++)
		free(q->later[i].key);
	free(q->later);
	free(q->buckets);
	free(q->ring);
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->cond);
	free(q);
}

static struct entry *lookup(struct kit_wq *q, const char *key, bool create)
{
	size_t b = hash(key) & (q->nbuckets - 1);
	struct entry *e;

	for (e = q->buckets[b]; e; e = e->next)
		if (strcmp(e->key, key) == 0)
			return e;
	if (!create)
		return NULL;
	if (q->nentries >= q->nbuckets * 2) { /* grow: keep chains short */
		size_t n = q->nbuckets * 4;
		struct entry **nb = calloc(n, sizeof(*nb));

		if (nb) {
			for (size_t i = 0; i < q->nbuckets; i++)
				for (struct entry *x = q->buckets[i], *next; x;
				     x = next) {
					size_t h = hash(x->key) & (n - 1);

					next = x->next;
					x->next = nb[h];
					nb[h] = x;
				}
			free(q->buckets);
			q->buckets = nb;
			q->nbuckets = n;
			b = hash(key) & (n - 1);
		}
	}
	e = calloc(1, sizeof(*e) + strlen(key) + 1);
	if (!e)
		return NULL;
	strcpy(e->key, key);
	e->next = q->buckets[b];
	q->buckets[b] = e;
	q->nentries++;
	return e;
}

/* Forget an entry nobody needs any more. */
static void maybe_drop(struct kit_wq *q, struct entry *e)
{
	size_t b;

	if (e->dirty || e->processing || e->failures)
		return;
	for (size_t i = 0; i < q->nlater; i++)
		if (strcmp(q->later[i].key, e->key) == 0)
			return;
	b = hash(e->key) & (q->nbuckets - 1);
	for (struct entry **p = &q->buckets[b]; *p; p = &(*p)->next)
		if (*p == e) {
			*p = e->next;
			free(e);
			q->nentries--;
			return;
		}
}

static int push(struct kit_wq *q, struct entry *e)
{
	if (q->len == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 64;
		struct entry **ring = malloc(cap * sizeof(*ring));

		if (!ring)
			return -ENOMEM;
		for (size_t i = 0; i < q->len; i++)
			ring[i] = q->ring[(q->head + i) % q->cap];
		free(q->ring);
		q->ring = ring;
		q->cap = cap;
		q->head = 0;
	}
	q->ring[(q->head + q->len) % q->cap] = e;
	q->len++;
	return 0;
}

/* Add with the lock held. */
static int add_locked(struct kit_wq *q, const char *key)
{
	struct entry *e;

	if (q->shutdown)
		return -ESHUTDOWN;
	e = lookup(q, key, true);
	if (!e)
		return -ENOMEM;
	if (e->dirty)
		return 0; /* already waiting: this is the de-duplication */
	e->dirty = true;
	if (e->processing)
		return 0; /* comes back when the worker calls done */
	if (push(q, e) < 0) {
		e->dirty = false;
		return -ENOMEM;
	}
	pthread_cond_signal(&q->cond);
	return 0;
}

int kit_wq_add(struct kit_wq *q, const char *key)
{
	int ret;

	pthread_mutex_lock(&q->lock);
	ret = add_locked(q, key);
	pthread_mutex_unlock(&q->lock);
	return ret;
}

static int add_after_locked(struct kit_wq *q, const char *key, unsigned delay_ms)
{
	uint64_t at = now_ms() + delay_ms;

	if (q->shutdown)
		return -ESHUTDOWN;
	if (delay_ms == 0)
		return add_locked(q, key);
	for (size_t i = 0; i < q->nlater; i++)
		if (strcmp(q->later[i].key, key) == 0) {
			if (at < q->later[i].at_ms) /* the sooner time wins */
				q->later[i].at_ms = at;
			pthread_cond_broadcast(&q->cond);
			return 0;
		}
	if (q->nlater == q->caplater) {
		size_t cap = q->caplater ? q->caplater * 2 : 16;
		struct delayed *bigger = realloc(q->later, cap * sizeof(*bigger));

		if (!bigger)
			return -ENOMEM;
		q->later = bigger;
		q->caplater = cap;
	}
	q->later[q->nlater].key = strdup(key);
	if (!q->later[q->nlater].key)
		return -ENOMEM;
	q->later[q->nlater++].at_ms = at;
	pthread_cond_broadcast(&q->cond); /* a waiter may need to wake sooner */
	return 0;
}

int kit_wq_add_after(struct kit_wq *q, const char *key, unsigned delay_ms)
{
	int ret;

	pthread_mutex_lock(&q->lock);
	ret = add_after_locked(q, key, delay_ms);
	pthread_mutex_unlock(&q->lock);
	return ret;
}

static unsigned backoff(const struct kit_wq *q, unsigned failures)
{
	uint64_t d = q->base_ms;

	for (unsigned i = 0; i < failures && d < q->max_ms; i++)
		d *= 2;
	return d > q->max_ms ? q->max_ms : (unsigned)d;
}

int kit_wq_add_rate_limited(struct kit_wq *q, const char *key)
{
	struct entry *e;
	int ret;

	pthread_mutex_lock(&q->lock);
	e = lookup(q, key, true);
	if (!e) {
		ret = -ENOMEM;
	} else {
		unsigned d = backoff(q, e->failures);

		if (e->failures < 64)
			e->failures++;
		ret = add_after_locked(q, key, d);
	}
	pthread_mutex_unlock(&q->lock);
	return ret;
}

void kit_wq_forget(struct kit_wq *q, const char *key)
{
	struct entry *e;

	pthread_mutex_lock(&q->lock);
	e = lookup(q, key, false);
	if (e) {
		e->failures = 0;
		maybe_drop(q, e);
	}
	pthread_mutex_unlock(&q->lock);
}

unsigned kit_wq_failures(struct kit_wq *q, const char *key)
{
	struct entry *e;
	unsigned n;

	pthread_mutex_lock(&q->lock);
	e = lookup(q, key, false);
	n = e ? e->failures : 0;
	pthread_mutex_unlock(&q->lock);
	return n;
}

unsigned kit_wq_backoff_ms(struct kit_wq *q, const char *key)
{
	unsigned d;

	d = backoff(q, kit_wq_failures(q, key));
	return d;
}

/* Move delayed keys whose time has come to the ready queue; the time of
 * the next one in *next_ms (UINT64_MAX if none). */
static void promote(struct kit_wq *q, uint64_t *next_ms)
{
	uint64_t now = now_ms();

	*next_ms = UINT64_MAX;
	for (size_t i = 0; i < q->nlater;) {
		if (q->later[i].at_ms <= now) {
			char *key = q->later[i].key;

			q->later[i] = q->later[--q->nlater];
			add_locked(q, key);
			free(key);
			continue;
		}
		if (q->later[i].at_ms < *next_ms)
			*next_ms = q->later[i].at_ms;
		i++;
	}
}

int kit_wq_get_timeout(struct kit_wq *q, char **key, unsigned timeout_ms)
{
	uint64_t deadline = timeout_ms ? now_ms() + timeout_ms : UINT64_MAX;
	int ret = 0;

	*key = NULL;
	pthread_mutex_lock(&q->lock);
	for (;;) {
		uint64_t next, wake;
		struct timespec ts;

		promote(q, &next);
		if (q->len > 0)
			break;
		if (q->shutdown) {
			ret = -ESHUTDOWN;
			goto out;
		}
		wake = next < deadline ? next : deadline;
		if (wake == UINT64_MAX) {
			pthread_cond_wait(&q->cond, &q->lock);
			continue;
		}
		if (now_ms() >= deadline) {
			ret = -ETIMEDOUT;
			goto out;
		}
		ts.tv_sec = (time_t)(wake / 1000);
		ts.tv_nsec = (long)(wake % 1000) * 1000000;
		pthread_cond_timedwait(&q->cond, &q->lock, &ts);
	}
	{
		struct entry *e = q->ring[q->head];

		q->head = (q->head + 1) % q->cap;
		q->len--;
		*key = strdup(e->key);
		if (!*key) {
			push(q, e);
			ret = -ENOMEM;
			goto out;
		}
		e->dirty = false;
		e->processing = true;
	}
out:
	pthread_mutex_unlock(&q->lock);
	return ret;
}

int kit_wq_get(struct kit_wq *q, char **key)
{
	return kit_wq_get_timeout(q, key, 0);
}

void kit_wq_done(struct kit_wq *q, const char *key)
{
	struct entry *e;

	pthread_mutex_lock(&q->lock);
	e = lookup(q, key, false);
	if (e) {
		e->processing = false;
		if (e->dirty) { /* changed while being worked on: once more */
			if (push(q, e) == 0)
				pthread_cond_signal(&q->cond);
		} else {
			maybe_drop(q, e);
		}
	}
	pthread_mutex_unlock(&q->lock);
}

size_t kit_wq_len(struct kit_wq *q)
{
	size_t n;

	pthread_mutex_lock(&q->lock);
	n = q->len;
	pthread_mutex_unlock(&q->lock);
	return n;
}

void kit_wq_shutdown(struct kit_wq *q)
{
	pthread_mutex_lock(&q->lock);
	q->shutdown = true;
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
}
