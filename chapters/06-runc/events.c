/* SPDX-License-Identifier: MIT */
/*
 * events.c - `mini-runc events`: what a container uses, as runc prints it.
 *
 * Article §2.3 and §3.1: the numbers behind `docker stats` are the
 * container's cgroup files (memory usage and limit, CPU time and
 * throttling, the number of tasks), read through chapter 03's driver.
 *
 *   events --stats ID        one {"type":"stats","id":ID,"data":{...}} line
 *   events [--interval 5s] ID
 *                            a stats line every interval, an
 *                            {"type":"oom","id":ID} line when the kernel's
 *                            OOM killer acts in the container, until the
 *                            container stops (then exit 0)
 *
 * The "data" object has the shape of runc's (cpu.usage.total in ns,
 * cpu.throttling, memory.usage.{usage,limit,max,failcnt}, pids.{current,
 * limit}); what the kit's driver does not read (per-CPU times, swap,
 * block I/O, hugetlb) is left out.  OOM kills are noticed by polling the
 * counter every 100 ms (runc waits on an eventfd or inotify instead).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kit/cgroup.h"
#include "runc.h"

#define OOM_POLL_MS 100

/* A Go-style duration: "5s", "250ms", "1.5m", "2h"; > 0, at most a day. */
static int parse_interval(const char *text, long *ms, struct kit_err *err)
{
	static const struct {
		const char *unit;
		double ms;
	} units[] = { { "ms", 1 }, { "s", 1e3 }, { "m", 60e3 }, { "h", 3600e3 } };
	char *end;
	double v;

	errno = 0;
	v = strtod(text, &end);
	for (size_t i = 0; !errno && end != text && i < sizeof(units) / sizeof(units[0]);
	     i++) {
		/* false for NaN too; infinity is above a day */
		if (strcmp(end, units[i].unit) == 0 && v * units[i].ms >= 1 &&
		    v * units[i].ms <= 86400e3) {
			*ms = (long)(v * units[i].ms + 0.5);
			return 0;
		}
	}
	return kit_err_set(err, EINVAL,
			   "a duration such as 5s, 250ms or 1m (1 ms to 24 h)",
			   "events --interval %s", text);
}

/* A uint64 printed exactly (a double would round 9223372036854771712,
 * v1's "no memory limit"); a counter this host does not report
 * (UINT64_MAX from kit_cgroup_stat) is left out, as runc leaves out
 * empty ones. */
static void add_raw(cJSON *o, const char *key, uint64_t v)
{
	char text[24];

	snprintf(text, sizeof(text), "%llu", (unsigned long long)v);
	cJSON_AddRawToObject(o, key, text);
}

static void add_u64(cJSON *o, const char *key, uint64_t v)
{
	if (v != UINT64_MAX)
		add_raw(o, key, v);
}

/* runc's stats object, from what the driver read. */
static cJSON *stats_json(const struct kit_cgroup_stat *s)
{
	cJSON *data = cJSON_CreateObject();
	cJSON *cpu = cJSON_AddObjectToObject(data, "cpu");
	cJSON *usage = cJSON_AddObjectToObject(cpu, "usage");
	cJSON *thr = cJSON_AddObjectToObject(cpu, "throttling");
	cJSON *mem = cJSON_AddObjectToObject(data, "memory");
	cJSON *mu = cJSON_AddObjectToObject(mem, "usage");
	cJSON *pids = cJSON_AddObjectToObject(data, "pids");

	add_u64(usage, "total",
		s->cpu_usage_usec == UINT64_MAX ? UINT64_MAX : s->cpu_usage_usec * 1000);
	add_u64(thr, "periods", s->nr_periods);
	add_u64(thr, "throttledPeriods", s->nr_throttled);
	add_u64(thr, "throttledTime",
		s->throttled_usec == UINT64_MAX ? UINT64_MAX : s->throttled_usec * 1000);
	add_u64(mu, "usage", s->memory_current);
	/* no limit: runc says UINT64_MAX (v2's "max"); for pids, 0 */
	add_raw(mu, "limit",
		s->memory_max == KIT_CGROUP_UNLIMITED ? UINT64_MAX : s->memory_max);
	add_u64(mu, "max", s->memory_peak);
	add_u64(mu, "failcnt", s->memory_failcnt);
	add_u64(pids, "current", s->pids_current);
	add_u64(pids, "limit", s->pids_max == KIT_CGROUP_UNLIMITED ? 0 : s->pids_max);
	return data;
}

/* One event line: {"type":TYPE,"id":ID[,"data":DATA]}, flushed. */
static void print_event(const char *type, const char *id, cJSON *data)
{
	cJSON *ev = cJSON_CreateObject();
	char *text;

	cJSON_AddStringToObject(ev, "type", type);
	cJSON_AddStringToObject(ev, "id", id);
	if (data)
		cJSON_AddItemToObject(ev, "data", data);
	text = cJSON_PrintUnformatted(ev);
	if (text)
		printf("%s\n", text);
	fflush(stdout);
	free(text);
	cJSON_Delete(ev);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* The stream: stats each interval, oom when the kill counter grows. */
static int stream(struct runc_state *st, long interval_ms, struct kit_err *err)
{
	struct kit_cgroup_stat s;
	uint64_t ooms;
	long since = interval_ms; /* the first stats line at once */

	if (runc_cgroup_stat(st, &s, err) < 0)
		return -1;
	ooms = s.oom_kills;
	for (;;) {
		bool stopped = runc_state_status(st) == RUNC_STOPPED;
		uint64_t now;

		if (runc_cgroup_stat(st, &s, err) < 0)
			return stopped ? 0 : -1; /* deleted under us once stopped */
		now = s.oom_kills;
		if (now > ooms)
			print_event("oom", st->id, NULL);
		ooms = now;
		if (stopped)
			return 0;
		if (since >= interval_ms) {
			print_event("stats", st->id, stats_json(&s));
			since = 0;
		}
		sleep_ms(OOM_POLL_MS < interval_ms ? OOM_POLL_MS : interval_ms);
		since += OOM_POLL_MS < interval_ms ? OOM_POLL_MS : interval_ms;
	}
}

int cmd_events(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "stats", no_argument, NULL, 's' },
		{ "interval", required_argument, NULL, 'i' },
		{ 0 },
	};
	struct kit_err err = { 0 };
	struct runc_state st;
	bool once = false;
	long interval_ms = 5000;
	int opt, ret;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		if (opt == 's') {
			once = true;
		} else if (opt == 'i') {
			if (parse_interval(optarg, &interval_ms, &err) < 0) {
				runc_log_error(err.msg);
				return 2;
			}
		} else {
			return runc_usage_error(
				"events", "usage: events [--stats] [--interval 5s] ID");
		}
	}
	if (optind + 1 != argc)
		return runc_usage_error("events",
					"usage: events [--stats] [--interval 5s] ID");
	ret = runc_state_load(argv[optind], &st, &err);
	if (ret == 0 && runc_state_status(&st) == RUNC_STOPPED)
		ret = kit_err_set(&err, EINVAL, "it has no processes left to measure",
				  "events for container %s: it is stopped", st.id);
	if (ret == 0 && once) {
		struct kit_cgroup_stat s;

		ret = runc_cgroup_stat(&st, &s, &err);
		if (ret == 0)
			print_event("stats", st.id, stats_json(&s));
	} else if (ret == 0) {
		ret = stream(&st, interval_ms, &err);
	}
	runc_state_release(&st);
	return ret < 0 ? runc_fail_cmd(&err) : 0;
}
