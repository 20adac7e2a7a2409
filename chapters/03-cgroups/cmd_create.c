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
#include <getopt.h> /* optind */

#include "cli.h"
#include "kit/log.h"

int cmd_create(struct cli *cli, int argc, char **argv)
{
	struct group_spec spec[CLI_MAX_SPECS];
	bool existed[CLI_MAX_SPECS];
	struct kit_err err = { 0 };
	struct kit_cgroup cg;
	char names[128];
	int n;

	/* 1. Check every name and path before creating anything. */
	n = cli_parse_groups(cli, argc, argv, spec, &err);
	if (n < 0)
		return cli_fail(cli, &err);
	if (optind != argc)
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
