/* SPDX-License-Identifier: MIT */
#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <http_parser.h>

#include "log.h"

#define MAX_URL_BYTES 8192
#define HEADER_NAME_BYTES 32
#define HEADER_VALUE_BYTES 64
#define READ_BUFFER_BYTES 65536
#define BODY_PREALLOC_MAX (1024 * 1024)

struct http_server {
  uv_loop_t *loop;
  uv_tcp_t listener;
  http_server_config config;
  http_conn *conns; /* doubly linked list of open connections */
  size_t conn_count;
  /* Connections closed at once for --max-connections since the last
   * log line about them, and the loop time of that line. */
  uint64_t rejected_count;
  uint64_t rejected_logged_ms;
  int rejected_logged;
  /* Every read goes into this buffer: on_read consumes or copies the
   * bytes before it returns. */
  char *read_buffer;
  int read_buffer_busy;
  uint64_t next_request_id;
  int closing;
  int listener_closed;
  http_closed_cb on_closed;
  void *closed_user_data;
};

struct http_conn {
  uv_tcp_t tcp;
  /* Read and idle timeouts; stopped while a request is pending. */
  uv_timer_t timer;
  int open_handles; /* tcp and timer until both close callbacks ran */
  http_server *srv;
  http_conn *prev;
  http_conn *next;
  http_parser parser;
  char peer[64];

  /* The request being read. */
  char *url;
  size_t url_length;
  char *body;
  size_t body_length;
  size_t body_capacity;
  uint64_t declared_length; /* Content-Length, or 0 */
  char header_name[HEADER_NAME_BYTES];
  size_t header_name_length;
  char header_value[HEADER_VALUE_BYTES];
  size_t header_value_length;
  int header_in_value;
  int expect_continue;
  int keep_alive;
  int in_request; /* the first byte of a request is read, not its end */
  /* The response when a callback stopped the parser: a status and a
   * static message, or 0 to report http_parser's own error. */
  int error_status;
  const char *error_message;
  size_t header_value_total; /* bytes of the value, before any cut */
  int transfer_encoding_seen;

  /* The request waiting for its response; input read meanwhile is kept
   * in backlog. */
  http_exchange *exchange;
  char *backlog;
  size_t backlog_length;
  int in_execute;
  int resume_pending;
  int read_paused; /* reading stopped because the backlog is full */
  /* Reading stopped because the write queue passed max_output_bytes;
   * the parser stays paused until on_write finds the queue drained. */
  int output_paused;
  int reading; /* uv_read_start() is in effect */

  int writes_pending;
  int close_after_write; /* the response being written is the last */
  int shutdown_started;
  int peer_closed; /* end of input seen while a response was written */
  uv_shutdown_t shutdown_req;
  int closing;
};

typedef struct write_req {
  uv_write_t req;
  http_conn *conn;
  char data[];
} write_req;

static void conn_close(http_conn *conn);
static void conn_resume(http_conn *conn);
static void conn_update_reading(http_conn *conn);
static void conn_finish(http_conn *conn);
static void conn_process(http_conn *conn, const char *data, size_t len);
static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf);
static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf);
static void on_conn_timeout(uv_timer_t *timer);
static void server_free(http_server *srv);

static void *
xrealloc(void *ptr, size_t size)
{
  void *p = realloc(ptr, size ? size : 1);

  if (p == NULL) {
    log_error("out of memory (%zu bytes) in the HTTP server", size);
    abort();
  }
  return p;
}

/* ------------------------------------------------------------------ */
/* Timeouts                                                            */

/* Restart the connection's timer; timeout_ms 0 stops it. */
static void
conn_arm_timer(http_conn *conn, uint64_t timeout_ms)
{
  if (conn->closing)
    return;
  if (timeout_ms == 0)
    uv_timer_stop(&conn->timer);
  else
    uv_timer_start(&conn->timer, on_conn_timeout, timeout_ms, 0);
}

/* Wait for the next request under the idle timeout. */
static void
conn_wait_idle(http_conn *conn)
{
  conn->in_request = 0;
  conn_arm_timer(conn, conn->srv->config.idle_timeout_ms);
}

/*
 * Bound the time a connection may take to end after its last response:
 * a client that never reads it or never closes its side is cut off. The
 * read timeout applies, or the idle timeout when that one is disabled.
 */
static void
conn_arm_linger(http_conn *conn)
{
  const http_server_config *config = &conn->srv->config;

  conn_arm_timer(conn, config->read_timeout_ms ? config->read_timeout_ms
                                               : config->idle_timeout_ms);
}

