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
 * The code is split by concept: common/cgroup.c (host detection, the
 * model, attach/set/stat shared by both versions), common/cgroup_limit.c
 * (the limit parser and translation), common/cgroup_v1.c and
 * common/cgroup_v2.c (how each version creates and deletes a group).
 *
 * Left out: the systemd driver (the kit writes cgroupfs itself), cpuset
 * and device controllers beyond what chapter 06 needs, and cgroup
 * delegation to unprivileged users.
 */
#ifndef KIT_CGROUP_H
#define KIT_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
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
	KIT_CG_HUGETLB = 1u << 5,
	/* v1 keeps CPU usage in its own hierarchy, cpuacct; a group with
	 * KIT_CG_CPU gets it too.  On v2 cpu.stat is in every group. */
	KIT_CG_CPUACCT = 1u << 6,
	KIT_CG_NCTRL = 7,
};

enum kit_cgroup_version { KIT_CGROUP_NONE, KIT_CGROUP_V1, KIT_CGROUP_V2 };

/* What this host offers; filled once by kit_cgroup_host_detect(). */
struct kit_cgroup_host {
	enum kit_cgroup_version driver;       /* the one the kit uses */
	bool hybrid;                          /* v1 controllers and a v2 mount together */
	char v2_root[PATH_MAX];               /* cgroup2 mount point, "" if none */
	char v1_root[KIT_CG_NCTRL][PATH_MAX]; /* per controller bit, "" if absent */
	unsigned controllers;                 /* KIT_CG_* usable with the driver */
	unsigned v1_controllers;              /* KIT_CG_* with a v1 hierarchy */
	unsigned v2_controllers; /* KIT_CG_* in the v2 root's cgroup.controllers */
};

/* One group: the same relative path in every hierarchy it uses. */
struct kit_cgroup {
	const struct kit_cgroup_host *host;
	char path[PATH_MAX]; /* relative to the root(s), e.g. "kit/c1" */
	unsigned controllers;
};

/* A limit that is "max" (no limit) reads as this in struct kit_cgroup_stat. */
#define KIT_CGROUP_UNLIMITED (UINT64_MAX - 1)

/* Usage and limits; a field the kernel does not report is UINT64_MAX. */
struct kit_cgroup_stat {
	uint64_t memory_current, memory_max, memory_peak, oom_kills;
	uint64_t cpu_usage_usec, cpu_quota_usec, cpu_period_usec;
	uint64_t nr_periods, nr_throttled, throttled_usec;
	uint64_t pids_current, pids_max;
	uint64_t oom_events;   /* times the group hit OOM (v1 under_oom is a state) */
	uint64_t pids_refused; /* forks refused by pids.max (pids.events "max") */
	uint64_t memory_failcnt;
};

/*
 * kit_cgroup_host_detect - read @mountinfo ("/proc/self/mountinfo"; a fake
 * file in unit tests) and decide the driver: v2 when a cgroup2 mount lists
 * controllers in cgroup.controllers, otherwise v1.  Returns 0, or -ENOENT
 * with a hint when the host has no usable cgroup mount at all.
 *
 * On a hybrid host (v1 controllers plus a cgroup2 mount, as systemd's
 * "hybrid" mode makes) the cgroup2 mount usually lists only what no v1
 * hierarchy holds (hugetlb): the driver is the one that offers more of
 * memory, cpu and pids, and v1 when they tie.
 */
int kit_cgroup_host_detect(struct kit_cgroup_host *host, const char *mountinfo,
			   struct kit_err *err);

/*
 * kit_cgroup_host_parse - the pure half of detection: fill the mount points
 * of @host from the text of a mountinfo file (no file is read; the fuzzer
 * calls this).  Returns 0, or -EINVAL naming the first malformed line.
 */
int kit_cgroup_host_parse(struct kit_cgroup_host *host, const char *text,
			  struct kit_err *err);

/*
 * kit_cgroup_host_use - make @version the driver of an already detected
 * @host (mini-cgroup --driver v2 on a hybrid host).  Returns 0, or -ENOENT
 * when the host has no hierarchy of that version.
 */
int kit_cgroup_host_use(struct kit_cgroup_host *host, enum kit_cgroup_version version,
			struct kit_err *err);

/* kit_cgroup_host_describe - "v1 (hybrid: cgroup2 at ... has hugetlb)". */
char *kit_cgroup_host_describe(const struct kit_cgroup_host *host, char *buf,
			       size_t size);

/*
 * kit_cgroup_controller_name - "memory", or "blkio"/"io" for KIT_CG_IO
 * depending on @version.  NULL for a bit that is not one controller.
 */
const char *kit_cgroup_controller_name(unsigned bit, enum kit_cgroup_version version);

/*
 * kit_cgroup_controller_index - where controller @bit (one KIT_CG_* bit)
 * is in per-controller arrays such as host->v1_root[]; -1 if @bit is not
 * exactly one controller.
 */
int kit_cgroup_controller_index(unsigned bit);

/*
 * kit_cgroup_controllers_parse - "cpu,memory" into KIT_CG_* bits in *out.
 * Accepts either version's names ("blkio" and "io", "cpuacct").  Returns 0,
 * or -EINVAL naming the unknown controller.
 */
