/* SPDX-License-Identifier: MIT */
/*
 * Waitsets and their account entries: the current and sent buffers,
 * change records, try-send with seq and acknowledgement, and the data,
 * no-data and canceled responses of a Wait.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

const char *
ws_waitset_key(const void *value)
{
  return ((const ws_waitset *)value)->id;
}

const char *
ws_entry_key(const void *value)
{
  return ((const ws_entry *)value)->acct->id;
}

const char *
ws_acct_key(const void *value)
{
  return ((const ws_acct *)value)->id;
}

const char *
ws_owner_key(const void *value)
{
  return ((const ws_owner *)value)->id;
}

uint32_t
ws_waitset_hash(const void *value)
{
  return ((const ws_waitset *)value)->hash;
}

uint32_t
ws_entry_hash(const void *value)
{
  return ((const ws_entry *)value)->acct->hash;
}

uint32_t
ws_acct_hash(const void *value)
{
  return ((const ws_acct *)value)->hash;
}

uint32_t
ws_owner_hash(const void *value)
{
  return ((const ws_owner *)value)->hash;
}

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
/* Waitset objects                                                     */

/* Refresh the idle clock of a waitset. */
void
ws_touch(waitset_registry *reg, ws_waitset *ws)
{
  ws->last_access = uv_now(reg->loop);
  ws->last_access_wall = ws_wall_ms();
}

ws_waitset *
ws_waitset_new(waitset_registry *reg, uint32_t def_types, int all)
{
  const char *prefix = all ? "AllWaitSet-" : "WaitSet-";
  char uuid[37];
  ws_waitset *ws;
  size_t len;

  if (ws_uuid(uuid) != 0) {
    ws_log(reg, WAITSET_LOG_ERROR,
           "no random bytes from getrandom() or /dev/urandom for an id");
    return NULL;
  }
  len = strlen(prefix) + strlen(uuid);
  ws = ws_calloc(&reg->alloc, 1, sizeof(*ws) + len + 1);
  if (ws == NULL)
    return NULL;
  snprintf(ws->id, len + 1, "%s%s", prefix, uuid);
  ws->hash = ws_hash(ws->id);
  ws_map_init(&ws->entries, ws_entry_key, ws_entry_hash);
  ws_list_init(&ws->cur);
  ws_list_init(&ws->sent);
  ws_list_init(&ws->delayed);
  ws->current_seq = 1;
  ws->def_types = def_types;
  ws->all = (uint8_t)(all != 0);
  ws_touch(reg, ws);
  ws->serial = ++reg->serial;
  return ws;
}

int
ws_waitset_register(waitset_registry *reg, ws_waitset *ws,
                    const char *owner_id)
{
  ws_owner *owner = ws_map_get(&reg->owners, owner_id);
  int rc;

  rc = ws_map_reserve(&reg->alloc, &reg->sets);
  if (rc != 0)
    return rc;
  if (owner == NULL) {
    size_t len = strlen(owner_id);

    rc = ws_map_reserve(&reg->alloc, &reg->owners);
    if (rc != 0)
      return rc;
    owner = ws_malloc(&reg->alloc, sizeof(*owner) + len + 1);
    if (owner == NULL)
      return WAITSET_ENOMEM;
    memcpy(owner->id, owner_id, len + 1);
    ws_list_init(&owner->waitsets);
    owner->count = 0;
    owner->hash = ws_hash(owner->id);
    ws_map_put(&reg->alloc, &reg->owners, owner);
  }
  ws_map_put(&reg->alloc, &reg->sets, ws);
  ws->owner = owner;
  ws_list_push_back(&owner->waitsets, &ws->owner_link);
  owner->count++;
  ws_list_push_back(&reg->waitsets, &ws->reg_link);
  if (ws->all)
    ws_list_push_back(&reg->all_waitsets, &ws->all_link);
  reg->waitset_count++;
  return 0;
}

static void entry_free(waitset_registry *reg, ws_entry *e, int unmap);

static void
err_list_free(waitset_registry *reg, ws_err_list *list)
{
  ws_err *e = list->head;

  while (e != NULL) {
    ws_err *next = e->next;

    ws_free(&reg->alloc, e);
    e = next;
  }
  list->head = NULL;
  list->tail = NULL;
  list->count = 0;
}

