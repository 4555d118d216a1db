/* SPDX-License-Identifier: MIT */
/*
 * libwaitset: the WaitSet engine of the Zimbra SOAP API on a libuv loop.
 *
 * A registry keeps every waitset of one host. The host hands it requests
 * (create, wait, destroy, query) as structs and committed mailbox changes
 * as change records. The registry completes each request once, through a
 * completion callback on the host's loop. The registry does no I/O: the
 * host owns sockets, HTTP, authentication and mailboxes. The XML codec in
 * <waitset/xml.h> turns SOAP documents into these structs and back.
 *
 * Conventions that hold for every function below unless its comment
 * states otherwise:
 *   - Thread: call on the loop thread only. The one exception is
 *     waitset_post_change_threadsafe().
 *   - Ownership: inputs are copied; the caller may free them as soon as
 *     the call returns. Pointers in a response are valid only for the
 *     duration of the callback that receives it.
 *   - Callbacks: a callback is never invoked from inside the call that
 *     registered it, and never if that call failed.
 *   - Returns: 0 on success or a negative WAITSET_E* code (errors.h).
 *
 * Struct ABI: every struct the host fills in starts with a size_t `size`
 * that the host sets to sizeof(the struct); newer fields are appended and
 * a shorter size means "not set". Structs the library hands out
 * (responses) are read-only; hosts never allocate or copy them. The small
 * element records (waitset_account_spec, waitset_item_info,
 * waitset_tag_info) are frozen: new fields go into new record types.
 */
#ifndef WAITSET_WAITSET_H
#define WAITSET_WAITSET_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "errors.h"
#include "version.h"

WAITSET_BEGIN_DECLS

/*
 * The host's libuv loop. Only a pointer crosses the API, so this header
 * does not include <uv.h> and compiles as strict C99; pass a uv_loop_t *.
 */
struct uv_loop_s;

/* ------------------------------------------------------------------ */
/* Version                                                             */

/**
 * Return the runtime library version as 0xMMmmpp, to compare with
 * WAITSET_VERSION_NUM from the headers. Thread: any.
 * @since 1.0
 */
WAITSET_API unsigned int waitset_version(void);

/**
 * Return the runtime library version as "MAJOR.MINOR.PATCH", a static
 * string. Thread: any.
 * @since 1.0
 */
WAITSET_API const char *waitset_version_string(void);

/* ------------------------------------------------------------------ */
/* Item types, change bits, per-account error codes                    */

/** Interest type bits: the letters f, m, c, a, t, d of the protocol. */
enum waitset_type_bit {
  WAITSET_TYPE_FOLDER = 1u << 0,      /* f */
  WAITSET_TYPE_MESSAGE = 1u << 1,     /* m */
  WAITSET_TYPE_CONTACT = 1u << 2,     /* c */
  WAITSET_TYPE_APPOINTMENT = 1u << 3, /* a */
  WAITSET_TYPE_TASK = 1u << 4,        /* t */
  WAITSET_TYPE_DOCUMENT = 1u << 5,    /* d */
  WAITSET_TYPE_ALL = 0x3fu            /* all */
};

/**
 * Mailbox item types, as used in change records and expand output. The
 * first six match the interest letters; the others can change but are
 * never "interesting" to a waitset.
 */
enum waitset_item_type {
  WAITSET_ITEM_UNKNOWN = 0,
  WAITSET_ITEM_FOLDER = 1,
  WAITSET_ITEM_MESSAGE = 2,
  WAITSET_ITEM_CONTACT = 3,
  WAITSET_ITEM_APPOINTMENT = 4,
  WAITSET_ITEM_TASK = 5,
  WAITSET_ITEM_DOCUMENT = 6,
  WAITSET_ITEM_TAG = 7,
  WAITSET_ITEM_CONVERSATION = 8,
  WAITSET_ITEM_SEARCHFOLDER = 9,
  WAITSET_ITEM_MOUNTPOINT = 10,
  WAITSET_ITEM_WIKI = 11,
  WAITSET_ITEM_NOTE = 12,
  WAITSET_ITEM_CHAT = 13,
  WAITSET_ITEM_COMMENT = 14,
  WAITSET_ITEM_LINK = 15,
  WAITSET_ITEM_VIRTUAL_CONVERSATION = 16,
  WAITSET_ITEM_SMARTFOLDER = 17
};

