/* SPDX-License-Identifier: MIT */
/* Tests of sync tokens: syntax, canonical print and signal decisions. */
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

static void
use_long_timeouts(void)
{
  wt_config cfg;

  wt_fixture_free(fx);
  wt_config_long_timeouts(&cfg);
  fx = wt_fixture_new(&cfg);
}

#define ADC wt_global_admin(WT_AD)

/* Create a waitset on "m" watching acct with the given token (and types
 * and folder interests when not NULL); returns its id. */
static const char *
create_with_token(const char *acct, const char *token, const char *types,
                  const char *folders)
{
  wt_request rq;
  wt_response *r;
  waitset_account_spec *a;

  wt_req_create(&rq, "m");
  a = wt_req_add(&rq, acct);
  a->token = token;
  a->types = types;
  a->folder_interests = folders;
  r = wt_call(fx, ADC, &rq);
  wt_assert_ok(r);
  wt_assert_no_errors(r);
  return r->waitset_id;
}

static const wt_session *
session_of(const char *ws, const char *acct)
{
  wt_response *q = wt_query(fx, ws);
  const wt_qwaitset *w = wt_find_qwaitset(q, ws);
  const wt_session *s;

  ck_assert_ptr_nonnull(w);
  s = wt_find_session(w, acct);
  ck_assert_ptr_nonnull(s);
  return s;
}

START_TEST(token_up_to_date_no_signal)
{
  const char *ws = create_with_token(WT_U2, "100", NULL, NULL);
  wt_response *r = wt_poll(fx, ADC, ws, "0");

  wt_assert_seq(r, "0");
  wt_assert_no_accounts(r);
}
END_TEST

START_TEST(token_ahead_no_signal)
{
  const char *ws = create_with_token(WT_U2, "150", NULL, NULL);

  wt_assert_no_accounts(wt_poll(fx, ADC, ws, "0"));
}
END_TEST

START_TEST(token_behind_signals_at_once)
{
  const char *ws = create_with_token(WT_U2, "99", NULL, NULL);
  wt_response *r = wt_poll(fx, ADC, ws, "0");

  wt_assert_seq(r, "2");
  wt_assert_accounts(r, WT_U2);
  ck_assert_int_eq(wt_find_signal(r, WT_U2)->change_id, 100);
}
END_TEST

START_TEST(token_behind_in_blocking_add)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  wt_request rq;
  wt_response *r;

  wt_req_wait(&rq, ws, "0");
  rq.req.block = "1";
  wt_req_add(&rq, WT_U2)->token = "99";
  r = wt_call(fx, ADC, &rq);
  wt_assert_seq(r, "2");
  wt_assert_accounts(r, WT_U2);
  ck_assert_uint_lt(r->arrived_ms - r->started_ms, WT_AT_ONCE_MS);
}
END_TEST

START_TEST(token_up_to_date_add_leaves_others)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  wt_request rq;
  wt_response *r;

  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_acct(fx, WT_U3)->last_change_id = 100;
  wt_req_wait(&rq, ws, "0");
  rq.req.block = "1";
  wt_req_add(&rq, WT_U3)->token = "100";
  r = wt_call(fx, ADC, &rq);
  wt_assert_seq(r, "2");
  wt_assert_accounts(r, WT_U1);
  wt_deliver(fx, WT_U3, WT_INBOX, 301);
  wt_assert_accounts(wt_poll(fx, ADC, ws, "2"), WT_U3);
}
END_TEST

START_TEST(token_signal_ignores_filters)
{
  const char *ws = create_with_token(WT_U1, "50", "c", "257");

  wt_assert_accounts(wt_poll(fx, ADC, ws, "0"), WT_U1);
}
END_TEST

