/* SPDX-License-Identifier: MIT */
/*
 * The demo commands of waitsetd: AuthRequest (account and admin), the
 * mail requests that change the store, and the admin requests that
 * delete a mailbox, inject a change or switch a mailbox's state.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "log.h"
#include "soap.h"

#define MAX_ACTION_IDS 1000
#define MAX_INJECTED_RECORDS 10000

typedef int (*command_fn)(soap_request *req);

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static int
fault_invalid(soap_request *req, const char *fmt, const char *value)
{
  char reason[400];

  snprintf(reason, sizeof(reason), fmt, value);
  dispatch_fault(req, "service.INVALID_REQUEST", reason);
  return 0;
}

static int
fault_missing(soap_request *req, const char *name)
{
  return fault_invalid(req, "invalid request: missing required attribute: "
                       "%.64s", name);
}

static int
fault_store(soap_request *req, const store_error *err)
{
  dispatch_fault(req, err->code, err->reason);
  return 0;
}

/* Parse a whole decimal int32; 0 or -1. */
static int
parse_int32(const char *text, int32_t *out)
{
  char *end;
  long value;

  if (text == NULL || text[0] == '\0')
    return -1;
  errno = 0;
  value = strtol(text, &end, 10);
  if (*end != '\0' || errno != 0 || value < INT32_MIN || value > INT32_MAX)
    return -1;
  *out = (int32_t)value;
  return 0;
}

/*
 * Read an optional integer attribute into *out, keeping the default when
 * absent. Returns 0, or -1 after sending a Fault naming the attribute.
 */
static int
int_attr(soap_request *req, const waitset_xml_node *node, const char *name,
         int32_t *out)
{
  const char *value = waitset_xml_node_attr(node, name);
  char reason[400];

  if (value == NULL)
    return 0;
  if (parse_int32(value, out) == 0)
    return 0;
  snprintf(reason, sizeof(reason), "invalid request: invalid %s: "
           "\"%.128s\"", name, value);
  dispatch_fault(req, "service.INVALID_REQUEST", reason);
  return -1;
}

/* Return the child's text without surrounding blanks, in buf. */
static const char *
child_text(const waitset_xml_node *node, const char *name, char *buf,
           size_t buf_len)
{
  const waitset_xml_node *child = waitset_xml_node_child(node, NULL, name);
  const char *text;
  size_t len;

  if (child == NULL)
    return NULL;
  text = child->text;
  while (*text == ' ' || *text == '\t' || *text == '\r' || *text == '\n')
    text++;
  len = strlen(text);
  while (len > 0 && strchr(" \t\r\n", text[len - 1]) != NULL)
    len--;
  if (len >= buf_len)
    len = buf_len - 1;
  memcpy(buf, text, len);
  buf[len] = '\0';
  return buf;
}

/* Return the child's text exactly as sent, or NULL without the child. */
static const char *
child_raw_text(const waitset_xml_node *node, const char *name)
{
  const waitset_xml_node *child = waitset_xml_node_child(node, NULL, name);

  return child != NULL ? child->text : NULL;
}

/* Check that the requested mailbox can be changed here; 0 or -1 after a
 * Fault. */
static int
require_local_mailbox(soap_request *req)
{
  char reason[256];

  if (req->target->flags & ACCOUNT_REMOTE) {
    snprintf(reason, sizeof(reason), "operation sent to wrong host (you "
             "want '%s' on another server)", req->target->name);
    dispatch_fault(req, "service.WRONG_HOST", reason);
    return -1;
  }
  if (req->target->flags & ACCOUNT_MAINTENANCE) {
    snprintf(reason, sizeof(reason), "account is in maintenance mode: %s",
             req->target->name);
    dispatch_fault(req, "account.MAINTENANCE_MODE", reason);
    return -1;
  }
  return 0;
}

static waitset_xml_writer *
start_mail_reply(soap_request *req, const char *name)
{
  waitset_xml_writer *w = soap_reply_start(
      req->soap_version, req->target->mailbox.last_change_id);

  if (w != NULL)
    waitset_xml_writer_start(w, name, req->command->namespace_uri);
  return w;
}

static store_account *
find_account_attr(soap_request *req, const waitset_xml_node *node,
                  const char *attr)
{
  const char *id = waitset_xml_node_attr(node, attr);
  store_account *acct;
  char reason[256];

  if (id == NULL) {
    fault_missing(req, attr);
    return NULL;
  }
  acct = store_find_by_id(&req->d->store, id);
  if (acct == NULL) {
    snprintf(reason, sizeof(reason), "no such account: %.128s", id);
    dispatch_fault(req, "account.NO_SUCH_ACCOUNT", reason);
  }
  return acct;
}

