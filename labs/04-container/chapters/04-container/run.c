/* SPDX-License-Identifier: MIT */
/*
 * run.c - `mini-container run`: the article's one-liner as one program.
 *
 * Article: §2.4 Cgroups with Namespace.
 *
 *   cgexec -g cpu,memory:my-process \
 *     unshare -uinpUrf --mount-proc \
 *       sh -c "/bin/hostname my-process && chroot DIR /bin/sh"
 *
 * is, in this file (the parent, which stays on the host):
 *
 *   1. check everything the user gave us, before anything is created
 *   2. cgcreate + cgset: a cgroup kit/NAME with the limits
 *   3. unshare -uinpf (-Ur): clone(2) the container's init in new
 *      namespaces; it waits on a pipe
 *   4. -r: write its uid_map/gid_map (with --user)
 *   5. cgexec: put it in the cgroup, then tell it to go
 *   6. wait for it, pass its exit status on, delete the cgroup
 *
 * and in init.c (the child): hostname, private mounts, the new root, the
 * command.  The order of the teardown in run_container() is the lesson:
 * whatever step failed, nothing is left behind.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container.h"
#include "kit/cgroup.h"
#include "kit/lab.h"
#include "kit/log.h"
#include "kit/ns.h"
#include "kit/proc.h"
#include "run.h"

/* The limits asked for on the command line: NULL when not given. */
struct limits {
	const char *memory, *cpus, *pids;
};

void run_usage(FILE *out)
{
	fprintf(out,
		"usage: %s run --rootfs DIR [options] [--] COMMAND [ARG...]\n"
		"\n"
		"Run COMMAND in a new container: new UTS, IPC, network, PID and mount\n"
		"namespaces, DIR as its root, and a cgroup with the limits given.\n"
		"\n"
		"  -r, --rootfs DIR        the container's root filesystem (required),\n"
		"                          e.g. build/images/busybox/rootfs\n"
		"  -n, --name NAME         the container's name: its hostname and its\n"
		"                          cgroup kit/NAME (default mini-PID)\n"
		"  -H, --hostname NAME     the hostname inside (default: the name)\n"
		"  -m, --memory SIZE       memory limit, e.g. 50M\n"
		"  -c, --cpus N            CPU limit in CPUs, e.g. 0.5\n"
		"  -p, --pids N            at most N processes and threads\n"
		"      --root-mode MODE    pivot (default): pivot_root(2) and detach the\n"
		"                          old root; chroot: chroot(2) only, which a\n"
		"                          root process can escape (for the lesson)\n"
		"  -U, --user              a user namespace too: the caller is root\n"
		"                          inside (the article's unshare -Ur)\n"
		"  -v, --verbose           say what each step does (on stderr)\n"
		"  -h, --help              show this help\n"
		"\n"
		"A cgroup is made only when a limit is given.  Exit status: the\n"
		"command's own, 128+N if signal N killed it, 126 or 127 if it could\n"
		"not be run, 1 if the container could not be set up, 2 on a usage\n"
		"error.\n",
		run_prog);
}

/* A misuse: what was wrong (if we know), the synopsis, exit 2. */
static void __attribute__((noreturn)) usage_error(const char *fmt, const char *arg)
{
	if (fmt) {
		fprintf(stderr, "%s: ", run_prog);
		fprintf(stderr, fmt, arg);
		fputc('\n', stderr);
	}
	fprintf(stderr,
		"usage: %s run --rootfs DIR [options] [--] COMMAND [ARG...]\n"
		"(%s run --help lists the options)\n",
		run_prog, run_prog);
	exit(2);
}

