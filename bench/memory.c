/* SPDX-License-Identifier: MIT */
/*
 * Memory benchmark: bytes the core holds, counted exactly through the
 * allocator hook (requested sizes, without malloc's own overhead and
 * without RSS effects). Each figure is a difference between two states,
 * so fixed costs cancel:
 *
 *   per watched account: one waitset watching 2N accounts minus one
 *     watching N, divided by N (the id is reported apart);
 *   per empty waitset: 2M empty waitsets minus M, divided by M;
 *   per parked wait: 2P blocking waits parked minus P, divided by P.
 *
 * Targets: <= 160 bytes plus the id per account, <= 1 KiB per empty
 * waitset, <= 256 bytes per parked wait.
 *
 * Environment: BENCH_ACCOUNTS (default 20000), BENCH_WAITSETS (default
 * 2000), BENCH_WAITS (default 2000).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "engine-host.h"

#define TARGET_ACCOUNT_BYTES 160.0
#define TARGET_WAITSET_BYTES 1024.0
#define TARGET_WAIT_BYTES 256.0

static const waitset_allocator counting_allocator = {
  WAITSET_ALLOCATOR_VERSION, bench_alloc_malloc, bench_alloc_realloc,
  bench_alloc_free
};

static void
start_counted(eh_host *h, size_t accounts)
{
  waitset_options *opts = NULL;
  int rc = waitset_options_new(&opts);

  if (rc == 0)
    rc = waitset_options_set(opts, WAITSET_OPT_INITIAL_DELAY_MS, 0);
  if (rc == 0)
    rc = waitset_options_set(opts, WAITSET_OPT_COALESCE_DELAY_MS, 0);
  if (rc == 0)
    rc = waitset_options_set_allocator(opts, &counting_allocator);
  if (rc != 0) {
    fprintf(stderr, "memory: options failed: %s\n", waitset_strerror(rc));
    exit(1);
  }
  eh_start(h, accounts, opts);
  waitset_options_free(opts);
}

static void *
xcalloc(size_t count, size_t size)
{
  void *p = calloc(count, size);

  if (p == NULL) {
    fprintf(stderr, "memory: out of memory\n");
    exit(1);
  }
  return p;
}

/* Live bytes of a registry whose only waitset watches `count` accounts,
 * minus the bytes of the registry alone. */
static size_t
bytes_for_accounts(size_t count)
{
  eh_host h;
  waitset_account_spec *specs = xcalloc(count, sizeof(*specs));
  char (*ids)[EH_ID_LENGTH + 1] = xcalloc(count, sizeof(*ids));
  eh_result result;
  size_t before;
  size_t after;
  size_t i;

  start_counted(&h, count);
  for (i = 0; i < count; i++) {
    eh_account_id(i, ids[i]);
    specs[i].id = ids[i];
  }
  before = bench_alloc_live();
  eh_create(&h, specs, count, &result);
  eh_run_until_done(&h, &result, 1);
  uv_run(&h.loop, UV_RUN_NOWAIT);
  after = bench_alloc_live();
  eh_finish(&h);
  free(specs);
  free(ids);
  return after - before;
}

/* Live bytes of `count` empty waitsets, the registry alone excluded. */
static size_t
bytes_for_waitsets(size_t count)
{
  eh_host h;
  eh_result *results = xcalloc(count, sizeof(*results));
  size_t before;
  size_t after;
  size_t i;

  start_counted(&h, 1);
  before = bench_alloc_live();
  for (i = 0; i < count; i++)
    eh_create(&h, NULL, 0, &results[i]);
  eh_run_until_done(&h, results, count);
  uv_run(&h.loop, UV_RUN_NOWAIT);
  after = bench_alloc_live();
  eh_finish(&h);
  free(results);
  return after - before;
}

/* Park `count` blocking waits on `count` empty waitsets after parking
 * `count` others; returns the live bytes the second batch added. */
static size_t
bytes_for_waits(size_t count)
{
  eh_host h;
  eh_result *created = xcalloc(2 * count, sizeof(*created));
  eh_result *waits = xcalloc(2 * count, sizeof(*waits));
  size_t live[3];
  size_t batch;
  size_t i;

  start_counted(&h, 1);
  for (i = 0; i < 2 * count; i++)
    eh_create(&h, NULL, 0, &created[i]);
  eh_run_until_done(&h, created, 2 * count);
  uv_run(&h.loop, UV_RUN_NOWAIT);
  live[0] = bench_alloc_live();
  for (batch = 0; batch < 2; batch++) {
    for (i = batch * count; i < (batch + 1) * count; i++)
      eh_wait(&h, created[i].waitset_id, "0", "1", &waits[i]);
    uv_run(&h.loop, UV_RUN_NOWAIT);
    live[batch + 1] = bench_alloc_live();
  }
  if (waitset_registry_parked(h.reg) != 2 * count) {
    fprintf(stderr, "memory: %zu waits parked, expected %zu\n",
            waitset_registry_parked(h.reg), 2 * count);
    exit(1);
  }
  bench_figure("memory.wait.first_batch_bytes_per_wait",
               (double)(live[1] - live[0]) / (double)count, "B");
  eh_finish(&h);
  free(created);
  free(waits);
  return live[2] - live[1];
}

static void
report(const char *name, double value, double target)
{
  char label[128];

  bench_figure(name, value, "B");
  snprintf(label, sizeof(label), "%s.target", name);
  printf("%s: <= %.0f B %s\n", label, target,
         value <= target ? "pass" : "MISS");
}

int
main(void)
{
  size_t n = (size_t)bench_env_long("BENCH_ACCOUNTS", 20000) / 2;
  size_t m = (size_t)bench_env_long("BENCH_WAITSETS", 2000) / 2;
  size_t p = (size_t)bench_env_long("BENCH_WAITS", 2000) / 2;
  size_t one;
  size_t two;
  double per;

  one = bytes_for_accounts(n);
  two = bytes_for_accounts(2 * n);
  per = (double)(two - one) / (double)n;
  bench_figure("memory.account.n", (double)n, "count");
  bench_figure("memory.account.bytes_n", (double)one, "B");
  bench_figure("memory.account.bytes_2n", (double)two, "B");
  bench_figure("memory.account.per_entry", per, "B");
  bench_figure("memory.account.id_bytes", EH_ID_LENGTH + 1, "B");
  report("memory.account.per_entry_without_id", per - (EH_ID_LENGTH + 1),
         TARGET_ACCOUNT_BYTES);

  one = bytes_for_waitsets(m);
  two = bytes_for_waitsets(2 * m);
  bench_figure("memory.waitset.m", (double)m, "count");
  report("memory.waitset.per_empty_waitset",
         (double)(two - one) / (double)m, TARGET_WAITSET_BYTES);

  bench_figure("memory.wait.p", (double)p, "count");
  report("memory.wait.per_parked_wait",
         (double)bytes_for_waits(p) / (double)p, TARGET_WAIT_BYTES);
  return 0;
}
