/* SPDX-License-Identifier: MIT */
/*
 * test_ns.c - unit tests for common/ns.c: the namespace kinds table,
 * kit_ns_unshare() and its EPERM/ENOSPC/EINVAL hints, the id-map writes,
 * and the two mounts kit_ns_mount_proc() makes.
 *
 * unshare(2), mount(2) and readlink(2) are replaced at link time
 * (-Wl,--wrap=unshare,mount,readlink), so nothing here changes the host and
 * every test runs as an ordinary user too.  The rest of the "kernel" is a
 * temporary directory per test:
 *
 *   <tmp>/sys    stands for /proc/sys (kit_ns_sysctl_dir points at it), so
 *                the host's own sysctls never leak into a hint;
 *   <tmp>/proc   stands for /proc/PID: empty setgroups, uid_map, gid_map.
 *
 * EPERM from a map file comes from the real kernel: <tmp>/proc/uid_map is a
 * symlink to /proc/self/uid_map, which was written long ago and so refuses
 * every write, even root's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h> /* cmocka.h needs these three first */
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kit/ns.h"
#include "unit.h"

/* ---- the fake kernel --------------------------------------------------- */

int __wrap_unshare(int flags);
ssize_t __wrap_readlink(const char *path, char *buf, size_t size);

/* Stand-in for unshare(2): checks the flags, fails with a queued errno. */
int __wrap_unshare(int flags)
{
	check_expected(flags);
	return fake_errno(mock_type(int));
}

/* mount(2) is unit.c's __wrap_mount: checks every argument, fails with a
 * queued errno. */

/* Stand-in for readlink(2): returns a queued link text, or NULL for EACCES.
 * Like the real one, it does not NUL-terminate. */
ssize_t __wrap_readlink(const char *path, char *buf, size_t size)
{
	const char *link;
	size_t n;

	check_expected(path);
	link = mock_ptr_type(const char *);
	if (!link) {
		errno = EACCES;
		return -1;
	}
	n = strlen(link) < size ? strlen(link) : size;
	memcpy(buf, link, n);
	return (ssize_t)n;
}

#define HOST_MNT_NS  "mnt:[4026531841]"
#define CHILD_MNT_NS "mnt:[4026532287]"

/* Queue what /proc/self/ns/mnt and /proc/1/ns/mnt read as (NULL: EACCES). */
static void expect_mnt_ns_links(const char *self, const char *init)
{
	expect_string(__wrap_readlink, path, "/proc/self/ns/mnt");
	will_return(__wrap_readlink, self);
	if (!self)
		return;
	expect_string(__wrap_readlink, path, "/proc/1/ns/mnt");
	will_return(__wrap_readlink, init);
}

/* Queue mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) failing with @e. */
static void expect_mount_private(int e)
{
	expect_value(__wrap_mount, source, NULL);
	expect_string(__wrap_mount, target, "/");
	expect_value(__wrap_mount, fstype, NULL);
	expect_value(__wrap_mount, flags, MS_REC | MS_PRIVATE);
	expect_value(__wrap_mount, data, NULL);
	will_return(__wrap_mount, e);
}

/* Queue mount("proc", @target, "proc", nosuid,nodev,noexec) failing with @e. */
static void expect_mount_proc(const char *target, int e)
{
	expect_string(__wrap_mount, source, "proc");
	expect_string(__wrap_mount, target, target);
	expect_string(__wrap_mount, fstype, "proc");
	expect_value(__wrap_mount, flags, MS_NOSUID | MS_NODEV | MS_NOEXEC);
	expect_value(__wrap_mount, data, NULL);
	will_return(__wrap_mount, e);
}

/* ---- a temporary directory per test ------------------------------------ */

struct fake {
	char *dir;           /* the temporary directory, from new_tmpdir() */
	char sys[PATH_MAX];  /* <dir>/sys, our /proc/sys */
	char proc[PATH_MAX]; /* <dir>/proc, our /proc/PID */
};

/* Write @data as the whole of @dir/@name. */
static void put_in(const char *dir, const char *name, const char *data)
{
	char path[PATH_MAX];

	put_file(path_in(path, dir, name), data);
}

/* The content of @dir/@name in @buf. */
static char *text_in(const char *dir, const char *name, char *buf, size_t size)
{
	char path[PATH_MAX];

	return file_text(path_in(path, dir, name), buf, size);
}

