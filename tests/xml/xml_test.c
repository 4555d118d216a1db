/* SPDX-License-Identifier: MIT */
/* Helpers of the codec tests. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "xml_test.h"

static uv_loop_t test_loop;

static void
loop_setup(void)
{
  ck_assert_int_eq(uv_loop_init(&test_loop), 0);
}

static void
loop_teardown(void)
{
  uv_run(&test_loop, UV_RUN_DEFAULT);
  ck_assert_int_eq(uv_loop_close(&test_loop), 0);
}

void
xt_add_loop_fixture(TCase *tc)
{
  tcase_add_checked_fixture(tc, loop_setup, loop_teardown);
}

const char *
xt_str(const char *s)
{
  return s != NULL ? s : "(null)";
}

/* ------------------------------------------------------------------ */
/* Canonical dump                                                      */

typedef struct dump {
  char *out;
  size_t cap;
  size_t len;
} dump;

static void
put(dump *d, const char *fmt, ...)
{
  va_list ap;
  int n;

  va_start(ap, fmt);
  n = vsnprintf(d->out + d->len, d->cap - d->len, fmt, ap);
  va_end(ap);
  ck_assert_int_ge(n, 0);
  ck_assert_msg((size_t)n < d->cap - d->len, "dump buffer too small");
  d->len += (size_t)n;
}

static void
dump_node(dump *d, const waitset_xml_node *node, int level)
{
  const waitset_xml_node *child;
  size_t i;

  put(d, "%*s{%s}%s @%llu:%llu", level * 2, "", node->namespace_uri,
      node->name, (unsigned long long)node->line,
      (unsigned long long)node->column);
  for (i = 0; i < node->attr_count; i++)
    put(d, " {%s}%s=[%s]", node->attrs[i].namespace_uri, node->attrs[i].name,
        node->attrs[i].value);
  put(d, " text=[%s] n=%zu\n", node->text, node->child_count);
  for (child = node->first_child; child != NULL; child = child->next_sibling)
    dump_node(d, child, level + 1);
}

static void
dump_specs(dump *d, const char *what, const waitset_account_spec *s,
           size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    put(d, "%s id=%s name=%s token=%s types=%s fi=%s\n", what,
        xt_str(s[i].id), xt_str(s[i].name), xt_str(s[i].token),
        xt_str(s[i].types), xt_str(s[i].folder_interests));
}

void
xt_dump(const waitset_xml_decoder *dec, char *out, size_t cap)
{
  const waitset_xml_document *doc = waitset_xml_decoder_document(dec);
  const waitset_xml_error *err = waitset_xml_decoder_error(dec);
  dump d = { out, cap, 0 };

  out[0] = '\0';
  if (err != NULL) {
    put(&d, "error %d fault %d [%s] name=%s at %llu:%llu+%llu soap %d\n",
        err->code, err->fault, err->message, xt_str(err->name),
        (unsigned long long)err->line, (unsigned long long)err->column,
        (unsigned long long)err->byte_offset, (int)err->soap_version);
    return;
  }
  ck_assert_ptr_nonnull(doc);
  put(&d, "soap %d command %d\n", (int)doc->soap_version, (int)doc->command);
  if (doc->context->present) {
    const waitset_xml_context *c = doc->context;

    put(&d, "context token=%s nosession=%d session=%d id=%s ws=%s by=%s "
            "account=%s ua=%s/%s format=%s\n",
        xt_str(c->auth_token), (int)c->nosession, (int)c->session,
        xt_str(c->session_id), xt_str(c->session_ws_id),
        xt_str(c->account_by), xt_str(c->account),
        xt_str(c->user_agent_name), xt_str(c->user_agent_version),
        xt_str(c->format_type));
  }
  if (doc->request != NULL) {
    const waitset_request *r = doc->request;

    put(&d, "request op=%d admin=%d ws=%s seq=%s def=%s timeout=%s "
            "block=%s expand=%s all=%s\n",
        (int)r->op, (int)r->admin, xt_str(r->waitset_id), xt_str(r->seq),
        xt_str(r->def_types), xt_str(r->timeout), xt_str(r->block),
        xt_str(r->expand), xt_str(r->all_accounts));
    dump_specs(&d, "add", r->add, r->add_count);
    dump_specs(&d, "update", r->update, r->update_count);
    dump_specs(&d, "remove", r->remove, r->remove_count);
  }
  if (doc->fault != NULL) {
    size_t i;

    put(&d, "fault %s [%s] %s\n", xt_str(doc->fault->soap_code),
        xt_str(doc->fault->reason), xt_str(doc->fault->code));
    for (i = 0; i < doc->fault->arg_count; i++)
      put(&d, "arg %s %s %s\n", xt_str(doc->fault->args[i].name),
          xt_str(doc->fault->args[i].type),
          xt_str(doc->fault->args[i].value));
  }
  dump_node(&d, doc->command_node, 0);
}

