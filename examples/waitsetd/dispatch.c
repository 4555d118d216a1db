/* SPDX-License-Identifier: MIT */
/*
 * The request pipeline of waitsetd: route by path, decode with the codec,
 * authenticate, build the caller, then hand waitset commands to the core
 * and the others to handlers.c. Also the core's host callbacks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <http_parser.h>

#include "daemon.h"
#include "log.h"
#include "soap.h"

/* A waitset request in flight. It lives until the core's response
 * callback runs or the client closes the connection. */
typedef struct waitset_exchange {
  waitsetd *d;
  http_exchange *ex;
  waitset_call *call;
  int soap_version;
  char command[40];
  char account_id[80];
  char waitset_id[80];
} waitset_exchange;

static const char *
account_for_log(const soap_request *req)
{
  if (req->target != NULL)
    return req->target->id;
  return "-";
}

void
dispatch_fault(soap_request *req, const char *code, const char *reason)
{
  log_warn("request %llu %s account=%s: fault %s: %s",
           (unsigned long long)req->ex->id, req->command->name,
           account_for_log(req), code, reason);
  soap_send_fault(req->ex, req->soap_version, code, reason);
}

/* Return the endpoint a path reaches, or 0. A trailing slash or an
 * appended command name reaches the same endpoint. */
static int
match_endpoint(const char *path)
{
  static const struct {
    const char *prefix;
    int endpoint;
  } routes[] = {
    { "/service/soap", ENDPOINT_MAIL },
    { "/service/admin/soap", ENDPOINT_ADMIN },
  };
  size_t i;

  for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
    size_t len = strlen(routes[i].prefix);

    if (strncmp(path, routes[i].prefix, len) == 0
        && (path[len] == '\0' || path[len] == '/'))
      return routes[i].endpoint;
  }
  return 0;
}

static int
namespace_allowed(int endpoint, const char *ns)
{
  if (endpoint == ENDPOINT_MAIL)
    return strcmp(ns, WAITSET_XML_NS_MAIL) == 0
           || strcmp(ns, NS_ACCOUNT) == 0;
  return strcmp(ns, WAITSET_XML_NS_ADMIN) == 0 || strcmp(ns, NS_DEMO) == 0;
}

/* ------------------------------------------------------------------ */
/* Waitset commands                                                    */

static void
on_waitset_response(waitset_registry *reg, const waitset_response *resp,
                    void *user_data)
{
  waitset_exchange *wx = user_data;
  waitset_xml_buffer *buf = NULL;
  int rc;

  (void)reg;
  if (resp->status != 0) {
    log_warn("request %llu %s account=%s waitset=%s: fault %s: %s",
             (unsigned long long)wx->ex->id, wx->command, wx->account_id,
             wx->waitset_id, waitset_fault_code(resp->status),
             resp->fault_reason ? resp->fault_reason
                                : waitset_strerror(resp->status));
  } else {
    log_debug("request %llu %s account=%s waitset=%s: responded%s",
              (unsigned long long)wx->ex->id, wx->command, wx->account_id,
              resp->waitset_id ? resp->waitset_id : wx->waitset_id,
              resp->canceled ? " (canceled)" : "");
  }
  rc = waitset_xml_encode_response(NULL, wx->soap_version, resp, &buf);
  if (rc != 0) {
    log_error("request %llu %s account=%s waitset=%s: encoding the "
              "response failed: %s", (unsigned long long)wx->ex->id,
              wx->command, wx->account_id, wx->waitset_id,
              waitset_strerror(rc));
    soap_send_error(wx->ex, wx->soap_version, WAITSET_EFAILURE, NULL);
  } else {
    soap_send_buffer(wx->ex, resp->status != 0 ? 500 : 200,
                     wx->soap_version, buf);
  }
  free(wx);
}

