#include "sim/batch/plan.hpp"

#include <cmath>
#include <numeric>
#include <stdexcept>

#include <fmt/format.h>

namespace capsim {

namespace {

constexpr std::uint64_t seed_mask = (std::uint64_t{1} << 53) - 1;

// A generator of its own: the draws must not depend on the standard library's distributions.
class SplitMix {
public:
  explicit SplitMix(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; } // [0, 1)
  std::uint64_t below(std::uint64_t n) { // unbiased, Lemire's rejection
    std::uint64_t threshold = (0 - n) % n;
    for (;;) {
      std::uint64_t r = next();
      if (r >= threshold) return r % n;
    }
  }

private:
  std::uint64_t state_;
};

std::string format_sample(double value, const std::string& unit) {
  std::string text = fmt::format("{:.9g}", value);
  if (!unit.empty()) text += " " + unit;
  return text;
}

} // namespace

std::uint64_t SweepPlan::seed(std::size_t point, int replication) const {
  std::uint64_t p = common_seeds ? 0 : static_cast<std::uint64_t>(point);
  return splitmix64(splitmix64(splitmix64(scenario_seed) ^ p) ^
                    static_cast<std::uint64_t>(replication)) &
         seed_mask;
}

bool SweepPlan::has_time_curves() const {
  for (const auto& c : curves)
    if (c.x == "time") return true;
  return false;
}

std::vector<std::vector<double>> draw_samples(const SampleSpec& spec) {
  SplitMix rng(spec.seed);
  auto count = static_cast<std::size_t>(spec.count);
  std::vector<std::vector<double>> u(count, std::vector<double>(spec.axes.size()));
  for (std::size_t a = 0; a < spec.axes.size(); ++a) {
    if (spec.method == SampleMethod::latin_hypercube) {
      std::vector<std::size_t> strata(count);
      std::iota(strata.begin(), strata.end(), 0);
      for (std::size_t i = count; i > 1; --i) // Fisher-Yates
        std::swap(strata[i - 1], strata[rng.below(i)]);
      for (std::size_t i = 0; i < count; ++i)
        u[i][a] = (static_cast<double>(strata[i]) + rng.uniform()) / static_cast<double>(count);
    } else {
      for (std::size_t i = 0; i < count; ++i)
        u[i][a] = rng.uniform();
    }
  }
  for (auto& row : u)
    for (std::size_t a = 0; a < spec.axes.size(); ++a) {
      const SampledAxis& axis = spec.axes[a];
      row[a] = axis.scale == AxisScale::log ? axis.from * std::pow(axis.to / axis.from, row[a])
                                            : axis.from + row[a] * (axis.to - axis.from);
    }
  return u;
}

SweepPlan make_plan(const Scenario& scenario, const std::string& scenario_file,
                    const std::vector<std::string>& base_sets) {
  const SweepSpec& spec = scenario.sweep;
  SweepPlan plan;
  plan.scenario_file = scenario_file;
  plan.scenario_name = scenario.name;
  plan.scenario_seed = scenario.seed;
  plan.base_sets = base_sets;
  plan.replications = spec.replications;
  plan.common_seeds = spec.common_seeds;
  plan.timeout_s = spec.timeout_s;
  plan.curves = spec.curves;
  plan.axes = spec.paths();

  // Each factor is a list of rows of values (one value per axis of the factor).
  std::vector<std::vector<std::vector<std::string>>> factors;
  for (const auto& f : spec.factors) {
    std::vector<std::vector<std::string>> rows(f.size());
    for (std::size_t i = 0; i < f.size(); ++i)
      for (const auto& axis : f.axes)
        rows[i].push_back(axis.values[i]);
    factors.push_back(std::move(rows));
  }
  if (spec.samples) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& draw : draw_samples(*spec.samples)) {
      std::vector<std::string> row;
      for (std::size_t a = 0; a < draw.size(); ++a)
        row.push_back(format_sample(draw[a], spec.samples->axes[a].unit));
      rows.push_back(std::move(row));
    }
    factors.push_back(std::move(rows));
  }
  plan.points = {{}};
  for (const auto& factor : factors) {
    std::vector<std::vector<std::string>> next;
    next.reserve(plan.points.size() * factor.size());
    for (const auto& prefix : plan.points)
      for (const auto& row : factor) {
        auto point = prefix;
        point.insert(point.end(), row.begin(), row.end());
        next.push_back(std::move(point));
      }
    plan.points = std::move(next);
  }
  return plan;
}

nlohmann::ordered_json plan_to_json(const SweepPlan& plan) {
  nlohmann::ordered_json j;
  j["capsim_version"] = CAPSIM_VERSION;
  j["scenario_file"] = plan.scenario_file;
  j["scenario"] = plan.scenario_name;
  j["seed"] = plan.scenario_seed;
  j["sets"] = plan.base_sets;
  j["axes"] = plan.axes;
  j["replications"] = plan.replications;
  j["seeds"] = plan.common_seeds ? "common" : "independent";
  j["timeout_s"] = plan.timeout_s;
  j["points"] = plan.points;
  j["curves"] = nlohmann::ordered_json::array();
  for (const auto& c : plan.curves)
    j["curves"].push_back({{"name", c.name},
                           {"x", c.x},
                           {"y", c.y},
                           {"ys", c.ys},
                           {"group", c.group},
                           {"title", c.title}});
  return j;
}

SweepPlan plan_from_json(const nlohmann::ordered_json& j) {
  try {
    SweepPlan plan;
    plan.scenario_file = j.at("scenario_file").get<std::string>();
    plan.scenario_name = j.at("scenario").get<std::string>();
    plan.scenario_seed = j.at("seed").get<std::uint64_t>();
    plan.base_sets = j.at("sets").get<std::vector<std::string>>();
    plan.axes = j.at("axes").get<std::vector<std::string>>();
    plan.replications = j.at("replications").get<int>();
    plan.common_seeds = j.at("seeds").get<std::string>() == "common";
    plan.timeout_s = j.at("timeout_s").get<double>();
    plan.points = j.at("points").get<std::vector<std::vector<std::string>>>();
    for (const auto& c : j.at("curves"))
      plan.curves.push_back({.name = c.at("name"),
                             .x = c.at("x"),
                             .y = c.at("y"),
                             .ys = c.value("ys", std::vector<std::string>{}),
                             .group = c.at("group"),
                             .title = c.at("title")});
    if (plan.replications < 1) throw std::runtime_error("replications must be at least 1");
    for (const auto& p : plan.points)
      if (p.size() != plan.axes.size()) throw std::runtime_error("a point has the wrong size");
    return plan;
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(std::string("malformed sweep.json: ") + e.what());
  }
}

std::vector<std::size_t> shard_tasks(const SweepPlan& plan, std::size_t index, std::size_t count) {
  std::vector<std::size_t> tasks;
  for (std::size_t t = index; t < plan.task_count(); t += count)
    tasks.push_back(t);
  return tasks;
}

} // namespace capsim
