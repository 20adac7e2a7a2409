/* SPDX-License-Identifier: MIT */
/*
 * test_oci_spec.c - unit tests for common/oci_spec.c: every field of a full
 * config.json read into struct oci_spec; what runc and containerd write;
 * the default `mini-runc spec` writes, parsed back; and every refusal, with
 * its exact message, leaving nothing allocated (run under ASan too).
 *
 * The refusals start from the smallest config.json the parser accepts and
 * change one member (mutate()): each case is a JSON path, the JSON text put
 * there, and the message expected.  The data files in tests/unit/data/oci/
 * are described in the README.md there: runc-spec*.json, ctr-oci-spec.json,
 * containerd-*.json and dockerd-*.json are generated outputs of runc spec,
 * ctr oci spec, and of real containerd and dockerd running a container,
 * stored unchanged; full.json was written for these tests.
 *
 * calloc() and realloc() are linked through --wrap (test_oci_spec_WRAP in
 * chapters/06-runc/chapter.mk) so that the out-of-memory tests can make
 * each of the parser's allocations fail in turn.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h> /* cmocka.h needs these three first */
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>
#include <linux/capability.h>

#include "kit/file.h"
#include "kit/json.h"
#include "kit/oci.h"
#include "unit.h"

#define BIT(cap) (UINT64_C(1) << (cap))

/* ---- helpers ----------------------------------------------------------- */

/* The smallest config.json oci_spec_parse() accepts. */
static const char base_json[] =
	"{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": "
	"\"rootfs\"}, \"process\": {\"user\": {\"uid\": 0, \"gid\": "
	"0}, \"args\": [\"sh\"], \"cwd\": \"/\"}}";

/*
 * tests/unit/data/oci/@name in @buf (PATH_MAX): found from the current
 * directory (the repository's top, as make runs tests), or else by walking
 * up from the test program (build/.../tests/test_oci_spec).
 */
static char *data_file(char *buf, const char *name)
{
	char exe[PATH_MAX];
	ssize_t n;

	FMT(buf, PATH_MAX, "tests/unit/data/oci/%s", name);
	if (access(buf, R_OK) == 0)
		return buf;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(n > 0);
	exe[n] = '\0';
	for (char *slash = strrchr(exe, '/'); slash; slash = strrchr(exe, '/')) {
		*slash = '\0';
		FMT(buf, PATH_MAX, "%s/tests/unit/data/oci/%s", exe, name);
		if (access(buf, R_OK) == 0)
			return buf;
	}
	fail_msg("tests/unit/data/oci/%s not found", name);
	return NULL;
}

/* Load a data file that the test knows is valid. */
static void load_ok(const char *name, struct oci_spec *spec)
{
	struct kit_err err = { 0 };
	char path[PATH_MAX];

	if (oci_spec_load(data_file(path, name), spec, &err) < 0)
		fail_msg("%s", err.msg);
}

/* Parse @text, which the test knows is valid. */
static void parse_ok(const char *text, struct oci_spec *spec)
{
	struct kit_err err = { 0 };

	if (oci_spec_parse(text, strlen(text), "config.json", spec, &err) < 0)
		fail_msg("%s", err.msg);
}

/*
 * base_json with the member at @path (".a.b": objects only, made where
 * missing) replaced by the JSON text @value; printed, caller frees.
 */
static char *mutate(const char *path, const char *value)
{
	cJSON *doc = cJSON_Parse(base_json), *obj = doc, *v = cJSON_Parse(value);
	char key[128], *text;
	const char *p = path;

	assert_non_null(doc);
	if (!v)
		fail_msg("test bug: bad JSON for %s: %.80s", path, value);
	while (*p == '.') {
		size_t n = strcspn(p + 1, ".");
		cJSON *next;

		assert_true(n < sizeof(key));
		memcpy(key, p + 1, n);
		key[n] = '\0';
		p += 1 + n;
		if (*p == '\0') {
			if (cJSON_HasObjectItem(obj, key))
				cJSON_ReplaceItemInObjectCaseSensitive(obj, key, v);
			else
				cJSON_AddItemToObject(obj, key, v);
			break;
		}
		next = cJSON_GetObjectItemCaseSensitive(obj, key);
		if (!next)
			next = cJSON_AddObjectToObject(obj, key);
		obj = next;
	}
	text = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	return text;
}

/* A JSON array of @n copies of @elem, malloc'd. */
static char *repeat(const char *elem, size_t n)
{
	size_t len = strlen(elem);
	char *s = malloc(n * (len + 1) + 2), *p = s;

	assert_non_null(s);
	*p++ = '[';
	for (size_t i = 0; i < n; i++) {
		if (i)
			*p++ = ',';
		memcpy(p, elem, len);
		p += len;
	}
	*p++ = ']';
	*p = '\0';
	return s;
}

/* oci_spec_parse(@text) must fail with -@code and exactly @msg, leaving a
 * zeroed spec (ASan checks that nothing leaked). */
static void refused(const char *what, const char *text, size_t len, int code,
		    const char *msg)
{
	static const struct oci_spec zero;
	struct kit_err err = { 0 };
	struct oci_spec spec;
	int ret;

	memset(&spec, 0x5a, sizeof(spec)); /* the parser must not read it */
	ret = oci_spec_parse(text, len, "config.json", &spec, &err);
	if (ret != -code || err.code != code || strcmp(err.msg, msg) != 0)
		fail_msg("%s:\n  want %d %s\n  got  %d %s", what, -code, msg, ret,
			 err.msg);
	if (memcmp(&spec, &zero, sizeof(spec)) != 0)
		fail_msg("%s: spec not zeroed after a refusal", what);
}

struct bad {
	const char *path;  /* where mutate() puts @value */
	const char *value; /* JSON text */
	int code;
	const char *msg; /* after "config.json: " */
};

static void check_bad(const struct bad *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *text = mutate(cases[i].path, cases[i].value);
		char what[256], msg[600];

		FMT(what, sizeof(what), "%s = %.120s", cases[i].path, cases[i].value);
		FMT(msg, sizeof(msg), "config.json: %s", cases[i].msg);
		refused(what, text, strlen(text), cases[i].code, msg);
		free(text);
	}
}

#define CHECK_BAD(cases) check_bad(cases, sizeof(cases) / sizeof(cases[0]))

/* Hints the parser gives again and again. */
#define MISSING  ": ENOENT (this field must be present)"
#define BAD_TYPE ": EINVAL (fix the type of this field)"
#define RANGE    ": ERANGE (Numerical result out of range)"
#define ABSOLUTE ": EINVAL (the spec wants an absolute path here)"

/* ---- every field of a full config.json --------------------------------- */

static void test_full_top_level_and_root(void **state)
{
	struct oci_spec s;
	(void)state;

	load_ok("full.json", &s);
	assert_non_null(s.doc);
	assert_string_equal(s.oci_version, "1.2.0");
	assert_string_equal(s.root_path, "/var/lib/kit/rootfs");
	assert_false(s.root_readonly);
	assert_string_equal(s.hostname, "web");
	assert_string_equal(s.domainname, "example.org");
	assert_int_equal(s.n_annotations, 2);
	assert_string_equal(s.annotation_keys[0], "org.example.owner");
	assert_string_equal(s.annotation_values[0], "kit");
	assert_string_equal(s.annotation_keys[1], "empty");
	assert_string_equal(s.annotation_values[1], "");
	assert_null(s.annotation_keys[2]);
	assert_null(s.annotation_values[2]);
	oci_spec_free(&s);
}

static void test_full_process(void **state)
{
	struct oci_spec s;
	const struct oci_process *p = &s.process;
	(void)state;

	load_ok("full.json", &s);
	assert_false(p->terminal);
	assert_int_equal(p->console_height, 25);
	assert_int_equal(p->console_width, 80);
	assert_int_equal(p->n_args, 3);
	assert_string_equal(p->args[0], "/bin/busybox");
	assert_string_equal(p->args[2], "-f");
	assert_null(p->args[3]);
	assert_int_equal(p->n_env, 3);
	assert_string_equal(p->env[1], "EMPTY=");
	assert_string_equal(p->env[2], "A=b=c");
	assert_null(p->env[3]);
	assert_string_equal(p->cwd, "/srv");
	assert_int_equal(p->uid, 1000);
	assert_int_equal(p->gid, 100);
	assert_true(p->has_umask);
	assert_int_equal(p->umask, 022);
	assert_int_equal(p->n_additional_gids, 2);
	assert_int_equal(p->additional_gids[0], 5);
	assert_int_equal(p->additional_gids[1], 4294967295u);
	assert_true(p->no_new_privileges);
	assert_true(p->has_oom_score_adj);
	assert_int_equal(p->oom_score_adj, -500);
	assert_string_equal(p->apparmor_profile, "kit-default");
	assert_string_equal(p->selinux_label, "system_u:system_r:container_t:s0");
	oci_spec_free(&s);
}

static void test_full_capabilities_all_five_sets(void **state)
{
	struct oci_spec s;
	const struct oci_caps *c = &s.process.caps;
	(void)state;

	load_ok("full.json", &s);
	assert_true(s.process.has_caps);
	assert_int_equal(c->bounding, BIT(CAP_CHOWN) | BIT(CAP_NET_BIND_SERVICE) |
					      BIT(CAP_CHECKPOINT_RESTORE));
	assert_int_equal(c->effective, BIT(CAP_NET_BIND_SERVICE));
	assert_int_equal(c->inheritable, BIT(CAP_KILL));
	assert_int_equal(c->permitted, BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_SYS_ADMIN));
	assert_int_equal(c->ambient, 0);
	oci_spec_free(&s);
}

static void test_full_rlimits_and_infinity(void **state)
{
	struct oci_spec s;
	(void)state;

	load_ok("full.json", &s);
	assert_int_equal(s.process.n_rlimits, 2);
	assert_int_equal(s.process.rlimits[0].resource, RLIMIT_NOFILE);
	assert_int_equal(s.process.rlimits[0].soft, 1024);
	assert_int_equal(s.process.rlimits[0].hard, 4096);
	/* 18446744073709551615 (Go's ^uint64(0)) is RLIM_INFINITY. */
	assert_int_equal(s.process.rlimits[1].resource, RLIMIT_CORE);
	assert_true(s.process.rlimits[1].soft == UINT64_MAX);
	assert_true(s.process.rlimits[1].hard == RLIM_INFINITY);
	oci_spec_free(&s);
}

