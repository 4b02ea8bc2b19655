#include "models/orbit.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <numbers>

using namespace capsim;

namespace {

constexpr double pi = std::numbers::pi;
constexpr double deg = pi / 180;
constexpr double km = 1e3;
constexpr double minute = 60;
constexpr double day = 86400;

const double epoch_2025 = days_since_j2000({.year = 2025, .month = 1, .day = 1});

// Days since the 2025-01-01 epoch, in seconds.
double t_2025(int month, int day_of_month, int hour = 0, int minute_of_hour = 0) {
  return (days_since_j2000({.year = 2025,
                            .month = month,
                            .day = day_of_month,
                            .hour = hour,
                            .minute = minute_of_hour}) -
          epoch_2025) *
         day;
}

} // namespace

TEST_CASE("calendar dates convert to days since J2000.0") {
  CHECK(days_since_j2000({.year = 2000, .month = 1, .day = 1, .hour = 12}) == 0.0);
  // 25 years with 7 leap days (2000, 2004, ..., 2024), from noon to midnight.
  CHECK(epoch_2025 == 9131.5);
  CHECK(days_since_j2000({.year = 1999, .month = 12, .day = 31, .hour = 12}) == -1.0);
  CHECK(validate(UtcDate{.year = 2025, .month = 2, .day = 29}).size() == 1);
  CHECK(validate(UtcDate{.year = 2024, .month = 2, .day = 29}).empty());
  CHECK(validate(UtcDate{.year = 2025, .month = 13, .day = 1, .hour = 24}).size() == 2);
}

TEST_CASE("low-precision Sun agrees with the Meeus and USNO figures") {
  // J. Meeus, Astronomical Algorithms, 2nd ed., example 25.a: 1992 October 13.0 TD,
  // apparent alpha = 198.38083 deg, delta = -7.78507 deg, R = 0.99766 AU. The low-precision
  // formulae promise 0.01 deg.
  const double d = days_since_j2000({.year = 1992, .month = 10, .day = 13});
  const SunPosition sun = sun_position(d);
  CHECK(std::abs(sun.right_ascension_rad / deg - 198.38083) < 0.02);
  CHECK(std::abs(sun.declination_rad / deg - -7.78507) < 0.02);
  CHECK(std::abs(sun.distance_au - 0.99766) < 1e-4);

  // USNO: June solstice 2025-06-21 02:42 UTC (declination = obliquity 23.436 deg), March
  // equinox 2025-03-20 09:01 UTC (declination 0).
  const double solstice =
      days_since_j2000({.year = 2025, .month = 6, .day = 21, .hour = 2, .minute = 42});
  CHECK(std::abs(sun_position(solstice).declination_rad / deg - 23.436) < 0.01);
  const double equinox =
      days_since_j2000({.year = 2025, .month = 3, .day = 20, .hour = 9, .minute = 1});
  CHECK(std::abs(sun_position(equinox).declination_rad / deg) < 0.01);

  // Perihelion 2025-01-04 (0.98329 AU) and aphelion 2025-07-03 (1.01665 AU): +-3.4 % flux.
  const double near =
      sun_position(days_since_j2000({.year = 2025, .month = 1, .day = 4, .hour = 13})).distance_au;
  const double far =
      sun_position(days_since_j2000({.year = 2025, .month = 7, .day = 3, .hour = 20})).distance_au;
  CHECK(std::abs(near - 0.98329) < 2e-4);
  CHECK(std::abs(far - 1.01665) < 2e-4);
  CHECK(solar_flux_w_per_m2(near) / solar_flux_w_per_m2(1.0) ==
        doctest::Approx(1.034).epsilon(0.002));
  CHECK(solar_flux_w_per_m2(far) / solar_flux_w_per_m2(1.0) ==
        doctest::Approx(0.967).epsilon(0.002));
}

TEST_CASE("Greenwich mean sidereal time matches Meeus example 12.a") {
  // 1987 April 10, 0h UT: GMST = 13h 10m 46.3668s = 197.693195 deg.
  const double d = days_since_j2000({.year = 1987, .month = 4, .day = 10});
  CHECK(std::abs(greenwich_sidereal_angle_rad(d) / deg - 197.693195) < 1e-4);
}

