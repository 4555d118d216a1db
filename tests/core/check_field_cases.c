/* SPDX-License-Identifier: MIT */
/*
 * Replays of failures seen in deployed WaitSet, IDLE and long-poll
 * systems, each as a scenario against the core.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
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

static const wt_qwaitset *
query_one(const char *ws)
{
  wt_response *q = wt_query(fx, ws);
  const wt_qwaitset *w = wt_find_qwaitset(q, ws);

  ck_assert_ptr_nonnull(w);
  return w;
}

static void
use_slow_delays(void)
{
  wt_config cfg;

  wt_fixture_free(fx);
  wt_config_slow_delays(&cfg);
  fx = wt_fixture_new(&cfg);
}

static wt_response *
start_blocking(const char *ws, waitset_caller caller, const char *seq,
               const char *timeout)
{
  wt_request rq;

  wt_req_wait(&rq, ws, seq);
  rq.req.block = "1";
  rq.req.timeout = timeout;
  return wt_exec(fx, caller, &rq);
}

START_TEST(field_lost_response_resent)
{
  const char *ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  const char *ws2;
  wt_response *r;

  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  r = start_blocking(ws, U1C, "0", NULL);
  wt_run_until_done(fx, r);
  wt_assert_seq(r, "2");
  wt_assert_accounts(r, WT_U1);
  r = wt_poll(fx, U1C, ws, "0");
  wt_assert_seq(r, "3");
  wt_assert_accounts(r, WT_U1);
  r = wt_poll(fx, U1C, ws, "3");
  wt_assert_seq(r, "3");
  wt_assert_no_accounts(r);

  ws2 = wt_create(fx, ADC, "m", WT_U1, WT_U2, NULL);
  wt_deliver(fx, WT_U1, WT_INBOX, 301);
  r = start_blocking(ws2, ADC, "0", NULL);
  wt_run_until_done(fx, r);
  wt_assert_seq(r, "2");
  wt_assert_accounts(r, WT_U1);
  wt_deliver(fx, WT_U2, WT_INBOX, 302);
  r = wt_poll(fx, ADC, ws2, "0");
  wt_assert_seq(r, "3");
  wt_assert_accounts(r, WT_U1, WT_U2);
}
END_TEST

START_TEST(field_update_token_withdraws)
{
  const char *ws;
  wt_request rq;
  wt_response *r;
  const wt_signal *s;
  const wt_mods *m;
  size_t i;

  wt_acct(fx, WT_U1)->last_change_id = 106;
  ws = wt_create(fx, U1C, "c", WT_U1, NULL);
  wt_create_contact(fx, WT_U1, 700); /* change 107 */
  wt_req_wait(&rq, ws, "0");
  wt_req_update(&rq, WT_U1)->token = "107";
  r = wt_call(fx, U1C, &rq);
  wt_assert_seq(r, "0");
  wt_assert_no_accounts(r);
  wt_create_contact(fx, WT_U1, 701); /* change 108 */
  wt_req_wait(&rq, ws, "0");
  rq.req.block = "1";
  rq.req.expand = "1";
  r = wt_call(fx, U1C, &rq);
  wt_assert_seq(r, "2");
  s = wt_assert_has_account(r, WT_U1);
  ck_assert_uint_eq(r->signal_count, 1);
  m = wt_find_mods(s, WT_CONTACTS);
  ck_assert_ptr_nonnull(m);
  ck_assert_uint_eq(m->created_count, 1);
  ck_assert_int_eq(m->created[0].id, 701);
  for (i = 0; i < s->mods_count; i++)
    ck_assert_uint_eq(s->mods[i].modified_count, 0);
}
END_TEST

START_TEST(field_cancel_cleanup_keeps_new_waiter)
{
  const char *ws;
  wt_response *w1;
  wt_response *w2;
  uint64_t posted;

  use_long_timeouts();
  ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  w1 = start_blocking(ws, U1C, "0", "300");

  wt_run_for(fx, 40);
  w2 = start_blocking(ws, U1C, "0", "300");
  wt_run_until_done(fx, w1);
  wt_assert_canceled(w1);
  wt_run_for(fx, 60);
  ck_assert_int_eq(w2->done, 0);
  posted = uv_now(wt_loop(fx));
  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_run_until_done(fx, w2);
  wt_assert_seq(w2, "2");
  wt_assert_accounts(w2, WT_U1);
  ck_assert_uint_le(w2->arrived_ms - posted, WT_AT_ONCE_MS);
}
END_TEST

START_TEST(field_foreign_destroy_releases_wait)
{
  const char *ws;
  wt_response *w;
  wt_request rq;
  wt_response *d;

  use_long_timeouts();
  ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  w = start_blocking(ws, U1C, "0", NULL);

  wt_run_for(fx, 40);
  wt_req_destroy(&rq, ws);
  d = wt_call(fx, U1C, &rq);
  wt_assert_ok(d);
  ck_assert_str_eq(d->waitset_id, ws);
  wt_run_until_done(fx, w);
  wt_assert_canceled(w);
  ck_assert_uint_le(w->arrived_ms - d->arrived_ms, WT_AT_ONCE_MS);
  wt_assert_fault(wt_poll(fx, U1C, ws, "0"), "admin.NO_SUCH_WAITSET", NULL,
                  NULL);
  wt_assert_fault(wt_call(fx, U1C, &rq), "mail.NO_SUCH_WAITSET", NULL,
                  NULL);
  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_run_idle(fx);
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 0);
}
END_TEST

