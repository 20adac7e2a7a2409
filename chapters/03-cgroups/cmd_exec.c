/* SPDX-License-Identifier: MIT */
/*
 * cmd_exec.c - `mini-cgroup exec -g CONTROLLERS:PATH -- COMMAND`, like
 * cgexec.
 *
 * Article: §2.3, `sudo cgexec -g memory:my-process bash`.  There is no
 * "start a process in a group" system call in this story: the program moves
 * itself into the group (its pid into cgroup.procs), then execs the
 * command, which stays there, and so do all the children it forks.
 */
#define _GNU_SOURCE
#include <getopt.h> /* optind */
#include <unistd.h>

#include "cli.h"
#include "kit/log.h"
#include "kit/proc.h"

int cmd_exec(struct cli *cli, int argc, char **argv)
{
	struct group_spec spec[CLI_MAX_SPECS];
	struct kit_cgroup cg[CLI_MAX_SPECS];
	struct kit_err err = { 0 };
	int n, ret;

	n = cli_parse_groups(cli, argc, argv, spec, &err);
	if (n < 0)
		return cli_fail(cli, &err);
	if (optind == argc)
		cli_usage(cli, argv[0], stderr, 2);

	/* 1. The groups must exist (cgexec does not create them either). */
	for (int i = 0; i < n; i++)
		if (kit_cgroup_open(&cli->host, spec[i].path, spec[i].controllers, &cg[i],
				    &err) < 0)
			return cli_fail(cli, &err);

	/* 2. Move ourselves in: what we exec next, and its children, stay. */
	for (int i = 0; i < n; i++) {
		if (kit_cgroup_attach(&cg[i], 0, &err) < 0)
			return cli_fail(cli, &err);
		kit_info("moved pid %d into %s", (int)getpid(), cg[i].path);
	}

	/* 3. Become the command. */
	ret = kit_exec(argv + optind, &err);
	cli_fail(cli, &err);
	return kit_exec_exit_code(-ret);
}