static void test_full_mount_options_become_flags_and_data(void **state)
{
	struct oci_spec s;
	const struct oci_mount *m;
	(void)state;

	load_ok("full.json", &s);
	assert_int_equal(s.n_mounts, 5);
	m = &s.mounts[0];
	assert_string_equal(m->destination, "/proc");
	assert_string_equal(m->type, "proc");
	assert_string_equal(m->source, "proc");
	assert_int_equal(m->n_options, 0);
	assert_null(m->options);
	assert_int_equal(m->flags, 0);
	assert_null(m->data);

	/* Flags out, the filesystem's own options joined in data. */
	m = &s.mounts[1];
	assert_int_equal(m->n_options, 6);
	assert_string_equal(m->options[2], "newinstance");
	assert_null(m->options[6]);
	assert_int_equal(m->flags, MS_NOSUID | MS_NOEXEC);
	assert_int_equal(m->clear_flags, 0);
	assert_string_equal(m->data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
	assert_false(m->bind);

	/* Later options win: "rw" undoes "ro", "noexec" undoes "exec". */
	m = &s.mounts[2];
	assert_true(m->bind);
	assert_true(m->recursive);
	assert_int_equal(m->propagation, MS_PRIVATE | MS_REC);
	assert_int_equal(m->flags, MS_NODEV | MS_NOEXEC);
	assert_int_equal(m->clear_flags, MS_RDONLY);
	assert_null(m->data);

	/* No type: a bind mount because of "bind"; not recursive. */
	m = &s.mounts[3];
	assert_null(m->type);
	assert_true(m->bind);
	assert_false(m->recursive);
	assert_int_equal(m->propagation, MS_SLAVE);

	/* runc's recursive forms and tmpcopyup; "defaults" is nothing. */
	m = &s.mounts[4];
	assert_int_equal(m->flags, 0);
	assert_int_equal(m->rec_flags, MS_RDONLY);
	assert_int_equal(m->rec_clear_flags, MS_NOSUID);
	assert_true(m->tmpcopyup);
	assert_string_equal(m->data, "size=1m");
	oci_spec_free(&s);
}

static void test_full_hooks_all_six_lists(void **state)
{
	struct oci_spec s;
	const struct oci_hooks *h = &s.hooks;
	(void)state;

	load_ok("full.json", &s);
	assert_int_equal(h->prestart.n, 1);
	assert_string_equal(h->prestart.hooks[0].path, "/usr/bin/old-hook");
	assert_int_equal(h->prestart.hooks[0].n_args, 0);
	assert_int_equal(h->prestart.hooks[0].timeout, 0);
	assert_int_equal(h->create_runtime.n, 1);
	assert_string_equal(h->create_runtime.hooks[0].path, "/usr/bin/net-setup");
	assert_int_equal(h->create_runtime.hooks[0].n_args, 2);
	assert_string_equal(h->create_runtime.hooks[0].args[1], "--up");
	assert_null(h->create_runtime.hooks[0].args[2]);
	assert_int_equal(h->create_runtime.hooks[0].n_env, 1);
	assert_string_equal(h->create_runtime.hooks[0].env[0], "X=1");
	assert_int_equal(h->create_runtime.hooks[0].timeout, 5);
	assert_int_equal(h->create_container.n, 2);
	assert_string_equal(h->create_container.hooks[1].path, "/bin/cc2");
	assert_int_equal(h->start_container.n, 1);
	assert_int_equal(h->poststart.n, 1);
	assert_int_equal(h->poststop.n, 1);
	assert_int_equal(h->poststop.hooks[0].timeout, 30);
	oci_spec_free(&s);
}

static void test_full_namespaces_and_mappings(void **state)
{
	static const int want[] = { CLONE_NEWPID,   CLONE_NEWNET, CLONE_NEWNS,
				    CLONE_NEWIPC,   CLONE_NEWUTS, CLONE_NEWUSER,
				    CLONE_NEWCGROUP };
	struct oci_spec s;
	const struct oci_linux *l = &s.linux_;
	(void)state;

	load_ok("full.json", &s);
	assert_int_equal(l->n_namespaces, 7);
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(l->namespaces[i].type, want[i]);
	assert_null(l->namespaces[0].path);
	assert_string_equal(l->namespaces[1].path, "/var/run/netns/web");
	assert_int_equal(l->n_uid_mappings, 1);
	assert_int_equal(l->uid_mappings[0].container_id, 0);
	assert_int_equal(l->uid_mappings[0].host_id, 100000);
	assert_int_equal(l->uid_mappings[0].size, 65536);
	assert_int_equal(l->n_gid_mappings, 2);
	assert_int_equal(l->gid_mappings[1].container_id, 1);
	assert_int_equal(l->gid_mappings[1].host_id, 4294967295u);
	oci_spec_free(&s);
}

static void test_full_devices_and_device_rules(void **state)
{
	struct oci_spec s;
	const struct oci_linux *l = &s.linux_;
	const struct oci_device_rule *r = NULL;
	(void)state;

	load_ok("full.json", &s);
	assert_int_equal(l->n_devices, 2);
	assert_string_equal(l->devices[0].path, "/dev/fuse");
	assert_int_equal(l->devices[0].type, 'c');
	assert_int_equal(l->devices[0].major, 10);
	assert_int_equal(l->devices[0].minor, 229);
	assert_true(l->devices[0].has_file_mode && l->devices[0].has_uid &&
		    l->devices[0].has_gid);
	assert_int_equal(l->devices[0].file_mode, 0666);
	assert_int_equal(l->devices[1].type, 'p');
	assert_false(l->devices[1].has_file_mode || l->devices[1].has_uid ||
		     l->devices[1].has_gid);

	assert_true(l->has_resources);
	assert_int_equal(l->resources.n_devices, 3);
	r = l->resources.devices;
	/* Absent: type 'a', any major and minor (-1), access "rwm". */
	assert_false(r[0].allow);
	assert_int_equal(r[0].type, 'a');
	assert_int_equal(r[0].major, -1);
	assert_int_equal(r[0].minor, -1);
	assert_string_equal(r[0].access, "rwm");
	assert_true(r[1].allow);
	assert_int_equal(r[1].type, 'c');
	assert_int_equal(r[1].major, 10);
	assert_int_equal(r[1].minor, 229);
	assert_string_equal(r[1].access, "rw");
	assert_int_equal(r[2].type, 'b');
	assert_int_equal(r[2].major, 8);
	assert_int_equal(r[2].minor, -1);
	assert_string_equal(r[2].access, "rwm");
	oci_spec_free(&s);
}

static void test_full_resources(void **state)
{
	struct oci_spec s;
	const struct oci_resources *r = &s.linux_.resources;
	(void)state;

	load_ok("full.json", &s);
	assert_string_equal(s.linux_.cgroups_path, "/kit/web");
	assert_true(r->has_memory_limit && r->has_memory_reservation &&
		    r->has_memory_swap);
	assert_int_equal(r->memory_limit, 536870912);
	assert_int_equal(r->memory_reservation, 268435456);
	assert_int_equal(r->memory_swap, -1);
	assert_true(r->has_cpu_shares && r->has_cpu_quota && r->has_cpu_period);
	assert_int_equal(r->cpu_shares, 512);
	assert_int_equal(r->cpu_quota, 50000);
	assert_int_equal(r->cpu_period, 100000);
	assert_string_equal(r->cpuset_cpus, "0-1");
	assert_string_equal(r->cpuset_mems, "0");
	assert_true(r->has_pids_limit);
	assert_int_equal(r->pids_limit, 64);
	assert_int_equal(r->n_unified, 2);
	assert_string_equal(r->unified_keys[1], "io.weight");
	assert_string_equal(r->unified_values[1], "default 100");
	assert_null(r->unified_keys[2]);
	oci_spec_free(&s);
}

static void test_full_seccomp(void **state)
{
	struct oci_spec s;
	const struct oci_seccomp *sc = &s.linux_.seccomp;
	const struct oci_seccomp_rule *r;
	(void)state;

	load_ok("full.json", &s);
	assert_true(s.linux_.has_seccomp);
	assert_int_equal(sc->default_action, OCI_SCMP_ERRNO);
	assert_true(sc->has_default_errno);
	assert_int_equal(sc->default_errno, ENOSYS);
	assert_int_equal(sc->n_architectures, 2);
	assert_string_equal(sc->architectures[1], "SCMP_ARCH_X86");
	assert_null(sc->architectures[2]);
	assert_int_equal(sc->n_flags, 1);
	assert_string_equal(sc->flags[0], "SECCOMP_FILTER_FLAG_LOG");
	assert_int_equal(sc->n_syscalls, 4);
	r = &sc->syscalls[0];
	assert_int_equal(r->n_names, 3);
	assert_string_equal(r->names[2], "exit_group");
	assert_null(r->names[3]);
	assert_int_equal(r->action, OCI_SCMP_ALLOW);
	assert_false(r->has_errno);
	assert_int_equal(r->errno_ret, EPERM);
	r = &sc->syscalls[1];
	assert_int_equal(r->n_args, 2);
	assert_int_equal(r->args[0].index, 0);
	assert_int_equal(r->args[0].value, 4294967295u);
	assert_int_equal(r->args[0].op, OCI_SCMP_CMP_EQ);
	assert_int_equal(r->args[1].index, 5);
	assert_int_equal(r->args[1].value, 255);
	assert_int_equal(r->args[1].value_two, 8);
	assert_int_equal(r->args[1].op, OCI_SCMP_CMP_MASKED_EQ);
	r = &sc->syscalls[2];
	assert_int_equal(r->action, OCI_SCMP_ERRNO);
	assert_true(r->has_errno);
	assert_int_equal(r->errno_ret, 1);
	assert_int_equal(sc->syscalls[3].action, OCI_SCMP_KILL_PROCESS);
	oci_spec_free(&s);
}

static void test_full_linux_rest(void **state)
{
	struct oci_spec s;
	const struct oci_linux *l = &s.linux_;
	(void)state;

	load_ok("full.json", &s);
	assert_int_equal(l->n_sysctl, 2);
	assert_string_equal(l->sysctl_keys[0], "net.ipv4.ip_forward");
	assert_string_equal(l->sysctl_values[0], "1");
	assert_null(l->sysctl_keys[2]);
	assert_int_equal(l->rootfs_propagation, MS_SLAVE | MS_REC);
	assert_int_equal(l->n_masked_paths, 2);
	assert_string_equal(l->masked_paths[1], "/sys/firmware");
	assert_null(l->masked_paths[2]);
	assert_int_equal(l->n_readonly_paths, 1);
	assert_string_equal(l->readonly_paths[0], "/proc/sys");
	assert_string_equal(l->mount_label, "system_u:object_r:container_file_t:s0");
	oci_spec_free(&s);
}

static void test_minimal_config_leaves_the_rest_absent(void **state)
{
	struct oci_spec s;
	(void)state;

	parse_ok(base_json, &s);
	assert_null(s.hostname);
	assert_false(s.root_readonly);
	assert_false(s.process.has_caps);
	assert_false(s.process.has_umask);
	assert_false(s.process.has_oom_score_adj);
	assert_int_equal(s.process.n_env, 0);
	assert_null(s.process.env);
	assert_null(s.process.apparmor_profile);
	assert_int_equal(s.n_mounts, 0);
	assert_int_equal(s.hooks.poststop.n, 0);
	assert_false(s.linux_.has_resources);
	assert_false(s.linux_.has_seccomp);
	assert_int_equal(s.linux_.rootfs_propagation, 0);
	assert_null(s.linux_.cgroups_path);
	oci_spec_free(&s);
}

static void test_free_is_safe_on_zeroed_and_freed_specs(void **state)
{
	struct oci_spec s = { 0 };
	(void)state;

	oci_spec_free(&s);
	load_ok("full.json", &s);
	oci_spec_free(&s);
	assert_null(s.doc);
	oci_spec_free(&s);
}

/* ---- what real tools write ------------------------------------------------ */

static void test_runc_spec_parses(void **state)
{
	struct oci_spec s;
	(void)state;

	load_ok("runc-spec.json", &s);
	assert_string_equal(s.oci_version, "1.0.2-dev");
	assert_true(s.process.terminal);
	assert_string_equal(s.process.args[0], "sh");
	assert_int_equal(s.process.caps.bounding, BIT(CAP_AUDIT_WRITE) | BIT(CAP_KILL) |
							  BIT(CAP_NET_BIND_SERVICE));
	assert_int_equal(s.n_mounts, 7);
	assert_string_equal(s.mounts[1].data, "mode=755,size=65536k");
	assert_int_equal(s.mounts[1].flags, MS_NOSUID | MS_STRICTATIME);
	assert_int_equal(s.mounts[6].flags,
			 MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY);
	assert_int_equal(s.linux_.n_namespaces, 5);
	assert_int_equal(s.linux_.namespaces[1].type, CLONE_NEWNET);
	assert_int_equal(s.linux_.n_masked_paths, 10);
	assert_int_equal(s.linux_.resources.n_devices, 1);
	assert_false(s.linux_.resources.devices[0].allow);
	oci_spec_free(&s);
}

static void test_runc_spec_rootless_parses(void **state)
{
	struct oci_spec s;
	(void)state;

	load_ok("runc-spec-rootless.json", &s);
	assert_int_equal(s.linux_.n_namespaces, 5);
	assert_int_equal(s.linux_.namespaces[4].type, CLONE_NEWUSER);
	assert_int_equal(s.linux_.n_uid_mappings, 1);
	assert_int_equal(s.linux_.n_gid_mappings, 1);
	/* /sys is an rbind of the host's, type "none". */
	assert_string_equal(s.mounts[5].type, "none");
	assert_true(s.mounts[5].bind && s.mounts[5].recursive);
	assert_int_equal(s.mounts[5].flags, MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY);
	oci_spec_free(&s);
}

/* containerd's default leaves process.args to the image: not runnable as is. */
static void test_ctr_oci_spec_needs_args_from_an_image(void **state)
{
	struct kit_err err = { 0 };
	char path[PATH_MAX], *text;
	struct oci_spec s;
	cJSON *doc;
	(void)state;

	assert_int_equal(oci_spec_load(data_file(path, "ctr-oci-spec.json"), &s, &err),
			 -ENOENT);
	assert_string_equal(err.msg, "ctr-oci-spec.json: .process.args: required field "
				     "missing" MISSING);

	/* With the image's command filled in, as containerd does, it parses. */
	assert_int_equal(kit_json_load_file(path, &doc, &err), 0);
	cJSON_AddItemToObject(cJSON_GetObjectItem(doc, "process"), "args",
			      cJSON_Parse("[\"sh\"]"));
	text = cJSON_Print(doc);
	cJSON_Delete(doc);
	parse_ok(text, &s);
	free(text);
	assert_string_equal(s.linux_.cgroups_path, "/default");
	assert_true(s.process.caps.bounding & BIT(CAP_NET_RAW));
	assert_int_equal(s.linux_.n_namespaces, 5);
	oci_spec_free(&s);
}

/* What containerd 1.6 handed its runtime for `ctr run busybox echo`. */
static void test_containerd_ctr_run_parses(void **state)
{
	struct oci_spec s;
	(void)state;

	load_ok("containerd-ctr-run.json", &s);
	assert_string_equal(s.process.args[0], "echo");
	assert_true(s.process.caps.bounding & BIT(CAP_NET_RAW));
	assert_int_equal(s.process.caps.ambient, 0);
	assert_int_equal(s.n_mounts, 7);
	assert_string_equal(s.mounts[6].destination, "/run");
	assert_string_equal(s.linux_.cgroups_path, "/kit-e2e/h61cap");
	assert_int_equal(s.linux_.n_namespaces, 5);
	assert_true(s.linux_.resources.n_devices > 5);
	oci_spec_free(&s);
}

/* What dockerd 20.10 handed its runtime for `docker run busybox echo`:
 * its default seccomp profile, bind mounts of resolv.conf and friends. */
static void test_dockerd_run_parses(void **state)
{
	const struct oci_seccomp *sc;
	struct oci_spec s;
	(void)state;

	load_ok("dockerd-run.json", &s);
	assert_int_equal(s.linux_.n_sysctl, 2);
	assert_true(s.linux_.has_seccomp);
	sc = &s.linux_.seccomp;
	assert_int_equal(sc->default_action, OCI_SCMP_ERRNO);
	assert_false(sc->has_default_errno);
	assert_int_equal(sc->n_architectures, 3);
	assert_true(sc->syscalls[0].n_names > 300);
	assert_string_equal(s.mounts[7].destination, "/etc/resolv.conf");
	assert_true(s.mounts[7].bind && s.mounts[7].recursive);
	assert_int_equal(s.mounts[7].propagation, MS_PRIVATE | MS_REC);
	assert_int_equal(s.hooks.prestart.n, 0);
	oci_spec_free(&s);
}

/* docker run -t -e FOO=bar --cap-add SYS_ADMIN --memory 64m --pids-limit 50
 * --ulimit nofile=512:1024 --tmpfs /run:size=1m busybox true */
static void test_dockerd_run_with_options_parses(void **state)
{
	const struct oci_resources *r;
	struct oci_spec s;
	(void)state;

	load_ok("dockerd-run-options.json", &s);
	assert_true(s.process.terminal);
	assert_string_equal(s.process.env[3], "FOO=bar");
	assert_true(s.process.caps.bounding & BIT(CAP_SYS_ADMIN));
	assert_int_equal(s.process.n_rlimits, 1);
	assert_int_equal(s.process.rlimits[0].soft, 512);
	assert_int_equal(s.process.rlimits[0].hard, 1024);
	r = &s.linux_.resources;
	assert_true(r->has_memory_limit && r->has_memory_swap && r->has_pids_limit);
	assert_int_equal(r->memory_limit, 64 << 20);
	assert_int_equal(r->memory_swap, 128 << 20);
	assert_int_equal(r->pids_limit, 50);
	assert_true(r->has_cpu_shares);
	assert_int_equal(r->cpu_shares, 0);
	assert_string_equal(s.mounts[7].destination, "/run");
	assert_int_equal(s.mounts[7].flags, MS_NOEXEC | MS_NOSUID | MS_NODEV);
	assert_int_equal(s.mounts[7].propagation, MS_PRIVATE | MS_REC);
	assert_string_equal(s.mounts[7].data, "size=1m");
	oci_spec_free(&s);
}

/* ---- oci_spec_default ------------------------------------------------------ */

static void test_default_parses_back(void **state)
{
	cJSON *doc = oci_spec_default(false, 0, 0);
	char *text = cJSON_Print(doc);
	struct oci_spec s;
	(void)state;

	cJSON_Delete(doc);
	parse_ok(text, &s);
	free(text);
	assert_string_equal(s.root_path, "rootfs");
	assert_true(s.root_readonly);
	assert_string_equal(s.process.args[0], "sh");
	assert_string_equal(s.process.cwd, "/");
	assert_true(s.process.no_new_privileges);
	assert_int_equal(s.process.n_rlimits, 1);
	assert_int_equal(s.process.caps.ambient, BIT(CAP_AUDIT_WRITE) | BIT(CAP_KILL) |
							 BIT(CAP_NET_BIND_SERVICE));
	assert_int_equal(s.n_mounts, 7);
	assert_string_equal(s.mounts[0].destination, "/proc");
	assert_string_equal(s.mounts[2].data,
			    "newinstance,ptmxmode=0666,mode=0620,gid=5");
	assert_string_equal(s.mounts[5].type, "sysfs");
	assert_int_equal(s.linux_.n_namespaces, 5);
	assert_int_equal(s.linux_.namespaces[1].type, CLONE_NEWNET);
	assert_int_equal(s.linux_.n_uid_mappings, 0);
	assert_int_equal(s.linux_.resources.n_devices, 1);
	assert_int_equal(s.linux_.n_masked_paths, 10);
	assert_int_equal(s.linux_.n_readonly_paths, 5);
	oci_spec_free(&s);
}

static void test_default_rootless_maps_the_caller(void **state)
{
	cJSON *doc = oci_spec_default(true, 1000, 1001);
	char *text = cJSON_Print(doc);
	struct oci_spec s;
	(void)state;

	cJSON_Delete(doc);
	parse_ok(text, &s);
	free(text);
	for (size_t i = 0; i < s.linux_.n_namespaces; i++)
		assert_int_not_equal(s.linux_.namespaces[i].type, CLONE_NEWNET);
	assert_int_equal(s.linux_.namespaces[1].type, CLONE_NEWUSER);
	assert_int_equal(s.linux_.n_uid_mappings, 1);
	assert_int_equal(s.linux_.uid_mappings[0].container_id, 0);
	assert_int_equal(s.linux_.uid_mappings[0].host_id, 1000);
	assert_int_equal(s.linux_.uid_mappings[0].size, 1);
	assert_int_equal(s.linux_.gid_mappings[0].host_id, 1001);
	/* No sysfs without a network namespace: /sys is bound, no gid=5. */
	assert_int_equal(s.n_mounts, 6);
	assert_true(s.mounts[5].bind && s.mounts[5].recursive);
	assert_string_equal(s.mounts[2].data, "newinstance,ptmxmode=0666,mode=0620");
	assert_false(s.linux_.has_resources);
	oci_spec_free(&s);
}

/* cJSON's allocator for the next test: fails the @fail_at-th call. */
static int alloc_calls, fail_at;

static void *failing_malloc(size_t size)
{
	return ++alloc_calls == fail_at ? NULL : malloc(size);
}

/* Out of memory at any step, oci_spec_default() returns NULL and leaks
 * nothing (ASan's leak check says so in the sanitizer build). */
static void test_default_out_of_memory_returns_null(void **state)
{
	cJSON_Hooks hooks = { failing_malloc, free };
	int nulls = 0;
	cJSON *doc;
	(void)state;

	cJSON_InitHooks(&hooks);
	for (fail_at = 1;; fail_at++) {
		alloc_calls = 0;
		doc = oci_spec_default(fail_at % 2, 1000, 1000);
		if (!doc) {
			nulls++;
			continue;
		}
		cJSON_Delete(doc);
		/* A document comes back only if no allocation failed. */
		assert_true(fail_at > alloc_calls);
		break;
	}
	cJSON_InitHooks(NULL);
	assert_true(nulls > 50);
}

/* ---- names -------------------------------------------------------------- */

static void test_namespace_names(void **state)
{
	(void)state;
	assert_string_equal(oci_namespace_name(CLONE_NEWPID), "pid");
	assert_string_equal(oci_namespace_name(CLONE_NEWNET), "network");
	assert_string_equal(oci_namespace_name(CLONE_NEWNS), "mount");
	assert_string_equal(oci_namespace_name(CLONE_NEWIPC), "ipc");
	assert_string_equal(oci_namespace_name(CLONE_NEWUTS), "uts");
	assert_string_equal(oci_namespace_name(CLONE_NEWUSER), "user");
	assert_string_equal(oci_namespace_name(CLONE_NEWCGROUP), "cgroup");
	assert_null(oci_namespace_name(0));
	assert_null(oci_namespace_name(CLONE_NEWPID | CLONE_NEWNET));
}

static void test_capability_names(void **state)
{
	(void)state;
	assert_string_equal(oci_capability_name(CAP_CHOWN), "CAP_CHOWN");
	assert_string_equal(oci_capability_name(CAP_SYS_ADMIN), "CAP_SYS_ADMIN");
	assert_string_equal(oci_capability_name(CAP_LAST_CAP), "CAP_CHECKPOINT_RESTORE");
	for (unsigned c = 0; c <= CAP_LAST_CAP; c++)
		assert_non_null(oci_capability_name(c));
	assert_null(oci_capability_name(CAP_LAST_CAP + 1));
	assert_null(oci_capability_name(UINT_MAX));
}

/* ---- refusals: the document and its top level ----------------------------- */

static void test_refuses_bad_top_level(void **state)
{
	static const struct bad cases[] = {
		{ ".ociVersion", "null", ENOENT,
		  ".ociVersion: required field missing" MISSING },
		{ ".ociVersion", "1", EINVAL,
		  ".ociVersion: expected a string, got a number" BAD_TYPE },
		{ ".root", "null", ENOENT, ".root: required field missing" MISSING },
		{ ".root", "\"rootfs\"", EINVAL,
		  ".root: expected an object, got a string" BAD_TYPE },
		{ ".root.path", "\"\"", EINVAL,
		  ".root.path: empty path: EINVAL (e.g. \"rootfs\", relative to the bundle)" },
		{ ".root.readonly", "\"yes\"", EINVAL,
		  ".root.readonly: expected a boolean, got a string" BAD_TYPE },
		{ ".hostname",
		  "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"",
		  EINVAL,
		  ".hostname: too long: EINVAL (sethostname(2) takes at most 64 bytes)" },
		{ ".domainname", "[]", EINVAL,
		  ".domainname: expected a string, got an array" BAD_TYPE },
		{ ".annotations", "{\"a\": 1}", EINVAL,
		  ".annotations.a: expected a string, got a number" BAD_TYPE },
		{ ".annotations", "[]", EINVAL,
		  ".annotations: expected an object, got an array" BAD_TYPE },
	};
	(void)state;

	CHECK_BAD(cases);
}

static void test_refuses_hostile_documents(void **state)
{
	static const char not_utf8[] = "{\"ociVersion\": \"\xc3\x28\"}";
	static const char dup_top[] = "{\"ociVersion\": \"1\", \"ociVersion\": \"2\"}";
	static const char ctl_key[] = "{\"linux\": {\"uid\\u001b[2J\": 1}}";
	static const char dup_deep[] = "{\"a\": [{\"x\": 1}, {\"y\": 1, \"y\": 2}]}";
	size_t deep = 2000;
	char *nested = malloc(2 * deep + 1);
	(void)state;

	refused("array", "[]", 2, EINVAL,
		"config.json: .: expected an object, got an array: EINVAL (the file holds "
		"one JSON object)");
	refused("empty", "", 0, EINVAL,
		"config.json: parse JSON: EINVAL (syntax error at line 1, column 1 near '')");
	refused("not UTF-8", not_utf8, sizeof(not_utf8) - 1, EINVAL,
		"config.json: parse JSON: EINVAL (not valid UTF-8)");
	/* cJSON keeps the first of two equal keys, Go the last: refuse both. */
	refused("duplicate key", dup_top, sizeof(dup_top) - 1, EINVAL,
		"config.json: .: duplicate key \"ociVersion\": EINVAL (a key may appear "
		"once)");
	/* Keys show in paths; one with a terminal escape in it is refused. */
	refused("control key", ctl_key, sizeof(ctl_key) - 1, EINVAL,
		"config.json: .linux: key \"uid?[2J\" has control characters: EINVAL (keys "
		"are names, not terminal controls)");
	refused("duplicate deep key", dup_deep, sizeof(dup_deep) - 1, EINVAL,
		"config.json: .a[1]: duplicate key \"y\": EINVAL (a key may appear once)");
	/* Nesting beyond cJSON's limit of 1000 is a syntax error, not a crash. */
	assert_non_null(nested);
	memset(nested, '[', deep);
	memset(nested + deep, ']', deep);
	nested[2 * deep] = '\0';
	refused("deep nesting", nested, 2 * deep, EINVAL,
		"config.json: parse JSON: EINVAL (syntax error at line 1, column 1001 near "
		"'[[[[[[[[[[[[[[[[[[[[')");
	free(nested);
}

static void test_refuses_documents_over_16_mib(void **state)
{
	size_t len = KIT_JSON_MAX_BYTES + 1;
	char *big = malloc(len);
	(void)state;

	assert_non_null(big);
	memset(big, ' ', len);
	refused("16 MiB + 1", big, len, EFBIG,
		"config.json: parse JSON: EFBIG (larger than the 16 MiB limit)");
	free(big);
}

static void test_refuses_arrays_over_max_items(void **state)
{
	static const struct {
		const char *path, *elem, *msg;
	} cases[] = {
		{ ".process.args", "\"x\"", ".process.args: more than 4096 elements" },
		{ ".process.env", "\"A=1\"", ".process.env: more than 4096 elements" },
		{ ".mounts", "{}", ".mounts: more than 4096 elements" },
		{ ".linux.namespaces", "{\"type\": \"pid\"}",
		  ".linux.namespaces: more than 4096 elements" },
		{ ".linux.maskedPaths", "\"/a\"",
		  ".linux.maskedPaths: more than 4096 elements" },
		{ ".process.user.additionalGids", "1",
		  ".process.user.additionalGids: more than 4096 elements" },
		{ ".hooks.poststop", "{}", ".hooks.poststop: more than 4096 elements" },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *arr = repeat(cases[i].elem, OCI_MAX_ITEMS + 1);
		char *text = mutate(cases[i].path, arr);
		char msg[256];

		FMT(msg, sizeof(msg), "config.json: %s: E2BIG (Argument list too long)",
		    cases[i].msg);
		refused(cases[i].path, text, strlen(text), E2BIG, msg);
		free(text);
		free(arr);
	}
}

/* Only a whole ".." component climbs: "..." and "..x" are names. */
static void test_dots_that_are_names_are_fine(void **state)
{
	char *text =
		mutate(".linux.maskedPaths", "[\"/a/...\", \"/..x/y..\", \"/b/.x\"]");
	struct oci_spec s;
	(void)state;

	parse_ok(text, &s);
	assert_int_equal(s.linux_.n_masked_paths, 3);
	oci_spec_free(&s);
	free(text);
}

static void test_max_items_is_allowed(void **state)
{
	char *arr = repeat("\"x\"", OCI_MAX_ITEMS);
	char *text = mutate(".process.args", arr);
	struct oci_spec s;
	(void)state;

	parse_ok(text, &s);
	assert_int_equal(s.process.n_args, OCI_MAX_ITEMS);
	assert_null(s.process.args[OCI_MAX_ITEMS]);
	oci_spec_free(&s);
	free(text);
	free(arr);
}

static void test_refuses_maps_over_max_items(void **state)
{
	cJSON *doc = cJSON_Parse(base_json),
	      *map = cJSON_AddObjectToObject(doc, "annotations");
	char key[32], *text;
	(void)state;

	for (int i = 0; i <= OCI_MAX_ITEMS; i++) {
		FMT(key, sizeof(key), "k%d", i);
		cJSON_AddStringToObject(map, key, "v");
	}
	text = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	refused("4097 annotations", text, strlen(text), E2BIG,
		"config.json: .annotations: more than 4096 members: E2BIG (Argument list too "
		"long)");
	free(text);
}

/* Hostile values are cut to 64 bytes and control characters shown as '?'. */
static void test_messages_stay_one_short_line(void **state)
{
	static const struct {
		const char *cap, *shown;
	} cases[] = {
		/* Control characters as '?', cut after 64 bytes. */
		{ "CAP_\\n\\u001b[31mRED%s", "CAP_??[31mRED%.51s..." },
		/* A 3-byte character cut after 2 of its bytes is dropped whole ... */
		{ "CAP_%s\u20acB", "CAP_%s..." },
		/* ... a 2-byte one that fits is kept. */
		{ "CAP_%s\u00e9B", "CAP_%s\u00e9..." },
	};
	char a58[59], a64[65], cap[128], value[160], msg[300], *text;
	(void)state;

	fill_string(a58, 58, 'A');
	fill_string(a64, 64, 'A');
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *fill = i == 0 ? a64 : a58;

		FMT(cap, sizeof(cap), cases[i].cap, fill);
		FMT(value, sizeof(value), "{\"bounding\": [\"%s\"]}", cap);
		text = mutate(".process.capabilities", value);
		FMT(cap, sizeof(cap), cases[i].shown, fill);
		FMT(msg, sizeof(msg),
		    "config.json: .process.capabilities.bounding[0]: unknown capability "
		    "\"%s\": EINVAL (see capabilities(7) for the names)",
		    cap);
		refused(cases[i].cap, text, strlen(text), EINVAL, msg);
		free(text);
	}
}

