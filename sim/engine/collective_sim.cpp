#include "sim/engine/collective_sim.hpp"

#include <algorithm>
#include <string>

#include <xbt/log.h>

namespace sg4 = simgrid::s4u;

namespace capsim {

double simulate_ring_allreduce(const std::vector<sg4::Host*>& ring, double bytes,
                               std::size_t stride) {
  std::size_t k = ring.size();
  if (k < 2 || bytes <= 0) return 0;
  double start_s = sg4::Engine::get_clock();
  auto chunk = static_cast<std::uint64_t>(bytes / static_cast<double>(k));
  std::vector<sg4::CommPtr> comms(k);
  // Every round moves the same chunks over the same links: past max_simulated_comms transfers,
  // the rounds still to go take what the simulated ones took on average (a whole all-reduce is
  // 2 k (k - 1) transfers).
  const std::size_t rounds = 2 * (k - 1);
  const std::size_t simulated = std::min(rounds, std::max<std::size_t>(1, max_simulated_comms / k));
  for (std::size_t round = 0; round < simulated; ++round) {
    for (std::size_t i = 0; i < k; ++i)
      comms[i] = sg4::Comm::sendto_async(ring[i], ring[(i + stride) % k], chunk);
    for (auto& comm : comms)
      comm->wait();
  }
  double elapsed_s = sg4::Engine::get_clock() - start_s;
  return elapsed_s * static_cast<double>(rounds) / static_cast<double>(simulated);
}

double run_ring_allreduce_platform(const CollectiveRun& run) {
  xbt_log_control_set("root.thresh:critical");
  int argc = 1;
  char name[] = "capsim";
  char* argv[] = {name, nullptr};
  sg4::Engine engine(&argc, argv);
  engine.set_config("network/TCP-gamma:0");
  if (!run.tcp_model) engine.set_config("network/model:CM02");
  auto* zone = sg4::create_floyd_zone("ring");
  std::vector<sg4::Host*> hosts;
  for (std::size_t i = 0; i < run.nodes; ++i)
    hosts.push_back(zone->create_host("node" + std::to_string(i), 1e9));
  for (std::size_t i = 0; i < run.nodes; ++i) {
    auto* link = zone->create_split_duplex_link("link" + std::to_string(i), run.link_bytes_per_s)
                     ->set_latency(run.link_latency_s);
    zone->add_route(hosts[i]->get_netpoint(), hosts[(i + 1) % run.nodes]->get_netpoint(), nullptr,
                    nullptr, {{link, sg4::LinkInRoute::Direction::UP}}, true);
  }
  zone->seal();
  double time_s = 0;
  sg4::Actor::create("collective", hosts[0],
                     [&]() { time_s = simulate_ring_allreduce(hosts, run.bytes, run.stride); });
  engine.run();
  return time_s;
}

} // namespace capsim
