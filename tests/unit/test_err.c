/* SPDX-License-Identifier: MIT */
/*
 * test_err.c - unit tests for common/err.c: the message grammar
 * "<what>: <ERRNO_NAME> (<hint or strerror>)", kit_err_wrap()'s context and
 * its "..." when the line is full, errno names, and kit_die().
 *
 * kit_die() exits, so its test runs it in a forked child and reads what the
 * child wrote to stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h> /* cmocka.h needs these three first */
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "kit/err.h"
#include "unit.h"

static void test_set_with_hint_follows_the_grammar(void **state)
{
	struct kit_err err = { 0 };
	(void)state;

	assert_int_equal(kit_err_set(&err, EPERM, "run as root", "mount %s on %s", "proc",
				     "/proc"),
			 -EPERM);
	assert_int_equal(err.code, EPERM);
	assert_string_equal(err.msg, "mount proc on /proc: EPERM (run as root)");
}

static void test_set_without_hint_uses_strerror(void **state)
{
	struct kit_err err = { 0 };
	(void)state;

	assert_int_equal(kit_err_set(&err, ENOENT, NULL, "open %s", "/x"), -ENOENT);
	assert_int_equal(err.code, ENOENT);
	assert_string_equal(err.msg, "open /x: ENOENT (No such file or directory)");
}

static void test_set_unknown_code_says_e_number(void **state)
{
	struct kit_err err = { 0 };
	(void)state;

	assert_int_equal(kit_err_set(&err, 9999, NULL, "frobnicate"), -9999);
	assert_string_equal(err.msg, "frobnicate: E9999 (Unknown error 9999)");
}

static void test_set_overwrites_an_earlier_failure(void **state)
{
	struct kit_err err = { 0 };
	(void)state;

	kit_err_set(&err, ENOENT, NULL, "first");
	kit_err_set(&err, EACCES, "second hint", "second");
	assert_int_equal(err.code, EACCES);
	assert_string_equal(err.msg, "second: EACCES (second hint)");
}

static void test_set_long_what_is_cut_but_keeps_errno_and_hint(void **state)
{
	struct kit_err err = { 0 };
	char what[1000];
	(void)state;

	fill_string(what, sizeof(what) - 1, 'w');

	kit_err_set(&err, EIO, "h", "%s", what);
	/* "what" keeps 383 characters; the errno name and hint still fit. */
	assert_int_equal(strlen(err.msg), 383 + strlen(": EIO (h)"));
	assert_string_equal(err.msg + 383, ": EIO (h)");
}

static void test_wrap_prepends_context_and_keeps_code(void **state)
{
	struct kit_err err = { 0 };
	(void)state;

	kit_err_set(&err, EINVAL, "lowerdir missing", "mount overlay on %s", "/x");
	assert_int_equal(kit_err_wrap(&err, "start container %s", "web"), -EINVAL);
	assert_int_equal(err.code, EINVAL);
	assert_string_equal(
		err.msg,
		"start container web: mount overlay on /x: EINVAL (lowerdir missing)");
}

static void test_wrap_twice_nests_outermost_first(void **state)
{
	struct kit_err err = { 0 };
	(void)state;

	kit_err_set(&err, ENOENT, NULL, "open config.json");
	kit_err_wrap(&err, "load bundle");
	kit_err_wrap(&err, "create c1");
	assert_string_equal(err.msg, "create c1: load bundle: open config.json: ENOENT "
				     "(No such file or directory)");
}

static void test_wrap_that_overflows_ends_in_dots(void **state)
{
	struct kit_err err = { 0 };
	char what[400], ctx[200];
	size_t len;
	(void)state;

	fill_string(what, sizeof(what) - 1, 'w');
	fill_string(ctx, sizeof(ctx) - 1, 'c');
	kit_err_set(&err, EIO, NULL, "%s", what); /* about 400 of the 511 */

	assert_int_equal(kit_err_wrap(&err, "%s", ctx), -EIO);
	len = strlen(err.msg);
	assert_int_equal(len, sizeof(err.msg) - 1);
	assert_string_equal(err.msg + len - 3, "...");
	assert_memory_equal(err.msg, ctx, strlen(ctx)); /* the context comes first */
	assert_int_equal(err.code, EIO);
}

