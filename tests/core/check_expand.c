/* SPDX-License-Identifier: MIT */
/* Tests of folder interests, expand output and change-record merging. */
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

#define ADC wt_global_admin(WT_AD)

static const char *
create_with_folders(const char *types, const char *acct, const char *folders)
{
  wt_request rq;
  wt_response *r;

  wt_req_create(&rq, types);
  wt_req_add(&rq, acct)->folder_interests = folders;
  r = wt_call(fx, ADC, &rq);
  wt_assert_ok(r);
  wt_assert_no_errors(r);
  return r->waitset_id;
}

static const wt_session *
session_of(const char *ws, const char *acct)
{
  wt_response *q = wt_query(fx, ws);
  const wt_qwaitset *w = wt_find_qwaitset(q, ws);
  const wt_session *s;

  ck_assert_ptr_nonnull(w);
  s = wt_find_session(w, acct);
  ck_assert_ptr_nonnull(s);
  return s;
}

static const wt_item *
find_item(const wt_item *items, size_t n, int32_t id)
{
  size_t i;

  for (i = 0; i < n; i++)
    if (items[i].id == id)
      return &items[i];
  return NULL;
}

START_TEST(expand_folder_filter_blocks_other)
{
  const char *ws = create_with_folders("all", WT_U1, "257");
  wt_response *r;
  const wt_signal *s;
  const wt_mods *m;

  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  r = wt_poll(fx, ADC, ws, "0");
  wt_assert_seq(r, "0");
  wt_assert_no_accounts(r);

  wt_deliver(fx, WT_U1, WT_FUN, 301);
  r = wt_poll_expand(fx, ADC, ws, "0");
  wt_assert_seq(r, "2");
  s = wt_assert_has_account(r, WT_U1);
  ck_assert_uint_eq(s->mods_count, 1);
  m = wt_find_mods(s, WT_FUN);
  ck_assert_ptr_nonnull(m);
  ck_assert_uint_eq(m->created_count, 1);
  ck_assert_int_eq(m->created[0].id, 301);
  ck_assert_int_eq(m->created[0].imap_uid, 301);
  ck_assert_int_eq(m->created[0].type, WAITSET_ITEM_MESSAGE);
  ck_assert_int_eq(m->created[0].flags, 512);
  ck_assert_uint_eq(m->deleted_count, 0);
  ck_assert_uint_eq(m->modified_count, 0);
}
END_TEST

START_TEST(expand_without_folder_interests)
{
  const char *ws = wt_create(fx, ADC, "all", WT_U1, NULL);
  wt_response *r;
  const wt_signal *s;
  const wt_mods *m;

  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  r = wt_poll_expand(fx, ADC, ws, "0");
  s = wt_assert_has_account(r, WT_U1);
  ck_assert_uint_eq(s->mods_count, 1);
  m = wt_find_mods(s, WT_INBOX);
  ck_assert_ptr_nonnull(m);
  ck_assert_uint_eq(m->created_count, 1);
  ck_assert_int_eq(m->created[0].id, 300);
}
END_TEST

START_TEST(expand_absent_no_mods)
{
  const char *ws = create_with_folders("all", WT_U1, "2");
  wt_response *r;
  const wt_signal *s;

  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  r = wt_poll(fx, ADC, ws, "0");
  s = wt_assert_has_account(r, WT_U1);
  ck_assert_uint_eq(s->mods_count, 0);
}
END_TEST

START_TEST(expand_only_interesting_folders)
{
  const char *ws = create_with_folders("all", WT_U1, "257,2");
  wt_response *r;
  const wt_signal *s;

  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  r = wt_poll_expand(fx, ADC, ws, "0");
  s = wt_assert_has_account(r, WT_U1);
  ck_assert_uint_eq(s->mods_count, 1);
  ck_assert_ptr_nonnull(wt_find_mods(s, WT_INBOX));
}
END_TEST

