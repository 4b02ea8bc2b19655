// capsim's event queue (sim/engine/scheduler.hpp): the order in which processes run is part of
// every run's result (rows after the events of their time; draws from a shared generator in the
// order their processes run), so it is checked here on its own, with a SimGrid engine of one
// host (each test case runs in its own process).
#include <doctest/doctest.h>

#include <limits>
#include <string>
#include <vector>

#include <simgrid/s4u.hpp>

#include "sim/engine/scheduler.hpp"

namespace sg4 = simgrid::s4u;
using capsim::Scheduler;
using capsim::Sleep;
using capsim::Wake;

namespace {

constexpr double never = std::numeric_limits<double>::infinity();

// What World::flush() does with a notification: only a process asleep and wakeable is woken.
void notify(Scheduler& scheduler, Wake& wake) {
  if (!wake.asleep) return;
  wake.asleep = false;
  scheduler.wake(wake);
}

struct Engine {
  int argc = 1;
  char name[8] = "capsim";
  char* argv[2] = {name, nullptr};
  sg4::Engine engine{&argc, argv};
  sg4::Host* host = nullptr;
  Engine() {
    auto* zone = sg4::create_full_zone("zone");
    host = zone->create_host("host", 1e9);
    zone->seal();
  }
  void run(Scheduler& scheduler, const bool& stopping) {
    sg4::Actor::create("dispatcher", host,
                       [&] { scheduler.run([&stopping] { return stopping; }); });
    engine.run();
  }
};

} // namespace

TEST_CASE("event queue: time order, then rank, then the order scheduled, and a woken process runs "
          "after those already due") {
  Engine e;
  Scheduler s;
  std::vector<std::string> ran;
  auto note = [&](const std::string& what, double t) {
    ran.push_back(what + "@" + std::to_string(static_cast<int>(t)));
  };
  bool stopping = false;
  Wake wake_b;
  int a_runs = 0, b_runs = 0, c_runs = 0, u_runs = 0, r_runs = 0;
  // A (rank 0): at 0, then at 10, where it wakes B (twice: the second finds it awake already).
  s.add([&](double t) -> Sleep {
    note("A", t);
    if (a_runs++ == 0) return {10, false};
    notify(s, wake_b);
    notify(s, wake_b);
    return {never, false};
  });
  // B (rank 0): at 0, then asleep until 100 unless woken.
  s.add(
      [&](double t) -> Sleep {
        note("B", t);
        return b_runs++ == 0 ? Sleep{100, true} : Sleep{never, false};
      },
      &wake_b);
  // R (rank 2, the rows): at 0 and 10, then the end.
  s.add(
      [&](double t) -> Sleep {
        note("R", t);
        if (r_runs++ == 0) return {10, false};
        stopping = true;
        return {never, false};
      },
      nullptr, 2);
  // U (rank 1, the usage snapshot): at 10 only.
  s.add(
      [&](double t) -> Sleep {
        if (u_runs++ == 0) return {10, false};
        note("U", t);
        return {never, false};
      },
      nullptr, 1);
  // C (rank 0), added last: at 0 and 10.
  s.add([&](double t) -> Sleep {
    note("C", t);
    return c_runs++ == 0 ? Sleep{10, false} : Sleep{never, false};
  });
  e.run(s, stopping);
  // At 0: rank 0 in the order added, then the rows. At 10: A and C were scheduled at 0 in that
  // order; B, woken by A at 10, after them; then the usage snapshot, then the rows.
  CHECK(ran == std::vector<std::string>{"A@0", "B@0", "C@0", "R@0", "A@10", "C@10", "B@10", "U@10",
                                        "R@10"});
  CHECK(b_runs == 2); // woken once, and never at 100: its sleep was moved, not doubled
  // No process made SimGrid calls: there was no flow.
  CHECK(s.simgrid_calls() == 0);
}

TEST_CASE("event queue: a flow runs on SimGrid's clock and wakes the process that started it") {
  Engine e;
  Scheduler s;
  bool stopping = false;
  double flow_started = -1, flow_ended = -1, resumed = -1;
  int runs = 0;
  s.add([&](double t) -> Sleep {
    if (runs++ == 0) return {5, false}; // the flow starts at 5: SimGrid's clock is brought there
    if (runs == 2) {
      s.start_flow(
          "flow", e.host,
          [&] {
            flow_started = sg4::Engine::get_clock();
            sg4::this_actor::sleep_for(2.5);
            flow_ended = sg4::Engine::get_clock();
          },
          [&] { return stopping; });
      return {never, false}; // until the flow ends
    }
    resumed = t;
    stopping = true;
    return {never, false};
  });
  e.run(s, stopping);
  CHECK(flow_started == doctest::Approx(5).epsilon(1e-12));
  CHECK(flow_ended == doctest::Approx(7.5).epsilon(1e-12));
  CHECK(resumed == doctest::Approx(7.5).epsilon(1e-12));
  CHECK(s.simgrid_calls() > 0);
}
