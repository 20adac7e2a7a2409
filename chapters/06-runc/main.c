/* SPDX-License-Identifier: MIT */
/*
 * main.c - mini-runc: an OCI runtime with runc's command line.
 *
 * Article §3.1 (低级容器运行时): containerd and dockerd do not start
 * containers themselves; they write a bundle (rootfs/ + config.json) and
 * call a low-level runtime, runc, with a command line that every runtime
 * copies: `runc create`, `start`, `state`, `kill`, `delete`, `exec` ...
 * This file reads the global flags, protects the binary (CVE-2019-5736),
 * and dispatches to one function per command.
 *
 * Left out: --criu (checkpoint/restore; accepted and ignored), --rootless
 * (detected instead), the systemd cgroup driver (refused with a message).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kit/cleanup.h"
#include "kit/log.h"
#include "runc.h"

struct runc_global runc_global = { .root = RUNC_DEF_ROOT };

static void log_line(const char *level, const char *msg)
{
	_autoclose int fd = -1;
	char line[1024], ts[40];
	struct timespec now;
	struct tm tm;
	int n;

	if (!runc_global.log_path)
		return;
	fd = open(runc_global.log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (runc_global.log_json) {
		cJSON *o = cJSON_CreateObject();
		char *text;

		cJSON_AddStringToObject(o, "level", level);
		cJSON_AddStringToObject(o, "msg", msg);
		cJSON_AddStringToObject(o, "time", ts);
		text = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
		n = snprintf(line, sizeof(line), "%s\n", text ? text : "{}");
		free(text);
	} else {
		n = snprintf(line, sizeof(line), "time=\"%s\" level=%s msg=\"%s\"\n", ts,
			     level, msg);
	}
	if (n > 0 && write(fd, line,
			   (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1) < 0) {
		/* nowhere left to say it */
	}
}

void runc_log_error(const char *msg)
{
	fprintf(stderr, "%s: %s\n", RUNC_NAME, msg);
	log_line("error", msg);
}

void runc_log_debug(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!runc_global.debug)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: debug: %s\n", RUNC_NAME, msg);
	log_line("debug", msg);
}

int runc_fail_cmd(const struct kit_err *err)
{
	runc_log_error(err->msg);
	return 1;
}

int runc_usage_error(const char *cmd, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s %s: %s\n(%s --help lists the commands)\n", RUNC_NAME, cmd,
		msg, RUNC_NAME);
	log_line("error", msg);
	return 2;
}

/*
 * CVE-2019-5736: a container whose program is a script starting
 * "#!/proc/self/exe" makes the kernel run *this* binary inside the
 * container; a process there can then open /proc/PID/exe and, once we have
 * exited, write through it: the host's runtime binary is replaced and runs
 * as root the next time.  The defence runc adopted: before touching any
 * container, re-execute from a sealed memfd copy of ourselves.  What
 * /proc/self/exe then shows is the copy, which no one can write (the
 * seals) and which vanishes with the last process that uses it.
 */
