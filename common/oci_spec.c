/* SPDX-License-Identifier: MIT */
/*
 * oci_spec.c - an OCI bundle's config.json, checked and read into struct
 * oci_spec (see kit/oci.h for the contract).
 *
 * Article: §3.1 低级容器运行时.  A low-level runtime trusts nothing in
 * config.json: it comes from whoever wrote the bundle.  So every field is
 * read through kit/json.h's typed getters, which know the field's JSON path,
 * and every name is translated here, once, into what the kernel wants:
 *
 *   parse_process()     args, env, cwd, user, capabilities, rlimits ...
 *   parse_mounts()      destinations, and options split into MS_* flags,
 *                       propagation and the data string for the filesystem
 *   parse_hooks()       the six hook lists
 *   parse_linux()       namespaces, id mappings, devices, resources,
 *                       sysctl, seccomp, masked and read-only paths
 *   oci_spec_default()  the config.json `mini-runc spec` writes
 *
 * A refusal names the path: "config.json: .linux.namespaces[2].type:
 * unknown namespace \"foo\": EINVAL (...)", and frees what was built.
 *
 * Left out: the Windows, Solaris, VM and z/OS sections, intelRdt,
 * personality, I/O priority, scheduler, memory policy, the time namespace
 * (refused, see parse_namespaces()), and seccomp's listenerPath.  Unknown
 * fields are ignored, as runc ignores fields of a newer spec.
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

/* Every step returns 0 (or 1, "absent") or -errno; pass failures up. */
#define TRY(expr)                                                                        \
	do {                                                                             \
		int try_ret_ = (expr);                                                   \
		if (try_ret_ < 0)                                                        \
			return try_ret_;                                                 \
	} while (0)

/*
 * Q(s): @s quoted for a message.  Values come from the bundle's author, so
 * at most 64 bytes are shown (cut at a character boundary, "..." added) and
 * control characters become '?': an error stays one printable line.
 */
#define QUOTE_MAX 72
#define Q(s)      quote((char[QUOTE_MAX]){ 0 }, (s))

static const char *quote(char *buf, const char *s)
{
	size_t n = 0, i = 0;

	buf[n++] = '"';
	for (; s[i] && i < 64; i++)
		buf[n++] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
	if (s[i]) {
		/* Drop the last character if the cut split it: find its lead
		 * byte, which says how long it is. */
		size_t lead = n - 1;

		while (lead > 1 && ((unsigned char)buf[lead] & 0xc0) == 0x80)
			lead--;
		if ((unsigned char)buf[lead] >= 0xc0) {
			unsigned char c = (unsigned char)buf[lead];
			size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;

			if (n - lead < len)
				n = lead;
		}
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n++] = '"';
	buf[n] = '\0';
	return buf;
}

/* ---- small readers shared by every section -------------------------------- */

static int no_memory(const char *path, struct kit_err *err)
{
	return kit_err_set(err, ENOMEM, NULL, "%s: allocate memory",
			   path[0] ? path : ".");
}

/* calloc() that reports the path; @n elements of @size plus @extra. */
static int alloc_n(void **out, size_t n, size_t extra, size_t size, const char *path,
		   struct kit_err *err)
{
	*out = calloc(n + extra ? n + extra : 1, size);
	return *out ? 0 : no_memory(path, err);
}

/* An array member with at most OCI_MAX_ITEMS elements; 1 when absent. */
static int get_array(const cJSON *obj, const char *path, const char *key, bool required,
		     const cJSON **out, size_t *n, struct kit_err *err)
{
	int ret = kit_json_get_array(obj, path, key, required, OCI_MAX_ITEMS, out, err);

	if (ret == 0)
		*n = (size_t)cJSON_GetArraySize(*out);
	return ret;
}

static int expected(const cJSON *item, const char *path, const char *want,
		    struct kit_err *err)
{
	return kit_err_set(err, EINVAL, "fix the type of this field",
			   "%s: expected %s, got %s", path, want,
			   kit_json_type_name(item));
}

/* An array element that must be an object. */
static int elem_object(const cJSON *item, const char *path, struct kit_err *err)
{
	return cJSON_IsObject(item) ? 0 : expected(item, path, "an object", err);
}

/* An array element that must be a string. */
static int elem_string(const cJSON *item, const char *path, const char **out,
		       struct kit_err *err)
{
	if (!cJSON_IsString(item) || !item->valuestring)
		return expected(item, path, "a string", err);
	*out = item->valuestring;
	return 0;
}

/* An array element that must be an integer in [@min, @max]. */
static int elem_int(const cJSON *item, const char *path, int64_t min, int64_t max,
		    int64_t *out, struct kit_err *err)
{
	double v;

	if (!cJSON_IsNumber(item))
		return expected(item, path, "an integer", err);
	v = item->valuedouble;
	/* Range first: casting a double outside int64_t is undefined. */
	if (!(v >= (double)min && v <= (double)max) || v != floor(v))
		return kit_err_set(err, ERANGE, NULL,
				   "%s: %g is not an integer in [%" PRId64 ", %" PRId64
				   "]",
				   path, v, min, max);
	*out = (int64_t)v;
	return 0;
}

static int get_u32(const cJSON *obj, const char *path, const char *key, bool required,
		   uint32_t *out, struct kit_err *err)
{
	int64_t v;
	int ret = kit_json_get_int(obj, path, key, required, 0, UINT32_MAX, &v, err);

	if (ret == 0)
		*out = (uint32_t)v;
	return ret;
}

/*
 * An unsigned 64-bit member.  cJSON holds numbers as doubles, exact only up
 * to 2^53; the one larger value configs really carry is 2^64-1 (Go's
 * ^uint64(0), RLIM_INFINITY for rlimits), which rounds to exactly 2^64 as a
 * double: read that as UINT64_MAX, refuse everything else past 2^53.
 */
static int get_u64(const cJSON *obj, const char *path, const char *key, bool required,
		   uint64_t *out, struct kit_err *err)
{
	const cJSON *item =
		cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
	int64_t v;
	int ret;

	if (cJSON_IsNumber(item) && item->valuedouble == 18446744073709551616.0) {
		*out = UINT64_MAX;
		return 0;
	}
	ret = kit_json_get_int(obj, path, key, required, 0, INT64_MAX, &v, err);
	if (ret == 0)
		*out = (uint64_t)v;
	return ret;
}

static int must_be_absolute(const char *path, const char *value, struct kit_err *err)
{
	if (value[0] == '/')
		return 0;
	return kit_err_set(err, EINVAL, "the spec wants an absolute path here",
			   "%s: %s is not an absolute path", path, Q(value));
}

/*
 * A path inside the container (mount destination, device, masked path):
 * absolute, and no ".." component, which could only climb out of the
 * root filesystem the runtime resolves it in.
 */
static int must_be_inside(const char *path, const char *value, struct kit_err *err)
{
	TRY(must_be_absolute(path, value, err));
	for (const char *c = value; (c = strstr(c, "/..")); c += 3)
		if (c[3] == '/' || c[3] == '\0')
			return kit_err_set(err, EINVAL,
					   "a path in the container may not climb out "
					   "with ..",
					   "%s: %s has a \"..\" component", path,
					   Q(value));
	return 0;
}

/* A string member that, when given, must pass @check. */
static int get_path(const cJSON *obj, const char *path, const char *key, bool required,
		    int (*check)(const char *path, const char *value,
				 struct kit_err *err),
		    const char **out, struct kit_err *err)
{
	char p[KIT_JSON_PATH_MAX];
	int ret = kit_json_get_string(obj, path, key, required, out, err);

	if (ret == 0)
		TRY(check(kit_json_path_key(p, path, key), *out, err));
	return ret;
}

