/* SPDX-License-Identifier: MIT */
/*
 * test_cgroup_v2.c - unit tests for common/cgroup_v2.c, the unified
 * hierarchy's driver: enabling controllers top-down in
 * cgroup.subtree_control, the no-internal-process rule, cgroup.kill, and
 * undoing a half-made group.
 *
 * The cgroup2 tree is fake (chapters/03-cgroups/fakefs.c: mkdir, rmdir,
 * write and open wrapped), laid out as the kernel lays it out, so the v2
 * driver is tested on this v1 machine and as an ordinary user.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h> /* cmocka.h needs these three first */
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <sys/wait.h>

#include "kit/cgroup.h"
#include "kit/cgroup_driver.h"
#include "test_cgroup_fixture.h"

static int setup(void **state)
{
	return fixture_setup(state, "cpuset cpu io memory pids", "mountinfo-v2");
}

static char *v2_path(struct cg_fixture *fx, const char *group, char *buf)
{
	assert_true(snprintf(buf, PATH_MAX, "%s/%s", fx->v2, group) < PATH_MAX);
	return buf;
}

/* The content of @group's @file, without the newline. */
static char *v2_read(struct cg_fixture *fx, const char *group, const char *file)
{
	static char buf[PATH_MAX];
	char dir[PATH_MAX];

	fixture_read(v2_path(fx, group, dir), file, buf);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

static void create_enables_the_controllers_at_every_level(void **state)
{
	struct cg_fixture *fx = *state;
	struct kit_err err = { 0 };
	struct kit_cgroup cg;
	char p[PATH_MAX];

	assert_int_equal(kit_cgroup_create(&fx->host, "kit/a/b",
					   KIT_CG_MEMORY | KIT_CG_PIDS | KIT_CG_IO, &cg,
					   &err),
			 0);
	assert_string_equal(v2_read(fx, ".", "cgroup.subtree_control"), "io memory pids");
	assert_string_equal(v2_read(fx, "kit", "cgroup.subtree_control"),
			    "io memory pids");
	assert_string_equal(v2_read(fx, "kit/a", "cgroup.subtree_control"),
			    "io memory pids");
	assert_string_equal(v2_read(fx, "kit/a/b", "cgroup.subtree_control"), "");
	assert_string_equal(v2_read(fx, "kit/a/b", "cgroup.controllers"),
			    "io memory pids");
	assert_int_equal(access(v2_path(fx, "kit/a/b/memory.max", p), F_OK), 0);
	assert_int_equal(access(v2_path(fx, "kit/a/b/cpu.max", p), F_OK), -1);
	assert_int_equal(cg.controllers,
			 KIT_CG_MEMORY | KIT_CG_PIDS | KIT_CG_IO | KIT_CG_CPUACCT);
}

static void create_adds_to_what_a_parent_enables_already(void **state)
{
	struct cg_fixture *fx = *state;
	struct kit_err err = { 0 };
	struct kit_cgroup cg;

	assert_int_equal(kit_cgroup_create(&fx->host, "kit/a", KIT_CG_MEMORY, &cg, &err),
			 0);
	assert_int_equal(kit_cgroup_create(&fx->host, "kit/b", KIT_CG_CPU, &cg, &err), 0);
	assert_string_equal(v2_read(fx, "kit", "cgroup.subtree_control"), "cpu memory");
	/* kit/a got cpu too: a parent enables for all its children */
	assert_string_equal(v2_read(fx, "kit/a", "cgroup.controllers"), "cpu memory");
}

static void create_below_a_group_with_processes_is_ebusy(void **state)
{
	struct cg_fixture *fx = *state;
	struct kit_err err = { 0 };
	struct kit_cgroup cg;
	char p[PATH_MAX], want[PATH_MAX * 2];
	pid_t pid = sleeper();

	assert_int_equal(kit_cgroup_create(&fx->host, "kit", KIT_CG_PIDS, &cg, &err), 0);
	assert_int_equal(kit_cgroup_attach(&cg, pid, &err), 0);
	assert_int_equal(
		kit_cgroup_create(&fx->host, "kit/a/b", KIT_CG_MEMORY, &cg, &err),
		-EBUSY);
	snprintf(
		want, sizeof(want),
		"create kit/a/b: enable memory in %s: EBUSY (cgroup v2's no-internal-process "
		"rule: this group has processes of its own, so it cannot enable controllers "
		"for child groups; move its processes into a leaf group first)",
		v2_path(fx, "kit", p));
	assert_string_equal(err.msg, want);
	assert_false(kit_cgroup_is_dir(v2_path(fx, "kit/a", p)));
	reap(pid);
}

static void create_where_a_parent_lacks_the_controller_is_enoent(void **state)
{
	struct cg_fixture *fx = *state;
	struct kit_err err = { 0 };
	struct kit_cgroup cg;
	char p[PATH_MAX], want[PATH_MAX * 2];

	/* the root enables both; pretend it gave kit only memory */
	assert_int_equal(kit_cgroup_create(&fx->host, "kit", KIT_CG_MEMORY | KIT_CG_PIDS,
					   &cg, &err),
			 0);
	put_file(v2_path(fx, "kit/cgroup.controllers", p), "memory\n");
	assert_int_equal(kit_cgroup_create(&fx->host, "kit/a/b", KIT_CG_PIDS, &cg, &err),
			 -ENOENT);
	snprintf(
		want, sizeof(want),
		"create kit/a/b: enable pids in %s: ENOENT (the group does not offer that "
		"controller (not in its cgroup.controllers): its own parent must enable it "
		"first)",
		v2_path(fx, "kit", p));
	assert_string_equal(err.msg, want);
	assert_false(kit_cgroup_is_dir(v2_path(fx, "kit/a", p)));
}

static void create_stops_at_a_file_in_the_way(void **state)
{
	struct cg_fixture *fx = *state;
	struct kit_err err = { 0 };
	struct kit_cgroup cg;
	char p[PATH_MAX], want[PATH_MAX * 2];

	assert_int_equal(kit_cgroup_create(&fx->host, "kit", KIT_CG_MEMORY, &cg, &err),
			 0);
	put_file(v2_path(fx, "kit/a", p), "in the way");
	assert_int_equal(
		kit_cgroup_create(&fx->host, "kit/a/b", KIT_CG_MEMORY, &cg, &err),
		-ENOTDIR);
	snprintf(want, sizeof(want),
		 "create kit/a/b: mkdir %s: ENOTDIR (Not a directory)", p);
	assert_string_equal(err.msg, want);
	assert_true(kit_cgroup_is_dir(v2_path(fx, "kit", p))); /* it was there before */
}

static void undo_levels_removes_only_the_new_ones(void **state)
{
	struct cg_fixture *fx = *state;
	char p[PATH_MAX];

	assert_int_equal(mkdir(v2_path(fx, "kit", p), 0755), 0);
	assert_int_equal(mkdir(v2_path(fx, "kit/a", p), 0755), 0);
	assert_int_equal(mkdir(v2_path(fx, "kit/a/b", p), 0755), 0);
	/* levels 1 (kit/a) and deeper were made by the failed create */
	kit_cgroup_undo_levels(fx->v2, "kit/a/b/c", 1);
	assert_false(kit_cgroup_is_dir(v2_path(fx, "kit/a", p)));
	assert_true(kit_cgroup_is_dir(v2_path(fx, "kit", p)));
	kit_cgroup_undo_levels(fx->v2, "kit", -1); /* nothing was made */
	assert_true(kit_cgroup_is_dir(v2_path(fx, "kit", p)));
}

static void open_reports_a_missing_group_or_controller(void **state)
{
	struct cg_fixture *fx = *state;
	struct kit_err err = { 0 };
	struct kit_cgroup cg;
	char p[PATH_MAX], want[PATH_MAX * 2];

	assert_int_equal(kit_cgroup_open(&fx->host, "kit", 0, &cg, &err), -ENOENT);
	snprintf(want, sizeof(want),
		 "open group kit (%s): ENOENT (create it first: mini-cgroup create -g "
		 "CONTROLLERS:PATH)",
		 v2_path(fx, "kit", p));
	assert_string_equal(err.msg, want);
	assert_int_equal(kit_cgroup_create(&fx->host, "kit/a", KIT_CG_MEMORY, &cg, &err),
			 0);
	assert_int_equal(kit_cgroup_open(&fx->host, "kit/a", 0, &cg, &err), 0);
	assert_int_equal(cg.controllers, KIT_CG_MEMORY | KIT_CG_CPUACCT);
	assert_int_equal(kit_cgroup_open(&fx->host, "kit/a", KIT_CG_PIDS, &cg, &err),
			 -ENOENT);
	assert_string_equal(err.msg,
			    "open group kit/a: pids not enabled for it: ENOENT (its "
			    "parent does not enable it in cgroup.subtree_control: "
			    "mini-cgroup create -g CONTROLLERS:PATH does)");
}

static void delete_refuses_a_populated_tree(void **state)
{
	struct cg_fixture *fx = *state;
	struct kit_err err = { 0 };
	struct kit_cgroup cg, top;
	char p[PATH_MAX], want[PATH_MAX * 2];
	pid_t pid;

	assert_int_equal(kit_cgroup_create(&fx->host, "kit/a", KIT_CG_PIDS, &cg, &err),
			 0);
	pid = fixture_sleeper_in(&cg);
	assert_string_equal(v2_read(fx, "kit", "cgroup.events"), "populated 1");
	assert_int_equal(kit_cgroup_open(&fx->host, "kit", 0, &top, &err), 0);
	assert_int_equal(kit_cgroup_delete(&top, false, &err), -EBUSY);
	snprintf(
		want, sizeof(want),
		"delete kit: remove %s: EBUSY (1 process is still in it (pid %d): stop it, or "
		"delete --force to kill it)",
		v2_path(fx, "kit", p), (int)pid);
	assert_string_equal(err.msg, want);
	assert_true(kit_cgroup_is_dir(v2_path(fx, "kit/a", p)));
	reap(pid);
}

static void delete_force_uses_cgroup_kill(void **state)
{
	struct cg_fixture *fx = *state;
	struct kit_err err = { 0 };
	struct kit_cgroup cg, top;
	char p[PATH_MAX];
	pid_t p1, p2;

	assert_int_equal(kit_cgroup_create(&fx->host, "kit/a", KIT_CG_PIDS, &cg, &err),
			 0);
	p1 = fixture_sleeper_in(&cg);
	assert_int_equal(kit_cgroup_create(&fx->host, "kit/b/c", KIT_CG_PIDS, &cg, &err),
			 0);
	p2 = fixture_sleeper_in(&cg);
	assert_int_equal(kit_cgroup_open(&fx->host, "kit", 0, &top, &err), 0);
	assert_int_equal(kit_cgroup_delete(&top, true, &err), 0);
	assert_killed(p1);
	assert_int_equal(waitpid(p2, NULL, 0), p2);
	assert_false(kit_cgroup_is_dir(v2_path(fx, "kit", p)));
}

static void delete_force_before_5_14_kills_one_by_one(void **state)
{
	struct cg_fixture *fx = *state;
	struct kit_err err = { 0 };
	struct kit_cgroup cg;
	char p[PATH_MAX];
	pid_t pid;

	assert_int_equal(kit_cgroup_create(&fx->host, "kit", KIT_CG_PIDS, &cg, &err), 0);
	pid = fixture_sleeper_in(&cg);
	assert_int_equal(unlink(v2_path(fx, "kit/cgroup.kill", p)),
			 0); /* an old kernel */
	assert_int_equal(kit_cgroup_delete(&cg, true, &err), 0);
	assert_killed(pid);
	assert_false(kit_cgroup_is_dir(v2_path(fx, "kit", p)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			create_enables_the_controllers_at_every_level, setup,
			fixture_teardown),
		cmocka_unit_test_setup_teardown(
			create_adds_to_what_a_parent_enables_already, setup,
			fixture_teardown),
		cmocka_unit_test_setup_teardown(
			create_below_a_group_with_processes_is_ebusy, setup,
			fixture_teardown),
		cmocka_unit_test_setup_teardown(
			create_where_a_parent_lacks_the_controller_is_enoent, setup,
			fixture_teardown),
		cmocka_unit_test_setup_teardown(create_stops_at_a_file_in_the_way, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(undo_levels_removes_only_the_new_ones,
						setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			open_reports_a_missing_group_or_controller, setup,
			fixture_teardown),
		cmocka_unit_test_setup_teardown(delete_refuses_a_populated_tree, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(delete_force_uses_cgroup_kill, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(delete_force_before_5_14_kills_one_by_one,
						setup, fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
