// An inference job (`kind: inference` in a scenario's jobs): a model served by replicas of one
// layout on a cluster, to a demand in requests per second, within latency targets.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "models/serving.hpp"
#include "models/serving_queue.hpp"
#include "models/weather.hpp"

namespace capsim {

struct DemandSpec {
  double rate_per_s = 0;             // mean requests/s (before the profiles)
  std::array<double, 24> daily{};    // multiplier by hour of day (UTC), all 1 if not given
  std::array<double, 7> weekly{};    // multiplier by day of the week, Monday first, all 1
  std::vector<SeriesSample> samples; // an hourly CSV of requests/s instead (run times)
  std::string file;                  // its path, for the summary
  // The demand is evaluated at each step (piecewise constant).
  double step_s = demand_parameter::step.default_si;
  double epoch_unix_s = 0; // the scenario's t = 0 (hour of day and weekday from it)
  // Requests/s at run time t: the file's latest sample at or before t (its first before that),
  // or rate x daily[hour] x weekly[weekday].
  double at(double t_s) const;
};

struct ReplicaPolicy {
  bool autoscaled = false;
  int fixed = 1; // replicas when not autoscaled
  int min = 0;   // autoscaled bounds
  int max = 0;
  // A new replica serves this long after it is given its GPUs.
  double scale_up_delay_s = replica_parameter::scale_up_delay.default_si;
};

struct InferenceSpec {
  std::string name;
  std::string cluster;
  // Above any training job: serving has priority on its cluster.
  int priority = static_cast<int>(inference_job_parameter::priority.default_si);
  double start_s = inference_job_parameter::start.default_si;
  ServingModel model;
  ServingLayout layout;
  ServingRequestShape shape;
  DemandSpec demand;
  FleetTargets targets;
  ReplicaPolicy replicas;
  ReplicaProfile profile;    // one replica's, on the cluster's GPU (computed at load)
  int hosts_per_replica = 1; // a replica spans this many hosts (>= 1) ...
  int replicas_per_host = 1; // ... or a host holds this many replicas
  // The users' network: `user_latency` one way between the users and the site (ground) or the
  // ground station (orbit). On an orbital cluster a request also goes up from a ground station
  // to the cluster and its tokens come down: the longest slant range of a pass (at the
  // stations' lowest minimum elevation) at the speed of light, plus one inter-satellite hop to
  // the replica's satellite. network_rtt_s = 2 (user + slant / c + isl), added to TTFT.
  double user_latency_s = inference_job_parameter::user_latency.default_si;
  bool orbital = false;
  double slant_range_m = 0; // orbital: the longest, over the site's ground stations
  double network_rtt_s = 0;
};

} // namespace capsim
