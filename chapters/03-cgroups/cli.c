/* SPDX-License-Identifier: MIT */
/*
 * cli.c - the parts of mini-cgroup's command line that every subcommand
 * uses: the "-g CONTROLLERS:PATH" options, usage lines and errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_parse_spec(const char *arg, struct group_spec *spec, struct kit_err *err)
{
	const char *colon = strchr(arg, ':');
	char list[128];
	int ret;

	if (!colon || colon == arg || (size_t)(colon - arg) >= sizeof(list))
		return kit_err_set(err, EINVAL,
				   "expected CONTROLLERS:PATH, e.g. memory,cpu:kit/c1",
				   "parse group '%s'", arg);
	snprintf(list, sizeof(list), "%.*s", (int)(colon - arg), arg);
	ret = kit_cgroup_controllers_parse(list, &spec->controllers, err);
	if (ret == 0)
		ret = kit_cgroup_check_path(colon + 1, err);
	if (ret < 0)
		return kit_err_wrap(err, "parse group '%s'", arg);
	spec->path = colon + 1;
	return 0;
}

int cli_parse_groups(const struct cli *cli, int argc, char **argv,
		     struct group_spec spec[CLI_MAX_SPECS], struct kit_err *err)
{
	static const struct option longopts[] = {
		{ "group", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int n = 0, c;

	optind = 0;
	/* "+": stop at the first operand (exec's command keeps its options) */
	while ((c = getopt_long(argc, argv, "+g:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'g':
			if (n == CLI_MAX_SPECS)
				cli_usage(cli, argv[0], stderr, 2);
			if (cli_parse_spec(optarg, &spec[n++], err) < 0)
				return -EINVAL;
			break;
		case 'h': cli_usage(cli, argv[0], stdout, EXIT_SUCCESS);
		default: cli_usage(cli, argv[0], stderr, 2);
		}
	}
	if (n == 0)
		cli_usage(cli, argv[0], stderr, 2);
	return n;
}

void cli_usage(const struct cli *cli, const char *name, FILE *out, int status)
{
	for (const struct cli_command *c = cli_commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			fprintf(out, "usage: %s %s %s\n%s\n", cli->prog, c->name, c->args,
				c->summary);
	exit(status);
}

int cli_fail(const struct cli *cli, const struct kit_err *err)
{
	fprintf(stderr, "%s: %s\n", cli->prog, err->msg);
	return 1;
}
