/* SPDX-License-Identifier: MIT */
/*
 * Parsing and printing of protocol values: booleans, interest types,
 * integers, sync tokens and folder interests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int
is_blank(char c)
{
  /* Blanks are the characters up to U+0020, the set Java's trim() strips. */
  return (unsigned char)c <= 0x20 && c != '\0';
}

/* Set *start and *len to s[0..n) without surrounding blanks. */
static void
trim_span(const char *s, size_t n, const char **start, size_t *len)
{
  while (n > 0 && is_blank(*s)) {
    s++;
    n--;
  }
  while (n > 0 && is_blank(s[n - 1]))
    n--;
  *start = s;
  *len = n;
}

static int
span_equals_nocase(const char *s, size_t n, const char *word)
{
  size_t i;

  if (strlen(word) != n)
    return 0;
  for (i = 0; i < n; i++) {
    char c = s[i];

    if (c >= 'A' && c <= 'Z')
      c = (char)(c - 'A' + 'a');
    if (c != word[i])
      return 0;
  }
  return 1;
}

int
ws_parse_bool(const char *s, int *out)
{
  const char *p;
  size_t n;

  trim_span(s, strlen(s), &p, &n);
  if ((n == 1 && p[0] == '1') || span_equals_nocase(p, n, "true")) {
    *out = 1;
    return 0;
  }
  if ((n == 1 && p[0] == '0') || span_equals_nocase(p, n, "false")) {
    *out = 0;
    return 0;
  }
  return -1;
}

int
ws_parse_types(const char *s, uint32_t *out)
{
  uint32_t types = 0;

  for (;;) {
    const char *comma = strchr(s, ',');
    size_t n = comma != NULL ? (size_t)(comma - s) : strlen(s);
    const char *p;
    size_t len;

    trim_span(s, n, &p, &len);
    if (len == 3 && memcmp(p, "all", 3) == 0)
      types |= WAITSET_TYPE_ALL;
    else if (len != 1)
      return -1;
    else if (*p == 'f')
      types |= WAITSET_TYPE_FOLDER;
    else if (*p == 'm')
      types |= WAITSET_TYPE_MESSAGE;
    else if (*p == 'c')
      types |= WAITSET_TYPE_CONTACT;
    else if (*p == 'a')
      types |= WAITSET_TYPE_APPOINTMENT;
    else if (*p == 't')
      types |= WAITSET_TYPE_TASK;
    else if (*p == 'd')
      types |= WAITSET_TYPE_DOCUMENT;
    else
      return -1;
    if (comma == NULL)
      break;
    s = comma + 1;
  }
  *out = types;
  return 0;
}

/* Parse s[0..n) as an optionally signed decimal within [min, max]. */
static int
parse_span_int(const char *s, size_t n, int64_t min, int64_t max,
               int64_t *out)
{
  int neg = 0;
  uint64_t limit;
  uint64_t v = 0;
  size_t i = 0;

  if (n > 0 && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    i = 1;
  }
  if (i == n)
    return -1;
  limit = neg ? (uint64_t)(-(min + 1)) + 1 : (uint64_t)max;
  for (; i < n; i++) {
    unsigned d;

    if (s[i] < '0' || s[i] > '9')
      return -1;
    d = (unsigned)(s[i] - '0');
    if (v > (limit - d) / 10)
      return -1;
    v = v * 10 + d;
  }
  if (neg)
    *out = v == 0 ? 0 : -(int64_t)(v - 1) - 1;
  else
    *out = (int64_t)v;
  return 0;
}

int
ws_parse_int64(const char *s, int trim, int64_t *out)
{
  const char *p = s;
  size_t n = strlen(s);

  if (trim)
    trim_span(s, n, &p, &n);
  return parse_span_int(p, n, INT64_MIN, INT64_MAX, out);
}

/* Parse "INT" or "INT-INT", where the split happens at index 1 or later,
 * so a leading '-' is a sign. */
static int
parse_token_part(const char *s, size_t n, int32_t *value, int32_t *offset)
{
  int64_t v;
  int64_t off;
  size_t i;
  size_t dash = n;

  for (i = 1; i < n; i++) {
    if (s[i] == '-') {
      dash = i;
      break;
    }
  }
  if (parse_span_int(s, dash, INT32_MIN, INT32_MAX, &v) != 0)
    return -1;
  *value = (int32_t)v;
  *offset = -1;
  if (dash == n)
    return 0;
  if (parse_span_int(s + dash + 1, n - dash - 1, INT32_MIN, INT32_MAX, &off)
      != 0)
    return -1;
  *offset = (int32_t)off;
  return 0;
}

