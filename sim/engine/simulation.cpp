#include "sim/engine/simulation.hpp"
#include "sim/report/printout.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>

#include <fmt/format.h>
#include <malloc.h>
#include <nlohmann/json.hpp>
#include <simgrid/s4u.hpp>
#include <sys/resource.h>
#include <unistd.h>
#include <xbt/log.h>

#include "models/checkpoint.hpp"
#include "models/failure.hpp"
#include "models/radiation.hpp"
#include "sim/engine/actors.hpp"
#include "sim/engine/platform.hpp"
#include "sim/engine/serving_report.hpp"
#include "sim/engine/timeseries_writer.hpp"
#include "sim/engine/world.hpp"
#include "sim/finance/finance.hpp"
#include "sim/report/atomic_file.hpp"
#include "sim/report/event_log.hpp"
#include "sim/report/output_set.hpp"
#include "sim/report/progress.hpp"
#include "sim/scenario/sweep_spec.hpp"

namespace sg4 = simgrid::s4u;

namespace capsim {

namespace {

volatile std::sig_atomic_t interrupt_requested = 0;
bool exit_when_written = false; // exit_when_outputs_written()

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

std::string job_state_name(const JobState& job) {
  switch (job.phase) {
  case JobPhase::pending:
    return "not started";
  case JobPhase::waiting:
    return "waiting for " + job.waiting_for;
  case JobPhase::restarting:
    return "restarting";
  case JobPhase::running:
    return "running";
  case JobPhase::done:
    return job.end_reason.empty() ? "completed" : "ended: " + job.end_reason;
  }
  return "unknown";
}

// 1 - goodput split by reason, as fractions of the job's ideal work (its full allocation's
// uncapped rate over its window); the parts add up to 1 - goodput_fraction. Empty when the job
// had no window.
nlohmann::ordered_json goodput_loss(const JobState& job, double ideal_flop) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  if (ideal_flop <= 0) return out;
  const JobState::Losses& l = job.losses;
  nlohmann::ordered_json lost = nlohmann::ordered_json::object();
  for (const auto& [cause, flop] : l.lost_work_flop)
    lost[cause] = flop / ideal_flop;
  out["checkpoint_writes"] = l.checkpoint_writes_flop / ideal_flop;
  out["lost_work"] = lost;
  out["restarts"] = l.restarts_flop / ideal_flop;
  out["power_caps"] = l.power_caps_flop / ideal_flop;
  out["communication"] = l.communication_flop / ideal_flop;
  out["waiting_for_power"] = l.waiting_for_power_flop / ideal_flop;
  out["waiting_for_hosts"] = l.waiting_for_hosts_flop / ideal_flop;
  return out;
}

// "4.1% lost work (faulty GPU 1.9%, ...), 2.0% checkpoint writes, ...": the `count` largest
// parts of a job's goodput_loss, each over 0.05%.
// sum += weight x loss, part by part (nested objects: causes of lost work).
void add_weighted(nlohmann::ordered_json& sum, const nlohmann::ordered_json& loss, double weight) {
  for (const auto& [name, value] : loss.items()) {
    if (value.is_object()) {
      if (!sum.contains(name)) sum[name] = nlohmann::ordered_json::object();
      add_weighted(sum[name], value, weight);
    } else {
      sum[name] =
          (sum.contains(name) ? sum[name].get<double>() : 0.0) + weight * value.get<double>();
    }
  }
}

nlohmann::ordered_json scaled_loss(nlohmann::ordered_json loss, double factor) {
  for (auto& [name, value] : loss.items())
    value = value.is_object() ? scaled_loss(value, factor)
                              : nlohmann::ordered_json(value.get<double>() * factor);
  return loss;
}

nlohmann::ordered_json summarise(const Scenario& scenario, World& world, const UsageRecord& usage,
                                 const std::string& dir, double wall_s, double covered_s,
                                 const std::string& run_id) {
  using json = nlohmann::ordered_json;
  json out;
  out["scenario"] = scenario.name;
  out["seed"] = scenario.seed;
  out["horizon_s"] = scenario.horizon_s;
  out["capsim_version"] = CAPSIM_VERSION;
  out["run_id"] = run_id; // shared with the set's manifest.json
  json sites = json::array();
  for (SiteState& site : world.sites()) {
    double available_gpu_s = 0;
    for (ClusterState* c : site.clusters)
      available_gpu_s += c->available_gpu_s;
    double opex = site.energy_cost_usd;
    json s;
    s["name"] = site.spec->name;
    s["kind"] = site.kind->name();
    s["it_energy_j"] = site.it_energy_j;
    site.kind->summarise_it_power(site, scenario, s);
    s["facility_energy_j"] = site.facility_energy_j;
    s["peak_facility_power_w"] = site.peak_facility_w;
    s["mean_pue"] =
        site.it_energy_j > 0 ? site.facility_energy_j / site.it_energy_j : site.spec->pue;
    s["throttled_fraction"] = available_gpu_s > 0 ? site.throttled_gpu_s / available_gpu_s : 0.0;
    s["shed_gpu_hours"] = site.shed_gpu_s / 3600;
    s["busy_gpu_hours"] = site.busy_gpu_s / 3600;
    s["capex_usd"] = site.spec->capex_usd + site.capex_spent_usd;
    s["opex_usd"] = opex;
    s["energy_cost_usd"] = opex;
    const SupplyLedger& l = site.ledger;
    s["energy_by_source_j"] = {{"grid", l.grid_j},
                               {"turbines", l.turbine_j},
                               {"solar", l.solar_j},
                               {"battery_discharge", l.battery_discharge_j},
                               {"battery_charge", l.battery_charge_j}};
    s["cost_by_source_usd"] = {{"grid", l.grid_usd}, {"turbines", l.fuel_usd}};
    s["unmet_energy_j"] = l.unmet_j;
    double useful_flop = 0; // as the jobs' flop_done
    for (const JobState* job : site.jobs)
      useful_flop += std::min(job->net_flop(), job->spec->total_flop);
    const double co2_t = (l.grid_co2_kg + l.turbine_co2_kg) / 1000;
    s["emissions_tco2"] = {
        {"grid", l.grid_co2_kg / 1000}, {"turbines", l.turbine_co2_kg / 1000}, {"total", co2_t}};
    s["turbine_fuel_energy_j"] = l.fuel_j;
    s["tco2_per_useful_eflop"] = useful_flop > 0 ? json(co2_t / (useful_flop / 1e18)) : json();
    site.kind->summarise_supply(site, s);
    s["water_m3"] = site.water_m3;
    s["economiser_hours"] = site.economiser_s / 3600;
    s["cooling"] = site.kind->cooling(site);
    site.kind->summarise_kind(site, world, scenario, s);
    sites.push_back(s);
  }
  out["sites"] = sites;
  json clusters = json::array();
  for (ClusterState& c : world.clusters()) {
    double lease = c.installed_gpu_s * c.spec->lease_usd_per_gpu_s;
    json j;
    j["name"] = c.spec->name;
    j["site"] = c.spec->site;
    j["gpu"] = c.spec->gpu.name;
    j["gpus"] = c.spec->total_gpus;
    j["gpu_hours_installed"] = c.installed_gpu_s / 3600;
    j["gpu_hours_available"] = c.available_gpu_s / 3600;
    j["failures"] = c.failures;
    j["repairs"] = c.repairs_done;
    j["lost"] = c.lost;
    json by_cause = json::object();
    for (std::size_t k = 0; k < c.spec->failure_causes.size(); ++k)
      if (c.spec->failure_causes[k].kind == FailureKind::hardware)
        by_cause[c.spec->failure_causes[k].name] = c.failures_by_cause[k];
    j["failures_by_cause"] = by_cause;
    j["lease_cost_usd"] = lease;
    clusters.push_back(j);
  }
  out["clusters"] = clusters;
  json jobs = json::array();
  std::vector<double> site_ideal_flop(world.sites().size(), 0.0), site_done_flop = site_ideal_flop;
  std::vector<json> site_loss(world.sites().size(), json::object());
  for (JobState& job : world.jobs()) {
    const JobSpec& spec = *job.spec;
    double end_s = job.completion_s >= 0 ? job.completion_s : covered_s;
    // The job's window: from its start to its completion (or the horizon), less the time before
    // its cluster first had its minimum GPUs (reported, not charged).
    double window_s = std::max(0.0, end_s - spec.start_s - job.before_gpus_s);
    double ideal_flop = job.full_rate_flops * window_s;
    double flop_done = std::min(job.net_flop(), spec.total_flop);
    double mtbf_s = 1 / world.job_interruption_rate_per_s(job);
    json j;
    j["name"] = spec.name;
    j["cluster"] = spec.cluster;
    j["completed"] = job.completion_s >= 0;
    j["state_at_horizon"] = job_state_name(job);
    j["completion_s"] = job.completion_s >= 0 ? json(job.completion_s) : json(nullptr);
    j["interruptions"] = job.interruptions;
    j["interruptions_by_cause"] = job.interruptions_by_cause;
    j["goodput_fraction"] = ideal_flop > 0 ? json(flop_done / ideal_flop) : json(nullptr);
    j["goodput_loss"] = goodput_loss(job, ideal_flop);
    j["waiting_for_gpus_s"] = job.before_gpus_s;
    j["mfu"] = spec.mfu;
    j["mfu_source"] = spec.mfu_source;
    if (spec.uses_step_model) {
      const ParallelConfig& c = spec.step_config;
      j["parallel"] = {{"tp", c.tensor},
                       {"pp", c.pipeline},
                       {"interleave", c.interleave},
                       {"cp", c.context},
                       {"ep", c.expert},
                       {"dp", spec.step.data_parallel},
                       {"microbatch", c.microbatch},
                       {"sequence_parallel", c.sequence_parallel},
                       {"zero", c.zero_stage},
                       {"recompute", to_string(c.recompute)}};
      j["memory_per_gpu_bytes"] = spec.step.memory.total_bytes;
      j["step_model_step_time_s"] = spec.step.step_time_s;
    }
    double flop_per_step = spec.uses_step_model ? spec.step.model_flop
                                                : 6 * spec.parameters * spec.global_batch_tokens;
    // Compute plus the data-parallel reduction's exposed part (already inside the MFU when the
    // step model gives it on the ground).
    j["step_time_s"] = flop_per_step / job.full_rate_flops +
                       (job.reduction_in_mfu ? 0.0 : job.collective_exposed_s);
    j["collective_s"] = job.collective_s;
    j["collective_exposed_s"] = job.collective_exposed_s;
    j["flop_done"] = flop_done;
    j["flop_total"] = spec.total_flop;
    j["flop_lost"] = job.lost_flop;
    j["gpus"] = spec.gpus;
    j["first_start_s"] = job.first_start_s >= 0 ? json(job.first_start_s) : json(nullptr);
    j["checkpoints"] = job.progress.checkpoints;
    j["checkpoint_interval_s"] = job.plan.interval_s;
    j["checkpoint_write_s"] = job.plan.write_s;
    j["restart_s"] = job.restart_s;
    if (job.measured && std::isfinite(mtbf_s)) {
      // The checkpoint/restart expectation, times the share of a step not spent in an exposed
      // collective, so that it compares with goodput_fraction directly.
      j["expected_goodput_fraction"] =
          exponential_goodput(job.plan, job.restart_s, mtbf_s) * job.step_efficiency;
    }
    if (spec.backlog) j["backlog"] = true;
    jobs.push_back(j);
    const auto site = static_cast<std::size_t>(job.cluster->site - world.sites().data());
    site_ideal_flop[site] += ideal_flop;
    add_weighted(site_loss[site], j["goodput_loss"], ideal_flop);
    site_done_flop[site] += ideal_flop > 0 ? flop_done : 0.0;
  }
  out["jobs"] = jobs;
  if (!world.serving().empty()) {
    out["inference"] = serving_summary(world, covered_s);
    // Who used the clusters' GPU-hours: inference jobs' hosts and training jobs' hosts.
    for (std::size_t c = 0; c < world.clusters().size(); ++c) {
      const ClusterState& cluster = world.clusters()[c];
      double serving_gpu_s = 0;
      for (const ServingState* s : cluster.serving)
        serving_gpu_s += s->gpu_s;
      out["clusters"][c]["gpu_hours_serving"] = serving_gpu_s / 3600;
      out["clusters"][c]["gpu_hours_training"] = cluster.training_held_gpu_s / 3600;
    }
  }
  // Each site's goodput and its split: its jobs' together, weighted by their ideal work.
  for (std::size_t i = 0; i < world.sites().size(); ++i) {
    const double ideal = site_ideal_flop[i];
    out["sites"][i]["goodput_fraction"] =
        ideal > 0 ? json(site_done_flop[i] / ideal) : json(nullptr);
    add_weighted(site_loss[i], json::object(), 0); // an object even with no job
    out["sites"][i]["goodput_loss"] = scaled_loss(site_loss[i], ideal > 0 ? 1 / ideal : 0.0);
  }
  add_finance(scenario, usage, dir, out);
  if (out.contains("inference") && out["finance"].contains("inference"))
    for (std::size_t i = 0; i < out["inference"].size(); ++i) {
      out["inference"][i]["cost_usd"] = out["finance"]["inference"][i]["cost_usd"];
      out["inference"][i]["cost_per_million_tokens_usd"] =
          out["finance"]["inference"][i]["cost_per_million_tokens_usd"];
    }
  json engine;
  engine["events"] = world.events();
  engine["wall_s"] = wall_s;
  struct rusage resources {};
  ::getrusage(RUSAGE_SELF, &resources);
  engine["peak_rss_bytes"] = static_cast<double>(resources.ru_maxrss) * 1024; // Linux: KiB
  out["engine"] = engine;
  return out;
}

} // namespace

