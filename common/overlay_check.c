/* SPDX-License-Identifier: MIT */
/*
 * overlay_check.c - what the kernel lets through but should not, and the
 * mounted overlays read back out of the mount table.
 *
 * Article: §2.5 OverlayFS.  "WorkDir must be an empty directory", says the
 * article; Linux 6.18 does not insist, nor does it stop two overlays from
 * writing one upperdir, nor a mount on a symlink.  These checks run before
 * every mount (kit_overlay_mount() calls kit_overlay_check()):
 *
 *   check_merged()       the mount point: exists, no symlink, not "/",
 *                        no overlay on it already
 *   check_workdir()      empty, but for the kernel's own work/ and index/
 *   check_not_in_use()   no mounted overlay uses our upperdir or workdir
 *
 * and the same table answers "which layers does this mount have?":
 * kit_overlay_from_mount() (by mount point), kit_overlay_find_upper() (by
 * upperdir), both through kit_overlay_parse_options() in overlay.c.
 *
 * Left out: overlays mounted in other mount namespaces (each namespace has
 * its own table), and paths in the table that are relative (someone mounted
 * with relative paths: they are read from our own current directory).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kit/cleanup.h"
#include "kit/mount.h"
#include "kit/overlay.h"

static int check_merged(const char *merged, struct kit_err *err)
{
	_autofree char *fstype = NULL;
	struct stat st;
	int ret;

	if (strcmp(merged, "/") == 0)
		return kit_err_set(err, EINVAL,
				   "that would hide the whole root filesystem: give "
				   "an empty directory",
				   "check merged /");
	if (lstat(merged, &st) < 0) {
		int e = errno;

		return kit_err_set(err, e,
				   e == ENOENT ? "no such directory: create the "
						 "mount point first, with mkdir"
					       : NULL,
				   "find merged %s", merged);
	}
	/* mount(2) follows a symlink and mounts wherever it points. */
	if (S_ISLNK(st.st_mode))
		return kit_err_set(err, ELOOP,
				   "a symlink: the kernel would follow it and mount "
				   "wherever it points; give the directory itself",
				   "check merged %s", merged);
	if (!S_ISDIR(st.st_mode))
		return kit_err_set(err, ENOTDIR, "an overlay is mounted on a directory",
				   "check merged %s", merged);
	ret = kit_mount_find(merged, &fstype, NULL, err);
	if (ret < 0)
		return ret;
	if (ret == 1 && strcmp(fstype, "overlay") == 0)
		return kit_err_set(err, EBUSY,
				   "an overlay is mounted there already: unmount it "
				   "first, a second one would hide it",
				   "check merged %s", merged);
	return 0;
}

/*
 * The article asks for an empty workdir.  6.18 does not insist: it makes
 * work/ (and index/ with index=on) inside, empties work/ at every mount,
 * and leaves other entries alone.  Anything else there means the path is
 * probably not a workdir at all (a typo, the upperdir, someone's data).
 */
static int check_workdir(const char *work, struct kit_err *err)
{
	char hint[256], name[NAME_MAX + 1] = "";
	struct dirent *de;
	DIR *d = opendir(work);

	if (!d) {
		int e = errno;

		return kit_err_set(err, e, NULL, "read workdir %s", work);
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    strcmp(de->d_name, "work") && strcmp(de->d_name, "index")) {
			snprintf(name, sizeof(name), "%s", de->d_name);
			break;
		}
	}
	closedir(d);
	if (!name[0])
		return 0;
	snprintf(hint, sizeof(hint),
		 "it holds '%.40s': a workdir must be empty, and the kernel "
		 "keeps only its own work/ and index/ there, so this is "
		 "probably not one",
		 name);
	return kit_err_set(err, ENOTEMPTY, hint, "check workdir %s", work);
}

static bool same_file(const char *a, const struct stat *b)
{
	struct stat st;

	return stat(a, &st) == 0 && st.st_dev == b->st_dev && st.st_ino == b->st_ino;
}

/* Calls @fn with the layers of every mounted overlay (parsed options). */
struct overlay_walk {
	int (*fn)(const struct kit_mountinfo *mi, struct kit_overlay *other, void *arg);
	void *arg;
};

static int overlay_walk_one(const struct kit_mountinfo *mi, void *arg)
{
	struct overlay_walk *w = arg;
	struct kit_err ignored = { 0 };
	struct kit_overlay other;
	int ret = 0;

	if (strcmp(mi->fstype, "overlay") != 0)
		return 0;
	kit_overlay_init(&other);
	if (kit_overlay_parse_options(mi->super_opts, &other, &ignored) == 0)
		ret = w->fn(mi, &other, w->arg);
	kit_overlay_release(&other);
	return ret;
}

