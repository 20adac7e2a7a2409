/* SPDX-License-Identifier: MIT */
/*
 * unit.c - the helpers every unit test program shares (declared, with their
 * contracts, in unit.h).  Not a test program itself: unit.mk links this
 * object into each build/tests/test_X next to test_X.o and libkit.
 *
 *   new_tmpdir, remove_tree       a temporary directory, and removing it
 *   make_tmpdir, remove_tmpdir    the same as cmocka setup and teardown
 *   path_in, make_dir             DIR/NAME in a PATH_MAX buffer; mkdir it
 *   put_file, put_bytes           write a small file
 *   file_text                     read a small file back
 *   fill_string                   a string of one repeated character
 *   child_stderr                  run code in a child, keep what it printed
 *   sleeper, reap, assert_killed  a child that waits to be killed; kill it
 *   __wrap_mount, __wrap_umount2  fakes for the tests that wrap these calls
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h> /* cmocka.h needs these three first */
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"

/* ---- a temporary directory per test ------------------------------------ */

char *new_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	const char *name = program_invocation_short_name;
	char *dir;

	if (strncmp(name, "test_", 5) == 0)
		name += 5;
	if (asprintf(&dir, "%s/kit-test-%s.XXXXXX", base && *base ? base : "/tmp", name) <
	    0)
		return NULL;
	if (!mkdtemp(dir)) {
		free(dir);
		return NULL;
	}
	return dir;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int remove_tree(const char *dir)
{
	/* Depth first, so a directory is empty when its turn comes. */
	return nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int make_tmpdir(void **state)
{
	*state = new_tmpdir();
	return *state ? 0 : -1;
}

int remove_tmpdir(void **state)
{
	char *dir = *state;
	int ret = remove_tree(dir);

	free(dir);
	return ret;
}

/* ---- small files ------------------------------------------------------- */

char *path_in(char *buf, const char *dir, const char *name)
{
	snprintf(buf, PATH_MAX, "%s/%s", dir, name);
	return buf;
}

void make_dir(char *buf, const char *dir, const char *name)
{
	path_in(buf, dir, name);
	assert_int_equal(mkdir(buf, 0755), 0);
}

void put_file(const char *path, const char *text)
{
	put_bytes(path, text, strlen(text));
}

void put_bytes(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

char *file_text(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* ---- strings and children ---------------------------------------------- */

char *fill_string(char *buf, size_t len, char c)
{
	memset(buf, c, len);
	buf[len] = '\0';
	return buf;
}

int child_stderr(void (*body)(void *arg), void *arg, char *out, size_t size)
{
	size_t len = 0;
	int fds[2], status;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	fflush(NULL); /* or the child's exit() prints our buffered TAP again */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], 2);
		body(arg);
		_exit(0);
	}
	close(fds[1]);
	while (len < size - 1 && (n = read(fds[0], out + len, size - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

pid_t sleeper(void)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	return pid;
}

void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

void assert_killed(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

/* ---- fake system calls ------------------------------------------------- */

int fake_errno(int e)
{
	errno = e;
	return e ? -1 : 0;
}

int __wrap_mount(const char *source, const char *target, const char *fstype,
		 unsigned long flags, const void *data)
{
	check_expected(source);
	check_expected(target);
	check_expected(fstype);
	check_expected(flags);
	check_expected(data);
	return fake_errno(mock_type(int));
}

int __wrap_umount2(const char *target, int flags)
{
	check_expected(target);
	check_expected(flags);
	return fake_errno(mock_type(int));
}
