// Scenario -> SimGrid platform, built in code: one star zone per site under a root zone (on an
// orbital site, with one-way routes: see platform.cpp); a host
// per unit of `gpus_per_host` GPUs with one pstate per power-cap level (speed = the unit's dense
// BF16 FLOP/s at that cap, from the GPU's power-cap curve) and a NIC link to the site fabric; a
// controller host that runs the site's actors and never fails; a storage host behind a link of
// the site's storage bandwidth; a gateway host whose link carries a job's aggregate checkpoint
// traffic (its bandwidth is set to the job's total NIC bandwidth before each transfer).
#pragma once

#include <string>
#include <vector>

#include <simgrid/s4u.hpp>

#include "sim/scenario/scenario.hpp"

namespace capsim {

struct SitePlatform {
  simgrid::s4u::NetZone* zone = nullptr;
  // Orbital sites: a mirror of the satellites' inter-satellite ring (same links) on which
  // collectives are measured, so that a satellite failing mid-measurement cannot abort a
  // transfer; and the relay -> ground link whose state follows the ground-station passes.
  std::vector<simgrid::s4u::Host*> probe_ring;
  simgrid::s4u::Host* relay = nullptr;
  simgrid::s4u::Host* ground = nullptr;
  std::vector<std::pair<double, double>> contacts; // union of passes over the stations
  simgrid::s4u::Host* controller = nullptr;
  simgrid::s4u::Host* storage = nullptr;
  simgrid::s4u::Host* gateway = nullptr;
  simgrid::s4u::Link* gateway_link = nullptr;
  simgrid::s4u::Link* storage_link = nullptr;
};

struct ClusterPlatform {
  std::vector<simgrid::s4u::Host*> hosts; // in delivery order; all off until delivered
};

struct Platform {
  std::vector<SitePlatform> sites;       // same order as Scenario::sites
  std::vector<ClusterPlatform> clusters; // same order as Scenario::clusters
  std::vector<double> cap_levels;        // pstate i runs at cap_levels[i] x TDP
  std::size_t hosts = 0;
  std::size_t links = 0;
};

Platform build_platform(const Scenario& scenario);

} // namespace capsim