/**
 * Return the upper-case type name used in <m t="..">, e.g. "MESSAGE",
 * or NULL for an unknown value. The lower-case form of <deleted t="..">
 * is the same name in lower case. Thread: any.
 * @since 1.0
 */
WAITSET_API const char *waitset_item_type_name(int type);

/** Change reason bits of modified items (<modMsgs change="..">). */
enum waitset_change_bit {
  WAITSET_CHANGE_UNREAD = 0x1,
  WAITSET_CHANGE_TAGS = 0x2,
  WAITSET_CHANGE_FLAGS = 0x4,
  WAITSET_CHANGE_CONFIG = 0x8,
  WAITSET_CHANGE_SIZE = 0x10,
  WAITSET_CHANGE_DATE = 0x20,
  WAITSET_CHANGE_SUBJECT = 0x40,
  WAITSET_CHANGE_IMAP_UID = 0x80,
  WAITSET_CHANGE_FOLDER = 0x100,
  WAITSET_CHANGE_PARENT = 0x200,
  WAITSET_CHANGE_CHILDREN = 0x400,
  WAITSET_CHANGE_SENDERS = 0x800,
  WAITSET_CHANGE_NAME = 0x1000,
  WAITSET_CHANGE_COLOR = 0x2000,
  WAITSET_CHANGE_POSITION = 0x4000,
  WAITSET_CHANGE_QUERY = 0x8000,
  WAITSET_CHANGE_CONTENT = 0x10000
};

/** Per-account error codes, the `type` of <error id=".." type="..">. */
enum waitset_account_error_code {
  WAITSET_ACCOUNT_ALREADY_IN_SET_DURING_ADD = 1,
  WAITSET_ACCOUNT_ERROR_LOADING_MAILBOX = 2,
  WAITSET_ACCOUNT_MAINTENANCE_MODE = 3, /* known, never emitted */
  WAITSET_ACCOUNT_NO_SUCH_ACCOUNT = 4,
  WAITSET_ACCOUNT_WRONG_HOST_FOR_ACCOUNT = 5,
  WAITSET_ACCOUNT_NOT_IN_SET_DURING_REMOVE = 6,
  WAITSET_ACCOUNT_NOT_IN_SET_DURING_UPDATE = 7,
  WAITSET_ACCOUNT_MAILBOX_DELETED = 8
};

/**
 * Return the wire name of a per-account error code, such as
 * "NOT_IN_SET_DURING_UPDATE", or NULL for an unknown value. Thread: any.
 * @since 1.0
 */
WAITSET_API const char *waitset_account_error_name(int code);

/* ------------------------------------------------------------------ */
/* Allocator, log, options                                             */

#define WAITSET_ALLOCATOR_VERSION 1

/**
 * Allocator hook. The functions take no context so that the codec can
 * hand the same three to expat; every byte either library allocates goes
 * through them. libwaitset never calls uv_replace_allocator().
 */
typedef struct waitset_allocator {
  unsigned int version; /* WAITSET_ALLOCATOR_VERSION */
  void *(*malloc)(size_t size);
  void *(*realloc)(void *ptr, size_t size);
  void (*free)(void *ptr);
} waitset_allocator;

enum waitset_log_level {
  WAITSET_LOG_ERROR = 1,
  WAITSET_LOG_WARN = 2,
  WAITSET_LOG_INFO = 3,
  WAITSET_LOG_DEBUG = 4,
  WAITSET_LOG_TRACE = 5
};

/**
 * Log hook. `message` is one preformatted line without a newline, valid
 * only during the call. The hook may call only the pure functions
 * (strerror, names, version); anything else returns WAITSET_ERECURSIVE.
 */
typedef void (*waitset_log_cb)(int level, const char *message,
                               void *user_data);

/**
 * Timing values and limits of a registry. Durations are in milliseconds.
 * The defaults are Zimbra's; each bound is checked by
 * waitset_registry_new().
 */
