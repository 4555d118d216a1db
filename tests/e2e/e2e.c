/* SPDX-License-Identifier: MIT */
#include "e2e.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

e2e_fixture fx;

#define MAX_SERVER_ARGS 64
#define START_TIMEOUT_MS 10000
#define STOP_TIMEOUT_MS 10000

/* Options every test server gets unless the test replaces them. */
static const char *const default_options[][2] = {
  { "--initial-poll-delay-ms", E2E_INITIAL_DELAY_MS },
  { "--coalesce-delay-ms", E2E_COALESCE_DELAY_MS },
  { "--timeout-min", "1" },
  { "--timeout-default", "10" },
  { "--timeout-max", "10" },
  { "--admin-timeout-min", "1" },
  { "--admin-timeout-default", "10" },
  { "--admin-timeout-max", "10" },
  { "--log-level", "debug" },
};

#define DEFAULT_OPTION_TOTAL \
  (sizeof(default_options) / sizeof(default_options[0]))

static const char accounts_file[] =
    "# Accounts of the end-to-end tests: ID NAME PASSWORD [FLAGS]\n"
    U1 " " U1_NAME " pw1\n"
    U2 " " U2_NAME " pw2\n"
    U3 " u3@ex.test pw3\n"
    AD " ad@ex.test pwad admin\n"
    U9 " u9@ex.test pw9 remote\n"
    U8 " u8@ex.test pw8 maintenance\n";

uint64_t
e2e_now_ms(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void
e2e_settle(void)
{
  struct timespec ts = { 0, 150 * 1000000L };

  while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
    ;
}

/* ------------------------------------------------------------------ */
/* Server process                                                      */

static void
on_exit_cb(uv_process_t *process, int64_t exit_status, int term_signal)
{
  (void)process;
  fx.exited = 1;
  fx.exit_status = exit_status;
  fx.term_signal = term_signal;
}

static void
on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
  static char chunk[256];

  (void)handle;
  (void)suggested;
  buf->base = chunk;
  buf->len = sizeof(chunk);
}

static void
on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
  ssize_t i;

  (void)stream;
  for (i = 0; i < nread && !fx.have_line; i++) {
    if (buf->base[i] == '\n') {
      fx.have_line = 1;
    } else if (fx.line_len + 1 < sizeof(fx.line)) {
      fx.line[fx.line_len++] = buf->base[i];
      fx.line[fx.line_len] = '\0';
    }
  }
}

static void
on_watchdog(uv_timer_t *timer)
{
  (void)timer;
  fx.timed_out = 1;
}

static void
write_file(const char *path, const char *text)
{
  FILE *f = fopen(path, "w");

  ck_assert_msg(f != NULL, "cannot create %s: %s", path, strerror(errno));
  fputs(text, f);
  ck_assert_int_eq(fclose(f), 0);
}

/* Build argv: the defaults that extra does not replace, then extra. */
static void
build_args(char **args, const char *const *extra, size_t extra_count)
{
  size_t n = 0;
  size_t i;
  size_t j;

  args[n++] = getenv("WAITSETD");
  args[n++] = "--listen";
  args[n++] = "127.0.0.1:0";
  args[n++] = "--accounts";
  args[n++] = fx.accounts_path;
  for (i = 0; i < DEFAULT_OPTION_TOTAL; i++) {
    int replaced = 0;

    for (j = 0; j + 1 < extra_count; j += 2)
      if (strcmp(extra[j], default_options[i][0]) == 0)
        replaced = 1;
    if (!replaced) {
      args[n++] = (char *)default_options[i][0];
      args[n++] = (char *)default_options[i][1];
    }
  }
  for (j = 0; j < extra_count; j++)
    args[n++] = (char *)extra[j];
  args[n] = NULL;
}

