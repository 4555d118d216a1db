/* SPDX-License-Identifier: MIT */
/*
 * End-to-end tests of account rights from the accounts file: loginas=ID
 * lets an account act for ID and add it to waitsets, child-of=ID lets
 * the parent ID do the same for the child, and nothing else is granted.
 * Also checks that waitsetd rejects bad rights flags at startup.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "e2e.h"

#define ADD(id) "<a id=\"" id "\"/>"
#define U3_NAME "u3@ex.test"
#define CHILD "aaaaaaaa-0000-0000-0000-0000000000c1"
#define CHILD_NAME "c1@ex.test"

/* u1 may act for u3 (declared before u3's line) and is the parent of
 * c1. u2 has no rights on anyone else. */
static const char rights_accounts[] =
    U1 " " U1_NAME " pw1 loginas=" U3 "\n"
    U2 " " U2_NAME " pw2\n"
    U3 " " U3_NAME " pw3\n"
    CHILD " " CHILD_NAME " pwc child-of=" U1 "\n"
    AD " ad@ex.test pwad admin\n";

static void
write_accounts(const char *path, const char *text)
{
  FILE *file = fopen(path, "w");

  ck_assert_ptr_nonnull(file);
  ck_assert_int_eq(fputs(text, file) >= 0, 1);
  ck_assert_int_eq(fclose(file), 0);
}

static void
rights_setup(void)
{
  e2e_setup();
  write_accounts(fx.accounts_path, rights_accounts);
  e2e_restart(NULL);
}

static void
login(wsc_client *client, const char *name, const char *password)
{
  char err[512];

  wsc_client_init(client, fx.url);
  client->timeout_ms = 20000;
  ck_assert_msg(wsc_login(client, name, password, 0, err, sizeof(err)) == 0,
                "%s", err);
}

static void
act_for(wsc_client *client, const wsc_client *base, const char *by,
        const char *account)
{
  *client = *base;
  snprintf(client->context_extra, sizeof(client->context_extra),
           "<account by=\"%s\">%s</account>", by, account);
}

static wsc_reply *
create(const wsc_client *client, const char *add_xml)
{
  return e2e_call(client, MAIL,
                  "<CreateWaitSetRequest " NS_MAIL " defTypes=\"m\">"
                  "<add>%s</add></CreateWaitSetRequest>", add_xml);
}

static void
copy_waitset_id(char *out, size_t len, const wsc_reply *reply)
{
  const char *id = wsc_node_attr(reply->body, "waitSet");

  ck_assert_ptr_nonnull(id);
  snprintf(out, len, "%s", id);
}

static void
expect_owner(const char *ws, const char *owner)
{
  wsc_reply *reply = e2e_call(&fx.ad, ADMIN,
                              "<QueryWaitSetRequest " NS_ADMIN
                              " waitSet=\"%s\"/>", ws);

  e2e_expect_ok(reply, "QueryWaitSetResponse");
  ck_assert_pstr_eq(wsc_node_attr(wsc_node_child(reply->body, "waitSet"),
                                  "owner"), owner);
  wsc_reply_free(reply);
}

START_TEST(loginas_target_owns_waitset)
{
  wsc_client as_u3;
  wsc_client u3;
  wsc_reply *reply;
  char ws[160];

  act_for(&as_u3, &fx.u1, "name", U3_NAME);
  reply = create(&as_u3, ADD(U3));
  e2e_expect_ok(reply, "CreateWaitSetResponse");
  copy_waitset_id(ws, sizeof(ws), reply);
  wsc_reply_free(reply);
  expect_owner(ws, U3);

  login(&u3, U3_NAME, "pw3");
  reply = e2e_wait(&u3, ws, "0", NULL, NULL);
  e2e_expect_ok(reply, "WaitSetResponse");
  wsc_reply_free(reply);

  reply = e2e_wait(&fx.u1, ws, "0", NULL, NULL);
  e2e_expect_fault(reply, "service.PERM_DENIED");
  wsc_reply_free(reply);

  /* With the header, u1 acts as the owner again. */
  reply = e2e_wait(&as_u3, ws, "0", NULL, NULL);
  e2e_expect_ok(reply, "WaitSetResponse");
  wsc_reply_free(reply);
}
END_TEST

START_TEST(loginas_add_without_header)
{
  wsc_reply *reply;
  char ws[160];

  reply = create(&fx.u1, ADD(U1) ADD(U3));
  e2e_expect_ok(reply, "CreateWaitSetResponse");
  copy_waitset_id(ws, sizeof(ws), reply);
  wsc_reply_free(reply);
  expect_owner(ws, U1);
  ck_assert_int_eq(e2e_query_sessions(ws, U3), 1);
}
END_TEST

START_TEST(add_without_right_denied)
{
  wsc_reply *reply;

  reply = create(&fx.u1, ADD(U2));
  e2e_expect_fault(reply, "service.PERM_DENIED");
  e2e_expect_reason(reply, "cannot access account " U2_NAME);
  wsc_reply_free(reply);

  /* loginas is one-way: u3 gains nothing on u1. */
  {
    wsc_client u3;

    login(&u3, U3_NAME, "pw3");
    reply = create(&u3, ADD(U1));
    e2e_expect_fault(reply, "service.PERM_DENIED");
    e2e_expect_reason(reply, "cannot access account " U1_NAME);
    wsc_reply_free(reply);
  }
}
END_TEST

