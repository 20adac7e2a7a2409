/* SPDX-License-Identifier: MIT */
/*
 * mini-kubelet --simulate - nodes that run no containers (the KWOK idea).
 *
 * Article: §6.2 (Kubelet: "负责维护容器的生命周期 ... 向 API Server 汇报节点
 * 状态").  Everything a kubelet tells the control plane, without a
 * container runtime behind it:
 *
 *   mini-kubelet --simulate --node-name node-1 --cpu 4 --memory 8Gi \
 *                --max-pods 110 --kubeconfig kubeconfig
 *   mini-kubelet --simulate --nodes 500 --node-prefix sim- ...   (sim-0 .. sim-499)
 *
 *   1. register: create the Node with its capacity (or take it over);
 *   2. heartbeat: renew the Lease kube-node-lease/<node> every
 *      --heartbeat-interval; report Ready in the Node's status, again
 *      whenever the Node says otherwise (the node lifecycle controller
 *      marks a silent node Unknown);
 *   3. pods: watch the pods bound to its nodes; each new one goes Pending
 *      -> Running (pod IP from the node's pod CIDR, Ready, containerStatuses);
 *      one told to exit (below) goes to Succeeded or Failed, or restarts
 *      as its restartPolicy says; a pod deleted from the API is dropped
 *      (one being deleted gracefully is confirmed with a DELETE at once).
 *
 * Telling a pod to exit:
 *   the annotation kit.example/simulate-exit: "CODE" (0 success), after
 *   kit.example/simulate-after (a duration, default 1s) of running; or a
 *   first container whose command is ["true"] (0) or ["false"] (1).
 *
 * Node failure: kill the process (kill -9 is the crash), or send it
 * SIGUSR1: its nodes go silent (no lease renewals, no status reports, as
 * if cut off from the network); SIGUSR1 again brings them back.
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
#include "kit/api_object.h"
#include "kit/api_quantity.h"
#include "kit/informer.h"
#include "kit/log.h"
#include "kit/workqueue.h"

static const char *prog = "mini-kubelet";

#define EXIT_ANNOTATION  "kit.example/simulate-exit"
#define AFTER_ANNOTATION "kit.example/simulate-after"
#define NODE_KEY         "!node " /* work queue keys of node status reports */
#define NODES_MAX        20000
#define REGISTER_THREADS 8

struct options {
	const char *kubeconfig, *node, *prefix, *cpu, *memory, *max_pods, *pod_cidr;
	long nodes;
	bool simulate;
	int64_t heartbeat_ms, lease_seconds;
};

/* One simulated node. */
struct simnode {
	char name[254];
	char subnet[32]; /* "10.244.7." */
	unsigned next_ip;
};

struct kubelet {
	struct options o;
	struct kit_kube *kube;
	struct kit_informer *pods, *nodeinf;
	struct kit_wq *queue;
	struct simnode *nodes; /* sorted by name */
	size_t nnodes;
	pthread_mutex_t ip_lock;
	volatile bool silent; /* SIGUSR1: heartbeats and reports stopped */
	size_t next_register; /* registration threads: the next node */
	struct kit_err register_err;
};

static void __attribute__((noreturn)) usage(FILE *out, int status)
{
	fprintf(out,
		"usage: %s --simulate --node-name NAME --kubeconfig FILE\n"
		"       %s --simulate --nodes N [--node-prefix PREFIX] --kubeconfig FILE\n"
		"       [--cpu N] [--memory SIZE] [--max-pods N] [--pod-cidr A.B.C.0/24]\n"
		"       [--heartbeat-interval DURATION] [--lease-duration SECONDS]\n"
		"\n"
		"Simulated nodes: registers NAME (or PREFIX0 .. PREFIX<N-1>), renews their\n"
		"leases, and moves the pods bound to them to Running with a pod IP (no\n"
		"containers are started).  A pod annotated " EXIT_ANNOTATION
		": \"CODE\"\n"
		"(or whose command is true or false) exits after " AFTER_ANNOTATION "\n"
		"(default 1s): Succeeded, Failed or restarted as its restartPolicy says.\n"
		"Defaults: --cpu 4 --memory 8Gi --max-pods 110 --heartbeat-interval 10s\n"
		"--lease-duration 40 --node-prefix sim-.  SIGUSR1 silences the nodes (no\n"
		"heartbeats, no reports: a node failure) and brings them back.  SIGTERM\n"
		"stops it (the nodes stay registered).\n",
		prog, prog);
	exit(status);
}

