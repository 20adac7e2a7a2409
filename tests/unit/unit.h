/* SPDX-License-Identifier: MIT */
/*
 * unit.h - helpers shared by the cmocka unit tests in tests/unit/test_*.c:
 * a temporary directory per test, small files written and read back, strings
 * of one repeated character, code run in a forked child, and the fakes of
 * mount(2) and umount2(2).  Defined in unit.c, which tests/unit/unit.mk
 * links into every test program.
 *
 * Temporary directories are $TMPDIR/kit-test-NAME.XXXXXX (/tmp without
 * TMPDIR), NAME being the test program's name less "test_", so a leftover
 * says which test made it.  Helpers that can fail a test do so with cmocka's
 * assert_*(): include <cmocka.h> (and what it needs) first.
 */
#ifndef KIT_TESTS_UNIT_H
#define KIT_TESTS_UNIT_H

#include <stddef.h>
#include <sys/types.h>

/* snprintf() that fails the test when the text does not fit. */
#define FMT(buf, size, ...) assert_true(snprintf(buf, size, __VA_ARGS__) < (int)(size))

/* A new empty temporary directory (named as above), malloc'd; NULL on failure. */
char *new_tmpdir(void);

/* Remove @dir and everything below it, following no symlink; 0, or -1. */
int remove_tree(const char *dir);

/* cmocka setup: *state = new_tmpdir(); -1 if it could not be made. */
int make_tmpdir(void **state);

/* cmocka teardown for make_tmpdir(): remove_tree(*state), then free it. */
int remove_tmpdir(void **state);

/* @dir/@name in @buf (PATH_MAX bytes); returns @buf. */
char *path_in(char *buf, const char *dir, const char *name);

/* Make the directory @dir/@name (0755), its path in @buf (PATH_MAX); asserts. */
void make_dir(char *buf, const char *dir, const char *name);

/* Create or truncate @path to hold the string @text; asserts it worked. */
void put_file(const char *path, const char *text);

/* Create or truncate @path to hold @len bytes of @data; asserts it worked. */
void put_bytes(const char *path, const void *data, size_t len);

/* The first @size - 1 bytes of @path, NUL-terminated, in @buf; returns @buf. */
char *file_text(const char *path, char *buf, size_t size);

/* @len copies of @c and a NUL in @buf (@len + 1 bytes); returns @buf. */
char *fill_string(char *buf, size_t len, char c);

/* Fork; the child runs @body(@arg), stderr to @out, then _exit(0); its status. */
int child_stderr(void (*body)(void *arg), void *arg, char *out, size_t size);

/* Fork a child that sleeps until it is killed; its pid. */
pid_t sleeper(void);

/* SIGKILL @pid and wait for it. */
void reap(pid_t pid);

/* Wait for the child @pid; asserts that SIGKILL ended it. */
void assert_killed(pid_t pid);

/*
 * Fakes of system calls.  A test program that lists mount or umount2 in
 * test_X_WRAP gets these as __wrap_mount and __wrap_umount2 (it defines no
 * fake of its own for them): each checks every argument against what the
 * test queued with expect_*() and fails with the errno it queued with
 * will_return() (0: success).  fake_errno() is how such a fake answers.
 */
int fake_errno(int e); /* errno = @e; returns -1, or 0 if @e is 0 */
int __wrap_mount(const char *source, const char *target, const char *fstype,
		 unsigned long flags, const void *data);
int __wrap_umount2(const char *target, int flags);

#endif /* KIT_TESTS_UNIT_H */
