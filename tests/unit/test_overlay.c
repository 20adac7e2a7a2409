/* SPDX-License-Identifier: MIT */
/*
 * test_overlay.c - unit tests for common/overlay.c: the layer list and its
 * escapes, resolving layer paths, the option string both ways, the checks
 * made before mounting, mount(2) with every hint, and umount.
 *
 * The "kernel" is faked at link time (-Wl,--wrap=mount,statfs,statx,
 * umount2): mount and umount2 fail with a queued errno; statfs and statx
 * are the real ones except for the paths a test marks "on an overlay" or
 * "on mount N".  The layers are directories in a temporary directory per
 * test and the mount table is a file there, so everything runs as an
 * ordinary user and nothing is mounted.
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
#include <sys/vfs.h>
#include <unistd.h>

#include "kit/mount.h"
#include "kit/overlay.h"
#include "test_overlay_fixture.h"
#include "unit.h"

/* ---- the fake kernel --------------------------------------------------- */

/* mount(2) and umount2(2) are unit.c's __wrap_mount and __wrap_umount2. */
int __wrap_statfs(const char *path, struct statfs *buf);
int __wrap_statx(int dirfd, const char *path, int flags, unsigned int mask,
		 struct statx *buf);
int __real_statfs(const char *path, struct statfs *buf);
int __real_statx(int dirfd, const char *path, int flags, unsigned int mask,
		 struct statx *buf);

static char on_overlay[PATH_MAX]; /* statfs says "overlay" for this path */
static char on_mount2[PATH_MAX];  /* statx puts this path on mount 2 */

int __wrap_statfs(const char *path, struct statfs *buf)
{
	int ret = __real_statfs(path, buf);

	if (ret == 0 && strcmp(path, on_overlay) == 0)
		buf->f_type = KIT_OVERLAY_MAGIC;
	return ret;
}

int __wrap_statx(int dirfd, const char *path, int flags, unsigned int mask,
		 struct statx *buf)
{
	int ret = __real_statx(dirfd, path, flags, mask, buf);

	if (ret == 0) {
		buf->stx_mask |= STATX_MNT_ID;
		buf->stx_mnt_id = strcmp(path, on_mount2) == 0 ? 2 : 1;
	}
	return ret;
}

/* ---- a temporary directory per test (test_overlay_fixture.h) ----------- */

static int setup(void **state)
{
	on_overlay[0] = on_mount2[0] = '\0';
	return ov_fixture_setup(state);
}

/* ---- the layer list ----------------------------------------------------- */

static void test_add_lowers_splits_at_colons_top_first(void **state)
{
	struct kit_err err = { 0 };
	struct kit_overlay ov;

	(void)state;
	kit_overlay_init(&ov);
	assert_int_equal(kit_overlay_add_lowers(&ov, "/a:/b", &err), 0);
	assert_int_equal(kit_overlay_add_lowers(&ov, "/c", &err), 0);
	assert_int_equal(ov.nlower, 3);
	assert_string_equal(ov.lower[0], "/a");
	assert_string_equal(ov.lower[1], "/b");
	assert_string_equal(ov.lower[2], "/c");
	kit_overlay_release(&ov);
	assert_int_equal(ov.nlower, 0);
	assert_null(ov.lower);
}

static void test_add_lowers_takes_backslash_escapes(void **state)
{
	struct kit_err err = { 0 };
	struct kit_overlay ov;

	(void)state;
	kit_overlay_init(&ov);
	assert_int_equal(kit_overlay_add_lowers(&ov, "/we\\,ird\\:dir:/b\\\\s", &err), 0);
	assert_int_equal(ov.nlower, 2);
	assert_string_equal(ov.lower[0], "/we,ird:dir");
	assert_string_equal(ov.lower[1], "/b\\s");
	kit_overlay_release(&ov);
}

