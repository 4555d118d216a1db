/* SPDX-License-Identifier: MIT */
/* Helpers shared by the fuzz targets and their replay driver. */
#include <stdlib.h>
#include <string.h>

#include <waitset/xml.h>

#include "fuzz_common.h"

static uint32_t
hash_str(uint32_t h, const char *s)
{
  if (s == NULL)
    return h * 31u + 7u;
  for (; *s != '\0'; s++)
    h = h * 16777619u ^ (unsigned char)*s;
  return h * 31u + 1u;
}

static uint32_t
hash_node(uint32_t h, const waitset_xml_node *node)
{
  const waitset_xml_node *child;
  size_t i;

  h = hash_str(h, node->name);
  h = hash_str(h, node->namespace_uri);
  h = hash_str(h, node->text);
  for (i = 0; i < node->attr_count; i++) {
    h = hash_str(h, node->attrs[i].name);
    h = hash_str(h, node->attrs[i].value);
  }
  for (child = node->first_child; child != NULL; child = child->next_sibling)
    h = hash_node(h, child);
  return h;
}

static uint32_t
hash_request(uint32_t h, const waitset_request *req)
{
  size_t i;

  h = h * 31u + (uint32_t)req->op * 2u + (uint32_t)req->admin;
  h = hash_str(h, req->waitset_id);
  h = hash_str(h, req->seq);
  h = hash_str(h, req->def_types);
  h = hash_str(h, req->timeout);
  h = hash_str(h, req->block);
  h = hash_str(h, req->expand);
  h = hash_str(h, req->all_accounts);
  for (i = 0; i < req->add_count; i++) {
    h = hash_str(h, req->add[i].id);
    h = hash_str(h, req->add[i].name);
    h = hash_str(h, req->add[i].types);
  }
  for (i = 0; i < req->update_count; i++)
    h = hash_str(h, req->update[i].id);
  for (i = 0; i < req->remove_count; i++)
    h = hash_str(h, req->remove[i].id);
  return h;
}

int
fuzz_decode(const uint8_t *data, size_t size, size_t chunk, int accept_other)
{
  waitset_xml_options opts;
  waitset_xml_decoder *dec;
  const waitset_xml_document *doc;
  const waitset_xml_error *err;
  size_t off = 0;
  int rc = 0;
  uint32_t h;

  memset(&opts, 0, sizeof(opts));
  opts.size = sizeof(opts);
  opts.accept_other_commands = accept_other;
  opts.max_accounts = 50;
  opts.max_value_bytes = 4096;
  if (waitset_xml_decoder_new(&dec, &opts) != 0)
    abort();
  while (rc == 0) {
    size_t n = size - off < chunk ? size - off : chunk;
    int last = off + n == size;

    rc = waitset_xml_decoder_feed(dec, data + off, n, last);
    off += n;
    if (last)
      break;
  }
  doc = waitset_xml_decoder_document(dec);
  err = waitset_xml_decoder_error(dec);
  if ((rc == 0) != (doc != NULL) || (rc != 0) != (err != NULL))
    abort();
  if (rc != 0) {
    waitset_xml_buffer *buf;

    if (err->code != rc || err->message == NULL || err->fault >= 0)
      abort();
    /* expat reports a chunking-dependent position for some bytes before
     * the root element, so the message and position are not compared. */
    h = (uint32_t)-rc * 131u + (uint32_t)-err->fault;
    h = h * 31u + (uint32_t)err->soap_version;
    if (waitset_xml_encode_error(NULL, err, &buf) != 0)
      abort();
    waitset_xml_buffer_free(buf);
  } else {
    h = (uint32_t)doc->command * 977u + (uint32_t)doc->soap_version;
    h = hash_node(h, doc->command_node);
    h = hash_str(h, doc->context->auth_token);
    if (doc->request != NULL)
      h = hash_request(h, doc->request);
  }
  waitset_xml_decoder_free(dec);
  return (int)(h & 0x3fffffff);
}

/* Write a node and its subtree with the generic writer. Text goes before
 * the children, so mixed content is compared as concatenated text. */
