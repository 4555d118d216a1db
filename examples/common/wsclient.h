/* SPDX-License-Identifier: MIT */
/*
 * A small SOAP client for the waitsetd examples and the end-to-end tests.
 *
 * HTTP goes through libcurl; response documents are parsed with the
 * generic decoder of libwaitset-xml, which yields a read-only element
 * tree. The helpers below wrap that tree with lookups by local name, the
 * way a client reads Zimbra responses: children below the command element
 * may be in the command's namespace or in none.
 *
 * Every function is blocking and keeps no global state besides libcurl's,
 * so threads may each run their own requests once curl_global_init() has
 * run (wsc_global_init() does it).
 */
#ifndef WAITSET_EXAMPLES_WSCLIENT_H
#define WAITSET_EXAMPLES_WSCLIENT_H

#include <signal.h>
#include <stdarg.h>
#include <stddef.h>

#include <waitset/xml.h>

#define WSC_NS_SOAP12 "http://www.w3.org/2003/05/soap-envelope"
#define WSC_NS_SOAP11 "http://schemas.xmlsoap.org/soap/envelope/"
#define WSC_NS_MAIL "urn:zimbraMail"
#define WSC_NS_ACCOUNT "urn:zimbraAccount"
#define WSC_NS_ADMIN "urn:zimbraAdmin"
#define WSC_NS_DEMO "urn:waitsetDemo"

#define WSC_PATH_MAIL "/service/soap"
#define WSC_PATH_ADMIN "/service/admin/soap"

/* Initialize libcurl once per process; returns 0 or -1. */
int wsc_global_init(void);
void wsc_global_cleanup(void);

/* ------------------------------------------------------------------ */
/* Element tree                                                        */

/*
 * A parsed response: the codec's decoder with accept_other_commands set,
 * so any command element, response or Fault decodes into a node tree.
 */
typedef struct wsc_doc {
  waitset_xml_decoder *decoder;
  const waitset_xml_document *document; /* NULL when parsing failed */
} wsc_doc;

/*
 * Parse a complete document into doc. Returns 0, or a negative
 * WAITSET_E* code with a message naming the line and column in err.
 * Free doc with wsc_doc_free() in both cases.
 */
int wsc_doc_parse(wsc_doc *doc, const char *buf, size_t len, char *err,
                  size_t errlen);
void wsc_doc_free(wsc_doc *doc);

/* First child element with this local name (any when NULL), or NULL. */
const waitset_xml_node *wsc_node_child(const waitset_xml_node *node,
                                       const char *name);

/* Next sibling element with this local name (any when NULL), or NULL. */
const waitset_xml_node *wsc_node_next(const waitset_xml_node *node,
                                      const char *name);

/* Number of child elements with this local name (all when NULL). */
size_t wsc_node_count(const waitset_xml_node *node, const char *name);

/*
 * Child element whose attribute attr equals value, or NULL: for example
 * the <a> of one account in a WaitSetResponse.
 */
const waitset_xml_node *wsc_node_child_with(const waitset_xml_node *node,
                                            const char *name,
                                            const char *attr,
                                            const char *value);

/* Attribute value, or NULL when the node is NULL or has no such one. */
const char *wsc_node_attr(const waitset_xml_node *node, const char *name);

/* ------------------------------------------------------------------ */
/* HTTP                                                                */

typedef struct wsc_http_options {
  const char *content_type;   /* NULL: application/soap+xml */
  long timeout_ms;            /* whole transfer; 0 means no limit */
  int connection_close;       /* send "Connection: close" */
  /* When not NULL, the transfer is aborted soon after *abort_flag
   * becomes non-zero, e.g. from a signal handler. */
  volatile sig_atomic_t *abort_flag;
} wsc_http_options;

typedef struct wsc_http_result {
  long status;                /* HTTP status, 0 when none was read */
  char *body;                 /* NUL-terminated; free with free() */
  size_t body_len;
  int curl_code;              /* CURLcode of the transfer */
  char error[256];            /* transport error message, or "" */
} wsc_http_result;

/*
 * POST body to url. Returns 0 when an HTTP response arrived (any status),
 * -1 on a transport failure (message in result->error). result->body is
 * allocated in both cases and must be freed.
 */
int wsc_http_post(const char *url, const char *body, size_t len,
                  const wsc_http_options *options, wsc_http_result *result);

/* ------------------------------------------------------------------ */
/* SOAP                                                                */

typedef struct wsc_reply {
  long status;                /* HTTP status, 0 on transport failure */
  char *raw;                  /* response body, NUL-terminated */
  size_t raw_len;
  wsc_doc doc;
  /* The body's command element (a response or a Fault), or NULL when
   * the body is not a SOAP document. */
  const waitset_xml_node *body;
  const waitset_xml_node *context; /* the response's context header */
  int soap_version;           /* enum waitset_xml_soap_version */
  /* Fault fields; all NULL unless the body is a Fault. */
  const char *fault_code;     /* Detail/Error/Code, e.g. service.PERM_DENIED */
  const char *fault_reason;   /* Reason/Text or faultstring */
  const char *fault_value;    /* Code/Value or faultcode */
  char error[256];            /* transport or parse error, or "" */
} wsc_reply;

void wsc_reply_free(wsc_reply *reply);

/*
 * Wrap body_xml in a SOAP 1.2 envelope. token (may be NULL) goes into
 * context/authToken; context_extra (may be NULL) is copied verbatim into
 * the context element, e.g. "<session wsId=\"W\"/>". Returns a string
 * allocated with malloc, or NULL when out of memory.
 */
char *wsc_envelope(const char *token, const char *context_extra,
                   const char *body_xml);

/*
 * POST a complete document to base_url + path and parse the response.
 * Returns NULL only when out of memory; transport and parse failures are
 * reported in reply->error with status 0 or doc NULL.
 */
wsc_reply *wsc_post_raw(const char *base_url, const char *path,
                        const char *doc, size_t len,
                        const wsc_http_options *options);

/* A logged-in session. */
typedef struct wsc_client {
  char base_url[256];         /* http://HOST:PORT */
  char token[512];            /* auth token, "" before login */
  char context_extra[512];    /* copied into every context header */
  long timeout_ms;            /* per request; 0 means no limit */
  volatile sig_atomic_t *abort_flag; /* as in wsc_http_options */
} wsc_client;

void wsc_client_init(wsc_client *client, const char *base_url);

/*
 * Send AuthRequest. admin selects urn:zimbraAdmin on the admin path,
 * otherwise urn:zimbraAccount on the mail path. Returns 0 and stores the
 * token, or -1 with a message in err.
 */
int wsc_login(wsc_client *client, const char *name, const char *password,
              int admin, char *err, size_t errlen);

/*
 * Format a body element with printf-style arguments, wrap it in an
 * envelope carrying the client's token and post it to path.
 */
wsc_reply *wsc_call(const wsc_client *client, const char *path,
                    const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
wsc_reply *wsc_vcall(const wsc_client *client, const char *path,
                     const char *fmt, va_list args);

/* Escape & < > " ' for XML text or attributes; NULL when out of memory. */
char *wsc_xml_escape(const char *text);

/* printf into a new malloc'd string; NULL when out of memory. */
char *wsc_strdup_printf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

#endif /* WAITSET_EXAMPLES_WSCLIENT_H */
