/* SPDX-License-Identifier: MIT */
/*
 * test_overlay_check.c - unit tests for common/overlay_check.c: the checks
 * made before every mount (the mount point, the workdir, an upperdir or
 * workdir in use) and reading a mounted overlay's layers back out of the
 * mount table.
 *
 * Nothing is faked but the mount table, a file in a temporary directory per
 * test (kit_mountinfo_path points at it); the layers are directories there
 * too.  Every test runs as an ordinary user and nothing is mounted.
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
#include <sys/stat.h>
#include <unistd.h>

#include "kit/mount.h"
#include "kit/overlay.h"
#include "test_overlay_fixture.h"
#include "unit.h"

/* ---- kit_overlay_check ------------------------------------------------ */

static void test_check_accepts_fresh_and_reused_workdirs(void **state)
{
	struct ov_fixture *f = *state;
	struct kit_err err = { 0 };
	char sub[PATH_MAX];

	assert_int_equal(kit_overlay_check(&f->ov, f->merged, &err), 0);
	make_dir(sub, f->work, "work"); /* what the kernel leaves behind */
	make_dir(sub, f->work, "index");
	assert_int_equal(kit_overlay_check(&f->ov, f->merged, &err), 0);
}

static void test_check_refuses_a_workdir_with_other_files(void **state)
{
	struct ov_fixture *f = *state;
	struct kit_err err = { 0 };
	char file[PATH_MAX], want[2 * PATH_MAX];

	put_file(path_in(file, f->work, "notes.txt"), "mine");
	assert_int_equal(kit_overlay_check(&f->ov, f->merged, &err), -ENOTEMPTY);
	FMT(want, sizeof(want),
	    "check workdir %s: ENOTEMPTY (it holds 'notes.txt': a workdir must "
	    "be empty, and the kernel keeps only its own work/ and index/ there, "
	    "so this is probably not one)",
	    f->work);
	assert_string_equal(err.msg, want);
}

static void test_check_refuses_symlinked_missing_and_root_merged(void **state)
{
	struct ov_fixture *f = *state;
	struct kit_err err = { 0 };
	char link[PATH_MAX], want[2 * PATH_MAX];

	assert_int_equal(symlink(f->merged, path_in(link, f->dir, "link")), 0);
	assert_int_equal(kit_overlay_check(&f->ov, link, &err), -ELOOP);
	FMT(want, sizeof(want),
	    "check merged %s: ELOOP (a symlink: the kernel would follow it and "
	    "mount wherever it points; give the directory itself)",
	    link);
	assert_string_equal(err.msg, want);
	path_in(link, f->dir, "nothere");
	assert_int_equal(kit_overlay_check(&f->ov, link, &err), -ENOENT);
	FMT(want, sizeof(want),
	    "find merged %s: ENOENT (no such directory: create the mount point "
	    "first, with mkdir)",
	    link);
	assert_string_equal(err.msg, want);
	assert_int_equal(kit_overlay_check(&f->ov, "/", &err), -EINVAL);
	assert_string_equal(err.msg, "check merged /: EINVAL (that would hide the whole "
				     "root filesystem: give an empty directory)");
	put_file(path_in(link, f->dir, "plain"), "x");
	assert_int_equal(kit_overlay_check(&f->ov, link, &err), -ENOTDIR);
}

static void test_check_refuses_a_merged_that_is_already_an_overlay(void **state)
{
	struct ov_fixture *f = *state;
	struct kit_err err = { 0 };
	char table[3 * PATH_MAX], want[2 * PATH_MAX];

	FMT(table, sizeof(table),
	    "40 1 0:30 / %s rw - overlay overlay rw,lowerdir=/x:/y\n", f->merged);
	set_table(f, table);
	assert_int_equal(kit_overlay_check(&f->ov, f->merged, &err), -EBUSY);
	FMT(want, sizeof(want),
	    "check merged %s: EBUSY (an overlay is mounted there already: unmount "
	    "it first, a second one would hide it)",
	    f->merged);
	assert_string_equal(err.msg, want);
}

static void test_check_refuses_an_upperdir_in_use(void **state)
{
	struct ov_fixture *f = *state;
	struct kit_err err = { 0 };
	char table[4 * PATH_MAX], want[3 * PATH_MAX];

	FMT(table, sizeof(table),
	    "40 1 0:30 / /elsewhere rw - overlay overlay "
	    "rw,lowerdir=/x,upperdir=%s,workdir=/nowhere\n",
	    f->up);
	set_table(f, table);
	assert_int_equal(kit_overlay_check(&f->ov, f->merged, &err), -EBUSY);
	FMT(want, sizeof(want),
	    "check upperdir %s: EBUSY (it is already the upperdir of the overlay on "
	    "/elsewhere: two overlays writing one layer corrupt it; the kernel 6.18 "
	    "mounts anyway and only warns in dmesg, unless index=on)",
	    f->up);
	assert_string_equal(err.msg, want);
}