enum waitset_option {
  /* Delay before a non-blocking, non-admin Wait is applied. Default
   * 1000; 0 disables it. */
  WAITSET_OPT_INITIAL_DELAY_MS = 1,
  /* The no-data wait before a blocking Wait is parked for its timeout;
   * data arriving meanwhile ends it. Default 3000; 0 disables it. */
  WAITSET_OPT_COALESCE_DELAY_MS = 2,
  /* Timeout of a user Wait: default 300 s, min 30 s, max 1200 s. */
  WAITSET_OPT_TIMEOUT_DEFAULT_MS = 3,
  WAITSET_OPT_TIMEOUT_MIN_MS = 4,
  WAITSET_OPT_TIMEOUT_MAX_MS = 5,
  /* Timeout of an admin Wait: default 300 s, min 1 s, max 3600 s. */
  WAITSET_OPT_ADMIN_TIMEOUT_DEFAULT_MS = 6,
  WAITSET_OPT_ADMIN_TIMEOUT_MIN_MS = 7,
  WAITSET_OPT_ADMIN_TIMEOUT_MAX_MS = 8,
  /* A waitset without a waiter, untouched this long, is destroyed by the
   * sweep. Default 20 min; must be > 0. */
  WAITSET_OPT_IDLE_EXPIRY_MS = 9,
  /* Period of the idle sweep. Default 60 s; must be > 0. */
  WAITSET_OPT_SWEEP_INTERVAL_MS = 10,
  /* Waitsets per owner for tokens that are not global-admin tokens.
   * Default 5; must be >= 1. */
  WAITSET_OPT_MAX_WAITSETS_PER_OWNER = 11,
  /* Accounts one waitset may watch. Default 1,000,000. */
  WAITSET_OPT_MAX_ACCOUNTS_PER_WAITSET = 12,
  /* Change-detail records kept per account between acknowledgements;
   * past it the account is still signalled and the response marks the
   * detail as lost. Default 1000. */
  WAITSET_OPT_MAX_DETAIL_PER_ACCOUNT = 13
};

typedef struct waitset_options waitset_options;

/**
 * Create an options object holding the defaults.
 * @param out  receives the object; free it with waitset_options_free().
 * @return 0, or WAITSET_EINVAL (NULL out), WAITSET_ENOMEM.
 * @since 1.0
 */
WAITSET_API int waitset_options_new(waitset_options **out);

/** Free an options object. NULL is allowed. @since 1.0 */
WAITSET_API void waitset_options_free(waitset_options *opts);

/**
 * Set one timing value or limit (enum waitset_option).
 * @return 0, WAITSET_EINVAL for an unknown option, or WAITSET_ERANGE for
 *         a value outside the option's own range. Bounds that involve two
 *         options (min <= default <= max) are checked by
 *         waitset_registry_new().
 * @since 1.0
 */
WAITSET_API int waitset_options_set(waitset_options *opts, int option,
                                    int64_t value);

/**
 * Read one timing value or limit into *out.
 * @return 0 or WAITSET_EINVAL for an unknown option.
 * @since 1.0
 */
WAITSET_API int waitset_options_get(const waitset_options *opts, int option,
                                    int64_t *out);

/**
 * Set the allocator (copied). NULL restores libc.
 * @return 0, or WAITSET_EVERSION for an unknown allocator version,
 *         WAITSET_EINVAL when a function pointer is missing.
 * @since 1.0
 */
WAITSET_API int waitset_options_set_allocator(waitset_options *opts,
                                              const waitset_allocator *alloc);

/**
 * Set the log hook and the most verbose level it receives. The default
 * is no hook: the library is silent.
 * @since 1.0
 */
WAITSET_API int waitset_options_set_log(waitset_options *opts, int max_level,
                                        waitset_log_cb cb, void *user_data);

/* ------------------------------------------------------------------ */
/* Callers and host callbacks                                          */

/** Flags of a caller. */
enum waitset_caller_flag {
  WAITSET_CALLER_ADMIN_TOKEN = 1u << 0,  /* may call urn:zimbraAdmin */
  WAITSET_CALLER_GLOBAL_ADMIN = 1u << 1  /* global (system) admin */
};

/**
 * The principal of a request, from its auth token. The host
 * authenticates; libwaitset decides everything else.
 */
