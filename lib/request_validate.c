/* SPDX-License-Identifier: MIT */
/* Request validation: faults, attribute and <a> checks, waitset checks. */
#include <stdio.h>
#include <string.h>

#include "request.h"

#define ALL_PREFIX "AllWaitSet-"

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
    char quoted[WS_QUOTE_MAX + 8];

    if (arg == NULL)
      goto fail;
    /* The detail quotes a client value too, so it is cut like the
     * reason: a megabyte of id must not come back as a megabyte. */
    ws_quote_value(quoted, sizeof(quoted), arg_id);
    arg->name = "id";
    arg->type = "STR";
    arg->value = ws_arena_strdup(arena, quoted);
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
int
ws_fault_quoted(waitset_call *call, int status, const char *prefix,
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
  return ws_fault_quoted(call, WAITSET_EINVALID_REQUEST, prefix, value, "\"",
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

void
ws_fault_failure(waitset_call *call)
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
      return ws_fault_quoted(call, WAITSET_EINVALID_REQUEST,
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
int
ws_validate(waitset_call *call, ws_req *r, const waitset_caller *caller,
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

int
ws_is_all_id(const char *id)
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

int
ws_fault_no_such_waitset(waitset_call *call, const char *id)
{
  return ws_fault_quoted(call, WAITSET_ENO_SUCH_WAITSET, "No such waitset: ",
                         id, "", id);
}

/* Run the waitset checks; sets call->ws for Wait, Destroy and a Query by
 * id. */
int
ws_check_waitset(waitset_call *call, ws_req *r)
{
  waitset_registry *reg = call->reg;
  ws_waitset *ws = NULL;

  switch (call->op) {
  case WAITSET_OP_CREATE:
    if (r->all_accounts && !r->global_admin)
      return fault_not_global_admin(call);
    return CHECK_OK;
  case WAITSET_OP_WAIT:
    if (ws_is_all_id(r->waitset_id) && !r->global_admin)
      return fault_not_global_admin(call);
    ws = ws_map_get(&reg->sets, r->waitset_id);
    if (ws == NULL)
      return ws_fault_no_such_waitset(call, r->waitset_id);
    if (strcmp(ws->owner->id, r->owner) != 0)
      return fault_not_owner(call);
    break;
  case WAITSET_OP_DESTROY:
    ws = ws_map_get(&reg->sets, r->waitset_id);
    if (ws == NULL)
      return ws_fault_quoted(call, WAITSET_EMAIL_NO_SUCH_WAITSET,
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
        return ws_fault_no_such_waitset(call, r->waitset_id);
    }
    break;
  default:
    break;
  }
  call->ws = ws;
  return CHECK_OK;
}
