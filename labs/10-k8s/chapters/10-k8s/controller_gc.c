/* SPDX-License-Identifier: MIT */
/*
 * controller_gc.c - the garbage collector: what an owner owned goes with it.
 *
 * Article: §6.1 (Controller Manager) and §6.4.1 ("删除 Deployment ... 其管理
 * 的 ReplicaSet 和 Pod 也会被删除").  Ownership is written in the dependent:
 * metadata.ownerReferences [{kind, name, uid, controller,
 * blockOwnerDeletion}].  The API server deletes only the object it is asked
 * to; this controller does the rest, in one of three ways that the DELETE's
 * propagationPolicy chose (apiserver_objects.c):
 *
 *   Background  the owner is gone at once.  Its dependents now point at
 *               an owner that does not exist (dangling), and the collector
 *               deletes them: ReplicaSets first, then, as those go, their
 *               pods.  kubectl 1.20's `delete deployment` does this.
 *   Foreground  the owner stays, with deletionTimestamp and the finalizer
 *               "foregroundDeletion", while the collector deletes its
 *               dependents (in the foreground too); when no dependent with
 *               blockOwnerDeletion is left, it removes the finalizer and
 *               the API server deletes the owner.  Pods, then ReplicaSets,
 *               then the Deployment.
 *   Orphan      the finalizer "orphan": the collector removes the owner's
 *               reference from every dependent, then the finalizer.  The
 *               dependents stay, owned by nobody.
 *
 * The work queue's keys are "<resource>/<namespace>/<name>"; an object is
 * queued when it changes (it may have become dangling, or an owner being
 * deleted), and its dependents and owners when it is deleted.  The
 * collector knows the kinds this controller manager watches (Deployment,
 * ReplicaSet, Pod); an ownerReference to any other kind is left alone.
 * An owner that is not in the cache is asked for (GET) before its
 * dependents are deleted: a cache can be behind, a deletion cannot be
 * undone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller_manager.h"
#include "kit/lab.h"
#include "kit/log.h"

static const struct kind {
	const char *kind, *res, *prefix;
} kinds[] = {
	{ "Deployment", "deployments", "/apis/apps/v1" },
	{ "ReplicaSet", "replicasets", "/apis/apps/v1" },
	{ "Pod", "pods", "/api/v1" },
};

static const struct kind *kind_by(const char *kind, const char *res)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if ((kind && !strcmp(kinds[i].kind, kind)) ||
		    (res && !strcmp(kinds[i].res, res)))
			return &kinds[i];
	return NULL;
}

static struct kit_cache *cache_of(struct cm *cm, const struct kind *k)
{
	struct kit_informer *inf = !strcmp(k->res, "pods")          ? cm->pods
				   : !strcmp(k->res, "replicasets") ? cm->rs
								    : cm->deploy;

	return kit_informer_cache(inf);
}

static bool has_finalizer(const cJSON *obj, const char *name)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, ctl_get(obj, "metadata.finalizers"))
	{
		if (cJSON_IsString(f) && strcmp(f->valuestring, name) == 0)
			return true;
	}
	return false;
}

static void queue(struct cm *cm, const char *res, const char *ns, const char *name)
{
	char key[600];

	if (ns && name &&
	    snprintf(key, sizeof(key), "%s/%s/%s", res, ns, name) < (int)sizeof(key))
		kit_wq_add(cm->gcq, key);
}

void gc_changed(struct cm *cm, const char *res, const cJSON *obj)
{
	if (ctl_get(obj, "metadata.ownerReferences") ||
	    ctl_str(obj, "metadata.deletionTimestamp"))
		queue(cm, res, ctl_str(obj, "metadata.namespace"),
		      ctl_str(obj, "metadata.name"));
}

/* ---- dependents: the objects whose ownerReferences name an owner's uid -------- */

/* Does @obj name @uid among its owners?  The reference, or NULL. */
static const cJSON *owned_by(const cJSON *obj, const char *uid)
{
	const cJSON *ref;

	cJSON_ArrayForEach(ref, ctl_get(obj, "metadata.ownerReferences"))
	{
		const char *u = ctl_str(ref, "uid");

		if (u && uid && strcmp(u, uid) == 0)
			return ref;
	}
	return NULL;
}

