/* SPDX-License-Identifier: MIT */
/*
 * rootfs.c - the container's own root filesystem (kit/rootfs.h).
 *
 * Article: §2.4 Cgroups with Namespace.  The article's one-liner ends in
 * `chroot DIR /bin/sh`: the process sees DIR as "/".  A real runtime does
 * more, in this order, all in the container's own mount namespace:
 *
 *   kit_rootfs_bind()        DIR bind-mounted onto itself: now a mount point
 *   kit_rootfs_mount_proc()  DIR/proc: the container's PID namespace
 *   kit_rootfs_mount_dev()   DIR/dev: a tmpfs with six device nodes + devpts
 *   kit_rootfs_mount_sys()   DIR/sys: sysfs, read-only
 *   kit_rootfs_pivot()       pivot_root(2), old root detached: no way back
 *   kit_rootfs_chroot()      or chroot(2): the old root is still there
 *
 * chroot(2) only changes where path lookup starts for one process; the
 * host's tree stays mounted, and a root process can walk back to it (the
 * chroot-twice escape, chapters/04-container/escape.c).  pivot_root(2)
 * changes the root mount of the whole mount namespace; once the old root
 * is unmounted there is nothing to walk back to.  That is why every
 * container runtime pivots, and chroots only where it cannot (an initramfs
 * root, which pivot_root refuses).
 *
 * Left out: read-only and masked paths, /dev/shm, /dev/mqueue, cgroupfs in
 * the container, and protection against an image that swaps a mount point
 * for a symlink while we mount (runc uses openat2 RESOLVE_IN_ROOT for it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "kit/lab.h"
#include "kit/rootfs.h"

int kit_rootfs_mode_parse(const char *word, enum kit_rootfs_mode *mode)
{
	if (strcmp(word, "pivot") == 0)
		*mode = KIT_ROOTFS_PIVOT;
	else if (strcmp(word, "chroot") == 0)
		*mode = KIT_ROOTFS_CHROOT;
	else
		return -EINVAL;
	return 0;
}

const char *kit_rootfs_mode_name(enum kit_rootfs_mode mode)
{
	return mode == KIT_ROOTFS_CHROOT ? "chroot" : "pivot";
}

/* ---- checking the path ------------------------------------------------- */

/* Room kept after the root for the longest name joined to it, "/dev/urandom". */
#define ROOT_SUFFIX_ROOM 16

int kit_rootfs_check_path(const char *path, struct kit_err *err)
{
	size_t len = strlen(path);

	if (len == 0)
		return kit_err_set(err, EINVAL,
				   "an empty path: give the image's directory",
				   "use rootfs ''");
	if (len > PATH_MAX - ROOT_SUFFIX_ROOM)
		return kit_err_set(err, ENAMETOOLONG, NULL, "use rootfs %.40s...", path);
	/* Look at each component between slashes: "a/../b" and "..", not "a..b". */
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return kit_err_set(
				err, EINVAL,
				"a path with '..' may lead somewhere other than it "
				"looks: give the directory without '..'",
				"use rootfs %s", path);
		p += n;
		p += strspn(p, "/");
	}
	return 0;
}

int kit_rootfs_resolve(const char *path, char *out, struct kit_err *err)
{
	struct stat st;
	int ret = kit_rootfs_check_path(path, err);

	if (ret < 0)
		return ret;
	/* lstat, not stat: the root itself must not be a symlink. */
	if (lstat(path, &st) < 0) {
		int e = errno;

		return kit_err_set(err, e,
				   e == ENOENT ? "no such directory: build the image "
						 "with 'make images', or check the path"
					       : NULL,
				   "use rootfs %s", path);
	}
	if (S_ISLNK(st.st_mode))
		return kit_err_set(
			err, ELOOP,
			"it is a symlink: give the directory it points to, so "
			"that nobody can re-point it under a running container",
			"use rootfs %s", path);
	if (!S_ISDIR(st.st_mode))
		return kit_err_set(err, ENOTDIR,
				   "not a directory: a root filesystem is a directory "
				   "tree, e.g. build/images/busybox/rootfs",
				   "use rootfs %s", path);
	if (!realpath(path, out))
		return kit_err_set(err, errno, NULL, "resolve rootfs %s", path);
	if (strlen(out) > PATH_MAX - ROOT_SUFFIX_ROOM)
		return kit_err_set(err, ENAMETOOLONG, NULL, "use rootfs %.40s...", out);
	return 0;
}

/* ---- mounting inside the root ------------------------------------------ */

/* Why mount(2) refused, for the mounts made here. */
static const char *mount_hint(int e, const char *fstype)
{
	switch (e) {
	case EPERM:
		if (fstype && strcmp(fstype, "proc") == 0)
			return "proc needs CAP_SYS_ADMIN over the PID namespace: in a "
			       "user namespace, create the PID namespace with it";
		if (fstype && strcmp(fstype, "sysfs") == 0)
			return "in a user namespace sysfs needs a network namespace "
			       "created with it (CLONE_NEWNET)";
		return "needs CAP_SYS_ADMIN over this mount namespace: run as root, "
		       "or in a user namespace that owns the mount namespace";
	case ENOENT: return "the mount point is missing in the root filesystem";
	case ENODEV: return "this kernel has no such filesystem type";
	case EINVAL:
		return "a source that is not a mount or directory, or mount options "
		       "this filesystem rejects (see dmesg)";
	default: return NULL;
	}
}

