/* SPDX-License-Identifier: MIT */
/*
 * mini-scheduler - picks a node for every pod that has none.
 *
 * Article: §6.1 (Scheduler: "根据资源需求、策略约束 ... 将 Pod 调度到合适的
 * 节点上").  kube-scheduler's framework in small, one pod at a time:
 *
 *   queue   pods with no spec.nodeName (from the pod informer); a pod that
 *           fits nowhere waits out a back-off, and comes back sooner when
 *           a node is added or changes
 *   Filter  NodeUnschedulable, NodeName, NodeResourcesFit (cpu, memory,
 *           pods), NodeSelector (+ required node affinity), TaintToleration
 *   Score   LeastAllocated + BalancedAllocation, 0..100 each, weight 1;
 *           ties broken at random so equal nodes share the work
 *   Bind    POST pods/NAME/binding; the server refuses a second binding,
 *           so two schedulers cannot both place a pod
 *
 * Every node is evaluated for every pod (kube-scheduler samples a share
 * of the nodes in large clusters: percentageOfNodesToScore).
 *
 * The scheduler keeps, per node, the sum of the requests of the pods bound
 * to it (kept current by the pod informer's callbacks) and "assumes" a pod
 * on its node before the binding is sent, so the next pod already sees
 * the node as fuller.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control.h"
#include "kit/api_quantity.h"
#include "kit/api_select.h"
#include "kit/informer.h"
#include "kit/log.h"
#include "kit/workqueue.h"

static const char *prog = "mini-scheduler";
static const char *component = "default-scheduler";

#define DEFAULT_CPU_MILLI 100                   /* for scoring pods with no requests */
#define DEFAULT_MEMORY    (200ll * 1024 * 1024) /* 200Mi */
#define NODES_MAX         (1u << 20)

/* What a pod asks for. */
struct demand {
	int64_t cpu, mem;       /* requests: milli-CPU, bytes */
	int64_t cpu_nz, mem_nz; /* the same with defaults for zero (scoring) */
};

/* What is bound to one node. */
struct usage {
	char *node;
	int64_t cpu, mem, pods, cpu_nz, mem_nz;
};

struct scheduler {
	struct kit_kube *kube;
	struct kit_informer *pods, *nodes;
	struct kit_wq *queue;
	pthread_mutex_t lock; /* usage[] and assumed */
	struct usage *usage;  /* open addressing on the node name */
	size_t ucap, ucount;
	struct kit_cache *assumed; /* pods assumed bound, before the informer says so */
	unsigned seed;
	uint64_t scheduled, failed;
};

/* ---- per-node usage ----------------------------------------------------------------- */

