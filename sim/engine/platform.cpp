#include "sim/engine/platform.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <simgrid/kernel/ProfileBuilder.hpp>

#include "models/gpu.hpp"
#include "models/orbit.hpp"

namespace sg4 = simgrid::s4u;

namespace capsim {

namespace {
constexpr double fabric_latency_s = 2e-6; // one switch hop inside a site
constexpr double controller_bytes_per_s = 1.25e9;
} // namespace

namespace {

// A star zone, as on the ground, but with one-way routes: a host's route "up" is its own
// outgoing link and its route "down" is empty, so that a transfer from host a to host b crosses
// exactly a's link. Each satellite's outgoing link is its inter-satellite link to the next one,
// so a ring all-reduce over the first k satellites (i -> i+1, and k-1 -> 0) crosses k distinct
// links, one per member, each of the ISL's bandwidth and latency: link k-1 stands for the optical
// link that closes a sub-ring (satellites 100-200 m apart in a 1 km cluster all see each other).
// The routing state is O(hosts); a full zone's would be O(hosts^2), 0.6 GB for 4,167 satellites.
// The controller, storage and gateway are as on the ground (direct links); the probe ring
// mirrors the satellites' ring; the relay -> ground link carries the downlink.
void build_orbital_site(const Scenario& scenario, const SiteSpec& site, sg4::NetZone* root,
                        SitePlatform& sp, Platform& platform) {
  const OrbitalSpec& o = site.orbital;
  auto* zone = sg4::create_star_zone(site.name);
  zone->set_parent(root);
  sp.zone = zone;
  // `out` carries everything a host sends; `in`, everything it receives.
  auto attach = [&](sg4::Host* host, std::vector<sg4::Link*> out, std::vector<sg4::Link*> in) {
    std::vector<sg4::LinkInRoute> up, down;
    for (auto* l : out)
      up.emplace_back(l);
    for (auto* l : in)
      down.emplace_back(l);
    zone->add_route(host->get_netpoint(), nullptr, nullptr, nullptr, up, false);
    zone->add_route(nullptr, host->get_netpoint(), nullptr, nullptr, down, false);
  };
  sp.controller = zone->create_host(site.name + "-controller", 1e9);
  sp.storage = zone->create_host(site.name + "-storage", 1e9);
  sp.gateway = zone->create_host(site.name + "-gateway", 1e9);
  sp.storage_link = zone->create_link(site.name + "-storage-link", site.storage_bytes_per_s)
                        ->set_latency(site.storage_latency_s);
  sp.gateway_link = zone->create_link(site.name + "-gateway-link", 1e12)->set_latency(1e-6);
  attach(sp.controller, {}, {});
  attach(sp.gateway, {sp.gateway_link}, {sp.gateway_link});
  attach(sp.storage, {sp.storage_link}, {sp.storage_link});
  platform.hosts += 3;
  platform.links += 2;
  // The probe ring: one host and one inter-satellite link per satellite, on which collectives
  // are measured. The satellites themselves are capsim state (world.hpp, UnitId).
  for (const auto& cluster : scenario.clusters) {
    if (cluster.site != site.name) continue;
    auto n = static_cast<std::size_t>(cluster.satellites);
    for (std::size_t i = 0; i < n; ++i) {
      auto* probe = zone->create_host(cluster.name + "-probe" + std::to_string(i), 1e9);
      auto* probe_isl =
          zone->create_link(cluster.name + "-probe-isl" + std::to_string(i), o.isl_bytes_per_s)
              ->set_latency(o.isl_latency_s);
      attach(probe, {probe_isl}, {});
      sp.probe_ring.push_back(probe);
    }
    platform.hosts += n;
    platform.links += n;
  }
  // Downlink: up while some ground station sees the constellation.
  sp.relay = zone->create_host(site.name + "-relay", 1e9);
  sp.ground = zone->create_host(site.name + "-ground", 1e9);
  auto* downlink =
      zone->create_link(site.name + "-downlink", o.downlink_bytes_per_s)->set_latency(3e-3);
  std::vector<std::pair<double, double>> passes;
  for (const auto& s : o.stations)
    for (const ContactWindow& w : contact_windows(o.orbit, s.station, 0, scenario.horizon_s))
      passes.emplace_back(w.start_s, w.end_s);
  std::sort(passes.begin(), passes.end());
  for (const auto& p : passes) {
    if (!sp.contacts.empty() && p.first <= sp.contacts.back().second)
      sp.contacts.back().second = std::max(sp.contacts.back().second, p.second);
    else
      sp.contacts.push_back(p);
  }
  std::string profile = sp.contacts.empty() || sp.contacts.front().first > 0 ? "0 0\n" : "";
  for (const auto& [start, end] : sp.contacts)
    profile += fmt::format("{:.17g} 1\n{:.17g} 0\n", start, end);
  downlink->set_state_profile(
      simgrid::kernel::profile::ProfileBuilder::from_string(site.name + "-passes", profile, -1));
  attach(sp.relay, {downlink}, {});
  attach(sp.ground, {}, {});
  platform.hosts += 2;
  platform.links += 1;
  zone->seal();
}

} // namespace

double job_nic_bytes_per_s(const JobSpec& job, const ClusterSpec& cluster) {
  return static_cast<double>(job.gpus) *
         std::max(1e9 / cluster.gpus_per_host, cluster.system.scale_out_bytes_per_s_per_gpu);
}

Platform build_platform(const Scenario& scenario) {
  Platform platform;
  auto* root = sg4::create_full_zone("capsim");
  for (const auto& site : scenario.sites) {
    SitePlatform sp;
    if (site.kind == SiteKind::orbital) {
      build_orbital_site(scenario, site, root, sp, platform);
      platform.sites.push_back(sp);
      continue;
    }
    sp.zone = sg4::create_star_zone(site.name);
    sp.zone->set_parent(root);
    auto route_to_center = [&](sg4::Host* host, sg4::Link* link) {
      sp.zone->add_route(host->get_netpoint(), nullptr, nullptr, nullptr,
                         {{link, sg4::LinkInRoute::Direction::UP}}, true);
    };
    sp.controller = sp.zone->create_host(site.name + "-controller", 1e9);
    route_to_center(sp.controller, sp.zone->create_split_duplex_link(site.name + "-controller-nic",
                                                                     controller_bytes_per_s));
    sp.storage = sp.zone->create_host(site.name + "-storage", 1e9);
    auto* storage =
        sp.zone->create_split_duplex_link(site.name + "-storage-link", site.storage_bytes_per_s);
    storage->set_latency(site.storage_latency_s);
    sp.storage_link = storage->get_link_up();
    route_to_center(sp.storage, storage);
    sp.gateway = sp.zone->create_host(site.name + "-gateway", 1e9);
    auto* gateway = sp.zone->create_split_duplex_link(site.name + "-gateway-link", 1e12);
    gateway->set_latency(fabric_latency_s);
    route_to_center(sp.gateway, gateway);
    sp.gateway_link = gateway->get_link_up();
    platform.links += 3;
    platform.hosts += 3;
    sp.job_nics.assign(scenario.jobs.size(), nullptr);
    for (std::size_t j = 0; j < scenario.jobs.size(); ++j) {
      const JobSpec& job = scenario.jobs[j];
      auto cluster = std::find_if(scenario.clusters.begin(), scenario.clusters.end(),
                                  [&](const ClusterSpec& c) { return c.name == job.cluster; });
      if (cluster == scenario.clusters.end() || cluster->site != site.name) continue;
      auto* nic = sp.zone->create_host(site.name + "-" + job.name + "-nics", 1e9);
      auto* link = sp.zone->create_split_duplex_link(site.name + "-" + job.name + "-nic-link",
                                                     job_nic_bytes_per_s(job, *cluster));
      link->set_latency(fabric_latency_s);
      route_to_center(nic, link);
      sp.job_nics[j] = nic;
      platform.hosts += 1;
      platform.links += 1;
    }
    sp.zone->seal();
    platform.sites.push_back(sp);
  }
  root->seal();
  return platform;
}

} // namespace capsim
