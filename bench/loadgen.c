/* SPDX-License-Identifier: MIT */
/*
 * Load generator for waitsetd on libuv: raw TCP, HTTP/1.1 keep-alive,
 * responses read with http_parser. It starts the servers itself on
 * 127.0.0.1 port 0 and reads the bound address from their first stdout
 * line. Two modes:
 *
 *   loadgen parked WAITSETD [--clients N] [--rate R] [--duration S]
 *     Creates N waitsets with a global admin token, each watching its
 *     own account, and parks one blocking AdminWaitSetRequest per
 *     waitset, each on its own connection. Then it injects R changes per
 *     second for S seconds into random accounts (InjectChangeRequest on
 *     /service/admin/soap). Reports change-to-response latency (p50, p99,
 *     max), the server's VmRSS growth per parked client and lost
 *     notifications.
 *
 *   loadgen rate WAITSETD BASELINE [--connections C] [--duration S]
 *     Sends non-blocking AdminWaitSetRequests on C keep-alive connections
 *     (one waitset each) for S seconds, then the same requests to the
 *     baseline server, and alternates the two five times. Reports the
 *     requests per second of both and their ratio.
 *
 * Both raise RLIMIT_NOFILE to its hard limit; the servers inherit it.
 */
#define _GNU_SOURCE /* vasprintf, memmem */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <http_parser.h>
#include <uv.h>

#define ADMIN_ID "aaaaaaaa-0000-0000-0000-0000000000ad"
#define ADMIN_NAME "admin@bench.test"
#define ACCOUNT_PREFIX "bbbbbbbb-0000-0000-0000-"
#define ADMIN_PATH "/service/admin/soap"
#define MAX_CONNECTING 100
#define INJECT_CONNECTIONS 32
#define DRAIN_MS 5000

#define SOAP_HEAD \
  "<soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\">"
#define SOAP_TAIL "</soap:Body></soap:Envelope>"

/* ------------------------------------------------------------------ */
/* Small helpers                                                        */

