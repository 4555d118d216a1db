/* SPDX-License-Identifier: MIT */
/* Decoder tests: every request form field by field, generic documents,
 * Faults, and every class of bad input with its code, message and Fault. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xml_test.h"

#define CTX_FULL                                                              \
  "<soap:Header><context xmlns=\"urn:zimbra\">"                               \
  "<authToken>0_tok</authToken><session id=\"77\" wsId=\"WaitSet-9\"/>"       \
  "<account by=\"name\">u1@ex.test</account>"                                 \
  "<userAgent name=\"zmsoap\" version=\"9.0\"/><format type=\"xml\"/>"        \
  "</context></soap:Header>"

static const waitset_xml_document *
decode_ok(const char *text, int accept_other, waitset_xml_decoder **dec)
{
  int rc;

  *dec = xt_decode(text, accept_other, &rc);
  ck_assert_msg(rc == 0, "decode failed: %d %s", rc,
                waitset_xml_decoder_error(*dec)
                    ? waitset_xml_decoder_error(*dec)->message
                    : "");
  ck_assert_ptr_nonnull(waitset_xml_decoder_document(*dec));
  return waitset_xml_decoder_document(*dec);
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */

START_TEST(decode_create_soap12_fields)
{
  waitset_xml_decoder *dec;
  const waitset_xml_document *doc = decode_ok(
      ENV12_OPEN CTX_FULL "<soap:Body>"
      "<CreateWaitSetRequest xmlns=\"urn:zimbraMail\" defTypes=\"m,c\" "
      "allAccounts=\"0\"><add>"
      "<a id=\"ID1\" token=\"10\" types=\"f\" folderInterests=\"2,5\"/>"
      "<a name=\"u2@ex.test\"/></add></CreateWaitSetRequest>"
      "</soap:Body>" ENV_CLOSE,
      0, &dec);
  const waitset_request *req = doc->request;
  const waitset_xml_context *ctx = doc->context;

  ck_assert_int_eq(doc->soap_version, WAITSET_XML_SOAP_12);
  ck_assert_int_eq(doc->command, WAITSET_XML_CMD_CREATE);
  ck_assert_ptr_null(doc->fault);
  ck_assert_int_eq(ctx->present, 1);
  ck_assert_str_eq(ctx->auth_token, "0_tok");
  ck_assert_int_eq(ctx->nosession, 0);
  ck_assert_int_eq(ctx->session, 1);
  ck_assert_str_eq(ctx->session_id, "77");
  ck_assert_str_eq(ctx->session_ws_id, "WaitSet-9");
  ck_assert_str_eq(ctx->account_by, "name");
  ck_assert_str_eq(ctx->account, "u1@ex.test");
  ck_assert_str_eq(ctx->user_agent_name, "zmsoap");
  ck_assert_str_eq(ctx->user_agent_version, "9.0");
  ck_assert_str_eq(ctx->format_type, "xml");
  ck_assert_ptr_nonnull(ctx->node);
  ck_assert_ptr_nonnull(req);
  ck_assert_uint_eq(req->size, sizeof(waitset_request));
  ck_assert_int_eq(req->op, WAITSET_OP_CREATE);
  ck_assert_int_eq(req->admin, 0);
  ck_assert_str_eq(req->def_types, "m,c");
  ck_assert_str_eq(req->all_accounts, "0");
  ck_assert_ptr_null(req->waitset_id);
  ck_assert_ptr_null(req->seq);
  ck_assert_uint_eq(req->add_count, 2);
  ck_assert_str_eq(req->add[0].id, "ID1");
  ck_assert_ptr_null(req->add[0].name);
  ck_assert_str_eq(req->add[0].token, "10");
  ck_assert_str_eq(req->add[0].types, "f");
  ck_assert_str_eq(req->add[0].folder_interests, "2,5");
  ck_assert_ptr_null(req->add[1].id);
  ck_assert_str_eq(req->add[1].name, "u2@ex.test");
  ck_assert_ptr_null(req->add[1].types);
  ck_assert_uint_eq(req->update_count, 0);
  ck_assert_uint_eq(req->remove_count, 0);
  waitset_xml_decoder_free(dec);
}
END_TEST

START_TEST(decode_wait_soap11_fields)
{
  waitset_xml_decoder *dec;
  const waitset_xml_document *doc = decode_ok(
      ENV11_OPEN "<soap:Header><context xmlns=\"urn:zimbra\"><nosession/>"
      "</context></soap:Header><soap:Body>"
      "<WaitSetRequest xmlns=\"urn:zimbraMail\" waitSet=\"WaitSet-1\" "
      "seq=\"3\" block=\"1\" timeout=\"60\" expand=\"true\" defTypes=\"all\">"
      "<add><a id=\"A\" types=\"m\"/></add>"
      "<update><a name=\"u@x\" token=\"5\" folderInterests=\"\"/></update>"
      "<remove><a id=\"R1\"/><a id=\"R2\" types=\"ignored\"/></remove>"
      "</WaitSetRequest></soap:Body>" ENV_CLOSE,
      0, &dec);
  const waitset_request *req = doc->request;

  ck_assert_int_eq(doc->soap_version, WAITSET_XML_SOAP_11);
  ck_assert_int_eq(doc->command, WAITSET_XML_CMD_WAIT);
  ck_assert_int_eq(doc->context->nosession, 1);
  ck_assert_ptr_null(doc->context->auth_token);
  ck_assert_int_eq(req->op, WAITSET_OP_WAIT);
  ck_assert_int_eq(req->admin, 0);
  ck_assert_str_eq(req->waitset_id, "WaitSet-1");
  ck_assert_str_eq(req->seq, "3");
  ck_assert_str_eq(req->block, "1");
  ck_assert_str_eq(req->timeout, "60");
  ck_assert_str_eq(req->expand, "true");
  ck_assert_str_eq(req->def_types, "all");
  ck_assert_uint_eq(req->add_count, 1);
  ck_assert_str_eq(req->add[0].id, "A");
  ck_assert_str_eq(req->add[0].types, "m");
  ck_assert_uint_eq(req->update_count, 1);
  ck_assert_str_eq(req->update[0].name, "u@x");
  ck_assert_str_eq(req->update[0].token, "5");
  ck_assert_str_eq(req->update[0].folder_interests, "");
  ck_assert_uint_eq(req->remove_count, 2);
  ck_assert_str_eq(req->remove[0].id, "R1");
  ck_assert_str_eq(req->remove[1].id, "R2");
  ck_assert_ptr_null(req->remove[1].types);
  waitset_xml_decoder_free(dec);
}
END_TEST

