/* SPDX-License-Identifier: MIT */
/* Buffers, try-send, and the data, no-data and canceled Wait responses. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* ------------------------------------------------------------------ */
/* Buffers and try-send                                                */

/* Empty the sent buffer after an acknowledgement. Entries of an
 * all-accounts waitset exist only while buffered, so they go too. */
static void
clear_sent(waitset_registry *reg, ws_waitset *ws)
{
  while (!ws_list_empty(&ws->sent)) {
    ws_entry *e = WS_CONTAINER_OF(ws->sent.next, ws_entry, sent_link);

    ws_list_remove(&e->sent_link);
    ws_detail_clear(reg, e, 1);
    e->sent_lost = 0;
    if (ws->all && !ws_list_linked(&e->cur_link))
      ws_entry_remove(reg, e);
  }
  ws_err_list_free(reg, &ws->sent_errs);
}

static void
merge_current(waitset_registry *reg, ws_waitset *ws)
{
  while (!ws_list_empty(&ws->cur)) {
    ws_entry *e = WS_CONTAINER_OF(ws->cur.next, ws_entry, cur_link);

    ws_list_remove(&e->cur_link);
    if (!ws_list_linked(&e->sent_link))
      ws_list_push_back(&ws->sent, &e->sent_link);
    ws_detail_merge_sent(reg, e);
  }
  if (ws->cur_errs.head != NULL) {
    if (ws->sent_errs.tail != NULL)
      ws->sent_errs.tail->next = ws->cur_errs.head;
    else
      ws->sent_errs.head = ws->cur_errs.head;
    ws->sent_errs.tail = ws->cur_errs.tail;
    ws->sent_errs.count += ws->cur_errs.count;
    ws->cur_errs.head = NULL;
    ws->cur_errs.tail = NULL;
    ws->cur_errs.count = 0;
  }
}

void
ws_seq_decimal(uint64_t v, char out[24])
{
  snprintf(out, 24, "%llu", (unsigned long long)v);
}

/* Detach a waiting call from its waitset and the timer heap. */
void
ws_detach_waiter(waitset_call *call)
{
  waitset_registry *reg = call->reg;
  ws_waitset *ws = call->ws;

  if (ws != NULL && ws->waiter == call) {
    ws->waiter = NULL;
    reg->parked--;
    ws_touch(reg, ws);
  }
  ws_heap_remove(call);
}

static int
fill_errors(waitset_call *call, ws_arena *arena, waitset_response *resp,
            const ws_err_list *runtime)
{
  size_t n_own = (size_t)call->n_remove_errs + call->n_add_errs
                 + call->n_update_errs;
  size_t n_rt = runtime != NULL ? runtime->count : 0;
  size_t split = call->runtime_split < n_rt ? call->runtime_split : n_rt;
  waitset_account_error *out;
  const ws_err *rt = runtime != NULL ? runtime->head : NULL;
  size_t k = 0;
  size_t i;

  if (n_own + n_rt == 0)
    return 0;
  out = ws_arena_calloc(arena, n_own + n_rt, sizeof(*out));
  if (out == NULL)
    return WAITSET_ENOMEM;
  for (i = 0; i < call->n_remove_errs; i++) {
    out[k].account_id = call->errs[i].id;
    out[k++].code = call->errs[i].code;
  }
  for (i = 0; i < n_rt; i++, rt = rt->next) {
    if (i == split) {
      size_t j;

      for (j = call->n_remove_errs; j < n_own; j++) {
        out[k].account_id = call->errs[j].id;
        out[k++].code = call->errs[j].code;
      }
    }
    out[k].account_id = ws_arena_strdup(arena, rt->id);
    if (out[k].account_id == NULL)
      return WAITSET_ENOMEM;
    out[k++].code = rt->code;
  }
  if (split == n_rt) {
    for (i = call->n_remove_errs; i < n_own; i++) {
      out[k].account_id = call->errs[i].id;
      out[k++].code = call->errs[i].code;
    }
  }
  resp->errors = out;
  resp->error_count = k;
  return 0;
}

waitset_response *
ws_response_new(waitset_call *call, ws_arena **arena_out)
{
  ws_arena *arena = ws_malloc(&call->reg->alloc, sizeof(*arena));
  waitset_response *resp;

  if (arena == NULL)
    return NULL;
  ws_arena_init(arena, &call->reg->alloc);
  resp = ws_arena_calloc(arena, 1, sizeof(*resp));
  if (resp == NULL) {
    ws_free(&call->reg->alloc, arena);
    return NULL;
  }
  resp->size = sizeof(*resp);
  resp->op = call->op;
  resp->admin = call->admin;
  *arena_out = arena;
  return resp;
}

