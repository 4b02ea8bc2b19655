// The bare SimGrid engine driving as many events as a capsim run: one actor per "cluster" that
// sleeps on a condition variable with a deadline (the way capsim's actors wait), and nothing
// else — no models, no outputs. tools/bench prints capsim's wall time over this baseline's.
// Usage: capsim_baseline EVENTS HOSTS
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <simgrid/s4u.hpp>
#include <xbt/log.h>

namespace sg4 = simgrid::s4u;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s EVENTS HOSTS\n", argv[0]);
    return 2;
  }
  long long events = std::atoll(argv[1]);
  long long hosts = std::atoll(argv[2]);
  xbt_log_control_set("root.thresh:critical");
  int engine_argc = 1;
  sg4::Engine engine(&engine_argc, argv);
  auto start = std::chrono::steady_clock::now();
  auto* zone = sg4::create_star_zone("site");
  std::vector<sg4::Host*> all;
  for (long long h = 0; h < hosts; ++h) {
    std::string id = std::to_string(h); // appended, not "h" + id: GCC 12 -Wrestrict (105651)
    auto* host = zone->create_host(std::string("h").append(id), 1e9);
    auto* nic = zone->create_split_duplex_link(std::string("l").append(id), 1e10);
    zone->add_route(host->get_netpoint(), nullptr, nullptr, nullptr,
                    {{nic, sg4::LinkInRoute::Direction::UP}}, true);
    all.push_back(host);
  }
  zone->seal();
  auto cv = sg4::ConditionVariable::create();
  sg4::Actor::create("events", all.front(), [events, cv]() {
    auto mutex = sg4::Mutex::create();
    std::unique_lock lock(*mutex);
    for (long long e = 0; e < events; ++e)
      cv->wait_until(lock, sg4::Engine::get_clock() + 60);
  });
  engine.run();
  double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("baseline: %lld events, %lld hosts in %.3f s wall\n", events, hosts, wall_s);
  return 0;
}