static void parse_args(int argc, char **argv, struct options *o)
{
	enum {
		O_KUBECONFIG = 0x100,
		O_NODE,
		O_NODES,
		O_PREFIX,
		O_CPU,
		O_MEM,
		O_PODS,
		O_CIDR,
		O_HB,
		O_LEASE
	};
	static const struct option longopts[] = {
		{ "kubeconfig", required_argument, NULL, O_KUBECONFIG },
		{ "node-name", required_argument, NULL, O_NODE },
		{ "nodes", required_argument, NULL, O_NODES },
		{ "node-prefix", required_argument, NULL, O_PREFIX },
		{ "cpu", required_argument, NULL, O_CPU },
		{ "memory", required_argument, NULL, O_MEM },
		{ "max-pods", required_argument, NULL, O_PODS },
		{ "pod-cidr", required_argument, NULL, O_CIDR },
		{ "heartbeat-interval", required_argument, NULL, O_HB },
		{ "lease-duration", required_argument, NULL, O_LEASE },
		{ "simulate", no_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *hb = "10s";
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case O_KUBECONFIG: o->kubeconfig = optarg; break;
		case O_NODE: o->node = optarg; break;
		case O_NODES:
			o->nodes = strtol(optarg, &end, 10);
			if (end == optarg || *end || o->nodes < 1)
				o->nodes = -1; /* refused below */
			break;
		case O_PREFIX: o->prefix = optarg; break;
		case O_CPU: o->cpu = optarg; break;
		case O_MEM: o->memory = optarg; break;
		case O_PODS: o->max_pods = optarg; break;
		case O_CIDR: o->pod_cidr = optarg; break;
		case O_HB: hb = optarg; break;
		case O_LEASE: o->lease_seconds = strtol(optarg, NULL, 10); break;
		case 's': o->simulate = true; break;
		case 'v': kit_log_set_level(KIT_LOG_DEBUG); break;
		case 'h': usage(stdout, EXIT_SUCCESS);
		default: usage(stderr, 2);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[optind]);
		usage(stderr, 2);
	}
	if (!o->simulate) {
		fprintf(stderr,
			"%s: only --simulate is implemented (no container runtime yet)\n",
			prog);
		usage(stderr, 2);
	}
	if (!o->kubeconfig || (!o->node && !o->nodes)) {
		fprintf(stderr, "%s: --kubeconfig and --node-name are required\n", prog);
		usage(stderr, 2);
	}
	if (o->node && o->nodes) {
		fprintf(stderr, "%s: --node-name or --nodes N, not both\n", prog);
		usage(stderr, 2);
	}
	if (o->nodes && (o->nodes < 1 || o->nodes > NODES_MAX)) {
		fprintf(stderr, "%s: --nodes takes a number from 1 to %d\n", prog,
			NODES_MAX);
		usage(stderr, 2);
	}
	if (o->nodes && o->pod_cidr) {
		fprintf(stderr,
			"%s: --pod-cidr is for one node: with --nodes each node gets "
			"its own (10.A.B.0/24)\n",
			prog);
		usage(stderr, 2);
	}
	if (kit_quantity_milli(o->cpu) <= 0 || kit_quantity_value(o->memory) <= 0 ||
	    kit_quantity_value(o->max_pods) <= 0) {
		fprintf(stderr,
			"%s: --cpu, --memory and --max-pods take positive quantities "
			"(4, 500m, 8Gi, 110)\n",
			prog);
		usage(stderr, 2);
	}
	o->heartbeat_ms = ctl_duration_ms(hb);
	if (o->heartbeat_ms < 100 || o->lease_seconds < 1) {
		fprintf(stderr,
			"%s: --heartbeat-interval is a duration of 100ms or more "
			"(10s), --lease-duration a number of seconds\n",
			prog);
		usage(stderr, 2);
	}
}

static int cmp_node(const void *a, const void *b)
{
	return strcmp(((const struct simnode *)a)->name,
		      ((const struct simnode *)b)->name);
}

/* Ours, or NULL. */
static struct simnode *find_node(struct kubelet *kl, const char *name)
{
	struct simnode key;

	if (!name ||
	    snprintf(key.name, sizeof(key.name), "%s", name) >= (int)sizeof(key.name))
		return NULL;
	return bsearch(&key, kl->nodes, kl->nnodes, sizeof(key), cmp_node);
}

/* ---- 1. register the node --------------------------------------------------------- */

