/* SPDX-License-Identifier: MIT */
/*
 * waitset-watch: a WaitSet client. It logs in, creates a waitset for the
 * given accounts and types, and loops on blocking Waits, echoing the seq
 * of the last response so that the server can drop acknowledged data.
 * Each signalled account prints one line on stdout; status messages go
 * to stderr.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wsclient.h"

#define MAX_ACCOUNTS 64

typedef struct watch_options {
  const char *server;
  const char *user;
  const char *password;
  int admin;
  const char *accounts[MAX_ACCOUNTS];
  size_t account_count;
  const char *types;
  int expand;
  long timeout;   /* seconds; -1: the server's default */
  long count;     /* exit after this many lines; 0: never */
} watch_options;

typedef struct watch_state {
  wsc_client client;
  const char *path;
  const char *ns;
  const char *prefix; /* "" or "Admin" */
  char waitset[160];
  char seq[64];
  long printed;
} watch_state;

static volatile sig_atomic_t stop_requested;

static void
on_signal(int signum)
{
  (void)signum;
  stop_requested = 1;
}

static void
usage(FILE *out)
{
  fprintf(out,
          "Usage: waitset-watch --server URL --user NAME --password PW\n"
          "                     [--admin] [--account ID]... [--types T]\n"
          "                     [--expand] [--timeout S] [--count N]\n"
          "\n"
          "  --server URL     waitsetd base URL, e.g. http://127.0.0.1:7070\n"
          "  --user NAME      account name to log in as\n"
          "  --password PW    its password\n"
          "  --admin          log in on the admin port path and use the\n"
          "                   Admin*WaitSetRequest commands\n"
          "  --account ID     account id to watch (repeatable; default: "
          "the\n"
          "                   logged-in account, by name)\n"
          "  --types T        interest types, e.g. m or f,m,c (default "
          "all)\n"
          "  --expand         print per-folder change details\n"
          "  --timeout S      blocking timeout in seconds sent with each "
          "Wait\n"
          "                   (default: the server's)\n"
          "  --count N        exit after N notification lines (default: "
          "never)\n");
}

static int
parse_long(const char *option, const char *text, long min, long *out)
{
  char *end;
  long value;

  errno = 0;
  value = strtol(text, &end, 10);
  if (text[0] == '\0' || *end != '\0' || errno != 0 || value < min) {
    fprintf(stderr, "waitset-watch: invalid %s \"%s\": expected an "
            "integer >= %ld\n", option, text, min);
    return -1;
  }
  *out = value;
  return 0;
}

static int
parse_options(int argc, char **argv, watch_options *opts)
{
  int i;

  memset(opts, 0, sizeof(*opts));
  opts->types = "all";
  opts->timeout = -1;

  for (i = 1; i < argc; i++) {
    const char *arg = argv[i];
    const char *value = i + 1 < argc ? argv[i + 1] : NULL;
    int takes_value = 1;

    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
      usage(stdout);
      exit(0);
    } else if (strcmp(arg, "--admin") == 0) {
      opts->admin = 1;
      takes_value = 0;
    } else if (strcmp(arg, "--expand") == 0) {
      opts->expand = 1;
      takes_value = 0;
    } else if (value == NULL) {
      fprintf(stderr, "waitset-watch: %s is unknown or lacks its value "
              "(see --help)\n", arg);
      return -1;
    } else if (strcmp(arg, "--server") == 0) {
      opts->server = value;
    } else if (strcmp(arg, "--user") == 0) {
      opts->user = value;
    } else if (strcmp(arg, "--password") == 0) {
      opts->password = value;
    } else if (strcmp(arg, "--types") == 0) {
      opts->types = value;
    } else if (strcmp(arg, "--account") == 0) {
      if (opts->account_count == MAX_ACCOUNTS) {
        fprintf(stderr, "waitset-watch: more than %d --account options\n",
                MAX_ACCOUNTS);
        return -1;
      }
      opts->accounts[opts->account_count++] = value;
    } else if (strcmp(arg, "--timeout") == 0) {
      if (parse_long(arg, value, 0, &opts->timeout) != 0)
        return -1;
    } else if (strcmp(arg, "--count") == 0) {
      if (parse_long(arg, value, 1, &opts->count) != 0)
        return -1;
    } else {
      fprintf(stderr, "waitset-watch: unknown option %s (see --help)\n",
              arg);
      return -1;
    }
    if (takes_value)
      i++;
  }

  if (opts->server == NULL || opts->user == NULL
      || opts->password == NULL) {
    fprintf(stderr, "waitset-watch: --server, --user and --password are "
            "required (see --help)\n");
    return -1;
  }
  return 0;
}

