/* SPDX-License-Identifier: MIT */
/*
 * Allocation failure: a counting allocator fails the Nth allocation for
 * every N along the create, add, signal, wait, query and destroy paths.
 * Each run must end with clean errors, no leaked byte and a registry
 * that still serves requests.
 */
#include <stdint.h>

#include "mini_host.h"

/* Counting allocator. The functions take no context, so the counters are
 * file statics; the suite runs one test at a time. */
typedef struct alloc_stats {
  size_t live_count;
  size_t live_bytes;
  size_t peak_bytes;
  size_t calls;   /* malloc and realloc calls since the reset */
  size_t fail_at; /* 1-based call to fail, 0 for none */
  int failed;     /* 1 once the chosen call failed */
} alloc_stats;

static alloc_stats stats;

/* Each block carries its size in front, aligned for any type. */
typedef union alloc_header {
  size_t size;
  long double ld;
  void *ptr;
  int64_t i64;
} alloc_header;

static int
should_fail(void)
{
  stats.calls++;
  if (stats.fail_at != 0 && stats.calls == stats.fail_at) {
    stats.failed = 1;
    return 1;
  }
  return 0;
}

static void *
count_malloc(size_t size)
{
  alloc_header *h;

  if (should_fail())
    return NULL;
  h = malloc(sizeof(*h) + size);
  if (h == NULL)
    return NULL;
  h->size = size;
  stats.live_count++;
  stats.live_bytes += size;
  if (stats.live_bytes > stats.peak_bytes)
    stats.peak_bytes = stats.live_bytes;
  return h + 1;
}

static void
count_free(void *ptr)
{
  alloc_header *h;

  if (ptr == NULL)
    return;
  h = (alloc_header *)ptr - 1;
  stats.live_count--;
  stats.live_bytes -= h->size;
  free(h);
}

static void *
count_realloc(void *ptr, size_t size)
{
  alloc_header *h;
  alloc_header *n;

  if (ptr == NULL)
    return count_malloc(size);
  if (should_fail())
    return NULL;
  h = (alloc_header *)ptr - 1;
  n = malloc(sizeof(*n) + size);
  if (n == NULL)
    return NULL;
  memcpy(n + 1, ptr, h->size < size ? h->size : size);
  n->size = size;
  stats.live_bytes += size;
  stats.live_bytes -= h->size;
  free(h);
  return n + 1;
}

static const waitset_allocator counting = {
    WAITSET_ALLOCATOR_VERSION, count_malloc, count_realloc, count_free};

static void
reset_stats(size_t fail_at)
{
  memset(&stats, 0, sizeof(stats));
  stats.fail_at = fail_at;
}

