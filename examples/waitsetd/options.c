/* SPDX-License-Identifier: MIT */
#include "options.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>
#include <waitset/waitset.h>

#include "log.h"

#define DEFAULT_HOST "127.0.0.1"
#define DEFAULT_PORT 7070
#define DEFAULT_MAX_REQUEST_BYTES 15360000
#define DEFAULT_READ_TIMEOUT_S 30
#define DEFAULT_IDLE_TIMEOUT_S 120
#define DEFAULT_MAX_CONNECTIONS 20000
#define DEFAULT_MAX_OUTPUT_BYTES 1048576

enum option_unit {
  UNIT_MS,      /* integer milliseconds */
  UNIT_SECONDS, /* seconds, fractions allowed, stored as ms */
  UNIT_COUNT    /* integer count */
};

/* A core timing value or limit; the defaults are the core's own. */
struct core_option {
  const char *name;
  int id; /* enum waitset_option */
  int unit;
  const char *default_text;
  int64_t min; /* smallest value, in the option's stored unit */
  const char *help;
};

static const struct core_option core_options[] = {
  { "initial-poll-delay-ms", WAITSET_OPT_INITIAL_DELAY_MS, UNIT_MS, "1000", 0,
    "delay before a non-blocking user Wait (0: none)" },
  { "coalesce-delay-ms", WAITSET_OPT_COALESCE_DELAY_MS, UNIT_MS, "3000", 0,
    "no-data wait before a Wait is parked (0: none)" },
  { "timeout-default", WAITSET_OPT_TIMEOUT_DEFAULT_MS, UNIT_SECONDS, "300", 0,
    "timeout of a user Wait that names none" },
  { "timeout-min", WAITSET_OPT_TIMEOUT_MIN_MS, UNIT_SECONDS, "30", 0,
    "lower clamp of a user Wait timeout" },
  { "timeout-max", WAITSET_OPT_TIMEOUT_MAX_MS, UNIT_SECONDS, "1200", 0,
    "upper clamp of a user Wait timeout" },
  { "admin-timeout-default", WAITSET_OPT_ADMIN_TIMEOUT_DEFAULT_MS,
    UNIT_SECONDS, "300", 0, "timeout of an admin Wait that names none" },
  { "admin-timeout-min", WAITSET_OPT_ADMIN_TIMEOUT_MIN_MS, UNIT_SECONDS, "1",
    0, "lower clamp of an admin Wait timeout" },
  { "admin-timeout-max", WAITSET_OPT_ADMIN_TIMEOUT_MAX_MS, UNIT_SECONDS,
    "3600", 0, "upper clamp of an admin Wait timeout" },
  { "idle-expiry", WAITSET_OPT_IDLE_EXPIRY_MS, UNIT_SECONDS, "1200", 1,
    "a waitset with no Wait for this long is destroyed" },
  { "sweep-interval", WAITSET_OPT_SWEEP_INTERVAL_MS, UNIT_SECONDS, "60", 1,
    "period of the idle-waitset sweep" },
  { "max-waitsets-per-owner", WAITSET_OPT_MAX_WAITSETS_PER_OWNER, UNIT_COUNT,
    "5", 1, "waitsets one non-admin owner may keep" },
  { "max-accounts-per-waitset", WAITSET_OPT_MAX_ACCOUNTS_PER_WAITSET,
    UNIT_COUNT, "1000000", 1, "accounts one waitset may watch" },
  { "max-detail-per-account", WAITSET_OPT_MAX_DETAIL_PER_ACCOUNT, UNIT_COUNT,
    "1000", 0, "change records kept per account for expand" },
};

#define CORE_OPTION_TOTAL (sizeof(core_options) / sizeof(core_options[0]))

static const char *const unit_names[] = { "ms", "seconds", "count" };