/* Mount and report in the kit's grammar: "mount TYPE on TARGET: ...". */
static int mount_at(const char *source, const char *target, const char *fstype,
		    unsigned long flags, const char *data, struct kit_err *err)
{
	if (mount(source, target, fstype, flags, data) < 0) {
		int e = errno;

		if (flags & MS_BIND)
			return kit_err_set(err, e, mount_hint(e, NULL), "bind %s on %s",
					   source, target);
		return kit_err_set(err, e, mount_hint(e, fstype), "mount %s on %s",
				   fstype, target);
	}
	return 0;
}

/* @root + "/" + @name into @out (PATH_MAX bytes). */
static int join(char *out, const char *root, const char *name, struct kit_err *err)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", root, name);

	if (n < 0 || n >= PATH_MAX)
		return kit_err_set(err, ENAMETOOLONG, NULL, "join %.40s... and %s", root,
				   name);
	return 0;
}

/*
 * The directory @root/@name to mount on, in @path: created when missing,
 * refused when it is a symlink.  mount(2) follows symlinks, so an image
 * whose proc/ points at /etc would otherwise get a mount on the host's
 * /etc (in chroot mode, where the host's tree is still reachable).
 */
static int mount_point(const char *root, const char *name, char *path,
		       struct kit_err *err)
{
	struct stat st;
	int ret = join(path, root, name, err);

	if (ret < 0)
		return ret;
	if (lstat(path, &st) < 0) {
		if (errno != ENOENT)
			return kit_err_set(err, errno, NULL, "look at mount point %s",
					   path);
		if (mkdir(path, 0755) < 0) {
			int e = errno;

			return kit_err_set(err, e,
					   e == EROFS ? "the image is read-only: add "
							"the directory to it"
						      : NULL,
					   "create mount point %s", path);
		}
		return 0;
	}
	if (S_ISLNK(st.st_mode))
		return kit_err_set(err, ELOOP,
				   "a symlink in the image where a mount point "
				   "belongs: refusing to follow it",
				   "use mount point %s", path);
	if (!S_ISDIR(st.st_mode))
		return kit_err_set(err, ENOTDIR, NULL, "use mount point %s", path);
	return 0;
}

int kit_rootfs_bind(const char *root, struct kit_err *err)
{
	/* TODO lab 04.1: make the root directory a mount point.
	 * Bind-mount @root onto itself with mount_at(): source and target
	 * are both @root, no filesystem type, flags MS_BIND | MS_REC (REC
	 * brings along anything mounted below it), no data.
	 */
	(void)mount_at; (void)root;
	return kit_lab_todo(err, "04.1");
}

int kit_rootfs_mount_proc(const char *root, struct kit_err *err)
{
	char path[PATH_MAX];
	int ret = mount_point(root, "proc", path, err);

	if (ret < 0)
		return ret;
	/* TODO lab 04.2: mount a proc for the container's PID namespace.
	 * mount_at() source "proc", target @path, type "proc", flags
	 * MS_NOSUID | MS_NODEV | MS_NOEXEC, no data.
	 */
	(void)path;
	return kit_lab_todo(err, "04.2");
}

int kit_rootfs_mount_sys(const char *root, struct kit_err *err)
{
	char path[PATH_MAX];
	int ret = mount_point(root, "sys", path, err);

	if (ret < 0)
		return ret;
	/* TODO lab 04.2: mount sysfs, read-only.
	 * mount_at() source "sysfs", target @path, type "sysfs", flags
	 * MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, no data.
	 */
	(void)path;
	return kit_lab_todo(err, "04.2");
}

/* ---- /dev -------------------------------------------------------------- */

/* The device nodes every container gets (the OCI runtime spec's list). */
static const struct dev_node {
	const char *name;
	unsigned int major, minor;
} dev_nodes[] = {
	{ "null", 1, 3 },   { "zero", 1, 5 },    { "full", 1, 7 },
	{ "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
};

/* The links every program expects in /dev. */
static const struct dev_link {
	const char *name, *target;
} dev_links[] = {
	{ "ptmx", "pts/ptmx" },          { "fd", "/proc/self/fd" },
	{ "stdin", "/proc/self/fd/0" },  { "stdout", "/proc/self/fd/1" },
	{ "stderr", "/proc/self/fd/2" },
};

/* Create the device node @path with mknod(2), mode 0666 whatever the umask. */
static int make_node(const char *path, const struct dev_node *d, struct kit_err *err)
{
	if (mknod(path, S_IFCHR | 0666, makedev(d->major, d->minor)) < 0) {
		int e = errno;

		return kit_err_set(err, e,
				   e == EPERM ? "needs CAP_MKNOD, which a user namespace "
						"never has: bind the host's node instead"
					      : NULL,
				   "create device %s (%u:%u)", path, d->major, d->minor);
	}
	if (chmod(path, 0666) < 0)
		return kit_err_set(err, errno, NULL, "chmod 0666 %s", path);
	return 0;
}

/* Bind the host's /dev/NAME onto an empty file at @path. */
static int bind_node(const char *path, const struct dev_node *d, struct kit_err *err)
{
	char host[64];
	int fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0666);

	if (fd < 0)
		return kit_err_set(err, errno, NULL, "create %s", path);
	close(fd);
	snprintf(host, sizeof(host), "/dev/%s", d->name);
	return mount_at(host, path, NULL, MS_BIND, NULL, err);
}

