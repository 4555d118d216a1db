/* SPDX-License-Identifier: MIT */
/* Tests of all-accounts waitsets: rights, ids, commit-number seq. */
#include <check.h>
#include <regex.h>
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

#define ADC wt_global_admin(WT_AD)
#define BOGUS_ALL "AllWaitSet-00000000-0000-0000-0000-000000000000"

static const char *
create_all(const char *types)
{
  wt_request rq;
  wt_response *r;

  wt_req_create(&rq, types);
  wt_req_admin(&rq);
  rq.req.all_accounts = "1";
  r = wt_call(fx, ADC, &rq);
  wt_assert_ok(r);
  ck_assert_ptr_nonnull(r->waitset_id);
  return r->waitset_id;
}

static wt_response *
wait_all(const char *ws, const char *seq, const char *block)
{
  wt_request rq;

  wt_req_wait(&rq, ws, seq);
  wt_req_admin(&rq);
  rq.req.block = block;
  return wt_call(fx, ADC, &rq);
}

static int
is_positive_decimal(const char *s)
{
  char *end;
  long long v;

  if (s == NULL || *s < '1' || *s > '9')
    return 0;
  v = strtoll(s, &end, 10);
  return *end == '\0' && v > 0;
}

START_TEST(all_create_user_denied)
{
  wt_request rq;
  wt_response *r;

  wt_req_create(&rq, "all");
  rq.req.all_accounts = "1";
  r = wt_call(fx, wt_user(WT_U1), &rq);
  wt_assert_fault(r, "service.PERM_DENIED", NULL, NULL);
  wt_req_admin(&rq);
  r = wt_call(fx, wt_admin(WT_U1), &rq);
  wt_assert_fault(r, "service.PERM_DENIED", NULL, NULL);
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 0);
}
END_TEST

START_TEST(all_create_global_admin)
{
  wt_request rq;
  wt_response *r;
  regex_t re;

  wt_req_create(&rq, "all");
  wt_req_admin(&rq);
  rq.req.all_accounts = "1";
  r = wt_call(fx, ADC, &rq);
  wt_assert_ok(r);
  ck_assert_int_eq(regcomp(&re, "^AllWaitSet-[0-9a-f-]{36}$",
                           REG_EXTENDED | REG_NOSUB),
                   0);
  ck_assert_msg(regexec(&re, r->waitset_id, 0, NULL, 0) == 0,
                "bad all-accounts id %s", r->waitset_id);
  regfree(&re);
  ck_assert_str_eq(r->seq, "0");
  ck_assert_str_eq(r->def_types, "f,m,c,a,t,d");
}
END_TEST

START_TEST(all_create_needs_def_types)
{
  wt_request rq;
  wt_response *r;

  wt_req_create(&rq, NULL);
  wt_req_admin(&rq);
  rq.req.all_accounts = "1";
  r = wt_call(fx, ADC, &rq);
  wt_assert_fault(r, "service.INVALID_REQUEST",
                  "missing required attribute: defTypes", NULL);
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 0);
}
END_TEST

START_TEST(all_create_validates_add)
{
  wt_request rq;
  wt_response *r;

  wt_req_create(&rq, "all");
  wt_req_admin(&rq);
  rq.req.all_accounts = "1";
  wt_req_add(&rq, WT_U1)->types = "x";
  r = wt_call(fx, ADC, &rq);
  wt_assert_fault(r, "service.INVALID_REQUEST", "types", "\"x\"");
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 0);

  wt_req_create(&rq, "all");
  wt_req_admin(&rq);
  rq.req.all_accounts = "1";
  wt_req_add(&rq, WT_U1);
  wt_req_add(&rq, WT_U1);
  r = wt_call(fx, ADC, &rq);
  wt_assert_ok(r);
  wt_assert_no_errors(r);
}
END_TEST

