/* SPDX-License-Identifier: MIT */
/*
 * cgroup_limit.c - from a portable limit ("memory=50M", "cpu=0.5") to the
 * files and values of cgroup v1 or v2.
 *
 * Article: §2.3 Cgroups.  The article writes `echo 50000000 >
 * memory.limit_in_bytes`: a v1 file name and a byte count.  On v2 the same
 * limit is `memory.max`, and the CPU limit that v1 splits over two files
 * (cpu.cfs_quota_us, cpu.cfs_period_us) is one line of cpu.max.  The kit
 * lets the user say what they mean, once, and translates:
 *
 *   memory=50M          memory.limit_in_bytes (v1)     memory.max (v2)
 *   cpu=0.5             cpu.cfs_quota_us + _period_us  cpu.max "50000 100000"
 *   pids=64             pids.max                       pids.max
 *   io.read_bps=8:0:1M  blkio.throttle.read_bps_device io.max "8:0 rbps=1048576"
 *
 * Everything here is pure: it checks and formats, and never touches a file
 * (tests/fuzz/fuzz_cgroup_limit.c feeds it random input).
 *
 * Left out: cpu.shares/cpu.weight, memory.low/high and the io weights as
 * portable names (they are accepted as raw file names).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kit/cgroup.h"
#include "kit/lab.h"

/* The CFS period the kit uses: 100 ms, the kernel's default. */
#define CPU_PERIOD_USEC 100000u

/* Append one write to @w (at most KIT_CGROUP_MAX_WRITES); returns the count. */
static int add(struct kit_cgroup_write *w, int n, unsigned controller, bool optional,
	       const char *file, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static int add(struct kit_cgroup_write *w, int n, unsigned controller, bool optional,
	       const char *file, const char *fmt, ...)
{
	va_list ap;

	if (n >= KIT_CGROUP_MAX_WRITES)
		return n;
	w[n].controller = controller;
	w[n].optional = optional;
	snprintf(w[n].file, sizeof(w[n].file), "%s", file);
	va_start(ap, fmt);
	vsnprintf(w[n].value, sizeof(w[n].value), fmt, ap);
	va_end(ap);
	return n + 1;
}

/* Digits only, into *out; *end after them; -ERANGE past @max. */
static int parse_whole(const char *s, const char **end, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	bool over = false;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (v > (max - d) / 10)
			over = true;
		else
			v = v * 10 + d;
	}
	*end = p;
	if (p == s)
		return -EINVAL;
	*out = v;
	return over ? -ERANGE : 0;
}

int kit_cgroup_parse_size(const char *text, uint64_t *bytes, struct kit_err *err)
{
	static const char units[] = "KMGT";
	const char *p, *u;
	uint64_t v, mult = 1;
	int ret;

	if (strlen(text) > 32)
		return kit_err_set(err, EINVAL, "too long for a size",
				   "parse size '%.32s...'", text);
	ret = parse_whole(text, &p, UINT64_MAX, &v);
	if (ret == -EINVAL)
		return kit_err_set(err, EINVAL,
				   "a size is a whole number of bytes with an optional "
				   "unit K, M, G or T, e.g. 50M (or max for no limit)",
				   "parse size '%s'", text);
	if (*p && (u = strchr(units, *p & ~0x20))) {
		mult <<= 10 * (u - units + 1);
		p++;
		if (*p == 'i')
			p++;
	}
	if (*p == 'B' || *p == 'b')
		p++;
	if (*p != '\0')
		return kit_err_set(err, EINVAL,
				   "units are K, M, G, T (powers of 1024), or none",
				   "parse size '%s': unknown unit '%s'", text, p);
	/* v1 reads limits as a signed 64-bit number: stay below 2^63. */
	if (ret == -ERANGE || v > (uint64_t)INT64_MAX / mult)
		return kit_err_set(err, ERANGE, "the kernel takes at most 8 EiB",
				   "parse size '%s'", text);
	*bytes = v * mult;
	return 0;
}

int kit_cgroup_parse_cpus(const char *text, uint64_t period_usec, uint64_t *quota_usec,
			  struct kit_err *err)
{
	const char *p = text;
	uint64_t whole = 0, micro = 0, scale = 100000;
	int digits = 0;

