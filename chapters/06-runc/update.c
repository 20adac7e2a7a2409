/* SPDX-License-Identifier: MIT */
/*
 * update.c - `mini-runc update`: change a running container's limits.
 *
 * Article §3.1 and §2.3: the limits of a container are nothing but files
 * in its cgroup, so changing them later needs no restart: `docker update
 * --memory 64m web` reaches containerd, whose shim pipes the new
 * linux.resources object to `runc update --resources - ID`, and the
 * runtime writes the files again.  Two ways to say what to change, as in
 * runc (one or the other, not both):
 *
 *   --resources FILE|-   a linux.resources JSON object (the shim's way),
 *                        read with the config.json parser's own checks
 *   --memory 64M ...     one flag a value; memory sizes take K/M/G/T, and
 *                        -1 means unlimited
 *
 * Only what is given changes.  Left out: block I/O weights, real-time
 * CPU, kernel memory, Intel RDT (runc's --blkio-weight, --cpu-rt-*,
 * --kernel-memory*, --l3-cache-schema, --mem-bw-schema are refused with a
 * message); runc also records the new values in its state, the kit does
 * not keep the config there.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kit/cgroup.h"
#include "kit/cleanup.h"
#include "kit/file.h"
#include "kit/json.h"
#include "runc.h"

struct update_opts {
	const char *resources; /* --resources FILE, "-": stdin */
	const char *id;
	struct oci_resources r; /* from the flags */
	bool any_flag;
};

/* A whole number for a CPU flag (runc's ParseUint/ParseInt). */
static int number(const char *flag, const char *v, int64_t min, int64_t *out,
		  struct kit_err *err)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno || end == v || *end || n < min)
		return kit_err_set(err, EINVAL,
				   min < 0 ? "a whole number, or -1 for no limit"
					   : "a whole number, 0 or more",
				   "%s %s", flag, v);
	*out = n;
	return 0;
}

/* A memory size: "64M", "1G", "1048576" or -1 (no limit). */
static int memory(const char *flag, const char *v, int64_t *out, struct kit_err *err)
{
	uint64_t bytes;

	if (strcmp(v, "-1") == 0) {
		*out = -1;
		return 0;
	}
	if (kit_cgroup_parse_size(v, &bytes, err) < 0 || bytes > INT64_MAX)
		return kit_err_set(err, EINVAL,
				   "a size such as 64M or 1G, or -1 for no limit",
				   "%s %s", flag, v);
	*out = (int64_t)bytes;
	return 0;
}

static int flag(struct update_opts *o, int opt, const char *v, struct kit_err *err)
{
	struct oci_resources *r = &o->r;
	int64_t n;
	int ret = 0;

	o->any_flag = true;
	switch (opt) {
	case 'm':
		ret = memory("--memory", v, &r->memory_limit, err);
		r->has_memory_limit = true;
		break;
	case 'R':
		ret = memory("--memory-reservation", v, &r->memory_reservation, err);
		r->has_memory_reservation = true;
		break;
	case 'S':
		ret = memory("--memory-swap", v, &r->memory_swap, err);
		r->has_memory_swap = true;
		break;
	case 's':
		ret = number("--cpu-share", v, 0, &n, err);
		r->cpu_shares = (uint64_t)n;
		r->has_cpu_shares = true;
		break;
	case 'q':
		ret = number("--cpu-quota", v, -1, &r->cpu_quota, err);
		r->has_cpu_quota = true;
		break;
	case 'p':
		ret = number("--cpu-period", v, 0, &n, err);
		r->cpu_period = (uint64_t)n;
		r->has_cpu_period = true;
		break;
	case 'c': r->cpuset_cpus = v; break;
	case 'M': r->cpuset_mems = v; break;
	case 'P':
		ret = number("--pids-limit", v, -1, &r->pids_limit, err);
		r->has_pids_limit = true;
		break;
	}
	return ret;
}

