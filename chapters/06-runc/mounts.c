/* SPDX-License-Identifier: MIT */
/*
 * mounts.c - the container's file tree: config.json's mounts, /dev,
 * pivot_root, maskedPaths, readonlyPaths, the read-only root.
 *
 * Article §3.1 (and §2.4 for pivot_root).  The security lesson here: a
 * mount's destination is a path *inside the rootfs*, and the rootfs comes
 * from an image that anyone may have built.  If the image has
 * `dev -> /tmp/x` and we mount or mknod at ROOTFS/dev, the kernel follows
 * the symlink and we write on the host (runc's CVE-2021-30465 and others).
 * So every target is opened with openat2(RESOLVE_IN_ROOT): symlinks and
 * ".." are resolved as if ROOTFS were "/", and the mount goes through
 * /proc/self/fd/N, the fd we opened, never through the path again.
 *
 * Left out: idmapped mounts, mount labels (SELinux), the "tmpcopyup"
 * option, cgroup v1 mounts with every controller (v1 gets a read-only
 * tmpfs at /sys/fs/cgroup).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "kit/cleanup.h"
#include "kit/lab.h"
#include "runc.h"

static int openat2_in_root(int rootfd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	while (*path == '/')
		path++;
	if (!*path)
		path = ".";
	fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	return fd < 0 ? -errno : fd;
}

/*
 * A component that exists but is not a directory we could enter: a
 * symlink whose target is missing (dev -> /tmp/x, where the rootfs has no
 * /tmp/x).  Its target is a path inside the root like any other: write
 * into @out the path to make instead, the target followed by @rest.
 * Returns 0, or -ENOTDIR if it is no symlink.
 */
static int dangling_target(int parent, const char *name, const char *parent_path,
			   const char *rest, char *out)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(parent, name, target, sizeof(target) - 1);

	if (n < 0)
		return -ENOTDIR;
	target[n] = '\0';
	if (snprintf(out, PATH_MAX, "%s%s%s%s", target[0] == '/' ? "" : parent_path,
		     target[0] == '/' ? "" : "/", target, rest) >= PATH_MAX)
		return -ENAMETOOLONG;
	return 0;
}

static int open_in_root(int rootfd, const char *path, bool create, bool file, int depth,
			struct kit_err *err);

/* Make the missing components of @path, one at a time, inside the root. */
static int make_in_root(int rootfd, const char *path, bool file, int depth,
			struct kit_err *err)
{
	char prefix[PATH_MAX], link[PATH_MAX];
	size_t len = strlen(path);

	memcpy(prefix, path, len + 1);
	for (size_t i = 1; i <= len; i++) {
		_autoclose int parent = -1;
		char *slash, saved;
		int probe;

		if (i < len && prefix[i] != '/')
			continue;
		saved = prefix[i];
		prefix[i] = '\0';
		probe = openat2_in_root(rootfd, prefix, O_PATH);
		if (probe >= 0) {
			close(probe);
			prefix[i] = saved;
			continue;
		}
		slash = strrchr(prefix, '/');
		*slash = '\0';
		parent = openat2_in_root(rootfd, prefix, O_PATH | O_DIRECTORY);
		if (parent < 0)
			return kit_err_set(err, -parent, NULL, "open %s in the rootfs",
					   prefix[0] ? prefix : "/");
		if (dangling_target(parent, slash + 1, prefix, path + i, link) == 0) {
			/* a symlink: make its target instead (inside the root too) */
			if (depth >= 8)
				return kit_err_set(err, ELOOP, NULL,
						   "open %s in the rootfs", path);
			return open_in_root(rootfd, link, true, file, depth + 1, err);
		}
		*slash = '/';
		/* O_EXCL|O_NOFOLLOW, mkdirat: never through a planted symlink */
		if (i == len && file) {
			int f = openat(parent, slash + 1,
				       O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY |
					       O_CLOEXEC,
				       0644);
			if (f < 0)
				return kit_err_set(err, errno, NULL,
						   "create %s in the rootfs", prefix);
			close(f);
		} else if (mkdirat(parent, slash + 1, 0755) < 0) {
			return kit_err_set(err, errno, NULL, "create %s in the rootfs",
					   prefix);
		}
		prefix[i] = saved;
	}
	return 0;
}

static int open_in_root(int rootfd, const char *path, bool create, bool file, int depth,
			struct kit_err *err)
{
	int fd, ret;

