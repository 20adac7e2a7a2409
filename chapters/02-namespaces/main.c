/* SPDX-License-Identifier: MIT */
/*
 * mini-unshare - run a program in new namespaces, like util-linux unshare.
 *
 * Article: §2.2 Namespace.  The article's two experiments:
 *
 *   sudo mini-unshare --fork --pid --mount-proc bash   # ps sees 2 processes
 *   sudo mini-unshare --net ip link                    # only "lo"
 *
 * The steps below are numbered as they happen in the kernel; each is one
 * call into common/ns.c, where the system calls are.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kit/err.h"
#include "kit/lab.h"
#include "kit/log.h"
#include "kit/ns.h"
#include "kit/proc.h"

static const char *prog = "mini-unshare";

struct options {
	int flags;              /* CLONE_NEW* bits to unshare */
	bool fork;              /* --fork: run the command as our child */
	const char *mount_proc; /* --mount-proc[=DIR]: NULL if not asked */
	bool map_root;          /* --map-root-user */
	char **argv;            /* the command, NULL-terminated */
};

static void __attribute__((noreturn)) usage(FILE *out, int status)
{
	fprintf(out,
		"usage: %s [options] [--] [program [arguments...]]\n"
		"\n"
		"Run a program (default: $SHELL, else /bin/sh) in new namespaces.\n"
		"\n"
		"  -p, --pid              new PID namespace: process IDs start at 1\n"
		"  -n, --net              new network namespace: only a loopback device\n"
		"  -m, --mount            new mount namespace: a private mount table\n"
		"  -u, --uts              new UTS namespace: a hostname of its own\n"
		"  -i, --ipc              new IPC namespace: System V IPC, POSIX queues\n"
		"  -U, --user             new user namespace: user and group IDs\n"
		"  -f, --fork             run the program as a child (needed with --pid:\n"
		"                         only children enter the new PID namespace)\n"
		"      --mount-proc[=DIR] mount a fresh proc on DIR (default /proc);\n"
		"                         implies --mount\n"
		"  -r, --map-root-user    be root inside: map our uid and gid to 0;\n"
		"                         implies --user\n"
		"  -v, --verbose          say what each step does (on stderr)\n"
		"  -h, --help             show this help\n"
		"\n"
		"Exit status: the program's own, 128+N if signal N killed it, 126 or\n"
		"127 if it could not be run, 1 if a namespace step failed, 2 on a\n"
		"usage error.\n",
		prog);
	exit(status);
}