/* ------------------------------------------------------------------ */
/* Decoding in every chunking                                          */

static waitset_xml_decoder *
decode_chunked(const char *text, size_t len, size_t chunk,
               const waitset_xml_options *opts, int *rc)
{
  waitset_xml_decoder *dec;
  size_t off = 0;

  ck_assert_int_eq(waitset_xml_decoder_new(&dec, opts), 0);
  *rc = 0;
  for (;;) {
    size_t n = chunk == 0 || len - off < chunk ? len - off : chunk;
    int last = off + n == len;

    *rc = waitset_xml_decoder_feed(dec, text + off, n, last);
    off += n;
    if (*rc != 0 || last)
      break;
  }
  return dec;
}

waitset_xml_decoder *
xt_decode_opts(const char *text, size_t len, const waitset_xml_options *opts,
               int *rc)
{
  static char whole[65536];
  static char part[65536];
  waitset_xml_decoder *dec = decode_chunked(text, len, 0, opts, rc);
  size_t chunk;

  xt_dump(dec, whole, sizeof(whole));
  for (chunk = 1; chunk <= 7; chunk++) {
    int chunk_rc;
    waitset_xml_decoder *other =
        decode_chunked(text, len, chunk, opts, &chunk_rc);

    xt_dump(other, part, sizeof(part));
    ck_assert_int_eq(chunk_rc, *rc);
    ck_assert_msg(strcmp(whole, part) == 0,
                  "chunk size %zu differs:\n%s\nversus whole:\n%s", chunk,
                  part, whole);
    waitset_xml_decoder_free(other);
  }
  return dec;
}

waitset_xml_decoder *
xt_decode(const char *text, int accept_other, int *rc)
{
  waitset_xml_options opts;

  memset(&opts, 0, sizeof(opts));
  opts.size = sizeof(opts);
  opts.accept_other_commands = accept_other;
  return xt_decode_opts(text, strlen(text), &opts, rc);
}

/* ------------------------------------------------------------------ */
/* Failing allocator                                                   */

long xt_alloc_fail_at;
long xt_alloc_count;
long xt_alloc_live;

static int
should_fail(void)
{
  xt_alloc_count++;
  return xt_alloc_fail_at > 0 && xt_alloc_count >= xt_alloc_fail_at;
}

static void *
fail_malloc(size_t size)
{
  void *p;

  if (should_fail())
    return NULL;
  p = malloc(size);
  if (p != NULL)
    xt_alloc_live++;
  return p;
}

static void *
fail_realloc(void *ptr, size_t size)
{
  void *p;

  if (should_fail())
    return NULL;
  p = realloc(ptr, size);
  if (p != NULL && ptr == NULL)
    xt_alloc_live++;
  return p;
}

static void
fail_free(void *ptr)
{
  if (ptr != NULL)
    xt_alloc_live--;
  free(ptr);
}

const waitset_allocator xt_allocator = {
  WAITSET_ALLOCATOR_VERSION, fail_malloc, fail_realloc, fail_free
};

void
xt_alloc_reset(long fail_at)
{
  xt_alloc_fail_at = fail_at;
  xt_alloc_count = 0;
  xt_alloc_live = 0;
}