START_TEST(field_no_such_waitset_per_operation)
{
  const char *bogus = "WaitSet-11111111-2222-4333-8444-555555555555";
  wt_request rq;
  wt_response *r;

  wt_req_wait(&rq, bogus, "0");
  r = wt_call(fx, U1C, &rq);
  wt_assert_fault(r, "admin.NO_SUCH_WAITSET", "No such waitset: ", bogus);
  wt_req_admin(&rq);
  r = wt_call(fx, ADC, &rq);
  wt_assert_fault(r, "admin.NO_SUCH_WAITSET", "No such waitset: ", bogus);
  wt_req_destroy(&rq, bogus);
  r = wt_call(fx, U1C, &rq);
  wt_assert_fault(r, "mail.NO_SUCH_WAITSET", "WaitSet not found: ", bogus);
  wt_req_admin(&rq);
  r = wt_call(fx, ADC, &rq);
  wt_assert_fault(r, "mail.NO_SUCH_WAITSET", "WaitSet not found: ", bogus);
  wt_req_query(&rq, bogus);
  r = wt_call(fx, ADC, &rq);
  wt_assert_fault(r, "admin.NO_SUCH_WAITSET", "No such waitset: ", bogus);
  ck_assert_int_eq(waitset_fault_is_sender(r->status), 1);
  ck_assert_uint_ge(r->fault_arg_count, 1);
  ck_assert_str_eq(r->fault_arg_names[0], "id");
  ck_assert_str_eq(r->fault_arg_values[0], bogus);
}
END_TEST

START_TEST(field_folder_filter_and_update)
{
  const char *ws;
  wt_request rq;
  wt_response *r;
  const wt_signal *s;

  wt_req_create(&rq, "all");
  wt_req_add(&rq, WT_U1)->folder_interests = "257";
  r = wt_call(fx, U1C, &rq);
  wt_assert_ok(r);
  ws = r->waitset_id;
  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  r = wt_poll(fx, U1C, ws, "0");
  wt_assert_seq(r, "0");
  wt_assert_no_accounts(r);
  wt_req_wait(&rq, ws, "0");
  wt_req_update(&rq, WT_U1)->folder_interests = "257,2";
  r = wt_call(fx, U1C, &rq);
  wt_assert_seq(r, "0");
  wt_assert_no_accounts(r);
  wt_deliver(fx, WT_U1, WT_INBOX, 301);
  r = wt_poll_expand(fx, U1C, ws, "0");
  wt_assert_seq(r, "2");
  s = wt_assert_has_account(r, WT_U1);
  ck_assert_uint_eq(s->mods_count, 1);
  ck_assert_ptr_nonnull(wt_find_mods(s, WT_INBOX));
  wt_deliver(fx, WT_U2, WT_INBOX, 400);
  r = wt_poll(fx, U1C, ws, "2");
  wt_assert_seq(r, "2");
  wt_assert_no_accounts(r);
}
END_TEST

START_TEST(field_folder_rename_and_move_out)
{
  const char *ws;
  wt_request rq;
  wt_response *r;
  const wt_signal *s;
  const wt_mods *m;

  wt_req_create(&rq, "f,m");
  wt_req_add(&rq, WT_U1)->folder_interests = "257";
  r = wt_call(fx, U1C, &rq);
  ws = r->waitset_id;
  wt_rename_folder(fx, WT_U1, WT_FUN);
  r = wt_poll_expand(fx, U1C, ws, "0");
  wt_assert_seq(r, "2");
  s = wt_assert_has_account(r, WT_U1);
  ck_assert_uint_eq(s->mods_count, 0);
  r = wt_poll(fx, U1C, ws, "2");
  wt_assert_seq(r, "2");
  wt_assert_no_accounts(r);
  wt_move(fx, WT_U1, 300, WT_FUN, WT_INBOX);
  r = wt_poll_expand(fx, U1C, ws, "2");
  wt_assert_seq(r, "3");
  s = wt_assert_has_account(r, WT_U1);
  ck_assert_ptr_null(wt_find_mods(s, WT_INBOX));
  m = wt_find_mods(s, WT_FUN);
  ck_assert_ptr_nonnull(m);
  ck_assert_uint_eq(m->modified_count, 1);
  ck_assert_int_eq(m->modified[0].id, 300);
  ck_assert_int_eq(m->modified[0].change & 256, 256);
}
END_TEST

