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
capsim=${CAPSIM:-capsim}
"$capsim" merge "$1"
"$capsim" plot "$1" || echo "merge.sh: no plots (is gnuplot installed?)" >&2
