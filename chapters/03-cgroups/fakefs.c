/* SPDX-License-Identifier: MIT */
/*
 * fakefs.c - a pretend cgroupfs for tests (see fakefs.h): what the kernel
 * does when a program makes a group, writes one of its files, or removes
 * it, replayed on an ordinary directory.
 *
 * Used by tests/unit/test_cgroup_v1.c, test_cgroup_v2.c and by
 * mini-cgroup-fake, the mini-cgroup that chapter 03's bats tests run
 * against a cgroup2 tree on a host that has none.  Reading it is a quick
 * tour of cgroup v2's rules, written the way the kernel applies them.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "fakefs.h"

int __real_mkdir(const char *path, mode_t mode);
int __real_rmdir(const char *path);
ssize_t __real_write(int fd, const void *buf, size_t count);
int __real_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...);
int __wrap_mkdir(const char *path, mode_t mode);
int __wrap_rmdir(const char *path);
ssize_t __wrap_write(int fd, const void *buf, size_t count);

/* The order in which a v2 kernel lists controllers. */
static const char *const v2_order[] = {
	"cpuset", "cpu", "io", "memory", "hugetlb", "pids"
};

#define NV2 (sizeof(v2_order) / sizeof(v2_order[0]))

/* ---- small file helpers ------------------------------------------------- */