TEST_CASE("period follows Kepler's third law") {
  const double a = earth_radius_m + 650 * km;
  CHECK(orbital_period_s(650 * km) ==
        doctest::Approx(2 * pi * std::sqrt(a * a * a / earth_mu_m3_per_s2)).epsilon(1e-12));
  CHECK(std::abs(orbital_period_s(650 * km) / minute - 97.7) < 0.05);
  // ISS at ~400 km: ~92.6 min.
  CHECK(std::abs(orbital_period_s(400 * km) / minute - 92.6) < 0.1);
}

TEST_CASE("sun-synchronous inclination") {
  // Closed form at 650 km: 97.99 deg.
  CHECK(std::abs(sun_synchronous_inclination_rad(650 * km) / deg - 97.99) < 0.01);
  // Landsat 8: 705 km, 98.2 deg (USGS, Landsat 8 Data Users Handbook).
  CHECK(std::abs(sun_synchronous_inclination_rad(705 * km) / deg - 98.2) < 0.05);
  // The node then turns once per tropical year.
  const double i = sun_synchronous_inclination_rad(650 * km);
  CHECK(nodal_precession_rad_per_s(650 * km, i) * tropical_year_s ==
        doctest::Approx(2 * pi).epsilon(1e-12));
  CHECK(std::isnan(sun_synchronous_inclination_rad(7000 * km)));
  CHECK(validate(SunSynchronousSpec{.altitude_m = 7000 * km, .ltan_s = 25 * 3600.0}).size() == 2);
}

TEST_CASE("eclipse fraction: closed form against a numerical cylinder-shadow integral") {
  for (double h : {400 * km, 650 * km, 1200 * km, 6000 * km}) {
    const double a = earth_radius_m + h;
    for (double beta_deg : {0.0, 20.0, 45.0, 60.0, -30.0}) {
      const double beta = beta_deg * deg;
      const int samples = 200000;
      int shadowed = 0;
      for (int k = 0; k < samples; ++k) {
        const double phase = 2 * pi * (k + 0.5) / samples;
        const double c = std::cos(beta) * std::cos(phase); // cosine of the Sun-satellite angle
        if (c < 0 && a * a * (1 - c * c) < earth_radius_m * earth_radius_m) ++shadowed;
      }
      CHECK(std::abs(eclipse_fraction(h, beta) - double(shadowed) / samples) < 2e-5);
    }
  }
  // Zero at and above beta* = asin(R / (R + h)).
  const double beta_star = beta_star_rad(650 * km);
  CHECK(beta_star / deg == doctest::Approx(65.2).epsilon(0.002));
  CHECK(eclipse_fraction(650 * km, beta_star + 1e-6) == 0.0);
  CHECK(eclipse_fraction(650 * km, -beta_star - 1e-6) == 0.0);
  CHECK(eclipse_fraction(650 * km, beta_star - 0.01) > 0.0);
}

TEST_CASE("ISS-like orbit at beta = 0: ~36 min of eclipse in ~92.6 min") {
  const double eclipse_s = eclipse_fraction(400 * km, 0) * orbital_period_s(400 * km);
  CHECK(std::abs(eclipse_s / minute - 36.1) < 0.2);
}

