/* SPDX-License-Identifier: MIT */
/* Encoder and writer tests: every response form compared with the
 * expected document, Faults, escaping, writer states and round trips. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xml_test.h"

#define MAIL "urn:zimbraMail"
#define ADMIN "urn:zimbraAdmin"
#define OPEN12 "<soap:Envelope xmlns:soap=\"" S12 "\"><soap:Body>"
#define OPEN11 "<soap:Envelope xmlns:soap=\"" S11 "\"><soap:Body>"
#define CLOSE "</soap:Body></soap:Envelope>"

static void
assert_encoded(const waitset_response *resp, int soap_version,
               const char *expected)
{
  waitset_xml_buffer *buf = NULL;

  ck_assert_int_eq(waitset_xml_encode_response(NULL, soap_version, resp,
                                               &buf),
                   0);
  ck_assert_str_eq(waitset_xml_buffer_data(buf), expected);
  ck_assert_uint_eq(waitset_xml_buffer_length(buf), strlen(expected));
  waitset_xml_buffer_free(buf);
}

static waitset_response
response(int op, int admin)
{
  waitset_response resp;

  memset(&resp, 0, sizeof(resp));
  resp.size = sizeof(resp);
  resp.op = op;
  resp.admin = admin;
  return resp;
}

static const waitset_account_error two_errors[] = {
  { "acct-1", WAITSET_ACCOUNT_NO_SUCH_ACCOUNT },
  { "acct-2", WAITSET_ACCOUNT_NOT_IN_SET_DURING_UPDATE },
};

/* ------------------------------------------------------------------ */
/* Responses                                                           */

START_TEST(encode_create_with_errors)
{
  waitset_response resp = response(WAITSET_OP_CREATE, 0);

  resp.waitset_id = "WaitSet-1";
  resp.def_types = "f,m";
  resp.seq = "0";
  resp.errors = two_errors;
  resp.error_count = 2;
  assert_encoded(&resp, WAITSET_XML_SOAP_12,
                 OPEN12 "<CreateWaitSetResponse xmlns=\"" MAIL
                 "\" waitSet=\"WaitSet-1\" defTypes=\"f,m\" seq=\"0\">"
                 "<error id=\"acct-1\" type=\"NO_SUCH_ACCOUNT\"/>"
                 "<error id=\"acct-2\" type=\"NOT_IN_SET_DURING_UPDATE\"/>"
                 "</CreateWaitSetResponse>" CLOSE);
  resp.admin = 1;
  resp.error_count = 0;
  assert_encoded(&resp, WAITSET_XML_SOAP_11,
                 OPEN11 "<AdminCreateWaitSetResponse xmlns=\"" ADMIN
                 "\" waitSet=\"WaitSet-1\" defTypes=\"f,m\" seq=\"0\"/>"
                 CLOSE);
}
END_TEST

START_TEST(encode_wait_data_and_errors)
{
  waitset_response resp = response(WAITSET_OP_WAIT, 0);
  waitset_signal signals[2];

  memset(signals, 0, sizeof(signals));
  signals[0].account_id = "acct-1";
  signals[0].change_id = 57;
  signals[1].account_id = "acct-3";
  signals[1].change_id = 0;
  resp.waitset_id = "WaitSet-1";
  resp.seq = "3";
  resp.signals = signals;
  resp.signal_count = 2;
  resp.errors = two_errors;
  resp.error_count = 1;
  assert_encoded(&resp, WAITSET_XML_SOAP_12,
                 OPEN12 "<WaitSetResponse xmlns=\"" MAIL
                 "\" waitSet=\"WaitSet-1\" seq=\"3\">"
                 "<a id=\"acct-1\" changeid=\"57\"/>"
                 "<a id=\"acct-3\" changeid=\"0\"/>"
                 "<error id=\"acct-1\" type=\"NO_SUCH_ACCOUNT\"/>"
                 "</WaitSetResponse>" CLOSE);
}
END_TEST

START_TEST(encode_wait_echo)
{
  waitset_response resp = response(WAITSET_OP_WAIT, 1);

  resp.waitset_id = "WaitSet-1";
  resp.seq = "7";
  assert_encoded(&resp, WAITSET_XML_SOAP_NONE,
                 "<AdminWaitSetResponse xmlns=\"" ADMIN
                 "\" waitSet=\"WaitSet-1\" seq=\"7\"/>");
}
END_TEST

START_TEST(encode_wait_canceled_with_errors)
{
  waitset_response resp = response(WAITSET_OP_WAIT, 0);
  waitset_signal signal;

  memset(&signal, 0, sizeof(signal));
  signal.account_id = "never-written";
  resp.waitset_id = "WaitSet-1";
  resp.canceled = 1;
  resp.seq = "9";
  resp.signals = &signal;
  resp.signal_count = 1;
  resp.errors = &two_errors[1];
  resp.error_count = 1;
  assert_encoded(&resp, WAITSET_XML_SOAP_11,
                 OPEN11 "<WaitSetResponse xmlns=\"" MAIL
                 "\" waitSet=\"WaitSet-1\" canceled=\"1\">"
                 "<error id=\"acct-2\" type=\"NOT_IN_SET_DURING_UPDATE\"/>"
                 "</WaitSetResponse>" CLOSE);
}
END_TEST

