/* SPDX-License-Identifier: MIT */
/*
 * test_runc.c - unit tests for mini-runc's pure parts (chapters/06-runc):
 * linux.resources turned into cgroup v1 and v2 writes (the v2 side cannot
 * be seen on this v1 host otherwise), cgroupsPath by runc's rules, IDs,
 * and the state directory's state.json round trip.
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

#include "runc.h"
#include "unit.h"

/* state.c reads the --root flag from main.c's global: ours instead. */
struct runc_global runc_global = { .root = "/nonexistent" };

/* The writes as "key=value" lines, or the error message. */
static const char *writes(enum kit_cgroup_version v, const struct oci_resources *r)
{
	static char out[4096];
	static struct kit_err err;
	struct runc_cg_write w[RUNC_CG_MAX_WRITES];
	int n = runc_cgroup_writes(v, r, w, RUNC_CG_MAX_WRITES, &err);

	if (n < 0)
		return err.msg;
	out[0] = '\0';
	for (int i = 0; i < n; i++)
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s=%s",
			 i ? "\n" : "", w[i].key, w[i].value);
	return out;
}

static struct oci_resources limits(void)
{
	struct oci_resources r = { 0 };

	r.has_memory_limit = true;
	r.memory_limit = 67108864;
	r.has_memory_swap = true;
	r.memory_swap = 100663296;
	r.has_cpu_shares = true;
	r.cpu_shares = 1024;
	r.has_cpu_quota = true;
	r.cpu_quota = 50000;
	r.has_cpu_period = true;
	r.cpu_period = 100000;
	r.has_pids_limit = true;
	r.pids_limit = 33;
	r.cpuset_cpus = "0-1";
	return r;
}

static void resources_on_v1(void **state)
{
	struct oci_resources r = limits();

	(void)state;
	assert_string_equal(writes(KIT_CGROUP_V1, &r),
			    "memory.limit_in_bytes=67108864\n"
			    "memory.memsw.limit_in_bytes=100663296\n"
			    "cpu.shares=1024\n"
			    "cpu.cfs_period_us=100000\n"
			    "cpu.cfs_quota_us=50000\n"
			    "cpuset.cpus=0-1\n"
			    "pids.max=33");
}

static void resources_on_v2(void **state)
{
	struct oci_resources r = limits();

	(void)state;
	/* swap.max is swap alone; weight = 1 + (shares-2)*9999/262142 */
	assert_string_equal(writes(KIT_CGROUP_V2, &r), "memory.max=67108864\n"
						       "memory.swap.max=33554432\n"
						       "cpu.weight=39\n"
						       "cpu.max=50000 100000\n"
						       "cpuset.cpus=0-1\n"
						       "pids.max=33");
}

static void unlimited_values(void **state)
{
	struct oci_resources r = { 0 };

	(void)state;
	r.has_memory_limit = true;
	r.memory_limit = -1;
	r.has_pids_limit = true;
	r.pids_limit = -1;
	r.has_cpu_quota = true;
	r.cpu_quota = -1;
	assert_string_equal(writes(KIT_CGROUP_V2, &r),
			    "memory.max=max\ncpu.max=max 100000\npids.max=max");
	assert_string_equal(
		writes(KIT_CGROUP_V1, &r),
		"memory.limit_in_bytes=-1\ncpu.cfs_quota_us=-1\npids.max=max");
}

static void unified_is_for_v2_only(void **state)
{
	const char *keys[] = { "memory.high", NULL }, *values[] = { "1000000", NULL };
	struct oci_resources r = { .unified_keys = keys,
				   .unified_values = values,
				   .n_unified = 1 };

	(void)state;
	assert_string_equal(writes(KIT_CGROUP_V2, &r), "memory.high=1000000");
	assert_string_equal(writes(KIT_CGROUP_V1, &r),
			    "set memory.high: EINVAL (linux.resources.unified is for "
			    "cgroup v2 hosts)");
}

static void cgroups_path_rules(void **state)
{
	struct kit_err err = { 0 };
	char out[PATH_MAX];

	(void)state;
	assert_int_equal(runc_cgroup_path(NULL, "c1", out, &err), 0);
	assert_string_equal(out, "mini-runc/c1");
	assert_int_equal(runc_cgroup_path("/docker/abc", "c1", out, &err), 0);
	assert_string_equal(out, "docker/abc");
	assert_int_equal(runc_cgroup_path("default/c1", "c1", out, &err), 0);
	assert_string_equal(out, "default/c1");
	assert_int_equal(runc_cgroup_path("system.slice:docker:abc", "c1", out, &err),
			 -EINVAL);
	assert_string_equal(err.msg,
			    "use cgroupsPath system.slice:docker:abc: EINVAL (that is "
			    "a systemd slice path: only the cgroupfs driver is "
			    "supported)");
	assert_true(runc_cgroup_path("/a/../../etc", "c1", out, &err) < 0);
}

static void ids_are_file_names(void **state)
{
	struct kit_err err = { 0 };

	(void)state;
	assert_int_equal(runc_check_id("web-1_a.b+c", &err), 0);
	assert_int_equal(runc_check_id("..", &err), -EINVAL);
	assert_int_equal(runc_check_id("a/b", &err), -EINVAL);
	assert_string_equal(err.msg, "use container ID 'a/b': EINVAL (1 to 128 letters, "
				     "digits, '_', '+', '-' or '.', not '.' or '..')");
	assert_int_equal(runc_check_id("", &err), -EINVAL);
}

static void state_round_trip(void **state)
{
	struct runc_state st = { 0 }, back;
	struct kit_err err = { 0 };
	char *dir = new_tmpdir();

	(void)state;
	runc_global.root = dir;
	snprintf(st.id, sizeof(st.id), "c1");
	assert_int_equal(runc_state_dir("c1", st.dir, &err), 0);
	assert_int_equal(mkdir(st.dir, 0700), 0);
	snprintf(st.bundle, sizeof(st.bundle), "/b");
	snprintf(st.cgroup, sizeof(st.cgroup), "mini-runc/c1");
	st.pid = 1; /* init: alive, but another start time */
	st.start_time = 18446744073709551615ull;
	st.annotations = cJSON_CreateObject();
	cJSON_AddStringToObject(st.annotations, "k", "v");
	assert_int_equal(runc_state_save(&st, &err), 0);
	assert_int_equal(runc_state_load("c1", &back, &err), 0);
	assert_string_equal(back.bundle, "/b");
	assert_string_equal(back.cgroup, "mini-runc/c1");
	assert_true(back.start_time == 18446744073709551615ull);
	assert_string_equal(cJSON_GetObjectItem(back.annotations, "k")->valuestring, "v");
	/* PID 1 with another start time is not our process: stopped */
	assert_int_equal(runc_state_status(&back), RUNC_STOPPED);
	assert_int_equal(runc_pidfd(&back), -ESRCH);
	runc_state_release(&st);
	runc_state_release(&back);
	assert_int_equal(runc_state_load("c2", &back, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "find container c2 in "));
	remove_tree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(resources_on_v1),
		cmocka_unit_test(resources_on_v2),
		cmocka_unit_test(unlimited_values),
		cmocka_unit_test(unified_is_for_v2_only),
		cmocka_unit_test(cgroups_path_rules),
		cmocka_unit_test(ids_are_file_names),
		cmocka_unit_test(state_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