static size_t hash(const char *s)
{
	size_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static struct usage *usage_of(struct scheduler *s, const char *node)
{
	size_t i;

	if (s->ucount * 2 >= s->ucap) {
		struct usage *old = s->usage;
		size_t oldcap = s->ucap;

		s->ucap = oldcap ? oldcap * 2 : 1024;
		s->usage = calloc(s->ucap, sizeof(*s->usage));
		if (!s->usage)
			abort(); /* no way on without the accounting */
		s->ucount = 0;
		for (size_t k = 0; k < oldcap; k++)
			if (old[k].node) {
				i = hash(old[k].node) & (s->ucap - 1);
				while (s->usage[i].node)
					i = (i + 1) & (s->ucap - 1);
				s->usage[i] = old[k];
				s->ucount++;
			}
		free(old);
	}
	i = hash(node) & (s->ucap - 1);
	while (s->usage[i].node && strcmp(s->usage[i].node, node) != 0)
		i = (i + 1) & (s->ucap - 1);
	if (!s->usage[i].node) {
		s->usage[i].node = strdup(node);
		if (!s->usage[i].node)
			abort();
		s->ucount++;
	}
	return &s->usage[i];
}

static struct demand demand_of(const cJSON *pod)
{
	struct demand d = { 0 };
	const cJSON *c;

	cJSON_ArrayForEach(c, ctl_get(pod, "spec.containers"))
	{
		const char *cpu = ctl_str(c, "resources.requests.cpu");
		const char *mem = ctl_str(c, "resources.requests.memory");
		int64_t v;

		v = cpu ? kit_quantity_milli(cpu) : 0;
		d.cpu += v > 0 ? v : 0;
		d.cpu_nz += v > 0 ? v : DEFAULT_CPU_MILLI;
		v = mem ? kit_quantity_value(mem) : 0;
		d.mem += v > 0 ? v : 0;
		d.mem_nz += v > 0 ? v : DEFAULT_MEMORY;
	}
	return d;
}

/* Add (@sign 1) or take away (-1) @pod's requests on its node.  Lock held. */
static void account(struct scheduler *s, const cJSON *pod, int sign)
{
	const char *node = ctl_str(pod, "spec.nodeName");
	struct demand d;
	struct usage *u;

	if (!node || !*node || !ctl_pod_active(pod))
		return;
	d = demand_of(pod);
	u = usage_of(s, node);
	u->cpu += sign * d.cpu;
	u->mem += sign * d.mem;
	u->cpu_nz += sign * d.cpu_nz;
	u->mem_nz += sign * d.mem_nz;
	u->pods += sign;
}

static bool wants_us(const cJSON *pod)
{
	const char *name = ctl_str(pod, "spec.schedulerName");
	const char *node = ctl_str(pod, "spec.nodeName");

	return (!node || !*node) && ctl_pod_active(pod) &&
	       (!name || strcmp(name, component) == 0);
}

/* ---- the informers' callbacks ------------------------------------------------------ */

static void pod_added(void *ctx, const cJSON *pod)
{
	struct scheduler *s = ctx;
	char key[512];

	pthread_mutex_lock(&s->lock);
	account(s, pod, 1);
	pthread_mutex_unlock(&s->lock);
	if (wants_us(pod) && kit_object_key(pod, key, sizeof(key)))
		kit_wq_add(s->queue, key);
}

static void pod_updated(void *ctx, const cJSON *old, const cJSON *pod)
{
	struct scheduler *s = ctx;
	char key[512];
	cJSON *was;

	if (!kit_object_key(pod, key, sizeof(key)))
		return;
	pthread_mutex_lock(&s->lock);
	was = kit_cache_get(s->assumed, key);
	if (was && ctl_str(pod, "spec.nodeName")) {
		/* The binding we assumed has arrived: count the real pod instead. */
		account(s, was, -1);
		kit_cache_apply(s->assumed, "DELETED", was, NULL, &(struct kit_err){ 0 });
		was = NULL;
	}
	cJSON_Delete(was);
	if (old != pod) {
		account(s, old, -1);
		account(s, pod, 1);
	}
	pthread_mutex_unlock(&s->lock);
	if (wants_us(pod))
		kit_wq_add(s->queue, key);
}

static void pod_deleted(void *ctx, const cJSON *pod)
{
	struct scheduler *s = ctx;
	char key[512];
	cJSON *was;

	pthread_mutex_lock(&s->lock);
	account(s, pod, -1);
	if (kit_object_key(pod, key, sizeof(key)) &&
	    (was = kit_cache_get(s->assumed, key))) {
		account(s, was, -1);
		kit_cache_apply(s->assumed, "DELETED", was, NULL, &(struct kit_err){ 0 });
	}
	pthread_mutex_unlock(&s->lock);
}

/* A node came or changed: pods waiting for room get another chance now. */
static int requeue_one(void *ctx, const cJSON *pod)
{
	struct scheduler *s = ctx;
	char key[512];

	if (wants_us(pod) && kit_object_key(pod, key, sizeof(key)))
		kit_wq_add(s->queue, key);
	return 0;
}

/*
 * Not here (the node cache is locked, and the worker takes the locks the
 * other way round): a special key tells the worker to requeue them.
 */
#define REQUEUE_KEY "!requeue"

static void node_changed(void *ctx, const cJSON *node)
{
	struct scheduler *s = ctx;

	(void)node;
	kit_wq_add(s->queue, REQUEUE_KEY);
}

static void node_updated(void *ctx, const cJSON *old, const cJSON *node)
{
	if (old != node) /* not on resyncs */
		node_changed(ctx, node);
}

/* ---- Filter ------------------------------------------------------------------------ */

enum reason {
	R_UNSCHEDULABLE,
	R_NODE_NAME,
	R_SELECTOR,
	R_CPU,
	R_MEMORY,
	R_PODS,
	R_TAINT,
	R_MAX
};

static const char *const reason_text[R_MAX] = {
	[R_UNSCHEDULABLE] = "node(s) were unschedulable",
	[R_NODE_NAME] = "node(s) didn't match the requested node name",
	[R_SELECTOR] = "node(s) didn't match Pod's node affinity/selector",
	[R_CPU] = "Insufficient cpu",
	[R_MEMORY] = "Insufficient memory",
	[R_PODS] = "Too many pods",
	[R_TAINT] = "node(s) had untolerated taint",
};

static bool tolerates(const cJSON *pod, const cJSON *taint)
{
	const char *tk = ctl_str(taint, "key"), *tv = ctl_str(taint, "value");
	const char *te = ctl_str(taint, "effect");
	const cJSON *t;

	cJSON_ArrayForEach(t, ctl_get(pod, "spec.tolerations"))
	{
		const char *k = ctl_str(t, "key"), *op = ctl_str(t, "operator");
		const char *v = ctl_str(t, "value"), *e = ctl_str(t, "effect");

		if (e && *e && te && strcmp(e, te) != 0)
			continue;
		if (op && strcmp(op, "Exists") == 0) {
			if (!k || !*k || (tk && strcmp(k, tk) == 0))
				return true;
			continue;
		}
		if (k && tk && strcmp(k, tk) == 0 &&
		    strcmp(v ? v : "", tv ? tv : "") == 0)
			return true;
	}
	return false;
}

/* The first NoSchedule/NoExecute taint the pod does not tolerate, or NULL. */
static const cJSON *untolerated(const cJSON *pod, const cJSON *node)
{
	const cJSON *taint;

	cJSON_ArrayForEach(taint, ctl_get(node, "spec.taints"))
	{
		const char *e = ctl_str(taint, "effect");

		if (e && strcmp(e, "PreferNoSchedule") == 0)
			continue;
		if (!tolerates(pod, taint))
			return taint;
	}
	return NULL;
}

static bool selector_fits(const cJSON *pod, const cJSON *node)
{
	const cJSON *labels = ctl_get(node, "metadata.labels"), *sel, *terms, *term;
	bool any = false, matched = false;

	cJSON_ArrayForEach(sel, ctl_get(pod, "spec.nodeSelector"))
	{
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(labels, sel->string);

		if (!cJSON_IsString(v) || !cJSON_IsString(sel) ||
		    strcmp(v->valuestring, sel->valuestring) != 0)
			return false;
	}
	/* requiredDuringScheduling...: the terms are ORed, expressions ANDed. */
	terms = ctl_get(
		pod, "spec.affinity.nodeAffinity."
		     "requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms");
	cJSON_ArrayForEach(term, terms)
	{
		struct kit_selector s;
		struct kit_err err = { 0 };
		cJSON *wrap = cJSON_CreateObject();

		any = true;
		cJSON_AddItemReferenceToObject(wrap, "matchExpressions",
					       (cJSON *)cJSON_GetObjectItemCaseSensitive(
						       term, "matchExpressions"));
		if (kit_selector_from_json(wrap, &s, &err) == 0 &&
		    kit_selector_matches_labels(&s, labels))
			matched = true;
		kit_selector_release(&s);
		cJSON_Delete(wrap);
	}
	return !any || matched;
}

struct cycle {
	struct scheduler *s;
	const cJSON *pod;
	struct demand d;
	unsigned counts[R_MAX];
	char taint[160]; /* the first untolerated taint, for the message */
	unsigned nodes, feasible, ties;
	int64_t best_score;
	char best[256];
};

/* Filter and score one node (lock held). */
static int evaluate(void *ctx, const cJSON *node)
{
	struct cycle *c = ctx;
	const char *name = ctl_str(node, "metadata.name");
	const char *want = ctl_str(c->pod, "spec.nodeName");
	int64_t cap_cpu, cap_mem, cap_pods, score, cpu_f, mem_f, diff;
	const cJSON *taint;
	struct usage *u;

	if (!name)
		return 0;
	c->nodes++;
	/* NodeUnschedulable: cordoned nodes, unless the pod tolerates it */
	if (cJSON_IsTrue(ctl_get(node, "spec.unschedulable"))) {
		cJSON *fake = cJSON_CreateObject();

		cJSON_AddStringToObject(fake, "key", "node.kubernetes.io/unschedulable");
		cJSON_AddStringToObject(fake, "effect", "NoSchedule");
		if (!tolerates(c->pod, fake)) {
			cJSON_Delete(fake);
			c->counts[R_UNSCHEDULABLE]++;
			return 0;
		}
		cJSON_Delete(fake);
	}
	/* NodeName */
	if (want && *want && strcmp(want, name) != 0) {
		c->counts[R_NODE_NAME]++;
		return 0;
	}
	/* NodeSelector and required node affinity */
	if (!selector_fits(c->pod, node)) {
		c->counts[R_SELECTOR]++;
		return 0;
	}
	/* TaintToleration */
	if ((taint = untolerated(c->pod, node))) {
		c->counts[R_TAINT]++;
		if (!c->taint[0])
			snprintf(c->taint, sizeof(c->taint), "{%s: %s}",
				 ctl_str(taint, "key") ? ctl_str(taint, "key") : "",
				 ctl_str(taint, "value") ? ctl_str(taint, "value") : "");
		return 0;
	}
	/* NodeResourcesFit: every short resource counts */
	cap_cpu = kit_quantity_milli(ctl_str(node, "status.allocatable.cpu"));
	cap_mem = kit_quantity_value(ctl_str(node, "status.allocatable.memory"));
	cap_pods = kit_quantity_value(ctl_str(node, "status.allocatable.pods"));
	u = usage_of(c->s, name);
	{
		bool fits = true;

		if (cap_pods >= 0 && u->pods + 1 > cap_pods)
			c->counts[R_PODS]++, fits = false;
		if (c->d.cpu > 0 && (cap_cpu < 0 || u->cpu + c->d.cpu > cap_cpu))
			c->counts[R_CPU]++, fits = false;
		if (c->d.mem > 0 && (cap_mem < 0 || u->mem + c->d.mem > cap_mem))
			c->counts[R_MEMORY]++, fits = false;
		if (!fits)
			return 0;
	}
	c->feasible++;
	/* Score: LeastAllocated (free share) + BalancedAllocation (cpu ~ memory) */
	if (cap_cpu <= 0)
		cap_cpu = 1;
	if (cap_mem <= 0)
		cap_mem = 1;
	cpu_f = (u->cpu_nz + c->d.cpu_nz) * 1000 / cap_cpu; /* thousandths */
	mem_f = (u->mem_nz + c->d.mem_nz) * 1000 / cap_mem;
	if (cpu_f > 1000)
		cpu_f = 1000;
	if (mem_f > 1000)
		mem_f = 1000;
	score = ((1000 - cpu_f) + (1000 - mem_f)) / 2 / 10; /* LeastAllocated */
	diff = cpu_f > mem_f ? cpu_f - mem_f : mem_f - cpu_f;
	score += (1000 - diff / 2) / 10; /* BalancedAllocation: 100 - |cpu-mem|/2 */
	if (score > c->best_score) {
		c->best_score = score;
		c->ties = 1;
		snprintf(c->best, sizeof(c->best), "%s", name);
	} else if (score == c->best_score && rand_r(&c->s->seed) % ++c->ties == 0) {
		snprintf(c->best, sizeof(c->best), "%s", name);
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "0/3 nodes are available: 2 Insufficient cpu, 1 node(s) had untolerated taint {k: v}." */
static void failure_message(const struct cycle *c, char *buf, size_t size)
{
	char parts[R_MAX][256], *sorted[R_MAX];
	size_t n = 0, off;

	for (int r = 0; r < R_MAX; r++)
		if (c->counts[r]) {
			snprintf(parts[n], sizeof(parts[n]), "%u %s%s%s", c->counts[r],
				 reason_text[r], r == R_TAINT ? " " : "",
				 r == R_TAINT ? c->taint : "");
			sorted[n] = parts[n];
			n++;
		}
	qsort(sorted, n, sizeof(sorted[0]), cmp_str);
	off = (size_t)snprintf(buf, size, "0/%u nodes are available", c->nodes);
	for (size_t i = 0; i < n && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s%s", i ? ", " : ": ",
					sorted[i]);
	if (off < size)
		snprintf(buf + off, size - off, ".");
}

static int bind(struct scheduler *s, const cJSON *pod, const char *node,
		struct kit_err *err)
{
	cJSON *b = cJSON_CreateObject(), *meta, *target;
	char path[600];
	int ret;

	cJSON_AddStringToObject(b, "apiVersion", "v1");
	cJSON_AddStringToObject(b, "kind", "Binding");
	meta = cJSON_AddObjectToObject(b, "metadata");
	cJSON_AddStringToObject(meta, "name", ctl_str(pod, "metadata.name"));
	cJSON_AddStringToObject(meta, "namespace", ctl_str(pod, "metadata.namespace"));
	target = cJSON_AddObjectToObject(b, "target");
	cJSON_AddStringToObject(target, "apiVersion", "v1");
	cJSON_AddStringToObject(target, "kind", "Node");
	cJSON_AddStringToObject(target, "name", node);
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/%s/binding",
		 ctl_str(pod, "metadata.namespace"), ctl_str(pod, "metadata.name"));
	ret = kit_kube_request(s->kube, "POST", path, b, NULL, NULL, err);
	cJSON_Delete(b);
	return ret;
}

/* One scheduling cycle for the pod at @key: 0 done, -EAGAIN try later. */
static int schedule_one(struct scheduler *s, const char *key)
{
	struct cycle c = { .s = s, .best_score = -1 };
	struct kit_err err = { 0 };
	cJSON *pod = kit_cache_get(kit_informer_cache(s->pods), key), *assumed;
	char msg[1024];
	int ret;

	if (!pod || !wants_us(pod)) {
		cJSON_Delete(pod);
		return 0;
	}
	pthread_mutex_lock(&s->lock);
	if ((assumed = kit_cache_get(s->assumed, key))) { /* bound already, in flight */
		pthread_mutex_unlock(&s->lock);
		cJSON_Delete(assumed);
		cJSON_Delete(pod);
		return 0;
	}
	c.pod = pod;
	c.d = demand_of(pod);
	kit_cache_foreach(kit_informer_cache(s->nodes), NULL, evaluate, &c);
	if (!c.feasible) {
		pthread_mutex_unlock(&s->lock);
		failure_message(&c, msg, sizeof(msg));
		ctl_event(s->kube, component, pod, "Pod", "Warning", "FailedScheduling",
			  "%s", msg);
		s->failed++;
		cJSON_Delete(pod);
		return -EAGAIN;
	}
	/* Assume: the node is fuller from now on, for the next pod. */
	assumed = cJSON_Duplicate(pod, true);
	ctl_set_str(ctl_obj(assumed, "spec"), "nodeName", c.best);
	account(s, assumed, 1);
	kit_cache_apply(s->assumed, "ADDED", assumed, NULL, &err);
	pthread_mutex_unlock(&s->lock);
	ret = bind(s, pod, c.best, &err);
	if (ret < 0) {
		pthread_mutex_lock(&s->lock);
		if ((assumed = kit_cache_get(s->assumed, key))) {
			account(s, assumed, -1);
			kit_cache_apply(s->assumed, "DELETED", assumed, NULL,
					&(struct kit_err){ 0 });
		}
		pthread_mutex_unlock(&s->lock);
		kit_warn("bind %s to %s: %s", key, c.best, err.msg);
		cJSON_Delete(pod);
		return ret == -ECANCELED || ret == -ENOENT ? 0 : -EAGAIN;
	}
	s->scheduled++;
	ctl_event(s->kube, component, pod, "Pod", "Normal", "Scheduled",
		  "Successfully assigned %s to %s", key, c.best);
	cJSON_Delete(pod);
	return 0;
}

static void __attribute__((noreturn)) usage(FILE *out, int status)
{
	fprintf(out,
		"usage: %s --kubeconfig FILE [--verbose]\n"
		"\n"
		"Bind every pending pod (schedulerName default-scheduler) to the node that\n"
		"passes the filters (NodeUnschedulable, NodeName, NodeResourcesFit,\n"
		"NodeSelector, TaintToleration) with the best score (LeastAllocated +\n"
		"BalancedAllocation).  A pod that fits nowhere gets a FailedScheduling\n"
		"event saying why, per node.  SIGTERM stops it.\n",
		prog);
	exit(status);
}

static void *worker(void *arg)
{
	struct scheduler *s = arg;
	char *key;

	while (kit_wq_get(s->queue, &key) == 0) {
		if (strcmp(key, REQUEUE_KEY) == 0)
			kit_cache_foreach(kit_informer_cache(s->pods), NULL, requeue_one,
					  s);
		else if (schedule_one(s, key) < 0)
			kit_wq_add_rate_limited(s->queue, key);
		else
			kit_wq_forget(s->queue, key);
		kit_wq_done(s->queue, key);
		free(key);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "kubeconfig", required_argument, NULL, 'k' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct scheduler s = { .seed = (unsigned)time(NULL) };
	struct kit_informer_config pc = { .path = "/api/v1/pods",
					  .name = "pods",
					  .resync_seconds = 30 };
	struct kit_informer_config nc = { .path = "/api/v1/nodes",
					  .name = "nodes",
					  .resync_seconds = 0 };
	const char *kubeconfig = NULL;
	struct kit_err err = { 0 };
	pthread_t thread;
	sigset_t stop;
	int c, sig;

	kit_log_init(prog);
	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'k': kubeconfig = optarg; break;
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
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	pthread_mutex_init(&s.lock, NULL);
	s.queue = kit_wq_new(1000, 10000);
	s.assumed = kit_cache_new();
	if (!s.queue || !s.assumed) {
		kit_err_set(&err, ENOMEM, NULL, "start scheduler");
		kit_die(prog, &err);
	}
	if (kit_kube_open(kubeconfig, &s.kube, &err) < 0)
		kit_die(prog, &err);
	nc.handlers = (struct kit_handlers){ node_changed, node_updated, NULL, &s };
	pc.handlers = (struct kit_handlers){ pod_added, pod_updated, pod_deleted, &s };
	/* Nodes first: a pod is only worth scheduling once they are known. */
	if (kit_informer_start(s.kube, &nc, &s.nodes, &err) < 0)
		kit_die(prog, &err);
	kit_informer_wait_synced(s.nodes, 10000);
	if (kit_informer_start(s.kube, &pc, &s.pods, &err) < 0)
		kit_die(prog, &err);
	if (pthread_create(&thread, NULL, worker, &s) != 0) {
		kit_err_set(&err, EAGAIN, NULL, "start scheduling thread");
		kit_die(prog, &err);
	}
	kit_info("scheduling (every node is evaluated for every pod)");
	do
		sig = sigwaitinfo(&stop, NULL);
	while (sig < 0);
	kit_info("%s: stopping after %llu bindings, %llu failed attempts", strsignal(sig),
		 (unsigned long long)s.scheduled, (unsigned long long)s.failed);
	kit_wq_shutdown(s.queue);
	pthread_join(thread, NULL);
	kit_informer_stop(s.pods);
	kit_informer_stop(s.nodes);
	kit_wq_free(s.queue);
	kit_cache_free(s.assumed);
	for (size_t i = 0; i < s.ucap; i++)
		free(s.usage[i].node);
	free(s.usage);
	kit_kube_close(s.kube);
	return 0;
}
