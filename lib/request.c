/* SPDX-License-Identifier: MIT */
/* Request entry points: struct copies, dispatch, execute and abandon. */
#include <stdio.h>
#include <string.h>

#include "request.h"

/* ------------------------------------------------------------------ */
/* Public entry points                                                 */

static int
request_copy(waitset_request *dst, const waitset_request *src)
{
  size_t need = offsetof(waitset_request, admin) + sizeof(src->admin);

  if (src->size < need || src->size > sizeof(*src))
    return WAITSET_EVERSION;
  memset(dst, 0, sizeof(*dst));
  memcpy(dst, src, src->size);
  if (dst->op < WAITSET_OP_CREATE || dst->op > WAITSET_OP_QUERY)
    return WAITSET_EINVAL;
  if ((dst->add_count > 0 && dst->add == NULL)
      || (dst->update_count > 0 && dst->update == NULL)
      || (dst->remove_count > 0 && dst->remove == NULL))
    return WAITSET_EINVAL;
  /* The per-call error counters are 32-bit; far more entries than any
   * codec limit admits still fit. */
  if (dst->add_count > UINT32_MAX / 4 || dst->update_count > UINT32_MAX / 4
      || dst->remove_count > UINT32_MAX / 4)
    return WAITSET_ERANGE;
  return 0;
}

static int
caller_copy(waitset_caller *dst, const waitset_caller *src)
{
  size_t need = offsetof(waitset_caller, flags) + sizeof(src->flags);

  if (src->size < need || src->size > sizeof(*src))
    return WAITSET_EVERSION;
  memset(dst, 0, sizeof(*dst));
  memcpy(dst, src, src->size);
  return 0;
}

static waitset_call *
call_new(waitset_registry *reg, const waitset_request *req,
         waitset_response_cb cb, void *user_data)
{
  waitset_call *call = ws_calloc(&reg->alloc, 1, sizeof(*call));

  if (call == NULL)
    return NULL;
  call->req = ws_calloc(&reg->alloc, 1, sizeof(*call->req));
  if (call->req == NULL) {
    ws_free(&reg->alloc, call);
    return NULL;
  }
  ws_arena_init(&call->req->arena, &reg->alloc);
  call->reg = reg;
  call->cb = cb;
  call->user_data = user_data;
  call->op = (uint8_t)req->op;
  call->admin = (uint8_t)(req->admin != 0);
  call->heap_index = UINT32_MAX;
  return call;
}

/* Run the steps after validation that need no lookup, and start the
 * lookups. Returns WAITSET_ENOMEM only before any side effect. */
static int
dispatch(waitset_call *call)
{
  ws_req *r = call->req;

  call->block = r->block;
  call->expand = r->expand;
  call->seq_num = r->seq_num;
  if (ws_check_waitset(call, r) != CHECK_OK)
    return 0;
  switch (call->op) {
  case WAITSET_OP_DESTROY:
    ws_do_destroy(call);
    return 0;
  case WAITSET_OP_QUERY:
    if (call->ws != NULL)
      ws_touch(call->reg, call->ws);
    ws_build_query(call, call->ws);
    return 0;
  default:
    break;
  }
  call->ws = NULL;
  return ws_start_lookups(call);
}

int
waitset_execute(waitset_registry *reg, const waitset_caller *caller,
                const waitset_request *req, waitset_response_cb cb,
                void *user_data, waitset_call **out)
{
  waitset_request in;
  waitset_caller caller_in;
  waitset_call *call;
  int rc;

  if (reg == NULL || caller == NULL || req == NULL || cb == NULL)
    return WAITSET_EINVAL;
  if (reg->log_depth > 0)
    return WAITSET_ERECURSIVE;
  if (reg->closing)
    return WAITSET_ECLOSING;
  rc = caller_copy(&caller_in, caller);
  if (rc == 0)
    rc = request_copy(&in, req);
  if (rc != 0)
    return rc;
  if (ws_registry_reserve_call(reg) != 0)
    return WAITSET_ENOMEM;
  call = call_new(reg, &in, cb, user_data);
  if (call == NULL) {
    reg->calls_live--;
    return WAITSET_ENOMEM;
  }
  rc = ws_validate(call, call->req, &caller_in, &in);
  if (rc == CHECK_OK && in.op == WAITSET_OP_WAIT) {
    call->seq = ws_strdup(&reg->alloc, call->req->seq);
    if (call->seq == NULL)
      rc = WAITSET_ENOMEM;
  }
  if (rc == CHECK_OK) {
    call->all = call->req->waitset_id != NULL
                && ws_is_all_id(call->req->waitset_id);
    rc = dispatch(call);
  }
  if (rc == WAITSET_ENOMEM) {
    ws_call_free(call);
    return WAITSET_ENOMEM;
  }
  if (out != NULL)
    *out = call;
  return 0;
}

int
waitset_call_abandon(waitset_call *call)
{
  waitset_registry *reg;

  if (call == NULL)
    return WAITSET_EINVAL;
  reg = call->reg;
  if (reg->log_depth > 0)
    return WAITSET_ERECURSIVE;
  switch (call->state) {
  case WS_CALL_LOOKUP:
    ws_detach_lookups(call);
    ws_list_remove(&call->link);
    break;
  case WS_CALL_DELAY:
    ws_list_remove(&call->link);
    ws_heap_remove(call);
    break;
  case WS_CALL_WAITING:
    /* The waitset keeps its data for the next Wait. */
    ws_detach_waiter(call);
    break;
  case WS_CALL_DONE:
    ws_list_remove(&call->link);
    break;
  case WS_CALL_DELIVER:
    /* Freed when its own callback returns. */
    call->abandoned = 1;
    return 0;
  default:
    return WAITSET_EINVAL;
  }
  ws_call_free(call);
  if (reg->closing)
    ws_registry_maybe_finish(reg);
  return 0;
}
