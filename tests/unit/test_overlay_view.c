/* SPDX-License-Identifier: MIT */
/*
 * test_overlay_view.c - unit tests for common/overlay_view.c: classifying
 * an entry (whiteout, opaque, plain), looking a name up through the layers,
 * the merged tree (`layers`) and the upper layer's A/C/D lines (`diff`).
 *
 * The layers are directories in a temporary directory per test.  Only root
 * may create a real whiteout (mknod of a character device) or set a
 * trusted.overlay.opaque attribute, so two calls are faked at link time
 * (-Wl,--wrap=lstat,lgetxattr): lstat() reports the paths a test lists as
 * whiteouts as character devices 0/0, and lgetxattr() reports "y" for
 * trusted.overlay.opaque on the directories a test lists as opaque, and
 * lstat() fails with EIO on the one path a test calls broken.
 * Everything else is the real call, so the tests run as anyone.  The
 * chapter's bats tests check the same rules on real overlays, as root.
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
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "kit/overlay.h"
#include "unit.h"

/* ---- the fake whiteouts and opaque directories ---------------------------- */

int __wrap_lstat(const char *path, struct stat *st);
int __real_lstat(const char *path, struct stat *st);
ssize_t __wrap_lgetxattr(const char *path, const char *name, void *value, size_t size);
ssize_t __real_lgetxattr(const char *path, const char *name, void *value, size_t size);

#define MAX_FAKES 8
static char whiteouts[MAX_FAKES][PATH_MAX], opaques[MAX_FAKES][PATH_MAX];
static char broken[PATH_MAX]; /* lstat() of this path fails with EIO */
static int xattr_errno;       /* when set, lgetxattr fails with it */

static bool listed(char list[][PATH_MAX], const char *path)
{
	for (int i = 0; i < MAX_FAKES; i++)
		if (list[i][0] && strcmp(list[i], path) == 0)
			return true;
	return false;
}

static void add_to(char list[][PATH_MAX], const char *path)
{
	for (int i = 0; i < MAX_FAKES; i++)
		if (!list[i][0]) {
			FMT(list[i], PATH_MAX, "%s", path);
			return;
		}
	fail_msg("too many fakes");
}

int __wrap_lstat(const char *path, struct stat *st)
{
	int ret;

	if (strcmp(path, broken) == 0) {
		errno = EIO;
		return -1;
	}
	ret = __real_lstat(path, st);
	if (ret == 0 && listed(whiteouts, path)) {
		st->st_mode = S_IFCHR;
		st->st_rdev = makedev(0, 0);
	}
	return ret;
}

ssize_t __wrap_lgetxattr(const char *path, const char *name, void *value, size_t size)
{
	if (xattr_errno) {
		errno = xattr_errno;
		return -1;
	}
	if (strcmp(name, "trusted.overlay.opaque") == 0 && listed(opaques, path)) {
		if (size < 1) {
			errno = ERANGE;
			return -1;
		}
		*(char *)value = 'y';
		return 1;
	}
	return __real_lgetxattr(path, name, value, size);
}

/* ---- the layers ------------------------------------------------------------ */

struct fix {
	char dir[PATH_MAX];
	struct kit_overlay ov; /* up over l1 over l2 */
	char out[4096];        /* what the walk reported */
};

/* @f->dir/@rel as a path in @buf. */
static char *at(struct fix *f, const char *rel, char *buf)
{
	FMT(buf, PATH_MAX, "%s/%s", f->dir, rel);
	return buf;
}

static void mkdirs(struct fix *f, const char *rel)
{
	char p[PATH_MAX];

	assert_int_equal(mkdir(at(f, rel, p), 0755), 0);
}

static void file(struct fix *f, const char *rel, const char *text)
{
	char p[PATH_MAX];

	put_file(at(f, rel, p), text);
}

/* A whiteout at @rel: an empty file that the fake lstat() turns into 0/0. */
static void whiteout(struct fix *f, const char *rel)
{
	char p[PATH_MAX];

	file(f, rel, "");
	add_to(whiteouts, at(f, rel, p));
}

static void opaque(struct fix *f, const char *rel)
{
	char p[PATH_MAX];

	add_to(opaques, at(f, rel, p));
}

