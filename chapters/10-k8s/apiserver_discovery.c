/* SPDX-License-Identifier: MIT */
/*
 * apiserver_discovery.c - how a client learns what the server has.
 *
 * Article: §6.1 (API Server: "对外暴露 Kubernetes API").  kubectl knows no
 * resource by heart: `kubectl get po` first asks
 *
 *   GET /api          -> the core group's versions: ["v1"]
 *   GET /apis         -> the other groups: apps/v1, coordination.k8s.io/v1
 *   GET /api/v1       -> its resources: pods (short name po), services ...
 *   GET /apis/apps/v1 -> deployments (deploy), replicasets (rs) ...
 *
 * and caches the answers under ~/.kube/cache/discovery/.  Then "po" means
 * /api/v1/namespaces/default/pods.  Also here: /version, the health checks
 * (/healthz, /livez, /readyz: open to anyone, as in the real server) and a
 * minimal /openapi/v2, which kubectl create -f and apply -f fetch to
 * validate what they send.
 *
 * Left out: the aggregated discovery of later Kubernetes versions, and a
 * real OpenAPI document: ours has no definitions, so kubectl validates
 * nothing client-side and the server's own validation answers instead.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "apiserver.h"

static cJSON *str_array(const char *const *items)
{
	cJSON *a = cJSON_CreateArray();

	for (; items && *items; items++)
		cJSON_AddItemToArray(a, cJSON_CreateString(*items));
	return a;
}

static enum MHD_Result server_version(struct request *r)
{
	cJSON *v = cJSON_CreateObject();

	cJSON_AddStringToObject(v, "major", "1");
	cJSON_AddStringToObject(v, "minor", "20");
	cJSON_AddStringToObject(v, "gitVersion", "v1.20.2-mini");
	cJSON_AddStringToObject(v, "gitCommit",
				"0000000000000000000000000000000000000000");
	cJSON_AddStringToObject(v, "gitTreeState", "clean");
	cJSON_AddStringToObject(v, "buildDate", "2021-01-01T00:00:00Z");
	cJSON_AddStringToObject(v, "goVersion", "none (C, the kit's mini-apiserver)");
	cJSON_AddStringToObject(v, "compiler", "gcc");
	cJSON_AddStringToObject(v, "platform", "linux/amd64");
	return reply_json(r, 200, v);
}

static enum MHD_Result api_versions(struct request *r)
{
	static const char *const versions[] = { "v1", NULL };
	cJSON *v = cJSON_CreateObject(), *cidrs, *c;
	char addr[160];

	cJSON_AddStringToObject(v, "kind", "APIVersions");
	cJSON_AddItemToObject(v, "versions", str_array(versions));
	cidrs = cJSON_AddArrayToObject(v, "serverAddressByClientCIDRs");
	c = cJSON_CreateObject();
	cJSON_AddItemToArray(cidrs, c);
	cJSON_AddStringToObject(c, "clientCIDR", "0.0.0.0/0");
	snprintf(addr, sizeof(addr), "%s", r->srv->listen);
	cJSON_AddStringToObject(c, "serverAddress", addr);
	return reply_json(r, 200, v);
}

/* Every group but the core one, each once, in the order of the table. */
static enum MHD_Result api_groups(struct request *r)
{
	cJSON *list = cJSON_CreateObject(), *groups;

	cJSON_AddStringToObject(list, "kind", "APIGroupList");
	cJSON_AddStringToObject(list, "apiVersion", "v1");
	groups = cJSON_AddArrayToObject(list, "groups");
	for (size_t i = 0; i < nresources; i++) {
		const struct resource *res = &resources[i];
		char gv[96];
		cJSON *g, *versions, *v;
		bool seen = false;

		if (!res->group[0])
			continue;
		for (size_t j = 0; j < i; j++)
			seen = seen || strcmp(resources[j].group, res->group) == 0;
		if (seen)
			continue;
		resource_gv(res, gv, sizeof(gv));
		g = cJSON_CreateObject();
		cJSON_AddItemToArray(groups, g);
		cJSON_AddStringToObject(g, "name", res->group);
		versions = cJSON_AddArrayToObject(g, "versions");
		v = cJSON_CreateObject();
		cJSON_AddItemToArray(versions, v);
		cJSON_AddStringToObject(v, "groupVersion", gv);
		cJSON_AddStringToObject(v, "version", res->version);
		cJSON_AddItemToObject(g, "preferredVersion", cJSON_Duplicate(v, true));
	}
	return reply_json(r, 200, list);
}

