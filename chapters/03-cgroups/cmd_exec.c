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
#include <getopt.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"
#include "kit/log.h"
#include "kit/proc.h"

#define MAX_SPECS 16

int cmd_exec(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "group", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct group_spec spec[MAX_SPECS];
	struct kit_cgroup cg[MAX_SPECS];
	struct kit_err err = { 0 };
	int n = 0, c, ret;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+g:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'g':
			if (n == MAX_SPECS)
				cli_usage(cli, argv[0], stderr, 2);
			if (cli_parse_spec(optarg, &spec[n++], &err) < 0)
				return cli_fail(cli, &err);
			break;
		case 'h': cli_usage(cli, argv[0], stdout, EXIT_SUCCESS);
		default: cli_usage(cli, argv[0], stderr, 2);
		}
	}
	if (n == 0 || optind == argc)
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
