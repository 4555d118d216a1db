#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Build libwaitset in release mode and run every benchmark, printing
# their `name: value unit` figures.
#
#   bench/run-all.sh [--quick] [BUILD-DIR]
#
# --quick shortens the server runs: parked clients 5 s instead of 30 s,
# request rate 2 s per round instead of 5 s. The recorded figures use
# the full durations. BUILD-DIR defaults to build-bench in the source
# tree.
set -eu

quick=0
if [ "${1:-}" = "--quick" ]; then
  quick=1
  shift
fi
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build-bench}

if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "$src" -Dbuildtype=release -Dtests=false
fi
meson configure "$build" -Dbuildtype=release >/dev/null
ninja -C "$build" >/dev/null

# The parked-clients run uses one socket per client in both processes.
ulimit -n "$(ulimit -Hn)"

parked_duration=30
rate_duration=5
if [ "$quick" = 1 ]; then
  parked_duration=5
  rate_duration=2
fi

echo "# machine: $(nproc) cores," \
  "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)," \
  "kernel $(uname -r)"
echo "# load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"

for program in codec-decode codec-encode routing memory; do
  echo "# $program"
  "$build/bench/$program"
done

waitsetd=$build/examples/waitsetd/waitsetd
if [ -x "$build/bench/loadgen" ] && [ -x "$waitsetd" ]; then
  echo "# server parked clients"
  "$build/bench/loadgen" parked "$waitsetd" --duration "$parked_duration"
  echo "# server request rate"
  "$build/bench/loadgen" rate "$waitsetd" "$build/bench/http-baseline" \
    --duration "$rate_duration"
else
  echo "# server benchmarks skipped: loadgen or waitsetd was not built" \
    "(libhttp-parser-dev missing)"
fi
