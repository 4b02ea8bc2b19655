// The summary's account of the simulated world at the end of a run: its sites, clusters, jobs
// and inference jobs (summary.json's "sites", "clusters", "jobs", "inference"; the output
// contract is docs/output-contract.md). Finance and the engine's own measurements are added by
// the run (sim/run/run.cpp).
#include "sim/engine/summary.hpp"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "models/checkpoint.hpp"
#include "models/failure.hpp"
#include "sim/engine/serving_report.hpp"
#include "sim/engine/world.hpp"

namespace capsim {

namespace {

using json = nlohmann::ordered_json;

std::string job_state_name(const JobState& job) {
  switch (job.phase) {
  case JobPhase::pending:
    return "not started";
  case JobPhase::waiting:
    return "waiting for " + std::string(job.waiting_for);
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

json site_summary(const SiteState& site, const World& world, const Scenario& scenario) {
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
  s["mean_pue"] = site.it_energy_j > 0 ? site.facility_energy_j / site.it_energy_j : site.spec->pue;
  s["throttled_fraction"] = available_gpu_s > 0 ? site.throttled_gpu_s / available_gpu_s : 0.0;
  s["shed_gpu_hours"] = site.shed_gpu_s / 3600;
  s["busy_gpu_hours"] = site.busy_gpu_s / 3600;
  s["capex_usd"] = site.spec->capex_usd + site.constellation.capex_spent_usd;
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
  return s;
}

json cluster_summary(const ClusterState& c) {
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
  return j;
}

// A job's entry, and its ideal and done work for its site's goodput.
struct JobWork {
  double ideal_flop = 0;
  double done_flop = 0;
};

json job_summary(const JobState& job, const World& world, double covered_s, JobWork& work) {
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
                     {"recompute", to_string(c.recompute)},
                     {"offload_layers", c.offload_layers},
                     {"fp8_param_gather", c.fp8_param_gather}};
    // Present only when set (no bundled scenario sets them, so their summaries are unchanged).
    if (c.bf16_optimizer) j["parallel"]["bf16_optimizer"] = true;
    if (c.cp_comm != CpComm::ring) j["parallel"]["cp_comm"] = to_string(c.cp_comm);
    j["memory_per_gpu_bytes"] = spec.step.memory.total_bytes;
    j["step_model_step_time_s"] = spec.step.step_time_s;
  }
  double flop_per_step =
      spec.uses_step_model ? spec.step.model_flop : 6 * spec.parameters * spec.global_batch_tokens;
  // Compute plus the data-parallel reduction's exposed part (already inside the MFU when the
  // step model gives it on the ground).
  j["step_time_s"] =
      flop_per_step / job.full_rate_flops + (job.reduction_in_mfu ? 0.0 : job.collective_exposed_s);
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
  work = {.ideal_flop = ideal_flop, .done_flop = flop_done};
  return j;
}

// Who used the clusters' GPU-hours: inference jobs' hosts and training jobs' hosts.
void add_serving(json& out, World& world, double covered_s) {
  out["inference"] = serving_summary(world, covered_s);
  for (std::size_t c = 0; c < world.clusters().size(); ++c) {
    const ClusterState& cluster = world.clusters()[c];
    double serving_gpu_s = 0;
    for (const ServingState* s : cluster.serving)
      serving_gpu_s += s->gpu_s;
    out["clusters"][c]["gpu_hours_serving"] = serving_gpu_s / 3600;
    out["clusters"][c]["gpu_hours_training"] = cluster.training_held_gpu_s / 3600;
  }
}

} // namespace

void add_world_summary(nlohmann::ordered_json& out, const Scenario& scenario, World& world,
                       double covered_s) {
  json sites = json::array();
  for (const SiteState& site : world.sites())
    sites.push_back(site_summary(site, world, scenario));
  out["sites"] = sites;
  json clusters = json::array();
  for (const ClusterState& c : world.clusters())
    clusters.push_back(cluster_summary(c));
  out["clusters"] = clusters;
  // Each site's goodput and its split: its jobs' together, weighted by their ideal work.
  const std::size_t n_sites = world.sites().size();
  std::vector<double> site_ideal_flop(n_sites, 0.0), site_done_flop(n_sites, 0.0);
  std::vector<json> site_loss(n_sites, json::object());
  json jobs = json::array();
  for (const JobState& job : world.jobs()) {
    JobWork work;
    json j = job_summary(job, world, covered_s, work);
    const auto site = static_cast<std::size_t>(job.cluster->site - world.sites().data());
    site_ideal_flop[site] += work.ideal_flop;
    add_weighted(site_loss[site], j["goodput_loss"], work.ideal_flop);
    site_done_flop[site] += work.ideal_flop > 0 ? work.done_flop : 0.0;
    jobs.push_back(std::move(j));
  }
  out["jobs"] = jobs;
  if (!world.serving().empty()) add_serving(out, world, covered_s);
  for (std::size_t i = 0; i < n_sites; ++i) {
    const double ideal = site_ideal_flop[i];
    out["sites"][i]["goodput_fraction"] =
        ideal > 0 ? json(site_done_flop[i] / ideal) : json(nullptr);
    add_weighted(site_loss[i], json::object(), 0); // an object even with no job
    out["sites"][i]["goodput_loss"] = scaled_loss(site_loss[i], ideal > 0 ? 1 / ideal : 0.0);
  }
}

} // namespace capsim
