/* SPDX-License-Identifier: MIT */
/*
 * Decoder tests that read its private counters: the cost of small-chunk
 * feeding, the memory of large documents, and results at every chunk
 * boundary that expat can see. Built against the codec's sources, not
 * the shared library.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decoder.h"
#include "xml_test.h"

/* ------------------------------------------------------------------ */
/* Allocator that tracks the peak of live bytes                        */

typedef struct block_header {
  size_t size;
  size_t pad; /* keeps the payload 16-byte aligned */
} block_header;

static size_t live_bytes;
static size_t peak_bytes;

static void
note_bytes(size_t add, size_t sub)
{
  live_bytes = live_bytes + add - sub;
  if (live_bytes > peak_bytes)
    peak_bytes = live_bytes;
}

static void *
peak_malloc(size_t size)
{
  block_header *h = malloc(sizeof(*h) + size);

  if (h == NULL)
    return NULL;
  h->size = size;
  note_bytes(size, 0);
  return h + 1;
}

static void *
peak_realloc(void *ptr, size_t size)
{
  block_header *h;
  size_t old;

  if (ptr == NULL)
    return peak_malloc(size);
  h = (block_header *)ptr - 1;
  old = h->size;
  h = realloc(h, sizeof(*h) + size);
  if (h == NULL)
    return NULL;
  h->size = size;
  note_bytes(size, old);
  return h + 1;
}

static void
peak_free(void *ptr)
{
  block_header *h;

  if (ptr == NULL)
    return;
  h = (block_header *)ptr - 1;
  note_bytes(0, h->size);
  free(h);
}

static const waitset_allocator peak_allocator = {
  WAITSET_ALLOCATOR_VERSION, peak_malloc, peak_realloc, peak_free
};

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

/* Build `head`, `count` copies of `item`, then `tail`, in a malloc'ed
 * string; its length goes to *len. */
static char *
repeat_doc(const char *head, const char *item, size_t count,
           const char *tail, size_t *len)
{
  size_t head_len = strlen(head);
  size_t item_len = strlen(item);
  size_t tail_len = strlen(tail);
  size_t total = head_len + item_len * count + tail_len;
  char *text = malloc(total + 1);
  char *p = text;
  size_t i;

  ck_assert_ptr_nonnull(text);
  memcpy(p, head, head_len);
  p += head_len;
  for (i = 0; i < count; i++, p += item_len)
    memcpy(p, item, item_len);
  memcpy(p, tail, tail_len + 1);
  *len = total;
  return text;
}

static waitset_xml_decoder *
new_decoder(const waitset_allocator *alloc, int accept_other)
{
  waitset_xml_options opts;
  waitset_xml_decoder *dec;

  memset(&opts, 0, sizeof(opts));
  opts.size = sizeof(opts);
  opts.allocator = alloc;
  opts.accept_other_commands = accept_other;
  ck_assert_int_eq(waitset_xml_decoder_new(&dec, &opts), 0);
  return dec;
}

/* Feed `text` in pieces of `chunk` bytes (0: whole) and return the
 * result of the last feed. */
static int
feed_chunks(waitset_xml_decoder *dec, const char *text, size_t len,
            size_t chunk)
{
  size_t off = 0;
  int rc;

  for (;;) {
    size_t n = chunk == 0 || len - off < chunk ? len - off : chunk;
    int last = off + n == len;

    rc = waitset_xml_decoder_feed(dec, text + off, n, last);
    off += n;
    if (rc != 0 || last)
      return rc;
  }
}

/* ------------------------------------------------------------------ */
/* Small-chunk feeding                                                 */

/* One-byte feeds of a long token: expat 2.5 scanned the token again on
 * every call, 100,000 calls and about 5 * 10^9 bytes for this document.
 * The decoder must call expat a few times and scan each byte a few
 * times. */
