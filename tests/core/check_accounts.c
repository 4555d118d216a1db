/* SPDX-License-Identifier: MIT */
/*
 * Tests of add, update and remove in a Wait, per-account errors, type
 * and account filters, mailbox events and self-change suppression.
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

/* The global admin owns the waitsets here, so that it may add any
 * account and its Waits skip the initial delay. */
#define ADC wt_global_admin(WT_AD)

static const wt_qwaitset *
query_one(const char *ws)
{
  wt_response *q = wt_query(fx, ws);
  const wt_qwaitset *w = wt_find_qwaitset(q, ws);

  ck_assert_ptr_nonnull(w);
  return w;
}

static int
watched(const char *ws, const char *acct)
{
  return wt_find_session(query_one(ws), acct) != NULL;
}

/* Run a non-blocking Wait with the entries already placed in rq. */
static wt_response *
run(wt_request *rq)
{
  return wt_call(fx, ADC, rq);
}

START_TEST(accounts_add_in_wait)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  wt_request rq;
  wt_response *r;

  wt_req_wait(&rq, ws, "0");
  wt_req_add(&rq, WT_U2);
  r = run(&rq);
  wt_assert_seq(r, "0");
  wt_assert_no_errors(r);
  ck_assert(watched(ws, WT_U2));
  wt_deliver(fx, WT_U2, WT_INBOX, 300);
  wt_assert_accounts(wt_poll(fx, ADC, ws, "0"), WT_U2);
}
END_TEST

START_TEST(accounts_duplicate_add_keeps_settings)
{
  const char *ws;
  wt_request rq;
  wt_response *r;

  wt_req_create(&rq, "m");
  wt_req_add(&rq, WT_U1)->types = "c";
  r = run(&rq);
  wt_assert_ok(r);
  ws = r->waitset_id;

  wt_req_wait(&rq, ws, "0");
  wt_req_add(&rq, WT_U1)->types = "m";
  r = run(&rq);
  wt_assert_errors(r, 1, WT_U1, WAITSET_ACCOUNT_ALREADY_IN_SET_DURING_ADD);
  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_assert_no_accounts(wt_poll(fx, ADC, ws, "0"));
  wt_create_contact(fx, WT_U1, 400);
  wt_assert_accounts(wt_poll(fx, ADC, ws, "0"), WT_U1);
}
END_TEST

START_TEST(accounts_update_not_in_set)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  wt_request rq;
  wt_response *r;

  wt_req_wait(&rq, ws, "0");
  wt_req_update(&rq, WT_U2);
  r = run(&rq);
  wt_assert_seq(r, "0");
  wt_assert_errors(r, 1, WT_U2, WAITSET_ACCOUNT_NOT_IN_SET_DURING_UPDATE);
  ck_assert(!watched(ws, WT_U2));
}
END_TEST

START_TEST(accounts_update_unknown_id_applies_nothing)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  wt_request rq;
  wt_response *r;

  wt_req_wait(&rq, ws, "0");
  wt_req_add(&rq, WT_U2);
  wt_req_remove(&rq, WT_U1);
  wt_req_update(&rq, WT_NOBODY);
  r = run(&rq);
  wt_assert_fault(r, "service.PERM_DENIED", "can not access account",
                  WT_NOBODY);
  ck_assert(watched(ws, WT_U1));
  ck_assert(!watched(ws, WT_U2));
}
END_TEST

START_TEST(accounts_remove_not_in_set)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  wt_request rq;
  wt_response *r;

  wt_req_wait(&rq, ws, "0");
  wt_req_remove(&rq, WT_U2);
  r = run(&rq);
  wt_assert_errors(r, 1, WT_U2, WAITSET_ACCOUNT_NOT_IN_SET_DURING_REMOVE);
}
END_TEST

START_TEST(accounts_remove_twice_second_errors)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  wt_request rq;
  wt_response *r;

  wt_req_wait(&rq, ws, "0");
  wt_req_remove(&rq, WT_U1);
  wt_req_remove(&rq, WT_U1);
  r = run(&rq);
  wt_assert_errors(r, 1, WT_U1, WAITSET_ACCOUNT_NOT_IN_SET_DURING_REMOVE);
  ck_assert(!watched(ws, WT_U1));
}
END_TEST

