/* SPDX-License-Identifier: MIT */
/*
 * End-to-end tests of the WaitSet protocol over HTTP against waitsetd:
 * create, seq numbering and acknowledgement, blocking and timeouts,
 * cancellation, per-account errors, types, tokens, folder interests,
 * expand output, limits, all-accounts waitsets and QueryWaitSet.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "e2e.h"

#define ADD(id) "<a id=\"" id "\"/>"

static void
copy_id(char *dst, size_t len, const char *src)
{
  ck_assert_uint_lt(strlen(src), len);
  snprintf(dst, len, "%s", src);
}

/* Assert a canceled Wait response: canceled="1", no seq, no <a>. */
static void
expect_canceled(const wsc_reply *reply)
{
  ck_assert_msg(reply->fault_code == NULL, "expected canceled, got %s",
                reply->fault_code);
  ck_assert_ptr_nonnull(reply->body);
  ck_assert_pstr_eq(wsc_node_attr(reply->body, "canceled"), "1");
  ck_assert_ptr_null(wsc_node_attr(reply->body, "seq"));
  ck_assert_uint_eq(wsc_node_count(reply->body, "a"), 0);
}

/* Assert exactly one <error> child, with this id and type. */
static void
expect_one_error(const wsc_reply *reply, const char *id, const char *type)
{
  const waitset_xml_node *error = wsc_node_child(reply->body, "error");

  ck_assert_msg(wsc_node_count(reply->body, "error") == 1,
                "expected one <error>, got: %s", reply->raw);
  ck_assert_pstr_eq(wsc_node_attr(error, "id"), id);
  ck_assert_pstr_eq(wsc_node_attr(error, "type"), type);
}

/* Non-blocking Wait that must list exactly ids and carry seq. */
static void
poll_expect(const wsc_client *client, const char *ws, const char *seq,
            const char *attrs, const char *ids, const char *want_seq)
{
  wsc_reply *reply = e2e_wait(client, ws, seq, attrs, NULL);

  ck_assert_pstr_eq(e2e_expect_accounts(reply, ids), want_seq);
  wsc_reply_free(reply);
}

static int
count_waitsets(void)
{
  wsc_reply *reply;
  int n;

  reply = e2e_call(&fx.ad, ADMIN, "<QueryWaitSetRequest " NS_ADMIN "/>");
  e2e_expect_ok(reply, "QueryWaitSetResponse");
  n = (int)wsc_node_count(reply->body, "waitSet");
  wsc_reply_free(reply);
  return n;
}

/* The <mods id=folder> of an account's <a>, or NULL. */
static const waitset_xml_node *
mods_of(const waitset_xml_node *account, int folder)
{
  char id[16];

  snprintf(id, sizeof(id), "%d", folder);
  return wsc_node_child_with(account, "mods", "id", id);
}

/* The <m> inside an entry (created, modMsgs) of mods with this item id. */
static const waitset_xml_node *
entry_item(const waitset_xml_node *mods, const char *entry, int item)
{
  const waitset_xml_node *e;
  char id[16];

  snprintf(id, sizeof(id), "%d", item);
  for (e = wsc_node_child(mods, entry); e; e = wsc_node_next(e, entry)) {
    const waitset_xml_node *m = wsc_node_child_with(e, "m", "id", id);

    if (m != NULL)
      return strcmp(entry, "created") == 0 ? m : e;
  }
  return NULL;
}

/* ------------------------------------------------------------------ */
/* Create, seq, acknowledgement                                        */

START_TEST(create_basic)
{
  wsc_reply *reply;
  const char *id;
  size_t i;

  reply = e2e_call(&fx.u1, MAIL,
                   "<CreateWaitSetRequest " NS_MAIL " defTypes=\"all\">"
                   "<add>" ADD(U1) "</add></CreateWaitSetRequest>");
  e2e_expect_ok(reply, "CreateWaitSetResponse");
  id = wsc_node_attr(reply->body, "waitSet");
  ck_assert_ptr_nonnull(id);
  ck_assert_uint_eq(strlen(id), strlen("WaitSet-") + 36);
  ck_assert_int_eq(strncmp(id, "WaitSet-", 8), 0);
  for (i = 8; id[i] != '\0'; i++)
    ck_assert_msg(strchr("0123456789abcdef-", id[i]) != NULL,
                  "waitSet id %s has a character outside [0-9a-f-]", id);
  ck_assert_pstr_eq(wsc_node_attr(reply->body, "defTypes"), "f,m,c,a,t,d");
  ck_assert_pstr_eq(wsc_node_attr(reply->body, "seq"), "0");
  ck_assert_uint_eq(wsc_node_count(reply->body, "error"), 0);
  wsc_reply_free(reply);
}
END_TEST

START_TEST(first_poll_echo)
{
  const char *ws = e2e_create(&fx.u1, "all", ADD(U1));
  wsc_reply *reply = e2e_wait(&fx.u1, ws, "0", NULL, NULL);

  e2e_expect_ok(reply, "WaitSetResponse");
  ck_assert_pstr_eq(wsc_node_attr(reply->body, "waitSet"), ws);
  ck_assert_pstr_eq(e2e_expect_accounts(reply, ""), "0");
  ck_assert_ptr_null(wsc_node_attr(reply->body, "canceled"));
  wsc_reply_free(reply);
}
END_TEST

START_TEST(signal_seq_two)
{
  const char *ws = e2e_create(&fx.u1, "all", ADD(U1));
  const waitset_xml_node *a;
  wsc_reply *reply;
  long change;

  poll_expect(&fx.u1, ws, "0", NULL, "", "0");
  e2e_add_msg(&fx.u1, 2);
  change = e2e_inject(U1, "<created type=\"m\" id=\"900\" folder=\"2\"/>");
  ck_assert_int_gt(change, 100);

  reply = e2e_wait(&fx.u1, ws, "0", NULL, NULL);
  ck_assert_pstr_eq(e2e_expect_accounts(reply, U1), "2");
  a = e2e_account(reply, U1);
  ck_assert_int_eq(atol(wsc_node_attr(a, "changeid")), change);
  ck_assert_ptr_null(wsc_node_child(a, "mods"));
  wsc_reply_free(reply);
}
END_TEST

START_TEST(ack_clears_sent)
{
  const char *ws = e2e_create(&fx.u1, "all", ADD(U1));

  e2e_add_msg(&fx.u1, 2);
  poll_expect(&fx.u1, ws, "0", NULL, U1, "2");
  poll_expect(&fx.u1, ws, "2", NULL, "", "2");
  /* Acknowledged data never comes back, whatever seq is presented. */
  poll_expect(&fx.u1, ws, "0", NULL, "", "0");
}
END_TEST

START_TEST(retransmit_stale_seq)
{
  const char *ws = e2e_create(&fx.u1, "m", ADD(U1));

  e2e_add_msg(&fx.u1, 2);
  poll_expect(&fx.u1, ws, "0", "block=\"1\"", U1, "2");
  /* The response above is treated as lost: seq 0 again. */
  poll_expect(&fx.u1, ws, "0", NULL, U1, "3");
  poll_expect(&fx.u1, ws, "3", NULL, "", "3");
}
END_TEST

START_TEST(cumulative_never_acked)
{
  const char *ws = e2e_create(&fx.ad, "m", ADD(U1) ADD(U2));

  e2e_add_msg(&fx.u1, 2);
  poll_expect(&fx.ad, ws, "0", NULL, U1, "2");
  e2e_add_msg(&fx.u2, 2);
  poll_expect(&fx.ad, ws, "0", NULL, U1 "," U2, "3");
  poll_expect(&fx.ad, ws, "0", NULL, U1 "," U2, "4");
}
END_TEST

START_TEST(invalid_seq_keeps_waiter)
{
  const char *ws = e2e_create(&fx.ad, "all", ADD(U1));
  e2e_async *r1 = e2e_wait_async(&fx.ad, ws, "0", "block=\"1\"", NULL);
  wsc_reply *reply;

  e2e_settle();
  ck_assert_msg(!e2e_async_done(r1), "the blocking wait returned early");
  reply = e2e_wait(&fx.ad, ws, "abc", NULL, "<add>" ADD(U2) "</add>");
  e2e_expect_fault(reply, "service.INVALID_REQUEST");
  e2e_expect_reason(reply, "seq");
  e2e_expect_reason(reply, "\"abc\"");
  wsc_reply_free(reply);

  reply = e2e_wait(&fx.ad, ws, "99999999999999999999", NULL, NULL);
  e2e_expect_fault(reply, "service.INVALID_REQUEST");
  e2e_expect_reason(reply, "seq");
  wsc_reply_free(reply);

  ck_assert_msg(!e2e_async_done(r1), "an invalid Wait canceled the waiter");
  ck_assert_int_eq(e2e_query_sessions(ws, U2), 0);

  e2e_add_msg(&fx.u1, 2);
  reply = e2e_async_join(r1, 5000, NULL);
  ck_assert_pstr_eq(e2e_expect_accounts(reply, U1), "2");
  wsc_reply_free(reply);

  reply = e2e_wait(&fx.ad, ws, "2", NULL, "<add>" ADD(U2) "</add>");
  e2e_expect_ok(reply, "AdminWaitSetResponse");
  ck_assert_uint_eq(wsc_node_count(reply->body, "error"), 0);
  wsc_reply_free(reply);
}
END_TEST

START_TEST(seq_grows_by_one)
{
  const char *ws = e2e_create(&fx.u1, "m", ADD(U1));
  char seq[32] = "0";
  char want[32];
  int round;

  for (round = 0; round < 8; round++) {
    e2e_add_msg(&fx.u1, 2);
    snprintf(want, sizeof(want), "%d", round + 2);
    poll_expect(&fx.u1, ws, seq, NULL, U1, want);
    copy_id(seq, sizeof(seq), want);
  }
  poll_expect(&fx.u1, ws, seq, NULL, "", seq);
}
END_TEST

START_TEST(missing_seq_rejected)
{
  const char *ws = e2e_create(&fx.ad, "all", ADD(U1));
  wsc_reply *reply;

  reply = e2e_wait(&fx.ad, ws, NULL, NULL, "<add>" ADD(U2) "</add>");
  e2e_expect_fault(reply, "service.INVALID_REQUEST");
  e2e_expect_reason(reply,
                    "invalid request: missing required attribute: seq");
  wsc_reply_free(reply);
  ck_assert_int_eq(e2e_query_sessions(ws, U2), 0);
}
END_TEST

