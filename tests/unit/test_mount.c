/* SPDX-License-Identifier: MIT */
/*
 * test_mount.c - unit tests for common/mount.c: tidy absolute paths, the
 * mountinfo parser (escapes, optional fields, broken lines), walking and
 * searching a mount table, and umount's hints.
 *
 * umount2(2) is replaced at link time (-Wl,--wrap=umount2); the mount table
 * is a file in a temporary directory (kit_mountinfo_path points at it), so
 * every test runs as an ordinary user and changes nothing on the host.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h> /* cmocka.h needs these three first */
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "kit/mount.h"
#include "unit.h"

/* umount2(2) is unit.c's __wrap_umount2: checks its arguments, fails with a
 * queued errno. */

/* A fake mount table in the test's directory; returns its path in @buf. */
static char *fake_mountinfo(const char *dir, const char *text, char *buf)
{
	path_in(buf, dir, "mountinfo");
	put_file(buf, text);
	kit_mountinfo_path = buf;
	return buf;
}

/* ---- kit_mount_abspath --------------------------------------------------- */

static void test_abspath_tidies_an_absolute_path(void **state)
{
	struct kit_err err = { 0 };
	char *out = NULL;

	(void)state;
	assert_int_equal(kit_mount_abspath("merged", "/a//b/./c/", &out, &err), 0);
	assert_string_equal(out, "/a/b/c");
	free(out);
	assert_int_equal(kit_mount_abspath("merged", "///", &out, &err), 0);
	assert_string_equal(out, "/");
	free(out);
}

static void test_abspath_starts_a_relative_path_at_the_cwd(void **state)
{
	char old[PATH_MAX], want[PATH_MAX + 16], real[PATH_MAX];
	struct kit_err err = { 0 };
	char *out = NULL;

	assert_non_null(getcwd(old, sizeof(old)));
	assert_int_equal(chdir(*state), 0);
	assert_non_null(getcwd(real, sizeof(real)));
	assert_int_equal(kit_mount_abspath("lowerdir 1", "./img//l1/", &out, &err), 0);
	assert_int_equal(chdir(old), 0);
	FMT(want, sizeof(want), "%s/img/l1", real);
	assert_string_equal(out, want);
	free(out);
}

static void test_abspath_refuses_dotdot_and_says_why(void **state)
{
	struct kit_err err = { 0 };
	char *out = NULL;

	(void)state;
	assert_int_equal(kit_mount_abspath("lowerdir 2", "/img/../etc", &out, &err),
			 -EINVAL);
	assert_null(out);
	assert_string_equal(
		err.msg, "check lowerdir 2 /img/../etc: EINVAL ('..' is refused in these "
			 "paths: it is how a name chosen by someone else climbs out of "
			 "its directory; give the directory itself)");
	assert_int_equal(kit_mount_abspath("merged", "c1/..", &out, &err), -EINVAL);
}

static void test_abspath_keeps_names_that_only_start_with_dots(void **state)
{
	struct kit_err err = { 0 };
	char *out = NULL;

	(void)state;
	assert_int_equal(kit_mount_abspath("merged", "/a/..b/...", &out, &err), 0);
	assert_string_equal(out, "/a/..b/...");
	free(out);
}

static void test_abspath_refuses_empty_and_too_long(void **state)
{
	char *long_path = malloc(PATH_MAX + 10);
	struct kit_err err = { 0 };
	char *out = NULL;

	(void)state;
	assert_int_equal(kit_mount_abspath("upperdir", "", &out, &err), -EINVAL);
	assert_string_equal(err.msg,
			    "check upperdir: EINVAL (an empty path names no directory)");
	long_path[0] = '/';
	fill_string(long_path + 1, PATH_MAX + 5, 'x');
	assert_int_equal(kit_mount_abspath("upperdir", long_path, &out, &err),
			 -ENAMETOOLONG);
	assert_non_null(strstr(err.msg, ": ENAMETOOLONG (longer than PATH_MAX)"));
	free(long_path);
}

/* ---- kit_mountinfo_parse ------------------------------------------------ */

