/* SPDX-License-Identifier: MIT */
/*
 * End-to-end tests of waitsetd's defences against hostile clients: read
 * and idle timeouts, the connection cap, the folder depth limit and
 * subtree delete, exact password checks, control characters in the log,
 * UTF-8 in Faults and the HTTP framing rules. Also the Fault sent for a
 * request over the size limit.
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
  /* timeout="0" clamps to the 1 s minimum, five times the read and
   * idle timeouts. */
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

START_TEST(password_compared_exactly)
{
  static const char *const near_misses[] = {
    " pw1", "pw1 ", " pw1 ", "pw1&#10;", "&#9;pw1", "pw", "pw1x",
  };
  wsc_reply *reply;
  size_t i;

  for (i = 0; i < sizeof(near_misses) / sizeof(near_misses[0]); i++) {
    reply = e2e_call(&fx.u1, MAIL,
                     "<AuthRequest xmlns=\"" WSC_NS_ACCOUNT "\"><account "
                     "by=\"name\">" U1_NAME "</account><password>%s"
                     "</password></AuthRequest>",
                     near_misses[i]);
    ck_assert_msg(reply->fault_code != NULL,
                  "password \"%s\" was accepted", near_misses[i]);
    e2e_expect_fault(reply, "account.AUTH_FAILED");
    wsc_reply_free(reply);
  }

  reply = e2e_call(&fx.ad, ADMIN,
                   "<AuthRequest " NS_ADMIN "><name>ad@ex.test</name>"
                   "<password> pwad </password></AuthRequest>");
  e2e_expect_fault(reply, "account.AUTH_FAILED");
  wsc_reply_free(reply);
  reply = e2e_call(&fx.ad, ADMIN,
                   "<AuthRequest " NS_ADMIN "><name>ad@ex.test</name>"
                   "<password>pwad</password></AuthRequest>");
  e2e_expect_ok(reply, "AuthResponse");
  wsc_reply_free(reply);
}
END_TEST

/* Return 1 when a line of the server log starts with prefix. */
static int
log_has_line_starting(const char *log, const char *prefix)
{
  const char *line = log;

  while (line != NULL && *line != '\0') {
    if (strncmp(line, prefix, strlen(prefix)) == 0)
      return 1;
    line = strchr(line, '\n');
    if (line != NULL)
      line++;
  }
  return 0;
}

START_TEST(log_escapes_controls)
{
  wsc_reply *reply;
  char *doc;
  char *log;

  reply = e2e_call(&fx.u1, MAIL,
                   "<WaitSetRequest " NS_MAIL " seq=\"0\" waitSet=\"x&#10;"
                   "FORGED-ONE info  forged&#13;&#127;\"/>");
  e2e_expect_fault(reply, "admin.NO_SUCH_WAITSET");
  wsc_reply_free(reply);

  doc = wsc_envelope(fx.u1.token,
                     "<account by=\"name\">a&#10;FORGED-TWO line</account>",
                     "<NoOpRequest " NS_MAIL "/>");
  ck_assert_ptr_nonnull(doc);
  reply = e2e_post(MAIL, doc, "application/soap+xml; charset=utf-8", 0);
  free(doc);
  e2e_expect_fault(reply, "service.PERM_DENIED");
  wsc_reply_free(reply);

  log = read_log();
  ck_assert_msg(!log_has_line_starting(log, "FORGED-ONE"),
                "a waitset id started a log line");
  ck_assert_msg(!log_has_line_starting(log, "FORGED-TWO"),
                "an account name started a log line");
  ck_assert_msg(strstr(log, "x\\nFORGED-ONE info  forged\\r\\x7f")
                != NULL, "the escaped waitset id is not in the log");
  ck_assert_msg(strstr(log, "a\\nFORGED-TWO line") != NULL,
                "the escaped account name is not in the log");
  free(log);
}
END_TEST