	if (strlen(path) >= PATH_MAX)
		return kit_err_set(err, ENAMETOOLONG, NULL, "open %s in the rootfs",
				   path);
	/* LAB 06.3: resolve a mount target inside the rootfs.
	 * fd = openat2_in_root(rootfd, path, O_PATH).  If that worked,
	 * return fd.  If it failed with -ENOENT and @create, make the
	 * missing components with make_in_root(rootfd, path, file, depth,
	 * err) -- which returns what open_in_root returned when it had to
	 * follow a symlink: pass a fd >= 0 straight back -- and open again.
	 * Any other failure: return kit_err_set(err, -fd, NULL, "open %s in
	 * the rootfs", path).
	 * Stub: (void)openat2_in_root; (void)make_in_root; (void)rootfd; (void)create;
	 * Stub: (void)file;
	 * Stub: (void)depth; (void)fd; (void)ret;
	 * Stub: return kit_lab_todo(err, "06.3");
	 * Why: a path handed to mount(2) or mknod(2) is resolved by the
	 * kernel on the host, where the image's absolute symlinks point at
	 * the host's own /etc or /tmp.  RESOLVE_IN_ROOT makes the kernel
	 * treat @rootfd as "/" for the whole walk, ".." and symlinks
	 * included; mounting through /proc/self/fd/N of the fd it gave us
	 * means the path is never resolved again (no race either).
	 */
	fd = openat2_in_root(rootfd, path, O_PATH);
	if (fd == -ENOENT && create) {
		ret = make_in_root(rootfd, path, file, depth, err);
		if (ret != 0)
			return ret; /* an error, or the fd of a followed symlink */
		fd = openat2_in_root(rootfd, path, O_PATH);
	}
	/* END LAB */
	if (fd < 0)
		return kit_err_set(err, -fd, NULL, "open %s in the rootfs", path);
	return fd;
}

int runc_open_in_root(int rootfd, const char *path, bool create, bool file,
		      struct kit_err *err)
{
	return open_in_root(rootfd, path, create, file, 0, err);
}

static const char *mount_hint(int e)
{
	switch (e) {
	case EPERM:
		return "not allowed here: in a user namespace some filesystems "
		       "(sysfs without a network namespace, devpts gid=) are refused";
	case ENODEV: return "no such filesystem type in this kernel";
	case ENOENT: return "the source does not exist";
	case EINVAL: return "bad options for this filesystem type";
	default: return NULL;
	}
}

/* mount(2) at an fd we hold, through its /proc/self/fd/N name. */
static int mount_at_fd(const char *source, int fd, const char *type, unsigned long flags,
		       const char *data, const char *dest, struct kit_err *err)
{
	char target[64];

	snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
	if (mount(source, target, type, flags, data) < 0)
		return kit_err_set(err, errno, mount_hint(errno), "mount %s on %s",
				   source ? source
				   : type ? type
					  : "none",
				   dest);
	return 0;
}

/* Reopen a mount target: after mount(2) the old fd still sees what is under. */
static int remount_at(int rootfd, const struct oci_mount *m, unsigned long flags,
		      struct kit_err *err)
{
	_autoclose int fd = runc_open_in_root(rootfd, m->destination, false, false, err);

	if (fd < 0)
		return fd;
	return mount_at_fd(NULL, fd, NULL, flags, NULL, m->destination, err);
}

static int bind_mount(int rootfd, const struct oci_mount *m, const char *bundle,
		      struct kit_err *err)
{
	char src[PATH_MAX];
	_autoclose int fd = -1;
	struct stat sb;
	int ret;

	if (!m->source)
		return kit_err_set(err, EINVAL, "a bind mount needs a source",
				   "mount on %s", m->destination);
	if (m->source[0] == '/')
		snprintf(src, sizeof(src), "%s", m->source);
	else
		snprintf(src, sizeof(src), "%s/%s", bundle, m->source);
	if (stat(src, &sb) < 0)
		return kit_err_set(err, errno, NULL, "bind %s on %s", src,
				   m->destination);
	fd = runc_open_in_root(rootfd, m->destination, true, !S_ISDIR(sb.st_mode), err);
	if (fd < 0)
		return fd;
	ret = mount_at_fd(src, fd, NULL, MS_BIND | (m->recursive ? MS_REC : 0), NULL,
			  m->destination, err);
	/* Flags on a bind mount take a second call: MS_REMOUNT|MS_BIND. */
	if (ret == 0 && (m->flags & ~(MS_BIND | MS_REC)))
		ret = remount_at(rootfd, m,
				 MS_BIND | MS_REMOUNT | (m->flags & ~(MS_BIND | MS_REC)),
				 err);
	return ret;
}

