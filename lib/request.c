/* SPDX-License-Identifier: MIT */
/*
 * Requests: validation, the waitset checks, the account lookups, and the
 * Create, Wait, Destroy and Query operations.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define ALL_PREFIX "AllWaitSet-"

/* Result of a validation step: OK, a fault already set on the call, or
 * an allocation failure. */
enum { CHECK_OK = 0, CHECK_FAULT = 1 };

/* ------------------------------------------------------------------ */
/* Faults                                                              */

static void
call_fault(waitset_call *call, int status, const char *reason,
           const char *arg_id)
{
  ws_arena *arena = NULL;
  waitset_response *resp = ws_response_new(call, &arena);

  if (resp == NULL) {
    ws_finish_call(call, NULL, NULL);
    return;
  }
  resp->status = status;
  resp->fault_reason = ws_arena_strdup(arena, reason);
  if (resp->fault_reason == NULL)
    goto fail;
  if (arg_id != NULL) {
    waitset_fault_arg *arg = ws_arena_calloc(arena, 1, sizeof(*arg));

    if (arg == NULL)
      goto fail;
    arg->name = "id";
    arg->type = "STR";
    arg->value = ws_arena_strdup(arena, arg_id);
    if (arg->value == NULL)
      goto fail;
    resp->fault_args = arg;
    resp->fault_arg_count = 1;
  }
  ws_finish_call(call, resp, arena);
  return;

fail:
  ws_response_discard(call, arena);
  ws_finish_call(call, NULL, NULL);
}

/* Fault whose reason is prefix + a quoted client value + suffix. */
static int
fault_quoted(waitset_call *call, int status, const char *prefix,
             const char *value, const char *suffix, const char *arg_id)
{
  char quoted[WS_QUOTE_MAX + 8];
  char reason[WS_QUOTE_MAX + 256];

  ws_quote_value(quoted, sizeof(quoted), value);
  snprintf(reason, sizeof(reason), "%s%s%s", prefix, quoted, suffix);
  call_fault(call, status, reason, arg_id);
  return CHECK_FAULT;
}

static int
fault_invalid(waitset_call *call, const char *name, const char *value)
{
  char prefix[64];

  snprintf(prefix, sizeof(prefix), "invalid request: invalid %s: \"", name);
  return fault_quoted(call, WAITSET_EINVALID_REQUEST, prefix, value, "\"",
                      NULL);
}

static int
fault_missing(waitset_call *call, const char *name)
{
  char reason[96];

  snprintf(reason, sizeof(reason),
           "invalid request: missing required attribute: %s", name);
  call_fault(call, WAITSET_EINVALID_REQUEST, reason, NULL);
  return CHECK_FAULT;
}

static void
fault_failure(waitset_call *call)
{
  call_fault(call, WAITSET_EFAILURE, "system failure: out of memory", NULL);
}

/* ------------------------------------------------------------------ */
/* Copy and validation of a request                                    */

/* Copy an optional string into the request arena. */
static int
dup_opt(ws_req *r, const char *s, const char **out)
{
  *out = NULL;
  if (s == NULL)
    return 0;
  *out = ws_arena_strdup(&r->arena, s);
  return *out == NULL ? WAITSET_ENOMEM : 0;
}

static int
dup_lower(ws_req *r, const char *s, const char **out)
{
  int rc = dup_opt(r, s, out);

  if (rc == 0 && *out != NULL)
    ws_lowercase((char *)*out);
  return rc;
}

static int
parse_bool_attr(waitset_call *call, const char *name, const char *value,
                uint8_t *out)
{
  int v = 0;

  if (value != NULL && ws_parse_bool(value, &v) != 0)
    return fault_invalid(call, name, value);
  *out = (uint8_t)v;
  return CHECK_OK;
}