int kit_rootfs_mount_dev(const char *root, bool in_userns, struct kit_err *err)
{
	char dev[PATH_MAX], path[PATH_MAX];
	int ret = mount_point(root, "dev", dev, err);

	if (ret < 0)
		return ret;
	ret = mount_at("tmpfs", dev, "tmpfs", MS_NOSUID | MS_STRICTATIME,
		       "mode=755,size=65536k", err);
	if (ret < 0)
		return ret;
	/* TODO lab 04.3: fill the new /dev: device nodes, then a devpts.
	 * For each entry of dev_nodes[], join() dev and its name into path,
	 * then make_node() it, or bind_node() it when @in_userns.  Then
	 * create dev/pts (mode 0755) and mount a devpts instance of its own
	 * there: mount_at("devpts", path, "devpts", MS_NOSUID | MS_NOEXEC,
	 * data) with data "newinstance,ptmxmode=0666,mode=0620", plus
	 * ",gid=5" (the tty group) when not @in_userns.
	 */
	(void)make_node; (void)bind_node; (void)in_userns; (void)path;
	(void)dev_nodes;
	return kit_lab_todo(err, "04.3");
	for (size_t i = 0; i < sizeof(dev_links) / sizeof(dev_links[0]); i++) {
		ret = join(path, dev, dev_links[i].name, err);
		if (ret < 0)
			return ret;
		if (symlink(dev_links[i].target, path) < 0)
			return kit_err_set(err, errno, NULL, "create link %s", path);
	}
	return 0;
}

/* ---- entering the root ------------------------------------------------- */

/* glibc has no wrapper for pivot_root(2). */
static int sys_pivot_root(const char *new_root, const char *put_old)
{
	return (int)syscall(SYS_pivot_root, new_root, put_old);
}

/* pivot_root(2) has rules of its own; EINVAL is how it says one is broken. */
static const char *pivot_hint(int e)
{
	switch (e) {
	case EINVAL:
		return "pivot_root wants the new root to be a mount point (bind it "
		       "onto itself first), neither it nor the current root to be "
		       "shared-propagated (make every mount private first: "
		       "MS_REC|MS_PRIVATE on /), put_old at or under the new root, "
		       "and a current root that is not the initramfs rootfs (use "
		       "--root-mode chroot there)";
	case EBUSY: return "new root or put_old is already the root, or busy";
	case EPERM:
		return "needs CAP_SYS_ADMIN over the mount namespace: call it in "
		       "a mount namespace of our own";
	default: return NULL;
	}
}

int kit_rootfs_pivot(const char *root, struct kit_err *err)
{
	if (chdir(root) < 0)
		return kit_err_set(err, errno, NULL, "enter %s", root);
	/* TODO lab 04.1: swap the root mount, then drop the old one.
	 * We are in @root.  pivot_root(".", ".") with sys_pivot_root():
	 * new_root and put_old may be the same directory; the old root is
	 * then stacked on top of the new one.  Report failure as
	 * "pivot_root to <root>" with pivot_hint(e).  Then umount2(".",
	 * MNT_DETACH) takes the old root off (report as "detach the old
	 * root"), and chdir("/") puts us at the top of the new root.
	 */
	(void)sys_pivot_root; (void)pivot_hint;
	return kit_lab_todo(err, "04.1");
	return 0;
}

int kit_rootfs_chroot(const char *root, struct kit_err *err)
{
	if (chdir(root) < 0)
		return kit_err_set(err, errno, NULL, "enter %s", root);
	if (chroot(".") < 0) {
		int e = errno;

		return kit_err_set(err, e, e == EPERM ? "needs CAP_SYS_CHROOT" : NULL,
				   "chroot to %s", root);
	}
	if (chdir("/") < 0)
		return kit_err_set(err, errno, NULL, "enter the new root");
	return 0;
}

int kit_rootfs_enter(const char *root, enum kit_rootfs_mode mode, bool in_userns,
		     struct kit_err *err)
{
	int ret = kit_rootfs_bind(root, err);

	if (ret == 0)
		ret = kit_rootfs_mount_proc(root, err);
	if (ret == 0)
		ret = kit_rootfs_mount_dev(root, in_userns, err);
	if (ret == 0)
		ret = kit_rootfs_mount_sys(root, err);
	if (ret < 0)
		return ret;
	if (mode == KIT_ROOTFS_CHROOT)
		return kit_rootfs_chroot(root, err);
	return kit_rootfs_pivot(root, err);
}