static void test_load_names_the_file_by_its_base_name(void **state)
{
	struct kit_err err = { 0 };
	char path[PATH_MAX];
	struct oci_spec s;

	path_in(path, *state, "config.json");
	put_file(path, "{\"ociVersion\": \"1.0.2\"}");
	assert_int_equal(oci_spec_load(path, &s, &err), -ENOENT);
	assert_string_equal(err.msg,
			    "config.json: .root: required field missing" MISSING);
	path_in(path, *state, "missing.json");
	assert_int_equal(oci_spec_load(path, &s, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "missing.json"));
	assert_null(s.doc);
}

/* ---- refusals: process ----------------------------------------------------- */

static void test_refuses_bad_process(void **state)
{
	static const struct bad cases[] = {
		{ ".process", "null", ENOENT,
		  ".process: required field missing" MISSING },
		{ ".process", "[]", EINVAL,
		  ".process: expected an object, got an array" BAD_TYPE },
		{ ".process.terminal", "1", EINVAL,
		  ".process.terminal: expected a boolean, got a number" BAD_TYPE },
		{ ".process.args", "null", ENOENT,
		  ".process.args: required field missing" MISSING },
		{ ".process.args", "[]", EINVAL,
		  ".process.args: empty array: EINVAL (name the program to run, e.g. [\"sh\"])" },
		{ ".process.args", "[\"\"]", EINVAL,
		  ".process.args: the program name is empty: EINVAL (name the program to run, "
		  "e.g. [\"sh\"])" },
		{ ".process.args", "[\"sh\", 1]", EINVAL,
		  ".process.args[1]: expected a string, got a number" BAD_TYPE },
		{ ".process.args", "\"sh\"", EINVAL,
		  ".process.args: expected an array, got a string" BAD_TYPE },
		{ ".process.cwd", "null", ENOENT,
		  ".process.cwd: required field missing" MISSING },
		{ ".process.cwd", "\"srv\"", EINVAL,
		  ".process.cwd: \"srv\" is not an absolute path" ABSOLUTE },
		{ ".process.cwd", "\"\"", EINVAL,
		  ".process.cwd: \"\" is not an absolute path" ABSOLUTE },
		{ ".process.env", "[\"A=1\", \"PATH\"]", EINVAL,
		  ".process.env[1]: \"PATH\" is not KEY=value: EINVAL (each entry is KEY=value)" },
		{ ".process.env", "[\"=x\"]", EINVAL,
		  ".process.env[0]: \"=x\" is not KEY=value: EINVAL (each entry is KEY=value)" },
		{ ".process.user", "null", ENOENT,
		  ".process.user: required field missing" MISSING },
		{ ".process.user", "{\"uid\": 0}", ENOENT,
		  ".process.user.gid: required field missing" MISSING },
		{ ".process.user.uid", "4294967296", ERANGE,
		  ".process.user.uid: 4294967296 is outside [0, 4294967295]" RANGE },
		{ ".process.user.uid", "-1", ERANGE,
		  ".process.user.uid: -1 is outside [0, 4294967295]" RANGE },
		{ ".process.user.uid", "1.5", EINVAL,
		  ".process.user.uid: expected an integer, got 1.5" BAD_TYPE },
		{ ".process.user.gid", "\"0\"", EINVAL,
		  ".process.user.gid: expected an integer, got a string" BAD_TYPE },
		{ ".process.user.umask", "512", ERANGE,
		  ".process.user.umask: 512 is outside [0, 511]" RANGE },
		{ ".process.user.additionalGids", "[1, -2]", ERANGE,
		  ".process.user.additionalGids[1]: -2 is not an integer in [0, 4294967295]" RANGE },
		/* Found by the fuzzer: a cast of 1e300 to int64_t was undefined. */
		{ ".process.user.additionalGids", "[1e300]", ERANGE,
		  ".process.user.additionalGids[0]: 1e+300 is not an integer in [0, "
		  "4294967295]" RANGE },
		{ ".process.user.additionalGids", "[0.5]", ERANGE,
		  ".process.user.additionalGids[0]: 0.5 is not an integer in [0, "
		  "4294967295]" RANGE },
		{ ".process.user.additionalGids", "[true]", EINVAL,
		  ".process.user.additionalGids[0]: expected an integer, got a boolean" BAD_TYPE },
		{ ".process.consoleSize", "{\"height\": 70000, \"width\": 1}", ERANGE,
		  ".process.consoleSize.height: 70000 is outside [0, 65535]" RANGE },
		{ ".process.consoleSize", "{\"height\": 1}", ENOENT,
		  ".process.consoleSize.width: required field missing" MISSING },
		{ ".process.oomScoreAdj", "1001", ERANGE,
		  ".process.oomScoreAdj: 1001 is outside [-1000, 1000]" RANGE },
		{ ".process.noNewPrivileges", "\"true\"", EINVAL,
		  ".process.noNewPrivileges: expected a boolean, got a string" BAD_TYPE },
		{ ".process.apparmorProfile", "0", EINVAL,
		  ".process.apparmorProfile: expected a string, got a number" BAD_TYPE },
		{ ".process.selinuxLabel", "{}", EINVAL,
		  ".process.selinuxLabel: expected a string, got an object" BAD_TYPE },
	};
	(void)state;

	CHECK_BAD(cases);
}

