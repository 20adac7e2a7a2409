/* SPDX-License-Identifier: MIT */
/*
 * mini-kubelet --simulate - a node that runs no containers (the KWOK idea).
 *
 * Article: §6.2 (Kubelet: "负责维护容器的生命周期 ... 向 API Server 汇报节点
 * 状态").  Everything a kubelet tells the control plane, without a
 * container runtime behind it:
 *
 *   mini-kubelet --simulate --node-name node-1 --cpu 4 --memory 8Gi \
 *                --max-pods 110 --kubeconfig kubeconfig
 *
 *   1. register: create the Node with its capacity (or take it over);
 *   2. heartbeat: renew the Lease kube-node-lease/<node> every
 *      --heartbeat-interval, and report Ready in the Node's status;
 *   3. pods: watch pods with spec.nodeName=<node>; each new one goes
 *      Pending -> Running with a pod IP from the node's pod CIDR.
 *
 * Killing this process is a node failure: the lease stops being renewed,
 * and the controller manager's node lifecycle notices.
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
#include "kit/informer.h"
#include "kit/log.h"
#include "kit/workqueue.h"

static const char *prog = "mini-kubelet";

struct options {
	const char *kubeconfig, *node, *cpu, *memory, *max_pods, *pod_cidr;
	bool simulate;
	int64_t heartbeat_ms, lease_seconds;
};

struct kubelet {
	struct options o;
	struct kit_kube *kube;
	struct kit_informer *pods;
	struct kit_wq *queue;
	char subnet[32]; /* "10.244.7." */
	unsigned next_ip;
	pthread_mutex_t ip_lock;
};

static void __attribute__((noreturn)) usage(FILE *out, int status)
{
	fprintf(out,
		"usage: %s --simulate --node-name NAME --kubeconfig FILE\n"
		"       [--cpu N] [--memory SIZE] [--max-pods N] [--pod-cidr A.B.C.0/24]\n"
		"       [--heartbeat-interval DURATION] [--lease-duration SECONDS]\n"
		"\n"
		"A simulated node: registers NAME, renews its lease, and moves the pods\n"
		"bound to it to Running with a pod IP (no containers are started).\n"
		"Defaults: --cpu 4 --memory 8Gi --max-pods 110 --heartbeat-interval 10s\n"
		"--lease-duration 40.  SIGTERM stops it (the node stays registered).\n",
		prog);
	exit(status);
}

