/* SPDX-License-Identifier: MIT */
/*
 * Core rules that the other suites leave out. They cover the 32-bit range
 * of folder ids, the order of syntax checks, duplicates within one Wait
 * and the events that refresh the idle clock. They also cover the owner
 * check on all-accounts Waits, eviction only by a successful Create, the
 * wire values of change bits, and how the records of one change are merged
 * and filtered for expand.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "wt.h"

static wt_fixture *fx;

static void
setup(void)
{
  fx = wt_fixture_new(NULL);
}

static void
teardown(void)
{
  wt_fixture_free(fx);
  fx = NULL;
}

static void
use_long_timeouts(void)
{
  wt_config cfg;

  wt_fixture_free(fx);
  wt_config_long_timeouts(&cfg);
  fx = wt_fixture_new(&cfg);
}

#define U1C wt_user(WT_U1)
#define ADC wt_global_admin(WT_AD)

/* Read the last-access time through a query without an id, which
 * refreshes no idle clock. */
static int64_t
last_access(const char *ws)
{
  wt_response *q = wt_query(fx, NULL);
  const wt_qwaitset *w = wt_find_qwaitset(q, ws);

  ck_assert_ptr_nonnull(w);
  return w->last_access_ms;
}

static int
exists(const char *ws)
{
  return wt_find_qwaitset(wt_query(fx, NULL), ws) != NULL;
}

static size_t
session_count(const char *ws)
{
  const wt_qwaitset *w = wt_find_qwaitset(wt_query(fx, ws), ws);

  ck_assert_ptr_nonnull(w);
  return w->session_count;
}

/* ------------------------------------------------------------------ */
/* Syntax                                                              */

START_TEST(folder_interests_int32_bounds)
{
  static const char *const good[] = {"2147483647", "-2147483648",
                                     "+2147483647"};
  static const char *const bad[] = {"2147483648", "-2147483649",
                                    "2,4294967298"};
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  size_t i;

  for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
    wt_request rq;
    wt_response *r;

    wt_req_wait(&rq, ws, "0");
    wt_req_update(&rq, WT_U1)->folder_interests = good[i];
    r = wt_call(fx, ADC, &rq);
    wt_assert_ok(r);
    wt_assert_no_errors(r);
  }
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    wt_request rq;
    wt_response *r;
    char quoted[48];

    snprintf(quoted, sizeof(quoted), "\"%s\"", bad[i]);
    wt_req_wait(&rq, ws, "0");
    wt_req_add(&rq, WT_U2)->folder_interests = bad[i];
    r = wt_call(fx, ADC, &rq);
    wt_assert_fault(r, "service.INVALID_REQUEST", "folderInterests",
                    quoted);
    ck_assert_ptr_null(
        wt_find_session(wt_find_qwaitset(wt_query(fx, ws), ws), WT_U2));
  }
}
END_TEST

/* Type lists trim every character up to U+0020 around each piece, tabs
 * and line breaks included. */
START_TEST(types_trim_control_characters)
{
  wt_request rq;
  wt_response *r;
  const char *ws;

  wt_req_create(&rq, "\tm,\nc\r ");
  r = wt_call(fx, ADC, &rq);
  wt_assert_ok(r);
  ck_assert_str_eq(r->def_types, "m,c");

  ws = wt_create(fx, ADC, "m", NULL);
  wt_req_wait(&rq, ws, "0");
  wt_req_add(&rq, WT_U1)->types = "\tc\t";
  r = wt_call(fx, ADC, &rq);
  wt_assert_no_errors(r);
  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_assert_no_accounts(wt_poll(fx, ADC, ws, "0"));
  wt_create_contact(fx, WT_U1, 400);
  wt_assert_accounts(wt_poll(fx, ADC, ws, "0"), WT_U1);
}
END_TEST

/* Each case carries two syntax faults, so the check order decides which
 * attribute the Fault names. */
enum order_case {
  ORDER_SEQ_BEFORE_DEF_TYPES,
  ORDER_DEF_TYPES_BEFORE_TIMEOUT,
  ORDER_PRESENCE_BEFORE_TOKEN,
  ORDER_TOKEN_BEFORE_TYPES,
  ORDER_TYPES_BEFORE_FOLDERS,
  ORDER_ADD_BEFORE_UPDATE,
  ORDER_UPDATE_BEFORE_REMOVE,
  ORDER_DOCUMENT_ORDER_IN_LIST,
  ORDER_CASE_COUNT
};