static void test_add_lowers_refuses_an_empty_layer_and_keeps_the_old(void **state)
{
	struct kit_err err = { 0 };
	struct kit_overlay ov;

	(void)state;
	kit_overlay_init(&ov);
	assert_int_equal(kit_overlay_add_lowers(&ov, "/x", &err), 0);
	assert_int_equal(kit_overlay_add_lowers(&ov, "/a::/b", &err), -EINVAL);
	assert_string_equal(err.msg, "read layer 2 of lowerdir list /a::/b: EINVAL (an "
				     "empty layer: layers are separated by one ':', and "
				     "'\\:' is a ':' inside a name)");
	assert_int_equal(ov.nlower, 1);
	assert_int_equal(kit_overlay_add_lowers(&ov, "", &err), -EINVAL);
	assert_int_equal(kit_overlay_add_lowers(&ov, "/a:", &err), -EINVAL);
	assert_int_equal(ov.nlower, 1);
	kit_overlay_release(&ov);
}

static void test_add_lowers_refuses_a_trailing_backslash(void **state)
{
	struct kit_err err = { 0 };
	struct kit_overlay ov;

	(void)state;
	kit_overlay_init(&ov);
	assert_int_equal(kit_overlay_add_lowers(&ov, "/a:/b\\", &err), -EINVAL);
	assert_string_equal(err.msg, "read lowerdir list /a:/b\\: EINVAL (a '\\' at the "
				     "end escapes nothing)");
	assert_int_equal(ov.nlower, 0);
	kit_overlay_release(&ov);
}

static void test_add_lowers_stops_at_500_like_the_kernel(void **state)
{
	struct kit_err err = { 0 };
	struct kit_overlay ov;

	(void)state;
	kit_overlay_init(&ov);
	for (int i = 0; i < KIT_OVERLAY_MAX_LOWERS; i++)
		assert_int_equal(kit_overlay_add_lowers(&ov, "/l", &err), 0);
	assert_int_equal(kit_overlay_add_lowers(&ov, "/x:/y", &err), -EINVAL);
	assert_string_equal(err.msg, "add lowerdir 501: EINVAL (overlayfs stacks at most "
				     "500 lowerdirs (OVL_MAX_STACK); the kernel 6.18 "
				     "refuses more with EINVAL)");
	assert_int_equal(ov.nlower, 500);
	kit_overlay_release(&ov);
}

static void test_set_upper_wants_both_or_neither(void **state)
{
	struct kit_err err = { 0 };
	struct kit_overlay ov;

	(void)state;
	kit_overlay_init(&ov);
	assert_int_equal(kit_overlay_set_upper(&ov, "/u", NULL, &err), -EINVAL);
	assert_string_equal(err.msg, "set the upper layer: EINVAL (upperdir and workdir "
				     "come together: the kernel prepares each copy-up in "
				     "workdir, then renames it into upperdir)");
	assert_int_equal(kit_overlay_set_upper(&ov, NULL, NULL, &err), 0);
	assert_null(ov.upper);
	kit_overlay_release(&ov);
}

/* ---- kit_overlay_resolve ------------------------------------------------ */

static void test_resolve_makes_relative_layers_absolute(void **state)
{
	struct ov_fixture *f = *state;
	struct kit_err err = { 0 };
	struct kit_overlay ov;
	char old[PATH_MAX];

	kit_overlay_init(&ov);
	assert_int_equal(kit_overlay_add_lowers(&ov, "l1:./l2/", &err), 0);
	assert_int_equal(kit_overlay_set_upper(&ov, "up", "work", &err), 0);
	assert_non_null(getcwd(old, sizeof(old)));
	assert_int_equal(chdir(f->dir), 0);
	assert_int_equal(kit_overlay_resolve(&ov, &err), 0);
	assert_int_equal(chdir(old), 0);
	assert_string_equal(ov.lower[0], f->l1);
	assert_string_equal(ov.lower[1], f->l2);
	assert_string_equal(ov.upper, f->up);
	assert_string_equal(ov.work, f->work);
	kit_overlay_release(&ov);
}

