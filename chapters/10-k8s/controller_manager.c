/* SPDX-License-Identifier: MIT */
/*
 * mini-controller-manager - the control loops that make the cluster what
 * its objects say it should be.
 *
 * Article: §6.1 (Controller Manager: "Deployment Controller ... ReplicaSet
 * Controller ... 不断地将当前状态调整为期望状态") and §6.4.1.  One process,
 * each controller an independent loop on the same parts:
 *
 *   informers (pods, replicasets, deployments)  ->  callbacks queue KEYS
 *   work queue (de-duplicated, back-off)        ->  a worker calls sync(KEY)
 *   sync(KEY) reads the caches, compares wanted with seen, and writes the
 *   difference through the API server
 *
 * Level-triggered: sync never asks "what happened?", only "what is there
 * and what should be?", so a missed event, a restart or a failed request
 * is repaired by the next sync (and every resync period calls it anyway).
 *
 *   Deployment  -> one ReplicaSet per pod template (named by the template's
 *                  hash), rolled from old to new within maxSurge and
 *                  maxUnavailable; status for `kubectl get deploy`
 *   ReplicaSet  -> creates and deletes Pods (with an ownerReference) until
 *                  it has spec.replicas; adopts matching orphans; deletes
 *                  unscheduled, pending, not-ready pods first
 *   Deployment history -> the revision annotation; `kubectl rollout undo`
 *                  puts an old template back and its ReplicaSet becomes the
 *                  new one again, with a new revision; revisionHistoryLimit
 *
 * The other controllers share this process, its informers and its main:
 * node lifecycle (controller_nodes.c), Endpoints (controller_endpoints.c),
 * garbage collector (controller_gc.c); controller_manager.h is what they
 * share.  Every pod change reaches the ReplicaSet, Endpoints and garbage
 * collector callbacks; each queues the keys it cares about.
 *
 * A controller that created 3 pods must not create 3 more because its
 * cache has not seen them yet: "expectations" count the creations and
 * deletions in flight, and a ReplicaSet is not resized until the informer
 * has seen them all (or 30 s have passed).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "controller_manager.h"
#include "kit/api_object.h"
#include "kit/api_select.h"
#include "kit/informer.h"
#include "kit/log.h"
#include "kit/workqueue.h"

static const char *prog = "mini-controller-manager";

#define HASH_LABEL       "pod-template-hash"
#define REVISION         "deployment.kubernetes.io/revision"
#define EXPECT_TIMEOUT_S 30
#define BURST            500 /* pods created or deleted per sync at most */

struct expectation {
	struct expectation *next;
	int add, del;
	time_t at;
	char key[];
};

/* ---- expectations ----------------------------------------------------------------- */

static struct expectation **exp_find(struct cm *cm, const char *key)
{
	struct expectation **p = &cm->exps;

	while (*p && strcmp((*p)->key, key) != 0)
		p = &(*p)->next;
	return p;
}

static void expect(struct cm *cm, const char *key, int add, int del)
{
	struct expectation **p, *e;

	pthread_mutex_lock(&cm->exp_lock);
	p = exp_find(cm, key);
	if (!*p && (e = calloc(1, sizeof(*e) + strlen(key) + 1))) {
		strcpy(e->key, key);
		*p = e;
	}
	if (*p) {
		(*p)->add = add;
		(*p)->del = del;
		(*p)->at = time(NULL);
	}
	pthread_mutex_unlock(&cm->exp_lock);
}

static void observe(struct cm *cm, const char *key, int add, int del)
{
	struct expectation **p;

	pthread_mutex_lock(&cm->exp_lock);
	p = exp_find(cm, key);
	if (*p) {
		(*p)->add -= add;
		(*p)->del -= del;
	}
	pthread_mutex_unlock(&cm->exp_lock);
}

static bool satisfied(struct cm *cm, const char *key)
{
	struct expectation **p;
	bool ok;

	pthread_mutex_lock(&cm->exp_lock);
	p = exp_find(cm, key);
	ok = !*p || ((*p)->add <= 0 && (*p)->del <= 0) ||
	     time(NULL) - (*p)->at > EXPECT_TIMEOUT_S;
	pthread_mutex_unlock(&cm->exp_lock);
	return ok;
}

static void exp_forget(struct cm *cm, const char *key)
{
	struct expectation **p, *e;

	pthread_mutex_lock(&cm->exp_lock);
	p = exp_find(cm, key);
	if ((e = *p)) {
		*p = e->next;
		free(e);
	}
	pthread_mutex_unlock(&cm->exp_lock);
}

/* ---- callbacks: turn changes into keys --------------------------------------------- */

/* "ns/name" of the controller of @obj if it is a @kind, into @buf. */
static bool owner_key(const cJSON *obj, const char *kind, char *buf, size_t size)
{
	const cJSON *ref = ctl_controller_ref(obj);
	const char *k = ctl_str(ref, "kind"), *name = ctl_str(ref, "name");

	if (!k || !name || strcmp(k, kind) != 0)
		return false;
	return snprintf(buf, size, "%s/%s", ctl_str(obj, "metadata.namespace"), name) <
	       (int)size;
}

struct orphan_ctx {
	struct cm *cm;
	const cJSON *labels;
};

static int queue_if_selects(void *ctx, const cJSON *rs)
{
	struct orphan_ctx *o = ctx;
	struct kit_selector sel;
	struct kit_err err = { 0 };
	char key[512];

	if (kit_selector_from_json(ctl_get(rs, "spec.selector"), &sel, &err) == 0 &&
	    sel.nterms > 0 && kit_selector_matches_labels(&sel, o->labels) &&
	    kit_object_key(rs, key, sizeof(key)))
		kit_wq_add(o->cm->rsq, key);
	kit_selector_release(&sel);
	return 0;
}

static void pod_event(struct cm *cm, const cJSON *pod, int added, int deleted)
{
	char key[512];

	if (owner_key(pod, "ReplicaSet", key, sizeof(key))) {
		if (added || deleted)
			observe(cm, key, added, deleted);
		kit_wq_add(cm->rsq, key);
	} else if (!ctl_controller_ref(pod) && !deleted) {
		/* an orphan: any ReplicaSet whose selector matches may adopt it */
		struct orphan_ctx o = { cm, ctl_get(pod, "metadata.labels") };

		kit_cache_foreach(kit_informer_cache(cm->rs),
				  ctl_str(pod, "metadata.namespace"), queue_if_selects,
				  &o);
	}
}