START_TEST(encode_expand_every_kind)
{
  waitset_response resp = response(WAITSET_OP_WAIT, 0);
  waitset_item_info created = { 300, 301, WAITSET_ITEM_MESSAGE, 512, 2, 0, 0,
                                "red,blue" };
  waitset_item_info deleted[2] = {
    { 4, 0, WAITSET_ITEM_MESSAGE, 0, 2, 0, 0, NULL },
    { 64, 0, WAITSET_ITEM_TAG, 0, -1, 0, 0, NULL },
  };
  waitset_item_info modified = { 301, 302, WAITSET_ITEM_CONTACT, 0, 7, 2,
                                 WAITSET_CHANGE_FLAGS
                                     | WAITSET_CHANGE_FOLDER,
                                 NULL };
  waitset_tag_info tag = { 65, WAITSET_CHANGE_NAME, "a&b <tag>" };
  waitset_folder_mods mods[2];
  waitset_signal signal;

  memset(mods, 0, sizeof(mods));
  mods[0].folder_id = 2;
  mods[0].created = &created;
  mods[0].created_count = 1;
  mods[0].deleted = deleted;
  mods[0].deleted_count = 2;
  mods[1].folder_id = 7;
  mods[1].modified = &modified;
  mods[1].modified_count = 1;
  mods[1].modified_tags = &tag;
  mods[1].modified_tag_count = 1;
  memset(&signal, 0, sizeof(signal));
  signal.account_id = "acct-1";
  signal.change_id = 12;
  signal.mods = mods;
  signal.mods_count = 2;
  resp.waitset_id = "WaitSet-1";
  resp.seq = "2";
  resp.signals = &signal;
  resp.signal_count = 1;
  assert_encoded(&resp, WAITSET_XML_SOAP_12,
                 OPEN12 "<WaitSetResponse xmlns=\"" MAIL
                 "\" waitSet=\"WaitSet-1\" seq=\"2\">"
                 "<a id=\"acct-1\" changeid=\"12\">"
                 "<mods id=\"2\">"
                 "<created><m id=\"300\" i4uid=\"301\" t=\"MESSAGE\" "
                 "f=\"512\" tn=\"red,blue\"/></created>"
                 "<deleted id=\"4\" t=\"message\"/>"
                 "<deleted id=\"64\" t=\"tag\"/>"
                 "</mods>"
                 "<mods id=\"7\">"
                 "<modMsgs change=\"260\"><m id=\"301\" i4uid=\"302\" "
                 "t=\"CONTACT\" f=\"0\" tn=\"\"/></modMsgs>"
                 "<modTags change=\"4096\"><id>65</id>"
                 "<name>a&amp;b &lt;tag&gt;</name></modTags>"
                 "</mods></a></WaitSetResponse>" CLOSE);
}
END_TEST

START_TEST(encode_destroy)
{
  waitset_response resp = response(WAITSET_OP_DESTROY, 0);

  resp.waitset_id = "WaitSet-1";
  assert_encoded(&resp, WAITSET_XML_SOAP_12,
                 OPEN12 "<DestroyWaitSetResponse xmlns=\"" MAIL
                 "\" waitSet=\"WaitSet-1\"/>" CLOSE);
  resp.admin = 1;
  assert_encoded(&resp, WAITSET_XML_SOAP_12,
                 OPEN12 "<AdminDestroyWaitSetResponse xmlns=\"" ADMIN
                 "\" waitSet=\"WaitSet-1\"/>" CLOSE);
}
END_TEST

