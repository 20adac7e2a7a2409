/* SPDX-License-Identifier: MIT */
/*
 * test_cgroup_host.c - unit tests for common/cgroup_host.c: reading
 * mountinfo, deciding v1 / v2 / hybrid, controller names.
 *
 * The hosts are fake: mountinfo files written by the test, naming cgroup
 * roots in a temporary directory (test_cgroup_fixture.h).  Nothing is
 * written, so every test runs as an ordinary user too.
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
	return fixture_setup(state, "cpuset cpu io memory hugetlb pids", NULL);
}

/* ---- mountinfo ---------------------------------------------------------- */

static void parse_finds_v1_hierarchies_and_the_v2_mount(void **state)
{
	static const char text[] =
		"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
		"32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:7 - cgroup cgroup rw,cpu,cpuacct\n"
		"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
		"39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
		"40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n"
		"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
	struct kit_cgroup_host h;
	struct kit_err err = { 0 };

	(void)state;
	assert_int_equal(kit_cgroup_host_parse(&h, text, &err), 0);
	assert_string_equal(h.v1_root[0], "/sys/fs/cgroup/memory");
	assert_string_equal(h.v1_root[1], "/sys/fs/cgroup/cpu,cpuacct");
	assert_string_equal(h.v1_root[6], "/sys/fs/cgroup/cpu,cpuacct"); /* cpuacct */
	assert_string_equal(h.v1_root[2], "/sys/fs/cgroup/pids");
	assert_string_equal(h.v1_root[3], ""); /* no blkio */
	assert_string_equal(h.v2_root, "/sys/fs/cgroup/unified");
	assert_int_equal(h.v1_controllers,
			 KIT_CG_MEMORY | KIT_CG_CPU | KIT_CG_CPUACCT | KIT_CG_PIDS);
}

static void parse_unescapes_mount_points_and_skips_optional_fields(void **state)
{
	static const char text[] =
		"50 25 0:40 / /mnt/my\\040cgroups rw shared:3 master:1 "
		"- cgroup2 none rw\n";
	struct kit_cgroup_host h;
	struct kit_err err = { 0 };

	(void)state;
	assert_int_equal(kit_cgroup_host_parse(&h, text, &err), 0);
	assert_string_equal(h.v2_root, "/mnt/my cgroups");
}

static void parse_rejects_a_line_without_the_separator(void **state)
{
	static const char *const bad[] = {
		"1 2 3:4 / /x rw cgroup2 cgroup2 rw\n",      /* no " - " */
		"1 2 3:4 / /x rw - cgroup2\n",               /* nothing after the type */
		"1 2 3:4\n",                                 /* too short */
		"1 2 3:4 / relative rw - cgroup2 none rw\n", /* not a path */
	};
	struct kit_cgroup_host h;
	struct kit_err err = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(kit_cgroup_host_parse(&h, bad[i], &err), -EINVAL);
		assert_string_equal(
			err.msg,
			"parse mountinfo line 1: EINVAL (expected 'ID PARENT DEV ROOT "
			"MOUNTPOINT OPTIONS ... - TYPE SOURCE OPTIONS')");
	}
}

/* ---- picking the driver ------------------------------------------------- */

static void detect_v1_host(void **state)
{
	struct cg_fixture *fx = *state;
	char buf[PATH_MAX * 2];

	fixture_detect(fx, "mountinfo-v1");
	assert_int_equal(fx->host.driver, KIT_CGROUP_V1);
	assert_false(fx->host.hybrid);
	assert_int_equal(fx->host.controllers, KIT_CG_MEMORY | KIT_CG_CPU |
						       KIT_CG_CPUACCT | KIT_CG_PIDS |
						       KIT_CG_IO | KIT_CG_CPUSET);
	assert_string_equal(kit_cgroup_host_describe(&fx->host, buf, sizeof(buf)),
			    "cgroup v1: memory,cpu,pids,blkio,cpuset,cpuacct");
}

static void detect_v2_host_reads_cgroup_controllers(void **state)
{
	struct cg_fixture *fx = *state;
	char buf[PATH_MAX * 2], want[PATH_MAX * 2];

	fixture_detect(fx, "mountinfo-v2");
	assert_int_equal(fx->host.driver, KIT_CGROUP_V2);
	assert_string_equal(fx->host.v2_root, fx->v2);
	assert_int_equal(fx->host.controllers, KIT_CG_MEMORY | KIT_CG_CPU | KIT_CG_PIDS |
						       KIT_CG_IO | KIT_CG_CPUSET |
						       KIT_CG_HUGETLB | KIT_CG_CPUACCT);
	snprintf(want, sizeof(want), "cgroup v2 at %s: memory,cpu,pids,io,cpuset,hugetlb",
		 fx->v2);
	assert_string_equal(kit_cgroup_host_describe(&fx->host, buf, sizeof(buf)), want);
}

