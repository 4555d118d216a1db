#!/bin/sh
# SPDX-License-Identifier: MIT
# Compile each public header on its own, as strict C99 and as C++, with
# every warning an error. The headers are first copied into the layout
# they are installed in (include/waitset/), generated version.h included.
# Usage: check-headers.sh CC CXX HEADER...
set -eu

cc=$1
cxx=$2
shift 2

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
mkdir -p "$work/include/waitset"
for header in "$@"; do
  cp "$header" "$work/include/waitset/"
done
inc="$work/include"

for header in "$@"; do
  name=$(basename "$header")
  printf '#include <waitset/%s>\nint waitset_header_test;\n' "$name" \
    >"$work/test.c"
  cp "$work/test.c" "$work/test.cpp"
  if ! "$cc" -std=c99 -pedantic -Wall -Wextra -Werror -fsyntax-only \
      -I"$inc" "$work/test.c"; then
    echo "waitset/$name does not compile alone as C99" >&2
    status=1
  fi
  if [ "$cxx" != "none" ] && ! "$cxx" -std=c++11 -pedantic -Wall -Wextra \
      -Werror -fsyntax-only -I"$inc" "$work/test.cpp"
  then
    echo "waitset/$name does not compile alone as C++" >&2
    status=1
  fi
done
exit $status