START_TEST(fault_keeps_utf8)
{
  wsc_reply *reply;

  reply = e2e_call(&fx.u1, MAIL,
                   "<AuthRequest xmlns=\"" WSC_NS_ACCOUNT "\"><account "
                   "by=\"name\">us\xc3\xa9r\xe2\x82\xac@ex.test</account>"
                   "<password>x</password></AuthRequest>");
  e2e_expect_fault(reply, "account.AUTH_FAILED");
  e2e_expect_reason(reply, "[us\xc3\xa9r\xe2\x82\xac@ex.test]");
  wsc_reply_free(reply);

  /* The reason keeps markup characters as text. */
  reply = e2e_call(&fx.u1, MAIL,
                   "<AuthRequest xmlns=\"" WSC_NS_ACCOUNT "\"><account "
                   "by=\"name\">a&lt;b&amp;c\"d</account>"
                   "<password>x</password></AuthRequest>");
  e2e_expect_fault(reply, "account.AUTH_FAILED");
  e2e_expect_reason(reply, "[a<b&c\"d]");
  wsc_reply_free(reply);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Folder tree                                                         */

/* The server's limit: folders nest at most this many levels below the
 * root, where Inbox is level 1. */
#define FOLDER_DEPTH_LIMIT 128

/* Send CreateFolderRequest under parent; the caller checks the reply. */
static wsc_reply *
create_folder_reply(int parent, const char *name)
{
  return e2e_call(&fx.u1, MAIL,
                  "<CreateFolderRequest " NS_MAIL "><folder name=\"%s\" "
                  "l=\"%d\"/></CreateFolderRequest>",
                  name, parent);
}

static int
create_folder_in(int parent, const char *name)
{
  wsc_reply *reply = create_folder_reply(parent, name);
  const waitset_xml_node *folder;
  int id;

  e2e_expect_ok(reply, "CreateFolderResponse");
  folder = wsc_node_child(reply->body, "folder");
  ck_assert_ptr_nonnull(folder);
  id = atoi(wsc_node_attr(folder, "id"));
  wsc_reply_free(reply);
  return id;
}

static wsc_reply *
folder_action(const char *op, int id, int parent)
{
  return e2e_call(&fx.u1, MAIL,
                  "<FolderActionRequest " NS_MAIL "><action op=\"%s\" "
                  "id=\"%d\" l=\"%d\"/></FolderActionRequest>",
                  op, id, parent);
}

/* Build a chain of folders from level 1 down to level depth; chain[k]
 * is the folder at level k + 1. */
static void
build_chain(int *chain, int depth)
{
  int level;

  chain[0] = create_folder_in(1, "top");
  for (level = 1; level < depth; level++)
    chain[level] = create_folder_in(chain[level - 1], "sub");
}

START_TEST(folder_depth_limit)
{
  int chain[FOLDER_DEPTH_LIMIT];
  wsc_reply *reply;
  int pair_top;

  build_chain(chain, FOLDER_DEPTH_LIMIT);
  reply = create_folder_reply(chain[FOLDER_DEPTH_LIMIT - 1], "deeper");
  e2e_expect_fault(reply, "mail.CANNOT_CONTAIN");
  e2e_expect_reason(reply, "128 levels");
  wsc_reply_free(reply);

  /* A folder with one child fits under level 126, not under 127. */
  pair_top = create_folder_in(1, "pair");
  create_folder_in(pair_top, "child");
  reply = folder_action("move", pair_top, chain[FOLDER_DEPTH_LIMIT - 2]);
  e2e_expect_fault(reply, "mail.CANNOT_CONTAIN");
  e2e_expect_reason(reply, "128 levels");
  wsc_reply_free(reply);
  reply = folder_action("move", pair_top, chain[FOLDER_DEPTH_LIMIT - 3]);
  e2e_expect_ok(reply, "FolderActionResponse");
  wsc_reply_free(reply);
}
END_TEST

START_TEST(folder_move_cycle)
{
  int chain[40];
  wsc_reply *reply;

  build_chain(chain, 40);
  reply = folder_action("move", chain[0], chain[39]);
  e2e_expect_fault(reply, "mail.CANNOT_CONTAIN");
  wsc_reply_free(reply);
  reply = folder_action("move", chain[0], chain[0]);
  e2e_expect_fault(reply, "mail.CANNOT_CONTAIN");
  wsc_reply_free(reply);
}
END_TEST

START_TEST(folder_delete_subtree)
{
  int chain[FOLDER_DEPTH_LIMIT];
  int side;
  int kept;
  int deep_msg;
  wsc_reply *reply;

  build_chain(chain, FOLDER_DEPTH_LIMIT);
  side = create_folder_in(chain[60], "side");
  deep_msg = e2e_add_msg(&fx.u1, chain[FOLDER_DEPTH_LIMIT - 1]);
  e2e_add_msg(&fx.u1, side);
  kept = e2e_add_msg(&fx.u1, 2);

  reply = folder_action("delete", chain[0], 0);
  e2e_expect_ok(reply, "FolderActionResponse");
  wsc_reply_free(reply);

  /* Nothing below the deleted folder survives. */
  reply = e2e_call(&fx.u1, MAIL,
                   "<AddMsgRequest " NS_MAIL "><m l=\"%d\"><content>x"
                   "</content></m></AddMsgRequest>",
                   chain[FOLDER_DEPTH_LIMIT - 1]);
  e2e_expect_fault(reply, "mail.NO_SUCH_FOLDER");
  wsc_reply_free(reply);
  reply = folder_action("move", side, 1);
  e2e_expect_fault(reply, "mail.NO_SUCH_FOLDER");
  wsc_reply_free(reply);
  reply = e2e_call(&fx.u1, MAIL,
                   "<MsgActionRequest " NS_MAIL "><action op=\"read\" "
                   "id=\"%d\"/></MsgActionRequest>",
                   deep_msg);
  e2e_expect_fault(reply, "mail.NO_SUCH_MSG");
  wsc_reply_free(reply);

  /* Items elsewhere stay. */
  reply = e2e_call(&fx.u1, MAIL,
                   "<MsgActionRequest " NS_MAIL "><action op=\"read\" "
                   "id=\"%d\"/></MsgActionRequest>",
                   kept);
  e2e_expect_ok(reply, "MsgActionResponse");
  wsc_reply_free(reply);
}
END_TEST

/* ------------------------------------------------------------------ */
/* HTTP framing                                                        */

START_TEST(http_framing_rejected)
{
  static const struct {
    const char *request;
    int status;
  } cases[] = {
    { "POST /service/soap HTTP/1.1\r\nHost: x\r\n"
      "Content-Length : 5\r\n\r\nhello", 400 },
    { "POST /service/soap HTTP/1.1\r\nHost: x\r\n"
      "Transfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
      501 },
    { "POST /service/soap HTTP/1.1\r\nHost: x\r\n"
      "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n0\r\n\r\n", 501 },
    { "POST /service/soap HTTP/1.1\r\nHost: x\r\n\r\n", 411 },
    { "POST /service/soap HTTP/1.0\r\n\r\n", 411 },
  };
  size_t i;

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char *response = raw_exchange(cases[i].request, 5000, NULL);

    ck_assert_msg(e2e_raw_status(response) == cases[i].status,
                  "case %zu: expected %d, got: %.200s", i, cases[i].status,
                  response);
    free(response);
  }
}
END_TEST

