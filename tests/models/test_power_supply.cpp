#include "models/power_supply.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>

using namespace capsim;

namespace {

// Memphis 100k-GPU campus (press): 150 MW substation, ~$62/MWh, permit for 15 turbines of 247 MW
// in all (16.5 MW each), ~150 MW of batteries. The 10-minute start and the fuel cost are
// assumptions of this test.
constexpr double usd_per_mwh = 1.0 / 3.6e9;

PowerSupplyParams memphis_like(TurbineStartPolicy policy) {
  return PowerSupplyParams{
      .grid = {.capacity_w = 150e6, .energised_time_s = 0, .price_usd_per_j = 62 * usd_per_mwh},
      .turbines = {.units = 15,
                   .unit_capacity_w = 247e6 / 15,
                   .availability = 0.95,
                   .fuel_cost_usd_per_j = 90 * usd_per_mwh,
                   .start_delay_s = 600},
      .policy = policy,
      .charge_from = {},
      .arbitrage = {}};
}

} // namespace

TEST_CASE("power supply: validate reports bad parameters") {
  CHECK(validate(memphis_like(TurbineStartPolicy::bridge_with_battery)).empty());
  PowerSupplyParams bad = memphis_like(TurbineStartPolicy::bridge_with_battery);
  bad.turbines.availability = 1.5;
  bad.grid.capacity_w = -1;
  const auto problems = validate(bad);
  REQUIRE(problems.size() == 2);
  CHECK(problems[0] == "grid capacity must be >= 0, got -1 W");
  CHECK(problems[1] == "turbine availability must be in [0, 1], got 1.5");
}

TEST_CASE("power supply: dispatch conserves power, respects merit order and limits") {
  int cases = 0;
  for (auto policy : {TurbineStartPolicy::bridge_with_battery, TurbineStartPolicy::battery_first})
    for (double demand_w : {0.0, 10e6, 100e6, 150e6, 180e6, 300e6, 450e6})
      for (double grid_w : {0.0, 30e6, 150e6})
        for (double solar_w : {0.0, 20e6, 200e6})
          for (int running : {0, 2, 14})
            for (double discharge_w : {0.0, 50e6, 150e6})
              for (double charge_limit_w : {0.0, 75e6}) {
                const PowerSupplyParams params = memphis_like(policy);
                const SupplyInputs in{.demand_w = demand_w,
                                      .grid_available_w = grid_w,
                                      .solar_available_w = solar_w,
                                      .turbine_units_running = running,
                                      .turbine_units_starting = 0,
                                      .turbine_units_in_service = 14,
                                      .battery_discharge_limit_w = discharge_w,
                                      .battery_charge_limit_w = charge_limit_w};
                const PowerDispatch d = dispatch_power(params, in);
                ++cases;
                const double scale = std::max(1.0, demand_w);
                // Conservation: sources - battery charge = demand met; met + unmet = demand.
                CHECK(std::abs(d.solar_w + d.grid_w + d.turbine_w + d.battery_discharge_w -
                               d.battery_charge_w - d.demand_met_w) <= 1e-12 * scale);
                CHECK(std::abs(d.demand_met_w + d.unmet_w - demand_w) <= 1e-12 * scale);
                // Limits.
                const double running_w = running * params.turbines.unit_capacity_w;
                CHECK(d.solar_w + d.solar_curtailed_w == doctest::Approx(solar_w));
                CHECK(d.grid_w <= grid_w);
                CHECK(d.turbine_w <= running_w);
                CHECK(d.battery_discharge_w <= discharge_w);
                CHECK(d.battery_charge_w <= charge_limit_w);
                CHECK(d.unmet_w >= 0);
                CHECK(d.solar_curtailed_w >= 0);
                // Merit order: each source is used only when the cheaper ones are exhausted.
                const double solar_to_load_w = d.solar_w - d.solar_to_battery_w;
                const double grid_to_load_w = d.grid_w - d.grid_to_battery_w;
                CHECK(solar_to_load_w == std::min(solar_w, demand_w));
                if (grid_to_load_w > 0) CHECK(solar_to_load_w == solar_w);
                if (d.turbine_w > 0) CHECK(grid_to_load_w == grid_w);
                if (d.battery_discharge_w > 0) CHECK(d.turbine_w == running_w);
                // Unmet only when every source is exhausted.
                if (d.unmet_w > 0) {
                  CHECK(grid_to_load_w == grid_w);
                  CHECK(d.turbine_w == running_w);
                  CHECK(d.battery_discharge_w == discharge_w);
                }
                // Charging only from a solar or grid surplus, solar first.
                if (d.battery_charge_w > 0) {
                  CHECK(d.turbine_w == 0);
                  CHECK(d.battery_discharge_w == 0);
                  CHECK(d.unmet_w == 0);
                }
                if (d.grid_to_battery_w > 0) CHECK(d.solar_curtailed_w == 0);
                if (d.solar_curtailed_w > 0) CHECK(d.battery_charge_w == charge_limit_w);
                // Turbines started never exceed the idle units in service.
                CHECK(d.turbine_units_to_start <= 14 - running);
                if (policy == TurbineStartPolicy::battery_first && d.unmet_w == 0)
                  CHECK(d.turbine_units_to_start == 0);
              }
  CHECK(cases == 2 * 7 * 3 * 3 * 3 * 3 * 2);
}

