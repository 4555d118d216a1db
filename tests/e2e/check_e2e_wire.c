/* SPDX-License-Identifier: MIT */
/*
 * End-to-end tests of the wire format and of bad input over HTTP:
 * authentication, paths, SOAP 1.1 and 1.2 envelopes, attribute-as-element
 * fields, namespaces, JSON, limits, malformed HTTP, slow and vanishing
 * clients.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "e2e.h"

#define ADD(id) "<a id=\"" id "\"/>"
#define SOAP12_CT "application/soap+xml; charset=utf-8"
#define SOAP11_CT "text/xml; charset=utf-8"

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

/* A SOAP 1.2 document with u1's token around body. */
static char *
u1_envelope(const char *body)
{
  char *doc = wsc_envelope(fx.u1.token, NULL, body);

  ck_assert_ptr_nonnull(doc);
  return doc;
}

static void
sleep_ms(long ms)
{
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

  nanosleep(&ts, NULL);
}

/* ------------------------------------------------------------------ */
/* Authentication and paths                                            */

START_TEST(auth_response_shape)
{
  const waitset_xml_node *token;
  const waitset_xml_node *lifetime;
  wsc_reply *reply;
  char *end;

  reply = e2e_call(&fx.u1, MAIL,
                   "<AuthRequest xmlns=\"" WSC_NS_ACCOUNT "\"><account "
                   "by=\"name\">" U1_NAME "</account><password>pw1"
                   "</password></AuthRequest>");
  e2e_expect_ok(reply, "AuthResponse");
  ck_assert_str_eq(reply->body->namespace_uri, WSC_NS_ACCOUNT);
  token = wsc_node_child(reply->body, "authToken");
  ck_assert_ptr_nonnull(token);
  ck_assert_uint_gt(strlen(token->text), 0);
  lifetime = wsc_node_child(reply->body, "lifetime");
  ck_assert_ptr_nonnull(lifetime);
  ck_assert_int_gt(strtoll(lifetime->text, &end, 10), 0);
  ck_assert_msg(*end == '\0', "lifetime \"%s\" is not an integer",
                lifetime->text);
  wsc_reply_free(reply);

  /* The admin command, with <name> or with <account by="name">. */
  reply = e2e_call(&fx.u1, ADMIN,
                   "<AuthRequest " NS_ADMIN "><name>ad@ex.test</name>"
                   "<password>pwad</password></AuthRequest>");
  e2e_expect_ok(reply, "AuthResponse");
  ck_assert_str_eq(reply->body->namespace_uri, WSC_NS_ADMIN);
  ck_assert_ptr_nonnull(wsc_node_child(reply->body, "authToken"));
  wsc_reply_free(reply);
  reply = e2e_call(&fx.u1, ADMIN,
                   "<AuthRequest " NS_ADMIN "><account by=\"name\">"
                   "ad@ex.test</account><password>pwad</password>"
                   "</AuthRequest>");
  e2e_expect_ok(reply, "AuthResponse");
  wsc_reply_free(reply);

  /* A non-admin account on the admin command, and a wrong password. */
  reply = e2e_call(&fx.u1, ADMIN,
                   "<AuthRequest " NS_ADMIN "><name>" U1_NAME "</name>"
                   "<password>pw1</password></AuthRequest>");
  ck_assert_msg(reply->status == 500 && reply->fault_code != NULL,
                "admin login of a user account succeeded: %s", reply->raw);
  wsc_reply_free(reply);
  reply = e2e_call(&fx.u1, MAIL,
                   "<AuthRequest xmlns=\"" WSC_NS_ACCOUNT "\"><account "
                   "by=\"name\">" U1_NAME "</account><password>wrong"
                   "</password></AuthRequest>");
  ck_assert_msg(reply->status == 500 && reply->fault_code != NULL,
                "login with a wrong password succeeded: %s", reply->raw);
  wsc_reply_free(reply);
}
END_TEST