START_TEST(expand_each_account_own_mods)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, WT_U2, NULL);
  wt_response *r;
  const wt_signal *s1;
  const wt_signal *s2;

  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_deliver(fx, WT_U2, WT_FUN, 400);
  r = wt_poll_expand(fx, ADC, ws, "0");
  s1 = wt_assert_has_account(r, WT_U1);
  s2 = wt_assert_has_account(r, WT_U2);
  ck_assert_uint_eq(s1->mods_count, 1);
  ck_assert_uint_eq(s2->mods_count, 1);
  ck_assert_int_eq(wt_find_mods(s1, WT_INBOX)->created[0].id, 300);
  ck_assert_int_eq(wt_find_mods(s2, WT_FUN)->created[0].id, 400);
}
END_TEST

START_TEST(expand_bad_folder_interests_rejected)
{
  static const char *const bad[] = {"2,abc", "abc", "2;3", "1.5",
                                    "99999999999"};
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  size_t i;

  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    wt_request rq;
    wt_response *r;
    char quoted[48];

    snprintf(quoted, sizeof(quoted), "\"%s\"", bad[i]);
    wt_req_wait(&rq, ws, "0");
    wt_req_add(&rq, WT_U2);
    wt_req_update(&rq, WT_U1)->folder_interests = bad[i];
    r = wt_call(fx, ADC, &rq);
    wt_assert_fault(r, "service.INVALID_REQUEST", "folderInterests",
                    quoted);
    ck_assert_ptr_null(
        wt_find_session(wt_find_qwaitset(wt_query(fx, ws), ws), WT_U2));
  }
}
END_TEST

START_TEST(expand_folder_interests_parsing)
{
  const char *ws = create_with_folders("m", WT_U1, " 2 , ,5");
  const wt_session *s = session_of(ws, WT_U1);

  ck_assert_ptr_nonnull(s->folder_interests);
  ck_assert_msg(strcmp(s->folder_interests, "2,5") == 0 ||
                    strcmp(s->folder_interests, "5,2") == 0,
                "folder interests printed as \"%s\"", s->folder_interests);
  ws = create_with_folders("m", WT_U2, "");
  s = session_of(ws, WT_U2);
  ck_assert_ptr_null(s->folder_interests);
  /* Duplicates collapse; the order of the printed set is not fixed. */
  ws = create_with_folders("m", WT_U3, "5,2,5,+2");
  s = session_of(ws, WT_U3);
  ck_assert_ptr_nonnull(s->folder_interests);
  ck_assert_msg(strcmp(s->folder_interests, "2,5") == 0 ||
                    strcmp(s->folder_interests, "5,2") == 0,
                "folder interests printed as \"%s\"", s->folder_interests);
}
END_TEST

START_TEST(expand_empty_interests_all_folders)
{
  const char *ws = create_with_folders("m", WT_U1, "");

  wt_deliver(fx, WT_U1, WT_FUN, 300);
  wt_assert_accounts(wt_poll(fx, ADC, ws, "0"), WT_U1);
}
END_TEST

START_TEST(expand_move_out_of_watched)
{
  const char *ws = create_with_folders("m", WT_U1, "257");
  wt_response *r;
  const wt_signal *s;
  const wt_mods *m;

  wt_deliver(fx, WT_U1, WT_FUN, 300);
  wt_assert_seq(wt_poll(fx, ADC, ws, "0"), "2");
  wt_assert_seq(wt_poll(fx, ADC, ws, "2"), "2");
  wt_move(fx, WT_U1, 300, WT_FUN, WT_INBOX);
  r = wt_poll_expand(fx, ADC, ws, "2");
  wt_assert_seq(r, "3");
  s = wt_assert_has_account(r, WT_U1);
  ck_assert_uint_eq(s->mods_count, 1);
  ck_assert_ptr_null(wt_find_mods(s, WT_INBOX));
  m = wt_find_mods(s, WT_FUN);
  ck_assert_ptr_nonnull(m);
  ck_assert_uint_eq(m->modified_count, 1);
  ck_assert_int_eq(m->modified[0].id, 300);
  ck_assert_int_ne(m->modified[0].change & WAITSET_CHANGE_FOLDER, 0);
}
END_TEST

