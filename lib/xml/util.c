/* SPDX-License-Identifier: MIT */
/* Memory helpers of libwaitset-xml: allocator check, arena, buffers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xml-internal.h"

const waitset_allocator wsx_libc_allocator = {
  WAITSET_ALLOCATOR_VERSION, malloc, realloc, free
};

int
wsx_allocator_check(const waitset_allocator *alloc)
{
  if (alloc == NULL)
    return 0;
  if (alloc->version != WAITSET_ALLOCATOR_VERSION)
    return WAITSET_EVERSION;
  if (alloc->malloc == NULL || alloc->realloc == NULL || alloc->free == NULL)
    return WAITSET_EINVAL;
  return 0;
}

/* ------------------------------------------------------------------ */
/* Arena                                                               */

#define WSX_ARENA_BLOCK 4096u
#define WSX_ALIGN 16u

struct wsx_arena_block {
  wsx_arena_block *next;
  size_t used;
  size_t cap;
  /* The payload follows, aligned to WSX_ALIGN. */
};

#define WSX_BLOCK_HEADER                                                      \
  ((sizeof(wsx_arena_block) + WSX_ALIGN - 1) & ~(size_t)(WSX_ALIGN - 1))

void
wsx_arena_init(wsx_arena *arena, const waitset_allocator *alloc)
{
  arena->alloc = alloc;
  arena->head = NULL;
}

void *
wsx_arena_alloc(wsx_arena *arena, size_t size)
{
  wsx_arena_block *block = arena->head;
  size_t need;
  size_t cap;

  if (size > SIZE_MAX - 2 * WSX_ALIGN - WSX_BLOCK_HEADER)
    return NULL;
  need = (size + WSX_ALIGN - 1) & ~(size_t)(WSX_ALIGN - 1);
  if (need == 0)
    need = WSX_ALIGN;
  if (block == NULL || block->cap - block->used < need) {
    cap = need > WSX_ARENA_BLOCK ? need : WSX_ARENA_BLOCK;
    block = arena->alloc->malloc(WSX_BLOCK_HEADER + cap);
    if (block == NULL)
      return NULL;
    block->used = 0;
    block->cap = cap;
    if (arena->head != NULL && need > WSX_ARENA_BLOCK) {
      /* Keep the partly used block on top for later small requests. */
      block->next = arena->head->next;
      arena->head->next = block;
    } else {
      block->next = arena->head;
      arena->head = block;
    }
  }
  block->used += need;
  return (char *)block + WSX_BLOCK_HEADER + block->used - need;
}

char *
wsx_arena_strndup(wsx_arena *arena, const char *s, size_t len)
{
  char *copy;

  if (len == SIZE_MAX)
    return NULL;
  copy = wsx_arena_alloc(arena, len + 1);
  if (copy == NULL)
    return NULL;
  if (len > 0)
    memcpy(copy, s, len);
  copy[len] = '\0';
  return copy;
}

void
wsx_arena_free(wsx_arena *arena)
{
  wsx_arena_block *block = arena->head;

  while (block != NULL) {
    wsx_arena_block *next = block->next;
    arena->alloc->free(block);
    block = next;
  }
  arena->head = NULL;
}

/* ------------------------------------------------------------------ */
/* Growable buffer                                                     */

void
wsx_buf_init(wsx_buf *buf, const waitset_allocator *alloc)
{
  buf->alloc = alloc;
  buf->data = NULL;
  buf->len = 0;
  buf->cap = 0;
}

static int
buf_reserve(wsx_buf *buf, size_t extra)
{
  size_t cap;
  char *data;

  if (extra > SIZE_MAX - buf->len - 1)
    return WAITSET_ENOMEM;
  if (buf->len + extra + 1 <= buf->cap)
    return 0;
  cap = buf->cap ? buf->cap : 64;
  while (cap < buf->len + extra + 1) {
    if (cap > SIZE_MAX / 2) {
      cap = buf->len + extra + 1;
      break;
    }
    cap *= 2;
  }
  data = buf->alloc->realloc(buf->data, cap);
  if (data == NULL)
    return WAITSET_ENOMEM;
  buf->data = data;
  buf->cap = cap;
  return 0;
}

int
wsx_buf_append(wsx_buf *buf, const char *s, size_t len)
{
  if (buf_reserve(buf, len) != 0)
    return WAITSET_ENOMEM;
  if (len > 0)
    memcpy(buf->data + buf->len, s, len);
  buf->len += len;
  buf->data[buf->len] = '\0';
  return 0;
}

int
wsx_buf_puts(wsx_buf *buf, const char *s)
{
  return wsx_buf_append(buf, s, strlen(s));
}

int
wsx_buf_vprintf(wsx_buf *buf, const char *fmt, va_list ap)
{
  va_list copy;
  int n;

  va_copy(copy, ap);
  n = vsnprintf(NULL, 0, fmt, copy);
  va_end(copy);
  if (n < 0)
    return WAITSET_EINVAL;
  if (buf_reserve(buf, (size_t)n) != 0)
    return WAITSET_ENOMEM;
  vsnprintf(buf->data + buf->len, (size_t)n + 1, fmt, ap);
  buf->len += (size_t)n;
  return 0;
}

int
wsx_buf_printf(wsx_buf *buf, const char *fmt, ...)
{
  va_list ap;
  int rc;

  va_start(ap, fmt);
  rc = wsx_buf_vprintf(buf, fmt, ap);
  va_end(ap);
  return rc;
}

int
wsx_buf_quote(wsx_buf *buf, const char *value)
{
  size_t len = strlen(value);
  int cut = 0;
  int rc;

  if (len > WSX_QUOTE_MAX) {
    len = WSX_QUOTE_MAX;
    /* Step back over continuation bytes to a character start. */
    while (len > 0 && ((unsigned char)value[len] & 0xc0) == 0x80)
      len--;
    cut = 1;
  }
  rc = wsx_buf_append(buf, "\"", 1);
  if (rc == 0)
    rc = wsx_buf_append(buf, value, len);
  if (rc == 0 && cut)
    rc = wsx_buf_append(buf, "...", 3);
  if (rc == 0)
    rc = wsx_buf_append(buf, "\"", 1);
  return rc;
}

void
wsx_buf_free(wsx_buf *buf)
{
  if (buf->data != NULL)
    buf->alloc->free(buf->data);
  buf->data = NULL;
  buf->len = 0;
  buf->cap = 0;
}
