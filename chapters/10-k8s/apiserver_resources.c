/* SPDX-License-Identifier: MIT */
/*
 * apiserver_resources.c - the resources mini-apiserver serves, and the
 * admission step of each: defaults first, then validation.
 *
 * Article: §6.1 (API Server: "负责请求的...准入控制", "验证请求的有效性").
 * A client sends as little as it likes (kubectl create deployment sends
 * no strategy, no restartPolicy); the server fills in the defaults the
 * rest of the cluster counts on, then refuses what is invalid with 422 and
 * one cause per problem, as the real server does:
 *
 *   Deployment.apps "web" is invalid: spec.template.metadata.labels:
 *   Invalid value: ...: `selector` does not match template `labels`
 *
 * The DefaultTolerationSeconds admission plugin lives here too: every pod
 * tolerates an unreachable or not-ready node for N seconds (300 unless
 * --default-unreachable-toleration-seconds says otherwise), after which the
 * pod is evicted (article §6.4.2).
 *
 * Left out: most fields' validation (resources, probes, volumes ...); the
 * kit validates what its controllers and kubelet rely on.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apiserver.h"
#include "kit/api_select.h"
#include "kit/log.h"

/* ---- small JSON helpers ---------------------------------------------------- */

const char *json_str(const cJSON *obj, const char *path)
{
	char part[128];
	const char *p = path;

	while (obj && *p) {
		size_t n = strcspn(p, ".");

		snprintf(part, sizeof(part), "%.*s", (int)(n < 127 ? n : 127), p);
		obj = cJSON_GetObjectItemCaseSensitive(obj, part);
		p += n + (p[n] == '.');
	}
	return cJSON_IsString(obj) ? obj->valuestring : NULL;
}

cJSON *json_obj(cJSON *obj, const char *name)
{
	cJSON *o = cJSON_GetObjectItemCaseSensitive(obj, name);

	if (cJSON_IsObject(o))
		return o;
	if (o)
		cJSON_DeleteItemFromObjectCaseSensitive(obj, name);
	return cJSON_AddObjectToObject(obj, name);
}

void json_set_str(cJSON *obj, const char *name, const char *value)
{
	if (cJSON_GetObjectItemCaseSensitive(obj, name))
		cJSON_ReplaceItemInObjectCaseSensitive(obj, name,
						       cJSON_CreateString(value));
	else
		cJSON_AddStringToObject(obj, name, value);
}

static void def_str(cJSON *obj, const char *name, const char *value)
{
	if (!cJSON_GetObjectItemCaseSensitive(obj, name))
		cJSON_AddStringToObject(obj, name, value);
}

static void def_num(cJSON *obj, const char *name, double value)
{
	if (!cJSON_GetObjectItemCaseSensitive(obj, name))
		cJSON_AddNumberToObject(obj, name, value);
}

void cause_add(cJSON *causes, const char *reason, const char *field, const char *fmt, ...)
{
	cJSON *c = cJSON_CreateObject();
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cJSON_AddStringToObject(c, "reason", reason);
	cJSON_AddStringToObject(c, "message", msg);
	cJSON_AddStringToObject(c, "field", field);
	cJSON_AddItemToArray(causes, c);
}

static void required(cJSON *causes, const char *field)
{
	cause_add(causes, "FieldValueRequired", field, "Required value");
}

static void invalid(cJSON *causes, const char *field, const char *value, const char *why)
{
	cause_add(causes, "FieldValueInvalid", field, "Invalid value: \"%.200s\": %s",
		  value, why);
}

/* ---- every object ------------------------------------------------------------ */