static int each_overlay(int (*fn)(const struct kit_mountinfo *, struct kit_overlay *,
				  void *),
			void *arg, struct kit_err *err)
{
	struct overlay_walk w = { fn, arg };

	return kit_mountinfo_each(overlay_walk_one, &w, err);
}

struct in_use {
	struct stat ours[2];   /* our upperdir, workdir */
	int mine;              /* found: which of ours (0 upper, 1 work) ... */
	const char *theirs;    /* ... is which of theirs */
	char target[PATH_MAX]; /* ... of the overlay mounted here */
};

static int in_use_one(const struct kit_mountinfo *mi, struct kit_overlay *other,
		      void *arg)
{
	static const char *names[] = { "upperdir", "workdir" };
	const char *theirs[2] = { other->upper, other->work };
	struct in_use *u = arg;

	if (!other->upper)
		return 0;
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2; j++)
			if (same_file(theirs[i], &u->ours[j])) {
				u->mine = j;
				u->theirs = names[i];
				snprintf(u->target, sizeof(u->target), "%s", mi->target);
				return 1;
			}
	return 0;
}

/*
 * Two overlays writing one upperdir (or sharing a workdir) corrupt each
 * other.  6.18 mounts the second anyway and only warns in the kernel log
 * ("upperdir is in-use as upperdir/workdir of another mount, accessing files
 * from both mounts will result in undefined behavior"); with index=on it
 * refuses with EBUSY.  We refuse always.
 */
static int check_not_in_use(const struct kit_overlay *ov, struct kit_err *err)
{
	struct in_use u = { 0 };
	char hint[PATH_MAX + 200];
	int ret;

	if (stat(ov->upper, &u.ours[0]) < 0 || stat(ov->work, &u.ours[1]) < 0)
		return 0; /* resolve() checked them: they vanished; mount will say */
	ret = each_overlay(in_use_one, &u, err);
	if (ret <= 0)
		return ret;
	snprintf(hint, sizeof(hint),
		 "it is already the %s of the overlay on %s: two overlays "
		 "writing one layer corrupt it; the kernel 6.18 mounts anyway "
		 "and only warns in dmesg, unless index=on",
		 u.theirs, u.target);
	return kit_err_set(err, EBUSY, hint, "check %s %s",
			   u.mine == 0 ? "upperdir" : "workdir",
			   u.mine == 0 ? ov->upper : ov->work);
}

int kit_overlay_check(const struct kit_overlay *ov, const char *merged,
		      struct kit_err *err)
{
	int ret = check_merged(merged, err);

	if (ret < 0 || !ov->upper)
		return ret;
	ret = check_workdir(ov->work, err);
	if (ret < 0)
		return ret;
	return check_not_in_use(ov, err);
}

/* ---- the mount table ------------------------------------------------- */

int kit_overlay_from_mount(const char *merged, struct kit_overlay *ov,
			   struct kit_err *err)
{
	_autofree char *fstype = NULL, *opts = NULL;
	char hint[128];
	int ret = kit_mount_find(merged, &fstype, &opts, err);

	if (ret < 0)
		return ret;
	if (ret == 0)
		return kit_err_set(err, EINVAL,
				   "nothing is mounted there: mount it first, or name "
				   "the layers with --lower and --upper",
				   "read the layers of %s", merged);
	if (strcmp(fstype, "overlay") != 0) {
		snprintf(hint, sizeof(hint), "a %.32s is mounted there, not an overlay",
			 fstype);
		return kit_err_set(err, EINVAL, hint, "read the layers of %s", merged);
	}
	ret = kit_overlay_parse_options(opts, ov, err);
	if (ret < 0)
		return kit_err_wrap(err, "read the layers of %s", merged);
	return 0;
}

struct find_upper {
	struct stat upper;
	struct kit_overlay *out;
};

static int find_upper_one(const struct kit_mountinfo *mi, struct kit_overlay *other,
			  void *arg)
{
	struct find_upper *f = arg;

	(void)mi;
	if (!other->upper || !same_file(other->upper, &f->upper))
		return 0;
	*f->out = *other; /* take its strings */
	kit_overlay_init(other);
	return 1;
}

int kit_overlay_find_upper(const char *upper, struct kit_overlay *ov, struct kit_err *err)
{
	struct find_upper f = { .out = ov };

	if (stat(upper, &f.upper) < 0) {
		int e = errno;

		return kit_err_set(err, e, NULL, "find upperdir %s", upper);
	}
	return each_overlay(find_upper_one, &f, err);
}