void
ws_response_discard(waitset_call *call, ws_arena *arena)
{
  ws_arena_free(arena);
  ws_free(&call->reg->alloc, arena);
}

/* Hand a built response (or, when resp is NULL, a failure) to the
 * completion queue. */
void
ws_finish_call(waitset_call *call, waitset_response *resp, ws_arena *arena)
{
  if (resp == NULL && call->fail_status == 0)
    call->fail_status = WAITSET_EFAILURE;
  call->resp = resp;
  call->resp_arena = arena;
  call->state = WS_CALL_DONE;
  ws_call_enqueue(call);
}

/* Fill the folder ids of the wanted records of a sent buffer, in order
 * of first appearance, with the record count of each kind. Returns the
 * number of folders. */
static size_t
count_folder_mods(const ws_entry *e, const ws_rec_buf *buf,
                  waitset_folder_mods *mods)
{
  size_t n = 0;
  uint32_t i;

  for (i = 0; i < buf->count; i++) {
    const ws_rec *r = &buf->recs[i];
    size_t k;

    if (!ws_folder_wanted(e, r->folder)
        && (r->alt_folder == INT32_MIN || !ws_folder_wanted(e, r->alt_folder)))
      continue;
    for (k = 0; k < n && mods[k].folder_id != r->folder; k++)
      ;
    if (k == n)
      mods[n++].folder_id = r->folder;
    if (r->kind == WS_REC_CREATED)
      mods[k].created_count++;
    else if (r->kind == WS_REC_DELETED)
      mods[k].deleted_count++;
    else if (r->kind == WS_REC_MODIFIED)
      mods[k].modified_count++;
    else
      mods[k].modified_tag_count++;
  }
  return n;
}

/* Allocate the item arrays of each folder for the counts, then reset the
 * counts to zero for the copy. */
static int
alloc_folder_mods(ws_arena *arena, waitset_folder_mods *mods, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++) {
    waitset_folder_mods *m = &mods[i];

    m->created = ws_arena_calloc(arena, m->created_count, sizeof(
        waitset_item_info));
    m->deleted = ws_arena_calloc(arena, m->deleted_count, sizeof(
        waitset_item_info));
    m->modified = ws_arena_calloc(arena, m->modified_count, sizeof(
        waitset_item_info));
    m->modified_tags = ws_arena_calloc(arena, m->modified_tag_count, sizeof(
        waitset_tag_info));
    if (m->created == NULL || m->deleted == NULL || m->modified == NULL
        || m->modified_tags == NULL)
      return WAITSET_ENOMEM;
    m->created_count = m->deleted_count = m->modified_count = 0;
    m->modified_tag_count = 0;
  }
  return 0;
}

/* Copy each record of a counted folder into its folder's arrays. */
static int
copy_folder_mods(ws_arena *arena, const ws_rec_buf *buf,
                 waitset_folder_mods *mods, size_t n)
{
  uint32_t i;

  for (i = 0; i < buf->count; i++) {
    const ws_rec *r = &buf->recs[i];
    waitset_folder_mods *m;
    waitset_item_info *item = NULL;
    size_t k;

    for (k = 0; k < n && mods[k].folder_id != r->folder; k++)
      ;
    if (k == n)
      continue;
    m = &mods[k];
    if (r->kind == WS_REC_TAG) {
      waitset_tag_info *t = (waitset_tag_info *)&m->modified_tags[
          m->modified_tag_count++];

      t->id = r->item.id;
      t->change = r->item.change;
      t->name = r->item.tags == NULL ? NULL
                                     : ws_arena_strdup(arena, r->item.tags);
      if (r->item.tags != NULL && t->name == NULL)
        return WAITSET_ENOMEM;
      continue;
    }
    if (r->kind == WS_REC_CREATED)
      item = (waitset_item_info *)&m->created[m->created_count++];
    else if (r->kind == WS_REC_DELETED)
      item = (waitset_item_info *)&m->deleted[m->deleted_count++];
    else
      item = (waitset_item_info *)&m->modified[m->modified_count++];
    *item = r->item;
    if (r->item.tags != NULL) {
      item->tags = ws_arena_strdup(arena, r->item.tags);
      if (item->tags == NULL)
        return WAITSET_ENOMEM;
    }
  }
  return 0;
}

/* Build the expand detail of a signal: the sent records of an entry,
 * grouped by folder (count, allocate, then copy). */
static int
fill_mods(waitset_registry *reg, ws_arena *arena, const ws_entry *e,
          waitset_signal *sig)
{
  const ws_rec_buf *buf = &e->detail->sent;
  waitset_folder_mods *mods;
  size_t n;

  mods = ws_arena_calloc(arena, buf->count, sizeof(*mods));
  if (buf->count > 0 && mods == NULL)
    return WAITSET_ENOMEM;
  n = count_folder_mods(e, buf, mods);
  if (alloc_folder_mods(arena, mods, n) != 0
      || copy_folder_mods(arena, buf, mods, n) != 0)
    return WAITSET_ENOMEM;
  (void)reg;
  sig->mods = mods;
  sig->mods_count = n;
  return 0;
}

