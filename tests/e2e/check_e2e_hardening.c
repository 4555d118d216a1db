/* SPDX-License-Identifier: MIT */
/*
 * End-to-end tests of waitsetd's defences against hostile clients: read
 * and idle timeouts, the connection cap, the folder depth limit and
 * subtree delete, exact password checks, control characters in the log,
 * UTF-8 in Faults and the HTTP framing rules. Also the Fault sent for a
 * request over the size limit, and the bound on queued responses.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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
/* Write backpressure                                                  */

/* The --max-output-bytes of the write backpressure test. */
#define OUTPUT_LIMIT 65536
/* Admin waitsets that make each QueryWaitSet response about 40 KB. */
#define QUERY_WAITSETS 100
/* Pipelined pairs of a QueryWaitSet and a Wait on an unknown waitset:
 * about 12 MB of responses, far more than the socket buffers hold. */
#define PIPELINED_PAIRS 300

typedef struct pipelined_sender {
  pthread_t thread;
  int fd;
  const char *data;
  size_t length;
  int error; /* errno of a failed send, or 0 */
} pipelined_sender;

static void *
send_all_blocking(void *arg)
{
  pipelined_sender *sender = arg;
  size_t sent = 0;

  while (sent < sender->length) {
    ssize_t n = send(sender->fd, sender->data + sent, sender->length - sent,
                     MSG_NOSIGNAL);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      sender->error = n < 0 ? errno : EPIPE;
      break;
    }
    sent += (size_t)n;
  }
  return NULL;
}

/* Connect with a 4 KiB receive buffer, so the client's kernel buffers few
 * of the responses it does not read. *port receives the local port. */
static int
connect_small_receive_buffer(int *port)
{
  struct sockaddr_in addr;
  socklen_t addr_len = sizeof(addr);
  const char *colon = strrchr(fx.host_port, ':');
  int size = 4096;
  int fd;

  ck_assert_ptr_nonnull(colon);
  fd = socket(AF_INET, SOCK_STREAM, 0);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size,
                              sizeof(size)), 0);
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)atoi(colon + 1));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ck_assert_msg(connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0,
                "connect to %s failed: %s", fx.host_port, strerror(errno));
  ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&addr, &addr_len), 0);
  *port = ntohs(addr.sin_port);
  return fd;
}

/* Return the first occurrence of needle in the len bytes at haystack. */
static const char *
find_bytes(const char *haystack, size_t len, const char *needle)
{
  size_t needle_len = strlen(needle);
  size_t i;

  for (i = 0; i + needle_len <= len; i++) {
    if (memcmp(haystack + i, needle, needle_len) == 0)
      return haystack + i;
  }
  return NULL;
}

/* One HTTP response taken from the front of a receive buffer. */
typedef struct http_response_view {
  int status;
  const char *body;
  size_t body_length;
  size_t total_length; /* head and body */
} http_response_view;

/* Parse the response at the front of buf. Returns 0 while it is
 * incomplete. */
static int
take_response(const char *buf, size_t len, http_response_view *view)
{
  const char *end = find_bytes(buf, len, "\r\n\r\n");
  const char *length;
  size_t head_length;

  if (end == NULL)
    return 0;
  head_length = (size_t)(end - buf) + 4;
  length = find_bytes(buf, head_length, "Content-Length: ");
  ck_assert_msg(length != NULL, "no Content-Length in: %.200s", buf);
  view->status = atoi(buf + 9);
  view->body_length = (size_t)strtoul(length + 16, NULL, 10);
  if (len < head_length + view->body_length)
    return 0;
  view->body = buf + head_length;
  view->total_length = head_length + view->body_length;
  return 1;
}

/* Receive more bytes into *buf (growing it), waiting up to max_ms.
 * Returns the number of bytes received, 0 on a timeout. */
static size_t
receive_more(int fd, char **buf, size_t *used, size_t *capacity, long max_ms)
{
  struct pollfd pfd = { fd, POLLIN, 0 };
  ssize_t n;

  if (poll(&pfd, 1, (int)max_ms) <= 0)
    return 0;
  if (*capacity - *used < 65536) {
    *capacity = *capacity * 2 + 65536;
    *buf = realloc(*buf, *capacity);
    ck_assert_ptr_nonnull(*buf);
  }
  n = recv(fd, *buf + *used, *capacity - *used, 0);
  ck_assert_msg(n > 0, "the server closed the connection: %s",
                n < 0 ? strerror(errno) : "end of stream");
  *used += (size_t)n;
  return (size_t)n;
}

