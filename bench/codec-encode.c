/* SPDX-License-Identifier: MIT */
/*
 * Encode benchmark: waitset_xml_encode_response() on a WaitSetResponse
 * with 1,000 signalled accounts and on one with expand detail (100
 * accounts, 10 items each), against expat parsing the produced document
 * with empty handlers (namespace processing on, parser reused) in the
 * same process. Target: encoding at least as fast as that parse.
 *
 * Environment: BENCH_ROUNDS (default 21); BENCH_ONLY=signals or expand
 * runs one response, e.g. under callgrind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>
#include <waitset/xml.h>

#include "bench.h"

#define TARGET_RATIO 1.0
#define ITEMS_PER_ACCOUNT 10

typedef struct encode_ctx {
  const waitset_response *resp;
  const char *doc;
  size_t doc_length;
  XML_Parser parser;
} encode_ctx;

/* Storage for a response and everything it points to. */
typedef struct response_data {
  waitset_response resp;
  waitset_signal *signals;
  char (*ids)[40];
  waitset_folder_mods *mods;
  waitset_item_info *items;
} response_data;

static void *
xcalloc(size_t count, size_t size)
{
  void *p = calloc(count, size);

  if (p == NULL) {
    fprintf(stderr, "codec-encode: out of memory\n");
    exit(1);
  }
  return p;
}

static void
build_response(response_data *data, size_t accounts, int expand)
{
  size_t i;

  memset(data, 0, sizeof(*data));
  data->signals = xcalloc(accounts, sizeof(*data->signals));
  data->ids = xcalloc(accounts, sizeof(*data->ids));
  if (expand) {
    data->mods = xcalloc(accounts, sizeof(*data->mods));
    data->items = xcalloc(accounts * ITEMS_PER_ACCOUNT,
                          sizeof(*data->items));
  }
  for (i = 0; i < accounts; i++) {
    snprintf(data->ids[i], sizeof(data->ids[i]),
             "aaaaaaaa-0000-0000-0000-%012zu", i);
    data->signals[i].account_id = data->ids[i];
    data->signals[i].change_id = 1000 + (int64_t)i;
    if (expand) {
      waitset_item_info *items = &data->items[i * ITEMS_PER_ACCOUNT];
      waitset_folder_mods *mods = &data->mods[i];
      size_t k;

      /* Six new messages, three read-state changes, one deletion. */
      for (k = 0; k < ITEMS_PER_ACCOUNT; k++) {
        items[k].id = (int32_t)(300 + k);
        items[k].imap_uid = (int32_t)(300 + k);
        items[k].type = WAITSET_ITEM_MESSAGE;
        items[k].flags = 512;
        items[k].folder_id = 2;
        items[k].change = k >= 6 && k < 9 ? WAITSET_CHANGE_UNREAD : 0;
        items[k].tags = k % 3 == 0 ? "work" : NULL;
      }
      mods->folder_id = 2;
      mods->created = items;
      mods->created_count = 6;
      mods->modified = items + 6;
      mods->modified_count = 3;
      mods->deleted = items + 9;
      mods->deleted_count = 1;
      data->signals[i].mods = mods;
      data->signals[i].mods_count = 1;
    }
  }
  data->resp.size = sizeof(data->resp);
  data->resp.op = WAITSET_OP_WAIT;
  data->resp.admin = 0;
  data->resp.waitset_id = "3f2b8c1e-5d4a-4b7e-9c0d-1a2b3c4d5e6f";
  data->resp.seq = "43";
  data->resp.signals = data->signals;
  data->resp.signal_count = accounts;
}

static void
free_response(response_data *data)
{
  free(data->signals);
  free(data->ids);
  free(data->mods);
  free(data->items);
}

static void
run_encoder(void *arg, size_t iterations)
{
  encode_ctx *ctx = arg;
  size_t i;

  for (i = 0; i < iterations; i++) {
    waitset_xml_buffer *buf;

    if (waitset_xml_encode_response(NULL, WAITSET_XML_SOAP_12, ctx->resp,
                                    &buf) != 0) {
      fprintf(stderr, "codec-encode: waitset_xml_encode_response failed\n");
      exit(1);
    }
    waitset_xml_buffer_free(buf);
  }
}

static void XMLCALL
on_start(void *data, const XML_Char *name, const XML_Char **attrs)
{
}

static void XMLCALL
on_end(void *data, const XML_Char *name)
{
}

static void XMLCALL
on_text(void *data, const XML_Char *text, int len)
{
}

static void
run_expat(void *arg, size_t iterations)
{
  encode_ctx *ctx = arg;
  size_t i;

  for (i = 0; i < iterations; i++) {
    XML_ParserReset(ctx->parser, NULL);
    XML_SetElementHandler(ctx->parser, on_start, on_end);
    XML_SetCharacterDataHandler(ctx->parser, on_text);
    if (XML_Parse(ctx->parser, ctx->doc, (int)ctx->doc_length, 1)
        != XML_STATUS_OK) {
      fprintf(stderr, "codec-encode: expat failed: %s\n",
              XML_ErrorString(XML_GetErrorCode(ctx->parser)));
      exit(1);
    }
  }
}

static int
bench_response(const char *prefix, const waitset_response *resp,
               size_t iterations, size_t rounds)
{
  encode_ctx ctx;
  bench_op measured = { run_encoder, &ctx };
  bench_op baseline = { run_expat, &ctx };
  bench_pair_result r;
  waitset_xml_buffer *buf;
  char name[128];
  int pass;

  if (waitset_xml_encode_response(NULL, WAITSET_XML_SOAP_12, resp, &buf)
      != 0) {
    fprintf(stderr, "codec-encode: waitset_xml_encode_response failed\n");
    exit(1);
  }
  ctx.resp = resp;
  ctx.doc = waitset_xml_buffer_data(buf);
  ctx.doc_length = waitset_xml_buffer_length(buf);
  ctx.parser = XML_ParserCreateNS(NULL, '\n');
  if (ctx.parser == NULL) {
    fprintf(stderr, "codec-encode: XML_ParserCreateNS failed\n");
    exit(1);
  }
  snprintf(name, sizeof(name), "%s.bytes", prefix);
  bench_figure(name, (double)ctx.doc_length, "B");
  bench_pair(&measured, &baseline, iterations, rounds, &r);
  pass = bench_report_ratio(prefix, &r, "ns/doc", TARGET_RATIO);
  XML_ParserFree(ctx.parser);
  waitset_xml_buffer_free(buf);
  return pass;
}

int
main(void)
{
  size_t rounds = (size_t)bench_env_long("BENCH_ROUNDS", 21);
  const char *only = getenv("BENCH_ONLY");
  response_data signals;
  response_data expand;
  int pass = 1;

  build_response(&signals, 1000, 0);
  build_response(&expand, 100, 1);
  if (only == NULL || strcmp(only, "signals") == 0)
    pass &= bench_response("encode.signals1000", &signals.resp, 100,
                           rounds);
  if (only == NULL || strcmp(only, "expand") == 0)
    pass &= bench_response("encode.expand100x10", &expand.resp, 100,
                           rounds);
  free_response(&signals);
  free_response(&expand);
  /* A miss still exits 0: the verdict is in the `.target` lines. */
  printf("encode.all_targets: %s\n", pass ? "pass" : "MISS");
  return 0;
}