static void
login_all(void)
{
  char err[512];

  wsc_client_init(&fx.u1, fx.url);
  wsc_client_init(&fx.u2, fx.url);
  wsc_client_init(&fx.ad, fx.url);
  fx.u1.timeout_ms = fx.u2.timeout_ms = fx.ad.timeout_ms = 20000;
  ck_assert_msg(wsc_login(&fx.u1, U1_NAME, "pw1", 0, err, sizeof(err)) == 0,
                "%s", err);
  ck_assert_msg(wsc_login(&fx.u2, U2_NAME, "pw2", 0, err, sizeof(err)) == 0,
                "%s", err);
  ck_assert_msg(wsc_login(&fx.ad, "ad@ex.test", "pwad", 1, err,
                          sizeof(err)) == 0,
                "%s", err);
}

/*
 * In Check's fork mode a failed assertion ends the test process with
 * exit() before the teardown runs; this stops the server then.
 */
static void
kill_server_at_exit(void)
{
  if (fx.running && !fx.exited && fx.process.pid > 0)
    kill(fx.process.pid, SIGTERM);
}

static void
server_start(const char *const *extra, size_t extra_count)
{
  static int atexit_registered;
  uv_process_options_t options;
  uv_stdio_container_t stdio[3];
  char *args[MAX_SERVER_ARGS];
  int log_fd;
  int rc;

  if (!atexit_registered) {
    atexit(kill_server_at_exit);
    atexit_registered = 1;
  }
  ck_assert_msg(getenv("WAITSETD") != NULL,
                "set WAITSETD to the waitsetd executable");
  ck_assert_uint_lt(extra_count + 2 * DEFAULT_OPTION_TOTAL + 6,
                    MAX_SERVER_ARGS);
  build_args(args, extra, extra_count);

  fx.exited = fx.timed_out = fx.have_line = 0;
  fx.line_len = 0;
  fx.line[0] = '\0';
  ck_assert_int_eq(uv_loop_init(&fx.loop), 0);
  ck_assert_int_eq(uv_pipe_init(&fx.loop, &fx.stdout_pipe, 0), 0);
  ck_assert_int_eq(uv_timer_init(&fx.loop, &fx.watchdog), 0);

  log_fd = open(fx.log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
  ck_assert_msg(log_fd >= 0, "cannot open %s: %s", fx.log_path,
                strerror(errno));
  memset(&options, 0, sizeof(options));
  memset(stdio, 0, sizeof(stdio));
  stdio[0].flags = UV_IGNORE;
  stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
  stdio[1].data.stream = (uv_stream_t *)&fx.stdout_pipe;
  stdio[2].flags = UV_INHERIT_FD;
  stdio[2].data.fd = log_fd;
  options.file = args[0];
  options.args = args;
  options.exit_cb = on_exit_cb;
  options.stdio = stdio;
  options.stdio_count = 3;

  rc = uv_spawn(&fx.loop, &fx.process, &options);
  close(log_fd);
  fx.running = 1;
  ck_assert_msg(rc == 0, "cannot start %s: %s", args[0], uv_strerror(rc));

  ck_assert_int_eq(uv_read_start((uv_stream_t *)&fx.stdout_pipe, on_alloc,
                                 on_read), 0);
  uv_timer_start(&fx.watchdog, on_watchdog, START_TIMEOUT_MS, 0);
  while (!fx.have_line && !fx.exited && !fx.timed_out)
    uv_run(&fx.loop, UV_RUN_ONCE);
  uv_timer_stop(&fx.watchdog);
  uv_read_stop((uv_stream_t *)&fx.stdout_pipe);

  ck_assert_msg(fx.have_line, "waitsetd printed no address (exited %d, "
                "status %lld, signal %d); log in %s", fx.exited,
                (long long)fx.exit_status, fx.term_signal, fx.log_path);
  ck_assert_msg(strchr(fx.line, ':') != NULL
                    && strlen(fx.line) < sizeof(fx.host_port),
                "waitsetd printed \"%s\", expected HOST:PORT", fx.line);
  snprintf(fx.host_port, sizeof(fx.host_port), "%s", fx.line);
  snprintf(fx.url, sizeof(fx.url), "http://%s", fx.host_port);
}

static void
on_close_noop(uv_handle_t *handle)
{
  (void)handle;
}

static void
server_stop(void)
{
  int exited_before;

  if (!fx.running)
    return;
  fx.running = 0;

  /* An exit that happened during the test has been recorded by the
   * SIGCHLD handler; running the loop once delivers it. */
  uv_run(&fx.loop, UV_RUN_NOWAIT);
  exited_before = fx.exited;
  if (!fx.exited) {
    uv_process_kill(&fx.process, SIGTERM);
    fx.timed_out = 0;
    uv_timer_start(&fx.watchdog, on_watchdog, STOP_TIMEOUT_MS, 0);
    while (!fx.exited && !fx.timed_out)
      uv_run(&fx.loop, UV_RUN_ONCE);
    if (!fx.exited) {
      uv_process_kill(&fx.process, SIGKILL);
      while (!fx.exited)
        uv_run(&fx.loop, UV_RUN_ONCE);
    }
  }

  uv_close((uv_handle_t *)&fx.process, on_close_noop);
  uv_close((uv_handle_t *)&fx.stdout_pipe, on_close_noop);
  uv_close((uv_handle_t *)&fx.watchdog, on_close_noop);
  uv_run(&fx.loop, UV_RUN_DEFAULT);
  ck_assert_int_eq(uv_loop_close(&fx.loop), 0);

  ck_assert_msg(!exited_before, "waitsetd exited during the test (status "
                "%lld, signal %d); log in %s", (long long)fx.exit_status,
                fx.term_signal, fx.log_path);
  ck_assert_msg(!fx.timed_out, "waitsetd ignored SIGTERM for %d ms",
                STOP_TIMEOUT_MS);
  ck_assert_msg(fx.term_signal == 0 && fx.exit_status == 0,
                "waitsetd did not stop cleanly on SIGTERM: status %lld, "
                "signal %d; log in %s", (long long)fx.exit_status,
                fx.term_signal, fx.log_path);
}

void
e2e_setup(void)
{
  const char *tmp = getenv("TMPDIR");

  memset(&fx, 0, sizeof(fx));
  snprintf(fx.dir, sizeof(fx.dir), "%s/waitset-e2e.XXXXXX",
           tmp && tmp[0] ? tmp : "/tmp");
  ck_assert_msg(mkdtemp(fx.dir) != NULL, "mkdtemp failed: %s",
                strerror(errno));
  snprintf(fx.accounts_path, sizeof(fx.accounts_path), "%s/accounts",
           fx.dir);
  snprintf(fx.log_path, sizeof(fx.log_path), "%s/waitsetd.log", fx.dir);
  write_file(fx.accounts_path, accounts_file);

  server_start(NULL, 0);
  login_all();
}

/* Remove the private directory and the files tests wrote into it. */
static void
remove_dir(const char *path)
{
  struct dirent *entry;
  char file[512];
  DIR *dir = opendir(path);

  if (dir == NULL)
    return;
  while ((entry = readdir(dir)) != NULL) {
    if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
      continue;
    snprintf(file, sizeof(file), "%s/%s", path, entry->d_name);
    unlink(file);
  }
  closedir(dir);
  rmdir(path);
}

void
e2e_teardown(void)
{
  server_stop();
  if (getenv("E2E_KEEP_LOGS") == NULL)
    remove_dir(fx.dir);
}

void
e2e_restart(const char *first, ...)
{
  const char *extra[MAX_SERVER_ARGS];
  size_t count = 0;
  const char *arg;
  va_list args;

  va_start(args, first);
  for (arg = first; arg != NULL && count < MAX_SERVER_ARGS;
       arg = va_arg(args, const char *))
    extra[count++] = arg;
  va_end(args);

  server_stop();
  server_start(extra, count);
  login_all();
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */

static void
check_transport(const wsc_reply *reply)
{
  ck_assert_msg(reply != NULL, "out of memory");
  ck_assert_msg(reply->status != 0, "no HTTP response: %s", reply->error);
}

wsc_reply *
e2e_call(const wsc_client *client, const char *path, const char *fmt, ...)
{
  wsc_reply *reply;
  va_list args;

  va_start(args, fmt);
  reply = wsc_vcall(client, path, fmt, args);
  va_end(args);
  check_transport(reply);
  return reply;
}

wsc_reply *
e2e_post(const char *path, const char *doc, const char *content_type,
         int connection_close)
{
  wsc_http_options options = { content_type, 20000, connection_close,
                               NULL };
  wsc_reply *reply;

  reply = wsc_post_raw(fx.url, path, doc, strlen(doc), &options);
  check_transport(reply);
  return reply;
}

void
e2e_expect_ok(const wsc_reply *reply, const char *name)
{
  ck_assert_msg(reply->fault_code == NULL,
                "expected <%s>, got Fault %s: %s", name, reply->fault_code,
                reply->fault_reason ? reply->fault_reason : "");
  ck_assert_msg(reply->body != NULL, "expected <%s>, got HTTP %ld: %s (%s)",
                name, reply->status, reply->raw, reply->error);
  ck_assert_str_eq(reply->body->name, name);
  ck_assert_int_eq(reply->status, 200);
}

void
e2e_expect_fault(const wsc_reply *reply, const char *code)
{
  ck_assert_msg(reply->fault_code != NULL,
                "expected Fault %s, got HTTP %ld: %s", code, reply->status,
                reply->raw);
  ck_assert_str_eq(reply->fault_code, code);
  ck_assert_int_eq(reply->status, 500);
}

void
e2e_expect_reason(const wsc_reply *reply, const char *text)
{
  ck_assert_msg(reply->fault_reason != NULL, "the Fault has no reason");
  ck_assert_msg(strstr(reply->fault_reason, text) != NULL,
                "Fault reason \"%s\" lacks \"%s\"", reply->fault_reason,
                text);
}

static int
is_admin(const wsc_client *client)
{
  return client == &fx.ad;
}

const char *
e2e_create(const wsc_client *client, const char *def_types,
           const char *add_xml)
{
  const char *prefix = is_admin(client) ? "Admin" : "";
  char types[256] = "";
  wsc_reply *reply;
  const char *id;

  if (def_types != NULL)
    snprintf(types, sizeof(types), " defTypes=\"%s\"", def_types);
  reply = e2e_call(client, is_admin(client) ? ADMIN : MAIL,
                   "<%sCreateWaitSetRequest %s%s><add>%s</add>"
                   "</%sCreateWaitSetRequest>",
                   prefix, is_admin(client) ? NS_ADMIN : NS_MAIL, types,
                   add_xml ? add_xml : "", prefix);
  e2e_expect_ok(reply, is_admin(client) ? "AdminCreateWaitSetResponse"
                                        : "CreateWaitSetResponse");
  id = wsc_node_attr(reply->body, "waitSet");
  ck_assert_ptr_nonnull(id);
  ck_assert_uint_lt(strlen(id), sizeof(fx.ws));
  snprintf(fx.ws, sizeof(fx.ws), "%s", id);
  wsc_reply_free(reply);
  return fx.ws;
}

static char *
wait_body(const wsc_client *client, const char *ws, const char *seq,
          const char *attrs, const char *content)
{
  const char *prefix = is_admin(client) ? "Admin" : "";

  return wsc_strdup_printf("<%sWaitSetRequest %s%s%s%s%s%s%s %s>%s"
                           "</%sWaitSetRequest>",
                           prefix, is_admin(client) ? NS_ADMIN : NS_MAIL,
                           ws ? " waitSet=\"" : "", ws ? ws : "",
                           ws ? "\"" : "", seq ? " seq=\"" : "",
                           seq ? seq : "", seq ? "\"" : "",
                           attrs ? attrs : "", content ? content : "",
                           prefix);
}

wsc_reply *
e2e_wait(const wsc_client *client, const char *ws, const char *seq,
         const char *attrs, const char *content)
{
  char *body = wait_body(client, ws, seq, attrs, content);
  wsc_reply *reply;

  ck_assert_ptr_nonnull(body);
  reply = e2e_call(client, is_admin(client) ? ADMIN : MAIL, "%s", body);
  free(body);
  return reply;
}

int
e2e_add_msg(const wsc_client *client, int folder)
{
  const waitset_xml_node *m;
  wsc_reply *reply;
  int id;

  reply = e2e_call(client, MAIL,
                   "<AddMsgRequest " NS_MAIL "><m l=\"%d\" f=\"u\"><content>"
                   "Subject: test\r\n\r\nbody\r\n</content></m>"
                   "</AddMsgRequest>",
                   folder);
  e2e_expect_ok(reply, "AddMsgResponse");
  m = wsc_node_child(reply->body, "m");
  ck_assert_msg(m != NULL && wsc_node_attr(m, "id") != NULL,
                "AddMsgResponse without <m id>: %s", reply->raw);
  id = atoi(wsc_node_attr(m, "id"));
  wsc_reply_free(reply);
  return id;
}

int
e2e_create_folder(const wsc_client *client, const char *name)
{
  const waitset_xml_node *folder;
  wsc_reply *reply;
  int id;

  reply = e2e_call(client, MAIL,
                   "<CreateFolderRequest " NS_MAIL "><folder name=\"%s\" "
                   "l=\"1\"/></CreateFolderRequest>",
                   name);
  e2e_expect_ok(reply, "CreateFolderResponse");
  folder = wsc_node_child(reply->body, "folder");
  ck_assert_msg(folder != NULL && wsc_node_attr(folder, "id") != NULL,
                "CreateFolderResponse without <folder id>: %s", reply->raw);
  id = atoi(wsc_node_attr(folder, "id"));
  wsc_reply_free(reply);
  return id;
}

long
e2e_inject(const char *account, const char *records)
{
  wsc_reply *reply;
  const char *change;
  long id;

  reply = e2e_call(&fx.ad, ADMIN,
                   "<InjectChangeRequest xmlns=\"" WSC_NS_DEMO "\" "
                   "account=\"%s\">%s</InjectChangeRequest>",
                   account, records);
  e2e_expect_ok(reply, "InjectChangeResponse");
  change = wsc_node_attr(reply->body, "changeid");
  ck_assert_msg(change != NULL, "InjectChangeResponse without changeid");
  id = atol(change);
  wsc_reply_free(reply);
  return id;
}

const waitset_xml_node *
e2e_account(const wsc_reply *reply, const char *id)
{
  return wsc_node_child_with(reply->body, "a", "id", id);
}

const char *
e2e_expect_accounts(const wsc_reply *reply, const char *ids)
{
  char list[512];
  char *save = NULL;
  char *id;
  size_t expected = 0;

  ck_assert_msg(reply->fault_code == NULL, "expected a Wait response, got "
                "Fault %s: %s", reply->fault_code,
                reply->fault_reason ? reply->fault_reason : "");
  ck_assert_msg(reply->body != NULL, "no response body: %s", reply->raw);
  snprintf(list, sizeof(list), "%s", ids);
  for (id = strtok_r(list, ",", &save); id; id = strtok_r(NULL, ",", &save)) {
    ck_assert_msg(e2e_account(reply, id) != NULL,
                  "account %s missing from %s", id, reply->raw);
    expected++;
  }
  ck_assert_msg(wsc_node_count(reply->body, "a") == expected,
                "expected %zu <a> (%s), got %zu: %s", expected, ids,
                wsc_node_count(reply->body, "a"), reply->raw);
  return wsc_node_attr(reply->body, "seq");
}

static wsc_reply *
query(const char *ws)
{
  wsc_reply *reply;

  reply = e2e_call(&fx.ad, ADMIN,
                   "<QueryWaitSetRequest " NS_ADMIN " waitSet=\"%s\"/>", ws);
  e2e_expect_ok(reply, "QueryWaitSetResponse");
  return reply;
}

int
e2e_query_sessions(const char *ws, const char *account)
{
  const waitset_xml_node *set;
  const waitset_xml_node *session;
  wsc_reply *reply = query(ws);
  int n = 0;

  set = wsc_node_child_with(reply->body, "waitSet", "id", ws);
  ck_assert_msg(set != NULL, "QueryWaitSet lacks %s: %s", ws, reply->raw);
  for (session = wsc_node_child(set, "session"); session;
       session = wsc_node_next(session, "session")) {
    const char *id = wsc_node_attr(session, "account");

    if (id != NULL && strcmp(id, account) == 0)
      n++;
  }
  wsc_reply_free(reply);
  return n;
}

long long
e2e_query_ld(const char *ws)
{
  const waitset_xml_node *set;
  wsc_reply *reply;
  long long ld;

  /* A query by id refreshes the idle clock, so list them all instead. */
  reply = e2e_call(&fx.ad, ADMIN, "<QueryWaitSetRequest " NS_ADMIN "/>");
  e2e_expect_ok(reply, "QueryWaitSetResponse");
  set = wsc_node_child_with(reply->body, "waitSet", "id", ws);
  ck_assert_msg(set != NULL && wsc_node_attr(set, "ld") != NULL,
                "QueryWaitSet lacks %s or its ld: %s", ws, reply->raw);
  ld = atoll(wsc_node_attr(set, "ld"));
  wsc_reply_free(reply);
  return ld;
}

/* ------------------------------------------------------------------ */
/* Requests in the background                                          */

struct e2e_async {
  pthread_t thread;
  pthread_mutex_t mutex;
  pthread_cond_t cond;
  wsc_client client;
  char *path;
  char *body;
  wsc_reply *reply;
  int done;
  uint64_t start_ms;
  uint64_t end_ms;
};

static void *
async_main(void *arg)
{
  e2e_async *async = arg;
  wsc_reply *reply;

  reply = wsc_call(&async->client, async->path, "%s", async->body);
  pthread_mutex_lock(&async->mutex);
  async->reply = reply;
  async->end_ms = e2e_now_ms();
  async->done = 1;
  pthread_cond_signal(&async->cond);
  pthread_mutex_unlock(&async->mutex);
  return NULL;
}

e2e_async *
e2e_call_async(const wsc_client *client, const char *path, long timeout_ms,
               const char *body)
{
  pthread_condattr_t attr;
  e2e_async *async = calloc(1, sizeof(*async));

  ck_assert_ptr_nonnull(async);
  async->client = *client;
  async->client.timeout_ms = timeout_ms;
  async->path = strdup(path);
  async->body = strdup(body);
  ck_assert_ptr_nonnull(async->path);
  ck_assert_ptr_nonnull(async->body);
  pthread_mutex_init(&async->mutex, NULL);
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&async->cond, &attr);
  pthread_condattr_destroy(&attr);
  async->start_ms = e2e_now_ms();
  ck_assert_int_eq(pthread_create(&async->thread, NULL, async_main, async),
                   0);
  return async;
}

e2e_async *
e2e_wait_async(const wsc_client *client, const char *ws, const char *seq,
               const char *attrs, const char *content)
{
  char *body = wait_body(client, ws, seq, attrs, content);
  e2e_async *async;

  ck_assert_ptr_nonnull(body);
  async = e2e_call_async(client, is_admin(client) ? ADMIN : MAIL, 20000,
                         body);
  free(body);
  return async;
}

int
e2e_async_done(e2e_async *async)
{
  int done;

  pthread_mutex_lock(&async->mutex);
  done = async->done;
  pthread_mutex_unlock(&async->mutex);
  return done;
}

wsc_reply *
e2e_async_join(e2e_async *async, long max_ms, uint64_t *elapsed_ms)
{
  wsc_reply *reply = e2e_async_join_any(async, max_ms, elapsed_ms);

  check_transport(reply);
  return reply;
}

wsc_reply *
e2e_async_join_any(e2e_async *async, long max_ms, uint64_t *elapsed_ms)
{
  struct timespec deadline;
  wsc_reply *reply;
  int done;

  clock_gettime(CLOCK_MONOTONIC, &deadline);
  deadline.tv_sec += max_ms / 1000;
  deadline.tv_nsec += (max_ms % 1000) * 1000000L;
  if (deadline.tv_nsec >= 1000000000L) {
    deadline.tv_sec++;
    deadline.tv_nsec -= 1000000000L;
  }
  pthread_mutex_lock(&async->mutex);
  while (!async->done
         && pthread_cond_timedwait(&async->cond, &async->mutex, &deadline)
                == 0)
    ;
  done = async->done;
  pthread_mutex_unlock(&async->mutex);
  ck_assert_msg(done, "no response within %ld ms", max_ms);

  pthread_join(async->thread, NULL);
  reply = async->reply;
  if (elapsed_ms != NULL)
    *elapsed_ms = async->end_ms - async->start_ms;
  pthread_mutex_destroy(&async->mutex);
  pthread_cond_destroy(&async->cond);
  free(async->path);
  free(async->body);
  free(async);
  ck_assert_msg(reply != NULL, "out of memory");
  return reply;
}

/* ------------------------------------------------------------------ */
/* Raw sockets                                                         */

int
e2e_raw_connect(void)
{
  struct sockaddr_in addr;
  const char *colon = strrchr(fx.host_port, ':');
  int one = 1;
  int fd;

  ck_assert_ptr_nonnull(colon);
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)atoi(colon + 1));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  fd = socket(AF_INET, SOCK_STREAM, 0);
  ck_assert_int_ge(fd, 0);
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  ck_assert_msg(connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0,
                "connect to %s failed: %s", fx.host_port, strerror(errno));
  return fd;
}

