/* SPDX-License-Identifier: MIT */
/* Fixture internals shared by the files of the test support library. */
#ifndef WT_INTERNAL_H
#define WT_INTERNAL_H

#include "wt.h"

typedef struct wt_pending_lookup {
  waitset_lookup *lookup;
  char key[160];
  int by_name;
  waitset_caller caller;
  char caller_id[64];
  char requested_id[64];
  uint64_t due_ms; /* loop time for deferred lookups, 0 when held */
  int held;
} wt_pending_lookup;

struct wt_fixture {
  uv_loop_t loop;
  wt_config cfg;
  waitset_registry *reg;
  int close_calls;
  int closing;

  uv_timer_t watchdog;
  int watchdog_fired;
  uv_timer_t run_timer;
  int run_timer_fired;
  uv_timer_t defer_timer;

  wt_account accounts[WT_MAX_ACCOUNTS];
  size_t account_count;

  wt_pending_lookup pending[WT_MAX_PENDING_LOOKUPS];
  size_t pending_count;
  unsigned last_change_id_calls;

  wt_response *responses; /* every recorded response, newest first */
  size_t response_count;
  char **strings; /* ids returned by wt_create() */
  size_t string_count;
};

char *wt_strdup(const char *s);
void wt_response_free(wt_response *r);
void wt_record_response(wt_response *r, const waitset_response *resp,
                        uint64_t now);
int wt_strcaseeq(const char *a, const char *b);

#endif /* WT_INTERNAL_H */