static void test_parse_splits_a_line_with_optional_fields(void **state)
{
	char line[] = "36 35 98:0 /mnt1 /mnt2 rw,noatime shared:1 master:2 - ext3 "
		      "/dev/root rw,errors=continue";
	struct kit_mountinfo mi;

	(void)state;
	assert_int_equal(kit_mountinfo_parse(line, &mi), 0);
	assert_int_equal(mi.id, 36);
	assert_int_equal(mi.parent, 35);
	assert_int_equal(mi.major, 98);
	assert_int_equal(mi.minor, 0);
	assert_string_equal(mi.root, "/mnt1");
	assert_string_equal(mi.target, "/mnt2");
	assert_string_equal(mi.mount_opts, "rw,noatime");
	assert_string_equal(mi.fstype, "ext3");
	assert_string_equal(mi.source, "/dev/root");
	assert_string_equal(mi.super_opts, "rw,errors=continue");
}

/* The very line 6.18 wrote for a lowerdir "we,ird:dir" (escaped "we\,ird\:dir"). */
static void test_parse_undoes_the_octal_escapes(void **state)
{
	char line[] = "44 27 0:39 / /tmp/a\\040b rw,relatime - overlay overlay "
		      "rw,lowerdir=/tmp/we\\134\\054ird\\134:dir,upperdir=/u";
	struct kit_mountinfo mi;

	(void)state;
	assert_int_equal(kit_mountinfo_parse(line, &mi), 0);
	assert_string_equal(mi.target, "/tmp/a b");
	assert_string_equal(mi.super_opts, "rw,lowerdir=/tmp/we\\,ird\\:dir,upperdir=/u");
}

static void test_parse_refuses_broken_lines(void **state)
{
	char no_dash[] = "36 35 98:0 / /mnt rw ext3 /dev/root rw";
	char bad_id[] = "x 35 98:0 / /mnt rw - ext3 /dev/root rw";
	char bad_dev[] = "36 35 98 / /mnt rw - ext3 /dev/root rw";
	char short_line[] = "36 35 98:0 /";
	char empty[] = "";
	struct kit_mountinfo mi;

	(void)state;
	assert_int_equal(kit_mountinfo_parse(no_dash, &mi), -EINVAL);
	assert_int_equal(kit_mountinfo_parse(bad_id, &mi), -EINVAL);
	assert_int_equal(kit_mountinfo_parse(bad_dev, &mi), -EINVAL);
	assert_int_equal(kit_mountinfo_parse(short_line, &mi), -EINVAL);
	assert_int_equal(kit_mountinfo_parse(empty, &mi), -EINVAL);
}

static void test_parse_allows_missing_super_options(void **state)
{
	char line[] = "36 35 98:0 / /mnt rw - ext3 /dev/root";
	struct kit_mountinfo mi;

	(void)state;
	assert_int_equal(kit_mountinfo_parse(line, &mi), 0);
	assert_string_equal(mi.super_opts, "");
}

/* ---- walking and searching the table ------------------------------------ */

#define TABLE                                                                            \
	"22 1 0:21 / /proc rw - proc proc rw\n"                                          \
	"garbage line\n"                                                                 \
	"40 1 0:30 / /m rw - tmpfs kit-t rw\n"                                           \
	"41 40 0:31 / /m rw - overlay overlay rw,lowerdir=/l\n"

static int count_and_stop_at(const struct kit_mountinfo *mi, void *arg)
{
	int *n = arg;

	(*n)++;
	return mi->id == 40 ? 7 : 0;
}

static void test_each_skips_broken_lines_and_stops_on_request(void **state)
{
	struct kit_err err = { 0 };
	char path[PATH_MAX];
	int n = 0;

	fake_mountinfo(*state, TABLE, path);
	assert_int_equal(kit_mountinfo_each(count_and_stop_at, &n, &err), 7);
	assert_int_equal(n, 2);
}

