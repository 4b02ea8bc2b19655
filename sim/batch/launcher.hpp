// Runs sweep tasks as child processes: fork + exec of the capsim binary with
//   run SCENARIO -o RUNS/pPPPPPP-rRRR -q --seed S --set BASE... --set AXIS=VALUE...
// The SimGrid engine is one per process, and a crash or a hang stays in its child: a run that
// exits non-zero, dies of a signal or passes the time limit becomes a failed row with its error.
// Children die with their parent (PR_SET_PDEATHSIG), so a killed sweep leaves no runs behind,
// and run in their own process group, so Ctrl-C stops the sweep rather than failing its runs.
#pragma once

#include <string>
#include <sys/types.h>
#include <vector>

#include "sim/batch/plan.hpp"
#include "sim/batch/results.hpp"

namespace capsim {

struct LaunchSettings {
  std::string exe;                   // the capsim binary
  std::string runs_dir;              // each run writes RUNS/pPPPPPP-rRRR/
  bool keep_runs = false;            // keep every run's outputs
  bool keep_timeseries = false;      // keep summary.json and timeseries.csv (time curves need them)
  double timeout_s = 0;              // 0: none
  std::vector<std::string> run_args; // more `capsim run` options (the work budget)
};

std::string run_dir_name(std::size_t point, int replication);

// The capsim binary of this process (/proc/self/exe).
std::string current_executable();

class RunLauncher {
public:
  RunLauncher(const SweepPlan& plan, LaunchSettings settings);
  RunLauncher(const RunLauncher&) = delete;
  RunLauncher& operator=(const RunLauncher&) = delete;
  ~RunLauncher(); // kills runs still going

  void start(std::size_t task);
  std::size_t running() const { return children_.size(); }
  // Waits up to wait_s for runs to finish; returns their rows (possibly none).
  std::vector<ResultRow> wait(double wait_s);

private:
  struct Child {
    pid_t pid = -1;
    int pidfd = -1;
    std::size_t task = 0;
    double deadline_s = 0; // monotonic; 0 = none
    bool timed_out = false;
  };
  ResultRow finish(const Child& child, int status);

  const SweepPlan& plan_;
  LaunchSettings settings_;
  std::vector<std::string> environment_;
  std::vector<Child> children_;
};

} // namespace capsim
