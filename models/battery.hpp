// Battery: an energy store with power ratings, conversion losses, a state-of-charge floor and
// optional self-discharge. Generic: a ground site's grid-scale packs and a satellite's battery
// through eclipses use the same model.
//
// Equations (E stored energy, C capacity, E_min = s_min * C the floor, k self-discharge rate,
// P bus power, eta_c / eta_d charge / discharge efficiencies):
//   charging at bus power P:     dE/dt = eta_c * P - k * E
//   discharging at bus power P:  dE/dt = -P / eta_d - k * E
//   idle:                        dE/dt = -k * E
// With a = P / eta_d (discharge) or b = eta_c * P (charge) constant over an interval:
//   E(t) = (E0 + a/k) * exp(-k t) - a/k          (discharge; E0 - a t when k = 0)
//   E(t) = b/k + (E0 - b/k) * exp(-k t)          (charge;    E0 + b t when k = 0)
// so the time to reach the floor and the time to reach full have closed forms
// (time_to_floor_s, time_to_full_s), and the constant power that lands exactly on the floor or
// on full after dt inverts them (max_discharge_power_w, max_charge_power_w).
// Energy balance of every step, exact by construction:
//   eta_c * E_in = dE + E_out / eta_d + E_self
// E stays in [E_min, C]: a discharge stops at the floor, a charge floats at full (it draws only
// the trickle k*C/eta_c that offsets self-discharge), and self-discharge stops at the floor
// (below it the battery management system disconnects the cells; the small self-discharge of the
// reserve below the floor is not modelled).
//
// Parameters:
//   capacity_j               J     nameplate stored energy C
//   max_charge_power_w       W     rating on the bus side while charging
//   max_discharge_power_w    W     rating on the bus side while discharging
//   charge_efficiency        -     stored energy / bus energy drawn, in (0, 1]
//   discharge_efficiency     -     bus energy delivered / stored energy used, in (0, 1]
//   min_state_of_charge      -     floor s_min as a fraction of C; depth of discharge = 1 - s_min
//   self_discharge_per_s     1/s   fraction of stored energy lost per second (0 = none)
//
// Sources: parameters come from the scenario. Typical figures: Li-ion round trip ~0.9 and
// depth of discharge ~0.4 for LEO cycling (s_min = 0.6), the figures commonly used for orbital
// power-system sizing; grid-scale packs of 3.9 MWh per unit (Tesla Megapack 2 XL specification),
// the units reported at the 100k-GPU Memphis campus. Round trip = eta_c * eta_d;
// symmetric_efficiency() splits a round-trip figure into equal halves.
// A ground site's defaults (battery_parameter below): round trip 0.9, the Li-ion figure above;
// the 10 % state-of-charge floor and the full battery at the start are assumptions, not sourced
// figures.
#pragma once

#include <string>
#include <vector>

#include "models/parameter.hpp"

