/* SPDX-License-Identifier: MIT */
/*
 * cmd_delete.c - `mini-cgroup delete [--force] PATH`, like cgdelete -r.
 *
 * A group is removed with rmdir(2) although it is full of files: cgroupfs
 * files are not real files.  What the kernel refuses (EBUSY) is removing a
 * group that still has processes or child groups: so children go first,
 * and --force kills the processes (v2: cgroup.kill; v1: SIGKILL to each).
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdlib.h>

#include "cli.h"
#include "kit/log.h"

int cmd_delete(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct kit_err err = { 0 };
	struct kit_cgroup cg;
	bool force = false;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+fh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': force = true; break;
		case 'h': cli_usage(cli, argv[0], stdout, EXIT_SUCCESS);
		default: cli_usage(cli, argv[0], stderr, 2);
		}
	}
	if (optind == argc)
		cli_usage(cli, argv[0], stderr, 2);
	/* Check every path first: a typo must not stop a half-done delete. */
	for (int i = optind; i < argc; i++)
		if (kit_cgroup_check_path(argv[i], &err) < 0)
			return cli_fail(cli, &err);
	for (int i = optind; i < argc; i++) {
		if (kit_cgroup_open(&cli->host, argv[i], 0, &cg, &err) < 0 ||
		    kit_cgroup_delete(&cg, force, &err) < 0)
			return cli_fail(cli, &err);
		kit_info("deleted %s", cg.path);
	}
	return 0;
}
