/* SPDX-License-Identifier: MIT */
/*
 * kube_parse.c - the client's parsing, with no network: kubeconfig files,
 * the watch stream, HTTP status codes as errnos (see kit/kube_client.h).
 *
 * A kubeconfig is YAML.  The kit reads the block style that kubectl,
 * kubeadm and mini-apiserver write (mappings, sequences whose items start
 * with "- ", plain and quoted scalars, comments) by turning it into a
 * cJSON tree, then walks current-context -> context -> cluster and user.
 * A file that starts with '{' is read as JSON (kubectl accepts both).
 * Flow style ({a: b}, except the empty {} and []), anchors, tags and
 * multi-line scalars are refused.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kit/base64.h"
#include "kit/cleanup.h"
#include "kit/file.h"
#include "kit/json.h"
#include "kit/kube_client.h"

#define YAML_MAX_DEPTH 32

struct yline {
	int no;     /* 1-based line number, for messages */
	int indent; /* columns before the text */
	char *text; /* the text, comment and trailing blanks cut */
};

struct yaml {
	struct yline *lines;
	size_t n;
	struct kit_err *err;
};

static int yaml_error(struct yaml *y, int no, const char *what)
{
	return kit_err_set(y->err, EINVAL, what, "parse kubeconfig line %d", no);
}