static void
print_help(const char *program)
{
  size_t i;

  printf("Usage: %s [OPTION]...\n"
         "Example WaitSet SOAP server: an HTTP/1.1 host for libwaitset with "
         "an\nin-memory demo mailbox store.\n\n", program);
  printf("  --listen HOST:PORT        address to listen on (default "
         "%s:%d);\n"
         "                            port 0 picks a free port and prints "
         "HOST:PORT\n"
         "                            on stdout\n", DEFAULT_HOST,
         DEFAULT_PORT);
  printf("  --accounts FILE           accounts file (default: built-in "
         "demo accounts)\n");
  printf("  --log-level LEVEL         error, warn, info or debug "
         "(default info)\n");
  printf("  --max-request-bytes N     request body limit in bytes, "
         "answered with 413\n"
         "                            (default %d)\n",
         DEFAULT_MAX_REQUEST_BYTES);
  printf("  --read-timeout N          time to receive one request in "
         "full, from its\n"
         "                            first byte, before it gets 408 and "
         "the\n"
         "                            connection closes (seconds; default "
         "%d; 0: none)\n", DEFAULT_READ_TIMEOUT_S);
  printf("  --idle-timeout N          time a connection may stay open "
         "with no request\n"
         "                            in progress or pending (seconds; "
         "default %d;\n"
         "                            0: none)\n", DEFAULT_IDLE_TIMEOUT_S);
  printf("  --max-connections N       open connections; more are closed "
         "at once\n"
         "                            (count; default %d; 0: no cap)\n",
         DEFAULT_MAX_CONNECTIONS);
  printf("  --max-output-bytes N      response bytes queued on one "
         "connection beyond\n"
         "                            which the server stops reading "
         "requests from it\n"
         "                            until half are sent (bytes; "
         "default %d)\n",
         DEFAULT_MAX_OUTPUT_BYTES);
  printf("  --token-lifetime N        lifetime of issued auth tokens\n"
         "                            (seconds; default 172800 for users, "
         "43200 for\n"
         "                            admin tokens)\n");
  for (i = 0; i < CORE_OPTION_TOTAL; i++) {
    const struct core_option *o = &core_options[i];
    char left[64];

    snprintf(left, sizeof(left), "--%s N", o->name);
    printf("  %-25s %s\n  %-25s (%s; default %s)\n", left, o->help, "",
           unit_names[o->unit], o->default_text);
  }
  printf("  --help                    print this help and exit\n"
         "  --version                 print the library version and exit\n"
         "\nSeconds accept fractions, e.g. --idle-expiry 0.05; libwaitset "
         "rejects\nWait timeouts below 1 second.\n"
         "\nBuilt-in accounts (password \"secret\" for each):\n"
         "  aaaaaaaa-0000-0000-0000-000000000001 user1@example.test\n"
         "  aaaaaaaa-0000-0000-0000-000000000002 user2@example.test\n"
         "  aaaaaaaa-0000-0000-0000-000000000003 user3@example.test\n"
         "  aaaaaaaa-0000-0000-0000-000000000009 admin@example.test "
         "(global admin)\n"
         "\nAccounts file: one account per line, \"ID NAME PASSWORD "
         "[FLAGS]\", where\nFLAGS is a comma-separated list of:\n"
         "  admin          global admin\n"
         "  remote         mailbox on another server\n"
         "  maintenance    mailbox temporarily unavailable\n"
         "  loginas=ID     this account may act for account ID "
         "(repeatable)\n"
         "  child-of=ID    this account is a child account of ID, so ID "
         "may act\n"
         "                 for it (repeatable)\n"
         "\"#\" starts a comment.\n");
}

static int
parse_listen(daemon_options *opts, const char *value)
{
  const char *colon = strrchr(value, ':');
  struct sockaddr_in ipv4;
  struct sockaddr_in6 ipv6;
  size_t host_len;
  char *end;
  long port;

  if (colon == NULL || colon == value) {
    fprintf(stderr, "waitsetd: invalid --listen \"%s\": expected "
            "HOST:PORT\n", value);
    return -1;
  }
  host_len = (size_t)(colon - value);
  if (host_len >= sizeof(opts->listen_host)) {
    fprintf(stderr, "waitsetd: invalid --listen \"%s\": host too long\n",
            value);
    return -1;
  }
  errno = 0;
  port = strtol(colon + 1, &end, 10);
  if (colon[1] == '\0' || *end != '\0' || errno != 0 || port < 0
      || port > 65535) {
    fprintf(stderr, "waitsetd: invalid --listen \"%s\": port must be 0 to "
            "65535\n", value);
    return -1;
  }
  /* "[::1]:7070" is the usual form of an IPv6 host with a port. */
  if (host_len > 2 && value[0] == '[' && colon[-1] == ']') {
    memcpy(opts->listen_host, value + 1, host_len - 2);
    opts->listen_host[host_len - 2] = '\0';
  } else {
    memcpy(opts->listen_host, value, host_len);
    opts->listen_host[host_len] = '\0';
  }
  opts->listen_port = (int)port;
  if (uv_ip4_addr(opts->listen_host, 0, &ipv4) != 0
      && uv_ip6_addr(opts->listen_host, 0, &ipv6) != 0
      && strcmp(opts->listen_host, "localhost") != 0) {
    fprintf(stderr, "waitsetd: invalid --listen \"%s\": the host must be "
            "an IPv4 or IPv6 address or localhost\n", value);
    return -1;
  }
  return 0;
}

