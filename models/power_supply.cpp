#include "models/power_supply.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <sstream>

#include "models/random.hpp"

namespace capsim {

namespace {

std::string number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

// Units of `unit_capacity_w` needed to carry power_w; a relative slack keeps an exact multiple
// from rounding up to one unit more.
int units_for(double power_w, double unit_capacity_w) {
  if (power_w <= 0 || unit_capacity_w <= 0) return 0;
  return static_cast<int>(std::ceil(power_w / unit_capacity_w * (1 - 1e-12)));
}

} // namespace

std::vector<std::string> validate(const PowerSupplyParams& params) {
  std::vector<std::string> problems;
  const GridParams& grid = params.grid;
  if (!(grid.capacity_w >= 0))
    problems.push_back("grid capacity must be >= 0, got " + number(grid.capacity_w) + " W");
  if (!std::isfinite(grid.energised_time_s))
    problems.push_back("grid energisation time must be finite, got " +
                       number(grid.energised_time_s) + " s");
  if (!(grid.price_usd_per_j >= 0))
    problems.push_back("grid price must be >= 0, got " + number(grid.price_usd_per_j) + " USD/J");
  const TurbineParams& turbines = params.turbines;
  if (turbines.units < 0)
    problems.push_back("turbine units must be >= 0, got " + std::to_string(turbines.units));
  if (!(turbines.unit_capacity_w >= 0) || (turbines.units > 0 && turbines.unit_capacity_w == 0))
    problems.push_back("turbine unit capacity must be > 0, got " +
                       number(turbines.unit_capacity_w) + " W");
  if (!(turbines.availability >= 0 && turbines.availability <= 1))
    problems.push_back("turbine availability must be in [0, 1], got " +
                       number(turbines.availability));
  if (!(turbines.fuel_cost_usd_per_j >= 0))
    problems.push_back("turbine fuel cost must be >= 0, got " +
                       number(turbines.fuel_cost_usd_per_j) + " USD/J");
  if (!(turbines.efficiency > 0 && turbines.efficiency <= 1))
    problems.push_back("turbine efficiency must be in (0, 1], got " + number(turbines.efficiency));
  if (!(turbines.fuel_co2_kg_per_j >= 0))
    problems.push_back("turbine fuel CO2 factor must be >= 0, got " +
                       number(turbines.fuel_co2_kg_per_j) + " kg/J");
  if (!(grid.carbon_kg_per_j >= 0))
    problems.push_back("grid carbon intensity must be >= 0, got " + number(grid.carbon_kg_per_j) +
                       " kg/J");
  const Arbitrage& a = params.arbitrage;
  if (a.enabled && !(a.charge_below_usd_per_j < a.discharge_above_usd_per_j))
    problems.push_back("arbitrage: the charge price threshold (" +
                       number(a.charge_below_usd_per_j * 3.6e9) +
                       " USD/MWh) must be below the discharge threshold (" +
                       number(a.discharge_above_usd_per_j * 3.6e9) + " USD/MWh)");
  if (!(turbines.start_delay_s >= 0 && std::isfinite(turbines.start_delay_s)))
    problems.push_back("turbine start-up delay must be >= 0, got " +
                       number(turbines.start_delay_s) + " s");
  return problems;
}

int arbitrage_move(const Arbitrage& arbitrage, double price_usd_per_j) {
  if (!arbitrage.enabled) return 0;
  if (price_usd_per_j >= arbitrage.discharge_above_usd_per_j) return -1;
  if (price_usd_per_j <= arbitrage.charge_below_usd_per_j) return 1;
  return 0;
}

double grid_available_w(const GridParams& grid, double time_s, double curtailment_w) {
  if (time_s < grid.energised_time_s) return 0;
  return std::clamp(grid.capacity_w - curtailment_w, 0.0, grid.capacity_w);
}

int expected_turbine_units_in_service(const TurbineParams& turbines) {
  return static_cast<int>(std::floor(turbines.units * turbines.availability + 1e-9));
}

int sample_turbine_units_in_service(const TurbineParams& turbines, std::mt19937_64& rng) {
  if (turbines.units == 0) return 0;
  return binomial(rng, turbines.units, turbines.availability);
}

PowerDispatch dispatch_power(const PowerSupplyParams& params, const SupplyInputs& in) {
  assert(in.demand_w >= 0 && in.grid_available_w >= 0 && in.solar_available_w >= 0);
  assert(in.battery_discharge_limit_w >= 0 && in.battery_charge_limit_w >= 0);
  assert(in.turbine_units_running >= 0 && in.turbine_units_starting >= 0);
  assert(in.turbine_units_running + in.turbine_units_starting <= in.turbine_units_in_service);
  const TurbineParams& turbines = params.turbines;
  PowerDispatch out;

  // min(x, rest) <= rest, so rest never goes negative in floating point.
  double rest_w = in.demand_w;
  const double solar_to_load_w = std::min(in.solar_available_w, rest_w);
  rest_w -= solar_to_load_w;
  // Arbitrage: at an expensive hour the battery carries the load before the grid.
  const int move = arbitrage_move(params.arbitrage, params.grid.price_usd_per_j);
  const double arbitrage_w = move < 0 ? std::min(in.battery_discharge_limit_w, rest_w) : 0;
  rest_w -= arbitrage_w;
  // Peak shaving: the grid gives up to the target first, the battery covers what is above it,
  // and only then does the grid give more (the peak is not shaved once the battery is empty).
  const double target_w = params.peak_shaving_target_w;
  double grid_to_load_w = std::min({in.grid_available_w, rest_w, target_w});
  rest_w -= grid_to_load_w;
  double shaved_w = 0;
  if (std::isfinite(target_w)) {
    shaved_w = std::min(in.battery_discharge_limit_w - arbitrage_w, rest_w);
    rest_w -= shaved_w;
    const double above_w = std::min(in.grid_available_w - grid_to_load_w, rest_w);
    grid_to_load_w += above_w;
    rest_w -= above_w;
  }
  const double firm_shortfall_w = rest_w;
  const double running_capacity_w = in.turbine_units_running * turbines.unit_capacity_w;
  out.turbine_w = std::min(running_capacity_w, rest_w);
  rest_w -= out.turbine_w;
  const double bridged_w = std::min(in.battery_discharge_limit_w - arbitrage_w - shaved_w, rest_w);
  rest_w -= bridged_w;
  out.battery_discharge_w = arbitrage_w + shaved_w + bridged_w;
  out.unmet_w = rest_w;
  out.demand_met_w = solar_to_load_w + grid_to_load_w + out.turbine_w + out.battery_discharge_w;
  out.turbine_units_loaded = units_for(out.turbine_w, turbines.unit_capacity_w);

  // A surplus charges the battery, from the sources the policy allows, never the battery itself;
  // under peak shaving the grid charges it only up to the target, under arbitrage only at a
  // cheap hour.
  const ChargeFrom& from = params.charge_from;
  if (firm_shortfall_w == 0 && out.battery_discharge_w == 0) {
    if (from.solar)
      out.solar_to_battery_w =
          std::min(in.battery_charge_limit_w, in.solar_available_w - solar_to_load_w);
    if (from.grid && (!params.arbitrage.enabled || move > 0))
      out.grid_to_battery_w = std::max(
          0.0, std::min({in.battery_charge_limit_w - out.solar_to_battery_w,
                         in.grid_available_w - grid_to_load_w, target_w - grid_to_load_w}));
  }
  if (from.turbines && out.unmet_w == 0 && out.battery_discharge_w == 0) {
    out.turbine_to_battery_w =
        std::min(in.battery_charge_limit_w - out.solar_to_battery_w - out.grid_to_battery_w,
                 running_capacity_w - out.turbine_w);
    out.turbine_w += out.turbine_to_battery_w;
    out.turbine_units_loaded = units_for(out.turbine_w, turbines.unit_capacity_w);
  }
  const int starting = in.turbine_units_starting;
  int wanted = 0;
  if (params.policy == TurbineStartPolicy::bridge_with_battery) {
    double commitment_w = std::max(in.demand_w, in.committed_demand_w);
    if (params.charge_from.turbines) commitment_w += in.battery_charge_limit_w;
    const double short_w = commitment_w - in.solar_available_w - in.grid_available_w;
    wanted = std::min(units_for(short_w, turbines.unit_capacity_w), in.turbine_units_in_service);
  } else {
    wanted = std::min(out.turbine_units_loaded + units_for(out.unmet_w, turbines.unit_capacity_w),
                      in.turbine_units_in_service);
  }
  out.turbine_units_to_start = std::max(0, wanted - in.turbine_units_running - starting);
  if (out.turbine_units_to_start == 0)
    out.turbine_units_to_stop =
        std::max(0, in.turbine_units_running - std::max(wanted, out.turbine_units_loaded));

  out.battery_charge_w = out.solar_to_battery_w + out.grid_to_battery_w + out.turbine_to_battery_w;
  out.solar_w = solar_to_load_w + out.solar_to_battery_w;
  out.solar_curtailed_w = in.solar_available_w - out.solar_w;
  out.grid_w = grid_to_load_w + out.grid_to_battery_w;
  out.grid_cost_usd_per_s = out.grid_w * params.grid.price_usd_per_j;
  out.fuel_cost_usd_per_s = out.turbine_w * turbines.fuel_cost_usd_per_j;
  out.fuel_w = turbines.efficiency > 0 ? out.turbine_w / turbines.efficiency : 0;
  out.grid_co2_kg_per_s = out.grid_w * params.grid.carbon_kg_per_j;
  out.turbine_co2_kg_per_s = out.fuel_w * turbines.fuel_co2_kg_per_j;
  return out;
}

TurbineFleetState start_turbines(const TurbineFleetState& fleet, const TurbineParams& turbines,
                                 int units, double now_s) {
  assert(units >= 0);
  TurbineFleetState next = fleet;
  next.ready_time_s.insert(next.ready_time_s.end(), units, now_s + turbines.start_delay_s);
  std::sort(next.ready_time_s.begin(), next.ready_time_s.end());
  assert(next.running + static_cast<int>(next.ready_time_s.size()) <= turbines.units);
  return next;
}

TurbineFleetState advance_turbines(const TurbineFleetState& fleet, double now_s) {
  TurbineFleetState next = fleet;
  const auto first_waiting =
      std::upper_bound(next.ready_time_s.begin(), next.ready_time_s.end(), now_s);
  next.running += static_cast<int>(first_waiting - next.ready_time_s.begin());
  next.ready_time_s.erase(next.ready_time_s.begin(), first_waiting);
  return next;
}

TurbineFleetState stop_turbines(const TurbineFleetState& fleet, int units) {
  assert(units >= 0 && units <= fleet.running);
  TurbineFleetState next = fleet;
  next.running -= units;
  return next;
}

double next_turbine_ready_time_s(const TurbineFleetState& fleet) {
  return fleet.ready_time_s.empty() ? std::numeric_limits<double>::infinity()
                                    : fleet.ready_time_s.front();
}

SupplyLedger accumulate(const SupplyLedger& ledger, const PowerDispatch& dispatch, double dt_s) {
  assert(dt_s >= 0);
  SupplyLedger next = ledger;
  next.solar_j += dispatch.solar_w * dt_s;
  next.solar_curtailed_j += dispatch.solar_curtailed_w * dt_s;
  next.grid_j += dispatch.grid_w * dt_s;
  next.turbine_j += dispatch.turbine_w * dt_s;
  next.battery_discharge_j += dispatch.battery_discharge_w * dt_s;
  next.battery_charge_j += dispatch.battery_charge_w * dt_s;
  next.demand_met_j += dispatch.demand_met_w * dt_s;
  next.unmet_j += dispatch.unmet_w * dt_s;
  next.grid_usd += dispatch.grid_cost_usd_per_s * dt_s;
  next.fuel_usd += dispatch.fuel_cost_usd_per_s * dt_s;
  next.fuel_j += dispatch.fuel_w * dt_s;
  next.grid_co2_kg += dispatch.grid_co2_kg_per_s * dt_s;
  next.turbine_co2_kg += dispatch.turbine_co2_kg_per_s * dt_s;
  return next;
}

} // namespace capsim
