/* SPDX-License-Identifier: MIT */
/*
 * Replay driver for the fuzz targets without libFuzzer: runs
 * LLVMFuzzerTestOneInput on every file named on the command line, and on
 * every file inside each directory named. Exits 1 when no file was read.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
run_file(const char *path)
{
  FILE *f = fopen(path, "rb");
  uint8_t *data = NULL;
  size_t size = 0;
  size_t cap = 0;
  size_t n;

  if (f == NULL) {
    fprintf(stderr, "failed to open %s: %s\n", path, strerror(errno));
    return -1;
  }
  do {
    if (size == cap) {
      uint8_t *grown;

      cap = cap ? cap * 2 : 4096;
      grown = realloc(data, cap);
      if (grown == NULL) {
        free(data);
        fclose(f);
        return -1;
      }
      data = grown;
    }
    n = fread(data + size, 1, cap - size, f);
    size += n;
  } while (n > 0);
  fclose(f);
  LLVMFuzzerTestOneInput(data, size);
  free(data);
  return 0;
}

int
main(int argc, char **argv)
{
  int files = 0;
  int i;

  for (i = 1; i < argc; i++) {
    struct stat st;
    DIR *dir;
    struct dirent *entry;

    if (stat(argv[i], &st) != 0) {
      fprintf(stderr, "failed to read %s: %s\n", argv[i], strerror(errno));
      return 1;
    }
    if (!S_ISDIR(st.st_mode)) {
      if (run_file(argv[i]) != 0)
        return 1;
      files++;
      continue;
    }
    dir = opendir(argv[i]);
    if (dir == NULL)
      return 1;
    while ((entry = readdir(dir)) != NULL) {
      char path[4096];

      if (entry->d_name[0] == '.')
        continue;
      snprintf(path, sizeof(path), "%s/%s", argv[i], entry->d_name);
      if (run_file(path) != 0) {
        closedir(dir);
        return 1;
      }
      files++;
    }
    closedir(dir);
  }
  printf("replayed %d inputs\n", files);
  return files > 0 ? 0 : 1;
}
