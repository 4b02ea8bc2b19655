#include "sim/engine/platform.hpp"

#include <algorithm>

#include "models/gpu.hpp"

namespace sg4 = simgrid::s4u;

namespace capsim {

namespace {
constexpr double fabric_latency_s = 2e-6; // one switch hop inside a site
constexpr double controller_bytes_per_s = 1.25e9;
} // namespace

Platform build_platform(const Scenario& scenario) {
  Platform platform;
  platform.cap_levels = {1.0, 0.9, 0.8, 0.7, 0.6, 0.5};
  auto* root = sg4::create_full_zone("capsim");
  for (const auto& site : scenario.sites) {
    SitePlatform sp;
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