static int
write_node(waitset_xml_writer *w, const waitset_xml_node *node,
           const char *parent_ns)
{
  const waitset_xml_node *child;
  size_t i;
  int rc;

  rc = waitset_xml_writer_start(w, node->name,
                                strcmp(node->namespace_uri, parent_ns) == 0
                                    ? NULL
                                    : node->namespace_uri);
  for (i = 0; rc == 0 && i < node->attr_count; i++) {
    /* Namespaced attributes have no writer form; skip them. */
    if (node->attrs[i].namespace_uri[0] == '\0')
      rc = waitset_xml_writer_attr(w, node->attrs[i].name,
                                   node->attrs[i].value);
  }
  if (rc == 0 && node->text[0] != '\0')
    rc = waitset_xml_writer_text(w, node->text);
  for (child = node->first_child; rc == 0 && child != NULL;
       child = child->next_sibling)
    rc = write_node(w, child, node->namespace_uri);
  if (rc == 0)
    rc = waitset_xml_writer_end(w);
  return rc;
}

static int
same_tree(const waitset_xml_node *a, const waitset_xml_node *b)
{
  const waitset_xml_node *ca;
  const waitset_xml_node *cb;
  size_t i;
  size_t j = 0;

  if (strcmp(a->name, b->name) != 0
      || strcmp(a->namespace_uri, b->namespace_uri) != 0
      || strcmp(a->text, b->text) != 0 || a->child_count != b->child_count)
    return 0;
  for (i = 0; i < a->attr_count; i++) {
    if (a->attrs[i].namespace_uri[0] != '\0')
      continue;
    if (j >= b->attr_count || strcmp(a->attrs[i].name, b->attrs[j].name) != 0
        || strcmp(a->attrs[i].value, b->attrs[j].value) != 0)
      return 0;
    j++;
  }
  if (j != b->attr_count)
    return 0;
  for (ca = a->first_child, cb = b->first_child; ca != NULL && cb != NULL;
       ca = ca->next_sibling, cb = cb->next_sibling) {
    if (!same_tree(ca, cb))
      return 0;
  }
  return ca == NULL && cb == NULL;
}

/* Return 1 when the generic writer can reproduce the tree: names match
 * its name syntax and the text carries no characters it replaces. */
static int
writable_name(const char *name)
{
  const char *p;

  for (p = name; *p != '\0'; p++) {
    if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')
          || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'
          || *p == '.'))
      return 0;
  }
  return !(name[0] == '-' || name[0] == '.'
           || (name[0] >= '0' && name[0] <= '9'));
}

static int
writable(const waitset_xml_node *node)
{
  const waitset_xml_node *child;
  size_t i;

  if (!writable_name(node->name))
    return 0;
  for (i = 0; i < node->attr_count; i++) {
    if (node->attrs[i].namespace_uri[0] == '\0'
        && !writable_name(node->attrs[i].name))
      return 0;
  }
  for (child = node->first_child; child != NULL; child = child->next_sibling)
    if (!writable(child))
      return 0;
  return 1;
}

/* Encode a response built from a decoded waitset request, with the
 * request's strings as ids, decode it and compare. */
