/* SPDX-License-Identifier: MIT */
/*
 * process.c - config.json's "process": the last steps before execve(2).
 *
 * Article §3.1.  Order matters, because each step takes a power away:
 *
 *   rlimits, oomScoreAdj, umask     while we are still root (prepare)
 *   cwd                             resolved inside the new root
 *   the bounding set                needs CAP_SETPCAP, which setuid drops
 *   setgroups, setgid, setuid       with PR_SET_KEEPCAPS, so that ...
 *   capabilities                    ... the sets can still be set after
 *   noNewPrivileges                 no setuid binary can give them back
 *   seccomp                         last: it may forbid the calls above
 *   execve                          (which the filter must allow)
 *
 * Without noNewPrivileges, loading a filter needs CAP_SYS_ADMIN: then it
 * is loaded before the capabilities are dropped, as runc does.
 *
 * Left out: AppArmor and SELinux labels, the io priority, scheduler.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kit/file.h"
#include "kit/lab.h"
#include "kit/proc.h"
#include "runc.h"

int runc_process_prepare(const struct oci_process *p, struct kit_err *err)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		struct rlimit rl = { .rlim_cur = p->rlimits[i].soft,
				     .rlim_max = p->rlimits[i].hard };

		if (setrlimit(p->rlimits[i].resource, &rl) < 0)
			return kit_err_set(err, errno,
					   errno == EINVAL ? "soft above hard?" : NULL,
					   "set rlimit %d", p->rlimits[i].resource);
	}
	if (p->has_oom_score_adj) {
		char v[16];
		int ret;

		snprintf(v, sizeof(v), "%d", p->oom_score_adj);
		ret = kit_write_file("/proc/self/oom_score_adj", v, err);
		if (ret < 0)
			return kit_err_wrap(err, "set oomScoreAdj");
	}
	if (p->has_umask)
		umask(p->umask);
	return 0;
}

int runc_close_fds(int keep1, int keep2, struct kit_err *err)
{
	/* LAB 06.4: close every fd above 2 that the container must not get.
	 * close_range(2) closes a range of fds in one call; it cannot skip
	 * any, so close the gaps around the two we still need: with lo and
	 * hi the smaller and larger of @keep1 and @keep2 (-1: none), close
	 * [3, lo-1], [lo+1, hi-1] and [hi+1, ~0U] -- skipping empty and
	 * negative ranges -- with syscall(SYS_close_range, first, last, 0).
	 * A failure: return kit_err_set(err, errno, NULL, "close the host's
	 * fds").  (The two kept are close-on-exec: gone at execve.)
	 * Stub: (void)keep1; (void)keep2;
	 * Stub: return kit_lab_todo(err, "06.4");
	 * Why: CVE-2024-21626.  runc leaked an fd of the host's
	 * /sys/fs/cgroup into the container's init; a config.json with
	 * "cwd": "/proc/self/fd/7" then put the container's process in the
	 * HOST's tree, from where it could climb to the host's /.  Every fd
	 * a runtime opened on the host (and every fd its caller leaked to
	 * it) is a door out of the root: close them all before anything of
	 * the container's choosing (cwd, the program) runs.
	 */
	int lo = keep1 < keep2 ? keep1 : keep2, hi = keep1 < keep2 ? keep2 : keep1;
	unsigned next = 3;
	int keep[2] = { lo, hi };

	for (int i = 0; i < 2; i++) {
		if (keep[i] < (int)next)
			continue;
		if (keep[i] > (int)next &&
		    syscall(SYS_close_range, next, (unsigned)keep[i] - 1, 0) < 0)
			return kit_err_set(err, errno, NULL, "close the host's fds");
		next = (unsigned)keep[i] + 1;
	}
	if (syscall(SYS_close_range, next, ~0U, 0) < 0)
		return kit_err_set(err, errno, NULL, "close the host's fds");
	/* END LAB */
	return 0;
}