/* An API call may succeed or run out of memory, nothing else. */
#define ck_assert_ok_or_nomem(expr)                                          \
  do {                                                                       \
    int rc_ = (expr);                                                        \
    ck_assert_msg(rc_ == 0 || rc_ == WAITSET_ENOMEM, "%s returned %s",       \
                  #expr, waitset_err_name(rc_));                             \
  } while (0)

/* A response is data, a seq echo, canceled, or a FAILURE fault. */
static void
check_response(const mh_resp *r)
{
  ck_assert_msg(r->status == 0 || r->status == WAITSET_EFAILURE,
                "unexpected status %s", waitset_err_name(r->status));
}

static int
run_request(mh_host *h, const char *account, uint32_t flags,
            const waitset_request *rq, mh_resp *r)
{
  waitset_caller c = mh_caller(account, flags);
  int rc;

  memset(r, 0, sizeof(*r));
  rc = waitset_execute(h->reg, &c, rq, mh_record_cb, r, NULL);
  ck_assert_ok_or_nomem(rc);
  if (rc != 0)
    return rc;
  mh_run_until(h, &r->done);
  check_response(r);
  return r->status;
}

static waitset_options *
counting_options(void)
{
  waitset_options *opts = mh_options();

  ck_assert_int_eq(waitset_options_set_allocator(opts, &counting), 0);
  ck_assert_int_eq(waitset_options_set(opts,
                                       WAITSET_OPT_MAX_WAITSETS_PER_OWNER,
                                       1), 0);
  return opts;
}

/* Create a waitset on A1 and A2; returns 0 and fills id on success. */
static int
create_step(mh_host *h, char *id, size_t id_size)
{
  waitset_request rq = mh_request(WAITSET_OP_CREATE);
  waitset_account_spec add[2];
  mh_resp r;

  memset(add, 0, sizeof(add));
  add[0].id = MH_A1;
  add[0].folder_interests = "2,257";
  add[1].id = MH_A2;
  add[1].token = "50";
  add[1].types = "m,c";
  rq.def_types = "all";
  rq.add = add;
  rq.add_count = 2;
  if (run_request(h, MH_A1, 0, &rq, &r) != 0)
    return -1;
  snprintf(id, id_size, "%s", r.waitset_id);
  return 0;
}

/* A blocking wait that a change completes; abandoned if the change was
 * lost to the failure. */
static void
blocking_step(mh_host *h, const char *id)
{
  waitset_request rq = mh_request(WAITSET_OP_WAIT);
  waitset_caller c = mh_caller(MH_A1, 0);
  waitset_call *call = NULL;
  mh_resp r;
  int rc;
  int i;

  rq.waitset_id = id;
  rq.seq = "0";
  rq.block = "1";
  rq.expand = "1";
  memset(&r, 0, sizeof(r));
  rc = waitset_execute(h->reg, &c, &rq, mh_record_cb, &r, &call);
  ck_assert_ok_or_nomem(rc);
  if (rc != 0)
    return;
  uv_run(&h->loop, UV_RUN_NOWAIT);
  ck_assert_ok_or_nomem(mh_deliver(h, MH_A1, 300));
  for (i = 0; i < 4 && !r.done; i++)
    uv_run(&h->loop, UV_RUN_NOWAIT);
  if (!r.done)
    ck_assert_int_eq(waitset_call_abandon(call), 0);
  else
    check_response(&r);
}

static void
wait_step(mh_host *h, const char *id)
{
  waitset_request rq = mh_request(WAITSET_OP_WAIT);
  waitset_account_spec upd;
  waitset_account_spec rem;
  mh_resp r;

  ck_assert_ok_or_nomem(mh_deliver(h, MH_A2, 301));
  ck_assert_ok_or_nomem(waitset_mailbox_unavailable(h->reg, MH_A1));
  ck_assert_ok_or_nomem(waitset_mailbox_available(h->reg, MH_A1, 90));
  ck_assert_ok_or_nomem(waitset_mailbox_deleted(h->reg, MH_A2));
  memset(&upd, 0, sizeof(upd));
  upd.id = MH_A1;
  upd.token = "1-2:d3";
  memset(&rem, 0, sizeof(rem));
  rem.id = MH_A3;
  rq.waitset_id = id;
  rq.seq = "0";
  rq.expand = "1";
  rq.update = &upd;
  rq.update_count = 1;
  rq.remove = &rem;
  rq.remove_count = 1;
  run_request(h, MH_A1, 0, &rq, &r);
}

/* An all-accounts waitset: create, a signal, a poll and a destroy. */
static void
all_accounts_step(mh_host *h)
{
  waitset_request rq = mh_request(WAITSET_OP_CREATE);
  mh_resp r;
  char id[128];
  char seq[64];

  rq.admin = 1;
  rq.def_types = "m";
  rq.all_accounts = "1";
  if (run_request(h, MH_ADMIN, WAITSET_CALLER_GLOBAL_ADMIN, &rq, &r) != 0)
    return;
  snprintf(id, sizeof(id), "%s", r.waitset_id);
  ck_assert_ok_or_nomem(mh_deliver(h, MH_A3, 302));
  rq = mh_request(WAITSET_OP_WAIT);
  rq.admin = 1;
  rq.waitset_id = id;
  rq.seq = "0";
  run_request(h, MH_ADMIN, WAITSET_CALLER_GLOBAL_ADMIN, &rq, &r);
  snprintf(seq, sizeof(seq), "%s", r.seq);
  rq.seq = seq;
  run_request(h, MH_ADMIN, WAITSET_CALLER_GLOBAL_ADMIN, &rq, &r);
  rq = mh_request(WAITSET_OP_DESTROY);
  rq.admin = 1;
  rq.waitset_id = id;
  run_request(h, MH_ADMIN, WAITSET_CALLER_GLOBAL_ADMIN, &rq, &r);
}

static void
query_and_destroy_step(mh_host *h, const char *id)
{
  waitset_request rq = mh_request(WAITSET_OP_QUERY);
  mh_resp r;

  rq.admin = 1;
  run_request(h, MH_ADMIN, WAITSET_CALLER_GLOBAL_ADMIN, &rq, &r);
  rq.waitset_id = id;
  run_request(h, MH_ADMIN, WAITSET_CALLER_GLOBAL_ADMIN, &rq, &r);
  rq = mh_request(WAITSET_OP_DESTROY);
  rq.waitset_id = id;
  run_request(h, MH_A1, 0, &rq, &r);
}

/* With allocation working again, a full create, signal and poll must
 * succeed. */
static void
still_usable(mh_host *h)
{
  waitset_request rq = mh_request(WAITSET_OP_CREATE);
  waitset_account_spec add;
  mh_resp r;
  char id[128];

  stats.fail_at = 0;
  memset(&add, 0, sizeof(add));
  add.id = MH_A3;
  rq.def_types = "m";
  rq.add = &add;
  rq.add_count = 1;
  ck_assert_int_eq(run_request(h, MH_A3, 0, &rq, &r), 0);
  ck_assert_uint_eq(r.error_count, 0);
  snprintf(id, sizeof(id), "%s", r.waitset_id);
  ck_assert_int_eq(mh_deliver(h, MH_A3, 400), 0);
  rq = mh_request(WAITSET_OP_WAIT);
  rq.waitset_id = id;
  rq.seq = "0";
  rq.expand = "1";
  ck_assert_int_eq(run_request(h, MH_A3, 0, &rq, &r), 0);
  ck_assert_str_eq(r.seq, "2");
  ck_assert_uint_eq(r.signal_count, 1);
  ck_assert_uint_eq(r.created_total, 1);
}

/* Run the whole scenario once, failing allocation number fail_at.
 * Returns 1 when that allocation was reached. */
static int
run_scenario(size_t fail_at)
{
  waitset_options *opts = counting_options();
  waitset_host host;
  mh_host h;
  char id[128];
  int rc;
  int reached;

  mh_init(&h);
  host = mh_host_struct(&h);
  reset_stats(fail_at);
  rc = waitset_registry_new(&h.reg, &h.loop, opts, &host);
  waitset_options_free(opts);
  ck_assert_ok_or_nomem(rc);
  if (rc != 0) {
    ck_assert_uint_eq(stats.live_bytes, 0);
    ck_assert_int_eq(uv_loop_close(&h.loop), 0);
    return stats.failed;
  }
  if (create_step(&h, id, sizeof(id)) == 0) {
    blocking_step(&h, id);
    wait_step(&h, id);
    query_and_destroy_step(&h, id);
  }
  all_accounts_step(&h);
  reached = stats.failed;
  still_usable(&h);
  mh_finish(&h);
  ck_assert_msg(stats.live_bytes == 0 && stats.live_count == 0,
                "failing allocation %zu leaked %zu bytes in %zu blocks",
                fail_at, stats.live_bytes, stats.live_count);
  return reached;
}

START_TEST(alloc_scenario_clean_run)
{
  ck_assert_int_eq(run_scenario(0), 0);
  ck_assert_uint_gt(stats.calls, 20);
  ck_assert_uint_gt(stats.peak_bytes, 0);
}
END_TEST

START_TEST(alloc_fail_every_allocation)
{
  size_t n;
  size_t total;

  run_scenario(0);
  total = stats.calls;
  for (n = 1; n <= total + 1; n++) {
    if (!run_scenario(n))
      break;
  }
  /* Every allocation of the scenario before the final check failed
   * once; the final check alone makes fewer than half of them. */
  ck_assert_uint_ge(n, total / 2);
  ck_assert_uint_gt(n, 60);
}
END_TEST

START_TEST(alloc_fail_registry_new)
{
  waitset_options *opts = counting_options();
  waitset_host host;
  mh_host h;

  mh_init(&h);
  host = mh_host_struct(&h);
  reset_stats(1);
  ck_assert_int_eq(waitset_registry_new(&h.reg, &h.loop, opts, &host),
                   WAITSET_ENOMEM);
  waitset_options_free(opts);
  ck_assert_uint_eq(stats.live_bytes, 0);
  ck_assert_int_eq(uv_loop_close(&h.loop), 0);
}
END_TEST

START_TEST(alloc_fail_execute_no_callback)
{
  waitset_options *opts = counting_options();
  waitset_request rq = mh_request(WAITSET_OP_CREATE);
  mh_host h;
  mh_resp r;
  int rc;

  reset_stats(0);
  mh_start(&h, opts);
  waitset_options_free(opts);
  rq.def_types = "m";
  stats.fail_at = stats.calls + 1;
  rc = mh_exec(&h, MH_A1, &rq, &r, NULL);
  ck_assert_int_eq(rc, WAITSET_ENOMEM);
  uv_run(&h.loop, UV_RUN_NOWAIT);
  ck_assert_int_eq(r.done, 0);
  ck_assert_uint_eq(waitset_registry_count(h.reg), 0);
  stats.fail_at = 0;
  ck_assert_int_eq(mh_exec(&h, MH_A1, &rq, &r, NULL), 0);
  mh_run_until(&h, &r.done);
  ck_assert_int_eq(r.status, 0);
  mh_finish(&h);
  ck_assert_uint_eq(stats.live_bytes, 0);
}
END_TEST

START_TEST(alloc_fail_threadsafe_post)
{
  waitset_options *opts = counting_options();
  waitset_change c;
  mh_host h;

  reset_stats(0);
  mh_start(&h, opts);
  waitset_options_free(opts);
  memset(&c, 0, sizeof(c));
  c.size = sizeof(c);
  c.account_id = MH_A1;
  c.change_id = 101;
  c.types = WAITSET_TYPE_MESSAGE;
  stats.fail_at = stats.calls + 1;
  ck_assert_int_eq(waitset_post_change_threadsafe(h.reg, &c),
                   WAITSET_ENOMEM);
  stats.fail_at = 0;
  ck_assert_int_eq(waitset_post_change_threadsafe(h.reg, &c), 0);
  uv_run(&h.loop, UV_RUN_NOWAIT);
  mh_finish(&h);
  ck_assert_uint_eq(stats.live_bytes, 0);
}
END_TEST

static Suite *
alloc_suite(void)
{
  Suite *s = suite_create("alloc");
  TCase *tc = tcase_create("core");

  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, alloc_scenario_clean_run);
  tcase_add_test(tc, alloc_fail_every_allocation);
  tcase_add_test(tc, alloc_fail_registry_new);
  tcase_add_test(tc, alloc_fail_execute_no_callback);
  tcase_add_test(tc, alloc_fail_threadsafe_post);
  suite_add_tcase(s, tc);
  return s;
}

int
main(void)
{
  SRunner *sr = srunner_create(alloc_suite());
  int failed;

  srunner_set_tap(sr, "-");
  srunner_run_all(sr, CK_SILENT);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? 0 : 1;
}
