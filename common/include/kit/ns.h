/* SPDX-License-Identifier: MIT */
/*
 * kit/ns.h - Linux namespaces: creating them, mapping user ids into a new
 * user namespace, and giving a new PID namespace its own /proc.
 *
 * Article: §2.2 Namespace.  Chapter 02 (`mini-unshare`) teaches these; the
 * container chapters (04, 06) reuse them.
 *
 * Left out: setns(2) into existing namespaces (chapter 06 joins them by
 * path), cgroup and time namespaces (the article does not use them).
 */
#ifndef KIT_NS_H
#define KIT_NS_H

#include <stddef.h>
#include <sys/types.h>

#include "kit/err.h"

/* One kind of namespace: what unshare(2) calls it and what it isolates. */
struct kit_ns_kind {
	const char *name;   /* "pid": the file name under /proc/PID/ns/ */
	int flag;           /* CLONE_NEWPID */
	const char *option; /* "--pid": the util-linux unshare option */
	const char *what;   /* "process IDs": one phrase for help and errors */
};

/* The six kinds the article lists, ending with a { NULL } entry. */
extern const struct kit_ns_kind kit_ns_kinds[];

/* kit_ns_by_name - look a kind up by name ("net"); NULL if unknown. */
const struct kit_ns_kind *kit_ns_by_name(const char *name);

/*
 * kit_ns_describe - write the names of the kinds in @flags as "pid,net"
 * into @buf (at most @size bytes, always NUL-terminated); returns @buf.
 */
char *kit_ns_describe(int flags, char *buf, size_t size);

/*
 * kit_ns_unshare - move the calling process into new namespaces of the
 * kinds in @flags (CLONE_NEW* bits).  A new PID namespace applies only to
 * the children created afterwards, not to the caller itself.
 * Returns 0, or -errno with @err naming the kinds and the likely cause.
 */
int kit_ns_unshare(int flags, struct kit_err *err);

/*
 * kit_ns_set_id_maps - map @inside_uid/@inside_gid of the user namespace of
 * the process whose /proc directory is @procdir ("/proc/self", "/proc/42")
 * to @outside_uid/@outside_gid of its parent namespace, one id each.
 * Writes "deny" to setgroups first: an unprivileged process may write a
 * gid_map only after giving up setgroups(2) (Linux >= 3.19).
 * Returns 0, or -errno with @err naming the file that refused.
 */
int kit_ns_set_id_maps(const char *procdir, uid_t inside_uid, uid_t outside_uid,
		       gid_t inside_gid, gid_t outside_gid, struct kit_err *err);

/*
 * kit_ns_make_mounts_private - make every mount in the caller's mount
 * namespace private, recursively, so that nothing mounted here propagates
 * back to the namespace it was copied from (util-linux unshare does this by
 * default).  Refuses with EINVAL in the host's mount namespace, where it
 * would change the host's own propagation.  Returns 0 or -errno.
 */
int kit_ns_make_mounts_private(struct kit_err *err);

/*
 * kit_ns_mount_proc - give the caller's mount namespace a /proc of its own
 * PID namespace at @target (normally "/proc"): kit_ns_make_mounts_private(),
 * then a new proc mount.  Call it in the first child of the new PID
 * namespace.  Returns 0, or -errno with @err.
 */
int kit_ns_mount_proc(const char *target, struct kit_err *err);

/* Where the hints read sysctls from ("/proc/sys"); tests point it elsewhere. */
extern const char *kit_ns_sysctl_dir;

#endif /* KIT_NS_H */