void validate_meta(const struct resource *res, cJSON *obj, cJSON *causes)
{
	const char *name = json_str(obj, "metadata.name"), *problem;
	const cJSON *labels = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(obj, "metadata"), "labels");
	const cJSON *l;
	char field[320];

	if (!name || !*name) {
		required(causes, "metadata.name");
		return;
	}
	if ((problem = kit_api_name_problem(name, res->name_rule)))
		invalid(causes, "metadata.name", name, problem);
	if (labels && !cJSON_IsObject(labels)) {
		cause_add(causes, "FieldValueInvalid", "metadata.labels",
			  "Invalid value: must be an object of strings");
		return;
	}
	cJSON_ArrayForEach(l, labels)
	{
		snprintf(field, sizeof(field), "metadata.labels");
		if (!kit_label_key_valid(l->string))
			invalid(causes, field, l->string,
				"name part must consist of alphanumeric characters, '-', '_' or "
				"'.', and must start and end with an alphanumeric character");
		else if (!cJSON_IsString(l) || !kit_label_value_valid(l->valuestring))
			invalid(causes, field, cJSON_IsString(l) ? l->valuestring : "",
				"a valid label must be an empty string or consist of alphanumeric "
				"characters, '-', '_' or '.', and must start and end with an "
				"alphanumeric character");
	}
}

/* ---- pods -------------------------------------------------------------------- */

static void pod_spec_defaults(struct server *srv, cJSON *spec, bool tolerations)
{
	cJSON *c, *tols;
	static const char *const keys[] = { "node.kubernetes.io/not-ready",
					    "node.kubernetes.io/unreachable" };

	def_str(spec, "restartPolicy", "Always");
	def_str(spec, "dnsPolicy", "ClusterFirst");
	def_str(spec, "schedulerName", "default-scheduler");
	def_num(spec, "terminationGracePeriodSeconds", 30);
	json_obj(spec, "securityContext");
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(spec, "containers"))
	{
		const char *image = json_str(c, "image");
		const char *tag = image ? strrchr(image, ':') : NULL;
		bool latest = !tag || strchr(tag, '/') || strcmp(tag, ":latest") == 0;

		if (!cJSON_IsObject(c))
			continue;
		def_str(c, "terminationMessagePath", "/dev/termination-log");
		def_str(c, "terminationMessagePolicy", "File");
		def_str(c, "imagePullPolicy", latest ? "Always" : "IfNotPresent");
		json_obj(c, "resources");
	}
	/* DefaultTolerationSeconds: tolerate a lost node for a while. */
	tols = cJSON_GetObjectItemCaseSensitive(spec, "tolerations");
	if (!srv || !tolerations)
		return;
	if (!cJSON_IsArray(tols)) {
		cJSON_DeleteItemFromObjectCaseSensitive(spec, "tolerations");
		tols = cJSON_AddArrayToObject(spec, "tolerations");
	}
	for (int i = 0; i < 2; i++) {
		const cJSON *t;
		bool have = false;

		cJSON_ArrayForEach(t, tols)
		{
			const char *key = json_str(t, "key");

			have = have || (key && strcmp(key, keys[i]) == 0);
		}
		if (have)
			continue;
		cJSON *nt = cJSON_CreateObject();

		cJSON_AddStringToObject(nt, "key", keys[i]);
		cJSON_AddStringToObject(nt, "operator", "Exists");
		cJSON_AddStringToObject(nt, "effect", "NoExecute");
		cJSON_AddNumberToObject(nt, "tolerationSeconds",
					(double)srv->default_toleration);
		cJSON_AddItemToArray(tols, nt);
	}
}

static void pod_defaults(struct server *srv, cJSON *obj)
{
	cJSON *status = json_obj(obj, "status");

	pod_spec_defaults(srv, json_obj(obj, "spec"), true);
	def_str(status, "phase", "Pending");
	def_str(status, "qosClass", "BestEffort");
}

