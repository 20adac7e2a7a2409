/* SPDX-License-Identifier: MIT */
/*
 * cgroups.c - linux.cgroupsPath and linux.resources, through chapter 03's
 * driver (common/cgroup*.c: v1 and v2).
 *
 * Article §3.1 (and §2.3 for the cgroups themselves).  runc's rules for
 * the path: absolute "/docker/ID" is taken under the cgroup roots as is,
 * relative "foo/ID" too (runc puts it under its own cgroup; the kit keeps
 * every container under the roots), absent means "/mini-runc/ID".  A
 * systemd "slice:prefix:name" path is refused: only cgroupfs is here.
 *
 * The v1 devices and freezer controllers are not in the kit's driver:
 * they are written here directly (devices.allow/deny, freezer.state).
 * Left out: device rules on v2 (an eBPF program), hugetlb, rdma, blkio
 * weights, memory.swappiness/kernel limits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kit/file.h"
#include "runc.h"

int runc_cgroup_path(const char *cgroups_path, const char *id, char *out,
		     struct kit_err *err)
{
	const char *p = cgroups_path;

	if (!p || !*p) {
		snprintf(out, PATH_MAX, "mini-runc/%s", id);
		return 0;
	}
	if (p[0] != '/' && strchr(p, ':'))
		return kit_err_set(err, EINVAL,
				   "that is a systemd slice path: only the cgroupfs "
				   "driver is supported",
				   "use cgroupsPath %s", p);
	while (*p == '/')
		p++;
	if (snprintf(out, PATH_MAX, "%s", p) >= PATH_MAX)
		return kit_err_set(err, ENAMETOOLONG, NULL, "use cgroupsPath");
	return kit_cgroup_check_path(out, err);
}

static void add(struct runc_cg_write *w, size_t *n, size_t max, const char *key,
		const char *fmt, long long v)
{
	if (*n >= max)
		return;
	snprintf(w[*n].key, sizeof(w[*n].key), "%s", key);
	snprintf(w[*n].value, sizeof(w[*n].value), fmt, v);
	(*n)++;
}

static void add_str(struct runc_cg_write *w, size_t *n, size_t max, const char *key,
		    const char *v)
{
	if (*n >= max)
		return;
	snprintf(w[*n].key, sizeof(w[*n].key), "%s", key);
	snprintf(w[*n].value, sizeof(w[*n].value), "%s", v);
	(*n)++;
}

int runc_cgroup_writes(enum kit_cgroup_version v, const struct oci_resources *r,
		       struct runc_cg_write *w, size_t max, struct kit_err *err)
{
	bool v2 = v == KIT_CGROUP_V2;
	size_t n = 0;

	if (r->has_memory_limit)
		add(w, &n, max, v2 ? "memory.max" : "memory.limit_in_bytes",
		    r->memory_limit < 0 ? (v2 ? "max" : "-1") : "%lld",
		    (long long)r->memory_limit);
	if (r->has_memory_reservation)
		add(w, &n, max, v2 ? "memory.low" : "memory.soft_limit_in_bytes",
		    r->memory_reservation < 0 ? (v2 ? "max" : "-1") : "%lld",
		    (long long)r->memory_reservation);
	if (r->has_memory_swap && v2)
		/* OCI's swap is memory+swap; v2's swap.max is swap alone */
		add(w, &n, max, "memory.swap.max", r->memory_swap < 0 ? "max" : "%lld",
		    (long long)(r->memory_swap -
				(r->has_memory_limit ? r->memory_limit : 0)));
	else if (r->has_memory_swap)
		add(w, &n, max, "memory.memsw.limit_in_bytes", "%lld",
		    (long long)r->memory_swap);
	if (r->has_cpu_shares)
		/* v2's weight is 1..10000 for v1's shares 2..262144 (runc's formula) */
		add(w, &n, max, v2 ? "cpu.weight" : "cpu.shares", "%lld",
		    v2 ? (long long)(1 + ((r->cpu_shares - 2) * 9999) / 262142)
		       : (long long)r->cpu_shares);
	if (v2 && (r->has_cpu_quota || r->has_cpu_period)) {
		char val[64];

		snprintf(
			val, sizeof(val), "%s %llu", "max",
			(unsigned long long)(r->has_cpu_period ? r->cpu_period : 100000));
		if (r->has_cpu_quota && r->cpu_quota > 0)
			snprintf(val, sizeof(val), "%lld %llu", (long long)r->cpu_quota,
				 (unsigned long long)(r->has_cpu_period ? r->cpu_period
									: 100000));
		add_str(w, &n, max, "cpu.max", val);
	} else {
		if (r->has_cpu_period)
			add(w, &n, max, "cpu.cfs_period_us", "%lld",
			    (long long)r->cpu_period);
		if (r->has_cpu_quota)
			add(w, &n, max, "cpu.cfs_quota_us", "%lld",
			    (long long)r->cpu_quota);
	}
	if (r->cpuset_cpus)
		add_str(w, &n, max, "cpuset.cpus", r->cpuset_cpus);
	if (r->cpuset_mems)
		add_str(w, &n, max, "cpuset.mems", r->cpuset_mems);
	if (r->has_pids_limit)
		add(w, &n, max, "pids.max", r->pids_limit > 0 ? "%lld" : "max",
		    (long long)r->pids_limit);
	for (size_t i = 0; i < r->n_unified; i++) {
		if (!v2)
			return kit_err_set(
				err, EINVAL,
				"linux.resources.unified is for cgroup v2 hosts",
				"set %s", r->unified_keys[i]);
		add_str(w, &n, max, r->unified_keys[i], r->unified_values[i]);
	}
	return (int)n;
}

