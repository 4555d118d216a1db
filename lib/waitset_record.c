/* SPDX-License-Identifier: MIT */
/* Change records for expand, change filtering and signalling entries. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* ------------------------------------------------------------------ */
/* Change records                                                      */

static int
rec_same(const ws_rec *a, int kind, int32_t folder, int32_t id)
{
  return a->kind == kind && a->folder == folder && a->item.id == id;
}

/* Buffers with fewer records are searched linearly. */
#define WS_REC_INDEX_MIN 16

static uint32_t
rec_hash(int kind, int32_t folder, int32_t id)
{
  uint32_t h = (uint32_t)id * 0x9e3779b1u;

  h ^= (uint32_t)folder * 0x85ebca6bu + (uint32_t)kind;
  h ^= h >> 16;
  h *= 0x7feb352du;
  h ^= h >> 15;
  return h;
}

static ws_rec *
rec_find(ws_rec_buf *buf, int kind, int32_t folder, int32_t id)
{
  uint32_t mask;
  uint32_t i;

  if (buf->index == NULL) {
    for (i = 0; i < buf->count; i++) {
      if (rec_same(&buf->recs[i], kind, folder, id))
        return &buf->recs[i];
    }
    return NULL;
  }
  mask = buf->index_cap - 1;
  for (i = rec_hash(kind, folder, id) & mask; buf->index[i] != 0;
       i = (i + 1) & mask) {
    ws_rec *r = &buf->recs[buf->index[i] - 1];

    if (rec_same(r, kind, folder, id))
      return r;
  }
  return NULL;
}

static void
rec_index_insert(ws_rec_buf *buf, uint32_t pos)
{
  const ws_rec *r = &buf->recs[pos];
  uint32_t mask = buf->index_cap - 1;
  uint32_t i;

  for (i = rec_hash(r->kind, r->folder, r->item.id) & mask;
       buf->index[i] != 0; i = (i + 1) & mask)
    ;
  buf->index[i] = pos + 1;
}

/* Index the record just appended, growing the index to keep its load at
 * or below 1/2. Without memory for the index, searches stay linear. */
static void
rec_index_add(waitset_registry *reg, ws_rec_buf *buf)
{
  uint32_t cap;
  uint32_t i;

  if (buf->count < WS_REC_INDEX_MIN)
    return;
  if (buf->index != NULL && buf->count * 2 <= buf->index_cap) {
    rec_index_insert(buf, buf->count - 1);
    return;
  }
  ws_free(&reg->alloc, buf->index);
  cap = 64;
  while (cap < buf->count * 4)
    cap *= 2;
  buf->index = ws_calloc(&reg->alloc, cap, sizeof(*buf->index));
  buf->index_cap = buf->index != NULL ? cap : 0;
  if (buf->index == NULL)
    return;
  for (i = 0; i < buf->count; i++)
    rec_index_insert(buf, i);
}

/* Merge one record into a buffer: a record of the same kind, folder and
 * item replaces the older one, and modified records OR their change
 * bits. Returns 1 when the record was merged into an existing one. */
static int
rec_buf_merge(waitset_registry *reg, ws_rec_buf *buf, const ws_rec *rec,
              char *tags)
{
  ws_rec *old = rec_find(buf, rec->kind, rec->folder, rec->item.id);
  int32_t bits;

  if (old == NULL)
    return 0;
  bits = rec->item.change;
  if (rec->kind == WS_REC_MODIFIED || rec->kind == WS_REC_TAG)
    bits |= old->item.change;
  ws_free(&reg->alloc, (void *)old->item.tags);
  *old = *rec;
  old->item.change = bits;
  old->item.tags = tags;
  return 1;
}

static int
rec_buf_append(waitset_registry *reg, ws_rec_buf *buf, const ws_rec *rec,
               char *tags)
{
  if (buf->count == buf->cap) {
    uint32_t cap = buf->cap == 0 ? 4 : buf->cap * 2;
    ws_rec *recs = ws_realloc(&reg->alloc, buf->recs, cap * sizeof(*recs));

    if (recs == NULL)
      return WAITSET_ENOMEM;
    buf->recs = recs;
    buf->cap = cap;
  }
  buf->recs[buf->count] = *rec;
  buf->recs[buf->count].item.tags = tags;
  buf->count++;
  rec_index_add(reg, buf);
  return 0;
}

