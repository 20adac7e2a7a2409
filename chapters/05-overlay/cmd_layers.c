/* SPDX-License-Identifier: MIT */
/*
 * cmd_layers.c - `mini-overlay layers`: for every path of the merged tree,
 * the layer it comes from, the way the kernel looks it up (article §2.5:
 * "reads look in UpperDir first, then in LowerDir").
 *
 *   upper   /etc/          (merges upper lower1)   a directory in two layers
 *   lower1  /etc/passwd                            read straight from lower1
 *   upper   /etc/hosts     (hides lower1)          written: copied up
 *   upper   /old           (whiteout, hides lower1) deleted
 *   upper   /var/          (opaque, hides lower1)   rm -r, then mkdir
 *
 * The layers come from a mounted overlay (MERGED) or from --lower/--upper;
 * nothing is mounted either way: the tree is computed from the layers.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kit/cleanup.h"
#include "kit/err.h"
#include "kit/mount.h"
#include "kit/overlay.h"
#include "cmd.h"

static void __attribute__((noreturn)) usage(FILE *out, int status)
{
	fprintf(out,
		"usage: %s layers MERGED\n"
		"       %s layers --lower L1[:L2...] [--upper U]\n"
		"\n"
		"List every path of the merged tree with the layer it comes from, the\n"
		"whiteouts that delete a lower file and the opaque directories.\n"
		"\n"
		"  -l, --lower L1[:L2...]  the lower layers, top first (instead of MERGED)\n"
		"  -u, --upper DIR         the upper layer\n"
		"  -h, --help              show this help\n",
		prog, prog);
	exit(status);
}

/* The note after a path: what the lookup found besides the layer. */
static void print_note(const struct kit_overlay *ov, const struct kit_overlay_hit *hit)
{
	char name[16];

	if (hit->mark == KIT_OVERLAY_WHITEOUT) {
		printf("  (whiteout, hides %s)",
		       kit_overlay_layer_name(ov, hit->hides, name));
	} else if (hit->mark == KIT_OVERLAY_OPAQUE) {
		printf("  (opaque");
		if (hit->hides >= 0)
			printf(", hides %s",
			       kit_overlay_layer_name(ov, hit->hides, name));
		putchar(')');
	} else if (S_ISDIR(hit->type) && hit->ndirs > 1) {
		printf("  (merges");
		for (size_t i = 0; i < hit->ndirs; i++)
			printf(" %s", kit_overlay_layer_name(ov, hit->dirs[i], name));
		putchar(')');
	} else if (hit->hides >= 0) {
		printf("  (hides %s)", kit_overlay_layer_name(ov, hit->hides, name));
	}
}

static int print_entry(const char *path, const struct kit_overlay_hit *hit, void *arg)
{
	const struct kit_overlay *ov = arg;
	char name[16];

	printf("%-7s ", kit_overlay_layer_name(ov, hit->layer, name));
	print_path(stdout, path);
	if (S_ISDIR(hit->type))
		putchar('/');
	print_note(ov, hit);
	putchar('\n');
	return 0;
}

int cmd_layers(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "lower", required_argument, NULL, 'l' },
		{ "upper", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *upper = NULL;
	struct kit_err err = { 0 };
	_autofree char *merged = NULL;
	struct kit_overlay ov;
	char name[16];
	int c;

	kit_overlay_init(&ov);
	while ((c = getopt_long(argc, argv, "l:u:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'l': add_lowers_or_die(&ov, optarg); break;
		case 'u': upper = optarg; break;
		case 'h': usage(stdout, EXIT_SUCCESS);
		default: usage(stderr, 2);
		}
	}
	if ((ov.nlower > 0) == (optind < argc) || optind < argc - 1 ||
	    (upper && !ov.nlower)) {
		fprintf(stderr, "%s layers: give either MERGED or --lower [--upper]\n",
			prog);
		usage(stderr, 2);
	}

	/* 1. The layers: those of the overlay on MERGED, or the ones given. */
	if (optind < argc) {
		if (kit_mount_abspath("merged", argv[optind], &merged, &err) < 0 ||
		    kit_overlay_from_mount(merged, &ov, &err) < 0)
			kit_die(prog, &err);
	} else if ((upper && !(ov.upper = strdup(upper))) ||
		   kit_overlay_resolve(&ov, &err) < 0) {
		kit_die(prog, &err);
	}
	for (size_t i = 0; i < kit_overlay_nlayers(&ov); i++) {
		printf("%-7s ", kit_overlay_layer_name(&ov, i, name));
		print_path(stdout, kit_overlay_layer_path(&ov, i));
		putchar('\n');
	}
	putchar('\n');

	/* 2. The merged tree, looked up name by name as the kernel does. */
	if (kit_overlay_layers(&ov, print_entry, &ov, &err) < 0)
		kit_die(prog, &err);
	kit_overlay_release(&ov);
	return EXIT_SUCCESS;
}
