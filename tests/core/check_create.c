/* SPDX-License-Identifier: MIT */
/* Tests of CreateWaitSetRequest: ids, default types, add errors, rights. */
#include <check.h>
#include <regex.h>
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

static int
matches(const char *pattern, const char *s)
{
  regex_t re;
  int rc;

  ck_assert_int_eq(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
  rc = regexec(&re, s, 0, NULL, 0);
  regfree(&re);
  return rc == 0;
}

static size_t
session_count(const char *ws)
{
  wt_response *q = wt_query(fx, ws);
  const wt_qwaitset *w = wt_find_qwaitset(q, ws);

  ck_assert_ptr_nonnull(w);
  return w->session_count;
}

START_TEST(create_basic_response)
{
  wt_request rq;
  wt_response *r;

  wt_req_create(&rq, "all");
  wt_req_add(&rq, WT_U1);
  r = wt_call(fx, wt_user(WT_U1), &rq);
  wt_assert_ok(r);
  ck_assert_ptr_nonnull(r->waitset_id);
  ck_assert_msg(matches("^WaitSet-[0-9a-f-]{36}$", r->waitset_id),
                "bad waitset id %s", r->waitset_id);
  ck_assert_str_eq(r->def_types, "f,m,c,a,t,d");
  ck_assert_str_eq(r->seq, "0");
  ck_assert_int_eq(r->canceled, 0);
  wt_assert_no_errors(r);
  wt_assert_no_accounts(r);
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 1);
}
END_TEST

START_TEST(create_ids_unique_uuid_v4)
{
  const char *a = wt_create(fx, wt_user(WT_U1), "m", WT_U1, NULL);
  const char *b = wt_create(fx, wt_user(WT_U1), "m", WT_U1, NULL);

  ck_assert_str_ne(a, b);
  /* Version 4 UUID: the version nibble is 4 and the variant is 8..b. */
  ck_assert_msg(matches("^WaitSet-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-"
                        "[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
                        a),
                "not a v4 UUID: %s", a);
}
END_TEST

static const struct {
  const char *in;
  const char *out;
} good_types[] = {
    {"all", "f,m,c,a,t,d"},   {" m , c ", "m,c"}, {"all,m", "f,m,c,a,t,d"},
    {"f,m,c,a,t,d", "f,m,c,a,t,d"}, {"d,f", "f,d"},  {"m,m", "m"},
    {"t,a", "a,t"},
};

START_TEST(create_def_types_canonical)
{
  wt_request rq;
  wt_response *r;

  wt_req_create(&rq, good_types[_i].in);
  wt_req_add(&rq, WT_U1);
  r = wt_call(fx, wt_user(WT_U1), &rq);
  wt_assert_ok(r);
  ck_assert_msg(strcmp(r->def_types, good_types[_i].out) == 0,
                "defTypes \"%s\": expected \"%s\", got \"%s\"",
                good_types[_i].in, good_types[_i].out, r->def_types);
}
END_TEST

static const char *const bad_types[] = {
    "", "x", "f,,m", "ALL", "fm", "M", "m,,c", "m,", ",m", "F", " ",
};

START_TEST(create_bad_def_types_rejected)
{
  wt_request rq;
  wt_response *r;
  char quoted[32];

  snprintf(quoted, sizeof(quoted), "\"%s\"", bad_types[_i]);
  wt_req_create(&rq, bad_types[_i]);
  wt_req_add(&rq, WT_U1);
  r = wt_call(fx, wt_user(WT_U1), &rq);
  wt_assert_fault(r, "service.INVALID_REQUEST", "defTypes", quoted);
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 0);
}
END_TEST

START_TEST(create_missing_def_types_rejected)
{
  wt_request rq;
  wt_response *r;

  wt_req_create(&rq, NULL);
  wt_req_add(&rq, WT_U1);
  r = wt_call(fx, wt_user(WT_U1), &rq);
  wt_assert_fault(r, "service.INVALID_REQUEST",
                  "invalid request: missing required attribute: defTypes",
                  NULL);
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 0);

  wt_req_create(&rq, NULL);
  wt_req_admin(&rq);
  wt_req_add(&rq, WT_U1);
  r = wt_call(fx, wt_global_admin(WT_AD), &rq);
  wt_assert_fault(r, "service.INVALID_REQUEST",
                  "missing required attribute: defTypes", NULL);
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 0);
}
END_TEST