typedef struct waitset_caller {
  size_t size;
  /* Account id of the token; NULL when the request carried no valid
   * token, which fails with WAITSET_EAUTH_REQUIRED. */
  const char *account_id;
  /* Account the request acts for (the <account> context header), as an
   * id; NULL means account_id. It owns created waitsets and is compared
   * with the owner. */
  const char *requested_account_id;
  uint32_t flags; /* enum waitset_caller_flag */
} waitset_caller;

typedef struct waitset_registry waitset_registry;
typedef struct waitset_lookup waitset_lookup;

/** Location of an account's mailbox, as the host reports it. */
enum waitset_account_status {
  WAITSET_ACCOUNT_LOCAL = 0,       /* on this host and available */
  WAITSET_ACCOUNT_REMOTE = 1,      /* hosted on another server */
  WAITSET_ACCOUNT_MAINTENANCE = 2, /* temporarily unavailable */
  WAITSET_ACCOUNT_NOT_FOUND = 3,   /* no such account */
  WAITSET_ACCOUNT_FAILED = 4       /* the mailbox could not be read */
};

/** The result of a lookup, filled in by the host. */
typedef struct waitset_account_info {
  size_t size;
  int32_t status; /* enum waitset_account_status */
  /* 1 when the lookup's caller may act on this account (own account,
   * child account, login-as right, or a global admin); 0 otherwise. */
  int32_t access;
  const char *id;         /* account id; lowercased by libwaitset */
  const char *name;       /* account name, used in fault messages */
  int64_t last_change_id; /* for WAITSET_ACCOUNT_LOCAL */
} waitset_account_info;

/**
 * Host callbacks. lookup_account is asynchronous so that a slow lookup
 * delays only the requests that name that account.
 */
typedef struct waitset_host {
  size_t size;
  /* Resolve an account by id or name (waitset_lookup_key) for a caller
   * (waitset_lookup_caller), and decide access. The host calls
   * waitset_lookup_complete() once, from inside this callback or later on
   * the loop thread. A second call is undefined, because the first one
   * frees the lookup. Required. */
  void (*lookup_account)(waitset_registry *reg, waitset_lookup *lookup,
                         void *user_data);
  /* Return the current lastChangeId of a local mailbox, or a negative
   * value when the mailbox is not available. Must not block. Required. */
  int64_t (*last_change_id)(waitset_registry *reg, const char *account_id,
                            void *user_data);
  void *user_data;
} waitset_host;

/**
 * Return the id or name a lookup resolves. Valid until the lookup is
 * completed. @since 1.0
 */
WAITSET_API const char *waitset_lookup_key(const waitset_lookup *lookup);

/** Return 1 when the lookup key is an account name, 0 for an id. */
WAITSET_API int waitset_lookup_by_name(const waitset_lookup *lookup);

/**
 * Return the caller whose access the lookup decides. Valid until the
 * lookup is completed. @since 1.0
 */
WAITSET_API const waitset_caller *
waitset_lookup_caller(const waitset_lookup *lookup);

/**
 * Complete a lookup with the host's result (copied). Call exactly once
 * per lookup, on the loop thread. The lookup is freed when this returns
 * 0 or WAITSET_ECANCELED. After any other code the lookup is untouched
 * and the host must complete it again with a valid answer.
 * @return 0, WAITSET_EINVAL (NULL lookup or info, bad status),
 *         WAITSET_EVERSION (unknown info size), WAITSET_ERECURSIVE (from
 *         the log hook), or
 *         WAITSET_ECANCELED when the request that started the lookup was
 *         abandoned or the registry is closing. The answer is then
 *         dropped, and the host has nothing more to do.
 * @since 1.0
 */
WAITSET_API int waitset_lookup_complete(waitset_lookup *lookup,
                                        const waitset_account_info *info);

/* ------------------------------------------------------------------ */
/* Registry                                                            */

/**
 * Create a registry on a loop.
 * @param out   receives the registry.
 * @param loop  borrowed; must outlive the registry.
 * @param opts  copied; NULL means the defaults.
 * @param host  copied; lookup_account and last_change_id are required.
 * @return 0, or WAITSET_EINVAL, WAITSET_ERANGE (inconsistent options),
 *         WAITSET_EVERSION (unknown struct size), WAITSET_ENOMEM,
 *         WAITSET_ELOOP.
 * @since 1.0
 */
WAITSET_API int waitset_registry_new(waitset_registry **out,
                                     struct uv_loop_s *loop,
                                     const waitset_options *opts,
                                     const waitset_host *host);

