/* SPDX-License-Identifier: MIT */
/*
 * oci_spec.c - an OCI bundle's config.json, checked and read into struct
 * oci_spec (see kit/oci.h for the contract).
 *
 * Article: §3.1 低级容器运行时.  A low-level runtime trusts nothing in
 * config.json: it comes from whoever wrote the bundle.  So every field is
 * read through kit/json.h's typed getters, which know the field's JSON path,
 * and every name is translated here, once, into what the kernel wants:
 *
 *   parse_process()     args, env, cwd, user, capabilities, rlimits ...
 *   parse_mounts()      destinations, and options split into MS_* flags,
 *                       propagation and the data string for the filesystem
 *   parse_hooks()       the six hook lists
 *   parse_linux()       namespaces, id mappings, devices, resources,
 *                       sysctl, seccomp, masked and read-only paths
 *   oci_spec_default()  the config.json `mini-runc spec` writes
 *
 * Files: this one has the shared readers (oci_read.h), the whole document
 * and oci_spec_free(); oci_process.c process, mounts and hooks;
 * oci_linux.c the linux section; oci_default.c oci_spec_default().
 *
 * A refusal names the path: "config.json: .linux.namespaces[2].type:
 * unknown namespace \"foo\": EINVAL (...)", and frees what was built.
 *
 * Left out: the Windows, Solaris, VM and z/OS sections, intelRdt,
 * personality, I/O priority, scheduler, memory policy, the time namespace
 * (refused, see parse_namespaces() in oci_linux.c), and seccomp's listenerPath.  Unknown
 * fields are ignored, as runc ignores fields of a newer spec.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/capability.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "kit/cleanup.h"
#include "kit/file.h"
#include "kit/json.h"
#include "kit/oci.h"

#include "oci_read.h"

const char *oci_quote(char *buf, const char *s)
{
	size_t n = 0, i = 0;

	buf[n++] = '"';
	for (; s[i] && i < 64; i++)
		buf[n++] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
	if (s[i]) {
		/* Drop the last character if the cut split it: find its lead
		 * byte, which says how long it is. */
		size_t lead = n - 1;

		while (lead > 1 && ((unsigned char)buf[lead] & 0xc0) == 0x80)
			lead--;
		if ((unsigned char)buf[lead] >= 0xc0) {
			unsigned char c = (unsigned char)buf[lead];
			size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;

			if (n - lead < len)
				n = lead;
		}
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n++] = '"';
	buf[n] = '\0';
	return buf;
}

/* ---- small readers shared by every section -------------------------------- */

int oci_no_memory(const char *path, struct kit_err *err)
{
	return kit_err_set(err, ENOMEM, NULL, "%s: allocate memory",
			   path[0] ? path : ".");
}

/* calloc() that reports the path; @n elements of @size plus @extra. */
int oci_alloc_n(void **out, size_t n, size_t extra, size_t size, const char *path,
		struct kit_err *err)
{
	*out = calloc(n + extra ? n + extra : 1, size);
	return *out ? 0 : oci_no_memory(path, err);
}

/* An array member with at most OCI_MAX_ITEMS elements; 1 when absent. */
int oci_get_array(const cJSON *obj, const char *path, const char *key, bool required,
		  const cJSON **out, size_t *n, struct kit_err *err)
{
	int ret = kit_json_get_array(obj, path, key, required, OCI_MAX_ITEMS, out, err);

	if (ret == 0)
		*n = (size_t)cJSON_GetArraySize(*out);
	return ret;
}

int oci_expected(const cJSON *item, const char *path, const char *want,
		 struct kit_err *err)
{
	return kit_err_set(err, EINVAL, "fix the type of this field",
			   "%s: expected %s, got %s", path, want,
			   kit_json_type_name(item));
}

/* An array element that must be an object. */
int oci_elem_object(const cJSON *item, const char *path, struct kit_err *err)
{
	return cJSON_IsObject(item) ? 0 : oci_expected(item, path, "an object", err);
}

