#include "models/power_schedule.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace capsim {

namespace {
constexpr double day_s = 86400;
constexpr double never = std::numeric_limits<double>::infinity();
} // namespace

double grid_capacity_at_w(const GridSchedule& grid, double t) {
  double capacity = 0;
  for (const CapacityStep& step : grid.steps)
    if (step.at_s <= t) capacity = step.capacity_w;
  if (grid.daily.active()) {
    double time_of_day = std::fmod(t, day_s);
    if (grid.daily.from_s <= time_of_day && time_of_day < grid.daily.to_s)
      capacity = std::min(capacity, grid.daily.capacity_w);
  }
  for (const CurtailmentWindow& w : grid.curtailments)
    if (w.from_s <= t && t < w.to_s) capacity = std::min(capacity, w.capacity_w);
  return capacity;
}

bool grid_curtailed_at(const GridSchedule& grid, double t) {
  for (const CurtailmentWindow& w : grid.curtailments)
    if (w.from_s <= t && t < w.to_s) return true;
  if (grid.daily.active()) {
    double time_of_day = std::fmod(t, day_s);
    return grid.daily.from_s <= time_of_day && time_of_day < grid.daily.to_s;
  }
  return false;
}

double next_grid_change_s(const GridSchedule& grid, double t) {
  double next = never;
  for (const CapacityStep& step : grid.steps)
    if (step.at_s > t) next = std::min(next, step.at_s);
  for (const CurtailmentWindow& w : grid.curtailments) {
    if (w.from_s > t) next = std::min(next, w.from_s);
    if (w.to_s > t) next = std::min(next, w.to_s);
  }
  if (grid.daily.active()) {
    double midnight_s = std::floor(t / day_s) * day_s;
    for (double edge : {midnight_s + grid.daily.from_s, midnight_s + grid.daily.to_s,
                        midnight_s + day_s + grid.daily.from_s})
      if (edge > t) next = std::min(next, edge);
  }
  return next;
}

GridSchedule shift_energisation(const GridSchedule& grid, double shift_s) {
  GridSchedule shifted = grid;
  shifted.steps.clear();
  for (const CapacityStep& step : grid.steps) {
    if (step.at_s == 0 && step.capacity_w == 0) continue; // the "nothing yet" step is re-added
    shifted.steps.push_back({std::max(0.0, step.at_s + shift_s), step.capacity_w});
  }
  // Steps pushed to 0 collapse onto the last of them.
  std::vector<CapacityStep> merged;
  for (const CapacityStep& step : shifted.steps) {
    if (!merged.empty() && merged.back().at_s == step.at_s)
      merged.back() = step;
    else
      merged.push_back(step);
  }
  if (merged.empty() || merged.front().at_s > 0) merged.insert(merged.begin(), {0, 0});
  shifted.steps = std::move(merged);
  return shifted;
}

double triangular_quantile(double min, double mode, double max, double u) {
  if (max <= min) return min;
  const double split = (mode - min) / (max - min);
  if (u < split) return min + std::sqrt(u * (max - min) * (mode - min));
  return max - std::sqrt((1 - u) * (max - min) * (max - mode));
}

double ground_solar_fraction(double time_of_year_s) {
  double hour = std::fmod(time_of_year_s, day_s) / 3600;
  return hour > 6 && hour < 18 ? std::sin(M_PI * (hour - 6) / 12) : 0.0;
}

double next_solar_change_s(double t) {
  return (std::floor(t / solar_step_s) + 1) * solar_step_s;
}

} // namespace capsim
