/* SPDX-License-Identifier: MIT */
/* Tests of sequence numbers, acknowledgement and retransmission. */
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

#define U1C wt_user(WT_U1)

static const wt_qwaitset *
query_one(const char *ws)
{
  wt_response *q = wt_query(fx, ws);
  const wt_qwaitset *w = wt_find_qwaitset(q, ws);

  ck_assert_ptr_nonnull(w);
  return w;
}

START_TEST(seq_first_poll_echoes_zero)
{
  const char *ws = wt_create(fx, U1C, "all", WT_U1, NULL);
  wt_response *r = wt_poll(fx, U1C, ws, "0");

  wt_assert_seq(r, "0");
  wt_assert_no_accounts(r);
  wt_assert_no_errors(r);
  ck_assert_int_eq(r->canceled, 0);
  ck_assert_str_eq(r->waitset_id, ws);
}
END_TEST

START_TEST(seq_signal_gives_seq_two)
{
  const char *ws = wt_create(fx, U1C, "all", WT_U1, NULL);
  int64_t c = wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_response *r = wt_poll(fx, U1C, ws, "0");
  const wt_signal *s;

  wt_assert_seq(r, "2");
  wt_assert_accounts(r, WT_U1);
  s = wt_find_signal(r, WT_U1);
  ck_assert_int_gt(c, 100);
  ck_assert_int_eq(s->change_id, c);
  ck_assert_uint_eq(s->mods_count, 0);
  ck_assert_int_eq(s->detail_lost, 0);
}
END_TEST

START_TEST(seq_changeid_read_at_response)
{
  const char *ws = wt_create(fx, U1C, "all", WT_U1, NULL);
  wt_response *r;

  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  /* The mailbox moves on without a change record for this waitset. */
  wt_acct(fx, WT_U1)->last_change_id = 150;
  r = wt_poll(fx, U1C, ws, "0");
  wt_assert_seq(r, "2");
  ck_assert_int_eq(wt_assert_has_account(r, WT_U1)->change_id, 150);
}
END_TEST

START_TEST(seq_ack_clears_sent)
{
  const char *ws = wt_create(fx, U1C, "all", WT_U1, NULL);
  wt_response *r;

  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_assert_seq(wt_poll(fx, U1C, ws, "0"), "2");
  r = wt_poll(fx, U1C, ws, "2");
  wt_assert_seq(r, "2");
  wt_assert_no_accounts(r);
  /* Acknowledged data is never sent again, whatever seq comes next. */
  r = wt_poll(fx, U1C, ws, "0");
  wt_assert_seq(r, "0");
  wt_assert_no_accounts(r);
}
END_TEST

START_TEST(seq_stale_seq_resends)
{
  const char *ws = wt_create(fx, U1C, "all", WT_U1, NULL);
  wt_response *r;

  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_assert_seq(wt_poll(fx, U1C, ws, "0"), "2");
  r = wt_poll(fx, U1C, ws, "0");
  wt_assert_seq(r, "3");
  wt_assert_accounts(r, WT_U1);
  r = wt_poll(fx, U1C, ws, "3");
  wt_assert_seq(r, "3");
  wt_assert_no_accounts(r);
}
END_TEST

static const char *const not_ack_seqs[] = {"0", "1", "99", "-2", "3"};

START_TEST(seq_other_integer_not_ack)
{
  const char *ws = wt_create(fx, U1C, "all", WT_U1, NULL);
  wt_response *r;

  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_assert_seq(wt_poll(fx, U1C, ws, "0"), "2");
  r = wt_poll(fx, U1C, ws, not_ack_seqs[_i]);
  wt_assert_seq(r, "3");
  wt_assert_accounts(r, WT_U1);
}
END_TEST

START_TEST(seq_plus_sign_acknowledges)
{
  const char *ws = wt_create(fx, U1C, "all", WT_U1, NULL);
  wt_response *r;

  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_assert_seq(wt_poll(fx, U1C, ws, "0"), "2");
  r = wt_poll(fx, U1C, ws, "+2");
  wt_assert_seq(r, "+2");
  wt_assert_no_accounts(r);
}
END_TEST

START_TEST(seq_resend_with_new_data)
{
  const char *ws = wt_create(fx, wt_global_admin(WT_AD), "m", WT_U1, WT_U2,
                             NULL);
  wt_response *r;

  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_assert_seq(wt_poll(fx, wt_global_admin(WT_AD), ws, "0"), "2");
  wt_deliver(fx, WT_U2, WT_INBOX, 301);
  r = wt_poll(fx, wt_global_admin(WT_AD), ws, "0");
  wt_assert_seq(r, "3");
  wt_assert_accounts(r, WT_U1, WT_U2);
}
END_TEST

