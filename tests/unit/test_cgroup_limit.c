/* SPDX-License-Identifier: MIT */
/*
 * test_cgroup_limit.c - unit tests for common/cgroup_limit.c: sizes, CPU
 * cores, and the translation of each portable limit into the files of
 * cgroup v1 and v2, with the exact message of every refusal.  Pure code:
 * no file is touched.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h> /* cmocka.h needs these three first */
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "kit/cgroup.h"

/* The writes as "file=value[?]" lines ("?": optional), for one assertion. */
static const char *writes(enum kit_cgroup_version v, const char *key, const char *value)
{
	static char out[1024];
	static struct kit_err err;
	struct kit_cgroup_write w[KIT_CGROUP_MAX_WRITES];
	int n = kit_cgroup_translate(v, key, value, w, &err);

	if (n < 0)
		return err.msg;
	out[0] = '\0';
	for (int i = 0; i < n; i++)
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s=%s%s",
			 i ? "\n" : "", w[i].file, w[i].value, w[i].optional ? "?" : "");
	return out;
}

/* ---- sizes and cores ----------------------------------------------------- */

static void sizes_take_binary_units(void **state)
{
	static const struct {
		const char *text;
		uint64_t bytes;
	} ok[] = {
		{ "0", 0 },           { "4096", 4096 },
		{ "50M", 50u << 20 }, { "50m", 50u << 20 },
		{ "1MiB", 1u << 20 }, { "2G", 2ull << 30 },
		{ "1kb", 1024 },      { "3T", 3ull << 40 },
		{ "512B", 512 },      { "9223372036854775807", 9223372036854775807ull },
	};
	struct kit_err err = { 0 };
	uint64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(kit_cgroup_parse_size(ok[i].text, &v, &err), 0);
		assert_int_equal(v, ok[i].bytes);
	}
}

static void sizes_refuse_units_signs_and_overflow(void **state)
{
	struct kit_err err = { 0 };
	uint64_t v;

	(void)state;
	assert_int_equal(kit_cgroup_parse_size("50Q", &v, &err), -EINVAL);
	assert_string_equal(err.msg,
			    "parse size '50Q': unknown unit 'Q': EINVAL (units are K, "
			    "M, G, T (powers of 1024), or none)");
	assert_int_equal(kit_cgroup_parse_size("-1", &v, &err), -EINVAL);
	assert_string_equal(err.msg,
			    "parse size '-1': EINVAL (a size is a whole number of "
			    "bytes with an optional unit K, M, G or T, e.g. 50M (or max "
			    "for no limit))");
	assert_int_equal(kit_cgroup_parse_size("99999999999999999999G", &v, &err),
			 -ERANGE);
	assert_string_equal(err.msg,
			    "parse size '99999999999999999999G': ERANGE (the kernel "
			    "takes at most 8 EiB)");
	assert_int_equal(kit_cgroup_parse_size("8E", &v, &err), -EINVAL);
	assert_int_equal(kit_cgroup_parse_size("9223372036854775808", &v, &err), -ERANGE);
	assert_int_equal(kit_cgroup_parse_size("8388608T", &v, &err), -ERANGE);
	assert_int_equal(kit_cgroup_parse_size(" 5M", &v, &err), -EINVAL);
	assert_int_equal(kit_cgroup_parse_size("5 M", &v, &err), -EINVAL);
	assert_int_equal(kit_cgroup_parse_size("1.5G", &v, &err), -EINVAL);
	assert_int_equal(kit_cgroup_parse_size("", &v, &err), -EINVAL);
	assert_int_equal(kit_cgroup_parse_size("5Mi", &v, &err), 0); /* Kubernetes' way */
	assert_int_equal(v, 5u << 20);
	assert_int_equal(kit_cgroup_parse_size("5iB", &v, &err), -EINVAL);
	assert_int_equal(
		kit_cgroup_parse_size("000000000000000000000000000000001M", &v, &err),
		-EINVAL);
	assert_string_equal(err.msg, "parse size '00000000000000000000000000000000...': "
				     "EINVAL (too long for a size)");
}

