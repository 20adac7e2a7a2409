/* SPDX-License-Identifier: MIT */
/*
 * exec.c - `exec`: start another process in a running container.
 *
 * Article §3.1 (docker exec, kubectl exec, containerd's shim for every
 * `ctr task exec`).  There is no "enter" system call: a new process joins
 * each namespace of the container's init with setns(2), through
 * /proc/PID/ns/, joins its cgroup, and then goes through the same last
 * steps as the init (process.c): rlimits, cwd, user, capabilities,
 * noNewPrivileges, the container's seccomp filter, execve.
 *
 *   mini-runc exec ──fork──> child: setns user, ipc, uts, net, cgroup,
 *                                   pid, mnt (mnt last: it changes "/")
 *                              └─fork─> grandchild: in the PID namespace
 *                                        waits for "go" (cgroup joined)
 *                                        process.c ... execve
 *
 * The setns of a PID namespace only applies to children, hence the
 * second fork.  containerd calls `exec --process F.json --detach
 * --pid-file P ID`: we write P and leave; the shim, a subreaper, reaps.
 * A person may instead give the command and change the config's process
 * with flags: --cwd, --env, --user, --tty, --cap (added to the bounding,
 * effective and permitted sets), --no-new-privs; --preserve-fds N passes
 * the caller's fds 3 .. N+2 on, either way.
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
#include <unistd.h>

#include "kit/cleanup.h"
#include "kit/file.h"
#include "kit/json.h"
#include "kit/proc.h"
#include "runc.h"

struct exec_opts {
	const char *process_file, *pid_file, *console_socket, *cwd, *user;
	const char *env[64];
	size_t n_env;
	const char *caps[64]; /* --cap NAME */
	size_t n_caps;
	bool detach, tty, no_new_privs;
	unsigned preserve_fds; /* --preserve-fds N: the caller's fds 3 .. N+2 */
	char **args;
	const char *id;
};

#define MAX_PRESERVE_FDS 1024

/* The namespaces to join, in order: user first, mount last. */
static const struct {
	const char *name;
	int flag;
} ns_order[] = {
	{ "user", CLONE_NEWUSER }, { "ipc", CLONE_NEWIPC },       { "uts", CLONE_NEWUTS },
	{ "net", CLONE_NEWNET },   { "cgroup", CLONE_NEWCGROUP }, { "pid", CLONE_NEWPID },
	{ "mnt", CLONE_NEWNS },
};

static bool same_ns(pid_t pid, const char *name)
{
	char a[64], b[64];
	struct stat sa, sb;

	snprintf(a, sizeof(a), "/proc/%d/ns/%s", (int)pid, name);
	snprintf(b, sizeof(b), "/proc/self/ns/%s", name);
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_ino == sb.st_ino &&
	       sa.st_dev == sb.st_dev;
}

static int join_container(pid_t pid, bool *userns, struct kit_err *err)
{
	int fds[7];

	/* open them all first: after joining the mount namespace, /proc is
	 * the container's, and after joining the user one we may lose access */
	for (size_t i = 0; i < 7; i++) {
		char path[64];

		fds[i] = -1;
		if (same_ns(pid, ns_order[i].name))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid,
			 ns_order[i].name);
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0 && errno != ENOENT)
			return kit_err_set(err, errno, NULL, "open %s", path);
	}
	*userns = fds[0] >= 0;
	for (size_t i = 0; i < 7; i++) {
		if (fds[i] < 0)
			continue;
		if (setns(fds[i], ns_order[i].flag) < 0) {
			int e = errno;

			for (size_t k = i; k < 7; k++)
				if (fds[k] >= 0)
					close(fds[k]);
			return kit_err_set(err, e, NULL,
					   "join the container's %s namespace",
					   ns_order[i].name);
		}
		close(fds[i]);
	}
	return 0;
}

/*
 * --preserve-fds N: the caller's fds 3 .. N+2 go to the process as they are
 * (how runc passes "extra files"); every other fd above 2 is closed, as
 * runc_close_fds does without it.  The sync socket moves above them if the
 * caller left a hole it landed in.
 */
static int close_fds_preserving(int *sync_fd, unsigned n, struct kit_err *err)
{
	unsigned first = 3 + n;

	if (n == 0)
		return runc_close_fds(*sync_fd, -1, err);
	if ((unsigned)*sync_fd < first) {
		int moved = fcntl(*sync_fd, F_DUPFD_CLOEXEC, (int)first);

		if (moved < 0)
			return kit_err_set(err, errno, NULL, "move the sync socket");
		close(*sync_fd);
		*sync_fd = moved;
	}
	if ((unsigned)*sync_fd > first &&
	    syscall(SYS_close_range, first, (unsigned)*sync_fd - 1, 0) < 0)
		return kit_err_set(err, errno, NULL, "close the host's fds");
	if (syscall(SYS_close_range, (unsigned)*sync_fd + 1, ~0U, 0) < 0)
		return kit_err_set(err, errno, NULL, "close the host's fds");
	for (unsigned fd = 3; fd < first; fd++) {
		int flags = fcntl((int)fd, F_GETFD);

		if (flags >= 0)
			fcntl((int)fd, F_SETFD, flags & ~FD_CLOEXEC);
	}
	return 0;
}

