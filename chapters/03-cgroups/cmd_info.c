/* SPDX-License-Identifier: MIT */
/*
 * cmd_info.c - `mini-cgroup info`: which cgroup layout this host has (v1,
 * v2 or hybrid), where each hierarchy is mounted, and the driver in use.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmd_info(struct cli *cli, int argc, char **argv)
{
	const struct kit_cgroup_host *h = &cli->host;
	char desc[PATH_MAX], names[128];

	if (argc == 2 && strcmp(argv[1], "--help") == 0)
		cli_usage(cli, argv[0], stdout, EXIT_SUCCESS);
	if (argc != 1)
		cli_usage(cli, argv[0], stderr, 2);
	printf("driver  %s\n", h->driver == KIT_CGROUP_V2 ? "v2" : "v1");
	if (h->hybrid)
		printf("layout  hybrid\n");
	else
		printf("layout  %s\n", h->driver == KIT_CGROUP_V2 ? "v2" : "v1");
	for (int i = 0; i < KIT_CG_NCTRL; i++)
		if (h->v1_root[i][0])
			printf("v1      %-8s %s\n",
			       kit_cgroup_controller_name(1u << i, KIT_CGROUP_V1),
			       h->v1_root[i]);
	if (h->v2_root[0]) {
		kit_cgroup_controllers_describe(h->v2_controllers, KIT_CGROUP_V2, names,
						sizeof(names));
		printf("v2      %s (controllers: %s)\n", h->v2_root,
		       names[0] ? names : "none");
	}
	/* one sentence for people: what the kit will do here */
	printf("%s\n", kit_cgroup_host_describe(h, desc, sizeof(desc)));
	return 0;
}
