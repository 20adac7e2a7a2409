/* SPDX-License-Identifier: MIT */
/*
 * store.c - the store's front door: pick a backend, check arguments once
 * for both backends, and the watch queue the backends feed.
 *
 * Article: §6.1 (etcd).  The backends are store_sqlite.c (embedded, the
 * k3s/kine design) and store_etcd.c (a real etcd over its JSON gateway);
 * tests/unit/test_store.c runs one conformance suite against both.
 *
 * Left out: retries and fail-over between several etcd endpoints.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "kit/store_backend.h"

/* Defined by the backends. */
int kit_store_sqlite_open(const char *dir, struct kit_store **out, struct kit_err *err);
int kit_store_etcd_open(const char *url, struct kit_store **out, struct kit_err *err);

struct watch_item {
	struct kit_store_event ev;
	struct watch_item *next;
};

void kit_kv_release(struct kit_kv *kv)
{
	free(kv->key);
	free(kv->value);
	memset(kv, 0, sizeof(*kv));
}

void kit_kv_list_release(struct kit_kv_list *list)
{
	for (size_t i = 0; i < list->len; i++)
		kit_kv_release(&list->items[i]);
	free(list->items);
	memset(list, 0, sizeof(*list));
}

void kit_store_event_release(struct kit_store_event *ev)
{
	kit_kv_release(&ev->kv);
	kit_kv_release(&ev->prev);
}

int kit_kv_set(struct kit_kv *kv, const char *key, const void *value, size_t len)
{
	free(kv->key);
	free(kv->value);
	kv->key = strdup(key);
	kv->value = malloc(len + 1);
	if (!kv->key || !kv->value)
		return -ENOMEM;
	if (len)
		memcpy(kv->value, value, len);
	kv->value[len] = '\0';
	kv->value_len = len;
	return 0;
}

char *kit_store_prefix_end(const char *prefix, char *buf)
{
	size_t n = strnlen(prefix, KIT_STORE_KEY_MAX);

	memcpy(buf, prefix, n);
	buf[n] = '\0';
	/* Add one to the last byte that is not 0xff, dropping the 0xff tail:
	 * "/a/" -> "/a0".  A prefix of only 0xff bytes has no end: "\0"
	 * means "to the end of the key space", as in etcd. */
	while (n > 0) {
		unsigned char c = (unsigned char)buf[n - 1];

		if (c < 0xff) {
			buf[n - 1] = (char)(c + 1);
			buf[n] = '\0';
			return buf;
		}
		buf[--n] = '\0';
	}
	buf[0] = '\0';
	return buf;
}

static bool is_http_url(const char *where)
{
	return strncmp(where, "http://", 7) == 0 || strncmp(where, "https://", 8) == 0;
}

int kit_store_open(const char *where, struct kit_store **out, struct kit_err *err)
{
	int ret;

	if (!where || !*where)
		return kit_err_set(err, EINVAL, "give a directory or an http:// etcd URL",
				   "open store");
	if (strlen(where) >= sizeof((*out)->where))
		return kit_err_set(err, ENAMETOOLONG, NULL, "open store %.64s...", where);
	if (is_http_url(where))
		ret = kit_store_etcd_open(where, out, err);
	else
		ret = kit_store_sqlite_open(where, out, err);
	if (ret == 0) {
		(*out)->refs = 1;
		snprintf((*out)->where, sizeof((*out)->where), "%s", where);
	}
	return ret;
}

static void store_unref(struct kit_store *s)
{
	if (__atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) == 0)
		s->ops->free(s);
}

void kit_store_close(struct kit_store *s)
{
	if (!s)
		return;
	s->ops->stop(s);
	store_unref(s);
}

const char *kit_store_backend(const struct kit_store *s)
{
	return s->ops->name;
}

int kit_store_revision(struct kit_store *s, int64_t *rev, struct kit_err *err)
{
	return s->ops->revision(s, rev, err);
}

static int check_key(const char *key, const char *verb, struct kit_err *err)
{
	size_t n = key ? strnlen(key, KIT_STORE_KEY_MAX + 1) : 0;

	if (n == 0)
		return kit_err_set(err, EINVAL, "a key must not be empty", "%s key",
				   verb);
	if (n > KIT_STORE_KEY_MAX)
		return kit_err_set(err, ENAMETOOLONG, "keys are at most 1024 bytes",
				   "%s key %.40s...", verb, key);
	return 0;
}

int kit_store_get(struct kit_store *s, const char *key, int64_t rev, struct kit_kv *out,
		  struct kit_err *err)
{
	int ret = check_key(key, "get", err);

