#include "sim/engine/simulation.hpp"

#include <algorithm>

#include <malloc.h>
#include <nlohmann/json.hpp>
#include <simgrid/s4u.hpp>
#include <sys/resource.h>
#include <xbt/log.h>

#include "sim/engine/actors.hpp"
#include "sim/engine/platform.hpp"
#include "sim/engine/scheduler.hpp"
#include "sim/engine/serving_report.hpp"
#include "sim/engine/site_kind.hpp"
#include "sim/engine/timeseries_writer.hpp"
#include "sim/engine/world.hpp"
#include "sim/report/event_log.hpp"
#include "sim/report/progress.hpp"

namespace sg4 = simgrid::s4u;

namespace capsim {

namespace {

// Bytes glibc's allocator has handed out and not taken back: the difference between two points
// sizes what was built between them. (Meaningless under AddressSanitizer, which replaces the
// allocator.)
double heap_in_use_bytes() {
  struct mallinfo2 info = ::mallinfo2();
  return static_cast<double>(info.uordblks + info.hblkhd);
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

std::unique_ptr<sg4::Engine> make_engine(const std::vector<std::string>& engine_args) {
  xbt_log_control_set("root.thresh:critical");
  std::vector<std::string> args{"capsim"};
  args.insert(args.end(), engine_args.begin(), engine_args.end());
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  int argc = static_cast<int>(argv.size());
  auto engine = std::make_unique<sg4::Engine>(&argc, argv.data());
  // A checkpoint is thousands of parallel streams, not one TCP connection: no window bound.
  engine->set_config("network/TCP-gamma:0");
  // Nor does it send TCP acknowledgements back along the reverse route: RDMA fabrics and optical
  // inter-satellite links carry no such cross traffic. (In an orbital site's star zone of one-way
  // routes, the reverse route of i -> i+1 would be i+1's own outgoing link.)
  engine->set_config("network/crosstraffic:0");
  return engine;
}

} // namespace

Simulation::Simulation(const Scenario& scenario, const SimulationOptions& options)
    : scenario_(scenario), options_(options) {
  engine_ = make_engine(options.engine_args);
  if (options.sigint_handler) std::signal(SIGINT, options.sigint_handler);
  auto phase_start = std::chrono::steady_clock::now();
  measures_.setup_s = seconds_since(options.started); // the output set and SimGrid's engine
  measures_.heap_0 = heap_in_use_bytes();
  auto kinds = make_site_kind_models(scenario);
  platform_ = std::make_unique<Platform>(build_platform(scenario, kinds));
  measures_.heap_platform = heap_in_use_bytes();
  measures_.platform_s = seconds_since(phase_start);
  phase_start = std::chrono::steady_clock::now();
  const bool files = !options.dir.empty();
  events_ = std::make_unique<EventLog>(files ? options.dir + "events.csv" : std::string());
  world_ = std::make_unique<World>(scenario, *platform_, *events_, std::move(kinds));
  timeseries_ = std::make_unique<TimeseriesWriter>(*world_, files ? options.dir + "timeseries.csv"
                                                                  : std::string());
  timeseries_->set_events(events_.get());
  measures_.heap_world = heap_in_use_bytes();
  measures_.state_s = seconds_since(phase_start);
}

Simulation::~Simulation() = default;

double Simulation::run() {
  // Progress in simulated days, on stderr when it is a terminal and the run is not quiet.
  ProgressBar progress("simulated days", scenario_.horizon_s / 86400, options_.progress);
  end_s_ = scenario_.horizon_s;
  scheduler_ = start_actors(
      *world_, scenario_.horizon_s, scenario_.output_interval_s,
      [this, &progress](double t) {
        auto rows_start = std::chrono::steady_clock::now();
        timeseries_->rows(t);
        measures_.rows_s += seconds_since(rows_start);
        progress.update(t / 86400);
        if (timeseries_->failed() || events_->failed()) return false; // commit() says why
        if (!options_.stop || !*options_.stop) return true;
        end_s_ = t;
        return false;
      },
      usage_);
  auto phase_start = std::chrono::steady_clock::now();
  engine_->run();
  rethrow_actor_failure();
  if (timeseries_->failed() || events_->failed()) {
    progress.finish();
    commit(); // throws the write error
  }
  measures_.run_s = seconds_since(phase_start);
  measures_.heap_run = heap_in_use_bytes();
  measures_.report_start = std::chrono::steady_clock::now();
  world_->finish(end_s_);
  progress.finish();
  usage_.snapshots.push_back(world_->snapshot(end_s_));
  usage_.marks = world_->marks();
  if (!options_.dir.empty() && !world_->serving().empty())
    write_serving_csv(*world_, options_.dir + "serving.csv");
  return end_s_;
}

void Simulation::commit() {
  timeseries_->commit();
  events_->commit();
}

nlohmann::ordered_json Simulation::engine_summary(double wall_s, double load_s) const {
  using json = nlohmann::ordered_json;
  json engine;
  engine["events"] = world_->events();
  engine["wall_s"] = wall_s;
  struct rusage resources {};
  ::getrusage(RUSAGE_SELF, &resources);
  engine["peak_rss_bytes"] = static_cast<double>(resources.ru_maxrss) * 1024; // Linux: KiB
  // capsim's calls into SimGrid's scheduler (the dispatcher's sleeps and waits, flows started
  // and ended), in all and per event.
  const double calls = static_cast<double>(scheduler_ ? scheduler_->simgrid_calls() : 0);
  engine["simgrid_calls"] = calls;
  engine["simgrid_calls_per_event"] = calls / static_cast<double>(std::max(1LL, world_->events()));
  engine["hosts"] = platform_->hosts;
  engine["links"] = platform_->links;
  // Where the wall time went (seconds); `engine` is the rest of the run: the event queue,
  // SimGrid's flows and actor switches, and the effects (wake-ups) the rules hand them.
  const Measures& m = measures_;
  double models_s = world_->rules_wall_s();
  engine["profile"] = {{"load_s", load_s},
                       {"setup_s", m.setup_s},
                       {"platform_s", m.platform_s},
                       {"state_s", m.state_s},
                       {"models_s", models_s},
                       {"rows_s", m.rows_s},
                       {"engine_s", std::max(0.0, m.run_s - models_s - m.rows_s)},
                       {"report_s", seconds_since(m.report_start)}};
  // What the run holds in memory (heap bytes): the SimGrid platform and capsim's own state,
  // each per simulated host (a unit of gpus_per_host GPUs: a server, a rack, a satellite; not a
  // SimGrid host), and what the run added while it ran, per event.
  std::size_t units = 0;
  for (const auto& cluster : world_->clusters())
    units += cluster.units;
  engine["simulated_hosts"] = units;
  auto hosts = static_cast<double>(std::max<std::size_t>(1, units));
  engine["memory"] = {
      {"platform_bytes", m.heap_platform - m.heap_0},
      {"platform_bytes_per_host", (m.heap_platform - m.heap_0) / hosts},
      {"state_bytes", m.heap_world - m.heap_platform},
      {"state_bytes_per_host", (m.heap_world - m.heap_platform) / hosts},
      {"run_growth_bytes", m.heap_run - m.heap_world},
      {"run_growth_bytes_per_event",
       (m.heap_run - m.heap_world) / static_cast<double>(std::max(1LL, world_->events()))}};
  return engine;
}

} // namespace capsim
