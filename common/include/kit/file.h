/* SPDX-License-Identifier: MIT */
/*
 * kit/file.h - whole-file reads and writes, the way /proc, /sys and cgroupfs
 * files are meant to be used: one open, one read or write, one close.
 */
#ifndef KIT_FILE_H
#define KIT_FILE_H

#include <stddef.h>
#include <sys/types.h>

#include "kit/err.h"

/*
 * kit_write_file - write the string @data to the existing file @path in a
 * single write(2).  Kernel files (uid_map, cgroup limits) reject a value
 * split over two writes, so a short write is an error, never retried.
 */
int kit_write_file(const char *path, const char *data, struct kit_err *err);

/*
 * kit_read_file - read all of @path into a NUL-terminated heap buffer.
 * Reads at most @max bytes (0: 64 MiB) and fails with EFBIG beyond that, so
 * a hostile or endless file cannot exhaust memory.  On success *out is the
 * caller's to free() and *len (if non-NULL) the byte count; on failure *out
 * is untouched.
 */
int kit_read_file(const char *path, size_t max, char **out, size_t *len,
		  struct kit_err *err);

/*
 * kit_mkdir_p - create @path and any missing parents with @mode; an
 * existing directory is fine, an existing non-directory is ENOTDIR.
 */
int kit_mkdir_p(const char *path, mode_t mode, struct kit_err *err);

#endif /* KIT_FILE_H */
