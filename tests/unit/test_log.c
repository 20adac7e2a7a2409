/* SPDX-License-Identifier: MIT */
/*
 * test_log.c - unit tests for common/log.c: level words, the KIT_LOG
 * environment variable, the "<prog>: <level>: <message>" line, filtering by
 * level, and errno left as it was.
 *
 * Each test runs with stderr (fd 2) pointed at an unlinked temporary file
 * (tmpfile()), which the test reads back; the teardown puts stderr back, so
 * nothing reaches the TAP output and nothing is left on disk.
 */
#include <errno.h>
#include <setjmp.h> /* cmocka.h needs these three first */
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kit/log.h"
#include "unit.h"

/* Where stderr went before the test, and the file that replaces it. */
struct captured {
	int saved_stderr;
	FILE *file;
	char text[4096];
};

static int capture_stderr(void **state)
{
	struct captured *c = calloc(1, sizeof(*c));

	if (!c)
		return -1;
	c->file = tmpfile();
	c->saved_stderr = dup(2);
	if (!c->file || c->saved_stderr < 0 || dup2(fileno(c->file), 2) < 0)
		return -1;
	unsetenv("KIT_LOG");
	kit_log_set_level(KIT_LOG_WARN);
	*state = c;
	return 0;
}

static int restore_stderr(void **state)
{
	struct captured *c = *state;

	dup2(c->saved_stderr, 2);
	close(c->saved_stderr);
	fclose(c->file);
	free(c);
	unsetenv("KIT_LOG");
	return 0;
}

/* Everything written to stderr since the test began. */
static const char *stderr_text(struct captured *c)
{
	ssize_t n = pread(fileno(c->file), c->text, sizeof(c->text) - 1, 0);

	c->text[n > 0 ? n : 0] = '\0';
	return c->text;
}

static void test_parse_level_knows_the_four_words(void **state)
{
	(void)state;

	assert_int_equal(kit_log_parse_level("error"), KIT_LOG_ERROR);
	assert_int_equal(kit_log_parse_level("warn"), KIT_LOG_WARN);
	assert_int_equal(kit_log_parse_level("info"), KIT_LOG_INFO);
	assert_int_equal(kit_log_parse_level("debug"), KIT_LOG_DEBUG);
}

static void test_parse_level_refuses_other_words(void **state)
{
	(void)state;

	assert_int_equal(kit_log_parse_level("DEBUG"), -1); /* case matters */
	assert_int_equal(kit_log_parse_level("warning"), -1);
	assert_int_equal(kit_log_parse_level(""), -1);
	assert_int_equal(kit_log_parse_level(NULL), -1);
}

static void test_set_level_is_what_get_level_returns(void **state)
{
	(void)state;

	kit_log_set_level(KIT_LOG_DEBUG);
	assert_int_equal(kit_log_get_level(), KIT_LOG_DEBUG);
	kit_log_set_level(KIT_LOG_ERROR);
	assert_int_equal(kit_log_get_level(), KIT_LOG_ERROR);
}

static void test_init_reads_level_from_kit_log(void **state)
{
	struct captured *c = *state;

	setenv("KIT_LOG", "debug", 1);
	kit_log_init("mini-test");
	assert_int_equal(kit_log_get_level(), KIT_LOG_DEBUG);

	setenv("KIT_LOG", "error", 1);
	kit_log_init("mini-test");
	assert_int_equal(kit_log_get_level(), KIT_LOG_ERROR);
	assert_string_equal(stderr_text(c), "");
}

static void test_init_without_kit_log_keeps_the_level_quietly(void **state)
{
	struct captured *c = *state;

	kit_log_init("mini-test");
	assert_int_equal(kit_log_get_level(), KIT_LOG_WARN);

	setenv("KIT_LOG", "", 1); /* empty counts as unset */
	kit_log_init("mini-test");
	assert_int_equal(kit_log_get_level(), KIT_LOG_WARN);
	assert_string_equal(stderr_text(c), "");
}

static void test_init_with_bad_kit_log_warns_and_names_the_levels(void **state)
{
	struct captured *c = *state;

	setenv("KIT_LOG", "loud", 1);
	kit_log_init("mini-test");
	assert_int_equal(kit_log_get_level(), KIT_LOG_WARN);
	assert_string_equal(stderr_text(c),
			    "mini-test: warn: KIT_LOG=loud is not a level "
			    "(error, warn, info, debug); using warn\n");
}

