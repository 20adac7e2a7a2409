/* SPDX-License-Identifier: MIT */
/*
 * test_cgroup_fixture.h - fake cgroup hosts for the unit tests of
 * common/cgroup*.c (included by test_cgroup*.c; not a test itself).
 *
 * A fixture is a temporary directory holding
 *   v1/memory, v1/cpu, v1/cpuacct, v1/pids, v1/blkio, v1/cpuset
 *                 fake v1 hierarchies (chapters/03-cgroups/fakefs.c)
 *   v2/           a fake cgroup2 root offering "cpuset cpu io memory pids"
 *   mountinfo-v1, mountinfo-v2, mountinfo-hybrid
 *                 mount tables naming them, for kit_cgroup_host_detect()
 * fixture_setup() and fixture_teardown() make and remove one: they are the
 * cmocka setup and teardown of every test_cgroup*.c that uses a fixture.
 * The programs that use the fakes link fakefs.o with mkdir, rmdir and
 * write wrapped (chapters/03-cgroups/chapter.mk); the others only read.
 */
#ifndef KIT_TEST_CGROUP_FIXTURE_H
#define KIT_TEST_CGROUP_FIXTURE_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "../../chapters/03-cgroups/fakefs.h"
#include "kit/cgroup.h"
#include "unit.h"

struct cg_fixture {
	char *dir;
	char v1[PATH_MAX], v2[PATH_MAX];
	struct kit_cgroup_host host;
};

static const char *const fixture_v1_names[] = { "memory", "cpu",   "cpuacct",
						"pids",   "blkio", "cpuset" };

/* One mountinfo line for a v1 hierarchy or (controller NULL) a cgroup2 root. */
static inline void fixture_mount_line(FILE *f, int id, const char *mnt,
				      const char *controller)
{
	if (controller)
		fprintf(f,
			"%d 25 0:%d / %s rw,nosuid,nodev,noexec,relatime shared:%d - cgroup cgroup rw,%s\n",
			id, id, mnt, id, controller);
	else
		fprintf(f,
			"%d 25 0:%d / %s rw,nosuid,nodev,noexec,relatime shared:%d - cgroup2 cgroup2 rw,nsdelegate\n",
			id, id, mnt, id);
}

static inline void fixture_write_mountinfo(struct cg_fixture *fx, const char *name,
					   bool v1, bool v2)
{
	char path[PATH_MAX], mnt[PATH_MAX];
	FILE *f;

	f = fopen(path_in(path, fx->dir, name), "w");
	assert_non_null(f);
	fprintf(f, "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n");
	fprintf(f, "24 22 0:22 / /proc rw,nosuid - proc proc rw\n");
	for (size_t i = 0; v1 && i < 6; i++)
		fixture_mount_line(f, 30 + (int)i,
				   path_in(mnt, fx->v1, fixture_v1_names[i]),
				   fixture_v1_names[i]);
	if (v2)
		fixture_mount_line(f, 40, fx->v2, NULL);
	assert_int_equal(fclose(f), 0);
}

/* A fresh fixture; @v2_controllers is what the fake cgroup2 root offers. */
static inline struct cg_fixture *fixture_new(const char *v2_controllers)
{
	struct cg_fixture *fx = calloc(1, sizeof(*fx));
	char path[PATH_MAX];

	assert_non_null(fx);
	fx->dir = new_tmpdir();
	assert_non_null(fx->dir);
	path_in(fx->v1, fx->dir, "v1");
	path_in(fx->v2, fx->dir, "v2");
	assert_int_equal(mkdir(fx->v1, 0755), 0);
	assert_int_equal(mkdir(fx->v2, 0755), 0);
	for (size_t i = 0; i < 6; i++) {
		path_in(path, fx->v1, fixture_v1_names[i]);
		assert_int_equal(mkdir(path, 0755), 0);
		assert_int_equal(fakefs_v1_root(path, fixture_v1_names[i]), 0);
	}
	assert_int_equal(fakefs_v2_root(fx->v2, v2_controllers), 0);
	fixture_write_mountinfo(fx, "mountinfo-v1", true, false);
	fixture_write_mountinfo(fx, "mountinfo-v2", false, true);
	fixture_write_mountinfo(fx, "mountinfo-hybrid", true, true);
	return fx;
}

static inline void fixture_free(struct cg_fixture *fx)
{
	remove_tree(fx->dir);
	free(fx->dir);
	free(fx);
}

/* Detect the host from one of the fixture's mountinfo files. */
static inline void fixture_detect(struct cg_fixture *fx, const char *mountinfo)
{
	struct kit_err err = { 0 };
	char path[PATH_MAX];

	assert_int_equal(kit_cgroup_host_detect(&fx->host,
						path_in(path, fx->dir, mountinfo), &err),
			 0);
}

/*
 * cmocka setup: *state = fixture_new(@v2_controllers), its host detected
 * from the fixture's @mountinfo file ("mountinfo-v1"...), or not yet if
 * @mountinfo is NULL.  Each test file's setup() calls it with its own.
 */
static inline int fixture_setup(void **state, const char *v2_controllers,
				const char *mountinfo)
{
	struct cg_fixture *fx = fixture_new(v2_controllers);

	if (mountinfo)
		fixture_detect(fx, mountinfo);
	*state = fx;
	return 0;
}

/* cmocka teardown for fixture_setup(). */
static inline int fixture_teardown(void **state)
{
	fixture_free(*state);
	return 0;
}

/* A sleeper() (unit.h) moved into @cg; the caller kills it. */
static inline pid_t fixture_sleeper_in(const struct kit_cgroup *cg)
{
	struct kit_err err = { 0 };
	pid_t pid = sleeper();

	assert_int_equal(kit_cgroup_attach(cg, pid, &err), 0);
	return pid;
}

/* The text of @dir/@name (a fixture file), in @buf of PATH_MAX bytes. */
static inline char *fixture_read(const char *dir, const char *name, char *buf)
{
	char path[PATH_MAX];

	return file_text(path_in(path, dir, name), buf, PATH_MAX);
}

#endif /* KIT_TEST_CGROUP_FIXTURE_H */