struct walk {
	const char *uid, *res;
	cJSON *found; /* [{"res": ..., "obj": ...}] */
};

static int collect_dependent(void *ctx, const cJSON *obj)
{
	struct walk *w = ctx;
	cJSON *d;

	/* TODO lab 10.7: the garbage collector's dependents walk
	 *
	 * An object is a dependent of the owner whose uid is w->uid when one
	 * of its ownerReferences names that uid (owned_by does the looking).
	 * For each such object, append {"res": w->res, "obj": <a copy of
	 * obj>} to the array w->found.  Everything else is not ours: leave it.
	 *
	 */
	(void)w; (void)d; (void)obj; (void)owned_by;
	
	return 0;
}

/* Every object (of the kinds known) in @ns that @uid owns, but @skip's kind. */
static cJSON *dependents(struct cm *cm, const char *ns, const char *uid,
			 const struct kind *skip)
{
	struct walk w = { uid, NULL, cJSON_CreateArray() };

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (&kinds[i] == skip)
			continue;
		w.res = kinds[i].res;
		kit_cache_foreach(cache_of(cm, &kinds[i]), ns, collect_dependent, &w);
	}
	return w.found;
}

void gc_deleted(struct cm *cm, const char *res, const cJSON *obj)
{
	const struct kind *k = kind_by(NULL, res);
	const char *ns = ctl_str(obj, "metadata.namespace");
	cJSON *deps, *d;
	const cJSON *ref;

	/* Its dependents may be dangling now (this handler holds the lock of
	 * its own kind's cache: a kind never owns its own kind here). */
	deps = dependents(cm, ns, ctl_str(obj, "metadata.uid"), k);
	cJSON_ArrayForEach(d, deps)
	{
		queue(cm, ctl_str(d, "res"), ns, ctl_str(d, "obj.metadata.name"));
	}
	cJSON_Delete(deps);
	/* Its owners may be waiting for it to go (foreground). */
	cJSON_ArrayForEach(ref, ctl_get(obj, "metadata.ownerReferences"))
	{
		const struct kind *ok = kind_by(ctl_str(ref, "kind"), NULL);

		if (ok)
			queue(cm, ok->res, ns, ctl_str(ref, "name"));
	}
}

/* ---- the API calls ----------------------------------------------------------------- */

/* DELETE @obj with @policy, if it is still that object (its uid) and, with
 * @same_version, still as the cache showed it (its resourceVersion). */
static int delete_with(struct cm *cm, const struct kind *k, const cJSON *obj,
		       const char *policy, bool same_version)
{
	cJSON *opts = cJSON_CreateObject(), *pre;
	struct kit_err err = { 0 };
	char path[600];
	int ret;

	cJSON_AddStringToObject(opts, "propagationPolicy", policy);
	pre = cJSON_AddObjectToObject(opts, "preconditions");
	cJSON_AddStringToObject(pre, "uid", ctl_str(obj, "metadata.uid"));
	if (same_version)
		cJSON_AddStringToObject(pre, "resourceVersion",
					ctl_str(obj, "metadata.resourceVersion") ?: "");
	cm_path(k->prefix, ctl_str(obj, "metadata.namespace"), k->res,
		ctl_str(obj, "metadata.name"), NULL, path, sizeof(path));
	ret = kit_kube_request(cm->kube, "DELETE", path, opts, NULL, NULL, &err);
	cJSON_Delete(opts);
	if (ret == 0)
		kit_info("garbage collector: deleted %s %s/%s (%s)", k->kind,
			 ctl_str(obj, "metadata.namespace"),
			 ctl_str(obj, "metadata.name"), policy);
	else if (err.code != ENOENT && err.code != ECANCELED)
		kit_warn("garbage collector: delete %s %s: %s", k->kind,
			 ctl_str(obj, "metadata.name"), err.msg);
	return ret == -ENOENT || ret == -ECANCELED ? 0 : ret; /* gone, or another uid */
}

