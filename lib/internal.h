/* SPDX-License-Identifier: MIT */
/*
 * Private declarations of the libwaitset core: the registry, waitsets,
 * account entries, calls, and the small containers they are built from.
 */
#ifndef WAITSET_INTERNAL_H
#define WAITSET_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "waitset/waitset.h"

#define WS_CONTAINER_OF(ptr, type, field)                                    \
  ((type *)(void *)((char *)(ptr) - offsetof(type, field)))

/* Maximum length of a client value quoted in a fault reason, in bytes. */
#define WS_QUOTE_MAX 128

/* ------------------------------------------------------------------ */
/* Intrusive doubly linked list; an unlinked node has next == NULL.     */

typedef struct ws_list {
  struct ws_list *next;
  struct ws_list *prev;
} ws_list;

void ws_list_init(ws_list *head);
int ws_list_empty(const ws_list *head);
int ws_list_linked(const ws_list *node);
void ws_list_push_back(ws_list *head, ws_list *node);
void ws_list_remove(ws_list *node);

/* ------------------------------------------------------------------ */
/* Memory                                                              */

void *ws_malloc(const waitset_allocator *a, size_t size);
void *ws_calloc(const waitset_allocator *a, size_t n, size_t size);
void *ws_realloc(const waitset_allocator *a, void *ptr, size_t size);
void ws_free(const waitset_allocator *a, void *ptr);
char *ws_strdup(const waitset_allocator *a, const char *s);

/* A bump allocator whose blocks are released together. */
typedef struct ws_arena_block ws_arena_block;
typedef struct ws_arena {
  const waitset_allocator *alloc;
  ws_arena_block *head;
} ws_arena;

