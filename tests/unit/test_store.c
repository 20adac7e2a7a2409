/* SPDX-License-Identifier: MIT */
/*
 * test_store.c - the store's conformance suite (common/store*.c), run twice:
 * once on the embedded SQLite store, once on a real etcd that the suite
 * starts on loopback (skipped, with the reason, where etcd is not
 * installed: Debian package etcd-server).  Every check that is about the
 * model (revisions, compare-and-swap, watch, compaction, leases) runs on
 * both; what only one backend has (kill -9 durability, two processes on
 * one file, a wrong etcd URL) runs on that one.
 *
 * etcd starts at revision 1, the embedded store at 0: the tests compare
 * revisions with each other, never with constants.  Each test writes under
 * a key prefix of its own, so one etcd serves the whole group.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h> /* cmocka.h needs these three first */
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kit/store.h"
#include "kit/store_backend.h" /* kit_store_sqlite_stats */
#include "unit.h"

/* The backend under test and a fresh key prefix per test. */
static struct kit_store *store;
static char *workdir;
static pid_t etcd_pid;
static char etcd_url[64];
static char pfx[64];
static int test_no;

static void put_ok(const char *key, const char *value, struct kit_kv *out)
{
	struct kit_err err = { 0 };

	if (kit_store_put(store, key, value, strlen(value), KIT_STORE_ANY, 0, out, &err) <
	    0)
		fail_msg("%s", err.msg);
}

static const char *k(const char *name)
{
	static char buf[4][128];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s%s", pfx, name);
	return buf[i];
}

static int64_t revision(void)
{
	struct kit_err err = { 0 };
	int64_t rev = -1;

	assert_int_equal(kit_store_revision(store, &rev, &err), 0);
	return rev;
}

/* Each test: a prefix nobody else used. */
static int new_prefix(void **state)
{
	(void)state;
	snprintf(pfx, sizeof(pfx), "/t/%d/%ld/", ++test_no, (long)time(NULL));
	return 0;
}

/* ---- backends ----------------------------------------------------------- */

