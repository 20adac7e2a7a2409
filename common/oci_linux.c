/* SPDX-License-Identifier: MIT */
/*
 * oci_linux.c - config.json's linux section: namespaces, id mappings,
 * devices, resources, seccomp, sysctl, masked and read-only paths (part of
 * the parser: see oci_spec.c for the map, kit/oci.h for the contract).
 * Article: §3.1 低级容器运行时.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/capability.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "kit/cleanup.h"
#include "kit/file.h"
#include "kit/json.h"
#include "kit/oci.h"

#include "oci_read.h"

/* ---- linux: namespaces and id mappings ------------------------------------ */

static const struct oci_name_value namespace_names[] = {
	{ "pid", CLONE_NEWPID },       { "network", CLONE_NEWNET },
	{ "mount", CLONE_NEWNS },      { "ipc", CLONE_NEWIPC },
	{ "uts", CLONE_NEWUTS },       { "user", CLONE_NEWUSER },
	{ "cgroup", CLONE_NEWCGROUP }, { NULL, 0 },
};

const char *oci_namespace_name(int clone_flag)
{
	for (const struct oci_name_value *nv = namespace_names; nv->name; nv++)
		if (nv->value == clone_flag)
			return nv->name;
	return NULL;
}

/*
 * The time namespace is refused, not ignored: a container that asked for
 * its own clocks must not silently share the host's.  (CLONE_NEWTIME is
 * also CSIGNAL's bit for clone(2), so it cannot ride along in clone flags.)
 */
static int parse_namespace(const cJSON *item, const char *path, struct oci_namespace *ns,
			   struct kit_err *err)
{
	char tp[KIT_JSON_PATH_MAX];
	const char *type;

	TRY(kit_json_get_string(item, path, "type", true, &type, err));
	kit_json_path_key(tp, path, "type");
	if (strcmp(type, "time") == 0)
		return kit_err_set(err, EINVAL,
				   "mini-runc does not make time namespaces; remove this "
				   "entry",
				   "%s: unsupported namespace \"time\"", tp);
	TRY(oci_get_named(item, path, "type", true, namespace_names, "namespace",
			  "expected pid, network, mount, ipc, uts, user or cgroup",
			  &ns->type, err));
	TRY(oci_get_path(item, path, "path", false, oci_must_be_absolute, &ns->path,
			 err));
	return 0;
}

static int parse_namespaces(const cJSON *lx, const char *path, struct oci_linux *l,
			    struct kit_err *err)
{
	char np[KIT_JSON_PATH_MAX], ep[KIT_JSON_PATH_MAX];
	const cJSON *arr, *item;
	size_t n, i = 0;
	int ret = oci_get_array(lx, path, "namespaces", false, &arr, &n, err);

	if (ret != 0)
		return ret;
	kit_json_path_key(np, path, "namespaces");
	TRY(oci_alloc_n((void **)&l->namespaces, n, 0, sizeof(*l->namespaces), np, err));
	cJSON_ArrayForEach(item, arr)
	{
		struct oci_namespace *ns = &l->namespaces[i];

		kit_json_path_index(ep, np, i);
		TRY(oci_elem_object(item, ep, err));
		TRY(parse_namespace(item, ep, ns, err));
		for (size_t j = 0; j < i; j++)
			if (l->namespaces[j].type == ns->type)
				return kit_err_set(
					err, EINVAL, "each namespace may appear once",
					"%s.type: duplicate namespace \"%s\" (also "
					"at [%zu])",
					ep, oci_namespace_name(ns->type), j);
		l->n_namespaces = ++i;
	}
	return 0;
}

/* The kernel takes at most this many lines in uid_map (since Linux 4.15). */
#define MAX_ID_MAP_LINES 340

static int parse_mapping(const cJSON *item, const char *path, struct oci_id_mapping *m,
			 struct kit_err *err)
{
	TRY(oci_get_u32(item, path, "containerID", true, &m->container_id, err));
	TRY(oci_get_u32(item, path, "hostID", true, &m->host_id, err));
	TRY(oci_get_u32(item, path, "size", true, &m->size, err));
	if (m->size == 0)
		return kit_err_set(err, EINVAL, "a mapping maps at least one id",
				   "%s.size: must not be 0", path);
	if ((uint64_t)m->container_id + m->size - 1 > UINT32_MAX ||
	    (uint64_t)m->host_id + m->size - 1 > UINT32_MAX)
		return kit_err_set(err, ERANGE, "ids are 32-bit: id + size - 1 must fit",
				   "%s: range overflows 2^32-1", path);
	return 0;
}

