#include "sim/engine/actors.hpp"

#include "sim/engine/collective_sim.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <memory>
#include <type_traits>
#include <utility>

namespace sg4 = simgrid::s4u;

namespace capsim {

namespace {

// SimGrid's clock: a flow's time (processes run on the scheduler's, which they are given).
double clock_now() {
  return sg4::Engine::get_clock();
}

// The run ends when the reporter has written its last row: it calls World::stop(), the
// dispatcher returns, and a flow still running returns when its transfer ends, applying no rule.

// Runs `body`, calls into the World's rules, on the profile's clock for model time (the clock
// stops when a rule hands its effects to the engine: see World::flush()).
template <class Body>
auto timed(World& world, Body&& body) {
  world.rule_begins();
  if constexpr (std::is_void_v<decltype(body())>) {
    body();
    world.rule_ends();
  } else {
    auto result = body();
    world.rule_ends();
    return result;
  }
}

// An exception must not leave an actor: SimGrid would abort the whole process with a
// backtrace. The first one is kept, the world stops, and run_simulation() rethrows it once the
// engine has returned.
std::exception_ptr actor_failure;

template <class Body>
auto guarded(World* world, Body body) {
  return [world, body]() mutable {
    try {
      body();
    } catch (const simgrid::ForcefulKillException&) {
      throw; // SimGrid's own way of ending an actor
    } catch (...) {
      if (!actor_failure) actor_failure = std::current_exception();
      if (!world->stopping()) world->stop();
    }
  };
}

Sleep sleep_until(double at_s) {
  return {at_s, true};
}
Sleep sleep_to(double at_s) { // nothing wakes it earlier
  return {at_s, false};
}
Sleep done() {
  return {never, false};
}

// GPU deliveries on their dates.
struct DeliveryProcess {
  World* world;
  ClusterState* cluster;
  std::size_t next = 0;

  Sleep operator()(double now) {
    for (; next < cluster->arrivals.size(); ++next) {
      const ClusterState::Arrival& arrival = cluster->arrivals[next];
      if (arrival.at_s > now) return sleep_to(arrival.at_s);
      timed(*world, [&] { world->arrival(*cluster, arrival, now); });
    }
    return done();
  }
};

// Orbital, replacement: spares: the launches ordered during the run and the retirements of the
// satellites they bring. Sleeps until the earliest is due, or until an order comes.
struct OrderProcess {
  World* world;
  ClusterState* cluster;

  Sleep operator()(double now) {
    while (true) {
      const double at_s = cluster->ordered.empty() ? never : cluster->ordered.begin()->first;
      if (at_s > now) return sleep_until(at_s);
      timed(*world, [&] { world->ordered_event(*cluster, now); });
    }
  }
};

// The next arrival of a Poisson process at the cluster's rate now (`rate` of the World), drawn
// from the cluster's stream; never at rate 0.
double next_arrival_s(World& world, ClusterState& cluster,
                      double (World::*rate)(const ClusterState&) const, double now) {
  return timed(world, [&] {
    const double rate_per_s = (world.*rate)(cluster);
    return rate_per_s > 0 ? now + world.draw_exponential(cluster) / rate_per_s : never;
  });
}

// Radiation transients: one draw at a time, kept until it fires or until more GPUs reach orbit
// (then drawn again).
struct RadiationProcess {
  World* world;
  ClusterState* cluster;
  bool drawn = false;
  std::uint64_t version = 0;
  double at_s = never;

  Sleep operator()(double now) {
    while (true) {
      if (!drawn) {
        version = cluster->installed_version;
        at_s = next_arrival_s(*world, *cluster, &World::radiation_rate_per_s, now);
        drawn = true;
      }
      if (cluster->installed_version == version && at_s > now) return sleep_until(at_s);
      if (cluster->installed_version == version)
        timed(*world, [&] { world->radiation_event(*cluster, now); });
      drawn = false;
    }
  }
};

// Host failures (exponential candidates, thinned) and their repairs. A candidate is kept until
// it fires or the fleet grows (then drawn again: memoryless).
struct FailureProcess {
  World* world;
  ClusterState* cluster;
  bool drawn = false;
  std::uint64_t version = 0;
  double candidate_s = never;

