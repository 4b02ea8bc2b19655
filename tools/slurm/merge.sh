#!/usr/bin/env bash
# Joins the shards of a capsim sweep once the array is done:
#   sbatch --dependency=afterok:<array job id> tools/slurm/merge.sh DIR
# then, optionally, draws the curves: capsim plot DIR
#SBATCH --job-name=capsim-merge
#SBATCH --cpus-per-task=1
#SBATCH --time=00:30:00
#SBATCH --output=capsim-merge-%j.out
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: sbatch $0 DIR" >&2
  exit 2
fi
capsim=${CAPSIM:-}
if [ -z "$capsim" ]; then
  # As sweep-array.sh: the installed prefix's capsim, the build tree's, or PATH's.
  script=$0
  if [ -n "${SLURM_JOB_ID:-}" ] && command -v scontrol >/dev/null; then
    submitted=$(scontrol show job "$SLURM_JOB_ID" 2>/dev/null | sed -n 's/^ *Command=\([^ ]*\).*/\1/p' | head -1)
    [ -n "$submitted" ] && script=$submitted
  fi
  for candidate in "$(dirname "$script")/../../../bin/capsim" "$(dirname "$script")/../../build/capsim"; do
    if [ -x "$candidate" ]; then capsim=$candidate; break; fi
  done
  capsim=${capsim:-capsim}
fi
"$capsim" merge "$1"
"$capsim" plot "$1" || echo "merge.sh: no plots (is gnuplot installed?)" >&2
