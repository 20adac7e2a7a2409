/* SPDX-License-Identifier: MIT */
/*
 * mini-scheduler - picks a node for every pod that has none.
 *
 * Article: §6.1 (Scheduler: "根据资源需求、策略约束 ... 将 Pod 调度到合适的
 * 节点上").  kube-scheduler's framework in small, one pod at a time:
 *
 *   queue   pods with no spec.nodeName, in three parts as kube-scheduler
 *           keeps them: active (ready to try), back-off (failed recently:
 *           waits 1s, 2s, 4s ... up to 10s per pod) and unschedulable
 *           (fits nowhere; moved back when the cluster changes: a node
 *           added or changed, a pod deleted or finished; or after 60s)
 *   Filter  NodeUnschedulable, NodeResourcesFit (cpu, memory, pods),
 *           NodeName, NodeAffinity (nodeSelector + required terms),
 *           TaintToleration (NoSchedule, NoExecute)
 *   Score   LeastAllocated, BalancedAllocation, NodeAffinity (preferred
 *           terms), TaintToleration (PreferNoSchedule); each 0..100,
 *           weight 1, the last two normalised over the feasible nodes;
 *           ties broken at random so equal nodes share the work
 *   Bind    POST pods/NAME/binding from a pool of binder threads; the
 *           server refuses a second binding (409), so two schedulers
 *           cannot both place a pod
 *
 * Every node is evaluated for every pod (kube-scheduler samples a share
 * of the nodes in large clusters: percentageOfNodesToScore).
 *
 * The hot path never reads JSON: the node informer's callbacks keep a
 * table of nodes (allocatable, labels, taints, and the requests of the
 * pods on it, kept current by the pod informer's callbacks); a pod is
 * "assumed" on its node before the binding is sent, so the next pod
 * already sees the node as fuller, and forgotten if the binding fails.
 *
 * Locks: the informers call back with their cache locked and then take
 * s->lock; so s->lock is never held while reading an informer's cache.
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
#include <unistd.h>

#include "control.h"
#include "kit/api_quantity.h"
#include "kit/informer.h"
#include "kit/log.h"

static const char *prog = "mini-scheduler";
static const char *component = "default-scheduler";

#define DEFAULT_CPU_MILLI 100                   /* for scoring pods with no requests */
#define DEFAULT_MEMORY    (200ll * 1024 * 1024) /* 200Mi */
#define MAX_SCORE         100
#define UNSCHEDULABLE_MAX 60000 /* ms an unschedulable pod waits at most */
#define REASON_TAINTS     8     /* distinct taints named in one message */

/* ---- a small string-keyed hash table (entries embed struct hnode) ----------------- */

struct hnode {
	struct hnode *hnext;
	char *key;
};

struct hmap {
	struct hnode **b;
	size_t nb, n;
};

