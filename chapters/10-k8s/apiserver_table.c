/* SPDX-License-Identifier: MIT */
/*
 * apiserver_table.c - the columns `kubectl get` prints, computed by the
 * server.
 *
 * Article: §6.1 (API Server).  kubectl 1.20 does not know what a pod's
 * READY column means: it sends
 *
 *   Accept: application/json;as=Table;v=v1;g=meta.k8s.io,application/json
 *
 * and the server answers with a meta.k8s.io/v1 Table: column definitions
 * (priority 0 always shown, 1 only with -o wide) and one row of cells per
 * object, plus the object's metadata (for --show-labels and -L).  That is
 * why `kubectl get` works for resources kubectl has never heard of.
 *
 * Left out: the real server's every column (events show five, not ten).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apiserver.h"
#include "kit/api_select.h"

static const char NAME_DESC[] = "Name must be unique within a namespace.";

/* ---- cells ------------------------------------------------------------------- */

static void cell_str(cJSON *cells, const char *s)
{
	cJSON_AddItemToArray(cells, cJSON_CreateString(s && *s ? s : "<none>"));
}

static void cell_num(cJSON *cells, double n)
{
	cJSON_AddItemToArray(cells, cJSON_CreateNumber(n));
}

static double num_at(const cJSON *obj, const char *a, const char *b)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(obj, a), b);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static double num_of(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static void cell_age(cJSON *cells, const cJSON *obj, time_t now)
{
	time_t created = kit_api_time_parse(json_str(obj, "metadata.creationTimestamp"));
	char age[32];

	if (created < 0)
		cell_str(cells, "<unknown>");
	else
		cell_str(cells, kit_api_human_duration((long long)(now - created), age,
						       sizeof(age)));
}

/* The containers' names or images of a pod template, comma-separated. */
static void cell_containers(cJSON *cells, const cJSON *obj, const char *what)
{
	const cJSON *c;
	char buf[512] = "";
	size_t used = 0;

	cJSON_ArrayForEach(
		c, cJSON_GetObjectItemCaseSensitive(
			   cJSON_GetObjectItemCaseSensitive(
				   cJSON_GetObjectItemCaseSensitive(
					   cJSON_GetObjectItemCaseSensitive(obj, "spec"),
					   "template"),
				   "spec"),
			   "containers"))
	{
		const char *v = json_str(c, what);

		if (v && used < sizeof(buf))
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s",
						 used ? "," : "", v);
	}
	cell_str(cells, buf);
}

static void cell_selector(cJSON *cells, const cJSON *json)
{
	struct kit_selector sel = { 0 };
	struct kit_err err = { 0 };
	char *text = NULL;

	if (kit_selector_from_json(json, &sel, &err) == 0)
		text = kit_selector_format(&sel);
	cell_str(cells, text);
	free(text);
	kit_selector_release(&sel);
}

/* ---- one row function per resource ------------------------------------------- */

static void pod_row(const cJSON *obj, cJSON *cells, time_t now)
{
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");
	const cJSON *status = cJSON_GetObjectItemCaseSensitive(obj, "status"), *cs;
	int total =
		cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(spec, "containers"));
	int ready = 0, restarts = 0;
	const char *reason = json_str(status, "reason");
	const char *phase = json_str(status, "phase");
	char buf[32];

	cJSON_ArrayForEach(cs,
			   cJSON_GetObjectItemCaseSensitive(status, "containerStatuses"))
	{
		const char *waiting = json_str(cs, "state.waiting.reason");
		const char *term = json_str(cs, "state.terminated.reason");

		const cJSON *count = cJSON_GetObjectItemCaseSensitive(cs, "restartCount");

		ready += cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cs, "ready"));
		restarts += cJSON_IsNumber(count) ? (int)count->valuedouble : 0;
		if (!reason && waiting)
			reason = waiting;
		if (!reason && term)
			reason = term;
	}
	if (json_str(obj, "metadata.deletionTimestamp"))
		reason = "Terminating";
	cell_str(cells, json_str(obj, "metadata.name"));
	snprintf(buf, sizeof(buf), "%d/%d", ready, total);
	cell_str(cells, buf);
	cell_str(cells, reason ? reason : phase);
	cell_num(cells, restarts);
	cell_age(cells, obj, now);
	cell_str(cells, json_str(status, "podIP"));
	cell_str(cells, json_str(spec, "nodeName"));
	cell_str(cells, json_str(status, "nominatedNodeName"));
	cell_str(cells, NULL);
}