START_TEST(http_framing_accepted)
{
  static const char *const requests[] = {
    "POST /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
    "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    "POST /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
    "Transfer-Encoding:  Chunked \r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    "POST /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
    "Content-Length: 5\r\n\r\nhello",
    "GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
  };
  size_t i;

  for (i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
    char *response = raw_exchange(requests[i], 5000, NULL);

    ck_assert_msg(e2e_raw_status(response) == 404,
                  "request %zu: expected 404, got: %.200s", i, response);
    free(response);
  }
}
END_TEST

/* ------------------------------------------------------------------ */
/* Request size limit                                                  */

/* The --max-request-bytes of the size limit tests. */
#define SIZE_LIMIT 2000

/* Return the number of waitsets QueryWaitSet lists for the admin. */
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

/* A CreateWaitSetRequest for u1 of about 3 KB, over SIZE_LIMIT, in an
 * envelope of soap_ns, or bare when soap_ns is NULL. */
static char *
oversized_create(const char *soap_ns)
{
  char add[64 * sizeof(ADD(U1))];
  size_t used = 0;
  char *doc;
  int i;

  add[0] = '\0';
  for (i = 0; i < 64; i++)
    used += (size_t)snprintf(add + used, sizeof(add) - used, "%s", ADD(U1));
  if (soap_ns == NULL)
    doc = wsc_strdup_printf("<CreateWaitSetRequest " NS_MAIL " defTypes="
                            "\"m\"><add>%s</add></CreateWaitSetRequest>",
                            add);
  else
    doc = wsc_strdup_printf(
        "<soap:Envelope xmlns:soap=\"%s\"><soap:Header><context "
        "xmlns=\"urn:zimbra\"><authToken>%s</authToken></context>"
        "</soap:Header><soap:Body><CreateWaitSetRequest " NS_MAIL
        " defTypes=\"m\"><add>%s</add></CreateWaitSetRequest></soap:Body>"
        "</soap:Envelope>",
        soap_ns, fx.u1.token, add);
  ck_assert_ptr_nonnull(doc);
  ck_assert_uint_gt(strlen(doc), SIZE_LIMIT);
  return doc;
}