  Sleep operator()(double now) {
    while (true) {
      if (!drawn) {
        version = cluster->installed_version;
        candidate_s = next_arrival_s(*world, *cluster, &World::failure_rate_per_s, now);
        drawn = true;
        const double repair_s = cluster->repairs.empty() ? never : cluster->repairs.front().first;
        const double at_s = std::min(candidate_s, repair_s);
        if (at_s > now) return sleep_until(at_s);
      }
      while (!cluster->repairs.empty() && cluster->repairs.front().first <= now)
        timed(*world, [&] { world->repair_due(*cluster, now); });
      if (cluster->installed_version != version) {
        drawn = false; // fleet grew: draw again
        continue;
      }
      if (candidate_s <= now) {
        timed(*world, [&] { world->failure_candidate(*cluster, now); });
        drawn = false;
        continue;
      }
      const double repair_s = cluster->repairs.empty() ? never : cluster->repairs.front().first;
      const double at_s = std::min(candidate_s, repair_s);
      if (at_s > now) return sleep_until(at_s);
    }
  }
};

// Weather, grid steps and curtailments, battery empty or full, turbines online: whatever the
// site's conditions say changes next.
struct SiteProcess {
  World* world;
  SiteState* site;
  bool started = false;

  Sleep operator()(double now) {
    if (started) {
      site->wake_at_s = never;
      if (site->next_event_s <= now) timed(*world, [&] { world->site_tick(*site, now); });
    }
    started = true;
    while (true) {
      site->wake_at_s = site->next_event_s;
      if (site->next_event_s > now) return sleep_until(site->next_event_s);
      site->wake_at_s = never;
      timed(*world, [&] { world->site_tick(*site, now); });
    }
  }
};

// Checkpoint write and read times come from transfers on the platform, under SimGrid's flow
// model: on the ground from the job's own NIC host (its total NIC bandwidth) to the site's
// storage, concurrently with other jobs' transfers, which share the storage link; in orbit
// through the site's gateway, one job at a time. Runs as a flow (its own SimGrid actor).
void measure_checkpoint(World* world, JobState* job) {
  SiteState& site = *job->cluster->site;
  const ClusterSpec& cluster = *job->cluster->spec;
  auto bytes = static_cast<std::uint64_t>(job->spec->checkpoint.size_bytes);
  const auto index = static_cast<std::size_t>(job - world->jobs().data());
  double write_s = 0, read_s = 0;
  if (index < site.platform->job_nics.size() && site.platform->job_nics[index]) {
    // Ground: the job's own NICs; other jobs' transfers share the storage link meanwhile.
    sg4::Host* nics = site.platform->job_nics[index];
    double t0 = clock_now();
    sg4::Comm::sendto(nics, site.platform->storage, bytes);
    write_s = clock_now() - t0;
    double t1 = clock_now();
    sg4::Comm::sendto(site.platform->storage, nics, bytes);
    read_s = clock_now() - t1;
  } else {
    std::unique_lock transfers(*site.transfer_lock); // one gateway per orbital site
    if (world->stopping()) return;
    site.platform->gateway_link->set_bandwidth(job_nic_bytes_per_s(*job->spec, cluster));
    double t0 = clock_now();
    sg4::Comm::sendto(site.platform->gateway, site.platform->storage, bytes);
    write_s = clock_now() - t0;
    double t1 = clock_now();
    sg4::Comm::sendto(site.platform->storage, site.platform->gateway, bytes);
    read_s = clock_now() - t1;
  }
  if (world->stopping()) return;
  const auto& ring = site.platform->probe_ring;
  if (!ring.empty()) {
    // The satellites of one of the job's reduction rings (World::plan_reduction).
    std::size_t members = std::min(ring.size(), job->ring_members);
    std::vector<sg4::Host*> used(ring.begin(), ring.begin() + static_cast<long>(members));
    double collective_s = simulate_ring_allreduce(used, job->reduction.gradient_bytes);
    if (world->stopping()) return;
    timed(*world, [&] { world->job_collective(*job, collective_s); });
  }
  timed(*world, [&] { world->job_measured(*job, write_s, read_s, clock_now()); });
}

// A training job: arrival, the checkpoint-transfer measurement at its first start (a flow),
// then restarts and completion.
struct JobProcess {
  World* world;
  Scheduler* scheduler;
  JobState* job;
  enum class State { before_arrival, ready, sleeping, measuring } state = State::before_arrival;

