/* SPDX-License-Identifier: MIT */
/*
 * api_select.c - label and field selectors (see kit/api_select.h).
 *
 * Article: §6.1 (API Server), §6.4.1.  The grammar of a label selector, as
 * the real API server reads it:
 *
 *   selector    := term ("," term)*
 *   term        := key ("=" | "==" | "!=") value
 *                | key ("in" | "notin") "(" value ("," value)* ")"
 *                | key | "!" key
 *
 * Whitespace around tokens is allowed.  Field selectors allow only the
 * first form; a backslash escapes ",", "=", "!" and "\" in their values.
 *
 * Left out: the Gt and Lt operators (node affinity only).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kit/api_select.h"

void kit_selector_release(struct kit_selector *sel)
{
	for (size_t i = 0; i < sel->nterms; i++) {
		struct kit_selector_term *t = &sel->terms[i];

		free(t->key);
		for (size_t j = 0; j < t->nvalues; j++)
			free(t->values[j]);
		free(t->values);
	}
	free(sel->terms);
	memset(sel, 0, sizeof(*sel));
}

static bool name_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.';
}

/* A label name or value: <= 63 of [A-Za-z0-9-_.], alphanumeric at the ends. */
static bool name_part_valid(const char *s, size_t len, bool empty_ok)
{
	if (len == 0)
		return empty_ok;
	if (len > 63 || !isalnum((unsigned char)s[0]) ||
	    !isalnum((unsigned char)s[len - 1]))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!name_char(s[i]))
			return false;
	return true;
}

/* A DNS-1123 subdomain: dot-separated labels of [a-z0-9-], <= 253. */
static bool dns_subdomain_valid(const char *s, size_t len)
{
	size_t start = 0;

	if (len == 0 || len > 253)
		return false;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '.') {
			if (!islower((unsigned char)s[i]) &&
			    !isdigit((unsigned char)s[i]) && s[i] != '-')
				return false;
			continue;
		}
		if (i == start || s[start] == '-' || s[i - 1] == '-')
			return false;
		start = i + 1;
	}
	return true;
}

bool kit_label_key_valid(const char *key)
{
	const char *slash = strchr(key, '/');

	if (!slash)
		return name_part_valid(key, strlen(key), false);
	return dns_subdomain_valid(key, (size_t)(slash - key)) &&
	       name_part_valid(slash + 1, strlen(slash + 1), false);
}

bool kit_label_value_valid(const char *value)
{
	return name_part_valid(value, strlen(value), true);
}

/* ---- the parser ----------------------------------------------------------- */

struct parser {
	const char *s; /* the whole text, for messages */
	const char *p; /* where we are */
	bool fields;   /* field selector rules */
	struct kit_err *err;
};

static void skip_space(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t')
		ps->p++;
}

static int fail(struct parser *ps, const char *why)
{
	return kit_err_set(ps->err, EINVAL, why, "parse selector \"%.200s\" at column %d",
			   ps->s, (int)(ps->p - ps->s) + 1);
}