START_TEST(field_updated_interests_survive_reattach)
{
  const char *ws;
  wt_request rq;
  wt_response *r;

  wt_req_create(&rq, "m");
  wt_req_add(&rq, WT_U1)->folder_interests = "257";
  r = wt_call(fx, U1C, &rq);
  ws = r->waitset_id;
  wt_req_wait(&rq, ws, "0");
  wt_req_update(&rq, WT_U1)->folder_interests = "2";
  wt_assert_no_errors(wt_call(fx, U1C, &rq));
  wt_acct(fx, WT_U1)->status = WAITSET_ACCOUNT_MAINTENANCE;
  ck_assert_int_eq(waitset_mailbox_unavailable(wt_registry(fx), WT_U1), 0);
  wt_acct(fx, WT_U1)->status = WAITSET_ACCOUNT_LOCAL;
  ck_assert_int_eq(waitset_mailbox_available(wt_registry(fx), WT_U1,
                                             wt_acct(fx, WT_U1)
                                                 ->last_change_id),
                   0);
  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  r = wt_poll(fx, U1C, ws, "0");
  wt_assert_seq(r, "2");
  wt_assert_accounts(r, WT_U1);
  wt_deliver(fx, WT_U1, WT_FUN, 301);
  r = wt_poll(fx, U1C, ws, "2");
  wt_assert_seq(r, "2");
  wt_assert_no_accounts(r);
}
END_TEST

START_TEST(field_delete_only_change_encoded)
{
  const char *ws;
  wt_request rq;
  wt_response *r;
  const wt_mods *m;

  wt_req_create(&rq, "m");
  wt_req_add(&rq, WT_U1)->folder_interests = "2";
  r = wt_call(fx, U1C, &rq);
  ws = r->waitset_id;
  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  r = wt_poll(fx, U1C, ws, "0");
  wt_assert_seq(r, "2");
  wt_assert_accounts(r, WT_U1);
  wt_assert_seq(wt_poll(fx, U1C, ws, "2"), "2");
  wt_delete(fx, WT_U1, WT_INBOX, 300);
  r = wt_poll_expand(fx, U1C, ws, "2");
  wt_assert_seq(r, "3");
  m = wt_find_mods(wt_assert_has_account(r, WT_U1), WT_INBOX);
  ck_assert_ptr_nonnull(m);
  ck_assert_uint_eq(m->deleted_count, 1);
  ck_assert_int_eq(m->deleted[0].id, 300);
  ck_assert_str_eq(waitset_item_type_name(m->deleted[0].type), "MESSAGE");
}
END_TEST

START_TEST(field_several_changes_merged)
{
  const char *ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  int round;

  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_deliver(fx, WT_U1, WT_INBOX, 301);
  wt_flag(fx, WT_U1, WT_INBOX, 300);
  for (round = 0; round < 2; round++) {
    wt_response *r = wt_poll_expand(fx, U1C, ws, "0");
    const wt_mods *m;
    size_t i;
    int created300 = 0;
    int created301 = 0;

    wt_assert_seq(r, round == 0 ? "2" : "3");
    m = wt_find_mods(wt_assert_has_account(r, WT_U1), WT_INBOX);
    ck_assert_ptr_nonnull(m);
    for (i = 0; i < m->created_count; i++) {
      created300 += m->created[i].id == 300;
      created301 += m->created[i].id == 301;
    }
    ck_assert_int_eq(created300, 1);
    ck_assert_int_eq(created301, 1);
    ck_assert_uint_eq(m->modified_count, 1);
    ck_assert_int_eq(m->modified[0].id, 300);
    ck_assert_int_eq(m->modified[0].change & 4, 4);
  }
}
END_TEST

START_TEST(field_change_before_sync)
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
  r = start_blocking(ws, ADC, "0", NULL);
  wt_run_until_done(fx, r);
  wt_assert_seq(r, "2");
  wt_assert_accounts(r, WT_U2);
  ck_assert_uint_lt(r->arrived_ms - r->started_ms, WT_AT_ONCE_MS);

  wt_acct(fx, WT_U3)->last_change_id = 105;
  wt_req_wait(&rq, ws, "2");
  wt_req_add(&rq, WT_U3)->token = "105";
  r = wt_call(fx, ADC, &rq);
  wt_assert_seq(r, "2");
  wt_assert_no_accounts(r);
  wt_deliver(fx, WT_U3, WT_INBOX, 301); /* 106 */
  r = wt_poll(fx, ADC, ws, "2");
  wt_assert_seq(r, "3");
  wt_assert_accounts(r, WT_U3);

  wt_req_wait(&rq, ws, "3");
  wt_req_remove(&rq, WT_U3);
  wt_assert_no_errors(wt_call(fx, ADC, &rq));
  wt_req_wait(&rq, ws, "3");
  wt_req_add(&rq, WT_U3)->token = "100";
  r = wt_call(fx, ADC, &rq);
  wt_assert_seq(r, "4");
  wt_assert_accounts(r, WT_U3);
}
END_TEST

START_TEST(field_change_just_before_wait)
{
  const char *ws;
  wt_response *r;

  use_slow_delays();
  ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  wt_assert_seq(wt_poll(fx, U1C, ws, "0"), "0");
  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  r = start_blocking(ws, U1C, "0", "300");
  wt_run_until_done(fx, r);
  wt_assert_seq(r, "2");
  wt_assert_accounts(r, WT_U1);
  ck_assert_uint_lt(r->arrived_ms - r->started_ms, WT_AT_ONCE_MS);
}
END_TEST