	/* Fixed point, in millionths of a core: no floating-point rounding. */
	if (*p >= '0' && *p <= '9' && parse_whole(p, &p, 4096, &whole) < 0)
		return kit_err_set(err, ERANGE, "at most 4096 cores",
				   "parse cpu limit '%s'", text);
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++, digits++) {
			if (digits == 6)
				return kit_err_set(err, EINVAL, "at most 6 decimals",
						   "parse cpu limit '%s'", text);
			micro += (uint64_t)(*p - '0') * scale;
			scale /= 10;
		}
	if (*p != '\0' || p == text || (p == text + 1 && text[0] == '.'))
		return kit_err_set(err, EINVAL,
				   "a CPU limit is a number of cores, e.g. 0.5 or 2 "
				   "(or max for no limit)",
				   "parse cpu limit '%s'", text);
	micro += whole * 1000000;
	if (micro == 0)
		return kit_err_set(err, EINVAL,
				   "0 cores would never let the group run: give a "
				   "fraction such as 0.1",
				   "parse cpu limit '%s'", text);
	if (micro > 4096u * 1000000)
		return kit_err_set(err, ERANGE, "at most 4096 cores",
				   "parse cpu limit '%s'", text);
	*quota_usec = micro * period_usec / 1000000;
	if (*quota_usec < 1000)
		return kit_err_set(err, EINVAL,
				   "the kernel's smallest quota is 1 ms per period: "
				   "0.01 cores with the 100 ms period",
				   "parse cpu limit '%s'", text);
	return 0;
}

/* memory=SIZE|max: all the memory (RAM and swap) the group may use. */
static int translate_memory(enum kit_cgroup_version v, const char *value,
			    struct kit_cgroup_write *w, struct kit_err *err)
{
	char bytes[32] = "max";
	uint64_t n;
	int ret;

	if (strcmp(value, "max") != 0) {
		ret = kit_cgroup_parse_size(value, &n, err);
		if (ret < 0)
			return ret;
		if (n == 0)
			return kit_err_set(err, EINVAL, "no process can run in 0 bytes",
					   "parse memory limit '%s'", value);
		snprintf(bytes, sizeof(bytes), "%" PRIu64, n);
	}
	/* TODO lab 03.1: the memory limit, in v1 and in v2 files.
	 * Fill @w with add() and return how many writes there are.
	 * v1 (KIT_CGROUP_V1): memory.limit_in_bytes gets the bytes ("-1" for
	 * max).  Swap must not get round the limit, so memory.memsw.limit_in_bytes
	 * (optional: only with swap accounting) gets the same value; it must
	 * never be below memory.limit_in_bytes, so write "-1" to it first.
	 * v2: memory.max gets the bytes (or "max"), then memory.swap.max
	 * (optional) gets "0", or "max" for no limit.
	 */
	(void)v; (void)w; (void)add;
	return kit_lab_todo(err, "03.1");
}

/* cpu=CORES|max: a CFS bandwidth quota per 100 ms period. */
static int translate_cpu(enum kit_cgroup_version v, const char *value,
			 struct kit_cgroup_write *w, struct kit_err *err)
{
	uint64_t quota = 0;
	int ret;

	if (strcmp(value, "max") != 0) {
		ret = kit_cgroup_parse_cpus(value, CPU_PERIOD_USEC, &quota, err);
		if (ret < 0)
			return ret;
	}
	/* TODO lab 03.1: the CPU limit, in v1 and in v2 files.
	 * @quota is the run time per CPU_PERIOD_USEC period (0 for max).
	 * v1: cpu.cfs_period_us gets the period, then cpu.cfs_quota_us gets
	 * the quota ("-1" for no limit).  v2: one file, cpu.max, gets
	 * "QUOTA PERIOD" ("max PERIOD" for no limit).  All for KIT_CG_CPU.
	 */
	(void)v; (void)w; (void)quota;
	return kit_lab_todo(err, "03.1");
}

/* pids=N|max: how many processes (threads, really) the group may hold. */
static int translate_pids(const char *value, struct kit_cgroup_write *w,
			  struct kit_err *err)
{
	const char *end;
	uint64_t n;

	if (strcmp(value, "max") == 0)
		return add(w, 0, KIT_CG_PIDS, false, "pids.max", "max");
	/* 4194304 is PID_MAX_LIMIT, the most pids a 64-bit kernel has */
	if (parse_whole(value, &end, 4194304, &n) < 0 || *end)
		return kit_err_set(err, EINVAL,
				   "a whole number of processes up to 4194304, or max",
				   "parse pids limit '%s'", value);
	return add(w, 0, KIT_CG_PIDS, false, "pids.max", "%" PRIu64, n);
}

