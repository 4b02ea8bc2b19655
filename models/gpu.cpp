#include "models/gpu.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <sstream>

namespace capsim {

namespace {

std::string number(double value) {
  std::ostringstream out;
  out.precision(6);
  out << value;
  return out.str();
}

// Slope used below the lowest point (see the header): never flatter than the chord to (0, 0).
double extrapolation_slope(const std::vector<PowerCapPoint>& points) {
  const PowerCapPoint& lowest = points.front();
  double slope = lowest.perf_fraction / lowest.cap_fraction;
  if (points.size() >= 2) {
    const PowerCapPoint& next = points[1];
    slope = std::max(slope, (next.perf_fraction - lowest.perf_fraction) /
                                (next.cap_fraction - lowest.cap_fraction));
  }
  return slope;
}

bool ends_at_one(const PowerCapCurve& curve) {
  return !curve.points.empty() && curve.points.back().cap_fraction == 1.0 &&
         curve.points.back().perf_fraction == 1.0;
}

void require_positive(std::vector<std::string>& problems, const std::string& what, double value,
                      const std::string& unit) {
  if (!(std::isfinite(value) && value > 0))
    problems.push_back(what + " must be > 0 " + unit + ", got " + number(value) + " " + unit);
}

void require_non_negative(std::vector<std::string>& problems, const std::string& what, double value,
                          const std::string& unit) {
  if (!(std::isfinite(value) && value >= 0))
    problems.push_back(what + " must be >= 0 " + unit + ", got " + number(value) + " " + unit);
}

} // namespace

double perf_fraction_at_cap(const PowerCapCurve& curve, double cap_fraction) {
  assert(ends_at_one(curve));
  assert(!std::isnan(cap_fraction));
  const std::vector<PowerCapPoint>& points = curve.points;
  if (cap_fraction >= 1.0) return 1.0;
  const PowerCapPoint& lowest = points.front();
  if (cap_fraction <= lowest.cap_fraction) {
    const double slope = extrapolation_slope(points);
    return std::max(0.0, lowest.perf_fraction - slope * (lowest.cap_fraction - cap_fraction));
  }
  const auto upper =
      std::upper_bound(points.begin(), points.end(), cap_fraction,
                       [](double cap, const PowerCapPoint& p) { return cap < p.cap_fraction; });
  assert(upper != points.begin() && upper != points.end());
  const PowerCapPoint& lo = *(upper - 1);
  const PowerCapPoint& hi = *upper;
  const double t = (cap_fraction - lo.cap_fraction) / (hi.cap_fraction - lo.cap_fraction);
  return lo.perf_fraction + t * (hi.perf_fraction - lo.perf_fraction);
}

double cap_fraction_for_perf(const PowerCapCurve& curve, double perf_fraction) {
  assert(ends_at_one(curve));
  assert(!std::isnan(perf_fraction));
  const std::vector<PowerCapPoint>& points = curve.points;
  const double target = std::clamp(perf_fraction, 0.0, 1.0);
  if (target <= 0.0) return 0.0;
  const PowerCapPoint& lowest = points.front();
  if (target <= lowest.perf_fraction)
    return lowest.cap_fraction - (lowest.perf_fraction - target) / extrapolation_slope(points);
  // Walking up from the bottom, the first segment whose upper end reaches the target has its
  // lower end strictly below it, so the division is by a positive rise.
  for (std::size_t i = 0; i + 1 < points.size(); ++i) {
    const PowerCapPoint& lo = points[i];
    const PowerCapPoint& hi = points[i + 1];
    if (hi.perf_fraction >= target) {
      assert(lo.perf_fraction < target);
      const double t = (target - lo.perf_fraction) / (hi.perf_fraction - lo.perf_fraction);
      return lo.cap_fraction + t * (hi.cap_fraction - lo.cap_fraction);
    }
  }
  assert(false && "a valid curve ends at (1, 1)");
  return 1.0;
}

std::vector<std::string> validate(const PowerCapCurve& curve) {
  std::vector<std::string> problems;
  const std::vector<PowerCapPoint>& points = curve.points;
  if (points.empty()) {
    problems.push_back("power-cap curve has no points; it needs at least (1, 1)");
    return problems;
  }
  for (std::size_t i = 0; i < points.size(); ++i) {
    const PowerCapPoint& p = points[i];
    const std::string where = "point " + std::to_string(i + 1) + ": ";
    if (!(std::isfinite(p.cap_fraction) && p.cap_fraction > 0 && p.cap_fraction <= 1))
      problems.push_back(where + "cap fraction must be in (0, 1], got " + number(p.cap_fraction));
    if (!(std::isfinite(p.perf_fraction) && p.perf_fraction > 0 && p.perf_fraction <= 1))
      problems.push_back(where + "performance fraction must be in (0, 1], got " +
                         number(p.perf_fraction));
    if (i == 0) continue;
    const PowerCapPoint& previous = points[i - 1];
    if (!(p.cap_fraction > previous.cap_fraction))
      problems.push_back(where + "cap fractions must increase strictly, got " +
                         number(p.cap_fraction) + " after " + number(previous.cap_fraction));
    if (p.perf_fraction < previous.perf_fraction)
      problems.push_back(where + "performance must not fall as the cap rises, got " +
                         number(p.perf_fraction) + " after " + number(previous.perf_fraction));
  }
  if (!ends_at_one(curve))
    problems.push_back("the last point must be (1, 1), uncapped performance at TDP, got (" +
                       number(points.back().cap_fraction) + ", " +
                       number(points.back().perf_fraction) + ")");
  return problems;
}

std::vector<std::string> validate(const GpuSpec& gpu) {
  std::vector<std::string> problems;
  if (gpu.name.empty()) problems.push_back("GPU name must not be empty");
  require_positive(problems, "tdp", gpu.tdp_w, "W");
  require_positive(problems, "bf16_dense", gpu.bf16_dense_flops, "FLOP/s");
  require_non_negative(problems, "fp8_dense", gpu.fp8_dense_flops, "FLOP/s");
  if (gpu.fp8_dense_flops > 0 && gpu.fp8_dense_flops < gpu.bf16_dense_flops)
    problems.push_back("fp8_dense must be 0 (no FP8) or at least bf16_dense (" +
                       number(gpu.bf16_dense_flops) + " FLOP/s), got " +
                       number(gpu.fp8_dense_flops) + " FLOP/s");
  require_positive(problems, "hbm", gpu.hbm_bytes, "B");
  require_positive(problems, "hbm_bandwidth", gpu.hbm_bytes_per_s, "B/s");
  require_non_negative(problems, "nvlink_bandwidth", gpu.nvlink_bytes_per_s, "B/s");
  if (gpu.nvlink_domain < 1)
    problems.push_back("nvlink_domain must be >= 1, got " + std::to_string(gpu.nvlink_domain));
  if (gpu.nvlink_domain > 1 && !(gpu.nvlink_bytes_per_s > 0))
    problems.push_back("nvlink_bandwidth must be > 0 B/s when nvlink_domain is " +
                       std::to_string(gpu.nvlink_domain));
  require_non_negative(problems, "price", gpu.price_usd, "USD");
  for (const std::string& problem : validate(gpu.power_cap))
    problems.push_back("power_cap_curve: " + problem);
  return problems;
}

std::vector<std::string> validate(const SystemSpec& system) {
  std::vector<std::string> problems;
  if (system.name.empty()) problems.push_back("system name must not be empty");
  if (system.gpu.empty()) problems.push_back("gpu must name a GPU of the catalogue");
  if (system.gpus < 1) problems.push_back("gpus must be >= 1, got " + std::to_string(system.gpus));
  require_positive(problems, "power_max", system.power_max_w, "W");
  require_positive(problems, "power_typical", system.power_typical_w, "W");
  require_non_negative(problems, "power_idle", system.power_idle_w, "W");
  if (system.power_typical_w > system.power_max_w)
    problems.push_back("power_typical (" + number(system.power_typical_w) +
                       " W) must not exceed power_max (" + number(system.power_max_w) + " W)");
  if (system.power_idle_w > system.power_typical_w)
    problems.push_back("power_idle (" + number(system.power_idle_w) +
                       " W) must not exceed power_typical (" + number(system.power_typical_w) +
                       " W)");
  require_positive(problems, "mass", system.mass_kg, "kg");
  require_non_negative(problems, "price", system.price_usd, "USD");
  require_non_negative(problems, "scale_out_bandwidth_per_gpu",
                       system.scale_out_bytes_per_s_per_gpu, "B/s");
  require_non_negative(problems, "host_link_bandwidth_per_gpu",
                       system.host_link_bytes_per_s_per_gpu, "B/s");
  require_non_negative(problems, "host_memory_per_gpu", system.host_memory_bytes_per_gpu, "B");
  return problems;
}

std::vector<std::string> validate(const SystemSpec& system, const GpuSpec& gpu) {
  std::vector<std::string> problems;
  if (system.gpu != gpu.name)
    problems.push_back("system " + system.name + " holds GPU '" + system.gpu + "', not '" +
                       gpu.name + "'");
  const double gpus_tdp_w = system.gpus * gpu.tdp_w;
  if (system.power_max_w < gpus_tdp_w)
    problems.push_back("power_max (" + number(system.power_max_w) + " W) of " + system.name +
                       " is below its GPUs' TDP (" + std::to_string(system.gpus) + " x " +
                       number(gpu.tdp_w) + " W)");
  const double gpus_price_usd = system.gpus * gpu.price_usd;
  if (system.price_usd > 0 && gpu.price_usd > 0 && system.price_usd < gpus_price_usd)
    problems.push_back("price (" + number(system.price_usd) + " USD) of " + system.name +
                       " is below the price of its GPUs (" + std::to_string(system.gpus) + " x " +
                       number(gpu.price_usd) + " USD)");
  return problems;
}

} // namespace capsim