/* Validate and copy one <a>. remove is 1 for an <a> of <remove>. */
static int
check_spec(waitset_call *call, ws_req *r, const waitset_account_spec *in,
           ws_spec *out, int remove)
{
  int rc;

  if (in->id == NULL && (remove || in->name == NULL))
    return fault_missing(call, "id");
  rc = dup_lower(r, in->id, &out->id);
  if (rc != 0)
    return rc;
  if (remove)
    return CHECK_OK;
  /* A name wins over an id. */
  if (in->name != NULL) {
    rc = dup_opt(r, in->name, &out->name);
    if (rc != 0)
      return rc;
  }
  if (in->token != NULL) {
    if (ws_parse_token(in->token, &out->token) != 0)
      return fault_quoted(call, WAITSET_EINVALID_REQUEST,
                          "invalid request: malformed sync token: ",
                          in->token, "", NULL);
    out->has_token = 1;
  }
  if (in->types != NULL) {
    if (ws_parse_types(in->types, &out->types) != 0)
      return fault_invalid(call, "types", in->types);
    out->has_types = 1;
  }
  if (in->folder_interests != NULL) {
    rc = ws_parse_folders(&r->arena, in->folder_interests, &out->folders,
                          &out->folder_count);
    if (rc == WAITSET_ENOMEM)
      return rc;
    if (rc != 0)
      return fault_invalid(call, "folderInterests", in->folder_interests);
  }
  return CHECK_OK;
}

static int
check_specs(waitset_call *call, ws_req *r, const waitset_request *in)
{
  size_t n = r->n_add + r->n_update + r->n_remove;
  size_t i;
  int rc;

  if (n == 0)
    return CHECK_OK;
  r->specs = ws_arena_calloc(&r->arena, n, sizeof(*r->specs));
  if (r->specs == NULL)
    return WAITSET_ENOMEM;
  for (i = 0; i < r->n_add; i++) {
    rc = check_spec(call, r, &in->add[i], &r->specs[i], 0);
    if (rc != CHECK_OK)
      return rc;
  }
  for (i = 0; i < r->n_update; i++) {
    rc = check_spec(call, r, &in->update[i], &r->specs[r->n_add + i], 0);
    if (rc != CHECK_OK)
      return rc;
  }
  for (i = 0; i < r->n_remove; i++) {
    rc = check_spec(call, r, &in->remove[i],
                    &r->specs[r->n_add + r->n_update + i], 1);
    if (rc != CHECK_OK)
      return rc;
  }
  return CHECK_OK;
}

static int64_t
clamp_timeout(const waitset_registry *reg, const ws_req *r, int has,
              int64_t seconds)
{
  int base = r->admin_request ? WAITSET_OPT_ADMIN_TIMEOUT_DEFAULT_MS
                              : WAITSET_OPT_TIMEOUT_DEFAULT_MS;
  int64_t min = reg->opt[base + 1];
  int64_t max = reg->opt[base + 2];

  if (!has)
    return reg->opt[base];
  if (seconds <= min / 1000)
    return min;
  if (seconds >= max / 1000 + 1)
    return max;
  return seconds * 1000 < min ? min : seconds * 1000;
}

static int
check_wait_attrs(waitset_call *call, ws_req *r, const waitset_request *in)
{
  int64_t seconds = 0;
  int rc;

  if (in->seq == NULL)
    return fault_missing(call, "seq");
  if (strncmp(in->waitset_id, ALL_PREFIX, strlen(ALL_PREFIX)) != 0
      && ws_parse_int64(in->seq, 0, &r->seq_num) != 0)
    return fault_invalid(call, "seq", in->seq);
  if (in->def_types != NULL) {
    if (ws_parse_types(in->def_types, &r->def_types) != 0)
      return fault_invalid(call, "defTypes", in->def_types);
    r->has_def_types = 1;
  }
  if (in->timeout != NULL && ws_parse_int64(in->timeout, 1, &seconds) != 0)
    return fault_invalid(call, "timeout", in->timeout);
  r->timeout_ms = clamp_timeout(call->reg, r, in->timeout != NULL, seconds);
  rc = parse_bool_attr(call, "block", in->block, &r->block);
  if (rc != CHECK_OK)
    return rc;
  return parse_bool_attr(call, "expand", in->expand, &r->expand);
}

/* Check the request's own attributes in the order waitSet, seq,
 * defTypes, timeout, then the booleans. */
static int
check_attrs(waitset_call *call, ws_req *r, const waitset_request *in)
{
  int rc;

  switch (in->op) {
  case WAITSET_OP_CREATE:
    if (in->def_types == NULL)
      return fault_missing(call, "defTypes");
    if (ws_parse_types(in->def_types, &r->def_types) != 0)
      return fault_invalid(call, "defTypes", in->def_types);
    r->has_def_types = 1;
    rc = parse_bool_attr(call, "allAccounts", in->all_accounts,
                         &r->all_accounts);
    if (rc != CHECK_OK)
      return rc;
    r->n_add = in->add_count;
    break;
  case WAITSET_OP_WAIT:
    if (in->waitset_id == NULL)
      return fault_missing(call, "waitSet");
    rc = check_wait_attrs(call, r, in);
    if (rc != CHECK_OK)
      return rc;
    r->n_add = in->add_count;
    r->n_update = in->update_count;
    r->n_remove = in->remove_count;
    break;
  case WAITSET_OP_DESTROY:
    if (in->waitset_id == NULL)
      return fault_missing(call, "waitSet");
    break;
  default:
    break;
  }
  return check_specs(call, r, in);
}