/* Cut a comment (" #" outside quotes) and trailing blanks. */
static void cut_comment(char *s)
{
	char quote = 0;
	char *end;

	for (char *p = s; *p; p++) {
		if (quote) {
			if (*p == quote)
				quote = 0;
		} else if (*p == '"' || *p == '\'') {
			quote = *p;
		} else if (*p == '#' && (p == s || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			break;
		}
	}
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
}

/* A scalar as a string: quotes removed ("\"" escapes kept simple). */
static cJSON *scalar(struct yaml *y, int no, const char *s)
{
	size_t n = strlen(s);

	if (*s == '"' || *s == '\'') {
		char *copy;
		cJSON *item;

		if (n < 2 || s[n - 1] != s[0])
			return yaml_error(y, no,
					  "a quoted scalar does not end on its line"),
			       NULL;
		copy = strndup(s + 1, n - 2);
		if (!copy)
			return NULL;
		item = cJSON_CreateString(copy);
		free(copy);
		return item;
	}
	if (strcmp(s, "{}") == 0) /* kubectl writes "user: {}" */
		return cJSON_CreateObject();
	if (strcmp(s, "[]") == 0)
		return cJSON_CreateArray();
	if (*s == '{' || *s == '[' || *s == '&' || *s == '*' || *s == '!' || *s == '|' ||
	    *s == '>') {
		yaml_error(
			y, no,
			"flow style, anchors, tags and block scalars are not supported");
		return NULL;
	}
	return cJSON_CreateString(s);
}

/* Where "key:" ends in @s (the colon), or NULL if @s is not "key: ...". */
static char *key_colon(char *s)
{
	char quote = 0;

	for (char *p = s; *p; p++) {
		if (quote) {
			if (*p == quote)
				quote = 0;
		} else if (*p == '"' || *p == '\'') {
			quote = *p;
		} else if (*p == ':' && (p[1] == '\0' || p[1] == ' ')) {
			return p;
		}
	}
	return NULL;
}

static cJSON *block(struct yaml *y, size_t *i, int indent, int depth);

static bool is_item(const struct yline *l)
{
	return l->text[0] == '-' && (l->text[1] == '\0' || l->text[1] == ' ');
}

static cJSON *sequence(struct yaml *y, size_t *i, int indent, int depth)
{
	cJSON *seq = cJSON_CreateArray();

	while (seq && *i < y->n && y->lines[*i].indent == indent &&
	       is_item(&y->lines[*i])) {
		struct yline *l = &y->lines[*i];
		cJSON *item;
		int skip = 1;

		while (l->text[skip] == ' ')
			skip++;
		if (l->text[skip] == '\0') { /* "-" alone: the item is the block below */
			(*i)++;
			if (*i >= y->n || y->lines[*i].indent <= indent) {
				item = cJSON_CreateNull();
			} else {
				item = block(y, i, y->lines[*i].indent, depth + 1);
			}
		} else if (key_colon(l->text + skip)) {
			/* "- key: v": a mapping whose first line starts after "- " */
			l->text += skip;
			l->indent += skip;
			item = block(y, i, l->indent, depth + 1);
		} else {
			item = scalar(y, l->no, l->text + skip);
			(*i)++;
		}
		if (!item) {
			cJSON_Delete(seq);
			return NULL;
		}
		cJSON_AddItemToArray(seq, item);
	}
	return seq;
}

static cJSON *mapping(struct yaml *y, size_t *i, int indent, int depth)
{
	cJSON *map = cJSON_CreateObject();

	while (map && *i < y->n && y->lines[*i].indent == indent &&
	       !is_item(&y->lines[*i])) {
		struct yline *l = &y->lines[*i];
		char *colon = key_colon(l->text), *value;
		cJSON *item, *key;

		if (!colon) {
			yaml_error(y, l->no, "expected \"key: value\"");
			goto fail;
		}
		*colon = '\0';
		key = scalar(y, l->no, l->text);
		if (!key)
			goto fail;
		if (!cJSON_IsString(key)) {
			cJSON_Delete(key);
			yaml_error(y, l->no, "a key must be a string");
			goto fail;
		}
		value = colon + 1;
		while (*value == ' ')
			value++;
		(*i)++;
		if (*value) {
			item = scalar(y, l->no, value);
		} else if (*i < y->n &&
			   (y->lines[*i].indent > indent ||
			    (y->lines[*i].indent == indent && is_item(&y->lines[*i])))) {
			/* kubectl writes "clusters:\n- name: x" at the same indent */
			item = block(y, i, y->lines[*i].indent, depth + 1);
		} else {
			item = cJSON_CreateNull();
		}
		if (!item) {
			cJSON_Delete(key);
			goto fail;
		}
		if (cJSON_GetObjectItemCaseSensitive(map, key->valuestring))
			cJSON_DeleteItemFromObjectCaseSensitive(map, key->valuestring);
		cJSON_AddItemToObject(map, key->valuestring, item);
		cJSON_Delete(key);
	}
	return map;
fail:
	cJSON_Delete(map);
	return NULL;
}

static cJSON *block(struct yaml *y, size_t *i, int indent, int depth)
{
	cJSON *out;

	if (depth > YAML_MAX_DEPTH) {
		yaml_error(y, y->lines[*i].no, "nested too deeply");
		return NULL;
	}
	out = is_item(&y->lines[*i]) ? sequence(y, i, indent, depth)
				     : mapping(y, i, indent, depth);
	if (out && *i < y->n && y->lines[*i].indent > indent) {
		yaml_error(y, y->lines[*i].no, "indented more than the lines before it");
		cJSON_Delete(out);
		return NULL;
	}
	return out;
}

/* kit_yaml_to_json: the subset above, as a cJSON tree. */
static int yaml_parse(char *text, cJSON **out, struct kit_err *err)
{
	struct yaml y = { .err = err };
	size_t cap = 0, i = 0;
	int no = 0, ret = 0;
	char *save = NULL;

	*out = NULL;
	for (char *line = text; line; line = save) {
		char *nl = strchr(line, '\n');
		int ind = 0;

		save = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		no++;
		while (line[ind] == ' ')
			ind++;
		if (line[ind] == '\t') {
			ret = kit_err_set(err, EINVAL,
					  "YAML indents with spaces, not tabs",
					  "parse kubeconfig line %d", no);
			goto out;
		}
		cut_comment(line + ind);
		if (line[ind] == '\0' || strcmp(line + ind, "---") == 0)
			continue;
		if (y.n == cap) {
			struct yline *bigger;

			cap = cap ? 2 * cap : 64;
			bigger = realloc(y.lines, cap * sizeof(*y.lines));
			if (!bigger) {
				ret = kit_err_set(err, ENOMEM, NULL, "parse kubeconfig");
				goto out;
			}
			y.lines = bigger;
		}
		y.lines[y.n++] = (struct yline){ no, ind, line + ind };
	}
	if (y.n == 0) {
		ret = kit_err_set(err, EINVAL, "the file is empty", "parse kubeconfig");
		goto out;
	}
	*out = block(&y, &i, y.lines[0].indent, 0);
	if (!*out) {
		ret = err->code ? -err->code
				: kit_err_set(err, ENOMEM, NULL, "parse kubeconfig");
		goto out;
	}
	if (i < y.n) {
		cJSON_Delete(*out);
		*out = NULL;
		ret = kit_err_set(err, EINVAL, "less indented than the first line",
				  "parse kubeconfig line %d", y.lines[i].no);
	}
out:
	free(y.lines);
	return ret;
}

/* The member "name" of @list (an array of {name, <kind>: {...}}) -> its <kind>. */
static const cJSON *named(const cJSON *doc, const char *list, const char *kind,
			  const char *name, struct kit_err *err)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(doc, list), *it;

	cJSON_ArrayForEach(it, arr)
	{
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(it, "name");
		const cJSON *body = cJSON_GetObjectItemCaseSensitive(it, kind);

		if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0) {
			if (!cJSON_IsObject(body)) {
				kit_err_set(err, EINVAL,
					    "it has no mapping under that key",
					    "read %s \"%s\" of kubeconfig", kind, name);
				return NULL;
			}
			return body;
		}
	}
	kit_err_set(err, EINVAL, "the current context names it, but it is not there",
		    "find %s \"%s\" in kubeconfig", kind, name);
	return NULL;
}

