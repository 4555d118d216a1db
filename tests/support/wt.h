/* SPDX-License-Identifier: MIT */
/*
 * Test support for the libwaitset core: a private uv loop with a
 * registry, a fake host with an account table, builders for callers,
 * requests and change records, a response recorder and assertion
 * helpers for Check tests.
 *
 * Typical use in a Check test:
 *
 *   wt_fixture *fx = wt_fixture_new(NULL);
 *   wt_request rq;
 *   wt_req_create(&rq, "all");
 *   wt_req_add(&rq, WT_U1);
 *   wt_response *r = wt_exec(fx, wt_user(WT_U1), &rq);
 *   wt_run_until_done(fx, r);
 *   wt_assert_ok(r);
 *   wt_fixture_free(fx);
 *
 * Every helper aborts the running Check test with a message naming the
 * caller's file and line when something it needs fails.
 */
#ifndef WT_H
#define WT_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>
#include <waitset/waitset.h>

/* Accounts of the default fixture. U1 to U3 are local with
 * lastChangeId 100; U9 is hosted on another server; AD is a global
 * admin's account. Folder 257 exists in every mailbox. */
#define WT_U1 "aaaaaaaa-0000-0000-0000-000000000001"
#define WT_U2 "aaaaaaaa-0000-0000-0000-000000000002"
#define WT_U3 "aaaaaaaa-0000-0000-0000-000000000003"
#define WT_U9 "aaaaaaaa-0000-0000-0000-000000000009"
#define WT_AD "aaaaaaaa-0000-0000-0000-0000000000ad"
#define WT_U1_NAME "u1@ex.test"
#define WT_U2_NAME "u2@ex.test"
#define WT_U3_NAME "u3@ex.test"
#define WT_U9_NAME "u9@ex.test"
#define WT_AD_NAME "admin@ex.test"
/* An id that names no account. */
#define WT_NOBODY "ffffffff-ffff-ffff-ffff-ffffffffffff"

#define WT_INBOX 2
#define WT_CONTACTS 7
#define WT_BRIEFCASE 16
#define WT_FUN 257

#define WT_MAX_ACCOUNTS 32
#define WT_MAX_LOGIN_AS 8
#define WT_MAX_SPECS 16
#define WT_MAX_PENDING_LOOKUPS 64

/* ------------------------------------------------------------------ */
/* Timing configuration                                                */

/* Registry options of a fixture, in milliseconds. A negative value
 * leaves the library default. */
typedef struct wt_config {
  int64_t initial_delay_ms;
  int64_t coalesce_delay_ms;
  int64_t timeout_default_ms;
  int64_t timeout_min_ms;
  int64_t timeout_max_ms;
  int64_t admin_timeout_default_ms;
  int64_t admin_timeout_min_ms;
  int64_t admin_timeout_max_ms;
  int64_t idle_expiry_ms;
  int64_t sweep_interval_ms;
  int64_t max_waitsets_per_owner;
  int64_t max_accounts_per_waitset;
  int64_t max_detail_per_account;
  /* Watchdog: a run helper fails the test when one call runs longer
   * than this many ms (plus the time wt_run_for() was asked for). */
  uint64_t watchdog_ms;
} wt_config;

/* The default test timing: initial delay 20 ms, no-data wait 30 ms, user
 * timeout 1200/1400/1600 ms and admin timeout 1000/1400/1800 ms
 * (min/default/max), idle expiry 10 s, sweep 10 s, watchdog 10 s. The
 * library rejects timeout bounds below 1 s, so only tests that let a
 * blocking Wait expire take a second or two. Wire timeouts are whole
 * seconds, so a wire value of 2 or more clamps to the maximum. */
void wt_config_default(wt_config *cfg);
/* The default timing with a 400 ms initial delay and no-data wait, for
 * tests that check that a response skips them (see WT_AT_ONCE_MS). */
void wt_config_slow_delays(wt_config *cfg);

/* The default timing with user and admin timeouts of 20 s by default and
 * 30 s at most. Tests use it when a blocking Wait must stay parked while
 * slow steps run under valgrind. The registry cancels the Wait at
 * teardown. */
void wt_config_long_timeouts(wt_config *cfg);

/* Upper bound of a response "at once": well below the slow delays and
 * every timeout, yet loose enough for valgrind. */
#define WT_AT_ONCE_MS 150

/* ------------------------------------------------------------------ */
/* Fake host                                                           */

enum wt_lookup_mode {
  WT_LOOKUP_SYNC = 0,     /* complete inside lookup_account */
  WT_LOOKUP_DEFERRED = 1, /* complete after lookup_delay_ms */
  WT_LOOKUP_HELD = 2      /* complete when the test releases it */
};

