/* SPDX-License-Identifier: MIT */
/*
 * controller_endpoints.c - the Endpoints controller: which pods a Service
 * stands for, as addresses a proxy can send traffic to.
 *
 * Article: §6.1 (Controller Manager: "Endpoint Controller ... 填充 Endpoint
 * 对象 (即加入 Service 与 Pod)").  For each Service with a selector, an
 * Endpoints object of the same name:
 *
 *   subsets[].addresses          the ready pods' IPs (status.podIP, Ready)
 *   subsets[].notReadyAddresses  the pods that have an IP but are not ready
 *   subsets[].ports              the service's ports, targetPort resolved:
 *                                a number, or the name of a container port
 *
 * Pods whose ports resolve alike share a subset.  The key of the work queue
 * is the Service's "namespace/name"; a pod's change queues every Service
 * of its namespace whose selector matches it, before or after the change.
 * A Service without a selector is left alone (its Endpoints are the
 * user's); a deleted Service's Endpoints are deleted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller_manager.h"
#include "kit/api_select.h"
#include "kit/lab.h"
#include "kit/log.h"

/* Does the service's spec.selector (a plain map) match @labels? */
static bool service_selects(const cJSON *svc, const cJSON *labels)
{
	const cJSON *sel = ctl_get(svc, "spec.selector"), *l;

	if (cJSON_GetArraySize(sel) == 0)
		return false;
	cJSON_ArrayForEach(l, sel)
	{
		const char *v = ctl_str(labels, l->string);

		if (!cJSON_IsString(l) || !v || strcmp(v, l->valuestring) != 0)
			return false;
	}
	return true;
}

struct match_ctx {
	struct cm *cm;
	const cJSON *old, *pod;
};

static int queue_if_matches(void *ctx, const cJSON *svc)
{
	struct match_ctx *m = ctx;
	char key[512];

	if ((service_selects(svc, ctl_get(m->old, "metadata.labels")) ||
	     service_selects(svc, ctl_get(m->pod, "metadata.labels"))) &&
	    kit_object_key(svc, key, sizeof(key)))
		kit_wq_add(m->cm->epq, key);
	return 0;
}

void endpoints_pod_changed(struct cm *cm, const cJSON *old, const cJSON *pod)
{
	struct match_ctx m = { cm, old, pod };
	const cJSON *any = pod ? pod : old;

	/* A resync (old == pod) changes nothing an Endpoints shows. */
	if (old == pod || !cm->svc)
		return;
	kit_cache_foreach(kit_informer_cache(cm->svc), ctl_str(any, "metadata.namespace"),
			  queue_if_matches, &m);
}

void endpoints_service_changed(struct cm *cm, const cJSON *svc)
{
	char key[512];

	if (kit_object_key(svc, key, sizeof(key)))
		kit_wq_add(cm->epq, key);
}

/* The container port of @pod named @name, or -1. */
static int64_t named_port(const cJSON *pod, const char *name)
{
	const cJSON *c, *p;

	cJSON_ArrayForEach(c, ctl_get(pod, "spec.containers"))
	{
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(c, "ports"))
		{
			const char *n = ctl_str(p, "name");

			if (n && strcmp(n, name) == 0)
				return ctl_int(p, "containerPort", -1);
		}
	}
	return -1;
}