typedef void (*waitset_close_cb)(waitset_registry *reg, void *user_data);

/**
 * Start closing a registry, like uv_close(). Every pending request
 * completes: waits as canceled, others with WAITSET_ECANCELED. Then, on
 * a later loop turn and once the host has completed every lookup,
 * close_cb runs once, and the memory is freed when it returns. After this call
 * every function on the registry returns WAITSET_ECLOSING.
 * May be called from a response callback.
 * @return 0, WAITSET_EINVAL, or WAITSET_ECLOSING when already closing.
 * @since 1.0
 */
WAITSET_API int waitset_registry_close(waitset_registry *reg,
                                       waitset_close_cb close_cb,
                                       void *user_data);

/** Set and get the host's user-data slot of a registry. @since 1.0 */
WAITSET_API void waitset_registry_set_user_data(waitset_registry *reg,
                                                void *data);
WAITSET_API void *waitset_registry_get_user_data(const waitset_registry *reg);

/** Return the number of live waitsets. @since 1.0 */
WAITSET_API size_t waitset_registry_count(const waitset_registry *reg);

/** Return the number of requests waiting for data. @since 1.0 */
WAITSET_API size_t waitset_registry_parked(const waitset_registry *reg);

/* ------------------------------------------------------------------ */
/* Requests                                                            */

enum waitset_op {
  WAITSET_OP_CREATE = 1,  /* [Admin]CreateWaitSetRequest */
  WAITSET_OP_WAIT = 2,    /* [Admin]WaitSetRequest */
  WAITSET_OP_DESTROY = 3, /* [Admin]DestroyWaitSetRequest */
  WAITSET_OP_QUERY = 4    /* QueryWaitSetRequest (admin only) */
};

/**
 * One <a> of <add>, <update> or <remove>, values exactly as received
 * (NULL = absent). libwaitset validates them. Frozen record.
 */
typedef struct waitset_account_spec {
  const char *id;
  const char *name;
  const char *token;
  const char *types;
  const char *folder_interests;
} waitset_account_spec;

/**
 * A request. String fields hold attribute values exactly as received,
 * NULL when absent; libwaitset parses and validates every one of them
 * before any side effect. Booleans (block, expand, all_accounts) accept
 * 1, 0, true and false in any letter case, with surrounding blanks; any
 * other value is a WAITSET_EINVALID_REQUEST fault. `timeout` is whole
 * seconds, clamped without error into the bounds of the caller's role
 * (WAITSET_OPT_TIMEOUT_* or WAITSET_OPT_ADMIN_TIMEOUT_*). Create returns
 * seq "0" and the first data response carries "2", as in Zimbra.
 */
typedef struct waitset_request {
  size_t size;
  int32_t op;    /* enum waitset_op */
  int32_t admin; /* 1 for the urn:zimbraAdmin command */
  const char *waitset_id;
  const char *seq;
  const char *def_types;
  const char *timeout; /* seconds */
  const char *block;
  const char *expand;
  const char *all_accounts;
  const waitset_account_spec *add;
  size_t add_count;
  const waitset_account_spec *update;
  size_t update_count;
  const waitset_account_spec *remove;
  size_t remove_count;
} waitset_request;

/* ------------------------------------------------------------------ */
/* Responses                                                           */

/**
 * An item in a change record or in expand output (<m>, <deleted>).
 * Frozen record.
 */
typedef struct waitset_item_info {
  int32_t id;
  int32_t imap_uid;
  int32_t type;      /* enum waitset_item_type */
  int32_t flags;     /* item flag bits, e.g. 512 = unread */
  int32_t folder_id; /* current folder; for a folder, its parent; for a
                        deleted item, its previous folder or -1 */
  int32_t prev_folder_id; /* modified items: folder before a move, or 0 */
  int32_t change;         /* modified items: enum waitset_change_bit */
  const char *tags;       /* tag names joined by commas, or NULL */
} waitset_item_info;

/** A modified tag (<modTags>). Frozen record. */
typedef struct waitset_tag_info {
  int32_t id;
  int32_t change; /* enum waitset_change_bit */
  const char *name;
} waitset_tag_info;