START_TEST(create_duplicate_add_one_error)
{
  wt_request rq;
  wt_response *r;

  wt_req_create(&rq, "all");
  wt_req_add(&rq, WT_U1);
  wt_req_add(&rq, WT_U1);
  r = wt_call(fx, wt_user(WT_U1), &rq);
  wt_assert_ok(r);
  wt_assert_errors(r, 1, WT_U1, WAITSET_ACCOUNT_ALREADY_IN_SET_DURING_ADD);
  ck_assert_uint_eq(session_count(r->waitset_id), 1);
}
END_TEST

START_TEST(create_unknown_account_id_denied)
{
  wt_request rq;
  wt_response *r;

  wt_req_create(&rq, "all");
  wt_req_add(&rq, WT_U1);
  wt_req_add(&rq, WT_NOBODY);
  r = wt_call(fx, wt_user(WT_U1), &rq);
  wt_assert_fault(r, "service.PERM_DENIED", "can not access account",
                  WT_NOBODY);
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 0);
}
END_TEST

START_TEST(create_inaccessible_account_denied)
{
  wt_request rq;
  wt_response *r;

  wt_req_create(&rq, "m");
  wt_req_add(&rq, WT_U2);
  r = wt_call(fx, wt_user(WT_U1), &rq);
  wt_assert_fault(r, "service.PERM_DENIED", "cannot access account",
                  WT_U2_NAME);
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 0);
}
END_TEST

START_TEST(create_login_as_account_allowed)
{
  wt_request rq;
  wt_response *r;

  wt_account_grant(fx, WT_U1, WT_U2);
  wt_req_create(&rq, "m");
  wt_req_add(&rq, WT_U2);
  r = wt_call(fx, wt_user(WT_U1), &rq);
  wt_assert_ok(r);
  wt_assert_no_errors(r);
  ck_assert_uint_eq(session_count(r->waitset_id), 1);
}
END_TEST

START_TEST(create_remote_account_wrong_host)
{
  wt_request rq;
  wt_response *r;

  wt_req_create(&rq, "m");
  wt_req_add(&rq, WT_U9)->token = "1";
  r = wt_call(fx, wt_global_admin(WT_AD), &rq);
  wt_assert_ok(r);
  wt_assert_errors(r, 1, WT_U9, WAITSET_ACCOUNT_WRONG_HOST_FOR_ACCOUNT);
  ck_assert_uint_eq(session_count(r->waitset_id), 0);

  wt_req_create(&rq, "m");
  wt_req_add(&rq, WT_U9);
  r = wt_call(fx, wt_global_admin(WT_AD), &rq);
  wt_assert_errors(r, 1, WT_U9, WAITSET_ACCOUNT_WRONG_HOST_FOR_ACCOUNT);
  ck_assert_uint_eq(session_count(r->waitset_id), 0);
}
END_TEST

START_TEST(create_unknown_name_no_such_account)
{
  wt_request rq;
  wt_response *r;

  wt_req_create(&rq, "m");
  wt_req_add(&rq, NULL)->name = "nobody@ex.test";
  wt_req_add(&rq, WT_U1);
  r = wt_call(fx, wt_user(WT_U1), &rq);
  wt_assert_ok(r);
  wt_assert_errors(r, 1, "nobody@ex.test",
                   WAITSET_ACCOUNT_NO_SUCH_ACCOUNT);
  ck_assert_uint_eq(session_count(r->waitset_id), 1);
}
END_TEST

START_TEST(create_name_wins_over_id)
{
  wt_request rq;
  wt_response *q;
  wt_response *r;
  waitset_account_spec *a;
  const wt_qwaitset *w;

  wt_req_create(&rq, "m");
  a = wt_req_add(&rq, WT_U1);
  a->name = WT_U2_NAME;
  r = wt_call(fx, wt_global_admin(WT_AD), &rq);
  wt_assert_ok(r);
  wt_assert_no_errors(r);
  q = wt_query(fx, r->waitset_id);
  w = wt_find_qwaitset(q, r->waitset_id);
  ck_assert_ptr_nonnull(w);
  ck_assert_uint_eq(w->session_count, 1);
  ck_assert_ptr_nonnull(wt_find_session(w, WT_U2));
  ck_assert_ptr_null(wt_find_session(w, WT_U1));
}
END_TEST