/* This machine's layout: v1 controllers, cgroup2 with hugetlb only. */
static void detect_hybrid_host_uses_v1_when_v2_lacks_memory(void **state)
{
	struct cg_fixture *fx = *state;
	char path[PATH_MAX], buf[PATH_MAX * 2], want[PATH_MAX * 2];
	struct kit_err err = { 0 };

	put_file(path_in(path, fx->v2, "cgroup.controllers"), "hugetlb\n");
	fixture_detect(fx, "mountinfo-hybrid");
	assert_int_equal(fx->host.driver, KIT_CGROUP_V1);
	assert_true(fx->host.hybrid);
	assert_int_equal(fx->host.v2_controllers, KIT_CG_HUGETLB | KIT_CG_CPUACCT);
	snprintf(
		want, sizeof(want),
		"cgroup v1: memory,cpu,pids,blkio,cpuset,cpuacct (hybrid host: cgroup2 at %s "
		"has hugetlb; the kit uses v1)",
		fx->v2);
	assert_string_equal(kit_cgroup_host_describe(&fx->host, buf, sizeof(buf)), want);
	/* --driver v2 reaches the cgroup2 mount with what it has */
	assert_int_equal(kit_cgroup_host_use(&fx->host, KIT_CGROUP_V2, &err), 0);
	assert_int_equal(fx->host.controllers, KIT_CG_HUGETLB | KIT_CG_CPUACCT);
}

static void detect_hybrid_host_uses_v2_when_it_has_more(void **state)
{
	struct cg_fixture *fx = *state;
	char path[PATH_MAX], line[PATH_MAX * 3];

	/* v1 holds pids only; cgroup2 offers memory, cpu and pids: v2 wins */
	snprintf(line, sizeof(line),
		 "39 31 0:36 / %s/pids rw - cgroup cgroup rw,pids\n"
		 "41 31 0:38 / %s rw - cgroup2 cgroup2 rw\n",
		 fx->v1, fx->v2);
	put_file(path_in(path, fx->dir, "mountinfo-mixed"), line);
	fixture_detect(fx, "mountinfo-mixed");
	assert_int_equal(fx->host.driver, KIT_CGROUP_V2);
	assert_true(fx->host.hybrid);
	/* and with a tie, v1: a kernel binds each controller to one version */
	fixture_detect(fx, "mountinfo-hybrid");
	assert_int_equal(fx->host.driver, KIT_CGROUP_V1);
}

static void detect_without_cgroups_is_enoent_with_the_mount_command(void **state)
{
	struct cg_fixture *fx = *state;
	struct kit_cgroup_host h;
	struct kit_err err = { 0 };
	char path[PATH_MAX], want[PATH_MAX * 2];

	put_file(path_in(path, fx->dir, "none"),
		 "22 1 254:0 / / rw - ext4 /dev/vda rw\n");
	assert_int_equal(kit_cgroup_host_detect(&h, path, &err), -ENOENT);
	snprintf(
		want, sizeof(want),
		"find cgroup mounts in %s: ENOENT (no cgroup filesystem is mounted: mount -t "
		"cgroup2 none /sys/fs/cgroup (or the v1 hierarchies))",
		path);
	assert_string_equal(err.msg, want);
}

static void detect_of_a_missing_file_says_which(void **state)
{
	struct kit_cgroup_host h;
	struct kit_err err = { 0 };

	(void)state;
	assert_int_equal(kit_cgroup_host_detect(&h, "/nonexistent/mountinfo", &err),
			 -ENOENT);
	assert_string_equal(err.msg,
			    "find cgroup mounts: open /nonexistent/mountinfo: ENOENT "
			    "(No such file or directory)");
}