/* Parse a non-negative integer no larger than max. */
static int
parse_integer(const char *name, const char *value, long long max,
              long long *out)
{
  char *end;
  long long n;

  errno = 0;
  n = strtoll(value, &end, 10);
  if (value[0] == '\0' || *end != '\0' || errno != 0 || n < 0 || n > max) {
    fprintf(stderr, "waitsetd: invalid --%s \"%s\": expected an integer "
            "from 0 to %lld\n", name, value, max);
    return -1;
  }
  *out = n;
  return 0;
}

/* Parse non-negative seconds with an optional fraction into ms. */
static int
parse_seconds(const char *name, const char *value, int64_t *out_ms)
{
  char *end;
  double seconds;

  errno = 0;
  seconds = strtod(value, &end);
  if (value[0] == '\0' || *end != '\0' || errno != 0 || !isfinite(seconds)
      || seconds < 0 || seconds > 1e9) {
    fprintf(stderr, "waitsetd: invalid --%s \"%s\": expected seconds "
            "from 0 to 1e9, e.g. 30 or 0.05\n", name, value);
    return -1;
  }
  *out_ms = (int64_t)llround(seconds * 1000.0);
  if (seconds > 0 && *out_ms == 0) {
    fprintf(stderr, "waitsetd: invalid --%s \"%s\": below 1 ms\n", name,
            value);
    return -1;
  }
  return 0;
}

static int
parse_core_option(daemon_options *opts, const struct core_option *o,
                  const char *value)
{
  long long n;
  int64_t ms;

  if (o->unit == UNIT_SECONDS) {
    if (parse_seconds(o->name, value, &ms) != 0)
      return -1;
    opts->core_value[o->id] = ms;
  } else {
    if (parse_integer(o->name, value, 1000000000LL, &n) != 0)
      return -1;
    opts->core_value[o->id] = n;
  }
  if (opts->core_value[o->id] < o->min) {
    fprintf(stderr, "waitsetd: invalid --%s \"%s\": must be above 0\n",
            o->name, value);
    return -1;
  }
  return 0;
}

static void
set_defaults(daemon_options *opts)
{
  size_t i;

  memset(opts, 0, sizeof(*opts));
  snprintf(opts->listen_host, sizeof(opts->listen_host), "%s",
           DEFAULT_HOST);
  opts->listen_port = DEFAULT_PORT;
  opts->log_level = LOG_LEVEL_INFO;
  opts->max_request_bytes = DEFAULT_MAX_REQUEST_BYTES;
  opts->read_timeout_ms = DEFAULT_READ_TIMEOUT_S * 1000;
  opts->idle_timeout_ms = DEFAULT_IDLE_TIMEOUT_S * 1000;
  opts->max_connections = DEFAULT_MAX_CONNECTIONS;
  opts->max_output_bytes = DEFAULT_MAX_OUTPUT_BYTES;
  for (i = 0; i < CORE_OPTION_TOTAL; i++) {
    const struct core_option *o = &core_options[i];
    int64_t value = strtoll(o->default_text, NULL, 10);

    opts->core_value[o->id] = o->unit == UNIT_SECONDS ? value * 1000 : value;
  }
}

