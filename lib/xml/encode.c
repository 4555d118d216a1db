/* SPDX-License-Identifier: MIT */
/*
 * Encoders of waitset responses and SOAP Faults on top of the writer.
 * Booleans are written 1, integers in decimal.
 */
#include <stdio.h>
#include <string.h>

#include "writer.h"

static const char *const response_names[2][5] = {
  { NULL, "CreateWaitSetResponse", "WaitSetResponse",
    "DestroyWaitSetResponse", NULL },
  { NULL, "AdminCreateWaitSetResponse", "AdminWaitSetResponse",
    "AdminDestroyWaitSetResponse", "QueryWaitSetResponse" },
};

const char *
waitset_xml_response_name(int op, int admin)
{
  if (op == WAITSET_OP_QUERY)
    return response_names[1][WAITSET_OP_QUERY];
  if (op < WAITSET_OP_CREATE || op > WAITSET_OP_DESTROY)
    return NULL;
  return response_names[admin ? 1 : 0][op];
}

/* Record the first failure of a writer; see waitset_xml_writer_*. */
static int
sticky_error(waitset_xml_writer *w, int rc)
{
  if (rc != 0 && w->error == 0)
    w->error = rc;
  return rc;
}

/* A response or Fault always goes into the body: close a header that is
 * open but has no element yet. */
static void
leave_header(waitset_xml_writer *w)
{
  if (w->phase == WSX_PHASE_HEADER)
    w->phase = WSX_PHASE_HEADER_DONE;
}

/* Shorthands that stop at the first failure; each returns rc. */
#define TRY(expr)                                                             \
  do {                                                                        \
    int try_rc_ = (expr);                                                     \
    if (try_rc_ != 0)                                                         \
      return try_rc_;                                                         \
  } while (0)

static int
attr_if(waitset_xml_writer *w, const char *name, const char *value)
{
  if (value == NULL)
    return 0;
  return waitset_xml_writer_attr(w, name, value);
}

/* ------------------------------------------------------------------ */
/* Waitset responses                                                   */

static int
write_errors(waitset_xml_writer *w, const waitset_account_error *errors,
             size_t count)
{
  size_t i;

  for (i = 0; i < count; i++) {
    const char *type = waitset_account_error_name(errors[i].code);

    TRY(waitset_xml_writer_start(w, "error", NULL));
    TRY(attr_if(w, "id", errors[i].account_id));
    if (type != NULL)
      TRY(waitset_xml_writer_attr(w, "type", type));
    else
      TRY(waitset_xml_writer_attr_int(w, "type", errors[i].code));
    TRY(waitset_xml_writer_end(w));
  }
  return 0;
}

/* Write the upper- or lower-case type name of an item type; an unknown
 * value is written as its number. */
static int
write_type(waitset_xml_writer *w, const char *attr, int32_t type, int lower)
{
  const char *name = waitset_item_type_name(type);
  char text[32];
  size_t i;

  if (name == NULL)
    return waitset_xml_writer_attr_int(w, attr, type);
  for (i = 0; name[i] != '\0' && i + 1 < sizeof(text); i++) {
    char c = name[i];

    if (lower && c >= 'A' && c <= 'Z')
      c = (char)(c - 'A' + 'a');
    text[i] = c;
  }
  text[i] = '\0';
  return waitset_xml_writer_attr(w, attr, text);
}

static int
write_item(waitset_xml_writer *w, const waitset_item_info *item)
{
  TRY(waitset_xml_writer_start(w, "m", NULL));
  TRY(waitset_xml_writer_attr_int(w, "id", item->id));
  TRY(waitset_xml_writer_attr_int(w, "i4uid", item->imap_uid));
  TRY(write_type(w, "t", item->type, 0));
  TRY(waitset_xml_writer_attr_int(w, "f", item->flags));
  TRY(waitset_xml_writer_attr(w, "tn", item->tags != NULL ? item->tags : ""));
  return waitset_xml_writer_end(w);
}

