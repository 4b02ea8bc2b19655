#include "models/battery.hpp"
#include "models/random.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <random>

using namespace capsim;

namespace {

// A grid-scale pack: 3.9 MWh per unit (Tesla Megapack 2 XL specification); the 2-hour rating and
// the 0.92 round trip are assumptions of this test, not published figures.
BatteryParams grid_pack() {
  return BatteryParams{.capacity_j = 3.9e6 * 3600,
                       .max_charge_power_w = 1.95e6,
                       .max_discharge_power_w = 1.95e6,
                       .charge_efficiency = symmetric_efficiency(0.92),
                       .discharge_efficiency = symmetric_efficiency(0.92),
                       .min_state_of_charge = 0.05};
}

// A LEO battery: depth of discharge 0.4 (floor 0.6) and round trip ~0.9, the usual LEO figures.
BatteryParams leo_battery(double self_discharge_per_s) {
  return BatteryParams{.capacity_j = 50e3 * 3600,
                       .max_charge_power_w = 60e3,
                       .max_discharge_power_w = 60e3,
                       .charge_efficiency = 0.95,
                       .discharge_efficiency = 0.95,
                       .min_state_of_charge = 0.6,
                       .self_discharge_per_s = self_discharge_per_s};
}

// 3% per 30 days, a typical Li-ion figure, made 100x larger so that it shows in hour-long steps.
constexpr double fast_self_discharge_per_s = 100 * 0.03 / (30 * 86400.0);

} // namespace

TEST_CASE("battery: validate reports each bad parameter") {
  CHECK(validate(grid_pack()).empty());
  BatteryParams bad = grid_pack();
  bad.capacity_j = 0;
  bad.charge_efficiency = 1.2;
  bad.discharge_efficiency = 0;
  bad.min_state_of_charge = 1;
  bad.max_discharge_power_w = -1;
  bad.self_discharge_per_s = -1e-9;
  const auto problems = validate(bad);
  REQUIRE(problems.size() == 6);
  CHECK(problems[0] == "capacity must be > 0, got 0 J");
  CHECK(problems[2] == "charge efficiency must be in (0, 1], got 1.2");
}

TEST_CASE("battery: random charges and discharges stay in [floor, capacity] and conserve energy") {
  for (const BatteryParams& params : {grid_pack(), leo_battery(0), leo_battery(1e-6)}) {
    std::mt19937_64 rng(20240601);
    BatteryState state = battery_at_state_of_charge(params, 0.8);
    const double start_j = state.energy_j;
    double in_j = 0, out_j = 0, self_j = 0;
    for (int i = 0; i < 20000; ++i) {
      const double dt_s = uniform(rng, 0, 3 * 3600);
      BatteryStep step;
      switch (uniform_index(rng, 3)) {
      case 0:
        step = charge(state, params, uniform(rng, 0, 1.5) * params.max_charge_power_w, dt_s);
        in_j += step.bus_energy_j;
        break;
      case 1:
        step = discharge(state, params, uniform(rng, 0, 1.5) * params.max_discharge_power_w, dt_s);
        out_j += step.bus_energy_j;
        break;
      default:
        step = idle(state, params, dt_s);
      }
      REQUIRE(step.state.energy_j >= floor_energy_j(params));
      REQUIRE(step.state.energy_j <= params.capacity_j);
      REQUIRE(step.self_discharge_j >= 0);
      CHECK(step.stored_change_j == doctest::Approx(step.state.energy_j - state.energy_j));
      self_j += step.self_discharge_j;
      state = step.state;
    }
    // eta_c * E_in = dE + E_out / eta_d + E_self, relative to the energy that went through.
    const double lhs = params.charge_efficiency * in_j;
    const double rhs = (state.energy_j - start_j) + out_j / params.discharge_efficiency + self_j;
    CHECK(std::abs(lhs - rhs) <= 1e-9 * lhs);
    if (params.self_discharge_per_s == 0) CHECK(self_j == 0);
  }
}

TEST_CASE("battery: time to floor agrees with stepping the ODE") {
  for (double k : {0.0, fast_self_discharge_per_s}) {
    const BatteryParams params = leo_battery(k);
    const BatteryState full = battery_at_state_of_charge(params, 1.0);
    const double power_w = 20e3;
    const double predicted_s = time_to_floor_s(full, params, power_w);
    // Explicit Euler of dE/dt = -P/eta_d - k E with 0.1 s steps.
    double energy_j = full.energy_j, t_s = 0;
    const double h_s = 0.1;
    while (energy_j > floor_energy_j(params)) {
      energy_j -= h_s * (power_w / params.discharge_efficiency + k * energy_j);
      t_s += h_s;
    }
    CHECK(std::abs(t_s - predicted_s) < 0.2);
    // Without self-discharge: usable energy * eta_d / P (equation).
    if (k == 0) CHECK(predicted_s == doctest::Approx(0.4 * 50e3 * 3600 * 0.95 / 20e3));
    // The model's own stepping: 1-minute discharges reach the floor at the predicted time.
    BatteryState state = full;
    double elapsed_s = 0;
    while (state.energy_j > floor_energy_j(params)) {
      const BatteryStep step = discharge(state, params, power_w, 60);
      elapsed_s += step.at_power_s;
      state = step.state;
    }
    CHECK(elapsed_s == doctest::Approx(predicted_s).epsilon(1e-9));
  }
}

