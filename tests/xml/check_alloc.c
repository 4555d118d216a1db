/* SPDX-License-Identifier: MIT */
/*
 * Allocation failure at every point of decoding and encoding: each run
 * fails the Nth allocation and checks for a clean WAITSET_ENOMEM and no
 * leaked block, until a run needs fewer than N allocations.
 */
#include <stdlib.h>
#include <string.h>

#include "xml_test.h"

#define MAX_RUNS 100000

static const char request_doc[] =
    ENV12_OPEN "<soap:Header><context xmlns=\"urn:zimbra\">"
    "<authToken>0_tok</authToken><session id=\"1\" wsId=\"WaitSet-1\"/>"
    "<account by=\"name\">u@x</account><userAgent name=\"n\" version=\"v\"/>"
    "</context></soap:Header><soap:Body>"
    "<AdminWaitSetRequest xmlns=\"urn:zimbraAdmin\" waitSet=\"WaitSet-1\" "
    "seq=\"1\" block=\"1\" timeout=\"5\" expand=\"1\"><add>"
    "<a id=\"A\" types=\"m\" folderInterests=\"2\" token=\"4\"/>"
    "<a><name>b@x</name></a></add><update><a id=\"U\"/></update>"
    "<remove><a id=\"R\"/></remove><!-- c -->"
    "<unknown>text text text text text text text text text text</unknown>"
    "</AdminWaitSetRequest></soap:Body>" ENV_CLOSE;

static const char bad_doc[] =
    BODY11("<WaitSetRequest xmlns=\"urn:zimbraMail\" waitSet=\"W\">"
           "<waitSet>X</waitSet></WaitSetRequest>");

static const char fault_doc[] =
    BODY12("<soap:Fault><soap:Code><soap:Value>soap:Sender</soap:Value>"
           "</soap:Code><soap:Reason><soap:Text>No such waitset: W"
           "</soap:Text></soap:Reason><soap:Detail>"
           "<Error xmlns=\"urn:zimbra\"><Code>admin.NO_SUCH_WAITSET</Code>"
           "<a n=\"id\" t=\"STR\">W</a><a n=\"x\" t=\"NUM\">1</a></Error>"
           "</soap:Detail></soap:Fault>");

/* Decode `text` in chunks with the Nth allocation failing. Returns 1
 * when the run succeeded without reaching the failing allocation. */
static int
decode_failing_at(const char *text, size_t chunk, long n, int expected_rc)
{
  waitset_xml_options opts;
  waitset_xml_decoder *dec = NULL;
  size_t len = strlen(text);
  size_t off = 0;
  int rc;

  memset(&opts, 0, sizeof(opts));
  opts.size = sizeof(opts);
  opts.allocator = &xt_allocator;
  opts.accept_other_commands = 1;
  xt_alloc_reset(n);
  rc = waitset_xml_decoder_new(&dec, &opts);
  if (rc != 0) {
    ck_assert_int_eq(rc, WAITSET_ENOMEM);
    ck_assert_ptr_null(dec);
    ck_assert_int_eq(xt_alloc_live, 0);
    return 0;
  }
  for (;;) {
    size_t m = len - off < chunk ? len - off : chunk;
    int last = off + m == len;

    rc = waitset_xml_decoder_feed(dec, text + off, m, last);
    off += m;
    if (rc != 0 || last)
      break;
  }
  if (rc == WAITSET_ENOMEM) {
    const waitset_xml_error *err = waitset_xml_decoder_error(dec);

    ck_assert_ptr_nonnull(err);
    ck_assert_int_eq(err->code, WAITSET_ENOMEM);
    ck_assert_int_eq(err->fault, WAITSET_EFAILURE);
    ck_assert_ptr_nonnull(err->message);
    ck_assert_ptr_null(waitset_xml_decoder_document(dec));
  } else {
    ck_assert_int_eq(rc, expected_rc);
  }
  waitset_xml_decoder_free(dec);
  ck_assert_int_eq(xt_alloc_live, 0);
  return rc == expected_rc && xt_alloc_count < n;
}

static void
decode_every_failure(const char *text, size_t chunk, int expected_rc)
{
  long n;

  for (n = 1; n < MAX_RUNS; n++) {
    if (decode_failing_at(text, chunk, n, expected_rc))
      return;
  }
  ck_abort_msg("decoding never finished without failure");
}

START_TEST(alloc_fail_decode_whole)
{
  decode_every_failure(request_doc, sizeof(request_doc), 0);
}
END_TEST

START_TEST(alloc_fail_decode_chunked)
{
  decode_every_failure(request_doc, 3, 0);
}
END_TEST

START_TEST(alloc_fail_decode_error)
{
  decode_every_failure(bad_doc, 5, WAITSET_EXML_SCHEMA);
}
END_TEST

START_TEST(alloc_fail_decode_fault)
{
  decode_every_failure(fault_doc, 7, 0);
}
END_TEST