/* The Endpoints ports of @svc for @pod (a new array). */
static cJSON *ports_for(const cJSON *svc, const cJSON *pod)
{
	cJSON *ports = cJSON_CreateArray();
	const cJSON *sp;

	cJSON_ArrayForEach(sp, ctl_get(svc, "spec.ports"))
	{
		const cJSON *target = cJSON_GetObjectItemCaseSensitive(sp, "targetPort");
		int64_t port = ctl_int(sp, "port", -1);
		cJSON *p;

		if (cJSON_IsNumber(target))
			port = (int64_t)target->valuedouble;
		else if (cJSON_IsString(target) && target->valuestring[0] >= '0' &&
			 target->valuestring[0] <= '9')
			port = strtoll(target->valuestring, NULL, 10);
		else if (cJSON_IsString(target))
			port = named_port(pod, target->valuestring);
		if (port <= 0 || port > 65535)
			continue; /* this pod has no such port: not for this one */
		p = cJSON_CreateObject();
		if (ctl_str(sp, "name"))
			cJSON_AddStringToObject(p, "name", ctl_str(sp, "name"));
		cJSON_AddNumberToObject(p, "port", (double)port);
		cJSON_AddStringToObject(p, "protocol", ctl_str(sp, "protocol") ?: "TCP");
		cJSON_AddItemToArray(ports, p);
	}
	return ports;
}

static cJSON *address_of(const cJSON *pod)
{
	cJSON *a = cJSON_CreateObject(), *ref;

	cJSON_AddStringToObject(a, "ip", ctl_str(pod, "status.podIP"));
	if (ctl_str(pod, "spec.nodeName"))
		cJSON_AddStringToObject(a, "nodeName", ctl_str(pod, "spec.nodeName"));
	ref = cJSON_AddObjectToObject(a, "targetRef");
	cJSON_AddStringToObject(ref, "kind", "Pod");
	cJSON_AddStringToObject(ref, "namespace", ctl_str(pod, "metadata.namespace"));
	cJSON_AddStringToObject(ref, "name", ctl_str(pod, "metadata.name"));
	cJSON_AddStringToObject(ref, "uid", ctl_str(pod, "metadata.uid") ?: "");
	return a;
}

struct subsets_ctx {
	const cJSON *svc;
	cJSON *subsets;
};

/* The subset whose ports are @ports, created if there is none yet. */
static cJSON *subset_for(cJSON *subsets, cJSON *ports)
{
	cJSON *s;

	cJSON_ArrayForEach(s, subsets)
	{
		if (cJSON_Compare(cJSON_GetObjectItemCaseSensitive(s, "ports"), ports,
				  true)) {
			cJSON_Delete(ports);
			return s;
		}
	}
	s = cJSON_CreateObject();
	cJSON_AddArrayToObject(s, "addresses");
	cJSON_AddArrayToObject(s, "notReadyAddresses");
	cJSON_AddItemToObject(s, "ports", ports);
	cJSON_AddItemToArray(subsets, s);
	return s;
}

static int add_pod(void *ctx, const cJSON *pod)
{
	struct subsets_ctx *c = ctx;
	cJSON *ports, *subset;

	if (!service_selects(c->svc, ctl_get(pod, "metadata.labels")))
		return 0;
	/* TODO lab 10.6: which pods a Service sends traffic to
	 *
	 * Only a pod that can take traffic is an endpoint: it has an IP
	 * (status.podIP), it is not being deleted and has not finished
	 * (ctl_pod_active).  Skip the others.  Of the rest, a ready pod
	 * (ctl_pod_ready) goes into the subset's "addresses", a pod that is
	 * not ready into its "notReadyAddresses" (address_of(pod) makes the
	 * entry).  The subset is the one for the pod's resolved ports:
	 * ports_for(c->svc, pod), then subset_for(c->subsets, ports); a pod
	 * none of whose ports resolve (an empty array) is skipped.
	 *
	 */
	(void)ports; (void)subset; (void)address_of; (void)subset_for;
	(void)ports_for;
	
	return 0;
}

/* Drop the empty address lists, as the real controller writes them. */
static void tidy(cJSON *subsets)
{
	cJSON *s;

	cJSON_ArrayForEach(s, subsets)
	{
		if (cJSON_GetArraySize(
			    cJSON_GetObjectItemCaseSensitive(s, "addresses")) == 0)
			cJSON_DeleteItemFromObjectCaseSensitive(s, "addresses");
		if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
			    s, "notReadyAddresses")) == 0)
			cJSON_DeleteItemFromObjectCaseSensitive(s, "notReadyAddresses");
	}
}