START_TEST(auth_required)
{
  wsc_client anonymous;
  wsc_client forged;
  wsc_reply *reply;

  wsc_client_init(&anonymous, fx.url);
  reply = e2e_call(&anonymous, MAIL,
                   "<CreateWaitSetRequest " NS_MAIL " defTypes=\"m\"/>");
  e2e_expect_fault(reply, "service.AUTH_REQUIRED");
  e2e_expect_reason(reply, "no valid authtoken present");
  wsc_reply_free(reply);

  forged = fx.u1;
  snprintf(forged.token, sizeof(forged.token), "0_forged_token");
  reply = e2e_call(&forged, MAIL,
                   "<CreateWaitSetRequest " NS_MAIL " defTypes=\"m\"/>");
  e2e_expect_fault(reply, "service.AUTH_REQUIRED");
  wsc_reply_free(reply);

  reply = e2e_call(&fx.u1, ADMIN,
                   "<AdminCreateWaitSetRequest " NS_ADMIN " defTypes=\"m\"/>");
  e2e_expect_fault(reply, "service.PERM_DENIED");
  e2e_expect_reason(reply, "need adequate admin token");
  wsc_reply_free(reply);
}
END_TEST

START_TEST(mail_path_variants)
{
  static const char *const paths[] = { "/service/soap/",
                                       "/service/soap/WaitSetRequest",
                                       "/service/soap" };
  wsc_reply *reply;
  size_t i;

  for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
    reply = e2e_call(&fx.u1, paths[i],
                     "<CreateWaitSetRequest " NS_MAIL " defTypes=\"m\">"
                     "<add>" ADD(U1) "</add></CreateWaitSetRequest>");
    e2e_expect_ok(reply, "CreateWaitSetResponse");
    wsc_reply_free(reply);
  }
}
END_TEST

