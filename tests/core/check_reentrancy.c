/* SPDX-License-Identifier: MIT */
/*
 * Reentrancy: the calls a response callback may make, and the calls a
 * log hook may not make.
 */
#include "mini_host.h"

/* State shared by a test and its callbacks. */
typedef struct reent {
  mh_host *h;
  char waitset_id[128];
  int first_done;
  int inner_rc;
  int inner_done_inside; /* inner callback ran inside the outer one */
  int in_outer;
  mh_resp inner;
  mh_resp other;
  waitset_call *other_call;
  waitset_call *self_call;
  int self_abandon_rc;
} reent;

static char created_id[128];

static const char *
create_waitset(mh_host *h, const char *account)
{
  waitset_request rq = mh_request(WAITSET_OP_CREATE);
  waitset_account_spec add;
  mh_resp r;

  memset(&add, 0, sizeof(add));
  add.id = account;
  rq.def_types = "all";
  rq.add = &add;
  rq.add_count = 1;
  ck_assert_int_eq(mh_exec(h, account, &rq, &r, NULL), 0);
  mh_run_until(h, &r.done);
  ck_assert_int_eq(r.status, 0);
  snprintf(created_id, sizeof(created_id), "%s", r.waitset_id);
  return created_id;
}

static waitset_request
poll_request(const char *id, const char *seq)
{
  waitset_request rq = mh_request(WAITSET_OP_WAIT);

  rq.waitset_id = id;
  rq.seq = seq;
  return rq;
}

/* ------------------------------------------------------------------ */
/* Calls allowed from a response callback                              */

static void
execute_from_cb(waitset_registry *reg, const waitset_response *resp,
                void *user_data)
{
  reent *t = user_data;
  waitset_request rq = poll_request(t->waitset_id, "0");
  waitset_caller c = mh_caller(MH_A1, 0);

  ck_assert_int_eq(resp->status, 0);
  t->first_done = 1;
  t->in_outer = 1;
  t->inner_rc = waitset_execute(reg, &c, &rq, mh_record_cb, &t->inner,
                                NULL);
  t->inner_done_inside = t->inner.done;
  t->in_outer = 0;
}

START_TEST(callback_execute_allowed)
{
  mh_host h;
  reent t;
  waitset_request rq;
  waitset_caller c = mh_caller(MH_A1, 0);

  memset(&t, 0, sizeof(t));
  mh_start(&h, NULL);
  snprintf(t.waitset_id, sizeof(t.waitset_id), "%s",
           create_waitset(&h, MH_A1));
  rq = poll_request(t.waitset_id, "0");
  ck_assert_int_eq(waitset_execute(h.reg, &c, &rq, execute_from_cb, &t,
                                   NULL), 0);
  mh_run_until(&h, &t.inner.done);
  ck_assert_int_eq(t.first_done, 1);
  ck_assert_int_eq(t.inner_rc, 0);
  ck_assert_int_eq(t.inner_done_inside, 0);
  ck_assert_int_eq(t.inner.status, 0);
  ck_assert_str_eq(t.inner.seq, "0");
  mh_finish(&h);
}
END_TEST

static void
abandon_other_cb(waitset_registry *reg, const waitset_response *resp,
                 void *user_data)
{
  reent *t = user_data;

  (void)reg;
  (void)resp;
  t->first_done = 1;
  t->inner_rc = waitset_call_abandon(t->other_call);
}

START_TEST(callback_abandon_other_allowed)
{
  mh_host h;
  reent t;
  waitset_request rq = mh_request(WAITSET_OP_CREATE);
  waitset_caller c = mh_caller(MH_A1, 0);

  memset(&t, 0, sizeof(t));
  mh_start(&h, NULL);
  rq.def_types = "m";
  /* Both complete on the same later turn; the first abandons the
   * second before its callback runs. */
  ck_assert_int_eq(waitset_execute(h.reg, &c, &rq, abandon_other_cb, &t,
                                   NULL), 0);
  ck_assert_int_eq(waitset_execute(h.reg, &c, &rq, mh_record_cb, &t.other,
                                   &t.other_call), 0);
  mh_run_until(&h, &t.first_done);
  uv_run(&h.loop, UV_RUN_NOWAIT);
  ck_assert_int_eq(t.inner_rc, 0);
  ck_assert_int_eq(t.other.done, 0);
  /* The abandoned create still happened; only its response is gone. */
  ck_assert_uint_eq(waitset_registry_count(h.reg), 2);
  mh_finish(&h);
}
END_TEST