START_TEST(accounts_remove_then_update)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  wt_request rq;
  wt_response *r;

  wt_req_wait(&rq, ws, "0");
  wt_req_remove(&rq, WT_U1);
  wt_req_update(&rq, WT_U1);
  r = run(&rq);
  wt_assert_errors(r, 1, WT_U1, WAITSET_ACCOUNT_NOT_IN_SET_DURING_UPDATE);
  ck_assert(!watched(ws, WT_U1));
}
END_TEST

START_TEST(accounts_add_and_remove_absent)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  wt_request rq;
  wt_response *r;

  wt_req_wait(&rq, ws, "0");
  wt_req_add(&rq, WT_U2);
  wt_req_remove(&rq, WT_U2);
  r = run(&rq);
  wt_assert_errors(r, 1, WT_U2, WAITSET_ACCOUNT_NOT_IN_SET_DURING_REMOVE);
  ck_assert(watched(ws, WT_U2));
}
END_TEST

START_TEST(accounts_remove_and_add_present)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  wt_request rq;
  wt_response *r;

  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_req_wait(&rq, ws, "0");
  wt_req_add(&rq, WT_U1);
  wt_req_remove(&rq, WT_U1);
  r = run(&rq);
  wt_assert_seq(r, "0");
  wt_assert_no_errors(r);
  wt_assert_no_accounts(r);
  ck_assert(watched(ws, WT_U1));
}
END_TEST

START_TEST(accounts_add_and_update_absent)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  wt_request rq;
  wt_response *r;

  wt_req_wait(&rq, ws, "0");
  wt_req_add(&rq, WT_U2)->types = "m";
  wt_req_update(&rq, WT_U2)->types = "c";
  r = run(&rq);
  wt_assert_no_errors(r);
  wt_deliver(fx, WT_U2, WT_INBOX, 300);
  wt_assert_no_accounts(wt_poll(fx, ADC, ws, "0"));
  wt_create_contact(fx, WT_U2, 400);
  wt_assert_accounts(wt_poll(fx, ADC, ws, "0"), WT_U2);
}
END_TEST

START_TEST(accounts_update_twice_last_wins)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  wt_request rq;
  wt_response *r;

  wt_req_wait(&rq, ws, "0");
  wt_req_update(&rq, WT_U1)->types = "m";
  wt_req_update(&rq, WT_U1)->types = "c";
  r = run(&rq);
  wt_assert_no_errors(r);
  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_assert_no_accounts(wt_poll(fx, ADC, ws, "0"));
  wt_create_contact(fx, WT_U1, 400);
  wt_assert_accounts(wt_poll(fx, ADC, ws, "0"), WT_U1);
}
END_TEST

START_TEST(accounts_update_without_types_resets)
{
  const char *ws;
  wt_request rq;
  wt_response *r;

  wt_req_create(&rq, "m");
  wt_req_add(&rq, WT_U1)->types = "c";
  r = run(&rq);
  ws = r->waitset_id;
  wt_req_wait(&rq, ws, "0");
  wt_req_update(&rq, WT_U1);
  wt_assert_no_errors(run(&rq));
  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_assert_accounts(wt_poll(fx, ADC, ws, "0"), WT_U1);
}
END_TEST

START_TEST(accounts_update_without_token_clears)
{
  const char *ws;
  wt_request rq;
  wt_response *r;

  wt_req_create(&rq, "m");
  wt_req_add(&rq, WT_U1)->token = "200";
  r = run(&rq);
  ws = r->waitset_id;
  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_assert_no_accounts(wt_poll(fx, ADC, ws, "0"));
  wt_req_wait(&rq, ws, "0");
  wt_req_update(&rq, WT_U1);
  r = run(&rq);
  wt_assert_no_errors(r);
  wt_assert_no_accounts(r);
  wt_deliver(fx, WT_U1, WT_INBOX, 301);
  wt_assert_accounts(wt_poll(fx, ADC, ws, "0"), WT_U1);
}
END_TEST

START_TEST(accounts_update_without_folders_resets)
{
  const char *ws;
  wt_request rq;
  wt_response *r;

  wt_req_create(&rq, "m");
  wt_req_add(&rq, WT_U1)->folder_interests = "257";
  r = run(&rq);
  ws = r->waitset_id;
  wt_req_wait(&rq, ws, "0");
  wt_req_update(&rq, WT_U1);
  wt_assert_no_errors(run(&rq));
  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_assert_accounts(wt_poll(fx, ADC, ws, "0"), WT_U1);
}
END_TEST

