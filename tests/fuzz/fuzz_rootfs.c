/* SPDX-License-Identifier: MIT */
/*
 * fuzz_rootfs.c - libFuzzer harness for the checks common/rootfs.c makes on
 * what a user types: kit_rootfs_check_path() (--rootfs) and
 * kit_rootfs_mode_parse() (--root-mode).  Any bytes in: no crash, no
 * undefined behaviour, and the path check agrees with a second, simpler
 * reading of the rule ("no component is exactly '..'").
 */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kit/rootfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The rule, read another way: split a copy with strtok_r on "/". */
static bool has_dotdot(const char *path)
{
	char *copy = strdup(path), *save = NULL;
	bool found = false;

	if (!copy)
		abort();
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save))
		if (strcmp(c, "..") == 0)
			found = true;
	free(copy);
	return found;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kit_err err = { 0 };
	enum kit_rootfs_mode mode;
	char *path = malloc(size + 1);
	bool want_ok;
	int ret;

	if (!path)
		return 0;
	memcpy(path, data, size);
	path[size] = '\0'; /* a command-line argument ends at its first NUL */

	ret = kit_rootfs_check_path(path, &err);
	want_ok = path[0] != '\0' && strlen(path) <= PATH_MAX - 16 && !has_dotdot(path);
	if ((ret == 0) != want_ok)
		abort();
	/* A refusal always says something; an acceptance records nothing. */
	if (ret < 0 && (err.code != -ret || err.msg[0] == '\0'))
		abort();
	if (ret == 0 && err.code != 0)
		abort();

	ret = kit_rootfs_mode_parse(path, &mode);
	if (ret == 0 && strcmp(kit_rootfs_mode_name(mode), path) != 0)
		abort();
	free(path);
	return 0;
}