/* Do [a, a + an) and [b, b + bn) share an id?  (64-bit: no overflow.) */
static bool overlap(uint64_t a, uint64_t b, uint64_t an, uint64_t bn)
{
	return a < b + bn && b < a + an;
}

static int parse_mappings(const cJSON *lx, const char *path, const char *key,
			  struct oci_id_mapping **out, size_t *n, struct kit_err *err)
{
	char mp[KIT_JSON_PATH_MAX], ep[KIT_JSON_PATH_MAX];
	const cJSON *arr, *item;
	size_t count, i = 0;
	int ret = oci_get_array(lx, path, key, false, &arr, &count, err);

	if (ret != 0)
		return ret;
	kit_json_path_key(mp, path, key);
	if (count > MAX_ID_MAP_LINES)
		return kit_err_set(err, E2BIG,
				   "the kernel takes at most 340 lines in uid_map",
				   "%s: %zu mappings", mp, count);
	TRY(oci_alloc_n((void **)out, count, 0, sizeof(**out), mp, err));
	*n = count;
	cJSON_ArrayForEach(item, arr)
	{
		struct oci_id_mapping *m = &(*out)[i];

		kit_json_path_index(ep, mp, i);
		TRY(oci_elem_object(item, ep, err));
		TRY(parse_mapping(item, ep, m, err));
		/* Ranges that overlap on either side, in the container or on
		 * the host, make the kernel refuse the whole map. */
		for (size_t j = 0; j < i; j++) {
			const struct oci_id_mapping *o = &(*out)[j];

			if (overlap(m->container_id, o->container_id, m->size, o->size) ||
			    overlap(m->host_id, o->host_id, m->size, o->size))
				return kit_err_set(
					err, EINVAL,
					"the kernel refuses overlapping ranges",
					"%s: overlaps [%zu]", ep, j);
		}
		i++;
	}
	return 0;
}

/* ---- linux: devices and resources ----------------------------------------- */

static int parse_device(const cJSON *item, const char *path, struct oci_device *d,
			struct kit_err *err)
{
	char tp[KIT_JSON_PATH_MAX];
	const char *type;
	int64_t v;
	uint32_t id;
	int ret;

	TRY(oci_get_path(item, path, "path", true, oci_must_be_inside, &d->path, err));
	TRY(kit_json_get_string(item, path, "type", true, &type, err));
	if (strlen(type) != 1 || !strchr("cbup", type[0]))
		return kit_err_set(err, EINVAL, "expected c, b, u or p",
				   "%s: unknown device type %s",
				   kit_json_path_key(tp, path, "type"), Q(type));
	d->type = type[0];
	/* Major and minor numbers are 32-bit in the kernel's dev_t. */
	TRY(kit_json_get_int(item, path, "major", d->type != 'p', 0, UINT32_MAX,
			     &d->major, err));
	TRY(kit_json_get_int(item, path, "minor", d->type != 'p', 0, UINT32_MAX,
			     &d->minor, err));
	ret = kit_json_get_int(item, path, "fileMode", false, 0, 07777, &v, err);
	TRY(ret);
	if (ret == 0) {
		d->has_file_mode = true;
		d->file_mode = (mode_t)v;
	}
	ret = oci_get_u32(item, path, "uid", false, &id, err);
	TRY(ret);
	if (ret == 0) {
		d->has_uid = true;
		d->uid = id;
	}
	ret = oci_get_u32(item, path, "gid", false, &id, err);
	TRY(ret);
	if (ret == 0) {
		d->has_gid = true;
		d->gid = id;
	}
	return 0;
}

static int parse_devices(const cJSON *lx, const char *path, struct oci_linux *l,
			 struct kit_err *err)
{
	char dp[KIT_JSON_PATH_MAX], ep[KIT_JSON_PATH_MAX];
	const cJSON *arr, *item;
	size_t n, i = 0;
	int ret = oci_get_array(lx, path, "devices", false, &arr, &n, err);

