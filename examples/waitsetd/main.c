/* SPDX-License-Identifier: MIT */
/*
 * waitsetd: an example WaitSet SOAP server. It wires the libwaitset core
 * and its XML codec to an HTTP/1.1 server and an in-memory demo mailbox
 * store, all on one libuv loop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "log.h"

static void
on_core_log(int level, const char *message, void *user_data)
{
  (void)user_data;
  if (level > WAITSET_LOG_DEBUG)
    level = WAITSET_LOG_DEBUG;
  log_write(level, "libwaitset: %s", message);
}

/* ------------------------------------------------------------------ */
/* Shutdown                                                            */

static void
on_http_closed(void *user_data)
{
  waitsetd *d = user_data;

  d->http = NULL;
  log_info("stopped");
}

static void
on_registry_closed(waitset_registry *reg, void *user_data)
{
  waitsetd *d = user_data;

  (void)reg;
  d->registry = NULL;
  /* The close completed every parked wait, and the connections close
   * once those responses are written. */
  http_server_close(d->http, on_http_closed, d);
}

static void
on_signal(uv_signal_t *handle, int signum)
{
  waitsetd *d = handle->data;
  int rc;

  if (d->stopping)
    return;
  d->stopping = 1;
  log_info("stopping on signal %d (%zu waitsets, %zu parked waits)",
           signum, waitset_registry_count(d->registry),
           waitset_registry_parked(d->registry));
  uv_close((uv_handle_t *)&d->sigint, NULL);
  uv_close((uv_handle_t *)&d->sigterm, NULL);
  rc = waitset_registry_close(d->registry, on_registry_closed, d);
  if (rc != 0) {
    log_error("closing the waitset registry failed: %s",
              waitset_strerror(rc));
    on_registry_closed(d->registry, d);
  }
}

/* ------------------------------------------------------------------ */
/* Startup                                                             */

/* Build the core's options; 0, or 2 after printing the offending one. */
static int
make_core_options(const daemon_options *opts, waitset_options **out)
{
  waitset_options *core = NULL;
  int id;
  int rc;

  rc = waitset_options_new(&core);
  if (rc != 0) {
    fprintf(stderr, "waitsetd: cannot create options: %s\n",
            waitset_strerror(rc));
    return 1;
  }
  for (id = 1; id <= DAEMON_CORE_OPTION_COUNT; id++) {
    rc = waitset_options_set(core, id, opts->core_value[id]);
    if (rc != 0) {
      fprintf(stderr, "waitsetd: invalid --%s: %s (see --help)\n",
              options_core_name(id), waitset_strerror(rc));
      waitset_options_free(core);
      return 2;
    }
  }
  waitset_options_set_log(core, opts->log_level, on_core_log, NULL);
  *out = core;
  return 0;
}

static int
load_accounts(waitsetd *d)
{
  char err[600];

  if (d->opts.accounts_file == NULL)
    return store_load_defaults(&d->store);
  if (store_load_file(&d->store, d->opts.accounts_file, err,
                      sizeof(err)) != 0) {
    fprintf(stderr, "waitsetd: invalid accounts file: %s\n", err);
    return -1;
  }
  return 0;
}

static int
start_registry(waitsetd *d)
{
  waitset_options *core = NULL;
  waitset_host host;
  int rc = make_core_options(&d->opts, &core);

  if (rc != 0)
    return rc;
  dispatch_host_init(&host, d);
  rc = waitset_registry_new(&d->registry, d->loop, core, &host);
  waitset_options_free(core);
  if (rc == WAITSET_ERANGE) {
    const int64_t *v = d->opts.core_value;

    fprintf(stderr, "waitsetd: libwaitset rejected the options: %s; user "
            "timeout min/default/max %lld/%lld/%lld ms, admin %lld/%lld/%lld "
            "ms, idle expiry %lld ms, sweep interval %lld ms\n",
            waitset_strerror(rc),
            (long long)v[WAITSET_OPT_TIMEOUT_MIN_MS],
            (long long)v[WAITSET_OPT_TIMEOUT_DEFAULT_MS],
            (long long)v[WAITSET_OPT_TIMEOUT_MAX_MS],
            (long long)v[WAITSET_OPT_ADMIN_TIMEOUT_MIN_MS],
            (long long)v[WAITSET_OPT_ADMIN_TIMEOUT_DEFAULT_MS],
            (long long)v[WAITSET_OPT_ADMIN_TIMEOUT_MAX_MS],
            (long long)v[WAITSET_OPT_IDLE_EXPIRY_MS],
            (long long)v[WAITSET_OPT_SWEEP_INTERVAL_MS]);
    return 2;
  }
  if (rc != 0) {
    fprintf(stderr, "waitsetd: cannot create the waitset registry: %s\n",
            waitset_strerror(rc));
    return 1;
  }
  return 0;
}

