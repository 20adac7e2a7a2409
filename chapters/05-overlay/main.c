/* SPDX-License-Identifier: MIT */
/*
 * mini-overlay - mount overlay filesystems and look inside their layers.
 *
 * Article: §2.5 OverlayFS.  The four directories of the article and what
 * happens to files in them, one subcommand each:
 *
 *   sudo mini-overlay mount --lower img/l1:img/l2 --upper c1/upper \
 *                           --work c1/work c1/merged      # lowerdir... -> merged
 *   sudo mini-overlay diff c1/upper                      # A/C/D, as docker diff
 *   sudo mini-overlay layers c1/merged                   # which layer shows what
 *   sudo mini-overlay umount c1/merged
 *
 * This file only picks the subcommand (STYLE.md rule 12: one file per
 * subcommand, a dispatch table); the overlay itself is common/overlay.c
 * (mounting) and common/overlay_view.c (reading the layers).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kit/err.h"
#include "kit/log.h"
#include "cmd.h"

const char *prog = "mini-overlay";

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *args;
	const char *what;
} commands[] = {
	{ "mount", cmd_mount, "--lower L1[:L2...] [--upper U --work W] MERGED",
	  "stack the layers and show their union at MERGED" },
	{ "umount", cmd_umount, "MERGED", "unmount the overlay on MERGED" },
	{ "diff", cmd_diff, "[--lower L1[:L2...]] UPPER",
	  "what the upper layer added (A), changed (C), deleted (D)" },
	{ "layers", cmd_layers, "MERGED | --lower L1[:L2...] [--upper U]",
	  "which layer each path of the merged tree comes from" },
	{ NULL, NULL, NULL, NULL },
};

static void __attribute__((noreturn)) usage(FILE *out, int status)
{
	fprintf(out,
		"usage: %s COMMAND [options] ...\n"
		"\n"
		"Overlay filesystems (article §2.5 OverlayFS): read-only lower layers\n"
		"(lowerdir), one writable upper layer (upperdir, with its workdir),\n"
		"and the merged view of them all.\n"
		"\n"
		"commands:\n",
		prog);
	for (const struct command *c = commands; c->name; c++)
		fprintf(out, "  %s %s\n      %s\n", c->name, c->args, c->what);
	fprintf(out,
		"\n"
		"'%s COMMAND --help' shows a command's options.\n"
		"Exit status: 0 done, 1 failed (the message says why), 2 usage error.\n",
		prog);
	exit(status);
}

void print_path(FILE *out, const char *path)
{
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '\\')
			fprintf(out, "\\%03o", *p);
		else
			fputc(*p, out);
	}
}

void add_lowers_or_die(struct kit_overlay *ov, const char *list)
{
	struct kit_err err = { 0 };

	if (kit_overlay_add_lowers(ov, list, &err) < 0)
		kit_die(prog, &err);
}

int main(int argc, char **argv)
{
	kit_log_init(prog);
	if (argc < 2) {
		fprintf(stderr, "%s: which command?\n", prog);
		usage(stderr, 2);
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		usage(stdout, EXIT_SUCCESS);
	for (const struct command *c = commands; c->name; c++)
		if (strcmp(argv[1], c->name) == 0)
			return c->run(argc - 1, argv + 1);
	fprintf(stderr, "%s: unknown command '%s'\n", prog, argv[1]);
	usage(stderr, 2);
}
