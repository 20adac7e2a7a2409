/* SPDX-License-Identifier: MIT */
/*
 * cgroup.c - a control group: a directory in each hierarchy it uses, and
 * the files in it.
 *
 * Article: §2.3 Cgroups.  "Each cgroup is a subdirectory" of a hierarchy:
 * cgcreate makes the directory, writing a number into a file sets a limit,
 * and writing a pid into cgroup.procs (or the older per-thread `tasks` file
 * the article uses) moves a process in.  That is the same on cgroup v1 and
 * v2 once you know the directory, so it lives here, for both versions:
 *
 *   kit_cgroup_dir()     where a controller's files are: v1 has one
 *                        hierarchy per controller, v2 one for all
 *   kit_cgroup_set()     a limit, translated by common/cgroup_limit.c
 *   kit_cgroup_attach()  a pid into cgroup.procs, in every hierarchy
 *   kit_cgroup_procs()   who is in it
 *
 * How a group comes to exist and how it goes away differs: see
 * common/cgroup_v1.c and common/cgroup_v2.c.  Statistics: cgroup_stat.c.
 *
 * Left out: threads (cgroup.threads, v1 `tasks`): the kit moves whole
 * processes; and cgroup.freeze / the v1 freezer.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "kit/cgroup.h"
#include "kit/cgroup_driver.h"
#include "kit/cleanup.h"
#include "kit/file.h"
#include "kit/lab.h"

/* Group paths are short in practice; a bound keeps every join in PATH_MAX. */
#define MAX_GROUP_PATH 512

