/* SPDX-License-Identifier: MIT */
/*
 * test_workqueue.c - unit tests for common/workqueue.c: de-duplication,
 * a key never handed to two workers at once, a key that changes while
 * being worked on comes back once, delays, per-key exponential back-off.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h> /* cmocka.h needs these three first */
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kit/workqueue.h"

static char *get_now(struct kit_wq *q)
{
	char *key = NULL;

	assert_int_equal(kit_wq_get_timeout(q, &key, 1000), 0);
	return key;
}

static void test_adds_of_one_key_are_merged(void **state)
{
	struct kit_wq *q = kit_wq_new(10, 1000);
	char *k;

	(void)state;
	for (int i = 0; i < 100; i++)
		assert_int_equal(kit_wq_add(q, "default/web"), 0);
	assert_int_equal(kit_wq_add(q, "default/db"), 0);
	assert_int_equal(kit_wq_len(q), 2);
	k = get_now(q);
	assert_string_equal(k, "default/web"); /* FIFO */
	kit_wq_done(q, k);
	free(k);
	k = get_now(q);
	assert_string_equal(k, "default/db");
	kit_wq_done(q, k);
	free(k);
	assert_int_equal(kit_wq_len(q), 0);
	assert_int_equal(kit_wq_get_timeout(q, &k, 20), -ETIMEDOUT);
	assert_null(k);
	kit_wq_free(q);
}

static void test_key_in_progress_is_not_handed_out_twice(void **state)
{
	struct kit_wq *q = kit_wq_new(10, 1000);
	char *k, *again;

	(void)state;
	kit_wq_add(q, "a");
	k = get_now(q);
	/* changed while a worker has it: queued, but not for a second worker */
	kit_wq_add(q, "a");
	kit_wq_add(q, "a");
	assert_int_equal(kit_wq_len(q), 0);
	assert_int_equal(kit_wq_get_timeout(q, &again, 20), -ETIMEDOUT);
	kit_wq_done(q, k);
	/* ... and back exactly once when the worker is done */
	assert_int_equal(kit_wq_len(q), 1);
	again = get_now(q);
	assert_string_equal(again, "a");
	kit_wq_done(q, again);
	assert_int_equal(kit_wq_len(q), 0);
	free(k);
	free(again);
	kit_wq_free(q);
}

static void test_backoff_doubles_per_failure_up_to_max(void **state)
{
	struct kit_wq *q = kit_wq_new(5, 40);
	unsigned expect[] = { 5, 10, 20, 40, 40, 40 };

	(void)state;
	for (int i = 0; i < 6; i++) {
		assert_int_equal(kit_wq_backoff_ms(q, "k"), expect[i]);
		assert_int_equal(kit_wq_add_rate_limited(q, "k"), 0);
		assert_int_equal(kit_wq_failures(q, "k"), i + 1);
	}
	kit_wq_forget(q, "k");
	assert_int_equal(kit_wq_failures(q, "k"), 0);
	assert_int_equal(kit_wq_backoff_ms(q, "k"), 5);
	kit_wq_free(q);
}

static long elapsed_ms(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) / 1000000;
}

static void test_delayed_key_waits_its_time(void **state)
{
	struct kit_wq *q = kit_wq_new(10, 1000);
	struct timespec t0;
	char *k;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	kit_wq_add_after(q, "later", 80);
	assert_int_equal(kit_wq_len(q), 0);
	k = get_now(q);
	assert_string_equal(k, "later");
	assert_true(elapsed_ms(&t0) >= 75);
	kit_wq_done(q, k);
	free(k);
	/* a plain add overtakes a pending delay */
	kit_wq_add_after(q, "x", 5000);
	kit_wq_add(q, "x");
	k = get_now(q);
	assert_string_equal(k, "x");
	kit_wq_done(q, k);
	free(k);
	kit_wq_free(q);
}

static void *shut_later(void *arg)
{
	struct timespec ts = { 0, 30 * 1000000 };

	nanosleep(&ts, NULL);
	kit_wq_shutdown(arg);
	return NULL;
}

static void test_shutdown_wakes_waiting_workers(void **state)
{
	struct kit_wq *q = kit_wq_new(10, 1000);
	pthread_t t;
	char *k;

	(void)state;
	pthread_create(&t, NULL, shut_later, q);
	assert_int_equal(kit_wq_get(q, &k), -ESHUTDOWN);
	pthread_join(t, NULL);
	assert_int_equal(kit_wq_add(q, "late"), -ESHUTDOWN);
	kit_wq_free(q);
}

struct race {
	struct kit_wq *q;
	int busy[8];
	int overlaps, handled;
	pthread_mutex_t lock;
};

static void *racer(void *arg)
{
	struct race *r = arg;
	char *k;

	while (kit_wq_get(r->q, &k) == 0) {
		int i = k[0] - '0';

		pthread_mutex_lock(&r->lock);
		r->overlaps += r->busy[i]++;
		r->handled++;
		pthread_mutex_unlock(&r->lock);
		kit_wq_add(r->q, k); /* changed again meanwhile */
		pthread_mutex_lock(&r->lock);
		r->busy[i]--;
		pthread_mutex_unlock(&r->lock);
		kit_wq_done(r->q, k);
		free(k);
		if (r->handled > 2000)
			kit_wq_shutdown(r->q);
	}
	return NULL;
}

static void test_four_workers_never_share_a_key(void **state)
{
	struct race r = { .q = kit_wq_new(1, 10) };
	pthread_t t[4];

	(void)state;
	pthread_mutex_init(&r.lock, NULL);
	for (int i = 0; i < 8; i++) {
		char key[2] = { (char)('0' + i), 0 };

		kit_wq_add(r.q, key);
	}
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, racer, &r);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	assert_true(r.handled > 2000);
	assert_int_equal(r.overlaps, 0);
	kit_wq_free(r.q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_adds_of_one_key_are_merged),
		cmocka_unit_test(test_key_in_progress_is_not_handed_out_twice),
		cmocka_unit_test(test_backoff_doubles_per_failure_up_to_max),
		cmocka_unit_test(test_delayed_key_waits_its_time),
		cmocka_unit_test(test_shutdown_wakes_waiting_workers),
		cmocka_unit_test(test_four_workers_never_share_a_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