/* Free a waitset that may or may not be registered. Its waiter and
 * delayed calls complete as canceled. */
void
ws_waitset_destroy(waitset_registry *reg, ws_waitset *ws)
{
  uint32_t i;

  if (ws->waiter != NULL)
    ws_complete_wait(ws->waiter, 1);
  while (!ws_list_empty(&ws->delayed)) {
    waitset_call *call = WS_CONTAINER_OF(ws->delayed.next, waitset_call,
                                         link);

    ws_list_remove(&call->link);
    ws_heap_remove(call);
    call->ws = ws;
    ws_complete_wait(call, 1);
  }
  for (i = 0; i < ws->entries.cap; i++) {
    ws_entry *e = ws->entries.slots[i].value;

    if (e != NULL)
      entry_free(reg, e, 0);
  }
  ws_map_destroy(&reg->alloc, &ws->entries);
  err_list_free(reg, &ws->cur_errs);
  err_list_free(reg, &ws->sent_errs);

  if (ws->owner != NULL) {
    ws_map_del(&reg->sets, ws->id);
    ws_list_remove(&ws->owner_link);
    ws_list_remove(&ws->reg_link);
    ws_list_remove(&ws->all_link);
    if (--ws->owner->count == 0) {
      ws_map_del(&reg->owners, ws->owner->id);
      ws_free(&reg->alloc, ws->owner);
    }
    reg->waitset_count--;
  }
  ws_free(&reg->alloc, ws->cb_seq);
  ws_free(&reg->alloc, ws);
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
static void
detail_clear(waitset_registry *reg, ws_entry *e, int sent)
{
  if (e->detail == NULL)
    return;
  rec_buf_clear(reg, sent ? &e->detail->sent : &e->detail->cur);
  if (e->detail->cur.count == 0 && e->detail->sent.count == 0)
    ws_detail_free(reg, e);
}

/* Unlink an entry from everything and free it; unmap is 0 while the
 * waitset's map is being destroyed as a whole. */
static void
entry_free(waitset_registry *reg, ws_entry *e, int unmap)
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
  entry_free(reg, e, 1);
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
  detail_clear(reg, e, 0);
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
static void
detail_merge_sent(waitset_registry *reg, ws_entry *e)
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

static int
folder_wanted(const ws_entry *e, int32_t folder)
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
    detail_clear(reg, e, 1);
    e->sent_lost = 0;
    if (ws->all && !ws_list_linked(&e->cur_link))
      ws_entry_remove(reg, e);
  }
  err_list_free(reg, &ws->sent_errs);
}

static void
merge_current(waitset_registry *reg, ws_waitset *ws)
{
  while (!ws_list_empty(&ws->cur)) {
    ws_entry *e = WS_CONTAINER_OF(ws->cur.next, ws_entry, cur_link);

    ws_list_remove(&e->cur_link);
    if (!ws_list_linked(&e->sent_link))
      ws_list_push_back(&ws->sent, &e->sent_link);
    detail_merge_sent(reg, e);
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

static void
seq_decimal(uint64_t v, char out[24])
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

static int
fill_mods(waitset_registry *reg, ws_arena *arena, const ws_entry *e,
          waitset_signal *sig)
{
  const ws_rec_buf *buf = &e->detail->sent;
  waitset_folder_mods *mods;
  size_t n = 0;
  uint32_t i;

  mods = ws_arena_calloc(arena, buf->count, sizeof(*mods));
  if (buf->count > 0 && mods == NULL)
    return WAITSET_ENOMEM;
  /* First pass: folders in order of first appearance, with counts. */
  for (i = 0; i < buf->count; i++) {
    const ws_rec *r = &buf->recs[i];
    size_t k;

    if (!folder_wanted(e, r->folder)
        && (r->alt_folder == INT32_MIN || !folder_wanted(e, r->alt_folder)))
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
  /* Second pass: copy the records. */
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
    seq_decimal(ws->cur_commit, seq);
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

    seq_decimal(ws->cur_commit, cur);
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
    seq_decimal(ws->cur_commit, num);
    q->current_seq = ws_arena_strdup(arena, num);
    seq_decimal(ws->last_commit, num);
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
