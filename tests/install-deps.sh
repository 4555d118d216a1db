#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Install the Debian packages that building and testing libwaitset need,
# skipping those already present. Uses sudo when not run as root.
set -euo pipefail

packages=(meson ninja-build pkg-config gcc libc6-dev libuv1-dev
  libexpat1-dev check valgrind libhttp-parser-dev libcurl4-openssl-dev
  curl)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null \
      | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  sudo=(sudo)
fi
echo "install-deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
