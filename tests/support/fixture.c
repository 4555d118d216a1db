/* SPDX-License-Identifier: MIT */
/* Loop fixture, fake host and loop-running helpers. */
#include <check.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "wt_internal.h"

char *
wt_strdup(const char *s)
{
  size_t n;
  char *copy;

  if (s == NULL)
    return NULL;
  n = strlen(s) + 1;
  copy = malloc(n);
  ck_assert_ptr_nonnull(copy);
  memcpy(copy, s, n);
  return copy;
}

int
wt_strcaseeq(const char *a, const char *b)
{
  if (a == NULL || b == NULL)
    return 0;
  while (*a != '\0' && *b != '\0') {
    if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
      return 0;
    a++;
    b++;
  }
  return *a == *b;
}

void
wt_config_default(wt_config *cfg)
{
  cfg->initial_delay_ms = 20;
  cfg->coalesce_delay_ms = 30;
  cfg->timeout_default_ms = 1400;
  cfg->timeout_min_ms = 1200;
  cfg->timeout_max_ms = 1600;
  cfg->admin_timeout_default_ms = 1400;
  cfg->admin_timeout_min_ms = 1000;
  cfg->admin_timeout_max_ms = 1800;
  /* Far beyond any test's run time, even under valgrind on a loaded
   * machine; the sweep tests set their own small values. */
  cfg->idle_expiry_ms = 600000;
  cfg->sweep_interval_ms = 600000;
  cfg->max_waitsets_per_owner = -1;
  cfg->max_accounts_per_waitset = -1;
  cfg->max_detail_per_account = -1;
  cfg->watchdog_ms = 10000;
}

void
wt_config_slow_delays(wt_config *cfg)
{
  wt_config_default(cfg);
  cfg->initial_delay_ms = 400;
  cfg->coalesce_delay_ms = 400;
}

void
wt_config_long_timeouts(wt_config *cfg)
{
  wt_config_default(cfg);
  cfg->timeout_default_ms = 20000;
  cfg->timeout_max_ms = 30000;
  cfg->admin_timeout_default_ms = 20000;
  cfg->admin_timeout_max_ms = 30000;
}

/* ------------------------------------------------------------------ */
/* Fake host                                                           */

wt_account *
wt_account_find(wt_fixture *fx, const char *id)
{
  size_t i;

  for (i = 0; i < fx->account_count; i++)
    if (wt_strcaseeq(fx->accounts[i].id, id))
      return &fx->accounts[i];
  return NULL;
}

static wt_account *
find_by_name(wt_fixture *fx, const char *name)
{
  size_t i;

  for (i = 0; i < fx->account_count; i++)
    if (wt_strcaseeq(fx->accounts[i].name, name))
      return &fx->accounts[i];
  return NULL;
}

wt_account *
wt_acct(wt_fixture *fx, const char *id)
{
  wt_account *a = wt_account_find(fx, id);

  ck_assert_msg(a != NULL, "fake host has no account %s", id);
  return a;
}

wt_account *
wt_account_add(wt_fixture *fx, const char *id, const char *name, int status,
               int64_t last_change_id)
{
  wt_account *a;

  ck_assert_uint_lt(fx->account_count, WT_MAX_ACCOUNTS);
  ck_assert_uint_lt(strlen(id), sizeof(a->id));
  ck_assert_uint_lt(strlen(name), sizeof(a->name));
  a = &fx->accounts[fx->account_count++];
  memset(a, 0, sizeof(*a));
  strcpy(a->id, id);
  strcpy(a->name, name);
  a->status = status;
  a->last_change_id = last_change_id;
  return a;
}

void
wt_account_grant(wt_fixture *fx, const char *who, const char *target)
{
  wt_account *a = wt_acct(fx, who);

  ck_assert_uint_lt(a->login_as_count, WT_MAX_LOGIN_AS);
  ck_assert_uint_lt(strlen(target), sizeof(a->login_as[0]));
  strcpy(a->login_as[a->login_as_count++], target);
}