static int
fill_signals(waitset_call *call, ws_arena *arena, waitset_response *resp,
             ws_waitset *ws)
{
  waitset_registry *reg = call->reg;
  waitset_signal *sigs;
  size_t n = 0;
  ws_list *it;

  for (it = ws->sent.next; it != &ws->sent; it = it->next)
    n++;
  if (n == 0)
    return 0;
  sigs = ws_arena_calloc(arena, n, sizeof(*sigs));
  if (sigs == NULL)
    return WAITSET_ENOMEM;
  n = 0;
  for (it = ws->sent.next; it != &ws->sent; it = it->next) {
    ws_entry *e = WS_CONTAINER_OF(it, ws_entry, sent_link);
    waitset_signal *s = &sigs[n++];
    int64_t lcid = reg->host.last_change_id(reg, e->acct->id,
                                            reg->host.user_data);

    s->account_id = ws_arena_strdup(arena, e->acct->id);
    if (s->account_id == NULL)
      return WAITSET_ENOMEM;
    s->change_id = lcid < 0 ? 0 : lcid;
    s->detail_lost = e->sent_lost;
    if (call->expand && !ws->all && e->detail != NULL
        && fill_mods(reg, arena, e, s) != 0)
      return WAITSET_ENOMEM;
  }
  resp->signals = sigs;
  resp->signal_count = n;
  return 0;
}

static void
send_data(waitset_call *call, ws_waitset *ws)
{
  waitset_registry *reg = call->reg;
  ws_arena *arena = NULL;
  waitset_response *resp;
  char seq[24];

  merge_current(reg, ws);
  if (ws->all) {
    ws->cur_commit = ws->last_commit;
    ws_seq_decimal(ws->cur_commit, seq);
  } else {
    ws->current_seq++;
    snprintf(seq, sizeof(seq), "%lld", (long long)ws->current_seq);
  }
  ws_detach_waiter(call);
  resp = ws_response_new(call, &arena);
  if (resp != NULL) {
    resp->waitset_id = ws_arena_strdup(arena, ws->id);
    resp->seq = ws_arena_strdup(arena, seq);
    if (resp->waitset_id == NULL || resp->seq == NULL
        || fill_signals(call, arena, resp, ws) != 0
        || fill_errors(call, arena, resp, &ws->sent_errs) != 0) {
      ws_log(reg, WAITSET_LOG_ERROR,
             "out of memory building the response of waitset %s", ws->id);
      ws_response_discard(call, arena);
      resp = NULL;
      arena = NULL;
    }
  }
  ws_finish_call(call, resp, arena);
}

void
ws_try_send(waitset_registry *reg, ws_waitset *ws)
{
  waitset_call *call = ws->waiter;
  int ack;

  if (call == NULL)
    return;
  if (ws->all) {
    char cur[24];

    ws_seq_decimal(ws->cur_commit, cur);
    ack = strcmp(call->seq, cur) == 0;
  } else {
    ack = call->seq_num == ws->current_seq;
  }
  if (ack) {
    size_t acked = ws->sent_errs.count;

    call->runtime_split = (uint32_t)(call->runtime_split > acked
                                         ? call->runtime_split - acked
                                         : 0);
    clear_sent(reg, ws);
  }
  if (!ws_list_empty(&ws->cur) || ws->cur_errs.count > 0
      || (!ack && (!ws_list_empty(&ws->sent) || ws->sent_errs.count > 0)))
    send_data(call, ws);
}

/* Complete a Wait without data: the seq echo, or canceled="1". Either
 * carries the request's own add, update and remove errors. */
void
ws_complete_wait(waitset_call *call, int canceled)
{
  ws_waitset *ws = call->ws;
  ws_arena *arena = NULL;
  waitset_response *resp;

  ws_detach_waiter(call);
  if (ws != NULL)
    ws_touch(call->reg, ws);
  resp = ws_response_new(call, &arena);
  if (resp != NULL) {
    resp->canceled = canceled;
    resp->waitset_id = ws_arena_strdup(arena, ws != NULL ? ws->id : "");
    if (!canceled && call->seq != NULL)
      resp->seq = ws_arena_strdup(arena, call->seq);
    if (resp->waitset_id == NULL || (!canceled && resp->seq == NULL)
        || fill_errors(call, arena, resp, NULL) != 0) {
      ws_response_discard(call, arena);
      resp = NULL;
      arena = NULL;
    }
  }
  ws_finish_call(call, resp, arena);
}
