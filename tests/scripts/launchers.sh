#!/usr/bin/env bash
# Processes that a launcher started together, but that cannot form one MPI world, are refused
# (exit 2, with the reason) instead of each running the whole sweep: two processes started as
# srun would start them without MPI (SLURM_PROCID 0 and 1), as a PMIx launcher would without a
# PMIx server (PMIX_RANK 0 and 1), and as MPICH's mpiexec would (PMI_RANK, PMI_SIZE). One
# process in a batch script or srun -n 1 runs as usual.
# Environment (set by CTest): CAPSIM_SOURCE, CAPSIM_BIN.
set -euo pipefail
: "${CAPSIM_SOURCE:?}" "${CAPSIM_BIN:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
scenario="$CAPSIM_SOURCE/tests/fixtures/sweep/small.yaml"
clean() { env -u OMPI_COMM_WORLD_SIZE -u PMIX_RANK -u PMI_RANK -u PMI_SIZE -u SLURM_PROCID \
  -u SLURM_NTASKS -u SLURM_STEP_ID -u SLURM_STEP_NUM_TASKS -u SLURM_JOB_ID -u MPI_LOCALNRANKS "$@"; }
failures=0

# Two processes at once, each with its rank's variables; both must exit 2 and name the launcher.
pair() {
  local name=$1 expect=$2; shift 2
  local dir="$work/$name"
  local pids=() rank
  for rank in 0 1; do
    clean env "${@//@R@/$rank}" "$CAPSIM_BIN" sweep "$scenario" -o "$dir" -j 1 -q \
      >"$work/$name.$rank.out" 2>&1 &
    pids+=($!)
  done
  for rank in 0 1; do
    local code=0
    wait "${pids[$rank]}" || code=$?
    if [ "$code" -ne 2 ]; then
      echo "FAIL: $name rank $rank exited $code, expected 2:"; cat "$work/$name.$rank.out"; failures=$((failures + 1))
    elif ! grep -q "$expect" "$work/$name.$rank.out"; then
      echo "FAIL: $name rank $rank: no '$expect' in:"; cat "$work/$name.$rank.out"; failures=$((failures + 1))
    else
      echo "refused as expected ($name rank $rank): $(cat "$work/$name.$rank.out")"
    fi
  done
  if [ -e "$dir/results.csv" ]; then echo "FAIL: $name: a refused sweep wrote results.csv"; failures=$((failures + 1)); fi
}
pair srun "srun as task" SLURM_JOB_ID=7 SLURM_STEP_ID=0 SLURM_PROCID=@R@ SLURM_NTASKS=2 SLURM_STEP_NUM_TASKS=2
pair pmix "no PMIx server" PMIX_RANK=@R@ PMIX_NAMESPACE=test
pair srun-pmix "no PMIx server" SLURM_JOB_ID=7 SLURM_STEP_ID=0 SLURM_PROCID=@R@ SLURM_STEP_NUM_TASKS=2 PMIX_RANK=@R@
pair mpich "PMI launcher" PMI_RANK=@R@ PMI_SIZE=2 MPI_LOCALNRANKS=2

# One process: a batch script (no step of several tasks) and srun -n 1 run the sweep.
for setting in "SLURM_JOB_ID=7 SLURM_PROCID=0 SLURM_NTASKS=4" \
  "SLURM_JOB_ID=7 SLURM_STEP_ID=0 SLURM_PROCID=0 SLURM_NTASKS=1 SLURM_STEP_NUM_TASKS=1"; do
  code=0
  # shellcheck disable=SC2086
  clean env $setting "$CAPSIM_BIN" sweep "$scenario" -o "$work/alone" -j 2 -q >"$work/alone.out" 2>&1 || code=$?
  if [ "$code" -ne 0 ] || [ "$(wc -l <"$work/alone/results.csv")" -ne 9 ]; then
    echo "FAIL: one process ($setting) did not run the sweep (exit $code):"; cat "$work/alone.out"; failures=$((failures + 1))
  else
    echo "one process ($setting): ran the 8 runs"
  fi
done
[ "$failures" -eq 0 ] && echo PASS
exit $((failures > 0))
