#include "models/spacecraft.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <random>

using namespace capsim;

namespace {

constexpr double year_s = 365.25 * 86400;

// 8 GPU servers of 10 kW and 130 kg each (an 8-GPU H100-class server's mass and power).
const SpacecraftParams servers{.compute_units = 8,
                               .compute_unit_power_w = 10e3,
                               .compute_unit_mass_kg = 130,
                               .housekeeping_power_fraction = 0.05,
                               .array_specific_power_w_per_kg = 120,
                               .battery_specific_energy_j_per_kg = 200 * 3600.0,
                               .battery_depth_of_discharge = 0.4,
                               .battery_charge_efficiency = 0.95,
                               .battery_discharge_efficiency = 0.95,
                               .radiator_areal_mass_kg_per_m2 = 7.5,
                               .structure_bus_mass_fraction = 0.25,
                               .platform_cost_usd_per_w = 50};

SizingConditions leo(double eclipse_fraction) {
  return {.design_eclipse_fraction = eclipse_fraction,
          .orbital_period_s = orbital_period_s(650e3),
          .mission_life_s = 5 * year_s,
          .array = {.cell_efficiency = 0.30, .packing_factor = 0.9, .degradation_per_year = 0.02},
          .radiator = {.emissivity = 0.9}};
}

} // namespace

TEST_CASE("satellite sizing balances energy and adds up its mass") {
  const SizingConditions c = leo(0.36);
  REQUIRE(validate(servers).empty());
  REQUIRE(validate(c).empty());
  const SatelliteBudget b = size_satellite(servers, c);
  const double load = 84e3;
  CHECK(b.load_power_w == doctest::Approx(load));

  const double eclipse_s = 0.36 * c.orbital_period_s, daylight_s = c.orbital_period_s - eclipse_s;
  // Daylight array energy = daylight load + eclipse load through the battery's two losses.
  CHECK(b.array_power_eol_w * daylight_s ==
        doctest::Approx(load * daylight_s + load * eclipse_s / (0.95 * 0.95)).epsilon(1e-12));
  // Five years at 2 %/yr: BOL = EOL / 0.98^5.
  CHECK(b.array_power_bol_w == doctest::Approx(b.array_power_eol_w / std::pow(0.98, 5)));
  CHECK(b.array_area_m2 * 0.30 * 0.9 * c.array_design_flux_w_per_m2 ==
        doctest::Approx(b.array_power_bol_w));
  CHECK(b.array_mass_kg == doctest::Approx(b.array_power_bol_w / 120));
  // The battery delivers the eclipse load within its depth of discharge.
  CHECK(b.battery_energy_j * 0.4 * 0.95 == doctest::Approx(load * eclipse_s));
  CHECK(b.battery_mass_kg == doctest::Approx(b.battery_energy_j / (200 * 3600.0)));
  CHECK(b.radiator_area_m2 ==
        doctest::Approx(radiator_area_for_load_m2(
            c.radiator, load, {.solar_flux_w_per_m2 = c.radiator_design_flux_w_per_m2})));
  CHECK(b.compute_mass_kg == doctest::Approx(1040));
  CHECK(b.compute_mass_kg + b.array_mass_kg + b.battery_mass_kg + b.radiator_mass_kg +
            b.structure_bus_mass_kg ==
        doctest::Approx(b.total_mass_kg).epsilon(1e-12));
  CHECK(b.structure_bus_mass_kg == doctest::Approx(0.25 * b.total_mass_kg));
  CHECK(b.platform_cost_usd == doctest::Approx(50 * b.array_power_bol_w));

  // Without eclipses there is no battery and the array carries just the load.
  const SatelliteBudget dawn_dusk = size_satellite(servers, leo(0));
  CHECK(dawn_dusk.battery_mass_kg == 0.0);
  CHECK(dawn_dusk.array_power_eol_w == doctest::Approx(load));
  CHECK(dawn_dusk.total_mass_kg < b.total_mass_kg);
}