static int
copy_caller(ws_req *r, const waitset_caller *caller)
{
  const char *requested;
  int rc;

  r->caller.size = sizeof(r->caller);
  r->caller.flags = caller->flags;
  rc = dup_lower(r, caller->account_id, &r->caller.account_id);
  if (rc == 0)
    rc = dup_lower(r, caller->requested_account_id, &requested);
  if (rc != 0)
    return rc;
  r->caller.requested_account_id = requested;
  r->owner = requested != NULL ? requested : r->caller.account_id;
  r->global_admin = (caller->flags & WAITSET_CALLER_GLOBAL_ADMIN) != 0;
  return 0;
}

/* Validate a request completely, before any side effect. */
static int
validate(waitset_call *call, ws_req *r, const waitset_caller *caller,
         const waitset_request *in)
{
  uint32_t admin_flags = WAITSET_CALLER_ADMIN_TOKEN
                         | WAITSET_CALLER_GLOBAL_ADMIN;
  int rc;

  rc = copy_caller(r, caller);
  if (rc != 0)
    return rc;
  if (caller->account_id == NULL) {
    call_fault(call, WAITSET_EAUTH_REQUIRED, "no valid authtoken present",
               NULL);
    return CHECK_FAULT;
  }
  if (in->admin && (caller->flags & admin_flags) == 0) {
    call_fault(call, WAITSET_EPERM_DENIED,
               "permission denied: need adequate admin token", NULL);
    return CHECK_FAULT;
  }
  r->admin_request = in->admin || r->global_admin;
  rc = check_attrs(call, r, in);
  if (rc != CHECK_OK)
    return rc;
  rc = dup_opt(r, in->waitset_id, &r->waitset_id);
  if (rc == 0)
    rc = dup_opt(r, in->seq, &r->seq);
  return rc;
}

/* ------------------------------------------------------------------ */
/* Waitset checks                                                      */

static int
is_all_id(const char *id)
{
  return strncmp(id, ALL_PREFIX, strlen(ALL_PREFIX)) == 0;
}

static int
fault_not_global_admin(waitset_call *call)
{
  call_fault(call, WAITSET_EPERM_DENIED,
             "permission denied: only global admin is allowed", NULL);
  return CHECK_FAULT;
}

static int
fault_not_owner(waitset_call *call)
{
  call_fault(call, WAITSET_EPERM_DENIED,
             "permission denied: Not owner(creator) of waitset", NULL);
  return CHECK_FAULT;
}

static int
fault_no_such_waitset(waitset_call *call, const char *id)
{
  return fault_quoted(call, WAITSET_ENO_SUCH_WAITSET, "No such waitset: ",
                      id, "", id);
}

/* Run the waitset checks; sets call->ws for Wait, Destroy and a Query by
 * id. */
static int
check_waitset(waitset_call *call, ws_req *r)
{
  waitset_registry *reg = call->reg;
  ws_waitset *ws = NULL;

  switch (call->op) {
  case WAITSET_OP_CREATE:
    if (r->all_accounts && !r->global_admin)
      return fault_not_global_admin(call);
    return CHECK_OK;
  case WAITSET_OP_WAIT:
    if (is_all_id(r->waitset_id) && !r->global_admin)
      return fault_not_global_admin(call);
    ws = ws_map_get(&reg->sets, r->waitset_id);
    if (ws == NULL)
      return fault_no_such_waitset(call, r->waitset_id);
    if (strcmp(ws->owner->id, r->owner) != 0)
      return fault_not_owner(call);
    break;
  case WAITSET_OP_DESTROY:
    ws = ws_map_get(&reg->sets, r->waitset_id);
    if (ws == NULL)
      return fault_quoted(call, WAITSET_EMAIL_NO_SUCH_WAITSET,
                          "WaitSet not found: ", r->waitset_id, "",
                          r->waitset_id);
    if (ws->all && !r->global_admin)
      return fault_not_global_admin(call);
    if (!ws->all && strcmp(ws->owner->id, r->owner) != 0)
      return fault_not_owner(call);
    break;
  case WAITSET_OP_QUERY:
    if (!r->global_admin)
      return fault_not_global_admin(call);
    if (r->waitset_id != NULL) {
      ws = ws_map_get(&reg->sets, r->waitset_id);
      if (ws == NULL)
        return fault_no_such_waitset(call, r->waitset_id);
    }
    break;
  default:
    break;
  }
  call->ws = ws;
  return CHECK_OK;
}

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
static void
detach_lookups(waitset_call *call)
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
static int
start_lookups(waitset_call *call)
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