START_TEST(accounts_removed_purged_from_current)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, WT_U2, NULL);
  wt_request rq;
  wt_response *r;

  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_req_wait(&rq, ws, "0");
  wt_req_remove(&rq, WT_U1);
  r = run(&rq);
  wt_assert_seq(r, "0");
  wt_assert_no_accounts(r);
  wt_assert_no_errors(r);
}
END_TEST

START_TEST(accounts_removed_purged_from_sent)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, WT_U2, NULL);
  wt_request rq;
  wt_response *r;

  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_deliver(fx, WT_U2, WT_INBOX, 301);
  r = wt_poll(fx, ADC, ws, "0");
  wt_assert_seq(r, "2");
  wt_assert_accounts(r, WT_U1, WT_U2);
  /* The response is lost: a stale seq resends, except the removed U1. */
  wt_req_wait(&rq, ws, "0");
  wt_req_remove(&rq, WT_U1);
  r = run(&rq);
  wt_assert_seq(r, "3");
  wt_assert_accounts(r, WT_U2);
  r = wt_poll(fx, ADC, ws, "0");
  wt_assert_seq(r, "4");
  wt_assert_accounts(r, WT_U2);
}
END_TEST

START_TEST(accounts_errors_in_order)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  wt_request rq;
  wt_response *r;

  wt_req_wait(&rq, ws, "0");
  wt_req_update(&rq, WT_U3);
  wt_req_add(&rq, WT_U1);
  wt_req_add(&rq, WT_U9);
  wt_req_remove(&rq, WT_U2);
  r = run(&rq);
  wt_assert_errors(r, 4, WT_U2, WAITSET_ACCOUNT_NOT_IN_SET_DURING_REMOVE,
                   WT_U1, WAITSET_ACCOUNT_ALREADY_IN_SET_DURING_ADD, WT_U9,
                   WAITSET_ACCOUNT_WRONG_HOST_FOR_ACCOUNT, WT_U3,
                   WAITSET_ACCOUNT_NOT_IN_SET_DURING_UPDATE);
}
END_TEST

START_TEST(accounts_unknown_name_in_wait)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  wt_request rq;
  wt_response *r;

  wt_req_wait(&rq, ws, "0");
  wt_req_add(&rq, NULL)->name = "nobody@ex.test";
  wt_req_add(&rq, NULL)->name = WT_U2_NAME;
  r = run(&rq);
  wt_assert_errors(r, 1, "nobody@ex.test", WAITSET_ACCOUNT_NO_SUCH_ACCOUNT);
  ck_assert(watched(ws, WT_U2));
}
END_TEST

START_TEST(accounts_remote_readd_after_move)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  wt_request rq;
  wt_response *r;

  wt_req_wait(&rq, ws, "0");
  wt_req_add(&rq, WT_U9)->token = "1";
  r = run(&rq);
  wt_assert_errors(r, 1, WT_U9, WAITSET_ACCOUNT_WRONG_HOST_FOR_ACCOUNT);
  ck_assert(!watched(ws, WT_U9));
  r = run(&rq);
  wt_assert_errors(r, 1, WT_U9, WAITSET_ACCOUNT_WRONG_HOST_FOR_ACCOUNT);
  wt_req_wait(&rq, ws, "0");
  wt_req_add(&rq, WT_U9);
  r = run(&rq);
  wt_assert_errors(r, 1, WT_U9, WAITSET_ACCOUNT_WRONG_HOST_FOR_ACCOUNT);

  wt_acct(fx, WT_U9)->status = WAITSET_ACCOUNT_LOCAL;
  r = run(&rq);
  wt_assert_no_errors(r);
  ck_assert(watched(ws, WT_U9));
}
END_TEST

START_TEST(accounts_type_filter)
{
  const char *ws = wt_create(fx, ADC, "c", WT_U1, NULL);
  wt_response *r;

  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  r = wt_poll(fx, ADC, ws, "0");
  wt_assert_seq(r, "0");
  wt_assert_no_accounts(r);
  wt_create_contact(fx, WT_U1, 400);
  r = wt_poll(fx, ADC, ws, "0");
  wt_assert_seq(r, "2");
  wt_assert_accounts(r, WT_U1);
}
END_TEST

START_TEST(accounts_folder_type_fires_on_mail)
{
  const char *ws = wt_create(fx, ADC, "f", WT_U1, NULL);

  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_assert_accounts(wt_poll(fx, ADC, ws, "0"), WT_U1);
}
END_TEST

