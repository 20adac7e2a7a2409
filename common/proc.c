/* SPDX-License-Identifier: MIT */
/*
 * proc.c - fork+exec, waiting, and decoding wait statuses (kit/proc.h).
 *
 * The one trick worth reading: kit_spawn() learns whether exec succeeded
 * through a pipe whose write end is close-on-exec.  A successful exec
 * closes it (the parent reads EOF); a failed exec writes its errno into it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kit/cleanup.h"
#include "kit/proc.h"

static const char *exec_hint(int e)
{
	switch (e) {
	case ENOENT: return "no such program: is it installed and on PATH?";
	case EACCES:
		return "not executable, or a directory on the way is not "
		       "searchable";
	case ENOEXEC:
		return "not a program this kernel can run (wrong "
		       "architecture, or a script without #!)";
	default: return NULL;
	}
}

int kit_exec(char *const argv[], struct kit_err *err)
{
	int e;

	execvp(argv[0], argv);
	e = errno;
	return kit_err_set(err, e, exec_hint(e), "exec %s", argv[0]);
}

int kit_exec_exit_code(int errnum)
{
	return errnum == ENOENT ? 127 : 126;
}

int kit_pipe(int fds[2], struct kit_err *err)
{
	if (pipe2(fds, O_CLOEXEC) < 0)
		return kit_err_set(err, errno, NULL, "create pipe");
	return 0;
}

/* What the child reports when a step before the program runs fails. */
struct child_failure {
	enum { STEP_STDIN, STEP_STDOUT, STEP_STDERR, STEP_CHDIR, STEP_EXEC } step;
	int errnum;
};

/* In the child between fork and exec: only async-signal-safe calls. */
static void __attribute__((noreturn))
child_exec(char *const argv[], const struct kit_spawn_opts *o, int report)
{
	struct child_failure f;

	if (o->stdin_fd >= 0 && dup2(o->stdin_fd, 0) < 0)
		f.step = STEP_STDIN;
	else if (o->stdout_fd >= 0 && dup2(o->stdout_fd, 1) < 0)
		f.step = STEP_STDOUT;
	else if (o->stderr_fd >= 0 && dup2(o->stderr_fd, 2) < 0)
		f.step = STEP_STDERR;
	else if (o->cwd && chdir(o->cwd) < 0)
		f.step = STEP_CHDIR;
	else {
		execvp(argv[0], argv);
		f.step = STEP_EXEC;
	}
	f.errnum = errno;
	if (write(report, &f, sizeof(f)) < 0) {
		/* nothing left to tell anyone */
	}
	_exit(127);
}

/* Turn the child's report into the error of the step that failed. */
static int child_error(const struct child_failure *f, char *const argv[],
		       const struct kit_spawn_opts *o, struct kit_err *err)
{
	static const char *const fd_names[] = { "stdin", "stdout", "stderr" };
	int e = f->errnum;

	switch (f->step) {
	case STEP_STDIN:
	case STEP_STDOUT:
	case STEP_STDERR:
		return kit_err_set(err, e, NULL, "spawn %s: redirect %s", argv[0],
				   fd_names[f->step]);
	case STEP_CHDIR:
		return kit_err_set(err, e, NULL, "spawn %s: chdir %s", argv[0], o->cwd);
	default: return kit_err_set(err, e, exec_hint(e), "exec %s", argv[0]);
	}
}

pid_t kit_spawn(char *const argv[], const struct kit_spawn_opts *opts,
		struct kit_err *err)
{
	static const struct kit_spawn_opts inherit = KIT_SPAWN_OPTS_INIT;
	const struct kit_spawn_opts *o = opts ? opts : &inherit;
	struct child_failure failure;
	int report[2], status;
	ssize_t n;
	pid_t pid;

	if (kit_pipe(report, err) < 0)
		return kit_err_wrap(err, "spawn %s", argv[0]);
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(report[0]);
		close(report[1]);
		return kit_err_set(err, e,
				   e == EAGAIN ? "process limit "
						 "reached (ulimit -u, pids cgroup)"
					       : NULL,
				   "fork for %s", argv[0]);
	}
	if (pid == 0)
		child_exec(argv, o, report[1]);

	close(report[1]);
	do
		n = read(report[0], &failure, sizeof(failure));
	while (n < 0 && errno == EINTR);
	close(report[0]);
	if (n == (ssize_t)sizeof(failure)) {
		/* The child could not run the program: reap it, no zombie. */
		waitpid(pid, &status, 0);
		return child_error(&failure, argv, o, err);
	}
	return pid;
}

int kit_wait(pid_t pid, int *status, struct kit_err *err)
{
	pid_t got;

	do
		got = waitpid(pid, status, 0);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return kit_err_set(err, errno,
				   errno == ECHILD ? "not a child "
						     "of this process, or already reaped"
						   : NULL,
				   "wait for pid %d", (int)pid);
	return 0;
}

int kit_run(char *const argv[], const struct kit_spawn_opts *opts, struct kit_err *err)
{
	int status;
	pid_t pid = kit_spawn(argv, opts, err);

	if (pid < 0)
		return pid;
	if (kit_wait(pid, &status, err) < 0)
		return -err->code;
	return kit_status_exit_code(status);
}

int kit_status_exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255; /* stopped or continued: not an end, callers should not ask */
}

char *kit_status_describe(int status, char *buf, size_t size)
{
	if (WIFEXITED(status)) {
		snprintf(buf, size, "exited with status %d", WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		const char *name = sigabbrev_np(sig); /* glibc >= 2.32 */

		snprintf(buf, size, "killed by signal %d (SIG%s)%s", sig,
			 name ? name : "?", WCOREDUMP(status) ? " (core dumped)" : "");
	} else if (WIFSTOPPED(status)) {
		snprintf(buf, size, "stopped by signal %d", WSTOPSIG(status));
	} else {
		snprintf(buf, size, "changed state (status 0x%x)", status);
	}
	return buf;
}