static int
write_mods(waitset_xml_writer *w, const waitset_folder_mods *mods)
{
  size_t i;

  TRY(waitset_xml_writer_start(w, "mods", NULL));
  TRY(waitset_xml_writer_attr_int(w, "id", mods->folder_id));
  for (i = 0; i < mods->created_count; i++) {
    TRY(waitset_xml_writer_start(w, "created", NULL));
    TRY(write_item(w, &mods->created[i]));
    TRY(waitset_xml_writer_end(w));
  }
  for (i = 0; i < mods->deleted_count; i++) {
    TRY(waitset_xml_writer_start(w, "deleted", NULL));
    TRY(waitset_xml_writer_attr_int(w, "id", mods->deleted[i].id));
    TRY(write_type(w, "t", mods->deleted[i].type, 1));
    TRY(waitset_xml_writer_end(w));
  }
  for (i = 0; i < mods->modified_count; i++) {
    TRY(waitset_xml_writer_start(w, "modMsgs", NULL));
    TRY(waitset_xml_writer_attr_int(w, "change", mods->modified[i].change));
    TRY(write_item(w, &mods->modified[i]));
    TRY(waitset_xml_writer_end(w));
  }
  for (i = 0; i < mods->modified_tag_count; i++) {
    const waitset_tag_info *tag = &mods->modified_tags[i];
    char id[24];

    snprintf(id, sizeof(id), "%d", (int)tag->id);
    TRY(waitset_xml_writer_start(w, "modTags", NULL));
    TRY(waitset_xml_writer_attr_int(w, "change", tag->change));
    TRY(waitset_xml_writer_start(w, "id", NULL));
    TRY(waitset_xml_writer_text(w, id));
    TRY(waitset_xml_writer_end(w));
    TRY(waitset_xml_writer_start(w, "name", NULL));
    TRY(waitset_xml_writer_text(w, tag->name != NULL ? tag->name : ""));
    TRY(waitset_xml_writer_end(w));
    TRY(waitset_xml_writer_end(w));
  }
  return waitset_xml_writer_end(w);
}

static int
write_signals(waitset_xml_writer *w, const waitset_response *resp)
{
  size_t i;
  size_t j;

  for (i = 0; i < resp->signal_count; i++) {
    const waitset_signal *signal = &resp->signals[i];

    TRY(waitset_xml_writer_start(w, "a", NULL));
    TRY(attr_if(w, "id", signal->account_id));
    TRY(waitset_xml_writer_attr_int(w, "changeid", signal->change_id));
    /* NOTE: signal->detail_lost has no wire form in Zimbra's schema, so
     * it is not written; the client sees the mods that were kept. */
    for (j = 0; j < signal->mods_count; j++)
      TRY(write_mods(w, &signal->mods[j]));
    TRY(waitset_xml_writer_end(w));
  }
  return 0;
}

static int
write_query_session(waitset_xml_writer *w, const waitset_query_session *s)
{
  TRY(waitset_xml_writer_start(w, "session", NULL));
  TRY(attr_if(w, "account", s->account_id));
  TRY(attr_if(w, "types", s->types));
  TRY(attr_if(w, "token", s->token));
  if (s->has_mbox_sync_token) {
    TRY(waitset_xml_writer_attr_int(w, "mboxSyncToken", s->mbox_sync_token));
    TRY(waitset_xml_writer_attr_int(w, "mboxSyncTokenDiff",
                                    s->mbox_sync_token_diff));
  }
  if (s->attached) {
    TRY(waitset_xml_writer_start(w, "WaitSetSession", NULL));
    TRY(attr_if(w, "interestMask", s->interest_mask));
    TRY(waitset_xml_writer_attr_int(w, "highestChangeId",
                                    s->highest_change_id));
    TRY(waitset_xml_writer_attr_int(w, "lastAccessTime", s->last_access_ms));
    TRY(waitset_xml_writer_attr_int(w, "creationTime", s->creation_ms));
    TRY(attr_if(w, "sessionId", s->session_id));
    TRY(attr_if(w, "token", s->token));
    TRY(attr_if(w, "folderInterests", s->folder_interests));
    TRY(waitset_xml_writer_end(w));
  }
  return waitset_xml_writer_end(w);
}

static int
write_ready(waitset_xml_writer *w, const waitset_query_waitset *ws)
{
  wsx_buf joined;
  size_t i;
  int rc = 0;

  wsx_buf_init(&joined, &w->alloc);
  for (i = 0; i < ws->ready_count && rc == 0; i++) {
    if (i > 0)
      rc = wsx_buf_append(&joined, ",", 1);
    if (rc == 0 && ws->ready[i] != NULL)
      rc = wsx_buf_puts(&joined, ws->ready[i]);
  }
  if (rc == 0)
    rc = waitset_xml_writer_start(w, "ready", NULL);
  if (rc == 0)
    rc = waitset_xml_writer_attr(w, "accounts",
                                 joined.data != NULL ? joined.data : "");
  if (rc == 0)
    rc = waitset_xml_writer_end(w);
  wsx_buf_free(&joined);
  return rc;
}