/*
 * An array of strings into a NULL-terminated array (owned, the strings stay
 * in the tree).  @check, when set, vets each element.  *@out stays NULL and
 * *@n 0 when absent.
 */
static int get_strings(const cJSON *obj, const char *path, const char *key, bool required,
		       int (*check)(const char *path, const char *value,
				    struct kit_err *err),
		       const char ***out, size_t *n, struct kit_err *err)
{
	char p[KIT_JSON_PATH_MAX], ep[KIT_JSON_PATH_MAX];
	const cJSON *arr, *item;
	size_t count, i = 0;
	int ret = get_array(obj, path, key, required, &arr, &count, err);

	if (ret != 0)
		return ret;
	kit_json_path_key(p, path, key);
	TRY(alloc_n((void **)out, count, 1, sizeof(**out), p, err));
	*n = count;
	cJSON_ArrayForEach(item, arr)
	{
		kit_json_path_index(ep, p, i);
		TRY(elem_string(item, ep, &(*out)[i], err));
		if (check)
			TRY(check(ep, (*out)[i], err));
		i++;
	}
	return 0;
}

/*
 * An object of string values (annotations, sysctl, unified) into two
 * parallel NULL-terminated arrays.  @check, when set, vets each key
 * (check_keys() has refused duplicates already).
 */
static int
get_string_map(const cJSON *obj, const char *path, const char *key,
	       int (*check)(const char *path, const char *k, struct kit_err *err),
	       const char ***keys, const char ***values, size_t *n, struct kit_err *err)
{
	char p[KIT_JSON_PATH_MAX], ep[KIT_JSON_PATH_MAX];
	const cJSON *map, *item;
	size_t count, i = 0;
	int ret = kit_json_get_object(obj, path, key, false, &map, err);

	if (ret != 0)
		return ret;
	kit_json_path_key(p, path, key);
	count = (size_t)cJSON_GetArraySize(map);
	if (count > OCI_MAX_ITEMS)
		return kit_err_set(err, E2BIG, NULL, "%s: more than %d members", p,
				   OCI_MAX_ITEMS);
	TRY(alloc_n((void **)keys, count, 1, sizeof(**keys), p, err));
	TRY(alloc_n((void **)values, count, 1, sizeof(**values), p, err));
	*n = count;
	cJSON_ArrayForEach(item, map)
	{
		kit_json_path_key(ep, p, item->string);
		if (check)
			TRY(check(ep, item->string, err));
		(*keys)[i] = item->string;
		TRY(elem_string(item, ep, &(*values)[i], err));
		i++;
	}
	return 0;
}

/* A name looked up in a table of { name, value } pairs ending in NULL. */
struct name_value {
	const char *name;
	int value;
};

static const struct name_value *lookup_name(const struct name_value *table,
					    const char *name)
{
	for (; table->name; table++)
		if (strcmp(table->name, name) == 0)
			return table;
	return NULL;
}

/* A string member translated through @table; @what names it in messages. */
static int get_named(const cJSON *obj, const char *path, const char *key, bool required,
		     const struct name_value *table, const char *what, const char *hint,
		     int *out, struct kit_err *err)
{
	char p[KIT_JSON_PATH_MAX];
	const struct name_value *nv;
	const char *s;
	int ret = kit_json_get_string(obj, path, key, required, &s, err);

	if (ret != 0)
		return ret;
	nv = lookup_name(table, s);
	if (!nv)
		return kit_err_set(err, EINVAL, hint, "%s: unknown %s %s",
				   kit_json_path_key(p, path, key), what, Q(s));
	*out = nv->value;
	return 0;
}

/* ---- process -------------------------------------------------------------- */

#define CAP(n) [CAP_##n] = "CAP_" #n

/*
 * Capability names by number.  A table, not libcap's cap_from_name(): that
 * one also takes numbers and lower case, and what it knows depends on the
 * libcap installed; the spec wants the "CAP_" names, and the kernel headers
 * this kit builds with say which numbers exist.
 */
static const char *const cap_names[] = {
	CAP(CHOWN),
	CAP(DAC_OVERRIDE),
	CAP(DAC_READ_SEARCH),
	CAP(FOWNER),
	CAP(FSETID),
	CAP(KILL),
	CAP(SETGID),
	CAP(SETUID),
	CAP(SETPCAP),
	CAP(LINUX_IMMUTABLE),
	CAP(NET_BIND_SERVICE),
	CAP(NET_BROADCAST),
	CAP(NET_ADMIN),
	CAP(NET_RAW),
	CAP(IPC_LOCK),
	CAP(IPC_OWNER),
	CAP(SYS_MODULE),
	CAP(SYS_RAWIO),
	CAP(SYS_CHROOT),
	CAP(SYS_PTRACE),
	CAP(SYS_PACCT),
	CAP(SYS_ADMIN),
	CAP(SYS_BOOT),
	CAP(SYS_NICE),
	CAP(SYS_RESOURCE),
	CAP(SYS_TIME),
	CAP(SYS_TTY_CONFIG),
	CAP(MKNOD),
	CAP(LEASE),
	CAP(AUDIT_WRITE),
	CAP(AUDIT_CONTROL),
	CAP(SETFCAP),
	CAP(MAC_OVERRIDE),
	CAP(MAC_ADMIN),
	CAP(SYSLOG),
	CAP(WAKE_ALARM),
	CAP(BLOCK_SUSPEND),
	CAP(AUDIT_READ),
	CAP(PERFMON),
	CAP(BPF),
	CAP(CHECKPOINT_RESTORE),
};

#define N_CAPS (sizeof(cap_names) / sizeof(cap_names[0]))

const char *oci_capability_name(unsigned cap)
{
	return cap < N_CAPS && cap_names[cap] ? cap_names[cap] : NULL;
}

static int cap_set(const cJSON *caps, const char *path, const char *key, uint64_t *set,
		   struct kit_err *err)
{
	const char **names = NULL;
	size_t n = 0;
	char p[KIT_JSON_PATH_MAX], ep[KIT_JSON_PATH_MAX];
	int ret = get_strings(caps, path, key, false, NULL, &names, &n, err);

	if (ret != 0) {
		free(names);
		return ret;
	}
	kit_json_path_key(p, path, key);
	for (size_t i = 0; i < n; i++) {
		unsigned c = 0;

		while (c < N_CAPS && strcmp(cap_names[c], names[i]) != 0)
			c++;
		if (c == N_CAPS) {
			ret = kit_err_set(err, EINVAL,
					  "see capabilities(7) for the names",
					  "%s: unknown capability %s",
					  kit_json_path_index(ep, p, i), Q(names[i]));
			free(names);
			return ret;
		}
		*set |= UINT64_C(1) << c;
	}
	free(names);
	return 0;
}

static int parse_caps(const cJSON *proc, const char *path, struct oci_process *p,
		      struct kit_err *err)
{
	char cp[KIT_JSON_PATH_MAX];
	const cJSON *caps;
	int ret = kit_json_get_object(proc, path, "capabilities", false, &caps, err);

	if (ret != 0)
		return ret;
	kit_json_path_key(cp, path, "capabilities");
	p->has_caps = true;
	TRY(cap_set(caps, cp, "bounding", &p->caps.bounding, err));
	TRY(cap_set(caps, cp, "effective", &p->caps.effective, err));
	TRY(cap_set(caps, cp, "inheritable", &p->caps.inheritable, err));
	TRY(cap_set(caps, cp, "permitted", &p->caps.permitted, err));
	TRY(cap_set(caps, cp, "ambient", &p->caps.ambient, err));
	return 0;
}