/* Apply the access rules. Global admins may access every account. Others
 * may act on their own account, on the requested account and on the
 * accounts in their login-as list. */
static int
caller_may_access(wt_fixture *fx, const wt_pending_lookup *p,
                  const wt_account *target)
{
  const char *ids[2];
  size_t i, k;

  if (p->caller.flags & WAITSET_CALLER_GLOBAL_ADMIN)
    return 1;
  ids[0] = p->caller_id[0] != '\0' ? p->caller_id : NULL;
  ids[1] = p->requested_id[0] != '\0' ? p->requested_id : NULL;
  for (k = 0; k < 2; k++) {
    wt_account *self;

    if (ids[k] == NULL)
      continue;
    if (wt_strcaseeq(ids[k], target->id))
      return 1;
    self = wt_account_find(fx, ids[k]);
    if (self == NULL)
      continue;
    for (i = 0; i < self->login_as_count; i++)
      if (wt_strcaseeq(self->login_as[i], target->id))
        return 1;
  }
  return 0;
}

static void
complete_lookup(wt_fixture *fx, wt_pending_lookup *p)
{
  waitset_account_info info;
  wt_account *a;
  int rc;

  memset(&info, 0, sizeof(info));
  info.size = sizeof(info);
  a = p->by_name ? find_by_name(fx, p->key) : wt_account_find(fx, p->key);
  if (a == NULL) {
    info.status = WAITSET_ACCOUNT_NOT_FOUND;
    info.access = 0;
    info.id = p->by_name ? NULL : p->key;
    info.name = p->by_name ? p->key : NULL;
  } else {
    info.status = a->status;
    info.access = caller_may_access(fx, p, a);
    info.id = a->id;
    info.name = a->name;
    info.last_change_id = a->last_change_id;
  }
  rc = waitset_lookup_complete(p->lookup, &info);
  ck_assert_msg(rc == 0 || rc == WAITSET_ECANCELED,
                "waitset_lookup_complete(%s) returned %d (%s)", p->key, rc,
                waitset_err_name(rc));
}

static void
remove_pending(wt_fixture *fx, size_t i)
{
  memmove(&fx->pending[i], &fx->pending[i + 1],
          (fx->pending_count - i - 1) * sizeof(fx->pending[0]));
  fx->pending_count--;
}

static void schedule_deferred(wt_fixture *fx);

static void
on_defer_timer(uv_timer_t *t)
{
  wt_fixture *fx = t->data;
  uint64_t now = uv_now(&fx->loop);
  size_t i = 0;

  while (i < fx->pending_count) {
    wt_pending_lookup p = fx->pending[i];

    if (!p.held && p.due_ms <= now) {
      remove_pending(fx, i);
      complete_lookup(fx, &p);
      continue;
    }
    i++;
  }
  schedule_deferred(fx);
}

static void
schedule_deferred(wt_fixture *fx)
{
  uint64_t now = uv_now(&fx->loop);
  uint64_t next = UINT64_MAX;
  size_t i;

  for (i = 0; i < fx->pending_count; i++)
    if (!fx->pending[i].held && fx->pending[i].due_ms < next)
      next = fx->pending[i].due_ms;
  if (next != UINT64_MAX)
    uv_timer_start(&fx->defer_timer, on_defer_timer,
                   next > now ? next - now : 0, 0);
}