static void parse_args(int argc, char **argv, struct options *o)
{
	enum {
		O_KUBECONFIG = 0x100,
		O_NODE,
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
	int c;

	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case O_KUBECONFIG: o->kubeconfig = optarg; break;
		case O_NODE: o->node = optarg; break;
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
	if (!o->kubeconfig || !o->node) {
		fprintf(stderr, "%s: --kubeconfig and --node-name are required\n", prog);
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

/* ---- 1. register the node --------------------------------------------------------- */

static cJSON *node_status(struct kubelet *kl)
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
	snprintf(ip, sizeof(ip), "%s1", kl->subnet);
	cJSON_AddStringToObject(addr, "type", "InternalIP");
	cJSON_AddStringToObject(addr, "address", ip);
	cJSON_AddItemToArray(arr, addr);
	addr = cJSON_CreateObject();
	cJSON_AddStringToObject(addr, "type", "Hostname");
	cJSON_AddStringToObject(addr, "address", kl->o.node);
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

static int register_node(struct kubelet *kl, struct kit_err *err)
{
	cJSON *node = cJSON_CreateObject(), *meta, *labels, *patch;
	char path[300], cidr[48];
	int ret;

	snprintf(cidr, sizeof(cidr), "%s0/24", kl->subnet);
	cJSON_AddStringToObject(node, "apiVersion", "v1");
	cJSON_AddStringToObject(node, "kind", "Node");
	meta = cJSON_AddObjectToObject(node, "metadata");
	cJSON_AddStringToObject(meta, "name", kl->o.node);
	labels = cJSON_AddObjectToObject(meta, "labels");
	cJSON_AddStringToObject(labels, "kubernetes.io/hostname", kl->o.node);
	cJSON_AddStringToObject(labels, "kubernetes.io/os", "linux");
	cJSON_AddStringToObject(labels, "kubernetes.io/arch", "amd64");
	cJSON_AddStringToObject(labels, "type", "simulated");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(node, "spec"), "podCIDR", cidr);
	cJSON_AddItemToObject(node, "status", node_status(kl));
	ret = kit_kube_request(kl->kube, "POST", "/api/v1/nodes", node, NULL, NULL, err);
	cJSON_Delete(node);
	if (ret == -EEXIST)
		kit_info("node %s exists: taking it over", kl->o.node);
	else if (ret < 0)
		return kit_err_wrap(err, "register node %s", kl->o.node);
	/* The status subresource is the kubelet's: report it (again) there. */
	patch = cJSON_CreateObject();
	cJSON_AddItemToObject(patch, "status", node_status(kl));
	snprintf(path, sizeof(path), "/api/v1/nodes/%s/status", kl->o.node);
	ret = kit_kube_request(kl->kube, "PATCH", path, patch, NULL, NULL, err);
	cJSON_Delete(patch);
	if (ret < 0)
		return kit_err_wrap(err, "report status of node %s", kl->o.node);
	kit_info("node %s registered: cpu=%s memory=%s pods=%s podCIDR=%s", kl->o.node,
		 kl->o.cpu, kl->o.memory, kl->o.max_pods, cidr);
	return 0;
}

/* ---- 2. heartbeat: the lease -------------------------------------------------- */

static int renew_lease(struct kubelet *kl, struct kit_err *err)
{
	cJSON *lease = cJSON_CreateObject(), *meta, *spec;
	char path[300], now[40];
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
		 kl->o.node);
	ret = kit_kube_request(kl->kube, "PATCH", path, lease, NULL, NULL, err);
	if (ret == -ENOENT) {
		cJSON_AddStringToObject(lease, "apiVersion", "coordination.k8s.io/v1");
		cJSON_AddStringToObject(lease, "kind", "Lease");
		meta = cJSON_AddObjectToObject(lease, "metadata");
		cJSON_AddStringToObject(meta, "name", kl->o.node);
		cJSON_AddStringToObject(meta, "namespace", "kube-node-lease");
		cJSON_AddStringToObject(spec, "holderIdentity", kl->o.node);
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

/* ---- 3. pods: Pending -> Running ---------------------------------------------------- */

static void pod_changed(void *ctx, const cJSON *pod)
{
	struct kubelet *kl = ctx;
	char key[512];

	if (kit_object_key(pod, key, sizeof(key)))
		kit_wq_add(kl->queue, key);
}

static void pod_updated(void *ctx, const cJSON *old, const cJSON *pod)
{
	(void)old;
	pod_changed(ctx, pod);
}

static void pod_deleted(void *ctx, const cJSON *pod)
{
	(void)ctx;
	kit_info("pod %s/%s is gone from node", ctl_str(pod, "metadata.namespace"),
		 ctl_str(pod, "metadata.name"));
}

static cJSON *condition(const char *type, const char *now)
{
	cJSON *c = cJSON_CreateObject();

	cJSON_AddStringToObject(c, "type", type);
	cJSON_AddStringToObject(c, "status", "True");
	cJSON_AddStringToObject(c, "lastTransitionTime", now);
	return c;
}

/* Start the pod (in simulation: say it runs). */
static int start_pod(struct kubelet *kl, const cJSON *pod, struct kit_err *err)
{
	static const char *const types[] = { "Initialized", "Ready", "ContainersReady",
					     "PodScheduled" };
	cJSON *patch = cJSON_CreateObject(), *st, *arr, *ips, *c;
	const cJSON *ctr;
	char now[32], ip[40], host[40], path[600];
	unsigned n;
	int ret;

	pthread_mutex_lock(&kl->ip_lock);
	n = kl->next_ip++;
	pthread_mutex_unlock(&kl->ip_lock);
	snprintf(ip, sizeof(ip), "%s%u", kl->subnet, 2 + n % 253);
	snprintf(host, sizeof(host), "%s1", kl->subnet);
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
		cJSON_AddItemToArray(arr, condition(types[i], now));
	arr = cJSON_AddArrayToObject(st, "containerStatuses");
	cJSON_ArrayForEach(ctr, ctl_get(pod, "spec.containers"))
	{
		char id[128];

		c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "name",
					ctl_str(ctr, "name") ? ctl_str(ctr, "name") : "");
		cJSON_AddStringToObject(
			c, "image", ctl_str(ctr, "image") ? ctl_str(ctr, "image") : "");
		cJSON_AddStringToObject(c, "imageID", "");
		snprintf(id, sizeof(id), "simulated://%s-%u", kl->o.node, n);
		cJSON_AddStringToObject(c, "containerID", id);
		cJSON_AddTrueToObject(c, "ready");
		cJSON_AddTrueToObject(c, "started");
		cJSON_AddNumberToObject(c, "restartCount", 0);
		cJSON_AddStringToObject(
			cJSON_AddObjectToObject(cJSON_AddObjectToObject(c, "state"),
						"running"),
			"startedAt", now);
		cJSON_AddItemToArray(arr, c);
	}
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/%s/status",
		 ctl_str(pod, "metadata.namespace"), ctl_str(pod, "metadata.name"));
	ret = kit_kube_request(kl->kube, "PATCH", path, patch, NULL, NULL, err);
	cJSON_Delete(patch);
	if (ret == 0)
		kit_info("pod %s/%s: Running with IP %s",
			 ctl_str(pod, "metadata.namespace"),
			 ctl_str(pod, "metadata.name"), ip);
	return ret;
}

static void *pod_worker(void *arg)
{
	struct kubelet *kl = arg;
	char *key;

	while (kit_wq_get(kl->queue, &key) == 0) {
		cJSON *pod = kit_cache_get(kit_informer_cache(kl->pods), key);
		const char *phase = ctl_str(pod, "status.phase");
		struct kit_err err = { 0 };

		if (pod && ctl_pod_active(pod) &&
		    (!phase || strcmp(phase, "Pending") == 0)) {
			if (start_pod(kl, pod, &err) < 0 && err.code != ENOENT) {
				kit_warn("start pod %s: %s", key, err.msg);
				kit_wq_add_rate_limited(kl->queue, key);
			} else {
				kit_wq_forget(kl->queue, key);
			}
		}
		cJSON_Delete(pod);
		kit_wq_done(kl->queue, key);
		free(key);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct kubelet kl = { .o = { .cpu = "4",
				     .memory = "8Gi",
				     .max_pods = "110",
				     .lease_seconds = 40 } };
	struct kit_err err = { 0 };
	struct kit_informer_config icfg = { 0 };
	char path[400];
	pthread_t worker;
	sigset_t stop;
	unsigned h = 2166136261u;
	int sig = 0;

	kit_log_init(prog);
	parse_args(argc, argv, &kl.o);
	if (kl.o.pod_cidr) {
		unsigned a, b, c;

		if (sscanf(kl.o.pod_cidr, "%u.%u.%u.0/24", &a, &b, &c) != 3 || a > 255 ||
		    b > 255 || c > 255) {
			fprintf(stderr, "%s: --pod-cidr takes A.B.C.0/24\n", prog);
			return 2;
		}
		snprintf(kl.subnet, sizeof(kl.subnet), "%u.%u.%u.", a, b, c);
	} else {
		for (const char *p = kl.o.node; *p; p++)
			h = (h ^ (unsigned char)*p) * 16777619u;
		snprintf(kl.subnet, sizeof(kl.subnet), "10.244.%u.", 1 + h % 254);
	}
	pthread_mutex_init(&kl.ip_lock, NULL);
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL); /* threads inherit the mask */
	if (kit_kube_open(kl.o.kubeconfig, &kl.kube, &err) < 0)
		kit_die(prog, &err);
	if (register_node(&kl, &err) < 0 || renew_lease(&kl, &err) < 0)
		kit_die(prog, &err);
	kl.queue = kit_wq_new(200, 10000);
	if (!kl.queue) {
		kit_err_set(&err, ENOMEM, NULL, "create work queue");
		kit_die(prog, &err);
	}
	snprintf(path, sizeof(path), "/api/v1/pods?fieldSelector=spec.nodeName%%3D%s",
		 kl.o.node);
	icfg.path = path;
	icfg.name = "pods";
	icfg.resync_seconds = 60;
	icfg.handlers =
		(struct kit_handlers){ pod_changed, pod_updated, pod_deleted, &kl };
	if (kit_informer_start(kl.kube, &icfg, &kl.pods, &err) < 0)
		kit_die(prog, &err);
	if (pthread_create(&worker, NULL, pod_worker, &kl) != 0) {
		kit_err_set(&err, EAGAIN, NULL, "start pod worker");
		kit_die(prog, &err);
	}
	while (sig <= 0) {
		struct timespec ts = { .tv_sec = kl.o.heartbeat_ms / 1000,
				       .tv_nsec = (kl.o.heartbeat_ms % 1000) * 1000000 };

		sig = sigtimedwait(&stop, NULL, &ts);
		if (sig > 0)
			break;
		if (renew_lease(&kl, &err) < 0)
			kit_warn("renew lease: %s", err.msg);
	}
	kit_info("%s: stopping (node %s stays registered)", strsignal(sig), kl.o.node);
	kit_wq_shutdown(kl.queue);
	pthread_join(worker, NULL);
	kit_informer_stop(kl.pods);
	kit_wq_free(kl.queue);
	kit_kube_close(kl.kube);
	return 0;
}