START_TEST(field_fixed_delays_scaled)
{
  const char *ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  wt_response *r;
  uint64_t posted;

  r = start_blocking(ws, U1C, "0", "30");
  wt_run_for(fx, 5);
  posted = uv_now(wt_loop(fx));
  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_run_until_done(fx, r);
  wt_assert_seq(r, "2");
  ck_assert_uint_le(r->arrived_ms - posted, WT_AT_ONCE_MS);

  r = wt_poll(fx, U1C, ws, "2");
  wt_assert_seq(r, "2");
  ck_assert_uint_ge(r->arrived_ms - r->started_ms, 20);

  r = start_blocking(ws, U1C, "2", "0");
  wt_run_until_done(fx, r);
  wt_assert_seq(r, "2");
  ck_assert_uint_ge(r->arrived_ms - r->started_ms, 30 + 1200 - 1);
  ck_assert_uint_le(r->arrived_ms - r->started_ms, 30 + 1200 + 100);
}
END_TEST

START_TEST(field_timeout_clamping_per_role)
{
  const char *ws_admin = wt_create(fx, ADC, "m", WT_U1, NULL);
  const char *ws_user = wt_create(fx, U1C, "m", WT_U1, NULL);
  wt_request rq;
  wt_response *admin_min;
  wt_response *user_min;
  wt_response *user_max;
  wt_response *r;

  wt_req_wait(&rq, ws_admin, "0");
  wt_req_admin(&rq);
  rq.req.block = "1";
  rq.req.timeout = "0";
  admin_min = wt_exec(fx, ADC, &rq);
  user_min = start_blocking(ws_user, U1C, "0", "-5");
  wt_run_until_done(fx, admin_min);
  wt_run_until_done(fx, user_min);
  ck_assert_uint_ge(admin_min->arrived_ms - admin_min->started_ms, 1029);
  ck_assert_uint_lt(admin_min->arrived_ms - admin_min->started_ms, 1130);
  ck_assert_uint_ge(user_min->arrived_ms - user_min->started_ms, 1229);
  ck_assert_uint_lt(user_min->arrived_ms - user_min->started_ms, 1330);

  user_max = start_blocking(ws_user, U1C, "0", "5000");
  wt_run_until_done(fx, user_max);
  ck_assert_uint_ge(user_max->arrived_ms - user_max->started_ms, 1629);
  ck_assert_uint_lt(user_max->arrived_ms - user_max->started_ms, 1730);

  r = start_blocking(ws_user, U1C, "0", "abc");
  wt_run_until_done(fx, r);
  wt_assert_fault(r, "service.INVALID_REQUEST", "timeout", "\"abc\"");
}
END_TEST

START_TEST(field_event_racing_timeout)
{
  wt_config cfg;
  const char *ws;
  char seq[32] = "0";
  int delivered = 0;
  int received = 0;
  int i;

  wt_fixture_free(fx);
  wt_config_default(&cfg);
  cfg.coalesce_delay_ms = 0;
  cfg.admin_timeout_min_ms = 1000;
  fx = wt_fixture_new(&cfg);
  ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  /* Each round posts a change right as the wait expires, at the same
   * loop turn as the timer or just before or after it. */
  for (i = 0; i < 3; i++) {
    wt_request rq;
    wt_response *r;
    uint64_t offset;

    wt_req_wait(&rq, ws, seq);
    wt_req_admin(&rq);
    rq.req.block = "1";
    rq.req.timeout = "0";
    r = wt_exec(fx, ADC, &rq);
    offset = (uint64_t)(999 + i);
    wt_run_for(fx, offset);
    if (r->done == 0) {
      wt_deliver(fx, WT_U1, WT_INBOX, 300 + i);
      delivered++;
    }
    wt_run_until_done(fx, r);
    wt_assert_ok(r);
    if (r->signal_count > 0) {
      ck_assert_uint_eq(r->signal_count, 1);
      received++;
    }
    snprintf(seq, sizeof(seq), "%s", r->seq);
    /* Whatever raced the expiry arrives now, exactly once. */
    r = wt_poll(fx, ADC, ws, seq);
    wt_assert_ok(r);
    received += (int)r->signal_count;
    snprintf(seq, sizeof(seq), "%s", r->seq);
    r = wt_poll(fx, ADC, ws, seq);
    wt_assert_no_accounts(r);
  }
  ck_assert_int_eq(received, delivered);
}
END_TEST

START_TEST(field_idle_waitsets_reclaimed)
{
  wt_config cfg;
  const char *idle;
  const char *busy;
  wt_request rq;
  wt_response *w;

  wt_fixture_free(fx);
  wt_config_default(&cfg);
  cfg.idle_expiry_ms = 100;
  cfg.sweep_interval_ms = 50;
  fx = wt_fixture_new(&cfg);
  idle = wt_create(fx, U1C, "m", WT_U1, NULL);
  busy = wt_create(fx, ADC, "m", WT_U2, NULL);
  wt_req_wait(&rq, busy, "0");
  wt_req_admin(&rq);
  rq.req.block = "1";
  rq.req.timeout = "1500";
  w = wt_exec(fx, ADC, &rq);
  wt_run_for(fx, 160);
  wt_assert_fault(wt_poll(fx, U1C, idle, "0"), "admin.NO_SUCH_WAITSET",
                  NULL, NULL);
  wt_run_until_done(fx, w);
  wt_assert_seq(w, "0");
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 1);
  wt_run_for(fx, 160);
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 0);
}
END_TEST

