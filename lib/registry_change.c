/* SPDX-License-Identifier: MIT */
/* Posted changes: validation, routing to waitsets, cross-thread queue. */
#include <string.h>

#include "internal.h"

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
char *
ws_lower_id(waitset_registry *reg, const char *id, char *buf, size_t size,
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
  id = ws_lower_id(reg, c->account_id, buf, sizeof(buf), &hash);
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

void
ws_async_cb(uv_async_t *async)
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