static void
on_waitset_abort(http_exchange *ex)
{
  waitset_exchange *wx = ex->handler_data;

  log_debug("request %llu %s account=%s waitset=%s: client closed the "
            "connection, call abandoned", (unsigned long long)ex->id,
            wx->command, wx->account_id, wx->waitset_id);
  waitset_call_abandon(wx->call);
  free(wx);
}

static void
run_waitset_command(soap_request *req)
{
  const waitset_request *request = req->doc->request;
  waitset_exchange *wx = calloc(1, sizeof(*wx));
  waitset_caller caller;
  int rc;

  if (wx == NULL) {
    dispatch_fault(req, "service.FAILURE", "system failure: out of memory");
    return;
  }
  wx->d = req->d;
  wx->ex = req->ex;
  wx->soap_version = soap_reply_version(req->soap_version);
  snprintf(wx->command, sizeof(wx->command), "%s", req->command->name);
  snprintf(wx->account_id, sizeof(wx->account_id), "%s",
           account_for_log(req));
  snprintf(wx->waitset_id, sizeof(wx->waitset_id), "%.64s",
           request->waitset_id ? request->waitset_id : "-");

  memset(&caller, 0, sizeof(caller));
  caller.size = sizeof(caller);
  caller.account_id = req->caller->id;
  caller.requested_account_id = req->target->id;
  caller.flags = req->caller_flags;

  rc = waitset_execute(req->d->registry, &caller, request,
                       on_waitset_response, wx, &wx->call);
  if (rc != 0) {
    free(wx);
    if (rc == WAITSET_ECLOSING) {
      dispatch_fault(req, "service.FAILURE",
                     "system failure: server is stopping");
      return;
    }
    log_error("request %llu %s account=%s: waitset_execute failed: %s",
              (unsigned long long)req->ex->id, req->command->name,
              account_for_log(req), waitset_strerror(rc));
    soap_send_error(req->ex, req->soap_version, WAITSET_EFAILURE, NULL);
    return;
  }
  req->ex->on_abort = on_waitset_abort;
  req->ex->handler_data = wx;
}

/* ------------------------------------------------------------------ */
/* Authentication and the requested account                            */

/* Copy a header value without surrounding blanks; "" when absent. */
static void
copy_trimmed(char *out, size_t out_len, const char *value)
{
  size_t len;

  out[0] = '\0';
  if (value == NULL)
    return;
  while (*value == ' ' || *value == '\t' || *value == '\r'
         || *value == '\n')
    value++;
  len = strlen(value);
  while (len > 0 && strchr(" \t\r\n", value[len - 1]) != NULL)
    len--;
  if (len >= out_len)
    len = out_len - 1;
  memcpy(out, value, len);
  out[len] = '\0';
}

static int
is_auth_request(const soap_request *req)
{
  const char *ns = req->command->namespace_uri;

  return strcmp(req->command->name, "AuthRequest") == 0
         && (strcmp(ns, NS_ACCOUNT) == 0
             || strcmp(ns, WAITSET_XML_NS_ADMIN) == 0);
}

/* Resolve the token. Returns 0, or -1 after sending a Fault. */
static int
authenticate(soap_request *req)
{
  const waitset_xml_context *ctx = req->doc->context;
  char token[256];
  int64_t now = (int64_t)uv_now(req->d->loop);

  copy_trimmed(token, sizeof(token), ctx->auth_token);
  if (!auth_token_well_formed(token)) {
    /* A missing or malformed token gets AUTH_REQUIRED. A well-formed
     * token that is unknown or expired gets AUTH_EXPIRED below. */
    dispatch_fault(req, "service.AUTH_REQUIRED",
                   "no valid authtoken present");
    return -1;
  }
  req->session = auth_find(&req->d->auth, token, now);
  if (req->session != NULL)
    req->caller = store_find_by_id(&req->d->store,
                                   req->session->account_id);
  if (req->session == NULL || req->caller == NULL) {
    dispatch_fault(req, "service.AUTH_EXPIRED",
                   "auth credentials have expired");
    return -1;
  }
  req->target = req->caller;
  if (req->session->admin_token) {
    req->caller_flags |= WAITSET_CALLER_ADMIN_TOKEN;
    if (req->caller->flags & ACCOUNT_ADMIN)
      req->caller_flags |= WAITSET_CALLER_GLOBAL_ADMIN;
  }
  return 0;
}