START_TEST(validation_check_order)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  const char *expected = NULL;
  wt_request rq;
  waitset_account_spec *a;

  wt_req_wait(&rq, ws, "0");
  switch (_i) {
  case ORDER_SEQ_BEFORE_DEF_TYPES:
    rq.req.seq = "s";
    rq.req.def_types = "x";
    expected = "seq";
    break;
  case ORDER_DEF_TYPES_BEFORE_TIMEOUT:
    rq.req.def_types = "x";
    rq.req.timeout = "y";
    expected = "defTypes";
    break;
  case ORDER_PRESENCE_BEFORE_TOKEN:
    wt_req_add(&rq, NULL)->token = "abc";
    expected = "missing required attribute";
    break;
  case ORDER_TOKEN_BEFORE_TYPES:
    a = wt_req_add(&rq, WT_U2);
    a->token = "abc";
    a->types = "x";
    expected = "malformed sync token";
    break;
  case ORDER_TYPES_BEFORE_FOLDERS:
    a = wt_req_add(&rq, WT_U2);
    a->types = "x";
    a->folder_interests = "abc";
    expected = "types";
    break;
  case ORDER_ADD_BEFORE_UPDATE:
    wt_req_update(&rq, WT_U1)->token = "abc";
    wt_req_add(&rq, WT_U2)->types = "x";
    expected = "types";
    break;
  case ORDER_UPDATE_BEFORE_REMOVE:
    wt_req_remove(&rq, NULL);
    wt_req_update(&rq, WT_U1)->folder_interests = "abc";
    expected = "folderInterests";
    break;
  case ORDER_DOCUMENT_ORDER_IN_LIST:
    wt_req_add(&rq, WT_U2)->folder_interests = "abc";
    wt_req_add(&rq, WT_U3)->types = "x";
    expected = "folderInterests";
    break;
  default:
    ck_abort_msg("unknown case %d", _i);
  }
  wt_assert_fault(wt_call(fx, ADC, &rq), "service.INVALID_REQUEST", expected,
                  NULL);
  ck_assert_uint_eq(session_count(ws), 1);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Accounts                                                            */

START_TEST(wait_duplicate_add_in_one_list)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  wt_request rq;
  wt_response *r;

  wt_req_wait(&rq, ws, "0");
  wt_req_add(&rq, WT_U2)->types = "m";
  wt_req_add(&rq, WT_U2)->types = "c";
  r = wt_call(fx, ADC, &rq);
  wt_assert_seq(r, "0");
  wt_assert_errors(r, 1, WT_U2, WAITSET_ACCOUNT_ALREADY_IN_SET_DURING_ADD);
  ck_assert_uint_eq(session_count(ws), 2);
  /* The first entry's settings stay: a message signals and a contact does
   * not. */
  wt_create_contact(fx, WT_U2, 400);
  wt_assert_no_accounts(wt_poll(fx, ADC, ws, "0"));
  wt_deliver(fx, WT_U2, WT_INBOX, 300);
  wt_assert_accounts(wt_poll(fx, ADC, ws, "0"), WT_U2);
}
END_TEST

START_TEST(update_unknown_name_reported)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  wt_request rq;
  wt_response *r;

  wt_req_wait(&rq, ws, "0");
  wt_req_update(&rq, NULL)->name = "nobody@ex.test";
  wt_req_add(&rq, WT_U1);
  r = wt_call(fx, ADC, &rq);
  /* Add errors come before update errors, whatever the list order. */
  wt_assert_errors(r, 2, WT_U1, WAITSET_ACCOUNT_ALREADY_IN_SET_DURING_ADD,
                   "nobody@ex.test", WAITSET_ACCOUNT_NO_SUCH_ACCOUNT);

  /* A known name resolves, and the update applies to that account. */
  wt_req_wait(&rq, ws, "0");
  wt_req_update(&rq, NULL)->name = WT_U1_NAME;
  rq.update[0].types = "c";
  r = wt_call(fx, ADC, &rq);
  wt_assert_no_errors(r);
  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_assert_no_accounts(wt_poll(fx, ADC, ws, "0"));
  wt_create_contact(fx, WT_U1, 400);
  wt_assert_accounts(wt_poll(fx, ADC, ws, "0"), WT_U1);
}
END_TEST

