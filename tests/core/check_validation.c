/* SPDX-License-Identifier: MIT */
/*
 * Tests of request validation: booleans, required attributes, types,
 * authentication, check order and API argument errors. A rejected
 * request must change nothing.
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

static int
watched(const char *ws, const char *acct)
{
  wt_response *q = wt_query(fx, ws);
  const wt_qwaitset *w = wt_find_qwaitset(q, ws);

  ck_assert_ptr_nonnull(w);
  return wt_find_session(w, acct) != NULL;
}

/* Blocking without data lasts the no-data wait (30 ms) plus the user
 * minimum timeout (1200 ms). A non-blocking user Wait lasts only the
 * initial delay (20 ms). */
static const char *const true_spellings[] = {"1", "true", "TRUE", " 1 ",
                                             "True"};
static const char *const false_spellings[] = {"0", "false", "FALSE",
                                              " 0 ", "False"};
static const char *const bad_spellings[] = {"yes", "", "2", "on", "t",
                                            "1 1", "no"};

START_TEST(validation_block_true_spellings)
{
  const char *ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  wt_request rq;
  wt_response *r;

  wt_req_wait(&rq, ws, "0");
  rq.req.block = true_spellings[_i];
  rq.req.timeout = "0";
  r = wt_call(fx, U1C, &rq);
  wt_assert_seq(r, "0");
  ck_assert_msg(r->arrived_ms - r->started_ms >= 1229,
                "block=\"%s\" did not block (%llu ms)", true_spellings[_i],
                (unsigned long long)(r->arrived_ms - r->started_ms));
}
END_TEST

START_TEST(validation_block_false_spellings)
{
  const char *ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  wt_request rq;
  wt_response *r;

  wt_req_wait(&rq, ws, "0");
  rq.req.block = false_spellings[_i];
  rq.req.timeout = "0";
  r = wt_call(fx, U1C, &rq);
  wt_assert_seq(r, "0");
  ck_assert_msg(r->arrived_ms - r->started_ms < 600,
                "block=\"%s\" blocked (%llu ms)", false_spellings[_i],
                (unsigned long long)(r->arrived_ms - r->started_ms));
}
END_TEST

START_TEST(validation_block_bad_rejected)
{
  const char *ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  wt_request rq;
  wt_response *r;
  char quoted[32];

  wt_account_grant(fx, WT_U1, WT_U2);
  snprintf(quoted, sizeof(quoted), "\"%s\"", bad_spellings[_i]);
  wt_req_wait(&rq, ws, "0");
  rq.req.block = bad_spellings[_i];
  wt_req_add(&rq, WT_U2);
  r = wt_call(fx, U1C, &rq);
  wt_assert_fault(r, "service.INVALID_REQUEST", "block", quoted);
  ck_assert(!watched(ws, WT_U2));
}
END_TEST

START_TEST(validation_expand_spellings)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  wt_request rq;
  wt_response *r;

  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_req_wait(&rq, ws, "0");
  rq.req.expand = "TRUE";
  r = wt_call(fx, ADC, &rq);
  ck_assert_uint_eq(wt_assert_has_account(r, WT_U1)->mods_count, 1);
  rq.req.expand = "false";
  r = wt_call(fx, ADC, &rq);
  ck_assert_uint_eq(wt_assert_has_account(r, WT_U1)->mods_count, 0);
  rq.req.expand = "yes";
  r = wt_call(fx, ADC, &rq);
  wt_assert_fault(r, "service.INVALID_REQUEST", "expand", "\"yes\"");
}
END_TEST

START_TEST(validation_all_accounts_bad_rejected)
{
  wt_request rq;
  wt_response *r;

  wt_req_create(&rq, "all");
  wt_req_admin(&rq);
  rq.req.all_accounts = "yes";
  r = wt_call(fx, ADC, &rq);
  wt_assert_fault(r, "service.INVALID_REQUEST", "allAccounts", "\"yes\"");
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 0);
}
END_TEST

