#include "models/solar_array.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <numbers>

using namespace capsim;

namespace {
constexpr double deg = std::numbers::pi / 180;
constexpr double year_s = 365.25 * 86400;
} // namespace

TEST_CASE("solar array output follows P = A eta S cos(theta) packing (1 - d)^years") {
  const SolarArrayParams array{
      .area_m2 = 100, .cell_efficiency = 0.30, .packing_factor = 0.9, .degradation_per_year = 0.02};
  CHECK(validate(array).empty());
  const double expected = 100 * 0.30 * 1361 * 0.8 * 0.9 * std::pow(0.98, 5);
  CHECK(solar_array_power_w(array, 1361, 0.8, 5 * year_s) ==
        doctest::Approx(expected).epsilon(1e-12));
  // Beginning of life, normal incidence: 36.75 kW per 100 m2.
  CHECK(solar_array_power_w(array, 1361, 1, 0) == doctest::Approx(36747).epsilon(1e-12));
  // The ISS's measured ~1.5 %/yr (NASA APPEL, 2021) leaves ~80 % after its 15-year design life.
  const SolarArrayParams iss_like{.area_m2 = 1, .degradation_per_year = 0.015};
  CHECK(degradation_factor(iss_like, 15 * year_s) == doctest::Approx(0.797).epsilon(1e-3));
  // Sun behind the panel gives nothing, not negative power.
  CHECK(solar_array_power_w(array, 1361, -0.5, 0) == 0.0);
}

TEST_CASE("solar array on an orbit: zero in eclipse, ephemeris flux, pointing") {
  const double epoch = days_since_j2000({.year = 2025, .month = 1, .day = 1});
  const CircularOrbit orbit{
      .altitude_m = 500e3, .inclination_rad = 53 * deg, .raan_rad = 0.7, .epoch_days_j2000 = epoch};
  const SolarArrayParams tracking{.area_m2 = 50, .cell_efficiency = 0.31, .packing_factor = 0.85};
  const auto eclipses = eclipse_intervals(orbit, 0, 86400);
  REQUIRE(!eclipses.empty());
  const double in_shadow = 0.5 * (eclipses[1].start_s + eclipses[1].end_s);
  CHECK(solar_array_power_w(tracking, orbit, in_shadow, 0) == 0.0);

  const double sunlit = eclipses[1].end_s + 600;
  const double flux = solar_flux_at_w_per_m2(orbit, sunlit);
  // Early January is near perihelion: ~3.3 % above the solar constant.
  CHECK(flux / solar_constant_w_per_m2 == doctest::Approx(1.033).epsilon(0.002));
  CHECK(solar_array_power_w(tracking, orbit, sunlit, 0) ==
        doctest::Approx(50 * 0.31 * flux * 0.85).epsilon(1e-12));

  SolarArrayParams single_axis = tracking;
  single_axis.pointing = ArrayPointing::single_axis;
  CHECK(solar_array_power_w(single_axis, orbit, sunlit, 0) ==
        doctest::Approx(50 * 0.31 * flux * 0.85 * std::cos(beta_angle_rad(orbit, sunlit)))
            .epsilon(1e-12));
  CHECK(incidence_cos(ArrayPointing::fixed_orbit_normal, -10 * deg) == 0.0);
  CHECK(incidence_cos(ArrayPointing::fixed_orbit_normal, 60 * deg) ==
        doctest::Approx(std::sin(60 * deg)));
}

TEST_CASE("solar array validation") {
  CHECK(validate(SolarArrayParams{.area_m2 = 0,
                                  .cell_efficiency = 1.2,
                                  .packing_factor = 0,
                                  .degradation_per_year = 1})
            .size() == 4);
  CHECK(validate(SolarArrayParams{.area_m2 = 1, .cell_efficiency = 1.2}).front() ==
        "cell efficiency must be in (0, 1], got 1.2");
}
