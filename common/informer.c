/* SPDX-License-Identifier: MIT */
/*
 * informer.c - list + watch into a local cache (see kit/informer.h).
 *
 * The cache is a hash table from "namespace/name" to the object, behind a
 * read-write lock: one writer (the informer's thread), many readers (the
 * workers).  The thread:
 *
 *   list -> replace the cache -> watch from the list's resourceVersion
 *        -> on each event: apply, remember its resourceVersion
 *        -> stream ended: watch again from there
 *        -> ERROR event (410 Gone) or failure: list again
 *        -> every resync period: update(obj, obj) for everything
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kit/informer.h"
#include "kit/log.h"

struct centry {
	struct centry *next;
	cJSON *obj;
	char key[];
};

struct kit_cache {
	pthread_rwlock_t lock;
	struct centry **buckets;
	size_t nbuckets, n;
};

static size_t hash(const char *s)
{
	size_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

struct kit_cache *kit_cache_new(void)
{
	struct kit_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->nbuckets = 1024;
	c->buckets = calloc(c->nbuckets, sizeof(*c->buckets));
	if (!c->buckets) {
		free(c);
		return NULL;
	}
	pthread_rwlock_init(&c->lock, NULL);
	return c;
}

void kit_cache_free(struct kit_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nbuckets; i++)
		for (struct centry *e = c->buckets[i], *next; e; e = next) {
			next = e->next;
			cJSON_Delete(e->obj);
			free(e);
		}
	free(c->buckets);
	pthread_rwlock_destroy(&c->lock);
	free(c);
}

static const char *meta_str(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(obj, "metadata"), name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

char *kit_object_key(const cJSON *obj, char *buf, size_t size)
{
	const char *ns = meta_str(obj, "namespace"), *name = meta_str(obj, "name");
	int n;

	if (!name || !*name)
		return NULL;
	n = ns && *ns ? snprintf(buf, size, "%s/%s", ns, name)
		      : snprintf(buf, size, "%s", name);
	return n > 0 && (size_t)n < size ? buf : NULL;
}

static int64_t rv_of(const cJSON *obj)
{
	const char *rv = meta_str(obj, "resourceVersion");

	return rv ? strtoll(rv, NULL, 10) : 0;
}

static struct centry **find(struct kit_cache *c, const char *key)
{
	struct centry **p = &c->buckets[hash(key) & (c->nbuckets - 1)];

	while (*p && strcmp((*p)->key, key) != 0)
		p = &(*p)->next;
	return p;
}

static void grow(struct kit_cache *c)
{
	size_t n = c->nbuckets * 4;
	struct centry **nb = calloc(n, sizeof(*nb));

	if (!nb)
		return; /* longer chains, still correct */
	for (size_t i = 0; i < c->nbuckets; i++)
		for (struct centry *e = c->buckets[i], *next; e; e = next) {
			size_t b = hash(e->key) & (n - 1);

			next = e->next;
			e->next = nb[b];
			nb[b] = e;
		}
	free(c->buckets);
	c->buckets = nb;
	c->nbuckets = n;
}

/* Store @obj (taken) at @key, calling add or update.  Lock held. */
static int store(struct kit_cache *c, const char *key, cJSON *obj,
		 const struct kit_handlers *h)
{
	struct centry **p = find(c, key), *e;

	if (*p) {
		cJSON *old = (*p)->obj;

		if (rv_of(obj) && rv_of(obj) < rv_of(old)) { /* stale: keep ours */
			cJSON_Delete(obj);
			return 0;
		}
		(*p)->obj = obj;
		if (h && h->update)
			h->update(h->ctx, old, obj);
		cJSON_Delete(old);
		return 0;
	}
	if (c->n >= c->nbuckets * 2) {
		grow(c);
		p = find(c, key);
	}
	e = malloc(sizeof(*e) + strlen(key) + 1);
	if (!e) {
		cJSON_Delete(obj);
		return -ENOMEM;
	}
	strcpy(e->key, key);
	e->obj = obj;
	e->next = NULL;
	*p = e;
	c->n++;
	if (h && h->add)
		h->add(h->ctx, obj);
	return 0;
}

