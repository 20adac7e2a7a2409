/* SPDX-License-Identifier: MIT */
/*
 * test_overlay_fixture.h - the layers and mount table of one overlay, for
 * the unit tests of common/overlay.c and common/overlay_check.c (included
 * by test_overlay.c and test_overlay_check.c; not a test itself).
 *
 * A fixture is a temporary directory (by its real path: stat and the
 * messages see it so) holding
 *   l1/ l2/ up/ work/ merged/   the layers, empty, and the mount point
 *   mountinfo                   the mount table kit_mountinfo_path points
 *                               at: only a /proc until a test says more
 * and ov, the overlay of l1 over l2 with up and work, resolved.
 */
#ifndef KIT_TEST_OVERLAY_FIXTURE_H
#define KIT_TEST_OVERLAY_FIXTURE_H

#include <limits.h>
#include <stdlib.h>

#include "kit/mount.h"
#include "kit/overlay.h"
#include "unit.h"

struct ov_fixture {
	char dir[PATH_MAX];
	char l1[PATH_MAX], l2[PATH_MAX], up[PATH_MAX], work[PATH_MAX], merged[PATH_MAX];
	char table[PATH_MAX];
	struct kit_overlay ov; /* l1:l2, up, work: resolved */
};

/* Make the fixture's mount table read @text. */
static inline void set_table(struct ov_fixture *f, const char *text)
{
	put_file(f->table, text);
}

/* cmocka setup: *state = a new fixture; -1 if it could not be made. */
static inline int ov_fixture_setup(void **state)
{
	struct ov_fixture *f = calloc(1, sizeof(*f));
	struct kit_err err = { 0 };
	char *dir = new_tmpdir();

	if (!f || !dir)
		return -1;
	if (!realpath(dir, f->dir))
		return -1;
	free(dir);
	make_dir(f->l1, f->dir, "l1");
	make_dir(f->l2, f->dir, "l2");
	make_dir(f->up, f->dir, "up");
	make_dir(f->work, f->dir, "work");
	make_dir(f->merged, f->dir, "merged");
	path_in(f->table, f->dir, "mountinfo");
	set_table(f, "22 1 0:21 / /proc rw - proc proc rw\n");
	kit_mountinfo_path = f->table;
	kit_overlay_init(&f->ov);
	if (kit_overlay_add_lowers(&f->ov, f->l1, &err) < 0 ||
	    kit_overlay_add_lowers(&f->ov, f->l2, &err) < 0 ||
	    kit_overlay_set_upper(&f->ov, f->up, f->work, &err) < 0)
		return -1;
	*state = f;
	return 0;
}

/* cmocka teardown for ov_fixture_setup(): the directory, the overlay, the
 * mount table's path back to the real one. */
static inline int ov_fixture_teardown(void **state)
{
	struct ov_fixture *f = *state;
	int ret = remove_tree(f->dir);

	kit_overlay_release(&f->ov);
	kit_mountinfo_path = "/proc/self/mountinfo";
	free(f);
	return ret;
}

#endif /* KIT_TEST_OVERLAY_FIXTURE_H */