TEST_CASE("power supply: turbines deliver only after their start-up delay") {
  const PowerSupplyParams params = memphis_like(TurbineStartPolicy::bridge_with_battery);
  const int in_service = expected_turbine_units_in_service(params.turbines);
  CHECK(in_service == 14); // floor(15 * 0.95)
  TurbineFleetState fleet;
  auto inputs = [&](double time_s) {
    return SupplyInputs{.demand_w = 180e6,
                        .grid_available_w = grid_available_w(params.grid, time_s),
                        .turbine_units_running = fleet.running,
                        .turbine_units_starting = static_cast<int>(fleet.ready_time_s.size()),
                        .turbine_units_in_service = in_service,
                        .battery_discharge_limit_w = 150e6};
  };
  // t = 0: the 30 MW above the grid needs ceil(30 / 16.47) = 2 units; the battery bridges.
  PowerDispatch d = dispatch_power(params, inputs(0));
  CHECK(d.turbine_w == 0);
  CHECK(d.battery_discharge_w == doctest::Approx(30e6));
  CHECK(d.unmet_w == 0);
  REQUIRE(d.turbine_units_to_start == 2);
  fleet = start_turbines(fleet, params.turbines, d.turbine_units_to_start, 0);
  CHECK(next_turbine_ready_time_s(fleet) == 600);
  // Just before the delay: still starting, nothing more is started.
  fleet = advance_turbines(fleet, 599.9);
  d = dispatch_power(params, inputs(599.9));
  CHECK(fleet.running == 0);
  CHECK(d.turbine_w == 0);
  CHECK(d.turbine_units_to_start == 0);
  // At the delay: running, and the battery stops.
  fleet = advance_turbines(fleet, 600);
  d = dispatch_power(params, inputs(600));
  CHECK(fleet.running == 2);
  CHECK(d.turbine_w == doctest::Approx(30e6));
  CHECK(d.turbine_units_loaded == 2);
  CHECK(d.battery_discharge_w == 0);
  CHECK(std::isinf(next_turbine_ready_time_s(fleet)));
  fleet = stop_turbines(fleet, 2);
  CHECK(fleet.running == 0);

  // Battery first: nothing starts while the battery covers, units start when it cannot.
  const PowerSupplyParams first = memphis_like(TurbineStartPolicy::battery_first);
  SupplyInputs in = inputs(0);
  CHECK(dispatch_power(first, in).turbine_units_to_start == 0);
  in.battery_discharge_limit_w = 10e6;
  const PowerDispatch short_battery = dispatch_power(first, in);
  CHECK(short_battery.unmet_w == doctest::Approx(20e6));
  CHECK(short_battery.turbine_units_to_start == 2); // ceil(20 / 16.47)
}

TEST_CASE("power supply: grid energisation, curtailment, costs and ledger") {
  const PowerSupplyParams params = memphis_like(TurbineStartPolicy::bridge_with_battery);
  GridParams late = params.grid;
  late.energised_time_s = 86400;
  CHECK(grid_available_w(late, 86399) == 0);
  CHECK(grid_available_w(late, 86400) == 150e6);
  CHECK(grid_available_w(late, 90000, 50e6) == 100e6);
  CHECK(grid_available_w(late, 90000, 500e6) == 0);

  const PowerDispatch d = dispatch_power(params, SupplyInputs{.demand_w = 160e6,
                                                              .grid_available_w = 150e6,
                                                              .turbine_units_running = 1,
                                                              .turbine_units_in_service = 14});
  SupplyLedger ledger = accumulate(SupplyLedger{}, d, 3600);
  ledger = accumulate(ledger, d, 3600);
  // Two hours at 150 MW of grid at $62/MWh and 10 MW of turbine at $90/MWh.
  CHECK(ledger.grid_j == doctest::Approx(150e6 * 7200));
  CHECK(ledger.grid_usd == doctest::Approx(2 * 150 * 62.0));
  CHECK(ledger.fuel_usd == doctest::Approx(2 * 10 * 90.0));
  CHECK(d.cost_usd_per_s() * 3600 == doctest::Approx(150 * 62.0 + 10 * 90.0));
  CHECK(ledger.demand_met_j == doctest::Approx(160e6 * 7200));
}

