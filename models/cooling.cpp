#include "models/cooling.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <sstream>

namespace capsim {

namespace {

constexpr double celsius_k = 273.15;
constexpr double latent_heat_j_per_kg = 2.43e6;
constexpr double water_density_kg_per_m3 = 1000;

std::string number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

} // namespace

std::vector<std::string> validate(const CoolingParams& p) {
  std::vector<std::string> problems;
  auto require = [&](bool ok, const std::string& message) {
    if (!ok) problems.push_back(message);
  };
  require(p.design_capacity_w > 0,
          "design capacity must be > 0, got " + number(p.design_capacity_w) + " W");
  require(p.design_ambient_k > 0,
          "design ambient must be > 0 K, got " + number(p.design_ambient_k) + " K");
  require(p.max_ambient_k > p.design_ambient_k,
          "maximum ambient must be above the design ambient, got " + number(p.max_ambient_k) +
              " K <= " + number(p.design_ambient_k) + " K");
  require(p.capacity_fraction_at_max_ambient >= 0 && p.capacity_fraction_at_max_ambient <= 1,
          "capacity fraction at maximum ambient must be in [0, 1], got " +
              number(p.capacity_fraction_at_max_ambient));
  require(p.coolant_supply_k > p.evaporator_approach_k,
          "coolant supply must be above the evaporator approach, got " +
              number(p.coolant_supply_k) + " K");
  require(p.evaporator_approach_k >= 0,
          "evaporator approach must be >= 0, got " + number(p.evaporator_approach_k) + " K");
  require(p.condenser_approach_k >= 0,
          "condenser approach must be >= 0, got " + number(p.condenser_approach_k) + " K");
  require(p.carnot_fraction > 0 && p.carnot_fraction < 1,
          "Carnot fraction must be in (0, 1), got " + number(p.carnot_fraction));
  require(p.max_chiller_cop > 0,
          "maximum chiller COP must be > 0, got " + number(p.max_chiller_cop));
  require(p.economiser_max_ambient_k >= 0, "economiser maximum ambient must be >= 0 K, got " +
                                               number(p.economiser_max_ambient_k) + " K");
  require(p.fan_pump_power_fraction >= 0 && p.fan_pump_power_fraction < 1,
          "fan and pump power fraction must be in [0, 1), got " +
              number(p.fan_pump_power_fraction));
  require(p.other_overhead_fraction >= 0 && p.other_overhead_fraction < 1,
          "other overhead fraction must be in [0, 1), got " + number(p.other_overhead_fraction));
  require(p.wue_m3_per_j >= 0, "WUE must be >= 0, got " + number(p.wue_m3_per_j) + " m3/J");
  require(p.evaporative_fraction >= 0 && p.evaporative_fraction <= 1,
          "evaporative fraction must be in [0, 1], got " + number(p.evaporative_fraction));
  require(!(p.wue_m3_per_j > 0 && p.evaporative_fraction > 0),
          "give either WUE or an evaporative fraction, not both");
  return problems;
}

CoolingParams direct_liquid_cooling_preset(double design_capacity_w) {
  return CoolingParams{.design_capacity_w = design_capacity_w,
                       .design_ambient_k = celsius_k + 38,
                       .max_ambient_k = celsius_k + 48,
                       .capacity_fraction_at_max_ambient = 0.8,
                       .coolant_supply_k = celsius_k + 27,
                       .evaporator_approach_k = 3,
                       .condenser_approach_k = 10,
                       .carnot_fraction = 0.45,
                       .max_chiller_cop = 10,
                       .economiser_max_ambient_k = celsius_k + 20,
                       .fan_pump_power_fraction = 0.04,
                       .other_overhead_fraction = 0.04};
}

CoolingParams air_cooling_preset(double design_capacity_w) {
  return CoolingParams{.design_capacity_w = design_capacity_w,
                       .design_ambient_k = celsius_k + 35,
                       .max_ambient_k = celsius_k + 46,
                       .capacity_fraction_at_max_ambient = 0.75,
                       .coolant_supply_k = celsius_k + 10,
                       .evaporator_approach_k = 3,
                       .condenser_approach_k = 12,
                       .carnot_fraction = 0.5,
                       .max_chiller_cop = 8,
                       .economiser_max_ambient_k = celsius_k + 10,
                       .fan_pump_power_fraction = 0.10,
                       .other_overhead_fraction = 0.08};
}

double heat_removal_capacity_w(const CoolingParams& p, double ambient_k) {
  if (ambient_k <= p.design_ambient_k) return p.design_capacity_w;
  if (ambient_k > p.max_ambient_k) return 0;
  const double over = (ambient_k - p.design_ambient_k) / (p.max_ambient_k - p.design_ambient_k);
  return p.design_capacity_w * (1 - (1 - p.capacity_fraction_at_max_ambient) * over);
}

double chiller_cop(const CoolingParams& p, double ambient_k) {
  const double evaporator_k = p.coolant_supply_k - p.evaporator_approach_k;
  const double lift_k = ambient_k + p.condenser_approach_k - evaporator_k;
  if (lift_k <= 0) return p.max_chiller_cop;
  return std::min(p.max_chiller_cop, p.carnot_fraction * evaporator_k / lift_k);
}

bool economiser_active(const CoolingParams& p, double ambient_k) {
  return ambient_k <= p.economiser_max_ambient_k;
}

std::size_t count_economiser_hours(const CoolingParams& p,
                                   std::span<const double> hourly_ambient_k) {
  return static_cast<std::size_t>(
      std::count_if(hourly_ambient_k.begin(), hourly_ambient_k.end(),
                    [&](double ambient_k) { return economiser_active(p, ambient_k); }));
}

CoolingOperatingPoint cooling_operating_point(const CoolingParams& p, double it_power_w,
                                              double ambient_k) {
  assert(it_power_w >= 0);
  CoolingOperatingPoint op;
  op.capacity_w = heat_removal_capacity_w(p, ambient_k);
  op.heat_removed_w = std::min(it_power_w, op.capacity_w);
  op.heat_excess_w = it_power_w - op.heat_removed_w;
  op.economiser = economiser_active(p, ambient_k);
  op.chiller_cop = chiller_cop(p, ambient_k);
  const double cooling_per_w = p.fan_pump_power_fraction + (op.economiser ? 0 : 1 / op.chiller_cop);
  op.cooling_power_w = op.heat_removed_w * cooling_per_w;
  op.other_overhead_w = it_power_w * p.other_overhead_fraction;
  op.facility_power_w = it_power_w + op.cooling_power_w + op.other_overhead_w;
  op.pue = it_power_w > 0      ? op.facility_power_w / it_power_w
           : op.capacity_w > 0 ? 1 + cooling_per_w + p.other_overhead_fraction
                               : 1 + p.other_overhead_fraction;
  const double rejected_w = op.heat_removed_w + op.cooling_power_w;
  op.water_m3_per_s =
      p.wue_m3_per_j * it_power_w +
      p.evaporative_fraction * rejected_w / (latent_heat_j_per_kg * water_density_kg_per_m3);
  return op;
}

} // namespace capsim
