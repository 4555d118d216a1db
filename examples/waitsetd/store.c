/* SPDX-License-Identifier: MIT */
#include "store.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"

/* Zimbra's flag letters and bits, as used in f="..". */
static const struct {
  char letter;
  int32_t bit;
} flag_letters[] = {
  { 's', 1 },   { 'a', 2 },   { 'r', 4 },    { 'w', 8 },
  { 'f', 32 },  { 'd', 64 },  { 'x', 128 },  { 'n', 256 },
  { 'u', 512 }, { '!', 1024 }, { '?', 2048 },
};

#define FLAG_FLAGGED 32
#define FLAG_UNREAD 512

static const struct {
  int32_t id;
  const char *name;
  int32_t type;
} system_folders[] = {
  { FOLDER_ROOT, "USER_ROOT", WAITSET_ITEM_FOLDER },
  { FOLDER_INBOX, "Inbox", WAITSET_ITEM_FOLDER },
  { FOLDER_TRASH, "Trash", WAITSET_ITEM_FOLDER },
  { FOLDER_JUNK, "Junk", WAITSET_ITEM_FOLDER },
  { FOLDER_SENT, "Sent", WAITSET_ITEM_FOLDER },
  { FOLDER_DRAFTS, "Drafts", WAITSET_ITEM_FOLDER },
  { FOLDER_CONTACTS, "Contacts", WAITSET_ITEM_FOLDER },
  { FOLDER_CALENDAR, "Calendar", WAITSET_ITEM_FOLDER },
  { FOLDER_TASKS, "Tasks", WAITSET_ITEM_FOLDER },
  { FOLDER_BRIEFCASE, "Briefcase", WAITSET_ITEM_FOLDER },
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* NOTE: the demo store treats memory exhaustion as fatal. */
static void *
xrealloc(void *ptr, size_t size)
{
  void *p = realloc(ptr, size ? size : 1);

  if (p == NULL) {
    log_error("out of memory (%zu bytes) in the demo store", size);
    abort();
  }
  return p;
}

static char *
xstrdup(const char *s)
{
  size_t len;
  char *copy;

  if (s == NULL)
    return NULL;
  len = strlen(s) + 1;
  copy = xrealloc(NULL, len);
  memcpy(copy, s, len);
  return copy;
}

static int
set_error(store_error *err, const char *code, const char *fmt, ...)
{
  va_list ap;

  err->code = code;
  va_start(ap, fmt);
  vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
  va_end(ap);
  return -1;
}

/* ------------------------------------------------------------------ */
/* Transactions: the change record of one commit                       */

typedef struct record_list {
  waitset_item_info *items;
  size_t count;
  size_t capacity;
} record_list;

typedef struct txn {
  uint32_t types;
  int32_t *folders;
  size_t folder_count;
  size_t folder_capacity;
  record_list created;
  record_list modified;
  record_list deleted;
  char **strings; /* tag copies that the records point to */
  size_t string_count;
} txn;

static void
txn_add_folder(txn *t, int32_t folder_id)
{
  size_t i;

  if (folder_id <= 0)
    return;
  for (i = 0; i < t->folder_count; i++) {
    if (t->folders[i] == folder_id)
      return;
  }
  if (t->folder_count == t->folder_capacity) {
    t->folder_capacity = t->folder_capacity ? 2 * t->folder_capacity : 8;
    t->folders = xrealloc(t->folders,
                          t->folder_capacity * sizeof(*t->folders));
  }
  t->folders[t->folder_count++] = folder_id;
}

static const char *
txn_keep_string(txn *t, const char *s)
{
  if (s == NULL)
    return NULL;
  t->strings = xrealloc(t->strings,
                        (t->string_count + 1) * sizeof(*t->strings));
  t->strings[t->string_count] = xstrdup(s);
  return t->strings[t->string_count++];
}

static waitset_item_info *
txn_append(txn *t, record_list *list, const store_item *item)
{
  waitset_item_info *info;

  if (list->count == list->capacity) {
    list->capacity = list->capacity ? 2 * list->capacity : 8;
    list->items = xrealloc(list->items,
                           list->capacity * sizeof(*list->items));
  }
  info = &list->items[list->count++];
  memset(info, 0, sizeof(*info));
  info->id = item->id;
  info->imap_uid = item->imap_uid;
  info->type = item->type;
  info->flags = item->flags;
  info->folder_id = item->folder_id;
  info->tags = txn_keep_string(t, item->tags);
  return info;
}

static uint32_t
type_bit_of_item(int32_t type)
{
  switch (type) {
  case WAITSET_ITEM_FOLDER:
    return WAITSET_TYPE_FOLDER;
  case WAITSET_ITEM_MESSAGE:
    return WAITSET_TYPE_MESSAGE;
  case WAITSET_ITEM_CONTACT:
    return WAITSET_TYPE_CONTACT;
  case WAITSET_ITEM_APPOINTMENT:
    return WAITSET_TYPE_APPOINTMENT;
  case WAITSET_ITEM_TASK:
    return WAITSET_TYPE_TASK;
  case WAITSET_ITEM_DOCUMENT:
    return WAITSET_TYPE_DOCUMENT;
  default:
    return 0;
  }
}

/*
 * Mark an item's type as changed. A change to a non-folder item also
 * changes its folder's counts, so FOLDER is set too, as Zimbra does.
 */
static void
txn_touch_type(txn *t, int32_t type)
{
  t->types |= type_bit_of_item(type);
  if (type != WAITSET_ITEM_FOLDER)
    t->types |= WAITSET_TYPE_FOLDER;
}

static void
txn_created(txn *t, const store_item *item)
{
  txn_append(t, &t->created, item);
  txn_touch_type(t, item->type);
  txn_add_folder(t, item->folder_id);
  if (item->type == WAITSET_ITEM_FOLDER)
    txn_add_folder(t, item->id);
}

static void
txn_modified(txn *t, const store_item *item, int32_t change,
             int32_t prev_folder_id)
{
  waitset_item_info *info = txn_append(t, &t->modified, item);

  info->change = change;
  info->prev_folder_id = prev_folder_id;
  txn_touch_type(t, item->type);
  txn_add_folder(t, item->folder_id);
  txn_add_folder(t, prev_folder_id);
  if (item->type == WAITSET_ITEM_FOLDER)
    txn_add_folder(t, item->id);
}

static void
txn_deleted(txn *t, const store_item *item)
{
  txn_append(t, &t->deleted, item);
  txn_touch_type(t, item->type);
  txn_add_folder(t, item->folder_id);
  if (item->type == WAITSET_ITEM_FOLDER)
    txn_add_folder(t, item->id);
}

static void
txn_free(txn *t)
{
  size_t i;

  for (i = 0; i < t->string_count; i++)
    free(t->strings[i]);
  free(t->strings);
  free(t->folders);
  free(t->created.items);
  free(t->modified.items);
  free(t->deleted.items);
  memset(t, 0, sizeof(*t));
}

/*
 * Commit a transaction: a non-empty one takes the next change id and
 * goes to the change hook. Frees the transaction either way.
 */
static int64_t
txn_commit(store *st, store_account *acct, txn *t,
           const char *source_waitset_id)
{
  waitset_change change;

  if (t->created.count + t->modified.count + t->deleted.count == 0
      && t->types == 0) {
    txn_free(t);
    return acct->mailbox.last_change_id;
  }

  acct->mailbox.last_change_id++;
  memset(&change, 0, sizeof(change));
  change.size = sizeof(change);
  change.account_id = acct->id;
  change.change_id = acct->mailbox.last_change_id;
  change.types = t->types;
  change.folders = t->folders;
  change.folder_count = t->folder_count;
  change.created = t->created.items;
  change.created_count = t->created.count;
  change.modified = t->modified.items;
  change.modified_count = t->modified.count;
  change.deleted = t->deleted.items;
  change.deleted_count = t->deleted.count;
  change.source_waitset_id = source_waitset_id;

  log_debug("commit account=%s changeid=%lld types=0x%x created=%zu "
            "modified=%zu deleted=%zu", acct->id,
            (long long)change.change_id, (unsigned)change.types,
            change.created_count, change.modified_count,
            change.deleted_count);
  if (st->on_change != NULL)
    st->on_change(&change, st->user_data);
  txn_free(t);
  return acct->mailbox.last_change_id;
}

/* ------------------------------------------------------------------ */
/* Mailboxes                                                           */

/* Slots for ids below this; the system folders use ids 1 to 16. */
#define SYSTEM_ID_SLOTS 32

/* Return the positions slot of an item id, or SIZE_MAX for an id that no
 * item can have (0, negative, or between the system and user ranges). */
static size_t
position_slot(int32_t id)
{
  if (id > 0 && id < SYSTEM_ID_SLOTS)
    return (size_t)id;
  if (id >= FIRST_USER_ID)
    return (size_t)(id - FIRST_USER_ID) + SYSTEM_ID_SLOTS;
  return SIZE_MAX;
}

store_item *
store_find_item(store_mailbox *mbox, int32_t id)
{
  size_t slot = position_slot(id);
  uint32_t pos;

  if (slot >= mbox->position_capacity)
    return NULL;
  pos = mbox->positions[slot];
  return pos != 0 ? &mbox->items[pos - 1] : NULL;
}

static void
mailbox_set_position(store_mailbox *mbox, int32_t id, size_t index_plus_one)
{
  size_t slot = position_slot(id);

  if (slot == SIZE_MAX || index_plus_one > UINT32_MAX) {
    log_error("item id %d or position %zu out of range in the demo store",
              (int)id, index_plus_one);
    abort();
  }
  if (slot >= mbox->position_capacity) {
    size_t capacity = mbox->position_capacity ? mbox->position_capacity
                                              : SYSTEM_ID_SLOTS;

    while (capacity <= slot)
      capacity *= 2;
    mbox->positions = xrealloc(mbox->positions,
                               capacity * sizeof(*mbox->positions));
    memset(mbox->positions + mbox->position_capacity, 0,
           (capacity - mbox->position_capacity) * sizeof(*mbox->positions));
    mbox->position_capacity = capacity;
  }
  mbox->positions[slot] = (uint32_t)index_plus_one;
}

static store_item *
find_folder(store_mailbox *mbox, int32_t id)
{
  store_item *item = store_find_item(mbox, id);

  if (item == NULL || item->type != WAITSET_ITEM_FOLDER)
    return NULL;
  return item;
}

/* Append an item; pointers into the item array are invalid afterwards. */
static store_item *
mailbox_append(store_mailbox *mbox, int32_t id, int32_t type,
               int32_t folder_id)
{
  store_item *item;

  if (mbox->item_count == mbox->item_capacity) {
    mbox->item_capacity = mbox->item_capacity ? 2 * mbox->item_capacity : 32;
    mbox->items = xrealloc(mbox->items,
                           mbox->item_capacity * sizeof(*mbox->items));
  }
  item = &mbox->items[mbox->item_count++];
  mailbox_set_position(mbox, id, mbox->item_count);
  memset(item, 0, sizeof(*item));
  item->id = id;
  item->type = type;
  item->folder_id = folder_id;
  item->imap_uid = id;
  return item;
}

/* Remove an item; the last item moves into its place. */
static void
mailbox_remove_at(store_mailbox *mbox, size_t index)
{
  free(mbox->items[index].tags);
  free(mbox->items[index].name);
  mailbox_set_position(mbox, mbox->items[index].id, 0);
  mbox->items[index] = mbox->items[mbox->item_count - 1];
  mbox->item_count--;
  if (index < mbox->item_count)
    mailbox_set_position(mbox, mbox->items[index].id, index + 1);
}

static void
mailbox_clear(store_mailbox *mbox)
{
  while (mbox->item_count > 0)
    mailbox_remove_at(mbox, mbox->item_count - 1);
}

static void
mailbox_init(store_mailbox *mbox)
{
  size_t i;

  for (i = 0; i < ARRAY_LEN(system_folders); i++) {
    int32_t id = system_folders[i].id;
    store_item *folder = mailbox_append(mbox, id, system_folders[i].type,
                                        id == FOLDER_ROOT ? 0 : FOLDER_ROOT);

    folder->name = xstrdup(system_folders[i].name);
  }
  mbox->next_id = FIRST_USER_ID;
  if (mbox->last_change_id == 0)
    mbox->last_change_id = INITIAL_CHANGE_ID;
}

void
store_reset_mailbox(store_account *acct)
{
  mailbox_clear(&acct->mailbox);
  mailbox_init(&acct->mailbox);
}

/* ------------------------------------------------------------------ */
/* Accounts                                                            */

void
store_init(store *st, store_change_cb on_change, void *user_data)
{
  memset(st, 0, sizeof(*st));
  st->on_change = on_change;
  st->user_data = user_data;
}

static void
account_free(store_account *acct)
{
  mailbox_clear(&acct->mailbox);
  free(acct->mailbox.items);
  free(acct->mailbox.positions);
  free(acct->id);
  free(acct->name);
  free(acct->password);
  free(acct->grants);
}

void
store_free(store *st)
{
  size_t i;

  for (i = 0; i < st->account_count; i++)
    account_free(&st->accounts[i]);
  free(st->accounts);
  free(st->id_slots);
  free(st->name_slots);
  st->accounts = NULL;
  st->account_count = 0;
  st->account_capacity = 0;
  st->id_slots = NULL;
  st->name_slots = NULL;
  st->slot_count = 0;
}

/* FNV-1a over the ASCII-lowercased bytes, so keys match regardless of
 * case as strcasecmp() compares them. */
static size_t
hash_lowercase(const char *key)
{
  uint64_t h = 14695981039346656037ULL;
  const unsigned char *p;

  for (p = (const unsigned char *)key; *p != '\0'; p++) {
    h ^= (uint64_t)tolower(*p);
    h *= 1099511628211ULL;
  }
  return (size_t)h;
}

static const char *
account_key(const store_account *acct, int by_name)
{
  return by_name ? acct->name : acct->id;
}

/* Put account index i into a table with room for it (linear probing). */
static void
slots_insert(size_t *slots, size_t slot_count, const char *key, size_t i)
{
  size_t mask = slot_count - 1;
  size_t pos = hash_lowercase(key) & mask;

  while (slots[pos] != 0)
    pos = (pos + 1) & mask;
  slots[pos] = i + 1;
}

/* Rebuild both tables with twice as many slots as accounts at least. */
static void
index_grow(store *st, size_t min_accounts)
{
  size_t count = st->slot_count ? st->slot_count : 16;
  size_t i;

  while (count < 2 * min_accounts)
    count *= 2;
  if (count == st->slot_count)
    return;
  free(st->id_slots);
  free(st->name_slots);
  st->id_slots = xrealloc(NULL, count * sizeof(*st->id_slots));
  st->name_slots = xrealloc(NULL, count * sizeof(*st->name_slots));
  memset(st->id_slots, 0, count * sizeof(*st->id_slots));
  memset(st->name_slots, 0, count * sizeof(*st->name_slots));
  st->slot_count = count;
  for (i = 0; i < st->account_count; i++) {
    slots_insert(st->id_slots, count, st->accounts[i].id, i);
    slots_insert(st->name_slots, count, st->accounts[i].name, i);
  }
}

static store_account *
index_find(store *st, const size_t *slots, int by_name, const char *key)
{
  size_t mask = st->slot_count - 1;
  size_t pos;

  if (st->slot_count == 0 || key == NULL)
    return NULL;
  for (pos = hash_lowercase(key) & mask; slots[pos] != 0;
       pos = (pos + 1) & mask) {
    store_account *acct = &st->accounts[slots[pos] - 1];

    if (strcasecmp(account_key(acct, by_name), key) == 0)
      return acct;
  }
  return NULL;
}

store_account *
store_find_by_id(store *st, const char *id)
{
  return index_find(st, st->id_slots, 0, id);
}

store_account *
store_find_by_name(store *st, const char *name)
{
  return index_find(st, st->name_slots, 1, name);
}

int
store_account_status(const store_account *acct)
{
  if (acct->flags & ACCOUNT_REMOTE)
    return WAITSET_ACCOUNT_REMOTE;
  if (acct->flags & ACCOUNT_MAINTENANCE)
    return WAITSET_ACCOUNT_MAINTENANCE;
  return WAITSET_ACCOUNT_LOCAL;
}

static void
add_account(store *st, const char *id, const char *name,
            const char *password, uint32_t flags)
{
  store_account *acct;
  char *p;

  if (st->account_count == st->account_capacity) {
    st->account_capacity = st->account_capacity ? 2 * st->account_capacity
                                                : 8;
    st->accounts = xrealloc(st->accounts,
                            st->account_capacity * sizeof(*st->accounts));
  }
  index_grow(st, st->account_count + 1);
  acct = &st->accounts[st->account_count++];
  memset(acct, 0, sizeof(*acct));
  acct->id = xstrdup(id);
  /* The core lowercases account ids, so the store keeps them lowercased
   * too and change records match. */
  for (p = acct->id; *p != '\0'; p++)
    *p = (char)tolower((unsigned char)*p);
  acct->name = xstrdup(name);
  acct->password = xstrdup(password);
  acct->flags = flags;
  mailbox_init(&acct->mailbox);
  slots_insert(st->id_slots, st->slot_count, acct->id,
               st->account_count - 1);
  slots_insert(st->name_slots, st->slot_count, acct->name,
               st->account_count - 1);
}

int
store_load_defaults(store *st)
{
  add_account(st, "aaaaaaaa-0000-0000-0000-000000000001",
              "user1@example.test", "secret", 0);
  add_account(st, "aaaaaaaa-0000-0000-0000-000000000002",
              "user2@example.test", "secret", 0);
  add_account(st, "aaaaaaaa-0000-0000-0000-000000000003",
              "user3@example.test", "secret", 0);
  add_account(st, "aaaaaaaa-0000-0000-0000-000000000009",
              "admin@example.test", "secret", ACCOUNT_ADMIN);
  return 0;
}

/* A loginas=ID or child-of=ID flag, resolved once the whole file is
 * read, because ID may name an account defined on a later line. */
typedef struct account_reference {
  size_t account;   /* index of the account whose line has the flag */
  int child_of;     /* 1 for child-of=ID, 0 for loginas=ID */
  char *target_id;
  unsigned line_number;
} account_reference;

typedef struct reference_list {
  account_reference *items;
  size_t count;
  size_t capacity;
} reference_list;

static void
reference_list_free(reference_list *refs)
{
  size_t i;

  for (i = 0; i < refs->count; i++)
    free(refs->items[i].target_id);
  free(refs->items);
}

static void
reference_add(reference_list *refs, size_t account, int child_of,
              const char *target_id, unsigned line_number)
{
  account_reference *ref;

  if (refs->count == refs->capacity) {
    refs->capacity = refs->capacity ? 2 * refs->capacity : 8;
    refs->items = xrealloc(refs->items,
                           refs->capacity * sizeof(*refs->items));
  }
  ref = &refs->items[refs->count++];
  ref->account = account;
  ref->child_of = child_of;
  ref->target_id = xstrdup(target_id);
  ref->line_number = line_number;
}

static void
grant_add(store_account *actor, size_t target)
{
  size_t i;

  for (i = 0; i < actor->grant_count; i++)
    if (actor->grants[i] == target)
      return;
  actor->grants = xrealloc(actor->grants, (actor->grant_count + 1)
                                          * sizeof(*actor->grants));
  actor->grants[actor->grant_count++] = target;
}

int
store_may_act_for(const store *st, const store_account *actor,
                  const store_account *target)
{
  size_t index = (size_t)(target - st->accounts);
  size_t i;

  if (actor == target)
    return 1;
  for (i = 0; i < actor->grant_count; i++)
    if (actor->grants[i] == index)
      return 1;
  return 0;
}

/*
 * Parse the FLAGS field of the account that will take index account.
 * Returns 0, or -1 with err set. Modifies text.
 */
static int
parse_account_flags(char *text, size_t account, unsigned line_number,
                    const char *where, uint32_t *out, reference_list *refs,
                    char *err, size_t err_len)
{
  static const char loginas[] = "loginas=";
  static const char child_of[] = "child-of=";
  char *save = NULL;
  char *word;
  const char *id;
  int is_child_of;

  *out = 0;
  for (word = strtok_r(text, ",", &save); word != NULL;
       word = strtok_r(NULL, ",", &save)) {
    if (strcmp(word, "admin") == 0) {
      *out |= ACCOUNT_ADMIN;
      continue;
    }
    if (strcmp(word, "remote") == 0) {
      *out |= ACCOUNT_REMOTE;
      continue;
    }
    if (strcmp(word, "maintenance") == 0) {
      *out |= ACCOUNT_MAINTENANCE;
      continue;
    }
    if (strncmp(word, loginas, sizeof(loginas) - 1) == 0) {
      id = word + sizeof(loginas) - 1;
      is_child_of = 0;
    } else if (strncmp(word, child_of, sizeof(child_of) - 1) == 0) {
      id = word + sizeof(child_of) - 1;
      is_child_of = 1;
    } else {
      snprintf(err, err_len, "%s: invalid flag \"%s\": expected admin, "
               "remote, maintenance, loginas=ID or child-of=ID", where,
               word);
      return -1;
    }
    if (*id == '\0') {
      snprintf(err, err_len, "%s: invalid flag \"%s\": missing account "
               "id after \"=\"", where, word);
      return -1;
    }
    reference_add(refs, account, is_child_of, id, line_number);
  }
  return 0;
}

/* Parse one line of an accounts file into st; 0, or -1 with err set. */
static int
parse_account_line(store *st, char *line, unsigned line_number,
                   const char *where, reference_list *refs, char *err,
                   size_t err_len)
{
  char *fields[5];
  char *save = NULL;
  char *hash = strchr(line, '#');
  size_t count = 0;
  char *word;
  uint32_t flags = 0;

  if (hash != NULL)
    *hash = '\0';
  for (word = strtok_r(line, " \t\r\n", &save); word != NULL;
       word = strtok_r(NULL, " \t\r\n", &save)) {
    if (count == ARRAY_LEN(fields))
      break;
    fields[count++] = word;
  }
  if (count == 0)
    return 0;
  if (count < 3 || count > 4) {
    snprintf(err, err_len, "%s: expected \"ID NAME PASSWORD [FLAGS]\", "
             "found %s%zu fields", where, count > 4 ? "more than " : "",
             count > 4 ? (size_t)4 : count);
    return -1;
  }
  if (count == 4
      && parse_account_flags(fields[3], st->account_count, line_number,
                             where, &flags, refs, err, err_len) != 0)
    return -1;
  if (store_find_by_id(st, fields[0]) != NULL) {
    snprintf(err, err_len, "%s: duplicate account id \"%s\"", where,
             fields[0]);
    return -1;
  }
  if (store_find_by_name(st, fields[1]) != NULL) {
    snprintf(err, err_len, "%s: duplicate account name \"%s\"", where,
             fields[1]);
    return -1;
  }
  add_account(st, fields[0], fields[1], fields[2], flags);
  return 0;
}

/* Turn every loginas=ID and child-of=ID into a grant. Returns 0, or -1
 * with err set when an ID names no account. */
static int
resolve_references(store *st, const reference_list *refs, const char *path,
                   char *err, size_t err_len)
{
  size_t i;

  for (i = 0; i < refs->count; i++) {
    const account_reference *ref = &refs->items[i];
    store_account *target = store_find_by_id(st, ref->target_id);
    size_t target_index;

    if (target == NULL) {
      snprintf(err, err_len, "%s:%u: %s=%s: no account has this id",
               path, ref->line_number,
               ref->child_of ? "child-of" : "loginas", ref->target_id);
      return -1;
    }
    target_index = (size_t)(target - st->accounts);
    /* child-of=ID on account C lets ID act for C. */
    if (ref->child_of)
      grant_add(target, ref->account);
    else
      grant_add(&st->accounts[ref->account], target_index);
  }
  return 0;
}

int
store_load_file(store *st, const char *path, char *err, size_t err_len)
{
  store loaded;
  reference_list refs;
  char line[4096];
  char where[512];
  unsigned line_number = 0;
  FILE *file = fopen(path, "r");
  int rc = 0;

  if (file == NULL) {
    snprintf(err, err_len, "%s: cannot open: %s", path, strerror(errno));
    return -1;
  }
  store_init(&loaded, st->on_change, st->user_data);
  memset(&refs, 0, sizeof(refs));
  while (fgets(line, sizeof(line), file) != NULL) {
    line_number++;
    snprintf(where, sizeof(where), "%s:%u", path, line_number);
    if (strchr(line, '\n') == NULL && !feof(file)) {
      snprintf(err, err_len, "%s: line longer than %zu bytes", where,
               sizeof(line) - 2);
      rc = -1;
      break;
    }
    rc = parse_account_line(&loaded, line, line_number, where, &refs, err,
                            err_len);
    if (rc != 0)
      break;
  }
  if (rc == 0 && ferror(file)) {
    snprintf(err, err_len, "%s: read failed: %s", path, strerror(errno));
    rc = -1;
  }
  if (rc == 0 && loaded.account_count == 0) {
    snprintf(err, err_len, "%s: no accounts defined", path);
    rc = -1;
  }
  if (rc == 0)
    rc = resolve_references(&loaded, &refs, path, err, err_len);
  reference_list_free(&refs);
  fclose(file);
  if (rc != 0) {
    store_free(&loaded);
    return -1;
  }
  store_free(st);
  *st = loaded;
  return 0;
}

/* ------------------------------------------------------------------ */
/* Mailbox operations                                                  */

static int
parse_item_flags(const char *text, int32_t *out, store_error *err)
{
  const char *p;
  size_t i;

  *out = 0;
  if (text == NULL)
    return 0;
  for (p = text; *p != '\0'; p++) {
    for (i = 0; i < ARRAY_LEN(flag_letters); i++) {
      if (flag_letters[i].letter == *p)
        break;
    }
    if (i == ARRAY_LEN(flag_letters))
      return set_error(err, "service.INVALID_REQUEST",
                       "invalid request: invalid f: \"%.64s\"", text);
    *out |= flag_letters[i].bit;
  }
  return 0;
}

static int
require_folder(store_mailbox *mbox, int32_t folder_id, store_error *err)
{
  if (find_folder(mbox, folder_id) == NULL)
    return set_error(err, "mail.NO_SUCH_FOLDER", "no such folder id: %d",
                     (int)folder_id);
  return 0;
}

static int
create_item(store *st, store_account *acct, int32_t type, int32_t folder_id,
            int32_t flags, const char *tags, const char *source_waitset_id,
            int32_t *out_id, store_error *err)
{
  store_mailbox *mbox = &acct->mailbox;
  store_item *item;
  txn t;

  if (require_folder(mbox, folder_id, err) != 0)
    return -1;
  memset(&t, 0, sizeof(t));
  item = mailbox_append(mbox, mbox->next_id++, type, folder_id);
  item->flags = flags;
  item->tags = (tags != NULL && tags[0] != '\0') ? xstrdup(tags) : NULL;
  *out_id = item->id;
  txn_created(&t, item);
  txn_commit(st, acct, &t, source_waitset_id);
  return 0;
}

int
store_add_message(store *st, store_account *acct, int32_t folder_id,
                  const char *flags, const char *tags,
                  const char *source_waitset_id, int32_t *out_id,
                  store_error *err)
{
  int32_t bits = FLAG_UNREAD;

  /* A new message is unread unless the request gives its flags. */
  if (flags != NULL && parse_item_flags(flags, &bits, err) != 0)
    return -1;
  return create_item(st, acct, WAITSET_ITEM_MESSAGE, folder_id, bits, tags,
                     source_waitset_id, out_id, err);
}

int
store_create_contact(store *st, store_account *acct, int32_t folder_id,
                     const char *source_waitset_id, int32_t *out_id,
                     store_error *err)
{
  return create_item(st, acct, WAITSET_ITEM_CONTACT, folder_id, 0, NULL,
                     source_waitset_id, out_id, err);
}

static store_item *
find_child_folder(store_mailbox *mbox, int32_t parent_id, const char *name)
{
  size_t i;

  for (i = 0; i < mbox->item_count; i++) {
    store_item *item = &mbox->items[i];

    if (item->type == WAITSET_ITEM_FOLDER && item->folder_id == parent_id
        && item->name != NULL && strcasecmp(item->name, name) == 0)
      return item;
  }
  return NULL;
}

static int
check_folder_name(store_mailbox *mbox, const char *name, int32_t parent_id,
                  store_error *err)
{
  if (name == NULL || name[0] == '\0' || strchr(name, '/') != NULL
      || strlen(name) > 128)
    return set_error(err, "mail.INVALID_NAME",
                     "invalid name: \"%.64s\"", name ? name : "");
  if (find_child_folder(mbox, parent_id, name) != NULL)
    return set_error(err, "mail.ALREADY_EXISTS",
                     "object with that name already exists: %.64s", name);
  return 0;
}

/*
 * Return the level of a folder below the root (root 0, Inbox 1), or -1
 * when its parent chain is broken. The walk has no fixed cap: the depth
 * limit and the cycle check at create and move keep chains finite, and
 * more steps than items can only mean a cycle.
 */
static int
folder_depth(store_mailbox *mbox, int32_t folder_id)
{
  size_t steps = 0;

  while (folder_id != FOLDER_ROOT) {
    store_item *folder = find_folder(mbox, folder_id);

    if (folder == NULL || ++steps > mbox->item_count)
      return -1;
    folder_id = folder->folder_id;
  }
  return (int)steps;
}

int
store_create_folder(store *st, store_account *acct, const char *name,
                    int32_t parent_id, const char *source_waitset_id,
                    int32_t *out_id, store_error *err)
{
  store_mailbox *mbox = &acct->mailbox;
  store_item *folder;
  txn t;

  if (require_folder(mbox, parent_id, err) != 0)
    return -1;
  if (folder_depth(mbox, parent_id) >= MAX_FOLDER_DEPTH)
    return set_error(err, "mail.CANNOT_CONTAIN",
                     "cannot create a folder in folder %d: folders nest "
                     "at most %d levels below the root", (int)parent_id,
                     MAX_FOLDER_DEPTH);
  if (check_folder_name(mbox, name, parent_id, err) != 0)
    return -1;
  memset(&t, 0, sizeof(t));
  folder = mailbox_append(mbox, mbox->next_id++, WAITSET_ITEM_FOLDER,
                          parent_id);
  folder->name = xstrdup(name);
  *out_id = folder->id;
  txn_created(&t, folder);
  txn_commit(st, acct, &t, source_waitset_id);
  return 0;
}

/* Return 1 when folder_id is ancestor_id or lies below it. */
static int
folder_is_within(store_mailbox *mbox, int32_t folder_id, int32_t ancestor_id)
{
  size_t steps = 0;

  while (folder_id > 0 && steps++ <= mbox->item_count) {
    store_item *folder;

    if (folder_id == ancestor_id)
      return 1;
    folder = find_folder(mbox, folder_id);
    if (folder == NULL)
      return 0;
    folder_id = folder->folder_id;
  }
  return 0;
}

/*
 * The folders of a subtree, in breadth-first order, found through a
 * children index built in one pass over the items.
 */
typedef struct subtree {
  int32_t *folders;
  size_t count;
  int height; /* levels below the top folder, 0 when it has none */
  unsigned char *member; /* by id: 1 for a folder of the subtree */
} subtree;

static void
subtree_collect(store_mailbox *mbox, int32_t top, subtree *out)
{
  size_t limit = (size_t)mbox->next_id;
  size_t *first = xrealloc(NULL, (limit + 1) * sizeof(*first));
  int32_t *children = xrealloc(NULL, mbox->item_count * sizeof(*children));
  int *levels = xrealloc(NULL, (mbox->item_count + 1) * sizeof(*levels));
  size_t head = 0;
  size_t i;

  /* Children grouped by parent id (counting sort): the children of
   * folder p are children[first[p] .. first[p + 1]). */
  memset(first, 0, (limit + 1) * sizeof(*first));
  for (i = 0; i < mbox->item_count; i++) {
    const store_item *item = &mbox->items[i];

    if (item->type == WAITSET_ITEM_FOLDER && item->folder_id > 0
        && (size_t)item->folder_id < limit)
      first[item->folder_id + 1]++;
  }
  for (i = 1; i <= limit; i++)
    first[i] += first[i - 1];
  for (i = 0; i < mbox->item_count; i++) {
    const store_item *item = &mbox->items[i];

    if (item->type == WAITSET_ITEM_FOLDER && item->folder_id > 0
        && (size_t)item->folder_id < limit)
      children[first[item->folder_id]++] = item->id;
  }
  /* The fill loop advanced each start to the next group's start. */
  for (i = limit; i > 0; i--)
    first[i] = first[i - 1];
  first[0] = 0;

  out->folders = xrealloc(NULL, (mbox->item_count + 1)
                                    * sizeof(*out->folders));
  out->member = xrealloc(NULL, limit + 1);
  memset(out->member, 0, limit + 1);
  out->folders[0] = top;
  out->member[top] = 1;
  out->count = 1;
  out->height = 0;
  levels[0] = 0;
  while (head < out->count) {
    int32_t parent = out->folders[head];
    int level = levels[head++];
    size_t k;

    if (level > out->height)
      out->height = level;
    for (k = first[parent]; k < first[parent + 1]; k++) {
      int32_t child = children[k];

      /* A folder seen twice would mean a cycle; it is taken once. */
      if (out->member[child] || out->count > mbox->item_count)
        continue;
      out->member[child] = 1;
      levels[out->count] = level + 1;
      out->folders[out->count++] = child;
    }
  }
  free(levels);
  free(children);
  free(first);
}

static void
subtree_free(subtree *tree)
{
  free(tree->folders);
  free(tree->member);
}

/*
 * Delete a folder with every folder and item below it, as one
 * transaction, in time linear in the mailbox size.
 */
static void
delete_folder_tree(store_mailbox *mbox, int32_t folder_id, txn *t)
{
  subtree tree;
  int32_t *doomed = xrealloc(NULL, mbox->item_count * sizeof(*doomed));
  size_t doomed_count = 0;
  size_t limit = (size_t)mbox->next_id;
  size_t i;

  subtree_collect(mbox, folder_id, &tree);
  /* Collect the ids first: removing an item moves another into its
   * place. */
  for (i = 0; i < mbox->item_count; i++) {
    const store_item *item = &mbox->items[i];
    int in_tree = item->folder_id > 0 && (size_t)item->folder_id < limit
                  && tree.member[item->folder_id];

    if (item->id == folder_id || in_tree)
      doomed[doomed_count++] = item->id;
  }
  for (i = 0; i < doomed_count; i++) {
    store_item *item = store_find_item(mbox, doomed[i]);

    txn_deleted(t, item);
    mailbox_remove_at(mbox, (size_t)(item - mbox->items));
  }
  free(doomed);
  subtree_free(&tree);
}

static int
folder_action_move(store_mailbox *mbox, store_item *folder,
                   int32_t parent_id, txn *t, store_error *err)
{
  int32_t old_parent = folder->folder_id;
  int parent_depth;
  subtree tree;

  if (require_folder(mbox, parent_id, err) != 0)
    return -1;
  if (folder_is_within(mbox, parent_id, folder->id))
    return set_error(err, "mail.CANNOT_CONTAIN",
                     "cannot put folder %d inside itself", (int)folder->id);
  parent_depth = folder_depth(mbox, parent_id);
  subtree_collect(mbox, folder->id, &tree);
  if (parent_depth < 0
      || parent_depth + 1 + tree.height > MAX_FOLDER_DEPTH) {
    subtree_free(&tree);
    return set_error(err, "mail.CANNOT_CONTAIN",
                     "cannot move folder %d into folder %d: folders nest "
                     "at most %d levels below the root", (int)folder->id,
                     (int)parent_id, MAX_FOLDER_DEPTH);
  }
  subtree_free(&tree);
  if (check_folder_name(mbox, folder->name, parent_id, err) != 0)
    return -1;
  folder->folder_id = parent_id;
  txn_modified(t, folder, WAITSET_CHANGE_FOLDER, old_parent);
  return 0;
}

int
store_folder_action(store *st, store_account *acct, const char *op,
                    int32_t folder_id, const char *name, int32_t parent_id,
                    int32_t color, const char *source_waitset_id,
                    store_error *err)
{
  store_mailbox *mbox = &acct->mailbox;
  store_item *folder = find_folder(mbox, folder_id);
  txn t;

  if (folder == NULL)
    return set_error(err, "mail.NO_SUCH_FOLDER", "no such folder id: %d",
                     (int)folder_id);
  if (folder_id < FIRST_USER_ID && strcmp(op, "color") != 0)
    return set_error(err, "mail.IMMUTABLE_OBJECT",
                     "cannot modify immutable object: %d", (int)folder_id);
  memset(&t, 0, sizeof(t));
  if (strcmp(op, "rename") == 0) {
    if (check_folder_name(mbox, name, folder->folder_id, err) != 0)
      return -1;
    free(folder->name);
    folder->name = xstrdup(name);
    txn_modified(&t, folder, WAITSET_CHANGE_NAME, 0);
  } else if (strcmp(op, "move") == 0) {
    if (folder_action_move(mbox, folder, parent_id, &t, err) != 0) {
      txn_free(&t);
      return -1;
    }
  } else if (strcmp(op, "color") == 0) {
    if (color < 0 || color > 9)
      return set_error(err, "service.INVALID_REQUEST",
                       "invalid request: invalid color: \"%d\"", (int)color);
    folder->color = color;
    txn_modified(&t, folder, WAITSET_CHANGE_COLOR, 0);
  } else if (strcmp(op, "delete") == 0) {
    delete_folder_tree(mbox, folder_id, &t);
  } else {
    return set_error(err, "service.INVALID_REQUEST",
                     "invalid request: unknown operation: %.64s", op);
  }
  txn_commit(st, acct, &t, source_waitset_id);
  return 0;
}

static int
check_message_ids(store_mailbox *mbox, const int32_t *ids, size_t id_count,
                  store_error *err)
{
  size_t i;

  if (id_count == 0)
    return set_error(err, "service.INVALID_REQUEST",
                     "invalid request: missing required attribute: id");
  for (i = 0; i < id_count; i++) {
    store_item *item = store_find_item(mbox, ids[i]);

    if (item == NULL || item->type != WAITSET_ITEM_MESSAGE)
      return set_error(err, "mail.NO_SUCH_MSG", "no such message: %d",
                       (int)ids[i]);
  }
  return 0;
}

/* Add or remove one name in a comma-separated tag list. */
static void
update_tag_list(store_item *item, const char *tag, int add)
{
  char buf[1024] = "";
  char copy[1024];
  char *save = NULL;
  char *word;
  int found = 0;

  snprintf(copy, sizeof(copy), "%s", item->tags ? item->tags : "");
  for (word = strtok_r(copy, ",", &save); word != NULL;
       word = strtok_r(NULL, ",", &save)) {
    if (strcmp(word, tag) == 0) {
      found = 1;
      if (!add)
        continue;
    }
    if (strlen(buf) + strlen(word) + 2 < sizeof(buf)) {
      if (buf[0] != '\0')
        strcat(buf, ",");
      strcat(buf, word);
    }
  }
  if (add && !found && strlen(buf) + strlen(tag) + 2 < sizeof(buf)) {
    if (buf[0] != '\0')
      strcat(buf, ",");
    strcat(buf, tag);
  }
  free(item->tags);
  item->tags = buf[0] != '\0' ? xstrdup(buf) : NULL;
}

/* Apply a flag-style action to one message; return its change bits. */
static int32_t
apply_flag_action(store_item *item, const char *op, const char *tag_name)
{
  int32_t before = item->flags;
  int negate = op[0] == '!';
  const char *name = negate ? op + 1 : op;

  if (strcmp(name, "read") == 0) {
    if (negate)
      item->flags |= FLAG_UNREAD;
    else
      item->flags &= ~FLAG_UNREAD;
    return item->flags != before ? WAITSET_CHANGE_UNREAD : 0;
  }
  if (strcmp(name, "flag") == 0) {
    if (negate)
      item->flags &= ~FLAG_FLAGGED;
    else
      item->flags |= FLAG_FLAGGED;
    return item->flags != before ? WAITSET_CHANGE_FLAGS : 0;
  }
  update_tag_list(item, tag_name, !negate);
  return WAITSET_CHANGE_TAGS;
}

static int
check_msg_op(store_mailbox *mbox, const char *op, int32_t folder_id,
             const char *tag_name, store_error *err)
{
  static const char *const known[] = {
    "read", "!read", "flag", "!flag", "tag", "!tag", "move", "delete"
  };
  size_t i;

  for (i = 0; i < ARRAY_LEN(known); i++) {
    if (strcmp(op, known[i]) == 0)
      break;
  }
  if (i == ARRAY_LEN(known))
    return set_error(err, "service.INVALID_REQUEST",
                     "invalid request: unknown operation: %.64s", op);
  if (strcmp(op, "move") == 0)
    return require_folder(mbox, folder_id, err);
  if ((strcmp(op, "tag") == 0 || strcmp(op, "!tag") == 0)
      && (tag_name == NULL || tag_name[0] == '\0'
          || strchr(tag_name, ',') != NULL))
    return set_error(err, "service.INVALID_REQUEST",
                     "invalid request: missing or invalid tn");
  return 0;
}

int
store_msg_action(store *st, store_account *acct, const char *op,
                 const int32_t *ids, size_t id_count, int32_t folder_id,
                 const char *tag_name, const char *source_waitset_id,
                 store_error *err)
{
  store_mailbox *mbox = &acct->mailbox;
  size_t i;
  txn t;

  if (check_msg_op(mbox, op, folder_id, tag_name, err) != 0)
    return -1;
  if (check_message_ids(mbox, ids, id_count, err) != 0)
    return -1;
  memset(&t, 0, sizeof(t));
  for (i = 0; i < id_count; i++) {
    store_item *item = store_find_item(mbox, ids[i]);
    int32_t change;

    if (item == NULL)
      continue; /* listed twice and deleted already */
    if (strcmp(op, "delete") == 0) {
      txn_deleted(&t, item);
      mailbox_remove_at(mbox, (size_t)(item - mbox->items));
    } else if (strcmp(op, "move") == 0) {
      int32_t old_folder = item->folder_id;

      if (old_folder == folder_id)
        continue;
      item->folder_id = folder_id;
      txn_modified(&t, item, WAITSET_CHANGE_FOLDER, old_folder);
    } else {
      change = apply_flag_action(item, op, tag_name);
      if (change != 0)
        txn_modified(&t, item, change, 0);
    }
  }
  txn_commit(st, acct, &t, source_waitset_id);
  return 0;
}

int
store_inject(store *st, store_account *acct, const store_injected *records,
             size_t record_count, const char *source_waitset_id,
             int64_t *out_change_id, store_error *err)
{
  size_t i;
  txn t;

  if (record_count == 0)
    return set_error(err, "service.INVALID_REQUEST",
                     "invalid request: no created, modified or deleted "
                     "element");
  memset(&t, 0, sizeof(t));
  for (i = 0; i < record_count; i++) {
    const store_injected *r = &records[i];
    store_item item;

    memset(&item, 0, sizeof(item));
    item.id = r->id;
    item.imap_uid = r->id;
    item.type = r->type;
    item.folder_id = r->folder_id;
    if (r->kind == 0)
      txn_created(&t, &item);
    else if (r->kind == 1)
      txn_modified(&t, &item, r->change, 0);
    else
      txn_deleted(&t, &item);
  }
  /* The types are exactly those of the records, without the FOLDER bit
   * that store commits add for folder counts, so tests can post a
   * single type. */
  t.types = 0;
  for (i = 0; i < record_count; i++)
    t.types |= type_bit_of_item(records[i].type);
  *out_change_id = txn_commit(st, acct, &t, source_waitset_id);
  return 0;
}
