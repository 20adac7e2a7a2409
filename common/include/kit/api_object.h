/* SPDX-License-Identifier: MIT */
/*
 * kit/api_object.h - small rules every Kubernetes object follows: what a
 * name may look like, how times are written, how old an object is.
 *
 * Article: §6.1 (API Server: "验证请求的有效性").  The API server checks
 * names with these; kubectl-like output prints ages with them; the
 * controllers of part 2 reuse them.
 */
#ifndef KIT_API_OBJECT_H
#define KIT_API_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/*
 * What a name must be, and the message the real API server gives when it
 * is not (kit_api_name_problem returns NULL for a good name):
 *   KIT_NAME_SUBDOMAIN  RFC 1123 subdomain: most objects (pods, nodes ...)
 *   KIT_NAME_LABEL      RFC 1123 label: namespaces, container names
 *   KIT_NAME_LABEL_1035 RFC 1035 label (starts with a letter): services
 */
enum kit_name_rule {
	KIT_NAME_SUBDOMAIN,
	KIT_NAME_LABEL,
	KIT_NAME_LABEL_1035,
};

const char *kit_api_name_problem(const char *name, enum kit_name_rule rule);

/* kit_api_time_format - @t as RFC 3339 UTC ("2021-01-01T00:00:00Z") into
 * @buf of at least 21 bytes; returns @buf. */
char *kit_api_time_format(time_t t, char *buf, size_t size);

/* kit_api_time_parse - RFC 3339 "YYYY-MM-DDTHH:MM:SSZ" (fractions and
 * offsets accepted) to seconds since the epoch; -1 if it is not one. */
time_t kit_api_time_parse(const char *text);

/*
 * kit_api_human_duration - @seconds as kubectl's AGE column shows it:
 * "45s", "3m12s", "25m", "5h4m", "9h", "3d2h", "30d", "2y3d" (the same
 * rounding as Kubernetes' duration.HumanDuration).  Returns @buf.
 */
char *kit_api_human_duration(long long seconds, char *buf, size_t size);

/* kit_api_uid - a random RFC 4122 version 4 UUID, 37 bytes with the NUL. */
char *kit_api_uid(char buf[37]);

#endif /* KIT_API_OBJECT_H */