TEST_CASE("dawn-dusk sun-synchronous orbit: beta follows the season") {
  const CircularOrbit dusk = sun_synchronous_orbit(
      {.altitude_m = 650 * km, .ltan_s = 18 * 3600.0, .epoch_days_j2000 = epoch_2025});
  CHECK(validate(dusk).empty());
  const double i = dusk.inclination_rad / deg;
  // With Omega - alpha = 90 deg, sin beta = sin(i + delta): beta = 180 - i - delta when
  // i + delta > 90 deg (June, equinoxes), i + delta otherwise (December). The
  // equation of time (up to ~8 min at these dates, 2 deg of node angle) bounds the difference.
  CHECK(std::abs(beta_angle_rad(dusk, t_2025(6, 21)) / deg - (180 - i - 23.44)) < 1.0);
  CHECK(std::abs(beta_angle_rad(dusk, t_2025(12, 21)) / deg - (i - 23.44)) < 1.0);
  CHECK(std::abs(beta_angle_rad(dusk, t_2025(3, 20)) / deg - (180 - i)) < 2.5);

  // Eclipses only around the June solstice (beta 58.6 deg < beta* 65.2 deg), none near the
  // equinoxes or the December solstice.
  int eclipse_days = 0;
  for (int d = 0; d < 365; ++d) {
    const double t = d * day;
    if (eclipse_fraction_at(dusk, t) > 0) {
      ++eclipse_days;
      CHECK(std::abs(t - t_2025(6, 21)) < 75 * day);
    }
  }
  CHECK(eclipse_days > 60);
  CHECK(eclipse_fraction_at(dusk, t_2025(12, 21)) == 0.0);
  CHECK(max_eclipse_fraction(dusk, 0, 365 * day) > 0.2);
}

TEST_CASE("eclipse intervals: total equals the integrated fraction and matches the geometry") {
  const CircularOrbit iss{.altitude_m = 400 * km,
                          .inclination_rad = 51.6 * deg,
                          .raan_rad = 1.0,
                          .arg_latitude_rad = 0.3,
                          .epoch_days_j2000 = epoch_2025};
  const CircularOrbit dusk = sun_synchronous_orbit(
      {.altitude_m = 650 * km, .ltan_s = 18 * 3600.0, .epoch_days_j2000 = epoch_2025});
  struct Case {
    const CircularOrbit* orbit;
    double t0_s, t1_s;
  };
  for (const Case& c : {Case{&iss, 0.0, 60 * day}, Case{&dusk, t_2025(5, 1), t_2025(8, 1)}}) {
    const auto intervals = eclipse_intervals(*c.orbit, c.t0_s, c.t1_s);
    double total_s = 0;
    for (const auto& e : intervals)
      total_s += e.end_s - e.start_s;
    double integral_s = 0;
    const double step = 60;
    for (double t = c.t0_s; t < c.t1_s; t += step)
      integral_s += eclipse_fraction_at(*c.orbit, t + step / 2) * step;
    CHECK(total_s == doctest::Approx(integral_s).epsilon(0.01));
    CHECK(intervals.size() > 100);

    // Every sample agrees with the exact shadow test except within 0.5 s of an edge.
    std::size_t k = 0;
    int disagreements = 0;
    for (double t = c.t0_s; t < c.t1_s; t += 7.3) {
      while (k < intervals.size() && intervals[k].end_s < t - 0.5)
        ++k;
      const bool near_edge = k < intervals.size() && (std::abs(t - intervals[k].start_s) < 0.5 ||
                                                      std::abs(t - intervals[k].end_s) < 0.5);
      const bool listed =
          k < intervals.size() && t >= intervals[k].start_s && t <= intervals[k].end_s;
      if (!near_edge && listed != in_eclipse(*c.orbit, t)) ++disagreements;
    }
    CHECK(disagreements == 0);
  }
  // Clipping: a window inside one eclipse is returned whole.
  const auto first = eclipse_intervals(iss, 0, 2 * orbital_period_s(400 * km)).front();
  const double mid = 0.5 * (first.start_s + first.end_s);
  const auto clipped = eclipse_intervals(iss, mid - 1, mid + 1);
  REQUIRE(clipped.size() == 1);
  CHECK(clipped[0].start_s == mid - 1);
  CHECK(clipped[0].end_s == mid + 1);
}

