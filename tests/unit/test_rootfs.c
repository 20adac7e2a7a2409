/* SPDX-License-Identifier: MIT */
/*
 * test_rootfs.c - unit tests for common/rootfs.c: the root path checks,
 * every mount the new root gets, pivot_root and chroot, and the hints
 * their errors carry.
 *
 * mount(2), umount2(2), chroot(2), chdir(2), mknod(2) and syscall(2) (for
 * pivot_root, which glibc does not wrap) are replaced at link time
 * (-Wl,--wrap=...), so nothing here changes the host and every test runs
 * as an ordinary user too.  The root filesystem is a temporary directory
 * per test; the checks that look at the disk (lstat, mkdir, symlink) run
 * for real in it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h> /* cmocka.h needs these three first */
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

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

#include "kit/rootfs.h"
#include "unit.h"

/* ---- the fake kernel --------------------------------------------------- */

/* mount(2) and umount2(2) are unit.c's __wrap_mount and __wrap_umount2. */
int __wrap_chroot(const char *path);
int __wrap_chdir(const char *path);
int __wrap_mknod(const char *path, mode_t mode, dev_t dev);
long __wrap_syscall(long number, ...);

int __wrap_chroot(const char *path)
{
	check_expected(path);
	return fake_errno(mock_type(int));
}

int __wrap_chdir(const char *path)
{
	check_expected(path);
	return fake_errno(mock_type(int));
}

/* Like mknod, but the node is an empty regular file (no privilege needed). */
int __wrap_mknod(const char *path, mode_t mode, dev_t dev)
{
	int fd, e;

	check_expected(path);
	check_expected(mode);
	check_expected(dev);
	e = mock_type(int);
	if (e)
		return fake_errno(e);
	fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	return 0;
}

/* Only pivot_root(2) is expected through syscall(2). */
long __wrap_syscall(long number, ...)
{
	const char *new_root, *put_old;
	va_list ap;

	assert_int_equal(number, SYS_pivot_root);
	va_start(ap, number);
	new_root = va_arg(ap, const char *);
	put_old = va_arg(ap, const char *);
	va_end(ap);
	check_expected(new_root);
	check_expected(put_old);
	return fake_errno(mock_type(int));
}

/*
 * cmocka keeps the pointers given to expect_string(), not copies, and
 * compares when the call comes: every expected path must outlive the
 * queueing function.  keep() copies one into storage that lasts until the
 * next test.
 */
static char kept[24][PATH_MAX];
static size_t nkept;

static const char *keep(const char *s)
{
	assert_true(nkept < sizeof(kept) / sizeof(kept[0]));
	return strcpy(kept[nkept++], s);
}

static int setup(void **state)
{
	nkept = 0;
	return make_tmpdir(state);
}

/* Queue one mount(2) call, answered with @e.  A NULL string is NULL. */
static void expect_mount(const char *source, const char *target, const char *fstype,
			 unsigned long flags, const char *data, int e)
{
	if (source)
		expect_string(__wrap_mount, source, keep(source));
	else
		expect_value(__wrap_mount, source, NULL);
	expect_string(__wrap_mount, target, keep(target));
	if (fstype)
		expect_string(__wrap_mount, fstype, fstype);
	else
		expect_value(__wrap_mount, fstype, NULL);
	expect_value(__wrap_mount, flags, flags);
	if (data)
		expect_string(__wrap_mount, data, data);
	else
		expect_value(__wrap_mount, data, NULL);
	will_return(__wrap_mount, e);
}

static void expect_chdir(const char *path, int e)
{
	expect_string(__wrap_chdir, path, keep(path));
	will_return(__wrap_chdir, e);
}

static void expect_pivot_root(int e)
{
	expect_string(__wrap_syscall, new_root, ".");
	expect_string(__wrap_syscall, put_old, ".");
	will_return(__wrap_syscall, e);
}

static void expect_umount2(const char *target, int flags, int e)
{
	expect_string(__wrap_umount2, target, target);
	expect_value(__wrap_umount2, flags, flags);
	will_return(__wrap_umount2, e);
}