static struct kit_cgroup_host host;
static bool host_known;

static int get_host(struct kit_err *err)
{
	int ret;

	if (host_known)
		return 0;
	ret = kit_cgroup_host_detect(&host, "/proc/self/mountinfo", err);
	if (ret == 0)
		host_known = true;
	return ret;
}

/* A v1 hierarchy the driver does not know ("devices", "freezer"). */
static void v1_dir(const char *ctrl, const char *path, char *out)
{
	if (snprintf(out, PATH_MAX, "/sys/fs/cgroup/%s/%s", ctrl, path) >= PATH_MAX)
		out[0] = '\0';
}

static int v1_extra_mkdir(const char *ctrl, const char *path, struct kit_err *err)
{
	char dir[PATH_MAX];

	v1_dir(ctrl, "", dir);
	if (host.driver != KIT_CGROUP_V1 || access(dir, F_OK) < 0)
		return 0;
	v1_dir(ctrl, path, dir);
	return kit_mkdir_p(dir, 0755, err);
}

static const char *const always[] = {
	"c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm",   "c 1:9 rwm",
	"c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm",
};

/* linux.resources.devices on v1: devices.allow / devices.deny in order. */
static int v1_devices(const char *path, const struct oci_resources *r,
		      const struct oci_linux *spec_devices, struct kit_err *err)
{
	char dir[PATH_MAX], file[PATH_MAX + 16], rule[64], num[2][24];
	int ret;

	if (host.driver != KIT_CGROUP_V1 || !r->n_devices)
		return 0;
	ret = v1_extra_mkdir("devices", path, err);
	v1_dir("devices", path, dir);
	for (size_t i = 0; ret == 0 && i < r->n_devices; i++) {
		const struct oci_device_rule *d = &r->devices[i];

		snprintf(num[0], sizeof(num[0]), d->major < 0 ? "*" : "%lld",
			 (long long)d->major);
		snprintf(num[1], sizeof(num[1]), d->minor < 0 ? "*" : "%lld",
			 (long long)d->minor);
		if (d->type == 'a')
			snprintf(rule, sizeof(rule), "a");
		else
			snprintf(rule, sizeof(rule), "%c %s:%s %s", d->type, num[0],
				 num[1], d->access ? d->access : "rwm");
		snprintf(file, sizeof(file), "%s/devices.%s", dir,
			 d->allow ? "allow" : "deny");
		ret = kit_write_file(file, rule, err);
	}
	/* As runc: whatever the rules say, the devices every container has
	 * (null, zero, full, random, urandom, tty, ptmx, its pts) stay usable,
	 * and so do the linux.devices it was given. */
	snprintf(file, sizeof(file), "%s/devices.allow", dir);
	for (size_t i = 0; ret == 0 && i < sizeof(always) / sizeof(always[0]); i++)
		ret = kit_write_file(file, always[i], err);
	for (size_t i = 0; ret == 0 && i < spec_devices->n_devices; i++) {
		const struct oci_device *d = &spec_devices->devices[i];

		snprintf(rule, sizeof(rule), "%c %lld:%lld rwm",
			 d->type == 'b' ? 'b' : 'c', (long long)d->major,
			 (long long)d->minor);
		ret = kit_write_file(file, rule, err);
	}
	return ret;
}

/*
 * The controllers a container's group uses: memory, cpu (and cpuacct),
 * pids always -- what `ps`, `kill --all` and the limits need -- and
 * cpuset only when asked for: on v1 a new cpuset group must be given
 * cpus and mems before anything can join it, which costs as much as all
 * the other mkdirs together (runc pays it; measured with strace -T).
 */
