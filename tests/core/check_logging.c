/* SPDX-License-Identifier: MIT */
/*
 * The registry log hook: the lines of a create, a wait with data and a
 * destroy, eviction and close lines, and silence below the hook's level.
 */
#include "mini_host.h"

#define LOG_MAX_LINES 64

typedef struct log_capture {
  int levels[LOG_MAX_LINES];
  char lines[LOG_MAX_LINES][512];
  size_t count; /* hook calls, also past LOG_MAX_LINES */
} log_capture;

static void
capture_cb(int level, const char *message, void *user_data)
{
  log_capture *cap = user_data;

  if (cap->count < LOG_MAX_LINES) {
    cap->levels[cap->count] = level;
    snprintf(cap->lines[cap->count], sizeof(cap->lines[0]), "%s", message);
  }
  cap->count++;
}

/* Return the level of the first captured line equal to want, or -1. */
static int
find_line(const log_capture *cap, const char *want)
{
  size_t i;

  for (i = 0; i < cap->count && i < LOG_MAX_LINES; i++) {
    if (strcmp(cap->lines[i], want) == 0)
      return cap->levels[i];
  }
  return -1;
}

static void
dump_lines(const log_capture *cap)
{
  size_t i;

  for (i = 0; i < cap->count && i < LOG_MAX_LINES; i++)
    fprintf(stderr, "# log %d: %s\n", cap->levels[i], cap->lines[i]);
}

static void
expect_line(const log_capture *cap, int level, const char *want)
{
  int got = find_line(cap, want);

  if (got != level)
    dump_lines(cap);
  ck_assert_msg(got == level, "line \"%s\": level %d, expected %d", want,
                got, level);
}

static void
start_logged(mh_host *h, log_capture *cap, int max_level, int64_t per_owner)
{
  waitset_options *opts = mh_options();

  memset(cap, 0, sizeof(*cap));
  ck_assert_int_eq(waitset_options_set_log(opts, max_level, capture_cb, cap),
                   0);
  if (per_owner > 0)
    ck_assert_int_eq(waitset_options_set(opts,
                                         WAITSET_OPT_MAX_WAITSETS_PER_OWNER,
                                         per_owner), 0);
  mh_start(h, opts);
  waitset_options_free(opts);
}

static void
create_one(mh_host *h, mh_resp *out)
{
  waitset_request rq = mh_request(WAITSET_OP_CREATE);
  waitset_account_spec add;

  memset(&add, 0, sizeof(add));
  add.id = MH_A1;
  rq.def_types = "m";
  rq.add = &add;
  rq.add_count = 1;
  ck_assert_int_eq(mh_exec(h, MH_A1, &rq, out, NULL), 0);
  mh_run_until(h, &out->done);
  ck_assert_int_eq(out->status, 0);
}

/* Create, post one change, Wait for it, and destroy. */
static void
run_cycle(mh_host *h, mh_resp *created, mh_resp *waited,
          mh_resp *destroyed)
{
  waitset_request rq;

  create_one(h, created);
  ck_assert_int_eq(mh_deliver(h, MH_A1, 501), 0);
  rq = mh_request(WAITSET_OP_WAIT);
  rq.waitset_id = created->waitset_id;
  rq.seq = "0";
  ck_assert_int_eq(mh_exec(h, MH_A1, &rq, waited, NULL), 0);
  mh_run_until(h, &waited->done);
  ck_assert_int_eq(waited->status, 0);
  ck_assert_uint_eq(waited->signal_count, 1);
  rq = mh_request(WAITSET_OP_DESTROY);
  rq.waitset_id = created->waitset_id;
  ck_assert_int_eq(mh_exec(h, MH_A1, &rq, destroyed, NULL), 0);
  mh_run_until(h, &destroyed->done);
  ck_assert_int_eq(destroyed->status, 0);
}