static void test_refuses_bad_capabilities(void **state)
{
	static const struct bad cases[] = {
		{ ".process.capabilities", "[]", EINVAL,
		  ".process.capabilities: expected an object, got an array" BAD_TYPE },
		{ ".process.capabilities.bounding", "[\"CAP_CHOWN\", \"CAP_FOO\"]",
		  EINVAL,
		  ".process.capabilities.bounding[1]: unknown capability \"CAP_FOO\": EINVAL "
		  "(see capabilities(7) for the names)" },
		{ ".process.capabilities.effective", "[\"cap_chown\"]", EINVAL,
		  ".process.capabilities.effective[0]: unknown capability \"cap_chown\": EINVAL "
		  "(see capabilities(7) for the names)" },
		{ ".process.capabilities.inheritable", "[\"0\"]", EINVAL,
		  ".process.capabilities.inheritable[0]: unknown capability \"0\": EINVAL "
		  "(see capabilities(7) for the names)" },
		{ ".process.capabilities.permitted", "\"CAP_CHOWN\"", EINVAL,
		  ".process.capabilities.permitted: expected an array, got a string" BAD_TYPE },
		{ ".process.capabilities.ambient", "[41]", EINVAL,
		  ".process.capabilities.ambient[0]: expected a string, got a number" BAD_TYPE },
	};
	(void)state;

	CHECK_BAD(cases);
}