START_TEST(remove_rights_checked)
{
  const char *ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  wt_request rq;

  wt_account_grant(fx, WT_U1, WT_U2);
  wt_req_wait(&rq, ws, "0");
  wt_req_add(&rq, WT_U2);
  wt_req_remove(&rq, WT_NOBODY);
  wt_assert_fault(wt_call(fx, U1C, &rq), "service.PERM_DENIED",
                  "can not access account " WT_NOBODY, NULL);
  ck_assert_uint_eq(session_count(ws), 1);

  wt_req_wait(&rq, ws, "0");
  wt_req_add(&rq, WT_U2);
  wt_req_remove(&rq, WT_U3);
  wt_assert_fault(wt_call(fx, U1C, &rq), "service.PERM_DENIED",
                  "cannot access account " WT_U3_NAME, NULL);
  ck_assert_uint_eq(session_count(ws), 1);
}
END_TEST

/* Accounts are checked in the order add, update, remove, so the first
 * entry that fails in that order names the Fault. */
START_TEST(account_rights_check_order)
{
  const char *ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  wt_request rq;

  wt_req_wait(&rq, ws, "0");
  wt_req_remove(&rq, WT_NOBODY);
  wt_req_update(&rq, WT_U2);
  wt_req_add(&rq, WT_U3);
  wt_assert_fault(wt_call(fx, U1C, &rq), "service.PERM_DENIED",
                  "cannot access account " WT_U3_NAME, NULL);

  wt_req_wait(&rq, ws, "0");
  wt_req_remove(&rq, WT_NOBODY);
  wt_req_update(&rq, WT_U3);
  wt_assert_fault(wt_call(fx, U1C, &rq), "service.PERM_DENIED",
                  "cannot access account " WT_U3_NAME, NULL);
  ck_assert_uint_eq(session_count(ws), 1);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Idle clock                                                          */

START_TEST(idle_clock_kept_on_rights_fault)
{
  const char *ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  wt_request rq;
  int64_t before;

  wt_run_for(fx, 5);
  before = last_access(ws);
  wt_run_for(fx, 5);

  /* The owner check passes, and then the account check faults. */
  wt_req_wait(&rq, ws, "0");
  wt_req_add(&rq, WT_NOBODY);
  wt_assert_fault(wt_call(fx, U1C, &rq), "service.PERM_DENIED",
                  "can not access account", NULL);
  wt_run_for(fx, 5);
  wt_req_wait(&rq, ws, "0");
  wt_req_update(&rq, WT_U3);
  wt_assert_fault(wt_call(fx, U1C, &rq), "service.PERM_DENIED",
                  "cannot access account", NULL);
  wt_run_for(fx, 5);
  wt_req_wait(&rq, ws, "abc");
  wt_assert_fault(wt_call(fx, U1C, &rq), "service.INVALID_REQUEST", "seq",
                  NULL);
  ck_assert_int_eq(last_access(ws), before);
}
END_TEST

START_TEST(idle_clock_refreshed_by_data_response)
{
  const char *ws;
  wt_request rq;
  wt_response *parked;
  int64_t before;
  int64_t after;

  use_long_timeouts();
  ws = wt_create(fx, U1C, "m", WT_U1, NULL);
  wt_req_wait(&rq, ws, "0");
  rq.req.block = "1";
  parked = wt_exec(fx, U1C, &rq);
  wt_run_for(fx, 80);
  ck_assert_int_eq(parked->done, 0);
  before = last_access(ws);

  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_run_until_done(fx, parked);
  wt_assert_seq(parked, "2");
  after = last_access(ws);
  ck_assert_msg(after >= before + 50,
                "last access %lld ms, %lld ms before the response",
                (long long)after, (long long)before);
}
END_TEST

START_TEST(idle_clock_refreshed_at_expiry)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  wt_request rq;
  wt_response *r;
  int64_t before;
  int64_t after;

  wt_req_wait(&rq, ws, "0");
  wt_req_admin(&rq);
  rq.req.block = "1";
  rq.req.timeout = "0"; /* the admin minimum, 1 s in this fixture */
  r = wt_exec(fx, ADC, &rq);
  wt_run_for(fx, 5);
  before = last_access(ws);
  wt_run_until_done(fx, r);
  wt_assert_seq(r, "0");
  ck_assert_int_eq(r->canceled, 0);
  after = last_access(ws);
  ck_assert_msg(after >= before + 900,
                "last access %lld ms, %lld ms before the expiry",
                (long long)after, (long long)before);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Ownership and eviction                                              */

START_TEST(all_wait_other_global_admin_denied)
{
  wt_request rq;
  wt_response *r;
  const char *ws;

  wt_req_create(&rq, "all");
  wt_req_admin(&rq);
  rq.req.all_accounts = "1";
  r = wt_call(fx, ADC, &rq);
  wt_assert_ok(r);
  ws = r->waitset_id;

  /* A second global admin passes the global-admin check but is not the
   * owner, which is the requested account of the Create. */
  wt_req_wait(&rq, ws, "0");
  wt_req_admin(&rq);
  r = wt_call(fx, wt_global_admin(WT_U2), &rq);
  wt_assert_fault(r, "service.PERM_DENIED", "Not owner", NULL);
  wt_req_wait(&rq, ws, "0");
  wt_req_admin(&rq);
  r = wt_call(fx, ADC, &rq);
  wt_assert_seq(r, "0");
}
END_TEST

START_TEST(failed_create_evicts_nothing)
{
  const char *w[5];
  const char *fresh;
  wt_request rq;
  wt_response *r;
  int i;

  for (i = 0; i < 5; i++) {
    w[i] = wt_create(fx, U1C, "m", WT_U1, NULL);
    wt_run_for(fx, 2);
  }

  wt_req_create(&rq, "m");
  wt_req_add(&rq, WT_NOBODY);
  wt_assert_fault(wt_call(fx, U1C, &rq), "service.PERM_DENIED", NULL, NULL);
  wt_req_create(&rq, "x");
  wt_assert_fault(wt_call(fx, U1C, &rq), "service.INVALID_REQUEST",
                  "defTypes", NULL);
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 5);
  for (i = 0; i < 5; i++)
    ck_assert_msg(exists(w[i]), "W%d was destroyed by a failed create",
                  i + 1);

  /* A Create with an add error still succeeds and evicts one. */
  wt_account_grant(fx, WT_U1, WT_U9);
  wt_req_create(&rq, "m");
  wt_req_add(&rq, WT_U9);
  r = wt_call(fx, U1C, &rq);
  wt_assert_errors(r, 1, WT_U9, WAITSET_ACCOUNT_WRONG_HOST_FOR_ACCOUNT);
  fresh = r->waitset_id;
  ck_assert(exists(fresh));
  ck_assert(!exists(w[0]));
  ck_assert_uint_eq(waitset_registry_count(wt_registry(fx)), 5);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Expand records of one change                                        */

START_TEST(expand_same_item_twice_in_change)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  waitset_change c;
  waitset_item_info it[2];
  int32_t folder = WT_INBOX;
  wt_response *r;
  const wt_mods *m;

  memset(&c, 0, sizeof(c));
  memset(it, 0, sizeof(it));
  it[0].id = 300;
  it[0].imap_uid = 300;
  it[0].type = WAITSET_ITEM_MESSAGE;
  it[0].folder_id = WT_INBOX;
  it[0].flags = 512;
  it[0].change = WAITSET_CHANGE_FLAGS;
  it[1] = it[0];
  it[1].flags = 544;
  it[1].change = WAITSET_CHANGE_TAGS;
  it[1].tags = "red";
  c.size = sizeof(c);
  c.account_id = WT_U1;
  c.types = WAITSET_TYPE_MESSAGE;
  c.folders = &folder;
  c.folder_count = 1;
  c.modified = it;
  c.modified_count = 2;
  wt_post(fx, &c);

  r = wt_poll_expand(fx, ADC, ws, "0");
  m = wt_find_mods(wt_assert_has_account(r, WT_U1), WT_INBOX);
  ck_assert_ptr_nonnull(m);
  ck_assert_uint_eq(m->modified_count, 1);
  ck_assert_int_eq(m->modified[0].id, 300);
  ck_assert_int_eq(m->modified[0].change,
                   WAITSET_CHANGE_FLAGS | WAITSET_CHANGE_TAGS);
  ck_assert_int_eq(m->modified[0].flags, 544);
  ck_assert_str_eq(m->modified[0].tags, "red");
}
END_TEST