void ws_arena_init(ws_arena *arena, const waitset_allocator *alloc);
void *ws_arena_alloc(ws_arena *arena, size_t size);
void *ws_arena_calloc(ws_arena *arena, size_t n, size_t size);
char *ws_arena_strdup(ws_arena *arena, const char *s);
char *ws_arena_printf(ws_arena *arena, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void ws_arena_free(ws_arena *arena);

/* ------------------------------------------------------------------ */
/* Open-addressing string map. Values store their own key and hash, read */
/* through the map's functions, so a slot is one pointer.              */

typedef const char *(*ws_map_key_fn)(const void *value);
typedef uint32_t (*ws_map_hash_fn)(const void *value);

typedef struct ws_map_slot {
  void *value; /* NULL for an empty slot */
} ws_map_slot;

typedef struct ws_map {
  ws_map_slot *slots;
  uint32_t cap; /* 0 or a power of two */
  uint32_t count;
  ws_map_key_fn key;
  ws_map_hash_fn hash;
} ws_map;

uint32_t ws_hash(const char *s);
uint32_t ws_hash_lower(const char *s, size_t *len, int *upper);
void ws_map_init(ws_map *map, ws_map_key_fn key, ws_map_hash_fn hash);
void *ws_map_get(const ws_map *map, const char *key);
void *ws_map_get_hashed(const ws_map *map, const char *key, uint32_t hash);
/* Reserve room for one more value, so a following put cannot fail. */
int ws_map_reserve(const waitset_allocator *a, ws_map *map);
int ws_map_put(const waitset_allocator *a, ws_map *map, void *value);
void *ws_map_del(ws_map *map, const char *key);
void ws_map_destroy(const waitset_allocator *a, ws_map *map);

/* ------------------------------------------------------------------ */
/* Parsing and printing of protocol values                             */

typedef struct ws_token {
  int32_t change;
  int32_t change_offset; /* -1 when absent */
  int32_t del;
  int32_t del_offset; /* -1 when absent */
} ws_token;

int ws_parse_bool(const char *s, int *out);
int ws_parse_types(const char *s, uint32_t *out);
int ws_parse_int64(const char *s, int trim, int64_t *out);
int ws_parse_token(const char *s, ws_token *out);
int ws_parse_folders(ws_arena *arena, const char *s, int32_t **out,
                     uint32_t *count);
void ws_types_comma(uint32_t types, char out[16]);
void ws_types_compact(uint32_t types, char out[8]);
void ws_token_print(const ws_token *tok, char out[64]);
void ws_lowercase(char *s);
int ws_quote_value(char *out, size_t out_size, const char *value);

/* ------------------------------------------------------------------ */
/* Objects                                                              */

struct ws_waitset;

/* An account id known to the registry-wide index, with the entries of
 * every waitset that watches it. Entries share the interned id. */
typedef struct ws_acct {
  struct ws_entry *entries; /* singly linked through acct_next */
  uint32_t refs;
  uint32_t hash;
  char id[];
} ws_acct;

/* Per-entry change records kept for expand. */
enum ws_rec_kind {
  WS_REC_CREATED = 1,
  WS_REC_MODIFIED = 2,
  WS_REC_DELETED = 3,
  WS_REC_TAG = 4
};

typedef struct ws_rec {
  int32_t folder;     /* folder the record is filed under */
  int32_t alt_folder; /* second folder for the filter, or INT32_MIN */
  uint8_t kind;       /* enum ws_rec_kind */
  waitset_item_info item; /* for WS_REC_TAG: id, change, tags = name */
} ws_rec;

/* Records of one buffer. Past a few records, an open-addressing index
 * of (kind, folder, item) finds the record a new one merges into. */
typedef struct ws_rec_buf {
  ws_rec *recs;
  uint32_t *index; /* record position + 1, 0 for an empty slot */
  uint32_t count;
  uint32_t cap;
  uint32_t index_cap; /* 0 or a power of two */
} ws_rec_buf;

typedef struct ws_detail {
  ws_rec_buf cur;
  ws_rec_buf sent;
} ws_detail;

/* One account of one waitset. All-accounts waitsets create entries only
 * for signalled accounts, and keep them out of the registry index. */
typedef struct ws_entry {
  struct ws_waitset *ws;
  ws_acct *acct;
  struct ws_entry *acct_next; /* next entry of the same account */
  ws_list cur_link;
  ws_list sent_link;
  ws_detail *detail;
  /* Folder interests, sorted: up to two ids inline, more in an array
   * whose first element is the count. folder_mode selects the form. */
  union {
    int32_t *array;
    int32_t inline_ids[2];
  } folders;
  int64_t highest;
  ws_token token;
  uint32_t created_s; /* listener creation, seconds since the epoch */
  uint32_t session_no;
  uint8_t folder_mode; /* inline count 0 to 2, or WS_FOLDERS_ARRAY */
  uint8_t types;
  uint8_t has_token;
  uint8_t attached;
  uint8_t cur_lost;  /* records dropped from the current buffer */
  uint8_t sent_lost; /* records dropped from the sent buffer */
} ws_entry;

/* A runtime error queued in a waitset buffer. */
typedef struct ws_err {
  struct ws_err *next;
  int32_t code;
  char id[];
} ws_err;

typedef struct ws_err_list {
  ws_err *head;
  ws_err *tail;
  size_t count;
} ws_err_list;

typedef struct ws_owner {
  ws_list waitsets;
  uint32_t count;
  uint32_t hash;
  char id[];
} ws_owner;

typedef struct ws_waitset {
  ws_list reg_link;
  ws_list owner_link;
  ws_list all_link;
  ws_owner *owner;
  ws_map entries;
  ws_list cur;  /* entries signalled, not yet sent */
  ws_list sent; /* entries sent, not yet acknowledged */
  ws_err_list cur_errs;
  ws_err_list sent_errs;
  ws_list delayed; /* calls in their initial delay */
  struct waitset_call *waiter;
  char *cb_seq;
  int64_t current_seq;  /* some-accounts */
  uint64_t cur_commit;  /* all-accounts: seq of the last data response */
  uint64_t last_commit; /* all-accounts: last commit signalled */
  uint64_t last_access; /* loop time, ms */
  int64_t last_access_wall; /* ms since the epoch */
  uint64_t serial;      /* creation order */
  uint32_t def_types;
  uint32_t hash;
  uint8_t all;
  char id[];
} ws_waitset;

/* A validated <a>, with the lookup result once the host completed it. */
typedef struct ws_spec {
  const char *id; /* lowercased, or NULL */
  const char *name;
  const char *raw_token;
  ws_token token;
  int32_t *folders;      /* in the request arena */
  int32_t *folders_copy; /* allocated for the entry before changes */
  uint32_t folder_count;
  uint32_t types;
  uint8_t has_token;
  uint8_t has_types;
  /* lookup result */
  uint8_t looked_up;
  int32_t status;
  int32_t access;
  const char *rid;   /* resolved id, lowercased */
  const char *rname; /* resolved name for messages */
  int64_t last_change_id;
} ws_spec;

typedef struct ws_req {
  ws_arena arena;
  waitset_caller caller;
  const char *owner; /* lowercased requested account */
  const char *waitset_id;
  const char *seq;
  int64_t seq_num;
  int64_t timeout_ms;
  uint32_t def_types;
  uint8_t has_def_types;
  uint8_t block;
  uint8_t expand;
  uint8_t all_accounts;
  uint8_t global_admin;
  uint8_t admin_request;
  ws_spec *specs; /* add, then update, then remove */
  size_t n_add;
  size_t n_update;
  size_t n_remove;
} ws_req;

enum ws_call_state {
  WS_CALL_LOOKUP = 1,
  WS_CALL_DELAY = 2,
  WS_CALL_WAITING = 3,
  WS_CALL_DONE = 4,     /* in the completion queue */
  WS_CALL_DELIVER = 5   /* its callback is running */
};

/* A request's own per-account error. */
typedef struct ws_call_err {
  const char *id;
  int32_t code;
} ws_call_err;

struct waitset_lookup {
  waitset_registry *reg;
  waitset_call *call; /* NULL once the call is gone */
  ws_list reg_link;
  waitset_caller caller;
  uint32_t spec_index;
  uint8_t by_name;
  char *key;
};

struct waitset_call {
  waitset_registry *reg;
  ws_list link; /* lookup list, delayed list or completion queue */
  waitset_response_cb cb;
  void *user_data;
  ws_req *req;
  ws_waitset *ws;
  ws_call_err *errs;
  char *seq; /* client seq of a Wait, echoed on no data */
  ws_arena *resp_arena;
  const waitset_response *resp;
  uint64_t deadline;
  int64_t seq_num;
  uint32_t lookups_out;
  uint32_t timeout_ms;
  uint32_t heap_index; /* UINT32_MAX when not in the timer heap */
  uint32_t n_remove_errs;
  uint32_t n_add_errs;
  uint32_t n_update_errs;
  uint32_t runtime_split; /* runtime errors sent before the add errors */
  int16_t fail_status;
  uint8_t state;
  uint8_t op;
  uint8_t admin;
  uint8_t block;
  uint8_t expand;
  uint8_t all;
  uint8_t abandoned;
};

/* A change posted from another thread, deep-copied. */
typedef struct ws_queued_change {
  struct ws_queued_change *next;
  waitset_change change;
} ws_queued_change;

#define WS_OPT_COUNT 14

struct waitset_options {
  int64_t values[WS_OPT_COUNT];
  waitset_allocator alloc;
  waitset_log_cb log_cb;
  void *log_user_data;
  int log_level;
};

struct waitset_registry {
  waitset_allocator alloc;
  uv_loop_t *loop;
  waitset_host host;
  int64_t opt[WS_OPT_COUNT];
  waitset_log_cb log_cb;
  void *log_user_data;
  int log_level;
  void *user_data;

  ws_map index;  /* account id -> ws_acct */
  ws_map sets;   /* waitset id -> ws_waitset */
  ws_map owners; /* owner id -> ws_owner */
  ws_list waitsets;     /* creation order */
  ws_list all_waitsets; /* all-accounts waitsets, via a second link */
  ws_list lookup_calls; /* calls waiting for lookups */
  ws_list lookups;      /* lookups the host has not completed */
  ws_list done;         /* completion queue */
  size_t waitset_count;
  size_t parked;
  size_t lookups_out;
  size_t calls_live;
  uint64_t serial;
  uint64_t commit;
  uint32_t session_serial;

  waitset_call **heap; /* timer heap ordered by deadline */
  uint32_t heap_count;
  uint32_t heap_cap;

  uv_timer_t timer;
  uv_timer_t sweep;
  uv_idle_t idle;
  uv_async_t async;
  uv_mutex_t queue_lock;
  ws_queued_change *queue_head;
  ws_queued_change *queue_tail;
  int async_open;

  int log_depth;
  int closing;
  int handles_closing;
  int handles_open;
  waitset_close_cb close_cb;
  void *close_user_data;
};

/* ------------------------------------------------------------------ */
/* Internal functions across files                                     */

void ws_log(waitset_registry *reg, int level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
int ws_in_log_hook(void);
/* True when the registry's log hook takes lines of this level. Guard
 * any log line whose arguments cost work to compute. */
#define WS_LOG_ON(reg, level)                                                \
  ((reg)->log_cb != NULL && (level) <= (reg)->log_level)
const char *ws_op_name(int op);
int64_t ws_wall_ms(void);
int ws_random_bytes(unsigned char *buf, size_t len);
int ws_uuid(char out[37]);

/* registry.c */
void ws_call_enqueue(waitset_call *call);
void ws_call_free(waitset_call *call);
int ws_heap_insert(waitset_call *call, uint64_t deadline);
void ws_heap_remove(waitset_call *call);
void ws_registry_maybe_finish(waitset_registry *reg);
int ws_registry_reserve_call(waitset_registry *reg);

/* registry_change.c */
void ws_apply_change(waitset_registry *reg, const waitset_change *change,
                     int *rc);
char *ws_lower_id(waitset_registry *reg, const char *id, char *buf,
                  size_t size, uint32_t *hash);
void ws_async_cb(uv_async_t *async);

/* waitset.c */
void ws_touch(waitset_registry *reg, ws_waitset *ws);
ws_waitset *ws_waitset_new(waitset_registry *reg, uint32_t def_types,
                           int all);
int ws_waitset_register(waitset_registry *reg, ws_waitset *ws,
                        const char *owner_id);
void ws_waitset_destroy(waitset_registry *reg, ws_waitset *ws);
void ws_err_list_free(waitset_registry *reg, ws_err_list *list);
const char *ws_waitset_key(const void *value);
const char *ws_entry_key(const void *value);
const char *ws_acct_key(const void *value);
const char *ws_owner_key(const void *value);
uint32_t ws_waitset_hash(const void *value);
uint32_t ws_entry_hash(const void *value);
uint32_t ws_acct_hash(const void *value);
uint32_t ws_owner_hash(const void *value);

/* waitset_entry.c */
ws_entry *ws_entry_add(waitset_registry *reg, ws_waitset *ws,
                       const char *id);
void ws_entry_remove(waitset_registry *reg, ws_entry *e);
void ws_entry_free(waitset_registry *reg, ws_entry *e, int unmap);
void ws_acct_unref(waitset_registry *reg, ws_acct *acct, int indexed);
ws_acct *ws_index_get(const ws_map *index, const char *id, uint32_t hash);
void ws_entry_token_check(waitset_registry *reg, ws_entry *e,
                          int64_t last_change_id);
int ws_entry_signal(ws_entry *e);
void ws_detail_free(waitset_registry *reg, ws_entry *e);
void ws_detail_clear(waitset_registry *reg, ws_entry *e, int sent);
#define WS_FOLDERS_ARRAY 0xff
uint32_t ws_entry_folder_count(const ws_entry *e);
const int32_t *ws_entry_folders(const ws_entry *e);
void ws_entry_set_folders(waitset_registry *reg, ws_entry *e,
                          int32_t *array);

/* waitset_record.c */
int ws_signal_entry_change(waitset_registry *reg, ws_entry *e,
                           const waitset_change *c);
int ws_queue_runtime_error(waitset_registry *reg, ws_waitset *ws,
                           const char *id, int code);
void ws_detail_merge_sent(waitset_registry *reg, ws_entry *e);
int ws_folder_wanted(const ws_entry *e, int32_t folder);

/* waitset_send.c */
void ws_try_send(waitset_registry *reg, ws_waitset *ws);
void ws_complete_wait(waitset_call *call, int canceled);
waitset_response *ws_response_new(waitset_call *call, ws_arena **arena_out);
void ws_response_discard(waitset_call *call, ws_arena *arena);
void ws_finish_call(waitset_call *call, waitset_response *resp,
                    ws_arena *arena);
void ws_detach_waiter(waitset_call *call);
void ws_seq_decimal(uint64_t v, char out[24]);

/* waitset_query.c */
int ws_build_query(waitset_call *call, ws_waitset *only);

/* options.c */
int ws_options_check(const int64_t *values);
const int64_t *ws_option_defaults(void);
const waitset_allocator *ws_libc_allocator(void);

/* request_apply.c */
void ws_req_free(waitset_call *call);

/* request_ops.c */
void ws_call_resume(waitset_call *call);
void ws_call_timer_fired(waitset_call *call);
void ws_call_cancel_all(waitset_registry *reg);

#endif /* WAITSET_INTERNAL_H */
