/* SPDX-License-Identifier: MIT */
/*
 * state.c - the state directory: what a container is between two commands.
 *
 * Article §3.1: runc is not a daemon.  `runc create` exits while the
 * container lives on; `runc start`, `kill`, `delete` are new processes that
 * find the container again in ROOT/ID/:
 *
 *   state.json   id, bundle, init PID and its start time, cgroup, created
 *   exec.fifo    exists while the container is "created": its init blocks
 *                reading it until `start` writes one byte
 *
 * The status is never stored, it is asked of the kernel each time: the
 * init alive and the fifo there = created; alive, no fifo = running (or
 * paused, if its cgroup is frozen); gone = stopped.  "Alive" means the PID
 * exists AND has the start time we recorded: PIDs are recycled, and a
 * runtime that signalled a stranger's process would be a disaster.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kit/cleanup.h"
#include "kit/file.h"
#include "kit/json.h"
#include "runc.h"

const char *runc_status_name(enum runc_status s)
{
	static const char *const names[] = { "creating", "created", "running", "paused",
					     "stopped" };
	return names[s];
}

int runc_check_id(const char *id, struct kit_err *err)
{
	size_t n = strlen(id);
	bool ok = n > 0 && n <= RUNC_ID_MAX && strcmp(id, ".") != 0 &&
		  strcmp(id, "..") != 0;

	for (const char *p = id; ok && *p; p++)
		ok = isalnum((unsigned char)*p) || strchr("_+-.", *p);
	if (!ok)
		return kit_err_set(err, EINVAL,
				   "1 to 128 letters, digits, '_', '+', '-' or '.', "
				   "not '.' or '..'",
				   "use container ID '%s'", id);
	return 0;
}

int runc_state_dir(const char *id, char *buf, struct kit_err *err)
{
	int ret = runc_check_id(id, err);

	if (ret < 0)
		return ret;
	if (snprintf(buf, PATH_MAX, "%s/%s", runc_global.root, id) >= PATH_MAX)
		return kit_err_set(err, ENAMETOOLONG, NULL, "use --root %s",
				   runc_global.root);
	return 0;
}

void runc_exec_fifo(const struct runc_state *st, char *buf)
{
	if (snprintf(buf, PATH_MAX, "%s/exec.fifo", st->dir) >= PATH_MAX)
		buf[0] = '\0'; /* cannot happen: runc_state_dir() checked the length */
}

unsigned long long runc_proc_start_time(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long t = 0;
	_autoclose int fd = -1;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* "PID (comm) S ...": comm may hold spaces and ')', so from the last ')'. */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return 0;
	p += 2;
	if (*p == 'Z' || *p == 'X')
		return 0; /* a zombie has stopped, whatever its start time */
	/* field 3 is the state; field 22 the start time: 19 more to skip */
	for (int field = 3; field < 22 && p; field++)
		p = strchr(p, ' ') ? strchr(p, ' ') + 1 : NULL;
	if (p)
		t = strtoull(p, NULL, 10);
	return t;
}

int runc_pidfd(const struct runc_state *st)
{
	int fd;

	if (st->pid <= 0)
		return -ESRCH;
	fd = (int)syscall(SYS_pidfd_open, st->pid, 0);
	if (fd < 0)
		return -errno;
	/* Checked after the pidfd is open: from here the PID cannot be reused
	 * under us, so a matching start time means it is our process. */
	if (runc_proc_start_time(st->pid) != st->start_time) {
		close(fd);
		return -ESRCH;
	}
	return fd;
}

enum runc_status runc_state_status(const struct runc_state *st)
{
	char fifo[PATH_MAX];

	if (st->pid <= 0 || runc_proc_start_time(st->pid) != st->start_time)
		return RUNC_STOPPED;
	runc_exec_fifo(st, fifo);
	if (access(fifo, F_OK) == 0)
		return RUNC_CREATED;
	return runc_cgroup_frozen(st) ? RUNC_PAUSED : RUNC_RUNNING;
}

cJSON *runc_state_json(const struct runc_state *st, enum runc_status status)
{
	cJSON *o = cJSON_CreateObject();
	struct stat sb;

	cJSON_AddStringToObject(o, "ociVersion", RUNC_SPEC);
	cJSON_AddStringToObject(o, "id", st->id);
	cJSON_AddStringToObject(o, "status", runc_status_name(status));
	cJSON_AddNumberToObject(o, "pid", status == RUNC_STOPPED ? 0 : st->pid);
	cJSON_AddStringToObject(o, "bundle", st->bundle);
	cJSON_AddStringToObject(o, "rootfs", st->rootfs);
	cJSON_AddStringToObject(o, "created", st->created);
	if (stat(st->dir, &sb) == 0)
		cJSON_AddStringToObject(o, "owner", sb.st_uid == 0 ? "root" : "");
	cJSON_AddItemToObject(o, "annotations",
			      st->annotations ? cJSON_Duplicate(st->annotations, 1)
					      : cJSON_CreateObject());
	return o;
}

/* Write @text to @path through a temporary file and rename(2): readers see
 * the old file or the new one, never half of one. */
static int write_atomic(const char *path, const char *text, struct kit_err *err)
{
	char tmp[PATH_MAX + 8];
	_autoclose int fd = -1;
	size_t len = strlen(text);

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return kit_err_set(err, errno, NULL, "create %s", tmp);
	if (write(fd, text, len) != (ssize_t)len) {
		int e = errno ? errno : EIO;

		unlink(tmp);
		return kit_err_set(err, e, NULL, "write %s", tmp);
	}
	if (rename(tmp, path) < 0) {
		int e = errno;

		unlink(tmp);
		return kit_err_set(err, e, NULL, "rename %s to %s", tmp, path);
	}
	return 0;
}

