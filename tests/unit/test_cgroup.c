/* SPDX-License-Identifier: MIT */
/*
 * test_cgroup.c - unit tests for common/cgroup.c: group paths, where a
 * controller's files are, setting limits, moving processes, and the tree
 * helpers the drivers share (counting, killing, removing).
 *
 * The groups live in a fake cgroupfs (chapters/03-cgroups/fakefs.c, linked
 * with mkdir, rmdir and write wrapped): a v1 host and a v2 host in one
 * temporary directory.  The processes moved are the test's own children.
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
	return fixture_setup(state, "cpuset cpu io memory pids", NULL);
}

/* ---- paths ------------------------------------------------------------- */

static void check_path_accepts_relative_paths(void **state)
{
	struct kit_err err = { 0 };
	char longest[512];

	(void)state;
	assert_int_equal(kit_cgroup_check_path("kit", &err), 0);
	assert_int_equal(kit_cgroup_check_path("kit/c1/a.b-c_d", &err), 0);
	assert_int_equal(kit_cgroup_check_path("...x/..y", &err), 0);
	memset(longest, 'a', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	for (size_t i = 255; i < sizeof(longest) - 1; i += 256)
		longest[i] = '/';
	assert_int_equal(kit_cgroup_check_path(longest, &err), 0);
}

static void check_path_refuses_escapes_with_the_reason(void **state)
{
	static const char *const parts[] = { "..",    "../x", "a/../../b", "a/..", ".",
					     "a/./b", "a//b", "a/",        "/" };
	struct kit_err err = { 0 };
	char want[256], toolong[600], bigname[300];

	(void)state;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		assert_int_equal(kit_cgroup_check_path(parts[i], &err), -EINVAL);
		if (parts[i][0] == '/')
			continue;
		snprintf(
			want, sizeof(want),
			"check group path '%s': EINVAL (no empty, '.' or '..' parts: a group "
			"cannot reach outside its hierarchy)",
			parts[i]);
		assert_string_equal(err.msg, want);
	}
	assert_int_equal(kit_cgroup_check_path("/sys/fs/cgroup/memory/x", &err), -EINVAL);
	assert_string_equal(
		err.msg,
		"check group path '/sys/fs/cgroup/memory/x': EINVAL (a group path is "
		"relative to the root of each hierarchy: write 'kit/c1', not '/kit/c1' "
		"or a /sys/fs/cgroup path)");
	assert_int_equal(kit_cgroup_check_path("", &err), -EINVAL);
	assert_string_equal(err.msg,
			    "check group path '': EINVAL (give a name such as kit/c1)");
	assert_int_equal(kit_cgroup_check_path(NULL, &err), -EINVAL);
	assert_int_equal(kit_cgroup_check_path("a\nb", &err), -EINVAL);
	assert_string_equal(err.msg,
			    "check group path 'a\nb': EINVAL (no control characters "
			    "in a group name)");
	fill_string(toolong, 520, 'x');
	assert_int_equal(kit_cgroup_check_path(toolong, &err), -EINVAL);
	assert_string_equal(err.msg,
			    "check group path 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			    "...': EINVAL (at most 511 characters)");
	fill_string(bigname, 256, 'y');
	assert_int_equal(kit_cgroup_check_path(bigname, &err), -EINVAL);
	assert_string_equal(err.msg,
			    "check group path 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
			    "...': EINVAL (a name is at most 255 bytes)");
}

static void join_refuses_what_does_not_fit(void **state)
{
	struct kit_err err = { 0 };
	char buf[PATH_MAX], big[PATH_MAX];

	(void)state;
	assert_int_equal(kit_cgroup_join(buf, "/a", "b", &err), 0);
	assert_string_equal(buf, "/a/b");
	fill_string(big, PATH_MAX - 2, 'z');
	assert_int_equal(kit_cgroup_join(buf, big, "b", &err), -ENAMETOOLONG);
}

/* ---- directories --------------------------------------------------------- */

static void dir_is_per_hierarchy_on_v1_and_one_on_v2(void **state)
{
	struct cg_fixture *fx = *state;
	struct kit_cgroup cg = { .path = "kit/c1",
				 .controllers = KIT_CG_MEMORY | KIT_CG_CPU };
	struct kit_cgroup_dirs d;
	char dir[PATH_MAX], want[PATH_MAX + 16];

	fixture_detect(fx, "mountinfo-v1");
	cg.host = &fx->host;
	snprintf(want, sizeof(want), "%s/memory/kit/c1", fx->v1);
	assert_string_equal(kit_cgroup_dir(&cg, KIT_CG_MEMORY, dir), want);
	snprintf(want, sizeof(want), "%s/cpuacct/kit/c1", fx->v1);
	assert_string_equal(kit_cgroup_dir(&cg, KIT_CG_CPUACCT, dir), want);
	assert_null(kit_cgroup_dir(&cg, KIT_CG_HUGETLB, dir)); /* not mounted */
	kit_cgroup_dirs_of(&cg, &d);
	assert_int_equal(d.n, 2);

	fixture_detect(fx, "mountinfo-v2");
	snprintf(want, sizeof(want), "%s/kit/c1", fx->v2);
	assert_string_equal(kit_cgroup_dir(&cg, KIT_CG_MEMORY, dir), want);
	assert_string_equal(kit_cgroup_dir(&cg, KIT_CG_PIDS, dir), want);
	kit_cgroup_dirs_of(&cg, &d);
	assert_int_equal(d.n, 1);
	cg.controllers = 0; /* a v2 group with no controller still has its directory */
	kit_cgroup_dirs_of(&cg, &d);
	assert_int_equal(d.n, 1);
}

static void create_refuses_what_the_host_lacks(void **state)
{
	struct cg_fixture *fx = *state;
	struct kit_err err = { 0 };
	struct kit_cgroup cg;
	char path[PATH_MAX];

	put_file(path_in(path, fx->v2, "cgroup.controllers"), "hugetlb\n");
	fixture_detect(fx, "mountinfo-hybrid");
	assert_int_equal(kit_cgroup_host_use(&fx->host, KIT_CGROUP_V2, &err), 0);
	assert_int_equal(kit_cgroup_create(&fx->host, "kit", KIT_CG_MEMORY, &cg, &err),
			 -ENOENT);
	assert_string_equal(
		err.msg,
		"use controller memory with cgroup v2: ENOENT (this hybrid host binds "
		"it to a cgroup v1 hierarchy: use the v1 driver, or boot with "
		"systemd.unified_cgroup_hierarchy=1)");
	assert_int_equal(kit_cgroup_create(&fx->host, "kit", 0, &cg, &err), -EINVAL);
	assert_string_equal(err.msg,
			    "create kit: no controller: EINVAL (name at least one, "
			    "e.g. -g memory:PATH)");
	assert_int_equal(
		kit_cgroup_create(&fx->host, "../kit", KIT_CG_HUGETLB, &cg, &err),
		-EINVAL);
	assert_false(kit_cgroup_is_dir(path_in(path, fx->v2, "kit")));
}

/* ---- limits -------------------------------------------------------------- */

static void set_writes_the_translated_files(void **state)
{
	struct cg_fixture *fx = *state;
	struct kit_err err = { 0 };
	struct kit_cgroup cg;
	char dir[PATH_MAX], buf[PATH_MAX];

	fixture_detect(fx, "mountinfo-v1");
	assert_int_equal(kit_cgroup_create(&fx->host, "kit/a", KIT_CG_MEMORY | KIT_CG_CPU,
					   &cg, &err),
			 0);
	assert_int_equal(kit_cgroup_set(&cg, "memory", "50M", &err), 0);
	assert_int_equal(kit_cgroup_set(&cg, "cpu", "0.5", &err), 0);
	kit_cgroup_dir(&cg, KIT_CG_MEMORY, dir);
	assert_string_equal(fixture_read(dir, "memory.limit_in_bytes", buf),
			    "52428800\n");
	assert_string_equal(fixture_read(dir, "memory.memsw.limit_in_bytes", buf),
			    "52428800\n");
	kit_cgroup_dir(&cg, KIT_CG_CPU, dir);
	assert_string_equal(fixture_read(dir, "cpu.cfs_quota_us", buf), "50000\n");
	/* the optional swap file may be missing (no swap accounting) */
	kit_cgroup_dir(&cg, KIT_CG_MEMORY, dir);
	assert_int_equal(unlink(path_in(buf, dir, "memory.memsw.limit_in_bytes")), 0);
	assert_int_equal(kit_cgroup_set(&cg, "memory", "20M", &err), 0);
	assert_string_equal(fixture_read(dir, "memory.limit_in_bytes", buf),
			    "20971520\n");
}

static void set_on_a_controller_the_group_lacks_says_create_it(void **state)
{
	struct cg_fixture *fx = *state;
	struct kit_err err = { 0 };
	struct kit_cgroup cg;

	fixture_detect(fx, "mountinfo-v1");
	assert_int_equal(kit_cgroup_create(&fx->host, "kit/a", KIT_CG_MEMORY, &cg, &err),
			 0);
	assert_int_equal(kit_cgroup_set(&cg, "pids", "5", &err), -ENOENT);
	assert_string_equal(err.msg,
			    "set pids=5 on kit/a: ENOENT (no such file: was the group "
			    "created in the pids hierarchy (create -g pids:PATH)?)");
}

static void set_explains_a_refused_value(void **state)
{
	struct cg_fixture *fx = *state;
	struct kit_err err = { 0 };
	struct kit_cgroup cg;
	char dir[PATH_MAX], want[PATH_MAX * 2];

	fixture_detect(fx, "mountinfo-v2");
	assert_int_equal(kit_cgroup_create(&fx->host, "kit/a", KIT_CG_CPU, &cg, &err), 0);
	kit_cgroup_dir(&cg, KIT_CG_CPU, dir);
	/* a raw value the kernel refuses: the write's EINVAL, with the file */
	assert_int_equal(kit_cgroup_set(&cg, "cpu.max", "10 100000", &err), -EINVAL);
	snprintf(
		want, sizeof(want),
		"write '10 100000' to %s/cpu.max: EINVAL (the kernel refused the value: out of "
		"range, or (v1 cpu) a quota above the parent's)",
		dir);
	assert_string_equal(err.msg, want);
	/* a file whose controller the parent does not enable */
	assert_int_equal(kit_cgroup_set(&cg, "memory", "1M", &err), -ENOENT);
	snprintf(
		want, sizeof(want),
		"write '1048576' to %s/memory.max: ENOENT (no such file: is memory enabled for "
		"this group (in its parent's cgroup.subtree_control)?)",
		dir);
	assert_string_equal(err.msg, want);
}

static void set_resolves_a_device_name(void **state)
{
	struct cg_fixture *fx = *state;
	struct kit_err err = { 0 };
	struct kit_cgroup cg;

	fixture_detect(fx, "mountinfo-v1");
	assert_int_equal(kit_cgroup_create(&fx->host, "kit/io", KIT_CG_IO, &cg, &err), 0);
	assert_int_equal(kit_cgroup_set(&cg, "io.read_bps", "/dev/null:1M", &err),
			 -ENOTBLK);
	assert_string_equal(err.msg,
			    "set io.read_bps: find device /dev/null: ENOTBLK (io "
			    "limits apply to block devices)");
	assert_int_equal(
		kit_cgroup_set(&cg, "io.read_bps", "/dev/kit-nonexistent:1M", &err),
		-ENOENT);
	assert_string_equal(err.msg,
			    "set io.read_bps: find device /dev/kit-nonexistent: ENOENT "
			    "(No such file or directory)");
}

/* ---- processes ------------------------------------------------------------- */

static void attach_writes_the_pid_in_every_hierarchy(void **state)
{
	struct cg_fixture *fx = *state;
	struct kit_err err = { 0 };
	struct kit_cgroup cg;
	char dir[PATH_MAX], buf[PATH_MAX], want[32];
	pid_t pid = sleeper(), got[4];
	size_t n = 0;

	fixture_detect(fx, "mountinfo-v1");
	assert_int_equal(kit_cgroup_create(&fx->host, "kit/a",
					   KIT_CG_MEMORY | KIT_CG_PIDS, &cg, &err),
			 0);
	assert_int_equal(kit_cgroup_attach(&cg, pid, &err), 0);
	snprintf(want, sizeof(want), "%d\n", (int)pid);
	kit_cgroup_dir(&cg, KIT_CG_MEMORY, dir);
	assert_string_equal(fixture_read(dir, "cgroup.procs", buf), want);
	kit_cgroup_dir(&cg, KIT_CG_PIDS, dir);
	assert_string_equal(fixture_read(dir, "cgroup.procs", buf), want);
	assert_int_equal(kit_cgroup_procs(&cg, got, 4, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(got[0], pid);
	reap(pid);
}

static void attach_of_a_dead_process_is_esrch(void **state)
{
	struct cg_fixture *fx = *state;
	struct kit_err err = { 0 };
	struct kit_cgroup cg;
	char dir[PATH_MAX], want[PATH_MAX * 2];
	pid_t pid = sleeper();

	reap(pid);
	fixture_detect(fx, "mountinfo-v2");
	assert_int_equal(kit_cgroup_create(&fx->host, "kit/a", KIT_CG_PIDS, &cg, &err),
			 0);
	assert_int_equal(kit_cgroup_attach(&cg, pid, &err), -ESRCH);
	kit_cgroup_dir(&cg, KIT_CG_PIDS, dir);
	snprintf(
		want, sizeof(want),
		"move pid %d into %s/cgroup.procs: ESRCH (no such process: it has exited, or "
		"the pid is wrong)",
		(int)pid, dir);
	assert_string_equal(err.msg, want);
}

static void attach_to_a_removed_group_is_enoent(void **state)
{
	struct cg_fixture *fx = *state;
	struct kit_err err = { 0 };
	struct kit_cgroup cg;

	fixture_detect(fx, "mountinfo-v2");
	assert_int_equal(kit_cgroup_create(&fx->host, "kit/a", KIT_CG_PIDS, &cg, &err),
			 0);
	assert_int_equal(kit_cgroup_delete(&cg, false, &err), 0);
	assert_int_equal(kit_cgroup_attach(&cg, 0, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "ENOENT (the group does not exist (any more))"));
}

/* ---- the tree helpers ------------------------------------------------------ */

static void tree_procs_counts_every_level_and_kill_tree_empties_it(void **state)
{
	struct cg_fixture *fx = *state;
	struct kit_err err = { 0 };
	struct kit_cgroup a, b;
	char dir[PATH_MAX];
	pid_t p1 = sleeper(), p2 = sleeper(), first = 0;
	size_t count = 0;

	fixture_detect(fx, "mountinfo-v1");
	assert_int_equal(kit_cgroup_create(&fx->host, "kit/a", KIT_CG_PIDS, &a, &err), 0);
	assert_int_equal(kit_cgroup_create(&fx->host, "kit/a/b", KIT_CG_PIDS, &b, &err),
			 0);
	assert_int_equal(kit_cgroup_attach(&a, p1, &err), 0);
	assert_int_equal(kit_cgroup_attach(&b, p2, &err), 0);
	kit_cgroup_dir(&a, KIT_CG_PIDS, dir);
	assert_int_equal(kit_cgroup_tree_procs(dir, &count, &first, &err), 0);
	assert_int_equal(count, 2);
	assert_int_equal(first, p1);
	assert_int_equal(kit_cgroup_kill_tree(dir, &err), 0);
	assert_killed(p1);
	assert_int_equal(waitpid(p2, NULL, 0), p2);
	assert_int_equal(kit_cgroup_tree_procs(dir, &count, &first, &err), 0);
	assert_int_equal(count, 0);
	assert_int_equal(kit_cgroup_rmdir_tree(dir, &err), 0);
	assert_false(kit_cgroup_is_dir(dir));
	/* removing what is gone already is fine */
	assert_int_equal(kit_cgroup_rmdir_tree(dir, &err), 0);
}

static void busy_says_how_many_and_what_to_do(void **state)
{
	struct kit_err err = { 0 };

	(void)state;
	assert_int_equal(kit_cgroup_busy(&err, "/x/kit", 1, 42), -EBUSY);
	assert_string_equal(err.msg,
			    "remove /x/kit: EBUSY (1 process is still in it (pid 42): "
			    "stop it, or delete --force to kill it)");
	kit_cgroup_busy(&err, "/x/kit", 3, 42);
	assert_string_equal(err.msg,
			    "remove /x/kit: EBUSY (3 processes are still in it (pid 42, "
			    "...): stop them, or delete --force to kill them)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(check_path_accepts_relative_paths),
		cmocka_unit_test(check_path_refuses_escapes_with_the_reason),
		cmocka_unit_test(join_refuses_what_does_not_fit),
		cmocka_unit_test_setup_teardown(dir_is_per_hierarchy_on_v1_and_one_on_v2,
						setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(create_refuses_what_the_host_lacks, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(set_writes_the_translated_files, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(
			set_on_a_controller_the_group_lacks_says_create_it, setup,
			fixture_teardown),
		cmocka_unit_test_setup_teardown(set_explains_a_refused_value, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(set_resolves_a_device_name, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(attach_writes_the_pid_in_every_hierarchy,
						setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(attach_of_a_dead_process_is_esrch, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(attach_to_a_removed_group_is_enoent,
						setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			tree_procs_counts_every_level_and_kill_tree_empties_it, setup,
			fixture_teardown),
		cmocka_unit_test(busy_says_how_many_and_what_to_do),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