START_TEST(field_per_owner_limit_lru)
{
  const char *w[6];
  wt_response *parked;
  wt_response *q;
  int64_t before[4];
  int i;

  use_long_timeouts();

  for (i = 0; i < 5; i++) {
    w[i] = wt_create(fx, U1C, "m", NULL);
    wt_run_for(fx, 3);
  }
  parked = start_blocking(w[4], U1C, "0", NULL);
  for (i = 0; i < 4; i++) {
    wt_run_for(fx, 3);
    wt_assert_seq(wt_poll(fx, U1C, w[i], "0"), "0");
  }
  wt_run_for(fx, 3);
  /* The parked Wait on W5 touched it before the polls of W1 to W4. */
  q = wt_query(fx, NULL);
  for (i = 0; i < 4; i++)
    before[i] = wt_find_qwaitset(q, w[i])->last_access_ms;
  w[5] = wt_create(fx, U1C, "m", NULL);
  wt_run_until_done(fx, parked);
  wt_assert_canceled(parked);
  wt_assert_fault(wt_poll(fx, U1C, w[4], "0"), "admin.NO_SUCH_WAITSET",
                  NULL, NULL);
  q = wt_query(fx, NULL);
  ck_assert_uint_eq(q->waitset_count, 5);
  ck_assert_ptr_nonnull(wt_find_qwaitset(q, w[5]));
  for (i = 0; i < 4; i++) {
    const wt_qwaitset *x = wt_find_qwaitset(q, w[i]);

    ck_assert_ptr_nonnull(x);
    ck_assert_int_eq(x->last_access_ms, before[i]);
  }
  for (i = 0; i < 10; i++)
    wt_create(fx, ADC, "m", NULL);
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 15);
}
END_TEST

START_TEST(field_interest_type_lists)
{
  static const char *const bad[] = {"m,,c", "M", "x", ""};
  wt_request rq;
  wt_response *r;
  size_t i;

  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    char quoted[16];

    snprintf(quoted, sizeof(quoted), "\"%s\"", bad[i]);
    wt_req_create(&rq, bad[i]);
    r = wt_call(fx, U1C, &rq);
    wt_assert_fault(r, "service.INVALID_REQUEST", "defTypes", quoted);
  }
  wt_req_create(&rq, " m , c ");
  ck_assert_str_eq(wt_call(fx, U1C, &rq)->def_types, "m,c");
  wt_req_create(&rq, "all,m");
  ck_assert_str_eq(wt_call(fx, U1C, &rq)->def_types, "f,m,c,a,t,d");
  wt_req_create(&rq, "f,m,c,a,t,d");
  ck_assert_str_eq(wt_call(fx, U1C, &rq)->def_types, "f,m,c,a,t,d");
  wt_req_create(&rq, NULL);
  wt_assert_fault(wt_call(fx, U1C, &rq), "service.INVALID_REQUEST",
                  "missing required attribute: defTypes", NULL);
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 3);
}
END_TEST

START_TEST(field_boolean_spellings)
{
  static const char *const blocking[] = {"1", "true", "TRUE", " 1 "};
  static const char *const rejected[] = {"yes", ""};
  const char *ws;
  wt_request rq;
  wt_response *r;
  size_t i;

  use_slow_delays();
  ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  /* Pending data completes a blocking Wait at once, before the initial
   * delay that a non-blocking user Wait would take. */
  for (i = 0; i < sizeof(blocking) / sizeof(blocking[0]); i++) {
    char seq[32];

    wt_deliver(fx, WT_U1, WT_INBOX, 300 + (int)i);
    snprintf(seq, sizeof(seq), "%d", (int)i + 1);
    wt_req_wait(&rq, ws, seq);
    rq.req.block = blocking[i];
    r = wt_call(fx, U1C, &rq);
    wt_assert_accounts(r, WT_U1);
    ck_assert_msg(r->arrived_ms - r->started_ms < WT_AT_ONCE_MS,
                  "block=\"%s\" took the initial delay", blocking[i]);
  }
  wt_account_grant(fx, WT_U1, WT_U2);
  for (i = 0; i < sizeof(rejected) / sizeof(rejected[0]); i++) {
    wt_req_wait(&rq, ws, "0");
    rq.req.block = rejected[i];
    wt_req_add(&rq, WT_U2);
    wt_assert_fault(wt_call(fx, U1C, &rq), "service.INVALID_REQUEST",
                    "block", NULL);
    wt_req_wait(&rq, ws, "0");
    rq.req.expand = rejected[i];
    wt_req_add(&rq, WT_U2);
    wt_assert_fault(wt_call(fx, U1C, &rq), "service.INVALID_REQUEST",
                    "expand", NULL);
  }
  ck_assert_ptr_null(wt_find_session(query_one(ws), WT_U2));
  wt_req_create(&rq, "all");
  wt_req_admin(&rq);
  rq.req.all_accounts = "TRUE";
  r = wt_call(fx, ADC, &rq);
  wt_assert_ok(r);
  ck_assert_int_eq(strncmp(r->waitset_id, "AllWaitSet-", 11), 0);
}
END_TEST

