/* SPDX-License-Identifier: MIT */
/*
 * file.c - whole-file reads and writes for /proc, /sys and cgroupfs files,
 * and mkdir -p.  See kit/file.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kit/cleanup.h"
#include "kit/file.h"

/* Kernel files often explain a refused write only through the errno. */
static const char *write_hint(int e)
{
	switch (e) {
	case EPERM:
		return "not allowed: missing capability, or the kernel "
		       "accepts this file only once";
	case EACCES: return "no write permission on the file";
	case EINVAL: return "the kernel rejected the value's format";
	case ENOENT:
		return "no such file: wrong path, or the kernel lacks "
		       "this feature";
	default: return NULL;
	}
}

int kit_write_file(const char *path, const char *data, struct kit_err *err)
{
	_autoclose int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(data);
	ssize_t n;

	if (fd < 0) {
		int e = errno;

		return kit_err_set(err, e, write_hint(e), "open %s", path);
	}
	n = write(fd, data, len);
	if (n < 0) {
		int e = errno;

		return kit_err_set(err, e, write_hint(e), "write %s", path);
	}
	if ((size_t)n != len)
		return kit_err_set(err, EIO,
				   "short write: the kernel took only "
				   "part of the value",
				   "write %s", path);
	return 0;
}

int kit_read_file(const char *path, size_t max, char **out, size_t *len,
		  struct kit_err *err)
{
	_autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
	_autofree char *buf = NULL;
	size_t used = 0, cap = 0;
	ssize_t n;

	if (max == 0)
		max = 64u << 20;
	if (fd < 0)
		return kit_err_set(err, errno, NULL, "open %s", path);
	do {
		if (cap - used < 4096) {
			/* Double the buffer: reading N bytes costs O(N) copies. */
			size_t grow = cap < 8192 ? 8192 : cap;
			char *tmp = realloc(buf, cap + grow + 1);

			if (!tmp)
				return kit_err_set(err, ENOMEM, NULL, "read %s", path);
			buf = tmp;
			cap += grow;
		}
		n = read(fd, buf + used, cap - used);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return kit_err_set(err, errno, NULL, "read %s", path);
		}
		used += (size_t)n;
		if (used > max)
			return kit_err_set(err, EFBIG,
					   "larger than the limit "
					   "for this kind of file",
					   "read %s", path);
	} while (n != 0);

	buf[used] = '\0';
	if (len)
		*len = used;
	*out = kit_steal(&buf); /* ownership moves to the caller */
	return 0;
}

int kit_mkdir_p(const char *path, mode_t mode, struct kit_err *err)
{
	char tmp[PATH_MAX];
	struct stat st;
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(tmp))
		return kit_err_set(err, ENAMETOOLONG, len ? NULL : "empty path",
				   "create directory '%s'", path);
	memcpy(tmp, path, len + 1);
	/* Create each parent in turn: "a", "a/b", "a/b/c". */
	for (char *p = tmp + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;

		*p = '\0';
		if (mkdir(tmp, mode) < 0 && errno != EEXIST)
			return kit_err_set(err, errno, NULL, "create directory %s", tmp);
		*p = saved;
		if (saved == '\0')
			break;
	}
	if (stat(path, &st) < 0)
		return kit_err_set(err, errno, NULL, "create directory %s", path);
	if (!S_ISDIR(st.st_mode))
		return kit_err_set(err, ENOTDIR,
				   "something that is not a "
				   "directory is in the way",
				   "create directory %s", path);
	return 0;
}
