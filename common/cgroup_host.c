/* SPDX-License-Identifier: MIT */
/*
 * cgroup_host.c - where this host keeps its control groups, and which
 * cgroup version the kit drives.
 *
 * Article: §2.3 Cgroups.  The article's host mounts "a subsystem per
 * directory" under /sys/fs/cgroup (/sys/fs/cgroup/memory, .../cpu): that is
 * cgroup v1.  Most machines today mount one cgroup2 tree there instead (v2),
 * and systemd's "hybrid" mode does both: v1 controllers plus a cgroup2 mount
 * at /sys/fs/cgroup/unified that holds only what no v1 hierarchy took.
 *
 * The kernel says which is which in /proc/self/mountinfo: filesystem type
 * "cgroup" (v1; the controllers are mount options) or "cgroup2".  This file
 * reads it (kit_cgroup_host_parse, pure, fuzzed), then asks the cgroup2
 * root which controllers it offers (cgroup.controllers) and picks a driver.
 *
 * Left out: cgroup namespaces (a mount whose root is not "/"), named v1
 * hierarchies (name=systemd holds no controller) and remounting anything.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kit/cgroup.h"
#include "kit/cleanup.h"
#include "kit/file.h"

/* The names of the controller bits, per version; "" where there is none. */
static const struct {
	unsigned bit;
	const char *v1, *v2;
} names[] = {
	{ KIT_CG_MEMORY, "memory", "memory" }, { KIT_CG_CPU, "cpu", "cpu" },
	{ KIT_CG_PIDS, "pids", "pids" },       { KIT_CG_IO, "blkio", "io" },
	{ KIT_CG_CPUSET, "cpuset", "cpuset" }, { KIT_CG_HUGETLB, "hugetlb", "hugetlb" },
	{ KIT_CG_CPUACCT, "cpuacct", "" },
};

#define NNAMES (sizeof(names) / sizeof(names[0]))

const char *kit_cgroup_controller_name(unsigned bit, enum kit_cgroup_version version)
{
	for (size_t i = 0; i < NNAMES; i++)
		if (names[i].bit == bit)
			return version == KIT_CGROUP_V2 && names[i].v2[0] ? names[i].v2
									  : names[i].v1;
	return NULL;
}

/* The bit for a controller name of either version; 0 if unknown. */
static unsigned controller_bit(const char *name, size_t len)
{
	for (size_t i = 0; i < NNAMES; i++) {
		if (strlen(names[i].v1) == len && strncmp(names[i].v1, name, len) == 0)
			return names[i].bit;
		if (strlen(names[i].v2) == len && len &&
		    strncmp(names[i].v2, name, len) == 0)
			return names[i].bit;
	}
	return 0;
}

int kit_cgroup_controller_index(unsigned bit)
{
	for (int i = 0; i < KIT_CG_NCTRL; i++)
		if (bit == 1u << i)
			return i;
	return -1;
}

int kit_cgroup_controllers_parse(const char *list, unsigned *out, struct kit_err *err)
{
	unsigned bits = 0;
	const char *p = list;

	if (!list || !*list)
		return kit_err_set(err, EINVAL, "name at least one, e.g. memory,cpu",
				   "parse controller list ''");
	for (;;) {
		size_t len = strcspn(p, ",");
		unsigned bit = controller_bit(p, len);

		if (!bit)
			return kit_err_set(
				err, EINVAL,
				"known: memory, cpu, cpuacct, pids, io (blkio on "
				"v1), cpuset, hugetlb",
				"unknown controller '%.*s'", (int)(len > 32 ? 32 : len),
				p);
		bits |= bit;
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	*out = bits;
	return 0;
}

char *kit_cgroup_controllers_describe(unsigned controllers,
				      enum kit_cgroup_version version, char *buf,
				      size_t size)
{
	size_t used = 0;

	if (size == 0)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < NNAMES; i++) {
		const char *name = kit_cgroup_controller_name(names[i].bit, version);

		/* cpuacct is no controller on v2: its usage is in every cpu.stat */
		if (!(controllers & names[i].bit) ||
		    (version == KIT_CGROUP_V2 && names[i].bit == KIT_CG_CPUACCT))
			continue;
		if (strlen(name) + 1 >= size - used)
			break;
		used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? "," : "",
					 name);
	}
	return buf;
}

