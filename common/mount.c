/* SPDX-License-Identifier: MIT */
/*
 * mount.c - the parts of mounting that are not one filesystem's business:
 * tidy absolute paths for the kernel, reading the mount table, umount.
 *
 * Article: §2.5 OverlayFS, where a mount (the merged view) is made and
 * taken down again; the container chapters reuse the same calls.
 *
 *   kit_mount_abspath()    relative -> absolute, refuses ".."
 *   kit_mountinfo_parse()  one line of /proc/self/mountinfo, unescaped
 *   kit_mountinfo_each()   every mount, in the kernel's order
 *   kit_mount_find()       what is mounted on a path (top-most)
 *   kit_umount()           umount2(2) with a hint
 *
 * Left out: the new mount API (fsopen(2) and friends), and resolving
 * symlinks (callers refuse a symlinked target themselves).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "kit/cleanup.h"
#include "kit/file.h"
#include "kit/mount.h"

const char *kit_mountinfo_path = "/proc/self/mountinfo";

/* Append "/" and the @len bytes at @name to @buf (PATH_MAX); false if full. */
static bool append_component(char *buf, size_t *used, const char *name, size_t len)
{
	if (*used + 1 + len >= PATH_MAX)
		return false;
	buf[(*used)++] = '/';
	memcpy(buf + *used, name, len);
	*used += len;
	buf[*used] = '\0';
	return true;
}

/* Append the components of @path to @buf; -EINVAL on "..", -ENAMETOOLONG. */
static int append_path(char *buf, size_t *used, const char *path)
{
	const char *p = path;

	while (*p) {
		size_t len = strcspn(p, "/");

		if (len == 2 && p[0] == '.' && p[1] == '.')
			return -EINVAL;
		if (len > 0 && !(len == 1 && p[0] == '.') &&
		    !append_component(buf, used, p, len))
			return -ENAMETOOLONG;
		p += len;
		p += strspn(p, "/");
	}
	return 0;
}

int kit_mount_abspath(const char *what, const char *path, char **out, struct kit_err *err)
{
	char buf[PATH_MAX] = "", cwd[PATH_MAX];
	size_t used = 0;
	int ret;

	if (!path[0])
		return kit_err_set(err, EINVAL, "an empty path names no directory",
				   "check %s", what);
	if (path[0] != '/') {
		/* The kernel would take a relative path from the cwd too, but
		 * 6.18 then shows it in mountinfo as given ("lowerdir=l1"),
		 * which means nothing to anyone reading the table later. */
		if (!getcwd(cwd, sizeof(cwd)))
			return kit_err_set(err, errno, NULL, "check %s %s", what, path);
		ret = append_path(buf, &used, cwd);
		if (ret == 0)
			ret = append_path(buf, &used, path);
	} else {
		ret = append_path(buf, &used, path);
	}
	if (ret == -EINVAL)
		return kit_err_set(err, EINVAL,
				   "'..' is refused in these paths: it is how a "
				   "name chosen by someone else climbs out of its "
				   "directory; give the directory itself",
				   "check %s %s", what, path);
	if (ret < 0)
		return kit_err_set(err, -ret, "longer than PATH_MAX",
				   "check %s %.200s...", what, path);
	*out = strdup(used ? buf : "/");
	if (!*out)
		return kit_err_set(err, ENOMEM, NULL, "check %s %s", what, path);
	return 0;
}

/* Undo mountinfo's octal escapes ("\040" is a space) in place. */
static void unescape_octal(char *s)
{
	char *out = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 |
					(s[3] - '0'));
			s += 4;
		} else {
			*out++ = *s++;
		}
	}
	*out = '\0';
}

/* The next space-separated field of *s, or NULL at the end. */
static char *next_field(char **s)
{
	char *f;

	do
		f = strsep(s, " ");
	while (f && !*f);
	return f;
}

