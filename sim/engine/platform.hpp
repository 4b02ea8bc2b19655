// Scenario -> SimGrid platform, built in code, holding only what carries flows or runs actors:
// one star zone per site under a root zone, built by the site's kind (on an orbital site, with
// one-way routes: see orbital_site.cpp); a controller host that runs the site's actors and never
// fails; a storage host behind a link of the site's storage bandwidth; a gateway host whose link
// carries a job's aggregate checkpoint traffic (its bandwidth is set to the job's total NIC
// bandwidth before each transfer; orbital sites) or, on the ground, one NIC host per job whose link
// has the job's total NIC bandwidth, so that jobs' transfers share the storage link as concurrent
// flows; in orbit, a probe ring of inter-satellite links for the collectives and the downlink. The
// GPU servers and satellites are not SimGrid hosts: they are capsim state (world.hpp, UnitId),
// since SimGrid computes nothing on them.
#pragma once

#include <memory>
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
  // Ground sites: one host per job standing for its servers' NICs, behind a link of the job's
  // total NIC bandwidth, by index in Scenario::jobs (nullptr for the other sites' jobs).
  // Concurrent checkpoint transfers of several jobs share the storage link as SimGrid flows.
  std::vector<simgrid::s4u::Host*> job_nics;
};

struct Platform {
  std::vector<SitePlatform> sites; // same order as Scenario::sites
  std::size_t hosts = 0;
  std::size_t links = 0;
};

class SiteKindModel;

// Each site's zone is its kind's (SiteKindModel::build_zone: ground_site.cpp, orbital_site.cpp).
Platform build_platform(const Scenario& scenario,
                        const std::vector<std::unique_ptr<SiteKindModel>>& kinds);

// A job's total NIC bandwidth toward storage: its GPUs' scale-out bandwidth, at least 1 GB/s per
// server.
double job_nic_bytes_per_s(const JobSpec& job, const ClusterSpec& cluster);

} // namespace capsim