/* An array element that must be a string. */
int oci_elem_string(const cJSON *item, const char *path, const char **out,
		    struct kit_err *err)
{
	if (!cJSON_IsString(item) || !item->valuestring)
		return oci_expected(item, path, "a string", err);
	*out = item->valuestring;
	return 0;
}

/* An array element that must be an integer in [@min, @max]. */
int oci_elem_int(const cJSON *item, const char *path, int64_t min, int64_t max,
		 int64_t *out, struct kit_err *err)
{
	double v;

	if (!cJSON_IsNumber(item))
		return oci_expected(item, path, "an integer", err);
	v = item->valuedouble;
	/* Range first: casting a double outside int64_t is undefined. */
	if (!(v >= (double)min && v <= (double)max) || v != floor(v))
		return kit_err_set(err, ERANGE, NULL,
				   "%s: %g is not an integer in [%" PRId64 ", %" PRId64
				   "]",
				   path, v, min, max);
	*out = (int64_t)v;
	return 0;
}

int oci_get_u32(const cJSON *obj, const char *path, const char *key, bool required,
		uint32_t *out, struct kit_err *err)
{
	int64_t v;
	int ret = kit_json_get_int(obj, path, key, required, 0, UINT32_MAX, &v, err);

	if (ret == 0)
		*out = (uint32_t)v;
	return ret;
}

/*
 * An unsigned 64-bit member.  cJSON holds numbers as doubles, exact only up
 * to 2^53; the one larger value configs really carry is 2^64-1 (Go's
 * ^uint64(0), RLIM_INFINITY for rlimits), which rounds to exactly 2^64 as a
 * double: read that as UINT64_MAX, refuse everything else past 2^53.
 */
int oci_get_u64(const cJSON *obj, const char *path, const char *key, bool required,
		uint64_t *out, struct kit_err *err)
{
	const cJSON *item =
		cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
	int64_t v;
	int ret;

	if (cJSON_IsNumber(item) && item->valuedouble == 18446744073709551616.0) {
		*out = UINT64_MAX;
		return 0;
	}
	ret = kit_json_get_int(obj, path, key, required, 0, INT64_MAX, &v, err);
	if (ret == 0)
		*out = (uint64_t)v;
	return ret;
}

int oci_must_be_absolute(const char *path, const char *value, struct kit_err *err)
{
	if (value[0] == '/')
		return 0;
	return kit_err_set(err, EINVAL, "the spec wants an absolute path here",
			   "%s: %s is not an absolute path", path, Q(value));
}

/*
 * A path inside the container (mount destination, device, masked path):
 * absolute, and no ".." component, which could only climb out of the
 * root filesystem the runtime resolves it in.
 */
int oci_must_be_inside(const char *path, const char *value, struct kit_err *err)
{
	TRY(oci_must_be_absolute(path, value, err));
	for (const char *c = value; (c = strstr(c, "/..")); c += 3)
		if (c[3] == '/' || c[3] == '\0')
			return kit_err_set(err, EINVAL,
					   "a path in the container may not climb out "
					   "with ..",
					   "%s: %s has a \"..\" component", path,
					   Q(value));
	return 0;
}

/* A string member that, when given, must pass @check. */
int oci_get_path(const cJSON *obj, const char *path, const char *key, bool required,
		 int (*check)(const char *path, const char *value, struct kit_err *err),
		 const char **out, struct kit_err *err)
{
	char p[KIT_JSON_PATH_MAX];
	int ret = kit_json_get_string(obj, path, key, required, out, err);

	if (ret == 0)
		TRY(check(kit_json_path_key(p, path, key), *out, err));
	return ret;
}

/*
 * An array of strings into a NULL-terminated array (owned, the strings stay
 * in the tree).  @check, when set, vets each element.  *@out stays NULL and
 * *@n 0 when absent.
 */
