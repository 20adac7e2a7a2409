/* SPDX-License-Identifier: MIT */
/*
 * test_lab.c - unit tests for common/lab.c: the message an unfinished lab
 * step fails with names the step and the command that grades it.
 */
#include <errno.h>
#include <setjmp.h> /* cmocka.h needs these three first */
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "kit/lab.h"

static void test_todo_names_the_step_and_how_to_grade_it(void **state)
{
	struct kit_err err = { 0 };
	(void)state;

	assert_int_equal(kit_lab_todo(&err, "02.1"), -ENOSYS);
	assert_int_equal(err.code, ENOSYS);
	assert_string_equal(err.msg,
			    "lab 02.1 not done: ENOSYS (fill in the TODO marked "
			    "'lab 02.1' under labs/, then run make grade LAB=02)");
}

static void test_todo_grade_command_uses_the_chapter_before_the_dot(void **state)
{
	struct kit_err err = { 0 };
	(void)state;

	assert_int_equal(kit_lab_todo(&err, "10.3"), -ENOSYS);
	assert_string_equal(err.msg,
			    "lab 10.3 not done: ENOSYS (fill in the TODO marked "
			    "'lab 10.3' under labs/, then run make grade LAB=10)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_todo_names_the_step_and_how_to_grade_it),
		cmocka_unit_test(test_todo_grade_command_uses_the_chapter_before_the_dot),
	};

	return cmocka_run_group_tests_name("common/lab.c", tests, NULL, NULL);
}