/* Wait up to max_ms for a line containing text in the server log. */
static int
log_wait_for(const char *text, long max_ms)
{
  uint64_t deadline = e2e_now_ms() + (uint64_t)max_ms;

  for (;;) {
    char *log = read_log();
    int found = strstr(log, text) != NULL;

    free(log);
    if (found)
      return 1;
    if (e2e_now_ms() >= deadline)
      return 0;
    usleep(20000);
  }
}

/* Count the occurrences of text in the server log. */
static int
log_count(const char *text)
{
  char *log = read_log();
  const char *p = log;
  int count = 0;

  while ((p = strstr(p, text)) != NULL) {
    count++;
    p += strlen(text);
  }
  free(log);
  return count;
}

/* Return the largest queued byte count of the "reading paused" log
 * lines of one peer, and their number in *lines. */
static size_t
max_queued_when_paused(const char *peer, int *lines)
{
  char *log = read_log();
  char prefix[96];
  const char *p = log;
  size_t max = 0;

  *lines = 0;
  snprintf(prefix, sizeof(prefix), "%s: ", peer);
  while ((p = strstr(p, prefix)) != NULL) {
    const char *line_end = strchr(p, '\n');
    char *number_end;
    unsigned long long queued;
    size_t line_length;

    p += strlen(prefix);
    line_length = line_end != NULL ? (size_t)(line_end - p) : strlen(p);
    queued = strtoull(p, &number_end, 10);
    if (number_end != p
        && find_bytes(p, line_length, "queued, over the limit") != NULL
        && find_bytes(p, line_length, "reading paused") != NULL) {
      (*lines)++;
      if (queued > max)
        max = (size_t)queued;
    }
  }
  free(log);
  return max;
}

/* Append one pipelined POST of body, in a SOAP 1.2 envelope with the
 * admin token, to the request stream. */
static void
append_admin_post(char **stream, size_t *used, size_t *capacity,
                  const char *body)
{
  char *doc = wsc_envelope(fx.ad.token, NULL, body);
  char *request;
  size_t len;

  ck_assert_ptr_nonnull(doc);
  request = wsc_strdup_printf("POST " ADMIN " HTTP/1.1\r\nHost: x\r\n"
                              "Content-Type: application/soap+xml\r\n"
                              "Content-Length: %zu\r\n\r\n%s",
                              strlen(doc), doc);
  free(doc);
  ck_assert_ptr_nonnull(request);
  len = strlen(request);
  if (*used + len > *capacity) {
    *capacity = (*used + len) * 2;
    *stream = realloc(*stream, *capacity);
    ck_assert_ptr_nonnull(*stream);
  }
  memcpy(*stream + *used, request, len);
  *used += len;
  free(request);
}

