/* SPDX-License-Identifier: MIT */
/*
 * A small fake host for the engine-level suites (lifecycle, allocation
 * failure, reentrancy, threads): a private loop, three local accounts,
 * lookups completed at once or held, and a response recorder. Header
 * only; every function is static inline.
 */
#ifndef MINI_HOST_H
#define MINI_HOST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <check.h>
#include <uv.h>
#include <waitset/waitset.h>

#define MH_A1 "aaaaaaaa-0000-0000-0000-000000000001"
#define MH_A2 "aaaaaaaa-0000-0000-0000-000000000002"
#define MH_A3 "aaaaaaaa-0000-0000-0000-000000000003"
#define MH_ADMIN "aaaaaaaa-0000-0000-0000-0000000000ad"
#define MH_ACCOUNTS 4
#define MH_MAX_HELD 16
#define MH_MAX_ERRORS 8

typedef struct mh_host {
  uv_loop_t loop;
  waitset_registry *reg;
  const char *ids[MH_ACCOUNTS];
  int64_t last_change_id[MH_ACCOUNTS];
  int hold_lookups; /* 1: keep lookups until mh_release() */
  waitset_lookup *held[MH_MAX_HELD];
  size_t held_count;
  int close_calls;
} mh_host;

/* A copy of the parts of a response the suites check. */
typedef struct mh_resp {
  int done;
  int status;
  int canceled;
  int has_seq;
  char seq[64];
  char waitset_id[128];
  char def_types[32];
  size_t signal_count;
  size_t created_total; /* created items over every signal's mods */
  size_t error_count;
  int error_codes[MH_MAX_ERRORS];
  size_t waitset_count;
} mh_resp;

static inline int
mh_find(const mh_host *h, const char *key)
{
  int i;

  for (i = 0; i < MH_ACCOUNTS; i++) {
    if (strcasecmp(h->ids[i], key) == 0)
      return i;
  }
  return -1;
}

static inline void
mh_answer(mh_host *h, waitset_lookup *lookup)
{
  waitset_account_info info;
  int i = mh_find(h, waitset_lookup_key(lookup));

  memset(&info, 0, sizeof(info));
  info.size = sizeof(info);
  info.status = i < 0 ? WAITSET_ACCOUNT_NOT_FOUND : WAITSET_ACCOUNT_LOCAL;
  info.access = 1;
  if (i >= 0) {
    info.id = h->ids[i];
    info.name = h->ids[i];
    info.last_change_id = h->last_change_id[i];
  }
  waitset_lookup_complete(lookup, &info);
}

static inline void
mh_lookup_cb(waitset_registry *reg, waitset_lookup *lookup, void *user_data)
{
  mh_host *h = user_data;

  (void)reg;
  if (h->hold_lookups && h->held_count < MH_MAX_HELD) {
    h->held[h->held_count++] = lookup;
    return;
  }
  mh_answer(h, lookup);
}

static inline int64_t
mh_last_change_id_cb(waitset_registry *reg, const char *account_id,
                     void *user_data)
{
  mh_host *h = user_data;
  int i = mh_find(h, account_id);

  (void)reg;
  return i < 0 ? -1 : h->last_change_id[i];
}

static inline void
mh_release(mh_host *h)
{
  size_t i;
  size_t n = h->held_count;

  h->held_count = 0;
  for (i = 0; i < n; i++)
    mh_answer(h, h->held[i]);
}

static inline waitset_host
mh_host_struct(mh_host *h)
{
  waitset_host host;

  memset(&host, 0, sizeof(host));
  host.size = sizeof(host);
  host.lookup_account = mh_lookup_cb;
  host.last_change_id = mh_last_change_id_cb;
  host.user_data = h;
  return host;
}

/* Options with millisecond timing, suitable for tests. */
static inline waitset_options *
mh_options(void)
{
  waitset_options *opts = NULL;

  ck_assert_int_eq(waitset_options_new(&opts), 0);
  ck_assert_int_eq(waitset_options_set(opts, WAITSET_OPT_INITIAL_DELAY_MS,
                                       0), 0);
  ck_assert_int_eq(waitset_options_set(opts, WAITSET_OPT_COALESCE_DELAY_MS,
                                       0), 0);
  return opts;
}

static inline void
mh_init(mh_host *h)
{
  int i;

  memset(h, 0, sizeof(*h));
  ck_assert_int_eq(uv_loop_init(&h->loop), 0);
  h->ids[0] = MH_A1;
  h->ids[1] = MH_A2;
  h->ids[2] = MH_A3;
  h->ids[3] = MH_ADMIN;
  for (i = 0; i < MH_ACCOUNTS; i++)
    h->last_change_id[i] = 100;
}