TEST_CASE("deployment schedule without failures") {
  const LaunchParams launch{.price_usd_per_kg = 1500,
                            .payload_kg = 20000,
                            .interval_s = 30 * 86400.0,
                            .first_launch_s = 86400};
  REQUIRE(validate(launch).empty());
  std::mt19937_64 rng(1);
  const DeploymentPlan plan = plan_deployment(launch, 4500, 25, rng);
  CHECK(plan.satellites_per_launch == 4);
  REQUIRE(plan.launches.size() == 7);
  CHECK(plan.launches.back().satellites == 1);
  CHECK(plan.launches[3].time_s == 86400 + 3 * 30 * 86400.0);
  CHECK(plan.satellites_in_orbit == 25);
  CHECK(plan.launch_cost_usd == doctest::Approx(25 * 4500 * 1500.0));

  const DeploymentPlan too_heavy = plan_deployment(launch, 25000, 3, rng);
  CHECK(too_heavy.satellites_per_launch == 0);
  CHECK(too_heavy.launches.empty());
}

TEST_CASE("launch failures: mean launches needed is m / (1 - p) within 3 sigma") {
  const double p = 0.2;
  const LaunchParams launch{
      .price_usd_per_kg = 1000, .payload_kg = 4000, .interval_s = 86400, .failure_probability = p};
  // 40 satellites, 4 per launch: m = 10 successes needed; launches = m + NegBin(m, 1 - p).
  const int seeds = 2000;
  const double m = 10;
  double sum = 0;
  for (int seed = 0; seed < seeds; ++seed) {
    std::mt19937_64 rng(seed);
    const DeploymentPlan plan = plan_deployment(launch, 1000, 40, rng);
    CHECK(plan.satellites_in_orbit == 40);
    sum += static_cast<double>(plan.launches.size());
  }
  const double mean = m / (1 - p), sd = std::sqrt(m * p / ((1 - p) * (1 - p)));
  CHECK(std::abs(sum / seeds - mean) < 3 * sd / std::sqrt(seeds));
}

TEST_CASE("spacecraft and launch validation") {
  CHECK(validate(SpacecraftParams{}).size() == 1); // compute unit power missing
  CHECK(validate(SpacecraftParams{.compute_units = 0,
                                  .compute_unit_power_w = 1,
                                  .battery_depth_of_discharge = 0,
                                  .structure_bus_mass_fraction = 1})
            .size() == 3);
  CHECK(validate(LaunchParams{.payload_kg = 1, .failure_probability = 1}).front() ==
        "launch failure probability must be in [0, 1), got 1");
  CHECK(
      validate(SizingConditions{.design_eclipse_fraction = 0.6, .orbital_period_s = 5000}).size() ==
      1);
}

TEST_CASE("mission design: the worst eclipse of a year of beta angles, whatever the dates") {
  const double h = 650e3;
  // Any orbit that is not sun-synchronous drifts through beta = 0: the longest eclipse,
  // f = acos(sqrt(h^2 + 2 R h) / a) / pi (Rickman's cylindrical shadow).
  const double a = earth_radius_m + h;
  const double longest = std::acos(std::sqrt(h * h + 2 * earth_radius_m * h) / a) / M_PI;
  CHECK(design_eclipse_fraction({.altitude_m = h, .sun_synchronous = false}) ==
        doctest::Approx(longest).epsilon(1e-12));
  // Dawn-dusk: an eclipse season around one solstice, shorter eclipses than at beta = 0, but
  // not none (a run of spring months sees no eclipse at all).
  const double dawn_dusk =
      design_eclipse_fraction({.altitude_m = h, .sun_synchronous = true, .ltan_s = 6 * 3600.0});
  CHECK(dawn_dusk > 0.05);
  CHECK(dawn_dusk < 0.7 * longest);
  // The year sampled is the same whatever run uses it: equal to the worst of a year sampled
  // from another year's start, to the ephemeris' year-to-year change (well inside the margin).
  const CircularOrbit later = sun_synchronous_orbit(
      {.altitude_m = h,
       .ltan_s = 6 * 3600.0,
       .epoch_days_j2000 = days_since_j2000({.year = 2031, .month = 4, .day = 1})});
  CHECK(max_eclipse_fraction(later, 0, tropical_year_s, 3600) ==
        doctest::Approx(dawn_dusk).epsilon(0.005));
  // Noon-midnight (LTAN 12 h): beta stays within the Sun's declination, |beta| <= 23.4 deg + the
  // equation of time: the eclipse is near the longest all year.
  const double noon =
      design_eclipse_fraction({.altitude_m = h, .sun_synchronous = true, .ltan_s = 12 * 3600.0});
  CHECK(noon == doctest::Approx(longest).epsilon(1e-3));
}