void
e2e_raw_send(int fd, const char *data, size_t len)
{
  while (len > 0) {
    ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

    if (n < 0 && errno == EINTR)
      continue;
    ck_assert_msg(n > 0, "send failed: %s", strerror(errno));
    data += n;
    len -= (size_t)n;
  }
}

char *
e2e_raw_read(int fd, long max_ms, size_t *len)
{
  uint64_t deadline = e2e_now_ms() + (uint64_t)max_ms;
  size_t cap = 4096;
  size_t used = 0;
  char *buf = malloc(cap);

  ck_assert_ptr_nonnull(buf);
  for (;;) {
    struct pollfd pfd = { fd, POLLIN, 0 };
    uint64_t now = e2e_now_ms();
    ssize_t n;

    if (now >= deadline)
      break;
    if (poll(&pfd, 1, (int)(deadline - now)) <= 0)
      continue;
    if (used + 1024 + 1 > cap) {
      cap *= 2;
      buf = realloc(buf, cap);
      ck_assert_ptr_nonnull(buf);
    }
    n = recv(fd, buf + used, cap - used - 1, 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    used += (size_t)n;
  }
  buf[used] = '\0';
  if (len != NULL)
    *len = used;
  return buf;
}

int
e2e_raw_status(const char *response)
{
  int status = 0;

  if (sscanf(response, "HTTP/1.%*d %d", &status) != 1)
    return 0;
  return status;
}

const char *
e2e_raw_body(const char *response)
{
  const char *end = strstr(response, "\r\n\r\n");

  return end ? end + 4 : NULL;
}
