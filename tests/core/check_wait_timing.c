/* SPDX-License-Identifier: MIT */
/*
 * Tests of blocking, the initial delay, the no-data wait, timeout
 * clamping and cancellation. The fixture's timing: initial delay 20 ms,
 * no-data wait 30 ms, user timeout 1200/1400/1600 ms and admin timeout
 * 1000/1400/1800 ms (min/default/max). Wire timeouts are whole seconds,
 * so a wire value of 2 or more clamps to the maximum. Tests that check
 * that a response skips a delay raise the delays to 400 ms first.
 */
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
#define ADC wt_global_admin(WT_AD)
/* Slack allowed above an expected duration, for slow hosts. */
#define SLACK_MS 100

static uint64_t
elapsed(const wt_response *r)
{
  return r->arrived_ms - r->started_ms;
}

static wt_response *
start_wait(const char *ws, waitset_caller caller, const char *seq,
           const char *block, const char *timeout, int admin)
{
  wt_request rq;

  wt_req_wait(&rq, ws, seq);
  rq.req.block = block;
  rq.req.timeout = timeout;
  if (admin)
    wt_req_admin(&rq);
  return wt_exec(fx, caller, &rq);
}

static void
use_slow_delays(void)
{
  wt_config cfg;

  wt_fixture_free(fx);
  wt_config_slow_delays(&cfg);
  fx = wt_fixture_new(&cfg);
}

static void
assert_duration(const wt_response *r, uint64_t expected)
{
  uint64_t e = elapsed(r);

  ck_assert_msg(e + 1 >= expected && e <= expected + SLACK_MS,
                "expected about %llu ms, took %llu ms",
                (unsigned long long)expected, (unsigned long long)e);
}

START_TEST(wait_blocking_data_completes_at_once)
{
  const char *ws;
  wt_response *r;
  uint64_t posted;

  use_long_timeouts();
  ws = wt_create(fx, U1C, "m", WT_U1, NULL);

  r = start_wait(ws, U1C, "0", "1", NULL, 0);
  wt_run_for(fx, 50); /* past the no-data wait: the request is parked */
  ck_assert_int_eq(r->done, 0);
  ck_assert_uint_eq(waitset_registry_parked(wt_registry(fx)), 1);
  posted = uv_now(wt_loop(fx));
  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_run_until_done(fx, r);
  wt_assert_seq(r, "2");
  wt_assert_accounts(r, WT_U1);
  ck_assert_uint_le(r->arrived_ms - posted, WT_AT_ONCE_MS);
}
END_TEST

START_TEST(wait_data_during_nodata_wait)
{
  const char *ws;
  wt_response *r;
  uint64_t posted;

  use_slow_delays();
  ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  r = start_wait(ws, U1C, "0", "1", NULL, 0);
  wt_run_for(fx, 10);
  ck_assert_int_eq(r->done, 0);
  posted = uv_now(wt_loop(fx));
  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_run_until_done(fx, r);
  wt_assert_seq(r, "2");
  ck_assert_uint_le(r->arrived_ms - posted, WT_AT_ONCE_MS);
}
END_TEST

START_TEST(wait_pending_data_skips_nodata_wait)
{
  const char *ws;
  wt_response *r;

  use_slow_delays();
  ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  r = start_wait(ws, U1C, "0", "1", NULL, 0);
  wt_run_until_done(fx, r);
  wt_assert_seq(r, "2");
  wt_assert_accounts(r, WT_U1);
  ck_assert_uint_lt(elapsed(r), WT_AT_ONCE_MS);
}
END_TEST

START_TEST(wait_timeout_echoes_seq)
{
  const char *ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  wt_response *r = start_wait(ws, U1C, "0", "1", NULL, 0);

  wt_run_until_done(fx, r);
  wt_assert_seq(r, "0");
  wt_assert_no_accounts(r);
  wt_assert_no_errors(r);
  ck_assert_int_eq(r->canceled, 0);
  /* No-data wait plus the user default timeout. */
  assert_duration(r, 30 + 1400);
}
END_TEST