/*
 * The story of the chapter's tests, in three layers:
 *   l2: etc/passwd  var/log  var/cache/x  top  hosts2
 *   l1: etc/hosts   top      only1/
 *   up: etc/hosts (copied up)  top (whiteout)  var/ (opaque) var/fresh
 *       newdir/f
 */
static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	struct kit_err err = { 0 };
	char *dir = new_tmpdir(), a[PATH_MAX], b[PATH_MAX], c[PATH_MAX], d[PATH_MAX];

	if (!f || !dir || !realpath(dir, f->dir))
		return -1;
	free(dir);
	memset(whiteouts, 0, sizeof(whiteouts));
	memset(opaques, 0, sizeof(opaques));
	broken[0] = '\0';
	xattr_errno = 0;
	for (const char *p = "l2\0l2/etc\0l2/var\0l2/var/cache\0l1\0l1/etc\0l1/only1\0"
			     "up\0up/etc\0up/var\0up/newdir\0work\0";
	     *p; p += strlen(p) + 1)
		mkdirs(f, p);
	file(f, "l2/etc/passwd", "root");
	file(f, "l2/var/log", "base");
	file(f, "l2/var/cache/x", "c");
	file(f, "l2/top", "under");
	file(f, "l2/hosts2", "l2only");
	file(f, "l1/etc/hosts", "one");
	file(f, "l1/top", "top");
	file(f, "up/etc/hosts", "one+new");
	whiteout(f, "up/top");
	opaque(f, "up/var");
	file(f, "up/var/fresh", "");
	file(f, "up/newdir/f", "hi");
	kit_overlay_init(&f->ov);
	if (kit_overlay_add_lowers(&f->ov, at(f, "l1", a), &err) < 0 ||
	    kit_overlay_add_lowers(&f->ov, at(f, "l2", b), &err) < 0 ||
	    kit_overlay_set_upper(&f->ov, at(f, "up", c), at(f, "work", d), &err) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;
	int ret = remove_tree(f->dir);

	kit_overlay_release(&f->ov);
	free(f);
	return ret;
}

/* ---- names and marks ---------------------------------------------------- */

static void test_layers_are_numbered_upper_first(void **state)
{
	struct fix *f = *state;
	struct kit_overlay ro;
	char name[16];

	assert_int_equal(kit_overlay_nlayers(&f->ov), 3);
	assert_string_equal(kit_overlay_layer_name(&f->ov, 0, name), "upper");
	assert_string_equal(kit_overlay_layer_name(&f->ov, 2, name), "lower2");
	assert_string_equal(kit_overlay_layer_path(&f->ov, 0), f->ov.upper);
	assert_string_equal(kit_overlay_layer_path(&f->ov, 1), f->ov.lower[0]);
	ro = f->ov;
	ro.upper = NULL;
	assert_int_equal(kit_overlay_nlayers(&ro), 2);
	assert_string_equal(kit_overlay_layer_name(&ro, 0, name), "lower1");
	assert_string_equal(kit_overlay_layer_path(&ro, 1), f->ov.lower[1]);
}

static void test_mark_char_device_0_0_is_a_whiteout_and_only_it(void **state)
{
	struct kit_err err = { 0 };
	struct stat st = { .st_mode = S_IFCHR, .st_rdev = makedev(0, 0) };

	(void)state;
	assert_int_equal(kit_overlay_mark("/nowhere", &st, &err), KIT_OVERLAY_WHITEOUT);
	st.st_rdev = makedev(1, 3); /* /dev/null: a device, not a whiteout */
	assert_int_equal(kit_overlay_mark("/nowhere", &st, &err), KIT_OVERLAY_PLAIN);
	st.st_mode = S_IFREG;
	st.st_rdev = 0;
	assert_int_equal(kit_overlay_mark("/nowhere", &st, &err), KIT_OVERLAY_PLAIN);
}