static int
require_global_admin(soap_request *req)
{
  if (req->caller_flags & WAITSET_CALLER_GLOBAL_ADMIN)
    return 0;
  dispatch_fault(req, "service.PERM_DENIED",
                 "permission denied: only global admin is allowed");
  return -1;
}

/* ------------------------------------------------------------------ */
/* AuthRequest                                                         */

static int
auth_failed(soap_request *req, const char *key)
{
  char reason[256];

  snprintf(reason, sizeof(reason), "authentication failed for [%.128s]",
           key);
  dispatch_fault(req, "account.AUTH_FAILED", reason);
  return 0;
}

static int
send_auth_response(soap_request *req, store_account *acct, int admin)
{
  char token[AUTH_TOKEN_LENGTH];
  int64_t lifetime;
  waitset_xml_writer *w;
  int64_t now = (int64_t)uv_now(req->d->loop);

  if (auth_issue(&req->d->auth, acct->id, admin, now, token,
                 &lifetime) != 0) {
    dispatch_fault(req, "service.FAILURE",
                   "system failure: cannot issue an auth token");
    return 0;
  }
  log_info("account %s authenticated (%s token)", acct->id,
           admin ? "admin" : "user");
  w = soap_reply_start(req->soap_version, -1);
  if (w != NULL) {
    waitset_xml_writer_start(w, "AuthResponse",
                             req->command->namespace_uri);
    waitset_xml_writer_start(w, "authToken", NULL);
    waitset_xml_writer_text(w, token);
    waitset_xml_writer_end(w);
    waitset_xml_writer_start(w, "lifetime", NULL);
    {
      char text[32];

      snprintf(text, sizeof(text), "%lld", (long long)lifetime);
      waitset_xml_writer_text(w, text);
    }
    waitset_xml_writer_end(w);
    /* A session only when the request's context asked for one. */
    if (req->doc->context->session) {
      char id[32];

      snprintf(id, sizeof(id), "%lld", (long long)++req->d->next_session_id);
      waitset_xml_writer_start(w, "session", NULL);
      waitset_xml_writer_attr(w, "id", id);
      waitset_xml_writer_text(w, id);
      waitset_xml_writer_end(w);
    }
    waitset_xml_writer_end(w);
  }
  soap_reply_send(req->ex, req->soap_version, w);
  return 0;
}

static int
handle_account_auth(soap_request *req)
{
  const waitset_xml_node *account =
      waitset_xml_node_child(req->command, NULL, "account");
  const char *by;
  char key[256];
  const char *password = child_raw_text(req->command, "password");
  store_account *acct;

  if (account == NULL)
    return fault_invalid(req, "invalid request: missing required element: "
                         "%s", "account");
  if (password == NULL)
    return fault_invalid(req, "invalid request: missing required element: "
                         "%s", "password");
  child_text(req->command, "account", key, sizeof(key));
  by = waitset_xml_node_attr(account, "by");
  if (by == NULL || strcmp(by, "name") == 0)
    acct = store_find_by_name(&req->d->store, key);
  else if (strcmp(by, "id") == 0)
    acct = store_find_by_id(&req->d->store, key);
  else
    return fault_invalid(req, "invalid request: invalid by: \"%.128s\"",
                         by);
  /* The password must match byte for byte: no trimming, no cut. */
  if (acct == NULL || strcmp(acct->password, password) != 0)
    return auth_failed(req, key);
  return send_auth_response(req, acct, 0);
}