/* Every controller that reads pods hears of every change. */
static void pod_added(void *ctx, const cJSON *pod)
{
	pod_event(ctx, pod, 1, 0);
	endpoints_pod_changed(ctx, NULL, pod);
	gc_changed(ctx, "pods", pod);
}

static void pod_updated(void *ctx, const cJSON *old, const cJSON *pod)
{
	struct cm *cm = ctx;
	char a[512], b[512];

	/* A pod whose owner changed (adopted, released) concerns both. */
	if (old != pod && owner_key(old, "ReplicaSet", a, sizeof(a)) &&
	    !(owner_key(pod, "ReplicaSet", b, sizeof(b)) && strcmp(a, b) == 0))
		kit_wq_add(cm->rsq, a);
	pod_event(cm, pod, 0, 0);
	endpoints_pod_changed(cm, old, pod);
	gc_changed(cm, "pods", pod);
}

static void pod_deleted(void *ctx, const cJSON *pod)
{
	pod_event(ctx, pod, 0, 1);
	endpoints_pod_changed(ctx, pod, NULL);
	gc_deleted(ctx, "pods", pod);
}

static void rs_changed(void *ctx, const cJSON *rs)
{
	struct cm *cm = ctx;
	char key[512];

	if (kit_object_key(rs, key, sizeof(key)))
		kit_wq_add(cm->rsq, key);
	if (owner_key(rs, "Deployment", key, sizeof(key)))
		kit_wq_add(cm->dq, key);
}

static void rs_added(void *ctx, const cJSON *rs)
{
	rs_changed(ctx, rs);
	gc_changed(ctx, "replicasets", rs);
}

static void rs_updated(void *ctx, const cJSON *old, const cJSON *rs)
{
	(void)old;
	rs_added(ctx, rs);
}

static void rs_deleted(void *ctx, const cJSON *rs)
{
	rs_changed(ctx, rs);
	gc_deleted(ctx, "replicasets", rs);
}

static void deploy_changed(void *ctx, const cJSON *d)
{
	struct cm *cm = ctx;
	char key[512];

	if (kit_object_key(d, key, sizeof(key)))
		kit_wq_add(cm->dq, key);
}

static void deploy_added(void *ctx, const cJSON *d)
{
	deploy_changed(ctx, d);
	gc_changed(ctx, "deployments", d);
}

static void deploy_updated(void *ctx, const cJSON *old, const cJSON *d)
{
	(void)old;
	deploy_added(ctx, d);
}

static void deploy_deleted(void *ctx, const cJSON *d)
{
	deploy_changed(ctx, d);
	gc_deleted(ctx, "deployments", d);
}

static void svc_changed(void *ctx, const cJSON *svc)
{
	endpoints_service_changed(ctx, svc);
}

static void svc_updated(void *ctx, const cJSON *old, const cJSON *svc)
{
	(void)old;
	endpoints_service_changed(ctx, svc);
}

static void eps_updated(void *ctx, const cJSON *old, const cJSON *eps)
{
	(void)old;
	endpoints_service_changed(ctx, eps); /* same key: the service's */
}

/* ---- reading the caches ----------------------------------------------------------------- */

/* Copies of the objects of one namespace that @want accepts. */
struct gather {
	const cJSON *owner;
	struct kit_selector *sel; /* orphans matching it are taken too */
	cJSON *owned, *orphans;   /* arrays */
	bool pods;
};

static int gather_one(void *ctx, const cJSON *obj)
{
	struct gather *g = ctx;
	const cJSON *ref = ctl_controller_ref(obj);
	const char *uid = ctl_str(g->owner, "metadata.uid");

	if (g->pods && !ctl_pod_active(obj))
		return 0;
	if (ref) {
		const char *ruid = ctl_str(ref, "uid");

		if (ruid && uid && strcmp(ruid, uid) == 0)
			cJSON_AddItemToArray(g->owned, cJSON_Duplicate(obj, true));
	} else if (g->sel && g->sel->nterms > 0 &&
		   kit_selector_matches_labels(g->sel, ctl_get(obj, "metadata.labels"))) {
		cJSON_AddItemToArray(g->orphans, cJSON_Duplicate(obj, true));
	}
	return 0;
}

char *cm_path(const char *prefix, const char *ns, const char *res, const char *name,
	      const char *sub, char *buf, size_t size)
{
	snprintf(buf, size, "%s/namespaces/%s/%s%s%s%s%s", prefix, ns, res,
		 name ? "/" : "", name ? name : "", sub ? "/" : "", sub ? sub : "");
	return buf;
}

int64_t cm_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the ReplicaSet controller ----------------------------------------------------- */

/* Which pod to delete first: lower rank goes first (client-go's ActivePods). */
static int pod_rank_cmp(const void *pa, const void *pb)
{
	const cJSON *a = *(const cJSON *const *)pa, *b = *(const cJSON *const *)pb;
	const char *na = ctl_str(a, "spec.nodeName"), *nb = ctl_str(b, "spec.nodeName");
	const char *pha = ctl_str(a, "status.phase"), *phb = ctl_str(b, "status.phase");
	int sa = na && *na, sb = nb && *nb, ra, rb;
	time_t ta, tb;

	if (sa != sb) /* 1. not scheduled before scheduled */
		return sa - sb;
	ra = !pha || strcmp(pha, "Pending") == 0 ? 0
	     : strcmp(pha, "Running") == 0       ? 2
						 : 1;
	rb = !phb || strcmp(phb, "Pending") == 0 ? 0
	     : strcmp(phb, "Running") == 0       ? 2
						 : 1;
	if (ra != rb) /* 2. Pending before Unknown before Running */
		return ra - rb;
	ra = ctl_pod_ready(a);
	rb = ctl_pod_ready(b);
	if (ra != rb) /* 3. not ready before ready */
		return ra - rb;
	/* 4. the newer first: it has done the least work */
	ta = kit_api_time_parse(ctl_str(a, "metadata.creationTimestamp"));
	tb = kit_api_time_parse(ctl_str(b, "metadata.creationTimestamp"));
	return ta > tb ? -1 : ta < tb ? 1 : 0;
}

