/* SPDX-License-Identifier: MIT */
/*
 * cmd_mount.c - `mini-overlay mount`: the article's four directories
 * (§2.5: LowerDir, UpperDir, WorkDir, MergedDir) put together.
 *
 *   mini-overlay mount --lower img/l1:img/l2 --upper c1/upper --work c1/work c1/merged
 *
 * is `mount -t overlay overlay -o lowerdir=...,upperdir=...,workdir=...
 * c1/merged` with the checks the kernel leaves out and the errors explained.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
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
		"usage: %s mount --lower L1[:L2...] [--upper U --work W] [options] MERGED\n"
		"\n"
		"Stack the layers and show their union at the directory MERGED.\n"
		"\n"
		"  -l, --lower L1[:L2...]  read-only layers (lowerdir), the top one first;\n"
		"                          may be repeated (later ones go below); write\n"
		"                          '\\:' for a ':' that is part of a name\n"
		"  -u, --upper DIR         the writable layer (upperdir); needs --work\n"
		"  -w, --work DIR          an empty directory on the same filesystem as\n"
		"                          --upper (workdir); without both: read-only\n"
		"  -n, --dry-run           check everything, print the mount options,\n"
		"                          mount nothing\n"
		"  -v, --verbose           say what each step does (on stderr)\n"
		"  -h, --help              show this help\n",
		prog);
	exit(status);
}

int cmd_mount(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "lower", required_argument, NULL, 'l' },
		{ "upper", required_argument, NULL, 'u' },
		{ "work", required_argument, NULL, 'w' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *upper = NULL, *work = NULL;
	struct kit_err err = { 0 };
	_autofree char *merged = NULL, *opts = NULL;
	struct kit_overlay ov;
	bool dry_run = false;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	int c;

	kit_overlay_init(&ov);
	while ((c = getopt_long(argc, argv, "l:u:w:nvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'l': add_lowers_or_die(&ov, optarg); break;
		case 'u': upper = optarg; break;
		case 'w': work = optarg; break;
		case 'n': dry_run = true; break;
		case 'v': kit_log_set_level(KIT_LOG_INFO); break;
		case 'h': usage(stdout, EXIT_SUCCESS);
		default: usage(stderr, 2);
		}
	}
	if (ov.nlower == 0 || optind != argc - 1 || !upper != !work) {
		fprintf(stderr, "%s mount: %s\n", prog,
			ov.nlower == 0    ? "--lower is required"
			: !upper != !work ? "--upper and --work go together"
			: optind == argc  ? "where? give the MERGED directory"
					  : "one MERGED directory only");
		usage(stderr, 2);
	}

	/* 1. The layers: absolute paths, each an existing directory. */
	if (kit_overlay_set_upper(&ov, upper, work, &err) < 0 ||
	    kit_overlay_resolve(&ov, &err) < 0 ||
	    kit_mount_abspath("merged", argv[optind], &merged, &err) < 0)
		kit_die(prog, &err);
	for (size_t i = 0; i < ov.nlower; i++)
		kit_info("lowerdir %zu: %s", i + 1, ov.lower[i]);
	if (ov.upper)
		kit_info("upperdir: %s, workdir: %s", ov.upper, ov.work);

	/* 2. The option string mount(2) will get: --dry-run prints it and
	 *    stops there, --verbose shows it (kit_overlay_mount builds it too). */
	if (dry_run || kit_log_get_level() >= KIT_LOG_INFO) {
		opts = malloc(page);
		if (!opts) {
			kit_err_set(&err, ENOMEM, NULL, "build the mount options");
			kit_die(prog, &err);
		}
		if (kit_overlay_check(&ov, merged, &err) < 0 ||
		    kit_overlay_options(&ov, opts, page, &err) < 0)
			kit_die(prog, &err);
		kit_info("mount -t overlay overlay -o %s %s", opts, merged);
	}
	if (dry_run) {
		printf("%s\n", opts);
		kit_overlay_release(&ov);
		return EXIT_SUCCESS;
	}

	/* 3. The mount: from now on, merged shows upper over the lowers. */
	if (kit_overlay_mount(&ov, merged, &err) < 0)
		kit_die(prog, &err);
	kit_info("mounted the overlay on %s", merged);
	kit_overlay_release(&ov);
	return EXIT_SUCCESS;
}
