/* SPDX-License-Identifier: MIT */
/*
 * runc.h - what the files of mini-runc share.
 *
 * Article §3.1 (低级容器运行时).  The files, by concern:
 *
 *   main.c      global flags, the command table, the log (--log, json)
 *   state.c     the state directory ROOT/ID: state.json, the exec fifo,
 *               "is the init still the process we started?"
 *   create.c    create / run: the parent side of container start-up
 *   init.c      the child side: the ordered steps inside the namespaces
 *   mounts.c    mounts resolved inside the rootfs, /dev, masked paths,
 *               pivot_root
 *   process.c   the process: user, rlimits, capabilities, seccomp, exec
 *   cgroups.c   linux.resources and cgroupsPath, through chapter 03's driver
 *   hooks.c     OCI hooks: state JSON on stdin, with a timeout
 *   console.c   terminal: true, the pty master over --console-socket
 *   exec.c      exec: a new process in a running container
 *   commands.c  start, state, kill, delete, list, ps, spec, pause, resume
 */
#ifndef MINI_RUNC_H
#define MINI_RUNC_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "kit/cgroup.h"
#include "kit/err.h"
#include "kit/oci.h"

#define RUNC_NAME     "mini-runc"
#define RUNC_VERSION  "0.6.0"
#define RUNC_SPEC     "1.2.0"
#define RUNC_ID_MAX   128
#define RUNC_DEF_ROOT "/run/mini-runc"

/* The global flags, given before the command. */
struct runc_global {
	const char *root;     /* --root, default RUNC_DEF_ROOT */
	const char *log_path; /* --log, NULL: stderr only */
	bool log_json;        /* --log-format json */
	bool debug;           /* --debug */
};
extern struct runc_global runc_global;

/* runc_log_error - the failure, on stderr and (if --log) in the log file. */
void runc_log_error(const char *msg);
void runc_log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- state (state.c) ------------------------------------------------------ */

enum runc_status { RUNC_CREATING, RUNC_CREATED, RUNC_RUNNING, RUNC_PAUSED, RUNC_STOPPED };

/* What ROOT/ID/state.json keeps about one container. */
struct runc_state {
	char id[RUNC_ID_MAX + 1];
	char dir[PATH_MAX];            /* ROOT/ID */
	char bundle[PATH_MAX];         /* absolute */
	char rootfs[PATH_MAX];         /* absolute */
	char cgroup[PATH_MAX];         /* relative to the cgroup roots; "" if none */
	char created[40];              /* RFC 3339, UTC */
	pid_t pid;                     /* the container's init */
	unsigned long long start_time; /* /proc/PID/stat field 22 */
	int ns_flags;                  /* namespaces the container created */
	bool cgroup_owned;             /* we made the group: delete removes it */
	cJSON *annotations;            /* owned; NULL if none */
};

const char *runc_status_name(enum runc_status s);

/* runc_check_id - an ID is a file name: letters, digits, "_+-.", no "..". */
int runc_check_id(const char *id, struct kit_err *err);

/* runc_state_dir - ROOT/ID into @buf (PATH_MAX). */
int runc_state_dir(const char *id, char *buf, struct kit_err *err);

/* runc_state_save - write state.json atomically (temp file + rename). */
int runc_state_save(const struct runc_state *st, struct kit_err *err);

/* runc_state_load - read ROOT/ID/state.json; -ENOENT says "does not exist". */
int runc_state_load(const char *id, struct runc_state *st, struct kit_err *err);
void runc_state_release(struct runc_state *st);

/* runc_state_status - created, running, paused or stopped, from the kernel. */
enum runc_status runc_state_status(const struct runc_state *st);

/* runc_state_json - the OCI state object (caller frees with cJSON_Delete). */
cJSON *runc_state_json(const struct runc_state *st, enum runc_status status);

/* runc_proc_start_time - /proc/PID/stat field 22; 0 if there is no PID. */
unsigned long long runc_proc_start_time(pid_t pid);

/*
 * runc_pidfd - a pidfd for st->pid if it is still the process we started
 * (same start time), else -ESRCH.  Signals go through it: no recycled PID
 * is ever signalled.
 */
int runc_pidfd(const struct runc_state *st);

/* runc_write_pid_file - @pid in @path, written atomically. */
int runc_write_pid_file(const char *path, pid_t pid, struct kit_err *err);

