#!/usr/bin/env bash
# Another CMake project (tests/consumer) finds an installed capsim with find_package(capsim),
# links capsim::capsim_models, builds and runs.
# Environment (set by CTest): CAPSIM_SOURCE, CAPSIM_BUILD.
set -euo pipefail
: "${CAPSIM_SOURCE:?}" "${CAPSIM_BUILD:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$CAPSIM_BUILD" --prefix "$work/prefix" >/dev/null
cmake -S "$CAPSIM_SOURCE/tests/consumer" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_BUILD_TYPE=Release >"$work/configure.log" || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/build" >"$work/build.log" || { cat "$work/build.log"; exit 1; }
"$work/build/consumer"
echo "PASS: find_package(capsim) gave capsim::capsim_models to another project"
