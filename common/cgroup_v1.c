/* SPDX-License-Identifier: MIT */
/*
 * cgroup_v1.c - the cgroup v1 driver: one hierarchy per controller.
 *
 * Article: §2.3 Cgroups, exactly as the article's host has it: memory under
 * /sys/fs/cgroup/memory, cpu under /sys/fs/cgroup/cpu, and so on.  A group
 * "kit/c1" with memory and cpu is two unrelated directories,
 * /sys/fs/cgroup/memory/kit/c1 and /sys/fs/cgroup/cpu/kit/c1 (plus
 * /sys/fs/cgroup/cpuacct/kit/c1, where v1 counts CPU time, when cpuacct is
 * mounted on its own).  `cgcreate -g memory,cpu:kit/c1` makes both:
 *
 *   create   mkdir in each hierarchy; the kernel fills the new directory
 *            with that controller's files.  (cpuset alone starts empty:
 *            the kit copies cpuset.cpus and cpuset.mems from the parent.)
 *   delete   rmdir in each hierarchy, deepest group first; v1 has no
 *            cgroup.kill, so --force sends SIGKILL to each pid it lists.
 *
 * Left out: co-mounting controllers yourself, release_agent and
 * notify_on_release, the net_cls/net_prio/devices/freezer controllers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kit/cgroup.h"
#include "kit/cgroup_driver.h"
#include "kit/cleanup.h"
#include "kit/file.h"

/* The controller bits the group really uses: cpu brings cpuacct along. */
static unsigned with_cpuacct(const struct kit_cgroup_host *host, unsigned controllers)
{
	if ((controllers & KIT_CG_CPU) && (host->v1_controllers & KIT_CG_CPUACCT))
		controllers |= KIT_CG_CPUACCT;
	return controllers;
}

static const char *mkdir_hint(int e)
{
	switch (e) {
	case EACCES:
	case EPERM: return "creating a group needs root";
	case EROFS:
		return "the hierarchy is mounted read-only (a container without "
		       "cgroup delegation?)";
	case ENOTDIR: return "a file is in the way";
	default: return NULL;
	}
}

/* A new cpuset group has empty cpus and mems: give it the parent's. */
static int cpuset_inherit(const char *dir, struct kit_err *err)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
	char path[PATH_MAX], parent[PATH_MAX];

	for (int i = 0; i < 2; i++) {
		_autofree char *text = NULL;

		if (kit_cgroup_join(parent, dir, "..", err) < 0 ||
		    kit_cgroup_join(path, parent, files[i], err) < 0 ||
		    kit_read_file(path, 4096, &text, NULL, err) < 0 ||
		    kit_cgroup_join(path, dir, files[i], err) < 0)
			return -err->code;
		if (text[0] != '\n' && text[0] != '\0' &&
		    kit_write_file(path, text, err) < 0)
			return -err->code;
	}
	return 0;
}

/*
 * mkdir @root/@path level by level.  *made gets the depth of the first
 * level this call created (-1: it all existed), for kit_cgroup_undo_levels().
 */
static int make_levels(const char *root, const char *path, bool cpuset, int *made,
		       struct kit_err *err)
{
	char rel[PATH_MAX], dir[PATH_MAX];
	int depth = 0;

	*made = -1;
	snprintf(rel, sizeof(rel), "%s", path);
	for (char *p = rel;; p++, depth += 1) {
		p += strcspn(p, "/");
		char saved = *p;

		*p = '\0';
		if (kit_cgroup_join(dir, root, rel, err) < 0)
			return -err->code;
		if (mkdir(dir, 0755) == 0) {
			if (*made < 0)
				*made = depth;
			if (cpuset && cpuset_inherit(dir, err) < 0)
				return -err->code;
		} else if (errno != EEXIST || !kit_cgroup_is_dir(dir)) {
			int e = errno == EEXIST ? ENOTDIR : errno;

			return kit_err_set(err, e, mkdir_hint(e), "mkdir %s", dir);
		}
		*p = saved;
		if (saved == '\0')
			return 0;
	}
}

int kit_cgroup_v1_create(const struct kit_cgroup_host *host, const char *path,
			 unsigned controllers, unsigned *have, struct kit_err *err)
{
	unsigned bits = with_cpuacct(host, controllers);
	int made[KIT_CG_NCTRL];

	for (int i = 0; i < KIT_CG_NCTRL; i++) {
		bool shared = false;

		made[i] = -1;
		if (!(bits & (1u << i)))
			continue;
		/* co-mounted controllers (cpu,cpuacct) share one directory */
		for (int j = 0; j < i; j++)
			shared = shared ||
				 ((bits & (1u << j)) &&
				  strcmp(host->v1_root[j], host->v1_root[i]) == 0);
		if (shared)
			continue;
		if (make_levels(host->v1_root[i], path, (1u << i) == KIT_CG_CPUSET,
				&made[i], err) < 0) {
			kit_cgroup_undo_levels(host->v1_root[i], path, made[i]);
			for (int j = 0; j < i; j++)
				kit_cgroup_undo_levels(host->v1_root[j], path, made[j]);
			return -err->code;
		}
	}
	*have = bits;
	return 0;
}

int kit_cgroup_v1_open(const struct kit_cgroup_host *host, const char *path,
		       unsigned controllers, unsigned *have, struct kit_err *err)
{
	unsigned want =
		controllers ? with_cpuacct(host, controllers) : host->v1_controllers;
	char dir[PATH_MAX];

	*have = 0;
	for (int i = 0; i < KIT_CG_NCTRL; i++) {
		unsigned bit = 1u << i;

		if (!(want & bit) || !host->v1_root[i][0])
			continue;
		if (kit_cgroup_join(dir, host->v1_root[i], path, err) < 0)
			return -err->code;
		if (kit_cgroup_is_dir(dir))
			*have |= bit;
		else if (controllers & bit)
			return kit_err_set(
				err, ENOENT,
				"create it first: mini-cgroup create -g "
				"CONTROLLERS:PATH",
				"open group %s: not in the %s hierarchy (%s)", path,
				kit_cgroup_controller_name(bit, KIT_CGROUP_V1), dir);
	}
	if (*have == 0)
		return kit_err_set(err, ENOENT,
				   "create it first: mini-cgroup create -g "
				   "CONTROLLERS:PATH",
				   "open group %s: in no v1 hierarchy", path);
	return 0;
}

int kit_cgroup_v1_delete(const struct kit_cgroup *cg, bool force, struct kit_err *err)
{
	struct kit_cgroup_dirs d;
	size_t count = 0;
	pid_t first = 0;

	kit_cgroup_dirs_of(cg, &d);
	/* Refuse before removing anything, so a busy group stays whole. */
	for (unsigned i = 0; i < d.n && !force; i++) {
		if (kit_cgroup_tree_procs(d.dir[i], &count, &first, err) < 0)
			return -err->code;
		if (count)
			return kit_cgroup_busy(err, d.dir[i], count, first);
	}
	for (unsigned i = 0; i < d.n; i++) {
		/* v1 has no cgroup.kill: signal every process we can see. */
		if (force && kit_cgroup_kill_tree(d.dir[i], err) < 0)
			return -err->code;
		if (kit_cgroup_rmdir_tree(d.dir[i], err) < 0)
			return -err->code;
	}
	return 0;
}