static cJSON *node_status(struct kubelet *kl, const struct simnode *n)
{
	static const char *const conds[][4] = {
		{ "MemoryPressure", "False", "KubeletHasSufficientMemory",
		  "kubelet has sufficient memory available" },
		{ "DiskPressure", "False", "KubeletHasNoDiskPressure",
		  "kubelet has no disk pressure" },
		{ "PIDPressure", "False", "KubeletHasSufficientPID",
		  "kubelet has sufficient PID available" },
		{ "Ready", "True", "KubeletReady",
		  "kubelet is posting ready status (simulated)" },
	};
	cJSON *st = cJSON_CreateObject(), *cap, *arr, *addr, *info;
	char now[32], ip[40];

	ctl_now(now);
	cap = cJSON_AddObjectToObject(st, "capacity");
	cJSON_AddStringToObject(cap, "cpu", kl->o.cpu);
	cJSON_AddStringToObject(cap, "memory", kl->o.memory);
	cJSON_AddStringToObject(cap, "pods", kl->o.max_pods);
	cJSON_AddItemToObject(st, "allocatable", cJSON_Duplicate(cap, true));
	arr = cJSON_AddArrayToObject(st, "conditions");
	for (size_t i = 0; i < sizeof(conds) / sizeof(conds[0]); i++) {
		cJSON *c = cJSON_CreateObject();

		cJSON_AddStringToObject(c, "type", conds[i][0]);
		cJSON_AddStringToObject(c, "status", conds[i][1]);
		cJSON_AddStringToObject(c, "lastHeartbeatTime", now);
		cJSON_AddStringToObject(c, "lastTransitionTime", now);
		cJSON_AddStringToObject(c, "reason", conds[i][2]);
		cJSON_AddStringToObject(c, "message", conds[i][3]);
		cJSON_AddItemToArray(arr, c);
	}
	arr = cJSON_AddArrayToObject(st, "addresses");
	addr = cJSON_CreateObject();
	snprintf(ip, sizeof(ip), "%s1", n->subnet);
	cJSON_AddStringToObject(addr, "type", "InternalIP");
	cJSON_AddStringToObject(addr, "address", ip);
	cJSON_AddItemToArray(arr, addr);
	addr = cJSON_CreateObject();
	cJSON_AddStringToObject(addr, "type", "Hostname");
	cJSON_AddStringToObject(addr, "address", n->name);
	cJSON_AddItemToArray(arr, addr);
	info = cJSON_AddObjectToObject(st, "nodeInfo");
	cJSON_AddStringToObject(info, "kubeletVersion", "v1.20.0-mini");
	cJSON_AddStringToObject(info, "kubeProxyVersion", "v1.20.0-mini");
	cJSON_AddStringToObject(info, "operatingSystem", "linux");
	cJSON_AddStringToObject(info, "architecture", "amd64");
	cJSON_AddStringToObject(info, "containerRuntimeVersion", "simulated://0");
	cJSON_AddStringToObject(info, "osImage", "mini-kubelet --simulate");
	return st;
}

/* The status subresource is the kubelet's: report there. */
static int report_status(struct kubelet *kl, const struct simnode *n, struct kit_err *err)
{
	cJSON *patch = cJSON_CreateObject();
	char path[300];
	int ret;

	cJSON_AddItemToObject(patch, "status", node_status(kl, n));
	snprintf(path, sizeof(path), "/api/v1/nodes/%s/status", n->name);
	ret = kit_kube_request(kl->kube, "PATCH", path, patch, NULL, NULL, err);
	cJSON_Delete(patch);
	if (ret < 0)
		return kit_err_wrap(err, "report status of node %s", n->name);
	return 0;
}

static int register_node(struct kubelet *kl, const struct simnode *n, struct kit_err *err)
{
	cJSON *node = cJSON_CreateObject(), *meta, *labels;
	char cidr[48];
	int ret;

	snprintf(cidr, sizeof(cidr), "%s0/24", n->subnet);
	cJSON_AddStringToObject(node, "apiVersion", "v1");
	cJSON_AddStringToObject(node, "kind", "Node");
	meta = cJSON_AddObjectToObject(node, "metadata");
	cJSON_AddStringToObject(meta, "name", n->name);
	labels = cJSON_AddObjectToObject(meta, "labels");
	cJSON_AddStringToObject(labels, "kubernetes.io/hostname", n->name);
	cJSON_AddStringToObject(labels, "kubernetes.io/os", "linux");
	cJSON_AddStringToObject(labels, "kubernetes.io/arch", "amd64");
	cJSON_AddStringToObject(labels, "type", "simulated");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(node, "spec"), "podCIDR", cidr);
	cJSON_AddItemToObject(node, "status", node_status(kl, n));
	ret = kit_kube_request(kl->kube, "POST", "/api/v1/nodes", node, NULL, NULL, err);
	cJSON_Delete(node);
	if (ret == -EEXIST)
		kit_info("node %s exists: taking it over", n->name);
	else if (ret < 0)
		return kit_err_wrap(err, "register node %s", n->name);
	if (report_status(kl, n, err) < 0)
		return -1;
	if (kl->nnodes == 1)
		kit_info("node %s registered: cpu=%s memory=%s pods=%s podCIDR=%s",
			 n->name, kl->o.cpu, kl->o.memory, kl->o.max_pods, cidr);
	return 0;
}