/* Post one change to U1 in Inbox with a single created or deleted item. */
static void
post_single_record(int deleted, int32_t item, int32_t flags)
{
  waitset_change c;
  waitset_item_info it;
  int32_t folder = WT_INBOX;

  memset(&c, 0, sizeof(c));
  memset(&it, 0, sizeof(it));
  it.id = item;
  it.imap_uid = item;
  it.type = WAITSET_ITEM_MESSAGE;
  it.folder_id = WT_INBOX;
  it.flags = flags;
  c.size = sizeof(c);
  c.account_id = WT_U1;
  c.types = WAITSET_TYPE_MESSAGE;
  c.folders = &folder;
  c.folder_count = 1;
  if (deleted) {
    c.deleted = &it;
    c.deleted_count = 1;
  } else {
    c.created = &it;
    c.created_count = 1;
  }
  wt_post(fx, &c);
}

START_TEST(expand_same_kind_record_replaced)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  wt_response *r;
  const wt_mods *m;

  post_single_record(0, 300, 512);
  post_single_record(0, 300, 544);
  post_single_record(1, 301, 0);
  post_single_record(1, 301, 0);
  r = wt_poll_expand(fx, ADC, ws, "0");
  m = wt_find_mods(wt_assert_has_account(r, WT_U1), WT_INBOX);
  ck_assert_ptr_nonnull(m);
  ck_assert_uint_eq(m->created_count, 1);
  ck_assert_int_eq(m->created[0].id, 300);
  ck_assert_int_eq(m->created[0].flags, 544);
  ck_assert_uint_eq(m->deleted_count, 1);
  ck_assert_int_eq(m->deleted[0].id, 301);

  /* The same holds when the later record arrives after a send and the
   * client resends its stale seq. */
  post_single_record(0, 300, 32);
  r = wt_poll_expand(fx, ADC, ws, "0");
  wt_assert_seq(r, "3");
  m = wt_find_mods(wt_assert_has_account(r, WT_U1), WT_INBOX);
  ck_assert_ptr_nonnull(m);
  ck_assert_uint_eq(m->created_count, 1);
  ck_assert_int_eq(m->created[0].flags, 32);
  ck_assert_uint_eq(m->deleted_count, 1);
}
END_TEST