TEST_CASE("contact windows: polar station under a polar orbit") {
  // At the pole the station does not move, so each pass is the arc |gamma| <= gamma_max
  // swept at the mean motion: 2 gamma_max / n, with gamma_max = acos(R cos el / a) - el.
  const double h = 650 * km, el = 10 * deg;
  const CircularOrbit polar{
      .altitude_m = h, .inclination_rad = pi / 2, .epoch_days_j2000 = epoch_2025};
  const GroundStation pole{.latitude_rad = pi / 2, .min_elevation_rad = el};
  const double a = earth_radius_m + h;
  const double gamma_max = std::acos(earth_radius_m * std::cos(el) / a) - el;
  const double expected = 2 * gamma_max / mean_motion_rad_per_s(h);
  const auto windows = contact_windows(polar, pole, 0, day);
  // The satellite starts at the ascending node and first crosses the pole a quarter orbit later.
  const double period = orbital_period_s(h);
  CHECK(windows.size() == static_cast<std::size_t>(std::floor((day - period / 4) / period)) + 1);
  for (std::size_t k = 1; k + 1 < windows.size(); ++k) {
    CHECK(windows[k].end_s - windows[k].start_s == doctest::Approx(expected).epsilon(1e-4));
    CHECK(windows[k].start_s - windows[k - 1].start_s ==
          doctest::Approx(orbital_period_s(h)).epsilon(1e-5));
  }
}

TEST_CASE("contact windows agree with sampled elevation (mid-latitude station, 2 days)") {
  const CircularOrbit sso = sun_synchronous_orbit(
      {.altitude_m = 650 * km, .ltan_s = 10.5 * 3600, .epoch_days_j2000 = epoch_2025});
  const GroundStation paris{
      .latitude_rad = 48.85 * deg, .longitude_rad = 2.35 * deg, .min_elevation_rad = 10 * deg};
  const auto windows = contact_windows(sso, paris, 0, 2 * day);
  CHECK(windows.size() >= 4);
  for (const auto& w : windows) {
    if (w.start_s > 0)
      CHECK(std::abs(elevation_rad(sso, paris, w.start_s) - paris.min_elevation_rad) < 1e-3);
    CHECK(std::abs(elevation_rad(sso, paris, w.end_s) - paris.min_elevation_rad) < 1e-3);
  }
  std::size_t k = 0;
  int disagreements = 0;
  for (double t = 0; t < 2 * day; t += 1) {
    while (k < windows.size() && windows[k].end_s < t - 0.05)
      ++k;
    const bool near_edge = k < windows.size() && (std::abs(t - windows[k].start_s) < 0.05 ||
                                                  std::abs(t - windows[k].end_s) < 0.05);
    const bool listed = k < windows.size() && t >= windows[k].start_s && t <= windows[k].end_s;
    const bool visible = elevation_rad(sso, paris, t) >= paris.min_elevation_rad;
    if (!near_edge && listed != visible) ++disagreements;
  }
  CHECK(disagreements == 0);
}

TEST_CASE("orbit validation reports each problem") {
  CHECK(validate(CircularOrbit{.altitude_m = -1, .inclination_rad = 4}).size() == 2);
  CHECK(validate(GroundStation{.latitude_rad = 2, .min_elevation_rad = -0.1}).size() == 2);
  CHECK(validate(ContactSearch{.step_s = 1, .tolerance_s = 2}).size() == 1);
}

TEST_CASE("slant range: the altitude at the zenith, the horizon's tangent at 0 deg, monotone") {
  const double h = 650e3, a = earth_radius_m + h;
  CHECK(slant_range_m(h, std::numbers::pi / 2) == doctest::Approx(h).epsilon(1e-12));
  CHECK(slant_range_m(h, 0) ==
        doctest::Approx(std::sqrt(a * a - earth_radius_m * earth_radius_m)).epsilon(1e-12));
  // The triangle Earth centre - station - satellite closes: a^2 = R^2 + d^2 + 2 R d sin(el).
  for (double deg : {5.0, 10.0, 30.0, 60.0}) {
    const double el = deg * std::numbers::pi / 180, d = slant_range_m(h, el);
    CHECK(d * d + earth_radius_m * earth_radius_m + 2 * earth_radius_m * d * std::sin(el) ==
          doctest::Approx(a * a).epsilon(1e-12));
    CHECK(d < slant_range_m(h, el - 0.01));
  }
}
