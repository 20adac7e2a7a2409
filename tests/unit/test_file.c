/* SPDX-License-Identifier: MIT */
/*
 * test_file.c - unit tests for common/file.c: whole-file reads with a size
 * limit, single-write writes and their hints, and mkdir -p.
 *
 * Each test gets a fresh directory under $TMPDIR (removed afterwards).  The
 * failures come from the real kernel: /dev/full for ENOSPC, RLIMIT_FSIZE for
 * a short write, /proc/self/uid_map (already written, so EPERM even for
 * root) and /proc/self/oom_score_adj (EINVAL for a non-number).  EACCES is
 * provoked in a forked child that runs as nobody, since root ignores file
 * permissions.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h> /* cmocka.h needs these three first */
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kit/file.h"
#include "unit.h"

/* ---- helpers ----------------------------------------------------------- */

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* ---- kit_read_file ----------------------------------------------------- */

static void test_read_returns_content_and_length(void **state)
{
	struct kit_err err = { 0 };
	char path[PATH_MAX];
	char *text = NULL;
	size_t len = 0;

	put_file(path_in(path, *state, "f"), "hello\nworld\n");
	assert_int_equal(kit_read_file(path, 0, &text, &len, &err), 0);
	assert_string_equal(text, "hello\nworld\n");
	assert_int_equal(len, 12);
	assert_int_equal(err.code, 0);
	free(text);
}

static void test_read_of_empty_file_is_empty_string(void **state)
{
	struct kit_err err = { 0 };
	char path[PATH_MAX];
	char *text = NULL;
	size_t len = 99;

	put_file(path_in(path, *state, "empty"), "");
	assert_int_equal(kit_read_file(path, 0, &text, &len, &err), 0);
	assert_string_equal(text, "");
	assert_int_equal(len, 0);
	free(text);
}

static void test_read_large_file_grows_the_buffer(void **state)
{
	struct kit_err err = { 0 };
	char path[PATH_MAX];
	static char data[100000];
	char *text = NULL;
	size_t len = 0;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)('a' + i % 26);
	put_bytes(path_in(path, *state, "big"), data, sizeof(data));

	assert_int_equal(kit_read_file(path, 0, &text, &len, &err), 0);
	assert_int_equal(len, sizeof(data));
	assert_memory_equal(text, data, sizeof(data));
	assert_int_equal(text[len], '\0');
	free(text);
}

static void test_read_length_pointer_may_be_null(void **state)
{
	struct kit_err err = { 0 };
	char path[PATH_MAX];
	char *text = NULL;

	put_file(path_in(path, *state, "f"), "42\n");
	assert_int_equal(kit_read_file(path, 0, &text, NULL, &err), 0);
	assert_string_equal(text, "42\n");
	free(text);
}

static void test_read_exactly_at_the_limit_is_fine(void **state)
{
	struct kit_err err = { 0 };
	char path[PATH_MAX];
	char *text = NULL;
	size_t len = 0;

	put_file(path_in(path, *state, "f"), "0123456789");
	assert_int_equal(kit_read_file(path, 10, &text, &len, &err), 0);
	assert_int_equal(len, 10);
	free(text);
}

static void test_read_over_the_limit_is_efbig_and_leaves_out_alone(void **state)
{
	struct kit_err err = { 0 };
	char path[PATH_MAX], want[PATH_MAX + 100];
	char sentinel = 0, *text = &sentinel;

	put_file(path_in(path, *state, "f"), "0123456789A");
	assert_int_equal(kit_read_file(path, 10, &text, NULL, &err), -EFBIG);
	assert_ptr_equal(text, &sentinel);
	snprintf(want, sizeof(want),
		 "read %s: EFBIG (larger than the limit for this kind of file)", path);
	assert_string_equal(err.msg, want);
}

static void test_read_missing_file_says_enoent(void **state)
{
	struct kit_err err = { 0 };
	char path[PATH_MAX], want[PATH_MAX + 100];
	char sentinel = 0, *text = &sentinel;

	path_in(path, *state, "missing");
	assert_int_equal(kit_read_file(path, 0, &text, NULL, &err), -ENOENT);
	assert_ptr_equal(text, &sentinel);
	assert_int_equal(err.code, ENOENT);
	snprintf(want, sizeof(want), "open %s: ENOENT (No such file or directory)", path);
	assert_string_equal(err.msg, want);
}

static void test_read_of_a_directory_fails_in_read_with_eisdir(void **state)
{
	struct kit_err err = { 0 };
	char want[PATH_MAX + 100];
	char *text = NULL;

	assert_int_equal(kit_read_file(*state, 0, &text, NULL, &err), -EISDIR);
	snprintf(want, sizeof(want), "read %s: EISDIR (Is a directory)", (char *)*state);
	assert_string_equal(err.msg, want);
}

