/* SPDX-License-Identifier: MIT */
/* HTTP transport (libcurl) and SOAP envelope helpers of the example client. */
#include "wsclient.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct growbuf {
  char *data;
  size_t len;
  size_t cap;
  int oom;
} growbuf;

static int
growbuf_append(growbuf *buf, const char *data, size_t len)
{
  if (buf->len + len + 1 > buf->cap) {
    size_t cap = buf->cap ? buf->cap : 1024;
    char *grown;

    while (buf->len + len + 1 > cap)
      cap *= 2;
    grown = realloc(buf->data, cap);
    if (grown == NULL) {
      buf->oom = 1;
      return -1;
    }
    buf->data = grown;
    buf->cap = cap;
  }
  memcpy(buf->data + buf->len, data, len);
  buf->len += len;
  buf->data[buf->len] = '\0';
  return 0;
}

static size_t
write_cb(char *data, size_t size, size_t nmemb, void *userdata)
{
  growbuf *buf = userdata;

  if (growbuf_append(buf, data, size * nmemb) != 0)
    return 0;
  return size * nmemb;
}

/* libcurl calls this about once a second and on every socket event;
 * a non-zero return aborts the transfer. */
static int
progress_cb(void *userdata, curl_off_t dltotal, curl_off_t dlnow,
            curl_off_t ultotal, curl_off_t ulnow)
{
  volatile sig_atomic_t *abort_flag = userdata;

  (void)dltotal;
  (void)dlnow;
  (void)ultotal;
  (void)ulnow;
  return *abort_flag != 0;
}

int
wsc_global_init(void)
{
  return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void
wsc_global_cleanup(void)
{
  curl_global_cleanup();
}

int
wsc_http_post(const char *url, const char *body, size_t len,
              const wsc_http_options *options, wsc_http_result *result)
{
  static const wsc_http_options defaults = { NULL, 0, 0, NULL };
  char content_type[160];
  struct curl_slist *headers = NULL;
  growbuf buf = { NULL, 0, 0, 0 };
  CURL *curl;
  CURLcode rc;

  if (options == NULL)
    options = &defaults;
  memset(result, 0, sizeof(*result));
  growbuf_append(&buf, "", 0);

  curl = curl_easy_init();
  if (curl == NULL) {
    snprintf(result->error, sizeof(result->error),
             "curl_easy_init failed");
    result->body = buf.data;
    return -1;
  }

  snprintf(content_type, sizeof(content_type), "Content-Type: %s",
           options->content_type ? options->content_type
                                 : "application/soap+xml; charset=utf-8");
  headers = curl_slist_append(headers, content_type);
  /* libcurl sends "Expect: 100-continue" for large bodies; a plain
   * HTTP/1.1 server need not reply to it, so turn it off. */
  headers = curl_slist_append(headers, "Expect:");
  if (options->connection_close)
    headers = curl_slist_append(headers, "Connection: close");

  curl_easy_setopt(curl, CURLOPT_URL, url);
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_cb);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &buf);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, result->error);
  if (options->timeout_ms > 0)
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, options->timeout_ms);
  if (options->abort_flag != NULL) {
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, progress_cb);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA,
                     (void *)options->abort_flag);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  }

  rc = curl_easy_perform(curl);
  result->curl_code = (int)rc;
  if (rc == CURLE_OK)
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result->status);
  else if (result->error[0] == '\0')
    snprintf(result->error, sizeof(result->error), "%s",
             curl_easy_strerror(rc));
  if (buf.oom && rc == CURLE_OK)
    snprintf(result->error, sizeof(result->error),
             "out of memory reading the response");

  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  result->body = buf.data;
  result->body_len = buf.len;
  return rc == CURLE_OK && !buf.oom ? 0 : -1;
}

char *
wsc_strdup_printf(const char *fmt, ...)
{
  va_list args;
  va_list copy;
  char *out;
  int n;

  va_start(args, fmt);
  va_copy(copy, args);
  n = vsnprintf(NULL, 0, fmt, copy);
  va_end(copy);
  if (n < 0) {
    va_end(args);
    return NULL;
  }
  out = malloc((size_t)n + 1);
  if (out != NULL)
    vsnprintf(out, (size_t)n + 1, fmt, args);
  va_end(args);
  return out;
}

