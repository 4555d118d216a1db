/* SPDX-License-Identifier: MIT */
/*
 * The streaming decoder: expat events build a node tree of the context
 * header and of the command element, under the size, depth, count and
 * value limits. Everything else of the envelope is skipped. After the
 * final chunk, request.c turns the tree into the decoded document.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__linux__)
#include <sys/random.h>
#endif
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "decoder.h"

/* Separator between namespace URI and local name in expat's names. The
 * byte cannot occur in XML 1.0 text, not even as a character reference. */
#define NS_SEP '\x01'

static const char *const request_names[] = {
  NULL,
  "CreateWaitSetRequest",
  "WaitSetRequest",
  "DestroyWaitSetRequest",
  "AdminCreateWaitSetRequest",
  "AdminWaitSetRequest",
  "AdminDestroyWaitSetRequest",
  "QueryWaitSetRequest",
};

const char *
waitset_xml_command_name(int command)
{
  if (command < WAITSET_XML_CMD_CREATE || command > WAITSET_XML_CMD_QUERY)
    return NULL;
  return request_names[command];
}

/* ------------------------------------------------------------------ */
/* Errors                                                              */

static void
set_position(waitset_xml_decoder *dec, uint64_t line, uint64_t column,
             uint64_t offset)
{
  dec->error.line = line;
  dec->error.column = column;
  dec->error.byte_offset = offset;
}

static void
set_position_from_parser(waitset_xml_decoder *dec)
{
  XML_Index index = XML_GetCurrentByteIndex(dec->parser);

  set_position(dec, (uint64_t)XML_GetCurrentLineNumber(dec->parser),
               (uint64_t)XML_GetCurrentColumnNumber(dec->parser) + 1,
               index < 0 ? 0 : (uint64_t)index);
}

static void
set_oom(waitset_xml_decoder *dec)
{
  dec->error.code = WAITSET_ENOMEM;
  dec->error.fault = WAITSET_EFAILURE;
  dec->error.message = "system failure: out of memory";
  dec->error.name = NULL;
  dec->has_error = 1;
}

/* Record the first error of a document; the message is built from the
 * buffer `msg`, which is consumed. Returns the error code. */
int
wsx_decoder_fail(waitset_xml_decoder *dec, int code, int fault,
                 const char *name, wsx_buf *msg)
{
  if (dec->has_error) {
    wsx_buf_free(msg);
    return dec->error.code;
  }
  dec->has_error = 1;
  dec->error.code = code;
  dec->error.fault = fault;
  dec->error.name = NULL;
  dec->error.message = NULL;
  if (msg->data != NULL)
    dec->error.message = wsx_arena_strndup(&dec->arena, msg->data, msg->len);
  wsx_buf_free(msg);
  if (name != NULL)
    dec->error.name = wsx_arena_strndup(&dec->arena, name, strlen(name));
  if (dec->error.message == NULL || (name != NULL && dec->error.name == NULL))
    set_oom(dec);
  return dec->error.code;
}

/* Stop expat from inside a handler after an error was recorded. */
static void
abort_parse(waitset_xml_decoder *dec)
{
  XML_StopParser(dec->parser, XML_FALSE);
}

static void
fail_oom_in_handler(waitset_xml_decoder *dec)
{
  if (!dec->has_error) {
    set_position_from_parser(dec);
    set_oom(dec);
  }
  abort_parse(dec);
}

/* Record an error at the parser's position from a message prefix, an
 * optional quoted value and a suffix, then stop expat. */
static void
fail_in_handler(waitset_xml_decoder *dec, int code, int fault,
                const char *name, const char *prefix, const char *value,
                const char *suffix)
{
  wsx_buf msg;
  int rc;

  if (dec->has_error) {
    abort_parse(dec);
    return;
  }
  set_position_from_parser(dec);
  wsx_buf_init(&msg, &dec->alloc);
  rc = wsx_buf_puts(&msg, prefix);
  if (rc == 0 && value != NULL)
    rc = wsx_buf_quote(&msg, value);
  if (rc == 0 && suffix != NULL)
    rc = wsx_buf_puts(&msg, suffix);
  if (rc != 0) {
    wsx_buf_free(&msg);
    set_oom(dec);
  } else {
    wsx_decoder_fail(dec, code, fault, name, &msg);
  }
  abort_parse(dec);
}

/* ------------------------------------------------------------------ */
/* Names                                                               */

/* Split an expat name "URI\1local" into its parts; ns is "" when absent. */
static void
split_name(const char *qname, const char **ns, size_t *ns_len,
           const char **local)
{
  const char *sep = strchr(qname, NS_SEP);

  if (sep == NULL) {
    *ns = "";
    *ns_len = 0;
    *local = qname;
  } else {
    *ns = qname;
    *ns_len = (size_t)(sep - qname);
    *local = sep + 1;
  }
}

static int
ns_equals(const char *ns, size_t ns_len, const char *expected)
{
  return strlen(expected) == ns_len && memcmp(ns, expected, ns_len) == 0;
}

static const char *
soap_namespace(int version)
{
  return version == WAITSET_XML_SOAP_11 ? WAITSET_XML_NS_SOAP11
                                        : WAITSET_XML_NS_SOAP12;
}

/* Decide whether the command element is acceptable; 0 or an error was
 * recorded and expat stopped. */
static int
classify_command(waitset_xml_decoder *dec, const char *ns, size_t ns_len,
                 const char *local, const char *qname_for_message)
{
  int cmd;
  int known_name = 0;

  for (cmd = WAITSET_XML_CMD_CREATE; cmd <= WAITSET_XML_CMD_QUERY; cmd++) {
    const char *want_ns = cmd <= WAITSET_XML_CMD_DESTROY
                              ? WAITSET_XML_NS_MAIL
                              : WAITSET_XML_NS_ADMIN;

    if (strcmp(local, request_names[cmd]) != 0)
      continue;
    known_name = 1;
    if (ns_equals(ns, ns_len, want_ns)) {
      dec->command = cmd;
      return 0;
    }
  }
  dec->command = WAITSET_XML_CMD_OTHER;
  if (!known_name && dec->opts.accept_other_commands)
    return 0;
  fail_in_handler(dec, WAITSET_EXML_UNKNOWN, WAITSET_EUNKNOWN_DOCUMENT,
                  local, "unknown document: ", qname_for_message, NULL);
  return -1;
}

/* ------------------------------------------------------------------ */
/* Frames                                                              */