START_TEST(expand_move_filed_under_both)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  wt_response *r;
  const wt_signal *s;

  wt_move(fx, WT_U1, 300, WT_FUN, WT_INBOX);
  r = wt_poll_expand(fx, ADC, ws, "0");
  s = wt_assert_has_account(r, WT_U1);
  ck_assert_uint_eq(s->mods_count, 2);
  ck_assert_uint_eq(wt_find_mods(s, WT_FUN)->modified_count, 1);
  ck_assert_uint_eq(wt_find_mods(s, WT_INBOX)->modified_count, 1);
}
END_TEST

START_TEST(expand_delete_only_change)
{
  const char *ws = create_with_folders("m", WT_U1, "2");
  wt_response *r;
  const wt_signal *s;
  const wt_mods *m;

  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_assert_seq(wt_poll(fx, ADC, ws, "0"), "2");
  wt_assert_seq(wt_poll(fx, ADC, ws, "2"), "2");
  wt_delete(fx, WT_U1, WT_INBOX, 300);
  r = wt_poll_expand(fx, ADC, ws, "2");
  wt_assert_seq(r, "3");
  s = wt_assert_has_account(r, WT_U1);
  m = wt_find_mods(s, WT_INBOX);
  ck_assert_ptr_nonnull(m);
  ck_assert_uint_eq(m->deleted_count, 1);
  ck_assert_int_eq(m->deleted[0].id, 300);
  ck_assert_int_eq(m->deleted[0].type, WAITSET_ITEM_MESSAGE);
}
END_TEST

START_TEST(expand_delete_unknown_folder_minus_one)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  wt_response *r;
  const wt_signal *s;
  const wt_mods *m;

  wt_delete(fx, WT_U1, -1, 300);
  r = wt_poll_expand(fx, ADC, ws, "0");
  s = wt_assert_has_account(r, WT_U1);
  m = wt_find_mods(s, -1);
  ck_assert_ptr_nonnull(m);
  ck_assert_uint_eq(m->deleted_count, 1);
  ck_assert_int_eq(m->deleted[0].id, 300);
}
END_TEST

START_TEST(expand_delete_minus_one_filtered)
{
  const char *ws = create_with_folders("m", WT_U1, "2");
  waitset_change c;
  waitset_item_info d;
  int32_t folder = WT_INBOX;
  wt_response *r;
  const wt_signal *s;

  /* The change touches Inbox, but the host does not know the deleted
   * item's folder, so its record goes under -1, which the filter drops. */
  memset(&c, 0, sizeof(c));
  memset(&d, 0, sizeof(d));
  c.size = sizeof(c);
  c.account_id = WT_U1;
  c.types = WAITSET_TYPE_MESSAGE;
  c.folders = &folder;
  c.folder_count = 1;
  d.id = 300;
  d.type = WAITSET_ITEM_MESSAGE;
  d.folder_id = -1;
  c.deleted = &d;
  c.deleted_count = 1;
  wt_post(fx, &c);
  r = wt_poll_expand(fx, ADC, ws, "0");
  s = wt_assert_has_account(r, WT_U1);
  ck_assert_uint_eq(s->mods_count, 0);
}
END_TEST

START_TEST(expand_deleted_folder_under_own_id)
{
  const char *ws = wt_create(fx, ADC, "f", WT_U1, NULL);
  waitset_change c;
  waitset_item_info d;
  int32_t folder = WT_FUN;
  wt_response *r;
  const wt_mods *m;

  memset(&c, 0, sizeof(c));
  memset(&d, 0, sizeof(d));
  c.size = sizeof(c);
  c.account_id = WT_U1;
  c.types = WAITSET_TYPE_FOLDER;
  c.folders = &folder;
  c.folder_count = 1;
  d.id = WT_FUN;
  d.type = WAITSET_ITEM_FOLDER;
  d.folder_id = 1;
  c.deleted = &d;
  c.deleted_count = 1;
  wt_post(fx, &c);
  r = wt_poll_expand(fx, ADC, ws, "0");
  m = wt_find_mods(wt_assert_has_account(r, WT_U1), WT_FUN);
  ck_assert_ptr_nonnull(m);
  ck_assert_uint_eq(m->deleted_count, 1);
  ck_assert_int_eq(m->deleted[0].type, WAITSET_ITEM_FOLDER);
}
END_TEST