static unsigned wanted(const struct oci_spec *spec)
{
	const struct oci_resources *r = &spec->linux_.resources;
	unsigned want = KIT_CG_MEMORY | KIT_CG_CPU | KIT_CG_CPUACCT | KIT_CG_PIDS;

	if (r->cpuset_cpus || r->cpuset_mems)
		want |= KIT_CG_CPUSET;
	return want & host.controllers;
}

int runc_cgroup_setup(const struct runc_state *st, const struct oci_spec *spec,
		      struct kit_cgroup *cg, bool *made, struct kit_err *err)
{
	struct runc_cg_write w[RUNC_CG_MAX_WRITES];
	struct runc_state *mst = (struct runc_state *)st;
	const struct oci_resources *r = &spec->linux_.resources;
	int n, ret;

	ret = runc_cgroup_path(spec->linux_.cgroups_path, st->id, mst->cgroup, err);
	if (ret < 0)
		return ret;
	if (get_host(err) < 0 || host.driver == KIT_CGROUP_NONE) {
		mst->cgroup[0] = '\0';
		if (!spec->linux_.has_resources)
			return 0; /* no cgroups here, none asked for */
		return kit_err_wrap(err, "apply linux.resources");
	}
	ret = kit_cgroup_create(&host, mst->cgroup, wanted(spec), cg, err);
	if (ret == -EEXIST || ret == -EBUSY)
		ret = kit_cgroup_open(&host, mst->cgroup, 0, cg, err);
	if (ret < 0) {
		mst->cgroup[0] = '\0';
		return kit_err_wrap(err, "create cgroup %s", st->id);
	}
	*made = true;
	ret = v1_extra_mkdir("freezer", mst->cgroup, err);
	if (ret == 0)
		ret = v1_devices(mst->cgroup, r, &spec->linux_, err);
	n = spec->linux_.has_resources
		    ? runc_cgroup_writes(host.driver, r, w, RUNC_CG_MAX_WRITES, err)
		    : 0;
	if (ret == 0 && n < 0)
		ret = n;
	for (int i = 0; ret == 0 && i < n; i++)
		ret = kit_cgroup_set(cg, w[i].key, w[i].value, err);
	if (ret < 0)
		return kit_err_wrap(err, "apply linux.resources");
	return 0;
}

/* The container's cgroup, for `update` and `events`. */
static int open_container_group(const struct runc_state *st, struct kit_cgroup *cg,
				struct kit_err *err)
{
	int ret = get_host(err);

	if (ret < 0)
		return ret;
	if (!st->cgroup[0] || host.driver == KIT_CGROUP_NONE)
		return kit_err_set(err, ENOENT,
				   "it was created where no cgroup could be made: "
				   "there is nothing to read or change",
				   "find its cgroup");
	return kit_cgroup_open(&host, st->cgroup, 0, cg, err);
}

int runc_cgroup_stat(const struct runc_state *st, struct kit_cgroup_stat *stat,
		     struct kit_err *err)
{
	struct kit_cgroup cg;
	int ret = open_container_group(st, &cg, err);

	if (ret == 0)
		ret = kit_cgroup_stat(&cg, stat, err);
	return ret < 0 ? kit_err_wrap(err, "read container %s's cgroup", st->id) : 0;
}

int runc_cgroup_update(const struct runc_state *st, const struct oci_resources *r,
		       struct kit_err *err)
{
	struct runc_cg_write w[RUNC_CG_MAX_WRITES];
	struct kit_cgroup cg;
	int n = open_container_group(st, &cg, err);

	if (n == 0)
		n = runc_cgroup_writes(host.driver, r, w, RUNC_CG_MAX_WRITES, err);
	/* In order, as runc does: a value the kernel refuses stops the rest,
	 * and what was written before it stays (the message says which). */
	for (int i = 0; n > 0 && i < n; i++) {
		int ret = kit_cgroup_set(&cg, w[i].key, w[i].value, err);

		if (ret < 0) {
			n = ret;
			break;
		}
	}
	return n < 0 ? kit_err_wrap(err, "update container %s", st->id) : 0;
}

int runc_cgroup_attach(const struct runc_state *st, pid_t pid, struct kit_err *err)
{
	struct kit_cgroup cg;
	char file[PATH_MAX + 16], dir[PATH_MAX], v[16];
	int ret = get_host(err);

	if (ret == 0)
		ret = kit_cgroup_open(&host, st->cgroup, 0, &cg, err);
	if (ret == 0)
		ret = kit_cgroup_attach(&cg, pid, err);
	snprintf(v, sizeof(v), "%d", (int)pid);
	for (int i = 0; ret == 0 && i < 2; i++) {
		v1_dir(i ? "freezer" : "devices", st->cgroup, dir);
		snprintf(file, sizeof(file), "%s/cgroup.procs", dir);
		if (host.driver == KIT_CGROUP_V1 && access(dir, F_OK) == 0)
			ret = kit_write_file(file, v, err);
	}
	return ret < 0 ? kit_err_wrap(err, "join cgroup %s", st->cgroup) : 0;
}