START_TEST(parent_adds_child)
{
  wsc_client as_child;
  wsc_client child;
  wsc_reply *reply;
  char ws[160];

  reply = create(&fx.u1, ADD(CHILD));
  e2e_expect_ok(reply, "CreateWaitSetResponse");
  copy_waitset_id(ws, sizeof(ws), reply);
  wsc_reply_free(reply);
  ck_assert_int_eq(e2e_query_sessions(ws, CHILD), 1);

  act_for(&as_child, &fx.u1, "id", CHILD);
  reply = create(&as_child, ADD(CHILD));
  e2e_expect_ok(reply, "CreateWaitSetResponse");
  copy_waitset_id(ws, sizeof(ws), reply);
  wsc_reply_free(reply);
  expect_owner(ws, CHILD);

  /* The child has no right on its parent. */
  login(&child, CHILD_NAME, "pwc");
  reply = create(&child, ADD(U1));
  e2e_expect_fault(reply, "service.PERM_DENIED");
  e2e_expect_reason(reply, "cannot access account " U1_NAME);
  wsc_reply_free(reply);
}
END_TEST

START_TEST(header_without_right_denied)
{
  wsc_client as_u2;
  wsc_reply *reply;

  act_for(&as_u2, &fx.u1, "name", U2_NAME);
  reply = create(&as_u2, ADD(U2));
  e2e_expect_fault(reply, "service.PERM_DENIED");
  e2e_expect_reason(reply, "can not access account " U2_NAME);
  wsc_reply_free(reply);

  act_for(&as_u2, &fx.u2, "id", U1);
  reply = create(&as_u2, ADD(U1));
  e2e_expect_fault(reply, "service.PERM_DENIED");
  e2e_expect_reason(reply, "can not access account " U1);
  wsc_reply_free(reply);
}
END_TEST

/* Run waitsetd on an accounts file that fails to load; returns its
 * exit status and stores its output in out. */
static int
run_with_accounts(const char *text, char *out, size_t out_len)
{
  char path[400];
  char command[1200];
  FILE *pipe;
  size_t used = 0;
  int status;

  snprintf(path, sizeof(path), "%s/bad-accounts", fx.dir);
  write_accounts(path, text);
  snprintf(command, sizeof(command),
           "'%s' --listen 127.0.0.1:0 --accounts '%s' 2>&1 </dev/null",
           getenv("WAITSETD"), path);
  pipe = popen(command, "r");
  ck_assert_ptr_nonnull(pipe);
  while (used + 1 < out_len) {
    size_t n = fread(out + used, 1, out_len - 1 - used, pipe);

    if (n == 0)
      break;
    used += n;
  }
  out[used] = '\0';
  status = pclose(pipe);
  ck_assert_msg(WIFEXITED(status), "waitsetd did not exit: %s", out);
  return WEXITSTATUS(status);
}

START_TEST(bad_rights_flags_rejected)
{
  static const struct {
    const char *text;
    const char *message;
  } cases[] = {
    { U1 " " U1_NAME " pw1\n"
      U2 " " U2_NAME " pw2 loginas\n",
      "bad-accounts:2: invalid flag \"loginas\"" },
    { U1 " " U1_NAME " pw1 remote,login-as=" U2 "\n",
      "bad-accounts:1: invalid flag \"login-as=" U2 "\"" },
    { U1 " " U1_NAME " pw1 child-of=\n",
      "bad-accounts:1: invalid flag \"child-of=\": missing account id" },
    { U1 " " U1_NAME " pw1\n"
      "# comment\n"
      U2 " " U2_NAME " pw2 loginas=" U1 ",loginas=" NOBODY "\n",
      "bad-accounts:3: loginas=" NOBODY ": no account has this id" },
    { U1 " " U1_NAME " pw1 child-of=" NOBODY "\n",
      "bad-accounts:1: child-of=" NOBODY ": no account has this id" },
  };
  char out[2048];
  size_t i;

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    ck_assert_int_eq(run_with_accounts(cases[i].text, out, sizeof(out)), 2);
    ck_assert_msg(strstr(out, cases[i].message) != NULL,
                  "case %zu: expected \"%s\" in: %s", i, cases[i].message,
                  out);
  }
}
END_TEST

static Suite *
e2e_rights_suite(void)
{
  Suite *s = suite_create("e2e_rights");
  TCase *tc = tcase_create("rights");

  tcase_add_checked_fixture(tc, rights_setup, e2e_teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, loginas_target_owns_waitset);
  tcase_add_test(tc, loginas_add_without_header);
  tcase_add_test(tc, add_without_right_denied);
  tcase_add_test(tc, parent_adds_child);
  tcase_add_test(tc, header_without_right_denied);
  tcase_add_test(tc, bad_rights_flags_rejected);
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
  sr = srunner_create(e2e_rights_suite());
  srunner_set_tap(sr, "-");
  srunner_run_all(sr, CK_SILENT);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  wsc_global_cleanup();
  return failed == 0 ? 0 : 1;
}
