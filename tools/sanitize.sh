#!/bin/sh
# Builds everything with AddressSanitizer, LeakSanitizer and UndefinedBehaviorSanitizer
# (CAPSIM_SANITIZE=ON, into build-sanitize/) and runs the whole test suite there: every capsim
# process the tests start, every sweep worker and MPI rank, runs sanitized too. Any report ends
# its process with a failure, and so fails its test. Extra arguments go to ctest.
# Usage: tools/sanitize.sh [CTEST ARGS...]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-sanitize"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCAPSIM_SANITIZE=ON >/dev/null
cmake --build "$build" -j"$(nproc)"
ctest --test-dir "$build" -j"$(nproc)" --output-on-failure "$@"