/* Replace @dir/@name with something else: a directory or a symlink. */
static void replace_with_dir(const char *dir, const char *name)
{
	char path[PATH_MAX];

	assert_int_equal(unlink(path_in(path, dir, name)), 0);
	assert_int_equal(mkdir(path, 0755), 0);
}

static void replace_with_symlink(const char *dir, const char *name, const char *to)
{
	char path[PATH_MAX];

	assert_int_equal(unlink(path_in(path, dir, name)), 0);
	assert_int_equal(symlink(to, path), 0);
}

static void remove_file(const char *dir, const char *name)
{
	char path[PATH_MAX];

	assert_int_equal(unlink(path_in(path, dir, name)), 0);
}

static int make_fake(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));
	char kernel[PATH_MAX];

	if (!f)
		return -1;
	f->dir = new_tmpdir();
	if (!f->dir) {
		free(f);
		return -1;
	}
	path_in(f->sys, f->dir, "sys");
	path_in(f->proc, f->dir, "proc");
	if (mkdir(f->sys, 0755) < 0 ||
	    mkdir(path_in(kernel, f->sys, "kernel"), 0755) < 0 ||
	    mkdir(f->proc, 0755) < 0)
		return -1;
	put_in(f->proc, "setgroups", "");
	put_in(f->proc, "uid_map", "");
	put_in(f->proc, "gid_map", "");
	kit_ns_sysctl_dir = f->sys;
	*state = f;
	return 0;
}

static int remove_fake(void **state)
{
	struct fake *f = *state;
	int ret = remove_tree(f->dir);

	kit_ns_sysctl_dir = "/proc/sys";
	free(f->dir);
	free(f);
	return ret;
}

/* ---- the kinds table --------------------------------------------------- */

static void test_kinds_table_lists_six_kinds_then_null(void **state)
{
	size_t n = 0;
	(void)state;

	while (kit_ns_kinds[n].name)
		n++;
	assert_int_equal(n, 6);
	assert_int_equal(kit_ns_kinds[6].flag, 0);
}

static void test_by_name_finds_flag_and_unshare_option(void **state)
{
	static const struct {
		const char *name;
		int flag;
		const char *option;
	} want[] = {
		{ "pid", CLONE_NEWPID, "--pid" },    { "net", CLONE_NEWNET, "--net" },
		{ "mnt", CLONE_NEWNS, "--mount" },   { "uts", CLONE_NEWUTS, "--uts" },
		{ "user", CLONE_NEWUSER, "--user" }, { "ipc", CLONE_NEWIPC, "--ipc" },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct kit_ns_kind *k = kit_ns_by_name(want[i].name);

		assert_non_null(k);
		assert_string_equal(k->name, want[i].name);
		assert_int_equal(k->flag, want[i].flag);
		assert_string_equal(k->option, want[i].option);
		assert_non_null(k->what);
	}
}

static void test_by_name_of_unknown_kind_is_null(void **state)
{
	(void)state;

	assert_null(kit_ns_by_name("cgroup")); /* left out on purpose */
	assert_null(kit_ns_by_name("PID"));
	assert_null(kit_ns_by_name(""));
}

static void test_describe_names_kinds_in_table_order(void **state)
{
	char buf[64];
	(void)state;

	assert_string_equal(
		kit_ns_describe(CLONE_NEWUSER | CLONE_NEWPID, buf, sizeof(buf)),
		"pid,user");
	assert_string_equal(kit_ns_describe(CLONE_NEWNS, buf, sizeof(buf)), "mnt");
	assert_string_equal(kit_ns_describe(CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWNS |
						    CLONE_NEWUTS | CLONE_NEWUSER |
						    CLONE_NEWIPC,
					    buf, sizeof(buf)),
			    "pid,net,mnt,uts,user,ipc");
	assert_string_equal(kit_ns_describe(0, buf, sizeof(buf)), "");
}

static void test_describe_ignores_other_clone_flags(void **state)
{
	char buf[64];
	(void)state;

	assert_string_equal(kit_ns_describe(CLONE_NEWNET | CLONE_FILES, buf, sizeof(buf)),
			    "net");
}

static void test_describe_into_no_room_writes_nothing(void **state)
{
	char buf[4] = "xyz";
	(void)state;

	assert_ptr_equal(kit_ns_describe(CLONE_NEWPID, buf, 0), buf);
	assert_string_equal(buf, "xyz");
}

/*
 * "Keep what fits" must mean whole names: a message that reads "unshare
 * pid,n namespaces" names a kind that does not exist.  Today the partial
 * ",n" that snprintf() wrote before the loop gave up stays in @buf.
 */