/* The portable io limits and their files. */
static const struct {
	const char *key, *v1_file, *v2_key;
	bool bytes; /* a size with units, or a plain count (iops) */
} io_limits[] = {
	{ "io.read_bps", "blkio.throttle.read_bps_device", "rbps", true },
	{ "io.write_bps", "blkio.throttle.write_bps_device", "wbps", true },
	{ "io.read_iops", "blkio.throttle.read_iops_device", "riops", false },
	{ "io.write_iops", "blkio.throttle.write_iops_device", "wiops", false },
};

#define NIO ((int)(sizeof(io_limits) / sizeof(io_limits[0])))

static int io_index(const char *key)
{
	for (int i = 0; i < NIO; i++)
		if (strcmp(key, io_limits[i].key) == 0)
			return i;
	return -1;
}

/* "MAJ:MIN:N" (N a size, a count or "max") into its parts; false if bad. */
static bool parse_device_limit(const char *value, bool bytes, uint64_t *major,
			       uint64_t *minor, uint64_t *n)
{
	struct kit_err ignored = { 0 };
	const char *p;

	*n = 0;
	if (parse_whole(value, &p, 4095, major) < 0 || *p != ':')
		return false;
	if (parse_whole(p + 1, &p, (1u << 20) - 1, minor) < 0 || *p != ':')
		return false;
	p++;
	if (strcmp(p, "max") == 0)
		return true;
	if (bytes)
		return kit_cgroup_parse_size(p, n, &ignored) == 0 && *n > 0;
	return parse_whole(p, &p, UINT32_MAX, n) == 0 && *p == '\0' && *n > 0;
}

/* io.read_bps=MAJ:MIN:N and friends: per-device throttling. */
static int translate_io(enum kit_cgroup_version v, int i, const char *value,
			struct kit_cgroup_write *w, struct kit_err *err)
{
	uint64_t major, minor, n;

	if (!parse_device_limit(value, io_limits[i].bytes, &major, &minor, &n))
		return kit_err_set(
			err, EINVAL,
			"expected DEVICE:LIMIT, the device as MAJOR:MINOR of a "
			"whole disk (lsblk shows them) or /dev/NAME, e.g. 8:0:1M; "
			"LIMIT max removes it",
			"parse %s limit '%s'", io_limits[i].key, value);
	if (v == KIT_CGROUP_V1) /* v1 removes a device's rule when given 0 */
		return add(w, 0, KIT_CG_IO, false, io_limits[i].v1_file,
			   "%" PRIu64 ":%" PRIu64 " %" PRIu64, major, minor, n);
	if (n == 0)
		return add(w, 0, KIT_CG_IO, false, "io.max",
			   "%" PRIu64 ":%" PRIu64 " %s=max", major, minor,
			   io_limits[i].v2_key);
	return add(w, 0, KIT_CG_IO, false, "io.max",
		   "%" PRIu64 ":%" PRIu64 " %s=%" PRIu64, major, minor,
		   io_limits[i].v2_key, n);
}

/* Files the verbs manage themselves: never a "limit". */
static bool managed_file(const char *file)
{
	static const char *const managed[] = { "cgroup.procs", "cgroup.threads",
					       "cgroup.subtree_control", "cgroup.kill",
					       "cgroup.type" };

	for (size_t i = 0; i < sizeof(managed) / sizeof(managed[0]); i++)
		if (strcmp(file, managed[i]) == 0)
			return true;
	return false;
}

/* "memory.high", "hugetlb.2MB.max": words of [A-Za-z0-9_] joined by single dots. */
static bool good_file_name(const char *name)
{
	const char *ok =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
	size_t len;
	int words = 0;

	for (const char *p = name;; p += len + 1, words++) {
		len = strspn(p, ok);
		if (len == 0)
			return false;
		if (p[len] == '\0')
			return words >= 1;
		if (p[len] != '.')
			return false;
	}
}

/* A raw file name of the group ("memory.high") and its value, as they are. */
static int translate_raw(enum kit_cgroup_version v, const char *key, const char *value,
			 struct kit_cgroup_write *w, struct kit_err *err)
{
	const char *dot = strchr(key, '.'), *hint;
	unsigned bit = 0;

