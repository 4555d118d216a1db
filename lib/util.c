/* SPDX-License-Identifier: MIT */
/*
 * Containers and helpers of the core: intrusive lists, allocator
 * wrappers, the response arena, the string map, logging, clocks and
 * random ids.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#if defined(__linux__)
#include <sys/random.h>
#endif

#include "internal.h"

/* ------------------------------------------------------------------ */
/* Lists                                                               */

void
ws_list_init(ws_list *head)
{
  head->next = head;
  head->prev = head;
}

int
ws_list_empty(const ws_list *head)
{
  return head->next == head;
}

int
ws_list_linked(const ws_list *node)
{
  return node->next != NULL;
}

void
ws_list_push_back(ws_list *head, ws_list *node)
{
  node->prev = head->prev;
  node->next = head;
  head->prev->next = node;
  head->prev = node;
}

void
ws_list_remove(ws_list *node)
{
  if (node->next == NULL)
    return;
  node->prev->next = node->next;
  node->next->prev = node->prev;
  node->next = NULL;
  node->prev = NULL;
}

/* ------------------------------------------------------------------ */
/* Allocator wrappers                                                   */

void *
ws_malloc(const waitset_allocator *a, size_t size)
{
  return a->malloc(size == 0 ? 1 : size);
}

void *
ws_calloc(const waitset_allocator *a, size_t n, size_t size)
{
  void *p;

  if (size != 0 && n > SIZE_MAX / size)
    return NULL;
  p = ws_malloc(a, n * size);
  if (p != NULL)
    memset(p, 0, n * size);
  return p;
}

void *
ws_realloc(const waitset_allocator *a, void *ptr, size_t size)
{
  return a->realloc(ptr, size == 0 ? 1 : size);
}

void
ws_free(const waitset_allocator *a, void *ptr)
{
  if (ptr != NULL)
    a->free(ptr);
}

char *
ws_strdup(const waitset_allocator *a, const char *s)
{
  size_t len = strlen(s);
  char *p = ws_malloc(a, len + 1);

  if (p != NULL)
    memcpy(p, s, len + 1);
  return p;
}

/* ------------------------------------------------------------------ */
/* Arena                                                               */

struct ws_arena_block {
  ws_arena_block *next;
  size_t used;
  size_t cap;
  /* Keeps the data that follows aligned for any field type. */
  union {
    int64_t i;
    double d;
    void *p;
  } data[];
};

#define WS_ARENA_MIN 1024

void
ws_arena_init(ws_arena *arena, const waitset_allocator *alloc)
{
  arena->alloc = alloc;
  arena->head = NULL;
}

void *
ws_arena_alloc(ws_arena *arena, size_t size)
{
  ws_arena_block *b = arena->head;
  size_t need = (size + 7) & ~(size_t)7;
  size_t cap;
  void *p;

  if (size > SIZE_MAX / 2)
    return NULL;
  if (need == 0)
    need = 8;
  if (b == NULL || b->cap - b->used < need) {
    cap = need > WS_ARENA_MIN ? need : WS_ARENA_MIN;
    b = ws_malloc(arena->alloc, sizeof(*b) + cap);
    if (b == NULL)
      return NULL;
    b->cap = cap;
    b->used = 0;
    b->next = arena->head;
    arena->head = b;
  }
  p = (char *)b->data + b->used;
  b->used += need;
  return p;
}

void *
ws_arena_calloc(ws_arena *arena, size_t n, size_t size)
{
  void *p;

  if (size != 0 && n > SIZE_MAX / 2 / size)
    return NULL;
  p = ws_arena_alloc(arena, n * size);
  if (p != NULL)
    memset(p, 0, n * size);
  return p;
}

char *
ws_arena_strdup(ws_arena *arena, const char *s)
{
  size_t len = strlen(s);
  char *p = ws_arena_alloc(arena, len + 1);

  if (p != NULL)
    memcpy(p, s, len + 1);
  return p;
}