static void test_describe_out_of_room_keeps_whole_names(void **state)
{
	char buf[6];
	(void)state;

	assert_string_equal(
		kit_ns_describe(CLONE_NEWPID | CLONE_NEWNET, buf, sizeof(buf)), "pid");
}

/* ---- kit_ns_unshare ---------------------------------------------------- */

static void test_unshare_success_passes_the_flags_through(void **state)
{
	struct kit_err err = { 0 };
	(void)state;

	expect_value(__wrap_unshare, flags, CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS);
	will_return(__wrap_unshare, 0);

	assert_int_equal(kit_ns_unshare(CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS, &err),
			 0);
	assert_int_equal(err.code, 0);
	assert_string_equal(err.msg, "");
}

static void test_unshare_eperm_without_user_says_run_as_root(void **state)
{
	struct kit_err err = { 0 };
	(void)state;

	expect_value(__wrap_unshare, flags, CLONE_NEWPID | CLONE_NEWNET);
	will_return(__wrap_unshare, EPERM);

	assert_int_equal(kit_ns_unshare(CLONE_NEWPID | CLONE_NEWNET, &err), -EPERM);
	assert_int_equal(err.code, EPERM);
	assert_string_equal(err.msg,
			    "unshare pid,net namespaces: EPERM (creating these "
			    "namespaces needs CAP_SYS_ADMIN: run as root, or add "
			    "--user (-U) to create a user namespace first)");
}

static void test_unshare_eperm_with_user_under_apparmor_says_so(void **state)
{
	struct fake *f = *state;
	struct kit_err err = { 0 };

	put_in(f->sys, "kernel/apparmor_restrict_unprivileged_userns", "1\n");
	expect_value(__wrap_unshare, flags, CLONE_NEWUSER | CLONE_NEWPID);
	will_return(__wrap_unshare, EPERM);

	assert_int_equal(kit_ns_unshare(CLONE_NEWUSER | CLONE_NEWPID, &err), -EPERM);
	assert_string_equal(err.msg,
			    "unshare pid,user namespaces: EPERM (Ubuntu's AppArmor "
			    "restricts unprivileged user namespaces: run as root, or "
			    "allow them with sysctl "
			    "kernel.apparmor_restrict_unprivileged_userns=0)");
}

static void test_unshare_eperm_with_user_when_userns_clone_is_0(void **state)
{
	struct fake *f = *state;
	struct kit_err err = { 0 };

	put_in(f->sys, "kernel/apparmor_restrict_unprivileged_userns", "0\n");
	put_in(f->sys, "kernel/unprivileged_userns_clone", "0\n");
	expect_value(__wrap_unshare, flags, CLONE_NEWUSER);
	will_return(__wrap_unshare, EPERM);

	assert_int_equal(kit_ns_unshare(CLONE_NEWUSER, &err), -EPERM);
	assert_string_equal(err.msg,
			    "unshare user namespaces: EPERM (unprivileged user "
			    "namespaces are disabled: sysctl "
			    "kernel.unprivileged_userns_clone=1, or run as root)");
}

static void test_unshare_eperm_with_user_otherwise_blames_chroot_or_seccomp(void **state)
{
	struct fake *f = *state;
	struct kit_err err = { 0 };

	put_in(f->sys, "kernel/unprivileged_userns_clone", "1\n");
	expect_value(__wrap_unshare, flags, CLONE_NEWUSER);
	will_return(__wrap_unshare, EPERM);

	assert_int_equal(kit_ns_unshare(CLONE_NEWUSER, &err), -EPERM);
	assert_string_equal(err.msg,
			    "unshare user namespaces: EPERM (user namespace refused: "
			    "inside a chroot, or a seccomp filter or security module "
			    "forbids it)");
}

static void test_unshare_enospc_points_at_max_namespaces(void **state)
{
	struct kit_err err = { 0 };
	(void)state;

	expect_value(__wrap_unshare, flags, CLONE_NEWNET);
	will_return(__wrap_unshare, ENOSPC);

	assert_int_equal(kit_ns_unshare(CLONE_NEWNET, &err), -ENOSPC);
	assert_string_equal(err.msg,
			    "unshare net namespaces: ENOSPC (a limit in "
			    "/proc/sys/user/max_*_namespaces is reached (0 there "
			    "disables that kind))");
}

