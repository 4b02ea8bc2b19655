#!/usr/bin/env bash
# One shard of a capsim sweep per SLURM array task.
#
#   sbatch --array=0-15 tools/slurm/sweep-array.sh SCENARIO DIR [capsim sweep options...]
#   sbatch --dependency=afterok:<array job id> tools/slurm/merge.sh DIR
#
# Task I of an array of N writes DIR/shard-I-of-N/; the array must start at 0 and use every
# index (--array=0-(N-1)). Rerunning a task resumes its shard. Each task runs one run per CPU
# it was given (--cpus-per-task); DIR must be on a file system every node sees.
# capsim is $CAPSIM if set, else the capsim of the prefix this script was installed in
# (PREFIX/share/capsim/slurm -> PREFIX/bin/capsim) or of the source tree's build/, else PATH's.
#SBATCH --job-name=capsim-sweep
#SBATCH --cpus-per-task=4
#SBATCH --time=04:00:00
#SBATCH --output=capsim-sweep-%A_%a.out
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: sbatch --array=0-(N-1) $0 SCENARIO DIR [capsim sweep options...]" >&2
  exit 2
fi
scenario=$1
dir=$2
shift 2
: "${SLURM_ARRAY_TASK_ID:?run this through sbatch --array}"
count=${SLURM_ARRAY_TASK_COUNT:?run this through sbatch --array}
find_capsim() {
  if [ -n "${CAPSIM:-}" ]; then echo "$CAPSIM"; return; fi
  # sbatch runs a copy of this script: its submitted path is the job's Command.
  local script=$0
  if [ -n "${SLURM_JOB_ID:-}" ] && command -v scontrol >/dev/null; then
    local submitted
    submitted=$(scontrol show job "$SLURM_JOB_ID" 2>/dev/null | sed -n 's/^ *Command=\([^ ]*\).*/\1/p' | head -1)
    [ -n "$submitted" ] && script=$submitted
  fi
  local dir
  dir=$(dirname "$script")
  for candidate in "$dir/../../../bin/capsim" "$dir/../../build/capsim"; do
    if [ -x "$candidate" ]; then echo "$candidate"; return; fi
  done
  command -v capsim || { echo "sweep-array.sh: capsim not found (set CAPSIM=path/to/capsim)" >&2; exit 2; }
}
capsim=$(find_capsim)
exec "$capsim" sweep "$scenario" -o "$dir" --shard "$SLURM_ARRAY_TASK_ID/$count" \
  -j "${SLURM_CPUS_PER_TASK:-1}" --resume -q "$@"
