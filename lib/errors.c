/* SPDX-License-Identifier: MIT */
/*
 * Error codes, their messages, names and SOAP fault codes, from one
 * table; plus the version and the static name tables of the protocol.
 */
#include <stddef.h>

#include "internal.h"

/* X(name, message, fault code, sender fault) */
#define WS_ERROR_MAP(X)                                                      \
  X(WAITSET_OK, "success", "service.FAILURE", 0)                             \
  X(WAITSET_EINVAL, "invalid argument", "service.FAILURE", 0)                \
  X(WAITSET_ENOMEM, "out of memory", "service.FAILURE", 0)                   \
  X(WAITSET_EEXIST, "key exists already", "service.FAILURE", 0)              \
  X(WAITSET_ENOENT, "key does not exist", "service.FAILURE", 0)              \
  X(WAITSET_ETIMEDOUT, "operation timed out", "service.FAILURE", 0)          \
  X(WAITSET_ECANCELED, "operation canceled", "service.FAILURE", 0)           \
  X(WAITSET_ECLOSING, "object is closing", "service.FAILURE", 0)             \
  X(WAITSET_ERECURSIVE, "call not allowed from this callback",               \
    "service.FAILURE", 0)                                                    \
  X(WAITSET_EVERSION, "struct size or version not supported",                \
    "service.FAILURE", 0)                                                    \
  X(WAITSET_EUSER, "host callback requested an abort", "service.FAILURE", 0) \
  X(WAITSET_ELOOP, "libuv call failed", "service.FAILURE", 0)                \
  X(WAITSET_ERANGE, "value out of range", "service.FAILURE", 0)              \
  X(WAITSET_ESTATE, "call does not fit the object state",                    \
    "service.FAILURE", 0)                                                    \
  X(WAITSET_EINVALID_REQUEST, "invalid request",                             \
    "service.INVALID_REQUEST", 1)                                            \
  X(WAITSET_EPERM_DENIED, "permission denied", "service.PERM_DENIED", 1)     \
  X(WAITSET_ENO_SUCH_WAITSET, "no such waitset", "admin.NO_SUCH_WAITSET", 1) \
  X(WAITSET_EMAIL_NO_SUCH_WAITSET, "waitset not found",                      \
    "mail.NO_SUCH_WAITSET", 1)                                               \
  X(WAITSET_EAUTH_REQUIRED, "no valid authtoken present",                    \
    "service.AUTH_REQUIRED", 1)                                              \
  X(WAITSET_EAUTH_EXPIRED, "auth token expired", "service.AUTH_EXPIRED", 1)  \
  X(WAITSET_EFAILURE, "system failure", "service.FAILURE", 0)                \
  X(WAITSET_EPARSE_ERROR, "parse error", "service.PARSE_ERROR", 1)           \
  X(WAITSET_EUNKNOWN_DOCUMENT, "unknown document",                           \
    "service.UNKNOWN_DOCUMENT", 1)                                           \
  X(WAITSET_EXML_SYNTAX, "XML not well-formed", "service.PARSE_ERROR", 1)    \
  X(WAITSET_EXML_SCHEMA, "XML is not a valid request",                       \
    "service.INVALID_REQUEST", 1)                                            \
  X(WAITSET_EXML_LIMIT, "XML size, depth or count over a limit",             \
    "service.INVALID_REQUEST", 1)                                            \
  X(WAITSET_EXML_TRUNCATED, "XML document ended early",                      \
    "service.PARSE_ERROR", 1)                                                \
  X(WAITSET_EXML_UNSUPPORTED, "expat lacks UTF-8 character support",         \
    "service.FAILURE", 0)                                                    \
  X(WAITSET_EXML_DOCTYPE, "DOCTYPE or entity declaration in XML",            \
    "service.PARSE_ERROR", 1)                                                \
  X(WAITSET_EXML_UNKNOWN, "unknown request element",                         \
    "service.UNKNOWN_DOCUMENT", 1)                                           \
  X(WAITSET_EXML_NAMESPACE, "XML element in the wrong namespace",            \
    "service.INVALID_REQUEST", 1)                                            \
  X(WAITSET_EXML_STOPPED, "XML decoding stopped by the host",                \
    "service.FAILURE", 0)

typedef struct ws_error_row {
  int code;
  const char *name;
  const char *message;
  const char *fault;
  int sender;
} ws_error_row;

#define WS_ERROR_ROW(code, msg, fault, sender)                               \
  {code, #code, msg, fault, sender},

static const ws_error_row error_rows[] = {WS_ERROR_MAP(WS_ERROR_ROW)};

static const ws_error_row *
find_error(int err)
{
  size_t i;

  for (i = 0; i < sizeof(error_rows) / sizeof(error_rows[0]); i++) {
    if (error_rows[i].code == err)
      return &error_rows[i];
  }
  return NULL;
}

const char *
waitset_strerror(int err)
{
  const ws_error_row *row = find_error(err);

  return row != NULL ? row->message : "unknown error";
}

const char *
waitset_err_name(int err)
{
  const ws_error_row *row = find_error(err);

  return row != NULL ? row->name : "WAITSET_UNKNOWN";
}

const char *
waitset_fault_code(int err)
{
  const ws_error_row *row = find_error(err);

  return row != NULL ? row->fault : "service.FAILURE";
}

int
waitset_fault_is_sender(int err)
{
  const ws_error_row *row = find_error(err);

  return row != NULL ? row->sender : 0;
}

unsigned int
waitset_version(void)
{
  return WAITSET_VERSION_NUM;
}

const char *
waitset_version_string(void)
{
  return WAITSET_VERSION_STRING;
}

const char *
waitset_item_type_name(int type)
{
  /* Indexed by enum waitset_item_type. */
  static const char *const names[] = {
      "UNKNOWN",      "FOLDER",     "MESSAGE",
      "CONTACT",      "APPOINTMENT", "TASK",
      "DOCUMENT",     "TAG",        "CONVERSATION",
      "SEARCHFOLDER", "MOUNTPOINT", "WIKI",
      "NOTE",         "CHAT",       "COMMENT",
      "LINK",         "VIRTUAL_CONVERSATION",
      "SMARTFOLDER"};

  if (type < 0 || (size_t)type >= sizeof(names) / sizeof(names[0]))
    return NULL;
  return names[type];
}

const char *
waitset_account_error_name(int code)
{
  static const char *const names[] = {
      NULL,
      "ALREADY_IN_SET_DURING_ADD",
      "ERROR_LOADING_MAILBOX",
      "MAINTENANCE_MODE",
      "NO_SUCH_ACCOUNT",
      "WRONG_HOST_FOR_ACCOUNT",
      "NOT_IN_SET_DURING_REMOVE",
      "NOT_IN_SET_DURING_UPDATE",
      "MAILBOX_DELETED"};

  if (code < 1 || (size_t)code >= sizeof(names) / sizeof(names[0]))
    return NULL;
  return names[code];
}
