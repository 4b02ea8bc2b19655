#!/usr/bin/env bash
# A real one-node SLURM cluster on this machine, for testing capsim's SLURM path end to end:
# munged with a freshly generated key, slurmctld and slurmd on localhost with a generated
# slurm.conf (the node's real CPUs and memory, from slurmd -C), all in a temporary directory.
# It submits tools/slurm/sweep-array.sh as a job array (sbatch --array) and merge.sh after it
# (--dependency=afterok), waits, compares the merged results byte for byte with a local sweep,
# checks that srun -n 2 without MPI is refused and srun -n 1 runs, then stops the daemons (always,
# through a trap).
#
#   tools/slurm/local-cluster.sh [--test] [SCENARIO [SHARDS]]
#
# Needs root (slurmd starts jobs as their user) and Debian's slurm-wlm and munge
# (tools/install-deps.sh). With --test, a missing requirement exits 77 (CTest: skipped) and says
# why. CAPSIM names the capsim binary (default: next to this script's prefix, the build tree,
# or PATH).
set -euo pipefail
test_mode=no
if [ "${1:-}" = "--test" ]; then test_mode=yes; shift; fi
here=$(cd "$(dirname "$0")" && pwd)
skip() {
  if [ $test_mode = yes ]; then echo "SKIP: $*"; exit 77; fi
  echo "local-cluster: $*" >&2; exit 2
}
for tool in slurmctld slurmd sbatch squeue scontrol sinfo srun munged; do
  command -v $tool >/dev/null || PATH=$PATH:/usr/sbin command -v $tool >/dev/null ||
    skip "no $tool: install Debian's slurm-wlm and munge (tools/install-deps.sh does)"
done
export PATH=$PATH:/usr/sbin
[ "$(id -u)" -eq 0 ] || skip "slurmd must run as root to start jobs (running as $(id -un))"

# capsim: $CAPSIM, an installed prefix (PREFIX/share/capsim/slurm -> PREFIX/bin), the build tree
# (tools/slurm -> build), or PATH.
capsim=${CAPSIM:-${CAPSIM_BIN:-}}
if [ -z "$capsim" ]; then
  for candidate in "$here/../../bin/capsim" "$here/../../build/capsim" "$(command -v capsim || true)"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then capsim=$candidate; break; fi
  done
fi
[ -n "$capsim" ] && [ -x "$capsim" ] || skip "no capsim binary (set CAPSIM=path/to/capsim)"
capsim=$(cd "$(dirname "$capsim")" && pwd)/$(basename "$capsim")
scenario=${1:-}
if [ -z "$scenario" ]; then
  for candidate in "$here/../../tests/fixtures/sweep/small.yaml" "$here/../scenarios/power-vs-goodput.yaml"; do
    if [ -f "$candidate" ]; then scenario=$candidate; break; fi
  done
fi
scenario=$(cd "$(dirname "$scenario")" && pwd)/$(basename "$scenario")
shards=${2:-3}