static void cores_become_a_quota_per_period(void **state)
{
	static const struct {
		const char *text;
		uint64_t quota;
	} ok[] = {
		{ "0.5", 50000 },      { "2", 200000 },  { ".25", 25000 },
		{ "1.", 100000 },      { "0.01", 1000 }, { "4096", 409600000 },
		{ "0.123456", 12345 },
	};
	struct kit_err err = { 0 };
	uint64_t q;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(kit_cgroup_parse_cpus(ok[i].text, 100000, &q, &err), 0);
		assert_int_equal(q, ok[i].quota);
	}
}

static void cores_refuse_zero_junk_and_tiny_quotas(void **state)
{
	static const char *const junk[] = { "0.0.5", "-1",  "1e3", "",
					    ".",     "0x1", "1,5", "½" };
	struct kit_err err = { 0 };
	uint64_t q;

	(void)state;
	assert_int_equal(kit_cgroup_parse_cpus("0", 100000, &q, &err), -EINVAL);
	assert_string_equal(err.msg,
			    "parse cpu limit '0': EINVAL (0 cores would never let the "
			    "group run: give a fraction such as 0.1)");
	assert_int_equal(kit_cgroup_parse_cpus("0.000", 100000, &q, &err), -EINVAL);
	assert_int_equal(kit_cgroup_parse_cpus("0.001", 100000, &q, &err), -EINVAL);
	assert_string_equal(
		err.msg, "parse cpu limit '0.001': EINVAL (the kernel's smallest "
			 "quota is 1 ms per period: 0.01 cores with the 100 ms period)");
	assert_int_equal(kit_cgroup_parse_cpus("4097", 100000, &q, &err), -ERANGE);
	assert_string_equal(err.msg,
			    "parse cpu limit '4097': ERANGE (at most 4096 cores)");
	assert_int_equal(kit_cgroup_parse_cpus("4096.5", 100000, &q, &err), -ERANGE);
	assert_int_equal(kit_cgroup_parse_cpus("0.1234567", 100000, &q, &err), -EINVAL);
	assert_string_equal(err.msg,
			    "parse cpu limit '0.1234567': EINVAL (at most 6 decimals)");
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		char want[200];

		assert_int_equal(kit_cgroup_parse_cpus(junk[i], 100000, &q, &err),
				 -EINVAL);
		snprintf(
			want, sizeof(want),
			"parse cpu limit '%s': EINVAL (a CPU limit is a number of cores, e.g. "
			"0.5 or 2 (or max for no limit))",
			junk[i]);
		assert_string_equal(err.msg, want);
	}
}

/* ---- the portable limits, v1 and v2 side by side ---------------------------- */

static void memory_limit_in_v1_and_v2_files(void **state)
{
	(void)state;
	assert_string_equal(writes(KIT_CGROUP_V1, "memory", "50M"),
			    "memory.memsw.limit_in_bytes=-1?\n"
			    "memory.limit_in_bytes=52428800\n"
			    "memory.memsw.limit_in_bytes=52428800?");
	assert_string_equal(writes(KIT_CGROUP_V2, "memory", "50M"),
			    "memory.max=52428800\nmemory.swap.max=0?");
	assert_string_equal(writes(KIT_CGROUP_V1, "memory", "max"),
			    "memory.memsw.limit_in_bytes=-1?\n"
			    "memory.limit_in_bytes=-1\n"
			    "memory.memsw.limit_in_bytes=-1?");
	assert_string_equal(writes(KIT_CGROUP_V2, "memory", "max"),
			    "memory.max=max\nmemory.swap.max=max?");
	assert_string_equal(
		writes(KIT_CGROUP_V2, "memory", "0"),
		"parse memory limit '0': EINVAL (no process can run in 0 bytes)");
}

static void cpu_limit_in_v1_and_v2_files(void **state)
{
	(void)state;
	assert_string_equal(writes(KIT_CGROUP_V1, "cpu", "0.5"),
			    "cpu.cfs_period_us=100000\ncpu.cfs_quota_us=50000");
	assert_string_equal(writes(KIT_CGROUP_V2, "cpu", "0.5"), "cpu.max=50000 100000");
	assert_string_equal(writes(KIT_CGROUP_V1, "cpu", "max"),
			    "cpu.cfs_period_us=100000\ncpu.cfs_quota_us=-1");
	assert_string_equal(writes(KIT_CGROUP_V2, "cpu", "max"), "cpu.max=max 100000");
	assert_string_equal(writes(KIT_CGROUP_V2, "cpu", "3"), "cpu.max=300000 100000");
}

