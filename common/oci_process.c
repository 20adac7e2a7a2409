/* SPDX-License-Identifier: MIT */
/*
 * oci_process.c - config.json's process, mounts and hooks, read into struct
 * oci_spec (part of the parser: see oci_spec.c for the map, kit/oci.h for
 * the contract).  Article: §3.1 低级容器运行时.
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

int oci_capability_number(const char *name)
{
	for (unsigned c = 0; c < N_CAPS; c++)
		if (cap_names[c] && strcmp(cap_names[c], name) == 0)
			return (int)c;
	return -1;
}

static int cap_set(const cJSON *caps, const char *path, const char *key, uint64_t *set,
		   struct kit_err *err)
{
	const char **names = NULL;
	size_t n = 0;
	char p[KIT_JSON_PATH_MAX], ep[KIT_JSON_PATH_MAX];
	int ret = oci_get_strings(caps, path, key, false, NULL, &names, &n, err);

	if (ret != 0) {
		free(names);
		return ret;
	}
	kit_json_path_key(p, path, key);
	for (size_t i = 0; i < n; i++) {
		int c = oci_capability_number(names[i]);

		if (c < 0) {
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

static const struct oci_name_value rlimit_names[] = {
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
	int ret = oci_get_array(proc, path, "rlimits", false, &arr, &p->n_rlimits, err);

	if (ret != 0)
		return ret;
	kit_json_path_key(rp, path, "rlimits");
	TRY(oci_alloc_n((void **)&p->rlimits, p->n_rlimits, 0, sizeof(*p->rlimits), rp,
			err));
	cJSON_ArrayForEach(item, arr)
	{
		struct oci_rlimit *rl = &p->rlimits[i];

		kit_json_path_index(ep, rp, i);
		TRY(oci_elem_object(item, ep, err));
		TRY(oci_get_named(
			item, ep, "type", true, rlimit_names, "rlimit",
			"expected RLIMIT_NOFILE, RLIMIT_NPROC ... (see getrlimit(2))",
			&rl->resource, err));
		TRY(oci_get_u64(item, ep, "soft", true, &rl->soft, err));
		TRY(oci_get_u64(item, ep, "hard", true, &rl->hard, err));
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
	TRY(oci_get_u32(user, up, "uid", true, &p->uid, err));
	TRY(oci_get_u32(user, up, "gid", true, &p->gid, err));
	ret = kit_json_get_int(user, up, "umask", false, 0, 0777, &v, err);
	TRY(ret);
	if (ret == 0) {
		p->has_umask = true;
		p->umask = (mode_t)v;
	}
	ret = oci_get_array(user, up, "additionalGids", false, &arr,
			    &p->n_additional_gids, err);
	if (ret != 0)
		return ret < 0 ? ret : 0;
	kit_json_path_key(gp, up, "additionalGids");
	TRY(oci_alloc_n((void **)&p->additional_gids, p->n_additional_gids, 0,
			sizeof(*p->additional_gids), gp, err));
	cJSON_ArrayForEach(item, arr)
	{
		TRY(oci_elem_int(item, kit_json_path_index(ep, gp, i), 0, UINT32_MAX, &v,
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
int oci_parse_process(const cJSON *proc, const char *pp, struct oci_process *p,
		      struct kit_err *err)
{
	int64_t v;
	int ret;

	TRY(kit_json_get_bool(proc, pp, "terminal", false, &p->terminal, err));
	TRY(parse_console(proc, pp, p, err));
	TRY(parse_user(proc, pp, p, err));
	TRY(oci_get_strings(proc, pp, "args", true, NULL, &p->args, &p->n_args, err));
	if (p->n_args == 0 || p->args[0][0] == '\0')
		return kit_err_set(err, EINVAL, "name the program to run, e.g. [\"sh\"]",
				   "%s.args: %s", pp,
				   p->n_args ? "the program name is empty"
					     : "empty array");
	TRY(oci_get_strings(proc, pp, "env", false, check_env, &p->env, &p->n_env, err));
	TRY(oci_get_path(proc, pp, "cwd", true, oci_must_be_absolute, &p->cwd, err));
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
const struct oci_name_value oci_propagations[] = {
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
		return oci_no_memory(path, err);
	if (old)
		data[old++] = ',';
	memcpy(data + old, opt, add + 1);
	m->data = data;
	return 0;
}

static int mount_option(struct oci_mount *m, const char *opt, const char *path,
			struct kit_err *err)
{
	const struct oci_name_value *prop = oci_lookup_name(oci_propagations, opt);
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

	TRY(oci_get_path(obj, path, "destination", true, oci_must_be_inside,
			 &m->destination, err));
	TRY(kit_json_get_string(obj, path, "type", false, &m->type, err));
	TRY(kit_json_get_string(obj, path, "source", false, &m->source, err));
	TRY(oci_get_strings(obj, path, "options", false, NULL, &m->options, &m->n_options,
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

int oci_parse_mounts(const cJSON *doc, struct oci_spec *spec, struct kit_err *err)
{
	char mp[KIT_JSON_PATH_MAX], ep[KIT_JSON_PATH_MAX];
	const cJSON *arr, *item;
	size_t n, i = 0;
	int ret = oci_get_array(doc, "", "mounts", false, &arr, &n, err);

	if (ret != 0)
		return ret;
	kit_json_path_key(mp, "", "mounts");
	TRY(oci_alloc_n((void **)&spec->mounts, n, 0, sizeof(*spec->mounts), mp, err));
	spec->n_mounts = n;
	cJSON_ArrayForEach(item, arr)
	{
		kit_json_path_index(ep, mp, i);
		TRY(oci_elem_object(item, ep, err));
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
	int ret = oci_get_array(hooks, path, key, false, &arr, &n, err);

	if (ret != 0)
		return ret;
	kit_json_path_key(lp, path, key);
	TRY(oci_alloc_n((void **)&list->hooks, n, 0, sizeof(*list->hooks), lp, err));
	list->n = n;
	cJSON_ArrayForEach(item, arr)
	{
		struct oci_hook *h = &list->hooks[i];

		kit_json_path_index(ep, lp, i++);
		TRY(oci_elem_object(item, ep, err));
		TRY(oci_get_path(item, ep, "path", true, oci_must_be_absolute, &h->path,
				 err));
		TRY(oci_get_strings(item, ep, "args", false, NULL, &h->args, &h->n_args,
				    err));
		TRY(oci_get_strings(item, ep, "env", false, check_env, &h->env, &h->n_env,
				    err));
		/* The spec: "timeout ... MUST be greater than zero". */
		ret = kit_json_get_int(item, ep, "timeout", false, 1, INT_MAX, &v, err);
		TRY(ret);
		if (ret == 0)
			h->timeout = (int)v;
	}
	return 0;
}