void exit_when_outputs_written(bool on) {
  exit_when_written = on;
}

RunReport run_simulation(const Scenario& scenario, const RunOptions& options) {
  auto wall_start = std::chrono::steady_clock::now();
  // SIGINT stops the run at the next output row; everything up to there is written as usual.
  // Installed first, so that an interrupt while the platform is being built stops the run at
  // its first row rather than killing it; and again once the engine exists, since SimGrid's
  // constructor installs its own handler (which exits with status 1).
  interrupt_requested = 0;
  auto on_sigint = [](int) { interrupt_requested = 1; };
  struct SigintGuard {
    void (*previous)(int);
    ~SigintGuard() { std::signal(SIGINT, previous); }
  } sigint_guard{std::signal(SIGINT, on_sigint)};
  // The set is written into a staging directory and published whole at the end.
  std::optional<OutputSet> outputs;
  if (options.summary_only.empty()) outputs.emplace(options.output_dir);
  // Where the set's files go; "" when only the summary is written (no other file).
  const std::string dir = outputs ? outputs->staging() + "/" : std::string();
  const std::string run_id = outputs ? outputs->run_id() : new_run_id();

  xbt_log_control_set("root.thresh:critical");
  std::vector<std::string> args{"capsim"};
  args.insert(args.end(), options.engine_args.begin(), options.engine_args.end());
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  int argc = static_cast<int>(argv.size());
  sg4::Engine engine(&argc, argv.data());
  std::signal(SIGINT, on_sigint);
  auto phase_start = std::chrono::steady_clock::now();
  double setup_s = seconds_since(wall_start); // the output set and SimGrid's engine
  double heap_0 = heap_in_use_bytes();
  // A checkpoint is thousands of parallel streams, not one TCP connection: no window bound.
  engine.set_config("network/TCP-gamma:0");
  // Nor does it send TCP acknowledgements back along the reverse route: RDMA fabrics and optical
  // inter-satellite links carry no such cross traffic. (In an orbital site's star zone of one-way
  // routes, the reverse route of i -> i+1 would be i+1's own outgoing link.)
  engine.set_config("network/crosstraffic:0");

  Platform platform = build_platform(scenario);
  double heap_platform = heap_in_use_bytes();
  double platform_s = seconds_since(phase_start);
  phase_start = std::chrono::steady_clock::now();
  EventLog events(outputs ? dir + "events.csv" : std::string());
  World world(scenario, platform, events);
  TimeseriesWriter timeseries(world, outputs ? dir + "timeseries.csv" : std::string());
  timeseries.set_events(&events);
  UsageRecord usage;
  double heap_world = heap_in_use_bytes();
  double state_s = seconds_since(phase_start);
  double rows_s = 0;
  // Progress in simulated days, on stderr when it is a terminal and the run is not quiet.
  ProgressBar progress("simulated days", scenario.horizon_s / 86400, !options.quiet);
  double end_s = scenario.horizon_s;
  start_actors(
      world, scenario.horizon_s, scenario.output_interval_s,
      [&timeseries, &events, &progress, &end_s, &rows_s](double t) {
        auto rows_start = std::chrono::steady_clock::now();
        timeseries.rows(t);
        rows_s += seconds_since(rows_start);
        progress.update(t / 86400);
        if (timeseries.failed() || events.failed()) return false; // commit() says why
        if (!interrupt_requested) return true;
        end_s = t;
        return false;
      },
      usage);
  phase_start = std::chrono::steady_clock::now();
  engine.run();
  rethrow_actor_failure();
  if (timeseries.failed() || events.failed()) {
    progress.finish();
    timeseries.commit(); // throws the write error
    events.commit();
  }
  double run_s = seconds_since(phase_start);
  double heap_run = heap_in_use_bytes();
  phase_start = std::chrono::steady_clock::now();
  world.finish(end_s);
  progress.finish();
  usage.snapshots.push_back(world.snapshot(end_s));
  usage.marks = world.marks();
  if (outputs && !world.serving().empty()) write_serving_csv(world, dir + "serving.csv");

  double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  auto summary = summarise(scenario, world, usage, dir, wall_s, end_s, run_id);
  timeseries.commit();
  events.commit();
  summary["engine"]["hosts"] = platform.hosts;
  summary["engine"]["links"] = platform.links;
  // Where the wall time went (seconds); `engine` is SimGrid's share of the run: its event
  // queue, actor switches and the effects (hosts on/off, wake-ups) the rules hand it.
  double models_s = world.rules_wall_s();
  summary["engine"]["profile"] = {{"load_s", options.load_s},
                                  {"setup_s", setup_s},
                                  {"platform_s", platform_s},
                                  {"state_s", state_s},
                                  {"models_s", models_s},
                                  {"rows_s", rows_s},
                                  {"engine_s", std::max(0.0, run_s - models_s - rows_s)},
                                  {"report_s", seconds_since(phase_start)}};
  // What the run holds in memory (heap bytes): the SimGrid platform and capsim's own state,
  // each per simulated host (a unit of gpus_per_host GPUs: a server, a rack, a satellite; not a
  // SimGrid host), and what the run added while it ran, per event.
  std::size_t units = 0;
  for (const auto& cluster : world.clusters())
    units += cluster.units;
  summary["engine"]["simulated_hosts"] = units;
  auto hosts = static_cast<double>(std::max<std::size_t>(1, units));
  summary["engine"]["memory"] = {
      {"platform_bytes", heap_platform - heap_0},
      {"platform_bytes_per_host", (heap_platform - heap_0) / hosts},
      {"state_bytes", heap_world - heap_platform},
      {"state_bytes_per_host", (heap_world - heap_platform) / hosts},
      {"run_growth_bytes", heap_run - heap_world},
      {"run_growth_bytes_per_event",
       (heap_run - heap_world) / static_cast<double>(std::max(1LL, world.events()))}};
  if (end_s < scenario.horizon_s) summary["interrupted_at_s"] = end_s;
  if (outputs) {
    write_file_atomically(dir + "summary.json", summary.dump(2) + "\n");
    outputs->publish();
  } else if (options.summary_only == "-") {
    const std::string text = summary.dump(2) + "\n";
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0)
      throw OutputError(std::string("cannot write the summary to stdout: ") + std::strerror(errno));
  } else {
    write_file_atomically(options.summary_only, summary.dump(2) + "\n");
  }
  RunReport report;
  report.interrupted = end_s < scenario.horizon_s;
  report.end_s = end_s;
  if (!options.quiet) report.summary_text = readable_summary(summary, {.verbose = options.verbose});
  report.wall_s = wall_s;
  report.events = world.events();
  if (!options.quiet) fmt::print("{}", report.summary_text);
#if !defined(__SANITIZE_ADDRESS__)
  if (exit_when_written && !report.interrupted) {
    outputs.reset(); // releases the directory's lock and removes its file
    std::fflush(nullptr);
    ::_exit(0);
  }
#endif
  return report;
}

} // namespace capsim