namespace capsim {

// A ground site's battery parameters (its `battery:` block): `energy` and `power` are required,
// the policies' thresholds are required by their policy only.
namespace battery_parameter {
inline constexpr Parameter energy{.key = "energy",
                                  .dimension = Dimension::energy,
                                  .min_si = 0,
                                  .max_si = 1e16,
                                  .meaning = "energy the battery stores (its capacity)",
                                  .min_exclusive = true,
                                  .required = true};
inline constexpr Parameter power{.key = "power",
                                 .dimension = Dimension::power,
                                 .min_si = 0,
                                 .max_si = 1e12,
                                 .meaning = "highest power the battery discharges at",
                                 .min_exclusive = true,
                                 .required = true};
inline constexpr Parameter charge_power{.key = "charge_power",
                                        .dimension = Dimension::power,
                                        .default_si = 0,
                                        .min_si = 0,
                                        .max_si = 1e12,
                                        .meaning = "highest power the battery charges at",
                                        .default_from = "power (the discharge rating)"};
inline constexpr Parameter round_trip_efficiency{
    .key = "round_trip_efficiency",
    .default_si = 0.9,
    .min_si = 0,
    .max_si = 1,
    .meaning = "energy out / energy in; charge and discharge each take its square root",
    .min_exclusive = true};
inline constexpr Parameter min_state_of_charge{
    .key = "min_state_of_charge",
    .default_si = 0.1,
    .min_si = 0,
    .max_si = 0.99,
    .meaning = "floor the battery is not discharged below, share of its capacity"};
inline constexpr Parameter initial_state_of_charge{
    .key = "initial_state_of_charge",
    .default_si = 1,
    .min_si = 0,
    .max_si = 1,
    .meaning = "stored energy at the start, share of its capacity (not below the floor)"};
// Arbitrage thresholds on the grid price, in USD/MWh.
inline constexpr double usd_per_mwh = 1 / 3.6e9;
inline constexpr Parameter grid_target{
    .key = "grid_target",
    .dimension = Dimension::power,
    .min_si = 0,
    .max_si = 1e12,
    .meaning = "policy peak_shaving: the grid draw the battery holds the site to",
    .default_from = "none; required by policy peak_shaving"};
inline constexpr Parameter charge_below{
    .key = "charge_below",
    .dimension = Dimension::money_per_energy,
    .min_si = -1e4 * usd_per_mwh,
    .max_si = 1e5 * usd_per_mwh,
    .meaning = "policy arbitrage: the grid price below which the battery charges",
    .default_from = "none; required by policy arbitrage"};
inline constexpr Parameter discharge_above{
    .key = "discharge_above",
    .dimension = Dimension::money_per_energy,
    .min_si = -1e4 * usd_per_mwh,
    .max_si = 1e5 * usd_per_mwh,
    .meaning = "policy arbitrage: the grid price above which the battery discharges",
    .default_from = "none; required by policy arbitrage"};
inline constexpr Parameter table[] = {energy,
                                      power,
                                      charge_power,
                                      round_trip_efficiency,
                                      min_state_of_charge,
                                      initial_state_of_charge,
                                      grid_target,
                                      charge_below,
                                      discharge_above};
} // namespace battery_parameter

struct BatteryParams {
  double capacity_j = 0;
  double max_charge_power_w = 0;
  double max_discharge_power_w = 0;
  // 1 each by default here; a scenario sets both to the square root of its round_trip_efficiency
  // (0.9 by default: 0.9487 each).
  double charge_efficiency = 1;
  double discharge_efficiency = 1;
  double min_state_of_charge = battery_parameter::min_state_of_charge.default_si;
  double self_discharge_per_s = 0;
};

struct BatteryState {
  double energy_j = 0;
};

// The outcome of one constant-power interval. Energies are >= 0 except stored_change_j.
struct BatteryStep {
  BatteryState state;           // state at the end of the interval
  double bus_energy_j = 0;      // drawn from the bus (charge) or delivered to it (discharge)
  double stored_change_j = 0;   // end minus start stored energy
  double conversion_loss_j = 0; // lost in charge/discharge conversion
  double self_discharge_j = 0;  // lost to self-discharge
  double at_power_s = 0;        // time spent at the requested power before the floor / full
};

// Discharge power rating of a battery that carries a known load through an outage (a
// satellite through eclipse): the load times a design margin. Battery sizing
// (models/spacecraft.hpp) fixes the energy, not the power; the margin keeps the rating from
// binding while the energy lasts, for load swings around the mean (training steps draw in
// bursts) and the discharge converter's losses. 1.5 is an assumption, not a sourced figure;
// with it the eclipse outcome is set by the stored energy and the depth-of-discharge floor.
inline constexpr double battery_discharge_margin = 1.5;
double discharge_rating_for_load_w(double load_power_w);

std::vector<std::string> validate(const BatteryParams& params);

// Splits a round-trip efficiency into equal charge and discharge efficiencies: sqrt(rt).
double symmetric_efficiency(double round_trip_efficiency);
double round_trip_efficiency(const BatteryParams& params);

double floor_energy_j(const BatteryParams& params);
double usable_energy_j(const BatteryParams& params); // capacity above the floor
double state_of_charge(const BatteryState& state, const BatteryParams& params);
// A state at the given fraction of capacity (asserts floor <= soc <= 1).
BatteryState battery_at_state_of_charge(const BatteryParams& params, double state_of_charge);

// The largest constant bus power that can be delivered (absorbed) for dt_s without crossing the
// floor (exceeding capacity), capped by the rating. dt_s = 0 gives the instantaneous limit: the
// rating while above the floor (below full), else 0 (the float trickle when full).
double max_discharge_power_w(const BatteryState& state, const BatteryParams& params, double dt_s);
double max_charge_power_w(const BatteryState& state, const BatteryParams& params, double dt_s);

// Constant bus power for dt_s; power above the rating is clipped to it (asserts power_w >= 0).
BatteryStep discharge(const BatteryState& state, const BatteryParams& params, double power_w,
                      double dt_s);
BatteryStep charge(const BatteryState& state, const BatteryParams& params, double power_w,
                   double dt_s);
BatteryStep idle(const BatteryState& state, const BatteryParams& params, double dt_s);

// Time until the floor (full) at a constant bus power, clipped to the rating; 0 if already
// there, +infinity if never reached (e.g. zero power and no self-discharge, or a charge power
// below the self-discharge trickle).
double time_to_floor_s(const BatteryState& state, const BatteryParams& params,
                       double discharge_power_w);
double time_to_full_s(const BatteryState& state, const BatteryParams& params,
                      double charge_power_w);

} // namespace capsim
