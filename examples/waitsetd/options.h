/* SPDX-License-Identifier: MIT */
/* Command-line options of waitsetd. */
#ifndef WAITSETD_OPTIONS_H
#define WAITSETD_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

/* Number of core timing values and limits settable from the command line. */
#define DAEMON_CORE_OPTION_COUNT 13

typedef struct daemon_options {
  char listen_host[64];
  int listen_port;
  const char *accounts_file; /* NULL: the built-in demo accounts */
  int log_level;             /* enum log_level */
  size_t max_request_bytes;
  int64_t read_timeout_ms;  /* 0: no limit on reading one request */
  int64_t idle_timeout_ms;  /* 0: idle connections stay open */
  size_t max_connections;   /* 0: no cap */
  size_t max_output_bytes;  /* queued responses before reading stops */
  int64_t token_lifetime_ms; /* 0: Zimbra's defaults (2 days, admin 12 h) */
  /* Core values in the core's units (ms or a count), indexed by
   * enum waitset_option; the defaults are those --help lists. */
  int64_t core_value[DAEMON_CORE_OPTION_COUNT + 1];
} daemon_options;

enum options_result {
  OPTIONS_OK = 0,
  OPTIONS_EXIT_SUCCESS = 1, /* --help or --version was printed */
  OPTIONS_EXIT_USAGE = 2    /* an error was printed to stderr */
};

/*
 * Fill *opts from argv. Prints the error, naming the option and the
 * value, to stderr and returns OPTIONS_EXIT_USAGE on invalid input.
 */
int options_parse(daemon_options *opts, int argc, char **argv);

/* Return the command-line name of a core option (enum waitset_option). */
const char *options_core_name(int id);

#endif /* WAITSETD_OPTIONS_H */
