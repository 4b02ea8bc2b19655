// The actors, processes in capsim's event queue (scheduler.hpp): each sleeps until what it is
// responsible for is due, then applies one World rule.
//   DeliveryProcess  per cluster: GPU deliveries on their dates
//   FailureProcess   per cluster: host failures (exponential, thinned) and repairs
//   SiteProcess      per site:    weather, grid steps and curtailments, battery empty/full,
//                                 turbines online
//   JobProcess       per job:     arrival, checkpoint-transfer measurement (a flow),
//                                 restarts, completion
//   UsageProcess     one:         cumulative usage snapshots at month boundaries
//   ReporterProcess  one:         the time series, every output interval, until the horizon
//   RadiationProcess per orbital cluster: radiation transients
//   OrderProcess     per orbital cluster with spares: replacement launches and retirements
//   DownlinkProcess  per orbital site: checkpoints sent down during ground-station passes (flows)
// The run ends when the reporter has written its last row (the horizon, or an interruption):
// it calls World::stop(), and no process runs after that.
#pragma once

#include <functional>
#include <memory>

#include "sim/engine/scheduler.hpp"
#include "sim/engine/world.hpp"

namespace capsim {

// Writes the rows due at time_s; returns false to end the run there (an interruption).
using RowWriter = std::function<bool(double time_s)>;

// The processes of a run in capsim's event queue, and the SimGrid actor that runs them; the
// returned scheduler must outlive Engine::run().
std::unique_ptr<Scheduler> start_actors(World& world, double horizon_s, double interval_s,
                                        RowWriter write_rows, UsageRecord& usage);

// After Engine::run(): rethrows the first exception an actor raised (the world stopped then).
void rethrow_actor_failure();

} // namespace capsim