/* Validate a pod spec found at @at ("spec" or "spec.template.spec"). */
static void validate_pod_spec(const cJSON *spec, const char *at, cJSON *causes)
{
	const cJSON *containers = cJSON_GetObjectItemCaseSensitive(spec, "containers"),
		    *c;
	const char *policy = json_str(spec, "restartPolicy");
	char field[160];
	int i = 0;

	snprintf(field, sizeof(field), "%s.containers", at);
	if (!cJSON_IsArray(containers) || cJSON_GetArraySize(containers) == 0) {
		required(causes, field);
		return;
	}
	cJSON_ArrayForEach(c, containers)
	{
		const char *name = json_str(c, "name"), *problem;
		const cJSON *other;
		int j = 0;

		snprintf(field, sizeof(field), "%s.containers[%d].name", at, i);
		if (!name || !*name)
			required(causes, field);
		else if ((problem = kit_api_name_problem(name, KIT_NAME_LABEL)))
			invalid(causes, field, name, problem);
		cJSON_ArrayForEach(other, containers)
		{
			const char *n2 = json_str(other, "name");

			if (j++ < i && name && n2 && strcmp(name, n2) == 0)
				cause_add(causes, "FieldValueDuplicate", field,
					  "Duplicate value: \"%s\"", name);
		}
		snprintf(field, sizeof(field), "%s.containers[%d].image", at, i);
		if (!json_str(c, "image") || !*json_str(c, "image"))
			required(causes, field);
		i++;
	}
	if (policy && strcmp(policy, "Always") && strcmp(policy, "OnFailure") &&
	    strcmp(policy, "Never")) {
		snprintf(field, sizeof(field), "%s.restartPolicy", at);
		cause_add(causes, "FieldValueNotSupported", field,
			  "Unsupported value: \"%.60s\": supported values: \"Always\", "
			  "\"OnFailure\", \"Never\"",
			  policy);
	}
}

static void pod_validate(cJSON *obj, cJSON *causes)
{
	validate_pod_spec(cJSON_GetObjectItemCaseSensitive(obj, "spec"), "spec", causes);
}

/* ---- deployments and replicasets ------------------------------------------- */

static void workload_defaults(struct server *srv, cJSON *obj, bool deployment)
{
	cJSON *spec = json_obj(obj, "spec"), *tmpl = json_obj(spec, "template");

	def_num(spec, "replicas", 1);
	if (deployment) {
		cJSON *strategy = json_obj(spec, "strategy");

		def_str(strategy, "type", "RollingUpdate");
		if (strcmp(json_str(strategy, "type"), "RollingUpdate") == 0) {
			cJSON *ru = json_obj(strategy, "rollingUpdate");

			def_str(ru, "maxUnavailable", "25%");
			def_str(ru, "maxSurge", "25%");
		}
		def_num(spec, "revisionHistoryLimit", 10);
		def_num(spec, "progressDeadlineSeconds", 600);
	}
	pod_spec_defaults(srv, json_obj(tmpl, "spec"), false);
	json_obj(obj, "status");
}

static void deployment_defaults(struct server *srv, cJSON *obj)
{
	workload_defaults(srv, obj, true);
}

static void replicaset_defaults(struct server *srv, cJSON *obj)
{
	workload_defaults(srv, obj, false);
}

static void workload_validate(cJSON *obj, cJSON *causes)
{
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");
	const cJSON *selector = cJSON_GetObjectItemCaseSensitive(spec, "selector");
	const cJSON *tmpl = cJSON_GetObjectItemCaseSensitive(spec, "template");
	const cJSON *labels = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(tmpl, "metadata"), "labels");
	const cJSON *replicas = cJSON_GetObjectItemCaseSensitive(spec, "replicas");
	struct kit_selector sel = { 0 };
	struct kit_err err = { 0 };

	if (cJSON_IsNumber(replicas) && replicas->valuedouble < 0)
		cause_add(causes, "FieldValueInvalid", "spec.replicas",
			  "Invalid value: %.0f: must be greater than or equal to 0",
			  replicas->valuedouble);
	if (!cJSON_IsObject(selector) || cJSON_GetArraySize(selector) == 0) {
		required(causes, "spec.selector");
	} else if (kit_selector_from_json(selector, &sel, &err) < 0) {
		invalid(causes, "spec.selector", "", err.msg);
	} else if (sel.nterms == 0) {
		cause_add(
			causes, "FieldValueInvalid", "spec.selector",
			"Invalid value: \"{}\": empty selector is invalid for deployment");
	} else if (!kit_selector_matches_labels(&sel, labels)) {
		char *text = labels ? cJSON_PrintUnformatted(labels) : NULL;

		cause_add(
			causes, "FieldValueInvalid", "spec.template.metadata.labels",
			"Invalid value: %s: `selector` does not match template `labels`",
			text ? text : "{}");
		free(text);
	}
	kit_selector_release(&sel);
	validate_pod_spec(cJSON_GetObjectItemCaseSensitive(tmpl, "spec"),
			  "spec.template.spec", causes);
}

