// `capsim sweep` and `capsim merge`: run a plan's tasks (locally on -j worker processes, under
// mpirun, or one shard of it), keep results.csv appended and recoverable, then write
// summary.csv and the curves.
//
// Directory layout of a sweep DIR:
//   DIR/sweep.json       the plan (points, seeds, curves), checked by --resume and merge
//   DIR/results.csv      one row per (point, replication), see results.hpp
//   DIR/summary.csv      per point: replications summarised
//   DIR/curves/          NAME.csv per curve and breakeven.csv, see curves.hpp
//   DIR/runs/pPPPPPP-rRRR/  a run's outputs while it runs; kept for failed runs (stderr.txt),
//                        with --keep-runs, and (timeseries.csv only) when a curve has x: time
// A shard I/N writes DIR/shard-I-of-N/ (sweep.json, results.csv, runs/); merge joins the
// shards of DIR into DIR's results.csv, summary.csv and curves/.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "sim/batch/curves.hpp"
#include "sim/batch/plan.hpp"

namespace capsim {

struct SweepOptions {
  std::string output_dir;
  std::size_t jobs = 0; // 0: one per core (under mpirun: 1 per rank)
  std::size_t shard_index = 0;
  std::size_t shard_count = 1;
  bool resume = false;
  bool quiet = false;                // no progress bar
  bool keep_runs = false;            // keep every run's outputs under DIR/runs/
  bool retry_failed = false;         // --resume: run again the rows that failed
  std::string exe;                   // capsim binary for the runs; default: this process's
  std::vector<std::string> run_args; // more `capsim run` options for every run (the budget)
};

struct SweepOutcome {
  bool coordinator = true; // false on MPI ranks other than 0 (they print nothing)
  std::string dir;         // where results.csv is
  std::size_t tasks = 0;   // in this sweep (or shard)
  std::size_t skipped = 0; // already in results.csv (--resume)
  std::size_t ran = 0;
  std::size_t failed = 0;            // failed rows in results.csv
  std::size_t recovered_dropped = 0; // partial or foreign rows dropped on --resume
  std::size_t retried = 0;           // failed rows run again (--retry-failed)
  double wall_s = 0;
  double runs_own_s = 0; // Σ the runs' own wall time (ResultRow::own_s); 0 under MPI
  std::vector<BreakEven> break_evens;
  std::vector<std::string> first_errors; // up to 3 errors of failed runs, "point P rep R: ..."
};

// Throws InputError for bad options (resume on another sweep, saying what differs; shard out of
// range) and when another process is using the directory (DIR is locked while the sweep runs:
// sim/report/dir_lock.hpp).
SweepOutcome run_sweep(const SweepPlan& plan, const SweepOptions& options);

struct MergeOutcome {
  std::string dir;
  std::size_t shards = 0;
  std::size_t rows = 0;
  std::size_t failed = 0;
  std::vector<BreakEven> break_evens;
};

// Joins shard directories (each with sweep.json and results.csv; a directory holding
// shard-*-of-* directories stands for all of them) into output_dir. Throws InputError when
// shards belong to different sweeps or tasks are missing.
MergeOutcome merge_shards(const std::vector<std::string>& inputs, std::string output_dir);

// The directory name of shard I of N.
std::string shard_dir_name(std::size_t index, std::size_t count);

} // namespace capsim