static void remove_entry(struct kit_cache *c, struct centry **p,
			 const struct kit_handlers *h)
{
	struct centry *e = *p;

	*p = e->next;
	c->n--;
	if (h && h->del)
		h->del(h->ctx, e->obj);
	cJSON_Delete(e->obj);
	free(e);
}

int kit_cache_apply(struct kit_cache *c, const char *type, cJSON *obj,
		    const struct kit_handlers *h, struct kit_err *err)
{
	char key[512];
	int ret = 0;

	if (!kit_object_key(obj, key, sizeof(key))) {
		cJSON_Delete(obj);
		return kit_err_set(err, EINVAL, "it has no metadata.name",
				   "apply %s event", type);
	}
	pthread_rwlock_wrlock(&c->lock);
	if (strcmp(type, "ADDED") == 0 || strcmp(type, "MODIFIED") == 0) {
		ret = store(c, key, obj, h);
		if (ret < 0)
			kit_err_set(err, -ret, NULL, "cache %s", key);
	} else if (strcmp(type, "DELETED") == 0) {
		struct centry **p = find(c, key);

		if (*p)
			remove_entry(c, p, h);
		cJSON_Delete(obj);
	} else {
		cJSON_Delete(obj);
		ret = kit_err_set(err, EINVAL, "expected ADDED, MODIFIED or DELETED",
				  "apply event of type \"%s\"", type);
	}
	pthread_rwlock_unlock(&c->lock);
	return ret;
}

int kit_cache_replace(struct kit_cache *c, cJSON *items, const struct kit_handlers *h,
		      struct kit_err *err)
{
	struct seen {
		struct seen *next;
		char key[];
	};
	size_t nseen = 0;
	char **keys = NULL;
	cJSON *item;
	int ret = 0;

	if (!cJSON_IsArray(items)) {
		cJSON_Delete(items);
		return kit_err_set(err, EINVAL, "expected an array of items",
				   "replace cache");
	}
	keys = calloc((size_t)cJSON_GetArraySize(items) + 1, sizeof(*keys));
	if (!keys) {
		cJSON_Delete(items);
		return kit_err_set(err, ENOMEM, NULL, "replace cache");
	}
	pthread_rwlock_wrlock(&c->lock);
	while ((item = cJSON_DetachItemFromArray(items, 0))) {
		char key[512];

		if (!kit_object_key(item, key, sizeof(key))) {
			cJSON_Delete(item);
			continue;
		}
		keys[nseen] = strdup(key);
		if (keys[nseen])
			nseen++;
		if (store(c, key, item, h) < 0)
			ret = kit_err_set(err, ENOMEM, NULL, "cache %s", key);
	}
	/* What the list does not have any more was deleted meanwhile. */
	for (size_t i = 0; i < c->nbuckets; i++)
		for (struct centry **p = &c->buckets[i]; *p;) {
			bool listed = false;
			struct centry **q;

			for (size_t k = 0; k < nseen && !listed; k++)
				listed = strcmp(keys[k], (*p)->key) == 0;
			if (listed) {
				p = &(*p)->next;
				continue;
			}
			q = p;
			remove_entry(c, q, h);
		}
	pthread_rwlock_unlock(&c->lock);
	for (size_t k = 0; k < nseen; k++)
		free(keys[k]);
	free(keys);
	cJSON_Delete(items);
	return ret;
}

void kit_cache_resync(struct kit_cache *c, const struct kit_handlers *h)
{
	pthread_rwlock_wrlock(&c->lock);
	for (size_t i = 0; i < c->nbuckets; i++)
		for (struct centry *e = c->buckets[i]; e; e = e->next)
			if (h && h->update)
				h->update(h->ctx, e->obj, e->obj);
	pthread_rwlock_unlock(&c->lock);
}

cJSON *kit_cache_get(struct kit_cache *c, const char *key)
{
	cJSON *copy = NULL;
	struct centry **p;

	pthread_rwlock_rdlock(&c->lock);
	p = find(c, key);
	if (*p)
		copy = cJSON_Duplicate((*p)->obj, true);
	pthread_rwlock_unlock(&c->lock);
	return copy;
}

