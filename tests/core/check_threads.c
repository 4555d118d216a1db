/* SPDX-License-Identifier: MIT */
/*
 * Threads: several threads post changes with
 * waitset_post_change_threadsafe() while the loop runs; every record must
 * arrive exactly once and in posting order per thread.
 */
#include "mini_host.h"

#define THREADS 3
#define POSTS_PER_THREAD 400

typedef struct poster {
  waitset_registry *reg;
  const char *account;
  int index;
  int failures;
  uv_thread_t thread;
} poster;

static uv_mutex_t done_lock;
static int threads_done;

static void
poster_main(void *arg)
{
  poster *p = arg;
  static const int32_t inbox = 2;
  int i;

  for (i = 0; i < POSTS_PER_THREAD; i++) {
    waitset_item_info created;
    waitset_change c;
    char tags[32];

    snprintf(tags, sizeof(tags), "t%d", i);
    memset(&created, 0, sizeof(created));
    created.id = p->index * 100000 + i;
    created.type = WAITSET_ITEM_MESSAGE;
    created.folder_id = inbox;
    created.tags = tags;
    memset(&c, 0, sizeof(c));
    c.size = sizeof(c);
    c.account_id = p->account;
    c.change_id = 1000 + i;
    c.types = WAITSET_TYPE_MESSAGE;
    c.folders = &inbox;
    c.folder_count = 1;
    c.created = &created;
    c.created_count = 1;
    if (waitset_post_change_threadsafe(p->reg, &c) != 0)
      p->failures++;
  }
  uv_mutex_lock(&done_lock);
  threads_done++;
  uv_mutex_unlock(&done_lock);
}

/* Checks the records of one expand response. */
typedef struct tally {
  int done;
  int status;
  char seq[32];
  int seen[THREADS][POSTS_PER_THREAD];
  int out_of_order;
  int bad_tags;
  size_t signals;
} tally;

static void
tally_cb(waitset_registry *reg, const waitset_response *resp,
         void *user_data)
{
  tally *t = user_data;
  size_t i;
  size_t j;
  size_t k;

  (void)reg;
  t->done = 1;
  t->status = resp->status;
  if (resp->seq != NULL)
    snprintf(t->seq, sizeof(t->seq), "%s", resp->seq);
  t->signals = resp->signal_count;
  for (i = 0; i < resp->signal_count; i++) {
    const waitset_signal *s = &resp->signals[i];

    for (j = 0; j < s->mods_count; j++) {
      int last = -1;

      for (k = 0; k < s->mods[j].created_count; k++) {
        const waitset_item_info *it = &s->mods[j].created[k];
        int thread = it->id / 100000;
        int n = it->id % 100000;
        char tags[32];

        ck_assert_int_lt(thread, THREADS);
        ck_assert_int_lt(n, POSTS_PER_THREAD);
        t->seen[thread][n]++;
        if (n <= last)
          t->out_of_order++;
        last = n;
        snprintf(tags, sizeof(tags), "t%d", n);
        if (it->tags == NULL || strcmp(it->tags, tags) != 0)
          t->bad_tags++;
      }
    }
  }
}

static void
keepalive_cb(uv_timer_t *timer)
{
  (void)timer;
}

