/* SPDX-License-Identifier: MIT */
/* Account entries of a waitset: folders, index, detail lifetime, signal. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

uint32_t
ws_entry_folder_count(const ws_entry *e)
{
  if (e->folder_mode == WS_FOLDERS_ARRAY)
    return (uint32_t)e->folders.array[0];
  return e->folder_mode;
}

const int32_t *
ws_entry_folders(const ws_entry *e)
{
  if (e->folder_mode == WS_FOLDERS_ARRAY)
    return e->folders.array + 1;
  return e->folders.inline_ids;
}

static void
entry_free_folders(waitset_registry *reg, ws_entry *e)
{
  if (e->folder_mode == WS_FOLDERS_ARRAY)
    ws_free(&reg->alloc, e->folders.array);
  e->folder_mode = 0;
}

/* Replace the folder interests with a counted array (NULL for all
 * folders). Takes ownership of array; up to two ids move inline. */
void
ws_entry_set_folders(waitset_registry *reg, ws_entry *e, int32_t *array)
{
  entry_free_folders(reg, e);
  if (array == NULL)
    return;
  if (array[0] <= 2) {
    e->folder_mode = (uint8_t)array[0];
    memcpy(e->folders.inline_ids, array + 1,
           (size_t)array[0] * sizeof(int32_t));
    ws_free(&reg->alloc, array);
    return;
  }
  e->folder_mode = WS_FOLDERS_ARRAY;
  e->folders.array = array;
}
/* ------------------------------------------------------------------ */
/* Entries                                                             */

/* Find an account node in the registry index. The same probe as
 * ws_map_get(), without the indirect key and hash calls, because every
 * posted change runs it. */
ws_acct *
ws_index_get(const ws_map *index, const char *id, uint32_t hash)
{
  uint32_t mask;
  uint32_t i;

  if (index->count == 0)
    return NULL;
  mask = index->cap - 1;
  for (i = hash & mask;; i = (i + 1) & mask) {
    const ws_acct *acct = index->slots[i].value;

    if (acct == NULL)
      return NULL;
    if (acct->hash == hash && strcmp(acct->id, id) == 0)
      return (ws_acct *)acct;
  }
}

static ws_acct *
acct_new(waitset_registry *reg, const char *id, uint32_t hash)
{
  size_t len = strlen(id);
  ws_acct *acct = ws_malloc(&reg->alloc, sizeof(*acct) + len + 1);

  if (acct == NULL)
    return NULL;
  memcpy(acct->id, id, len + 1);
  acct->entries = NULL;
  acct->refs = 0;
  acct->hash = hash;
  return acct;
}

/* Drop a reference; indexed is 1 for nodes in the registry index, that
 * is every node except those of all-accounts entries. */
void
ws_acct_unref(waitset_registry *reg, ws_acct *acct, int indexed)
{
  if (--acct->refs > 0)
    return;
  if (indexed)
    ws_map_del(&reg->index, acct->id);
  ws_free(&reg->alloc, acct);
}

/* Create an entry. Some-accounts entries join the waitset's map and the
 * registry index; all-accounts entries stay private to the buffers. */
ws_entry *
ws_entry_add(waitset_registry *reg, ws_waitset *ws, const char *id)
{
  uint32_t hash = ws_hash(id);
  ws_acct *acct = NULL;
  ws_entry *e;

  if (ws_map_reserve(&reg->alloc, &ws->entries) != 0)
    return NULL;
  if (!ws->all)
    acct = ws_map_get_hashed(&reg->index, id, hash);
  e = ws_calloc(&reg->alloc, 1, sizeof(*e));
  if (e == NULL)
    return NULL;
  if (acct == NULL) {
    acct = acct_new(reg, id, hash);
    if (acct == NULL)
      goto fail;
    if (!ws->all && ws_map_put(&reg->alloc, &reg->index, acct) != 0) {
      ws_free(&reg->alloc, acct);
      goto fail;
    }
  }
  acct->refs++;
  e->ws = ws;
  e->acct = acct;
  e->types = (uint8_t)ws->def_types;
  e->created_s = (uint32_t)(ws_wall_ms() / 1000);
  e->session_no = ++reg->session_serial;
  if (!ws->all) {
    e->acct_next = acct->entries;
    acct->entries = e;
  }
  ws_map_put(&reg->alloc, &ws->entries, e);
  return e;

fail:
  ws_free(&reg->alloc, e);
  return NULL;
}

static void
rec_buf_clear(waitset_registry *reg, ws_rec_buf *buf)
{
  uint32_t i;

  for (i = 0; i < buf->count; i++)
    ws_free(&reg->alloc, (void *)buf->recs[i].item.tags);
  ws_free(&reg->alloc, buf->recs);
  ws_free(&reg->alloc, buf->index);
  memset(buf, 0, sizeof(*buf));
}

void
ws_detail_free(waitset_registry *reg, ws_entry *e)
{
  if (e->detail == NULL)
    return;
  rec_buf_clear(reg, &e->detail->cur);
  rec_buf_clear(reg, &e->detail->sent);
  ws_free(&reg->alloc, e->detail);
  e->detail = NULL;
}

/* Drop the detail of a buffer, freeing the detail block once both
 * buffers are empty. */
void
ws_detail_clear(waitset_registry *reg, ws_entry *e, int sent)
{
  if (e->detail == NULL)
    return;
  rec_buf_clear(reg, sent ? &e->detail->sent : &e->detail->cur);
  if (e->detail->cur.count == 0 && e->detail->sent.count == 0)
    ws_detail_free(reg, e);
}

/* Unlink an entry from everything and free it; unmap is 0 while the
 * waitset's map is being destroyed as a whole. */
void
ws_entry_free(waitset_registry *reg, ws_entry *e, int unmap)
{
  ws_list_remove(&e->cur_link);
  ws_list_remove(&e->sent_link);
  if (unmap)
    ws_map_del(&e->ws->entries, e->acct->id);
  if (!e->ws->all) {
    ws_entry **link = &e->acct->entries;

    while (*link != e)
      link = &(*link)->acct_next;
    *link = e->acct_next;
  }
  ws_detail_free(reg, e);
  entry_free_folders(reg, e);
  ws_acct_unref(reg, e->acct, !e->ws->all);
  ws_free(&reg->alloc, e);
}

void
ws_entry_remove(waitset_registry *reg, ws_entry *e)
{
  ws_entry_free(reg, e, 1);
}

int
ws_entry_signal(ws_entry *e)
{
  if (ws_list_linked(&e->cur_link))
    return 0;
  ws_list_push_back(&e->ws->cur, &e->cur_link);
  return 1;
}

/* Withdraw a pending signal: the entry leaves the current buffer with
 * its change records; the sent buffer keeps its copy. */
static void
entry_withdraw(waitset_registry *reg, ws_entry *e)
{
  ws_list_remove(&e->cur_link);
  ws_detail_clear(reg, e, 0);
  e->cur_lost = 0;
}

void
ws_entry_token_check(waitset_registry *reg, ws_entry *e,
                     int64_t last_change_id)
{
  if (last_change_id > e->highest)
    e->highest = last_change_id;
  if (!e->has_token)
    return;
  if (e->token.change >= e->highest) {
    entry_withdraw(reg, e);
    return;
  }
  ws_log(reg, WAITSET_LOG_TRACE,
         "waitset %s: account %s signalled, token %d behind change %lld",
         e->ws->id, e->acct->id, (int)e->token.change,
         (long long)e->highest);
  ws_entry_signal(e);
}
