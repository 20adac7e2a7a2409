/* SPDX-License-Identifier: MIT */
/*
 * oci_default.c - oci_spec_default(): the config.json `mini-runc spec`
 * writes (see kit/oci.h).  Article: §3.1 低级容器运行时.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/capability.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "kit/cleanup.h"
#include "kit/file.h"
#include "kit/json.h"
#include "kit/oci.h"

#include "oci_read.h"

/* ---- the default config.json ---------------------------------------------- */

/*
 * Building a document can only fail for lack of memory; every helper says
 * false then, and oci_spec_default() deletes what was built.
 */

/* Add @key: [@list...] (NULL-terminated) to @obj. */
static bool add_strings(cJSON *obj, const char *key, const char *const *list)
{
	cJSON *arr = cJSON_AddArrayToObject(obj, key);

	for (; arr && *list; list++) {
		cJSON *s = cJSON_CreateString(*list);

		if (!s || !cJSON_AddItemToArray(arr, s)) {
			cJSON_Delete(s);
			return false;
		}
	}
	return arr != NULL;
}

/* A new object appended to the array @arr; NULL when out of memory. */
static cJSON *add_object(cJSON *arr)
{
	cJSON *obj = cJSON_CreateObject();

	if (obj && cJSON_AddItemToArray(arr, obj))
		return obj;
	cJSON_Delete(obj);
	return NULL;
}

/* One entry of "mounts"; @options NULL-terminated, or NULL for none. */
static bool add_mount(cJSON *mounts, const char *dest, const char *type, const char *src,
		      const char *const *options)
{
	cJSON *m = add_object(mounts);

	return m && cJSON_AddStringToObject(m, "destination", dest) &&
	       cJSON_AddStringToObject(m, "type", type) &&
	       cJSON_AddStringToObject(m, "source", src) &&
	       (!options || add_strings(m, "options", options));
}

static bool default_process(cJSON *doc)
{
	static const char *const args[] = { "sh", NULL };
	static const char *const env[] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"TERM=xterm", NULL
	};
	/* The small set runc's default grants: enough for a shell. */
	static const char *const caps[] = { "CAP_AUDIT_WRITE", "CAP_KILL",
					    "CAP_NET_BIND_SERVICE", NULL };
	static const char *const sets[] = { "bounding", "effective", "permitted",
					    "ambient", NULL };
	cJSON *proc = cJSON_AddObjectToObject(doc, "process");
	cJSON *user = proc ? cJSON_AddObjectToObject(proc, "user") : NULL;
	cJSON *cap = proc ? cJSON_AddObjectToObject(proc, "capabilities") : NULL;
	cJSON *rlimits = proc ? cJSON_AddArrayToObject(proc, "rlimits") : NULL;
	cJSON *nofile = rlimits ? add_object(rlimits) : NULL;
	bool ok = user && cap && nofile &&
		  cJSON_AddBoolToObject(proc, "terminal", true) &&
		  cJSON_AddNumberToObject(user, "uid", 0) &&
		  cJSON_AddNumberToObject(user, "gid", 0) &&
		  add_strings(proc, "args", args) && add_strings(proc, "env", env) &&
		  cJSON_AddStringToObject(proc, "cwd", "/") &&
		  cJSON_AddStringToObject(nofile, "type", "RLIMIT_NOFILE") &&
		  cJSON_AddNumberToObject(nofile, "hard", 1024) &&
		  cJSON_AddNumberToObject(nofile, "soft", 1024) &&
		  cJSON_AddBoolToObject(proc, "noNewPrivileges", true);

	for (const char *const *s = sets; ok && *s; s++)
		ok = add_strings(cap, *s, caps);
	return ok;
}

/*
 * The usual mounts.  Rootless: sysfs cannot be mounted without owning a
 * network namespace, so /sys is a read-only bind of the host's, and devpts
 * gets no gid=5 (the tty group is not mapped).  Like runc's, the cgroup
 * mount stays only in the default with root.
 */
static bool default_mounts(cJSON *doc, bool rootless)
{
	static const char *const dev[] = { "nosuid", "strictatime", "mode=755",
					   "size=65536k", NULL };
	static const char *const pts[] = { "nosuid",      "noexec",
					   "newinstance", "ptmxmode=0666",
					   "mode=0620",   "gid=5",
					   NULL };
	static const char *const pts_rootless[] = { "nosuid",      "noexec",
						    "newinstance", "ptmxmode=0666",
						    "mode=0620",   NULL };
	static const char *const shm[] = { "nosuid",    "noexec",      "nodev",
					   "mode=1777", "size=65536k", NULL };
	static const char *const safe[] = { "nosuid", "noexec", "nodev", NULL };
	static const char *const sys[] = { "nosuid", "noexec", "nodev", "ro", NULL };
	static const char *const sys_bind[] = { "rbind", "nosuid", "noexec",
						"nodev", "ro",     NULL };
	static const char *const cgroup[] = { "nosuid",   "noexec", "nodev",
					      "relatime", "ro",     NULL };
	cJSON *mounts = cJSON_AddArrayToObject(doc, "mounts");

	if (!mounts || !add_mount(mounts, "/proc", "proc", "proc", NULL) ||
	    !add_mount(mounts, "/dev", "tmpfs", "tmpfs", dev) ||
	    !add_mount(mounts, "/dev/pts", "devpts", "devpts",
		       rootless ? pts_rootless : pts) ||
	    !add_mount(mounts, "/dev/shm", "tmpfs", "shm", shm) ||
	    !add_mount(mounts, "/dev/mqueue", "mqueue", "mqueue", safe))
		return false;
	if (rootless)
		return add_mount(mounts, "/sys", "none", "/sys", sys_bind);
	return add_mount(mounts, "/sys", "sysfs", "sysfs", sys) &&
	       add_mount(mounts, "/sys/fs/cgroup", "cgroup", "cgroup", cgroup);
}

