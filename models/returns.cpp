#include "models/returns.hpp"

#include <boost/math/tools/roots.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace capsim {

double npv_per_period(const std::vector<double>& flows_usd, double rate_per_period) {
  // Horner's scheme from the last flow keeps the sum stable for long monthly vectors.
  const double discount = 1.0 / (1.0 + rate_per_period);
  double npv = 0;
  for (auto it = flows_usd.rbegin(); it != flows_usd.rend(); ++it)
    npv = npv * discount + *it;
  return npv;
}

double monthly_from_annual_rate(double annual_rate) {
  return std::pow(1.0 + annual_rate, 1.0 / 12.0) - 1.0;
}

double annual_from_monthly_rate(double monthly_rate) {
  return std::pow(1.0 + monthly_rate, 12.0) - 1.0;
}

double npv_usd(const std::vector<double>& flows_usd, double annual_discount_rate,
               int periods_per_year) {
  const double per_period = std::pow(1.0 + annual_discount_rate, 1.0 / periods_per_year) - 1.0;
  return npv_per_period(flows_usd, per_period);
}

namespace {

std::vector<double> irr_scan_grid() {
  // Dense near the rates that occur in practice, sparse towards the extremes.
  std::vector<double> grid;
  for (double r = -0.99; r < -0.1; r += 0.01)
    grid.push_back(r);
  for (double r = -0.1; r < 0.5; r += 0.0025)
    grid.push_back(r);
  for (double r = 0.5; r <= 10.0; r *= 1.1)
    grid.push_back(r);
  return grid;
}

std::string percent(double fraction) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(1);
  out << fraction * 100.0 << "%";
  return out.str();
}

} // namespace

IrrResult irr(const std::vector<double>& flows_usd) {
  IrrResult result;
  bool has_positive = false, has_negative = false;
  for (double flow : flows_usd) {
    has_positive |= flow > 0;
    has_negative |= flow < 0;
  }
  if (!has_positive || !has_negative) {
    result.reason = "cash flows have no sign change: no IRR exists";
    return result;
  }
  const std::vector<double> grid = irr_scan_grid();
  std::optional<std::pair<double, double>> first_bracket;
  double prev_rate = 0, prev_npv = std::numeric_limits<double>::quiet_NaN();
  for (double rate : grid) {
    const double npv = npv_per_period(flows_usd, rate);
    if (!std::isfinite(npv)) continue;
    if (npv == 0.0) {
      if (!first_bracket) first_bracket = {rate, rate};
      ++result.roots_found;
    } else if (std::isfinite(prev_npv) && prev_npv != 0.0 && (npv > 0) != (prev_npv > 0)) {
      if (!first_bracket) first_bracket = {prev_rate, rate};
      ++result.roots_found;
    }
    prev_rate = rate;
    prev_npv = npv;
  }
  if (!first_bracket) {
    result.reason = "NPV keeps one sign for per-period rates from -99% to 1000%: no IRR found";
    return result;
  }
  auto [a, b] = *first_bracket;
  if (a == b) {
    result.rate_per_period = a;
  } else {
    auto npv_at = [&](double r) { return npv_per_period(flows_usd, r); };
    std::uintmax_t max_iter = 200;
    auto tolerance = [](double lo, double hi) { return std::abs(hi - lo) <= 1e-14; };
    auto [lo, hi] =
        boost::math::tools::toms748_solve(npv_at, a, b, npv_at(a), npv_at(b), tolerance, max_iter);
    result.rate_per_period = 0.5 * (lo + hi);
  }
  if (result.roots_found > 1) {
    result.reason = "flows change sign more than once and NPV has " +
                    std::to_string(result.roots_found) + " roots; the lowest rate is returned";
  }
  return result;
}

double annual_irr_of_monthly(const IrrResult& monthly) {
  if (!monthly.ok()) return std::numeric_limits<double>::quiet_NaN();
  return annual_from_monthly_rate(*monthly.rate_per_period);
}

TargetSolution solve_for_target(const std::function<double(double)>& f, double target, double lo,
                                double hi, double tol, const TargetLabels& labels) {
  TargetSolution solution;
  auto format_output = [&](double y) {
    if (labels.output_as_percent) return percent(y);
    std::ostringstream out;
    out.precision(6);
    out << y;
    if (!labels.output_unit.empty()) out << " " << labels.output_unit;
    return out.str();
  };
  auto format_input = [&](double x) {
    std::ostringstream out;
    out.precision(6);
    out << x;
    if (!labels.input_unit.empty()) out << " " << labels.input_unit;
    return out.str();
  };
  if (!(lo < hi) || !(tol > 0)) {
    solution.error = "solve_for_target needs lo < hi and tol > 0, got lo = " + format_input(lo) +
                     ", hi = " + format_input(hi) + ", tol = " + std::to_string(tol);
    return solution;
  }
  const double f_lo = f(lo);
  const double f_hi = f(hi);
  solution.evaluations = 2;
  if (!std::isfinite(f_lo) || !std::isfinite(f_hi)) {
    solution.error = labels.output + " is undefined at " + labels.input + " = " +
                     format_input(std::isfinite(f_lo) ? hi : lo) + "; narrow the search range";
    return solution;
  }
  const double g_lo = f_lo - target, g_hi = f_hi - target;
  if (g_lo == 0.0 || g_hi == 0.0) {
    solution.value = g_lo == 0.0 ? lo : hi;
    solution.achieved = g_lo == 0.0 ? f_lo : f_hi;
    return solution;
  }
  if ((g_lo > 0) == (g_hi > 0)) {
    std::ostringstream range;
    range.precision(6);
    range << lo << ".." << hi << (labels.input_unit.empty() ? "" : " ") << labels.input_unit;
    solution.error = labels.output + " ranges " + format_output(std::min(f_lo, f_hi)) + ".." +
                     format_output(std::max(f_lo, f_hi)) + " for " + labels.input + " " +
                     range.str() + "; target " + format_output(target) + " is outside";
    return solution;
  }
  std::uintmax_t max_iter = 200;
  auto g = [&](double x) {
    ++solution.evaluations;
    return f(x) - target;
  };
  auto tolerance = [tol](double a, double b) { return std::abs(b - a) <= tol; };
  std::pair<double, double> bracket;
  try {
    bracket = boost::math::tools::toms748_solve(g, lo, hi, g_lo, g_hi, tolerance, max_iter);
  } catch (const std::exception& e) {
    solution.error = "root finding for " + labels.output + " failed: " + e.what();
    return solution;
  }
  const auto [a, b] = bracket;
  solution.value = 0.5 * (a + b);
  solution.tolerance = std::abs(b - a);
  solution.achieved = f(*solution.value);
  ++solution.evaluations;
  return solution;
}

} // namespace capsim