/* ------------------------------------------------------------------ */
/* Writing                                                             */

static void
on_shutdown(uv_shutdown_t *req, int status)
{
  http_conn *conn = req->data;

  if (status < 0)
    conn_close(conn);
}

/*
 * End a connection whose last response is written. Closing a socket with
 * unread input makes the kernel send a reset, which can destroy the
 * response before the client reads it (a 413 sent while the client is
 * still uploading). So the write side is shut down and the input is
 * read and dropped until the client closes. When the server is stopping,
 * the connection closes at once.
 */
static void
conn_finish(http_conn *conn)
{
  int rc;

  if (conn->closing || conn->shutdown_started)
    return;
  if (conn->srv->closing || conn->peer_closed) {
    conn_close(conn);
    return;
  }
  conn->shutdown_started = 1;
  conn->shutdown_req.data = conn;
  rc = uv_shutdown(&conn->shutdown_req, (uv_stream_t *)&conn->tcp,
                   on_shutdown);
  if (rc < 0) {
    conn_close(conn);
    return;
  }
  /* The write queue is empty here, and the rest of the input is read
   * and dropped. */
  conn->read_paused = 0;
  conn->output_paused = 0;
  conn_update_reading(conn);
}

static size_t
conn_queued_output(http_conn *conn)
{
  return uv_stream_get_write_queue_size((uv_stream_t *)&conn->tcp);
}

static void
on_write(uv_write_t *req, int status)
{
  write_req *wr = (write_req *)req;
  http_conn *conn = wr->conn;

  free(wr);
  conn->writes_pending--;
  if (status < 0 && status != UV_ECANCELED) {
    log_debug("write to %s failed: %s", conn->peer, uv_strerror(status));
    conn_close(conn);
    return;
  }
  if (conn->output_paused && !conn->closing
      && conn_queued_output(conn) <= conn->srv->config.max_output_bytes / 2) {
    log_debug("%s: %zu response bytes queued: reading resumed", conn->peer,
              conn_queued_output(conn));
    conn->output_paused = 0;
    conn_resume(conn);
  }
  if (conn->close_after_write && conn->writes_pending == 0)
    conn_finish(conn);
}

static void
conn_write(http_conn *conn, const char *head, size_t head_length,
           const char *body, size_t body_length)
{
  write_req *wr;
  uv_buf_t buf;
  int rc;

  if (conn->closing)
    return;
  wr = xrealloc(NULL, sizeof(*wr) + head_length + body_length);
  wr->conn = conn;
  memcpy(wr->data, head, head_length);
  if (body_length > 0)
    memcpy(wr->data + head_length, body, body_length);
  buf = uv_buf_init(wr->data, (unsigned)(head_length + body_length));
  rc = uv_write(&wr->req, (uv_stream_t *)&conn->tcp, &buf, 1, on_write);
  if (rc < 0) {
    log_debug("write to %s failed: %s", conn->peer, uv_strerror(rc));
    free(wr);
    conn_close(conn);
    return;
  }
  conn->writes_pending++;
}

static const char *
status_text(int status)
{
  switch (status) {
  case 100:
    return "Continue";
  case 200:
    return "OK";
  case 400:
    return "Bad Request";
  case 404:
    return "Not Found";
  case 405:
    return "Method Not Allowed";
  case 408:
    return "Request Timeout";
  case 411:
    return "Length Required";
  case 413:
    return "Payload Too Large";
  case 500:
    return "Internal Server Error";
  case 501:
    return "Not Implemented";
  case 503:
    return "Service Unavailable";
  default:
    return "Unknown";
  }
}

static void
conn_send_response(http_conn *conn, int status, const char *content_type,
                   const char *body, size_t body_length, int keep_alive)
{
  char head[512];
  int n;

  n = snprintf(head, sizeof(head),
               "HTTP/1.1 %d %s\r\n"
               "Content-Type: %s\r\n"
               "Content-Length: %zu\r\n"
               "%s"
               "Connection: %s\r\n\r\n",
               status, status_text(status), content_type, body_length,
               status == 405 ? "Allow: POST\r\n" : "",
               keep_alive ? "keep-alive" : "close");
  conn_write(conn, head, (size_t)n, body, body_length);
  if (!keep_alive) {
    conn->close_after_write = 1;
    conn_arm_linger(conn);
  }
}