int runc_write_pid_file(const char *path, pid_t pid, struct kit_err *err)
{
	char text[32];

	snprintf(text, sizeof(text), "%d", (int)pid);
	return write_atomic(path, text, err);
}

int runc_state_save(const struct runc_state *st, struct kit_err *err)
{
	cJSON *o = cJSON_CreateObject();
	char path[PATH_MAX + 16], start[32];
	_autofree char *text = NULL;

	cJSON_AddStringToObject(o, "id", st->id);
	cJSON_AddStringToObject(o, "bundle", st->bundle);
	cJSON_AddStringToObject(o, "rootfs", st->rootfs);
	cJSON_AddStringToObject(o, "cgroup", st->cgroup);
	cJSON_AddBoolToObject(o, "cgroupOwned", st->cgroup_owned);
	cJSON_AddStringToObject(o, "created", st->created);
	cJSON_AddNumberToObject(o, "pid", st->pid);
	/* a start time may not fit a double's 53 bits: kept as a string */
	snprintf(start, sizeof(start), "%llu", st->start_time);
	cJSON_AddStringToObject(o, "startTime", start);
	cJSON_AddNumberToObject(o, "nsFlags", st->ns_flags);
	if (st->annotations)
		cJSON_AddItemToObject(o, "annotations",
				      cJSON_Duplicate(st->annotations, 1));
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!text)
		return kit_err_set(err, ENOMEM, NULL, "write the state of %s", st->id);
	snprintf(path, sizeof(path), "%s/state.json", st->dir);
	return write_atomic(path, text, err);
}

static void copy_string(const cJSON *o, const char *key, char *out, size_t size)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (cJSON_IsString(v))
		snprintf(out, size, "%s", v->valuestring);
}

int runc_state_load(const char *id, struct runc_state *st, struct kit_err *err)
{
	char path[PATH_MAX + 16];
	cJSON *o = NULL, *v;
	int ret;

	memset(st, 0, sizeof(*st));
	ret = runc_state_dir(id, st->dir, err);
	if (ret < 0)
		return ret;
	snprintf(st->id, sizeof(st->id), "%s", id);
	snprintf(path, sizeof(path), "%s/state.json", st->dir);
	if (access(path, F_OK) < 0)
		return kit_err_set(err, ENOENT, "no container of that ID under --root",
				   "find container %s in %s", id, runc_global.root);
	ret = kit_json_load_file(path, &o, err);
	if (ret < 0)
		return ret;
	copy_string(o, "bundle", st->bundle, sizeof(st->bundle));
	copy_string(o, "rootfs", st->rootfs, sizeof(st->rootfs));
	copy_string(o, "cgroup", st->cgroup, sizeof(st->cgroup));
	copy_string(o, "created", st->created, sizeof(st->created));
	st->cgroup_owned =
		cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "cgroupOwned"));
	v = cJSON_GetObjectItemCaseSensitive(o, "pid");
	st->pid = cJSON_IsNumber(v) ? (pid_t)v->valuedouble : 0;
	v = cJSON_GetObjectItemCaseSensitive(o, "startTime");
	st->start_time = cJSON_IsString(v) ? strtoull(v->valuestring, NULL, 10) : 0;
	v = cJSON_GetObjectItemCaseSensitive(o, "nsFlags");
	st->ns_flags = cJSON_IsNumber(v) ? (int)v->valuedouble : 0;
	v = cJSON_DetachItemFromObjectCaseSensitive(o, "annotations");
	st->annotations = cJSON_IsObject(v) ? v : NULL;
	if (v && !st->annotations)
		cJSON_Delete(v);
	cJSON_Delete(o);
	return 0;
}

void runc_state_release(struct runc_state *st)
{
	cJSON_Delete(st->annotations);
	st->annotations = NULL;
}

/* ---- the child/parent messages ------------------------------------------ */

int runc_msg_send(int fd, int type, pid_t pid, const struct kit_err *err)
{
	struct runc_msg m = { .type = type, .pid = pid, .exit_code = 1 };
	ssize_t n;

	if (err)
		m.err = *err;
	do
		n = send(fd, &m, sizeof(m), MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == sizeof(m) ? 0 : -EPIPE;
}

int runc_msg_recv(int fd, struct runc_msg *m)
{
	ssize_t n;

	do
		n = recv(fd, m, sizeof(*m), 0);
	while (n < 0 && errno == EINTR);
	return n == sizeof(*m) ? 0 : -EPIPE;
}

int runc_msg_expect(int fd, int type, struct runc_msg *m, struct kit_err *err)
{
	if (runc_msg_recv(fd, m) < 0)
		return kit_err_set(err, EPIPE, "it died before it could say why",
				   "set up the container");
	if (m->type == RUNC_MSG_ERROR) {
		*err = m->err;
		return -(err->code ? err->code : EIO);
	}
	if (m->type != type)
		return kit_err_set(err, EPROTO, NULL, "expect message %d, got %d", type,
				   m->type);
	return 0;
}

void runc_fail(int sync_fd, int code, const struct kit_err *err)
{
	struct runc_msg m = { .type = RUNC_MSG_ERROR, .exit_code = code, .err = *err };

	if (sync_fd < 0 || send(sync_fd, &m, sizeof(m), MSG_NOSIGNAL) != sizeof(m))
		fprintf(stderr, "%s: %s\n", RUNC_NAME, err->msg);
	_exit(code);
}