/* ------------------------------------------------------------------ */
/* Applying accounts                                                   */

static int
spec_unknown_name(const ws_spec *s)
{
  return s->name != NULL && s->status == WAITSET_ACCOUNT_NOT_FOUND;
}

/* Check the lookup results in request order. The first account that
 * may not be used faults the request. */
static int
check_access(waitset_call *call)
{
  ws_req *r = call->req;
  size_t n = r->n_add + r->n_update + r->n_remove;
  size_t i;

  for (i = 0; i < n; i++) {
    const ws_spec *s = &r->specs[i];

    if (s->status < 0) {
      ws_log(call->reg, WAITSET_LOG_WARN,
             "%s request faulted: out of memory storing the lookup of "
             "account %s", ws_op_name(call->op), s->id != NULL ? s->id
                                                               : s->name);
      fault_failure(call);
      return CHECK_FAULT;
    }
    if (spec_unknown_name(s))
      continue;
    if (s->status == WAITSET_ACCOUNT_NOT_FOUND) {
      ws_log(call->reg, WAITSET_LOG_WARN,
             "%s request faulted: host lookup found no account %s",
             ws_op_name(call->op), s->id);
      return fault_quoted(call, WAITSET_EPERM_DENIED,
                          "permission denied: can not access account ",
                          s->id, "", NULL);
    }
    if (!s->access) {
      ws_log(call->reg, WAITSET_LOG_WARN,
             "%s request faulted: host lookup denied access to account %s",
             ws_op_name(call->op), s->rid);
      return fault_quoted(call, WAITSET_EPERM_DENIED,
                          "permission denied: cannot access account ",
                          s->rname != NULL ? s->rname : s->rid, "", NULL);
    }
  }
  return CHECK_OK;
}

/* Allocate, before any change, everything applying the accounts needs:
 * the error list of the response and the entries' folder arrays. */
static int
prepare_apply(waitset_call *call)
{
  waitset_registry *reg = call->reg;
  ws_req *r = call->req;
  size_t n = r->n_add + r->n_update + r->n_remove;
  size_t strings = 0;
  size_t i;

  for (i = 0; i < n; i++) {
    const ws_spec *s = &r->specs[i];

    strings += strlen(spec_unknown_name(s) ? s->name : s->rid) + 1;
  }
  if (n > 0) {
    call->errs = ws_malloc(&reg->alloc, n * sizeof(*call->errs) + strings);
    if (call->errs == NULL)
      return WAITSET_ENOMEM;
  }
  for (i = 0; i < r->n_add + r->n_update; i++) {
    ws_spec *s = &r->specs[i];

    if (s->folder_count == 0)
      continue;
    /* The entry's array starts with its count. */
    s->folders_copy = ws_malloc(&reg->alloc,
                                (s->folder_count + 1) * sizeof(int32_t));
    if (s->folders_copy == NULL)
      return WAITSET_ENOMEM;
    s->folders_copy[0] = (int32_t)s->folder_count;
    memcpy(s->folders_copy + 1, s->folders,
           s->folder_count * sizeof(int32_t));
  }
  return 0;
}

/* Append a per-account error; the string pool follows the array. */
static void
add_error(waitset_call *call, const char *id, int code)
{
  ws_req *r = call->req;
  size_t n = r->n_add + r->n_update + r->n_remove;
  size_t k = (size_t)call->n_remove_errs + call->n_add_errs
             + call->n_update_errs;
  char *pool = (char *)(call->errs + n);
  size_t i;

  for (i = 0; i < k; i++)
    pool += strlen(pool) + 1;
  strcpy(pool, id);
  call->errs[k].id = pool;
  call->errs[k].code = code;
}

static void
set_entry_settings(ws_waitset *ws, ws_entry *e, ws_spec *s,
                   waitset_registry *reg)
{
  e->types = (uint8_t)(s->has_types ? s->types : ws->def_types);
  e->has_token = s->has_token;
  e->token = s->token;
  ws_entry_set_folders(reg, e, s->folders_copy);
  s->folders_copy = NULL;
}

