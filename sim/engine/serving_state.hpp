// The state of an inference job on the shared clock (sim/engine/serving.cpp holds its rules).
// Fluid, as training: no event per request. At each demand step and at each change that touches
// it (failure, repair, power cap, a replica becoming ready), the fleet's served rate, queueing
// delay and SLO attainment come from models/serving_queue.hpp's approximation over the
// replicas in service, and stay constant until the next change; advance() integrates them.
#pragma once

#include "sim/engine/wake.hpp"

#include <cstdint>
#include <deque>
#include <limits>
#include <utility>
#include <vector>

#include <simgrid/s4u.hpp>

#include "models/serving_queue.hpp"
#include "sim/scenario/inference_spec.hpp"

namespace capsim {

struct ClusterState;

struct ServingState {
  const InferenceSpec* spec = nullptr;
  ClusterState* cluster = nullptr;
  std::vector<std::uint32_t> hosts;    // healthy hosts held: serving, or starting
  std::vector<std::uint32_t> awaiting; // its failed hosts: back to it at their repair
  std::deque<std::pair<double, std::size_t>> starting; // (ready at, hosts) of scale-ups
  std::size_t starting_hosts = 0;
  // Orbital sites: hosts held but unpowered because the supply (arrays, battery) cannot carry
  // them even at the deepest cap once training has stopped; they come back through the
  // scale-up delay (weights reloaded into HBM). Ground-station contact: outside a pass no
  // request reaches the cluster.
  std::size_t dark_hosts = 0;
  std::size_t dark_before = 0; // at the start of the current rebalance
  bool in_contact = true;
  double next_contact_edge_s = std::numeric_limits<double>::infinity();
  double demand_per_s = 0; // requests/s in this step
  int target = 0;          // replicas wanted in this step
  int replicas_up = 0;     // serving now
  double speed = 1;        // GPU performance fraction at the site's power cap
  FleetService service;    // now
  double last_s = 0;       // integrated up to here
  double next_step_s = 0;
  double wake_at_s = std::numeric_limits<double>::infinity();
  Wake wake;
  // Integrals over the run
  double demanded_requests = 0;
  double served_requests = 0;
  double unmet_requests = 0;
  double slo_met_requests = 0;
  double output_tokens = 0; // served (generated) tokens
  double prompt_tokens = 0; // served prompts' tokens
  double gpu_s = 0;         // GPUs held (serving or starting) x time
  double replica_s = 0;     // replicas serving x time
  double energy_j = 0;      // facility energy of its hosts (IT x PUE)
  double overloaded_s = 0;  // time with demand above the fleet's capacity
  double worst_ttft_p99_s = 0;
  double no_contact_s = 0; // demand outside ground-station contact (orbital)
  double unmet_no_contact_requests = 0;
  double dark_gpu_s = 0; // GPUs held but unpowered x time
  double worst_tpot_p99_s = 0;
  int max_replicas_up = 0;
  long long scale_ups = 0, scale_downs = 0, failures = 0, preemptions = 0;
  double output_tokens_reported = 0; // by the time series' last row
  double demand_tokens = 0;          // demanded output tokens
  double demand_tokens_reported = 0;
  // The current demand step's worst figures (one row of serving.csv per step).
  struct Step {
    double start_s = 0;
    double demanded = 0, served = 0, unmet = 0, slo_met = 0, output_tokens = 0;
    double ttft_p99_s = 0, tpot_p99_s = 0; // worst while it lasted (infinite when overloaded)
    bool latency_seen = false; // any request reached the fleet (orbit: a ground-station pass)
    int min_replicas = std::numeric_limits<int>::max(), max_replicas = 0;
  } step;
  std::vector<Step> steps; // closed steps, in time order

  double gpus_per_replica() const { return spec->layout.gpus(); }
};

} // namespace capsim
