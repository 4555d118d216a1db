/* SPDX-License-Identifier: MIT */
/*
 * The demo mailbox store of waitsetd: accounts and their in-memory
 * mailboxes. Every committed change goes to a change hook as a
 * waitset_change record, ready for waitset_post_change().
 *
 * Item ids of one mailbox come from one sequence that starts at 256, as
 * in Zimbra, so user folders and items share it. The lastChangeId of a
 * new mailbox is 100 and grows by one with every commit.
 */
#ifndef WAITSETD_STORE_H
#define WAITSETD_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <waitset/waitset.h>

enum account_flag {
  ACCOUNT_ADMIN = 1u << 0,       /* global admin */
  ACCOUNT_REMOTE = 1u << 1,      /* mailbox on another server */
  ACCOUNT_MAINTENANCE = 1u << 2  /* mailbox temporarily unavailable */
};

enum {
  FOLDER_ROOT = 1,
  FOLDER_INBOX = 2,
  FOLDER_TRASH = 3,
  FOLDER_JUNK = 4,
  FOLDER_SENT = 5,
  FOLDER_DRAFTS = 6,
  FOLDER_CONTACTS = 7,
  FOLDER_CALENDAR = 10,
  FOLDER_TASKS = 15,
  FOLDER_BRIEFCASE = 16,
  FIRST_USER_ID = 256,
  INITIAL_CHANGE_ID = 100,
  /* Levels a folder may sit below the root (Inbox is at level 1). */
  MAX_FOLDER_DEPTH = 128
};

typedef struct store_item {
  int32_t id;
  int32_t type; /* enum waitset_item_type */
  int32_t folder_id; /* for a folder: its parent */
  int32_t flags;
  int32_t imap_uid;
  int32_t color; /* folders only */
  char *tags;    /* tag names joined by commas, or NULL */
  char *name;    /* folders only */
} store_item;

typedef struct store_mailbox {
  int64_t last_change_id;
  int32_t next_id;
  store_item *items; /* folders and other items */
  size_t item_count;
  size_t item_capacity;
  /* Position of each item by id: index into items plus one, 0 when no
   * item has that id. System folder ids map to the first slots and ids
   * from FIRST_USER_ID on follow, so the unused ids between cost
   * nothing. */
  uint32_t *positions;
  size_t position_capacity;
} store_mailbox;

typedef struct store_account {
  char *id;
  char *name;
  char *password;
  uint32_t flags; /* enum account_flag */
  /* Indexes into store.accounts of the other accounts this account may
   * act for without an admin token: its loginas=ID targets and the
   * accounts that name it in child-of=ID. No duplicates. */
  size_t *grants;
  size_t grant_count;
  store_mailbox mailbox;
} store_account;

/* Receives every commit; the record is valid during the call only. */
typedef void (*store_change_cb)(const waitset_change *change,
                                void *user_data);

typedef struct store {
  store_account *accounts;
  size_t account_count;
  size_t account_capacity;
  /* Open-addressing hash tables over the ASCII-lowercased id and name.
   * A slot contains an index into accounts plus one, or 0 when empty. */
  size_t *id_slots;
  size_t *name_slots;
  size_t slot_count; /* a power of two, at least twice account_count */
  store_change_cb on_change;
  void *user_data;
} store;

/* A failure of a store operation, as a Zimbra fault code and a reason. */
typedef struct store_error {
  const char *code; /* e.g. "mail.NO_SUCH_FOLDER" */
  char reason[256];
} store_error;

/* One record of an injected change (InjectChangeRequest). */
typedef struct store_injected {
  int kind; /* 0 created, 1 modified, 2 deleted */
  int32_t type;
  int32_t id;
  int32_t folder_id;
  int32_t change;
} store_injected;

void store_init(store *st, store_change_cb on_change, void *user_data);
void store_free(store *st);

/* Add the built-in accounts (listed in --help and doc/waitsetd.md). */
int store_load_defaults(store *st);

/*
 * Load accounts from a file. On failure, writes a message naming the
 * file and line to err and returns -1; the store is then unchanged.
 */
int store_load_file(store *st, const char *path, char *err, size_t err_len);

/* Find an account by id or by name, ignoring ASCII case; NULL if none. */
store_account *store_find_by_id(store *st, const char *id);
store_account *store_find_by_name(store *st, const char *name);

/*
 * Return 1 when actor may act for target without an admin token: target
 * is actor itself, a child account of actor, or an account on which
 * actor has the loginAs right. Both belong to st.
 */
int store_may_act_for(const store *st, const store_account *actor,
                      const store_account *target);

/* Describe an account's status for the core (enum waitset_account_status). */
int store_account_status(const store_account *acct);

/* Mailbox operations. Each returns 0, or -1 with *err set and the
 * mailbox unchanged. A successful operation posts at most one change
 * record, none when nothing changed. source_waitset_id may be NULL. */
int store_add_message(store *st, store_account *acct, int32_t folder_id,
                      const char *flags, const char *tags,
                      const char *source_waitset_id, int32_t *out_id,
                      store_error *err);
int store_create_contact(store *st, store_account *acct, int32_t folder_id,
                         const char *source_waitset_id, int32_t *out_id,
                         store_error *err);
int store_create_folder(store *st, store_account *acct, const char *name,
                        int32_t parent_id, const char *source_waitset_id,
                        int32_t *out_id, store_error *err);
int store_folder_action(store *st, store_account *acct, const char *op,
                        int32_t folder_id, const char *name,
                        int32_t parent_id, int32_t color,
                        const char *source_waitset_id, store_error *err);
int store_msg_action(store *st, store_account *acct, const char *op,
                     const int32_t *ids, size_t id_count, int32_t folder_id,
                     const char *tag_name, const char *source_waitset_id,
                     store_error *err);
int store_inject(store *st, store_account *acct,
                 const store_injected *records, size_t record_count,
                 const char *source_waitset_id, int64_t *out_change_id,
                 store_error *err);

/* Empty a mailbox back to its default folders; lastChangeId keeps
 * growing. No change record is posted. */
void store_reset_mailbox(store_account *acct);

/* Find an item of a mailbox by id; NULL if none. */
store_item *store_find_item(store_mailbox *mbox, int32_t id);

#endif /* WAITSETD_STORE_H */