static void test_unshare_einval_names_both_causes(void **state)
{
	struct kit_err err = { 0 };
	(void)state;

	expect_value(__wrap_unshare, flags, CLONE_NEWUSER | CLONE_NEWIPC);
	will_return(__wrap_unshare, EINVAL);

	assert_int_equal(kit_ns_unshare(CLONE_NEWUSER | CLONE_NEWIPC, &err), -EINVAL);
	assert_string_equal(err.msg,
			    "unshare user,ipc namespaces: EINVAL (a kind this kernel "
			    "lacks, or a user namespace asked for by a multithreaded "
			    "process)");
}

static void test_unshare_eusers_says_nested_too_deep(void **state)
{
	struct kit_err err = { 0 };
	(void)state;

	expect_value(__wrap_unshare, flags, CLONE_NEWUSER);
	will_return(__wrap_unshare, EUSERS);

	assert_int_equal(kit_ns_unshare(CLONE_NEWUSER, &err), -EUSERS);
	assert_string_equal(err.msg,
			    "unshare user namespaces: EUSERS (user namespaces nested "
			    "more than 32 deep)");
}

static void test_unshare_other_errno_falls_back_to_strerror(void **state)
{
	struct kit_err err = { 0 };
	int all = CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWUTS |
		  CLONE_NEWUSER | CLONE_NEWIPC;
	(void)state;

	expect_value(__wrap_unshare, flags, all);
	will_return(__wrap_unshare, ENOMEM);

	assert_int_equal(kit_ns_unshare(all, &err), -ENOMEM);
	assert_string_equal(err.msg,
			    "unshare pid,net,mnt,uts,user,ipc namespaces: ENOMEM "
			    "(Cannot allocate memory)");
}

/* ---- kit_ns_set_id_maps ------------------------------------------------ */

static void test_set_id_maps_writes_deny_then_one_line_maps(void **state)
{
	struct fake *f = *state;
	struct kit_err err = { 0 };
	char buf[64];

	assert_int_equal(kit_ns_set_id_maps(f->proc, 0, 1000, 0, 100, &err), 0);
	assert_string_equal(text_in(f->proc, "setgroups", buf, sizeof(buf)), "deny");
	assert_string_equal(text_in(f->proc, "uid_map", buf, sizeof(buf)), "0 1000 1\n");
	assert_string_equal(text_in(f->proc, "gid_map", buf, sizeof(buf)), "0 100 1\n");
}

static void test_set_id_maps_without_setgroups_file_still_maps(void **state)
{
	struct fake *f = *state;
	struct kit_err err = { 0 };
	char buf[64];

	/* Kernels before 3.19 have no setgroups file: ENOENT is fine there. */
	remove_file(f->proc, "setgroups");
	assert_int_equal(kit_ns_set_id_maps(f->proc, 0, 1000, 0, 1000, &err), 0);
	assert_string_equal(text_in(f->proc, "uid_map", buf, sizeof(buf)), "0 1000 1\n");
	assert_string_equal(text_in(f->proc, "gid_map", buf, sizeof(buf)), "0 1000 1\n");
}

static void test_set_id_maps_writes_setgroups_before_the_maps(void **state)
{
	struct fake *f = *state;
	struct kit_err err = { 0 };
	char buf[64], want[PATH_MAX + 100];

	replace_with_dir(f->proc, "setgroups");
	assert_int_equal(kit_ns_set_id_maps(f->proc, 0, 1000, 0, 1000, &err), -EISDIR);
	snprintf(want, sizeof(want), "open %s/setgroups: EISDIR (Is a directory)",
		 f->proc);
	assert_string_equal(err.msg, want);
	/* It stopped at the first failure: neither map was touched. */
	assert_string_equal(text_in(f->proc, "uid_map", buf, sizeof(buf)), "");
	assert_string_equal(text_in(f->proc, "gid_map", buf, sizeof(buf)), "");
}

static void test_set_id_maps_writes_uid_map_before_gid_map(void **state)
{
	struct fake *f = *state;
	struct kit_err err = { 0 };
	char buf[64];

	replace_with_dir(f->proc, "uid_map");
	assert_int_equal(kit_ns_set_id_maps(f->proc, 0, 1000, 0, 1000, &err), -EISDIR);
	assert_string_equal(text_in(f->proc, "setgroups", buf, sizeof(buf)), "deny");
	assert_string_equal(text_in(f->proc, "gid_map", buf, sizeof(buf)), "");
}