START_TEST(validation_wait_def_types_checked)
{
  const char *ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  wt_request rq;
  wt_response *r;

  wt_req_wait(&rq, ws, "0");
  rq.req.def_types = "x";
  r = wt_call(fx, U1C, &rq);
  wt_assert_fault(r, "service.INVALID_REQUEST", "defTypes", "\"x\"");
  rq.req.def_types = "c";
  r = wt_call(fx, U1C, &rq);
  wt_assert_seq(r, "0");
  /* A valid defTypes on a some-accounts Wait changes nothing. */
  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_assert_accounts(wt_poll(fx, U1C, ws, "0"), WT_U1);
}
END_TEST

START_TEST(validation_bad_types_in_entry)
{
  static const char *const bad[] = {"", "x", "f,,m", "ALL", "fm", "m,"};
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  size_t i;

  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    wt_request rq;
    wt_response *r;
    char quoted[32];

    snprintf(quoted, sizeof(quoted), "\"%s\"", bad[i]);
    wt_req_wait(&rq, ws, "0");
    wt_req_add(&rq, WT_U2)->types = bad[i];
    r = wt_call(fx, ADC, &rq);
    wt_assert_fault(r, "service.INVALID_REQUEST", "types", quoted);
    ck_assert(!watched(ws, WT_U2));
  }
}
END_TEST

START_TEST(validation_types_trimmed_in_entry)
{
  const char *ws = wt_create(fx, ADC, "m", NULL);
  wt_request rq;

  wt_req_wait(&rq, ws, "0");
  wt_req_add(&rq, WT_U2)->types = " m , c ";
  wt_assert_no_errors(wt_call(fx, ADC, &rq));
  wt_create_contact(fx, WT_U2, 400);
  wt_assert_accounts(wt_poll(fx, ADC, ws, "0"), WT_U2);
}
END_TEST

START_TEST(validation_entry_without_id_or_name)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  wt_request rq;
  wt_response *r;

  wt_req_wait(&rq, ws, "0");
  wt_req_add(&rq, WT_U2);
  wt_req_add(&rq, NULL);
  r = wt_call(fx, ADC, &rq);
  wt_assert_fault(r, "service.INVALID_REQUEST",
                  "invalid request: missing required attribute: ", NULL);
  ck_assert(!watched(ws, WT_U2));

  wt_req_wait(&rq, ws, "0");
  wt_req_update(&rq, NULL);
  r = wt_call(fx, ADC, &rq);
  wt_assert_fault(r, "service.INVALID_REQUEST",
                  "missing required attribute: ", NULL);

  wt_req_wait(&rq, ws, "0");
  wt_req_remove(&rq, NULL)->name = WT_U1_NAME;
  r = wt_call(fx, ADC, &rq);
  wt_assert_fault(r, "service.INVALID_REQUEST",
                  "missing required attribute: id", NULL);
  ck_assert(watched(ws, WT_U1));
}
END_TEST

START_TEST(validation_auth_required_every_op)
{
  static const int ops[] = {WAITSET_OP_CREATE, WAITSET_OP_WAIT,
                            WAITSET_OP_DESTROY, WAITSET_OP_QUERY};
  const char *ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  size_t i;

  for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
    wt_request rq;

    wt_req_wait(&rq, ws, "0");
    rq.req.op = ops[i];
    rq.req.def_types = "m";
    rq.req.admin = ops[i] == WAITSET_OP_QUERY;
    wt_assert_fault(wt_call(fx, wt_anonymous(), &rq),
                    "service.AUTH_REQUIRED", NULL, NULL);
  }
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 1);
}
END_TEST

START_TEST(validation_admin_command_user_token)
{
  const char *ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  wt_request rq;

  wt_req_wait(&rq, ws, "0");
  wt_req_admin(&rq);
  wt_assert_fault(wt_call(fx, U1C, &rq), "service.PERM_DENIED",
                  "need adequate admin token", NULL);
  wt_req_destroy(&rq, ws);
  wt_req_admin(&rq);
  wt_assert_fault(wt_call(fx, U1C, &rq), "service.PERM_DENIED",
                  "need adequate admin token", NULL);
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 1);
}
END_TEST