START_TEST(oversized_body_soap_fault)
{
  static const struct {
    const char *soap_ns; /* NULL: a bare request element */
    int chunked;
    int fault_version;
    const char *content_type;
  } cases[] = {
    { WSC_NS_SOAP11, 1, WAITSET_XML_SOAP_11, "text/xml" },
    { WSC_NS_SOAP12, 1, WAITSET_XML_SOAP_12, "application/soap+xml" },
    { NULL, 1, WAITSET_XML_SOAP_12, "application/soap+xml" },
    /* A Content-Length over the limit is rejected before the body is
     * read, so no envelope is known. */
    { WSC_NS_SOAP11, 0, WAITSET_XML_SOAP_12, "application/soap+xml" },
  };
  char limit_text[64];
  wsc_reply *reply;
  size_t i;

  e2e_restart("--max-request-bytes", "2000", NULL);
  snprintf(limit_text, sizeof(limit_text), "larger than %d bytes",
           SIZE_LIMIT);
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char *doc = oversized_create(cases[i].soap_ns);
    char *request;
    char *response;
    const char *body;
    char content_type[80];
    char error[256];
    wsc_doc parsed;
    int rc;

    if (cases[i].chunked)
      request = wsc_strdup_printf(
          "POST /service/soap HTTP/1.1\r\nHost: x\r\n"
          "Transfer-Encoding: chunked\r\n\r\n%zx\r\n%s\r\n0\r\n\r\n",
          strlen(doc), doc);
    else
      request = wsc_strdup_printf(
          "POST /service/soap HTTP/1.1\r\nHost: x\r\n"
          "Content-Length: %zu\r\n\r\n%s",
          strlen(doc), doc);
    free(doc);
    ck_assert_ptr_nonnull(request);
    response = raw_exchange(request, 5000, NULL);
    free(request);

    ck_assert_msg(e2e_raw_status(response) == 413, "case %zu: got: %.300s",
                  i, response);
    ck_assert_msg(strstr(response, "Connection: close\r\n") != NULL,
                  "case %zu: got: %.300s", i, response);
    snprintf(content_type, sizeof(content_type), "Content-Type: %s;",
             cases[i].content_type);
    ck_assert_msg(strstr(response, content_type) != NULL,
                  "case %zu: expected %s in: %.300s", i, content_type,
                  response);
    body = e2e_raw_body(response);
    ck_assert_ptr_nonnull(body);
    rc = wsc_doc_parse(&parsed, body, strlen(body), error, sizeof(error));
    ck_assert_msg(rc == 0, "case %zu: %s in: %.300s", i, error, body);
    ck_assert_int_eq(parsed.document->soap_version, cases[i].fault_version);
    ck_assert_ptr_nonnull(parsed.document->fault);
    ck_assert_str_eq(parsed.document->fault->code,
                     "service.INVALID_REQUEST");
    ck_assert_msg(strstr(parsed.document->fault->reason, limit_text)
                  != NULL, "case %zu: reason: %s", i,
                  parsed.document->fault->reason);
    wsc_doc_free(&parsed);
    free(response);
  }
  /* None of the rejected Creates ran. */
  ck_assert_int_eq(count_waitsets(), 0);

  /* A request under the limit still runs. */
  reply = e2e_call(&fx.u1, MAIL, "<NoOpRequest " NS_MAIL "/>");
  e2e_expect_ok(reply, "NoOpResponse");
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
  tcase_add_test(tc, password_compared_exactly);
  tcase_add_test(tc, log_escapes_controls);
  tcase_add_test(tc, fault_keeps_utf8);
  tcase_add_test(tc, http_framing_rejected);
  tcase_add_test(tc, http_framing_accepted);
  tcase_add_test(tc, folder_depth_limit);
  tcase_add_test(tc, folder_move_cycle);
  tcase_add_test(tc, folder_delete_subtree);
  tcase_add_test(tc, oversized_body_soap_fault);
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
