/* SPDX-License-Identifier: MIT */
/*
 * kit/oci.h - an OCI runtime-spec bundle's config.json, read into C.
 *
 * Article §3.1 (低级容器运行时): a low-level runtime is handed a bundle, a
 * directory with a root filesystem and a config.json that says everything
 * about the container: which namespaces, which mounts in which order, which
 * process with which uid, capabilities, rlimits and seccomp filter, which
 * cgroup limits, which hooks.  This header is the contract between the
 * parser (common/oci_spec.c: JSON in, this struct out, or an error naming
 * the JSON path) and the runtime that applies it (chapters/06-runc/).
 *
 * Strings point into the parsed cJSON tree that struct oci_spec keeps
 * (spec->doc), so they live exactly as long as the spec; arrays of strings
 * are NULL-terminated as execve(2) and friends want them.  Every array is
 * bounded by OCI_MAX_ITEMS so hostile input cannot make the runtime loop or
 * allocate without bound.  oci_spec_free() releases it all.
 *
 * Names are translated while parsing, so the runtime never compares
 * strings: namespace types become CLONE_NEW* flags, capability names
 * capability numbers, rlimit names RLIMIT_* numbers, mount options MS_*
 * flags plus a data string, seccomp actions and operators enums.
 *
 * Left out: Windows, Solaris, VM and z/OS sections; intelRdt, personality,
 * io priority, scheduler, time namespaces' offsets, memory policy.  A
 * config.json that uses them is accepted and they are ignored, as runc
 * ignores fields of a newer spec version it does not know.  The time
 * namespace itself is refused: a container that asked for its own clocks
 * must not silently get the host's.
 */
#ifndef KIT_OCI_H
#define KIT_OCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <cjson/cJSON.h>

#include "kit/err.h"

/* The most elements any array in config.json may have (args, env, mounts, ...). */
#define OCI_MAX_ITEMS 4096

/* ---- process -------------------------------------------------------------- */

struct oci_rlimit {
	int resource; /* RLIMIT_NOFILE ... from "RLIMIT_NOFILE" */
	uint64_t soft;
	uint64_t hard;
};

/*
 * The five capability sets as bit masks: bit N set means capability number
 * N (CAP_CHOWN is 0) is in the set.  Unknown names are refused by the
 * parser with the JSON path ("... unknown capability \"CAP_FOO\"").
 */
struct oci_caps {
	uint64_t bounding;
	uint64_t effective;
	uint64_t inheritable;
	uint64_t permitted;
	uint64_t ambient;
};

struct oci_process {
	bool terminal;
	unsigned console_height, console_width; /* 0 when not given */
	const char *cwd;                        /* required, absolute */
	const char **args;                      /* NULL-terminated; at least one */
	size_t n_args;
	const char **env; /* NULL-terminated, "KEY=value" each */
	size_t n_env;
	uid_t uid;
	gid_t gid;
	gid_t *additional_gids;
	size_t n_additional_gids;
	bool has_umask;
	mode_t umask;
	struct oci_rlimit *rlimits;
	size_t n_rlimits;
	bool has_caps; /* false: "capabilities" absent, leave the sets alone */
	struct oci_caps caps;
	bool no_new_privileges;
	bool has_oom_score_adj;
	int oom_score_adj;
	const char *apparmor_profile; /* NULL when absent (not applied here) */
	const char *selinux_label;    /* NULL when absent (not applied here) */
};

/* ---- mounts --------------------------------------------------------------- */

struct oci_mount {
	const char *destination; /* required, absolute inside the container */
	const char *type;        /* NULL for a bind mount without a type */
	const char *source;      /* NULL when absent */
	const char **options;    /* NULL-terminated, as written */
	size_t n_options;
	/* Parsed from options: */
	unsigned long flags;       /* MS_RDONLY, MS_NOSUID, ... to set */
	unsigned long clear_flags; /* "rw", "suid", ... : flags to clear */
	unsigned long propagation; /* MS_PRIVATE, MS_SHARED, ... (|MS_REC), or 0 */
	bool bind;                 /* "bind" or "rbind" (or type "bind") */
	bool recursive;            /* "rbind" */
	char *data;                /* the other options joined by ',' (owned), or NULL */
	/* Added: runc's recursive forms ("rro", "rnosuid" ...), meant for
	 * mount_setattr(2) with AT_RECURSIVE; MS_* values like flags above. */
	unsigned long rec_flags;       /* "rro", "rnosuid" ...: set on the whole tree */
	unsigned long rec_clear_flags; /* "rrw", "rsuid" ...: clear on the whole tree */
	bool tmpcopyup; /* runc's "tmpcopyup": fill a new tmpfs from the rootfs dir */
};

/* ---- hooks ---------------------------------------------------------------- */