START_TEST(expand_rename_listed_without_mods)
{
  const char *ws = create_with_folders("f,m", WT_U1, "257");
  wt_response *r;
  const wt_signal *s;

  wt_rename_folder(fx, WT_U1, WT_FUN);
  r = wt_poll_expand(fx, ADC, ws, "0");
  wt_assert_seq(r, "2");
  s = wt_assert_has_account(r, WT_U1);
  ck_assert_uint_eq(s->mods_count, 0);
}
END_TEST

START_TEST(expand_merges_several_changes)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  wt_response *r;
  const wt_mods *m;
  const wt_item *it;
  int round;

  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_deliver(fx, WT_U1, WT_INBOX, 301);
  wt_flag(fx, WT_U1, WT_INBOX, 300);
  for (round = 0; round < 2; round++) {
    r = wt_poll_expand(fx, ADC, ws, "0");
    wt_assert_seq(r, round == 0 ? "2" : "3");
    m = wt_find_mods(wt_assert_has_account(r, WT_U1), WT_INBOX);
    ck_assert_ptr_nonnull(m);
    ck_assert_uint_eq(m->created_count, 2);
    ck_assert_ptr_nonnull(find_item(m->created, m->created_count, 300));
    ck_assert_ptr_nonnull(find_item(m->created, m->created_count, 301));
    ck_assert_uint_eq(m->modified_count, 1);
    it = find_item(m->modified, m->modified_count, 300);
    ck_assert_ptr_nonnull(it);
    ck_assert_int_ne(it->change & WAITSET_CHANGE_FLAGS, 0);
  }
}
END_TEST

START_TEST(expand_merges_current_into_sent)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  wt_response *r;
  const wt_mods *m;

  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_assert_seq(wt_poll_expand(fx, ADC, ws, "0"), "2");
  wt_deliver(fx, WT_U1, WT_INBOX, 301);
  r = wt_poll_expand(fx, ADC, ws, "0");
  wt_assert_seq(r, "3");
  m = wt_find_mods(wt_assert_has_account(r, WT_U1), WT_INBOX);
  ck_assert_ptr_nonnull(m);
  ck_assert_uint_eq(m->created_count, 2);
}
END_TEST

START_TEST(expand_modified_bits_ored)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  waitset_change c;
  waitset_item_info it;
  int32_t folder = WT_INBOX;
  wt_response *r;
  const wt_mods *m;

  wt_flag(fx, WT_U1, WT_INBOX, 300);
  memset(&c, 0, sizeof(c));
  memset(&it, 0, sizeof(it));
  c.size = sizeof(c);
  c.account_id = WT_U1;
  c.types = WAITSET_TYPE_MESSAGE;
  c.folders = &folder;
  c.folder_count = 1;
  it.id = 300;
  it.imap_uid = 300;
  it.type = WAITSET_ITEM_MESSAGE;
  it.folder_id = WT_INBOX;
  it.flags = 0;
  it.change = WAITSET_CHANGE_UNREAD;
  c.modified = &it;
  c.modified_count = 1;
  wt_post(fx, &c);
  r = wt_poll_expand(fx, ADC, ws, "0");
  m = wt_find_mods(wt_assert_has_account(r, WT_U1), WT_INBOX);
  ck_assert_ptr_nonnull(m);
  ck_assert_uint_eq(m->modified_count, 1);
  ck_assert_int_eq(m->modified[0].change,
                   WAITSET_CHANGE_FLAGS | WAITSET_CHANGE_UNREAD);
  /* The newest item data is kept. */
  ck_assert_int_eq(m->modified[0].flags, 0);
}
END_TEST

START_TEST(expand_created_modified_deleted_side_by_side)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  wt_response *r;
  const wt_mods *m;

  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_flag(fx, WT_U1, WT_INBOX, 300);
  wt_delete(fx, WT_U1, WT_INBOX, 300);
  r = wt_poll_expand(fx, ADC, ws, "0");
  m = wt_find_mods(wt_assert_has_account(r, WT_U1), WT_INBOX);
  ck_assert_ptr_nonnull(m);
  ck_assert_uint_eq(m->created_count, 1);
  ck_assert_uint_eq(m->modified_count, 1);
  ck_assert_uint_eq(m->deleted_count, 1);
}
END_TEST