int kit_cgroup_check_path(const char *path, struct kit_err *err)
{
	const char *p = path;

	if (!path || !*path)
		return kit_err_set(err, EINVAL, "give a name such as kit/c1",
				   "check group path ''");
	if (strlen(path) >= MAX_GROUP_PATH)
		return kit_err_set(err, EINVAL, "at most 511 characters",
				   "check group path '%.40s...'", path);
	if (path[0] == '/')
		return kit_err_set(err, EINVAL,
				   "a group path is relative to the root of each "
				   "hierarchy: write 'kit/c1', not '/kit/c1' or a "
				   "/sys/fs/cgroup path",
				   "check group path '%s'", path);
	for (; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return kit_err_set(err, EINVAL,
					   "no control characters in a group name",
					   "check group path '%s'", path);
	for (p = path;;) {
		size_t len = strcspn(p, "/");

		if (len == 0 || (len == 1 && p[0] == '.') ||
		    (len == 2 && p[0] == '.' && p[1] == '.'))
			return kit_err_set(err, EINVAL,
					   "no empty, '.' or '..' parts: a group cannot "
					   "reach outside its hierarchy",
					   "check group path '%s'", path);
		if (len > 255)
			return kit_err_set(err, EINVAL, "a name is at most 255 bytes",
					   "check group path '%.40s...'", path);
		if (p[len] == '\0')
			return 0;
		p += len + 1;
	}
}

int kit_cgroup_join(char *buf, const char *a, const char *b, struct kit_err *err)
{
	int n = snprintf(buf, PATH_MAX, "%s/%s", a, b);

	if (n < 0 || n >= PATH_MAX)
		return kit_err_set(err, ENAMETOOLONG, NULL, "build path %s/%s", a, b);
	return 0;
}

bool kit_cgroup_is_dir(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

char *kit_cgroup_dir(const struct kit_cgroup *cg, unsigned controller, char *buf)
{
	const struct kit_cgroup_host *h = cg->host;
	struct kit_err ignored = { 0 };
	const char *root;
	int i = kit_cgroup_controller_index(controller);

	if (h->driver == KIT_CGROUP_V2)
		root = h->v2_root;
	else if (i >= 0 && h->v1_root[i][0])
		root = h->v1_root[i];
	else
		return NULL;
	if (!root[0] || kit_cgroup_join(buf, root, cg->path, &ignored) < 0)
		return NULL;
	return buf;
}

void kit_cgroup_dirs_of(const struct kit_cgroup *cg, struct kit_cgroup_dirs *d)
{
	char dir[PATH_MAX];

	d->n = 0;
	for (int i = 0; i < KIT_CG_NCTRL; i++) {
		bool seen = false;

		if (!(cg->controllers & (1u << i)) || !kit_cgroup_dir(cg, 1u << i, dir))
			continue;
		for (unsigned j = 0; j < d->n; j++)
			seen = seen || strcmp(d->dir[j], dir) == 0;
		if (!seen)
			memcpy(d->dir[d->n++], dir, sizeof(dir));
	}
	/* v2: a group that uses no controller still has its one directory */
	if (d->n == 0 && cg->host->driver == KIT_CGROUP_V2 &&
	    kit_cgroup_dir(cg, KIT_CG_CPUACCT, dir))
		memcpy(d->dir[d->n++], dir, sizeof(dir));
}

/* What the caller may do about a missing controller, per host layout. */
static const char *missing_controller_hint(const struct kit_cgroup_host *host)
{
	if (host->driver == KIT_CGROUP_V2 && host->hybrid)
		return "this hybrid host binds it to a cgroup v1 hierarchy: use the v1 "
		       "driver, or boot with systemd.unified_cgroup_hierarchy=1";
	if (host->driver == KIT_CGROUP_V2)
		return "not in the cgroup2 root's cgroup.controllers: is it bound to a "
		       "v1 hierarchy, or missing from the kernel?";
	return "no v1 hierarchy is mounted for it: e.g. mkdir /sys/fs/cgroup/NAME "
	       "&& mount -t cgroup -o NAME cgroup /sys/fs/cgroup/NAME";
}

/* Common checks of create and open; fills the parts of *cg they know. */
static int prepare(const struct kit_cgroup_host *host, const char *path,
		   unsigned controllers, struct kit_cgroup *cg, struct kit_err *err)
{
	char names[128];
	unsigned missing = controllers & ~host->controllers;
	int ret = kit_cgroup_check_path(path, err);

	if (ret < 0)
		return ret;
	if (missing)
		return kit_err_set(err, ENOENT, missing_controller_hint(host),
				   "use controller %s with cgroup v%d",
				   kit_cgroup_controllers_describe(missing, host->driver,
								   names, sizeof(names)),
				   host->driver == KIT_CGROUP_V2 ? 2 : 1);
	memset(cg, 0, sizeof(*cg));
	cg->host = host;
	snprintf(cg->path, sizeof(cg->path), "%s", path);
	return 0;
}

int kit_cgroup_create(const struct kit_cgroup_host *host, const char *path,
		      unsigned controllers, struct kit_cgroup *cg, struct kit_err *err)
{
	int ret;

	if (controllers == 0)
		return kit_err_set(err, EINVAL, "name at least one, e.g. -g memory:PATH",
				   "create %s: no controller", path ? path : "");
	ret = prepare(host, path, controllers, cg, err);
	if (ret < 0)
		return ret;
	if (host->driver == KIT_CGROUP_V2)
		ret = kit_cgroup_v2_create(host, path, controllers, &cg->controllers,
					   err);
	else
		ret = kit_cgroup_v1_create(host, path, controllers, &cg->controllers,
					   err);
	return ret < 0 ? kit_err_wrap(err, "create %s", path) : 0;
}

int kit_cgroup_open(const struct kit_cgroup_host *host, const char *path,
		    unsigned controllers, struct kit_cgroup *cg, struct kit_err *err)
{
	int ret = prepare(host, path, controllers, cg, err);

	if (ret < 0)
		return ret;
	if (host->driver == KIT_CGROUP_V2)
		return kit_cgroup_v2_open(host, path, controllers, &cg->controllers, err);
	return kit_cgroup_v1_open(host, path, controllers, &cg->controllers, err);
}

int kit_cgroup_delete(const struct kit_cgroup *cg, bool force, struct kit_err *err)
{
	int ret = cg->host->driver == KIT_CGROUP_V2
			  ? kit_cgroup_v2_delete(cg, force, err)
			  : kit_cgroup_v1_delete(cg, force, err);

	return ret < 0 ? kit_err_wrap(err, "delete %s", cg->path) : 0;
}

/* ---- limits ---------------------------------------------------------- */

/* "/dev/vda:1M" -> "254:0:1M": the kernel wants numbers, people use names. */
static int resolve_device(const char *value, char *out, size_t size, struct kit_err *err)
{
	const char *colon = strrchr(value, ':');
	char dev[PATH_MAX];
	struct stat st;

	if (value[0] != '/' || !colon || (size_t)(colon - value) >= sizeof(dev))
		return snprintf(out, size, "%s", value) < (int)size ? 0 : -EINVAL;
	snprintf(dev, sizeof(dev), "%.*s", (int)(colon - value), value);
	if (stat(dev, &st) < 0)
		return kit_err_set(err, errno, NULL, "find device %s", dev);
	if (!S_ISBLK(st.st_mode))
		return kit_err_set(err, ENOTBLK, "io limits apply to block devices",
				   "find device %s", dev);
	snprintf(out, size, "%u:%u%s", major(st.st_rdev), minor(st.st_rdev), colon);
	return 0;
}

/* Why the kernel refused a limit. */
static const char *set_hint(const struct kit_cgroup *cg, const struct kit_cgroup_write *w,
			    int e)
{
	static __thread char hint[224];
	const char *ctrl = kit_cgroup_controller_name(w->controller, cg->host->driver);

	switch (e) {
	case ENOENT:
		snprintf(
			hint, sizeof(hint),
			cg->host->driver == KIT_CGROUP_V2
				? "no such file: is %s enabled for this group (in its "
				  "parent's cgroup.subtree_control)?"
				: "no such file: was the group created in the %s hierarchy "
				  "(create -g %s:PATH)?",
			ctrl, ctrl);
		return hint;
	case EINVAL:
		return "the kernel refused the value: out of range, or (v1 cpu) a quota "
		       "above the parent's";
	case EBUSY:
		return "the group already uses more than the new limit and the kernel "
		       "could not reclaim it: stop some of its processes first";
	case ENODEV:
		return "no such block device, or a partition: io limits take a whole "
		       "disk (lsblk -d)";
	case EACCES:
	case EPERM: return "setting limits needs root";
	default: return NULL;
	}
}

int kit_cgroup_set(const struct kit_cgroup *cg, const char *key, const char *value,
		   struct kit_err *err)
{
	struct kit_cgroup_write w[KIT_CGROUP_MAX_WRITES];
	char v[160], dir[PATH_MAX], path[PATH_MAX];
	int n, ret;

	if (strncmp(key, "io.", 3) == 0) {
		ret = resolve_device(value, v, sizeof(v), err);
		if (ret < 0)
			return ret == -EINVAL ? kit_err_set(err, EINVAL, "too long",
							    "set %s", key)
					      : kit_err_wrap(err, "set %s", key);
		value = v;
	}
	n = kit_cgroup_translate(cg->host->driver, key, value, w, err);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		if (!(cg->controllers & w[i].controller) &&
		    cg->host->driver == KIT_CGROUP_V1)
			return kit_err_set(err, ENOENT, set_hint(cg, &w[i], ENOENT),
					   "set %s=%s on %s", key, value, cg->path);
		if (!kit_cgroup_dir(cg, w[i].controller, dir) ||
		    kit_cgroup_join(path, dir, w[i].file, err) < 0)
			return kit_err_set(err, ENOENT, set_hint(cg, &w[i], ENOENT),
					   "set %s=%s on %s", key, value, cg->path);
		ret = kit_write_file(path, w[i].value, err);
		if (ret == -ENOENT && w[i].optional)
			continue; /* e.g. no swap accounting: nothing to limit */
		if (ret < 0)
			return kit_err_set(err, -ret, set_hint(cg, &w[i], -ret),
					   "write '%s' to %s", w[i].value, path);
	}
	return 0;
}

/* ---- processes ------------------------------------------------------- */

/* Why the kernel refused to move a process. */
static const char *attach_hint(int e)
{
	switch (e) {
	case ESRCH: return "no such process: it has exited, or the pid is wrong";
	case EBUSY:
		return "cgroup v2's no-internal-process rule: this group enables "
		       "controllers for child groups (cgroup.subtree_control), so "
		       "processes may only live in its leaves";
	case ENOSPC:
		return "a v1 cpuset group needs cpuset.cpus and cpuset.mems set "
		       "before it takes processes";
	case EOPNOTSUPP: return "a threaded v2 group takes threads, in cgroup.threads";
	case ENOENT: return "the group does not exist (any more)";
	case EACCES:
	case EPERM:
		return "needs root (or, on v2, write access to cgroup.procs of the "
		       "common ancestor of both groups)";
	default: return NULL;
	}
}

int kit_cgroup_attach(const struct kit_cgroup *cg, pid_t pid, struct kit_err *err)
{
	struct kit_cgroup_dirs d;
	char path[PATH_MAX], pidstr[16];

	kit_cgroup_dirs_of(cg, &d);
	if (d.n == 0)
		return kit_err_set(err, ENOENT, "the group uses no hierarchy",
				   "move pid %d into %s", (int)pid, cg->path);
	snprintf(pidstr, sizeof(pidstr), "%d", pid ? (int)pid : (int)getpid());
	/* TODO lab 03.2: move the process into the group.
	 * The group has d.n directories, d.dir[0] .. d.dir[d.n - 1]: one per
	 * v1 hierarchy, or just one on v2.  In each, write pidstr into the
	 * file "cgroup.procs" (build the path with kit_cgroup_join, write
	 * with kit_write_file).  On failure return kit_err_set(err, e,
	 * attach_hint(e), "move pid %s into %s", pidstr, path).
	 */
	(void)path; (void)attach_hint;
	return kit_lab_todo(err, "03.2");
	return 0;
}

int kit_cgroup_read_procs(const char *dir, pid_t *pids, size_t max, size_t *n,
			  struct kit_err *err)
{
	_autofree char *text = NULL;
	char path[PATH_MAX], *save = NULL;
	int ret = kit_cgroup_join(path, dir, "cgroup.procs", err);

	if (ret == 0)
		ret = kit_read_file(path, 0, &text, NULL, err);
	if (ret < 0)
		return ret;
	*n = 0;
	for (char *w = strtok_r(text, "\n", &save); w; w = strtok_r(NULL, "\n", &save)) {
		if (*n < max)
			pids[*n] = (pid_t)atoi(w);
		(*n)++;
	}
	return 0;
}

int kit_cgroup_procs(const struct kit_cgroup *cg, pid_t *pids, size_t max, size_t *n,
		     struct kit_err *err)
{
	struct kit_cgroup_dirs d;

	kit_cgroup_dirs_of(cg, &d);
	if (d.n == 0)
		return kit_err_set(err, ENOENT, "the group uses no hierarchy",
				   "list processes of %s", cg->path);
	return kit_cgroup_read_procs(d.dir[0], pids, max, n, err);
}

/* Call @fn for every child group directory of @dir; stops at an error. */
static int for_each_child(const char *dir, int (*fn)(const char *, void *), void *arg,
			  struct kit_err *err)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	char child[PATH_MAX];
	int ret = 0;

	if (!dp)
		return errno == ENOENT ? 0
				       : kit_err_set(err, errno, NULL, "list %s", dir);
	while (ret == 0 && (de = readdir(dp))) {
		if (de->d_name[0] == '.' ||
		    kit_cgroup_join(child, dir, de->d_name, err) < 0 ||
		    !kit_cgroup_is_dir(child))
			continue;
		ret = fn(child, arg);
	}
	closedir(dp);
	return ret;
}