	if (!good_file_name(key) || strlen(key) >= sizeof(w->file))
		return kit_err_set(err, EINVAL,
				   "portable: memory, cpu, pids, io.read_bps, "
				   "io.write_bps, io.read_iops, io.write_iops; or a "
				   "file name such as memory.high",
				   "unknown limit '%.64s'", key);
	hint = kit_cgroup_other_version_hint(v, key);
	if (hint)
		return kit_err_set(err, ENOENT, hint, "find file %s", key);
	if (v == KIT_CGROUP_V2 && strncmp(key, "cgroup.", 7) == 0 && !managed_file(key))
		bit = KIT_CG_CPUACCT; /* any v2 group directory has them */
	else if (kit_cgroup_controllers_parse(strndupa(key, (size_t)(dot - key)), &bit,
					      err) < 0 ||
		 (v == KIT_CGROUP_V2 &&
		  (bit == KIT_CG_CPUACCT || strncmp(key, "blkio.", 6) == 0)) ||
		 (v == KIT_CGROUP_V1 && strncmp(key, "io.", 3) == 0))
		return kit_err_set(err, EINVAL,
				   "a raw limit is a file of one controller: "
				   "memory.*, cpu.*, pids.*, io.* (blkio.* on v1), "
				   "cpuset.*, hugetlb.*",
				   "set %s", key);
	if (strlen(value) == 0 || strlen(value) >= sizeof(w->value) ||
	    strcspn(value, "\n\r\t\v\f\x1b") != strlen(value))
		return kit_err_set(err, EINVAL, "one line of at most 127 characters",
				   "set %s: bad value", key);
	return add(w, 0, bit, false, key, "%s", value);
}

int kit_cgroup_translate(enum kit_cgroup_version version, const char *key,
			 const char *value,
			 struct kit_cgroup_write w[KIT_CGROUP_MAX_WRITES],
			 struct kit_err *err)
{
	memset(w, 0, sizeof(*w) * KIT_CGROUP_MAX_WRITES);
	if (version != KIT_CGROUP_V1 && version != KIT_CGROUP_V2)
		return kit_err_set(err, EINVAL, "no cgroup driver", "set %s", key);
	if (strcmp(key, "memory") == 0)
		return translate_memory(version, value, w, err);
	if (strcmp(key, "cpu") == 0)
		return translate_cpu(version, value, w, err);
	if (strcmp(key, "pids") == 0)
		return translate_pids(value, w, err);
	if (io_index(key) >= 0)
		return translate_io(version, io_index(key), value, w, err);
	return translate_raw(version, key, value, w, err);
}

/* The v1 and v2 names of the same thing, for "wrong version" hints. */
static const struct {
	const char *v1, *v2, *portable;
} renamed[] = {
	{ "memory.limit_in_bytes", "memory.max", "memory=" },
	{ "memory.memsw.limit_in_bytes", "memory.swap.max", "memory=" },
	{ "memory.usage_in_bytes", "memory.current", "stat" },
	{ "memory.max_usage_in_bytes", "memory.peak", "stat" },
	{ "memory.oom_control", "memory.events", "stat" },
	{ "memory.soft_limit_in_bytes", "memory.low", NULL },
	{ "cpu.cfs_quota_us", "cpu.max", "cpu=" },
	{ "cpu.cfs_period_us", "cpu.max", "cpu=" },
	{ "cpu.shares", "cpu.weight", NULL },
	{ "cpuacct.usage", "cpu.stat", "stat" },
	{ "blkio.throttle.read_bps_device", "io.max", "io.read_bps=" },
	{ "blkio.throttle.write_bps_device", "io.max", "io.write_bps=" },
	{ "blkio.throttle.read_iops_device", "io.max", "io.read_iops=" },
	{ "blkio.throttle.write_iops_device", "io.max", "io.write_iops=" },
	{ "blkio.weight", "io.weight", NULL },
};

const char *kit_cgroup_other_version_hint(enum kit_cgroup_version version,
					  const char *file)
{
	static __thread char hint[224];
	bool v2 = version == KIT_CGROUP_V2;

	for (size_t i = 0; i < sizeof(renamed) / sizeof(renamed[0]); i++) {
		const char *mine = v2 ? renamed[i].v2 : renamed[i].v1;
		const char *other = v2 ? renamed[i].v1 : renamed[i].v2;

		if (strcmp(file, other) != 0 || strcmp(file, mine) == 0)
			continue;
		snprintf(hint, sizeof(hint),
			 "%s is a cgroup v%d file and this host uses v%d: write %s%s%s%s",
			 file, v2 ? 1 : 2, v2 ? 2 : 1, mine,
			 renamed[i].portable ? ", or use " : "",
			 renamed[i].portable ? renamed[i].portable : "",
			 renamed[i].portable && strcmp(renamed[i].portable, "stat") == 0
				 ? " to read it"
				 : "");
		return hint;
	}
	return NULL;
}
