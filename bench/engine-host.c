/* SPDX-License-Identifier: MIT */
#include "engine-host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ADMIN_ID "aaaaaaaa-0000-0000-0000-0000000000ad"
#define ID_PREFIX "aaaaaaaa-0000-0000-0000-"

static void
fail(const char *what, int rc)
{
  fprintf(stderr, "engine-host: %s failed: %s\n", what,
          waitset_strerror(rc));
  exit(1);
}

void
eh_account_id(size_t index, char *out)
{
  snprintf(out, EH_ID_LENGTH + 1, ID_PREFIX "%012zu", index);
}

/* Return the account index of an id, or -1 when it names none. */
static long
account_index(const eh_host *h, const char *id)
{
  size_t prefix = sizeof(ID_PREFIX) - 1;
  size_t index = 0;
  size_t i;

  if (strlen(id) != EH_ID_LENGTH || strncmp(id, ID_PREFIX, prefix) != 0)
    return -1;
  for (i = prefix; i < EH_ID_LENGTH; i++) {
    if (id[i] < '0' || id[i] > '9')
      return -1;
    index = index * 10 + (size_t)(id[i] - '0');
  }
  return index < h->account_count ? (long)index : -1;
}

static void
on_lookup(waitset_registry *reg, waitset_lookup *lookup, void *user_data)
{
  eh_host *h = user_data;
  const char *key = waitset_lookup_key(lookup);
  waitset_account_info info;
  long index = waitset_lookup_by_name(lookup) ? -1 : account_index(h, key);

  memset(&info, 0, sizeof(info));
  info.size = sizeof(info);
  info.status = index < 0 ? WAITSET_ACCOUNT_NOT_FOUND : WAITSET_ACCOUNT_LOCAL;
  info.access = 1;
  info.id = key;
  info.name = key;
  info.last_change_id = 100;
  waitset_lookup_complete(lookup, &info);
}

static int64_t
on_last_change_id(waitset_registry *reg, const char *account_id,
                  void *user_data)
{
  return account_index(user_data, account_id) < 0 ? -1 : 100;
}

void
eh_start(eh_host *h, size_t account_count, const waitset_options *opts)
{
  waitset_options *own = NULL;
  waitset_host host;
  int rc;

  memset(h, 0, sizeof(*h));
  h->account_count = account_count;
  rc = uv_loop_init(&h->loop);
  if (rc != 0) {
    fprintf(stderr, "engine-host: uv_loop_init failed: %s\n",
            uv_strerror(rc));
    exit(1);
  }
  if (opts == NULL) {
    rc = waitset_options_new(&own);
    if (rc == 0)
      rc = waitset_options_set(own, WAITSET_OPT_INITIAL_DELAY_MS, 0);
    if (rc == 0)
      rc = waitset_options_set(own, WAITSET_OPT_COALESCE_DELAY_MS, 0);
    if (rc != 0)
      fail("waitset_options_set", rc);
    opts = own;
  }
  memset(&host, 0, sizeof(host));
  host.size = sizeof(host);
  host.lookup_account = on_lookup;
  host.last_change_id = on_last_change_id;
  host.user_data = h;
  rc = waitset_registry_new(&h->reg, &h->loop, opts, &host);
  waitset_options_free(own);
  if (rc != 0)
    fail("waitset_registry_new", rc);
}

static void
on_close(waitset_registry *reg, void *user_data)
{
  eh_host *h = user_data;

  h->close_calls++;
}

void
eh_finish(eh_host *h)
{
  int rc = waitset_registry_close(h->reg, on_close, h);

  if (rc != 0)
    fail("waitset_registry_close", rc);
  while (h->close_calls == 0)
    uv_run(&h->loop, UV_RUN_ONCE);
  uv_run(&h->loop, UV_RUN_DEFAULT);
  rc = uv_loop_close(&h->loop);
  if (rc != 0) {
    fprintf(stderr, "engine-host: uv_loop_close failed: %s\n",
            uv_strerror(rc));
    exit(1);
  }
}

const waitset_caller *
eh_admin_caller(void)
{
  static waitset_caller caller = {
    sizeof(waitset_caller), ADMIN_ID, NULL,
    WAITSET_CALLER_ADMIN_TOKEN | WAITSET_CALLER_GLOBAL_ADMIN
  };

  return &caller;
}

static void
on_response(waitset_registry *reg, const waitset_response *resp,
            void *user_data)
{
  eh_result *result = user_data;

  result->done = 1;
  result->status = resp->status;
  result->signal_count = resp->signal_count;
  if (resp->waitset_id != NULL)
    snprintf(result->waitset_id, sizeof(result->waitset_id), "%s",
             resp->waitset_id);
  if (resp->seq != NULL)
    snprintf(result->seq, sizeof(result->seq), "%s", resp->seq);
}

void
eh_create(eh_host *h, const waitset_account_spec *specs, size_t count,
          eh_result *result)
{
  waitset_request req;
  int rc;

  memset(&req, 0, sizeof(req));
  memset(result, 0, sizeof(*result));
  req.size = sizeof(req);
  req.op = WAITSET_OP_CREATE;
  req.admin = 1;
  req.def_types = "m";
  req.add = specs;
  req.add_count = count;
  rc = waitset_execute(h->reg, eh_admin_caller(), &req, on_response, result,
                       NULL);
  if (rc != 0)
    fail("waitset_execute(create)", rc);
}

waitset_call *
eh_wait(eh_host *h, const char *waitset_id, const char *seq,
        const char *block, eh_result *result)
{
  waitset_request req;
  waitset_call *call = NULL;
  int rc;

  memset(&req, 0, sizeof(req));
  memset(result, 0, sizeof(*result));
  req.size = sizeof(req);
  req.op = WAITSET_OP_WAIT;
  req.admin = 1;
  req.waitset_id = waitset_id;
  req.seq = seq;
  req.block = block;
  rc = waitset_execute(h->reg, eh_admin_caller(), &req, on_response, result,
                       &call);
  if (rc != 0)
    fail("waitset_execute(wait)", rc);
  return call;
}

void
eh_run_until_done(eh_host *h, eh_result *results, size_t count)
{
  size_t i = 0;

  while (i < count) {
    if (!results[i].done) {
      uv_run(&h->loop, UV_RUN_ONCE);
      continue;
    }
    if (results[i].status != 0)
      fail("a benchmark request", results[i].status);
    i++;
  }
}
