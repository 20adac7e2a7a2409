/* SPDX-License-Identifier: MIT */
/*
 * kit/api_select.h - Kubernetes label selectors and field selectors: which
 * objects a list, a watch or a controller is about.
 *
 * Article: §6.1 (API Server) and §6.4.1: a ReplicaSet finds "its" Pods by
 * label (app=myapp), a kubelet its Pods by field (spec.nodeName=node-1).
 *
 *   label selector  app=myapp,tier!=db,env in (prod,qa),!canary,track
 *   field selector  metadata.name=web,status.phase!=Running
 *
 * Both come from the URL (?labelSelector=...), so from anyone: the parser
 * refuses what the real API server refuses, and bounds what it accepts.
 *
 * Left out: set-based field selectors (the real server has none either)
 * and the Gt/Lt operators of node affinity.
 */
#ifndef KIT_API_SELECT_H
#define KIT_API_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "kit/err.h"

#define KIT_SELECTOR_MAX_TERMS  64 /* requirements in one selector */
#define KIT_SELECTOR_MAX_VALUES 64 /* values in one "in (...)" */

enum kit_selector_op {
	KIT_SEL_EQ,         /* key=value, key==value */
	KIT_SEL_NEQ,        /* key!=value (also true when the key is absent) */
	KIT_SEL_IN,         /* key in (a,b) */
	KIT_SEL_NOTIN,      /* key notin (a,b) (true when absent) */
	KIT_SEL_EXISTS,     /* key */
	KIT_SEL_NOT_EXISTS, /* !key */
};

struct kit_selector_term {
	char *key;
	enum kit_selector_op op;
	char **values;
	size_t nvalues;
};

/* A selector: every term must hold (AND).  No terms: matches everything. */
struct kit_selector {
	struct kit_selector_term *terms;
	size_t nterms;
};

void kit_selector_release(struct kit_selector *sel);

/*
 * kit_selector_parse_labels - parse the label selector @text ("" or NULL:
 * everything) into *sel (released by the caller, also on failure).  Keys
 * and values must be valid label keys and values.  EINVAL with a message
 * that quotes the bad part.
 */
int kit_selector_parse_labels(const char *text, struct kit_selector *sel,
			      struct kit_err *err);

/*
 * kit_selector_parse_fields - parse the field selector @text: only =, ==
 * and != terms; keys are dotted paths (metadata.name).  The caller checks
 * which keys its resource supports (kit_selector_check_fields).
 */
int kit_selector_parse_fields(const char *text, struct kit_selector *sel,
			      struct kit_err *err);

/*
 * kit_selector_check_fields - EINVAL ("field label not supported: KEY")
 * unless every key of @sel is in the NULL-terminated @allowed.
 */
int kit_selector_check_fields(const struct kit_selector *sel, const char *const *allowed,
			      struct kit_err *err);

/*
 * kit_selector_from_json - a metav1.LabelSelector object ({"matchLabels":
 * {...}, "matchExpressions": [{"key","operator","values"}]}) as a selector.
 * NULL or {} selects everything (callers decide whether that is allowed).
 */
int kit_selector_from_json(const cJSON *json, struct kit_selector *sel,
			   struct kit_err *err);

/* kit_selector_matches_labels - does @labels (an object of strings, or
 * NULL for none) satisfy @sel? */
bool kit_selector_matches_labels(const struct kit_selector *sel, const cJSON *labels);

/*
 * kit_selector_matches_fields - does the object @obj satisfy the field
 * selector @sel?  A key is a dotted path into @obj; strings compare as
 * they are, numbers and booleans as their JSON text, absent as "".
 */
bool kit_selector_matches_fields(const struct kit_selector *sel, const cJSON *obj);

/*
 * kit_selector_format - @sel as text ("app=myapp,env in (a,b)") into a new
 * string the caller frees; NULL if out of memory.  Kubectl shows this.
 */
char *kit_selector_format(const struct kit_selector *sel);

/* kit_label_key_valid / kit_label_value_valid: the rules of labels
 * (a key is [prefix/]name, name at most 63 characters of [A-Za-z0-9-_.]
 * starting and ending alphanumeric; a value the same rule, or empty). */
bool kit_label_key_valid(const char *key);
bool kit_label_value_valid(const char *value);

#endif /* KIT_API_SELECT_H */