static const struct table_column pod_columns[] = {
	{ "Name", "string", "name", NAME_DESC, 0 },
	{ "Ready", "string", "",
	  "The aggregate readiness state of this pod for accepting traffic.", 0 },
	{ "Status", "string", "", "The aggregate status of the containers in this pod.",
	  0 },
	{ "Restarts", "integer", "",
	  "The number of times the containers in this pod have been restarted.", 0 },
	{ "Age", "string", "",
	  "CreationTimestamp is a timestamp representing the server time when this object was created.",
	  0 },
	{ "IP", "string", "", "IP address allocated to the pod.", 1 },
	{ "Node", "string", "", "Name of the node this pod runs on.", 1 },
	{ "Nominated Node", "string", "", "Name of the node the scheduler nominated.",
	  1 },
	{ "Readiness Gates", "string", "", "Readiness gates of the pod.", 1 },
	{ NULL },
};

static void deployment_row(const cJSON *obj, cJSON *cells, time_t now)
{
	char buf[48];

	cell_str(cells, json_str(obj, "metadata.name"));
	snprintf(buf, sizeof(buf), "%.0f/%.0f", num_at(obj, "status", "readyReplicas"),
		 num_at(obj, "spec", "replicas"));
	cell_str(cells, buf);
	cell_num(cells, num_at(obj, "status", "updatedReplicas"));
	cell_num(cells, num_at(obj, "status", "availableReplicas"));
	cell_age(cells, obj, now);
	cell_containers(cells, obj, "name");
	cell_containers(cells, obj, "image");
	cell_selector(cells,
		      cJSON_GetObjectItemCaseSensitive(
			      cJSON_GetObjectItemCaseSensitive(obj, "spec"), "selector"));
}

static const struct table_column deployment_columns[] = {
	{ "Name", "string", "name", NAME_DESC, 0 },
	{ "Ready", "string", "", "Number of the pod with ready state", 0 },
	{ "Up-to-date", "string", "",
	  "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
	  0 },
	{ "Available", "string", "",
	  "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
	  0 },
	{ "Age", "string", "", "CreationTimestamp of the object.", 0 },
	{ "Containers", "string", "", "Names of each container in the template.", 1 },
	{ "Images", "string", "", "Images referenced by each container in the template.",
	  1 },
	{ "Selector", "string", "", "Label selector for pods.", 1 },
	{ NULL },
};

static void replicaset_row(const cJSON *obj, cJSON *cells, time_t now)
{
	cell_str(cells, json_str(obj, "metadata.name"));
	cell_num(cells, num_at(obj, "spec", "replicas"));
	cell_num(cells, num_at(obj, "status", "replicas"));
	cell_num(cells, num_at(obj, "status", "readyReplicas"));
	cell_age(cells, obj, now);
	cell_containers(cells, obj, "name");
	cell_containers(cells, obj, "image");
	cell_selector(cells,
		      cJSON_GetObjectItemCaseSensitive(
			      cJSON_GetObjectItemCaseSensitive(obj, "spec"), "selector"));
}

static const struct table_column replicaset_columns[] = {
	{ "Name", "string", "name", NAME_DESC, 0 },
	{ "Desired", "integer", "", "Number of desired pods.", 0 },
	{ "Current", "integer", "", "Number of actually running pods.", 0 },
	{ "Ready", "integer", "", "Number of ready pods.", 0 },
	{ "Age", "string", "", "CreationTimestamp of the object.", 0 },
	{ "Containers", "string", "", "Names of each container in the template.", 1 },
	{ "Images", "string", "", "Images referenced by each container in the template.",
	  1 },
	{ "Selector", "string", "", "Label selector for pods.", 1 },
	{ NULL },
};

