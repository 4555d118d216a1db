/* SPDX-License-Identifier: MIT */
/* The registry: timer heap, completion queue, lifecycle and idle sweep. */
#include <string.h>

#include "internal.h"

#define WS_HANDLE_COUNT 4

static void registry_free(waitset_registry *reg);

/* ------------------------------------------------------------------ */
/* Timer heap of calls with a deadline (initial delay or wait timeout). */

static int
heap_less(const waitset_call *a, const waitset_call *b)
{
  return a->deadline < b->deadline;
}

static void
heap_set(waitset_registry *reg, uint32_t i, waitset_call *call)
{
  reg->heap[i] = call;
  call->heap_index = i;
}

static void
heap_sift_up(waitset_registry *reg, uint32_t i)
{
  waitset_call *call = reg->heap[i];

  while (i > 0) {
    uint32_t parent = (i - 1) / 2;

    if (!heap_less(call, reg->heap[parent]))
      break;
    heap_set(reg, i, reg->heap[parent]);
    i = parent;
  }
  heap_set(reg, i, call);
}

static void
heap_sift_down(waitset_registry *reg, uint32_t i)
{
  waitset_call *call = reg->heap[i];

  for (;;) {
    uint32_t child = 2 * i + 1;

    if (child >= reg->heap_count)
      break;
    if (child + 1 < reg->heap_count
        && heap_less(reg->heap[child + 1], reg->heap[child]))
      child++;
    if (!heap_less(reg->heap[child], call))
      break;
    heap_set(reg, i, reg->heap[child]);
    i = child;
  }
  heap_set(reg, i, call);
}

static void timer_cb(uv_timer_t *timer);

static void
heap_rearm(waitset_registry *reg)
{
  uint64_t now;
  uint64_t due;

  if (reg->heap_count == 0 || reg->handles_closing) {
    uv_timer_stop(&reg->timer);
    return;
  }
  now = uv_now(reg->loop);
  due = reg->heap[0]->deadline;
  uv_timer_start(&reg->timer, timer_cb, due > now ? due - now : 0, 0);
}

/* Make room for every live call. Each call is in the heap at most once,
 * so ws_heap_insert() cannot run out of room. */
static int
heap_reserve(waitset_registry *reg, size_t calls)
{
  uint32_t cap;
  waitset_call **heap;

  if (calls <= reg->heap_cap)
    return 0;
  if (calls > UINT32_MAX / 4)
    return WAITSET_ENOMEM;
  cap = reg->heap_cap == 0 ? 16 : reg->heap_cap * 2;
  while (cap < calls)
    cap *= 2;
  heap = ws_realloc(&reg->alloc, reg->heap, cap * sizeof(*heap));
  if (heap == NULL)
    return WAITSET_ENOMEM;
  reg->heap = heap;
  reg->heap_cap = cap;
  return 0;
}

int
ws_heap_insert(waitset_call *call, uint64_t deadline)
{
  waitset_registry *reg = call->reg;

  if (reg->heap_count >= reg->heap_cap)
    return WAITSET_ENOMEM;
  call->deadline = deadline;
  heap_set(reg, reg->heap_count++, call);
  heap_sift_up(reg, call->heap_index);
  if (reg->heap[0] == call)
    heap_rearm(reg);
  return 0;
}

void
ws_heap_remove(waitset_call *call)
{
  waitset_registry *reg = call->reg;
  uint32_t i = call->heap_index;
  waitset_call *last;

  if (i == UINT32_MAX)
    return;
  call->heap_index = UINT32_MAX;
  last = reg->heap[--reg->heap_count];
  if (i < reg->heap_count) {
    heap_set(reg, i, last);
    heap_sift_down(reg, i);
    heap_sift_up(reg, last->heap_index);
  }
  if (i == 0)
    heap_rearm(reg);
}