START_TEST(seq_ack_with_new_data_sends_new)
{
  const char *ws = wt_create(fx, wt_global_admin(WT_AD), "m", WT_U1, WT_U2,
                             NULL);
  wt_response *r;

  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_assert_seq(wt_poll(fx, wt_global_admin(WT_AD), ws, "0"), "2");
  wt_deliver(fx, WT_U2, WT_INBOX, 301);
  r = wt_poll(fx, wt_global_admin(WT_AD), ws, "2");
  wt_assert_seq(r, "3");
  wt_assert_accounts(r, WT_U2);
}
END_TEST

START_TEST(seq_cumulative_when_never_acked)
{
  const char *ws = wt_create(fx, wt_global_admin(WT_AD), "m", WT_U1, WT_U2,
                             WT_U3, NULL);
  wt_response *r;

  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  r = wt_poll(fx, wt_global_admin(WT_AD), ws, "0");
  wt_assert_seq(r, "2");
  wt_assert_accounts(r, WT_U1);
  wt_deliver(fx, WT_U2, WT_INBOX, 301);
  r = wt_poll(fx, wt_global_admin(WT_AD), ws, "0");
  wt_assert_seq(r, "3");
  wt_assert_accounts(r, WT_U1, WT_U2);
  wt_deliver(fx, WT_U3, WT_INBOX, 302);
  r = wt_poll(fx, wt_global_admin(WT_AD), ws, "0");
  wt_assert_seq(r, "4");
  wt_assert_accounts(r, WT_U1, WT_U2, WT_U3);
}
END_TEST

START_TEST(seq_grows_by_one_per_data)
{
  const char *ws = wt_create(fx, wt_global_admin(WT_AD), "m", WT_U1, NULL);
  char seq[32] = "0";
  char expected[32];
  int i;

  for (i = 0; i < 30; i++) {
    wt_response *r;

    wt_deliver(fx, WT_U1, WT_INBOX, 300 + i);
    r = wt_poll(fx, wt_global_admin(WT_AD), ws, seq);
    snprintf(expected, sizeof(expected), "%d", i + 2);
    wt_assert_seq(r, expected);
    wt_assert_accounts(r, WT_U1);
    snprintf(seq, sizeof(seq), "%s", r->seq);
  }
}
END_TEST

static const char *const bad_seqs[] = {
    "abc", " 2", "2 ", "2.0", "", "99999999999999999999", "0x2", "2a", "+",
};

START_TEST(seq_invalid_rejected_no_effect)
{
  const char *ws = wt_create(fx, U1C, "all", WT_U1, NULL);
  wt_request rq;
  wt_response *r;
  char quoted[48];
  const wt_qwaitset *w;

  wt_account_grant(fx, WT_U1, WT_U2);
  snprintf(quoted, sizeof(quoted), "\"%s\"", bad_seqs[_i]);
  wt_req_wait(&rq, ws, bad_seqs[_i]);
  wt_req_add(&rq, WT_U2);
  wt_req_remove(&rq, WT_U1);
  r = wt_call(fx, U1C, &rq);
  wt_assert_fault(r, "service.INVALID_REQUEST", "seq", quoted);
  w = query_one(ws);
  ck_assert_uint_eq(w->session_count, 1);
  ck_assert_ptr_nonnull(wt_find_session(w, WT_U1));
}
END_TEST

START_TEST(seq_invalid_keeps_waiter)
{
  const char *ws;
  wt_request rq;
  wt_response *waiter;
  wt_response *bad;
  wt_response *r;
  const wt_qwaitset *w;

  use_long_timeouts();
  ws = wt_create(fx, U1C, "all", WT_U1, NULL);

  wt_account_grant(fx, WT_U1, WT_U2);
  wt_req_wait(&rq, ws, "0");
  rq.req.block = "1";
  waiter = wt_exec(fx, U1C, &rq);
  wt_run_for(fx, 5);

  wt_req_wait(&rq, ws, "abc");
  wt_req_add(&rq, WT_U2);
  bad = wt_call(fx, U1C, &rq);
  wt_assert_fault(bad, "service.INVALID_REQUEST", "seq", "\"abc\"");
  ck_assert_int_eq(waiter->done, 0);
  w = query_one(ws);
  ck_assert_ptr_null(wt_find_session(w, WT_U2));
  ck_assert_int_eq(waiter->done, 0);

  wt_req_wait(&rq, ws, "0");
  wt_req_add(&rq, WT_U2);
  r = wt_call(fx, U1C, &rq);
  wt_assert_seq(r, "0");
  wt_assert_no_errors(r);
  wt_run_until_done(fx, waiter);
  wt_assert_canceled(waiter);
}
END_TEST