TEST_CASE("power supply: sampled turbine availability has the binomial mean") {
  const TurbineParams turbines = memphis_like(TurbineStartPolicy::battery_first).turbines;
  std::mt19937_64 rng(7);
  const int draws = 20000;
  double sum = 0;
  for (int i = 0; i < draws; ++i)
    sum += sample_turbine_units_in_service(turbines, rng);
  // Mean n p = 14.25, standard error sqrt(n p (1 - p) / draws) = 0.006: 5 sigma.
  CHECK(std::abs(sum / draws - 14.25) < 0.03);
}

TEST_CASE("power supply: turbines are committed for the site's wish, and stopped when not needed") {
  const PowerSupplyParams params = memphis_like(TurbineStartPolicy::bridge_with_battery);
  const double unit_w = params.turbines.unit_capacity_w;
  // The site draws 100 MW now (capped) but wishes 200 MW; the grid gives 50 MW. Units wanted:
  // ceil((200 - 50) / unit), all of them idle now.
  SupplyInputs in{.demand_w = 100e6,
                  .grid_available_w = 50e6,
                  .turbine_units_in_service = 14,
                  .battery_discharge_limit_w = 100e6,
                  .committed_demand_w = 200e6};
  PowerDispatch d = dispatch_power(params, in);
  const int wanted = static_cast<int>(std::ceil(150e6 / unit_w));
  CHECK(d.turbine_units_to_start == wanted);
  CHECK(d.turbine_units_to_stop == 0);
  // Some already starting: only the rest start.
  in.turbine_units_starting = 3;
  CHECK(dispatch_power(params, in).turbine_units_to_start == wanted - 3);
  // Wish gone: running units beyond what the load needs stop.
  in = SupplyInputs{.demand_w = 60e6,
                    .grid_available_w = 50e6,
                    .turbine_units_running = 6,
                    .turbine_units_in_service = 14};
  d = dispatch_power(params, in);
  CHECK(d.turbine_units_loaded == 1);
  CHECK(d.turbine_units_to_start == 0);
  CHECK(d.turbine_units_to_stop == 5);
  // Never more than the units in service.
  in = SupplyInputs{.demand_w = 1e9, .turbine_units_in_service = 14};
  CHECK(dispatch_power(params, in).turbine_units_to_start == 14);
}

TEST_CASE(
    "peak shaving: the battery covers the draw above the grid target and recharges under it") {
  PowerSupplyParams params;
  params.peak_shaving_target_w = 800e3;
  SupplyInputs in{.demand_w = 1198.08e3,
                  .grid_available_w = 10e6,
                  .solar_available_w = 0,
                  .turbine_units_running = 0,
                  .turbine_units_starting = 0,
                  .turbine_units_in_service = 0,
                  .battery_discharge_limit_w = 1e6,
                  .battery_charge_limit_w = 1e6,
                  .committed_demand_w = 0};
  PowerDispatch d = dispatch_power(params, in);
  CHECK(d.grid_w == 800e3);
  CHECK(d.battery_discharge_w == doctest::Approx(398.08e3).epsilon(1e-15));
  CHECK(d.battery_charge_w == 0);
  CHECK(d.unmet_w == 0);
  // A battery that can give only 100 kW: the grid gives the rest above the target.
  in.battery_discharge_limit_w = 100e3;
  d = dispatch_power(params, in);
  CHECK(d.battery_discharge_w == 100e3);
  CHECK(d.grid_w == doctest::Approx(1098.08e3).epsilon(1e-15));
  // Under the target the grid recharges the battery up to the target, not beyond.
  in.demand_w = 307.2e3;
  d = dispatch_power(params, in);
  CHECK(d.battery_discharge_w == 0);
  CHECK(d.grid_to_battery_w == doctest::Approx(800e3 - 307.2e3).epsilon(1e-15));
  CHECK(d.grid_w == doctest::Approx(800e3).epsilon(1e-15));
  // Without a target (merit order) the grid carries the whole demand and charges at full rate.
  params.peak_shaving_target_w = std::numeric_limits<double>::infinity();
  in.demand_w = 1198.08e3;
  d = dispatch_power(params, in);
  CHECK(d.grid_w == 1198.08e3 + 1e6);
  CHECK(d.grid_to_battery_w == 1e6);
  CHECK(d.battery_discharge_w == 0);
}

