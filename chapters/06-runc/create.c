/* SPDX-License-Identifier: MIT */
/*
 * create.c - `create` and `run`: the parent side of a container's start.
 *
 * Article §3.1.  The lifecycle the OCI runtime spec draws:
 *
 *   create ──> created ──start──> running ──(process exits)──> stopped
 *                 │                                               │
 *                 └──────────── delete (kills it) ───────────────┴──> (gone)
 *
 * `create` does everything but run the user's program: the process is
 * made in its namespaces, in its cgroup, inside its root, and then waits
 * on the exec fifo.  `create` exits, leaving it waiting; containerd sets up
 * networking meanwhile, then calls `start`.  The steps here, parent side:
 *
 *   1. ROOT/ID/ made (mkdir: an existing ID fails here, before anything)
 *   2. config.json parsed, rootfs checked
 *   3. exec fifo, console socket, cgroup with linux.resources
 *   4. clone(2) with CLONE_NEW* (init.c takes over in the child)
 *   5. uid/gid maps written, "go"; the child put in the cgroup (while it
 *      mounts, unless it needs a cgroup namespace: then before "go")
 *   6. createRuntime (+prestart) hooks when the child says its mounts are
 *      done (no such hooks: no such stop); the child is in its cgroup
 *      before we read its "ready", so before any `start`
 *   7. the child says "ready": state.json and --pid-file written, exit
 *
 * If anything fails, undo() kills the child and removes the cgroup and
 * the state directory: a failed create leaves nothing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kit/cleanup.h"
#include "kit/file.h"
#include "kit/lab.h"
#include "kit/proc.h"
#include "runc.h"

/* Write one id map ("0 100000 65536\n" per entry) to /proc/PID/FILE. */
static int write_map(pid_t pid, const char *file, const struct oci_id_mapping *m,
		     size_t n, struct kit_err *err)
{
	char path[64], text[4096];
	size_t len = 0;

	if (n == 0)
		return 0;
	for (size_t i = 0; i < n && len < sizeof(text) - 40; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%u %u %u\n",
					m[i].container_id, m[i].host_id, m[i].size);
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	return kit_write_file(path, text, err);
}

static void now_rfc3339(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	char frac[16];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(frac, sizeof(frac), ".%09ldZ", ts.tv_nsec);
	strncat(buf, frac, size - strlen(buf) - 1);
}

/* What create has made so far, for undo(). */
struct created {
	struct runc_state st;
	struct oci_spec spec;
	bool dir_made;
	pid_t child; /* the process clone(2) made */
	int sync_fd, fifo_fd, console_fd;
	int console_ours; /* run in the foreground: our end of console_fd's pair */
};

static void undo(struct created *c)
{
	struct kit_err ignored = { 0 };
	char path[PATH_MAX + 16];

	if (c->st.pid > 0)
		kill(c->st.pid, SIGKILL);
	if (c->child > 0) {
		kill(c->child, SIGKILL);
		waitpid(c->child, NULL, 0);
	}
	if (c->st.pid > 0 && c->st.pid != c->child)
		waitpid(c->st.pid, NULL, 0); /* ours when we are its subreaper */
	if (c->st.cgroup[0])
		runc_cgroup_destroy(&c->st, &ignored);
	if (c->dir_made) {
		runc_exec_fifo(&c->st, path);
		unlink(path);
		snprintf(path, sizeof(path), "%s/state.json", c->st.dir);
		unlink(path);
		rmdir(c->st.dir);
	}
}

/* Steps 1-2: the state directory, config.json, the rootfs. */
static int prepare(struct created *c, const struct runc_create_opts *o,
		   struct kit_err *err)
{
	char path[PATH_MAX + 16];
	int ret;