/* A merge patch of metadata.@field = @value (consumed), if @obj is unchanged. */
static int patch_meta(struct cm *cm, const struct kind *k, const cJSON *obj,
		      const char *field, cJSON *value)
{
	cJSON *patch = cJSON_CreateObject(), *meta;
	struct kit_err err = { 0 };
	char path[600];
	int ret;

	meta = cJSON_AddObjectToObject(patch, "metadata");
	cJSON_AddItemToObject(meta, field,
			      cJSON_GetArraySize(value) ? value : cJSON_CreateNull());
	if (!cJSON_GetArraySize(value))
		cJSON_Delete(value);
	cJSON_AddStringToObject(meta, "resourceVersion",
				ctl_str(obj, "metadata.resourceVersion") ?: "");
	cm_path(k->prefix, ctl_str(obj, "metadata.namespace"), k->res,
		ctl_str(obj, "metadata.name"), NULL, path, sizeof(path));
	ret = kit_kube_request(cm->kube, "PATCH", path, patch, NULL, NULL, &err);
	cJSON_Delete(patch);
	if (ret < 0 && err.code != ENOENT)
		kit_warn("garbage collector: update %s of %s %s: %s", field, k->kind,
			 ctl_str(obj, "metadata.name"), err.msg);
	return ret == -ENOENT ? 0 : ret;
}

static int remove_finalizer(struct cm *cm, const struct kind *k, const cJSON *obj,
			    const char *name)
{
	cJSON *list = cJSON_CreateArray();
	const cJSON *f;

	cJSON_ArrayForEach(f, ctl_get(obj, "metadata.finalizers"))
	{
		if (!cJSON_IsString(f) || strcmp(f->valuestring, name) != 0)
			cJSON_AddItemToArray(list, cJSON_Duplicate(f, true));
	}
	return patch_meta(cm, k, obj, "finalizers", list);
}

/*
 * How to delete a dependent of an owner being deleted in the foreground:
 * in the foreground too if it has dependents of its own (they must go
 * first), else at once.  Pods own nothing here.
 */
static const char *cascade_policy(struct cm *cm, const struct kind *k, const cJSON *obj)
{
	cJSON *deps;
	bool any;

	if (!strcmp(k->res, "pods"))
		return "Background";
	deps = dependents(cm, ctl_str(obj, "metadata.namespace"),
			  ctl_str(obj, "metadata.uid"), NULL);
	any = cJSON_GetArraySize(deps) > 0;
	cJSON_Delete(deps);
	return any ? "Foreground" : "Background";
}

/* ---- the owner's side: foreground and orphan ------------------------------------- */

static int foreground(struct cm *cm, const struct kind *k, const cJSON *obj)
{
	cJSON *deps = dependents(cm, ctl_str(obj, "metadata.namespace"),
				 ctl_str(obj, "metadata.uid"), NULL);
	const cJSON *d;
	int blocking = 0, ret = 0;

	cJSON_ArrayForEach(d, deps)
	{
		const cJSON *dep = ctl_get(d, "obj");
		const cJSON *ref = owned_by(dep, ctl_str(obj, "metadata.uid"));

		if (cJSON_IsTrue(
			    cJSON_GetObjectItemCaseSensitive(ref, "blockOwnerDeletion")))
			blocking++;
		const struct kind *dk = kind_by(NULL, ctl_str(d, "res"));

		if (!ctl_str(dep, "metadata.deletionTimestamp") &&
		    delete_with(cm, dk, dep, cascade_policy(cm, dk, dep), false) < 0)
			ret = -EAGAIN;
	}
	cJSON_Delete(deps);
	if (blocking == 0 && ret == 0) {
		kit_info("garbage collector: %s %s has no dependents left", k->kind,
			 ctl_str(obj, "metadata.name"));
		return remove_finalizer(cm, k, obj, "foregroundDeletion");
	}
	return ret; /* their deletions queue this owner again */
}

