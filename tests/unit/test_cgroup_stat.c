/* SPDX-License-Identifier: MIT */
/*
 * test_cgroup_stat.c - unit tests for common/cgroup_stat.c: the v1 and v2
 * tables of statistics files, read from fake groups whose files the test
 * fills with what a kernel would show.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h> /* cmocka.h needs these three first */
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "kit/cgroup.h"
#include "test_cgroup_fixture.h"

static int setup(void **state)
{
	return fixture_setup(state, "cpuset cpu io memory pids", NULL);
}

/* Make the group "kit/s" with @controllers on the host of @mountinfo. */
static void make_group(struct cg_fixture *fx, const char *mountinfo, unsigned controllers,
		       struct kit_cgroup *cg)
{
	struct kit_err err = { 0 };

	fixture_detect(fx, mountinfo);
	assert_int_equal(kit_cgroup_create(&fx->host, "kit/s", controllers, cg, &err), 0);
}

/* Write @text into the file @name of @cg's directory for @controller. */
static void fill(const struct kit_cgroup *cg, unsigned controller, const char *name,
		 const char *text)
{
	char dir[PATH_MAX], path[PATH_MAX];

	assert_non_null(kit_cgroup_dir(cg, controller, dir));
	put_file(path_in(path, dir, name), text);
}