/* runc_exec_fifo - ROOT/ID/exec.fifo into @buf. */
void runc_exec_fifo(const struct runc_state *st, char *buf);

/* ---- the child/parent protocol (create.c, init.c, exec.c) ----------------- */

enum runc_msg_type {
	RUNC_MSG_PID = 1,    /* child -> parent: the init's PID (after a 2nd fork) */
	RUNC_MSG_GO,         /* parent -> child: maps written, in the cgroup */
	RUNC_MSG_HOOKS,      /* child -> parent: mounts done, run createRuntime */
	RUNC_MSG_HOOKS_DONE, /* parent -> child */
	RUNC_MSG_READY,      /* child -> parent: waiting on the exec fifo */
	RUNC_MSG_ERROR,      /* child -> parent: set-up failed, see err */
};

struct runc_msg {
	int type;
	pid_t pid;
	int exit_code;
	struct kit_err err;
};

int runc_msg_send(int fd, int type, pid_t pid, const struct kit_err *err);
/* runc_msg_recv - 0, or -EPIPE when the other side closed without a word. */
int runc_msg_recv(int fd, struct runc_msg *m);
/* runc_msg_expect - receive @type; an ERROR message becomes our error. */
int runc_msg_expect(int fd, int type, struct runc_msg *m, struct kit_err *err);

/* ---- create / init (create.c, init.c) ------------------------------------- */

struct runc_create_opts {
	const char *id;
	const char *bundle;
	const char *pid_file;
	const char *console_socket;
	bool no_pivot;
	bool detach; /* run --detach */
};

/* Everything the child needs; set up by the parent before clone(2). */
struct runc_init {
	const struct oci_spec *spec;
	char rootfs[PATH_MAX];
	const char *bundle;
	int sync_fd;    /* the child's end of the socketpair */
	int fifo_fd;    /* exec fifo, O_RDWR: init blocks reading it */
	int console_fd; /* connected --console-socket, or -1 */
	bool no_pivot;
	int create_flags; /* CLONE_NEW* to create (but the cgroup one) */
	bool cgroupns;    /* CLONE_NEWCGROUP: unshared once in the cgroup */
	bool joins;       /* some namespace is joined by path */
	bool in_userns;
	const char *cgroup;             /* for the cgroup mount */
	const struct runc_state *state; /* for hooks run by the child */
};

int runc_create(const struct runc_create_opts *o, bool run, int *exit_code,
		struct kit_err *err);

/* runc_has_setup_hooks - prestart, createRuntime or createContainer given:
 * the child stops after its mounts for them. */
bool runc_has_setup_hooks(const struct oci_spec *spec);

/* runc_init_main - the child's body: never returns (execs or exits 1). */
void runc_init_main(struct runc_init *in) __attribute__((noreturn));

/* runc_fail - report @err to the parent on @sync_fd and _exit(code). */
void runc_fail(int sync_fd, int code, const struct kit_err *err)
	__attribute__((noreturn));

/* ---- mounts.c ------------------------------------------------------------- */

int runc_mounts_setup(const struct runc_init *in, struct kit_err *err);
int runc_enter_root(const struct runc_init *in, struct kit_err *err);
int runc_mounts_finish(const struct oci_spec *spec, struct kit_err *err);

/*
 * runc_open_in_root - open @path inside the directory @rootfd as
 * openat2(RESOLVE_IN_ROOT) does: ".." and symlinks never leave it.  With
 * @mkdir, missing directories are made (the last one a file if @file).
 * Returns an O_PATH fd or -errno.
 */
int runc_open_in_root(int rootfd, const char *path, bool create, bool file,
		      struct kit_err *err);

/* ---- process.c ------------------------------------------------------------ */

int runc_process_prepare(const struct oci_process *p, struct kit_err *err);
int runc_set_user(const struct oci_process *p, struct kit_err *err);
int runc_drop_bounding(const struct oci_process *p, struct kit_err *err);
int runc_set_caps(const struct oci_process *p, struct kit_err *err);
int runc_load_seccomp(const struct oci_seccomp *s, struct kit_err *err);
int runc_chdir(const char *cwd, struct kit_err *err);
int runc_close_fds(int keep1, int keep2, struct kit_err *err);
/* runc_find_program - args[0] looked up in the process's PATH, into @out. */
int runc_find_program(const struct oci_process *p, char *out, struct kit_err *err);
/* runc_exec_process - look args[0] up in the process's PATH and execve. */
int runc_exec_process(const struct oci_process *p, struct kit_err *err);
/* runc_finish_process - user, caps, nnp, seccomp, exec: the last steps. */
void runc_finish_process(const struct oci_spec *spec, const struct oci_process *p,
			 int sync_fd) __attribute__((noreturn));