/* A word: the characters up to one of @stops, with \-escapes in fields. */
static int word(struct parser *ps, const char *stops, char **out)
{
	char buf[512];
	size_t n = 0;

	skip_space(ps);
	while (*ps->p && !strchr(stops, *ps->p)) {
		if (ps->fields && *ps->p == '\\' && ps->p[1])
			ps->p++;
		if (n + 1 >= sizeof(buf))
			return fail(ps, "a key or value longer than 511 characters");
		buf[n++] = *ps->p++;
	}
	while (n > 0 && (buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		n--;
	buf[n] = '\0';
	*out = strdup(buf);
	return *out ? 0 : kit_err_set(ps->err, ENOMEM, NULL, "parse selector");
}

static int add_value(struct kit_selector_term *t, char *v, struct parser *ps)
{
	char **more;

	if (t->nvalues >= KIT_SELECTOR_MAX_VALUES) {
		free(v);
		return fail(ps, "more than 64 values in one set");
	}
	more = realloc(t->values, (t->nvalues + 1) * sizeof(*more));
	if (!more) {
		free(v);
		return kit_err_set(ps->err, ENOMEM, NULL, "parse selector");
	}
	t->values = more;
	t->values[t->nvalues++] = v;
	return 0;
}

/* "(a, b, c)" after in / notin. */
static int value_set(struct parser *ps, struct kit_selector_term *t)
{
	skip_space(ps);
	if (*ps->p != '(')
		return fail(ps, "expected '(' after in/notin");
	ps->p++;
	for (;;) {
		char *v;
		int ret = word(ps, ",)", &v);

		if (ret < 0)
			return ret;
		ret = add_value(t, v, ps);
		if (ret < 0)
			return ret;
		if (*ps->p == ')') {
			ps->p++;
			return 0;
		}
		if (*ps->p != ',')
			return fail(ps, "expected ',' or ')' in a set of values");
		ps->p++;
	}
}

/* Is the next word "in" or "notin" followed by a space or '('? */
static bool keyword(struct parser *ps, const char *kw)
{
	size_t n = strlen(kw);

	return strncmp(ps->p, kw, n) == 0 && (ps->p[n] == ' ' || ps->p[n] == '(');
}

static int term(struct parser *ps, struct kit_selector_term *t)
{
	int ret;

	skip_space(ps);
	if (*ps->p == '!' && !ps->fields) {
		ps->p++;
		t->op = KIT_SEL_NOT_EXISTS;
		return word(ps, ",", &t->key);
	}
	ret = word(ps, ps->fields ? "=!," : "=!, (", &t->key);
	if (ret < 0)
		return ret;
	if (!*t->key)
		return fail(ps, "a key is missing");
	skip_space(ps);
	if (ps->p[0] == '=' || (ps->p[0] == '!' && ps->p[1] == '=')) {
		char *v;

		t->op = ps->p[0] == '=' ? KIT_SEL_EQ : KIT_SEL_NEQ;
		ps->p += ps->p[0] == '!' ? 2 : (ps->p[1] == '=' ? 2 : 1);
		ret = word(ps, ps->fields ? "," : ",=!()", &v);
		if (ret < 0)
			return ret;
		return add_value(t, v, ps);
	}
	if (ps->fields)
		return fail(ps, "a field selector term is key=value or key!=value");
	if (keyword(ps, "in") || keyword(ps, "notin")) {
		t->op = *ps->p == 'i' ? KIT_SEL_IN : KIT_SEL_NOTIN;
		ps->p += t->op == KIT_SEL_IN ? 2 : 5;
		return value_set(ps, t);
	}
	t->op = KIT_SEL_EXISTS;
	return 0;
}

static int check_term(struct parser *ps, const struct kit_selector_term *t)
{
	char why[160];

	if (ps->fields)
		return 0;
	if (!kit_label_key_valid(t->key)) {
		snprintf(why, sizeof(why), "invalid label key \"%.100s\"", t->key);
		return fail(ps, why);
	}
	for (size_t i = 0; i < t->nvalues; i++) {
		if (!kit_label_value_valid(t->values[i])) {
			snprintf(why, sizeof(why), "invalid label value \"%.100s\"",
				 t->values[i]);
			return fail(ps, why);
		}
	}
	return 0;
}

static int parse(const char *text, bool fields, struct kit_selector *sel,
		 struct kit_err *err)
{
	struct parser ps = { .s = text ? text : "", .fields = fields, .err = err };

	memset(sel, 0, sizeof(*sel));
	ps.p = ps.s;
	skip_space(&ps);
	if (!*ps.p)
		return 0;
	for (;;) {
		struct kit_selector_term *t, *more;
		int ret;

		if (sel->nterms >= KIT_SELECTOR_MAX_TERMS)
			return fail(&ps, "more than 64 terms");
		more = realloc(sel->terms, (sel->nterms + 1) * sizeof(*more));
		if (!more)
			return kit_err_set(err, ENOMEM, NULL, "parse selector");
		sel->terms = more;
		t = &sel->terms[sel->nterms++];
		memset(t, 0, sizeof(*t));
		ret = term(&ps, t);
		if (ret == 0)
			ret = check_term(&ps, t);
		if (ret < 0)
			return ret;
		skip_space(&ps);
		if (!*ps.p)
			return 0;
		if (*ps.p != ',')
			return fail(&ps, "expected ',' between terms");
		ps.p++;
	}
}

int kit_selector_parse_labels(const char *text, struct kit_selector *sel,
			      struct kit_err *err)
{
	return parse(text, false, sel, err);
}

int kit_selector_parse_fields(const char *text, struct kit_selector *sel,
			      struct kit_err *err)
{
	return parse(text, true, sel, err);
}

int kit_selector_check_fields(const struct kit_selector *sel, const char *const *allowed,
			      struct kit_err *err)
{
	for (size_t i = 0; i < sel->nterms; i++) {
		const char *const *a = allowed;

		while (*a && strcmp(*a, sel->terms[i].key) != 0)
			a++;
		if (!*a)
			return kit_err_set(
				err, EINVAL, "this resource cannot be selected by it",
				"field label not supported: %.200s", sel->terms[i].key);
	}
	return 0;
}

/* ---- from a LabelSelector object ----------------------------------------- */

static int add_term(struct kit_selector *sel, const char *key, enum kit_selector_op op,
		    struct kit_selector_term **out)
{
	struct kit_selector_term *more;

	if (sel->nterms >= KIT_SELECTOR_MAX_TERMS)
		return -E2BIG;
	more = realloc(sel->terms, (sel->nterms + 1) * sizeof(*more));
	if (!more)
		return -ENOMEM;
	sel->terms = more;
	*out = &sel->terms[sel->nterms++];
	memset(*out, 0, sizeof(**out));
	(*out)->op = op;
	(*out)->key = strdup(key);
	return (*out)->key ? 0 : -ENOMEM;
}

static int expression(struct kit_selector *sel, const cJSON *e, struct kit_err *err)
{
	static const struct {
		const char *name;
		enum kit_selector_op op;
	} ops[] = { { "In", KIT_SEL_IN },
		    { "NotIn", KIT_SEL_NOTIN },
		    { "Exists", KIT_SEL_EXISTS },
		    { "DoesNotExist", KIT_SEL_NOT_EXISTS } };
	const cJSON *key = cJSON_GetObjectItemCaseSensitive(e, "key");
	const cJSON *op = cJSON_GetObjectItemCaseSensitive(e, "operator"), *v;
	struct kit_selector_term *t;
	size_t i;

	if (!cJSON_IsString(key) || !cJSON_IsString(op))
		return kit_err_set(err, EINVAL, "each needs a key and an operator",
				   "read matchExpressions");
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(ops[i].name, op->valuestring) == 0)
			break;
	if (i == sizeof(ops) / sizeof(ops[0]))
		return kit_err_set(err, EINVAL, "In, NotIn, Exists or DoesNotExist",
				   "read matchExpressions operator \"%.40s\"",
				   op->valuestring);
	if (add_term(sel, key->valuestring, ops[i].op, &t) < 0)
		return kit_err_set(err, E2BIG, NULL, "read matchExpressions");
	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(e, "values"))
	{
		char **more = realloc(t->values, (t->nvalues + 1) * sizeof(*more));

		if (!cJSON_IsString(v) || !more ||
		    t->nvalues >= KIT_SELECTOR_MAX_VALUES) {
			if (more)
				t->values = more;
			return kit_err_set(err, EINVAL, "values are at most 64 strings",
					   "read matchExpressions values");
		}
		t->values = more;
		t->values[t->nvalues] = strdup(v->valuestring);
		if (!t->values[t->nvalues])
			return kit_err_set(err, ENOMEM, NULL, "read matchExpressions");
		t->nvalues++;
	}
	return 0;
}