/* The change reason bits have fixed wire values, which clients decode from
 * <modMsgs change="..">. */
START_TEST(change_bits_match_wire_values)
{
  ck_assert_int_eq(WAITSET_CHANGE_UNREAD, 1);
  ck_assert_int_eq(WAITSET_CHANGE_TAGS, 2);
  ck_assert_int_eq(WAITSET_CHANGE_FLAGS, 4);
  ck_assert_int_eq(WAITSET_CHANGE_CONFIG, 8);
  ck_assert_int_eq(WAITSET_CHANGE_SIZE, 16);
  ck_assert_int_eq(WAITSET_CHANGE_DATE, 32);
  ck_assert_int_eq(WAITSET_CHANGE_SUBJECT, 64);
  ck_assert_int_eq(WAITSET_CHANGE_IMAP_UID, 128);
  ck_assert_int_eq(WAITSET_CHANGE_FOLDER, 256);
  ck_assert_int_eq(WAITSET_CHANGE_PARENT, 512);
  ck_assert_int_eq(WAITSET_CHANGE_CHILDREN, 1024);
  ck_assert_int_eq(WAITSET_CHANGE_SENDERS, 2048);
  ck_assert_int_eq(WAITSET_CHANGE_NAME, 4096);
  ck_assert_int_eq(WAITSET_CHANGE_COLOR, 8192);
  ck_assert_int_eq(WAITSET_CHANGE_POSITION, 16384);
  ck_assert_int_eq(WAITSET_CHANGE_QUERY, 32768);
  ck_assert_int_eq(WAITSET_CHANGE_CONTENT, 65536);
}
END_TEST

/* Bits without a header constant (MODSEQ, POP3UID and the rest) reach the
 * response unchanged. */