/* The grandchild: in every namespace; waits for go, then process.c. */
static void __attribute__((noreturn))
exec_child(const struct oci_spec *spec, const struct oci_process *p, int sync_fd,
	   int console_fd, bool userns, unsigned preserve_fds)
{
	struct kit_err err = { 0 };
	struct runc_msg m;

	if (runc_msg_expect(sync_fd, RUNC_MSG_GO, &m, &err) < 0)
		_exit(1);
	if (userns && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)) {
		kit_err_set(&err, errno, NULL, "become root in the user namespace");
		runc_fail(sync_fd, 1, &err);
	}
	if (console_fd >= 0) {
		setsid();
		if (runc_console_setup(console_fd, p, &err) < 0)
			runc_fail(sync_fd, 1, &err);
		close(console_fd);
	}
	if (runc_process_prepare(p, &err) < 0 ||
	    close_fds_preserving(&sync_fd, preserve_fds, &err) < 0)
		runc_fail(sync_fd, 1, &err);
	runc_finish_process(spec, p, sync_fd);
}

/* The parent side: pid, cgroup, go; then EOF means the exec worked. */
static int exec_parent(const struct runc_state *st, int fd, pid_t child, pid_t *pid,
		       struct kit_err *err)
{
	struct runc_msg m;
	int ret = runc_msg_expect(fd, RUNC_MSG_PID, &m, err);

	waitpid(child, NULL, 0);
	if (ret < 0)
		return ret;
	*pid = m.pid;
	if (st->cgroup[0] && (ret = runc_cgroup_attach(st, *pid, err)) < 0)
		return ret;
	runc_msg_send(fd, RUNC_MSG_GO, 0, NULL);
	if (runc_msg_recv(fd, &m) == 0 && m.type == RUNC_MSG_ERROR) {
		*err = m.err;
		return -(err->code ? err->code : EIO);
	}
	return 0; /* EOF: the socket closed on execve */
}

/*
 * --process F.json: the "process" object alone, as containerd's shim writes
 * it, with the same checks as config.json's; messages name its fields from
 * the top of that file (".args[0]").
 */
static int load_process(const char *file, struct oci_spec *out, struct kit_err *err)
{
	_autofree char *text = NULL;
	size_t len;
	int ret = kit_read_file(file, KIT_JSON_MAX_BYTES, &text, &len, err);

	if (ret < 0)
		return ret;
	return oci_process_parse(text, len, "process.json", out, err);
}

/* Without --process: the config's process with the command line's changes. */
static int build_process(struct exec_opts *o, struct oci_process *p, const char **env,
			 struct kit_err *err)
{
	size_t n = 0;

	p->args = (const char **)o->args;
	for (n = 0; o->args[n]; n++)
		;
	p->n_args = n;
	if (o->cwd)
		p->cwd = o->cwd;
	n = 0;
	for (size_t i = 0; i < p->n_env && n < 255; i++)
		env[n++] = p->env[i];
	for (size_t i = 0; i < o->n_env && n < 255; i++)
		env[n++] = o->env[i];
	env[n] = NULL;
	p->env = env;
	p->n_env = n;
	p->terminal = o->tty;
	if (o->no_new_privs)
		p->no_new_privileges = true;
	for (size_t i = 0; i < o->n_caps; i++) {
		int c = oci_capability_number(o->caps[i]);

		if (c < 0)
			return kit_err_set(err, EINVAL,
					   "a capability name as in config.json, such as "
					   "CAP_NET_ADMIN",
					   "exec --cap %s: unknown capability",
					   o->caps[i]);
		/* As runc: bounding, effective, permitted; ambient only when
		 * the process has inheritable ones (ambient needs them). */
		p->has_caps = true;
		p->caps.bounding |= 1ULL << c;
		p->caps.effective |= 1ULL << c;
		p->caps.permitted |= 1ULL << c;
		if (p->caps.inheritable)
			p->caps.ambient |= (1ULL << c) & p->caps.inheritable;
	}
	if (o->user) {
		unsigned uid, gid = 0;

		if (sscanf(o->user, "%u:%u", &uid, &gid) < 1)
			return kit_err_set(err, EINVAL, "give UID[:GID] as numbers",
					   "use --user %s", o->user);
		p->uid = uid;
		p->gid = gid;
	}
	return 0;
}

