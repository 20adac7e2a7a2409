/* SPDX-License-Identifier: MIT */
/*
 * mini-cgroup - create control groups, set their limits, run and move
 * processes into them, read what they used: cgroup-tools in one program.
 *
 * Article: §2.3 Cgroups.  The article's commands and their twins here:
 *
 *   sudo cgcreate -g memory:my-process        mini-cgroup create -g memory:my-process
 *   echo 50000000 > .../memory.limit_in_bytes mini-cgroup set -r memory=50M my-process
 *   sudo cgexec -g memory:my-process bash     mini-cgroup exec -g memory:my-process -- bash
 *   echo PID > .../my-process/tasks           mini-cgroup classify -g memory:my-process PID
 *                                             mini-cgroup stat my-process
 *   sudo cgdelete -g memory:my-process        mini-cgroup delete my-process
 *
 * The same commands work on cgroup v1 (the article's host) and v2: main()
 * (1) finds the hierarchies in /proc/self/mountinfo and picks a driver,
 * then (2) runs one subcommand from the table below (cmd_*.c, one file
 * each), which calls common/cgroup*.c, where the files are written.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kit/cgroup.h"
#include "kit/err.h"
#include "kit/log.h"

const struct cli_command cli_commands[] = {
	{ "create", cmd_create, "-g CONTROLLERS:PATH [-g ...]",
	  "create a group in each controller's hierarchy (cgcreate)" },
	{ "set", cmd_set, "-r KEY=VALUE [-r ...] PATH",
	  "set limits: memory=50M cpu=0.5 pids=64 io.read_bps=DEV:N, or a file (cgset)" },
	{ "exec", cmd_exec, "-g CONTROLLERS:PATH [-g ...] [--] COMMAND [ARG...]",
	  "run a command inside groups (cgexec)" },
	{ "classify", cmd_classify, "-g CONTROLLERS:PATH [-g ...] PID...",
	  "move running processes into groups (cgclassify)" },
	{ "stat", cmd_stat, "[--raw] PATH",
	  "show usage, limits, OOM and throttle counters" },
	{ "delete", cmd_delete, "[--force] PATH...",
	  "remove groups and their children; --force kills their processes (cgdelete -r)" },
	{ "info", cmd_info, "", "show the host's cgroup layout and the driver in use" },
	{ NULL, NULL, NULL, NULL },
};

static void __attribute__((noreturn)) usage(const char *prog, FILE *out, int status)
{
	fprintf(out,
		"usage: %s [options] COMMAND [ARGS]\n"
		"\n"
		"Control groups: limit, account for and isolate the resources of\n"
		"processes, on cgroup v1 or v2 (detected at run time).\n"
		"\n"
		"Commands:\n",
		prog);
	for (const struct cli_command *c = cli_commands; c->name; c++)
		fprintf(out, "  %-9s %s\n", c->name, c->summary);
	fprintf(out,
		"\n"
		"Options:\n"
		"  -d, --driver v1|v2    use this cgroup version instead of the detected\n"
		"                        one (v2 on a hybrid host reaches its cgroup2 mount)\n"
		"  -m, --mountinfo FILE  read the mounts from FILE, not /proc/self/mountinfo\n"
		"                        (tests point it at a fake cgroup tree)\n"
		"  -v, --verbose         say what each step does (on stderr)\n"
		"  -h, --help            show this help; COMMAND --help shows its own\n"
		"\n"
		"Exit status: 0 ok, 1 failure, 2 usage error; exec: the command's own.\n");
	exit(status);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "driver", required_argument, NULL, 'd' },
		{ "mountinfo", required_argument, NULL, 'm' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static struct cli cli = { .prog = "mini-cgroup" };
	const char *mountinfo = "/proc/self/mountinfo", *driver = NULL;
	struct kit_err err = { 0 };
	char desc[PATH_MAX];
	int c;

	kit_log_init(cli.prog);
	while ((c = getopt_long(argc, argv, "+d:m:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': driver = optarg; break;
		case 'm': mountinfo = optarg; break;
		case 'v': kit_log_set_level(KIT_LOG_INFO); break;
		case 'h': usage(cli.prog, stdout, EXIT_SUCCESS);
		default: usage(cli.prog, stderr, 2); /* getopt already said why */
		}
	}
	if (optind == argc) {
		fprintf(stderr, "%s: a command is required\n", cli.prog);
		usage(cli.prog, stderr, 2);
	}
	if (driver && strcmp(driver, "v1") != 0 && strcmp(driver, "v2") != 0) {
		fprintf(stderr, "%s: --driver takes v1 or v2, not '%s'\n", cli.prog,
			driver);
		usage(cli.prog, stderr, 2);
	}

	/* 1. Where are the hierarchies, and which version do we drive? */
	if (kit_cgroup_host_detect(&cli.host, mountinfo, &err) < 0)
		kit_die(cli.prog, &err);
	if (driver && kit_cgroup_host_use(
			      &cli.host, driver[1] == '2' ? KIT_CGROUP_V2 : KIT_CGROUP_V1,
			      &err) < 0)
		kit_die(cli.prog, &err);
	kit_info("%s", kit_cgroup_host_describe(&cli.host, desc, sizeof(desc)));

	/* 2. One subcommand, from the table. */
	for (const struct cli_command *cmd = cli_commands; cmd->name; cmd++)
		if (strcmp(cmd->name, argv[optind]) == 0)
			return cmd->run(&cli, argc - optind, argv + optind);
	fprintf(stderr, "%s: unknown command '%s'\n", cli.prog, argv[optind]);
	usage(cli.prog, stderr, 2);
}
