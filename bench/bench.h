/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the benchmark programs: a monotonic clock, paired
 * timing of a measured operation against its baseline, figure output and
 * a counting allocator for the allocator hooks of both libraries.
 *
 * Every program prints one `name: value unit` line per figure, so the
 * output can be read by a person and by `grep`/`awk` alike.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stddef.h>
#include <stdint.h>

/* Current CLOCK_MONOTONIC time in nanoseconds. */
uint64_t bench_now_ns(void);

/* One operation to time: run() performs `iterations` repetitions. */
typedef struct bench_op {
  void (*run)(void *ctx, size_t iterations);
  void *ctx;
} bench_op;

/* Result of bench_pair(): the median nanoseconds per iteration of each
 * side over the rounds, and the median of the per-round ratios. */
typedef struct bench_pair_result {
  double measured_ns;
  double baseline_ns;
  double ratio;
} bench_pair_result;

/*
 * Time `measured` against `baseline` in alternating rounds of
 * `iterations` each, after one warm-up round of both. Alternating keeps
 * both sides exposed to the same machine noise; the median over rounds
 * drops rounds disturbed by other processes.
 */
void bench_pair(const bench_op *measured, const bench_op *baseline,
                size_t iterations, size_t rounds, bench_pair_result *out);

/* Print `name: value unit` on stdout. */
void bench_figure(const char *name, double value, const char *unit);

/* Print a figure and its baseline, the ratio and the verdict
 * against `target` (pass when ratio <= target). Returns 1 on pass. */
int bench_report_ratio(const char *prefix, const bench_pair_result *r,
                       const char *unit, double target);

/* Read a positive integer from the environment, or `fallback`. */
long bench_env_long(const char *name, long fallback);

/*
 * Counting allocator. Each block carries a 16-byte header with its
 * requested size, so bench_alloc_live() is the exact number of bytes the
 * libraries asked for and still hold, without malloc's own overhead.
 */
void *bench_alloc_malloc(size_t size);
void *bench_alloc_realloc(void *ptr, size_t size);
void bench_alloc_free(void *ptr);
/* Bytes requested and not yet freed. */
size_t bench_alloc_live(void);
/* Blocks allocated and not yet freed. */
size_t bench_alloc_blocks(void);

#endif /* BENCH_H */