typedef struct wt_account {
  char id[64];
  char name[128];
  int status; /* enum waitset_account_status */
  int64_t last_change_id;
  /* Accounts this account may act on besides its own. */
  char login_as[WT_MAX_LOGIN_AS][64];
  size_t login_as_count;
  int lookup_mode; /* enum wt_lookup_mode */
  uint64_t lookup_delay_ms;
  /* Number of lookups the library started for this account. */
  unsigned lookups;
} wt_account;

typedef struct wt_response wt_response;
typedef struct wt_fixture wt_fixture;

/* Create a fixture: a private loop, the default accounts and a registry
 * built from cfg (NULL means wt_config_default()). */
wt_fixture *wt_fixture_new(const wt_config *cfg);

/* Create a fixture with an empty account table and no registry yet;
 * wt_fixture_start() builds the registry. */
wt_fixture *wt_fixture_new_empty(const wt_config *cfg);
void wt_fixture_start(wt_fixture *fx);

/* Close the registry, complete held lookups, run the loop until the
 * close callback ran once, close the loop (asserting uv_loop_close() ==
 * 0) and free every recorded response. */
void wt_fixture_free(wt_fixture *fx);

uv_loop_t *wt_loop(wt_fixture *fx);
waitset_registry *wt_registry(wt_fixture *fx);

/* Add an account to the fake host (id is stored as given). */
wt_account *wt_account_add(wt_fixture *fx, const char *id, const char *name,
                           int status, int64_t last_change_id);
/* Find an account by id, case-insensitively; NULL when absent. */
wt_account *wt_account_find(wt_fixture *fx, const char *id);
/* Find an account by id and abort the test when it is absent. */
wt_account *wt_acct(wt_fixture *fx, const char *id);
/* Let account `who` act on account `target`. */
void wt_account_grant(wt_fixture *fx, const char *who, const char *target);

/* Number of lookups still held or deferred. */
size_t wt_pending_lookups(wt_fixture *fx);
/* Complete every held lookup whose key equals key (case-insensitive),
 * or every held lookup when key is NULL; returns how many. */
size_t wt_release_lookups(wt_fixture *fx, const char *key);
/* Total calls of the host's last_change_id callback. */
unsigned wt_last_change_id_calls(wt_fixture *fx);

/* ------------------------------------------------------------------ */
/* Callers                                                             */

waitset_caller wt_user(const char *account_id);
waitset_caller wt_user_as(const char *account_id, const char *requested_id);
waitset_caller wt_admin(const char *account_id);
waitset_caller wt_global_admin(const char *account_id);
/* A caller without a token. */
waitset_caller wt_anonymous(void);

/* ------------------------------------------------------------------ */
/* Requests                                                            */

/* A request with storage for its account specs. */
typedef struct wt_request {
  waitset_request req;
  waitset_account_spec add[WT_MAX_SPECS];
  waitset_account_spec update[WT_MAX_SPECS];
  waitset_account_spec remove[WT_MAX_SPECS];
} wt_request;

void wt_req_create(wt_request *rq, const char *def_types);
void wt_req_wait(wt_request *rq, const char *waitset_id, const char *seq);
void wt_req_destroy(wt_request *rq, const char *waitset_id);
void wt_req_query(wt_request *rq, const char *waitset_id);
/* Switch the request to its urn:zimbraAdmin command. */
void wt_req_admin(wt_request *rq);
/* Append an <a> to add, update or remove; the returned spec can be
 * filled further (token, types, folder_interests, name). */
waitset_account_spec *wt_req_add(wt_request *rq, const char *id);
waitset_account_spec *wt_req_update(wt_request *rq, const char *id);
waitset_account_spec *wt_req_remove(wt_request *rq, const char *id);

/* ------------------------------------------------------------------ */
/* Change records                                                      */

/* Each change helper bumps the account's lastChangeId, posts one change
 * record with that id and returns it. */

/* A message delivered to a folder: types MESSAGE|FOLDER, folders {F},
 * one created message (flags 512, unread). */
int64_t wt_deliver(wt_fixture *fx, const char *acct, int32_t folder,
                   int32_t item);
/* The same, made by the client of source_waitset_id. */
int64_t wt_deliver_from(wt_fixture *fx, const char *acct, int32_t folder,
                        int32_t item, const char *source_waitset_id);
/* A contact created in Contacts: types CONTACT|FOLDER. */
int64_t wt_create_contact(wt_fixture *fx, const char *acct, int32_t item);
/* A document created in Briefcase: types DOCUMENT|FOLDER. */
int64_t wt_create_document(wt_fixture *fx, const char *acct, int32_t item);
/* A message flagged in place: types MESSAGE, change FLAGS. */
int64_t wt_flag(wt_fixture *fx, const char *acct, int32_t folder,
                int32_t item);
