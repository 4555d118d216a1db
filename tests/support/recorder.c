/* SPDX-License-Identifier: MIT */
/* Response recorder, request helpers and assertions. */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wt_internal.h"

/* ------------------------------------------------------------------ */
/* Deep copies                                                         */

static void *
xcalloc(size_t n, size_t size)
{
  void *p;

  if (n == 0)
    return NULL;
  p = calloc(n, size);
  ck_assert_ptr_nonnull(p);
  return p;
}

static wt_item *
copy_items(const waitset_item_info *src, size_t n)
{
  wt_item *dst = xcalloc(n, sizeof(*dst));
  size_t i;

  for (i = 0; i < n; i++) {
    dst[i].id = src[i].id;
    dst[i].imap_uid = src[i].imap_uid;
    dst[i].type = src[i].type;
    dst[i].flags = src[i].flags;
    dst[i].folder_id = src[i].folder_id;
    dst[i].prev_folder_id = src[i].prev_folder_id;
    dst[i].change = src[i].change;
    dst[i].tags = wt_strdup(src[i].tags);
  }
  return dst;
}

static void
free_items(wt_item *items, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    free(items[i].tags);
  free(items);
}

static wt_error *
copy_errors(const waitset_account_error *src, size_t n)
{
  wt_error *dst = xcalloc(n, sizeof(*dst));
  size_t i;

  for (i = 0; i < n; i++) {
    dst[i].account_id = wt_strdup(src[i].account_id);
    dst[i].code = src[i].code;
  }
  return dst;
}

static void
free_errors(wt_error *e, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    free(e[i].account_id);
  free(e);
}

static void
copy_signal(wt_signal *dst, const waitset_signal *src)
{
  size_t i, k;

  dst->account_id = wt_strdup(src->account_id);
  dst->change_id = src->change_id;
  dst->detail_lost = src->detail_lost;
  dst->mods_count = src->mods_count;
  dst->mods = xcalloc(src->mods_count, sizeof(*dst->mods));
  for (i = 0; i < src->mods_count; i++) {
    const waitset_folder_mods *m = &src->mods[i];
    wt_mods *d = &dst->mods[i];

    d->folder_id = m->folder_id;
    d->created = copy_items(m->created, m->created_count);
    d->created_count = m->created_count;
    d->deleted = copy_items(m->deleted, m->deleted_count);
    d->deleted_count = m->deleted_count;
    d->modified = copy_items(m->modified, m->modified_count);
    d->modified_count = m->modified_count;
    d->modified_tags = xcalloc(m->modified_tag_count, sizeof(wt_tag));
    d->modified_tag_count = m->modified_tag_count;
    for (k = 0; k < m->modified_tag_count; k++) {
      d->modified_tags[k].id = m->modified_tags[k].id;
      d->modified_tags[k].change = m->modified_tags[k].change;
      d->modified_tags[k].name = wt_strdup(m->modified_tags[k].name);
    }
  }
}

static void
free_signal(wt_signal *s)
{
  size_t i, k;

  free(s->account_id);
  for (i = 0; i < s->mods_count; i++) {
    wt_mods *m = &s->mods[i];

    free_items(m->created, m->created_count);
    free_items(m->deleted, m->deleted_count);
    free_items(m->modified, m->modified_count);
    for (k = 0; k < m->modified_tag_count; k++)
      free(m->modified_tags[k].name);
    free(m->modified_tags);
  }
  free(s->mods);
}

static void
copy_qwaitset(wt_qwaitset *d, const waitset_query_waitset *w)
{
  size_t i;

  d->id = wt_strdup(w->id);
  d->owner = wt_strdup(w->owner);
  d->def_types = wt_strdup(w->def_types);
  d->cb_seq = wt_strdup(w->cb_seq);
  d->current_seq = wt_strdup(w->current_seq);
  d->next_seq = wt_strdup(w->next_seq);
  d->last_access_ms = w->last_access_ms;
  d->session_count = w->session_count;
  d->sessions = xcalloc(w->session_count, sizeof(*d->sessions));
  for (i = 0; i < w->session_count; i++) {
    const waitset_query_session *s = &w->sessions[i];
    wt_session *t = &d->sessions[i];

    t->account_id = wt_strdup(s->account_id);
    t->types = wt_strdup(s->types);
    t->token = wt_strdup(s->token);
    t->interest_mask = wt_strdup(s->interest_mask);
    t->session_id = wt_strdup(s->session_id);
    t->folder_interests = wt_strdup(s->folder_interests);
    t->attached = s->attached;
    t->has_mbox_sync_token = s->has_mbox_sync_token;
    t->mbox_sync_token = s->mbox_sync_token;
    t->mbox_sync_token_diff = s->mbox_sync_token_diff;
    t->highest_change_id = s->highest_change_id;
    t->last_access_ms = s->last_access_ms;
    t->creation_ms = s->creation_ms;
  }
  d->errors = copy_errors(w->errors, w->error_count);
  d->error_count = w->error_count;
  d->ready_count = w->ready_count;
  d->ready = xcalloc(w->ready_count, sizeof(char *));
  for (i = 0; i < w->ready_count; i++)
    d->ready[i] = wt_strdup(w->ready[i]);
}