int
ws_parse_token(const char *s, ws_token *out)
{
  size_t n = strlen(s);
  const char *d = NULL;
  size_t i;

  for (i = 1; i + 1 < n; i++) {
    if (s[i] == ':' && s[i + 1] == 'd') {
      d = s + i;
      break;
    }
  }
  out->del = 0;
  out->del_offset = -1;
  if (d == NULL)
    return parse_token_part(s, n, &out->change, &out->change_offset);
  if (parse_token_part(s, (size_t)(d - s), &out->change,
                       &out->change_offset)
      != 0)
    return -1;
  if (d[2] == '\0')
    return 0;
  return parse_token_part(d + 2, strlen(d + 2), &out->del, &out->del_offset);
}

static int
compare_int32(const void *a, const void *b)
{
  int32_t x = *(const int32_t *)a;
  int32_t y = *(const int32_t *)b;

  return (x > y) - (x < y);
}

int
ws_parse_folders(ws_arena *arena, const char *s, int32_t **out,
                 uint32_t *count)
{
  size_t max = 1;
  const char *q;
  int32_t *ids;
  uint32_t n = 0;
  uint32_t i;
  uint32_t k;

  for (q = s; *q != '\0'; q++) {
    if (*q == ',')
      max++;
  }
  ids = ws_arena_calloc(arena, max, sizeof(*ids));
  if (ids == NULL)
    return WAITSET_ENOMEM;
  for (;;) {
    const char *comma = strchr(s, ',');
    size_t len = comma != NULL ? (size_t)(comma - s) : strlen(s);
    const char *p;
    int64_t v;

    trim_span(s, len, &p, &len);
    if (len > 0) {
      if (parse_span_int(p, len, INT32_MIN, INT32_MAX, &v) != 0)
        return -1;
      ids[n++] = (int32_t)v;
    }
    if (comma == NULL)
      break;
    s = comma + 1;
  }
  qsort(ids, n, sizeof(*ids), compare_int32);
  for (i = 0, k = 0; i < n; i++) {
    if (k == 0 || ids[k - 1] != ids[i])
      ids[k++] = ids[i];
  }
  *out = k > 0 ? ids : NULL;
  *count = k;
  return 0;
}

void
ws_types_comma(uint32_t types, char out[16])
{
  static const char letters[] = "fmcatd";
  char *p = out;
  int i;

  for (i = 0; i < 6; i++) {
    if (types & (1u << i)) {
      if (p != out)
        *p++ = ',';
      *p++ = letters[i];
    }
  }
  *p = '\0';
}

void
ws_types_compact(uint32_t types, char out[8])
{
  /* Item-type order: folder, message, contact, document, appointment,
   * task. */
  static const struct {
    uint32_t bit;
    char letter;
  } order[] = {{WAITSET_TYPE_FOLDER, 'f'},      {WAITSET_TYPE_MESSAGE, 'm'},
               {WAITSET_TYPE_CONTACT, 'c'},     {WAITSET_TYPE_DOCUMENT, 'd'},
               {WAITSET_TYPE_APPOINTMENT, 'a'}, {WAITSET_TYPE_TASK, 't'}};
  char *p = out;
  size_t i;

  if ((types & WAITSET_TYPE_ALL) == WAITSET_TYPE_ALL) {
    strcpy(out, "all");
    return;
  }
  for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
    if (types & order[i].bit)
      *p++ = order[i].letter;
  }
  *p = '\0';
}

void
ws_token_print(const ws_token *tok, char out[64])
{
  char *p = out;

  *p = '\0';
  if (tok->change > 0)
    p += sprintf(p, "%d", (int)tok->change);
  if (tok->change_offset > 0)
    p += sprintf(p, "-%d", (int)tok->change_offset);
  if (tok->del > 0) {
    p += sprintf(p, ":d%d", (int)tok->del);
    if (tok->del_offset > 0)
      sprintf(p, "-%d", (int)tok->del_offset);
  }
}

void
ws_lowercase(char *s)
{
  for (; *s != '\0'; s++) {
    if (*s >= 'A' && *s <= 'Z')
      *s = (char)(*s - 'A' + 'a');
  }
}

int
ws_quote_value(char *out, size_t out_size, const char *value)
{
  size_t n = strlen(value);
  int cut = 0;

  if (n > WS_QUOTE_MAX) {
    n = WS_QUOTE_MAX;
    /* Do not split a UTF-8 sequence: back up to its lead byte. */
    while (n > 0 && ((unsigned char)value[n] & 0xc0) == 0x80)
      n--;
    cut = 1;
  }
  if (out_size < WS_QUOTE_MAX + 4)
    return -1;
  memcpy(out, value, n);
  if (cut)
    memcpy(out + n, "...", 3), n += 3;
  out[n] = '\0';
  return 0;
}
