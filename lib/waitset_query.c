/* SPDX-License-Identifier: MIT */
/* QueryWaitSet: the response describing waitsets and their buffers. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* ------------------------------------------------------------------ */
/* QueryWaitSet                                                         */

static char *
arena_types(ws_arena *arena, uint32_t types, int comma)
{
  char buf[16];

  if (comma)
    ws_types_comma(types, buf);
  else
    ws_types_compact(types, buf);
  return ws_arena_strdup(arena, buf);
}

static char *
arena_folders(ws_arena *arena, const ws_entry *e)
{
  char *out;
  char *p;
  uint32_t i;

  uint32_t n = ws_entry_folder_count(e);

  if (n == 0)
    return NULL;
  out = ws_arena_alloc(arena, (size_t)n * 12 + 1);
  if (out == NULL)
    return NULL;
  p = out;
  for (i = 0; i < n; i++)
    p += sprintf(p, i == 0 ? "%d" : ",%d", (int)ws_entry_folders(e)[i]);
  return out;
}

static int
fill_session(waitset_registry *reg, ws_arena *arena, const ws_entry *e,
             waitset_query_session *s)
{
  char tok[64];

  s->account_id = ws_arena_strdup(arena, e->acct->id);
  s->types = arena_types(arena, e->types, 0);
  if (s->account_id == NULL || s->types == NULL)
    return WAITSET_ENOMEM;
  if (e->has_token) {
    ws_token_print(&e->token, tok);
    s->token = ws_arena_strdup(arena, tok);
    if (s->token == NULL)
      return WAITSET_ENOMEM;
  }
  s->attached = e->attached;
  if (!e->attached)
    return 0;
  if (e->has_token) {
    int64_t lcid = reg->host.last_change_id(reg, e->acct->id,
                                            reg->host.user_data);

    s->has_mbox_sync_token = 1;
    s->mbox_sync_token = lcid < 0 ? 0 : lcid;
    s->mbox_sync_token_diff = s->mbox_sync_token - e->token.change;
  }
  s->interest_mask = arena_types(arena, e->types, 1);
  s->highest_change_id = e->highest;
  s->last_access_ms = e->ws->last_access_wall;
  s->creation_ms = (int64_t)e->created_s * 1000;
  s->session_id = ws_arena_printf(arena, "%u", (unsigned)e->session_no);
  s->folder_interests = arena_folders(arena, e);
  if (s->interest_mask == NULL || s->session_id == NULL
      || (e->folder_mode != 0 && s->folder_interests == NULL))
    return WAITSET_ENOMEM;
  return 0;
}

static int
fill_query_buffers(ws_arena *arena, const ws_waitset *ws,
                   waitset_query_waitset *q)
{
  const ws_err *err;
  const ws_list *it;
  size_t n = 0;

  if (ws->cur_errs.count > 0) {
    waitset_account_error *errs = ws_arena_calloc(arena, ws->cur_errs.count,
                                                  sizeof(*errs));

    if (errs == NULL)
      return WAITSET_ENOMEM;
    for (err = ws->cur_errs.head; err != NULL; err = err->next, n++) {
      errs[n].account_id = ws_arena_strdup(arena, err->id);
      errs[n].code = err->code;
      if (errs[n].account_id == NULL)
        return WAITSET_ENOMEM;
    }
    q->errors = errs;
    q->error_count = n;
  }
  n = 0;
  for (it = ws->cur.next; it != &ws->cur; it = it->next)
    n++;
  if (n > 0) {
    const char **ready = ws_arena_calloc(arena, n, sizeof(*ready));

    if (ready == NULL)
      return WAITSET_ENOMEM;
    n = 0;
    for (it = ws->cur.next; it != &ws->cur; it = it->next) {
      const ws_entry *e = WS_CONTAINER_OF(it, ws_entry, cur_link);

      ready[n] = ws_arena_strdup(arena, e->acct->id);
      if (ready[n++] == NULL)
        return WAITSET_ENOMEM;
    }
    q->ready = ready;
    q->ready_count = n;
  }
  return 0;
}

static int
fill_query_waitset(waitset_registry *reg, ws_arena *arena,
                   const ws_waitset *ws, waitset_query_waitset *q)
{
  char num[24];
  uint32_t i;
  size_t n = 0;

  q->id = ws_arena_strdup(arena, ws->id);
  q->owner = ws_arena_strdup(arena, ws->owner->id);
  q->def_types = arena_types(arena, ws->def_types, 0);
  q->last_access_ms = ws->last_access_wall;
  q->cb_seq = ws_arena_strdup(arena, ws->cb_seq != NULL ? ws->cb_seq : "0");
  if (ws->all) {
    ws_seq_decimal(ws->cur_commit, num);
    q->current_seq = ws_arena_strdup(arena, num);
    ws_seq_decimal(ws->last_commit, num);
    q->next_seq = ws_arena_strdup(arena, num);
    if (q->next_seq == NULL)
      return WAITSET_ENOMEM;
  } else {
    snprintf(num, sizeof(num), "%lld", (long long)ws->current_seq);
    q->current_seq = ws_arena_strdup(arena, num);
  }
  if (q->id == NULL || q->owner == NULL || q->def_types == NULL
      || q->cb_seq == NULL || q->current_seq == NULL)
    return WAITSET_ENOMEM;
  if (ws->entries.count > 0 && !ws->all) {
    waitset_query_session *s = ws_arena_calloc(arena, ws->entries.count,
                                               sizeof(*s));

    if (s == NULL)
      return WAITSET_ENOMEM;
    for (i = 0; i < ws->entries.cap; i++) {
      const ws_entry *e = ws->entries.slots[i].value;

      if (e != NULL
          && fill_session(reg, arena, e, &s[n++]) != 0)
        return WAITSET_ENOMEM;
    }
    q->sessions = s;
    q->session_count = n;
  }
  return fill_query_buffers(arena, ws, q);
}

/* Build the QueryWaitSet response of one waitset, or of all when only
 * is NULL. */
int
ws_build_query(waitset_call *call, ws_waitset *only)
{
  waitset_registry *reg = call->reg;
  ws_arena *arena = NULL;
  waitset_response *resp = ws_response_new(call, &arena);
  waitset_query_waitset *out;
  size_t n = only != NULL ? 1 : reg->waitset_count;
  ws_list *it;
  size_t k = 0;

  if (resp == NULL)
    goto fail;
  if (n > 0) {
    out = ws_arena_calloc(arena, n, sizeof(*out));
    if (out == NULL)
      goto fail;
    if (only != NULL) {
      if (fill_query_waitset(reg, arena, only, &out[k++]) != 0)
        goto fail;
    } else {
      for (it = reg->waitsets.next; it != &reg->waitsets; it = it->next) {
        ws_waitset *ws = WS_CONTAINER_OF(it, ws_waitset, reg_link);

        if (fill_query_waitset(reg, arena, ws, &out[k++]) != 0)
          goto fail;
      }
    }
    resp->waitsets = out;
    resp->waitset_count = k;
  }
  if (only != NULL) {
    resp->waitset_id = ws_arena_strdup(arena, only->id);
    if (resp->waitset_id == NULL)
      goto fail;
  }
  ws_finish_call(call, resp, arena);
  return 0;

fail:
  if (arena != NULL)
    ws_response_discard(call, arena);
  ws_finish_call(call, NULL, NULL);
  return WAITSET_ENOMEM;
}