static void node_row(const cJSON *obj, cJSON *cells, time_t now)
{
	const cJSON *c,
		*labels = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(obj, "metadata"), "labels");
	const char *ready = "Unknown";
	char status[64], roles[256] = "";
	size_t used = 0;

	cJSON_ArrayForEach(
		c, cJSON_GetObjectItemCaseSensitive(
			   cJSON_GetObjectItemCaseSensitive(obj, "status"), "conditions"))
	{
		const char *type = json_str(c, "type"), *st = json_str(c, "status");

		if (type && st && strcmp(type, "Ready") == 0)
			ready = strcmp(st, "True") == 0 ? "Ready" : "NotReady";
	}
	snprintf(status, sizeof(status), "%s%s", ready,
		 cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
			 cJSON_GetObjectItemCaseSensitive(obj, "spec"), "unschedulable"))
			 ? ",SchedulingDisabled"
			 : "");
	cJSON_ArrayForEach(c, labels)
	{
		const char *role = strncmp(c->string, "node-role.kubernetes.io/", 24) == 0
					   ? c->string + 24
					   : NULL;

		if (role && *role && used < sizeof(roles))
			used += (size_t)snprintf(roles + used, sizeof(roles) - used,
						 "%s%s", used ? "," : "", role);
	}
	cell_str(cells, json_str(obj, "metadata.name"));
	cell_str(cells, status);
	cell_str(cells, roles);
	cell_age(cells, obj, now);
	cell_str(cells, json_str(obj, "status.nodeInfo.kubeletVersion"));
}

static const struct table_column node_columns[] = {
	{ "Name", "string", "name", NAME_DESC, 0 },
	{ "Status", "string", "", "The status of the node", 0 },
	{ "Roles", "string", "", "The roles of the node", 0 },
	{ "Age", "string", "", "CreationTimestamp of the object.", 0 },
	{ "Version", "string", "", "Kubelet Version reported by the node.", 0 },
	{ NULL },
};

static void service_row(const cJSON *obj, cJSON *cells, time_t now)
{
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec"), *p;
	char ports[256] = "";
	size_t used = 0;

	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(spec, "ports"))
	{
		const cJSON *np = cJSON_GetObjectItemCaseSensitive(p, "nodePort");
		const char *proto = json_str(p, "protocol");

		if (used >= sizeof(ports))
			break;
		if (cJSON_IsNumber(np))
			used += (size_t)snprintf(ports + used, sizeof(ports) - used,
						 "%s%.0f:%.0f/%s", used ? "," : "",
						 num_of(p, "port"), np->valuedouble,
						 proto ? proto : "TCP");
		else
			used += (size_t)snprintf(ports + used, sizeof(ports) - used,
						 "%s%.0f/%s", used ? "," : "",
						 num_of(p, "port"),
						 proto ? proto : "TCP");
	}
	cell_str(cells, json_str(obj, "metadata.name"));
	cell_str(cells, json_str(spec, "type"));
	cell_str(cells, json_str(spec, "clusterIP"));
	cell_str(cells, NULL);
	cell_str(cells, ports);
	cell_age(cells, obj, now);
	/* A service's selector is a plain map of labels. */
	used = 0;
	ports[0] = '\0';
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(spec, "selector"))
	{
		if (cJSON_IsString(p) && used < sizeof(ports))
			used += (size_t)snprintf(ports + used, sizeof(ports) - used,
						 "%s%s=%s", used ? "," : "", p->string,
						 p->valuestring);
	}
	cell_str(cells, ports);
}

static const struct table_column service_columns[] = {
	{ "Name", "string", "name", NAME_DESC, 0 },
	{ "Type", "string", "", "The type of the service.", 0 },
	{ "Cluster-IP", "string", "", "The cluster IP of the service.", 0 },
	{ "External-IP", "string", "", "The external IP of the service.", 0 },
	{ "Port(s)", "string", "", "The ports of the service.", 0 },
	{ "Age", "string", "", "CreationTimestamp of the object.", 0 },
	{ "Selector", "string", "", "The label selector of the service.", 1 },
	{ NULL },
};

static void namespace_row(const cJSON *obj, cJSON *cells, time_t now)
{
	cell_str(cells, json_str(obj, "metadata.name"));
	cell_str(cells, json_str(obj, "status.phase"));
	cell_age(cells, obj, now);
}