/* Undo mountinfo's octal escapes ("\040" is a space) in place. */
static void unescape(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
					(s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

/* A v1 mount: every controller in its options gets this mount point. */
static void add_v1_mount(struct kit_cgroup_host *host, const char *mnt, char *opts)
{
	char *save = NULL;

	for (char *o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		unsigned bit = controller_bit(o, strlen(o));
		int i = kit_cgroup_controller_index(bit);

		/* "io" is the v2 name: a v1 mount option is never "io" */
		if (i < 0 || strcmp(o, "io") == 0 || host->v1_root[i][0])
			continue;
		snprintf(host->v1_root[i], sizeof(host->v1_root[i]), "%s", mnt);
		host->v1_controllers |= bit;
	}
}

/*
 * One mountinfo line (proc(5)):
 *   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 *   ID PARENT DEV ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS
 * The optional fields end at a lone "-".  Returns 0, or -1 if malformed.
 */
static int parse_line(struct kit_cgroup_host *host, char *line)
{
	char *field[6], *save = NULL, *tok, *fstype, *superopts;
	int n = 0;

	for (tok = strtok_r(line, " ", &save); tok && n < 6;
	     tok = strtok_r(NULL, " ", &save))
		field[n++] = tok;
	if (n < 6)
		return -1;
	while (tok && strcmp(tok, "-") != 0)
		tok = strtok_r(NULL, " ", &save);
	if (!tok)
		return -1;
	fstype = strtok_r(NULL, " ", &save);
	if (!fstype || !strtok_r(NULL, " ", &save))
		return -1;
	superopts = strtok_r(NULL, " ", &save);
	if (!superopts)
		return -1;
	unescape(field[4]);
	if (strlen(field[4]) >= PATH_MAX || field[4][0] != '/')
		return -1;
	if (strcmp(fstype, "cgroup2") == 0 && !host->v2_root[0])
		snprintf(host->v2_root, sizeof(host->v2_root), "%s", field[4]);
	else if (strcmp(fstype, "cgroup") == 0)
		add_v1_mount(host, field[4], superopts);
	return 0;
}

int kit_cgroup_host_parse(struct kit_cgroup_host *host, const char *text,
			  struct kit_err *err)
{
	_autofree char *copy = strdup(text);
	char *save = NULL;
	int lineno = 0;

	if (!copy)
		return kit_err_set(err, ENOMEM, NULL, "parse mountinfo");
	memset(host, 0, sizeof(*host));
	for (char *line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		if (parse_line(host, line) < 0)
			return kit_err_set(
				err, EINVAL,
				"expected 'ID PARENT DEV ROOT MOUNTPOINT OPTIONS "
				"... - TYPE SOURCE OPTIONS'",
				"parse mountinfo line %d", lineno);
	}
	return 0;
}

/* The controllers the cgroup2 root offers, from its cgroup.controllers. */
static unsigned read_v2_controllers(const char *root)
{
	struct kit_err ignored = { 0 };
	_autofree char *text = NULL;
	char path[PATH_MAX + 32], *save = NULL;
	unsigned bits = KIT_CG_CPUACCT; /* cpu.stat usage is in every v2 group */

	snprintf(path, sizeof(path), "%s/cgroup.controllers", root);
	if (kit_read_file(path, 4096, &text, NULL, &ignored) < 0)
		return bits;
	for (char *w = strtok_r(text, " \n", &save); w; w = strtok_r(NULL, " \n", &save))
		if (strcmp(w, "blkio") != 0 && strcmp(w, "cpuacct") != 0)
			bits |= controller_bit(w, strlen(w));
	return bits;
}

static int popcount_core(unsigned bits)
{
	return __builtin_popcount(bits & (KIT_CG_MEMORY | KIT_CG_CPU | KIT_CG_PIDS));
}

int kit_cgroup_host_detect(struct kit_cgroup_host *host, const char *mountinfo,
			   struct kit_err *err)
{
	_autofree char *text = NULL;
	int ret;

	ret = kit_read_file(mountinfo, 1u << 20, &text, NULL, err);
	if (ret < 0)
		return kit_err_wrap(err, "find cgroup mounts");
	ret = kit_cgroup_host_parse(host, text, err);
	if (ret < 0)
		return kit_err_wrap(err, "find cgroup mounts in %s", mountinfo);
	if (host->v2_root[0])
		host->v2_controllers = read_v2_controllers(host->v2_root);
	host->hybrid = host->v2_root[0] && popcount_core(host->v1_controllers) > 0;
	/* The version that offers more of memory, cpu and pids wins; v1 on a
	 * tie, because a hybrid host's cgroup2 mount has none of them. */
	if (host->v2_root[0] &&
	    popcount_core(host->v2_controllers) > popcount_core(host->v1_controllers))
		return kit_cgroup_host_use(host, KIT_CGROUP_V2, err);
	if (host->v1_controllers)
		return kit_cgroup_host_use(host, KIT_CGROUP_V1, err);
	if (host->v2_root[0])
		return kit_cgroup_host_use(host, KIT_CGROUP_V2, err);
	return kit_err_set(err, ENOENT,
			   "no cgroup filesystem is mounted: mount -t cgroup2 none "
			   "/sys/fs/cgroup (or the v1 hierarchies)",
			   "find cgroup mounts in %s", mountinfo);
}

int kit_cgroup_host_use(struct kit_cgroup_host *host, enum kit_cgroup_version version,
			struct kit_err *err)
{
	if (version == KIT_CGROUP_V2 && host->v2_root[0]) {
		host->driver = KIT_CGROUP_V2;
		host->controllers = host->v2_controllers;
		return 0;
	}
	if (version == KIT_CGROUP_V1 && host->v1_controllers) {
		host->driver = KIT_CGROUP_V1;
		host->controllers = host->v1_controllers;
		return 0;
	}
	return kit_err_set(err, ENOENT,
			   version == KIT_CGROUP_V2
				   ? "no cgroup2 filesystem is mounted"
				   : "no cgroup v1 controller hierarchy is mounted",
			   "use the cgroup v%d driver", version == KIT_CGROUP_V2 ? 2 : 1);
}

char *kit_cgroup_host_describe(const struct kit_cgroup_host *host, char *buf, size_t size)
{
	char ctrls[128], v2[128];

	kit_cgroup_controllers_describe(host->controllers, host->driver, ctrls,
					sizeof(ctrls));
	kit_cgroup_controllers_describe(host->v2_controllers & ~KIT_CG_CPUACCT,
					KIT_CGROUP_V2, v2, sizeof(v2));
	if (host->driver == KIT_CGROUP_V2)
		snprintf(buf, size, "cgroup v2 at %s: %s%s", host->v2_root,
			 *ctrls ? ctrls : "no controllers",
			 host->hybrid ? " (hybrid host: v1 hierarchies too)" : "");
	else if (host->hybrid)
		snprintf(buf, size,
			 "cgroup v1: %s (hybrid host: cgroup2 at %s has %s; the kit "
			 "uses v1)",
			 ctrls, host->v2_root, *v2 ? v2 : "no controllers");
	else
		snprintf(buf, size, "cgroup v1: %s", ctrls);
	return buf;
}