/*
 * A "cgroup" mount on a v1 host, as runc makes it: a tmpfs, and in it one
 * directory per hierarchy (memory, cpu, ..., name=systemd) with the
 * container's own group bound there, so /sys/fs/cgroup/memory/ shows its
 * limits and nothing of the host's tree.  A hierarchy where the container
 * has no group (mini-runc makes cpuset only on demand) gets an empty
 * read-only tmpfs.  The host's hierarchies are read from our copy of its
 * mount table (still the host's tree: this runs before pivot_root).
 */
static int cgroup_v1_tree(int rootfd, int fd, const struct oci_mount *m,
			  const char *group, struct kit_err *err)
{
	char line[1024], dest[PATH_MAX], src[PATH_MAX + 64];
	FILE *f;
	int ret = mount_at_fd("tmpfs", fd, "tmpfs", m->flags & ~MS_RDONLY, "mode=755",
			      m->destination, err);

	if (ret < 0)
		return ret;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return kit_err_set(err, errno, NULL, "read /proc/self/mountinfo");
	while (ret == 0 && fgets(line, sizeof(line), f)) {
		char target[512], *dash = strstr(line, " - cgroup ");
		const char *name;
		_autoclose int dfd = -1;

		if (!dash || sscanf(line, "%*s %*s %*s %*s %511s", target) != 1 ||
		    strncmp(target, "/sys/fs/cgroup/", 15) != 0 ||
		    strchr(target + 15, '/'))
			continue;
		name = target + 15;
		snprintf(dest, sizeof(dest), "%s/%s", m->destination, name);
		dfd = runc_open_in_root(rootfd, dest, true, false, err);
		if (dfd < 0) {
			ret = dfd;
			break;
		}
		snprintf(src, sizeof(src), "%s/%s", target, group);
		if (group[0] && access(src, F_OK) == 0)
			ret = mount_at_fd(src, dfd, NULL, MS_BIND, NULL, dest, err);
		else
			ret = mount_at_fd("tmpfs", dfd, "tmpfs", MS_RDONLY, "size=0k",
					  dest, err);
		close(dfd);
		dfd = runc_open_in_root(rootfd, dest, false, false, err);
		if (ret == 0 && dfd >= 0 && (m->flags & MS_RDONLY))
			ret = mount_at_fd(NULL, dfd, NULL,
					  MS_BIND | MS_REMOUNT | MS_RDONLY | m->flags,
					  NULL, dest, err);
	}
	fclose(f);
	if (ret == 0 && (m->flags & MS_RDONLY))
		ret = remount_at(rootfd, m, MS_REMOUNT | m->flags, err);
	return ret;
}

static int other_mount(int rootfd, const struct oci_mount *m, const struct runc_init *in,
		       struct kit_err *err)
{
	_autoclose int fd = runc_open_in_root(rootfd, m->destination, true, false, err);
	const char *type = m->type;
	int ret;

	if (fd < 0)
		return fd;
	if (strcmp(type, "cgroup") == 0 || strcmp(type, "cgroup2") == 0) {
		/* cgroup v2 with a cgroup namespace: the container's own group */
		if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0 &&
		    in->cgroupns)
			return mount_at_fd("cgroup2", fd, "cgroup2", m->flags, NULL,
					   m->destination, err);
		return cgroup_v1_tree(rootfd, fd, m, in->cgroup, err);
	}
	ret = mount_at_fd(m->source ? m->source : type, fd, type, m->flags, m->data,
			  m->destination, err);
	if (ret == -EPERM && strcmp(type, "sysfs") == 0 && in->in_userns) {
		/* runc does the same: a user namespace without its own network
		 * namespace may not mount sysfs; the host's, read-only, will do */
		kit_err_clear(err);
		ret = mount_at_fd("/sys", fd, NULL, MS_BIND | MS_REC, NULL,
				  m->destination, err);
		if (ret == 0)
			ret = remount_at(rootfd, m,
					 MS_BIND | MS_REMOUNT | MS_RDONLY | m->flags,
					 err);
	}
	return ret;
}

static int mount_one(int rootfd, const struct oci_mount *m, const struct runc_init *in,
		     struct kit_err *err)
{
	int ret;