/* ---- 2. heartbeat: the lease -------------------------------------------------- */

static int renew_lease(struct kubelet *kl, const struct simnode *n, struct kit_err *err)
{
	cJSON *lease = cJSON_CreateObject(), *meta, *spec;
	char path[400], now[40];
	struct timespec ts;
	int ret;

	clock_gettime(CLOCK_REALTIME, &ts);
	ctl_now(now);
	/* MicroTime: RFC 3339 with microseconds */
	snprintf(now + 19, sizeof(now) - 19, ".%06ldZ", ts.tv_nsec / 1000);
	spec = cJSON_AddObjectToObject(lease, "spec");
	cJSON_AddStringToObject(spec, "renewTime", now);
	snprintf(path, sizeof(path),
		 "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/%s",
		 n->name);
	ret = kit_kube_request(kl->kube, "PATCH", path, lease, NULL, NULL, err);
	if (ret == -ENOENT) {
		cJSON_AddStringToObject(lease, "apiVersion", "coordination.k8s.io/v1");
		cJSON_AddStringToObject(lease, "kind", "Lease");
		meta = cJSON_AddObjectToObject(lease, "metadata");
		cJSON_AddStringToObject(meta, "name", n->name);
		cJSON_AddStringToObject(meta, "namespace", "kube-node-lease");
		cJSON_AddStringToObject(spec, "holderIdentity", n->name);
		cJSON_AddNumberToObject(spec, "leaseDurationSeconds",
					(double)kl->o.lease_seconds);
		ret = kit_kube_request(
			kl->kube, "POST",
			"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/"
			"leases",
			lease, NULL, NULL, err);
	}
	cJSON_Delete(lease);
	return ret;
}

/* Registration threads: many nodes register faster side by side. */
static void *registrar(void *arg)
{
	struct kubelet *kl = arg;
	struct kit_err err = { 0 };
	size_t i;

	while ((i = __atomic_fetch_add(&kl->next_register, 1, __ATOMIC_RELAXED)) <
	       kl->nnodes) {
		if (register_node(kl, &kl->nodes[i], &err) < 0 ||
		    renew_lease(kl, &kl->nodes[i], &err) < 0) {
			pthread_mutex_lock(&kl->ip_lock);
			if (!kl->register_err.code)
				kl->register_err = err;
			pthread_mutex_unlock(&kl->ip_lock);
			__atomic_store_n(&kl->next_register, kl->nnodes,
					 __ATOMIC_RELAXED);
		}
	}
	return NULL;
}

static int register_all(struct kubelet *kl, struct kit_err *err)
{
	pthread_t t[REGISTER_THREADS];
	size_t n = kl->nnodes < REGISTER_THREADS ? kl->nnodes : REGISTER_THREADS;

	for (size_t i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, registrar, kl) != 0)
			abort();
	for (size_t i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	if (kl->register_err.code) {
		*err = kl->register_err;
		return -1;
	}
	if (kl->nnodes > 1)
		kit_info(
			"%zu nodes registered (%s%s .. %s): cpu=%s memory=%s pods=%s each",
			kl->nnodes, "", kl->nodes[0].name, kl->nodes[kl->nnodes - 1].name,
			kl->o.cpu, kl->o.memory, kl->o.max_pods);
	return 0;
}

/* ---- 3. pods: Pending -> Running -> Succeeded/Failed ---------------------------------- */

static struct simnode *pod_node(struct kubelet *kl, const cJSON *pod)
{
	return find_node(kl, ctl_str(pod, "spec.nodeName"));
}

static void pod_changed(void *ctx, const cJSON *pod)
{
	struct kubelet *kl = ctx;
	char key[512];

	if (pod_node(kl, pod) && kit_object_key(pod, key, sizeof(key)))
		kit_wq_add(kl->queue, key);
}

static void pod_updated(void *ctx, const cJSON *old, const cJSON *pod)
{
	(void)old;
	pod_changed(ctx, pod);
}

static void pod_deleted(void *ctx, const cJSON *pod)
{
	struct kubelet *kl = ctx;

	if (pod_node(kl, pod))
		kit_info("pod %s/%s is gone from node %s: dropped",
			 ctl_str(pod, "metadata.namespace"),
			 ctl_str(pod, "metadata.name"), ctl_str(pod, "spec.nodeName"));
}

