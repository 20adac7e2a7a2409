/* SPDX-License-Identifier: MIT */
/*
 * json.c - untrusted JSON in, clear errors out (see kit/json.h).
 *
 * libcjson does the parsing.  What it does not do, and what the kit adds:
 *   - refuse invalid UTF-8 (cJSON copies bytes through unchecked);
 *   - refuse trailing garbage after the document;
 *   - say where a syntax error is, as line and column;
 *   - name the JSON path of every type error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kit/cleanup.h"
#include "kit/file.h"
#include "kit/json.h"

bool kit_json_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		unsigned c = *p, need;
		uint32_t cp;

		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			need = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			need = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			need = 3, cp = c & 0x07;
		else
			return false; /* stray continuation byte or overlong lead */
		if ((size_t)(end - p) <= need)
			return false;
		for (unsigned i = 1; i <= need; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		/* Overlong forms, UTF-16 surrogates and values past U+10FFFF. */
		if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return false;
		p += need + 1;
	}
	return true;
}

/* Line and column (both from 1) of byte @off in @text. */
static void line_col(const char *text, size_t off, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

/* A short, printable excerpt of @text at @off for "near '...'". */
static void excerpt(const char *text, size_t len, size_t off, char out[24])
{
	size_t n = 0;

	for (size_t i = off; i < len && n < 20; i++)
		out[n++] = (text[i] >= 0x20 && text[i] < 0x7f) ? text[i] : '?';
	out[n] = '\0';
}

int kit_json_parse(const char *text, size_t len, const char *name, cJSON **out,
		   struct kit_err *err)
{
	const char *end = NULL;
	char near[24];
	cJSON *doc;
	int line, col;

	if (len > KIT_JSON_MAX_BYTES)
		return kit_err_set(err, EFBIG, "larger than the 16 MiB limit",
				   "%s: parse JSON", name);
	if (!kit_json_utf8_valid(text, len))
		return kit_err_set(err, EINVAL, "not valid UTF-8", "%s: parse JSON",
				   name);
	if (memchr(text, '\0', len))
		return kit_err_set(err, EINVAL, "contains a NUL byte", "%s: parse JSON",
				   name);

	doc = cJSON_ParseWithLengthOpts(text, len, &end, false);
	if (!doc) {
		/* cJSON reports the failing byte via its global error pointer,
		 * or through end; both point into @text when set. */
		const char *at = cJSON_GetErrorPtr();
		size_t off = (at >= text && at <= text + len) ? (size_t)(at - text) : len;

		line_col(text, off, &line, &col);
		excerpt(text, len, off, near);
		char hint[96];

		snprintf(hint, sizeof(hint),
			 "syntax error at line %d, column "
			 "%d near '%s'",
			 line, col, near);
		return kit_err_set(err, EINVAL, hint, "%s: parse JSON", name);
	}
	/* Only whitespace may follow the document. */
	for (size_t off = (size_t)(end - text); off < len; off++) {
		if (strchr(" \t\r\n", text[off]))
			continue;
		cJSON_Delete(doc);
		line_col(text, off, &line, &col);
		char hint[96];

		snprintf(hint, sizeof(hint),
			 "unexpected data after the "
			 "document at line %d, column %d",
			 line, col);
		return kit_err_set(err, EINVAL, hint, "%s: parse JSON", name);
	}
	*out = doc;
	return 0;
}

int kit_json_load_file(const char *path, cJSON **out, struct kit_err *err)
{
	_autofree char *text = NULL;
	size_t len;
	int ret;

	ret = kit_read_file(path, KIT_JSON_MAX_BYTES, &text, &len, err);
	if (ret < 0)
		return ret;
	return kit_json_parse(text, len, path, out, err);
}

int kit_json_write_file(const char *path, const cJSON *doc, unsigned mode,
			struct kit_err *err)
{
	_autofree char *text = cJSON_Print(doc);
	char tmp[PATH_MAX];
	_autoclose int fd = -1;
	size_t len;
	ssize_t n;

	if (!text)
		return kit_err_set(err, ENOMEM, NULL, "serialise %s", path);
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >=
	    (int)sizeof(tmp))
		return kit_err_set(err, ENAMETOOLONG, NULL, "write %s", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return kit_err_set(err, errno, NULL, "create %s", tmp);
	len = strlen(text);
	text[len] = '\n'; /* replace the NUL: files end with a newline */
	n = write(fd, text, len + 1);
	if (n < 0 || fsync(fd) < 0) {
		int e = errno;

		unlink(tmp);
		return kit_err_set(err, e, NULL, "write %s", tmp);
	}
	if ((size_t)n != len + 1) { /* a short write sets no errno */
		unlink(tmp);
		return kit_err_set(err, EIO, NULL, "write %s", tmp);
	}
	if (rename(tmp, path) < 0) {
		int e = errno;

		unlink(tmp);
		return kit_err_set(err, e, NULL, "rename %s to %s", tmp, path);
	}
	return 0;
}

const char *kit_json_type_name(const cJSON *item)
{
	if (!item)
		return "nothing";
	if (cJSON_IsString(item))
		return "a string";
	if (cJSON_IsNumber(item))
		return "a number";
	if (cJSON_IsBool(item))
		return "a boolean";
	if (cJSON_IsNull(item))
		return "null";
	if (cJSON_IsArray(item))
		return "an array";
	if (cJSON_IsObject(item))
		return "an object";
	return "an invalid value";
}

char *kit_json_path_key(char *buf, const char *parent, const char *key)
{
	int n = snprintf(buf, KIT_JSON_PATH_MAX, "%s.%s", parent, key);

	if (n >= KIT_JSON_PATH_MAX)
		strcpy(buf + KIT_JSON_PATH_MAX - 4, "...");
	return buf;
}

char *kit_json_path_index(char *buf, const char *parent, size_t index)
{
	int n = snprintf(buf, KIT_JSON_PATH_MAX, "%s[%zu]", parent, index);

	if (n >= KIT_JSON_PATH_MAX)
		strcpy(buf + KIT_JSON_PATH_MAX - 4, "...");
	return buf;
}

/*
 * Common first step of the getters: find @key, or say it is missing.
 * Returns 0 with *item set, 1 if absent and optional, -ENOENT otherwise.
 * A JSON null counts as absent, as Go's encoding/json (runc) treats it.
 */
static int lookup(const cJSON *obj, const char *path, const char *key, bool required,
		  const cJSON **item, struct kit_err *err)
{
	char p[KIT_JSON_PATH_MAX];

	kit_json_path_key(p, path, key);
	if (!cJSON_IsObject(obj))
		return kit_err_set(err, EINVAL, NULL,
				   "%s: expected an object, "
				   "got %s",
				   path[0] ? path : ".", kit_json_type_name(obj));
	*item = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (*item && !cJSON_IsNull(*item))
		return 0;
	if (!required)
		return 1;
	return kit_err_set(err, ENOENT, "this field must be present",
			   "%s: required field missing", p);
}

static int wrong_type(const cJSON *item, const char *path, const char *key,
		      const char *want, struct kit_err *err)
{
	char p[KIT_JSON_PATH_MAX];

	return kit_err_set(err, EINVAL, "fix the type of this field",
			   "%s: expected %s, got %s", kit_json_path_key(p, path, key),
			   want, kit_json_type_name(item));
}

int kit_json_get_object(const cJSON *obj, const char *path, const char *key,
			bool required, const cJSON **out, struct kit_err *err)
{
	const cJSON *item;
	int ret = lookup(obj, path, key, required, &item, err);

	if (ret != 0)
		return ret;
	if (!cJSON_IsObject(item))
		return wrong_type(item, path, key, "an object", err);
	*out = item;
	return 0;
}

int kit_json_get_array(const cJSON *obj, const char *path, const char *key, bool required,
		       size_t max, const cJSON **out, struct kit_err *err)
{
	char p[KIT_JSON_PATH_MAX];
	const cJSON *item;
	int ret = lookup(obj, path, key, required, &item, err);

	if (ret != 0)
		return ret;
	if (!cJSON_IsArray(item))
		return wrong_type(item, path, key, "an array", err);
	if ((size_t)cJSON_GetArraySize(item) > max)
		return kit_err_set(err, E2BIG, NULL, "%s: more than %zu elements",
				   kit_json_path_key(p, path, key), max);
	*out = item;
	return 0;
}

int kit_json_get_string(const cJSON *obj, const char *path, const char *key,
			bool required, const char **out, struct kit_err *err)
{
	const cJSON *item;
	int ret = lookup(obj, path, key, required, &item, err);

	if (ret != 0)
		return ret;
	if (!cJSON_IsString(item))
		return wrong_type(item, path, key, "a string", err);
	*out = item->valuestring;
	return 0;
}

int kit_json_get_bool(const cJSON *obj, const char *path, const char *key, bool required,
		      bool *out, struct kit_err *err)
{
	const cJSON *item;
	int ret = lookup(obj, path, key, required, &item, err);

	if (ret != 0)
		return ret;
	if (!cJSON_IsBool(item))
		return wrong_type(item, path, key, "a boolean", err);
	*out = cJSON_IsTrue(item);
	return 0;
}

int kit_json_get_int(const cJSON *obj, const char *path, const char *key, bool required,
		     int64_t min, int64_t max, int64_t *out, struct kit_err *err)
{
	char p[KIT_JSON_PATH_MAX];
	const cJSON *item;
	double v;
	int ret = lookup(obj, path, key, required, &item, err);

	if (ret != 0)
		return ret;
	if (!cJSON_IsNumber(item))
		return wrong_type(item, path, key, "an integer", err);
	v = item->valuedouble;
	kit_json_path_key(p, path, key);
	if (v != floor(v) || !isfinite(v))
		return kit_err_set(err, EINVAL, "fix the type of this field",
				   "%s: expected an integer, got %g", p, v);
	/* 2^53: past it a double no longer holds every integer exactly. */
	if (fabs(v) > 9007199254740992.0)
		return kit_err_set(err, ERANGE,
				   "integers beyond 2^53 cannot be "
				   "read exactly",
				   "%s: %g is too large", p, v);
	if (v < (double)min || v > (double)max)
		return kit_err_set(err, ERANGE, NULL,
				   "%s: %.0f is outside "
				   "[%" PRId64 ", %" PRId64 "]",
				   p, v, min, max);
	*out = (int64_t)v;
	return 0;
}
