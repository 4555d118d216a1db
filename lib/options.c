/* SPDX-License-Identifier: MIT */
/*
 * The options object: timing values, limits, allocator and log hook.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Maximum duration accepted, in ms (about 12 days), so deadline
 * arithmetic stays far from overflow. */
#define WS_MAX_DURATION_MS ((int64_t)1 << 30)

static const int64_t option_defaults[WS_OPT_COUNT] = {
    0,
    1000,    /* INITIAL_DELAY_MS */
    3000,    /* COALESCE_DELAY_MS */
    300000,  /* TIMEOUT_DEFAULT_MS */
    30000,   /* TIMEOUT_MIN_MS */
    1200000, /* TIMEOUT_MAX_MS */
    300000,  /* ADMIN_TIMEOUT_DEFAULT_MS */
    1000,    /* ADMIN_TIMEOUT_MIN_MS */
    3600000, /* ADMIN_TIMEOUT_MAX_MS */
    1200000, /* IDLE_EXPIRY_MS */
    60000,   /* SWEEP_INTERVAL_MS */
    5,       /* MAX_WAITSETS_PER_OWNER */
    1000000, /* MAX_ACCOUNTS_PER_WAITSET */
    1000,    /* MAX_DETAIL_PER_ACCOUNT */
};

static void *
libc_malloc(size_t size)
{
  return malloc(size);
}

static void *
libc_realloc(void *ptr, size_t size)
{
  return realloc(ptr, size);
}

static void
libc_free(void *ptr)
{
  free(ptr);
}

static const waitset_allocator libc_allocator = {
    WAITSET_ALLOCATOR_VERSION, libc_malloc, libc_realloc, libc_free};

int
waitset_options_new(waitset_options **out)
{
  waitset_options *opts;

  if (out == NULL)
    return WAITSET_EINVAL;
  opts = calloc(1, sizeof(*opts));
  if (opts == NULL)
    return WAITSET_ENOMEM;
  memcpy(opts->values, option_defaults, sizeof(opts->values));
  opts->alloc = libc_allocator;
  *out = opts;
  return 0;
}

void
waitset_options_free(waitset_options *opts)
{
  free(opts);
}

int
waitset_options_set(waitset_options *opts, int option, int64_t value)
{
  int64_t min = 0;
  int64_t max = WS_MAX_DURATION_MS;

  if (opts == NULL || option < 1 || option >= WS_OPT_COUNT)
    return WAITSET_EINVAL;
  switch (option) {
  case WAITSET_OPT_MAX_WAITSETS_PER_OWNER:
  case WAITSET_OPT_MAX_ACCOUNTS_PER_WAITSET:
    min = 1;
    max = INT32_MAX;
    break;
  case WAITSET_OPT_MAX_DETAIL_PER_ACCOUNT:
    max = INT32_MAX;
    break;
  default:
    break;
  }
  if (value < min || value > max)
    return WAITSET_ERANGE;
  opts->values[option] = value;
  return 0;
}

int
waitset_options_get(const waitset_options *opts, int option, int64_t *out)
{
  if (opts == NULL || out == NULL || option < 1 || option >= WS_OPT_COUNT)
    return WAITSET_EINVAL;
  *out = opts->values[option];
  return 0;
}

int
waitset_options_set_allocator(waitset_options *opts,
                              const waitset_allocator *alloc)
{
  if (opts == NULL)
    return WAITSET_EINVAL;
  if (alloc == NULL) {
    opts->alloc = libc_allocator;
    return 0;
  }
  if (alloc->version != WAITSET_ALLOCATOR_VERSION)
    return WAITSET_EVERSION;
  if (alloc->malloc == NULL || alloc->realloc == NULL || alloc->free == NULL)
    return WAITSET_EINVAL;
  opts->alloc = *alloc;
  return 0;
}

int
waitset_options_set_log(waitset_options *opts, int max_level,
                        waitset_log_cb cb, void *user_data)
{
  if (opts == NULL)
    return WAITSET_EINVAL;
  if (cb != NULL
      && (max_level < WAITSET_LOG_ERROR || max_level > WAITSET_LOG_TRACE))
    return WAITSET_ERANGE;
  opts->log_cb = cb;
  opts->log_user_data = user_data;
  opts->log_level = max_level;
  return 0;
}


static int
check_timeouts(const int64_t *v, int def, int min, int max)
{
  if (v[min] < 1000 || v[max] < 1000 || v[def] < 1000)
    return WAITSET_ERANGE;
  if (v[min] > v[max] || v[def] < v[min] || v[def] > v[max])
    return WAITSET_ERANGE;
  return 0;
}

/* Check the bounds that involve two options; used by registry_new. */
int
ws_options_check(const int64_t *v)
{
  int rc;

  rc = check_timeouts(v, WAITSET_OPT_TIMEOUT_DEFAULT_MS,
                      WAITSET_OPT_TIMEOUT_MIN_MS, WAITSET_OPT_TIMEOUT_MAX_MS);
  if (rc != 0)
    return rc;
  rc = check_timeouts(v, WAITSET_OPT_ADMIN_TIMEOUT_DEFAULT_MS,
                      WAITSET_OPT_ADMIN_TIMEOUT_MIN_MS,
                      WAITSET_OPT_ADMIN_TIMEOUT_MAX_MS);
  if (rc != 0)
    return rc;
  if (v[WAITSET_OPT_IDLE_EXPIRY_MS] <= 0
      || v[WAITSET_OPT_SWEEP_INTERVAL_MS] <= 0)
    return WAITSET_ERANGE;
  if (v[WAITSET_OPT_MAX_WAITSETS_PER_OWNER] < 1
      || v[WAITSET_OPT_MAX_ACCOUNTS_PER_WAITSET] < 1)
    return WAITSET_ERANGE;
  return 0;
}

const int64_t *
ws_option_defaults(void)
{
  return option_defaults;
}

const waitset_allocator *
ws_libc_allocator(void)
{
  return &libc_allocator;
}