START_TEST(logging_cycle_lines)
{
  mh_host h;
  log_capture cap;
  mh_resp created;
  mh_resp waited;
  mh_resp destroyed;
  char want[512];
  const char *id;

  start_logged(&h, &cap, WAITSET_LOG_TRACE, 0);
  run_cycle(&h, &created, &waited, &destroyed);
  id = created.waitset_id;

  snprintf(want, sizeof(want), "waitset %s created: owner %s, 1 accounts",
           id, MH_A1);
  expect_line(&cap, WAITSET_LOG_INFO, want);
  snprintf(want, sizeof(want),
           "CreateWaitSet request done: waitset %s, status ok, seq 0, "
           "0 signals, 0 errors", id);
  expect_line(&cap, WAITSET_LOG_DEBUG, want);
  snprintf(want, sizeof(want),
           "waitset %s: account %s signalled by change 101", id, MH_A1);
  expect_line(&cap, WAITSET_LOG_TRACE, want);
  snprintf(want, sizeof(want),
           "WaitSet request done: waitset %s, status ok, seq %s, "
           "1 signals, 0 errors", id, waited.seq);
  expect_line(&cap, WAITSET_LOG_DEBUG, want);
  snprintf(want, sizeof(want), "waitset %s destroyed: request", id);
  expect_line(&cap, WAITSET_LOG_INFO, want);
  snprintf(want, sizeof(want),
           "DestroyWaitSet request done: waitset %s, status ok, seq -, "
           "0 signals, 0 errors", id);
  expect_line(&cap, WAITSET_LOG_DEBUG, want);
  mh_finish(&h);
}
END_TEST

START_TEST(logging_info_level_filters)
{
  mh_host h;
  log_capture cap;
  mh_resp created;
  mh_resp waited;
  mh_resp destroyed;
  size_t i;

  start_logged(&h, &cap, WAITSET_LOG_INFO, 0);
  run_cycle(&h, &created, &waited, &destroyed);
  ck_assert_uint_eq(cap.count, 2);
  for (i = 0; i < cap.count; i++)
    ck_assert_int_eq(cap.levels[i], WAITSET_LOG_INFO);
  mh_finish(&h);
}
END_TEST

START_TEST(logging_error_level_silent)
{
  mh_host h;
  log_capture cap;
  mh_resp created;
  mh_resp waited;
  mh_resp destroyed;

  start_logged(&h, &cap, WAITSET_LOG_ERROR, 0);
  run_cycle(&h, &created, &waited, &destroyed);
  if (cap.count != 0)
    dump_lines(&cap);
  ck_assert_uint_eq(cap.count, 0);
  mh_finish(&h);
}
END_TEST

START_TEST(logging_eviction_and_close)
{
  mh_host h;
  log_capture cap;
  mh_resp first;
  mh_resp second;
  char want[512];

  start_logged(&h, &cap, WAITSET_LOG_INFO, 1);
  create_one(&h, &first);
  create_one(&h, &second);
  snprintf(want, sizeof(want),
           "waitset %s destroyed: evicted by the create of %s, owner %s "
           "at its limit of 1 waitsets",
           first.waitset_id, second.waitset_id, MH_A1);
  expect_line(&cap, WAITSET_LOG_INFO, want);
  ck_assert_int_eq(waitset_registry_close(h.reg, mh_close_cb, &h), 0);
  snprintf(want, sizeof(want), "waitset %s destroyed: registry closing",
           second.waitset_id);
  expect_line(&cap, WAITSET_LOG_INFO, want);
  mh_finish(&h);
}
END_TEST

static Suite *
logging_suite(void)
{
  Suite *s = suite_create("logging");
  TCase *tc = tcase_create("core");

  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, logging_cycle_lines);
  tcase_add_test(tc, logging_info_level_filters);
  tcase_add_test(tc, logging_error_level_silent);
  tcase_add_test(tc, logging_eviction_and_close);
  suite_add_tcase(s, tc);
  return s;
}

int
main(void)
{
  SRunner *sr = srunner_create(logging_suite());
  int failed;

  srunner_set_tap(sr, "-");
  srunner_run_all(sr, CK_SILENT);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? 0 : 1;
}
