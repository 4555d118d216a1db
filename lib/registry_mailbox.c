/* SPDX-License-Identifier: MIT */
/* Mailbox events from the host: deleted, unavailable, available, failed. */
#include <string.h>

#include "internal.h"

/* ------------------------------------------------------------------ */
/* Mailbox events                                                      */

enum mailbox_event {
  MAILBOX_DELETED_EVENT,
  MAILBOX_UNAVAILABLE_EVENT,
  MAILBOX_AVAILABLE_EVENT,
  MAILBOX_FAILED_EVENT
};

static const char *
mailbox_event_name(int event)
{
  switch (event) {
  case MAILBOX_DELETED_EVENT:
    return "deleted";
  case MAILBOX_UNAVAILABLE_EVENT:
    return "unavailable";
  case MAILBOX_AVAILABLE_EVENT:
    return "available";
  default:
    return "failed";
  }
}

static int
mailbox_entry_event(waitset_registry *reg, ws_entry *e, int event,
                    int64_t last_change_id)
{
  ws_waitset *ws = e->ws;
  int code = WAITSET_ACCOUNT_MAILBOX_DELETED;

  switch (event) {
  case MAILBOX_UNAVAILABLE_EVENT:
    e->attached = 0;
    return 0;
  case MAILBOX_AVAILABLE_EVENT:
    if (e->attached)
      return 0;
    e->attached = 1;
    ws_entry_token_check(reg, e, last_change_id);
    ws_try_send(reg, ws);
    return 0;
  case MAILBOX_FAILED_EVENT:
    code = WAITSET_ACCOUNT_ERROR_LOADING_MAILBOX;
    break;
  default:
    break;
  }
  if (ws_queue_runtime_error(reg, ws, e->acct->id, code) != 0) {
    ws_log(reg, WAITSET_LOG_ERROR,
           "out of memory: %s of account %s not reported to %s",
           waitset_account_error_name(code), e->acct->id, ws->id);
    return WAITSET_ENOMEM;
  }
  ws_log(reg, WAITSET_LOG_DEBUG, "account %s removed from waitset %s: %s",
         e->acct->id, ws->id, waitset_account_error_name(code));
  ws_entry_remove(reg, e);
  ws_try_send(reg, ws);
  return 0;
}

static int
mailbox_event(waitset_registry *reg, const char *account_id, int event,
              int64_t last_change_id)
{
  char buf[128];
  char *id;
  ws_acct *acct;
  ws_entry *e;
  uint32_t hash;
  int rc = 0;

  if (reg == NULL || account_id == NULL)
    return WAITSET_EINVAL;
  if (reg->log_depth > 0)
    return WAITSET_ERECURSIVE;
  if (reg->closing)
    return WAITSET_ECLOSING;
  id = ws_lower_id(reg, account_id, buf, sizeof(buf), &hash);
  if (id == NULL)
    return WAITSET_ENOMEM;
  acct = ws_index_get(&reg->index, id, hash);
  if (id != buf && id != account_id)
    ws_free(&reg->alloc, id);
  if (WS_LOG_ON(reg, WAITSET_LOG_DEBUG)) {
    uint32_t watchers = 0;

    for (e = acct != NULL ? acct->entries : NULL; e != NULL;
         e = e->acct_next)
      watchers++;
    ws_log(reg, WAITSET_LOG_DEBUG,
           "mailbox of account %s %s: watched by %u waitsets", account_id,
           mailbox_event_name(event), (unsigned)watchers);
  }
  if (acct == NULL)
    return 0;
  acct->refs++;
  e = acct->entries;
  while (e != NULL) {
    ws_entry *next = e->acct_next;

    if (mailbox_entry_event(reg, e, event, last_change_id) != 0)
      rc = WAITSET_ENOMEM;
    e = next;
  }
  ws_acct_unref(reg, acct, 1);
  return rc;
}

int
waitset_mailbox_deleted(waitset_registry *reg, const char *account_id)
{
  return mailbox_event(reg, account_id, MAILBOX_DELETED_EVENT, 0);
}

int
waitset_mailbox_unavailable(waitset_registry *reg, const char *account_id)
{
  return mailbox_event(reg, account_id, MAILBOX_UNAVAILABLE_EVENT, 0);
}

int
waitset_mailbox_available(waitset_registry *reg, const char *account_id,
                          int64_t last_change_id)
{
  return mailbox_event(reg, account_id, MAILBOX_AVAILABLE_EVENT,
                       last_change_id);
}

int
waitset_mailbox_failed(waitset_registry *reg, const char *account_id)
{
  return mailbox_event(reg, account_id, MAILBOX_FAILED_EVENT, 0);
}