static int
write_query(waitset_xml_writer *w, const waitset_response *resp)
{
  size_t i;
  size_t j;

  for (i = 0; i < resp->waitset_count; i++) {
    const waitset_query_waitset *ws = &resp->waitsets[i];

    TRY(waitset_xml_writer_start(w, "waitSet", NULL));
    TRY(attr_if(w, "id", ws->id));
    TRY(attr_if(w, "owner", ws->owner));
    TRY(attr_if(w, "defTypes", ws->def_types));
    TRY(waitset_xml_writer_attr_int(w, "ld", ws->last_access_ms));
    TRY(attr_if(w, "cbSeqNo", ws->cb_seq));
    TRY(attr_if(w, "currentSeqNo", ws->current_seq));
    TRY(attr_if(w, "nextSeqNo", ws->next_seq));
    for (j = 0; j < ws->session_count; j++)
      TRY(write_query_session(w, &ws->sessions[j]));
    if (ws->error_count > 0) {
      TRY(waitset_xml_writer_start(w, "errors", NULL));
      TRY(write_errors(w, ws->errors, ws->error_count));
      TRY(waitset_xml_writer_end(w));
    }
    if (ws->ready_count > 0)
      TRY(write_ready(w, ws));
    TRY(waitset_xml_writer_end(w));
  }
  return 0;
}

static int
write_response_body(waitset_xml_writer *w, const waitset_response *resp,
                    const char *name)
{
  const char *ns = resp->admin || resp->op == WAITSET_OP_QUERY
                       ? WAITSET_XML_NS_ADMIN
                       : WAITSET_XML_NS_MAIL;

  TRY(waitset_xml_writer_start(w, name, ns));
  switch (resp->op) {
  case WAITSET_OP_CREATE:
    TRY(attr_if(w, "waitSet", resp->waitset_id));
    TRY(attr_if(w, "defTypes", resp->def_types));
    TRY(waitset_xml_writer_attr(w, "seq",
                                resp->seq != NULL ? resp->seq : "0"));
    TRY(write_errors(w, resp->errors, resp->error_count));
    break;
  case WAITSET_OP_WAIT:
    TRY(attr_if(w, "waitSet", resp->waitset_id));
    if (resp->canceled) {
      TRY(waitset_xml_writer_attr(w, "canceled", "1"));
    } else {
      TRY(attr_if(w, "seq", resp->seq));
      TRY(write_signals(w, resp));
    }
    TRY(write_errors(w, resp->errors, resp->error_count));
    break;
  case WAITSET_OP_DESTROY:
    TRY(attr_if(w, "waitSet", resp->waitset_id));
    break;
  default:
    TRY(write_query(w, resp));
    break;
  }
  return waitset_xml_writer_end(w);
}

int
waitset_xml_writer_response(waitset_xml_writer *w,
                            const waitset_response *resp)
{
  const char *name;
  int rc;

  if (w == NULL || resp == NULL)
    return WAITSET_EINVAL;
  if (w->error != 0)
    return w->error;
  if (resp->size < sizeof(waitset_response))
    return sticky_error(w, WAITSET_EINVAL);
  if (resp->status != 0)
    return waitset_xml_writer_fault(w, resp->status, resp->fault_reason,
                                    resp->fault_args, resp->fault_arg_count);
  name = waitset_xml_response_name(resp->op, resp->admin);
  if (name == NULL)
    return sticky_error(w, WAITSET_EINVAL);
  if (w->depth != 0 || w->phase == WSX_PHASE_BODY)
    return sticky_error(w, WAITSET_ESTATE);
  leave_header(w);
  rc = write_response_body(w, resp, name);
  return sticky_error(w, rc);
}

/* ------------------------------------------------------------------ */
/* Faults                                                              */

static int
raw_element(waitset_xml_writer *w, const char *qname, const char *text)
{
  TRY(wsx_writer_start_raw(w, qname, NULL));
  if (text != NULL)
    return waitset_xml_writer_text(w, text);
  return 0;
}

static int
end_raw(waitset_xml_writer *w)
{
  return waitset_xml_writer_end(w);
}

