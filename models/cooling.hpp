// Terrestrial cooling plant: heat-removal capacity, cooling power, PUE and water use as
// functions of the outdoor (dry-bulb) ambient temperature.
//
// Equations (T_a ambient, Q heat load = IT power, all temperatures in K):
//   chiller COP, Carnot-fraction model:
//     T_evap = T_supply - dT_evap,   T_cond = T_a + dT_cond,   lift = T_cond - T_evap
//     COP(T_a) = min(COP_max, f_carnot * T_evap / lift)         (COP_max when lift <= 0)
//   Its relative sensitivity is d ln COP / d T_a = -1 / lift: 1.4 %/degF at a 40 K lift, inside
//   the rule of thumb of 1-2 % of chiller efficiency lost per degF of condenser water above design.
//   economiser (free cooling) when T_a <= T_econ: compressors off, only fans and pumps run
//   cooling power   P_cool = Q_r * fan_pump_fraction + (economiser ? 0 : Q_r / COP(T_a))
//   capacity        Q_max(T_a) = Q_design                          for T_a <= T_design
//                   Q_max(T_a) = Q_design * (1 - (1 - c_max) * u)   for T_design < T_a <= T_max,
//                                with u = (T_a - T_design) / (T_max - T_design)
//                   Q_max(T_a) = 0                                 for T_a > T_max (plant trips)
//   heat removed    Q_r = min(Q, Q_max(T_a))
//   other overhead  P_other = IT * other_overhead_fraction   (power distribution, UPS, lighting)
//   PUE             (IT + P_cool + P_other) / IT
//   water           V' = WUE * IT + evaporative_fraction * (Q_r + P_cool) / (L_v * rho_w)
//                   with L_v = 2.43 MJ/kg (water at ~30 degC) and rho_w = 1000 kg/m3
// The heat of the overhead itself is not routed through the plant; the ambient is dry-bulb
// (a wet-bulb-driven cooling tower would see a smaller swing).
//
// Parameters:
//   design_capacity_w                  W      heat removal up to the design ambient
//   design_ambient_k                   K      full capacity up to here
//   max_ambient_k                      K      capacity fraction c_max here; the plant trips above
//   capacity_fraction_at_max_ambient   -      c_max in [0, 1]
//   coolant_supply_k                   K      facility-water (liquid) or chilled-water supply
//   evaporator_approach_k              K      supply minus evaporating temperature
//   condenser_approach_k               K      condensing temperature minus ambient
//   carnot_fraction                    -      real COP / Carnot COP, in (0, 1)
//   max_chiller_cop                    -      cap on the COP at small lifts
//   economiser_max_ambient_k           K      free cooling at or below this ambient
//   fan_pump_power_fraction            -      fan and pump power per W of heat removed
//   other_overhead_fraction            -      non-cooling overhead per W of IT
//   wue_m3_per_j                       m3/J   site water per J of IT energy (1 L/kWh = 2.78e-10)
//   evaporative_fraction               -      share of rejected heat evaporated (exclusive of WUE)
//
// Sources: PUE 1.56-1.58 industry average (Uptime Institute Global Data Center Survey 2023,
// 2024); <= 1.3 new large builds and ~1.08-1.10 at the best hyperscalers (operators'
// sustainability reports); WUE 0.38 L/kWh US average, 0.26-0.27 leading operators; chiller
// efficiency 1-2 % per degF of condenser water (rule of thumb). Liquid-cooling facility-water
// classes W17-W45 (ASHRAE TC 9.9, "Liquid Cooling Guidelines for Datacom Equipment Centers").
// The presets' approaches, Carnot fractions and overhead fractions are engineering assumptions
// chosen so that their PUE falls in those published ranges; they are documented per preset.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "models/parameter.hpp"