/* Send an HTTP error response with a short text body, then close. */
static void
conn_fail(http_conn *conn, int status, const char *message)
{
  char body[256];
  int n = snprintf(body, sizeof(body), "%s\n", message);

  log_warn("%s: HTTP %d: %s", conn->peer, status, message);
  conn_send_response(conn, status, "text/plain; charset=utf-8", body,
                     (size_t)n, 0);
}

/*
 * Send the 413 response to a body over the limit, then close. The
 * on_too_large callback builds the body from the bytes read so far.
 */
static void
conn_fail_too_large(http_conn *conn)
{
  http_server *srv = conn->srv;
  http_too_large request;
  char text[128];
  int n;

  memset(&request, 0, sizeof(request));
  request.body = conn->body != NULL ? conn->body : "";
  request.body_length = conn->body_length;
  request.limit = srv->config.max_body_bytes;
  request.peer = conn->peer;
  log_warn("%s: HTTP 413: request body larger than %zu bytes", conn->peer,
           request.limit);
  if (srv->config.on_too_large != NULL)
    srv->config.on_too_large(&request, srv->config.user_data);
  if (request.reply != NULL) {
    conn_send_response(conn, 413, request.content_type, request.reply,
                       request.reply_length, 0);
    free(request.reply);
  } else {
    n = snprintf(text, sizeof(text), "request body larger than %zu "
                 "bytes\n", request.limit);
    conn_send_response(conn, 413, "text/plain; charset=utf-8", text,
                       (size_t)n, 0);
  }
  /* Nothing more is read from this connection: free the partial body
   * now rather than when the client closes. */
  free(conn->body);
  conn->body = NULL;
  conn->body_length = 0;
  conn->body_capacity = 0;
}

/* ------------------------------------------------------------------ */
/* Parser callbacks                                                    */

/* Record the error response for a callback that stops the parser. A
 * 413 takes no message: conn_fail_too_large() builds its response. */
static int
stop_parser(http_conn *conn, int status, const char *message)
{
  conn->error_status = status;
  conn->error_message = message;
  return -1;
}

static void
reset_request(http_conn *conn)
{
  free(conn->url);
  conn->url = NULL;
  conn->url_length = 0;
  free(conn->body);
  conn->body = NULL;
  conn->body_length = 0;
  conn->body_capacity = 0;
  conn->declared_length = 0;
  conn->header_name_length = 0;
  conn->header_value_length = 0;
  conn->header_value_total = 0;
  conn->header_in_value = 0;
  conn->expect_continue = 0;
  conn->transfer_encoding_seen = 0;
}

static int
on_message_begin(http_parser *parser)
{
  http_conn *conn = parser->data;

  reset_request(conn);
  conn->in_request = 1;
  conn_arm_timer(conn, conn->srv->config.read_timeout_ms);
  return 0;
}

static int
on_url(http_parser *parser, const char *at, size_t len)
{
  http_conn *conn = parser->data;

  if (conn->url_length + len > MAX_URL_BYTES)
    return stop_parser(conn, 400, "invalid or too long request URL");
  conn->url = xrealloc(conn->url, conn->url_length + len + 1);
  memcpy(conn->url + conn->url_length, at, len);
  conn->url_length += len;
  conn->url[conn->url_length] = '\0';
  return 0;
}

/* Append to a fixed buffer, silently cutting what does not fit: only
 * short headers are inspected. */
static void
append_cut(char *dst, size_t *dst_length, size_t capacity, const char *at,
           size_t len)
{
  size_t room = capacity - 1 - *dst_length;

  if (len > room)
    len = room;
  memcpy(dst + *dst_length, at, len);
  *dst_length += len;
  dst[*dst_length] = '\0';
}

/*
 * Return 1 when a Transfer-Encoding value is exactly "chunked", the one
 * coding the server decodes, with optional blanks around it.
 */
static int
is_plain_chunked(const char *value, size_t length)
{
  while (length > 0 && (*value == ' ' || *value == '\t')) {
    value++;
    length--;
  }
  while (length > 0 && (value[length - 1] == ' '
                        || value[length - 1] == '\t'))
    length--;
  return length == 7 && strncasecmp(value, "chunked", 7) == 0;
}

