/* SPDX-License-Identifier: MIT */
/*
 * kit/overlay.h - OverlayFS: one merged view of read-only lower layers and
 * one writable upper layer, the way container images and containers share
 * files.
 *
 * Article: §2.5 OverlayFS.  The article's four directories are the fields
 * of struct kit_overlay (lowerdir, upperdir, workdir) and the mount point
 * (merged).  Its three rules (reads fall through, writes copy up, deletes
 * leave a whiteout) and the opaque directory are what kit_overlay_lookup()
 * and kit_overlay_diff() read back out of the layers.
 *
 * Chapter 05 (mini-overlay) teaches it; chapter 07 mounts snapshots with it,
 * chapter 09 builds docker's overlay2 storage and `docker diff` on it.
 *
 * Left out: the new mount API (fsconfig "lowerdir+", which lifts the
 * one-page limit on options), data-only lower layers ("::"), metacopy,
 * redirect_dir and index, the userxattr whiteouts of nested overlays, and
 * volatile mounts.
 */
#ifndef KIT_OVERLAY_H
#define KIT_OVERLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "kit/err.h"

/* The kernel stacks at most this many lower layers (OVL_MAX_STACK, 6.18). */
#define KIT_OVERLAY_MAX_LOWERS 500

/* The kernel's filesystem type magic for an overlay (statfs f_type). */
#define KIT_OVERLAY_MAGIC 0x794c7630

/*
 * An overlay's layers, in the kernel's order: lower[0] is the top-most
 * lower layer, searched right after the upper one.  Embedded by value;
 * every string is owned by the struct.
 */
struct kit_overlay {
	char **lower; /* lowerdir: read-only layers, top first */
	size_t nlower;
	char *upper; /* upperdir: the writable layer; NULL for read-only */
	char *work;  /* workdir: empty, on the same mount as upper */
};

void kit_overlay_init(struct kit_overlay *ov);
void kit_overlay_release(struct kit_overlay *ov); /* frees, then init again */

/*
 * kit_overlay_add_lowers - append the layers in @list, written as for
 * lowerdir=: "top:middle:bottom", a backslash making the next character
 * plain ("a\:b" is the one directory a:b).  An empty layer, a trailing
 * backslash or more than KIT_OVERLAY_MAX_LOWERS layers in all is EINVAL.
 * Returns 0 or -errno; on failure @ov keeps only the layers it had.
 */
int kit_overlay_add_lowers(struct kit_overlay *ov, const char *list, struct kit_err *err);

/* kit_overlay_set_upper - set (copies of) upperdir and workdir.  0/-ENOMEM. */
int kit_overlay_set_upper(struct kit_overlay *ov, const char *upper, const char *work,
			  struct kit_err *err);

/*
 * kit_overlay_resolve - make every layer path absolute and tidy
 * (kit_mount_abspath: ".." refused) and check that each is a directory.
 * Errors name the layer as the kernel does ("lowerdir 2") and, for a
 * relative path, the directory it was taken from.  Returns 0 or -errno.
 */
int kit_overlay_resolve(struct kit_overlay *ov, struct kit_err *err);

/*
 * kit_overlay_options - write the mount(2) options for @ov into @buf:
 * "lowerdir=L1:L2,upperdir=U,workdir=W", with ',', ':' and '\' in a path
 * escaped by a backslash (the kernel splits options at ',' and lowerdir at
 * ':').  Fails with E2BIG when they do not fit in @size bytes.  Returns the
 * length, or -errno.
 */
int kit_overlay_options(const struct kit_overlay *ov, char *buf, size_t size,
			struct kit_err *err);

/*
 * kit_overlay_parse_options - the reverse: read lowerdir, upperdir and
 * workdir out of an option string such as the overlay's line in mountinfo
 * (after its octal escapes are undone).  Other options are ignored.
 * Returns 0, or -errno (EINVAL: no lowerdir, or a malformed one).
 */
int kit_overlay_parse_options(const char *opts, struct kit_overlay *ov,
			      struct kit_err *err);

/*
 * kit_overlay_mount - kit_overlay_check(), kit_overlay_options(), then
 * mount(2) the overlay on @merged.  The kernel's EINVAL is turned into the
 * likely cause (upper and work on two mounts, an upper on an overlay ...).
 * @ov must be resolved.  Stays held: the mount, until kit_overlay_umount().
 * Returns 0 or -errno; on failure nothing is mounted.
 */
int kit_overlay_mount(const struct kit_overlay *ov, const char *merged,
		      struct kit_err *err);

/*
 * kit_overlay_umount - unmount the overlay on @merged (absolute, tidy),
 * refusing a symlink and anything that is not an overlay.  @flags as for
 * umount2(2), e.g. MNT_DETACH.  Returns 0 or -errno.
 */
int kit_overlay_umount(const char *merged, int flags, struct kit_err *err);

/* ---- checks and the mount table: common/overlay_check.c ---------------- */

