#!/usr/bin/env bash
# Every doctest case must be one CTest test that runs it. CTest's discovery cuts a name at ';'
# (a CMake list separator), and the test it then adds selects no case at all and passes without
# running anything. So no test-case name may hold a ';'.
# Environment (set by CTest): CAPSIM_BUILD.
set -euo pipefail
: "${CAPSIM_BUILD:?}"
failures=0
for binary in capsim_model_tests capsim_sim_tests; do
  names=$("$CAPSIM_BUILD/$binary" --list-test-cases --no-intro | grep -v '^\[doctest\]' | grep -v '^=*$')
  count=$(printf '%s\n' "$names" | wc -l)
  bad=$(printf '%s\n' "$names" | grep ';' || true)
  if [ -n "$bad" ]; then
    echo "FAIL: $binary: test-case names with ';' (CTest would run none of them):"
    printf '  %s\n' "$bad"
    failures=$((failures + 1))
  else
    echo "$binary: $count test-case names, none with ';'"
  fi
done
exit "$failures"
