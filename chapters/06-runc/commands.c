/* SPDX-License-Identifier: MIT */
/*
 * commands.c - the commands that act on an existing container: state,
 * kill, delete, list, ps, pause, resume; and spec, which writes a bundle's
 * default config.json.
 *
 * Article §3.1.  Each is a short-lived process that finds the container
 * through ROOT/ID/state.json (state.c) and asks the kernel how it is.
 * Signals go through a pidfd opened after the start-time check, so a PID
 * that was recycled since `create` is never signalled.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kit/cleanup.h"
#include "kit/json.h"
#include "runc.h"

static void print_json(cJSON *o)
{
	char *text = cJSON_Print(o);

	if (text)
		puts(text);
	free(text);
	cJSON_Delete(o);
}

int cmd_state(int argc, char **argv)
{
	struct kit_err err = { 0 };
	struct runc_state st;

	if (argc != 2)
		return runc_usage_error("state", "usage: state ID");
	if (runc_state_load(argv[1], &st, &err) < 0)
		return runc_fail_cmd(&err);
	print_json(runc_state_json(&st, runc_state_status(&st)));
	runc_state_release(&st);
	return 0;
}

int runc_signal_parse(const char *s)
{
	static const struct {
		const char *name;
		int sig;
	} names[] = {
		{ "HUP", SIGHUP },       { "INT", SIGINT },   { "QUIT", SIGQUIT },
		{ "ILL", SIGILL },       { "TRAP", SIGTRAP }, { "ABRT", SIGABRT },
		{ "BUS", SIGBUS },       { "FPE", SIGFPE },   { "KILL", SIGKILL },
		{ "USR1", SIGUSR1 },     { "SEGV", SIGSEGV }, { "USR2", SIGUSR2 },
		{ "PIPE", SIGPIPE },     { "ALRM", SIGALRM }, { "TERM", SIGTERM },
		{ "CHLD", SIGCHLD },     { "CONT", SIGCONT }, { "STOP", SIGSTOP },
		{ "TSTP", SIGTSTP },     { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },
		{ "URG", SIGURG },       { "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ },
		{ "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH },
		{ "IO", SIGIO },         { "PWR", SIGPWR },   { "SYS", SIGSYS },
	};
	char *end;
	long n;

	if (isdigit((unsigned char)s[0])) {
		n = strtol(s, &end, 10);
		return *end || n < 1 || n > SIGRTMAX ? -EINVAL : (int)n;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(s, names[i].name) == 0)
			return names[i].sig;
	return -EINVAL;
}

static int send_signal(const struct runc_state *st, int sig, bool all,
		       struct kit_err *err)
{
	_autoclose int pidfd = runc_pidfd(st);

	if (all) {
		pid_t pids[4096];
		size_t n = 0;
		int ret = runc_cgroup_pids(st, pids, 4096, &n, err);

		if (ret < 0)
			return ret;
		for (size_t i = 0; i < n && i < 4096; i++)
			kill(pids[i], sig);
		if (pidfd < 0 && n == 0)
			return kit_err_set(err, ESRCH, "the container is not running",
					   "kill container %s", st->id);
		return 0;
	}
	if (pidfd < 0)
		return kit_err_set(err, ESRCH, "the container is not running",
				   "kill container %s", st->id);
	if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
		return kit_err_set(err, errno, NULL, "kill container %s", st->id);
	return 0;
}

int cmd_kill(int argc, char **argv)
{
	struct kit_err err = { 0 };
	struct runc_state st;
	bool all = false;
	int sig = SIGTERM, i = 1, ret;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--all") == 0 || strcmp(argv[i], "-a") == 0)
			all = true;
		else
			return runc_usage_error("kill", "unknown option %s", argv[i]);
	}
	if (i == argc || argc - i > 2)
		return runc_usage_error("kill", "usage: kill [--all] ID [SIGNAL]");
	if (argc - i == 2 && (sig = runc_signal_parse(argv[i + 1])) < 0)
		return runc_usage_error("kill", "unknown signal '%s'", argv[i + 1]);
	ret = runc_state_load(argv[i], &st, &err);
	if (ret == 0)
		ret = send_signal(&st, sig, all, &err);
	runc_state_release(&st);
	return ret < 0 ? runc_fail_cmd(&err) : 0;
}

/* Kill the init and wait until it is gone (pidfd: no polling loop). */
static void kill_and_wait(const struct runc_state *st)
{
	_autoclose int pidfd = runc_pidfd(st);
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	if (pidfd < 0)
		return;
	syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	poll(&p, 1, 10000);
}