static void test_find_returns_the_top_most_mount(void **state)
{
	char *fstype = NULL, *opts = NULL, path[PATH_MAX];
	struct kit_err err = { 0 };

	fake_mountinfo(*state, TABLE, path);
	assert_int_equal(kit_mount_find("/m", &fstype, &opts, &err), 1);
	assert_string_equal(fstype, "overlay");
	assert_string_equal(opts, "rw,lowerdir=/l");
	free(fstype);
	free(opts);
	assert_int_equal(kit_mount_find("/proc", NULL, NULL, &err), 1);
	assert_int_equal(kit_mount_find("/nowhere", &fstype, NULL, &err), 0);
}

static void test_find_without_a_table_says_which_file(void **state)
{
	struct kit_err err = { 0 };
	char path[PATH_MAX];

	kit_mountinfo_path = path_in(path, *state, "missing");
	assert_int_equal(kit_mount_find("/m", NULL, NULL, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "read the mount table: open "));
	assert_non_null(strstr(err.msg, "/missing: ENOENT"));
}

/* ---- kit_umount ------------------------------------------------------- */

static void expect_umount(const char *target, int flags, int e)
{
	expect_string(__wrap_umount2, target, target);
	expect_value(__wrap_umount2, flags, flags);
	will_return(__wrap_umount2, e);
}

static void test_umount_passes_target_and_flags(void **state)
{
	struct kit_err err = { 0 };

	(void)state;
	expect_umount("/m", MNT_DETACH, 0);
	assert_int_equal(kit_umount("/m", MNT_DETACH, &err), 0);
	assert_int_equal(err.code, 0);
}

static void test_umount_ebusy_says_who_holds_it(void **state)
{
	struct kit_err err = { 0 };

	(void)state;
	expect_umount("/m", 0, EBUSY);
	assert_int_equal(kit_umount("/m", 0, &err), -EBUSY);
	assert_string_equal(err.msg, "unmount /m: EBUSY (still in use: a process has its "
				     "working directory or an open file below it, or "
				     "another mount sits below it; fuser -vm PATH finds "
				     "the processes)");
}

static void test_umount_einval_says_not_a_mount_point(void **state)
{
	struct kit_err err = { 0 };

	(void)state;
	expect_umount("/m", 0, EINVAL);
	assert_int_equal(kit_umount("/m", 0, &err), -EINVAL);
	assert_string_equal(err.msg, "unmount /m: EINVAL (not a mount point: nothing is "
				     "mounted there, or it was unmounted already)");
}

static void test_umount_other_errno_falls_back_to_strerror(void **state)
{
	struct kit_err err = { 0 };

	(void)state;
	expect_umount("/m", 0, EIO);
	assert_int_equal(kit_umount("/m", 0, &err), -EIO);
	assert_string_equal(err.msg, "unmount /m: EIO (Input/output error)");
}

static int reset_table(void **state)
{
	(void)state;
	kit_mountinfo_path = "/proc/self/mountinfo";
	return 0;
}

static int setup(void **state)
{
	return make_tmpdir(state);
}

static int teardown(void **state)
{
	reset_table(state);
	return remove_tmpdir(state);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_abspath_tidies_an_absolute_path),
		T(test_abspath_starts_a_relative_path_at_the_cwd),
		T(test_abspath_refuses_dotdot_and_says_why),
		T(test_abspath_keeps_names_that_only_start_with_dots),
		T(test_abspath_refuses_empty_and_too_long),
		T(test_parse_splits_a_line_with_optional_fields),
		T(test_parse_undoes_the_octal_escapes),
		T(test_parse_refuses_broken_lines),
		T(test_parse_allows_missing_super_options),
		T(test_each_skips_broken_lines_and_stops_on_request),
		T(test_find_returns_the_top_most_mount),
		T(test_find_without_a_table_says_which_file),
		T(test_umount_passes_target_and_flags),
		T(test_umount_ebusy_says_who_holds_it),
		T(test_umount_einval_says_not_a_mount_point),
		T(test_umount_other_errno_falls_back_to_strerror),
	};
#undef T

	return cmocka_run_group_tests_name("common/mount.c", tests, NULL, NULL);
}