static void
host_lookup_account(waitset_registry *reg, waitset_lookup *lookup,
                    void *user_data)
{
  wt_fixture *fx = user_data;
  const waitset_caller *caller = waitset_lookup_caller(lookup);
  const char *key = waitset_lookup_key(lookup);
  wt_pending_lookup p;
  wt_account *a;

  (void)reg;
  ck_assert_ptr_nonnull(key);
  ck_assert_ptr_nonnull(caller);
  memset(&p, 0, sizeof(p));
  p.lookup = lookup;
  ck_assert_uint_lt(strlen(key), sizeof(p.key));
  strcpy(p.key, key);
  p.by_name = waitset_lookup_by_name(lookup);
  p.caller = *caller;
  if (caller->account_id != NULL &&
      strlen(caller->account_id) < sizeof(p.caller_id))
    strcpy(p.caller_id, caller->account_id);
  if (caller->requested_account_id != NULL &&
      strlen(caller->requested_account_id) < sizeof(p.requested_id))
    strcpy(p.requested_id, caller->requested_account_id);
  p.caller.account_id = NULL;
  p.caller.requested_account_id = NULL;

  a = p.by_name ? find_by_name(fx, key) : wt_account_find(fx, key);
  if (a != NULL)
    a->lookups++;
  if (a == NULL || a->lookup_mode == WT_LOOKUP_SYNC) {
    complete_lookup(fx, &p);
    return;
  }
  ck_assert_uint_lt(fx->pending_count, WT_MAX_PENDING_LOOKUPS);
  if (a->lookup_mode == WT_LOOKUP_HELD) {
    p.held = 1;
  } else {
    p.due_ms = uv_now(&fx->loop) + a->lookup_delay_ms;
  }
  fx->pending[fx->pending_count++] = p;
  schedule_deferred(fx);
}

static int64_t
host_last_change_id(waitset_registry *reg, const char *account_id,
                    void *user_data)
{
  wt_fixture *fx = user_data;
  wt_account *a = wt_account_find(fx, account_id);

  (void)reg;
  fx->last_change_id_calls++;
  if (a == NULL || a->status != WAITSET_ACCOUNT_LOCAL)
    return -1;
  return a->last_change_id;
}

size_t
wt_pending_lookups(wt_fixture *fx)
{
  return fx->pending_count;
}

size_t
wt_release_lookups(wt_fixture *fx, const char *key)
{
  size_t released = 0;
  size_t i = 0;

  while (i < fx->pending_count) {
    wt_pending_lookup p = fx->pending[i];

    if (p.held && (key == NULL || wt_strcaseeq(p.key, key))) {
      remove_pending(fx, i);
      complete_lookup(fx, &p);
      released++;
      continue;
    }
    i++;
  }
  return released;
}

unsigned
wt_last_change_id_calls(wt_fixture *fx)
{
  return fx->last_change_id_calls;
}

/* ------------------------------------------------------------------ */
/* Fixture                                                             */

static void
on_watchdog(uv_timer_t *t)
{
  wt_fixture *fx = t->data;

  fx->watchdog_fired = 1;
  uv_stop(&fx->loop);
}

static void
add_default_accounts(wt_fixture *fx)
{
  wt_account_add(fx, WT_U1, WT_U1_NAME, WAITSET_ACCOUNT_LOCAL, 100);
  wt_account_add(fx, WT_U2, WT_U2_NAME, WAITSET_ACCOUNT_LOCAL, 100);
  wt_account_add(fx, WT_U3, WT_U3_NAME, WAITSET_ACCOUNT_LOCAL, 100);
  wt_account_add(fx, WT_U9, WT_U9_NAME, WAITSET_ACCOUNT_REMOTE, 100);
  wt_account_add(fx, WT_AD, WT_AD_NAME, WAITSET_ACCOUNT_LOCAL, 100);
}

wt_fixture *
wt_fixture_new_empty(const wt_config *cfg)
{
  wt_fixture *fx = calloc(1, sizeof(*fx));

  ck_assert_ptr_nonnull(fx);
  if (cfg != NULL)
    fx->cfg = *cfg;
  else
    wt_config_default(&fx->cfg);
  ck_assert_int_eq(uv_loop_init(&fx->loop), 0);
  ck_assert_int_eq(uv_timer_init(&fx->loop, &fx->watchdog), 0);
  fx->watchdog.data = fx;
  ck_assert_int_eq(uv_timer_init(&fx->loop, &fx->run_timer), 0);
  fx->run_timer.data = fx;
  ck_assert_int_eq(uv_timer_init(&fx->loop, &fx->defer_timer), 0);
  fx->defer_timer.data = fx;
  uv_timer_start(&fx->watchdog, on_watchdog, fx->cfg.watchdog_ms, 0);
  uv_unref((uv_handle_t *)&fx->watchdog);
  return fx;
}