static const struct {
  const char *timeout;
  int admin;
  uint64_t expected_ms;
} clamp_cases[] = {
    {"0", 0, 30 + 1200},     {"-5", 0, 30 + 1200},   {"5", 0, 30 + 1600},
    {"99999", 0, 30 + 1600}, {" 7 ", 0, 30 + 1600},  {"+9", 0, 30 + 1600},
    {NULL, 0, 30 + 1400},    {"0", 1, 30 + 1000},    {"-1", 1, 30 + 1000},
    {"99999", 1, 30 + 1800}, {NULL, 1, 30 + 1400},
};

START_TEST(wait_timeout_clamped_per_role)
{
  const char *ws;
  wt_response *r;

  if (clamp_cases[_i].admin) {
    ws = wt_create(fx, ADC, "m", WT_U1, NULL);
    r = start_wait(ws, ADC, "0", "1", clamp_cases[_i].timeout, 1);
  } else {
    ws = wt_create(fx, U1C, "m", WT_U1, NULL);
    r = start_wait(ws, U1C, "0", "1", clamp_cases[_i].timeout, 0);
  }
  wt_run_until_done(fx, r);
  wt_assert_seq(r, "0");
  assert_duration(r, clamp_cases[_i].expected_ms);
}
END_TEST

START_TEST(wait_admin_min_below_user_min)
{
  const char *ws_user = wt_create(fx, U1C, "m", WT_U1, NULL);
  const char *ws_admin = wt_create(fx, ADC, "m", WT_U2, NULL);
  wt_response *user = start_wait(ws_user, U1C, "0", "1", "0", 0);
  wt_response *admin = start_wait(ws_admin, ADC, "0", "1", "0", 1);

  wt_run_until_done(fx, admin);
  ck_assert_int_eq(user->done, 0);
  wt_run_until_done(fx, user);
  ck_assert_uint_lt(admin->arrived_ms, user->arrived_ms);
}
END_TEST

START_TEST(wait_bad_timeout_rejected)
{
  static const char *const bad[] = {"abc", "", "1.5", "99999999999999999999",
                                    "7s"};
  const char *ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  size_t i;

  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    wt_response *r = start_wait(ws, U1C, "0", "1", bad[i], 0);
    char quoted[48];

    snprintf(quoted, sizeof(quoted), "\"%s\"", bad[i]);
    wt_run_until_done(fx, r);
    wt_assert_fault(r, "service.INVALID_REQUEST", "timeout", quoted);
  }
}
END_TEST

START_TEST(wait_initial_delay_nonblocking_user)
{
  const char *ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  wt_response *r = start_wait(ws, U1C, "0", "0", NULL, 0);

  wt_run_until_done(fx, r);
  wt_assert_seq(r, "0");
  ck_assert_uint_ge(elapsed(r), 20);
  ck_assert_uint_lt(elapsed(r), 20 + SLACK_MS);
}
END_TEST

START_TEST(wait_initial_delay_even_with_data)
{
  const char *ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  wt_response *r;

  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  r = start_wait(ws, U1C, "0", NULL, NULL, 0);
  wt_run_until_done(fx, r);
  wt_assert_seq(r, "2");
  ck_assert_uint_ge(elapsed(r), 20);
}
END_TEST

START_TEST(wait_no_initial_delay_admin_command)
{
  const char *ws;
  wt_response *r;

  use_slow_delays();
  ws = wt_create(fx, wt_admin(WT_AD), "m", NULL);
  r = start_wait(ws, wt_admin(WT_AD), "0", "0", NULL, 1);
  wt_run_until_done(fx, r);
  wt_assert_seq(r, "0");
  ck_assert_uint_lt(elapsed(r), WT_AT_ONCE_MS);
}
END_TEST

START_TEST(wait_no_initial_delay_global_admin_token)
{
  const char *ws;
  wt_response *r;

  use_slow_delays();
  ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  r = start_wait(ws, ADC, "0", "0", NULL, 0);
  wt_run_until_done(fx, r);
  wt_assert_seq(r, "0");
  ck_assert_uint_lt(elapsed(r), WT_AT_ONCE_MS);
}
END_TEST

START_TEST(wait_global_admin_mail_wait_admin_clamp)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  wt_response *r = start_wait(ws, ADC, "0", "1", "0", 0);

  /* A mail Wait with a global-admin token is an admin request. */
  wt_run_until_done(fx, r);
  assert_duration(r, 30 + 1000);
}
END_TEST