START_TEST(feed_long_value_bytewise)
{
  size_t len;
  char *text = repeat_doc("<WaitSetRequest xmlns=\"urn:zimbraMail\" "
                          "seq=\"0\" waitSet=\"",
                          "w", 100000, "\"/>", &len);
  waitset_xml_decoder *dec = new_decoder(NULL, 0);
  const waitset_xml_document *doc;

  ck_assert_int_eq(feed_chunks(dec, text, len, 1), 0);
  doc = waitset_xml_decoder_document(dec);
  ck_assert_ptr_nonnull(doc);
  ck_assert_uint_eq(strlen(doc->request->waitset_id), 100000);
  ck_assert_uint_le(dec->parse_calls, 4);
  ck_assert_uint_le(dec->scanned_bytes, 3 * (uint64_t)len);
  waitset_xml_decoder_free(dec);
  free(text);
}
END_TEST

/* A 4 MB comment in 1460-byte feeds, one TCP segment each: the scan
 * stays linear because each XML_Parse call waits for as many new bytes
 * as expat holds. */
START_TEST(feed_long_comment_segments)
{
  size_t len;
  char *text = repeat_doc("<QueryWaitSetRequest xmlns=\"urn:zimbraAdmin\">"
                          "<!--",
                          "c", 4000000, "--></QueryWaitSetRequest>", &len);
  waitset_xml_decoder *dec = new_decoder(NULL, 0);

  ck_assert_int_eq(feed_chunks(dec, text, len, 1460), 0);
  ck_assert_ptr_nonnull(waitset_xml_decoder_document(dec));
  ck_assert_uint_le(dec->parse_calls, 12);
  ck_assert_uint_le(dec->scanned_bytes, 3 * (uint64_t)len);
  waitset_xml_decoder_free(dec);
  free(text);
}
END_TEST

/* Bytes count against the size limit when fed, not when parsed. */
START_TEST(feed_size_limit_before_parse)
{
  waitset_xml_options opts;
  waitset_xml_decoder *dec;
  const char *text = "<QueryWaitSetRequest xmlns=\"urn:zimbraAdmin\"/>";
  size_t i;

  memset(&opts, 0, sizeof(opts));
  opts.size = sizeof(opts);
  opts.max_document_bytes = 30;
  ck_assert_int_eq(waitset_xml_decoder_new(&dec, &opts), 0);
  for (i = 0; i < 30; i++)
    ck_assert_int_eq(waitset_xml_decoder_feed(dec, text + i, 1, 0), 0);
  ck_assert_uint_eq(dec->parse_calls, 0);
  ck_assert_int_eq(waitset_xml_decoder_feed(dec, text + 30, 1, 0),
                   WAITSET_EXML_LIMIT);
  ck_assert_uint_eq(waitset_xml_decoder_error(dec)->byte_offset, 30);
  waitset_xml_decoder_free(dec);
}
END_TEST

/* A failed allocation of the pending input is WAITSET_ENOMEM, and the
 * decoder works again after a reset. */
START_TEST(feed_pending_out_of_memory)
{
  const char *text = "<QueryWaitSetRequest xmlns=\"urn:zimbraAdmin\"/>";
  waitset_xml_decoder *dec;
  const waitset_xml_error *err;

  xt_alloc_reset(0);
  dec = new_decoder(&xt_allocator, 0);
  xt_alloc_fail_at = xt_alloc_count + 1;
  ck_assert_int_eq(waitset_xml_decoder_feed(dec, text, 5, 0),
                   WAITSET_ENOMEM);
  err = waitset_xml_decoder_error(dec);
  ck_assert_int_eq(err->code, WAITSET_ENOMEM);
  ck_assert_int_eq(err->fault, WAITSET_EFAILURE);
  ck_assert_int_eq(waitset_xml_decoder_feed(dec, text + 5, 1, 0),
                   WAITSET_ENOMEM);
  xt_alloc_fail_at = 0;
  ck_assert_int_eq(waitset_xml_decoder_reset(dec), 0);
  ck_assert_int_eq(feed_chunks(dec, text, strlen(text), 3), 0);
  ck_assert_ptr_nonnull(waitset_xml_decoder_document(dec));
  waitset_xml_decoder_free(dec);
  ck_assert_int_eq(xt_alloc_live, 0);
}
END_TEST

/* With the threshold at one byte expat sees every chunk boundary, as it
 * does for documents longer than the threshold; results must not
 * change. */
