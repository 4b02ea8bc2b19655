#include "models/spacecraft.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdio>

namespace capsim {

namespace {

std::string num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", x);
  return buf;
}

void require_fraction(std::vector<std::string>& problems, double value, bool open_low,
                      bool open_high, const char* what) {
  const bool low_ok = open_low ? value > 0 : value >= 0;
  const bool high_ok = open_high ? value < 1 : value <= 1;
  if (!(low_ok && high_ok))
    problems.push_back(std::string(what) + " must be in " + (open_low ? "(" : "[") + "0, 1" +
                       (open_high ? ")" : "]") + ", got " + num(value));
}

void require_positive(std::vector<std::string>& problems, double value, const char* what,
                      const char* unit) {
  if (!(value > 0 && std::isfinite(value)))
    problems.push_back(std::string(what) + " must be > 0 " + unit + ", got " + num(value));
}

void require_non_negative(std::vector<std::string>& problems, double value, const char* what,
                          const char* unit) {
  if (!(value >= 0 && std::isfinite(value)))
    problems.push_back(std::string(what) + " must be >= 0 " + unit + ", got " + num(value));
}

} // namespace

std::vector<std::string> validate(const SpacecraftParams& p) {
  std::vector<std::string> problems;
  if (!(p.compute_units >= 1 && std::isfinite(p.compute_units)))
    problems.push_back("compute units per satellite must be >= 1, got " + num(p.compute_units));
  require_positive(problems, p.compute_unit_power_w, "compute unit power", "W");
  require_non_negative(problems, p.compute_unit_mass_kg, "compute unit mass", "kg");
  require_fraction(problems, p.housekeeping_power_fraction, false, true,
                   "housekeeping power fraction");
  require_positive(problems, p.array_specific_power_w_per_kg, "array specific power", "W/kg");
  require_positive(problems, p.battery_specific_energy_j_per_kg, "battery specific energy", "J/kg");
  require_fraction(problems, p.battery_depth_of_discharge, true, false,
                   "battery depth of discharge");
  require_fraction(problems, p.battery_charge_efficiency, true, false, "battery charge efficiency");
  require_fraction(problems, p.battery_discharge_efficiency, true, false,
                   "battery discharge efficiency");
  require_positive(problems, p.radiator_areal_mass_kg_per_m2, "radiator areal mass", "kg/m2");
  require_fraction(problems, p.structure_bus_mass_fraction, false, true,
                   "structure and bus mass fraction");
  require_non_negative(problems, p.platform_cost_usd_per_w, "platform cost", "USD/W");
  return problems;
}

std::vector<std::string> validate(const SizingConditions& c) {
  std::vector<std::string> problems;
  if (!(c.design_eclipse_fraction >= 0 && c.design_eclipse_fraction < 0.5))
    problems.push_back("design eclipse fraction must be in [0, 0.5), got " +
                       num(c.design_eclipse_fraction));
  require_positive(problems, c.orbital_period_s, "orbital period", "s");
  require_non_negative(problems, c.mission_life_s, "mission life", "s");
  require_positive(problems, c.array_design_flux_w_per_m2, "array design solar flux", "W/m2");
  require_non_negative(problems, c.radiator_design_flux_w_per_m2, "radiator design solar flux",
                       "W/m2");
  // The sizing sets the areas itself; check the technology with a placeholder area.
  SolarArrayParams array = c.array;
  array.area_m2 = 1;
  for (auto& problem : validate(array))
    problems.push_back(std::move(problem));
  RadiatorParams radiator = c.radiator;
  radiator.area_m2 = 1;
  for (auto& problem : validate(radiator))
    problems.push_back(std::move(problem));
  return problems;
}