work=$(mktemp -d /tmp/capsim-slurm.XXXXXX)
chmod 755 "$work"
pids=()
stop() {
  local code=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "$code" -ne 0 ] && [ "$code" -ne 77 ]; then
    for log in "$work"/*.log; do echo "--- $log"; tail -n 20 "$log"; done
  fi
  rm -rf "$work"
  exit "$code"
}
trap stop EXIT
trap 'exit 130' INT TERM

# munge: a new key, its own socket.
mkdir -p "$work/munge"
chmod 700 "$work/munge"
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge/munge.key"
munged --force --foreground --key-file="$work/munge/munge.key" --socket="$work/munge/socket" \
  --pid-file="$work/munge/munged.pid" --log-file="$work/munge.log" --seed-file="$work/munge/seed" \
  >"$work/munged.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$work/munge/socket" ] && break; sleep 0.1; done
[ -S "$work/munge/socket" ] || { echo "FAIL: munged did not start"; exit 1; }

# slurm.conf for this node as slurmd sees it (CPUs, sockets, cores, memory), on free ports.
node=$(slurmd -C | head -1)
nodename=$(echo "$node" | sed -n 's/^NodeName=\([^ ]*\).*/\1/p')
port=$((20000 + RANDOM % 20000))
mkdir -p "$work/state" "$work/spool" "$work/jobs"
cat >"$work/slurm.conf" <<CONF
ClusterName=capsim-local
SlurmctldHost=$nodename(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$work/munge/socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MinJobAge=600
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=local Nodes=$nodename Default=YES MaxTime=INFINITE State=UP
CONF
sed -i 's/ UpTime=[^ ]*//' "$work/slurm.conf"
export SLURM_CONF=$work/slurm.conf
slurmctld -D -c -f "$SLURM_CONF" >"$work/slurmctld.out.log" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" >"$work/slurmd.out.log" 2>&1 &
pids+=($!)
state=""
for _ in $(seq 100); do
  state=$(sinfo -h -n "$nodename" -o %T 2>/dev/null || true)
  [ "$state" = idle ] && break
  sleep 0.3
done
[ "$state" = idle ] || { echo "FAIL: the node did not come up (state '$state')"; exit 1; }
echo "local SLURM up: $node"

# A sweep as a job array of $shards tasks, then merge.sh once they all succeeded.
cd "$work/jobs"
export CAPSIM="$capsim"
array=$(sbatch --parsable --array=0-$((shards - 1)) --cpus-per-task=1 --time=10 \
  --output="$work/jobs/array-%A_%a.out" "$here/sweep-array.sh" "$scenario" "$work/array")
merge=$(sbatch --parsable --dependency=afterok:"$array" --time=10 \
  --output="$work/jobs/merge-%j.out" "$here/merge.sh" "$work/array")
echo "submitted array job $array ($shards tasks) and merge job $merge"
# Waits until a job has left the queue (5 min at most); its final state is then in scontrol.
wait_job() {
  for _ in $(seq 600); do
    [ -z "$(squeue -h -j "$1" 2>/dev/null)" ] && return 0
    if squeue -h -j "$1" -o %r 2>/dev/null | grep -q DependencyNeverSatisfied; then
      scancel "$1"; return 1
    fi
    sleep 0.5
  done
  return 1
}
completed() { ! scontrol show job "$1" | grep -o 'JobState=[A-Z_]*' | grep -vq COMPLETED; }
wait_job "$array" && completed "$array" || {
  cat "$work"/jobs/*.out; scontrol show job "$array"; echo "FAIL: the job array did not complete"; exit 1; }
wait_job "$merge" && completed "$merge" || {
  cat "$work"/jobs/*.out; scontrol show job "$merge"; echo "FAIL: the merge job did not complete"; exit 1; }
cat "$work"/jobs/*.out

# The same sweep locally: the merged files must be identical.
"$capsim" sweep "$scenario" -o "$work/local" -q
for f in results.csv summary.csv; do
  cmp "$work/local/$f" "$work/array/$f" || { echo "FAIL: $f of the job array differs from a local sweep"; exit 1; }
done
if [ -d "$work/local/curves" ]; then
  diff -r "$work/local/curves" "$work/array/curves" || { echo "FAIL: curves differ"; exit 1; }
fi
echo "job array: $(($(wc -l <"$work/array/results.csv") - 1)) runs in $shards shards, merged: identical to a local sweep"

# srun -n 2 without an MPI plugin: both tasks refuse (exit 2), nothing is written.
code=0
srun -n 2 --mpi=none --time=5 "$capsim" sweep "$scenario" -o "$work/srun2" -q >"$work/srun2.log" 2>&1 || code=$?
cat "$work/srun2.log"
[ "$code" -ne 0 ] && [ "$(grep -c 'started by srun as task' "$work/srun2.log")" -eq 2 ] &&
  [ ! -e "$work/srun2/results.csv" ] || { echo "FAIL: srun -n 2 was not refused by both tasks (exit $code)"; exit 1; }
echo "srun -n 2 without MPI: refused by both tasks"
srun -n 1 -c 2 --time=5 "$capsim" sweep "$scenario" -o "$work/srun1" >"$work/srun1.log" 2>&1 ||
  { cat "$work/srun1.log"; echo "FAIL: srun -n 1 did not run the sweep"; exit 1; }
cat "$work/srun1.log"
cmp "$work/local/results.csv" "$work/srun1/results.csv" || { echo "FAIL: srun -n 1 results differ"; exit 1; }
echo "PASS: SLURM job array + merge identical to a local sweep; srun -n 2 refused; srun -n 1 ran"