/* Print a Fault or transport error of one request; returns -1. */
static int
report_failure(const char *what, const wsc_reply *reply)
{
  if (reply == NULL)
    fprintf(stderr, "waitset-watch: %s failed: out of memory\n", what);
  else if (reply->fault_code != NULL)
    fprintf(stderr, "waitset-watch: %s failed: %s: %s\n", what,
            reply->fault_code[0] ? reply->fault_code : "(no code)",
            reply->fault_reason ? reply->fault_reason : "(no reason)");
  else if (reply->error[0] != '\0')
    fprintf(stderr, "waitset-watch: %s failed: %s\n", what, reply->error);
  else
    fprintf(stderr, "waitset-watch: %s failed: unexpected <%s> "
            "(HTTP %ld)\n", what, reply->body ? reply->body->name : "",
            reply->status);
  return -1;
}

static const char *
attr_or(const waitset_xml_node *node, const char *name, const char *fallback)
{
  const char *value = wsc_node_attr(node, name);

  return value ? value : fallback;
}

/* Print the <error id type> children of a response on stderr. */
static void
print_errors(const waitset_xml_node *response, const char *what)
{
  const waitset_xml_node *error;

  for (error = wsc_node_child(response, "error"); error;
       error = wsc_node_next(error, "error"))
    fprintf(stderr, "waitset-watch: account %s %s: %s\n",
            attr_or(error, "id", "?"), what, attr_or(error, "type", "?"));
}

static int
create_waitset(watch_state *st, const watch_options *opts)
{
  char add[8192] = "";
  size_t used = 0;
  const char *id;
  wsc_reply *reply;
  char *types;
  char *value;
  size_t i;

  if (opts->account_count == 0) {
    value = wsc_xml_escape(opts->user);
    if (value == NULL)
      return report_failure("CreateWaitSetRequest", NULL);
    used += (size_t)snprintf(add, sizeof(add), "<a name=\"%s\"/>", value);
    free(value);
  }
  for (i = 0; i < opts->account_count && used < sizeof(add); i++) {
    value = wsc_xml_escape(opts->accounts[i]);
    if (value == NULL)
      return report_failure("CreateWaitSetRequest", NULL);
    used += (size_t)snprintf(add + used, sizeof(add) - used,
                             "<a id=\"%s\"/>", value);
    free(value);
  }
  if (used >= sizeof(add)) {
    fprintf(stderr, "waitset-watch: too many accounts for one request\n");
    return -1;
  }

  types = wsc_xml_escape(opts->types);
  if (types == NULL)
    return report_failure("CreateWaitSetRequest", NULL);
  reply = wsc_call(&st->client, st->path,
                   "<%sCreateWaitSetRequest xmlns=\"%s\" defTypes=\"%s\">"
                   "<add>%s</add></%sCreateWaitSetRequest>",
                   st->prefix, st->ns, types, add, st->prefix);
  free(types);
  id = reply && reply->fault_code == NULL
           ? wsc_node_attr(reply->body, "waitSet") : NULL;
  if (id == NULL || strlen(id) >= sizeof(st->waitset)) {
    report_failure("CreateWaitSetRequest", reply);
    wsc_reply_free(reply);
    return -1;
  }
  snprintf(st->waitset, sizeof(st->waitset), "%s", id);
  snprintf(st->seq, sizeof(st->seq), "0");
  fprintf(stderr, "waitset-watch: created %s (types %s)\n", st->waitset,
          wsc_node_attr(reply->body, "defTypes")
              ? wsc_node_attr(reply->body, "defTypes") : "?");
  print_errors(reply->body, "not added");
  wsc_reply_free(reply);
  return 0;
}

