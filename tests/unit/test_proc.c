/* SPDX-License-Identifier: MIT */
/*
 * test_proc.c - unit tests for common/proc.c: kit_spawn() and its exec
 * report pipe, redirection through kit_spawn_opts, kit_run() exit codes,
 * decoding wait statuses, kit_exec() failures and kit_wait()'s ECHILD.
 *
 * These start real programs (true, sh, sleep, echo from PATH); every child
 * is reaped, and the tests check that a failed spawn leaves no zombie.  A
 * real core dump depends on the host's core_pattern and ulimit, so the
 * "(core dumped)" text is checked on a made-up wait status instead.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h> /* cmocka.h needs these three first */
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
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

#include "kit/proc.h"
#include "unit.h"

/* ---- helpers ----------------------------------------------------------- */

/* True if this process has no child left, running or zombie. */
static bool no_children_left(void)
{
	return waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD;
}

/* ---- kit_spawn and kit_wait -------------------------------------------- */

static void test_spawn_true_returns_a_pid_to_wait_for(void **state)
{
	char *argv[] = { "/bin/true", NULL };
	struct kit_err err = { 0 };
	int status = -1;
	pid_t pid;
	(void)state;

	pid = kit_spawn(argv, NULL, &err);
	assert_true(pid > 0);
	assert_int_equal(kit_wait(pid, &status, &err), 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(err.code, 0);
	assert_true(no_children_left());
}

static void test_spawn_missing_program_fails_in_spawn_without_zombie(void **state)
{
	char *argv[] = { "/nonexistent/program", NULL };
	struct kit_err err = { 0 };
	(void)state;

	assert_int_equal(kit_spawn(argv, NULL, &err), -ENOENT);
	assert_string_equal(err.msg,
			    "exec /nonexistent/program: ENOENT (no such program: "
			    "is it installed and on PATH?)");
	assert_true(no_children_left()); /* kit_spawn reaped the failed child */
}

static void test_spawn_program_not_on_path_is_enoent(void **state)
{
	char *argv[] = { "kit-no-such-program", NULL };
	char *path = strdup(getenv("PATH") ? getenv("PATH") : "");
	struct kit_err err = { 0 };
	pid_t pid;
	(void)state;

	/* One unsearchable directory on PATH turns ENOENT into EACCES. */
	setenv("PATH", "/usr/bin:/bin", 1);
	pid = kit_spawn(argv, NULL, &err);
	setenv("PATH", path, 1);
	free(path);
	assert_int_equal(pid, -ENOENT);
	assert_string_equal(err.msg, "exec kit-no-such-program: ENOENT (no such program: "
				     "is it installed and on PATH?)");
	assert_true(no_children_left());
}

static void test_spawn_non_executable_file_is_eacces_with_hint(void **state)
{
	struct kit_err err = { 0 };
	char path[PATH_MAX], want[PATH_MAX + 100];
	char *argv[] = { path, NULL };

	put_file(path_in(path, *state, "script"), "#!/bin/sh\n");
	assert_int_equal(kit_spawn(argv, NULL, &err), -EACCES);
	snprintf(want, sizeof(want),
		 "exec %s: EACCES (not executable, or a directory on the way is not "
		 "searchable)",
		 path);
	assert_string_equal(err.msg, want);
	assert_true(no_children_left());
}

static void test_spawn_sends_stdout_to_the_opts_fd(void **state)
{
	struct kit_spawn_opts opts = KIT_SPAWN_OPTS_INIT;
	char *argv[] = { "echo", "hello", NULL };
	struct kit_err err = { 0 };
	char path[PATH_MAX], buf[64];
	int status;
	pid_t pid;

	opts.stdout_fd =
		open(path_in(path, *state, "out"), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(opts.stdout_fd >= 0);
	pid = kit_spawn(argv, &opts, &err);
	close(opts.stdout_fd);
	assert_true(pid > 0);
	assert_int_equal(kit_wait(pid, &status, &err), 0);
	assert_string_equal(file_text(path, buf, sizeof(buf)), "hello\n");
}

static void test_spawn_sets_stdin_stderr_and_cwd(void **state)
{
	struct kit_spawn_opts opts = KIT_SPAWN_OPTS_INIT;
	char *argv[] = { "sh", "-c", "cat > copied; echo oops >&2", NULL };
	struct kit_err err = { 0 };
	char in[PATH_MAX], errpath[PATH_MAX], out[PATH_MAX], buf[64];

	put_file(path_in(in, *state, "in"), "data\n");
	opts.stdin_fd = open(in, O_RDONLY | O_CLOEXEC);
	opts.stderr_fd = open(path_in(errpath, *state, "err"),
			      O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	opts.cwd = *state;
	assert_int_equal(kit_run(argv, &opts, &err), 0);
	close(opts.stdin_fd);
	close(opts.stderr_fd);

	/* "copied" is relative: it lands in opts.cwd. */
	assert_string_equal(file_text(path_in(out, *state, "copied"), buf, sizeof(buf)),
			    "data\n");
	assert_string_equal(file_text(errpath, buf, sizeof(buf)), "oops\n");
}

/*
 * A child that cannot chdir() into opts.cwd must say so.  Today the child
 * reports only an errno, and kit_spawn() words every errno as an exec
 * failure: "exec true: ENOENT (no such program: ...)" blames the program.
 * The wording below is a proposal in the kit's grammar; what matters is
 * that the message names the directory and not a missing program.
 */
static void test_spawn_missing_cwd_names_the_directory_not_the_program(void **state)
{
	struct kit_spawn_opts opts = KIT_SPAWN_OPTS_INIT;
	char *argv[] = { "true", NULL };
	struct kit_err err = { 0 };
	char cwd[PATH_MAX], want[PATH_MAX + 100];

	opts.cwd = path_in(cwd, *state, "missing-dir");
	assert_int_equal(kit_spawn(argv, &opts, &err), -ENOENT);
	assert_true(no_children_left());
	snprintf(want, sizeof(want),
		 "spawn true: chdir %s: ENOENT (No such file or directory)", cwd);
	assert_string_equal(err.msg, want);
}

static void test_spawn_without_free_fds_says_create_pipe(void **state)
{
	char *argv[] = { "true", NULL };
	struct kit_err err = { 0 };
	struct rlimit old, none;
	pid_t pid;
	(void)state;

	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	none = old;
	none.rlim_cur = 0; /* every new fd fails with EMFILE */
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &none), 0);
	pid = kit_spawn(argv, NULL, &err);
	setrlimit(RLIMIT_NOFILE, &old);

	assert_int_equal(pid, -EMFILE);
	assert_string_equal(err.msg,
			    "spawn true: create pipe: EMFILE (Too many open files)");
	assert_true(no_children_left());
}

static void test_pipe_ends_close_on_exec(void **state)
{
	struct kit_err err = { 0 };
	int fds[2];
	(void)state;

	assert_int_equal(kit_pipe(fds, &err), 0);
	assert_true(fcntl(fds[0], F_GETFD) & FD_CLOEXEC);
	assert_true(fcntl(fds[1], F_GETFD) & FD_CLOEXEC);
	close(fds[0]);
	close(fds[1]);
}

static void test_wait_for_a_stranger_is_echild_with_hint(void **state)
{
	struct kit_err err = { 0 };
	char want[128];
	int status;
	(void)state;

	assert_int_equal(kit_wait(getppid(), &status, &err), -ECHILD);
	snprintf(
		want, sizeof(want),
		"wait for pid %d: ECHILD (not a child of this process, or already reaped)",
		(int)getppid());
	assert_string_equal(err.msg, want);
}

static void test_wait_twice_for_one_child_is_echild(void **state)
{
	char *argv[] = { "true", NULL };
	struct kit_err err = { 0 };
	int status;
	pid_t pid;
	(void)state;

	pid = kit_spawn(argv, NULL, &err);
	assert_true(pid > 0);
	assert_int_equal(kit_wait(pid, &status, &err), 0);
	assert_int_equal(kit_wait(pid, &status, &err), -ECHILD);
	assert_int_equal(err.code, ECHILD);
}

/* ---- kit_run ----------------------------------------------------------- */

static void test_run_returns_the_exit_code(void **state)
{
	char *t[] = { "true", NULL }, *f[] = { "false", NULL };
	char *three[] = { "sh", "-c", "exit 3", NULL };
	struct kit_err err = { 0 };
	(void)state;

	assert_int_equal(kit_run(t, NULL, &err), 0);
	assert_int_equal(kit_run(f, NULL, &err), 1);
	assert_int_equal(kit_run(three, NULL, &err), 3);
	assert_true(no_children_left());
}

static void test_run_signal_death_is_128_plus_signal(void **state)
{
	char *argv[] = { "sh", "-c", "kill -TERM $$", NULL };
	struct kit_err err = { 0 };
	(void)state;

	assert_int_equal(kit_run(argv, NULL, &err), 128 + SIGTERM);
}

static void test_run_missing_program_is_negative_errno(void **state)
{
	char *argv[] = { "/nonexistent/program", NULL };
	struct kit_err err = { 0 };
	(void)state;

	assert_int_equal(kit_run(argv, NULL, &err), -ENOENT);
	assert_string_equal(err.msg,
			    "exec /nonexistent/program: ENOENT (no such program: "
			    "is it installed and on PATH?)");
	assert_true(no_children_left());
}

/* ---- wait statuses ----------------------------------------------------- */

/* Start `sleep 10`, send it @sig, and return its raw wait status. */
static int status_of_sleep_killed_by(int sig)
{
	char *argv[] = { "sleep", "10", NULL };
	struct kit_err err = { 0 };
	int status = 0;
	sigset_t set;
	pid_t pid;

	/* The child inherits ignored and blocked signals: make sure @sig kills. */
	signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	pid = kit_spawn(argv, NULL, &err);
	assert_true(pid > 0);
	assert_int_equal(kill(pid, sig), 0);
	assert_int_equal(kit_wait(pid, &status, &err), 0);
	return status;
}

static void test_status_of_child_killed_by_sigkill(void **state)
{
	int status = status_of_sleep_killed_by(SIGKILL);
	char buf[64];
	(void)state;

	assert_int_equal(kit_status_exit_code(status), 137);
	assert_string_equal(kit_status_describe(status, buf, sizeof(buf)),
			    "killed by signal 9 (SIGKILL)");
}

static void test_status_of_child_killed_by_sigterm(void **state)
{
	int status = status_of_sleep_killed_by(SIGTERM);
	char buf[64];
	(void)state;

	assert_int_equal(kit_status_exit_code(status), 143);
	assert_string_equal(kit_status_describe(status, buf, sizeof(buf)),
			    "killed by signal 15 (SIGTERM)");
}

static void test_status_of_normal_exit(void **state)
{
	char *argv[] = { "sh", "-c", "exit 42", NULL };
	struct kit_err err = { 0 };
	int status;
	char buf[64];
	pid_t pid;
	(void)state;

	pid = kit_spawn(argv, NULL, &err);
	assert_true(pid > 0);
	assert_int_equal(kit_wait(pid, &status, &err), 0);
	assert_int_equal(kit_status_exit_code(status), 42);
	assert_string_equal(kit_status_describe(status, buf, sizeof(buf)),
			    "exited with status 42");
}

static void test_status_with_core_dump_says_so(void **state)
{
	int status = W_EXITCODE(0, SIGSEGV) | WCOREFLAG; /* as waitpid reports it */
	char buf[64];
	(void)state;

	assert_int_equal(kit_status_exit_code(status), 128 + SIGSEGV);
	assert_string_equal(kit_status_describe(status, buf, sizeof(buf)),
			    "killed by signal 11 (SIGSEGV) (core dumped)");
}

static void test_status_of_stopped_child_is_255_and_described(void **state)
{
	int status = W_STOPCODE(SIGSTOP);
	char buf[64];
	(void)state;

	assert_int_equal(kit_status_exit_code(status), 255);
	assert_string_equal(kit_status_describe(status, buf, sizeof(buf)),
			    "stopped by signal 19");
}

static void test_status_describe_fits_a_small_buffer(void **state)
{
	char buf[10];
	(void)state;

	assert_string_equal(kit_status_describe(W_EXITCODE(3, 0), buf, sizeof(buf)),
			    "exited wi");
}

/* ---- kit_exec ---------------------------------------------------------- */

static void test_exec_missing_program_returns_enoent_with_hint(void **state)
{
	char *argv[] = { "/nonexistent/program", NULL };
	struct kit_err err = { 0 };
	(void)state;

	assert_int_equal(kit_exec(argv, &err), -ENOENT);
	assert_string_equal(err.msg,
			    "exec /nonexistent/program: ENOENT (no such program: "
			    "is it installed and on PATH?)");
}

static void test_exec_directory_is_eacces_with_hint(void **state)
{
	struct kit_err err = { 0 };
	char want[PATH_MAX + 100];
	char *argv[] = { *state, NULL };

	assert_int_equal(kit_exec(argv, &err), -EACCES);
	snprintf(want, sizeof(want),
		 "exec %s: EACCES (not executable, or a directory on the way is not "
		 "searchable)",
		 (char *)*state);
	assert_string_equal(err.msg, want);
}

static void test_exec_exit_code_follows_the_shell(void **state)
{
	(void)state;

	assert_int_equal(kit_exec_exit_code(ENOENT), 127); /* not found */
	assert_int_equal(kit_exec_exit_code(EACCES), 126); /* found, cannot run */
	assert_int_equal(kit_exec_exit_code(ENOEXEC), 126);
	assert_int_equal(kit_exec_exit_code(E2BIG), 126);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, make_tmpdir, remove_tmpdir)
	const struct CMUnitTest tests[] = {
		T(test_spawn_true_returns_a_pid_to_wait_for),
		T(test_spawn_missing_program_fails_in_spawn_without_zombie),
		T(test_spawn_program_not_on_path_is_enoent),
		T(test_spawn_non_executable_file_is_eacces_with_hint),
		T(test_spawn_sends_stdout_to_the_opts_fd),
		T(test_spawn_sets_stdin_stderr_and_cwd),
		T(test_spawn_missing_cwd_names_the_directory_not_the_program),
		T(test_spawn_without_free_fds_says_create_pipe),
		T(test_pipe_ends_close_on_exec),
		T(test_wait_for_a_stranger_is_echild_with_hint),
		T(test_wait_twice_for_one_child_is_echild),
		T(test_run_returns_the_exit_code),
		T(test_run_signal_death_is_128_plus_signal),
		T(test_run_missing_program_is_negative_errno),
		T(test_status_of_child_killed_by_sigkill),
		T(test_status_of_child_killed_by_sigterm),
		T(test_status_of_normal_exit),
		T(test_status_with_core_dump_says_so),
		T(test_status_of_stopped_child_is_255_and_described),
		T(test_status_describe_fits_a_small_buffer),
		T(test_exec_missing_program_returns_enoent_with_hint),
		T(test_exec_directory_is_eacces_with_hint),
		T(test_exec_exit_code_follows_the_shell),
	};
#undef T

	return cmocka_run_group_tests_name("common/proc.c", tests, NULL, NULL);
}