static void add_entry(cJSON *list, const char *name, const struct resource *res,
		      const char *kind, const char *const *verbs, bool main)
{
	static const char *const all[] = { "all", NULL };
	cJSON *e = cJSON_CreateObject();

	cJSON_AddItemToArray(list, e);
	cJSON_AddStringToObject(e, "name", name);
	cJSON_AddStringToObject(e, "singularName", main ? res->singular : "");
	cJSON_AddBoolToObject(e, "namespaced", res->namespaced);
	if (strcmp(kind, "Scale") == 0) {
		cJSON_AddStringToObject(e, "group", "autoscaling");
		cJSON_AddStringToObject(e, "version", "v1");
	}
	cJSON_AddStringToObject(e, "kind", kind);
	cJSON_AddItemToObject(e, "verbs", str_array(verbs));
	if (main && res->short_names[0])
		cJSON_AddItemToObject(e, "shortNames", str_array(res->short_names));
	/* `kubectl get all` shows the resources in the category "all". */
	if (main &&
	    (strcmp(res->plural, "pods") == 0 || strcmp(res->plural, "services") == 0 ||
	     strcmp(res->plural, "deployments") == 0 ||
	     strcmp(res->plural, "replicasets") == 0))
		cJSON_AddItemToObject(e, "categories", str_array(all));
}

static enum MHD_Result resource_list(struct request *r, const char *group,
				     const char *version)
{
	static const char *const verbs[] = { "create", "delete", "deletecollection",
					     "get",    "list",   "patch",
					     "update", "watch",  NULL };
	static const char *const sub_verbs[] = { "get", "patch", "update", NULL };
	static const char *const create[] = { "create", NULL };
	cJSON *list = cJSON_CreateObject(), *items = NULL;
	char gv[96], name[96];
	bool any = false;

	for (size_t i = 0; i < nresources; i++) {
		const struct resource *res = &resources[i];

		if (strcmp(res->group, group) || strcmp(res->version, version))
			continue;
		if (!any) {
			cJSON_AddStringToObject(list, "kind", "APIResourceList");
			cJSON_AddStringToObject(list, "apiVersion", "v1");
			cJSON_AddStringToObject(list, "groupVersion",
						resource_gv(res, gv, sizeof(gv)));
			items = cJSON_AddArrayToObject(list, "resources");
			any = true;
		}
		add_entry(items, res->plural, res, res->kind, verbs, true);
		if (res->has_status) {
			snprintf(name, sizeof(name), "%s/status", res->plural);
			add_entry(items, name, res, res->kind, sub_verbs, false);
		}
		if (res->has_scale) {
			snprintf(name, sizeof(name), "%s/scale", res->plural);
			add_entry(items, name, res, "Scale", sub_verbs, false);
		}
		if (strcmp(res->plural, "pods") == 0)
			add_entry(items, "pods/binding", res, "Binding", create, false);
	}
	if (!any) {
		cJSON_Delete(list);
		return reply_status(r, 404, "NotFound", NULL, NULL,
				    "the server could not find the requested resource");
	}
	return reply_json(r, 200, list);
}

/*
 * The smallest OpenAPI v2 document kubectl accepts, in the protobuf form
 * it asks for (gnostic's openapi_v2.Document): swagger = "2.0" (field 1),
 * info = {title, version} (field 2), paths = {} (field 8).  Each field is
 * a tag byte (field number << 3 | 2, "length-delimited") and a length.
 */
static enum MHD_Result openapi(struct request *r)
{
	static const unsigned char doc[] = {
		0x0a, 3,  '2', '.', '0',      /* 1 swagger: "2.0" */
		0x12, 12,                     /* 2 info, 12 bytes: */
		0x0a, 4,  'm', 'i', 'n', 'i', /*   1 title */
		0x12, 4,  'v', '1', '.', '0', /*   2 version */
		0x42, 0,                      /* 8 paths: empty */
	};

	/* kube-openapi sends it as octet-stream: Go's media type parser
	 * rejects the '@' of the protobuf type kubectl asks for. */
	return reply_bytes(r, 200, "application/octet-stream", doc, sizeof(doc));
}

enum MHD_Result discovery_handle(struct request *r, bool *handled)
{
	const char *u = r->url;
	char group[64], version[16];

	*handled = true;
	if (strcmp(r->method, "GET") != 0) {
		*handled = false;
		return MHD_NO;
	}
	if (strcmp(u, "/healthz") == 0 || strcmp(u, "/livez") == 0 ||
	    strcmp(u, "/readyz") == 0)
		return reply_bytes(r, 200, "text/plain; charset=utf-8", "ok", 2);
	if (strcmp(u, "/version") == 0)
		return server_version(r);
	if (!r->authenticated) {
		*handled = false;
		return MHD_NO;
	}
	if (strcmp(u, "/api") == 0)
		return api_versions(r);
	if (strcmp(u, "/apis") == 0)
		return api_groups(r);
	if (strcmp(u, "/openapi/v2") == 0)
		return openapi(r);
	if (strcmp(u, "/api/v1") == 0)
		return resource_list(r, "", "v1");
	if (sscanf(u, "/apis/%63[^/]/%15[^/]", group, version) == 2 &&
	    (size_t)snprintf(NULL, 0, "/apis/%s/%s", group, version) == strlen(u))
		return resource_list(r, group, version);
	*handled = false;
	return MHD_NO;
}
