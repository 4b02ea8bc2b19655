#include "models/tco.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace capsim {

double cost_per_eflop_usd(double total_cost_usd, double useful_flop) {
  if (!(useful_flop > 0)) return std::numeric_limits<double>::infinity();
  return total_cost_usd / (useful_flop / kFlopPerEflop);
}

double cost_per_training_run_usd(double total_cost_usd, double useful_flop, double run_flop) {
  if (!(useful_flop > 0)) return std::numeric_limits<double>::infinity();
  return total_cost_usd * run_flop / useful_flop;
}

namespace {

void require(std::vector<std::string>& problems, bool ok, const std::string& name,
             const std::string& range, double value) {
  if (!ok || !std::isfinite(value))
    problems.push_back(name + " must be " + range + ", got " + std::to_string(value));
}

void throw_if_invalid(const std::vector<std::string>& problems) {
  if (problems.empty()) return;
  std::string joined;
  for (const auto& problem : problems)
    joined += (joined.empty() ? "" : "; ") + problem;
  throw std::invalid_argument(joined);
}

} // namespace

std::vector<std::string> validate(const GroundTcoParams& p) {
  std::vector<std::string> problems;
  require(problems, p.period_s > 0, "ground TCO period_s", "> 0", p.period_s);
  require(problems, p.it_capacity_w >= 0, "ground TCO it_capacity_w", ">= 0", p.it_capacity_w);
  require(problems, p.facility_capex_usd_per_w >= 0, "ground TCO facility_capex_usd_per_w", ">= 0",
          p.facility_capex_usd_per_w);
  require(problems, p.facility_life_s > 0, "ground TCO facility_life_s", "> 0", p.facility_life_s);
  require(problems, p.hardware_capex_usd >= 0, "ground TCO hardware_capex_usd", ">= 0",
          p.hardware_capex_usd);
  require(problems, p.hardware_life_s > 0, "ground TCO hardware_life_s", "> 0", p.hardware_life_s);
  require(problems, p.it_energy_j >= 0, "ground TCO it_energy_j", ">= 0", p.it_energy_j);
  require(problems, p.pue >= 1, "ground TCO pue", ">= 1", p.pue);
  require(problems, p.electricity_usd_per_j >= 0, "ground TCO electricity_usd_per_j", ">= 0",
          p.electricity_usd_per_j);
  require(problems, p.maintenance_fraction_per_year >= 0 && p.maintenance_fraction_per_year < 1,
          "ground TCO maintenance_fraction_per_year", "in [0, 1)", p.maintenance_fraction_per_year);
  require(problems, p.wue_m3_per_j >= 0, "ground TCO wue_m3_per_j", ">= 0", p.wue_m3_per_j);
  require(problems, p.water_usd_per_m3 >= 0, "ground TCO water_usd_per_m3", ">= 0",
          p.water_usd_per_m3);
  require(problems, p.useful_flop >= 0, "ground TCO useful_flop", ">= 0", p.useful_flop);
  return problems;
}

std::vector<std::string> validate(const OrbitalTcoParams& p) {
  std::vector<std::string> problems;
  require(problems, p.period_s > 0, "orbital TCO period_s", "> 0", p.period_s);
  require(problems, p.satellites >= 0, "orbital TCO satellites", ">= 0", p.satellites);
  require(problems, p.satellite_power_w >= 0, "orbital TCO satellite_power_w", ">= 0",
          p.satellite_power_w);
  require(problems, p.satellite_cost_usd_per_w >= 0, "orbital TCO satellite_cost_usd_per_w", ">= 0",
          p.satellite_cost_usd_per_w);
  require(problems, p.compute_hardware_usd_per_satellite >= 0,
          "orbital TCO compute_hardware_usd_per_satellite", ">= 0",
          p.compute_hardware_usd_per_satellite);
  require(problems, p.satellite_mass_kg >= 0, "orbital TCO satellite_mass_kg", ">= 0",
          p.satellite_mass_kg);
  require(problems, p.launch_usd_per_kg >= 0, "orbital TCO launch_usd_per_kg", ">= 0",
          p.launch_usd_per_kg);
  require(problems, p.satellite_life_s > 0, "orbital TCO satellite_life_s", "> 0",
          p.satellite_life_s);
  require(problems, p.annual_replacement_fraction >= 0 && p.annual_replacement_fraction <= 1,
          "orbital TCO annual_replacement_fraction", "in [0, 1]", p.annual_replacement_fraction);
  require(problems, p.ground_segment_usd >= 0, "orbital TCO ground_segment_usd", ">= 0",
          p.ground_segment_usd);
  require(problems, p.insurance_fraction >= 0 && p.insurance_fraction < 1,
          "orbital TCO insurance_fraction", "in [0, 1)", p.insurance_fraction);
  require(problems, p.useful_flop >= 0, "orbital TCO useful_flop", ">= 0", p.useful_flop);
  return problems;
}

TcoBreakdown ground_tco(const GroundTcoParams& p) {
  throw_if_invalid(validate(p));
  const double years = p.period_s / julian_year_s;
  const double facility_capex_usd = p.facility_capex_usd_per_w * p.it_capacity_w;
  TcoBreakdown tco;
  tco.facility_usd = facility_capex_usd * p.period_s / p.facility_life_s;
  tco.hardware_usd = p.hardware_capex_usd * p.period_s / p.hardware_life_s;
  tco.energy_usd = p.it_energy_j * p.pue * p.electricity_usd_per_j;
  tco.maintenance_usd =
      p.maintenance_fraction_per_year * (facility_capex_usd + p.hardware_capex_usd) * years;
  tco.water_usd = p.it_energy_j * p.wue_m3_per_j * p.water_usd_per_m3;
  tco.total_usd =
      tco.facility_usd + tco.hardware_usd + tco.energy_usd + tco.maintenance_usd + tco.water_usd;
  tco.cost_per_eflop_usd = cost_per_eflop_usd(tco.total_usd, p.useful_flop);
  return tco;
}

TcoBreakdown orbital_tco(const OrbitalTcoParams& p) {
  throw_if_invalid(validate(p));
  const double years = p.period_s / julian_year_s;
  const double unit_usd =
      p.satellite_power_w * p.satellite_cost_usd_per_w + p.compute_hardware_usd_per_satellite;
  const double launch_usd = p.satellite_mass_kg * p.launch_usd_per_kg;
  const double insurance_usd = p.insurance_fraction * (unit_usd + launch_usd);
  const double amortised_share = p.satellites * p.period_s / p.satellite_life_s;
  TcoBreakdown tco;
  tco.satellite_usd = unit_usd * amortised_share;
  tco.launch_usd = launch_usd * amortised_share;
  tco.insurance_usd = insurance_usd * amortised_share;
  tco.replacement_usd = p.satellites * p.annual_replacement_fraction * years *
                        (unit_usd + launch_usd + insurance_usd);
  tco.ground_segment_usd = p.ground_segment_usd * p.period_s / p.satellite_life_s;
  tco.total_usd = tco.satellite_usd + tco.launch_usd + tco.insurance_usd + tco.replacement_usd +
                  tco.ground_segment_usd;
  tco.cost_per_eflop_usd = cost_per_eflop_usd(tco.total_usd, p.useful_flop);
  return tco;
}

} // namespace capsim
