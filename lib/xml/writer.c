/* SPDX-License-Identifier: MIT */
/*
 * The generic writer: elements, attributes and escaped text in an
 * optional SOAP envelope, and the output buffer object.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "writer.h"

/* ------------------------------------------------------------------ */
/* Buffers                                                             */

struct waitset_xml_buffer {
  waitset_allocator alloc;
  char *data;
  size_t len;
};

const char *
waitset_xml_buffer_data(const waitset_xml_buffer *buf)
{
  return buf != NULL ? buf->data : NULL;
}

size_t
waitset_xml_buffer_length(const waitset_xml_buffer *buf)
{
  return buf != NULL ? buf->len : 0;
}

void
waitset_xml_buffer_free(waitset_xml_buffer *buf)
{
  if (buf == NULL)
    return;
  if (buf->data != NULL)
    buf->alloc.free(buf->data);
  buf->alloc.free(buf);
}

/* ------------------------------------------------------------------ */
/* Escaping                                                            */

/* Length of the valid UTF-8 sequence at s (1..4) that XML 1.0 can carry,
 * or 0 when the bytes are not valid UTF-8 or not an XML Char. */
static size_t
xml_char_length(const unsigned char *s, size_t avail)
{
  uint32_t cp;
  size_t len;
  size_t i;

  if (s[0] < 0x80) {
    if (s[0] < 0x20 && s[0] != '\t' && s[0] != '\n' && s[0] != '\r')
      return 0;
    return 1;
  }
  if (s[0] >= 0xc2 && s[0] <= 0xdf) {
    len = 2;
    cp = s[0] & 0x1fu;
  } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
    len = 3;
    cp = s[0] & 0x0fu;
  } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
    len = 4;
    cp = s[0] & 0x07u;
  } else {
    return 0;
  }
  if (avail < len)
    return 0;
  for (i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80)
      return 0;
    cp = (cp << 6) | (s[i] & 0x3fu);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)
      || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe
      || cp == 0xffff)
    return 0;
  return len;
}

int
wsx_escape(wsx_buf *out, const char *text, int in_attribute)
{
  const unsigned char *s = (const unsigned char *)text;
  size_t avail = strlen(text);
  size_t run = 0; /* bytes copied verbatim, pending */
  int rc = 0;

  while (avail > run && rc == 0) {
    const unsigned char *p = s + run;
    size_t len = xml_char_length(p, avail - run);
    const char *ref = NULL;

    if (len == 0) {
      ref = "\xef\xbf\xbd"; /* U+FFFD for one bad byte */
      len = 1;
    } else if (len == 1) {
      switch (*p) {
      case '&': ref = "&amp;"; break;
      case '<': ref = "&lt;"; break;
      case '>': ref = "&gt;"; break;
      case '"': ref = "&quot;"; break;
      case '\'': ref = "&apos;"; break;
      case '\r': ref = "&#13;"; break;
      case '\t': ref = in_attribute ? "&#9;" : NULL; break;
      case '\n': ref = in_attribute ? "&#10;" : NULL; break;
      default: break;
      }
    }
    if (ref == NULL) {
      run += len;
      continue;
    }
    rc = wsx_buf_append(out, (const char *)s, run);
    if (rc == 0)
      rc = wsx_buf_puts(out, ref);
    s += run + len;
    avail -= run + len;
    run = 0;
  }
  if (rc == 0 && run > 0)
    rc = wsx_buf_append(out, (const char *)s, run);
  return rc;
}

static int
valid_name(const char *name)
{
  const char *p = name;

  if (name == NULL || *name == '\0')
    return 0;
  if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == '_'))
    return 0;
  for (p++; *p != '\0'; p++) {
    if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')
          || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'
          || *p == '.'))
      return 0;
  }
  return 1;
}

/* ------------------------------------------------------------------ */
/* Writer                                                              */

static const char *
envelope_ns(int soap_version)
{
  return soap_version == WAITSET_XML_SOAP_11 ? WAITSET_XML_NS_SOAP11
                                             : WAITSET_XML_NS_SOAP12;
}

int
waitset_xml_writer_new(waitset_xml_writer **out,
                       const waitset_allocator *alloc, int soap_version)
{
  waitset_xml_writer *w;
  int rc;

  if (out == NULL)
    return WAITSET_EINVAL;
  *out = NULL;
  if (soap_version != WAITSET_XML_SOAP_NONE
      && soap_version != WAITSET_XML_SOAP_11
      && soap_version != WAITSET_XML_SOAP_12)
    return WAITSET_EINVAL;
  rc = wsx_allocator_check(alloc);
  if (rc != 0)
    return rc;
  if (alloc == NULL)
    alloc = &wsx_libc_allocator;
  w = alloc->malloc(sizeof(*w));
  if (w == NULL)
    return WAITSET_ENOMEM;
  memset(w, 0, sizeof(*w));
  w->alloc = *alloc;
  w->soap_version = soap_version;
  wsx_buf_init(&w->out, &w->alloc);
  wsx_buf_init(&w->names, &w->alloc);
  *out = w;
  return 0;
}

