/* SPDX-License-Identifier: MIT */
/*
 * fuzz_overlay_mountinfo.c - libFuzzer harness for reading the mount table:
 * kit_mountinfo_parse() on any line (octal escapes, optional fields, a
 * missing "-"), then, for an overlay, kit_overlay_parse_options() on its
 * options, the way `mini-overlay layers MERGED` reads a mounted overlay.
 * The kernel writes this file, but its text fields hold names that any
 * user chose (a directory called "a\040b" or "x - overlay ..."), so it is
 * parsed as untrusted input.  No system call is made.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kit/mount.h"
#include "kit/overlay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = strndup((const char *)data, size), *nl;
	struct kit_err err = { 0 };
	struct kit_mountinfo mi;
	struct kit_overlay ov;
	size_t len;

	if (!line)
		return 0;
	nl = strchr(line, '\n'); /* one line, as kit_mountinfo_each() hands it */
	if (nl)
		*nl = '\0';
	len = strlen(line);
	if (kit_mountinfo_parse(line, &mi) == 0) {
		/* every field lies inside the line, unescaping only shrinks */
		const char *f[] = { mi.root, mi.target, mi.mount_opts, mi.fstype,
				    mi.source };

		for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
			if (f[i] < line || f[i] + strlen(f[i]) > line + len)
				abort();
		kit_overlay_init(&ov);
		if (strcmp(mi.fstype, "overlay") == 0 &&
		    kit_overlay_parse_options(mi.super_opts, &ov, &err) < 0 &&
		    (err.code == 0 || err.msg[0] == '\0'))
			abort();
		kit_overlay_release(&ov);
	}
	free(line);
	return 0;
}
