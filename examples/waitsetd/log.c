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

/*
 * Copy text with control characters escaped, so a client-supplied value
 * can never start a forged log line: backslash, LF, CR and tab become
 * \\, \n, \r and \t, every other C0 byte and DEL become \xHH. Bytes
 * of 0x80 and above (UTF-8) are kept. A line that does not fit is cut.
 */
static void
escape_controls(char *out, size_t out_len, const char *text)
{
  static const char hex[] = "0123456789abcdef";
  size_t used = 0;
  const unsigned char *p;

  for (p = (const unsigned char *)text; *p != '\0'; p++) {
    char escaped[5];
    size_t len = 2;

    escaped[0] = '\\';
    if (*p == '\\')
      escaped[1] = '\\';
    else if (*p == '\n')
      escaped[1] = 'n';
    else if (*p == '\r')
      escaped[1] = 'r';
    else if (*p == '\t')
      escaped[1] = 't';
    else if (*p < 0x20 || *p == 0x7f) {
      escaped[1] = 'x';
      escaped[2] = hex[*p >> 4];
      escaped[3] = hex[*p & 0xf];
      len = 4;
    } else {
      escaped[0] = (char)*p;
      len = 1;
    }
    if (used + len + 1 > out_len)
      break;
    memcpy(out + used, escaped, len);
    used += len;
  }
  out[used] = '\0';
}

void
log_write(int level, const char *fmt, ...)
{
  char line[1024];
  char escaped[4096];
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

  escape_controls(escaped, sizeof(escaped), line);

  /* One fprintf per line, so lines from one process never interleave. */
  fprintf(stderr, "%s.%03ldZ %-5s %s\n", stamp, (long)(now.tv_usec / 1000),
          level_names[level], escaped);
}