START_TEST(field_required_attributes)
{
  const char *ws;
  wt_request rq;
  wt_response *waiter;
  wt_response *r;

  use_long_timeouts();
  ws = wt_create(fx, U1C, "m", WT_U1, NULL);

  wt_account_grant(fx, WT_U1, WT_U2);
  wt_req_wait(&rq, NULL, "0");
  wt_assert_fault(wt_call(fx, U1C, &rq), "service.INVALID_REQUEST",
                  "missing required attribute: waitSet", NULL);
  wt_req_wait(&rq, ws, NULL);
  wt_assert_fault(wt_call(fx, U1C, &rq), "service.INVALID_REQUEST",
                  "missing required attribute: seq", NULL);

  waiter = start_blocking(ws, U1C, "0", NULL);
  wt_run_for(fx, 40);
  wt_req_wait(&rq, ws, "abc");
  wt_req_add(&rq, WT_U2);
  wt_assert_fault(wt_call(fx, U1C, &rq), "service.INVALID_REQUEST", "seq",
                  "\"abc\"");
  ck_assert_int_eq(waiter->done, 0);
  wt_req_wait(&rq, ws, "0");
  wt_req_add(&rq, WT_U2);
  r = wt_call(fx, U1C, &rq);
  wt_assert_no_errors(r);
  wt_run_until_done(fx, waiter);
  wt_assert_canceled(waiter);

  wt_req_wait(&rq, ws, "0");
  rq.req.timeout = "abc";
  wt_assert_fault(wt_call(fx, U1C, &rq), "service.INVALID_REQUEST",
                  "timeout", NULL);
  wt_req_wait(&rq, ws, "99999999999999999999");
  wt_assert_fault(wt_call(fx, U1C, &rq), "service.INVALID_REQUEST", "seq",
                  "99999999999999999999");
}
END_TEST

START_TEST(field_per_account_problems)
{
  const char *ws = wt_create(fx, ADC, "m", NULL);
  wt_request rq;
  wt_response *r;

  wt_req_wait(&rq, ws, "0");
  wt_req_add(&rq, WT_U1);
  wt_assert_no_errors(wt_call(fx, ADC, &rq));
  wt_assert_errors(wt_call(fx, ADC, &rq), 1, WT_U1,
                   WAITSET_ACCOUNT_ALREADY_IN_SET_DURING_ADD);
  wt_req_wait(&rq, ws, "0");
  wt_req_update(&rq, WT_U2);
  wt_assert_errors(wt_call(fx, ADC, &rq), 1, WT_U2,
                   WAITSET_ACCOUNT_NOT_IN_SET_DURING_UPDATE);
  wt_req_wait(&rq, ws, "0");
  wt_req_remove(&rq, WT_U2);
  wt_assert_errors(wt_call(fx, ADC, &rq), 1, WT_U2,
                   WAITSET_ACCOUNT_NOT_IN_SET_DURING_REMOVE);
  wt_req_wait(&rq, ws, "0");
  wt_req_add(&rq, NULL)->name = "nobody@example.test";
  wt_assert_errors(wt_call(fx, ADC, &rq), 1, "nobody@example.test",
                   WAITSET_ACCOUNT_NO_SUCH_ACCOUNT);
  wt_req_wait(&rq, ws, "0");
  wt_req_add(&rq, WT_U3);
  wt_req_add(&rq, WT_NOBODY);
  r = wt_call(fx, ADC, &rq);
  wt_assert_fault(r, "service.PERM_DENIED", "can not access account",
                  WT_NOBODY);
  ck_assert_ptr_null(wt_find_session(query_one(ws), WT_U3));
  wt_req_wait(&rq, ws, "0");
  wt_req_add(&rq, WT_U9);
  wt_assert_errors(wt_call(fx, ADC, &rq), 1, WT_U9,
                   WAITSET_ACCOUNT_WRONG_HOST_FOR_ACCOUNT);
  ck_assert_ptr_null(wt_find_session(query_one(ws), WT_U9));
  wt_acct(fx, WT_U9)->status = WAITSET_ACCOUNT_LOCAL;
  wt_assert_no_errors(wt_call(fx, ADC, &rq));
  ck_assert_ptr_nonnull(wt_find_session(query_one(ws), WT_U9));
}
END_TEST

START_TEST(field_rights_and_ownership)
{
  const char *w;
  const char *w2;
  wt_request rq;
  wt_response *r;
  const char *b = WT_U3;

  w = wt_create(fx, U1C, "m", WT_U1, NULL);
  wt_assert_fault(wt_poll(fx, U2C, w, "0"), "service.PERM_DENIED", NULL,
                  NULL);
  wt_req_destroy(&rq, w);
  wt_assert_fault(wt_call(fx, U2C, &rq), "service.PERM_DENIED", NULL, NULL);

  wt_account_grant(fx, WT_U1, b);
  wt_req_create(&rq, "m");
  wt_req_add(&rq, b);
  r = wt_call(fx, wt_user_as(WT_U1, b), &rq);
  wt_assert_ok(r);
  w2 = r->waitset_id;
  wt_assert_seq(wt_poll(fx, wt_user(b), w2, "0"), "0");
  wt_assert_fault(wt_poll(fx, U1C, w2, "0"), "service.PERM_DENIED", NULL,
                  NULL);

  wt_req_create(&rq, "m");
  wt_req_add(&rq, WT_U2);
  wt_assert_fault(wt_call(fx, U1C, &rq), "service.PERM_DENIED",
                  "cannot access account", WT_U2_NAME);
  wt_req_create(&rq, "m");
  wt_req_add(&rq, WT_U2)->folder_interests = "257";
  wt_assert_fault(wt_call(fx, U1C, &rq), "service.PERM_DENIED", NULL, NULL);
  wt_req_create(&rq, "m");
  rq.req.all_accounts = "1";
  wt_assert_fault(wt_call(fx, U1C, &rq), "service.PERM_DENIED", NULL, NULL);
}
END_TEST

