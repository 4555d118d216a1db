/* SPDX-License-Identifier: MIT */
/*
 * The registry: its libuv handles, the timer heap of waiting calls, the
 * completion queue, the cross-thread change queue, the idle sweep,
 * lookups, and the change and mailbox events from the host.
 */
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
static void async_cb(uv_async_t *async);

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
  if (uv_async_init(loop, &reg->async, async_cb) != 0) {
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

/* ------------------------------------------------------------------ */
/* Changes                                                             */

/* Validate a change struct of any known size. A full-size struct is
 * used in place; a shorter one is copied into tmp with the missing
 * fields zeroed. Returns the struct to read, or NULL with *rc set. */
static const waitset_change *
change_view(const waitset_change *src, waitset_change *tmp, int *rc)
{
  size_t need = offsetof(waitset_change, modified_tag_count)
                + sizeof(src->modified_tag_count);
  const waitset_change *c = src;

  *rc = WAITSET_EVERSION;
  if (src->size < need || src->size > sizeof(*src))
    return NULL;
  if (src->size < sizeof(*src)) {
    memset(tmp, 0, sizeof(*tmp));
    memcpy(tmp, src, src->size);
    c = tmp;
  }
  *rc = WAITSET_EINVAL;
  if (c->account_id == NULL || c->account_id[0] == '\0')
    return NULL;
  if ((c->folder_count > 0 && c->folders == NULL)
      || (c->created_count > 0 && c->created == NULL)
      || (c->modified_count > 0 && c->modified == NULL)
      || (c->deleted_count > 0 && c->deleted == NULL)
      || (c->modified_tag_count > 0 && c->modified_tags == NULL))
    return NULL;
  *rc = 0;
  return c;
}

/* Return the lowercase form of an account id and its hash: id itself
 * when it has no upper-case letter, else a copy in buf, or in an
 * allocation when it does not fit. Returns NULL when that allocation
 * fails. */
static char *
lower_id(waitset_registry *reg, const char *id, char *buf, size_t size,
         uint32_t *hash)
{
  size_t len;
  int upper;
  char *p = buf;

  *hash = ws_hash_lower(id, &len, &upper);
  if (!upper)
    return (char *)id;
  if (len >= size) {
    p = ws_malloc(&reg->alloc, len + 1);
    if (p == NULL)
      return NULL;
  }
  memcpy(p, id, len + 1);
  ws_lowercase(p);
  return p;
}

static int
signal_all_accounts(waitset_registry *reg, const char *id,
                    const waitset_change *c, uint64_t commit)
{
  ws_list *it;
  int rc = 0;

  for (it = reg->all_waitsets.next; it != &reg->all_waitsets;
       it = it->next) {
    ws_waitset *ws = WS_CONTAINER_OF(it, ws_waitset, all_link);
    ws_entry *e;

    if ((c->types & ws->def_types) == 0)
      continue;
    e = ws_map_get(&ws->entries, id);
    if (e == NULL)
      e = ws_entry_add(reg, ws, id);
    if (e == NULL) {
      ws_log(reg, WAITSET_LOG_ERROR,
             "out of memory: change %lld of account %s dropped for %s",
             (long long)c->change_id, id, ws->id);
      rc = WAITSET_ENOMEM;
      continue;
    }
    ws_log(reg, WAITSET_LOG_TRACE,
           "waitset %s: account %s signalled by change %lld", ws->id, id,
           (long long)c->change_id);
    ws_entry_signal(e);
    ws->last_commit = commit;
    ws_try_send(reg, ws);
  }
  return rc;
}

void
ws_apply_change(waitset_registry *reg, const waitset_change *c, int *rc)
{
  char buf[128];
  char *id;
  ws_acct *acct;
  uint32_t hash;
  uint64_t commit = ++reg->commit;

  *rc = 0;
  id = lower_id(reg, c->account_id, buf, sizeof(buf), &hash);
  if (id == NULL) {
    ws_log(reg, WAITSET_LOG_ERROR,
           "out of memory: change %lld of account %s dropped",
           (long long)c->change_id, c->account_id);
    *rc = WAITSET_ENOMEM;
    return;
  }
  acct = ws_index_get(&reg->index, id, hash);
  if (acct != NULL) {
    ws_entry *e;

    /* The reference keeps the node alive while responses are built. */
    acct->refs++;
    for (e = acct->entries; e != NULL; e = e->acct_next) {
      if (ws_signal_entry_change(reg, e, c))
        ws_try_send(reg, e->ws);
    }
    ws_acct_unref(reg, acct, 1);
  }
  if (!ws_list_empty(&reg->all_waitsets))
    *rc = signal_all_accounts(reg, id, c, commit);
  if (id != buf && id != c->account_id)
    ws_free(&reg->alloc, id);
}

int
waitset_post_change(waitset_registry *reg, const waitset_change *change)
{
  waitset_change tmp;
  const waitset_change *c;
  int rc;

  if (reg == NULL || change == NULL)
    return WAITSET_EINVAL;
  if (reg->log_depth > 0)
    return WAITSET_ERECURSIVE;
  if (reg->closing)
    return WAITSET_ECLOSING;
  c = change_view(change, &tmp, &rc);
  if (c == NULL)
    return rc;
  ws_apply_change(reg, c, &rc);
  return rc;
}

static size_t
item_strings_size(const waitset_item_info *items, size_t n)
{
  size_t total = 0;
  size_t i;

  for (i = 0; i < n; i++) {
    if (items[i].tags != NULL)
      total += strlen(items[i].tags) + 1;
  }
  return total;
}

static char *
copy_string(char **pool, const char *s)
{
  size_t len = strlen(s) + 1;
  char *p = *pool;

  memcpy(p, s, len);
  *pool += len;
  return p;
}

static void *
copy_array(char **pool, const void *src, size_t size)
{
  void *p = *pool;

  if (size == 0)
    return NULL;
  memcpy(p, src, size);
  *pool += size;
  return p;
}

static void
copy_item_tags(char **pool, waitset_item_info *items, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++) {
    if (items[i].tags != NULL)
      items[i].tags = copy_string(pool, items[i].tags);
  }
}