/* Room for one more record in a buffer of at most the per-account
 * detail cap. */
static int
detail_room(const waitset_registry *reg, const ws_rec_buf *buf)
{
  return (int64_t)buf->count < reg->opt[WAITSET_OPT_MAX_DETAIL_PER_ACCOUNT];
}

/* File one record in the current buffer of an entry. A record that does
 * not fit (cap or memory) marks the detail as lost. */
static void
rec_add(waitset_registry *reg, ws_entry *e, int kind, int32_t folder,
        int32_t alt_folder, const waitset_item_info *item)
{
  ws_rec rec;
  char *tags = NULL;

  memset(&rec, 0, sizeof(rec));
  rec.kind = (uint8_t)kind;
  rec.folder = folder;
  rec.alt_folder = alt_folder;
  rec.item = *item;
  rec.item.tags = NULL;
  if (item->tags != NULL) {
    tags = ws_strdup(&reg->alloc, item->tags);
    if (tags == NULL)
      goto lost;
  }
  if (e->detail != NULL && rec_buf_merge(reg, &e->detail->cur, &rec, tags))
    return;
  if (e->detail != NULL && !detail_room(reg, &e->detail->cur))
    goto lost;
  if (reg->opt[WAITSET_OPT_MAX_DETAIL_PER_ACCOUNT] == 0)
    goto lost;
  if (e->detail == NULL) {
    e->detail = ws_calloc(&reg->alloc, 1, sizeof(*e->detail));
    if (e->detail == NULL)
      goto lost;
  }
  if (rec_buf_append(reg, &e->detail->cur, &rec, tags) != 0)
    goto lost;
  return;

lost:
  ws_free(&reg->alloc, tags);
  if (!e->cur_lost)
    ws_log(reg, WAITSET_LOG_WARN,
           "waitset %s: change detail of account %s dropped, over the cap "
           "of %lld records or out of memory",
           e->ws->id, e->acct->id,
           (long long)reg->opt[WAITSET_OPT_MAX_DETAIL_PER_ACCOUNT]);
  e->cur_lost = 1;
}

static int
is_folder_type(int32_t type)
{
  return type == WAITSET_ITEM_FOLDER || type == WAITSET_ITEM_SEARCHFOLDER
         || type == WAITSET_ITEM_MOUNTPOINT
         || type == WAITSET_ITEM_SMARTFOLDER;
}

/* Copy the tag changes of a change to every modified folder: the tag
 * modifications, or the tag deletions when there are none. */
static void
file_tag_copies(waitset_registry *reg, ws_entry *e, const waitset_change *c)
{
  size_t i;
  size_t j;

  for (i = 0; i < c->modified_count; i++) {
    const waitset_item_info *f = &c->modified[i];

    if (!is_folder_type(f->type))
      continue;
    if (c->modified_tag_count > 0) {
      for (j = 0; j < c->modified_tag_count; j++) {
        const waitset_tag_info *t = &c->modified_tags[j];
        waitset_item_info item;

        memset(&item, 0, sizeof(item));
        item.id = t->id;
        item.type = WAITSET_ITEM_TAG;
        item.change = t->change;
        item.tags = t->name;
        rec_add(reg, e, WS_REC_TAG, f->id, f->folder_id, &item);
      }
      continue;
    }
    for (j = 0; j < c->deleted_count; j++) {
      if (c->deleted[j].type == WAITSET_ITEM_TAG)
        rec_add(reg, e, WS_REC_DELETED, f->id, f->folder_id, &c->deleted[j]);
    }
  }
}

/* File the item detail of a change under folders. Created items go under
 * their folder. Modified items go under the current folder, and after a
 * move also under the previous one. A deleted folder goes under its own
 * id, any other deleted item under its previous folder. */
static void
record_change(waitset_registry *reg, ws_entry *e, const waitset_change *c)
{
  size_t i;

  for (i = 0; i < c->created_count; i++) {
    const waitset_item_info *it = &c->created[i];

    rec_add(reg, e, WS_REC_CREATED, it->folder_id, INT32_MIN, it);
  }
  for (i = 0; i < c->modified_count; i++) {
    const waitset_item_info *it = &c->modified[i];

    if (is_folder_type(it->type) || it->type == WAITSET_ITEM_TAG)
      continue;
    rec_add(reg, e, WS_REC_MODIFIED, it->folder_id, INT32_MIN, it);
    if (it->prev_folder_id != 0 && it->prev_folder_id != it->folder_id)
      rec_add(reg, e, WS_REC_MODIFIED, it->prev_folder_id, INT32_MIN, it);
  }
  for (i = 0; i < c->deleted_count; i++) {
    const waitset_item_info *it = &c->deleted[i];

    if (it->type == WAITSET_ITEM_TAG)
      continue;
    if (is_folder_type(it->type))
      rec_add(reg, e, WS_REC_DELETED, it->id, INT32_MIN, it);
    else
      rec_add(reg, e, WS_REC_DELETED, it->folder_id, INT32_MIN, it);
  }
  file_tag_copies(reg, e, c);
}