static void parse_run_args(int argc, char **argv, struct container *c, struct limits *lim,
			   const char **rootfs)
{
	enum { OPT_ROOT_MODE = 0x100 };
	static const struct option longopts[] = {
		{ "rootfs", required_argument, NULL, 'r' },
		{ "name", required_argument, NULL, 'n' },
		{ "hostname", required_argument, NULL, 'H' },
		{ "memory", required_argument, NULL, 'm' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "pids", required_argument, NULL, 'p' },
		{ "root-mode", required_argument, NULL, OPT_ROOT_MODE },
		{ "user", no_argument, NULL, 'U' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int opt;

	/* "+": stop at the command, which keeps its own options. */
	while ((opt = getopt_long(argc, argv, "+r:n:H:m:c:p:Uvh", longopts, NULL)) !=
	       -1) {
		switch (opt) {
		case 'r': *rootfs = optarg; break;
		case 'n': c->name = optarg; break;
		case 'H': c->hostname = optarg; break;
		case 'm': lim->memory = optarg; break;
		case 'c': lim->cpus = optarg; break;
		case 'p': lim->pids = optarg; break;
		case OPT_ROOT_MODE:
			if (kit_rootfs_mode_parse(optarg, &c->mode) < 0)
				usage_error("--root-mode is pivot or chroot, not '%s'",
					    optarg);
			break;
		case 'U': c->userns = true; break;
		case 'v': kit_log_set_level(KIT_LOG_INFO); break;
		case 'h': run_usage(stdout); exit(0);
		default: usage_error(NULL, NULL); /* getopt said what was wrong */
		}
	}
	if (!*rootfs)
		usage_error("%s", "--rootfs DIR is required");
	if (optind == argc)
		usage_error("%s", "no command given (e.g. -- /bin/sh)");
	c->argv = argv + optind;
}

/* A name makes a hostname and a cgroup directory: letters, digits, "_.-". */
static int check_name(const char *name, struct kit_err *err)
{
	bool ok = isalnum((unsigned char)name[0]) && strlen(name) <= 64;

	for (const char *p = name; ok && *p; p++)
		ok = isalnum((unsigned char)*p) || strchr("_.-", *p);
	if (!ok)
		return kit_err_set(err, EINVAL,
				   "1 to 64 letters, digits, '_', '.' or '-', starting "
				   "with a letter or digit",
				   "use container name '%s'", name);
	return 0;
}

/* Everything the user gave, checked before anything is created. */
static int check_container(struct container *c, const char *rootfs, struct kit_err *err)
{
	int ret = check_name(c->name, err);

	if (ret < 0)
		return ret;
	if (!c->hostname)
		c->hostname = c->name;
	if (!*c->hostname || strlen(c->hostname) > 64)
		return kit_err_set(err, EINVAL,
				   "a hostname has 1 to 64 bytes (HOST_NAME_MAX)",
				   "set hostname '%s'", c->hostname);
	return kit_rootfs_resolve(rootfs, c->rootfs, err);
}

/* ---- the cgroup (cgcreate, cgset) ------------------------------------- */

static bool has_limits(const struct limits *lim)
{
	return lim->memory || lim->cpus || lim->pids;
}

/*
 * Delete the container's group, then the shared parent "kit" if this was
 * its last container.  rmdir(2) on cgroupfs removes only an empty group
 * (EBUSY otherwise), so other containers' groups are never touched.  (A
 * container being created at that very moment may find "kit" gone between
 * its two mkdirs and fail to start; it says so, and a retry works.)
 */
static int cgroup_teardown(const struct kit_cgroup *cg, struct kit_err *err)
{
	struct kit_cgroup parent;
	struct kit_err ignored = { 0 };
	char dir[PATH_MAX];
	int ret = kit_cgroup_delete(cg, true, err);

	if (ret < 0 || kit_cgroup_open(cg->host, "kit", 0, &parent, &ignored) < 0)
		return ret;
	for (unsigned bit = 1; bit < (1u << KIT_CG_NCTRL); bit <<= 1)
		if ((parent.controllers & bit) && kit_cgroup_dir(&parent, bit, dir))
			rmdir(dir); /* EBUSY: another container still uses it */
	return 0;
}

/*
 * Create kit/NAME with the limits, as cgcreate + cgset would.  A group of
 * that name must not exist yet: deleting it at the end would kill whatever
 * runs in it.  On failure nothing is left.
 */
static int cgroup_setup(const struct container *c, const struct limits *lim,
			struct kit_cgroup_host *host, struct kit_cgroup *cg,
			struct kit_err *err)
{
	const char *keys[] = { "memory", "cpu", "pids" };
	const char *options[] = { "--memory", "--cpus", "--pids" };
	const char *values[] = { lim->memory, lim->cpus, lim->pids };
	struct kit_err ignored = { 0 };
	char path[80];
	int ret;

	snprintf(path, sizeof(path), "kit/%s", c->name);
	ret = kit_cgroup_host_detect(host, "/proc/self/mountinfo", err);
	if (ret < 0)
		return ret;
	if (kit_cgroup_open(host, path, 0, cg, &ignored) == 0)
		return kit_err_set(err, EEXIST,
				   "a container of that name is running, or its cgroup "
				   "was left behind: pick another --name, or remove it "
				   "with mini-cgroup delete --force",
				   "create cgroup %s", path);
	ret = kit_cgroup_create(
		host, path,
		(KIT_CG_MEMORY | KIT_CG_CPU | KIT_CG_PIDS) & host->controllers, cg, err);
	if (ret < 0)
		return ret;
	for (int i = 0; i < 3; i++) {
		if (!values[i])
			continue;
		ret = kit_cgroup_set(cg, keys[i], values[i], err);
		if (ret < 0) {
			cgroup_teardown(cg, &ignored);
			return kit_err_wrap(err, "%s %s", options[i], values[i]);
		}
		kit_info("cgroup %s: %s limit %s", path, keys[i], values[i]);
	}
	return 0;
}

/* A container with a memory limit killed by SIGKILL after OOM kills in
 * its group: say why, since the command itself could not. */
static void explain_oom(const struct container *c, const struct kit_cgroup *cg,
			const struct limits *lim, int code)
{
	struct kit_cgroup_stat st;
	struct kit_err ignored = { 0 };

	if (code != 128 + SIGKILL || !lim->memory ||
	    kit_cgroup_stat(cg, &st, &ignored) < 0)
		return;
	if (st.oom_kills != UINT64_MAX && st.oom_kills > 0)
		kit_warn("container %s: the kernel's OOM killer ended it: it reached its "
			 "memory limit (--memory %s)",
			 c->name, lim->memory);
}

/* ---- the namespaces (unshare -uinpf, -Ur) ---------------------------- */

static const char *clone_hint(int e, int flags)
{
	switch (e) {
	case EPERM:
		return (flags & CLONE_NEWUSER)
			       ? "user namespace refused: see sysctl "
				 "kernel.unprivileged_userns_clone and AppArmor's "
				 "kernel.apparmor_restrict_unprivileged_userns"
			       : "creating namespaces needs CAP_SYS_ADMIN: run as "
				 "root, or add --user";
	case ENOSPC: return "a limit in /proc/sys/user/max_*_namespaces is reached";
	case EAGAIN: return "process limit reached (ulimit -u or a pids cgroup)";
	default: return NULL;
	}
}

/*
 * clone(2) called the way fork(2) is: no new stack, the child returns 0 and
 * carries on from here, but in new namespaces.  The glibc clone() wrapper
 * would want a stack and a function; this is the same system call.
 */
static pid_t clone_container(int flags, struct kit_err *err)
{
	char kinds[64];
	pid_t pid =
		(pid_t)syscall(SYS_clone, (long)(flags | SIGCHLD), NULL, NULL, NULL, 0L);

	if (pid < 0) {
		int e = errno;

		return kit_err_set(err, e, clone_hint(e, flags),
				   "clone into new %s namespaces",
				   kit_ns_describe(flags, kinds, sizeof(kinds)));
	}
	return pid;
}

/* ---- starting it (cgexec) ---------------------------------------------- */

/*
 * Put the child @pid in the cgroup @cg (NULL: none), then write the one
 * byte on @go_fd that lets it carry on.  Returns 0 or -errno.
 */
static int release_child(pid_t pid, const struct kit_cgroup *cg, int go_fd,
			 struct kit_err *err)
{
	/* TODO lab 04.4: join the cgroup, then say go.
	 * When @cg is not NULL, kit_cgroup_attach(cg, pid, err) moves the
	 * child into it (return its error).  Only then write(2) one byte
	 * to @go_fd; report a failed write as "tell the container to go".
	 * The child's half is wait_for_parent() in init.c.
	 */
	(void)pid; (void)cg; (void)go_fd;
	return kit_lab_todo(err, "04.4");
	return 0;
}

/* Read the child's report: 0 when it started the command, else its code. */
static int read_report(int fd, struct kit_err *err)
{
	struct init_report report;
	ssize_t n;

	do
		n = read(fd, &report, sizeof(report));
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return 0; /* closed on exec: the command runs */
	if (n != (ssize_t)sizeof(report)) {
		kit_err_set(err, EPIPE, "it died before it could say why",
			    "start the container");
		return 1;
	}
	*err = report.err;
	err->msg[sizeof(err->msg) - 1] = '\0';
	return report.exit_code;
}

static volatile sig_atomic_t init_pid;

/* SIGTERM or SIGHUP sent to us are for the container: its init passes them on. */
static void forward_signal(int sig)
{
	if (init_pid > 0)
		kill(init_pid, sig);
}

/*
 * From the clone on, the parent must outlive the container: it still has
 * the cgroup to delete.  Only our own process changes here; the child
 * keeps the default dispositions it was cloned with.
 */
static void parent_signals(pid_t pid)
{
	struct sigaction fwd = { .sa_handler = forward_signal };

	init_pid = pid;
	/* Ctrl-C and Ctrl-\ reach the container straight from the terminal. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	/* A child that died early closes the go pipe: EPIPE, not death. */
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGTERM, &fwd, NULL);
	sigaction(SIGHUP, &fwd, NULL);
}

/* Wait for the container's init and return its shell-style status. */
static int wait_container(pid_t pid)
{
	struct kit_err err = { 0 };
	char how[80];
	int status;

	if (kit_wait(pid, &status, &err) < 0) {
		fprintf(stderr, "%s: %s\n", run_prog, err.msg);
		return 1;
	}
	kit_info("container %s", kit_status_describe(status, how, sizeof(how)));
	return kit_status_exit_code(status);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * The whole run.  Returns the exit code; prints what failed itself.  The
 * teardown at the end undoes, in reverse order, whatever was done.
 */
static int run_container(struct container *c, const struct limits *lim)
{
	int flags =
		CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWNS;
	int go[2] = { -1, -1 }, report[2] = { -1, -1 }, code;
	struct kit_cgroup_host host;
	struct kit_cgroup group, *cg = NULL;
	struct kit_err err = { 0 }, ignored = { 0 };
	char kinds[64];
	pid_t pid = -1;

	if (c->userns)
		flags |= CLONE_NEWUSER;

	/* 2. cgcreate + cgset (on failure, nothing of it is left). */
	if (has_limits(lim)) {
		if (cgroup_setup(c, lim, &host, &group, &err) < 0)
			goto out_fail;
		cg = &group;
	}
	if (kit_pipe(go, &err) < 0 || kit_pipe(report, &err) < 0)
		goto out_fail;

	/* 3. unshare -uinpf: the child starts in new namespaces. */
	pid = clone_container(flags, &err);
	if (pid < 0)
		goto out_fail;
	if (pid == 0) {
		close(go[1]);
		close(report[0]);
		c->go_fd = go[0];
		c->report_fd = report[1];
		container_init(c); /* never returns */
	}
	parent_signals(pid);
	close_fd(&go[0]);
	close_fd(&report[1]);
	kit_info("container %s: init is pid %d on the host, in new %s namespaces",
		 c->name, (int)pid, kit_ns_describe(flags, kinds, sizeof(kinds)));

	/* 4. unshare -Ur: root inside is the caller outside. */
	if (c->userns) {
		char procdir[32];

		snprintf(procdir, sizeof(procdir), "/proc/%d", (int)pid);
		if (kit_ns_set_id_maps(procdir, 0, getuid(), 0, getgid(), &err) < 0)
			goto out_fail;
		kit_info("mapped uid %u and gid %u to root in the container",
			 (unsigned)getuid(), (unsigned)getgid());
	}

	/* 5. cgexec: in the cgroup first, then go. */
	if (cg)
		kit_info("putting pid %d in cgroup %s, then letting it go", (int)pid,
			 cg->path);
	if (release_child(pid, cg, go[1], &err) < 0)
		goto out_fail;
	close_fd(&go[1]);

	/* 6. The child reports only when it cannot start; then wait for it. */
	code = read_report(report[0], &err);
	close_fd(&report[0]);
	if (code != 0) {
		fprintf(stderr, "%s: %s\n", run_prog, err.msg);
		wait_container(pid);
	} else {
		code = wait_container(pid);
		if (cg)
			explain_oom(c, cg, lim, code);
	}
	goto out_cgroup;

out_fail:
	fprintf(stderr, "%s: %s\n", run_prog, err.msg);
	code = 1;
	if (pid > 0) {
		/* It is still waiting for its go: nothing of the command ran. */
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	close_fd(&go[0]);
	close_fd(&go[1]);
	close_fd(&report[0]);
	close_fd(&report[1]);
out_cgroup:
	if (cg && cgroup_teardown(cg, &ignored) < 0)
		fprintf(stderr, "%s: %s\n", run_prog, ignored.msg);
	else if (cg)
		kit_info("deleted cgroup %s", cg->path);
	return code;
}

int cmd_run(int argc, char **argv)
{
	struct container c = { .mode = KIT_ROOTFS_PIVOT, .go_fd = -1, .report_fd = -1 };
	struct limits lim = { 0 };
	struct kit_err err = { 0 };
	const char *rootfs = NULL;
	char default_name[32];

	snprintf(default_name, sizeof(default_name), "mini-%d", (int)getpid());
	c.name = default_name;
	parse_run_args(argc, argv, &c, &lim, &rootfs);

	/* 1. Refuse bad input before anything exists that would need undoing. */
	if (check_container(&c, rootfs, &err) < 0)
		kit_die(run_prog, &err);
	return run_container(&c, &lim);
}