static void
timer_cb(uv_timer_t *timer)
{
  waitset_registry *reg = timer->data;
  uint64_t now = uv_now(reg->loop);

  while (reg->heap_count > 0 && reg->heap[0]->deadline <= now) {
    waitset_call *call = reg->heap[0];

    ws_heap_remove(call);
    ws_call_timer_fired(call);
  }
  heap_rearm(reg);
}

/* ------------------------------------------------------------------ */
/* Calls and the completion queue                                      */

void
ws_call_free(waitset_call *call)
{
  waitset_registry *reg = call->reg;

  ws_req_free(call);
  if (call->resp_arena != NULL) {
    ws_arena_free(call->resp_arena);
    ws_free(&reg->alloc, call->resp_arena);
  }
  ws_free(&reg->alloc, call->errs);
  ws_free(&reg->alloc, call->seq);
  ws_free(&reg->alloc, call);
  reg->calls_live--;
}

/* Account for one more live call; reserves its timer heap slot. */
int
ws_registry_reserve_call(waitset_registry *reg)
{
  int rc = heap_reserve(reg, reg->calls_live + 1);

  if (rc == 0)
    reg->calls_live++;
  return rc;
}

static void idle_cb(uv_idle_t *idle);

void
ws_call_enqueue(waitset_call *call)
{
  waitset_registry *reg = call->reg;

  ws_list_remove(&call->link);
  ws_list_push_back(&reg->done, &call->link);
  if (!reg->handles_closing)
    uv_idle_start(&reg->idle, idle_cb);
}

/* Log one line per completed request: op, waitset, outcome, seq and
 * the signal and error counts. */
static void
log_completion(waitset_registry *reg, const waitset_response *resp)
{
  const char *id = resp->waitset_id != NULL ? resp->waitset_id : "-";

  if (!WS_LOG_ON(reg, WAITSET_LOG_DEBUG))
    return;
  if (resp->status != 0) {
    ws_log(reg, WAITSET_LOG_DEBUG,
           "%s request done: waitset %s, fault %s (%s)",
           ws_op_name(resp->op), id, waitset_fault_code(resp->status),
           waitset_err_name(resp->status));
    return;
  }
  ws_log(reg, WAITSET_LOG_DEBUG,
         "%s request done: waitset %s, status ok%s, seq %s, %zu signals, "
         "%zu errors",
         ws_op_name(resp->op), id, resp->canceled ? ", canceled" : "",
         resp->seq != NULL ? resp->seq : "-", resp->signal_count,
         resp->error_count);
}

static void
deliver(waitset_call *call)
{
  waitset_registry *reg = call->reg;
  waitset_response fallback;
  const waitset_response *resp = call->resp;

  if (resp == NULL) {
    memset(&fallback, 0, sizeof(fallback));
    fallback.size = sizeof(fallback);
    fallback.op = call->op;
    fallback.admin = call->admin;
    fallback.status = call->fail_status != 0 ? call->fail_status
                                             : WAITSET_EFAILURE;
    fallback.fault_reason = fallback.status == WAITSET_ECANCELED
                                ? "request canceled: registry closing"
                                : "system failure: out of memory";
    resp = &fallback;
  }
  log_completion(reg, resp);
  call->state = WS_CALL_DELIVER;
  call->cb(reg, resp, call->user_data);
  ws_call_free(call);
}

static void
idle_cb(uv_idle_t *idle)
{
  waitset_registry *reg = idle->data;
  ws_list batch;

  /* Calls completed by these callbacks wait for the next turn. */
  ws_list_init(&batch);
  if (!ws_list_empty(&reg->done)) {
    batch.next = reg->done.next;
    batch.prev = reg->done.prev;
    batch.next->prev = &batch;
    batch.prev->next = &batch;
    ws_list_init(&reg->done);
  }
  while (!ws_list_empty(&batch)) {
    waitset_call *call = WS_CONTAINER_OF(batch.next, waitset_call, link);

    ws_list_remove(&call->link);
    deliver(call);
  }
  if (ws_list_empty(&reg->done))
    uv_idle_stop(&reg->idle);
  ws_registry_maybe_finish(reg);
}

