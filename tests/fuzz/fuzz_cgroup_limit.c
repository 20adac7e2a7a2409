/* SPDX-License-Identifier: MIT */
/*
 * fuzz_cgroup_limit.c - libFuzzer harness for common/cgroup_limit.c, the
 * parser of what users type after `mini-cgroup set -r`: sizes, CPU cores,
 * device limits and raw file names.  The first byte picks cgroup v1 or v2;
 * the rest is "KEY=VALUE".  Checked besides "no crash, no UB": a refusal
 * always says why, and an accepted limit only ever names a plain file of
 * the group with a one-line value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kit/cgroup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_writes(const struct kit_cgroup_write *w, int n)
{
	if (n < 1 || n > KIT_CGROUP_MAX_WRITES)
		abort();
	for (int i = 0; i < n; i++) {
		if (!w[i].file[0] || strchr(w[i].file, '/') || strstr(w[i].file, ".."))
			abort(); /* must stay inside the group's directory */
		if (!w[i].value[0] || strchr(w[i].value, '\n'))
			abort(); /* one value, one line, one write */
		if (__builtin_popcount(w[i].controller) != 1)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kit_cgroup_write w[KIT_CGROUP_MAX_WRITES];
	struct kit_err err = { 0 };
	enum kit_cgroup_version v;
	char *text, *eq;
	uint64_t n;
	int ret;

	if (size < 1)
		return 0;
	v = data[0] & 1 ? KIT_CGROUP_V2 : KIT_CGROUP_V1;
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	eq = strchr(text, '=');
	if (eq) {
		*eq = '\0';
		ret = kit_cgroup_translate(v, text, eq + 1, w, &err);
		if (ret < 0 && (err.code == 0 || !err.msg[0]))
			abort();
		if (ret >= 0)
			check_writes(w, ret);
	}
	if (kit_cgroup_parse_size(text, &n, &err) == 0 && n > (uint64_t)INT64_MAX)
		abort();
	if (kit_cgroup_parse_cpus(text, 100000, &n, &err) == 0 &&
	    (n < 1000 || n > 409600000))
		abort();
	kit_cgroup_other_version_hint(v, text);
	free(text);
	return 0;
}
