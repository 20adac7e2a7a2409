/* SPDX-License-Identifier: MIT */
/*
 * cmd_umount.c - `mini-overlay umount MERGED`: take the merged view down.
 * The layers stay as they are: the upper keeps the container's changes
 * (article §2.5: delete it to roll the container back, keep it to
 * restart it).
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>

#include "kit/cleanup.h"
#include "kit/err.h"
#include "kit/log.h"
#include "kit/mount.h"
#include "kit/overlay.h"
#include "cmd.h"

static void __attribute__((noreturn)) usage(FILE *out, int status)
{
	fprintf(out,
		"usage: %s umount [options] MERGED\n"
		"\n"
		"Unmount the overlay on MERGED; its layers are left untouched.\n"
		"\n"
		"  -l, --lazy      detach it now, finish when it is no longer in use\n"
		"                  (MNT_DETACH)\n"
		"  -v, --verbose   say what each step does (on stderr)\n"
		"  -h, --help      show this help\n",
		prog);
	exit(status);
}

int cmd_umount(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "lazy", no_argument, NULL, 'l' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct kit_err err = { 0 };
	_autofree char *merged = NULL;
	int flags = 0, c;

	while ((c = getopt_long(argc, argv, "lvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'l': flags |= MNT_DETACH; break;
		case 'v': kit_log_set_level(KIT_LOG_INFO); break;
		case 'h': usage(stdout, EXIT_SUCCESS);
		default: usage(stderr, 2);
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "%s umount: give one MERGED directory\n", prog);
		usage(stderr, 2);
	}
	if (kit_mount_abspath("merged", argv[optind], &merged, &err) < 0 ||
	    kit_overlay_umount(merged, flags, &err) < 0)
		kit_die(prog, &err);
	kit_info("unmounted the overlay on %s", merged);
	return EXIT_SUCCESS;
}
