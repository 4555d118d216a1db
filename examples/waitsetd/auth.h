/* SPDX-License-Identifier: MIT */
/*
 * Auth tokens of waitsetd: random, opaque hex strings issued by
 * AuthRequest and kept in memory until they expire.
 */
#ifndef WAITSETD_AUTH_H
#define WAITSETD_AUTH_H

#include <stddef.h>
#include <stdint.h>

/* 32 random bytes as hex, plus the NUL. */
#define AUTH_TOKEN_BYTES 32
#define AUTH_TOKEN_LENGTH (2 * AUTH_TOKEN_BYTES + 1)

/* The defaults of Zimbra's zimbraAuthTokenLifetime (2 days) and
 * zimbraAdminAuthTokenLifetime (12 hours). */
#define AUTH_USER_LIFETIME_MS 172800000LL
#define AUTH_ADMIN_LIFETIME_MS 43200000LL

typedef struct auth_session {
  char token[AUTH_TOKEN_LENGTH];
  char *account_id;
  int admin_token; /* issued by the admin AuthRequest */
  int64_t expires_ms; /* uv_now() time */
} auth_session;

typedef struct auth_table {
  auth_session *sessions;
  size_t count;
  /* 0: the defaults above; otherwise the lifetime of every token. */
  int64_t lifetime_override_ms;
} auth_table;

void auth_init(auth_table *table, int64_t lifetime_override_ms);
void auth_free(auth_table *table);

/*
 * Issue a token for an account. Returns 0, or -1 when /dev/urandom could
 * not be read (logged). The token and lifetime are written to the
 * outputs.
 */
int auth_issue(auth_table *table, const char *account_id, int admin_token,
               int64_t now_ms, char token[AUTH_TOKEN_LENGTH],
               int64_t *lifetime_ms);

/* Return 1 when text has the form of an issued token (lowercase hex of
 * the right length), 0 otherwise. */
int auth_token_well_formed(const char *text);

/* Find a live token; expired tokens are dropped. NULL when unknown. */
const auth_session *auth_find(auth_table *table, const char *token,
                              int64_t now_ms);

#endif /* WAITSETD_AUTH_H */