int runc_chdir(const char *cwd, struct kit_err *err)
{
	char buf[PATH_MAX];

	if (chdir(cwd) < 0)
		return kit_err_set(err, errno, "process.cwd must exist in the rootfs",
				   "chdir to %s", cwd);
	/* A cwd reached through a host fd reads "(unreachable)/...": it is
	 * outside our root.  Refuse rather than run there (CVE-2024-21626). */
	if (!getcwd(buf, sizeof(buf)) || buf[0] != '/')
		return kit_err_set(err, EPERM, "it is outside the container's root",
				   "chdir to %s", cwd);
	return 0;
}

int runc_set_user(const struct oci_process *p, struct kit_err *err)
{
	/* Keep the permitted set across setuid(2) from 0: caps are set next. */
	if (prctl(PR_SET_KEEPCAPS, 1) < 0)
		return kit_err_set(err, errno, NULL, "keep capabilities");
	if (setgroups(p->n_additional_gids, p->additional_gids) < 0 && errno != EPERM)
		return kit_err_set(err, errno, NULL, "set additionalGids");
	if (setresgid(p->gid, p->gid, p->gid) < 0)
		return kit_err_set(err, errno, "is the gid mapped in the user namespace?",
				   "set gid %u", (unsigned)p->gid);
	if (setresuid(p->uid, p->uid, p->uid) < 0)
		return kit_err_set(err, errno, "is the uid mapped in the user namespace?",
				   "set uid %u", (unsigned)p->uid);
	return 0;
}

/* Bit @c of @mask as a libcap flag value. */
static void fill_set(cap_t caps, cap_flag_t flag, uint64_t mask)
{
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++)
		if (mask & (1ULL << c))
			cap_set_flag(caps, flag, 1, &c, CAP_SET);
}

int runc_drop_bounding(const struct oci_process *p, struct kit_err *err)
{
	const struct oci_caps *c = &p->caps;

	if (!p->has_caps)
		return 0;
	/* needs CAP_SETPCAP in the effective set: before setuid clears it */
	for (cap_value_t v = 0; v <= CAP_LAST_CAP; v++)
		if (!(c->bounding & (1ULL << v)) && CAP_IS_SUPPORTED(v) &&
		    prctl(PR_CAPBSET_DROP, v, 0, 0, 0) < 0)
			return kit_err_set(err, errno, NULL,
					   "drop %s from the bounding set",
					   oci_capability_name((unsigned)v));
	return 0;
}

int runc_set_caps(const struct oci_process *p, struct kit_err *err)
{
	const struct oci_caps *c = &p->caps;
	cap_t caps;
	int ret = 0;

	if (!p->has_caps)
		return 0;
	caps = cap_init();
	fill_set(caps, CAP_EFFECTIVE, c->effective);
	fill_set(caps, CAP_PERMITTED, c->permitted);
	fill_set(caps, CAP_INHERITABLE, c->inheritable);
	if (cap_set_proc(caps) < 0)
		ret = kit_err_set(err, errno, "effective must be within permitted",
				  "set the capabilities");
	cap_free(caps);
	if (ret < 0)
		return ret;
	/* An ambient capability must also be permitted and inheritable; the
	 * kernel refuses the others (EPERM).  runc only warns, and specs
	 * written for it (runc's own default) list ambient caps without
	 * inheritable ones: skipped the same way. */
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	for (cap_value_t v = 0; v <= CAP_LAST_CAP; v++)
		if ((c->ambient & (1ULL << v)) && (c->inheritable & (1ULL << v)))
			prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, v, 0, 0);
	return 0;
}

static uint32_t scmp_action(enum oci_seccomp_action a, bool has_errno, unsigned e)
{
	switch (a) {
	case OCI_SCMP_KILL: return SCMP_ACT_KILL;
	case OCI_SCMP_KILL_PROCESS: return SCMP_ACT_KILL_PROCESS;
	case OCI_SCMP_KILL_THREAD: return SCMP_ACT_KILL_THREAD;
	case OCI_SCMP_TRAP: return SCMP_ACT_TRAP;
	case OCI_SCMP_ERRNO: return SCMP_ACT_ERRNO(has_errno ? e : EPERM);
	case OCI_SCMP_TRACE: return SCMP_ACT_TRACE(has_errno ? e : EPERM);
	case OCI_SCMP_LOG: return SCMP_ACT_LOG;
	case OCI_SCMP_NOTIFY: return SCMP_ACT_NOTIFY;
	case OCI_SCMP_ALLOW:
	default: return SCMP_ACT_ALLOW;
	}
}

