#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Build libwaitset and run its whole test suite.
#
#   tests/run-all.sh              plain debug-optimized build
#   tests/run-all.sh --asan       AddressSanitizer + UndefinedBehaviorSanitizer
#   tests/run-all.sh --valgrind   every test under valgrind memcheck
#
# Missing Debian packages are installed with apt-get first (through sudo
# when not run as root). Set WAITSET_NO_APT=1 to skip that step.
set -euo pipefail

mode=plain
case "${1:-}" in
  "") ;;
  --asan) mode=asan ;;
  --valgrind) mode=valgrind ;;
  -h|--help) sed -n '3,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "run-all.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
esac

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

if [ "${WAITSET_NO_APT:-0}" != 1 ]; then
  "$top/tests/install-deps.sh"
fi

build="build-test-$mode"
setup_args=(-Dbuildtype=debugoptimized -Dexamples=enabled)
test_args=(--print-errorlogs --num-processes 2)
case "$mode" in
  asan)
    setup_args+=(-Db_sanitize=address,undefined -Db_lundef=false)
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:${ASAN_OPTIONS:-}
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}
    ;;
  valgrind)
    export CK_FORK=no
    # The waitsetd smoke test starts the server under this prefix.
    export WAITSET_SERVER_WRAPPER="valgrind --quiet --error-exitcode=99 \
--leak-check=full --errors-for-leak-kinds=definite,indirect"
    test_args+=(--timeout-multiplier 10 "--wrap=$top/tests/valgrind-wrap.sh")
    ;;
esac

# A fresh configuration every run, so a stale build tree cannot hide a
# broken meson.build.
if [ -d "$build" ]; then
  setup_args+=(--wipe)
fi
meson setup "${setup_args[@]}" "$build" >/dev/null
ninja -C "$build"
meson test -C "$build" "${test_args[@]}"