static int
push_frame(waitset_xml_decoder *dec, int role, wsx_node *node)
{
  wsx_frame *frame;

  if (dec->depth == dec->frame_cap) {
    size_t cap = dec->frame_cap ? dec->frame_cap * 2 : 8;
    wsx_frame *frames =
        dec->alloc.realloc(dec->frames, cap * sizeof(*frames));

    if (frames == NULL)
      return WAITSET_ENOMEM;
    dec->frames = frames;
    dec->frame_cap = cap;
  }
  frame = &dec->frames[dec->depth];
  frame->role = role;
  frame->node = node;
  frame->last_child = NULL;
  frame->a_count = 0;
  wsx_buf_init(&frame->text, &dec->alloc);
  dec->depth++;
  return 0;
}

static wsx_frame *
top_frame(waitset_xml_decoder *dec)
{
  return dec->depth > 0 ? &dec->frames[dec->depth - 1] : NULL;
}

/* Copy a name into the arena. The empty string and a string equal to
 * `same` (a name already in the tree) are shared instead, so that
 * repeated elements cost no name strings. */
static const char *
copy_name(waitset_xml_decoder *dec, const char *s, size_t len,
          const char *same)
{
  if (len == 0)
    return "";
  if (same != NULL && strncmp(same, s, len) == 0 && same[len] == '\0')
    return same;
  return wsx_arena_strndup(&dec->arena, s, len);
}

/* Compare two NUL-terminated strings. Inlined, this costs less than a
 * strcmp() call for names of a few bytes. */
static int
short_strings_equal(const char *a, const char *b)
{
  while (*a != '\0' && *a == *b) {
    a++;
    b++;
  }
  return *a == *b;
}

/* Copy a NUL-terminated local name like copy_name(), comparing it with
 * `same` before measuring it. */
static const char *
copy_local_name(waitset_xml_decoder *dec, const char *s, const char *same)
{
  if (s[0] == '\0')
    return "";
  if (same != NULL && short_strings_equal(same, s))
    return same;
  return wsx_arena_strndup(&dec->arena, s, strlen(s));
}

/* Lengths of the first attribute values of a start tag, measured once by
 * check_attr_sizes() and used again by new_node(). */
#define WSX_VALUE_LENGTHS 16

typedef struct value_lengths {
  size_t len[WSX_VALUE_LENGTHS];
} value_lengths;

static size_t
value_length(const value_lengths *lengths, const char **atts, size_t i)
{
  return i < WSX_VALUE_LENGTHS ? lengths->len[i] : strlen(atts[2 * i + 1]);
}

/* Fill the attributes of a node whose array and value bytes were
 * allocated with it; the previous sibling's attribute names are shared
 * where they match. Returns -1 on allocation failure. */
static int
copy_attrs(waitset_xml_decoder *dec, wsx_node *node, const wsx_node *sibling,
           const char **atts, const value_lengths *lengths,
           waitset_xml_attr *attrs, char *values)
{
  size_t i;

  for (i = 0; i < node->pub.attr_count; i++) {
    const char *same = NULL;
    const char *a_ns;
    size_t a_ns_len;
    const char *a_local;
    size_t len = value_length(lengths, atts, i);

    if (sibling != NULL && i < sibling->pub.attr_count)
      same = sibling->pub.attrs[i].name;
    split_name(atts[2 * i], &a_ns, &a_ns_len, &a_local);
    attrs[i].name = copy_local_name(dec, a_local, same);
    attrs[i].namespace_uri = copy_name(dec, a_ns, a_ns_len,
                                       node->pub.namespace_uri);
    if (attrs[i].name == NULL || attrs[i].namespace_uri == NULL)
      return -1;
    if (len == 0) {
      attrs[i].value = "";
      continue;
    }
    memcpy(values, atts[2 * i + 1], len + 1);
    attrs[i].value = values;
    values += len + 1;
  }
  node->pub.attrs = node->pub.attr_count > 0 ? attrs : NULL;
  return 0;
}

/* Line and 0-based column while counting bytes the way expat 2.5 does:
 * LF, CR and CR LF each end a line, and every byte that is not a UTF-8
 * continuation byte (10xxxxxx) starts a character. The bytes before an
 * event are well-formed, so this matches expat's count. */
typedef struct text_position {
  uint64_t line;
  uint64_t column;
  int after_cr; /* the last byte was a CR, so an LF next ends no line */
} text_position;

static void
advance_byte(text_position *pos, unsigned char c)
{
  if (c == '\n' && pos->after_cr) {
    pos->after_cr = 0;
    return;
  }
  pos->after_cr = c == '\r';
  if (c == '\n' || c == '\r') {
    pos->line++;
    pos->column = 0;
  } else if ((c & 0xC0u) != 0x80u) {
    pos->column++;
  }
}

#if defined(__SSE2__)
/* Subtract the continuation bytes summed per lane in `counts` from the
 * column, which counted every byte of the blocks, and clear them. */
static void
fold_continuation_counts(text_position *pos, __m128i *counts)
{
  __m128i sums = _mm_sad_epu8(*counts, _mm_setzero_si128());

  pos->column -= (uint64_t)_mm_cvtsi128_si32(sums)
                 + (uint64_t)_mm_extract_epi16(sums, 4);
  *counts = _mm_setzero_si128();
}

/* Advance over p[0..len) sixteen bytes at a time. A block without CR or
 * LF adds its bytes minus its continuation bytes to the column; a block
 * with one goes byte by byte. The per-lane counts are folded before a
 * lane can wrap at 255 and before a line end resets the column. */
static void
advance_position(text_position *pos, const char *p, size_t len)
{
  const unsigned char *u = (const unsigned char *)p;
  const __m128i lf = _mm_set1_epi8('\n');
  const __m128i cr = _mm_set1_epi8('\r');
  const __m128i top_bits = _mm_set1_epi8((char)0xC0);
  const __m128i continuation = _mm_set1_epi8((char)0x80);
  __m128i counts = _mm_setzero_si128();
  unsigned blocks = 0;
  size_t i = 0;

  for (; i + 16 <= len; i += 16) {
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(u + i));
    __m128i nl = _mm_or_si128(_mm_cmpeq_epi8(v, lf), _mm_cmpeq_epi8(v, cr));

    if (_mm_movemask_epi8(nl) != 0) {
      size_t j;

      fold_continuation_counts(pos, &counts);
      blocks = 0;
      for (j = 0; j < 16; j++)
        advance_byte(pos, u[i + j]);
      continue;
    }
    pos->after_cr = 0;
    pos->column += 16;
    counts = _mm_sub_epi8(
        counts,
        _mm_cmpeq_epi8(_mm_and_si128(v, top_bits), continuation));
    if (++blocks == 255) {
      fold_continuation_counts(pos, &counts);
      blocks = 0;
    }
  }
  fold_continuation_counts(pos, &counts);
  for (; i < len; i++)
    advance_byte(pos, u[i]);
}
#else
static void
advance_position(text_position *pos, const char *p, size_t len)
{
  size_t i;

  for (i = 0; i < len; i++)
    advance_byte(pos, (const unsigned char)p[i]);
}
#endif