static void test_set_id_maps_missing_gid_map_is_an_error(void **state)
{
	struct fake *f = *state;
	struct kit_err err = { 0 };
	char want[PATH_MAX + 100];

	remove_file(f->proc, "gid_map");
	assert_int_equal(kit_ns_set_id_maps(f->proc, 0, 1000, 0, 1000, &err), -ENOENT);
	snprintf(
		want, sizeof(want),
		"open %s/gid_map: ENOENT (no such file: wrong path, or the kernel lacks this "
		"feature)",
		f->proc);
	assert_string_equal(err.msg, want);
}

static void test_set_id_maps_eperm_names_value_file_and_rules(void **state)
{
	struct fake *f = *state;
	struct kit_err err = { 0 };
	char want[PATH_MAX + 300];

	remove_file(f->proc, "setgroups");
	replace_with_symlink(f->proc, "uid_map", "/proc/self/uid_map");
	assert_int_equal(kit_ns_set_id_maps(f->proc, 0, 1000, 0, 1000, &err), -EPERM);
	snprintf(
		want, sizeof(want),
		"write '0 1000 1' to %s/uid_map: EPERM (each map may be written once, by a "
		"process with CAP_SETUID/CAP_SETGID over the namespace, mapping only ids it "
		"owns; gid_map needs setgroups=deny first)",
		f->proc);
	assert_string_equal(err.msg, want);
}

static void test_set_id_maps_eperm_under_apparmor_says_so(void **state)
{
	struct fake *f = *state;
	struct kit_err err = { 0 };
	char want[PATH_MAX + 300];

	put_in(f->sys, "kernel/apparmor_restrict_unprivileged_userns", "1\n");
	remove_file(f->proc, "setgroups");
	replace_with_symlink(f->proc, "uid_map", "/proc/self/uid_map");
	assert_int_equal(kit_ns_set_id_maps(f->proc, 0, 1000, 0, 1000, &err), -EPERM);
	snprintf(want, sizeof(want),
		 "write '0 1000 1' to %s/uid_map: EPERM (Ubuntu's AppArmor restricts "
		 "unprivileged user namespaces: run as root, or allow them with sysctl "
		 "kernel.apparmor_restrict_unprivileged_userns=0)",
		 f->proc);
	assert_string_equal(err.msg, want);
}

/* ---- kit_ns_make_mounts_private and kit_ns_mount_proc ------------------ */

static void test_make_private_refuses_in_the_host_mount_ns(void **state)
{
	struct kit_err err = { 0 };
	(void)state;

	expect_mnt_ns_links(HOST_MNT_NS, HOST_MNT_NS); /* and no mount() queued */

	assert_int_equal(kit_ns_make_mounts_private(&err), -EINVAL);
	assert_string_equal(err.msg,
			    "make mounts private: EINVAL (this would change the "
			    "host's mounts: call it after unshare(CLONE_NEWNS))");
}

static void test_make_private_remounts_root_recursively_private(void **state)
{
	struct kit_err err = { 0 };
	(void)state;

	expect_mnt_ns_links(CHILD_MNT_NS, HOST_MNT_NS);
	expect_mount_private(0);

	assert_int_equal(kit_ns_make_mounts_private(&err), 0);
	assert_int_equal(err.code, 0);
}

static void test_make_private_when_host_ns_unreadable_still_tries(void **state)
{
	struct kit_err err = { 0 };
	(void)state;

	/* Non-root cannot read /proc/1/ns/mnt: the check cannot tell. */
	expect_mnt_ns_links(CHILD_MNT_NS, NULL);
	expect_mount_private(0);

	assert_int_equal(kit_ns_make_mounts_private(&err), 0);
}

static void test_make_private_mount_einval_asks_for_own_mount_ns(void **state)
{
	struct kit_err err = { 0 };
	(void)state;

	expect_mnt_ns_links(CHILD_MNT_NS, HOST_MNT_NS);
	expect_mount_private(EINVAL);

	assert_int_equal(kit_ns_make_mounts_private(&err), -EINVAL);
	assert_string_equal(err.msg,
			    "make mounts private: EINVAL (not in a mount namespace of "
			    "our own? (--mount))");
}

static void test_mount_proc_makes_private_then_mounts_proc(void **state)
{
	struct kit_err err = { 0 };
	(void)state;

	expect_mnt_ns_links(CHILD_MNT_NS, HOST_MNT_NS);
	expect_mount_private(0);
	expect_mount_proc("/proc", 0);

	assert_int_equal(kit_ns_mount_proc("/proc", &err), 0);
	assert_int_equal(err.code, 0);
}

