/* SPDX-License-Identifier: MIT */
/*
 * The state of one waitsetd process, shared by main.c (lifecycle),
 * dispatch.c (the request pipeline) and handlers.c (the demo commands).
 */
#ifndef WAITSETD_DAEMON_H
#define WAITSETD_DAEMON_H

#include <uv.h>
#include <waitset/waitset.h>
#include <waitset/xml.h>

#include "auth.h"
#include "http.h"
#include "options.h"
#include "store.h"

#define NS_ACCOUNT "urn:zimbraAccount"
#define NS_DEMO "urn:waitsetDemo"

enum endpoint {
  ENDPOINT_MAIL = 1, /* /service/soap */
  ENDPOINT_ADMIN = 2 /* /service/admin/soap */
};

typedef struct waitsetd {
  uv_loop_t *loop;
  daemon_options opts;
  store store;
  auth_table auth;
  waitset_registry *registry;
  waitset_xml_decoder *decoder;
  http_server *http;
  uv_signal_t sigint;
  uv_signal_t sigterm;
  int stopping;
  int64_t next_session_id;
} waitsetd;

/*
 * One SOAP request after decoding and authentication: what a command
 * handler needs. Pointers into the decoded document are valid only
 * while the handler runs synchronously.
 */
typedef struct soap_request {
  waitsetd *d;
  http_exchange *ex;
  int endpoint;
  int soap_version;
  const waitset_xml_document *doc;
  const waitset_xml_node *command;
  const auth_session *session; /* NULL without a valid token */
  store_account *caller;       /* the token's account, or NULL */
  store_account *target;       /* the requested account, or caller */
  uint32_t caller_flags;       /* enum waitset_caller_flag */
  const char *source_waitset_id; /* <session wsId=".."/>, or NULL */
} soap_request;

/* The HTTP request callback: route, decode, authenticate, dispatch. */
void dispatch_request(http_exchange *ex, void *user_data);

/* The HTTP callback for a body over --max-request-bytes: an
 * INVALID_REQUEST Fault in the SOAP version of the envelope read so
 * far. */
void dispatch_too_large(http_too_large *request, void *user_data);

/* Fill in the core's host callbacks, which read d's store. */
void dispatch_host_init(waitset_host *host, waitsetd *d);

/* Post a store commit to the registry (a store_change_cb). */
void dispatch_post_change(const waitset_change *change, void *user_data);

/*
 * Run a demo command (auth, mail, admin). Returns 0 when it sent the
 * response, or -1 when the command is unknown and nothing was sent.
 */
int handlers_run(soap_request *req);

/* Send a Fault and log it with the request name and account. */
void dispatch_fault(soap_request *req, const char *code,
                    const char *reason);

#endif /* WAITSETD_DAEMON_H */