	if (ret != 0)
		return ret;
	kit_json_path_key(dp, path, "devices");
	TRY(oci_alloc_n((void **)&l->devices, n, 0, sizeof(*l->devices), dp, err));
	l->n_devices = n;
	cJSON_ArrayForEach(item, arr)
	{
		kit_json_path_index(ep, dp, i);
		TRY(oci_elem_object(item, ep, err));
		TRY(parse_device(item, ep, &l->devices[i++], err));
	}
	return 0;
}

static int parse_device_rule(const cJSON *item, const char *path,
			     struct oci_device_rule *r, struct kit_err *err)
{
	char p[KIT_JSON_PATH_MAX];
	const char *type = "a";
	int ret;

	TRY(kit_json_get_bool(item, path, "allow", true, &r->allow, err));
	TRY(kit_json_get_string(item, path, "type", false, &type, err));
	if (strlen(type) != 1 || !strchr("acb", type[0]))
		return kit_err_set(err, EINVAL, "expected a (all), c or b",
				   "%s: unknown device type %s",
				   kit_json_path_key(p, path, "type"), Q(type));
	r->type = type[0];
	r->major = r->minor = -1;
	TRY(kit_json_get_int(item, path, "major", false, -1, UINT32_MAX, &r->major, err));
	TRY(kit_json_get_int(item, path, "minor", false, -1, UINT32_MAX, &r->minor, err));
	r->access = "rwm";
	ret = kit_json_get_string(item, path, "access", false, &r->access, err);
	TRY(ret);
	if (ret == 0 &&
	    (r->access[0] == '\0' || strspn(r->access, "rwm") != strlen(r->access)))
		return kit_err_set(err, EINVAL, "access is made of r, w and m",
				   "%s: bad device access %s",
				   kit_json_path_key(p, path, "access"), Q(r->access));
	return 0;
}

/* A cgroup v2 file name in linux.resources.unified: no way out of the cgroup. */
static int check_cgroup_file(const char *path, const char *k, struct kit_err *err)
{
	if (k[0] != '\0' && k[0] != '.' && !strchr(k, '/'))
		return 0;
	return kit_err_set(err, EINVAL, "a file name inside the cgroup, e.g. memory.high",
			   "%s: bad cgroup file name", path);
}

static int parse_memory(const cJSON *res, const char *path, struct oci_resources *r,
			struct kit_err *err)
{
	char mp[KIT_JSON_PATH_MAX];
	const cJSON *mem;
	int ret = kit_json_get_object(res, path, "memory", false, &mem, err);

	if (ret != 0)
		return ret;
	kit_json_path_key(mp, path, "memory");
	/* -1 is "unlimited"; other negative sizes mean nothing. */
	ret = kit_json_get_int(mem, mp, "limit", false, -1, INT64_MAX, &r->memory_limit,
			       err);
	TRY(ret);
	r->has_memory_limit = ret == 0;
	ret = kit_json_get_int(mem, mp, "reservation", false, -1, INT64_MAX,
			       &r->memory_reservation, err);
	TRY(ret);
	r->has_memory_reservation = ret == 0;
	ret = kit_json_get_int(mem, mp, "swap", false, -1, INT64_MAX, &r->memory_swap,
			       err);
	TRY(ret);
	r->has_memory_swap = ret == 0;
	return 0;
}

static int parse_cpu(const cJSON *res, const char *path, struct oci_resources *r,
		     struct kit_err *err)
{
	char cp[KIT_JSON_PATH_MAX];
	const cJSON *cpu;
	int ret = kit_json_get_object(res, path, "cpu", false, &cpu, err);