static int
add_account(waitset_call *call, ws_waitset *ws, ws_spec *s)
{
  waitset_registry *reg = call->reg;
  ws_entry *e;

  if (ws_map_get(&ws->entries, s->rid) != NULL)
    return WAITSET_ACCOUNT_ALREADY_IN_SET_DURING_ADD;
  switch (s->status) {
  case WAITSET_ACCOUNT_REMOTE:
    return WAITSET_ACCOUNT_WRONG_HOST_FOR_ACCOUNT;
  case WAITSET_ACCOUNT_FAILED:
    ws_log(reg, WAITSET_LOG_WARN,
           "account %s not added to waitset %s: host lookup failed",
           s->rid, ws->id);
    return WAITSET_ACCOUNT_ERROR_LOADING_MAILBOX;
  case WAITSET_ACCOUNT_NOT_FOUND:
    return WAITSET_ACCOUNT_NO_SUCH_ACCOUNT;
  default:
    break;
  }
  if ((int64_t)ws->entries.count
      >= reg->opt[WAITSET_OPT_MAX_ACCOUNTS_PER_WAITSET]) {
    ws_log(reg, WAITSET_LOG_WARN, "waitset %s is full; account %s not added",
           ws->id, s->rid);
    return WAITSET_ACCOUNT_ERROR_LOADING_MAILBOX;
  }
  e = ws_entry_add(reg, ws, s->rid);
  if (e == NULL) {
    ws_log(reg, WAITSET_LOG_ERROR, "out of memory adding account %s to %s",
           s->rid, ws->id);
    return WAITSET_ACCOUNT_ERROR_LOADING_MAILBOX;
  }
  set_entry_settings(ws, e, s, reg);
  if (s->status == WAITSET_ACCOUNT_LOCAL) {
    e->attached = 1;
    ws_entry_token_check(reg, e, s->last_change_id);
  }
  return 0;
}

static void
apply_adds(waitset_call *call, ws_waitset *ws)
{
  ws_req *r = call->req;
  size_t i;

  for (i = 0; i < r->n_add; i++) {
    ws_spec *s = &r->specs[i];
    int code;

    if (spec_unknown_name(s))
      code = WAITSET_ACCOUNT_NO_SUCH_ACCOUNT;
    else
      code = add_account(call, ws, s);
    if (code != 0) {
      add_error(call, spec_unknown_name(s) ? s->name : s->rid, code);
      call->n_add_errs++;
    }
  }
}

static void
apply_updates(waitset_call *call, ws_waitset *ws)
{
  waitset_registry *reg = call->reg;
  ws_req *r = call->req;
  size_t i;

  for (i = r->n_add; i < r->n_add + r->n_update; i++) {
    ws_spec *s = &r->specs[i];
    ws_entry *e = NULL;
    int code = WAITSET_ACCOUNT_NOT_IN_SET_DURING_UPDATE;

    if (spec_unknown_name(s))
      code = WAITSET_ACCOUNT_NO_SUCH_ACCOUNT;
    else
      e = ws_map_get(&ws->entries, s->rid);
    if (e == NULL) {
      add_error(call, spec_unknown_name(s) ? s->name : s->rid, code);
      call->n_update_errs++;
      continue;
    }
    set_entry_settings(ws, e, s, reg);
    if (e->has_token && e->attached) {
      int64_t lcid = s->status == WAITSET_ACCOUNT_LOCAL ? s->last_change_id
                                                        : 0;

      ws_entry_token_check(reg, e, lcid);
    }
  }
}

static void
apply_removes(waitset_call *call, ws_waitset *ws)
{
  ws_req *r = call->req;
  size_t i;

  for (i = r->n_add + r->n_update; i < r->n_add + r->n_update + r->n_remove;
       i++) {
    ws_spec *s = &r->specs[i];
    ws_entry *e = ws_map_get(&ws->entries, s->rid);

    if (e == NULL) {
      add_error(call, s->rid, WAITSET_ACCOUNT_NOT_IN_SET_DURING_REMOVE);
      call->n_remove_errs++;
      continue;
    }
    ws_entry_remove(call->reg, e);
  }
}

void
ws_req_free(waitset_call *call)
{
  ws_req *r = call->req;
  size_t i;

  if (r == NULL)
    return;
  for (i = 0; i < r->n_add + r->n_update; i++) {
    if (r->specs != NULL)
      ws_free(&call->reg->alloc, r->specs[i].folders_copy);
  }
  ws_arena_free(&r->arena);
  ws_free(&call->reg->alloc, r);
  call->req = NULL;
}