static void test_mount_proc_eperm_says_create_pid_ns_with_user_ns(void **state)
{
	struct kit_err err = { 0 };
	(void)state;

	expect_mnt_ns_links(CHILD_MNT_NS, HOST_MNT_NS);
	expect_mount_private(0);
	expect_mount_proc("/srv/root/proc", EPERM);

	assert_int_equal(kit_ns_mount_proc("/srv/root/proc", &err), -EPERM);
	assert_string_equal(err.msg,
			    "mount proc on /srv/root/proc: EPERM (needs CAP_SYS_ADMIN "
			    "over this PID namespace: in a user namespace, create the "
			    "PID namespace with it (--user --pid --fork))");
}

static void test_mount_proc_other_errno_falls_back_to_strerror(void **state)
{
	struct kit_err err = { 0 };
	(void)state;

	expect_mnt_ns_links(CHILD_MNT_NS, HOST_MNT_NS);
	expect_mount_private(0);
	expect_mount_proc("/nonexistent", ENOENT);

	assert_int_equal(kit_ns_mount_proc("/nonexistent", &err), -ENOENT);
	assert_string_equal(
		err.msg,
		"mount proc on /nonexistent: ENOENT (No such file or directory)");
}

static void test_mount_proc_in_the_host_mount_ns_mounts_nothing(void **state)
{
	struct kit_err err = { 0 };
	(void)state;

	expect_mnt_ns_links(HOST_MNT_NS, HOST_MNT_NS);

	assert_int_equal(kit_ns_mount_proc("/proc", &err), -EINVAL);
	assert_int_equal(err.code, EINVAL);
}

static void test_mount_proc_stops_when_make_private_fails(void **state)
{
	struct kit_err err = { 0 };
	(void)state;

	expect_mnt_ns_links(CHILD_MNT_NS, HOST_MNT_NS);
	expect_mount_private(EPERM); /* and no proc mount queued */

	assert_int_equal(kit_ns_mount_proc("/proc", &err), -EPERM);
	assert_string_equal(err.msg,
			    "make mounts private: EPERM (needs CAP_SYS_ADMIN over "
			    "this PID namespace: in a user namespace, create the PID "
			    "namespace with it (--user --pid --fork))");
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, make_fake, remove_fake)
	const struct CMUnitTest tests[] = {
		T(test_kinds_table_lists_six_kinds_then_null),
		T(test_by_name_finds_flag_and_unshare_option),
		T(test_by_name_of_unknown_kind_is_null),
		T(test_describe_names_kinds_in_table_order),
		T(test_describe_ignores_other_clone_flags),
		T(test_describe_into_no_room_writes_nothing),
		T(test_describe_out_of_room_keeps_whole_names),
		T(test_unshare_success_passes_the_flags_through),
		T(test_unshare_eperm_without_user_says_run_as_root),
		T(test_unshare_eperm_with_user_under_apparmor_says_so),
		T(test_unshare_eperm_with_user_when_userns_clone_is_0),
		T(test_unshare_eperm_with_user_otherwise_blames_chroot_or_seccomp),
		T(test_unshare_enospc_points_at_max_namespaces),
		T(test_unshare_einval_names_both_causes),
		T(test_unshare_eusers_says_nested_too_deep),
		T(test_unshare_other_errno_falls_back_to_strerror),
		T(test_set_id_maps_writes_deny_then_one_line_maps),
		T(test_set_id_maps_without_setgroups_file_still_maps),
		T(test_set_id_maps_writes_setgroups_before_the_maps),
		T(test_set_id_maps_writes_uid_map_before_gid_map),
		T(test_set_id_maps_missing_gid_map_is_an_error),
		T(test_set_id_maps_eperm_names_value_file_and_rules),
		T(test_set_id_maps_eperm_under_apparmor_says_so),
		T(test_make_private_refuses_in_the_host_mount_ns),
		T(test_make_private_remounts_root_recursively_private),
		T(test_make_private_when_host_ns_unreadable_still_tries),
		T(test_make_private_mount_einval_asks_for_own_mount_ns),
		T(test_mount_proc_makes_private_then_mounts_proc),
		T(test_mount_proc_eperm_says_create_pid_ns_with_user_ns),
		T(test_mount_proc_other_errno_falls_back_to_strerror),
		T(test_mount_proc_in_the_host_mount_ns_mounts_nothing),
		T(test_mount_proc_stops_when_make_private_fails),
	};
#undef T

	return cmocka_run_group_tests_name("common/ns.c", tests, NULL, NULL);
}
