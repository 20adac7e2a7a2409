/* SPDX-License-Identifier: MIT */
/*
 * kit/err.h - how every library function in the kit reports failure.
 *
 * A function that can fail returns 0 (or a valid fd, pid or pointer) on
 * success, and -errno on failure after filling a struct kit_err with one line
 * in the kit's message grammar (STYLE.md rule 6):
 *
 *     <verb> <object> [on <target>]: <ERRNO_NAME> (<hint or strerror>)
 *
 * e.g. "unshare pid,net namespaces: EPERM (needs CAP_SYS_ADMIN: run as root,
 * or add --user)".  Callers prepend context with kit_err_wrap(); only main()
 * prints and exits, with kit_die().
 *
 * Left out on purpose: error chains and stack traces.  One line that says
 * what failed and what to check next teaches more.
 */
#ifndef KIT_ERR_H
#define KIT_ERR_H

#include <stdbool.h>

struct kit_err {
	int code;      /* errno value; 0 means "no error recorded" */
	char msg[512]; /* one line, no trailing newline or full stop */
};

/*
 * kit_err_set - record a failure of @code, described by the printf-style
 * @fmt ("what we tried"), explained by @hint (NULL: strerror(@code)).
 * Returns -@code so callers can write `return kit_err_set(...)`.
 */
int kit_err_set(struct kit_err *err, int code, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * kit_err_wrap - prepend "<context>: " to the message already in @err.
 * A message that no longer fits is cut and ends in "...".  Returns -code.
 */
int kit_err_wrap(struct kit_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* kit_err_clear - forget a recorded failure (after handling it). */
void kit_err_clear(struct kit_err *err);

/*
 * kit_errno_name - "EPERM" for EPERM.  Never NULL: an errno glibc has no
 * name for comes back as "E<number>" in a static buffer.
 */
const char *kit_errno_name(int code);

/* kit_die - print "<prog>: <msg>" to stderr and exit(1).  main() only. */
void kit_die(const char *prog, const struct kit_err *err) __attribute__((noreturn));

#endif /* KIT_ERR_H */
