/* SPDX-License-Identifier: MIT */
/*
 * fuzz_cgroup_mountinfo.c - libFuzzer harness for the mountinfo parser in
 * common/cgroup_host.c (kit_cgroup_host_parse), which decides where the kit
 * writes cgroup files, and for the "-g CONTROLLERS" list parser.  Checked
 * besides "no crash, no UB": every root it finds is an absolute path that
 * fits, and a refusal says which line.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kit/cgroup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_root(const char *root)
{
	size_t len = strnlen(root, PATH_MAX);

	if (len == PATH_MAX || (len && root[0] != '/'))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kit_cgroup_host host;
	struct kit_err err = { 0 };
	unsigned bits;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (kit_cgroup_host_parse(&host, text, &err) == 0) {
		check_root(host.v2_root);
		for (int i = 0; i < KIT_CG_NCTRL; i++) {
			check_root(host.v1_root[i]);
			if (!host.v1_root[i][0] != !(host.v1_controllers & (1u << i)))
				abort();
		}
	} else if (err.code != EINVAL ||
		   strncmp(err.msg, "parse mountinfo line ", 21) != 0) {
		abort();
	}
	if (kit_cgroup_controllers_parse(text, &bits, &err) == 0 &&
	    (bits == 0 || bits >= 1u << KIT_CG_NCTRL))
		abort();
	free(text);
	return 0;
}