static int open_sqlite(void **state)
{
	struct kit_err err = { 0 };
	char dir[4096];

	(void)state;
	workdir = new_tmpdir();
	if (!workdir)
		return -1;
	if (kit_store_open(path_in(dir, workdir, "data"), &store, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	return 0;
}

static int close_store(void **state)
{
	(void)state;
	kit_store_close(store);
	store = NULL;
	if (etcd_pid > 0) {
		kill(etcd_pid, SIGTERM);
		waitpid(etcd_pid, NULL, 0);
		etcd_pid = 0;
	}
	if (workdir) {
		remove_tree(workdir);
		free(workdir);
		workdir = NULL;
	}
	return 0;
}

static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		return -1;
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

/* Start etcd on two free loopback ports; wait until it answers. */
static int open_etcd(void **state)
{
	struct kit_err err = { 0 };
	char data[4096], client[64], peer[64], cluster[96], log[4096];
	int cport = free_port(), pport = free_port();

	(void)state;
	if (access("/usr/bin/etcd", X_OK) != 0)
		return 0; /* each test skips, saying why */
	workdir = new_tmpdir();
	if (!workdir || cport < 0 || pport < 0)
		return -1;
	snprintf(client, sizeof(client), "http://127.0.0.1:%d", cport);
	snprintf(peer, sizeof(peer), "http://127.0.0.1:%d", pport);
	snprintf(cluster, sizeof(cluster), "default=%s", peer);
	path_in(data, workdir, "etcd");
	path_in(log, workdir, "etcd.log");
	etcd_pid = fork();
	if (etcd_pid == 0) {
		/* If this test program dies, etcd goes with it. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (!freopen(log, "w", stderr) || !freopen("/dev/null", "w", stdout))
			_exit(127);
		execl("/usr/bin/etcd", "etcd", "--data-dir", data, "--listen-client-urls",
		      client, "--advertise-client-urls", client, "--listen-peer-urls",
		      peer, "--initial-advertise-peer-urls", peer, "--initial-cluster",
		      cluster, (char *)NULL);
		_exit(127);
	}
	snprintf(etcd_url, sizeof(etcd_url), "%s", client);
	for (int i = 0; i < 200; i++) {
		if (kit_store_open(etcd_url, &store, &err) == 0)
			return 0;
		usleep(50000);
	}
	fprintf(stderr, "etcd did not answer at %s: %s\n", etcd_url, err.msg);
	return -1;
}

/* Skip a test when its group's backend is missing. */
#define NEED_STORE()                                                                     \
	do {                                                                             \
		if (!store) {                                                            \
			print_message("# etcd-server is not installed: "                 \
				      "apt-get install etcd-server\n");                  \
			skip();                                                          \
		}                                                                        \
	} while (0)

/* ---- revisions, get, put, delete ---------------------------------------- */

static void test_put_creates_key_at_new_revision(void **state)
{
	struct kit_kv kv = { 0 }, got = { 0 };
	struct kit_err err = { 0 };
	int64_t before;

	(void)state;
	NEED_STORE();
	before = revision();
	put_ok(k("a"), "one", &kv);
	assert_int_equal(kv.mod_rev, before + 1);
	assert_int_equal(kv.create_rev, kv.mod_rev);
	assert_int_equal(kv.version, 1);
	assert_int_equal(revision(), before + 1);
	assert_int_equal(kit_store_get(store, k("a"), 0, &got, &err), 0);
	assert_string_equal(got.value, "one");
	assert_int_equal(got.value_len, 3);
	assert_int_equal(got.mod_rev, kv.mod_rev);
	kit_kv_release(&kv);
	kit_kv_release(&got);
}

static void test_second_put_counts_version_keeps_create_rev(void **state)
{
	struct kit_kv a = { 0 }, b = { 0 };

	(void)state;
	NEED_STORE();
	put_ok(k("a"), "one", &a);
	put_ok(k("a"), "two", &b);
	assert_int_equal(b.mod_rev, a.mod_rev + 1);
	assert_int_equal(b.create_rev, a.create_rev);
	assert_int_equal(b.version, 2);
	kit_kv_release(&a);
	kit_kv_release(&b);
}

static void test_get_at_old_revision_sees_old_value(void **state)
{
	struct kit_kv a = { 0 }, got = { 0 };
	struct kit_err err = { 0 };

	(void)state;
	NEED_STORE();
	put_ok(k("a"), "one", &a);
	put_ok(k("a"), "two", NULL);
	put_ok(k("other"), "x", NULL);
	assert_int_equal(kit_store_get(store, k("a"), a.mod_rev, &got, &err), 0);
	assert_string_equal(got.value, "one");
	assert_int_equal(got.version, 1);
	kit_kv_release(&got);
	assert_int_equal(kit_store_get(store, k("a"), a.mod_rev - 1, &got, &err),
			 -ENOENT);
	kit_kv_release(&a);
}

static void test_get_missing_key_is_enoent(void **state)
{
	struct kit_kv got = { 0 };
	struct kit_err err = { 0 };
	char want[200];

	(void)state;
	NEED_STORE();
	assert_int_equal(kit_store_get(store, k("nope"), 0, &got, &err), -ENOENT);
	snprintf(want, sizeof(want), "get %s: ENOENT (no such key)", k("nope"));
	assert_string_equal(err.msg, want);
}

static void test_get_future_revision_is_erange(void **state)
{
	struct kit_kv got = { 0 };
	struct kit_err err = { 0 };

	(void)state;
	NEED_STORE();
	put_ok(k("a"), "one", NULL);
	assert_int_equal(kit_store_get(store, k("a"), revision() + 10, &got, &err),
			 -ERANGE);
}

static void test_delete_makes_a_revision_and_keeps_the_past(void **state)
{
	struct kit_kv a = { 0 }, got = { 0 }, prev = { 0 };
	struct kit_err err = { 0 };
	int64_t rev = 0;

	(void)state;
	NEED_STORE();
	put_ok(k("a"), "one", &a);
	assert_int_equal(
		kit_store_delete(store, k("a"), KIT_STORE_ANY, &rev, &prev, &err), 0);
	assert_int_equal(rev, a.mod_rev + 1);
	assert_int_equal(revision(), rev);
	assert_string_equal(prev.value, "one");
	assert_int_equal(kit_store_get(store, k("a"), 0, &got, &err), -ENOENT);
	assert_int_equal(kit_store_get(store, k("a"), a.mod_rev, &got, &err), 0);
	assert_string_equal(got.value, "one");
	kit_kv_release(&got);
	kit_kv_release(&prev);
	kit_kv_release(&a);
}

static void test_delete_missing_key_is_enoent(void **state)
{
	struct kit_err err = { 0 };
	int64_t before;

	(void)state;
	NEED_STORE();
	before = revision();
	assert_int_equal(
		kit_store_delete(store, k("nope"), KIT_STORE_ANY, NULL, NULL, &err),
		-ENOENT);
	assert_int_equal(revision(), before); /* no write, no revision */
}

static void test_recreated_key_starts_again_at_version_1(void **state)
{
	struct kit_kv a = { 0 }, b = { 0 };
	struct kit_err err = { 0 };

	(void)state;
	NEED_STORE();
	put_ok(k("a"), "one", &a);
	put_ok(k("a"), "two", NULL);
	assert_int_equal(kit_store_delete(store, k("a"), KIT_STORE_ANY, NULL, NULL, &err),
			 0);
	put_ok(k("a"), "three", &b);
	assert_int_equal(b.version, 1);
	assert_int_equal(b.create_rev, b.mod_rev);
	assert_true(b.create_rev > a.create_rev);
	kit_kv_release(&a);
	kit_kv_release(&b);
}

/* ---- compare-and-swap --------------------------------------------------- */

static void test_cas_put_at_current_revision_succeeds(void **state)
{
	struct kit_kv a = { 0 }, b = { 0 };
	struct kit_err err = { 0 };

	(void)state;
	NEED_STORE();
	put_ok(k("a"), "one", &a);
	assert_int_equal(kit_store_put(store, k("a"), "two", 3, a.mod_rev, 0, &b, &err),
			 0);
	assert_int_equal(b.version, 2);
	kit_kv_release(&a);
	kit_kv_release(&b);
}

static void test_cas_put_at_stale_revision_is_ecanceled(void **state)
{
	struct kit_kv a = { 0 }, cur = { 0 }, got = { 0 };
	struct kit_err err = { 0 };
	int64_t before;

	(void)state;
	NEED_STORE();
	put_ok(k("a"), "one", &a);
	put_ok(k("a"), "two", NULL);
	before = revision();
	assert_int_equal(
		kit_store_put(store, k("a"), "lost", 4, a.mod_rev, 0, &cur, &err),
		-ECANCELED);
	assert_non_null(strstr(err.msg, "compare failed: ECANCELED"));
	assert_string_equal(cur.value, "two"); /* what is there instead */
	assert_int_equal(revision(), before);
	assert_int_equal(kit_store_get(store, k("a"), 0, &got, &err), 0);
	assert_string_equal(got.value, "two");
	kit_kv_release(&a);
	kit_kv_release(&cur);
	kit_kv_release(&got);
}

static void test_create_if_absent(void **state)
{
	struct kit_kv cur = { 0 };
	struct kit_err err = { 0 };

	(void)state;
	NEED_STORE();
	assert_int_equal(
		kit_store_put(store, k("a"), "one", 3, KIT_STORE_ABSENT, 0, NULL, &err),
		0);
	assert_int_equal(
		kit_store_put(store, k("a"), "two", 3, KIT_STORE_ABSENT, 0, &cur, &err),
		-ECANCELED);
	assert_string_equal(cur.value, "one");
	kit_kv_release(&cur);
}

static void test_cas_on_missing_key_is_ecanceled(void **state)
{
	struct kit_err err = { 0 };

	(void)state;
	NEED_STORE();
	assert_int_equal(kit_store_put(store, k("gone"), "x", 1, 5, 0, NULL, &err),
			 -ECANCELED);
}

static void test_cas_delete(void **state)
{
	struct kit_kv a = { 0 }, b = { 0 };
	struct kit_err err = { 0 };

	(void)state;
	NEED_STORE();
	put_ok(k("a"), "one", &a);
	put_ok(k("a"), "two", &b);
	assert_int_equal(kit_store_delete(store, k("a"), a.mod_rev, NULL, NULL, &err),
			 -ECANCELED);
	assert_int_equal(kit_store_delete(store, k("a"), b.mod_rev, NULL, NULL, &err), 0);
	kit_kv_release(&a);
	kit_kv_release(&b);
}

struct counter_arg {
	const char *key;
	int rounds;
	int retries;
};

/* Read, add one, write back only if unchanged; on a conflict read again. */
static void *increment(void *p)
{
	struct counter_arg *c = p;

	for (int i = 0; i < c->rounds; i++) {
		for (;;) {
			struct kit_err err = { 0 };
			struct kit_kv kv = { 0 };
			char next[32];
			int ret;

			if (kit_store_get(store, c->key, 0, &kv, &err) < 0)
				return NULL;
			snprintf(next, sizeof(next), "%ld",
				 strtol(kv.value, NULL, 10) + 1);
			ret = kit_store_put(store, c->key, next, strlen(next), kv.mod_rev,
					    0, NULL, &err);
			kit_kv_release(&kv);
			if (ret == 0)
				break;
			if (ret != -ECANCELED)
				return NULL;
			__atomic_add_fetch(&c->retries, 1, __ATOMIC_RELAXED);
		}
	}
	return NULL;
}

static void test_cas_loses_no_update_under_contention(void **state)
{
	struct counter_arg arg = { .rounds = 25 };
	struct kit_kv kv = { 0 };
	struct kit_err err = { 0 };
	pthread_t t[4];

	(void)state;
	NEED_STORE();
	arg.key = k("counter");
	put_ok(arg.key, "0", NULL);
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, increment, &arg);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(kit_store_get(store, arg.key, 0, &kv, &err), 0);
	assert_string_equal(kv.value, "100");
	kit_kv_release(&kv);
}

/* ---- range ---------------------------------------------------------------- */

static void test_range_is_sorted_limited_and_says_more(void **state)
{
	char end[KIT_STORE_KEY_MAX + 1];
	struct kit_kv_list list;
	struct kit_err err = { 0 };
	int64_t at = 0;

	(void)state;
	NEED_STORE();
	put_ok(k("c"), "3", NULL);
	put_ok(k("a"), "1", NULL);
	put_ok(k("b"), "2", NULL);
	assert_int_equal(kit_store_range(store, pfx, kit_store_prefix_end(pfx, end), 0, 0,
					 &list, &at, &err),
			 0);
	assert_int_equal(list.len, 3);
	assert_false(list.more);
	assert_string_equal(list.items[0].key, k("a"));
	assert_string_equal(list.items[2].value, "3");
	assert_int_equal(at, revision());
	kit_kv_list_release(&list);
	assert_int_equal(kit_store_range(store, pfx, end, 0, 2, &list, &at, &err), 0);
	assert_int_equal(list.len, 2);
	assert_true(list.more);
	kit_kv_list_release(&list);
}

static void test_range_at_a_revision_is_a_snapshot(void **state)
{
	char end[KIT_STORE_KEY_MAX + 1];
	struct kit_kv_list list;
	struct kit_err err = { 0 };
	int64_t at = 0;

	(void)state;
	NEED_STORE();
	put_ok(k("a"), "1", NULL);
	put_ok(k("b"), "2", NULL);
	assert_int_equal(kit_store_range(store, pfx, kit_store_prefix_end(pfx, end), 0, 1,
					 &list, &at, &err),
			 0);
	kit_kv_list_release(&list);
	/* Changes after the first page do not show in the second. */
	put_ok(k("b"), "changed", NULL);
	put_ok(k("c"), "new", NULL);
	assert_int_equal(kit_store_delete(store, k("a"), KIT_STORE_ANY, NULL, NULL, &err),
			 0);
	assert_int_equal(kit_store_range(store, k("b"), end, at, 0, &list, NULL, &err),
			 0);
	assert_int_equal(list.len, 1);
	assert_string_equal(list.items[0].value, "2");
	kit_kv_list_release(&list);
}

static void test_range_leaves_out_deleted_keys(void **state)
{
	char end[KIT_STORE_KEY_MAX + 1];
	struct kit_kv_list list;
	struct kit_err err = { 0 };

	(void)state;
	NEED_STORE();
	put_ok(k("a"), "1", NULL);
	put_ok(k("b"), "2", NULL);
	assert_int_equal(kit_store_delete(store, k("a"), KIT_STORE_ANY, NULL, NULL, &err),
			 0);
	assert_int_equal(kit_store_range(store, pfx, kit_store_prefix_end(pfx, end), 0, 0,
					 &list, NULL, &err),
			 0);
	assert_int_equal(list.len, 1);
	assert_string_equal(list.items[0].key, k("b"));
	kit_kv_list_release(&list);
}

static void test_prefix_end(void **state)
{
	char end[KIT_STORE_KEY_MAX + 1];

	(void)state;
	assert_string_equal(kit_store_prefix_end("/a/", end), "/a0");
	assert_string_equal(kit_store_prefix_end("a\xff", end), "b");
	assert_string_equal(kit_store_prefix_end("\xff\xff", end), "");
}

static void test_bad_arguments_say_why(void **state)
{
	char key[KIT_STORE_KEY_MAX + 2];
	struct kit_err err = { 0 };

	(void)state;
	NEED_STORE();
	assert_int_equal(kit_store_put(store, "", "x", 1, KIT_STORE_ANY, 0, NULL, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "put key: EINVAL (a key must not be empty)");
	fill_string(key, KIT_STORE_KEY_MAX + 1, 'k');
	assert_int_equal(kit_store_put(store, key, "x", 1, KIT_STORE_ANY, 0, NULL, &err),
			 -ENAMETOOLONG);
	assert_int_equal(kit_store_put(store, "/k", "x", KIT_STORE_VALUE_MAX + 1,
				       KIT_STORE_ANY, 0, NULL, &err),
			 -EFBIG);
	assert_string_equal(err.msg, "put /k: EFBIG (values are at most 3 MiB)");
}

/* ---- watch ---------------------------------------------------------------- */

static struct kit_store_watch *watch_prefix(int64_t from)
{
	char end[KIT_STORE_KEY_MAX + 1];
	struct kit_store_watch *w = NULL;
	struct kit_err err = { 0 };

	if (kit_store_watch(store, pfx, kit_store_prefix_end(pfx, end), from, &w, &err) <
	    0)
		fail_msg("%s", err.msg);
	return w;
}

/* The next event within 5 s, or fail. */
static void next_event(struct kit_store_watch *w, struct kit_store_event *ev)
{
	struct kit_err err = { 0 };
	int ret = kit_store_watch_next(w, 5000, ev, &err);

	if (ret != 1)
		fail_msg("no event: %d %s", ret, err.msg);
}

static void no_event(struct kit_store_watch *w, int ms)
{
	struct kit_store_event ev;
	struct kit_err err = { 0 };

	assert_int_equal(kit_store_watch_next(w, ms, &ev, &err), 0);
}

static void test_watch_sees_live_put_and_delete(void **state)
{
	struct kit_store_watch *w;
	struct kit_store_event ev;
	struct kit_err err = { 0 };
	struct kit_kv a = { 0 };

	(void)state;
	NEED_STORE();
	w = watch_prefix(0);
	put_ok(k("a"), "one", &a);
	next_event(w, &ev);
	assert_int_equal(ev.type, KIT_STORE_PUT);
	assert_string_equal(ev.kv.key, k("a"));
	assert_string_equal(ev.kv.value, "one");
	assert_int_equal(ev.kv.mod_rev, a.mod_rev);
	kit_store_event_release(&ev);
	assert_int_equal(kit_store_delete(store, k("a"), KIT_STORE_ANY, NULL, NULL, &err),
			 0);
	next_event(w, &ev);
	assert_int_equal(ev.type, KIT_STORE_DELETE);
	assert_string_equal(ev.kv.key, k("a"));
	assert_int_equal(ev.kv.mod_rev, a.mod_rev + 1);
	assert_non_null(ev.prev.key);
	assert_string_equal(ev.prev.value, "one");
	kit_store_event_release(&ev);
	no_event(w, 200);
	kit_store_watch_cancel(w);
	kit_kv_release(&a);
}

static void test_watch_from_the_past_replays_then_goes_live(void **state)
{
	struct kit_store_watch *w;
	struct kit_store_event ev;
	struct kit_kv first = { 0 };
	const char *want[] = { "1", "2", "3", "4" };

	(void)state;
	NEED_STORE();
	put_ok(k("a"), "1", &first);
	put_ok(k("b"), "2", NULL);
	put_ok(k("a"), "3", NULL);
	w = watch_prefix(first.mod_rev);
	put_ok(k("c"), "4", NULL);
	for (int i = 0; i < 4; i++) {
		next_event(w, &ev);
		assert_string_equal(ev.kv.value, want[i]);
		assert_int_equal(ev.kv.mod_rev, first.mod_rev + i);
		kit_store_event_release(&ev);
	}
	no_event(w, 200); /* and nothing twice */
	kit_store_watch_cancel(w);
	kit_kv_release(&first);
}

static void test_watch_sees_only_its_range(void **state)
{
	struct kit_store_watch *w;
	struct kit_store_event ev;
	char other[128];

	(void)state;
	NEED_STORE();
	w = watch_prefix(0);
	snprintf(other, sizeof(other), "%.*s0", (int)strlen(pfx) - 1, pfx);
	put_ok(other, "outside", NULL);
	put_ok(k("in"), "inside", NULL);
	next_event(w, &ev);
	assert_string_equal(ev.kv.value, "inside");
	kit_store_event_release(&ev);
	kit_store_watch_cancel(w);
}

static void test_watch_fd_polls_readable_with_an_event(void **state)
{
	struct kit_store_watch *w;
	struct kit_store_event ev;
	struct timespec t0, t1;

	(void)state;
	NEED_STORE();
	w = watch_prefix(0);
	put_ok(k("a"), "1", NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		fd_set r;
		struct timeval tv = { .tv_sec = 5 };

		FD_ZERO(&r);
		FD_SET(kit_store_watch_fd(w), &r);
		assert_int_equal(select(kit_store_watch_fd(w) + 1, &r, NULL, NULL, &tv),
				 1);
		break;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec < 5);
	next_event(w, &ev);
	kit_store_event_release(&ev);
	kit_store_watch_cancel(w);
}

/* ---- many writers at once (group commit in the embedded store) ------------ */

#define WRITERS 8

static int cmp_rev(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* All writers read the key, then all try to write it back at what they
 * read, at the same moment: one per round may win. */
struct race {
	const char *key;
	pthread_barrier_t read, write, done;
	int rounds;
	int wins[64];        /* per round */
	int64_t win_rev[64]; /* the winner's new revision */
	int other_errors;
};

static void *race_writer(void *p)
{
	struct race *r = p;

	for (int round = 0; round < r->rounds; round++) {
		struct kit_err err = { 0 };
		struct kit_kv kv = { 0 }, out = { 0 };
		int ret;

		pthread_barrier_wait(&r->read);
		if (kit_store_get(store, r->key, 0, &kv, &err) < 0)
			__atomic_add_fetch(&r->other_errors, 1, __ATOMIC_RELAXED);
		pthread_barrier_wait(&r->write);
		ret = kit_store_put(store, r->key, "mine", 4, kv.mod_rev, 0, &out, &err);
		if (ret == 0) {
			__atomic_add_fetch(&r->wins[round], 1, __ATOMIC_RELAXED);
			r->win_rev[round] = out.mod_rev;
		} else if (ret != -ECANCELED || !strstr(err.msg, "compare failed")) {
			__atomic_add_fetch(&r->other_errors, 1, __ATOMIC_RELAXED);
		}
		kit_kv_release(&kv);
		kit_kv_release(&out);
		pthread_barrier_wait(&r->done);
	}
	return NULL;
}

static void test_concurrent_cas_has_one_winner_per_revision(void **state)
{
	struct race r = { .rounds = 20 };
	pthread_t t[WRITERS];
	int64_t start;

	(void)state;
	NEED_STORE();
	r.key = k("race");
	put_ok(r.key, "0", NULL);
	start = revision();
	pthread_barrier_init(&r.read, NULL, WRITERS);
	pthread_barrier_init(&r.write, NULL, WRITERS);
	pthread_barrier_init(&r.done, NULL, WRITERS);
	for (int i = 0; i < WRITERS; i++)
		pthread_create(&t[i], NULL, race_writer, &r);
	for (int i = 0; i < WRITERS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(r.other_errors, 0);
	for (int round = 0; round < r.rounds; round++) {
		assert_int_equal(r.wins[round], 1);
		assert_int_equal(r.win_rev[round], start + 1 + round);
	}
	assert_int_equal(revision(), start + r.rounds);
	pthread_barrier_destroy(&r.read);
	pthread_barrier_destroy(&r.write);
	pthread_barrier_destroy(&r.done);
}

/* Each writer puts keys of its own, and between two of them a write
 * that must fail: create-if-absent of a key that exists, delete of a key
 * that does not, a put with a lease nobody granted. */
struct crowd {
	int id, n;
	int64_t revs[50];
	int bad; /* a good write that failed, or a doomed one that did not */
	char msg[512];
};

static void *crowd_writer(void *p)
{
	struct crowd *c = p;
	char key[128], doomed[128], value[32];

	snprintf(doomed, sizeof(doomed), "%sw%d/doomed", pfx, c->id);
	for (int i = 0; i < c->n; i++) {
		struct kit_err err = { 0 };
		struct kit_kv out = { 0 };
		int ret, want;

		snprintf(key, sizeof(key), "%sw%d/%03d", pfx, c->id, i);
		snprintf(value, sizeof(value), "%d.%d", c->id, i);
		if (kit_store_put(store, key, value, strlen(value), KIT_STORE_ANY, 0,
				  &out, &err) < 0) {
			c->bad++;
			snprintf(c->msg, sizeof(c->msg), "%s", err.msg);
		}
		c->revs[i] = out.mod_rev;
		kit_kv_release(&out);
		switch (i % 3) {
		case 0:
			ret = kit_store_put(store, key, "x", 1, KIT_STORE_ABSENT, 0, NULL,
					    &err);
			want = -ECANCELED;
			break;
		case 1:
			ret = kit_store_delete(store, doomed, KIT_STORE_ANY, NULL, NULL,
					       &err);
			want = -ENOENT;
			break;
		default:
			ret = kit_store_put(store, doomed, "x", 1, KIT_STORE_ANY,
					    987654321, NULL, &err);
			want = -ENOENT;
			break;
		}
		if (ret != want) {
			c->bad++;
			snprintf(c->msg, sizeof(c->msg),
				 "doomed write %d: %d, not %d (%.400s)", i, ret, want,
				 ret < 0 ? err.msg : "it succeeded");
		}
	}
	return NULL;
}

static void test_concurrent_writes_get_consecutive_revisions(void **state)
{
	struct crowd c[WRITERS] = { 0 };
	int64_t all[WRITERS * 50], start;
	struct kit_store_watch *w;
	pthread_t t[WRITERS];
	int n = 0;

	(void)state;
	NEED_STORE();
	start = revision();
	w = watch_prefix(start + 1);
	for (int i = 0; i < WRITERS; i++) {
		c[i].id = i;
		c[i].n = 50;
		pthread_create(&t[i], NULL, crowd_writer, &c[i]);
	}
	for (int i = 0; i < WRITERS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < WRITERS; i++) {
		if (c[i].bad)
			fail_msg("writer %d: %d writes went wrong: %s", i, c[i].bad,
				 c[i].msg);
		for (int j = 0; j < c[i].n; j++) {
			if (j > 0)
				assert_true(c[i].revs[j] > c[i].revs[j - 1]);
			all[n++] = c[i].revs[j];
		}
	}
	/* The failed writes took no revision; the good ones took one each,
	 * no two the same, none skipped. */
	qsort(all, (size_t)n, sizeof(all[0]), cmp_rev);
	for (int i = 0; i < n; i++)
		assert_int_equal(all[i], start + 1 + i);
	assert_int_equal(revision(), start + n);
	/* The watcher sees every write once, in revision order, with the
	 * value its writer put at that revision. */
	for (int i = 0; i < n; i++) {
		struct kit_store_event ev;
		int id, j;

		next_event(w, &ev);
		assert_int_equal(ev.type, KIT_STORE_PUT);
		assert_int_equal(ev.kv.mod_rev, start + 1 + i);
		assert_int_equal(sscanf(ev.kv.value, "%d.%d", &id, &j), 2);
		assert_int_equal(c[id].revs[j], ev.kv.mod_rev);
		kit_store_event_release(&ev);
	}
	no_event(w, 100);
	kit_store_watch_cancel(w);
}

/* ---- compaction ----------------------------------------------------------- */

static void test_compaction_forgets_the_past(void **state)
{
	struct kit_kv a = { 0 }, b = { 0 }, got = { 0 };
	struct kit_store_watch *w = NULL;
	struct kit_err err = { 0 };
	char end[KIT_STORE_KEY_MAX + 1];
	int64_t compacted = 0;

	(void)state;
	NEED_STORE();
	put_ok(k("a"), "one", &a);
	put_ok(k("a"), "two", &b);
	put_ok(k("z"), "later", NULL);
	assert_int_equal(kit_store_compact(store, b.mod_rev, &err), 0);
	assert_int_equal(kit_store_compacted(store, &compacted, &err), 0);
	assert_int_equal(compacted, b.mod_rev);
	assert_int_equal(kit_store_get(store, k("a"), a.mod_rev, &got, &err), -ESTALE);
	/* The revision compacted to is still readable, and watchable. */
	assert_int_equal(kit_store_get(store, k("a"), b.mod_rev, &got, &err), 0);
	assert_string_equal(got.value, "two");
	kit_kv_release(&got);
	assert_int_equal(kit_store_watch(store, pfx, kit_store_prefix_end(pfx, end),
					 a.mod_rev, &w, &err),
			 -ESTALE);
	assert_non_null(strstr(err.msg, "ESTALE (list again"));
	w = watch_prefix(b.mod_rev);
	kit_store_watch_cancel(w);
	assert_int_equal(kit_store_compact(store, revision() + 5, &err), -ERANGE);
	kit_kv_release(&a);
	kit_kv_release(&b);
}

/* ---- leases --------------------------------------------------------------- */

static void test_revoking_a_lease_deletes_its_keys(void **state)
{
	struct kit_store_watch *w;
	struct kit_store_event ev;
	struct kit_kv got = { 0 };
	struct kit_err err = { 0 };
	int64_t id = 0, ttl = 0;

	(void)state;
	NEED_STORE();
	assert_int_equal(kit_store_lease_grant(store, 60, &id, &err), 0);
	assert_int_equal(
		kit_store_put(store, k("node"), "hb", 2, KIT_STORE_ANY, id, NULL, &err),
		0);
	assert_int_equal(kit_store_get(store, k("node"), 0, &got, &err), 0);
	assert_int_equal(got.lease, id);
	kit_kv_release(&got);
	assert_int_equal(kit_store_lease_keepalive(store, id, &ttl, &err), 0);
	assert_int_equal(ttl, 60);
	w = watch_prefix(0);
	assert_int_equal(kit_store_lease_revoke(store, id, &err), 0);
	next_event(w, &ev);
	assert_int_equal(ev.type, KIT_STORE_DELETE);
	assert_string_equal(ev.kv.key, k("node"));
	kit_store_event_release(&ev);
	kit_store_watch_cancel(w);
	assert_int_equal(kit_store_get(store, k("node"), 0, &got, &err), -ENOENT);
	assert_int_equal(kit_store_lease_keepalive(store, id, &ttl, &err), -ENOENT);
}

static void test_an_expired_lease_deletes_its_keys(void **state)
{
	struct kit_store_watch *w;
	struct kit_store_event ev;
	struct kit_err err = { 0 };
	int64_t id = 0;

	(void)state;
	NEED_STORE();
	assert_int_equal(kit_store_lease_grant(store, 1, &id, &err), 0);
	assert_int_equal(
		kit_store_put(store, k("node"), "hb", 2, KIT_STORE_ANY, id, NULL, &err),
		0);
	w = watch_prefix(0);
	/* etcd rounds tiny TTLs up to its minimum (a few seconds). */
	assert_int_equal(kit_store_watch_next(w, 10000, &ev, &err), 1);
	assert_int_equal(ev.type, KIT_STORE_DELETE);
	kit_store_event_release(&ev);
	kit_store_watch_cancel(w);
}

static void test_put_with_unknown_lease_is_enoent(void **state)
{
	struct kit_err err = { 0 };

	(void)state;
	NEED_STORE();
	assert_int_equal(
		kit_store_put(store, k("x"), "v", 1, KIT_STORE_ANY, 424242, NULL, &err),
		-ENOENT);
	assert_int_equal(kit_store_lease_revoke(store, 424242, &err), -ENOENT);
}

/* ---- the embedded store only ---------------------------------------------- */

/* The child writes, says "acknowledged" through a pipe, and is killed. */
static void test_sqlite_acknowledged_write_survives_kill_9(void **state)
{
	struct kit_err err = { 0 };
	struct kit_store *s2 = NULL;
	struct kit_kv got = { 0 };
	char dir[4096], ack;
	int fds[2];
	pid_t pid;

	(void)state;
	path_in(dir, workdir, "crash");
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	if (pid == 0) {
		struct kit_store *s;

		if (kit_store_open(dir, &s, &err) < 0 ||
		    kit_store_put(s, "/crash", "kept", 4, KIT_STORE_ANY, 0, NULL, &err) <
			    0)
			_exit(1);
		if (write(fds[1], "y", 1) != 1)
			_exit(1);
		for (;;)
			pause(); /* killed before it can close anything */
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], &ack, 1), 1);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(fds[0]);
	assert_int_equal(kit_store_open(dir, &s2, &err), 0);
	assert_int_equal(kit_store_get(s2, "/crash", 0, &got, &err), 0);
	assert_string_equal(got.value, "kept");
	kit_kv_release(&got);
	kit_store_close(s2);
}

/* Writers at once share transactions (and fsyncs): fewer commits than
 * writes.  (Eight writers that each wait for the disk cannot all be
 * alone: while one commits, the others queue.) */
static void test_sqlite_concurrent_writes_share_commits(void **state)
{
	int64_t writes0, commits0, writes, commits;
	struct crowd c[WRITERS] = { 0 };
	pthread_t t[WRITERS];

	(void)state;
	assert_int_equal(kit_store_sqlite_stats(store, &writes0, &commits0), 0);
	for (int i = 0; i < WRITERS; i++) {
		c[i].id = i;
		c[i].n = 50;
		pthread_create(&t[i], NULL, crowd_writer, &c[i]);
	}
	for (int i = 0; i < WRITERS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < WRITERS; i++)
		assert_int_equal(c[i].bad, 0);
	assert_int_equal(kit_store_sqlite_stats(store, &writes, &commits), 0);
	assert_int_equal(writes - writes0, 2 * WRITERS * 50);
	print_message("# %lld writes in %lld commits\n", (long long)(writes - writes0),
		      (long long)(commits - commits0));
	assert_true(commits - commits0 < writes - writes0);
}

/* The child's writers each tell the pipe "WRITER.N" after put N was
 * acknowledged; the child is killed mid-stream.  Every acknowledged put
 * must be there after reopening: a write is acknowledged only after the
 * COMMIT of its batch. */
struct acker {
	struct kit_store *s;
	int id, fd;
};

static void *acking_writer(void *p)
{
	struct acker *a = p;
	struct kit_err err = { 0 };

	for (int i = 0;; i++) {
		char key[64], line[32];
		int n;

		snprintf(key, sizeof(key), "/crash/%d/%06d", a->id, i);
		if (kit_store_put(a->s, key, "kept", 4, KIT_STORE_ANY, 0, NULL, &err) < 0)
			_exit(1);
		n = snprintf(line, sizeof(line), "%d.%d\n", a->id, i);
		if (write(a->fd, line, (size_t)n) != n) /* atomic: n < PIPE_BUF */
			_exit(1);
	}
	return NULL;
}

static void test_sqlite_batched_writes_survive_kill_9_mid_stream(void **state)
{
	struct kit_err err = { 0 };
	struct kit_store *s2 = NULL;
	int last[WRITERS], fds[2], acked = 0, id, i;
	char dir[4096], line[64];
	FILE *acks;
	pid_t pid;

	(void)state;
	path_in(dir, workdir, "crash-batch");
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	if (pid == 0) {
		struct acker a[WRITERS];
		pthread_t t;
		struct kit_store *s;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(fds[0]);
		if (kit_store_open(dir, &s, &err) < 0)
			_exit(1);
		for (int w = 0; w < WRITERS; w++) {
			a[w] = (struct acker){ .s = s, .id = w, .fd = fds[1] };
			if (pthread_create(&t, NULL, acking_writer, &a[w]))
				_exit(1);
		}
		for (;;)
			pause(); /* killed while its writers write */
	}
	close(fds[1]);
	acks = fdopen(fds[0], "r");
	assert_non_null(acks);
	for (int w = 0; w < WRITERS; w++)
		last[w] = -1;
	/* Read acks until 400 have come, kill, then drain what was sent. */
	while (fgets(line, sizeof(line), acks)) {
		assert_int_equal(sscanf(line, "%d.%d", &id, &i), 2);
		assert_int_equal(i, last[id] + 1); /* each writer's acks in order */
		last[id] = i;
		if (++acked == 400)
			kill(pid, SIGKILL);
	}
	fclose(acks);
	waitpid(pid, NULL, 0);
	assert_true(acked >= 400);
	assert_int_equal(kit_store_open(dir, &s2, &err), 0);
	for (int w = 0; w < WRITERS; w++) {
		for (i = 0; i <= last[w]; i++) {
			struct kit_kv got = { 0 };
			char key[64];

			snprintf(key, sizeof(key), "/crash/%d/%06d", w, i);
			if (kit_store_get(s2, key, 0, &got, &err) < 0)
				fail_msg("acknowledged %s lost: %s", key, err.msg);
			kit_kv_release(&got);
		}
	}
	kit_store_close(s2);
}

/* The child's writers put 16 KiB values until the "disk" is full
 * (RLIMIT_FSIZE: writing past it fails, as on a full disk), telling the
 * pipe "ok W.N" or "fail W.N ERRNO MESSAGE" for each. */
static void *filling_writer(void *p)
{
	struct acker *a = p;
	static char value[16384];

	memset(value, 'v', sizeof(value));
	for (int i = 0; i < 200; i++) {
		struct kit_err err = { 0 };
		char key[64], line[600];
		int n, ret;

		snprintf(key, sizeof(key), "/full/%d/%06d", a->id, i);
		ret = kit_store_put(a->s, key, value, sizeof(value), KIT_STORE_ANY, 0,
				    NULL, &err);
		n = snprintf(line, sizeof(line), "%s %d.%d %d %.500s\n",
			     ret == 0 ? "ok" : "fail", a->id, i, -ret, err.msg);
		if (write(a->fd, line, (size_t)n) != n)
			_exit(1);
		if (ret < 0)
			break;
	}
	return NULL;
}

/* After reopening, every acknowledged write is there and no failed one
 * is: a batch that could not be written fails whole, and says why. */
static void test_sqlite_full_disk_fails_whole_batches_only(void **state)
{
	static char outcome[WRITERS][200]; /* 'o'k, 'f'ailed */
	struct kit_err err = { 0 };
	struct kit_store *s2 = NULL;
	int fds[2], oks = 0, fails = 0, id, i, code;
	char dir[4096], line[700], verdict[8], msg[600];
	FILE *acks;
	pid_t pid;

	(void)state;
	memset(outcome, 0, sizeof(outcome));
	path_in(dir, workdir, "full");
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	if (pid == 0) {
		struct rlimit lim = { 1 << 20, 1 << 20 };
		struct acker a[WRITERS];
		pthread_t t[WRITERS];
		struct kit_store *s;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(fds[0]);
		signal(SIGXFSZ, SIG_IGN); /* write() fails with EFBIG instead */
		if (kit_store_open(dir, &s, &err) < 0 ||
		    kit_store_put(s, "/full/first", "x", 1, KIT_STORE_ANY, 0, NULL,
				  &err) < 0 ||
		    setrlimit(RLIMIT_FSIZE, &lim) < 0)
			_exit(1);
		for (int w = 0; w < WRITERS; w++) {
			a[w] = (struct acker){ .s = s, .id = w, .fd = fds[1] };
			if (pthread_create(&t[w], NULL, filling_writer, &a[w]))
				_exit(1);
		}
		for (int w = 0; w < WRITERS; w++)
			pthread_join(t[w], NULL);
		_exit(0); /* no close: as if it crashed here */
	}
	close(fds[1]);
	acks = fdopen(fds[0], "r");
	assert_non_null(acks);
	while (fgets(line, sizeof(line), acks)) {
		msg[0] = '\0';
		assert_true(sscanf(line, "%7s %d.%d %d %599[^\n]", verdict, &id, &i,
				   &code, msg) >= 4);
		assert_true(id >= 0 && id < WRITERS && i >= 0 && i < 200);
		outcome[id][i] = verdict[0];
		if (verdict[0] == 'o') {
			oks++;
			continue;
		}
		if (fails++ == 0)
			print_message("# first failure: %s\n", msg);
		assert_true(code == EIO || code == ENOSPC);
		assert_non_null(strstr(msg, "/state.db: E"));
		if (code == EIO)
			assert_non_null(strstr(msg, "is the disk full or failing?"));
	}
	fclose(acks);
	waitpid(pid, NULL, 0);
	print_message("# %d writes acknowledged, then %d failed\n", oks, fails);
	assert_true(oks > 0);
	assert_true(fails > 0);
	assert_int_equal(kit_store_open(dir, &s2, &err), 0);
	for (id = 0; id < WRITERS; id++) {
		for (i = 0; i < 200 && outcome[id][i]; i++) {
			struct kit_kv got = { 0 };
			char key[64];
			int ret;

			snprintf(key, sizeof(key), "/full/%d/%06d", id, i);
			ret = kit_store_get(s2, key, 0, &got, &err);
			kit_kv_release(&got);
			if (outcome[id][i] == 'o' && ret != 0)
				fail_msg("acknowledged %s lost: %s", key, err.msg);
			if (outcome[id][i] == 'f' && ret != -ENOENT)
				fail_msg("failed %s is there: %d", key, ret);
		}
	}
	kit_store_close(s2);
}

static void test_sqlite_watch_sees_another_process_write(void **state)
{
	char dir[4096];
	struct kit_err err = { 0 };
	struct kit_store *other = NULL;
	struct kit_store_watch *w;
	struct kit_store_event ev;

	(void)state;
	path_in(dir, workdir, "data");
	assert_int_equal(kit_store_open(dir, &other, &err), 0);
	w = watch_prefix(0);
	assert_int_equal(kit_store_put(other, k("x"), "from the other", 14, KIT_STORE_ANY,
				       0, NULL, &err),
			 0);
	next_event(w, &ev);
	assert_string_equal(ev.kv.value, "from the other");
	kit_store_event_release(&ev);
	kit_store_watch_cancel(w);
	kit_store_close(other);
}

static void test_sqlite_watch_outlives_close(void **state)
{
	char dir[4096];
	struct kit_err err = { 0 };
	struct kit_store *s = NULL;
	struct kit_store_watch *w = NULL;
	struct kit_store_event ev;

	(void)state;
	path_in(dir, workdir, "close");
	assert_int_equal(kit_store_open(dir, &s, &err), 0);
	assert_int_equal(kit_store_watch(s, "/", "", 0, &w, &err), 0);
	kit_store_close(s);
	assert_int_equal(kit_store_watch_next(w, 1000, &ev, &err), -ECONNRESET);
	assert_string_equal(err.msg, "watch: ECONNRESET (the store was closed)");
	kit_store_watch_cancel(w); /* frees the store too */
}

static void test_sqlite_open_under_a_file_says_why(void **state)
{
	char file[4096], dir[4096 + 8];
	struct kit_err err = { 0 };
	struct kit_store *s = NULL;

	(void)state;
	path_in(file, workdir, "plain");
	put_file(file, "x");
	snprintf(dir, sizeof(dir), "%s/sub", file);
	assert_int_equal(kit_store_open(dir, &s, &err), -ENOTDIR);
	assert_non_null(strstr(err.msg, "open store: "));
}

static void test_sqlite_not_a_database_says_why(void **state)
{
	char dir[4096], db[4096 + 16];
	struct kit_err err = { 0 };
	struct kit_store *s = NULL;

	(void)state;
	path_in(dir, workdir, "junk");
	mkdir(dir, 0700);
	snprintf(db, sizeof(db), "%s/state.db", dir);
	put_file(db, "this is not an SQLite file, but it is long enough to look at it");
	assert_int_equal(kit_store_open(dir, &s, &err), -EILSEQ);
	assert_non_null(strstr(err.msg, "not an SQLite database"));
}

/* ---- etcd only ------------------------------------------------------------ */

static void test_etcd_wrong_url_says_is_etcd_running(void **state)
{
	struct kit_err err = { 0 };
	struct kit_store *s = NULL;
	char url[64];

	(void)state;
	NEED_STORE();
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", free_port());
	assert_int_equal(kit_store_open(url, &s, &err), -ECONNREFUSED);
	assert_non_null(strstr(err.msg, "is etcd running at"));
}

#define T(f) cmocka_unit_test_setup(f, new_prefix)

int main(void)
{
	const struct CMUnitTest model[] = {
		T(test_put_creates_key_at_new_revision),
		T(test_second_put_counts_version_keeps_create_rev),
		T(test_get_at_old_revision_sees_old_value),
		T(test_get_missing_key_is_enoent),
		T(test_get_future_revision_is_erange),
		T(test_delete_makes_a_revision_and_keeps_the_past),
		T(test_delete_missing_key_is_enoent),
		T(test_recreated_key_starts_again_at_version_1),
		T(test_cas_put_at_current_revision_succeeds),
		T(test_cas_put_at_stale_revision_is_ecanceled),
		T(test_create_if_absent),
		T(test_cas_on_missing_key_is_ecanceled),
		T(test_cas_delete),
		T(test_cas_loses_no_update_under_contention),
		T(test_range_is_sorted_limited_and_says_more),
		T(test_range_at_a_revision_is_a_snapshot),
		T(test_range_leaves_out_deleted_keys),
		T(test_bad_arguments_say_why),
		T(test_watch_sees_live_put_and_delete),
		T(test_watch_from_the_past_replays_then_goes_live),
		T(test_watch_sees_only_its_range),
		T(test_watch_fd_polls_readable_with_an_event),
		T(test_revoking_a_lease_deletes_its_keys),
		T(test_an_expired_lease_deletes_its_keys),
		T(test_put_with_unknown_lease_is_enoent),
		T(test_concurrent_cas_has_one_winner_per_revision),
		T(test_concurrent_writes_get_consecutive_revisions),
		/* Last: it makes the old revisions of every test unreadable. */
		T(test_compaction_forgets_the_past),
	};
	const struct CMUnitTest sqlite_only[] = {
		T(test_sqlite_acknowledged_write_survives_kill_9),
		T(test_sqlite_concurrent_writes_share_commits),
		T(test_sqlite_batched_writes_survive_kill_9_mid_stream),
		T(test_sqlite_full_disk_fails_whole_batches_only),
		T(test_sqlite_watch_sees_another_process_write),
		T(test_sqlite_watch_outlives_close),
		T(test_sqlite_open_under_a_file_says_why),
		T(test_sqlite_not_a_database_says_why),
	};
	const struct CMUnitTest etcd_only[] = {
		T(test_etcd_wrong_url_says_is_etcd_running),
	};
	const struct CMUnitTest helpers[] = {
		cmocka_unit_test(test_prefix_end),
	};
	int failed = 0;

	failed += cmocka_run_group_tests_name("common/store.c helpers", helpers, NULL,
					      NULL);
	failed += cmocka_run_group_tests_name("store conformance: embedded sqlite", model,
					      open_sqlite, close_store);
	failed += cmocka_run_group_tests_name("store: embedded sqlite only", sqlite_only,
					      open_sqlite, close_store);
	failed += cmocka_run_group_tests_name("store conformance: real etcd", model,
					      open_etcd, close_store);
	failed += cmocka_run_group_tests_name("store: real etcd only", etcd_only,
					      open_etcd, close_store);
	return failed;
}