static void test_mark_opaque_directory_needs_the_y(void **state)
{
	struct fix *f = *state;
	struct kit_err err = { 0 };
	struct stat st;
	char p[PATH_MAX];

	assert_int_equal(lstat(at(f, "up/var", p), &st), 0);
	assert_int_equal(kit_overlay_mark(p, &st, &err), KIT_OVERLAY_OPAQUE);
	assert_int_equal(lstat(at(f, "up/etc", p), &st), 0);
	assert_int_equal(kit_overlay_mark(p, &st, &err), KIT_OVERLAY_PLAIN);
}

/* An unprivileged overlay (userxattr) keeps the mark in user.overlay.opaque:
 * a real attribute, which an ordinary user may set on its own directory. */
static void test_mark_reads_user_overlay_opaque_for_real(void **state)
{
	struct fix *f = *state;
	struct kit_err err = { 0 };
	struct stat st;
	char p[PATH_MAX];

	at(f, "l1/only1", p);
	if (setxattr(p, "user.overlay.opaque", "y", 1, 0) < 0)
		skip(); /* a filesystem without user xattrs (tmpfs before 6.6) */
	assert_int_equal(lstat(p, &st), 0);
	assert_int_equal(kit_overlay_mark(p, &st, &err), KIT_OVERLAY_OPAQUE);
	assert_int_equal(setxattr(p, "user.overlay.opaque", "x", 1, 0), 0);
	assert_int_equal(kit_overlay_mark(p, &st, &err), KIT_OVERLAY_PLAIN);
}

static void test_mark_passes_an_xattr_error_on(void **state)
{
	struct fix *f = *state;
	struct kit_err err = { 0 };
	struct stat st;
	char p[PATH_MAX], want[2 * PATH_MAX];

	assert_int_equal(lstat(at(f, "up/etc", p), &st), 0);
	xattr_errno = EIO;
	assert_int_equal(kit_overlay_mark(p, &st, &err), -EIO);
	FMT(want, sizeof(want),
	    "read trusted.overlay.opaque of %s: EIO (Input/output error)", p);
	assert_string_equal(err.msg, want);
}

/* ---- kit_overlay_lookup ---------------------------------------------------- */

static const int all3[] = { 0, 1, 2 };

static void lookup(struct fix *f, const char *path, struct kit_overlay_hit *hit,
		   int *dirs)
{
	struct kit_err err = { 0 };

	hit->dirs = dirs;
	assert_int_equal(kit_overlay_lookup(&f->ov, all3, 3, path, hit, &err), 0);
}

static void test_lookup_top_most_file_wins_and_hides_the_next(void **state)
{
	struct kit_overlay_hit hit;
	int dirs[3];

	lookup(*state, "/etc/hosts", &hit, dirs);
	assert_int_equal(hit.layer, 0);
	assert_int_equal(hit.mark, KIT_OVERLAY_PLAIN);
	assert_int_equal(hit.type, S_IFREG);
	assert_int_equal(hit.hides, 1);
	assert_int_equal(hit.ndirs, 0);
	lookup(*state, "/hosts2", &hit, dirs);
	assert_int_equal(hit.layer, 2);
	assert_int_equal(hit.hides, -1);
	lookup(*state, "/nothing", &hit, dirs);
	assert_int_equal(hit.layer, -1);
}

static void test_lookup_whiteout_ends_the_search(void **state)
{
	struct kit_overlay_hit hit;
	int dirs[3];

	lookup(*state, "/top", &hit, dirs);
	assert_int_equal(hit.layer, 0);
	assert_int_equal(hit.mark, KIT_OVERLAY_WHITEOUT);
	assert_int_equal(hit.hides, 1); /* lower1's top, and with it lower2's */
	assert_int_equal(hit.ndirs, 0);
}

static void test_lookup_directories_merge_down_the_stack(void **state)
{
	struct kit_overlay_hit hit;
	int dirs[3];

	lookup(*state, "/etc", &hit, dirs);
	assert_int_equal(hit.layer, 0);
	assert_int_equal(hit.type, S_IFDIR);
	assert_int_equal(hit.ndirs, 3);
	assert_int_equal(dirs[0], 0);
	assert_int_equal(dirs[1], 1);
	assert_int_equal(dirs[2], 2);
	assert_int_equal(hit.hides, -1);
}