START_TEST(accounts_per_account_types)
{
  const char *ws;
  wt_request rq;
  wt_response *r;

  wt_req_create(&rq, "c");
  wt_req_add(&rq, WT_U1);
  wt_req_add(&rq, WT_U2)->types = "m";
  r = run(&rq);
  ws = r->waitset_id;
  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_deliver(fx, WT_U2, WT_INBOX, 301);
  wt_assert_accounts(wt_poll(fx, ADC, ws, "0"), WT_U2);
}
END_TEST

START_TEST(accounts_only_watched_signalled)
{
  const char *ws = wt_create(fx, ADC, "all", WT_U1, NULL);

  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_deliver(fx, WT_U2, WT_INBOX, 301);
  wt_assert_accounts(wt_poll(fx, ADC, ws, "0"), WT_U1);
}
END_TEST

START_TEST(accounts_two_accounts_signalled)
{
  const char *ws;
  wt_request rq;
  wt_response *r;
  int seen1 = 0;
  int seen2 = 0;
  char seq[32] = "0";
  int rounds = 0;

  wt_req_create(&rq, "all");
  wt_req_admin(&rq);
  wt_req_add(&rq, WT_U1);
  wt_req_add(&rq, WT_U2);
  r = run(&rq);
  wt_assert_ok(r);
  ws = r->waitset_id;
  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_deliver(fx, WT_U2, WT_INBOX, 301);
  while (seen1 + seen2 < 2 && rounds++ < 3) {
    size_t i;

    wt_req_wait(&rq, ws, seq);
    wt_req_admin(&rq);
    rq.req.block = "1";
    r = run(&rq);
    wt_assert_ok(r);
    for (i = 0; i < r->signal_count; i++) {
      if (strcmp(r->signals[i].account_id, WT_U1) == 0)
        seen1++;
      else if (strcmp(r->signals[i].account_id, WT_U2) == 0)
        seen2++;
      else
        ck_abort_msg("unexpected account %s", r->signals[i].account_id);
    }
    snprintf(seq, sizeof(seq), "%s", r->seq);
  }
  ck_assert_int_eq(seen1, 1);
  ck_assert_int_eq(seen2, 1);
}
END_TEST

START_TEST(accounts_self_change_suppressed)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  const char *other = wt_create(fx, ADC, "m", WT_U1, NULL);
  wt_response *r;

  wt_deliver_from(fx, WT_U1, WT_INBOX, 300, ws);
  r = wt_poll(fx, ADC, ws, "0");
  wt_assert_seq(r, "0");
  wt_assert_no_accounts(r);
  wt_assert_accounts(wt_poll(fx, ADC, other, "0"), WT_U1);

  wt_deliver_from(fx, WT_U1, WT_INBOX, 301, other);
  wt_assert_accounts(wt_poll(fx, ADC, ws, "0"), WT_U1);
  wt_deliver(fx, WT_U1, WT_INBOX, 302);
  wt_assert_accounts(wt_poll(fx, ADC, ws, "0"), WT_U1);
}
END_TEST

START_TEST(accounts_source_id_exact_match)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  char upper[128];
  size_t i;

  snprintf(upper, sizeof(upper), "%s", ws);
  for (i = 0; upper[i] != '\0'; i++)
    if (upper[i] >= 'a' && upper[i] <= 'f')
      upper[i] = (char)(upper[i] - 'a' + 'A');
  wt_deliver_from(fx, WT_U1, WT_INBOX, 300, upper);
  wt_assert_accounts(wt_poll(fx, ADC, ws, "0"), WT_U1);
}
END_TEST

START_TEST(accounts_change_ids_lowercased)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  waitset_change c;
  int32_t folder = WT_INBOX;
  wt_response *r;

  memset(&c, 0, sizeof(c));
  c.size = sizeof(c);
  c.account_id = "AAAAAAAA-0000-0000-0000-000000000001";
  c.types = WAITSET_TYPE_MESSAGE;
  c.folders = &folder;
  c.folder_count = 1;
  wt_post(fx, &c);
  r = wt_poll(fx, ADC, ws, "0");
  wt_assert_accounts(r, WT_U1);
}
END_TEST