struct oci_hook {
	const char *path; /* required, absolute */
	const char **args;
	size_t n_args;
	const char **env;
	size_t n_env;
	int timeout; /* seconds; 0 when absent (no timeout) */
};

struct oci_hook_list {
	struct oci_hook *hooks;
	size_t n;
};

struct oci_hooks {
	struct oci_hook_list prestart; /* deprecated; run where createRuntime runs */
	struct oci_hook_list create_runtime;
	struct oci_hook_list create_container;
	struct oci_hook_list start_container;
	struct oci_hook_list poststart;
	struct oci_hook_list poststop;
};

/* ---- linux ---------------------------------------------------------------- */

struct oci_namespace {
	int type;         /* CLONE_NEWPID, CLONE_NEWNS, ... (CLONE_NEWCGROUP too) */
	const char *path; /* join this one instead of creating; NULL to create */
};

struct oci_id_mapping {
	uint32_t container_id;
	uint32_t host_id;
	uint32_t size;
};

struct oci_device {
	const char *path; /* required, absolute */
	char type;        /* 'c', 'b', 'u' or 'p' */
	int64_t major, minor;
	bool has_file_mode, has_uid, has_gid;
	mode_t file_mode;
	uid_t uid;
	gid_t gid;
};

/* One entry of linux.resources.devices: a device cgroup rule. */
struct oci_device_rule {
	bool allow;
	char type;            /* 'a', 'c' or 'b' ('a' when absent) */
	int64_t major, minor; /* -1 for "any" (absent) */
	const char *access;   /* "rwm" subset; "rwm" when absent */
};

/*
 * linux.resources, the subset the kit applies through chapter 03's driver.
 * has_* says whether a value was given; what was not given is left alone.
 */
struct oci_resources {
	bool has_memory_limit, has_memory_reservation, has_memory_swap;
	int64_t memory_limit, memory_reservation, memory_swap; /* -1 = unlimited */
	bool has_cpu_shares, has_cpu_quota, has_cpu_period;
	uint64_t cpu_shares;
	int64_t cpu_quota; /* -1 = unlimited */
	uint64_t cpu_period;
	const char *cpuset_cpus, *cpuset_mems; /* NULL when absent */
	bool has_pids_limit;
	int64_t pids_limit; /* -1 or 0 = unlimited (as runc reads it) */
	struct oci_device_rule *devices;
	size_t n_devices;
	/* linux.resources.unified: cgroup v2 files written as given. */
	const char **unified_keys, **unified_values;
	size_t n_unified;
};

enum oci_seccomp_action {
	OCI_SCMP_KILL, /* SCMP_ACT_KILL (= KILL_THREAD) */
	OCI_SCMP_KILL_PROCESS,
	OCI_SCMP_KILL_THREAD,
	OCI_SCMP_TRAP,
	OCI_SCMP_ERRNO,
	OCI_SCMP_TRACE,
	OCI_SCMP_ALLOW,
	OCI_SCMP_LOG,
	OCI_SCMP_NOTIFY,
};

enum oci_seccomp_op {
	OCI_SCMP_CMP_NE,
	OCI_SCMP_CMP_LT,
	OCI_SCMP_CMP_LE,
	OCI_SCMP_CMP_EQ,
	OCI_SCMP_CMP_GE,
	OCI_SCMP_CMP_GT,
	OCI_SCMP_CMP_MASKED_EQ,
};

struct oci_seccomp_arg {
	unsigned index; /* 0..5 */
	uint64_t value;
	uint64_t value_two;
	enum oci_seccomp_op op;
};

struct oci_seccomp_rule {
	const char **names; /* NULL-terminated syscall names, as written */
	size_t n_names;
	enum oci_seccomp_action action;
	bool has_errno;
	unsigned errno_ret; /* for ERRNO (and TRACE); EPERM when absent */
	struct oci_seccomp_arg *args;
	size_t n_args;
};

struct oci_seccomp {
	enum oci_seccomp_action default_action;
	bool has_default_errno;
	unsigned default_errno;
	const char **architectures; /* "SCMP_ARCH_X86_64" ..., NULL-terminated */
	size_t n_architectures;
	const char **flags; /* "SECCOMP_FILTER_FLAG_LOG" ..., NULL-terminated */
	size_t n_flags;
	struct oci_seccomp_rule *syscalls;
	size_t n_syscalls;
};

struct oci_linux {
	struct oci_namespace *namespaces;
	size_t n_namespaces;
	struct oci_id_mapping *uid_mappings, *gid_mappings;
	size_t n_uid_mappings, n_gid_mappings;
	struct oci_device *devices;
	size_t n_devices;
	const char *cgroups_path; /* NULL when absent */
	bool has_resources;
	struct oci_resources resources;
	const char **sysctl_keys, **sysctl_values;
	size_t n_sysctl;
	bool has_seccomp;
	struct oci_seccomp seccomp;
	unsigned long rootfs_propagation; /* MS_PRIVATE|MS_REC ..., 0 when absent */
	const char **masked_paths;
	size_t n_masked_paths;
	const char **readonly_paths;
	size_t n_readonly_paths;
	const char *mount_label;
};