static const struct name_value rlimit_names[] = {
	{ "RLIMIT_AS", RLIMIT_AS },
	{ "RLIMIT_CORE", RLIMIT_CORE },
	{ "RLIMIT_CPU", RLIMIT_CPU },
	{ "RLIMIT_DATA", RLIMIT_DATA },
	{ "RLIMIT_FSIZE", RLIMIT_FSIZE },
	{ "RLIMIT_LOCKS", RLIMIT_LOCKS },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
	{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
	{ "RLIMIT_NICE", RLIMIT_NICE },
	{ "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_NPROC", RLIMIT_NPROC },
	{ "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
	{ "RLIMIT_RTTIME", RLIMIT_RTTIME },
	{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
	{ "RLIMIT_STACK", RLIMIT_STACK },
	{ NULL, 0 },
};

static int parse_rlimits(const cJSON *proc, const char *path, struct oci_process *p,
			 struct kit_err *err)
{
	char rp[KIT_JSON_PATH_MAX], ep[KIT_JSON_PATH_MAX];
	const cJSON *arr, *item;
	size_t i = 0;
	int ret = get_array(proc, path, "rlimits", false, &arr, &p->n_rlimits, err);

	if (ret != 0)
		return ret;
	kit_json_path_key(rp, path, "rlimits");
	TRY(alloc_n((void **)&p->rlimits, p->n_rlimits, 0, sizeof(*p->rlimits), rp, err));
	cJSON_ArrayForEach(item, arr)
	{
		struct oci_rlimit *rl = &p->rlimits[i];

		kit_json_path_index(ep, rp, i);
		TRY(elem_object(item, ep, err));
		TRY(get_named(
			item, ep, "type", true, rlimit_names, "rlimit",
			"expected RLIMIT_NOFILE, RLIMIT_NPROC ... (see getrlimit(2))",
			&rl->resource, err));
		TRY(get_u64(item, ep, "soft", true, &rl->soft, err));
		TRY(get_u64(item, ep, "hard", true, &rl->hard, err));
		if (rl->soft > rl->hard)
			return kit_err_set(
				err, EINVAL,
				"setrlimit(2) refuses a soft limit above the hard one",
				"%s.soft: %" PRIu64 " is above hard %" PRIu64, ep,
				rl->soft, rl->hard);
		for (size_t j = 0; j < i; j++)
			if (p->rlimits[j].resource == rl->resource)
				return kit_err_set(
					err, EINVAL, "each rlimit may appear once",
					"%s.type: duplicate rlimit \"%s\"", ep,
					cJSON_GetObjectItem(item, "type")->valuestring);
		i++;
	}
	return 0;
}

static int check_env(const char *path, const char *value, struct kit_err *err)
{
	const char *eq = strchr(value, '=');

	if (eq && eq != value)
		return 0;
	return kit_err_set(err, EINVAL, "each entry is KEY=value",
			   "%s: %s is not KEY=value", path, Q(value));
}

static int parse_user(const cJSON *proc, const char *path, struct oci_process *p,
		      struct kit_err *err)
{
	char up[KIT_JSON_PATH_MAX], gp[KIT_JSON_PATH_MAX], ep[KIT_JSON_PATH_MAX];
	const cJSON *user, *arr, *item;
	int64_t v;
	size_t i = 0;
	int ret = kit_json_get_object(proc, path, "user", true, &user, err);

	if (ret != 0)
		return ret;
	kit_json_path_key(up, path, "user");
	TRY(get_u32(user, up, "uid", true, &p->uid, err));
	TRY(get_u32(user, up, "gid", true, &p->gid, err));
	ret = kit_json_get_int(user, up, "umask", false, 0, 0777, &v, err);
	TRY(ret);
	if (ret == 0) {
		p->has_umask = true;
		p->umask = (mode_t)v;
	}
	ret = get_array(user, up, "additionalGids", false, &arr, &p->n_additional_gids,
			err);
	if (ret != 0)
		return ret < 0 ? ret : 0;
	kit_json_path_key(gp, up, "additionalGids");
	TRY(alloc_n((void **)&p->additional_gids, p->n_additional_gids, 0,
		    sizeof(*p->additional_gids), gp, err));
	cJSON_ArrayForEach(item, arr)
	{
		TRY(elem_int(item, kit_json_path_index(ep, gp, i), 0, UINT32_MAX, &v,
			     err));
		p->additional_gids[i++] = (gid_t)v;
	}
	return 0;
}

static int parse_console(const cJSON *proc, const char *path, struct oci_process *p,
			 struct kit_err *err)
{
	char cp[KIT_JSON_PATH_MAX];
	const cJSON *cs;
	int64_t v;
	int ret = kit_json_get_object(proc, path, "consoleSize", false, &cs, err);

	if (ret != 0)
		return ret;
	kit_json_path_key(cp, path, "consoleSize");
	/* struct winsize holds unsigned shorts. */
	TRY(kit_json_get_int(cs, cp, "height", true, 0, UINT16_MAX, &v, err));
	p->console_height = (unsigned)v;
	TRY(kit_json_get_int(cs, cp, "width", true, 0, UINT16_MAX, &v, err));
	p->console_width = (unsigned)v;
	return 0;
}

/* The process object @proc at @pp ("" for a process.json of its own). */
static int parse_process(const cJSON *proc, const char *pp, struct oci_process *p,
			 struct kit_err *err)
{
	int64_t v;
	int ret;

	TRY(kit_json_get_bool(proc, pp, "terminal", false, &p->terminal, err));
	TRY(parse_console(proc, pp, p, err));
	TRY(parse_user(proc, pp, p, err));
	TRY(get_strings(proc, pp, "args", true, NULL, &p->args, &p->n_args, err));
	if (p->n_args == 0 || p->args[0][0] == '\0')
		return kit_err_set(err, EINVAL, "name the program to run, e.g. [\"sh\"]",
				   "%s.args: %s", pp,
				   p->n_args ? "the program name is empty"
					     : "empty array");
	TRY(get_strings(proc, pp, "env", false, check_env, &p->env, &p->n_env, err));
	TRY(get_path(proc, pp, "cwd", true, must_be_absolute, &p->cwd, err));
	TRY(parse_caps(proc, pp, p, err));
	TRY(parse_rlimits(proc, pp, p, err));
	TRY(kit_json_get_bool(proc, pp, "noNewPrivileges", false, &p->no_new_privileges,
			      err));
	ret = kit_json_get_int(proc, pp, "oomScoreAdj", false, -1000, 1000, &v, err);
	TRY(ret);
	if (ret == 0) {
		p->has_oom_score_adj = true;
		p->oom_score_adj = (int)v;
	}
	TRY(kit_json_get_string(proc, pp, "apparmorProfile", false, &p->apparmor_profile,
				err));
	TRY(kit_json_get_string(proc, pp, "selinuxLabel", false, &p->selinux_label, err));
	return 0;
}

/* ---- mounts --------------------------------------------------------------- */

/*
 * The mount options runc knows as flags.  @clear: the option turns the flag
 * off ("rw" clears MS_RDONLY).  @recursive: runc's "r" forms ("rro",
 * "rnosuid"), applied to every mount below too (mount_setattr(2) with
 * AT_RECURSIVE); kept in rec_flags / rec_clear_flags.
 */
static const struct mount_flag {
	const char *name;
	bool clear, recursive;
	unsigned long flag;
} mount_flags[] = {
	{ "async", true, false, MS_SYNCHRONOUS },
	{ "atime", true, false, MS_NOATIME },
	{ "defaults", false, false, 0 },
	{ "dev", true, false, MS_NODEV },
	{ "diratime", true, false, MS_NODIRATIME },
	{ "dirsync", false, false, MS_DIRSYNC },
	{ "exec", true, false, MS_NOEXEC },
	{ "iversion", false, false, MS_I_VERSION },
	{ "lazytime", false, false, MS_LAZYTIME },
	{ "loud", true, false, MS_SILENT },
	{ "mand", false, false, MS_MANDLOCK },
	{ "noatime", false, false, MS_NOATIME },
	{ "nodev", false, false, MS_NODEV },
	{ "nodiratime", false, false, MS_NODIRATIME },
	{ "noexec", false, false, MS_NOEXEC },
	{ "noiversion", true, false, MS_I_VERSION },
	{ "nolazytime", true, false, MS_LAZYTIME },
	{ "nomand", true, false, MS_MANDLOCK },
	{ "norelatime", true, false, MS_RELATIME },
	{ "nostrictatime", true, false, MS_STRICTATIME },
	{ "nosuid", false, false, MS_NOSUID },
	{ "nosymfollow", false, false, MS_NOSYMFOLLOW },
	{ "relatime", false, false, MS_RELATIME },
	{ "remount", false, false, MS_REMOUNT },
	{ "ro", false, false, MS_RDONLY },
	{ "rw", true, false, MS_RDONLY },
	{ "silent", false, false, MS_SILENT },
	{ "strictatime", false, false, MS_STRICTATIME },
	{ "suid", true, false, MS_NOSUID },
	{ "symfollow", true, false, MS_NOSYMFOLLOW },
	{ "sync", false, false, MS_SYNCHRONOUS },
	{ "rro", false, true, MS_RDONLY },
	{ "rrw", true, true, MS_RDONLY },
	{ "rnosuid", false, true, MS_NOSUID },
	{ "rsuid", true, true, MS_NOSUID },
	{ "rnodev", false, true, MS_NODEV },
	{ "rdev", true, true, MS_NODEV },
	{ "rnoexec", false, true, MS_NOEXEC },
	{ "rexec", true, true, MS_NOEXEC },
	{ "rnodiratime", false, true, MS_NODIRATIME },
	{ "rdiratime", true, true, MS_NODIRATIME },
	{ "rrelatime", false, true, MS_RELATIME },
	{ "rnorelatime", true, true, MS_RELATIME },
	{ "rnoatime", false, true, MS_NOATIME },
	{ "ratime", true, true, MS_NOATIME },
	{ "rstrictatime", false, true, MS_STRICTATIME },
	{ "rnostrictatime", true, true, MS_STRICTATIME },
	{ "rnosymfollow", false, true, MS_NOSYMFOLLOW },
	{ "rsymfollow", true, true, MS_NOSYMFOLLOW },
	{ NULL, false, false, 0 },
};

/* Propagation: the "r" forms add MS_REC.  Also rootfsPropagation's values. */
static const struct name_value propagations[] = {
	{ "private", MS_PRIVATE },
	{ "rprivate", MS_PRIVATE | MS_REC },
	{ "shared", MS_SHARED },
	{ "rshared", MS_SHARED | MS_REC },
	{ "slave", MS_SLAVE },
	{ "rslave", MS_SLAVE | MS_REC },
	{ "unbindable", MS_UNBINDABLE },
	{ "runbindable", MS_UNBINDABLE | MS_REC },
	{ NULL, 0 },
};

/*
 * Options without '=' that are not flags but the filesystem's own, passed
 * in the data string: devpts's newinstance, cgroup2's nsdelegate ...  Any
 * other bare word is refused: a typo such as "nosiud" must not become a
 * silent no-op or an EINVAL from mount(2) with no hint.
 */
static const char *const data_words[] = {
	"newinstance",  "nsdelegate", "memory_recursiveprot",
	"favordynmods", "userxattr",  "user_xattr",
	"acl",          "noacl",      "nouuid",
	"inode64",      "inode32",    "noswap",
	NULL,
};

static bool is_data_word(const char *opt)
{
	for (const char *const *w = data_words; *w; w++)
		if (strcmp(*w, opt) == 0)
			return true;
	return false;
}

/* Append @opt to the comma-separated data string of @m. */
static int append_data(struct oci_mount *m, const char *opt, const char *path,
		       struct kit_err *err)
{
	size_t old = m->data ? strlen(m->data) : 0, add = strlen(opt);
	char *data;

	/* mount(2) copies at most one page of data. */
	if (old + 1 + add >= 4096)
		return kit_err_set(err, E2BIG,
				   "mount(2) reads at most 4095 bytes of options",
				   "%s: filesystem options too long", path);
	data = realloc(m->data, old + 1 + add + 1);
	if (!data)
		return no_memory(path, err);
	if (old)
		data[old++] = ',';
	memcpy(data + old, opt, add + 1);
	m->data = data;
	return 0;
}

static int mount_option(struct oci_mount *m, const char *opt, const char *path,
			struct kit_err *err)
{
	const struct name_value *prop = lookup_name(propagations, opt);
	const struct mount_flag *f = mount_flags;

	if (opt[0] == '\0' || strchr(opt, ','))
		return kit_err_set(err, EINVAL, "give one option per array element",
				   "%s: %s is not a mount option", path, Q(opt));
	if (strcmp(opt, "bind") == 0 || strcmp(opt, "rbind") == 0) {
		m->bind = true;
		m->recursive = m->recursive || opt[0] == 'r';
		return 0;
	}
	if (prop) {
		m->propagation = (unsigned long)prop->value;
		return 0;
	}
	if (strcmp(opt, "tmpcopyup") == 0) {
		m->tmpcopyup = true;
		return 0;
	}
	while (f->name && strcmp(f->name, opt) != 0)
		f++;
	if (f->name) {
		unsigned long *set = f->recursive ? &m->rec_flags : &m->flags;
		unsigned long *clr = f->recursive ? &m->rec_clear_flags : &m->clear_flags;

		if (f->clear) {
			*clr |= f->flag;
			*set &= ~f->flag;
		} else {
			*set |= f->flag;
			*clr &= ~f->flag;
		}
		return 0;
	}
	if (strchr(opt, '=') || is_data_word(opt))
		return append_data(m, opt, path, err);
	return kit_err_set(err, EINVAL,
			   "not a mount flag, propagation or filesystem option "
			   "this runtime knows; see mount(8)",
			   "%s: unknown mount option %s", path, Q(opt));
}

static int parse_mount(const cJSON *obj, const char *path, struct oci_mount *m,
		       struct kit_err *err)
{
	char op[KIT_JSON_PATH_MAX], ep[KIT_JSON_PATH_MAX];

	TRY(get_path(obj, path, "destination", true, must_be_inside, &m->destination,
		     err));
	TRY(kit_json_get_string(obj, path, "type", false, &m->type, err));
	TRY(kit_json_get_string(obj, path, "source", false, &m->source, err));
	TRY(get_strings(obj, path, "options", false, NULL, &m->options, &m->n_options,
			err));
	if (m->type && strcmp(m->type, "bind") == 0)
		m->bind = true;
	kit_json_path_key(op, path, "options");
	for (size_t i = 0; i < m->n_options; i++)
		TRY(mount_option(m, m->options[i], kit_json_path_index(ep, op, i), err));
	if (m->bind && !m->source)
		return kit_err_set(err, ENOENT, "a bind mount needs a source",
				   "%s.source: required field missing", path);
	if (!m->bind && !m->type && !(m->flags & MS_REMOUNT) && !m->propagation)
		return kit_err_set(
			err, EINVAL, "give a filesystem type, or the option \"bind\"",
			"%s: a mount needs a type unless it is a bind mount", path);
	return 0;
}

static int parse_mounts(const cJSON *doc, struct oci_spec *spec, struct kit_err *err)
{
	char mp[KIT_JSON_PATH_MAX], ep[KIT_JSON_PATH_MAX];
	const cJSON *arr, *item;
	size_t n, i = 0;
	int ret = get_array(doc, "", "mounts", false, &arr, &n, err);

	if (ret != 0)
		return ret;
	kit_json_path_key(mp, "", "mounts");
	TRY(alloc_n((void **)&spec->mounts, n, 0, sizeof(*spec->mounts), mp, err));
	spec->n_mounts = n;
	cJSON_ArrayForEach(item, arr)
	{
		kit_json_path_index(ep, mp, i);
		TRY(elem_object(item, ep, err));
		TRY(parse_mount(item, ep, &spec->mounts[i++], err));
	}
	return 0;
}

/* ---- hooks ---------------------------------------------------------------- */

static int parse_hook_list(const cJSON *hooks, const char *path, const char *key,
			   struct oci_hook_list *list, struct kit_err *err)
{
	char lp[KIT_JSON_PATH_MAX], ep[KIT_JSON_PATH_MAX];
	const cJSON *arr, *item;
	size_t n, i = 0;
	int64_t v;
	int ret = get_array(hooks, path, key, false, &arr, &n, err);

	if (ret != 0)
		return ret;
	kit_json_path_key(lp, path, key);
	TRY(alloc_n((void **)&list->hooks, n, 0, sizeof(*list->hooks), lp, err));
	list->n = n;
	cJSON_ArrayForEach(item, arr)
	{
		struct oci_hook *h = &list->hooks[i];

		kit_json_path_index(ep, lp, i++);
		TRY(elem_object(item, ep, err));
		TRY(get_path(item, ep, "path", true, must_be_absolute, &h->path, err));
		TRY(get_strings(item, ep, "args", false, NULL, &h->args, &h->n_args,
				err));
		TRY(get_strings(item, ep, "env", false, check_env, &h->env, &h->n_env,
				err));
		/* The spec: "timeout ... MUST be greater than zero". */
		ret = kit_json_get_int(item, ep, "timeout", false, 1, INT_MAX, &v, err);
		TRY(ret);
		if (ret == 0)
			h->timeout = (int)v;
	}
	return 0;
}

static int parse_hooks(const cJSON *doc, struct oci_hooks *h, struct kit_err *err)
{
	char hp[KIT_JSON_PATH_MAX];
	const cJSON *hooks;
	int ret = kit_json_get_object(doc, "", "hooks", false, &hooks, err);

	if (ret != 0)
		return ret;
	kit_json_path_key(hp, "", "hooks");
	TRY(parse_hook_list(hooks, hp, "prestart", &h->prestart, err));
	TRY(parse_hook_list(hooks, hp, "createRuntime", &h->create_runtime, err));
	TRY(parse_hook_list(hooks, hp, "createContainer", &h->create_container, err));
	TRY(parse_hook_list(hooks, hp, "startContainer", &h->start_container, err));
	TRY(parse_hook_list(hooks, hp, "poststart", &h->poststart, err));
	TRY(parse_hook_list(hooks, hp, "poststop", &h->poststop, err));
	return 0;
}

/* ---- linux: namespaces and id mappings ------------------------------------ */

static const struct name_value namespace_names[] = {
	{ "pid", CLONE_NEWPID },       { "network", CLONE_NEWNET },
	{ "mount", CLONE_NEWNS },      { "ipc", CLONE_NEWIPC },
	{ "uts", CLONE_NEWUTS },       { "user", CLONE_NEWUSER },
	{ "cgroup", CLONE_NEWCGROUP }, { NULL, 0 },
};

const char *oci_namespace_name(int clone_flag)
{
	for (const struct name_value *nv = namespace_names; nv->name; nv++)
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
	TRY(get_named(item, path, "type", true, namespace_names, "namespace",
		      "expected pid, network, mount, ipc, uts, user or cgroup", &ns->type,
		      err));
	TRY(get_path(item, path, "path", false, must_be_absolute, &ns->path, err));
	return 0;
}

static int parse_namespaces(const cJSON *lx, const char *path, struct oci_linux *l,
			    struct kit_err *err)
{
	char np[KIT_JSON_PATH_MAX], ep[KIT_JSON_PATH_MAX];
	const cJSON *arr, *item;
	size_t n, i = 0;
	int ret = get_array(lx, path, "namespaces", false, &arr, &n, err);

	if (ret != 0)
		return ret;
	kit_json_path_key(np, path, "namespaces");
	TRY(alloc_n((void **)&l->namespaces, n, 0, sizeof(*l->namespaces), np, err));
	cJSON_ArrayForEach(item, arr)
	{
		struct oci_namespace *ns = &l->namespaces[i];

		kit_json_path_index(ep, np, i);
		TRY(elem_object(item, ep, err));
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
	TRY(get_u32(item, path, "containerID", true, &m->container_id, err));
	TRY(get_u32(item, path, "hostID", true, &m->host_id, err));
	TRY(get_u32(item, path, "size", true, &m->size, err));
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
	int ret = get_array(lx, path, key, false, &arr, &count, err);

	if (ret != 0)
		return ret;
	kit_json_path_key(mp, path, key);
	if (count > MAX_ID_MAP_LINES)
		return kit_err_set(err, E2BIG,
				   "the kernel takes at most 340 lines in uid_map",
				   "%s: %zu mappings", mp, count);
	TRY(alloc_n((void **)out, count, 0, sizeof(**out), mp, err));
	*n = count;
	cJSON_ArrayForEach(item, arr)
	{
		struct oci_id_mapping *m = &(*out)[i];

		kit_json_path_index(ep, mp, i);
		TRY(elem_object(item, ep, err));
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

	TRY(get_path(item, path, "path", true, must_be_inside, &d->path, err));
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
	ret = get_u32(item, path, "uid", false, &id, err);
	TRY(ret);
	if (ret == 0) {
		d->has_uid = true;
		d->uid = id;
	}
	ret = get_u32(item, path, "gid", false, &id, err);
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
	int ret = get_array(lx, path, "devices", false, &arr, &n, err);

	if (ret != 0)
		return ret;
	kit_json_path_key(dp, path, "devices");
	TRY(alloc_n((void **)&l->devices, n, 0, sizeof(*l->devices), dp, err));
	l->n_devices = n;
	cJSON_ArrayForEach(item, arr)
	{
		kit_json_path_index(ep, dp, i);
		TRY(elem_object(item, ep, err));
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
	ret = get_u64(cpu, cp, "shares", false, &r->cpu_shares, err);
	TRY(ret);
	r->has_cpu_shares = ret == 0;
	ret = kit_json_get_int(cpu, cp, "quota", false, -1, INT64_MAX, &r->cpu_quota,
			       err);
	TRY(ret);
	r->has_cpu_quota = ret == 0;
	ret = get_u64(cpu, cp, "period", false, &r->cpu_period, err);
	TRY(ret);
	r->has_cpu_period = ret == 0;
	TRY(kit_json_get_string(cpu, cp, "cpus", false, &r->cpuset_cpus, err));
	TRY(kit_json_get_string(cpu, cp, "mems", false, &r->cpuset_mems, err));
	return 0;
}

static int parse_resources(const cJSON *lx, const char *path, struct oci_linux *l,
			   struct kit_err *err)
{
	char rp[KIT_JSON_PATH_MAX], p[KIT_JSON_PATH_MAX], ep[KIT_JSON_PATH_MAX];
	struct oci_resources *r = &l->resources;
	const cJSON *res, *pids, *arr, *item;
	size_t n, i = 0;
	int ret = kit_json_get_object(lx, path, "resources", false, &res, err);

	if (ret != 0)
		return ret;
	l->has_resources = true;
	kit_json_path_key(rp, path, "resources");
	TRY(parse_memory(res, rp, r, err));
	TRY(parse_cpu(res, rp, r, err));
	ret = kit_json_get_object(res, rp, "pids", false, &pids, err);
	TRY(ret);
	if (ret == 0) {
		TRY(kit_json_get_int(pids, kit_json_path_key(p, rp, "pids"), "limit",
				     true, -1, INT64_MAX, &r->pids_limit, err));
		r->has_pids_limit = true;
	}
	TRY(get_string_map(res, rp, "unified", check_cgroup_file, &r->unified_keys,
			   &r->unified_values, &r->n_unified, err));
	ret = get_array(res, rp, "devices", false, &arr, &n, err);
	if (ret != 0)
		return ret < 0 ? ret : 0;
	kit_json_path_key(p, rp, "devices");
	TRY(alloc_n((void **)&r->devices, n, 0, sizeof(*r->devices), p, err));
	r->n_devices = n;
	cJSON_ArrayForEach(item, arr)
	{
		kit_json_path_index(ep, p, i);
		TRY(elem_object(item, ep, err));
		TRY(parse_device_rule(item, ep, &r->devices[i++], err));
	}
	return 0;
}

/* ---- linux: seccomp ------------------------------------------------------- */

static const struct name_value seccomp_actions[] = {
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

static const struct name_value seccomp_ops[] = {
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
	TRY(get_u64(item, path, "value", true, &a->value, err));
	TRY(get_u64(item, path, "valueTwo", false, &a->value_two, err));
	TRY(get_named(item, path, "op", true, seccomp_ops, "seccomp operator",
		      "expected SCMP_CMP_EQ, SCMP_CMP_NE, SCMP_CMP_MASKED_EQ ...", &op,
		      err));
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

	TRY(get_strings(item, path, "names", true, NULL, &r->names, &r->n_names, err));
	if (r->n_names == 0)
		return kit_err_set(err, EINVAL, "name at least one system call",
				   "%s.names: empty array", path);
	TRY(get_named(item, path, "action", true, seccomp_actions, "seccomp action",
		      "expected SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL ...",
		      &action, err));
	r->action = (enum oci_seccomp_action)action;
	TRY(get_errno_ret(item, path, "errnoRet", action, &r->has_errno, &r->errno_ret,
			  err));
	ret = get_array(item, path, "args", false, &arr, &n, err);
	if (ret != 0)
		return ret < 0 ? ret : 0;
	kit_json_path_key(ap, path, "args");
	TRY(alloc_n((void **)&r->args, n, 0, sizeof(*r->args), ap, err));
	r->n_args = n;
	cJSON_ArrayForEach(arg, arr)
	{
		kit_json_path_index(ep, ap, i);
		TRY(elem_object(arg, ep, err));
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
	TRY(get_named(sec, sp, "defaultAction", true, seccomp_actions, "seccomp action",
		      "expected SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL ...",
		      &action, err));
	s->default_action = (enum oci_seccomp_action)action;
	TRY(get_errno_ret(sec, sp, "defaultErrnoRet", action, &s->has_default_errno,
			  &s->default_errno, err));
	TRY(get_strings(sec, sp, "architectures", false, check_arch, &s->architectures,
			&s->n_architectures, err));
	TRY(get_strings(sec, sp, "flags", false, check_seccomp_flag, &s->flags,
			&s->n_flags, err));
	ret = get_array(sec, sp, "syscalls", false, &arr, &n, err);
	if (ret != 0)
		return ret < 0 ? ret : 0;
	kit_json_path_key(cp, sp, "syscalls");
	TRY(alloc_n((void **)&s->syscalls, n, 0, sizeof(*s->syscalls), cp, err));
	s->n_syscalls = n;
	cJSON_ArrayForEach(item, arr)
	{
		kit_json_path_index(ep, cp, i);
		TRY(elem_object(item, ep, err));
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

static int parse_linux(const cJSON *doc, struct oci_spec *spec, struct kit_err *err)
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
	TRY(get_string_map(lx, lp, "sysctl", check_sysctl, &l->sysctl_keys,
			   &l->sysctl_values, &l->n_sysctl, err));
	TRY(parse_seccomp(lx, lp, l, err));
	ret = kit_json_get_string(lx, lp, "rootfsPropagation", false, &prop, err);
	TRY(ret);
	if (ret == 0) {
		const struct name_value *nv = lookup_name(propagations, prop);

		if (!nv)
			return kit_err_set(err, EINVAL,
					   "expected private, rprivate, shared, rshared, "
					   "slave, rslave, unbindable or runbindable",
					   "%s: unknown propagation %s",
					   kit_json_path_key(p, lp, "rootfsPropagation"),
					   Q(prop));
		l->rootfs_propagation = (unsigned long)nv->value;
	}
	TRY(get_strings(lx, lp, "maskedPaths", false, must_be_inside, &l->masked_paths,
			&l->n_masked_paths, err));
	TRY(get_strings(lx, lp, "readonlyPaths", false, must_be_inside,
			&l->readonly_paths, &l->n_readonly_paths, err));
	TRY(kit_json_get_string(lx, lp, "mountLabel", false, &l->mount_label, err));
	return 0;
}

/* User namespaces and mappings come together (runc refuses one without the other). */
static int check_userns(const struct oci_linux *l, struct kit_err *err)
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

/* ---- the whole document --------------------------------------------------- */

/*
 * Duplicate keys: cJSON keeps the first {"args": ...}, Go's encoding/json
 * (runc, containerd) the last.  A config.json that two programs read two
 * ways is a way to fool a checker, so any object with a repeated key is
 * refused, anywhere in the document.  Sorting the keys keeps this
 * O(n log n) on hostile objects with many members.
 */
static int by_string(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/*
 * Keys end up in every message's JSON path, so a key with control
 * characters (an escape sequence for the terminal) is refused here too.
 */
static int check_keys(const cJSON *obj, const char *path, struct kit_err *err)
{
	_autofree const char **keys = NULL;
	char p[KIT_JSON_PATH_MAX];
	const cJSON *item;
	size_t n = 0, i = 0;

	cJSON_ArrayForEach(item, obj)
	{
		n++;
	}
	if (cJSON_IsObject(obj) && n > 1) {
		keys = calloc(n, sizeof(*keys));
		if (!keys)
			return no_memory(path, err);
		cJSON_ArrayForEach(item, obj)
		{
			keys[i++] = item->string;
		}
		qsort(keys, n, sizeof(*keys), by_string);
		for (i = 1; i < n; i++)
			if (strcmp(keys[i - 1], keys[i]) == 0)
				return kit_err_set(err, EINVAL, "a key may appear once",
						   "%s: duplicate key %s",
						   path[0] ? path : ".", Q(keys[i]));
	}
	i = 0;
	cJSON_ArrayForEach(item, obj)
	{
		if (cJSON_IsObject(obj) && has_control(item->string))
			return kit_err_set(err, EINVAL,
					   "keys are names, not terminal controls",
					   "%s: key %s has control characters",
					   path[0] ? path : ".", Q(item->string));
		if (cJSON_IsObject(obj))
			kit_json_path_key(p, path, item->string);
		else
			kit_json_path_index(p, path, i++);
		if (cJSON_IsObject(item) || cJSON_IsArray(item))
			TRY(check_keys(item, p, err));
	}
	return 0;
}

static int parse_root(const cJSON *doc, struct oci_spec *spec, struct kit_err *err)
{
	const cJSON *root;

	TRY(kit_json_get_object(doc, "", "root", true, &root, err));
	TRY(kit_json_get_string(root, ".root", "path", true, &spec->root_path, err));
	if (spec->root_path[0] == '\0')
		return kit_err_set(err, EINVAL, "e.g. \"rootfs\", relative to the bundle",
				   ".root.path: empty path");
	TRY(kit_json_get_bool(root, ".root", "readonly", false, &spec->root_readonly,
			      err));
	return 0;
}

static int parse_doc(const cJSON *doc, struct oci_spec *spec, struct kit_err *err)
{
	const cJSON *proc;

	TRY(check_keys(doc, "", err));
	TRY(kit_json_get_string(doc, "", "ociVersion", true, &spec->oci_version, err));
	TRY(parse_root(doc, spec, err));
	TRY(kit_json_get_string(doc, "", "hostname", false, &spec->hostname, err));
	TRY(kit_json_get_string(doc, "", "domainname", false, &spec->domainname, err));
	/* sethostname(2) and setdomainname(2) take at most 64 bytes. */
	if (spec->hostname && strlen(spec->hostname) > 64)
		return kit_err_set(err, EINVAL, "sethostname(2) takes at most 64 bytes",
				   ".hostname: too long");
	if (spec->domainname && strlen(spec->domainname) > 64)
		return kit_err_set(err, EINVAL, "setdomainname(2) takes at most 64 bytes",
				   ".domainname: too long");
	TRY(kit_json_get_object(doc, "", "process", true, &proc, err));
	TRY(parse_process(proc, ".process", &spec->process, err));
	TRY(parse_mounts(doc, spec, err));
	TRY(parse_hooks(doc, &spec->hooks, err));
	TRY(parse_linux(doc, spec, err));
	TRY(check_userns(&spec->linux_, err));
	TRY(get_string_map(doc, "", "annotations", NULL, &spec->annotation_keys,
			   &spec->annotation_values, &spec->n_annotations, err));
	return 0;
}

/* Parse @text, then check and read it with @parse; the common half of the two below. */
static int
parse_with(const char *text, size_t len, const char *name, struct oci_spec *spec,
	   int (*parse)(const cJSON *doc, struct oci_spec *spec, struct kit_err *err),
	   struct kit_err *err)
{
	cJSON *doc = NULL;
	int ret;

	memset(spec, 0, sizeof(*spec));
	ret = kit_json_parse(text, len, name, &doc, err);
	if (ret < 0)
		return ret;
	spec->doc = doc;
	if (!cJSON_IsObject(doc))
		ret = kit_err_set(err, EINVAL, "the file holds one JSON object",
				  ".: expected an object, got %s",
				  kit_json_type_name(doc));
	else
		ret = parse(doc, spec, err);
	if (ret < 0) {
		kit_err_wrap(err, "%s", name);
		oci_spec_free(spec);
	}
	return ret < 0 ? ret : 0;
}

int oci_spec_parse(const char *text, size_t len, const char *name, struct oci_spec *spec,
		   struct kit_err *err)
{
	return parse_with(text, len, name, spec, parse_doc, err);
}

static int parse_process_doc(const cJSON *doc, struct oci_spec *spec, struct kit_err *err)
{
	TRY(check_keys(doc, "", err));
	return parse_process(doc, "", &spec->process, err);
}

int oci_process_parse(const char *text, size_t len, const char *name,
		      struct oci_spec *spec, struct kit_err *err)
{
	return parse_with(text, len, name, spec, parse_process_doc, err);
}

int oci_spec_load(const char *path, struct oci_spec *spec, struct kit_err *err)
{
	_autofree char *text = NULL;
	const char *base = strrchr(path, '/');
	size_t len;
	int ret;

	memset(spec, 0, sizeof(*spec));
	ret = kit_read_file(path, KIT_JSON_MAX_BYTES, &text, &len, err);
	if (ret < 0)
		return ret;
	return oci_spec_parse(text, len, base ? base + 1 : path, spec, err);
}

static void free_hook_list(struct oci_hook_list *list)
{
	for (size_t i = 0; list->hooks && i < list->n; i++) {
		free(list->hooks[i].args);
		free(list->hooks[i].env);
	}
	free(list->hooks);
}

static void free_linux(struct oci_linux *l)
{
	free(l->namespaces);
	free(l->uid_mappings);
	free(l->gid_mappings);
	free(l->devices);
	free(l->resources.devices);
	free(l->resources.unified_keys);
	free(l->resources.unified_values);
	free(l->sysctl_keys);
	free(l->sysctl_values);
	free(l->seccomp.architectures);
	free(l->seccomp.flags);
	for (size_t i = 0; l->seccomp.syscalls && i < l->seccomp.n_syscalls; i++) {
		free(l->seccomp.syscalls[i].names);
		free(l->seccomp.syscalls[i].args);
	}
	free(l->seccomp.syscalls);
	free(l->masked_paths);
	free(l->readonly_paths);
}

void oci_spec_free(struct oci_spec *spec)
{
	struct oci_process *p = &spec->process;

	free(p->args);
	free(p->env);
	free(p->additional_gids);
	free(p->rlimits);
	for (size_t i = 0; spec->mounts && i < spec->n_mounts; i++) {
		free(spec->mounts[i].options);
		free(spec->mounts[i].data);
	}
	free(spec->mounts);
	free_hook_list(&spec->hooks.prestart);
	free_hook_list(&spec->hooks.create_runtime);
	free_hook_list(&spec->hooks.create_container);
	free_hook_list(&spec->hooks.start_container);
	free_hook_list(&spec->hooks.poststart);
	free_hook_list(&spec->hooks.poststop);
	free_linux(&spec->linux_);
	free(spec->annotation_keys);
	free(spec->annotation_values);
	cJSON_Delete(spec->doc);
	memset(spec, 0, sizeof(*spec));
}

/* ---- the default config.json ---------------------------------------------- */

/*
 * Building a document can only fail for lack of memory; every helper says
 * false then, and oci_spec_default() deletes what was built.
 */

/* Add @key: [@list...] (NULL-terminated) to @obj. */
static bool add_strings(cJSON *obj, const char *key, const char *const *list)
{
	cJSON *arr = cJSON_AddArrayToObject(obj, key);

	for (; arr && *list; list++) {
		cJSON *s = cJSON_CreateString(*list);

		if (!s || !cJSON_AddItemToArray(arr, s)) {
			cJSON_Delete(s);
			return false;
		}
	}
	return arr != NULL;
}

/* A new object appended to the array @arr; NULL when out of memory. */
static cJSON *add_object(cJSON *arr)
{
	cJSON *obj = cJSON_CreateObject();

	if (obj && cJSON_AddItemToArray(arr, obj))
		return obj;
	cJSON_Delete(obj);
	return NULL;
}

/* One entry of "mounts"; @options NULL-terminated, or NULL for none. */
static bool add_mount(cJSON *mounts, const char *dest, const char *type, const char *src,
		      const char *const *options)
{
	cJSON *m = add_object(mounts);

	return m && cJSON_AddStringToObject(m, "destination", dest) &&
	       cJSON_AddStringToObject(m, "type", type) &&
	       cJSON_AddStringToObject(m, "source", src) &&
	       (!options || add_strings(m, "options", options));
}

static bool default_process(cJSON *doc)
{
	static const char *const args[] = { "sh", NULL };
	static const char *const env[] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"TERM=xterm", NULL
	};
	/* The small set runc's default grants: enough for a shell. */
	static const char *const caps[] = { "CAP_AUDIT_WRITE", "CAP_KILL",
					    "CAP_NET_BIND_SERVICE", NULL };
	static const char *const sets[] = { "bounding", "effective", "permitted",
					    "ambient", NULL };
	cJSON *proc = cJSON_AddObjectToObject(doc, "process");
	cJSON *user = proc ? cJSON_AddObjectToObject(proc, "user") : NULL;
	cJSON *cap = proc ? cJSON_AddObjectToObject(proc, "capabilities") : NULL;
	cJSON *rlimits = proc ? cJSON_AddArrayToObject(proc, "rlimits") : NULL;
	cJSON *nofile = rlimits ? add_object(rlimits) : NULL;
	bool ok = user && cap && nofile &&
		  cJSON_AddBoolToObject(proc, "terminal", true) &&
		  cJSON_AddNumberToObject(user, "uid", 0) &&
		  cJSON_AddNumberToObject(user, "gid", 0) &&
		  add_strings(proc, "args", args) && add_strings(proc, "env", env) &&
		  cJSON_AddStringToObject(proc, "cwd", "/") &&
		  cJSON_AddStringToObject(nofile, "type", "RLIMIT_NOFILE") &&
		  cJSON_AddNumberToObject(nofile, "hard", 1024) &&
		  cJSON_AddNumberToObject(nofile, "soft", 1024) &&
		  cJSON_AddBoolToObject(proc, "noNewPrivileges", true);

	for (const char *const *s = sets; ok && *s; s++)
		ok = add_strings(cap, *s, caps);
	return ok;
}

/*
 * The usual mounts.  Rootless: sysfs cannot be mounted without owning a
 * network namespace, so /sys is a read-only bind of the host's, and devpts
 * gets no gid=5 (the tty group is not mapped).  Like runc's, the cgroup
 * mount stays only in the default with root.
 */
static bool default_mounts(cJSON *doc, bool rootless)
{
	static const char *const dev[] = { "nosuid", "strictatime", "mode=755",
					   "size=65536k", NULL };
	static const char *const pts[] = { "nosuid",      "noexec",
					   "newinstance", "ptmxmode=0666",
					   "mode=0620",   "gid=5",
					   NULL };
	static const char *const pts_rootless[] = { "nosuid",      "noexec",
						    "newinstance", "ptmxmode=0666",
						    "mode=0620",   NULL };
	static const char *const shm[] = { "nosuid",    "noexec",      "nodev",
					   "mode=1777", "size=65536k", NULL };
	static const char *const safe[] = { "nosuid", "noexec", "nodev", NULL };
	static const char *const sys[] = { "nosuid", "noexec", "nodev", "ro", NULL };
	static const char *const sys_bind[] = { "rbind", "nosuid", "noexec",
						"nodev", "ro",     NULL };
	static const char *const cgroup[] = { "nosuid",   "noexec", "nodev",
					      "relatime", "ro",     NULL };
	cJSON *mounts = cJSON_AddArrayToObject(doc, "mounts");

	if (!mounts || !add_mount(mounts, "/proc", "proc", "proc", NULL) ||
	    !add_mount(mounts, "/dev", "tmpfs", "tmpfs", dev) ||
	    !add_mount(mounts, "/dev/pts", "devpts", "devpts",
		       rootless ? pts_rootless : pts) ||
	    !add_mount(mounts, "/dev/shm", "tmpfs", "shm", shm) ||
	    !add_mount(mounts, "/dev/mqueue", "mqueue", "mqueue", safe))
		return false;
	if (rootless)
		return add_mount(mounts, "/sys", "none", "/sys", sys_bind);
	return add_mount(mounts, "/sys", "sysfs", "sysfs", sys) &&
	       add_mount(mounts, "/sys/fs/cgroup", "cgroup", "cgroup", cgroup);
}

/* @key: [{"containerID": 0, "hostID": @id, "size": 1}] in @lx. */
static bool add_mapping(cJSON *lx, const char *key, unsigned id)
{
	cJSON *arr = cJSON_AddArrayToObject(lx, key);
	cJSON *m = arr ? add_object(arr) : NULL;

	return m && cJSON_AddNumberToObject(m, "containerID", 0) &&
	       cJSON_AddNumberToObject(m, "hostID", id) &&
	       cJSON_AddNumberToObject(m, "size", 1);
}

static bool default_linux(cJSON *doc, bool rootless, uid_t uid, gid_t gid)
{
	static const char *const masked[] = { "/proc/acpi",
					      "/proc/asound",
					      "/proc/kcore",
					      "/proc/keys",
					      "/proc/latency_stats",
					      "/proc/timer_list",
					      "/proc/timer_stats",
					      "/proc/sched_debug",
					      "/sys/firmware",
					      "/proc/scsi",
					      NULL };
	static const char *const readonly[] = { "/proc/bus",           "/proc/fs",
						"/proc/irq",           "/proc/sys",
						"/proc/sysrq-trigger", NULL };
	/* Rootless: a user namespace instead of a network namespace, which
	 * would leave the container without any network at all. */
	const char *const types[] = { "pid",   rootless ? "user" : "network",
				      "ipc",   "uts",
				      "mount", NULL };
	cJSON *lx = cJSON_AddObjectToObject(doc, "linux");
	cJSON *nss = lx ? cJSON_AddArrayToObject(lx, "namespaces") : NULL;
	bool ok = nss != NULL;

	for (const char *const *t = types; ok && *t; t++) {
		cJSON *ns = add_object(nss);

		ok = ns && cJSON_AddStringToObject(ns, "type", *t);
	}
	if (ok && rootless)
		ok = add_mapping(lx, "uidMappings", uid) &&
		     add_mapping(lx, "gidMappings", gid);
	if (ok && !rootless) {
		/* Deny every device, as runc's default does; the runtime
		 * allows the few a container needs. */
		cJSON *res = cJSON_AddObjectToObject(lx, "resources");
		cJSON *devs = res ? cJSON_AddArrayToObject(res, "devices") : NULL;
		cJSON *deny = devs ? add_object(devs) : NULL;

		ok = deny && cJSON_AddBoolToObject(deny, "allow", false) &&
		     cJSON_AddStringToObject(deny, "access", "rwm");
	}
	return ok && add_strings(lx, "maskedPaths", masked) &&
	       add_strings(lx, "readonlyPaths", readonly);
}

cJSON *oci_spec_default(bool rootless, uid_t uid, gid_t gid)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON *root = doc ? cJSON_AddObjectToObject(doc, "root") : NULL;
	bool ok = root && cJSON_AddStringToObject(doc, "ociVersion", "1.0.2") &&
		  cJSON_AddStringToObject(root, "path", "rootfs") &&
		  cJSON_AddBoolToObject(root, "readonly", true) &&
		  cJSON_AddStringToObject(doc, "hostname", "mini-runc") &&
		  default_process(doc) && default_mounts(doc, rootless) &&
		  default_linux(doc, rootless, uid, gid);

	if (!ok) {
		cJSON_Delete(doc);
		return NULL;
	}
	return doc;
}