static int
handle_admin_auth(soap_request *req)
{
  const waitset_xml_node *account =
      waitset_xml_node_child(req->command, NULL, "account");
  const char *by = account ? waitset_xml_node_attr(account, "by") : NULL;
  char key[256];
  const char *password = child_raw_text(req->command, "password");
  store_account *acct;

  if (child_text(req->command, "name", key, sizeof(key)) == NULL
      && child_text(req->command, "account", key, sizeof(key)) == NULL)
    return fault_invalid(req, "invalid request: missing required element: "
                         "%s", "name");
  if (password == NULL)
    return fault_invalid(req, "invalid request: missing required element: "
                         "%s", "password");
  if (by != NULL && strcmp(by, "name") != 0 && strcmp(by, "id") != 0)
    return fault_invalid(req, "invalid request: invalid by: \"%.128s\"",
                         by);
  if (waitset_xml_node_child(req->command, NULL, "name") == NULL
      && by != NULL && strcmp(by, "id") == 0)
    acct = store_find_by_id(&req->d->store, key);
  else
    acct = store_find_by_name(&req->d->store, key);
  /* The password must match byte for byte: no trimming, no cut. */
  if (acct == NULL || strcmp(acct->password, password) != 0)
    return auth_failed(req, key);
  if (!(acct->flags & ACCOUNT_ADMIN)) {
    dispatch_fault(req, "service.PERM_DENIED",
                   "permission denied: not an admin account");
    return 0;
  }
  return send_auth_response(req, acct, 1);
}

/* ------------------------------------------------------------------ */
/* Mail requests                                                       */

static int
handle_noop(soap_request *req)
{
  waitset_xml_writer *w = start_mail_reply(req, "NoOpResponse");

  soap_reply_send(req->ex, req->soap_version, w);
  return 0;
}

static int
handle_add_msg(soap_request *req)
{
  const waitset_xml_node *m = waitset_xml_node_child(req->command, NULL,
                                                     "m");
  int32_t folder_id = FOLDER_INBOX;
  int32_t id;
  store_error err;
  waitset_xml_writer *w;

  if (m == NULL)
    return fault_invalid(req, "invalid request: missing required element: "
                         "%s", "m");
  if (int_attr(req, m, "l", &folder_id) != 0
      || require_local_mailbox(req) != 0)
    return 0;
  if (store_add_message(&req->d->store, req->target, folder_id,
                        waitset_xml_node_attr(m, "f"),
                        waitset_xml_node_attr(m, "t"),
                        req->source_waitset_id, &id, &err) != 0)
    return fault_store(req, &err);

  w = start_mail_reply(req, "AddMsgResponse");
  waitset_xml_writer_start(w, "m", NULL);
  waitset_xml_writer_attr_int(w, "id", id);
  waitset_xml_writer_attr_int(w, "l", folder_id);
  waitset_xml_writer_end(w);
  soap_reply_send(req->ex, req->soap_version, w);
  return 0;
}

static int
handle_create_folder(soap_request *req)
{
  const waitset_xml_node *folder =
      waitset_xml_node_child(req->command, NULL, "folder");
  int32_t parent_id = FOLDER_ROOT;
  const char *name;
  int32_t id;
  store_error err;
  waitset_xml_writer *w;

  if (folder == NULL)
    return fault_invalid(req, "invalid request: missing required element: "
                         "%s", "folder");
  name = waitset_xml_node_attr(folder, "name");
  if (name == NULL)
    return fault_missing(req, "name");
  if (int_attr(req, folder, "l", &parent_id) != 0
      || require_local_mailbox(req) != 0)
    return 0;
  if (store_create_folder(&req->d->store, req->target, name, parent_id,
                          req->source_waitset_id, &id, &err) != 0)
    return fault_store(req, &err);

  w = start_mail_reply(req, "CreateFolderResponse");
  waitset_xml_writer_start(w, "folder", NULL);
  waitset_xml_writer_attr_int(w, "id", id);
  waitset_xml_writer_attr(w, "name", name);
  waitset_xml_writer_attr_int(w, "l", parent_id);
  waitset_xml_writer_end(w);
  soap_reply_send(req->ex, req->soap_version, w);
  return 0;
}

static int
send_action_response(soap_request *req, const char *name, const char *op,
                     const char *ids)
{
  waitset_xml_writer *w = start_mail_reply(req, name);

  waitset_xml_writer_start(w, "action", NULL);
  waitset_xml_writer_attr(w, "op", op);
  waitset_xml_writer_attr(w, "id", ids);
  waitset_xml_writer_end(w);
  soap_reply_send(req->ex, req->soap_version, w);
  return 0;
}