char *
wsc_xml_escape(const char *text)
{
  growbuf buf = { NULL, 0, 0, 0 };
  const char *p;

  growbuf_append(&buf, "", 0);
  for (p = text; *p != '\0'; p++) {
    switch (*p) {
    case '&': growbuf_append(&buf, "&amp;", 5); break;
    case '<': growbuf_append(&buf, "&lt;", 4); break;
    case '>': growbuf_append(&buf, "&gt;", 4); break;
    case '"': growbuf_append(&buf, "&quot;", 6); break;
    case '\'': growbuf_append(&buf, "&apos;", 6); break;
    default: growbuf_append(&buf, p, 1); break;
    }
  }
  if (buf.oom) {
    free(buf.data);
    return NULL;
  }
  return buf.data;
}

char *
wsc_envelope(const char *token, const char *context_extra,
             const char *body_xml)
{
  return wsc_strdup_printf(
      "<soap:Envelope xmlns:soap=\"" WSC_NS_SOAP12 "\">"
      "<soap:Header><context xmlns=\"urn:zimbra\">"
      "%s%s%s%s"
      "</context></soap:Header>"
      "<soap:Body>%s</soap:Body></soap:Envelope>",
      token && token[0] ? "<authToken>" : "", token ? token : "",
      token && token[0] ? "</authToken>" : "",
      context_extra ? context_extra : "", body_xml);
}

int
wsc_doc_parse(wsc_doc *doc, const char *buf, size_t len, char *err,
              size_t errlen)
{
  waitset_xml_options options;
  const waitset_xml_error *error;
  int rc;

  memset(doc, 0, sizeof(*doc));
  memset(&options, 0, sizeof(options));
  options.size = sizeof(options);
  options.accept_other_commands = 1;

  rc = waitset_xml_decoder_new(&doc->decoder, &options);
  if (rc != 0) {
    snprintf(err, errlen, "cannot create the XML decoder: %s",
             waitset_strerror(rc));
    return rc;
  }
  rc = waitset_xml_decoder_feed(doc->decoder, buf, len, 1);
  if (rc != 0) {
    error = waitset_xml_decoder_error(doc->decoder);
    if (error != NULL)
      snprintf(err, errlen, "line %llu, column %llu: %s",
               (unsigned long long)error->line,
               (unsigned long long)error->column, error->message);
    else
      snprintf(err, errlen, "%s", waitset_strerror(rc));
    return rc;
  }
  doc->document = waitset_xml_decoder_document(doc->decoder);
  return 0;
}

void
wsc_doc_free(wsc_doc *doc)
{
  waitset_xml_decoder_free(doc->decoder);
  doc->decoder = NULL;
  doc->document = NULL;
}

const waitset_xml_node *
wsc_node_child(const waitset_xml_node *node, const char *name)
{
  const waitset_xml_node *child;

  if (node == NULL)
    return NULL;
  for (child = node->first_child; child; child = child->next_sibling)
    if (name == NULL || strcmp(child->name, name) == 0)
      return child;
  return NULL;
}

const waitset_xml_node *
wsc_node_next(const waitset_xml_node *node, const char *name)
{
  const waitset_xml_node *sibling;

  if (node == NULL)
    return NULL;
  for (sibling = node->next_sibling; sibling; sibling = sibling->next_sibling)
    if (name == NULL || strcmp(sibling->name, name) == 0)
      return sibling;
  return NULL;
}

size_t
wsc_node_count(const waitset_xml_node *node, const char *name)
{
  const waitset_xml_node *child;
  size_t n = 0;

  for (child = wsc_node_child(node, name); child;
       child = wsc_node_next(child, name))
    n++;
  return n;
}

const char *
wsc_node_attr(const waitset_xml_node *node, const char *name)
{
  return node ? waitset_xml_node_attr(node, name) : NULL;
}

const waitset_xml_node *
wsc_node_child_with(const waitset_xml_node *node, const char *name,
                    const char *attr, const char *value)
{
  const waitset_xml_node *child;
  const char *got;

  for (child = wsc_node_child(node, name); child;
       child = wsc_node_next(child, name)) {
    got = waitset_xml_node_attr(child, attr);
    if (got != NULL && strcmp(got, value) == 0)
      return child;
  }
  return NULL;
}

static void
reply_parse(wsc_reply *reply)
{
  const waitset_xml_document *document;
  char err[200];

  if (wsc_doc_parse(&reply->doc, reply->raw, reply->raw_len, err,
                    sizeof(err))
      != 0) {
    snprintf(reply->error, sizeof(reply->error),
             "HTTP %ld response is not a SOAP document: %s", reply->status,
             err);
    return;
  }
  document = reply->doc.document;
  reply->soap_version = document->soap_version;
  reply->body = document->command_node;
  reply->context = document->context->node;
  if (document->fault != NULL) {
    reply->fault_code = document->fault->code ? document->fault->code : "";
    reply->fault_reason = document->fault->reason;
    reply->fault_value = document->fault->soap_code;
  }
}