static void
die(const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  fprintf(stderr, "loadgen: ");
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

static void *
xmalloc(size_t size)
{
  void *p = malloc(size);

  if (p == NULL)
    die("out of memory");
  return p;
}

static void *
xcalloc(size_t count, size_t size)
{
  void *p = calloc(count, size);

  if (p == NULL)
    die("out of memory");
  return p;
}

static char *
xasprintf(const char *fmt, ...)
{
  va_list ap;
  char *out;

  va_start(ap, fmt);
  if (vasprintf(&out, fmt, ap) < 0)
    die("out of memory");
  va_end(ap);
  return out;
}

static void
figure(const char *name, double value, const char *unit)
{
  printf("%s: %.6g %s\n", name, value, unit);
  fflush(stdout);
}

static void
raise_fd_limit(void)
{
  struct rlimit rl;

  if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
    die("getrlimit failed: %s", strerror(errno));
  rl.rlim_cur = rl.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
    die("setrlimit failed: %s", strerror(errno));
}

static long
fd_limit(void)
{
  struct rlimit rl;

  getrlimit(RLIMIT_NOFILE, &rl);
  return (long)rl.rlim_cur;
}

/* Copy the value of attribute `name` (as ` name="`) after `from` into
 * out; returns a pointer past the value, or NULL when absent. */
static const char *
find_attr(const char *from, const char *end, const char *name, char *out,
          size_t out_size)
{
  size_t n = strlen(name);
  const char *p = from;

  while (p != NULL && p + n + 3 < end) {
    p = memmem(p, (size_t)(end - p), name, n);
    if (p == NULL)
      return NULL;
    if (p > from && p[-1] == ' ' && p[n] == '=' && p[n + 1] == '"') {
      const char *v = p + n + 2;
      const char *q = memchr(v, '"', (size_t)(end - v));
      size_t len;

      if (q == NULL)
        return NULL;
      len = (size_t)(q - v);
      if (len >= out_size)
        len = out_size - 1;
      memcpy(out, v, len);
      out[len] = '\0';
      return q + 1;
    }
    p += n;
  }
  return NULL;
}

/* ------------------------------------------------------------------ */
/* Servers                                                              */

typedef struct server {
  pid_t pid;
  int port;
} server;

/* Start a server whose first stdout line is HOST:PORT. argv[0] is the
 * program path. */
static void
server_start(server *srv, char *const argv[])
{
  int fds[2];
  char line[256];
  FILE *out;
  char *colon;

  if (pipe(fds) != 0)
    die("pipe failed: %s", strerror(errno));
  srv->pid = fork();
  if (srv->pid < 0)
    die("fork failed: %s", strerror(errno));
  if (srv->pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    execv(argv[0], argv);
    fprintf(stderr, "loadgen: cannot run %s: %s\n", argv[0],
            strerror(errno));
    _exit(127);
  }
  close(fds[1]);
  out = fdopen(fds[0], "r");
  if (out == NULL || fgets(line, sizeof(line), out) == NULL)
    die("%s printed no address", argv[0]);
  fclose(out);
  colon = strrchr(line, ':');
  if (colon == NULL)
    die("%s printed \"%s\", expected HOST:PORT", argv[0], line);
  srv->port = atoi(colon + 1);
  if (srv->port <= 0)
    die("%s printed an invalid port in \"%s\"", argv[0], line);
}

static void
server_stop(server *srv)
{
  int status;

  kill(srv->pid, SIGTERM);
  if (waitpid(srv->pid, &status, 0) < 0)
    die("waitpid failed: %s", strerror(errno));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    fprintf(stderr, "loadgen: server %d ended with status 0x%x\n",
            (int)srv->pid, status);
}

/* VmRSS of a process in KiB. */
static long
rss_kib(pid_t pid)
{
  char path[64];
  char line[256];
  long kib = -1;
  FILE *f;

  snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
  f = fopen(path, "r");
  if (f == NULL)
    die("cannot open %s: %s", path, strerror(errno));
  while (fgets(line, sizeof(line), f) != NULL) {
    if (strncmp(line, "VmRSS:", 6) == 0)
      kib = strtol(line + 6, NULL, 10);
  }
  fclose(f);
  if (kib < 0)
    die("no VmRSS in %s", path);
  return kib;
}

/* CPU time a process has run, in seconds, from the scheduler's exact
 * runtime in /proc/PID/schedstat (utime and stime in /proc/PID/stat are
 * sampled at clock ticks, which misses short bursts). */
static double
cpu_seconds(pid_t pid)
{
  char path[64];
  unsigned long long runtime_ns;
  FILE *f;
  int ok;

  snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
  f = fopen(path, "r");
  if (f == NULL)
    die("cannot open %s: %s", path, strerror(errno));
  ok = fscanf(f, "%llu", &runtime_ns) == 1;
  fclose(f);
  if (!ok)
    die("unexpected format of %s", path);
  return (double)runtime_ns / 1e9;
}

/* ------------------------------------------------------------------ */
/* Client connections                                                   */

typedef struct conn conn;
typedef void (*response_fn)(conn *c, int status, const char *body,
                            size_t len);

struct conn {
  uv_tcp_t tcp;
  uv_connect_t connect_req;
  http_parser parser;
  char *body;
  size_t body_len;
  size_t body_cap;
  response_fn on_response;
  void (*on_connected)(conn *c);
  int connected;
  int busy;     /* a request is outstanding */
  size_t index; /* owner's slot */
  uint64_t sent_ns;
};

static uv_loop_t *loop;
static struct sockaddr_in server_addr;
static http_parser_settings parser_settings;

static int
on_body(http_parser *p, const char *at, size_t len)
{
  conn *c = p->data;

  if (c->body_len + len + 1 > c->body_cap) {
    c->body_cap = (c->body_len + len + 1) * 2;
    c->body = realloc(c->body, c->body_cap);
    if (c->body == NULL)
      die("out of memory");
  }
  memcpy(c->body + c->body_len, at, len);
  c->body_len += len;
  c->body[c->body_len] = '\0';
  return 0;
}

static int
on_message_begin(http_parser *p)
{
  conn *c = p->data;

  c->body_len = 0;
  if (c->body != NULL)
    c->body[0] = '\0';
  return 0;
}

static int
on_message_complete(http_parser *p)
{
  conn *c = p->data;

  c->busy = 0;
  c->on_response(c, (int)p->status_code, c->body != NULL ? c->body : "",
                 c->body_len);
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
on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
  conn *c = stream->data;
  size_t parsed;

  if (nread == 0)
    return;
  if (nread < 0)
    die("connection %zu closed: %s", c->index, uv_strerror((int)nread));
  parsed = http_parser_execute(&c->parser, &parser_settings, buf->base,
                               (size_t)nread);
  if (parsed != (size_t)nread || c->parser.http_errno != HPE_OK)
    die("invalid HTTP response on connection %zu: %s", c->index,
        http_errno_description((enum http_errno)c->parser.http_errno));
}

static void
on_connect(uv_connect_t *req, int status)
{
  conn *c = req->data;

  if (status != 0)
    die("connect failed: %s", uv_strerror(status));
  c->connected = 1;
  uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
  if (c->on_connected != NULL)
    c->on_connected(c);
}

static void
conn_open(conn *c, size_t index, response_fn on_response,
          void (*on_connected)(conn *c))
{
  int rc;

  memset(c, 0, sizeof(*c));
  c->index = index;
  c->on_response = on_response;
  c->on_connected = on_connected;
  uv_tcp_init(loop, &c->tcp);
  uv_tcp_nodelay(&c->tcp, 1);
  c->tcp.data = c;
  c->connect_req.data = c;
  http_parser_init(&c->parser, HTTP_RESPONSE);
  c->parser.data = c;
  rc = uv_tcp_connect(&c->connect_req, &c->tcp,
                      (const struct sockaddr *)&server_addr, on_connect);
  if (rc != 0)
    die("uv_tcp_connect failed: %s", uv_strerror(rc));
}

static void
on_written(uv_write_t *req, int status)
{
  if (status != 0)
    die("write failed: %s", uv_strerror(status));
  free(req);
}

/* Send a POST with body on a connection; the request text is copied. */
static void
conn_post(conn *c, const char *path, const char *body)
{
  size_t body_len = strlen(body);
  char head[256];
  int head_len;
  uv_write_t *req;
  char *data;
  uv_buf_t buf;
  int rc;

  head_len = snprintf(head, sizeof(head),
                      "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      "Content-Type: application/soap+xml\r\n"
                      "Content-Length: %zu\r\n\r\n", path, body_len);
  req = xmalloc(sizeof(*req) + (size_t)head_len + body_len);
  data = (char *)(req + 1);
  memcpy(data, head, (size_t)head_len);
  memcpy(data + head_len, body, body_len);
  buf = uv_buf_init(data, (unsigned)((size_t)head_len + body_len));
  c->busy = 1;
  c->sent_ns = uv_hrtime();
  rc = uv_write(req, (uv_stream_t *)&c->tcp, &buf, 1, on_written);
  if (rc != 0)
    die("uv_write failed: %s", uv_strerror(rc));
}

static void
setup_loop(int port)
{
  loop = uv_default_loop();
  uv_ip4_addr("127.0.0.1", port, &server_addr);
  memset(&parser_settings, 0, sizeof(parser_settings));
  parser_settings.on_message_begin = on_message_begin;
  parser_settings.on_body = on_body;
  parser_settings.on_message_complete = on_message_complete;
}

static void
conn_close(conn *c)
{
  uv_close((uv_handle_t *)&c->tcp, NULL);
  free(c->body);
  c->body = NULL;
}

/* ------------------------------------------------------------------ */
/* SOAP requests                                                        */

static char admin_token[128];

static char *
admin_envelope(const char *command)
{
  return xasprintf(SOAP_HEAD "<soap:Header><context xmlns=\"urn:zimbra\">"
                   "<authToken>%s</authToken></context></soap:Header>"
                   "<soap:Body>%s" SOAP_TAIL, admin_token, command);
}

static void
on_auth(conn *c, int status, const char *body, size_t len)
{
  const char *start = strstr(body, "<authToken>");
  const char *end;

  if (status != 200 || start == NULL)
    die("admin AuthRequest failed (HTTP %d): %.300s", status, body);
  start += strlen("<authToken>");
  end = strstr(start, "</authToken>");
  if (end == NULL || (size_t)(end - start) >= sizeof(admin_token))
    die("unexpected AuthRequest response: %.300s", body);
  memcpy(admin_token, start, (size_t)(end - start));
  admin_token[end - start] = '\0';
}

static void
on_auth_connected(conn *c)
{
  conn_post(c, ADMIN_PATH,
            SOAP_HEAD "<soap:Body><AuthRequest xmlns=\"urn:zimbraAdmin\">"
            "<name>" ADMIN_NAME "</name><password>secret</password>"
            "</AuthRequest>" SOAP_TAIL);
}

/* Authenticate as the global admin; fills admin_token. */
static void
authenticate(void)
{
  conn c;

  conn_open(&c, 0, on_auth, on_auth_connected);
  while (admin_token[0] == '\0')
    uv_run(loop, UV_RUN_ONCE);
  conn_close(&c);
  uv_run(loop, UV_RUN_NOWAIT);
}

static void
account_id(size_t index, char *out, size_t size)
{
  snprintf(out, size, ACCOUNT_PREFIX "%012zu", index);
}

/* Write an accounts file with the admin and `count` accounts. */
static char *
write_accounts(size_t count)
{
  char *path = xasprintf("/tmp/loadgen-accounts.%d", (int)getpid());
  FILE *f = fopen(path, "w");
  size_t i;

  if (f == NULL)
    die("cannot create %s: %s", path, strerror(errno));
  fprintf(f, "%s %s secret admin\n", ADMIN_ID, ADMIN_NAME);
  for (i = 0; i < count; i++) {
    char id[64];

    account_id(i, id, sizeof(id));
    fprintf(f, "%s u%zu@bench.test secret\n", id, i);
  }
  if (fclose(f) != 0)
    die("cannot write %s: %s", path, strerror(errno));
  return path;
}

/* Create one waitset per account over a few connections; ids[i] gets
 * the waitset of account i. */
typedef struct creator {
  conn *conns;
  size_t conn_count;
  size_t next;
  size_t done;
  size_t total;
  char (*ids)[64];
  size_t *pending; /* account index per connection */
} creator;

static creator creating;

static void create_next(conn *c);

static void
on_created(conn *c, int status, const char *body, size_t len)
{
  size_t account = creating.pending[c->index];

  if (status != 200
      || find_attr(body, body + len, "waitSet", creating.ids[account], 64)
             == NULL)
    die("AdminCreateWaitSetRequest failed (HTTP %d): %.300s", status, body);
  creating.done++;
  create_next(c);
}

static void
create_next(conn *c)
{
  char id[64];
  char command[512];
  char *body;

  if (creating.next >= creating.total)
    return;
  creating.pending[c->index] = creating.next;
  account_id(creating.next++, id, sizeof(id));
  snprintf(command, sizeof(command),
           "<AdminCreateWaitSetRequest xmlns=\"urn:zimbraAdmin\" "
           "defTypes=\"m\"><add><a id=\"%s\"/></add>"
           "</AdminCreateWaitSetRequest>", id);
  body = admin_envelope(command);
  conn_post(c, ADMIN_PATH, body);
  free(body);
}

static void
create_waitsets(size_t count, char (*ids)[64])
{
  size_t i;

  memset(&creating, 0, sizeof(creating));
  creating.conn_count = 8;
  creating.conns = xcalloc(creating.conn_count, sizeof(conn));
  creating.pending = xcalloc(creating.conn_count, sizeof(size_t));
  creating.total = count;
  creating.ids = ids;
  for (i = 0; i < creating.conn_count; i++)
    conn_open(&creating.conns[i], i, on_created, create_next);
  while (creating.done < count)
    uv_run(loop, UV_RUN_ONCE);
  for (i = 0; i < creating.conn_count; i++)
    conn_close(&creating.conns[i]);
  uv_run(loop, UV_RUN_NOWAIT);
  free(creating.conns);
  free(creating.pending);
}

static char *
wait_body(const char *waitset_id, const char *seq, int block)
{
  char command[512];

  snprintf(command, sizeof(command),
           "<AdminWaitSetRequest xmlns=\"urn:zimbraAdmin\" waitSet=\"%s\" "
           "seq=\"%s\" block=\"%d\" timeout=\"3000\"/>", waitset_id, seq,
           block);
  return admin_envelope(command);
}

/* ------------------------------------------------------------------ */
/* Parked mode                                                          */

typedef struct pending_change {
  int64_t change_id;
  uint64_t sent_ns;
} pending_change;

typedef struct watcher {
  conn c;
  char seq[64];
  int64_t injected;    /* changes injected into the account */
  pending_change *pending;
  size_t pending_count;
  size_t pending_cap;
} watcher;

static struct {
  size_t clients;
  double rate;
  double duration_s;
  watcher *watchers;
  char (*waitset_ids)[64];
  size_t connecting;
  size_t next_connect;
  size_t parked_sent;
  conn inject[INJECT_CONNECTIONS];
  int64_t inject_expected[INJECT_CONNECTIONS]; /* change id per request */
  uint64_t start_ns;
  size_t injected;
  size_t inject_answered;
  size_t inject_mismatch;
  size_t responses;
  size_t stray; /* responses that reported nothing pending */
  uint64_t *latencies;
  size_t latency_count;
  size_t latency_cap;
  int injecting;
  uv_timer_t tick;
  uint64_t rng;
} pk;

static void
park(watcher *w)
{
  char *body = wait_body(pk.waitset_ids[w->c.index], w->seq, 1);

  conn_post(&w->c, ADMIN_PATH, body);
  free(body);
}

static void
record_latency(uint64_t ns)
{
  if (pk.latency_count == pk.latency_cap) {
    pk.latency_cap = pk.latency_cap == 0 ? 65536 : pk.latency_cap * 2;
    pk.latencies = realloc(pk.latencies,
                           pk.latency_cap * sizeof(*pk.latencies));
    if (pk.latencies == NULL)
      die("out of memory");
  }
  pk.latencies[pk.latency_count++] = ns;
}

static void
on_wait_response(conn *c, int status, const char *body, size_t len)
{
  watcher *w = (watcher *)c;
  const char *end = body + len;
  const char *p;
  char value[64];
  int64_t reported = 0;
  uint64_t now = uv_hrtime();
  size_t kept = 0;
  size_t i;

  if (status != 200)
    die("AdminWaitSetRequest failed (HTTP %d): %.300s", status, body);
  pk.responses++;
  if (find_attr(body, end, "seq", value, sizeof(value)) != NULL)
    snprintf(w->seq, sizeof(w->seq), "%s", value);
  for (p = body; (p = find_attr(p, end, "changeid", value,
                                sizeof(value))) != NULL;) {
    int64_t id = strtoll(value, NULL, 10);

    if (id > reported)
      reported = id;
  }
  for (i = 0; i < w->pending_count; i++) {
    if (w->pending[i].change_id <= reported)
      record_latency(now - w->pending[i].sent_ns);
    else
      w->pending[kept++] = w->pending[i];
  }
  if (kept == w->pending_count)
    pk.stray++;
  w->pending_count = kept;
  park(w);
}

static void on_injected(conn *c, int status, const char *body, size_t len);

static void
inject_one(conn *c)
{
  watcher *w;
  size_t account;
  char id[64];
  char command[512];
  char *body;

  pk.rng ^= pk.rng << 13;
  pk.rng ^= pk.rng >> 7;
  pk.rng ^= pk.rng << 17;
  account = (size_t)(pk.rng % pk.clients);
  w = &pk.watchers[account];
  account_id(account, id, sizeof(id));
  snprintf(command, sizeof(command),
           "<InjectChangeRequest xmlns=\"urn:waitsetDemo\" account=\"%s\">"
           "<created type=\"m\" id=\"%zu\" folder=\"2\"/>"
           "</InjectChangeRequest>", id, 1000 + pk.injected);
  body = admin_envelope(command);
  /* Each account's mailbox starts at lastChangeId 100 and the load
   * generator is its only writer, so the change id is predictable. */
  w->injected++;
  if (w->pending_count == w->pending_cap) {
    w->pending_cap = w->pending_cap == 0 ? 4 : w->pending_cap * 2;
    w->pending = realloc(w->pending, w->pending_cap * sizeof(*w->pending));
    if (w->pending == NULL)
      die("out of memory");
  }
  conn_post(c, ADMIN_PATH, body);
  w->pending[w->pending_count].change_id = 100 + w->injected;
  w->pending[w->pending_count].sent_ns = c->sent_ns;
  w->pending_count++;
  pk.inject_expected[c->index] = 100 + w->injected;
  pk.injected++;
  free(body);
}

static void
on_injected(conn *c, int status, const char *body, size_t len)
{
  char value[64];

  if (status != 200
      || find_attr(body, body + len, "changeid", value, sizeof(value))
             == NULL)
    die("InjectChangeRequest failed (HTTP %d): %.300s", status, body);
  if (strtoll(value, NULL, 10) != pk.inject_expected[c->index])
    pk.inject_mismatch++;
  pk.inject_answered++;
}

static void
on_tick(uv_timer_t *timer)
{
  double elapsed = (double)(uv_hrtime() - pk.start_ns) / 1e9;
  size_t due;
  size_t i;

  if (elapsed >= pk.duration_s) {
    pk.injecting = 0;
    uv_timer_stop(timer);
    return;
  }
  due = (size_t)(elapsed * pk.rate);
  for (i = 0; i < INJECT_CONNECTIONS && pk.injected < due; i++) {
    if (!pk.inject[i].busy)
      inject_one(&pk.inject[i]);
  }
}

static void connect_watchers(void);

static void
on_watcher_connected(conn *c)
{
  pk.connecting--;
  park((watcher *)c);
  pk.parked_sent++;
  connect_watchers();
}

/* Keep at most MAX_CONNECTING connects in flight: the server's listen
 * backlog is finite. */
static void
connect_watchers(void)
{
  while (pk.connecting < MAX_CONNECTING && pk.next_connect < pk.clients) {
    watcher *w = &pk.watchers[pk.next_connect];

    conn_open(&w->c, pk.next_connect, on_wait_response,
              on_watcher_connected);
    snprintf(w->seq, sizeof(w->seq), "0");
    pk.next_connect++;
    pk.connecting++;
  }
}

static int
compare_u64(const void *a, const void *b)
{
  uint64_t x = *(const uint64_t *)a;
  uint64_t y = *(const uint64_t *)b;

  if (x < y)
    return -1;
  return x > y ? 1 : 0;
}

static void
sleep_loop_ms(uint64_t ms)
{
  uint64_t until = uv_hrtime() + ms * 1000000u;

  while (uv_hrtime() < until) {
    uv_run(loop, UV_RUN_NOWAIT);
    usleep(1000);
  }
}

static size_t
lost_notifications(void)
{
  size_t lost = 0;
  size_t i;

  for (i = 0; i < pk.clients; i++)
    lost += pk.watchers[i].pending_count;
  return lost;
}

static int
run_parked(const char *waitsetd)
{
  server srv;
  char *accounts;
  long rss_before;
  long rss_after;
  long rss_prev;
  size_t i;
  size_t lost;
  uint64_t drain_until;
  double cpu_start;
  double cpu_used;
  char *argv[] = {
    (char *)waitsetd, "--listen", "127.0.0.1:0", "--accounts", NULL,
    "--coalesce-delay-ms", "0", "--log-level", "error",
    "--admin-timeout-max", "3600", NULL
  };

  raise_fd_limit();
  if (fd_limit() < (long)pk.clients + 256)
    die("RLIMIT_NOFILE is %ld, need %zu; raise the hard limit", fd_limit(),
        pk.clients + 256);
  accounts = write_accounts(pk.clients);
  argv[4] = accounts;
  server_start(&srv, argv);
  setup_loop(srv.port);
  authenticate();
  pk.waitset_ids = xcalloc(pk.clients, sizeof(*pk.waitset_ids));
  create_waitsets(pk.clients, pk.waitset_ids);
  sleep_loop_ms(500);
  rss_before = rss_kib(srv.pid);

  pk.watchers = xcalloc(pk.clients, sizeof(*pk.watchers));
  connect_watchers();
  while (pk.parked_sent < pk.clients)
    uv_run(loop, UV_RUN_ONCE);
  /* The server parks each wait as it reads it: wait until its RSS stops
   * growing, at least one second. */
  rss_prev = -1;
  rss_after = rss_kib(srv.pid);
  for (i = 0; i < 50 && rss_after != rss_prev; i++) {
    sleep_loop_ms(i == 0 ? 1000 : 200);
    rss_prev = rss_after;
    rss_after = rss_kib(srv.pid);
  }
  if (pk.responses != 0)
    die("%zu waits returned before any change was injected",
        pk.responses);
  figure("parked.clients", (double)pk.clients, "count");
  figure("parked.rss_before", (double)rss_before, "KiB");
  figure("parked.rss_after", (double)rss_after, "KiB");
  figure("parked.rss_per_client",
         (double)(rss_after - rss_before) * 1024.0 / (double)pk.clients,
         "B");
  printf("parked.rss_per_client.target: <= 4096 B %s\n",
         (rss_after - rss_before) * 1024 <= 4096 * (long)pk.clients
             ? "pass" : "MISS");

  for (i = 0; i < INJECT_CONNECTIONS; i++)
    conn_open(&pk.inject[i], i, on_injected, NULL);
  sleep_loop_ms(200);
  pk.rng = 0x2545f4914f6cdd1du;
  cpu_start = cpu_seconds(srv.pid);
  pk.start_ns = uv_hrtime();
  pk.injecting = 1;
  uv_timer_init(loop, &pk.tick);
  uv_timer_start(&pk.tick, on_tick, 1, 1);
  while (pk.injecting)
    uv_run(loop, UV_RUN_ONCE);
  drain_until = uv_hrtime() + (uint64_t)DRAIN_MS * 1000000u;
  while (uv_hrtime() < drain_until
         && (lost_notifications() > 0 || pk.inject_answered < pk.injected)) {
    uv_run(loop, UV_RUN_NOWAIT);
    usleep(1000);
  }
  lost = lost_notifications();
  cpu_used = cpu_seconds(srv.pid) - cpu_start;

  qsort(pk.latencies, pk.latency_count, sizeof(*pk.latencies), compare_u64);
  figure("parked.duration", pk.duration_s, "s");
  figure("parked.changes_injected", (double)pk.injected, "count");
  figure("parked.inject_rate", (double)pk.injected / pk.duration_s,
         "changes/s");
  figure("parked.wait_responses", (double)pk.responses, "count");
  /* Covers the injection, the wait response and the new Wait. */
  figure("parked.server_cpu_per_change",
         cpu_used * 1e6 / (double)pk.injected, "us");
  if (pk.latency_count > 0) {
    double p99 = (double)pk.latencies[pk.latency_count * 99 / 100] / 1e6;

    figure("parked.latency_p50",
           (double)pk.latencies[pk.latency_count / 2] / 1e6, "ms");
    figure("parked.latency_p99", p99, "ms");
    figure("parked.latency_max",
           (double)pk.latencies[pk.latency_count - 1] / 1e6, "ms");
    printf("parked.latency_p99.target: < 5 ms %s\n",
           p99 < 5.0 ? "pass" : "MISS");
  }
  figure("parked.responses_without_new_change", (double)pk.stray,
         "count");
  figure("parked.change_id_mismatches", (double)pk.inject_mismatch,
         "count");
  figure("parked.lost_notifications", (double)lost, "count");
  printf("parked.lost_notifications.target: 0 %s\n",
         lost == 0 && pk.inject_answered == pk.injected ? "pass" : "MISS");
  fflush(stdout);

  server_stop(&srv);
  unlink(accounts);
  free(accounts);
  return 0;
}

/* ------------------------------------------------------------------ */
/* Rate mode                                                            */

static struct {
  size_t connections;
  double duration_s;
  conn *conns;
  char **bodies;
  const char *path;
  int running;
  size_t completed;
  int check_status;
} rt;

static void
on_rate_response(conn *c, int status, const char *body, size_t len)
{
  if (rt.check_status && status != 200)
    die("request failed (HTTP %d): %.300s", status, body);
  rt.completed++;
  if (rt.running)
    conn_post(c, rt.path, rt.bodies[c->index]);
}

static void
on_rate_connected(conn *c)
{
}

static void
on_rate_timer(uv_timer_t *timer)
{
  rt.running = 0;
}

/* Drive one server for duration_s; returns requests per second and
 * stores the server's CPU time per request in *cpu_us. */
static double
drive(const server *srv, const char *path, int check_status, double *cpu_us)
{
  double cpu_start;
  uv_timer_t timer;
  uint64_t start;
  size_t counted;
  size_t connected;
  size_t i;
  double seconds;

  setup_loop(srv->port);
  rt.path = path;
  rt.check_status = check_status;
  for (i = 0; i < rt.connections; i++)
    conn_open(&rt.conns[i], i, on_rate_response, on_rate_connected);
  do {
    uv_run(loop, UV_RUN_ONCE);
    for (connected = 0, i = 0; i < rt.connections; i++)
      connected += (size_t)rt.conns[i].connected;
  } while (connected < rt.connections);
  rt.completed = 0;
  rt.running = 1;
  cpu_start = cpu_seconds(srv->pid);
  start = uv_hrtime();
  for (i = 0; i < rt.connections; i++)
    conn_post(&rt.conns[i], path, rt.bodies[i]);
  uv_timer_init(loop, &timer);
  uv_timer_start(&timer, on_rate_timer, (uint64_t)(rt.duration_s * 1000),
                 0);
  while (rt.running)
    uv_run(loop, UV_RUN_ONCE);
  counted = rt.completed;
  seconds = (double)(uv_hrtime() - start) / 1e9;
  *cpu_us = (cpu_seconds(srv->pid) - cpu_start) * 1e6 / (double)counted;
  /* Let the outstanding requests finish before closing. */
  for (;;) {
    size_t busy = 0;

    for (i = 0; i < rt.connections; i++)
      busy += (size_t)rt.conns[i].busy;
    if (busy == 0)
      break;
    uv_run(loop, UV_RUN_ONCE);
  }
  uv_close((uv_handle_t *)&timer, NULL);
  for (i = 0; i < rt.connections; i++)
    conn_close(&rt.conns[i]);
  uv_run(loop, UV_RUN_DEFAULT);
  return (double)counted / seconds;
}

static int
compare_double(const void *a, const void *b)
{
  double x = *(const double *)a;
  double y = *(const double *)b;

  if (x < y)
    return -1;
  return x > y ? 1 : 0;
}

static int
run_rate(const char *waitsetd, const char *baseline_path)
{
  enum { ROUNDS = 5 };
  server ws;
  server base;
  char *accounts;
  char (*ids)[64];
  double measured[ROUNDS];
  double baseline[ROUNDS];
  double ratio[ROUNDS];
  double cpu[ROUNDS];
  double cpu_base[ROUNDS];
  double cpu_ratio[ROUNDS];
  size_t i;
  char *ws_argv[] = {
    (char *)waitsetd, "--listen", "127.0.0.1:0", "--accounts", NULL,
    "--log-level", "error", NULL
  };
  char *base_argv[] = { (char *)baseline_path, NULL };

  raise_fd_limit();
  accounts = write_accounts(rt.connections);
  ws_argv[4] = accounts;
  server_start(&ws, ws_argv);
  server_start(&base, base_argv);
  setup_loop(ws.port);
  authenticate();
  ids = xcalloc(rt.connections, sizeof(*ids));
  create_waitsets(rt.connections, ids);
  rt.conns = xcalloc(rt.connections, sizeof(conn));
  rt.bodies = xcalloc(rt.connections, sizeof(char *));
  for (i = 0; i < rt.connections; i++)
    rt.bodies[i] = wait_body(ids[i], "0", 0);

  for (i = 0; i < ROUNDS; i++) {
    measured[i] = drive(&ws, ADMIN_PATH, 1, &cpu[i]);
    baseline[i] = drive(&base, ADMIN_PATH, 1, &cpu_base[i]);
    ratio[i] = measured[i] / baseline[i];
    cpu_ratio[i] = cpu[i] / cpu_base[i];
    fprintf(stderr, "loadgen: round %zu: waitsetd %.0f/s %.1f us CPU, "
            "baseline %.0f/s %.1f us CPU\n", i + 1, measured[i], cpu[i],
            baseline[i], cpu_base[i]);
  }
  qsort(cpu, ROUNDS, sizeof(double), compare_double);
  qsort(cpu_base, ROUNDS, sizeof(double), compare_double);
  qsort(cpu_ratio, ROUNDS, sizeof(double), compare_double);
  qsort(measured, ROUNDS, sizeof(double), compare_double);
  qsort(baseline, ROUNDS, sizeof(double), compare_double);
  qsort(ratio, ROUNDS, sizeof(double), compare_double);
  figure("rate.connections", (double)rt.connections, "count");
  figure("rate.duration_per_round", rt.duration_s, "s");
  figure("rate.waitset_requests", measured[ROUNDS / 2], "req/s");
  figure("rate.waitset_requests.baseline", baseline[ROUNDS / 2], "req/s");
  figure("rate.waitset_requests.ratio", ratio[ROUNDS / 2], "x");
  printf("rate.waitset_requests.target: >= 0.60 x %s\n",
         ratio[ROUNDS / 2] >= 0.6 ? "pass" : "MISS");
  /* Server CPU time per request depends less on how the two cores are
   * shared with the load generator and other processes. */
  figure("rate.server_cpu_per_request", cpu[ROUNDS / 2], "us");
  figure("rate.server_cpu_per_request.baseline", cpu_base[ROUNDS / 2],
         "us");
  figure("rate.server_cpu_per_request.ratio", cpu_ratio[ROUNDS / 2], "x");
  fflush(stdout);

  server_stop(&ws);
  server_stop(&base);
  for (i = 0; i < rt.connections; i++)
    free(rt.bodies[i]);
  free(rt.bodies);
  free(rt.conns);
  free(ids);
  unlink(accounts);
  free(accounts);
  return 0;
}

/* ------------------------------------------------------------------ */

static void
usage(void)
{
  fprintf(stderr,
          "usage: loadgen parked WAITSETD [--clients N] [--rate R] "
          "[--duration S]\n"
          "       loadgen rate WAITSETD BASELINE [--connections C] "
          "[--duration S]\n"
          "  --clients N      parked blocking waits (default 10000)\n"
          "  --rate R         injected changes per second (default 1000)\n"
          "  --duration S     seconds of load (default 30 parked, 5 rate "
          "per round)\n"
          "  --connections C  keep-alive connections (default 32)\n");
  exit(2);
}

static double
number_arg(const char *name, const char *value)
{
  char *end;
  double v;

  if (value == NULL)
    usage();
  v = strtod(value, &end);
  if (*end != '\0' || v <= 0) {
    fprintf(stderr, "loadgen: invalid %s \"%s\" (expected a positive "
            "number)\n", name, value);
    exit(2);
  }
  return v;
}

int
main(int argc, char **argv)
{
  int first_option;
  int i;

  signal(SIGPIPE, SIG_IGN);
  if (argc < 3)
    usage();
  pk.clients = 10000;
  pk.rate = 1000;
  pk.duration_s = 30;
  rt.connections = 32;
  rt.duration_s = 5;
  if (strcmp(argv[1], "parked") == 0)
    first_option = 3;
  else if (strcmp(argv[1], "rate") == 0 && argc >= 4)
    first_option = 4;
  else
    usage();
  for (i = first_option; i < argc; i += 2) {
    const char *value = i + 1 < argc ? argv[i + 1] : NULL;

    if (strcmp(argv[i], "--clients") == 0)
      pk.clients = (size_t)number_arg(argv[i], value);
    else if (strcmp(argv[i], "--rate") == 0)
      pk.rate = number_arg(argv[i], value);
    else if (strcmp(argv[i], "--duration") == 0)
      pk.duration_s = rt.duration_s = number_arg(argv[i], value);
    else if (strcmp(argv[i], "--connections") == 0)
      rt.connections = (size_t)number_arg(argv[i], value);
    else
      usage();
  }
  if (strcmp(argv[1], "parked") == 0)
    return run_parked(argv[2]);
  return run_rate(argv[2], argv[3]);
}