static void parse_args(int argc, char **argv, struct options *o)
{
	enum { OPT_MOUNT_PROC = 0x100 };
	static const struct option longopts[] = {
		{ "pid", no_argument, NULL, 'p' },
		{ "net", no_argument, NULL, 'n' },
		{ "mount", no_argument, NULL, 'm' },
		{ "uts", no_argument, NULL, 'u' },
		{ "ipc", no_argument, NULL, 'i' },
		{ "user", no_argument, NULL, 'U' },
		{ "fork", no_argument, NULL, 'f' },
		{ "mount-proc", optional_argument, NULL, OPT_MOUNT_PROC },
		{ "map-root-user", no_argument, NULL, 'r' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static char *default_cmd[2];
	int c;

	/* "+": stop at the first non-option, so the program keeps its own. */
	while ((c = getopt_long(argc, argv, "+pnmuiUfrvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': o->flags |= CLONE_NEWPID; break;
		case 'n': o->flags |= CLONE_NEWNET; break;
		case 'm': o->flags |= CLONE_NEWNS; break;
		case 'u': o->flags |= CLONE_NEWUTS; break;
		case 'i': o->flags |= CLONE_NEWIPC; break;
		case 'U': o->flags |= CLONE_NEWUSER; break;
		case 'f': o->fork = true; break;
		case OPT_MOUNT_PROC:
			o->mount_proc = optarg ? optarg : "/proc";
			o->flags |= CLONE_NEWNS;
			break;
		case 'r':
			o->map_root = true;
			o->flags |= CLONE_NEWUSER;
			break;
		case 'v': kit_log_set_level(KIT_LOG_INFO); break;
		case 'h': usage(stdout, EXIT_SUCCESS);
		default: usage(stderr, 2); /* getopt already said what was wrong */
		}
	}
	if (optind < argc) {
		o->argv = argv + optind;
		return;
	}
	default_cmd[0] = getenv("SHELL");
	if (!default_cmd[0] || !*default_cmd[0])
		default_cmd[0] = "/bin/sh";
	o->argv = default_cmd;
}

/*
 * For `make asan`: LeakSanitizer checks for leaks at exit from a helper task
 * that it clones.  Once the PID 1 of our new PID namespace has died, the
 * kernel refuses every new task in that namespace (ENOMEM), so the check
 * itself would fail.  Leak checking is off for this program; the library
 * code it runs is leak-checked by the unit tests.
 */
const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
	return "detect_leaks=0";
}

static volatile sig_atomic_t child_pid;

/* SIGTERM or SIGHUP sent to us is meant for the program: pass it on. */
static void forward_signal(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
}

/*
 * fork_child - split into the parent, which waits, and the child, which
 * goes on to run the program.  Returns 0 in the child; 1 in the parent once
 * the child has ended, with its shell-style status in *exit_code; -errno
 * if fork failed.
 */
static int fork_child(int *exit_code, struct kit_err *err)
{
	/* LAB 02.4: fork, then wait for the child and pass its status on.
	 * In the child: ask for SIGKILL when the parent dies
	 * (prctl(PR_SET_PDEATHSIG, SIGKILL)) and return 0.  In the parent:
	 * remember the pid in child_pid, ignore SIGINT and SIGQUIT (the
	 * terminal sends them to the child too), forward SIGTERM and SIGHUP
	 * with forward_signal(), then kit_wait() for the child and turn its
	 * raw status into an exit code with kit_status_exit_code().
	 * Stub: (void)exit_code; (void)forward_signal;
	 * Stub: return kit_lab_todo(err, "02.4");
	 * Why: unshare(CLONE_NEWPID) moves only the children of the caller
	 * into the new PID namespace, so the program must be a child to
	 * become PID 1.  A signal death is reported as 128+N, as shells do.
	 */
	struct sigaction fwd = { .sa_handler = forward_signal };
	pid_t parent = getpid(), pid;
	int status;

	pid = fork();
	if (pid < 0) {
		int e = errno;

		return kit_err_set(err, e,
				   e == EAGAIN ? "process limit reached (ulimit -u "
						 "or a pids cgroup)"
					       : NULL,
				   "fork");
	}
	if (pid == 0) {
		/* No orphans: if mini-unshare is killed, the program dies too. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* The parent may have died before prctl(): then we have been
		 * re-parented.  (In a new PID namespace getppid() is 0: the
		 * parent lives outside it, and the check cannot tell.) */
		if (getppid() != parent && getppid() != 0)
			_exit(1);
		return 0;
	}
	child_pid = pid;
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	sigaction(SIGTERM, &fwd, NULL);
	sigaction(SIGHUP, &fwd, NULL);
	if (kit_wait(pid, &status, err) < 0)
		return -err->code;
	*exit_code = kit_status_exit_code(status);
	/* END LAB */
	return 1;
}

int main(int argc, char **argv)
{
	struct options opt = { 0 };
	struct kit_err err = { 0 };
	uid_t uid = getuid();
	gid_t gid = getgid();
	char kinds[64];
	int code = 0, ret;

	kit_log_init(prog);
	parse_args(argc, argv, &opt);

	/* 1. New namespaces for this process (the PID one: for its children). */
	if (opt.flags) {
		if (kit_ns_unshare(opt.flags, &err) < 0)
			kit_die(prog, &err);
		kit_info("created new %s namespaces",
			 kit_ns_describe(opt.flags, kinds, sizeof(kinds)));
	}
	if (opt.flags & CLONE_NEWNS) {
		if (kit_ns_make_mounts_private(&err) < 0)
			kit_die(prog, &err);
		kit_info("made all mounts private: nothing propagates to the host");
	}

	/* 2. Root inside the user namespace: map our ids to 0 (-r). */
	if (opt.map_root) {
		if (kit_ns_set_id_maps("/proc/self", 0, uid, 0, gid, &err) < 0) {
			kit_err_wrap(&err, "map uid %u and gid %u to root", uid, gid);
			kit_die(prog, &err);
		}
		kit_info("mapped uid %u -> 0 and gid %u -> 0", uid, gid);
	}

	/* 3. Fork, so that the program is the first process of the new PID
	 *    namespace: PID 1.  The parent stays outside and waits. */
	if (opt.fork) {
		ret = fork_child(&code, &err);
		if (ret < 0)
			kit_die(prog, &err);
		if (ret > 0)
			return code;
		kit_info("child is pid %d in its PID namespace", (int)getpid());
	}

	/* 4. A /proc that lists this PID namespace, not the host's. */
	if (opt.mount_proc) {
		if (kit_ns_mount_proc(opt.mount_proc, &err) < 0)
			kit_die(prog, &err);
		kit_info("mounted a new proc on %s", opt.mount_proc);
	}

	/* 5. Become the program. */
	ret = kit_exec(opt.argv, &err);
	fprintf(stderr, "%s: %s\n", prog, err.msg);
	return kit_exec_exit_code(-ret);
}
