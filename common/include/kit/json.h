/* SPDX-License-Identifier: MIT */
/*
 * kit/json.h - reading untrusted JSON (OCI config.json, API requests) with
 * errors that name the place: ".process.args[2]: expected a string, got a
 * number".  Parsing is libcjson's; the kit adds limits, UTF-8 validation,
 * typed getters that know their JSON path, and atomic writes.
 *
 * Paths use jq's notation: "" is the document, ".linux.namespaces[2].type"
 * a field inside it.
 *
 * Left out: JSON Schema.  The OCI spec's schema is large; the getters check
 * what the kit reads, where it reads it.
 */
#ifndef KIT_JSON_H
#define KIT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "kit/err.h"

/* Documents larger than this are refused before parsing (16 MiB). */
#define KIT_JSON_MAX_BYTES (16u << 20)
/* Room for a JSON path in messages, e.g. ".linux.namespaces[12].type". */
#define KIT_JSON_PATH_MAX 256

/*
 * kit_json_parse - parse @len bytes at @text (need not be NUL-terminated)
 * into a tree that the caller frees with cJSON_Delete().  @name ("config.
 * json") starts every error message.  Fails with EINVAL on invalid UTF-8, a
 * syntax error (with line and column), trailing garbage or nesting deeper
 * than cJSON's limit, and with EFBIG above KIT_JSON_MAX_BYTES.
 */
int kit_json_parse(const char *text, size_t len, const char *name, cJSON **out,
		   struct kit_err *err);

/* kit_json_load_file - read @path (at most KIT_JSON_MAX_BYTES) and parse. */
int kit_json_load_file(const char *path, cJSON **out, struct kit_err *err);

/*
 * kit_json_write_file - write @doc, indented, to @path atomically: to a
 * temporary file in the same directory, fsync, then rename(2), so a reader
 * or a crash never sees half a document.  @mode is the new file's mode.
 */
int kit_json_write_file(const char *path, const cJSON *doc, unsigned mode,
			struct kit_err *err);

/* kit_json_utf8_valid - true if @len bytes at @s are well-formed UTF-8. */
bool kit_json_utf8_valid(const char *s, size_t len);

/* kit_json_type_name - "a string", "a number", "null" ... for messages. */
const char *kit_json_type_name(const cJSON *item);

/*
 * kit_json_path_key / kit_json_path_index - the path of a member or an
 * element: (".process", "args") -> ".process.args"; (".args", 2) ->
 * ".args[2]".  Write into @buf of KIT_JSON_PATH_MAX bytes; return @buf.
 */
char *kit_json_path_key(char *buf, const char *parent, const char *key);
char *kit_json_path_index(char *buf, const char *parent, size_t index);

/*
 * Typed getters.  Each looks up member @key of the object @obj whose path
 * is @path and checks its type.  They return:
 *   0        found, *out set
 *   1        absent (or JSON null) and @required is false; *out untouched
 *   -ENOENT  absent and @required: "<path>.<key>: required field missing"
 *   -EINVAL  wrong type or out of range: "<path>.<key>: expected ..., got ..."
 * Strings stay owned by the tree.  kit_json_get_array() also refuses more
 * than @max elements (E2BIG), so a hostile document cannot make the caller
 * loop or allocate without bound.
 */
int kit_json_get_object(const cJSON *obj, const char *path, const char *key,
			bool required, const cJSON **out, struct kit_err *err);
int kit_json_get_array(const cJSON *obj, const char *path, const char *key, bool required,
		       size_t max, const cJSON **out, struct kit_err *err);
int kit_json_get_string(const cJSON *obj, const char *path, const char *key,
			bool required, const char **out, struct kit_err *err);
int kit_json_get_bool(const cJSON *obj, const char *path, const char *key, bool required,
		      bool *out, struct kit_err *err);
/* Integers must be whole numbers within [@min, @max]; cJSON keeps numbers
 * as doubles, so integers beyond 2^53 cannot be read exactly (ERANGE). */
int kit_json_get_int(const cJSON *obj, const char *path, const char *key, bool required,
		     int64_t min, int64_t max, int64_t *out, struct kit_err *err);

#endif /* KIT_JSON_H */