START_TEST(soap11_round_trip)
{
  wsc_reply *reply;
  char *doc;

  doc = wsc_strdup_printf(
      "<soap:Envelope xmlns:soap=\"" WSC_NS_SOAP11 "\"><soap:Header>"
      "<context xmlns=\"urn:zimbra\"><authToken>%s</authToken></context>"
      "</soap:Header><soap:Body><CreateWaitSetRequest " NS_MAIL
      " defTypes=\"m\"><add>" ADD(U1) "</add></CreateWaitSetRequest>"
      "</soap:Body></soap:Envelope>",
      fx.u1.token);
  reply = e2e_post(MAIL, doc, SOAP11_CT, 0);
  free(doc);
  e2e_expect_ok(reply, "CreateWaitSetResponse");
  ck_assert_int_eq(reply->soap_version, WAITSET_XML_SOAP_11);
  wsc_reply_free(reply);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Document shapes                                                     */

START_TEST(attribute_as_element)
{
  const char *ws = e2e_create(&fx.ad, "m", ADD(U1));
  wsc_reply *reply;

  reply = e2e_call(&fx.ad, ADMIN,
                   "<AdminWaitSetRequest " NS_ADMIN "><waitSet>%s</waitSet>"
                   "<seq>0</seq><add><a><id>" U2 "</id></a></add>"
                   "</AdminWaitSetRequest>", ws);
  e2e_expect_ok(reply, "AdminWaitSetResponse");
  ck_assert_pstr_eq(wsc_node_attr(reply->body, "seq"), "0");
  ck_assert_uint_eq(wsc_node_count(reply->body, "error"), 0);
  wsc_reply_free(reply);
  ck_assert_int_eq(e2e_query_sessions(ws, U2), 1);

  reply = e2e_call(&fx.ad, ADMIN,
                   "<AdminWaitSetRequest " NS_ADMIN " waitSet=\"%s\">"
                   "<waitSet>%s</waitSet><seq>0</seq></AdminWaitSetRequest>",
                   ws, ws);
  e2e_expect_fault(reply, "service.INVALID_REQUEST");
  e2e_expect_reason(reply, "waitSet");
  wsc_reply_free(reply);
}
END_TEST

START_TEST(json_rejected)
{
  wsc_reply *reply;
  char *doc;

  doc = wsc_strdup_printf(
      "{\"Header\":{\"context\":{\"_jsns\":\"urn:zimbra\",\"authToken\":"
      "{\"_content\":\"%s\"}}},\"Body\":{\"CreateWaitSetRequest\":"
      "{\"_jsns\":\"urn:zimbraMail\",\"defTypes\":\"m\"}}}",
      fx.u1.token);
  reply = e2e_post(MAIL, doc, "application/json", 0);
  free(doc);
  e2e_expect_fault(reply, "service.PARSE_ERROR");
  ck_assert_int_eq(reply->soap_version, WAITSET_XML_SOAP_12);
  wsc_reply_free(reply);

  doc = wsc_strdup_printf(
      "<soap:Envelope xmlns:soap=\"" WSC_NS_SOAP12 "\"><soap:Header>"
      "<context xmlns=\"urn:zimbra\"><authToken>%s</authToken>"
      "<format type=\"js\"/></context></soap:Header><soap:Body>"
      "<CreateWaitSetRequest " NS_MAIL " defTypes=\"m\"/></soap:Body>"
      "</soap:Envelope>",
      fx.u1.token);
  reply = e2e_post(MAIL, doc, SOAP12_CT, 0);
  free(doc);
  e2e_expect_fault(reply, "service.INVALID_REQUEST");
  e2e_expect_reason(reply, "format");
  wsc_reply_free(reply);
}
END_TEST

START_TEST(envelope_without_body)
{
  wsc_reply *reply;
  char *doc;

  doc = wsc_strdup_printf(
      "<soap:Envelope xmlns:soap=\"" WSC_NS_SOAP12 "\"><soap:Header>"
      "<context xmlns=\"urn:zimbra\"><authToken>%s</authToken></context>"
      "</soap:Header></soap:Envelope>",
      fx.u1.token);
  reply = e2e_post(MAIL, doc, SOAP12_CT, 0);
  free(doc);
  e2e_expect_fault(reply, "service.INVALID_REQUEST");
  wsc_reply_free(reply);
}
END_TEST

START_TEST(parse_error_versions)
{
  wsc_reply *reply;
  char *doc;

  /* SOAP 1.1 without </soap:Body>: a SOAP 1.1 Fault from soap:Client. */
  doc = wsc_strdup_printf(
      "<soap:Envelope xmlns:soap=\"" WSC_NS_SOAP11 "\"><soap:Header>"
      "<context xmlns=\"urn:zimbra\"><authToken>%s</authToken></context>"
      "</soap:Header><soap:Body><CreateWaitSetRequest " NS_MAIL
      " defTypes=\"m\"/></soap:Envelope>",
      fx.u1.token);
  reply = e2e_post(MAIL, doc, SOAP11_CT, 0);
  free(doc);
  e2e_expect_fault(reply, "service.PARSE_ERROR");
  ck_assert_int_eq(reply->soap_version, WAITSET_XML_SOAP_11);
  ck_assert_pstr_eq(reply->fault_value, "soap:Client");
  wsc_reply_free(reply);

  /* SOAP 1.2 with a broken attribute, asking for JSON: a 1.2 XML Fault. */
  doc = wsc_strdup_printf(
      "<soap:Envelope xmlns:soap=\"" WSC_NS_SOAP12 "\"><soap:Header>"
      "<context xmlns=\"urn:zimbra\"><authToken>%s</authToken>"
      "<format type=\"js\"/></context></soap:Header><soap:Body>"
      "<WaitSetRequest " NS_MAIL " waitSet=<> seq=\"0\"/></soap:Body>"
      "</soap:Envelope>",
      fx.u1.token);
  reply = e2e_post(MAIL, doc, SOAP12_CT, 0);
  free(doc);
  e2e_expect_fault(reply, "service.PARSE_ERROR");
  ck_assert_int_eq(reply->soap_version, WAITSET_XML_SOAP_12);
  ck_assert_pstr_eq(reply->fault_value, "soap:Sender");
  wsc_reply_free(reply);

  /* An empty POST. */
  reply = e2e_post(MAIL, "", SOAP12_CT, 0);
  e2e_expect_fault(reply, "service.PARSE_ERROR");
  ck_assert_int_eq(reply->soap_version, WAITSET_XML_SOAP_12);
  wsc_reply_free(reply);

  /* Bytes that are not text at all. */
  reply = e2e_post(MAIL, "\x01\x02\xff\xfe garbage \x7f", SOAP12_CT, 0);
  e2e_expect_fault(reply, "service.PARSE_ERROR");
  wsc_reply_free(reply);
}
END_TEST

START_TEST(perl_style_prefixes)
{
  wsc_reply *reply;
  const char *ws;
  char *doc;

  doc = wsc_strdup_printf(
      "<soap:Envelope xmlns:soap=\"" WSC_NS_SOAP12 "\"><soap:Header>"
      "<ns2:context xmlns:ns2=\"urn:zimbra\"><authToken>%s</authToken>"
      "</ns2:context></soap:Header><soap:Body>"
      "<ns1:CreateWaitSetRequest xmlns:ns1=\"urn:zimbraMail\" "
      "defTypes=\"m\"><add><a id=\"" U1 "\"/></add>"
      "</ns1:CreateWaitSetRequest></soap:Body></soap:Envelope>",
      fx.u1.token);
  reply = e2e_post(MAIL, doc, SOAP12_CT, 1);
  free(doc);
  e2e_expect_ok(reply, "CreateWaitSetResponse");
  ck_assert_uint_eq(wsc_node_count(reply->body, "error"), 0);
  ws = wsc_node_attr(reply->body, "waitSet");
  ck_assert_ptr_nonnull(ws);
  ck_assert_int_eq(e2e_query_sessions(ws, U1), 1);
  wsc_reply_free(reply);
}
END_TEST

START_TEST(names_are_exact)
{
  wsc_reply *reply;

  reply = e2e_call(&fx.ad, MAIL,
                   "<AdminWaitSetRequest " NS_MAIL " waitSet=\"x\" "
                   "seq=\"0\"/>");
  e2e_expect_fault(reply, "service.UNKNOWN_DOCUMENT");
  wsc_reply_free(reply);

  /* allaccounts (lower-case a) is an unknown attribute and ignored. */
  reply = e2e_call(&fx.ad, ADMIN,
                   "<AdminCreateWaitSetRequest " NS_ADMIN " defTypes=\"all\" "
                   "allaccounts=\"1\"/>");
  e2e_expect_ok(reply, "AdminCreateWaitSetResponse");
  ck_assert_int_eq(strncmp(wsc_node_attr(reply->body, "waitSet"),
                           "WaitSet-", 8), 0);
  wsc_reply_free(reply);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Limits                                                              */

START_TEST(depth_limit)
{
  const char *ws = e2e_create(&fx.u1, "m", ADD(U1));
  size_t depth = 10000;
  size_t len = depth * 7 + 256;
  char *body = malloc(len);
  wsc_reply *reply;
  size_t used;
  size_t i;

  ck_assert_ptr_nonnull(body);
  used = (size_t)snprintf(body, len, "<WaitSetRequest " NS_MAIL
                          " waitSet=\"%s\" seq=\"0\">", ws);
  for (i = 0; i < depth; i++)
    used += (size_t)snprintf(body + used, len - used, "<x>");
  for (i = 0; i < depth; i++)
    used += (size_t)snprintf(body + used, len - used, "</x>");
  snprintf(body + used, len - used, "</WaitSetRequest>");
  reply = e2e_call(&fx.u1, MAIL, "%s", body);
  free(body);
  e2e_expect_fault(reply, "service.INVALID_REQUEST");
  wsc_reply_free(reply);

  /* The server is still serving. */
  reply = e2e_wait(&fx.u1, ws, "0", NULL, NULL);
  e2e_expect_ok(reply, "WaitSetResponse");
  wsc_reply_free(reply);
}
END_TEST

START_TEST(long_id_cut_in_reason)
{
  size_t len = 200000;
  char *id = malloc(len + 1);
  char expected[160];
  wsc_reply *reply;

  ck_assert_ptr_nonnull(id);
  memset(id, 'x', len);
  id[len] = '\0';
  reply = e2e_wait(&fx.u1, id, "0", NULL, NULL);
  free(id);
  e2e_expect_fault(reply, "admin.NO_SUCH_WAITSET");
  memset(expected, 'x', 128);
  memcpy(expected + 128, "...", 4);
  e2e_expect_reason(reply, expected);
  ck_assert_uint_lt(strlen(reply->fault_reason), 200);
  wsc_reply_free(reply);
}
END_TEST

START_TEST(oversized_body)
{
  size_t count = 30000;
  size_t len = count * 48 + 512;
  char *add = malloc(len);
  wsc_reply *reply;
  static const char huge_header[] =
      "POST /service/soap HTTP/1.1\r\nHost: x\r\n"
      "Content-Type: " SOAP12_CT "\r\nContent-Length: 999999999\r\n\r\n";
  char *response;
  int before;
  size_t used = 0;
  size_t i;
  int fd;

  e2e_restart("--max-request-bytes", "100000", NULL);
  before = count_waitsets();
  ck_assert_ptr_nonnull(add);
  add[0] = '\0';
  for (i = 0; i < count; i++)
    used += (size_t)snprintf(add + used, len - used, "%s", ADD(U1));
  reply = e2e_call(&fx.u1, MAIL,
                   "<CreateWaitSetRequest " NS_MAIL " defTypes=\"m\">"
                   "<add>%s</add></CreateWaitSetRequest>", add);
  free(add);
  /* 413, or an INVALID_REQUEST Fault when rejected inside SOAP. */
  if (reply->status != 413)
    e2e_expect_fault(reply, "service.INVALID_REQUEST");
  wsc_reply_free(reply);
  ck_assert_int_eq(count_waitsets(), before);

  /* A Content-Length over the limit is rejected before any body. */
  fd = e2e_raw_connect();
  e2e_raw_send(fd, huge_header, strlen(huge_header));
  response = e2e_raw_read(fd, 5000, NULL);
  close(fd);
  ck_assert_msg(e2e_raw_status(response) == 413, "got: %.200s", response);
  free(response);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Bad HTTP and misbehaving clients                                    */

static const char create_body[] =
    "<CreateWaitSetRequest " NS_MAIL " defTypes=\"m\"><add>" ADD(U1)
    "</add></CreateWaitSetRequest>";

/* A complete HTTP request for a Create with u1's token. */
static char *
create_http_request(void)
{
  char *doc = u1_envelope(create_body);
  char *request;

  request = wsc_strdup_printf(
      "POST /service/soap HTTP/1.1\r\nHost: %s\r\n"
      "Content-Type: " SOAP12_CT "\r\nContent-Length: %zu\r\n"
      "Connection: close\r\n\r\n%s",
      fx.host_port, strlen(doc), doc);
  free(doc);
  ck_assert_ptr_nonnull(request);
  return request;
}

START_TEST(malformed_http)
{
  static const char *const requests[] = {
    "GARBAGE\r\n\r\n",
    "POST /service/soap HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    ("POST /service/soap HTTP/1.1\r\nContent-Length: 5\r\n"
     "Content-Length: 7\r\n\r\n<a/>xyz"),
  };
  wsc_reply *reply;
  size_t i;

  for (i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
    int fd = e2e_raw_connect();
    char *response;

    e2e_raw_send(fd, requests[i], strlen(requests[i]));
    response = e2e_raw_read(fd, 5000, NULL);
    close(fd);
    ck_assert_msg(e2e_raw_status(response) == 400,
                  "request %zu: expected HTTP 400, got: %.200s", i,
                  response);
    free(response);
  }
  reply = e2e_call(&fx.u1, MAIL, "%s", create_body);
  e2e_expect_ok(reply, "CreateWaitSetResponse");
  wsc_reply_free(reply);
}
END_TEST

START_TEST(truncated_body)
{
  char *request = create_http_request();
  char *body = strstr(request, "\r\n\r\n");
  wsc_reply *reply;
  char *response;
  int before = count_waitsets();
  int status;
  int fd;

  ck_assert_ptr_nonnull(body);
  fd = e2e_raw_connect();
  /* Headers plus half of the body, then end of stream. */
  e2e_raw_send(fd, request, (size_t)(body - request) + 4
                                + strlen(body + 4) / 2);
  shutdown(fd, SHUT_WR);
  response = e2e_raw_read(fd, 5000, NULL);
  close(fd);
  free(request);
  status = e2e_raw_status(response);
  ck_assert_msg(status == 0 || status == 400,
                "a truncated body got: %.200s", response);
  free(response);

  ck_assert_int_eq(count_waitsets(), before);
  reply = e2e_call(&fx.u1, MAIL, "%s", create_body);
  e2e_expect_ok(reply, "CreateWaitSetResponse");
  wsc_reply_free(reply);
}
END_TEST

START_TEST(slow_client_bytewise)
{
  char *request = create_http_request();
  size_t len = strlen(request);
  size_t half = len / 2;
  wsc_reply *reply;
  const char *body;
  wsc_doc doc;
  char err[256];
  char *response;
  size_t i;
  int fd;

  fd = e2e_raw_connect();
  for (i = 0; i < half; i++) {
    e2e_raw_send(fd, request + i, 1);
    if (i % 64 == 0)
      sleep_ms(1);
  }
  /* Other clients are served while the slow one is mid-request. */
  reply = e2e_call(&fx.u2, MAIL,
                   "<CreateWaitSetRequest " NS_MAIL " defTypes=\"m\"/>");
  e2e_expect_ok(reply, "CreateWaitSetResponse");
  wsc_reply_free(reply);
  for (i = half; i < len; i++) {
    e2e_raw_send(fd, request + i, 1);
    if (i % 64 == 0)
      sleep_ms(1);
  }
  free(request);

  response = e2e_raw_read(fd, 5000, NULL);
  close(fd);
  ck_assert_msg(e2e_raw_status(response) == 200, "got: %.300s", response);
  body = e2e_raw_body(response);
  ck_assert_ptr_nonnull(body);
  ck_assert_msg(wsc_doc_parse(&doc, body, strlen(body), err, sizeof(err))
                    == 0, "%s", err);
  ck_assert_str_eq(doc.document->command_node->name,
                   "CreateWaitSetResponse");
  wsc_doc_free(&doc);
  free(response);
}
END_TEST

START_TEST(disconnect_while_parked)
{
  const char *ws = e2e_create(&fx.u1, "m", ADD(U1));
  e2e_async *abandoned;
  wsc_reply *reply;
  char *body;
  const char *seq;

  body = wsc_strdup_printf("<WaitSetRequest " NS_MAIL " waitSet=\"%s\" "
                           "seq=\"0\" block=\"1\"/>", ws);
  ck_assert_ptr_nonnull(body);
  /* The client gives up after 300 ms and closes its connection. */
  abandoned = e2e_call_async(&fx.u1, MAIL, 300, body);
  free(body);
  reply = e2e_async_join_any(abandoned, 5000, NULL);
  ck_assert_msg(reply->status == 0, "the parked wait answered: %s",
                reply->raw);
  wsc_reply_free(reply);

  e2e_add_msg(&fx.u1, 2);
  reply = e2e_wait(&fx.u1, ws, "0", "block=\"1\"", NULL);
  seq = e2e_expect_accounts(reply, U1);
  ck_assert_ptr_nonnull(seq);
  /* 2 when the abandoned wait never took the data, 3 when it did. */
  ck_assert_msg(strcmp(seq, "2") == 0 || strcmp(seq, "3") == 0,
                "unexpected seq %s", seq);
  body = wsc_strdup_printf("%s", seq);
  wsc_reply_free(reply);

  reply = e2e_wait(&fx.u1, ws, body, NULL, NULL);
  ck_assert_pstr_eq(e2e_expect_accounts(reply, ""), body);
  wsc_reply_free(reply);
  free(body);
}
END_TEST

/* ------------------------------------------------------------------ */

static Suite *
e2e_wire_suite(void)
{
  Suite *s = suite_create("e2e_wire");
  TCase *tc;

  tc = tcase_create("soap");
  tcase_add_checked_fixture(tc, e2e_setup, e2e_teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, auth_response_shape);
  tcase_add_test(tc, auth_required);
  tcase_add_test(tc, mail_path_variants);
  tcase_add_test(tc, soap11_round_trip);
  tcase_add_test(tc, attribute_as_element);
  tcase_add_test(tc, json_rejected);
  tcase_add_test(tc, envelope_without_body);
  tcase_add_test(tc, parse_error_versions);
  tcase_add_test(tc, perl_style_prefixes);
  tcase_add_test(tc, names_are_exact);
  suite_add_tcase(s, tc);

  tc = tcase_create("abuse");
  tcase_add_checked_fixture(tc, e2e_setup, e2e_teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, depth_limit);
  tcase_add_test(tc, long_id_cut_in_reason);
  tcase_add_test(tc, oversized_body);
  tcase_add_test(tc, malformed_http);
  tcase_add_test(tc, truncated_body);
  tcase_add_test(tc, slow_client_bytewise);
  tcase_add_test(tc, disconnect_while_parked);
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
  sr = srunner_create(e2e_wire_suite());
  srunner_set_tap(sr, "-");
  srunner_run_all(sr, CK_SILENT);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  wsc_global_cleanup();
  return failed == 0 ? 0 : 1;
}