START_TEST(all_signal_and_same_seq_resend)
{
  const char *ws;
  wt_request rq;
  wt_response *waiter;
  wt_response *r;
  char seq[64];

  use_long_timeouts();
  ws = create_all("all");

  wt_req_wait(&rq, ws, "0");
  wt_req_admin(&rq);
  rq.req.block = "1";
  waiter = wt_exec(fx, ADC, &rq);
  wt_run_for(fx, 5);
  wt_deliver(fx, WT_U3, WT_INBOX, 300);
  wt_run_until_done(fx, waiter);
  wt_assert_accounts(waiter, WT_U3);
  ck_assert_msg(is_positive_decimal(waiter->seq), "seq \"%s\"",
                waiter->seq);
  snprintf(seq, sizeof(seq), "%s", waiter->seq);

  r = wait_all(ws, "0", NULL);
  wt_assert_accounts(r, WT_U3);
  wt_assert_seq(r, seq);

  r = wait_all(ws, seq, NULL);
  wt_assert_seq(r, seq);
  wt_assert_no_accounts(r);
}
END_TEST

START_TEST(all_seq_is_latest_commit)
{
  const char *ws = create_all("all");
  wt_response *r;
  long long first;
  long long second;

  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  r = wait_all(ws, "0", NULL);
  ck_assert(is_positive_decimal(r->seq));
  first = strtoll(r->seq, NULL, 10);
  wt_deliver(fx, WT_U2, WT_INBOX, 301);
  wt_deliver(fx, WT_U2, WT_INBOX, 302);
  r = wait_all(ws, r->seq, NULL);
  wt_assert_accounts(r, WT_U2);
  second = strtoll(r->seq, NULL, 10);
  ck_assert_int_ge(second, first + 2);
}
END_TEST

START_TEST(all_commit_numbers_shared)
{
  const char *ws = create_all("all");
  const char *some = wt_create(fx, ADC, "m", WT_U1, NULL);
  wt_response *r;
  long long first;

  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  r = wait_all(ws, "0", NULL);
  first = strtoll(r->seq, NULL, 10);
  wt_assert_seq(wt_poll(fx, ADC, some, "0"), "2");
  wt_deliver(fx, WT_U1, WT_INBOX, 301);
  r = wait_all(ws, r->seq, NULL);
  ck_assert_int_eq(strtoll(r->seq, NULL, 10), first + 1);
}
END_TEST

START_TEST(all_document_and_new_account)
{
  const char *ws = create_all("all");
  wt_response *r;

  wt_create_document(fx, WT_U2, 500);
  r = wait_all(ws, "0", NULL);
  wt_assert_accounts(r, WT_U2);
  wt_account_add(fx, "aaaaaaaa-0000-0000-0000-000000000007", "u7@ex.test",
                 WAITSET_ACCOUNT_LOCAL, 1);
  wt_deliver(fx, "aaaaaaaa-0000-0000-0000-000000000007", WT_INBOX, 1);
  r = wait_all(ws, r->seq, NULL);
  wt_assert_accounts(r, "aaaaaaaa-0000-0000-0000-000000000007");
}
END_TEST

START_TEST(all_uses_def_types)
{
  const char *ws = create_all("c");
  wt_response *r;

  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  r = wait_all(ws, "0", NULL);
  wt_assert_seq(r, "0");
  wt_assert_no_accounts(r);
  wt_create_contact(fx, WT_U1, 400);
  wt_assert_accounts(wait_all(ws, "0", NULL), WT_U1);
}
END_TEST

START_TEST(all_ignores_source_and_expand)
{
  const char *ws = create_all("all");
  wt_request rq;
  wt_response *r;

  wt_deliver_from(fx, WT_U1, WT_INBOX, 300, ws);
  wt_req_wait(&rq, ws, "0");
  wt_req_admin(&rq);
  rq.req.expand = "1";
  r = wt_call(fx, ADC, &rq);
  ck_assert_uint_eq(wt_assert_has_account(r, WT_U1)->mods_count, 0);
}
END_TEST

START_TEST(all_entries_validated_no_effect)
{
  const char *ws = create_all("all");
  wt_request rq;
  wt_response *r;

  wt_req_wait(&rq, ws, "0");
  wt_req_admin(&rq);
  wt_req_add(&rq, WT_U1);
  wt_req_update(&rq, WT_U2);
  wt_req_remove(&rq, WT_U3);
  r = wt_call(fx, ADC, &rq);
  wt_assert_seq(r, "0");
  wt_assert_no_errors(r);

  wt_req_wait(&rq, ws, "0");
  wt_req_admin(&rq);
  wt_req_add(&rq, WT_NOBODY);
  r = wt_call(fx, ADC, &rq);
  wt_assert_fault(r, "service.PERM_DENIED", "can not access account", NULL);
}
END_TEST