/* Set the line, column and offset of a node from the current start tag.
 * XML_GetCurrentLineNumber() makes expat run its position updater over
 * every byte since its last call, about 12 instructions a byte (expat
 * 2.5). Instead, the bytes since the previous node are counted here in
 * expat's input buffer. When they are no longer in that buffer, or expat
 * was built without XML_CONTEXT_BYTES, expat's own functions are used. */
static void
node_position(waitset_xml_decoder *dec, wsx_node *node)
{
  XML_Index index = XML_GetCurrentByteIndex(dec->parser);
  int event_offset = 0;
  int size = 0;
  const char *buffer;
  uint64_t start;

  if (index < 0)
    index = 0;
  node->offset = (uint64_t)index;
  buffer = XML_GetInputContext(dec->parser, &event_offset, &size);
  if (buffer != NULL && event_offset >= 0 && event_offset <= size
      && (uint64_t)event_offset <= node->offset) {
    start = node->offset - (uint64_t)event_offset;
    if (dec->pos_offset >= start && dec->pos_offset <= node->offset) {
      /* The previous position is at a '<', so no CR precedes it. */
      text_position pos = { dec->pos_line, dec->pos_column, 0 };

      advance_position(&pos, buffer + (dec->pos_offset - start),
                       (size_t)(node->offset - dec->pos_offset));
      dec->pos_offset = node->offset;
      dec->pos_line = pos.line;
      dec->pos_column = pos.column;
      node->pub.line = pos.line;
      node->pub.column = pos.column + 1;
      return;
    }
  }
  dec->pos_offset = node->offset;
  dec->pos_line = (uint64_t)XML_GetCurrentLineNumber(dec->parser);
  dec->pos_column = (uint64_t)XML_GetCurrentColumnNumber(dec->parser);
  node->pub.line = dec->pos_line;
  node->pub.column = dec->pos_column + 1;
}

/* Build a captured node with its attributes and append it to the node of
 * the parent frame, when there is one. The node, its attribute array and
 * its attribute values share one arena allocation. */
static wsx_node *
new_node(waitset_xml_decoder *dec, wsx_frame *parent, const char *ns,
         size_t ns_len, const char *local, const char **atts,
         const value_lengths *lengths)
{
  const wsx_node *sibling = parent != NULL ? parent->last_child : NULL;
  const char *same_ns = NULL;
  size_t count = 0;
  size_t size;
  size_t i;
  wsx_node *node;
  waitset_xml_attr *attrs;

  while (atts[2 * count] != NULL)
    count++;
  /* sizeof(wsx_node) is a multiple of the pointer size, so the array
   * that follows it is aligned. Every value is shorter than the
   * document, which is in memory, so the sum cannot overflow. */
  size = sizeof(*node) + count * sizeof(*attrs);
  for (i = 0; i < count; i++) {
    size_t len = value_length(lengths, atts, i);

    if (len > 0)
      size += len + 1;
  }
  node = wsx_arena_alloc(&dec->arena, size);
  if (node == NULL)
    return NULL;
  attrs = (waitset_xml_attr *)(void *)(node + 1);
  if (parent != NULL)
    same_ns = parent->node->pub.namespace_uri;
  node->pub.name = copy_local_name(dec, local,
                                   sibling != NULL ? sibling->pub.name : NULL);
  node->pub.namespace_uri = copy_name(dec, ns, ns_len, same_ns);
  if (node->pub.name == NULL || node->pub.namespace_uri == NULL)
    return NULL;
  node->pub.attr_count = count;
  if (copy_attrs(dec, node, sibling, atts, lengths, attrs,
                 (char *)(attrs + count))
      != 0)
    return NULL;
  node->pub.text = "";
  node->pub.parent = NULL;
  node->pub.first_child = NULL;
  node->pub.next_sibling = NULL;
  node->pub.child_count = 0;
  node_position(dec, node);
  if (parent != NULL) {
    node->pub.parent = &parent->node->pub;
    if (parent->last_child == NULL)
      parent->node->pub.first_child = &node->pub;
    else
      parent->last_child->pub.next_sibling = &node->pub;
    parent->last_child = node;
    parent->node->pub.child_count++;
  }
  return node;
}

