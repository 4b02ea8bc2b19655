#include "sim/engine/actors.hpp"

#include "sim/engine/collective_sim.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <type_traits>
#include <utility>

namespace sg4 = simgrid::s4u;

namespace capsim {

namespace {

double now() {
  return sg4::Engine::get_clock();
}

// The run ends when the reporter has written its last row: it calls World::stop(), which wakes
// every actor, and each returns as soon as it sees that (no rule applies after the last row).
// No actor is a daemon killed by the engine; an actor's mutex lives in the state it waits on.

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

// The actors' calls into SimGrid's scheduler (waits, timed sleeps, yields), for the summary's
// engine.simgrid_calls (with the World's wake-ups).
long long scheduler_calls = 0;

// Every actor's sleeps, counted in order (Wake::slept_at).
long long sleeps = 0;

// Sleeps until `at_s` or until notified on `wake`, whichever comes first. The timeout is
// at_s - now, as ConditionVariable::wait_until computes it, so the wake-up time is the same.
void sleep_until(Wake& wake, double at_s) {
  wake.slept_at = ++sleeps;
  // A rule that ran after this actor's time came, but before the actor did, released the
  // semaphore for a sleep already over: that notification came while the actor was awake, and
  // is dropped (a fresh semaphore; creating one is not a SimGrid call).
  if (wake.signal->get_capacity() > 0) wake.create();
  if (std::isinf(at_s)) {
    ++scheduler_calls;
    wake.asleep = true;
    wake.signal->acquire();
  } else if (at_s > now()) {
    ++scheduler_calls;
    wake.asleep = true;
    wake.signal->acquire_timeout(at_s - now());
  }
  wake.asleep = false; // woken by its time: a notification still queued is dropped
}

// Sleeps until `at_s` (nothing wakes it earlier).
void sleep_to(double at_s) {
  ++scheduler_calls;
  sg4::this_actor::sleep_until(at_s);
}

// Lets every event due now happen first, so that rows show the state after everything that
// happens at their time. An actor whose timer fires now, or that a rule wakes, runs its rule one
// or two scheduling rounds later (waking takes a round, and re-acquiring the mutex it waits with
// another). So the reporter yields until two whole rounds pass in which no actor began a rule.
void yield_to_events_due_now(const World& world) {
  constexpr int quiet_rounds_needed = 2; // 3 and 4 give the same rows in every golden case
  for (int quiet_rounds = 0; quiet_rounds < quiet_rounds_needed;) {
    long long before = world.rules_begun();
    ++scheduler_calls;
    sg4::this_actor::yield();
    quiet_rounds = world.rules_begun() == before ? quiet_rounds + 1 : 0;
  }
}

void delivery_actor(World* world, ClusterState* cluster) {
  for (const ClusterState::Arrival& arrival : cluster->arrivals) {
    if (arrival.at_s > now()) sleep_to(arrival.at_s);
    if (world->stopping()) return;
    timed(*world, [&] { world->arrival(*cluster, arrival, now()); });
  }
}

// Orbital, replacement: spares: the launches ordered during the run and the retirements of the
// satellites they bring. Sleeps until the earliest is due, or until an order comes.
void order_actor(World* world, ClusterState* cluster) {
  while (!world->stopping()) {
    const double at_s = cluster->ordered.empty() ? never : cluster->ordered.begin()->first;
    if (at_s > now()) {
      sleep_until(cluster->order_wake, at_s);
      continue;
    }
    timed(*world, [&] { world->ordered_event(*cluster, now()); });
  }
}

void radiation_actor(World* world, ClusterState* cluster) {
  while (!world->stopping()) {
    std::uint64_t version = cluster->installed_version;
    double at_s = timed(*world, [&] {
      double rate_per_s = world->radiation_rate_per_s(*cluster);
      return rate_per_s > 0 ? now() + world->draw_exponential(*cluster) / rate_per_s : never;
    });
    // Keep this draw until it fires, or until more GPUs reach orbit (then draw again).
    while (cluster->installed_version == version && at_s > now() && !world->stopping())
      sleep_until(cluster->radiation_wake, at_s);
    if (world->stopping()) return;
    if (cluster->installed_version == version)
      timed(*world, [&] { world->radiation_event(*cluster, now()); });
  }
}

// During each ground-station pass, the constellation sends its latest checkpoint down; a
// transfer still running when the pass ends fails with the link and counts as interrupted.
void downlink_actor(World* world, SiteState* site) {
  long long sent_checkpoints = 0;
  for (const auto& [start_s, end_s] : site->platform->contacts) {
    if (start_s > now()) sleep_to(start_s);
    if (world->stopping()) return;
    if (now() >= end_s) continue;
    timed(*world, [&] { world->advance(*site, now()); }); // the jobs' checkpoints up to now
    long long checkpoints = 0;
    double bytes = 0;
    for (JobState* job : site->jobs) {
      checkpoints += job->progress.checkpoints;
      if (job->progress.checkpoints > 0) bytes += job->spec->checkpoint.size_bytes;
    }
    if (checkpoints == sent_checkpoints || bytes <= 0) continue;
    bool ok = true;
    try {
      sg4::Comm::sendto(site->platform->relay, site->platform->ground,
                        static_cast<std::uint64_t>(bytes));
    } catch (const simgrid::Exception&) {
      ok = false;
    }
    if (world->stopping()) return;
    if (ok) sent_checkpoints = checkpoints;
    timed(*world, [&] { world->downlink_done(*site, bytes, ok, now()); });
  }
}

void failure_actor(World* world, ClusterState* cluster) {
  while (!world->stopping()) {
    std::uint64_t version = cluster->installed_version;
    double candidate_s = timed(*world, [&] {
      double rate_per_s = world->failure_rate_per_s(*cluster);
      return rate_per_s > 0 ? now() + world->draw_exponential(*cluster) / rate_per_s : never;
    });
    while (true) {
      double repair_s = cluster->repairs.empty() ? never : cluster->repairs.front().first;
      sleep_until(cluster->failure_wake, std::min(candidate_s, repair_s));
      if (world->stopping()) return;
      while (!cluster->repairs.empty() && cluster->repairs.front().first <= now())
        timed(*world, [&] { world->repair_due(*cluster, now()); });
      if (cluster->installed_version != version) break; // fleet grew: draw again (memoryless)
      if (candidate_s <= now()) {
        timed(*world, [&] { world->failure_candidate(*cluster, now()); });
        break;
      }
    }
  }
}

void site_actor(World* world, SiteState* site) {
  while (!world->stopping()) {
    site->wake_at_s = site->next_event_s;
    sleep_until(site->wake, site->next_event_s);
    site->wake_at_s = never;
    if (world->stopping()) return;
    if (site->next_event_s <= now()) timed(*world, [&] { world->site_tick(*site, now()); });
  }
}

// Checkpoint write and read times come from transfers on the platform, under SimGrid's flow
// model: on the ground from the job's own NIC host (its total NIC bandwidth) to the site's
// storage, concurrently with other jobs' transfers, which share the storage link; in orbit
// through the site's gateway, one job at a time.
void measure_checkpoint(World* world, JobState* job) {
  SiteState& site = *job->cluster->site;
  const ClusterSpec& cluster = *job->cluster->spec;
  auto bytes = static_cast<std::uint64_t>(job->spec->checkpoint.size_bytes);
  const auto index = static_cast<std::size_t>(job - world->jobs().data());
  double write_s = 0, read_s = 0;
  if (index < site.platform->job_nics.size() && site.platform->job_nics[index]) {
    // Ground: the job's own NICs; other jobs' transfers share the storage link meanwhile.
    sg4::Host* nics = site.platform->job_nics[index];
    double t0 = now();
    sg4::Comm::sendto(nics, site.platform->storage, bytes);
    write_s = now() - t0;
    double t1 = now();
    sg4::Comm::sendto(site.platform->storage, nics, bytes);
    read_s = now() - t1;
  } else {
    std::unique_lock transfers(*site.transfer_lock); // one gateway per orbital site
    if (world->stopping()) return;
    site.platform->gateway_link->set_bandwidth(job_nic_bytes_per_s(*job->spec, cluster));
    double t0 = now();
    sg4::Comm::sendto(site.platform->gateway, site.platform->storage, bytes);
    write_s = now() - t0;
    double t1 = now();
    sg4::Comm::sendto(site.platform->storage, site.platform->gateway, bytes);
    read_s = now() - t1;
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
  timed(*world, [&] { world->job_measured(*job, write_s, read_s, now()); });
}

void job_actor(World* world, JobState* job) {
  if (job->spec->start_s > now()) sleep_to(job->spec->start_s);
  if (world->stopping()) return;
  timed(*world, [&] { world->job_arrives(*job, now()); });
  while (job->phase != JobPhase::done && !world->stopping()) {
    if (job->phase == JobPhase::restarting && !job->measured) {
      measure_checkpoint(world, job);
      continue;
    }
    double at_s = never;
    if (job->phase == JobPhase::restarting) {
      at_s = job->ready_at_s;
    } else if (job->phase == JobPhase::running) {
      double remaining = job->spec->total_flop - job->net_flop();
      at_s = job->last_s + time_to_compute(job->progress, job->plan, job->rate_flops, remaining);
    }
    job->wake_at_s = at_s;
    sleep_until(job->wake, at_s);
    job->wake_at_s = never;
    if (world->stopping()) return;
    timed(*world, [&] { world->job_wakes(*job, now()); });
  }
}

// An inference job: wakes at each demand step, when a scale-up's replicas become ready and, in
// orbit, at ground-station contact edges; a rule elsewhere may bring its wake-up forward
// (replicas powered again) and notify it.
void serving_actor(World* world, ServingState* serving) {
  if (serving->spec->start_s > now()) sleep_to(serving->spec->start_s);
  while (!world->stopping()) {
    timed(*world, [&] { world->serving_tick(*serving, now()); });
    while (serving->wake_at_s > now() && !world->stopping())
      sleep_until(serving->wake, serving->wake_at_s);
  }
}

} // namespace

long long actor_scheduler_calls() {
  return scheduler_calls;
}

void rethrow_actor_failure() {
  if (actor_failure) std::rethrow_exception(std::exchange(actor_failure, nullptr));
}

void start_actors(World& world, double horizon_s, double interval_s, RowWriter write_rows,
                  UsageRecord& usage) {
  for (auto& site : world.sites()) {
    sg4::Host* host = site.platform->controller;
    sg4::Actor::create(site.spec->name + "-power", host,
                       guarded(&world, [&world, &site] { site_actor(&world, &site); }));
    if (!site.platform->contacts.empty()) // ground-station passes: downlinks
      sg4::Actor::create(site.spec->name + "-downlink", host,
                         guarded(&world, [&world, &site] { downlink_actor(&world, &site); }));
  }
  for (auto& cluster : world.clusters()) {
    sg4::Host* host = cluster.site->platform->controller;
    sg4::Actor::create(cluster.spec->name + "-deliveries", host,
                       guarded(&world, [&world, &cluster] { delivery_actor(&world, &cluster); }));
    sg4::Actor::create(cluster.spec->name + "-failures", host,
                       guarded(&world, [&world, &cluster] { failure_actor(&world, &cluster); }));
    if (cluster.site->kind->orders_replacements(*cluster.site))
      sg4::Actor::create(cluster.spec->name + "-orders", host,
                         guarded(&world, [&world, &cluster] { order_actor(&world, &cluster); }));
    if (cluster.site->kind->radiation_rate_per_gpu_s(*cluster.site) > 0)
      sg4::Actor::create(
          cluster.spec->name + "-radiation", host,
          guarded(&world, [&world, &cluster] { radiation_actor(&world, &cluster); }));
  }
  // Inference jobs before training jobs: at a shared time, serving takes its hosts first.
  for (auto& serving : world.serving()) {
    sg4::Host* host = serving.cluster->site->platform->controller;
    sg4::Actor::create(serving.spec->name, host,
                       guarded(&world, [&world, &serving] { serving_actor(&world, &serving); }));
  }
  for (auto& job : world.jobs()) {
    sg4::Host* host = job.cluster->site->platform->controller;
    sg4::Actor::create(job.spec->name, host,
                       guarded(&world, [&world, &job] { job_actor(&world, &job); }));
  }
  sg4::Host* host = world.sites().front().platform->controller;
  sg4::Actor::create("usage", host, guarded(&world, [&world, &usage, horizon_s]() {
                       for (long long k = 0; k * julian_month_s < horizon_s; ++k) {
                         double t = static_cast<double>(k) * julian_month_s;
                         if (t > now()) sleep_to(t);
                         yield_to_events_due_now(world);
                         if (world.stopping()) return;
                         timed(world, [&] {
                           for (auto& site : world.sites())
                             world.advance(site, t);
                           usage.snapshots.push_back(world.snapshot(t));
                         });
                       }
                     }));
  sg4::Actor::create("reporter", host,
                     guarded(&world, [&world, horizon_s, interval_s, write_rows]() {
                       for (long long k = 0;; ++k) {
                         double t = std::min(horizon_s, static_cast<double>(k) * interval_s);
                         if (t > now()) sleep_to(t);
                         if (world.stopping()) return; // another actor failed
                         yield_to_events_due_now(world);
                         timed(world, [&] {
                           for (auto& site : world.sites())
                             world.advance(site, t);
                         });
                         if (!write_rows(t) || t >= horizon_s) break;
                       }
                       world.stop();
                     }));
}

} // namespace capsim