TEST_CASE("power supply: arbitrage charges at cheap hours, discharges at dear ones, else holds") {
  // A 300 kW load on a 10 MW grid with a battery that may charge at 1 MW and discharge at
  // 500 kW; thresholds 30 and 90 USD/MWh.
  PowerSupplyParams p{.grid = {.capacity_w = 10e6, .energised_time_s = 0, .price_usd_per_j = 0},
                      .turbines = {},
                      .policy = TurbineStartPolicy::bridge_with_battery,
                      .charge_from = {},
                      .arbitrage = {.enabled = true,
                                    .charge_below_usd_per_j = 30 * usd_per_mwh,
                                    .discharge_above_usd_per_j = 90 * usd_per_mwh}};
  SupplyInputs in{.demand_w = 300e3,
                  .grid_available_w = 10e6,
                  .battery_discharge_limit_w = 500e3,
                  .battery_charge_limit_w = 1e6};
  CHECK(arbitrage_move(p.arbitrage, 20 * usd_per_mwh) == 1);
  CHECK(arbitrage_move(p.arbitrage, 30 * usd_per_mwh) == 1); // at the threshold: charge
  CHECK(arbitrage_move(p.arbitrage, 60 * usd_per_mwh) == 0);
  CHECK(arbitrage_move(p.arbitrage, 90 * usd_per_mwh) == -1);
  CHECK(arbitrage_move(Arbitrage{}, 1e3 * usd_per_mwh) == 0); // off

  // Cheap: the grid carries the load and charges the battery at its limit.
  p.grid.price_usd_per_j = 20 * usd_per_mwh;
  PowerDispatch cheap = dispatch_power(p, in);
  CHECK(cheap.grid_w == 1.3e6);
  CHECK(cheap.grid_to_battery_w == 1e6);
  CHECK(cheap.battery_discharge_w == 0);
  CHECK(cheap.grid_cost_usd_per_s == doctest::Approx(1.3e6 * 20 * usd_per_mwh).epsilon(1e-15));
  // In between: the battery holds; the grid carries the load alone.
  p.grid.price_usd_per_j = 60 * usd_per_mwh;
  PowerDispatch mid = dispatch_power(p, in);
  CHECK(mid.grid_w == 300e3);
  CHECK(mid.battery_charge_w == 0);
  CHECK(mid.battery_discharge_w == 0);
  // Dear: the battery carries the load before the grid, up to its limit.
  p.grid.price_usd_per_j = 120 * usd_per_mwh;
  PowerDispatch dear = dispatch_power(p, in);
  CHECK(dear.battery_discharge_w == 300e3);
  CHECK(dear.grid_w == 0);
  in.demand_w = 800e3; // above the discharge limit: the grid gives the rest
  dear = dispatch_power(p, in);
  CHECK(dear.battery_discharge_w == 500e3);
  CHECK(dear.grid_w == 300e3);
  CHECK(dear.battery_charge_w == 0);
  for (const PowerDispatch* d : {&cheap, &mid, &dear})
    CHECK(d->solar_w + d->grid_w + d->turbine_w + d->battery_discharge_w - d->battery_charge_w ==
          doctest::Approx(d->demand_met_w).epsilon(1e-12));
  // The merit-order default charges from the grid at any price.
  p.arbitrage.enabled = false;
  in.demand_w = 300e3;
  CHECK(dispatch_power(p, in).grid_to_battery_w == 1e6);

  // Thresholds must be ordered.
  p.arbitrage = {.enabled = true,
                 .charge_below_usd_per_j = 90 * usd_per_mwh,
                 .discharge_above_usd_per_j = 90 * usd_per_mwh};
  auto problems = validate(p);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0] ==
        "arbitrage: the charge price threshold (90 USD/MWh) must be below the discharge "
        "threshold (90 USD/MWh)");
}
