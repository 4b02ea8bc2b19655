// Total cost of ownership and cost per useful FLOP, on the ground and in orbit.
//
// Equations (period T = period_s, Y = T / seconds per year)
//   cost per EFLOP            c = total_usd / (useful_flop / 1e18)
//   cost of a training run    total_usd * run_flop / useful_flop
//   amortised capex           capex * T / life (straight line; T > life means replacement)
// Ground
//   facility capex            facility_capex_usd_per_w * it_capacity_w, amortised over its life
//   hardware capex            hardware_capex_usd, amortised over its life
//   energy                    it_energy_j * pue * electricity_usd_per_j
//   maintenance               maintenance_fraction_per_year * (facility + hardware capex) * Y
//   water                     it_energy_j * wue_m3_per_j * water_usd_per_m3   (WUE per IT energy)
// Orbit (per satellite: unit = satellite_power_w * satellite_cost_usd_per_w + compute hardware;
//        launch = satellite_mass_kg * launch_usd_per_kg; insurance = insurance_fraction *
//        (unit + launch))
//   fleet (amortised)         satellites * (unit, launch, insurance) * T / satellite_life_s
//   replacements              satellites * annual_replacement_fraction * Y * (unit + launch +
//                             insurance): losses before end of life, rebuilt and relaunched
//   ground segment            ground_segment_usd * T / satellite_life_s (stations and operations
//                             for the constellation's life); no energy bill (solar)
//
// Parameters: see the structs (USD, W, J, kg, s; fractions per year where named so).
//
// Sources: facility capex 7.7 -> 10.7 M USD per MW of IT over ~two years, AI builds up to
// ~20 M USD/MW (press); industrial electricity 7.7-9.0 US cents/kWh (EIA, 2024-25); WUE US average
// 0.38 L/kWh (press), leading operators 0.26-0.27 L/kWh (operators' reports); PUE 1.56 industry
// average 2024 (Uptime Institute). Launch ~1,400-3,600 USD/kg today, projections <= 200 USD/kg
// (press); whole satellites 36-49 W/kg (press).
#pragma once

#include <string>
#include <vector>

#include "models/parameter.hpp"
#include "models/units.hpp"