START_TEST(accounts_maintenance_attaches_later)
{
  const char *ws;
  wt_response *r;
  const wt_qwaitset *w;
  const wt_session *s;

  wt_acct(fx, WT_U3)->status = WAITSET_ACCOUNT_MAINTENANCE;
  ws = wt_create(fx, ADC, "m", WT_U3, NULL);
  w = query_one(ws);
  s = wt_find_session(w, WT_U3);
  ck_assert_ptr_nonnull(s);
  ck_assert_int_eq(s->attached, 0);

  wt_acct(fx, WT_U3)->status = WAITSET_ACCOUNT_LOCAL;
  ck_assert_int_eq(waitset_mailbox_available(wt_registry(fx), WT_U3, 100),
                   0);
  s = wt_find_session(query_one(ws), WT_U3);
  ck_assert_ptr_nonnull(s);
  ck_assert_int_eq(s->attached, 1);
  r = wt_poll(fx, ADC, ws, "0");
  wt_assert_no_accounts(r);
  wt_deliver(fx, WT_U3, WT_INBOX, 300);
  wt_assert_accounts(wt_poll(fx, ADC, ws, "0"), WT_U3);
}
END_TEST

START_TEST(accounts_maintenance_token_checked_on_attach)
{
  const char *ws;
  wt_request rq;
  wt_response *r;

  wt_acct(fx, WT_U3)->status = WAITSET_ACCOUNT_MAINTENANCE;
  wt_req_create(&rq, "m");
  wt_req_add(&rq, WT_U3)->token = "100";
  r = run(&rq);
  wt_assert_no_errors(r);
  ws = r->waitset_id;
  wt_acct(fx, WT_U3)->status = WAITSET_ACCOUNT_LOCAL;
  wt_acct(fx, WT_U3)->last_change_id = 105;
  ck_assert_int_eq(waitset_mailbox_available(wt_registry(fx), WT_U3, 105),
                   0);
  wt_assert_accounts(wt_poll(fx, ADC, ws, "0"), WT_U3);
}
END_TEST

START_TEST(accounts_reattach_uses_updated_settings)
{
  const char *ws;
  wt_request rq;
  wt_response *r;

  wt_req_create(&rq, "m");
  wt_req_add(&rq, WT_U1)->folder_interests = "257";
  r = run(&rq);
  ws = r->waitset_id;
  wt_req_wait(&rq, ws, "0");
  wt_req_update(&rq, WT_U1)->folder_interests = "2";
  wt_assert_no_errors(run(&rq));

  ck_assert_int_eq(waitset_mailbox_unavailable(wt_registry(fx), WT_U1), 0);
  ck_assert_int_eq(waitset_mailbox_available(wt_registry(fx), WT_U1,
                                             wt_acct(fx, WT_U1)
                                                 ->last_change_id),
                   0);
  wt_deliver(fx, WT_U1, WT_FUN, 300);
  wt_assert_no_accounts(wt_poll(fx, ADC, ws, "0"));
  wt_deliver(fx, WT_U1, WT_INBOX, 301);
  wt_assert_accounts(wt_poll(fx, ADC, ws, "0"), WT_U1);
}
END_TEST

START_TEST(accounts_unavailable_detaches_listener)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  const wt_session *s;

  ck_assert_int_eq(waitset_mailbox_unavailable(wt_registry(fx), WT_U1), 0);
  s = wt_find_session(query_one(ws), WT_U1);
  ck_assert_ptr_nonnull(s);
  ck_assert_int_eq(s->attached, 0);
}
END_TEST

START_TEST(accounts_attach_failure_runtime_error)
{
  const char *ws;
  wt_response *r;

  wt_acct(fx, WT_U3)->status = WAITSET_ACCOUNT_MAINTENANCE;
  ws = wt_create(fx, ADC, "m", WT_U3, NULL);
  ck_assert_int_eq(waitset_mailbox_failed(wt_registry(fx), WT_U3), 0);
  r = wt_poll(fx, ADC, ws, "0");
  wt_assert_seq(r, "2");
  wt_assert_no_accounts(r);
  wt_assert_errors(r, 1, WT_U3, WAITSET_ACCOUNT_ERROR_LOADING_MAILBOX);
  ck_assert(!watched(ws, WT_U3));
}
END_TEST