/* A node of ours the API shows not Ready (the controller marked it): report. */
static void node_seen(void *ctx, const cJSON *node)
{
	struct kubelet *kl = ctx;
	const cJSON *c;
	char key[300];

	if (!find_node(kl, ctl_str(node, "metadata.name")))
		return;
	cJSON_ArrayForEach(c, ctl_get(node, "status.conditions"))
	{
		const char *type = ctl_str(c, "type"), *status = ctl_str(c, "status");

		if (type && strcmp(type, "Ready") == 0 && status &&
		    strcmp(status, "True") != 0) {
			snprintf(key, sizeof(key), NODE_KEY "%s",
				 ctl_str(node, "metadata.name"));
			kit_wq_add(kl->queue, key);
		}
	}
}

static void node_updated(void *ctx, const cJSON *old, const cJSON *node)
{
	(void)old;
	node_seen(ctx, node);
}

static cJSON *condition(const char *type, const char *status, const char *now)
{
	cJSON *c = cJSON_CreateObject();

	cJSON_AddStringToObject(c, "type", type);
	cJSON_AddStringToObject(c, "status", status);
	cJSON_AddStringToObject(c, "lastTransitionTime", now);
	return c;
}

static int patch_status(struct kubelet *kl, const cJSON *pod, cJSON *patch,
			struct kit_err *err)
{
	char path[600];
	int ret;

	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/%s/status",
		 ctl_str(pod, "metadata.namespace"), ctl_str(pod, "metadata.name"));
	ret = kit_kube_request(kl->kube, "PATCH", path, patch, NULL, NULL, err);
	cJSON_Delete(patch);
	return ret;
}

/*
 * The container statuses: running since @now, or (@code >= 0) terminated
 * with @code; @restarts and the last termination (@last >= 0) for a restart.
 */
static cJSON *container_statuses(const cJSON *pod, const struct simnode *n, unsigned id,
				 const char *now, int code, int last, int64_t restarts)
{
	cJSON *arr = cJSON_CreateArray(), *c, *st;
	const cJSON *ctr;

	cJSON_ArrayForEach(ctr, ctl_get(pod, "spec.containers"))
	{
		char cid[300];

		c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "name",
					ctl_str(ctr, "name") ? ctl_str(ctr, "name") : "");
		cJSON_AddStringToObject(
			c, "image", ctl_str(ctr, "image") ? ctl_str(ctr, "image") : "");
		cJSON_AddStringToObject(c, "imageID", "");
		snprintf(cid, sizeof(cid), "simulated://%s-%u", n->name, id);
		cJSON_AddStringToObject(c, "containerID", cid);
		cJSON_AddBoolToObject(c, "ready", code < 0);
		cJSON_AddBoolToObject(c, "started", code < 0);
		cJSON_AddNumberToObject(c, "restartCount", (double)restarts);
		st = cJSON_AddObjectToObject(c, "state");
		if (code < 0) {
			cJSON_AddStringToObject(cJSON_AddObjectToObject(st, "running"),
						"startedAt", now);
		} else {
			cJSON *t = cJSON_AddObjectToObject(st, "terminated");

			cJSON_AddNumberToObject(t, "exitCode", code);
			cJSON_AddStringToObject(t, "reason",
						code ? "Error" : "Completed");
			cJSON_AddStringToObject(t, "finishedAt", now);
		}
		if (last >= 0) {
			cJSON *t = cJSON_AddObjectToObject(
				cJSON_AddObjectToObject(c, "lastState"), "terminated");

			cJSON_AddNumberToObject(t, "exitCode", last);
			cJSON_AddStringToObject(t, "reason",
						last ? "Error" : "Completed");
			cJSON_AddStringToObject(t, "finishedAt", now);
		}
		cJSON_AddItemToArray(arr, c);
	}
	return arr;
}

/* Start the pod (in simulation: say it runs). */
static int start_pod(struct kubelet *kl, struct simnode *n, const cJSON *pod,
		     struct kit_err *err)
{
	static const char *const types[] = { "Initialized", "Ready", "ContainersReady",
					     "PodScheduled" };
	cJSON *patch = cJSON_CreateObject(), *st, *arr, *ips;
	char now[32], ip[40], host[40];
	unsigned id;
	int ret;