static void test_lookup_opaque_directory_merges_with_nothing(void **state)
{
	struct kit_overlay_hit hit;
	int dirs[3];

	lookup(*state, "/var", &hit, dirs);
	assert_int_equal(hit.layer, 0);
	assert_int_equal(hit.mark, KIT_OVERLAY_OPAQUE);
	assert_int_equal(hit.ndirs, 1);
	assert_int_equal(dirs[0], 0);
	assert_int_equal(hit.hides, 2);
}

static void test_lookup_a_file_hides_a_lower_directory(void **state)
{
	struct fix *f = *state;
	struct kit_overlay_hit hit;
	int dirs[3];

	file(f, "l1/etc2", "a file");
	mkdirs(f, "l2/etc2");
	mkdirs(f, "up/etc2");
	lookup(f, "/etc2", &hit, dirs);
	assert_int_equal(hit.ndirs, 1); /* up's directory, and no further */
	assert_int_equal(hit.hides, 1);
}

/* ---- kit_overlay_layers ------------------------------------------------------ */

static int record_entry(const char *path, const struct kit_overlay_hit *hit, void *arg)
{
	struct fix *f = arg;
	size_t n = strlen(f->out);

	FMT(f->out + n, sizeof(f->out) - n, "%d %s%s m%d h%d d%zu\n", hit->layer, path,
	    S_ISDIR(hit->type) ? "/" : "", hit->mark, hit->hides, hit->ndirs);
	return 0;
}

static void test_layers_walks_the_merged_tree_in_order(void **state)
{
	struct fix *f = *state;
	struct kit_err err = { 0 };

	assert_int_equal(kit_overlay_layers(&f->ov, record_entry, f, &err), 0);
	assert_string_equal(f->out, "0 /etc/ m0 h-1 d3\n"
				    "0 /etc/hosts m0 h1 d0\n"
				    "2 /etc/passwd m0 h-1 d0\n"
				    "2 /hosts2 m0 h-1 d0\n"
				    "0 /newdir/ m0 h-1 d1\n"
				    "0 /newdir/f m0 h-1 d0\n"
				    "1 /only1/ m0 h-1 d1\n"
				    "0 /top m1 h1 d0\n"
				    "0 /var/ m2 h2 d1\n"
				    "0 /var/fresh m0 h-1 d0\n");
}

static void test_layers_skips_a_whiteout_that_hides_nothing(void **state)
{
	struct fix *f = *state;
	struct kit_err err = { 0 };

	whiteout(f, "up/newdir/gone");
	assert_int_equal(kit_overlay_layers(&f->ov, record_entry, f, &err), 0);
	assert_null(strstr(f->out, "gone"));
}

static int stop_at_hosts2(const char *path, const struct kit_overlay_hit *hit, void *arg)
{
	(void)hit;
	(void)arg;
	return strcmp(path, "/hosts2") == 0 ? 42 : 0;
}

static void test_layers_stops_when_asked(void **state)
{
	struct fix *f = *state;
	struct kit_err err = { 0 };

	assert_int_equal(kit_overlay_layers(&f->ov, stop_at_hosts2, f, &err), 42);
}

/* ---- kit_overlay_diff -------------------------------------------------------- */

static int record_change(char kind, const char *path, void *arg)
{
	struct fix *f = arg;
	size_t n = strlen(f->out);

	FMT(f->out + n, sizeof(f->out) - n, "%c %s\n", kind, path);
	return 0;
}

static void test_diff_says_added_changed_deleted_like_docker(void **state)
{
	struct fix *f = *state;
	struct kit_err err = { 0 };

	assert_int_equal(kit_overlay_diff(&f->ov, record_change, f, &err), 0);
	assert_string_equal(f->out, "C /etc\n"
				    "C /etc/hosts\n"
				    "A /newdir\n"
				    "A /newdir/f\n"
				    "D /top\n"
				    "C /var\n"
				    "D /var/cache\n"
				    "A /var/fresh\n"
				    "D /var/log\n");
}

static void test_diff_under_opaque_recreated_names_are_changes(void **state)
{
	struct fix *f = *state;
	struct kit_err err = { 0 };

	file(f, "up/var/log", "new log"); /* rm -r var; mkdir var; echo > var/log */
	assert_int_equal(kit_overlay_diff(&f->ov, record_change, f, &err), 0);
	assert_non_null(
		strstr(f->out, "C /var\nD /var/cache\nA /var/fresh\nC /var/log\n"));
}