START_TEST(seq_missing_rejected_no_effect)
{
  const char *ws = wt_create(fx, U1C, "all", WT_U1, NULL);
  wt_request rq;
  wt_response *r;
  const wt_qwaitset *w;

  wt_req_wait(&rq, ws, NULL);
  wt_req_remove(&rq, WT_U1);
  r = wt_call(fx, U1C, &rq);
  wt_assert_fault(r, "service.INVALID_REQUEST",
                  "invalid request: missing required attribute: seq", NULL);
  w = query_one(ws);
  ck_assert_ptr_nonnull(wt_find_session(w, WT_U1));
  ck_assert_str_eq(w->cb_seq, "0");
}
END_TEST

START_TEST(seq_missing_waitset_rejected)
{
  wt_request rq;
  wt_response *r;

  wt_req_wait(&rq, NULL, "0");
  r = wt_call(fx, U1C, &rq);
  wt_assert_fault(r, "service.INVALID_REQUEST",
                  "invalid request: missing required attribute: waitSet",
                  NULL);
  wt_req_destroy(&rq, NULL);
  r = wt_call(fx, U1C, &rq);
  wt_assert_fault(r, "service.INVALID_REQUEST",
                  "invalid request: missing required attribute: waitSet",
                  NULL);
}
END_TEST

START_TEST(seq_no_data_echoes_verbatim)
{
  const char *ws = wt_create(fx, U1C, "all", WT_U1, NULL);

  wt_assert_seq(wt_poll(fx, U1C, ws, "-7"), "-7");
  wt_assert_seq(wt_poll(fx, U1C, ws, "+0"), "+0");
  wt_assert_seq(wt_poll(fx, U1C, ws, "0012"), "0012");
}
END_TEST

START_TEST(seq_query_tracks_current_and_cb)
{
  const char *ws = wt_create(fx, U1C, "all", WT_U1, NULL);
  const wt_qwaitset *w = query_one(ws);

  ck_assert_str_eq(w->cb_seq, "0");
  ck_assert_str_eq(w->current_seq, "1");
  ck_assert_ptr_null(w->next_seq);
  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_assert_seq(wt_poll(fx, U1C, ws, "0"), "2");
  w = query_one(ws);
  ck_assert_str_eq(w->current_seq, "2");
}
END_TEST

START_TEST(seq_changeid_zero_when_unavailable)
{
  const char *ws = wt_create(fx, U1C, "all", WT_U1, NULL);
  wt_response *r;

  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  /* The host no longer has the mailbox when the response is built. */
  wt_acct(fx, WT_U1)->status = WAITSET_ACCOUNT_MAINTENANCE;
  r = wt_poll(fx, U1C, ws, "0");
  wt_assert_seq(r, "2");
  ck_assert_int_eq(wt_assert_has_account(r, WT_U1)->change_id, 0);
}
END_TEST

static Suite *
seq_suite(void)
{
  Suite *s = suite_create("seq");
  TCase *tc = tcase_create("seq");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, seq_first_poll_echoes_zero);
  tcase_add_test(tc, seq_signal_gives_seq_two);
  tcase_add_test(tc, seq_changeid_read_at_response);
  tcase_add_test(tc, seq_changeid_zero_when_unavailable);
  tcase_add_test(tc, seq_ack_clears_sent);
  tcase_add_test(tc, seq_stale_seq_resends);
  tcase_add_loop_test(tc, seq_other_integer_not_ack, 0,
                      sizeof(not_ack_seqs) / sizeof(not_ack_seqs[0]));
  tcase_add_test(tc, seq_plus_sign_acknowledges);
  tcase_add_test(tc, seq_resend_with_new_data);
  tcase_add_test(tc, seq_ack_with_new_data_sends_new);
  tcase_add_test(tc, seq_cumulative_when_never_acked);
  tcase_add_test(tc, seq_grows_by_one_per_data);
  tcase_add_loop_test(tc, seq_invalid_rejected_no_effect, 0,
                      sizeof(bad_seqs) / sizeof(bad_seqs[0]));
  tcase_add_test(tc, seq_invalid_keeps_waiter);
  tcase_add_test(tc, seq_missing_rejected_no_effect);
  tcase_add_test(tc, seq_missing_waitset_rejected);
  tcase_add_test(tc, seq_no_data_echoes_verbatim);
  tcase_add_test(tc, seq_query_tracks_current_and_cb);
  suite_add_tcase(s, tc);
  return s;
}

int
main(void)
{
  return wt_run_suite(seq_suite());
}
