/* SPDX-License-Identifier: MIT */
/*
 * One-line logging to stderr for waitsetd. Each line carries the UTC time
 * with milliseconds and the level name. Control characters in the message
 * are escaped (\n, \xHH), so client-supplied values stay on their line.
 * Callers must never pass a token or a password.
 */
#ifndef WAITSETD_LOG_H
#define WAITSETD_LOG_H

enum log_level {
  LOG_LEVEL_ERROR = 1,
  LOG_LEVEL_WARN = 2,
  LOG_LEVEL_INFO = 3,
  LOG_LEVEL_DEBUG = 4
};

/* Set the most verbose level written; the default is LOG_LEVEL_INFO. */
void log_set_level(int level);

int log_get_level(void);

/* Parse "error", "warn", "info" or "debug"; return -1 for anything else. */
int log_parse_level(const char *name);

#if defined(__GNUC__)
#define LOG_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define LOG_PRINTF(fmt, args)
#endif

void log_write(int level, const char *fmt, ...) LOG_PRINTF(2, 3);

#define log_error(...) log_write(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...) log_write(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) log_write(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_write(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif /* WAITSETD_LOG_H */