static int adopt(struct cm *cm, const cJSON *rs, const cJSON *pod, struct kit_err *err)
{
	cJSON *patch = cJSON_CreateObject(), *refs;
	char path[600];
	int ret;

	refs = cJSON_AddArrayToObject(cJSON_AddObjectToObject(patch, "metadata"),
				      "ownerReferences");
	cJSON_AddItemToArray(refs, ctl_owner_ref(rs, "apps/v1", "ReplicaSet"));
	/* the pod must still be the one we saw: a precondition on its uid */
	cJSON_AddStringToObject(cJSON_GetObjectItem(patch, "metadata"), "uid",
				ctl_str(pod, "metadata.uid"));
	cm_path("/api/v1", ctl_str(pod, "metadata.namespace"), "pods",
		ctl_str(pod, "metadata.name"), NULL, path, sizeof(path));
	ret = kit_kube_request(cm->kube, "PATCH", path, patch, NULL, NULL, err);
	cJSON_Delete(patch);
	return ret;
}

static int create_pod(struct cm *cm, const cJSON *rs, struct kit_err *err)
{
	const cJSON *tmpl = ctl_get(rs, "spec.template");
	const char *ns = ctl_str(rs, "metadata.namespace");
	cJSON *pod = cJSON_CreateObject(), *meta, *refs, *created = NULL;
	char gen[300], path[400];
	int ret;

	cJSON_AddStringToObject(pod, "apiVersion", "v1");
	cJSON_AddStringToObject(pod, "kind", "Pod");
	meta = ctl_get(tmpl, "metadata")
		       ? cJSON_Duplicate(ctl_get(tmpl, "metadata"), true)
		       : cJSON_CreateObject();
	cJSON_DeleteItemFromObjectCaseSensitive(meta, "name");
	cJSON_DeleteItemFromObjectCaseSensitive(meta, "creationTimestamp");
	snprintf(gen, sizeof(gen), "%s-", ctl_str(rs, "metadata.name"));
	ctl_set_str(meta, "generateName", gen);
	ctl_set_str(meta, "namespace", ns);
	refs = cJSON_AddArrayToObject(meta, "ownerReferences");
	cJSON_AddItemToArray(refs, ctl_owner_ref(rs, "apps/v1", "ReplicaSet"));
	cJSON_AddItemToObject(pod, "metadata", meta);
	cJSON_AddItemToObject(pod, "spec", cJSON_Duplicate(ctl_get(tmpl, "spec"), true));
	cm_path("/api/v1", ns, "pods", NULL, NULL, path, sizeof(path));
	ret = kit_kube_request(cm->kube, "POST", path, pod, NULL, &created, err);
	if (ret == 0)
		ctl_event(cm->kube, "replicaset-controller", rs, "ReplicaSet", "Normal",
			  "SuccessfulCreate", "Created pod: %s",
			  ctl_str(created, "metadata.name"));
	cJSON_Delete(created);
	cJSON_Delete(pod);
	return ret;
}

static int delete_pod(struct cm *cm, const cJSON *rs, const cJSON *pod,
		      struct kit_err *err)
{
	char path[600];
	int ret;

	cm_path("/api/v1", ctl_str(pod, "metadata.namespace"), "pods",
		ctl_str(pod, "metadata.name"), NULL, path, sizeof(path));
	ret = kit_kube_request(cm->kube, "DELETE", path, NULL, NULL, NULL, err);
	if (ret == 0)
		ctl_event(cm->kube, "replicaset-controller", rs, "ReplicaSet", "Normal",
			  "SuccessfulDelete", "Deleted pod: %s",
			  ctl_str(pod, "metadata.name"));
	return ret == -ENOENT ? 0 : ret;
}

static void rs_status(struct cm *cm, const cJSON *rs, const cJSON *pods,
		      struct kit_err *err)
{
	int64_t n = cJSON_GetArraySize(pods), ready = 0, labeled = 0;
	const cJSON *pod, *tl = ctl_get(rs, "spec.template.metadata.labels");
	cJSON *patch, *st;
	char path[600];

	cJSON_ArrayForEach(pod, pods)
	{
		const cJSON *l;
		bool all = true;

		ready += ctl_pod_ready(pod);
		cJSON_ArrayForEach(l, tl)
		{
			const char *v =
				ctl_str(ctl_get(pod, "metadata.labels"), l->string);

			if (!v || !cJSON_IsString(l) || strcmp(v, l->valuestring) != 0)
				all = false;
		}
		labeled += all;
	}
	if (ctl_int(rs, "status.replicas", -1) == n &&
	    ctl_int(rs, "status.readyReplicas", 0) == ready &&
	    ctl_int(rs, "status.availableReplicas", 0) == ready &&
	    ctl_int(rs, "status.fullyLabeledReplicas", 0) == labeled &&
	    ctl_int(rs, "status.observedGeneration", 0) ==
		    ctl_int(rs, "metadata.generation", 0))
		return;
	patch = cJSON_CreateObject();
	st = cJSON_AddObjectToObject(patch, "status");
	cJSON_AddNumberToObject(st, "replicas", (double)n);
	cJSON_AddNumberToObject(st, "fullyLabeledReplicas", (double)labeled);
	cJSON_AddNumberToObject(st, "readyReplicas", (double)ready);
	cJSON_AddNumberToObject(st, "availableReplicas", (double)ready);
	cJSON_AddNumberToObject(st, "observedGeneration",
				(double)ctl_int(rs, "metadata.generation", 0));
	cm_path("/apis/apps/v1", ctl_str(rs, "metadata.namespace"), "replicasets",
		ctl_str(rs, "metadata.name"), "status", path, sizeof(path));
	if (kit_kube_request(cm->kube, "PATCH", path, patch, NULL, NULL, err) < 0)
		kit_warn("update status of replicaset %s: %s",
			 ctl_str(rs, "metadata.name"), err->msg);
	cJSON_Delete(patch);
}