/* Act on the header just read; 0, or -1 after stop_parser(). */
static int
finish_header(http_conn *conn)
{
  int rc = 0;

  if (conn->header_name_length == 0)
    return 0;
  if (strcasecmp(conn->header_name, "expect") == 0
      && strcasecmp(conn->header_value, "100-continue") == 0)
    conn->expect_continue = 1;
  if (strcasecmp(conn->header_name, "transfer-encoding") == 0) {
    /* Any other coding, a list ("gzip, chunked") or a second header
     * would need decoding the server does not do. */
    if (conn->transfer_encoding_seen
        || conn->header_value_total != conn->header_value_length
        || !is_plain_chunked(conn->header_value,
                             conn->header_value_length))
      rc = stop_parser(conn, 501, "unsupported Transfer-Encoding: only "
                       "\"chunked\" alone is accepted");
    conn->transfer_encoding_seen = 1;
  }
  conn->header_name_length = 0;
  conn->header_value_length = 0;
  conn->header_value_total = 0;
  conn->header_name[0] = '\0';
  conn->header_value[0] = '\0';
  return rc;
}

static int
on_header_field(http_parser *parser, const char *at, size_t len)
{
  http_conn *conn = parser->data;

  if (conn->header_in_value) {
    conn->header_in_value = 0;
    if (finish_header(conn) != 0)
      return -1;
  }
  /* http_parser 2.9 accepts "Content-Length : 5" and uses the length;
   * RFC 9112 requires 400 for whitespace before the colon. */
  if (memchr(at, ' ', len) != NULL || memchr(at, '\t', len) != NULL)
    return stop_parser(conn, 400, "invalid header: whitespace in a header "
                       "name or before its colon");
  append_cut(conn->header_name, &conn->header_name_length,
             sizeof(conn->header_name), at, len);
  return 0;
}

static int
on_header_value(http_parser *parser, const char *at, size_t len)
{
  http_conn *conn = parser->data;

  conn->header_in_value = 1;
  conn->header_value_total += len;
  append_cut(conn->header_value, &conn->header_value_length,
             sizeof(conn->header_value), at, len);
  return 0;
}

static int
on_headers_complete(http_parser *parser)
{
  http_conn *conn = parser->data;
  size_t limit = conn->srv->config.max_body_bytes;

  if (finish_header(conn) != 0)
    return -1;
  if ((parser->flags & F_CONTENTLENGTH)
      && parser->content_length > (uint64_t)limit)
    return stop_parser(conn, 413, NULL);
  if (parser->method == HTTP_POST
      && !(parser->flags & (F_CONTENTLENGTH | F_CHUNKED)))
    return stop_parser(conn, 411, "a POST needs Content-Length or chunked "
                       "Transfer-Encoding");
  if (parser->flags & F_CONTENTLENGTH)
    conn->declared_length = parser->content_length;
  if (conn->expect_continue)
    conn_write(conn, "HTTP/1.1 100 Continue\r\n\r\n", 25, NULL, 0);
  return 0;
}

static int
on_body(http_parser *parser, const char *at, size_t len)
{
  http_conn *conn = parser->data;
  size_t limit = conn->srv->config.max_body_bytes;
  int too_large = 0;

  /* The bytes up to the limit are kept even when the body passes it, so
   * the 413 response can use the SOAP version of their envelope. */
  if (len > limit - conn->body_length) {
    too_large = 1;
    len = limit - conn->body_length;
  }
  if (conn->body_length + len + 1 > conn->body_capacity) {
    size_t capacity = conn->body_capacity;

    /* A declared length (at most the limit) is allocated at once, up to
     * 1 MiB so a client cannot reserve memory it never sends. A chunked
     * body starts at 4 KiB. Both double from there. */
    if (capacity == 0) {
      capacity = 4096;
      if (conn->declared_length > 0)
        capacity = (size_t)(conn->declared_length < BODY_PREALLOC_MAX
                                ? conn->declared_length + 1
                                : BODY_PREALLOC_MAX);
    }
    while (capacity < conn->body_length + len + 1)
      capacity *= 2;
    conn->body = xrealloc(conn->body, capacity);
    conn->body_capacity = capacity;
  }
  memcpy(conn->body + conn->body_length, at, len);
  conn->body_length += len;
  conn->body[conn->body_length] = '\0';
  if (too_large)
    return stop_parser(conn, 413, NULL);
  return 0;
}

static char *
extract_path(const char *url, size_t url_length)
{
  struct http_parser_url parsed;
  size_t off;
  size_t len;
  char *path;

  http_parser_url_init(&parsed);
  if (http_parser_parse_url(url, url_length, 0, &parsed) != 0
      || !(parsed.field_set & (1 << UF_PATH)))
    return NULL;
  off = parsed.field_data[UF_PATH].off;
  len = parsed.field_data[UF_PATH].len;
  path = xrealloc(NULL, len + 1);
  memcpy(path, url + off, len);
  path[len] = '\0';
  return path;
}