/* Apply <account by="id|name"> of the context. Returns 0, or -1 after
 * sending a Fault. */
static int
resolve_requested_account(soap_request *req)
{
  const waitset_xml_context *ctx = req->doc->context;
  const char *by = ctx->account_by ? ctx->account_by : "name";
  char key[256];
  char reason[400];
  store_account *acct;
  int global_admin = (req->caller_flags & WAITSET_CALLER_GLOBAL_ADMIN) != 0;

  if (ctx->account == NULL)
    return 0;
  copy_trimmed(key, sizeof(key), ctx->account);
  if (strcmp(by, "name") == 0) {
    acct = store_find_by_name(&req->d->store, key);
  } else if (strcmp(by, "id") == 0) {
    acct = store_find_by_id(&req->d->store, key);
  } else {
    snprintf(reason, sizeof(reason), "invalid request: invalid by: "
             "\"%.128s\"", by);
    dispatch_fault(req, "service.INVALID_REQUEST", reason);
    return -1;
  }
  if (acct == NULL && global_admin) {
    snprintf(reason, sizeof(reason), "no such account: %.128s", key);
    dispatch_fault(req, "account.NO_SUCH_ACCOUNT", reason);
    return -1;
  }
  if (acct == NULL
      || (!global_admin
          && !store_may_act_for(&req->d->store, req->caller, acct))) {
    snprintf(reason, sizeof(reason), "permission denied: can not access "
             "account %.128s", key);
    dispatch_fault(req, "service.PERM_DENIED", reason);
    return -1;
  }
  req->target = acct;
  return 0;
}

/* ------------------------------------------------------------------ */
/* Pipeline                                                            */

static void
process_document(soap_request *req)
{
  char reason[256];

  if (!namespace_allowed(req->endpoint, req->command->namespace_uri)) {
    snprintf(reason, sizeof(reason), "unknown document: %.128s",
             req->command->name);
    dispatch_fault(req, "service.UNKNOWN_DOCUMENT", reason);
    return;
  }
  req->source_waitset_id = req->doc->context->session_ws_id;
  if (req->d->stopping) {
    /* The registry is closing or closed: nothing can run any more. */
    dispatch_fault(req, "service.FAILURE",
                   "system failure: server is stopping");
    return;
  }
  if (is_auth_request(req)) {
    if (handlers_run(req) != 0)
      dispatch_fault(req, "service.FAILURE", "system failure: no handler");
    return;
  }
  if (authenticate(req) != 0)
    return;
  if (req->endpoint == ENDPOINT_ADMIN
      && !(req->caller_flags & WAITSET_CALLER_ADMIN_TOKEN)) {
    dispatch_fault(req, "service.PERM_DENIED",
                   "permission denied: need adequate admin token");
    return;
  }
  if (resolve_requested_account(req) != 0)
    return;
  log_debug("request %llu %s account=%s", (unsigned long long)req->ex->id,
            req->command->name, account_for_log(req));
  if (req->doc->request != NULL) {
    run_waitset_command(req);
    return;
  }
  if (handlers_run(req) != 0) {
    snprintf(reason, sizeof(reason), "unknown document: %.128s",
             req->command->name);
    dispatch_fault(req, "service.UNKNOWN_DOCUMENT", reason);
  }
}