START_TEST(missing_waitset_rejected)
{
  wsc_reply *reply;

  reply = e2e_wait(&fx.u1, NULL, "0", NULL, NULL);
  e2e_expect_fault(reply, "service.INVALID_REQUEST");
  e2e_expect_reason(reply,
                    "invalid request: missing required attribute: waitSet");
  wsc_reply_free(reply);

  reply = e2e_call(&fx.u1, MAIL, "<DestroyWaitSetRequest " NS_MAIL "/>");
  e2e_expect_fault(reply, "service.INVALID_REQUEST");
  e2e_expect_reason(reply,
                    "invalid request: missing required attribute: waitSet");
  wsc_reply_free(reply);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Blocking, timeouts, cancellation                                    */

START_TEST(blocking_data_wakes)
{
  const char *ws = e2e_create(&fx.u1, "m", ADD(U1));
  wsc_reply *reply;
  uint64_t sent;
  uint64_t elapsed;
  e2e_async *r1;

  r1 = e2e_wait_async(&fx.u1, ws, "0", "block=\"1\"", NULL);
  e2e_settle();
  ck_assert_msg(!e2e_async_done(r1), "the blocking wait returned early");
  sent = e2e_now_ms();
  e2e_add_msg(&fx.u1, 2);
  reply = e2e_async_join(r1, 5000, NULL);
  elapsed = e2e_now_ms() - sent;
  ck_assert_pstr_eq(e2e_expect_accounts(reply, U1), "2");
  /* Well before the 10 s timeout of the parked wait. */
  ck_assert_uint_lt(elapsed, 5000);
  wsc_reply_free(reply);
}
END_TEST

START_TEST(blocking_pending_data)
{
  const char *ws = e2e_create(&fx.u1, "m", ADD(U1));
  wsc_reply *reply;
  uint64_t start;

  poll_expect(&fx.u1, ws, "0", NULL, "", "0");
  e2e_add_msg(&fx.u1, 2);
  /* Data pending when the wait starts completes it at once. */
  start = e2e_now_ms();
  reply = e2e_wait(&fx.u1, ws, "0", "block=\"1\" timeout=\"300\"", NULL);
  ck_assert_uint_lt(e2e_now_ms() - start, 5000);
  ck_assert_pstr_eq(e2e_expect_accounts(reply, U1), "2");
  wsc_reply_free(reply);
}
END_TEST

START_TEST(timeout_echo_seq)
{
  const char *ws = e2e_create(&fx.u1, "m", ADD(U1));
  wsc_reply *reply;
  uint64_t start;

  start = e2e_now_ms();
  reply = e2e_wait(&fx.u1, ws, "0", "block=\"1\" timeout=\"0\"", NULL);
  /* timeout="0" is clamped up to the 1 s minimum. */
  ck_assert_uint_ge(e2e_now_ms() - start, 1000);
  e2e_expect_ok(reply, "WaitSetResponse");
  ck_assert_pstr_eq(e2e_expect_accounts(reply, ""), "0");
  ck_assert_ptr_null(wsc_node_attr(reply->body, "canceled"));
  wsc_reply_free(reply);

  /* The echo is the client's string, verbatim. */
  poll_expect(&fx.u1, ws, "07", NULL, "", "07");
}
END_TEST

START_TEST(timeout_race_no_loss)
{
  static const long offsets_ms[] = { 950, 1000, 1030 };
  const char *ws = e2e_create(&fx.u1, "m", ADD(U1));
  char seq[32] = "0";
  size_t i;

  /* A change that lands as the wait expires is reported exactly once:
   * in the timed-out response or in the next one. */
  for (i = 0; i < sizeof(offsets_ms) / sizeof(offsets_ms[0]); i++) {
    struct timespec pause = { 0, offsets_ms[i] * 1000000L };
    e2e_async *waiter;
    wsc_reply *reply;
    int reported = 0;

    if (pause.tv_nsec >= 1000000000L) {
      pause.tv_sec = 1;
      pause.tv_nsec -= 1000000000L;
    }
    waiter = e2e_wait_async(&fx.u1, ws, seq, "block=\"1\" timeout=\"0\"",
                            NULL);
    nanosleep(&pause, NULL);
    e2e_add_msg(&fx.u1, 2);
    reply = e2e_async_join(waiter, 5000, NULL);
    ck_assert_msg(reply->fault_code == NULL, "%s", reply->raw);
    if (e2e_account(reply, U1) != NULL)
      reported++;
    copy_id(seq, sizeof(seq), wsc_node_attr(reply->body, "seq"));
    wsc_reply_free(reply);

    reply = e2e_wait(&fx.u1, ws, seq, NULL, NULL);
    ck_assert_msg(reply->fault_code == NULL, "%s", reply->raw);
    if (e2e_account(reply, U1) != NULL)
      reported++;
    copy_id(seq, sizeof(seq), wsc_node_attr(reply->body, "seq"));
    wsc_reply_free(reply);

    ck_assert_msg(reported == 1, "change at %ld ms reported %d times",
                  offsets_ms[i], reported);
    poll_expect(&fx.u1, ws, seq, NULL, "", seq);
  }
}
END_TEST

/* A blocking Wait without data on its own waitset, in the background. */
static e2e_async *
start_timed_wait(const wsc_client *client, const char *timeout)
{
  char attrs[96] = "block=\"1\"";
  char ws[160];

  copy_id(ws, sizeof(ws), e2e_create(client, "m", NULL));
  if (timeout != NULL)
    snprintf(attrs, sizeof(attrs), "block=\"1\" timeout=\"%s\"", timeout);
  return e2e_wait_async(client, ws, "0", attrs, NULL);
}

/* Join a wait from start_timed_wait(); returns its duration in ms. */
static uint64_t
join_timed_wait(e2e_async *async)
{
  wsc_reply *reply;
  uint64_t elapsed;

  reply = e2e_async_join(async, 10000, &elapsed);
  ck_assert_pstr_eq(e2e_expect_accounts(reply, ""), "0");
  wsc_reply_free(reply);
  return elapsed;
}

START_TEST(timeout_clamps)
{
  static const char *const user_timeouts[] = { "0", "-5", NULL, "99999",
                                               " 7 " };
  uint64_t user_ms[5];
  uint64_t admin_ms;
  e2e_async *user_waits[5];
  e2e_async *admin_wait;
  wsc_reply *reply;
  size_t i;

  /* The waits run side by side, so the test lasts about 2.5 s. */
  e2e_restart("--timeout-min", "1.5", "--timeout-default", "2",
              "--timeout-max", "2.5", "--admin-timeout-min", "1",
              "--admin-timeout-default", "2", "--admin-timeout-max", "2.5",
              NULL);
  for (i = 0; i < 5; i++)
    user_waits[i] = start_timed_wait(&fx.u1, user_timeouts[i]);
  admin_wait = start_timed_wait(&fx.ad, "0");
  for (i = 0; i < 5; i++)
    user_ms[i] = join_timed_wait(user_waits[i]);
  admin_ms = join_timed_wait(admin_wait);

  /* Minimum < default < maximum; the admin minimum is the lowest. */
  ck_assert_uint_ge(user_ms[0], 1500);
  ck_assert_uint_ge(user_ms[1], 1500);
  ck_assert_uint_lt(user_ms[0], user_ms[2]);
  ck_assert_uint_lt(user_ms[1], user_ms[2]);
  ck_assert_uint_lt(user_ms[2], user_ms[3]);
  ck_assert_uint_lt(user_ms[2], user_ms[4]);
  ck_assert_uint_ge(user_ms[3], 2500);
  ck_assert_uint_ge(admin_ms, 1000);
  ck_assert_uint_lt(admin_ms, user_ms[0]);

  reply = e2e_wait(&fx.u1, fx.ws, "0", "block=\"1\" timeout=\"abc\"",
                   NULL);
  e2e_expect_fault(reply, "service.INVALID_REQUEST");
  e2e_expect_reason(reply, "timeout");
  e2e_expect_reason(reply, "\"abc\"");
  wsc_reply_free(reply);
}
END_TEST

START_TEST(nonblocking_delay_roles)
{
  char user_ws[160];
  wsc_reply *reply;
  uint64_t user_ms;
  uint64_t admin_ms;
  uint64_t admin_mail_ms;
  uint64_t start;

  e2e_restart("--initial-poll-delay-ms", "300", NULL);
  copy_id(user_ws, sizeof(user_ws), e2e_create(&fx.u1, "m", ADD(U1)));
  e2e_create(&fx.ad, "m", ADD(U2));

  start = e2e_now_ms();
  poll_expect(&fx.u1, user_ws, "0", NULL, "", "0");
  user_ms = e2e_now_ms() - start;

  start = e2e_now_ms();
  poll_expect(&fx.ad, fx.ws, "0", NULL, "", "0");
  admin_ms = e2e_now_ms() - start;

  /* A mail WaitSetRequest with a global-admin token is an admin
   * request too. */
  start = e2e_now_ms();
  reply = e2e_call(&fx.ad, MAIL,
                   "<WaitSetRequest " NS_MAIL " waitSet=\"%s\" seq=\"0\"/>",
                   fx.ws);
  admin_mail_ms = e2e_now_ms() - start;
  ck_assert_pstr_eq(e2e_expect_accounts(reply, ""), "0");
  wsc_reply_free(reply);

  ck_assert_uint_ge(user_ms, 300);
  ck_assert_uint_lt(admin_ms, 300);
  ck_assert_uint_lt(admin_mail_ms, 300);
}
END_TEST

START_TEST(boolean_spellings)
{
  static const char *const blocking[] = { "1", "true", "TRUE", " 1 " };
  static const char *const invalid[] = { "yes", "" };
  const char *ws = e2e_create(&fx.u1, "m", ADD(U1));
  wsc_reply *reply;
  char attrs[96];
  char seq[32] = "0";
  size_t i;

  /* A blocking wait is still waiting after the settle time, which is
   * many times the 20 ms a non-blocking one takes; data then ends it. */
  for (i = 0; i < sizeof(blocking) / sizeof(blocking[0]); i++) {
    e2e_async *waiter;

    snprintf(attrs, sizeof(attrs), "block=\"%s\"", blocking[i]);
    waiter = e2e_wait_async(&fx.u1, ws, seq, attrs, NULL);
    e2e_settle();
    ck_assert_msg(!e2e_async_done(waiter), "block=\"%s\" did not block",
                  blocking[i]);
    e2e_add_msg(&fx.u1, 2);
    reply = e2e_async_join(waiter, 5000, NULL);
    copy_id(seq, sizeof(seq), e2e_expect_accounts(reply, U1));
    wsc_reply_free(reply);
  }

  for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
    snprintf(attrs, sizeof(attrs), "block=\"%s\"", invalid[i]);
    reply = e2e_wait(&fx.u1, ws, seq, attrs, "<add>" ADD(U2) "</add>");
    e2e_expect_fault(reply, "service.INVALID_REQUEST");
    e2e_expect_reason(reply, "block");
    wsc_reply_free(reply);

    snprintf(attrs, sizeof(attrs), "expand=\"%s\"", invalid[i]);
    reply = e2e_wait(&fx.u1, ws, seq, attrs, "<add>" ADD(U2) "</add>");
    e2e_expect_fault(reply, "service.INVALID_REQUEST");
    e2e_expect_reason(reply, "expand");
    wsc_reply_free(reply);
  }
  reply = e2e_wait(&fx.u1, ws, seq, "block=\"yes\"", NULL);
  e2e_expect_reason(reply, "\"yes\"");
  wsc_reply_free(reply);
  ck_assert_int_eq(e2e_query_sessions(ws, U2), 0);

  reply = e2e_call(&fx.ad, ADMIN,
                   "<AdminCreateWaitSetRequest " NS_ADMIN " defTypes=\"all\" "
                   "allAccounts=\"TRUE\"/>");
  e2e_expect_ok(reply, "AdminCreateWaitSetResponse");
  ck_assert_int_eq(strncmp(wsc_node_attr(reply->body, "waitSet"),
                           "AllWaitSet-", 11), 0);
  wsc_reply_free(reply);
}
END_TEST