static void test_refuses_bad_rlimits(void **state)
{
#define RLIM_HINT ": EINVAL (expected RLIMIT_NOFILE, RLIMIT_NPROC ... (see getrlimit(2)))"
	static const struct bad cases[] = {
		{ ".process.rlimits",
		  "[{\"type\": \"RLIMIT_FOO\", \"soft\": 1, \"hard\": 1}]", EINVAL,
		  ".process.rlimits[0].type: unknown rlimit \"RLIMIT_FOO\"" RLIM_HINT },
		{ ".process.rlimits",
		  "[{\"type\": \"NOFILE\", \"soft\": 1, \"hard\": 1}]", EINVAL,
		  ".process.rlimits[0].type: unknown rlimit \"NOFILE\"" RLIM_HINT },
		{ ".process.rlimits", "[{\"soft\": 1, \"hard\": 1}]", ENOENT,
		  ".process.rlimits[0].type: required field missing" MISSING },
		{ ".process.rlimits", "[{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1}]",
		  ENOENT, ".process.rlimits[0].soft: required field missing" MISSING },
		{ ".process.rlimits",
		  "[{\"type\": \"RLIMIT_NOFILE\", \"soft\": 2, \"hard\": 1}]", EINVAL,
		  ".process.rlimits[0].soft: 2 is above hard 1: EINVAL (setrlimit(2) refuses a "
		  "soft limit above the hard one)" },
		{ ".process.rlimits",
		  "[{\"type\": \"RLIMIT_CPU\", \"soft\": 1, \"hard\": 1},"
		  " {\"type\": \"RLIMIT_CPU\", \"soft\": 2, \"hard\": 2}]",
		  EINVAL,
		  ".process.rlimits[1].type: duplicate rlimit \"RLIMIT_CPU\": EINVAL (each rlimit "
		  "may appear once)" },
		{ ".process.rlimits",
		  "[{\"type\": \"RLIMIT_CPU\", \"soft\": -1, \"hard\": 1}]", ERANGE,
		  ".process.rlimits[0].soft: -1 is outside [0, 9223372036854775807]" RANGE },
		{ ".process.rlimits",
		  "[{\"type\": \"RLIMIT_CPU\", \"soft\": 1, \"hard\": 1e19}]", ERANGE,
		  ".process.rlimits[0].hard: 1e+19 is too large: ERANGE (integers beyond 2^53 "
		  "cannot be read exactly)" },
		{ ".process.rlimits", "{}", EINVAL,
		  ".process.rlimits: expected an array, got an object" BAD_TYPE },
		{ ".process.rlimits", "[7]", EINVAL,
		  ".process.rlimits[0]: expected an object, got a number" BAD_TYPE },
	};
	(void)state;

	CHECK_BAD(cases);
#undef RLIM_HINT
}

/* ---- refusals: mounts and hooks -------------------------------------------- */

static void test_refuses_bad_mounts(void **state)
{
#define OPT_HINT                                                                         \
	": EINVAL (not a mount flag, propagation or filesystem option this runtime "     \
	"knows; see mount(8))"
	static const struct bad cases[] = {
		{ ".mounts", "{}", EINVAL,
		  ".mounts: expected an array, got an object" BAD_TYPE },
		{ ".mounts", "[{\"type\": \"proc\"}]", ENOENT,
		  ".mounts[0].destination: required field missing" MISSING },
		{ ".mounts", "[{\"destination\": \"proc\", \"type\": \"proc\"}]", EINVAL,
		  ".mounts[0].destination: \"proc\" is not an absolute path" ABSOLUTE },
		{ ".mounts", "[{\"destination\": \"/a/../../etc\", \"type\": \"proc\"}]",
		  EINVAL,
		  ".mounts[0].destination: \"/a/../../etc\" has a \"..\" component: EINVAL (a "
		  "path in the container may not climb out with ..)" },
		{ ".mounts", "[{\"destination\": \"/..\", \"type\": \"proc\"}]", EINVAL,
		  ".mounts[0].destination: \"/..\" has a \"..\" component: EINVAL (a path in "
		  "the container may not climb out with ..)" },
		{ ".mounts", "[{\"destination\": \"/data\", \"options\": [\"rbind\"]}]",
		  ENOENT,
		  ".mounts[0].source: required field missing: ENOENT (a bind mount needs a "
		  "source)" },
		{ ".mounts", "[{\"destination\": \"/data\", \"type\": \"bind\"}]", ENOENT,
		  ".mounts[0].source: required field missing: ENOENT (a bind mount needs a "
		  "source)" },
		{ ".mounts", "[{\"destination\": \"/p\", \"type\": 1}]", EINVAL,
		  ".mounts[0].type: expected a string, got a number" BAD_TYPE },
		{ ".mounts",
		  "[{\"destination\": \"/p\", \"type\": \"proc\", \"source\": []}]",
		  EINVAL, ".mounts[0].source: expected a string, got an array" BAD_TYPE },
		{ ".mounts",
		  "[{\"destination\": \"/p\", \"type\": \"proc\"}, {\"destination\": \"/s\", "
		  "\"type\": \"sysfs\", \"options\": [\"ro\", \"nosiud\"]}]",
		  EINVAL,
		  ".mounts[1].options[1]: unknown mount option \"nosiud\"" OPT_HINT },
		{ ".mounts",
		  "[{\"destination\": \"/p\", \"type\": \"x\", \"options\": [\"idmap\"]}]",
		  EINVAL,
		  ".mounts[0].options[0]: unknown mount option \"idmap\"" OPT_HINT },
		{ ".mounts",
		  "[{\"destination\": \"/p\", \"type\": \"x\", \"options\": [\"\"]}]",
		  EINVAL,
		  ".mounts[0].options[0]: \"\" is not a mount option: EINVAL (give one option per "
		  "array element)" },
		{ ".mounts",
		  "[{\"destination\": \"/p\", \"type\": \"x\", \"options\": [\"ro,nosuid\"]}]",
		  EINVAL,
		  ".mounts[0].options[0]: \"ro,nosuid\" is not a mount option: EINVAL (give one "
		  "option per array element)" },
		{ ".mounts",
		  "[{\"destination\": \"/p\", \"type\": \"x\", \"options\": [1]}]",
		  EINVAL,
		  ".mounts[0].options[0]: expected a string, got a number" BAD_TYPE },
		{ ".mounts", "[{\"destination\": \"/p\", \"source\": \"/x\"}]", EINVAL,
		  ".mounts[0]: a mount needs a type unless it is a bind mount: EINVAL (give a "
		  "filesystem type, or the option \"bind\")" },
	};
	(void)state;

	CHECK_BAD(cases);
#undef OPT_HINT
}

/* mount(2) copies one page of data: longer option strings are refused. */
static void test_refuses_mount_data_over_a_page(void **state)
{
	char opt[2100], value[4400], *text;
	(void)state;

	memcpy(opt, "\"a=", 3);
	fill_string(opt + 3, 2050, 'x');
	strcat(opt, "\"");
	FMT(value, sizeof(value),
	    "[{\"destination\": \"/p\", \"type\": \"tmpfs\", \"options\": [%s, %s]}]",
	    opt, opt);
	text = mutate(".mounts", value);
	refused("data > 4095", text, strlen(text), E2BIG,
		"config.json: .mounts[0].options[1]: filesystem options too long: E2BIG "
		"(mount(2) reads at most 4095 bytes of options)");
	free(text);
}

static void test_refuses_bad_hooks(void **state)
{
	static const struct bad cases[] = {
		{ ".hooks", "[]", EINVAL,
		  ".hooks: expected an object, got an array" BAD_TYPE },
		{ ".hooks.prestart", "{}", EINVAL,
		  ".hooks.prestart: expected an array, got an object" BAD_TYPE },
		{ ".hooks.createRuntime", "[{\"args\": []}]", ENOENT,
		  ".hooks.createRuntime[0].path: required field missing" MISSING },
		{ ".hooks.createContainer", "[{\"path\": \"/a\"}, {\"path\": \"hook\"}]",
		  EINVAL,
		  ".hooks.createContainer[1].path: \"hook\" is not an absolute path" ABSOLUTE },
		{ ".hooks.startContainer", "[{\"path\": \"/a\", \"args\": [null]}]",
		  EINVAL,
		  ".hooks.startContainer[0].args[0]: expected a string, got null" BAD_TYPE },
		{ ".hooks.poststart", "[{\"path\": \"/a\", \"env\": [\"X\"]}]", EINVAL,
		  ".hooks.poststart[0].env[0]: \"X\" is not KEY=value: EINVAL (each entry is "
		  "KEY=value)" },
		{ ".hooks.poststop", "[{\"path\": \"/a\", \"timeout\": 0}]", ERANGE,
		  ".hooks.poststop[0].timeout: 0 is outside [1, 2147483647]" RANGE },
	};
	(void)state;

	CHECK_BAD(cases);
}

/* ---- refusals: linux ------------------------------------------------------- */

