// Collectives as real SimGrid communications on a platform's topology (docs/architecture.md:
// detailed sub-simulations where topology matters; their measured times feed the fluid model).
#pragma once

#include <vector>

#include <simgrid/s4u.hpp>

namespace capsim {

// Ring all-reduce of `bytes` over `ring` (member i sends to member (i + stride) mod k): 2(k - 1)
// rounds; in each every member sends bytes / k at once and the round ends when all have
// arrived. Must run inside an actor; returns the simulated time it took.
double simulate_ring_allreduce(const std::vector<simgrid::s4u::Host*>& ring, double bytes,
                               std::size_t stride = 1);
// A ring needing more transfers simulates whole rounds up to about this many and scales
// (every round is alike; exact under CM02).
inline constexpr std::size_t max_simulated_comms = 16384;

struct CollectiveRun {
  std::size_t nodes = 8;
  double bytes = 1e9;
  double link_bytes_per_s = 2e11;
  double link_latency_s = 1e-5;
  std::size_t stride = 1; // > 1: every link carries `stride` flows (shared links)
  bool tcp_model = false; // false: SimGrid's CM02 max-min model (no TCP corrections);
                          // true: LV08, the simulator's default (bandwidth x 0.97, latency x 13)
};

// Builds a ring of `nodes` hosts (one link between neighbours, multi-hop routes by Floyd),
// runs one all-reduce and returns its time. Creates the process's SimGrid engine: once per
// process (the `capsim collective` command).
double run_ring_allreduce_platform(const CollectiveRun& run);

} // namespace capsim