int runc_destroy(struct runc_state *st, const struct oci_spec *spec, struct kit_err *err)
{
	char path[PATH_MAX + 16];
	int ret;

	ret = runc_cgroup_destroy(st, err);
	if (ret < 0)
		return kit_err_wrap(err, "delete container %s", st->id);
	runc_exec_fifo(st, path);
	unlink(path);
	snprintf(path, sizeof(path), "%s/state.json", st->dir);
	unlink(path);
	if (rmdir(st->dir) < 0 && errno != ENOENT)
		return kit_err_set(err, errno, NULL, "remove %s", st->dir);
	if (spec && runc_hooks_run(&spec->hooks.poststop, "poststop", st, RUNC_STOPPED,
				   err) < 0) {
		runc_log_error(err->msg); /* the spec: logged, delete goes on */
		kit_err_clear(err);
	}
	return 0;
}

int cmd_delete(int argc, char **argv)
{
	struct kit_err err = { 0 };
	struct oci_spec spec = { 0 };
	struct runc_state st;
	char path[PATH_MAX + 16];
	bool force = false, have_spec;
	enum runc_status s;
	int i = 1, ret;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--force") == 0 || strcmp(argv[i], "-f") == 0)
			force = true;
		else
			return runc_usage_error("delete", "unknown option %s", argv[i]);
	}
	if (argc - i != 1)
		return runc_usage_error("delete", "usage: delete [--force] ID");
	ret = runc_state_load(argv[i], &st, &err);
	if (ret == -ENOENT && force) {
		/* runc: delete --force of nothing is fine.  A create killed
		 * half-way may have left its directory without state.json. */
		runc_exec_fifo(&st, path);
		unlink(path);
		rmdir(st.dir);
		return 0;
	}
	if (ret < 0)
		return runc_fail_cmd(&err);
	s = runc_state_status(&st);
	if ((s == RUNC_RUNNING || s == RUNC_PAUSED) && !force) {
		kit_err_set(&err, EBUSY, "stop it first, or use --force",
			    "delete container %s (%s)", st.id, runc_status_name(s));
		runc_state_release(&st);
		return runc_fail_cmd(&err);
	}
	if (s == RUNC_PAUSED)
		runc_cgroup_freeze(&st, false, &err);
	kill_and_wait(&st);
	snprintf(path, sizeof(path), "%s/config.json", st.bundle);
	have_spec = oci_spec_load(path, &spec, &err) == 0;
	kit_err_clear(&err);
	ret = runc_destroy(&st, have_spec ? &spec : NULL, &err);
	oci_spec_free(&spec);
	runc_state_release(&st);
	return ret < 0 ? runc_fail_cmd(&err) : 0;
}

static bool format_json(int argc, char **argv, int *i, bool *quiet, int *bad)
{
	bool json = false;

	*bad = 0;
	for (; *i < argc && argv[*i][0] == '-'; (*i)++) {
		const char *a = argv[*i];

		if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			if (quiet)
				*quiet = true;
			else
				*bad = 1;
		} else if ((strcmp(a, "--format") == 0 || strcmp(a, "-f") == 0) &&
			   *i + 1 < argc) {
			json = strcmp(argv[++*i], "json") == 0;
			if (!json && strcmp(argv[*i], "table") != 0)
				*bad = 1;
		} else if (strncmp(a, "--format=", 9) == 0) {
			json = strcmp(a + 9, "json") == 0;
		} else {
			*bad = 1;
		}
	}
	return json;
}

int cmd_list(int argc, char **argv)
{
	_autofree struct dirent **names = NULL;
	cJSON *arr = cJSON_CreateArray();
	bool quiet = false, json;
	int i = 1, bad, n;

	json = format_json(argc, argv, &i, &quiet, &bad);
	if (bad || i != argc) {
		cJSON_Delete(arr);
		return runc_usage_error("list", "usage: list [--format table|json] [-q]");
	}
	n = scandir(runc_global.root, &names, NULL, alphasort);
	if (!json && !quiet)
		printf("%-12s %-8s %-10s %-40s %-30s %s\n", "ID", "PID", "STATUS",
		       "BUNDLE", "CREATED", "OWNER");
	for (int k = 0; k < n; k++) {
		struct kit_err err = { 0 };
		struct runc_state st;
		enum runc_status s;

		if (names[k]->d_name[0] != '.' &&
		    runc_state_load(names[k]->d_name, &st, &err) == 0) {
			s = runc_state_status(&st);
			if (json)
				cJSON_AddItemToArray(arr, runc_state_json(&st, s));
			else if (quiet)
				printf("%s\n", st.id);
			else
				printf("%-12s %-8d %-10s %-40s %-30s %s\n", st.id,
				       s == RUNC_STOPPED ? 0 : (int)st.pid,
				       runc_status_name(s), st.bundle, st.created,
				       "root");
			runc_state_release(&st);
		}
		free(names[k]);
	}
	if (json)
		print_json(arr);
	else
		cJSON_Delete(arr);
	return 0;
}