static int sync_rs(struct cm *cm, const char *key)
{
	cJSON *rs = kit_cache_get(kit_informer_cache(cm->rs), key), *pod;
	struct gather g = { .pods = true };
	struct kit_selector sel = { 0 };
	struct kit_err err = { 0 };
	int64_t want, diff;
	int ret = 0, failed = 0;

	if (!rs) { /* deleted: its pods are the garbage collector's */
		exp_forget(cm, key);
		return 0;
	}
	if (kit_selector_from_json(ctl_get(rs, "spec.selector"), &sel, &err) < 0) {
		kit_warn("replicaset %s: %s", key, err.msg);
		goto out;
	}
	g.owner = rs;
	g.sel = &sel;
	g.owned = cJSON_CreateArray();
	g.orphans = cJSON_CreateArray();
	kit_cache_foreach(kit_informer_cache(cm->pods), ctl_str(rs, "metadata.namespace"),
			  gather_one, &g);
	/* adopt the orphans the selector matches (not while being deleted) */
	while (!ctl_str(rs, "metadata.deletionTimestamp") &&
	       (pod = cJSON_DetachItemFromArray(g.orphans, 0))) {
		if (adopt(cm, rs, pod, &err) == 0) {
			kit_info("replicaset %s adopted pod %s", key,
				 ctl_str(pod, "metadata.name"));
			cJSON_AddItemToArray(g.owned, pod);
		} else {
			cJSON_Delete(pod);
		}
	}
	want = ctl_int(rs, "spec.replicas", 1);
	diff = want - cJSON_GetArraySize(g.owned);
	/* Being deleted: no new pods (the garbage collector takes them). */
	if (ctl_str(rs, "metadata.deletionTimestamp"))
		diff = 0;
	if (diff != 0 && satisfied(cm, key)) {
		if (diff > 0) {
			int n = diff > BURST ? BURST : (int)diff;

			expect(cm, key, n, 0);
			for (int i = 0; i < n; i++)
				if (create_pod(cm, rs, &err) < 0) {
					kit_warn("replicaset %s: create pod: %s", key,
						 err.msg);
					observe(cm, key, 1,
						0); /* it will never be seen */
					failed++;
				}
		} else {
			int n = -diff > BURST ? BURST : (int)-diff,
			    size = cJSON_GetArraySize(g.owned);
			const cJSON **sorted = calloc((size_t)size, sizeof(*sorted));
			int k = 0;

			cJSON_ArrayForEach(pod, g.owned) sorted[k++] = pod;
			qsort(sorted, (size_t)size, sizeof(*sorted), pod_rank_cmp);
			expect(cm, key, 0, n);
			for (int i = 0; i < n; i++)
				if (delete_pod(cm, rs, sorted[i], &err) < 0) {
					kit_warn("replicaset %s: delete pod: %s", key,
						 err.msg);
					observe(cm, key, 0, 1);
					failed++;
				}
			free(sorted);
		}
	}
	rs_status(cm, rs, g.owned, &err);
	ret = failed ? -EAGAIN : 0;
out:
	kit_selector_release(&sel);
	cJSON_Delete(g.owned);
	cJSON_Delete(g.orphans);
	cJSON_Delete(rs);
	return ret;
}

/* ---- the Deployment controller ---------------------------------------------------- */

/*
 * The pod template's hash, as Kubernetes spells it: FNV-1a of the template,
 * its decimal digits mapped to letters and digits that make no words.
 */