int oci_parse_hooks(const cJSON *doc, struct oci_hooks *h, struct kit_err *err)
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

/* ---- what this parser recognizes (oci_features) ---------------------------- */

void oci_features_process(cJSON *features, cJSON *lx)
{
	static const char *const hooks[] = { "prestart",        "createRuntime",
					     "createContainer", "startContainer",
					     "poststart",       "poststop" };
	cJSON *h = cJSON_AddArrayToObject(features, "hooks");
	cJSON *opts = cJSON_AddArrayToObject(features, "mountOptions");
	cJSON *caps = cJSON_AddArrayToObject(lx, "capabilities");

	for (size_t i = 0; h && i < sizeof(hooks) / sizeof(hooks[0]); i++)
		cJSON_AddItemToArray(h, cJSON_CreateString(hooks[i]));
	if (opts) {
		cJSON_AddItemToArray(opts, cJSON_CreateString("bind"));
		cJSON_AddItemToArray(opts, cJSON_CreateString("rbind"));
		/* Not "tmpcopyup" and the recursive "r" flags: parsed, but
		 * mini-runc does not apply them yet (mounts.c). */
		for (const struct mount_flag *f = mount_flags; f->name; f++)
			if (!f->recursive)
				cJSON_AddItemToArray(opts, cJSON_CreateString(f->name));
		for (const struct oci_name_value *p = oci_propagations; p->name; p++)
			cJSON_AddItemToArray(opts, cJSON_CreateString(p->name));
	}
	for (size_t c = 0; caps && c < N_CAPS; c++)
		if (cap_names[c])
			cJSON_AddItemToArray(caps, cJSON_CreateString(cap_names[c]));
}