static void
set_option(waitset_options *opts, int option, int64_t value)
{
  int rc;

  if (value < 0)
    return;
  rc = waitset_options_set(opts, option, value);
  ck_assert_msg(rc == 0, "waitset_options_set(%d, %lld) returned %s",
                option, (long long)value, waitset_err_name(rc));
}

void
wt_fixture_start(wt_fixture *fx)
{
  waitset_options *opts = NULL;
  waitset_host host;
  const wt_config *c = &fx->cfg;
  int rc;

  ck_assert_int_eq(waitset_options_new(&opts), 0);
  set_option(opts, WAITSET_OPT_INITIAL_DELAY_MS, c->initial_delay_ms);
  set_option(opts, WAITSET_OPT_COALESCE_DELAY_MS, c->coalesce_delay_ms);
  set_option(opts, WAITSET_OPT_TIMEOUT_DEFAULT_MS, c->timeout_default_ms);
  set_option(opts, WAITSET_OPT_TIMEOUT_MIN_MS, c->timeout_min_ms);
  set_option(opts, WAITSET_OPT_TIMEOUT_MAX_MS, c->timeout_max_ms);
  set_option(opts, WAITSET_OPT_ADMIN_TIMEOUT_DEFAULT_MS,
             c->admin_timeout_default_ms);
  set_option(opts, WAITSET_OPT_ADMIN_TIMEOUT_MIN_MS, c->admin_timeout_min_ms);
  set_option(opts, WAITSET_OPT_ADMIN_TIMEOUT_MAX_MS, c->admin_timeout_max_ms);
  set_option(opts, WAITSET_OPT_IDLE_EXPIRY_MS, c->idle_expiry_ms);
  set_option(opts, WAITSET_OPT_SWEEP_INTERVAL_MS, c->sweep_interval_ms);
  set_option(opts, WAITSET_OPT_MAX_WAITSETS_PER_OWNER,
             c->max_waitsets_per_owner);
  set_option(opts, WAITSET_OPT_MAX_ACCOUNTS_PER_WAITSET,
             c->max_accounts_per_waitset);
  set_option(opts, WAITSET_OPT_MAX_DETAIL_PER_ACCOUNT,
             c->max_detail_per_account);

  memset(&host, 0, sizeof(host));
  host.size = sizeof(host);
  host.lookup_account = host_lookup_account;
  host.last_change_id = host_last_change_id;
  host.user_data = fx;
  rc = waitset_registry_new(&fx->reg, &fx->loop, opts, &host);
  waitset_options_free(opts);
  ck_assert_msg(rc == 0, "waitset_registry_new returned %s",
                waitset_err_name(rc));
}

wt_fixture *
wt_fixture_new(const wt_config *cfg)
{
  wt_fixture *fx = wt_fixture_new_empty(cfg);

  add_default_accounts(fx);
  wt_fixture_start(fx);
  return fx;
}

uv_loop_t *
wt_loop(wt_fixture *fx)
{
  return &fx->loop;
}

waitset_registry *
wt_registry(wt_fixture *fx)
{
  return fx->reg;
}

static void
on_registry_closed(waitset_registry *reg, void *user_data)
{
  wt_fixture *fx = user_data;

  (void)reg;
  fx->close_calls++;
}

static void
on_handle_closed(uv_handle_t *h)
{
  (void)h;
}