static int
on_message_complete(http_parser *parser)
{
  http_conn *conn = parser->data;
  http_server *srv = conn->srv;
  http_exchange *ex;
  char *path = NULL;

  if (conn->url != NULL)
    path = extract_path(conn->url, conn->url_length);
  if (path == NULL)
    return stop_parser(conn, 400, "invalid or too long request URL");

  /* The body buffer and the path move into the exchange. */
  ex = xrealloc(NULL, sizeof(*ex));
  memset(ex, 0, sizeof(*ex));
  ex->conn = conn;
  ex->id = ++srv->next_request_id;
  ex->method = parser->method;
  ex->path = path;
  if (conn->body == NULL)
    conn->body = xrealloc(NULL, 1); /* an empty body is "" */
  conn->body[conn->body_length] = '\0';
  ex->body = conn->body;
  ex->body_length = conn->body_length;
  snprintf(ex->peer, sizeof(ex->peer), "%s", conn->peer);
  conn->body = NULL;
  conn->body_length = 0;
  conn->body_capacity = 0;
  /* After a body-less Upgrade or a CONNECT, http_parser treats the rest
   * of the input as another protocol, so such a connection ends with its
   * response. */
  conn->keep_alive = http_should_keep_alive(parser) && !parser->upgrade;
  conn->exchange = ex;
  /* A pending request, such as a parked wait, is never timed out here:
   * the handler bounds its time. */
  conn->in_request = 0;
  uv_timer_stop(&conn->timer);

  /* Keep later pipelined bytes unparsed until this one has its response. */
  http_parser_pause(parser, 1);

  if (srv->closing) {
    http_exchange_respond(ex, 503, "text/plain; charset=utf-8",
                          "server is stopping\n", 19);
    return 0;
  }
  srv->config.on_request(ex, srv->config.user_data);
  return 0;
}

static const http_parser_settings parser_settings = {
  .on_message_begin = on_message_begin,
  .on_url = on_url,
  .on_header_field = on_header_field,
  .on_header_value = on_header_value,
  .on_headers_complete = on_headers_complete,
  .on_body = on_body,
  .on_message_complete = on_message_complete,
};

/* ------------------------------------------------------------------ */
/* Exchanges                                                           */

static void
exchange_free(http_exchange *ex)
{
  free((char *)ex->body);
  free((char *)ex->path);
  free(ex);
}

static void
backlog_append(http_conn *conn, const char *data, size_t len)
{
  if (len == 0)
    return;
  conn->backlog = xrealloc(conn->backlog, conn->backlog_length + len);
  memcpy(conn->backlog + conn->backlog_length, data, len);
  conn->backlog_length += len;
}

/* Parse the input that arrived while a request was pending. */
static void
conn_resume(http_conn *conn)
{
  char *data = conn->backlog;
  size_t len = conn->backlog_length;

  conn->resume_pending = 0;
  conn->backlog = NULL;
  conn->backlog_length = 0;
  http_parser_pause(&conn->parser, 0);
  if (!conn->closing && !conn->close_after_write) {
    conn->read_paused = 0;
    conn_update_reading(conn);
    conn_process(conn, data, len);
  }
  free(data);
}

void
http_exchange_drop_body(http_exchange *ex)
{
  free((char *)ex->body);
  ex->body = xrealloc(NULL, 1);
  ((char *)ex->body)[0] = '\0';
  ex->body_length = 0;
}

void
http_exchange_respond(http_exchange *ex, int status,
                      const char *content_type, const char *body,
                      size_t body_length)
{
  http_conn *conn = ex->conn;

  if (conn == NULL) {
    exchange_free(ex);
    return;
  }
  conn->exchange = NULL;
  conn_send_response(conn, status, content_type, body, body_length,
                     conn->keep_alive && !conn->srv->closing);
  exchange_free(ex);
  if (!conn->close_after_write)
    conn_wait_idle(conn);
  if (!conn->close_after_write && conn->srv->config.max_output_bytes > 0
      && conn_queued_output(conn) > conn->srv->config.max_output_bytes) {
    /* The client does not read its responses fast enough. The parser
     * stays paused, and conn_process keeps the rest of the input in the
     * backlog, until on_write finds the queue below half the limit. */
    log_debug("%s: %zu response bytes queued, over the limit of %zu: "
              "reading paused", conn->peer, conn_queued_output(conn),
              conn->srv->config.max_output_bytes);
    conn->output_paused = 1;
    conn_update_reading(conn);
    return;
  }
  if (conn->in_execute)
    conn->resume_pending = 1;
  else
    conn_resume(conn);
}