	ret = runc_state_dir(o->id, c->st.dir, err);
	if (ret < 0)
		return ret;
	snprintf(c->st.id, sizeof(c->st.id), "%s", o->id);
	ret = kit_mkdir_p(runc_global.root, 0711, err);
	if (ret < 0)
		return ret;
	if (mkdir(c->st.dir, 0711) < 0)
		return kit_err_set(err, errno,
				   errno == EEXIST ? "that ID is taken: delete it first"
						   : NULL,
				   "create container %s", o->id);
	c->dir_made = true;
	if (!realpath(o->bundle ? o->bundle : ".", c->st.bundle))
		return kit_err_set(err, errno, NULL, "find bundle %s", o->bundle);
	snprintf(path, sizeof(path), "%s/config.json", c->st.bundle);
	ret = oci_spec_load(path, &c->spec, err);
	if (ret < 0)
		return ret;
	if (c->spec.root_path[0] == '/')
		snprintf(path, sizeof(path), "%s", c->spec.root_path);
	else
		snprintf(path, sizeof(path), "%s/%s", c->st.bundle, c->spec.root_path);
	if (!realpath(path, c->st.rootfs))
		return kit_err_set(err, errno, "root.path in config.json names it",
				   "find the rootfs %s", path);
	if (c->spec.n_annotations) {
		c->st.annotations = cJSON_CreateObject();
		for (size_t i = 0; i < c->spec.n_annotations; i++)
			cJSON_AddStringToObject(c->st.annotations,
						c->spec.annotation_keys[i],
						c->spec.annotation_values[i]);
	}
	now_rfc3339(c->st.created, sizeof(c->st.created));
	return 0;
}

/* Step 3: fifo, console socket, sync socketpair.  @foreground: `run`
 * without --detach, which may keep the pty itself (no --console-socket). */
static int open_channels(struct created *c, const struct runc_create_opts *o,
			 bool foreground, int sv[2], struct kit_err *err)
{
	char fifo[PATH_MAX];

	runc_exec_fifo(&c->st, fifo);
	if (mkfifo(fifo, 0600) < 0)
		return kit_err_set(err, errno, NULL, "create the exec fifo %s", fifo);
	/* O_RDWR: opening never blocks, and the init can read it later. */
	c->fifo_fd = open(fifo, O_RDWR | O_CLOEXEC);
	if (c->fifo_fd < 0)
		return kit_err_set(err, errno, NULL, "open %s", fifo);
	if (c->spec.process.terminal && !o->console_socket && foreground) {
		/* No one to hand the pty to: the init sends it to us, and we
		 * copy between it and our own stdio while it runs. */
		int pair[2];

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0)
			return kit_err_set(err, errno, NULL, "create the console socket");
		c->console_ours = pair[0];
		c->console_fd = pair[1];
	} else if (c->spec.process.terminal) {
		if (!o->console_socket)
			return kit_err_set(err, EINVAL,
					   "a container with a terminal needs "
					   "--console-socket to hand its pty to (or "
					   "`run` without --detach, which keeps it)",
					   "create container %s", o->id);
		c->console_fd = runc_console_connect(o->console_socket, err);
		if (c->console_fd < 0)
			return c->console_fd;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return kit_err_set(err, errno, NULL, "create the sync socket");
	return 0;
}

/* Which namespaces to create, and whether any is joined by path. */
static void namespaces(const struct oci_spec *spec, struct runc_init *in)
{
	for (size_t i = 0; i < spec->linux_.n_namespaces; i++) {
		const struct oci_namespace *ns = &spec->linux_.namespaces[i];

		if (ns->path)
			in->joins = true;
		else if (ns->type == CLONE_NEWCGROUP)
			in->cgroupns = true; /* the child unshares it after "go" */
		else
			in->create_flags |= ns->type;
		if (ns->type == CLONE_NEWUSER)
			in->in_userns = true;
	}
}

/* Step 4: the child.  Fork-like clone(2): no stack to manage. */
static pid_t clone_init(struct runc_init *in, int parent_fd, struct kit_err *err)
{
	int flags = in->joins ? 0 : in->create_flags;
	pid_t pid = (pid_t)syscall(SYS_clone, (unsigned long)(flags | SIGCHLD), NULL,
				   NULL, NULL, NULL);

	if (pid < 0)
		return kit_err_set(err, errno,
				   errno == EPERM ? "creating namespaces needs root "
						    "(or a user namespace)"
						  : NULL,
				   "clone the container's init");
	if (pid == 0) {
		close(parent_fd);
		runc_init_main(in);
	}
	return pid;
}

/*
 * Steps 5-7: the conversation with the child.  Every "expect" fails if
 * the child reported an error or died: its message becomes ours.
 */
static int talk_to_child(struct created *c, struct runc_init *in, int fd,
			 struct kit_err *err)
{
	const struct oci_linux *lx = &c->spec.linux_;
	struct runc_msg m;
	int ret;

