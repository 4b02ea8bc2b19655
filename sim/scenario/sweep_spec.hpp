// The scenario's `sweep:` and `curves:` blocks (batch runs). `capsim run` ignores them once
// they are valid; `capsim sweep` expands them (sim/batch/expand.hpp).
//
//   sweep:
//     replications: 4              # Monte Carlo runs per point (seeds derived, see expand.hpp)
//     seeds: independent           # or common: every point uses the same replication seeds
//     timeout: 10 min              # a point running longer is recorded as failed
//     axes:                        # crossed with each other (a grid), first axis slowest
//       - {path: jobs.pretrain.mfu, values: [0.35, 0.40, 0.45]}
//       - {path: sites.memphis.grid.capacity, from: 2 MW, to: 8 MW, steps: 4, scale: log}
//       - zip:                     # these move together: one grid axis
//           - {path: clusters.c.lease.rate, values: [2.1 USD/GPU/h, 1.8 USD/GPU/h]}
//           - {path: jobs.pretrain.start, values: [0 d, 10 d]}
//     samples:                     # random or Latin-hypercube draws, crossed with the grid
//       method: latin-hypercube    # or random
//       count: 16
//       seed: 7                    # default: the scenario's seed
//       axes:
//         - {path: sites.memphis.pue, from: 1.1, to: 1.5}
//   curves:
//     - name: goodput-vs-power
//       x: sites.memphis.grid.capacity     # a swept path, or `time`
//       y: jobs.pretrain.goodput_fraction  # a results.csv column; with x: time, sites.SITE.COLUMN
//       group: jobs.pretrain.mfu           # optional: one line per value of this swept path
//       title: Goodput against grid capacity
//
// Axis values are YAML scalars passed on unchanged as `--set PATH=VALUE`. Ranges split their
// ends into a number and a unit ("2 MW" -> 2, "MW"); both ends must use the same unit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/parameter.hpp"
#include "models/units.hpp"
#include "sim/scenario/yaml_reader.hpp"

namespace capsim {

// The numbers of the `sweep:` block, its ranges' `steps` and its `samples:` (the paths, values,
// ends and choices are described above and in the README).
namespace sweep_parameter {
inline constexpr Parameter replications{.key = "replications",
                                        .default_si = 1,
                                        .min_si = 1,
                                        .max_si = 100'000,
                                        .meaning = "Monte Carlo runs per point (seeds derived)",
                                        .whole = true};
inline constexpr Parameter timeout{.key = "timeout",
                                   .dimension = Dimension::time,
                                   .min_si = 0,
                                   .max_si = julian_year_s,
                                   .meaning = "a point running longer is recorded as failed",
                                   .min_exclusive = true,
                                   .default_from = "none (no time limit)"};
inline constexpr Parameter table[] = {replications, timeout};
} // namespace sweep_parameter

namespace sweep_axis_parameter {
inline constexpr Parameter steps{.key = "steps",
                                 .default_si = 2,
                                 .min_si = 2,
                                 .max_si = 100'000,
                                 .meaning = "values from `from` to `to`, both included (a range)",
                                 .whole = true,
                                 .required = true};
inline constexpr Parameter table[] = {steps};
} // namespace sweep_axis_parameter

namespace sweep_samples_parameter {
inline constexpr Parameter count{.key = "count",
                                 .default_si = 0,
                                 .min_si = 1,
                                 .max_si = 1'000'000,
                                 .meaning = "points drawn",
                                 .whole = true,
                                 .required = true};
inline constexpr Parameter seed{.key = "seed",
                                .default_si = 1,
                                .min_si = 0,
                                .max_si = 9'007'199'254'740'992.0, // 2^53
                                .meaning = "seed of the draws",
                                .whole = true,
                                .default_from = "the scenario's seed"};
inline constexpr Parameter table[] = {count, seed};
} // namespace sweep_samples_parameter

struct Scenario;

struct SweepAxis {
  std::string path;                // a --set path
  std::vector<std::string> values; // --set values, in order
};

// One dimension of the grid: one axis, or a zip group of axes of equal length.
struct SweepFactor {
  std::vector<SweepAxis> axes;
  std::size_t size() const { return axes.empty() ? 0 : axes.front().values.size(); }
};

enum class AxisScale { linear, log };

// An axis drawn from [from, to] by the samples block.
struct SampledAxis {
  std::string path;
  double from = 0;
  double to = 0;
  std::string unit; // appended to each drawn number ("MW"); empty for plain numbers
  AxisScale scale = AxisScale::linear;
};

enum class SampleMethod { random, latin_hypercube };

struct SampleSpec {
  SampleMethod method = SampleMethod::random;
  long long count = 0;
  std::uint64_t seed = 0;
  std::vector<SampledAxis> axes;
};

struct CurveSpec {
  std::string name;
  std::string x; // a swept path, or "time"
  std::string y; // results column, or sites.SITE.COLUMN of timeseries.csv when x is time
  std::vector<std::string> ys; // y given as a list: one line per column (no group then)
  std::string group;           // a swept path, or empty
  std::string title;           // empty: derived from x, y and group
  int line = 0;                // where the curve is defined, for messages found later
  int column = 0;
};

struct SweepSpec {
  bool present = false; // a sweep: block exists
  std::vector<SweepFactor> factors;
  std::optional<SampleSpec> samples;
  int replications = 1;
  bool common_seeds = false;
  double timeout_s = 0; // per run; 0 = no limit
  std::vector<CurveSpec> curves;

  // Every swept path, grid axes first (in order), then sampled axes.
  std::vector<std::string> paths() const;
  bool sweeps(const std::string& path) const;
};

// Reads top-level `sweep:` and `curves:` (if present) into scenario.sweep. Each axis path is
// checked against the document (top.node()): it must exist there, or setting it to the axis's
// first value must load, so a typo in an axis is a located error.
void read_sweep_sections(MapReader& top, Diagnostics& diagnostics, Scenario& scenario);

// One grid axis (or zip group) from a node shaped like an entry of `sweep.axes`; used for
// command-line axes too. Returns nullopt after reporting problems.
std::optional<SweepFactor> read_sweep_factor(const YAML::Node& node, Diagnostics& diagnostics);

// Curves given outside the scenario (capsim sweep --curve), each node shaped like an entry of
// `curves:`, checked against the scenario's sweep as the scenario's own curves are.
void read_extra_curves(const YAML::Node& curves, const Scenario& scenario, Diagnostics& diagnostics,
                       std::vector<CurveSpec>& out);

// Problem with an axis path, or nullopt when it resolves in the document `root` (see above).
std::optional<std::string> check_axis_path(const YAML::Node& root, const std::string& path,
                                           const std::string& first_value, const std::string& file);

// Splits "2 MW" into 2 and "MW"; nullopt when the text does not start with a number.
std::optional<std::pair<double, std::string>> split_number_unit(const std::string& text);

} // namespace capsim