START_TEST(validation_syntax_before_waitset_lookup)
{
  wt_request rq;

  /* An unknown waitset and a malformed seq: syntax is checked first. */
  wt_req_wait(&rq, "WaitSet-00000000-0000-0000-0000-000000000000", "abc");
  wt_assert_fault(wt_call(fx, U1C, &rq), "service.INVALID_REQUEST", "seq",
                  NULL);
  /* A missing waitSet is reported before a malformed seq. */
  wt_req_wait(&rq, NULL, "abc");
  wt_assert_fault(wt_call(fx, U1C, &rq), "service.INVALID_REQUEST",
                  "waitSet", NULL);
}
END_TEST

START_TEST(validation_seq_before_timeout)
{
  const char *ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  wt_request rq;

  wt_req_wait(&rq, ws, "x");
  rq.req.timeout = "y";
  wt_assert_fault(wt_call(fx, U1C, &rq), "service.INVALID_REQUEST", "seq",
                  "\"x\"");
}
END_TEST

START_TEST(validation_syntax_before_rights)
{
  const char *ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  wt_request rq;

  wt_req_wait(&rq, ws, "0");
  wt_req_add(&rq, WT_NOBODY);
  wt_req_add(&rq, WT_U1)->token = "abc";
  wt_assert_fault(wt_call(fx, U1C, &rq), "service.INVALID_REQUEST",
                  "malformed sync token", NULL);
}
END_TEST

START_TEST(validation_owner_before_account_rights)
{
  const char *ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  wt_request rq;

  wt_req_wait(&rq, ws, "0");
  wt_req_add(&rq, WT_NOBODY);
  wt_assert_fault(wt_call(fx, wt_user(WT_U2), &rq), "service.PERM_DENIED",
                  "Not owner", NULL);
}
END_TEST

START_TEST(validation_fault_keeps_waiter)
{
  const char *ws;
  wt_request rq;
  wt_response *waiter;

  use_long_timeouts();
  ws = wt_create(fx, U1C, "m", WT_U1, NULL);

  wt_req_wait(&rq, ws, "0");
  rq.req.block = "1";
  waiter = wt_exec(fx, U1C, &rq);
  wt_run_for(fx, 40);

  wt_req_wait(&rq, ws, "0");
  wt_req_add(&rq, WT_NOBODY);
  wt_assert_fault(wt_call(fx, U1C, &rq), "service.PERM_DENIED", NULL, NULL);
  wt_req_wait(&rq, ws, "0");
  rq.req.timeout = "abc";
  wt_assert_fault(wt_call(fx, U1C, &rq), "service.INVALID_REQUEST", NULL,
                  NULL);
  wt_assert_fault(wt_poll(fx, wt_user(WT_U2), ws, "0"),
                  "service.PERM_DENIED", NULL, NULL);
  ck_assert_int_eq(waiter->done, 0);
  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_run_until_done(fx, waiter);
  wt_assert_seq(waiter, "2");
}
END_TEST

START_TEST(validation_api_arguments)
{
  wt_request rq;
  waitset_caller c = U1C;
  wt_response *r;

  wt_req_create(&rq, "m");
  rq.req.op = 99;
  r = wt_exec_rc(fx, c, &rq);
  ck_assert_int_eq(r->rc, WAITSET_EINVAL);
  rq.req.op = WAITSET_OP_CREATE;
  ck_assert_int_eq(waitset_execute(wt_registry(fx), &c, &rq.req, NULL, NULL,
                                   NULL),
                   WAITSET_EINVAL);
  ck_assert_int_eq(waitset_execute(wt_registry(fx), NULL, &rq.req, NULL,
                                   NULL, NULL),
                   WAITSET_EINVAL);
  ck_assert_int_eq(waitset_post_change(wt_registry(fx), NULL),
                   WAITSET_EINVAL);
  wt_run_idle(fx);
  ck_assert_int_eq(r->done, 0);
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 0);
}
END_TEST

START_TEST(validation_callback_not_inline)
{
  wt_request rq;
  wt_response *r;

  /* Even a fault response arrives on a later loop turn. */
  wt_req_wait(&rq, NULL, "0");
  r = wt_exec(fx, U1C, &rq);
  ck_assert_int_eq(r->done, 0);
  wt_run_until_done(fx, r);
  wt_assert_fault(r, "service.INVALID_REQUEST", NULL, NULL);
}
END_TEST

