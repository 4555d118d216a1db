/* SPDX-License-Identifier: MIT */
/*
 * Tests of waitset lifecycle rules: unknown ids, ownership, destroy, the
 * per-owner limit with least-recently-used eviction and the idle sweep.
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
#define U2C wt_user(WT_U2)
#define ADC wt_global_admin(WT_AD)
#define BOGUS "WaitSet-00000000-0000-0000-0000-000000000000"

static void
restart_with(const wt_config *cfg)
{
  wt_fixture_free(fx);
  fx = wt_fixture_new(cfg);
}

/* Read through a query without an id, which refreshes no idle clock. */
static int64_t
last_access(const char *ws)
{
  wt_response *q = wt_query(fx, NULL);
  const wt_qwaitset *w = wt_find_qwaitset(q, ws);

  ck_assert_ptr_nonnull(w);
  return w->last_access_ms;
}

static int
exists(const char *ws)
{
  wt_response *q = wt_query(fx, NULL);

  return wt_find_qwaitset(q, ws) != NULL;
}

static void
assert_id_arg(const wt_response *r, const char *id)
{
  ck_assert_uint_ge(r->fault_arg_count, 1);
  ck_assert_str_eq(r->fault_arg_names[0], "id");
  ck_assert_str_eq(r->fault_arg_values[0], id);
}

START_TEST(lifecycle_wait_unknown_admin_code)
{
  wt_request rq;
  wt_response *r;

  wt_req_wait(&rq, BOGUS, "0");
  r = wt_call(fx, U1C, &rq);
  wt_assert_fault(r, "admin.NO_SUCH_WAITSET", "No such waitset: " BOGUS,
                  NULL);
  assert_id_arg(r, BOGUS);
  wt_req_admin(&rq);
  r = wt_call(fx, ADC, &rq);
  wt_assert_fault(r, "admin.NO_SUCH_WAITSET", "No such waitset: " BOGUS,
                  NULL);
  ck_assert_int_eq(waitset_fault_is_sender(r->status), 1);
}
END_TEST

START_TEST(lifecycle_destroy_unknown_mail_code)
{
  wt_request rq;
  wt_response *r;

  wt_req_destroy(&rq, BOGUS);
  r = wt_call(fx, U1C, &rq);
  wt_assert_fault(r, "mail.NO_SUCH_WAITSET", "WaitSet not found: " BOGUS,
                  NULL);
  assert_id_arg(r, BOGUS);
  wt_req_admin(&rq);
  r = wt_call(fx, ADC, &rq);
  wt_assert_fault(r, "mail.NO_SUCH_WAITSET", "WaitSet not found: " BOGUS,
                  NULL);
  ck_assert_int_eq(waitset_fault_is_sender(r->status), 1);
}
END_TEST

START_TEST(lifecycle_query_unknown_admin_code)
{
  wt_request rq;
  wt_response *r;

  wt_req_query(&rq, BOGUS);
  r = wt_call(fx, ADC, &rq);
  wt_assert_fault(r, "admin.NO_SUCH_WAITSET", "No such waitset: " BOGUS,
                  NULL);
}
END_TEST

START_TEST(lifecycle_long_id_cut_in_reason)
{
  char id[1100];
  wt_request rq;
  wt_response *r;

  memset(id, 'x', sizeof(id) - 1);
  id[sizeof(id) - 1] = '\0';
  wt_req_wait(&rq, id, "0");
  r = wt_call(fx, U1C, &rq);
  wt_assert_fault(r, "admin.NO_SUCH_WAITSET", "No such waitset: ", "...");
  ck_assert_uint_le(strlen(r->fault_reason),
                    strlen("No such waitset: ") + 128 + 3);
}
END_TEST

START_TEST(lifecycle_destroy_then_gone)
{
  const char *ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  wt_request rq;
  wt_response *r;

  wt_req_destroy(&rq, ws);
  r = wt_call(fx, U1C, &rq);
  wt_assert_ok(r);
  ck_assert_str_eq(r->waitset_id, ws);
  ck_assert_ptr_null(r->seq);
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 0);
  wt_assert_fault(wt_poll(fx, U1C, ws, "0"), "admin.NO_SUCH_WAITSET", ws,
                  NULL);
  wt_assert_fault(wt_call(fx, U1C, &rq), "mail.NO_SUCH_WAITSET", ws, NULL);
  /* A change for a formerly watched account reaches nothing. */
  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_run_idle(fx);
}
END_TEST