/* ---- the whole config ----------------------------------------------------- */

struct oci_spec {
	cJSON *doc; /* owns every const char * above */
	const char *oci_version;
	const char *root_path; /* as written; relative to the bundle when not absolute */
	bool root_readonly;
	const char *hostname;   /* NULL when absent */
	const char *domainname; /* NULL when absent */
	struct oci_process process;
	struct oci_mount *mounts;
	size_t n_mounts;
	struct oci_hooks hooks;
	struct oci_linux linux_;
	const char **annotation_keys, **annotation_values;
	size_t n_annotations;
};

/*
 * oci_spec_parse - read config.json text (@len bytes, need not be NUL-
 * terminated) into @spec.  @name starts every message ("config.json").
 * Checks types, required fields (ociVersion, root.path, process with args
 * and cwd), absolute paths where the spec wants them, known namespace types
 * (no duplicates), capability, rlimit, seccomp action/operator names, mount
 * options, array sizes (OCI_MAX_ITEMS) and UTF-8.  On error returns
 * -EINVAL (or -E2BIG, -ENOMEM) with a message naming the JSON path:
 *   config.json: .linux.namespaces[2].type: unknown namespace "foo"
 * and leaves nothing allocated (*@spec zeroed).  Also -ENOENT for a
 * missing required field, -ERANGE for a number out of range, -EFBIG above
 * KIT_JSON_MAX_BYTES.  Beyond the spec's schema it refuses: duplicate keys
 * anywhere (cJSON keeps the first, Go the last), keys with control
 * characters, the time namespace (not made by this kit), uid/gid mappings
 * without a new user namespace or the other way round, overlapping or
 * overflowing mappings, rlimits with soft > hard, errnoRet on an action
 * other than ERRNO/TRACE, mount data over one page, bind mounts without a
 * source, and ".." components in paths inside the container (mount
 * destinations, devices, masked and read-only paths).
 */
int oci_spec_parse(const char *text, size_t len, const char *name, struct oci_spec *spec,
		   struct kit_err *err);

/*
 * oci_process_parse - read a process.json, the "process" object alone (what
 * `runc exec --process FILE` gets from containerd), into @spec->process
 * with the same checks; paths in messages start at the object: ".args".
 * Only spec->doc and spec->process are filled; free with oci_spec_free().
 */
int oci_process_parse(const char *text, size_t len, const char *name,
		      struct oci_spec *spec, struct kit_err *err);

/*
 * oci_resources_parse - read a linux.resources object alone (what
 * containerd's shim pipes to `runc update --resources -`) into
 * @spec->linux_.resources, with the same checks; paths in messages start
 * at the object: ".memory.limit".  Free with oci_spec_free().
 */
int oci_resources_parse(const char *text, size_t len, const char *name,
			struct oci_spec *spec, struct kit_err *err);

/*
 * oci_features - the runtime-spec's "features" document (features.md) for
 * what this parser and mini-runc implement, from the parser's own tables:
 * spec versions, hooks, mount options, namespaces, capabilities, seccomp
 * actions/operators/architectures/flags, cgroup drivers.  What the host
 * has is not looked at (the spec: decided when the runtime is built).
 * The caller owns the object; NULL when out of memory.
 */
#define OCI_VERSION_MIN "1.0.0"
#define OCI_VERSION_MAX "1.1.0"
cJSON *oci_features(void);

/* oci_spec_load - read and parse @path (its base name starts messages). */
int oci_spec_load(const char *path, struct oci_spec *spec, struct kit_err *err);

/* oci_spec_free - release everything; safe on a zeroed or freed spec. */
void oci_spec_free(struct oci_spec *spec);

/*
 * oci_spec_default - the config.json that `mini-runc spec` writes: a
 * busybox-friendly default like runc's (sh as the process, the usual
 * /proc, /dev, /dev/pts, /dev/shm, /dev/mqueue, /sys mounts, the default
 * capability set, masked and read-only paths, namespaces pid, network,
 * ipc, uts, mount; with @rootless, a user namespace mapping the caller's
 * uid/gid and no network namespace).  Caller frees with cJSON_Delete().
 */
cJSON *oci_spec_default(bool rootless, uid_t uid, gid_t gid);

/* Names for messages and `state`: "pid", "mount"... / "CAP_CHOWN"; NULL
 * for a flag or number that has no name (or more than one flag). */
const char *oci_namespace_name(int clone_flag);
const char *oci_capability_name(unsigned cap);
/* oci_capability_number - "CAP_KILL" -> 5; -1 for a name not known. */
int oci_capability_number(const char *name);

#endif /* KIT_OCI_H */
