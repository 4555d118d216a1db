/* SPDX-License-Identifier: MIT */
/*
 * The smallest complete host of libwaitset: one in-memory account, a
 * waitset watching it for messages, a blocking Wait, and a change posted
 * by a timer that completes the Wait. It prints the notification and
 * closes everything, so a clean run ends with uv_loop_close() == 0.
 *
 * Build against an installed copy with
 *   cc host.c $(pkg-config --cflags --libs waitset) -o host
 */
#include <stdio.h>
#include <string.h>

#include <uv.h>
#include <waitset/waitset.h>

#define ACCOUNT_ID "aaaaaaaa-0000-0000-0000-000000000001"

struct demo {
  uv_loop_t loop;
  uv_timer_t change_timer;
  waitset_registry *reg;
  waitset_caller caller;
  char waitset_id[64];
  int64_t last_change_id;
  int exit_code;
};

/*
 * Complete every lookup from memory, at once. A host whose account
 * directory is slow would complete the lookup later instead.
 */
static void
lookup_account(waitset_registry *reg, waitset_lookup *lookup, void *data)
{
  struct demo *demo = data;
  waitset_account_info info;

  memset(&info, 0, sizeof(info));
  info.size = sizeof(info);
  if (strcmp(waitset_lookup_key(lookup), ACCOUNT_ID) == 0) {
    info.status = WAITSET_ACCOUNT_LOCAL;
    info.access = 1;
    info.id = ACCOUNT_ID;
    info.name = "user1@example.test";
    info.last_change_id = demo->last_change_id;
  } else {
    info.status = WAITSET_ACCOUNT_NOT_FOUND;
  }
  waitset_lookup_complete(lookup, &info);
}

static int64_t
last_change_id(waitset_registry *reg, const char *account_id, void *data)
{
  struct demo *demo = data;

  return strcmp(account_id, ACCOUNT_ID) == 0 ? demo->last_change_id : -1;
}

/* Commit one new message to Inbox (folder 2) and report it. */
static void
post_message(uv_timer_t *timer)
{
  struct demo *demo = timer->data;
  int32_t inbox = 2;
  waitset_item_info message;
  waitset_change change;

  memset(&message, 0, sizeof(message));
  message.id = 300;
  message.imap_uid = 300;
  message.type = WAITSET_ITEM_MESSAGE;
  message.folder_id = inbox;
  message.flags = 512; /* unread */

  memset(&change, 0, sizeof(change));
  change.size = sizeof(change);
  change.account_id = ACCOUNT_ID;
  change.change_id = ++demo->last_change_id;
  change.types = WAITSET_TYPE_MESSAGE | WAITSET_TYPE_FOLDER;
  change.folders = &inbox;
  change.folder_count = 1;
  change.created = &message;
  change.created_count = 1;
  waitset_post_change(demo->reg, &change);
}

static void
on_closed(waitset_registry *reg, void *data)
{
  struct demo *demo = data;

  uv_close((uv_handle_t *)&demo->change_timer, NULL);
}

static void
on_wait(waitset_registry *reg, const waitset_response *resp, void *data)
{
  struct demo *demo = data;
  size_t i;

  if (resp->status != 0) {
    fprintf(stderr, "host: wait failed: %s: %s\n",
            waitset_fault_code(resp->status), resp->fault_reason);
  } else {
    printf("seq %s, %zu signalled account(s)\n", resp->seq,
           resp->signal_count);
    for (i = 0; i < resp->signal_count; i++)
      printf("  %s changeid %lld\n", resp->signals[i].account_id,
             (long long)resp->signals[i].change_id);
    demo->exit_code = resp->signal_count == 1 ? 0 : 1;
  }
  waitset_registry_close(reg, on_closed, demo);
}

static void
on_create(waitset_registry *reg, const waitset_response *resp, void *data)
{
  struct demo *demo = data;
  waitset_request wait;

  if (resp->status != 0) {
    fprintf(stderr, "host: create failed: %s: %s\n",
            waitset_fault_code(resp->status), resp->fault_reason);
    waitset_registry_close(reg, on_closed, demo);
    return;
  }
  printf("created %s, seq %s\n", resp->waitset_id, resp->seq);
  snprintf(demo->waitset_id, sizeof(demo->waitset_id), "%s",
           resp->waitset_id);

  /* Park a blocking Wait, then let a timer commit a change. */
  memset(&wait, 0, sizeof(wait));
  wait.size = sizeof(wait);
  wait.op = WAITSET_OP_WAIT;
  wait.waitset_id = demo->waitset_id;
  wait.seq = resp->seq;
  wait.block = "1";
  waitset_execute(reg, &demo->caller, &wait, on_wait, demo, NULL);
  uv_timer_start(&demo->change_timer, post_message, 10, 0);
}

int
main(void)
{
  struct demo demo;
  waitset_host host;
  waitset_options *opts;
  waitset_account_spec account = {ACCOUNT_ID, NULL, NULL, NULL, NULL};
  waitset_request create;
  int err;

  memset(&demo, 0, sizeof(demo));
  demo.last_change_id = 100;
  demo.exit_code = 1;
  uv_loop_init(&demo.loop);
  uv_timer_init(&demo.loop, &demo.change_timer);
  demo.change_timer.data = &demo;

  memset(&host, 0, sizeof(host));
  host.size = sizeof(host);
  host.lookup_account = lookup_account;
  host.last_change_id = last_change_id;
  host.user_data = &demo;

  /* Shorten the no-data wait so the example finishes quickly. */
  waitset_options_new(&opts);
  waitset_options_set(opts, WAITSET_OPT_COALESCE_DELAY_MS, 0);
  err = waitset_registry_new(&demo.reg, &demo.loop, opts, &host);
  waitset_options_free(opts);
  if (err != 0) {
    fprintf(stderr, "host: registry: %s\n", waitset_strerror(err));
    return 1;
  }

  demo.caller.size = sizeof(demo.caller);
  demo.caller.account_id = ACCOUNT_ID;

  memset(&create, 0, sizeof(create));
  create.size = sizeof(create);
  create.op = WAITSET_OP_CREATE;
  create.def_types = "m";
  create.add = &account;
  create.add_count = 1;
  waitset_execute(demo.reg, &demo.caller, &create, on_create, &demo, NULL);

  uv_run(&demo.loop, UV_RUN_DEFAULT);
  if (uv_loop_close(&demo.loop) != 0) {
    fprintf(stderr, "host: a handle is still open\n");
    return 1;
  }
  return demo.exit_code;
}