START_TEST(lifecycle_admin_destroy_answers)
{
  const char *ws = wt_create(fx, wt_admin(WT_AD), "m", NULL);
  wt_request rq;
  wt_response *r;

  wt_req_destroy(&rq, ws);
  wt_req_admin(&rq);
  r = wt_call(fx, wt_admin(WT_AD), &rq);
  wt_assert_ok(r);
  ck_assert_int_eq(r->admin, 1);
  ck_assert_int_eq(r->op, WAITSET_OP_DESTROY);
  ck_assert_str_eq(r->waitset_id, ws);
}
END_TEST

START_TEST(lifecycle_non_owner_denied)
{
  const char *ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  wt_request rq;
  int64_t before;

  wt_run_for(fx, 5);
  before = last_access(ws);
  wt_run_for(fx, 5);

  wt_assert_fault(wt_poll(fx, U2C, ws, "0"), "service.PERM_DENIED",
                  "Not owner", NULL);
  wt_req_destroy(&rq, ws);
  wt_assert_fault(wt_call(fx, U2C, &rq), "service.PERM_DENIED", "Not owner",
                  NULL);
  wt_req_wait(&rq, ws, "0");
  wt_req_admin(&rq);
  wt_assert_fault(wt_call(fx, ADC, &rq), "service.PERM_DENIED", "Not owner",
                  NULL);
  wt_req_destroy(&rq, ws);
  wt_req_admin(&rq);
  wt_assert_fault(wt_call(fx, ADC, &rq), "service.PERM_DENIED", "Not owner",
                  NULL);
  ck_assert_int_eq(last_access(ws), before);
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 1);
}
END_TEST

START_TEST(lifecycle_owner_is_requested_account)
{
  const char *ws;
  wt_request rq;

  wt_account_grant(fx, WT_U1, WT_U2);
  wt_req_create(&rq, "m");
  wt_req_add(&rq, WT_U2);
  ws = wt_call(fx, wt_user_as(WT_U1, WT_U2), &rq)->waitset_id;
  wt_assert_seq(wt_poll(fx, U2C, ws, "0"), "0");
  wt_assert_seq(wt_poll(fx, wt_user_as(WT_U1, WT_U2), ws, "0"), "0");
  wt_assert_fault(wt_poll(fx, U1C, ws, "0"), "service.PERM_DENIED", NULL,
                  NULL);
}
END_TEST

START_TEST(lifecycle_per_owner_lru_eviction)
{
  const char *w[6];
  wt_request rq;
  wt_response *parked;
  int64_t before[6];
  int i;

  use_long_timeouts();

  for (i = 0; i < 5; i++) {
    w[i] = wt_create(fx, U1C, "m", WT_U1, NULL);
    wt_run_for(fx, 3);
  }
  /* A blocking Wait on W2 touches it first; later polls touch W3, W4,
   * W5 and W1, so W2 is the least recently used. */
  wt_req_wait(&rq, w[1], "0");
  rq.req.block = "1";
  parked = wt_exec(fx, U1C, &rq);
  wt_run_for(fx, 3);
  wt_assert_seq(wt_poll(fx, U1C, w[2], "0"), "0");
  wt_run_for(fx, 3);
  wt_assert_seq(wt_poll(fx, U1C, w[3], "0"), "0");
  wt_run_for(fx, 3);
  wt_assert_seq(wt_poll(fx, U1C, w[4], "0"), "0");
  wt_run_for(fx, 3);
  wt_assert_seq(wt_poll(fx, U1C, w[0], "0"), "0");
  wt_run_for(fx, 3);
  ck_assert_int_eq(parked->done, 0);
  for (i = 0; i < 5; i++)
    before[i] = i == 1 ? 0 : last_access(w[i]);

  w[5] = wt_create(fx, U1C, "m", WT_U1, NULL);
  wt_run_until_done(fx, parked);
  wt_assert_canceled(parked);
  ck_assert(!exists(w[1]));
  wt_assert_fault(wt_poll(fx, U1C, w[1], "0"), "admin.NO_SUCH_WAITSET",
                  NULL, NULL);
  for (i = 0; i < 6; i++) {
    if (i == 1)
      continue;
    ck_assert_msg(exists(w[i]), "W%d was destroyed", i + 1);
  }
  for (i = 0; i < 5; i++) {
    if (i == 1)
      continue;
    ck_assert_msg(last_access(w[i]) == before[i],
                  "W%d last access changed by the create", i + 1);
  }
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 5);
}
END_TEST