/* Apply one "--name" with its value; return -1 after printing an error. */
static int
apply_option(daemon_options *opts, const char *name, const char *value)
{
  long long n;
  size_t i;

  if (strcmp(name, "listen") == 0)
    return parse_listen(opts, value);
  if (strcmp(name, "accounts") == 0) {
    opts->accounts_file = value;
    return 0;
  }
  if (strcmp(name, "log-level") == 0) {
    opts->log_level = log_parse_level(value);
    if (opts->log_level < 0) {
      fprintf(stderr, "waitsetd: invalid --log-level \"%s\": expected "
              "error, warn, info or debug\n", value);
      return -1;
    }
    return 0;
  }
  if (strcmp(name, "max-request-bytes") == 0) {
    if (parse_integer(name, value, 1LL << 30, &n) != 0)
      return -1;
    if (n < 1) {
      fprintf(stderr, "waitsetd: invalid --max-request-bytes \"%s\": must "
              "be at least 1\n", value);
      return -1;
    }
    opts->max_request_bytes = (size_t)n;
    return 0;
  }
  if (strcmp(name, "read-timeout") == 0)
    return parse_seconds(name, value, &opts->read_timeout_ms);
  if (strcmp(name, "idle-timeout") == 0)
    return parse_seconds(name, value, &opts->idle_timeout_ms);
  if (strcmp(name, "max-connections") == 0) {
    if (parse_integer(name, value, 1000000000LL, &n) != 0)
      return -1;
    opts->max_connections = (size_t)n;
    return 0;
  }
  if (strcmp(name, "max-output-bytes") == 0) {
    if (parse_integer(name, value, 1LL << 30, &n) != 0)
      return -1;
    if (n < 1) {
      fprintf(stderr, "waitsetd: invalid --max-output-bytes \"%s\": must "
              "be at least 1\n", value);
      return -1;
    }
    opts->max_output_bytes = (size_t)n;
    return 0;
  }
  if (strcmp(name, "token-lifetime") == 0) {
    if (parse_seconds(name, value, &opts->token_lifetime_ms) != 0)
      return -1;
    if (opts->token_lifetime_ms == 0) {
      fprintf(stderr, "waitsetd: invalid --token-lifetime \"%s\": must be "
              "above 0\n", value);
      return -1;
    }
    return 0;
  }
  for (i = 0; i < CORE_OPTION_TOTAL; i++) {
    if (strcmp(name, core_options[i].name) == 0)
      return parse_core_option(opts, &core_options[i], value);
  }
  fprintf(stderr, "waitsetd: unknown option --%s (see --help)\n", name);
  return -1;
}

/* Check min <= default <= max of one timeout triple; 0 or -1. */
static int
check_timeout_triple(const daemon_options *opts, int def, int min, int max)
{
  const int64_t *v = opts->core_value;

  if (v[min] <= v[def] && v[def] <= v[max])
    return 0;
  fprintf(stderr, "waitsetd: inconsistent timeouts: need --%s <= --%s <= "
          "--%s, got %lld <= %lld <= %lld ms\n", options_core_name(min),
          options_core_name(def), options_core_name(max),
          (long long)v[min], (long long)v[def], (long long)v[max]);
  return -1;
}

int
options_parse(daemon_options *opts, int argc, char **argv)
{
  int i;

  set_defaults(opts);
  for (i = 1; i < argc; i++) {
    const char *arg = argv[i];
    char name[64];
    const char *value;
    const char *eq;

    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
      print_help(argv[0]);
      return OPTIONS_EXIT_SUCCESS;
    }
    if (strcmp(arg, "--version") == 0) {
      printf("waitsetd (libwaitset %s)\n", waitset_version_string());
      return OPTIONS_EXIT_SUCCESS;
    }
    if (strncmp(arg, "--", 2) != 0) {
      fprintf(stderr, "waitsetd: unexpected argument \"%s\" (see "
              "--help)\n", arg);
      return OPTIONS_EXIT_USAGE;
    }
    arg += 2;
    eq = strchr(arg, '=');
    if (eq != NULL) {
      snprintf(name, sizeof(name), "%.*s", (int)(eq - arg), arg);
      value = eq + 1;
    } else {
      snprintf(name, sizeof(name), "%s", arg);
      if (i + 1 >= argc) {
        fprintf(stderr, "waitsetd: missing value for --%s\n", name);
        return OPTIONS_EXIT_USAGE;
      }
      value = argv[++i];
    }
    if (apply_option(opts, name, value) != 0)
      return OPTIONS_EXIT_USAGE;
  }
  if (check_timeout_triple(opts, WAITSET_OPT_TIMEOUT_DEFAULT_MS,
                           WAITSET_OPT_TIMEOUT_MIN_MS,
                           WAITSET_OPT_TIMEOUT_MAX_MS) != 0
      || check_timeout_triple(opts, WAITSET_OPT_ADMIN_TIMEOUT_DEFAULT_MS,
                              WAITSET_OPT_ADMIN_TIMEOUT_MIN_MS,
                              WAITSET_OPT_ADMIN_TIMEOUT_MAX_MS) != 0)
    return OPTIONS_EXIT_USAGE;
  return OPTIONS_OK;
}

const char *
options_core_name(int id)
{
  size_t i;

  for (i = 0; i < CORE_OPTION_TOTAL; i++) {
    if (core_options[i].id == id)
      return core_options[i].name;
  }
  return "?";
}