int sync_endpoints(struct cm *cm, const char *key)
{
	cJSON *svc = kit_cache_get(kit_informer_cache(cm->svc), key);
	cJSON *eps = kit_cache_get(kit_informer_cache(cm->eps), key);
	struct kit_err err = { 0 };
	struct subsets_ctx c = { svc, cJSON_CreateArray() };
	const char *ns = ctl_str(svc ? svc : eps, "metadata.namespace");
	const char *name = ctl_str(svc ? svc : eps, "metadata.name");
	char path[600];
	int ret = 0;

	if (!svc) { /* the Service is gone: so are its Endpoints */
		if (eps) {
			cm_path("/api/v1", ns, "endpoints", name, NULL, path,
				sizeof(path));
			ret = kit_kube_request(cm->kube, "DELETE", path, NULL, NULL, NULL,
					       &err);
			if (ret < 0 && err.code != ENOENT)
				kit_warn("delete endpoints %s: %s", key, err.msg);
			ret = ret == -ENOENT ? 0 : ret;
		}
		goto out;
	}
	if (cJSON_GetArraySize(ctl_get(svc, "spec.selector")) == 0)
		goto out; /* no selector: the user's Endpoints */
	kit_cache_foreach(kit_informer_cache(cm->pods), ns, add_pod, &c);
	tidy(c.subsets);
	if (eps && ((cJSON_GetArraySize(ctl_get(eps, "subsets")) == 0 &&
		     cJSON_GetArraySize(c.subsets) == 0) ||
		    cJSON_Compare(ctl_get(eps, "subsets"), c.subsets, true)))
		goto out; /* as it should be */
	if (!eps) {
		cJSON *obj = cJSON_CreateObject(), *meta;

		cJSON_AddStringToObject(obj, "apiVersion", "v1");
		cJSON_AddStringToObject(obj, "kind", "Endpoints");
		meta = cJSON_AddObjectToObject(obj, "metadata");
		cJSON_AddStringToObject(meta, "name", name);
		cJSON_AddStringToObject(meta, "namespace", ns);
		if (ctl_get(svc, "metadata.labels"))
			cJSON_AddItemToObject(
				meta, "labels",
				cJSON_Duplicate(ctl_get(svc, "metadata.labels"), true));
		cJSON_AddItemToObject(obj, "subsets", cJSON_Duplicate(c.subsets, true));
		cm_path("/api/v1", ns, "endpoints", NULL, NULL, path, sizeof(path));
		ret = kit_kube_request(cm->kube, "POST", path, obj, NULL, NULL, &err);
		cJSON_Delete(obj);
	} else {
		/* a PUT of what we saw: 409 if it changed meanwhile, then again */
		cJSON_DeleteItemFromObjectCaseSensitive(eps, "subsets");
		cJSON_AddItemToObject(eps, "subsets", cJSON_Duplicate(c.subsets, true));
		cm_path("/api/v1", ns, "endpoints", name, NULL, path, sizeof(path));
		ret = kit_kube_request(cm->kube, "PUT", path, eps, NULL, NULL, &err);
	}
	if (ret < 0 && err.code == ECANCELED) {
		kit_debug("endpoints %s changed meanwhile: again", key);
	} else if (ret < 0) {
		kit_warn("update endpoints %s: %s", key, err.msg);
		ctl_event(cm->kube, "endpoint-controller", svc, "Service", "Warning",
			  "FailedToUpdateEndpoint", "Failed to update endpoint %s: %s",
			  key, err.msg);
	} else {
		kit_info("endpoints %s: %d subset(s)", key,
			 cJSON_GetArraySize(c.subsets));
	}
out:
	cJSON_Delete(c.subsets);
	cJSON_Delete(svc);
	cJSON_Delete(eps);
	return ret < 0 ? -EAGAIN : 0;
}
