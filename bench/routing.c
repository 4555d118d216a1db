/* SPDX-License-Identifier: MIT */
/*
 * Routing benchmark: waitset_post_change() with 100,000 watched accounts
 * in 10,000 waitsets (10 accounts each, created through AdminCreateWaitSet
 * requests) and 1,000,000 change records. Half of the records signal an
 * account. The other half are split evenly into three kinds: records for
 * unwatched accounts, records of a type no waitset watches, and records
 * in a folder outside the account's folderInterests. No Wait is parked.
 *
 * Baseline: the same number of lookups of the same account ids in a
 * plain open-addressing string hash table holding the watched ids.
 * Target: at most 3 times the baseline per change.
 *
 * Environment: BENCH_ROUNDS (default 5), BENCH_CHANGES (default
 * 1000000).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "engine-host.h"

#define WAITSETS 10000
#define ACCOUNTS_PER_WAITSET 10
#define WATCHED (WAITSETS * ACCOUNTS_PER_WAITSET)
#define TARGET_RATIO 3.0

typedef char account_id[EH_ID_LENGTH + 1];

/* ------------------------------------------------------------------ */
/* Baseline: open-addressing string hash table, linear probing          */

typedef struct hash_table {
  const char **slots;
  size_t mask;
} hash_table;

static uint64_t
hash_string(const char *s)
{
  uint64_t h = 1469598103934665603u; /* FNV-1a 64-bit offset basis */

  while (*s != '\0') {
    h ^= (unsigned char)*s++;
    h *= 1099511628211u; /* FNV-1a 64-bit prime */
  }
  return h;
}

static void
table_init(hash_table *t, size_t count)
{
  size_t cap = 16;

  while (cap < count * 2)
    cap *= 2;
  t->slots = calloc(cap, sizeof(*t->slots));
  if (t->slots == NULL) {
    fprintf(stderr, "routing: out of memory\n");
    exit(1);
  }
  t->mask = cap - 1;
}

static void
table_insert(hash_table *t, const char *key)
{
  size_t i = (size_t)hash_string(key) & t->mask;

  while (t->slots[i] != NULL)
    i = (i + 1) & t->mask;
  t->slots[i] = key;
}

static const char *
table_find(const hash_table *t, const char *key)
{
  size_t i = (size_t)hash_string(key) & t->mask;

  while (t->slots[i] != NULL) {
    if (strcmp(t->slots[i], key) == 0)
      return t->slots[i];
    i = (i + 1) & t->mask;
  }
  return NULL;
}

/* ------------------------------------------------------------------ */
/* Change records                                                       */

enum change_kind {
  KIND_SIGNAL = 0,     /* watched account, type m, folder 2 */
  KIND_UNWATCHED = 1,  /* an account no waitset watches */
  KIND_TYPE = 2,       /* watched account, contacts only */
  KIND_FOLDER = 3      /* watched account with interests 2,5; folder 3 */
};

typedef struct routing_ctx {
  eh_host host;
  account_id *ids; /* watched ids, then as many unwatched ones */
  waitset_change *changes;
  size_t change_count;
  hash_table table;
  size_t found; /* keeps the baseline's lookups observable */
  size_t posted;
} routing_ctx;

static const int32_t folder_inbox[] = { 2 };
static const int32_t folder_trash[] = { 3 };

static uint64_t
next_random(uint64_t *state)
{
  /* xorshift64: a fixed seed gives the same record sequence each run. */
  *state ^= *state << 13;
  *state ^= *state >> 7;
  *state ^= *state << 17;
  return *state;
}

static void
build_changes(routing_ctx *ctx)
{
  uint64_t state = 0x9e3779b97f4a7c15u;
  int64_t change_id = 101;
  size_t i;

  ctx->changes = calloc(ctx->change_count, sizeof(*ctx->changes));
  if (ctx->changes == NULL) {
    fprintf(stderr, "routing: out of memory\n");
    exit(1);
  }
  for (i = 0; i < ctx->change_count; i++) {
    waitset_change *c = &ctx->changes[i];
    uint64_t r = next_random(&state);
    size_t account = (size_t)((r >> 8) % WATCHED);
    /* Six slots: three signal, one of each filtered kind. */
    int kind = (int)(r % 6);

    kind = kind < 3 ? KIND_SIGNAL : kind - 2;
    c->size = sizeof(*c);
    c->change_id = change_id++;
    c->types = WAITSET_TYPE_MESSAGE | WAITSET_TYPE_FOLDER;
    c->folders = folder_inbox;
    c->folder_count = 1;
    switch (kind) {
    case KIND_UNWATCHED:
      account += WATCHED;
      break;
    case KIND_TYPE:
      c->types = WAITSET_TYPE_CONTACT | WAITSET_TYPE_FOLDER;
      break;
    case KIND_FOLDER:
      account &= ~(size_t)1; /* even accounts have folderInterests */
      c->folders = folder_trash;
      break;
    default:
      break;
    }
    c->account_id = ctx->ids[account];
  }
}