int kit_mountinfo_parse(char *line, struct kit_mountinfo *mi)
{
	char *s = line, *f[6], *opt;
	int n;

	/* "36 35 98:0 /root /target rw,noatime [optional...] - type src opts" */
	for (int i = 0; i < 6; i++)
		if (!(f[i] = next_field(&s)))
			return -EINVAL;
	if (sscanf(f[0], "%d%n", &mi->id, &n) != 1 || f[0][n] ||
	    sscanf(f[1], "%d%n", &mi->parent, &n) != 1 || f[1][n] ||
	    sscanf(f[2], "%u:%u%n", &mi->major, &mi->minor, &n) != 2 || f[2][n])
		return -EINVAL;
	do /* optional fields ("shared:1 master:2"), up to the lone "-" */
		opt = next_field(&s);
	while (opt && strcmp(opt, "-") != 0);
	if (!opt || !(mi->fstype = next_field(&s)) || !(mi->source = next_field(&s)))
		return -EINVAL;
	opt = next_field(&s); /* the super options; very old kernels had none */
	mi->super_opts = opt ? opt : "";
	mi->root = f[3];
	mi->target = f[4];
	mi->mount_opts = f[5];
	for (int i = 3; i < 6; i++)
		unescape_octal(f[i]);
	unescape_octal((char *)mi->fstype);
	unescape_octal((char *)mi->source);
	if (opt)
		unescape_octal(opt);
	return 0;
}

int kit_mountinfo_each(int (*fn)(const struct kit_mountinfo *mi, void *arg), void *arg,
		       struct kit_err *err)
{
	_autofree char *text = NULL;
	char *rest, *line;
	int ret;

	ret = kit_read_file(kit_mountinfo_path, 0, &text, NULL, err);
	if (ret < 0)
		return kit_err_wrap(err, "read the mount table");
	rest = text;
	while ((line = strsep(&rest, "\n"))) {
		struct kit_mountinfo mi;

		if (kit_mountinfo_parse(line, &mi) < 0)
			continue; /* the empty last line, or a format we don't know */
		ret = fn(&mi, arg);
		if (ret)
			return ret;
	}
	return 0;
}

struct find_arg {
	const char *target;
	char *fstype, *super_opts;
	bool found, oom;
};

static int find_one(const struct kit_mountinfo *mi, void *arg)
{
	struct find_arg *a = arg;

	if (strcmp(mi->target, a->target) != 0)
		return 0;
	/* Keep the last one: a later mount on the same path hides earlier ones. */
	free(a->fstype);
	free(a->super_opts);
	a->fstype = strdup(mi->fstype);
	a->super_opts = strdup(mi->super_opts);
	a->oom = !a->fstype || !a->super_opts;
	a->found = true;
	return 0;
}

int kit_mount_find(const char *target, char **fstype, char **super_opts,
		   struct kit_err *err)
{
	struct find_arg a = { .target = target };
	int ret = kit_mountinfo_each(find_one, &a, err);

	if (ret == 0 && a.oom)
		ret = kit_err_set(err, ENOMEM, NULL, "read the mount table");
	if (ret < 0 || !a.found) {
		free(a.fstype);
		free(a.super_opts);
		return ret;
	}
	if (fstype)
		*fstype = kit_steal(&a.fstype);
	if (super_opts)
		*super_opts = kit_steal(&a.super_opts);
	free(a.fstype);
	free(a.super_opts);
	return 1;
}

static const char *umount_hint(int e)
{
	switch (e) {
	case EBUSY:
		return "still in use: a process has its working directory or an "
		       "open file below it, or another mount sits below it; "
		       "fuser -vm PATH finds the processes";
	case EINVAL:
		return "not a mount point: nothing is mounted there, or it was "
		       "unmounted already";
	case EPERM: return "unmounting needs CAP_SYS_ADMIN: run as root";
	case ENOENT: return "no such directory";
	default: return NULL;
	}
}

int kit_umount(const char *target, int flags, struct kit_err *err)
{
	if (umount2(target, flags) < 0) {
		int e = errno; /* save it before anything can clobber it */

		return kit_err_set(err, e, umount_hint(e), "unmount %s", target);
	}
	return 0;
}
