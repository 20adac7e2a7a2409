/* SPDX-License-Identifier: MIT */
/*
 * controller_manager.h - what the controllers of mini-controller-manager
 * share: the informers (one per kind, shared by every controller that
 * reads that kind), the work queues, the options.
 *
 *   controller_manager.c  ReplicaSet, Deployment (rollout, history), main
 *   controller_nodes.c    node lifecycle: lease -> Ready=Unknown -> taint
 *                         -> eviction after the pods' toleration seconds
 *   controller_endpoints.c  Endpoints: the ready pods behind a Service
 *   controller_gc.c       garbage collector: ownerReferences, finalizers
 */
#ifndef KIT_K8S_CONTROLLER_MANAGER_H
#define KIT_K8S_CONTROLLER_MANAGER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <cjson/cJSON.h>

#include "control.h"
#include "kit/informer.h"
#include "kit/workqueue.h"

struct expectation;
struct node_health;

struct cm_options {
	int64_t resync_ms;
	int64_t grace_ms;     /* --node-monitor-grace-period (40s) */
	int64_t monitor_ms;   /* --node-monitor-period (5s) */
	double eviction_rate; /* --node-eviction-rate, pods per second (0.1) */
};

struct cm {
	struct cm_options o;
	struct kit_kube *kube;
	struct kit_informer *pods, *rs, *deploy, *nodes, *leases, *svc, *eps;
	struct kit_wq *rsq, *dq, *epq, *gcq;
	pthread_mutex_t exp_lock;
	struct expectation *exps;
	/* node lifecycle (controller_nodes.c) */
	struct node_health *health;
	double tokens; /* the eviction token bucket */
	int64_t tokens_at_ms;
	volatile bool stopping;
};

/* "<prefix>/namespaces/<ns>/<res>[/<name>[/<sub>]]" into @buf. */
char *cm_path(const char *prefix, const char *ns, const char *res, const char *name,
	      const char *sub, char *buf, size_t size);
/* The monotonic clock in milliseconds. */
int64_t cm_now_ms(void);

/* controller_nodes.c: the node lifecycle loop (a thread until stopping). */
void *nodes_main(void *arg);
void nodes_free(struct cm *cm);
/* The token bucket of evictions: true if one may happen at @now_ms. */
bool eviction_allowed(struct cm *cm, int64_t now_ms);

/* controller_endpoints.c */
void endpoints_pod_changed(struct cm *cm, const cJSON *old, const cJSON *pod);
void endpoints_service_changed(struct cm *cm, const cJSON *svc);
int sync_endpoints(struct cm *cm, const char *key);

/* controller_gc.c: every informer's callbacks call gc_changed / gc_deleted;
 * @res is "pods", "replicasets" or "deployments". */
void gc_changed(struct cm *cm, const char *res, const cJSON *obj);
void gc_deleted(struct cm *cm, const char *res, const cJSON *obj);
int sync_gc(struct cm *cm, const char *key);

#endif /* KIT_K8S_CONTROLLER_MANAGER_H */