/* ------------------------------------------------------------------ */
/* Registry lifecycle                                                  */

static void sweep_cb(uv_timer_t *timer);

static int
host_copy(waitset_host *dst, const waitset_host *src)
{
  size_t need = offsetof(waitset_host, last_change_id)
                + sizeof(src->last_change_id);

  if (src->size < need || src->size > sizeof(*src))
    return WAITSET_EVERSION;
  memset(dst, 0, sizeof(*dst));
  memcpy(dst, src, src->size);
  if (dst->lookup_account == NULL || dst->last_change_id == NULL)
    return WAITSET_EINVAL;
  return 0;
}

int
waitset_registry_new(waitset_registry **out, struct uv_loop_s *loop,
                     const waitset_options *opts, const waitset_host *host)
{
  const waitset_allocator *alloc = ws_libc_allocator();
  const int64_t *values = ws_option_defaults();
  waitset_registry *reg;
  waitset_host host_copy_tmp;
  int rc;

  if (out == NULL || loop == NULL || host == NULL)
    return WAITSET_EINVAL;
  rc = host_copy(&host_copy_tmp, host);
  if (rc != 0)
    return rc;
  if (opts != NULL) {
    alloc = &opts->alloc;
    values = opts->values;
  }
  rc = ws_options_check(values);
  if (rc != 0)
    return rc;
  reg = ws_calloc(alloc, 1, sizeof(*reg));
  if (reg == NULL)
    return WAITSET_ENOMEM;
  reg->alloc = *alloc;
  reg->loop = loop;
  reg->host = host_copy_tmp;
  memcpy(reg->opt, values, sizeof(reg->opt));
  if (opts != NULL) {
    reg->log_cb = opts->log_cb;
    reg->log_user_data = opts->log_user_data;
    reg->log_level = opts->log_level;
  }
  ws_map_init(&reg->index, ws_acct_key, ws_acct_hash);
  ws_map_init(&reg->sets, ws_waitset_key, ws_waitset_hash);
  ws_map_init(&reg->owners, ws_owner_key, ws_owner_hash);
  ws_list_init(&reg->waitsets);
  ws_list_init(&reg->all_waitsets);
  ws_list_init(&reg->lookup_calls);
  ws_list_init(&reg->lookups);
  ws_list_init(&reg->done);

  if (uv_mutex_init(&reg->queue_lock) != 0) {
    ws_free(alloc, reg);
    return WAITSET_ELOOP;
  }
  if (uv_async_init(loop, &reg->async, ws_async_cb) != 0) {
    uv_mutex_destroy(&reg->queue_lock);
    ws_free(alloc, reg);
    return WAITSET_ELOOP;
  }
  uv_timer_init(loop, &reg->timer);
  uv_timer_init(loop, &reg->sweep);
  uv_idle_init(loop, &reg->idle);
  reg->async.data = reg;
  reg->timer.data = reg;
  reg->sweep.data = reg;
  reg->idle.data = reg;
  reg->handles_open = WS_HANDLE_COUNT;
  reg->async_open = 1;
  /* Neither the sweep nor the change queue keeps the loop alive. */
  uv_unref((uv_handle_t *)&reg->async);
  uv_timer_start(&reg->sweep, sweep_cb,
                 (uint64_t)reg->opt[WAITSET_OPT_SWEEP_INTERVAL_MS],
                 (uint64_t)reg->opt[WAITSET_OPT_SWEEP_INTERVAL_MS]);
  uv_unref((uv_handle_t *)&reg->sweep);
  *out = reg;
  return 0;
}

static void
handle_closed(uv_handle_t *handle)
{
  waitset_registry *reg = handle->data;

  if (--reg->handles_open > 0)
    return;
  if (reg->close_cb != NULL)
    reg->close_cb(reg, reg->close_user_data);
  registry_free(reg);
}