static void
send_decode_error(waitsetd *d, http_exchange *ex, int rc)
{
  const waitset_xml_error *error = waitset_xml_decoder_error(d->decoder);
  waitset_xml_buffer *buf = NULL;

  if (error == NULL) {
    log_error("request %llu from %s: decoder failed: %s",
              (unsigned long long)ex->id, ex->peer, waitset_strerror(rc));
    soap_send_error(ex, WAITSET_XML_SOAP_12, WAITSET_EFAILURE, NULL);
    return;
  }
  log_warn("request %llu from %s %s: fault %s: %s (line %llu, column "
           "%llu)", (unsigned long long)ex->id, ex->peer, ex->path,
           waitset_fault_code(error->fault), error->message,
           (unsigned long long)error->line,
           (unsigned long long)error->column);
  rc = waitset_xml_encode_error(NULL, error, &buf);
  if (rc != 0) {
    log_error("request %llu: encoding the fault failed: %s",
              (unsigned long long)ex->id, waitset_strerror(rc));
    http_exchange_respond(ex, 500, "text/plain; charset=utf-8",
                          "internal error\n", 15);
    return;
  }
  soap_send_buffer(ex, 500, error->soap_version, buf);
}

void
dispatch_request(http_exchange *ex, void *user_data)
{
  waitsetd *d = user_data;
  int endpoint = match_endpoint(ex->path);
  soap_request req;
  int rc;

  log_debug("request %llu from %s: %s %s (%zu bytes)",
            (unsigned long long)ex->id, ex->peer,
            http_method_str((enum http_method)ex->method), ex->path,
            ex->body_length);
  if (endpoint == 0) {
    http_exchange_respond(ex, 404, "text/plain; charset=utf-8",
                          "not found\n", 10);
    return;
  }
  if (ex->method != HTTP_POST) {
    http_exchange_respond(ex, 405, "text/plain; charset=utf-8",
                          "method not allowed: use POST\n", 29);
    return;
  }

  /* The decoder is clean here: it is reset after every request. */
  rc = waitset_xml_decoder_feed(d->decoder, ex->body, ex->body_length, 1);
  http_exchange_drop_body(ex);
  if (rc != 0) {
    send_decode_error(d, ex, rc);
    waitset_xml_decoder_reset(d->decoder);
    return;
  }

  memset(&req, 0, sizeof(req));
  req.d = d;
  req.ex = ex;
  req.endpoint = endpoint;
  req.doc = waitset_xml_decoder_document(d->decoder);
  req.soap_version = soap_reply_version(req.doc->soap_version);
  req.command = req.doc->command_node;
  process_document(&req);
  /* The document is not needed past this point: waitset_execute()
   * copied the request. */
  waitset_xml_decoder_reset(d->decoder);
}

/* The body bytes decoded to find the SOAP version of an oversized
 * request. The Envelope start tag is the first element, so it sits at
 * the start of the body, and a bounded prefix bounds the parsing cost. */
#define ENVELOPE_PREFIX_BYTES 16384

/*
 * Return the SOAP version of the envelope in the first bytes of a body:
 * the version of its Envelope start tag when the prefix contains one, else
 * SOAP 1.2. The decoder reads the prefix as a whole document, so it
 * fails at the cut, and its error carries the version it found.
 */
static int
prefix_soap_version(waitsetd *d, const char *body, size_t length)
{
  const waitset_xml_error *error;
  int version = WAITSET_XML_SOAP_12;
  int rc;

  if (length > ENVELOPE_PREFIX_BYTES)
    length = ENVELOPE_PREFIX_BYTES;
  /* The decoder is clean here: it is reset after every request. */
  rc = waitset_xml_decoder_feed(d->decoder, body, length, 1);
  if (rc == 0) {
    version = waitset_xml_decoder_document(d->decoder)->soap_version;
  } else {
    error = waitset_xml_decoder_error(d->decoder);
    if (error != NULL)
      version = error->soap_version;
  }
  waitset_xml_decoder_reset(d->decoder);
  return soap_reply_version(version);
}

