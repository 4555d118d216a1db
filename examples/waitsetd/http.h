/* SPDX-License-Identifier: MIT */
/*
 * A small HTTP/1.1 server on libuv and http_parser: keep-alive,
 * Content-Length and chunked request bodies, a body size limit, and one
 * request in flight per connection. Bytes a client pipelines behind a
 * pending request stay buffered until that request has its response,
 * and reading stops while too many response bytes are queued.
 */
#ifndef WAITSETD_HTTP_H
#define WAITSETD_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

typedef struct http_server http_server;
typedef struct http_conn http_conn;

/*
 * One request and its pending response. The request callback must send
 * the response with http_exchange_respond(), at once or later on the
 * loop. When the client goes away first, on_abort (if set) runs and the
 * exchange is freed, so the handler must drop its pointer.
 */
typedef struct http_exchange {
  http_conn *conn;
  uint64_t id;      /* request number, for logs */
  int method;       /* enum http_method */
  const char *path; /* the URL path, without query */
  const char *body;
  size_t body_length;
  char peer[64]; /* client address, for logs */
  void (*on_abort)(struct http_exchange *ex);
  void *handler_data;
} http_exchange;

typedef void (*http_request_cb)(http_exchange *ex, void *user_data);
typedef void (*http_closed_cb)(void *user_data);

/*
 * A request whose body passes max_body_bytes, for the callback that
 * builds the body of its 413 response. The server sets the first four
 * fields. The callback sets content_type to a static string and reply
 * to a malloc'd body, which the server frees. A reply left NULL sends a
 * short text/plain body.
 */
typedef struct http_too_large {
  const char *body;   /* the body bytes read up to the limit, maybe none */
  size_t body_length;
  size_t limit;       /* max_body_bytes */
  const char *peer;   /* client address, for logs */
  const char *content_type;
  char *reply;
  size_t reply_length;
} http_too_large;

typedef void (*http_too_large_cb)(http_too_large *request, void *user_data);

typedef struct http_server_config {
  const char *host;
  int port; /* 0 picks a free port */
  size_t max_body_bytes;
  /* A request not fully read this long after its first byte gets 408
   * and the connection closes; 0 disables the limit. */
  uint64_t read_timeout_ms;
  /* A connection with no request in progress and none pending closes
   * after this long; 0 disables the limit. */
  uint64_t idle_timeout_ms;
  /* Connections accepted beyond this many open ones are closed at once;
   * 0 means no cap. */
  size_t max_connections;
  /* When more response bytes than this wait in a connection's write
   * queue, the server stops reading requests from it until the queue
   * is below half of this; 0 means no limit. */
  size_t max_output_bytes;
  http_request_cb on_request;
  /* Builds the 413 response body; NULL sends a short text body. After a
   * 413 the connection closes. */
  http_too_large_cb on_too_large;
  void *user_data;
} http_server_config;

/*
 * Bind and listen. On success writes the bound "HOST:PORT" to bound.
 * Returns 0 or a negative libuv error code.
 */
int http_server_start(http_server **out, uv_loop_t *loop,
                      const http_server_config *config, char *bound,
                      size_t bound_len);

/* Free the request body once it is decoded, so a pending request keeps
 * no copy of it. ex->body becomes "" and body_length 0. */
void http_exchange_drop_body(http_exchange *ex);

/*
 * Send the response to a request; body is copied. The connection then
 * reads the next request, or closes when the client asked for that.
 */
void http_exchange_respond(http_exchange *ex, int status,
                           const char *content_type, const char *body,
                           size_t body_length);

/*
 * Stop accepting, close idle connections at once and the others once
 * their responses are written, then call done. Requests still pending
 * are aborted. The server is freed before done runs.
 */
void http_server_close(http_server *srv, http_closed_cb done,
                       void *user_data);

#endif /* WAITSETD_HTTP_H */