/* ------------------------------------------------------------------ */
/* Connections                                                         */

static void
conn_process(http_conn *conn, const char *data, size_t len)
{
  size_t parsed;
  enum http_errno err;

  while (!conn->closing) {
    conn->in_execute = 1;
    parsed = http_parser_execute(&conn->parser, &parser_settings, data, len);
    conn->in_execute = 0;
    err = HTTP_PARSER_ERRNO(&conn->parser);

    if (err == HPE_PAUSED) {
      if (!conn->resume_pending) {
        /* The response is pending: keep the rest for later. */
        backlog_append(conn, data + parsed, len - parsed);
        return;
      }
      /* The callback sent the response already: continue at once. */
      conn->resume_pending = 0;
      http_parser_pause(&conn->parser, 0);
      data += parsed;
      len -= parsed;
      if (conn->close_after_write || len == 0)
        return;
      continue;
    }
    if (err != HPE_OK) {
      if (conn->error_status == 413)
        conn_fail_too_large(conn);
      else if (conn->error_status != 0)
        conn_fail(conn, conn->error_status, conn->error_message);
      else
        conn_fail(conn, 400, http_errno_description(err));
      return;
    }
    return;
  }
}

static void
on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
  http_conn *conn = handle->data;
  http_server *srv = conn->srv;

  (void)suggested;
  if (srv->read_buffer_busy) {
    /* libuv 1.44 runs one read callback at a time, so this branch is
     * not expected to run. It keeps a nested read correct anyway. */
    buf->base = malloc(READ_BUFFER_BYTES);
    buf->len = buf->base != NULL ? READ_BUFFER_BYTES : 0;
    return;
  }
  srv->read_buffer_busy = 1;
  *buf = uv_buf_init(srv->read_buffer, READ_BUFFER_BYTES);
}

static void
release_read_buffer(http_server *srv, const uv_buf_t *buf)
{
  if (buf->base == srv->read_buffer)
    srv->read_buffer_busy = 0;
  else
    free(buf->base);
}

/*
 * Start or stop reading from the socket. Reading stops while the backlog
 * behind a pending request is full, while the write queue is over
 * max_output_bytes, and after the client closed its side.
 */
static void
conn_update_reading(http_conn *conn)
{
  int want = !conn->read_paused && !conn->output_paused
             && !conn->peer_closed;
  int rc;

  if (conn->closing || want == conn->reading)
    return;
  if (!want) {
    uv_read_stop((uv_stream_t *)&conn->tcp);
    conn->reading = 0;
    return;
  }
  rc = uv_read_start((uv_stream_t *)&conn->tcp, on_alloc, on_read);
  if (rc < 0) {
    log_error("read from %s failed: %s", conn->peer, uv_strerror(rc));
    conn_close(conn);
    return;
  }
  conn->reading = 1;
}

static void
on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
  http_conn *conn = stream->data;
  http_server *srv = conn->srv;

  if (nread == UV_EOF && conn->exchange == NULL
      && conn->writes_pending > 0) {
    /* The client stopped sending: finish writing, then close. */
    conn->peer_closed = 1;
    conn->close_after_write = 1;
    conn_update_reading(conn);
  } else if (nread < 0) {
    if (nread != UV_EOF)
      log_debug("read from %s failed: %s", conn->peer,
                uv_strerror((int)nread));
    conn_close(conn);
  } else if (nread > 0) {
    if (conn->close_after_write) {
      /* The last response is sent: input is dropped. */
    } else if (conn->exchange != NULL || conn->output_paused) {
      backlog_append(conn, buf->base, (size_t)nread);
      /* Bound the buffered input of a client that keeps sending. */
      if (conn->backlog_length > conn->srv->config.max_body_bytes + 65536) {
        conn->read_paused = 1;
        conn_update_reading(conn);
      }
    } else {
      conn_process(conn, buf->base, (size_t)nread);
    }
  }
  release_read_buffer(srv, buf);
}

static void
on_conn_closed(uv_handle_t *handle)
{
  http_conn *conn = handle->data;
  http_server *srv = conn->srv;

  if (--conn->open_handles > 0)
    return;
  srv->conn_count--;
  if (conn->prev != NULL)
    conn->prev->next = conn->next;
  else
    srv->conns = conn->next;
  if (conn->next != NULL)
    conn->next->prev = conn->prev;
  reset_request(conn);
  free(conn->backlog);
  free(conn);

  if (srv->closing && srv->conns == NULL && srv->listener_closed) {
    http_closed_cb done = srv->on_closed;
    void *user_data = srv->closed_user_data;

    server_free(srv);
    done(user_data);
  }
}