START_TEST(token_suppresses_until_passed)
{
  const char *ws = create_with_token(WT_U1, "102", NULL, NULL);

  wt_deliver(fx, WT_U1, WT_INBOX, 300); /* 101 */
  wt_assert_no_accounts(wt_poll(fx, ADC, ws, "0"));
  wt_deliver(fx, WT_U1, WT_INBOX, 301); /* 102 */
  wt_assert_no_accounts(wt_poll(fx, ADC, ws, "0"));
  wt_deliver(fx, WT_U1, WT_INBOX, 302); /* 103 */
  wt_assert_accounts(wt_poll(fx, ADC, ws, "0"), WT_U1);
  wt_deliver(fx, WT_U1, WT_INBOX, 303);
  wt_assert_accounts(wt_poll(fx, ADC, ws, "2"), WT_U1);
}
END_TEST

START_TEST(token_offset_ignored)
{
  const char *ws = create_with_token(WT_U1, "101-3", NULL, NULL);

  wt_deliver(fx, WT_U1, WT_INBOX, 300); /* 101 */
  wt_assert_no_accounts(wt_poll(fx, ADC, ws, "0"));
  wt_deliver(fx, WT_U1, WT_INBOX, 301); /* 102 */
  wt_assert_accounts(wt_poll(fx, ADC, ws, "0"), WT_U1);
}
END_TEST

START_TEST(token_absent_no_initial_signal)
{
  const char *ws = create_with_token(WT_U1, NULL, NULL, NULL);

  wt_assert_no_accounts(wt_poll(fx, ADC, ws, "0"));
  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_assert_accounts(wt_poll(fx, ADC, ws, "0"), WT_U1);
}
END_TEST

START_TEST(token_update_withdraws_signal)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  wt_request rq;
  wt_response *r;
  int64_t c;
  char token[32];
  const wt_signal *s;
  const wt_mods *m;

  c = wt_deliver(fx, WT_U1, WT_INBOX, 300);
  snprintf(token, sizeof(token), "%lld", (long long)c);
  wt_req_wait(&rq, ws, "0");
  wt_req_update(&rq, WT_U1)->token = token;
  r = wt_call(fx, ADC, &rq);
  wt_assert_seq(r, "0");
  wt_assert_no_accounts(r);

  wt_deliver(fx, WT_U1, WT_INBOX, 301);
  r = wt_poll_expand(fx, ADC, ws, "0");
  wt_assert_seq(r, "2");
  s = wt_assert_has_account(r, WT_U1);
  ck_assert_uint_eq(r->signal_count, 1);
  m = wt_find_mods(s, WT_INBOX);
  ck_assert_ptr_nonnull(m);
  ck_assert_uint_eq(m->created_count, 1);
  ck_assert_int_eq(m->created[0].id, 301);
}
END_TEST

START_TEST(token_update_behind_signals)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  wt_request rq;
  wt_response *r;

  wt_req_wait(&rq, ws, "0");
  wt_req_update(&rq, WT_U1)->token = "90";
  r = wt_call(fx, ADC, &rq);
  wt_assert_seq(r, "2");
  wt_assert_accounts(r, WT_U1);
}
END_TEST

START_TEST(token_update_keeps_sent)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  wt_request rq;
  wt_response *r;

  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_assert_seq(wt_poll(fx, ADC, ws, "0"), "2");
  /* Withdrawal touches only unsent data: the lost batch still comes. */
  wt_req_wait(&rq, ws, "0");
  wt_req_update(&rq, WT_U1)->token = "500";
  r = wt_call(fx, ADC, &rq);
  wt_assert_seq(r, "3");
  wt_assert_accounts(r, WT_U1);
}
END_TEST

static const struct {
  const char *in;
  const char *canonical;
} good_tokens[] = {
    {"123-032:d0345-908", "123-32:d345-908"},
    {"5:d", "5"},
    {"100", "100"},
    {"100-5", "100-5"},
    {"100:d7", "100:d7"},
    {"100-5:d7-2", "100-5:d7-2"},
    {"0", ""},
    {"100-0", "100"},
    {"+100", "100"},
};