	pthread_mutex_lock(&kl->ip_lock);
	id = n->next_ip++;
	pthread_mutex_unlock(&kl->ip_lock);
	snprintf(ip, sizeof(ip), "%s%u", n->subnet, 2 + id % 253);
	snprintf(host, sizeof(host), "%s1", n->subnet);
	ctl_now(now);
	st = cJSON_AddObjectToObject(patch, "status");
	cJSON_AddStringToObject(st, "phase", "Running");
	cJSON_AddStringToObject(st, "hostIP", host);
	cJSON_AddStringToObject(st, "podIP", ip);
	ips = cJSON_AddArrayToObject(st, "podIPs");
	cJSON_AddItemToArray(ips, cJSON_CreateObject());
	cJSON_AddStringToObject(cJSON_GetArrayItem(ips, 0), "ip", ip);
	cJSON_AddStringToObject(st, "startTime", now);
	arr = cJSON_AddArrayToObject(st, "conditions");
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		cJSON_AddItemToArray(arr, condition(types[i], "True", now));
	cJSON_AddItemToObject(st, "containerStatuses",
			      container_statuses(pod, n, id, now, -1, -1, 0));
	ret = patch_status(kl, pod, patch, err);
	if (ret == 0)
		kit_info("pod %s/%s: Running on %s with IP %s",
			 ctl_str(pod, "metadata.namespace"),
			 ctl_str(pod, "metadata.name"), n->name, ip);
	return ret;
}

/* The exit code the pod was told to exit with, or -1; its delay into *after_ms. */
static int told_exit(const cJSON *pod, int64_t *after_ms)
{
	const cJSON *ann = ctl_get(pod, "metadata.annotations");
	const char *code = cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(ann, EXIT_ANNOTATION));
	const char *after = cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(ann, AFTER_ANNOTATION));
	const cJSON *cmd = ctl_get(cJSON_GetArrayItem(ctl_get(pod, "spec.containers"), 0),
				   "command");
	const char *argv0 = cJSON_GetStringValue(cJSON_GetArrayItem(cmd, 0));
	char *end;
	long v;

	*after_ms = after ? ctl_duration_ms(after) : 1000;
	if (*after_ms < 0)
		*after_ms = 1000;
	if (code) {
		v = strtol(code, &end, 10);
		return end != code && !*end && v >= 0 && v < 256 ? (int)v : 1;
	}
	if (argv0 && cJSON_GetArraySize(cmd) == 1 &&
	    (strcmp(argv0, "true") == 0 || strcmp(argv0, "false") == 0))
		return argv0[0] == 'f';
	return -1;
}

/* Since when the (first) container runs, or 0. */
static time_t running_since(const cJSON *pod)
{
	const char *t =
		ctl_str(cJSON_GetArrayItem(ctl_get(pod, "status.containerStatuses"), 0),
			"state.running.startedAt");

	return t ? kit_api_time_parse(t) : 0;
}

/*
 * The container exited with @code: restartPolicy Never (or OnFailure with
 * 0) ends the pod; otherwise the container restarts (restartCount + 1).
 */
static int exit_pod(struct kubelet *kl, struct simnode *n, const cJSON *pod, int code,
		    struct kit_err *err)
{
	const char *policy = ctl_str(pod, "spec.restartPolicy");
	bool ends = (policy && strcmp(policy, "Never") == 0) ||
		    (policy && strcmp(policy, "OnFailure") == 0 && code == 0);
	int64_t restarts =
		ctl_int(cJSON_GetArrayItem(ctl_get(pod, "status.containerStatuses"), 0),
			"restartCount", 0);
	cJSON *patch = cJSON_CreateObject(), *st, *arr;
	char now[32];
	int ret;

	ctl_now(now);
	st = cJSON_AddObjectToObject(patch, "status");
	if (ends) {
		cJSON_AddStringToObject(st, "phase", code ? "Failed" : "Succeeded");
		arr = cJSON_AddArrayToObject(st, "conditions");
		cJSON_AddItemToArray(arr, condition("Initialized", "True", now));
		cJSON_AddItemToArray(arr, condition("Ready", "False", now));
		cJSON_AddItemToArray(arr, condition("ContainersReady", "False", now));
		cJSON_AddItemToArray(arr, condition("PodScheduled", "True", now));
		cJSON_AddItemToObject(
			st, "containerStatuses",
			container_statuses(pod, n, n->next_ip, now, code, -1, restarts));
	} else {
		cJSON_AddItemToObject(st, "containerStatuses",
				      container_statuses(pod, n, n->next_ip, now, -1,
							 code, restarts + 1));
	}
	ret = patch_status(kl, pod, patch, err);
	if (ret == 0)
		kit_info("pod %s/%s: exited with %d: %s",
			 ctl_str(pod, "metadata.namespace"),
			 ctl_str(pod, "metadata.name"), code,
			 ends ? (code ? "Failed" : "Succeeded") : "restarted");
	return ret;
}

