/* SPDX-License-Identifier: MIT */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

uint64_t
bench_now_ns(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int
compare_double(const void *a, const void *b)
{
  double x = *(const double *)a;
  double y = *(const double *)b;

  if (x < y)
    return -1;
  return x > y ? 1 : 0;
}

static double
median(double *values, size_t count)
{
  qsort(values, count, sizeof(*values), compare_double);
  if (count % 2 == 1)
    return values[count / 2];
  return (values[count / 2 - 1] + values[count / 2]) / 2.0;
}

static double
time_round(const bench_op *op, size_t iterations)
{
  uint64_t start = bench_now_ns();

  op->run(op->ctx, iterations);
  return (double)(bench_now_ns() - start) / (double)iterations;
}

void
bench_pair(const bench_op *measured, const bench_op *baseline,
           size_t iterations, size_t rounds, bench_pair_result *out)
{
  double *m = calloc(rounds, sizeof(*m));
  double *b = calloc(rounds, sizeof(*b));
  double *ratio = calloc(rounds, sizeof(*ratio));
  size_t i;

  if (m == NULL || b == NULL || ratio == NULL) {
    fprintf(stderr, "bench: out of memory\n");
    exit(1);
  }
  time_round(measured, iterations);
  time_round(baseline, iterations);
  for (i = 0; i < rounds; i++) {
    /* Swap the order every round so neither side always runs first. */
    if (i % 2 == 0) {
      m[i] = time_round(measured, iterations);
      b[i] = time_round(baseline, iterations);
    } else {
      b[i] = time_round(baseline, iterations);
      m[i] = time_round(measured, iterations);
    }
    ratio[i] = m[i] / b[i];
  }
  out->measured_ns = median(m, rounds);
  out->baseline_ns = median(b, rounds);
  out->ratio = median(ratio, rounds);
  free(m);
  free(b);
  free(ratio);
}

void
bench_figure(const char *name, double value, const char *unit)
{
  printf("%s: %.6g %s\n", name, value, unit);
  fflush(stdout);
}

int
bench_report_ratio(const char *prefix, const bench_pair_result *r,
                   const char *unit, double target)
{
  char name[256];
  int pass = r->ratio <= target;

  snprintf(name, sizeof(name), "%s", prefix);
  bench_figure(name, r->measured_ns, unit);
  snprintf(name, sizeof(name), "%s.baseline", prefix);
  bench_figure(name, r->baseline_ns, unit);
  snprintf(name, sizeof(name), "%s.ratio", prefix);
  bench_figure(name, r->ratio, "x");
  snprintf(name, sizeof(name), "%s.target", prefix);
  printf("%s: <= %.2f x %s\n", name, target, pass ? "pass" : "MISS");
  fflush(stdout);
  return pass;
}

long
bench_env_long(const char *name, long fallback)
{
  const char *text = getenv(name);
  char *end;
  long value;

  if (text == NULL || *text == '\0')
    return fallback;
  value = strtol(text, &end, 10);
  if (*end != '\0' || value <= 0) {
    fprintf(stderr, "bench: invalid %s=\"%s\" (expected a positive "
            "integer)\n", name, text);
    exit(2);
  }
  return value;
}

/* ------------------------------------------------------------------ */
/* Counting allocator                                                  */

#define HEADER 16

static size_t live_bytes;
static size_t live_blocks;

void *
bench_alloc_malloc(size_t size)
{
  unsigned char *block = malloc(size + HEADER);

  if (block == NULL)
    return NULL;
  memcpy(block, &size, sizeof(size));
  live_bytes += size;
  live_blocks++;
  return block + HEADER;
}

void
bench_alloc_free(void *ptr)
{
  unsigned char *block;
  size_t size;

  if (ptr == NULL)
    return;
  block = (unsigned char *)ptr - HEADER;
  memcpy(&size, block, sizeof(size));
  live_bytes -= size;
  live_blocks--;
  free(block);
}

void *
bench_alloc_realloc(void *ptr, size_t size)
{
  unsigned char *block;
  size_t old;

  if (ptr == NULL)
    return bench_alloc_malloc(size);
  block = (unsigned char *)ptr - HEADER;
  memcpy(&old, block, sizeof(old));
  block = realloc(block, size + HEADER);
  if (block == NULL)
    return NULL;
  memcpy(block, &size, sizeof(size));
  live_bytes = live_bytes - old + size;
  return block + HEADER;
}

size_t
bench_alloc_live(void)
{
  return live_bytes;
}

size_t
bench_alloc_blocks(void)
{
  return live_blocks;
}
