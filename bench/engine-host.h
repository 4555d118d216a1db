/* SPDX-License-Identifier: MIT */
/*
 * A fake host for the engine benchmarks: a private uv loop, a registry,
 * and account ids of the form aaaaaaaa-0000-0000-0000-NNNNNNNNNNNN whose
 * number is the account index. Lookups are completed synchronously from
 * the index, so the host adds almost nothing to the figures. Requests are
 * issued as a global admin, so the per-owner waitset limit never applies.
 */
#ifndef ENGINE_HOST_H
#define ENGINE_HOST_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>
#include <waitset/waitset.h>

#define EH_ID_LENGTH 36

typedef struct eh_host {
  uv_loop_t loop;
  waitset_registry *reg;
  /* Accounts 0 .. account_count - 1 exist; others are NOT_FOUND. */
  size_t account_count;
  int close_calls;
} eh_host;

/* A finished request: status and the waitset id of a Create. */
typedef struct eh_result {
  int done;
  int status;
  size_t signal_count;
  char waitset_id[64];
  char seq[32];
} eh_result;

/* Write the id of account `index` into out (EH_ID_LENGTH + 1 bytes). */
void eh_account_id(size_t index, char *out);

/* Create the loop and a registry with `account_count` accounts. opts
 * NULL means no initial delay and no no-data wait. Exits on failure. */
void eh_start(eh_host *h, size_t account_count, const waitset_options *opts);

/* Close the registry, run the loop until it closed, close the loop. */
void eh_finish(eh_host *h);

/* The global-admin caller every benchmark request uses. */
const waitset_caller *eh_admin_caller(void);

/* Start an AdminCreateWaitSet with def_types "m" and the given accounts
 * (folder_interests may be NULL for each). The result is filled when
 * the loop runs. Exits when waitset_execute() fails. */
void eh_create(eh_host *h, const waitset_account_spec *specs, size_t count,
               eh_result *result);

/* Start an AdminWaitSet on a waitset with seq and block ("0" or "1").
 * Returns the call handle. */
waitset_call *eh_wait(eh_host *h, const char *waitset_id, const char *seq,
                      const char *block, eh_result *result);

/* Run the loop until results[0 .. count - 1] are all done; exits with a
 * message when one failed. */
void eh_run_until_done(eh_host *h, eh_result *results, size_t count);

#endif /* ENGINE_HOST_H */
