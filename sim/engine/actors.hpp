// The actors: each sleeps until what it is responsible for is due, then applies one World rule.
//   delivery_actor  per cluster: GPU deliveries on their dates
//   failure_actor   per cluster: host failures (exponential, thinned) and repairs
//   site_actor      per site:    weather, grid steps and curtailments, battery empty/full,
//                                turbines online
//   job_actor       per job:     arrival, checkpoint-transfer measurement, restarts, completion
//   usage_actor     one:         cumulative usage snapshots at month boundaries
//   reporter_actor  one:         the time series, every output interval, until the horizon
//   radiation_actor per orbital cluster: radiation transients
//   downlink_actor  per orbital site: checkpoints sent down during ground-station passes
// The run ends when the reporter has written its last row (the horizon, or an interruption):
// it calls World::stop(), and every actor returns at its next wake-up, with no rule applied.
#pragma once

#include <functional>

#include "sim/engine/world.hpp"

namespace capsim {

// Writes the rows due at time_s; returns false to end the run there (an interruption).
using RowWriter = std::function<bool(double time_s)>;

void start_actors(World& world, double horizon_s, double interval_s, RowWriter write_rows,
                  UsageRecord& usage);

// After Engine::run(): rethrows the first exception an actor raised (the world stopped then).
void rethrow_actor_failure();

// How many times the actors called SimGrid's scheduler so far: waits on a condition variable
// (with or without a deadline), timed sleeps and yields.
long long actor_scheduler_calls();

} // namespace capsim