int oci_get_strings(const cJSON *obj, const char *path, const char *key, bool required,
		    int (*check)(const char *path, const char *value,
				 struct kit_err *err),
		    const char ***out, size_t *n, struct kit_err *err)
{
	char p[KIT_JSON_PATH_MAX], ep[KIT_JSON_PATH_MAX];
	const cJSON *arr, *item;
	size_t count, i = 0;
	int ret = oci_get_array(obj, path, key, required, &arr, &count, err);

	if (ret != 0)
		return ret;
	kit_json_path_key(p, path, key);
	TRY(oci_alloc_n((void **)out, count, 1, sizeof(**out), p, err));
	*n = count;
	cJSON_ArrayForEach(item, arr)
	{
		kit_json_path_index(ep, p, i);
		TRY(oci_elem_string(item, ep, &(*out)[i], err));
		if (check)
			TRY(check(ep, (*out)[i], err));
		i++;
	}
	return 0;
}

/*
 * An object of string values (annotations, sysctl, unified) into two
 * parallel NULL-terminated arrays.  @check, when set, vets each key
 * (check_keys() has refused duplicates already).
 */
int oci_get_string_map(const cJSON *obj, const char *path, const char *key,
		       int (*check)(const char *path, const char *k, struct kit_err *err),
		       const char ***keys, const char ***values, size_t *n,
		       struct kit_err *err)
{
	char p[KIT_JSON_PATH_MAX], ep[KIT_JSON_PATH_MAX];
	const cJSON *map, *item;
	size_t count, i = 0;
	int ret = kit_json_get_object(obj, path, key, false, &map, err);

	if (ret != 0)
		return ret;
	kit_json_path_key(p, path, key);
	count = (size_t)cJSON_GetArraySize(map);
	if (count > OCI_MAX_ITEMS)
		return kit_err_set(err, E2BIG, NULL, "%s: more than %d members", p,
				   OCI_MAX_ITEMS);
	TRY(oci_alloc_n((void **)keys, count, 1, sizeof(**keys), p, err));
	TRY(oci_alloc_n((void **)values, count, 1, sizeof(**values), p, err));
	*n = count;
	cJSON_ArrayForEach(item, map)
	{
		kit_json_path_key(ep, p, item->string);
		if (check)
			TRY(check(ep, item->string, err));
		(*keys)[i] = item->string;
		TRY(oci_elem_string(item, ep, &(*values)[i], err));
		i++;
	}
	return 0;
}

const struct oci_name_value *oci_lookup_name(const struct oci_name_value *table,
					     const char *name)
{
	for (; table->name; table++)
		if (strcmp(table->name, name) == 0)
			return table;
	return NULL;
}

/* A string member translated through @table; @what names it in messages. */
int oci_get_named(const cJSON *obj, const char *path, const char *key, bool required,
		  const struct oci_name_value *table, const char *what, const char *hint,
		  int *out, struct kit_err *err)
{
	char p[KIT_JSON_PATH_MAX];
	const struct oci_name_value *nv;
	const char *s;
	int ret = kit_json_get_string(obj, path, key, required, &s, err);

	if (ret != 0)
		return ret;
	nv = oci_lookup_name(table, s);
	if (!nv)
		return kit_err_set(err, EINVAL, hint, "%s: unknown %s %s",
				   kit_json_path_key(p, path, key), what, Q(s));
	*out = nv->value;
	return 0;
}

/* ---- the whole document --------------------------------------------------- */

/*
 * Duplicate keys: cJSON keeps the first {"args": ...}, Go's encoding/json
 * (runc, containerd) the last.  A config.json that two programs read two
 * ways is a way to fool a checker, so any object with a repeated key is
 * refused, anywhere in the document.  Sorting the keys keeps this
 * O(n log n) on hostile objects with many members.
 */
