// Grid schedule and ground solar profile (models/power_schedule.hpp): the step function with
// curtailments and a daily rule, its next-change times, energisation shifts, the half sine.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "models/power_schedule.hpp"

using namespace capsim;

namespace {
constexpr double day_s = 86400;
constexpr double never = std::numeric_limits<double>::infinity();

// Energised at day 10 with 150 MW, 300 MW from day 100; curtailed to 50 MW on days 20-21;
// at most 120 MW every day from 14:00 to 18:00.
GridSchedule memphis_like() {
  return GridSchedule{.steps = {{0, 0}, {10 * day_s, 150e6}, {100 * day_s, 300e6}},
                      .curtailments = {{20 * day_s, 21 * day_s, 50e6}},
                      .daily = {.from_s = 14 * 3600.0, .to_s = 18 * 3600.0, .capacity_w = 120e6}};
}
} // namespace

TEST_CASE("grid schedule: steps, curtailment windows and the daily rule take the minimum") {
  const GridSchedule g = memphis_like();
  CHECK(grid_capacity_at_w(g, 0) == 0);
  CHECK(grid_capacity_at_w(g, 10 * day_s - 1) == 0);
  CHECK(grid_capacity_at_w(g, 10 * day_s) == 150e6);
  CHECK(grid_capacity_at_w(g, 10 * day_s + 15 * 3600.0) == 120e6); // daily rule
  CHECK(grid_capacity_at_w(g, 10 * day_s + 18 * 3600.0) == 150e6); // rule ends at 18:00
  CHECK(grid_capacity_at_w(g, 20 * day_s + 3600) == 50e6);         // window below the rule
  CHECK(grid_capacity_at_w(g, 21 * day_s) == 150e6);
  CHECK(grid_capacity_at_w(g, 100 * day_s) == 300e6);
  CHECK(grid_curtailed_at(g, 20 * day_s));
  CHECK(grid_curtailed_at(g, 5 * day_s + 14 * 3600.0));
  CHECK_FALSE(grid_curtailed_at(g, 5 * day_s + 13 * 3600.0));
}

TEST_CASE("grid schedule: the next change is the earliest edge strictly after now") {
  const GridSchedule g = memphis_like();
  CHECK(next_grid_change_s(g, 0) == 14 * 3600.0);
  CHECK(next_grid_change_s(g, 14 * 3600.0) == 18 * 3600.0);
  CHECK(next_grid_change_s(g, 18 * 3600.0) == day_s + 14 * 3600.0);
  CHECK(next_grid_change_s(g, 9 * day_s + 19 * 3600.0) == 10 * day_s);
  CHECK(next_grid_change_s(g, 20 * day_s) == 20 * day_s + 14 * 3600.0);
  // Every change of capacity happens at a reported edge: sample between edges.
  for (double t = 0; t < 120 * day_s;) {
    double next = next_grid_change_s(g, t);
    REQUIRE(next > t);
    double mid = t + (next - t) / 2;
    CHECK(grid_capacity_at_w(g, mid) == grid_capacity_at_w(g, t));
    t = next;
  }
  CHECK(next_grid_change_s(GridSchedule{.steps = {{0, 1e6}}, .curtailments = {}, .daily = {}}, 5) ==
        never);
}

TEST_CASE("grid schedule: shifting energisation moves every step, never before 0") {
  const GridSchedule g = memphis_like();
  GridSchedule later = shift_energisation(g, 30 * day_s);
  CHECK(grid_capacity_at_w(later, 39 * day_s) == 0);
  CHECK(grid_capacity_at_w(later, 40 * day_s + 3600) == 150e6);
  CHECK(grid_capacity_at_w(later, 130 * day_s + 3600) == 300e6);
  CHECK(grid_capacity_at_w(later, 20 * day_s + 3600) == 0); // curtailment of nothing
  GridSchedule earlier = shift_energisation(g, -50 * day_s);
  CHECK(earlier.steps.front().at_s == 0);
  CHECK(grid_capacity_at_w(earlier, 3600) == 150e6);
  CHECK(grid_capacity_at_w(earlier, 50 * day_s) == 300e6);
  GridSchedule much_earlier = shift_energisation(g, -200 * day_s);
  CHECK(much_earlier.steps.size() == 1);
  CHECK(grid_capacity_at_w(much_earlier, 3600) == 300e6);
}

TEST_CASE("ground solar: a half sine from 06:00 to 18:00, peak at noon, zero at night") {
  CHECK(ground_solar_fraction(0) == 0);
  CHECK(ground_solar_fraction(6 * 3600.0) == 0);
  CHECK(ground_solar_fraction(12 * 3600.0) == doctest::Approx(1).epsilon(1e-15));
  CHECK(ground_solar_fraction(9 * 3600.0) == doctest::Approx(std::sqrt(0.5)).epsilon(1e-15));
  CHECK(ground_solar_fraction(18 * 3600.0) == 0);
  CHECK(ground_solar_fraction(37 * day_s + 15 * 3600.0) ==
        doctest::Approx(ground_solar_fraction(15 * 3600.0)).epsilon(1e-12));
  // Mean over a day: (12 h / 24 h) x 2/pi of the half sine, sampled on the hour.
  double sum = 0;
  for (int h = 0; h < 24; ++h)
    sum += ground_solar_fraction(h * 3600.0);
  CHECK(sum / 24 == doctest::Approx(1 / M_PI).epsilon(0.02));
  CHECK(next_solar_change_s(0) == 3600);
  CHECK(next_solar_change_s(3600) == 7200);
  CHECK(next_solar_change_s(3599.5) == 3600);
}

TEST_CASE("triangular energisation: quantiles at the ends, the mode and the analytic mean") {
  const double a = 200, c = 300, b = 500; // days: min, most likely, max
  CHECK(triangular_quantile(a, c, b, 0) == a);
  CHECK(triangular_quantile(a, c, b, (c - a) / (b - a)) == doctest::Approx(c).epsilon(1e-12));
  CHECK(triangular_quantile(a, c, b, 1 - 1e-16) == doctest::Approx(b).epsilon(1e-6));
  // Mean of the quantile over a fine grid of u = (a + b + c) / 3.
  const int n = 200000;
  double sum = 0;
  for (int i = 0; i < n; ++i)
    sum += triangular_quantile(a, c, b, (i + 0.5) / n);
  CHECK(sum / n == doctest::Approx((a + b + c) / 3).epsilon(1e-5));
  CHECK(triangular_quantile(5, 5, 5, 0.7) == 5);
}