static const enum scmp_compare scmp_ops[] = {
	[OCI_SCMP_CMP_NE] = SCMP_CMP_NE,
	[OCI_SCMP_CMP_LT] = SCMP_CMP_LT,
	[OCI_SCMP_CMP_LE] = SCMP_CMP_LE,
	[OCI_SCMP_CMP_EQ] = SCMP_CMP_EQ,
	[OCI_SCMP_CMP_GE] = SCMP_CMP_GE,
	[OCI_SCMP_CMP_GT] = SCMP_CMP_GT,
	[OCI_SCMP_CMP_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
};

static int add_rule(scmp_filter_ctx ctx, uint32_t def, const struct oci_seccomp_rule *r,
		    struct kit_err *err)
{
	uint32_t act = scmp_action(r->action, r->has_errno, r->errno_ret);
	struct scmp_arg_cmp cmp[6];
	unsigned n = 0;

	if (act == def)
		return 0; /* libseccomp refuses a rule equal to the default */
	for (size_t i = 0; i < r->n_args && n < 6; i++, n++)
		cmp[n] = (struct scmp_arg_cmp){ .arg = r->args[i].index,
						.op = scmp_ops[r->args[i].op],
						.datum_a = r->args[i].value,
						.datum_b = r->args[i].value_two };
	for (size_t i = 0; i < r->n_names; i++) {
		int nr = seccomp_syscall_resolve_name(r->names[i]);
		int ret;

		if (nr == __NR_SCMP_ERROR)
			continue; /* not on this architecture: runc skips it too */
		ret = seccomp_rule_add_array(ctx, act, nr, n, cmp);
		if (ret < 0)
			return kit_err_set(err, -ret, NULL, "add the seccomp rule for %s",
					   r->names[i]);
	}
	return 0;
}

int runc_load_seccomp(const struct oci_seccomp *s, struct kit_err *err)
{
	uint32_t def =
		scmp_action(s->default_action, s->has_default_errno, s->default_errno);
	scmp_filter_ctx ctx = seccomp_init(def);
	int ret = 0;

	if (!ctx)
		return kit_err_set(err, EINVAL, NULL, "create the seccomp filter");
	/* NNP is handled by process.noNewPrivileges, not by libseccomp */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	for (size_t i = 0; ret == 0 && s->architectures && s->architectures[i]; i++) {
		uint32_t arch = seccomp_arch_resolve_name(s->architectures[i] + 10);

		if (arch && arch != seccomp_arch_native())
			seccomp_arch_add(ctx, arch); /* EEXIST etc.: not fatal */
	}
	for (size_t i = 0; ret == 0 && i < s->n_syscalls; i++)
		ret = add_rule(ctx, def, &s->syscalls[i], err);
	if (ret == 0 && (ret = seccomp_load(ctx)) < 0)
		ret = kit_err_set(err, -ret,
				  ret == -EACCES
					  ? "without noNewPrivileges a filter needs "
					    "CAP_SYS_ADMIN"
					  : NULL,
				  "load the seccomp filter");
	seccomp_release(ctx);
	return ret;
}

/* The process's PATH (from its env), else the usual one. */
static const char *process_path(const struct oci_process *p)
{
	for (size_t i = 0; i < p->n_env; i++)
		if (strncmp(p->env[i], "PATH=", 5) == 0)
			return p->env[i] + 5;
	return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

int runc_find_program(const struct oci_process *p, char *out, struct kit_err *err)
{
	const char *path = process_path(p);
	struct stat sb;

	if (strchr(p->args[0], '/')) {
		snprintf(out, PATH_MAX, "%s", p->args[0]);
		if (stat(out, &sb) == 0)
			return 0;
	} else {
		for (const char *d = path; *d;) {
			size_t n = strcspn(d, ":");

			snprintf(out, PATH_MAX, "%.*s/%s", (int)n, n ? d : ".",
				 p->args[0]);
			if (stat(out, &sb) == 0 && S_ISREG(sb.st_mode))
				return 0;
			d += n + (d[n] == ':');
		}
	}
	return kit_err_set(err, ENOENT,
			   "no such program in the container: is it in the image, and on "
			   "the process's PATH?",
			   "exec %s", p->args[0]);
}

/*
 * The environment, with HOME added when the config has none, as runc does:
 * the user's home from the container's /etc/passwd, else "/".
 */
static char **env_with_home(const struct oci_process *p)
{
	static char home[PATH_MAX + 8];
	char line[1024];
	char **env = calloc(p->n_env + 2, sizeof(char *));
	FILE *f;
	size_t n = 0;

	if (!env)
		return (char **)p->env;
	for (size_t i = 0; i < p->n_env; i++) {
		if (strncmp(p->env[i], "HOME=", 5) == 0)
			return (char **)p->env; /* given: as is */
		env[n++] = (char *)p->env[i];
	}
	snprintf(home, sizeof(home), "HOME=/");
	f = fopen("/etc/passwd", "re");
	while (f && fgets(line, sizeof(line), f)) {
		/* name:x:uid:gid:gecos:home:shell */
		char *field[7], *t = line;
		int k = 0;

		for (char *tok; k < 7 && (tok = strsep(&t, ":")); k++)
			field[k] = tok;
		if (k >= 6 && strtoul(field[2], NULL, 10) == p->uid && field[5][0]) {
			snprintf(home, sizeof(home), "HOME=%s", field[5]);
			break;
		}
	}
	if (f)
		fclose(f);
	env[n++] = home;
	env[n] = NULL;
	return env;
}

int runc_exec_process(const struct oci_process *p, struct kit_err *err)
{
	char file[PATH_MAX];
	int ret = runc_find_program(p, file, err);

	if (ret < 0)
		return ret;
	execve(file, (char *const *)p->args, env_with_home(p));
	return kit_err_set(err, errno, NULL, "exec %s", p->args[0]);
}

void runc_finish_process(const struct oci_spec *spec, const struct oci_process *p,
			 int sync_fd)
{
	struct kit_err err = { 0 };
	bool early_seccomp = spec->linux_.has_seccomp && !p->no_new_privileges;

	if (runc_chdir(p->cwd, &err) < 0)
		runc_fail(sync_fd, 1, &err);
	/* LAB 06.5: the last steps, in an order that works.
	 * Call, stopping at the first failure (runc_fail(sync_fd, 1, &err)):
	 * runc_load_seccomp (only here if @early_seccomp),
	 * runc_drop_bounding, runc_set_user, runc_set_caps, prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) if
	 * p->no_new_privileges, then runc_load_seccomp if the spec has
	 * seccomp and it was not loaded early.
	 * Stub: (void)early_seccomp;
	 * Stub: kit_lab_todo(&err, "06.5");
	 * Stub: runc_fail(sync_fd, 1, &err);
	 * Why: dropping from the bounding set needs CAP_SETPCAP in the
	 * effective set, which setuid(2) away from 0 clears; setuid also
	 * clears the permitted set unless PR_SET_KEEPCAPS, so the user
	 * comes between the bounding set and the other sets.  A seccomp
	 * filter can forbid setuid, capset or prctl that come after it, so
	 * it comes last; but loading one without no_new_privs needs
	 * CAP_SYS_ADMIN, which the capabilities step may have dropped: then
	 * it must come before them.
	 */
	if (early_seccomp && runc_load_seccomp(&spec->linux_.seccomp, &err) < 0)
		runc_fail(sync_fd, 1, &err);
	if (runc_drop_bounding(p, &err) < 0 || runc_set_user(p, &err) < 0 ||
	    runc_set_caps(p, &err) < 0)
		runc_fail(sync_fd, 1, &err);
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		kit_err_set(&err, errno, NULL, "set noNewPrivileges");
		runc_fail(sync_fd, 1, &err);
	}
	if (spec->linux_.has_seccomp && !early_seccomp &&
	    runc_load_seccomp(&spec->linux_.seccomp, &err) < 0)
		runc_fail(sync_fd, 1, &err);
	/* END LAB */
	runc_exec_process(p, &err);
	runc_fail(sync_fd, kit_exec_exit_code(err.code), &err);
}
