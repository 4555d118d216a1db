/* SPDX-License-Identifier: MIT */
/* The Create, Wait and Destroy operations, and the timer and close paths. */
#include <stdio.h>
#include <string.h>

#include "request.h"

/* ------------------------------------------------------------------ */
/* Operations                                                          */

/* Apply a Wait: removes, cancel the previous waiter, adds, updates,
 * register this call as the waiter, then try to send. */
static void
apply_wait(waitset_call *call)
{
  waitset_registry *reg = call->reg;
  ws_waitset *ws = call->ws;
  char *cb_seq;

  if (!ws->all)
    ws_apply_removes(call, ws);
  if (ws->waiter != NULL)
    ws_complete_wait(ws->waiter, 1);
  if (!ws->all) {
    ws_apply_adds(call, ws);
    ws_apply_updates(call, ws);
  }
  cb_seq = ws_strdup(&reg->alloc, call->seq);
  if (cb_seq != NULL) {
    ws_free(&reg->alloc, ws->cb_seq);
    ws->cb_seq = cb_seq;
  }
  ws->waiter = call;
  reg->parked++;
  call->state = WS_CALL_WAITING;
  call->runtime_split = (uint32_t)(ws->sent_errs.count
                                   + ws->cur_errs.count);
  ws_touch(reg, ws);
  ws_req_free(call);
  ws_try_send(reg, ws);
  if (call->state != WS_CALL_WAITING)
    return;
  if (!call->block) {
    ws_complete_wait(call, 0);
    return;
  }
  ws_heap_insert(call, uv_now(reg->loop)
                           + (uint64_t)reg->opt[WAITSET_OPT_COALESCE_DELAY_MS]
                           + call->timeout_ms);
}

static void
start_wait(waitset_call *call)
{
  waitset_registry *reg = call->reg;
  ws_req *r = call->req;
  ws_waitset *ws = ws_map_get(&reg->sets, r->waitset_id);
  int64_t delay = reg->opt[WAITSET_OPT_INITIAL_DELAY_MS];

  /* The waitset may have gone while the lookups ran. */
  if (ws == NULL) {
    ws_fault_no_such_waitset(call, r->waitset_id);
    return;
  }
  call->ws = ws;
  ws_touch(reg, ws);
  call->timeout_ms = (uint32_t)r->timeout_ms;
  if (!r->block && !r->admin_request && delay > 0) {
    call->state = WS_CALL_DELAY;
    ws_list_push_back(&ws->delayed, &call->link);
    ws_heap_insert(call, uv_now(reg->loop) + (uint64_t)delay);
    return;
  }
  apply_wait(call);
}

static ws_waitset *
pick_victim(waitset_registry *reg, const char *owner_id)
{
  ws_owner *owner = ws_map_get(&reg->owners, owner_id);
  ws_waitset *victim = NULL;
  ws_list *it;

  if (owner == NULL
      || (int64_t)owner->count < reg->opt[WAITSET_OPT_MAX_WAITSETS_PER_OWNER])
    return NULL;
  for (it = owner->waitsets.next; it != &owner->waitsets; it = it->next) {
    ws_waitset *ws = WS_CONTAINER_OF(it, ws_waitset, owner_link);

    if (victim == NULL || ws->last_access < victim->last_access
        || (ws->last_access == victim->last_access
            && ws->serial < victim->serial))
      victim = ws;
  }
  return victim;
}

static void
respond_create(waitset_call *call, ws_waitset *ws)
{
  ws_arena *arena = NULL;
  waitset_response *resp = ws_response_new(call, &arena);
  waitset_account_error *errs = NULL;
  char types[16];
  size_t i;

  if (resp == NULL) {
    ws_finish_call(call, NULL, NULL);
    return;
  }
  ws_types_comma(ws->def_types, types);
  resp->waitset_id = ws_arena_strdup(arena, ws->id);
  resp->def_types = ws_arena_strdup(arena, types);
  resp->seq = "0";
  if (call->n_add_errs > 0) {
    errs = ws_arena_calloc(arena, call->n_add_errs, sizeof(*errs));
    if (errs != NULL) {
      for (i = 0; i < call->n_add_errs; i++) {
        errs[i].account_id = call->errs[i].id;
        errs[i].code = call->errs[i].code;
      }
    }
  }
  if (resp->waitset_id == NULL || resp->def_types == NULL
      || (call->n_add_errs > 0 && errs == NULL)) {
    ws_response_discard(call, arena);
    ws_finish_call(call, NULL, NULL);
    return;
  }
  resp->errors = errs;
  resp->error_count = call->n_add_errs;
  ws_finish_call(call, resp, arena);
}