static const struct table_column namespace_columns[] = {
	{ "Name", "string", "name", NAME_DESC, 0 },
	{ "Status", "string", "", "The status of the namespace", 0 },
	{ "Age", "string", "", "CreationTimestamp of the object.", 0 },
	{ NULL },
};

static void endpoints_row(const cJSON *obj, cJSON *cells, time_t now)
{
	const cJSON *subset, *a, *p;
	char buf[256] = "";
	size_t used = 0;
	int n = 0, shown = 0;

	cJSON_ArrayForEach(subset, cJSON_GetObjectItemCaseSensitive(obj, "subsets"))
	{
		cJSON_ArrayForEach(a,
				   cJSON_GetObjectItemCaseSensitive(subset, "addresses"))
		{
			cJSON_ArrayForEach(
				p, cJSON_GetObjectItemCaseSensitive(subset, "ports"))
			{
				const cJSON *port =
					cJSON_GetObjectItemCaseSensitive(p, "port");

				n++;
				if (shown < 3 && used < sizeof(buf)) {
					used += (size_t)snprintf(
						buf + used, sizeof(buf) - used,
						"%s%s:%.0f", used ? "," : "",
						json_str(a, "ip"),
						cJSON_IsNumber(port) ? port->valuedouble
								     : 0);
					shown++;
				}
			}
		}
	}
	if (n > shown && used < sizeof(buf))
		snprintf(buf + used, sizeof(buf) - used, " + %d more...", n - shown);
	cell_str(cells, json_str(obj, "metadata.name"));
	cell_str(cells, buf);
	cell_age(cells, obj, now);
}

static const struct table_column endpoints_columns[] = {
	{ "Name", "string", "name", NAME_DESC, 0 },
	{ "Endpoints", "string", "", "Endpoints of the service.", 0 },
	{ "Age", "string", "", "CreationTimestamp of the object.", 0 },
	{ NULL },
};

static void event_row(const cJSON *obj, cJSON *cells, time_t now)
{
	const char *last = json_str(obj, "lastTimestamp");
	time_t t = kit_api_time_parse(last ? last
					   : json_str(obj, "metadata.creationTimestamp"));
	char seen[32], what[300];

	if (t < 0)
		cell_str(cells, "<unknown>");
	else
		cell_str(cells, kit_api_human_duration((long long)(now - t), seen,
						       sizeof(seen)));
	cell_str(cells, json_str(obj, "type"));
	cell_str(cells, json_str(obj, "reason"));
	snprintf(what, sizeof(what), "%s/%s", json_str(obj, "involvedObject.kind") ?: "",
		 json_str(obj, "involvedObject.name") ?: "");
	for (char *c = what; *c && *c != '/'; c++)
		*c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
	cell_str(cells, what);
	cell_str(cells, json_str(obj, "message"));
}

static const struct table_column event_columns[] = {
	{ "Last Seen", "string", "", "The last time this event was seen.", 0 },
	{ "Type", "string", "", "Normal or Warning.", 0 },
	{ "Reason", "string", "", "Why the event happened.", 0 },
	{ "Object", "string", "", "The object it is about.", 0 },
	{ "Message", "string", "", "What happened.", 0 },
	{ NULL },
};

static void lease_row(const cJSON *obj, cJSON *cells, time_t now)
{
	cell_str(cells, json_str(obj, "metadata.name"));
	cell_str(cells, json_str(obj, "spec.holderIdentity"));
	cell_age(cells, obj, now);
}

static const struct table_column lease_columns[] = {
	{ "Name", "string", "name", NAME_DESC, 0 },
	{ "Holder", "string", "", "The holder of the lease.", 0 },
	{ "Age", "string", "", "CreationTimestamp of the object.", 0 },
	{ NULL },
};

static const struct table_def tables[] = {
	{ "pods", pod_columns, pod_row },
	{ "deployments", deployment_columns, deployment_row },
	{ "replicasets", replicaset_columns, replicaset_row },
	{ "nodes", node_columns, node_row },
	{ "services", service_columns, service_row },
	{ "namespaces", namespace_columns, namespace_row },
	{ "endpoints", endpoints_columns, endpoints_row },
	{ "events", event_columns, event_row },
	{ "leases", lease_columns, lease_row },
};

