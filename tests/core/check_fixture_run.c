/* SPDX-License-Identifier: MIT */
/*
 * Tests of the fixture's loop-running helpers while a blocking Wait is
 * parked. The parked Wait keeps a referenced engine timer active that is
 * due after the watchdog, so a helper that lets uv_run() block in the
 * poll after its own condition became true sleeps until the watchdog
 * fires. In UV_RUN_ONCE, libuv 1.44 runs due timers before the poll and
 * blocks anyway unless pending or idle callbacks were queued. A 0 ms run
 * timer is always due when uv_run() starts, which makes that case
 * deterministic without valgrind or a loaded host. Engine replies reach
 * the host through an idle handle, which keeps the poll from blocking.
 */
#include <check.h>

#include "wt.h"

/* Watchdog of these tests, well below the parked Wait's 20 s timeout. */
#define WATCHDOG_MS 2000
/* Maximum wall time for a helper whose condition is met at once. */
#define PROMPT_MS 1000

static wt_fixture *fx;

static void
setup(void)
{
  wt_config cfg;

  wt_config_long_timeouts(&cfg);
  cfg.watchdog_ms = WATCHDOG_MS;
  fx = wt_fixture_new(&cfg);
}

static void
teardown(void)
{
  wt_fixture_free(fx);
  fx = NULL;
}

#define ADC wt_global_admin(WT_AD)

/* Park a blocking Wait on a new waitset watching WT_U1. */
static wt_response *
park_wait(void)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  wt_request rq;
  wt_response *waiter;

  wt_req_wait(&rq, ws, "0");
  rq.req.block = "1";
  waiter = wt_exec(fx, ADC, &rq);
  wt_run_idle(fx);
  ck_assert_int_eq(waiter->done, 0);
  ck_assert_uint_eq(waitset_registry_parked(wt_registry(fx)), 1);
  return waiter;
}

static uint64_t
wall_ms(void)
{
  return uv_hrtime() / 1000000;
}

START_TEST(run_for_due_timer_returns)
{
  wt_response *waiter = park_wait();
  uint64_t start = wall_ms();

  wt_run_for(fx, 0);
  ck_assert_msg(wall_ms() - start < PROMPT_MS,
                "wt_run_for(0) took %llu ms with a Wait parked",
                (unsigned long long)(wall_ms() - start));
  ck_assert_int_eq(waiter->done, 0);
}
END_TEST

START_TEST(run_for_short_run_returns)
{
  wt_response *waiter = park_wait();
  uint64_t start = wall_ms();

  wt_run_for(fx, 5);
  ck_assert_msg(wall_ms() - start < PROMPT_MS,
                "wt_run_for(5) took %llu ms with a Wait parked",
                (unsigned long long)(wall_ms() - start));
  ck_assert_int_eq(waiter->done, 0);
}
END_TEST

START_TEST(run_until_done_delayed_reply)
{
  wt_response *waiter = park_wait();
  const char *ws = wt_create(fx, wt_user(WT_U2), "m", WT_U2, NULL);
  wt_request rq;
  wt_response *r;
  uint64_t start;

  /* The engine's timer completes a non-blocking Wait of a user after the
   * 20 ms initial delay. */
  wt_req_wait(&rq, ws, "0");
  rq.req.block = "0";
  start = wall_ms();
  r = wt_call(fx, wt_user(WT_U2), &rq);
  ck_assert_msg(wall_ms() - start < PROMPT_MS,
                "a delayed Wait reply took %llu ms with a Wait parked",
                (unsigned long long)(wall_ms() - start));
  wt_assert_ok(r);
  ck_assert_uint_ge(r->arrived_ms - r->started_ms, 20);
  ck_assert_int_eq(waiter->done, 0);
}
END_TEST

static Suite *
fixture_run_suite(void)
{
  Suite *s = suite_create("fixture_run");
  TCase *tc = tcase_create("fixture_run");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, run_for_due_timer_returns);
  tcase_add_test(tc, run_for_short_run_returns);
  tcase_add_test(tc, run_until_done_delayed_reply);
  suite_add_tcase(s, tc);
  return s;
}

int
main(void)
{
  return wt_run_suite(fixture_run_suite());
}
