// One run of a scenario: the simulation (sim/engine), then its summary, its finance
// (sim/finance) and its printout (sim/report), written as one output set published whole.
// The layer above engine, finance and report: nothing below includes it.
#pragma once

#include <string>
#include <vector>

#include "sim/scenario/scenario.hpp"

namespace capsim {

struct RunOptions {
  std::string output_dir;               // created if missing; the files are written atomically
  bool quiet = false;                   // no readable summary on stdout
  bool verbose = false;                 // the summary with the engine's lines
  std::vector<std::string> engine_args; // extra --cfg=/--log= for SimGrid
  double load_s = 0;                    // wall time the scenario took to load, for the profile
  // When set, the run writes only its summary, as JSON into this file (atomically; "-": to
  // stdout, and nothing else is printed there), and no
  // output directory: no time series, event log, serving or finance files (what a sweep's runs
  // do when the sweep keeps only their results). output_dir is then unused.
  std::string summary_only;
};

struct RunReport {
  std::string summary_text; // readable summary, printed; empty when quiet
  double wall_s = 0;
  long long events = 0;
  bool interrupted = false; // SIGINT: stopped early, outputs written up to the stop
  double end_s = 0;         // simulated time the outputs cover
};

// The SimGrid engine is a process-wide singleton that cannot be reset, so run_simulation() may
// be called once per process (sweeps run each point in its own process).
RunReport run_simulation(const Scenario& scenario, const RunOptions& options);

// For a run forked by a sweep (sim/batch/launcher.hpp), which exits as soon as its outputs are
// written: with this set, a run that completes calls _exit(0) once its outputs are written and
// printed, instead of returning and tearing down its engine, world and scenario one object at a
// time (the kernel frees the process's memory at once). Not under AddressSanitizer, whose leak
// check needs the teardown.
void exit_when_outputs_written(bool on);

} // namespace capsim