	if (ret != 0)
		return ret;
	kit_json_path_key(cp, path, "cpu");
	ret = oci_get_u64(cpu, cp, "shares", false, &r->cpu_shares, err);
	TRY(ret);
	r->has_cpu_shares = ret == 0;
	ret = kit_json_get_int(cpu, cp, "quota", false, -1, INT64_MAX, &r->cpu_quota,
			       err);
	TRY(ret);
	r->has_cpu_quota = ret == 0;
	ret = oci_get_u64(cpu, cp, "period", false, &r->cpu_period, err);
	TRY(ret);
	r->has_cpu_period = ret == 0;
	TRY(kit_json_get_string(cpu, cp, "cpus", false, &r->cpuset_cpus, err));
	TRY(kit_json_get_string(cpu, cp, "mems", false, &r->cpuset_mems, err));
	return 0;
}

int oci_parse_resources(const cJSON *res, const char *rp, struct oci_resources *r,
			struct kit_err *err)
{
	char p[KIT_JSON_PATH_MAX], ep[KIT_JSON_PATH_MAX];
	const cJSON *pids, *arr, *item;
	size_t n, i = 0;
	int ret;

	TRY(parse_memory(res, rp, r, err));
	TRY(parse_cpu(res, rp, r, err));
	ret = kit_json_get_object(res, rp, "pids", false, &pids, err);
	TRY(ret);
	if (ret == 0) {
		TRY(kit_json_get_int(pids, kit_json_path_key(p, rp, "pids"), "limit",
				     true, -1, INT64_MAX, &r->pids_limit, err));
		r->has_pids_limit = true;
	}
	TRY(oci_get_string_map(res, rp, "unified", check_cgroup_file, &r->unified_keys,
			       &r->unified_values, &r->n_unified, err));
	ret = oci_get_array(res, rp, "devices", false, &arr, &n, err);
	if (ret != 0)
		return ret < 0 ? ret : 0;
	kit_json_path_key(p, rp, "devices");
	TRY(oci_alloc_n((void **)&r->devices, n, 0, sizeof(*r->devices), p, err));
	r->n_devices = n;
	cJSON_ArrayForEach(item, arr)
	{
		kit_json_path_index(ep, p, i);
		TRY(oci_elem_object(item, ep, err));
		TRY(parse_device_rule(item, ep, &r->devices[i++], err));
	}
	return 0;
}

static int parse_resources(const cJSON *lx, const char *path, struct oci_linux *l,
			   struct kit_err *err)
{
	char rp[KIT_JSON_PATH_MAX];
	const cJSON *res;
	int ret = kit_json_get_object(lx, path, "resources", false, &res, err);

	if (ret != 0)
		return ret;
	l->has_resources = true;
	return oci_parse_resources(res, kit_json_path_key(rp, path, "resources"),
				   &l->resources, err);
}

/* ---- linux: seccomp ------------------------------------------------------- */

static const struct oci_name_value seccomp_actions[] = {
	{ "SCMP_ACT_KILL", OCI_SCMP_KILL },
	{ "SCMP_ACT_KILL_PROCESS", OCI_SCMP_KILL_PROCESS },
	{ "SCMP_ACT_KILL_THREAD", OCI_SCMP_KILL_THREAD },
	{ "SCMP_ACT_TRAP", OCI_SCMP_TRAP },
	{ "SCMP_ACT_ERRNO", OCI_SCMP_ERRNO },
	{ "SCMP_ACT_TRACE", OCI_SCMP_TRACE },
	{ "SCMP_ACT_ALLOW", OCI_SCMP_ALLOW },
	{ "SCMP_ACT_LOG", OCI_SCMP_LOG },
	{ "SCMP_ACT_NOTIFY", OCI_SCMP_NOTIFY },
	{ NULL, 0 },
};

static const struct oci_name_value seccomp_ops[] = {
	{ "SCMP_CMP_NE", OCI_SCMP_CMP_NE },
	{ "SCMP_CMP_LT", OCI_SCMP_CMP_LT },
	{ "SCMP_CMP_LE", OCI_SCMP_CMP_LE },
	{ "SCMP_CMP_EQ", OCI_SCMP_CMP_EQ },
	{ "SCMP_CMP_GE", OCI_SCMP_CMP_GE },
	{ "SCMP_CMP_GT", OCI_SCMP_CMP_GT },
	{ "SCMP_CMP_MASKED_EQ", OCI_SCMP_CMP_MASKED_EQ },
	{ NULL, 0 },
};