  Sleep operator()(double now) {
    if (state == State::before_arrival) {
      if (job->spec->start_s > now) return sleep_to(job->spec->start_s);
      timed(*world, [&] { world->job_arrives(*job, now); });
    } else if (state == State::sleeping) {
      job->wake_at_s = never;
      timed(*world, [&] { world->job_wakes(*job, now); });
    }
    state = State::ready;
    while (job->phase != JobPhase::done) {
      if (job->phase == JobPhase::restarting && !job->measured) {
        state = State::measuring;
        scheduler->start_flow(job->spec->name + "-checkpoint",
                              job->cluster->site->platform->controller,
                              guarded(world, [w = world, j = job] { measure_checkpoint(w, j); }),
                              [w = world] { return w->stopping(); });
        return done(); // until the flow ends
      }
      double at_s = never;
      if (job->phase == JobPhase::restarting) {
        at_s = job->ready_at_s;
      } else if (job->phase == JobPhase::running) {
        double remaining = job->spec->total_flop - job->net_flop();
        at_s = job->last_s + time_to_compute(job->progress, job->plan, job->rate_flops, remaining);
      }
      job->wake_at_s = at_s;
      if (at_s > now) {
        state = State::sleeping;
        return sleep_until(at_s);
      }
      job->wake_at_s = never;
      timed(*world, [&] { world->job_wakes(*job, now); });
    }
    return done();
  }
};

// During each ground-station pass, the constellation sends its latest checkpoint down (a flow);
// a transfer still running when the pass ends is abandoned and counts as interrupted.
struct DownlinkProcess {
  World* world;
  Scheduler* scheduler;
  SiteState* site;
  std::size_t next = 0;
  bool sending = false;
  long long sent_checkpoints = 0;

  Sleep operator()(double now) {
    if (sending) { // the pass's transfer ended
      sending = false;
      ++next;
    }
    for (; next < site->platform->contacts.size(); ++next) {
      const auto [start_s, end_s] = site->platform->contacts[next];
      if (start_s > now) return sleep_to(start_s);
      if (now >= end_s) continue;
      timed(*world, [&] { world->advance(*site, now); }); // the jobs' checkpoints up to now
      long long checkpoints = 0;
      double bytes = 0;
      for (JobState* job : site->jobs) {
        checkpoints += job->progress.checkpoints;
        if (job->progress.checkpoints > 0) bytes += job->spec->checkpoint.size_bytes;
      }
      if (checkpoints == sent_checkpoints || bytes <= 0) continue;
      sending = true;
      scheduler->start_flow(
          site->spec->name + "-downlink", site->platform->controller,
          guarded(world,
                  [this, checkpoints, bytes, end_s = end_s] {
                    // A transfer still running when the pass ends is abandoned (cancelled:
                    // no exception, whose backtrace SimGrid would take).
                    sg4::CommPtr comm =
                        sg4::Comm::sendto_async(site->platform->relay, site->platform->ground,
                                                static_cast<std::uint64_t>(bytes));
                    const bool ok =
                        sg4::Comm::wait_any_for({comm}, std::max(0.0, end_s - clock_now())) == 0;
                    if (!ok) comm->cancel();
                    if (world->stopping()) return;
                    if (ok) sent_checkpoints = checkpoints;
                    timed(*world, [&] { world->downlink_done(*site, bytes, ok, clock_now()); });
                  }),
          [w = world] { return w->stopping(); });
      return done(); // until the transfer ends
    }
    return done();
  }
};

// An inference job: wakes at each demand step, when a scale-up's replicas become ready and, in
// orbit, at ground-station contact edges; a rule elsewhere may bring its wake-up forward
// (replicas powered again) and wake it.
struct ServingProcess {
  World* world;
  ServingState* serving;
  bool started = false;