START_TEST(validation_fault_codes_sender_side)
{
  ck_assert_int_eq(waitset_fault_is_sender(WAITSET_EINVALID_REQUEST), 1);
  ck_assert_int_eq(waitset_fault_is_sender(WAITSET_EPERM_DENIED), 1);
  ck_assert_int_eq(waitset_fault_is_sender(WAITSET_ENO_SUCH_WAITSET), 1);
  ck_assert_int_eq(waitset_fault_is_sender(WAITSET_EMAIL_NO_SUCH_WAITSET),
                   1);
  ck_assert_int_eq(waitset_fault_is_sender(WAITSET_EFAILURE), 0);
  ck_assert_str_eq(waitset_fault_code(WAITSET_ENO_SUCH_WAITSET),
                   "admin.NO_SUCH_WAITSET");
  ck_assert_str_eq(waitset_fault_code(WAITSET_EMAIL_NO_SUCH_WAITSET),
                   "mail.NO_SUCH_WAITSET");
}
END_TEST

START_TEST(validation_reason_format)
{
  const char *ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  char value[301];
  char cut[140];
  wt_request rq;
  wt_response *r;

  wt_req_wait(&rq, ws, "abc");
  r = wt_call(fx, U1C, &rq);
  wt_assert_fault(r, "service.INVALID_REQUEST",
                  "invalid request: invalid seq: \"abc\"", NULL);

  /* Quoted client values are cut to 128 bytes, followed by "...". */
  memset(value, 'x', sizeof(value) - 1);
  value[sizeof(value) - 1] = '\0';
  memset(cut, 'x', 128);
  strcpy(cut + 128, "...");
  wt_req_wait(&rq, ws, value);
  r = wt_call(fx, U1C, &rq);
  wt_assert_fault(r, "service.INVALID_REQUEST", "invalid seq: \"", cut);
  cut[128] = 'x';
  cut[129] = '\0';
  ck_assert_ptr_null(strstr(r->fault_reason, cut));
}
END_TEST

START_TEST(validation_auth_required_reason)
{
  wt_request rq;

  wt_req_create(&rq, "m");
  wt_assert_fault(wt_call(fx, wt_anonymous(), &rq), "service.AUTH_REQUIRED",
                  "no valid authtoken present", NULL);
}
END_TEST

static void
on_probe_closed(waitset_registry *reg, void *user_data)
{
  (void)reg;
  (*(int *)user_data)++;
}

static void
probe_lookup(waitset_registry *reg, waitset_lookup *lookup, void *user_data)
{
  (void)reg;
  (void)lookup;
  (void)user_data;
}

static int64_t
probe_last_change_id(waitset_registry *reg, const char *id, void *user_data)
{
  (void)reg;
  (void)id;
  (void)user_data;
  return -1;
}

/* Build a registry on the fixture's loop with one option changed, close
 * it again when it was created, and return waitset_registry_new()'s
 * result. */
static int
probe_registry(int option, int64_t value, int option2, int64_t value2)
{
  waitset_options *opts = NULL;
  waitset_registry *reg = NULL;
  waitset_host host;
  int closed = 0;
  int rc;

  memset(&host, 0, sizeof(host));
  host.size = sizeof(host);
  host.lookup_account = probe_lookup;
  host.last_change_id = probe_last_change_id;
  ck_assert_int_eq(waitset_options_new(&opts), 0);
  rc = waitset_options_set(opts, option, value);
  if (rc == 0 && option2 != 0)
    rc = waitset_options_set(opts, option2, value2);
  if (rc == 0)
    rc = waitset_registry_new(&reg, wt_loop(fx), opts, &host);
  waitset_options_free(opts);
  if (rc == 0) {
    ck_assert_int_eq(waitset_registry_close(reg, on_probe_closed, &closed),
                     0);
    while (closed == 0)
      uv_run(wt_loop(fx), UV_RUN_ONCE);
  }
  return rc;
}