static void
conn_close(http_conn *conn)
{
  http_exchange *ex = conn->exchange;

  if (conn->closing)
    return;
  conn->closing = 1;
  if (ex != NULL) {
    conn->exchange = NULL;
    ex->conn = NULL;
    log_debug("request %llu from %s: client closed the connection before "
              "the response", (unsigned long long)ex->id, conn->peer);
    if (ex->on_abort != NULL)
      ex->on_abort(ex);
    exchange_free(ex);
  }
  uv_read_stop((uv_stream_t *)&conn->tcp);
  uv_close((uv_handle_t *)&conn->tcp, on_conn_closed);
  uv_close((uv_handle_t *)&conn->timer, on_conn_closed);
}

static void
on_conn_timeout(uv_timer_t *timer)
{
  http_conn *conn = timer->data;
  const http_server_config *config = &conn->srv->config;
  char message[128];

  if (conn->closing || conn->exchange != NULL)
    return;
  if (conn->close_after_write || conn->shutdown_started) {
    log_debug("%s: connection closed: its last response was not taken "
              "within the timeout", conn->peer);
    conn_close(conn);
    return;
  }
  if (conn->in_request) {
    conn->in_request = 0;
    snprintf(message, sizeof(message), "request timed out: not received "
             "in full within %llu ms",
             (unsigned long long)config->read_timeout_ms);
    conn_fail(conn, 408, message);
    return;
  }
  log_debug("%s: idle connection closed after %llu ms", conn->peer,
            (unsigned long long)config->idle_timeout_ms);
  conn_close(conn);
}

static void
format_peer(uv_tcp_t *tcp, char *out, size_t out_len)
{
  struct sockaddr_storage addr;
  int len = sizeof(addr);
  char host[48] = "?";
  int port = 0;

  if (uv_tcp_getpeername(tcp, (struct sockaddr *)&addr, &len) == 0) {
    if (addr.ss_family == AF_INET6) {
      uv_ip6_name((struct sockaddr_in6 *)&addr, host, sizeof(host));
      port = ntohs(((struct sockaddr_in6 *)&addr)->sin6_port);
    } else {
      uv_ip4_name((struct sockaddr_in *)&addr, host, sizeof(host));
      port = ntohs(((struct sockaddr_in *)&addr)->sin_port);
    }
  }
  snprintf(out, out_len, "%s:%d", host, port);
}

static void
on_rejected_closed(uv_handle_t *handle)
{
  free(handle);
}

/*
 * Accept a connection over --max-connections and close it at once, so
 * it does not wait in the kernel's backlog. One log line per second at
 * most reports how many were closed.
 */
static void
reject_connection(http_server *srv, uv_stream_t *listener)
{
  uv_tcp_t *tcp = xrealloc(NULL, sizeof(*tcp));
  uint64_t now = uv_now(srv->loop);
  int rc;

  uv_tcp_init(srv->loop, tcp);
  rc = uv_accept(listener, (uv_stream_t *)tcp);
  if (rc < 0) {
    log_error("accept failed: %s", uv_strerror(rc));
  } else {
    srv->rejected_count++;
    if (!srv->rejected_logged || now - srv->rejected_logged_ms >= 1000) {
      log_warn("closed %llu new connections at once: %zu connections are "
               "open, the limit set by --max-connections",
               (unsigned long long)srv->rejected_count, srv->conn_count);
      srv->rejected_count = 0;
      srv->rejected_logged_ms = now;
      srv->rejected_logged = 1;
    }
  }
  /* The log line comes first, so it is written when the client sees the
   * connection end. */
  uv_close((uv_handle_t *)tcp, on_rejected_closed);
}

static void
on_connection(uv_stream_t *listener, int status)
{
  http_server *srv = listener->data;
  http_conn *conn;
  int rc;

  if (status < 0) {
    log_error("accept failed: %s", uv_strerror(status));
    return;
  }
  if (srv->config.max_connections > 0
      && srv->conn_count >= srv->config.max_connections) {
    reject_connection(srv, listener);
    return;
  }
  conn = xrealloc(NULL, sizeof(*conn));
  memset(conn, 0, sizeof(*conn));
  conn->srv = srv;
  uv_tcp_init(srv->loop, &conn->tcp);
  uv_timer_init(srv->loop, &conn->timer);
  conn->tcp.data = conn;
  conn->timer.data = conn;
  conn->open_handles = 2;
  conn->next = srv->conns;
  if (srv->conns != NULL)
    srv->conns->prev = conn;
  srv->conns = conn;
  srv->conn_count++;

  rc = uv_accept(listener, (uv_stream_t *)&conn->tcp);
  if (rc < 0) {
    log_error("accept failed: %s", uv_strerror(rc));
    conn_close(conn);
    return;
  }
  format_peer(&conn->tcp, conn->peer, sizeof(conn->peer));
  http_parser_init(&conn->parser, HTTP_REQUEST);
  conn->parser.data = conn;
  uv_tcp_nodelay(&conn->tcp, 1);
  conn_update_reading(conn);
  if (conn->closing)
    return;
  conn_wait_idle(conn);
}