static const struct {
  const char *element;
  const char *ns;
  int command;
  int op;
  int admin;
} commands[] = {
  { "CreateWaitSetRequest", "urn:zimbraMail", WAITSET_XML_CMD_CREATE,
    WAITSET_OP_CREATE, 0 },
  { "WaitSetRequest", "urn:zimbraMail", WAITSET_XML_CMD_WAIT,
    WAITSET_OP_WAIT, 0 },
  { "DestroyWaitSetRequest", "urn:zimbraMail", WAITSET_XML_CMD_DESTROY,
    WAITSET_OP_DESTROY, 0 },
  { "AdminCreateWaitSetRequest", "urn:zimbraAdmin",
    WAITSET_XML_CMD_ADMIN_CREATE, WAITSET_OP_CREATE, 1 },
  { "AdminWaitSetRequest", "urn:zimbraAdmin", WAITSET_XML_CMD_ADMIN_WAIT,
    WAITSET_OP_WAIT, 1 },
  { "AdminDestroyWaitSetRequest", "urn:zimbraAdmin",
    WAITSET_XML_CMD_ADMIN_DESTROY, WAITSET_OP_DESTROY, 1 },
  { "QueryWaitSetRequest", "urn:zimbraAdmin", WAITSET_XML_CMD_QUERY,
    WAITSET_OP_QUERY, 1 },
};

START_TEST(decode_every_command)
{
  char text[1024];
  waitset_xml_decoder *dec;
  const waitset_xml_document *doc;

  snprintf(text, sizeof(text),
           BODY12("<%s xmlns=\"%s\" waitSet=\"W1\" seq=\"0\" "
                  "defTypes=\"m\"/>"),
           commands[_i].element, commands[_i].ns);
  doc = decode_ok(text, 0, &dec);
  ck_assert_int_eq(doc->command, commands[_i].command);
  ck_assert_str_eq(waitset_xml_command_name(doc->command),
                   commands[_i].element);
  ck_assert_int_eq(doc->request->op, commands[_i].op);
  ck_assert_int_eq(doc->request->admin, commands[_i].admin);
  if (commands[_i].op == WAITSET_OP_CREATE) {
    ck_assert_str_eq(doc->request->def_types, "m");
    ck_assert_ptr_null(doc->request->waitset_id);
  } else {
    ck_assert_str_eq(doc->request->waitset_id, "W1");
  }
  if (commands[_i].op == WAITSET_OP_WAIT)
    ck_assert_str_eq(doc->request->seq, "0");
  else
    ck_assert_ptr_null(doc->request->seq);
  ck_assert_int_eq(doc->context->present, 0);
  waitset_xml_decoder_free(dec);
}
END_TEST

START_TEST(decode_bare_request)
{
  waitset_xml_decoder *dec;
  const waitset_xml_document *doc = decode_ok(
      "<?xml version=\"1.0\"?>\n"
      "<AdminDestroyWaitSetRequest xmlns=\"urn:zimbraAdmin\" "
      "waitSet=\"WaitSet-2\"/>\n",
      0, &dec);

  ck_assert_int_eq(doc->soap_version, WAITSET_XML_SOAP_NONE);
  ck_assert_int_eq(doc->command, WAITSET_XML_CMD_ADMIN_DESTROY);
  ck_assert_str_eq(doc->request->waitset_id, "WaitSet-2");
  ck_assert_int_eq(doc->request->admin, 1);
  ck_assert_int_eq(doc->context->present, 0);
  waitset_xml_decoder_free(dec);
}
END_TEST

START_TEST(decode_perl_style_prefixes)
{
  waitset_xml_decoder *dec;
  const waitset_xml_document *doc = decode_ok(
      "<soap:Envelope xmlns:soap=\"" S12 "\"><soap:Header>"
      "<ns2:context xmlns:ns2=\"urn:zimbra\"><authToken>T</authToken>"
      "</ns2:context></soap:Header><soap:Body>"
      "<ns1:CreateWaitSetRequest xmlns:ns1=\"urn:zimbraMail\" "
      "defTypes=\"m\"><add><a id=\"X\"/></add><ns1:add><ns1:a id=\"Y\"/>"
      "</ns1:add></ns1:CreateWaitSetRequest></soap:Body>" ENV_CLOSE,
      0, &dec);

  ck_assert_int_eq(doc->command, WAITSET_XML_CMD_CREATE);
  ck_assert_str_eq(doc->context->auth_token, "T");
  ck_assert_str_eq(doc->request->def_types, "m");
  ck_assert_uint_eq(doc->request->add_count, 2);
  ck_assert_str_eq(doc->request->add[0].id, "X");
  ck_assert_str_eq(doc->request->add[1].id, "Y");
  waitset_xml_decoder_free(dec);
}
END_TEST

/* Account fields given as attributes: unqualified or in the element's
 * namespace they count, in a foreign namespace they are ignored, their
 * order may change from one account to the next, and a remove list
 * reads only the id. */
START_TEST(decode_account_attribute_namespaces)
{
  waitset_xml_decoder *dec;
  const waitset_xml_document *doc = decode_ok(
      BODY12("<WaitSetRequest xmlns=\"urn:zimbraMail\" "
             "xmlns:m=\"urn:zimbraMail\" xmlns:x=\"urn:x\" waitSet=\"W\">"
             "<update><a x:id=\"Z\" m:id=\"U\" name=\"n\" x:name=\"y\" "
             "m:token=\"7\" types=\"m\" folderInterests=\"2\"/>"
             "<a name=\"p\" x:id=\"Q\" id=\"V\"/></update>"
             "<remove><a id=\"R\" name=\"n\" m:name=\"o\"/></remove>"
             "</WaitSetRequest>"),
      0, &dec);
  const waitset_request *req = doc->request;

  ck_assert_uint_eq(req->update_count, 2);
  ck_assert_str_eq(req->update[0].id, "U");
  ck_assert_str_eq(req->update[0].name, "n");
  ck_assert_str_eq(req->update[0].token, "7");
  ck_assert_str_eq(req->update[0].types, "m");
  ck_assert_str_eq(req->update[0].folder_interests, "2");
  ck_assert_str_eq(req->update[1].id, "V");
  ck_assert_str_eq(req->update[1].name, "p");
  ck_assert_ptr_null(req->update[1].token);
  ck_assert_uint_eq(req->remove_count, 1);
  ck_assert_str_eq(req->remove[0].id, "R");
  ck_assert_ptr_null(req->remove[0].name);
  waitset_xml_decoder_free(dec);
}
END_TEST

START_TEST(decode_fields_as_elements)
{
  waitset_xml_decoder *dec;
  const waitset_xml_document *doc = decode_ok(
      BODY12("<AdminWaitSetRequest xmlns=\"urn:zimbraAdmin\">"
             "<waitSet>WaitSet-5</waitSet><seq>4</seq><block>0</block>"
             "<timeout> 7 </timeout><expand>1</expand>"
             "<add><a><name>n@x</name><types>c</types>"
             "<folderInterests>1,2</folderInterests><token>9</token></a>"
             "</add><remove><a><id>R</id></a></remove>"
             "</AdminWaitSetRequest>"),
      0, &dec);
  const waitset_request *req = doc->request;

  ck_assert_str_eq(req->waitset_id, "WaitSet-5");
  ck_assert_str_eq(req->seq, "4");
  ck_assert_str_eq(req->block, "0");
  ck_assert_str_eq(req->timeout, " 7 ");
  ck_assert_str_eq(req->expand, "1");
  ck_assert_uint_eq(req->add_count, 1);
  ck_assert_str_eq(req->add[0].name, "n@x");
  ck_assert_str_eq(req->add[0].types, "c");
  ck_assert_str_eq(req->add[0].folder_interests, "1,2");
  ck_assert_str_eq(req->add[0].token, "9");
  ck_assert_uint_eq(req->remove_count, 1);
  ck_assert_str_eq(req->remove[0].id, "R");
  waitset_xml_decoder_free(dec);
}
END_TEST

