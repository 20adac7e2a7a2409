/* SPDX-License-Identifier: MIT */
/*
 * cmd.h - the subcommands of mini-overlay, one file each (cmd_*.c), and the
 * little they share.  main.c dispatches to them by name.
 */
#ifndef MINI_OVERLAY_CMD_H
#define MINI_OVERLAY_CMD_H

#include <stdio.h>

#include "kit/overlay.h"

extern const char *prog;

/* Each gets the arguments from its own name on ("mount", "--lower", ...)
 * and returns the exit status: 0 ok, 1 failure, 2 usage. */
int cmd_mount(int argc, char **argv);
int cmd_umount(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_layers(int argc, char **argv);

/* Print @path with control characters and '\' as \ooo, as mountinfo does,
 * so that one path is always one line. */
void print_path(FILE *out, const char *path);

/* Add every --lower value to @ov, or exit 1 saying why. */
void add_lowers_or_die(struct kit_overlay *ov, const char *list);

#endif /* MINI_OVERLAY_CMD_H */
