/* SPDX-License-Identifier: MIT */
/*
 * control.c - helpers of the control-plane programs (see control.h).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control.h"
#include "kit/api_object.h"
#include "kit/log.h"

const cJSON *ctl_get(const cJSON *obj, const char *path)
{
	char part[128];

	while (obj && *path) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);

		if (n >= sizeof(part))
			return NULL;
		memcpy(part, path, n);
		part[n] = '\0';
		obj = cJSON_GetObjectItemCaseSensitive(obj, part);
		path += n + (dot ? 1 : 0);
	}
	return obj;
}

const char *ctl_str(const cJSON *obj, const char *path)
{
	const cJSON *v = ctl_get(obj, path);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int64_t ctl_int(const cJSON *obj, const char *path, int64_t def)
{
	const cJSON *v = ctl_get(obj, path);

	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : def;
}

cJSON *ctl_obj(cJSON *obj, const char *path)
{
	char part[128];

	while (*path) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);
		cJSON *next;

		if (n >= sizeof(part))
			return NULL;
		memcpy(part, path, n);
		part[n] = '\0';
		next = cJSON_GetObjectItemCaseSensitive(obj, part);
		if (!cJSON_IsObject(next)) {
			cJSON_DeleteItemFromObjectCaseSensitive(obj, part);
			next = cJSON_AddObjectToObject(obj, part);
		}
		obj = next;
		path += n + (dot ? 1 : 0);
	}
	return obj;
}

void ctl_set_str(cJSON *obj, const char *name, const char *value)
{
	cJSON_DeleteItemFromObjectCaseSensitive(obj, name);
	cJSON_AddStringToObject(obj, name, value);
}

void ctl_set_num(cJSON *obj, const char *name, double value)
{
	cJSON_DeleteItemFromObjectCaseSensitive(obj, name);
	cJSON_AddNumberToObject(obj, name, value);
}

const cJSON *ctl_controller_ref(const cJSON *obj)
{
	const cJSON *ref;

	cJSON_ArrayForEach(ref, ctl_get(obj, "metadata.ownerReferences"))
	{
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ref, "controller")))
			return ref;
	}
	return NULL;
}

cJSON *ctl_owner_ref(const cJSON *owner, const char *api_version, const char *kind)
{
	cJSON *ref = cJSON_CreateObject();

	cJSON_AddStringToObject(ref, "apiVersion", api_version);
	cJSON_AddStringToObject(ref, "kind", kind);
	cJSON_AddStringToObject(ref, "name", ctl_str(owner, "metadata.name"));
	cJSON_AddStringToObject(ref, "uid", ctl_str(owner, "metadata.uid"));
	cJSON_AddTrueToObject(ref, "controller");
	cJSON_AddTrueToObject(ref, "blockOwnerDeletion");
	return ref;
}

char *ctl_now(char buf[32])
{
	return kit_api_time_format(time(NULL), buf, 32);
}

void ctl_event(struct kit_kube *k, const char *component, const cJSON *obj,
	       const char *kind, const char *type, const char *reason, const char *fmt,
	       ...)
{
	const char *ns = ctl_str(obj, "metadata.namespace");
	const char *name = ctl_str(obj, "metadata.name");
	struct kit_err err = { 0 };
	char msg[512], ename[300], now[32], path[300];
	struct timespec ts;
	cJSON *ev, *inv, *meta;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!ns || !*ns)
		ns = "default";
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(ename, sizeof(ename), "%.200s.%llx", name ? name : "unknown",
		 (unsigned long long)ts.tv_sec * 1000000000ull +
			 (unsigned long long)ts.tv_nsec);
	ev = cJSON_CreateObject();
	cJSON_AddStringToObject(ev, "apiVersion", "v1");
	cJSON_AddStringToObject(ev, "kind", "Event");
	meta = cJSON_AddObjectToObject(ev, "metadata");
	cJSON_AddStringToObject(meta, "name", ename);
	cJSON_AddStringToObject(meta, "namespace", ns);
	inv = cJSON_AddObjectToObject(ev, "involvedObject");
	cJSON_AddStringToObject(inv, "kind", kind);
	cJSON_AddStringToObject(inv, "namespace", ns);
	cJSON_AddStringToObject(inv, "name", name ? name : "");
	if (ctl_str(obj, "metadata.uid"))
		cJSON_AddStringToObject(inv, "uid", ctl_str(obj, "metadata.uid"));
	cJSON_AddStringToObject(ev, "reason", reason);
	cJSON_AddStringToObject(ev, "message", msg);
	cJSON_AddStringToObject(ev, "type", type);
	cJSON_AddNumberToObject(ev, "count", 1);
	cJSON_AddStringToObject(ev, "firstTimestamp", ctl_now(now));
	cJSON_AddStringToObject(ev, "lastTimestamp", now);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(ev, "source"), "component",
				component);
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/events", ns);
	if (kit_kube_request(k, "POST", path, ev, NULL, NULL, &err) < 0)
		kit_warn("record event %s: %s", reason, err.msg);
	kit_info("%s %s/%s: %s: %s", kind, ns, name ? name : "", reason, msg);
	cJSON_Delete(ev);
}

int64_t ctl_duration_ms(const char *text)
{
	int64_t total = 0;
	const char *p = text;

	if (!text || !*text)
		return -1;
	while (*p) {
		char *end;
		double v = strtod(p, &end);
		int64_t unit;

		if (end == p || v < 0)
			return -1;
		if (strncmp(end, "ms", 2) == 0)
			unit = 1, end += 2;
		else if (*end == 's')
			unit = 1000, end++;
		else if (*end == 'm')
			unit = 60000, end++;
		else if (*end == 'h')
			unit = 3600000, end++;
		else
			return -1;
		total += (int64_t)(v * (double)unit);
		p = end;
	}
	return total;
}

bool ctl_pod_ready(const cJSON *pod)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, ctl_get(pod, "status.conditions"))
	{
		const char *t = ctl_str(c, "type"), *s = ctl_str(c, "status");

		if (t && s && strcmp(t, "Ready") == 0)
			return strcmp(s, "True") == 0;
	}
	return false;
}

bool ctl_pod_active(const cJSON *pod)
{
	const char *phase = ctl_str(pod, "status.phase");

	if (ctl_str(pod, "metadata.deletionTimestamp"))
		return false;
	return !phase ||
	       (strcmp(phase, "Succeeded") != 0 && strcmp(phase, "Failed") != 0);
}
