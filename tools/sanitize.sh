#!/bin/sh
# Builds capsim and the test suite with AddressSanitizer, LeakSanitizer and
# UndefinedBehaviorSanitizer (CAPSIM_SANITIZE=ON, into build-sanitize/) and runs the tests there:
# every capsim process the tests start, every sweep worker and MPI rank, runs sanitized too. Any
# report ends its process with a failure, and so fails its test. Extra arguments go to ctest,
# e.g. tools/sanitize.sh -LE 'slow|scenario' (what CI runs). Optimised at -O1 with line tables
# (-g1): the reports' stacks keep file and line, and it compiles in about 60% of -O2 -g's time.
# Usage: tools/sanitize.sh [CTEST ARGS...]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-sanitize"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCAPSIM_SANITIZE=ON \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" >/dev/null
cmake --build "$build" -j"$(nproc)" --target capsim capsim_model_tests capsim_sim_tests
ctest --test-dir "$build" -j"$(nproc)" --output-on-failure "$@"