START_TEST(create_error_ids_resolved_from_name)
{
  wt_request rq;
  wt_response *r;

  wt_req_create(&rq, "m");
  wt_req_add(&rq, WT_U1);
  wt_req_add(&rq, NULL)->name = WT_U1_NAME;
  r = wt_call(fx, wt_user(WT_U1), &rq);
  wt_assert_ok(r);
  wt_assert_errors(r, 1, WT_U1, WAITSET_ACCOUNT_ALREADY_IN_SET_DURING_ADD);
}
END_TEST

START_TEST(create_add_errors_in_document_order)
{
  wt_request rq;
  wt_response *r;

  wt_req_create(&rq, "m");
  wt_req_add(&rq, WT_U1);
  wt_req_add(&rq, WT_U9);
  wt_req_add(&rq, NULL)->name = "nobody@ex.test";
  wt_req_add(&rq, WT_U1);
  r = wt_call(fx, wt_global_admin(WT_AD), &rq);
  wt_assert_ok(r);
  wt_assert_errors(r, 3, WT_U9, WAITSET_ACCOUNT_WRONG_HOST_FOR_ACCOUNT,
                   "nobody@ex.test", WAITSET_ACCOUNT_NO_SUCH_ACCOUNT, WT_U1,
                   WAITSET_ACCOUNT_ALREADY_IN_SET_DURING_ADD);
}
END_TEST

START_TEST(create_failed_lookup_error_loading)
{
  wt_request rq;
  wt_response *r;

  wt_acct(fx, WT_U2)->status = WAITSET_ACCOUNT_FAILED;
  wt_req_create(&rq, "m");
  wt_req_add(&rq, WT_U2);
  r = wt_call(fx, wt_global_admin(WT_AD), &rq);
  wt_assert_ok(r);
  wt_assert_errors(r, 1, WT_U2, WAITSET_ACCOUNT_ERROR_LOADING_MAILBOX);
  ck_assert_uint_eq(session_count(r->waitset_id), 0);
}
END_TEST

START_TEST(create_admin_command_needs_admin_token)
{
  wt_request rq;
  wt_response *r;

  wt_req_create(&rq, "m");
  wt_req_admin(&rq);
  wt_req_add(&rq, WT_U1);
  r = wt_call(fx, wt_user(WT_U1), &rq);
  wt_assert_fault(r, "service.PERM_DENIED", "need adequate admin token",
                  NULL);
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 0);
}
END_TEST

START_TEST(create_without_token_auth_required)
{
  wt_request rq;
  wt_response *r;

  wt_req_create(&rq, "m");
  r = wt_call(fx, wt_anonymous(), &rq);
  wt_assert_fault(r, "service.AUTH_REQUIRED", NULL, NULL);
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 0);
}
END_TEST

START_TEST(create_without_accounts_allowed)
{
  wt_request rq;
  wt_response *r;

  wt_req_create(&rq, "m");
  r = wt_call(fx, wt_user(WT_U1), &rq);
  wt_assert_ok(r);
  ck_assert_str_eq(r->seq, "0");
  ck_assert_uint_eq(session_count(r->waitset_id), 0);
}
END_TEST

START_TEST(create_requested_account_owns)
{
  wt_request rq;
  wt_response *r;
  wt_response *q;
  const wt_qwaitset *w;

  wt_account_grant(fx, WT_U1, WT_U2);
  wt_req_create(&rq, "m");
  wt_req_add(&rq, WT_U2);
  r = wt_call(fx, wt_user_as(WT_U1, WT_U2), &rq);
  wt_assert_ok(r);
  q = wt_query(fx, r->waitset_id);
  w = wt_find_qwaitset(q, r->waitset_id);
  ck_assert_ptr_nonnull(w);
  ck_assert_str_eq(w->owner, WT_U2);

  wt_assert_seq(wt_poll(fx, wt_user(WT_U2), r->waitset_id, "0"), "0");
  wt_assert_fault(wt_poll(fx, wt_user(WT_U1), r->waitset_id, "0"),
                  "service.PERM_DENIED", "Not owner", NULL);
}
END_TEST

