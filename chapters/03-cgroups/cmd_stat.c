/* SPDX-License-Identifier: MIT */
/*
 * cmd_stat.c - `mini-cgroup stat PATH`: what a group uses and what limited
 * it.  cgroup-tools has cgget for the raw files; this reads the same facts
 * on v1 and v2 (common/cgroup_stat.c has the two tables of file names).
 *
 *   --raw   one "name value" line per fact, for scripts: "max" for no
 *           limit, "-" for what this kernel does not report.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The facts, in the order --raw prints them. */
static const struct {
	const char *name;
	size_t offset;
} facts[] = {
#define FACT(f)                                                                          \
	{                                                                                \
#f, offsetof(struct kit_cgroup_stat, f)                                  \
	}
	FACT(memory_current), FACT(memory_max),     FACT(memory_peak),
	FACT(memory_failcnt), FACT(oom_events),     FACT(oom_kills),
	FACT(cpu_usage_usec), FACT(cpu_quota_usec), FACT(cpu_period_usec),
	FACT(nr_periods),     FACT(nr_throttled),   FACT(throttled_usec),
	FACT(pids_current),   FACT(pids_max),       FACT(pids_refused),
#undef FACT
};

static uint64_t fact(const struct kit_cgroup_stat *st, size_t offset)
{
	return *(const uint64_t *)((const char *)st + offset);
}

/* A byte count for people: "50.0 MiB"; "max"; "-" if not reported. */
static const char *bytes(uint64_t v, char *buf, size_t size)
{
	if (v == UINT64_MAX)
		return "-";
	if (v == KIT_CGROUP_UNLIMITED)
		return "max";
	if (v < 1024 * 1024)
		snprintf(buf, size, "%.1f KiB", (double)v / 1024);
	else
		snprintf(buf, size, "%.1f MiB", (double)v / (1024 * 1024));
	return buf;
}

/* A counter: the number, or "-" if not reported. */
static const char *count(uint64_t v, char *buf, size_t size)
{
	if (v == UINT64_MAX)
		return "-";
	if (v == KIT_CGROUP_UNLIMITED)
		return "max";
	snprintf(buf, size, "%" PRIu64, v);
	return buf;
}

static void print_human(const struct kit_cgroup *cg, const struct kit_cgroup_stat *st)
{
	char a[32], b[32], c[32], d[32], names[128];

	printf("group   %s (cgroup v%d: %s)\n", cg->path,
	       cg->host->driver == KIT_CGROUP_V2 ? 2 : 1,
	       kit_cgroup_controllers_describe(cg->controllers, cg->host->driver, names,
					       sizeof(names)));
	if (cg->controllers & KIT_CG_MEMORY)
		printf("memory  %s used, limit %s, peak %s; OOM kills %s\n",
		       bytes(st->memory_current, a, sizeof(a)),
		       bytes(st->memory_max, b, sizeof(b)),
		       bytes(st->memory_peak, c, sizeof(c)),
		       count(st->oom_kills, d, sizeof(d)));
	if (st->cpu_usage_usec != UINT64_MAX)
		printf("cpu     %.3f s used", (double)st->cpu_usage_usec / 1e6);
	if (cg->controllers & KIT_CG_CPU) {
		if (st->cpu_quota_usec == KIT_CGROUP_UNLIMITED ||
		    st->cpu_period_usec == 0)
			printf(", limit max");
		else if (st->cpu_quota_usec != UINT64_MAX)
			printf(", limit %.2f cores (%" PRIu64 " us every %" PRIu64 " us)",
			       (double)st->cpu_quota_usec / (double)st->cpu_period_usec,
			       st->cpu_quota_usec, st->cpu_period_usec);
		printf("; throttled in %s of %s periods, %.3f s in all",
		       count(st->nr_throttled, a, sizeof(a)),
		       count(st->nr_periods, b, sizeof(b)),
		       st->throttled_usec == UINT64_MAX
			       ? 0.0
			       : (double)st->throttled_usec / 1e6);
	}
	if (st->cpu_usage_usec != UINT64_MAX || (cg->controllers & KIT_CG_CPU))
		printf("\n");
	if (cg->controllers & KIT_CG_PIDS)
		printf("pids    %s of %s; forks refused %s\n",
		       count(st->pids_current, a, sizeof(a)),
		       count(st->pids_max, b, sizeof(b)),
		       count(st->pids_refused, c, sizeof(c)));
}

int cmd_stat(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "raw", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct kit_cgroup_stat st;
	struct kit_err err = { 0 };
	struct kit_cgroup cg;
	bool raw = false;
	char buf[32];
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+rh", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': raw = true; break;
		case 'h': cli_usage(cli, argv[0], stdout, EXIT_SUCCESS);
		default: cli_usage(cli, argv[0], stderr, 2);
		}
	}
	if (optind != argc - 1)
		cli_usage(cli, argv[0], stderr, 2);
	if (kit_cgroup_open(&cli->host, argv[optind], 0, &cg, &err) < 0 ||
	    kit_cgroup_stat(&cg, &st, &err) < 0)
		return cli_fail(cli, &err);
	if (!raw) {
		print_human(&cg, &st);
		return 0;
	}
	for (size_t i = 0; i < sizeof(facts) / sizeof(facts[0]); i++)
		printf("%s %s\n", facts[i].name,
		       count(fact(&st, facts[i].offset), buf, sizeof(buf)));
	return 0;
}