START_TEST(wait_zero_delays_disable)
{
  wt_config cfg;
  const char *ws;
  wt_response *r;

  wt_fixture_free(fx);
  wt_config_default(&cfg);
  cfg.initial_delay_ms = 0;
  cfg.coalesce_delay_ms = 0;
  fx = wt_fixture_new(&cfg);
  ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  r = start_wait(ws, U1C, "0", "0", NULL, 0);
  wt_run_until_done(fx, r);
  ck_assert_uint_lt(elapsed(r), WT_AT_ONCE_MS);
  r = start_wait(ws, U1C, "0", "1", "0", 0);
  wt_run_until_done(fx, r);
  assert_duration(r, 1200);
}
END_TEST

START_TEST(wait_concurrent_cancels_older)
{
  const char *ws;
  wt_response *r1;
  wt_response *r2;
  uint64_t posted;

  use_long_timeouts();
  ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  r1 = start_wait(ws, U1C, "0", "1", NULL, 0);

  wt_run_for(fx, 5);
  r2 = start_wait(ws, U1C, "0", "1", NULL, 0);
  wt_run_until_done(fx, r1);
  wt_assert_canceled(r1);
  ck_assert_uint_lt(r1->arrived_ms - r2->started_ms, WT_AT_ONCE_MS);
  ck_assert_int_eq(r2->done, 0);
  wt_run_for(fx, 50);
  ck_assert_int_eq(r2->done, 0);
  posted = uv_now(wt_loop(fx));
  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_run_until_done(fx, r2);
  wt_assert_seq(r2, "2");
  wt_assert_accounts(r2, WT_U1);
  ck_assert_uint_le(r2->arrived_ms - posted, WT_AT_ONCE_MS);
}
END_TEST

START_TEST(wait_nonblocking_cancels_after_delay)
{
  const char *ws;
  wt_response *r1;
  wt_response *r2;

  use_long_timeouts();
  ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  r1 = start_wait(ws, U1C, "0", "1", NULL, 0);

  wt_run_for(fx, 5);
  r2 = start_wait(ws, U1C, "0", "0", NULL, 0);
  wt_run_until_done(fx, r1);
  wt_assert_canceled(r1);
  ck_assert_uint_ge(r1->arrived_ms - r2->started_ms, 20);
  wt_run_until_done(fx, r2);
  wt_assert_seq(r2, "0");
}
END_TEST

START_TEST(wait_canceled_consumes_no_data)
{
  const char *ws;
  wt_response *r1;
  wt_response *r2;

  use_long_timeouts();
  ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  r1 = start_wait(ws, U1C, "0", "1", NULL, 0);

  wt_run_for(fx, 5);
  r2 = start_wait(ws, U1C, "0", "1", NULL, 0);
  wt_run_until_done(fx, r1);
  wt_assert_canceled(r1);
  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_run_until_done(fx, r2);
  wt_assert_seq(r2, "2");
}
END_TEST

START_TEST(wait_canceled_keeps_own_errors)
{
  const char *ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  wt_request rq;
  wt_response *r1;
  wt_response *r2;

  wt_req_wait(&rq, ws, "0");
  rq.req.block = "1";
  wt_req_add(&rq, WT_U1);
  r1 = wt_exec(fx, U1C, &rq);
  wt_run_for(fx, 40);
  r2 = start_wait(ws, U1C, "0", "1", "0", 0);
  wt_run_until_done(fx, r1);
  wt_assert_canceled(r1);
  wt_assert_errors(r1, 1, WT_U1, WAITSET_ACCOUNT_ALREADY_IN_SET_DURING_ADD);
  wt_run_until_done(fx, r2);
}
END_TEST

START_TEST(wait_destroy_cancels_waiter)
{
  const char *ws;
  wt_response *r;
  wt_request rq;
  wt_response *d;

  use_long_timeouts();
  ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  r = start_wait(ws, U1C, "0", "1", NULL, 0);

  wt_run_for(fx, 50);
  wt_req_destroy(&rq, ws);
  d = wt_call(fx, U1C, &rq);
  wt_assert_ok(d);
  ck_assert_str_eq(d->waitset_id, ws);
  wt_run_until_done(fx, r);
  wt_assert_canceled(r);
  ck_assert_uint_eq(waitset_registry_parked(wt_registry(fx)), 0);
  wt_assert_fault(wt_poll(fx, U1C, ws, "0"), "admin.NO_SUCH_WAITSET", ws,
                  NULL);
  d = wt_call(fx, U1C, &rq);
  wt_assert_fault(d, "mail.NO_SUCH_WAITSET", ws, NULL);
}
END_TEST

