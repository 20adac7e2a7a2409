/* SPDX-License-Identifier: MIT */
/*
 * lab.c - the stub every unfinished lab step calls (see kit/lab.h).
 */
#include <errno.h>
#include <stdio.h>

#include "kit/lab.h"

int kit_lab_todo(struct kit_err *err, const char *step)
{
	char hint[192];

	/* Steps are "NN.M": the chapter number is the part before the dot. */
	snprintf(hint, sizeof(hint),
		 "fill in the TODO marked 'lab %s' under labs/, then run "
		 "make grade LAB=%.2s",
		 step, step);
	return kit_err_set(err, ENOSYS, hint, "lab %s not done", step);
}