/* ---- kit_write_file ---------------------------------------------------- */

static void test_write_puts_the_value_in_the_file(void **state)
{
	struct kit_err err = { 0 };
	char path[PATH_MAX], buf[64];

	put_file(path_in(path, *state, "f"), "");
	assert_int_equal(kit_write_file(path, "0 1000 1\n", &err), 0);
	assert_string_equal(file_text(path, buf, sizeof(buf)), "0 1000 1\n");
	assert_int_equal(err.code, 0);
}

static void test_write_to_missing_file_does_not_create_it(void **state)
{
	struct kit_err err = { 0 };
	char path[PATH_MAX], want[PATH_MAX + 100];

	path_in(path, *state, "missing");
	assert_int_equal(kit_write_file(path, "x", &err), -ENOENT);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(
		want, sizeof(want),
		"open %s: ENOENT (no such file: wrong path, or the kernel lacks this feature)",
		path);
	assert_string_equal(err.msg, want);
}

static void test_write_to_a_directory_falls_back_to_strerror(void **state)
{
	struct kit_err err = { 0 };
	char want[PATH_MAX + 100];

	assert_int_equal(kit_write_file(*state, "x", &err), -EISDIR);
	snprintf(want, sizeof(want), "open %s: EISDIR (Is a directory)", (char *)*state);
	assert_string_equal(err.msg, want);
}

/* In the child: write to @arg as nobody, and print kit_write_file's message. */
static void write_as_nobody(void *arg)
{
	struct kit_err err = { 0 };

	if (geteuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
		_exit(2);
	kit_write_file(arg, "x", &err);
	_exit(write(2, err.msg, strlen(err.msg)) < 0);
}

static void test_write_without_permission_says_so(void **state)
{
	char path[PATH_MAX], want[PATH_MAX + 100], got[512];
	int status;

	put_file(path_in(path, *state, "ro"), "");
	assert_int_equal(chmod(path, 0444), 0);
	assert_int_equal(chmod(*state, 0755), 0);
	/* Root writes read-only files anyway: try as nobody, in a child. */
	status = child_stderr(write_as_nobody, path, got, sizeof(got));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_true(got[0] != '\0');

	snprintf(want, sizeof(want), "open %s: EACCES (no write permission on the file)",
		 path);
	assert_string_equal(got, want);
}

static void test_write_to_dev_full_is_enospc(void **state)
{
	struct kit_err err = { 0 };
	(void)state;

	assert_int_equal(kit_write_file("/dev/full", "x", &err), -ENOSPC);
	assert_string_equal(err.msg, "write /dev/full: ENOSPC (No space left on device)");
}

/* RLIMIT_FSIZE makes the kernel take only the first bytes of a write. */
static void test_write_short_is_eio_never_retried(void **state)
{
	struct kit_err err = { 0 };
	char path[PATH_MAX], want[PATH_MAX + 100], buf[64];
	struct rlimit old, small;
	void (*old_handler)(int);
	int ret;

	put_file(path_in(path, *state, "f"), "");
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small = old;
	small.rlim_cur = 4;
	old_handler = signal(SIGXFSZ, SIG_IGN); /* else SIGXFSZ kills us */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	ret = kit_write_file(path, "0123456789", &err);
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, old_handler);

	assert_int_equal(ret, -EIO);
	snprintf(want, sizeof(want),
		 "write %s: EIO (short write: the kernel took only part of the value)",
		 path);
	assert_string_equal(err.msg, want);
	assert_string_equal(file_text(path, buf, sizeof(buf)), "0123"); /* no retry */
}

static void test_write_refused_by_kernel_file_is_eperm_with_hint(void **state)
{
	struct kit_err err = { 0 };
	(void)state;

	/* Our own user namespace's uid_map was written long ago: once only. */
	assert_int_equal(kit_write_file("/proc/self/uid_map", "0 0 1\n", &err), -EPERM);
	assert_string_equal(err.msg,
			    "write /proc/self/uid_map: EPERM (not allowed: missing "
			    "capability, or the kernel accepts this file only once)");
}

static void test_write_bad_value_to_kernel_file_is_einval_with_hint(void **state)
{
	struct kit_err err = { 0 };
	(void)state;

	assert_int_equal(kit_write_file("/proc/self/oom_score_adj", "lots", &err),
			 -EINVAL);
	assert_string_equal(err.msg, "write /proc/self/oom_score_adj: EINVAL (the kernel "
				     "rejected the value's format)");
}

/* ---- kit_mkdir_p ------------------------------------------------------- */

static void test_mkdir_p_creates_missing_parents(void **state)
{
	struct kit_err err = { 0 };
	char path[PATH_MAX];

	assert_int_equal(kit_mkdir_p(path_in(path, *state, "a/b/c"), 0755, &err), 0);
	assert_true(is_dir(path));
	assert_int_equal(err.code, 0);
}