static int parse_exec(int argc, char **argv, struct exec_opts *o)
{
	enum { O_PID = 1, O_CONSOLE, O_NNP, O_PRESERVE, O_CAP };
	static const struct option longopts[] = {
		{ "process", required_argument, NULL, 'p' },
		{ "detach", no_argument, NULL, 'd' },
		{ "pid-file", required_argument, NULL, O_PID },
		{ "tty", no_argument, NULL, 't' },
		{ "console-socket", required_argument, NULL, O_CONSOLE },
		{ "cwd", required_argument, NULL, 'w' },
		{ "env", required_argument, NULL, 'e' },
		{ "user", required_argument, NULL, 'u' },
		{ "no-new-privs", no_argument, NULL, O_NNP },
		{ "preserve-fds", required_argument, NULL, O_PRESERVE },
		{ "cap", required_argument, NULL, O_CAP },
		{ 0 },
	};
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+p:dte:u:w:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'p': o->process_file = optarg; break;
		case 'd': o->detach = true; break;
		case O_PID: o->pid_file = optarg; break;
		case 't': o->tty = true; break;
		case O_CONSOLE: o->console_socket = optarg; break;
		case 'w': o->cwd = optarg; break;
		case 'e':
			if (o->n_env < 64)
				o->env[o->n_env++] = optarg;
			break;
		case 'u': o->user = optarg; break;
		case O_NNP: o->no_new_privs = true; break;
		case O_PRESERVE: {
			char *end;
			unsigned long n;

			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-' ||
			    n > MAX_PRESERVE_FDS)
				return runc_usage_error(
					"exec",
					"--preserve-fds %s: give how many fds "
					"after 2 to pass on (0 to %d)",
					optarg, MAX_PRESERVE_FDS);
			o->preserve_fds = (unsigned)n;
			break;
		}
		case O_CAP:
			if (o->n_caps < 64)
				o->caps[o->n_caps++] = optarg;
			break;
		default: return runc_usage_error("exec", "bad option");
		}
	}
	if (o->process_file && (o->n_caps || o->no_new_privs))
		return runc_usage_error("exec",
					"--cap and --no-new-privs change the config's "
					"process; with --process, put them in that file");
	if (optind >= argc || (!o->process_file && optind + 1 >= argc))
		return runc_usage_error("exec",
					"usage: exec [options] ID COMMAND [ARG...] "
					"(or --process F.json ID)");
	o->id = argv[optind];
	o->args = argv + optind + 1;
	return 0;
}

static int do_exec(struct exec_opts *o, int *code, struct kit_err *err)
{
	struct oci_spec spec = { 0 }, pspec = { 0 };
	struct oci_process proc; /* the config's, changed by the command line */
	const char *env[256];
	struct runc_state st;
	const struct oci_process *p;
	char path[PATH_MAX + 16];
	int sv[2] = { -1, -1 }, console = -1, ret;
	bool userns = false;
	pid_t child, pid = 0;

	ret = runc_state_load(o->id, &st, err);
	if (ret == 0 && runc_state_status(&st) != RUNC_RUNNING)
		ret = kit_err_set(err, EINVAL, "it is not running",
				  "exec in container %s", o->id);
	snprintf(path, sizeof(path), "%s/config.json", st.bundle);
	if (ret == 0)
		ret = oci_spec_load(path, &spec, err);
	if (ret == 0 && o->process_file)
		ret = load_process(o->process_file, &pspec, err);
	proc = spec.process;
	if (ret == 0 && !o->process_file)
		ret = build_process(o, &proc, env, err);
	p = o->process_file ? &pspec.process : &proc;
	if (ret == 0 && p->terminal) {
		console = o->console_socket
				  ? runc_console_connect(o->console_socket, err)
				  : kit_err_set(err, EINVAL,
						"a terminal needs --console-socket",
						"exec in container %s", o->id);
		ret = console < 0 ? console : 0;
	}
	if (ret == 0 && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		ret = kit_err_set(err, errno, NULL, "create the sync socket");
	if (ret < 0)
		goto out;
	if (!o->detach)
		prctl(PR_SET_CHILD_SUBREAPER, 1);
	child = fork();
	if (child == 0) {
		struct kit_err cerr = { 0 };
		pid_t gc;

		close(sv[0]);
		if (join_container(st.pid, &userns, &cerr) < 0)
			runc_fail(sv[1], 1, &cerr);
		gc = fork();
		if (gc == 0)
			exec_child(&spec, p, sv[1], console, userns, o->preserve_fds);
		if (gc < 0) {
			kit_err_set(&cerr, errno, NULL, "fork in the container");
			runc_fail(sv[1], 1, &cerr);
		}
		runc_msg_send(sv[1], RUNC_MSG_PID, gc, NULL);
		_exit(0);
	}
	close(sv[1]);
	if (child < 0) {
		ret = kit_err_set(err, errno, NULL, "fork");
		goto out;
	}
	ret = exec_parent(&st, sv[0], child, &pid, err);
	if (ret < 0 && pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	if (ret == 0 && o->pid_file)
		ret = runc_write_pid_file(o->pid_file, pid, err);
	if (ret == 0 && !o->detach)
		*code = runc_wait_forwarding(pid);
out:
	if (sv[0] >= 0)
		close(sv[0]);
	if (console >= 0)
		close(console);
	oci_spec_free(&spec);
	oci_spec_free(&pspec);
	runc_state_release(&st);
	return ret;
}

int cmd_exec(int argc, char **argv)
{
	struct exec_opts o = { 0 };
	struct kit_err err = { 0 };
	int code = 0;

	if (parse_exec(argc, argv, &o))
		return 2;
	if (do_exec(&o, &code, &err) < 0)
		return runc_fail_cmd(&err);
	return code;
}
