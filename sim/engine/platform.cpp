#include "sim/engine/platform.hpp"

#include <algorithm>
#include <set>

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

std::vector<double> pstate_speeds(const ClusterSpec& cluster, const std::vector<double>& levels) {
  std::vector<double> speeds;
  double unit_flops = cluster.gpus_per_host * cluster.gpu.bf16_dense_flops;
  for (double cap : levels)
    speeds.push_back(unit_flops * perf_fraction_at_cap(cluster.gpu.power_cap, cap));
  return speeds;
}

// A full zone: controller, storage and gateway as on the ground (direct links), the satellites
// in a ring of inter-satellite links, its probe mirror, and the relay -> ground link.
void build_orbital_site(const Scenario& scenario, const SiteSpec& site, sg4::NetZone* root,
                        SitePlatform& sp, Platform& platform) {
  const OrbitalSpec& o = site.orbital;
  auto* zone = sg4::create_full_zone(site.name);
  zone->set_parent(root);
  sp.zone = zone;
  auto route = [&](sg4::Host* a, sg4::Host* b, std::vector<sg4::Link*> links,
                   bool both_ways = true) {
    std::vector<sg4::LinkInRoute> path;
    for (auto* l : links)
      path.emplace_back(l);
    zone->add_route(a->get_netpoint(), b->get_netpoint(), nullptr, nullptr, path, both_ways);
  };
  sp.controller = zone->create_host(site.name + "-controller", 1e9);
  sp.storage = zone->create_host(site.name + "-storage", 1e9);
  sp.gateway = zone->create_host(site.name + "-gateway", 1e9);
  sp.storage_link = zone->create_link(site.name + "-storage-link", site.storage_bytes_per_s)
                        ->set_latency(site.storage_latency_s);
  sp.gateway_link = zone->create_link(site.name + "-gateway-link", 1e12)->set_latency(1e-6);
  route(sp.gateway, sp.storage, {sp.gateway_link, sp.storage_link});
  platform.hosts += 3;
  platform.links += 2;
  // Satellites (the cluster's hosts) and their ring.
  for (std::size_t c = 0; c < scenario.clusters.size(); ++c) {
    const ClusterSpec& cluster = scenario.clusters[c];
    if (cluster.site != site.name) continue;
    auto n = static_cast<std::size_t>(cluster.satellites);
    auto speeds = pstate_speeds(cluster, platform.cap_levels);
    ClusterPlatform cp;
    for (std::size_t i = 0; i < n; ++i)
      cp.hosts.push_back(zone->create_host(cluster.name + "-sat" + std::to_string(i), speeds));
    std::vector<sg4::Link*> ring, probe_ring;
    for (std::size_t i = 0; i < n; ++i) {
      ring.push_back(zone->create_link(cluster.name + "-isl" + std::to_string(i), o.isl_bytes_per_s)
                         ->set_latency(o.isl_latency_s));
      sp.probe_ring.push_back(zone->create_host(cluster.name + "-probe" + std::to_string(i), 1e9));
      probe_ring.push_back(
          zone->create_link(cluster.name + "-probe-isl" + std::to_string(i), o.isl_bytes_per_s)
              ->set_latency(o.isl_latency_s));
    }
    // One-way routes, as a ring all-reduce sends: i -> i+1 over link i; n-1 -> 0 over link n-1.
    for (std::size_t i = 0; i + 1 < n; ++i) {
      route(cp.hosts[i], cp.hosts[i + 1], {ring[i]}, false);
      route(sp.probe_ring[i], sp.probe_ring[i + 1], {probe_ring[i]}, false);
    }
    if (n > 1) {
      route(cp.hosts[n - 1], cp.hosts[0], {ring[n - 1]}, false);
      route(sp.probe_ring[n - 1], sp.probe_ring[0], {probe_ring[n - 1]}, false);
    }
    // Closing links only for the ring sizes in use (each job's).
    std::set<std::size_t> sizes;
    for (const JobSpec& job : scenario.jobs)
      if (job.cluster == cluster.name)
        sizes.insert(static_cast<std::size_t>(job.gpus / cluster.gpus_per_host));
    for (std::size_t k : sizes) {
      if (k < 2 || k >= n) continue; // the whole ring closes over link n-1
      // Satellites 100-200 m apart in a 1 km cluster can all see each other: a ring over the
      // first k closes with its own optical link from member k-1 back to 0.
      auto* close =
          zone->create_link(cluster.name + "-isl-close" + std::to_string(k), o.isl_bytes_per_s)
              ->set_latency(o.isl_latency_s);
      auto* probe_close = zone->create_link(cluster.name + "-probe-isl-close" + std::to_string(k),
                                            o.isl_bytes_per_s)
                              ->set_latency(o.isl_latency_s);
      route(cp.hosts[k - 1], cp.hosts[0], {close}, false);
      route(sp.probe_ring[k - 1], sp.probe_ring[0], {probe_close}, false);
      platform.links += 2;
    }
    platform.hosts += 2 * n;
    platform.links += 2 * n;
    if (platform.clusters.size() <= c) platform.clusters.resize(scenario.clusters.size());
    platform.clusters[c] = std::move(cp);
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
  route(sp.relay, sp.ground, {downlink});
  platform.hosts += 2;
  platform.links += 1;
  zone->seal();
}

} // namespace

Platform build_platform(const Scenario& scenario) {
  Platform platform;
  platform.cap_levels = {1.0, 0.9, 0.8, 0.7, 0.6, 0.5};
  platform.clusters.resize(scenario.clusters.size());
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
    for (std::size_t c = 0; c < scenario.clusters.size(); ++c) {
      const auto& cluster = scenario.clusters[c];
      if (cluster.site != site.name) continue;
      ClusterPlatform cp;
      std::vector<double> speeds;
      double unit_flops = cluster.gpus_per_host * cluster.gpu.bf16_dense_flops;
      for (double cap : platform.cap_levels)
        speeds.push_back(unit_flops * perf_fraction_at_cap(cluster.gpu.power_cap, cap));
      double nic_bytes_per_s =
          std::max(1e9, cluster.gpus_per_host * cluster.system.scale_out_bytes_per_s_per_gpu);
      auto hosts = static_cast<std::size_t>(cluster.total_gpus / cluster.gpus_per_host);
      cp.hosts.reserve(hosts);
      for (std::size_t h = 0; h < hosts; ++h) {
        std::string name = cluster.name + "-" + std::to_string(h);
        auto* host = sp.zone->create_host(name, speeds);
        auto* nic = sp.zone->create_split_duplex_link(name + "-nic", nic_bytes_per_s);
        nic->set_latency(fabric_latency_s);
        route_to_center(host, nic);
        cp.hosts.push_back(host);
      }
      platform.hosts += hosts;
      platform.links += hosts;
      if (platform.clusters.size() <= c) platform.clusters.resize(scenario.clusters.size());
      platform.clusters[c] = std::move(cp);
    }
    sp.zone->seal();
    platform.sites.push_back(sp);
  }
  root->seal();
  platform.clusters.resize(scenario.clusters.size());
  // Nothing is installed before its delivery.
  for (auto& cp : platform.clusters)
    for (auto* host : cp.hosts)
      host->turn_off();
  return platform;
}

} // namespace capsim