static void template_hash(const cJSON *tmpl, char out[16])
{
	static const char safe[] = "bcdfghjklmnpqrstvwxz2456789";
	char *text = cJSON_PrintUnformatted(tmpl), dec[16];
	uint32_t h = 2166136261u;
	size_t i;

	for (const char *p = text ? text : ""; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	free(text);
	snprintf(dec, sizeof(dec), "%u", h);
	for (i = 0; dec[i] && i < 15; i++)
		out[i] = safe[(unsigned char)dec[i] % (sizeof(safe) - 1)];
	out[i] = '\0';
}

/* maxSurge / maxUnavailable: a number or a percentage of @total. */
static int64_t int_or_percent(const cJSON *v, int64_t total, bool round_up, int64_t def)
{
	if (cJSON_IsNumber(v))
		return (int64_t)v->valuedouble;
	if (cJSON_IsString(v)) {
		double pct = strtod(v->valuestring, NULL) * (double)total / 100.0;

		return (int64_t)(round_up ? ceil(pct) : floor(pct));
	}
	return def;
}

static int scale_rs(struct cm *cm, const cJSON *d, const cJSON *rs, int64_t n,
		    struct kit_err *err)
{
	cJSON *patch = cJSON_CreateObject();
	char path[600];
	int ret;

	cJSON_AddNumberToObject(cJSON_AddObjectToObject(patch, "spec"), "replicas",
				(double)n);
	cm_path("/apis/apps/v1", ctl_str(rs, "metadata.namespace"), "replicasets",
		ctl_str(rs, "metadata.name"), NULL, path, sizeof(path));
	ret = kit_kube_request(cm->kube, "PATCH", path, patch, NULL, NULL, err);
	cJSON_Delete(patch);
	if (ret == 0)
		ctl_event(cm->kube, "deployment-controller", d, "Deployment", "Normal",
			  "ScalingReplicaSet", "Scaled %s replica set %s to %lld",
			  n > ctl_int(rs, "spec.replicas", 0) ? "up" : "down",
			  ctl_str(rs, "metadata.name"), (long long)n);
	return ret;
}

static int create_rs(struct cm *cm, const cJSON *d, const char *hash, int64_t replicas,
		     int64_t revision, struct kit_err *err)
{
	cJSON *rs = cJSON_CreateObject(), *meta, *spec, *tmpl, *sel, *ann, *refs;
	const char *ns = ctl_str(d, "metadata.namespace");
	char name[300], path[400], rev[24];
	int ret;

	snprintf(name, sizeof(name), "%s-%s", ctl_str(d, "metadata.name"), hash);
	snprintf(rev, sizeof(rev), "%lld", (long long)revision);
	cJSON_AddStringToObject(rs, "apiVersion", "apps/v1");
	cJSON_AddStringToObject(rs, "kind", "ReplicaSet");
	meta = cJSON_AddObjectToObject(rs, "metadata");
	cJSON_AddStringToObject(meta, "name", name);
	cJSON_AddStringToObject(meta, "namespace", ns);
	tmpl = cJSON_Duplicate(ctl_get(d, "spec.template"), true);
	ctl_set_str(ctl_obj(tmpl, "metadata.labels"), HASH_LABEL, hash);
	cJSON_AddItemToObject(meta, "labels",
			      cJSON_Duplicate(ctl_get(tmpl, "metadata.labels"), true));
	ann = cJSON_AddObjectToObject(meta, "annotations");
	cJSON_AddStringToObject(ann, REVISION, rev);
	refs = cJSON_AddArrayToObject(meta, "ownerReferences");
	cJSON_AddItemToArray(refs, ctl_owner_ref(d, "apps/v1", "Deployment"));
	spec = cJSON_AddObjectToObject(rs, "spec");
	cJSON_AddNumberToObject(spec, "replicas", (double)replicas);
	sel = cJSON_Duplicate(ctl_get(d, "spec.selector"), true);
	ctl_set_str(ctl_obj(sel, "matchLabels"), HASH_LABEL, hash);
	cJSON_AddItemToObject(spec, "selector", sel);
	cJSON_AddItemToObject(spec, "template", tmpl);
	cm_path("/apis/apps/v1", ns, "replicasets", NULL, NULL, path, sizeof(path));
	ret = kit_kube_request(cm->kube, "POST", path, rs, NULL, NULL, err);
	cJSON_Delete(rs);
	if (ret == 0)
		ctl_event(cm->kube, "deployment-controller", d, "Deployment", "Normal",
			  "ScalingReplicaSet", "Scaled up replica set %s to %lld", name,
			  (long long)replicas);
	return ret;
}

static int cmp_age(const void *pa, const void *pb)
{
	const cJSON *a = *(const cJSON *const *)pa, *b = *(const cJSON *const *)pb;
	time_t ta = kit_api_time_parse(ctl_str(a, "metadata.creationTimestamp"));
	time_t tb = kit_api_time_parse(ctl_str(b, "metadata.creationTimestamp"));

	return ta < tb ? -1 : ta > tb;
}

static void deploy_status(struct cm *cm, const cJSON *d, const cJSON *all,
			  const cJSON *nrs, int64_t max_unavail, struct kit_err *err)
{
	int64_t want = ctl_int(d, "spec.replicas", 1), replicas = 0, ready = 0, avail = 0;
	int64_t updated = nrs ? ctl_int(nrs, "status.replicas", 0) : 0;
	const cJSON *rs;
	cJSON *patch, *st, *conds, *c;
	char path[600], now[32];
	bool available;

	cJSON_ArrayForEach(rs, all)
	{
		replicas += ctl_int(rs, "status.replicas", 0);
		ready += ctl_int(rs, "status.readyReplicas", 0);
		avail += ctl_int(rs, "status.availableReplicas", 0);
	}
	available = avail >= want - max_unavail;
	if (ctl_int(d, "status.replicas", -1) == replicas &&
	    ctl_int(d, "status.updatedReplicas", -1) == updated &&
	    ctl_int(d, "status.readyReplicas", -1) == ready &&
	    ctl_int(d, "status.availableReplicas", -1) == avail &&
	    ctl_int(d, "status.observedGeneration", -1) ==
		    ctl_int(d, "metadata.generation", 0))
		return;
	patch = cJSON_CreateObject();
	st = cJSON_AddObjectToObject(patch, "status");
	cJSON_AddNumberToObject(st, "observedGeneration",
				(double)ctl_int(d, "metadata.generation", 0));
	cJSON_AddNumberToObject(st, "replicas", (double)replicas);
	cJSON_AddNumberToObject(st, "updatedReplicas", (double)updated);
	cJSON_AddNumberToObject(st, "readyReplicas", (double)ready);
	cJSON_AddNumberToObject(st, "availableReplicas", (double)avail);
	cJSON_AddNumberToObject(st, "unavailableReplicas",
				(double)(want - avail > 0 ? want - avail : 0));
	conds = cJSON_AddArrayToObject(st, "conditions");
	c = cJSON_CreateObject();
	ctl_now(now);
	cJSON_AddStringToObject(c, "type", "Available");
	cJSON_AddStringToObject(c, "status", available ? "True" : "False");
	cJSON_AddStringToObject(c, "reason",
				available ? "MinimumReplicasAvailable"
					  : "MinimumReplicasUnavailable");
	cJSON_AddStringToObject(
		c, "message",
		available ? "Deployment has minimum availability."
			  : "Deployment does not have minimum availability.");
	cJSON_AddStringToObject(c, "lastUpdateTime", now);
	cJSON_AddStringToObject(c, "lastTransitionTime", now);
	cJSON_AddItemToArray(conds, c);
	c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "type", "Progressing");
	cJSON_AddStringToObject(c, "status", "True");
	cJSON_AddStringToObject(c, "reason",
				updated == want && replicas == want
					? "NewReplicaSetAvailable"
					: "ReplicaSetUpdated");
	cJSON_AddStringToObject(c, "message",
				"mini-controller-manager is rolling it out");
	cJSON_AddStringToObject(c, "lastUpdateTime", now);
	cJSON_AddStringToObject(c, "lastTransitionTime", now);
	cJSON_AddItemToArray(conds, c);
	cm_path("/apis/apps/v1", ctl_str(d, "metadata.namespace"), "deployments",
		ctl_str(d, "metadata.name"), "status", path, sizeof(path));
	if (kit_kube_request(cm->kube, "PATCH", path, patch, NULL, NULL, err) < 0)
		kit_warn("update status of deployment %s: %s",
			 ctl_str(d, "metadata.name"), err->msg);
	cJSON_Delete(patch);
}

/* The template of @rs is @tmpl, but for the pod-template-hash label. */
static bool same_template(const cJSON *rs_tmpl, const cJSON *tmpl)
{
	cJSON *a = cJSON_Duplicate(rs_tmpl, true);
	cJSON *labels = (cJSON *)ctl_get(a, "metadata.labels");
	bool same;

	cJSON_DeleteItemFromObjectCaseSensitive(labels, HASH_LABEL);
	same = a && tmpl && cJSON_Compare(a, tmpl, true);
	cJSON_Delete(a);
	return same;
}