/* libseccomp's architecture names, as the spec lists them. */
static const char *const seccomp_arches[] = {
	"SCMP_ARCH_X86",      "SCMP_ARCH_X86_64",      "SCMP_ARCH_X32",
	"SCMP_ARCH_ARM",      "SCMP_ARCH_AARCH64",     "SCMP_ARCH_MIPS",
	"SCMP_ARCH_MIPS64",   "SCMP_ARCH_MIPS64N32",   "SCMP_ARCH_MIPSEL",
	"SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
	"SCMP_ARCH_PPC64",    "SCMP_ARCH_PPC64LE",     "SCMP_ARCH_S390",
	"SCMP_ARCH_S390X",    "SCMP_ARCH_PARISC",      "SCMP_ARCH_PARISC64",
	"SCMP_ARCH_RISCV64",  "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",
	"SCMP_ARCH_SH",       "SCMP_ARCH_SHEB",        NULL,
};

static const char *const seccomp_flags[] = {
	"SECCOMP_FILTER_FLAG_TSYNC",
	"SECCOMP_FILTER_FLAG_LOG",
	"SECCOMP_FILTER_FLAG_SPEC_ALLOW",
	"SECCOMP_FILTER_FLAG_NEW_LISTENER",
	"SECCOMP_FILTER_FLAG_TSYNC_ESRCH",
	"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
	NULL,
};

static int check_in(const char *const *list, const char *what, const char *path,
		    const char *value, struct kit_err *err)
{
	for (; *list; list++)
		if (strcmp(*list, value) == 0)
			return 0;
	return kit_err_set(err, EINVAL, "see the runtime spec's config-linux.md",
			   "%s: unknown %s %s", path, what, Q(value));
}

static int check_arch(const char *path, const char *value, struct kit_err *err)
{
	return check_in(seccomp_arches, "seccomp architecture", path, value, err);
}

static int check_seccomp_flag(const char *path, const char *value, struct kit_err *err)
{
	return check_in(seccomp_flags, "seccomp flag", path, value, err);
}

/*
 * errnoRet: the kernel keeps only errno values up to 4095 (MAX_ERRNO), and
 * only the actions ERRNO and TRACE return one.  *@has set when given.
 */
static int get_errno_ret(const cJSON *obj, const char *path, const char *key, int action,
			 bool *has, unsigned *out, struct kit_err *err)
{
	char p[KIT_JSON_PATH_MAX];
	int64_t v;
	int ret = kit_json_get_int(obj, path, key, false, 0, 4095, &v, err);

	*out = EPERM;
	if (ret != 0)
		return ret < 0 ? ret : 0;
	if (action != OCI_SCMP_ERRNO && action != OCI_SCMP_TRACE)
		return kit_err_set(
			err, EINVAL,
			"only SCMP_ACT_ERRNO and SCMP_ACT_TRACE return a value",
			"%s: not allowed with this action",
			kit_json_path_key(p, path, key));
	*has = true;
	*out = (unsigned)v;
	return 0;
}

static int parse_seccomp_arg(const cJSON *item, const char *path,
			     struct oci_seccomp_arg *a, struct kit_err *err)
{
	int64_t v;
	int op;

	TRY(kit_json_get_int(item, path, "index", true, 0, 5, &v, err));
	a->index = (unsigned)v;
	TRY(oci_get_u64(item, path, "value", true, &a->value, err));
	TRY(oci_get_u64(item, path, "valueTwo", false, &a->value_two, err));
	TRY(oci_get_named(item, path, "op", true, seccomp_ops, "seccomp operator",
			  "expected SCMP_CMP_EQ, SCMP_CMP_NE, SCMP_CMP_MASKED_EQ ...",
			  &op, err));
	a->op = (enum oci_seccomp_op)op;
	return 0;
}

static int parse_seccomp_rule(const cJSON *item, const char *path,
			      struct oci_seccomp_rule *r, struct kit_err *err)
{
	char ap[KIT_JSON_PATH_MAX], ep[KIT_JSON_PATH_MAX];
	const cJSON *arr, *arg;
	size_t n, i = 0;
	int action, ret;