void
waitset_xml_writer_free(waitset_xml_writer *w)
{
  if (w == NULL)
    return;
  wsx_buf_free(&w->out);
  wsx_buf_free(&w->names);
  if (w->stack != NULL)
    w->alloc.free(w->stack);
  w->alloc.free(w);
}

static int
sticky(waitset_xml_writer *w, int rc)
{
  if (rc != 0 && w->error == 0)
    w->error = rc;
  return rc;
}

/* Write ">" of a start tag that is still open. */
static int
close_start_tag(waitset_xml_writer *w)
{
  if (!w->tag_open)
    return 0;
  w->tag_open = 0;
  return wsx_buf_append(&w->out, ">", 1);
}

static int
open_envelope(waitset_xml_writer *w)
{
  if (w->phase != WSX_PHASE_START)
    return 0;
  w->phase = WSX_PHASE_ENVELOPE;
  if (w->soap_version == WAITSET_XML_SOAP_NONE)
    return 0;
  return wsx_buf_printf(&w->out, "<soap:Envelope xmlns:soap=\"%s\">",
                        envelope_ns(w->soap_version));
}

int
waitset_xml_writer_header(waitset_xml_writer *w)
{
  int rc;

  if (w == NULL)
    return WAITSET_EINVAL;
  if (w->error != 0)
    return w->error;
  if (w->soap_version == WAITSET_XML_SOAP_NONE
      || w->phase != WSX_PHASE_START)
    return sticky(w, WAITSET_ESTATE);
  rc = open_envelope(w);
  if (rc == 0)
    rc = wsx_buf_puts(&w->out, "<soap:Header>");
  if (rc == 0)
    w->phase = WSX_PHASE_HEADER;
  return sticky(w, rc);
}

/* Make sure the body is open for the command element. */
static int
enter_body(waitset_xml_writer *w)
{
  int rc = open_envelope(w);

  if (rc != 0)
    return rc;
  if (w->phase == WSX_PHASE_HEADER_DONE || w->phase == WSX_PHASE_HEADER) {
    if (w->phase == WSX_PHASE_HEADER && w->depth > 0)
      return WAITSET_ESTATE;
    rc = wsx_buf_puts(&w->out, "</soap:Header>");
    if (rc != 0)
      return rc;
    w->phase = WSX_PHASE_ENVELOPE;
  }
  if (w->phase != WSX_PHASE_ENVELOPE)
    return WAITSET_ESTATE;
  if (w->soap_version != WAITSET_XML_SOAP_NONE) {
    rc = wsx_buf_puts(&w->out, "<soap:Body>");
    if (rc != 0)
      return rc;
  }
  w->phase = WSX_PHASE_BODY;
  return 0;
}

static const char *
level_default_ns(const waitset_xml_writer *w)
{
  if (w->depth == 0)
    return "";
  return w->names.data + w->stack[w->depth - 1].ns_offset;
}

int
wsx_writer_start_raw(waitset_xml_writer *w, const char *qname,
                     const char *namespace_uri)
{
  const char *inherited;
  wsx_level *level;
  size_t name_offset;
  size_t ns_offset;
  int same_ns;
  int rc;

  if (w->depth == 0) {
    if (w->phase == WSX_PHASE_HEADER) {
      if (w->header_written)
        return WAITSET_ESTATE;
      w->header_written = 1;
    } else {
      if (w->phase == WSX_PHASE_BODY || w->phase == WSX_PHASE_DONE)
        return WAITSET_ESTATE;
      rc = enter_body(w);
      if (rc != 0)
        return rc;
    }
  }
  rc = close_start_tag(w);
  if (rc != 0)
    return rc;
  if (w->depth == w->stack_cap) {
    size_t cap = w->stack_cap ? w->stack_cap * 2 : 16;
    wsx_level *stack = w->alloc.realloc(w->stack, cap * sizeof(*stack));

    if (stack == NULL)
      return WAITSET_ENOMEM;
    w->stack = stack;
    w->stack_cap = cap;
  }
  inherited = level_default_ns(w);
  same_ns = namespace_uri == NULL || strcmp(inherited, namespace_uri) == 0;
  name_offset = w->names.len;
  rc = wsx_buf_append(&w->names, qname, strlen(qname) + 1);
  if (rc != 0)
    return rc;
  if (same_ns) {
    /* Share the parent's string; at the top the name's NUL is "". */
    ns_offset = w->depth == 0 ? name_offset + strlen(qname)
                              : w->stack[w->depth - 1].ns_offset;
  } else {
    ns_offset = w->names.len;
    rc = wsx_buf_append(&w->names, namespace_uri, strlen(namespace_uri) + 1);
    if (rc != 0)
      return rc;
  }
  rc = wsx_buf_append(&w->out, "<", 1);
  if (rc == 0)
    rc = wsx_buf_puts(&w->out, qname);
  if (rc == 0 && !same_ns) {
    rc = wsx_buf_puts(&w->out, " xmlns=\"");
    if (rc == 0)
      rc = wsx_escape(&w->out, namespace_uri, 1);
    if (rc == 0)
      rc = wsx_buf_append(&w->out, "\"", 1);
  }
  if (rc != 0)
    return rc;
  level = &w->stack[w->depth++];
  level->name_offset = name_offset;
  level->ns_offset = ns_offset;
  w->tag_open = 1;
  return 0;
}

