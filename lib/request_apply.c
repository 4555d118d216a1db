/* SPDX-License-Identifier: MIT */
/* Lookup checks and applying the add, update and remove accounts. */
#include <stdio.h>
#include <string.h>

#include "request.h"

/* ------------------------------------------------------------------ */
/* Applying accounts                                                   */

static int
spec_unknown_name(const ws_spec *s)
{
  return s->name != NULL && s->status == WAITSET_ACCOUNT_NOT_FOUND;
}

/* Check the lookup results in request order. The first account that
 * may not be used faults the request. */
int
ws_check_access(waitset_call *call)
{
  ws_req *r = call->req;
  size_t n = r->n_add + r->n_update + r->n_remove;
  size_t i;

  for (i = 0; i < n; i++) {
    const ws_spec *s = &r->specs[i];

    if (s->status < 0) {
      ws_log(call->reg, WAITSET_LOG_WARN,
             "%s request faulted: out of memory storing the lookup of "
             "account %s", ws_op_name(call->op), s->id != NULL ? s->id
                                                               : s->name);
      ws_fault_failure(call);
      return CHECK_FAULT;
    }
    if (spec_unknown_name(s))
      continue;
    if (s->status == WAITSET_ACCOUNT_NOT_FOUND) {
      ws_log(call->reg, WAITSET_LOG_WARN,
             "%s request faulted: host lookup found no account %s",
             ws_op_name(call->op), s->id);
      return ws_fault_quoted(call, WAITSET_EPERM_DENIED,
                             "permission denied: can not access account ",
                             s->id, "", NULL);
    }
    if (!s->access) {
      ws_log(call->reg, WAITSET_LOG_WARN,
             "%s request faulted: host lookup denied access to account %s",
             ws_op_name(call->op), s->rid);
      return ws_fault_quoted(call, WAITSET_EPERM_DENIED,
                             "permission denied: cannot access account ",
                             s->rname != NULL ? s->rname : s->rid, "", NULL);
    }
  }
  return CHECK_OK;
}

/* Allocate, before any change, everything applying the accounts needs:
 * the error list of the response and the entries' folder arrays. */
int
ws_prepare_apply(waitset_call *call)
{
  waitset_registry *reg = call->reg;
  ws_req *r = call->req;
  size_t n = r->n_add + r->n_update + r->n_remove;
  size_t strings = 0;
  size_t i;

  for (i = 0; i < n; i++) {
    const ws_spec *s = &r->specs[i];

    strings += strlen(spec_unknown_name(s) ? s->name : s->rid) + 1;
  }
  if (n > 0) {
    call->errs = ws_malloc(&reg->alloc, n * sizeof(*call->errs) + strings);
    if (call->errs == NULL)
      return WAITSET_ENOMEM;
  }
  for (i = 0; i < r->n_add + r->n_update; i++) {
    ws_spec *s = &r->specs[i];

    if (s->folder_count == 0)
      continue;
    /* The entry's array starts with its count. */
    s->folders_copy = ws_malloc(&reg->alloc,
                                (s->folder_count + 1) * sizeof(int32_t));
    if (s->folders_copy == NULL)
      return WAITSET_ENOMEM;
    s->folders_copy[0] = (int32_t)s->folder_count;
    memcpy(s->folders_copy + 1, s->folders,
           s->folder_count * sizeof(int32_t));
  }
  return 0;
}

/* Append a per-account error. The ids are packed in a string pool after
 * the array, each right behind the previous error's id. */
static void
add_error(waitset_call *call, const char *id, int code)
{
  ws_req *r = call->req;
  size_t n = r->n_add + r->n_update + r->n_remove;
  size_t k = (size_t)call->n_remove_errs + call->n_add_errs
             + call->n_update_errs;
  char *pool = (char *)(call->errs + n);

  if (k > 0)
    pool = (char *)call->errs[k - 1].id + strlen(call->errs[k - 1].id) + 1;
  strcpy(pool, id);
  call->errs[k].id = pool;
  call->errs[k].code = code;
}

static void
set_entry_settings(ws_waitset *ws, ws_entry *e, ws_spec *s,
                   waitset_registry *reg)
{
  e->types = (uint8_t)(s->has_types ? s->types : ws->def_types);
  e->has_token = s->has_token;
  e->token = s->token;
  ws_entry_set_folders(reg, e, s->folders_copy);
  s->folders_copy = NULL;
}