	c->st.pid = c->child;
	if (in->joins) {
		ret = runc_msg_expect(fd, RUNC_MSG_PID, &m, err);
		if (ret < 0)
			return ret;
		c->st.pid = m.pid;
	}
	c->st.ns_flags = in->create_flags | (in->cgroupns ? CLONE_NEWCGROUP : 0);
	if (in->create_flags & CLONE_NEWUSER) {
		ret = write_map(c->st.pid, "uid_map", lx->uid_mappings,
				lx->n_uid_mappings, err);
		if (ret == 0)
			ret = write_map(c->st.pid, "gid_map", lx->gid_mappings,
					lx->n_gid_mappings, err);
		if (ret < 0)
			return kit_err_wrap(err, "map the user namespace's ids");
	}
	/*
	 * Joining a v1 cgroup costs an RCU grace period (~10 ms, the
	 * kernel's cgroup_threadgroup_rwsem): most of a container's start.
	 * The child's mounts need not wait for it, only its program does:
	 * so "go" first and the cgroup meanwhile, unless the child must
	 * unshare a cgroup namespace, whose root is the group it is in.
	 */
	if (in->cgroupns && c->st.cgroup[0] &&
	    (ret = runc_cgroup_attach(&c->st, c->st.pid, err)) < 0)
		return ret;
	runc_msg_send(fd, RUNC_MSG_GO, 0, NULL);
	if (!in->cgroupns && c->st.cgroup[0] &&
	    (ret = runc_cgroup_attach(&c->st, c->st.pid, err)) < 0)
		return ret;
	c->st.start_time = runc_proc_start_time(c->st.pid);
	if (!runc_has_setup_hooks(&c->spec))
		return runc_msg_expect(fd, RUNC_MSG_READY, &m, err);
	ret = runc_msg_expect(fd, RUNC_MSG_HOOKS, &m, err);
	if (ret < 0)
		return ret;
	ret = runc_hooks_run(&c->spec.hooks.prestart, "prestart", &c->st, RUNC_CREATING,
			     err);
	if (ret == 0)
		ret = runc_hooks_run(&c->spec.hooks.create_runtime, "createRuntime",
				     &c->st, RUNC_CREATING, err);
	if (ret < 0)
		return ret;
	runc_msg_send(fd, RUNC_MSG_HOOKS_DONE, 0, NULL);
	return runc_msg_expect(fd, RUNC_MSG_READY, &m, err);
}

bool runc_has_setup_hooks(const struct oci_spec *spec)
{
	const struct oci_hooks *h = &spec->hooks;

	return h->prestart.n || h->create_runtime.n || h->create_container.n;
}

/* `start`'s work: one byte into the fifo, the fifo gone, poststart hooks. */
static int start_created(struct runc_state *st, const struct oci_spec *spec,
			 struct kit_err *err);

/* Pass on the signals `run` and `exec` get to the process they wait for. */
static volatile sig_atomic_t waited_pid;
static void forward(int sig)
{
	if (waited_pid > 0)
		kill(waited_pid, sig);
}

/*
 * runc_wait_forwarding - `run` and `exec` without --detach: wait for @pid,
 * passing on the signals a terminal or a supervisor sends (so Ctrl-C and
 * `kill` reach the container), and return its exit status as a shell
 * would report it.
 */