namespace capsim {

inline constexpr double kFlopPerEflop = 1e18;
inline constexpr double kJoulesPerKwh = 3.6e6;

double cost_per_eflop_usd(double total_cost_usd, double useful_flop);
double cost_per_training_run_usd(double total_cost_usd, double useful_flop, double run_flop);

// A ground site's finance (`finance: site_costs:` item, kind ground); `water_price` is a price per
// volume (USD/m3, USD/L, USD/kL or USD/ML, README).
namespace ground_tco_parameter {
inline constexpr Parameter capex_per_it_power{
    .key = "capex_per_it_power",
    .dimension = Dimension::money_per_power,
    .default_si = 0,
    .min_si = 0,
    .max_si = 1e3,
    .meaning = "facility capex per W of IT capacity (building, power and cooling plant)"};
inline constexpr Parameter facility_life{.key = "facility_life",
                                         .dimension = Dimension::time,
                                         .default_si = 15 * julian_year_s,
                                         .min_si = 0,
                                         .max_si = 100 * julian_year_s,
                                         .meaning = "straight-line life of the facility capex",
                                         .min_exclusive = true};
inline constexpr Parameter hardware_capex{.key = "hardware_capex",
                                          .dimension = Dimension::money,
                                          .default_si = 0,
                                          .min_si = 0,
                                          .max_si = 1e13,
                                          .meaning = "IT hardware bought for the site"};
inline constexpr Parameter hardware_life{.key = "hardware_life",
                                         .dimension = Dimension::time,
                                         .default_si = 5 * julian_year_s,
                                         .min_si = 0,
                                         .max_si = 50 * julian_year_s,
                                         .meaning = "straight-line life of the hardware capex",
                                         .min_exclusive = true};
inline constexpr Parameter maintenance{.key = "maintenance",
                                       .default_si = 0,
                                       .min_si = 0,
                                       .max_si = 1,
                                       .meaning = "yearly, share of the facility and hardware "
                                                  "capex"};
inline constexpr Parameter wue{.key = "wue",
                               .dimension = Dimension::volume_per_energy,
                               .default_si = 0,
                               .min_si = 0,
                               .max_si = 1e-6,
                               .meaning = "water used per IT energy"};
inline constexpr Parameter it_capacity{.key = "it_capacity",
                                       .dimension = Dimension::power,
                                       .min_si = 0,
                                       .max_si = 1e12,
                                       .meaning = "IT power the facility capex pays for",
                                       .min_exclusive = true,
                                       .default_from =
                                           "the site's fleet at its systems' maximum power"};
inline constexpr Parameter table[] = {capex_per_it_power, facility_life, hardware_capex,
                                      hardware_life,      maintenance,   wue,
                                      it_capacity};
} // namespace ground_tco_parameter

// An orbital site's finance (`finance: site_costs:` item, kind orbital); the keys that default to
// the site's own sizing are required for a site that is not orbital.
namespace orbital_tco_parameter {
inline constexpr Parameter hardware_per_satellite{.key = "hardware_per_satellite",
                                                  .dimension = Dimension::money,
                                                  .default_si = 0,
                                                  .min_si = 0,
                                                  .max_si = 1e13,
                                                  .meaning = "compute hardware per satellite"};
inline constexpr Parameter replacement{
    .key = "replacement",
    .default_si = 0,
    .min_si = 0,
    .max_si = 1,
    .meaning = "satellites replaced each year, share of the constellation (not with the spares "
               "policy, whose launches the run costs)"};
inline constexpr Parameter ground_segment{.key = "ground_segment",
                                          .dimension = Dimension::money,
                                          .default_si = 0,
                                          .min_si = 0,
                                          .max_si = 1e13,
                                          .meaning = "ground stations and operations"};
inline constexpr Parameter insurance{.key = "insurance",
                                     .default_si = 0,
                                     .min_si = 0,
                                     .max_si = 1,
                                     .meaning = "launch and in-orbit insurance, share of the "
                                                "satellites' and launches' cost"};
inline constexpr Parameter satellites{.key = "satellites",
                                      .min_si = 0,
                                      .max_si = 1e7,
                                      .meaning = "satellites paid for",
                                      .min_exclusive = true,
                                      .default_from = "the site's, with its spares"};
inline constexpr Parameter satellite_power{.key = "satellite_power",
                                           .dimension = Dimension::power,
                                           .min_si = 0,
                                           .max_si = 1e9,
                                           .meaning =
                                               "array power per satellite, beginning of life",
                                           .min_exclusive = true,
                                           .default_from = "the site's satellite as sized"};
inline constexpr Parameter satellite_cost{.key = "satellite_cost",
                                          .dimension = Dimension::money_per_power,
                                          .min_si = 0,
                                          .max_si = 1e5,
                                          .meaning = "satellite (bus) cost per W of array power",
                                          .default_from = "the site's cost_per_watt"};
inline constexpr Parameter satellite_mass{.key = "satellite_mass",
                                          .dimension = Dimension::mass,
                                          .min_si = 0,
                                          .max_si = 1e7,
                                          .meaning = "launch mass per satellite",
                                          .min_exclusive = true,
                                          .default_from = "the site's satellite as sized"};
inline constexpr Parameter launch_price{.key = "launch_price",
                                        .dimension = Dimension::money_per_mass,
                                        .min_si = 0,
                                        .max_si = 1e6,
                                        .meaning = "launch price per kg",
                                        .default_from = "the site's launch price"};
inline constexpr Parameter satellite_life{.key = "satellite_life",
                                          .dimension = Dimension::time,
                                          .min_si = 0,
                                          .max_si = 50 * julian_year_s,
                                          .meaning = "straight-line life of the satellites",
                                          .min_exclusive = true,
                                          .default_from = "the site's design_life"};
inline constexpr Parameter table[] = {
    hardware_per_satellite, replacement,    ground_segment, insurance,    satellites,
    satellite_power,        satellite_cost, satellite_mass, launch_price, satellite_life};
} // namespace orbital_tco_parameter

struct GroundTcoParams {
  double period_s = julian_year_s;
  double it_capacity_w = 0;
  double facility_capex_usd_per_w = ground_tco_parameter::capex_per_it_power.default_si;
  double facility_life_s = ground_tco_parameter::facility_life.default_si;
  double hardware_capex_usd = ground_tco_parameter::hardware_capex.default_si;
  double hardware_life_s = ground_tco_parameter::hardware_life.default_si;
  double it_energy_j = 0;
  double pue = 1.0;
  double electricity_usd_per_j = 0;
  double maintenance_fraction_per_year = ground_tco_parameter::maintenance.default_si;
  double wue_m3_per_j = ground_tco_parameter::wue.default_si;
  double water_usd_per_m3 = 0;
  double useful_flop = 0;
};

struct OrbitalTcoParams {
  double period_s = julian_year_s;
  double satellites = 0;
  double satellite_power_w = 0;
  double satellite_cost_usd_per_w = 0;
  double compute_hardware_usd_per_satellite =
      orbital_tco_parameter::hardware_per_satellite.default_si;
  double satellite_mass_kg = 0;
  double launch_usd_per_kg = 0;
  double satellite_life_s = 5 * julian_year_s;
  double annual_replacement_fraction = orbital_tco_parameter::replacement.default_si;
  double ground_segment_usd = orbital_tco_parameter::ground_segment.default_si;
  double insurance_fraction = orbital_tco_parameter::insurance.default_si;
  double useful_flop = 0;
};

struct TcoBreakdown {
  double facility_usd = 0;
  double hardware_usd = 0;
  double energy_usd = 0;
  double maintenance_usd = 0;
  double water_usd = 0;
  double satellite_usd = 0;
  double launch_usd = 0;
  double insurance_usd = 0;
  double replacement_usd = 0;
  double ground_segment_usd = 0;
  double total_usd = 0;
  double cost_per_eflop_usd = 0;
};

std::vector<std::string> validate(const GroundTcoParams& params);
std::vector<std::string> validate(const OrbitalTcoParams& params);

// Both throw std::invalid_argument with the problems of validate() when parameters are invalid.
TcoBreakdown ground_tco(const GroundTcoParams& params);
TcoBreakdown orbital_tco(const OrbitalTcoParams& params);

} // namespace capsim
