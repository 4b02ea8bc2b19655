// The typed scenario: what a YAML file says once units are parsed (SI inside) and every
// reference is resolved. Produced only by load_scenario(); the simulator never sees YAML.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/gpu.hpp"
#include "sim/scenario/finance_spec.hpp"
#include "sim/scenario/sweep_spec.hpp"

namespace capsim {

enum class SiteKind { terrestrial, orbital };
enum class PowerPolicy { cap, shed };

struct CapacityStep {
  double at_s = 0;       // from this time on ...
  double capacity_w = 0; // ... the grid connection gives this much
};

struct SiteSpec {
  std::string name;
  SiteKind kind = SiteKind::terrestrial;
  std::vector<CapacityStep> grid; // sorted by time; the first step is at 0 s
  double pue = 1.3;               // facility power / IT power
  double energy_price_usd_per_j = 0;
  double cooling_capacity_w = 0; // IT heat the site can reject; 0 = sized to the fleet
  PowerPolicy power_policy = PowerPolicy::cap;
  double min_cap_fraction = 0.5;     // deepest GPU power cap the cap policy uses, fraction of TDP
  double storage_bytes_per_s = 1e12; // checkpoint storage bandwidth of the site
  double storage_latency_s = 1e-4;
  double capex_usd = 0;
  double opex_usd_per_s = 0; // fixed operating cost (staff, maintenance)
};

struct Delivery {
  double at_s = 0;
  long long gpus = 0;
};

struct ClusterSpec {
  std::string name;
  std::string site;
  GpuSpec gpu;
  SystemSpec system;
  int gpus_per_host = 8; // simulation granularity: a host is this many GPUs that fail together
  std::vector<Delivery> deliveries; // sorted by time
  long long total_gpus = 0;
  double lease_usd_per_gpu_s = 0; // take-or-pay on installed GPUs
  double failure_rate_per_gpu_s = 0;
  double repair_time_s = 0;
};

struct CheckpointSpec {
  double interval_s = 0;         // 0: Young/Daly from the job's failure rate and write time
  double size_bytes = 0;         // whole job state written per checkpoint
  double restart_overhead_s = 0; // scheduling, process start, NCCL init (the read is simulated)
};

struct JobSpec {
  std::string name;
  std::string cluster;
  long long gpus = 0;
  double start_s = 0;
  double parameters = 0; // model parameters N
  double tokens = 0;     // training tokens D
  double total_flop = 0; // 6 N D
  double mfu = 0.4;
  double global_batch_tokens = 0;
  CheckpointSpec checkpoint;
};

struct Scenario {
  std::string name;
  std::string file;
  std::uint64_t seed = 1;
  double horizon_s = 0;
  double output_interval_s = 3600;
  std::vector<SiteSpec> sites;
  std::vector<ClusterSpec> clusters;
  std::vector<JobSpec> jobs;
  FinanceSpec finance; // sim/scenario/finance_spec.hpp
  SweepSpec sweep;     // sim/scenario/sweep_spec.hpp
};

struct Override {
  std::string path;  // dotted keys; list items by name: sites.memphis.grid.capacity
  std::string value; // YAML scalar or flow text
};

} // namespace capsim