START_TEST(lifecycle_eviction_oldest_tie_earliest)
{
  const char *w[6];
  int i;

  /* No time passes between the creates, so every last access ties and
   * the earliest created is evicted. */
  for (i = 0; i < 6; i++)
    w[i] = wt_create(fx, U1C, "m", NULL);
  ck_assert(!exists(w[0]));
  for (i = 1; i < 6; i++)
    ck_assert(exists(w[i]));
}
END_TEST

START_TEST(lifecycle_limit_is_option)
{
  wt_config cfg;
  const char *w[3];
  int i;

  wt_config_default(&cfg);
  cfg.max_waitsets_per_owner = 2;
  restart_with(&cfg);
  for (i = 0; i < 3; i++) {
    w[i] = wt_create(fx, U1C, "m", NULL);
    wt_run_for(fx, 2);
  }
  ck_assert(!exists(w[0]));
  ck_assert(exists(w[1]));
  ck_assert(exists(w[2]));
}
END_TEST

START_TEST(lifecycle_limit_per_owner_only)
{
  int i;

  for (i = 0; i < 5; i++)
    wt_create(fx, U1C, "m", NULL);
  for (i = 0; i < 5; i++)
    wt_create(fx, U2C, "m", NULL);
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 10);
}
END_TEST

START_TEST(lifecycle_global_admin_unlimited)
{
  wt_response *q;
  int i;

  for (i = 0; i < 10; i++)
    wt_create(fx, ADC, "m", NULL);
  q = wt_query(fx, NULL);
  ck_assert_uint_eq(q->waitset_count, 10);
}
END_TEST

START_TEST(lifecycle_delegated_admin_limited)
{
  wt_request rq;
  int i;

  for (i = 0; i < 6; i++) {
    wt_req_create(&rq, "m");
    wt_req_admin(&rq);
    wt_assert_ok(wt_call(fx, wt_admin(WT_U1), &rq));
  }
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 5);
}
END_TEST

START_TEST(lifecycle_admin_created_count_toward_limit)
{
  int i;

  for (i = 0; i < 7; i++)
    wt_create(fx, wt_global_admin(WT_U1), "m", NULL);
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 7);
  wt_create(fx, U1C, "m", NULL);
  /* One eviction only, although the list contains more than the limit. */
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 7);
}
END_TEST

START_TEST(lifecycle_idle_sweep_destroys)
{
  wt_config cfg;
  const char *ws;

  wt_config_default(&cfg);
  cfg.idle_expiry_ms = 40;
  cfg.sweep_interval_ms = 15;
  restart_with(&cfg);
  ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  wt_run_for(fx, 20);
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 1);
  wt_run_for(fx, 60);
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 0);
  wt_assert_fault(wt_poll(fx, U1C, ws, "0"), "admin.NO_SUCH_WAITSET", NULL,
                  NULL);
}
END_TEST

START_TEST(lifecycle_sweep_spares_waiter)
{
  wt_config cfg;
  const char *ws;
  wt_request rq;
  wt_response *r;

  wt_config_default(&cfg);
  cfg.idle_expiry_ms = 30;
  cfg.sweep_interval_ms = 10;
  restart_with(&cfg);
  ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  wt_req_wait(&rq, ws, "0");
  wt_req_admin(&rq);
  rq.req.block = "1";
  rq.req.timeout = "3600";
  r = wt_exec(fx, ADC, &rq);
  wt_run_for(fx, 150);
  ck_assert_int_eq(r->done, 0);
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 1);
  wt_run_until_done(fx, r);
  wt_assert_seq(r, "0");
  /* Once the response went out, the waitset is idle again. */
  wt_run_for(fx, 70);
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 0);
}
END_TEST

START_TEST(lifecycle_non_owner_no_refresh)
{
  wt_config cfg;
  const char *ws;
  int i;

  wt_config_default(&cfg);
  cfg.idle_expiry_ms = 60;
  cfg.sweep_interval_ms = 10;
  restart_with(&cfg);
  ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  /* Failed Waits at about 15, 30 and 45 ms; a refresh at 45 ms would
   * keep the waitset until at least 105 ms. */
  for (i = 0; i < 3; i++) {
    wt_run_for(fx, 15);
    wt_assert_fault(wt_poll(fx, U2C, ws, "0"), "service.PERM_DENIED", NULL,
                    NULL);
  }
  wt_run_for(fx, 40);
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 0);
}
END_TEST

START_TEST(lifecycle_owner_wait_refreshes)
{
  wt_config cfg;
  const char *ws;
  int i;

  wt_config_default(&cfg);
  cfg.idle_expiry_ms = 60;
  cfg.sweep_interval_ms = 10;
  restart_with(&cfg);
  ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  for (i = 0; i < 5; i++) {
    wt_run_for(fx, 20);
    wt_assert_seq(wt_poll(fx, U1C, ws, "0"), "0");
  }
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 1);
}
END_TEST

