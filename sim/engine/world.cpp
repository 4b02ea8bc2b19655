#include "sim/engine/world.hpp"

#include "sim/engine/scheduler.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>

#include <fmt/compile.h>
#include <fmt/format.h>

#include "models/failure.hpp"
#include "models/gpu.hpp"
#include "models/radiation.hpp"
#include "models/random.hpp"
#include "models/spacecraft.hpp"
#include "models/training.hpp"
#include "sim/report/event_log.hpp"
#include "sim/report/number_text.hpp"

namespace sg4 = simgrid::s4u;

namespace capsim {

namespace {

std::string sci(double x) {
  return fmt::format(FMT_COMPILE("{:.4g}"), x);
}

} // namespace

World::World(const Scenario& scenario, Platform& platform, EventLog& events,
             std::vector<std::unique_ptr<SiteKindModel>> kinds)
    : scenario_(scenario), platform_(platform), log_(events) {
  sites_.reserve(scenario.sites.size());
  clusters_.reserve(scenario.clusters.size());
  jobs_.reserve(scenario.jobs.size());
  for (std::size_t s = 0; s < scenario.sites.size(); ++s) {
    SiteState site;
    site.spec = &scenario.sites[s];
    site.platform = &platform.sites[s];
    site.transfer_lock = sg4::Mutex::create();
    site.kind = std::move(kinds[s]);
    const SiteSpec& spec = scenario.sites[s];
    site.supply_params = {.grid = {},
                          .turbines = spec.turbines,
                          .policy = spec.turbine_policy,
                          .charge_from = spec.charge_from,
                          .peak_shaving_target_w = spec.peak_shaving_target_w,
                          .arbitrage = spec.arbitrage};
    sites_.push_back(std::move(site));
  }
  for (std::size_t c = 0; c < scenario.clusters.size(); ++c) {
    const ClusterSpec& spec = scenario.clusters[c];
    ClusterState cluster;
    cluster.spec = &spec;
    cluster.index = c;
    cluster.units = static_cast<std::size_t>(spec.total_gpus / spec.gpus_per_host); // ground
    for (auto& site : sites_)
      if (site.spec->name == spec.site) cluster.site = &site;
    double per_host = static_cast<double>(spec.gpus_per_host) / spec.system.gpus;
    cluster.idle_w = spec.system.power_idle_w * per_host;
    cluster.dynamic_w = (spec.system.power_typical_w - spec.system.power_idle_w) * per_host;
    cluster.fabric_tiers = fat_tree_tiers(spec.total_gpus, spec.non_gpu_it.fabric.radix);
    cluster.rng.seed(splitmix64(scenario.seed ^ splitmix64(c + 1)));
    cluster.free_on.reserve(cluster.units);
    cluster.failures_by_cause.assign(std::max<std::size_t>(1, spec.failure_causes.size()), 0);
    cluster.site->kind->plan_arrivals(cluster, scenario);
    clusters_.push_back(std::move(cluster));
  }
  for (auto& cluster : clusters_) {
    cluster.site->clusters.push_back(&cluster);
    if (cluster.site->spec->cooling_capacity_w > 0)
      cluster.site->fixed_heat_capacity_w = cluster.site->spec->cooling_capacity_w;
    else // sized to reject the whole fleet's heat at full power: does not bind
      cluster.site->fixed_heat_capacity_w +=
          static_cast<double>(cluster.units) * (cluster.idle_w + cluster.dynamic_w) +
          non_gpu_it_power(cluster.spec->non_gpu_it, cluster.spec->total_gpus, cluster.fabric_tiers)
              .total_w();
  }
  for (const auto& spec : scenario.jobs) {
    JobState job;
    job.spec = &spec;
    for (auto& cluster : clusters_)
      if (cluster.spec->name == spec.cluster) job.cluster = &cluster;
    job.hosts_needed = static_cast<std::size_t>(spec.gpus / job.cluster->spec->gpus_per_host);
    job.min_hosts = spec.recovery == JobSpec::Recovery::elastic
                        ? static_cast<std::size_t>(spec.min_gpus / job.cluster->spec->gpus_per_host)
                        : job.hosts_needed;
    job.full_rate_flops =
        static_cast<double>(spec.gpus) * job.cluster->spec->gpu.bf16_dense_flops * spec.mfu;
    plan_reduction(job);
    jobs_.push_back(std::move(job));
  }
  for (auto& job : jobs_) { // scenario order = priority order
    job.cluster->jobs.push_back(&job);
    job.cluster->site->jobs.push_back(&job);
  }
  // Scheduling order at each site: priority first (higher first), then the file's order.
  for (auto& site : sites_)
    std::stable_sort(site.jobs.begin(), site.jobs.end(), [](const JobState* a, const JobState* b) {
      return a->spec->priority > b->spec->priority;
    });
  init_serving();
  for (auto& site : sites_)
    site.kind->init(site, scenario, log_);
}

void World::plan_reduction(JobState& job) {
  const JobSpec& spec = *job.spec;
  const ClusterSpec& cluster = *job.cluster->spec;
  // In orbit, the reduction runs on the inter-satellite ring and is measured at the job's first
  // start (job_collective); its ring nodes are satellites rather than servers.
  const bool measured = job.cluster->site->kind->measures_collectives();
  const StepEfficiency efficiency = step_efficiency_for(cluster.gpu.name);
  const bool step_mfu = spec.uses_step_model && spec.mfu_source == "step model";
  if (step_mfu && !measured) {
    // The step model's MFU already holds its DP reduction on this cluster's fabric, overlapped
    // as below; reported, not charged twice.
    job.reduction_in_mfu = true;
    job.collective_s = spec.step.time.dp_comm_total_s;
    job.collective_exposed_s = spec.step.time.dp_comm_s;
    return;
  }
  if (step_mfu) {
    // In orbit: the step without its ground DP reduction, whose overlap and buckets the
    // inter-satellite reduction takes over. A satellite's ISL carries the gradients of the
    // model shards it holds: all of them when a replica fits in a satellite.
    const StepResult& step = spec.step;
    const double compute_s = step.step_time_s - step.time.dp_comm_s;
    job.full_rate_flops = step.model_flop / compute_s;
    const double replica_gpus = static_cast<double>(spec.step_config.tensor) *
                                spec.step_config.pipeline * spec.step_config.context;
    job.reduction = {.compute_s = compute_s,
                     .overlap_s = step.time.dp_overlap_s,
                     .gradient_bytes =
                         2 * spec.parameters *
                         std::min(1.0, std::max(1, cluster.gpus_per_satellite) / replica_gpus),
                     .buckets = std::max(1.0, step.time.dp_buckets)};
    job.ring_members = static_cast<std::size_t>(
        std::ceil(static_cast<double>(spec.gpus) /
                  std::max<double>(replica_gpus, std::max(1, cluster.gpus_per_satellite))));
    return;
  }
  const double flop_per_step =
      spec.uses_step_model ? spec.step.model_flop : 6 * spec.parameters * spec.global_batch_tokens;
  job.reduction = reduction_step(flop_per_step, job.full_rate_flops, spec.parameters,
                                 efficiency.bucket_bytes, spec.microbatches);
  // The ring's nodes: servers on the ground, satellites in orbit. A node holding whole replicas
  // (model-parallel degrees tp x pp x cp within it) reduces them over NVLink first and sends the
  // whole gradient round a ring of nodes; a replica spread over several nodes gives each node its
  // share, and the ring runs over the replicas (one ring per share, in parallel on disjoint
  // links): bytes per node = 2 N min(1, node / replica), ring members = G / max(node, replica).
  // Without a given layout, a replica is the fewest GPUs that hold its weights, gradients and
  // Adam states: 16 bytes per parameter (Rajbhandari et al., ZeRO, SC20) over each GPU's HBM.
  const bool layout_given = spec.parallel.tensor || spec.parallel.pipeline || spec.parallel.context;
  const double replica =
      spec.uses_step_model // the layout the step model chose
          ? static_cast<double>(spec.step_config.tensor) * spec.step_config.pipeline *
                spec.step_config.context
          : layout_given
                ? static_cast<double>(spec.parallel.tensor.value_or(1)) *
                      spec.parallel.pipeline.value_or(1) * spec.parallel.context.value_or(1)
            : cluster.gpu.hbm_bytes > 0
                ? std::max(1.0, std::ceil(16 * spec.parameters / cluster.gpu.hbm_bytes))
                : 1.0;
  const double node = measured ? std::max(1, cluster.gpus_per_satellite) : cluster.system.gpus;
  // Each GPU reduces its shard of the replica's gradients in buckets (the step model's DP).
  job.reduction.buckets =
      std::max(1.0, std::ceil(job.reduction.gradient_bytes / replica / efficiency.bucket_bytes));
  job.reduction.gradient_bytes *= std::min(1.0, node / replica);
  job.ring_members =
      static_cast<std::size_t>(std::ceil(static_cast<double>(spec.gpus) / std::max(node, replica)));
  if (!measured) // in orbit, measured on the inter-satellite ring at the job's first start
    set_reduction(job, ground_reduction_s(
                           job.reduction.gradient_bytes,
                           static_cast<double>(job.ring_members) * node, static_cast<int>(node),
                           cluster.system.scale_out_bytes_per_s_per_gpu, efficiency));
}

void World::set_reduction(JobState& job, double collective_s) {
  job.collective_s = collective_s;
  job.collective_exposed_s =
      exposed_reduction_s(collective_s, job.reduction.overlap_s, job.reduction.buckets);
  const double compute_s = job.reduction.compute_s;
  job.step_efficiency = compute_s > 0 ? compute_s / (compute_s + job.collective_exposed_s) : 1;
}

NonGpuItPower ClusterState::non_gpu_it() const {
  const std::size_t gpus = in_service() * gpus_per_host();
  if (gpus != non_gpu_it_for_) {
    non_gpu_it_ = non_gpu_it_power(spec->non_gpu_it, static_cast<long long>(gpus), fabric_tiers);
    non_gpu_it_for_ = gpus;
  }
  return non_gpu_it_;
}

double World::failure_rate_per_s(const ClusterState& cluster) const {
  return cluster.spec->failure_rate_per_gpu_s *
         static_cast<double>(cluster.in_service() * cluster.gpus_per_host());
}

// ---- accounting ------------------------------------------------------------------------------

void World::advance(SiteState& site, double now) {
  double dt = now - site.last_s;
  if (dt <= 0) return;
  site.it_energy_j += site.it_power_w * dt;
  site.fabric_energy_j += site.non_gpu_it.fabric_w * dt;
  site.storage_energy_j += site.non_gpu_it.storage_w * dt;
  site.other_it_energy_j += site.non_gpu_it.other_w * dt;
  site.facility_energy_j += site.facility_power_w() * dt;
  integrate_supply(site, dt);
  for (ClusterState* c : site.clusters) {
    double gph = static_cast<double>(c->gpus_per_host());
    c->installed_gpu_s += static_cast<double>(c->in_service()) * gph * dt;
    c->available_gpu_s += static_cast<double>(c->in_service() - c->down) * gph * dt;
    site.shed_gpu_s += static_cast<double>(c->free_off.size()) * gph * dt;
    const double busy = static_cast<double>(c->busy - c->serving_dark()); // dark: unpowered
    site.busy_gpu_s += busy * gph * dt;
    c->busy_gpu_s += busy * gph * dt;
    if (site.cap_fraction < 1) site.throttled_gpu_s += busy * gph * dt;
  }
  for (JobState* job : site.jobs)
    advance_job(*job, now);
  if (!serving_.empty()) advance_serving(site, now);
  site.last_s = now;
}

void World::advance_job(JobState& job, double now) {
  double dt = now - job.last_s;
  job.last_s = now;
  if (dt <= 0) return;
  JobState::Losses& loss = job.losses;
  double full_flop = job.full_rate_flops * dt; // what the whole allocation would do, uncapped
  switch (job.phase) {
  case JobPhase::pending:
    return;
  case JobPhase::done: // completed (its window ends there), or ended for want of hosts
    if (job.completion_s < 0) loss.waiting_for_hosts_flop += full_flop;
    return;
  case JobPhase::restarting:
    loss.restarts_flop += full_flop;
    return;
  case JobPhase::waiting:
    if (job.first_start_s < 0 && job.cluster->installed < job.min_hosts)
      job.before_gpus_s += dt;
    else if (job.waiting_for == "power")
      loss.waiting_for_power_flop += full_flop;
    else
      loss.waiting_for_hosts_flop += full_flop;
    return;
  case JobPhase::running:
    break;
  }
  double remaining = job.spec->total_flop - job.net_flop();
  // Never integrate past completion: the job's process wakes exactly then.
  dt = std::min(dt, time_to_compute(job.progress, job.plan, job.rate_flops, remaining));
  AdvanceResult r = capsim::advance(job.progress, job.plan, job.rate_flops, dt);
  job.committed_flop += r.committed_flop;
  // rate = full x perf x step efficiency x replicas: each factor's shortfall is one loss.
  double full = job.full_rate_flops * dt;
  loss.power_caps_flop += full * (1 - job.perf_fraction);
  loss.communication_flop += full * job.perf_fraction * (1 - job.step_efficiency);
  loss.waiting_for_hosts_flop +=
      full * job.perf_fraction * job.step_efficiency * (1 - job.replica_fraction);
  loss.checkpoint_writes_flop += job.rate_flops * dt - r.computed_flop;
}

void World::finish(double horizon_s) {
  for (auto& site : sites_)
    advance(site, horizon_s);
}

UsageSnapshot World::snapshot(double now) const {
  UsageSnapshot s;
  s.time_s = now;
  for (const ClusterState& c : clusters_)
    s.clusters.push_back({.installed_gpus = static_cast<double>(c.in_service() * c.gpus_per_host()),
                          .installed_gpu_s = c.installed_gpu_s,
                          .available_gpu_s = c.available_gpu_s,
                          .busy_gpu_s = c.busy_gpu_s,
                          .failures = c.failures,
                          .lost = c.lost});
  for (const SiteState& site : sites_)
    s.sites.push_back({.it_energy_j = site.it_energy_j,
                       .facility_energy_j = site.facility_energy_j,
                       .energy_cost_usd = site.energy_cost_usd,
                       .shed_gpu_s = site.shed_gpu_s,
                       .throttled_gpu_s = site.throttled_gpu_s,
                       .capex_usd = site.constellation.capex_spent_usd,
                       .loss_replacement_usd = site.constellation.loss_replacement_cost_usd});
  for (const JobState& job : jobs_)
    s.jobs.push_back({.useful_flop = std::min(job.net_flop(), job.spec->total_flop),
                      .completed = job.phase == JobPhase::done,
                      .first_start_s = job.first_start_s,
                      .completion_s = job.completion_s});
  for (const ServingState& serving : serving_)
    s.serving.push_back({.gpu_s = serving.gpu_s,
                         .output_tokens = serving.output_tokens,
                         .prompt_tokens = serving.prompt_tokens});
  return s;
}

// ---- jobs ------------------------------------------------------------------------------------

void World::plan_checkpoints(JobState& job) {
  double mtbf_s = 1 / job_interruption_rate_per_s(job);
  double interval_s = job.spec->checkpoint.interval_s;
  if (interval_s <= 0)
    interval_s =
        std::isfinite(mtbf_s) ? young_interval_s(job.plan.write_s, mtbf_s) : scenario_.horizon_s;
  job.plan.interval_s = interval_s;
}

void World::job_measured(JobState& job, double write_s, double read_s, double now) {
  SiteState& site = *job.cluster->site;
  advance(site, now);
  job.measured = true;
  // An asynchronous checkpoint pauses the job only for the snapshot to host memory; the write
  // (write_s, simulated) overlaps the following compute. Approximation: the checkpoint counts as
  // safe once the snapshot is taken, which is optimistic by the work of one write.
  job.plan.write_s = job.spec->checkpoint.async
                         ? job.spec->checkpoint.size_bytes / static_cast<double>(job.spec->gpus) /
                               job.spec->checkpoint.snapshot_bytes_per_s
                         : write_s;
  job.read_s = read_s;
  job.restart_s = job.spec->checkpoint.restart_overhead_s + read_s;
  plan_checkpoints(job);
  log_.add(now, "checkpoint_plan", site.spec->name, job.cluster->spec->name, job.spec->name,
           fmt::format("write {:.4g} s, read {:.4g} s (simulated transfers of {:.4g} B), "
                       "pause {:.4g} s{}, interval {:.4g} s{}",
                       write_s, read_s, job.spec->checkpoint.size_bytes, job.plan.write_s,
                       job.spec->checkpoint.async ? " (asynchronous: snapshot only)" : "",
                       job.plan.interval_s, job.spec->checkpoint.interval_s > 0 ? "" : " (Young)"));
  if (job.phase == JobPhase::restarting)
    job.ready_at_s = now + job.spec->checkpoint.restart_overhead_s;
  ++events_;
  flush();
}

void World::job_arrives(JobState& job, double now) {
  SiteState& site = *job.cluster->site;
  advance(site, now);
  job.phase = JobPhase::waiting;
  job.waiting_for = "hosts";
  log_.add(now, "job_submitted", site.spec->name, job.cluster->spec->name, job.spec->name,
           fmt::format("{} GPUs, {} FLOP", job.spec->gpus, sci(job.spec->total_flop)));
  ++events_;
  rebalance(site, now);
  flush();
}

void World::job_wakes(JobState& job, double now) {
  SiteState& site = *job.cluster->site;
  advance(site, now);
  constexpr double slack_s = 1e-9;
  if (job.phase == JobPhase::restarting && job.measured && now + slack_s >= job.ready_at_s) {
    start_running(job, now);
    ++events_;
    rebalance(site, now);
  } else if (job.phase == JobPhase::running &&
             job.net_flop() >= job.spec->total_flop * (1 - 1e-12)) {
    job.phase = JobPhase::done;
    job.completion_s = now;
    job.cluster->busy -= job.hosts.size();
    release_hosts(job);
    log_.add(now, "job_complete", site.spec->name, job.cluster->spec->name, job.spec->name,
             fmt::format("{} FLOP done, {} interruptions, {} FLOP lost", sci(job.net_flop()),
                         job.interruptions, sci(job.lost_flop)));
    ++events_;
    rebalance(site, now);
    mark(now);
  }
  flush();
}

void World::mark(double now) {
  for (auto& site : sites_)
    advance(site, now);
  marks_.push_back(snapshot(now));
}

void World::start_running(JobState& job, double now) {
  SiteState& site = *job.cluster->site;
  ClusterState& cluster = *job.cluster;
  // Admission: the site must power the job (and every other job already admitted) at the
  // deepest cap its policy allows. Only a supply drop since admission makes this fail.
  PowerTotals p = power_totals(site);
  if (!fits_in_budget(p.fixed_w, p.reserved_dynamic_w, floor_cap(site), it_budget_w(site))) {
    release_hosts(job);
    job.phase = JobPhase::waiting;
    job.waiting_for = "power";
    log_.add(now, "job_waiting", site.spec->name, cluster.spec->name, job.spec->name,
             "not enough power to run");
    return;
  }
  job.phase = JobPhase::running;
  job.waiting_for = {};
  job.ready_at_s = never;
  job.last_s = now;
  job.progress.cycle_time_s = 0;
  job.progress.uncommitted_flop = 0;
  cluster.busy += job.hosts.size();
  if (job.first_start_s < 0) {
    job.first_start_s = now;
    mark(now);
  }
  log_.addf(now, "job_running", site.spec->name, cluster.spec->name, job.spec->name,
            FMT_COMPILE("{} GPUs"), job.hosts.size() * cluster.gpus_per_host());
}

void World::interrupt(JobState& job, double now, const std::string& cause,
                      const std::string& where) {
  if (job.phase != JobPhase::running && job.phase != JobPhase::restarting) return;
  // Every failure that hits the job interrupts it, while it runs or while it restarts.
  ++job.interruptions;
  ++job.interruptions_by_cause[cause];
  // "CAUSE on WHERE", or "CAUSE" alone: formatted straight into the row (one per failure).
  const std::string_view on = where.empty() ? "" : " on ";
  double lost = job.progress.uncommitted_flop;
  const std::string_view site = job.cluster->site->spec->name;
  if (job.phase == JobPhase::running) {
    job.cluster->busy -= job.hosts.size();
    job.lost_flop += lost;
    job.losses.lost_work_flop[cause] += lost;
    log_.addf(now, "interruption", site, job.cluster->spec->name, job.spec->name,
              FMT_COMPILE("{}{}{}; {} FLOP lost since the last checkpoint"), cause, on, where,
              Rounded{lost, 4});
  } else {
    log_.addf(now, "interruption", site, job.cluster->spec->name, job.spec->name,
              FMT_COMPILE("{}{}{} during restart"), cause, on, where);
  }
  job.progress.uncommitted_flop = 0;
  job.progress.cycle_time_s = 0;
  job.phase = JobPhase::waiting;
  job.waiting_for = "hosts";
  job.ready_at_s = never;
}

void World::release_hosts(JobState& job) {
  ClusterState& cluster = *job.cluster;
  for (UnitId host : job.hosts)
    cluster.free_on.push_back(host);
  cluster.held -= job.hosts.size();
  job.hosts.clear();
}

void World::fill_and_start(JobState& job, double now) {
  ClusterState& cluster = *job.cluster;
  // `wait` takes back only its own repaired hosts once it has started.
  bool from_pool = !(job.spec->recovery == JobSpec::Recovery::wait && !job.awaiting.empty());
  while (from_pool && job.hosts.size() < job.hosts_needed) {
    UnitId host = 0;
    if (!cluster.free_on.empty()) {
      host = cluster.free_on.back();
      cluster.free_on.pop_back();
    } else if (!cluster.free_off.empty()) {
      host = cluster.free_off.back();
      cluster.free_off.pop_back();
    } else {
      break;
    }
    job.hosts.push_back(host);
    ++cluster.held;
  }
  if (job.hosts.size() < job.min_hosts) {
    job.phase = JobPhase::waiting;
    job.waiting_for = "hosts";
    if (!can_gather_minimum(job, now)) end_job(job, now);
    return;
  }
  job.phase = JobPhase::restarting;
  job.waiting_for = {};
  // Until the checkpoint transfers are measured (first start), the job's process holds it here.
  job.ready_at_s = job.measured ? now + job.restart_s : never;
  if (job.wake_at_s > job.ready_at_s || !job.measured) notify(job.wake);
}

// Whether the job can ever hold its minimum again: its hosts, free ones, hosts under repair and
// deliveries still to come (any job of the cluster may compete for them: an upper bound).
bool World::can_gather_minimum(const JobState& job, double now) const {
  const ClusterState& c = *job.cluster;
  std::size_t possible = job.hosts.size() + c.free_on.size() + c.free_off.size() + c.repairs.size();
  for (const auto& a : c.arrivals) // retirements only take away: an upper bound still
    if (a.at_s > now && a.success) possible += static_cast<std::size_t>(a.gpus) / c.gpus_per_host();
  possible += static_cast<std::size_t>(c.gpus_on_order) / c.gpus_per_host(); // spares policy
  for (const ServingState* s : c.serving) // inference jobs give hosts back as demand falls
    possible += s->hosts.size() + s->awaiting.size();
  return possible >= job.min_hosts;
}

// Frees at least `hosts` hosts of job's cluster by stopping lower-priority jobs there, lowest
// first, if that is enough; they go back to waiting and resume from their last checkpoint.
std::size_t World::preempt_for(JobState& job, std::size_t hosts, double now) {
  std::vector<JobState*> victims;
  std::size_t available = 0;
  for (auto it = job.cluster->site->jobs.rbegin(); it != job.cluster->site->jobs.rend(); ++it) {
    JobState* other = *it;
    if (available >= hosts) break;
    if (other == &job || other->cluster != job.cluster || other->hosts.empty() ||
        other->spec->priority >= job.spec->priority)
      continue;
    victims.push_back(other);
    available += other->hosts.size();
  }
  if (available < hosts) return 0;
  std::size_t freed = 0;
  for (JobState* victim : victims) {
    freed += victim->hosts.size();
    interrupt(*victim, now, "preempted", job.spec->name);
    release_hosts(*victim);
    victim->awaiting.clear();
    victim->phase = JobPhase::waiting;
    victim->waiting_for = "hosts";
    log_.add(now, "preemption", job.cluster->site->spec->name, job.cluster->spec->name,
             victim->spec->name,
             fmt::format("stopped for {} (priority {} > {})", job.spec->name, job.spec->priority,
                         victim->spec->priority));
  }
  return freed;
}

void World::end_job(JobState& job, double now) {
  job.end_reason = fmt::format("cannot gather its minimum of {} GPUs again (no spares, no repair)",
                               job.min_hosts * job.cluster->gpus_per_host());
  release_hosts(job);
  job.awaiting.clear();
  job.phase = JobPhase::done;
  log_.add(now, "job_ended", job.cluster->site->spec->name, job.cluster->spec->name, job.spec->name,
           job.end_reason);
  notify(job.wake);
}

void World::set_wake(JobState& job, double at_s) {
  if (at_s < job.wake_at_s) notify(job.wake);
}

// ---- power -----------------------------------------------------------------------------------

World::PowerTotals World::power_totals(const SiteState& site) const {
  PowerTotals p;
  for (ClusterState* c : site.clusters) {
    const std::size_t dark = c->serving_dark(); // inference hosts unpowered (orbit)
    p.fixed_w += static_cast<double>(c->held - dark) * c->idle_w + c->non_gpu_it().total_w();
    p.running_dynamic_w += static_cast<double>(c->busy - dark) * c->dynamic_w;
  }
  p.reserved_dynamic_w = p.running_dynamic_w;
  for (JobState* job : site.jobs)
    if (job->phase == JobPhase::restarting)
      p.reserved_dynamic_w += static_cast<double>(job->hosts.size()) * job->cluster->dynamic_w;
  return p;
}

double World::floor_cap(const SiteState& site) const {
  return deepest_cap(site.spec->power_policy, site.spec->min_cap_fraction);
}

void World::rebalance(SiteState& site, double now) {
  const double budget_w = it_budget_w(site);
  const double floor = floor_cap(site);
  if (!serving_.empty()) light_serving(site); // step 2 darkens what does not fit
  PowerTotals p = admit_waiting(site, budget_w, floor, now);
  p = stop_until_fits(site, p, budget_w, floor, now);
  if (!serving_.empty()) p = darken_serving(site, budget_w, floor, now);
  // 3. Cap, then spare hosts on or off with what is left. Both are set for the jobs that run or
  //    restart: a job's restart (minutes) neither lifts the cap nor powers spare hosts that would
  //    be switched off again when it resumes.
  PowerPolicyInputs policy{.budget_w = budget_w,
                           .fixed_w = p.fixed_w,
                           .reserved_dynamic_w = p.reserved_dynamic_w,
                           .deepest_cap = floor,
                           .spare = {}};
  for (ClusterState* c : site.clusters)
    policy.spare.push_back({.idle_w = c->idle_w, .count = c->free_on.size() + c->free_off.size()});
  const PowerDecision decision = decide_power(policy);
  switch_spares(site, {decision.on.data(), decision.on.size()}, now);
  set_it_power(site, p.running_dynamic_w * decision.cap);
  apply_cap(site, decision.cap, now);
  if (!serving_.empty()) refresh_serving(site, now);
  dispatch_supply(site, now);
}

// 1. Admit waiting jobs, in priority order, that have hosts and fit at the deepest cap together
//    with every job already running or restarting. Returns the site's power totals after it:
//    summed again only when a job waited (most rebalances find none).
World::PowerTotals World::admit_waiting(SiteState& site, double budget_w, double floor,
                                        double now) {
  PowerTotals p = power_totals(site);
  bool any_waiting = false;
  for (JobState* job : site.jobs) {
    if (job->phase != JobPhase::waiting) continue;
    any_waiting = true;
    ClusterState* c = job->cluster;
    std::size_t free = c->free_on.size() + c->free_off.size();
    if (job->spec->recovery == JobSpec::Recovery::wait && !job->awaiting.empty()) free = 0;
    if (job->hosts.size() + free < job->min_hosts &&
        !(job->spec->recovery == JobSpec::Recovery::wait && !job->awaiting.empty()))
      free += preempt_for(*job, job->min_hosts - job->hosts.size() - free, now);
    std::size_t missing = std::min(job->hosts_needed - job->hosts.size(), free);
    if (job->hosts.size() + missing < job->min_hosts) continue;
    double extra_fixed = static_cast<double>(missing) * c->idle_w;
    double extra_dynamic = static_cast<double>(job->hosts_needed) * c->dynamic_w;
    if (!fits_in_budget(p.fixed_w + extra_fixed, p.reserved_dynamic_w + extra_dynamic, floor,
                        budget_w))
      continue;
    fill_and_start(*job, now);
    p.fixed_w += extra_fixed;
    p.reserved_dynamic_w += extra_dynamic;
    log_.add(now, "job_restarting", site.spec->name, c->spec->name, job->spec->name,
             job->measured ? fmt::format("ready in {:.4g} s", job->restart_s)
                           : std::string("measuring checkpoint transfers"));
  }
  return any_waiting ? power_totals(site) : p;
}

// 2. Stop the lowest-priority jobs holding hosts while the rest does not fit; `p`: the site's
//    power totals now. Returns them after it.
World::PowerTotals World::stop_until_fits(SiteState& site, PowerTotals p, double budget_w,
                                          double floor, double now) {
  while (!fits_in_budget(p.fixed_w, p.running_dynamic_w, floor, budget_w)) {
    JobState* victim = nullptr;
    for (JobState* job : site.jobs)
      if (!job->hosts.empty()) victim = job;
    if (!victim) break;
    interrupt(*victim, now, "power shortfall");
    release_hosts(*victim);
    victim->phase = JobPhase::waiting;
    victim->waiting_for = "power";
    p = power_totals(site);
  }
  return p;
}

// Spare hosts on or off, cluster by cluster, to the policy's counts; logs the change.
void World::switch_spares(SiteState& site, std::span<const std::size_t> want_on, double now) {
  std::size_t turned_off = 0, turned_on = 0;
  for (std::size_t i = 0; i < site.clusters.size(); ++i) {
    ClusterState* c = site.clusters[i];
    while (c->free_on.size() > want_on[i]) {
      c->free_off.push_back(c->free_on.back());
      c->free_on.pop_back();
      ++turned_off;
    }
    while (c->free_on.size() < want_on[i] && !c->free_off.empty()) {
      c->free_on.push_back(c->free_off.back());
      c->free_off.pop_back();
      ++turned_on;
    }
  }
  if (turned_off == 0 && turned_on == 0) return;
  std::size_t shed_gpus = 0;
  for (ClusterState* c : site.clusters)
    shed_gpus += c->free_off.size() * c->gpus_per_host();
  log_.addf(now, turned_off > 0 ? "shed" : "unshed", site.spec->name, "", "",
            FMT_COMPILE("{} spare hosts switched {}; {} GPUs shed at the site"),
            turned_off + turned_on, turned_off > 0 ? "off" : "on", shed_gpus);
}

// The site's IT power: the running jobs' capped dynamic power, every powered host's idle power,
// and what lies outside the servers (fabric, storage, other).
void World::set_it_power(SiteState& site, double capped_dynamic_w) {
  double it_power_w = capped_dynamic_w;
  NonGpuItPower non_gpu;
  for (ClusterState* c : site.clusters) {
    it_power_w += static_cast<double>(c->held - c->serving_dark() + c->free_on.size()) * c->idle_w;
    const NonGpuItPower n = c->non_gpu_it();
    non_gpu.fabric_w += n.fabric_w;
    non_gpu.storage_w += n.storage_w;
    non_gpu.other_w += n.other_w;
    non_gpu.switches += n.switches;
  }
  site.non_gpu_it = non_gpu;
  site.it_power_w = it_power_w + non_gpu.total_w();
  site.peak_facility_w = std::max(site.peak_facility_w, site.facility_power_w());
  site.limit = site.heat_capacity_w < site.available_supply_w() / site.pue ? "cooling" : "power";
}

// The GPUs' power cap: logged when it starts or ends; each running job's speed at it.
void World::apply_cap(SiteState& site, double cap, double now) {
  if (cap != site.cap_fraction) {
    if (cap < 1 && site.cap_fraction >= 1)
      log_.add(now, "throttle_start", site.spec->name, "", "",
               fmt::format("GPU power cap {:.3f} of TDP ({} limit)", cap, site.limit));
    else if (cap >= 1 && site.cap_fraction < 1)
      log_.add(now, "throttle_end", site.spec->name, "", "", "GPU power cap lifted");
    site.cap_fraction = cap;
  }
  for (ClusterState* c : site.clusters) {
    if (cap != c->perf_cap) { // the cap changes far less often than rebalances run
      c->perf_cap = cap;
      c->perf_at_cap = perf_fraction_at_cap(c->spec->gpu.power_cap, cap);
    }
    const double perf = c->perf_at_cap;
    for (JobState* job : c->jobs) {
      if (job->phase != JobPhase::running) continue;
      job->perf_fraction = perf;
      job->replica_fraction = static_cast<double>(job->hosts.size()) /
                              static_cast<double>(job->hosts_needed); // < 1 only when elastic
      job->rate_flops = job->full_rate_flops * perf * job->step_efficiency * job->replica_fraction;
      double remaining = job->spec->total_flop - job->net_flop();
      set_wake(*job, now + time_to_compute(job->progress, job->plan, job->rate_flops, remaining));
    }
  }
}

// ---- fleet -----------------------------------------------------------------------------------

void World::arrival(ClusterState& cluster, const ClusterState::Arrival& a, double now) {
  SiteState& site = *cluster.site;
  if (a.kind == ClusterState::Arrival::Kind::delivery) {
    deliver(cluster, a.gpus, now);
    return;
  }
  if (a.kind == ClusterState::Arrival::Kind::retirement) {
    retire(cluster, a, now);
    return;
  }
  advance(site, now);
  const bool replacement = a.kind == ClusterState::Arrival::Kind::replacement_launch;
  const char* what = replacement ? "replacement_launch" : "launch";
  ++site.constellation.launches;
  if (replacement) {
    ++site.constellation.replacement_launches;
    site.constellation.replacement_cost_usd += a.cost_usd;
  }
  site.constellation.capex_spent_usd += a.cost_usd;
  if (a.kind == ClusterState::Arrival::Kind::launch) --cluster.planned_launches_left;
  if (!a.success) {
    ++site.constellation.launch_failures;
    log_.add(now, replacement ? "replacement_launch_failure" : "launch_failure", site.spec->name,
             cluster.spec->name, "",
             fmt::format("{} satellites lost; {:.4g} USD", a.satellites, a.cost_usd));
    ++events_;
    return;
  }
  // Each satellite brings its battery, charged.
  const SatelliteBudget& b = site.spec->satellite;
  site.constellation.satellites_in_orbit += a.satellites;
  assert(static_cast<std::size_t>(a.cohort) == site.constellation.cohorts.size());
  site.constellation.cohorts.emplace_back(now, a.satellites);
  size_satellite_batteries(site);
  site.battery.energy_j += static_cast<double>(a.satellites) * b.battery_energy_j;
  refresh_conditions(site, now);
  log_.add(now, what, site.spec->name, cluster.spec->name, "",
           fmt::format("{} satellites; {:.4g} USD; {} GPUs in orbit", a.satellites, a.cost_usd,
                       gpus_in_orbit(cluster) + static_cast<long long>(a.satellites) *
                                                    cluster.spec->gpus_per_satellite));
  deliver(cluster, a.gpus, now);
  // The deployment has flown: what it lost meanwhile is ordered now (spares policy).
  if (a.kind == ClusterState::Arrival::Kind::launch && cluster.planned_launches_left == 0)
    order_replacements(cluster, now, true);
}

void World::size_satellite_batteries(SiteState& site) {
  const SatelliteBudget& b = site.spec->satellite;
  const double n = site.constellation.satellites_in_orbit;
  site.battery_params.capacity_j = n * b.battery_energy_j;
  site.battery_params.max_discharge_power_w = discharge_rating_for_load_w(n * b.load_power_w);
  site.battery_params.max_charge_power_w = n * b.array_power_bol_w;
}

void World::retire(ClusterState& cluster, const ClusterState::Arrival& a, double now) {
  SiteState& site = *cluster.site;
  advance(site, now);
  const std::size_t u = cluster.units_per_satellite;
  const std::size_t first = static_cast<std::size_t>(a.first_satellite) * u;
  const std::size_t last = first + static_cast<std::size_t>(a.satellites) * u;
  auto retiring = [&](UnitId unit) { return unit >= first && unit < last; };
  // Every delivered host is free (on or off), held by a job, or down (under repair or lost):
  // take the retiring ones out of each. O(fleet) once per retiring cohort.
  auto drop = [&](std::vector<UnitId>& list) {
    const std::size_t before = list.size();
    std::erase_if(list, retiring);
    return before - list.size();
  };
  std::size_t taken = drop(cluster.free_on) + drop(cluster.free_off);
  std::vector<JobState*> hit;
  for (JobState* job : cluster.jobs) {
    drop(job->awaiting); // their repairs are dropped below
    if (std::none_of(job->hosts.begin(), job->hosts.end(), retiring)) continue;
    interrupt(
        *job, now, "end_of_life",
        fmt::format("satellites {}-{}", a.first_satellite, a.first_satellite + a.satellites - 1));
    const std::size_t n = drop(job->hosts);
    cluster.held -= n;
    taken += n;
    hit.push_back(job);
  }
  if (!cluster.serving.empty()) taken += serving_retire(cluster, retiring, now);
  std::erase_if(cluster.repairs, [&](const auto& r) { return retiring(r.second); });
  const std::size_t down = static_cast<std::size_t>(a.satellites) * u - taken;
  assert(down <= cluster.down);
  cluster.down -= down;
  cluster.retired += static_cast<std::size_t>(a.satellites) * u;
  for (int k = 0; k < a.satellites; ++k)
    cluster.satellite_gpus[static_cast<std::size_t>(a.first_satellite + k)] = 0;
  ++cluster.installed_version;
  // The site loses their arrays, batteries (their share of the charge) and radiators.
  const double before = site.constellation.satellites_in_orbit;
  site.constellation.satellites_in_orbit -= a.satellites;
  site.constellation.satellites_retired += a.satellites;
  site.constellation.cohorts[static_cast<std::size_t>(a.cohort)].second -= a.satellites;
  double n = site.constellation.satellites_in_orbit;
  site.battery.energy_j *= before > 0 ? n / before : 0;
  size_satellite_batteries(site);
  log_.add(now, "end_of_life", site.spec->name, cluster.spec->name, "",
           fmt::format("{} satellites retired ({} lost GPUs among them); {} GPUs in orbit",
                       a.satellites, down * cluster.gpus_per_host(), gpus_in_orbit(cluster)));
  ++events_;
  refresh_conditions(site, now);
  for (JobState* job : hit)
    if (job->phase == JobPhase::waiting) fill_and_start(*job, now);
  notify_fleet_changed(cluster);
  order_replacements(cluster, now, false);
  rebalance(site, now);
  flush();
}

void World::order_replacements(ClusterState& cluster, double now, bool for_losses) {
  const SiteSpec& site = *cluster.site->spec;
  if (!cluster.site->kind->orders_replacements(*cluster.site) || cluster.planned_launches_left > 0)
    return;
  const LaunchParams& launch = site.orbital.launch;
  const double mass_kg = site.satellite.total_mass_kg;
  const int per_launch = satellites_per_launch(launch, mass_kg);
  const int gpus = cluster.spec->gpus_per_satellite;
  int missing = spares_to_order(cluster.spec->satellites, site.orbital.spares, gpus,
                                gpus_in_orbit(cluster), cluster.gpus_on_order);
  for (int j = 1; missing > 0 && per_launch > 0; ++j) {
    const int carried = std::min(per_launch, missing);
    const Launch l =
        fly_launch(launch, mass_kg, carried, now + j * launch.interval_s, cluster.launch_rng);
    cluster.ordered.emplace(
        l.time_s,
        ClusterState::Arrival{.kind = ClusterState::Arrival::Kind::replacement_launch,
                              .at_s = l.time_s,
                              .gpus = l.success ? static_cast<long long>(carried) * gpus : 0,
                              .success = l.success,
                              .cost_usd = l.cost_usd + carried * site.satellite.platform_cost_usd,
                              .satellites = carried,
                              .for_losses = for_losses});
    cluster.gpus_on_order += static_cast<long long>(carried) * gpus;
    missing -= carried;
    log_.add(now, "replacement_ordered", site.name, cluster.spec->name, "",
             fmt::format("{} satellites to fly at {:.6g} s ({}); {} GPUs in orbit", carried,
                         l.time_s, for_losses ? "for GPUs lost" : "for satellites retired",
                         gpus_in_orbit(cluster)));
    ++events_;
  }
  notify(cluster.order_wake);
}

void World::ordered_event(ClusterState& cluster, double now) {
  auto first = cluster.ordered.begin();
  ClusterState::Arrival a = first->second;
  cluster.ordered.erase(first);
  if (a.kind == ClusterState::Arrival::Kind::retirement) {
    retire(cluster, a, now);
    return;
  }
  SiteState& site = *cluster.site;
  const int gpus = cluster.spec->gpus_per_satellite;
  cluster.gpus_on_order -= static_cast<long long>(a.satellites) * gpus;
  if (a.success) { // its satellites get the next numbers and hosts
    a.first_satellite = static_cast<int>(cluster.satellite_gpus.size());
    a.cohort = static_cast<int>(site.constellation.cohorts.size());
    cluster.satellite_gpus.resize(
        cluster.satellite_gpus.size() + static_cast<std::size_t>(a.satellites), gpus);
    cluster.units += static_cast<std::size_t>(a.satellites) * cluster.units_per_satellite;
    if (now + cluster.satellite_life_s <= scenario_.horizon_s)
      cluster.ordered.emplace(now + cluster.satellite_life_s,
                              ClusterState::Arrival{.kind = ClusterState::Arrival::Kind::retirement,
                                                    .at_s = now + cluster.satellite_life_s,
                                                    .gpus = 0,
                                                    .success = true,
                                                    .cost_usd = 0,
                                                    .satellites = a.satellites,
                                                    .first_satellite = a.first_satellite,
                                                    .cohort = a.cohort});
  }
  if (a.for_losses) {
    ++site.constellation.loss_replacement_launches;
    site.constellation.loss_replacement_cost_usd += a.cost_usd;
  }
  arrival(cluster, a, now);
  if (!a.success) { // ordered again, for the same reason
    order_replacements(cluster, now, a.for_losses);
    flush();
  }
}

long long World::gpus_in_orbit(const ClusterState& cluster) const {
  long long gpus = 0;
  for (int g : cluster.satellite_gpus)
    gpus += g;
  // Satellites not yet launched are counted in satellite_gpus at full strength: leave them out.
  const auto launched = static_cast<long long>(
      cluster.installed / std::max<std::size_t>(1, cluster.units_per_satellite));
  long long not_yet = 0;
  for (std::size_t k = static_cast<std::size_t>(launched); k < cluster.satellite_gpus.size(); ++k)
    not_yet += cluster.satellite_gpus[k];
  return gpus - not_yet;
}

std::string ClusterState::unit_name(UnitId unit) const {
  return site->kind->unit_name(*this, unit);
}

void World::deliver(ClusterState& cluster, long long gpus, double now) {
  SiteState& site = *cluster.site;
  advance(site, now);
  auto hosts = static_cast<std::size_t>(gpus) / cluster.gpus_per_host();
  for (std::size_t i = 0; i < hosts; ++i) {
    cluster.free_on.push_back(static_cast<UnitId>(cluster.installed + i));
  }
  cluster.installed += hosts;
  ++cluster.installed_version;
  notify_fleet_changed(cluster);
  log_.add(now, "delivery", site.spec->name, cluster.spec->name, "",
           fmt::format("{} GPUs ({} hosts); {} installed", gpus, hosts,
                       cluster.installed * cluster.gpus_per_host()));
  ++events_;
  rebalance(site, now);
  flush();
}

void World::failure_candidate(ClusterState& cluster, double now) {
  // Candidates arrive at rate lambda x installed GPUs; one that lands on a failed or switched-off
  // host is discarded (thinning), which leaves exactly rate lambda x powered GPUs.
  std::size_t u = uniform_index(cluster.rng, cluster.in_service());
  if (u < cluster.down + cluster.free_off.size()) return;
  u -= cluster.down + cluster.free_off.size();
  // Which cause: in proportion to the causes' rates (no draw when there is one cause, so that a
  // single-rate scenario's random stream does not depend on this feature).
  const auto& causes = cluster.spec->failure_causes;
  std::size_t cause = causes.size() > 1 ? pick_failure_cause(causes, uniform01(cluster.rng)) : 0;
  static const std::string unnamed_cause = "failure";
  const std::string& cause_name = causes.empty() ? unnamed_cause : causes[cause].name;
  if (!causes.empty() && causes[cause].kind == FailureKind::transient) {
    transient_hit(cluster, u, cause_name, now);
    return;
  }
  if (cause < cluster.failures_by_cause.size()) ++cluster.failures_by_cause[cause];
  SiteState& site = *cluster.site;
  advance(site, now);
  UnitId host = 0;
  std::string unit; // its name, made once for the interruption's row and the failure's
  JobState* hit = nullptr;
  ServingState* serving_hit = nullptr;
  if (u < cluster.free_on.size()) {
    host = cluster.free_on[u];
    cluster.free_on[u] = cluster.free_on.back();
    cluster.free_on.pop_back();
  } else {
    u -= cluster.free_on.size();
    for (JobState* job : cluster.jobs) {
      if (u < job->hosts.size()) {
        hit = job;
        break;
      }
      u -= job->hosts.size();
    }
    if (hit) {
      host = hit->hosts[u];
      unit = cluster.unit_name(host);
      interrupt(*hit, now, cause_name, unit);
      hit->hosts[u] = hit->hosts.back();
      hit->hosts.pop_back();
      --cluster.held;
    } else { // past the training jobs' hosts: an inference job's
      serving_hit = serving_host_failed(cluster, u, host, now);
      assert(serving_hit && "failure candidate outside the fleet");
    }
  }
  if (!hit) unit = cluster.unit_name(host);
  ++cluster.down;
  ++cluster.failures;
  const bool permanent = !std::isfinite(cluster.spec->repair_time_s) ||
                         (cluster.spec->permanent_fraction > 0 &&
                          uniform01(cluster.rng) < cluster.spec->permanent_fraction);
  host_down(cluster, host, unit, cause_name, hit, permanent, now);
  ++events_;
  if (hit && hit->spec->recovery == JobSpec::Recovery::wait && !permanent)
    hit->awaiting.push_back(host);
  if (serving_hit && !permanent) serving_hit->awaiting.push_back(host); // down until repaired
  if (hit) fill_and_start(*hit, now); // a spare, fewer replicas, or wait, as its policy says
  rebalance(site, now);
  flush();
}

// A failed host leaves service: lost for good (in orbit its satellite flies on without it, and
// a replacement may be ordered) or queued for repair; its failure row either way.
void World::host_down(ClusterState& cluster, UnitId host, const std::string& unit,
                      const std::string& cause_name, const JobState* hit, bool permanent,
                      double now) {
  const SiteState& site = *cluster.site;
  const std::string_view job_name = hit ? std::string_view(hit->spec->name) : std::string_view();
  if (!permanent) {
    cluster.repairs.emplace_back(now + cluster.spec->repair_time_s, host);
    log_.addf(now, "failure", site.spec->name, cluster.spec->name, job_name,
              FMT_COMPILE("{}: {} ({} GPUs) down; repair due at {} s"), cause_name, unit,
              cluster.gpus_per_host(), Rounded{now + cluster.spec->repair_time_s, 6});
    return;
  }
  ++cluster.lost;
  if (cluster.satellite_gpus.empty()) {
    log_.addf(now, "failure", site.spec->name, cluster.spec->name, job_name,
              FMT_COMPILE("{}: {} ({} GPUs) lost for good"), cause_name, unit,
              cluster.gpus_per_host());
    return;
  }
  int& left = cluster.satellite_gpus[host / cluster.units_per_satellite];
  left -= static_cast<int>(cluster.gpus_per_host());
  log_.add(now, "failure", site.spec->name, cluster.spec->name, job_name,
           fmt::format("{}: {} ({} GPUs) lost for good; its satellite flies on with {} GPUs",
                       cause_name, unit, cluster.gpus_per_host(), left));
  order_replacements(cluster, now, true);
}

void World::repair_due(ClusterState& cluster, double now) {
  SiteState& site = *cluster.site;
  advance(site, now);
  auto [due_s, host] = cluster.repairs.front();
  cluster.repairs.pop_front();
  --cluster.down;
  ++cluster.repairs_done;
  JobState* owner = nullptr;
  for (JobState* job : cluster.jobs)
    for (auto it = job->awaiting.begin(); it != job->awaiting.end(); ++it)
      if (*it == host) {
        owner = job;
        job->awaiting.erase(it);
        break;
      }
  if (owner) {
    owner->hosts.push_back(host);
    ++cluster.held;
    if (owner->phase == JobPhase::waiting && owner->awaiting.empty()) fill_and_start(*owner, now);
  } else if (!serving_host_repaired(cluster, host)) {
    cluster.free_on.push_back(host);
  }
  log_.addf(now, "repair", site.spec->name, cluster.spec->name, "",
            FMT_COMPILE("{} back in service"), cluster.unit_name(host));
  ++events_;
  rebalance(site, now);
  flush();
}

void World::transient_hit(ClusterState& cluster, std::size_t on_index, const std::string& cause,
                          double now) {
  // A transient error in a running or restarting job's host interrupts the job, which restarts
  // on the same hosts; on a spare host, or a job waiting for hosts, a reset clears it.
  if (on_index < cluster.free_on.size()) return;
  on_index -= cluster.free_on.size();
  for (JobState* job : cluster.jobs) {
    if (on_index >= job->hosts.size()) {
      on_index -= job->hosts.size();
      continue;
    }
    if (job->phase != JobPhase::running && job->phase != JobPhase::restarting) return;
    SiteState& site = *cluster.site;
    advance(site, now);
    interrupt(*job, now, cause, cluster.unit_name(job->hosts[on_index]));
    fill_and_start(*job, now);
    ++events_;
    rebalance(site, now);
    flush();
    return;
  }
}

double World::job_interruption_rate_per_s(const JobState& job) const {
  double per_gpu_s = job.cluster->spec->failure_rate_per_gpu_s;
  const SiteState& site = *job.cluster->site;
  per_gpu_s += site.kind->radiation_rate_per_gpu_s(site);
  return per_gpu_s * static_cast<double>(job.spec->gpus);
}

double World::radiation_rate_per_s(const ClusterState& cluster) const {
  const SiteState& site = *cluster.site;
  return site.kind->radiation_rate_per_gpu_s(site) *
         static_cast<double>(cluster.in_service() * cluster.gpus_per_host());
}

void World::radiation_event(ClusterState& cluster, double now) {
  SiteState& site = *cluster.site;
  const RadiationParams& p = site.spec->orbital.radiation;
  // Which effect: in proportion to their rates.
  const RadiationEffect effect = pick_radiation_effect(p, uniform01(cluster.rng));
  ++site.constellation.radiation_events[effect];
  // Which GPU: uniform over installed hosts; only a powered one can be hit.
  std::size_t host = uniform_index(cluster.rng, cluster.in_service());
  std::size_t off = cluster.down + cluster.free_off.size();
  if (host < off) return;
  // The causes' names, made once: one radiation event can happen every few seconds.
  static const auto causes = [] {
    std::array<std::string, radiation_effect_count> names;
    for (std::size_t e = 0; e < radiation_effect_count; ++e)
      names[e] = fmt::format("radiation_{}", radiation_effects[e].name);
    return names;
  }();
  transient_hit(cluster, host - off, causes[effect], now);
}

void World::job_collective(JobState& job, double collective_s) {
  // Measured on the inter-satellite ring (SimGrid flows); overlapped as on the ground.
  set_reduction(job, collective_s);
}

void World::downlink_done(SiteState& site, double bytes, bool ok, double now) {
  if (ok) {
    ++site.constellation.downlinks;
    site.constellation.downlinked_bytes += bytes;
  } else {
    ++site.constellation.downlink_failures;
  }
  log_.add(now, ok ? "downlink" : "downlink_interrupted", site.spec->name, "", "",
           fmt::format(FMT_COMPILE("{} B of checkpoint to the ground"), Rounded{bytes, 4}));
}

double World::draw_exponential(ClusterState& cluster) {
  return exponential(cluster.rng, 1.0);
}

// ---- effects ---------------------------------------------------------------------------------
// Rules queue their wake-ups and flush them once the World's state is whole again, in the order
// they were made: a woken process runs after those already due at the same time
// (sim/engine/scheduler.hpp).

void World::notify(Wake& wake) {
  effects_.push_back(&wake);
}

// Both processes draw from the cluster's generator when woken, so the order they wake in is part
// of the result: the one that went to sleep first wakes first.
void World::notify_fleet_changed(ClusterState& cluster) {
  Wake* first = &cluster.failure_wake;
  Wake* second = &cluster.radiation_wake;
  if (second->slept_at < first->slept_at) std::swap(first, second);
  notify(*first);
  notify(*second);
}

void World::stop() {
  stopping_ = true; // the dispatcher runs no process after this (sim/engine/scheduler.hpp)
}

void World::flush() {
  rule_ends(); // what follows is the engine's work
  while (!effects_.empty()) {
    Wake* wake = effects_.front();
    effects_.pop_front();
    if (!wake->asleep) continue; // awake: it looks at the state before it sleeps again
    wake->asleep = false;
    wake->scheduler->wake(*wake);
  }
}

} // namespace capsim
