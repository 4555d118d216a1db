/* SPDX-License-Identifier: MIT */
/*
 * A seeded random interleaving of adds, removes, changes, mailbox
 * unavailable and available events and destroys, with every Wait checked
 * against a simple model: no change is signalled twice, none is lost,
 * and the final waitsets equal the model's.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "wt.h"

static wt_fixture *fx;

static void
setup(void)
{
  fx = wt_fixture_new(NULL);
}

static void
teardown(void)
{
  wt_fixture_free(fx);
  fx = NULL;
}

#define ADC wt_global_admin(WT_AD)

#define STRESS_STEPS 10000
#define STRESS_SLOTS 3
#define STRESS_ACCOUNTS 4

static const char *const stress_ids[STRESS_ACCOUNTS] = {
    WT_U1, WT_U2, WT_U3, "aaaaaaaa-0000-0000-0000-000000000004"};

/* Model of one waitset: watched accounts, and per account whether an
 * unacknowledged change must be reported (must) or may have been dropped
 * by a mailbox going unavailable (may). */
typedef struct stress_slot {
  char id[96];
  int live;
  int watched[STRESS_ACCOUNTS];
  int must[STRESS_ACCOUNTS];
  int may[STRESS_ACCOUNTS];
  long long current_seq;
  char ack[32];
} stress_slot;

static uint64_t stress_state;

static unsigned
stress_rand(unsigned n)
{
  stress_state = stress_state * 6364136223846793005ULL +
                 1442695040888963407ULL;
  return (unsigned)((stress_state >> 33) % n);
}

static int
account_index(const char *id)
{
  int i;

  for (i = 0; i < STRESS_ACCOUNTS; i++)
    if (strcmp(stress_ids[i], id) == 0)
      return i;
  return -1;
}

/* Check a response to a Wait that acknowledged everything sent before,
 * then record its data as delivered. */
static void
stress_check_wait(stress_slot *s, const wt_response *r, int step,
                  int expected_errors)
{
  size_t i;
  int a;
  char expected[32];

  ck_assert_msg(r->status == 0, "step %d: wait failed: %s", step,
                r->fault_reason != NULL ? r->fault_reason : "");
  ck_assert_msg(r->canceled == 0, "step %d: canceled", step);
  ck_assert_msg((int)r->error_count == expected_errors,
                "step %d: %zu errors, expected %d", step, r->error_count,
                expected_errors);
  for (i = 0; i < r->signal_count; i++) {
    a = account_index(r->signals[i].account_id);
    ck_assert_msg(a >= 0, "step %d: unknown account %s", step,
                  r->signals[i].account_id);
    ck_assert_msg(s->watched[a], "step %d: unwatched %s signalled", step,
                  r->signals[i].account_id);
    ck_assert_msg(s->must[a] || s->may[a],
                  "step %d: %s signalled without a new change", step,
                  r->signals[i].account_id);
  }
  for (a = 0; a < STRESS_ACCOUNTS; a++)
    if (s->must[a])
      ck_assert_msg(wt_find_signal(r, stress_ids[a]) != NULL,
                    "step %d: change of %s not signalled", step,
                    stress_ids[a]);
  /* The errors here are the request's own add and remove errors, which
   * are not data: only signals move the seq. */
  if (r->signal_count > 0) {
    s->current_seq++;
    snprintf(expected, sizeof(expected), "%lld", s->current_seq);
    ck_assert_msg(strcmp(r->seq, expected) == 0,
                  "step %d: seq %s, expected %s", step, r->seq, expected);
    snprintf(s->ack, sizeof(s->ack), "%s", r->seq);
  } else {
    ck_assert_msg(strcmp(r->seq, s->ack) == 0, "step %d: seq %s, sent %s",
                  step, r->seq, s->ack);
  }
  memset(s->must, 0, sizeof(s->must));
  memset(s->may, 0, sizeof(s->may));
}