static void
roundtrip_response(const waitset_request *req)
{
  waitset_account_error errors[8];
  waitset_signal signals[8];
  waitset_item_info item;
  waitset_folder_mods mods;
  waitset_response resp;
  waitset_xml_buffer *buf = NULL;
  waitset_xml_decoder *dec;
  waitset_xml_options opts;
  const waitset_xml_node *cmd;
  const waitset_xml_node *child;
  size_t count = req->add_count < 8 ? req->add_count : 8;
  size_t i;

  memset(&resp, 0, sizeof(resp));
  memset(&item, 0, sizeof(item));
  memset(&mods, 0, sizeof(mods));
  memset(signals, 0, sizeof(signals));
  resp.size = sizeof(resp);
  resp.op = req->op;
  resp.admin = req->admin;
  resp.waitset_id = req->waitset_id != NULL ? req->waitset_id : "";
  resp.def_types = req->def_types;
  resp.seq = req->seq;
  item.id = 1;
  item.type = WAITSET_ITEM_MESSAGE;
  item.tags = req->def_types;
  mods.created = &item;
  mods.created_count = 1;
  for (i = 0; i < count; i++) {
    const char *id = req->add[i].id != NULL ? req->add[i].id : "";

    errors[i].account_id = id;
    errors[i].code = (int32_t)(i % 8) + 1;
    signals[i].account_id = id;
    signals[i].change_id = (int64_t)i;
    signals[i].mods = &mods;
    signals[i].mods_count = 1;
  }
  resp.errors = errors;
  resp.error_count = count;
  resp.signals = signals;
  resp.signal_count = req->op == WAITSET_OP_WAIT ? count : 0;
  if (req->op == WAITSET_OP_QUERY)
    return;
  if (waitset_xml_encode_response(NULL, 12, &resp, &buf) != 0)
    abort();

  memset(&opts, 0, sizeof(opts));
  opts.size = sizeof(opts);
  opts.accept_other_commands = 1;
  if (waitset_xml_decoder_new(&dec, &opts) != 0)
    abort();
  if (waitset_xml_decoder_feed(dec, waitset_xml_buffer_data(buf),
                               waitset_xml_buffer_length(buf), 1)
      != 0)
    abort();
  cmd = waitset_xml_decoder_document(dec)->command_node;
  if (strcmp(cmd->name, waitset_xml_response_name(req->op, req->admin)) != 0
      || strcmp(waitset_xml_node_attr(cmd, "waitSet"), resp.waitset_id) != 0)
    abort();
  if (req->op != WAITSET_OP_DESTROY) {
    child = waitset_xml_node_child(cmd, NULL, "error");
    for (i = 0; i < count; i++) {
      if (child == NULL
          || strcmp(waitset_xml_node_attr(child, "id"), errors[i].account_id)
                 != 0)
        abort();
      child = waitset_xml_node_child(cmd, child, "error");
    }
    if (child != NULL)
      abort();
  }
  waitset_xml_decoder_free(dec);
  waitset_xml_buffer_free(buf);
}

void
fuzz_roundtrip(const uint8_t *data, size_t size)
{
  waitset_xml_options opts;
  waitset_xml_decoder *first;
  waitset_xml_decoder *second;
  waitset_xml_writer *w;
  waitset_xml_buffer *buf = NULL;
  const waitset_xml_document *doc;
  const waitset_xml_document *again;
  int rc;

  memset(&opts, 0, sizeof(opts));
  opts.size = sizeof(opts);
  opts.accept_other_commands = 1;
  if (waitset_xml_decoder_new(&first, &opts) != 0
      || waitset_xml_decoder_new(&second, &opts) != 0)
    abort();
  rc = waitset_xml_decoder_feed(first, data, size, 1);
  if (rc != 0) {
    const waitset_xml_error *err = waitset_xml_decoder_error(first);

    /* The Fault of a decoding error must decode to the same reason. */
    if (waitset_xml_encode_error(NULL, err, &buf) != 0)
      abort();
    if (waitset_xml_decoder_feed(second, waitset_xml_buffer_data(buf),
                                 waitset_xml_buffer_length(buf), 1)
        != 0)
      abort();
    again = waitset_xml_decoder_document(second);
    if (again->fault == NULL || again->fault->reason == NULL
        || strcmp(again->fault->reason, err->message) != 0)
      abort();
  } else {
    doc = waitset_xml_decoder_document(first);
    if (doc->request != NULL)
      roundtrip_response(doc->request);
    if (writable(doc->command_node)) {
      if (waitset_xml_writer_new(&w, NULL, doc->soap_version == 11 ? 11 : 12)
          != 0)
        abort();
      rc = write_node(w, doc->command_node, "");
      if (rc == 0)
        rc = waitset_xml_writer_finish(w, &buf);
      waitset_xml_writer_free(w);
      if (rc != 0)
        abort();
      rc = waitset_xml_decoder_feed(second, waitset_xml_buffer_data(buf),
                                    waitset_xml_buffer_length(buf), 1);
      /* Text with characters the writer replaces cannot compare equal;
       * everything else must come back unchanged. */
      if (rc == 0) {
        again = waitset_xml_decoder_document(second);
        if (!same_tree(doc->command_node, again->command_node)
            && strstr(waitset_xml_buffer_data(buf), "\xef\xbf\xbd") == NULL)
          abort();
      } else if (rc != WAITSET_EXML_SCHEMA && rc != WAITSET_EXML_LIMIT) {
        /* A repeated field of a waitset command stays an error, and the
         * envelope adds two levels of depth; nothing else may fail. */
        abort();
      }
    }
  }
  waitset_xml_buffer_free(buf);
  waitset_xml_decoder_free(first);
  waitset_xml_decoder_free(second);
}