static void expect_mknod(const char *path, unsigned major, unsigned minor, int e)
{
	expect_string(__wrap_mknod, path, keep(path));
	expect_value(__wrap_mknod, mode, S_IFCHR | 0666);
	expect_value(__wrap_mknod, dev, makedev(major, minor));
	will_return(__wrap_mknod, e);
}

static void expect_chroot(int e)
{
	expect_string(__wrap_chroot, path, ".");
	will_return(__wrap_chroot, e);
}

#define PROC_FLAGS (MS_NOSUID | MS_NODEV | MS_NOEXEC)
#define SYS_FLAGS  (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)

/* ---- a root filesystem per test ---------------------------------------- */

/* <root>/<name> in @buf (PATH_MAX). */
static char *in_root(char *buf, void **state, const char *name)
{
	return path_in(buf, *state, name);
}

/* The proc mount on <root>/proc, answered with @e; its path in @proc. */
static void expect_proc(void **state, char *proc, int e)
{
	expect_mount("proc", in_root(proc, state, "proc"), "proc", PROC_FLAGS, NULL, e);
}

/* The sysfs mount on <root>/sys, answered with @e; its path in @sys. */
static void expect_sys(void **state, char *sys, int e)
{
	expect_mount("sysfs", in_root(sys, state, "sys"), "sysfs", SYS_FLAGS, NULL, e);
}

/* ---- modes and the path check ------------------------------------------ */

static void test_mode_parse_knows_pivot_and_chroot_only(void **state)
{
	enum kit_rootfs_mode mode = KIT_ROOTFS_CHROOT;
	(void)state;

	assert_int_equal(kit_rootfs_mode_parse("pivot", &mode), 0);
	assert_int_equal(mode, KIT_ROOTFS_PIVOT);
	assert_int_equal(kit_rootfs_mode_parse("chroot", &mode), 0);
	assert_int_equal(mode, KIT_ROOTFS_CHROOT);
	assert_int_equal(kit_rootfs_mode_parse("Pivot", &mode), -EINVAL);
	assert_int_equal(kit_rootfs_mode_parse("", &mode), -EINVAL);
	assert_int_equal(mode, KIT_ROOTFS_CHROOT); /* untouched on failure */
	assert_string_equal(kit_rootfs_mode_name(KIT_ROOTFS_PIVOT), "pivot");
	assert_string_equal(kit_rootfs_mode_name(KIT_ROOTFS_CHROOT), "chroot");
}

static void test_check_path_accepts_names_that_only_look_like_dotdot(void **state)
{
	static const char *const ok[] = {
		"rootfs", "/a/b", "a..b", "..a", "a/.b/", "./rootfs", "/", "a/.../b",
	};
	struct kit_err err = { 0 };
	(void)state;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_int_equal(kit_rootfs_check_path(ok[i], &err), 0);
	assert_int_equal(err.code, 0);
}

static void test_check_path_refuses_every_dotdot_component(void **state)
{
	static const char *const bad[] = {
		"..", "../x", "a/..", "/a/../b", "a//..//b", "/..", "a/../",
	};
	struct kit_err err = { 0 };
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(kit_rootfs_check_path(bad[i], &err), -EINVAL);
	assert_string_equal(err.msg,
			    "use rootfs a/../: EINVAL (a path with '..' may lead "
			    "somewhere other than it looks: give the directory without "
			    "'..')");
}

static void test_check_path_refuses_empty_path(void **state)
{
	struct kit_err err = { 0 };
	(void)state;

	assert_int_equal(kit_rootfs_check_path("", &err), -EINVAL);
	assert_string_equal(err.msg,
			    "use rootfs '': EINVAL (an empty path: give the image's "
			    "directory)");
}

static void test_check_path_refuses_path_without_room_for_dev_names(void **state)
{
	char path[PATH_MAX];
	struct kit_err err = { 0 };
	(void)state;

	fill_string(path, PATH_MAX - 16, 'a');
	assert_int_equal(kit_rootfs_check_path(path, &err), 0);
	fill_string(path, PATH_MAX - 15, 'a');
	assert_int_equal(kit_rootfs_check_path(path, &err), -ENAMETOOLONG);
	assert_int_equal(err.code, ENAMETOOLONG);
	assert_non_null(strstr(err.msg, "use rootfs aaaa"));
	assert_non_null(strstr(err.msg, "...: ENAMETOOLONG ("));
}