/* The revision annotation (its name has dots: no ctl_str path for it). */
static int64_t revision_of(const cJSON *obj)
{
	const cJSON *rev = cJSON_GetObjectItemCaseSensitive(
		ctl_get(obj, "metadata.annotations"), REVISION);

	return cJSON_IsString(rev) ? strtoll(rev->valuestring, NULL, 10) : 0;
}

/* The revision annotation of a ReplicaSet or the Deployment itself. */
static void set_revision(struct cm *cm, const cJSON *obj, const char *res, int64_t rev)
{
	cJSON *patch = cJSON_CreateObject(), *ann;
	struct kit_err err = { 0 };
	char path[600], text[24];

	snprintf(text, sizeof(text), "%lld", (long long)rev);
	ann = cJSON_AddObjectToObject(cJSON_AddObjectToObject(patch, "metadata"),
				      "annotations");
	cJSON_AddStringToObject(ann, REVISION, text);
	cm_path("/apis/apps/v1", ctl_str(obj, "metadata.namespace"), res,
		ctl_str(obj, "metadata.name"), NULL, path, sizeof(path));
	if (kit_kube_request(cm->kube, "PATCH", path, patch, NULL, NULL, &err) < 0)
		kit_warn("set revision of %s %s: %s", res, ctl_str(obj, "metadata.name"),
			 err.msg);
	cJSON_Delete(patch);
}

static int cmp_revision(const void *pa, const void *pb)
{
	int64_t a = revision_of(*(const cJSON *const *)pa);
	int64_t b = revision_of(*(const cJSON *const *)pb);

	return a < b ? -1 : a > b;
}

/*
 * spec.revisionHistoryLimit: old ReplicaSets that run nothing are the
 * history `kubectl rollout undo` goes back to; beyond the limit the
 * oldest revisions are deleted.
 */
static void cleanup_history(struct cm *cm, const cJSON *d, const cJSON **olds, int nold)
{
	int64_t limit = ctl_int(d, "spec.revisionHistoryLimit", 10);
	const cJSON **idle = calloc((size_t)nold + 1, sizeof(*idle));
	int n = 0;

	for (int i = 0; idle && i < nold; i++)
		if (ctl_int(olds[i], "spec.replicas", 0) == 0 &&
		    ctl_int(olds[i], "status.replicas", 0) == 0 &&
		    !ctl_str(olds[i], "metadata.deletionTimestamp"))
			idle[n++] = olds[i];
	if (idle)
		qsort(idle, (size_t)n, sizeof(*idle), cmp_revision);
	for (int i = 0; idle && i < n - limit; i++) {
		struct kit_err err = { 0 };
		char path[600];

		cm_path("/apis/apps/v1", ctl_str(idle[i], "metadata.namespace"),
			"replicasets", ctl_str(idle[i], "metadata.name"), NULL, path,
			sizeof(path));
		if (kit_kube_request(cm->kube, "DELETE", path, NULL, NULL, NULL, &err) <
			    0 &&
		    err.code != ENOENT)
			kit_warn("delete old replicaset: %s", err.msg);
		else
			kit_info("deployment %s: revision %lld deleted "
				 "(revisionHistoryLimit %lld)",
				 ctl_str(d, "metadata.name"),
				 (long long)revision_of(idle[i]), (long long)limit);
	}
	free(idle);
}