size_t kit_cache_len(struct kit_cache *c)
{
	size_t n;

	pthread_rwlock_rdlock(&c->lock);
	n = c->n;
	pthread_rwlock_unlock(&c->lock);
	return n;
}

void kit_cache_foreach(struct kit_cache *c, const char *ns,
		       int (*fn)(void *ctx, const cJSON *obj), void *ctx)
{
	pthread_rwlock_rdlock(&c->lock);
	for (size_t i = 0; i < c->nbuckets; i++)
		for (struct centry *e = c->buckets[i]; e; e = e->next) {
			const char *ons;

			if (ns) {
				ons = meta_str(e->obj, "namespace");
				if (!ons || strcmp(ons, ns) != 0)
					continue;
			}
			if (fn(ctx, e->obj))
				goto out;
		}
out:
	pthread_rwlock_unlock(&c->lock);
}

/* ---- the informer ---------------------------------------------------------------- */

int kit_informer_event(struct kit_cache *c, const struct kit_handlers *h,
		       const char *type, const cJSON *object, char rv[32],
		       struct kit_err *err)
{
	const char *v = meta_str(object, "resourceVersion");

	if (strcmp(type, "ERROR") == 0) {
		const cJSON *code = cJSON_GetObjectItemCaseSensitive(object, "code");
		const cJSON *msg = cJSON_GetObjectItemCaseSensitive(object, "message");

		kit_err_set(err,
			    cJSON_IsNumber(code) && code->valueint == 410 ? ESTALE
									  : EPROTO,
			    cJSON_IsString(msg) ? msg->valuestring : "no message",
			    "watch from resourceVersion %s", rv);
		return KIT_INFORMER_RELIST;
	}
	if (v && strlen(v) < 32)
		strcpy(rv, v);
	if (strcmp(type, "BOOKMARK") == 0)
		return 0;
	return kit_cache_apply(c, type, cJSON_Duplicate(object, true), h, err);
}

struct kit_informer {
	struct kit_kube *kube;
	struct kit_cache *cache;
	struct kit_informer_config cfg;
	char *path, *name;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t synced_cond;
	bool synced;
	volatile bool stop;
	unsigned lists;
	char rv[32];
	time_t next_resync;
};

struct watch_ctx {
	struct kit_informer *inf;
	struct kit_err err;
	bool relist;
};

static int on_event(void *ctx, const char *type, cJSON *object)
{
	struct watch_ctx *w = ctx;
	int ret = kit_informer_event(w->inf->cache, &w->inf->cfg.handlers, type, object,
				     w->inf->rv, &w->err);

	if (ret == KIT_INFORMER_RELIST) {
		w->relist = true;
		return 1;
	}
	if (ret < 0)
		kit_warn("%s: %s", w->inf->name, w->err.msg);
	return 0;
}

static int list(struct kit_informer *inf, struct kit_err *err)
{
	cJSON *doc = NULL, *items;
	const char *rv;
	int ret = kit_kube_request(inf->kube, "GET", inf->path, NULL, NULL, &doc, err);

	if (ret < 0)
		return ret;
	rv = meta_str(doc, "resourceVersion");
	snprintf(inf->rv, sizeof(inf->rv), "%s", rv ? rv : "0");
	items = cJSON_DetachItemFromObjectCaseSensitive(doc, "items");
	cJSON_Delete(doc);
	if (!items)
		items = cJSON_CreateArray();
	ret = kit_cache_replace(inf->cache, items, &inf->cfg.handlers, err);
	pthread_mutex_lock(&inf->lock);
	inf->lists++;
	inf->synced = true;
	pthread_cond_broadcast(&inf->synced_cond);
	pthread_mutex_unlock(&inf->lock);
	return ret;
}

static void pause_ms(struct kit_informer *inf, int ms)
{
	for (int i = 0; i < ms / 50 && !inf->stop; i++)
		usleep(50 * 1000);
}

