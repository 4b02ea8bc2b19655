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

#include "models/units.hpp"

namespace capsim {

inline constexpr double kFlopPerEflop = 1e18;
inline constexpr double kJoulesPerKwh = 3.6e6;

double cost_per_eflop_usd(double total_cost_usd, double useful_flop);
double cost_per_training_run_usd(double total_cost_usd, double useful_flop, double run_flop);

struct GroundTcoParams {
  double period_s = julian_year_s;
  double it_capacity_w = 0;
  double facility_capex_usd_per_w = 0;
  double facility_life_s = 15 * julian_year_s;
  double hardware_capex_usd = 0;
  double hardware_life_s = 5 * julian_year_s;
  double it_energy_j = 0;
  double pue = 1.0;
  double electricity_usd_per_j = 0;
  double maintenance_fraction_per_year = 0;
  double wue_m3_per_j = 0;
  double water_usd_per_m3 = 0;
  double useful_flop = 0;
};

struct OrbitalTcoParams {
  double period_s = julian_year_s;
  double satellites = 0;
  double satellite_power_w = 0;
  double satellite_cost_usd_per_w = 0;
  double compute_hardware_usd_per_satellite = 0;
  double satellite_mass_kg = 0;
  double launch_usd_per_kg = 0;
  double satellite_life_s = 5 * julian_year_s;
  double annual_replacement_fraction = 0;
  double ground_segment_usd = 0;
  double insurance_fraction = 0;
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
