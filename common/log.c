/* SPDX-License-Identifier: MIT */
/*
 * log.c - leveled diagnostics on stderr (see kit/log.h).
 *
 * Deliberately tiny: one global level and one program name.  Daemons in the
 * later chapters log the same way, so `KIT_LOG=debug` works everywhere.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kit/log.h"

static const char *log_prog = "kit";
static enum kit_log_level log_level = KIT_LOG_WARN;

static const char *const level_names[] = {
	[KIT_LOG_ERROR] = "error",
	[KIT_LOG_WARN] = "warn",
	[KIT_LOG_INFO] = "info",
	[KIT_LOG_DEBUG] = "debug",
};

int kit_log_parse_level(const char *word)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (word && strcmp(word, level_names[i]) == 0)
			return (int)i;
	return -1;
}

void kit_log_init(const char *prog)
{
	const char *env = getenv("KIT_LOG");
	int level = kit_log_parse_level(env);

	log_prog = prog;
	if (level >= 0)
		log_level = level;
	else if (env && *env) {
		log_level = KIT_LOG_WARN;
		fprintf(stderr,
			"%s: warn: KIT_LOG=%s is not a level "
			"(error, warn, info, debug); using warn\n",
			prog, env);
	}
}

void kit_log_set_level(enum kit_log_level level)
{
	log_level = level;
}

enum kit_log_level kit_log_get_level(void)
{
	return log_level;
}

void kit_log(enum kit_log_level level, const char *fmt, ...)
{
	char line[1024];
	int saved = errno; /* a log line must not change what the caller sees */
	va_list ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One fprintf per line, so lines from two processes do not interleave. */
	if (level == KIT_LOG_ERROR)
		fprintf(stderr, "%s: %s\n", log_prog, line);
	else
		fprintf(stderr, "%s: %s: %s\n", log_prog, level_names[level], line);
	errno = saved;
}