/* ------------------------------------------------------------------ */
/* Server                                                              */

static int
resolve_listen_address(const char *host, int port,
                       struct sockaddr_storage *addr)
{
  if (uv_ip4_addr(host, port, (struct sockaddr_in *)addr) == 0)
    return 0;
  if (uv_ip6_addr(host, port, (struct sockaddr_in6 *)addr) == 0)
    return 0;
  if (strcmp(host, "localhost") == 0)
    return uv_ip4_addr("127.0.0.1", port, (struct sockaddr_in *)addr);
  return UV_EINVAL;
}

static void
format_bound(uv_tcp_t *tcp, char *bound, size_t bound_len)
{
  struct sockaddr_storage addr;
  int len = sizeof(addr);
  char host[48] = "?";
  int port = 0;

  if (uv_tcp_getsockname(tcp, (struct sockaddr *)&addr, &len) == 0) {
    if (addr.ss_family == AF_INET6) {
      uv_ip6_name((struct sockaddr_in6 *)&addr, host, sizeof(host));
      port = ntohs(((struct sockaddr_in6 *)&addr)->sin6_port);
      snprintf(bound, bound_len, "[%s]:%d", host, port);
      return;
    }
    uv_ip4_name((struct sockaddr_in *)&addr, host, sizeof(host));
    port = ntohs(((struct sockaddr_in *)&addr)->sin_port);
  }
  snprintf(bound, bound_len, "%s:%d", host, port);
}

static void
server_free(http_server *srv)
{
  free(srv->read_buffer);
  free(srv);
}

static void
on_listener_closed_early(uv_handle_t *handle)
{
  server_free(handle->data);
}

int
http_server_start(http_server **out, uv_loop_t *loop,
                  const http_server_config *config, char *bound,
                  size_t bound_len)
{
  struct sockaddr_storage addr;
  http_server *srv;
  int rc;

  memset(&addr, 0, sizeof(addr));
  rc = resolve_listen_address(config->host, config->port, &addr);
  if (rc < 0)
    return rc;
  srv = xrealloc(NULL, sizeof(*srv));
  memset(srv, 0, sizeof(*srv));
  srv->loop = loop;
  srv->config = *config;
  srv->read_buffer = xrealloc(NULL, READ_BUFFER_BYTES);
  uv_tcp_init(loop, &srv->listener);
  srv->listener.data = srv;

  rc = uv_tcp_bind(&srv->listener, (struct sockaddr *)&addr, 0);
  if (rc == 0)
    rc = uv_listen((uv_stream_t *)&srv->listener, 128, on_connection);
  if (rc < 0) {
    uv_close((uv_handle_t *)&srv->listener, on_listener_closed_early);
    return rc;
  }
  format_bound(&srv->listener, bound, bound_len);
  *out = srv;
  return 0;
}

static void
on_listener_closed(uv_handle_t *handle)
{
  http_server *srv = handle->data;

  srv->listener_closed = 1;
  if (srv->conns == NULL) {
    http_closed_cb done = srv->on_closed;
    void *user_data = srv->closed_user_data;

    server_free(srv);
    done(user_data);
  }
}

void
http_server_close(http_server *srv, http_closed_cb done, void *user_data)
{
  http_conn *conn;
  http_conn *next;

  srv->closing = 1;
  srv->on_closed = done;
  srv->closed_user_data = user_data;
  for (conn = srv->conns; conn != NULL; conn = next) {
    next = conn->next;
    if (conn->writes_pending > 0 && conn->exchange == NULL) {
      /* A client that does not read these last responses is cut off
       * like any other, so it cannot hold up the stop. */
      conn->close_after_write = 1;
      conn_arm_linger(conn);
    } else {
      conn_close(conn);
    }
  }
  uv_close((uv_handle_t *)&srv->listener, on_listener_closed);
}