static void v1_stat_reads_the_v1_files(void **state)
{
	struct cg_fixture *fx = *state;
	struct kit_cgroup_stat st;
	struct kit_err err = { 0 };
	struct kit_cgroup cg;

	make_group(fx, "mountinfo-v1", KIT_CG_MEMORY | KIT_CG_CPU | KIT_CG_PIDS, &cg);
	fill(&cg, KIT_CG_MEMORY, "memory.usage_in_bytes", "1048576\n");
	fill(&cg, KIT_CG_MEMORY, "memory.limit_in_bytes", "52428800\n");
	fill(&cg, KIT_CG_MEMORY, "memory.max_usage_in_bytes", "52428800\n");
	fill(&cg, KIT_CG_MEMORY, "memory.oom_control",
	     "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
	fill(&cg, KIT_CG_CPUACCT, "cpuacct.usage", "1500000000\n");
	fill(&cg, KIT_CG_CPU, "cpu.cfs_quota_us", "20000\n");
	fill(&cg, KIT_CG_CPU, "cpu.stat",
	     "nr_periods 40\nnr_throttled 31\nthrottled_time 2420000000\nnr_bursts 0\n");
	fill(&cg, KIT_CG_PIDS, "pids.current", "3\n");
	fill(&cg, KIT_CG_PIDS, "pids.max", "16\n");
	fill(&cg, KIT_CG_PIDS, "pids.events", "max 5\n");
	assert_int_equal(kit_cgroup_stat(&cg, &st, &err), 0);
	assert_int_equal(st.memory_current, 1048576);
	assert_int_equal(st.memory_max, 52428800);
	assert_int_equal(st.memory_peak, 52428800);
	assert_int_equal(st.oom_kills, 2);
	assert_int_equal(st.oom_events, UINT64_MAX);  /* v1 has no such count */
	assert_int_equal(st.cpu_usage_usec, 1500000); /* ns -> us */
	assert_int_equal(st.cpu_quota_usec, 20000);
	assert_int_equal(st.cpu_period_usec, 100000);
	assert_int_equal(st.nr_periods, 40);
	assert_int_equal(st.nr_throttled, 31);
	assert_int_equal(st.throttled_usec, 2420000);
	assert_int_equal(st.pids_current, 3);
	assert_int_equal(st.pids_max, 16);
	assert_int_equal(st.pids_refused, 5);
}

static void v1_unlimited_values_read_as_unlimited(void **state)
{
	struct cg_fixture *fx = *state;
	struct kit_cgroup_stat st;
	struct kit_err err = { 0 };
	struct kit_cgroup cg;

	/* fresh fake groups hold the kernel's defaults: -1, 2^63 - 4096, max */
	make_group(fx, "mountinfo-v1", KIT_CG_MEMORY | KIT_CG_CPU | KIT_CG_PIDS, &cg);
	assert_int_equal(kit_cgroup_stat(&cg, &st, &err), 0);
	assert_int_equal(st.memory_max, KIT_CGROUP_UNLIMITED);
	assert_int_equal(st.cpu_quota_usec, KIT_CGROUP_UNLIMITED);
	assert_int_equal(st.pids_max, KIT_CGROUP_UNLIMITED);
}

static void v2_stat_reads_the_v2_files_by_key(void **state)
{
	struct cg_fixture *fx = *state;
	struct kit_cgroup_stat st;
	struct kit_err err = { 0 };
	struct kit_cgroup cg;

	make_group(fx, "mountinfo-v2", KIT_CG_MEMORY | KIT_CG_CPU | KIT_CG_PIDS, &cg);
	fill(&cg, KIT_CG_MEMORY, "memory.current", "4096\n");
	fill(&cg, KIT_CG_MEMORY, "memory.max", "52428800\n");
	/* a newer kernel's extra keys, and a key that starts like another */
	fill(&cg, KIT_CG_MEMORY, "memory.events",
	     "low 0\nhigh 0\nmax 12\noom 2\noom_kill 1\noom_group_kill 0\nsock_throttled 0\n");
	fill(&cg, KIT_CG_CPU, "cpu.max", "50000 100000\n");
	fill(&cg, KIT_CG_CPU, "cpu.stat",
	     "usage_usec 777\nuser_usec 700\nsystem_usec 77\nnr_periods 9\nnr_throttled 3\n"
	     "throttled_usec 123\nnr_bursts 0\nburst_usec 0\n");
	assert_int_equal(kit_cgroup_stat(&cg, &st, &err), 0);
	assert_int_equal(st.memory_current, 4096);
	assert_int_equal(st.memory_max, 52428800);
	assert_int_equal(st.memory_failcnt, 12);
	assert_int_equal(st.oom_events, 2);
	assert_int_equal(st.oom_kills, 1);
	assert_int_equal(st.cpu_usage_usec, 777);
	assert_int_equal(st.cpu_quota_usec, 50000);
	assert_int_equal(st.cpu_period_usec, 100000);
	assert_int_equal(st.nr_throttled, 3);
	assert_int_equal(st.throttled_usec, 123);
	assert_int_equal(st.pids_max, KIT_CGROUP_UNLIMITED);
}

static void a_file_this_kernel_lacks_is_not_reported(void **state)
{
	struct cg_fixture *fx = *state;
	struct kit_cgroup_stat st;
	struct kit_err err = { 0 };
	struct kit_cgroup cg;
	char dir[PATH_MAX], path[PATH_MAX];

	/* memory.peak came in Linux 5.19 */
	make_group(fx, "mountinfo-v2", KIT_CG_MEMORY, &cg);
	assert_non_null(kit_cgroup_dir(&cg, KIT_CG_MEMORY, dir));
	assert_int_equal(unlink(path_in(path, dir, "memory.peak")), 0);
	assert_int_equal(kit_cgroup_stat(&cg, &st, &err), 0);
	assert_int_equal(st.memory_peak, UINT64_MAX);
	assert_int_equal(st.memory_max, KIT_CGROUP_UNLIMITED);
	/* a controller the group does not use is not reported either */
	assert_int_equal(st.pids_current, UINT64_MAX);
	assert_int_equal(st.cpu_quota_usec, UINT64_MAX);
	assert_int_equal(st.cpu_usage_usec, 0); /* cpu.stat is in every v2 group */
}

static void unexpected_content_is_einval_naming_file_and_key(void **state)
{
	struct cg_fixture *fx = *state;
	struct kit_cgroup_stat st;
	struct kit_err err = { 0 };
	struct kit_cgroup cg;
	char dir[PATH_MAX], want[PATH_MAX * 2];

	make_group(fx, "mountinfo-v2", KIT_CG_MEMORY, &cg);
	assert_non_null(kit_cgroup_dir(&cg, KIT_CG_MEMORY, dir));
	fill(&cg, KIT_CG_MEMORY, "memory.events", "low 0\nhigh 0\n");
	assert_int_equal(kit_cgroup_stat(&cg, &st, &err), -EINVAL);
	snprintf(
		want, sizeof(want),
		"read statistics of kit/s: read %s/memory.events key max: EINVAL (unexpected "
		"content)",
		dir);
	assert_string_equal(err.msg, want);
	fill(&cg, KIT_CG_MEMORY, "memory.events", "max 0\noom 0\noom_kill 0\n");
	fill(&cg, KIT_CG_MEMORY, "memory.current", "-5\n");
	assert_int_equal(kit_cgroup_stat(&cg, &st, &err), -EINVAL);
	snprintf(
		want, sizeof(want),
		"read statistics of kit/s: read %s/memory.current: EINVAL (unexpected content)",
		dir);
	assert_string_equal(err.msg, want);
	fill(&cg, KIT_CG_MEMORY, "memory.current", "");
	assert_int_equal(kit_cgroup_stat(&cg, &st, &err), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(v1_stat_reads_the_v1_files, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(v1_unlimited_values_read_as_unlimited,
						setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(v2_stat_reads_the_v2_files_by_key, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(a_file_this_kernel_lacks_is_not_reported,
						setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			unexpected_content_is_einval_naming_file_and_key, setup,
			fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