static void test_mkdir_p_accepts_an_existing_directory(void **state)
{
	struct kit_err err = { 0 };
	char path[PATH_MAX];

	path_in(path, *state, "a/b");
	assert_int_equal(kit_mkdir_p(path, 0755, &err), 0);
	assert_int_equal(kit_mkdir_p(path, 0755, &err), 0);
	assert_int_equal(kit_mkdir_p(*state, 0755, &err), 0);
	assert_true(is_dir(path));
}

static void test_mkdir_p_tolerates_trailing_and_double_slashes(void **state)
{
	struct kit_err err = { 0 };
	char path[PATH_MAX];

	assert_int_equal(kit_mkdir_p(path_in(path, *state, "x//y/"), 0755, &err), 0);
	assert_true(is_dir(path_in(path, *state, "x/y")));
}

static void test_mkdir_p_applies_the_mode(void **state)
{
	struct kit_err err = { 0 };
	char path[PATH_MAX];
	struct stat st;
	mode_t old = umask(022);

	assert_int_equal(kit_mkdir_p(path_in(path, *state, "m/n"), 0750, &err), 0);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	assert_int_equal(stat(path_in(path, *state, "m"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
}

static void test_mkdir_p_on_a_file_is_enotdir_with_hint(void **state)
{
	struct kit_err err = { 0 };
	char path[PATH_MAX], want[PATH_MAX + 100];

	put_file(path_in(path, *state, "file"), "");
	assert_int_equal(kit_mkdir_p(path, 0755, &err), -ENOTDIR);
	snprintf(want, sizeof(want),
		 "create directory %s: ENOTDIR (something that is not a directory is in "
		 "the way)",
		 path);
	assert_string_equal(err.msg, want);
}

static void test_mkdir_p_below_a_file_names_the_blocked_path(void **state)
{
	struct kit_err err = { 0 };
	char path[PATH_MAX], want[PATH_MAX + 100];

	put_file(path_in(path, *state, "file"), "");
	assert_int_equal(kit_mkdir_p(path_in(path, *state, "file/sub/dir"), 0755, &err),
			 -ENOTDIR);
	snprintf(want, sizeof(want),
		 "create directory %s/file/sub: ENOTDIR (Not a directory)",
		 (char *)*state);
	assert_string_equal(err.msg, want);
}

static void test_mkdir_p_of_empty_path_is_refused(void **state)
{
	struct kit_err err = { 0 };
	(void)state;

	assert_int_equal(kit_mkdir_p("", 0755, &err), -ENAMETOOLONG);
	assert_string_equal(err.msg, "create directory '': ENAMETOOLONG (empty path)");
}

static void test_mkdir_p_of_overlong_path_is_enametoolong(void **state)
{
	struct kit_err err = { 0 };
	static char path[PATH_MAX + 10];
	(void)state;

	fill_string(path, sizeof(path) - 1, 'a');
	assert_int_equal(kit_mkdir_p(path, 0755, &err), -ENAMETOOLONG);
	assert_int_equal(err.code, ENAMETOOLONG);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, make_tmpdir, remove_tmpdir)
	const struct CMUnitTest tests[] = {
		T(test_read_returns_content_and_length),
		T(test_read_of_empty_file_is_empty_string),
		T(test_read_large_file_grows_the_buffer),
		T(test_read_length_pointer_may_be_null),
		T(test_read_exactly_at_the_limit_is_fine),
		T(test_read_over_the_limit_is_efbig_and_leaves_out_alone),
		T(test_read_missing_file_says_enoent),
		T(test_read_of_a_directory_fails_in_read_with_eisdir),
		T(test_write_puts_the_value_in_the_file),
		T(test_write_to_missing_file_does_not_create_it),
		T(test_write_to_a_directory_falls_back_to_strerror),
		T(test_write_without_permission_says_so),
		T(test_write_to_dev_full_is_enospc),
		T(test_write_short_is_eio_never_retried),
		T(test_write_refused_by_kernel_file_is_eperm_with_hint),
		T(test_write_bad_value_to_kernel_file_is_einval_with_hint),
		T(test_mkdir_p_creates_missing_parents),
		T(test_mkdir_p_accepts_an_existing_directory),
		T(test_mkdir_p_tolerates_trailing_and_double_slashes),
		T(test_mkdir_p_applies_the_mode),
		T(test_mkdir_p_on_a_file_is_enotdir_with_hint),
		T(test_mkdir_p_below_a_file_names_the_blocked_path),
		T(test_mkdir_p_of_empty_path_is_refused),
		T(test_mkdir_p_of_overlong_path_is_enametoolong),
	};
#undef T

	return cmocka_run_group_tests_name("common/file.c", tests, NULL, NULL);
}
