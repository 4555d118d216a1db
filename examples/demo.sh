#!/bin/sh
# SPDX-License-Identifier: MIT
#
# One-command demo of libwaitset: install what is missing (Debian 12),
# build, start waitsetd on a free port with its built-in accounts, watch
# user1's mailbox with waitset-watch, deliver a message with
# waitset-addmsg, show the notification and stop everything.
#
# Usage: examples/demo.sh [--no-install] [--no-build] [--build-dir DIR]
#   --no-install   do not run apt-get (missing packages are an error)
#   --no-build     use the binaries already built in DIR
#   --build-dir    meson build directory (default: build-demo)
set -eu

SOURCE_DIR=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR="$SOURCE_DIR/build-demo"
INSTALL=1
BUILD=1
USER_NAME=user1@example.test
USER_PASSWORD=secret
# What building waitsetd and the example clients needs; the demo build
# leaves the test suites out, so check and valgrind are not required.
PACKAGES="meson ninja-build pkg-config gcc libc6-dev libuv1-dev \
libexpat1-dev libcurl4-openssl-dev libhttp-parser-dev"

fail_usage() {
  echo "demo: $*" >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    --no-install) INSTALL=0 ;;
    --no-build) BUILD=0 ;;
    --build-dir)
      [ $# -ge 2 ] || fail_usage "--build-dir needs a directory"
      BUILD_DIR=$2
      shift ;;
    -h|--help)
      sed -n '3,13p' "$0" | sed 's/^# \{0,1\}//'
      exit 0 ;;
    *) fail_usage "unknown option $1 (see --help)" ;;
  esac
  shift
done

step() {
  printf '\n==> %s\n' "$*"
}

fail() {
  echo "demo: $*" >&2
  exit 1
}

# --- 1. Packages ---------------------------------------------------------
missing=""
for pkg in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null \
       | grep -q 'install ok installed'; then
    missing="$missing $pkg"
  fi
done
if [ -n "$missing" ]; then
  if [ "$INSTALL" -eq 0 ]; then
    fail "missing Debian packages:$missing (run without --no-install)"
  fi
  step "Installing:$missing"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || fail "not root and sudo is missing"
    SUDO=sudo
  fi
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  $SUDO env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends $missing
fi

# --- 2. Build ------------------------------------------------------------
if [ "$BUILD" -eq 1 ]; then
  step "Building in $BUILD_DIR"
  if [ ! -f "$BUILD_DIR/build.ninja" ]; then
    meson setup -Dtests=false "$BUILD_DIR" "$SOURCE_DIR" >/dev/null
  fi
fi
WAITSETD="$BUILD_DIR/examples/waitsetd/waitsetd"
WATCH="$BUILD_DIR/examples/waitset-watch/waitset-watch"
ADDMSG="$BUILD_DIR/examples/waitset-watch/waitset-addmsg"
if [ "$BUILD" -eq 1 ]; then
  # Only the three programs the demo runs.
  ninja -C "$BUILD_DIR" examples/waitsetd/waitsetd \
    examples/waitset-watch/waitset-watch \
    examples/waitset-watch/waitset-addmsg >/dev/null
fi
for exe in "$WAITSETD" "$WATCH" "$ADDMSG"; do
  [ -x "$exe" ] || fail "$exe was not built"
done

# --- 3. Run --------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/waitset-demo.XXXXXX")
SERVER_PID=""
WATCH_PID=""
cleanup() {
  status=$?
  for pid in $WATCH_PID $SERVER_PID; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in $WATCH_PID $SERVER_PID; do
    wait "$pid" 2>/dev/null || true
  done
  if [ "$status" -ne 0 ] && [ -f "$WORK/waitsetd.log" ]; then
    echo "--- waitsetd log ---" >&2
    tail -n 20 "$WORK/waitsetd.log" >&2
  fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Wait up to $2 tenths of a second for file $1 to contain pattern $3.
wait_for() {
  n=0
  while ! grep -q "$3" "$1" 2>/dev/null; do
    n=$((n + 1))
    [ "$n" -le "$2" ] || return 1
    sleep 0.1
  done
}

step "Starting waitsetd on a free port"
"$WAITSETD" --listen 127.0.0.1:0 --coalesce-delay-ms 0 \
  >"$WORK/address" 2>"$WORK/waitsetd.log" &
SERVER_PID=$!
wait_for "$WORK/address" 50 ':' || fail "waitsetd printed no address"
ADDRESS=$(head -n 1 "$WORK/address")
SERVER="http://$ADDRESS"
echo "waitsetd listens on $SERVER"

step "Watching $USER_NAME with waitset-watch"
"$WATCH" --server "$SERVER" --user "$USER_NAME" \
  --password "$USER_PASSWORD" --types m --expand --timeout 30 --count 1 \
  >"$WORK/watch.out" 2>"$WORK/watch.err" &
WATCH_PID=$!
if ! wait_for "$WORK/watch.err" 100 'waiting for changes'; then
  cat "$WORK/watch.err" >&2
  fail "waitset-watch did not start watching"
fi
cat "$WORK/watch.err"

step "Delivering a message with waitset-addmsg"
"$ADDMSG" --server "$SERVER" --user "$USER_NAME" \
  --password "$USER_PASSWORD" --subject "Demo message"

step "Notification printed by waitset-watch"
if ! wait_for "$WORK/watch.out" 100 '^account '; then
  cat "$WORK/watch.err" >&2
  fail "no notification within 10 seconds"
fi
watch_status=0
wait "$WATCH_PID" || watch_status=$?
WATCH_PID=""
cat "$WORK/watch.out"
[ "$watch_status" -eq 0 ] || fail "waitset-watch exited with $watch_status"

step "Stopping waitsetd"
kill -TERM "$SERVER_PID"
server_status=0
wait "$SERVER_PID" || server_status=$?
SERVER_PID=""
[ "$server_status" -eq 0 ] || fail "waitsetd exited with $server_status"
echo "demo finished"
