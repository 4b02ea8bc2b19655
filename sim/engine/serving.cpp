// Inference jobs on the shared clock: the World's rules for serving (see serving_state.hpp).
//
// Hosts: an inference job holds whole hosts of its cluster (a replica spans hosts_per_replica
// hosts, or a host holds replicas_per_host replicas). Its hosts count as allocated and busy, so
// the site's power, caps and shedding see them as they see training hosts. It has priority over
// the cluster's training jobs: at a demand step that needs more hosts than are free, it stops
// training jobs, lowest priority first (the preemption path: each loses its work since its last
// checkpoint and waits); training jobs backfill the hosts it leaves free (the site's rebalance
// admits them as soon as hosts are free).
// Failures: a failed host takes its replica out until its repair (the host comes back to the
// job); the other replicas take the load, or it queues, or beyond their capacity it is unmet.
// Power: the site's GPU power cap slows every replica by the GPU's power-cap curve (decode and
// prefill alike: a conservative reading for memory-bound decode).
// Scaling: fixed N replicas, or autoscaled at each demand step to the fewest replicas that meet
// the latency targets at the step's demand (models/serving_queue.hpp replicas_needed), within
// [min, max]; new replicas serve after the scale-up delay (GPUs held meanwhile, loading weights);
// scaling down is immediate.
// Orbit (an inference job on an orbital site's cluster): replicas run on the satellites in
// orbit, so launches bound them (a launch's hosts join at the next demand step), failures and
// end-of-life retirements take them out, as for training. Power: once the site's training jobs
// are stopped, what the arrays and battery still cannot carry at the deepest cap is taken from
// the replicas: their hosts go dark (no power, no service; in eclipse with the battery at its
// floor, every one), and come back through the scale-up delay, since a powered-off GPU has lost
// the weights in its HBM. Users: a request reaches the cluster only during a ground-station pass
// (the site's contact windows, the union over its stations); outside one, the demand is unmet
// (an interactive request cannot wait tens of minutes for the next pass), counted apart. During a
// pass every request pays the network round trip of InferenceSpec::network_rtt_s (the users' hop
// to the station, the longest slant range of a pass, one inter-satellite hop) on its TTFT. TPOT
// is left alone: the same delay shifts every streamed token, and a token's few bytes are far
// below the downlink's bandwidth. A dark replica's hosts still count for failures (conservative).
#include <algorithm>
#include <cmath>
#include <functional>

#include <fmt/format.h>

#include "models/gpu.hpp"
#include "sim/engine/world.hpp"
#include "sim/report/event_log.hpp"

namespace sg4 = simgrid::s4u;