static void pids_limit_is_the_same_file(void **state)
{
	(void)state;
	assert_string_equal(writes(KIT_CGROUP_V1, "pids", "64"), "pids.max=64");
	assert_string_equal(writes(KIT_CGROUP_V2, "pids", "max"), "pids.max=max");
	assert_string_equal(writes(KIT_CGROUP_V2, "pids", "0"), "pids.max=0");
	assert_string_equal(
		writes(KIT_CGROUP_V2, "pids", "-1"),
		"parse pids limit '-1': EINVAL (a whole number of processes up to "
		"4194304, or max)");
	assert_string_equal(
		writes(KIT_CGROUP_V1, "pids", "4194305"),
		"parse pids limit '4194305': EINVAL (a whole number of processes up "
		"to 4194304, or max)");
}

static void io_limits_name_the_device(void **state)
{
	static const char *const bad[] = { "8:0",      "8:0:",   "8:0:0",
					   "sda:1M",   "8:0:1Q", "8:0:1:2",
					   "4096:0:1", "8:x:1",  "1M" };
	struct kit_cgroup_write w[KIT_CGROUP_MAX_WRITES];
	struct kit_err err = { 0 };

	(void)state;
	assert_string_equal(writes(KIT_CGROUP_V1, "io.read_bps", "8:0:1M"),
			    "blkio.throttle.read_bps_device=8:0 1048576");
	assert_string_equal(writes(KIT_CGROUP_V2, "io.read_bps", "8:0:1M"),
			    "io.max=8:0 rbps=1048576");
	assert_string_equal(writes(KIT_CGROUP_V2, "io.write_bps", "254:16:max"),
			    "io.max=254:16 wbps=max");
	assert_string_equal(writes(KIT_CGROUP_V1, "io.write_bps", "254:16:max"),
			    "blkio.throttle.write_bps_device=254:16 0");
	assert_string_equal(writes(KIT_CGROUP_V1, "io.read_iops", "8:0:100"),
			    "blkio.throttle.read_iops_device=8:0 100");
	assert_string_equal(writes(KIT_CGROUP_V2, "io.write_iops", "8:0:100"),
			    "io.max=8:0 wiops=100");
	assert_string_equal(
		writes(KIT_CGROUP_V2, "io.read_iops", "8:0:1K"),
		"parse io.read_iops limit '8:0:1K': EINVAL (expected DEVICE:LIMIT, the "
		"device as MAJOR:MINOR of a whole disk (lsblk shows them) or "
		"/dev/NAME, e.g. 8:0:1M; LIMIT max removes it)");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(kit_cgroup_translate(KIT_CGROUP_V2, "io.read_bps",
						      bad[i], w, &err),
				 -EINVAL);
	assert_int_equal(w[0].file[0], '\0'); /* nothing to write after a refusal */
}

/* ---- raw file names ------------------------------------------------------ */

static void raw_files_pass_through_to_their_controller(void **state)
{
	struct kit_cgroup_write w[KIT_CGROUP_MAX_WRITES];
	struct kit_err err = { 0 };

	(void)state;
	assert_int_equal(
		kit_cgroup_translate(KIT_CGROUP_V2, "memory.high", "40M", w, &err), 1);
	assert_string_equal(w[0].file, "memory.high");
	assert_string_equal(w[0].value, "40M");
	assert_int_equal(w[0].controller, KIT_CG_MEMORY);
	assert_int_equal(
		kit_cgroup_translate(KIT_CGROUP_V1, "cpuacct.usage", "0", w, &err), 1);
	assert_int_equal(w[0].controller, KIT_CG_CPUACCT);
	assert_int_equal(
		kit_cgroup_translate(KIT_CGROUP_V1, "blkio.weight", "500", w, &err), 1);
	assert_int_equal(w[0].controller, KIT_CG_IO);
	assert_int_equal(
		kit_cgroup_translate(KIT_CGROUP_V2, "hugetlb.2MB.max", "4M", w, &err), 1);
	assert_int_equal(w[0].controller, KIT_CG_HUGETLB);
	assert_string_equal(writes(KIT_CGROUP_V2, "cgroup.max.depth", "3"),
			    "cgroup.max.depth=3");
}

