/* SPDX-License-Identifier: MIT */
/*
 * kit/lab.h - what an unfinished lab step returns.
 *
 * `make labs` replaces each marked region of the solution with a TODO and a
 * stub; the stub calls kit_lab_todo() so that the program fails loudly and
 * names the step, instead of silently doing nothing.
 */
#ifndef KIT_LAB_H
#define KIT_LAB_H

#include "kit/err.h"

/*
 * kit_lab_todo - fill @err with "lab @step not done: ENOSYS (...)" and
 * return -ENOSYS.
 */
int kit_lab_todo(struct kit_err *err, const char *step);

#endif /* KIT_LAB_H */
