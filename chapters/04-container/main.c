/* SPDX-License-Identifier: MIT */
/*
 * mini-container - the article's one-liner as one program.
 *
 * Article: §2.4 Cgroups with Namespace.  What the article types as
 *
 *   sudo cgexec -g cpu,memory:my-process unshare -uinpUrf --mount-proc \
 *        sh -c "/bin/hostname my-process && chroot DIR /bin/sh"
 *
 * is here
 *
 *   sudo mini-container run --rootfs DIR --name my-process \
 *        --memory 50M --cpus 0.5 -- /bin/sh
 *
 * with a real root filesystem (make images builds a busybox one) and
 * pivot_root instead of chroot.  main() only dispatches: `run` lives in
 * run.c (the parent, on the host) and init.c (the container's PID 1); the
 * root filesystem steps are common/rootfs.c, the namespaces common/ns.c,
 * the cgroup common/cgroup*.c.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kit/log.h"
#include "run.h"

const char *run_prog = "mini-container";

static const struct subcommand {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *what;
} subcommands[] = {
	{ "run", cmd_run, "run a command in a new container" },
	{ NULL, NULL, NULL },
};

static void __attribute__((noreturn)) usage(FILE *out, int status)
{
	fprintf(out, "usage: %s COMMAND [options]\n\ncommands:\n", run_prog);
	for (const struct subcommand *s = subcommands; s->name; s++)
		fprintf(out, "  %-6s %s\n", s->name, s->what);
	fprintf(out, "\n%s COMMAND --help shows the options of COMMAND.\n", run_prog);
	exit(status);
}

/*
 * For `make asan`: LeakSanitizer checks for leaks at exit from a helper task
 * that it clones, which a dead PID namespace refuses.  The library code is
 * leak-checked by the unit tests instead (as in mini-unshare).
 */
const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
	return "detect_leaks=0";
}

int main(int argc, char **argv)
{
	kit_log_init(run_prog);
	if (argc < 2)
		usage(stderr, 2);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0)
		usage(stdout, EXIT_SUCCESS);
	for (const struct subcommand *s = subcommands; s->name; s++)
		if (strcmp(argv[1], s->name) == 0)
			return s->fn(argc - 1, argv + 1);
	fprintf(stderr, "%s: unknown command '%s'\n", run_prog, argv[1]);
	usage(stderr, 2);
}