START_TEST(encode_query)
{
  waitset_response resp = response(WAITSET_OP_QUERY, 1);
  waitset_query_session sessions[2];
  waitset_query_waitset sets[2];
  const char *ready[] = { "acct-1", "acct-2" };

  memset(sessions, 0, sizeof(sessions));
  sessions[0].account_id = "acct-1";
  sessions[0].types = "mc";
  sessions[0].token = "15";
  sessions[0].attached = 1;
  sessions[0].has_mbox_sync_token = 1;
  sessions[0].mbox_sync_token = 20;
  sessions[0].mbox_sync_token_diff = 5;
  sessions[0].interest_mask = "m,c";
  sessions[0].highest_change_id = 20;
  sessions[0].last_access_ms = 1000;
  sessions[0].creation_ms = 900;
  sessions[0].session_id = "S1";
  sessions[0].folder_interests = "2,7";
  sessions[1].account_id = "acct-2";
  sessions[1].types = "all";
  memset(sets, 0, sizeof(sets));
  sets[0].id = "WaitSet-1";
  sets[0].owner = "owner-1";
  sets[0].def_types = "mc";
  sets[0].last_access_ms = 1700000000000;
  sets[0].cb_seq = "0";
  sets[0].current_seq = "1";
  sets[0].sessions = sessions;
  sets[0].session_count = 2;
  sets[0].errors = two_errors;
  sets[0].error_count = 1;
  sets[0].ready = ready;
  sets[0].ready_count = 2;
  sets[1].id = "AllWaitSet-2";
  sets[1].owner = "admin";
  sets[1].def_types = "all";
  sets[1].last_access_ms = 5;
  sets[1].cb_seq = "10";
  sets[1].current_seq = "11";
  sets[1].next_seq = "12";
  resp.waitsets = sets;
  resp.waitset_count = 2;
  assert_encoded(&resp, WAITSET_XML_SOAP_12,
                 OPEN12 "<QueryWaitSetResponse xmlns=\"" ADMIN "\">"
                 "<waitSet id=\"WaitSet-1\" owner=\"owner-1\" "
                 "defTypes=\"mc\" ld=\"1700000000000\" cbSeqNo=\"0\" "
                 "currentSeqNo=\"1\">"
                 "<session account=\"acct-1\" types=\"mc\" token=\"15\" "
                 "mboxSyncToken=\"20\" mboxSyncTokenDiff=\"5\">"
                 "<WaitSetSession interestMask=\"m,c\" "
                 "highestChangeId=\"20\" lastAccessTime=\"1000\" "
                 "creationTime=\"900\" sessionId=\"S1\" token=\"15\" "
                 "folderInterests=\"2,7\"/></session>"
                 "<session account=\"acct-2\" types=\"all\"/>"
                 "<errors><error id=\"acct-1\" type=\"NO_SUCH_ACCOUNT\"/>"
                 "</errors><ready accounts=\"acct-1,acct-2\"/></waitSet>"
                 "<waitSet id=\"AllWaitSet-2\" owner=\"admin\" "
                 "defTypes=\"all\" ld=\"5\" cbSeqNo=\"10\" "
                 "currentSeqNo=\"11\" nextSeqNo=\"12\"/>"
                 "</QueryWaitSetResponse>" CLOSE);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Faults                                                              */

START_TEST(encode_fault_soap12_sender)
{
  waitset_xml_buffer *buf;
  waitset_fault_arg arg = { "id", "STR", "W<1>" };

  ck_assert_int_eq(waitset_xml_encode_fault(NULL, WAITSET_XML_SOAP_12,
                                            WAITSET_ENO_SUCH_WAITSET,
                                            "No such waitset: W<1>", &arg, 1,
                                            &buf),
                   0);
  ck_assert_str_eq(waitset_xml_buffer_data(buf),
                   OPEN12 "<soap:Fault><soap:Code><soap:Value>soap:Sender"
                   "</soap:Value></soap:Code><soap:Reason><soap:Text>"
                   "No such waitset: W&lt;1&gt;</soap:Text></soap:Reason>"
                   "<soap:Detail><Error xmlns=\"urn:zimbra\">"
                   "<Code>admin.NO_SUCH_WAITSET</Code>"
                   "<a n=\"id\" t=\"STR\">W&lt;1&gt;</a></Error>"
                   "</soap:Detail></soap:Fault>" CLOSE);
  waitset_xml_buffer_free(buf);
}
END_TEST

START_TEST(encode_fault_soap11_receiver)
{
  waitset_xml_buffer *buf;

  ck_assert_int_eq(waitset_xml_encode_fault(NULL, WAITSET_XML_SOAP_11,
                                            WAITSET_EFAILURE,
                                            "system failure: out of memory",
                                            NULL, 0, &buf),
                   0);
  ck_assert_str_eq(waitset_xml_buffer_data(buf),
                   OPEN11 "<soap:Fault><faultcode>soap:Server</faultcode>"
                   "<faultstring>system failure: out of memory"
                   "</faultstring><detail><Error xmlns=\"urn:zimbra\">"
                   "<Code>service.FAILURE</Code></Error></detail>"
                   "</soap:Fault>" CLOSE);
  waitset_xml_buffer_free(buf);
}
END_TEST

static const struct {
  int err;
  const char *code;
  const char *side11;
  const char *side12;
} fault_codes[] = {
  { WAITSET_EINVALID_REQUEST, "service.INVALID_REQUEST", "soap:Client",
    "soap:Sender" },
  { WAITSET_EPERM_DENIED, "service.PERM_DENIED", "soap:Client",
    "soap:Sender" },
  { WAITSET_EMAIL_NO_SUCH_WAITSET, "mail.NO_SUCH_WAITSET", "soap:Client",
    "soap:Sender" },
  { WAITSET_EAUTH_REQUIRED, "service.AUTH_REQUIRED", "soap:Client",
    "soap:Sender" },
  { WAITSET_EPARSE_ERROR, "service.PARSE_ERROR", "soap:Client",
    "soap:Sender" },
  { WAITSET_EUNKNOWN_DOCUMENT, "service.UNKNOWN_DOCUMENT", "soap:Client",
    "soap:Sender" },
  { WAITSET_EFAILURE, "service.FAILURE", "soap:Server", "soap:Receiver" },
  { WAITSET_ENOMEM, "service.FAILURE", "soap:Server", "soap:Receiver" },
};

START_TEST(encode_fault_codes)
{
  int versions[2] = { WAITSET_XML_SOAP_11, WAITSET_XML_SOAP_12 };
  int v;

  for (v = 0; v < 2; v++) {
    waitset_xml_buffer *buf;
    waitset_xml_decoder *dec;
    const waitset_xml_document *doc;
    int rc;

    ck_assert_int_eq(waitset_xml_encode_fault(NULL, versions[v],
                                              fault_codes[_i].err, "why",
                                              NULL, 0, &buf),
                     0);
    dec = xt_decode(waitset_xml_buffer_data(buf), 1, &rc);
    ck_assert_int_eq(rc, 0);
    doc = waitset_xml_decoder_document(dec);
    ck_assert_int_eq(doc->soap_version, versions[v]);
    ck_assert_ptr_nonnull(doc->fault);
    ck_assert_str_eq(doc->fault->code, fault_codes[_i].code);
    ck_assert_str_eq(doc->fault->reason, "why");
    ck_assert_str_eq(doc->fault->soap_code, v == 0 ? fault_codes[_i].side11
                                                   : fault_codes[_i].side12);
    ck_assert_ptr_null(strstr(waitset_xml_buffer_data(buf), "Trace"));
    waitset_xml_decoder_free(dec);
    waitset_xml_buffer_free(buf);
  }
}
END_TEST

START_TEST(encode_response_status_fault)
{
  waitset_response resp = response(WAITSET_OP_WAIT, 0);
  waitset_fault_arg arg = { "id", "STR", "WaitSet-x" };
  waitset_xml_buffer *buf;

  resp.status = WAITSET_ENO_SUCH_WAITSET;
  resp.fault_reason = "No such waitset: WaitSet-x";
  resp.fault_args = &arg;
  resp.fault_arg_count = 1;
  ck_assert_int_eq(waitset_xml_encode_response(NULL, WAITSET_XML_SOAP_11,
                                               &resp, &buf),
                   0);
  ck_assert_str_eq(waitset_xml_buffer_data(buf),
                   OPEN11 "<soap:Fault><faultcode>soap:Client</faultcode>"
                   "<faultstring>No such waitset: WaitSet-x</faultstring>"
                   "<detail><Error xmlns=\"urn:zimbra\">"
                   "<Code>admin.NO_SUCH_WAITSET</Code>"
                   "<a n=\"id\" t=\"STR\">WaitSet-x</a></Error></detail>"
                   "</soap:Fault>" CLOSE);
  waitset_xml_buffer_free(buf);
}
END_TEST

START_TEST(encode_bare_fault)
{
  waitset_xml_buffer *buf;
  char expected[1024];

  ck_assert_int_eq(waitset_xml_encode_fault(NULL, WAITSET_XML_SOAP_NONE,
                                            WAITSET_EPERM_DENIED, NULL, NULL,
                                            0, &buf),
                   0);
  /* Without a reason the Text is the error's description. */
  snprintf(expected, sizeof(expected),
           "<soap:Fault xmlns:soap=\"" S12 "\"><soap:Code>"
           "<soap:Value>soap:Sender</soap:Value></soap:Code>"
           "<soap:Reason><soap:Text>%s</soap:Text></soap:Reason>"
           "<soap:Detail><Error xmlns=\"urn:zimbra\">"
           "<Code>service.PERM_DENIED</Code></Error></soap:Detail>"
           "</soap:Fault>",
           waitset_strerror(WAITSET_EPERM_DENIED));
  ck_assert_str_eq(waitset_xml_buffer_data(buf), expected);
  waitset_xml_buffer_free(buf);
}
END_TEST

START_TEST(writer_fault_after_empty_header)
{
  waitset_xml_writer *w;
  waitset_xml_buffer *buf;

  ck_assert_int_eq(waitset_xml_writer_new(&w, NULL, WAITSET_XML_SOAP_11), 0);
  ck_assert_int_eq(waitset_xml_writer_header(w), 0);
  ck_assert_int_eq(waitset_xml_writer_fault(w, WAITSET_EAUTH_REQUIRED,
                                            "no valid authtoken present",
                                            NULL, 0),
                   0);
  ck_assert_int_eq(waitset_xml_writer_finish(w, &buf), 0);
  ck_assert_str_eq(waitset_xml_buffer_data(buf),
                   "<soap:Envelope xmlns:soap=\"" S11 "\"><soap:Header>"
                   "</soap:Header><soap:Body><soap:Fault>"
                   "<faultcode>soap:Client</faultcode>"
                   "<faultstring>no valid authtoken present</faultstring>"
                   "<detail><Error xmlns=\"urn:zimbra\">"
                   "<Code>service.AUTH_REQUIRED</Code></Error></detail>"
                   "</soap:Fault>" CLOSE);
  waitset_xml_buffer_free(buf);
  waitset_xml_writer_free(w);
}
END_TEST

START_TEST(encode_bad_arguments)
{
  waitset_response resp = response(WAITSET_OP_WAIT, 0);
  waitset_xml_buffer *buf = (waitset_xml_buffer *)&resp;
  waitset_xml_error error;

  ck_assert_int_eq(waitset_xml_encode_response(NULL, 12, NULL, &buf),
                   WAITSET_EINVAL);
  ck_assert_ptr_null(buf);
  ck_assert_int_eq(waitset_xml_encode_response(NULL, 13, &resp, &buf),
                   WAITSET_EINVAL);
  resp.op = 99;
  ck_assert_int_eq(waitset_xml_encode_response(NULL, 12, &resp, &buf),
                   WAITSET_EINVAL);
  resp.op = WAITSET_OP_WAIT;
  resp.size = sizeof(resp) - 1;
  ck_assert_int_eq(waitset_xml_encode_response(NULL, 12, &resp, &buf),
                   WAITSET_EINVAL);
  ck_assert_int_eq(waitset_xml_encode_fault(NULL, 12, 0, "x", NULL, 0, &buf),
                   WAITSET_EINVAL);
  ck_assert_int_eq(waitset_xml_encode_fault(NULL, 12, WAITSET_EFAILURE, "x",
                                            NULL, 1, &buf),
                   WAITSET_EINVAL);
  memset(&error, 0, sizeof(error));
  ck_assert_int_eq(waitset_xml_encode_error(NULL, &error, &buf),
                   WAITSET_EINVAL);
  ck_assert_int_eq(waitset_xml_encode_error(NULL, NULL, &buf),
                   WAITSET_EINVAL);
  ck_assert_ptr_null(waitset_xml_buffer_data(NULL));
  ck_assert_uint_eq(waitset_xml_buffer_length(NULL), 0);
  waitset_xml_buffer_free(NULL);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Generic writer                                                      */

START_TEST(writer_header_and_body)
{
  waitset_xml_writer *w;
  waitset_xml_buffer *buf;

  ck_assert_int_eq(waitset_xml_writer_new(&w, NULL, WAITSET_XML_SOAP_12), 0);
  ck_assert_int_eq(waitset_xml_writer_header(w), 0);
  ck_assert_int_eq(waitset_xml_writer_start(w, "context",
                                            WAITSET_XML_NS_ZIMBRA),
                   0);
  ck_assert_int_eq(waitset_xml_writer_start(w, "change", NULL), 0);
  ck_assert_int_eq(waitset_xml_writer_attr_int(w, "token", -42), 0);
  ck_assert_int_eq(waitset_xml_writer_end(w), 0);
  ck_assert_int_eq(waitset_xml_writer_end(w), 0);
  ck_assert_int_eq(waitset_xml_writer_start(w, "AuthResponse",
                                            "urn:zimbraAccount"),
                   0);
  ck_assert_int_eq(waitset_xml_writer_start(w, "authToken", NULL), 0);
  ck_assert_int_eq(waitset_xml_writer_text(w, "T1"), 0);
  ck_assert_int_eq(waitset_xml_writer_end(w), 0);
  ck_assert_int_eq(waitset_xml_writer_start(w, "lifetime", ""), 0);
  ck_assert_int_eq(waitset_xml_writer_text(w, "3600"), 0);
  ck_assert_int_eq(waitset_xml_writer_start(w, "x", "urn:zimbraAccount"), 0);
  /* The second top-level element is rejected; finish closes the rest. */
  ck_assert_int_eq(waitset_xml_writer_finish(w, &buf), 0);
  ck_assert_str_eq(waitset_xml_buffer_data(buf),
                   "<soap:Envelope xmlns:soap=\"" S12 "\"><soap:Header>"
                   "<context xmlns=\"urn:zimbra\"><change token=\"-42\"/>"
                   "</context></soap:Header><soap:Body>"
                   "<AuthResponse xmlns=\"urn:zimbraAccount\">"
                   "<authToken>T1</authToken><lifetime xmlns=\"\">3600"
                   "<x xmlns=\"urn:zimbraAccount\"/></lifetime>"
                   "</AuthResponse>" CLOSE);
  waitset_xml_buffer_free(buf);
  waitset_xml_writer_free(w);
}
END_TEST

/* Run one misuse on a fresh bare writer after `prefix_elements` open
 * elements, and check that the error code sticks. */
static void
assert_misuse(int (*misuse)(waitset_xml_writer *), int open_elements,
              int expected)
{
  waitset_xml_writer *w;
  waitset_xml_buffer *buf = NULL;
  int i;

  ck_assert_int_eq(waitset_xml_writer_new(&w, NULL, 0), 0);
  for (i = 0; i < open_elements; i++)
    ck_assert_int_eq(waitset_xml_writer_start(w, "r", NULL), 0);
  ck_assert_int_eq(misuse(w), expected);
  ck_assert_int_eq(waitset_xml_writer_start(w, "next", NULL), expected);
  ck_assert_int_eq(waitset_xml_writer_finish(w, &buf), expected);
  ck_assert_ptr_null(buf);
  waitset_xml_writer_free(w);
}

static int
misuse_header_bare(waitset_xml_writer *w)
{
  return waitset_xml_writer_header(w);
}

static int
misuse_text_outside(waitset_xml_writer *w)
{
  return waitset_xml_writer_text(w, "x");
}

static int
misuse_end_outside(waitset_xml_writer *w)
{
  return waitset_xml_writer_end(w);
}

static int
misuse_bad_name(waitset_xml_writer *w)
{
  return waitset_xml_writer_start(w, "1bad", NULL);
}

static int
misuse_prefixed_name(waitset_xml_writer *w)
{
  return waitset_xml_writer_start(w, "a:b", NULL);
}

static int
misuse_xmlns_attr(waitset_xml_writer *w)
{
  return waitset_xml_writer_attr(w, "xmlns", "u");
}

static int
misuse_null_value(waitset_xml_writer *w)
{
  return waitset_xml_writer_attr(w, "ok", NULL);
}

static int
misuse_late_attr(waitset_xml_writer *w)
{
  waitset_xml_writer_text(w, "t");
  return waitset_xml_writer_attr(w, "late", "v");
}

static int
misuse_second_root(waitset_xml_writer *w)
{
  waitset_xml_writer_end(w);
  return waitset_xml_writer_start(w, "second", NULL);
}

static int
misuse_finish_empty(waitset_xml_writer *w)
{
  waitset_xml_buffer *buf = NULL;
  int rc = waitset_xml_writer_finish(w, &buf);

  ck_assert_ptr_null(buf);
  return rc;
}

START_TEST(writer_state_errors)
{
  waitset_xml_writer *w;

  assert_misuse(misuse_header_bare, 0, WAITSET_ESTATE);
  assert_misuse(misuse_text_outside, 0, WAITSET_ESTATE);
  assert_misuse(misuse_end_outside, 0, WAITSET_ESTATE);
  assert_misuse(misuse_bad_name, 0, WAITSET_EINVAL);
  assert_misuse(misuse_prefixed_name, 0, WAITSET_EINVAL);
  assert_misuse(misuse_xmlns_attr, 1, WAITSET_EINVAL);
  assert_misuse(misuse_null_value, 1, WAITSET_EINVAL);
  assert_misuse(misuse_late_attr, 1, WAITSET_ESTATE);
  assert_misuse(misuse_second_root, 1, WAITSET_ESTATE);
  assert_misuse(misuse_finish_empty, 0, WAITSET_ESTATE);
  ck_assert_int_eq(waitset_xml_writer_new(&w, NULL, 10), WAITSET_EINVAL);
  ck_assert_int_eq(waitset_xml_writer_new(NULL, NULL, 12), WAITSET_EINVAL);
  ck_assert_int_eq(waitset_xml_writer_start(NULL, "a", NULL),
                   WAITSET_EINVAL);
  waitset_xml_writer_free(NULL);
}
END_TEST

START_TEST(writer_escaping)
{
  waitset_xml_writer *w;
  waitset_xml_buffer *buf;

  ck_assert_int_eq(waitset_xml_writer_new(&w, NULL, 0), 0);
  ck_assert_int_eq(waitset_xml_writer_start(w, "e", NULL), 0);
  ck_assert_int_eq(waitset_xml_writer_attr(w, "v",
                                           "&<>\"'\t\n\r\x01\xc3\xa9"),
                   0);
  ck_assert_int_eq(waitset_xml_writer_attr(w, "bad",
                                           "a\xc3\x28z\xef\xbf\xbe\xed\xa0"
                                           "\x80"),
                   0);
  ck_assert_int_eq(waitset_xml_writer_text(w,
                                           "&<>\"'\t\n\r\x1f\xf0\x9f\x98\x80"
                                           "]]>"),
                   0);
  ck_assert_int_eq(waitset_xml_writer_finish(w, &buf), 0);
  ck_assert_str_eq(waitset_xml_buffer_data(buf),
                   "<e v=\"&amp;&lt;&gt;&quot;&apos;&#9;&#10;&#13;"
                   "\xef\xbf\xbd\xc3\xa9\" bad=\"a\xef\xbf\xbd(z"
                   "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
                   "\xef\xbf\xbd\xef\xbf\xbd\">"
                   "&amp;&lt;&gt;&quot;&apos;\t\n&#13;\xef\xbf\xbd"
                   "\xf0\x9f\x98\x80]]&gt;</e>");
  waitset_xml_buffer_free(buf);
  waitset_xml_writer_free(w);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Round trips                                                         */

START_TEST(roundtrip_escaped_values)
{
  const char *value = "a&b<c>d\"e'f\tg\nh\ri \xc3\xa9 \xf0\x9f\x98\x80";
  waitset_xml_writer *w;
  waitset_xml_buffer *buf;
  waitset_xml_decoder *dec;
  const waitset_xml_document *doc;
  int rc;

  ck_assert_int_eq(waitset_xml_writer_new(&w, NULL, WAITSET_XML_SOAP_11), 0);
  ck_assert_int_eq(waitset_xml_writer_start(w, "Echo", "urn:test"), 0);
  ck_assert_int_eq(waitset_xml_writer_attr(w, "v", value), 0);
  ck_assert_int_eq(waitset_xml_writer_text(w, value), 0);
  ck_assert_int_eq(waitset_xml_writer_finish(w, &buf), 0);
  dec = xt_decode(waitset_xml_buffer_data(buf), 1, &rc);
  ck_assert_int_eq(rc, 0);
  doc = waitset_xml_decoder_document(dec);
  ck_assert_str_eq(doc->command_node->name, "Echo");
  ck_assert_str_eq(doc->command_node->namespace_uri, "urn:test");
  ck_assert_str_eq(waitset_xml_node_attr(doc->command_node, "v"), value);
  ck_assert_str_eq(doc->command_node->text, value);
  waitset_xml_decoder_free(dec);
  waitset_xml_buffer_free(buf);
  waitset_xml_writer_free(w);
}
END_TEST

START_TEST(roundtrip_wait_response)
{
  waitset_response resp = response(WAITSET_OP_WAIT, 1);
  waitset_item_info created = { 10, 11, WAITSET_ITEM_MESSAGE, 512, 2, 0, 0,
                                "t1" };
  waitset_tag_info tag = { 64, WAITSET_CHANGE_COLOR, "red" };
  waitset_folder_mods mods;
  waitset_signal signal;
  waitset_xml_buffer *buf;
  waitset_xml_decoder *dec;
  const waitset_xml_node *cmd;
  const waitset_xml_node *a;
  const waitset_xml_node *m;
  const waitset_xml_node *mt;
  int rc;

  memset(&mods, 0, sizeof(mods));
  mods.folder_id = 2;
  mods.created = &created;
  mods.created_count = 1;
  mods.modified_tags = &tag;
  mods.modified_tag_count = 1;
  memset(&signal, 0, sizeof(signal));
  signal.account_id = "acct-1";
  signal.change_id = 99;
  signal.mods = &mods;
  signal.mods_count = 1;
  resp.waitset_id = "WaitSet-1";
  resp.seq = "4";
  resp.signals = &signal;
  resp.signal_count = 1;
  resp.errors = two_errors;
  resp.error_count = 2;
  ck_assert_int_eq(waitset_xml_encode_response(NULL, 12, &resp, &buf), 0);
  dec = xt_decode(waitset_xml_buffer_data(buf), 1, &rc);
  ck_assert_int_eq(rc, 0);
  cmd = waitset_xml_decoder_document(dec)->command_node;
  ck_assert_str_eq(cmd->name, "AdminWaitSetResponse");
  ck_assert_str_eq(cmd->namespace_uri, ADMIN);
  ck_assert_str_eq(waitset_xml_node_attr(cmd, "waitSet"), "WaitSet-1");
  ck_assert_str_eq(waitset_xml_node_attr(cmd, "seq"), "4");
  ck_assert_ptr_null(waitset_xml_node_attr(cmd, "canceled"));
  ck_assert_uint_eq(cmd->child_count, 3);
  a = waitset_xml_node_child(cmd, NULL, "a");
  ck_assert_str_eq(waitset_xml_node_attr(a, "id"), "acct-1");
  ck_assert_str_eq(waitset_xml_node_attr(a, "changeid"), "99");
  m = waitset_xml_node_child(waitset_xml_node_child(
                                 waitset_xml_node_child(a, NULL, "mods"),
                                 NULL, "created"),
                             NULL, "m");
  ck_assert_str_eq(waitset_xml_node_attr(m, "id"), "10");
  ck_assert_str_eq(waitset_xml_node_attr(m, "i4uid"), "11");
  ck_assert_str_eq(waitset_xml_node_attr(m, "t"), "MESSAGE");
  ck_assert_str_eq(waitset_xml_node_attr(m, "f"), "512");
  ck_assert_str_eq(waitset_xml_node_attr(m, "tn"), "t1");
  mt = waitset_xml_node_child(waitset_xml_node_child(a, NULL, "mods"), NULL,
                              "modTags");
  ck_assert_str_eq(waitset_xml_node_attr(mt, "change"), "8192");
  ck_assert_str_eq(waitset_xml_node_child(mt, NULL, "id")->text, "64");
  ck_assert_str_eq(waitset_xml_node_child(mt, NULL, "name")->text, "red");
  a = waitset_xml_node_child(cmd, NULL, "error");
  ck_assert_str_eq(waitset_xml_node_attr(a, "type"), "NO_SUCH_ACCOUNT");
  a = waitset_xml_node_child(cmd, a, "error");
  ck_assert_str_eq(waitset_xml_node_attr(a, "id"), "acct-2");
  waitset_xml_decoder_free(dec);
  waitset_xml_buffer_free(buf);
}
END_TEST

START_TEST(roundtrip_request_writer)
{
  /* A client writes a request with the generic writer; the server side
   * decodes it into a waitset request. */
  waitset_xml_writer *w;
  waitset_xml_buffer *buf;
  waitset_xml_decoder *dec;
  const waitset_request *req;
  int rc;

  ck_assert_int_eq(waitset_xml_writer_new(&w, NULL, 12), 0);
  ck_assert_int_eq(waitset_xml_writer_header(w), 0);
  ck_assert_int_eq(waitset_xml_writer_start(w, "context",
                                            WAITSET_XML_NS_ZIMBRA),
                   0);
  ck_assert_int_eq(waitset_xml_writer_start(w, "authToken", NULL), 0);
  ck_assert_int_eq(waitset_xml_writer_text(w, "tok&1"), 0);
  ck_assert_int_eq(waitset_xml_writer_end(w), 0);
  ck_assert_int_eq(waitset_xml_writer_end(w), 0);
  ck_assert_int_eq(waitset_xml_writer_start(w, "WaitSetRequest", MAIL), 0);
  ck_assert_int_eq(waitset_xml_writer_attr(w, "waitSet", "WaitSet-1"), 0);
  ck_assert_int_eq(waitset_xml_writer_attr_int(w, "seq", 5), 0);
  ck_assert_int_eq(waitset_xml_writer_start(w, "add", NULL), 0);
  ck_assert_int_eq(waitset_xml_writer_start(w, "a", NULL), 0);
  ck_assert_int_eq(waitset_xml_writer_attr(w, "name", "u@x"), 0);
  ck_assert_int_eq(waitset_xml_writer_finish(w, &buf), 0);
  dec = xt_decode(waitset_xml_buffer_data(buf), 0, &rc);
  ck_assert_int_eq(rc, 0);
  ck_assert_str_eq(waitset_xml_decoder_document(dec)->context->auth_token,
                   "tok&1");
  req = waitset_xml_decoder_document(dec)->request;
  ck_assert_str_eq(req->waitset_id, "WaitSet-1");
  ck_assert_str_eq(req->seq, "5");
  ck_assert_uint_eq(req->add_count, 1);
  ck_assert_str_eq(req->add[0].name, "u@x");
  waitset_xml_decoder_free(dec);
  waitset_xml_buffer_free(buf);
  waitset_xml_writer_free(w);
}
END_TEST

static Suite *
encode_suite(void)
{
  Suite *s = suite_create("xml-encode");
  TCase *tc = tcase_create("responses");
  TCase *faults = tcase_create("faults");
  TCase *writer = tcase_create("writer");

  xt_add_loop_fixture(tc);
  tcase_add_test(tc, encode_create_with_errors);
  tcase_add_test(tc, encode_wait_data_and_errors);
  tcase_add_test(tc, encode_wait_echo);
  tcase_add_test(tc, encode_wait_canceled_with_errors);
  tcase_add_test(tc, encode_expand_every_kind);
  tcase_add_test(tc, encode_destroy);
  tcase_add_test(tc, encode_query);
  suite_add_tcase(s, tc);

  xt_add_loop_fixture(faults);
  tcase_add_test(faults, encode_fault_soap12_sender);
  tcase_add_test(faults, encode_fault_soap11_receiver);
  tcase_add_loop_test(faults, encode_fault_codes, 0,
                      (int)(sizeof(fault_codes) / sizeof(fault_codes[0])));
  tcase_add_test(faults, encode_response_status_fault);
  tcase_add_test(faults, encode_bare_fault);
  tcase_add_test(faults, writer_fault_after_empty_header);
  tcase_add_test(faults, encode_bad_arguments);
  suite_add_tcase(s, faults);

  xt_add_loop_fixture(writer);
  tcase_add_test(writer, writer_header_and_body);
  tcase_add_test(writer, writer_state_errors);
  tcase_add_test(writer, writer_escaping);
  tcase_add_test(writer, roundtrip_escaped_values);
  tcase_add_test(writer, roundtrip_wait_response);
  tcase_add_test(writer, roundtrip_request_writer);
  suite_add_tcase(s, writer);
  return s;
}

int
main(void)
{
  SRunner *sr = srunner_create(encode_suite());
  int failed;

  srunner_set_tap(sr, "-");
  srunner_run_all(sr, CK_SILENT);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