static void test_resolve_missing_relative_layer_names_the_cwd(void **state)
{
	struct ov_fixture *f = *state;
	struct kit_err err = { 0 };
	struct kit_overlay ov;
	char old[PATH_MAX], want[2 * PATH_MAX];

	kit_overlay_init(&ov);
	assert_int_equal(kit_overlay_add_lowers(&ov, "l1:nol2", &err), 0);
	assert_non_null(getcwd(old, sizeof(old)));
	assert_int_equal(chdir(f->dir), 0);
	assert_int_equal(kit_overlay_resolve(&ov, &err), -ENOENT);
	assert_int_equal(chdir(old), 0);
	FMT(want, sizeof(want),
	    "find lowerdir 2 nol2: ENOENT (no such directory: a relative path "
	    "starts at the current directory, %s)",
	    f->dir);
	assert_string_equal(err.msg, want);
	kit_overlay_release(&ov);
}

static void test_resolve_missing_absolute_layer_says_create_it(void **state)
{
	struct ov_fixture *f = *state;
	struct kit_err err = { 0 };
	char want[2 * PATH_MAX];

	path_in(want, f->dir, "gone");
	free(f->ov.work);
	f->ov.work = strdup(want);
	assert_int_equal(kit_overlay_resolve(&f->ov, &err), -ENOENT);
	FMT(want, sizeof(want),
	    "find workdir %s/gone: ENOENT (no such directory: create it "
	    "first, or check the path)",
	    f->dir);
	assert_string_equal(err.msg, want);
}

static void test_resolve_refuses_a_file_and_dotdot(void **state)
{
	struct ov_fixture *f = *state;
	struct kit_err err = { 0 };
	char file[PATH_MAX], want[2 * PATH_MAX];

	put_file(path_in(file, f->dir, "file"), "x");
	free(f->ov.lower[1]);
	f->ov.lower[1] = strdup(file);
	assert_int_equal(kit_overlay_resolve(&f->ov, &err), -ENOTDIR);
	FMT(want, sizeof(want),
	    "find lowerdir 2 %s: ENOTDIR (not a directory: every layer is a "
	    "directory tree)",
	    file);
	assert_string_equal(err.msg, want);
	free(f->ov.lower[1]);
	f->ov.lower[1] = strdup("/img/../../etc");
	assert_int_equal(kit_overlay_resolve(&f->ov, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "check lowerdir 2 /img/../../etc: EINVAL ('..'"));
}

static void test_resolve_needs_a_lowerdir(void **state)
{
	struct kit_err err = { 0 };
	struct kit_overlay ov;

	(void)state;
	kit_overlay_init(&ov);
	assert_int_equal(kit_overlay_resolve(&ov, &err), -EINVAL);
	assert_string_equal(err.msg,
			    "check the layers: EINVAL (an overlay needs at least "
			    "one lowerdir: the image it shows)");
}

/* ---- the option string -------------------------------------------------- */

static void test_options_list_lowers_top_first_then_upper_and_work(void **state)
{
	struct kit_err err = { 0 };
	struct kit_overlay ov;
	char buf[256];

	(void)state;
	kit_overlay_init(&ov);
	assert_int_equal(kit_overlay_add_lowers(&ov, "/img/l1:/img/l2", &err), 0);
	assert_int_equal(kit_overlay_set_upper(&ov, "/c1/up", "/c1/work", &err), 0);
	assert_int_equal(kit_overlay_options(&ov, buf, sizeof(buf), &err), 57);
	assert_string_equal(buf,
			    "lowerdir=/img/l1:/img/l2,upperdir=/c1/up,workdir=/c1/work");
	kit_overlay_release(&ov);
}