/* Close the handles once every completion was delivered and the host
 * completed every lookup. */
void
ws_registry_maybe_finish(waitset_registry *reg)
{
  if (!reg->closing || reg->handles_closing)
    return;
  if (!ws_list_empty(&reg->done) || reg->lookups_out > 0)
    return;
  reg->handles_closing = 1;
  uv_timer_stop(&reg->timer);
  uv_timer_stop(&reg->sweep);
  uv_idle_stop(&reg->idle);
  uv_close((uv_handle_t *)&reg->timer, handle_closed);
  uv_close((uv_handle_t *)&reg->sweep, handle_closed);
  uv_close((uv_handle_t *)&reg->idle, handle_closed);
  uv_close((uv_handle_t *)&reg->async, handle_closed);
}

static void
registry_free(waitset_registry *reg)
{
  waitset_allocator alloc = reg->alloc;
  ws_queued_change *q = reg->queue_head;

  while (q != NULL) {
    ws_queued_change *next = q->next;

    ws_free(&alloc, q);
    q = next;
  }
  ws_map_destroy(&alloc, &reg->index);
  ws_map_destroy(&alloc, &reg->sets);
  ws_map_destroy(&alloc, &reg->owners);
  ws_free(&alloc, reg->heap);
  uv_mutex_destroy(&reg->queue_lock);
  ws_free(&alloc, reg);
}

int
waitset_registry_close(waitset_registry *reg, waitset_close_cb close_cb,
                       void *user_data)
{
  if (reg == NULL)
    return WAITSET_EINVAL;
  if (reg->log_depth > 0)
    return WAITSET_ERECURSIVE;
  if (reg->closing)
    return WAITSET_ECLOSING;
  reg->closing = 1;
  reg->close_cb = close_cb;
  reg->close_user_data = user_data;
  uv_mutex_lock(&reg->queue_lock);
  reg->async_open = 0;
  uv_mutex_unlock(&reg->queue_lock);
  uv_timer_stop(&reg->sweep);
  ws_call_cancel_all(reg);
  while (!ws_list_empty(&reg->waitsets)) {
    ws_waitset *ws = WS_CONTAINER_OF(reg->waitsets.next, ws_waitset,
                                     reg_link);

    ws_log(reg, WAITSET_LOG_INFO, "waitset %s destroyed: registry closing",
           ws->id);
    ws_waitset_destroy(reg, ws);
  }
  ws_registry_maybe_finish(reg);
  return 0;
}

void
waitset_registry_set_user_data(waitset_registry *reg, void *data)
{
  if (reg != NULL)
    reg->user_data = data;
}

void *
waitset_registry_get_user_data(const waitset_registry *reg)
{
  return reg != NULL ? reg->user_data : NULL;
}

size_t
waitset_registry_count(const waitset_registry *reg)
{
  return reg != NULL ? reg->waitset_count : 0;
}

size_t
waitset_registry_parked(const waitset_registry *reg)
{
  return reg != NULL ? reg->parked : 0;
}

/* ------------------------------------------------------------------ */
/* Idle sweep                                                          */

static void
sweep_cb(uv_timer_t *timer)
{
  waitset_registry *reg = timer->data;
  uint64_t now = uv_now(reg->loop);
  uint64_t expiry = (uint64_t)reg->opt[WAITSET_OPT_IDLE_EXPIRY_MS];
  ws_list *it = reg->waitsets.next;

  while (it != &reg->waitsets) {
    ws_waitset *ws = WS_CONTAINER_OF(it, ws_waitset, reg_link);

    it = it->next;
    if (ws->waiter != NULL || !ws_list_empty(&ws->delayed))
      continue;
    if (now - ws->last_access < expiry)
      continue;
    ws_log(reg, WAITSET_LOG_INFO,
           "waitset %s destroyed: idle sweep after %llu ms idle", ws->id,
           (unsigned long long)(now - ws->last_access));
    ws_waitset_destroy(reg, ws);
  }
}
