/* SPDX-License-Identifier: MIT */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static int current_level = LOG_LEVEL_INFO;

static const char *const level_names[] = {
  NULL, "error", "warn", "info", "debug"
};

void
log_set_level(int level)
{
  current_level = level;
}

int
log_get_level(void)
{
  return current_level;
}

int
log_parse_level(const char *name)
{
  int level;

  for (level = LOG_LEVEL_ERROR; level <= LOG_LEVEL_DEBUG; level++) {
    if (strcmp(name, level_names[level]) == 0)
      return level;
  }
  return -1;
}

void
log_write(int level, const char *fmt, ...)
{
  char line[1024];
  char stamp[32];
  struct timeval now;
  struct tm tm;
  va_list ap;

  if (level > current_level || level < LOG_LEVEL_ERROR)
    return;

  gettimeofday(&now, NULL);
  gmtime_r(&now.tv_sec, &tm);
  strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);

  va_start(ap, fmt);
  vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);

  /* One fprintf per line, so lines from one process never interleave. */
  fprintf(stderr, "%s.%03ldZ %-5s %s\n", stamp, (long)(now.tv_usec / 1000),
          level_names[level], line);
}