static int parse_update(int argc, char **argv, struct update_opts *o, struct kit_err *err)
{
	enum { O_UNSUPPORTED = 1 };
	static const struct option longopts[] = {
		{ "resources", required_argument, NULL, 'r' },
		{ "memory", required_argument, NULL, 'm' },
		{ "memory-reservation", required_argument, NULL, 'R' },
		{ "memory-swap", required_argument, NULL, 'S' },
		{ "cpu-share", required_argument, NULL, 's' },
		{ "cpu-quota", required_argument, NULL, 'q' },
		{ "cpu-period", required_argument, NULL, 'p' },
		{ "cpuset-cpus", required_argument, NULL, 'c' },
		{ "cpuset-mems", required_argument, NULL, 'M' },
		{ "pids-limit", required_argument, NULL, 'P' },
		{ "blkio-weight", required_argument, NULL, O_UNSUPPORTED },
		{ "cpu-rt-period", required_argument, NULL, O_UNSUPPORTED },
		{ "cpu-rt-runtime", required_argument, NULL, O_UNSUPPORTED },
		{ "kernel-memory", required_argument, NULL, O_UNSUPPORTED },
		{ "kernel-memory-tcp", required_argument, NULL, O_UNSUPPORTED },
		{ "l3-cache-schema", required_argument, NULL, O_UNSUPPORTED },
		{ "mem-bw-schema", required_argument, NULL, O_UNSUPPORTED },
		{ 0 },
	};
	int opt, idx = -1;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+r:", longopts, &idx)) != -1) {
		if (opt == 'r') {
			o->resources = optarg;
		} else if (opt == O_UNSUPPORTED) {
			return kit_err_set(
				err, ENOTSUP,
				"mini-runc changes memory, cpu, cpuset and pids "
				"limits only",
				"update --%s", longopts[idx].name);
		} else if (opt == '?' || opt == ':') {
			return kit_err_set(err, EINVAL, "see mini-runc --help",
					   "update: bad option %s", argv[optind - 1]);
		} else if (flag(o, opt, optarg, err) < 0) {
			return kit_err_wrap(err, "update");
		}
	}
	if (optind + 1 != argc)
		return kit_err_set(err, EINVAL,
				   "usage: update [--resources FILE|-] [--memory SIZE] "
				   "[--cpu-quota N] ... ID",
				   "update: %s",
				   optind >= argc ? "no container ID"
						  : "too many arguments");
	if (o->resources && o->any_flag)
		return kit_err_set(err, EINVAL,
				   "give the new limits as --resources JSON or as flags, "
				   "not both",
				   "update");
	if (!o->resources && !o->any_flag)
		return kit_err_set(
			err, EINVAL,
			"say what to change: --resources FILE|- or a flag such "
			"as --memory 64M",
			"update: nothing to change");
	o->id = argv[optind];
	return 0;
}

int cmd_update(int argc, char **argv)
{
	struct update_opts o = { 0 };
	struct oci_spec doc = { 0 };
	struct kit_err err = { 0 };
	struct runc_state st;
	const struct oci_resources *r = &o.r;
	int ret = parse_update(argc, argv, &o, &err);

	if (ret < 0) {
		runc_log_error(err.msg);
		return 2;
	}
	if (o.resources) {
		const char *path =
			strcmp(o.resources, "-") == 0 ? "/dev/stdin" : o.resources;
		_autofree char *text = NULL;
		size_t len;

		ret = kit_read_file(path, KIT_JSON_MAX_BYTES, &text, &len, &err);
		if (ret == 0)
			ret = oci_resources_parse(text, len,
						  strcmp(o.resources, "-") == 0
							  ? "resources (stdin)"
							  : o.resources,
						  &doc, &err);
		if (ret < 0) {
			kit_err_wrap(&err, "update --resources");
			return runc_fail_cmd(&err);
		}
		r = &doc.linux_.resources;
	}
	ret = runc_state_load(o.id, &st, &err);
	if (ret == 0) {
		if (runc_state_status(&st) == RUNC_STOPPED)
			ret = kit_err_set(
				&err, EINVAL,
				"a stopped container has no processes to limit; "
				"delete it and create it again",
				"update container %s: it is stopped", o.id);
		else
			ret = runc_cgroup_update(&st, r, &err);
		runc_state_release(&st);
	}
	oci_spec_free(&doc);
	return ret < 0 ? runc_fail_cmd(&err) : 0;
}