START_TEST(pipelined_output_bounded)
{
  pipelined_sender sender;
  char *stream = NULL;
  size_t stream_used = 0;
  size_t stream_capacity = 0;
  char *input = NULL;
  size_t input_used = 0;
  size_t input_capacity = 0;
  char body[256];
  char peer[64];
  char marker[32];
  const char *user_ws;
  const char *final_ws;
  char final_ws_id[160];
  e2e_async *other;
  wsc_reply *reply;
  http_response_view view;
  size_t largest_response = 0;
  size_t max_queued;
  int pause_lines;
  int requests_read;
  int responses = 0;
  int port;
  int i;

  e2e_restart("--max-output-bytes", "65536", NULL);
  for (i = 0; i < QUERY_WAITSETS; i++)
    e2e_create(&fx.ad, "m", ADD(U1));
  final_ws = e2e_create(&fx.ad, "m", ADD(U2));
  snprintf(final_ws_id, sizeof(final_ws_id), "%s", final_ws);
  /* A wait parked on another connection while reading is paused. */
  user_ws = e2e_create(&fx.u1, "m", ADD(U1));
  other = e2e_wait_async(&fx.u1, user_ws, "0", "block=\"1\"", NULL);

  for (i = 0; i < PIPELINED_PAIRS; i++) {
    append_admin_post(&stream, &stream_used, &stream_capacity,
                      "<QueryWaitSetRequest " NS_ADMIN "/>");
    snprintf(body, sizeof(body), "<AdminWaitSetRequest " NS_ADMIN
             " waitSet=\"order-%04d\" seq=\"0\"/>", i);
    append_admin_post(&stream, &stream_used, &stream_capacity, body);
  }
  /* The last request parks until U2's mailbox changes. */
  snprintf(body, sizeof(body), "<AdminWaitSetRequest " NS_ADMIN
           " waitSet=\"%s\" seq=\"0\" block=\"1\"/>", final_ws_id);
  append_admin_post(&stream, &stream_used, &stream_capacity, body);

  memset(&sender, 0, sizeof(sender));
  sender.fd = connect_small_receive_buffer(&port);
  sender.data = stream;
  sender.length = stream_used;
  snprintf(peer, sizeof(peer), "127.0.0.1:%d", port);
  ck_assert_int_eq(pthread_create(&sender.thread, NULL, send_all_blocking,
                                  &sender), 0);

  /* The client reads nothing: the server must stop reading from it. */
  ck_assert_msg(log_wait_for("reading paused", 10000),
                "the server never paused reading from %s", peer);
  e2e_settle();
  snprintf(body, sizeof(body), "from %s: POST", peer);
  requests_read = log_count(body);
  ck_assert_int_gt(requests_read, 0);
  ck_assert_int_lt(requests_read, 2 * PIPELINED_PAIRS);

  /* The loop still serves others meanwhile. */
  e2e_add_msg(&fx.u1, 2);
  reply = e2e_async_join(other, 5000, NULL);
  e2e_expect_accounts(reply, U1);
  wsc_reply_free(reply);

  /* Reading now returns every response, in order. */
  while (responses < 2 * PIPELINED_PAIRS) {
    if (!take_response(input, input_used, &view)) {
      ck_assert_msg(receive_more(sender.fd, &input, &input_used,
                                 &input_capacity, 10000) > 0,
                    "timed out after %d responses", responses);
      continue;
    }
    if (responses % 2 == 0) {
      ck_assert_int_eq(view.status, 200);
      ck_assert_ptr_nonnull(find_bytes(view.body, view.body_length,
                                       "QueryWaitSetResponse"));
    } else {
      snprintf(marker, sizeof(marker), "order-%04d", responses / 2);
      ck_assert_int_eq(view.status, 500);
      ck_assert_msg(find_bytes(view.body, view.body_length, marker)
                    != NULL, "response %d does not name %s: %.*s",
                    responses, marker, (int)view.body_length, view.body);
    }
    if (view.total_length > largest_response)
      largest_response = view.total_length;
    responses++;
    memmove(input, input + view.total_length,
            input_used - view.total_length);
    input_used -= view.total_length;
  }

  /* Every pause left at most one response over the limit queued. */
  max_queued = max_queued_when_paused(peer, &pause_lines);
  ck_assert_int_gt(pause_lines, 0);
  ck_assert_uint_le(max_queued, OUTPUT_LIMIT + largest_response);

  /* The last request is a parked wait: nothing until U2 changes. */
  ck_assert_uint_eq(input_used, 0);
  ck_assert_uint_eq(receive_more(sender.fd, &input, &input_used,
                                 &input_capacity, 150), 0);
  e2e_add_msg(&fx.u2, 2);
  while (!take_response(input, input_used, &view))
    ck_assert_msg(receive_more(sender.fd, &input, &input_used,
                               &input_capacity, 5000) > 0,
                  "the parked wait was not answered");
  ck_assert_int_eq(view.status, 200);
  ck_assert_ptr_nonnull(find_bytes(view.body, view.body_length, U2));

  ck_assert_int_eq(pthread_join(sender.thread, NULL), 0);
  ck_assert_int_eq(sender.error, 0);
  close(sender.fd);
  free(stream);
  free(input);
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
  tcase_add_test(tc, pipelined_output_bounded);
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
