#include "models/battery.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <sstream>

namespace capsim {

namespace {

constexpr double infinity = std::numeric_limits<double>::infinity();

std::string number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

// Rounding can put a closed-form end state a few ulps outside [floor, capacity].
double clamp_energy(double energy_j, const BatteryParams& params) {
  const double floor_j = floor_energy_j(params);
  assert(energy_j >= floor_j - 1e-9 * params.capacity_j);
  assert(energy_j <= params.capacity_j * (1 + 1e-9));
  return std::clamp(energy_j, floor_j, params.capacity_j);
}

// 1 - exp(-k t), accurate for small k t.
double decay_complement(double rate_per_s, double time_s) {
  return -std::expm1(-rate_per_s * time_s);
}

} // namespace

std::vector<std::string> validate(const BatteryParams& params) {
  std::vector<std::string> problems;
  if (!(params.capacity_j > 0))
    problems.push_back("capacity must be > 0, got " + number(params.capacity_j) + " J");
  if (!(params.max_charge_power_w >= 0))
    problems.push_back("max charge power must be >= 0, got " + number(params.max_charge_power_w) +
                       " W");
  if (!(params.max_discharge_power_w >= 0))
    problems.push_back("max discharge power must be >= 0, got " +
                       number(params.max_discharge_power_w) + " W");
  if (!(params.charge_efficiency > 0 && params.charge_efficiency <= 1))
    problems.push_back("charge efficiency must be in (0, 1], got " +
                       number(params.charge_efficiency));
  if (!(params.discharge_efficiency > 0 && params.discharge_efficiency <= 1))
    problems.push_back("discharge efficiency must be in (0, 1], got " +
                       number(params.discharge_efficiency));
  if (!(params.min_state_of_charge >= 0 && params.min_state_of_charge < 1))
    problems.push_back("minimum state of charge must be in [0, 1), got " +
                       number(params.min_state_of_charge));
  if (!(params.self_discharge_per_s >= 0 && std::isfinite(params.self_discharge_per_s)))
    problems.push_back("self-discharge rate must be >= 0, got " +
                       number(params.self_discharge_per_s) + " 1/s");
  return problems;
}

double symmetric_efficiency(double round_trip_efficiency) {
  assert(round_trip_efficiency > 0 && round_trip_efficiency <= 1);
  return std::sqrt(round_trip_efficiency);
}

double round_trip_efficiency(const BatteryParams& params) {
  return params.charge_efficiency * params.discharge_efficiency;
}

double floor_energy_j(const BatteryParams& params) {
  return params.min_state_of_charge * params.capacity_j;
}

double usable_energy_j(const BatteryParams& params) {
  return params.capacity_j - floor_energy_j(params);
}

double state_of_charge(const BatteryState& state, const BatteryParams& params) {
  return state.energy_j / params.capacity_j;
}

BatteryState battery_at_state_of_charge(const BatteryParams& params, double state_of_charge) {
  assert(state_of_charge >= params.min_state_of_charge && state_of_charge <= 1);
  return BatteryState{.energy_j = state_of_charge * params.capacity_j};
}

double max_discharge_power_w(const BatteryState& state, const BatteryParams& params, double dt_s) {
  assert(dt_s >= 0);
  const double floor_j = floor_energy_j(params);
  if (state.energy_j <= floor_j) return 0;
  if (dt_s == 0) return params.max_discharge_power_w;
  const double k = params.self_discharge_per_s;
  // Stored-side drain rate that lands exactly on the floor after dt_s.
  const double drain_w =
      k == 0 ? (state.energy_j - floor_j) / dt_s
             : k * (state.energy_j * std::exp(-k * dt_s) - floor_j) / decay_complement(k, dt_s);
  return std::clamp(drain_w * params.discharge_efficiency, 0.0, params.max_discharge_power_w);
}

double max_charge_power_w(const BatteryState& state, const BatteryParams& params, double dt_s) {
  assert(dt_s >= 0);
  const double k = params.self_discharge_per_s;
  const double capacity_j = params.capacity_j;
  if (dt_s == 0) {
    const double limit_w = state.energy_j < capacity_j ? params.max_charge_power_w
                                                       : k * capacity_j / params.charge_efficiency;
    return std::min(limit_w, params.max_charge_power_w);
  }
  const double fill_w =
      k == 0 ? (capacity_j - state.energy_j) / dt_s
             : k * (capacity_j - state.energy_j * std::exp(-k * dt_s)) / decay_complement(k, dt_s);
  return std::clamp(fill_w / params.charge_efficiency, 0.0, params.max_charge_power_w);
}

double time_to_floor_s(const BatteryState& state, const BatteryParams& params,
                       double discharge_power_w) {
  assert(discharge_power_w >= 0);
  const double floor_j = floor_energy_j(params);
  if (state.energy_j <= floor_j) return 0;
  const double drain_w =
      std::min(discharge_power_w, params.max_discharge_power_w) / params.discharge_efficiency;
  const double k = params.self_discharge_per_s;
  if (k == 0) return drain_w > 0 ? (state.energy_j - floor_j) / drain_w : infinity;
  const double asymptote_j = drain_w / k; // E + a/k decays exponentially
  if (floor_j + asymptote_j <= 0) return infinity;
  return std::log1p((state.energy_j - floor_j) / (floor_j + asymptote_j)) / k;
}

double time_to_full_s(const BatteryState& state, const BatteryParams& params,
                      double charge_power_w) {
  assert(charge_power_w >= 0);
  const double capacity_j = params.capacity_j;
  if (state.energy_j >= capacity_j) return 0;
  const double fill_w =
      std::min(charge_power_w, params.max_charge_power_w) * params.charge_efficiency;
  const double k = params.self_discharge_per_s;
  if (k == 0) return fill_w > 0 ? (capacity_j - state.energy_j) / fill_w : infinity;
  const double equilibrium_j = fill_w / k;
  if (equilibrium_j <= capacity_j) return infinity;
  return std::log1p((capacity_j - state.energy_j) / (equilibrium_j - capacity_j)) / k;
}

BatteryStep idle(const BatteryState& state, const BatteryParams& params, double dt_s) {
  assert(dt_s >= 0);
  const double floor_j = floor_energy_j(params);
  const double k = params.self_discharge_per_s;
  BatteryStep step{.state = state, .at_power_s = dt_s};
  if (k == 0 || state.energy_j <= floor_j) return step;
  const double end_j = std::max(floor_j, state.energy_j * std::exp(-k * dt_s));
  step.state.energy_j = clamp_energy(end_j, params);
  step.stored_change_j = step.state.energy_j - state.energy_j;
  step.self_discharge_j = -step.stored_change_j;
  return step;
}

BatteryStep discharge(const BatteryState& state, const BatteryParams& params, double power_w,
                      double dt_s) {
  assert(power_w >= 0 && dt_s >= 0);
  const double bus_w = std::min(power_w, params.max_discharge_power_w);
  if (bus_w == 0) return idle(state, params, dt_s);
  const double floor_j = floor_energy_j(params);
  BatteryStep step{.state = state};
  if (state.energy_j <= floor_j) return step;

  const double drain_w = bus_w / params.discharge_efficiency;
  const double k = params.self_discharge_per_s;
  const double to_floor_s = time_to_floor_s(state, params, bus_w);
  const double at_power_s = std::min(dt_s, to_floor_s);
  double end_j = floor_j;
  if (at_power_s < to_floor_s) {
    end_j = k == 0 ? state.energy_j - drain_w * at_power_s
                   : (state.energy_j + drain_w / k) * std::exp(-k * at_power_s) - drain_w / k;
  }
  step.state.energy_j = clamp_energy(end_j, params);
  step.at_power_s = at_power_s;
  step.bus_energy_j = bus_w * at_power_s;
  step.stored_change_j = step.state.energy_j - state.energy_j;
  step.conversion_loss_j = (drain_w - bus_w) * at_power_s;
  // Whatever the drain does not explain is self-discharge (exactly zero without it).
  step.self_discharge_j = k == 0 ? 0 : std::max(0.0, -step.stored_change_j - drain_w * at_power_s);
  return step;
}

BatteryStep charge(const BatteryState& state, const BatteryParams& params, double power_w,
                   double dt_s) {
  assert(power_w >= 0 && dt_s >= 0);
  const double bus_w = std::min(power_w, params.max_charge_power_w);
  if (bus_w == 0) return idle(state, params, dt_s);
  const double floor_j = floor_energy_j(params);
  const double capacity_j = params.capacity_j;
  const double fill_w = bus_w * params.charge_efficiency;
  const double k = params.self_discharge_per_s;
  BatteryStep step{.state = state};

  const double to_full_s = time_to_full_s(state, params, bus_w);
  double end_j = capacity_j;
  double at_power_s = std::min(dt_s, to_full_s);
  double bus_energy_j = bus_w * at_power_s;
  if (at_power_s < to_full_s) {
    if (k == 0) {
      end_j = state.energy_j + fill_w * at_power_s;
    } else {
      const double equilibrium_j = fill_w / k;
      end_j = equilibrium_j + (state.energy_j - equilibrium_j) * std::exp(-k * at_power_s);
      // A charge weaker than the self-discharge at the floor holds the battery at the floor.
      end_j = std::max(end_j, floor_j);
    }
  } else {
    // Full: float, drawing only the trickle that offsets self-discharge.
    const double float_w = std::min(bus_w, k * capacity_j / params.charge_efficiency);
    bus_energy_j += float_w * (dt_s - at_power_s);
  }
  step.state.energy_j = clamp_energy(end_j, params);
  step.at_power_s = at_power_s;
  step.bus_energy_j = bus_energy_j;
  step.stored_change_j = step.state.energy_j - state.energy_j;
  step.conversion_loss_j = bus_energy_j * (1 - params.charge_efficiency);
  step.self_discharge_j =
      k == 0 ? 0 : std::max(0.0, bus_energy_j * params.charge_efficiency - step.stored_change_j);
  return step;
}

double discharge_rating_for_load_w(double load_power_w) {
  return load_power_w * battery_discharge_margin;
}

} // namespace capsim