START_TEST(accounts_mailbox_deleted_is_data)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, WT_U2, NULL);
  wt_response *r;

  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  ck_assert_int_eq(waitset_mailbox_deleted(wt_registry(fx), WT_U1), 0);
  ck_assert(!watched(ws, WT_U1));
  r = wt_poll(fx, ADC, ws, "0");
  wt_assert_seq(r, "2");
  wt_assert_no_accounts(r);
  wt_assert_errors(r, 1, WT_U1, WAITSET_ACCOUNT_MAILBOX_DELETED);
  /* Resent until acknowledged. */
  r = wt_poll(fx, ADC, ws, "0");
  wt_assert_seq(r, "3");
  wt_assert_errors(r, 1, WT_U1, WAITSET_ACCOUNT_MAILBOX_DELETED);
  r = wt_poll(fx, ADC, ws, "3");
  wt_assert_seq(r, "3");
  wt_assert_no_errors(r);
}
END_TEST

START_TEST(accounts_mailbox_deleted_purges_sent)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  wt_response *r;

  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_assert_seq(wt_poll(fx, ADC, ws, "0"), "2");
  ck_assert_int_eq(waitset_mailbox_deleted(wt_registry(fx), WT_U1), 0);
  r = wt_poll(fx, ADC, ws, "0");
  wt_assert_seq(r, "3");
  wt_assert_no_accounts(r);
  wt_assert_errors(r, 1, WT_U1, WAITSET_ACCOUNT_MAILBOX_DELETED);
}
END_TEST

START_TEST(accounts_mailbox_deleted_wakes_waiter)
{
  const char *ws;
  wt_request rq;
  wt_response *r;
  uint64_t when;

  use_long_timeouts();
  ws = wt_create(fx, ADC, "m", WT_U1, NULL);

  wt_req_wait(&rq, ws, "0");
  rq.req.block = "1";
  r = wt_exec(fx, ADC, &rq);
  wt_run_for(fx, 50);
  when = uv_now(wt_loop(fx));
  ck_assert_int_eq(waitset_mailbox_deleted(wt_registry(fx), WT_U1), 0);
  wt_run_until_done(fx, r);
  wt_assert_seq(r, "2");
  wt_assert_errors(r, 1, WT_U1, WAITSET_ACCOUNT_MAILBOX_DELETED);
  ck_assert_uint_le(r->arrived_ms - when, WT_AT_ONCE_MS);
}
END_TEST

START_TEST(accounts_runtime_error_order)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, WT_U2, NULL);
  wt_request rq;
  wt_response *r;

  ck_assert_int_eq(waitset_mailbox_deleted(wt_registry(fx), WT_U2), 0);
  wt_req_wait(&rq, ws, "0");
  wt_req_remove(&rq, WT_U3);
  wt_req_add(&rq, WT_U1);
  wt_req_update(&rq, WT_U3);
  r = run(&rq);
  wt_assert_errors(r, 4, WT_U3, WAITSET_ACCOUNT_NOT_IN_SET_DURING_REMOVE,
                   WT_U2, WAITSET_ACCOUNT_MAILBOX_DELETED, WT_U1,
                   WAITSET_ACCOUNT_ALREADY_IN_SET_DURING_ADD, WT_U3,
                   WAITSET_ACCOUNT_NOT_IN_SET_DURING_UPDATE);
}
END_TEST

START_TEST(accounts_later_runtime_error_last)
{
  const char *ws;
  wt_request rq;
  wt_response *r;

  use_long_timeouts();
  ws = wt_create(fx, ADC, "m", WT_U1, WT_U2, NULL);

  /* Add errors alone keep the request waiting; a mailbox deletion during
   * the wait ends it, and its error follows the request's own errors. */
  wt_req_wait(&rq, ws, "0");
  rq.req.block = "1";
  wt_req_add(&rq, WT_U1);
  wt_req_update(&rq, WT_U3);
  r = wt_exec(fx, ADC, &rq);
  wt_run_for(fx, 50);
  ck_assert_int_eq(r->done, 0);
  ck_assert_int_eq(waitset_mailbox_deleted(wt_registry(fx), WT_U2), 0);
  wt_run_until_done(fx, r);
  wt_assert_seq(r, "2");
  wt_assert_errors(r, 3, WT_U1, WAITSET_ACCOUNT_ALREADY_IN_SET_DURING_ADD,
                   WT_U3, WAITSET_ACCOUNT_NOT_IN_SET_DURING_UPDATE, WT_U2,
                   WAITSET_ACCOUNT_MAILBOX_DELETED);
}
END_TEST