TEST_CASE("battery: time to full agrees with stepping, and a full battery floats") {
  const double k = fast_self_discharge_per_s;
  const BatteryParams params = leo_battery(k);
  const BatteryState low = battery_at_state_of_charge(params, 0.6);
  const double power_w = 15e3;
  const double predicted_s = time_to_full_s(low, params, power_w);
  double energy_j = low.energy_j, t_s = 0;
  while (energy_j < params.capacity_j) {
    energy_j += 0.1 * (power_w * params.charge_efficiency - k * energy_j);
    t_s += 0.1;
  }
  CHECK(std::abs(t_s - predicted_s) < 0.2);

  // Floating at full draws k*C/eta_c.
  const BatteryStep floated = charge(battery_at_state_of_charge(params, 1.0), params, 1e3, 3600);
  CHECK(floated.state.energy_j == params.capacity_j);
  CHECK(floated.bus_energy_j ==
        doctest::Approx(k * params.capacity_j / params.charge_efficiency * 3600));
  // A charge weaker than that trickle never fills the battery.
  CHECK(std::isinf(time_to_full_s(low, params, 0.5 * k * params.capacity_j)));
}

TEST_CASE("battery: the power limit for an interval lands exactly on the floor or on full") {
  for (double k : {0.0, fast_self_discharge_per_s}) {
    const BatteryParams params = leo_battery(k);
    const BatteryState state = battery_at_state_of_charge(params, 0.75);
    const double dt_s = 2 * 3600;
    const double out_w = max_discharge_power_w(state, params, dt_s);
    REQUIRE(out_w < params.max_discharge_power_w);
    const BatteryStep down = discharge(state, params, out_w, dt_s);
    CHECK(down.state.energy_j == doctest::Approx(floor_energy_j(params)).epsilon(1e-9));
    CHECK(down.at_power_s == doctest::Approx(dt_s).epsilon(1e-9));

    const double in_w = max_charge_power_w(state, params, dt_s);
    REQUIRE(in_w < params.max_charge_power_w);
    const BatteryStep up = charge(state, params, in_w, dt_s);
    CHECK(up.state.energy_j == doctest::Approx(params.capacity_j).epsilon(1e-9));
    CHECK(up.at_power_s == doctest::Approx(dt_s).epsilon(1e-9));
  }
  // Instantaneous limits are the ratings, or zero at the bounds.
  const BatteryParams params = leo_battery(0);
  CHECK(max_discharge_power_w(battery_at_state_of_charge(params, 0.6), params, 0) == 0);
  CHECK(max_discharge_power_w(battery_at_state_of_charge(params, 0.7), params, 0) == 60e3);
  CHECK(max_charge_power_w(battery_at_state_of_charge(params, 1.0), params, 0) == 0);
}

TEST_CASE("battery: a full cycle returns the round-trip efficiency") {
  const BatteryParams params = grid_pack();
  const BatteryStep up = charge(battery_at_state_of_charge(params, 0.05), params, 1e6, 1e6);
  REQUIRE(up.state.energy_j == params.capacity_j);
  const BatteryStep down = discharge(up.state, params, 1e6, 1e6);
  REQUIRE(down.state.energy_j == doctest::Approx(floor_energy_j(params)));
  CHECK(down.bus_energy_j / up.bus_energy_j == doctest::Approx(0.92).epsilon(1e-12));
  CHECK(round_trip_efficiency(params) == doctest::Approx(0.92));
}

TEST_CASE("battery: idle self-discharge decays exponentially and stops at the floor") {
  const double k = fast_self_discharge_per_s;
  const BatteryParams params = leo_battery(k);
  const BatteryStep step = idle(battery_at_state_of_charge(params, 1.0), params, 86400);
  CHECK(step.self_discharge_j ==
        doctest::Approx(params.capacity_j * (1 - std::exp(-k * 86400))).epsilon(1e-12));
  const BatteryStep long_idle = idle(battery_at_state_of_charge(params, 0.7), params, 1e9);
  CHECK(long_idle.state.energy_j == floor_energy_j(params));
  CHECK(time_to_floor_s(battery_at_state_of_charge(params, 0.7), params, 0) ==
        doctest::Approx(std::log(0.7 / 0.6) / k));
}
