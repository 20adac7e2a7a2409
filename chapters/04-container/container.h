/* SPDX-License-Identifier: MIT */
/*
 * container.h - what the two halves of mini-container share: the
 * container's description, and the report the child sends when it fails.
 *
 *   run.c   the parent: options, cgroup, clone(2), sync, wait, clean up
 *   init.c  the child:  PID 1 of the container: hostname, root, command
 */
#ifndef MINI_CONTAINER_H
#define MINI_CONTAINER_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "kit/err.h"
#include "kit/rootfs.h"

struct container {
	const char *name;          /* --name, also the cgroup kit/NAME */
	const char *hostname;      /* --hostname (default: the name) */
	char rootfs[PATH_MAX];     /* --rootfs, absolute and checked */
	enum kit_rootfs_mode mode; /* --root-mode */
	bool userns;               /* --user: a user namespace, ids mapped to 0 */
	char **argv;               /* the command, NULL-terminated */
	int go_fd;                 /* child: read end; one byte = "you may start" */
	int report_fd;             /* child: write end of the failure report */
};

/* What the child writes on report_fd when the container cannot start. */
struct init_report {
	int exit_code; /* 1 for a set-up step, 126/127 when the command won't run */
	struct kit_err err;
};

/*
 * container_init - the body of the container's first process (PID 1 of its
 * PID namespace), started by clone(2) in run.c.  Waits for the parent's go,
 * sets the hostname, enters the root, runs the command as its child, passes
 * signals on to it and reaps every process until it ends.  Never returns:
 * exits with the command's status (128+N for signal N).
 */
void container_init(struct container *c) __attribute__((noreturn));

/* The signals the container's init passes on to the command. */
extern const int container_forwarded_signals[];

#endif /* MINI_CONTAINER_H */