/*
 * The warning says "using warn", so the level must be warn afterwards even
 * if something set another level before kit_log_init() ran.
 */
static void test_init_with_bad_kit_log_really_uses_warn(void **state)
{
	(void)state;

	kit_log_set_level(KIT_LOG_DEBUG);
	setenv("KIT_LOG", "loud", 1);
	kit_log_init("mini-test");
	assert_int_equal(kit_log_get_level(), KIT_LOG_WARN);
}

static void test_log_line_is_prog_level_message(void **state)
{
	struct captured *c = *state;

	kit_log_init("mini-test");
	kit_warn("cgroup %s is not empty", "c1");
	assert_string_equal(stderr_text(c), "mini-test: warn: cgroup c1 is not empty\n");
}

static void test_log_error_line_has_no_level_word(void **state)
{
	struct captured *c = *state;

	kit_log_init("mini-test");
	kit_error("mount proc on /proc: EPERM (run as root)");
	assert_string_equal(stderr_text(c),
			    "mini-test: mount proc on /proc: EPERM (run as root)\n");
}

static void test_log_drops_lines_above_the_level(void **state)
{
	struct captured *c = *state;

	kit_log_init("mini-test");
	kit_log_set_level(KIT_LOG_WARN);
	kit_info("not shown");
	kit_debug("not shown either");
	kit_warn("shown");
	kit_error("shown too");
	assert_string_equal(stderr_text(c),
			    "mini-test: warn: shown\nmini-test: shown too\n");
}

static void test_log_at_debug_shows_every_level(void **state)
{
	struct captured *c = *state;

	kit_log_init("mini-test");
	kit_log_set_level(KIT_LOG_DEBUG);
	kit_debug("pid=%d", 42);
	kit_info("started");
	assert_string_equal(stderr_text(c),
			    "mini-test: debug: pid=42\nmini-test: info: started\n");
}

static void test_log_at_error_shows_only_errors(void **state)
{
	struct captured *c = *state;

	kit_log_init("mini-test");
	kit_log_set_level(KIT_LOG_ERROR);
	kit_warn("hidden");
	kit_error("failed");
	assert_string_equal(stderr_text(c), "mini-test: failed\n");
}

static void test_log_leaves_errno_alone(void **state)
{
	(void)state;

	kit_log_init("mini-test");
	kit_log_set_level(KIT_LOG_DEBUG);
	errno = EACCES;
	kit_warn("written");
	assert_int_equal(errno, EACCES);

	kit_log_set_level(KIT_LOG_ERROR);
	errno = ENOENT;
	kit_debug("filtered");
	assert_int_equal(errno, ENOENT);
}

static void test_log_cuts_a_long_message_at_1023_bytes(void **state)
{
	struct captured *c = *state;
	char msg[2000];
	const char *text;

	fill_string(msg, sizeof(msg) - 1, 'm');
	kit_log_init("p");
	kit_warn("%s", msg);

	text = stderr_text(c);
	assert_int_equal(strlen(text), strlen("p: warn: ") + 1023 + 1);
	assert_string_equal(text + strlen(text) - 2, "m\n");
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, capture_stderr, restore_stderr)
	const struct CMUnitTest tests[] = {
		T(test_parse_level_knows_the_four_words),
		T(test_parse_level_refuses_other_words),
		T(test_set_level_is_what_get_level_returns),
		T(test_init_reads_level_from_kit_log),
		T(test_init_without_kit_log_keeps_the_level_quietly),
		T(test_init_with_bad_kit_log_warns_and_names_the_levels),
		T(test_init_with_bad_kit_log_really_uses_warn),
		T(test_log_line_is_prog_level_message),
		T(test_log_error_line_has_no_level_word),
		T(test_log_drops_lines_above_the_level),
		T(test_log_at_debug_shows_every_level),
		T(test_log_at_error_shows_only_errors),
		T(test_log_leaves_errno_alone),
		T(test_log_cuts_a_long_message_at_1023_bytes),
	};
#undef T

	return cmocka_run_group_tests_name("common/log.c", tests, NULL, NULL);
}