START_TEST(expand_detail_cap_marks_lost)
{
  wt_config cfg;
  const char *ws;
  wt_response *r;
  const wt_signal *s;
  int i;

  wt_fixture_free(fx);
  wt_config_default(&cfg);
  cfg.max_detail_per_account = 3;
  fx = wt_fixture_new(&cfg);
  ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  for (i = 0; i < 6; i++)
    wt_deliver(fx, WT_U1, WT_INBOX, 300 + i);
  r = wt_poll_expand(fx, ADC, ws, "0");
  wt_assert_seq(r, "2");
  s = wt_assert_has_account(r, WT_U1);
  ck_assert_int_eq(s->detail_lost, 1);
  /* After the acknowledgement the mark is cleared. */
  wt_deliver(fx, WT_U1, WT_INBOX, 400);
  r = wt_poll_expand(fx, ADC, ws, "2");
  wt_assert_seq(r, "3");
  s = wt_assert_has_account(r, WT_U1);
  ck_assert_int_eq(s->detail_lost, 0);
  ck_assert_int_eq(wt_find_mods(s, WT_INBOX)->created[0].id, 400);
}
END_TEST

START_TEST(expand_interest_update_later_folder)
{
  const char *ws = create_with_folders("all", WT_U1, "257");
  wt_request rq;
  wt_response *r;
  const wt_signal *s;

  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_assert_no_accounts(wt_poll(fx, ADC, ws, "0"));
  wt_req_wait(&rq, ws, "0");
  wt_req_update(&rq, WT_U1)->folder_interests = "257,2";
  r = wt_call(fx, ADC, &rq);
  wt_assert_seq(r, "0");
  wt_assert_no_accounts(r);
  wt_deliver(fx, WT_U1, WT_INBOX, 301);
  r = wt_poll_expand(fx, ADC, ws, "0");
  wt_assert_seq(r, "2");
  s = wt_assert_has_account(r, WT_U1);
  ck_assert_uint_eq(s->mods_count, 1);
  ck_assert_ptr_nonnull(wt_find_mods(s, WT_INBOX));
  wt_deliver(fx, WT_U2, WT_INBOX, 400);
  wt_assert_no_accounts(wt_poll(fx, ADC, ws, "2"));
}
END_TEST

START_TEST(expand_narrowed_interests_listed)
{
  const char *ws = wt_create(fx, ADC, "m", WT_U1, NULL);
  wt_request rq;
  wt_response *r;
  const wt_signal *s;

  wt_deliver(fx, WT_U1, WT_INBOX, 300);
  wt_req_wait(&rq, ws, "0");
  rq.req.expand = "1";
  wt_req_update(&rq, WT_U1)->folder_interests = "257";
  r = wt_call(fx, ADC, &rq);
  wt_assert_seq(r, "2");
  s = wt_assert_has_account(r, WT_U1);
  ck_assert_uint_eq(s->mods_count, 0);
}
END_TEST

/* One change that renames folder 257, modifies tag 64 and deletes tag 65:
 * with tag modifications present, only they are copied to the folder. */
static void
post_folder_and_tag_change(int with_modified_tag)
{
  waitset_change c;
  waitset_item_info folder;
  waitset_item_info deleted_tag;
  waitset_tag_info tag;
  int32_t folders[1] = {WT_FUN};

  memset(&c, 0, sizeof(c));
  memset(&folder, 0, sizeof(folder));
  memset(&deleted_tag, 0, sizeof(deleted_tag));
  memset(&tag, 0, sizeof(tag));
  folder.id = WT_FUN;
  folder.type = WAITSET_ITEM_FOLDER;
  folder.folder_id = 1;
  folder.change = WAITSET_CHANGE_NAME;
  tag.id = 64;
  tag.change = WAITSET_CHANGE_COLOR;
  tag.name = "red";
  deleted_tag.id = 65;
  deleted_tag.type = WAITSET_ITEM_TAG;
  deleted_tag.folder_id = -1;
  c.size = sizeof(c);
  c.account_id = WT_U1;
  c.types = WAITSET_TYPE_FOLDER;
  c.folders = folders;
  c.folder_count = 1;
  c.modified = &folder;
  c.modified_count = 1;
  c.deleted = &deleted_tag;
  c.deleted_count = 1;
  if (with_modified_tag) {
    c.modified_tags = &tag;
    c.modified_tag_count = 1;
  }
  wt_post(fx, &c);
}

