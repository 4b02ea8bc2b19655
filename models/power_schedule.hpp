// What a ground site's grid connection and on-site solar array can give over time.
//
// Grid schedule: a step function of capacity (energisation and upgrades), clipped by
// curtailment windows and by a daily demand-response rule:
//   capacity(t) = c_k for the last step with at_k <= t (0 before the first)
//   capacity(t) = min(capacity(t), daily_capacity)   if daily.from <= t mod 1 d < daily.to
//   capacity(t) = min(capacity(t), window.capacity)  inside a curtailment window [from, to)
// The next change after t is the earliest step, window edge or daily edge strictly after t.
//
// Ground solar (clear sky, fixed array): a half sine between 06:00 and 18:00 of the profile's
// time of day,
//   fraction(t) = sin(pi (h - 6) / 12)  for 6 < h < 18, h = (t mod 1 d) / 1 h, else 0;
// evaluated once per hour (solar_step_s): output holds between hourly refreshes. The half sine
// is the usual first-order shape of a clear-sky day at equinox (a fixed south-facing array's
// output follows the cosine of the sun's incidence angle); no cloud cover is modelled.
#pragma once

#include <vector>

#include "models/parameter.hpp"

namespace capsim {

// A ground site's grid parameters (its `grid:` block); `capacity` is required, and `upgrades`,
// `curtailments` and `daily_curtailment` are lists and rules of their own (below). The loader
// turns `energised` into the schedule's first steps (no grid before it).
inline constexpr double grid_max_power_w = 1e12; // 1 TW: beyond it a scenario is a typo
namespace grid_parameter {
inline constexpr Parameter capacity{.key = "capacity",
                                    .dimension = Dimension::power,
                                    .default_si = 0,
                                    .min_si = 0,
                                    .max_si = grid_max_power_w,
                                    .meaning = "power the grid connection gives once energised",
                                    .required = true};
inline constexpr Parameter energised{
    .key = "energised",
    .dimension = Dimension::time,
    .default_si = 0,
    .min_si = 0,
    .max_si = longest_horizon_s,
    .meaning = "when the grid connection comes live (no grid before); or {triangular: [min, "
               "most likely, max]}, drawn per replication"};
inline constexpr Parameter table[] = {capacity, energised};
} // namespace grid_parameter

// An item of `upgrades:` (in increasing time order, after the grid is energised).
namespace grid_upgrade_parameter {
inline constexpr Parameter at{.key = "at",
                              .dimension = Dimension::time,
                              .min_si = 0,
                              .max_si = longest_horizon_s,
                              .meaning = "when the upgraded connection comes live",
                              .required = true};
inline constexpr Parameter capacity{.key = "capacity",
                                    .dimension = Dimension::power,
                                    .min_si = 0,
                                    .max_si = grid_max_power_w,
                                    .meaning = "power the grid gives from then on",
                                    .required = true};
inline constexpr Parameter table[] = {at, capacity};
} // namespace grid_upgrade_parameter

// An item of `curtailments:` (in time order, not overlapping).
namespace curtailment_parameter {
inline constexpr Parameter from{.key = "from",
                                .dimension = Dimension::time,
                                .min_si = 0,
                                .max_si = longest_horizon_s,
                                .meaning = "start of the window",
                                .required = true};
inline constexpr Parameter to{.key = "to",
                              .dimension = Dimension::time,
                              .min_si = 0,
                              .max_si = longest_horizon_s,
                              .meaning = "end of the window (after its start)",
                              .required = true};
inline constexpr Parameter capacity{.key = "capacity",
                                    .dimension = Dimension::power,
                                    .min_si = 0,
                                    .max_si = grid_max_power_w,
                                    .meaning = "the most the grid gives inside the window",
                                    .required = true};
inline constexpr Parameter table[] = {from, to, capacity};
} // namespace curtailment_parameter

// `daily_curtailment:`, a window repeated every day (times of day).
namespace daily_curtailment_parameter {
inline constexpr Parameter from{.key = "from",
                                .dimension = Dimension::time,
                                .min_si = 0,
                                .max_si = 86400,
                                .meaning = "time of day the window starts",
                                .required = true};
inline constexpr Parameter to{.key = "to",
                              .dimension = Dimension::time,
                              .min_si = 0,
                              .max_si = 86400,
                              .meaning = "time of day the window ends (after its start)",
                              .required = true};
inline constexpr Parameter capacity{.key = "capacity",
                                    .dimension = Dimension::power,
                                    .min_si = 0,
                                    .max_si = grid_max_power_w,
                                    .meaning = "the most the grid gives inside the window",
                                    .required = true};
inline constexpr Parameter table[] = {from, to, capacity};
} // namespace daily_curtailment_parameter

struct CapacityStep {
  double at_s = 0;       // from this time on ...
  double capacity_w = 0; // ... the grid connection gives this much
};

struct CurtailmentWindow {
  double from_s = 0;
  double to_s = 0;
  double capacity_w = 0; // the grid gives at most this much inside the window
};

// Every day from from_s to to_s (time of day), the grid gives at most capacity_w; to_s <= from_s
// means no rule.
struct DailyCurtailment {
  double from_s = 0;
  double to_s = 0;
  double capacity_w = 0;
  bool active() const { return to_s > from_s; }
};

struct GridSchedule {
  std::vector<CapacityStep> steps;             // sorted by time; the first step is at 0 s
  std::vector<CurtailmentWindow> curtailments; // sorted, non-overlapping
  DailyCurtailment daily;
};

double grid_capacity_at_w(const GridSchedule& grid, double time_s);
bool grid_curtailed_at(const GridSchedule& grid, double time_s);
// The first time strictly after time_s at which the capacity may change; +infinity if none.
double next_grid_change_s(const GridSchedule& grid, double time_s);
// The schedule with every step moved by shift_s (never before 0): a later or earlier
// energisation, drawn per replication. Curtailments and the daily rule stay where they are.
GridSchedule shift_energisation(const GridSchedule& grid, double shift_s);

// A date known only as a range (a grid connection's energisation): the triangular
// distribution's quantile at u in [0, 1), with F(mode) = (mode - min) / (max - min):
//   min + sqrt(u (max - min)(mode - min))            for u < F(mode)
//   max - sqrt((1 - u)(max - min)(max - mode))       otherwise
double triangular_quantile(double min, double mode, double max, double u);

inline constexpr double solar_step_s = 3600;

// Clear-sky output of a fixed ground array as a fraction of its peak, at a time of the profile
// (seconds from the profile's midnight).
double ground_solar_fraction(double time_of_year_s);
// The next hourly refresh of the solar output after time_s.
double next_solar_change_s(double time_s);

} // namespace capsim