START_TEST(expand_high_change_bits_kept)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  const int32_t modseq = 0x20000000;
  const int32_t pop3uid = 0x40000000;
  waitset_change c;
  waitset_item_info it;
  int32_t folder = WT_INBOX;
  wt_response *r;
  const wt_mods *m;

  memset(&c, 0, sizeof(c));
  memset(&it, 0, sizeof(it));
  it.id = 300;
  it.imap_uid = 300;
  it.type = WAITSET_ITEM_MESSAGE;
  it.folder_id = WT_INBOX;
  it.change = modseq | pop3uid | WAITSET_CHANGE_FLAGS;
  c.size = sizeof(c);
  c.account_id = WT_U1;
  c.types = WAITSET_TYPE_MESSAGE;
  c.folders = &folder;
  c.folder_count = 1;
  c.modified = &it;
  c.modified_count = 1;
  wt_post(fx, &c);

  r = wt_poll_expand(fx, ADC, ws, "0");
  m = wt_find_mods(wt_assert_has_account(r, WT_U1), WT_INBOX);
  ck_assert_ptr_nonnull(m);
  ck_assert_uint_eq(m->modified_count, 1);
  ck_assert_int_eq(m->modified[0].change,
                   modseq | pop3uid | WAITSET_CHANGE_FLAGS);
}
END_TEST

START_TEST(expand_tag_copy_filtered_by_parent)
{
  wt_request rq;
  wt_response *r;
  const char *ws;
  waitset_change c;
  waitset_item_info folders[2];
  waitset_tag_info tag;
  /* The folders themselves and their parents, as a host reports them. */
  int32_t changed[4] = {300, 400, WT_FUN, WT_INBOX};
  const wt_signal *s;
  const wt_mods *m;

  wt_req_create(&rq, "f");
  wt_req_add(&rq, WT_U1)->folder_interests = "257";
  r = wt_call(fx, ADC, &rq);
  wt_assert_ok(r);
  ws = r->waitset_id;

  /* Folder 300 sits in the watched folder 257, folder 400 in Inbox. */
  memset(&c, 0, sizeof(c));
  memset(folders, 0, sizeof(folders));
  memset(&tag, 0, sizeof(tag));
  folders[0].id = 300;
  folders[0].type = WAITSET_ITEM_FOLDER;
  folders[0].folder_id = WT_FUN;
  folders[0].change = WAITSET_CHANGE_NAME;
  folders[1] = folders[0];
  folders[1].id = 400;
  folders[1].folder_id = WT_INBOX;
  tag.id = 64;
  tag.change = WAITSET_CHANGE_COLOR;
  tag.name = "red";
  c.size = sizeof(c);
  c.account_id = WT_U1;
  c.types = WAITSET_TYPE_FOLDER;
  c.folders = changed;
  c.folder_count = 4;
  c.modified = folders;
  c.modified_count = 2;
  c.modified_tags = &tag;
  c.modified_tag_count = 1;
  wt_post(fx, &c);

  r = wt_poll_expand(fx, ADC, ws, "0");
  s = wt_assert_has_account(r, WT_U1);
  m = wt_find_mods(s, 300);
  ck_assert_msg(m != NULL, "no <mods> for folder 300 whose parent is 257");
  ck_assert_uint_eq(m->modified_tag_count, 1);
  ck_assert_int_eq(m->modified_tags[0].id, 64);
  ck_assert_ptr_null(wt_find_mods(s, 400));
  ck_assert_ptr_null(wt_find_mods(s, WT_INBOX));
}
END_TEST

static Suite *
rules_extra_suite(void)
{
  Suite *s = suite_create("rules_extra");
  TCase *tc = tcase_create("rules_extra");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, folder_interests_int32_bounds);
  tcase_add_test(tc, types_trim_control_characters);
  tcase_add_loop_test(tc, validation_check_order, 0, ORDER_CASE_COUNT);
  tcase_add_test(tc, wait_duplicate_add_in_one_list);
  tcase_add_test(tc, update_unknown_name_reported);
  tcase_add_test(tc, remove_rights_checked);
  tcase_add_test(tc, account_rights_check_order);
  tcase_add_test(tc, idle_clock_kept_on_rights_fault);
  tcase_add_test(tc, idle_clock_refreshed_by_data_response);
  tcase_add_test(tc, idle_clock_refreshed_at_expiry);
  tcase_add_test(tc, all_wait_other_global_admin_denied);
  tcase_add_test(tc, failed_create_evicts_nothing);
  tcase_add_test(tc, expand_same_item_twice_in_change);
  tcase_add_test(tc, expand_same_kind_record_replaced);
  tcase_add_test(tc, change_bits_match_wire_values);
  tcase_add_test(tc, expand_high_change_bits_kept);
  tcase_add_test(tc, expand_tag_copy_filtered_by_parent);
  suite_add_tcase(s, tc);
  return s;
}

int
main(void)
{
  return wt_run_suite(rules_extra_suite());
}
