#!/bin/sh
# SPDX-License-Identifier: MIT
# Check that the dynamic symbols a shared library defines are exactly the
# names its linker version script lists.
# Usage: check-symbols.sh NM LIBRARY VERSION_SCRIPT
set -eu

nm_tool=$1
library=$2
map=$3

exported=$(mktemp)
listed=$(mktemp)
trap 'rm -f "$exported" "$listed"' EXIT

# Defined dynamic symbols, without the version node names (type A) and
# without the @VERSION suffix.
"$nm_tool" -D --defined-only "$library" \
  | awk '$2 != "A" { sub(/@.*/, "", $3); print $3 }' | sort -u >"$exported"

# Names in the script: lines "name;" inside the global section. Comments
# and the local wildcard are skipped.
sed -e 's|/\*.*\*/||g' "$map" \
  | awk '/global:/ { g = 1; next } /local:/ { g = 0 } g' \
  | tr -d ' \t;' | grep -v '^$' | grep -v '^}' | sort -u >"$listed"

if ! [ -s "$listed" ]; then
  echo "no exported names found in $map" >&2
  exit 1
fi
if ! diff -u "$listed" "$exported"; then
  echo "exported symbols of $library differ from $map" \
       "(lines with - are listed but not exported, + the reverse)" >&2
  exit 1
fi
echo "$(wc -l <"$exported") symbols of $(basename "$library") match $map"