static int
handle_folder_action(soap_request *req)
{
  const waitset_xml_node *action =
      waitset_xml_node_child(req->command, NULL, "action");
  const char *op;
  const char *name;
  int32_t id = 0;
  int32_t parent_id = 0;
  int32_t color = 0;
  store_error err;

  if (action == NULL)
    return fault_invalid(req, "invalid request: missing required element: "
                         "%s", "action");
  op = waitset_xml_node_attr(action, "op");
  name = waitset_xml_node_attr(action, "name");
  if (op == NULL)
    return fault_missing(req, "op");
  if (waitset_xml_node_attr(action, "id") == NULL)
    return fault_missing(req, "id");
  if (strcmp(op, "rename") == 0 && name == NULL)
    return fault_missing(req, "name");
  if (strcmp(op, "move") == 0 && waitset_xml_node_attr(action, "l") == NULL)
    return fault_missing(req, "l");
  if (strcmp(op, "color") == 0
      && waitset_xml_node_attr(action, "color") == NULL)
    return fault_missing(req, "color");
  if (int_attr(req, action, "id", &id) != 0
      || int_attr(req, action, "l", &parent_id) != 0
      || int_attr(req, action, "color", &color) != 0
      || require_local_mailbox(req) != 0)
    return 0;
  if (store_folder_action(&req->d->store, req->target, op, id, name,
                          parent_id, color, req->source_waitset_id,
                          &err) != 0)
    return fault_store(req, &err);
  return send_action_response(req, "FolderActionResponse", op,
                              waitset_xml_node_attr(action, "id"));
}

/* Parse "N[,N...]" into ids; 0, or -1 when malformed or too long. */
static int
parse_id_list(const char *text, int32_t *ids, size_t max,
              size_t *count)
{
  const char *p = text;

  *count = 0;
  while (*p != '\0') {
    char number[16];
    size_t len = strcspn(p, ",");

    if (len == 0 || len >= sizeof(number) || *count == max)
      return -1;
    memcpy(number, p, len);
    number[len] = '\0';
    if (parse_int32(number, &ids[*count]) != 0)
      return -1;
    (*count)++;
    p += len;
    if (*p == ',') {
      p++;
      if (*p == '\0')
        return -1;
    }
  }
  return *count > 0 ? 0 : -1;
}

static int
handle_msg_action(soap_request *req)
{
  const waitset_xml_node *action =
      waitset_xml_node_child(req->command, NULL, "action");
  int32_t ids[MAX_ACTION_IDS];
  const char *op;
  const char *id_text;
  int32_t folder_id = 0;
  size_t id_count;
  store_error err;

  if (action == NULL)
    return fault_invalid(req, "invalid request: missing required element: "
                         "%s", "action");
  op = waitset_xml_node_attr(action, "op");
  id_text = waitset_xml_node_attr(action, "id");
  if (op == NULL)
    return fault_missing(req, "op");
  if (id_text == NULL)
    return fault_missing(req, "id");
  if (parse_id_list(id_text, ids, MAX_ACTION_IDS, &id_count) != 0)
    return fault_invalid(req, "invalid request: invalid id: \"%.128s\"",
                         id_text);
  if (strcmp(op, "move") == 0 && waitset_xml_node_attr(action, "l") == NULL)
    return fault_missing(req, "l");
  if (int_attr(req, action, "l", &folder_id) != 0
      || require_local_mailbox(req) != 0)
    return 0;
  if (store_msg_action(&req->d->store, req->target, op, ids, id_count,
                       folder_id, waitset_xml_node_attr(action, "tn"),
                       req->source_waitset_id, &err) != 0)
    return fault_store(req, &err);
  return send_action_response(req, "MsgActionResponse", op, id_text);
}

static int
handle_create_contact(soap_request *req)
{
  const waitset_xml_node *cn = waitset_xml_node_child(req->command, NULL,
                                                      "cn");
  int32_t folder_id = FOLDER_CONTACTS;
  int32_t id;
  store_error err;
  waitset_xml_writer *w;

  if (cn == NULL)
    return fault_invalid(req, "invalid request: missing required element: "
                         "%s", "cn");
  if (int_attr(req, cn, "l", &folder_id) != 0
      || require_local_mailbox(req) != 0)
    return 0;
  if (store_create_contact(&req->d->store, req->target, folder_id,
                           req->source_waitset_id, &id, &err) != 0)
    return fault_store(req, &err);

  w = start_mail_reply(req, "CreateContactResponse");
  waitset_xml_writer_start(w, "cn", NULL);
  waitset_xml_writer_attr_int(w, "id", id);
  waitset_xml_writer_attr_int(w, "l", folder_id);
  waitset_xml_writer_end(w);
  soap_reply_send(req->ex, req->soap_version, w);
  return 0;
}

/* ------------------------------------------------------------------ */
/* Admin requests                                                      */

