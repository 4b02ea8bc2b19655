// A sweep plan: the scenario's sweep block expanded into points (one --set value per swept
// path), each run `replications` times with a derived seed. Tasks are numbered
// point * replications + replication; every worker count, MPI layout and shard split runs the
// same tasks with the same seeds, which is what makes results byte-identical.
//
// Expansion order: grid factors (axes and zip groups) in the order written, the first slowest,
// then the sampled block (its draws are the fastest-moving factor).
//
// Seeds (SplitMix64, Steele, Lea and Flood 2014, "Fast splittable pseudorandom number
// generators", OOPSLA):
//   seed(p, r) = mix(mix(mix(scenario_seed) ^ p) ^ r) & (2^53 - 1)
// with p = 0 for every point when `seeds: common` (common random numbers across points).
// The mask keeps seeds exact in JSON doubles.
//
// Samples: random draws u ~ U[0, 1) per axis; Latin hypercube (McKay, Beckman and Conover
// 1979): per axis, a random permutation pi of the `count` strata, u_i = (pi(i) + U) / count.
// Then value = from + u (to - from), or from (to/from)^u on a log scale.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/random.hpp" // splitmix64
#include "sim/scenario/scenario.hpp"

namespace capsim {

struct SweepPlan {
  std::string scenario_file; // as given on the command line; each run loads it
  std::string scenario_name;
  std::uint64_t scenario_seed = 0;
  std::vector<std::string> base_sets; // --set PATH=VALUE given to the sweep, applied first
  std::vector<std::string> axes;      // swept paths: the columns after point, replication
  std::vector<std::vector<std::string>> points; // points[p][a] = value of axes[a]
  int replications = 1;
  bool common_seeds = false;
  double timeout_s = 0;
  std::vector<CurveSpec> curves;

  std::size_t task_count() const { return points.size() * static_cast<std::size_t>(replications); }
  std::size_t point_of(std::size_t task) const { return task / replications; }
  int replication_of(std::size_t task) const { return static_cast<int>(task % replications); }
  std::uint64_t seed(std::size_t point, int replication) const;
  bool has_time_curves() const;
};

// Expands scenario.sweep (a scenario without a sweep block gives one point, one replication).
SweepPlan make_plan(const Scenario& scenario, const std::string& scenario_file,
                    const std::vector<std::string>& base_sets);

// The drawn values of a samples block, samples[i][a] for axis a (exposed for tests).
std::vector<std::vector<double>> draw_samples(const SampleSpec& spec);

// sweep.json: the plan, so that resume, merge and plot need not reload the scenario.
nlohmann::ordered_json plan_to_json(const SweepPlan& plan);
SweepPlan plan_from_json(const nlohmann::ordered_json& json); // throws std::runtime_error

// Tasks of shard `index` of `count` (0 <= index < count): task % count == index.
std::vector<std::size_t> shard_tasks(const SweepPlan& plan, std::size_t index, std::size_t count);

} // namespace capsim