/** The expand detail of one folder (<mods id="..">). */
typedef struct waitset_folder_mods {
  int32_t folder_id;
  const waitset_item_info *created;
  size_t created_count;
  const waitset_item_info *deleted;
  size_t deleted_count;
  const waitset_item_info *modified;
  size_t modified_count;
  const waitset_tag_info *modified_tags;
  size_t modified_tag_count;
} waitset_folder_mods;

/** A signalled account (<a id=".." changeid="..">). */
typedef struct waitset_signal {
  const char *account_id;
  int64_t change_id; /* current lastChangeId, 0 when unavailable */
  const waitset_folder_mods *mods; /* only with expand */
  size_t mods_count;
  /* 1 when the per-account detail cap dropped records since the last
   * acknowledgement: the client must resynchronise this account. */
  int32_t detail_lost;
} waitset_signal;

/** A per-account error (<error id=".." type="..">). */
typedef struct waitset_account_error {
  const char *account_id;
  int32_t code; /* enum waitset_account_error_code */
} waitset_account_error;

/** A fault detail argument (<a n=".." t="..">value</a>). */
typedef struct waitset_fault_arg {
  const char *name;
  const char *type; /* "STR", "IID", "ACCTID" or "NUM" */
  const char *value;
} waitset_fault_arg;

/** One account of a waitset in QueryWaitSet output (<session>). */
typedef struct waitset_query_session {
  const char *account_id;
  const char *types;        /* compact form, e.g. "mc" or "all" */
  const char *token;        /* canonical sync token, or NULL */
  int32_t attached;         /* 1 when a listener is attached */
  int32_t has_mbox_sync_token; /* token and listener present */
  int64_t mbox_sync_token;      /* mailbox lastChangeId */
  int64_t mbox_sync_token_diff; /* lastChangeId minus token changeId */
  /* The rest describes the listener (<WaitSetSession>), when attached. */
  const char *interest_mask; /* comma form, e.g. "f,m,c,a,t,d" */
  int64_t highest_change_id;
  int64_t last_access_ms;
  int64_t creation_ms;
  const char *session_id;
  const char *folder_interests; /* "1,2", or NULL when all folders */
} waitset_query_session;

/** One waitset in QueryWaitSet output (<waitSet>). */
typedef struct waitset_query_waitset {
  const char *id;
  const char *owner;
  const char *def_types;  /* compact form */
  int64_t last_access_ms; /* ms since the epoch */
  const char *cb_seq;
  const char *current_seq;
  const char *next_seq; /* all-accounts waitsets only, else NULL */
  const waitset_query_session *sessions;
  size_t session_count;
  const waitset_account_error *errors; /* unsent runtime errors */
  size_t error_count;
  const char *const *ready; /* unsent signalled account ids */
  size_t ready_count;
} waitset_query_waitset;

/**
 * The response to a request. Read-only; valid during the callback only.
 */
typedef struct waitset_response {
  size_t size;
  int32_t op;    /* the request's op */
  int32_t admin; /* the request's admin flag */
  /* 0, or a negative code whose fault the host sends
   * (waitset_fault_code); then only the fault fields are set. */
  int status;
  const char *fault_reason;
  const waitset_fault_arg *fault_args;
  size_t fault_arg_count;

  const char *waitset_id;
  const char *def_types; /* create: canonical comma form */
  /* create: "0"; wait: the new seq or the client's seq; NULL when
   * canceled and for destroy and query. */
  const char *seq;
  int32_t canceled;
  const waitset_signal *signals;
  size_t signal_count;
  const waitset_account_error *errors;
  size_t error_count;
  const waitset_query_waitset *waitsets; /* query */
  size_t waitset_count;
} waitset_response;

typedef struct waitset_call waitset_call;

/**
 * Completion callback of a request, called exactly once per accepted
 * request unless the call is abandoned. It may call waitset_execute(),
 * waitset_call_abandon(), waitset_post_change() and
 * waitset_registry_close(); the response stays valid until it returns.
 */
typedef void (*waitset_response_cb)(waitset_registry *reg,
                                    const waitset_response *resp,
                                    void *user_data);