START_TEST(field_long_id_cut_in_reason)
{
  size_t n = 1 << 20;
  char *id = malloc(n + 1);
  wt_request rq;
  wt_response *r;

  ck_assert_ptr_nonnull(id);
  memset(id, 'W', n);
  id[n] = '\0';
  wt_req_wait(&rq, id, "0");
  r = wt_call(fx, U1C, &rq);
  free(id);
  wt_assert_fault(r, "admin.NO_SUCH_WAITSET", "No such waitset: ", "...");
  ck_assert_uint_le(strlen(r->fault_reason),
                    strlen("No such waitset: ") + 128 + 3);
  ck_assert_uint_eq(r->fault_arg_count, 1);
  ck_assert_uint_eq(strlen(r->fault_arg_values[0]), 128 + 3);
  ck_assert_str_eq(r->fault_arg_values[0] + 128, "...");
}
END_TEST

START_TEST(field_many_add_errors_reported)
{
  const size_t n = 66000; /* more errors than a 16-bit counter can count */
  waitset_account_spec *specs = calloc(n, sizeof(*specs));
  wt_request rq;
  wt_response *r;
  size_t i;

  ck_assert_ptr_nonnull(specs);
  for (i = 0; i < n; i++)
    specs[i].id = WT_U1;
  wt_req_create(&rq, "m");
  rq.req.add = specs;
  rq.req.add_count = n;
  r = wt_call(fx, U1C, &rq);
  free(specs);
  ck_assert_int_eq(r->status, 0);
  ck_assert_uint_eq(r->error_count, n - 1);
}
END_TEST

START_TEST(field_long_id_cut_in_destroy_detail)
{
  size_t n = 1 << 20;
  char *id = malloc(n + 1);
  wt_request rq;
  wt_response *r;

  ck_assert_ptr_nonnull(id);
  memset(id, 'W', n);
  id[n] = '\0';
  wt_req_destroy(&rq, id);
  r = wt_call(fx, U1C, &rq);
  free(id);
  wt_assert_fault(r, "mail.NO_SUCH_WAITSET", "WaitSet not found: ", "...");
  ck_assert_uint_eq(r->fault_arg_count, 1);
  ck_assert_uint_eq(strlen(r->fault_arg_values[0]), 128 + 3);
}
END_TEST

START_TEST(field_seq_form)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  const char *all;
  char seq[32] = "0";
  char expected[32];
  wt_request rq;
  wt_response *r;
  int i;

  for (i = 0; i < 1000; i++) {
    wt_deliver(fx, WT_U1, WT_INBOX, 300 + i);
    r = wt_poll(fx, ADC, ws, seq);
    snprintf(expected, sizeof(expected), "%d", i + 2);
    wt_assert_seq(r, expected);
    snprintf(seq, sizeof(seq), "%s", r->seq);
  }
  r = start_blocking(ws, ADC, seq, NULL);
  wt_run_for(fx, 5);
  wt_req_destroy(&rq, ws);
  wt_assert_ok(wt_call(fx, ADC, &rq));
  wt_run_until_done(fx, r);
  wt_assert_canceled(r);

  wt_req_create(&rq, "m");
  wt_req_admin(&rq);
  rq.req.all_accounts = "1";
  all = wt_call(fx, ADC, &rq)->waitset_id;
  wt_deliver(fx, WT_U1, WT_INBOX, 5000);
  wt_req_wait(&rq, all, "0");
  wt_req_admin(&rq);
  r = wt_call(fx, ADC, &rq);
  wt_assert_accounts(r, WT_U1);
  ck_assert_uint_gt(strlen(r->seq), 0);
  ck_assert_uint_eq(strspn(r->seq, "0123456789"), strlen(r->seq));
}
END_TEST

START_TEST(field_self_changes_suppressed)
{
  const char *ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  const char *other = wt_create(fx, U1C, "m", NULL);
  wt_response *r;

  wt_deliver_from(fx, WT_U1, WT_INBOX, 300, ws);
  r = wt_poll(fx, U1C, ws, "0");
  wt_assert_seq(r, "0");
  wt_assert_no_accounts(r);
  wt_deliver(fx, WT_U1, WT_INBOX, 301);
  r = wt_poll(fx, U1C, ws, "0");
  wt_assert_seq(r, "2");
  wt_assert_accounts(r, WT_U1);
  wt_deliver_from(fx, WT_U1, WT_INBOX, 302, other);
  r = wt_poll(fx, U1C, ws, "2");
  wt_assert_seq(r, "3");
  wt_assert_accounts(r, WT_U1);
}
END_TEST

