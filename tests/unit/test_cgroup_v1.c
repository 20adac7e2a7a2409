/* SPDX-License-Identifier: MIT */
/*
 * test_cgroup_v1.c - unit tests for common/cgroup_v1.c, the driver of one
 * hierarchy per controller: creating a group in each, undoing a half-made
 * group, opening, and deleting with and without --force.
 *
 * The hierarchies are fake (chapters/03-cgroups/fakefs.c, with mkdir,
 * rmdir, write and open wrapped), so every test also runs as a user.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h> /* cmocka.h needs these three first */
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "kit/cgroup.h"
#include "kit/cgroup_driver.h"
#include "test_cgroup_fixture.h"

static int setup(void **state)
{
	return fixture_setup(state, "cpu memory pids", "mountinfo-v1");
}

/* @fx->v1/@hierarchy/@group as a path, in @buf. */
static char *v1_path(struct cg_fixture *fx, const char *hierarchy, const char *group,
		     char *buf)
{
	assert_true(snprintf(buf, PATH_MAX, "%s/%s/%s", fx->v1, hierarchy, group) <
		    PATH_MAX);
	return buf;
}

static void create_makes_a_directory_in_each_hierarchy(void **state)
{
	struct cg_fixture *fx = *state;
	struct kit_err err = { 0 };
	struct kit_cgroup cg;
	char p[PATH_MAX];

	assert_int_equal(kit_cgroup_create(&fx->host, "kit/c1",
					   KIT_CG_MEMORY | KIT_CG_CPU, &cg, &err),
			 0);
	/* cpu brings cpuacct, where v1 counts CPU time */
	assert_int_equal(cg.controllers, KIT_CG_MEMORY | KIT_CG_CPU | KIT_CG_CPUACCT);
	assert_true(kit_cgroup_is_dir(v1_path(fx, "memory", "kit/c1", p)));
	assert_true(kit_cgroup_is_dir(v1_path(fx, "cpu", "kit/c1", p)));
	assert_true(kit_cgroup_is_dir(v1_path(fx, "cpuacct", "kit/c1", p)));
	assert_false(kit_cgroup_is_dir(v1_path(fx, "pids", "kit", p)));
	/* the kernel (here: the fake) filled it with the controller's files */
	assert_int_equal(
		access(v1_path(fx, "memory", "kit/c1/memory.limit_in_bytes", p), F_OK),
		0);
	/* again: it exists, which is fine */
	assert_int_equal(kit_cgroup_create(&fx->host, "kit/c1", KIT_CG_MEMORY, &cg, &err),
			 0);
}

static void create_gives_a_cpuset_group_its_parents_cpus_and_mems(void **state)
{
	struct cg_fixture *fx = *state;
	struct kit_err err = { 0 };
	struct kit_cgroup cg;
	char p[PATH_MAX], buf[PATH_MAX];

	assert_int_equal(kit_cgroup_create(&fx->host, "kit/c1", KIT_CG_CPUSET, &cg, &err),
			 0);
	assert_string_equal(
		fixture_read(v1_path(fx, "cpuset", "kit", p), "cpuset.cpus", buf),
		"0-1\n");
	assert_string_equal(
		fixture_read(v1_path(fx, "cpuset", "kit/c1", p), "cpuset.mems", buf),
		"0\n");
}

static void create_undoes_a_half_made_group(void **state)
{
	struct cg_fixture *fx = *state;
	struct kit_err err = { 0 };
	struct kit_cgroup cg;
	char p[PATH_MAX], want[PATH_MAX * 2];

	/* memory is made first; then pids finds a file where "kit" should be */
	put_file(v1_path(fx, "pids", "kit", p), "in the way");
	assert_int_equal(kit_cgroup_create(&fx->host, "kit/c1",
					   KIT_CG_MEMORY | KIT_CG_PIDS, &cg, &err),
			 -ENOTDIR);
	snprintf(want, sizeof(want),
		 "create kit/c1: mkdir %s: ENOTDIR (a file is in the way)", p);
	assert_string_equal(err.msg, want);
	assert_false(kit_cgroup_is_dir(v1_path(fx, "memory", "kit", p)));
}

static void create_keeps_parents_that_were_there(void **state)
{
	struct cg_fixture *fx = *state;
	struct kit_err err = { 0 };
	struct kit_cgroup cg;
	char p[PATH_MAX];

	assert_int_equal(kit_cgroup_create(&fx->host, "kit", KIT_CG_MEMORY, &cg, &err),
			 0);
	put_file(v1_path(fx, "pids", "kit", p), "in the way");
	assert_int_equal(kit_cgroup_create(&fx->host, "kit/c1",
					   KIT_CG_MEMORY | KIT_CG_PIDS, &cg, &err),
			 -ENOTDIR);
	assert_true(kit_cgroup_is_dir(v1_path(fx, "memory", "kit", p)));
	assert_false(kit_cgroup_is_dir(v1_path(fx, "memory", "kit/c1", p)));
}