static void
create_waitsets(routing_ctx *ctx)
{
  waitset_account_spec specs[ACCOUNTS_PER_WAITSET];
  eh_result *results = calloc(WAITSETS, sizeof(*results));
  size_t w;
  size_t k;

  if (results == NULL) {
    fprintf(stderr, "routing: out of memory\n");
    exit(1);
  }
  for (w = 0; w < WAITSETS; w++) {
    for (k = 0; k < ACCOUNTS_PER_WAITSET; k++) {
      size_t account = w * ACCOUNTS_PER_WAITSET + k;

      memset(&specs[k], 0, sizeof(specs[k]));
      specs[k].id = ctx->ids[account];
      specs[k].folder_interests = account % 2 == 0 ? "2,5" : NULL;
    }
    eh_create(&ctx->host, specs, ACCOUNTS_PER_WAITSET, &results[w]);
  }
  eh_run_until_done(&ctx->host, results, WAITSETS);
  free(results);
}

/* ------------------------------------------------------------------ */
/* Measured operations                                                  */

static void
run_post(void *arg, size_t iterations)
{
  routing_ctx *ctx = arg;
  size_t i;

  for (i = 0; i < iterations; i++) {
    waitset_change *c = &ctx->changes[ctx->posted % ctx->change_count];
    int rc;

    /* Later rounds repeat the records with higher change ids, as a
     * mailbox's ids only grow. */
    c->change_id += (int64_t)ctx->change_count;
    rc = waitset_post_change(ctx->host.reg, c);
    if (rc != 0) {
      fprintf(stderr, "routing: waitset_post_change failed: %s\n",
              waitset_strerror(rc));
      exit(1);
    }
    ctx->posted++;
  }
}

static void
run_lookup(void *arg, size_t iterations)
{
  routing_ctx *ctx = arg;
  size_t i;

  for (i = 0; i < iterations; i++) {
    const waitset_change *c = &ctx->changes[i % ctx->change_count];

    if (table_find(&ctx->table, c->account_id) != NULL)
      ctx->found++;
  }
}

int
main(void)
{
  size_t rounds = (size_t)bench_env_long("BENCH_ROUNDS", 5);
  routing_ctx ctx;
  bench_op measured = { run_post, &ctx };
  bench_op baseline = { run_lookup, &ctx };
  bench_pair_result r;
  uint64_t start;
  size_t i;

  memset(&ctx, 0, sizeof(ctx));
  ctx.change_count = (size_t)bench_env_long("BENCH_CHANGES", 1000000);
  ctx.ids = calloc(2 * WATCHED, sizeof(*ctx.ids));
  if (ctx.ids == NULL) {
    fprintf(stderr, "routing: out of memory\n");
    return 1;
  }
  for (i = 0; i < 2 * WATCHED; i++)
    eh_account_id(i, ctx.ids[i]);
  eh_start(&ctx.host, 2 * WATCHED, NULL);
  start = bench_now_ns();
  create_waitsets(&ctx);
  bench_figure("routing.setup_ms",
               (double)(bench_now_ns() - start) / 1e6, "ms");
  bench_figure("routing.waitsets",
               (double)waitset_registry_count(ctx.host.reg), "count");
  table_init(&ctx.table, WATCHED);
  for (i = 0; i < WATCHED; i++)
    table_insert(&ctx.table, ctx.ids[i]);
  build_changes(&ctx);

  bench_pair(&measured, &baseline, ctx.change_count, rounds, &r);
  bench_figure("routing.changes_per_round", (double)ctx.change_count,
               "count");
  bench_report_ratio("routing.post_change", &r, "ns/change", TARGET_RATIO);
  if (ctx.found == 0)
    fprintf(stderr, "routing: the baseline found no account\n");

  eh_finish(&ctx.host);
  free(ctx.changes);
  free(ctx.table.slots);
  free(ctx.ids);
  return 0;
}
