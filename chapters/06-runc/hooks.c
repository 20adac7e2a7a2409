/* SPDX-License-Identifier: MIT */
/*
 * hooks.c - OCI hooks: programs the runtime runs at fixed points of the
 * lifecycle, each given the container's state JSON on its stdin.
 *
 * Article §3.1.  Where each runs (runtime-spec config.md, "POSIX hooks"):
 *
 *   prestart, createRuntime   by `create`, after the namespaces exist,
 *                             before pivot_root (create.c: talk_to_child)
 *   createContainer           by the container's init, same point (init.c)
 *   startContainer            by the init after `start`, before exec
 *   poststart                 by `start`, after the process was released
 *   poststop                  by `delete`, after the container is gone
 *
 * A hook that fails (non-zero exit, killed, timed out) fails the
 * operation, except poststart and poststop, which are only logged.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kit/cleanup.h"
#include "kit/proc.h"
#include "runc.h"

/* Wait for @pid at most @timeout seconds (0: forever); kill it after. */
static int wait_hook(pid_t pid, int timeout, int *status)
{
	_autoclose int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	if (pidfd >= 0 && timeout > 0 && poll(&p, 1, timeout * 1000) == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, status, 0);
		return -ETIMEDOUT;
	}
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

static int run_hook(const struct oci_hook *h, const char *stage, const char *json,
		    struct kit_err *err)
{
	static char *const no_env[] = { NULL };
	char *const default_argv[] = { (char *)h->path, NULL };
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	int in[2], status = 0, ret;
	size_t len = strlen(json);
	pid_t pid;

	if (pipe2(in, O_CLOEXEC) < 0)
		return kit_err_set(err, errno, NULL, "run %s hook %s", stage, h->path);
	pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		execve(h->path, h->args ? (char *const *)h->args : default_argv,
		       h->env ? (char *const *)h->env : no_env);
		_exit(127);
	}
	close(in[0]);
	if (pid < 0) {
		close(in[1]);
		return kit_err_set(err, errno, NULL, "run %s hook %s", stage, h->path);
	}
	/* The state is small (< 64 KiB): it fits the pipe, no deadlock.  A
	 * hook that exits without reading it is allowed: SIGPIPE ignored
	 * meanwhile, and put back (the init's ignored signals would be the
	 * container's, inherited through execve). */
	sigaction(SIGPIPE, &ign, &old);
	if (write(in[1], json, len) < 0) {
		/* EPIPE: it did not read */
	}
	sigaction(SIGPIPE, &old, NULL);
	close(in[1]);
	ret = wait_hook(pid, h->timeout, &status);
	if (ret == -ETIMEDOUT)
		return kit_err_set(err, ETIMEDOUT, "it was killed after its timeout",
				   "run %s hook %s", stage, h->path);
	if (ret < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char what[64];

		return kit_err_set(err, ECANCELED,
				   kit_status_describe(status, what, sizeof(what)),
				   "run %s hook %s", stage, h->path);
	}
	return 0;
}

int runc_hooks_run(const struct oci_hook_list *list, const char *stage,
		   const struct runc_state *st, enum runc_status status,
		   struct kit_err *err)
{
	_autofree char *json = NULL;
	cJSON *o;
	int ret = 0;

	if (!list->n)
		return 0;
	o = runc_state_json(st, status);
	/* the state's pid is that of the init, as the host sees it */
	json = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	for (size_t i = 0; ret == 0 && i < list->n; i++)
		ret = run_hook(&list->hooks[i], stage, json ? json : "{}", err);
	return ret;
}