START_TEST(token_forms_accepted_canonical)
{
  const char *ws = create_with_token(WT_U1, good_tokens[_i].in, NULL, NULL);
  const wt_session *s = session_of(ws, WT_U1);

  ck_assert_msg(s->token != NULL &&
                    strcmp(s->token, good_tokens[_i].canonical) == 0,
                "token \"%s\": expected \"%s\", got \"%s\"",
                good_tokens[_i].in, good_tokens[_i].canonical,
                s->token != NULL ? s->token : "(null)");
}
END_TEST

START_TEST(token_negative_change_is_behind)
{
  const char *ws = create_with_token(WT_U1, "-5", NULL, NULL);

  wt_assert_accounts(wt_poll(fx, ADC, ws, "0"), WT_U1);
}
END_TEST

static const char *const bad_tokens[] = {
    "", "abc", "5-", "5-3-2", ":d5", "5:dx", " 5", "5 ", "99999999999",
    "5:d5-", "-",
};

START_TEST(token_malformed_rejected)
{
  const char *ws;
  wt_request rq;
  wt_response *waiter;
  wt_response *r;
  char expected[64];

  use_long_timeouts();
  ws = wt_create(fx, ADC, "m", WT_U1, NULL);

  wt_req_wait(&rq, ws, "0");
  rq.req.block = "1";
  waiter = wt_exec(fx, ADC, &rq);
  wt_run_for(fx, 5);

  snprintf(expected, sizeof(expected), "malformed sync token: %s",
           bad_tokens[_i]);
  wt_req_wait(&rq, ws, "0");
  wt_req_add(&rq, WT_U2);
  wt_req_update(&rq, WT_U1)->token = bad_tokens[_i];
  r = wt_call(fx, ADC, &rq);
  wt_assert_fault(r, "service.INVALID_REQUEST",
                  "invalid request: malformed sync token", expected);
  ck_assert_int_eq(waiter->done, 0);
  ck_assert_ptr_null(
      wt_find_session(wt_find_qwaitset(wt_query(fx, ws), ws), WT_U2));
  ck_assert_int_eq(waiter->done, 0);
}
END_TEST

START_TEST(token_malformed_at_create)
{
  wt_request rq;
  wt_response *r;

  wt_req_create(&rq, "m");
  wt_req_add(&rq, WT_U1)->token = "abc";
  r = wt_call(fx, ADC, &rq);
  wt_assert_fault(r, "service.INVALID_REQUEST", "malformed sync token",
                  "abc");
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 0);
}
END_TEST

START_TEST(token_query_mbox_sync_diff)
{
  const char *ws = create_with_token(WT_U1, "102", NULL, NULL);
  const wt_session *s;

  wt_acct(fx, WT_U1)->last_change_id = 110;
  s = session_of(ws, WT_U1);
  ck_assert_int_eq(s->has_mbox_sync_token, 1);
  ck_assert_int_eq(s->mbox_sync_token, 110);
  ck_assert_int_eq(s->mbox_sync_token_diff, 8);
}
END_TEST

START_TEST(token_query_no_mbox_sync_without_token)
{
  const char *ws = create_with_token(WT_U1, NULL, NULL, NULL);
  const wt_session *s = session_of(ws, WT_U1);

  ck_assert_int_eq(s->has_mbox_sync_token, 0);
  ck_assert_ptr_null(s->token);
}
END_TEST

START_TEST(token_change_before_sync_signalled)
{
  const char *ws = wt_create(fx, ADC, "m", NULL);
  wt_request rq;
  wt_response *r;

  wt_req_wait(&rq, ws, "0");
  wt_req_add(&rq, WT_U2);
  r = wt_call(fx, ADC, &rq);
  wt_assert_seq(r, "0");
  wt_assert_no_accounts(r);
  wt_deliver(fx, WT_U2, WT_INBOX, 300);
  wt_req_wait(&rq, ws, "0");
  rq.req.block = "1";
  r = wt_call(fx, ADC, &rq);
  wt_assert_seq(r, "2");
  wt_assert_accounts(r, WT_U2);
  ck_assert_uint_lt(r->arrived_ms - r->started_ms, WT_AT_ONCE_MS);

  wt_acct(fx, WT_U3)->last_change_id = 105;
  wt_req_wait(&rq, ws, "2");
  wt_req_add(&rq, WT_U3)->token = "100";
  r = wt_call(fx, ADC, &rq);
  wt_assert_seq(r, "3");
  wt_assert_accounts(r, WT_U3);
}
END_TEST