START_TEST(second_wait_cancels_first)
{
  const char *ws = e2e_create(&fx.u1, "m", ADD(U1));
  e2e_async *r1;
  e2e_async *r2;
  wsc_reply *reply;

  r1 = e2e_wait_async(&fx.u1, ws, "0", "block=\"1\"", NULL);
  e2e_settle();
  r2 = e2e_wait_async(&fx.u1, ws, "0", "block=\"1\"", NULL);
  reply = e2e_async_join(r1, 5000, NULL);
  expect_canceled(reply);
  ck_assert_pstr_eq(wsc_node_attr(reply->body, "waitSet"), ws);
  wsc_reply_free(reply);

  e2e_settle();
  ck_assert_msg(!e2e_async_done(r2), "the newer wait returned early");
  e2e_add_msg(&fx.u1, 2);
  reply = e2e_async_join(r2, 5000, NULL);
  ck_assert_pstr_eq(e2e_expect_accounts(reply, U1), "2");
  wsc_reply_free(reply);
}
END_TEST

START_TEST(destroy_during_wait)
{
  char ws[160];
  e2e_async *r1;
  wsc_reply *reply;

  copy_id(ws, sizeof(ws), e2e_create(&fx.u1, "m", ADD(U1)));
  r1 = e2e_wait_async(&fx.u1, ws, "0", "block=\"1\"", NULL);
  e2e_settle();

  reply = e2e_call(&fx.u1, MAIL,
                   "<DestroyWaitSetRequest " NS_MAIL " waitSet=\"%s\"/>", ws);
  e2e_expect_ok(reply, "DestroyWaitSetResponse");
  ck_assert_pstr_eq(wsc_node_attr(reply->body, "waitSet"), ws);
  wsc_reply_free(reply);

  reply = e2e_async_join(r1, 5000, NULL);
  expect_canceled(reply);
  wsc_reply_free(reply);

  e2e_add_msg(&fx.u1, 2);
  reply = e2e_wait(&fx.u1, ws, "0", NULL, NULL);
  e2e_expect_fault(reply, "admin.NO_SUCH_WAITSET");
  wsc_reply_free(reply);
  reply = e2e_call(&fx.u1, MAIL,
                   "<DestroyWaitSetRequest " NS_MAIL " waitSet=\"%s\"/>", ws);
  e2e_expect_fault(reply, "mail.NO_SUCH_WAITSET");
  wsc_reply_free(reply);
}
END_TEST

START_TEST(canceled_keeps_errors)
{
  const char *ws = e2e_create(&fx.u1, "m", ADD(U1));
  e2e_async *r1;
  e2e_async *r2;
  wsc_reply *reply;

  r1 = e2e_wait_async(&fx.u1, ws, "0", "block=\"1\"",
                      "<add>" ADD(U1) "</add>");
  e2e_settle();
  r2 = e2e_wait_async(&fx.u1, ws, "0", "block=\"1\"", NULL);
  reply = e2e_async_join(r1, 5000, NULL);
  expect_canceled(reply);
  expect_one_error(reply, U1, "ALREADY_IN_SET_DURING_ADD");
  wsc_reply_free(reply);

  e2e_add_msg(&fx.u1, 2);
  reply = e2e_async_join(r2, 5000, NULL);
  ck_assert_pstr_eq(e2e_expect_accounts(reply, U1), "2");
  ck_assert_uint_eq(wsc_node_count(reply->body, "error"), 0);
  wsc_reply_free(reply);
}
END_TEST

START_TEST(destroy_in_initial_delay)
{
  char ws[160];
  e2e_async *poll;
  wsc_reply *reply;

  e2e_restart("--initial-poll-delay-ms", "1000", NULL);
  copy_id(ws, sizeof(ws), e2e_create(&fx.u1, "m", ADD(U1)));
  poll = e2e_wait_async(&fx.u1, ws, "0", NULL, NULL);
  e2e_settle();
  ck_assert_msg(!e2e_async_done(poll), "the poll skipped its delay");
  reply = e2e_call(&fx.u1, MAIL,
                   "<DestroyWaitSetRequest " NS_MAIL " waitSet=\"%s\"/>", ws);
  e2e_expect_ok(reply, "DestroyWaitSetResponse");
  wsc_reply_free(reply);
  reply = e2e_async_join(poll, 5000, NULL);
  expect_canceled(reply);
  wsc_reply_free(reply);
}
END_TEST