	if (m->bind || (m->type && strcmp(m->type, "bind") == 0))
		ret = bind_mount(rootfd, m, in->bundle, err);
	else if (!m->type)
		return kit_err_set(err, EINVAL, "give a type, or the bind option",
				   "mount on %s", m->destination);
	else
		ret = other_mount(rootfd, m, in, err);
	if (ret == 0 && m->propagation)
		ret = remount_at(rootfd, m, m->propagation, err);
	return ret;
}

/* The devices every container has, and where /dev's symlinks point. */
static const struct {
	const char *name;
	unsigned major, minor;
} default_devices[] = {
	{ "null", 1, 3 },   { "zero", 1, 5 },    { "full", 1, 7 },
	{ "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
};
static const char *const dev_links[][2] = {
	{ "fd", "/proc/self/fd" },       { "stdin", "/proc/self/fd/0" },
	{ "stdout", "/proc/self/fd/1" }, { "stderr", "/proc/self/fd/2" },
	{ "ptmx", "pts/ptmx" },
};

/* One device node at @path: mknod, or (in a user namespace, where mknod is
 * refused) a bind mount of the host's node onto an empty file. */
static int make_device(int rootfd, const char *path, char type, unsigned major,
		       unsigned minor, mode_t mode, uid_t uid, gid_t gid, bool userns,
		       struct kit_err *err)
{
	_autoclose int dir = -1, node = -1;
	char parent[PATH_MAX], host[PATH_MAX];
	const char *name = strrchr(path, '/') + 1;
	mode_t fmt = type == 'b' ? S_IFBLK : type == 'p' ? S_IFIFO : S_IFCHR;

	snprintf(parent, sizeof(parent), "%.*s", (int)(name - path), path);
	dir = runc_open_in_root(rootfd, parent, true, false, err);
	if (dir < 0)
		return dir;
	if (userns) {
		snprintf(host, sizeof(host), "%s", path);
		node = runc_open_in_root(rootfd, path, true, true, err);
		if (node < 0)
			return node;
		return mount_at_fd(host, node, NULL, MS_BIND, NULL, path, err);
	}
	unlinkat(dir, name, 0);
	if (mknodat(dir, name, fmt | (mode & 07777), makedev(major, minor)) < 0)
		return kit_err_set(err, errno, NULL, "mknod %s", path);
	if (fchownat(dir, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return kit_err_set(err, errno, NULL, "chown %s", path);
	return 0;
}

static int make_dev(int rootfd, const struct runc_init *in, struct kit_err *err)
{
	const struct oci_linux *lx = &in->spec->linux_;
	_autoclose int dev = -1;
	int ret;

	for (size_t i = 0; i < sizeof(default_devices) / sizeof(default_devices[0]);
	     i++) {
		char path[32];

		snprintf(path, sizeof(path), "/dev/%s", default_devices[i].name);
		ret = make_device(rootfd, path, 'c', default_devices[i].major,
				  default_devices[i].minor, 0666, 0, 0, in->in_userns,
				  err);
		if (ret < 0)
			return ret;
	}
	for (size_t i = 0; i < lx->n_devices; i++) {
		const struct oci_device *d = &lx->devices[i];

		ret = make_device(
			rootfd, d->path, d->type, (unsigned)d->major, (unsigned)d->minor,
			d->has_file_mode ? d->file_mode : 0666, d->has_uid ? d->uid : 0,
			d->has_gid ? d->gid : 0, in->in_userns, err);
		if (ret < 0)
			return ret;
	}
	dev = runc_open_in_root(rootfd, "/dev", true, false, err);
	if (dev < 0)
		return dev;
	for (size_t i = 0; i < sizeof(dev_links) / sizeof(dev_links[0]); i++) {
		/* created relative to the /dev we resolved in the root */
		if (symlinkat(dev_links[i][1], dev, dev_links[i][0]) < 0 &&
		    errno != EEXIST)
			return kit_err_set(err, errno, NULL, "link /dev/%s",
					   dev_links[i][0]);
	}
	return 0;
}

int runc_mounts_setup(const struct runc_init *in, struct kit_err *err)
{
	const struct oci_spec *spec = in->spec;
	unsigned long prop = spec->linux_.rootfs_propagation;
	_autoclose int rootfd = -1;
	int ret;

	if (!(in->create_flags & CLONE_NEWNS) && !in->joins)
		return kit_err_set(err, EINVAL, "add a \"mount\" namespace",
				   "set up the rootfs without a mount namespace");
	/* Nothing we mount may reach the host: slave (the default) or private. */
	if (mount(NULL, "/", NULL, MS_REC | (prop ? prop & ~MS_REC : MS_SLAVE), NULL) < 0)
		return kit_err_set(err, errno, NULL, "set the propagation of /");
	/* pivot_root wants the new root to be a mount point: bind it on itself */
	if (mount(in->rootfs, in->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return kit_err_set(err, errno, NULL, "bind the rootfs %s", in->rootfs);
	rootfd = open(in->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return kit_err_set(err, errno, NULL, "open the rootfs %s", in->rootfs);
	umask(0);
	for (size_t i = 0; i < spec->n_mounts; i++) {
		ret = mount_one(rootfd, &spec->mounts[i], in, err);
		if (ret < 0)
			return kit_err_wrap(err, "mounts[%zu]", i);
	}
	ret = make_dev(rootfd, in, err);
	umask(022);
	/* runc makes process.cwd when the image lacks it.  Best effort: a
	 * cwd that cannot be made here is refused by runc_chdir() later,
	 * with the message that says why. */
	if (ret == 0 && spec->process.cwd) {
		struct kit_err ignored = { 0 };
		int fd = runc_open_in_root(rootfd, spec->process.cwd, true, false,
					   &ignored);

		if (fd >= 0)
			close(fd);
	}
	return ret;
}

int runc_enter_root(const struct runc_init *in, struct kit_err *err)
{
	if (chdir(in->rootfs) < 0)
		return kit_err_set(err, errno, NULL, "enter the rootfs %s", in->rootfs);
	if (in->no_pivot) {
		/* --no-pivot: move the rootfs over / and chroot (a ramdisk root
		 * cannot be pivoted away from) */
		if (mount(in->rootfs, "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0)
			return kit_err_set(err, errno, NULL, "move the rootfs to /");
		return chdir("/") < 0 ? kit_err_set(err, errno, NULL, "chdir /") : 0;
	}
	/* pivot_root(".", "."): the old root ends up under the new one, at
	 * the same place; detach it and it is gone from our namespace */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return kit_err_set(err, errno,
				   errno == EINVAL
					   ? "the rootfs must be a mount point and "
					     "/ must not be shared (try --no-pivot "
					     "on a ramdisk)"
					   : NULL,
				   "pivot_root to %s", in->rootfs);
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0 ||
	    umount2(".", MNT_DETACH) < 0)
		return kit_err_set(err, errno, NULL, "detach the old root");
	return chdir("/") < 0 ? kit_err_set(err, errno, NULL, "chdir /") : 0;
}

/* The flags a remount must keep: in a user namespace the kernel refuses
 * to clear nosuid/nodev/noexec that the host set ("locked" flags). */
static unsigned long kept_flags(const char *path)
{
	struct statvfs sv;

	if (statvfs(path, &sv) < 0)
		return 0;
	return sv.f_flag & (ST_NOSUID | ST_NODEV | ST_NOEXEC | ST_NOATIME |
			    ST_NODIRATIME | ST_RELATIME);
}

int runc_mounts_finish(const struct oci_spec *spec, struct kit_err *err)
{
	const struct oci_linux *lx = &spec->linux_;
	struct stat sb;

	for (size_t i = 0; i < lx->n_masked_paths; i++) {
		const char *p = lx->masked_paths[i];

		if (stat(p, &sb) < 0)
			continue; /* nothing there to hide */
		if (S_ISDIR(sb.st_mode)
			    ? mount("tmpfs", p, "tmpfs", MS_RDONLY, "size=0k") < 0
			    : mount("/dev/null", p, NULL, MS_BIND, NULL) < 0)
			return kit_err_set(err, errno, NULL, "mask %s", p);
	}
	for (size_t i = 0; i < lx->n_readonly_paths; i++) {
		const char *p = lx->readonly_paths[i];

		if (stat(p, &sb) < 0)
			continue;
		if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0 ||
		    mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | kept_flags(p),
			  NULL) < 0)
			return kit_err_set(err, errno, NULL, "make %s read-only", p);
	}
	if (spec->root_readonly &&
	    mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | kept_flags("/"),
		  NULL) < 0)
		return kit_err_set(err, errno, NULL, "make the root read-only");
	return 0;
}
