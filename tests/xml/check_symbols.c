/* SPDX-License-Identifier: MIT */
/*
 * Compare the dynamic symbols that libwaitset-xml exports with the
 * globals of its version script and with the functions its public header
 * declares: the three sets must be equal, and every export must carry
 * the script's version node. Reads `nm -D` output through popen().
 * Usage: check_symbols LIBRARY MAP HEADER. Prints TAP.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SYMBOLS 256
#define MAX_NAME 128

typedef struct symbol_set {
  char names[MAX_SYMBOLS][MAX_NAME];
  size_t count;
} symbol_set;

static int
add_name(symbol_set *set, const char *name)
{
  size_t i;

  for (i = 0; i < set->count; i++) {
    if (strcmp(set->names[i], name) == 0)
      return 0;
  }
  if (set->count == MAX_SYMBOLS || strlen(name) >= MAX_NAME)
    return -1;
  strcpy(set->names[set->count++], name);
  return 0;
}

static int
contains(const symbol_set *set, const char *name)
{
  size_t i;

  for (i = 0; i < set->count; i++) {
    if (strcmp(set->names[i], name) == 0)
      return 1;
  }
  return 0;
}

/* Read the globals of the map and the name of its first version node. */
static int
read_map(const char *path, symbol_set *set, char *node, size_t node_cap)
{
  FILE *f = fopen(path, "r");
  char line[256];
  int in_global = 0;

  if (f == NULL)
    return -1;
  node[0] = '\0';
  while (fgets(line, sizeof(line), f) != NULL) {
    char word[MAX_NAME];

    if (sscanf(line, " %127[A-Za-z0-9_.]", word) != 1)
      continue;
    if (node[0] == '\0' && strchr(line, '{') != NULL) {
      snprintf(node, node_cap, "%s", word);
      continue;
    }
    if (strcmp(word, "global") == 0) {
      in_global = 1;
    } else if (strcmp(word, "local") == 0) {
      in_global = 0;
    } else if (in_global && add_name(set, word) != 0) {
      fclose(f);
      return -1;
    }
  }
  fclose(f);
  return 0;
}

/* Collect every "waitset_xml_NAME(" of the header: the declared
 * functions. */
static int
read_header(const char *path, symbol_set *set)
{
  FILE *f = fopen(path, "r");
  char line[512];

  if (f == NULL)
    return -1;
  while (fgets(line, sizeof(line), f) != NULL) {
    const char *p = line;

    while ((p = strstr(p, "waitset_xml_")) != NULL) {
      char name[MAX_NAME];
      size_t len = strspn(p, "abcdefghijklmnopqrstuvwxyz_0123456789");

      if (len < sizeof(name) && p[len] == '(') {
        memcpy(name, p, len);
        name[len] = '\0';
        if (add_name(set, name) != 0) {
          fclose(f);
          return -1;
        }
      }
      p += len;
    }
  }
  fclose(f);
  return 0;
}

/* Read `nm -D --defined-only` of the library: exported code and data,
 * each with its version node when nm prints one. */
static int
read_exports(const char *lib, symbol_set *set, symbol_set *versioned,
             const char *node)
{
  char command[4096];
  char line[512];
  FILE *p;

  if (strchr(lib, '\'') != NULL)
    return -1;
  snprintf(command, sizeof(command), "nm -D --defined-only '%s'", lib);
  p = popen(command, "r");
  if (p == NULL)
    return -1;
  while (fgets(line, sizeof(line), p) != NULL) {
    char address[64];
    char type[8];
    char name[MAX_NAME + 64];
    char *at;

    if (sscanf(line, "%63s %7s %191s", address, type, name) != 3)
      continue;
    if (strchr("TDBRVWiu", type[0]) == NULL)
      continue;
    at = strchr(name, '@');
    if (at != NULL) {
      /* "name@@NODE" is the default version, "name@NODE" another. */
      const char *version = at + 1 + (at[1] == '@');

      *at = '\0';
      if (strcmp(version, node) == 0 && add_name(versioned, name) != 0) {
        pclose(p);
        return -1;
      }
    }
    if (strcmp(name, node) == 0)
      continue;
    if (add_name(set, name) != 0) {
      pclose(p);
      return -1;
    }
  }
  return pclose(p) == 0 ? 0 : -1;
}

int
main(int argc, char **argv)
{
  static symbol_set expected;
  static symbol_set actual;
  static symbol_set versioned;
  static symbol_set declared;
  char node[MAX_NAME];
  size_t i;
  int failed = 0;
  int ok;

  if (argc != 4) {
    fprintf(stderr, "usage: %s LIBRARY MAP HEADER\n", argv[0]);
    return 2;
  }
  if (read_map(argv[2], &expected, node, sizeof(node)) != 0
      || expected.count == 0 || node[0] == '\0') {
    printf("1..0 # SKIP cannot read the version script %s\n", argv[2]);
    return 1;
  }
  if (read_header(argv[3], &declared) != 0 || declared.count == 0) {
    printf("1..0 # SKIP cannot read the header %s\n", argv[3]);
    return 1;
  }
  if (read_exports(argv[1], &actual, &versioned, node) != 0) {
    printf("1..0 # SKIP nm -D failed on %s\n", argv[1]);
    return 0;
  }
  printf("1..4\n");

  ok = 1;
  for (i = 0; i < expected.count; i++) {
    if (!contains(&actual, expected.names[i])) {
      printf("# not exported: %s\n", expected.names[i]);
      ok = 0;
    }
  }
  printf("%s 1 - every symbol of the version script is exported\n",
         ok ? "ok" : "not ok");
  failed |= !ok;

  ok = 1;
  for (i = 0; i < actual.count; i++) {
    if (!contains(&expected, actual.names[i])) {
      printf("# exported but not in the script: %s\n", actual.names[i]);
      ok = 0;
    }
  }
  printf("%s 2 - nothing else is exported\n", ok ? "ok" : "not ok");
  failed |= !ok;

  ok = 1;
  for (i = 0; i < expected.count; i++) {
    if (!contains(&versioned, expected.names[i])) {
      printf("# without version node %s: %s\n", node, expected.names[i]);
      ok = 0;
    }
  }
  printf("%s 3 - every export carries version node %s\n", ok ? "ok" : "not ok",
         node);
  failed |= !ok;

  ok = declared.count == expected.count;
  for (i = 0; i < declared.count; i++) {
    if (!contains(&expected, declared.names[i])) {
      printf("# declared but not in the script: %s\n", declared.names[i]);
      ok = 0;
    }
  }
  printf("%s 4 - the script lists exactly the functions of the header\n",
         ok ? "ok" : "not ok");
  failed |= !ok;
  return failed ? 1 : 0;
}