static void
free_qwaitset(wt_qwaitset *d)
{
  size_t i;

  free(d->id);
  free(d->owner);
  free(d->def_types);
  free(d->cb_seq);
  free(d->current_seq);
  free(d->next_seq);
  for (i = 0; i < d->session_count; i++) {
    wt_session *t = &d->sessions[i];

    free(t->account_id);
    free(t->types);
    free(t->token);
    free(t->interest_mask);
    free(t->session_id);
    free(t->folder_interests);
  }
  free(d->sessions);
  free_errors(d->errors, d->error_count);
  for (i = 0; i < d->ready_count; i++)
    free(d->ready[i]);
  free(d->ready);
}

void
wt_record_response(wt_response *r, const waitset_response *resp,
                   uint64_t now)
{
  size_t i;

  r->done++;
  if (r->done > 1)
    return; /* a second response: not recorded, flagged at teardown */
  r->arrived_ms = now;
  r->op = resp->op;
  r->admin = resp->admin;
  r->status = resp->status;
  r->fault_reason = wt_strdup(resp->fault_reason);
  r->fault_arg_count = resp->fault_arg_count;
  r->fault_arg_names = xcalloc(resp->fault_arg_count, sizeof(char *));
  r->fault_arg_values = xcalloc(resp->fault_arg_count, sizeof(char *));
  for (i = 0; i < resp->fault_arg_count; i++) {
    r->fault_arg_names[i] = wt_strdup(resp->fault_args[i].name);
    r->fault_arg_values[i] = wt_strdup(resp->fault_args[i].value);
  }
  r->waitset_id = wt_strdup(resp->waitset_id);
  r->def_types = wt_strdup(resp->def_types);
  r->seq = wt_strdup(resp->seq);
  r->canceled = resp->canceled;
  r->signal_count = resp->signal_count;
  r->signals = xcalloc(resp->signal_count, sizeof(*r->signals));
  for (i = 0; i < resp->signal_count; i++)
    copy_signal(&r->signals[i], &resp->signals[i]);
  r->errors = copy_errors(resp->errors, resp->error_count);
  r->error_count = resp->error_count;
  r->waitset_count = resp->waitset_count;
  r->waitsets = xcalloc(resp->waitset_count, sizeof(*r->waitsets));
  for (i = 0; i < resp->waitset_count; i++)
    copy_qwaitset(&r->waitsets[i], &resp->waitsets[i]);
}

void
wt_response_free(wt_response *r)
{
  size_t i;

  free(r->fault_reason);
  for (i = 0; i < r->fault_arg_count; i++) {
    free(r->fault_arg_names[i]);
    free(r->fault_arg_values[i]);
  }
  free(r->fault_arg_names);
  free(r->fault_arg_values);
  free(r->waitset_id);
  free(r->def_types);
  free(r->seq);
  for (i = 0; i < r->signal_count; i++)
    free_signal(&r->signals[i]);
  free(r->signals);
  free_errors(r->errors, r->error_count);
  for (i = 0; i < r->waitset_count; i++)
    free_qwaitset(&r->waitsets[i]);
  free(r->waitsets);
  free(r);
}

/* ------------------------------------------------------------------ */
/* Executing requests                                                  */

static void
on_response(waitset_registry *reg, const waitset_response *resp,
            void *user_data)
{
  wt_response *r = user_data;
  wt_fixture *fx = r->fx;

  (void)reg;
  ck_assert_ptr_nonnull(resp);
  if (r->done == 0)
    fx->response_count++;
  wt_record_response(r, resp, uv_now(&fx->loop));
  r->call = NULL;
}

static wt_response *
new_response(wt_fixture *fx)
{
  wt_response *r = xcalloc(1, sizeof(*r));

  r->fx = fx;
  r->next = fx->responses;
  fx->responses = r;
  uv_update_time(&fx->loop);
  r->started_ms = uv_now(&fx->loop);
  return r;
}

wt_response *
wt_exec_rc(wt_fixture *fx, waitset_caller caller, const wt_request *rq)
{
  wt_response *r = new_response(fx);

  r->rc = waitset_execute(fx->reg, &caller, &rq->req, on_response, r,
                          &r->call);
  ck_assert_msg(r->done == 0,
                "the callback ran inside waitset_execute()");
  if (r->rc != 0)
    r->call = NULL;
  return r;
}