static int
start_decoder(waitsetd *d)
{
  waitset_xml_options xml;
  int rc;

  memset(&xml, 0, sizeof(xml));
  xml.size = sizeof(xml);
  xml.max_document_bytes = d->opts.max_request_bytes;
  xml.accept_other_commands = 1;
  rc = waitset_xml_decoder_new(&d->decoder, &xml);
  if (rc != 0) {
    fprintf(stderr, "waitsetd: cannot create the XML decoder: %s\n",
            waitset_strerror(rc));
    return 1;
  }
  return 0;
}

static int
start_http(waitsetd *d)
{
  http_server_config config;
  char bound[96];
  int rc;

  memset(&config, 0, sizeof(config));
  config.host = d->opts.listen_host;
  config.port = d->opts.listen_port;
  config.max_body_bytes = d->opts.max_request_bytes;
  config.read_timeout_ms = (uint64_t)d->opts.read_timeout_ms;
  config.idle_timeout_ms = (uint64_t)d->opts.idle_timeout_ms;
  config.max_connections = d->opts.max_connections;
  config.max_output_bytes = d->opts.max_output_bytes;
  config.on_request = dispatch_request;
  config.on_too_large = dispatch_too_large;
  config.user_data = d;
  rc = http_server_start(&d->http, d->loop, &config, bound, sizeof(bound));
  if (rc != 0) {
    log_error("cannot listen on %s:%d: %s", d->opts.listen_host,
              d->opts.listen_port, uv_strerror(rc));
    return 1;
  }
  /* Scripts that pass port 0 read the bound address from this line. */
  printf("%s\n", bound);
  fflush(stdout);
  log_info("started: listening on %s, %zu accounts, libwaitset %s", bound,
           d->store.account_count, waitset_version_string());
  return 0;
}

static void
start_signals(waitsetd *d)
{
  uv_signal_init(d->loop, &d->sigint);
  uv_signal_init(d->loop, &d->sigterm);
  d->sigint.data = d;
  d->sigterm.data = d;
  uv_signal_start(&d->sigint, on_signal, SIGINT);
  uv_signal_start(&d->sigterm, on_signal, SIGTERM);
}

static void
on_registry_closed_early(waitset_registry *reg, void *user_data)
{
  (void)reg;
  (void)user_data;
}

/* Close whatever is still open after a failed start, then run the loop
 * so the close callbacks finish. */
static void
abort_start(waitsetd *d)
{
  if (d->registry != NULL)
    waitset_registry_close(d->registry, on_registry_closed_early, NULL);
  uv_run(d->loop, UV_RUN_DEFAULT);
  d->registry = NULL;
}

int
main(int argc, char **argv)
{
  static waitsetd d;
  uv_loop_t loop;
  int rc;

  memset(&d, 0, sizeof(d));
  rc = options_parse(&d.opts, argc, argv);
  if (rc == OPTIONS_EXIT_SUCCESS)
    return 0;
  if (rc != OPTIONS_OK)
    return 2;
  log_set_level(d.opts.log_level);

  if (uv_loop_init(&loop) != 0) {
    fprintf(stderr, "waitsetd: cannot create the event loop\n");
    return 1;
  }
  d.loop = &loop;
  store_init(&d.store, dispatch_post_change, &d);
  auth_init(&d.auth, d.opts.token_lifetime_ms);

  rc = load_accounts(&d) != 0 ? 2 : 0;
  if (rc == 0)
    rc = start_registry(&d);
  if (rc == 0)
    rc = start_decoder(&d);
  if (rc == 0)
    rc = start_http(&d);
  if (rc == 0) {
    start_signals(&d);
    uv_run(&loop, UV_RUN_DEFAULT);
  } else {
    abort_start(&d);
  }

  waitset_xml_decoder_free(d.decoder);
  auth_free(&d.auth);
  store_free(&d.store);
  if (uv_loop_close(&loop) != 0) {
    log_error("event loop closed with handles still open");
    return 1;
  }
  return rc;
}