static int by_string(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/*
 * Keys end up in every message's JSON path, so a key with control
 * characters (an escape sequence for the terminal) is refused here too.
 */
static int check_keys(const cJSON *obj, const char *path, struct kit_err *err)
{
	_autofree const char **keys = NULL;
	char p[KIT_JSON_PATH_MAX];
	const cJSON *item;
	size_t n = 0, i = 0;

	cJSON_ArrayForEach(item, obj)
	{
		n++;
	}
	if (cJSON_IsObject(obj) && n > 1) {
		keys = calloc(n, sizeof(*keys));
		if (!keys)
			return oci_no_memory(path, err);
		cJSON_ArrayForEach(item, obj)
		{
			keys[i++] = item->string;
		}
		qsort(keys, n, sizeof(*keys), by_string);
		for (i = 1; i < n; i++)
			if (strcmp(keys[i - 1], keys[i]) == 0)
				return kit_err_set(err, EINVAL, "a key may appear once",
						   "%s: duplicate key %s",
						   path[0] ? path : ".", Q(keys[i]));
	}
	i = 0;
	cJSON_ArrayForEach(item, obj)
	{
		if (cJSON_IsObject(obj) && has_control(item->string))
			return kit_err_set(err, EINVAL,
					   "keys are names, not terminal controls",
					   "%s: key %s has control characters",
					   path[0] ? path : ".", Q(item->string));
		if (cJSON_IsObject(obj))
			kit_json_path_key(p, path, item->string);
		else
			kit_json_path_index(p, path, i++);
		if (cJSON_IsObject(item) || cJSON_IsArray(item))
			TRY(check_keys(item, p, err));
	}
	return 0;
}

static int parse_root(const cJSON *doc, struct oci_spec *spec, struct kit_err *err)
{
	const cJSON *root;

	TRY(kit_json_get_object(doc, "", "root", true, &root, err));
	TRY(kit_json_get_string(root, ".root", "path", true, &spec->root_path, err));
	if (spec->root_path[0] == '\0')
		return kit_err_set(err, EINVAL, "e.g. \"rootfs\", relative to the bundle",
				   ".root.path: empty path");
	TRY(kit_json_get_bool(root, ".root", "readonly", false, &spec->root_readonly,
			      err));
	return 0;
}

static int parse_doc(const cJSON *doc, struct oci_spec *spec, struct kit_err *err)
{
	const cJSON *proc;

	TRY(check_keys(doc, "", err));
	TRY(kit_json_get_string(doc, "", "ociVersion", true, &spec->oci_version, err));
	TRY(parse_root(doc, spec, err));
	TRY(kit_json_get_string(doc, "", "hostname", false, &spec->hostname, err));
	TRY(kit_json_get_string(doc, "", "domainname", false, &spec->domainname, err));
	/* sethostname(2) and setdomainname(2) take at most 64 bytes. */
	if (spec->hostname && strlen(spec->hostname) > 64)
		return kit_err_set(err, EINVAL, "sethostname(2) takes at most 64 bytes",
				   ".hostname: too long");
	if (spec->domainname && strlen(spec->domainname) > 64)
		return kit_err_set(err, EINVAL, "setdomainname(2) takes at most 64 bytes",
				   ".domainname: too long");
	TRY(kit_json_get_object(doc, "", "process", true, &proc, err));
	TRY(oci_parse_process(proc, ".process", &spec->process, err));
	TRY(oci_parse_mounts(doc, spec, err));
	TRY(oci_parse_hooks(doc, &spec->hooks, err));
	TRY(oci_parse_linux(doc, spec, err));
	TRY(oci_check_userns(&spec->linux_, err));
	TRY(oci_get_string_map(doc, "", "annotations", NULL, &spec->annotation_keys,
			       &spec->annotation_values, &spec->n_annotations, err));
	return 0;
}

/* Parse @text, then check and read it with @parse; the common half of the two below. */
static int
parse_with(const char *text, size_t len, const char *name, struct oci_spec *spec,
	   int (*parse)(const cJSON *doc, struct oci_spec *spec, struct kit_err *err),
	   struct kit_err *err)
{
	cJSON *doc = NULL;
	int ret;

	memset(spec, 0, sizeof(*spec));
	ret = kit_json_parse(text, len, name, &doc, err);
	if (ret < 0)
		return ret;
	spec->doc = doc;
	if (!cJSON_IsObject(doc))
		ret = kit_err_set(err, EINVAL, "the file holds one JSON object",
				  ".: expected an object, got %s",
				  kit_json_type_name(doc));
	else
		ret = parse(doc, spec, err);
	if (ret < 0) {
		kit_err_wrap(err, "%s", name);
		oci_spec_free(spec);
	}
	return ret < 0 ? ret : 0;
}

int oci_spec_parse(const char *text, size_t len, const char *name, struct oci_spec *spec,
		   struct kit_err *err)
{
	return parse_with(text, len, name, spec, parse_doc, err);
}

static int parse_process_doc(const cJSON *doc, struct oci_spec *spec, struct kit_err *err)
{
	TRY(check_keys(doc, "", err));
	return oci_parse_process(doc, "", &spec->process, err);
}

int oci_process_parse(const char *text, size_t len, const char *name,
		      struct oci_spec *spec, struct kit_err *err)
{
	return parse_with(text, len, name, spec, parse_process_doc, err);
}

static int parse_resources_doc(const cJSON *doc, struct oci_spec *spec,
			       struct kit_err *err)
{
	TRY(check_keys(doc, "", err));
	spec->linux_.has_resources = true;
	return oci_parse_resources(doc, "", &spec->linux_.resources, err);
}

int oci_resources_parse(const char *text, size_t len, const char *name,
			struct oci_spec *spec, struct kit_err *err)
{
	return parse_with(text, len, name, spec, parse_resources_doc, err);
}

int oci_spec_load(const char *path, struct oci_spec *spec, struct kit_err *err)
{
	_autofree char *text = NULL;
	const char *base = strrchr(path, '/');
	size_t len;
	int ret;

	memset(spec, 0, sizeof(*spec));
	ret = kit_read_file(path, KIT_JSON_MAX_BYTES, &text, &len, err);
	if (ret < 0)
		return ret;
	return oci_spec_parse(text, len, base ? base + 1 : path, spec, err);
}

static void free_hook_list(struct oci_hook_list *list)
{
	for (size_t i = 0; list->hooks && i < list->n; i++) {
		free(list->hooks[i].args);
		free(list->hooks[i].env);
	}
	free(list->hooks);
}

static void free_linux(struct oci_linux *l)
{
	free(l->namespaces);
	free(l->uid_mappings);
	free(l->gid_mappings);
	free(l->devices);
	free(l->resources.devices);
	free(l->resources.unified_keys);
	free(l->resources.unified_values);
	free(l->sysctl_keys);
	free(l->sysctl_values);
	free(l->seccomp.architectures);
	free(l->seccomp.flags);
	for (size_t i = 0; l->seccomp.syscalls && i < l->seccomp.n_syscalls; i++) {
		free(l->seccomp.syscalls[i].names);
		free(l->seccomp.syscalls[i].args);
	}
	free(l->seccomp.syscalls);
	free(l->masked_paths);
	free(l->readonly_paths);
}

void oci_spec_free(struct oci_spec *spec)
{
	struct oci_process *p = &spec->process;

	free(p->args);
	free(p->env);
	free(p->additional_gids);
	free(p->rlimits);
	for (size_t i = 0; spec->mounts && i < spec->n_mounts; i++) {
		free(spec->mounts[i].options);
		free(spec->mounts[i].data);
	}
	free(spec->mounts);
	free_hook_list(&spec->hooks.prestart);
	free_hook_list(&spec->hooks.create_runtime);
	free_hook_list(&spec->hooks.create_container);
	free_hook_list(&spec->hooks.start_container);
	free_hook_list(&spec->hooks.poststart);
	free_hook_list(&spec->hooks.poststop);
	free_linux(&spec->linux_);
	free(spec->annotation_keys);
	free(spec->annotation_values);
	cJSON_Delete(spec->doc);
	memset(spec, 0, sizeof(*spec));
}