START_TEST(all_mailbox_deleted_ignored_changeid_zero)
{
  const char *ws = create_all("all");
  wt_response *r;

  wt_deliver(fx, WT_U3, WT_INBOX, 300);
  wt_acct(fx, WT_U3)->status = WAITSET_ACCOUNT_NOT_FOUND;
  ck_assert_int_eq(waitset_mailbox_deleted(wt_registry(fx), WT_U3), 0);
  r = wait_all(ws, "0", NULL);
  wt_assert_no_errors(r);
  ck_assert_int_eq(wt_assert_has_account(r, WT_U3)->change_id, 0);
}
END_TEST

START_TEST(all_unknown_id_no_such_waitset)
{
  wt_request rq;
  wt_response *r;

  wt_req_wait(&rq, BOGUS_ALL, "5");
  wt_req_admin(&rq);
  rq.req.def_types = "all";
  r = wt_call(fx, ADC, &rq);
  wt_assert_fault(r, "admin.NO_SUCH_WAITSET", BOGUS_ALL, NULL);
  wt_req_wait(&rq, BOGUS_ALL, "0");
  wt_req_admin(&rq);
  r = wt_call(fx, ADC, &rq);
  wt_assert_fault(r, "admin.NO_SUCH_WAITSET", BOGUS_ALL, NULL);
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 0);
  ck_assert_uint_eq(wt_query(fx, NULL)->waitset_count, 0);
}
END_TEST

START_TEST(all_wait_needs_global_admin_first)
{
  const char *ws = create_all("all");
  wt_request rq;
  wt_response *r;

  wt_req_wait(&rq, BOGUS_ALL, "0");
  r = wt_call(fx, wt_user(WT_U1), &rq);
  wt_assert_fault(r, "service.PERM_DENIED", NULL, NULL);
  wt_req_wait(&rq, ws, "0");
  r = wt_call(fx, wt_user(WT_U1), &rq);
  wt_assert_fault(r, "service.PERM_DENIED", NULL, NULL);
}
END_TEST

START_TEST(all_wait_bad_def_types_rejected)
{
  const char *ws = create_all("all");
  wt_request rq;
  wt_response *r;

  wt_req_wait(&rq, ws, "0");
  wt_req_admin(&rq);
  rq.req.def_types = "x";
  r = wt_call(fx, ADC, &rq);
  wt_assert_fault(r, "service.INVALID_REQUEST", "defTypes", "\"x\"");
}
END_TEST

START_TEST(all_seq_any_string_accepted)
{
  const char *ws = create_all("all");

  wt_assert_seq(wait_all(ws, "12-1700000000123-1700000000-45", NULL),
                "12-1700000000123-1700000000-45");
  wt_assert_seq(wait_all(ws, "abc", NULL), "abc");
}
END_TEST

START_TEST(all_destroy_cancels_waiter)
{
  const char *ws;
  wt_request rq;
  wt_response *waiter;
  wt_response *r;

  use_long_timeouts();
  ws = create_all("all");

  wt_req_wait(&rq, ws, "0");
  wt_req_admin(&rq);
  rq.req.block = "1";
  rq.req.timeout = "10";
  waiter = wt_exec(fx, ADC, &rq);
  wt_run_for(fx, 50);
  ck_assert_int_eq(waiter->done, 0);
  wt_req_destroy(&rq, ws);
  wt_req_admin(&rq);
  r = wt_call(fx, ADC, &rq);
  wt_assert_ok(r);
  wt_run_until_done(fx, waiter);
  wt_assert_canceled(waiter);
  wt_assert_fault(wait_all(ws, "0", NULL), "admin.NO_SUCH_WAITSET", NULL,
                  NULL);
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 0);
}
END_TEST

START_TEST(all_destroy_no_owner_check)
{
  const char *ws = create_all("all");
  wt_request rq;

  wt_account_add(fx, "aaaaaaaa-0000-0000-0000-0000000000ae",
                 "admin2@ex.test", WAITSET_ACCOUNT_LOCAL, 1);
  wt_req_destroy(&rq, ws);
  wt_req_admin(&rq);
  wt_assert_ok(wt_call(fx,
                       wt_global_admin(
                           "aaaaaaaa-0000-0000-0000-0000000000ae"),
                       &rq));
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 0);
}
END_TEST

