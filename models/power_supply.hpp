// Power supply of a ground site: grid, on-site gas turbines, a battery and optional solar,
// dispatched in merit order against a facility demand that is constant over an interval.
//
// Dispatch (all powers in W, "available" as given by the caller for this interval):
//   solar_to_load   = min(solar_available, demand)
//   arbitrage_out   = min(battery_discharge_limit, demand - solar_to_load) when the grid price
//                     is at or above the discharge threshold (battery policy arbitrage), else 0
//   grid_to_load    = min(grid_available, demand - solar_to_load - arbitrage_out)
//                     with peak shaving to a target T (battery policy peak_shaving):
//                       min(grid_available, rest, T), then the battery covers
//                       min(battery_discharge_limit, rest) above T, then the grid the rest
//   turbine_w       = min(running_units * unit_capacity, rest)
//   battery_out     = min(battery_discharge_limit, rest)
//   unmet           = rest                     (the simulator turns it into caps or sheds)
//   commitment      = max(demand, committed_demand): the turbines are committed for what the
//                     site wants to draw (its uncapped wish), not only for what it draws now
//   units_wanted    = bridging policy (the battery only bridges the start-up delay):
//                       min(ceil((commitment - solar - grid) / unit), units in service)
//                     battery-first policy (start only what the battery cannot cover now):
//                       units loaded + ceil(unmet / unit), at most the units in service
//   units_to_start  = max(0, units_wanted - running - starting); they deliver after start_delay_s
//   units_to_stop   = running - max(units_wanted, units loaded), when nothing is to start
//   battery_in      = min(battery_charge_limit, surplus of solar, then of grid, then of the
//                     running turbines) when nothing is unmet and the battery is not
//                     discharging (with peak shaving the grid charges only up to T - grid_to_load),
//                     each source only if the charge_from policy allows it (by
//                     default solar and grid, not turbine fuel); with turbines allowed, the
//                     commitment adds the battery's charge limit while it is not full; under
//                     arbitrage the grid charges it only when its price is at or below the
//                     charge threshold
//   solar_curtailed = solar_available - solar_to_load - solar_to_battery
// Conservation, exact up to rounding:
//   solar_w + grid_w + turbine_w + battery_out - battery_in = demand - unmet
// Arbitrage (battery policy arbitrage, thresholds c < d on the grid price p):
//   p <= c: the grid charges the battery at its charge limit (and carries the load);
//   p >= d: the battery carries the load first, at its discharge limit;
//   c < p < d: the battery holds, except to bridge a firm shortfall as in merit order.
// A stored joule bought at p_c and sold at p_d saves eta_d * p_d - p_c / eta_c per joule
// stored, so the cycle pays only when c / d < eta_c * eta_d (the round-trip efficiency);
// validate() requires c < d, the scenario's thresholds say the rest.
// Cost rates: grid_w * grid price + turbine_w * fuel cost; solar and the battery have no
// marginal cost (the battery's energy was paid for when it was charged).
// Emissions: grid_w * carbon intensity + fuel_w * fuel emission factor, fuel_w = turbine_w /
// efficiency; solar and the battery emit nothing at the site (their charge was counted when
// drawn). Factors per fuel: configs/fuels.yaml.
//
// Parameters:
//   GridParams.capacity_w             W      interconnect capacity (0 = no grid)
//   GridParams.energised_time_s       s      simulation time at which the grid arrives
//   GridParams.price_usd_per_j        USD/J  energy price (62 USD/MWh = 1.72e-8 USD/J)
//   TurbineParams.units               -      turbine units installed
//   TurbineParams.unit_capacity_w     W      output of one unit
//   TurbineParams.availability        -      fraction of units in service on average, in [0, 1]
//   TurbineParams.fuel_cost_usd_per_j USD/J  fuel cost per J of electricity delivered
//   TurbineParams.start_delay_s       s      a unit asked to start delivers after this delay
//   TurbineParams.efficiency          -      electricity / fuel energy, in (0, 1]
//   TurbineParams.fuel_co2_kg_per_j   kg/J   CO2 per J of fuel
//   GridParams.carbon_kg_per_j        kg/J   CO2 per J drawn from the grid
//   PowerSupplyParams.charge_from     -      sources allowed to charge the battery
//   PowerSupplyParams.policy          -      when turbines are started (see above)
//
// Sources (Memphis 100k-GPU campus, press unless marked): 150 MW substation from ~May 2025;
// ~14 x 2.5 MW mobile turbines at first, up to 35 units reported on site, permit for 15 units
// (247 MW) through 2027 (Shelby County Health Department permit, firm); ~150 MW of Tesla
// Megapacks; industrial rate ~$62/MWh. US grid interconnection: ~5 years from request to
// operation (Lawrence Berkeley National Laboratory, "Queued Up", 2024).
#pragma once

#include <limits>
#include <random>
#include <string>
#include <vector>

#include "models/parameter.hpp"

