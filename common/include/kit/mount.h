/* SPDX-License-Identifier: MIT */
/*
 * kit/mount.h - what every mounting chapter needs besides mount(2) itself:
 * a clean absolute path to hand to the kernel, the mount table as the
 * kernel shows it (/proc/self/mountinfo), and umount with a hint.
 *
 * Article: §2.5 OverlayFS (chapter 05 mounts and unmounts overlays); the
 * container chapters (04, 06, 07, 09) reuse it for their own mounts.
 *
 * Left out: the new mount API (fsopen/fsconfig/fsmount/move_mount),
 * propagation changes (common/ns.c does MS_PRIVATE), and /proc/mounts,
 * which lacks the mount ids and parents that mountinfo has.
 */
#ifndef KIT_MOUNT_H
#define KIT_MOUNT_H

#include "kit/err.h"

/*
 * kit_mount_abspath - an absolute, tidy copy of @path for the kernel and for
 * the mount table: a relative path is taken from the current directory,
 * "//" and "/./" collapse, a trailing "/" goes.  A ".." component is
 * refused (EINVAL): layer and mount paths are often built from names that
 * others chose (an image, a container id), and ".." is how those escape.
 * Symlinks are not resolved.  @what names the path in messages
 * ("lowerdir 2").  On success *out is the caller's to free().
 */
int kit_mount_abspath(const char *what, const char *path, char **out,
		      struct kit_err *err);

/* One line of /proc/self/mountinfo (see proc(5)), split in place. */
struct kit_mountinfo {
	int id;     /* mount id, unique while mounted */
	int parent; /* the id of the mount this one sits on */
	unsigned int major, minor;
	const char *root; /* the directory of the filesystem mounted here */
	const char *target;
	const char *mount_opts; /* per-mount: rw,nosuid,relatime ... */
	const char *fstype;     /* "overlay", "tmpfs" ... */
	const char *source;     /* "overlay", "/dev/vda" ... */
	const char *super_opts; /* per-filesystem: lowerdir=...,upperdir=... */
};

/*
 * kit_mountinfo_parse - split one mountinfo @line (no newline) in place into
 * @mi, undoing the kernel's octal escapes (\040 for a space, \134 for a
 * backslash ...) in every text field.  @mi points into @line afterwards.
 * Returns 0, or -EINVAL for a line that is not in mountinfo's format.
 */
int kit_mountinfo_parse(char *line, struct kit_mountinfo *mi);

/*
 * kit_mountinfo_each - call @fn for every mount in kit_mountinfo_path, in
 * the order the kernel lists them (a later mount on the same target is on
 * top).  @fn returns 0 to go on; anything else stops the walk and is
 * returned.  The strings in *mi live only during the call.  Returns 0 when
 * @fn never stopped it, or -errno if the table could not be read.
 */
int kit_mountinfo_each(int (*fn)(const struct kit_mountinfo *mi, void *arg), void *arg,
		       struct kit_err *err);

/*
 * kit_mount_find - the top-most mount whose target is exactly @target (an
 * absolute, tidy path).  On 1 (found), *fstype and *super_opts (either may
 * be NULL) are heap copies the caller must free().  Returns 1, 0 when
 * nothing is mounted there, or -errno.
 */
int kit_mount_find(const char *target, char **fstype, char **super_opts,
		   struct kit_err *err);

/* Where the mount table is read from; tests point it at a fake file. */
extern const char *kit_mountinfo_path;

/*
 * kit_umount - umount2(@target, @flags) (MNT_DETACH, UMOUNT_NOFOLLOW ...)
 * with a hint for the errors people meet: EBUSY (something still uses it),
 * EINVAL (not a mount point), EPERM.  Returns 0 or -errno.
 */
int kit_umount(const char *target, int flags, struct kit_err *err);

#endif /* KIT_MOUNT_H */
