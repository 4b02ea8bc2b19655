// Scenario -> SimGrid platform, built in code, holding only what carries flows or runs actors:
// one star zone per site under a root zone (on an orbital site, with one-way routes: see
// platform.cpp); a controller host that runs the site's actors and never fails; a storage host
// behind a link of the site's storage bandwidth; a gateway host whose link carries a job's
// aggregate checkpoint traffic (its bandwidth is set to the job's total NIC bandwidth before each
// transfer); in orbit, a probe ring of inter-satellite links for the collectives and the
// downlink. The GPU servers and satellites are not SimGrid hosts: they are capsim state
// (world.hpp, UnitId), since SimGrid computes nothing on them.
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

struct Platform {
  std::vector<SitePlatform> sites; // same order as Scenario::sites
  std::size_t hosts = 0;
  std::size_t links = 0;
};

Platform build_platform(const Scenario& scenario);

} // namespace capsim