  Sleep operator()(double now) {
    if (!started) {
      if (serving->spec->start_s > now) return sleep_to(serving->spec->start_s);
      started = true;
      timed(*world, [&] { world->serving_tick(*serving, now); });
    }
    while (serving->wake_at_s <= now)
      timed(*world, [&] { world->serving_tick(*serving, now); });
    return sleep_until(serving->wake_at_s);
  }
};

// Cumulative usage snapshots at month boundaries, after every event of their time.
struct UsageProcess {
  World* world;
  UsageRecord* usage;
  double horizon_s;
  long long k = 0;

  Sleep operator()(double now) {
    for (; static_cast<double>(k) * julian_month_s < horizon_s; ++k) {
      const double t = static_cast<double>(k) * julian_month_s;
      if (t > now) return sleep_to(t);
      timed(*world, [&] {
        for (auto& site : world->sites())
          world->advance(site, t);
        usage->snapshots.push_back(world->snapshot(t));
      });
    }
    return done();
  }
};

// The time series, every output interval after every event of its time, until the horizon; then
// the run ends.
struct ReporterProcess {
  World* world;
  double horizon_s, interval_s;
  RowWriter write_rows;
  long long k = 0;

  Sleep operator()(double now) {
    for (;; ++k) {
      const double t = std::min(horizon_s, static_cast<double>(k) * interval_s);
      if (t > now) return sleep_to(t);
      timed(*world, [&] {
        for (auto& site : world->sites())
          world->advance(site, t);
      });
      if (!write_rows(t) || t >= horizon_s) break;
    }
    world->stop();
    return done();
  }
};

// Ranks at a shared time: events first (rank 0), then the usage snapshot, then the rows.
constexpr int rank_usage = 1, rank_rows = 2;

} // namespace

void rethrow_actor_failure() {
  if (actor_failure) std::rethrow_exception(std::exchange(actor_failure, nullptr));
}

std::unique_ptr<Scheduler> start_actors(World& world, double horizon_s, double interval_s,
                                        RowWriter write_rows, UsageRecord& usage) {
  auto scheduler = std::make_unique<Scheduler>();
  Scheduler* s = scheduler.get();
  for (auto& site : world.sites()) {
    s->add(SiteProcess{&world, &site}, &site.wake);
    if (!site.platform->contacts.empty()) // ground-station passes: downlinks
      s->add(DownlinkProcess{&world, s, &site});
  }
  for (auto& cluster : world.clusters()) {
    s->add(DeliveryProcess{&world, &cluster});
    s->add(FailureProcess{&world, &cluster}, &cluster.failure_wake);
    if (cluster.site->kind->orders_replacements(*cluster.site))
      s->add(OrderProcess{&world, &cluster}, &cluster.order_wake);
    if (cluster.site->kind->radiation_rate_per_gpu_s(*cluster.site) > 0)
      s->add(RadiationProcess{&world, &cluster}, &cluster.radiation_wake);
  }
  // Inference jobs before training jobs: at a shared time, serving takes its hosts first.
  for (auto& serving : world.serving())
    s->add(ServingProcess{&world, &serving}, &serving.wake);
  for (auto& job : world.jobs())
    s->add(JobProcess{&world, s, &job}, &job.wake);
  s->add(UsageProcess{&world, &usage, horizon_s}, nullptr, rank_usage);
  s->add(ReporterProcess{&world, horizon_s, interval_s, std::move(write_rows)}, nullptr, rank_rows);
  sg4::Actor::create(
      "capsim", world.sites().front().platform->controller,
      guarded(&world, [&world, s] { s->run([&world] { return world.stopping(); }); }));
  return scheduler;
}

} // namespace capsim