static const struct table_def *table_for(const struct resource *res)
{
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		if (strcmp(tables[i].plural, res->plural) == 0)
			return &tables[i];
	return NULL;
}

/* ---- the Table object ----------------------------------------------------------- */

static cJSON *column_definitions(const struct table_def *t)
{
	cJSON *defs = cJSON_CreateArray();

	for (const struct table_column *c = t->columns; c->name; c++) {
		cJSON *d = cJSON_CreateObject();

		cJSON_AddStringToObject(d, "name", c->name);
		cJSON_AddStringToObject(d, "type", c->type);
		cJSON_AddStringToObject(d, "format", c->format);
		cJSON_AddStringToObject(d, "description", c->description);
		cJSON_AddNumberToObject(d, "priority", c->priority);
		cJSON_AddItemToArray(defs, d);
	}
	return defs;
}

/* A row: the cells, and the object's metadata (PartialObjectMetadata). */
static cJSON *row_of(const struct table_def *t, const cJSON *obj, time_t now)
{
	cJSON *row = cJSON_CreateObject(), *meta = cJSON_CreateObject();

	t->row(obj, cJSON_AddArrayToObject(row, "cells"), now);
	cJSON_AddStringToObject(meta, "kind", "PartialObjectMetadata");
	cJSON_AddStringToObject(meta, "apiVersion", "meta.k8s.io/v1");
	cJSON_AddItemToObject(
		meta, "metadata",
		cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(obj, "metadata"), true));
	cJSON_AddItemToObject(row, "object", meta);
	return row;
}

static cJSON *new_table(const struct table_def *t, const char *rv, bool with_columns)
{
	cJSON *table = cJSON_CreateObject(), *meta;

	cJSON_AddStringToObject(table, "kind", "Table");
	cJSON_AddStringToObject(table, "apiVersion", "meta.k8s.io/v1");
	meta = cJSON_AddObjectToObject(table, "metadata");
	if (rv)
		cJSON_AddStringToObject(meta, "resourceVersion", rv);
	cJSON_AddItemToObject(table, "columnDefinitions",
			      with_columns ? column_definitions(t) : cJSON_CreateArray());
	cJSON_AddArrayToObject(table, "rows");
	return table;
}

/* Resources without a table of their own: NAME and AGE. */
static void default_row(const cJSON *obj, cJSON *cells, time_t now)
{
	namespace_row(obj, cells, now);
	cJSON_DeleteItemFromArray(cells, 1);
}

static const struct table_column default_columns[] = {
	{ "Name", "string", "name", NAME_DESC, 0 },
	{ "Age", "string", "", "CreationTimestamp of the object.", 0 },
	{ NULL },
};

static const struct table_def default_table = { "", default_columns, default_row };

cJSON *table_of(const struct resource *res, cJSON *obj, bool is_list, const char *rv)
{
	const struct table_def *t = table_for(res);
	time_t now = time(NULL);
	const cJSON *item;
	cJSON *table, *rows;
	const char *cont = json_str(obj, "metadata.continue");

	if (!t)
		t = &default_table;
	table = new_table(t, rv, true);
	if (cont)
		cJSON_AddStringToObject(cJSON_GetObjectItem(table, "metadata"),
					"continue", cont);
	rows = cJSON_GetObjectItem(table, "rows");
	if (is_list) {
		cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(obj, "items"))
			cJSON_AddItemToArray(rows, row_of(t, item, now));
	} else {
		cJSON_AddItemToArray(rows, row_of(t, obj, now));
	}
	cJSON_Delete(obj);
	return table;
}

cJSON *table_row_object(const struct resource *res, const cJSON *obj, const char *rv,
			bool with_columns)
{
	const struct table_def *t = table_for(res);
	cJSON *table;

	if (!t)
		t = &default_table;
	table = new_table(t, rv, with_columns);
	cJSON_AddItemToArray(cJSON_GetObjectItem(table, "rows"),
			     row_of(t, obj, time(NULL)));
	return table;
}