START_TEST(decode_comments_and_whitespace)
{
  waitset_xml_decoder *dec;
  const waitset_xml_document *doc = decode_ok(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- lead -->\n"
      "<soap:Envelope xmlns:soap=\"" S11 "\">\n  <!-- c1 -->\n"
      "  <soap:Header>\n    <context xmlns=\"urn:zimbra\">\n"
      "      <authToken>A<!-- split -->B</authToken>\n    </context>\n"
      "  </soap:Header>\n  <soap:Body>\n    <!-- c2 -->\n"
      "    <DestroyWaitSetRequest xmlns=\"urn:zimbraMail\"\n"
      "        waitSet = 'W&amp;1&#x41;' >\n      <!-- c3 -->\n"
      "    </DestroyWaitSetRequest>\n  </soap:Body>\n</soap:Envelope>\n"
      "<!-- tail -->\n",
      0, &dec);

  ck_assert_int_eq(doc->command, WAITSET_XML_CMD_DESTROY);
  ck_assert_str_eq(doc->context->auth_token, "AB");
  ck_assert_str_eq(doc->request->waitset_id, "W&1A");
  ck_assert_uint_eq(doc->command_node->line, 12);
  ck_assert_uint_eq(doc->command_node->column, 5);
  waitset_xml_decoder_free(dec);
}
END_TEST

START_TEST(decode_unknown_input_ignored)
{
  waitset_xml_decoder *dec;
  const waitset_xml_document *doc = decode_ok(
      ENV12_OPEN "<soap:Header><other xmlns=\"urn:x\"/>"
      "<context xmlns=\"urn:zimbra\"><authToken>T</authToken><foo/>"
      "<authToken xmlns=\"urn:elsewhere\">ignored</authToken></context>"
      "</soap:Header><soap:Body>"
      "<CreateWaitSetRequest xmlns=\"urn:zimbraMail\" defTypes=\"m\" "
      "allaccounts=\"1\" x:allAccounts=\"1\" xmlns:x=\"urn:x\">"
      "<unknown a=\"1\"/><add xmlns=\"urn:other\"><a id=\"no\"/></add>"
      "</CreateWaitSetRequest></soap:Body>"
      ENV_CLOSE,
      0, &dec);

  /* An attribute in a foreign namespace is not the field, and names
   * are case-sensitive: neither x:allAccounts nor allaccounts counts. */
  ck_assert_ptr_null(doc->request->all_accounts);
  ck_assert_str_eq(doc->context->auth_token, "T");
  ck_assert_uint_eq(doc->request->add_count, 0);
  waitset_xml_decoder_free(dec);
}
END_TEST

START_TEST(decode_attribute_namespaces)
{
  waitset_xml_decoder *dec;
  const waitset_xml_document *doc = decode_ok(
      BODY12("<m:WaitSetRequest xmlns:m=\"urn:zimbraMail\" "
             "xmlns:o=\"urn:o\" o:waitSet=\"W1\" waitSet=\"W2\" "
             "m:seq=\"3\" o:block=\"1\"/>"),
      0, &dec);

  /* o:waitSet is a different attribute from waitSet, so it is neither
   * read nor a second waitSet; m:seq is in the command's namespace. */
  ck_assert_str_eq(doc->request->waitset_id, "W2");
  ck_assert_str_eq(doc->request->seq, "3");
  ck_assert_ptr_null(doc->request->block);
  waitset_xml_decoder_free(dec);
}
END_TEST

