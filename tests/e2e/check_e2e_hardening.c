/* SPDX-License-Identifier: MIT */
/*
 * End-to-end tests of waitsetd's defences against hostile clients: read
 * and idle timeouts, the connection cap, the folder depth limit and
 * subtree delete, exact password checks, control characters in the log,
 * UTF-8 in Faults and the HTTP framing rules.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "e2e.h"

#define ADD(id) "<a id=\"" id "\"/>"

/* Return the server log as a malloc'd string. */
static char *
read_log(void)
{
  FILE *f = fopen(fx.log_path, "r");
  size_t cap = 65536;
  size_t used = 0;
  char *text = malloc(cap);
  size_t n;

  ck_assert_ptr_nonnull(f);
  ck_assert_ptr_nonnull(text);
  while ((n = fread(text + used, 1, cap - used - 1, f)) > 0) {
    used += n;
    if (used + 1 == cap) {
      cap *= 2;
      text = realloc(text, cap);
      ck_assert_ptr_nonnull(text);
    }
  }
  fclose(f);
  text[used] = '\0';
  return text;
}

/* Send raw bytes on a new connection and read until the server closes
 * it or max_ms pass. *elapsed_ms receives the time taken. */
static char *
raw_exchange(const char *request, long max_ms, uint64_t *elapsed_ms)
{
  int fd = e2e_raw_connect();
  uint64_t start = e2e_now_ms();
  char *response;

  if (request[0] != '\0')
    e2e_raw_send(fd, request, strlen(request));
  response = e2e_raw_read(fd, max_ms, NULL);
  if (elapsed_ms != NULL)
    *elapsed_ms = e2e_now_ms() - start;
  close(fd);
  return response;
}

/* ------------------------------------------------------------------ */
/* Timeouts and the connection cap                                     */

START_TEST(read_timeout_headers)
{
  uint64_t elapsed;
  char *response;

  e2e_restart("--read-timeout", "0.2", NULL);
  response = raw_exchange("POST /service/soap HTTP/1.1\r\nX", 5000,
                          &elapsed);
  ck_assert_msg(e2e_raw_status(response) == 408, "got: %.200s", response);
  ck_assert_msg(strstr(response, "Connection: close") != NULL,
                "got: %.300s", response);
  ck_assert_uint_ge(elapsed, 150);
  ck_assert_uint_lt(elapsed, 3000);
  free(response);
}
END_TEST

START_TEST(read_timeout_body)
{
  uint64_t elapsed;
  char *response;

  e2e_restart("--read-timeout", "0.2", NULL);
  response = raw_exchange("POST /service/soap HTTP/1.1\r\n"
                          "Host: x\r\nContent-Length: 100\r\n\r\n<soap",
                          5000, &elapsed);
  ck_assert_msg(e2e_raw_status(response) == 408, "got: %.200s", response);
  ck_assert_uint_lt(elapsed, 3000);
  free(response);
}
END_TEST

START_TEST(idle_timeout_closes)
{
  uint64_t elapsed;
  char *response;

  e2e_restart("--idle-timeout", "0.2", NULL);

  /* A connection that never sends a byte. */
  response = raw_exchange("", 5000, &elapsed);
  ck_assert_str_eq(response, "");
  ck_assert_uint_ge(elapsed, 150);
  ck_assert_uint_lt(elapsed, 3000);
  free(response);

  /* A keep-alive connection after its response. */
  response = raw_exchange("GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n", 5000,
                          &elapsed);
  ck_assert_msg(e2e_raw_status(response) == 404, "got: %.200s", response);
  ck_assert_msg(strstr(response, "keep-alive") != NULL, "got: %.300s",
                response);
  ck_assert_uint_lt(elapsed, 3000);
  free(response);
}
END_TEST