static void test_refuses_bad_namespaces(void **state)
{
#define NS_HINT ": EINVAL (expected pid, network, mount, ipc, uts, user or cgroup)"
	static const struct bad cases[] = {
		/* The example of kit/oci.h, word for word. */
		{ ".linux.namespaces",
		  "[{\"type\": \"pid\"}, {\"type\": \"uts\"}, {\"type\": \"foo\"}]",
		  EINVAL,
		  ".linux.namespaces[2].type: unknown namespace \"foo\"" NS_HINT },
		{ ".linux.namespaces", "[{\"type\": \"net\"}]", EINVAL,
		  ".linux.namespaces[0].type: unknown namespace \"net\"" NS_HINT },
		{ ".linux.namespaces",
		  "[{\"type\": \"pid\"}, {\"type\": \"ipc\"}, {\"type\": \"pid\"}]",
		  EINVAL,
		  ".linux.namespaces[2].type: duplicate namespace \"pid\" (also at [0]): EINVAL "
		  "(each namespace may appear once)" },
		{ ".linux.namespaces", "[{\"type\": \"time\"}]", EINVAL,
		  ".linux.namespaces[0].type: unsupported namespace \"time\": EINVAL (mini-runc "
		  "does not make time namespaces; remove this entry)" },
		{ ".linux.namespaces", "[{\"path\": \"/proc/1/ns/net\"}]", ENOENT,
		  ".linux.namespaces[0].type: required field missing" MISSING },
		{ ".linux.namespaces",
		  "[{\"type\": \"network\", \"path\": \"proc/1/ns/net\"}]", EINVAL,
		  ".linux.namespaces[0].path: \"proc/1/ns/net\" is not an absolute path" ABSOLUTE },
		{ ".linux.namespaces", "[\"pid\"]", EINVAL,
		  ".linux.namespaces[0]: expected an object, got a string" BAD_TYPE },
		{ ".linux", "[]", EINVAL,
		  ".linux: expected an object, got an array" BAD_TYPE },
	};
	(void)state;

	CHECK_BAD(cases);
#undef NS_HINT
}

#define USERNS "[{\"type\": \"user\"}]"
#define GIDMAP "[{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}]"

static void test_refuses_bad_id_mappings(void **state)
{
	static const struct bad cases[] = {
		{ ".linux.uidMappings",
		  "[{\"containerID\": 0, \"hostID\": 1, \"size\": 0}]", EINVAL,
		  ".linux.uidMappings[0].size: must not be 0: EINVAL (a mapping maps at least one "
		  "id)" },
		{ ".linux.uidMappings",
		  "[{\"containerID\": 4294967295, \"hostID\": 1, \"size\": 2}]", ERANGE,
		  ".linux.uidMappings[0]: range overflows 2^32-1: ERANGE (ids are 32-bit: id + "
		  "size - 1 must fit)" },
		{ ".linux.gidMappings",
		  "[{\"containerID\": 0, \"hostID\": 4294967200, \"size\": 97}]", ERANGE,
		  ".linux.gidMappings[0]: range overflows 2^32-1: ERANGE (ids are 32-bit: id + "
		  "size - 1 must fit)" },
		{ ".linux.uidMappings",
		  "[{\"containerID\": 0, \"hostID\": 1000, \"size\": 10},"
		  " {\"containerID\": 9, \"hostID\": 5000, \"size\": 1}]",
		  EINVAL,
		  ".linux.uidMappings[1]: overlaps [0]: EINVAL (the kernel refuses overlapping "
		  "ranges)" },
		{ ".linux.gidMappings",
		  "[{\"containerID\": 0, \"hostID\": 1000, \"size\": 1},"
		  " {\"containerID\": 1, \"hostID\": 1000, \"size\": 1}]",
		  EINVAL,
		  ".linux.gidMappings[1]: overlaps [0]: EINVAL (the kernel refuses overlapping "
		  "ranges)" },
		{ ".linux.uidMappings",
		  "[{\"containerID\": -1, \"hostID\": 1, \"size\": 1}]", ERANGE,
		  ".linux.uidMappings[0].containerID: -1 is outside [0, 4294967295]" RANGE },
		{ ".linux.uidMappings", "[{\"containerID\": 0, \"size\": 1}]", ENOENT,
		  ".linux.uidMappings[0].hostID: required field missing" MISSING },
		{ ".linux.uidMappings", "{}", EINVAL,
		  ".linux.uidMappings: expected an array, got an object" BAD_TYPE },
		/* Mappings without a user namespace would be silently unused. */
		{ ".linux.uidMappings", GIDMAP, EINVAL,
		  ".linux.uidMappings: mappings without a new user namespace: EINVAL (add "
		  "{\"type\": \"user\"} to .linux.namespaces)" },
		{ ".linux.namespaces", USERNS, EINVAL,
		  ".linux.uidMappings: required field missing: EINVAL (a new user namespace needs "
		  "uidMappings and gidMappings)" },
	};
	(void)state;

	CHECK_BAD(cases);
}

static void test_refuses_more_id_mappings_than_the_kernel_takes(void **state)
{
	char *arr = malloc(341 * 64 + 2), *p = arr, *text;
	cJSON *doc;
	(void)state;

	assert_non_null(arr);
	*p++ = '[';
	for (int i = 0; i < 341; i++)
		p += sprintf(p, "%s{\"containerID\": %d, \"hostID\": %d, \"size\": 1}",
			     i ? "," : "", i, 1000 + i);
	strcpy(p, "]");
	text = mutate(".linux.uidMappings", arr);
	refused("341 mappings", text, strlen(text), E2BIG,
		"config.json: .linux.uidMappings: 341 mappings: E2BIG (the kernel takes at "
		"most 340 lines in uid_map)");
	free(text);
	free(arr);

	/* One user namespace with a good map of each kind is fine. */
	doc = cJSON_Parse(base_json);
	cJSON_AddItemToObject(cJSON_AddObjectToObject(doc, "linux"), "namespaces",
			      cJSON_Parse(USERNS));
	cJSON_AddItemToObject(cJSON_GetObjectItem(doc, "linux"), "uidMappings",
			      cJSON_Parse(GIDMAP));
	cJSON_AddItemToObject(cJSON_GetObjectItem(doc, "linux"), "gidMappings",
			      cJSON_Parse(GIDMAP));
	text = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	{
		struct oci_spec s;

		parse_ok(text, &s);
		assert_int_equal(s.linux_.uid_mappings[0].host_id, 1000);
		oci_spec_free(&s);
	}
	free(text);
}

static void test_refuses_bad_devices(void **state)
{
	static const struct bad cases[] = {
		{ ".linux.devices",
		  "[{\"path\": \"dev/x\", \"type\": \"c\", \"major\": 1, \"minor\": 3}]",
		  EINVAL,
		  ".linux.devices[0].path: \"dev/x\" is not an absolute path" ABSOLUTE },
		{ ".linux.devices",
		  "[{\"path\": \"/dev/x\", \"type\": \"x\", \"major\": 1, \"minor\": 3}]",
		  EINVAL,
		  ".linux.devices[0].type: unknown device type \"x\": EINVAL (expected c, b, u or "
		  "p)" },
		{ ".linux.devices",
		  "[{\"path\": \"/dev/x\", \"type\": \"cb\", \"major\": 1}]", EINVAL,
		  ".linux.devices[0].type: unknown device type \"cb\": EINVAL (expected c, b, u or "
		  "p)" },
		{ ".linux.devices",
		  "[{\"path\": \"/dev/x\", \"type\": \"c\", \"minor\": 3}]", ENOENT,
		  ".linux.devices[0].major: required field missing" MISSING },
		{ ".linux.devices",
		  "[{\"path\": \"/dev/x\", \"type\": \"b\", \"major\": -1, \"minor\": 3}]",
		  ERANGE,
		  ".linux.devices[0].major: -1 is outside [0, 4294967295]" RANGE },
		{ ".linux.devices",
		  "[{\"path\": \"/dev/x\", \"type\": \"p\", \"fileMode\": 4096}]", ERANGE,
		  ".linux.devices[0].fileMode: 4096 is outside [0, 4095]" RANGE },
		{ ".linux.devices",
		  "[{\"path\": \"/dev/x\", \"type\": \"p\", \"uid\": 4294967296}]",
		  ERANGE,
		  ".linux.devices[0].uid: 4294967296 is outside [0, 4294967295]" RANGE },
		{ ".linux.resources.devices", "[{\"access\": \"rwm\"}]", ENOENT,
		  ".linux.resources.devices[0].allow: required field missing" MISSING },
		{ ".linux.resources.devices", "[{\"allow\": true, \"access\": \"rwx\"}]",
		  EINVAL,
		  ".linux.resources.devices[0].access: bad device access \"rwx\": EINVAL (access "
		  "is made of r, w and m)" },
		{ ".linux.resources.devices", "[{\"allow\": true, \"access\": \"\"}]",
		  EINVAL,
		  ".linux.resources.devices[0].access: bad device access \"\": EINVAL (access is "
		  "made of r, w and m)" },
		{ ".linux.resources.devices", "[{\"allow\": true, \"type\": \"p\"}]",
		  EINVAL,
		  ".linux.resources.devices[0].type: unknown device type \"p\": EINVAL (expected a "
		  "(all), c or b)" },
		{ ".linux.resources.devices", "[{\"allow\": true, \"major\": -2}]",
		  ERANGE,
		  ".linux.resources.devices[0].major: -2 is outside [-1, 4294967295]" RANGE },
	};
	(void)state;

	CHECK_BAD(cases);
}

static void test_refuses_bad_resources(void **state)
{
	static const struct bad cases[] = {
		{ ".linux.resources", "7", EINVAL,
		  ".linux.resources: expected an object, got a number" BAD_TYPE },
		{ ".linux.resources.memory.limit", "-2", ERANGE,
		  ".linux.resources.memory.limit: -2 is outside [-1, 9223372036854775807]" RANGE },
		{ ".linux.resources.memory.reservation", "\"1G\"", EINVAL,
		  ".linux.resources.memory.reservation: expected an integer, got a string" BAD_TYPE },
		{ ".linux.resources.memory.swap", "1e300", ERANGE,
		  ".linux.resources.memory.swap: 1e+300 is too large: ERANGE (integers beyond "
		  "2^53 cannot be read exactly)" },
		{ ".linux.resources.cpu.shares", "-1", ERANGE,
		  ".linux.resources.cpu.shares: -1 is outside [0, 9223372036854775807]" RANGE },
		{ ".linux.resources.cpu.quota", "-5", ERANGE,
		  ".linux.resources.cpu.quota: -5 is outside [-1, 9223372036854775807]" RANGE },
		{ ".linux.resources.cpu.period", "0.5", EINVAL,
		  ".linux.resources.cpu.period: expected an integer, got 0.5" BAD_TYPE },
		{ ".linux.resources.cpu.cpus", "0", EINVAL,
		  ".linux.resources.cpu.cpus: expected a string, got a number" BAD_TYPE },
		{ ".linux.resources.pids", "{}", ENOENT,
		  ".linux.resources.pids.limit: required field missing" MISSING },
		{ ".linux.resources.unified", "{\"../../etc/passwd\": \"x\"}", EINVAL,
		  ".linux.resources.unified.../../etc/passwd: bad cgroup file name: EINVAL (a "
		  "file name inside the cgroup, e.g. memory.high)" },
		{ ".linux.resources.unified", "{\"memory.max\": 100}", EINVAL,
		  ".linux.resources.unified.memory.max: expected a string, got a number" BAD_TYPE },
	};
	(void)state;

	CHECK_BAD(cases);
}

