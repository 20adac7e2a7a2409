/* SPDX-License-Identifier: MIT */
/*
 * kit/cleanup.h - the kit's only scope-cleanup helpers.
 *
 *   _autofree char *s = ...;   free(s) when s goes out of scope
 *   _autoclose int fd = -1;    close(fd) if fd >= 0
 *   _autofclose FILE *f = ...; fclose(f) if f != NULL
 *   kit_steal(&p), kit_steal_fd(&fd): hand ownership to the caller
 *
 * Never mix these with "goto out" cleanup in one function (STYLE.md rule 9).
 */
#ifndef KIT_CLEANUP_H
#define KIT_CLEANUP_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void kit_freep(void *p)
{
	free(*(void **)p);
}

/* close() must not clobber the errno a caller is about to report. */
static inline void kit_closep(int *fd)
{
	int saved = errno;

	if (*fd >= 0)
		close(*fd);
	errno = saved;
}

static inline void kit_fclosep(FILE **f)
{
	int saved = errno;

	if (*f)
		fclose(*f);
	errno = saved;
}

#define _autofree   __attribute__((cleanup(kit_freep)))
#define _autoclose  __attribute__((cleanup(kit_closep)))
#define _autofclose __attribute__((cleanup(kit_fclosep)))

static inline void *kit_steal(void *pp)
{
	void *p = *(void **)pp;

	*(void **)pp = NULL;
	return p;
}

static inline int kit_steal_fd(int *fd)
{
	int ret = *fd;

	*fd = -1;
	return ret;
}

#endif /* KIT_CLEANUP_H */