/* Create the loop and a registry; opts NULL means mh_options(). */
static inline void
mh_start(mh_host *h, const waitset_options *opts)
{
  waitset_options *own = NULL;
  waitset_host host;

  mh_init(h);
  host = mh_host_struct(h);
  if (opts == NULL)
    opts = own = mh_options();
  ck_assert_int_eq(waitset_registry_new(&h->reg, &h->loop, opts, &host), 0);
  waitset_options_free(own);
}

static inline void
mh_close_cb(waitset_registry *reg, void *user_data)
{
  mh_host *h = user_data;

  (void)reg;
  h->close_calls++;
}

/* Close the registry if still open, run the loop until the close
 * callback ran, and close the loop. */
static inline void
mh_finish(mh_host *h)
{
  int spins = 0;

  if (h->reg != NULL && h->close_calls == 0)
    waitset_registry_close(h->reg, mh_close_cb, h);
  mh_release(h);
  while (h->reg != NULL && h->close_calls == 0 && spins++ < 1000)
    uv_run(&h->loop, UV_RUN_ONCE);
  ck_assert_int_eq(h->close_calls, h->reg != NULL ? 1 : 0);
  uv_run(&h->loop, UV_RUN_DEFAULT);
  ck_assert_int_eq(uv_loop_close(&h->loop), 0);
}

static inline void
mh_record_cb(waitset_registry *reg, const waitset_response *resp,
             void *user_data)
{
  mh_resp *r = user_data;
  size_t i;
  size_t j;

  (void)reg;
  ck_assert_int_eq(r->done, 0);
  r->done = 1;
  r->status = resp->status;
  r->canceled = resp->canceled;
  r->has_seq = resp->seq != NULL;
  if (resp->seq != NULL)
    snprintf(r->seq, sizeof(r->seq), "%s", resp->seq);
  if (resp->waitset_id != NULL)
    snprintf(r->waitset_id, sizeof(r->waitset_id), "%s", resp->waitset_id);
  if (resp->def_types != NULL)
    snprintf(r->def_types, sizeof(r->def_types), "%s", resp->def_types);
  r->signal_count = resp->signal_count;
  for (i = 0; i < resp->signal_count; i++) {
    for (j = 0; j < resp->signals[i].mods_count; j++)
      r->created_total += resp->signals[i].mods[j].created_count;
  }
  r->error_count = resp->error_count;
  for (i = 0; i < resp->error_count && i < MH_MAX_ERRORS; i++)
    r->error_codes[i] = resp->errors[i].code;
  r->waitset_count = resp->waitset_count;
}

static inline waitset_caller
mh_caller(const char *id, uint32_t flags)
{
  waitset_caller c;

  memset(&c, 0, sizeof(c));
  c.size = sizeof(c);
  c.account_id = id;
  c.flags = flags;
  return c;
}

static inline waitset_request
mh_request(int op)
{
  waitset_request rq;

  memset(&rq, 0, sizeof(rq));
  rq.size = sizeof(rq);
  rq.op = op;
  return rq;
}

static inline int
mh_exec(mh_host *h, const char *account, const waitset_request *rq,
        mh_resp *out, waitset_call **call)
{
  waitset_caller c = mh_caller(account, 0);

  memset(out, 0, sizeof(*out));
  return waitset_execute(h->reg, &c, rq, mh_record_cb, out, call);
}

static inline void
mh_run_until(mh_host *h, const int *flag)
{
  int spins = 0;

  while (!*flag && spins++ < 10000)
    uv_run(&h->loop, UV_RUN_ONCE);
  ck_assert_msg(*flag, "the loop ran dry before the awaited event");
}

/* Post a message delivered to folder 2 of an account, with one created
 * item for expand. */
static inline int
mh_deliver(mh_host *h, const char *account, int32_t item)
{
  static const int32_t inbox = 2;
  waitset_item_info created;
  waitset_change c;
  int i = mh_find(h, account);

  memset(&created, 0, sizeof(created));
  created.id = item;
  created.imap_uid = item;
  created.type = WAITSET_ITEM_MESSAGE;
  created.flags = 512;
  created.folder_id = inbox;
  created.tags = "red";
  memset(&c, 0, sizeof(c));
  c.size = sizeof(c);
  c.account_id = account;
  c.change_id = ++h->last_change_id[i];
  c.types = WAITSET_TYPE_MESSAGE | WAITSET_TYPE_FOLDER;
  c.folders = &inbox;
  c.folder_count = 1;
  c.created = &created;
  c.created_count = 1;
  return waitset_post_change(h->reg, &c);
}

#endif /* MINI_HOST_H */