	TRY(oci_get_strings(item, path, "names", true, NULL, &r->names, &r->n_names,
			    err));
	if (r->n_names == 0)
		return kit_err_set(err, EINVAL, "name at least one system call",
				   "%s.names: empty array", path);
	TRY(oci_get_named(item, path, "action", true, seccomp_actions, "seccomp action",
			  "expected SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL ...",
			  &action, err));
	r->action = (enum oci_seccomp_action)action;
	TRY(get_errno_ret(item, path, "errnoRet", action, &r->has_errno, &r->errno_ret,
			  err));
	ret = oci_get_array(item, path, "args", false, &arr, &n, err);
	if (ret != 0)
		return ret < 0 ? ret : 0;
	kit_json_path_key(ap, path, "args");
	TRY(oci_alloc_n((void **)&r->args, n, 0, sizeof(*r->args), ap, err));
	r->n_args = n;
	cJSON_ArrayForEach(arg, arr)
	{
		kit_json_path_index(ep, ap, i);
		TRY(oci_elem_object(arg, ep, err));
		TRY(parse_seccomp_arg(arg, ep, &r->args[i++], err));
	}
	return 0;
}

static int parse_seccomp(const cJSON *lx, const char *path, struct oci_linux *l,
			 struct kit_err *err)
{
	char sp[KIT_JSON_PATH_MAX], cp[KIT_JSON_PATH_MAX], ep[KIT_JSON_PATH_MAX];
	struct oci_seccomp *s = &l->seccomp;
	const cJSON *sec, *arr, *item;
	size_t n, i = 0;
	int action;
	int ret = kit_json_get_object(lx, path, "seccomp", false, &sec, err);

	if (ret != 0)
		return ret;
	l->has_seccomp = true;
	kit_json_path_key(sp, path, "seccomp");
	TRY(oci_get_named(sec, sp, "defaultAction", true, seccomp_actions,
			  "seccomp action",
			  "expected SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL ...",
			  &action, err));
	s->default_action = (enum oci_seccomp_action)action;
	TRY(get_errno_ret(sec, sp, "defaultErrnoRet", action, &s->has_default_errno,
			  &s->default_errno, err));
	TRY(oci_get_strings(sec, sp, "architectures", false, check_arch,
			    &s->architectures, &s->n_architectures, err));
	TRY(oci_get_strings(sec, sp, "flags", false, check_seccomp_flag, &s->flags,
			    &s->n_flags, err));
	ret = oci_get_array(sec, sp, "syscalls", false, &arr, &n, err);
	if (ret != 0)
		return ret < 0 ? ret : 0;
	kit_json_path_key(cp, sp, "syscalls");
	TRY(oci_alloc_n((void **)&s->syscalls, n, 0, sizeof(*s->syscalls), cp, err));
	s->n_syscalls = n;
	cJSON_ArrayForEach(item, arr)
	{
		kit_json_path_index(ep, cp, i);
		TRY(oci_elem_object(item, ep, err));
		TRY(parse_seccomp_rule(item, ep, &s->syscalls[i++], err));
	}
	return 0;
}

/* ---- linux: the rest ------------------------------------------------------ */

/* A sysctl name: dotted words, no way out of /proc/sys. */
static int check_sysctl(const char *path, const char *k, struct kit_err *err)
{
	if (k[0] != '\0' && k[0] != '.' && k[0] != '/' && !strstr(k, "..") &&
	    !strstr(k, "/."))
		return 0;
	return kit_err_set(err, EINVAL, "a name like net.ipv4.ip_forward",
			   "%s: bad sysctl name", path);
}

