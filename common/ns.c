/* SPDX-License-Identifier: MIT */
/*
 * ns.c - Linux namespaces: the isolation half of a container.
 *
 * Article: §2.2 Namespace.  The three things `unshare --fork --pid
 * --mount-proc --map-root-user` does in the kernel live here, one function
 * each, in the order they happen:
 *
 *   kit_ns_unshare()       unshare(2): new namespaces for this process
 *   kit_ns_set_id_maps()   uid_map/gid_map: who we are in a new user ns
 *   kit_ns_mount_proc()    a /proc that shows the new PID namespace
 *
 * The fork that makes the command PID 1 is the caller's job (see
 * chapters/02-namespaces/main.c): unshare(CLONE_NEWPID) moves only the
 * children, never the caller.
 *
 * Left out: setns(2) (chapter 06 joins namespaces by path), the cgroup and
 * time namespaces, and nested user-namespace id ranges (one id each).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "kit/cleanup.h"
#include "kit/file.h"
#include "kit/lab.h"
#include "kit/ns.h"

const char *kit_ns_sysctl_dir = "/proc/sys";

const struct kit_ns_kind kit_ns_kinds[] = {
	{ "pid", CLONE_NEWPID, "--pid", "process IDs" },
	{ "net", CLONE_NEWNET, "--net", "network devices, addresses, routes" },
	{ "mnt", CLONE_NEWNS, "--mount", "the mount table" },
	{ "uts", CLONE_NEWUTS, "--uts", "hostname and domain name" },
	{ "user", CLONE_NEWUSER, "--user", "user and group IDs" },
	{ "ipc", CLONE_NEWIPC, "--ipc", "System V IPC and POSIX queues" },
	{ NULL, 0, NULL, NULL },
};

const struct kit_ns_kind *kit_ns_by_name(const char *name)
{
	for (const struct kit_ns_kind *k = kit_ns_kinds; k->name; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

char *kit_ns_describe(int flags, char *buf, size_t size)
{
	size_t used = 0;

	if (size == 0)
		return buf;
	buf[0] = '\0';
	for (const struct kit_ns_kind *k = kit_ns_kinds; k->name; k++) {
		if (!(flags & k->flag))
			continue;
		size_t need = strlen(k->name) + (used ? 1 : 0);

		if (need >= size - used)
			break; /* out of room: keep the whole names that fit */
		snprintf(buf + used, size - used, "%s%s", used ? "," : "", k->name);
		used += need;
	}
	return buf;
}

/* True if the sysctl file @name (e.g. "kernel/foo") reads as @value. */
static bool sysctl_is(const char *name, const char *value)
{
	struct kit_err ignored = { 0 };
	_autofree char *text = NULL;
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", kit_ns_sysctl_dir, name);
	if (kit_read_file(path, 4096, &text, NULL, &ignored) < 0)
		return false;
	text[strcspn(text, "\n")] = '\0';
	return strcmp(text, value) == 0;
}

/* Ubuntu 24.04 lets unprivileged users create a user namespace but then
 * AppArmor denies every capability in it, so the map writes fail. */
#define APPARMOR_USERNS_HINT                                                             \
	"Ubuntu's AppArmor restricts unprivileged user namespaces: run as "              \
	"root, or allow them with sysctl "                                               \
	"kernel.apparmor_restrict_unprivileged_userns=0"

/*
 * unshare(2) says EPERM for two different reasons; which one depends on
 * whether a user namespace was asked for.
 */
static const char *unshare_hint(int e, int flags)
{
	switch (e) {
	case EPERM:
		if (!(flags & CLONE_NEWUSER))
			return "creating these namespaces needs CAP_SYS_ADMIN: "
			       "run as root, or add --user (-U) to create a "
			       "user namespace first";
		if (sysctl_is("kernel/apparmor_restrict_unprivileged_userns", "1"))
			return APPARMOR_USERNS_HINT;
		if (sysctl_is("kernel/unprivileged_userns_clone", "0"))
			return "unprivileged user namespaces are disabled: sysctl "
			       "kernel.unprivileged_userns_clone=1, or run as root";
		return "user namespace refused: inside a chroot, or a seccomp "
		       "filter or security module forbids it";
	case ENOSPC:
		return "a limit in /proc/sys/user/max_*_namespaces is reached "
		       "(0 there disables that kind)";
	case EINVAL:
		return "a kind this kernel lacks, or a user namespace asked for "
		       "by a multithreaded process";
	case EUSERS: return "user namespaces nested more than 32 deep";
	default: return NULL;
	}
}

int kit_ns_unshare(int flags, struct kit_err *err)
{
	char kinds[64];

	kit_ns_describe(flags, kinds, sizeof(kinds));
	/* LAB 02.1: create the new namespaces.
	 * One system call, unshare(2), takes all the CLONE_NEW* bits in
	 * @flags at once; the kernel sets up a user namespace first, so an
	 * ordinary user may combine CLONE_NEWUSER with the others.
	 * On failure save errno on the very next line, then return
	 * kit_err_set(err, e, unshare_hint(e, flags), "unshare %s
	 * namespaces", kinds) so the user learns why (e.g. EPERM: not root).
	 * Stub: (void)unshare_hint;
	 * Stub: return kit_lab_todo(err, "02.1");
	 * Why: unshare(2) changes the calling process itself; the errno must
	 * be saved before anything else (even a log line) can overwrite it.
	 */
	if (unshare(flags) < 0) {
		int e = errno; /* save it before anything can clobber it */

		return kit_err_set(err, e, unshare_hint(e, flags),
				   "unshare %s namespaces", kinds);
	}
	/* END LAB */
	return 0;
}