/* Being deleted gracefully: the containers are stopped (none), confirm it. */
static int confirm_deletion(struct kubelet *kl, const cJSON *pod, struct kit_err *err)
{
	cJSON *opts = cJSON_CreateObject();
	char path[600];
	int ret;

	cJSON_AddStringToObject(opts, "kind", "DeleteOptions");
	cJSON_AddStringToObject(opts, "apiVersion", "v1");
	cJSON_AddNumberToObject(opts, "gracePeriodSeconds", 0);
	if (ctl_str(pod, "metadata.uid"))
		cJSON_AddStringToObject(cJSON_AddObjectToObject(opts, "preconditions"),
					"uid", ctl_str(pod, "metadata.uid"));
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/%s",
		 ctl_str(pod, "metadata.namespace"), ctl_str(pod, "metadata.name"));
	ret = kit_kube_request(kl->kube, "DELETE", path, opts, NULL, NULL, err);
	cJSON_Delete(opts);
	return ret == -ENOENT ? 0 : ret;
}

/* One pod: bring its status where the simulation says it is. */
static int sync_pod(struct kubelet *kl, const char *key, struct kit_err *err)
{
	cJSON *pod = kit_cache_get(kit_informer_cache(kl->pods), key);
	const char *phase = ctl_str(pod, "status.phase");
	struct simnode *n = pod ? pod_node(kl, pod) : NULL;
	int64_t after, ran;
	int ret = 0, code;

	if (!n) {
		cJSON_Delete(pod);
		return 0;
	}
	if (ctl_get(pod, "metadata.deletionTimestamp"))
		ret = confirm_deletion(kl, pod, err);
	else if (!phase || strcmp(phase, "Pending") == 0)
		ret = start_pod(kl, n, pod, err);
	else if (strcmp(phase, "Running") == 0 && (code = told_exit(pod, &after)) >= 0) {
		ran = ((int64_t)time(NULL) - running_since(pod)) * 1000;
		if (ran >= after)
			ret = exit_pod(kl, n, pod, code, err);
		else
			kit_wq_add_after(kl->queue, key, (unsigned)(after - ran));
	}
	if (ret == 0 && !ctl_get(pod, "metadata.deletionTimestamp") &&
	    (!phase || strcmp(phase, "Pending") == 0) && told_exit(pod, &after) >= 0)
		kit_wq_add_after(kl->queue, key, (unsigned)after);
	cJSON_Delete(pod);
	return ret == -ENOENT ? 0 : ret;
}

static void *pod_worker(void *arg)
{
	struct kubelet *kl = arg;
	char *key;

	while (kit_wq_get(kl->queue, &key) == 0) {
		struct kit_err err = { 0 };
		int ret;

		if (kl->silent) { /* cut off: try again later */
			kit_wq_done(kl->queue, key);
			kit_wq_add_after(kl->queue, key, 500);
			free(key);
			continue;
		}
		if (strncmp(key, NODE_KEY, strlen(NODE_KEY)) == 0) {
			struct simnode *n = find_node(kl, key + strlen(NODE_KEY));

			ret = n ? report_status(kl, n, &err) : 0;
			if (ret == 0 && n)
				kit_info("node %s: reported Ready again", n->name);
		} else {
			ret = sync_pod(kl, key, &err);
		}
		if (ret < 0) {
			kit_warn("sync %s: %s", key, err.msg);
			kit_wq_add_rate_limited(kl->queue, key);
		} else {
			kit_wq_forget(kl->queue, key);
		}
		kit_wq_done(kl->queue, key);
		free(key);
	}
	return NULL;
}

/* One node: 10.244.X.0/24 from its name's hash; many: 10.A.B.0/24 by index. */
static void subnet_of(const char *name, size_t i, bool many, char subnet[32])
{
	unsigned h = 2166136261u;

	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	if (many)
		snprintf(subnet, 32, "10.%zu.%zu.", 100 + i / 250, 1 + i % 250);
	else
		snprintf(subnet, 32, "10.244.%u.", 1 + h % 254);
}

static void make_nodes(struct kubelet *kl)
{
	kl->nnodes = kl->o.node ? 1 : (size_t)kl->o.nodes;
	kl->nodes = calloc(kl->nnodes, sizeof(*kl->nodes));
	if (!kl->nodes)
		abort();
	for (size_t i = 0; i < kl->nnodes; i++) {
		struct simnode *n = &kl->nodes[i];

		if (kl->o.node)
			snprintf(n->name, sizeof(n->name), "%s", kl->o.node);
		else
			snprintf(n->name, sizeof(n->name), "%.200s%zu", kl->o.prefix, i);
		subnet_of(n->name, i, !kl->o.node, n->subnet);
	}
	qsort(kl->nodes, kl->nnodes, sizeof(*kl->nodes), cmp_node);
}