START_TEST(alloc_fail_decoder_reset)
{
  waitset_xml_options opts;
  waitset_xml_decoder *dec;
  long n;

  memset(&opts, 0, sizeof(opts));
  opts.size = sizeof(opts);
  opts.allocator = &xt_allocator;
  for (n = 1; n < MAX_RUNS; n++) {
    int rc;

    xt_alloc_reset(0);
    ck_assert_int_eq(waitset_xml_decoder_new(&dec, &opts), 0);
    ck_assert_int_eq(waitset_xml_decoder_feed(dec, request_doc,
                                              sizeof(request_doc) - 1, 1),
                     0);
    xt_alloc_fail_at = xt_alloc_count + n;
    rc = waitset_xml_decoder_reset(dec);
    if (rc == 0)
      rc = waitset_xml_decoder_feed(dec, request_doc, sizeof(request_doc) - 1,
                                    1);
    waitset_xml_decoder_free(dec);
    ck_assert_int_eq(xt_alloc_live, 0);
    if (rc == 0)
      return;
    ck_assert_int_eq(rc, WAITSET_ENOMEM);
  }
  ck_abort_msg("reset never finished without failure");
}
END_TEST

static int
encode_failing_at(long n)
{
  waitset_response resp;
  waitset_item_info item = { 1, 2, WAITSET_ITEM_MESSAGE, 0, 2, 0, 1, "t" };
  waitset_tag_info tag = { 64, 2, "red" };
  waitset_folder_mods mods;
  waitset_signal signal;
  waitset_account_error error = { "acct-9", 4 };
  waitset_xml_buffer *buf = NULL;
  waitset_xml_writer *w = NULL;
  waitset_fault_arg arg = { "id", "STR", "W" };
  int rc;

  memset(&mods, 0, sizeof(mods));
  mods.folder_id = 2;
  mods.created = &item;
  mods.created_count = 1;
  mods.modified = &item;
  mods.modified_count = 1;
  mods.deleted = &item;
  mods.deleted_count = 1;
  mods.modified_tags = &tag;
  mods.modified_tag_count = 1;
  memset(&signal, 0, sizeof(signal));
  signal.account_id = "acct-1";
  signal.mods = &mods;
  signal.mods_count = 1;
  memset(&resp, 0, sizeof(resp));
  resp.size = sizeof(resp);
  resp.op = WAITSET_OP_WAIT;
  resp.waitset_id = "WaitSet-1";
  resp.seq = "1";
  resp.signals = &signal;
  resp.signal_count = 1;
  resp.errors = &error;
  resp.error_count = 1;

  xt_alloc_reset(n);
  rc = waitset_xml_encode_response(&xt_allocator, 12, &resp, &buf);
  if (rc == 0) {
    waitset_xml_buffer_free(buf);
    buf = NULL;
    rc = waitset_xml_encode_fault(&xt_allocator, 11, WAITSET_EFAILURE,
                                  "reason", &arg, 1, &buf);
  }
  if (rc == 0) {
    waitset_xml_buffer_free(buf);
    buf = NULL;
    rc = waitset_xml_writer_new(&w, &xt_allocator, 12);
    if (rc == 0)
      rc = waitset_xml_writer_header(w);
    if (rc == 0)
      rc = waitset_xml_writer_start(w, "context", "urn:zimbra");
    if (rc == 0)
      rc = waitset_xml_writer_end(w);
    if (rc == 0)
      rc = waitset_xml_writer_response(w, &resp);
    if (rc == 0)
      rc = waitset_xml_writer_finish(w, &buf);
    waitset_xml_writer_free(w);
  }
  if (rc != 0) {
    ck_assert_int_eq(rc, WAITSET_ENOMEM);
    ck_assert_ptr_null(buf);
  }
  waitset_xml_buffer_free(buf);
  ck_assert_int_eq(xt_alloc_live, 0);
  return rc == 0 && xt_alloc_count < n;
}

START_TEST(alloc_fail_encode)
{
  long n;

  for (n = 1; n < MAX_RUNS; n++) {
    if (encode_failing_at(n))
      return;
  }
  ck_abort_msg("encoding never finished without failure");
}
END_TEST

static Suite *
alloc_suite(void)
{
  Suite *s = suite_create("xml-alloc");
  TCase *tc = tcase_create("alloc-failure");

  xt_add_loop_fixture(tc);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, alloc_fail_decode_whole);
  tcase_add_test(tc, alloc_fail_decode_chunked);
  tcase_add_test(tc, alloc_fail_decode_error);
  tcase_add_test(tc, alloc_fail_decode_fault);
  tcase_add_test(tc, alloc_fail_decoder_reset);
  tcase_add_test(tc, alloc_fail_encode);
  suite_add_tcase(s, tc);
  return s;
}

int
main(void)
{
  SRunner *sr = srunner_create(alloc_suite());
  int failed;

  srunner_set_tap(sr, "-");
  srunner_run_all(sr, CK_SILENT);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
