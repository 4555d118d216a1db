/* SPDX-License-Identifier: MIT */
#include "soap.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* Zimbra fault codes the library has an error code for. */
static const struct {
  const char *code;
  int err;
} known_faults[] = {
  { "service.INVALID_REQUEST", WAITSET_EINVALID_REQUEST },
  { "service.PERM_DENIED", WAITSET_EPERM_DENIED },
  { "service.AUTH_REQUIRED", WAITSET_EAUTH_REQUIRED },
  { "service.AUTH_EXPIRED", WAITSET_EAUTH_EXPIRED },
  { "service.FAILURE", WAITSET_EFAILURE },
  { "service.PARSE_ERROR", WAITSET_EPARSE_ERROR },
  { "service.UNKNOWN_DOCUMENT", WAITSET_EUNKNOWN_DOCUMENT },
};

int
soap_reply_version(int request_version)
{
  return request_version == WAITSET_XML_SOAP_11 ? WAITSET_XML_SOAP_11
                                                : WAITSET_XML_SOAP_12;
}

const char *
soap_content_type(int soap_version)
{
  if (soap_version == WAITSET_XML_SOAP_11)
    return "text/xml; charset=utf-8";
  return "application/soap+xml; charset=utf-8";
}

static void
send_internal_failure(http_exchange *ex, int soap_version, int rc)
{
  static const char body[] = "internal error: cannot encode the response\n";

  log_error("request %llu: encoding the response failed: %s",
            (unsigned long long)ex->id, waitset_strerror(rc));
  (void)soap_version;
  http_exchange_respond(ex, 500, "text/plain; charset=utf-8", body,
                        sizeof(body) - 1);
}

void
soap_send_buffer(http_exchange *ex, int status, int soap_version,
                 waitset_xml_buffer *buf)
{
  http_exchange_respond(ex, status, soap_content_type(soap_version),
                        waitset_xml_buffer_data(buf),
                        waitset_xml_buffer_length(buf));
  waitset_xml_buffer_free(buf);
}

void
soap_send_error(http_exchange *ex, int soap_version, int err,
                const char *reason)
{
  waitset_xml_buffer *buf = NULL;
  int version = soap_reply_version(soap_version);
  int rc = waitset_xml_encode_fault(NULL, version, err, reason, NULL, 0,
                                    &buf);

  if (rc != 0) {
    send_internal_failure(ex, version, rc);
    return;
  }
  soap_send_buffer(ex, 500, version, buf);
}

/*
 * Return the length (1 to 4) of the UTF-8 sequence at s when it encodes
 * a character that XML 1.0 allows. Return 0 for an invalid or cut
 * sequence, a surrogate, U+FFFE, U+FFFF, or a C0 control other than tab,
 * LF and CR.
 */
