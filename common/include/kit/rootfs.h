/* SPDX-License-Identifier: MIT */
/*
 * kit/rootfs.h - give a container a root filesystem of its own: the image
 * directory becomes "/", with a /proc, a minimal /dev and a /sys inside,
 * and the host's tree out of reach (pivot_root) or merely out of sight
 * (chroot).
 *
 * Article: §2.4 Cgroups with Namespace (the `chroot` at the end of the
 * article's one-liner).  Chapter 04 (`mini-container`) teaches this file;
 * chapter 06's OCI runtime reuses it.
 *
 * Every function here runs in the container's first process, after it has
 * a mount namespace of its own whose mounts are private
 * (kit_ns_make_mounts_private); every mount it makes lives and dies with
 * that namespace.  kit_rootfs_enter() does all the steps in order.
 *
 * Left out: read-only roots, masked /proc paths, /dev/shm and /dev/mqueue,
 * and cgroupfs inside the container (chapter 06 takes them from the OCI
 * config).
 */
#ifndef KIT_ROOTFS_H
#define KIT_ROOTFS_H

#include <limits.h>
#include <stdbool.h>

#include "kit/err.h"

/* How the container's process is moved into its root. */
enum kit_rootfs_mode {
	KIT_ROOTFS_PIVOT,  /* pivot_root(2), then detach the old root: no way back */
	KIT_ROOTFS_CHROOT, /* chroot(2): the host's tree is still in the namespace */
};

/*
 * kit_rootfs_mode_parse - "pivot" or "chroot" into *mode.  Returns 0, or
 * -EINVAL for any other word (nothing is written then).
 */
int kit_rootfs_mode_parse(const char *word, enum kit_rootfs_mode *mode);

/* kit_rootfs_mode_name - "pivot" or "chroot". */
const char *kit_rootfs_mode_name(enum kit_rootfs_mode mode);

/*
 * kit_rootfs_check_path - refuse a root path that is empty, longer than
 * PATH_MAX - 16 (room for "/proc" and friends), or has a ".." component.
 * Looks only at the string, never at the disk.  Returns 0 or -EINVAL /
 * -ENAMETOOLONG with @err saying which rule it broke.
 */
int kit_rootfs_check_path(const char *path, struct kit_err *err);

/*
 * kit_rootfs_resolve - check @path (kit_rootfs_check_path), then that it
 * exists, is a directory, and is not itself a symlink, and write its
 * absolute, symlink-free form to @out (PATH_MAX bytes).  Returns 0, or
 * -ENOENT, -ENOTDIR, -ELOOP (a symlink), -EACCES ... with @err naming the
 * path and what to give instead.
 */
int kit_rootfs_resolve(const char *path, char *out, struct kit_err *err);

/*
 * kit_rootfs_bind - bind-mount the directory @root onto itself
 * (MS_BIND | MS_REC), so that it is a mount point, as pivot_root(2) wants.
 * Returns 0 or -errno.  The mount lives in the caller's mount namespace.
 */
int kit_rootfs_bind(const char *root, struct kit_err *err);

/*
 * kit_rootfs_mount_proc - mount a new proc on @root/proc (nosuid, nodev,
 * noexec).  Call it in the first process of the container's PID namespace:
 * proc shows the PID namespace of whoever mounts it.  @root/proc is
 * created when missing; a symlink there is refused (-ELOOP), since an
 * image could aim it at a host directory.  Returns 0 or -errno.
 */
int kit_rootfs_mount_proc(const char *root, struct kit_err *err);

/*
 * kit_rootfs_mount_sys - mount sysfs read-only on @root/sys.  In a user
 * namespace the kernel allows it only with a network namespace created
 * under that user namespace.  Same mount-point rules as above.
 */
int kit_rootfs_mount_sys(const char *root, struct kit_err *err);

/*
 * kit_rootfs_mount_dev - a minimal /dev on @root/dev: a small tmpfs holding
 * null, zero, full, random, urandom and tty, a devpts instance of its own
 * on pts/ with ptmx -> pts/ptmx, and the fd, stdin, stdout, stderr links
 * into /proc/self/fd.  With @in_userns the device nodes are bind mounts of
 * the host's (a user namespace may not mknod); otherwise they are made
 * with mknod(2).  Returns 0 or -errno.
 */
int kit_rootfs_mount_dev(const char *root, bool in_userns, struct kit_err *err);

/*
 * kit_rootfs_pivot - make @root (a mount point: kit_rootfs_bind) the root
 * of the caller's mount namespace with pivot_root(2), detach the old root
 * (umount2 MNT_DETACH) so that no path leads back to the host, and chdir
 * to the new "/".  Returns 0, or -errno; EINVAL comes with the rules
 * pivot_root enforces.
 */
int kit_rootfs_pivot(const char *root, struct kit_err *err);

/*
 * kit_rootfs_chroot - chdir to @root, then chroot(2) to it.  The old root
 * stays mounted in the namespace: a root process can climb back out (the
 * chroot-twice escape).  Chapter 04 keeps it to show exactly that.
 */
int kit_rootfs_chroot(const char *root, struct kit_err *err);

/*
 * kit_rootfs_enter - the whole sequence: bind @root onto itself, mount
 * proc, dev and sys in it, then pivot or chroot as @mode says.  On return
 * the caller's "/" is @root and its working directory is "/".  Returns 0,
 * or -errno with @err naming the step that failed.
 */
int kit_rootfs_enter(const char *root, enum kit_rootfs_mode mode, bool in_userns,
		     struct kit_err *err);

#endif /* KIT_ROOTFS_H */