static void test_refuses_bad_seccomp(void **state)
{
#define ACT_HINT  ": EINVAL (expected SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL ...)"
#define SPEC_HINT ": EINVAL (see the runtime spec's config-linux.md)"
	static const struct bad cases[] = {
		{ ".linux.seccomp", "{}", ENOENT,
		  ".linux.seccomp.defaultAction: required field missing" MISSING },
		{ ".linux.seccomp", "{\"defaultAction\": \"SCMP_ACT_FOO\"}", EINVAL,
		  ".linux.seccomp.defaultAction: unknown seccomp action \"SCMP_ACT_FOO\"" ACT_HINT },
		{ ".linux.seccomp",
		  "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"defaultErrnoRet\": 1}",
		  EINVAL,
		  ".linux.seccomp.defaultErrnoRet: not allowed with this action: EINVAL (only "
		  "SCMP_ACT_ERRNO and SCMP_ACT_TRACE return a value)" },
		{ ".linux.seccomp",
		  "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 4096}",
		  ERANGE,
		  ".linux.seccomp.defaultErrnoRet: 4096 is outside [0, 4095]" RANGE },
		{ ".linux.seccomp",
		  "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_Z80\"]}",
		  EINVAL,
		  ".linux.seccomp.architectures[0]: unknown seccomp architecture \"SCMP_ARCH_Z80\"" SPEC_HINT },
		{ ".linux.seccomp",
		  "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"SECCOMP_FILTER_FLAG_FAST\"]}",
		  EINVAL,
		  ".linux.seccomp.flags[0]: unknown seccomp flag \"SECCOMP_FILTER_FLAG_FAST\"" SPEC_HINT },
		{ ".linux.seccomp",
		  "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [], "
		  "\"action\": \"SCMP_ACT_ERRNO\"}]}",
		  EINVAL,
		  ".linux.seccomp.syscalls[0].names: empty array: EINVAL (name at least one system "
		  "call)" },
		{ ".linux.seccomp",
		  "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"]}]}",
		  ENOENT,
		  ".linux.seccomp.syscalls[0].action: required field missing" MISSING },
		{ ".linux.seccomp",
		  "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
		  "\"action\": \"SCMP_ACT_KILL\", \"errnoRet\": 1}]}",
		  EINVAL,
		  ".linux.seccomp.syscalls[0].errnoRet: not allowed with this action: EINVAL (only "
		  "SCMP_ACT_ERRNO and SCMP_ACT_TRACE return a value)" },
		{ ".linux.seccomp",
		  "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
		  "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 6, \"value\": 1, "
		  "\"op\": \"SCMP_CMP_EQ\"}]}]}",
		  ERANGE,
		  ".linux.seccomp.syscalls[0].args[0].index: 6 is outside [0, 5]" RANGE },
		{ ".linux.seccomp",
		  "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
		  "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 1, "
		  "\"op\": \"SCMP_CMP_ABOUT\"}]}]}",
		  EINVAL,
		  ".linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator "
		  "\"SCMP_CMP_ABOUT\": EINVAL (expected SCMP_CMP_EQ, SCMP_CMP_NE, "
		  "SCMP_CMP_MASKED_EQ ...)" },
		{ ".linux.seccomp",
		  "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
		  "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"op\": "
		  "\"SCMP_CMP_EQ\"}]}]}",
		  ENOENT,
		  ".linux.seccomp.syscalls[0].args[0].value: required field missing" MISSING },
		{ ".linux.seccomp",
		  "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
		  "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": -1, "
		  "\"op\": \"SCMP_CMP_EQ\"}]}]}",
		  ERANGE,
		  ".linux.seccomp.syscalls[0].args[0].value: -1 is outside [0, "
		  "9223372036854775807]" RANGE },
	};
	(void)state;

	CHECK_BAD(cases);
#undef ACT_HINT
#undef SPEC_HINT
}

static void test_refuses_bad_linux_rest(void **state)
{
	static const struct bad cases[] = {
		{ ".linux.rootfsPropagation", "\"private2\"", EINVAL,
		  ".linux.rootfsPropagation: unknown propagation \"private2\": EINVAL (expected "
		  "private, rprivate, shared, rshared, slave, rslave, unbindable or runbindable)" },
		{ ".linux.maskedPaths", "[\"/proc/kcore\", \"proc/keys\"]", EINVAL,
		  ".linux.maskedPaths[1]: \"proc/keys\" is not an absolute path" ABSOLUTE },
		{ ".linux.readonlyPaths", "[\"/proc/../etc\"]", EINVAL,
		  ".linux.readonlyPaths[0]: \"/proc/../etc\" has a \"..\" component: EINVAL (a "
		  "path in the container may not climb out with ..)" },
		{ ".linux.devices", "[{\"path\": \"/dev/..\", \"type\": \"p\"}]", EINVAL,
		  ".linux.devices[0].path: \"/dev/..\" has a \"..\" component: EINVAL (a path "
		  "in the container may not climb out with ..)" },
		{ ".linux.readonlyPaths", "[\"\"]", EINVAL,
		  ".linux.readonlyPaths[0]: \"\" is not an absolute path" ABSOLUTE },
		{ ".linux.sysctl", "{\"../../sys/kernel/x\": \"1\"}", EINVAL,
		  ".linux.sysctl.../../sys/kernel/x: bad sysctl name: EINVAL (a name like "
		  "net.ipv4.ip_forward)" },
		{ ".linux.sysctl", "{\"net.ipv4.ip_forward\": 1}", EINVAL,
		  ".linux.sysctl.net.ipv4.ip_forward: expected a string, got a number" BAD_TYPE },
		{ ".linux.cgroupsPath", "false", EINVAL,
		  ".linux.cgroupsPath: expected a string, got a boolean" BAD_TYPE },
		{ ".linux.mountLabel", "[]", EINVAL,
		  ".linux.mountLabel: expected a string, got an array" BAD_TYPE },
	};
	(void)state;

	CHECK_BAD(cases);
}

/* Names that look alike but are not what the spec says are all refused. */
static void test_accepts_every_known_name(void **state)
{
	static const char *const opts[] = {
		"async",
		"atime",
		"defaults",
		"dev",
		"diratime",
		"dirsync",
		"exec",
		"iversion",
		"lazytime",
		"loud",
		"mand",
		"noatime",
		"nodev",
		"nodiratime",
		"noexec",
		"noiversion",
		"nolazytime",
		"nomand",
		"norelatime",
		"nostrictatime",
		"nosuid",
		"nosymfollow",
		"relatime",
		"remount",
		"ro",
		"rw",
		"silent",
		"strictatime",
		"suid",
		"symfollow",
		"sync",
		"rro",
		"rrw",
		"rnosuid",
		"rsuid",
		"rnodev",
		"rdev",
		"rnoexec",
		"rexec",
		"rnodiratime",
		"rdiratime",
		"rrelatime",
		"rnorelatime",
		"rnoatime",
		"ratime",
		"rstrictatime",
		"rnostrictatime",
		"rnosymfollow",
		"rsymfollow",
		"private",
		"rprivate",
		"shared",
		"rshared",
		"slave",
		"rslave",
		"unbindable",
		"runbindable",
		"bind",
		"rbind",
		"tmpcopyup",
		"newinstance",
		"nsdelegate",
		"memory_recursiveprot",
		"favordynmods",
		"userxattr",
		"user_xattr",
		"acl",
		"noacl",
		"nouuid",
		"inode64",
		"inode32",
		"noswap",
		"x=y",
	};
	static const char *const rlimits[] = {
		"AS",      "CORE",     "CPU",        "DATA",   "FSIZE", "LOCKS",
		"MEMLOCK", "MSGQUEUE", "NICE",       "NOFILE", "NPROC", "RSS",
		"RTPRIO",  "RTTIME",   "SIGPENDING", "STACK",
	};
	static const char *const actions[] = { "KILL",  "KILL_PROCESS", "KILL_THREAD",
					       "TRAP",  "ERRNO",        "TRACE",
					       "ALLOW", "LOG",          "NOTIFY" };
	static const char *const ops[] = {
		"NE", "LT", "LE", "EQ", "GE", "GT", "MASKED_EQ"
	};
	char value[512], *text;
	struct oci_spec s;
	(void)state;

	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		FMT(value, sizeof(value),
		    "[{\"destination\": \"/m\", \"type\": \"tmpfs\", \"source\": \"/s\", "
		    "\"options\": [\"%s\"]}]",
		    opts[i]);
		text = mutate(".mounts", value);
		parse_ok(text, &s);
		oci_spec_free(&s);
		free(text);
	}
	for (size_t i = 0; i < sizeof(rlimits) / sizeof(rlimits[0]); i++) {
		FMT(value, sizeof(value),
		    "[{\"type\": \"RLIMIT_%s\", \"soft\": 0, \"hard\": 0}]", rlimits[i]);
		text = mutate(".process.rlimits", value);
		parse_ok(text, &s);
		oci_spec_free(&s);
		free(text);
	}
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		FMT(value, sizeof(value),
		    "{\"defaultAction\": \"SCMP_ACT_%s\", \"syscalls\": [{\"names\": [\"x\"], "
		    "\"action\": \"SCMP_ACT_%s\", \"args\": [{\"index\": 1, \"value\": 2, "
		    "\"op\": \"SCMP_CMP_%s\"}]}]}",
		    actions[i], actions[i], ops[i % 7]);
		text = mutate(".linux.seccomp", value);
		parse_ok(text, &s);
		assert_int_equal(s.linux_.seccomp.default_action, i);
		assert_int_equal(s.linux_.seccomp.syscalls[0].args[0].op, i % 7);
		oci_spec_free(&s);
		free(text);
	}
}

/* ---- oci_process_parse: runc exec --process FILE ------------------------------ */

static void test_process_json_parses_alone(void **state)
{
	static const char text[] =
		"{\"terminal\": true, \"user\": {\"uid\": 1, \"gid\": 2}, "
		"\"args\": [\"ls\", \"-l\"], \"env\": [\"A=1\"], \"cwd\": \"/tmp\", "
		"\"capabilities\": {\"bounding\": [\"CAP_KILL\"]}}";
	struct kit_err err = { 0 };
	struct oci_spec s;
	(void)state;

	assert_int_equal(oci_process_parse(text, strlen(text), "process.json", &s, &err),
			 0);
	assert_non_null(s.doc);
	assert_null(s.oci_version);
	assert_true(s.process.terminal);
	assert_int_equal(s.process.uid, 1);
	assert_int_equal(s.process.gid, 2);
	assert_string_equal(s.process.args[1], "-l");
	assert_string_equal(s.process.cwd, "/tmp");
	assert_int_equal(s.process.caps.bounding, BIT(CAP_KILL));
	oci_spec_free(&s);
}

static void test_process_json_errors_name_paths_from_the_object(void **state)
{
	static const char no_args[] =
		"{\"user\": {\"uid\": 0, \"gid\": 0}, \"cwd\": \"/\"}";
	static const char rel[] =
		"{\"user\": {\"uid\": 0, \"gid\": 0}, \"args\": [\"sh\"], "
		"\"cwd\": \"tmp\"}";
	static const char dup[] = "{\"args\": [\"sh\"], \"args\": [\"rm\"]}";
	static const struct oci_spec zero;
	struct kit_err err = { 0 };
	struct oci_spec s;
	(void)state;

	assert_int_equal(
		oci_process_parse(no_args, strlen(no_args), "process.json", &s, &err),
		-ENOENT);
	assert_string_equal(err.msg,
			    "process.json: .args: required field missing" MISSING);
	assert_memory_equal(&s, &zero, sizeof(s));
	assert_int_equal(oci_process_parse(rel, strlen(rel), "process.json", &s, &err),
			 -EINVAL);
	assert_string_equal(
		err.msg, "process.json: .cwd: \"tmp\" is not an absolute path" ABSOLUTE);
	assert_int_equal(oci_process_parse(dup, strlen(dup), "process.json", &s, &err),
			 -EINVAL);
	assert_string_equal(err.msg,
			    "process.json: .: duplicate key \"args\": EINVAL (a key may "
			    "appear once)");
	assert_int_equal(oci_process_parse("[]", 2, "process.json", &s, &err), -EINVAL);
	assert_memory_equal(&s, &zero, sizeof(s));
}

/* ---- oci_resources_parse: runc update --resources - --------------------------- */