static void reexec_sealed(char **argv)
{
	_autoclose int self = -1;
	struct stat sb;
	off_t off = 0;
	int mfd;

	if (getenv("_MINI_RUNC_SEALED")) {
		unsetenv("_MINI_RUNC_SEALED");
		return;
	}
	self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (self < 0 || fstat(self, &sb) < 0)
		return; /* no /proc: nothing to protect through it either */
	mfd = memfd_create("mini-runc", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return;
	while (off < sb.st_size)
		if (sendfile(mfd, self, &off, (size_t)(sb.st_size - off)) <= 0)
			goto out;
	if (fcntl(mfd, F_ADD_SEALS,
		  F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
		goto out;
	setenv("_MINI_RUNC_SEALED", "1", 1);
	fexecve(mfd, argv, environ);
	unsetenv("_MINI_RUNC_SEALED");
out:
	close(mfd); /* not fatal: go on unprotected rather than not at all */
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: %s [global options] COMMAND [options] ID\n"
		"\n"
		"An OCI runtime with runc's command line (article §3.1).\n"
		"\n"
		"Commands:\n"
		"  create [--bundle DIR] [--pid-file F] [--console-socket S] [--no-pivot] ID\n"
		"  start ID                 let a created container run its process\n"
		"  run [--bundle DIR] [--detach] [--pid-file F] [--console-socket S] ID\n"
		"  state ID                 the OCI state JSON\n"
		"  kill [--all] ID [SIGNAL] (default SIGTERM)\n"
		"  delete [--force] ID\n"
		"  list [--format table|json] [-q]\n"
		"  ps [--format table|json] ID\n"
		"  exec [--process F.json | ARGS...] [--detach] [--pid-file F] [--tty]\n"
		"       [--console-socket S] [--cwd DIR] [--env K=V] [--user UID:GID]\n"
		"       [--cap CAP_X] [--no-new-privs] [--preserve-fds N] ID\n"
		"  spec [--rootless] [--bundle DIR]   write a default config.json\n"
		"  pause ID, resume ID      freeze and thaw the container's cgroup\n"
		"  update [--resources F.json|-] [--memory SIZE] [--memory-swap SIZE]\n"
		"       [--memory-reservation SIZE] [--cpu-share N] [--cpu-quota N]\n"
		"       [--cpu-period N] [--cpuset-cpus L] [--cpuset-mems L]\n"
		"       [--pids-limit N] ID   change a running container's limits\n"
		"  features                 what this runtime implements (JSON)\n"
		"  events [--stats] [--interval 5s] ID   usage from the cgroup, OOM kills\n"
		"\n"
		"Global options:\n"
		"  --root DIR               state directory (default %s)\n"
		"  --log FILE               also log to FILE\n"
		"  --log-format text|json   the log's format\n"
		"  --debug                  say what each step does\n"
		"  --systemd-cgroup         refused: only the cgroupfs driver is here\n"
		"  -v, --version            versions\n",
		RUNC_NAME, RUNC_DEF_ROOT);
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	bool sealed; /* re-exec from a sealed copy first (it enters a container) */
} commands[] = {
	{ "create", cmd_create, true },  { "run", cmd_run, true },
	{ "exec", cmd_exec, true },      { "start", cmd_start, false },
	{ "state", cmd_state, false },   { "kill", cmd_kill, false },
	{ "delete", cmd_delete, false }, { "list", cmd_list, false },
	{ "ps", cmd_ps, false },         { "spec", cmd_spec, false },
	{ "pause", cmd_pause, false },   { "resume", cmd_resume, false },
	{ "update", cmd_update, false }, { "features", cmd_features, false },
	{ "events", cmd_events, false },
};

/* "--flag value" or "--flag=value": the value, advancing *i; NULL if none. */
static const char *flag_value(int argc, char **argv, int *i, const char *flag)
{
	size_t n = strlen(flag);

	if (strncmp(argv[*i], flag, n) != 0)
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] == '\0' && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

int main(int argc, char **argv)
{
	int i;

	kit_log_init(RUNC_NAME);
	/* 1. Global flags, before the command (runc's order). */
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i], *v;

		if (strcmp(a, "--version") == 0 || strcmp(a, "-v") == 0) {
			printf("%s version %s\nspec: %s\n", RUNC_NAME, RUNC_VERSION,
			       RUNC_SPEC);
			return 0;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "--debug") == 0) {
			runc_global.debug = true;
		} else if (strcmp(a, "--systemd-cgroup") == 0) {
			fprintf(stderr,
				"%s: --systemd-cgroup: the systemd cgroup driver is not "
				"supported; use the cgroupfs driver (drop the flag, or set "
				"SystemdCgroup = false in containerd's runc options)\n",
				RUNC_NAME);
			return 1;
		} else if ((v = flag_value(argc, argv, &i, "--root"))) {
			runc_global.root = v;
		} else if ((v = flag_value(argc, argv, &i, "--log-format"))) {
			if (strcmp(v, "json") != 0 && strcmp(v, "text") != 0)
				return runc_usage_error("--log-format",
							"is text or json, not '%s'", v);
			runc_global.log_json = strcmp(v, "json") == 0;
		} else if ((v = flag_value(argc, argv, &i, "--log"))) {
			runc_global.log_path = v;
		} else if ((v = flag_value(argc, argv, &i, "--criu"))) {
			/* checkpoint/restore is left out; the flag is accepted */
		} else if (strcmp(a, "--rootless") == 0 && i + 1 < argc) {
			i++; /* runc's --rootless auto|true|false: detected here */
		} else {
			return runc_usage_error("", "unknown global option '%s'", a);
		}
	}
	if (i == argc) {
		usage(stderr);
		return 2;
	}
	/* 2. The command. */
	for (size_t c = 0; c < sizeof(commands) / sizeof(commands[0]); c++) {
		if (strcmp(argv[i], commands[c].name) != 0)
			continue;
		if (commands[c].sealed)
			reexec_sealed(argv);
		return commands[c].fn(argc - i, argv + i);
	}
	return runc_usage_error(argv[i], "unknown command");
}
