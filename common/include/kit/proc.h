/* SPDX-License-Identifier: MIT */
/*
 * kit/proc.h - starting programs, waiting for them, and reading how they
 * ended.  Every chapter that runs something (a container's init, a shim, a
 * hook) goes through these, so exit codes and signal deaths are reported
 * the same way everywhere.
 *
 * Left out: process groups and job control (the container chapters decide
 * that themselves) and posix_spawn (fork+exec shows the mechanism).
 */
#ifndef KIT_PROC_H
#define KIT_PROC_H

#include <stddef.h>
#include <sys/types.h>

#include "kit/err.h"

/* What kit_spawn() changes in the child; -1 / NULL fields mean "inherit". */
struct kit_spawn_opts {
	int stdin_fd;
	int stdout_fd;
	int stderr_fd;
	const char *cwd;
};

#define KIT_SPAWN_OPTS_INIT                                                              \
	{                                                                                \
		.stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1                         \
	}

/*
 * kit_spawn - fork and execvp(@argv[0], @argv) with @opts (NULL: inherit
 * everything).  Returns the child's pid, or -errno if fork failed or the
 * exec failed: the child reports its exec errno over a close-on-exec pipe,
 * so "no such program" is an error here, not an exit status of 127 later.
 * The caller must reap the pid with kit_wait().
 */
pid_t kit_spawn(char *const argv[], const struct kit_spawn_opts *opts,
		struct kit_err *err);

/*
 * kit_wait - waitpid(@pid) until it ends (EINTR is retried).  Stores the
 * raw wait status in *status.  Returns 0 or -errno (ECHILD: not our child).
 */
int kit_wait(pid_t pid, int *status, struct kit_err *err);

/*
 * kit_run - kit_spawn() then kit_wait(): returns the shell-style exit code
 * of the program (see kit_status_exit_code) or -errno if it could not run.
 */
int kit_run(char *const argv[], const struct kit_spawn_opts *opts, struct kit_err *err);

/*
 * kit_exec - execvp(@argv[0], @argv) in the calling process.  Returns only
 * on failure: -errno with @err saying which program and why (e.g. ENOENT:
 * not found on PATH).
 */
int kit_exec(char *const argv[], struct kit_err *err);

/*
 * kit_exec_exit_code - the code a shell uses when it cannot run a program:
 * 127 when it was not found, 126 when it was found but could not run.
 */
int kit_exec_exit_code(int errnum);

/*
 * kit_status_exit_code - the shell's convention for a raw wait status:
 * the exit code for a normal exit, 128+N for death by signal N.
 */
int kit_status_exit_code(int status);

/*
 * kit_status_describe - "exited with status 3", "killed by signal 9
 * (SIGKILL)", "... (core dumped)", into @buf of @size bytes.  Returns @buf.
 */
char *kit_status_describe(int status, char *buf, size_t size);

/* kit_pipe - pipe2(O_CLOEXEC): both ends close on exec. 0 or -errno. */
int kit_pipe(int fds[2], struct kit_err *err);

#endif /* KIT_PROC_H */