static void test_resources_json_parses_alone(void **state)
{
	static const char text[] =
		"{\"memory\": {\"limit\": 83886080, \"swap\": 167772160}, "
		"\"cpu\": {\"quota\": 25000, \"period\": 100000, \"cpus\": \"0\"}, "
		"\"pids\": {\"limit\": 30}, \"unified\": {\"memory.high\": \"1G\"}}";
	struct kit_err err = { 0 };
	struct oci_spec s;
	const struct oci_resources *r = &s.linux_.resources;
	(void)state;

	assert_int_equal(oci_resources_parse(text, strlen(text), "update", &s, &err), 0);
	assert_true(s.linux_.has_resources);
	assert_true(r->has_memory_limit);
	assert_int_equal(r->memory_limit, 83886080);
	assert_int_equal(r->memory_swap, 167772160);
	assert_false(r->has_memory_reservation);
	assert_int_equal(r->cpu_quota, 25000);
	assert_int_equal(r->cpu_period, 100000);
	assert_false(r->has_cpu_shares);
	assert_string_equal(r->cpuset_cpus, "0");
	assert_null(r->cpuset_mems);
	assert_int_equal(r->pids_limit, 30);
	assert_int_equal(r->n_unified, 1);
	assert_string_equal(r->unified_keys[0], "memory.high");
	oci_spec_free(&s);
	assert_int_equal(oci_resources_parse("{}", 2, "update", &s, &err), 0);
	assert_false(s.linux_.resources.has_memory_limit);
	oci_spec_free(&s);
}

static void test_resources_json_errors_name_paths_from_the_object(void **state)
{
	static const struct {
		const char *text, *msg;
		int code;
	} bad[] = {
		{ "{\"memory\": {\"limit\": \"64M\"}}",
		  "update: .memory.limit: expected an integer, got a string", -EINVAL },
		{ "{\"memory\": {\"limit\": -2}}", "update: .memory.limit: -2 is outside",
		  -ERANGE },
		{ "{\"cpu\": {\"shares\": 1.5}}", "update: .cpu.shares:", -EINVAL },
		{ "{\"pids\": {}}", "update: .pids.limit: required field missing",
		  -ENOENT },
		{ "{\"unified\": {\"../x\": \"1\"}}", "update: .unified", -EINVAL },
		{ "{\"memory\": {}, \"memory\": {}}",
		  "update: .: duplicate key \"memory\"", -EINVAL },
		{ "[]", "update: .: expected an object, got an array", -EINVAL },
		{ "{\"memory\": ", "update:", -EINVAL },
	};
	static const struct oci_spec zero;
	struct kit_err err = { 0 };
	struct oci_spec s;
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret = oci_resources_parse(bad[i].text, strlen(bad[i].text), "update",
					      &s, &err);

		if (ret != bad[i].code ||
		    strncmp(err.msg, bad[i].msg, strlen(bad[i].msg)) != 0)
			fail_msg("%s: got %d \"%s\", want %d \"%s...\"", bad[i].text, ret,
				 err.msg, bad[i].code, bad[i].msg);
		assert_memory_equal(&s, &zero, sizeof(s));
	}
}

/* ---- oci_features: what it lists, the parser accepts --------------------------- */

/* Parse base_json with @path set to @value; fail the test with the message. */
static void accepts(const char *path, cJSON *value)
{
	char *v = cJSON_PrintUnformatted(value), *text = mutate(path, v);
	struct kit_err err = { 0 };
	struct oci_spec s;

	if (oci_spec_parse(text, strlen(text), "config.json", &s, &err) < 0)
		fail_msg("features lists it, the parser refuses it: %s", err.msg);
	oci_spec_free(&s);
	free(text);
	free(v);
	cJSON_Delete(value);
}

static cJSON *names(const cJSON *f, const char *a, const char *b)
{
	const cJSON *o = b ? cJSON_GetObjectItem(cJSON_GetObjectItem(f, a), b)
			   : cJSON_GetObjectItem(f, a);

	assert_true(cJSON_IsArray(o) && cJSON_GetArraySize(o) > 0);
	return (cJSON *)o;
}

static void test_features_lists_only_what_the_parser_accepts(void **state)
{
	cJSON *f = oci_features(), *lx, *item;
	char buf[512];
	(void)state;

	assert_non_null(f);
	assert_string_equal(cJSON_GetObjectItem(f, "ociVersionMin")->valuestring,
			    OCI_VERSION_MIN);
	lx = cJSON_GetObjectItem(f, "linux");
	cJSON_ArrayForEach(item, names(f, "mountOptions", NULL))
	{
		FMT(buf, sizeof(buf),
		    "[{\"destination\": \"/m\", \"type\": \"tmpfs\", \"source\": \"t\", "
		    "\"options\": [\"%s\"]}]",
		    item->valuestring);
		accepts(".mounts", cJSON_Parse(buf));
	}
	cJSON_ArrayForEach(item, names(f, "hooks", NULL))
	{
		FMT(buf, sizeof(buf), "{\"%s\": [{\"path\": \"/bin/true\"}]}",
		    item->valuestring);
		accepts(".hooks", cJSON_Parse(buf));
	}
	accepts(".process.capabilities.bounding",
		cJSON_Duplicate(names(lx, "capabilities", NULL), true));
	cJSON_ArrayForEach(item, names(lx, "namespaces", NULL))
	{
		bool user = strcmp(item->valuestring, "user") == 0;

		FMT(buf, sizeof(buf), "{\"namespaces\": [{\"type\": \"%s\"}]%s}",
		    item->valuestring,
		    user ? ", \"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, "
			   "\"size\": 1}], \"gidMappings\": [{\"containerID\": 0, "
			   "\"hostID\": 1000, \"size\": 1}]"
			 : "");
		accepts(".linux", cJSON_Parse(buf));
	}
	cJSON_ArrayForEach(item, names(lx, "seccomp", "actions"))
	{
		FMT(buf, sizeof(buf), "{\"seccomp\": {\"defaultAction\": \"%s\"}}",
		    item->valuestring);
		accepts(".linux", cJSON_Parse(buf));
	}
	cJSON_ArrayForEach(item, names(lx, "seccomp", "operators"))
	{
		FMT(buf, sizeof(buf),
		    "{\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
		    "[{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": "
		    "[{\"index\": 0, \"value\": 1, \"valueTwo\": 1, \"op\": \"%s\"}]}]}}",
		    item->valuestring);
		accepts(".linux", cJSON_Parse(buf));
	}
	cJSON_ArrayForEach(item, names(lx, "seccomp", "archs"))
	{
		FMT(buf, sizeof(buf),
		    "{\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", "
		    "\"architectures\": [\"%s\"]}}",
		    item->valuestring);
		accepts(".linux", cJSON_Parse(buf));
	}
	cJSON_ArrayForEach(item, names(lx, "seccomp", "knownFlags"))
	{
		FMT(buf, sizeof(buf),
		    "{\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"%s\"]}}",
		    item->valuestring);
		accepts(".linux", cJSON_Parse(buf));
	}
	cJSON_Delete(f);
}

/* ---- out of memory --------------------------------------------------------- */

/*
 * The parser's calloc() and realloc() (linked through --wrap, see
 * chapter.mk): the @oom_fail_at-th call fails; 0 never fails.
 */
static int oom_calls, oom_fail_at;

void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);

void *__wrap_calloc(size_t n, size_t size)
{
	if (oom_fail_at && ++oom_calls == oom_fail_at)
		return NULL;
	return __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
	if (oom_fail_at && ++oom_calls == oom_fail_at)
		return NULL;
	return __real_realloc(p, size);
}

/* Each allocation of a full parse fails in turn: ENOMEM naming the path,
 * and nothing left allocated (ASan's leak check in the sanitizer build). */
static void test_out_of_memory_anywhere_leaves_nothing(void **state)
{
	static const struct oci_spec zero;
	char path[PATH_MAX], *text = NULL;
	struct kit_err err = { 0 };
	struct oci_spec s;
	int failures = 0, ret;
	size_t len;
	(void)state;

	assert_int_equal(
		kit_read_file(data_file(path, "full.json"), 1 << 20, &text, &len, &err),
		0);
	for (oom_fail_at = 1;; oom_fail_at++) {
		oom_calls = 0;
		ret = oci_spec_parse(text, len, "config.json", &s, &err);
		if (ret == 0)
			break;
		assert_int_equal(ret, -ENOMEM);
		assert_non_null(strstr(err.msg, ": allocate memory: ENOMEM"));
		assert_memory_equal(&s, &zero, sizeof(s));
		failures++;
	}
	/* It succeeded only once no allocation failed. */
	assert_true(oom_calls < oom_fail_at);
	oom_fail_at = 0;
	assert_true(failures > 40);
	oci_spec_free(&s);
	free(text);
}

static void test_out_of_memory_message_names_the_path(void **state)
{
	/* In base_json, check_keys() sorts the keys of the document, of
	 * .process and of .process.user (1-3); then .process.args (4). */
	static const struct {
		int fail_at;
		const char *msg;
	} cases[] = {
		{ 1, "config.json: .: allocate memory: ENOMEM (Cannot allocate memory)" },
		{ 4,
		  "config.json: .process.args: allocate memory: ENOMEM (Cannot allocate "
		  "memory)" },
	};
	struct kit_err err = { 0 };
	struct oci_spec s;
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		oom_calls = 0;
		oom_fail_at = cases[i].fail_at;
		assert_int_equal(oci_spec_parse(base_json, strlen(base_json),
						"config.json", &s, &err),
				 -ENOMEM);
		oom_fail_at = 0;
		assert_string_equal(err.msg, cases[i].msg);
	}
}

int main(void)
{
#define T(name) cmocka_unit_test(name)
#define F(name) cmocka_unit_test_setup_teardown(name, make_tmpdir, remove_tmpdir)
	const struct CMUnitTest tests[] = {
		T(test_full_top_level_and_root),
		T(test_full_process),
		T(test_full_capabilities_all_five_sets),
		T(test_full_rlimits_and_infinity),
		T(test_full_mount_options_become_flags_and_data),
		T(test_full_hooks_all_six_lists),
		T(test_full_namespaces_and_mappings),
		T(test_full_devices_and_device_rules),
		T(test_full_resources),
		T(test_full_seccomp),
		T(test_full_linux_rest),
		T(test_minimal_config_leaves_the_rest_absent),
		T(test_free_is_safe_on_zeroed_and_freed_specs),
		T(test_runc_spec_parses),
		T(test_runc_spec_rootless_parses),
		T(test_ctr_oci_spec_needs_args_from_an_image),
		T(test_containerd_ctr_run_parses),
		T(test_dockerd_run_parses),
		T(test_dockerd_run_with_options_parses),
		T(test_default_parses_back),
		T(test_default_rootless_maps_the_caller),
		T(test_default_out_of_memory_returns_null),
		T(test_namespace_names),
		T(test_capability_names),
		T(test_refuses_bad_top_level),
		T(test_refuses_hostile_documents),
		T(test_refuses_documents_over_16_mib),
		T(test_refuses_arrays_over_max_items),
		T(test_max_items_is_allowed),
		T(test_dots_that_are_names_are_fine),
		T(test_refuses_maps_over_max_items),
		T(test_messages_stay_one_short_line),
		F(test_load_names_the_file_by_its_base_name),
		T(test_refuses_bad_process),
		T(test_refuses_bad_capabilities),
		T(test_refuses_bad_rlimits),
		T(test_refuses_bad_mounts),
		T(test_refuses_mount_data_over_a_page),
		T(test_refuses_bad_hooks),
		T(test_refuses_bad_namespaces),
		T(test_refuses_bad_id_mappings),
		T(test_refuses_more_id_mappings_than_the_kernel_takes),
		T(test_refuses_bad_devices),
		T(test_refuses_bad_resources),
		T(test_refuses_bad_seccomp),
		T(test_refuses_bad_linux_rest),
		T(test_accepts_every_known_name),
		T(test_process_json_parses_alone),
		T(test_process_json_errors_name_paths_from_the_object),
		T(test_resources_json_parses_alone),
		T(test_resources_json_errors_name_paths_from_the_object),
		T(test_features_lists_only_what_the_parser_accepts),
		T(test_out_of_memory_anywhere_leaves_nothing),
		T(test_out_of_memory_message_names_the_path),
	};
#undef F
#undef T

	return cmocka_run_group_tests_name("common/oci_spec.c", tests, NULL, NULL);
}