int
waitset_xml_writer_start(waitset_xml_writer *w, const char *name,
                         const char *namespace_uri)
{
  if (w == NULL)
    return WAITSET_EINVAL;
  if (w->error != 0)
    return w->error;
  if (!valid_name(name))
    return sticky(w, WAITSET_EINVAL);
  return sticky(w, wsx_writer_start_raw(w, name, namespace_uri));
}

int
wsx_writer_attr_raw(waitset_xml_writer *w, const char *name,
                    const char *value)
{
  int rc;

  if (!w->tag_open)
    return WAITSET_ESTATE;
  rc = wsx_buf_append(&w->out, " ", 1);
  if (rc == 0)
    rc = wsx_buf_puts(&w->out, name);
  if (rc == 0)
    rc = wsx_buf_append(&w->out, "=\"", 2);
  if (rc == 0)
    rc = wsx_escape(&w->out, value, 1);
  if (rc == 0)
    rc = wsx_buf_append(&w->out, "\"", 1);
  return rc;
}

int
waitset_xml_writer_attr(waitset_xml_writer *w, const char *name,
                        const char *value)
{
  if (w == NULL)
    return WAITSET_EINVAL;
  if (w->error != 0)
    return w->error;
  if (!valid_name(name) || value == NULL || strcmp(name, "xmlns") == 0)
    return sticky(w, WAITSET_EINVAL);
  return sticky(w, wsx_writer_attr_raw(w, name, value));
}

int
waitset_xml_writer_attr_int(waitset_xml_writer *w, const char *name,
                            int64_t value)
{
  char digits[32];

  snprintf(digits, sizeof(digits), "%" PRId64, value);
  return waitset_xml_writer_attr(w, name, digits);
}

int
waitset_xml_writer_text(waitset_xml_writer *w, const char *text)
{
  int rc;

  if (w == NULL || text == NULL)
    return WAITSET_EINVAL;
  if (w->error != 0)
    return w->error;
  if (w->depth == 0)
    return sticky(w, WAITSET_ESTATE);
  rc = close_start_tag(w);
  if (rc == 0)
    rc = wsx_escape(&w->out, text, 0);
  return sticky(w, rc);
}

int
waitset_xml_writer_end(waitset_xml_writer *w)
{
  const char *name;
  int rc;

  if (w == NULL)
    return WAITSET_EINVAL;
  if (w->error != 0)
    return w->error;
  if (w->depth == 0)
    return sticky(w, WAITSET_ESTATE);
  name = w->names.data + w->stack[w->depth - 1].name_offset;
  if (w->tag_open) {
    w->tag_open = 0;
    rc = wsx_buf_append(&w->out, "/>", 2);
  } else {
    rc = wsx_buf_append(&w->out, "</", 2);
    if (rc == 0)
      rc = wsx_buf_puts(&w->out, name);
    if (rc == 0)
      rc = wsx_buf_append(&w->out, ">", 1);
  }
  if (rc != 0)
    return sticky(w, rc);
  w->depth--;
  w->names.len = w->stack[w->depth].name_offset;
  if (w->depth == 0 && w->phase == WSX_PHASE_HEADER)
    w->phase = WSX_PHASE_HEADER_DONE;
  return 0;
}

int
waitset_xml_writer_finish(waitset_xml_writer *w, waitset_xml_buffer **out)
{
  waitset_xml_buffer *buf;
  int rc = 0;

  if (w == NULL || out == NULL)
    return WAITSET_EINVAL;
  *out = NULL;
  if (w->error != 0)
    return w->error;
  if (w->phase != WSX_PHASE_BODY)
    return sticky(w, WAITSET_ESTATE);
  while (w->depth > 0 && rc == 0)
    rc = waitset_xml_writer_end(w);
  if (rc == 0 && w->soap_version != WAITSET_XML_SOAP_NONE)
    rc = wsx_buf_puts(&w->out, "</soap:Body></soap:Envelope>");
  if (rc != 0)
    return sticky(w, rc);
  buf = w->alloc.malloc(sizeof(*buf));
  if (buf == NULL)
    return sticky(w, WAITSET_ENOMEM);
  buf->alloc = w->alloc;
  buf->data = w->out.data;
  buf->len = w->out.len;
  wsx_buf_init(&w->out, &w->alloc);
  w->phase = WSX_PHASE_DONE;
  *out = buf;
  return 0;
}
