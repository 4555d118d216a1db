/* SPDX-License-Identifier: MIT */
#include "auth.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

void
auth_init(auth_table *table, int64_t lifetime_override_ms)
{
  memset(table, 0, sizeof(*table));
  table->lifetime_override_ms = lifetime_override_ms;
}

void
auth_free(auth_table *table)
{
  size_t i;

  for (i = 0; i < table->count; i++)
    free(table->sessions[i].account_id);
  free(table->sessions);
  table->sessions = NULL;
  table->count = 0;
}

static int
read_random(unsigned char *buf, size_t len)
{
  size_t done = 0;
  int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

  if (fd < 0) {
    log_error("cannot open /dev/urandom: %s", strerror(errno));
    return -1;
  }
  while (done < len) {
    ssize_t n = read(fd, buf + done, len - done);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      log_error("cannot read /dev/urandom: %s",
                n < 0 ? strerror(errno) : "end of file");
      close(fd);
      return -1;
    }
    done += (size_t)n;
  }
  close(fd);
  return 0;
}

static void
drop_session(auth_table *table, size_t index)
{
  free(table->sessions[index].account_id);
  table->sessions[index] = table->sessions[table->count - 1];
  table->count--;
}

static void
drop_expired(auth_table *table, int64_t now_ms)
{
  size_t i = 0;

  while (i < table->count) {
    if (table->sessions[i].expires_ms <= now_ms)
      drop_session(table, i);
    else
      i++;
  }
}

int
auth_issue(auth_table *table, const char *account_id, int admin_token,
           int64_t now_ms, char token[AUTH_TOKEN_LENGTH],
           int64_t *lifetime_ms)
{
  static const char hex[] = "0123456789abcdef";
  unsigned char random_bytes[AUTH_TOKEN_BYTES];
  auth_session *grown;
  auth_session *session;
  size_t i;

  if (read_random(random_bytes, sizeof(random_bytes)) != 0)
    return -1;
  for (i = 0; i < AUTH_TOKEN_BYTES; i++) {
    token[2 * i] = hex[random_bytes[i] >> 4];
    token[2 * i + 1] = hex[random_bytes[i] & 0xf];
  }
  token[2 * AUTH_TOKEN_BYTES] = '\0';

  drop_expired(table, now_ms);
  grown = realloc(table->sessions, (table->count + 1) * sizeof(*grown));
  if (grown == NULL)
    return -1;
  table->sessions = grown;
  session = &table->sessions[table->count];
  session->account_id = strdup(account_id);
  if (session->account_id == NULL)
    return -1;
  table->count++;
  memcpy(session->token, token, AUTH_TOKEN_LENGTH);
  session->admin_token = admin_token;
  if (table->lifetime_override_ms > 0)
    *lifetime_ms = table->lifetime_override_ms;
  else
    *lifetime_ms = admin_token ? AUTH_ADMIN_LIFETIME_MS
                               : AUTH_USER_LIFETIME_MS;
  session->expires_ms = now_ms + *lifetime_ms;
  return 0;
}

int
auth_token_well_formed(const char *text)
{
  size_t i;

  for (i = 0; i < AUTH_TOKEN_LENGTH - 1; i++) {
    char c = text[i];

    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return 0;
  }
  return text[AUTH_TOKEN_LENGTH - 1] == '\0';
}

const auth_session *
auth_find(auth_table *table, const char *token, int64_t now_ms)
{
  size_t i;

  for (i = 0; i < table->count; i++) {
    if (strcmp(table->sessions[i].token, token) != 0)
      continue;
    if (table->sessions[i].expires_ms <= now_ms) {
      drop_session(table, i);
      return NULL;
    }
    return &table->sessions[i];
  }
  return NULL;
}