/* ---- kit_rootfs_resolve ------------------------------------------------- */

static void test_resolve_missing_dir_says_make_images(void **state)
{
	char path[PATH_MAX], out[PATH_MAX] = "untouched", want[PATH_MAX + 128];
	struct kit_err err = { 0 };

	assert_int_equal(kit_rootfs_resolve(in_root(path, state, "nope"), out, &err),
			 -ENOENT);
	snprintf(want, sizeof(want),
		 "use rootfs %s: ENOENT (no such directory: build the image with "
		 "'make images', or check the path)",
		 path);
	assert_string_equal(err.msg, want);
}

static void test_resolve_refuses_a_symlinked_root(void **state)
{
	char real[PATH_MAX], link[PATH_MAX], out[PATH_MAX], want[PATH_MAX + 160];
	struct kit_err err = { 0 };

	assert_int_equal(mkdir(in_root(real, state, "real"), 0755), 0);
	assert_int_equal(symlink(real, in_root(link, state, "link")), 0);

	assert_int_equal(kit_rootfs_resolve(link, out, &err), -ELOOP);
	snprintf(want, sizeof(want),
		 "use rootfs %s: ELOOP (it is a symlink: give the directory it "
		 "points to, so that nobody can re-point it under a running "
		 "container)",
		 link);
	assert_string_equal(err.msg, want);
}

static void test_resolve_refuses_a_file(void **state)
{
	char file[PATH_MAX], out[PATH_MAX], want[PATH_MAX + 128];
	struct kit_err err = { 0 };

	put_file(in_root(file, state, "file"), "not a tree\n");

	assert_int_equal(kit_rootfs_resolve(file, out, &err), -ENOTDIR);
	snprintf(want, sizeof(want),
		 "use rootfs %s: ENOTDIR (not a directory: a root filesystem is a "
		 "directory tree, e.g. build/images/busybox/rootfs)",
		 file);
	assert_string_equal(err.msg, want);
}

static void test_resolve_refuses_dotdot_before_looking(void **state)
{
	char out[PATH_MAX];
	struct kit_err err = { 0 };
	(void)state;

	/* /tmp/.. exists, but the string alone is refused. */
	assert_int_equal(kit_rootfs_resolve("/tmp/..", out, &err), -EINVAL);
	assert_int_equal(err.code, EINVAL);
}

static void test_resolve_gives_the_absolute_symlink_free_path(void **state)
{
	char real[PATH_MAX], root[PATH_MAX], via[PATH_MAX], link[PATH_MAX], out[PATH_MAX],
		want[PATH_MAX];
	struct kit_err err = { 0 };

	/* A symlink on the way is fine; only the last component may not be. */
	assert_int_equal(mkdir(in_root(real, state, "real"), 0755), 0);
	assert_int_equal(mkdir(path_in(root, real, "rootfs"), 0755), 0);
	assert_int_equal(symlink(real, in_root(link, state, "link")), 0);
	path_in(via, link, "rootfs/");
	assert_non_null(realpath(root, want));

	assert_int_equal(kit_rootfs_resolve(via, out, &err), 0);
	assert_string_equal(out, want);
}

static void test_resolve_makes_a_relative_path_absolute(void **state)
{
	char out[PATH_MAX], cwd[PATH_MAX];
	struct kit_err err = { 0 };
	(void)state;

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(kit_rootfs_resolve(".", out, &err), 0);
	assert_string_equal(out, cwd);
}

/* ---- kit_rootfs_bind ---------------------------------------------------- */

static void test_bind_mounts_the_root_onto_itself_recursively(void **state)
{
	struct kit_err err = { 0 };

	expect_mount(*state, *state, NULL, MS_BIND | MS_REC, NULL, 0);
	assert_int_equal(kit_rootfs_bind(*state, &err), 0);
}