START_TEST(token_current_silent_until_next)
{
  const char *ws = wt_create(fx, ADC, "m", NULL);
  wt_request rq;
  wt_response *r;

  wt_acct(fx, WT_U3)->last_change_id = 105;
  wt_req_wait(&rq, ws, "0");
  wt_req_add(&rq, WT_U3)->token = "105";
  r = wt_call(fx, ADC, &rq);
  wt_assert_seq(r, "0");
  wt_assert_no_accounts(r);
  wt_deliver(fx, WT_U3, WT_INBOX, 300); /* 106 */
  wt_assert_accounts(wt_poll(fx, ADC, ws, "0"), WT_U3);
}
END_TEST

START_TEST(token_highest_includes_seen_changes)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  wt_request rq;
  wt_response *r;
  waitset_change c;
  int32_t folder = WT_INBOX;

  memset(&c, 0, sizeof(c));
  c.size = sizeof(c);
  c.account_id = WT_U1;
  c.change_id = 105;
  c.types = WAITSET_TYPE_MESSAGE;
  c.folders = &folder;
  c.folder_count = 1;
  wt_post(fx, &c);
  wt_assert_seq(wt_poll(fx, ADC, ws, "0"), "2");
  wt_assert_seq(wt_poll(fx, ADC, ws, "2"), "2");
  /* The host reports an older lastChangeId than the change the listener
   * saw: a token between the two is still behind. */
  wt_acct(fx, WT_U1)->last_change_id = 100;
  wt_req_wait(&rq, ws, "2");
  wt_req_update(&rq, WT_U1)->token = "103";
  r = wt_call(fx, ADC, &rq);
  wt_assert_seq(r, "3");
  wt_assert_accounts(r, WT_U1);
}
END_TEST

static Suite *
tokens_suite(void)
{
  Suite *s = suite_create("tokens");
  TCase *tc = tcase_create("tokens");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, token_up_to_date_no_signal);
  tcase_add_test(tc, token_ahead_no_signal);
  tcase_add_test(tc, token_behind_signals_at_once);
  tcase_add_test(tc, token_behind_in_blocking_add);
  tcase_add_test(tc, token_up_to_date_add_leaves_others);
  tcase_add_test(tc, token_signal_ignores_filters);
  tcase_add_test(tc, token_suppresses_until_passed);
  tcase_add_test(tc, token_offset_ignored);
  tcase_add_test(tc, token_absent_no_initial_signal);
  tcase_add_test(tc, token_update_withdraws_signal);
  tcase_add_test(tc, token_update_behind_signals);
  tcase_add_test(tc, token_update_keeps_sent);
  tcase_add_loop_test(tc, token_forms_accepted_canonical, 0,
                      sizeof(good_tokens) / sizeof(good_tokens[0]));
  tcase_add_test(tc, token_negative_change_is_behind);
  tcase_add_loop_test(tc, token_malformed_rejected, 0,
                      sizeof(bad_tokens) / sizeof(bad_tokens[0]));
  tcase_add_test(tc, token_malformed_at_create);
  tcase_add_test(tc, token_query_mbox_sync_diff);
  tcase_add_test(tc, token_query_no_mbox_sync_without_token);
  tcase_add_test(tc, token_change_before_sync_signalled);
  tcase_add_test(tc, token_current_silent_until_next);
  tcase_add_test(tc, token_highest_includes_seen_changes);
  suite_add_tcase(s, tc);
  return s;
}

int
main(void)
{
  return wt_run_suite(tokens_suite());
}