/* Deep-copy a change into one block: the record, its arrays (first, so
 * they stay aligned), then its strings. */
static ws_queued_change *
queued_change_new(const waitset_allocator *a, const waitset_change *c)
{
  size_t arrays = c->folder_count * sizeof(int32_t);
  size_t strings = strlen(c->account_id) + 1;
  ws_queued_change *q;
  waitset_change *d;
  char *pool;
  size_t i;

  arrays = (arrays + 7) & ~(size_t)7;
  arrays += (c->created_count + c->modified_count + c->deleted_count)
            * sizeof(waitset_item_info);
  arrays += c->modified_tag_count * sizeof(waitset_tag_info);
  strings += item_strings_size(c->created, c->created_count);
  strings += item_strings_size(c->modified, c->modified_count);
  strings += item_strings_size(c->deleted, c->deleted_count);
  for (i = 0; i < c->modified_tag_count; i++) {
    if (c->modified_tags[i].name != NULL)
      strings += strlen(c->modified_tags[i].name) + 1;
  }
  if (c->source_waitset_id != NULL)
    strings += strlen(c->source_waitset_id) + 1;
  q = ws_malloc(a, sizeof(*q) + arrays + strings);
  if (q == NULL)
    return NULL;
  q->next = NULL;
  d = &q->change;
  *d = *c;
  d->size = sizeof(*d);
  pool = (char *)(q + 1);
  d->folders = copy_array(&pool, c->folders,
                          c->folder_count * sizeof(int32_t));
  pool = (char *)(q + 1) + ((c->folder_count * sizeof(int32_t) + 7)
                            & ~(size_t)7);
  d->created = copy_array(&pool, c->created,
                          c->created_count * sizeof(*c->created));
  d->modified = copy_array(&pool, c->modified,
                           c->modified_count * sizeof(*c->modified));
  d->deleted = copy_array(&pool, c->deleted,
                          c->deleted_count * sizeof(*c->deleted));
  d->modified_tags = copy_array(&pool, c->modified_tags,
                                c->modified_tag_count
                                    * sizeof(*c->modified_tags));
  d->account_id = copy_string(&pool, c->account_id);
  copy_item_tags(&pool, (waitset_item_info *)d->created, d->created_count);
  copy_item_tags(&pool, (waitset_item_info *)d->modified, d->modified_count);
  copy_item_tags(&pool, (waitset_item_info *)d->deleted, d->deleted_count);
  for (i = 0; i < d->modified_tag_count; i++) {
    waitset_tag_info *t = (waitset_tag_info *)&d->modified_tags[i];

    if (t->name != NULL)
      t->name = copy_string(&pool, t->name);
  }
  if (c->source_waitset_id != NULL)
    d->source_waitset_id = copy_string(&pool, c->source_waitset_id);
  return q;
}

int
waitset_post_change_threadsafe(waitset_registry *reg,
                               const waitset_change *change)
{
  waitset_change tmp;
  const waitset_change *c;
  ws_queued_change *q;
  int rc;

  if (reg == NULL || change == NULL)
    return WAITSET_EINVAL;
  if (ws_in_log_hook())
    return WAITSET_ERECURSIVE;
  c = change_view(change, &tmp, &rc);
  if (c == NULL)
    return rc;
  q = queued_change_new(&reg->alloc, c);
  if (q == NULL)
    return WAITSET_ENOMEM;
  uv_mutex_lock(&reg->queue_lock);
  if (!reg->async_open) {
    uv_mutex_unlock(&reg->queue_lock);
    ws_free(&reg->alloc, q);
    return WAITSET_ECLOSING;
  }
  if (reg->queue_tail != NULL)
    reg->queue_tail->next = q;
  else
    reg->queue_head = q;
  reg->queue_tail = q;
  rc = uv_async_send(&reg->async);
  uv_mutex_unlock(&reg->queue_lock);
  return rc == 0 ? 0 : WAITSET_ELOOP;
}

static void
async_cb(uv_async_t *async)
{
  waitset_registry *reg = async->data;
  ws_queued_change *q;

  uv_mutex_lock(&reg->queue_lock);
  q = reg->queue_head;
  reg->queue_head = NULL;
  reg->queue_tail = NULL;
  uv_mutex_unlock(&reg->queue_lock);
  while (q != NULL) {
    ws_queued_change *next = q->next;
    int rc;

    if (!reg->closing)
      ws_apply_change(reg, &q->change, &rc);
    else
      ws_log(reg, WAITSET_LOG_WARN,
             "change %lld of account %s dropped: registry closing",
             (long long)q->change.change_id, q->change.account_id);
    ws_free(&reg->alloc, q);
    q = next;
  }
}

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
  id = lower_id(reg, account_id, buf, sizeof(buf), &hash);
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