/*
 * Append the expand detail of one <a>: for each <mods id=FOLDER>, its
 * created, modified and deleted items, e.g.
 *   folder 2: created m 300; modified m 301 change 4; deleted message 302
 */
static void
print_mods(const waitset_xml_node *account)
{
  const waitset_xml_node *mods;
  const waitset_xml_node *entry;
  const waitset_xml_node *item;

  for (mods = wsc_node_child(account, "mods"); mods;
       mods = wsc_node_next(mods, "mods")) {
    const char *sep = "";

    printf(" | folder %s:", attr_or(mods, "id", "?"));
    for (entry = wsc_node_child(mods, NULL); entry;
         entry = wsc_node_next(entry, NULL)) {
      item = wsc_node_child(entry, "m");
      if (strcmp(entry->name, "created") == 0)
        printf("%s created %s %s", sep, attr_or(item, "t", "?"),
               attr_or(item, "id", "?"));
      else if (strcmp(entry->name, "modMsgs") == 0)
        printf("%s modified %s %s change %s", sep, attr_or(item, "t", "?"),
               attr_or(item, "id", "?"), attr_or(entry, "change", "?"));
      else if (strcmp(entry->name, "deleted") == 0)
        printf("%s deleted %s %s", sep, attr_or(entry, "t", "?"),
               attr_or(entry, "id", "?"));
      else if (strcmp(entry->name, "modTags") == 0)
        printf("%s tag %s change %s", sep,
               wsc_node_child(entry, "name")
                   ? wsc_node_child(entry, "name")->text : "?",
               attr_or(entry, "change", "?"));
      else
        continue;
      sep = ";";
    }
  }
}

/* Print one line per signalled account; returns the number printed. */
static long
print_notifications(const waitset_xml_node *response, int expand)
{
  const waitset_xml_node *account;
  long printed = 0;

  for (account = wsc_node_child(response, "a"); account;
       account = wsc_node_next(account, "a")) {
    printf("account %s changeid %s", attr_or(account, "id", "?"),
           attr_or(account, "changeid", "?"));
    if (expand)
      print_mods(account);
    printf("\n");
    printed++;
  }
  fflush(stdout);
  print_errors(response, "reported");
  return printed;
}

/*
 * Send one blocking Wait. Returns 1 to continue, 0 when --count is
 * reached and -1 on a failure that ends the program.
 */
