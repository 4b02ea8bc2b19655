#!/usr/bin/env bash
# The default -j is the number of CPUs the process may use: 1 under taskset -c 0, 2 under
# taskset -c 0,1 (on a machine with 2 CPUs or more), and at most SLURM_CPUS_PER_TASK inside a
# SLURM job. The sweep prints the -j it used.
# Environment (set by CTest): CAPSIM_SOURCE, CAPSIM_BIN.
set -euo pipefail
: "${CAPSIM_SOURCE:?}" "${CAPSIM_BIN:?}"
command -v taskset >/dev/null || { echo "SKIP: taskset is not installed (util-linux)"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
scenario="$CAPSIM_SOURCE/tests/fixtures/sweep/small.yaml"
clean() { env -u SLURM_JOB_ID -u SLURM_CPUS_PER_TASK -u OMPI_COMM_WORLD_SIZE -u PMIX_RANK \
  -u PMI_RANK -u SLURM_PROCID "$@"; }
jobs_used() { sed -n 's/.*runs\/s, -j \([0-9]*\)).*/\1/p' "$1"; }
failures=0
check() {
  local want=$1 what=$2 out=$3
  local got; got=$(jobs_used "$out")
  if [ "$got" = "$want" ]; then echo "$what: -j $got"; else
    echo "FAIL: $what: default -j is '$got', expected $want:"; cat "$out"; failures=$((failures + 1)); fi
}
clean taskset -c 0 "$CAPSIM_BIN" sweep "$scenario" -o "$work/a" >"$work/a.out" 2>&1
check 1 "taskset -c 0" "$work/a.out"
if [ "$(nproc --all)" -ge 2 ]; then
  clean taskset -c 0,1 "$CAPSIM_BIN" sweep "$scenario" -o "$work/b" >"$work/b.out" 2>&1
  check 2 "taskset -c 0,1" "$work/b.out"
  clean SLURM_JOB_ID=7 SLURM_CPUS_PER_TASK=1 taskset -c 0,1 "$CAPSIM_BIN" sweep "$scenario" -o "$work/c" >"$work/c.out" 2>&1
  check 1 "SLURM_CPUS_PER_TASK=1 on 2 CPUs" "$work/c.out"
fi
[ "$failures" -eq 0 ] && echo PASS
exit $((failures > 0))