static int
add_account(waitset_call *call, ws_waitset *ws, ws_spec *s)
{
  waitset_registry *reg = call->reg;
  ws_entry *e;

  if (ws_map_get(&ws->entries, s->rid) != NULL)
    return WAITSET_ACCOUNT_ALREADY_IN_SET_DURING_ADD;
  switch (s->status) {
  case WAITSET_ACCOUNT_REMOTE:
    return WAITSET_ACCOUNT_WRONG_HOST_FOR_ACCOUNT;
  case WAITSET_ACCOUNT_FAILED:
    ws_log(reg, WAITSET_LOG_WARN,
           "account %s not added to waitset %s: host lookup failed",
           s->rid, ws->id);
    return WAITSET_ACCOUNT_ERROR_LOADING_MAILBOX;
  case WAITSET_ACCOUNT_NOT_FOUND:
    return WAITSET_ACCOUNT_NO_SUCH_ACCOUNT;
  default:
    break;
  }
  if ((int64_t)ws->entries.count
      >= reg->opt[WAITSET_OPT_MAX_ACCOUNTS_PER_WAITSET]) {
    ws_log(reg, WAITSET_LOG_WARN, "waitset %s is full; account %s not added",
           ws->id, s->rid);
    return WAITSET_ACCOUNT_ERROR_LOADING_MAILBOX;
  }
  e = ws_entry_add(reg, ws, s->rid);
  if (e == NULL) {
    ws_log(reg, WAITSET_LOG_ERROR, "out of memory adding account %s to %s",
           s->rid, ws->id);
    return WAITSET_ACCOUNT_ERROR_LOADING_MAILBOX;
  }
  set_entry_settings(ws, e, s, reg);
  if (s->status == WAITSET_ACCOUNT_LOCAL) {
    e->attached = 1;
    ws_entry_token_check(reg, e, s->last_change_id);
  }
  return 0;
}

void
ws_apply_adds(waitset_call *call, ws_waitset *ws)
{
  ws_req *r = call->req;
  size_t i;

  for (i = 0; i < r->n_add; i++) {
    ws_spec *s = &r->specs[i];
    int code;

    if (spec_unknown_name(s))
      code = WAITSET_ACCOUNT_NO_SUCH_ACCOUNT;
    else
      code = add_account(call, ws, s);
    if (code != 0) {
      add_error(call, spec_unknown_name(s) ? s->name : s->rid, code);
      call->n_add_errs++;
    }
  }
}

void
ws_apply_updates(waitset_call *call, ws_waitset *ws)
{
  waitset_registry *reg = call->reg;
  ws_req *r = call->req;
  size_t i;

  for (i = r->n_add; i < r->n_add + r->n_update; i++) {
    ws_spec *s = &r->specs[i];
    ws_entry *e = NULL;
    int code = WAITSET_ACCOUNT_NOT_IN_SET_DURING_UPDATE;

    if (spec_unknown_name(s))
      code = WAITSET_ACCOUNT_NO_SUCH_ACCOUNT;
    else
      e = ws_map_get(&ws->entries, s->rid);
    if (e == NULL) {
      add_error(call, spec_unknown_name(s) ? s->name : s->rid, code);
      call->n_update_errs++;
      continue;
    }
    set_entry_settings(ws, e, s, reg);
    if (e->has_token && e->attached) {
      int64_t lcid = s->status == WAITSET_ACCOUNT_LOCAL ? s->last_change_id
                                                        : 0;

      ws_entry_token_check(reg, e, lcid);
    }
  }
}

void
ws_apply_removes(waitset_call *call, ws_waitset *ws)
{
  ws_req *r = call->req;
  size_t i;

  for (i = r->n_add + r->n_update; i < r->n_add + r->n_update + r->n_remove;
       i++) {
    ws_spec *s = &r->specs[i];
    ws_entry *e = ws_map_get(&ws->entries, s->rid);

    if (e == NULL) {
      add_error(call, s->rid, WAITSET_ACCOUNT_NOT_IN_SET_DURING_REMOVE);
      call->n_remove_errs++;
      continue;
    }
    ws_entry_remove(call->reg, e);
  }
}

void
ws_req_free(waitset_call *call)
{
  ws_req *r = call->req;
  size_t i;

  if (r == NULL)
    return;
  for (i = 0; i < r->n_add + r->n_update; i++) {
    if (r->specs != NULL)
      ws_free(&call->reg->alloc, r->specs[i].folders_copy);
  }
  ws_arena_free(&r->arena);
  ws_free(&call->reg->alloc, r);
  call->req = NULL;
}