static void
abandon_self_cb(waitset_registry *reg, const waitset_response *resp,
                void *user_data)
{
  reent *t = user_data;

  (void)reg;
  (void)resp;
  t->first_done++;
  t->self_abandon_rc = waitset_call_abandon(t->self_call);
}

START_TEST(callback_abandon_self_allowed)
{
  mh_host h;
  reent t;
  waitset_request rq = mh_request(WAITSET_OP_CREATE);
  waitset_caller c = mh_caller(MH_A1, 0);

  memset(&t, 0, sizeof(t));
  mh_start(&h, NULL);
  rq.def_types = "m";
  ck_assert_int_eq(waitset_execute(h.reg, &c, &rq, abandon_self_cb, &t,
                                   &t.self_call), 0);
  mh_run_until(&h, &t.first_done);
  uv_run(&h.loop, UV_RUN_NOWAIT);
  ck_assert_int_eq(t.first_done, 1);
  ck_assert_int_eq(t.self_abandon_rc, 0);
  mh_finish(&h);
}
END_TEST

START_TEST(abandon_parked_keeps_data)
{
  mh_host h;
  mh_resp parked;
  mh_resp r;
  waitset_call *call = NULL;
  waitset_request rq;
  const char *id;

  mh_start(&h, NULL);
  id = create_waitset(&h, MH_A1);
  rq = poll_request(id, "0");
  rq.block = "1";
  ck_assert_int_eq(mh_exec(&h, MH_A1, &rq, &parked, &call), 0);
  uv_run(&h.loop, UV_RUN_NOWAIT);
  ck_assert_uint_eq(waitset_registry_parked(h.reg), 1);
  ck_assert_int_eq(waitset_call_abandon(call), 0);
  ck_assert_uint_eq(waitset_registry_parked(h.reg), 0);
  ck_assert_int_eq(mh_deliver(&h, MH_A1, 300), 0);
  uv_run(&h.loop, UV_RUN_NOWAIT);
  ck_assert_int_eq(parked.done, 0);
  rq = poll_request(id, "0");
  ck_assert_int_eq(mh_exec(&h, MH_A1, &rq, &r, NULL), 0);
  mh_run_until(&h, &r.done);
  ck_assert_str_eq(r.seq, "2");
  ck_assert_uint_eq(r.signal_count, 1);
  ck_assert_int_eq(parked.done, 0);
  mh_finish(&h);
}
END_TEST

static void
post_change_cb(waitset_registry *reg, const waitset_response *resp,
               void *user_data)
{
  reent *t = user_data;

  (void)reg;
  ck_assert_int_eq(resp->status, 0);
  t->first_done = 1;
  t->inner_rc = mh_deliver(t->h, MH_A1, 301);
}

START_TEST(callback_post_change_allowed)
{
  mh_host h;
  reent t;
  waitset_request rq;
  waitset_caller c = mh_caller(MH_A1, 0);
  mh_resp r;

  memset(&t, 0, sizeof(t));
  mh_start(&h, NULL);
  t.h = &h;
  snprintf(t.waitset_id, sizeof(t.waitset_id), "%s",
           create_waitset(&h, MH_A1));
  rq = poll_request(t.waitset_id, "0");
  ck_assert_int_eq(waitset_execute(h.reg, &c, &rq, post_change_cb, &t,
                                   NULL), 0);
  mh_run_until(&h, &t.first_done);
  ck_assert_int_eq(t.inner_rc, 0);
  ck_assert_int_eq(mh_exec(&h, MH_A1, &rq, &r, NULL), 0);
  mh_run_until(&h, &r.done);
  ck_assert_str_eq(r.seq, "2");
  ck_assert_uint_eq(r.signal_count, 1);
  mh_finish(&h);
}
END_TEST

static void
close_from_cb(waitset_registry *reg, const waitset_response *resp,
              void *user_data)
{
  reent *t = user_data;
  waitset_request rq = poll_request(t->waitset_id, "0");
  waitset_caller c = mh_caller(MH_A1, 0);

  (void)resp;
  t->first_done = 1;
  t->inner_rc = waitset_registry_close(reg, mh_close_cb, t->h);
  t->self_abandon_rc = waitset_execute(reg, &c, &rq, mh_record_cb,
                                       &t->inner, NULL);
}