static int
handle_delete_mailbox(soap_request *req)
{
  const waitset_xml_node *mbox =
      waitset_xml_node_child(req->command, NULL, "mbox");
  store_account *acct;
  waitset_xml_writer *w;
  int rc;

  if (require_global_admin(req) != 0)
    return 0;
  if (mbox == NULL)
    return fault_invalid(req, "invalid request: missing required element: "
                         "%s", "mbox");
  acct = find_account_attr(req, mbox, "id");
  if (acct == NULL)
    return 0;
  store_reset_mailbox(acct);
  rc = waitset_mailbox_deleted(req->d->registry, acct->id);
  if (rc != 0)
    log_error("request %llu DeleteMailboxRequest account=%s: "
              "waitset_mailbox_deleted failed: %s",
              (unsigned long long)req->ex->id, acct->id,
              waitset_strerror(rc));
  log_info("mailbox of account %s deleted", acct->id);

  w = soap_reply_start(req->soap_version, -1);
  waitset_xml_writer_start(w, "DeleteMailboxResponse",
                           WAITSET_XML_NS_ADMIN);
  waitset_xml_writer_start(w, "mbox", NULL);
  waitset_xml_writer_attr_int(
      w, "mbxid", (int64_t)(acct - req->d->store.accounts) + 1);
  waitset_xml_writer_end(w);
  soap_reply_send(req->ex, req->soap_version, w);
  return 0;
}

static int
item_type_of_letter(const char *letter)
{
  static const struct {
    const char *letter;
    int type;
  } types[] = {
    { "m", WAITSET_ITEM_MESSAGE },     { "f", WAITSET_ITEM_FOLDER },
    { "c", WAITSET_ITEM_CONTACT },     { "a", WAITSET_ITEM_APPOINTMENT },
    { "t", WAITSET_ITEM_TASK },        { "d", WAITSET_ITEM_DOCUMENT },
  };
  size_t i;

  for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
    if (strcmp(letter, types[i].letter) == 0)
      return types[i].type;
  }
  return WAITSET_ITEM_UNKNOWN;
}

/* Read one <created|modified|deleted> child; 0, or -1 after a Fault. */
static int
read_injected(soap_request *req, const waitset_xml_node *node,
              store_injected *record)
{
  const char *type = waitset_xml_node_attr(node, "type");

  memset(record, 0, sizeof(*record));
  record->kind = strcmp(node->name, "created") == 0    ? 0
                 : strcmp(node->name, "modified") == 0 ? 1
                                                       : 2;
  if (type == NULL) {
    fault_missing(req, "type");
    return -1;
  }
  record->type = item_type_of_letter(type);
  if (record->type == WAITSET_ITEM_UNKNOWN) {
    fault_invalid(req, "invalid request: invalid type: \"%.128s\" "
                  "(expected one of m, f, c, a, t, d)", type);
    return -1;
  }
  if (waitset_xml_node_attr(node, "id") == NULL) {
    fault_missing(req, "id");
    return -1;
  }
  if (int_attr(req, node, "id", &record->id) != 0
      || int_attr(req, node, "folder", &record->folder_id) != 0
      || int_attr(req, node, "change", &record->change) != 0)
    return -1;
  return 0;
}

static int
handle_inject_change(soap_request *req)
{
  const waitset_xml_node *child;
  store_injected *records = NULL;
  store_injected *grown;
  size_t count = 0;
  store_account *acct;
  int64_t change_id = 0;
  store_error err;
  waitset_xml_writer *w;

  if (require_global_admin(req) != 0)
    return 0;
  acct = find_account_attr(req, req->command, "account");
  if (acct == NULL)
    return 0;
  for (child = req->command->first_child; child != NULL;
       child = child->next_sibling) {
    if (strcmp(child->name, "created") != 0
        && strcmp(child->name, "modified") != 0
        && strcmp(child->name, "deleted") != 0)
      continue;
    if (count == MAX_INJECTED_RECORDS) {
      free(records);
      return fault_invalid(req, "invalid request: more than %s records",
                           "10000");
    }
    grown = realloc(records, (count + 1) * sizeof(*records));
    if (grown == NULL) {
      free(records);
      dispatch_fault(req, "service.FAILURE", "system failure: out of "
                     "memory");
      return 0;
    }
    records = grown;
    if (read_injected(req, child, &records[count]) != 0) {
      free(records);
      return 0;
    }
    count++;
  }
  if (store_inject(&req->d->store, acct, records, count,
                   req->source_waitset_id, &change_id, &err) != 0) {
    free(records);
    return fault_store(req, &err);
  }
  free(records);

  w = soap_reply_start(req->soap_version, -1);
  waitset_xml_writer_start(w, "InjectChangeResponse", NS_DEMO);
  waitset_xml_writer_attr_int(w, "changeid", change_id);
  soap_reply_send(req->ex, req->soap_version, w);
  return 0;
}