/* A message moved: types MESSAGE|FOLDER, folders {from, to}, change
 * FOLDER with prev_folder_id = from. */
int64_t wt_move(wt_fixture *fx, const char *acct, int32_t item, int32_t from,
                int32_t to);
/* A message deleted with no other modification: types MESSAGE, folders
 * {folder} (none when folder is -1), deleted item under folder. */
int64_t wt_delete(wt_fixture *fx, const char *acct, int32_t folder,
                  int32_t item);
/* A folder renamed: types FOLDER, folders {folder}, modified folder
 * item with change NAME. */
int64_t wt_rename_folder(wt_fixture *fx, const char *acct, int32_t folder);
/* Post any change record; change_id 0 means "bump and use the next id".
 * Returns the id used. */
int64_t wt_post(wt_fixture *fx, waitset_change *change);

/* ------------------------------------------------------------------ */
/* Recorded responses                                                  */

typedef struct wt_item {
  int32_t id, imap_uid, type, flags, folder_id, prev_folder_id, change;
  char *tags;
} wt_item;

typedef struct wt_tag {
  int32_t id, change;
  char *name;
} wt_tag;

typedef struct wt_mods {
  int32_t folder_id;
  wt_item *created;
  size_t created_count;
  wt_item *deleted;
  size_t deleted_count;
  wt_item *modified;
  size_t modified_count;
  wt_tag *modified_tags;
  size_t modified_tag_count;
} wt_mods;

typedef struct wt_signal {
  char *account_id;
  int64_t change_id;
  int detail_lost;
  wt_mods *mods;
  size_t mods_count;
} wt_signal;

typedef struct wt_error {
  char *account_id;
  int code;
} wt_error;

typedef struct wt_session {
  char *account_id, *types, *token, *interest_mask, *session_id,
      *folder_interests;
  int attached, has_mbox_sync_token;
  int64_t mbox_sync_token, mbox_sync_token_diff, highest_change_id,
      last_access_ms, creation_ms;
} wt_session;

typedef struct wt_qwaitset {
  char *id, *owner, *def_types, *cb_seq, *current_seq, *next_seq;
  int64_t last_access_ms;
  wt_session *sessions;
  size_t session_count;
  wt_error *errors;
  size_t error_count;
  char **ready;
  size_t ready_count;
} wt_qwaitset;

struct wt_response {
  int done;      /* number of callbacks received: must end at 1 */
  int rc;        /* return code of waitset_execute() */
  waitset_call *call;
  uint64_t started_ms; /* uv_now() when executed */
  uint64_t arrived_ms; /* uv_now() when the callback ran */
  int32_t op, admin;
  int status;
  char *fault_reason;
  char **fault_arg_names, **fault_arg_values;
  size_t fault_arg_count;
  char *waitset_id, *def_types, *seq;
  int canceled;
  wt_signal *signals;
  size_t signal_count;
  wt_error *errors;
  size_t error_count;
  wt_qwaitset *waitsets;
  size_t waitset_count;
  wt_fixture *fx;
  wt_response *next;
};

/* Execute a request; the request must be accepted (rc 0). */
#define wt_exec(fx, caller, rq) \
  wt_exec_at(__FILE__, __LINE__, (fx), (caller), (rq))
wt_response *wt_exec_at(const char *file, int line, wt_fixture *fx,
                        waitset_caller caller, const wt_request *rq);
/* Execute a request and keep whatever waitset_execute() returned in
 * r->rc; the callback is expected only when rc is 0. */
wt_response *wt_exec_rc(wt_fixture *fx, waitset_caller caller,
                        const wt_request *rq);
/* Abandon a call that has not completed. */
void wt_abandon(wt_response *r);

/* Total responses received by the fixture. */
size_t wt_response_count(wt_fixture *fx);

/* Run the loop until r completed (fails at the watchdog or when the loop
 * goes idle). */
#define wt_run_until_done(fx, r) \
  wt_run_until_done_at(__FILE__, __LINE__, (fx), (r))
void wt_run_until_done_at(const char *file, int line, wt_fixture *fx,
                          wt_response *r);
/* Run the loop until the fixture received n responses in total. */
#define wt_run_until_count(fx, n) \
  wt_run_until_count_at(__FILE__, __LINE__, (fx), (n))
void wt_run_until_count_at(const char *file, int line, wt_fixture *fx,
                           size_t n);
/* Run the loop for ms milliseconds of loop time. */
void wt_run_for(wt_fixture *fx, uint64_t ms);
/* Run eight non-blocking loop turns, for callbacks that are due now. */
void wt_run_idle(wt_fixture *fx);