struct tree_count {
	size_t count;
	pid_t first;
	struct kit_err *err;
};

static int count_procs(const char *dir, void *arg)
{
	struct tree_count *t = arg;
	pid_t pid = 0;
	size_t n = 0;
	int ret = kit_cgroup_read_procs(dir, &pid, 1, &n, t->err);

	if (ret < 0)
		return ret;
	if (n && !t->first)
		t->first = pid;
	t->count += n;
	return for_each_child(dir, count_procs, t, t->err);
}

int kit_cgroup_tree_procs(const char *dir, size_t *count, pid_t *first,
			  struct kit_err *err)
{
	struct tree_count t = { 0, 0, err };
	int ret = count_procs(dir, &t);

	*count = t.count;
	*first = t.first;
	return ret;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int kill_procs(const char *dir, void *arg)
{
	size_t *killed = arg, n = 0;
	pid_t pids[256];
	struct kit_err ignored = { 0 };

	if (kit_cgroup_read_procs(dir, pids, 256, &n, &ignored) == 0)
		for (size_t i = 0; i < n && i < 256; i++)
			if (pids[i] > 0 && kill(pids[i], SIGKILL) == 0)
				(*killed)++;
	return for_each_child(dir, kill_procs, arg, &ignored);
}

int kit_cgroup_kill_tree(const char *dir, struct kit_err *err)
{
	size_t count = 0;
	pid_t first = 0;

	for (int round = 0; round < 500; round++) {
		size_t killed = 0;

		if (kit_cgroup_tree_procs(dir, &count, &first, err) < 0)
			return -err->code;
		if (count == 0)
			return 0;
		kill_procs(dir, &killed);
		sleep_ms(10);
	}
	return kit_err_set(err, EBUSY,
			   "they survive SIGKILL: stuck in the kernel (D state)?",
			   "kill %zu processes in %s", count, dir);
}

static int rmdir_one(const char *dir, void *arg)
{
	struct kit_err *err = arg;
	int ret = for_each_child(dir, rmdir_one, err, err);

	if (ret < 0)
		return ret;
	/* A killed process leaves its group a moment after SIGKILL. */
	for (int tries = 0; rmdir(dir) < 0; tries++) {
		int e = errno;

		if (e == ENOENT)
			return 0;
		if (e != EBUSY || tries == 200)
			return kit_err_set(err, e,
					   e == EBUSY ? "processes or child groups are "
							"still in it"
						      : NULL,
					   "remove %s", dir);
		sleep_ms(10);
	}
	return 0;
}

int kit_cgroup_rmdir_tree(const char *dir, struct kit_err *err)
{
	return rmdir_one(dir, err);
}

void kit_cgroup_undo_levels(const char *root, const char *path, int made)
{
	char rel[PATH_MAX], dir[PATH_MAX];
	struct kit_err ignored = { 0 };
	int depth = 0;

	if (made < 0)
		return;
	snprintf(rel, sizeof(rel), "%s", path);
	for (const char *p = rel; *p; p++)
		depth += *p == '/';
	for (; depth >= made; depth--) {
		if (kit_cgroup_join(dir, root, rel, &ignored) == 0)
			rmdir(dir);
		char *slash = strrchr(rel, '/');

		if (!slash)
			break;
		*slash = '\0';
	}
}

int kit_cgroup_busy(struct kit_err *err, const char *path, size_t count, pid_t first)
{
	char hint[200];

	snprintf(hint, sizeof(hint),
		 "%zu process%s still in it (pid %d%s): stop %s, or delete --force "
		 "to kill %s",
		 count, count == 1 ? " is" : "es are", (int)first,
		 count > 1 ? ", ..." : "", count == 1 ? "it" : "them",
		 count == 1 ? "it" : "them");
	return kit_err_set(err, EBUSY, hint, "remove %s", path);
}