static const char *str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int dup_str(char **dst, const char *src, struct kit_err *err)
{
	if (!src)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : kit_err_set(err, ENOMEM, NULL, "read kubeconfig");
}

int kit_kubeconfig_parse(const char *text, size_t len, struct kit_kubeconfig *kc,
			 struct kit_err *err)
{
	_autofree char *copy = NULL;
	const cJSON *ctx, *cluster, *user;
	const char *cur, *cname, *uname, *ca, *insecure;
	cJSON *doc = NULL;
	int ret;

	memset(kc, 0, sizeof(*kc));
	if (len > KIT_KUBECONFIG_MAX)
		return kit_err_set(err, EFBIG, "a kubeconfig is a few kilobytes",
				   "read kubeconfig");
	if (!kit_json_utf8_valid(text, len) || memchr(text, '\0', len))
		return kit_err_set(err, EINVAL, "it is not UTF-8 text",
				   "read kubeconfig");
	copy = strndup(text, len);
	if (!copy)
		return kit_err_set(err, ENOMEM, NULL, "read kubeconfig");
	if (copy[strspn(copy, " \t\r\n")] == '{')
		ret = kit_json_parse(copy, len, "kubeconfig", &doc, err);
	else
		ret = yaml_parse(copy, &doc, err);
	if (ret < 0)
		return ret;
	ret = -EINVAL;
	cur = str(doc, "current-context");
	if (!cur || !*cur) {
		kit_err_set(err, EINVAL,
			    "set current-context (kubectl config use-context)",
			    "read kubeconfig");
		goto out;
	}
	if (!(ctx = named(doc, "contexts", "context", cur, err)))
		goto out;
	cname = str(ctx, "cluster");
	uname = str(ctx, "user");
	if (!cname) {
		kit_err_set(err, EINVAL, "it names no cluster", "read context \"%s\"",
			    cur);
		goto out;
	}
	if (!(cluster = named(doc, "clusters", "cluster", cname, err)))
		goto out;
	user = uname ? named(doc, "users", "user", uname, err) : NULL;
	if (uname && !user)
		goto out;
	if (!str(cluster, "server")) {
		kit_err_set(err, EINVAL, "the cluster has no server: address",
			    "read cluster \"%s\"", cname);
		goto out;
	}
	if ((ret = dup_str(&kc->server, str(cluster, "server"), err)) < 0 ||
	    (ret = dup_str(&kc->ca_file, str(cluster, "certificate-authority"), err)) <
		    0 ||
	    (ret = dup_str(&kc->token, str(user, "token"), err)) < 0 ||
	    (ret = dup_str(&kc->namespace,
			   str(ctx, "namespace") ? str(ctx, "namespace") : "default",
			   err)) < 0)
		goto out;
	insecure = str(cluster, "insecure-skip-tls-verify");
	kc->insecure = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
			       cluster, "insecure-skip-tls-verify")) ||
		       (insecure && strcmp(insecure, "true") == 0);
	ca = str(cluster, "certificate-authority-data");
	if (ca) {
		size_t n;

		kc->ca_pem = kit_base64_decode(ca, &n);
		if (!kc->ca_pem || strlen(kc->ca_pem) != n) {
			ret = kit_err_set(
				err, EINVAL, "it is not base64 of a PEM certificate",
				"read certificate-authority-data of cluster \"%s\"",
				cname);
			goto out;
		}
	}
	ret = 0;