namespace capsim {

// A ground site's turbine parameters (its `turbines:` block); `units` and `unit_capacity` are
// required, `fuel` names a configs/fuels.yaml entry and `start_policy` is bridge or
// battery_first.
namespace turbine_parameter {
inline constexpr Parameter units{.key = "units",
                                 .default_si = 0,
                                 .min_si = 0,
                                 .max_si = 100'000,
                                 .meaning = "turbine units at the site",
                                 .whole = true,
                                 .required = true};
inline constexpr Parameter unit_capacity{.key = "unit_capacity",
                                         .dimension = Dimension::power,
                                         .default_si = 0,
                                         .min_si = 0,
                                         .max_si = 1e10,
                                         .meaning = "rated power of one unit",
                                         .min_exclusive = true,
                                         .required = true};
inline constexpr Parameter availability{
    .key = "availability",
    .default_si = 1,
    .min_si = 0,
    .max_si = 1,
    .meaning = "share of the units in service on average (each replication draws how many)"};
inline constexpr Parameter fuel_cost{.key = "fuel_cost",
                                     .dimension = Dimension::money_per_energy,
                                     .default_si = 0,
                                     .min_si = 0,
                                     .max_si = 1e4 / 3.6e9,
                                     .meaning = "fuel cost per unit of electricity delivered"};
inline constexpr Parameter start_delay{
    .key = "start_delay",
    .dimension = Dimension::time,
    .default_si = 600,
    .min_si = 0,
    .max_si = 86400,
    .meaning = "a unit asked to start delivers after this delay (the battery bridges it)"};
inline constexpr Parameter efficiency{
    .key = "efficiency",
    .default_si = 1,
    .min_si = 0,
    .max_si = 1,
    .meaning = "electricity out / fuel energy in (1 / heat rate), for the fuel burnt",
    .min_exclusive = true,
    .default_from = "the fuel's turbine_efficiency (configs/fuels.yaml); 1 without a fuel"};
inline constexpr Parameter table[] = {units,     unit_capacity, availability,
                                      fuel_cost, start_delay,   efficiency};
} // namespace turbine_parameter

// A ground site's grid price, carbon intensity and demand charge (keys of the site itself). The
// price and the intensity also take an hourly file ({file: CSV}); the table holds their constant
// form.
namespace site_power_parameter {
inline constexpr Parameter energy_price{.key = "energy_price",
                                        .dimension = Dimension::money_per_energy,
                                        .default_si = 0,
                                        .min_si = 0,
                                        .max_si = 1e-3,
                                        .meaning = "price of the energy drawn from the grid; or "
                                                   "{file: CSV} with an hourly usd_per_mwh column"};
inline constexpr Parameter grid_carbon_intensity{
    .key = "grid_carbon_intensity",
    .dimension = Dimension::mass_per_energy,
    .default_si = 0,
    .min_si = 0,
    .max_si = 3000 * (1 / 3.6e9), // as the loader had it, to the last bit
    .meaning = "CO2 per unit of energy drawn from the grid; or {file: CSV} with an hourly "
               "kg_per_mwh column"};
inline constexpr Parameter demand_charge{
    .key = "demand_charge",
    .dimension = Dimension::money_per_power,
    .default_si = 0,
    .min_si = 0,
    .max_si = 1e3,
    .meaning = "charge per W of each billing month's (730.5 h) peak grid draw"};
inline constexpr Parameter table[] = {energy_price, grid_carbon_intensity, demand_charge};
} // namespace site_power_parameter

// A ground site's `solar:` block (the hourly output follows the weather's sunlight).
namespace solar_parameter {
inline constexpr Parameter capacity{.key = "capacity",
                                    .dimension = Dimension::power,
                                    .default_si = 0,
                                    .min_si = 0,
                                    .max_si = 1e12,
                                    .meaning = "the solar plant's peak (nameplate) power",
                                    .required = true};
inline constexpr Parameter table[] = {capacity};
} // namespace solar_parameter

struct GridParams {
  double capacity_w = 0;
  double energised_time_s = 0;
  double price_usd_per_j = 0;
  double carbon_kg_per_j = 0; // CO2 per J drawn (grid carbon intensity)
};

struct TurbineParams {
  int units = 0;
  double unit_capacity_w = 0;
  double availability = turbine_parameter::availability.default_si;
  double fuel_cost_usd_per_j = turbine_parameter::fuel_cost.default_si;
  double start_delay_s = turbine_parameter::start_delay.default_si;
  // Electricity out / fuel energy in (1 / heat rate); the fuel's figure in a scenario that names
  // one.
  double efficiency = turbine_parameter::efficiency.default_si;
  double fuel_co2_kg_per_j = 0; // CO2 per J of fuel burnt (the fuel's emission factor)
};

enum class TurbineStartPolicy {
  bridge_with_battery, // start units for any firm shortfall; the battery bridges the delay
  battery_first,       // start units only for what the battery cannot cover now
};

// Which sources may charge the battery (`charge_from: [grid, solar, turbines]`).
struct ChargeFrom {
  bool grid = true;
  bool solar = true;
  bool turbines = false;
};

// Battery price arbitrage (policy arbitrage); off unless enabled. Prices in USD/J.
struct Arbitrage {
  bool enabled = false;
  double charge_below_usd_per_j = 0;    // the grid charges the battery at or below this price
  double discharge_above_usd_per_j = 0; // the battery carries the load at or above this price
};

// The battery's move under arbitrage at grid price `price_usd_per_j`: +1 charge from the grid,
// -1 discharge to the load, 0 hold (also when arbitrage is off).
int arbitrage_move(const Arbitrage& arbitrage, double price_usd_per_j);

struct PowerSupplyParams {
  GridParams grid;
  TurbineParams turbines;
  TurbineStartPolicy policy = TurbineStartPolicy::bridge_with_battery;
  ChargeFrom charge_from;
  // Battery peak shaving: the grid draw the battery holds the site to (+infinity = off).
  double peak_shaving_target_w = std::numeric_limits<double>::infinity();
  Arbitrage arbitrage;
};

// Turbine units by state. A unit asked to start is "starting" until its ready time.
struct TurbineFleetState {
  int running = 0;
  std::vector<double> ready_time_s; // one entry per starting unit, ascending
};

// What each source can give during the interval; the caller fills it from the models:
// grid_available_w(), the battery's max_discharge_power_w / max_charge_power_w, the turbine
// fleet state and the units in service, and a solar array model.
struct SupplyInputs {
  double demand_w = 0;
  double grid_available_w = 0;
  double solar_available_w = 0;
  int turbine_units_running = 0;
  int turbine_units_starting = 0;
  int turbine_units_in_service = 0; // running + starting + ready to start
  double battery_discharge_limit_w = 0;
  double battery_charge_limit_w = 0;
  double committed_demand_w = 0; // what the turbines are committed for, if more than demand_w
};

struct PowerDispatch {
  double solar_w = 0; // solar used (load + battery)
  double solar_to_battery_w = 0;
  double solar_curtailed_w = 0;
  double grid_w = 0; // grid drawn (load + battery)
  double grid_to_battery_w = 0;
  double turbine_w = 0; // load + battery
  double turbine_to_battery_w = 0;
  double battery_discharge_w = 0;
  double battery_charge_w = 0;
  double demand_met_w = 0;
  double unmet_w = 0;
  int turbine_units_loaded = 0; // running units needed for turbine_w
  int turbine_units_to_start = 0;
  int turbine_units_to_stop = 0;
  double grid_cost_usd_per_s = 0;
  double fuel_cost_usd_per_s = 0;
  double fuel_w = 0; // fuel energy burnt per second: turbine_w / efficiency
  double grid_co2_kg_per_s = 0;
  double turbine_co2_kg_per_s = 0;
  double cost_usd_per_s() const { return grid_cost_usd_per_s + fuel_cost_usd_per_s; }
};

// Energy and cost per source, integrated piecewise-constantly.
struct SupplyLedger {
  double solar_j = 0;
  double solar_curtailed_j = 0;
  double grid_j = 0;
  double turbine_j = 0;
  double battery_discharge_j = 0;
  double battery_charge_j = 0;
  double demand_met_j = 0;
  double unmet_j = 0;
  double grid_usd = 0;
  double fuel_usd = 0;
  double fuel_j = 0;
  double grid_co2_kg = 0;
  double turbine_co2_kg = 0;
};

std::vector<std::string> validate(const PowerSupplyParams& params);

// Grid capacity at time_s: 0 before energisation, else capacity minus the curtailment the caller
// applies (clamped to [0, capacity]).
double grid_available_w(const GridParams& grid, double time_s, double curtailment_w = 0);

// Units in service: the expected count floor(units * availability), or a binomial draw.
int expected_turbine_units_in_service(const TurbineParams& turbines);
int sample_turbine_units_in_service(const TurbineParams& turbines, std::mt19937_64& rng);

PowerDispatch dispatch_power(const PowerSupplyParams& params, const SupplyInputs& inputs);

// Turbine fleet transitions. start: `units` more begin starting at now_s (ready at
// now_s + start_delay_s). advance: units whose ready time is <= now_s become running.
// stop: `units` running units are stopped (asserts units <= running).
TurbineFleetState start_turbines(const TurbineFleetState& fleet, const TurbineParams& turbines,
                                 int units, double now_s);
TurbineFleetState advance_turbines(const TurbineFleetState& fleet, double now_s);
TurbineFleetState stop_turbines(const TurbineFleetState& fleet, int units);
// The next ready time of a starting unit, +infinity if none is starting.
double next_turbine_ready_time_s(const TurbineFleetState& fleet);

SupplyLedger accumulate(const SupplyLedger& ledger, const PowerDispatch& dispatch, double dt_s);

} // namespace capsim