char *
ws_arena_printf(ws_arena *arena, const char *fmt, ...)
{
  va_list ap;
  int len;
  char *p;

  va_start(ap, fmt);
  len = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (len < 0)
    return NULL;
  p = ws_arena_alloc(arena, (size_t)len + 1);
  if (p == NULL)
    return NULL;
  va_start(ap, fmt);
  vsnprintf(p, (size_t)len + 1, fmt, ap);
  va_end(ap);
  return p;
}

void
ws_arena_free(ws_arena *arena)
{
  ws_arena_block *b = arena->head;

  while (b != NULL) {
    ws_arena_block *next = b->next;

    ws_free(arena->alloc, b);
    b = next;
  }
  arena->head = NULL;
}

/* ------------------------------------------------------------------ */
/* String map: linear probing with backward-shift deletion.            */

uint32_t
ws_hash(const char *s)
{
  /* FNV-1a over the bytes, then a final avalanche (murmur3 fmix32). */
  uint32_t h = 2166136261u;

  while (*s != '\0') {
    h ^= (unsigned char)*s++;
    h *= 16777619u;
  }
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

/* Hash s as ws_hash() hashes its lowercase form, in the same pass
 * setting *len and whether s has an upper-case ASCII letter. */
uint32_t
ws_hash_lower(const char *s, size_t *len, int *upper)
{
  uint32_t h = 2166136261u;
  const char *p = s;
  int up = 0;

  for (; *p != '\0'; p++) {
    unsigned char c = (unsigned char)*p;

    if (c >= 'A' && c <= 'Z') {
      c = (unsigned char)(c - 'A' + 'a');
      up = 1;
    }
    h ^= c;
    h *= 16777619u;
  }
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  *len = (size_t)(p - s);
  *upper = up;
  return h;
}

void
ws_map_init(ws_map *map, ws_map_key_fn key, ws_map_hash_fn hash)
{
  map->slots = NULL;
  map->cap = 0;
  map->count = 0;
  map->key = key;
  map->hash = hash;
}

void *
ws_map_get_hashed(const ws_map *map, const char *key, uint32_t hash)
{
  uint32_t mask;
  uint32_t i;

  if (map->count == 0)
    return NULL;
  mask = map->cap - 1;
  for (i = hash & mask;; i = (i + 1) & mask) {
    const ws_map_slot *slot = &map->slots[i];

    if (slot->value == NULL)
      return NULL;
    if (map->hash(slot->value) == hash
        && strcmp(map->key(slot->value), key) == 0)
      return slot->value;
  }
}

void *
ws_map_get(const ws_map *map, const char *key)
{
  if (map->count == 0)
    return NULL;
  return ws_map_get_hashed(map, key, ws_hash(key));
}

static void
map_insert_slot(ws_map_slot *slots, uint32_t cap, void *value,
                uint32_t hash)
{
  uint32_t mask = cap - 1;
  uint32_t i;

  for (i = hash & mask; slots[i].value != NULL; i = (i + 1) & mask)
    ;
  slots[i].value = value;
}

int
ws_map_reserve(const waitset_allocator *a, ws_map *map)
{
  uint32_t cap;
  ws_map_slot *slots;
  uint32_t i;

  /* Keep the load at or below 3/4. */
  if ((uint64_t)(map->count + 1) * 4 <= (uint64_t)map->cap * 3)
    return 0;
  cap = map->cap == 0 ? 4 : map->cap * 2;
  if (cap == 0)
    return WAITSET_ENOMEM;
  slots = ws_calloc(a, cap, sizeof(*slots));
  if (slots == NULL)
    return WAITSET_ENOMEM;
  for (i = 0; i < map->cap; i++) {
    if (map->slots[i].value != NULL)
      map_insert_slot(slots, cap, map->slots[i].value,
                      map->hash(map->slots[i].value));
  }
  ws_free(a, map->slots);
  map->slots = slots;
  map->cap = cap;
  return 0;
}

int
ws_map_put(const waitset_allocator *a, ws_map *map, void *value)
{
  int rc = ws_map_reserve(a, map);

  if (rc != 0)
    return rc;
  map_insert_slot(map->slots, map->cap, value, map->hash(value));
  map->count++;
  return 0;
}

void *
ws_map_del(ws_map *map, const char *key)
{
  uint32_t mask;
  uint32_t hash;
  uint32_t i;
  uint32_t j;
  void *found;

  if (map->count == 0)
    return NULL;
  mask = map->cap - 1;
  hash = ws_hash(key);
  for (i = hash & mask;; i = (i + 1) & mask) {
    if (map->slots[i].value == NULL)
      return NULL;
    if (map->hash(map->slots[i].value) == hash
        && strcmp(map->key(map->slots[i].value), key) == 0)
      break;
  }
  found = map->slots[i].value;
  map->slots[i].value = NULL;
  map->count--;

  /* Shift later members of the probe run back into the hole. */
  for (j = (i + 1) & mask; map->slots[j].value != NULL; j = (j + 1) & mask) {
    uint32_t home = map->hash(map->slots[j].value) & mask;
    int movable;

    if (i <= j)
      movable = home <= i || home > j;
    else
      movable = home <= i && home > j;
    if (movable) {
      map->slots[i] = map->slots[j];
      map->slots[j].value = NULL;
      i = j;
    }
  }
  return found;
}

void
ws_map_destroy(const waitset_allocator *a, ws_map *map)
{
  ws_free(a, map->slots);
  map->slots = NULL;
  map->cap = 0;
  map->count = 0;
}

/* ------------------------------------------------------------------ */
/* Logging, clocks, randomness                                         */

/* Depth of log hooks running on this thread; lets the thread-safe entry
 * point detect a call from a log hook without touching the registry. */
static __thread int log_hook_depth;

int
ws_in_log_hook(void)
{
  return log_hook_depth > 0;
}

void
ws_log(waitset_registry *reg, int level, const char *fmt, ...)
{
  char line[512];
  va_list ap;

  if (!WS_LOG_ON(reg, level))
    return;
  va_start(ap, fmt);
  vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  reg->log_depth++;
  log_hook_depth++;
  reg->log_cb(level, line, reg->log_user_data);
  log_hook_depth--;
  reg->log_depth--;
}

/* Return the element name of a request op for log lines. */
const char *
ws_op_name(int op)
{
  switch (op) {
  case WAITSET_OP_CREATE:
    return "CreateWaitSet";
  case WAITSET_OP_WAIT:
    return "WaitSet";
  case WAITSET_OP_DESTROY:
    return "DestroyWaitSet";
  case WAITSET_OP_QUERY:
    return "QueryWaitSet";
  default:
    return "unknown";
  }
}

int64_t
ws_wall_ms(void)
{
  struct timeval tv;

  gettimeofday(&tv, NULL);
  return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

int
ws_random_bytes(unsigned char *buf, size_t len)
{
  size_t got = 0;
  int fd;

#if defined(__linux__)
  while (got < len) {
    ssize_t n = getrandom(buf + got, len - got, 0);

    if (n < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    got += (size_t)n;
  }
  if (got == len)
    return 0;
#endif
  fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  while (got < len) {
    ssize_t n = read(fd, buf + got, len - got);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      close(fd);
      return -1;
    }
    got += (size_t)n;
  }
  close(fd);
  return 0;
}

int
ws_uuid(char out[37])
{
  static const char hex[] = "0123456789abcdef";
  unsigned char b[16];
  size_t i;
  char *p = out;

  /* Waitset ids must not be guessable, so there is no fallback to a
   * weaker source. */
  if (ws_random_bytes(b, sizeof(b)) != 0)
    return -1;
  b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
  b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
  for (i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10)
      *p++ = '-';
    *p++ = hex[b[i] >> 4];
    *p++ = hex[b[i] & 15];
  }
  *p = '\0';
  return 0;
}