static int
wait_once(watch_state *st, const watch_options *opts)
{
  const waitset_xml_node *body;
  char timeout[48] = "";
  const char *seq;
  const char *canceled;
  wsc_reply *reply;

  if (opts->timeout >= 0)
    snprintf(timeout, sizeof(timeout), " timeout=\"%ld\"", opts->timeout);
  reply = wsc_call(&st->client, st->path,
                   "<%sWaitSetRequest xmlns=\"%s\" waitSet=\"%s\" "
                   "seq=\"%s\" block=\"1\"%s%s/>",
                   st->prefix, st->ns, st->waitset, st->seq, timeout,
                   opts->expand ? " expand=\"1\"" : "");
  if (stop_requested) {
    fprintf(stderr, "waitset-watch: stopping on signal\n");
    wsc_reply_free(reply);
    return 0;
  }
  if (reply != NULL && reply->fault_code != NULL
      && strcmp(reply->fault_code, "admin.NO_SUCH_WAITSET") == 0) {
    fprintf(stderr, "waitset-watch: waitset %s no longer exists; "
            "creating a new one\n", st->waitset);
    wsc_reply_free(reply);
    return create_waitset(st, opts) == 0 ? 1 : -1;
  }
  body = reply && reply->fault_code == NULL ? reply->body : NULL;
  if (body == NULL || strcmp(body->name, st->prefix[0]
                                 ? "AdminWaitSetResponse"
                                 : "WaitSetResponse") != 0) {
    report_failure("WaitSetRequest", reply);
    wsc_reply_free(reply);
    return -1;
  }

  canceled = wsc_node_attr(body, "canceled");
  if (canceled != NULL && strcmp(canceled, "1") == 0) {
    fprintf(stderr, "waitset-watch: wait canceled by a newer request\n");
    print_errors(body, "reported");
    wsc_reply_free(reply);
    return 1;
  }
  seq = wsc_node_attr(body, "seq");
  if (seq == NULL || strlen(seq) >= sizeof(st->seq)) {
    fprintf(stderr, "waitset-watch: WaitSetResponse without a usable "
            "seq\n");
    wsc_reply_free(reply);
    return -1;
  }
  snprintf(st->seq, sizeof(st->seq), "%s", seq);
  st->printed += print_notifications(body, opts->expand);
  wsc_reply_free(reply);
  if (opts->count > 0 && st->printed >= opts->count)
    return 0;
  return 1;
}

/* Destroy the waitset on the way out, so the server frees it at once. */
static void
destroy_waitset(watch_state *st)
{
  wsc_reply *reply;

  if (st->waitset[0] == '\0')
    return;
  st->client.abort_flag = NULL;
  reply = wsc_call(&st->client, st->path,
                   "<%sDestroyWaitSetRequest xmlns=\"%s\" waitSet=\"%s\"/>",
                   st->prefix, st->ns, st->waitset);
  if (reply == NULL || reply->fault_code != NULL || reply->error[0])
    report_failure("DestroyWaitSetRequest", reply);
  wsc_reply_free(reply);
}

int
main(int argc, char **argv)
{
  struct sigaction action;
  watch_options opts;
  watch_state st;
  char err[512];
  int rc;

  if (parse_options(argc, argv, &opts) != 0)
    return 2;
  if (wsc_global_init() != 0) {
    fprintf(stderr, "waitset-watch: libcurl initialization failed\n");
    return 1;
  }

  memset(&st, 0, sizeof(st));
  wsc_client_init(&st.client, opts.server);
  st.path = opts.admin ? WSC_PATH_ADMIN : WSC_PATH_MAIL;
  st.ns = opts.admin ? WSC_NS_ADMIN : WSC_NS_MAIL;
  st.prefix = opts.admin ? "Admin" : "";
  st.client.abort_flag = &stop_requested;

  /* SIGINT and SIGTERM abort the request in flight and end the loop;
   * the waitset is then destroyed. */
  memset(&action, 0, sizeof(action));
  action.sa_handler = on_signal;
  sigaction(SIGINT, &action, NULL);
  sigaction(SIGTERM, &action, NULL);

  if (wsc_login(&st.client, opts.user, opts.password, opts.admin, err,
                sizeof(err))
      != 0) {
    fprintf(stderr, "waitset-watch: %s\n", err);
    wsc_global_cleanup();
    return 1;
  }
  fprintf(stderr, "waitset-watch: logged in as %s\n", opts.user);

  rc = create_waitset(&st, &opts);
  if (rc == 0)
    fprintf(stderr, "waitset-watch: waiting for changes\n");
  while (rc == 0 && !stop_requested) {
    int more = wait_once(&st, &opts);

    if (more < 0)
      rc = -1;
    if (more <= 0)
      break;
  }
  if (rc == 0)
    destroy_waitset(&st);
  wsc_global_cleanup();
  return rc == 0 ? 0 : 1;
}
