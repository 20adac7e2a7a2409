/* SPDX-License-Identifier: MIT */
/*
 * cmd_set.c - `mini-cgroup set -r KEY=VALUE PATH`, like cgset.
 *
 * Article: §2.3, `echo 50000000 > /sys/fs/cgroup/memory/my-process/
 * memory.limit_in_bytes`.  Here `set -r memory=50M my-process` says the same
 * on v1 and v2; common/cgroup_limit.c turns it into the version's files.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kit/log.h"

#define MAX_LIMITS 16

/* "KEY=VALUE" split in place; false if there is no '=' or no key. */
static bool split_limit(char *arg, char **key, char **value)
{
	char *eq = strchr(arg, '=');

	if (!eq || eq == arg)
		return false;
	*eq = '\0';
	*key = arg;
	*value = eq + 1;
	return true;
}

int cmd_set(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "limit", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct kit_cgroup_write w[KIT_CGROUP_MAX_WRITES];
	char *key[MAX_LIMITS], *value[MAX_LIMITS];
	struct kit_err err = { 0 };
	struct kit_cgroup cg;
	int n = 0, c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+r:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (n == MAX_LIMITS)
				cli_usage(cli, argv[0], stderr, 2);
			if (!split_limit(optarg, &key[n], &value[n])) {
				kit_err_set(&err, EINVAL,
					    "expected KEY=VALUE, e.g. memory=50M",
					    "parse limit '%s'", optarg);
				return cli_fail(cli, &err);
			}
			n++;
			break;
		case 'h': cli_usage(cli, argv[0], stdout, EXIT_SUCCESS);
		default: cli_usage(cli, argv[0], stderr, 2);
		}
	}
	if (n == 0 || optind != argc - 1)
		cli_usage(cli, argv[0], stderr, 2);

	/* 1. Every value must be right before the first file is written. */
	for (int i = 0; i < n; i++) {
		bool device_name = strncmp(key[i], "io.", 3) == 0 && value[i][0] == '/';

		/* (a device name is looked up when it is set) */
		if (!device_name && kit_cgroup_translate(cli->host.driver, key[i],
							 value[i], w, &err) < 0) {
			kit_err_wrap(&err, "set %s=%s", key[i], value[i]);
			return cli_fail(cli, &err);
		}
	}
	if (kit_cgroup_open(&cli->host, argv[optind], 0, &cg, &err) < 0)
		return cli_fail(cli, &err);

	/* 2. Write them, in the order given. */
	for (int i = 0; i < n; i++) {
		if (kit_cgroup_set(&cg, key[i], value[i], &err) < 0) {
			kit_err_wrap(&err, "set %s=%s on %s", key[i], value[i], cg.path);
			return cli_fail(cli, &err);
		}
		kit_info("set %s=%s on %s", key[i], value[i], cg.path);
	}
	return 0;
}