START_TEST(accounts_add_lookup_every_time)
{
  const char *ws = wt_create(fx, ADC, "m", NULL);
  wt_request rq;
  unsigned before = wt_acct(fx, WT_U2)->lookups;

  wt_req_wait(&rq, ws, "0");
  wt_req_add(&rq, WT_U2);
  wt_assert_no_errors(run(&rq));
  ck_assert_uint_gt(wt_acct(fx, WT_U2)->lookups, before);
}
END_TEST

START_TEST(accounts_held_lookup_delays_only_its_wait)
{
  const char *ws1 = wt_create(fx, ADC, "m", NULL);
  const char *ws2 = wt_create(fx, ADC, "m", NULL);
  wt_request rq1;
  wt_request rq2;
  wt_response *slow;
  wt_response *fast;

  wt_acct(fx, WT_U1)->lookup_mode = WT_LOOKUP_HELD;
  wt_req_wait(&rq1, ws1, "0");
  wt_req_add(&rq1, WT_U1);
  slow = wt_exec(fx, ADC, &rq1);
  wt_req_wait(&rq2, ws2, "0");
  wt_req_add(&rq2, WT_U2);
  fast = wt_exec(fx, ADC, &rq2);
  wt_run_until_done(fx, fast);
  wt_assert_seq(fast, "0");
  ck_assert_int_eq(slow->done, 0);
  ck_assert_uint_eq(wt_release_lookups(fx, WT_U1), 1);
  wt_run_until_done(fx, slow);
  wt_assert_seq(slow, "0");
  wt_assert_no_errors(slow);
}
END_TEST

static Suite *
accounts_suite(void)
{
  Suite *s = suite_create("accounts");
  TCase *tc = tcase_create("accounts");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, accounts_add_in_wait);
  tcase_add_test(tc, accounts_duplicate_add_keeps_settings);
  tcase_add_test(tc, accounts_update_not_in_set);
  tcase_add_test(tc, accounts_update_unknown_id_applies_nothing);
  tcase_add_test(tc, accounts_remove_not_in_set);
  tcase_add_test(tc, accounts_remove_twice_second_errors);
  tcase_add_test(tc, accounts_remove_then_update);
  tcase_add_test(tc, accounts_add_and_remove_absent);
  tcase_add_test(tc, accounts_remove_and_add_present);
  tcase_add_test(tc, accounts_add_and_update_absent);
  tcase_add_test(tc, accounts_update_twice_last_wins);
  tcase_add_test(tc, accounts_update_without_types_resets);
  tcase_add_test(tc, accounts_update_without_token_clears);
  tcase_add_test(tc, accounts_update_without_folders_resets);
  tcase_add_test(tc, accounts_removed_purged_from_current);
  tcase_add_test(tc, accounts_removed_purged_from_sent);
  tcase_add_test(tc, accounts_errors_in_order);
  tcase_add_test(tc, accounts_unknown_name_in_wait);
  tcase_add_test(tc, accounts_remote_readd_after_move);
  tcase_add_test(tc, accounts_type_filter);
  tcase_add_test(tc, accounts_folder_type_fires_on_mail);
  tcase_add_test(tc, accounts_per_account_types);
  tcase_add_test(tc, accounts_only_watched_signalled);
  tcase_add_test(tc, accounts_two_accounts_signalled);
  tcase_add_test(tc, accounts_self_change_suppressed);
  tcase_add_test(tc, accounts_source_id_exact_match);
  tcase_add_test(tc, accounts_change_ids_lowercased);
  tcase_add_test(tc, accounts_maintenance_attaches_later);
  tcase_add_test(tc, accounts_maintenance_token_checked_on_attach);
  tcase_add_test(tc, accounts_reattach_uses_updated_settings);
  tcase_add_test(tc, accounts_unavailable_detaches_listener);
  tcase_add_test(tc, accounts_attach_failure_runtime_error);
  tcase_add_test(tc, accounts_mailbox_deleted_is_data);
  tcase_add_test(tc, accounts_mailbox_deleted_purges_sent);
  tcase_add_test(tc, accounts_mailbox_deleted_wakes_waiter);
  tcase_add_test(tc, accounts_runtime_error_order);
  tcase_add_test(tc, accounts_later_runtime_error_last);
  tcase_add_test(tc, accounts_add_lookup_every_time);
  tcase_add_test(tc, accounts_held_lookup_delays_only_its_wait);
  suite_add_tcase(s, tc);
  return s;
}

int
main(void)
{
  return wt_run_suite(accounts_suite());
}
