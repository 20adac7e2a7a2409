/* SPDX-License-Identifier: MIT */
/*
 * control.h - what the control-plane programs of part 2 share
 * (mini-controller-manager, mini-scheduler, mini-kubelet): reading fields
 * of objects, owner references, Events, durations.
 */
#ifndef KIT_K8S_CONTROL_H
#define KIT_K8S_CONTROL_H

#include <stdbool.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "kit/kube_client.h"

/* ctl_str - the string at the dotted @path ("spec.nodeName") or NULL. */
const char *ctl_str(const cJSON *obj, const char *path);
/* ctl_get - the item at @path, or NULL. */
const cJSON *ctl_get(const cJSON *obj, const char *path);
/* ctl_int - the number at @path, or @def. */
int64_t ctl_int(const cJSON *obj, const char *path, int64_t def);
/* ctl_obj - the object at @path, created (with its parents) if missing. */
cJSON *ctl_obj(cJSON *obj, const char *path);
/* ctl_set_str / ctl_set_num: replace or add member @name of @obj. */
void ctl_set_str(cJSON *obj, const char *name, const char *value);
void ctl_set_num(cJSON *obj, const char *name, double value);

/* ctl_controller_ref - the ownerReference with controller: true, or NULL. */
const cJSON *ctl_controller_ref(const cJSON *obj);
/* ctl_owner_ref - a new ownerReference pointing at @owner. */
cJSON *ctl_owner_ref(const cJSON *owner, const char *api_version, const char *kind);

/* ctl_now - the current time as RFC 3339 into @buf (32 bytes); returns @buf. */
char *ctl_now(char buf[32]);

/*
 * ctl_event - record an Event about @obj (of @kind) in its namespace:
 * @type "Normal" or "Warning", @reason ("SuccessfulCreate"), the message.
 * Failures are logged, never fatal: events are for people.
 */
void ctl_event(struct kit_kube *k, const char *component, const cJSON *obj,
	       const char *kind, const char *type, const char *reason, const char *fmt,
	       ...) __attribute__((format(printf, 7, 8)));

/* ctl_duration_ms - "300ms", "5s", "1m", "1h30m" as milliseconds; -1 if not one. */
int64_t ctl_duration_ms(const char *text);

/* ctl_pod_ready - the pod's Ready condition is True. */
bool ctl_pod_ready(const cJSON *pod);
/* ctl_pod_active - not Succeeded or Failed, not being deleted. */
bool ctl_pod_active(const cJSON *pod);

#endif /* KIT_K8S_CONTROL_H */