static void test_check_refuses_a_workdir_that_is_their_upperdir(void **state)
{
	struct ov_fixture *f = *state;
	struct kit_err err = { 0 };
	char table[4 * PATH_MAX];

	FMT(table, sizeof(table),
	    "40 1 0:30 / /elsewhere rw - overlay overlay "
	    "rw,lowerdir=/x,upperdir=%s,workdir=/nowhere\n",
	    f->work);
	set_table(f, table);
	assert_int_equal(kit_overlay_check(&f->ov, f->merged, &err), -EBUSY);
	assert_non_null(strstr(err.msg, "check workdir "));
	assert_non_null(strstr(err.msg, "(it is already the upperdir of the overlay on "
					"/elsewhere"));
}

/* ---- the mount table ---------------------------------------------------- */

static void test_from_mount_reads_escaped_layers_back(void **state)
{
	struct ov_fixture *f = *state;
	struct kit_err err = { 0 };
	struct kit_overlay ov;
	char table[3 * PATH_MAX];

	/* the escapes exactly as 6.18 shows "we,ird:dir" */
	FMT(table, sizeof(table),
	    "41 1 0:31 / %s rw - overlay overlay rw,lowerdir=/t/we\\134\\054ird"
	    "\\134:dir:/t/l2,upperdir=/t/u\\134\\054p,workdir=/t/w\n",
	    f->merged);
	set_table(f, table);
	kit_overlay_init(&ov);
	assert_int_equal(kit_overlay_from_mount(f->merged, &ov, &err), 0);
	assert_int_equal(ov.nlower, 2);
	assert_string_equal(ov.lower[0], "/t/we,ird:dir");
	assert_string_equal(ov.lower[1], "/t/l2");
	assert_string_equal(ov.upper, "/t/u,p");
	assert_string_equal(ov.work, "/t/w");
	kit_overlay_release(&ov);
}

static void test_from_mount_of_something_else_says_what(void **state)
{
	struct ov_fixture *f = *state;
	struct kit_err err = { 0 };
	struct kit_overlay ov;
	char table[3 * PATH_MAX];

	kit_overlay_init(&ov);
	assert_int_equal(kit_overlay_from_mount(f->merged, &ov, &err), -EINVAL);
	assert_non_null(strstr(err.msg, ": EINVAL (nothing is mounted there: mount it "
					"first, or name the layers with --lower and "
					"--upper)"));
	FMT(table, sizeof(table), "40 1 0:30 / %s rw - tmpfs t rw\n", f->merged);
	set_table(f, table);
	assert_int_equal(kit_overlay_from_mount(f->merged, &ov, &err), -EINVAL);
	assert_non_null(strstr(err.msg, ": EINVAL (a tmpfs is mounted there, not an "
					"overlay)"));
	kit_overlay_release(&ov);
}

static void test_find_upper_finds_the_overlay_writing_there(void **state)
{
	struct ov_fixture *f = *state;
	struct kit_err err = { 0 };
	struct kit_overlay ov;
	char table[4 * PATH_MAX];

	kit_overlay_init(&ov);
	assert_int_equal(kit_overlay_find_upper(f->up, &ov, &err), 0);
	FMT(table, sizeof(table),
	    "40 1 0:30 / /other rw - overlay overlay rw,lowerdir=/a\n"
	    "41 1 0:31 / /m rw - overlay overlay rw,lowerdir=%s:%s,upperdir=%s,"
	    "workdir=%s\n",
	    f->l1, f->l2, f->up, f->work);
	set_table(f, table);
	assert_int_equal(kit_overlay_find_upper(f->up, &ov, &err), 1);
	assert_int_equal(ov.nlower, 2);
	assert_string_equal(ov.lower[1], f->l2);
	kit_overlay_release(&ov);
	assert_int_equal(kit_overlay_find_upper("/no/such/upper", &ov, &err), -ENOENT);
}

int main(void)
{
#define T(name)                                                                          \
	cmocka_unit_test_setup_teardown(name, ov_fixture_setup, ov_fixture_teardown)
	const struct CMUnitTest tests[] = {
		T(test_check_accepts_fresh_and_reused_workdirs),
		T(test_check_refuses_a_workdir_with_other_files),
		T(test_check_refuses_symlinked_missing_and_root_merged),
		T(test_check_refuses_a_merged_that_is_already_an_overlay),
		T(test_check_refuses_an_upperdir_in_use),
		T(test_check_refuses_a_workdir_that_is_their_upperdir),
		T(test_from_mount_reads_escaped_layers_back),
		T(test_from_mount_of_something_else_says_what),
		T(test_find_upper_finds_the_overlay_writing_there),
	};
#undef T

	return cmocka_run_group_tests_name("common/overlay_check.c", tests, NULL, NULL);
}