static int sync_deployment(struct cm *cm, const char *key)
{
	cJSON *d = kit_cache_get(kit_informer_cache(cm->deploy), key), *rs;
	struct gather g = { 0 };
	struct kit_err err = { 0 };
	const cJSON *nrs = NULL, **olds = NULL;
	const char *strategy;
	char hash[16];
	int64_t want, surge, unavail, revision = 0, total = 0, avail_total = 0;
	int nold = 0, ret = 0;

	if (!d)
		return 0;
	want = ctl_int(d, "spec.replicas", 1);
	template_hash(ctl_get(d, "spec.template"), hash);
	g.owner = d;
	g.owned = cJSON_CreateArray();
	g.orphans = cJSON_CreateArray();
	kit_cache_foreach(kit_informer_cache(cm->rs), ctl_str(d, "metadata.namespace"),
			  gather_one, &g);
	olds = calloc((size_t)cJSON_GetArraySize(g.owned) + 1, sizeof(*olds));
	/* The new ReplicaSet is the one whose template is the Deployment's
	 * (after `rollout undo` an old one becomes new again). */
	cJSON_ArrayForEach(rs, g.owned)
	{
		if (!nrs && same_template(ctl_get(rs, "spec.template"),
					  ctl_get(d, "spec.template")))
			nrs = rs;
	}
	cJSON_ArrayForEach(rs, g.owned)
	{
		const char *h = ctl_str(rs, "metadata.labels." HASH_LABEL);

		if (!nrs && h && strcmp(h, hash) == 0)
			nrs = rs;
		if (rs != nrs && revision_of(rs) > revision)
			revision = revision_of(rs); /* the newest old one */
		total += ctl_int(rs, "spec.replicas", 0);
		avail_total += ctl_int(rs, "status.availableReplicas", 0);
		if (rs != nrs)
			olds[nold++] = rs;
	}
	qsort(olds, (size_t)nold, sizeof(*olds), cmp_age);
	strategy = ctl_str(d, "spec.strategy.type");
	surge = int_or_percent(ctl_get(d, "spec.strategy.rollingUpdate.maxSurge"), want,
			       true, (want * 25 + 99) / 100);
	unavail = int_or_percent(ctl_get(d, "spec.strategy.rollingUpdate.maxUnavailable"),
				 want, false, want * 25 / 100);
	if (surge == 0 && unavail == 0)
		unavail = 1;
	if (strategy && strcmp(strategy, "Recreate") == 0)
		surge = 0, unavail = want;
	if (cJSON_IsTrue(ctl_get(d, "spec.paused")))
		goto status;
	if (ctl_str(d, "metadata.deletionTimestamp"))
		goto status; /* being deleted: the garbage collector's now */
	if (nrs && revision_of(nrs) <= revision)
		set_revision(cm, nrs, "replicasets", revision + 1);
	if (nrs) {
		int64_t nr =
			revision_of(nrs) > revision ? revision_of(nrs) : revision + 1;

		if (revision_of(d) != nr)
			set_revision(cm, d, "deployments", nr);
	}
	cleanup_history(cm, d, olds, nold);
	if (!nrs) {
		int64_t start = 0;
		bool olds_active = false;

		for (int i = 0; i < nold; i++)
			olds_active |= ctl_int(olds[i], "spec.replicas", 0) > 0;
		if (!olds_active)
			start = want;
		else if (strategy && strcmp(strategy, "Recreate") == 0)
			start = 0;
		else
			start = want + surge - total > 0 ? (want + surge - total < want
								    ? want + surge - total
								    : want)
							 : 0;
		ret = create_rs(cm, d, hash, start, revision + 1, &err);
		if (ret < 0 && ret != -EEXIST)
			kit_warn("deployment %s: create replicaset: %s", key, err.msg);
		ret = ret < 0 ? -EAGAIN : 0; /* the informer brings it; sync again */
		goto out;
	}
	{
		int64_t nspec = ctl_int(nrs, "spec.replicas", 0);
		int64_t old_pods = 0;

		for (int i = 0; i < nold; i++)
			old_pods += ctl_int(olds[i], "status.replicas", 0) +
				    ctl_int(olds[i], "spec.replicas", 0);
		if (strategy && strcmp(strategy, "Recreate") == 0) {
			for (int i = 0; i < nold; i++)
				if (ctl_int(olds[i], "spec.replicas", 0) > 0)
					scale_rs(cm, d, olds[i], 0, &err);
			if (old_pods == 0 && nspec != want)
				scale_rs(cm, d, nrs, want, &err);
			goto status;
		}
		/* Rolling update.  Up: as far as maxSurge lets the total go. */
		if (nold == 0 || old_pods == 0) {
			if (nspec != want)
				scale_rs(cm, d, nrs, want, &err);
		} else if (nspec < want) {
			int64_t room = want + surge - total;

			if (room > 0)
				scale_rs(cm, d, nrs,
					 nspec + (room < want - nspec ? room
								      : want - nspec),
					 &err);
		} else if (nspec > want) {
			scale_rs(cm, d, nrs, want, &err);
		}
		/* Down: old pods, as far as maxUnavailable lets availability drop. */
		{
			int64_t min_avail = want - unavail,
				budget = avail_total - min_avail;

			for (int i = 0; i < nold; i++) {
				int64_t spec = ctl_int(olds[i], "spec.replicas", 0);
				int64_t avail =
					ctl_int(olds[i], "status.availableReplicas", 0);
				int64_t cut =
					spec - avail; /* unhealthy ones go first, free */

				if (spec == 0)
					continue;
				int64_t take;

				if (cut < 0)
					cut = 0;
				take = budget < spec - cut ? budget : spec - cut;
				if (take > 0) {
					cut += take;
					budget -= take;
				}
				if (cut > 0)
					scale_rs(cm, d, olds[i], spec - cut, &err);
			}
		}
	}
status:
	deploy_status(cm, d, g.owned, nrs, unavail, &err);
out:
	free(olds);
	cJSON_Delete(g.owned);
	cJSON_Delete(g.orphans);
	cJSON_Delete(d);
	return ret;
}

/* ---- main ------------------------------------------------------------------------- */

struct worker {
	struct cm *cm;
	struct kit_wq *q;
	int (*sync)(struct cm *cm, const char *key);
};

static void *work(void *arg)
{
	struct worker *w = arg;
	char *key;

	while (kit_wq_get(w->q, &key) == 0) {
		if (w->sync(w->cm, key) < 0)
			kit_wq_add_rate_limited(w->q, key);
		else
			kit_wq_forget(w->q, key);
		kit_wq_done(w->q, key);
		free(key);
	}
	return NULL;
}

static void __attribute__((noreturn)) usage(FILE *out, int status)
{
	fprintf(out,
		"usage: %s --kubeconfig FILE [--resync-period DURATION]\n"
		"       [--node-monitor-grace-period DURATION] [--node-monitor-period DURATION]\n"
		"       [--node-eviction-rate PODS_PER_SECOND] [--verbose]\n"
		"\n"
		"Run the Deployment, ReplicaSet, node lifecycle, Endpoints and garbage\n"
		"collector controllers against the API server in FILE.\n"
		"  --resync-period (30s): how often every object is reconciled anyway\n"
		"  --node-monitor-grace-period (40s): a node whose lease is not renewed\n"
		"      for that long becomes NotReady (Ready=Unknown) and is tainted\n"
		"      node.kubernetes.io/unreachable:NoExecute\n"
		"  --node-monitor-period (5s): how often the nodes are checked\n"
		"  --node-eviction-rate (0.1): pods deleted per second at most from\n"
		"      NoExecute-tainted nodes once their tolerationSeconds are over\n"
		"      (the tolerationSeconds default, 300, is the API server's\n"
		"      --default-unreachable-toleration-seconds)\n"
		"Durations as Kubernetes writes them: 500ms, 5s, 1m.  SIGTERM stops it.\n",
		prog);
	exit(status);
}

/* A duration flag of at least @min_ms, or a usage error saying so. */
static int64_t duration_arg(const char *flag, const char *text, int64_t min_ms)
{
	int64_t ms = ctl_duration_ms(text);

	if (ms < min_ms) {
		fprintf(stderr,
			"%s: %s: \"%s\" is not a duration of %lldms or more (5s, 1m)\n",
			prog, flag, text, (long long)min_ms);
		usage(stderr, 2);
	}
	return ms;
}