int kit_cgroup_controllers_parse(const char *list, unsigned *out, struct kit_err *err);

/* kit_cgroup_controllers_describe - KIT_CG_* bits as "memory,cpu". */
char *kit_cgroup_controllers_describe(unsigned controllers,
				      enum kit_cgroup_version version, char *buf,
				      size_t size);

/*
 * kit_cgroup_check_path - refuse a group path that could leave the
 * hierarchy or is not one: empty, absolute, "..", ".", "a//b", control
 * characters, too long.  Returns 0 or -EINVAL with the reason.
 */
int kit_cgroup_check_path(const char *path, struct kit_err *err);

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
 * kit_cgroup_open - fill *cg for the existing group @path.  @controllers 0
 * means "every controller whose hierarchy has the group"; otherwise each one
 * asked for must have it.  Creates nothing.  Returns 0, or -ENOENT when the
 * group (or one of the controllers) is missing.
 */
int kit_cgroup_open(const struct kit_cgroup_host *host, const char *path,
		    unsigned controllers, struct kit_cgroup *cg, struct kit_err *err);

/*
 * kit_cgroup_dir - the directory of @cg that holds @controller's files,
 * into @buf (PATH_MAX bytes): v1_root[controller]/path on v1, the one
 * v2_root/path on v2.  Returns @buf, or NULL if the host lacks it.
 */
char *kit_cgroup_dir(const struct kit_cgroup *cg, unsigned controller, char *buf);

/*
 * kit_cgroup_set - apply one limit, "memory" "50M", "cpu" "0.5", "pids"
 * "64", "io.read_bps" "8:0:1048576", or a raw file name and value.  Checks
 * the value before writing anything.  Returns 0, or -errno naming the file.
 */
int kit_cgroup_set(const struct kit_cgroup *cg, const char *key, const char *value,
		   struct kit_err *err);

/* kit_cgroup_attach - move @pid (0: the caller) into the group. */
int kit_cgroup_attach(const struct kit_cgroup *cg, pid_t pid, struct kit_err *err);

/*
 * kit_cgroup_procs - the processes in the group (in its first hierarchy on
 * v1), into @pids (at most @max; *n gets how many there are, which may be
 * more than @max).  Returns 0 or -errno.
 */
int kit_cgroup_procs(const struct kit_cgroup *cg, pid_t *pids, size_t max, size_t *n,
		     struct kit_err *err);

/* kit_cgroup_stat - read usage, limits and OOM/throttle counters. */
int kit_cgroup_stat(const struct kit_cgroup *cg, struct kit_cgroup_stat *st,
		    struct kit_err *err);

/*
 * kit_cgroup_delete - remove the group from every hierarchy.  A group with
 * live processes is EBUSY with a hint, unless @force: then its processes
 * are killed first (cgroup.kill on v2, SIGKILL to each on v1) and waited
 * for until the group is empty.  Child groups are removed first, the way
 * `cgdelete -r` does.
 */
int kit_cgroup_delete(const struct kit_cgroup *cg, bool force, struct kit_err *err);

/* ---- limits: parsing and translation (common/cgroup_limit.c) ---------- */

/* One file write a limit turns into. */
struct kit_cgroup_write {
	unsigned controller; /* KIT_CG_* whose directory holds the file */
	char file[64];       /* "memory.max" */
	char value[128];     /* "52428800" */
	bool optional;       /* skip it if the kernel lacks the file (no swap) */
};

#define KIT_CGROUP_MAX_WRITES 4

/*
 * kit_cgroup_translate - turn the portable limit @key=@value into the file
 * writes of cgroup @version, in the order they must happen, into @w.
 * Only checks and formats: touches no file.  Returns the number of writes
 * (>= 1), or -EINVAL with a message that says which part is wrong.
 */
int kit_cgroup_translate(enum kit_cgroup_version version, const char *key,
			 const char *value,
			 struct kit_cgroup_write w[KIT_CGROUP_MAX_WRITES],
			 struct kit_err *err);

/*
 * kit_cgroup_parse_size - "50M" into 52428800 bytes: digits, then an
 * optional K, M, G or T (powers of 1024, any case, an optional "iB" or
 * "B").  Refuses signs, spaces, fractions and overflow with -EINVAL/-ERANGE.
 */
int kit_cgroup_parse_size(const char *text, uint64_t *bytes, struct kit_err *err);

/*
 * kit_cgroup_parse_cpus - "0.5" cores into a CFS quota for @period_usec:
 * *quota_usec = cores * period.  Refuses 0, more than 4096 cores, more
 * than 6 decimals and a quota below the kernel's 1 ms minimum.
 */
int kit_cgroup_parse_cpus(const char *text, uint64_t period_usec, uint64_t *quota_usec,
			  struct kit_err *err);

/*
 * kit_cgroup_other_version_hint - for a raw file name of the other
 * version ("memory.limit_in_bytes" on v2) the name to use instead, as a
 * hint sentence; NULL if @file is not one the kit knows.
 */
const char *kit_cgroup_other_version_hint(enum kit_cgroup_version version,
					  const char *file);

#endif /* KIT_CGROUP_H */