int cmd_ps(int argc, char **argv)
{
	struct kit_err err = { 0 };
	struct runc_state st;
	pid_t pids[4096];
	size_t n = 0;
	int i = 1, bad, ret;
	bool json = format_json(argc, argv, &i, NULL, &bad);

	if (bad || argc - i != 1)
		return runc_usage_error("ps", "usage: ps [--format table|json] ID");
	ret = runc_state_load(argv[i], &st, &err);
	if (ret == 0)
		ret = runc_cgroup_pids(&st, pids, 4096, &n, &err);
	if (ret == 0 && n == 0 && runc_state_status(&st) != RUNC_STOPPED) {
		pids[0] = st.pid; /* no cgroup: at least the init */
		n = 1;
	}
	runc_state_release(&st);
	if (ret < 0)
		return runc_fail_cmd(&err);
	if (json) {
		cJSON *arr = cJSON_CreateArray();

		for (size_t k = 0; k < n && k < 4096; k++)
			cJSON_AddItemToArray(arr, cJSON_CreateNumber(pids[k]));
		print_json(arr);
		return 0;
	}
	printf("%-8s %s\n", "PID", "CMD");
	for (size_t k = 0; k < n && k < 4096; k++) {
		char path[64], comm[64] = "?";
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/comm", (int)pids[k]);
		f = fopen(path, "re");
		if (f) {
			if (fgets(comm, sizeof(comm), f))
				comm[strcspn(comm, "\n")] = '\0';
			fclose(f);
		}
		printf("%-8d %s\n", (int)pids[k], comm);
	}
	return 0;
}

int cmd_spec(int argc, char **argv)
{
	struct kit_err err = { 0 };
	const char *bundle = ".";
	char path[PATH_MAX];
	bool rootless = false;
	cJSON *doc;
	int ret;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--rootless") == 0)
			rootless = true;
		else if ((strcmp(argv[i], "--bundle") == 0 ||
			  strcmp(argv[i], "-b") == 0) &&
			 i + 1 < argc)
			bundle = argv[++i];
		else
			return runc_usage_error(
				"spec", "usage: spec [--rootless] [--bundle DIR]");
	}
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	if (access(path, F_OK) == 0) {
		kit_err_set(&err, EEXIST, "remove it first", "write %s", path);
		return runc_fail_cmd(&err);
	}
	doc = oci_spec_default(rootless, getuid(), getgid());
	ret = kit_json_write_file(path, doc, 0644, &err);
	cJSON_Delete(doc);
	return ret < 0 ? runc_fail_cmd(&err) : 0;
}

static int pause_resume(int argc, char **argv, bool freeze)
{
	struct kit_err err = { 0 };
	struct runc_state st;
	int ret;

	if (argc != 2)
		return runc_usage_error(argv[0], "usage: %s ID", argv[0]);
	ret = runc_state_load(argv[1], &st, &err);
	if (ret == 0 && runc_state_status(&st) == RUNC_STOPPED)
		ret = kit_err_set(&err, ESRCH, "the container is not running", "%s %s",
				  argv[0], st.id);
	if (ret == 0)
		ret = runc_cgroup_freeze(&st, freeze, &err);
	runc_state_release(&st);
	return ret < 0 ? runc_fail_cmd(&err) : 0;
}

int cmd_pause(int argc, char **argv)
{
	return pause_resume(argc, argv, true);
}

int cmd_resume(int argc, char **argv)
{
	return pause_resume(argc, argv, false);
}

/*
 * `features`: what this runtime implements, as the runtime-spec's features
 * document (containerd and other callers read it to know which config.json
 * fields they may use).  The names come from the parser's tables, so the
 * list cannot drift from what is accepted; the annotation says which
 * libseccomp is linked, as runc's does.
 */
int cmd_features(int argc, char **argv)
{
	const struct scmp_version *v = seccomp_version();
	cJSON *f, *ann;
	char ver[32];

	(void)argv;
	if (argc != 1)
		return runc_usage_error("features", "usage: features (no arguments)");
	f = oci_features();
	ann = f ? cJSON_AddObjectToObject(f, "annotations") : NULL;
	if (!ann) {
		cJSON_Delete(f);
		runc_log_error("features: out of memory");
		return 1;
	}
	snprintf(ver, sizeof(ver), "%u.%u.%u", v->major, v->minor, v->micro);
	cJSON_AddStringToObject(ann, "io.github.seccomp.libseccomp.version", ver);
	print_json(f);
	return 0;
}
