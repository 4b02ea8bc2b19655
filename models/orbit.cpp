#include "models/orbit.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numbers>

namespace capsim {

namespace {

constexpr double pi = std::numbers::pi;
constexpr double two_pi = 2 * std::numbers::pi;
constexpr double deg = pi / 180;
constexpr double day_s = 86400;

using Vec3 = std::array<double, 3>;

double dot(const Vec3& a, const Vec3& b) {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

double wrap_two_pi(double x) {
  double w = std::fmod(x, two_pi);
  return w < 0 ? w + two_pi : w;
}

double wrap_pm_pi(double x) {
  return wrap_two_pi(x + pi) - pi;
}

std::string num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", x);
  return buf;
}

// Hinnant's days_from_civil: days since 1970-01-01 in the proleptic Gregorian calendar.
long days_from_civil(long y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long>(doe) - 719468;
}

int days_in_month(int year, int month) {
  static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : days[month - 1];
}

Vec3 sun_unit_vector(const SunPosition& sun) {
  const double cd = std::cos(sun.declination_rad);
  return {cd * std::cos(sun.right_ascension_rad), cd * std::sin(sun.right_ascension_rad),
          std::sin(sun.declination_rad)};
}

// In-plane basis of the orbit: p to the ascending node, q 90 deg ahead in the direction of
// motion, w the orbit normal (angular momentum).
struct PlaneBasis {
  Vec3 p, q, w;
};

PlaneBasis plane_basis(double raan_rad, double inclination_rad) {
  const double co = std::cos(raan_rad), so = std::sin(raan_rad);
  const double ci = std::cos(inclination_rad), si = std::sin(inclination_rad);
  return {{co, so, 0}, {-ci * so, ci * co, si}, {si * so, -si * co, ci}};
}

Vec3 satellite_unit_vector(const CircularOrbit& orbit, double t_s) {
  const PlaneBasis b = plane_basis(raan_at_rad(orbit, t_s), orbit.inclination_rad);
  const double u = argument_of_latitude_rad(orbit, t_s);
  const double cu = std::cos(u), su = std::sin(u);
  return {cu * b.p[0] + su * b.q[0], cu * b.p[1] + su * b.q[1], cu * b.p[2] + su * b.q[2]};
}

struct PhaseAndHalfAngle {
  double phase_rad;
  double half_angle_rad;
};

PhaseAndHalfAngle phase_and_half_angle(const CircularOrbit& orbit, double t_s) {
  const PlaneBasis b = plane_basis(raan_at_rad(orbit, t_s), orbit.inclination_rad);
  const Vec3 s = sun_unit_vector(sun_position(days_j2000_at(orbit, t_s)));
  const double sin_beta = std::clamp(dot(s, b.w), -1.0, 1.0);
  const double sun_u = std::atan2(dot(s, b.q), dot(s, b.p));
  return {wrap_two_pi(argument_of_latitude_rad(orbit, t_s) - sun_u),
          eclipse_half_angle_rad(orbit.altitude_m, std::asin(sin_beta))};
}

Vec3 station_unit_vector(const GroundStation& station, double days_j2000) {
  const double theta = greenwich_sidereal_angle_rad(days_j2000) + station.longitude_rad;
  const double cl = std::cos(station.latitude_rad);
  return {cl * std::cos(theta), cl * std::sin(theta), std::sin(station.latitude_rad)};
}

} // namespace

std::vector<std::string> validate(const UtcDate& date) {
  std::vector<std::string> problems;
  if (date.month < 1 || date.month > 12) {
    problems.push_back("month must be in [1, 12], got " + std::to_string(date.month));
  } else if (date.day < 1 || date.day > days_in_month(date.year, date.month)) {
    problems.push_back("day must be in [1, " +
                       std::to_string(days_in_month(date.year, date.month)) + "] for " +
                       std::to_string(date.year) + "-" + std::to_string(date.month) + ", got " +
                       std::to_string(date.day));
  }
  if (date.hour < 0 || date.hour > 23)
    problems.push_back("hour must be in [0, 23], got " + std::to_string(date.hour));
  if (date.minute < 0 || date.minute > 59)
    problems.push_back("minute must be in [0, 59], got " + std::to_string(date.minute));
  if (!(date.second >= 0 && date.second < 61))
    problems.push_back("second must be in [0, 61), got " + num(date.second));
  return problems;
}

double days_since_j2000(const UtcDate& date) {
  const long days = days_from_civil(date.year, static_cast<unsigned>(date.month),
                                    static_cast<unsigned>(date.day)) -
                    days_from_civil(2000, 1, 1);
  const double day_fraction = (date.hour * 3600.0 + date.minute * 60.0 + date.second) / day_s;
  return static_cast<double>(days) + day_fraction - 0.5;
}

SunPosition sun_position(double days_j2000) {
  const double d = days_j2000;
  const double mean_longitude = wrap_two_pi((280.460 + 0.9856474 * d) * deg);
  const double mean_anomaly = wrap_two_pi((357.528 + 0.9856003 * d) * deg);
  const double ecliptic_longitude = wrap_two_pi(
      mean_longitude + (1.915 * std::sin(mean_anomaly) + 0.020 * std::sin(2 * mean_anomaly)) * deg);
  const double obliquity = (23.439 - 4e-7 * d) * deg;
  const double sl = std::sin(ecliptic_longitude);
  return {
      .right_ascension_rad =
          wrap_two_pi(std::atan2(std::cos(obliquity) * sl, std::cos(ecliptic_longitude))),
      .declination_rad = std::asin(std::sin(obliquity) * sl),
      .ecliptic_longitude_rad = ecliptic_longitude,
      .mean_longitude_rad = mean_longitude,
      .distance_au =
          1.00014 - 0.01671 * std::cos(mean_anomaly) - 0.00014 * std::cos(2 * mean_anomaly),
  };
}

double solar_flux_w_per_m2(double distance_au) {
  return solar_constant_w_per_m2 / (distance_au * distance_au);
}

double greenwich_sidereal_angle_rad(double days_j2000) {
  // Split the day count so that the large multiple of 360 deg drops out before rounding.
  const double whole_days = std::floor(days_j2000);
  const double rotation_deg =
      280.46061837 + 0.98564736629 * days_j2000 + 360.0 * (days_j2000 - whole_days);
  return wrap_two_pi(rotation_deg * deg);
}

std::vector<std::string> validate(const CircularOrbit& orbit) {
  std::vector<std::string> problems;
  if (!(orbit.altitude_m > 0 && std::isfinite(orbit.altitude_m)))
    problems.push_back("altitude must be > 0 m, got " + num(orbit.altitude_m));
  if (!(orbit.inclination_rad >= 0 && orbit.inclination_rad <= pi))
    problems.push_back("inclination must be in [0, 180] deg, got " +
                       num(orbit.inclination_rad / deg) + " deg");
  if (!std::isfinite(orbit.raan_rad))
    problems.push_back("right ascension of the ascending node must be finite");
  if (!std::isfinite(orbit.arg_latitude_rad))
    problems.push_back("argument of latitude must be finite");
  if (!std::isfinite(orbit.epoch_days_j2000)) problems.push_back("epoch must be finite");
  return problems;
}

std::vector<std::string> validate(const SunSynchronousSpec& spec) {
  std::vector<std::string> problems;
  if (!(spec.altitude_m > 0 && std::isfinite(spec.altitude_m))) {
    problems.push_back("altitude must be > 0 m, got " + num(spec.altitude_m));
  } else if (std::isnan(sun_synchronous_inclination_rad(spec.altitude_m))) {
    problems.push_back("no sun-synchronous circular orbit exists at altitude " +
                       num(spec.altitude_m / 1e3) + " km (J2 precession too slow)");
  }
  if (!(spec.ltan_s >= 0 && spec.ltan_s < day_s))
    problems.push_back("local time of the ascending node must be in [0, 24) h, got " +
                       num(spec.ltan_s / 3600) + " h");
  if (!std::isfinite(spec.arg_latitude_rad))
    problems.push_back("argument of latitude must be finite");
  if (!std::isfinite(spec.epoch_days_j2000)) problems.push_back("epoch must be finite");
  return problems;
}

double semi_major_axis_m(double altitude_m) {
  return earth_radius_m + altitude_m;
}

double mean_motion_rad_per_s(double altitude_m) {
  const double a = semi_major_axis_m(altitude_m);
  return std::sqrt(earth_mu_m3_per_s2 / (a * a * a));
}

double orbital_period_s(double altitude_m) {
  return two_pi / mean_motion_rad_per_s(altitude_m);
}

double nodal_precession_rad_per_s(double altitude_m, double inclination_rad) {
  const double ratio = earth_radius_m / semi_major_axis_m(altitude_m);
  return -1.5 * mean_motion_rad_per_s(altitude_m) * earth_j2 * ratio * ratio *
         std::cos(inclination_rad);
}

double sun_synchronous_inclination_rad(double altitude_m) {
  const double ratio = earth_radius_m / semi_major_axis_m(altitude_m);
  const double required_rate = two_pi / tropical_year_s;
  const double cos_i =
      -required_rate / (1.5 * mean_motion_rad_per_s(altitude_m) * earth_j2 * ratio * ratio);
  return cos_i >= -1 ? std::acos(cos_i) : std::numeric_limits<double>::quiet_NaN();
}

CircularOrbit sun_synchronous_orbit(const SunSynchronousSpec& spec) {
  const double inclination = sun_synchronous_inclination_rad(spec.altitude_m);
  assert(!std::isnan(inclination));
  const double mean_sun_ra = sun_position(spec.epoch_days_j2000).mean_longitude_rad;
  return {
      .altitude_m = spec.altitude_m,
      .inclination_rad = inclination,
      .raan_rad = wrap_two_pi(mean_sun_ra + (spec.ltan_s - day_s / 2) / day_s * two_pi),
      .arg_latitude_rad = spec.arg_latitude_rad,
      .epoch_days_j2000 = spec.epoch_days_j2000,
  };
}

double days_j2000_at(const CircularOrbit& orbit, double t_s) {
  return orbit.epoch_days_j2000 + t_s / day_s;
}

double raan_at_rad(const CircularOrbit& orbit, double t_s) {
  return orbit.raan_rad + nodal_precession_rad_per_s(orbit.altitude_m, orbit.inclination_rad) * t_s;
}

double argument_of_latitude_rad(const CircularOrbit& orbit, double t_s) {
  return orbit.arg_latitude_rad + mean_motion_rad_per_s(orbit.altitude_m) * t_s;
}

double beta_angle_rad(const CircularOrbit& orbit, double t_s) {
  const SunPosition sun = sun_position(days_j2000_at(orbit, t_s));
  const double sin_beta = std::cos(sun.declination_rad) * std::sin(orbit.inclination_rad) *
                              std::sin(raan_at_rad(orbit, t_s) - sun.right_ascension_rad) +
                          std::sin(sun.declination_rad) * std::cos(orbit.inclination_rad);
  return std::asin(std::clamp(sin_beta, -1.0, 1.0));
}

double solar_flux_at_w_per_m2(const CircularOrbit& orbit, double t_s) {
  return solar_flux_w_per_m2(sun_position(days_j2000_at(orbit, t_s)).distance_au);
}

double beta_star_rad(double altitude_m) {
  return std::asin(earth_radius_m / semi_major_axis_m(altitude_m));
}

double eclipse_half_angle_rad(double altitude_m, double beta_rad) {
  if (std::abs(beta_rad) >= beta_star_rad(altitude_m)) return 0;
  const double h = altitude_m;
  const double x = std::sqrt(h * h + 2 * earth_radius_m * h) /
                   (semi_major_axis_m(altitude_m) * std::cos(beta_rad));
  return std::acos(std::min(x, 1.0));
}

double eclipse_fraction(double altitude_m, double beta_rad) {
  return eclipse_half_angle_rad(altitude_m, beta_rad) / pi;
}

double eclipse_fraction_at(const CircularOrbit& orbit, double t_s) {
  return eclipse_fraction(orbit.altitude_m, beta_angle_rad(orbit, t_s));
}

double max_eclipse_fraction(const CircularOrbit& orbit, double t0_s, double t1_s,
                            double sample_step_s) {
  assert(sample_step_s > 0 && t1_s >= t0_s);
  double worst = eclipse_fraction_at(orbit, t1_s);
  for (double t = t0_s; t < t1_s; t += sample_step_s)
    worst = std::max(worst, eclipse_fraction_at(orbit, t));
  return worst;
}

double sun_phase_rad(const CircularOrbit& orbit, double t_s) {
  return phase_and_half_angle(orbit, t_s).phase_rad;
}

bool in_eclipse(const CircularOrbit& orbit, double t_s) {
  const Vec3 s = sun_unit_vector(sun_position(days_j2000_at(orbit, t_s)));
  const double c = dot(satellite_unit_vector(orbit, t_s), s);
  if (c >= 0) return false;
  const double a = semi_major_axis_m(orbit.altitude_m);
  return a * a * (1 - c * c) < earth_radius_m * earth_radius_m;
}

std::vector<EclipseInterval> eclipse_intervals(const CircularOrbit& orbit, double t0_s,
                                               double t1_s) {
  assert(t1_s >= t0_s);
  std::vector<EclipseInterval> intervals;
  const double n = mean_motion_rad_per_s(orbit.altitude_m);
  const double period = two_pi / n;

  // The Sun direction moves ~1e-4 of the satellite's rate, so fixed-point iterations on the
  // phase converge by ~4 orders of magnitude each.
  auto solve_phase = [&](double t, auto&& target_phase) {
    for (int k = 0; k < 3; ++k) {
      const PhaseAndHalfAngle ph = phase_and_half_angle(orbit, t);
      t += wrap_pm_pi(target_phase(ph) - ph.phase_rad) / n;
    }
    return t;
  };
  auto midnight_phase = [](const PhaseAndHalfAngle&) { return pi; };
  auto entry_phase = [](const PhaseAndHalfAngle& ph) { return pi - ph.half_angle_rad; };
  auto exit_phase = [](const PhaseAndHalfAngle& ph) { return pi + ph.half_angle_rad; };

  // Start one and a half orbits early so that an eclipse in progress at t0_s is found.
  double t = t0_s - 1.5 * period;
  t += wrap_two_pi(pi - phase_and_half_angle(orbit, t).phase_rad) / n;
  double t_mid = solve_phase(t, midnight_phase);
  // An eclipse spans less than half an orbit around its midnight.
  while (t_mid - period / 2 <= t1_s) {
    if (phase_and_half_angle(orbit, t_mid).half_angle_rad > 0) {
      const double start = std::max(t0_s, solve_phase(t_mid, entry_phase));
      const double end = std::min(t1_s, solve_phase(t_mid, exit_phase));
      if (end > start) intervals.push_back({start, end});
    }
    t_mid = solve_phase(t_mid + period, midnight_phase);
  }
  return intervals;
}

std::vector<std::string> validate(const GroundStation& station) {
  std::vector<std::string> problems;
  if (!(std::abs(station.latitude_rad) <= pi / 2))
    problems.push_back("latitude must be in [-90, 90] deg, got " + num(station.latitude_rad / deg) +
                       " deg");
  if (!std::isfinite(station.longitude_rad)) problems.push_back("longitude must be finite");
  if (!(station.min_elevation_rad >= 0 && station.min_elevation_rad < pi / 2))
    problems.push_back("minimum elevation must be in [0, 90) deg, got " +
                       num(station.min_elevation_rad / deg) + " deg");
  return problems;
}

std::vector<std::string> validate(const ContactSearch& search) {
  std::vector<std::string> problems;
  if (!(search.step_s > 0 && std::isfinite(search.step_s)))
    problems.push_back("contact search step must be > 0 s, got " + num(search.step_s));
  if (!(search.tolerance_s > 0 && search.tolerance_s <= search.step_s))
    problems.push_back("contact search tolerance must be in (0, step], got " +
                       num(search.tolerance_s) + " s");
  return problems;
}

double elevation_rad(const CircularOrbit& orbit, const GroundStation& station, double t_s) {
  const Vec3 g = station_unit_vector(station, days_j2000_at(orbit, t_s));
  const Vec3 r = satellite_unit_vector(orbit, t_s);
  const double a = semi_major_axis_m(orbit.altitude_m);
  const Vec3 rho = {a * r[0] - earth_radius_m * g[0], a * r[1] - earth_radius_m * g[1],
                    a * r[2] - earth_radius_m * g[2]};
  return std::asin(std::clamp(dot(rho, g) / std::sqrt(dot(rho, rho)), -1.0, 1.0));
}

double slant_range_m(double altitude_m, double elevation_rad) {
  const double a = semi_major_axis_m(altitude_m);
  const double c = earth_radius_m * std::cos(elevation_rad);
  return std::sqrt(a * a - c * c) - earth_radius_m * std::sin(elevation_rad);
}

std::vector<ContactWindow> contact_windows(const CircularOrbit& orbit, const GroundStation& station,
                                           double t0_s, double t1_s, const ContactSearch& search) {
  assert(t1_s >= t0_s && search.step_s > 0 && search.tolerance_s > 0);
  const double a = semi_major_axis_m(orbit.altitude_m);
  const double el = station.min_elevation_rad;
  // Elevation falls monotonically with the central angle, so visibility is gamma <= gamma_max.
  const double gamma_max = std::acos(earth_radius_m * std::cos(el) / a) - el;
  // No central angle can shrink faster than the two unit vectors move.
  const double max_rate =
      1.01 * (mean_motion_rad_per_s(orbit.altitude_m) +
              2 * std::abs(nodal_precession_rad_per_s(orbit.altitude_m, orbit.inclination_rad)) +
              earth_rotation_rad_per_s * std::cos(station.latitude_rad));
  auto gap = [&](double t) {
    const Vec3 g = station_unit_vector(station, days_j2000_at(orbit, t));
    return std::acos(std::clamp(dot(g, satellite_unit_vector(orbit, t)), -1.0, 1.0)) - gamma_max;
  };

  std::vector<ContactWindow> windows;
  double t = t0_s;
  double gap_t = gap(t);
  bool inside = gap_t <= 0;
  double start = t0_s;
  while (t < t1_s) {
    // The gap cannot change sign sooner than |gap| / max_rate, inside a pass or out of it.
    const double step = std::max(search.step_s, std::abs(gap_t) / max_rate);
    const double next = std::min(t + step, t1_s);
    const double gap_next = gap(next);
    const bool inside_next = gap_next <= 0;
    if (inside_next != inside) {
      double lo = t, hi = next;
      while (hi - lo > search.tolerance_s) {
        const double mid = 0.5 * (lo + hi);
        ((gap(mid) <= 0) == inside ? lo : hi) = mid;
      }
      const double edge = 0.5 * (lo + hi);
      if (inside_next)
        start = edge;
      else
        windows.push_back({start, edge});
    }
    t = next;
    gap_t = gap_next;
    inside = inside_next;
  }
  if (inside) windows.push_back({start, t1_s});
  return windows;
}

} // namespace capsim