static size_t hash(const char *s)
{
	size_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static void *hget(const struct hmap *m, const char *key)
{
	struct hnode *e;

	if (!m->nb)
		return NULL;
	for (e = m->b[hash(key) & (m->nb - 1)]; e; e = e->hnext)
		if (strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

static void hput(struct hmap *m, struct hnode *node)
{
	size_t i;

	if (m->n >= m->nb) {
		size_t nb = m->nb ? m->nb * 2 : 1024;
		struct hnode **b = calloc(nb, sizeof(*b));

		if (!b)
			abort(); /* no way on without the bookkeeping */
		for (i = 0; i < m->nb; i++)
			for (struct hnode *e = m->b[i], *next; e; e = next) {
				next = e->hnext;
				e->hnext = b[hash(e->key) & (nb - 1)];
				b[hash(e->key) & (nb - 1)] = e;
			}
		free(m->b);
		m->b = b;
		m->nb = nb;
	}
	i = hash(node->key) & (m->nb - 1);
	node->hnext = m->b[i];
	m->b[i] = node;
	m->n++;
}

static void hdel(struct hmap *m, struct hnode *node)
{
	struct hnode **p;

	if (!m->nb)
		return;
	for (p = &m->b[hash(node->key) & (m->nb - 1)]; *p; p = &(*p)->hnext)
		if (*p == node) {
			*p = node->hnext;
			m->n--;
			return;
		}
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		abort();
	return d;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		abort();
	return p;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- what the scheduler knows: nodes, pods placed on them, the queue -------------- */

/*
 * A node, in two parts.  What every cycle reads for every node is in one
 * array of small structs (s->hot[i], next to each other in memory: the
 * scan reads it front to back); the rest (name, labels, taints) only for
 * the pods and nodes that need it (s->nodev[i]).
 */
enum { H_PRESENT = 1, H_UNSCHEDULABLE = 2, H_TAINTS = 4 };

struct hot {
	int64_t cpu, mem, cpu_nz, mem_nz; /* requested by its pods (nz: for scores) */
	int64_t alloc_cpu, alloc_mem;     /* allocatable: milli-CPU, bytes */
	double inv_cpu, inv_mem;          /* 1 / allocatable, or 0 */
	int32_t pods, alloc_pods;
	uint32_t flags; /* H_* */
};

struct node {
	struct hnode h;         /* key: the node's name */
	size_t idx;             /* in s->nodev and s->hot */
	cJSON *labels, *taints; /* copies, or NULL */
	unsigned prefer_taints; /* PreferNoSchedule taints */
};

/* What a pod asks for. */
struct demand {
	int64_t cpu, mem;       /* requests: milli-CPU, bytes */
	int64_t cpu_nz, mem_nz; /* the same with defaults for zero (scoring) */
};

/* A pod counted on a node: bound (the informer says so) or assumed. */
struct placed {
	struct hnode h; /* key: namespace/name */
	struct node *node;
	struct demand d;
	bool assumed;
};

enum where { Q_NONE, Q_ACTIVE, Q_BACKOFF, Q_UNSCHEDULABLE, Q_INFLIGHT };

/* A pod waiting to be scheduled. */
struct qpod {
	struct hnode h; /* key: namespace/name */
	enum where where;
	struct qpod *prev, *next; /* in its sub-queue */
	unsigned attempts;
	int64_t backoff_until, since; /* ms, monotonic */
	uint64_t popped_at_move;      /* s->moves when the cycle began */
	bool gone;                    /* deleted or bound while in flight */
};

struct list {
	struct qpod *head, *tail;
	size_t len;
};

/* A binding or an event, for the binder threads. */
struct job {
	struct job *next;
	cJSON *pod;    /* a copy */
	char *node;    /* bind to it, or NULL: post the event only */
	char *message; /* FailedScheduling text */
};

struct scheduler {
	struct kit_kube *kube;
	struct kit_informer *pods, *nodes;
	pthread_mutex_t lock;
	pthread_cond_t wake, jobs_wake;
	struct hmap nodemap, placed, queued;
	struct node **nodev; /* every node ever seen, for the scan */
	struct hot *hot;     /* the same index */
	size_t nnodes, capnodes;
	size_t prefer_nodes; /* nodes with PreferNoSchedule taints */
	struct list active, backoff, unsched;
	uint64_t moves; /* cluster changes that move unschedulable pods */
	struct job *jobs, *jobs_tail;
	struct job *events, *events_tail; /* posted by one thread, after bindings */
	size_t nevents;
	pthread_cond_t events_wake;
	bool stopping;
	uint64_t rng; /* xorshift, for ties */
	int64_t backoff_initial, backoff_max;
	/* statistics */
	uint64_t scheduled, failed, conflicts, cycles, cycle_ns, events_dropped;
};

#define EVENTS_MAX 10000 /* events waiting; more are dropped (client-go does too) */

/* ---- the sub-queues ----------------------------------------------------------------- */

static struct list *list_of(struct scheduler *s, enum where w)
{
	return w == Q_ACTIVE          ? &s->active
	       : w == Q_BACKOFF       ? &s->backoff
	       : w == Q_UNSCHEDULABLE ? &s->unsched
				      : NULL;
}

static void unlink_q(struct scheduler *s, struct qpod *q)
{
	struct list *l = list_of(s, q->where);

	if (!l)
		return;
	if (q->prev)
		q->prev->next = q->next;
	else
		l->head = q->next;
	if (q->next)
		q->next->prev = q->prev;
	else
		l->tail = q->prev;
	q->prev = q->next = NULL;
	l->len--;
	q->where = Q_NONE;
}

static void push_q(struct scheduler *s, struct qpod *q, enum where w)
{
	struct list *l;

	unlink_q(s, q);
	q->where = w;
	l = list_of(s, w);
	if (!l)
		return;
	q->prev = l->tail;
	if (l->tail)
		l->tail->next = q;
	else
		l->head = q;
	l->tail = q;
	l->len++;
	if (w == Q_ACTIVE)
		pthread_cond_signal(&s->wake);
}

static void drop_q(struct scheduler *s, struct qpod *q)
{
	unlink_q(s, q);
	hdel(&s->queued, &q->h);
	free(q->h.key);
	free(q);
}

/* A pod that wants a node: into the active queue unless it is queued already. */
static void enqueue(struct scheduler *s, const char *key)
{
	struct qpod *q = hget(&s->queued, key);

	if (q) {
		q->gone = false;
		return;
	}
	q = xcalloc(1, sizeof(*q));
	q->h.key = xstrdup(key);
	hput(&s->queued, &q->h);
	push_q(s, q, Q_ACTIVE);
}

/* The pod no longer needs us (bound, deleted, finished). */
static void dequeue(struct scheduler *s, const char *key)
{
	struct qpod *q = hget(&s->queued, key);

	if (!q)
		return;
	if (q->where == Q_INFLIGHT)
		q->gone = true; /* the scheduling thread frees it */
	else
		drop_q(s, q);
}

static int64_t backoff_of(const struct scheduler *s, unsigned attempts)
{
	int64_t d = s->backoff_initial;

	for (unsigned i = 1; i < attempts && d < s->backoff_max; i++)
		d *= 2;
	return d < s->backoff_max ? d : s->backoff_max;
}

/*
 * Something changed that may let unschedulable pods fit: kube-scheduler's
 * MoveAllToActiveOrBackoffQueue.  Pods still within their back-off wait it
 * out in the back-off queue.
 */
static void move_all(struct scheduler *s)
{
	int64_t now = now_ms();

	s->moves++;
	while (s->unsched.head) {
		struct qpod *q = s->unsched.head;

		push_q(s, q, q->backoff_until > now ? Q_BACKOFF : Q_ACTIVE);
	}
}

/* Back-off over: to the active queue.  Unschedulable for too long: the same. */
static int64_t flush_queues(struct scheduler *s)
{
	int64_t now = now_ms(), next = now + 100;
	struct qpod *q, *n;

	for (q = s->backoff.head; q; q = n) {
		n = q->next;
		if (q->backoff_until <= now)
			push_q(s, q, Q_ACTIVE);
		else if (q->backoff_until < next)
			next = q->backoff_until;
	}
	for (q = s->unsched.head; q; q = n) {
		n = q->next;
		if (now - q->since >= UNSCHEDULABLE_MAX)
			push_q(s, q, Q_ACTIVE);
	}
	return next;
}

/* ---- accounting: requests per node ------------------------------------------------ */

static struct node *node_of(struct scheduler *s, const char *name)
{
	struct node *n = hget(&s->nodemap, name);

	if (n)
		return n;
	n = xcalloc(1, sizeof(*n));
	n->h.key = xstrdup(name);
	hput(&s->nodemap, &n->h);
	if (s->nnodes == s->capnodes) {
		s->capnodes = s->capnodes ? s->capnodes * 2 : 1024;
		s->nodev = realloc(s->nodev, s->capnodes * sizeof(*s->nodev));
		s->hot = realloc(s->hot, s->capnodes * sizeof(*s->hot));
		if (!s->nodev || !s->hot)
			abort();
	}
	n->idx = s->nnodes++;
	s->nodev[n->idx] = n;
	memset(&s->hot[n->idx], 0, sizeof(s->hot[n->idx]));
	return n;
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

static void charge(struct scheduler *s, const struct node *n, const struct demand *d,
		   int sign)
{
	struct hot *h = &s->hot[n->idx];

	h->cpu += sign * d->cpu;
	h->mem += sign * d->mem;
	h->cpu_nz += sign * d->cpu_nz;
	h->mem_nz += sign * d->mem_nz;
	h->pods += sign;
}

static void unplace(struct scheduler *s, struct placed *p)
{
	charge(s, p->node, &p->d, -1);
	hdel(&s->placed, &p->h);
	free(p->h.key);
	free(p);
}

static void place(struct scheduler *s, const char *key, struct node *n,
		  const struct demand *d, bool assumed)
{
	struct placed *p = xcalloc(1, sizeof(*p));

	p->h.key = xstrdup(key);
	p->node = n;
	p->d = *d;
	p->assumed = assumed;
	charge(s, n, d, 1);
	hput(&s->placed, &p->h);
}

/*
 * The informer's view of @pod: count it on its node, or not.  An assumed
 * pod the informer still shows unbound stays counted (its binding is in
 * flight); once the informer shows it bound, the assumption is confirmed.
 * Returns true if the pod had been counted and no longer is (room freed).
 */
static bool track(struct scheduler *s, const char *key, const cJSON *pod)
{
	const char *name = ctl_str(pod, "spec.nodeName");
	struct placed *p = hget(&s->placed, key);
	bool active = ctl_pod_active(pod);
	struct demand d;

	if (!name || !*name) {
		if (p && !p->assumed) {
			unplace(s, p);
			return true;
		}
		return false;
	}
	if (p && active && strcmp(p->node->h.key, name) == 0) {
		p->assumed = false;
		return false;
	}
	if (p)
		unplace(s, p);
	if (!active)
		return p != NULL;
	d = demand_of(pod);
	place(s, key, node_of(s, name), &d, false);
	return false;
}

static bool wants_us(const cJSON *pod)
{
	const char *name = ctl_str(pod, "spec.schedulerName");
	const char *node = ctl_str(pod, "spec.nodeName");

	return (!node || !*node) && ctl_pod_active(pod) &&
	       (!name || strcmp(name, component) == 0);
}

/* ---- the informers' callbacks ------------------------------------------------------ */

static void pod_seen(struct scheduler *s, const cJSON *old, const cJSON *pod)
{
	char key[512];
	bool freed;

	if (!kit_object_key(pod, key, sizeof(key)))
		return;
	pthread_mutex_lock(&s->lock);
	freed = track(s, key, pod);
	if (wants_us(pod)) {
		struct qpod *q = hget(&s->queued, key);

		if (!q && !hget(&s->placed, key))
			enqueue(s, key); /* new, or lost: resyncs find it */
		else if (q && old && old != pod &&
			 !cJSON_Compare(ctl_get(old, "spec"), ctl_get(pod, "spec"),
					true)) {
			/* its spec changed: it may fit now */
			if (q->where == Q_UNSCHEDULABLE || q->where == Q_BACKOFF)
				push_q(s, q, Q_ACTIVE);
			else if (q->where == Q_INFLIGHT)
				q->popped_at_move = s->moves - 1;
		}
	} else {
		dequeue(s, key);
	}
	if (freed)
		move_all(s); /* a pod finished: its node has room */
	pthread_mutex_unlock(&s->lock);
}

static void pod_added(void *ctx, const cJSON *pod)
{
	pod_seen(ctx, NULL, pod);
}

static void pod_updated(void *ctx, const cJSON *old, const cJSON *pod)
{
	pod_seen(ctx, old, pod);
}

static void pod_deleted(void *ctx, const cJSON *pod)
{
	struct scheduler *s = ctx;
	struct placed *p;
	char key[512];

	if (!kit_object_key(pod, key, sizeof(key)))
		return;
	pthread_mutex_lock(&s->lock);
	dequeue(s, key);
	if ((p = hget(&s->placed, key))) {
		unplace(s, p);
		move_all(s);
	}
	pthread_mutex_unlock(&s->lock);
}

static void node_set(struct scheduler *s, const cJSON *obj, bool present)
{
	const char *name = ctl_str(obj, "metadata.name");
	const char *cpu = ctl_str(obj, "status.allocatable.cpu");
	const char *mem = ctl_str(obj, "status.allocatable.memory");
	const char *pods = ctl_str(obj, "status.allocatable.pods");
	const cJSON *t;
	struct node *n;
	struct hot *h;

	if (!name)
		return;
	pthread_mutex_lock(&s->lock);
	n = node_of(s, name);
	h = &s->hot[n->idx];
	s->prefer_nodes -= (h->flags & H_PRESENT) && n->prefer_taints;
	cJSON_Delete(n->labels);
	cJSON_Delete(n->taints);
	n->labels = n->taints = NULL;
	n->prefer_taints = 0;
	h->flags = 0;
	if (present) {
		const cJSON *labels = ctl_get(obj, "metadata.labels");
		const cJSON *taints = ctl_get(obj, "spec.taints");
		int64_t v;

		h->flags = H_PRESENT;
		if (cJSON_IsTrue(ctl_get(obj, "spec.unschedulable")))
			h->flags |= H_UNSCHEDULABLE;
		h->alloc_cpu = cpu ? kit_quantity_milli(cpu) : 0;
		h->alloc_mem = mem ? kit_quantity_value(mem) : 0;
		h->inv_cpu = h->alloc_cpu > 0 ? 1.0 / (double)h->alloc_cpu : 0;
		h->inv_mem = h->alloc_mem > 0 ? 1.0 / (double)h->alloc_mem : 0;
		v = pods ? kit_quantity_value(pods) : 0;
		h->alloc_pods = v > INT32_MAX ? INT32_MAX : v < 0 ? 0 : (int32_t)v;
		if (cJSON_GetArraySize(labels) > 0)
			n->labels = cJSON_Duplicate(labels, true);
		if (cJSON_GetArraySize(taints) > 0) {
			n->taints = cJSON_Duplicate(taints, true);
			h->flags |= H_TAINTS;
		}
		cJSON_ArrayForEach(t, n->taints)
		{
			const char *e = ctl_str(t, "effect");

			n->prefer_taints += e && strcmp(e, "PreferNoSchedule") == 0;
		}
		s->prefer_nodes += n->prefer_taints > 0;
	}
	move_all(s);
	pthread_mutex_unlock(&s->lock);
}

static void node_added(void *ctx, const cJSON *node)
{
	node_set(ctx, node, true);
}

static void node_updated(void *ctx, const cJSON *old, const cJSON *node)
{
	if (old != node) /* not on resyncs */
		node_set(ctx, node, true);
}

static void node_deleted(void *ctx, const cJSON *node)
{
	node_set(ctx, node, false);
}

/* ---- Filter ------------------------------------------------------------------------ */

enum reason { R_UNSCHEDULABLE, R_CPU, R_MEMORY, R_PODS, R_NODE_NAME, R_AFFINITY, R_MAX };

static const char *const reason_text[R_MAX] = {
	[R_UNSCHEDULABLE] = "node(s) were unschedulable",
	[R_CPU] = "Insufficient cpu",
	[R_MEMORY] = "Insufficient memory",
	[R_PODS] = "Too many pods",
	[R_NODE_NAME] = "node(s) didn't match the requested node name",
	[R_AFFINITY] = "node(s) didn't match Pod's node affinity/selector",
};

/* One toleration against one taint, as v1.Toleration.ToleratesTaint. */
static bool tolerates_one(const cJSON *t, const char *tk, const char *tv, const char *te)
{
	const char *k = ctl_str(t, "key"), *op = ctl_str(t, "operator");
	const char *v = ctl_str(t, "value"), *e = ctl_str(t, "effect");

	if (e && *e && strcmp(e, te ? te : "") != 0)
		return false;
	if (k && *k && strcmp(k, tk ? tk : "") != 0)
		return false;
	if (op && strcmp(op, "Exists") == 0)
		return true;
	if ((!k || !*k)) /* an empty key only goes with Exists */
		return false;
	return strcmp(v ? v : "", tv ? tv : "") == 0;
}

static bool tolerates(const cJSON *tolerations, const char *key, const char *value,
		      const char *effect)
{
	const cJSON *t;

	cJSON_ArrayForEach(
		t, tolerations) if (tolerates_one(t, key, value, effect)) return true;
	return false;
}

/* The first NoSchedule/NoExecute taint the pod does not tolerate, or NULL. */
static const cJSON *untolerated(const cJSON *tolerations, const cJSON *taints)
{
	const cJSON *taint;

	cJSON_ArrayForEach(taint, taints)
	{
		const char *e = ctl_str(taint, "effect");

		if (e && strcmp(e, "PreferNoSchedule") == 0)
			continue;
		if (!tolerates(tolerations, ctl_str(taint, "key"),
			       ctl_str(taint, "value"), e))
			return taint;
	}
	return NULL;
}

/* PreferNoSchedule taints the pod does not tolerate (TaintToleration's score). */
static int64_t intolerable(const cJSON *tolerations, const cJSON *taints)
{
	const cJSON *taint, *t;
	int64_t n = 0;

	cJSON_ArrayForEach(taint, taints)
	{
		const char *e = ctl_str(taint, "effect");
		bool ok = false;

		if (!e || strcmp(e, "PreferNoSchedule") != 0)
			continue;
		/* only tolerations for PreferNoSchedule (or any effect) count */
		cJSON_ArrayForEach(t, tolerations)
		{
			const char *te = ctl_str(t, "effect");

			if ((!te || !*te || strcmp(te, "PreferNoSchedule") == 0) &&
			    tolerates_one(t, ctl_str(taint, "key"),
					  ctl_str(taint, "value"), e))
				ok = true;
		}
		n += !ok;
	}
	return n;
}

static bool parse_int(const char *s, long long *v)
{
	char *end;

	if (!s || !*s)
		return false;
	errno = 0;
	*v = strtoll(s, &end, 10);
	return !*end && errno == 0;
}

/* One NodeSelectorRequirement: In, NotIn, Exists, DoesNotExist, Gt, Lt. */
static bool requirement_ok(const cJSON *req, const char *have)
{
	const char *op = ctl_str(req, "operator");
	const cJSON *values = ctl_get(req, "values"), *v;
	long long a, b;

	if (!op)
		return false;
	if (strcmp(op, "Exists") == 0)
		return have != NULL;
	if (strcmp(op, "DoesNotExist") == 0)
		return have == NULL;
	if (strcmp(op, "In") == 0 || strcmp(op, "NotIn") == 0) {
		bool in = false;

		cJSON_ArrayForEach(v, values) if (have && cJSON_IsString(v) &&
						  strcmp(v->valuestring, have) == 0) in =
			true;
		return op[0] == 'I' ? in : !in;
	}
	if (strcmp(op, "Gt") == 0 || strcmp(op, "Lt") == 0) {
		/* one value, both sides integers */
		if (cJSON_GetArraySize(values) != 1 || !parse_int(have, &a) ||
		    !parse_int(cJSON_GetStringValue(cJSON_GetArrayItem(values, 0)), &b))
			return false;
		return op[0] == 'G' ? a > b : a < b;
	}
	return false;
}

/* A NodeSelectorTerm: every expression (labels) and field (metadata.name) holds. */
static bool term_ok(const cJSON *term, const struct node *n)
{
	const cJSON *req;
	bool any = false;

	cJSON_ArrayForEach(req, ctl_get(term, "matchExpressions"))
	{
		const char *key = ctl_str(req, "key");
		const cJSON *v =
			key ? cJSON_GetObjectItemCaseSensitive(n->labels, key) : NULL;

		any = true;
		if (!requirement_ok(req, cJSON_GetStringValue(v)))
			return false;
	}
	cJSON_ArrayForEach(req, ctl_get(term, "matchFields"))
	{
		const char *key = ctl_str(req, "key");

		any = true;
		if (!key || strcmp(key, "metadata.name") != 0 ||
		    !requirement_ok(req, n->h.key))
			return false;
	}
	return any; /* an empty term matches nothing */
}

/* The pod, read once per scheduling cycle. */
struct podspec {
	const cJSON *pod;
	struct demand d;
	const char *node_name;
	const cJSON *selector, *required, *preferred, *tolerations;
	bool tolerates_unschedulable;
};

static bool affinity_ok(const struct podspec *ps, const struct node *n)
{
	const cJSON *sel, *term;

	cJSON_ArrayForEach(sel, ps->selector)
	{
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(n->labels, sel->string);

		if (!cJSON_IsString(v) || !cJSON_IsString(sel) ||
		    strcmp(v->valuestring, sel->valuestring) != 0)
			return false;
	}
	if (!ps->required)
		return true;
	/* the terms are ORed, the expressions in a term ANDed */
	cJSON_ArrayForEach(term, ps->required) if (term_ok(term, n)) return true;
	return false;
}

/* One scheduling cycle's working state. */
struct cycle {
	struct podspec ps;
	unsigned counts[R_MAX];
	struct {
		char text[160];
		unsigned count;
	} taints[REASON_TAINTS];
	unsigned nodes, feasible;
	struct node **fit; /* feasible nodes and their raw scores */
	int64_t *base, *aff, *tnt;
};

static void count_taint(struct cycle *c, const cJSON *taint)
{
	char text[160];
	size_t i;

	snprintf(text, sizeof(text), "{%.60s: %.60s}",
		 ctl_str(taint, "key") ? ctl_str(taint, "key") : "",
		 ctl_str(taint, "value") ? ctl_str(taint, "value") : "");
	for (i = 0; i < REASON_TAINTS && c->taints[i].count; i++)
		if (strcmp(c->taints[i].text, text) == 0)
			break;
	if (i == REASON_TAINTS)
		i--; /* many different taints: the last slot counts the rest */
	if (!c->taints[i].count)
		memcpy(c->taints[i].text, text, sizeof(text));
	c->taints[i].count++;
}

/*
 * The filters, in kube-scheduler 1.20's order; the first failure says why.
 * The node's cold half (@s->nodev[@i]) is read only when the pod or the
 * node needs it: a name, a selector, taints.
 */
static bool feasible(struct cycle *c, const struct scheduler *s, size_t i)
{
	const struct podspec *ps = &c->ps;
	const struct hot *h = &s->hot[i];
	const cJSON *taint;
	bool fits = true;

	if ((h->flags & H_UNSCHEDULABLE) && !ps->tolerates_unschedulable) {
		c->counts[R_UNSCHEDULABLE]++;
		return false;
	}
	/* NodeResourcesFit: every short resource is named */
	if (h->pods + 1 > h->alloc_pods)
		c->counts[R_PODS]++, fits = false;
	if (ps->d.cpu > 0 && h->cpu + ps->d.cpu > h->alloc_cpu)
		c->counts[R_CPU]++, fits = false;
	if (ps->d.mem > 0 && h->mem + ps->d.mem > h->alloc_mem)
		c->counts[R_MEMORY]++, fits = false;
	if (!fits)
		return false;
	if (ps->node_name && strcmp(ps->node_name, s->nodev[i]->h.key) != 0) {
		c->counts[R_NODE_NAME]++;
		return false;
	}
	if ((ps->selector || ps->required) && !affinity_ok(ps, s->nodev[i])) {
		c->counts[R_AFFINITY]++;
		return false;
	}
	if ((h->flags & H_TAINTS) &&
	    (taint = untolerated(ps->tolerations, s->nodev[i]->taints))) {
		count_taint(c, taint);
		return false;
	}
	return true;
}

/*
 * LeastAllocated + BalancedAllocation, as kube-scheduler 1.20 computes
 * them: (free * 100 / allocatable) for cpu and memory, averaged; and
 * 100 * (1 - |cpu share - memory share|).  Divisions are multiplications
 * by the node's precomputed 1 / allocatable (the 1e-9 keeps an exact
 * integer quotient from rounding down to the one below).
 */
static int64_t resource_score(const struct podspec *ps, const struct hot *h)
{
	int64_t cpu = h->cpu_nz + ps->d.cpu_nz, mem = h->mem_nz + ps->d.mem_nz;
	int64_t least_cpu = 0, least_mem = 0, balanced = 0;
	double fc = (double)cpu * h->inv_cpu, fm = (double)mem * h->inv_mem, diff;

	if (h->alloc_cpu > 0 && cpu <= h->alloc_cpu)
		least_cpu = (int64_t)((double)((h->alloc_cpu - cpu) * MAX_SCORE) *
					      h->inv_cpu +
				      1e-9);
	if (h->alloc_mem > 0 && mem <= h->alloc_mem)
		least_mem =
			(int64_t)((double)(h->alloc_mem - mem) * MAX_SCORE * h->inv_mem +
				  1e-9);
	if (h->alloc_cpu > 0 && h->alloc_mem > 0 && fc < 1 && fm < 1) {
		diff = fc > fm ? fc - fm : fm - fc;
		balanced = (int64_t)((1 - diff) * MAX_SCORE);
	}
	return (least_cpu + least_mem) / 2 + balanced;
}

/* Preferred node affinity: the sum of the weights of the terms that match. */
static int64_t affinity_score(const struct podspec *ps, const struct node *n)
{
	const cJSON *pref;
	int64_t sum = 0;

	cJSON_ArrayForEach(pref, ps->preferred)
	{
		int64_t w = ctl_int(pref, "weight", 0);

		if (w > 0 && term_ok(ctl_get(pref, "preference"), n))
			sum += w;
	}
	return sum;
}

/* Reservoir sampling among equal scores: the k-th tie wins with chance 1/k. */
static bool take_tie(struct scheduler *s, unsigned ties)
{
	s->rng ^= s->rng << 13;
	s->rng ^= s->rng >> 7;
	s->rng ^= s->rng << 17;
	return s->rng % ties == 0;
}

/* Filter and score every node; the best one (random among equals), or NULL. */
static struct node *pick(struct scheduler *s, struct cycle *c)
{
	int64_t max_aff = 0, max_tnt = 0, best = -1, score;
	struct node *winner = NULL;
	unsigned ties = 0;

	if (!c->ps.preferred && !s->prefer_nodes) {
		/*
		 * The common case, in one pass: no score needs normalising over
		 * the feasible nodes (no preferred affinity: 0 everywhere; no
		 * PreferNoSchedule taint: TaintToleration gives 100 everywhere).
		 */
		for (size_t i = 0; i < s->nnodes; i++) {
			if (!(s->hot[i].flags & H_PRESENT))
				continue;
			c->nodes++;
			if (!feasible(c, s, i))
				continue;
			c->feasible++;
			score = resource_score(&c->ps, &s->hot[i]) + MAX_SCORE;
			if (score > best) {
				best = score;
				winner = s->nodev[i];
				ties = 1;
			} else if (score == best && take_tie(s, ++ties)) {
				winner = s->nodev[i];
			}
		}
		return winner;
	}
	for (size_t i = 0; i < s->nnodes; i++) {
		struct node *n = s->nodev[i];
		size_t k;

		if (!(s->hot[i].flags & H_PRESENT))
			continue;
		c->nodes++;
		if (!feasible(c, s, i))
			continue;
		k = c->feasible++;
		c->fit[k] = n;
		c->base[k] = resource_score(&c->ps, &s->hot[i]);
		c->aff[k] = c->ps.preferred ? affinity_score(&c->ps, n) : 0;
		c->tnt[k] =
			n->prefer_taints ? intolerable(c->ps.tolerations, n->taints) : 0;
		if (c->aff[k] > max_aff)
			max_aff = c->aff[k];
		if (c->tnt[k] > max_tnt)
			max_tnt = c->tnt[k];
	}
	for (unsigned k = 0; k < c->feasible; k++) {
		/* NormalizeScore: affinity to 0..100; taints reversed, fewer is better */
		score = c->base[k];
		if (max_aff > 0)
			score += c->aff[k] * MAX_SCORE / max_aff;
		score += max_tnt > 0 ? MAX_SCORE - c->tnt[k] * MAX_SCORE / max_tnt
				     : MAX_SCORE;
		if (score > best) {
			best = score;
			winner = c->fit[k];
			ties = 1;
		} else if (score == best && take_tie(s, ++ties)) {
			winner = c->fit[k];
		}
	}
	return winner;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "0/3 nodes are available: 2 Insufficient cpu, 1 node(s) had untolerated taint {k: v}." */
static void failure_message(const struct cycle *c, char *buf, size_t size)
{
	char parts[R_MAX + REASON_TAINTS][256], *sorted[R_MAX + REASON_TAINTS];
	size_t n = 0, off;

	for (int r = 0; r < R_MAX; r++)
		if (c->counts[r]) {
			snprintf(parts[n], sizeof(parts[n]), "%u %s", c->counts[r],
				 reason_text[r]);
			sorted[n] = parts[n];
			n++;
		}
	for (int t = 0; t < REASON_TAINTS && c->taints[t].count; t++) {
		snprintf(parts[n], sizeof(parts[n]),
			 "%u node(s) had untolerated taint %s", c->taints[t].count,
			 c->taints[t].text);
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

/* ---- Bind (the binder threads) ------------------------------------------------------ */

static void free_job(struct job *j)
{
	cJSON_Delete(j->pod);
	free(j->node);
	free(j->message);
	free(j);
}

/*
 * A binding for the binders (@node set), or an event for the event thread
 * (lock held).  Events are for people: posted after the bindings, and
 * dropped when too many wait, as client-go's event broadcaster does.
 */
static void add_job(struct scheduler *s, cJSON *pod, const char *node,
		    const char *message)
{
	struct job *j = xcalloc(1, sizeof(*j));
	struct job **head = node ? &s->jobs : &s->events;
	struct job **tail = node ? &s->jobs_tail : &s->events_tail;

	j->pod = pod;
	j->node = node ? xstrdup(node) : NULL;
	j->message = message ? xstrdup(message) : NULL;
	if (!node && s->nevents >= EVENTS_MAX) {
		s->events_dropped++;
		free_job(j);
		return;
	}
	s->nevents += !node;
	if (*tail)
		(*tail)->next = j;
	else
		*head = j;
	*tail = j;
	pthread_cond_signal(node ? &s->jobs_wake : &s->events_wake);
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

/* A binding failed: forget the assumption; retry later unless it is moot. */
static void bind_failed(struct scheduler *s, const char *key, int ret)
{
	struct placed *p;
	struct qpod *q;

	pthread_mutex_lock(&s->lock);
	if ((p = hget(&s->placed, key)) && p->assumed)
		unplace(s, p);
	if (ret == -ECANCELED) {
		s->conflicts++; /* someone else bound it: the informer will say where */
	} else if (ret != -ENOENT) {
		enqueue(s, key);
		if ((q = hget(&s->queued, key)) && q->where == Q_ACTIVE) {
			q->attempts++;
			q->backoff_until = now_ms() + backoff_of(s, q->attempts);
			push_q(s, q, Q_BACKOFF);
		}
	}
	pthread_mutex_unlock(&s->lock);
}

static void *binder(void *arg)
{
	struct scheduler *s = arg;

	for (;;) {
		struct kit_err err = { 0 };
		char key[512], msg[600];
		struct job *j;
		int ret;

		pthread_mutex_lock(&s->lock);
		while (!s->jobs && !s->stopping)
			pthread_cond_wait(&s->jobs_wake, &s->lock);
		if (s->stopping) { /* the next scheduler will place what waits */
			pthread_mutex_unlock(&s->lock);
			return NULL;
		}
		j = s->jobs;
		if (j && !(s->jobs = j->next))
			s->jobs_tail = NULL;
		pthread_mutex_unlock(&s->lock);
		if (!j)
			return NULL;
		kit_object_key(j->pod, key, sizeof(key));
		if ((ret = bind(s, j->pod, j->node, &err)) < 0) {
			if (ret == -ECANCELED)
				kit_info("bind %s to %s: 409, bound by someone else: "
					 "forgetting it",
					 key, j->node);
			else
				kit_warn("bind %s to %s: %s", key, j->node, err.msg);
			bind_failed(s, key, ret);
			free_job(j);
			continue;
		}
		kit_debug("bound %s to %s", key, j->node);
		snprintf(msg, sizeof(msg), "Successfully assigned %s to %s", key,
			 j->node);
		pthread_mutex_lock(&s->lock);
		s->scheduled++;
		add_job(s, j->pod, NULL, msg); /* the event takes the pod over */
		pthread_mutex_unlock(&s->lock);
		j->pod = NULL;
		free_job(j);
	}
}

/* The event thread: Scheduled and FailedScheduling, in order. */
static void *eventer(void *arg)
{
	struct scheduler *s = arg;

	for (;;) {
		struct job *j;

		pthread_mutex_lock(&s->lock);
		while (!s->events && !s->stopping)
			pthread_cond_wait(&s->events_wake, &s->lock);
		if (s->stopping) { /* what waits is dropped: events are for people */
			pthread_mutex_unlock(&s->lock);
			return NULL;
		}
		j = s->events;
		if (j && !(s->events = j->next))
			s->events_tail = NULL;
		s->nevents -= j != NULL;
		pthread_mutex_unlock(&s->lock);
		if (!j)
			return NULL;
		if (strncmp(j->message, "Successfully", 12) == 0)
			ctl_event(s->kube, component, j->pod, "Pod", "Normal",
				  "Scheduled", "%s", j->message);
		else
			ctl_event(s->kube, component, j->pod, "Pod", "Warning",
				  "FailedScheduling", "%s", j->message);
		free_job(j);
	}
}

/* ---- the scheduling loop ------------------------------------------------------------ */

static void read_pod(struct podspec *ps, const cJSON *pod)
{
	const char *want = ctl_str(pod, "spec.nodeName");
	const cJSON *na = ctl_get(pod, "spec.affinity.nodeAffinity");

	ps->pod = pod;
	ps->d = demand_of(pod);
	ps->node_name = want && *want ? want : NULL;
	ps->selector = cJSON_GetArraySize(ctl_get(pod, "spec.nodeSelector")) > 0
			       ? ctl_get(pod, "spec.nodeSelector")
			       : NULL;
	ps->required = ctl_get(na, "requiredDuringSchedulingIgnoredDuringExecution."
				   "nodeSelectorTerms");
	ps->preferred = ctl_get(na, "preferredDuringSchedulingIgnoredDuringExecution");
	if (cJSON_GetArraySize(ps->preferred) == 0)
		ps->preferred = NULL;
	ps->tolerations = ctl_get(pod, "spec.tolerations");
	ps->tolerates_unschedulable = tolerates(
		ps->tolerations, "node.kubernetes.io/unschedulable", NULL, "NoSchedule");
}

/*
 * One scheduling cycle for the pod @q (lock held; @pod is the informer's
 * copy, taken over).  Either the pod is assumed on a node and its binding
 * queued, or it goes to the unschedulable queue (to back-off if the
 * cluster changed meanwhile) with a FailedScheduling event.
 */
static void schedule_one(struct scheduler *s, struct qpod *q, cJSON *pod, struct cycle *c)
{
	struct timespec t0, t1;
	struct node *n;
	char msg[1024];

	memset(c->counts, 0, sizeof(c->counts));
	memset(c->taints, 0, sizeof(c->taints));
	c->nodes = c->feasible = 0;
	read_pod(&c->ps, pod);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	n = pick(s, c);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s->cycles++;
	s->cycle_ns += (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000000ll +
				  (t1.tv_nsec - t0.tv_nsec));
	if (n) {
		/* Assume: the node is fuller from now on, for the next pod. */
		place(s, q->h.key, n, &c->ps.d, true);
		drop_q(s, q);
		add_job(s, pod, n->h.key, NULL);
		return;
	}
	failure_message(c, msg, sizeof(msg));
	kit_info("%s: %s", q->h.key, msg);
	s->failed++;
	q->attempts++;
	q->since = now_ms();
	q->backoff_until = q->since + backoff_of(s, q->attempts);
	/* the cluster changed during the cycle: what failed may fit now */
	push_q(s, q, s->moves != q->popped_at_move ? Q_BACKOFF : Q_UNSCHEDULABLE);
	add_job(s, pod, NULL, msg);
}

static void *scheduling_loop(void *arg)
{
	struct scheduler *s = arg;
	struct cycle c = { 0 };
	int64_t next = 0;
	size_t room = 0;

	pthread_mutex_lock(&s->lock);
	while (!s->stopping) {
		struct qpod *q;
		cJSON *pod;

		/* the timers, now and then: a scan of the waiting pods */
		if (!s->active.head || now_ms() >= next)
			next = flush_queues(s);
		q = s->active.head;

		if (!q) {
			struct timespec ts;
			int64_t wait = next - now_ms();

			if (wait < 1)
				wait = 1;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += wait / 1000;
			ts.tv_nsec += (wait % 1000) * 1000000;
			if (ts.tv_nsec >= 1000000000)
				ts.tv_sec++, ts.tv_nsec -= 1000000000;
			pthread_cond_timedwait(&s->wake, &s->lock, &ts);
			continue;
		}
		push_q(s, q, Q_INFLIGHT);
		q->popped_at_move = s->moves;
		q->gone = false;
		pthread_mutex_unlock(&s->lock);
		/* the informer's copy, read without s->lock (see the locks above) */
		pod = kit_cache_get(kit_informer_cache(s->pods), q->h.key);
		pthread_mutex_lock(&s->lock);
		if (q->gone || !pod || !wants_us(pod) || hget(&s->placed, q->h.key)) {
			drop_q(s, q);
			cJSON_Delete(pod);
			continue;
		}
		if (room < s->nnodes) {
			room = s->capnodes;
			free(c.fit), free(c.base), free(c.aff), free(c.tnt);
			c.fit = xcalloc(room, sizeof(*c.fit));
			c.base = xcalloc(room, sizeof(*c.base));
			c.aff = xcalloc(room, sizeof(*c.aff));
			c.tnt = xcalloc(room, sizeof(*c.tnt));
		}
		schedule_one(s, q, pod, &c);
	}
	pthread_mutex_unlock(&s->lock);
	free(c.fit), free(c.base), free(c.aff), free(c.tnt);
	return NULL;
}

static void __attribute__((noreturn)) usage(FILE *out, int status)
{
	fprintf(out,
		"usage: %s --kubeconfig FILE [--bind-workers N] [--pod-initial-backoff DURATION]\n"
		"       [--pod-max-backoff DURATION] [--verbose]\n"
		"\n"
		"Bind every pending pod (schedulerName default-scheduler) to the node that\n"
		"passes the filters (NodeUnschedulable, NodeResourcesFit, NodeName,\n"
		"NodeAffinity, TaintToleration) with the best score (LeastAllocated +\n"
		"BalancedAllocation + preferred NodeAffinity + TaintToleration).  Every\n"
		"node is evaluated.  A pod that fits nowhere gets a FailedScheduling event\n"
		"saying why, per node, and waits until the cluster changes.\n"
		"Defaults: --bind-workers 16 --pod-initial-backoff 1s --pod-max-backoff 10s.\n"
		"SIGTERM stops it.\n",
		prog);
	exit(status);
}

int main(int argc, char **argv)
{
	enum { O_KUBECONFIG = 0x100, O_WORKERS, O_BACKOFF, O_BACKOFF_MAX };
	static const struct option longopts[] = {
		{ "kubeconfig", required_argument, NULL, O_KUBECONFIG },
		{ "bind-workers", required_argument, NULL, O_WORKERS },
		{ "pod-initial-backoff", required_argument, NULL, O_BACKOFF },
		{ "pod-max-backoff", required_argument, NULL, O_BACKOFF_MAX },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct scheduler s = { .rng = ((uint64_t)time(NULL) << 20 ^ (uint64_t)getpid()) |
				      1,
			       .backoff_initial = 1000,
			       .backoff_max = 10000 };
	struct kit_informer_config pc = { .path = "/api/v1/pods",
					  .name = "pods",
					  .resync_seconds = 30 };
	struct kit_informer_config nc = { .path = "/api/v1/nodes",
					  .name = "nodes",
					  .resync_seconds = 0 };
	const char *kubeconfig = NULL;
	struct kit_err err = { 0 };
	pthread_t loop, events, *binders;
	long workers = 16;
	sigset_t stop;
	int c, sig;

	kit_log_init(prog);
	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case O_KUBECONFIG: kubeconfig = optarg; break;
		case O_WORKERS: workers = strtol(optarg, NULL, 10); break;
		case O_BACKOFF: s.backoff_initial = ctl_duration_ms(optarg); break;
		case O_BACKOFF_MAX: s.backoff_max = ctl_duration_ms(optarg); break;
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
	if (workers < 1 || workers > 256 || s.backoff_initial < 1 ||
	    s.backoff_max < s.backoff_initial) {
		fprintf(stderr,
			"%s: --bind-workers takes 1 to 256; the back-offs are durations "
			"(1s), the initial one not above the maximum\n",
			prog);
		usage(stderr, 2);
	}
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	pthread_mutex_init(&s.lock, NULL);
	pthread_cond_init(&s.wake, NULL);
	pthread_cond_init(&s.jobs_wake, NULL);
	pthread_cond_init(&s.events_wake, NULL);
	if (kit_kube_open(kubeconfig, &s.kube, &err) < 0)
		kit_die(prog, &err);
	nc.handlers = (struct kit_handlers){ node_added, node_updated, node_deleted, &s };
	pc.handlers = (struct kit_handlers){ pod_added, pod_updated, pod_deleted, &s };
	/* Nodes first: a pod is only worth scheduling once they are known. */
	if (kit_informer_start(s.kube, &nc, &s.nodes, &err) < 0)
		kit_die(prog, &err);
	kit_informer_wait_synced(s.nodes, 10000);
	if (kit_informer_start(s.kube, &pc, &s.pods, &err) < 0)
		kit_die(prog, &err);
	binders = xcalloc((size_t)workers, sizeof(*binders));
	for (long i = 0; i < workers; i++)
		if (pthread_create(&binders[i], NULL, binder, &s) != 0) {
			kit_err_set(&err, EAGAIN, NULL, "start binder thread");
			kit_die(prog, &err);
		}
	if (pthread_create(&loop, NULL, scheduling_loop, &s) != 0 ||
	    pthread_create(&events, NULL, eventer, &s) != 0) {
		kit_err_set(&err, EAGAIN, NULL, "start scheduling thread");
		kit_die(prog, &err);
	}
	kit_info("scheduling (every node is evaluated for every pod; %ld binder threads)",
		 workers);
	do
		sig = sigwaitinfo(&stop, NULL);
	while (sig < 0);
	pthread_mutex_lock(&s.lock);
	s.stopping = true;
	pthread_cond_broadcast(&s.wake);
	pthread_cond_broadcast(&s.jobs_wake);
	pthread_cond_broadcast(&s.events_wake);
	pthread_mutex_unlock(&s.lock);
	pthread_join(loop, NULL);
	for (long i = 0; i < workers; i++)
		pthread_join(binders[i], NULL);
	pthread_join(events, NULL);
	kit_info("%s: stopping after %llu bindings, %llu failed attempts, %llu conflicts "
		 "(409); %llu cycles over %zu nodes, %.1f us each",
		 strsignal(sig), (unsigned long long)s.scheduled,
		 (unsigned long long)s.failed, (unsigned long long)s.conflicts,
		 (unsigned long long)s.cycles, s.nnodes,
		 s.cycles ? (double)s.cycle_ns / (double)s.cycles / 1000.0 : 0.0);
	kit_informer_stop(s.pods);
	kit_informer_stop(s.nodes);
	for (struct job *j = s.jobs, *next; j; j = next) {
		next = j->next;
		free_job(j);
	}
	for (struct job *j = s.events, *next; j; j = next) {
		next = j->next;
		free_job(j);
	}
	if (s.events_dropped)
		kit_warn("%llu events dropped (more than %d waiting)",
			 (unsigned long long)s.events_dropped, EVENTS_MAX);
	for (size_t i = 0; i < s.placed.nb; i++)
		for (struct hnode *e = s.placed.b[i], *next; e; e = next) {
			next = e->hnext;
			free(e->key);
			free(e);
		}
	for (size_t i = 0; i < s.queued.nb; i++)
		for (struct hnode *e = s.queued.b[i], *next; e; e = next) {
			next = e->hnext;
			free(e->key);
			free(e);
		}
	for (size_t i = 0; i < s.nnodes; i++) {
		cJSON_Delete(s.nodev[i]->labels);
		cJSON_Delete(s.nodev[i]->taints);
		free(s.nodev[i]->h.key);
		free(s.nodev[i]);
	}
	free(s.nodev);
	free(s.hot);
	free(s.nodemap.b);
	free(s.placed.b);
	free(s.queued.b);
	free(binders);
	kit_kube_close(s.kube);
	return 0;
}