START_TEST(decode_session_text_id)
{
  waitset_xml_decoder *dec;
  const waitset_xml_document *doc = decode_ok(
      ENV12_OPEN "<soap:Header><context xmlns=\"urn:zimbra\">"
      "<session>123</session><account by=\"id\">ID</account></context>"
      "</soap:Header><soap:Body><QueryWaitSetRequest "
      "xmlns=\"urn:zimbraAdmin\"/></soap:Body>" ENV_CLOSE,
      0, &dec);

  ck_assert_int_eq(doc->context->session, 1);
  ck_assert_str_eq(doc->context->session_id, "123");
  ck_assert_ptr_null(doc->context->session_ws_id);
  ck_assert_str_eq(doc->context->account_by, "id");
  ck_assert_str_eq(doc->context->account, "ID");
  ck_assert_ptr_null(doc->request->waitset_id);
  waitset_xml_decoder_free(dec);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Generic documents                                                   */

START_TEST(decode_generic_command_tree)
{
  waitset_xml_decoder *dec;
  const waitset_xml_document *doc = decode_ok(
      BODY12("<AuthRequest xmlns=\"urn:zimbraAccount\" csrf=\"0\">"
             "<account by=\"name\">u1@ex.test</account>"
             "<password>p&lt;&#233;</password><attrs><attr n=\"a\"/>"
             "<attr n=\"b\"/></attrs></AuthRequest>"),
      1, &dec);
  const waitset_xml_node *cmd = doc->command_node;
  const waitset_xml_node *account;
  const waitset_xml_node *attrs;
  const waitset_xml_node *attr;

  ck_assert_int_eq(doc->command, WAITSET_XML_CMD_OTHER);
  ck_assert_ptr_null(doc->request);
  ck_assert_ptr_null(doc->fault);
  ck_assert_str_eq(cmd->name, "AuthRequest");
  ck_assert_str_eq(cmd->namespace_uri, "urn:zimbraAccount");
  ck_assert_ptr_null(cmd->parent);
  ck_assert_uint_eq(cmd->attr_count, 1);
  ck_assert_str_eq(cmd->attrs[0].name, "csrf");
  ck_assert_str_eq(cmd->attrs[0].namespace_uri, "");
  ck_assert_str_eq(waitset_xml_node_attr(cmd, "csrf"), "0");
  ck_assert_ptr_null(waitset_xml_node_attr(cmd, "missing"));
  ck_assert_uint_eq(cmd->child_count, 3);
  account = waitset_xml_node_child(cmd, NULL, "account");
  ck_assert_ptr_nonnull(account);
  ck_assert_ptr_eq(account->parent, cmd);
  ck_assert_str_eq(account->namespace_uri, "urn:zimbraAccount");
  ck_assert_str_eq(waitset_xml_node_attr(account, "by"), "name");
  ck_assert_str_eq(account->text, "u1@ex.test");
  ck_assert_str_eq(waitset_xml_node_child(cmd, NULL, "password")->text,
                   "p<\xc3\xa9");
  attrs = waitset_xml_node_child(cmd, NULL, "attrs");
  ck_assert_str_eq(attrs->text, "");
  attr = waitset_xml_node_child(attrs, NULL, "attr");
  ck_assert_str_eq(waitset_xml_node_attr(attr, "n"), "a");
  attr = waitset_xml_node_child(attrs, attr, "attr");
  ck_assert_str_eq(waitset_xml_node_attr(attr, "n"), "b");
  ck_assert_ptr_null(waitset_xml_node_child(attrs, attr, "attr"));
  ck_assert_ptr_null(attr->next_sibling);
  waitset_xml_decoder_free(dec);
}
END_TEST

START_TEST(decode_column_counts_characters)
{
  waitset_xml_decoder *dec;
  const waitset_xml_document *doc = decode_ok(
      "<Echo xmlns=\"urn:test\">\xc3\xa9\xc3\xa9<b/></Echo>", 1, &dec);

  /* "<b/>" follows 27 bytes but 25 characters, because each e-acute is
   * two bytes and one character, so its column is 26. */
  ck_assert_uint_eq(doc->command_node->first_child->line, 1);
  ck_assert_uint_eq(doc->command_node->first_child->column, 26);
  waitset_xml_decoder_free(dec);
}
END_TEST

START_TEST(decode_fault_soap12)
{
  waitset_xml_decoder *dec;
  const waitset_xml_document *doc = decode_ok(
      BODY12("<soap:Fault><soap:Code><soap:Value>soap:Sender</soap:Value>"
             "</soap:Code><soap:Reason><soap:Text>No such waitset: W"
             "</soap:Text></soap:Reason><soap:Detail>"
             "<Error xmlns=\"urn:zimbra\"><Code>admin.NO_SUCH_WAITSET</Code>"
             "<a n=\"id\" t=\"STR\">W</a></Error></soap:Detail></soap:Fault>"),
      1, &dec);

  ck_assert_ptr_nonnull(doc->fault);
  ck_assert_str_eq(doc->fault->soap_code, "soap:Sender");
  ck_assert_str_eq(doc->fault->reason, "No such waitset: W");
  ck_assert_str_eq(doc->fault->code, "admin.NO_SUCH_WAITSET");
  ck_assert_uint_eq(doc->fault->arg_count, 1);
  ck_assert_str_eq(doc->fault->args[0].name, "id");
  ck_assert_str_eq(doc->fault->args[0].type, "STR");
  ck_assert_str_eq(doc->fault->args[0].value, "W");
  waitset_xml_decoder_free(dec);
}
END_TEST

START_TEST(decode_fault_soap11)
{
  waitset_xml_decoder *dec;
  const waitset_xml_document *doc = decode_ok(
      BODY11("<soap:Fault><faultcode>soap:Server</faultcode>"
             "<faultstring>system failure: x</faultstring><detail>"
             "<Error xmlns=\"urn:zimbra\"><Code>service.FAILURE</Code>"
             "</Error></detail></soap:Fault>"),
      1, &dec);

  ck_assert_ptr_nonnull(doc->fault);
  ck_assert_str_eq(doc->fault->soap_code, "soap:Server");
  ck_assert_str_eq(doc->fault->reason, "system failure: x");
  ck_assert_str_eq(doc->fault->code, "service.FAILURE");
  ck_assert_uint_eq(doc->fault->arg_count, 0);
  waitset_xml_decoder_free(dec);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Bad input                                                           */

static char deep_doc[4096];
static char big_attr_doc[8192];
static char many_accounts_doc[16384];
static char big_text_doc[8192];
static char many_elements_doc[4096];
static char many_attrs_doc[1024];

typedef struct bad_case {
  const char *label;
  const char *text;
  int accept_other;
  int code;
  int fault;
  const char *message_part;
  const char *name;
  int soap_version;
} bad_case;

static const bad_case bad_cases[] = {
  { "not well-formed", BODY12("<WaitSetRequest xmlns=\"urn:zimbraMail\">"
                              "</WaitSet>"),
    0, WAITSET_EXML_SYNTAX, WAITSET_EPARSE_ERROR, "parse error: mismatched",
    NULL, 12 },
  { "bad UTF-8", BODY11("<WaitSetRequest xmlns=\"urn:zimbraMail\" "
                        "waitSet=\"\xc3\x28\"/>"),
    0, WAITSET_EXML_SYNTAX, WAITSET_EPARSE_ERROR, "not well-formed", NULL,
    11 },
  { "Latin-1 byte under a Latin-1 declaration",
    "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>"
    "<QueryWaitSetRequest xmlns=\"urn:zimbraAdmin\" waitSet=\"\xe9\"/>",
    0, WAITSET_EXML_SYNTAX, WAITSET_EPARSE_ERROR, "not well-formed", NULL,
    12 },
  { "surrogate in UTF-8", "<a>\xed\xa0\x80</a>", 1, WAITSET_EXML_SYNTAX,
    WAITSET_EPARSE_ERROR, "parse error", NULL, 12 },
  { "unknown element", BODY12("<NoSuchRequest xmlns=\"urn:zimbraMail\"/>"),
    0, WAITSET_EXML_UNKNOWN, WAITSET_EUNKNOWN_DOCUMENT,
    "unknown document: \"{urn:zimbraMail}NoSuchRequest\"", "NoSuchRequest",
    12 },
  { "admin command in mail namespace",
    BODY11("<AdminWaitSetRequest xmlns=\"urn:zimbraMail\"/>"), 1,
    WAITSET_EXML_UNKNOWN, WAITSET_EUNKNOWN_DOCUMENT,
    "{urn:zimbraMail}AdminWaitSetRequest", "AdminWaitSetRequest", 11 },
  { "command without namespace", BODY12("<WaitSetRequest waitSet=\"x\"/>"),
    0, WAITSET_EXML_UNKNOWN, WAITSET_EUNKNOWN_DOCUMENT,
    "unknown document: \"WaitSetRequest\"", "WaitSetRequest", 12 },
  { "envelope wrong namespace",
    "<soap:Envelope xmlns:soap=\"urn:bogus\"><soap:Body/></soap:Envelope>",
    0, WAITSET_EXML_NAMESPACE, WAITSET_EINVALID_REQUEST,
    "element Envelope is in the wrong namespace \"urn:bogus\"", "Envelope",
    12 },
  { "body wrong namespace",
    ENV12_OPEN "<Body><QueryWaitSetRequest xmlns=\"urn:zimbraAdmin\"/>"
    "</Body>" ENV_CLOSE,
    0, WAITSET_EXML_NAMESPACE, WAITSET_EINVALID_REQUEST,
    "element Body has no namespace", "Body", 12 },
  { "body of other SOAP version",
    ENV11_OPEN "<b:Body xmlns:b=\"" S12 "\"/>" ENV_CLOSE, 0,
    WAITSET_EXML_NAMESPACE, WAITSET_EINVALID_REQUEST,
    "element Body is in the wrong namespace", "Body", 11 },
  { "context wrong namespace",
    ENV12_OPEN "<soap:Header><context xmlns=\"urn:zimbraMail\"/>"
    "</soap:Header><soap:Body/>" ENV_CLOSE,
    0, WAITSET_EXML_NAMESPACE, WAITSET_EINVALID_REQUEST,
    "element context is in the wrong namespace \"urn:zimbraMail\"",
    "context", 12 },
  { "attribute both ways",
    BODY12("<WaitSetRequest xmlns=\"urn:zimbraMail\" waitSet=\"A\" "
           "seq=\"1\"><seq>2</seq></WaitSetRequest>"),
    0, WAITSET_EXML_SCHEMA, WAITSET_EINVALID_REQUEST,
    "invalid request: invalid seq: \"1\"", "seq", 12 },
  { "attribute both ways in account",
    BODY12("<CreateWaitSetRequest xmlns=\"urn:zimbraMail\" defTypes=\"m\">"
           "<add><a id=\"A\"><id>B</id></a></add></CreateWaitSetRequest>"),
    0, WAITSET_EXML_SCHEMA, WAITSET_EINVALID_REQUEST,
    "invalid request: invalid id: \"A\"", "id", 12 },
  { "account attribute twice",
    BODY12("<CreateWaitSetRequest xmlns=\"urn:zimbraMail\" "
           "xmlns:m=\"urn:zimbraMail\" defTypes=\"m\">"
           "<add><a id=\"A\"/><a token=\"1\" m:token=\"2\"/></add>"
           "</CreateWaitSetRequest>"),
    0, WAITSET_EXML_SCHEMA, WAITSET_EINVALID_REQUEST,
    "invalid request: invalid token: \"1\"", "token", 12 },
  { "element twice",
    BODY12("<DestroyWaitSetRequest xmlns=\"urn:zimbraMail\">"
           "<waitSet>A</waitSet><waitSet>B</waitSet>"
           "</DestroyWaitSetRequest>"),
    0, WAITSET_EXML_SCHEMA, WAITSET_EINVALID_REQUEST,
    "invalid waitSet: \"A\"", "waitSet", 12 },
  { "DOCTYPE", "<!DOCTYPE x><x/>", 1, WAITSET_EXML_DOCTYPE,
    WAITSET_EPARSE_ERROR, "DOCTYPE declarations are not allowed", NULL,
    12 },
  { "entity declaration",
    "<!DOCTYPE x [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;\">]><x>&b;</x>",
    1, WAITSET_EXML_DOCTYPE, WAITSET_EPARSE_ERROR, "DOCTYPE", NULL, 12 },
  { "undefined entity", "<x>&ext;</x>", 1, WAITSET_EXML_SYNTAX,
    WAITSET_EPARSE_ERROR, "undefined entity", NULL, 12 },
  { "depth", deep_doc, 0, WAITSET_EXML_LIMIT, WAITSET_EINVALID_REQUEST,
    "nested deeper than 32 levels", "d", 12 },
  { "attribute value size", big_attr_doc, 0, WAITSET_EXML_LIMIT,
    WAITSET_EINVALID_REQUEST, "attribute waitSet is longer than", "waitSet",
    12 },
  { "text value size", big_text_doc, 0, WAITSET_EXML_LIMIT,
    WAITSET_EINVALID_REQUEST, "text of element authToken is longer than",
    "authToken", 12 },
  { "account count", many_accounts_doc, 0, WAITSET_EXML_LIMIT,
    WAITSET_EINVALID_REQUEST, "more than 100 accounts in <add>", "add", 12 },
  { "element count", many_elements_doc, 1, WAITSET_EXML_LIMIT,
    WAITSET_EINVALID_REQUEST, "the document has more than 200 elements",
    "x", 12 },
  { "attribute count", many_attrs_doc, 0, WAITSET_EXML_LIMIT,
    WAITSET_EINVALID_REQUEST,
    "element WaitSetRequest has more than 8 attributes", "WaitSetRequest",
    12 },
  { "JSON body",
    "{\"Body\":{\"WaitSetRequest\":{\"_jsns\":\"urn:zimbraMail\"}}}", 0,
    WAITSET_EXML_SYNTAX, WAITSET_EPARSE_ERROR,
    "JSON requests are not supported", NULL, 12 },
  { "format js",
    ENV11_OPEN "<soap:Header><context xmlns=\"urn:zimbra\">"
    "<format type=\"js\"/></context></soap:Header><soap:Body>"
    "<QueryWaitSetRequest xmlns=\"urn:zimbraAdmin\"/></soap:Body>"
    ENV_CLOSE,
    0, WAITSET_EXML_SCHEMA, WAITSET_EINVALID_REQUEST,
    "invalid request: invalid format: \"js\"", "format", 11 },
  { "missing Body",
    ENV12_OPEN "<soap:Header/>" ENV_CLOSE, 0, WAITSET_EXML_SCHEMA,
    WAITSET_EINVALID_REQUEST, "the envelope has no Body", "Body", 12 },
  { "empty Body", ENV11_OPEN "<soap:Body> <!-- x --> </soap:Body>"
    ENV_CLOSE,
    0, WAITSET_EXML_SCHEMA, WAITSET_EPARSE_ERROR, "parse error: the Body is "
    "empty", "Body", 11 },
  { "second Body", ENV12_OPEN "<soap:Body><QueryWaitSetRequest "
    "xmlns=\"urn:zimbraAdmin\"/></soap:Body><soap:Body/>" ENV_CLOSE, 0,
    WAITSET_EXML_SCHEMA, WAITSET_EINVALID_REQUEST, "more than one Body",
    "Body", 12 },
  { "second command", BODY12("<WaitSetRequest xmlns=\"urn:zimbraMail\" "
    "waitSet=\"W\" seq=\"0\"/><DestroyWaitSetRequest "
    "xmlns=\"urn:zimbraMail\" waitSet=\"W\"/>"), 0,
    WAITSET_EXML_SCHEMA, WAITSET_EINVALID_REQUEST,
    "the Body has more than one element", "DestroyWaitSetRequest", 12 },
  { "second Header", ENV11_OPEN "<soap:Header/><soap:Header/><soap:Body>"
    "<QueryWaitSetRequest xmlns=\"urn:zimbraAdmin\"/></soap:Body>"
    ENV_CLOSE, 0,
    WAITSET_EXML_SCHEMA, WAITSET_EINVALID_REQUEST,
    "the envelope has more than one Header", "Header", 11 },
  { "second context", ENV12_OPEN "<soap:Header><context "
    "xmlns=\"urn:zimbra\"/><context xmlns=\"urn:zimbra\"><authToken>T"
    "</authToken></context></soap:Header><soap:Body><QueryWaitSetRequest "
    "xmlns=\"urn:zimbraAdmin\"/></soap:Body>" ENV_CLOSE, 0,
    WAITSET_EXML_SCHEMA, WAITSET_EINVALID_REQUEST,
    "the Header has more than one context", "context", 12 },
  { "format twice", ENV12_OPEN "<soap:Header><context xmlns=\"urn:zimbra\">"
    "<format type=\"xml\"/><format type=\"js\"/></context></soap:Header>"
    "<soap:Body><QueryWaitSetRequest xmlns=\"urn:zimbraAdmin\"/>"
    "</soap:Body>" ENV_CLOSE, 0,
    WAITSET_EXML_SCHEMA, WAITSET_EINVALID_REQUEST,
    "invalid context: <format> is given more than once", "format", 12 },
  { "format type element", ENV12_OPEN "<soap:Header><context "
    "xmlns=\"urn:zimbra\"><format><type>js</type></format></context>"
    "</soap:Header><soap:Body><QueryWaitSetRequest "
    "xmlns=\"urn:zimbraAdmin\"/></soap:Body>" ENV_CLOSE, 0,
    WAITSET_EXML_SCHEMA, WAITSET_EINVALID_REQUEST,
    "invalid format: \"js\"", "format", 12 },
  { "account twice", ENV12_OPEN "<soap:Header><context xmlns=\"urn:zimbra\">"
    "<account by=\"name\">a@x</account><account by=\"name\">b@x</account>"
    "</context></soap:Header><soap:Body><QueryWaitSetRequest "
    "xmlns=\"urn:zimbraAdmin\"/></soap:Body>" ENV_CLOSE, 0,
    WAITSET_EXML_SCHEMA, WAITSET_EINVALID_REQUEST,
    "invalid context: <account> is given more than once", "account", 12 },
  { "empty document", "", 0, WAITSET_EXML_SYNTAX, WAITSET_EPARSE_ERROR,
    "parse error: the document is empty", NULL, 12 },
  { "truncated", ENV11_OPEN "<soap:Body><QueryWaitSetRequest", 0,
    WAITSET_EXML_TRUNCATED, WAITSET_EPARSE_ERROR,
    "parse error: the document ended early", NULL, 11 },
  { "junk after root", "<QueryWaitSetRequest xmlns=\"urn:zimbraAdmin\"/>x",
    0, WAITSET_EXML_SYNTAX, WAITSET_EPARSE_ERROR, "junk after", NULL, 12 },
  { "other command not accepted",
    BODY12("<AuthRequest xmlns=\"urn:zimbraAccount\"/>"), 0,
    WAITSET_EXML_UNKNOWN, WAITSET_EUNKNOWN_DOCUMENT,
    "{urn:zimbraAccount}AuthRequest", "AuthRequest", 12 },
};

static void
build_limit_docs(void)
{
  size_t len = 0;
  int i;

  /* 33 levels: one more than the default depth limit. */
  len = (size_t)snprintf(deep_doc, sizeof(deep_doc), "%s",
                         "<QueryWaitSetRequest xmlns=\"urn:zimbraAdmin\">");
  for (i = 0; i < 32; i++)
    len += (size_t)snprintf(deep_doc + len, sizeof(deep_doc) - len, "<d>");
  for (i = 0; i < 32; i++)
    len += (size_t)snprintf(deep_doc + len, sizeof(deep_doc) - len, "</d>");
  snprintf(deep_doc + len, sizeof(deep_doc) - len, "</QueryWaitSetRequest>");

  len = (size_t)snprintf(big_attr_doc, sizeof(big_attr_doc), "%s",
                         "<WaitSetRequest xmlns=\"urn:zimbraMail\" "
                         "waitSet=\"");
  memset(big_attr_doc + len, 'w', 1025);
  len += 1025;
  snprintf(big_attr_doc + len, sizeof(big_attr_doc) - len, "\"/>");

  len = (size_t)snprintf(big_text_doc, sizeof(big_text_doc), "%s",
                         ENV12_OPEN "<soap:Header><context "
                         "xmlns=\"urn:zimbra\"><authToken>");
  for (i = 0; i < 1025; i++)
    big_text_doc[len++] = (i % 100 == 99) ? '\n' : 't';
  snprintf(big_text_doc + len, sizeof(big_text_doc) - len, "%s",
           "</authToken></context></soap:Header>" ENV_CLOSE);

  len = (size_t)snprintf(many_accounts_doc, sizeof(many_accounts_doc), "%s",
                         "<CreateWaitSetRequest xmlns=\"urn:zimbraMail\" "
                         "defTypes=\"m\"><add>");
  for (i = 0; i < 101; i++)
    len += (size_t)snprintf(many_accounts_doc + len,
                            sizeof(many_accounts_doc) - len, "<a id=\"%d\"/>",
                            i);
  snprintf(many_accounts_doc + len, sizeof(many_accounts_doc) - len,
           "</add></CreateWaitSetRequest>");

  /* 201 elements: one more than the element limit of the bad cases. */
  len = (size_t)snprintf(many_elements_doc, sizeof(many_elements_doc), "%s",
                         "<NoOpRequest xmlns=\"urn:zimbraMail\">");
  for (i = 0; i < 200; i++)
    len += (size_t)snprintf(many_elements_doc + len,
                            sizeof(many_elements_doc) - len, "<x/>");
  snprintf(many_elements_doc + len, sizeof(many_elements_doc) - len,
           "</NoOpRequest>");

  /* 9 attributes: one more than the attribute limit of the bad cases. */
  len = (size_t)snprintf(many_attrs_doc, sizeof(many_attrs_doc), "%s",
                         "<WaitSetRequest xmlns=\"urn:zimbraMail\"");
  for (i = 0; i < 9; i++)
    len += (size_t)snprintf(many_attrs_doc + len,
                            sizeof(many_attrs_doc) - len, " a%d=\"\"", i);
  snprintf(many_attrs_doc + len, sizeof(many_attrs_doc) - len, "/>");
}

START_TEST(decode_bad_input)
{
  const bad_case *c = &bad_cases[_i];
  waitset_xml_options opts;
  waitset_xml_decoder *dec;
  const waitset_xml_error *err;
  const waitset_xml_document *fault_doc;
  waitset_xml_decoder *fault_dec;
  waitset_xml_buffer *buf;
  int rc;

  build_limit_docs();
  memset(&opts, 0, sizeof(opts));
  opts.size = sizeof(opts);
  opts.accept_other_commands = c->accept_other;
  opts.max_accounts = 100;
  opts.max_value_bytes = 1024;
  opts.max_elements = 200;
  opts.max_attributes = 8;
  dec = xt_decode_opts(c->text, strlen(c->text), &opts, &rc);
  err = waitset_xml_decoder_error(dec);
  ck_assert_msg(rc == c->code, "%s: rc %d, expected %d", c->label, rc,
                c->code);
  ck_assert_ptr_nonnull(err);
  ck_assert_ptr_null(waitset_xml_decoder_document(dec));
  ck_assert_int_eq(err->code, c->code);
  ck_assert_int_eq(err->fault, c->fault);
  ck_assert_msg(strstr(err->message, c->message_part) != NULL,
                "%s: message [%s] lacks [%s]", c->label, err->message,
                c->message_part);
  if (c->name != NULL)
    ck_assert_str_eq(xt_str(err->name), c->name);
  ck_assert_int_eq(err->soap_version, c->soap_version);
  /* The core maps every code but WAITSET_EXML_SCHEMA to the fault the
   * decoder reports, so hosts that map the code get the same Fault. */
  if (c->code != WAITSET_EXML_SCHEMA) {
    ck_assert_str_eq(waitset_fault_code(err->code),
                     waitset_fault_code(err->fault));
    ck_assert_int_eq(waitset_fault_is_sender(err->code),
                     waitset_fault_is_sender(err->fault));
  }
  /* The error stays until reset. */
  ck_assert_int_eq(waitset_xml_decoder_feed(dec, "<x/>", 4, 1), c->code);

  /* The Fault for the error carries the code and the message. */
  ck_assert_int_eq(waitset_xml_encode_error(NULL, err, &buf), 0);
  ck_assert_ptr_nonnull(strstr(waitset_xml_buffer_data(buf),
                               c->soap_version == 11 ? S11 : S12));
  ck_assert_ptr_nonnull(strstr(waitset_xml_buffer_data(buf),
                               waitset_fault_code(c->fault)));
  fault_dec = xt_decode(waitset_xml_buffer_data(buf), 1, &rc);
  ck_assert_int_eq(rc, 0);
  fault_doc = waitset_xml_decoder_document(fault_dec);
  ck_assert_ptr_nonnull(fault_doc->fault);
  ck_assert_str_eq(fault_doc->fault->reason, err->message);
  ck_assert_str_eq(fault_doc->fault->code, waitset_fault_code(c->fault));
  ck_assert_str_eq(fault_doc->fault->soap_code,
                   c->soap_version == 11 ? "soap:Client" : "soap:Sender");
  waitset_xml_decoder_free(fault_dec);
  waitset_xml_buffer_free(buf);
  waitset_xml_decoder_free(dec);
}
END_TEST

START_TEST(decode_error_position)
{
  int rc;
  waitset_xml_decoder *dec = xt_decode(
      "<WaitSetRequest xmlns=\"urn:zimbraMail\">\n  <add>\n"
      "    <a id=\"1\" id=\"2\"/>\n",
      0, &rc);
  const waitset_xml_error *err = waitset_xml_decoder_error(dec);

  ck_assert_int_eq(rc, WAITSET_EXML_SYNTAX);
  ck_assert_uint_eq(err->line, 3);
  ck_assert_uint_eq(err->column, 15);
  ck_assert_uint_eq(err->byte_offset, 62);
  ck_assert_ptr_nonnull(strstr(err->message, "at line 3, column 15"));
  waitset_xml_decoder_free(dec);
}
END_TEST

START_TEST(decode_document_size_limit)
{
  waitset_xml_options opts;
  waitset_xml_decoder *dec;
  const char *text = "<QueryWaitSetRequest xmlns=\"urn:zimbraAdmin\"/>";
  const waitset_xml_error *err;

  memset(&opts, 0, sizeof(opts));
  opts.size = sizeof(opts);
  opts.max_document_bytes = 20;
  ck_assert_int_eq(waitset_xml_decoder_new(&dec, &opts), 0);
  ck_assert_int_eq(waitset_xml_decoder_feed(dec, text, 10, 0), 0);
  ck_assert_int_eq(waitset_xml_decoder_feed(dec, text + 10, 10, 0), 0);
  ck_assert_int_eq(waitset_xml_decoder_feed(dec, text + 20, 1, 0),
                   WAITSET_EXML_LIMIT);
  err = waitset_xml_decoder_error(dec);
  ck_assert_int_eq(err->fault, WAITSET_EINVALID_REQUEST);
  ck_assert_str_eq(err->message,
                   "invalid request: the document is larger than 20 bytes");
  ck_assert_uint_eq(err->byte_offset, 20);

  /* The same document fits after a reset with the default limit. */
  waitset_xml_decoder_free(dec);
  ck_assert_int_eq(waitset_xml_decoder_new(&dec, NULL), 0);
  ck_assert_int_eq(waitset_xml_decoder_feed(dec, text, strlen(text), 1), 0);
  waitset_xml_decoder_free(dec);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Decoder lifecycle                                                   */

START_TEST(decoder_reset_reuse)
{
  waitset_xml_decoder *dec;
  const char *bad = "<x";
  const char *good = "<DestroyWaitSetRequest xmlns=\"urn:zimbraMail\" "
                     "waitSet=\"W\"/>";
  const waitset_xml_document *doc;

  ck_assert_int_eq(waitset_xml_decoder_new(&dec, NULL), 0);
  ck_assert_int_eq(waitset_xml_decoder_feed(dec, bad, 2, 1),
                   WAITSET_EXML_SYNTAX);
  ck_assert_int_eq(waitset_xml_decoder_reset(dec), 0);
  ck_assert_ptr_null(waitset_xml_decoder_error(dec));
  ck_assert_int_eq(waitset_xml_decoder_feed(dec, good, strlen(good), 1), 0);
  doc = waitset_xml_decoder_document(dec);
  ck_assert_str_eq(doc->request->waitset_id, "W");
  ck_assert_int_eq(waitset_xml_decoder_feed(dec, good, 1, 1), WAITSET_ESTATE);
  ck_assert_int_eq(waitset_xml_decoder_reset(dec), 0);
  ck_assert_ptr_null(waitset_xml_decoder_document(dec));
  ck_assert_int_eq(waitset_xml_decoder_feed(dec, good, strlen(good), 1), 0);
  ck_assert_ptr_nonnull(waitset_xml_decoder_document(dec));
  waitset_xml_decoder_free(dec);
}
END_TEST

START_TEST(decoder_stop)
{
  waitset_xml_decoder *dec;
  const waitset_xml_error *err;

  ck_assert_int_eq(waitset_xml_decoder_new(&dec, NULL), 0);
  ck_assert_int_eq(waitset_xml_decoder_feed(dec, "<Query", 6, 0), 0);
  ck_assert_int_eq(waitset_xml_decoder_stop(dec), 0);
  ck_assert_int_eq(waitset_xml_decoder_feed(dec, "/>", 2, 1),
                   WAITSET_EXML_STOPPED);
  err = waitset_xml_decoder_error(dec);
  ck_assert_int_eq(err->code, WAITSET_EXML_STOPPED);
  ck_assert_int_eq(err->fault, WAITSET_EFAILURE);
  ck_assert_str_eq(waitset_fault_code(err->code), "service.FAILURE");
  ck_assert_int_eq(waitset_fault_is_sender(err->code), 0);
  ck_assert_int_eq(waitset_xml_decoder_stop(NULL), WAITSET_EINVAL);
  waitset_xml_decoder_free(dec);
}
END_TEST

START_TEST(decoder_bad_arguments)
{
  waitset_xml_decoder *dec;
  waitset_xml_options opts;
  waitset_allocator bad_alloc = xt_allocator;

  ck_assert_int_eq(waitset_xml_decoder_new(NULL, NULL), WAITSET_EINVAL);
  memset(&opts, 0, sizeof(opts));
  opts.size = sizeof(opts);
  bad_alloc.version = 99;
  opts.allocator = &bad_alloc;
  ck_assert_int_eq(waitset_xml_decoder_new(&dec, &opts), WAITSET_EVERSION);
  ck_assert_ptr_null(dec);
  bad_alloc = xt_allocator;
  bad_alloc.realloc = NULL;
  ck_assert_int_eq(waitset_xml_decoder_new(&dec, &opts), WAITSET_EINVAL);
  ck_assert_int_eq(waitset_xml_decoder_new(&dec, NULL), 0);
  ck_assert_int_eq(waitset_xml_decoder_feed(NULL, "x", 1, 1), WAITSET_EINVAL);
  ck_assert_int_eq(waitset_xml_decoder_feed(dec, NULL, 1, 1), WAITSET_EINVAL);
  ck_assert_int_eq(waitset_xml_decoder_reset(NULL), WAITSET_EINVAL);
  ck_assert_ptr_null(waitset_xml_decoder_document(NULL));
  ck_assert_ptr_null(waitset_xml_decoder_error(NULL));
  ck_assert_ptr_null(waitset_xml_decoder_document(dec));
  waitset_xml_decoder_free(dec);
  waitset_xml_decoder_free(NULL);
}
END_TEST

START_TEST(decoder_short_options_size)
{
  /* A size that covers only `size` and `allocator` means defaults for
   * every limit, so a 33-level document is rejected. */
  waitset_xml_options opts;
  waitset_xml_decoder *dec;
  int rc;

  build_limit_docs();
  memset(&opts, 0, sizeof(opts));
  opts.size = offsetof(waitset_xml_options, max_document_bytes);
  opts.max_depth = 100;
  dec = xt_decode_opts(deep_doc, strlen(deep_doc), &opts, &rc);
  ck_assert_int_eq(rc, WAITSET_EXML_LIMIT);
  waitset_xml_decoder_free(dec);
}
END_TEST

static waitset_xml_decoder *reentry_decoder;
static int reentry_rc;
static int reentry_calls;

/* An allocator that feeds its own decoder, which must be rejected. */
static void *
reentry_malloc(size_t size)
{
  if (reentry_decoder != NULL && reentry_calls == 0) {
    reentry_calls++;
    reentry_rc = waitset_xml_decoder_feed(reentry_decoder, "<", 1, 0);
  }
  return malloc(size);
}

START_TEST(decoder_feed_from_allocator)
{
  waitset_allocator alloc = { WAITSET_ALLOCATOR_VERSION, reentry_malloc,
                              realloc, free };
  waitset_xml_options opts;
  const char *text = "<DestroyWaitSetRequest xmlns=\"urn:zimbraMail\" "
                     "waitSet=\"W\"/>";

  memset(&opts, 0, sizeof(opts));
  opts.size = sizeof(opts);
  opts.allocator = &alloc;
  reentry_decoder = NULL;
  reentry_calls = 0;
  reentry_rc = 0;
  ck_assert_int_eq(waitset_xml_decoder_new(&reentry_decoder, &opts), 0);
  ck_assert_int_eq(waitset_xml_decoder_feed(reentry_decoder, text,
                                            strlen(text), 1),
                   0);
  ck_assert_int_eq(reentry_calls, 1);
  ck_assert_int_eq(reentry_rc, WAITSET_ERECURSIVE);
  ck_assert_str_eq(
      waitset_xml_decoder_document(reentry_decoder)->request->waitset_id,
      "W");
  waitset_xml_decoder_free(reentry_decoder);
  reentry_decoder = NULL;
}
END_TEST

START_TEST(command_names)
{
  ck_assert_str_eq(waitset_xml_command_name(WAITSET_XML_CMD_QUERY),
                   "QueryWaitSetRequest");
  ck_assert_ptr_null(waitset_xml_command_name(WAITSET_XML_CMD_OTHER));
  ck_assert_ptr_null(waitset_xml_command_name(8));
  ck_assert_str_eq(waitset_xml_response_name(WAITSET_OP_WAIT, 1),
                   "AdminWaitSetResponse");
  ck_assert_str_eq(waitset_xml_response_name(WAITSET_OP_DESTROY, 0),
                   "DestroyWaitSetResponse");
  ck_assert_str_eq(waitset_xml_response_name(WAITSET_OP_QUERY, 0),
                   "QueryWaitSetResponse");
  ck_assert_ptr_null(waitset_xml_response_name(9, 0));
}
END_TEST

static Suite *
decode_suite(void)
{
  Suite *s = suite_create("xml-decode");
  TCase *tc = tcase_create("requests");
  TCase *bad = tcase_create("bad-input");
  TCase *life = tcase_create("lifecycle");

  xt_add_loop_fixture(tc);
  tcase_add_test(tc, decode_create_soap12_fields);
  tcase_add_test(tc, decode_wait_soap11_fields);
  tcase_add_loop_test(tc, decode_every_command, 0,
                      (int)(sizeof(commands) / sizeof(commands[0])));
  tcase_add_test(tc, decode_bare_request);
  tcase_add_test(tc, decode_perl_style_prefixes);
  tcase_add_test(tc, decode_fields_as_elements);
  tcase_add_test(tc, decode_account_attribute_namespaces);
  tcase_add_test(tc, decode_comments_and_whitespace);
  tcase_add_test(tc, decode_unknown_input_ignored);
  tcase_add_test(tc, decode_attribute_namespaces);
  tcase_add_test(tc, decode_session_text_id);
  tcase_add_test(tc, decode_generic_command_tree);
  tcase_add_test(tc, decode_column_counts_characters);
  tcase_add_test(tc, decode_fault_soap12);
  tcase_add_test(tc, decode_fault_soap11);
  suite_add_tcase(s, tc);

  xt_add_loop_fixture(bad);
  tcase_add_loop_test(bad, decode_bad_input, 0,
                      (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
  tcase_add_test(bad, decode_error_position);
  tcase_add_test(bad, decode_document_size_limit);
  suite_add_tcase(s, bad);

  xt_add_loop_fixture(life);
  tcase_add_test(life, decoder_reset_reuse);
  tcase_add_test(life, decoder_stop);
  tcase_add_test(life, decoder_bad_arguments);
  tcase_add_test(life, decoder_short_options_size);
  tcase_add_test(life, decoder_feed_from_allocator);
  tcase_add_test(life, command_names);
  suite_add_tcase(s, life);
  return s;
}

int
main(void)
{
  SRunner *sr = srunner_create(decode_suite());
  int failed;

  srunner_set_tap(sr, "-");
  srunner_run_all(sr, CK_SILENT);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