START_TEST(field_no_silent_subscription)
{
  const char *ws;
  wt_request rq;
  wt_response *r;
  const wt_session *s;

  ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  s = wt_find_session(query_one(ws), WT_U1);
  ck_assert_ptr_nonnull(s);
  ck_assert_int_eq(s->attached, 1);
  ck_assert_ptr_nonnull(s->interest_mask);
  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  r = wt_poll(fx, U1C, ws, "0");
  wt_assert_seq(r, "2");
  wt_assert_accounts(r, WT_U1);

  wt_req_create(&rq, "m");
  wt_req_add(&rq, WT_U9);
  r = wt_call(fx, ADC, &rq);
  wt_assert_errors(r, 1, WT_U9, WAITSET_ACCOUNT_WRONG_HOST_FOR_ACCOUNT);
}
END_TEST

START_TEST(field_resume_unknown_all_waitset)
{
  wt_request rq;
  wt_response *r;
  char *old_id;
  const char *fresh;

  wt_req_create(&rq, "m");
  wt_req_admin(&rq);
  rq.req.all_accounts = "1";
  r = wt_call(fx, ADC, &rq);
  old_id = strdup(r->waitset_id);
  ck_assert_ptr_nonnull(old_id);
  /* A restart: a new library instance. */
  wt_fixture_free(fx);
  fx = wt_fixture_new(NULL);
  wt_req_wait(&rq, old_id, "17");
  wt_req_admin(&rq);
  rq.req.def_types = "m";
  r = wt_call(fx, ADC, &rq);
  wt_assert_fault(r, "admin.NO_SUCH_WAITSET", old_id, NULL);
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 0);
  wt_req_create(&rq, "m");
  wt_req_admin(&rq);
  rq.req.all_accounts = "1";
  fresh = wt_call(fx, ADC, &rq)->waitset_id;
  ck_assert_str_ne(fresh, old_id);
  ck_assert_int_eq(strncmp(fresh, "AllWaitSet-", 11), 0);
  free(old_id);
}
END_TEST

START_TEST(field_slow_lookup_isolated)
{
  wt_request rq1;
  wt_request rq2;
  wt_response *slow;
  wt_response *fast;

  wt_acct(fx, WT_U1)->lookup_mode = WT_LOOKUP_DEFERRED;
  wt_acct(fx, WT_U1)->lookup_delay_ms = 600;
  wt_req_create(&rq1, "m");
  wt_req_add(&rq1, WT_U1);
  slow = wt_exec(fx, ADC, &rq1);
  wt_req_create(&rq2, "m");
  wt_req_add(&rq2, WT_U2);
  fast = wt_exec(fx, ADC, &rq2);
  wt_run_until_done(fx, fast);
  wt_assert_ok(fast);
  ck_assert_uint_lt(fast->arrived_ms - fast->started_ms, WT_AT_ONCE_MS);
  ck_assert_int_eq(slow->done, 0);
  wt_run_until_done(fx, slow);
  wt_assert_ok(slow);
  wt_assert_no_errors(slow);
  ck_assert_uint_ge(slow->arrived_ms - slow->started_ms, 599);
}
END_TEST

static Suite *
field_suite(void)
{
  Suite *s = suite_create("field_cases");
  TCase *tc = tcase_create("field_cases");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 50);
  tcase_add_test(tc, field_lost_response_resent);
  tcase_add_test(tc, field_update_token_withdraws);
  tcase_add_test(tc, field_cancel_cleanup_keeps_new_waiter);
  tcase_add_test(tc, field_foreign_destroy_releases_wait);
  tcase_add_test(tc, field_no_such_waitset_per_operation);
  tcase_add_test(tc, field_folder_filter_and_update);
  tcase_add_test(tc, field_folder_rename_and_move_out);
  tcase_add_test(tc, field_updated_interests_survive_reattach);
  tcase_add_test(tc, field_delete_only_change_encoded);
  tcase_add_test(tc, field_several_changes_merged);
  tcase_add_test(tc, field_change_before_sync);
  tcase_add_test(tc, field_change_just_before_wait);
  tcase_add_test(tc, field_fixed_delays_scaled);
  tcase_add_test(tc, field_timeout_clamping_per_role);
  tcase_add_test(tc, field_event_racing_timeout);
  tcase_add_test(tc, field_idle_waitsets_reclaimed);
  tcase_add_test(tc, field_per_owner_limit_lru);
  tcase_add_test(tc, field_interest_type_lists);
  tcase_add_test(tc, field_boolean_spellings);
  tcase_add_test(tc, field_required_attributes);
  tcase_add_test(tc, field_per_account_problems);
  tcase_add_test(tc, field_rights_and_ownership);
  tcase_add_test(tc, field_long_id_cut_in_reason);
  tcase_add_test(tc, field_long_id_cut_in_destroy_detail);
  tcase_add_test(tc, field_many_add_errors_reported);
  tcase_add_test(tc, field_seq_form);
  tcase_add_test(tc, field_self_changes_suppressed);
  tcase_add_test(tc, field_no_silent_subscription);
  tcase_add_test(tc, field_resume_unknown_all_waitset);
  tcase_add_test(tc, field_slow_lookup_isolated);
  suite_add_tcase(s, tc);
  return s;
}

int
main(void)
{
  return wt_run_suite(field_suite());
}
