// What a run used and delivered, as cumulative counters sampled at month boundaries: the input
// of everything computed after the simulation from its results (finance, sweeps' curves).
// Vectors follow the scenario's order of clusters, sites and jobs. Snapshots fall at each
// julian_month_s (models/units.hpp). Plain data: the engine fills it, finance and sweeps read it.
#pragma once

#include <vector>

#include "models/units.hpp"

namespace capsim {

struct ClusterUsage {
  double installed_gpus = 0;  // at the snapshot's time
  double installed_gpu_s = 0; // cumulative GPU-seconds delivered and installed
  double available_gpu_s = 0; // ... of which not failed
  double busy_gpu_s = 0;      // ... of which running a job
  long long failures = 0;
  long long lost = 0; // hosts lost for good (cumulative)
};

struct SiteUsage {
  double it_energy_j = 0;
  double facility_energy_j = 0;
  double energy_cost_usd = 0;
  double shed_gpu_s = 0;
  double throttled_gpu_s = 0;
  double capex_usd = 0; // spent during the run: satellites and launches at orbital sites
  // Orbital, replacement: spares: launches (and their satellites) ordered for GPUs lost before
  // their end of life: a cost beyond the constellation's amortised capital.
  double loss_replacement_usd = 0;
};

struct JobUsage {
  double useful_flop = 0; // net progress: work computed, minus work lost at interruptions
  bool completed = false;
  double first_start_s = -1; // its cost window: first start to completion (or the horizon)
  double completion_s = -1;
};

struct ServingUsage {       // an inference job (Scenario::inference's order)
  double gpu_s = 0;         // GPUs it held x time
  double output_tokens = 0; // generated tokens served
  double prompt_tokens = 0; // prompt tokens of the served requests
};

struct UsageSnapshot {
  double time_s = 0;
  std::vector<ClusterUsage> clusters;
  std::vector<SiteUsage> sites;
  std::vector<JobUsage> jobs;
  std::vector<ServingUsage> serving;
};

// Snapshots at 0, one month, two months, ... and at the horizon (the last one); marks at each
// job's first start and completion, in time order (the ends of the jobs' cost windows).
struct UsageRecord {
  std::vector<UsageSnapshot> snapshots;
  std::vector<UsageSnapshot> marks;
};

} // namespace capsim
