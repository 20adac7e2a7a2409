/* SPDX-License-Identifier: MIT */
/*
 * cmd_create.c - `mini-cgroup create -g CONTROLLERS:PATH`, like cgcreate.
 *
 * Article: §2.3, `sudo cgcreate -g memory:my-process`: "the system creates
 * a subdirectory my-process under /sys/fs/cgroup/memory".  On v2 it is one
 * directory for all controllers, after the parents have enabled them
 * (common/cgroup_v2.c).
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdlib.h>

#include "cli.h"
#include "kit/log.h"

#define MAX_SPECS 16

int cmd_create(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "group", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct group_spec spec[MAX_SPECS];
	bool existed[MAX_SPECS];
	struct kit_err err = { 0 };
	struct kit_cgroup cg;
	char names[128];
	int n = 0, c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+g:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'g':
			if (n == MAX_SPECS)
				cli_usage(cli, argv[0], stderr, 2);
			/* 1. Check every name and path before creating anything. */
			if (cli_parse_spec(optarg, &spec[n++], &err) < 0)
				return cli_fail(cli, &err);
			break;
		case 'h': cli_usage(cli, argv[0], stdout, EXIT_SUCCESS);
		default: cli_usage(cli, argv[0], stderr, 2);
		}
	}
	if (n == 0 || optind != argc)
		cli_usage(cli, argv[0], stderr, 2);

	/* 2. mkdir in each hierarchy (v2: enable the controllers first). */
	for (int i = 0; i < n; i++) {
		/* in any hierarchy at all: then the undo below leaves it alone */
		existed[i] = kit_cgroup_open(&cli->host, spec[i].path, 0, &cg, &err) == 0;
		if (kit_cgroup_create(&cli->host, spec[i].path, spec[i].controllers, &cg,
				      &err) < 0) {
			/* undo the groups this command made before the failure */
			struct kit_err ignored = { 0 };

			while (i-- > 0)
				if (!existed[i] &&
				    kit_cgroup_open(&cli->host, spec[i].path, 0, &cg,
						    &ignored) == 0)
					kit_cgroup_delete(&cg, false, &ignored);
			return cli_fail(cli, &err);
		}
		kit_info("%s %s for %s", existed[i] ? "opened existing" : "created",
			 spec[i].path,
			 kit_cgroup_controllers_describe(cg.controllers, cli->host.driver,
							 names, sizeof(names)));
	}
	return 0;
}