void
dispatch_too_large(http_too_large *request, void *user_data)
{
  waitsetd *d = user_data;
  waitset_xml_buffer *buf = NULL;
  char reason[128];
  int version;
  int rc;

  version = prefix_soap_version(d, request->body, request->body_length);
  /* The codec's own size limit uses the same reason. */
  snprintf(reason, sizeof(reason), "invalid request: the document is "
           "larger than %zu bytes", request->limit);
  rc = waitset_xml_encode_fault(NULL, version, WAITSET_EINVALID_REQUEST,
                                reason, NULL, 0, &buf);
  if (rc != 0) {
    log_error("%s: encoding the fault for an oversized request failed: "
              "%s", request->peer, waitset_strerror(rc));
    return;
  }
  request->reply = malloc(waitset_xml_buffer_length(buf));
  if (request->reply != NULL) {
    request->reply_length = waitset_xml_buffer_length(buf);
    memcpy(request->reply, waitset_xml_buffer_data(buf),
           request->reply_length);
    request->content_type = soap_content_type(version);
  }
  waitset_xml_buffer_free(buf);
}

/* ------------------------------------------------------------------ */
/* Host callbacks                                                      */

/*
 * Return 1 when the caller may add acct to a waitset (the "additional
 * account" right). Global admins may use every account. Other callers may use the requested account, which
 * resolve_requested_account() already checked, and the accounts that
 * the token's account may act for (itself, its child accounts and its
 * loginas targets). Only accounts with the admin flag obtain admin
 * tokens, so there is no admin without the global-admin right here.
 */
static int
caller_may_access(waitsetd *d, const waitset_caller *caller,
                  const store_account *acct)
{
  store_account *actor;

  if (caller->flags & WAITSET_CALLER_GLOBAL_ADMIN)
    return 1;
  if (caller->requested_account_id != NULL
      && strcasecmp(caller->requested_account_id, acct->id) == 0)
    return 1;
  if (caller->account_id == NULL)
    return 0;
  actor = store_find_by_id(&d->store, caller->account_id);
  return actor != NULL && store_may_act_for(&d->store, actor, acct);
}

static void
host_lookup_account(waitset_registry *reg, waitset_lookup *lookup,
                    void *user_data)
{
  waitsetd *d = user_data;
  const char *key = waitset_lookup_key(lookup);
  store_account *acct;
  waitset_account_info info;

  (void)reg;
  if (waitset_lookup_by_name(lookup))
    acct = store_find_by_name(&d->store, key);
  else
    acct = store_find_by_id(&d->store, key);

  memset(&info, 0, sizeof(info));
  info.size = sizeof(info);
  if (acct == NULL) {
    info.status = WAITSET_ACCOUNT_NOT_FOUND;
    info.id = waitset_lookup_by_name(lookup) ? NULL : key;
    info.name = waitset_lookup_by_name(lookup) ? key : NULL;
  } else {
    info.status = store_account_status(acct);
    info.access = caller_may_access(d, waitset_lookup_caller(lookup),
                                    acct);
    info.id = acct->id;
    info.name = acct->name;
    info.last_change_id = acct->mailbox.last_change_id;
  }
  waitset_lookup_complete(lookup, &info);
}

static int64_t
host_last_change_id(waitset_registry *reg, const char *account_id,
                    void *user_data)
{
  waitsetd *d = user_data;
  store_account *acct = store_find_by_id(&d->store, account_id);

  (void)reg;
  if (acct == NULL || store_account_status(acct) != WAITSET_ACCOUNT_LOCAL)
    return -1;
  return acct->mailbox.last_change_id;
}

void
dispatch_host_init(waitset_host *host, waitsetd *d)
{
  memset(host, 0, sizeof(*host));
  host->size = sizeof(*host);
  host->lookup_account = host_lookup_account;
  host->last_change_id = host_last_change_id;
  host->user_data = d;
}

void
dispatch_post_change(const waitset_change *change, void *user_data)
{
  waitsetd *d = user_data;
  int rc;

  if (d->registry == NULL)
    return;
  rc = waitset_post_change(d->registry, change);
  if (rc != 0 && rc != WAITSET_ECLOSING)
    log_error("posting change %lld of account %s failed: %s",
              (long long)change->change_id, change->account_id,
              waitset_strerror(rc));
}