static void test_wrap_that_just_fits_has_no_dots(void **state)
{
	struct kit_err err = { 0 };
	char what[320], ctx[200];
	(void)state;

	fill_string(what, sizeof(what) - 1, 'w');
	kit_err_set(&err, EIO, "h", "%s", what); /* 319 + ": EIO (h)" = 328 */
	/* With "<ctx>: " in front the line is exactly 511, the most that fits. */
	fill_string(ctx, 511 - 328 - 2, 'c');

	kit_err_wrap(&err, "%s", ctx);
	assert_int_equal(strlen(err.msg), 511);
	assert_string_equal(err.msg + 511 - 9, ": EIO (h)");
}

/*
 * A long context that fits in the line must not be cut short silently: the
 * header promises that a cut message ends in "...".  (kit_err_wrap formats
 * the context into a 256-byte buffer first, so anything longer is lost.)
 */
static void test_wrap_long_context_that_fits_is_kept_whole(void **state)
{
	struct kit_err err = { 0 };
	char ctx[400], want[512];
	(void)state;

	fill_string(ctx, sizeof(ctx) - 1, 'c');
	kit_err_set(&err, EIO, "h", "x");

	kit_err_wrap(&err, "%s", ctx);
	snprintf(want, sizeof(want), "%s: x: EIO (h)", ctx);
	assert_string_equal(err.msg, want);
}

static void test_clear_forgets_the_failure(void **state)
{
	struct kit_err err = { 0 };
	(void)state;

	kit_err_set(&err, EPERM, NULL, "something");
	kit_err_clear(&err);
	assert_int_equal(err.code, 0);
	assert_string_equal(err.msg, "");
}

static void test_errno_name_of_known_codes(void **state)
{
	(void)state;

	assert_string_equal(kit_errno_name(EPERM), "EPERM");
	assert_string_equal(kit_errno_name(ENOENT), "ENOENT");
	assert_string_equal(kit_errno_name(EINVAL), "EINVAL");
	assert_string_equal(kit_errno_name(ENOSPC), "ENOSPC");
	assert_string_equal(kit_errno_name(ENOSYS), "ENOSYS");
}

static void test_errno_name_of_unknown_code_is_e_number(void **state)
{
	(void)state;

	assert_string_equal(kit_errno_name(9999), "E9999");
	assert_string_equal(kit_errno_name(-5), "E-5");
}

/* In the child: kit_die() with the failure @arg. */
static void die_with(void *arg)
{
	kit_die("mini-test", arg);
}

static void test_die_prints_prog_and_message_then_exits_1(void **state)
{
	struct kit_err err = { 0 };
	char out[256];
	int status;
	(void)state;

	kit_err_set(&err, ENOENT, NULL, "open %s", "/x");
	status = child_stderr(die_with, &err, out, sizeof(out));

	assert_true(out[0] != '\0');
	assert_string_equal(out,
			    "mini-test: open /x: ENOENT (No such file or directory)\n");
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_with_hint_follows_the_grammar),
		cmocka_unit_test(test_set_without_hint_uses_strerror),
		cmocka_unit_test(test_set_unknown_code_says_e_number),
		cmocka_unit_test(test_set_overwrites_an_earlier_failure),
		cmocka_unit_test(test_set_long_what_is_cut_but_keeps_errno_and_hint),
		cmocka_unit_test(test_wrap_prepends_context_and_keeps_code),
		cmocka_unit_test(test_wrap_twice_nests_outermost_first),
		cmocka_unit_test(test_wrap_that_overflows_ends_in_dots),
		cmocka_unit_test(test_wrap_that_just_fits_has_no_dots),
		cmocka_unit_test(test_wrap_long_context_that_fits_is_kept_whole),
		cmocka_unit_test(test_clear_forgets_the_failure),
		cmocka_unit_test(test_errno_name_of_known_codes),
		cmocka_unit_test(test_errno_name_of_unknown_code_is_e_number),
		cmocka_unit_test(test_die_prints_prog_and_message_then_exits_1),
	};

	return cmocka_run_group_tests_name("common/err.c", tests, NULL, NULL);
}
