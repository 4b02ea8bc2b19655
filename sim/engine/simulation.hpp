// One simulation in SimGrid: the engine, the platform, the world and its actors, from t = 0 to
// the horizon (or to an interrupt), with the event log and the time series written as it goes.
// The run (sim/run/run.hpp) drives it, then summarises, prices and publishes the results.
//
// The SimGrid engine is a process-wide singleton that cannot be reset, so one Simulation may be
// built per process (sweeps run each point in its own process).
#pragma once

#include <chrono>
#include <csignal>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "models/usage.hpp"
#include "sim/scenario/scenario.hpp"

namespace simgrid::s4u {
class Engine;
}

namespace capsim {

class EventLog;
class Scheduler;
class TimeseriesWriter;
class World;
struct Platform;

struct SimulationOptions {
  std::vector<std::string> engine_args; // extra --cfg=/--log= for SimGrid
  std::string dir;                      // where events.csv and timeseries.csv go; "": not written
  bool progress = true;                 // simulated days on stderr (when it is a terminal)
  // Reinstalled once SimGrid's engine exists (its constructor installs its own SIGINT handler).
  void (*sigint_handler)(int) = nullptr;
  // The run stops at the first output row after this becomes non-zero (SIGINT).
  const volatile std::sig_atomic_t* stop = nullptr;
  std::chrono::steady_clock::time_point started; // the run's start, for the setup time
};

class Simulation {
public:
  Simulation(const Scenario& scenario, const SimulationOptions& options);
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  // Runs the actors to the horizon, or to the first row after a stop; brings every integral to
  // that time and takes the last usage snapshot. Returns the simulated time the outputs cover.
  double run();

  World& world() { return *world_; }
  const UsageRecord& usage() const { return usage_; }
  double end_s() const { return end_s_; }

  // Publishes the event log and the time series into the options' directory (throws on a
  // write error).
  void commit();

  // summary.json's "engine": events, wall time, peak memory, the platform's size, where the
  // wall time went (the scenario's load time given; report_s: from the end of the event loop to
  // this call) and what the run held in memory.
  nlohmann::ordered_json engine_summary(double wall_s, double load_s) const;

private:
  struct Measures { // wall seconds and heap bytes at the phases' ends
    double setup_s = 0, platform_s = 0, state_s = 0, rows_s = 0, run_s = 0;
    double heap_0 = 0, heap_platform = 0, heap_world = 0, heap_run = 0;
    std::chrono::steady_clock::time_point report_start{};
  };

  const Scenario& scenario_;
  SimulationOptions options_;
  std::unique_ptr<simgrid::s4u::Engine> engine_;
  std::unique_ptr<Platform> platform_;
  std::unique_ptr<EventLog> events_;
  std::unique_ptr<World> world_;
  std::unique_ptr<TimeseriesWriter> timeseries_;
  std::unique_ptr<Scheduler> scheduler_; // capsim's event queue (sim/engine/scheduler.hpp)
  UsageRecord usage_;
  double end_s_ = 0;
  Measures measures_;
};

} // namespace capsim