static size_t
utf8_xml_char_length(const unsigned char *s)
{
  uint32_t cp;
  size_t len;
  size_t i;

  if (s[0] < 0x80)
    return (s[0] >= 0x20 || s[0] == '\t' || s[0] == '\n' || s[0] == '\r')
               ? 1 : 0;
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
  /* A NUL terminator fails the continuation test, so a sequence cut by
   * the end of the string is rejected here. */
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

/*
 * Append text escaped for XML character data, as the codec's writer
 * does: valid UTF-8 is kept, markup characters and CR become references,
 * and each byte that is not part of an allowed character becomes U+FFFD.
 * Stops before a character that does not fit.
 */
static size_t
append_escaped(char *out, size_t used, size_t capacity, const char *text)
{
  const unsigned char *p = (const unsigned char *)text;

  while (*p != '\0') {
    size_t len = utf8_xml_char_length(p);
    const char *piece = (const char *)p;
    size_t piece_len = len;

    if (len == 0) {
      piece = "\xef\xbf\xbd"; /* U+FFFD for one bad byte */
      len = 1;
    } else if (*p == '&') {
      piece = "&amp;";
    } else if (*p == '<') {
      piece = "&lt;";
    } else if (*p == '>') {
      piece = "&gt;";
    } else if (*p == '"') {
      piece = "&quot;";
    } else if (*p == '\r') {
      piece = "&#13;";
    }
    if (piece != (const char *)p)
      piece_len = strlen(piece);
    if (used + piece_len + 1 > capacity)
      break;
    memcpy(out + used, piece, piece_len);
    used += piece_len;
    p += len;
  }
  out[used] = '\0';
  return used;
}

static void
send_custom_fault(http_exchange *ex, int version, const char *code,
                  const char *reason, int sender)
{
  char body[4096];
  char reason_xml[1536];
  char code_xml[256];
  int n;

  append_escaped(reason_xml, 0, sizeof(reason_xml), reason);
  append_escaped(code_xml, 0, sizeof(code_xml), code);
  if (version == WAITSET_XML_SOAP_11) {
    n = snprintf(body, sizeof(body),
                 "<soap:Envelope xmlns:soap=\"%s\"><soap:Body><soap:Fault>"
                 "<faultcode>soap:%s</faultcode>"
                 "<faultstring>%s</faultstring>"
                 "<detail><Error xmlns=\"urn:zimbra\"><Code>%s</Code>"
                 "</Error></detail>"
                 "</soap:Fault></soap:Body></soap:Envelope>",
                 WAITSET_XML_NS_SOAP11, sender ? "Client" : "Server",
                 reason_xml, code_xml);
  } else {
    n = snprintf(body, sizeof(body),
                 "<soap:Envelope xmlns:soap=\"%s\"><soap:Body><soap:Fault>"
                 "<soap:Code><soap:Value>soap:%s</soap:Value></soap:Code>"
                 "<soap:Reason><soap:Text>%s</soap:Text></soap:Reason>"
                 "<soap:Detail><Error xmlns=\"urn:zimbra\"><Code>%s</Code>"
                 "</Error></soap:Detail>"
                 "</soap:Fault></soap:Body></soap:Envelope>",
                 WAITSET_XML_NS_SOAP12, sender ? "Sender" : "Receiver",
                 reason_xml, code_xml);
  }
  http_exchange_respond(ex, 500, soap_content_type(version), body,
                        (size_t)n);
}

void
soap_send_fault(http_exchange *ex, int soap_version, const char *code,
                const char *reason)
{
  int version = soap_reply_version(soap_version);
  size_t i;

  for (i = 0; i < sizeof(known_faults) / sizeof(known_faults[0]); i++) {
    if (strcmp(known_faults[i].code, code) == 0) {
      soap_send_error(ex, version, known_faults[i].err, reason);
      return;
    }
  }
  /* Every other code the server sends (mail.*, account.*) is about the
   * client's input. */
  send_custom_fault(ex, version, code, reason, 1);
}

waitset_xml_writer *
soap_reply_start(int soap_version, int64_t change_token)
{
  waitset_xml_writer *w = NULL;
  int version = soap_reply_version(soap_version);

  if (waitset_xml_writer_new(&w, NULL, version) != 0)
    return NULL;
  if (change_token >= 0) {
    /* Errors are sticky: soap_reply_send() reports them. */
    waitset_xml_writer_header(w);
    waitset_xml_writer_start(w, "context", WAITSET_XML_NS_ZIMBRA);
    waitset_xml_writer_start(w, "change", NULL);
    waitset_xml_writer_attr_int(w, "token", change_token);
    waitset_xml_writer_end(w);
    waitset_xml_writer_end(w);
  }
  return w;
}

void
soap_reply_send(http_exchange *ex, int soap_version,
                waitset_xml_writer *w)
{
  waitset_xml_buffer *buf = NULL;
  int version = soap_reply_version(soap_version);
  int rc;

  if (w == NULL) {
    soap_send_error(ex, version, WAITSET_EFAILURE, NULL);
    return;
  }
  rc = waitset_xml_writer_finish(w, &buf);
  waitset_xml_writer_free(w);
  if (rc != 0) {
    log_error("request %llu: writing the response failed: %s",
              (unsigned long long)ex->id, waitset_strerror(rc));
    soap_send_error(ex, version, WAITSET_EFAILURE, NULL);
    return;
  }
  soap_send_buffer(ex, 200, version, buf);
}