SatelliteBudget size_satellite(const SpacecraftParams& p, const SizingConditions& c) {
  SatelliteBudget b{};
  b.compute_power_w = p.compute_units * p.compute_unit_power_w;
  b.load_power_w = b.compute_power_w * (1 + p.housekeeping_power_fraction);

  const double eclipse_s = c.design_eclipse_fraction * c.orbital_period_s;
  const double daylight_s = c.orbital_period_s - eclipse_s;
  assert(daylight_s > 0);
  b.array_power_eol_w = b.load_power_w + b.load_power_w * eclipse_s /
                                             (daylight_s * p.battery_charge_efficiency *
                                              p.battery_discharge_efficiency);
  b.array_power_bol_w = b.array_power_eol_w / degradation_factor(c.array, c.mission_life_s);
  b.array_area_m2 = b.array_power_bol_w / (c.array.cell_efficiency * c.array.packing_factor *
                                           c.array_design_flux_w_per_m2);
  b.array_mass_kg = b.array_power_bol_w / p.array_specific_power_w_per_kg;

  b.battery_energy_j =
      b.load_power_w * eclipse_s / (p.battery_depth_of_discharge * p.battery_discharge_efficiency);
  b.battery_mass_kg = b.battery_energy_j / p.battery_specific_energy_j_per_kg;

  b.radiator_area_m2 = radiator_area_for_load_m2(
      c.radiator, b.load_power_w,
      {.solar_flux_w_per_m2 = c.radiator_design_flux_w_per_m2, .sunlit = true});
  b.radiator_mass_kg = b.radiator_area_m2 * p.radiator_areal_mass_kg_per_m2;

  b.compute_mass_kg = p.compute_units * p.compute_unit_mass_kg;
  const double subsystems_kg =
      b.compute_mass_kg + b.array_mass_kg + b.battery_mass_kg + b.radiator_mass_kg;
  b.total_mass_kg = subsystems_kg / (1 - p.structure_bus_mass_fraction);
  b.structure_bus_mass_kg = b.total_mass_kg - subsystems_kg;
  b.platform_cost_usd = p.platform_cost_usd_per_w * b.array_power_bol_w;
  return b;
}

double design_eclipse_fraction(const DesignOrbit& orbit) {
  assert(orbit.altitude_m > 0);
  if (!orbit.sun_synchronous) return eclipse_fraction(orbit.altitude_m, 0);
  const CircularOrbit reference =
      sun_synchronous_orbit({.altitude_m = orbit.altitude_m,
                             .ltan_s = orbit.ltan_s,
                             .epoch_days_j2000 = days_since_j2000(design_reference_date)});
  return max_eclipse_fraction(reference, 0, tropical_year_s, 3600);
}

SizingConditions mission_sizing_conditions(const DesignOrbit& orbit, double design_life_s,
                                           const SolarArrayParams& array,
                                           const RadiatorParams& radiator,
                                           double end_of_life_emissivity) {
  SizingConditions c{.design_eclipse_fraction =
                         std::min(0.499, design_eclipse_margin * design_eclipse_fraction(orbit)),
                     .orbital_period_s = orbital_period_s(orbit.altitude_m),
                     .mission_life_s = design_life_s,
                     .array = array,
                     .radiator = radiator};
  c.radiator.emissivity = end_of_life_emissivity;
  return c;
}

std::vector<std::string> validate(const LaunchParams& p) {
  std::vector<std::string> problems;
  require_non_negative(problems, p.price_usd_per_kg, "launch price", "USD/kg");
  require_positive(problems, p.payload_kg, "payload per launch", "kg");
  require_non_negative(problems, p.interval_s, "launch interval", "s");
  if (!std::isfinite(p.first_launch_s)) problems.push_back("first launch time must be finite");
  require_fraction(problems, p.failure_probability, false, true, "launch failure probability");
  return problems;
}

int satellites_per_launch(const LaunchParams& p, double satellite_mass_kg) {
  assert(satellite_mass_kg > 0);
  const double fit = std::floor(p.payload_kg / satellite_mass_kg);
  return fit >= 1e9 ? 1000000000 : static_cast<int>(fit);
}

Launch fly_launch(const LaunchParams& p, double satellite_mass_kg, int satellites, double time_s,
                  std::mt19937_64& rng) {
  // Top 53 bits as a uniform in [0, 1): the same draws with every standard library.
  const bool fails = static_cast<double>(rng() >> 11) * 0x1.0p-53 < p.failure_probability;
  return {.time_s = time_s,
          .satellites = satellites,
          .success = !fails,
          .cost_usd = satellites * satellite_mass_kg * p.price_usd_per_kg};
}

int spares_to_order(int satellites, int spares, int gpus_per_satellite, long long gpus_in_orbit,
                    long long gpus_on_order) {
  assert(satellites >= 0 && spares >= 0 && gpus_per_satellite > 0);
  const long long target = static_cast<long long>(satellites + spares) * gpus_per_satellite;
  const long long missing = target - gpus_in_orbit - gpus_on_order;
  return missing > 0 ? static_cast<int>(missing / gpus_per_satellite) : 0;
}