/* ---- cgroups.c ------------------------------------------------------------ */

/* runc_cgroup_path - cgroupsPath by runc's rules, relative to the roots. */
int runc_cgroup_path(const char *cgroups_path, const char *id, char *out,
		     struct kit_err *err);

/* One write a linux.resources value becomes, for kit_cgroup_set(). */
struct runc_cg_write {
	char key[64];
	char value[128];
};
#define RUNC_CG_MAX_WRITES 16

/* runc_cgroup_writes - linux.resources as kit_cgroup_set() keys; pure. */
int runc_cgroup_writes(enum kit_cgroup_version v, const struct oci_resources *r,
		       struct runc_cg_write *w, size_t max, struct kit_err *err);

int runc_cgroup_setup(const struct runc_state *st, const struct oci_spec *spec,
		      struct kit_cgroup *cg, bool *made, struct kit_err *err);
/* runc_cgroup_stat - usage and counters of the container's cgroup (`events`). */
int runc_cgroup_stat(const struct runc_state *st, struct kit_cgroup_stat *stat,
		     struct kit_err *err);
/* runc_cgroup_update - apply @r to the container's cgroup (`update`). */
int runc_cgroup_update(const struct runc_state *st, const struct oci_resources *r,
		       struct kit_err *err);
int runc_cgroup_attach(const struct runc_state *st, pid_t pid, struct kit_err *err);
int runc_cgroup_pids(const struct runc_state *st, pid_t *pids, size_t max, size_t *n,
		     struct kit_err *err);
int runc_cgroup_destroy(const struct runc_state *st, struct kit_err *err);
int runc_cgroup_freeze(const struct runc_state *st, bool freeze, struct kit_err *err);
bool runc_cgroup_frozen(const struct runc_state *st);

/* ---- hooks.c -------------------------------------------------------------- */

int runc_hooks_run(const struct oci_hook_list *list, const char *stage,
		   const struct runc_state *st, enum runc_status status,
		   struct kit_err *err);

/* ---- console.c ------------------------------------------------------------ */

int runc_console_connect(const char *path, struct kit_err *err);
/* runc_console_setup - new pty; master sent on @sock; slave is our stdio. */
int runc_console_setup(int sock, const struct oci_process *p, struct kit_err *err);
/* runc_console_recv - the pty master the init sent over @sock. */
int runc_console_recv(int sock, struct kit_err *err);
/* runc_console_proxy - `run` with a terminal and no --console-socket: copy
 * between our stdio and @master until @pid exits; its exit status. */
int runc_console_proxy(int master, pid_t pid);
/* runc_forward_signals - pass the signals we get on to @pid. */
void runc_forward_signals(pid_t pid);

/* ---- commands (commands.c, exec.c) --------------------------------------- */

int cmd_create(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_start(int argc, char **argv);
int cmd_state(int argc, char **argv);
int cmd_kill(int argc, char **argv);
int cmd_delete(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_ps(int argc, char **argv);
int cmd_spec(int argc, char **argv);
int cmd_pause(int argc, char **argv);
int cmd_resume(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_update(int argc, char **argv);
int cmd_features(int argc, char **argv);
int cmd_events(int argc, char **argv);

/* runc_fail_cmd - log @err, return 1 (the commands' failure path). */
int runc_fail_cmd(const struct kit_err *err);
/* runc_usage_error - say what was wrong with the command line, return 2. */
int runc_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* runc_signal_parse - "TERM", "SIGTERM", "15" -> 15; -EINVAL. */
int runc_signal_parse(const char *s);

/* runc_delete_state - poststop hooks, cgroup, state dir (delete and run). */
int runc_destroy(struct runc_state *st, const struct oci_spec *spec, struct kit_err *err);

/* create.c: wait for @pid, forwarding signals; its exit status. */
int runc_wait_forwarding(pid_t pid);

#endif /* MINI_RUNC_H */