int kit_selector_from_json(const cJSON *json, struct kit_selector *sel,
			   struct kit_err *err)
{
	const cJSON *labels = cJSON_GetObjectItemCaseSensitive(json, "matchLabels");
	const cJSON *exprs = cJSON_GetObjectItemCaseSensitive(json, "matchExpressions");
	const cJSON *item;

	memset(sel, 0, sizeof(*sel));
	if ((labels && !cJSON_IsObject(labels) && !cJSON_IsNull(labels)) ||
	    (exprs && !cJSON_IsArray(exprs) && !cJSON_IsNull(exprs)))
		return kit_err_set(err, EINVAL,
				   "matchLabels is an object, matchExpressions an array",
				   "read label selector");
	cJSON_ArrayForEach(item, labels)
	{
		struct kit_selector_term *t;

		if (!cJSON_IsString(item))
			return kit_err_set(err, EINVAL, "label values are strings",
					   "read matchLabels.%.60s", item->string);
		if (add_term(sel, item->string, KIT_SEL_EQ, &t) < 0 ||
		    !(t->values = calloc(1, sizeof(char *))) ||
		    !(t->values[0] = strdup(item->valuestring)))
			return kit_err_set(err, ENOMEM, NULL, "read matchLabels");
		t->nvalues = 1;
	}
	cJSON_ArrayForEach(item, exprs)
	{
		int ret = expression(sel, item, err);

		if (ret < 0)
			return ret;
	}
	return 0;
}

