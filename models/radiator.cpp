#include "models/radiator.hpp"

#include <boost/math/tools/toms748_solve.hpp>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <numbers>

namespace capsim {

namespace {

std::string num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", x);
  return buf;
}

double pow4(double x) {
  return (x * x) * (x * x);
}

double emission_coefficient_w_per_m2_k4(const RadiatorParams& params) {
  return params.sides * params.emissivity * stefan_boltzmann_w_per_m2_k4;
}

} // namespace

std::vector<std::string> validate(const RadiatorParams& params) {
  std::vector<std::string> problems;
  auto in_range = [&](double value, double lo, double hi, const char* what) {
    if (!(value >= lo && value <= hi))
      problems.push_back(std::string(what) + " must be in [" + num(lo) + ", " + num(hi) +
                         "], got " + num(value));
  };
  if (!(params.area_m2 >= 0 && std::isfinite(params.area_m2)))
    problems.push_back("radiator area must be >= 0 m2, got " + num(params.area_m2));
  if (params.sides != 1 && params.sides != 2)
    problems.push_back("radiator sides must be 1 or 2, got " + std::to_string(params.sides));
  if (!(params.emissivity > 0 && params.emissivity <= 1))
    problems.push_back("emissivity must be in (0, 1], got " + num(params.emissivity));
  in_range(params.solar_absorptivity, 0, 1, "solar absorptivity");
  in_range(params.solar_incidence_cos, 0, 1, "cosine of the solar incidence angle");
  in_range(params.earth_view_factor, 0, 2, "Earth view factor (sum over faces)");
  in_range(params.albedo, 0, 1, "albedo");
  if (!(params.earth_ir_w_per_m2 >= 0 && std::isfinite(params.earth_ir_w_per_m2)))
    problems.push_back("Earth infrared flux must be >= 0 W/m2, got " +
                       num(params.earth_ir_w_per_m2));
  if (!(params.sink_temperature_k >= 0 && std::isfinite(params.sink_temperature_k)))
    problems.push_back("sink temperature must be >= 0 K, got " + num(params.sink_temperature_k));
  if (!(params.temperature_limit_k > params.sink_temperature_k &&
        std::isfinite(params.temperature_limit_k)))
    problems.push_back("radiator temperature limit must be above the sink temperature (" +
                       num(params.sink_temperature_k) + " K), got " +
                       num(params.temperature_limit_k) + " K");
  if (!(params.heat_capacity_j_per_k >= 0 && std::isfinite(params.heat_capacity_j_per_k)))
    problems.push_back("radiator heat capacity must be >= 0 J/K, got " +
                       num(params.heat_capacity_j_per_k));
  return problems;
}

double nadir_plate_earth_view_factor(double altitude_m) {
  const double h_ratio = (earth_radius_m + altitude_m) / earth_radius_m;
  const double x = std::sqrt(h_ratio * h_ratio - 1);
  return (std::atan(1 / x) - x / (h_ratio * h_ratio)) / std::numbers::pi;
}

double absorbed_flux_w_per_m2(const RadiatorParams& params, const RadiatorEnvironment& env) {
  const double earth_ir = params.emissivity * params.earth_view_factor * params.earth_ir_w_per_m2;
  if (!env.sunlit) return earth_ir;
  const double direct =
      params.solar_absorptivity * env.solar_flux_w_per_m2 * params.solar_incidence_cos;
  const double albedo = params.solar_absorptivity * params.albedo * params.earth_view_factor *
                        env.solar_flux_w_per_m2;
  return direct + albedo + earth_ir;
}

double net_rejection_w_per_m2(const RadiatorParams& params, double temperature_k,
                              const RadiatorEnvironment& env) {
  return emission_coefficient_w_per_m2_k4(params) *
             (pow4(temperature_k) - pow4(params.sink_temperature_k)) -
         absorbed_flux_w_per_m2(params, env);
}

double heat_rejection_capacity_w(const RadiatorParams& params, const RadiatorEnvironment& env) {
  return std::max(0.0,
                  params.area_m2 * net_rejection_w_per_m2(params, params.temperature_limit_k, env));
}

double steady_state_temperature_k(const RadiatorParams& params, double heat_w,
                                  const RadiatorEnvironment& env) {
  assert(params.area_m2 > 0 && heat_w >= 0);
  // T^4 is the only power of T in the balance, so the quartic has this closed-form root.
  const double t4 = pow4(params.sink_temperature_k) +
                    (heat_w / params.area_m2 + absorbed_flux_w_per_m2(params, env)) /
                        emission_coefficient_w_per_m2_k4(params);
  return std::sqrt(std::sqrt(t4));
}

double radiator_area_for_load_m2(const RadiatorParams& params, double heat_w,
                                 const RadiatorEnvironment& env) {
  assert(heat_w >= 0);
  const double net = net_rejection_w_per_m2(params, params.temperature_limit_k, env);
  if (net <= 0) return std::numeric_limits<double>::infinity();
  return heat_w / net;
}

double thermal_time_constant_s(const RadiatorParams& params, double heat_w,
                               const RadiatorEnvironment& env) {
  const double t_eq = steady_state_temperature_k(params, heat_w, env);
  const double k = emission_coefficient_w_per_m2_k4(params) * params.area_m2;
  return params.heat_capacity_j_per_k / (4 * k * t_eq * t_eq * t_eq);
}

RadiatorStep advance(const RadiatorState& state, const RadiatorParams& params, double heat_w,
                     double dt_s, const RadiatorEnvironment& env) {
  assert(dt_s >= 0 && heat_w >= 0 && state.temperature_k >= 0);
  const double t0 = state.temperature_k;
  const double t_eq = steady_state_temperature_k(params, heat_w, env);
  const double c = params.heat_capacity_j_per_k;
  auto step_to = [&](double t1) {
    return RadiatorStep{.state = {.temperature_k = t1},
                        .rejected_j = heat_w * dt_s - c * (t1 - t0)};
  };
  if (c == 0) return step_to(t_eq);
  if (dt_s == 0 || t0 == t_eq) return step_to(t0);

  const double k = emission_coefficient_w_per_m2_k4(params) * params.area_m2;
  const double sign = t0 > t_eq ? 1.0 : -1.0;
  const double y0 = std::log(std::abs((t0 - t_eq) / (t0 + t_eq)));
  auto phi = [sign](double y) { return y - 2 * sign * std::atan(std::exp(y)); };
  const double target = phi(y0) - 4 * t_eq * t_eq * t_eq * k * dt_s / c;
  // |phi(y) - y| < pi and y only decreases, which brackets the root.
  const double lo = target - std::numbers::pi;
  const double hi = std::min(y0, target + std::numbers::pi);
  auto residual = [&](double y) { return phi(y) - target; };
  double y;
  if (residual(hi) <= 0) {
    y = hi;
  } else {
    std::uintmax_t max_iter = 200;
    const auto [a, b] =
        boost::math::tools::toms748_solve(residual, lo, hi, residual(lo), residual(hi),
                                          boost::math::tools::eps_tolerance<double>(), max_iter);
    y = 0.5 * (a + b);
  }
  const double x = sign * std::exp(y);
  const double t1 = t_eq * (1 + x) / (1 - x);
  // Rounding must not carry the temperature past the steady state or back past the start.
  return step_to(std::clamp(t1, std::min(t0, t_eq), std::max(t0, t_eq)));
}

} // namespace capsim