START_TEST(validation_registry_option_bounds)
{
  /* These are rejected: bounds that involve two options, a timeout bound
   * below 1 s, a zero idle expiry or sweep interval, and a per-owner
   * limit below 1. The error comes from waitset_options_set() or from
   * waitset_registry_new(). */
  ck_assert_int_eq(probe_registry(WAITSET_OPT_TIMEOUT_MIN_MS, 999, 0, 0),
                   WAITSET_ERANGE);
  ck_assert_int_eq(probe_registry(WAITSET_OPT_ADMIN_TIMEOUT_MIN_MS, 999, 0,
                                  0),
                   WAITSET_ERANGE);
  ck_assert_int_eq(probe_registry(WAITSET_OPT_TIMEOUT_MIN_MS, 400000, 0, 0),
                   WAITSET_ERANGE);
  ck_assert_int_eq(probe_registry(WAITSET_OPT_TIMEOUT_DEFAULT_MS, 2000000,
                                  0, 0),
                   WAITSET_ERANGE);
  ck_assert_int_eq(probe_registry(WAITSET_OPT_TIMEOUT_MAX_MS, 20000, 0, 0),
                   WAITSET_ERANGE);
  ck_assert_int_eq(probe_registry(WAITSET_OPT_IDLE_EXPIRY_MS, 0, 0, 0),
                   WAITSET_ERANGE);
  ck_assert_int_eq(probe_registry(WAITSET_OPT_SWEEP_INTERVAL_MS, 0, 0, 0),
                   WAITSET_ERANGE);
  ck_assert_int_eq(probe_registry(WAITSET_OPT_MAX_WAITSETS_PER_OWNER, 0, 0,
                                  0),
                   WAITSET_ERANGE);
  /* The two delays may be 0, which disables them. */
  ck_assert_int_eq(probe_registry(WAITSET_OPT_INITIAL_DELAY_MS, 0,
                                  WAITSET_OPT_COALESCE_DELAY_MS, 0),
                   0);
  ck_assert_int_eq(probe_registry(WAITSET_OPT_TIMEOUT_MIN_MS, 1000, 0, 0),
                   0);
}
END_TEST

static Suite *
validation_suite(void)
{
  Suite *s = suite_create("validation");
  TCase *tc = tcase_create("validation");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_loop_test(tc, validation_block_true_spellings, 0,
                      sizeof(true_spellings) / sizeof(true_spellings[0]));
  tcase_add_loop_test(tc, validation_block_false_spellings, 0,
                      sizeof(false_spellings) / sizeof(false_spellings[0]));
  tcase_add_loop_test(tc, validation_block_bad_rejected, 0,
                      sizeof(bad_spellings) / sizeof(bad_spellings[0]));
  tcase_add_test(tc, validation_expand_spellings);
  tcase_add_test(tc, validation_all_accounts_bad_rejected);
  tcase_add_test(tc, validation_wait_def_types_checked);
  tcase_add_test(tc, validation_bad_types_in_entry);
  tcase_add_test(tc, validation_types_trimmed_in_entry);
  tcase_add_test(tc, validation_entry_without_id_or_name);
  tcase_add_test(tc, validation_auth_required_every_op);
  tcase_add_test(tc, validation_admin_command_user_token);
  tcase_add_test(tc, validation_syntax_before_waitset_lookup);
  tcase_add_test(tc, validation_seq_before_timeout);
  tcase_add_test(tc, validation_syntax_before_rights);
  tcase_add_test(tc, validation_owner_before_account_rights);
  tcase_add_test(tc, validation_fault_keeps_waiter);
  tcase_add_test(tc, validation_api_arguments);
  tcase_add_test(tc, validation_callback_not_inline);
  tcase_add_test(tc, validation_fault_codes_sender_side);
  tcase_add_test(tc, validation_reason_format);
  tcase_add_test(tc, validation_auth_required_reason);
  tcase_add_test(tc, validation_registry_option_bounds);
  suite_add_tcase(s, tc);
  return s;
}

int
main(void)
{
  return wt_run_suite(validation_suite());
}
