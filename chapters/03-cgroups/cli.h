/* SPDX-License-Identifier: MIT */
/*
 * cli.h - what mini-cgroup's subcommands share: the detected host, the
 * "-g CONTROLLERS:PATH" options of cgcreate/cgexec/cgclassify, and one
 * entry point per subcommand (cmd_*.c, one file each; main.c dispatches).
 */
#ifndef MINI_CGROUP_CLI_H
#define MINI_CGROUP_CLI_H

#include <stdio.h>

#include "kit/cgroup.h"
#include "kit/err.h"

struct cli {
	const char *prog;            /* "mini-cgroup" */
	struct kit_cgroup_host host; /* detected once by main() */
};

/* A subcommand: gets its own argv (argv[0] is its name); returns the exit code. */
struct cli_command {
	const char *name;
	int (*run)(struct cli *cli, int argc, char **argv);
	const char *args;    /* "-g CONTROLLERS:PATH [-g ...]" for the usage */
	const char *summary; /* one line: what it does (and its cgroup-tools twin) */
};

extern const struct cli_command cli_commands[];

int cmd_create(struct cli *cli, int argc, char **argv);
int cmd_set(struct cli *cli, int argc, char **argv);
int cmd_exec(struct cli *cli, int argc, char **argv);
int cmd_classify(struct cli *cli, int argc, char **argv);
int cmd_stat(struct cli *cli, int argc, char **argv);
int cmd_delete(struct cli *cli, int argc, char **argv);
int cmd_info(struct cli *cli, int argc, char **argv);

/* "-g memory,cpu:kit/c1" as cgcreate takes it. */
struct group_spec {
	unsigned controllers;
	const char *path; /* points into the argument */
};

/* Parse @arg into *spec, checking the names and the path.  0 or -EINVAL. */
int cli_parse_spec(const char *arg, struct group_spec *spec, struct kit_err *err);

/* At most this many -g options in one command. */
#define CLI_MAX_SPECS 16

/*
 * cli_parse_groups - the options of create, exec and classify: one to
 * CLI_MAX_SPECS "-g CONTROLLERS:PATH", each parsed into @spec by
 * cli_parse_spec(), and --help.  --help and misuse (no -g, too many, an
 * unknown option) exit through cli_usage(); the operands, from optind on,
 * are the caller's to check.  Returns how many groups, or -EINVAL with
 * @err filled for a bad one.
 */
int cli_parse_groups(const struct cli *cli, int argc, char **argv,
		     struct group_spec spec[CLI_MAX_SPECS], struct kit_err *err);

/*
 * cli_usage - print "usage: mini-cgroup NAME ARGS" for subcommand @name to
 * @out and exit with @status: 0 for --help (stdout), 2 for misuse (stderr).
 */
void cli_usage(const struct cli *cli, const char *name, FILE *out, int status)
	__attribute__((noreturn));

/* cli_fail - print "mini-cgroup: <msg>" (the error) and return 1. */
int cli_fail(const struct cli *cli, const struct kit_err *err);

#endif /* MINI_CGROUP_CLI_H */