/* ------------------------------------------------------------------ */
/* Operations                                                          */

/* Apply a Wait: removes, cancel the previous waiter, adds, updates,
 * register this call as the waiter, then try to send. */
static void
apply_wait(waitset_call *call)
{
  waitset_registry *reg = call->reg;
  ws_waitset *ws = call->ws;
  char *cb_seq;

  if (!ws->all)
    apply_removes(call, ws);
  if (ws->waiter != NULL)
    ws_complete_wait(ws->waiter, 1);
  if (!ws->all) {
    apply_adds(call, ws);
    apply_updates(call, ws);
  }
  cb_seq = ws_strdup(&reg->alloc, call->seq);
  if (cb_seq != NULL) {
    ws_free(&reg->alloc, ws->cb_seq);
    ws->cb_seq = cb_seq;
  }
  ws->waiter = call;
  reg->parked++;
  call->state = WS_CALL_WAITING;
  call->runtime_split = (uint32_t)(ws->sent_errs.count
                                   + ws->cur_errs.count);
  ws_touch(reg, ws);
  ws_req_free(call);
  ws_try_send(reg, ws);
  if (call->state != WS_CALL_WAITING)
    return;
  if (!call->block) {
    ws_complete_wait(call, 0);
    return;
  }
  ws_heap_insert(call, uv_now(reg->loop)
                           + (uint64_t)reg->opt[WAITSET_OPT_COALESCE_DELAY_MS]
                           + call->timeout_ms);
}

static void
start_wait(waitset_call *call)
{
  waitset_registry *reg = call->reg;
  ws_req *r = call->req;
  ws_waitset *ws = ws_map_get(&reg->sets, r->waitset_id);
  int64_t delay = reg->opt[WAITSET_OPT_INITIAL_DELAY_MS];

  /* The waitset may have gone while the lookups ran. */
  if (ws == NULL) {
    fault_no_such_waitset(call, r->waitset_id);
    return;
  }
  call->ws = ws;
  ws_touch(reg, ws);
  call->timeout_ms = (uint32_t)r->timeout_ms;
  if (!r->block && !r->admin_request && delay > 0) {
    call->state = WS_CALL_DELAY;
    ws_list_push_back(&ws->delayed, &call->link);
    ws_heap_insert(call, uv_now(reg->loop) + (uint64_t)delay);
    return;
  }
  apply_wait(call);
}

static ws_waitset *
pick_victim(waitset_registry *reg, const char *owner_id)
{
  ws_owner *owner = ws_map_get(&reg->owners, owner_id);
  ws_waitset *victim = NULL;
  ws_list *it;

  if (owner == NULL
      || (int64_t)owner->count < reg->opt[WAITSET_OPT_MAX_WAITSETS_PER_OWNER])
    return NULL;
  for (it = owner->waitsets.next; it != &owner->waitsets; it = it->next) {
    ws_waitset *ws = WS_CONTAINER_OF(it, ws_waitset, owner_link);

    if (victim == NULL || ws->last_access < victim->last_access
        || (ws->last_access == victim->last_access
            && ws->serial < victim->serial))
      victim = ws;
  }
  return victim;
}

static void
respond_create(waitset_call *call, ws_waitset *ws)
{
  ws_arena *arena = NULL;
  waitset_response *resp = ws_response_new(call, &arena);
  waitset_account_error *errs = NULL;
  char types[16];
  size_t i;

  if (resp == NULL) {
    ws_finish_call(call, NULL, NULL);
    return;
  }
  ws_types_comma(ws->def_types, types);
  resp->waitset_id = ws_arena_strdup(arena, ws->id);
  resp->def_types = ws_arena_strdup(arena, types);
  resp->seq = "0";
  if (call->n_add_errs > 0) {
    errs = ws_arena_calloc(arena, call->n_add_errs, sizeof(*errs));
    if (errs != NULL) {
      for (i = 0; i < call->n_add_errs; i++) {
        errs[i].account_id = call->errs[i].id;
        errs[i].code = call->errs[i].code;
      }
    }
  }
  if (resp->waitset_id == NULL || resp->def_types == NULL
      || (call->n_add_errs > 0 && errs == NULL)) {
    ws_response_discard(call, arena);
    ws_finish_call(call, NULL, NULL);
    return;
  }
  resp->errors = errs;
  resp->error_count = call->n_add_errs;
  ws_finish_call(call, resp, arena);
}

