/* SPDX-License-Identifier: MIT */
/* Tests of QueryWaitSet output and its permission rule. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "wt.h"

static wt_fixture *fx;

static void
setup(void)
{
  fx = wt_fixture_new(NULL);
}

static void
teardown(void)
{
  wt_fixture_free(fx);
  fx = NULL;
}

#define U1C wt_user(WT_U1)
#define ADC wt_global_admin(WT_AD)

static const wt_qwaitset *
query_one(const char *ws)
{
  wt_response *q = wt_query(fx, ws);
  const wt_qwaitset *w;

  ck_assert_uint_eq(q->waitset_count, 1);
  w = wt_find_qwaitset(q, ws);
  ck_assert_ptr_nonnull(w);
  return w;
}

static const char *
create_types(const char *def_types, const char *acct, const char *types)
{
  wt_request rq;
  wt_response *r;

  wt_req_create(&rq, def_types);
  if (acct != NULL)
    wt_req_add(&rq, acct)->types = types;
  r = wt_call(fx, ADC, &rq);
  wt_assert_ok(r);
  return r->waitset_id;
}

START_TEST(query_denied_without_global_admin)
{
  wt_request rq;

  wt_create(fx, U1C, "all", WT_U1, NULL);
  wt_req_query(&rq, NULL);
  wt_assert_fault(wt_call(fx, wt_admin(WT_AD), &rq), "service.PERM_DENIED",
                  NULL, NULL);
  wt_assert_fault(wt_call(fx, U1C, &rq), "service.PERM_DENIED", NULL, NULL);
}
END_TEST

START_TEST(query_denied_before_lookup)
{
  wt_request rq;

  wt_req_query(&rq, "WaitSet-00000000-0000-0000-0000-000000000000");
  wt_assert_fault(wt_call(fx, wt_admin(WT_AD), &rq), "service.PERM_DENIED",
                  NULL, NULL);
}
END_TEST

START_TEST(query_unknown_id_fault)
{
  wt_request rq;

  wt_req_query(&rq, "WaitSet-00000000-0000-0000-0000-000000000000");
  wt_assert_fault(wt_call(fx, ADC, &rq), "admin.NO_SUCH_WAITSET",
                  "No such waitset: ", NULL);
}
END_TEST

START_TEST(query_basic_waitset)
{
  const char *ws = wt_create(fx, U1C, "all", WT_U1, NULL);
  const wt_qwaitset *w = query_one(ws);
  const wt_session *s;

  ck_assert_str_eq(w->owner, WT_U1);
  ck_assert_str_eq(w->def_types, "all");
  ck_assert_str_eq(w->cb_seq, "0");
  ck_assert_str_eq(w->current_seq, "1");
  ck_assert_ptr_null(w->next_seq);
  ck_assert_int_gt(w->last_access_ms, 1000000000000LL);
  ck_assert_uint_eq(w->session_count, 1);
  s = &w->sessions[0];
  ck_assert_str_eq(s->account_id, WT_U1);
  ck_assert_str_eq(s->types, "all");
  ck_assert_int_eq(s->attached, 1);
  ck_assert_str_eq(s->interest_mask, "f,m,c,a,t,d");
  ck_assert_int_eq(s->highest_change_id, 100);
  ck_assert_ptr_nonnull(s->session_id);
  ck_assert_ptr_null(s->folder_interests);
  ck_assert_ptr_null(s->token);
  ck_assert_uint_eq(w->error_count, 0);
  ck_assert_uint_eq(w->ready_count, 0);
}
END_TEST

static const struct {
  const char *in;
  const char *compact;
  const char *mask;
} type_forms[] = {
    {"a,d,f", "fda", "f,a,d"}, {"m,c", "mc", "m,c"},
    {"all", "all", "f,m,c,a,t,d"}, {"t,a,d,c,m,f", "all", "f,m,c,a,t,d"},
    {"d,t,a", "dat", "a,t,d"},
};

START_TEST(query_type_forms)
{
  const char *ws = create_types("m", WT_U1, type_forms[_i].in);
  const wt_qwaitset *w = query_one(ws);
  const wt_session *s = wt_find_session(w, WT_U1);

  ck_assert_ptr_nonnull(s);
  ck_assert_msg(strcmp(s->types, type_forms[_i].compact) == 0,
                "types %s: compact \"%s\", expected \"%s\"",
                type_forms[_i].in, s->types, type_forms[_i].compact);
  ck_assert_msg(strcmp(s->interest_mask, type_forms[_i].mask) == 0,
                "types %s: mask \"%s\", expected \"%s\"", type_forms[_i].in,
                s->interest_mask, type_forms[_i].mask);
  ws = create_types(type_forms[_i].in, NULL, NULL);
  w = query_one(ws);
  ck_assert_str_eq(w->def_types, type_forms[_i].compact);
}
END_TEST

START_TEST(query_session_only_when_attached)
{
  const char *ws;
  const wt_session *s;

  wt_acct(fx, WT_U3)->status = WAITSET_ACCOUNT_MAINTENANCE;
  ws = create_types("m", WT_U3, NULL);
  s = wt_find_session(query_one(ws), WT_U3);
  ck_assert_ptr_nonnull(s);
  ck_assert_int_eq(s->attached, 0);
  ck_assert_ptr_null(s->interest_mask);
  ck_assert_ptr_null(s->session_id);
}
END_TEST

START_TEST(query_mbox_sync_needs_listener)
{
  wt_request rq;
  wt_response *r;
  const wt_session *s;

  wt_acct(fx, WT_U3)->status = WAITSET_ACCOUNT_MAINTENANCE;
  wt_req_create(&rq, "m");
  wt_req_add(&rq, WT_U3)->token = "90";
  r = wt_call(fx, ADC, &rq);
  wt_assert_ok(r);
  s = wt_find_session(query_one(r->waitset_id), WT_U3);
  ck_assert_ptr_nonnull(s);
  ck_assert_str_eq(s->token, "90");
  ck_assert_int_eq(s->has_mbox_sync_token, 0);
}
END_TEST

START_TEST(query_token_canonical)
{
  wt_request rq;
  wt_response *r;
  const wt_session *s;

  wt_req_create(&rq, "m");
  wt_req_add(&rq, WT_U1)->token = "123-032:d0345-908";
  r = wt_call(fx, ADC, &rq);
  s = wt_find_session(query_one(r->waitset_id), WT_U1);
  ck_assert_str_eq(s->token, "123-32:d345-908");
}
END_TEST

START_TEST(query_folder_interests_listed)
{
  wt_request rq;
  wt_response *r;
  const wt_session *s;

  wt_req_create(&rq, "m");
  wt_req_add(&rq, WT_U1)->folder_interests = "257";
  r = wt_call(fx, ADC, &rq);
  s = wt_find_session(query_one(r->waitset_id), WT_U1);
  ck_assert_str_eq(s->folder_interests, "257");
}
END_TEST

START_TEST(query_ready_only_unsent)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  const wt_qwaitset *w;

  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  w = query_one(ws);
  ck_assert_uint_eq(w->ready_count, 1);
  ck_assert_str_eq(w->ready[0], WT_U1);
  wt_assert_seq(wt_poll(fx, ADC, ws, "0"), "2");
  w = query_one(ws);
  ck_assert_uint_eq(w->ready_count, 0);
  ck_assert_str_eq(w->current_seq, "2");
  ck_assert_str_eq(w->cb_seq, "0");
}
END_TEST

START_TEST(query_errors_only_unsent)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, WT_U2, NULL);
  const wt_qwaitset *w;

  ck_assert_int_eq(waitset_mailbox_deleted(wt_registry(fx), WT_U1), 0);
  w = query_one(ws);
  ck_assert_uint_eq(w->error_count, 1);
  ck_assert_str_eq(w->errors[0].account_id, WT_U1);
  ck_assert_int_eq(w->errors[0].code, WAITSET_ACCOUNT_MAILBOX_DELETED);
  ck_assert_ptr_null(wt_find_session(w, WT_U1));
  wt_assert_seq(wt_poll(fx, ADC, ws, "0"), "2");
  w = query_one(ws);
  ck_assert_uint_eq(w->error_count, 0);
}
END_TEST

START_TEST(query_all_without_id)
{
  const char *a = wt_create(fx, U1C, "m", NULL);
  const char *b = wt_create(fx, wt_user(WT_U2), "c", NULL);
  wt_response *q = wt_query(fx, NULL);

  ck_assert_uint_eq(q->waitset_count, 2);
  ck_assert_str_eq(wt_find_qwaitset(q, a)->owner, WT_U1);
  ck_assert_str_eq(wt_find_qwaitset(q, b)->owner, WT_U2);
}
END_TEST

START_TEST(query_by_id_refreshes_ld)
{
  const char *ws = wt_create(fx, U1C, "m", NULL);
  int64_t before;
  int64_t after;
  wt_response *q;

  q = wt_query(fx, NULL);
  before = wt_find_qwaitset(q, ws)->last_access_ms;
  wt_run_for(fx, 10);
  q = wt_query(fx, NULL);
  ck_assert_int_eq(wt_find_qwaitset(q, ws)->last_access_ms, before);
  wt_query(fx, ws);
  q = wt_query(fx, NULL);
  after = wt_find_qwaitset(q, ws)->last_access_ms;
  ck_assert_int_ge(after, before + 8);
}
END_TEST

START_TEST(query_cb_seq_of_latest_wait)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);

  wt_assert_seq(wt_poll(fx, ADC, ws, "7"), "7");
  ck_assert_str_eq(query_one(ws)->cb_seq, "7");
}
END_TEST

static Suite *
query_suite(void)
{
  Suite *s = suite_create("query");
  TCase *tc = tcase_create("query");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, query_denied_without_global_admin);
  tcase_add_test(tc, query_denied_before_lookup);
  tcase_add_test(tc, query_unknown_id_fault);
  tcase_add_test(tc, query_basic_waitset);
  tcase_add_loop_test(tc, query_type_forms, 0,
                      sizeof(type_forms) / sizeof(type_forms[0]));
  tcase_add_test(tc, query_session_only_when_attached);
  tcase_add_test(tc, query_mbox_sync_needs_listener);
  tcase_add_test(tc, query_token_canonical);
  tcase_add_test(tc, query_folder_interests_listed);
  tcase_add_test(tc, query_ready_only_unsent);
  tcase_add_test(tc, query_errors_only_unsent);
  tcase_add_test(tc, query_all_without_id);
  tcase_add_test(tc, query_by_id_refreshes_ld);
  tcase_add_test(tc, query_cb_seq_of_latest_wait);
  suite_add_tcase(s, tc);
  return s;
}

int
main(void)
{
  return wt_run_suite(query_suite());
}