/* ---- services ---------------------------------------------------------------- */

/*
 * Service IPs come from 10.96.0.0/16 (10.96.0.1 is kept for the API server
 * itself, as in a real cluster): the lowest one no service has.
 */
static void allocate_cluster_ip(struct server *srv, cJSON *spec)
{
	char end[KIT_STORE_KEY_MAX + 1], ip[INET_ADDRSTRLEN];
	unsigned char used[65536 / 8] = { 0 };
	struct kit_kv_list list = { 0 };
	struct kit_err err = { 0 };

	pthread_mutex_lock(&srv->ip_lock);
	if (kit_store_range(srv->store, "/registry/services/",
			    kit_store_prefix_end("/registry/services/", end), 0, 0, &list,
			    NULL, &err) == 0) {
		for (size_t i = 0; i < list.len; i++) {
			cJSON *svc = cJSON_Parse(list.items[i].value);
			const char *addr = json_str(svc, "spec.clusterIP");
			struct in_addr a;

			if (addr && inet_pton(AF_INET, addr, &a) == 1 &&
			    (ntohl(a.s_addr) >> 16) == ((10u << 8) | 96u)) {
				unsigned n = ntohl(a.s_addr) & 0xffff;

				used[n / 8] |= (unsigned char)(1u << (n % 8));
			}
			cJSON_Delete(svc);
		}
	}
	kit_kv_list_release(&list);
	for (unsigned n = 2; n < 65535; n++) {
		if (!(used[n / 8] & (1u << (n % 8)))) {
			snprintf(ip, sizeof(ip), "10.96.%u.%u", n >> 8, n & 0xff);
			json_set_str(spec, "clusterIP", ip);
			break;
		}
	}
	/* The IP is taken once the service is stored: a lock across
	 * allocation and create would be needed for two at once (left out). */
	pthread_mutex_unlock(&srv->ip_lock);
}

static void service_defaults(struct server *srv, cJSON *obj)
{
	cJSON *spec = json_obj(obj, "spec"), *p;
	const char *ip = json_str(spec, "clusterIP");

	def_str(spec, "type", "ClusterIP");
	def_str(spec, "sessionAffinity", "None");
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(spec, "ports"))
	{
		const cJSON *port = cJSON_GetObjectItemCaseSensitive(p, "port");

		def_str(p, "protocol", "TCP");
		if (cJSON_IsNumber(port))
			def_num(p, "targetPort", port->valuedouble);
	}
	if (srv && (!ip || !*ip))
		allocate_cluster_ip(srv, spec);
	json_obj(obj, "status");
}

static void service_validate(cJSON *obj, cJSON *causes)
{
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");
	const cJSON *ports = cJSON_GetObjectItemCaseSensitive(spec, "ports"), *p;
	const char *ip = json_str(spec, "clusterIP");
	char field[64];
	int i = 0;

	if ((!cJSON_IsArray(ports) || cJSON_GetArraySize(ports) == 0) &&
	    !(ip && strcmp(ip, "None") == 0))
		required(causes, "spec.ports");
	cJSON_ArrayForEach(p, ports)
	{
		const cJSON *port = cJSON_GetObjectItemCaseSensitive(p, "port");

		snprintf(field, sizeof(field), "spec.ports[%d].port", i++);
		if (!cJSON_IsNumber(port) || port->valuedouble < 1 ||
		    port->valuedouble > 65535)
			cause_add(
				causes, "FieldValueInvalid", field,
				"Invalid value: %.0f: must be between 1 and 65535, inclusive",
				cJSON_IsNumber(port) ? port->valuedouble : 0);
	}
}

/* ---- namespaces ---------------------------------------------------------------- */

static void namespace_defaults(struct server *srv, cJSON *obj)
{
	cJSON *spec = json_obj(obj, "spec");

	(void)srv;
	if (!cJSON_GetObjectItemCaseSensitive(spec, "finalizers")) {
		cJSON *f = cJSON_AddArrayToObject(spec, "finalizers");

		cJSON_AddItemToArray(f, cJSON_CreateString("kubernetes"));
	}
	def_str(json_obj(obj, "status"), "phase", "Active");
}