/* Move the current records of an entry into its sent records. */
void
ws_detail_merge_sent(waitset_registry *reg, ws_entry *e)
{
  ws_rec_buf *cur;
  uint32_t i;

  if (e->cur_lost)
    e->sent_lost = 1;
  e->cur_lost = 0;
  if (e->detail == NULL)
    return;
  cur = &e->detail->cur;
  for (i = 0; i < cur->count; i++) {
    ws_rec *rec = &cur->recs[i];
    char *tags = (char *)rec->item.tags;

    if (rec_buf_merge(reg, &e->detail->sent, rec, tags))
      continue;
    if (!detail_room(reg, &e->detail->sent)
        || rec_buf_append(reg, &e->detail->sent, rec, tags) != 0) {
      ws_free(&reg->alloc, tags);
      e->sent_lost = 1;
    }
  }
  /* The tag strings moved to the sent buffer. */
  ws_free(&reg->alloc, cur->recs);
  ws_free(&reg->alloc, cur->index);
  memset(cur, 0, sizeof(*cur));
}

static int
folders_intersect(const ws_entry *e, const waitset_change *c)
{
  size_t i;

  const int32_t *folders = ws_entry_folders(e);

  for (i = 0; i < c->folder_count; i++) {
    uint32_t lo = 0;
    uint32_t hi = ws_entry_folder_count(e);

    while (lo < hi) {
      uint32_t mid = lo + (hi - lo) / 2;

      if (folders[mid] == c->folders[i])
        return 1;
      if (folders[mid] < c->folders[i])
        lo = mid + 1;
      else
        hi = mid;
    }
  }
  return 0;
}

int
ws_folder_wanted(const ws_entry *e, int32_t folder)
{
  uint32_t i;

  uint32_t n = ws_entry_folder_count(e);
  const int32_t *folders = ws_entry_folders(e);

  if (n == 0)
    return 1;
  for (i = 0; i < n; i++) {
    if (folders[i] == folder)
      return 1;
  }
  return 0;
}

/* Apply a change to one entry of a some-accounts waitset. Returns 1 when
 * the entry joined the current buffer, the only case that can complete a
 * waiting request: a waitset with a waiter has an empty current buffer,
 * because try-send runs whenever a waiter registers or data arrives. */
int
ws_signal_entry_change(waitset_registry *reg, ws_entry *e,
                       const waitset_change *c)
{
  if (!e->attached)
    return 0;
  if (c->change_id > e->highest)
    e->highest = c->change_id;
  if (e->has_token && e->token.change >= e->highest)
    return 0;
  if ((c->types & e->types) == 0)
    return 0;
  if (e->folder_mode != 0 && !folders_intersect(e, c))
    return 0;
  if (c->source_waitset_id != NULL
      && strcmp(c->source_waitset_id, e->ws->id) == 0)
    return 0;
  ws_log(reg, WAITSET_LOG_TRACE,
         "waitset %s: account %s signalled by change %lld", e->ws->id,
         e->acct->id, (long long)c->change_id);
  record_change(reg, e, c);
  return ws_entry_signal(e);
}

int
ws_queue_runtime_error(waitset_registry *reg, ws_waitset *ws,
                       const char *id, int code)
{
  size_t len = strlen(id);
  ws_err *err = ws_malloc(&reg->alloc, sizeof(*err) + len + 1);

  if (err == NULL)
    return WAITSET_ENOMEM;
  err->next = NULL;
  err->code = code;
  memcpy(err->id, id, len + 1);
  if (ws->cur_errs.tail != NULL)
    ws->cur_errs.tail->next = err;
  else
    ws->cur_errs.head = err;
  ws->cur_errs.tail = err;
  ws->cur_errs.count++;
  return 0;
}
