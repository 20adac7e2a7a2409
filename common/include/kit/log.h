/* SPDX-License-Identifier: MIT */
/*
 * kit/log.h - leveled diagnostics on stderr, for programs and daemons.
 *
 * Every line reads "<prog>: <level>: <message>", the level word omitted for
 * plain errors that main() prints.  The level comes from the KIT_LOG
 * environment variable (error, warn, info, debug; default warn) or from
 * kit_log_set_level(), e.g. for a --debug flag.  Logging never fails and
 * never changes errno.
 */
#ifndef KIT_LOG_H
#define KIT_LOG_H

enum kit_log_level {
	KIT_LOG_ERROR,
	KIT_LOG_WARN,
	KIT_LOG_INFO,
	KIT_LOG_DEBUG,
};

/* kit_log_init - remember the program name and read KIT_LOG. */
void kit_log_init(const char *prog);
void kit_log_set_level(enum kit_log_level level);
enum kit_log_level kit_log_get_level(void);

/*
 * kit_log_parse_level - "debug" -> KIT_LOG_DEBUG.  Returns the level, or -1
 * for a word that is not a level.
 */
int kit_log_parse_level(const char *word);

void kit_log(enum kit_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define kit_error(...) kit_log(KIT_LOG_ERROR, __VA_ARGS__)
#define kit_warn(...)  kit_log(KIT_LOG_WARN, __VA_ARGS__)
#define kit_info(...)  kit_log(KIT_LOG_INFO, __VA_ARGS__)
#define kit_debug(...) kit_log(KIT_LOG_DEBUG, __VA_ARGS__)

#endif /* KIT_LOG_H */