static void
do_create(waitset_call *call)
{
  waitset_registry *reg = call->reg;
  ws_req *r = call->req;
  ws_waitset *ws;
  ws_waitset *victim = NULL;

  ws = ws_waitset_new(reg, r->def_types, r->all_accounts);
  if (ws == NULL || ws_map_reserve(&reg->alloc, &reg->sets) != 0) {
    ws_free(&reg->alloc, ws);
    ws_fault_failure(call);
    return;
  }
  if (!ws->all)
    ws_apply_adds(call, ws);
  if (!r->global_admin)
    victim = pick_victim(reg, r->owner);
  if (victim != NULL) {
    ws_log(reg, WAITSET_LOG_INFO,
           "waitset %s destroyed: evicted by the create of %s, owner %s "
           "at its limit of %lld waitsets",
           victim->id, ws->id, r->owner,
           (long long)reg->opt[WAITSET_OPT_MAX_WAITSETS_PER_OWNER]);
    ws_waitset_destroy(reg, victim);
  }
  if (ws_waitset_register(reg, ws, r->owner) != 0) {
    ws_waitset_destroy(reg, ws);
    ws_fault_failure(call);
    return;
  }
  if (ws->all)
    ws_log(reg, WAITSET_LOG_INFO,
           "waitset %s created: owner %s, all accounts", ws->id, r->owner);
  else
    ws_log(reg, WAITSET_LOG_INFO,
           "waitset %s created: owner %s, %u accounts", ws->id, r->owner,
           (unsigned)ws->entries.count);
  respond_create(call, ws);
}

void
ws_do_destroy(waitset_call *call)
{
  ws_waitset *ws = call->ws;
  ws_arena *arena = NULL;
  waitset_response *resp = ws_response_new(call, &arena);

  if (resp != NULL) {
    resp->waitset_id = ws_arena_strdup(arena, ws->id);
    if (resp->waitset_id == NULL) {
      ws_response_discard(call, arena);
      resp = NULL;
      arena = NULL;
    }
  }
  call->ws = NULL;
  ws_log(call->reg, WAITSET_LOG_INFO, "waitset %s destroyed: request",
         ws->id);
  ws_waitset_destroy(call->reg, ws);
  ws_finish_call(call, resp, arena);
}

void
ws_call_resume(waitset_call *call)
{
  ws_list_remove(&call->link);
  if (ws_check_access(call) != CHECK_OK)
    return;
  if (ws_prepare_apply(call) != 0) {
    ws_fault_failure(call);
    return;
  }
  if (call->op == WAITSET_OP_CREATE)
    do_create(call);
  else
    start_wait(call);
}

void
ws_call_timer_fired(waitset_call *call)
{
  if (call->state == WS_CALL_DELAY) {
    ws_list_remove(&call->link);
    apply_wait(call);
    return;
  }
  ws_complete_wait(call, 0);
}

/* Complete every call that waits for lookups with WAITSET_ECANCELED;
 * used when the registry closes. */
void
ws_call_cancel_all(waitset_registry *reg)
{
  while (!ws_list_empty(&reg->lookup_calls)) {
    waitset_call *call = WS_CONTAINER_OF(reg->lookup_calls.next,
                                         waitset_call, link);

    ws_list_remove(&call->link);
    ws_detach_lookups(call);
    call->fail_status = WAITSET_ECANCELED;
    ws_finish_call(call, NULL, NULL);
  }
}
