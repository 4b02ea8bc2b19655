// Runs sweep tasks as child processes, each the equivalent of
//   capsim run SCENARIO -o RUNS/pPPPPPP-rRRR -q --seed S --set BASE... --set AXIS=VALUE...
// or, when the sweep keeps nothing of a run but its results (no --keep-runs, no time curves),
//   capsim run SCENARIO --summary-only - -q ...
// whose summary goes to its stdout, a memory file (memfd) read when it has exited, as its stderr:
// such a run touches no file system.
// The SimGrid engine is one per process, and a crash or a hang stays in its child: a run that
// exits non-zero, dies of a signal or passes the time limit becomes a failed row with its error.
// By default a run is a fork() of the sweep process that calls capsim's own main (holding only
// the run command) with those arguments, and exits as soon as its outputs are written: no exec, no
// dynamic loading, and the catalogues the sweep already loaded are inherited, so a short run costs
// little more than its simulation. The sweep process itself never creates a SimGrid engine. A
// different binary (LaunchSettings::exe), a build without an in-process entry
// (set_in_process_main), or CAPSIM_SWEEP_SPAWN=exec fork + exec instead. Children die with their
// parent (PR_SET_PDEATHSIG), so a killed sweep leaves no runs behind, and run in their own process
// group, so Ctrl-C stops the sweep rather than failing its runs. What must survive an
// operating-system crash is a finished run's row of results.csv, which the sweep fsyncs.
#pragma once

#include <functional>
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

// capsim's main(argc, argv), registered by the capsim executable so that runs can be forked
// without exec. Without it, runs exec LaunchSettings::exe.
using InProcessMain = int (*)(int argc, char** argv);
void set_in_process_main(InProcessMain entry);

// CPUs this process may run on: its affinity mask (sched_getaffinity: taskset, cgroups, a
// SLURM or MPI binding), at most SLURM_CPUS_PER_TASK inside a SLURM job.
std::size_t usable_cpus();
// The default -j: usable_cpus(), shared among the ranks a launcher started on this node when
// they were not bound to their own CPUs (their mask is the whole machine).
std::size_t default_jobs();

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
  // Waits up to wait_s for runs to finish; returns their rows (possibly none). When some have
  // exited, refill() is called before their rows are read, so that it can start the next runs
  // at once rather than leave their CPUs idle while this process reads and removes outputs.
  std::vector<ResultRow> wait(double wait_s, const std::function<void()>& refill = {});

private:
  struct Child {
    pid_t pid = -1;
    int pidfd = -1;
    std::size_t task = 0;
    double deadline_s = 0; // monotonic; 0 = none
    bool timed_out = false;
    int out_fd = -1; // memory file: the run's stdout (its summary), when it writes only that
    int err_fd = -1; // memory file: the run's stderr
  };
  bool forks_in_process() const;
  static void close_files(const Child& child);
  ResultRow finish(const Child& child, int status);

  const SweepPlan& plan_;
  LaunchSettings settings_;
  std::vector<std::string> environment_;
  std::vector<Child> children_;
};

} // namespace capsim