static void co_mounted_controllers_share_one_directory(void **state)
{
	struct cg_fixture *fx = *state;
	struct kit_cgroup_dirs d;
	struct kit_err err = { 0 };
	struct kit_cgroup cg;
	char mi[PATH_MAX], line[PATH_MAX * 2];

	/* the usual layout: cpu and cpuacct mounted together */
	snprintf(line, sizeof(line),
		 "32 31 0:29 / %s/cpu rw - cgroup cgroup rw,cpu,cpuacct\n", fx->v1);
	put_file(path_in(mi, fx->dir, "mountinfo-comount"), line);
	fixture_detect(fx, "mountinfo-comount");
	assert_int_equal(kit_cgroup_create(&fx->host, "kit/c1", KIT_CG_CPU, &cg, &err),
			 0);
	kit_cgroup_dirs_of(&cg, &d);
	assert_int_equal(d.n, 1);
	assert_int_equal(kit_cgroup_delete(&cg, false, &err), 0);
}

static void open_finds_the_hierarchies_that_have_the_group(void **state)
{
	struct cg_fixture *fx = *state;
	struct kit_err err = { 0 };
	struct kit_cgroup cg;
	char p[PATH_MAX], want[PATH_MAX * 2];

	assert_int_equal(kit_cgroup_create(&fx->host, "kit/c1",
					   KIT_CG_MEMORY | KIT_CG_PIDS, &cg, &err),
			 0);
	assert_int_equal(kit_cgroup_open(&fx->host, "kit/c1", 0, &cg, &err), 0);
	assert_int_equal(cg.controllers, KIT_CG_MEMORY | KIT_CG_PIDS);
	assert_int_equal(kit_cgroup_open(&fx->host, "kit/c1", KIT_CG_CPU, &cg, &err),
			 -ENOENT);
	snprintf(
		want, sizeof(want),
		"open group kit/c1: not in the cpu hierarchy (%s): ENOENT (create it first: "
		"mini-cgroup create -g CONTROLLERS:PATH)",
		v1_path(fx, "cpu", "kit/c1", p));
	assert_string_equal(err.msg, want);
	assert_int_equal(kit_cgroup_open(&fx->host, "kit/none", 0, &cg, &err), -ENOENT);
	assert_string_equal(err.msg,
			    "open group kit/none: in no v1 hierarchy: ENOENT (create it "
			    "first: mini-cgroup create -g CONTROLLERS:PATH)");
}

static void delete_refuses_a_busy_group_and_removes_nothing(void **state)
{
	struct cg_fixture *fx = *state;
	struct kit_err err = { 0 };
	struct kit_cgroup cg, top;
	char p[PATH_MAX], want[PATH_MAX * 2];
	pid_t pid;

	assert_int_equal(kit_cgroup_create(&fx->host, "kit/c1",
					   KIT_CG_MEMORY | KIT_CG_PIDS, &cg, &err),
			 0);
	pid = fixture_sleeper_in(&cg);
	assert_int_equal(kit_cgroup_open(&fx->host, "kit", 0, &top, &err), 0);
	assert_int_equal(kit_cgroup_delete(&top, false, &err), -EBUSY);
	snprintf(
		want, sizeof(want),
		"delete kit: remove %s: EBUSY (1 process is still in it (pid %d): stop it, or "
		"delete --force to kill it)",
		v1_path(fx, "memory", "kit", p), (int)pid);
	assert_string_equal(err.msg, want);
	assert_true(kit_cgroup_is_dir(v1_path(fx, "memory", "kit/c1", p)));
	assert_true(kit_cgroup_is_dir(v1_path(fx, "pids", "kit/c1", p)));
	reap(pid);
}

static void delete_force_kills_then_removes_children_first(void **state)
{
	struct cg_fixture *fx = *state;
	struct kit_err err = { 0 };
	struct kit_cgroup cg, top;
	char p[PATH_MAX];
	pid_t pid;

	assert_int_equal(kit_cgroup_create(&fx->host, "kit/c1/deep",
					   KIT_CG_MEMORY | KIT_CG_CPU, &cg, &err),
			 0);
	pid = fixture_sleeper_in(&cg);
	assert_int_equal(kit_cgroup_open(&fx->host, "kit", 0, &top, &err), 0);
	assert_int_equal(kit_cgroup_delete(&top, true, &err), 0);
	assert_killed(pid);
	for (size_t i = 0; i < 6; i++)
		assert_false(
			kit_cgroup_is_dir(v1_path(fx, fixture_v1_names[i], "kit", p)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			create_makes_a_directory_in_each_hierarchy, setup,
			fixture_teardown),
		cmocka_unit_test_setup_teardown(
			create_gives_a_cpuset_group_its_parents_cpus_and_mems, setup,
			fixture_teardown),
		cmocka_unit_test_setup_teardown(create_undoes_a_half_made_group, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(create_keeps_parents_that_were_there,
						setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			co_mounted_controllers_share_one_directory, setup,
			fixture_teardown),
		cmocka_unit_test_setup_teardown(
			open_finds_the_hierarchies_that_have_the_group, setup,
			fixture_teardown),
		cmocka_unit_test_setup_teardown(
			delete_refuses_a_busy_group_and_removes_nothing, setup,
			fixture_teardown),
		cmocka_unit_test_setup_teardown(
			delete_force_kills_then_removes_children_first, setup,
			fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