START_TEST(expand_tag_changes_copied_to_folder)
{
  const char *ws = create_with_folders("f", WT_U1, "257");
  wt_response *r;
  const wt_mods *m;

  post_folder_and_tag_change(1);
  r = wt_poll_expand(fx, ADC, ws, "0");
  m = wt_find_mods(wt_assert_has_account(r, WT_U1), WT_FUN);
  ck_assert_ptr_nonnull(m);
  ck_assert_uint_eq(m->modified_tag_count, 1);
  ck_assert_int_eq(m->modified_tags[0].id, 64);
  ck_assert_str_eq(m->modified_tags[0].name, "red");
  ck_assert_int_eq(m->modified_tags[0].change, WAITSET_CHANGE_COLOR);
  ck_assert_ptr_null(find_item(m->deleted, m->deleted_count, 65));
  ck_assert_uint_eq(m->modified_count, 0);
}
END_TEST

START_TEST(expand_tag_deletions_copied_to_folder)
{
  const char *ws = create_with_folders("f", WT_U1, "257");
  wt_response *r;
  const wt_mods *m;
  const wt_item *t;

  post_folder_and_tag_change(0);
  r = wt_poll_expand(fx, ADC, ws, "0");
  m = wt_find_mods(wt_assert_has_account(r, WT_U1), WT_FUN);
  ck_assert_ptr_nonnull(m);
  ck_assert_uint_eq(m->modified_tag_count, 0);
  t = find_item(m->deleted, m->deleted_count, 65);
  ck_assert_ptr_nonnull(t);
  ck_assert_int_eq(t->type, WAITSET_ITEM_TAG);
}
END_TEST

static Suite *
expand_suite(void)
{
  Suite *s = suite_create("expand");
  TCase *tc = tcase_create("expand");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, expand_folder_filter_blocks_other);
  tcase_add_test(tc, expand_without_folder_interests);
  tcase_add_test(tc, expand_absent_no_mods);
  tcase_add_test(tc, expand_only_interesting_folders);
  tcase_add_test(tc, expand_each_account_own_mods);
  tcase_add_test(tc, expand_bad_folder_interests_rejected);
  tcase_add_test(tc, expand_folder_interests_parsing);
  tcase_add_test(tc, expand_empty_interests_all_folders);
  tcase_add_test(tc, expand_move_out_of_watched);
  tcase_add_test(tc, expand_move_filed_under_both);
  tcase_add_test(tc, expand_delete_only_change);
  tcase_add_test(tc, expand_delete_unknown_folder_minus_one);
  tcase_add_test(tc, expand_delete_minus_one_filtered);
  tcase_add_test(tc, expand_deleted_folder_under_own_id);
  tcase_add_test(tc, expand_rename_listed_without_mods);
  tcase_add_test(tc, expand_merges_several_changes);
  tcase_add_test(tc, expand_merges_current_into_sent);
  tcase_add_test(tc, expand_modified_bits_ored);
  tcase_add_test(tc, expand_created_modified_deleted_side_by_side);
  tcase_add_test(tc, expand_detail_cap_marks_lost);
  tcase_add_test(tc, expand_interest_update_later_folder);
  tcase_add_test(tc, expand_narrowed_interests_listed);
  tcase_add_test(tc, expand_tag_changes_copied_to_folder);
  tcase_add_test(tc, expand_tag_deletions_copied_to_folder);
  suite_add_tcase(s, tc);
  return s;
}

int
main(void)
{
  return wt_run_suite(expand_suite());
}