void
wt_fixture_free(wt_fixture *fx)
{
  wt_response *r, *next;
  size_t i;
  int spins = 0;

  if (fx == NULL)
    return;
  if (fx->reg != NULL) {
    int rc = waitset_registry_close(fx->reg, on_registry_closed, fx);

    ck_assert_msg(rc == 0, "waitset_registry_close returned %s",
                  waitset_err_name(rc));
    fx->closing = 1;
    /* Held and deferred lookups must complete before close_cb runs. */
    while (fx->pending_count > 0) {
      wt_pending_lookup p = fx->pending[0];

      remove_pending(fx, 0);
      complete_lookup(fx, &p);
    }
    while (fx->close_calls == 0 && spins < 10000) {
      uv_run(&fx->loop, UV_RUN_NOWAIT);
      spins++;
    }
    ck_assert_int_eq(fx->close_calls, 1);
  }
  uv_close((uv_handle_t *)&fx->watchdog, on_handle_closed);
  uv_close((uv_handle_t *)&fx->run_timer, on_handle_closed);
  uv_close((uv_handle_t *)&fx->defer_timer, on_handle_closed);
  uv_run(&fx->loop, UV_RUN_DEFAULT);
  ck_assert_int_eq(fx->close_calls, fx->reg != NULL ? 1 : 0);
  ck_assert_int_eq(uv_loop_close(&fx->loop), 0);

  for (r = fx->responses; r != NULL; r = next) {
    next = r->next;
    ck_assert_msg(r->done <= 1, "a request was answered %d times", r->done);
    wt_response_free(r);
  }
  for (i = 0; i < fx->string_count; i++)
    free(fx->strings[i]);
  free(fx->strings);
  free(fx);
}

/* ------------------------------------------------------------------ */
/* Running the loop                                                    */

size_t
wt_response_count(wt_fixture *fx)
{
  return fx->response_count;
}

/* Restart the watchdog for one run helper, so that it bounds each wait
 * and not the whole test. */
static void
arm_watchdog(wt_fixture *fx, uint64_t extra_ms)
{
  fx->watchdog_fired = 0;
  uv_update_time(&fx->loop);
  uv_timer_start(&fx->watchdog, on_watchdog, fx->cfg.watchdog_ms + extra_ms,
                 0);
}

static void
check_watchdog(const char *file, int line, wt_fixture *fx, const char *what)
{
  ck_assert_msg(!fx->watchdog_fired,
                "%s:%d: watchdog fired after %llu ms while waiting for %s",
                file, line, (unsigned long long)fx->cfg.watchdog_ms, what);
}

void
wt_run_until_done_at(const char *file, int line, wt_fixture *fx,
                     wt_response *r)
{
  arm_watchdog(fx, 0);
  while (!r->done) {
    int alive = uv_run(&fx->loop, UV_RUN_ONCE);

    check_watchdog(file, line, fx, "a response");
    ck_assert_msg(r->done || alive,
                  "%s:%d: the loop went idle before the response arrived",
                  file, line);
  }
}

void
wt_run_until_count_at(const char *file, int line, wt_fixture *fx, size_t n)
{
  arm_watchdog(fx, 0);
  while (fx->response_count < n) {
    int alive = uv_run(&fx->loop, UV_RUN_ONCE);

    check_watchdog(file, line, fx, "responses");
    ck_assert_msg(fx->response_count >= n || alive,
                  "%s:%d: the loop went idle with %zu of %zu responses",
                  file, line, fx->response_count, n);
  }
}

/* Stop the loop as well as flagging the run timer. In UV_RUN_ONCE,
 * libuv 1.44 runs due timers first and still blocks in the poll unless
 * pending or idle callbacks were queued. The loop time can be stale when
 * uv_run() starts, as under valgrind on a busy host. A run timer that is
 * already due then fires before the poll, and the poll waits for the next
 * timer, which is the watchdog while a blocking Wait is parked. uv_stop()
 * makes that poll return at once. */
static void
on_run_timer(uv_timer_t *t)
{
  wt_fixture *fx = t->data;

  fx->run_timer_fired = 1;
  uv_stop(&fx->loop);
}

void
wt_run_for(wt_fixture *fx, uint64_t ms)
{
  fx->run_timer_fired = 0;
  arm_watchdog(fx, ms);
  uv_timer_start(&fx->run_timer, on_run_timer, ms, 0);
  while (!fx->run_timer_fired) {
    uv_run(&fx->loop, UV_RUN_ONCE);
    ck_assert_msg(!fx->watchdog_fired, "watchdog fired in wt_run_for");
  }
}

void
wt_run_idle(wt_fixture *fx)
{
  int i;

  for (i = 0; i < 8; i++)
    uv_run(&fx->loop, UV_RUN_NOWAIT);
}