out:
	cJSON_Delete(doc);
	return ret;
}

int kit_kubeconfig_load(const char *path, struct kit_kubeconfig *kc, struct kit_err *err)
{
	_autofree char *text = NULL;
	size_t len;
	int ret;

	memset(kc, 0, sizeof(*kc));
	ret = kit_read_file(path, KIT_KUBECONFIG_MAX, &text, &len, err);
	if (ret < 0)
		return ret;
	ret = kit_kubeconfig_parse(text, len, kc, err);
	if (ret < 0)
		kit_err_wrap(err, "%s", path);
	return ret;
}

void kit_kubeconfig_release(struct kit_kubeconfig *kc)
{
	free(kc->server);
	free(kc->ca_pem);
	free(kc->ca_file);
	if (kc->token)
		explicit_bzero(kc->token, strlen(kc->token));
	free(kc->token);
	free(kc->namespace);
	memset(kc, 0, sizeof(*kc));
}

/* ---- the watch stream ----------------------------------------------------------- */

void kit_watch_stream_init(struct kit_watch_stream *s, kit_watch_fn fn, void *ctx)
{
	memset(s, 0, sizeof(*s));
	s->fn = fn;
	s->ctx = ctx;
}

void kit_watch_stream_release(struct kit_watch_stream *s)
{
	free(s->buf);
	s->buf = NULL;
	s->len = s->cap = 0;
}

static int one_event(struct kit_watch_stream *s, const char *line, size_t n,
		     struct kit_err *err)
{
	cJSON *ev = NULL, *type, *object;
	int ret;

	while (n && (line[n - 1] == '\r' || line[n - 1] == ' '))
		n--;
	if (n == 0)
		return 0;
	ret = kit_json_parse(line, n, "watch event", &ev, err);
	if (ret < 0)
		return ret;
	type = cJSON_GetObjectItemCaseSensitive(ev, "type");
	object = cJSON_GetObjectItemCaseSensitive(ev, "object");
	if (!cJSON_IsString(type) || !cJSON_IsObject(object)) {
		cJSON_Delete(ev);
		return kit_err_set(
			err, EINVAL, "expected {\"type\": ..., \"object\": {...}}",
			"read watch event %llu", (unsigned long long)s->events + 1);
	}
	s->events++;
	ret = s->fn(s->ctx, type->valuestring, object);
	cJSON_Delete(ev);
	return ret;
}

int kit_watch_stream_feed(struct kit_watch_stream *s, const char *data, size_t n,
			  struct kit_err *err)
{
	while (n) {
		const char *nl = memchr(data, '\n', n);
		size_t take = nl ? (size_t)(nl - data) : n;
		int ret;

		if (s->len + take > KIT_WATCH_LINE_MAX)
			return kit_err_set(err, EMSGSIZE,
					   "one event is larger than 16 MiB",
					   "read watch stream");
		if (nl && s->len == 0) { /* a whole line: no copy */
			ret = one_event(s, data, take, err);
		} else {
			if (s->len + take + 1 > s->cap) {
				size_t cap = s->cap ? s->cap : 4096;
				char *bigger;

				while (cap < s->len + take + 1)
					cap *= 2;
				bigger = realloc(s->buf, cap);
				if (!bigger)
					return kit_err_set(err, ENOMEM, NULL,
							   "read watch stream");
				s->buf = bigger;
				s->cap = cap;
			}
			memcpy(s->buf + s->len, data, take);
			s->len += take;
			ret = 0;
			if (nl) {
				ret = one_event(s, s->buf, s->len, err);
				s->len = 0;
			}
		}
		if (ret != 0)
			return ret;
		data += take + (nl ? 1 : 0);
		n -= take + (nl ? 1 : 0);
	}
	return 0;
}

int kit_kube_status_errno(long code, const char *reason)
{
	if (code >= 200 && code < 300)
		return 0;
	switch (code) {
	case 400:
	case 422: return EINVAL;
	case 401: return EACCES;
	case 403: return EPERM;
	case 404: return ENOENT;
	case 409:
		return reason && strcmp(reason, "AlreadyExists") == 0 ? EEXIST
								      : ECANCELED;
	case 410: return ESTALE;
	case 413: return EFBIG;
	case 429: return EAGAIN;
	default: return code >= 500 && code < 600 ? EAGAIN : EPROTO;
	}
}