/**
 * Start a request. The request is copied and validated; every answer,
 * a protocol fault included, arrives through cb on a later loop turn.
 *
 * @param reg   the registry.
 * @param caller  copied; the principal of the request.
 * @param req   copied.
 * @param cb    required.
 * @param out   optional; receives a handle for waitset_call_abandon(),
 *              valid until cb returns or the call is abandoned.
 * @return 0 when cb will be called; WAITSET_EINVAL (NULL argument, bad
 *         op), WAITSET_EVERSION (unknown struct size), WAITSET_ERANGE
 *         (more than 2^30 entries in one account list), WAITSET_ENOMEM,
 *         WAITSET_ECLOSING, WAITSET_ERECURSIVE (from the log hook).
 * Callback context: allowed from a response callback.
 * @since 1.0
 */
WAITSET_API int waitset_execute(waitset_registry *reg,
                                const waitset_caller *caller,
                                const waitset_request *req,
                                waitset_response_cb cb, void *user_data,
                                waitset_call **out);

/**
 * Abandon a request whose client went away. Its callback is never
 * called after this returns. A parked wait is detached without taking
 * any data, so the next Wait on the waitset receives it.
 * @return 0, WAITSET_EINVAL.
 * @since 1.0
 */
WAITSET_API int waitset_call_abandon(waitset_call *call);

/* ------------------------------------------------------------------ */
/* Change records and mailbox events from the host                     */

/** One committed mailbox change. */
typedef struct waitset_change {
  size_t size;
  const char *account_id;
  int64_t change_id;
  uint32_t types; /* enum waitset_type_bit: the changed item types */
  /* Changed folders: folders that changed themselves and the folders of
   * created, modified (old and new) and deleted items. */
  const int32_t *folders;
  size_t folder_count;
  /* Optional item detail, used for expand. */
  const waitset_item_info *created;
  size_t created_count;
  const waitset_item_info *modified;
  size_t modified_count;
  const waitset_item_info *deleted;
  size_t deleted_count;
  const waitset_tag_info *modified_tags;
  size_t modified_tag_count;
  /* Id of the waitset whose client made this change (the wsId of the
   * SOAP session header), or NULL. That waitset is not signalled. */
  const char *source_waitset_id;
} waitset_change;

/**
 * Report a committed change, on the loop thread. Signals every
 * interested waitset; parked waits complete on a later loop turn.
 * @return 0, WAITSET_EINVAL, WAITSET_ENOMEM (the change is dropped and
 *         logged), WAITSET_ECLOSING, WAITSET_ERECURSIVE.
 * @since 1.0
 */
WAITSET_API int waitset_post_change(waitset_registry *reg,
                                    const waitset_change *change);

/**
 * Report a committed change from any thread. The record is copied into
 * a queue that the loop drains; records are applied in posting order
 * per posting thread. The host must stop posting before it closes the
 * registry.
 * @return 0, WAITSET_EINVAL, WAITSET_ENOMEM.
 * Thread: any.
 * @since 1.0
 */
WAITSET_API int waitset_post_change_threadsafe(waitset_registry *reg,
                                               const waitset_change *change);

/**
 * Report that an account's mailbox was deleted: the account leaves every
 * waitset that watches it, and each gets a MAILBOX_DELETED error.
 * @since 1.0
 */
WAITSET_API int waitset_mailbox_deleted(waitset_registry *reg,
                                        const char *account_id);

/**
 * Report that a mailbox became unavailable (maintenance, unloaded). The
 * accounts stay in their waitsets with their settings; listeners are
 * detached until waitset_mailbox_available().
 * @since 1.0
 */
WAITSET_API int waitset_mailbox_unavailable(waitset_registry *reg,
                                            const char *account_id);

/**
 * Report that a mailbox is available again, with its lastChangeId.
 * Listeners are attached from each account's stored settings, and the
 * token check runs.
 * @since 1.0
 */
WAITSET_API int waitset_mailbox_available(waitset_registry *reg,
                                          const char *account_id,
                                          int64_t last_change_id);

/**
 * Report that attaching a mailbox failed after it was unavailable: the
 * account leaves every waitset with a runtime ERROR_LOADING_MAILBOX
 * error.
 * @since 1.0
 */
WAITSET_API int waitset_mailbox_failed(waitset_registry *reg,
                                       const char *account_id);

WAITSET_END_DECLS

#endif /* WAITSET_WAITSET_H */