START_TEST(interleaving_matches_model)
{
  wt_config cfg;
  stress_slot slots[STRESS_SLOTS];
  int available[STRESS_ACCOUNTS];
  int step;
  int i;
  int a;
  wt_response *q;

  wt_fixture_free(fx);
  wt_config_default(&cfg);
  cfg.idle_expiry_ms = 3600000;
  fx = wt_fixture_new(&cfg);
  wt_account_add(fx, stress_ids[3], "u4@ex.test", WAITSET_ACCOUNT_LOCAL,
                 100);
  memset(slots, 0, sizeof(slots));
  for (a = 0; a < STRESS_ACCOUNTS; a++)
    available[a] = 1;
  stress_state = 20261204;

  for (step = 0; step < STRESS_STEPS; step++) {
    stress_slot *s = &slots[stress_rand(STRESS_SLOTS)];
    unsigned op = stress_rand(8);
    wt_request rq;
    wt_response *r;

    a = (int)stress_rand(STRESS_ACCOUNTS);
    if (!s->live && op != 4 && op != 5 && op != 6)
      op = 0;
    switch (op) {
    case 0: /* create, or poll when the slot is live */
      if (!s->live) {
        wt_req_create(&rq, "m");
        for (i = 0; i < STRESS_ACCOUNTS; i++)
          if (stress_rand(2))
            wt_req_add(&rq, stress_ids[i]);
        r = wt_call(fx, ADC, &rq);
        ck_assert_msg(r->status == 0, "step %d: create failed", step);
        ck_assert_uint_eq(r->error_count, 0);
        memset(s, 0, sizeof(*s));
        s->live = 1;
        snprintf(s->id, sizeof(s->id), "%s", r->waitset_id);
        for (i = 0; i < (int)rq.req.add_count; i++)
          s->watched[account_index(rq.add[i].id)] = 1;
        s->current_seq = 1;
        snprintf(s->ack, sizeof(s->ack), "0");
        break;
      }
      /* fall through */
    case 7: /* poll */
      r = wt_poll(fx, ADC, s->id, s->ack);
      stress_check_wait(s, r, step, 0);
      break;
    case 1: /* destroy */
      wt_req_destroy(&rq, s->id);
      r = wt_call(fx, ADC, &rq);
      ck_assert_msg(r->status == 0, "step %d: destroy failed", step);
      s->live = 0;
      break;
    case 2: /* add */
      wt_req_wait(&rq, s->id, s->ack);
      wt_req_add(&rq, stress_ids[a]);
      r = wt_call(fx, ADC, &rq);
      if (s->watched[a]) {
        stress_check_wait(s, r, step, 1);
        ck_assert_int_eq(r->errors[0].code,
                         WAITSET_ACCOUNT_ALREADY_IN_SET_DURING_ADD);
      } else {
        stress_check_wait(s, r, step, 0);
      }
      s->watched[a] = 1;
      break;
    case 3: /* remove */
      wt_req_wait(&rq, s->id, s->ack);
      wt_req_remove(&rq, stress_ids[a]);
      if (s->watched[a]) {
        s->must[a] = 0;
        s->may[a] = 0;
      }
      r = wt_call(fx, ADC, &rq);
      if (s->watched[a]) {
        stress_check_wait(s, r, step, 0);
      } else {
        stress_check_wait(s, r, step, 1);
        ck_assert_int_eq(r->errors[0].code,
                         WAITSET_ACCOUNT_NOT_IN_SET_DURING_REMOVE);
      }
      s->watched[a] = 0;
      break;
    case 4: /* change */
      if (!available[a])
        break;
      wt_deliver(fx, stress_ids[a], WT_INBOX, step);
      for (i = 0; i < STRESS_SLOTS; i++)
        if (slots[i].live && slots[i].watched[a])
          slots[i].must[a] = 1;
      break;
    case 5: /* unavailable */
      if (!available[a])
        break;
      available[a] = 0;
      wt_acct(fx, stress_ids[a])->status = WAITSET_ACCOUNT_MAINTENANCE;
      ck_assert_int_eq(
          waitset_mailbox_unavailable(wt_registry(fx), stress_ids[a]), 0);
      for (i = 0; i < STRESS_SLOTS; i++) {
        if (slots[i].must[a]) {
          slots[i].must[a] = 0;
          slots[i].may[a] = 1;
        }
      }
      break;
    case 6: /* available */
      if (available[a])
        break;
      available[a] = 1;
      wt_acct(fx, stress_ids[a])->status = WAITSET_ACCOUNT_LOCAL;
      ck_assert_int_eq(
          waitset_mailbox_available(wt_registry(fx), stress_ids[a],
                                    wt_acct(fx, stress_ids[a])
                                        ->last_change_id),
          0);
      break;
    }
  }

  /* The final state equals the model. */
  q = wt_query(fx, NULL);
  a = 0;
  for (i = 0; i < STRESS_SLOTS; i++) {
    const wt_qwaitset *w;
    int k;

    if (!slots[i].live)
      continue;
    a++;
    w = wt_find_qwaitset(q, slots[i].id);
    ck_assert_ptr_nonnull(w);
    for (k = 0; k < STRESS_ACCOUNTS; k++) {
      const wt_session *s = wt_find_session(w, stress_ids[k]);

      ck_assert_int_eq(s != NULL, slots[i].watched[k]);
      if (s != NULL)
        ck_assert_int_eq(s->attached, available[k]);
    }
  }
  ck_assert_uint_eq(q->waitset_count, (size_t)a);
  for (i = 0; i < STRESS_SLOTS; i++) {
    wt_response *r;

    if (!slots[i].live)
      continue;
    r = wt_poll(fx, ADC, slots[i].id, slots[i].ack);
    stress_check_wait(&slots[i], r, STRESS_STEPS, 0);
  }
}
END_TEST

static Suite *
interleaving_suite(void)
{
  Suite *s = suite_create("interleaving");
  TCase *tc = tcase_create("interleaving");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 55);
  tcase_add_test(tc, interleaving_matches_model);
  suite_add_tcase(s, tc);
  return s;
}

int
main(void)
{
  return wt_run_suite(interleaving_suite());
}