START_TEST(timeouts_spare_parked_wait)
{
  const char *ws;
  e2e_async *waiter;
  wsc_reply *reply;
  uint64_t elapsed;

  e2e_restart("--read-timeout", "0.2", "--idle-timeout", "0.2", NULL);
  ws = e2e_create(&fx.u1, "m", ADD(U1));
  /* timeout="0" clamps to the 1 s minimum, five read timeouts. */
  waiter = e2e_wait_async(&fx.u1, ws, "0", "block=\"1\" timeout=\"0\"",
                          NULL);
  reply = e2e_async_join(waiter, 5000, &elapsed);
  e2e_expect_ok(reply, "WaitSetResponse");
  ck_assert_uint_ge(elapsed, 900);
  wsc_reply_free(reply);
}
END_TEST

START_TEST(max_connections_cap)
{
  int first;
  int second;
  char *response;
  char *log;
  wsc_reply *reply;
  uint64_t elapsed;

  e2e_restart("--max-connections", "2", NULL);
  /* Let the server see the login connections close first. */
  e2e_settle();
  first = e2e_raw_connect();
  second = e2e_raw_connect();
  e2e_settle();

  response = raw_exchange("GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n", 5000,
                          &elapsed);
  ck_assert_str_eq(response, "");
  ck_assert_uint_lt(elapsed, 3000);
  free(response);
  log = read_log();
  ck_assert_msg(strstr(log, "--max-connections") != NULL,
                "no log line about the connection cap");
  free(log);

  /* A freed slot takes a new connection again. */
  close(first);
  e2e_settle();
  reply = e2e_call(&fx.u1, MAIL, "<NoOpRequest " NS_MAIL "/>");
  e2e_expect_ok(reply, "NoOpResponse");
  wsc_reply_free(reply);
  close(second);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Accounts                                                            */

START_TEST(account_lookup_ignores_case)
{
  wsc_reply *reply;

  reply = e2e_call(&fx.u1, MAIL,
                   "<AuthRequest xmlns=\"" WSC_NS_ACCOUNT "\"><account "
                   "by=\"name\">U1@EX.Test</account><password>pw1"
                   "</password></AuthRequest>");
  e2e_expect_ok(reply, "AuthResponse");
  wsc_reply_free(reply);

  reply = e2e_call(&fx.u1, MAIL,
                   "<AuthRequest xmlns=\"" WSC_NS_ACCOUNT "\"><account "
                   "by=\"id\">AAAAAAAA-0000-0000-0000-000000000002</account>"
                   "<password>pw2</password></AuthRequest>");
  e2e_expect_ok(reply, "AuthResponse");
  wsc_reply_free(reply);

  reply = e2e_call(&fx.u1, MAIL,
                   "<AuthRequest xmlns=\"" WSC_NS_ACCOUNT "\"><account "
                   "by=\"name\">u7@ex.test</account><password>pw1"
                   "</password></AuthRequest>");
  e2e_expect_fault(reply, "account.AUTH_FAILED");
  wsc_reply_free(reply);
}
END_TEST

/* ------------------------------------------------------------------ */

static Suite *
e2e_hardening_suite(void)
{
  Suite *s = suite_create("e2e_hardening");
  TCase *tc = tcase_create("connections");

  tcase_add_checked_fixture(tc, e2e_setup, e2e_teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, read_timeout_headers);
  tcase_add_test(tc, read_timeout_body);
  tcase_add_test(tc, idle_timeout_closes);
  tcase_add_test(tc, timeouts_spare_parked_wait);
  tcase_add_test(tc, max_connections_cap);
  suite_add_tcase(s, tc);

  tc = tcase_create("requests");
  tcase_add_checked_fixture(tc, e2e_setup, e2e_teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, account_lookup_ignores_case);
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
  sr = srunner_create(e2e_hardening_suite());
  srunner_set_tap(sr, "-");
  srunner_run_all(sr, CK_SILENT);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  wsc_global_cleanup();
  return failed == 0 ? 0 : 1;
}