static void use_a_version_the_host_lacks_is_enoent(void **state)
{
	struct cg_fixture *fx = *state;
	struct kit_err err = { 0 };

	fixture_detect(fx, "mountinfo-v1");
	assert_int_equal(kit_cgroup_host_use(&fx->host, KIT_CGROUP_V2, &err), -ENOENT);
	assert_string_equal(err.msg,
			    "use the cgroup v2 driver: ENOENT (no cgroup2 filesystem "
			    "is mounted)");
	fixture_detect(fx, "mountinfo-v2");
	assert_int_equal(kit_cgroup_host_use(&fx->host, KIT_CGROUP_V1, &err), -ENOENT);
	assert_string_equal(err.msg, "use the cgroup v1 driver: ENOENT (no cgroup v1 "
				     "controller hierarchy is mounted)");
}

/* ---- controller names --------------------------------------------------- */

static void controller_names_differ_by_version(void **state)
{
	(void)state;
	assert_string_equal(kit_cgroup_controller_name(KIT_CG_IO, KIT_CGROUP_V1),
			    "blkio");
	assert_string_equal(kit_cgroup_controller_name(KIT_CG_IO, KIT_CGROUP_V2), "io");
	assert_string_equal(kit_cgroup_controller_name(KIT_CG_MEMORY, KIT_CGROUP_V2),
			    "memory");
	assert_null(
		kit_cgroup_controller_name(KIT_CG_MEMORY | KIT_CG_CPU, KIT_CGROUP_V1));
}

static void controllers_parse_takes_both_versions_names(void **state)
{
	struct kit_err err = { 0 };
	unsigned bits = 0;
	char buf[64];

	(void)state;
	assert_int_equal(kit_cgroup_controllers_parse("cpu,memory,blkio", &bits, &err),
			 0);
	assert_int_equal(bits, KIT_CG_CPU | KIT_CG_MEMORY | KIT_CG_IO);
	assert_int_equal(kit_cgroup_controllers_parse("io", &bits, &err), 0);
	assert_int_equal(bits, KIT_CG_IO);
	assert_string_equal(kit_cgroup_controllers_describe(KIT_CG_IO | KIT_CG_PIDS,
							    KIT_CGROUP_V1, buf,
							    sizeof(buf)),
			    "pids,blkio");
}

static void controllers_parse_names_the_unknown_one(void **state)
{
	static const char *const bad[] = { "memory,net_cls", "", "memory,,cpu", "cpu," };
	static const char *const what[] = { "'net_cls'", NULL, "''", "''" };
	struct kit_err err = { 0 };
	unsigned bits = 0;
	char want[256];

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(kit_cgroup_controllers_parse(bad[i], &bits, &err),
				 -EINVAL);
		if (!what[i]) {
			assert_string_equal(err.msg,
					    "parse controller list '': EINVAL (name at "
					    "least one, e.g. memory,cpu)");
			continue;
		}
		snprintf(
			want, sizeof(want),
			"unknown controller %s: EINVAL (known: memory, cpu, cpuacct, pids, io "
			"(blkio on v1), cpuset, hugetlb)",
			what[i]);
		assert_string_equal(err.msg, want);
	}
}

static void describe_cuts_at_whole_names(void **state)
{
	char buf[12];

	(void)state;
	assert_string_equal(
		kit_cgroup_controllers_describe(KIT_CG_MEMORY | KIT_CG_CPU | KIT_CG_PIDS,
						KIT_CGROUP_V2, buf, sizeof(buf)),
		"memory,cpu");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_finds_v1_hierarchies_and_the_v2_mount),
		cmocka_unit_test(parse_unescapes_mount_points_and_skips_optional_fields),
		cmocka_unit_test(parse_rejects_a_line_without_the_separator),
		cmocka_unit_test_setup_teardown(detect_v1_host, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(detect_v2_host_reads_cgroup_controllers,
						setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			detect_hybrid_host_uses_v1_when_v2_lacks_memory, setup,
			fixture_teardown),
		cmocka_unit_test_setup_teardown(
			detect_hybrid_host_uses_v2_when_it_has_more, setup,
			fixture_teardown),
		cmocka_unit_test_setup_teardown(
			detect_without_cgroups_is_enoent_with_the_mount_command, setup,
			fixture_teardown),
		cmocka_unit_test(detect_of_a_missing_file_says_which),
		cmocka_unit_test_setup_teardown(use_a_version_the_host_lacks_is_enoent,
						setup, fixture_teardown),
		cmocka_unit_test(controller_names_differ_by_version),
		cmocka_unit_test(controllers_parse_takes_both_versions_names),
		cmocka_unit_test(controllers_parse_names_the_unknown_one),
		cmocka_unit_test(describe_cuts_at_whole_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