static int
write_fault_body(waitset_xml_writer *w, int err, const char *reason,
                 const waitset_fault_arg *args, size_t nargs)
{
  int sender = waitset_fault_is_sender(err);
  const char *code = waitset_fault_code(err);
  size_t i;

  if (reason == NULL)
    reason = waitset_strerror(err);
  TRY(raw_element(w, "soap:Fault", NULL));
  if (w->soap_version == WAITSET_XML_SOAP_NONE)
    TRY(wsx_writer_attr_raw(w, "xmlns:soap", WAITSET_XML_NS_SOAP12));
  if (w->soap_version == WAITSET_XML_SOAP_11) {
    TRY(raw_element(w, "faultcode",
                    sender ? "soap:Client" : "soap:Server"));
    TRY(end_raw(w));
    TRY(raw_element(w, "faultstring", reason));
    TRY(end_raw(w));
    TRY(raw_element(w, "detail", NULL));
  } else {
    TRY(raw_element(w, "soap:Code", NULL));
    TRY(raw_element(w, "soap:Value",
                    sender ? "soap:Sender" : "soap:Receiver"));
    TRY(end_raw(w));
    TRY(end_raw(w));
    TRY(raw_element(w, "soap:Reason", NULL));
    TRY(raw_element(w, "soap:Text", reason));
    TRY(end_raw(w));
    TRY(end_raw(w));
    TRY(raw_element(w, "soap:Detail", NULL));
  }
  TRY(wsx_writer_start_raw(w, "Error", WAITSET_XML_NS_ZIMBRA));
  TRY(wsx_writer_start_raw(w, "Code", NULL));
  TRY(waitset_xml_writer_text(w, code));
  TRY(waitset_xml_writer_end(w));
  for (i = 0; i < nargs; i++) {
    TRY(wsx_writer_start_raw(w, "a", NULL));
    TRY(wsx_writer_attr_raw(w, "n", args[i].name != NULL ? args[i].name
                                                          : ""));
    TRY(wsx_writer_attr_raw(w, "t", args[i].type != NULL ? args[i].type
                                                          : "STR"));
    TRY(waitset_xml_writer_text(w, args[i].value != NULL ? args[i].value
                                                          : ""));
    TRY(waitset_xml_writer_end(w));
  }
  TRY(waitset_xml_writer_end(w)); /* Error */
  TRY(waitset_xml_writer_end(w)); /* detail */
  return waitset_xml_writer_end(w); /* Fault */
}

int
waitset_xml_writer_fault(waitset_xml_writer *w, int err, const char *reason,
                         const waitset_fault_arg *args, size_t nargs)
{
  int rc;

  if (w == NULL || (args == NULL && nargs > 0) || err >= 0)
    return WAITSET_EINVAL;
  if (w->error != 0)
    return w->error;
  if (w->depth != 0 || w->phase == WSX_PHASE_BODY)
    return sticky_error(w, WAITSET_ESTATE);
  leave_header(w);
  rc = write_fault_body(w, err, reason, args, nargs);
  return sticky_error(w, rc);
}

/* ------------------------------------------------------------------ */
/* One-call encoders                                                   */

int
waitset_xml_encode_response(const waitset_allocator *alloc, int soap_version,
                            const waitset_response *resp,
                            waitset_xml_buffer **out)
{
  waitset_xml_writer *w;
  int rc;

  if (out == NULL)
    return WAITSET_EINVAL;
  *out = NULL;
  rc = waitset_xml_writer_new(&w, alloc, soap_version);
  if (rc != 0)
    return rc;
  rc = waitset_xml_writer_response(w, resp);
  if (rc == 0)
    rc = waitset_xml_writer_finish(w, out);
  waitset_xml_writer_free(w);
  return rc;
}

int
waitset_xml_encode_fault(const waitset_allocator *alloc, int soap_version,
                         int err, const char *reason,
                         const waitset_fault_arg *args, size_t nargs,
                         waitset_xml_buffer **out)
{
  waitset_xml_writer *w;
  int rc;

  if (out == NULL)
    return WAITSET_EINVAL;
  *out = NULL;
  rc = waitset_xml_writer_new(&w, alloc, soap_version);
  if (rc != 0)
    return rc;
  rc = waitset_xml_writer_fault(w, err, reason, args, nargs);
  if (rc == 0)
    rc = waitset_xml_writer_finish(w, out);
  waitset_xml_writer_free(w);
  return rc;
}

int
waitset_xml_encode_error(const waitset_allocator *alloc,
                         const waitset_xml_error *error,
                         waitset_xml_buffer **out)
{
  if (error == NULL || out == NULL || error->fault >= 0)
    return WAITSET_EINVAL;
  return waitset_xml_encode_fault(alloc, error->soap_version, error->fault,
                                  error->message, NULL, 0, out);
}
