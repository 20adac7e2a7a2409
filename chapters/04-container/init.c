/* SPDX-License-Identifier: MIT */
/*
 * init.c - the container's first process: PID 1 of its PID namespace.
 *
 * Article: §2.4, the inner part of the one-liner,
 *
 *   sh -c "/bin/hostname my-process && chroot DIR /bin/sh"
 *
 * done step by step by the process that clone(2) started in run.c, inside
 * the new namespaces and already inside the cgroup:
 *
 *   1. wait for the parent's go (it maps our ids and joins us to the cgroup)
 *   2. sethostname()                   the UTS namespace's own name
 *   3. kit_ns_make_mounts_private()    nothing we mount reaches the host
 *   4. kit_rootfs_enter()              bind, /proc, /dev, /sys, pivot_root
 *   5. run the command as our child, pass signals on, reap, exit with its
 *      status
 *
 * Why not exec the command as PID 1 itself: the kernel shields a PID
 * namespace's init from every signal it has no handler for, including the
 * SIGINT a terminal sends on Ctrl-C.  A shell or `sleep` as PID 1 would
 * ignore Ctrl-C and `kill`.  This small init has handlers, so it gets the
 * signals and passes them on (docker run --init and tini do the same).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container.h"
#include "kit/lab.h"
#include "kit/log.h"
#include "kit/ns.h"
#include "kit/proc.h"
#include "kit/rootfs.h"

const int container_forwarded_signals[] = {
	SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH, 0,
};

static volatile sig_atomic_t command_pid;

static void forward_signal(int sig)
{
	if (command_pid > 0)
		kill(command_pid, sig);
}

/* Tell the parent what failed, then end with @code.  Never returns. */
static void __attribute__((noreturn))
fail(const struct container *c, int code, const struct kit_err *err)
{
	struct init_report report = { .exit_code = code, .err = *err };

	/* If the parent is gone nobody reads this; PID 1 ignores SIGPIPE. */
	if (write(c->report_fd, &report, sizeof(report)) < 0) {
		/* nothing left to tell anyone */
	}
	_exit(code);
}

/*
 * Block until the parent says go.  Returns 0, or -EPIPE when the parent
 * closed the pipe without a word: it failed, and says so itself.
 */
static int wait_for_parent(int go_fd, struct kit_err *err)
{
	/* LAB 04.4: wait for the parent's go.
	 * read(2) one byte from @go_fd, again on EINTR.  One byte read:
	 * close @go_fd and return 0.  End of file (the parent closed its end
	 * without writing) or an error: return kit_err_set(err, EPIPE,
	 * "the parent stopped before the start", "wait for the go").
	 * Stub: (void)go_fd;
	 * Stub: return kit_lab_todo(err, "04.4");
	 * Why: clone(2) starts us at once, but the parent still has work to
	 * do for us from outside: write our uid_map and put us in the
	 * cgroup.  A container that ran its command before joining the
	 * cgroup would run it without limits: the first megabytes a
	 * program allocates are charged to wherever it was then.  A pipe
	 * is the simplest barrier between two processes.
	 */
	char go;
	ssize_t n;

	do
		n = read(go_fd, &go, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		return kit_err_set(err, EPIPE, "the parent stopped before the start",
				   "wait for the go");
	close(go_fd);
	/* END LAB */
	return 0;
}

/* Handlers for the signals to pass on: PID 1 gets only those it handles. */
static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = forward_signal, .sa_flags = SA_RESTART };

	for (const int *s = container_forwarded_signals; *s; s++)
		sigaction(*s, &sa, NULL);
}

/* Start the command; on failure say why in the container's own terms. */
static pid_t start_command(const struct container *c, struct kit_err *err)
{
	pid_t pid = kit_spawn(c->argv, NULL, err);

	if (pid == -ENOENT)
		return kit_err_set(err, ENOENT,
				   "no such program in the container's root "
				   "filesystem: is it in the image, and on PATH?",
				   "exec %s in the container", c->argv[0]);
	if (pid < 0)
		return kit_err_wrap(err, "in the container");
	return pid;
}

/* Reap every child until the command ends; return its raw wait status. */
static int reap_until(pid_t command)
{
	int status = 0;

	for (;;) {
		pid_t got = waitpid(-1, &status, 0);

		if (got == command)
			return status;
		if (got < 0 && errno != EINTR)
			return W_EXITCODE(255, 0); /* ECHILD: cannot happen */
	}
}

void container_init(struct container *c)
{
	struct kit_err err = { 0 };
	pid_t pid;

	/* No orphans: if mini-container dies, so does the container.  (If it
	 * died before this line, the go pipe is closed: step 1 fails.) */
	prctl(PR_SET_PDEATHSIG, SIGKILL);

	/* 1. Wait until we are in the cgroup (cgexec) with our ids mapped. */
	if (wait_for_parent(c->go_fd, &err) < 0)
		fail(c, 1, &err);

	/* 2. `hostname my-process`: our UTS namespace's name. */
	if (sethostname(c->hostname, strlen(c->hostname)) < 0) {
		kit_err_set(&err, errno, NULL, "set hostname %s", c->hostname);
		fail(c, 1, &err);
	}
	kit_info("container: hostname %s", c->hostname);

	/* 3. Our mount namespace is a copy of the host's: cut it loose. */
	if (kit_ns_make_mounts_private(&err) < 0)
		fail(c, 1, &err);

	/* 4. `chroot DIR`, done properly: a root of our own. */
	if (kit_rootfs_enter(c->rootfs, c->mode, c->userns, &err) < 0)
		fail(c, 1, &err);
	kit_info("container: root is %s (%s), with /proc, /dev, /sys", c->rootfs,
		 kit_rootfs_mode_name(c->mode));

	/* 5. The command, as our child; we pass signals on and reap. */
	setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 0);
	catch_signals();
	pid = start_command(c, &err);
	if (pid < 0)
		fail(c, kit_exec_exit_code(err.code), &err);
	command_pid = pid;
	kit_info("container: %s is pid %d", c->argv[0], (int)pid);
	close(c->report_fd); /* the parent reads end of file: we are running */
	_exit(kit_status_exit_code(reap_until(pid)));
}