static void path_of(char *buf, const char *dir, const char *name)
{
	if (snprintf(buf, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX)
		buf[0] = '\0'; /* too long: names no file */
}

static bool exists(const char *dir, const char *name)
{
	char p[PATH_MAX];

	path_of(p, dir, name);
	return access(p, F_OK) == 0;
}

static int put(const char *dir, const char *name, const char *text)
{
	char p[PATH_MAX];
	FILE *f;

	path_of(p, dir, name);
	f = fopen(p, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* put(), unless the file is there already (keeps a group's values). */
static int put_new(const char *dir, const char *name, const char *text)
{
	return exists(dir, name) ? 0 : put(dir, name, text);
}

/* The file's text in @buf (PATH_MAX bytes), "" if it cannot be read. */
static char *get(const char *dir, const char *name, char *buf)
{
	char p[PATH_MAX];
	FILE *f;
	size_t n = 0;

	path_of(p, dir, name);
	f = fopen(p, "r");
	if (f) {
		n = fread(buf, 1, PATH_MAX - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

/* A directory of the pretend filesystem: has cgroup.procs, is not cgroupfs. */
static bool fake_group(const char *dir)
{
	struct statfs fs;

	if (!exists(dir, "cgroup.procs") || statfs(dir, &fs) < 0)
		return false;
	return fs.f_type != CGROUP_SUPER_MAGIC && fs.f_type != CGROUP2_SUPER_MAGIC;
}

static bool is_v2(const char *dir)
{
	return exists(dir, "cgroup.subtree_control");
}

static void parent_of(char *buf, const char *path)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", path);
	snprintf(buf, PATH_MAX, "%s", dirname(tmp));
}

static bool is_root(const char *dir)
{
	char parent[PATH_MAX];

	parent_of(parent, dir);
	return !fake_group(parent);
}

static void root_of(char *buf, const char *dir)
{
	snprintf(buf, PATH_MAX, "%s", dir);
	while (!is_root(buf)) {
		char parent[PATH_MAX];

		parent_of(parent, buf);
		snprintf(buf, PATH_MAX, "%s", parent);
	}
}

/* True if the word @w is in the space-separated @list. */
static bool has_word(const char *list, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = list; (p = strstr(p, w)); p += n)
		if ((p == list || p[-1] == ' ' || p[-1] == '\n') &&
		    (p[n] == ' ' || p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

/* Call @fn(dir, arg) for @dir and every group below it. */
static void walk(const char *dir, void (*fn)(const char *, void *), void *arg)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	char child[PATH_MAX];

	fn(dir, arg);
	if (!dp)
		return;
	while ((de = readdir(dp)))
		if (de->d_type == DT_DIR && de->d_name[0] != '.') {
			path_of(child, dir, de->d_name);
			walk(child, fn, arg);
		}
	closedir(dp);
}

/* ---- processes ------------------------------------------------------------ */

/* A process that runs: exists and is not a zombie (the kernel takes an
 * exiting process out of its groups before its parent reaps it). */
static bool alive(pid_t pid)
{
	char path[64], stat[PATH_MAX], *paren;

	if (kill(pid, 0) < 0 && errno == ESRCH)
		return false;
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	paren = strrchr(get(path, "stat", stat), ')');
	return !paren || paren[1] != ' ' || paren[2] != 'Z';
}

/* Drop the pids in @dir/cgroup.procs that no longer run (or are @pid). */
static void prune(const char *dir, void *arg)
{
	pid_t drop = arg ? *(pid_t *)arg : 0;
	char text[PATH_MAX], out[PATH_MAX] = "", *save = NULL;

	get(dir, "cgroup.procs", text);
	for (char *w = strtok_r(text, "\n", &save); w; w = strtok_r(NULL, "\n", &save)) {
		pid_t pid = (pid_t)atoi(w);

		if (pid != drop && alive(pid))
			snprintf(out + strlen(out), sizeof(out) - strlen(out), "%d\n",
				 pid);
	}
	put(dir, "cgroup.procs", out);
	if (exists(dir, "tasks"))
		put(dir, "tasks", out);
}

/* Is there a process in @dir or below?  (cgroup.events "populated") */
static void any_procs(const char *dir, void *arg)
{
	char text[PATH_MAX];

	if (get(dir, "cgroup.procs", text)[0])
		*(bool *)arg = true;
}

static void update_events(const char *dir, void *arg)
{
	bool populated = false;

	(void)arg;
	if (!is_v2(dir))
		return;
	walk(dir, any_procs, &populated);
	put(dir, "cgroup.events",
	    populated ? "populated 1\nfrozen 0\n" : "populated 0\nfrozen 0\n");
}

static void kill_procs(const char *dir, void *arg)
{
	char text[PATH_MAX], *save = NULL;

	(void)arg;
	get(dir, "cgroup.procs", text);
	for (char *w = strtok_r(text, "\n", &save); w; w = strtok_r(NULL, "\n", &save))
		kill((pid_t)atoi(w), SIGKILL);
	put(dir, "cgroup.procs", "");
}

static void refresh(const char *dir)
{
	char root[PATH_MAX];

	root_of(root, dir);
	walk(root, prune, NULL);
	walk(root, update_events, NULL);
}

/* ---- the kernel's side of each write -------------------------------------- */

static int fail(int e)
{
	errno = e;
	return -1;
}

/* v2: a group with controllers enabled for children holds no process. */
static bool internal_rule(const char *dir)
{
	char text[PATH_MAX];

	return is_v2(dir) && !is_root(dir) && get(dir, "cgroup.subtree_control", text)[0];
}

static int write_procs(const char *dir, const char *value)
{
	char text[PATH_MAX], root[PATH_MAX], line[32];
	pid_t pid = (pid_t)atoi(value);

	if (strspn(value, "0123456789") != strlen(value) || !*value)
		return fail(EINVAL);
	if (pid == 0)
		pid = getpid(); /* "0" means the writer */
	if (!alive(pid))
		return fail(ESRCH);
	if (internal_rule(dir))
		return fail(EBUSY);
	root_of(root, dir);
	walk(root, prune, &pid); /* a process is in one group per hierarchy */
	snprintf(line, sizeof(line), "%d\n", pid);
	get(dir, "cgroup.procs", text);
	strncat(text, line, sizeof(text) - strlen(text) - 1);
	put(dir, "cgroup.procs", text);
	if (exists(dir, "tasks"))
		put(dir, "tasks", text);
	refresh(dir);
	return 0;
}

static void v2_files(const char *dir, const char *enabled);

/* A child's cgroup.controllers is its parent's cgroup.subtree_control. */
static void offer_to_children(const char *dir, const char *enabled)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	char child[PATH_MAX];

	while (dp && (de = readdir(dp)))
		if (de->d_type == DT_DIR && de->d_name[0] != '.') {
			path_of(child, dir, de->d_name);
			put(child, "cgroup.controllers", enabled);
			v2_files(child, enabled);
		}
	if (dp)
		closedir(dp);
}

static int write_subtree_control(const char *dir, const char *value)
{
	char offered[PATH_MAX], enabled[PATH_MAX], procs[PATH_MAX], out[256] = "";
	char copy[256], *save = NULL;
	bool on[NV2] = { false };

	get(dir, "cgroup.controllers", offered);
	get(dir, "cgroup.subtree_control", enabled);
	for (size_t i = 0; i < NV2; i++)
		on[i] = has_word(enabled, v2_order[i]);
	snprintf(copy, sizeof(copy), "%.250s", value);
	for (char *w = strtok_r(copy, " \n", &save); w;
	     w = strtok_r(NULL, " \n", &save)) {
		size_t i;

		if (w[0] != '+' && w[0] != '-')
			return fail(EINVAL);
		for (i = 0; i < NV2 && strcmp(w + 1, v2_order[i]) != 0; i++)
			;
		if (i == NV2 || !has_word(offered, w + 1))
			return fail(ENOENT);
		if (w[0] == '+' && !is_root(dir) && get(dir, "cgroup.procs", procs)[0])
			return fail(EBUSY); /* no internal processes */
		on[i] = w[0] == '+';
	}
	for (size_t i = 0; i < NV2; i++)
		if (on[i])
			snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s",
				 out[0] ? " " : "", v2_order[i]);
	if (out[0])
		strcat(out, "\n");
	offer_to_children(dir, out);
	return put(dir, "cgroup.subtree_control", out);
}

static bool number_or(const char *v, const char *word)
{
	return strcmp(v, word) == 0 || (v[0] && strspn(v, "0123456789") == strlen(v));
}

/* The value check a real kernel makes for the limit files the kit writes. */
static bool valid_limit(const char *name, const char *v)
{
	long a = 0, b = 100000;
	char first[32];

	if (!strcmp(name, "memory.max") || !strcmp(name, "memory.swap.max") ||
	    !strcmp(name, "memory.high") || !strcmp(name, "pids.max") ||
	    !strncmp(name, "hugetlb.", 8))
		return number_or(v, "max");
	if (!strcmp(name, "memory.limit_in_bytes") ||
	    !strcmp(name, "memory.memsw.limit_in_bytes"))
		return number_or(v, "-1");
	if (!strcmp(name, "cpu.cfs_quota_us"))
		return !strcmp(v, "-1") || (number_or(v, "") && atol(v) >= 1000);
	if (!strcmp(name, "cpu.cfs_period_us"))
		return number_or(v, "") && atol(v) >= 1000 && atol(v) <= 1000000;
	if (!strcmp(name, "cpu.max")) {
		if (sscanf(v, "%31s %ld", first, &b) < 1 || b < 1000 || b > 1000000)
			return false;
		a = strcmp(first, "max") == 0 ? 1000 : atol(first);
		return number_or(first, "max") && a >= 1000;
	}
	return true;
}

/* What reading the file shows after the kernel took @v. */
static void stored_value(const char *name, const char *v, char *out, size_t size)
{
	if (!strcmp(name, "cpu.max") && !strchr(v, ' '))
		snprintf(out, size, "%.200s 100000\n", v);
	else if ((!strcmp(name, "memory.limit_in_bytes") ||
		  !strcmp(name, "memory.memsw.limit_in_bytes")) &&
		 !strcmp(v, "-1"))
		snprintf(out, size, "9223372036854771712\n");
	else
		snprintf(out, size, "%.250s\n", v);
}

static int write_file(const char *dir, const char *name, const char *value)
{
	char out[PATH_MAX];

	if (!strcmp(name, "cgroup.procs") || !strcmp(name, "tasks"))
		return write_procs(dir, value);
	if (!strcmp(name, "cgroup.subtree_control"))
		return write_subtree_control(dir, value);
	if (!strcmp(name, "cgroup.kill")) {
		if (strcmp(value, "1") != 0)
			return fail(EINVAL);
		walk(dir, kill_procs, NULL);
		refresh(dir);
		return 0;
	}
	if (!valid_limit(name, value))
		return fail(EINVAL);
	stored_value(name, value, out, sizeof(out));
	return put(dir, name, out);
}

/* ---- the three wrapped calls ---------------------------------------------- */

ssize_t __wrap_write(int fd, const void *buf, size_t count)
{
	char link[64], path[PATH_MAX], dir[PATH_MAX], value[256];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0 || path[0] != '/')
		return __real_write(fd, buf, count);
	path[n] = '\0';
	parent_of(dir, path);
	if (!fake_group(dir))
		return __real_write(fd, buf, count);
	if (count >= sizeof(value))
		return fail(EINVAL); /* the kit never writes that much to a cgroup file */
	memcpy(value, buf, count);
	value[count] = '\0';
	value[strcspn(value, "\n")] = '\0';
	if (write_file(dir, strrchr(path, '/') + 1, value) < 0)
		return -1;
	return (ssize_t)count;
}

/*
 * Reading cgroup.procs or cgroup.events shows the processes that run now:
 * the kernel drops an exiting process at once, the fake when it is read.
 */
int __wrap_open(const char *path, int flags, ...)
{
	char dir[PATH_MAX];
	const char *name = strrchr(path, '/');
	mode_t mode = 0;

	if (flags & O_CREAT) {
		va_list ap;

		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (name && (flags & O_ACCMODE) == O_RDONLY &&
	    (!strcmp(name, "/cgroup.procs") || !strcmp(name, "/cgroup.events"))) {
		parent_of(dir, path);
		if (fake_group(dir))
			refresh(dir);
	}
	return __real_open(path, flags, mode);
}

/* The files a new v2 group gets for each controller its parent enables. */
static void v2_files(const char *dir, const char *enabled)
{
	char cpu_stat[256] = "usage_usec 0\nuser_usec 0\nsystem_usec 0\n";

	if (has_word(enabled, "memory")) {
		put_new(dir, "memory.max", "max\n");
		put_new(dir, "memory.high", "max\n");
		put_new(dir, "memory.swap.max", "max\n");
		put_new(dir, "memory.current", "0\n");
		put_new(dir, "memory.peak", "0\n");
		put_new(dir, "memory.events",
			"low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n");
	}
	if (has_word(enabled, "cpu")) {
		put_new(dir, "cpu.max", "max 100000\n");
		put_new(dir, "cpu.weight", "100\n");
		strcat(cpu_stat, "nr_periods 0\nnr_throttled 0\nthrottled_usec 0\n");
	}
	put_new(dir, "cpu.stat", cpu_stat);
	if (has_word(enabled, "pids")) {
		put_new(dir, "pids.max", "max\n");
		put_new(dir, "pids.current", "0\n");
		put_new(dir, "pids.events", "max 0\n");
	}
	if (has_word(enabled, "io")) {
		put_new(dir, "io.max", "");
		put_new(dir, "io.stat", "");
	}
	if (has_word(enabled, "hugetlb"))
		put_new(dir, "hugetlb.2MB.max", "max\n");
}

static void copy_files(const char *from, const char *to)
{
	DIR *dp = opendir(from);
	struct dirent *de;
	char text[PATH_MAX];

	if (!dp)
		return;
	/* a new v1 group starts with the parent's values, except that it has
	 * no process yet and (unless cgroup.clone_children) no cpus or mems */
	while ((de = readdir(dp)))
		if (de->d_type == DT_REG)
			put(to, de->d_name,
			    !strcmp(de->d_name, "cgroup.procs") ||
					    !strcmp(de->d_name, "tasks") ||
					    !strncmp(de->d_name, "cpuset.", 7)
				    ? ""
				    : get(from, de->d_name, text));
	closedir(dp);
}

int __wrap_mkdir(const char *path, mode_t mode)
{
	char parent[PATH_MAX], enabled[PATH_MAX];

	parent_of(parent, path);
	if (!fake_group(parent))
		return __real_mkdir(path, mode);
	if (__real_mkdir(path, mode) < 0)
		return -1;
	if (!is_v2(parent)) {
		copy_files(parent, path);
		return 0;
	}
	get(parent, "cgroup.subtree_control", enabled);
	put(path, "cgroup.controllers", enabled);
	put(path, "cgroup.subtree_control", "");
	put(path, "cgroup.events", "populated 0\nfrozen 0\n");
	put(path, "cgroup.kill", "");
	put(path, "cgroup.type", "domain\n");
	v2_files(path, enabled);
	return put(path, "cgroup.procs", ""); /* last: makes it a fake group */
}

static void unlink_files(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	char p[PATH_MAX];

	if (!dp)
		return;
	while ((de = readdir(dp)))
		if (de->d_type == DT_REG) {
			path_of(p, dir, de->d_name);
			unlink(p);
		}
	closedir(dp);
}

int __wrap_rmdir(const char *path)
{
	DIR *dp;
	struct dirent *de;
	char procs[PATH_MAX];
	bool children = false;

	if (!fake_group(path))
		return __real_rmdir(path);
	dp = opendir(path);
	while (dp && (de = readdir(dp)))
		children = children || (de->d_type == DT_DIR && de->d_name[0] != '.');
	if (dp)
		closedir(dp);
	refresh(path);
	if (children || get(path, "cgroup.procs", procs)[0])
		return fail(EBUSY);
	unlink_files(path);
	return __real_rmdir(path);
}

/* ---- setting up a root -------------------------------------------------- */

int fakefs_v2_root(const char *dir, const char *controllers)
{
	char list[256];

	snprintf(list, sizeof(list), "%s\n", controllers);
	if (put(dir, "cgroup.controllers", list) < 0 ||
	    put(dir, "cgroup.subtree_control", "") < 0 ||
	    put(dir, "cgroup.max.depth", "max\n") < 0 ||
	    put(dir, "cpu.stat", "usage_usec 0\nuser_usec 0\nsystem_usec 0\n") < 0)
		return -1;
	return put(dir, "cgroup.procs", "");
}

int fakefs_v1_root(const char *dir, const char *controller)
{
	static const struct {
		const char *controller, *file, *text;
	} files[] = {
		{ "memory", "memory.limit_in_bytes", "9223372036854771712\n" },
		{ "memory", "memory.memsw.limit_in_bytes", "9223372036854771712\n" },
		{ "memory", "memory.usage_in_bytes", "0\n" },
		{ "memory", "memory.max_usage_in_bytes", "0\n" },
		{ "memory", "memory.failcnt", "0\n" },
		{ "memory", "memory.oom_control",
		  "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n" },
		{ "cpu", "cpu.cfs_quota_us", "-1\n" },
		{ "cpu", "cpu.cfs_period_us", "100000\n" },
		{ "cpu", "cpu.shares", "1024\n" },
		{ "cpu", "cpu.stat", "nr_periods 0\nnr_throttled 0\nthrottled_time 0\n" },
		{ "cpuacct", "cpuacct.usage", "0\n" },
		{ "pids", "pids.max", "max\n" },
		{ "pids", "pids.current", "0\n" },
		{ "pids", "pids.events", "max 0\n" },
		{ "blkio", "blkio.throttle.read_bps_device", "" },
		{ "blkio", "blkio.throttle.write_bps_device", "" },
		{ "cpuset", "cpuset.cpus", "0-1\n" },
		{ "cpuset", "cpuset.mems", "0\n" },
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (strcmp(files[i].controller, controller) == 0 &&
		    put(dir, files[i].file, files[i].text) < 0)
			return -1;
	if (put(dir, "tasks", "") < 0)
		return -1;
	return put(dir, "cgroup.procs", "");
}