wt_response *
wt_exec_at(const char *file, int line, wt_fixture *fx, waitset_caller caller,
           const wt_request *rq)
{
  wt_response *r = wt_exec_rc(fx, caller, rq);

  ck_assert_msg(r->rc == 0, "%s:%d: waitset_execute returned %s", file,
                line, waitset_err_name(r->rc));
  return r;
}

void
wt_abandon(wt_response *r)
{
  ck_assert_ptr_nonnull(r->call);
  ck_assert_int_eq(waitset_call_abandon(r->call), 0);
  r->call = NULL;
}

wt_response *
wt_call_at(const char *file, int line, wt_fixture *fx, waitset_caller caller,
           const wt_request *rq)
{
  wt_response *r = wt_exec_at(file, line, fx, caller, rq);

  wt_run_until_done_at(file, line, fx, r);
  return r;
}

static void
keep_string(wt_fixture *fx, char *s)
{
  char **grown = realloc(fx->strings,
                         (fx->string_count + 1) * sizeof(char *));

  ck_assert_ptr_nonnull(grown);
  fx->strings = grown;
  fx->strings[fx->string_count++] = s;
}

const char *
wt_create_at(const char *file, int line, wt_fixture *fx,
             waitset_caller caller, const char *def_types, ...)
{
  wt_request rq;
  wt_response *r;
  va_list ap;
  const char *id;
  char *copy;

  wt_req_create(&rq, def_types);
  va_start(ap, def_types);
  while ((id = va_arg(ap, const char *)) != NULL)
    wt_req_add(&rq, id);
  va_end(ap);
  r = wt_call_at(file, line, fx, caller, &rq);
  wt_assert_ok_at(file, line, r);
  wt_assert_errors_at(file, line, r, 0);
  ck_assert_msg(r->waitset_id != NULL, "%s:%d: create without waitSet",
                file, line);
  copy = wt_strdup(r->waitset_id);
  keep_string(fx, copy);
  return copy;
}

wt_response *
wt_poll_at(const char *file, int line, wt_fixture *fx, waitset_caller caller,
           const char *ws, const char *seq, int expand)
{
  wt_request rq;

  wt_req_wait(&rq, ws, seq);
  if (expand)
    rq.req.expand = "1";
  return wt_call_at(file, line, fx, caller, &rq);
}

wt_response *
wt_query_at(const char *file, int line, wt_fixture *fx, const char *ws)
{
  wt_request rq;
  wt_response *r;

  wt_req_query(&rq, ws);
  r = wt_call_at(file, line, fx, wt_global_admin(WT_AD), &rq);
  wt_assert_ok_at(file, line, r);
  return r;
}

/* ------------------------------------------------------------------ */
/* Lookups in responses                                                */

const wt_signal *
wt_find_signal(const wt_response *r, const char *account)
{
  size_t i;

  for (i = 0; i < r->signal_count; i++)
    if (r->signals[i].account_id != NULL &&
        strcmp(r->signals[i].account_id, account) == 0)
      return &r->signals[i];
  return NULL;
}

const wt_mods *
wt_find_mods(const wt_signal *s, int32_t folder_id)
{
  size_t i;

  for (i = 0; i < s->mods_count; i++)
    if (s->mods[i].folder_id == folder_id)
      return &s->mods[i];
  return NULL;
}

const wt_qwaitset *
wt_find_qwaitset(const wt_response *r, const char *id)
{
  size_t i;

  for (i = 0; i < r->waitset_count; i++)
    if (r->waitsets[i].id != NULL && strcmp(r->waitsets[i].id, id) == 0)
      return &r->waitsets[i];
  return NULL;
}

const wt_session *
wt_find_session(const wt_qwaitset *w, const char *account)
{
  size_t i;

  for (i = 0; i < w->session_count; i++)
    if (w->sessions[i].account_id != NULL &&
        strcmp(w->sessions[i].account_id, account) == 0)
      return &w->sessions[i];
  return NULL;
}

/* ------------------------------------------------------------------ */
/* Assertions                                                          */

static const char *
str_or_null(const char *s)
{
  return s != NULL ? s : "(null)";
}

static void
assert_answered(const char *file, int line, const wt_response *r)
{
  ck_assert_msg(r->done == 1, "%s:%d: expected one response, got %d", file,
                line, r->done);
}

void
wt_assert_ok_at(const char *file, int line, const wt_response *r)
{
  assert_answered(file, line, r);
  ck_assert_msg(r->status == 0, "%s:%d: expected success, got %s (%s: %s)",
                file, line, waitset_err_name(r->status),
                waitset_fault_code(r->status), str_or_null(r->fault_reason));
}