static void test_options_without_upper_are_read_only(void **state)
{
	struct kit_err err = { 0 };
	struct kit_overlay ov;
	char buf[64];

	(void)state;
	kit_overlay_init(&ov);
	assert_int_equal(kit_overlay_add_lowers(&ov, "/a:/b:/c", &err), 0);
	assert_int_equal(kit_overlay_options(&ov, buf, sizeof(buf), &err), 17);
	assert_string_equal(buf, "lowerdir=/a:/b:/c");
	kit_overlay_release(&ov);
}

static void test_options_escape_commas_colons_and_backslashes(void **state)
{
	struct kit_err err = { 0 };
	struct kit_overlay ov;
	char buf[128];

	(void)state;
	kit_overlay_init(&ov);
	assert_int_equal(kit_overlay_add_lowers(&ov, "/we\\,ird\\:dir:/b\\\\s", &err), 0);
	assert_int_equal(kit_overlay_set_upper(&ov, "/u,p", "/w:k", &err), 0);
	assert_true(kit_overlay_options(&ov, buf, sizeof(buf), &err) > 0);
	assert_string_equal(buf, "lowerdir=/we\\,ird\\:dir:/b\\\\s,upperdir=/u\\,p,"
				 "workdir=/w\\:k");
	kit_overlay_release(&ov);
}

static void test_options_that_do_not_fit_are_e2big_with_the_sizes(void **state)
{
	struct kit_err err = { 0 };
	struct kit_overlay ov;
	char buf[16];

	(void)state;
	kit_overlay_init(&ov);
	assert_int_equal(kit_overlay_add_lowers(&ov, "/a:/b", &err), 0);
	/* "lowerdir=/a:/b" is 14 bytes: it needs a 15-byte buffer */
	assert_int_equal(kit_overlay_options(&ov, buf, 14, &err), -E2BIG);
	assert_string_equal(
		err.msg, "build the options for 2 lowerdirs: E2BIG (they are 14 bytes "
			 "long and mount(2) takes 13 at most: it copies one page of "
			 "options and the kernel 6.18 silently cuts the rest; shorten "
			 "the layer paths, as docker's overlay2 does with its short l/ "
			 "links)");
	assert_int_equal(kit_overlay_options(&ov, buf, 15, &err), 14);
	assert_string_equal(buf, "lowerdir=/a:/b");
	kit_overlay_release(&ov);
}

static void test_parse_options_reverses_the_builder(void **state)
{
	struct kit_err err = { 0 };
	struct kit_overlay ov, back;
	char buf[256];

	(void)state;
	kit_overlay_init(&ov);
	kit_overlay_init(&back);
	assert_int_equal(kit_overlay_add_lowers(&ov, "/we\\,ird\\:dir:/b\\\\s:/c", &err),
			 0);
	assert_int_equal(kit_overlay_set_upper(&ov, "/u,p", "/w:k", &err), 0);
	assert_true(kit_overlay_options(&ov, buf, sizeof(buf), &err) > 0);
	assert_int_equal(kit_overlay_parse_options(buf, &back, &err), 0);
	assert_int_equal(back.nlower, 3);
	for (size_t i = 0; i < 3; i++)
		assert_string_equal(back.lower[i], ov.lower[i]);
	assert_string_equal(back.upper, "/u,p");
	assert_string_equal(back.work, "/w:k");
	kit_overlay_release(&ov);
	kit_overlay_release(&back);
}

static void test_parse_options_reads_a_mountinfo_line(void **state)
{
	struct kit_err err = { 0 };
	struct kit_overlay ov;

	(void)state;
	kit_overlay_init(&ov);
	assert_int_equal(kit_overlay_parse_options("rw,lowerdir=/old,lowerdir=/l1:/l2,"
						   "upperdir=/u,workdir=/w,index=off",
						   &ov, &err),
			 0);
	assert_int_equal(ov.nlower, 2); /* the second lowerdir= replaced the first */
	assert_string_equal(ov.lower[0], "/l1");
	assert_string_equal(ov.upper, "/u");
	assert_string_equal(ov.work, "/w");
	kit_overlay_release(&ov);
}