/* Apply a mailbox state to the store and tell the core; 0 or a
 * negative libwaitset code. */
static int
apply_mailbox_state(waitsetd *d, store_account *acct, const char *state)
{
  if (strcmp(state, "available") == 0) {
    acct->flags &= ~(uint32_t)(ACCOUNT_MAINTENANCE | ACCOUNT_REMOTE);
    return waitset_mailbox_available(d->registry, acct->id,
                                     acct->mailbox.last_change_id);
  }
  if (strcmp(state, "maintenance") == 0) {
    acct->flags |= ACCOUNT_MAINTENANCE;
    acct->flags &= ~(uint32_t)ACCOUNT_REMOTE;
    return waitset_mailbox_unavailable(d->registry, acct->id);
  }
  if (strcmp(state, "remote") == 0) {
    acct->flags |= ACCOUNT_REMOTE;
    acct->flags &= ~(uint32_t)ACCOUNT_MAINTENANCE;
    return waitset_mailbox_unavailable(d->registry, acct->id);
  }
  return waitset_mailbox_failed(d->registry, acct->id);
}

static int
handle_set_mailbox_state(soap_request *req)
{
  const char *state = waitset_xml_node_attr(req->command, "state");
  store_account *acct;
  waitset_xml_writer *w;
  char reason[256];
  int rc;

  if (require_global_admin(req) != 0)
    return 0;
  acct = find_account_attr(req, req->command, "account");
  if (acct == NULL)
    return 0;
  if (state == NULL)
    return fault_missing(req, "state");
  if (strcmp(state, "available") != 0 && strcmp(state, "maintenance") != 0
      && strcmp(state, "remote") != 0 && strcmp(state, "failed") != 0)
    return fault_invalid(req, "invalid request: invalid state: \"%.128s\" "
                         "(expected available, maintenance, remote or "
                         "failed)", state);
  rc = apply_mailbox_state(req->d, acct, state);
  if (rc != 0) {
    snprintf(reason, sizeof(reason), "system failure: setting mailbox "
             "state %s failed: %s", state, waitset_strerror(rc));
    dispatch_fault(req, "service.FAILURE", reason);
    return 0;
  }
  log_info("mailbox of account %s is now %s", acct->id, state);

  w = soap_reply_start(req->soap_version, -1);
  waitset_xml_writer_start(w, "SetMailboxStateResponse", NS_DEMO);
  waitset_xml_writer_attr(w, "account", acct->id);
  waitset_xml_writer_attr(w, "state", state);
  waitset_xml_writer_attr_int(w, "changeid", acct->mailbox.last_change_id);
  soap_reply_send(req->ex, req->soap_version, w);
  return 0;
}

/* ------------------------------------------------------------------ */
/* Dispatch                                                            */

static const struct {
  const char *ns;
  const char *name;
  command_fn run;
} commands[] = {
  { NS_ACCOUNT, "AuthRequest", handle_account_auth },
  { WAITSET_XML_NS_ADMIN, "AuthRequest", handle_admin_auth },
  { WAITSET_XML_NS_MAIL, "NoOpRequest", handle_noop },
  { WAITSET_XML_NS_MAIL, "AddMsgRequest", handle_add_msg },
  { WAITSET_XML_NS_MAIL, "CreateFolderRequest", handle_create_folder },
  { WAITSET_XML_NS_MAIL, "FolderActionRequest", handle_folder_action },
  { WAITSET_XML_NS_MAIL, "MsgActionRequest", handle_msg_action },
  { WAITSET_XML_NS_MAIL, "CreateContactRequest", handle_create_contact },
  { WAITSET_XML_NS_ADMIN, "DeleteMailboxRequest", handle_delete_mailbox },
  { NS_DEMO, "InjectChangeRequest", handle_inject_change },
  { NS_DEMO, "SetMailboxStateRequest", handle_set_mailbox_state },
};

int
handlers_run(soap_request *req)
{
  size_t i;

  for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
    if (strcmp(commands[i].ns, req->command->namespace_uri) == 0
        && strcmp(commands[i].name, req->command->name) == 0)
      return commands[i].run(req);
  }
  return -1;
}