static void *informer_main(void *arg)
{
	struct kit_informer *inf = arg;
	int backoff = 100;
	bool need_list = true;

	if (inf->cfg.resync_seconds > 0)
		inf->next_resync = time(NULL) + inf->cfg.resync_seconds;
	while (!inf->stop) {
		struct watch_ctx w = { .inf = inf };
		char path[1024];
		int ret, max = 300;

		if (need_list) {
			if (list(inf, &w.err) < 0) {
				kit_warn("%s: list: %s", inf->name, w.err.msg);
				pause_ms(inf, backoff);
				backoff = backoff < 5000 ? backoff * 2 : 5000;
				continue;
			}
			need_list = false;
		}
		if (inf->next_resync) {
			time_t now = time(NULL);

			if (now >= inf->next_resync) {
				kit_cache_resync(inf->cache, &inf->cfg.handlers);
				inf->next_resync = now + inf->cfg.resync_seconds;
			}
			max = (int)(inf->next_resync - now);
			if (max < 1)
				max = 1;
		}
		snprintf(path, sizeof(path),
			 "%s%sresourceVersion=%s&allowWatchBookmarks=true", inf->path,
			 strchr(inf->path, '?') ? "&" : "?", inf->rv);
		ret = kit_kube_watch(inf->kube, path, on_event, &w, &inf->stop, max,
				     &w.err);
		if (w.relist) {
			kit_info("%s: %s: listing again", inf->name, w.err.msg);
			need_list = true;
		} else if (ret < 0) {
			kit_warn("%s: %s", inf->name, w.err.msg);
			pause_ms(inf, backoff);
			backoff = backoff < 5000 ? backoff * 2 : 5000;
			if (ret == -ESTALE)
				need_list = true;
		} else {
			backoff = 100;
		}
	}
	return NULL;
}

int kit_informer_start(struct kit_kube *k, const struct kit_informer_config *cfg,
		       struct kit_informer **out, struct kit_err *err)
{
	struct kit_informer *inf = calloc(1, sizeof(*inf));
	int ret;

	*out = NULL;
	if (!inf)
		return kit_err_set(err, ENOMEM, NULL, "start informer for %s", cfg->path);
	inf->kube = k;
	inf->cfg = *cfg;
	inf->cache = kit_cache_new();
	inf->path = strdup(cfg->path);
	inf->name = strdup(cfg->name ? cfg->name : cfg->path);
	if (!inf->cache || !inf->path || !inf->name) {
		kit_cache_free(inf->cache);
		free(inf->path);
		free(inf->name);
		free(inf);
		return kit_err_set(err, ENOMEM, NULL, "start informer for %s", cfg->path);
	}
	pthread_mutex_init(&inf->lock, NULL);
	pthread_cond_init(&inf->synced_cond, NULL);
	ret = pthread_create(&inf->thread, NULL, informer_main, inf);
	if (ret != 0) {
		kit_cache_free(inf->cache);
		free(inf->path);
		free(inf->name);
		free(inf);
		return kit_err_set(err, ret, NULL, "start informer thread for %s",
				   cfg->path);
	}
	*out = inf;
	return 0;
}

bool kit_informer_wait_synced(struct kit_informer *inf, int timeout_ms)
{
	struct timespec ts;
	bool synced;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&inf->lock);
	while (!inf->synced)
		if (pthread_cond_timedwait(&inf->synced_cond, &inf->lock, &ts) != 0)
			break;
	synced = inf->synced;
	pthread_mutex_unlock(&inf->lock);
	return synced;
}

struct kit_cache *kit_informer_cache(struct kit_informer *inf)
{
	return inf->cache;
}

unsigned kit_informer_lists(struct kit_informer *inf)
{
	unsigned n;

	pthread_mutex_lock(&inf->lock);
	n = inf->lists;
	pthread_mutex_unlock(&inf->lock);
	return n;
}

void kit_informer_stop(struct kit_informer *inf)
{
	if (!inf)
		return;
	inf->stop = true;
	pthread_join(inf->thread, NULL);
	kit_cache_free(inf->cache);
	pthread_mutex_destroy(&inf->lock);
	pthread_cond_destroy(&inf->synced_cond);
	free(inf->path);
	free(inf->name);
	free(inf);
}