	if (ret < 0)
		return ret;
	if (rev < 0)
		return kit_err_set(err, EINVAL, "revisions are positive",
				   "get %s at %lld", key, (long long)rev);
	return s->ops->get(s, key, rev, out, err);
}

int kit_store_range(struct kit_store *s, const char *start, const char *end, int64_t rev,
		    size_t limit, struct kit_kv_list *out, int64_t *at_rev,
		    struct kit_err *err)
{
	int64_t ignored;

	memset(out, 0, sizeof(*out));
	if (!start || !end || strlen(start) > KIT_STORE_KEY_MAX ||
	    strlen(end) > KIT_STORE_KEY_MAX)
		return kit_err_set(err, EINVAL,
				   "start and end are keys of at most 1024 bytes",
				   "range keys");
	if (rev < 0)
		return kit_err_set(err, EINVAL, "revisions are positive",
				   "range %s at %lld", start, (long long)rev);
	return s->ops->range(s, start, end, rev, limit, out, at_rev ? at_rev : &ignored,
			     err);
}

int kit_store_put(struct kit_store *s, const char *key, const char *value, size_t len,
		  int64_t expect_mod_rev, int64_t lease, struct kit_kv *out,
		  struct kit_err *err)
{
	int ret = check_key(key, "put", err);

	if (ret < 0)
		return ret;
	if (len > KIT_STORE_VALUE_MAX)
		return kit_err_set(err, EFBIG, "values are at most 3 MiB", "put %s", key);
	if (expect_mod_rev < KIT_STORE_ANY || lease < 0)
		return kit_err_set(err, EINVAL, NULL, "put %s", key);
	if (out)
		memset(out, 0, sizeof(*out));
	return s->ops->put(s, key, value ? value : "", len, expect_mod_rev, lease, out,
			   err);
}

int kit_store_delete(struct kit_store *s, const char *key, int64_t expect_mod_rev,
		     int64_t *rev, struct kit_kv *prev, struct kit_err *err)
{
	int64_t ignored;
	int ret = check_key(key, "delete", err);

	if (ret < 0)
		return ret;
	if (prev)
		memset(prev, 0, sizeof(*prev));
	return s->ops->del(s, key, expect_mod_rev, rev ? rev : &ignored, prev, err);
}

int kit_store_compact(struct kit_store *s, int64_t rev, struct kit_err *err)
{
	if (rev <= 0)
		return kit_err_set(err, EINVAL, "revisions start at 1", "compact to %lld",
				   (long long)rev);
	return s->ops->compact(s, rev, err);
}

int kit_store_compacted(struct kit_store *s, int64_t *rev, struct kit_err *err)
{
	return s->ops->compacted(s, rev, err);
}

int kit_store_lease_grant(struct kit_store *s, int64_t ttl, int64_t *id,
			  struct kit_err *err)
{
	if (ttl <= 0 || ttl > 9000000000LL)
		return kit_err_set(err, EINVAL, "a TTL is a positive number of seconds",
				   "grant lease of %lld s", (long long)ttl);
	return s->ops->lease_grant(s, ttl, id, err);
}

int kit_store_lease_keepalive(struct kit_store *s, int64_t id, int64_t *ttl,
			      struct kit_err *err)
{
	int64_t ignored;

	return s->ops->lease_keepalive(s, id, ttl ? ttl : &ignored, err);
}

int kit_store_lease_revoke(struct kit_store *s, int64_t id, struct kit_err *err)
{
	return s->ops->lease_revoke(s, id, err);
}

/* ---- watch: one queue per watcher ----------------------------------------- */

void kit_store_cond_init(pthread_cond_t *cond)
{
	pthread_condattr_t attr;

	/* Time-outs count on the monotonic clock: setting the date must not
	 * make a watcher wait for hours or wake at once. */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(cond, &attr);
	pthread_condattr_destroy(&attr);
}