START_TEST(wait_destroy_during_initial_delay)
{
  const char *ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  wt_response *r = start_wait(ws, U1C, "0", "0", NULL, 0);
  wt_request rq;

  wt_req_destroy(&rq, ws);
  wt_assert_ok(wt_call(fx, U1C, &rq));
  wt_run_until_done(fx, r);
  wt_assert_canceled(r);
}
END_TEST

START_TEST(wait_errors_do_not_end_blocking)
{
  const char *ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  wt_request rq;
  wt_response *r;

  wt_req_wait(&rq, ws, "0");
  rq.req.block = "1";
  rq.req.timeout = "0";
  wt_req_add(&rq, WT_U1);
  r = wt_call(fx, U1C, &rq);
  wt_assert_seq(r, "0");
  wt_assert_errors(r, 1, WT_U1, WAITSET_ACCOUNT_ALREADY_IN_SET_DURING_ADD);
  assert_duration(r, 30 + 1200);
}
END_TEST

START_TEST(wait_abandon_leaves_data)
{
  const char *ws;
  wt_response *r;
  wt_response *next;

  use_long_timeouts();
  ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  r = start_wait(ws, U1C, "0", "1", NULL, 0);

  wt_run_for(fx, 50);
  wt_abandon(r);
  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_run_for(fx, 5);
  ck_assert_int_eq(r->done, 0);
  next = wt_poll(fx, U1C, ws, "0");
  wt_assert_seq(next, "2");
  wt_assert_accounts(next, WT_U1);
  ck_assert_int_eq(r->done, 0);
}
END_TEST

START_TEST(wait_parked_not_idle_swept)
{
  wt_config cfg;
  const char *ws;
  wt_response *r;

  wt_fixture_free(fx);
  wt_config_default(&cfg);
  cfg.idle_expiry_ms = 30;
  cfg.sweep_interval_ms = 10;
  fx = wt_fixture_new(&cfg);
  ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  r = start_wait(ws, ADC, "0", "1", "3600", 1);
  wt_run_for(fx, 200);
  ck_assert_int_eq(r->done, 0);
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 1);
  wt_run_until_done(fx, r);
  wt_assert_seq(r, "0");
}
END_TEST

static Suite *
timing_suite(void)
{
  Suite *s = suite_create("wait_timing");
  TCase *tc = tcase_create("wait_timing");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, wait_blocking_data_completes_at_once);
  tcase_add_test(tc, wait_data_during_nodata_wait);
  tcase_add_test(tc, wait_pending_data_skips_nodata_wait);
  tcase_add_test(tc, wait_timeout_echoes_seq);
  tcase_add_loop_test(tc, wait_timeout_clamped_per_role, 0,
                      sizeof(clamp_cases) / sizeof(clamp_cases[0]));
  tcase_add_test(tc, wait_admin_min_below_user_min);
  tcase_add_test(tc, wait_bad_timeout_rejected);
  tcase_add_test(tc, wait_initial_delay_nonblocking_user);
  tcase_add_test(tc, wait_initial_delay_even_with_data);
  tcase_add_test(tc, wait_no_initial_delay_admin_command);
  tcase_add_test(tc, wait_no_initial_delay_global_admin_token);
  tcase_add_test(tc, wait_global_admin_mail_wait_admin_clamp);
  tcase_add_test(tc, wait_zero_delays_disable);
  tcase_add_test(tc, wait_concurrent_cancels_older);
  tcase_add_test(tc, wait_nonblocking_cancels_after_delay);
  tcase_add_test(tc, wait_canceled_consumes_no_data);
  tcase_add_test(tc, wait_canceled_keeps_own_errors);
  tcase_add_test(tc, wait_destroy_cancels_waiter);
  tcase_add_test(tc, wait_destroy_during_initial_delay);
  tcase_add_test(tc, wait_errors_do_not_end_blocking);
  tcase_add_test(tc, wait_abandon_leaves_data);
  tcase_add_test(tc, wait_parked_not_idle_swept);
  suite_add_tcase(s, tc);
  return s;
}

int
main(void)
{
  return wt_run_suite(timing_suite());
}