/* Run a request to completion and return its response. */
#define wt_call(fx, caller, rq) \
  wt_call_at(__FILE__, __LINE__, (fx), (caller), (rq))
wt_response *wt_call_at(const char *file, int line, wt_fixture *fx,
                        waitset_caller caller, const wt_request *rq);

/* Create a some-accounts waitset owned by caller, adding the given
 * accounts (NULL-terminated list), and return its id (owned by the
 * fixture). The create must succeed without errors. */
#define wt_create(fx, caller, def_types, ...) \
  wt_create_at(__FILE__, __LINE__, (fx), (caller), (def_types), \
               __VA_ARGS__)
const char *wt_create_at(const char *file, int line, wt_fixture *fx,
                         waitset_caller caller, const char *def_types,
                         ...);
/* Run a non-blocking Wait with the given seq to completion. */
#define wt_poll(fx, caller, ws, seq) \
  wt_poll_at(__FILE__, __LINE__, (fx), (caller), (ws), (seq), 0)
#define wt_poll_expand(fx, caller, ws, seq) \
  wt_poll_at(__FILE__, __LINE__, (fx), (caller), (ws), (seq), 1)
wt_response *wt_poll_at(const char *file, int line, wt_fixture *fx,
                        waitset_caller caller, const char *ws,
                        const char *seq, int expand);
/* Query one waitset (or all, ws NULL) as the global admin AD. */
#define wt_query(fx, ws) wt_query_at(__FILE__, __LINE__, (fx), (ws))
wt_response *wt_query_at(const char *file, int line, wt_fixture *fx,
                         const char *ws);

/* Find parts of a response; NULL when absent. */
const wt_signal *wt_find_signal(const wt_response *r, const char *account);
const wt_mods *wt_find_mods(const wt_signal *s, int32_t folder_id);
const wt_qwaitset *wt_find_qwaitset(const wt_response *r, const char *id);
const wt_session *wt_find_session(const wt_qwaitset *w, const char *account);

/* ------------------------------------------------------------------ */
/* Assertions (each reports the caller's file and line)                */

#define wt_assert_ok(r) wt_assert_ok_at(__FILE__, __LINE__, (r))
#define wt_assert_seq(r, s) wt_assert_seq_at(__FILE__, __LINE__, (r), (s))
#define wt_assert_has_account(r, a) \
  wt_assert_has_account_at(__FILE__, __LINE__, (r), (a))
#define wt_assert_no_account(r, a) \
  wt_assert_no_account_at(__FILE__, __LINE__, (r), (a))
#define wt_assert_accounts(r, ...) \
  wt_assert_accounts_at(__FILE__, __LINE__, (r), __VA_ARGS__, (char *)NULL)
#define wt_assert_no_accounts(r) \
  wt_assert_accounts_at(__FILE__, __LINE__, (r), (char *)NULL)
#define wt_assert_no_errors(r) \
  wt_assert_errors_at(__FILE__, __LINE__, (r), 0)
/* wt_assert_errors(r, n, id1, code1, id2, code2, ...): exactly n errors,
 * in this order. */
#define wt_assert_errors(r, n, ...) \
  wt_assert_errors_at(__FILE__, __LINE__, (r), (n), __VA_ARGS__)
/* Fault with the given code (e.g. "service.INVALID_REQUEST") whose
 * reason contains each non-NULL substring. */
#define wt_assert_fault(r, code, s1, s2) \
  wt_assert_fault_at(__FILE__, __LINE__, (r), (code), (s1), (s2))
#define wt_assert_canceled(r) \
  wt_assert_canceled_at(__FILE__, __LINE__, (r))

void wt_assert_ok_at(const char *file, int line, const wt_response *r);
void wt_assert_seq_at(const char *file, int line, const wt_response *r,
                      const char *seq);
const wt_signal *wt_assert_has_account_at(const char *file, int line,
                                          const wt_response *r,
                                          const char *account);
void wt_assert_no_account_at(const char *file, int line,
                             const wt_response *r, const char *account);
void wt_assert_accounts_at(const char *file, int line, const wt_response *r,
                           ...);
void wt_assert_errors_at(const char *file, int line, const wt_response *r,
                         size_t n, ...);
void wt_assert_fault_at(const char *file, int line, const wt_response *r,
                        const char *code, const char *s1, const char *s2);
void wt_assert_canceled_at(const char *file, int line,
                           const wt_response *r);

/* Check runner helper: run one suite with TAP output, return the exit
 * status for main(). */
struct Suite;
int wt_run_suite(struct Suite *s);

#endif /* WT_H */