int runc_cgroup_pids(const struct runc_state *st, pid_t *pids, size_t max, size_t *n,
		     struct kit_err *err)
{
	struct kit_cgroup cg;
	int ret;

	*n = 0;
	if (!st->cgroup[0])
		return 0;
	ret = get_host(err);
	if (ret == 0)
		ret = kit_cgroup_open(&host, st->cgroup, 0, &cg, err);
	if (ret == -ENOENT) {
		kit_err_clear(err);
		return 0;
	}
	return ret < 0 ? ret : kit_cgroup_procs(&cg, pids, max, n, err);
}

/* rmdir the v1 devices and freezer groups (and their parent if empty). */
static void v1_extra_rmdir(const char *path)
{
	char dir[PATH_MAX];

	for (int i = 0; i < 2 && host.driver == KIT_CGROUP_V1; i++) {
		v1_dir(i ? "freezer" : "devices", path, dir);
		rmdir(dir);
		v1_dir(i ? "freezer" : "devices", "mini-runc", dir);
		rmdir(dir); /* EBUSY while other containers use it */
	}
}

int runc_cgroup_destroy(const struct runc_state *st, struct kit_err *err)
{
	struct kit_cgroup cg;
	char dir[PATH_MAX];
	int ret;

	if (!st->cgroup[0] || get_host(err) < 0)
		return 0;
	ret = kit_cgroup_open(&host, st->cgroup, 0, &cg, err);
	if (ret == -ENOENT) {
		kit_err_clear(err);
		ret = 0;
	} else if (ret == 0) {
		/* force: whatever still runs in it is killed and waited for */
		ret = kit_cgroup_delete(&cg, true, err);
	}
	v1_extra_rmdir(st->cgroup);
	/* the shared parent (mini-runc/) goes when it is empty */
	if (ret == 0 && strncmp(st->cgroup, "mini-runc/", 10) == 0) {
		struct kit_cgroup parent;
		struct kit_err ignored = { 0 };

		if (kit_cgroup_open(&host, "mini-runc", 0, &parent, &ignored) == 0)
			for (unsigned bit = 1; bit < (1u << KIT_CG_NCTRL); bit <<= 1)
				if ((parent.controllers & bit) &&
				    kit_cgroup_dir(&parent, bit, dir))
					rmdir(dir);
	}
	return ret;
}

static int freezer_file(const struct runc_state *st, char *file)
{
	if (host.driver == KIT_CGROUP_V2)
		return snprintf(file, PATH_MAX, "%s/%s/cgroup.freeze", host.v2_root,
				st->cgroup) < PATH_MAX
			       ? 0
			       : -ENAMETOOLONG;
	return snprintf(file, PATH_MAX, "/sys/fs/cgroup/freezer/%s/freezer.state",
			st->cgroup) < PATH_MAX
		       ? 0
		       : -ENAMETOOLONG;
}

int runc_cgroup_freeze(const struct runc_state *st, bool freeze, struct kit_err *err)
{
	char file[PATH_MAX];

	if (!st->cgroup[0] || get_host(err) < 0 || freezer_file(st, file) < 0)
		return kit_err_set(err, ENOTSUP, "the container has no cgroup",
				   "freeze %s", st->id);
	if (host.driver == KIT_CGROUP_V2)
		return kit_write_file(file, freeze ? "1" : "0", err);
	/*
	 * v1 freezes in the background: freezer.state reads FREEZING until
	 * every task has stopped, and a task that was forking can make the
	 * kernel give up, so write FROZEN again until it sticks (as runc
	 * does).  `state` right after `pause` must say "paused".
	 */
	for (int i = 0; i < 1000; i++) {
		int ret = kit_write_file(file, freeze ? "FROZEN" : "THAWED", err);

		if (ret < 0 || runc_cgroup_frozen(st) == freeze)
			return ret;
		usleep(i < 10 ? 100 : 1000);
	}
	return kit_err_set(err, EBUSY, "a task kept forking, or is stuck in the kernel",
			   "%s %s", freeze ? "freeze" : "thaw", st->id);
}

bool runc_cgroup_frozen(const struct runc_state *st)
{
	struct kit_err err = { 0 };
	char file[PATH_MAX], buf[32] = "";
	FILE *f;

	if (!st->cgroup[0] || get_host(&err) < 0 || freezer_file(st, file) < 0)
		return false;
	f = fopen(file, "re");
	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return strncmp(buf, "FROZEN", 6) == 0 || strncmp(buf, "1", 1) == 0;
}
