/* SPDX-License-Identifier: MIT */
/*
 * A minimal HTTP/1.1 server on libuv and http_parser, the baseline of the
 * request-rate benchmark. It reads each request with the same parser as
 * waitsetd and responds with a fixed SOAP body of the size of an empty
 * WaitSetResponse, on keep-alive connections. It listens on 127.0.0.1
 * port 0, prints the bound HOST:PORT on stdout and stops on SIGTERM or
 * SIGINT.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <http_parser.h>
#include <uv.h>

#define BODY                                                              \
  "<soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\">" \
  "<soap:Body><AdminWaitSetResponse xmlns=\"urn:zimbraAdmin\" "            \
  "waitSet=\"00000000-0000-0000-0000-000000000000\" seq=\"0\"/>"          \
  "</soap:Body></soap:Envelope>"

static const char response[] =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: application/soap+xml; charset=utf-8\r\n"
    "Content-Length: %zu\r\n\r\n" BODY;

static char response_text[1024];
static size_t response_length;
static http_parser_settings settings;
static uv_loop_t *loop;
static uv_tcp_t listener;
static uv_signal_t sigterm;
static uv_signal_t sigint;

typedef struct client {
  uv_tcp_t tcp;
  http_parser parser;
} client;

static void
on_written(uv_write_t *req, int status)
{
  free(req);
}

static int
on_message_complete(http_parser *p)
{
  client *c = p->data;
  uv_write_t *req = malloc(sizeof(*req));
  uv_buf_t buf = uv_buf_init(response_text, (unsigned)response_length);

  if (req == NULL) {
    fprintf(stderr, "http-baseline: out of memory\n");
    exit(1);
  }
  if (uv_write(req, (uv_stream_t *)&c->tcp, &buf, 1, on_written) != 0)
    free(req);
  return 0;
}

static void
on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
  static char buffer[65536];

  buf->base = buffer;
  buf->len = sizeof(buffer);
}

static void
on_closed(uv_handle_t *handle)
{
  free(handle->data);
}

static void
on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
  client *c = stream->data;
  size_t parsed;

  if (nread == 0)
    return;
  if (nread < 0) {
    uv_close((uv_handle_t *)stream, on_closed);
    return;
  }
  parsed = http_parser_execute(&c->parser, &settings, buf->base,
                               (size_t)nread);
  if (parsed != (size_t)nread)
    uv_close((uv_handle_t *)stream, on_closed);
}

static void
on_connection(uv_stream_t *server, int status)
{
  client *c;

  if (status != 0)
    return;
  c = calloc(1, sizeof(*c));
  if (c == NULL) {
    fprintf(stderr, "http-baseline: out of memory\n");
    exit(1);
  }
  uv_tcp_init(loop, &c->tcp);
  c->tcp.data = c;
  http_parser_init(&c->parser, HTTP_REQUEST);
  c->parser.data = c;
  if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
    uv_close((uv_handle_t *)&c->tcp, on_closed);
    return;
  }
  uv_tcp_nodelay(&c->tcp, 1);
  uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

static void
close_any(uv_handle_t *handle, void *arg)
{
  if (!uv_is_closing(handle))
    uv_close(handle, handle->type == UV_TCP && handle != (uv_handle_t *)
                     &listener ? on_closed : NULL);
}

static void
on_signal(uv_signal_t *handle, int signum)
{
  uv_walk(loop, close_any, NULL);
}

int
main(void)
{
  struct sockaddr_in addr;
  struct sockaddr_storage bound;
  int len = sizeof(bound);
  char host[64];
  int rc;

  signal(SIGPIPE, SIG_IGN);
  response_length = (size_t)snprintf(response_text, sizeof(response_text),
                                     response, strlen(BODY));
  memset(&settings, 0, sizeof(settings));
  settings.on_message_complete = on_message_complete;
  loop = uv_default_loop();
  uv_tcp_init(loop, &listener);
  uv_ip4_addr("127.0.0.1", 0, &addr);
  rc = uv_tcp_bind(&listener, (const struct sockaddr *)&addr, 0);
  if (rc == 0)
    rc = uv_listen((uv_stream_t *)&listener, 128, on_connection);
  if (rc == 0)
    rc = uv_tcp_getsockname(&listener, (struct sockaddr *)&bound, &len);
  if (rc != 0) {
    fprintf(stderr, "http-baseline: listen failed: %s\n", uv_strerror(rc));
    return 1;
  }
  uv_ip4_name((struct sockaddr_in *)&bound, host, sizeof(host));
  printf("%s:%d\n", host, ntohs(((struct sockaddr_in *)&bound)->sin_port));
  fflush(stdout);
  uv_signal_init(loop, &sigterm);
  uv_signal_start(&sigterm, on_signal, SIGTERM);
  uv_signal_init(loop, &sigint);
  uv_signal_start(&sigint, on_signal, SIGINT);
  uv_run(loop, UV_RUN_DEFAULT);
  return uv_loop_close(loop) == 0 ? 0 : 1;
}
