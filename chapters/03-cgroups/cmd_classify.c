/* SPDX-License-Identifier: MIT */
/*
 * cmd_classify.c - `mini-cgroup classify -g CONTROLLERS:PATH PID...`, like
 * cgclassify.
 *
 * Article: §2.3, `echo <PID> | sudo tee /sys/fs/cgroup/memory/my-process/
 * tasks`: a running process changes group.  Its memory already charged
 * stays with the old group (v1 without memory.move_charge_at_immigrate,
 * and always on v2); what it uses from now on counts in the new one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h> /* optind */
#include <limits.h>
#include <signal.h>
#include <stdlib.h>

#include "cli.h"
#include "kit/log.h"

/* A pid argument: digits only, an existing process.  0 or -errno. */
static int parse_pid(const char *arg, pid_t *pid, struct kit_err *err)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v <= 0 || v > INT_MAX)
		return kit_err_set(err, EINVAL, "a process id is a positive number",
				   "parse pid '%s'", arg);
	/* Signal 0 checks that the process exists without touching it. */
	if (kill((pid_t)v, 0) < 0 && errno == ESRCH)
		return kit_err_set(err, ESRCH, "no such process: has it exited?",
				   "find pid %ld", v);
	*pid = (pid_t)v;
	return 0;
}

int cmd_classify(struct cli *cli, int argc, char **argv)
{
	struct group_spec spec[CLI_MAX_SPECS];
	struct kit_cgroup cg[CLI_MAX_SPECS];
	struct kit_err err = { 0 };
	int n;

	n = cli_parse_groups(cli, argc, argv, spec, &err);
	if (n < 0)
		return cli_fail(cli, &err);
	if (optind == argc)
		cli_usage(cli, argv[0], stderr, 2);

	/* 1. Check the pids and the groups before moving anything. */
	for (int i = optind; i < argc; i++) {
		pid_t pid;

		if (parse_pid(argv[i], &pid, &err) < 0)
			return cli_fail(cli, &err);
	}
	for (int i = 0; i < n; i++)
		if (kit_cgroup_open(&cli->host, spec[i].path, spec[i].controllers, &cg[i],
				    &err) < 0)
			return cli_fail(cli, &err);

	/* 2. One write to cgroup.procs per process and hierarchy. */
	for (int i = optind; i < argc; i++) {
		pid_t pid = (pid_t)atoi(argv[i]);

		for (int j = 0; j < n; j++) {
			if (kit_cgroup_attach(&cg[j], pid, &err) < 0)
				return cli_fail(cli, &err);
			kit_info("moved pid %d into %s", (int)pid, cg[j].path);
		}
	}
	return 0;
}