static void
do_create(waitset_call *call)
{
  waitset_registry *reg = call->reg;
  ws_req *r = call->req;
  ws_waitset *ws;
  ws_waitset *victim = NULL;

  ws = ws_waitset_new(reg, r->def_types, r->all_accounts);
  if (ws == NULL || ws_map_reserve(&reg->alloc, &reg->sets) != 0) {
    ws_free(&reg->alloc, ws);
    fault_failure(call);
    return;
  }
  if (!ws->all)
    apply_adds(call, ws);
  if (!r->global_admin)
    victim = pick_victim(reg, r->owner);
  if (victim != NULL) {
    ws_log(reg, WAITSET_LOG_INFO,
           "waitset %s destroyed: evicted by the create of %s, owner %s "
           "at its limit of %lld waitsets",
           victim->id, ws->id, r->owner,
           (long long)reg->opt[WAITSET_OPT_MAX_WAITSETS_PER_OWNER]);
    ws_waitset_destroy(reg, victim);
  }
  if (ws_waitset_register(reg, ws, r->owner) != 0) {
    ws_waitset_destroy(reg, ws);
    fault_failure(call);
    return;
  }
  if (ws->all)
    ws_log(reg, WAITSET_LOG_INFO,
           "waitset %s created: owner %s, all accounts", ws->id, r->owner);
  else
    ws_log(reg, WAITSET_LOG_INFO,
           "waitset %s created: owner %s, %u accounts", ws->id, r->owner,
           (unsigned)ws->entries.count);
  respond_create(call, ws);
}

static void
do_destroy(waitset_call *call)
{
  ws_waitset *ws = call->ws;
  ws_arena *arena = NULL;
  waitset_response *resp = ws_response_new(call, &arena);

  if (resp != NULL) {
    resp->waitset_id = ws_arena_strdup(arena, ws->id);
    if (resp->waitset_id == NULL) {
      ws_response_discard(call, arena);
      resp = NULL;
      arena = NULL;
    }
  }
  call->ws = NULL;
  ws_log(call->reg, WAITSET_LOG_INFO, "waitset %s destroyed: request",
         ws->id);
  ws_waitset_destroy(call->reg, ws);
  ws_finish_call(call, resp, arena);
}

void
ws_call_resume(waitset_call *call)
{
  ws_list_remove(&call->link);
  if (check_access(call) != CHECK_OK)
    return;
  if (prepare_apply(call) != 0) {
    fault_failure(call);
    return;
  }
  if (call->op == WAITSET_OP_CREATE)
    do_create(call);
  else
    start_wait(call);
}

void
ws_call_timer_fired(waitset_call *call)
{
  if (call->state == WS_CALL_DELAY) {
    ws_list_remove(&call->link);
    apply_wait(call);
    return;
  }
  ws_complete_wait(call, 0);
}

/* Complete every call that waits for lookups with WAITSET_ECANCELED;
 * used when the registry closes. */
void
ws_call_cancel_all(waitset_registry *reg)
{
  while (!ws_list_empty(&reg->lookup_calls)) {
    waitset_call *call = WS_CONTAINER_OF(reg->lookup_calls.next,
                                         waitset_call, link);

    ws_list_remove(&call->link);
    detach_lookups(call);
    call->fail_status = WAITSET_ECANCELED;
    ws_finish_call(call, NULL, NULL);
  }
}

/* ------------------------------------------------------------------ */
/* Public entry points                                                 */

static int
request_copy(waitset_request *dst, const waitset_request *src)
{
  size_t need = offsetof(waitset_request, admin) + sizeof(src->admin);

  if (src->size < need || src->size > sizeof(*src))
    return WAITSET_EVERSION;
  memset(dst, 0, sizeof(*dst));
  memcpy(dst, src, src->size);
  if (dst->op < WAITSET_OP_CREATE || dst->op > WAITSET_OP_QUERY)
    return WAITSET_EINVAL;
  if ((dst->add_count > 0 && dst->add == NULL)
      || (dst->update_count > 0 && dst->update == NULL)
      || (dst->remove_count > 0 && dst->remove == NULL))
    return WAITSET_EINVAL;
  if (dst->add_count + dst->update_count + dst->remove_count > UINT16_MAX)
    return WAITSET_ERANGE;
  return 0;
}

