// What a run will cost, estimated from the scenario before anything runs, and the budget it
// must fit (`capsim run --max-events N --max-memory SIZE`, the same on `capsim sweep`).
//
// Events (what makes a run's work; each is an actor waking to apply a rule):
//   hardware failures   Σ causes' rate × installed GPU-seconds (deliveries on their dates)
//   repairs             failures × (1 - permanent fraction), when repairs exist
//   transients          transient causes' and radiation's rate × installed GPU-seconds; the
//                       share landing on a job's GPUs interrupts it
//   restarts            one per interruption of a job (hardware or transient), the jobs' share
//                       of the cluster's GPUs
//   deliveries, launches, job arrivals and completions
//   site changes        hourly weather and solar steps, eclipse entries and exits (2 per orbit),
//                       daily curtailments, grid steps
//   rows                one per output interval (all sites' rows at once), usage snapshots
// The first five are what summary.json counts in `engine.events`; the README compares the
// estimate with it for every bundled scenario. Checkpoints are not events (closed form).
//
// Memory: a simulated server or rack costs a few bytes of capsim state (16 B allowed), a satellite
// ~2.2 kB (its probe host, link and route in SimGrid), plus a fixed ~50 MB for the process.
#pragma once

#include <string>

#include "sim/scenario/scenario.hpp"

namespace capsim {

struct WorkEstimate {
  double failures = 0;
  double repairs = 0;
  double transients = 0; // transient causes and radiation, on any GPU
  double restarts = 0;
  double other_events = 0; // deliveries, launches, job arrivals and completions, demand steps
  double site_changes = 0;
  double rows = 0;
  double hosts = 0;
  double host_bytes = 0; // their memory
  double memory_bytes = 0;

  // Comparable with summary.json's engine.events.
  double engine_events() const;
  // Everything the budget counts.
  double total_events() const;
};

WorkEstimate estimate_work(const Scenario& scenario);

struct WorkBudget {
  double max_events = 1e8;
  double max_memory_bytes = 0; // 0: 80% of the machine's physical memory
};

// 80% of the physical memory (sysconf).
double default_memory_budget_bytes();

// Throws InputError (exit code 2) naming the estimate, its parts and the limit when the run
// would exceed the budget. `where` names the scenario file in the message.
void check_budget(const Scenario& scenario, const WorkBudget& budget);

// "--max-memory" text: a data size with its unit ("16 GB", "512MiB"); throws InputError.
double parse_memory_option(const std::string& text);

} // namespace capsim