namespace capsim {

namespace {

std::size_t hosts_for(const InferenceSpec& spec, int replicas) {
  const auto r = static_cast<std::size_t>(std::max(0, replicas));
  const auto per_host = static_cast<std::size_t>(spec.replicas_per_host);
  return r * static_cast<std::size_t>(spec.hosts_per_replica) / per_host +
         (r % per_host != 0 ? 1 : 0);
}

int replicas_on(const InferenceSpec& spec, std::size_t hosts) {
  return static_cast<int>(hosts * static_cast<std::size_t>(spec.replicas_per_host) /
                          static_cast<std::size_t>(spec.hosts_per_replica));
}

} // namespace

void World::init_serving() {
  serving_.reserve(scenario_.inference.size());
  for (const InferenceSpec& spec : scenario_.inference) {
    ServingState s;
    s.spec = &spec;
    for (auto& cluster : clusters_)
      if (cluster.spec->name == spec.cluster) s.cluster = &cluster;
    s.next_step_s = spec.start_s;
    s.in_contact = !spec.orbital;
    serving_.push_back(std::move(s));
  }
  for (auto& s : serving_)
    s.cluster->serving.push_back(&s);
}

void World::advance_serving(SiteState& site, double now) {
  for (ClusterState* c : site.clusters) {
    const double gph = static_cast<double>(c->gpus_per_host());
    const double dt_site = now - site.last_s;
    if (dt_site > 0)
      for (JobState* job : c->jobs)
        c->training_held_gpu_s += static_cast<double>(job->hosts.size()) * gph * dt_site;
    for (ServingState* s : c->serving) {
      const double dt = now - s->last_s;
      s->last_s = std::max(s->last_s, now);
      if (dt <= 0) continue;
      const FleetService& f = s->service;
      const double out_tokens = s->spec->shape.output_tokens;
      if (!s->in_contact) {
        s->no_contact_s += dt;
        s->unmet_no_contact_requests += f.demand_per_s * dt;
      }
      s->dark_gpu_s += static_cast<double>(s->dark_hosts) * gph * dt;
      s->demanded_requests += f.demand_per_s * dt;
      s->served_requests += f.served_per_s * dt;
      s->unmet_requests += f.unmet_per_s * dt;
      s->slo_met_requests += f.served_per_s * f.slo_attainment * dt;
      s->output_tokens += f.served_per_s * out_tokens * dt;
      s->prompt_tokens += f.served_per_s * s->spec->shape.prompt_tokens * dt;
      s->demand_tokens += f.demand_per_s * out_tokens * dt;
      const double hosts = static_cast<double>(s->hosts.size());
      const double lit = static_cast<double>(s->hosts.size() - s->dark_hosts);
      s->gpu_s += hosts * gph * dt;
      s->replica_s += s->replicas_up * dt;
      s->energy_j += lit * (c->idle_w + c->dynamic_w * site.cap_fraction) * site.pue * dt;
      if (f.demand_per_s > 0 && !f.stable) s->overloaded_s += dt;
      if (f.demand_per_s > 0 && s->in_contact) {
        s->worst_ttft_p99_s = std::max(s->worst_ttft_p99_s, f.ttft_p99_s);
        s->worst_tpot_p99_s = std::max(s->worst_tpot_p99_s, f.tpot_p99_s);
      }
      ServingState::Step& step = s->step;
      step.demanded += f.demand_per_s * dt;
      step.served += f.served_per_s * dt;
      step.unmet += f.unmet_per_s * dt;
      step.slo_met += f.served_per_s * f.slo_attainment * dt;
      step.output_tokens += f.served_per_s * out_tokens * dt;
      if (f.demand_per_s > 0 && s->in_contact) {
        step.latency_seen = true;
        step.ttft_p99_s = std::max(step.ttft_p99_s, f.ttft_p99_s);
        step.tpot_p99_s = std::max(step.tpot_p99_s, f.tpot_p99_s);
      }
      step.min_replicas = std::min(step.min_replicas, s->replicas_up);
      step.max_replicas = std::max(step.max_replicas, s->replicas_up);
    }
  }
}

void World::refresh_one(ServingState& s, double now) {
  (void)now;
  const ClusterState& c = *s.cluster;
  s.speed = perf_fraction_at_cap(c.spec->gpu.power_cap, c.site->cap_fraction);
  const std::size_t in_service =
      s.hosts.size() - std::min(s.hosts.size(), s.starting_hosts + s.dark_hosts);
  s.replicas_up = std::min(s.target, replicas_on(*s.spec, in_service));
  s.max_replicas_up = std::max(s.max_replicas_up, s.replicas_up);
  const InferenceSpec& spec = *s.spec;
  if (s.in_contact) {
    s.service = fleet_service(spec.profile, s.replicas_up, s.demand_per_s, s.speed, spec.targets,
                              spec.network_rtt_s);
  } else { // no ground station sees the cluster: every request is unmet, none is served
    s.service =
        fleet_service(spec.profile, s.replicas_up, 0, s.speed, spec.targets, spec.network_rtt_s);
    s.service.demand_per_s = s.service.unmet_per_s = s.demand_per_s;
    s.service.slo_attainment = 0;
  }
}

void World::update_contact(ServingState& s, double now) {
  if (!s.spec->orbital) return;
  const auto& contacts = s.cluster->site->platform->contacts; // disjoint, in time order
  auto it =
      std::upper_bound(contacts.begin(), contacts.end(), now,
                       [](double t, const std::pair<double, double>& w) { return t < w.second; });
  s.in_contact = it != contacts.end() && it->first <= now;
  s.next_contact_edge_s = it == contacts.end() ? never : s.in_contact ? it->second : it->first;
}

void World::light_serving(SiteState& site) {
  for (ClusterState* c : site.clusters)
    for (ServingState* s : c->serving) {
      s->dark_before = s->dark_hosts;
      s->dark_hosts = 0;
    }
}

World::PowerTotals World::darken_serving(SiteState& site, double budget_w, double floor,
                                         double now) {
  PowerTotals p = power_totals(site);
  std::vector<ServingState*> list;
  for (ClusterState* c : site.clusters)
    for (ServingState* s : c->serving)
      list.push_back(s);
  std::stable_sort(list.begin(), list.end(), [](const ServingState* a, const ServingState* b) {
    return a->spec->priority < b->spec->priority; // the lowest priority goes dark first
  });
  for (ServingState* s : list) {
    const double over_w = p.fixed_w + p.running_dynamic_w * floor - budget_w;
    if (over_w <= 0) break;
    const ClusterState& c = *s->cluster;
    const double per_host_w = c.idle_w + c.dynamic_w * floor;
    const double n = per_host_w > 0 ? std::ceil(over_w / per_host_w) : 0.0;
    s->dark_hosts = std::min(s->hosts.size(), static_cast<std::size_t>(n));
    p = power_totals(site);
  }
  for (ServingState* s : list) {
    ClusterState& c = *s->cluster;
    if (s->dark_hosts > s->dark_before) {
      log_.add(now, "serving_dark", site.spec->name, c.spec->name, s->spec->name,
               fmt::format("{} GPUs unpowered: the supply cannot carry them",
                           s->dark_hosts * c.gpus_per_host()));
    } else if (s->dark_hosts < s->dark_before) {
      const std::size_t relit = s->dark_before - s->dark_hosts;
      const double ready_s = now + s->spec->replicas.scale_up_delay_s;
      if (ready_s > now) {
        s->starting.emplace_back(ready_s, relit);
        s->starting_hosts += relit;
        if (ready_s < s->wake_at_s) {
          s->wake_at_s = ready_s;
          notify(s->wake);
        }
      }
      log_.add(now, "serving_relit", site.spec->name, c.spec->name, s->spec->name,
               fmt::format("{} GPUs powered again; they serve from {:.6g} s (weights reloaded)",
                           relit * c.gpus_per_host(), ready_s));
    }
  }
  return p;
}

std::size_t World::serving_retire(ClusterState& cluster,
                                  const std::function<bool(UnitId)>& retiring, double now) {
  std::size_t taken = 0;
  for (ServingState* s : cluster.serving) {
    std::erase_if(s->awaiting, retiring);
    const std::size_t before = s->hosts.size();
    std::erase_if(s->hosts, retiring);
    const std::size_t n = before - s->hosts.size();
    if (n == 0) continue;
    cluster.held -= n;
    cluster.busy -= n;
    taken += n;
    s->starting_hosts = std::min(s->starting_hosts, s->hosts.size());
    s->dark_hosts = std::min(s->dark_hosts, s->hosts.size() - s->starting_hosts);
    log_.add(now, "serving_replica_down", cluster.site->spec->name, cluster.spec->name,
             s->spec->name,
             fmt::format("{} GPUs retired at their satellites' end of life",
                         n * cluster.gpus_per_host()));
  }
  return taken;
}

void World::refresh_serving(SiteState& site, double now) {
  for (ClusterState* c : site.clusters)
    for (ServingState* s : c->serving)
      refresh_one(*s, now);
}

ServingState* World::serving_host_failed(ClusterState& cluster, std::size_t& u, UnitId& host,
                                         double now) {
  for (ServingState* s : cluster.serving) {
    if (u >= s->hosts.size()) {
      u -= s->hosts.size();
      continue;
    }
    host = s->hosts[u];
    // The newest hosts are the starting ones (a scale-up appends); a failure among them
    // shortens the ramp.
    if (u + s->starting_hosts >= s->hosts.size() && s->starting_hosts > 0) {
      --s->starting_hosts;
      for (auto& [at, n] : s->starting)
        if (n > 0) {
          --n;
          break;
        }
    }
    s->hosts[u] = s->hosts.back();
    s->hosts.pop_back();
    s->dark_hosts = std::min(s->dark_hosts, s->hosts.size());
    --cluster.held;
    --cluster.busy;
    ++s->failures;
    log_.add(now, "serving_replica_down", cluster.site->spec->name, cluster.spec->name,
             s->spec->name,
             fmt::format(
                 "{} failed; {} of {} replicas serving until its repair", cluster.unit_name(host),
                 std::min(s->target,
                          replicas_on(*s->spec, s->hosts.size() -
                                                    std::min(s->hosts.size(),
                                                             s->starting_hosts + s->dark_hosts))),
                 s->target));
    return s;
  }
  return nullptr;
}

bool World::serving_host_repaired(ClusterState& cluster, UnitId host) {
  for (ServingState* s : cluster.serving) {
    auto it = std::find(s->awaiting.begin(), s->awaiting.end(), host);
    if (it == s->awaiting.end()) continue;
    s->awaiting.erase(it);
    s->hosts.push_back(host);
    ++cluster.held;
    ++cluster.busy;
    return true;
  }
  return false;
}

// Takes up to `wanted` hosts for the serving job: free hosts (powered first), then hosts of the
// cluster's lower-priority training jobs, which stop and wait (lowest priority first).
std::size_t World::acquire_for_serving(ServingState& s, std::size_t wanted, double now) {
  ClusterState& c = *s.cluster;
  auto take_free = [&](std::size_t n) {
    std::size_t got = 0;
    while (got < n && (!c.free_on.empty() || !c.free_off.empty())) {
      auto& list = !c.free_on.empty() ? c.free_on : c.free_off;
      s.hosts.push_back(list.back());
      list.pop_back();
      ++c.held;
      ++c.busy;
      ++got;
    }
    return got;
  };
  std::size_t got = take_free(wanted);
  for (auto it = c.site->jobs.rbegin(); got < wanted && it != c.site->jobs.rend(); ++it) {
    JobState* victim = *it;
    if (victim->cluster != &c || victim->hosts.empty() ||
        victim->spec->priority >= s.spec->priority)
      continue;
    interrupt(*victim, now, "preempted", s.spec->name);
    release_hosts(*victim);
    victim->awaiting.clear();
    victim->phase = JobPhase::waiting;
    victim->waiting_for = "hosts";
    ++s.preemptions;
    log_.add(now, "preemption", c.site->spec->name, c.spec->name, victim->spec->name,
             fmt::format("stopped for inference job {} (priority {} > {})", s.spec->name,
                         s.spec->priority, victim->spec->priority));
    got += take_free(wanted - got);
  }
  return got;
}

void World::serving_tick(ServingState& s, double now) {
  SiteState& site = *s.cluster->site;
  advance(site, now);
  const InferenceSpec& spec = *s.spec;
  update_contact(s, now);
  // Replicas whose scale-up delay is over serve from now.
  while (!s.starting.empty() && s.starting.front().first <= now) {
    s.starting_hosts -= std::min(s.starting_hosts, s.starting.front().second);
    s.starting.pop_front();
  }
  if (now >= s.next_step_s) {
    // Close the step that ends here (serving.csv), open the next.
    if (s.next_step_s > spec.start_s || !s.steps.empty() || s.step.demanded > 0)
      s.steps.push_back(s.step);
    s.step = ServingState::Step{};
    s.step.start_s = now;
    while (s.next_step_s <= now)
      s.next_step_s += spec.demand.step_s;
    s.demand_per_s = spec.demand.at(now);
    const double speed = perf_fraction_at_cap(s.cluster->spec->gpu.power_cap, site.cap_fraction);
    int want = spec.replicas.fixed;
    if (spec.replicas.autoscaled) {
      const int needed = replicas_needed(spec.profile, s.demand_per_s, speed, spec.targets,
                                         spec.replicas.max, spec.network_rtt_s);
      want = std::clamp(needed, spec.replicas.min, spec.replicas.max);
    }
    const std::size_t hosts_want = hosts_for(spec, want);
    const std::size_t have = s.hosts.size() + s.awaiting.size();
    if (hosts_want > have) {
      const std::size_t got = acquire_for_serving(s, hosts_want - have, now);
      if (got > 0) {
        const double ready_s = now + spec.replicas.scale_up_delay_s;
        if (ready_s > now) {
          s.starting.emplace_back(ready_s, got);
          s.starting_hosts += got;
        }
        ++s.scale_ups;
        log_.add(now, "serving_scale_up", site.spec->name, s.cluster->spec->name, spec.name,
                 fmt::format("{} -> {} replicas for {:.4g} requests/s; {} GPUs taken{}", s.target,
                             want, s.demand_per_s, got * s.cluster->gpus_per_host(),
                             got < hosts_want - have ? " (all the cluster could give)" : ""));
      }
    } else if (hosts_want < have) {
      // Give back healthy hosts, the newest first (starting ones before serving ones).
      std::size_t give = std::min(have - hosts_want, s.hosts.size());
      for (std::size_t k = 0; k < give; ++k) {
        s.cluster->free_on.push_back(s.hosts.back());
        s.hosts.pop_back();
      }
      s.cluster->held -= give;
      s.cluster->busy -= give;
      s.dark_hosts = std::min(s.dark_hosts, s.hosts.size());
      std::size_t drop = give;
      while (drop > 0 && !s.starting.empty()) {
        auto& [at, n] = s.starting.back();
        const std::size_t d = std::min(drop, n);
        n -= d;
        drop -= d;
        s.starting_hosts -= d;
        if (n == 0) s.starting.pop_back();
      }
      if (give > 0) {
        ++s.scale_downs;
        log_.add(now, "serving_scale_down", site.spec->name, s.cluster->spec->name, spec.name,
                 fmt::format("{} -> {} replicas for {:.4g} requests/s; {} GPUs freed", s.target,
                             want, s.demand_per_s, give * s.cluster->gpus_per_host()));
      }
    }
    s.target = want;
  }
  ++events_;
  rebalance(site, now); // training backfills free hosts; refreshes every serving job here
  s.wake_at_s = s.next_step_s;
  if (!s.starting.empty()) s.wake_at_s = std::min(s.wake_at_s, s.starting.front().first);
  s.wake_at_s = std::min(s.wake_at_s, s.next_contact_edge_s);
  flush();
}

} // namespace capsim