START_TEST(threads_every_record_once)
{
  static const char *accounts[THREADS] = {MH_A1, MH_A2, MH_A3};
  waitset_options *opts = mh_options();
  waitset_request rq = mh_request(WAITSET_OP_CREATE);
  waitset_account_spec add[THREADS];
  poster posters[THREADS];
  uv_timer_t keepalive;
  tally *t = calloc(1, sizeof(*t));
  mh_resp created;
  mh_host h;
  int i;
  int n;

  ck_assert_ptr_nonnull(t);
  ck_assert_int_eq(uv_mutex_init(&done_lock), 0);
  threads_done = 0;
  ck_assert_int_eq(waitset_options_set(opts,
                                       WAITSET_OPT_MAX_DETAIL_PER_ACCOUNT,
                                       POSTS_PER_THREAD), 0);
  mh_start(&h, opts);
  waitset_options_free(opts);
  memset(add, 0, sizeof(add));
  for (i = 0; i < THREADS; i++)
    add[i].id = accounts[i];
  rq.def_types = "m";
  rq.add = add;
  rq.add_count = THREADS;
  ck_assert_int_eq(mh_exec(&h, MH_A1, &rq, &created, NULL), 0);
  mh_run_until(&h, &created.done);
  ck_assert_int_eq(created.status, 0);
  ck_assert_uint_eq(created.error_count, 0);

  /* The loop runs while the threads post. */
  ck_assert_int_eq(uv_timer_init(&h.loop, &keepalive), 0);
  ck_assert_int_eq(uv_timer_start(&keepalive, keepalive_cb, 1, 1), 0);
  for (i = 0; i < THREADS; i++) {
    posters[i].reg = h.reg;
    posters[i].account = accounts[i];
    posters[i].index = i;
    posters[i].failures = 0;
    ck_assert_int_eq(uv_thread_create(&posters[i].thread, poster_main,
                                      &posters[i]), 0);
  }
  for (n = 0; n < 100000; n++) {
    int finished;

    uv_run(&h.loop, UV_RUN_ONCE);
    uv_mutex_lock(&done_lock);
    finished = threads_done == THREADS;
    uv_mutex_unlock(&done_lock);
    if (finished)
      break;
  }
  for (i = 0; i < THREADS; i++) {
    ck_assert_int_eq(uv_thread_join(&posters[i].thread), 0);
    ck_assert_int_eq(posters[i].failures, 0);
  }
  uv_close((uv_handle_t *)&keepalive, NULL);
  /* Drain what the last posts queued. */
  uv_run(&h.loop, UV_RUN_NOWAIT);
  uv_run(&h.loop, UV_RUN_NOWAIT);

  rq = mh_request(WAITSET_OP_WAIT);
  rq.waitset_id = created.waitset_id;
  rq.seq = "0";
  rq.expand = "1";
  {
    waitset_caller c = mh_caller(MH_A1, 0);

    ck_assert_int_eq(waitset_execute(h.reg, &c, &rq, tally_cb, t, NULL), 0);
  }
  mh_run_until(&h, &t->done);
  ck_assert_int_eq(t->status, 0);
  ck_assert_str_eq(t->seq, "2");
  ck_assert_uint_eq(t->signals, THREADS);
  for (i = 0; i < THREADS; i++) {
    for (n = 0; n < POSTS_PER_THREAD; n++)
      ck_assert_msg(t->seen[i][n] == 1, "thread %d record %d seen %d times",
                    i, n, t->seen[i][n]);
  }
  ck_assert_int_eq(t->out_of_order, 0);
  ck_assert_int_eq(t->bad_tags, 0);
  free(t);
  mh_finish(&h);
  uv_mutex_destroy(&done_lock);
}
END_TEST

START_TEST(threads_post_rejects_bad_change)
{
  mh_host h;
  waitset_change c;

  mh_start(&h, NULL);
  memset(&c, 0, sizeof(c));
  c.size = sizeof(c);
  ck_assert_int_eq(waitset_post_change_threadsafe(h.reg, &c),
                   WAITSET_EINVAL);
  c.account_id = MH_A1;
  c.folder_count = 2;
  ck_assert_int_eq(waitset_post_change_threadsafe(h.reg, &c),
                   WAITSET_EINVAL);
  c.folder_count = 0;
  c.size = 8;
  ck_assert_int_eq(waitset_post_change_threadsafe(h.reg, &c),
                   WAITSET_EVERSION);
  ck_assert_int_eq(waitset_post_change_threadsafe(NULL, &c),
                   WAITSET_EINVAL);
  mh_finish(&h);
}
END_TEST

static Suite *
threads_suite(void)
{
  Suite *s = suite_create("threads");
  TCase *tc = tcase_create("core");

  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, threads_every_record_once);
  tcase_add_test(tc, threads_post_rejects_bad_change);
  suite_add_tcase(s, tc);
  return s;
}

int
main(void)
{
  SRunner *sr = srunner_create(threads_suite());
  int failed;

  srunner_set_tap(sr, "-");
  srunner_run_all(sr, CK_SILENT);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? 0 : 1;
}