static void fail_limit(waitset_xml_decoder *dec, const char *name,
                       const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Record a limit error at the parser's position from a printf message,
 * then stop expat. */
static void
fail_limit(waitset_xml_decoder *dec, const char *name, const char *fmt, ...)
{
  wsx_buf msg;
  va_list ap;
  int rc;

  set_position_from_parser(dec);
  wsx_buf_init(&msg, &dec->alloc);
  va_start(ap, fmt);
  rc = wsx_buf_vprintf(&msg, fmt, ap);
  va_end(ap);
  if (rc != 0) {
    wsx_buf_free(&msg);
    fail_oom_in_handler(dec);
    return;
  }
  wsx_decoder_fail(dec, WAITSET_EXML_LIMIT, WAITSET_EINVALID_REQUEST, name,
                   &msg);
  abort_parse(dec);
}

/* Count an <a> of <add>, <update> or <remove> of a waitset command
 * against max_accounts. Returns -1 after recording a limit error. */
static int
count_account(waitset_xml_decoder *dec, wsx_frame *list_frame)
{
  const char *list_name = list_frame->node->pub.name;

  list_frame->a_count++;
  if (list_frame->a_count <= dec->opts.max_accounts)
    return 0;
  fail_limit(dec, list_name, "invalid request: more than %u accounts in <%s>",
             (unsigned)dec->opts.max_accounts, list_name);
  return -1;
}

/* Count the element and its attributes against max_elements and
 * max_attributes. Returns -1 after recording a limit error.
 * NOTE: expat has read every attribute of the tag by now, so the cost of
 * a tag with millions of attributes is bounded only by the size limit. */
static int
count_element(waitset_xml_decoder *dec, const char *local, const char **atts)
{
  size_t count = 0;

  dec->elements++;
  if (dec->elements > dec->opts.max_elements) {
    fail_limit(dec, local,
               "invalid request: the document has more than %llu elements",
               (unsigned long long)dec->opts.max_elements);
    return -1;
  }
  while (atts[2 * count] != NULL)
    count++;
  if (count > dec->opts.max_attributes) {
    fail_limit(dec, local,
               "invalid request: element %s has more than %u attributes",
               local, (unsigned)dec->opts.max_attributes);
    return -1;
  }
  return 0;
}

/* Reject an attribute value over max_value_bytes, and keep the lengths
 * of the first values for new_node(). */
static int
check_attr_sizes(waitset_xml_decoder *dec, const char **atts,
                 value_lengths *lengths)
{
  size_t i;

  for (i = 0; atts[i] != NULL; i += 2) {
    size_t len = strlen(atts[i + 1]);
    const char *ns;
    size_t ns_len;
    const char *local;
    wsx_buf msg;

    if (i / 2 < WSX_VALUE_LENGTHS)
      lengths->len[i / 2] = len;
    if (len <= dec->opts.max_value_bytes)
      continue;
    split_name(atts[i], &ns, &ns_len, &local);
    set_position_from_parser(dec);
    wsx_buf_init(&msg, &dec->alloc);
    if (wsx_buf_printf(&msg,
                       "invalid request: attribute %s is longer than "
                       "%llu bytes",
                       local, (unsigned long long)dec->opts.max_value_bytes)
        != 0) {
      wsx_buf_free(&msg);
      fail_oom_in_handler(dec);
      return -1;
    }
    wsx_decoder_fail(dec, WAITSET_EXML_LIMIT, WAITSET_EINVALID_REQUEST,
                     local, &msg);
    abort_parse(dec);
    return -1;
  }
  return 0;
}

/* ------------------------------------------------------------------ */
/* expat handlers                                                      */

static int
name_in_list(const char *name, const char *const *list)
{
  for (; *list != NULL; list++) {
    if (strcmp(name, *list) == 0)
      return 1;
  }
  return 0;
}

/* Role of a child inside a waitset command. request.c reads fields of
 * the command, its lists, their <a> and the fields of <a>, each only in
 * the parent's namespace or in none, so every other child is skipped
 * without a node. The field names are those of all seven commands. */
static int
waitset_child_role(const wsx_frame *parent, const char *ns, size_t ns_len,
                   const char *local)
{
  static const char *const command_fields[] = {
    "waitSet", "seq", "block", "timeout", "expand", "defTypes",
    "allAccounts", NULL
  };
  static const char *const lists[] = { "add", "update", "remove", NULL };
  static const char *const account_fields[] = {
    "id", "name", "token", "types", "folderInterests", NULL
  };

  if (ns_len > 0 && !ns_equals(ns, ns_len, parent->node->pub.namespace_uri))
    return WSX_ROLE_IGNORE;
  switch (parent->role) {
  case WSX_ROLE_COMMAND:
    if (name_in_list(local, command_fields))
      return WSX_ROLE_FIELD;
    return name_in_list(local, lists) ? WSX_ROLE_LIST : WSX_ROLE_IGNORE;
  case WSX_ROLE_LIST:
    return local[0] == 'a' && local[1] == '\0' ? WSX_ROLE_ACCOUNT
                                                : WSX_ROLE_IGNORE;
  case WSX_ROLE_ACCOUNT:
    return name_in_list(local, account_fields) ? WSX_ROLE_FIELD
                                               : WSX_ROLE_IGNORE;
  default:
    return WSX_ROLE_IGNORE;
  }
}

static int
role_for_element(waitset_xml_decoder *dec, const wsx_frame *parent,
                 const char *ns, size_t ns_len, const char *local)
{
  const char *env_ns;

  if (parent == NULL) {
    if (strcmp(local, "Envelope") == 0) {
      if (ns_equals(ns, ns_len, WAITSET_XML_NS_SOAP11))
        dec->soap_version = WAITSET_XML_SOAP_11;
      else if (ns_equals(ns, ns_len, WAITSET_XML_NS_SOAP12))
        dec->soap_version = WAITSET_XML_SOAP_12;
      else
        return WSX_ROLE_BAD_NAMESPACE;
      dec->error.soap_version = dec->soap_version;
      return WSX_ROLE_ENVELOPE;
    }
    return WSX_ROLE_COMMAND;
  }
  env_ns = soap_namespace(dec->soap_version);
  switch (parent->role) {
  case WSX_ROLE_ENVELOPE:
    if (strcmp(local, "Header") == 0 || strcmp(local, "Body") == 0) {
      if (!ns_equals(ns, ns_len, env_ns))
        return WSX_ROLE_BAD_NAMESPACE;
      if (local[0] == 'H')
        return dec->seen_header ? WSX_ROLE_REPEATED : WSX_ROLE_HEADER;
      return dec->seen_body ? WSX_ROLE_REPEATED : WSX_ROLE_BODY;
    }
    return WSX_ROLE_IGNORE;
  case WSX_ROLE_HEADER:
    if (strcmp(local, "context") != 0)
      return WSX_ROLE_IGNORE;
    if (!ns_equals(ns, ns_len, WAITSET_XML_NS_ZIMBRA))
      return WSX_ROLE_BAD_NAMESPACE;
    return dec->context_node != NULL ? WSX_ROLE_REPEATED : WSX_ROLE_CONTEXT;
  case WSX_ROLE_BODY:
    /* Only one command runs, so a second one is an error rather than
     * a request that is silently dropped. */
    return dec->command_node != NULL ? WSX_ROLE_REPEATED : WSX_ROLE_COMMAND;
  case WSX_ROLE_COMMAND:
    if (dec->command == WAITSET_XML_CMD_OTHER)
      return WSX_ROLE_CAPTURE;
    return waitset_child_role(parent, ns, ns_len, local);
  case WSX_ROLE_LIST:
  case WSX_ROLE_ACCOUNT:
    return waitset_child_role(parent, ns, ns_len, local);
  case WSX_ROLE_CONTEXT:
  case WSX_ROLE_CAPTURE:
    return WSX_ROLE_CAPTURE;
  default:
    return WSX_ROLE_IGNORE;
  }
}

static void
fail_namespace(waitset_xml_decoder *dec, const char *ns, size_t ns_len,
               const char *local)
{
  wsx_buf value;

  wsx_buf_init(&value, &dec->alloc);
  if (wsx_buf_append(&value, ns, ns_len) != 0) {
    fail_oom_in_handler(dec);
    return;
  }
  if (ns_len == 0) {
    wsx_buf msg;

    wsx_buf_init(&msg, &dec->alloc);
    if (wsx_buf_printf(&msg, "invalid request: element %s has no namespace",
                       local)
        != 0) {
      wsx_buf_free(&msg);
      wsx_buf_free(&value);
      fail_oom_in_handler(dec);
      return;
    }
    fail_in_handler(dec, WAITSET_EXML_NAMESPACE, WAITSET_EINVALID_REQUEST,
                    local, msg.data, NULL, NULL);
    wsx_buf_free(&msg);
  } else {
    wsx_buf msg;

    /* Name the element first, then its namespace as the quoted value. */
    wsx_buf_init(&msg, &dec->alloc);
    if (wsx_buf_printf(&msg, "invalid request: element %s is in the wrong "
                             "namespace ",
                       local)
        != 0) {
      wsx_buf_free(&msg);
      wsx_buf_free(&value);
      fail_oom_in_handler(dec);
      return;
    }
    fail_in_handler(dec, WAITSET_EXML_NAMESPACE, WAITSET_EINVALID_REQUEST,
                    local, msg.data, value.data, NULL);
    wsx_buf_free(&msg);
  }
  wsx_buf_free(&value);
}

static void
fail_repeated(waitset_xml_decoder *dec, const wsx_frame *parent,
              const char *local)
{
  const char *message;

  if (parent->role == WSX_ROLE_ENVELOPE)
    message = local[0] == 'H'
                  ? "invalid request: the envelope has more than one Header"
                  : "invalid request: the envelope has more than one Body";
  else if (parent->role == WSX_ROLE_HEADER)
    message = "invalid request: the Header has more than one context";
  else
    message = "invalid request: the Body has more than one element, and "
              "only one command can run per request";
  fail_in_handler(dec, WAITSET_EXML_SCHEMA, WAITSET_EINVALID_REQUEST, local,
                  message, NULL, NULL);
}

static void XMLCALL
on_start(void *user_data, const XML_Char *qname, const XML_Char **atts)
{
  waitset_xml_decoder *dec = user_data;
  wsx_frame *parent = top_frame(dec);
  const char *ns;
  size_t ns_len;
  const char *local;
  int role;
  wsx_node *node = NULL;
  value_lengths lengths;

  if (dec->has_error) {
    abort_parse(dec);
    return;
  }
  split_name(qname, &ns, &ns_len, &local);
  if (dec->depth + 1 > dec->opts.max_depth) {
    wsx_buf msg;

    set_position_from_parser(dec);
    wsx_buf_init(&msg, &dec->alloc);
    if (wsx_buf_printf(&msg,
                       "invalid request: element %s is nested deeper "
                       "than %u levels",
                       local, (unsigned)dec->opts.max_depth)
        != 0) {
      wsx_buf_free(&msg);
      fail_oom_in_handler(dec);
      return;
    }
    wsx_decoder_fail(dec, WAITSET_EXML_LIMIT, WAITSET_EINVALID_REQUEST, local,
                     &msg);
    abort_parse(dec);
    return;
  }
  if (count_element(dec, local, atts) != 0)
    return;
  if (check_attr_sizes(dec, atts, &lengths) != 0)
    return;

  role = role_for_element(dec, parent, ns, ns_len, local);
  switch (role) {
  case WSX_ROLE_BAD_NAMESPACE:
    fail_namespace(dec, ns, ns_len, local);
    return;
  case WSX_ROLE_REPEATED:
    fail_repeated(dec, parent, local);
    return;
  case WSX_ROLE_HEADER:
    dec->seen_header = 1;
    break;
  case WSX_ROLE_BODY:
    dec->seen_body = 1;
    break;
  case WSX_ROLE_COMMAND: {
    wsx_buf qualified_name;
    int rc;

    /* Name the command as {namespace}local in messages. */
    wsx_buf_init(&qualified_name, &dec->alloc);
    rc = 0;
    if (ns_len > 0) {
      rc = wsx_buf_append(&qualified_name, "{", 1);
      if (rc == 0)
        rc = wsx_buf_append(&qualified_name, ns, ns_len);
      if (rc == 0)
        rc = wsx_buf_append(&qualified_name, "}", 1);
    }
    if (rc == 0)
      rc = wsx_buf_puts(&qualified_name, local);
    if (rc != 0) {
      wsx_buf_free(&qualified_name);
      fail_oom_in_handler(dec);
      return;
    }
    rc = classify_command(dec, ns, ns_len, local, qualified_name.data);
    wsx_buf_free(&qualified_name);
    if (rc != 0)
      return;
    break;
  }
  case WSX_ROLE_ACCOUNT:
    if (count_account(dec, parent) != 0)
      return;
    break;
  default:
    break;
  }

  if (role >= WSX_ROLE_CONTEXT) {
    /* The context and the command are roots; the other roles below them
     * are appended to the parent's node. */
    int is_root = role == WSX_ROLE_CONTEXT || role == WSX_ROLE_COMMAND;

    node = new_node(dec, is_root ? NULL : parent, ns, ns_len, local, atts,
                    &lengths);
    if (node == NULL) {
      fail_oom_in_handler(dec);
      return;
    }
    if (role == WSX_ROLE_CONTEXT)
      dec->context_node = node;
    else if (role == WSX_ROLE_COMMAND)
      dec->command_node = node;
  }
  if (push_frame(dec, role, node) != 0)
    fail_oom_in_handler(dec);
}

static void XMLCALL
on_end(void *user_data, const XML_Char *qname)
{
  waitset_xml_decoder *dec = user_data;
  wsx_frame *frame = top_frame(dec);

  (void)qname;
  if (dec->has_error || frame == NULL) {
    abort_parse(dec);
    return;
  }
  if (frame->node != NULL && frame->text.len > 0) {
    char *text = wsx_arena_strndup(&dec->arena, frame->text.data,
                                   frame->text.len);

    if (text == NULL) {
      fail_oom_in_handler(dec);
      return;
    }
    frame->node->pub.text = text;
  }
  wsx_buf_free(&frame->text);
  if (frame->role == WSX_ROLE_BODY && dec->command_node == NULL) {
    fail_in_handler(dec, WAITSET_EXML_SCHEMA, WAITSET_EPARSE_ERROR, "Body",
                    "parse error: the Body is empty", NULL, NULL);
    return;
  }
  if (frame->role == WSX_ROLE_ENVELOPE && !dec->seen_body) {
    fail_in_handler(dec, WAITSET_EXML_SCHEMA, WAITSET_EINVALID_REQUEST,
                    "Body", "invalid request: the envelope has no Body",
                    NULL, NULL);
    return;
  }
  dec->depth--;
}

static void XMLCALL
on_text(void *user_data, const XML_Char *s, int len)
{
  waitset_xml_decoder *dec = user_data;
  wsx_frame *frame = top_frame(dec);

  if (dec->has_error || frame == NULL || frame->node == NULL || len <= 0)
    return;
  if (frame->text.len + (size_t)len > dec->opts.max_value_bytes) {
    wsx_buf msg;

    /* expat splits text at chunk boundaries, so report the start tag,
     * whose position does not depend on the chunking. */
    set_position(dec, frame->node->pub.line, frame->node->pub.column,
                 frame->node->offset);
    wsx_buf_init(&msg, &dec->alloc);
    if (wsx_buf_printf(&msg,
                       "invalid request: text of element %s is longer "
                       "than %llu bytes",
                       frame->node->pub.name,
                       (unsigned long long)dec->opts.max_value_bytes)
        != 0) {
      wsx_buf_free(&msg);
      fail_oom_in_handler(dec);
      return;
    }
    wsx_decoder_fail(dec, WAITSET_EXML_LIMIT, WAITSET_EINVALID_REQUEST,
                     frame->node->pub.name, &msg);
    abort_parse(dec);
    return;
  }
  if (wsx_buf_append(&frame->text, s, (size_t)len) != 0)
    fail_oom_in_handler(dec);
}

static void XMLCALL
on_doctype(void *user_data, const XML_Char *name, const XML_Char *sysid,
           const XML_Char *pubid, int has_internal_subset)
{
  waitset_xml_decoder *dec = user_data;

  (void)name;
  (void)sysid;
  (void)pubid;
  (void)has_internal_subset;
  fail_in_handler(dec, WAITSET_EXML_DOCTYPE, WAITSET_EPARSE_ERROR, NULL,
                  "parse error: DOCTYPE declarations are not allowed", NULL,
                  NULL);
}

static void XMLCALL
on_entity_decl(void *user_data, const XML_Char *name, int is_parameter,
               const XML_Char *value, int value_length, const XML_Char *base,
               const XML_Char *system_id, const XML_Char *public_id,
               const XML_Char *notation_name)
{
  waitset_xml_decoder *dec = user_data;

  (void)is_parameter;
  (void)value;
  (void)value_length;
  (void)base;
  (void)system_id;
  (void)public_id;
  (void)notation_name;
  fail_in_handler(dec, WAITSET_EXML_DOCTYPE, WAITSET_EPARSE_ERROR, NULL,
                  "parse error: entity declarations are not allowed: ",
                  name, NULL);
}

/* ------------------------------------------------------------------ */
/* Parser setup                                                        */

/* A hash salt for expat's name tables, so that a client cannot choose
 * names that collide. */
static unsigned long
random_salt(const void *extra)
{
  unsigned long salt = 0;

#if defined(__linux__)
  if (getrandom(&salt, sizeof(salt), GRND_NONBLOCK) == (ssize_t)sizeof(salt))
    return salt;
#endif
  /* Fallback without a kernel source: clock and address bits. */
  salt = (unsigned long)time(NULL) ^ (unsigned long)clock();
  salt ^= (unsigned long)(uintptr_t)extra * 2654435761u;
  return salt;
}

static int
configure_parser(waitset_xml_decoder *dec)
{
  XML_SetUserData(dec->parser, dec);
  XML_SetElementHandler(dec->parser, on_start, on_end);
  XML_SetCharacterDataHandler(dec->parser, on_text);
  XML_SetStartDoctypeDeclHandler(dec->parser, on_doctype);
  XML_SetEntityDeclHandler(dec->parser, on_entity_decl);
  XML_SetParamEntityParsing(dec->parser, XML_PARAM_ENTITY_PARSING_NEVER);
#if defined(WSX_HAVE_REPARSE_DEFERRAL)
  /* expat 2.6.0 and later defer the scan of an unfinished token on their
   * own. It is on by default there, and set here so a build never loses
   * it. */
  (void)XML_SetReparseDeferralEnabled(dec->parser, XML_TRUE);
#endif
  if (dec->hash_salt == 0)
    dec->hash_salt = random_salt(dec);
  if (!XML_SetHashSalt(dec->parser, dec->hash_salt))
    return WAITSET_ESTATE;
#if defined(WSX_HAVE_BILLION_LAUGHS)
  /* No entity is ever expanded because DOCTYPE is rejected, so these
   * limits (expat 2.4.0 and later) are a second line of defence. */
  (void)XML_SetBillionLaughsAttackProtectionMaximumAmplification(dec->parser,
                                                                 10.0f);
  (void)XML_SetBillionLaughsAttackProtectionActivationThreshold(dec->parser,
                                                                1024 * 1024);
#endif
  return 0;
}

static int
expat_char_is_utf8(void)
{
  const XML_Feature *feature = XML_GetFeatureList();

  for (; feature != NULL && feature->feature != XML_FEATURE_END; feature++) {
    if (feature->feature == XML_FEATURE_UNICODE
        || feature->feature == XML_FEATURE_UNICODE_WCHAR_T)
      return 0;
    if (feature->feature == XML_FEATURE_SIZEOF_XML_CHAR
        && feature->value != 1)
      return 0;
  }
  return sizeof(XML_Char) == 1;
}

static void
free_document(waitset_xml_decoder *dec)
{
  size_t i;

  for (i = 0; i < dec->depth; i++)
    wsx_buf_free(&dec->frames[i].text);
  dec->depth = 0;
  wsx_arena_free(&dec->arena);
  if (dec->pending != NULL)
    dec->alloc.free(dec->pending);
  dec->pending = NULL;
  dec->pending_len = 0;
  dec->pending_cap = 0;
}

static void
clear_state(waitset_xml_decoder *dec)
{
  dec->busy = 0;
  dec->finished = 0;
  dec->stopped = 0;
  dec->has_error = 0;
  dec->total = 0;
  dec->elements = 0;
  dec->pending_len = 0;
  dec->parsed = 0;
  dec->flush_at = dec->parse_threshold;
  dec->parse_calls = 0;
  dec->scanned_bytes = 0;
  dec->pos_offset = 0;
  dec->pos_line = 1;
  dec->pos_column = 0;
  dec->first_byte = -1;
  dec->seen_header = 0;
  dec->seen_body = 0;
  dec->soap_version = WAITSET_XML_SOAP_NONE;
  dec->command = WAITSET_XML_CMD_OTHER;
  dec->context_node = NULL;
  dec->command_node = NULL;
  memset(&dec->error, 0, sizeof(dec->error));
  dec->error.size = sizeof(dec->error);
  dec->error.soap_version = WAITSET_XML_SOAP_12;
  memset(&dec->doc, 0, sizeof(dec->doc));
  memset(&dec->context, 0, sizeof(dec->context));
  memset(&dec->request, 0, sizeof(dec->request));
  memset(&dec->fault, 0, sizeof(dec->fault));
}

static uint64_t
option_u64(const waitset_xml_options *opts, size_t offset, size_t width,
           uint64_t fallback)
{
  uint64_t value = 0;

  if (opts == NULL || opts->size < offset + width)
    return fallback;
  if (width == sizeof(uint64_t)) {
    memcpy(&value, (const char *)opts + offset, sizeof(uint64_t));
  } else {
    uint32_t v32;

    memcpy(&v32, (const char *)opts + offset, sizeof(v32));
    value = v32;
  }
  return value != 0 ? value : fallback;
}

#define OPTION(opts, field, fallback)                                         \
  option_u64((opts), offsetof(waitset_xml_options, field),                    \
             sizeof(((waitset_xml_options *)0)->field), (fallback))

int
waitset_xml_decoder_new(waitset_xml_decoder **out,
                        const waitset_xml_options *opts)
{
  const waitset_allocator *alloc = &wsx_libc_allocator;
  waitset_xml_decoder *dec;
  XML_Memory_Handling_Suite mem;
  static const XML_Char encoding[] = "UTF-8";
  static const XML_Char separator[] = { NS_SEP, '\0' };
  int rc;

  if (out == NULL)
    return WAITSET_EINVAL;
  *out = NULL;
  if (opts != NULL && opts->size < sizeof(size_t))
    return WAITSET_EVERSION;
  if (opts != NULL
      && opts->size >= offsetof(waitset_xml_options, allocator)
                           + sizeof(opts->allocator)
      && opts->allocator != NULL) {
    rc = wsx_allocator_check(opts->allocator);
    if (rc != 0)
      return rc;
    alloc = opts->allocator;
  }
  if (!expat_char_is_utf8())
    return WAITSET_EXML_UNSUPPORTED;

  dec = alloc->malloc(sizeof(*dec));
  if (dec == NULL)
    return WAITSET_ENOMEM;
  memset(dec, 0, sizeof(*dec));
  dec->alloc = *alloc;
  dec->opts.size = sizeof(dec->opts);
  dec->opts.allocator = &dec->alloc;
  dec->opts.max_document_bytes = OPTION(
      opts, max_document_bytes, WAITSET_XML_DEFAULT_MAX_DOCUMENT_BYTES);
  dec->opts.max_depth =
      (uint32_t)OPTION(opts, max_depth, WAITSET_XML_DEFAULT_MAX_DEPTH);
  dec->opts.max_accounts =
      (uint32_t)OPTION(opts, max_accounts, WAITSET_XML_DEFAULT_MAX_ACCOUNTS);
  dec->opts.max_value_bytes =
      OPTION(opts, max_value_bytes, WAITSET_XML_DEFAULT_MAX_VALUE_BYTES);
  dec->opts.accept_other_commands =
      (int32_t)OPTION(opts, accept_other_commands, 0);
  dec->opts.max_elements =
      OPTION(opts, max_elements, WAITSET_XML_DEFAULT_MAX_ELEMENTS);
  dec->opts.max_attributes = (uint32_t)OPTION(
      opts, max_attributes, WAITSET_XML_DEFAULT_MAX_ATTRIBUTES);
  wsx_arena_init(&dec->arena, &dec->alloc);
  dec->parse_threshold = WSX_PARSE_THRESHOLD;
  clear_state(dec);

  mem.malloc_fcn = alloc->malloc;
  mem.realloc_fcn = alloc->realloc;
  mem.free_fcn = alloc->free;
  dec->parser = XML_ParserCreate_MM(encoding, &mem, separator);
  if (dec->parser == NULL) {
    alloc->free(dec);
    return WAITSET_ENOMEM;
  }
  rc = configure_parser(dec);
  if (rc != 0) {
    XML_ParserFree(dec->parser);
    alloc->free(dec);
    return rc;
  }
  *out = dec;
  return 0;
}

void
waitset_xml_decoder_free(waitset_xml_decoder *dec)
{
  if (dec == NULL)
    return;
  free_document(dec);
  if (dec->frames != NULL)
    dec->alloc.free(dec->frames);
  if (dec->parser != NULL)
    XML_ParserFree(dec->parser);
  dec->alloc.free(dec);
}

int
waitset_xml_decoder_reset(waitset_xml_decoder *dec)
{
  static const XML_Char encoding[] = "UTF-8";

  if (dec == NULL)
    return WAITSET_EINVAL;
  if (dec->busy)
    return WAITSET_ERECURSIVE;
  free_document(dec);
  clear_state(dec);
  if (!XML_ParserReset(dec->parser, encoding)) {
    set_oom(dec);
    return WAITSET_ENOMEM;
  }
  if (configure_parser(dec) != 0) {
    set_oom(dec);
    return WAITSET_ENOMEM;
  }
  return 0;
}

int
waitset_xml_decoder_stop(waitset_xml_decoder *dec)
{
  if (dec == NULL)
    return WAITSET_EINVAL;
  dec->stopped = 1;
  if (dec->busy)
    XML_StopParser(dec->parser, XML_FALSE);
  return 0;
}

const waitset_xml_document *
waitset_xml_decoder_document(const waitset_xml_decoder *dec)
{
  if (dec == NULL || !dec->finished || dec->has_error)
    return NULL;
  return &dec->doc;
}

const waitset_xml_error *
waitset_xml_decoder_error(const waitset_xml_decoder *dec)
{
  if (dec == NULL || !dec->has_error)
    return NULL;
  return &dec->error;
}

/* ------------------------------------------------------------------ */
/* Feeding                                                             */

static int
fail_size(waitset_xml_decoder *dec)
{
  wsx_buf msg;

  set_position(dec, 0, 0, dec->opts.max_document_bytes);
  wsx_buf_init(&msg, &dec->alloc);
  if (wsx_buf_printf(&msg,
                     "invalid request: the document is larger than %llu "
                     "bytes",
                     (unsigned long long)dec->opts.max_document_bytes)
      != 0) {
    wsx_buf_free(&msg);
    set_oom(dec);
    return WAITSET_ENOMEM;
  }
  return wsx_decoder_fail(dec, WAITSET_EXML_LIMIT, WAITSET_EINVALID_REQUEST,
                          NULL, &msg);
}

/* Map an expat error that no handler recorded. */
static int
fail_expat(waitset_xml_decoder *dec, int is_final)
{
  enum XML_Error code = XML_GetErrorCode(dec->parser);
  const char *description = XML_ErrorString(code);
  int xml_code = WAITSET_EXML_SYNTAX;
  wsx_buf msg;

  if (code == XML_ERROR_NO_MEMORY) {
    set_position_from_parser(dec);
    set_oom(dec);
    return WAITSET_ENOMEM;
  }
  set_position_from_parser(dec);
  wsx_buf_init(&msg, &dec->alloc);
  if (dec->first_byte == '{') {
    if (wsx_buf_puts(&msg, "parse error: JSON requests are not supported, "
                           "send a SOAP XML document")
        != 0) {
      wsx_buf_free(&msg);
      set_oom(dec);
      return WAITSET_ENOMEM;
    }
    return wsx_decoder_fail(dec, WAITSET_EXML_SYNTAX, WAITSET_EPARSE_ERROR,
                            NULL, &msg);
  }
  if (dec->total == 0) {
    description = "the document is empty";
  } else if (is_final
             && (code == XML_ERROR_NO_ELEMENTS
                 || code == XML_ERROR_UNCLOSED_TOKEN
                 || code == XML_ERROR_PARTIAL_CHAR)
             && dec->depth > 0) {
    xml_code = WAITSET_EXML_TRUNCATED;
    description = "the document ended early";
  }
  if (description == NULL)
    description = "not well-formed";
  if (wsx_buf_printf(&msg, "parse error: %s at line %llu, column %llu",
                     description,
                     (unsigned long long)dec->error.line,
                     (unsigned long long)dec->error.column)
      != 0) {
    wsx_buf_free(&msg);
    set_oom(dec);
    return WAITSET_ENOMEM;
  }
  return wsx_decoder_fail(dec, xml_code, WAITSET_EPARSE_ERROR, NULL, &msg);
}

static void
note_first_byte(waitset_xml_decoder *dec, const unsigned char *p, size_t len)
{
  size_t i;

  for (i = 0; i < len && dec->first_byte < 0; i++) {
    if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
      dec->first_byte = p[i];
  }
}

/* Return the bytes given to expat that it has not parsed yet: the
 * unfinished token it scans again on the next call. Outside a handler
 * expat reports the position of its last event, which is where that
 * token starts; without an event yet, every byte counts. */
static uint64_t
unparsed_bytes(waitset_xml_decoder *dec)
{
  XML_Index index = XML_GetCurrentByteIndex(dec->parser);

  if (index < 0 || (uint64_t)index > dec->parsed)
    return dec->parsed;
  return dec->parsed - (uint64_t)index;
}

/* Give bytes to expat in pieces of at most INT_MAX and update the
 * counters and flush_at. Returns 0 or the error code recorded. */
static int
parse_bytes(waitset_xml_decoder *dec, const char *p, size_t len, int is_final)
{
  uint64_t unparsed;

  do {
    int chunk = len > (size_t)INT_MAX ? INT_MAX : (int)len;
    int last = is_final && (size_t)chunk == len;

    dec->parse_calls++;
    dec->scanned_bytes += unparsed_bytes(dec) + (uint64_t)chunk;
    dec->parsed += (uint64_t)chunk;
    if (XML_Parse(dec->parser, p, chunk, last) != XML_STATUS_OK) {
      if (!dec->has_error) {
        if (dec->stopped)
          set_position_from_parser(dec);
        fail_expat(dec, last);
      }
      return dec->error.code;
    }
    p += chunk;
    len -= (size_t)chunk;
  } while (len > 0);
  unparsed = unparsed_bytes(dec);
  dec->flush_at = unparsed > dec->parse_threshold ? unparsed
                                                  : dec->parse_threshold;
  return 0;
}

/* Append bytes to the pending input. */
static int
keep_pending(waitset_xml_decoder *dec, const char *p, size_t len)
{
  if (len > dec->pending_cap - dec->pending_len) {
    size_t cap = dec->pending_cap ? dec->pending_cap : 4096;
    char *grown;

    while (cap - dec->pending_len < len) {
      if (cap > SIZE_MAX / 2)
        return WAITSET_ENOMEM;
      cap *= 2;
    }
    grown = dec->alloc.realloc(dec->pending, cap);
    if (grown == NULL)
      return WAITSET_ENOMEM;
    dec->pending = grown;
    dec->pending_cap = cap;
  }
  memcpy(dec->pending + dec->pending_len, p, len);
  dec->pending_len += len;
  return 0;
}

/* Keep the bytes, or parse the pending input and then the bytes when
 * together they reach flush_at or the chunk is final. */
static int
feed_bytes(waitset_xml_decoder *dec, const char *p, size_t len, int is_final)
{
  int rc;

  if (!is_final && len < dec->flush_at - dec->pending_len) {
    if (keep_pending(dec, p, len) != 0) {
      set_position(dec, 0, 0, dec->parsed);
      set_oom(dec);
      return WAITSET_ENOMEM;
    }
    return 0;
  }
  if (dec->pending_len > 0) {
    size_t n;

    /* A small chunk joins the pending input, so that expat is not called
     * again for a few bytes. */
    if (len < dec->parse_threshold) {
      if (keep_pending(dec, p, len) != 0) {
        set_position(dec, 0, 0, dec->parsed);
        set_oom(dec);
        return WAITSET_ENOMEM;
      }
      len = 0;
    }
    n = dec->pending_len;
    dec->pending_len = 0;
    rc = parse_bytes(dec, dec->pending, n, is_final && len == 0);
    if (rc != 0 || len == 0)
      return rc;
  }
  return parse_bytes(dec, p, len, is_final);
}

int
waitset_xml_decoder_feed(waitset_xml_decoder *dec, const void *buf,
                         size_t len, int is_final)
{
  int rc;

  if (dec == NULL || (buf == NULL && len > 0))
    return WAITSET_EINVAL;
  if (dec->busy)
    return WAITSET_ERECURSIVE;
  if (dec->has_error)
    return dec->error.code;
  if (dec->stopped) {
    wsx_buf msg;

    wsx_buf_init(&msg, &dec->alloc);
    if (wsx_buf_puts(&msg, "decoding was stopped by the host") != 0) {
      wsx_buf_free(&msg);
      set_oom(dec);
      return WAITSET_ENOMEM;
    }
    set_position(dec, 0, 0, dec->total);
    return wsx_decoder_fail(dec, WAITSET_EXML_STOPPED, WAITSET_EFAILURE, NULL,
                            &msg);
  }
  if (dec->finished)
    return WAITSET_ESTATE;
  /* Bytes count against the size limit as they are fed, before they
   * are parsed. */
  if (len > dec->opts.max_document_bytes - dec->total
      || dec->total > dec->opts.max_document_bytes)
    return fail_size(dec);
  note_first_byte(dec, buf, len);
  dec->total += (uint64_t)len;

  /* busy also covers the allocations of the pending input, so an
   * allocator that feeds this decoder gets WAITSET_ERECURSIVE. */
  dec->busy = 1;
  rc = feed_bytes(dec, buf, len, is_final);
  dec->busy = 0;
  if (rc != 0)
    return rc;
  if (is_final) {
    rc = wsx_decoder_build_document(dec);
    if (rc != 0)
      return rc;
    dec->finished = 1;
  }
  return 0;
}