void
wt_assert_seq_at(const char *file, int line, const wt_response *r,
                 const char *seq)
{
  wt_assert_ok_at(file, line, r);
  ck_assert_msg(!r->canceled, "%s:%d: expected seq \"%s\", got canceled",
                file, line, seq);
  ck_assert_msg(r->seq != NULL && strcmp(r->seq, seq) == 0,
                "%s:%d: expected seq \"%s\", got \"%s\"", file, line, seq,
                str_or_null(r->seq));
}

const wt_signal *
wt_assert_has_account_at(const char *file, int line, const wt_response *r,
                         const char *account)
{
  const wt_signal *s;

  wt_assert_ok_at(file, line, r);
  s = wt_find_signal(r, account);
  ck_assert_msg(s != NULL, "%s:%d: account %s not signalled (%zu signals)",
                file, line, account, r->signal_count);
  return s;
}

void
wt_assert_no_account_at(const char *file, int line, const wt_response *r,
                        const char *account)
{
  wt_assert_ok_at(file, line, r);
  ck_assert_msg(wt_find_signal(r, account) == NULL,
                "%s:%d: account %s signalled unexpectedly", file, line,
                account);
}

void
wt_assert_accounts_at(const char *file, int line, const wt_response *r, ...)
{
  va_list ap;
  const char *id;
  size_t n = 0;

  wt_assert_ok_at(file, line, r);
  va_start(ap, r);
  while ((id = va_arg(ap, const char *)) != NULL) {
    ck_assert_msg(wt_find_signal(r, id) != NULL,
                  "%s:%d: account %s not signalled", file, line, id);
    n++;
  }
  va_end(ap);
  ck_assert_msg(r->signal_count == n,
                "%s:%d: expected %zu signalled accounts, got %zu%s%s", file,
                line, n, r->signal_count, r->signal_count ? ", first " : "",
                r->signal_count ? str_or_null(r->signals[0].account_id)
                                : "");
}

void
wt_assert_errors_at(const char *file, int line, const wt_response *r,
                    size_t n, ...)
{
  va_list ap;
  size_t i;

  assert_answered(file, line, r);
  ck_assert_msg(r->error_count == n,
                "%s:%d: expected %zu errors, got %zu%s%s/%s", file, line, n,
                r->error_count, r->error_count ? ", first " : "",
                r->error_count ? str_or_null(r->errors[0].account_id) : "",
                r->error_count
                    ? str_or_null(waitset_account_error_name(
                          r->errors[0].code))
                    : "");
  va_start(ap, n);
  for (i = 0; i < n; i++) {
    const char *id = va_arg(ap, const char *);
    int code = va_arg(ap, int);

    ck_assert_msg(r->errors[i].account_id != NULL &&
                      strcmp(r->errors[i].account_id, id) == 0,
                  "%s:%d: error %zu: expected id %s, got %s", file, line, i,
                  id, str_or_null(r->errors[i].account_id));
    ck_assert_msg(r->errors[i].code == code,
                  "%s:%d: error %zu: expected %s, got %s", file, line, i,
                  str_or_null(waitset_account_error_name(code)),
                  str_or_null(waitset_account_error_name(r->errors[i].code)));
  }
  va_end(ap);
}

void
wt_assert_fault_at(const char *file, int line, const wt_response *r,
                   const char *code, const char *s1, const char *s2)
{
  assert_answered(file, line, r);
  ck_assert_msg(r->status < 0, "%s:%d: expected fault %s, got success",
                file, line, code);
  ck_assert_msg(strcmp(waitset_fault_code(r->status), code) == 0,
                "%s:%d: expected fault %s, got %s (%s)", file, line, code,
                waitset_fault_code(r->status), str_or_null(r->fault_reason));
  ck_assert_msg(r->fault_reason != NULL, "%s:%d: fault without a reason",
                file, line);
  if (s1 != NULL)
    ck_assert_msg(strstr(r->fault_reason, s1) != NULL,
                  "%s:%d: reason \"%s\" lacks \"%s\"", file, line,
                  r->fault_reason, s1);
  if (s2 != NULL)
    ck_assert_msg(strstr(r->fault_reason, s2) != NULL,
                  "%s:%d: reason \"%s\" lacks \"%s\"", file, line,
                  r->fault_reason, s2);
}

void
wt_assert_canceled_at(const char *file, int line, const wt_response *r)
{
  wt_assert_ok_at(file, line, r);
  ck_assert_msg(r->canceled == 1, "%s:%d: expected canceled=1, got seq %s",
                file, line, str_or_null(r->seq));
  ck_assert_msg(r->seq == NULL, "%s:%d: canceled response with seq \"%s\"",
                file, line, r->seq);
  ck_assert_msg(r->signal_count == 0,
                "%s:%d: canceled response with %zu signals", file, line,
                r->signal_count);
}

int
wt_run_suite(Suite *s)
{
  SRunner *sr = srunner_create(s);
  int failed;

  srunner_set_tap(sr, "-");
  srunner_run_all(sr, CK_SILENT);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