START_TEST(create_lowercases_account_ids)
{
  wt_request rq;
  wt_response *r;
  wt_response *q;
  const wt_qwaitset *w;
  const char *upper = "AAAAAAAA-0000-0000-0000-000000000001";

  wt_req_create(&rq, "m");
  wt_req_add(&rq, upper);
  r = wt_call(fx, wt_user(WT_U1), &rq);
  wt_assert_ok(r);
  wt_assert_no_errors(r);
  q = wt_query(fx, r->waitset_id);
  w = wt_find_qwaitset(q, r->waitset_id);
  ck_assert_ptr_nonnull(w);
  ck_assert_uint_eq(w->session_count, 1);
  ck_assert_str_eq(w->sessions[0].account_id, WT_U1);

  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_assert_has_account(wt_poll(fx, wt_user(WT_U1), r->waitset_id, "0"),
                        WT_U1);
}
END_TEST

START_TEST(create_slow_lookup_isolated)
{
  wt_request rq1;
  wt_request rq2;
  wt_response *slow;
  wt_response *fast;

  wt_acct(fx, WT_U1)->lookup_mode = WT_LOOKUP_HELD;
  wt_req_create(&rq1, "m");
  wt_req_add(&rq1, WT_U1);
  slow = wt_exec(fx, wt_global_admin(WT_AD), &rq1);
  wt_req_create(&rq2, "m");
  wt_req_add(&rq2, WT_U2);
  fast = wt_exec(fx, wt_global_admin(WT_AD), &rq2);
  wt_run_until_done(fx, fast);
  wt_assert_ok(fast);
  ck_assert_int_eq(slow->done, 0);
  ck_assert_uint_ge(wt_pending_lookups(fx), 1);

  ck_assert_uint_eq(wt_release_lookups(fx, WT_U1), 1);
  wt_run_until_done(fx, slow);
  wt_assert_ok(slow);
  wt_assert_no_errors(slow);
}
END_TEST

START_TEST(create_deferred_lookup_completes)
{
  wt_request rq;
  wt_response *r;

  wt_acct(fx, WT_U1)->lookup_mode = WT_LOOKUP_DEFERRED;
  wt_acct(fx, WT_U1)->lookup_delay_ms = 15;
  wt_req_create(&rq, "m");
  wt_req_add(&rq, WT_U1);
  r = wt_call(fx, wt_user(WT_U1), &rq);
  wt_assert_ok(r);
  wt_assert_no_errors(r);
  ck_assert_uint_ge(r->arrived_ms - r->started_ms, 14);
  ck_assert_uint_eq(session_count(r->waitset_id), 1);
}
END_TEST

static Suite *
create_suite(void)
{
  Suite *s = suite_create("create");
  TCase *tc = tcase_create("create");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, create_basic_response);
  tcase_add_test(tc, create_ids_unique_uuid_v4);
  tcase_add_loop_test(tc, create_def_types_canonical, 0,
                      sizeof(good_types) / sizeof(good_types[0]));
  tcase_add_loop_test(tc, create_bad_def_types_rejected, 0,
                      sizeof(bad_types) / sizeof(bad_types[0]));
  tcase_add_test(tc, create_missing_def_types_rejected);
  tcase_add_test(tc, create_duplicate_add_one_error);
  tcase_add_test(tc, create_unknown_account_id_denied);
  tcase_add_test(tc, create_inaccessible_account_denied);
  tcase_add_test(tc, create_login_as_account_allowed);
  tcase_add_test(tc, create_remote_account_wrong_host);
  tcase_add_test(tc, create_unknown_name_no_such_account);
  tcase_add_test(tc, create_name_wins_over_id);
  tcase_add_test(tc, create_error_ids_resolved_from_name);
  tcase_add_test(tc, create_add_errors_in_document_order);
  tcase_add_test(tc, create_failed_lookup_error_loading);
  tcase_add_test(tc, create_admin_command_needs_admin_token);
  tcase_add_test(tc, create_without_token_auth_required);
  tcase_add_test(tc, create_without_accounts_allowed);
  tcase_add_test(tc, create_requested_account_owns);
  tcase_add_test(tc, create_lowercases_account_ids);
  tcase_add_test(tc, create_slow_lookup_isolated);
  tcase_add_test(tc, create_deferred_lookup_completes);
  suite_add_tcase(s, tc);
  return s;
}

int
main(void)
{
  return wt_run_suite(create_suite());
}
