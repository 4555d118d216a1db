/* SPDX-License-Identifier: MIT */
/*
 * Private declarations of libwaitset-xml: memory helpers, the output
 * buffer and the decoder's node records.
 */
#ifndef WAITSET_XML_INTERNAL_H
#define WAITSET_XML_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "waitset/xml.h"

/* Maximum length of a client value quoted in a fault reason, in bytes. */
#define WSX_QUOTE_MAX 128

/* ------------------------------------------------------------------ */
/* Memory                                                              */

extern const waitset_allocator wsx_libc_allocator;

/* Check a host allocator: 0, WAITSET_EVERSION or WAITSET_EINVAL. */
int wsx_allocator_check(const waitset_allocator *alloc);

/* A bump allocator whose blocks are released together. */
typedef struct wsx_arena_block wsx_arena_block;
typedef struct wsx_arena {
  const waitset_allocator *alloc;
  wsx_arena_block *head;
} wsx_arena;

void wsx_arena_init(wsx_arena *arena, const waitset_allocator *alloc);
void *wsx_arena_alloc(wsx_arena *arena, size_t size);
char *wsx_arena_strndup(wsx_arena *arena, const char *s, size_t len);
void wsx_arena_free(wsx_arena *arena);

/* A growable byte string; `data` stays NUL-terminated once allocated. */
typedef struct wsx_buf {
  const waitset_allocator *alloc;
  char *data;
  size_t len;
  size_t cap;
} wsx_buf;

void wsx_buf_init(wsx_buf *buf, const waitset_allocator *alloc);
int wsx_buf_append(wsx_buf *buf, const char *s, size_t len);
int wsx_buf_puts(wsx_buf *buf, const char *s);
int wsx_buf_printf(wsx_buf *buf, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
int wsx_buf_vprintf(wsx_buf *buf, const char *fmt, va_list ap)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 0)))
#endif
    ;
/* Append a client value in double quotes, cut to WSX_QUOTE_MAX bytes at
 * a UTF-8 character boundary and followed by "..." when cut. */
int wsx_buf_quote(wsx_buf *buf, const char *value);
void wsx_buf_free(wsx_buf *buf);

/* ------------------------------------------------------------------ */
/* Decoder nodes                                                       */

/* A node of the tree; `pub` is first so the public pointer converts. */
typedef struct wsx_node {
  waitset_xml_node pub;
  uint64_t offset; /* byte offset of the start tag */
} wsx_node;

#define WSX_NODE(p) ((const wsx_node *)(const void *)(p))

/* Return 1 when a child element belongs to its parent's vocabulary: it
 * is in the parent's namespace or in none. */
int wsx_node_in_vocabulary(const waitset_xml_node *parent,
                           const waitset_xml_node *child);

#endif /* WAITSET_XML_INTERNAL_H */