static void heartbeat(struct kubelet *kl)
{
	struct kit_err err = { 0 };

	for (size_t i = 0; i < kl->nnodes && !kl->silent; i++)
		if (renew_lease(kl, &kl->nodes[i], &err) < 0)
			kit_warn("renew lease of %s: %s", kl->nodes[i].name, err.msg);
}

int main(int argc, char **argv)
{
	struct kubelet kl = { .o = { .cpu = "4",
				     .memory = "8Gi",
				     .max_pods = "110",
				     .prefix = "sim-",
				     .lease_seconds = 40 } };
	struct kit_err err = { 0 };
	struct kit_informer_config icfg = { 0 }, ncfg = { 0 };
	char path[400];
	pthread_t worker;
	sigset_t sigs;
	int sig = 0;

	kit_log_init(prog);
	parse_args(argc, argv, &kl.o);
	make_nodes(&kl);
	if (kl.o.pod_cidr) {
		unsigned a, b, c;

		if (sscanf(kl.o.pod_cidr, "%u.%u.%u.0/24", &a, &b, &c) != 3 || a > 255 ||
		    b > 255 || c > 255) {
			fprintf(stderr, "%s: --pod-cidr takes A.B.C.0/24\n", prog);
			return 2;
		}
		snprintf(kl.nodes[0].subnet, sizeof(kl.nodes[0].subnet), "%u.%u.%u.", a,
			 b, c);
	}
	pthread_mutex_init(&kl.ip_lock, NULL);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL); /* threads inherit the mask */
	if (kit_kube_open(kl.o.kubeconfig, &kl.kube, &err) < 0)
		kit_die(prog, &err);
	if (register_all(&kl, &err) < 0)
		kit_die(prog, &err);
	kl.queue = kit_wq_new(200, 10000);
	if (!kl.queue) {
		kit_err_set(&err, ENOMEM, NULL, "create work queue");
		kit_die(prog, &err);
	}
	/* one node: only its pods (a field selector); many: every pod, filtered here */
	if (kl.nnodes == 1)
		snprintf(path, sizeof(path),
			 "/api/v1/pods?fieldSelector=spec.nodeName%%3D%s",
			 kl.nodes[0].name);
	else
		snprintf(path, sizeof(path), "/api/v1/pods");
	icfg.path = path;
	icfg.name = "pods";
	icfg.resync_seconds = 60;
	icfg.handlers =
		(struct kit_handlers){ pod_changed, pod_updated, pod_deleted, &kl };
	ncfg.path = "/api/v1/nodes";
	ncfg.name = "nodes";
	ncfg.resync_seconds = 0;
	ncfg.handlers = (struct kit_handlers){ node_seen, node_updated, NULL, &kl };
	if (kit_informer_start(kl.kube, &icfg, &kl.pods, &err) < 0 ||
	    kit_informer_start(kl.kube, &ncfg, &kl.nodeinf, &err) < 0)
		kit_die(prog, &err);
	if (pthread_create(&worker, NULL, pod_worker, &kl) != 0) {
		kit_err_set(&err, EAGAIN, NULL, "start pod worker");
		kit_die(prog, &err);
	}
	for (;;) {
		struct timespec ts = { .tv_sec = kl.o.heartbeat_ms / 1000,
				       .tv_nsec = (kl.o.heartbeat_ms % 1000) * 1000000 };

		sig = sigtimedwait(&sigs, NULL, &ts);
		if (sig == SIGUSR1) {
			kl.silent = !kl.silent;
			kit_info("SIGUSR1: node%s %s%s %s", kl.nnodes > 1 ? "s" : "",
				 kl.nodes[0].name, kl.nnodes > 1 ? " .." : "",
				 kl.silent ? "silent (no heartbeats, no reports)"
					   : "back (heartbeats and reports resume)");
			if (!kl.silent) {
				char key[300];

				heartbeat(&kl);
				for (size_t i = 0; i < kl.nnodes; i++) {
					snprintf(key, sizeof(key), NODE_KEY "%s",
						 kl.nodes[i].name);
					kit_wq_add(kl.queue, key);
				}
			}
			continue;
		}
		if (sig > 0)
			break;
		heartbeat(&kl);
	}
	kit_info("%s: stopping (the node%s stay%s registered)", strsignal(sig),
		 kl.nnodes > 1 ? "s" : "", kl.nnodes > 1 ? "" : "s");
	kit_wq_shutdown(kl.queue);
	pthread_join(worker, NULL);
	kit_informer_stop(kl.pods);
	kit_informer_stop(kl.nodeinf);
	kit_wq_free(kl.queue);
	kit_kube_close(kl.kube);
	free(kl.nodes);
	return 0;
}