void runc_forward_signals(pid_t pid)
{
	static const int sigs[] = { SIGHUP,  SIGINT,  SIGQUIT, SIGTERM,
				    SIGUSR1, SIGUSR2, SIGWINCH };
	struct sigaction sa = { .sa_handler = forward, .sa_flags = SA_RESTART };

	waited_pid = pid;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

int runc_wait_forwarding(pid_t pid)
{
	int status = 0;

	runc_forward_signals(pid);
	for (;;) {
		pid_t got = waitpid(-1, &status, 0);

		if (got == pid)
			return kit_status_exit_code(status);
		if (got < 0 && errno != EINTR)
			return 255;
	}
}

int runc_create(const struct runc_create_opts *o, bool run, int *exit_code,
		struct kit_err *err)
{
	struct created c = {
		.sync_fd = -1, .fifo_fd = -1, .console_fd = -1, .console_ours = -1
	};
	int master = -1;
	struct runc_init in = { .console_fd = -1, .no_pivot = o->no_pivot };
	struct kit_cgroup cg;
	int sv[2] = { -1, -1 };
	int ret;

	ret = prepare(&c, o, err);
	if (ret == 0)
		ret = open_channels(&c, o, run && !o->detach, sv, err);
	if (ret == 0)
		ret = runc_cgroup_setup(&c.st, &c.spec, &cg, &c.st.cgroup_owned, err);
	if (ret < 0)
		goto fail;
	in.spec = &c.spec;
	snprintf(in.rootfs, sizeof(in.rootfs), "%s", c.st.rootfs);
	in.bundle = c.st.bundle;
	in.sync_fd = sv[1];
	in.fifo_fd = c.fifo_fd;
	in.console_fd = c.console_fd;
	in.cgroup = c.st.cgroup;
	in.state = &c.st;
	namespaces(&c.spec, &in);
	if (run && in.joins)
		prctl(PR_SET_CHILD_SUBREAPER, 1); /* the init is our grandchild */
	c.child = clone_init(&in, sv[0], err);
	close(sv[1]);
	if (c.child < 0) {
		ret = c.child;
		c.child = 0;
		goto fail;
	}
	ret = talk_to_child(&c, &in, sv[0], err);
	if (ret < 0)
		goto fail;
	if (in.joins)
		waitpid(c.child, NULL, 0); /* the middle process has exited */
	ret = runc_state_save(&c.st, err);
	if (ret == 0 && o->pid_file)
		ret = runc_write_pid_file(o->pid_file, c.st.pid, err);
	if (ret == 0 && c.console_ours >= 0) {
		master = runc_console_recv(c.console_ours, err);
		ret = master < 0 ? master : 0;
	}
	if (ret < 0)
		goto fail;
	close(sv[0]);
	close(c.fifo_fd);
	if (c.console_fd >= 0)
		close(c.console_fd);
	runc_log_debug("created %s: init pid %d", c.st.id, (int)c.st.pid);
	if (run) {
		ret = start_created(&c.st, &c.spec, err);
		if (ret < 0) {
			/* created but not started: it goes, as after any failure */
			struct kit_err ignored = { 0 };

			kill(c.st.pid, SIGKILL);
			waitpid(c.st.pid, NULL, 0);
			runc_destroy(&c.st, NULL, &ignored);
		} else if (!o->detach) {
			*exit_code = master >= 0 ? runc_console_proxy(master, c.st.pid)
						 : runc_wait_forwarding(c.st.pid);
			ret = runc_destroy(&c.st, &c.spec, err);
		}
	}
	if (master >= 0)
		close(master);
	if (c.console_ours >= 0)
		close(c.console_ours);
	oci_spec_free(&c.spec);
	runc_state_release(&c.st);
	return ret;
fail:
	undo(&c); /* the child is killed first: it must not see us hang up */
	if (master >= 0)
		close(master);
	if (c.console_ours >= 0)
		close(c.console_ours);
	if (sv[0] >= 0)
		close(sv[0]);
	if (c.fifo_fd >= 0)
		close(c.fifo_fd);
	if (c.console_fd >= 0)
		close(c.console_fd);
	oci_spec_free(&c.spec);
	runc_state_release(&c.st);
	return ret;
}

static int start_created(struct runc_state *st, const struct oci_spec *spec,
			 struct kit_err *err)
{
	char fifo[PATH_MAX];
	_autoclose int fd = -1;
	int ret;

	runc_exec_fifo(st, fifo);
	/* LAB 06.1: release the waiting init through the exec fifo.
	 * open(2) @fifo write-only and non-blocking (O_WRONLY|O_NONBLOCK|
	 * O_CLOEXEC).  ENOENT: return kit_err_set(err, EINVAL, "it is not in
	 * the created state", "start container %s", st->id).  ENXIO (no
	 * reader: the init died): return kit_err_set(err, ESRCH, "its init
	 * has exited", "start container %s", st->id).  Then write(2) one
	 * byte ("0") and unlink(2) the fifo: from now on `state` says
	 * "running".
	 * Stub: (void)fd;
	 * Stub: return kit_lab_todo(err, "06.1");
	 * Why: the init (init.c, wait_for_start) has blocked in read(2) on
	 * this fifo since `create`.  A fifo opened for writing with
	 * O_NONBLOCK fails with ENXIO when nobody holds it open for
	 * reading, which tells a dead init from a waiting one without a
	 * PID check.  The fifo's existence is the "created" state itself:
	 * unlinking it is the transition to "running".
	 */
	fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return kit_err_set(err, EINVAL, "it is not in the created state",
				   "start container %s", st->id);
	if (fd < 0 && errno == ENXIO)
		return kit_err_set(err, ESRCH, "its init has exited",
				   "start container %s", st->id);
	if (fd < 0)
		return kit_err_set(err, errno, NULL, "open %s", fifo);
	if (write(fd, "0", 1) != 1)
		return kit_err_set(err, errno, NULL, "write to %s", fifo);
	unlink(fifo);
	/* END LAB */
	ret = runc_hooks_run(&spec->hooks.poststart, "poststart", st, RUNC_RUNNING, err);
	if (ret < 0) {
		/* the spec: a failing poststart hook is logged, the container runs on */
		runc_log_error(err->msg);
		kit_err_clear(err);
	}
	return 0;
}

/* `start ID` (commands.c calls this through cmd_start). */
int cmd_start(int argc, char **argv)
{
	struct kit_err err = { 0 };
	struct runc_state st;
	struct oci_spec spec = { 0 };
	char path[PATH_MAX + 16];
	int ret;

	if (argc != 2)
		return runc_usage_error("start", "usage: start ID");
	ret = runc_state_load(argv[1], &st, &err);
	if (ret == 0 && runc_state_status(&st) != RUNC_CREATED)
		ret = kit_err_set(&err, EINVAL, "it is not in the created state",
				  "start container %s (%s)", st.id,
				  runc_status_name(runc_state_status(&st)));
	snprintf(path, sizeof(path), "%s/config.json", st.bundle);
	if (ret == 0)
		ret = oci_spec_load(path, &spec, &err);
	if (ret == 0)
		ret = start_created(&st, &spec, &err);
	oci_spec_free(&spec);
	runc_state_release(&st);
	return ret < 0 ? runc_fail_cmd(&err) : 0;
}

static int parse_create(int argc, char **argv, struct runc_create_opts *o, bool run)
{
	enum { O_BUNDLE = 1, O_PID, O_CONSOLE, O_NOPIVOT, O_DETACH, O_IGNORE, O_IGNARG };
	static const struct option longopts[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "pid-file", required_argument, NULL, O_PID },
		{ "console-socket", required_argument, NULL, O_CONSOLE },
		{ "no-pivot", no_argument, NULL, O_NOPIVOT },
		{ "detach", no_argument, NULL, 'd' },
		{ "no-new-keyring", no_argument, NULL, O_IGNORE },
		{ "no-subreaper", no_argument, NULL, O_IGNORE },
		{ "keep", no_argument, NULL, O_IGNORE },
		{ "preserve-fds", required_argument, NULL, O_IGNARG },
		{ 0 },
	};
	int opt;

	optind = 1;
	opterr = 1;
	while ((opt = getopt_long(argc, argv, "+b:d", longopts, NULL)) != -1) {
		switch (opt) {
		case 'b': o->bundle = optarg; break;
		case O_PID: o->pid_file = optarg; break;
		case O_CONSOLE: o->console_socket = optarg; break;
		case O_NOPIVOT: o->no_pivot = true; break;
		case 'd':
			if (!run)
				return runc_usage_error("create", "--detach is for run");
			o->detach = true;
			break;
		case O_IGNORE:
		case O_IGNARG: break;
		default: return runc_usage_error(argv[0], "bad option");
		}
	}
	if (optind != argc - 1)
		return runc_usage_error(argv[0], "usage: %s [options] ID", argv[0]);
	o->id = argv[optind];
	return 0;
}

int cmd_create(int argc, char **argv)
{
	struct runc_create_opts o = { 0 };
	struct kit_err err = { 0 };
	int code = 0;

	if (parse_create(argc, argv, &o, false))
		return 2;
	if (runc_create(&o, false, &code, &err) < 0)
		return runc_fail_cmd(&err);
	return 0;
}

int cmd_run(int argc, char **argv)
{
	struct runc_create_opts o = { 0 };
	struct kit_err err = { 0 };
	int code = 0;

	if (parse_create(argc, argv, &o, true))
		return 2;
	if (runc_create(&o, true, &code, &err) < 0)
		return runc_fail_cmd(&err);
	return code;
}
