/* SPDX-License-Identifier: MIT */
/*
 * run.h - the subcommands of mini-container, for the dispatch table in
 * main.c.  One file per subcommand: run.c is `mini-container run`.
 */
#ifndef MINI_CONTAINER_RUN_H
#define MINI_CONTAINER_RUN_H

#include <stdio.h>

/* "mini-container": the name every message starts with. */
extern const char *run_prog;

/* cmd_run - `mini-container run ...` (@argv[0] is "run"); the exit code. */
int cmd_run(int argc, char **argv);

/* run_usage - the help of `run`, to @out. */
void run_usage(FILE *out);

#endif /* MINI_CONTAINER_RUN_H */