static void test_parse_options_refuses_what_the_kernel_would(void **state)
{
	struct kit_err err = { 0 };
	struct kit_overlay ov;

	(void)state;
	kit_overlay_init(&ov);
	assert_int_equal(
		kit_overlay_parse_options("rw,upperdir=/u,workdir=/w", &ov, &err),
		-EINVAL);
	assert_string_equal(err.msg,
			    "read overlay options: EINVAL (no lowerdir= among them)");
	kit_overlay_release(&ov);
	assert_int_equal(kit_overlay_parse_options("lowerdir=/l,upperdir=/u", &ov, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "read overlay options: EINVAL (upperdir without "
				     "workdir, or the reverse)");
	kit_overlay_release(&ov);
	assert_int_equal(
		kit_overlay_parse_options("lowerdir=/l,upperdir=/u\\", &ov, &err),
		-EINVAL);
	kit_overlay_release(&ov);
}

/* ---- kit_overlay_mount ---------------------------------------------------- */

static void expect_mount(const char *target, const char *opts, int e)
{
	expect_string(__wrap_mount, source, "overlay");
	expect_string(__wrap_mount, target, target);
	expect_string(__wrap_mount, fstype, "overlay");
	expect_value(__wrap_mount, flags, 0);
	expect_string(__wrap_mount, data, opts);
	will_return(__wrap_mount, e);
}

/* Mount @f's overlay with the "kernel" failing with @e; its message. */
static const char *mount_failing(struct ov_fixture *f, int e, struct kit_err *err)
{
	char opts[5 * PATH_MAX];

	if (f->ov.upper)
		FMT(opts, sizeof(opts), "lowerdir=%s:%s,upperdir=%s,workdir=%s",
		    f->ov.lower[0], f->ov.lower[1], f->ov.upper, f->ov.work);
	else
		FMT(opts, sizeof(opts), "lowerdir=%s", f->ov.lower[0]);
	expect_mount(f->merged, opts, e);
	assert_int_equal(kit_overlay_mount(&f->ov, f->merged, err), e ? -e : 0);
	return strstr(err->msg, ": E");
}

static void test_mount_passes_the_option_string(void **state)
{
	struct ov_fixture *f = *state;
	struct kit_err err = { 0 };

	mount_failing(f, 0, &err);
	assert_int_equal(err.code, 0);
}

static void test_mount_einval_upper_and_work_on_two_mounts(void **state)
{
	struct ov_fixture *f = *state;
	struct kit_err err = { 0 };

	FMT(on_mount2, sizeof(on_mount2), "%s", f->work);
	assert_string_equal(
		mount_failing(f, EINVAL, &err),
		": EINVAL (upperdir and workdir are on different mounts: the "
		"kernel prepares each copy-up in workdir and renames it into "
		"upperdir, and a rename cannot cross mounts; put both side by "
		"side on one filesystem)");
}

static void test_mount_einval_upper_on_an_overlay(void **state)
{
	struct ov_fixture *f = *state;
	struct kit_err err = { 0 };

	FMT(on_overlay, sizeof(on_overlay), "%s", f->up);
	assert_string_equal(
		mount_failing(f, EINVAL, &err),
		": EINVAL (upperdir is itself on an overlay, as in "
		"docker-in-docker: an overlay cannot be the writable layer of "
		"another; put upperdir and workdir on a tmpfs or a disk)");
}

static void test_mount_einval_work_inside_upper(void **state)
{
	struct ov_fixture *f = *state;
	struct kit_err err = { 0 };
	char inner[PATH_MAX];

	make_dir(inner, f->up, "w");
	free(f->ov.work);
	f->ov.work = strdup(inner);
	assert_string_equal(mount_failing(f, EINVAL, &err),
			    ": EINVAL (upperdir and workdir must not contain each other: "
			    "give two sibling directories)");
}

static void test_mount_einval_one_lower_and_no_upper(void **state)
{
	struct ov_fixture *f = *state;
	struct kit_err err = { 0 };

	free(f->ov.upper);
	free(f->ov.work);
	f->ov.upper = f->ov.work = NULL;
	free(f->ov.lower[1]);
	f->ov.nlower = 1;
	assert_string_equal(mount_failing(f, EINVAL, &err),
			    ": EINVAL (one lowerdir and no upperdir: a read-only overlay "
			    "needs at least two lowerdirs; or add an upperdir and a "
			    "workdir)");
}

static void test_mount_einval_lower_on_an_overlay_blames_stacking(void **state)
{
	struct ov_fixture *f = *state;
	struct kit_err err = { 0 };

	FMT(on_overlay, sizeof(on_overlay), "%s", f->l2);
	assert_string_equal(mount_failing(f, EINVAL, &err),
			    ": EINVAL (a lowerdir is on an overlay that itself stacks on "
			    "another: filesystems stack at most 2 deep)");
}

static void test_mount_einval_otherwise_points_at_dmesg(void **state)
{
	struct ov_fixture *f = *state;
	struct kit_err err = { 0 };

	assert_string_equal(mount_failing(f, EINVAL, &err),
			    ": EINVAL (overlayfs writes the reason to the kernel log: "
			    "dmesg | tail -n 3)");
	assert_non_null(strstr(err.msg, "mount overlay on "));
}

static void test_mount_eperm_enodev_ebusy_and_the_rest(void **state)
{
	struct ov_fixture *f = *state;
	struct kit_err err = { 0 };

	assert_string_equal(
		mount_failing(f, EPERM, &err),
		": EPERM (mounting needs CAP_SYS_ADMIN: run as root; an "
		"ordinary user may mount an overlay only in a user namespace of "
		"its own, Linux >= 5.11)");
	assert_string_equal(
		mount_failing(f, ENODEV, &err),
		": ENODEV (this kernel has no overlayfs: modprobe overlay, or "
		"use a kernel built with CONFIG_OVERLAY_FS)");
	assert_string_equal(mount_failing(f, EBUSY, &err),
			    ": EBUSY (upperdir or workdir is in use by another overlay, "
			    "which the kernel refuses when index=on)");
	assert_string_equal(mount_failing(f, ENOENT, &err),
			    ": ENOENT (a layer or the mount point vanished after it was "
			    "checked)");
	assert_string_equal(mount_failing(f, EIO, &err), ": EIO (Input/output error)");
}

static void test_mount_refuses_options_longer_than_a_page(void **state)
{
	struct ov_fixture *f = *state;
	struct kit_err err = { 0 };
	char name[220], dir[PATH_MAX];
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	/* each lowerdir ~ 260 bytes: a page holds fewer than page/260 of them */
	fill_string(name, 200, 'x');
	make_dir(dir, f->dir, name);
	for (size_t i = 0; i < page / 200; i++)
		assert_int_equal(kit_overlay_add_lowers(&f->ov, dir, &err), 0);
	assert_int_equal(kit_overlay_mount(&f->ov, f->merged, &err), -E2BIG);
	assert_non_null(strstr(err.msg, "mount overlay on "));
	assert_non_null(strstr(err.msg, ": build the options for "));
	assert_non_null(strstr(err.msg, ": E2BIG (they are "));
}

static void test_mount_checks_before_mounting(void **state)
{
	struct ov_fixture *f = *state;
	struct kit_err err = { 0 };
	char file[PATH_MAX];

	put_file(path_in(file, f->work, "junk"), "x");
	/* no mount expected: cmocka fails the test if it is called */
	assert_int_equal(kit_overlay_mount(&f->ov, f->merged, &err), -ENOTEMPTY);
}

/* ---- kit_overlay_umount ------------------------------------------------ */

static void test_umount_unmounts_only_overlays(void **state)
{
	struct ov_fixture *f = *state;
	struct kit_err err = { 0 };
	char table[3 * PATH_MAX], want[2 * PATH_MAX];

	FMT(want, sizeof(want),
	    "unmount %s: EINVAL (not a mount point: nothing is mounted there, or "
	    "it was unmounted already)",
	    f->merged);
	assert_int_equal(kit_overlay_umount(f->merged, 0, &err), -EINVAL);
	assert_string_equal(err.msg, want);

	FMT(table, sizeof(table), "40 1 0:30 / %s rw - tmpfs t rw\n", f->merged);
	set_table(f, table);
	assert_int_equal(kit_overlay_umount(f->merged, 0, &err), -EINVAL);
	FMT(want, sizeof(want),
	    "unmount %s: EINVAL (a tmpfs is mounted there, not an overlay: this "
	    "unmounts only overlays)",
	    f->merged);
	assert_string_equal(err.msg, want);

	FMT(table, sizeof(table),
	    "40 1 0:30 / %s rw - tmpfs t rw\n"
	    "41 40 0:31 / %s rw - overlay overlay rw,lowerdir=/a:/b\n",
	    f->merged, f->merged);
	set_table(f, table);
	expect_string(__wrap_umount2, target, f->merged);
	expect_value(__wrap_umount2, flags, MNT_DETACH | UMOUNT_NOFOLLOW);
	will_return(__wrap_umount2, 0);
	assert_int_equal(kit_overlay_umount(f->merged, MNT_DETACH, &err), 0);
}

static void test_umount_refuses_a_symlink(void **state)
{
	struct ov_fixture *f = *state;
	struct kit_err err = { 0 };
	char link[PATH_MAX];

	assert_int_equal(symlink(f->merged, path_in(link, f->dir, "link")), 0);
	assert_int_equal(kit_overlay_umount(link, 0, &err), -ELOOP);
	assert_non_null(strstr(err.msg, ": ELOOP (a symlink: unmount the directory it "
					"points to, by its own name)"));
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, ov_fixture_teardown)
	const struct CMUnitTest tests[] = {
		T(test_add_lowers_splits_at_colons_top_first),
		T(test_add_lowers_takes_backslash_escapes),
		T(test_add_lowers_refuses_an_empty_layer_and_keeps_the_old),
		T(test_add_lowers_refuses_a_trailing_backslash),
		T(test_add_lowers_stops_at_500_like_the_kernel),
		T(test_set_upper_wants_both_or_neither),
		T(test_resolve_makes_relative_layers_absolute),
		T(test_resolve_missing_relative_layer_names_the_cwd),
		T(test_resolve_missing_absolute_layer_says_create_it),
		T(test_resolve_refuses_a_file_and_dotdot),
		T(test_resolve_needs_a_lowerdir),
		T(test_options_list_lowers_top_first_then_upper_and_work),
		T(test_options_without_upper_are_read_only),
		T(test_options_escape_commas_colons_and_backslashes),
		T(test_options_that_do_not_fit_are_e2big_with_the_sizes),
		T(test_parse_options_reverses_the_builder),
		T(test_parse_options_reads_a_mountinfo_line),
		T(test_parse_options_refuses_what_the_kernel_would),
		T(test_mount_passes_the_option_string),
		T(test_mount_einval_upper_and_work_on_two_mounts),
		T(test_mount_einval_upper_on_an_overlay),
		T(test_mount_einval_work_inside_upper),
		T(test_mount_einval_one_lower_and_no_upper),
		T(test_mount_einval_lower_on_an_overlay_blames_stacking),
		T(test_mount_einval_otherwise_points_at_dmesg),
		T(test_mount_eperm_enodev_ebusy_and_the_rest),
		T(test_mount_refuses_options_longer_than_a_page),
		T(test_mount_checks_before_mounting),
		T(test_umount_unmounts_only_overlays),
		T(test_umount_refuses_a_symlink),
	};
#undef T

	return cmocka_run_group_tests_name("common/overlay.c", tests, NULL, NULL);
}