/* Below an opaque directory nothing of the lowers shows through, however
 * deep: a recreated subdirectory does not bring its old contents back. */
static void test_diff_below_an_opaque_directory_old_names_stay_deleted(void **state)
{
	struct fix *f = *state;
	struct kit_err err = { 0 };

	mkdirs(f, "up/var/cache"); /* rm -r var; mkdir -p var/cache */
	assert_int_equal(kit_overlay_diff(&f->ov, record_change, f, &err), 0);
	assert_non_null(strstr(f->out, "C /var\nC /var/cache\nD /var/cache/x\n"
				       "A /var/fresh\nD /var/log\n"));
}

static void test_diff_ignores_a_whiteout_of_nothing(void **state)
{
	struct fix *f = *state;
	struct kit_err err = { 0 };

	whiteout(f, "up/newdir/gone");
	assert_int_equal(kit_overlay_diff(&f->ov, record_change, f, &err), 0);
	assert_null(strstr(f->out, "gone"));
}

static void test_diff_without_lowers_reads_the_upper_alone(void **state)
{
	struct fix *f = *state;
	struct kit_err err = { 0 };
	struct kit_overlay up_only = { .upper = f->ov.upper };

	assert_int_equal(kit_overlay_diff(&up_only, record_change, f, &err), 0);
	assert_string_equal(f->out, "A /etc\n"
				    "A /etc/hosts\n"
				    "A /newdir\n"
				    "A /newdir/f\n"
				    "D /top\n"
				    "C /var\n"
				    "A /var/fresh\n");
}

static void test_diff_of_a_missing_upper_lists_nothing(void **state)
{
	struct fix *f = *state;
	struct kit_err err = { 0 };
	char p[PATH_MAX];

	assert_int_equal(rename(f->ov.upper, at(f, "moved", p)), 0);
	assert_int_equal(kit_overlay_diff(&f->ov, record_change, f, &err), 0);
	assert_int_equal(rename(p, f->ov.upper), 0);
	assert_string_equal(f->out, "");
}

static void test_diff_stops_at_an_entry_it_cannot_read(void **state)
{
	struct fix *f = *state;
	struct kit_err err = { 0 };
	char want[2 * PATH_MAX];

	at(f, "up/newdir/f", broken);
	assert_int_equal(kit_overlay_diff(&f->ov, record_change, f, &err), -EIO);
	FMT(want, sizeof(want), "look up %s: EIO (Input/output error)", broken);
	assert_string_equal(err.msg, want);
	assert_string_equal(f->out, "C /etc\nC /etc/hosts\nA /newdir\n");
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_layers_are_numbered_upper_first),
		T(test_mark_char_device_0_0_is_a_whiteout_and_only_it),
		T(test_mark_opaque_directory_needs_the_y),
		T(test_mark_reads_user_overlay_opaque_for_real),
		T(test_mark_passes_an_xattr_error_on),
		T(test_lookup_top_most_file_wins_and_hides_the_next),
		T(test_lookup_whiteout_ends_the_search),
		T(test_lookup_directories_merge_down_the_stack),
		T(test_lookup_opaque_directory_merges_with_nothing),
		T(test_lookup_a_file_hides_a_lower_directory),
		T(test_layers_walks_the_merged_tree_in_order),
		T(test_layers_skips_a_whiteout_that_hides_nothing),
		T(test_layers_stops_when_asked),
		T(test_diff_says_added_changed_deleted_like_docker),
		T(test_diff_under_opaque_recreated_names_are_changes),
		T(test_diff_below_an_opaque_directory_old_names_stay_deleted),
		T(test_diff_ignores_a_whiteout_of_nothing),
		T(test_diff_without_lowers_reads_the_upper_alone),
		T(test_diff_of_a_missing_upper_lists_nothing),
		T(test_diff_stops_at_an_entry_it_cannot_read),
	};
#undef T

	return cmocka_run_group_tests_name("common/overlay_view.c", tests, NULL, NULL);
}