static void raw_files_of_the_other_version_get_their_new_name(void **state)
{
	(void)state;
	assert_string_equal(
		writes(KIT_CGROUP_V2, "memory.limit_in_bytes", "1M"),
		"find file memory.limit_in_bytes: ENOENT (memory.limit_in_bytes is a "
		"cgroup v1 file and this host uses v2: write memory.max, or use "
		"memory=)");
	assert_string_equal(
		writes(KIT_CGROUP_V1, "cpu.max", "1"),
		"find file cpu.max: ENOENT (cpu.max is a cgroup v2 file and this host "
		"uses v1: write cpu.cfs_quota_us, or use cpu=)");
	assert_string_equal(
		kit_cgroup_other_version_hint(KIT_CGROUP_V2, "cpuacct.usage"),
		"cpuacct.usage is a cgroup v1 file and this host uses v2: write "
		"cpu.stat, or use stat to read it");
	assert_string_equal(kit_cgroup_other_version_hint(KIT_CGROUP_V2, "cpu.shares"),
			    "cpu.shares is a cgroup v1 file and this host uses v2: write "
			    "cpu.weight");
	assert_null(kit_cgroup_other_version_hint(KIT_CGROUP_V2, "memory.max"));
	assert_null(kit_cgroup_other_version_hint(KIT_CGROUP_V1, "pids.max"));
}

static void raw_files_refuse_paths_managed_files_and_bad_values(void **state)
{
	static const char *const bad_keys[] = {
		"../../etc/passwd", "memory/../x", "tasks",      "cgroup.procs",
		"cgroup.kill",      "nosuch.max",  "memory max", "",
	};
	struct kit_cgroup_write w[KIT_CGROUP_MAX_WRITES];
	struct kit_err err = { 0 };
	char long_value[200];

	(void)state;
	for (size_t i = 0; i < sizeof(bad_keys) / sizeof(bad_keys[0]); i++)
		assert_int_equal(
			kit_cgroup_translate(KIT_CGROUP_V2, bad_keys[i], "1", w, &err),
			-EINVAL);
	assert_string_equal(
		writes(KIT_CGROUP_V2, "nosuch", "1"),
		"unknown limit 'nosuch': EINVAL (portable: memory, cpu, pids, "
		"io.read_bps, io.write_bps, io.read_iops, io.write_iops; or a file name "
		"such as memory.high)");
	assert_string_equal(
		writes(KIT_CGROUP_V1, "cgroup.clone_children", "1"),
		"set cgroup.clone_children: EINVAL (a raw limit is a file of one "
		"controller: memory.*, cpu.*, pids.*, io.* (blkio.* on v1), cpuset.*, "
		"hugetlb.*)");
	assert_string_equal(
		writes(KIT_CGROUP_V2, "blkio.throttle.io_serviced", "1"),
		"set blkio.throttle.io_serviced: EINVAL (a raw limit is a file of one controller: "
		"memory.*, cpu.*, pids.*, io.* (blkio.* on v1), cpuset.*, hugetlb.*)");
	assert_string_equal(writes(KIT_CGROUP_V2, "memory.high", "1\n2"),
			    "set memory.high: bad value: EINVAL (one line of at most 127 "
			    "characters)");
	memset(long_value, '9', sizeof(long_value) - 1);
	long_value[sizeof(long_value) - 1] = '\0';
	assert_int_equal(
		kit_cgroup_translate(KIT_CGROUP_V2, "memory.high", long_value, w, &err),
		-EINVAL);
	assert_int_equal(kit_cgroup_translate(KIT_CGROUP_V2, "memory.high", "", w, &err),
			 -EINVAL);
	assert_int_equal(kit_cgroup_translate(KIT_CGROUP_NONE, "memory", "1M", w, &err),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sizes_take_binary_units),
		cmocka_unit_test(sizes_refuse_units_signs_and_overflow),
		cmocka_unit_test(cores_become_a_quota_per_period),
		cmocka_unit_test(cores_refuse_zero_junk_and_tiny_quotas),
		cmocka_unit_test(memory_limit_in_v1_and_v2_files),
		cmocka_unit_test(cpu_limit_in_v1_and_v2_files),
		cmocka_unit_test(pids_limit_is_the_same_file),
		cmocka_unit_test(io_limits_name_the_device),
		cmocka_unit_test(raw_files_pass_through_to_their_controller),
		cmocka_unit_test(raw_files_of_the_other_version_get_their_new_name),
		cmocka_unit_test(raw_files_refuse_paths_managed_files_and_bad_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