TEST_CASE("mission design: end-of-life array and radiator, with the eclipse margin") {
  const DesignOrbit orbit{.altitude_m = 650e3, .sun_synchronous = false};
  const SolarArrayParams array{.area_m2 = 1, .degradation_per_year = 0.02};
  const RadiatorParams radiator{.area_m2 = 1, .emissivity = 0.88};
  const SizingConditions c5 = mission_sizing_conditions(orbit, 5 * year_s, array, radiator, 0.80);
  CHECK(c5.design_eclipse_fraction ==
        doctest::Approx(design_eclipse_margin * design_eclipse_fraction(orbit)).epsilon(1e-15));
  CHECK(c5.radiator.emissivity == 0.80);
  const SatelliteBudget b5 = size_satellite(servers, c5);
  // Five years at 2 %/yr: P_bol = P_eol / 0.98^5 (SMAD eq. 11-6 form).
  CHECK(b5.array_power_bol_w ==
        doctest::Approx(b5.array_power_eol_w / std::pow(0.98, 5)).epsilon(1e-12));
  // A longer design life needs more array at launch, never less.
  const SatelliteBudget b10 =
      size_satellite(servers, mission_sizing_conditions(orbit, 10 * year_s, array, radiator, 0.80));
  CHECK(b10.array_power_bol_w > b5.array_power_bol_w);
  // The radiator sized at end-of-life emissivity is larger than at beginning of life, and
  // rejects the full load at 0.80: sized at 0.88 it would not.
  const SatelliteBudget fresh =
      size_satellite(servers, mission_sizing_conditions(orbit, 5 * year_s, array, radiator, 0.88));
  CHECK(b5.radiator_area_m2 > fresh.radiator_area_m2);
  RadiatorParams aged = radiator;
  aged.emissivity = 0.80;
  CHECK(b5.radiator_area_m2 ==
        doctest::Approx(
            radiator_area_for_load_m2(
                aged, b5.load_power_w,
                {.solar_flux_w_per_m2 = c5.radiator_design_flux_w_per_m2, .sunlit = true}))
            .epsilon(1e-12));
  // One platform cost basis: USD/W of beginning-of-life array power.
  CHECK(b5.platform_cost_usd == doctest::Approx(50 * b5.array_power_bol_w).epsilon(1e-15));
}

TEST_CASE("spares policy: whole missing satellites are ordered, by hand") {
  // 81 satellites + 2 spares of 24 GPUs: 1,992 GPUs wanted.
  CHECK(capsim::spares_to_order(81, 2, 24, 1992, 0) == 0);
  CHECK(capsim::spares_to_order(81, 2, 24, 1992 - 23, 0) == 0); // less than a satellite short
  CHECK(capsim::spares_to_order(81, 2, 24, 1992 - 24, 0) == 1);
  CHECK(capsim::spares_to_order(81, 2, 24, 1992 - 71, 0) == 2);  // 71 short: 2 whole satellites
  CHECK(capsim::spares_to_order(81, 2, 24, 1992 - 71, 48) == 0); // 2 already on order
  CHECK(capsim::spares_to_order(81, 2, 24, 1992 - 71, 24) == 1);
  CHECK(capsim::spares_to_order(81, 0, 24, 2000, 0) == 0); // more than wanted: nothing
}

TEST_CASE("one launch costs its mass flown, failed or not, and draws as the deployment does") {
  capsim::LaunchParams p{.price_usd_per_kg = 1500,
                         .payload_kg = 60000,
                         .interval_s = 7 * 86400.0,
                         .first_launch_s = 0,
                         .failure_probability = 0.5};
  std::mt19937_64 a(7), b(7);
  int failures = 0;
  for (int k = 0; k < 200; ++k) {
    const capsim::Launch l = capsim::fly_launch(p, 1383.3, 3, 10.0 * k, a);
    CHECK(l.cost_usd == doctest::Approx(3 * 1383.3 * 1500).epsilon(1e-15));
    CHECK(l.time_s == 10.0 * k);
    CHECK(l.satellites == 3);
    failures += l.success ? 0 : 1;
  }
  // The deployment of 200 x 43 satellites draws the same stream: one uniform per launch.
  p.failure_probability = 0.5;
  const capsim::DeploymentPlan d = capsim::plan_deployment(p, 1383.3, 43 * 200, b);
  int deployment_failures = 0;
  for (std::size_t k = 0; k < 200; ++k)
    deployment_failures += d.launches[k].success ? 0 : 1;
  CHECK(deployment_failures == failures);
  CHECK(failures > 60); // p = 0.5 over 200 launches: 100 +- 7
  CHECK(failures < 140);
}