START_TEST(errors_keep_blocking)
{
  const char *ws = e2e_create(&fx.u1, "m", ADD(U1));
  e2e_async *waiter;
  wsc_reply *reply;

  waiter = e2e_wait_async(&fx.u1, ws, "0", "block=\"1\"",
                          "<add>" ADD(U1) "</add>");
  e2e_settle();
  ck_assert_msg(!e2e_async_done(waiter), "an add error ended the wait");
  e2e_add_msg(&fx.u1, 2);
  reply = e2e_async_join(waiter, 5000, NULL);
  ck_assert_pstr_eq(e2e_expect_accounts(reply, U1), "2");
  expect_one_error(reply, U1, "ALREADY_IN_SET_DURING_ADD");
  wsc_reply_free(reply);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Unknown waitsets and permissions                                    */

#define BOGUS "WaitSet-00000000-0000-0000-0000-000000000000"

static void
expect_id_arg(const wsc_reply *reply, const char *id)
{
  const waitset_xml_fault *fault = reply->doc.document->fault;

  ck_assert_ptr_nonnull(fault);
  ck_assert_uint_ge(fault->arg_count, 1);
  ck_assert_pstr_eq(fault->args[0].name, "id");
  ck_assert_pstr_eq(fault->args[0].type, "STR");
  ck_assert_pstr_eq(fault->args[0].value, id);
}

START_TEST(unknown_waitset_codes)
{
  wsc_reply *reply;
  char *doc;

  reply = e2e_wait(&fx.u1, BOGUS, "0", NULL, NULL);
  e2e_expect_fault(reply, "admin.NO_SUCH_WAITSET");
  e2e_expect_reason(reply, "No such waitset: " BOGUS);
  ck_assert_pstr_eq(reply->fault_value, "soap:Sender");
  expect_id_arg(reply, BOGUS);
  wsc_reply_free(reply);

  reply = e2e_wait(&fx.ad, BOGUS, "0", NULL, NULL);
  e2e_expect_fault(reply, "admin.NO_SUCH_WAITSET");
  wsc_reply_free(reply);

  reply = e2e_call(&fx.u1, MAIL,
                   "<DestroyWaitSetRequest " NS_MAIL " waitSet=\"" BOGUS
                   "\"/>");
  e2e_expect_fault(reply, "mail.NO_SUCH_WAITSET");
  e2e_expect_reason(reply, "WaitSet not found: " BOGUS);
  expect_id_arg(reply, BOGUS);
  wsc_reply_free(reply);

  reply = e2e_call(&fx.ad, ADMIN,
                   "<AdminDestroyWaitSetRequest " NS_ADMIN " waitSet=\""
                   BOGUS "\"/>");
  e2e_expect_fault(reply, "mail.NO_SUCH_WAITSET");
  wsc_reply_free(reply);

  reply = e2e_call(&fx.ad, ADMIN,
                   "<QueryWaitSetRequest " NS_ADMIN " waitSet=\"" BOGUS
                   "\"/>");
  e2e_expect_fault(reply, "admin.NO_SUCH_WAITSET");
  wsc_reply_free(reply);

  /* SOAP 1.1: the same code, with faultcode soap:Client. */
  doc = wsc_strdup_printf(
      "<soap:Envelope xmlns:soap=\"" WSC_NS_SOAP11 "\"><soap:Header>"
      "<context xmlns=\"urn:zimbra\"><authToken>%s</authToken></context>"
      "</soap:Header><soap:Body><WaitSetRequest " NS_MAIL " waitSet=\""
      BOGUS "\" seq=\"0\"/></soap:Body></soap:Envelope>",
      fx.u1.token);
  reply = e2e_post(MAIL, doc, "text/xml; charset=utf-8", 0);
  free(doc);
  e2e_expect_fault(reply, "admin.NO_SUCH_WAITSET");
  ck_assert_int_eq(reply->soap_version, WAITSET_XML_SOAP_11);
  ck_assert_pstr_eq(reply->fault_value, "soap:Client");
  wsc_reply_free(reply);
}
END_TEST

START_TEST(non_owner_denied)
{
  char ws[160];
  wsc_reply *reply;
  long long ld;

  copy_id(ws, sizeof(ws), e2e_create(&fx.u1, "m", ADD(U1)));
  ld = e2e_query_ld(ws);
  e2e_settle();

  reply = e2e_wait(&fx.u2, ws, "0", NULL, NULL);
  e2e_expect_fault(reply, "service.PERM_DENIED");
  wsc_reply_free(reply);
  reply = e2e_call(&fx.u2, MAIL,
                   "<DestroyWaitSetRequest " NS_MAIL " waitSet=\"%s\"/>", ws);
  e2e_expect_fault(reply, "service.PERM_DENIED");
  wsc_reply_free(reply);
  reply = e2e_wait(&fx.ad, ws, "0", NULL, NULL);
  e2e_expect_fault(reply, "service.PERM_DENIED");
  wsc_reply_free(reply);

  ck_assert_int_eq(e2e_query_ld(ws), ld);
}
END_TEST

START_TEST(add_other_account_denied)
{
  wsc_reply *reply;
  int before = count_waitsets();

  reply = e2e_call(&fx.u1, MAIL,
                   "<CreateWaitSetRequest " NS_MAIL " defTypes=\"m\">"
                   "<add>" ADD(U2) "</add></CreateWaitSetRequest>");
  e2e_expect_fault(reply, "service.PERM_DENIED");
  e2e_expect_reason(reply, "cannot access account");
  wsc_reply_free(reply);

  reply = e2e_call(&fx.u1, MAIL,
                   "<CreateWaitSetRequest " NS_MAIL " defTypes=\"m\" "
                   "allAccounts=\"1\"/>");
  e2e_expect_fault(reply, "service.PERM_DENIED");
  wsc_reply_free(reply);
  ck_assert_int_eq(count_waitsets(), before);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Per-account errors                                                  */

START_TEST(requested_account_owns)
{
  wsc_client on_behalf = fx.ad;
  wsc_reply *reply;
  char ws[160];

  snprintf(on_behalf.context_extra, sizeof(on_behalf.context_extra),
           "<account by=\"name\">" U1_NAME "</account>");
  reply = e2e_call(&on_behalf, MAIL,
                   "<CreateWaitSetRequest " NS_MAIL " defTypes=\"m\">"
                   "<add>" ADD(U1) "</add></CreateWaitSetRequest>");
  e2e_expect_ok(reply, "CreateWaitSetResponse");
  copy_id(ws, sizeof(ws), wsc_node_attr(reply->body, "waitSet"));
  wsc_reply_free(reply);

  reply = e2e_call(&fx.ad, ADMIN,
                   "<QueryWaitSetRequest " NS_ADMIN " waitSet=\"%s\"/>", ws);
  e2e_expect_ok(reply, "QueryWaitSetResponse");
  ck_assert_pstr_eq(wsc_node_attr(wsc_node_child(reply->body, "waitSet"),
                                  "owner"), U1);
  wsc_reply_free(reply);

  poll_expect(&fx.u1, ws, "0", NULL, "", "0");
  reply = e2e_wait(&fx.ad, ws, "0", NULL, NULL);
  e2e_expect_fault(reply, "service.PERM_DENIED");
  wsc_reply_free(reply);
  snprintf(on_behalf.context_extra, sizeof(on_behalf.context_extra),
           "<account by=\"id\">" U1 "</account>");
  reply = e2e_call(&on_behalf, ADMIN,
                   "<AdminWaitSetRequest " NS_ADMIN " waitSet=\"%s\" "
                   "seq=\"0\"/>", ws);
  e2e_expect_ok(reply, "AdminWaitSetResponse");
  wsc_reply_free(reply);
}
END_TEST

START_TEST(duplicate_add_at_create)
{
  wsc_reply *reply;
  const char *ws;

  reply = e2e_call(&fx.u1, MAIL,
                   "<CreateWaitSetRequest " NS_MAIL " defTypes=\"m\">"
                   "<add>" ADD(U1) ADD(U1) "</add></CreateWaitSetRequest>");
  e2e_expect_ok(reply, "CreateWaitSetResponse");
  expect_one_error(reply, U1, "ALREADY_IN_SET_DURING_ADD");
  ws = wsc_node_attr(reply->body, "waitSet");
  ck_assert_ptr_nonnull(ws);
  ck_assert_int_eq(e2e_query_sessions(ws, U1), 1);
  wsc_reply_free(reply);
}
END_TEST

START_TEST(update_not_in_set)
{
  const char *ws = e2e_create(&fx.ad, "m", ADD(U1));
  wsc_reply *reply;

  reply = e2e_wait(&fx.ad, ws, "0", NULL, "<update>" ADD(U2) "</update>");
  ck_assert_pstr_eq(e2e_expect_accounts(reply, ""), "0");
  expect_one_error(reply, U2, "NOT_IN_SET_DURING_UPDATE");
  wsc_reply_free(reply);
}
END_TEST

START_TEST(update_unknown_id_fault)
{
  const char *ws = e2e_create(&fx.ad, "m", ADD(U1));
  wsc_reply *reply;

  reply = e2e_wait(&fx.ad, ws, "0", NULL,
                   "<add>" ADD(U2) "</add><update>" ADD(NOBODY)
                   "</update>");
  e2e_expect_fault(reply, "service.PERM_DENIED");
  e2e_expect_reason(reply, "can not access account " NOBODY);
  wsc_reply_free(reply);
  ck_assert_int_eq(e2e_query_sessions(ws, U2), 0);
}
END_TEST

START_TEST(remove_not_in_set)
{
  const char *ws = e2e_create(&fx.ad, "m", ADD(U1));
  wsc_reply *reply;

  reply = e2e_wait(&fx.ad, ws, "0", NULL, "<remove>" ADD(U2) "</remove>");
  ck_assert_pstr_eq(e2e_expect_accounts(reply, ""), "0");
  expect_one_error(reply, U2, "NOT_IN_SET_DURING_REMOVE");
  wsc_reply_free(reply);
}
END_TEST

START_TEST(remove_then_update)
{
  const char *ws = e2e_create(&fx.u1, "m", ADD(U1));
  wsc_reply *reply;

  reply = e2e_wait(&fx.u1, ws, "0", NULL,
                   "<remove>" ADD(U1) "</remove><update>" ADD(U1)
                   "</update>");
  expect_one_error(reply, U1, "NOT_IN_SET_DURING_UPDATE");
  wsc_reply_free(reply);
  ck_assert_int_eq(e2e_query_sessions(ws, U1), 0);
}
END_TEST

START_TEST(application_order)
{
  const char *ws = e2e_create(&fx.ad, "m", ADD(U1));
  const waitset_xml_node *error;
  wsc_reply *reply;

  /* Remove, then add, then update; errors in that order. */
  reply = e2e_wait(&fx.ad, ws, "0", NULL,
                   "<add>" ADD(U1) ADD(U3) "</add>"
                   "<update>" ADD(U2) "</update>"
                   "<remove>" ADD(U3) "</remove>");
  ck_assert_uint_eq(wsc_node_count(reply->body, "error"), 3);
  error = wsc_node_child(reply->body, "error");
  ck_assert_pstr_eq(wsc_node_attr(error, "id"), U3);
  ck_assert_pstr_eq(wsc_node_attr(error, "type"), "NOT_IN_SET_DURING_REMOVE");
  error = wsc_node_next(error, "error");
  ck_assert_pstr_eq(wsc_node_attr(error, "id"), U1);
  ck_assert_pstr_eq(wsc_node_attr(error, "type"),
                    "ALREADY_IN_SET_DURING_ADD");
  error = wsc_node_next(error, "error");
  ck_assert_pstr_eq(wsc_node_attr(error, "id"), U2);
  ck_assert_pstr_eq(wsc_node_attr(error, "type"),
                    "NOT_IN_SET_DURING_UPDATE");
  wsc_reply_free(reply);
  /* The remove came first, so the add left U3 in the set. */
  ck_assert_int_eq(e2e_query_sessions(ws, U3), 1);

  /* Add and update of one account: both apply, no error. */
  reply = e2e_wait(&fx.ad, ws, "0", NULL,
                   "<add>" ADD(U2) "</add><update><a id=\"" U2 "\" "
                   "types=\"c\"/></update>");
  ck_assert_uint_eq(wsc_node_count(reply->body, "error"), 0);
  wsc_reply_free(reply);
  e2e_add_msg(&fx.u2, 2);
  poll_expect(&fx.ad, ws, "0", NULL, "", "0");
}
END_TEST

START_TEST(remove_purges_signal)
{
  const char *ws = e2e_create(&fx.ad, "m", ADD(U1) ADD(U2));
  wsc_reply *reply;

  /* U1 in the un-acknowledged batch, removed with a stale seq. */
  e2e_add_msg(&fx.u1, 2);
  e2e_add_msg(&fx.u2, 2);
  poll_expect(&fx.ad, ws, "0", NULL, U1 "," U2, "2");
  reply = e2e_wait(&fx.ad, ws, "0", NULL, "<remove>" ADD(U1) "</remove>");
  ck_assert_pstr_eq(e2e_expect_accounts(reply, U2), "3");
  wsc_reply_free(reply);
  poll_expect(&fx.ad, ws, "3", NULL, "", "3");

  /* U2 signalled but not sent, removed with the current seq. */
  e2e_add_msg(&fx.u2, 2);
  reply = e2e_wait(&fx.ad, ws, "3", NULL, "<remove>" ADD(U2) "</remove>");
  ck_assert_pstr_eq(e2e_expect_accounts(reply, ""), "3");
  ck_assert_uint_eq(wsc_node_count(reply->body, "error"), 0);
  wsc_reply_free(reply);
}
END_TEST

START_TEST(remote_account_error)
{
  const char *ws = e2e_create(&fx.ad, "m", ADD(U1));
  wsc_reply *reply;
  int i;

  for (i = 0; i < 2; i++) {
    reply = e2e_wait(&fx.ad, ws, "0", NULL,
                     "<add><a id=\"" U9 "\" token=\"1\"/></add>");
    expect_one_error(reply, U9, "WRONG_HOST_FOR_ACCOUNT");
    wsc_reply_free(reply);
    ck_assert_int_eq(e2e_query_sessions(ws, U9), 0);
  }
  reply = e2e_wait(&fx.ad, ws, "0", NULL, "<add>" ADD(U9) "</add>");
  expect_one_error(reply, U9, "WRONG_HOST_FOR_ACCOUNT");
  wsc_reply_free(reply);
  ck_assert_int_eq(e2e_query_sessions(ws, U9), 0);
}
END_TEST

START_TEST(unknown_name_error)
{
  const char *ws = e2e_create(&fx.ad, "m", ADD(U1));
  wsc_reply *reply;

  reply = e2e_wait(&fx.ad, ws, "0", NULL,
                   "<add><a name=\"nobody@ex.test\"/><a name=\"" U2_NAME
                   "\"/></add>");
  expect_one_error(reply, "nobody@ex.test", "NO_SUCH_ACCOUNT");
  wsc_reply_free(reply);
  ck_assert_int_eq(e2e_query_sessions(ws, U2), 1);
}
END_TEST

START_TEST(maintenance_account_added)
{
  const char *ws = e2e_create(&fx.ad, "m", NULL);
  const waitset_xml_node *session;
  wsc_reply *reply;

  reply = e2e_wait(&fx.ad, ws, "0", NULL, "<add>" ADD(U8) "</add>");
  ck_assert_pstr_eq(e2e_expect_accounts(reply, ""), "0");
  ck_assert_uint_eq(wsc_node_count(reply->body, "error"), 0);
  wsc_reply_free(reply);

  /* In the set, but without a listener until the mailbox is back. */
  reply = e2e_call(&fx.ad, ADMIN,
                   "<QueryWaitSetRequest " NS_ADMIN " waitSet=\"%s\"/>", ws);
  e2e_expect_ok(reply, "QueryWaitSetResponse");
  session = wsc_node_child_with(wsc_node_child(reply->body, "waitSet"),
                                "session", "account", U8);
  ck_assert_msg(session != NULL, "no <session> for U8: %s", reply->raw);
  ck_assert_ptr_null(wsc_node_child(session, "WaitSetSession"));
  wsc_reply_free(reply);
}
END_TEST

START_TEST(mailbox_deleted_error)
{
  const char *ws = e2e_create(&fx.ad, "m", ADD(U1) ADD(U2));
  e2e_async *r1 = e2e_wait_async(&fx.ad, ws, "0", "block=\"1\"", NULL);
  wsc_reply *reply;

  e2e_settle();
  reply = e2e_call(&fx.ad, ADMIN,
                   "<DeleteMailboxRequest " NS_ADMIN "><mbox id=\"" U1
                   "\"/></DeleteMailboxRequest>");
  e2e_expect_ok(reply, "DeleteMailboxResponse");
  wsc_reply_free(reply);

  reply = e2e_async_join(r1, 5000, NULL);
  ck_assert_pstr_eq(e2e_expect_accounts(reply, ""), "2");
  expect_one_error(reply, U1, "MAILBOX_DELETED");
  wsc_reply_free(reply);

  /* Runtime errors are data: resent until acknowledged. */
  reply = e2e_wait(&fx.ad, ws, "0", NULL, NULL);
  ck_assert_pstr_eq(e2e_expect_accounts(reply, ""), "3");
  expect_one_error(reply, U1, "MAILBOX_DELETED");
  wsc_reply_free(reply);
  poll_expect(&fx.ad, ws, "3", NULL, "", "3");
  ck_assert_int_eq(e2e_query_sessions(ws, U1), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Types and tokens                                                    */

START_TEST(bad_types_rejected)
{
  static const char *const bad[] = { "", "x", "f,,m", "ALL", "fm", "M",
                                     "m,", "m,,c" };
  wsc_reply *reply;
  int before = count_waitsets();
  size_t i;

  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    char quoted[32];

    reply = e2e_call(&fx.u1, MAIL,
                     "<CreateWaitSetRequest " NS_MAIL " defTypes=\"%s\">"
                     "<add>" ADD(U1) "</add></CreateWaitSetRequest>",
                     bad[i]);
    e2e_expect_fault(reply, "service.INVALID_REQUEST");
    e2e_expect_reason(reply, "defTypes");
    snprintf(quoted, sizeof(quoted), "\"%s\"", bad[i]);
    e2e_expect_reason(reply, quoted);
    wsc_reply_free(reply);
  }
  ck_assert_int_eq(count_waitsets(), before);
}
END_TEST

START_TEST(types_canonical_form)
{
  static const char *const cases[][2] = {
    { " m , c ", "m,c" },
    { "all,m", "f,m,c,a,t,d" },
    { "f,m,c,a,t,d", "f,m,c,a,t,d" },
    { "m,m", "m" },
    { "d,a,f", "f,a,d" },
  };
  wsc_reply *reply;
  size_t i;

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    reply = e2e_call(&fx.ad, ADMIN,
                     "<AdminCreateWaitSetRequest " NS_ADMIN " defTypes=\"%s\""
                     "/>", cases[i][0]);
    e2e_expect_ok(reply, "AdminCreateWaitSetResponse");
    ck_assert_pstr_eq(wsc_node_attr(reply->body, "defTypes"), cases[i][1]);
    wsc_reply_free(reply);
  }
}
END_TEST

START_TEST(absent_deftypes_rejected)
{
  wsc_reply *reply;
  int before = count_waitsets();

  reply = e2e_call(&fx.u1, MAIL,
                   "<CreateWaitSetRequest " NS_MAIL "><add>" ADD(U1)
                   "</add></CreateWaitSetRequest>");
  e2e_expect_fault(reply, "service.INVALID_REQUEST");
  e2e_expect_reason(reply,
                    "invalid request: missing required attribute: defTypes");
  wsc_reply_free(reply);

  reply = e2e_call(&fx.ad, ADMIN,
                   "<AdminCreateWaitSetRequest " NS_ADMIN "><add>" ADD(U1)
                   "</add></AdminCreateWaitSetRequest>");
  e2e_expect_fault(reply, "service.INVALID_REQUEST");
  e2e_expect_reason(reply, "missing required attribute: defTypes");
  wsc_reply_free(reply);
  ck_assert_int_eq(count_waitsets(), before);
}
END_TEST

START_TEST(type_filter)
{
  const char *ws = e2e_create(&fx.u1, "c", ADD(U1));
  wsc_reply *reply;

  e2e_add_msg(&fx.u1, 2);
  poll_expect(&fx.u1, ws, "0", NULL, "", "0");

  reply = e2e_call(&fx.u1, MAIL,
                   "<CreateContactRequest " NS_MAIL "><cn l=\"7\">"
                   "<a n=\"firstName\">Ann</a></cn></CreateContactRequest>");
  e2e_expect_ok(reply, "CreateContactResponse");
  wsc_reply_free(reply);
  poll_expect(&fx.u1, ws, "0", NULL, U1, "2");
}
END_TEST

START_TEST(only_watched_accounts)
{
  const char *ws = e2e_create(&fx.ad, "all", ADD(U1));

  e2e_add_msg(&fx.u2, 2);
  e2e_add_msg(&fx.u1, 2);
  poll_expect(&fx.ad, ws, "0", NULL, U1, "2");
}
END_TEST

START_TEST(two_accounts_admin)
{
  const char *ws = e2e_create(&fx.ad, "all", ADD(U1) ADD(U2));
  int seen_u1 = 0;
  int seen_u2 = 0;
  char seq[32] = "0";
  int rounds;

  e2e_add_msg(&fx.u1, 2);
  e2e_add_msg(&fx.u2, 2);
  for (rounds = 0; rounds < 4 && !(seen_u1 && seen_u2); rounds++) {
    const waitset_xml_node *a;
    wsc_reply *reply;

    reply = e2e_wait(&fx.ad, ws, seq, "block=\"1\"", NULL);
    e2e_expect_ok(reply, "AdminWaitSetResponse");
    for (a = wsc_node_child(reply->body, "a"); a; a = wsc_node_next(a, "a")) {
      const char *id = wsc_node_attr(a, "id");

      ck_assert_ptr_nonnull(id);
      if (strcmp(id, U1) == 0)
        seen_u1++;
      else if (strcmp(id, U2) == 0)
        seen_u2++;
      else
        ck_abort_msg("unexpected account %s", id);
    }
    copy_id(seq, sizeof(seq), wsc_node_attr(reply->body, "seq"));
    wsc_reply_free(reply);
  }
  ck_assert_int_eq(seen_u1, 1);
  ck_assert_int_eq(seen_u2, 1);
}
END_TEST

START_TEST(token_at_add)
{
  const char *ws = e2e_create(&fx.ad, "m", ADD(U1));
  wsc_reply *reply;
  uint64_t start;

  /* Up to date (lastChangeId 100): no signal. */
  reply = e2e_wait(&fx.ad, ws, "0", NULL,
                   "<add><a id=\"" U2 "\" token=\"100\"/></add>");
  ck_assert_pstr_eq(e2e_expect_accounts(reply, ""), "0");
  ck_assert_uint_eq(wsc_node_count(reply->body, "error"), 0);
  wsc_reply_free(reply);

  /* Behind: an immediate signal, even for a blocking wait. */
  start = e2e_now_ms();
  reply = e2e_wait(&fx.ad, ws, "0", "block=\"1\"",
                   "<add><a id=\"" U3 "\" token=\"99\"/></add>");
  ck_assert_uint_lt(e2e_now_ms() - start, 5000);
  ck_assert_pstr_eq(e2e_expect_accounts(reply, U3), "2");
  wsc_reply_free(reply);
}
END_TEST

START_TEST(malformed_token_rejected)
{
  static const char *const bad[] = { "abc", "5-", ":d5", "", " 5",
                                     "5-3-2", "5:dx" };
  const char *ws = e2e_create(&fx.ad, "m", ADD(U1));
  e2e_async *r1 = e2e_wait_async(&fx.ad, ws, "0", "block=\"1\"", NULL);
  wsc_reply *reply;
  char content[128];
  size_t i;

  e2e_settle();
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    snprintf(content, sizeof(content),
             "<add><a id=\"" U2 "\" token=\"%s\"/></add>", bad[i]);
    reply = e2e_wait(&fx.ad, ws, "0", NULL, content);
    e2e_expect_fault(reply, "service.INVALID_REQUEST");
    e2e_expect_reason(reply, "invalid request: malformed sync token: ");
    wsc_reply_free(reply);
  }
  ck_assert_msg(!e2e_async_done(r1), "a rejected Wait canceled the waiter");
  ck_assert_int_eq(e2e_query_sessions(ws, U2), 0);

  e2e_add_msg(&fx.u1, 2);
  reply = e2e_async_join(r1, 5000, NULL);
  ck_assert_pstr_eq(e2e_expect_accounts(reply, U1), "2");
  wsc_reply_free(reply);
}
END_TEST

START_TEST(token_update_withdraws)
{
  const char *ws = e2e_create(&fx.ad, "c", ADD(U1));
  const waitset_xml_node *mods;
  wsc_reply *reply;
  char content[160];
  long change;

  change = e2e_inject(U1, "<created type=\"c\" id=\"700\" folder=\"7\"/>");
  snprintf(content, sizeof(content),
           "<update><a id=\"" U1 "\" token=\"%ld\"/></update>", change);
  reply = e2e_wait(&fx.ad, ws, "0", NULL, content);
  ck_assert_pstr_eq(e2e_expect_accounts(reply, ""), "0");
  wsc_reply_free(reply);

  e2e_inject(U1, "<created type=\"c\" id=\"701\" folder=\"7\"/>");
  reply = e2e_wait(&fx.ad, ws, "0", "block=\"1\" expand=\"1\"", NULL);
  ck_assert_pstr_eq(e2e_expect_accounts(reply, U1), "2");
  mods = mods_of(e2e_account(reply, U1), 7);
  ck_assert_msg(mods != NULL, "no <mods id=\"7\">: %s", reply->raw);
  ck_assert_ptr_nonnull(entry_item(mods, "created", 701));
  ck_assert_ptr_null(entry_item(mods, "created", 700));
  wsc_reply_free(reply);
}
END_TEST

START_TEST(change_after_add_signals)
{
  const char *ws = e2e_create(&fx.ad, "m", NULL);
  wsc_reply *reply;

  poll_expect(&fx.ad, ws, "0", NULL, "", "0");
  reply = e2e_wait(&fx.ad, ws, "0", NULL, "<add>" ADD(U2) "</add>");
  ck_assert_pstr_eq(e2e_expect_accounts(reply, ""), "0");
  wsc_reply_free(reply);
  e2e_add_msg(&fx.u2, 2);
  poll_expect(&fx.ad, ws, "0", "block=\"1\"", U2, "2");
}
END_TEST

/* ------------------------------------------------------------------ */
/* Folder interests and expand                                         */

START_TEST(folder_interest_filter)
{
  int folder = e2e_create_folder(&fx.u1, "fun");
  const waitset_xml_node *mods;
  const waitset_xml_node *m;
  wsc_reply *reply;
  char add[160];
  const char *ws;

  snprintf(add, sizeof(add), "<a id=\"" U1 "\" folderInterests=\"%d\"/>",
           folder);
  ws = e2e_create(&fx.u1, "all", add);
  e2e_add_msg(&fx.u1, 2);
  poll_expect(&fx.u1, ws, "0", NULL, "", "0");

  e2e_add_msg(&fx.u1, folder);
  reply = e2e_wait(&fx.u1, ws, "0", "expand=\"1\"", NULL);
  ck_assert_pstr_eq(e2e_expect_accounts(reply, U1), "2");
  ck_assert_uint_eq(wsc_node_count(e2e_account(reply, U1), "mods"), 1);
  mods = mods_of(e2e_account(reply, U1), folder);
  ck_assert_msg(mods != NULL, "no <mods id=\"%d\">: %s", folder, reply->raw);
  m = wsc_node_child(wsc_node_child(mods, "created"), "m");
  ck_assert_ptr_nonnull(m);
  ck_assert_pstr_eq(wsc_node_attr(m, "t"), "MESSAGE");
  ck_assert_pstr_eq(wsc_node_attr(m, "f"), "512");
  wsc_reply_free(reply);
}
END_TEST

START_TEST(folder_interest_update)
{
  int folder = e2e_create_folder(&fx.u1, "fun");
  const waitset_xml_node *a;
  wsc_reply *reply;
  char add[160];
  const char *ws;

  snprintf(add, sizeof(add), "<a id=\"" U1 "\" folderInterests=\"%d\"/>",
           folder);
  ws = e2e_create(&fx.ad, "all", add);
  e2e_add_msg(&fx.u1, 2);
  poll_expect(&fx.ad, ws, "0", NULL, "", "0");

  snprintf(add, sizeof(add),
           "<update><a id=\"" U1 "\" folderInterests=\"%d,2\"/></update>",
           folder);
  reply = e2e_wait(&fx.ad, ws, "0", NULL, add);
  ck_assert_pstr_eq(e2e_expect_accounts(reply, ""), "0");
  wsc_reply_free(reply);

  e2e_add_msg(&fx.u1, 2);
  reply = e2e_wait(&fx.ad, ws, "0", "expand=\"1\"", NULL);
  ck_assert_pstr_eq(e2e_expect_accounts(reply, U1), "2");
  a = e2e_account(reply, U1);
  ck_assert_uint_eq(wsc_node_count(a, "mods"), 1);
  ck_assert_ptr_nonnull(mods_of(a, 2));
  wsc_reply_free(reply);
}
END_TEST

START_TEST(folder_interest_syntax)
{
  const char *ws = e2e_create(&fx.ad, "m", NULL);
  wsc_reply *reply;

  reply = e2e_wait(&fx.ad, ws, "0", NULL,
                   "<add><a id=\"" U1 "\" folderInterests=\"2,abc\"/>"
                   "</add>");
  e2e_expect_fault(reply, "service.INVALID_REQUEST");
  e2e_expect_reason(reply, "folderInterests");
  e2e_expect_reason(reply, "\"2,abc\"");
  wsc_reply_free(reply);
  ck_assert_int_eq(e2e_query_sessions(ws, U1), 0);

  /* " 2 , ,5" means {2, 5}; "" means every folder. */
  reply = e2e_wait(&fx.ad, ws, "0", NULL,
                   "<add><a id=\"" U1 "\" folderInterests=\" 2 , ,5\"/>"
                   "<a id=\"" U2 "\" folderInterests=\"\"/></add>");
  ck_assert_pstr_eq(e2e_expect_accounts(reply, ""), "0");
  ck_assert_uint_eq(wsc_node_count(reply->body, "error"), 0);
  wsc_reply_free(reply);

  e2e_add_msg(&fx.u1, 3);
  e2e_add_msg(&fx.u2, 3);
  poll_expect(&fx.ad, ws, "0", NULL, U2, "2");
  e2e_add_msg(&fx.u1, 5);
  poll_expect(&fx.ad, ws, "2", NULL, U1, "3");
}
END_TEST

START_TEST(no_expand_no_mods)
{
  const char *ws = e2e_create(&fx.u1, "m",
                              "<a id=\"" U1 "\" folderInterests=\"2\"/>");
  wsc_reply *reply;

  e2e_add_msg(&fx.u1, 2);
  reply = e2e_wait(&fx.u1, ws, "0", NULL, NULL);
  ck_assert_pstr_eq(e2e_expect_accounts(reply, U1), "2");
  ck_assert_ptr_null(wsc_node_child(e2e_account(reply, U1), "mods"));
  wsc_reply_free(reply);
}
END_TEST

START_TEST(expand_all_folders)
{
  const char *ws = e2e_create(&fx.u1, "m", ADD(U1));
  const waitset_xml_node *a;
  wsc_reply *reply;
  int id;

  id = e2e_add_msg(&fx.u1, 2);
  reply = e2e_wait(&fx.u1, ws, "0", "expand=\"1\"", NULL);
  ck_assert_pstr_eq(e2e_expect_accounts(reply, U1), "2");
  a = e2e_account(reply, U1);
  ck_assert_uint_eq(wsc_node_count(a, "mods"), 1);
  ck_assert_ptr_nonnull(entry_item(mods_of(a, 2), "created", id));
  wsc_reply_free(reply);
}
END_TEST

START_TEST(expand_accumulates_records)
{
  const char *ws = e2e_create(&fx.ad, "m", ADD(U1));
  const waitset_xml_node *mods;
  const waitset_xml_node *mod;
  wsc_reply *reply;
  int pass;

  e2e_inject(U1, "<created type=\"m\" id=\"300\" folder=\"2\"/>");
  e2e_inject(U1, "<created type=\"m\" id=\"301\" folder=\"2\"/>");
  e2e_inject(U1, "<modified type=\"m\" id=\"300\" folder=\"2\" "
                 "change=\"4\"/>");
  /* The second pass is a resend under the next seq. */
  for (pass = 0; pass < 2; pass++) {
    reply = e2e_wait(&fx.ad, ws, "0", "expand=\"1\"", NULL);
    ck_assert_pstr_eq(e2e_expect_accounts(reply, U1), pass ? "3" : "2");
    mods = mods_of(e2e_account(reply, U1), 2);
    ck_assert_msg(mods != NULL, "no <mods id=\"2\">: %s", reply->raw);
    ck_assert_ptr_nonnull(entry_item(mods, "created", 300));
    ck_assert_ptr_nonnull(entry_item(mods, "created", 301));
    mod = entry_item(mods, "modMsgs", 300);
    ck_assert_msg(mod != NULL, "no <modMsgs> for 300: %s", reply->raw);
    ck_assert_int_ne(atoi(wsc_node_attr(mod, "change")) & 4, 0);
    wsc_reply_free(reply);
  }
}
END_TEST

START_TEST(expand_delete_only)
{
  const char *ws = e2e_create(&fx.ad, "m",
                              "<a id=\"" U1 "\" folderInterests=\"2\"/>");
  const waitset_xml_node *mods;
  const waitset_xml_node *deleted;
  wsc_reply *reply;

  e2e_inject(U1, "<created type=\"m\" id=\"300\" folder=\"2\"/>");
  poll_expect(&fx.ad, ws, "0", NULL, U1, "2");
  poll_expect(&fx.ad, ws, "2", NULL, "", "2");

  e2e_inject(U1, "<deleted type=\"m\" id=\"300\" folder=\"2\"/>");
  reply = e2e_wait(&fx.ad, ws, "2", "expand=\"1\"", NULL);
  ck_assert_pstr_eq(e2e_expect_accounts(reply, U1), "3");
  mods = mods_of(e2e_account(reply, U1), 2);
  ck_assert_msg(mods != NULL, "no <mods id=\"2\">: %s", reply->raw);
  deleted = wsc_node_child_with(mods, "deleted", "id", "300");
  ck_assert_msg(deleted != NULL, "no <deleted id=\"300\">: %s", reply->raw);
  ck_assert_pstr_eq(wsc_node_attr(deleted, "t"), "message");
  wsc_reply_free(reply);
}
END_TEST

START_TEST(expand_move_out)
{
  int folder = e2e_create_folder(&fx.u1, "fun");
  const waitset_xml_node *a;
  const waitset_xml_node *mod;
  wsc_reply *reply;
  char add[160];
  const char *ws;
  int id;

  snprintf(add, sizeof(add), "<a id=\"" U1 "\" folderInterests=\"%d\"/>",
           folder);
  ws = e2e_create(&fx.u1, "f,m", add);
  id = e2e_add_msg(&fx.u1, folder);
  poll_expect(&fx.u1, ws, "0", NULL, U1, "2");
  poll_expect(&fx.u1, ws, "2", NULL, "", "2");

  reply = e2e_call(&fx.u1, MAIL,
                   "<MsgActionRequest " NS_MAIL "><action op=\"move\" "
                   "id=\"%d\" l=\"2\"/></MsgActionRequest>", id);
  e2e_expect_ok(reply, "MsgActionResponse");
  wsc_reply_free(reply);

  reply = e2e_wait(&fx.u1, ws, "2", "expand=\"1\"", NULL);
  ck_assert_pstr_eq(e2e_expect_accounts(reply, U1), "3");
  a = e2e_account(reply, U1);
  ck_assert_ptr_null(mods_of(a, 2));
  mod = entry_item(mods_of(a, folder), "modMsgs", id);
  ck_assert_msg(mod != NULL, "no <modMsgs> for %d under %d: %s", id, folder,
                reply->raw);
  ck_assert_int_ne(atoi(wsc_node_attr(mod, "change")) & 256, 0);
  wsc_reply_free(reply);
}
END_TEST

START_TEST(expand_msg_actions)
{
  const char *ws = e2e_create(&fx.u1, "m", ADD(U1));
  const waitset_xml_node *mods;
  const waitset_xml_node *mod;
  const waitset_xml_node *deleted;
  wsc_reply *reply;
  char id_text[16];
  int id;

  id = e2e_add_msg(&fx.u1, 2);
  poll_expect(&fx.u1, ws, "0", NULL, U1, "2");
  poll_expect(&fx.u1, ws, "2", NULL, "", "2");

  reply = e2e_call(&fx.u1, MAIL,
                   "<MsgActionRequest " NS_MAIL "><action op=\"flag\" "
                   "id=\"%d\"/></MsgActionRequest>", id);
  e2e_expect_ok(reply, "MsgActionResponse");
  wsc_reply_free(reply);
  reply = e2e_call(&fx.u1, MAIL,
                   "<MsgActionRequest " NS_MAIL "><action op=\"delete\" "
                   "id=\"%d\"/></MsgActionRequest>", id);
  e2e_expect_ok(reply, "MsgActionResponse");
  wsc_reply_free(reply);

  /* Both changes, side by side, under the message's folder. */
  reply = e2e_wait(&fx.u1, ws, "2", "expand=\"1\"", NULL);
  ck_assert_pstr_eq(e2e_expect_accounts(reply, U1), "3");
  mods = mods_of(e2e_account(reply, U1), 2);
  ck_assert_msg(mods != NULL, "no <mods id=\"2\">: %s", reply->raw);
  mod = entry_item(mods, "modMsgs", id);
  ck_assert_msg(mod != NULL, "no <modMsgs> for %d: %s", id, reply->raw);
  ck_assert_int_ne(atoi(wsc_node_attr(mod, "change")) & 4, 0);
  snprintf(id_text, sizeof(id_text), "%d", id);
  deleted = wsc_node_child_with(mods, "deleted", "id", id_text);
  ck_assert_msg(deleted != NULL, "no <deleted id=\"%d\">: %s", id,
                reply->raw);
  ck_assert_pstr_eq(wsc_node_attr(deleted, "t"), "message");
  wsc_reply_free(reply);
}
END_TEST

START_TEST(folder_rename_listed)
{
  int folder = e2e_create_folder(&fx.u1, "fun");
  wsc_reply *reply;
  char add[160];
  const char *ws;

  snprintf(add, sizeof(add), "<a id=\"" U1 "\" folderInterests=\"%d\"/>",
           folder);
  ws = e2e_create(&fx.u1, "f,m", add);
  reply = e2e_call(&fx.u1, MAIL,
                   "<FolderActionRequest " NS_MAIL "><action op=\"rename\" "
                   "id=\"%d\" name=\"fun2\"/></FolderActionRequest>", folder);
  e2e_expect_ok(reply, "FolderActionResponse");
  wsc_reply_free(reply);

  reply = e2e_wait(&fx.u1, ws, "0", "expand=\"1\"", NULL);
  ck_assert_pstr_eq(e2e_expect_accounts(reply, U1), "2");
  ck_assert_ptr_null(wsc_node_child(e2e_account(reply, U1), "mods"));
  wsc_reply_free(reply);
}
END_TEST

START_TEST(self_change_suppressed)
{
  char ws[160];
  wsc_client own;
  wsc_client other;

  copy_id(ws, sizeof(ws), e2e_create(&fx.u1, "m", ADD(U1)));
  own = fx.u1;
  snprintf(own.context_extra, sizeof(own.context_extra),
           "<session wsId=\"%s\"/>", ws);
  other = fx.u1;
  snprintf(other.context_extra, sizeof(other.context_extra),
           "<session wsId=\"" BOGUS "\"/>");

  e2e_add_msg(&own, 2);
  poll_expect(&fx.u1, ws, "0", NULL, "", "0");
  e2e_add_msg(&fx.u1, 2);
  poll_expect(&fx.u1, ws, "0", NULL, U1, "2");
  poll_expect(&fx.u1, ws, "2", NULL, "", "2");
  e2e_add_msg(&other, 2);
  poll_expect(&fx.u1, ws, "2", NULL, U1, "3");
}
END_TEST

/* ------------------------------------------------------------------ */
/* Limits and lifecycle                                                */

START_TEST(eviction_least_recent)
{
  char ws[6][160];
  long long ld[5];
  e2e_async *r2;
  wsc_reply *reply;
  int order[4] = { 2, 3, 4, 0 };
  int i;

  for (i = 0; i < 5; i++)
    copy_id(ws[i], sizeof(ws[i]), e2e_create(&fx.u1, "m", ADD(U1)));
  r2 = e2e_wait_async(&fx.u1, ws[1], "0", "block=\"1\"", NULL);
  e2e_settle();
  for (i = 0; i < 4; i++)
    poll_expect(&fx.u1, ws[order[i]], "0", NULL, "", "0");
  for (i = 0; i < 5; i++)
    if (i != 1)
      ld[i] = e2e_query_ld(ws[i]);

  copy_id(ws[5], sizeof(ws[5]), e2e_create(&fx.u1, "m", ADD(U1)));
  reply = e2e_async_join(r2, 5000, NULL);
  expect_canceled(reply);
  wsc_reply_free(reply);

  reply = e2e_wait(&fx.u1, ws[1], "0", NULL, NULL);
  e2e_expect_fault(reply, "admin.NO_SUCH_WAITSET");
  wsc_reply_free(reply);
  for (i = 0; i < 5; i++)
    if (i != 1)
      ck_assert_msg(e2e_query_ld(ws[i]) == ld[i],
                    "creating the sixth waitset changed the ld of %s",
                    ws[i]);
  ck_assert_int_eq(e2e_query_sessions(ws[5], U1), 1);
}
END_TEST

START_TEST(admin_unlimited)
{
  int before = count_waitsets();
  int i;

  for (i = 0; i < 10; i++)
    e2e_create(&fx.ad, "m", NULL);
  ck_assert_int_eq(count_waitsets(), before + 10);
}
END_TEST

/* Whether ws is listed by a QueryWaitSet without id (no refresh). */
static int
waitset_listed(const char *ws)
{
  wsc_reply *reply;
  int listed;

  reply = e2e_call(&fx.ad, ADMIN, "<QueryWaitSetRequest " NS_ADMIN "/>");
  e2e_expect_ok(reply, "QueryWaitSetResponse");
  listed = wsc_node_child_with(reply->body, "waitSet", "id", ws) != NULL;
  wsc_reply_free(reply);
  return listed;
}

START_TEST(idle_sweep)
{
  char idle[160];
  char busy[160];
  e2e_async *waiter;
  wsc_reply *reply;
  uint64_t deadline;

  e2e_restart("--idle-expiry", "0.3", "--sweep-interval", "0.05", NULL);
  copy_id(idle, sizeof(idle), e2e_create(&fx.u1, "m", ADD(U1)));
  copy_id(busy, sizeof(busy), e2e_create(&fx.u1, "m", ADD(U1)));
  waiter = e2e_wait_async(&fx.u1, busy, "0", "block=\"1\"", NULL);

  /* A non-owner's failed Wait does not keep the waitset alive. */
  deadline = e2e_now_ms() + 3000;
  while (waitset_listed(idle) && e2e_now_ms() < deadline) {
    reply = e2e_wait(&fx.u2, idle, "0", NULL, NULL);
    ck_assert_ptr_nonnull(reply->fault_code);
    /* NO_SUCH_WAITSET when the sweep ran since the listing. */
    if (strcmp(reply->fault_code, "admin.NO_SUCH_WAITSET") != 0)
      e2e_expect_fault(reply, "service.PERM_DENIED");
    wsc_reply_free(reply);
  }
  ck_assert_msg(!waitset_listed(idle), "the idle waitset was not swept");
  reply = e2e_wait(&fx.u1, idle, "0", NULL, NULL);
  e2e_expect_fault(reply, "admin.NO_SUCH_WAITSET");
  wsc_reply_free(reply);

  ck_assert_msg(waitset_listed(busy), "a waitset with a waiter was swept");
  ck_assert(!e2e_async_done(waiter));
  e2e_add_msg(&fx.u1, 2);
  reply = e2e_async_join(waiter, 5000, NULL);
  ck_assert_pstr_eq(e2e_expect_accounts(reply, U1), "2");
  wsc_reply_free(reply);
}
END_TEST

/* ------------------------------------------------------------------ */
/* All-accounts waitsets                                               */

START_TEST(all_accounts_signal)
{
  const waitset_xml_node *a;
  wsc_client u3;
  wsc_reply *reply;
  char first_seq[64];
  char err[256];
  char ws[160];
  char *end;

  wsc_client_init(&u3, fx.url);
  ck_assert_msg(wsc_login(&u3, "u3@ex.test", "pw3", 0, err, sizeof(err))
                    == 0, "%s", err);
  reply = e2e_call(&fx.ad, ADMIN,
                   "<AdminCreateWaitSetRequest " NS_ADMIN " defTypes=\"all\" "
                   "allAccounts=\"1\"/>");
  e2e_expect_ok(reply, "AdminCreateWaitSetResponse");
  copy_id(ws, sizeof(ws), wsc_node_attr(reply->body, "waitSet"));
  ck_assert_int_eq(strncmp(ws, "AllWaitSet-", 11), 0);
  ck_assert_pstr_eq(wsc_node_attr(reply->body, "seq"), "0");
  wsc_reply_free(reply);

  e2e_add_msg(&u3, 2);
  reply = e2e_wait(&fx.ad, ws, "0", "block=\"1\"", NULL);
  copy_id(first_seq, sizeof(first_seq), e2e_expect_accounts(reply, U3));
  ck_assert_int_gt(strtoll(first_seq, &end, 10), 0);
  ck_assert_msg(*end == '\0', "seq \"%s\" is not decimal", first_seq);
  a = e2e_account(reply, U3);
  ck_assert_int_gt(atol(wsc_node_attr(a, "changeid")), 100);
  wsc_reply_free(reply);

  /* A resend without new commits keeps the seq string. */
  poll_expect(&fx.ad, ws, "0", NULL, U3, first_seq);
  poll_expect(&fx.ad, ws, first_seq, NULL, "", first_seq);

  e2e_inject(U2, "<created type=\"d\" id=\"500\" folder=\"16\"/>");
  reply = e2e_wait(&fx.ad, ws, first_seq, NULL, NULL);
  e2e_expect_accounts(reply, U2);
  wsc_reply_free(reply);
}
END_TEST

START_TEST(all_accounts_unknown)
{
  static const char *const seqs[] = { "17", "0" };
  wsc_reply *reply;
  int before = count_waitsets();
  size_t i;

  for (i = 0; i < 2; i++) {
    reply = e2e_call(&fx.ad, ADMIN,
                     "<AdminWaitSetRequest " NS_ADMIN " waitSet=\"AllWaitSet-"
                     "00000000-0000-0000-0000-000000000000\" seq=\"%s\" "
                     "defTypes=\"all\"/>", seqs[i]);
    e2e_expect_fault(reply, "admin.NO_SUCH_WAITSET");
    wsc_reply_free(reply);
  }
  ck_assert_int_eq(count_waitsets(), before);
}
END_TEST

START_TEST(all_accounts_after_restart)
{
  wsc_reply *reply;
  char seq[64];
  char ws[160];

  reply = e2e_call(&fx.ad, ADMIN,
                   "<AdminCreateWaitSetRequest " NS_ADMIN " defTypes=\"m\" "
                   "allAccounts=\"1\"/>");
  e2e_expect_ok(reply, "AdminCreateWaitSetResponse");
  copy_id(ws, sizeof(ws), wsc_node_attr(reply->body, "waitSet"));
  wsc_reply_free(reply);
  e2e_add_msg(&fx.u1, 2);
  reply = e2e_wait(&fx.ad, ws, "0", NULL, NULL);
  copy_id(seq, sizeof(seq), e2e_expect_accounts(reply, U1));
  wsc_reply_free(reply);

  /* A new server process has no record of the old waitset. */
  e2e_restart(NULL);
  reply = e2e_call(&fx.ad, ADMIN,
                   "<AdminWaitSetRequest " NS_ADMIN " waitSet=\"%s\" "
                   "seq=\"%s\" defTypes=\"m\"/>", ws, seq);
  e2e_expect_fault(reply, "admin.NO_SUCH_WAITSET");
  wsc_reply_free(reply);
  ck_assert_int_eq(count_waitsets(), 0);
}
END_TEST

START_TEST(query_ready_list)
{
  char ws[160];
  const waitset_xml_node *ready;
  wsc_reply *reply;

  copy_id(ws, sizeof(ws), e2e_create(&fx.ad, "m", ADD(U1) ADD(U2)));
  e2e_add_msg(&fx.u1, 2);
  reply = e2e_call(&fx.ad, ADMIN,
                   "<QueryWaitSetRequest " NS_ADMIN " waitSet=\"%s\"/>", ws);
  e2e_expect_ok(reply, "QueryWaitSetResponse");
  ready = wsc_node_child(wsc_node_child(reply->body, "waitSet"), "ready");
  ck_assert_msg(ready != NULL, "no <ready>: %s", reply->raw);
  ck_assert_pstr_eq(wsc_node_attr(ready, "accounts"), U1);
  wsc_reply_free(reply);

  /* Sent but not acknowledged data is not shown. */
  poll_expect(&fx.ad, ws, "0", NULL, U1, "2");
  reply = e2e_call(&fx.ad, ADMIN,
                   "<QueryWaitSetRequest " NS_ADMIN " waitSet=\"%s\"/>", ws);
  e2e_expect_ok(reply, "QueryWaitSetResponse");
  ck_assert_ptr_null(wsc_node_child(wsc_node_child(reply->body, "waitSet"),
                                    "ready"));
  ck_assert_pstr_eq(wsc_node_attr(wsc_node_child(reply->body, "waitSet"),
                                  "currentSeqNo"), "2");
  wsc_reply_free(reply);
}
END_TEST

START_TEST(all_accounts_destroy)
{
  e2e_async *waiter;
  wsc_reply *reply;
  char ws[160];

  reply = e2e_call(&fx.ad, ADMIN,
                   "<AdminCreateWaitSetRequest " NS_ADMIN " defTypes=\"m\" "
                   "allAccounts=\"1\"/>");
  e2e_expect_ok(reply, "AdminCreateWaitSetResponse");
  copy_id(ws, sizeof(ws), wsc_node_attr(reply->body, "waitSet"));
  wsc_reply_free(reply);

  waiter = e2e_wait_async(&fx.ad, ws, "0", "block=\"1\"", NULL);
  e2e_settle();
  reply = e2e_call(&fx.ad, ADMIN,
                   "<AdminDestroyWaitSetRequest " NS_ADMIN " waitSet=\"%s\"/>",
                   ws);
  e2e_expect_ok(reply, "AdminDestroyWaitSetResponse");
  wsc_reply_free(reply);
  reply = e2e_async_join(waiter, 5000, NULL);
  expect_canceled(reply);
  wsc_reply_free(reply);

  reply = e2e_wait(&fx.ad, ws, "0", NULL, NULL);
  e2e_expect_fault(reply, "admin.NO_SUCH_WAITSET");
  wsc_reply_free(reply);
}
END_TEST

START_TEST(query_output)
{
  const waitset_xml_node *set;
  const waitset_xml_node *session;
  const waitset_xml_node *live;
  wsc_reply *reply;
  char ws[160];
  char ws2[160];

  copy_id(ws, sizeof(ws), e2e_create(&fx.u1, "all", ADD(U1)));
  copy_id(ws2, sizeof(ws2), e2e_create(&fx.u2, "m", ADD(U2)));

  reply = e2e_call(&fx.u1, ADMIN,
                   "<QueryWaitSetRequest " NS_ADMIN " waitSet=\"%s\"/>", ws);
  e2e_expect_fault(reply, "service.PERM_DENIED");
  wsc_reply_free(reply);

  reply = e2e_call(&fx.ad, ADMIN,
                   "<QueryWaitSetRequest " NS_ADMIN " waitSet=\"%s\"/>", ws);
  e2e_expect_ok(reply, "QueryWaitSetResponse");
  ck_assert_uint_eq(wsc_node_count(reply->body, "waitSet"), 1);
  set = wsc_node_child(reply->body, "waitSet");
  ck_assert_pstr_eq(wsc_node_attr(set, "id"), ws);
  ck_assert_pstr_eq(wsc_node_attr(set, "owner"), U1);
  ck_assert_pstr_eq(wsc_node_attr(set, "defTypes"), "all");
  ck_assert_pstr_eq(wsc_node_attr(set, "currentSeqNo"), "1");
  ck_assert_pstr_eq(wsc_node_attr(set, "cbSeqNo"), "0");
  ck_assert_ptr_nonnull(wsc_node_attr(set, "ld"));
  ck_assert_uint_eq(wsc_node_count(set, "session"), 1);
  session = wsc_node_child(set, "session");
  ck_assert_pstr_eq(wsc_node_attr(session, "account"), U1);
  ck_assert_pstr_eq(wsc_node_attr(session, "types"), "all");
  live = wsc_node_child(session, "WaitSetSession");
  ck_assert_ptr_nonnull(live);
  ck_assert_pstr_eq(wsc_node_attr(live, "interestMask"), "f,m,c,a,t,d");
  wsc_reply_free(reply);

  reply = e2e_call(&fx.ad, ADMIN, "<QueryWaitSetRequest " NS_ADMIN "/>");
  e2e_expect_ok(reply, "QueryWaitSetResponse");
  ck_assert_ptr_nonnull(wsc_node_child_with(reply->body, "waitSet", "id",
                                            ws));
  ck_assert_ptr_nonnull(wsc_node_child_with(reply->body, "waitSet", "id",
                                            ws2));
  wsc_reply_free(reply);
}
END_TEST

/* ------------------------------------------------------------------ */

static Suite *
e2e_waitset_suite(void)
{
  Suite *s = suite_create("e2e_waitset");
  TCase *tc;

  tc = tcase_create("sequence");
  tcase_add_checked_fixture(tc, e2e_setup, e2e_teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, create_basic);
  tcase_add_test(tc, first_poll_echo);
  tcase_add_test(tc, signal_seq_two);
  tcase_add_test(tc, ack_clears_sent);
  tcase_add_test(tc, retransmit_stale_seq);
  tcase_add_test(tc, cumulative_never_acked);
  tcase_add_test(tc, invalid_seq_keeps_waiter);
  tcase_add_test(tc, seq_grows_by_one);
  tcase_add_test(tc, missing_seq_rejected);
  tcase_add_test(tc, missing_waitset_rejected);
  suite_add_tcase(s, tc);

  tc = tcase_create("blocking");
  tcase_add_checked_fixture(tc, e2e_setup, e2e_teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, blocking_data_wakes);
  tcase_add_test(tc, blocking_pending_data);
  tcase_add_test(tc, timeout_echo_seq);
  tcase_add_test(tc, timeout_clamps);
  tcase_add_test(tc, timeout_race_no_loss);
  tcase_add_test(tc, nonblocking_delay_roles);
  tcase_add_test(tc, boolean_spellings);
  tcase_add_test(tc, second_wait_cancels_first);
  tcase_add_test(tc, destroy_during_wait);
  tcase_add_test(tc, errors_keep_blocking);
  tcase_add_test(tc, canceled_keeps_errors);
  tcase_add_test(tc, destroy_in_initial_delay);
  suite_add_tcase(s, tc);

  tc = tcase_create("access");
  tcase_add_checked_fixture(tc, e2e_setup, e2e_teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, unknown_waitset_codes);
  tcase_add_test(tc, non_owner_denied);
  tcase_add_test(tc, add_other_account_denied);
  tcase_add_test(tc, requested_account_owns);
  tcase_add_test(tc, duplicate_add_at_create);
  tcase_add_test(tc, update_not_in_set);
  tcase_add_test(tc, update_unknown_id_fault);
  tcase_add_test(tc, remove_not_in_set);
  tcase_add_test(tc, remove_then_update);
  tcase_add_test(tc, application_order);
  tcase_add_test(tc, remove_purges_signal);
  tcase_add_test(tc, remote_account_error);
  tcase_add_test(tc, unknown_name_error);
  tcase_add_test(tc, maintenance_account_added);
  tcase_add_test(tc, mailbox_deleted_error);
  suite_add_tcase(s, tc);

  tc = tcase_create("filters");
  tcase_add_checked_fixture(tc, e2e_setup, e2e_teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, bad_types_rejected);
  tcase_add_test(tc, types_canonical_form);
  tcase_add_test(tc, absent_deftypes_rejected);
  tcase_add_test(tc, type_filter);
  tcase_add_test(tc, only_watched_accounts);
  tcase_add_test(tc, two_accounts_admin);
  tcase_add_test(tc, token_at_add);
  tcase_add_test(tc, malformed_token_rejected);
  tcase_add_test(tc, token_update_withdraws);
  tcase_add_test(tc, change_after_add_signals);
  tcase_add_test(tc, folder_interest_filter);
  tcase_add_test(tc, folder_interest_update);
  tcase_add_test(tc, folder_interest_syntax);
  tcase_add_test(tc, no_expand_no_mods);
  tcase_add_test(tc, expand_all_folders);
  tcase_add_test(tc, expand_accumulates_records);
  tcase_add_test(tc, expand_delete_only);
  tcase_add_test(tc, expand_move_out);
  tcase_add_test(tc, expand_msg_actions);
  tcase_add_test(tc, folder_rename_listed);
  tcase_add_test(tc, self_change_suppressed);
  suite_add_tcase(s, tc);

  tc = tcase_create("lifecycle");
  tcase_add_checked_fixture(tc, e2e_setup, e2e_teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, eviction_least_recent);
  tcase_add_test(tc, admin_unlimited);
  tcase_add_test(tc, idle_sweep);
  tcase_add_test(tc, all_accounts_signal);
  tcase_add_test(tc, all_accounts_unknown);
  tcase_add_test(tc, all_accounts_after_restart);
  tcase_add_test(tc, all_accounts_destroy);
  tcase_add_test(tc, query_ready_list);
  tcase_add_test(tc, query_output);
  suite_add_tcase(s, tc);
  return s;
}

int
main(void)
{
  SRunner *sr;
  int failed;

  if (wsc_global_init() != 0)
    return 1;
  sr = srunner_create(e2e_waitset_suite());
  srunner_set_tap(sr, "-");
  srunner_run_all(sr, CK_SILENT);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  wsc_global_cleanup();
  return failed == 0 ? 0 : 1;
}