/*
 * kit_overlay_check - what the kernel lets through but should not be:
 * @merged missing, a symlink (the kernel would follow it), "/" or already
 * an overlay; a workdir holding files of its own; an upperdir or workdir
 * already in use by a mounted overlay.  @ov must be resolved.
 * Returns 0 or -errno (ENOENT, ELOOP, ENOTDIR, EBUSY, ENOTEMPTY, EINVAL).
 */
int kit_overlay_check(const struct kit_overlay *ov, const char *merged,
		      struct kit_err *err);

/*
 * kit_overlay_from_mount - fill @ov (empty) with the layers of the overlay
 * mounted on @merged (absolute, tidy), read from the mount table.
 * Returns 0, or -errno (EINVAL: no overlay is mounted there).
 */
int kit_overlay_from_mount(const char *merged, struct kit_overlay *ov,
			   struct kit_err *err);

/*
 * kit_overlay_find_upper - fill @ov (empty) with the layers of a mounted
 * overlay whose upperdir is the directory @upper.  Returns 1 when found,
 * 0 when no mounted overlay writes there, -errno on error.
 */
int kit_overlay_find_upper(const char *upper, struct kit_overlay *ov,
			   struct kit_err *err);

/* ---- reading the layers: common/overlay_view.c ------------------------- */

/*
 * The layers of @ov numbered as the kernel searches them: 0 is upperdir when
 * there is one, then lowerdir 1, 2 ...  kit_overlay_layer_name() writes
 * "upper" or "lower2" into @buf (16 bytes) and returns it.
 */
size_t kit_overlay_nlayers(const struct kit_overlay *ov);
const char *kit_overlay_layer_path(const struct kit_overlay *ov, size_t layer);
const char *kit_overlay_layer_name(const struct kit_overlay *ov, size_t layer, char *buf);

/* What an entry of a layer means to overlayfs. */
enum kit_overlay_mark {
	KIT_OVERLAY_PLAIN,    /* an ordinary file, directory, link ... */
	KIT_OVERLAY_WHITEOUT, /* "deleted": hides the name in the layers below */
	KIT_OVERLAY_OPAQUE,   /* a directory that hides the lower directories */
};

/*
 * kit_overlay_mark - classify the entry at @path, whose lstat() is @st:
 * a character device 0/0 is a whiteout; a directory whose
 * trusted.overlay.opaque (or, for userxattr mounts, user.overlay.opaque)
 * attribute is "y" is opaque.  Only root can read trusted.* attributes:
 * for anyone else an opaque directory looks plain.  Returns the mark or
 * -errno.
 */
int kit_overlay_mark(const char *path, const struct stat *st, struct kit_err *err);

/* Where one name of a merged directory comes from (kit_overlay_lookup). */
struct kit_overlay_hit {
	int layer;    /* the top-most layer holding the name; -1: none */
	int mark;     /* that entry's enum kit_overlay_mark */
	mode_t type;  /* its file type (S_IFMT bits) */
	int hides;    /* the next layer down holding the name that it hides, or -1 */
	size_t ndirs; /* for a directory: how many layers merge into it */
	int *dirs;    /* ... and which, top first: the caller's array with
			   room for kit_overlay_nlayers() entries */
};

/*
 * kit_overlay_lookup - look up @path ("/etc/hosts") the way overlayfs does,
 * in the @nparent layers @parent (top first) that merge into the directory
 * holding it: the top-most entry wins; a whiteout there means "deleted"; a
 * directory merges with the directories below it down to the first opaque
 * one or the first non-directory.  Returns 0 or -errno.
 */
int kit_overlay_lookup(const struct kit_overlay *ov, const int *parent, size_t nparent,
		       const char *path, struct kit_overlay_hit *hit,
		       struct kit_err *err);

/*
 * kit_overlay_layers - walk the merged tree of @ov without mounting it and
 * call @fn for every name, in sorted order, parents first: the visible ones
 * and the whiteouts that hide one.  @fn returns 0 to go on, anything else
 * stops the walk and is returned.  Returns 0 or -errno.
 */
int kit_overlay_layers(const struct kit_overlay *ov,
		       int (*fn)(const char *path, const struct kit_overlay_hit *hit,
				 void *arg),
		       void *arg, struct kit_err *err);

/*
 * kit_overlay_diff - what the upper layer of @ov changed, as `docker diff`
 * says it: @fn gets 'A' (added: in upper, not visible in the lowers), 'C'
 * (changed: visible in the lowers and replaced or copied up) or 'D'
 * (deleted: a whiteout, or a lower entry under an opaque directory that the
 * upper does not recreate), with the path, in sorted order.  With no lower
 * layers in @ov, only the upper is read: A may then also be a C.
 * Returns 0, @fn's non-zero value, or -errno.
 */
int kit_overlay_diff(const struct kit_overlay *ov,
		     int (*fn)(char kind, const char *path, void *arg), void *arg,
		     struct kit_err *err);

#endif /* KIT_OVERLAY_H */