/* Why the kernel may refuse a write to uid_map, gid_map or setgroups. */
static const char *id_map_hint(void)
{
	if (sysctl_is("kernel/apparmor_restrict_unprivileged_userns", "1"))
		return APPARMOR_USERNS_HINT;
	return "each map may be written once, by a process with CAP_SETUID/"
	       "CAP_SETGID over the namespace, mapping only ids it owns; "
	       "gid_map needs setgroups=deny first";
}

/* Write one id file; EPERM gets the user-namespace explanation. */
static int write_id_file(const char *procdir, const char *file, const char *data,
			 struct kit_err *err)
{
	char path[PATH_MAX];
	int ret;

	snprintf(path, sizeof(path), "%s/%s", procdir, file);
	ret = kit_write_file(path, data, err);
	if (ret == -EPERM)
		return kit_err_set(err, EPERM, id_map_hint(), "write '%.*s' to %s",
				   (int)strcspn(data, "\n"), data, path);
	return ret;
}

int kit_ns_set_id_maps(const char *procdir, uid_t inside_uid, uid_t outside_uid,
		       gid_t inside_gid, gid_t outside_gid, struct kit_err *err)
{
	char uid_line[64], gid_line[64];
	int ret;

	/* Each map line is "<first id inside> <first id outside> <count>". */
	snprintf(uid_line, sizeof(uid_line), "%u %u 1\n", inside_uid, outside_uid);
	snprintf(gid_line, sizeof(gid_line), "%u %u 1\n", inside_gid, outside_gid);
	/* LAB 02.2: write the user namespace's id maps.
	 * Three files under @procdir, in this order, each with
	 * write_id_file(): "setgroups" gets "deny" (a kernel without the
	 * file, ENOENT, predates the rule: carry on), then "uid_map" gets
	 * uid_line, then "gid_map" gets gid_line.  Return the first error.
	 * Stub: (void)write_id_file; (void)procdir; (void)uid_line; (void)gid_line;
	 * Stub: (void)ret;
	 * Stub: return kit_lab_todo(err, "02.2");
	 * Why: since Linux 3.19 an unprivileged process may write gid_map
	 * only after setgroups is "deny"; otherwise it could drop a group
	 * that a file's permissions deny to it (CVE-2014-8989).
	 */
	ret = write_id_file(procdir, "setgroups", "deny", err);
	if (ret == -ENOENT)
		kit_err_clear(err); /* a kernel older than 3.19: no such rule */
	else if (ret < 0)
		return ret;
	ret = write_id_file(procdir, "uid_map", uid_line, err);
	if (ret < 0)
		return ret;
	ret = write_id_file(procdir, "gid_map", gid_line, err);
	if (ret < 0)
		return ret;
	/* END LAB */
	return 0;
}

/* True if we are still in the mount namespace of PID 1 (the host's). */
static bool in_init_mount_ns(void)
{
	char self[64] = "", init[64] = "";

	/* readlink of /proc/1/ns/mnt fails for non-root: then we cannot tell */
	if (readlink("/proc/self/ns/mnt", self, sizeof(self) - 1) < 0 ||
	    readlink("/proc/1/ns/mnt", init, sizeof(init) - 1) < 0)
		return false;
	return strcmp(self, init) == 0;
}

static const char *mount_proc_hint(int e)
{
	switch (e) {
	case EPERM:
		return "needs CAP_SYS_ADMIN over this PID namespace: in a user "
		       "namespace, create the PID namespace with it (--user "
		       "--pid --fork)";
	case EINVAL: return "not in a mount namespace of our own? (--mount)";
	default: return NULL;
	}
}

int kit_ns_make_mounts_private(struct kit_err *err)
{
	if (in_init_mount_ns())
		return kit_err_set(err, EINVAL,
				   "this would change the host's "
				   "mounts: call it after unshare(CLONE_NEWNS)",
				   "make mounts private");
	/* LAB 02.3: stop mount events from crossing into the host.
	 * One mount(2) call with no source, target "/", no type and the
	 * flags MS_REC | MS_PRIVATE changes the propagation of every mount
	 * in this namespace.  Report a failure as "make mounts private" with
	 * mount_proc_hint(e).
	 * Stub: return kit_lab_todo(err, "02.3");
	 * Why: unshare(CLONE_NEWNS) copies the mount table, but a copy of a
	 * shared mount (systemd makes / shared) stays in its peer group: a
	 * mount made under it would still appear on the host.
	 */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		int e = errno;

		return kit_err_set(err, e, mount_proc_hint(e), "make mounts private");
	}
	/* END LAB */
	return 0;
}

int kit_ns_mount_proc(const char *target, struct kit_err *err)
{
	int ret = kit_ns_make_mounts_private(err);

	if (ret < 0)
		return ret;
	/* LAB 02.3: mount a /proc for the new PID namespace.
	 * Mount a filesystem of type "proc" (source "proc") on @target with
	 * MS_NOSUID | MS_NODEV | MS_NOEXEC.  Report a failure as "mount proc
	 * on <target>" with mount_proc_hint(e).
	 * Stub: (void)mount_proc_hint; (void)target;
	 * Stub: return kit_lab_todo(err, "02.3");
	 * Why: a proc filesystem shows the PID namespace of the process that
	 * mounts it, so the child (PID 1 of the new namespace) must mount it,
	 * not the parent.  The new mount hides the host's /proc below it.
	 */
	if (mount("proc", target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		int e = errno;

		return kit_err_set(err, e, mount_proc_hint(e), "mount proc on %s",
				   target);
	}
	/* END LAB */
	return 0;
}
