/* SPDX-License-Identifier: MIT */
/*
 * cmd_diff.c - `mini-overlay diff UPPER`: what a container changed, read
 * from its upper layer alone, in `docker diff`'s words:
 *
 *   A /path   added: not in the image (the lower layers)
 *   C /path   changed: in the image, and replaced or copied up
 *   D /path   deleted: a whiteout, or hidden by an opaque directory
 *
 * Article §2.5: "all writes (add, modify, delete) land in UpperDir only".
 * Telling A from C needs the lower layers: --lower names them, or they
 * are read from the mounted overlay that writes to UPPER.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kit/cleanup.h"
#include "kit/err.h"
#include "kit/log.h"
#include "kit/mount.h"
#include "kit/overlay.h"
#include "cmd.h"

static void __attribute__((noreturn)) usage(FILE *out, int status)
{
	fprintf(out,
		"usage: %s diff [--lower L1[:L2...]] UPPER\n"
		"\n"
		"What the upper layer UPPER changed, one line per path, as docker diff\n"
		"prints it: A added, C changed, D deleted.\n"
		"\n"
		"  -l, --lower L1[:L2...]  the lower layers (default: those of the mounted\n"
		"                          overlay whose upperdir is UPPER); without any,\n"
		"                          an A may also be a C\n"
		"  -v, --verbose           say where the layers come from (on stderr)\n"
		"  -h, --help              show this help\n",
		prog);
	exit(status);
}

static int print_change(char kind, const char *path, void *arg)
{
	(void)arg;
	printf("%c ", kind);
	print_path(stdout, path);
	putchar('\n');
	return 0;
}

/* Fill in the lowers of the mounted overlay that writes to ov->upper. */
static void lowers_from_mount(struct kit_overlay *ov)
{
	struct kit_err err = { 0 };
	struct kit_overlay found;
	int ret;

	kit_overlay_init(&found);
	ret = kit_overlay_find_upper(ov->upper, &found, &err);
	if (ret < 0)
		kit_die(prog, &err);
	if (ret == 0) {
		kit_warn("no lower layers: none given with --lower, and no mounted "
			 "overlay writes to %s; an A may also be a C",
			 ov->upper);
		return;
	}
	kit_info("lower layers of the overlay that writes to %s: %zu", ov->upper,
		 found.nlower);
	ov->lower = found.lower;
	ov->nlower = found.nlower;
	found.lower = NULL;
	found.nlower = 0;
	kit_overlay_release(&found);
}

int cmd_diff(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "lower", required_argument, NULL, 'l' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct kit_err err = { 0 };
	struct kit_overlay ov;
	struct stat st;
	int c;

	kit_overlay_init(&ov);
	while ((c = getopt_long(argc, argv, "l:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'l': add_lowers_or_die(&ov, optarg); break;
		case 'v': kit_log_set_level(KIT_LOG_INFO); break;
		case 'h': usage(stdout, EXIT_SUCCESS);
		default: usage(stderr, 2);
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "%s diff: give one UPPER directory\n", prog);
		usage(stderr, 2);
	}

	/* 1. The upper layer, and the lower ones to compare it with. */
	if (kit_mount_abspath("upperdir", argv[optind], &ov.upper, &err) < 0 ||
	    (ov.nlower && kit_overlay_resolve(&ov, &err) < 0))
		kit_die(prog, &err);
	if (lstat(ov.upper, &st) < 0) {
		kit_err_set(&err, errno, NULL, "read upperdir %s", ov.upper);
		kit_die(prog, &err);
	}
	if (!S_ISDIR(st.st_mode)) {
		kit_err_set(&err, S_ISLNK(st.st_mode) ? ELOOP : ENOTDIR,
			    S_ISLNK(st.st_mode)
				    ? "a symlink: give the directory itself"
				    : "not a directory: a layer is a directory tree",
			    "read upperdir %s", ov.upper);
		kit_die(prog, &err);
	}
	if (ov.nlower == 0)
		lowers_from_mount(&ov);
	/* Only root may read trusted.overlay.opaque; others see no opaque dirs. */
	if (geteuid() != 0)
		kit_warn("not root: opaque directories cannot be recognised");

	/* 2. Walk the upper layer: every entry is an A, a C or a D. */
	if (kit_overlay_diff(&ov, print_change, NULL, &err) < 0)
		kit_die(prog, &err);
	kit_overlay_release(&ov);
	return EXIT_SUCCESS;
}