int oci_parse_linux(const cJSON *doc, struct oci_spec *spec, struct kit_err *err)
{
	char lp[KIT_JSON_PATH_MAX], p[KIT_JSON_PATH_MAX];
	struct oci_linux *l = &spec->linux_;
	const cJSON *lx;
	const char *prop;
	int ret = kit_json_get_object(doc, "", "linux", false, &lx, err);

	if (ret != 0)
		return ret;
	kit_json_path_key(lp, "", "linux");
	TRY(parse_namespaces(lx, lp, l, err));
	TRY(parse_mappings(lx, lp, "uidMappings", &l->uid_mappings, &l->n_uid_mappings,
			   err));
	TRY(parse_mappings(lx, lp, "gidMappings", &l->gid_mappings, &l->n_gid_mappings,
			   err));
	TRY(parse_devices(lx, lp, l, err));
	TRY(kit_json_get_string(lx, lp, "cgroupsPath", false, &l->cgroups_path, err));
	TRY(parse_resources(lx, lp, l, err));
	TRY(oci_get_string_map(lx, lp, "sysctl", check_sysctl, &l->sysctl_keys,
			       &l->sysctl_values, &l->n_sysctl, err));
	TRY(parse_seccomp(lx, lp, l, err));
	ret = kit_json_get_string(lx, lp, "rootfsPropagation", false, &prop, err);
	TRY(ret);
	if (ret == 0) {
		const struct oci_name_value *nv = oci_lookup_name(oci_propagations, prop);

		if (!nv)
			return kit_err_set(err, EINVAL,
					   "expected private, rprivate, shared, rshared, "
					   "slave, rslave, unbindable or runbindable",
					   "%s: unknown propagation %s",
					   kit_json_path_key(p, lp, "rootfsPropagation"),
					   Q(prop));
		l->rootfs_propagation = (unsigned long)nv->value;
	}
	TRY(oci_get_strings(lx, lp, "maskedPaths", false, oci_must_be_inside,
			    &l->masked_paths, &l->n_masked_paths, err));
	TRY(oci_get_strings(lx, lp, "readonlyPaths", false, oci_must_be_inside,
			    &l->readonly_paths, &l->n_readonly_paths, err));
	TRY(kit_json_get_string(lx, lp, "mountLabel", false, &l->mount_label, err));
	return 0;
}

/* User namespaces and mappings come together (runc refuses one without the other). */
int oci_check_userns(const struct oci_linux *l, struct kit_err *err)
{
	bool new_userns = false;

	for (size_t i = 0; i < l->n_namespaces; i++)
		if (l->namespaces[i].type == CLONE_NEWUSER && !l->namespaces[i].path)
			new_userns = true;
	if (new_userns && (l->n_uid_mappings == 0 || l->n_gid_mappings == 0))
		return kit_err_set(
			err, EINVAL,
			"a new user namespace needs uidMappings and gidMappings",
			".linux.%s: required field missing",
			l->n_uid_mappings ? "gidMappings" : "uidMappings");
	if (!new_userns && (l->n_uid_mappings || l->n_gid_mappings))
		return kit_err_set(err, EINVAL,
				   "add {\"type\": \"user\"} to .linux.namespaces",
				   ".linux.%s: mappings without a new user namespace",
				   l->n_uid_mappings ? "uidMappings" : "gidMappings");
	return 0;
}

/* ---- what this parser recognizes (oci_features) ---------------------------- */

/* The names of @nv but @skip (NULL: none). */
static void names_array(cJSON *obj, const char *key, const struct oci_name_value *nv,
			const char *skip)
{
	cJSON *arr = cJSON_AddArrayToObject(obj, key);

	for (; arr && nv->name; nv++)
		if (!skip || strcmp(nv->name, skip) != 0)
			cJSON_AddItemToArray(arr, cJSON_CreateString(nv->name));
}

static void strings_array(cJSON *obj, const char *key, const char *const *list)
{
	cJSON *arr = cJSON_AddArrayToObject(obj, key);

	for (; arr && *list; list++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(*list));
}

void oci_features_linux(cJSON *lx)
{
	cJSON *sc = cJSON_AddObjectToObject(lx, "seccomp");

	names_array(lx, "namespaces", namespace_names, NULL);
	if (!sc)
		return;
	cJSON_AddBoolToObject(sc, "enabled", true);
	/* SCMP_ACT_NOTIFY is parsed, but mini-runc has no listener socket
	 * (linux.seccomp.listenerPath) to hand the notify fd to. */
	names_array(sc, "actions", seccomp_actions, "SCMP_ACT_NOTIFY");
	names_array(sc, "operators", seccomp_ops, NULL);
	strings_array(sc, "archs", seccomp_arches);
	/* flags are recognized (checked) but not passed to the kernel */
	strings_array(sc, "knownFlags", seccomp_flags);
	cJSON_AddArrayToObject(sc, "supportedFlags");
}
