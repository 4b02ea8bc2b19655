// One simulation: Scenario -> SimGrid engine, platform and actors -> results on disk.
// The SimGrid engine is a process-wide singleton that cannot be reset, so run_simulation() may
// be called once per process (sweeps run each point in its own process).
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
};

struct RunReport {
  std::string summary_text; // readable summary, already printed unless quiet
  double wall_s = 0;
  long long events = 0;
  bool interrupted = false; // SIGINT: stopped early, outputs written up to the stop
  double end_s = 0;         // simulated time the outputs cover
};

RunReport run_simulation(const Scenario& scenario, const RunOptions& options);

} // namespace capsim
