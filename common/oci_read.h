/* SPDX-License-Identifier: MIT */
/*
 * oci_read.h - the readers the config.json parser's parts share (inside
 * common/ only; the contract is kit/oci.h).
 *
 *   oci_spec.c     these readers, the whole document, oci_spec_free()
 *   oci_process.c  process, mounts, hooks
 *   oci_linux.c    the linux section
 *   oci_default.c  oci_spec_default(), what `mini-runc spec` writes
 *
 * Each reader knows the JSON path of what it reads and returns 0 (1 when an
 * optional member is absent) or -errno with the path in the message.
 */
#ifndef KIT_OCI_READ_H
#define KIT_OCI_READ_H

#include <stdbool.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "kit/err.h"
#include "kit/oci.h"

/* Every step returns 0 (or 1, "absent") or -errno; pass failures up. */
#define TRY(expr)                                                                        \
	do {                                                                             \
		int try_ret_ = (expr);                                                   \
		if (try_ret_ < 0)                                                        \
			return try_ret_;                                                 \
	} while (0)

/*
 * Q(s): @s quoted for a message.  Values come from the bundle's author, so
 * at most 64 bytes are shown (cut at a character boundary, "..." added) and
 * control characters become '?': an error stays one printable line.
 */
#define QUOTE_MAX 72
#define Q(s)      oci_quote((char[QUOTE_MAX]){ 0 }, (s))

/* A name looked up in a table of { name, value } pairs ending in NULL. */
struct oci_name_value {
	const char *name;
	int value;
};

const char *oci_quote(char *buf, const char *s);
int oci_no_memory(const char *path, struct kit_err *err);
int oci_alloc_n(void **out, size_t n, size_t extra, size_t size, const char *path,
		struct kit_err *err);
int oci_get_array(const cJSON *obj, const char *path, const char *key, bool required,
		  const cJSON **out, size_t *n, struct kit_err *err);
int oci_expected(const cJSON *item, const char *path, const char *want,
		 struct kit_err *err);
int oci_elem_object(const cJSON *item, const char *path, struct kit_err *err);
int oci_elem_string(const cJSON *item, const char *path, const char **out,
		    struct kit_err *err);
int oci_elem_int(const cJSON *item, const char *path, int64_t min, int64_t max,
		 int64_t *out, struct kit_err *err);
int oci_get_u32(const cJSON *obj, const char *path, const char *key, bool required,
		uint32_t *out, struct kit_err *err);
int oci_get_u64(const cJSON *obj, const char *path, const char *key, bool required,
		uint64_t *out, struct kit_err *err);
int oci_must_be_absolute(const char *path, const char *value, struct kit_err *err);
int oci_must_be_inside(const char *path, const char *value, struct kit_err *err);
int oci_get_path(const cJSON *obj, const char *path, const char *key, bool required,
		 int (*check)(const char *path, const char *value, struct kit_err *err),
		 const char **out, struct kit_err *err);
int oci_get_strings(const cJSON *obj, const char *path, const char *key, bool required,
		    int (*check)(const char *path, const char *value,
				 struct kit_err *err),
		    const char ***out, size_t *n, struct kit_err *err);
int oci_get_string_map(const cJSON *obj, const char *path, const char *key,
		       int (*check)(const char *path, const char *k, struct kit_err *err),
		       const char ***keys, const char ***values, size_t *n,
		       struct kit_err *err);
const struct oci_name_value *oci_lookup_name(const struct oci_name_value *table,
					     const char *name);
int oci_get_named(const cJSON *obj, const char *path, const char *key, bool required,
		  const struct oci_name_value *table, const char *what, const char *hint,
		  int *out, struct kit_err *err);

/* Mount propagation names ("rprivate" -> MS_PRIVATE|MS_REC), in oci_process.c. */
extern const struct oci_name_value oci_propagations[];

/* The sections, in oci_process.c and oci_linux.c. */
int oci_parse_process(const cJSON *proc, const char *pp, struct oci_process *p,
		      struct kit_err *err);
int oci_parse_mounts(const cJSON *doc, struct oci_spec *spec, struct kit_err *err);
int oci_parse_hooks(const cJSON *doc, struct oci_hooks *h, struct kit_err *err);
int oci_parse_linux(const cJSON *doc, struct oci_spec *spec, struct kit_err *err);
/* The linux.resources object @res found at @rp (oci_linux.c). */
int oci_parse_resources(const cJSON *res, const char *rp, struct oci_resources *r,
			struct kit_err *err);
int oci_check_userns(const struct oci_linux *l, struct kit_err *err);

/* oci_features: each part adds the names its own tables know. */
void oci_features_process(cJSON *features, cJSON *lx);
void oci_features_linux(cJSON *lx);

#endif /* KIT_OCI_READ_H */