static const char *const boundary_docs[] = {
  BODY12("<WaitSetRequest xmlns=\"urn:zimbraMail\" waitSet=\"W&amp;1\" "
         "seq=\"2\"><add><a id=\"A\" types=\"m\"/><a><name>n@x</name>"
         "</a></add><!-- c --><x:y xmlns:x=\"urn:x\"/></WaitSetRequest>"),
  BODY11("<AuthRequest xmlns=\"urn:zimbraAccount\"><account by=\"name\">"
         "u\xc3\xa9@x</account><password>p&#233;</password></AuthRequest>"),
  "<WaitSetRequest xmlns=\"urn:zimbraMail\">\n  <add>\n"
  "    <a id=\"1\" id=\"2\"/>\n",
  BODY12("<WaitSetRequest xmlns=\"urn:zimbraMail\" waitSet=\"\xc3\x28\"/>"),
  "<!DOCTYPE x><x/>",
  ENV11_OPEN "<soap:Body><QueryWaitSetRequest",
  BODY12("<DestroyWaitSetRequest xmlns=\"urn:zimbraMail\">"
         "<waitSet>A</waitSet><waitSet>B</waitSet>"
         "</DestroyWaitSetRequest>"),
};

START_TEST(feed_every_boundary_same_result)
{
  const char *text = boundary_docs[_i];
  size_t len = strlen(text);
  char whole[16384];
  char part[16384];
  waitset_xml_decoder *dec = new_decoder(NULL, 1);
  size_t chunk;

  feed_chunks(dec, text, len, 0);
  xt_dump(dec, whole, sizeof(whole));
  for (chunk = 1; chunk <= 7; chunk++) {
    ck_assert_int_eq(waitset_xml_decoder_reset(dec), 0);
    dec->parse_threshold = 1;
    ck_assert_int_eq(waitset_xml_decoder_reset(dec), 0);
    feed_chunks(dec, text, len, chunk);
    xt_dump(dec, part, sizeof(part));
    ck_assert_msg(strcmp(whole, part) == 0,
                  "chunk size %zu differs:\n%s\nversus whole:\n%s", chunk,
                  part, whole);
    /* expat saw chunk boundaries: it is called again once as many
     * bytes arrived as it keeps unparsed, so more than twice for these
     * documents unless an error came first. */
    if (waitset_xml_decoder_error(dec) == NULL)
      ck_assert_uint_gt(dec->parse_calls, 2);
  }
  waitset_xml_decoder_free(dec);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Node positions                                                      */

/* Start-tag positions reported by a plain expat parser. */
typedef struct expat_positions {
  XML_Parser parser;
  uint64_t line[64];
  uint64_t column[64];
  size_t count;
} expat_positions;

static void XMLCALL
record_position(void *data, const XML_Char *name, const XML_Char **atts)
{
  expat_positions *pos = data;

  (void)name;
  (void)atts;
  ck_assert_uint_lt(pos->count, 64);
  pos->line[pos->count] = (uint64_t)XML_GetCurrentLineNumber(pos->parser);
  pos->column[pos->count] =
      (uint64_t)XML_GetCurrentColumnNumber(pos->parser) + 1;
  pos->count++;
}

static void
compare_positions(const waitset_xml_node *node, const expat_positions *pos,
                  size_t *index)
{
  const waitset_xml_node *child;

  ck_assert_uint_lt(*index, pos->count);
  ck_assert_msg(node->line == pos->line[*index],
                "element %zu <%s>: line %llu, expat %llu", *index,
                node->name, (unsigned long long)node->line,
                (unsigned long long)pos->line[*index]);
  ck_assert_msg(node->column == pos->column[*index],
                "element %zu <%s>: column %llu, expat %llu", *index,
                node->name, (unsigned long long)node->column,
                (unsigned long long)pos->column[*index]);
  (*index)++;
  for (child = node->first_child; child != NULL; child = child->next_sibling)
    compare_positions(child, pos, index);
}

/* Line ends of every kind, tabs and multibyte characters before and
 * inside start tags, in a command captured whole. */
static const char position_doc[] =
    "<Other xmlns=\"urn:x\">\n"
    "  <a\tb=\"\xc3\xa9\xe2\x82\xac\"/>\r\n"
    "\t<b>\xf0\x9f\x98\x80 text\r<c/>\r\r\n\n<d x=\"1\"\n y=\"2\"/></b>"
    "<!-- \xc3\xa9\n --><e/>\xe2\x82\xac \xc3\xa9 text \xf0\x9f\x98\x80"
    "<f/>\r"
    "</Other>";

/* Compare the node positions of a document captured whole with expat's
 * own, fed whole and in chunks of 1 to 7 bytes that expat sees. */
static void
check_positions(const char *text, size_t len, size_t elements)
{
  expat_positions pos;
  waitset_xml_decoder *dec = new_decoder(NULL, 1);
  size_t chunk;

  memset(&pos, 0, sizeof(pos));
  pos.parser = XML_ParserCreateNS("UTF-8", '\x01');
  ck_assert_ptr_nonnull(pos.parser);
  XML_SetUserData(pos.parser, &pos);
  XML_SetStartElementHandler(pos.parser, record_position);
  ck_assert_int_eq(XML_Parse(pos.parser, text, (int)len, 1), XML_STATUS_OK);
  XML_ParserFree(pos.parser);
  ck_assert_uint_eq(pos.count, elements);

  /* Chunk size 0 feeds the whole document at once. */
  for (chunk = 0; chunk <= 7; chunk++) {
    const waitset_xml_document *doc;
    size_t index = 0;

    ck_assert_int_eq(waitset_xml_decoder_reset(dec), 0);
    dec->parse_threshold = chunk == 0 ? WSX_PARSE_THRESHOLD : 1;
    ck_assert_int_eq(waitset_xml_decoder_reset(dec), 0);
    ck_assert_int_eq(feed_chunks(dec, text, len, chunk), 0);
    doc = waitset_xml_decoder_document(dec);
    ck_assert_ptr_nonnull(doc);
    compare_positions(doc->command_node, &pos, &index);
    ck_assert_uint_eq(index, pos.count);
  }
  waitset_xml_decoder_free(dec);
}

START_TEST(tree_positions_match_expat)
{
  check_positions(position_doc, strlen(position_doc), 7);
}
END_TEST

/* Lines of thousands of bytes with multibyte characters, longer than
 * the 255 blocks of 16 bytes that the vector count folds at. */
START_TEST(tree_positions_long_lines)
{
  size_t value_len;
  size_t len;
  char *value = repeat_doc("", "\xc3\xa9xyz", 1500, "", &value_len);
  char *head = malloc(value_len + 64);
  char *text;

  ck_assert_ptr_nonnull(head);
  snprintf(head, value_len + 64, "<Other xmlns=\"urn:x\"><a v=\"%s\"/>\r\n",
           value);
  text = repeat_doc(head, "\xe2\x82\xac", 3000, "<b/> \xc3\xa9<c/></Other>",
                    &len);
  check_positions(text, len, 4);
  free(text);
  free(head);
  free(value);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Memory of large documents                                           */

/* 1,000,000 unknown children of a waitset command: the request reader
 * never reads them, so they get no node. They used to cost about 150
 * bytes each, 37 times the input. */
START_TEST(tree_skips_unknown_children)
{
  size_t len;
  char *text = repeat_doc("<WaitSetRequest xmlns=\"urn:zimbraMail\" "
                          "waitSet=\"W\" seq=\"0\">",
                          "<x/>", 1000000, "</WaitSetRequest>", &len);
  waitset_xml_decoder *dec;
  const waitset_xml_document *doc;

  live_bytes = 0;
  peak_bytes = 0;
  dec = new_decoder(&peak_allocator, 0);
  ck_assert_int_eq(feed_chunks(dec, text, len, 0), 0);
  doc = waitset_xml_decoder_document(dec);
  ck_assert_str_eq(doc->request->waitset_id, "W");
  ck_assert_uint_eq(doc->command_node->child_count, 0);
  ck_assert_uint_eq(dec->elements, 1000001);
  /* expat keeps one copy of the input; the tree adds next to nothing. */
  ck_assert_uint_le(peak_bytes, 2 * len);
  waitset_xml_decoder_free(dec);
  ck_assert_uint_eq(live_bytes, 0);
  free(text);
}
END_TEST

/* 3,800,000 empty elements under another command fit the size limit;
 * decoding stops at the element limit with the tree bounded by it. */
START_TEST(tree_element_limit_default)
{
  size_t len;
  char *text = repeat_doc("<NoOpRequest xmlns=\"urn:zimbraMail\">", "<x/>",
                          3800000, "</NoOpRequest>", &len);
  waitset_xml_decoder *dec;
  const waitset_xml_error *err;

  live_bytes = 0;
  peak_bytes = 0;
  dec = new_decoder(&peak_allocator, 1);
  ck_assert_int_eq(feed_chunks(dec, text, len, 65536), WAITSET_EXML_LIMIT);
  err = waitset_xml_decoder_error(dec);
  ck_assert_int_eq(err->fault, WAITSET_EINVALID_REQUEST);
  ck_assert_str_eq(err->message, "invalid request: the document has more "
                                 "than 1500000 elements");
  ck_assert_str_eq(err->name, "x");
  ck_assert_uint_eq(err->byte_offset, 36 + 4 * 1499999);
  /* A node is 96 bytes on LP64 and the names are shared. */
  ck_assert_uint_le(peak_bytes, (size_t)WAITSET_XML_DEFAULT_MAX_ELEMENTS
                                    * (sizeof(wsx_node) + 8)
                                    + 4 * 65536);
  waitset_xml_decoder_free(dec);
  ck_assert_uint_eq(live_bytes, 0);
  free(text);
}
END_TEST

/* 256 distinct attributes on one element pass, 257 do not. */
START_TEST(tree_attribute_limit_default)
{
  char *text = malloc(64 + 257 * 16);
  waitset_xml_decoder *dec = new_decoder(NULL, 0);
  const waitset_xml_error *err;
  size_t len;
  int count;

  ck_assert_ptr_nonnull(text);
  for (count = 256; count <= 257; count++) {
    int i;

    len = (size_t)sprintf(text, "<WaitSetRequest xmlns=\"urn:zimbraMail\"");
    for (i = 0; i < count; i++)
      len += (size_t)sprintf(text + len, " a%d=\"\"", i);
    len += (size_t)sprintf(text + len, "/>");
    ck_assert_int_eq(waitset_xml_decoder_reset(dec), 0);
    if (count == 256) {
      ck_assert_int_eq(feed_chunks(dec, text, len, 0), 0);
      continue;
    }
    ck_assert_int_eq(feed_chunks(dec, text, len, 0), WAITSET_EXML_LIMIT);
    err = waitset_xml_decoder_error(dec);
    ck_assert_int_eq(err->fault, WAITSET_EINVALID_REQUEST);
    ck_assert_str_eq(err->message, "invalid request: element WaitSetRequest "
                                   "has more than 256 attributes");
    ck_assert_str_eq(err->name, "WaitSetRequest");
    ck_assert_uint_eq(err->line, 1);
    ck_assert_uint_eq(err->column, 1);
  }
  waitset_xml_decoder_free(dec);
  free(text);
}
END_TEST

static Suite *
feed_suite(void)
{
  Suite *s = suite_create("xml-feed");
  TCase *feed = tcase_create("feeding");
  TCase *tree = tcase_create("tree-memory");

  xt_add_loop_fixture(feed);
  tcase_add_test(feed, feed_long_value_bytewise);
  tcase_add_test(feed, feed_long_comment_segments);
  tcase_add_test(feed, feed_size_limit_before_parse);
  tcase_add_test(feed, feed_pending_out_of_memory);
  tcase_add_loop_test(feed, feed_every_boundary_same_result, 0,
                      (int)(sizeof(boundary_docs) / sizeof(boundary_docs[0])));
  tcase_add_test(feed, tree_positions_match_expat);
  tcase_add_test(feed, tree_positions_long_lines);
  suite_add_tcase(s, feed);

  xt_add_loop_fixture(tree);
  tcase_set_timeout(tree, 60);
  tcase_add_test(tree, tree_skips_unknown_children);
  tcase_add_test(tree, tree_element_limit_default);
  tcase_add_test(tree, tree_attribute_limit_default);
  suite_add_tcase(s, tree);
  return s;
}

int
main(void)
{
  SRunner *sr = srunner_create(feed_suite());
  int failed;

  srunner_set_tap(sr, "-");
  srunner_run_all(sr, CK_SILENT);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