START_TEST(callback_close_allowed)
{
  mh_host h;
  reent t;
  waitset_request rq = mh_request(WAITSET_OP_CREATE);
  waitset_caller c = mh_caller(MH_A2, 0);
  const char *id;

  memset(&t, 0, sizeof(t));
  mh_start(&h, NULL);
  t.h = &h;
  id = create_waitset(&h, MH_A1);
  snprintf(t.waitset_id, sizeof(t.waitset_id), "%s", id);
  {
    waitset_request wrq = poll_request(id, "0");

    wrq.block = "1";
    ck_assert_int_eq(mh_exec(&h, MH_A1, &wrq, &t.other, NULL), 0);
    uv_run(&h.loop, UV_RUN_NOWAIT);
  }
  rq.def_types = "m";
  ck_assert_int_eq(waitset_execute(h.reg, &c, &rq, close_from_cb, &t,
                                   NULL), 0);
  mh_run_until(&h, &t.first_done);
  ck_assert_int_eq(t.inner_rc, 0);
  ck_assert_int_eq(t.self_abandon_rc, WAITSET_ECLOSING);
  ck_assert_int_eq(h.close_calls, 0);
  mh_run_until(&h, &h.close_calls);
  ck_assert_int_eq(h.close_calls, 1);
  ck_assert_int_eq(t.other.done, 1);
  ck_assert_int_eq(t.other.canceled, 1);
  ck_assert_int_eq(t.inner.done, 0);
  uv_run(&h.loop, UV_RUN_DEFAULT);
  ck_assert_int_eq(uv_loop_close(&h.loop), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Calls forbidden from the log hook                                    */

typedef struct log_probe {
  mh_host *h;
  waitset_call *parked;
  waitset_lookup *lookup;
  int lines;
  int level;
  int checked;
  int rc[12];
  const char *pure[4];
} log_probe;

static void
probe_cb(waitset_registry *reg, const waitset_response *resp,
         void *user_data)
{
  (void)reg;
  (void)resp;
  (void)user_data;
  ck_abort_msg("a request started from the log hook completed");
}

static void
log_hook(int level, const char *message, void *user_data)
{
  log_probe *p = user_data;
  waitset_registry *reg = p->h->reg;
  waitset_request rq = mh_request(WAITSET_OP_CREATE);
  waitset_caller c = mh_caller(MH_A1, 0);
  waitset_change ch;
  waitset_account_info info;

  ck_assert_ptr_nonnull(message);
  ck_assert_ptr_null(strchr(message, '\n'));
  p->lines++;
  /* Probe on the eviction line, when a call is parked and a lookup
   * held; the earlier "created" lines come before those exist. */
  if (level != WAITSET_LOG_INFO || p->checked
      || strstr(message, "evicted") == NULL)
    return;
  p->checked = 1;
  p->level = level;
  rq.def_types = "m";
  memset(&ch, 0, sizeof(ch));
  ch.size = sizeof(ch);
  ch.account_id = MH_A1;
  ch.change_id = 500;
  ch.types = WAITSET_TYPE_MESSAGE;
  memset(&info, 0, sizeof(info));
  info.size = sizeof(info);
  info.status = WAITSET_ACCOUNT_LOCAL;
  info.access = 1;
  info.id = MH_A2;
  p->rc[0] = waitset_execute(reg, &c, &rq, probe_cb, NULL, NULL);
  p->rc[1] = waitset_call_abandon(p->parked);
  p->rc[2] = waitset_post_change(reg, &ch);
  p->rc[3] = waitset_post_change_threadsafe(reg, &ch);
  p->rc[4] = waitset_mailbox_deleted(reg, MH_A1);
  p->rc[5] = waitset_mailbox_unavailable(reg, MH_A1);
  p->rc[6] = waitset_mailbox_available(reg, MH_A1, 5);
  p->rc[7] = waitset_mailbox_failed(reg, MH_A1);
  p->rc[8] = waitset_lookup_complete(p->lookup, &info);
  p->rc[9] = waitset_registry_close(reg, mh_close_cb, p->h);
  p->pure[0] = waitset_strerror(WAITSET_ENOMEM);
  p->pure[1] = waitset_err_name(WAITSET_ENOMEM);
  p->pure[2] = waitset_fault_code(WAITSET_EPERM_DENIED);
  p->pure[3] = waitset_version_string();
}

START_TEST(log_hook_forbidden_calls)
{
  waitset_options *opts = mh_options();
  log_probe p;
  mh_host h;
  mh_resp parked;
  mh_resp held;
  mh_resp second;
  waitset_request rq;
  const char *id;
  int i;

  memset(&p, 0, sizeof(p));
  p.h = &h;
  ck_assert_int_eq(waitset_options_set_log(opts, WAITSET_LOG_TRACE, log_hook,
                                           &p), 0);
  ck_assert_int_eq(waitset_options_set(opts,
                                       WAITSET_OPT_MAX_WAITSETS_PER_OWNER,
                                       1), 0);
  mh_start(&h, opts);
  waitset_options_free(opts);

  id = create_waitset(&h, MH_A1);
  rq = poll_request(id, "0");
  rq.block = "1";
  ck_assert_int_eq(mh_exec(&h, MH_A1, &rq, &parked, &p.parked), 0);
  uv_run(&h.loop, UV_RUN_NOWAIT);

  /* A create whose lookup the host holds, to test lookup_complete. */
  {
    waitset_request crq = mh_request(WAITSET_OP_CREATE);
    waitset_account_spec add;

    memset(&add, 0, sizeof(add));
    add.id = MH_A2;
    crq.def_types = "m";
    crq.add = &add;
    crq.add_count = 1;
    h.hold_lookups = 1;
    ck_assert_int_eq(mh_exec(&h, MH_A2, &crq, &held, NULL), 0);
    h.hold_lookups = 0;
    ck_assert_uint_eq(h.held_count, 1);
    p.lookup = h.held[0];
  }

  /* A second waitset of the same owner evicts the first and logs it. */
  rq = mh_request(WAITSET_OP_CREATE);
  rq.def_types = "m";
  ck_assert_int_eq(mh_exec(&h, MH_A1, &rq, &second, NULL), 0);
  ck_assert_int_eq(p.checked, 1);
  ck_assert_int_eq(p.level, WAITSET_LOG_INFO);
  for (i = 0; i < 10; i++)
    ck_assert_msg(p.rc[i] == WAITSET_ERECURSIVE, "call %d returned %s", i,
                  waitset_err_name(p.rc[i]));
  ck_assert_str_eq(p.pure[0], waitset_strerror(WAITSET_ENOMEM));
  ck_assert_str_eq(p.pure[1], "WAITSET_ENOMEM");
  ck_assert_str_eq(p.pure[2], "service.PERM_DENIED");
  ck_assert_str_eq(p.pure[3], WAITSET_VERSION_STRING);

  /* None of the refused calls took effect. */
  mh_run_until(&h, &second.done);
  mh_run_until(&h, &parked.done);
  ck_assert_int_eq(parked.canceled, 1);
  ck_assert_int_eq(h.close_calls, 0);
  ck_assert_uint_eq(h.held_count, 1);
  mh_release(&h);
  mh_run_until(&h, &held.done);
  ck_assert_int_eq(held.status, 0);
  ck_assert_uint_eq(waitset_registry_count(h.reg), 2);
  mh_finish(&h);
  ck_assert_int_gt(p.lines, 0);
}
END_TEST

static Suite *
reentrancy_suite(void)
{
  Suite *s = suite_create("reentrancy");
  TCase *tc = tcase_create("core");

  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, callback_execute_allowed);
  tcase_add_test(tc, callback_abandon_other_allowed);
  tcase_add_test(tc, callback_abandon_self_allowed);
  tcase_add_test(tc, abandon_parked_keeps_data);
  tcase_add_test(tc, callback_post_change_allowed);
  tcase_add_test(tc, callback_close_allowed);
  tcase_add_test(tc, log_hook_forbidden_calls);
  suite_add_tcase(s, tc);
  return s;
}

int
main(void)
{
  SRunner *sr = srunner_create(reentrancy_suite());
  int failed;

  srunner_set_tap(sr, "-");
  srunner_run_all(sr, CK_SILENT);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? 0 : 1;
}