wsc_reply *
wsc_post_raw(const char *base_url, const char *path, const char *doc,
             size_t len, const wsc_http_options *options)
{
  wsc_http_result http;
  wsc_reply *reply;
  char *url;

  reply = calloc(1, sizeof(*reply));
  url = wsc_strdup_printf("%s%s", base_url, path);
  if (reply == NULL || url == NULL) {
    free(reply);
    free(url);
    return NULL;
  }

  if (wsc_http_post(url, doc, len, options, &http) != 0) {
    snprintf(reply->error, sizeof(reply->error), "POST %.100s failed: %.140s",
             url, http.error);
    reply->raw = http.body;
    reply->raw_len = http.body_len;
    free(url);
    return reply;
  }
  free(url);

  reply->status = http.status;
  reply->raw = http.body;
  reply->raw_len = http.body_len;
  reply_parse(reply);
  return reply;
}

void
wsc_reply_free(wsc_reply *reply)
{
  if (reply == NULL)
    return;
  wsc_doc_free(&reply->doc);
  free(reply->raw);
  free(reply);
}

void
wsc_client_init(wsc_client *client, const char *base_url)
{
  size_t len;

  memset(client, 0, sizeof(*client));
  snprintf(client->base_url, sizeof(client->base_url), "%s", base_url);
  len = strlen(client->base_url);
  while (len > 0 && client->base_url[len - 1] == '/')
    client->base_url[--len] = '\0';
}

wsc_reply *
wsc_vcall(const wsc_client *client, const char *path, const char *fmt,
          va_list args)
{
  wsc_http_options options = { NULL, client->timeout_ms, 0,
                               client->abort_flag };
  wsc_reply *reply;
  va_list copy;
  char *body;
  char *doc;
  int n;

  va_copy(copy, args);
  n = vsnprintf(NULL, 0, fmt, copy);
  va_end(copy);
  if (n < 0)
    return NULL;
  body = malloc((size_t)n + 1);
  if (body == NULL)
    return NULL;
  vsnprintf(body, (size_t)n + 1, fmt, args);

  doc = wsc_envelope(client->token, client->context_extra, body);
  free(body);
  if (doc == NULL)
    return NULL;
  reply = wsc_post_raw(client->base_url, path, doc, strlen(doc), &options);
  free(doc);
  return reply;
}

wsc_reply *
wsc_call(const wsc_client *client, const char *path, const char *fmt, ...)
{
  wsc_reply *reply;
  va_list args;

  va_start(args, fmt);
  reply = wsc_vcall(client, path, fmt, args);
  va_end(args);
  return reply;
}

int
wsc_login(wsc_client *client, const char *name, const char *password,
          int admin, char *err, size_t errlen)
{
  const waitset_xml_node *token;
  wsc_reply *reply = NULL;
  char *name_xml;
  char *password_xml;

  client->token[0] = '\0';
  name_xml = wsc_xml_escape(name);
  password_xml = wsc_xml_escape(password);
  if (name_xml != NULL && password_xml != NULL && admin)
    reply = wsc_call(client, WSC_PATH_ADMIN,
                     "<AuthRequest xmlns=\"" WSC_NS_ADMIN "\">"
                     "<name>%s</name><password>%s</password>"
                     "</AuthRequest>",
                     name_xml, password_xml);
  else if (name_xml != NULL && password_xml != NULL)
    reply = wsc_call(client, WSC_PATH_MAIL,
                     "<AuthRequest xmlns=\"" WSC_NS_ACCOUNT "\">"
                     "<account by=\"name\">%s</account>"
                     "<password>%s</password></AuthRequest>",
                     name_xml, password_xml);
  free(name_xml);
  free(password_xml);
  if (reply == NULL) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  if (reply->error[0] != '\0') {
    snprintf(err, errlen, "login as %s failed: %s", name, reply->error);
    wsc_reply_free(reply);
    return -1;
  }
  if (reply->fault_code != NULL) {
    snprintf(err, errlen, "login as %s failed: %s (%s)", name,
             reply->fault_code,
             reply->fault_reason ? reply->fault_reason : "no reason");
    wsc_reply_free(reply);
    return -1;
  }
  token = reply->body ? wsc_node_child(reply->body, "authToken") : NULL;
  if (token == NULL || token->text[0] == '\0'
      || strlen(token->text) >= sizeof(client->token)) {
    snprintf(err, errlen,
             "login as %s failed: the response has no usable authToken",
             name);
    wsc_reply_free(reply);
    return -1;
  }
  snprintf(client->token, sizeof(client->token), "%s", token->text);
  wsc_reply_free(reply);
  return 0;
}