/* @key: [{"containerID": 0, "hostID": @id, "size": 1}] in @lx. */
static bool add_mapping(cJSON *lx, const char *key, unsigned id)
{
	cJSON *arr = cJSON_AddArrayToObject(lx, key);
	cJSON *m = arr ? add_object(arr) : NULL;

	return m && cJSON_AddNumberToObject(m, "containerID", 0) &&
	       cJSON_AddNumberToObject(m, "hostID", id) &&
	       cJSON_AddNumberToObject(m, "size", 1);
}

static bool default_linux(cJSON *doc, bool rootless, uid_t uid, gid_t gid)
{
	static const char *const masked[] = { "/proc/acpi",
					      "/proc/asound",
					      "/proc/kcore",
					      "/proc/keys",
					      "/proc/latency_stats",
					      "/proc/timer_list",
					      "/proc/timer_stats",
					      "/proc/sched_debug",
					      "/sys/firmware",
					      "/proc/scsi",
					      NULL };
	static const char *const readonly[] = { "/proc/bus",           "/proc/fs",
						"/proc/irq",           "/proc/sys",
						"/proc/sysrq-trigger", NULL };
	/* Rootless: a user namespace instead of a network namespace, which
	 * would leave the container without any network at all. */
	const char *const types[] = { "pid",   rootless ? "user" : "network",
				      "ipc",   "uts",
				      "mount", NULL };
	cJSON *lx = cJSON_AddObjectToObject(doc, "linux");
	cJSON *nss = lx ? cJSON_AddArrayToObject(lx, "namespaces") : NULL;
	bool ok = nss != NULL;

	for (const char *const *t = types; ok && *t; t++) {
		cJSON *ns = add_object(nss);

		ok = ns && cJSON_AddStringToObject(ns, "type", *t);
	}
	if (ok && rootless)
		ok = add_mapping(lx, "uidMappings", uid) &&
		     add_mapping(lx, "gidMappings", gid);
	if (ok && !rootless) {
		/* Deny every device, as runc's default does; the runtime
		 * allows the few a container needs. */
		cJSON *res = cJSON_AddObjectToObject(lx, "resources");
		cJSON *devs = res ? cJSON_AddArrayToObject(res, "devices") : NULL;
		cJSON *deny = devs ? add_object(devs) : NULL;

		ok = deny && cJSON_AddBoolToObject(deny, "allow", false) &&
		     cJSON_AddStringToObject(deny, "access", "rwm");
	}
	return ok && add_strings(lx, "maskedPaths", masked) &&
	       add_strings(lx, "readonlyPaths", readonly);
}

cJSON *oci_spec_default(bool rootless, uid_t uid, gid_t gid)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON *root = doc ? cJSON_AddObjectToObject(doc, "root") : NULL;
	bool ok = root && cJSON_AddStringToObject(doc, "ociVersion", "1.0.2") &&
		  cJSON_AddStringToObject(root, "path", "rootfs") &&
		  cJSON_AddBoolToObject(root, "readonly", true) &&
		  cJSON_AddStringToObject(doc, "hostname", "mini-runc") &&
		  default_process(doc) && default_mounts(doc, rootless) &&
		  default_linux(doc, rootless, uid, gid);

	if (!ok) {
		cJSON_Delete(doc);
		return NULL;
	}
	return doc;
}

cJSON *oci_features(void)
{
	cJSON *f = cJSON_CreateObject(), *lx, *cg;

	if (!f)
		return NULL;
	cJSON_AddStringToObject(f, "ociVersionMin", OCI_VERSION_MIN);
	cJSON_AddStringToObject(f, "ociVersionMax", OCI_VERSION_MAX);
	lx = cJSON_AddObjectToObject(f, "linux");
	if (!lx) {
		cJSON_Delete(f);
		return NULL;
	}
	oci_features_process(f, lx);
	oci_features_linux(lx);
	cg = cJSON_AddObjectToObject(lx, "cgroup");
	if (cg) {
		cJSON_AddBoolToObject(cg, "v1", true);
		cJSON_AddBoolToObject(cg, "v2", true);
		cJSON_AddBoolToObject(cg, "systemd", false);
		cJSON_AddBoolToObject(cg, "systemdUser", false);
	}
	cJSON_AddItemToObject(lx, "apparmor", cJSON_CreateObject());
	cJSON_AddBoolToObject(cJSON_GetObjectItem(lx, "apparmor"), "enabled", false);
	cJSON_AddItemToObject(lx, "selinux", cJSON_CreateObject());
	cJSON_AddBoolToObject(cJSON_GetObjectItem(lx, "selinux"), "enabled", false);
	return f;
}