START_TEST(all_destroy_user_denied)
{
  const char *ws = create_all("all");
  wt_request rq;

  wt_req_destroy(&rq, ws);
  wt_assert_fault(wt_call(fx, wt_user(WT_U1), &rq), "service.PERM_DENIED",
                  NULL, NULL);
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 1);
}
END_TEST

START_TEST(all_query_next_seq_no_sessions)
{
  const char *ws = create_all("m,c");
  wt_response *q;
  const wt_qwaitset *w;

  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  q = wt_query(fx, ws);
  w = wt_find_qwaitset(q, ws);
  ck_assert_ptr_nonnull(w);
  ck_assert_ptr_nonnull(w->next_seq);
  ck_assert(is_positive_decimal(w->next_seq));
  ck_assert_uint_eq(w->session_count, 0);
  ck_assert_str_eq(w->def_types, "mc");
  ck_assert_uint_eq(w->ready_count, 1);
  ck_assert_str_eq(w->ready[0], WT_U1);
}
END_TEST

START_TEST(all_boolean_spelling_true)
{
  wt_request rq;
  wt_response *r;

  wt_req_create(&rq, "all");
  wt_req_admin(&rq);
  rq.req.all_accounts = " TRUE ";
  r = wt_call(fx, ADC, &rq);
  wt_assert_ok(r);
  ck_assert_msg(strncmp(r->waitset_id, "AllWaitSet-", 11) == 0, "id %s",
                r->waitset_id);
  rq.req.all_accounts = "0";
  r = wt_call(fx, ADC, &rq);
  wt_assert_ok(r);
  ck_assert_msg(strncmp(r->waitset_id, "WaitSet-", 8) == 0, "id %s",
                r->waitset_id);
}
END_TEST

START_TEST(all_seq_ignores_unsignalled_commits)
{
  const char *ws = create_all("c");
  wt_response *r;
  long long contact;
  long long later;

  wt_create_contact(fx, WT_U1, 400);
  wt_deliver(fx, WT_U2, WT_INBOX, 300); /* not of interest */
  r = wait_all(ws, "0", NULL);
  wt_assert_accounts(r, WT_U1);
  contact = strtoll(r->seq, NULL, 10);
  wt_create_contact(fx, WT_U3, 401);
  r = wait_all(ws, r->seq, NULL);
  wt_assert_accounts(r, WT_U3);
  later = strtoll(r->seq, NULL, 10);
  /* The message between the two contacts took one commit number. */
  ck_assert_int_eq(later, contact + 2);
}
END_TEST

static Suite *
all_accounts_suite(void)
{
  Suite *s = suite_create("all_accounts");
  TCase *tc = tcase_create("all_accounts");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, all_create_user_denied);
  tcase_add_test(tc, all_create_global_admin);
  tcase_add_test(tc, all_create_needs_def_types);
  tcase_add_test(tc, all_create_validates_add);
  tcase_add_test(tc, all_signal_and_same_seq_resend);
  tcase_add_test(tc, all_seq_is_latest_commit);
  tcase_add_test(tc, all_commit_numbers_shared);
  tcase_add_test(tc, all_seq_ignores_unsignalled_commits);
  tcase_add_test(tc, all_document_and_new_account);
  tcase_add_test(tc, all_uses_def_types);
  tcase_add_test(tc, all_ignores_source_and_expand);
  tcase_add_test(tc, all_entries_validated_no_effect);
  tcase_add_test(tc, all_mailbox_deleted_ignored_changeid_zero);
  tcase_add_test(tc, all_unknown_id_no_such_waitset);
  tcase_add_test(tc, all_wait_needs_global_admin_first);
  tcase_add_test(tc, all_wait_bad_def_types_rejected);
  tcase_add_test(tc, all_seq_any_string_accepted);
  tcase_add_test(tc, all_destroy_cancels_waiter);
  tcase_add_test(tc, all_destroy_no_owner_check);
  tcase_add_test(tc, all_destroy_user_denied);
  tcase_add_test(tc, all_query_next_seq_no_sessions);
  tcase_add_test(tc, all_boolean_spelling_true);
  suite_add_tcase(s, tc);
  return s;
}

int
main(void)
{
  return wt_run_suite(all_accounts_suite());
}
