/* SPDX-License-Identifier: MIT */
/*
 * kit/cgroup.h - control groups: one model of a group and its limits, two
 * drivers underneath (cgroup v1, one hierarchy per controller; cgroup v2,
 * one unified hierarchy), picked at run time from what the host mounts.
 *
 * Article: §2.3 Cgroups, §2.4 Cgroups with Namespace.  Chapter 03
 * (`mini-cgroup`) teaches this file; chapters 04, 06, 07 and 09 reuse it.
 *
 * Portable limit names and what they become:
 *   memory=50M          memory.limit_in_bytes (v1)     memory.max (v2)
 *   cpu=0.5             cpu.cfs_quota_us + _period_us  cpu.max "50000 100000"
 *   pids=64             pids.max                       pids.max
 *   io.read_bps=DEV:N   blkio.throttle.read_bps_device io.max "MAJ:MIN rbps=N"
 *   io.write_bps=DEV:N  blkio.throttle.write_bps_device io.max "MAJ:MIN wbps=N"
 * Any other key is taken as a raw file name of the group ("memory.high").
 *
 * Left out: the systemd driver (the kit writes cgroupfs itself), cpuset
 * and device controllers beyond what chapter 06 needs, and cgroup
 * delegation to unprivileged users.
 */
#ifndef KIT_CGROUP_H
#define KIT_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "kit/err.h"

/* Controllers, as bits. */
enum {
	KIT_CG_MEMORY = 1u << 0,
	KIT_CG_CPU = 1u << 1,
	KIT_CG_PIDS = 1u << 2,
	KIT_CG_IO = 1u << 3, /* "blkio" on v1 */
	KIT_CG_CPUSET = 1u << 4,
	KIT_CG_NCTRL = 5,
};

enum kit_cgroup_version { KIT_CGROUP_NONE, KIT_CGROUP_V1, KIT_CGROUP_V2 };

/* What this host offers; filled once by kit_cgroup_host_detect(). */
struct kit_cgroup_host {
	enum kit_cgroup_version driver;       /* the one the kit uses */
	bool hybrid;                          /* v1 controllers and a v2 mount together */
	char v2_root[PATH_MAX];               /* cgroup2 mount point, "" if none */
	char v1_root[KIT_CG_NCTRL][PATH_MAX]; /* per controller bit, "" if absent */
	unsigned controllers;                 /* KIT_CG_* usable with the driver */
};

/* One group: the same relative path in every hierarchy it uses. */
struct kit_cgroup {
	const struct kit_cgroup_host *host;
	char path[PATH_MAX]; /* relative to the root(s), e.g. "kit/c1" */
	unsigned controllers;
};

/* Usage and limits; a field the kernel does not report is UINT64_MAX. */
struct kit_cgroup_stat {
	uint64_t memory_current, memory_max, memory_peak, oom_kills;
	uint64_t cpu_usage_usec, cpu_quota_usec, cpu_period_usec;
	uint64_t nr_periods, nr_throttled, throttled_usec;
	uint64_t pids_current, pids_max;
};

/*
 * kit_cgroup_host_detect - read @mountinfo ("/proc/self/mountinfo"; a fake
 * file in unit tests) and decide the driver: v2 when a cgroup2 mount lists
 * controllers in cgroup.controllers, otherwise v1.  Returns 0, or -ENOENT
 * with a hint when the host has no usable cgroup mount at all.
 */
int kit_cgroup_host_detect(struct kit_cgroup_host *host, const char *mountinfo,
			   struct kit_err *err);

/*
 * kit_cgroup_create - create (or open, if it exists) the group @path for
 * @controllers in every hierarchy they live in.  On v2 it first enables the
 * controllers in cgroup.subtree_control of each parent.  @path must be
 * relative and contain no "..".  Fills *cg.  Returns 0 or -errno; on
 * failure nothing it created is left behind.
 */
int kit_cgroup_create(const struct kit_cgroup_host *host, const char *path,
		      unsigned controllers, struct kit_cgroup *cg, struct kit_err *err);

/*
 * kit_cgroup_set - apply one limit, "memory" "50M", "cpu" "0.5", "pids"
 * "64", "io.read_bps" "8:0:1048576", or a raw file name and value.  Checks
 * the value before writing anything.  Returns 0, or -errno naming the file.
 */
int kit_cgroup_set(const struct kit_cgroup *cg, const char *key, const char *value,
		   struct kit_err *err);

/* kit_cgroup_attach - move @pid (0: the caller) into the group. */
int kit_cgroup_attach(const struct kit_cgroup *cg, pid_t pid, struct kit_err *err);

/* kit_cgroup_stat - read usage, limits and OOM/throttle counters. */
int kit_cgroup_stat(const struct kit_cgroup *cg, struct kit_cgroup_stat *st,
		    struct kit_err *err);

/*
 * kit_cgroup_delete - remove the group from every hierarchy.  A group with
 * live processes is EBUSY with a hint, unless @force: then its processes
 * are killed first (cgroup.kill on v2, SIGKILL to each on v1) and waited
 * for until the group is empty.
 */
int kit_cgroup_delete(const struct kit_cgroup *cg, bool force, struct kit_err *err);

#endif /* KIT_CGROUP_H */
