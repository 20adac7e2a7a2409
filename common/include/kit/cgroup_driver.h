/* SPDX-License-Identifier: MIT */
/*
 * kit/cgroup_driver.h - what common/cgroup.c needs from each cgroup
 * version's driver (common/cgroup_v1.c, common/cgroup_v2.c), and the
 * helpers they share.  Only the cgroup files and their unit tests include
 * it; everyone else uses kit/cgroup.h.
 *
 * The two versions differ in how a group comes to exist and how it goes
 * away; reading and writing its files (limits, cgroup.procs, statistics)
 * is the same on both once the directory of each controller is known, so
 * that part lives in common/cgroup.c and common/cgroup_stat.c.
 */
#ifndef KIT_CGROUP_DRIVER_H
#define KIT_CGROUP_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "kit/cgroup.h"

/* The distinct directories of one group (co-mounted v1 controllers share). */
struct kit_cgroup_dirs {
	unsigned n;
	char dir[KIT_CG_NCTRL][PATH_MAX];
};

/*
 * Driver entry points.  @path has been checked by kit_cgroup_check_path()
 * and @controllers against host->controllers; create and open return the
 * controllers the group really has in *have.
 */
int kit_cgroup_v1_create(const struct kit_cgroup_host *host, const char *path,
			 unsigned controllers, unsigned *have, struct kit_err *err);
int kit_cgroup_v1_open(const struct kit_cgroup_host *host, const char *path,
		       unsigned controllers, unsigned *have, struct kit_err *err);
int kit_cgroup_v1_delete(const struct kit_cgroup *cg, bool force, struct kit_err *err);

int kit_cgroup_v2_create(const struct kit_cgroup_host *host, const char *path,
			 unsigned controllers, unsigned *have, struct kit_err *err);
int kit_cgroup_v2_open(const struct kit_cgroup_host *host, const char *path,
		       unsigned controllers, unsigned *have, struct kit_err *err);
int kit_cgroup_v2_delete(const struct kit_cgroup *cg, bool force, struct kit_err *err);

/* ---- shared helpers (common/cgroup.c) ------------------------------------ */

/* "@a/@b" into @buf (PATH_MAX); -ENAMETOOLONG (err filled) if it does not fit. */
int kit_cgroup_join(char *buf, const char *a, const char *b, struct kit_err *err);

/* The distinct directories of @cg, in controller-bit order. */
void kit_cgroup_dirs_of(const struct kit_cgroup *cg, struct kit_cgroup_dirs *d);

/* True if @path is a directory (symlinks are not followed: never one). */
bool kit_cgroup_is_dir(const char *path);

/*
 * kit_cgroup_read_procs - the pids in @dir/cgroup.procs (at most @max in
 * @pids; *n gets the full count).  Returns 0 or -errno.
 */
int kit_cgroup_read_procs(const char *dir, pid_t *pids, size_t max, size_t *n,
			  struct kit_err *err);

/*
 * kit_cgroup_tree_procs - how many processes live in @dir and every group
 * below it; *first gets one of them (0 if none).  Returns 0 or -errno.
 */
int kit_cgroup_tree_procs(const char *dir, size_t *count, pid_t *first,
			  struct kit_err *err);

/*
 * kit_cgroup_kill_tree - SIGKILL every process in @dir and below, again
 * and again until none is left (a forking process may add more while we
 * kill), for at most about 5 s.  Returns 0, or -EBUSY if some survive.
 */
int kit_cgroup_kill_tree(const char *dir, struct kit_err *err);

/*
 * kit_cgroup_rmdir_tree - remove @dir and the groups below it, deepest
 * first.  A group whose killed processes are still exiting is EBUSY for a
 * moment: retried for about 2 s.  A missing @dir is fine.  Returns 0 or
 * -errno naming the group.
 */
int kit_cgroup_rmdir_tree(const char *dir, struct kit_err *err);

/*
 * kit_cgroup_undo_levels - rmdir @root/@path and its parents up to depth
 * @made (0: the first part of @path; -1: nothing), deepest first: the undo
 * of a create that failed half way.
 */
void kit_cgroup_undo_levels(const char *root, const char *path, int made);

/*
 * kit_cgroup_busy - fill @err with "delete @path: EBUSY (N processes ...)"
 * for a group that still has processes.  Returns -EBUSY.
 */
int kit_cgroup_busy(struct kit_err *err, const char *path, size_t count, pid_t first);

#endif /* KIT_CGROUP_DRIVER_H */
