#!/bin/sh
# SPDX-License-Identifier: MIT
# Compare the symbols exported by libwaitset-xml with its version script:
# every global of the map must be exported with the map's version node,
# and nothing else may be exported. TAP output.
set -u
lib=$1
map=$2

if ! command -v nm >/dev/null 2>&1; then
  echo "1..0 # SKIP nm not found"
  exit 0
fi

tmp=${TMPDIR:-/tmp}/xml-symbols.$$
mkdir -p "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT

sed -n '/global:/,/local:/p' "$map" | tr -d ' \t;' \
  | grep -v -e '^global:' -e '^local:' -e '^$' | sort >"$tmp/expected"
nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVWiu]$/ { print $3 }' \
  | grep -v '^WAITSET_XML_' | sed 's/@.*//' | sort -u >"$tmp/actual"
node=$(sed -n 's/^\(WAITSET_XML_[0-9.]*\) *{.*/\1/p' "$map" | head -n 1)

echo "1..3"
if diff -u "$tmp/expected" "$tmp/actual" >"$tmp/diff"; then
  echo "ok 1 - exported symbols equal the version script"
else
  echo "not ok 1 - exported symbols differ from the version script"
  sed 's/^/# /' "$tmp/diff"
fi
if nm -D --defined-only "$lib" | grep -q -e ' XML_' -e ' wsx_'; then
  echo "not ok 2 - expat or internal symbols are exported"
else
  echo "ok 2 - no expat or internal symbol is exported"
fi
missing=$(objdump -T "$lib" 2>/dev/null | awk '/ waitset_xml_/ { print $(NF-1) }' \
  | grep -v -x "$node" | head -n 1)
if [ -z "$node" ] || [ -n "$missing" ]; then
  echo "not ok 3 - every export carries version node ${node:-(none)}"
else
  echo "ok 3 - every export carries version node $node"
fi