START_TEST(lifecycle_query_by_id_refreshes)
{
  wt_config cfg;
  const char *ws;
  int i;

  wt_config_default(&cfg);
  cfg.idle_expiry_ms = 60;
  cfg.sweep_interval_ms = 10;
  restart_with(&cfg);
  ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  for (i = 0; i < 5; i++) {
    wt_run_for(fx, 20);
    wt_query(fx, ws);
  }
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 1);
  for (i = 0; i < 5; i++) {
    wt_run_for(fx, 20);
    wt_query(fx, NULL);
  }
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 0);
}
END_TEST

START_TEST(lifecycle_eviction_detaches_listeners)
{
  wt_config cfg;
  const char *w1;
  const char *w2;

  wt_config_default(&cfg);
  cfg.max_waitsets_per_owner = 1;
  restart_with(&cfg);
  w1 = wt_create(fx, U1C, "m", WT_U1, NULL);
  wt_run_for(fx, 2);
  w2 = wt_create(fx, U1C, "m", WT_U1, NULL);
  ck_assert(!exists(w1));
  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_assert_accounts(wt_poll(fx, U1C, w2, "0"), WT_U1);
}
END_TEST

START_TEST(lifecycle_waitset_id_case_sensitive)
{
  const char *ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  char upper[128];
  size_t i;
  wt_request rq;

  snprintf(upper, sizeof(upper), "%s", ws);
  for (i = 0; upper[i] != '\0'; i++)
    if (upper[i] >= 'a' && upper[i] <= 'f')
      upper[i] = (char)(upper[i] - 'a' + 'A');
  wt_assert_fault(wt_poll(fx, U1C, upper, "0"), "admin.NO_SUCH_WAITSET",
                  upper, NULL);
  /* The all-accounts prefix is case-sensitive too: this id takes the
   * integer seq of a some-accounts waitset. */
  wt_req_wait(&rq, "allwaitset-00000000-0000-0000-0000-000000000000",
              "abc");
  wt_assert_fault(wt_call(fx, ADC, &rq), "service.INVALID_REQUEST", "seq",
                  NULL);
}
END_TEST

START_TEST(lifecycle_not_owner_reason_text)
{
  const char *ws = wt_create(fx, U1C, "m", WT_U1, NULL);

  wt_assert_fault(wt_poll(fx, U2C, ws, "0"), "service.PERM_DENIED",
                  "permission denied: Not owner(creator) of waitset", NULL);
}
END_TEST

static Suite *
lifecycle_rules_suite(void)
{
  Suite *s = suite_create("lifecycle_rules");
  TCase *tc = tcase_create("lifecycle_rules");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, lifecycle_wait_unknown_admin_code);
  tcase_add_test(tc, lifecycle_destroy_unknown_mail_code);
  tcase_add_test(tc, lifecycle_query_unknown_admin_code);
  tcase_add_test(tc, lifecycle_long_id_cut_in_reason);
  tcase_add_test(tc, lifecycle_destroy_then_gone);
  tcase_add_test(tc, lifecycle_admin_destroy_answers);
  tcase_add_test(tc, lifecycle_non_owner_denied);
  tcase_add_test(tc, lifecycle_owner_is_requested_account);
  tcase_add_test(tc, lifecycle_per_owner_lru_eviction);
  tcase_add_test(tc, lifecycle_eviction_oldest_tie_earliest);
  tcase_add_test(tc, lifecycle_limit_is_option);
  tcase_add_test(tc, lifecycle_limit_per_owner_only);
  tcase_add_test(tc, lifecycle_global_admin_unlimited);
  tcase_add_test(tc, lifecycle_delegated_admin_limited);
  tcase_add_test(tc, lifecycle_admin_created_count_toward_limit);
  tcase_add_test(tc, lifecycle_idle_sweep_destroys);
  tcase_add_test(tc, lifecycle_sweep_spares_waiter);
  tcase_add_test(tc, lifecycle_non_owner_no_refresh);
  tcase_add_test(tc, lifecycle_owner_wait_refreshes);
  tcase_add_test(tc, lifecycle_query_by_id_refreshes);
  tcase_add_test(tc, lifecycle_eviction_detaches_listeners);
  tcase_add_test(tc, lifecycle_waitset_id_case_sensitive);
  tcase_add_test(tc, lifecycle_not_owner_reason_text);
  suite_add_tcase(s, tc);
  return s;
}

int
main(void)
{
  return wt_run_suite(lifecycle_rules_suite());
}