static void test_bind_eperm_says_what_capability(void **state)
{
	char want[PATH_MAX * 2 + 160];
	struct kit_err err = { 0 };

	expect_mount(*state, *state, NULL, MS_BIND | MS_REC, NULL, EPERM);
	assert_int_equal(kit_rootfs_bind(*state, &err), -EPERM);
	snprintf(want, sizeof(want),
		 "bind %s on %s: EPERM (needs CAP_SYS_ADMIN over this mount "
		 "namespace: run as root, or in a user namespace that owns the mount "
		 "namespace)",
		 (char *)*state, (char *)*state);
	assert_string_equal(err.msg, want);
}

/* ---- /proc and /sys ------------------------------------------------------ */

static void test_mount_proc_creates_the_mount_point_and_mounts_proc(void **state)
{
	char proc[PATH_MAX];
	struct stat st;
	struct kit_err err = { 0 };

	expect_proc(state, proc, 0);
	assert_int_equal(kit_rootfs_mount_proc(*state, &err), 0);
	assert_int_equal(lstat(proc, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
}

static void test_mount_proc_uses_an_existing_mount_point(void **state)
{
	char proc[PATH_MAX];
	struct kit_err err = { 0 };

	assert_int_equal(mkdir(in_root(proc, state, "proc"), 0555), 0);
	expect_proc(state, proc, 0);
	assert_int_equal(kit_rootfs_mount_proc(*state, &err), 0);
}

static void test_mount_proc_refuses_a_symlinked_mount_point(void **state)
{
	char proc[PATH_MAX], want[PATH_MAX + 160];
	struct kit_err err = { 0 };

	/* An image whose proc/ points at the host's /etc: no mount queued. */
	assert_int_equal(symlink("/etc", in_root(proc, state, "proc")), 0);
	assert_int_equal(kit_rootfs_mount_proc(*state, &err), -ELOOP);
	snprintf(want, sizeof(want),
		 "use mount point %s: ELOOP (a symlink in the image where a mount "
		 "point belongs: refusing to follow it)",
		 proc);
	assert_string_equal(err.msg, want);
}

static void test_mount_proc_refuses_a_file_as_mount_point(void **state)
{
	char proc[PATH_MAX];
	struct kit_err err = { 0 };

	put_file(in_root(proc, state, "proc"), "");
	assert_int_equal(kit_rootfs_mount_proc(*state, &err), -ENOTDIR);
	assert_int_equal(err.code, ENOTDIR);
}

static void test_mount_proc_eperm_says_create_pid_ns_with_user_ns(void **state)
{
	char proc[PATH_MAX], want[PATH_MAX + 160];
	struct kit_err err = { 0 };

	expect_proc(state, proc, EPERM);
	assert_int_equal(kit_rootfs_mount_proc(*state, &err), -EPERM);
	snprintf(want, sizeof(want),
		 "mount proc on %s: EPERM (proc needs CAP_SYS_ADMIN over the PID "
		 "namespace: in a user namespace, create the PID namespace with it)",
		 proc);
	assert_string_equal(err.msg, want);
}

static void test_mount_sys_is_read_only(void **state)
{
	char sys[PATH_MAX];
	struct kit_err err = { 0 };

	expect_sys(state, sys, 0);
	assert_int_equal(kit_rootfs_mount_sys(*state, &err), 0);
}

static void test_mount_sys_eperm_asks_for_a_network_namespace(void **state)
{
	char sys[PATH_MAX], want[PATH_MAX + 160];
	struct kit_err err = { 0 };

	expect_sys(state, sys, EPERM);
	assert_int_equal(kit_rootfs_mount_sys(*state, &err), -EPERM);
	snprintf(want, sizeof(want),
		 "mount sysfs on %s: EPERM (in a user namespace sysfs needs a "
		 "network namespace created with it (CLONE_NEWNET))",
		 sys);
	assert_string_equal(err.msg, want);
}

static void test_mount_unknown_errno_falls_back_to_strerror(void **state)
{
	char sys[PATH_MAX], want[PATH_MAX + 80];
	struct kit_err err = { 0 };

	expect_sys(state, sys, EBUSY);
	assert_int_equal(kit_rootfs_mount_sys(*state, &err), -EBUSY);
	snprintf(want, sizeof(want), "mount sysfs on %s: EBUSY (%s)", sys,
		 strerror(EBUSY));
	assert_string_equal(err.msg, want);
}

/* ---- /dev ----------------------------------------------------------------- */

static const struct {
	const char *name;
	unsigned major, minor;
} nodes[] = {
	{ "null", 1, 3 },   { "zero", 1, 5 },    { "full", 1, 7 },
	{ "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
};

#define NNODES (sizeof(nodes) / sizeof(nodes[0]))

/* The tmpfs on <root>/dev; its path in @dev. */
static void expect_dev_tmpfs(void **state, char *dev)
{
	expect_mount("tmpfs", in_root(dev, state, "dev"), "tmpfs",
		     MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k", 0);
}

/* Outside a user namespace, after the tmpfs on @dev: six mknods, a devpts. */
static void expect_dev_nodes(const char *dev)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < NNODES; i++)
		expect_mknod(path_in(path, dev, nodes[i].name), nodes[i].major,
			     nodes[i].minor, 0);
	expect_mount("devpts", path_in(path, dev, "pts"), "devpts", MS_NOSUID | MS_NOEXEC,
		     "newinstance,ptmxmode=0666,mode=0620,gid=5", 0);
}

static void assert_link(const char *dev, const char *name, const char *target)
{
	char path[PATH_MAX], got[PATH_MAX];
	ssize_t n = readlink(path_in(path, dev, name), got, sizeof(got) - 1);

	assert_true(n > 0);
	got[n] = '\0';
	assert_string_equal(got, target);
}

static void test_mount_dev_makes_six_nodes_a_devpts_and_the_links(void **state)
{
	char dev[PATH_MAX], path[PATH_MAX];
	struct stat st;
	struct kit_err err = { 0 };

	expect_dev_tmpfs(state, dev);
	expect_dev_nodes(dev);

	assert_int_equal(kit_rootfs_mount_dev(*state, false, &err), 0);
	/* 0666 whatever the umask: every user may write /dev/null. */
	assert_int_equal(stat(path_in(path, dev, "null"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0666);
	assert_link(dev, "ptmx", "pts/ptmx");
	assert_link(dev, "fd", "/proc/self/fd");
	assert_link(dev, "stdin", "/proc/self/fd/0");
	assert_link(dev, "stdout", "/proc/self/fd/1");
	assert_link(dev, "stderr", "/proc/self/fd/2");
}

static void test_mount_dev_in_a_user_namespace_binds_the_hosts_nodes(void **state)
{
	char dev[PATH_MAX], path[PATH_MAX], host[64];
	struct stat st;
	struct kit_err err = { 0 };

	expect_dev_tmpfs(state, dev);
	for (size_t i = 0; i < NNODES; i++) {
		snprintf(host, sizeof(host), "/dev/%s", nodes[i].name);
		expect_mount(host, path_in(path, dev, nodes[i].name), NULL, MS_BIND, NULL,
			     0);
	}
	/* No gid=5: the tty group is not mapped into the user namespace. */
	expect_mount("devpts", path_in(path, dev, "pts"), "devpts", MS_NOSUID | MS_NOEXEC,
		     "newinstance,ptmxmode=0666,mode=0620", 0);

	assert_int_equal(kit_rootfs_mount_dev(*state, true, &err), 0);
	/* Each bind needs a file to sit on. */
	assert_int_equal(stat(path_in(path, dev, "tty"), &st), 0);
	assert_true(S_ISREG(st.st_mode));
}

static void test_mount_dev_mknod_eperm_says_bind_instead(void **state)
{
	char dev[PATH_MAX], path[PATH_MAX], want[PATH_MAX + 160];
	struct kit_err err = { 0 };

	expect_dev_tmpfs(state, dev);
	expect_mknod(path_in(path, dev, "null"), 1, 3, EPERM);

	assert_int_equal(kit_rootfs_mount_dev(*state, false, &err), -EPERM);
	snprintf(want, sizeof(want),
		 "create device %s (1:3): EPERM (needs CAP_MKNOD, which a user "
		 "namespace never has: bind the host's node instead)",
		 path);
	assert_string_equal(err.msg, want);
}

static void test_mount_dev_stops_when_the_tmpfs_fails(void **state)
{
	char dev[PATH_MAX];
	struct kit_err err = { 0 };

	expect_mount("tmpfs", in_root(dev, state, "dev"), "tmpfs",
		     MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k",
		     ENOMEM); /* and no node queued */
	assert_int_equal(kit_rootfs_mount_dev(*state, false, &err), -ENOMEM);
}

/* ---- pivot_root and chroot -------------------------------------------- */

static void test_pivot_swaps_roots_then_detaches_the_old_one(void **state)
{
	struct kit_err err = { 0 };

	expect_chdir(*state, 0);
	expect_pivot_root(0);
	expect_umount2(".", MNT_DETACH, 0);
	expect_chdir("/", 0);
	assert_int_equal(kit_rootfs_pivot(*state, &err), 0);
}

static void test_pivot_einval_explains_the_rules(void **state)
{
	char want[PATH_MAX + 512];
	struct kit_err err = { 0 };

	expect_chdir(*state, 0);
	expect_pivot_root(EINVAL);
	assert_int_equal(kit_rootfs_pivot(*state, &err), -EINVAL);
	snprintf(want, sizeof(want),
		 "pivot_root to %s: EINVAL (pivot_root wants the new root to be a "
		 "mount point (bind it onto itself first), neither it nor the current "
		 "root to be shared-propagated (make every mount private first: "
		 "MS_REC|MS_PRIVATE on /), put_old at or under the new root, and a "
		 "current root that is not the initramfs rootfs (use --root-mode "
		 "chroot there))",
		 (char *)*state);
	assert_string_equal(err.msg, want);
}

static void test_pivot_eperm_asks_for_a_mount_namespace(void **state)
{
	struct kit_err err = { 0 };

	expect_chdir(*state, 0);
	expect_pivot_root(EPERM);
	assert_int_equal(kit_rootfs_pivot(*state, &err), -EPERM);
	assert_non_null(strstr(err.msg, ": EPERM (needs CAP_SYS_ADMIN over the mount "
					"namespace: call it in a mount namespace of our "
					"own)"));
}

static void test_pivot_failed_detach_is_reported(void **state)
{
	struct kit_err err = { 0 };

	expect_chdir(*state, 0);
	expect_pivot_root(0);
	expect_umount2(".", MNT_DETACH, EINVAL);
	assert_int_equal(kit_rootfs_pivot(*state, &err), -EINVAL);
	assert_string_equal(err.msg, "detach the old root: EINVAL (Invalid argument)");
}

static void test_pivot_into_a_vanished_root_does_not_pivot(void **state)
{
	struct kit_err err = { 0 };

	expect_chdir(*state, ENOENT); /* and no pivot_root queued */
	assert_int_equal(kit_rootfs_pivot(*state, &err), -ENOENT);
}

static void test_chroot_enters_the_root_then_chroots_there(void **state)
{
	struct kit_err err = { 0 };

	expect_chdir(*state, 0);
	expect_chroot(0);
	expect_chdir("/", 0);
	assert_int_equal(kit_rootfs_chroot(*state, &err), 0);
}

static void test_chroot_eperm_names_the_capability(void **state)
{
	char want[PATH_MAX + 80];
	struct kit_err err = { 0 };

	expect_chdir(*state, 0);
	expect_chroot(EPERM);
	assert_int_equal(kit_rootfs_chroot(*state, &err), -EPERM);
	snprintf(want, sizeof(want), "chroot to %s: EPERM (needs CAP_SYS_CHROOT)",
		 (char *)*state);
	assert_string_equal(err.msg, want);
}

/* ---- kit_rootfs_enter ------------------------------------------------- */

/* Queue every call a successful kit_rootfs_enter(@in_userns=false) makes
 * before it pivots or chroots. */
static void expect_mounts(void **state)
{
	char path[PATH_MAX], dev[PATH_MAX];

	expect_mount(*state, *state, NULL, MS_BIND | MS_REC, NULL, 0);
	expect_proc(state, path, 0);
	expect_dev_tmpfs(state, dev);
	expect_dev_nodes(dev);
	expect_sys(state, path, 0);
}

static void test_enter_mounts_in_order_then_pivots(void **state)
{
	struct kit_err err = { 0 };

	expect_mounts(state);
	expect_chdir(*state, 0);
	expect_pivot_root(0);
	expect_umount2(".", MNT_DETACH, 0);
	expect_chdir("/", 0);
	assert_int_equal(kit_rootfs_enter(*state, KIT_ROOTFS_PIVOT, false, &err), 0);
}

static void test_enter_in_chroot_mode_never_pivots(void **state)
{
	struct kit_err err = { 0 };

	expect_mounts(state);
	expect_chdir(*state, 0);
	expect_chroot(0);
	expect_chdir("/", 0);
	assert_int_equal(kit_rootfs_enter(*state, KIT_ROOTFS_CHROOT, false, &err), 0);
}

static void test_enter_stops_at_the_first_failed_step(void **state)
{
	char proc[PATH_MAX];
	struct kit_err err = { 0 };

	expect_mount(*state, *state, NULL, MS_BIND | MS_REC, NULL, 0);
	expect_proc(state, proc, EPERM);
	/* nothing else queued: a further call would fail the test */
	assert_int_equal(kit_rootfs_enter(*state, KIT_ROOTFS_PIVOT, false, &err), -EPERM);
	assert_non_null(strstr(err.msg, "mount proc on "));
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, remove_tmpdir)
	const struct CMUnitTest tests[] = {
		T(test_mode_parse_knows_pivot_and_chroot_only),
		T(test_check_path_accepts_names_that_only_look_like_dotdot),
		T(test_check_path_refuses_every_dotdot_component),
		T(test_check_path_refuses_empty_path),
		T(test_check_path_refuses_path_without_room_for_dev_names),
		T(test_resolve_missing_dir_says_make_images),
		T(test_resolve_refuses_a_symlinked_root),
		T(test_resolve_refuses_a_file),
		T(test_resolve_refuses_dotdot_before_looking),
		T(test_resolve_gives_the_absolute_symlink_free_path),
		T(test_resolve_makes_a_relative_path_absolute),
		T(test_bind_mounts_the_root_onto_itself_recursively),
		T(test_bind_eperm_says_what_capability),
		T(test_mount_proc_creates_the_mount_point_and_mounts_proc),
		T(test_mount_proc_uses_an_existing_mount_point),
		T(test_mount_proc_refuses_a_symlinked_mount_point),
		T(test_mount_proc_refuses_a_file_as_mount_point),
		T(test_mount_proc_eperm_says_create_pid_ns_with_user_ns),
		T(test_mount_sys_is_read_only),
		T(test_mount_sys_eperm_asks_for_a_network_namespace),
		T(test_mount_unknown_errno_falls_back_to_strerror),
		T(test_mount_dev_makes_six_nodes_a_devpts_and_the_links),
		T(test_mount_dev_in_a_user_namespace_binds_the_hosts_nodes),
		T(test_mount_dev_mknod_eperm_says_bind_instead),
		T(test_mount_dev_stops_when_the_tmpfs_fails),
		T(test_pivot_swaps_roots_then_detaches_the_old_one),
		T(test_pivot_einval_explains_the_rules),
		T(test_pivot_eperm_asks_for_a_mount_namespace),
		T(test_pivot_failed_detach_is_reported),
		T(test_pivot_into_a_vanished_root_does_not_pivot),
		T(test_chroot_enters_the_root_then_chroots_there),
		T(test_chroot_eperm_names_the_capability),
		T(test_enter_mounts_in_order_then_pivots),
		T(test_enter_in_chroot_mode_never_pivots),
		T(test_enter_stops_at_the_first_failed_step),
	};
#undef T

	return cmocka_run_group_tests_name("common/rootfs.c", tests, NULL, NULL);
}
