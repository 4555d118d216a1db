/* SPDX-License-Identifier: MIT */
/* Builders of callers, requests and change records. */
#include <check.h>
#include <string.h>

#include "wt_internal.h"

/* ------------------------------------------------------------------ */
/* Callers                                                             */

static waitset_caller
make_caller(const char *id, const char *requested, uint32_t flags)
{
  waitset_caller c;

  memset(&c, 0, sizeof(c));
  c.size = sizeof(c);
  c.account_id = id;
  c.requested_account_id = requested;
  c.flags = flags;
  return c;
}

waitset_caller
wt_user(const char *account_id)
{
  return make_caller(account_id, NULL, 0);
}

waitset_caller
wt_user_as(const char *account_id, const char *requested_id)
{
  return make_caller(account_id, requested_id, 0);
}

waitset_caller
wt_admin(const char *account_id)
{
  return make_caller(account_id, NULL, WAITSET_CALLER_ADMIN_TOKEN);
}

waitset_caller
wt_global_admin(const char *account_id)
{
  return make_caller(account_id, NULL,
                     WAITSET_CALLER_ADMIN_TOKEN |
                         WAITSET_CALLER_GLOBAL_ADMIN);
}

waitset_caller
wt_anonymous(void)
{
  return make_caller(NULL, NULL, 0);
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */

static void
init_request(wt_request *rq, int op)
{
  memset(rq, 0, sizeof(*rq));
  rq->req.size = sizeof(rq->req);
  rq->req.op = op;
  rq->req.add = rq->add;
  rq->req.update = rq->update;
  rq->req.remove = rq->remove;
}

void
wt_req_create(wt_request *rq, const char *def_types)
{
  init_request(rq, WAITSET_OP_CREATE);
  rq->req.def_types = def_types;
}

void
wt_req_wait(wt_request *rq, const char *waitset_id, const char *seq)
{
  init_request(rq, WAITSET_OP_WAIT);
  rq->req.waitset_id = waitset_id;
  rq->req.seq = seq;
}

void
wt_req_destroy(wt_request *rq, const char *waitset_id)
{
  init_request(rq, WAITSET_OP_DESTROY);
  rq->req.waitset_id = waitset_id;
}

void
wt_req_query(wt_request *rq, const char *waitset_id)
{
  init_request(rq, WAITSET_OP_QUERY);
  rq->req.admin = 1;
  rq->req.waitset_id = waitset_id;
}

void
wt_req_admin(wt_request *rq)
{
  rq->req.admin = 1;
}

static waitset_account_spec *
append_spec(waitset_account_spec *list, size_t *count, const char *id)
{
  waitset_account_spec *s;

  ck_assert_uint_lt(*count, WT_MAX_SPECS);
  s = &list[(*count)++];
  memset(s, 0, sizeof(*s));
  s->id = id;
  return s;
}

waitset_account_spec *
wt_req_add(wt_request *rq, const char *id)
{
  return append_spec(rq->add, &rq->req.add_count, id);
}

waitset_account_spec *
wt_req_update(wt_request *rq, const char *id)
{
  return append_spec(rq->update, &rq->req.update_count, id);
}

waitset_account_spec *
wt_req_remove(wt_request *rq, const char *id)
{
  return append_spec(rq->remove, &rq->req.remove_count, id);
}

/* ------------------------------------------------------------------ */
/* Change records                                                      */

static void
init_change(waitset_change *c, const char *acct)
{
  memset(c, 0, sizeof(*c));
  c->size = sizeof(*c);
  c->account_id = acct;
}

int64_t
wt_post(wt_fixture *fx, waitset_change *change)
{
  wt_account *a = wt_account_find(fx, change->account_id);
  int rc;

  if (change->change_id == 0) {
    ck_assert_msg(a != NULL, "change for unknown account %s",
                  change->account_id);
    a->last_change_id++;
    change->change_id = a->last_change_id;
  } else if (a != NULL && change->change_id > a->last_change_id) {
    a->last_change_id = change->change_id;
  }
  rc = waitset_post_change(fx->reg, change);
  ck_assert_msg(rc == 0, "waitset_post_change returned %s",
                waitset_err_name(rc));
  return change->change_id;
}

static waitset_item_info
message_item(int32_t item, int32_t folder)
{
  waitset_item_info m;

  memset(&m, 0, sizeof(m));
  m.id = item;
  m.imap_uid = item;
  m.type = WAITSET_ITEM_MESSAGE;
  m.flags = 512;
  m.folder_id = folder;
  return m;
}

int64_t
wt_deliver_from(wt_fixture *fx, const char *acct, int32_t folder,
                int32_t item, const char *source_waitset_id)
{
  waitset_change c;
  waitset_item_info m = message_item(item, folder);
  int32_t folders[1];

  folders[0] = folder;
  init_change(&c, acct);
  c.types = WAITSET_TYPE_MESSAGE | WAITSET_TYPE_FOLDER;
  c.folders = folders;
  c.folder_count = 1;
  c.created = &m;
  c.created_count = 1;
  c.source_waitset_id = source_waitset_id;
  return wt_post(fx, &c);
}

int64_t
wt_deliver(wt_fixture *fx, const char *acct, int32_t folder, int32_t item)
{
  return wt_deliver_from(fx, acct, folder, item, NULL);
}

static int64_t
create_in(wt_fixture *fx, const char *acct, int32_t folder, int32_t item,
          int type, uint32_t type_bit)
{
  waitset_change c;
  waitset_item_info m = message_item(item, folder);
  int32_t folders[1];

  m.type = type;
  m.flags = 0;
  folders[0] = folder;
  init_change(&c, acct);
  c.types = type_bit | WAITSET_TYPE_FOLDER;
  c.folders = folders;
  c.folder_count = 1;
  c.created = &m;
  c.created_count = 1;
  return wt_post(fx, &c);
}

int64_t
wt_create_contact(wt_fixture *fx, const char *acct, int32_t item)
{
  return create_in(fx, acct, WT_CONTACTS, item, WAITSET_ITEM_CONTACT,
                   WAITSET_TYPE_CONTACT);
}

int64_t
wt_create_document(wt_fixture *fx, const char *acct, int32_t item)
{
  return create_in(fx, acct, WT_BRIEFCASE, item, WAITSET_ITEM_DOCUMENT,
                   WAITSET_TYPE_DOCUMENT);
}

int64_t
wt_flag(wt_fixture *fx, const char *acct, int32_t folder, int32_t item)
{
  waitset_change c;
  waitset_item_info m = message_item(item, folder);
  int32_t folders[1];

  m.flags = 512 | 32;
  m.change = WAITSET_CHANGE_FLAGS;
  folders[0] = folder;
  init_change(&c, acct);
  c.types = WAITSET_TYPE_MESSAGE;
  c.folders = folders;
  c.folder_count = 1;
  c.modified = &m;
  c.modified_count = 1;
  return wt_post(fx, &c);
}

int64_t
wt_move(wt_fixture *fx, const char *acct, int32_t item, int32_t from,
        int32_t to)
{
  waitset_change c;
  waitset_item_info m = message_item(item, to);
  int32_t folders[2];

  m.prev_folder_id = from;
  m.change = WAITSET_CHANGE_FOLDER;
  folders[0] = from;
  folders[1] = to;
  init_change(&c, acct);
  c.types = WAITSET_TYPE_MESSAGE | WAITSET_TYPE_FOLDER;
  c.folders = folders;
  c.folder_count = 2;
  c.modified = &m;
  c.modified_count = 1;
  return wt_post(fx, &c);
}

int64_t
wt_delete(wt_fixture *fx, const char *acct, int32_t folder, int32_t item)
{
  waitset_change c;
  waitset_item_info m = message_item(item, folder);
  int32_t folders[1];

  m.flags = 0;
  folders[0] = folder;
  init_change(&c, acct);
  c.types = WAITSET_TYPE_MESSAGE;
  c.folders = folder >= 0 ? folders : NULL;
  c.folder_count = folder >= 0 ? 1 : 0;
  c.deleted = &m;
  c.deleted_count = 1;
  return wt_post(fx, &c);
}

int64_t
wt_rename_folder(wt_fixture *fx, const char *acct, int32_t folder)
{
  waitset_change c;
  waitset_item_info f;
  int32_t folders[1];

  memset(&f, 0, sizeof(f));
  f.id = folder;
  f.type = WAITSET_ITEM_FOLDER;
  f.folder_id = 1;
  f.change = WAITSET_CHANGE_NAME;
  folders[0] = folder;
  init_change(&c, acct);
  c.types = WAITSET_TYPE_FOLDER;
  c.folders = folders;
  c.folder_count = 1;
  c.modified = &f;
  c.modified_count = 1;
  return wt_post(fx, &c);
}
