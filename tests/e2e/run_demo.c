/* SPDX-License-Identifier: MIT */
/*
 * Run examples/demo.sh as a meson test: replace this process with the
 * script. When the test suite runs under `meson test --wrap=valgrind`,
 * valgrind (without --trace-children) then leaves the shell untraced,
 * because dash's own allocations are not this project's code.
 */
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
  if (argc < 2) {
    fprintf(stderr, "usage: run_demo SCRIPT [ARG]...\n");
    return 2;
  }
  execv(argv[1], argv + 1);
  fprintf(stderr, "run_demo: cannot run %s: %s\n", argv[1], strerror(errno));
  return 1;
}
