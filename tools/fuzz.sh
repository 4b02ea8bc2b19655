#!/bin/sh
# Fuzzes the scenario loader and the unit parser with libFuzzer (clang, Debian's
# libclang-rt-14-dev) under AddressSanitizer and UBSan, starting from every scenario and bad
# fixture. Usage: tools/fuzz.sh [SECONDS [RUNS [SEED]]]   (default 60 s, unlimited runs, random
# seed); CI runs a fixed seed and run count so that its result is repeatable.
# Exit 0: no crash, hang or sanitizer report.
set -eu
seconds=${1:-60}
runs=${2:--1}
seed=${3:-0}
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-fuzz"
# -O1 with line tables (-g1), as libFuzzer's documentation builds: reports keep file and line,
# and it compiles faster than -O2 -g.
cmake -S "$root" -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" -DCAPSIM_FUZZ=ON -DCAPSIM_TESTS=OFF >/dev/null
cmake --build "$build" --target capsim_fuzz_scenario -j"$(nproc)"
corpus="$build/corpus"
mkdir -p "$corpus"
cp "$root"/scenarios/*.yaml "$root"/tests/fixtures/*.yaml "$root"/tests/fixtures/bad/*.yaml \
  "$root"/tests/fixtures/finance/*.yaml "$corpus"/ 2>/dev/null || true
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  "$build/capsim_fuzz_scenario" "$corpus" -max_total_time="$seconds" -runs="$runs" -seed="$seed" \
  -timeout=10 \
  -rss_limit_mb=4096 -max_len=16384 -print_final_stats=1
