/* SPDX-License-Identifier: MIT */
/* Waitset objects: map keys, creation, registration and destruction. */
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

void
ws_err_list_free(waitset_registry *reg, ws_err_list *list)
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
      ws_entry_free(reg, e, 0);
  }
  ws_map_destroy(&reg->alloc, &ws->entries);
  ws_err_list_free(reg, &ws->cur_errs);
  ws_err_list_free(reg, &ws->sent_errs);

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