namespace capsim {

// A ground site's cooling parameters (its `cooling:` block) that have a default; `type` (liquid
// or air) and `capacity` are required. The type's preset (below) gives the temperatures and the
// capacity fraction; validate() checks what ties them (max_ambient above design_ambient).
namespace cooling_parameter {
inline constexpr double zero_celsius_k = 273.15;
inline constexpr Parameter design_ambient{
    .key = "design_ambient",
    .dimension = Dimension::temperature,
    .min_si = zero_celsius_k - 40,
    .max_si = zero_celsius_k + 60,
    .meaning = "the plant removes its full capacity up to this ambient",
    .default_from = "type liquid: 38 degC; air: 35 degC"};
inline constexpr Parameter max_ambient{
    .key = "max_ambient",
    .dimension = Dimension::temperature,
    .min_si = zero_celsius_k - 40,
    .max_si = zero_celsius_k + 70,
    .meaning = "capacity falls linearly to capacity_at_max_ambient here; the plant trips above",
    .default_from = "type liquid: 48 degC; air: 46 degC"};
inline constexpr Parameter economiser_below{
    .key = "economiser_below",
    .dimension = Dimension::temperature,
    .min_si = zero_celsius_k - 100,
    .max_si = zero_celsius_k + 50,
    .meaning = "free cooling (compressors off) at or below this ambient",
    .default_from = "type liquid: 20 degC; air: 10 degC"};
inline constexpr Parameter capacity_at_max_ambient{
    .key = "capacity_at_max_ambient",
    .min_si = 0,
    .max_si = 1,
    .meaning = "share of the design capacity left at max_ambient",
    .default_from = "type liquid: 0.8; air: 0.75"};
inline constexpr Parameter wue{.key = "wue",
                               .dimension = Dimension::volume_per_energy,
                               .default_si = 0,
                               .min_si = 0,
                               .max_si = 10e-3 / 3.6e6,
                               .meaning = "site water per J of IT energy (0.38 L/kWh US average)"};
inline constexpr Parameter capacity{.key = "capacity",
                                    .dimension = Dimension::power,
                                    .default_si = 1,
                                    .min_si = 0,
                                    .max_si = 1e12,
                                    .meaning = "heat the plant removes up to design_ambient",
                                    .min_exclusive = true,
                                    .required = true};
inline constexpr Parameter table[] = {capacity,         design_ambient,          max_ambient,
                                      economiser_below, capacity_at_max_ambient, wue};
} // namespace cooling_parameter

// A ground site with a fixed `pue` instead of a cooling plant: the heat it can reject (a key of the
// site itself; not with a cooling plant, whose capacity is `cooling.capacity`).
namespace fixed_pue_cooling_parameter {
inline constexpr Parameter pue{.key = "pue",
                               .default_si = 1.3,
                               .min_si = 1,
                               .max_si = 3,
                               .meaning = "facility power / IT power, fixed (instead of a "
                                          "cooling plant, whose PUE is an output)",
                               .default_from = "none: give pue or a cooling plant"};
inline constexpr Parameter cooling_capacity{
    .key = "cooling_capacity",
    .dimension = Dimension::power,
    .default_si = 0,
    .min_si = 0,
    .max_si = 1e12,
    .meaning = "IT heat a site with a fixed pue can reject; its GPUs are capped to it",
    .min_exclusive = true,
    .default_from = "none: the whole fleet's heat at full power (non-binding)"};
inline constexpr Parameter table[] = {pue, cooling_capacity};
} // namespace fixed_pue_cooling_parameter

struct CoolingParams {
  double design_capacity_w = 0;
  double design_ambient_k = 0;
  double max_ambient_k = 0;
  double capacity_fraction_at_max_ambient = 1;
  double coolant_supply_k = 0;
  double evaporator_approach_k = 0;
  double condenser_approach_k = 0;
  double carnot_fraction = 0.5;
  double max_chiller_cop = 10;
  double economiser_max_ambient_k = 0;
  double fan_pump_power_fraction = 0;
  double other_overhead_fraction = 0;
  double wue_m3_per_j = cooling_parameter::wue.default_si;
  double evaporative_fraction = 0;
};

struct CoolingOperatingPoint {
  double capacity_w = 0;      // heat-removal capacity at this ambient
  double heat_removed_w = 0;  // min(IT power, capacity)
  double heat_excess_w = 0;   // IT power the plant cannot remove
  bool economiser = false;    // free cooling, compressors off
  double chiller_cop = 0;     // COP the chiller has (or would have) at this ambient
  double cooling_power_w = 0; // fans, pumps and compressors
  double other_overhead_w = 0;
  double facility_power_w = 0; // IT + cooling + other overhead
  double pue = 0;              // at zero IT: the ratio per W of IT as the load goes to zero
  double water_m3_per_s = 0;
};

std::vector<std::string> validate(const CoolingParams& params);

// Direct-to-chip liquid cooling with W27 facility water (27 degC supply) and dry coolers with
// chiller trim: economiser up to 20 degC ambient, 3 K evaporator and 10 K condenser approach,
// 0.45 of Carnot, fans+pumps (CDUs, dry coolers) 4 % and other overhead 4 % of IT; full
// capacity to 38 degC, 80 % at 48 degC. PUE ~1.08 in free cooling, ~1.24 at 35 degC.
CoolingParams direct_liquid_cooling_preset(double design_capacity_w);
// Air cooling with 10 degC chilled water, CRAHs and chillers: air-side economiser up to 10 degC,
// 3 K / 12 K approaches, 0.5 of Carnot, COP <= 8, fans+pumps 10 % and other overhead 8 %;
// full capacity to 35 degC, 75 % at 46 degC. PUE ~1.18 in free cooling, ~1.47 at 35 degC.
CoolingParams air_cooling_preset(double design_capacity_w);

double heat_removal_capacity_w(const CoolingParams& params, double ambient_k);
double chiller_cop(const CoolingParams& params, double ambient_k);
bool economiser_active(const CoolingParams& params, double ambient_k);
std::size_t count_economiser_hours(const CoolingParams& params,
                                   std::span<const double> hourly_ambient_k);

CoolingOperatingPoint cooling_operating_point(const CoolingParams& params, double it_power_w,
                                              double ambient_k);

} // namespace capsim