DeploymentPlan plan_deployment(const LaunchParams& p, double satellite_mass_kg, int satellites,
                               std::mt19937_64& rng) {
  assert(satellites >= 0 && p.failure_probability >= 0 && p.failure_probability < 1);
  DeploymentPlan plan{.launches = {},
                      .satellites_per_launch = satellites_per_launch(p, satellite_mass_kg),
                      .satellites_in_orbit = 0,
                      .launch_cost_usd = 0};
  if (plan.satellites_per_launch == 0) return plan;
  int remaining = satellites;
  for (int j = 0; remaining > 0; ++j) {
    const int carried = std::min(plan.satellites_per_launch, remaining);
    const Launch launch =
        fly_launch(p, satellite_mass_kg, carried, p.first_launch_s + j * p.interval_s, rng);
    const bool success = launch.success;
    plan.launches.push_back(launch);
    plan.launch_cost_usd += launch.cost_usd;
    if (success) {
      remaining -= carried;
      plan.satellites_in_orbit += carried;
    }
  }
  return plan;
}

const char* to_string(ReplacementPolicy policy) {
  switch (policy) {
  case ReplacementPolicy::none:
    return "none";
  case ReplacementPolicy::at_end_of_life:
    return "at_end_of_life";
  case ReplacementPolicy::spares:
    return "spares";
  }
  return "?";
}

FleetPlan plan_fleet(const LaunchParams& p, double satellite_mass_kg, int satellites, double life_s,
                     ReplacementPolicy policy, double horizon_s, std::mt19937_64& rng) {
  assert(life_s > 0);
  FleetPlan plan{.events = {},
                 .satellites_per_launch = satellites_per_launch(p, satellite_mass_kg),
                 .satellites_launched = 0};
  if (plan.satellites_per_launch == 0) return plan;
  using Kind = FleetEvent::Kind;
  auto add_launches = [&](const DeploymentPlan& d, Kind kind) {
    for (const Launch& l : d.launches)
      if (l.time_s <= horizon_s)
        plan.events.push_back({.kind = kind,
                               .time_s = l.time_s,
                               .satellites = l.satellites,
                               .success = l.success,
                               .cost_usd = l.cost_usd,
                               .first_satellite = -1,
                               .cohort = -1});
  };
  add_launches(plan_deployment(p, satellite_mass_kg, satellites, rng), Kind::launch);
  // Cohorts in time order; each retirement (and its replacements, drawn then) follows its
  // launch by life_s > 0, so handling events in time order sees every launch before its end.
  auto before = [](const FleetEvent& a, const FleetEvent& b) {
    if (a.time_s != b.time_s) return a.time_s < b.time_s;
    return (a.kind == Kind::retirement) > (b.kind == Kind::retirement);
  };
  std::stable_sort(plan.events.begin(), plan.events.end(), before);
  int cohorts = 0;
  for (std::size_t i = 0; i < plan.events.size(); ++i) {
    if (plan.events[i].kind == Kind::retirement || !plan.events[i].success) continue;
    plan.events[i].first_satellite = plan.satellites_launched;
    plan.events[i].cohort = cohorts++;
    const FleetEvent e = plan.events[i]; // a copy: the vector grows below
    plan.satellites_launched += e.satellites;
    const double end_s = e.time_s + life_s;
    if (end_s > horizon_s) continue;
    FleetEvent retirement{.kind = Kind::retirement,
                          .time_s = end_s,
                          .satellites = e.satellites,
                          .success = true,
                          .cost_usd = 0,
                          .first_satellite = e.first_satellite,
                          .cohort = e.cohort};
    std::vector<FleetEvent> added{retirement};
    if (policy == ReplacementPolicy::at_end_of_life) {
      LaunchParams replace = p;
      replace.first_launch_s = end_s;
      const std::size_t first_new = plan.events.size();
      add_launches(plan_deployment(replace, satellite_mass_kg, e.satellites, rng),
                   Kind::replacement_launch);
      added.insert(added.end(), plan.events.begin() + static_cast<long>(first_new),
                   plan.events.end());
      plan.events.resize(first_new);
    }
    // Insert the new events after position i, keeping the order (all are later than e).
    for (const FleetEvent& n : added) {
      auto at = std::upper_bound(plan.events.begin() + static_cast<long>(i) + 1, plan.events.end(),
                                 n, before);
      plan.events.insert(at, n);
    }
  }
  return plan;
}

} // namespace capsim
