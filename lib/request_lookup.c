/* SPDX-License-Identifier: MIT */
/* Account lookups: starting them with the host and storing the results. */
#include <stdio.h>
#include <string.h>

#include "request.h"

/* ------------------------------------------------------------------ */
/* Account lookups                                                     */

const char *
waitset_lookup_key(const waitset_lookup *lookup)
{
  return lookup != NULL ? lookup->key : NULL;
}

int
waitset_lookup_by_name(const waitset_lookup *lookup)
{
  return lookup != NULL ? lookup->by_name : 0;
}

const waitset_caller *
waitset_lookup_caller(const waitset_lookup *lookup)
{
  return lookup != NULL ? &lookup->caller : NULL;
}

static waitset_lookup *
lookup_new(waitset_registry *reg, const ws_req *r, const char *key,
           int by_name, uint32_t index)
{
  const waitset_caller *c = &r->caller;
  size_t klen = strlen(key) + 1;
  size_t alen = c->account_id != NULL ? strlen(c->account_id) + 1 : 0;
  size_t rlen = c->requested_account_id != NULL
                    ? strlen(c->requested_account_id) + 1
                    : 0;
  waitset_lookup *l = ws_malloc(&reg->alloc, sizeof(*l) + klen + alen
                                                 + rlen);
  char *p;

  if (l == NULL)
    return NULL;
  memset(l, 0, sizeof(*l));
  p = (char *)(l + 1);
  l->reg = reg;
  l->spec_index = index;
  l->by_name = (uint8_t)by_name;
  l->key = memcpy(p, key, klen);
  p += klen;
  l->caller.size = sizeof(l->caller);
  l->caller.flags = c->flags;
  if (alen > 0) {
    l->caller.account_id = memcpy(p, c->account_id, alen);
    p += alen;
  }
  if (rlen > 0)
    l->caller.requested_account_id = memcpy(p, c->requested_account_id,
                                            rlen);
  return l;
}

/* Detach every outstanding lookup of a call; the host may still
 * complete them. */
void
ws_detach_lookups(waitset_call *call)
{
  ws_list *it;

  for (it = call->reg->lookups.next; it != &call->reg->lookups;
       it = it->next) {
    waitset_lookup *l = WS_CONTAINER_OF(it, waitset_lookup, reg_link);

    if (l->call == call)
      l->call = NULL;
  }
}

/* Start the lookups of every <a>. Allocates them all first, so that
 * nothing reaches the host when memory runs out. */
int
ws_start_lookups(waitset_call *call)
{
  waitset_registry *reg = call->reg;
  ws_req *r = call->req;
  size_t n = r->n_add + r->n_update + r->n_remove;
  ws_list pending;
  size_t i;

  ws_list_init(&pending);
  for (i = 0; i < n; i++) {
    const ws_spec *s = &r->specs[i];
    int by_name = i < r->n_add + r->n_update && s->name != NULL;
    waitset_lookup *l = lookup_new(reg, r, by_name ? s->name : s->id,
                                   by_name, (uint32_t)i);

    if (l == NULL) {
      while (!ws_list_empty(&pending)) {
        ws_list *it = pending.next;

        ws_list_remove(it);
        ws_free(&reg->alloc, WS_CONTAINER_OF(it, waitset_lookup, reg_link));
      }
      return WAITSET_ENOMEM;
    }
    l->call = call;
    ws_list_push_back(&pending, &l->reg_link);
  }
  call->state = WS_CALL_LOOKUP;
  ws_list_push_back(&reg->lookup_calls, &call->link);
  /* The extra count keeps the call in this state while lookups that
   * the host completes at once come back. */
  call->lookups_out = (uint32_t)n + 1;
  while (!ws_list_empty(&pending)) {
    waitset_lookup *l = WS_CONTAINER_OF(pending.next, waitset_lookup,
                                        reg_link);

    ws_list_remove(&l->reg_link);
    /* A host that closed the registry from an earlier lookup_account
     * already completed this call; its other lookups are not sent. */
    if (call->state != WS_CALL_LOOKUP) {
      call->lookups_out--;
      ws_free(&reg->alloc, l);
      continue;
    }
    ws_list_push_back(&reg->lookups, &l->reg_link);
    reg->lookups_out++;
    reg->host.lookup_account(reg, l, reg->host.user_data);
  }
  if (--call->lookups_out == 0 && call->state == WS_CALL_LOOKUP)
    ws_call_resume(call);
  return 0;
}

static int
info_copy(waitset_account_info *dst, const waitset_account_info *src)
{
  size_t need = offsetof(waitset_account_info, access) + sizeof(src->access);

  if (src->size < need || src->size > sizeof(*src))
    return WAITSET_EVERSION;
  memset(dst, 0, sizeof(*dst));
  memcpy(dst, src, src->size);
  if (dst->status < WAITSET_ACCOUNT_LOCAL
      || dst->status > WAITSET_ACCOUNT_FAILED)
    return WAITSET_EINVAL;
  return 0;
}

/* Store the lookup result in the spec. Status -1 marks a copy that ran
 * out of memory. */
static void
store_lookup_result(waitset_call *call, const waitset_lookup *l,
                    const waitset_account_info *info)
{
  ws_spec *s = &call->req->specs[l->spec_index];
  ws_arena *arena = &call->req->arena;

  s->looked_up = 1;
  s->status = info->status;
  s->access = info->access;
  s->last_change_id = info->last_change_id;
  s->rid = s->id;
  s->rname = l->by_name ? s->name : s->id;
  if (info->id != NULL) {
    char *id = ws_arena_strdup(arena, info->id);

    if (id == NULL) {
      s->status = -1;
      return;
    }
    ws_lowercase(id);
    s->rid = id;
  }
  if (info->name != NULL) {
    s->rname = ws_arena_strdup(arena, info->name);
    if (s->rname == NULL)
      s->status = -1;
  }
  if (l->by_name && info->id == NULL
      && info->status != WAITSET_ACCOUNT_NOT_FOUND)
    s->status = WAITSET_ACCOUNT_NOT_FOUND;
}

int
waitset_lookup_complete(waitset_lookup *lookup,
                        const waitset_account_info *info)
{
  waitset_registry *reg;
  waitset_account_info copy;
  waitset_call *call;
  int rc;

  if (lookup == NULL || info == NULL)
    return WAITSET_EINVAL;
  reg = lookup->reg;
  if (reg->log_depth > 0)
    return WAITSET_ERECURSIVE;
  rc = info_copy(&copy, info);
  if (rc != 0) {
    ws_log(reg, WAITSET_LOG_WARN,
           "lookup of account %s rejected: %s in the host's answer",
           lookup->key, waitset_strerror(rc));
    return rc;
  }
  call = lookup->call;
  ws_list_remove(&lookup->reg_link);
  reg->lookups_out--;
  if (call != NULL) {
    store_lookup_result(call, lookup, &copy);
    if (--call->lookups_out == 0 && call->state == WS_CALL_LOOKUP)
      ws_call_resume(call);
  }
  ws_free(&reg->alloc, lookup);
  if (reg->closing)
    ws_registry_maybe_finish(reg);
  return call != NULL ? 0 : WAITSET_ECANCELED;
}