static int
caller_copy(waitset_caller *dst, const waitset_caller *src)
{
  size_t need = offsetof(waitset_caller, flags) + sizeof(src->flags);

  if (src->size < need || src->size > sizeof(*src))
    return WAITSET_EVERSION;
  memset(dst, 0, sizeof(*dst));
  memcpy(dst, src, src->size);
  return 0;
}

static waitset_call *
call_new(waitset_registry *reg, const waitset_request *req,
         waitset_response_cb cb, void *user_data)
{
  waitset_call *call = ws_calloc(&reg->alloc, 1, sizeof(*call));

  if (call == NULL)
    return NULL;
  call->req = ws_calloc(&reg->alloc, 1, sizeof(*call->req));
  if (call->req == NULL) {
    ws_free(&reg->alloc, call);
    return NULL;
  }
  ws_arena_init(&call->req->arena, &reg->alloc);
  call->reg = reg;
  call->cb = cb;
  call->user_data = user_data;
  call->op = (uint8_t)req->op;
  call->admin = (uint8_t)(req->admin != 0);
  call->heap_index = UINT32_MAX;
  return call;
}

/* Run the steps after validation that need no lookup, and start the
 * lookups. Returns WAITSET_ENOMEM only before any side effect. */
static int
dispatch(waitset_call *call)
{
  ws_req *r = call->req;

  call->block = r->block;
  call->expand = r->expand;
  call->seq_num = r->seq_num;
  if (check_waitset(call, r) != CHECK_OK)
    return 0;
  switch (call->op) {
  case WAITSET_OP_DESTROY:
    do_destroy(call);
    return 0;
  case WAITSET_OP_QUERY:
    if (call->ws != NULL)
      ws_touch(call->reg, call->ws);
    ws_build_query(call, call->ws);
    return 0;
  default:
    break;
  }
  call->ws = NULL;
  return start_lookups(call);
}

int
waitset_execute(waitset_registry *reg, const waitset_caller *caller,
                const waitset_request *req, waitset_response_cb cb,
                void *user_data, waitset_call **out)
{
  waitset_request in;
  waitset_caller caller_in;
  waitset_call *call;
  int rc;

  if (reg == NULL || caller == NULL || req == NULL || cb == NULL)
    return WAITSET_EINVAL;
  if (reg->log_depth > 0)
    return WAITSET_ERECURSIVE;
  if (reg->closing)
    return WAITSET_ECLOSING;
  rc = caller_copy(&caller_in, caller);
  if (rc == 0)
    rc = request_copy(&in, req);
  if (rc != 0)
    return rc;
  if (ws_registry_reserve_call(reg) != 0)
    return WAITSET_ENOMEM;
  call = call_new(reg, &in, cb, user_data);
  if (call == NULL) {
    reg->calls_live--;
    return WAITSET_ENOMEM;
  }
  rc = validate(call, call->req, &caller_in, &in);
  if (rc == CHECK_OK && in.op == WAITSET_OP_WAIT) {
    call->seq = ws_strdup(&reg->alloc, call->req->seq);
    if (call->seq == NULL)
      rc = WAITSET_ENOMEM;
  }
  if (rc == CHECK_OK) {
    call->all = call->req->waitset_id != NULL
                && is_all_id(call->req->waitset_id);
    rc = dispatch(call);
  }
  if (rc == WAITSET_ENOMEM) {
    ws_call_free(call);
    return WAITSET_ENOMEM;
  }
  if (out != NULL)
    *out = call;
  return 0;
}

int
waitset_call_abandon(waitset_call *call)
{
  waitset_registry *reg;

  if (call == NULL)
    return WAITSET_EINVAL;
  reg = call->reg;
  if (reg->log_depth > 0)
    return WAITSET_ERECURSIVE;
  switch (call->state) {
  case WS_CALL_LOOKUP:
    detach_lookups(call);
    ws_list_remove(&call->link);
    break;
  case WS_CALL_DELAY:
    ws_list_remove(&call->link);
    ws_heap_remove(call);
    break;
  case WS_CALL_WAITING:
    /* The waitset keeps its data for the next Wait. */
    ws_detach_waiter(call);
    break;
  case WS_CALL_DONE:
    ws_list_remove(&call->link);
    break;
  case WS_CALL_DELIVER:
    /* Freed when its own callback returns. */
    call->abandoned = 1;
    return 0;
  default:
    return WAITSET_EINVAL;
  }
  ws_call_free(call);
  if (reg->closing)
    ws_registry_maybe_finish(reg);
  return 0;
}