static int orphan(struct cm *cm, const struct kind *k, const cJSON *obj)
{
	const char *uid = ctl_str(obj, "metadata.uid");
	cJSON *deps = dependents(cm, ctl_str(obj, "metadata.namespace"), uid, NULL);
	const cJSON *d, *ref;
	int ret = 0;

	cJSON_ArrayForEach(d, deps)
	{
		const cJSON *dep = ctl_get(d, "obj");
		cJSON *refs = cJSON_CreateArray();

		cJSON_ArrayForEach(ref, ctl_get(dep, "metadata.ownerReferences"))
		{
			if (strcmp(ctl_str(ref, "uid") ?: "", uid) != 0)
				cJSON_AddItemToArray(refs, cJSON_Duplicate(ref, true));
		}
		if (patch_meta(cm, kind_by(NULL, ctl_str(d, "res")), dep,
			       "ownerReferences", refs) < 0)
			ret = -EAGAIN;
	}
	cJSON_Delete(deps);
	if (ret == 0)
		ret = remove_finalizer(cm, k, obj, "orphan");
	return ret;
}

/* ---- the dependent's side: are its owners still there? ------------------------- */

enum owner_state { OWNER_EXISTS, OWNER_GONE, OWNER_DELETING_FOREGROUND };

static enum owner_state owner_state(struct cm *cm, const char *ns, const cJSON *ref)
{
	const struct kind *k = kind_by(ctl_str(ref, "kind"), NULL);
	const char *uid = ctl_str(ref, "uid"), *name = ctl_str(ref, "name");
	struct kit_err err = { 0 };
	cJSON *owner;
	char key[600];
	enum owner_state st = OWNER_EXISTS;
	int ret = 0;

	if (!k || !uid || !name)
		return OWNER_EXISTS; /* a kind we do not know: never guess */
	snprintf(key, sizeof(key), "%s/%s", ns, name);
	owner = kit_cache_get(cache_of(cm, k), key);
	if (!owner || strcmp(ctl_str(owner, "metadata.uid") ?: "", uid) != 0) {
		/* The cache may be behind: ask the API server. */
		cJSON_Delete(owner);
		owner = NULL;
		cm_path(k->prefix, ns, k->res, name, NULL, key, sizeof(key));
		ret = kit_kube_request(cm->kube, "GET", key, NULL, NULL, &owner, &err);
	}
	if (ret == -ENOENT ||
	    (ret == 0 && strcmp(ctl_str(owner, "metadata.uid") ?: "", uid)))
		st = OWNER_GONE;
	else if (ret == 0 && ctl_str(owner, "metadata.deletionTimestamp") &&
		 has_finalizer(owner, "foregroundDeletion"))
		st = OWNER_DELETING_FOREGROUND;
	cJSON_Delete(owner);
	return st;
}

int sync_gc(struct cm *cm, const char *key)
{
	char res[32], ckey[560];
	const struct kind *k;
	const char *slash = strchr(key, '/');
	cJSON *obj;
	const cJSON *ref;
	int gone = 0, fg = 0, refs = 0, ret = 0;

	if (!slash || (size_t)(slash - key) >= sizeof(res))
		return 0;
	snprintf(res, sizeof(res), "%.*s", (int)(slash - key), key);
	snprintf(ckey, sizeof(ckey), "%s", slash + 1);
	k = kind_by(NULL, res);
	if (!k || !(obj = kit_cache_get(cache_of(cm, k), ckey)))
		return 0;
	if (ctl_str(obj, "metadata.deletionTimestamp")) {
		if (has_finalizer(obj, "orphan"))
			ret = orphan(cm, k, obj);
		else if (has_finalizer(obj, "foregroundDeletion"))
			ret = foreground(cm, k, obj);
		cJSON_Delete(obj);
		return ret;
	}
	cJSON_ArrayForEach(ref, ctl_get(obj, "metadata.ownerReferences"))
	{
		enum owner_state st =
			owner_state(cm, ctl_str(obj, "metadata.namespace"), ref);

		refs++;
		gone += st == OWNER_GONE;
		fg += st == OWNER_DELETING_FOREGROUND;
	}
	/* Every owner is gone or waiting for its dependents: so is this one.
	 * Only if it is still as cached: an orphaning patch that removed its
	 * ownerReferences may not have reached the cache yet, and then the
	 * API server answers 409 and the object stays (seen under ASan: the
	 * owner's DELETED event came before the dependent's MODIFIED). */
	if (refs > 0 && gone + fg == refs)
		ret = delete_with(cm, k, obj,
				  fg ? cascade_policy(cm, k, obj) : "Background", true);
	cJSON_Delete(obj);
	return ret < 0 ? -EAGAIN : 0;
}