void kit_store_deadline(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static void watch_free(struct kit_store_watch *w)
{
	struct watch_item *it = w->head;

	while (it) {
		struct watch_item *next = it->next;

		kit_store_event_release(&it->ev);
		free(it);
		it = next;
	}
	if (w->efd >= 0)
		close(w->efd);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	free(w->start);
	free(w->end);
	free(w);
}

int kit_store_watch(struct kit_store *s, const char *start, const char *end,
		    int64_t from_rev, struct kit_store_watch **out, struct kit_err *err)
{
	struct kit_store_watch *w;
	int ret;

	if (!start || !end || strlen(start) > KIT_STORE_KEY_MAX ||
	    strlen(end) > KIT_STORE_KEY_MAX || from_rev < 0)
		return kit_err_set(err, EINVAL, NULL, "watch keys");
	w = calloc(1, sizeof(*w));
	if (!w)
		return kit_err_set(err, ENOMEM, NULL, "watch %s", start);
	pthread_mutex_init(&w->lock, NULL);
	kit_store_cond_init(&w->cond);
	w->store = s;
	w->from_rev = from_rev;
	w->start = strdup(start);
	w->end = strdup(end);
	w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!w->start || !w->end || w->efd < 0) {
		ret = kit_err_set(err, w->efd < 0 ? errno : ENOMEM, NULL, "watch %s",
				  start);
		watch_free(w);
		return ret;
	}
	ret = s->ops->watch(s, w, err);
	if (ret < 0) {
		watch_free(w);
		return ret;
	}
	__atomic_add_fetch(&s->refs, 1, __ATOMIC_ACQ_REL);
	*out = w;
	return 0;
}

bool kit_store_watch_wants(const struct kit_store_watch *w, const char *key)
{
	if (strcmp(key, w->start) < 0)
		return false;
	return w->end[0] == '\0' || strcmp(key, w->end) < 0;
}

/* The eventfd is readable exactly while there is something to read. */
static void signal_readable(struct kit_store_watch *w)
{
	uint64_t one = 1;

	if (write(w->efd, &one, sizeof(one)) < 0) {
		/* The counter cannot overflow at our rates; nothing to do. */
	}
}

static void drain_readable(struct kit_store_watch *w)
{
	uint64_t n;

	if (read(w->efd, &n, sizeof(n)) < 0) {
		/* EAGAIN: already drained. */
	}
}

int kit_store_watch_push(struct kit_store_watch *w, struct kit_store_event *ev)
{
	struct watch_item *it = calloc(1, sizeof(*it));

	pthread_mutex_lock(&w->lock);
	if (w->ended || !it) {
		pthread_mutex_unlock(&w->lock);
		kit_store_event_release(ev);
		free(it);
		return -ECONNRESET;
	}
	if (w->len >= KIT_STORE_WATCH_QUEUE_MAX) {
		pthread_mutex_unlock(&w->lock);
		kit_store_event_release(ev);
		free(it);
		struct kit_err e;

		kit_err_set(&e, ECONNRESET,
			    "the watcher fell too far behind and was dropped: watch "
			    "again from the last revision it saw",
			    "watch %s", w->start);
		kit_store_watch_end(w, &e);
		return -ECONNRESET;
	}
	it->ev = *ev;
	memset(ev, 0, sizeof(*ev));
	if (w->tail)
		w->tail->next = it;
	else
		w->head = it;
	w->tail = it;
	w->len++;
	signal_readable(w);
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

void kit_store_watch_end(struct kit_store_watch *w, const struct kit_err *err)
{
	pthread_mutex_lock(&w->lock);
	if (!w->ended) {
		w->ended = true;
		w->end_err = *err;
		signal_readable(w);
		pthread_cond_broadcast(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
}

int kit_store_watch_next(struct kit_store_watch *w, int timeout_ms,
			 struct kit_store_event *ev, struct kit_err *err)
{
	struct timespec deadline;
	struct watch_item *it;

	memset(ev, 0, sizeof(*ev));
	if (timeout_ms >= 0)
		kit_store_deadline(&deadline, timeout_ms);
	pthread_mutex_lock(&w->lock);
	while (!w->head && !w->ended) {
		if (timeout_ms < 0) {
			pthread_cond_wait(&w->cond, &w->lock);
			continue;
		}
		if (pthread_cond_timedwait(&w->cond, &w->lock, &deadline) == ETIMEDOUT &&
		    !w->head && !w->ended) {
			pthread_mutex_unlock(&w->lock);
			return 0;
		}
	}
	it = w->head;
	if (!it) {
		*err = w->end_err;
		pthread_mutex_unlock(&w->lock);
		return -(err->code ? err->code : ECONNRESET);
	}
	w->head = it->next;
	if (!w->head)
		w->tail = NULL;
	w->len--;
	if (!w->head && !w->ended)
		drain_readable(w);
	pthread_mutex_unlock(&w->lock);
	*ev = it->ev;
	free(it);
	return 1;
}

int kit_store_watch_fd(const struct kit_store_watch *w)
{
	return w->efd;
}

void kit_store_watch_cancel(struct kit_store_watch *w)
{
	struct kit_store *s;

	if (!w)
		return;
	s = w->store;
	s->ops->unwatch(s, w);
	watch_free(w);
	store_unref(s);
}