int main(int argc, char **argv)
{
	enum { O_GRACE = 0x100, O_MONITOR, O_RATE };
	static const struct option longopts[] = {
		{ "kubeconfig", required_argument, NULL, 'k' },
		{ "resync-period", required_argument, NULL, 'r' },
		{ "node-monitor-grace-period", required_argument, NULL, O_GRACE },
		{ "node-monitor-period", required_argument, NULL, O_MONITOR },
		{ "node-eviction-rate", required_argument, NULL, O_RATE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct cm cm = { .o = { .resync_ms = 30000,
				.grace_ms = 40000,
				.monitor_ms = 5000,
				.eviction_rate = 0.1 } };
	struct kit_err err = { 0 };
	const char *kubeconfig = NULL;
	enum { NWORKERS = 5 };
	struct worker w[NWORKERS];
	pthread_t threads[NWORKERS], nodes_thread;
	sigset_t stop;
	int c, sig;
	char *end;

	kit_log_init(prog);
	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'k': kubeconfig = optarg; break;
		case 'r':
			cm.o.resync_ms = duration_arg("--resync-period", optarg, 1000);
			break;
		case O_GRACE:
			cm.o.grace_ms =
				duration_arg("--node-monitor-grace-period", optarg, 1000);
			break;
		case O_MONITOR:
			cm.o.monitor_ms =
				duration_arg("--node-monitor-period", optarg, 100);
			break;
		case O_RATE:
			errno = 0;
			cm.o.eviction_rate = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(cm.o.eviction_rate > 0) ||
			    cm.o.eviction_rate > 1e6) {
				fprintf(stderr,
					"%s: --node-eviction-rate: \"%s\" is not a rate "
					"(pods per second, above 0: 0.1, 10)\n",
					prog, optarg);
				usage(stderr, 2);
			}
			break;
		case 'v': kit_log_set_level(KIT_LOG_DEBUG); break;
		case 'h': usage(stdout, EXIT_SUCCESS);
		default: usage(stderr, 2);
		}
	}
	if (optind < argc || !kubeconfig) {
		fprintf(stderr, "%s: %s\n", prog,
			optind < argc ? "unexpected argument"
				      : "--kubeconfig FILE is required");
		usage(stderr, 2);
	}
	if (cm.o.monitor_ms > cm.o.grace_ms) {
		fprintf(stderr,
			"%s: --node-monitor-period must not be longer than "
			"--node-monitor-grace-period\n",
			prog);
		usage(stderr, 2);
	}
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	pthread_mutex_init(&cm.exp_lock, NULL);
	cm.rsq = kit_wq_new(100, 30000);
	cm.dq = kit_wq_new(100, 30000);
	cm.epq = kit_wq_new(100, 30000);
	cm.gcq = kit_wq_new(100, 30000);
	if (!cm.rsq || !cm.dq || !cm.epq || !cm.gcq) {
		kit_err_set(&err, ENOMEM, NULL, "create work queues");
		kit_die(prog, &err);
	}
	if (kit_kube_open(kubeconfig, &cm.kube, &err) < 0)
		kit_die(prog, &err);
	{
		int rs_s = (int)(cm.o.resync_ms / 1000);
		struct kit_informer_config cfgs[] = {
			{ "/apis/apps/v1/deployments",
			  rs_s,
			  { deploy_added, deploy_updated, deploy_deleted, &cm },
			  "deployments" },
			{ "/apis/apps/v1/replicasets",
			  rs_s,
			  { rs_added, rs_updated, rs_deleted, &cm },
			  "replicasets" },
			{ "/api/v1/pods",
			  rs_s,
			  { pod_added, pod_updated, pod_deleted, &cm },
			  "pods" },
			{ "/api/v1/nodes", rs_s, { NULL, NULL, NULL, &cm }, "nodes" },
			{ "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases",
			  0,
			  { NULL, NULL, NULL, &cm },
			  "leases" },
			{ "/api/v1/services",
			  rs_s,
			  { svc_changed, svc_updated, svc_changed, &cm },
			  "services" },
			{ "/api/v1/endpoints",
			  0,
			  { svc_changed, eps_updated, svc_changed, &cm },
			  "endpoints" },
		};
		struct kit_informer **infs[] = { &cm.deploy, &cm.rs,  &cm.pods, &cm.nodes,
						 &cm.leases, &cm.svc, &cm.eps };
		const size_t n = sizeof(infs) / sizeof(infs[0]);

		for (size_t i = 0; i < n; i++)
			if (kit_informer_start(cm.kube, &cfgs[i], infs[i], &err) < 0)
				kit_die(prog, &err);
		/* Act only on a full picture: all caches listed once. */
		for (size_t i = 0; i < n; i++)
			kit_informer_wait_synced(*infs[i], 30000);
	}
	w[0] = (struct worker){ &cm, cm.dq, sync_deployment };
	w[1] = (struct worker){ &cm, cm.rsq, sync_rs };
	w[2] = (struct worker){ &cm, cm.rsq, sync_rs };
	w[3] = (struct worker){ &cm, cm.epq, sync_endpoints };
	w[4] = (struct worker){ &cm, cm.gcq, sync_gc };
	for (int i = 0; i < NWORKERS; i++)
		if (pthread_create(&threads[i], NULL, work, &w[i]) != 0) {
			kit_err_set(&err, EAGAIN, NULL, "start controller threads");
			kit_die(prog, &err);
		}
	if (pthread_create(&nodes_thread, NULL, nodes_main, &cm) != 0) {
		kit_err_set(&err, EAGAIN, NULL, "start the node lifecycle thread");
		kit_die(prog, &err);
	}
	kit_info("controllers running: deployment, replicaset, nodelifecycle, endpoints, "
		 "garbagecollector");
	do
		sig = sigwaitinfo(&stop, NULL);
	while (sig < 0);
	kit_info("%s: stopping", strsignal(sig));
	cm.stopping = true;
	kit_wq_shutdown(cm.rsq);
	kit_wq_shutdown(cm.dq);
	kit_wq_shutdown(cm.epq);
	kit_wq_shutdown(cm.gcq);
	for (int i = 0; i < NWORKERS; i++)
		pthread_join(threads[i], NULL);
	pthread_join(nodes_thread, NULL);
	kit_informer_stop(cm.pods);
	kit_informer_stop(cm.rs);
	kit_informer_stop(cm.deploy);
	kit_informer_stop(cm.nodes);
	kit_informer_stop(cm.leases);
	kit_informer_stop(cm.svc);
	kit_informer_stop(cm.eps);
	kit_wq_free(cm.rsq);
	kit_wq_free(cm.dq);
	kit_wq_free(cm.epq);
	kit_wq_free(cm.gcq);
	nodes_free(&cm);
	while (cm.exps) {
		struct expectation *e = cm.exps;

		cm.exps = e->next;
		free(e);
	}
	kit_kube_close(cm.kube);
	return 0;
}