/* ---- matching ------------------------------------------------------------- */

static bool in_values(const struct kit_selector_term *t, const char *v)
{
	for (size_t i = 0; i < t->nvalues; i++)
		if (strcmp(t->values[i], v) == 0)
			return true;
	return false;
}

/* One term against a value (NULL: the key is absent). */
static bool term_holds(const struct kit_selector_term *t, const char *v)
{
	switch (t->op) {
	case KIT_SEL_EQ:
	case KIT_SEL_IN: return v && in_values(t, v);
	case KIT_SEL_NEQ:
	case KIT_SEL_NOTIN: return !v || !in_values(t, v);
	case KIT_SEL_EXISTS: return v != NULL;
	case KIT_SEL_NOT_EXISTS: return v == NULL;
	}
	return false;
}

bool kit_selector_matches_labels(const struct kit_selector *sel, const cJSON *labels)
{
	for (size_t i = 0; i < sel->nterms; i++) {
		const cJSON *v =
			cJSON_GetObjectItemCaseSensitive(labels, sel->terms[i].key);

		if (!term_holds(&sel->terms[i],
				cJSON_IsString(v) ? v->valuestring : NULL))
			return false;
	}
	return true;
}

/* The value at the dotted @path in @obj as text ("" if absent). */
static void field_text(const cJSON *obj, const char *path, char *buf, size_t size)
{
	char part[256];
	const char *p = path;

	while (obj && *p) {
		size_t n = strcspn(p, ".");

		snprintf(part, sizeof(part), "%.*s", (int)(n < 255 ? n : 255), p);
		obj = cJSON_GetObjectItemCaseSensitive(obj, part);
		p += n + (p[n] == '.');
	}
	buf[0] = '\0';
	if (cJSON_IsString(obj))
		snprintf(buf, size, "%s", obj->valuestring);
	else if (cJSON_IsBool(obj))
		snprintf(buf, size, "%s", cJSON_IsTrue(obj) ? "true" : "false");
	else if (cJSON_IsNumber(obj))
		snprintf(buf, size, "%.0f", obj->valuedouble);
}

bool kit_selector_matches_fields(const struct kit_selector *sel, const cJSON *obj)
{
	char v[512];

	for (size_t i = 0; i < sel->nterms; i++) {
		field_text(obj, sel->terms[i].key, v, sizeof(v));
		if (!term_holds(&sel->terms[i], v))
			return false;
	}
	return true;
}

/* ---- formatting ----------------------------------------------------------- */

char *kit_selector_format(const struct kit_selector *sel)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < sel->nterms; i++) {
		const struct kit_selector_term *t = &sel->terms[i];

		fputs(i ? "," : "", f);
		switch (t->op) {
		case KIT_SEL_EQ: fprintf(f, "%s=%s", t->key, t->values[0]); break;
		case KIT_SEL_NEQ: fprintf(f, "%s!=%s", t->key, t->values[0]); break;
		case KIT_SEL_EXISTS: fprintf(f, "%s", t->key); break;
		case KIT_SEL_NOT_EXISTS: fprintf(f, "!%s", t->key); break;
		case KIT_SEL_IN:
		case KIT_SEL_NOTIN:
			fprintf(f, "%s %s (", t->key,
				t->op == KIT_SEL_IN ? "in" : "notin");
			for (size_t j = 0; j < t->nvalues; j++)
				fprintf(f, "%s%s", j ? "," : "", t->values[j]);
			fputc(')', f);
			break;
		}
	}
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}