/* ---- the table ------------------------------------------------------------------- */

static const char *const pod_fields[] = { "spec.nodeName", "status.phase",
					  "spec.schedulerName", "spec.restartPolicy",
					  NULL };
static const char *const node_fields[] = { "spec.unschedulable", NULL };
static const char *const event_fields[] = { "involvedObject.kind",
					    "involvedObject.namespace",
					    "involvedObject.name",
					    "involvedObject.uid",
					    "involvedObject.apiVersion",
					    "involvedObject.resourceVersion",
					    "involvedObject.fieldPath",
					    "reason",
					    "source",
					    "type",
					    NULL };
static const char *const no_fields[] = { NULL };

const struct resource resources[] = {
	{ "",
	  "v1",
	  "Namespace",
	  "namespaces",
	  "namespace",
	  { "ns" },
	  false,
	  false,
	  false,
	  true,
	  KIT_NAME_LABEL,
	  no_fields,
	  namespace_defaults,
	  NULL },
	{ "",
	  "v1",
	  "Node",
	  "nodes",
	  "node",
	  { "no" },
	  false,
	  true,
	  false,
	  true,
	  KIT_NAME_SUBDOMAIN,
	  node_fields,
	  NULL,
	  NULL },
	{ "",
	  "v1",
	  "Pod",
	  "pods",
	  "pod",
	  { "po" },
	  true,
	  true,
	  false,
	  true,
	  KIT_NAME_SUBDOMAIN,
	  pod_fields,
	  pod_defaults,
	  pod_validate },
	{ "",
	  "v1",
	  "Service",
	  "services",
	  "service",
	  { "svc" },
	  true,
	  true,
	  false,
	  true,
	  KIT_NAME_LABEL_1035,
	  no_fields,
	  service_defaults,
	  service_validate },
	{ "",
	  "v1",
	  "Endpoints",
	  "endpoints",
	  "endpoints",
	  { "ep" },
	  true,
	  false,
	  false,
	  false,
	  KIT_NAME_SUBDOMAIN,
	  no_fields,
	  NULL,
	  NULL },
	{ "",
	  "v1",
	  "Event",
	  "events",
	  "event",
	  { "ev" },
	  true,
	  false,
	  false,
	  false,
	  KIT_NAME_SUBDOMAIN,
	  event_fields,
	  NULL,
	  NULL },
	{ "apps",
	  "v1",
	  "Deployment",
	  "deployments",
	  "deployment",
	  { "deploy" },
	  true,
	  true,
	  true,
	  true,
	  KIT_NAME_SUBDOMAIN,
	  no_fields,
	  deployment_defaults,
	  workload_validate },
	{ "apps",
	  "v1",
	  "ReplicaSet",
	  "replicasets",
	  "replicaset",
	  { "rs" },
	  true,
	  true,
	  true,
	  true,
	  KIT_NAME_SUBDOMAIN,
	  no_fields,
	  replicaset_defaults,
	  workload_validate },
	{ "coordination.k8s.io",
	  "v1",
	  "Lease",
	  "leases",
	  "lease",
	  { NULL },
	  true,
	  false,
	  false,
	  true,
	  KIT_NAME_SUBDOMAIN,
	  no_fields,
	  NULL,
	  NULL },
};

const size_t nresources = sizeof(resources) / sizeof(resources[0]);

const char *resource_gv(const struct resource *res, char *buf, size_t size)
{
	if (res->group[0])
		snprintf(buf, size, "%s/%s", res->group, res->version);
	else
		snprintf(buf, size, "%s", res->version);
	return buf;
}

const struct resource *resource_find(const char *group, const char *version,
				     const char *plural)
{
	for (size_t i = 0; i < nresources; i++)
		if (strcmp(resources[i].group, group) == 0 &&
		    strcmp(resources[i].version, version) == 0 &&
		    strcmp(resources[i].plural, plural) == 0)
			return &resources[i];
	return NULL;
}
