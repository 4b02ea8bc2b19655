#include "models/solar_array.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdio>

#include "models/units.hpp"

namespace capsim {

namespace {

std::string num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", x);
  return buf;
}

} // namespace

std::vector<std::string> validate(const SolarArrayParams& params) {
  std::vector<std::string> problems;
  if (!(params.area_m2 > 0 && std::isfinite(params.area_m2)))
    problems.push_back("solar array area must be > 0 m2, got " + num(params.area_m2));
  if (!(params.cell_efficiency > 0 && params.cell_efficiency <= 1))
    problems.push_back("cell efficiency must be in (0, 1], got " + num(params.cell_efficiency));
  if (!(params.packing_factor > 0 && params.packing_factor <= 1))
    problems.push_back("packing factor must be in (0, 1], got " + num(params.packing_factor));
  if (!(params.degradation_per_year >= 0 && params.degradation_per_year < 1))
    problems.push_back("degradation per year must be in [0, 1), got " +
                       num(params.degradation_per_year));
  return problems;
}

double degradation_factor(const SolarArrayParams& params, double age_s) {
  assert(age_s >= 0);
  return std::pow(1 - params.degradation_per_year, age_s / julian_year_s);
}

double incidence_cos(ArrayPointing pointing, double beta_rad) {
  switch (pointing) {
  case ArrayPointing::sun_tracking:
    return 1;
  case ArrayPointing::single_axis:
    return std::cos(beta_rad);
  case ArrayPointing::fixed_orbit_normal:
    return std::max(0.0, std::sin(beta_rad));
  }
  assert(false);
  return 0;
}

double solar_array_power_w(const SolarArrayParams& params, double solar_flux_w_per_m2,
                           double cos_incidence, double age_s) {
  return params.area_m2 * params.cell_efficiency * solar_flux_w_per_m2 *
         std::max(0.0, cos_incidence) * params.packing_factor * degradation_factor(params, age_s);
}

double solar_array_power_w(const SolarArrayParams& params, const CircularOrbit& orbit, double t_s,
                           double age_s) {
  if (in_eclipse(orbit, t_s)) return 0;
  return solar_array_power_w(params, solar_flux_at_w_per_m2(orbit, t_s),
                             incidence_cos(params.pointing, beta_angle_rad(orbit, t_s)), age_s);
}

} // namespace capsim
