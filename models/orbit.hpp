// Circular Earth orbits: period, J2 node precession, sun-synchronous design, a low-precision
// solar ephemeris, beta angle, cylindrical-shadow eclipses and ground-station contact windows.
//
// Conventions
//   Time t_s is seconds since the scenario epoch; the epoch is a UTC calendar date turned into
//   days since J2000.0 (2000-01-01 12:00) by days_since_j2000. UTC is used in place of TT and UT1
//   (differences of ~69 s and < 1 s), which moves the Sun by < 0.001 deg: far below this model's
//   accuracy.
//   Frame: geocentric equatorial, of date (x to the vernal equinox, z to the north pole).
//   Earth: a sphere of radius R = 6,378.137 km (WGS-84 equatorial radius), used everywhere:
//   altitude h = a - R, J2 precession (J2 is normalised to this radius), shadow cylinder, ground
//   stations. Angles are radians.
//   Phase phi: the satellite's in-plane angle from the projection of the Sun direction on the
//   orbit plane, measured in the direction of motion, in [0, 2 pi). phi = 0 is "orbit noon",
//   phi = pi is "orbit midnight"; the shadow is centred on phi = pi.
//
// Equations (circular orbit, a = R + h, n = sqrt(mu / a^3))
//   period             T = 2 pi sqrt(a^3 / mu)
//   node precession    dOmega/dt = -3/2 n J2 (R / a)^2 cos i
//   sun-synchronous    dOmega/dt = 2 pi / (365.2422 d)  =>  cos i = -(dOmega/dt) / (3/2 n J2
//   (R/a)^2)
//                      Omega(epoch) = alpha_mean_sun(epoch) + (LTAN - 12 h) * 15 deg/h
//   motion             Omega(t) = Omega_0 + dOmega/dt t,   u(t) = u_0 + n t (argument of latitude)
//   Sun (Astronomical Almanac low-precision formulae, 0.01 deg over 1950-2050; d = days since
//   J2000)
//     L = 280.460 deg + 0.9856474 deg d       (mean longitude; also the RA of the mean sun)
//     g = 357.528 deg + 0.9856003 deg d       (mean anomaly)
//     lambda = L + 1.915 deg sin g + 0.020 deg sin 2g,   eps = 23.439 deg - 4e-7 deg d
//     alpha = atan2(cos eps sin lambda, cos lambda),   delta = asin(sin eps sin lambda)
//     r = 1.00014 - 0.01671 cos g - 0.00014 cos 2g  AU;   S = S0 / r^2  (+-3.4 % over the year)
//   Greenwich mean sidereal angle: theta = 280.46061837 deg + 360.98564736629 deg d
//   beta angle         sin beta = cos delta sin i sin(Omega - alpha) + sin delta cos i
//   shadow             beta* = asin(R / a); for |beta| < beta*, eclipse half-angle
//                      phi_e = acos( sqrt(h^2 + 2 R h) / (a cos beta) ), else 0;
//                      eclipse for phi in (pi - phi_e, pi + phi_e); fraction f = phi_e / pi
//   ground station     visible iff central angle gamma between station and satellite is at most
//                      gamma_max = acos(R cos(el_min) / a) - el_min
//
// Accuracy and what is left out
//   No J2 in-track or perigee effects (u grows at the Keplerian n), no drag, no penumbra, no
//   atmospheric refraction, spherical Earth. eclipse_intervals evaluates the geometry once per
//   orbit (a few ephemeris calls per orbit) and its edges agree with in_eclipse to < 1 ms.
//   contact_windows steps through time with a step that never skips over a visibility edge: the
//   angle's distance to the visibility limit over a conservative bound on how fast gamma can
//   change, inside a pass or out of it, and at least ContactSearch::step_s (default 10 s): a pass
//   shorter than step_s may be missed. Window edges are refined by bisection to
//   ContactSearch::tolerance_s.
//
// Parameters
//   CircularOrbit: altitude_m (m, > 0), inclination_rad (rad, [0, pi]), raan_rad (rad, Omega at
//   t = 0), arg_latitude_rad (rad, u at t = 0), epoch_days_j2000 (d, the scenario epoch).
//   SunSynchronousSpec: altitude_m, ltan_s (local mean solar time of the ascending node, s after
//   midnight, [0, 86400)), arg_latitude_rad, epoch_days_j2000.
//   GroundStation: latitude_rad (geocentric), longitude_rad (east), min_elevation_rad.
//
// Sources
//   D. A. Vallado, Fundamentals of Astrodynamics and Applications, 4th ed., 2013: two-body period,
//   secular J2 node rate, sun-synchronous condition, sidereal time (IAU-82 GMST, linear term).
//   U.S. Naval Observatory, The Astronomical Almanac, section C, "Low precision formulas for the
//   Sun" (also J. Meeus, Astronomical Algorithms, 2nd ed., 1998, ch. 25).
//   S. L. Rickman, Introduction to Orbital Mechanics and Spacecraft Attitudes for Thermal
//   Engineers, NASA TFAWS short course: beta angle and cylindrical-shadow eclipse fraction.
//   Constants: mu = 398,600.4418 km^3/s^2 and R = 6,378.137 km (WGS-84 / EGM96); J2 = 1.08263e-3;
//   S0 = 1,361 W/m2 (G. Kopp and J. Lean, Geophys. Res. Lett. 38, L01706, 2011).
#pragma once

#include <numbers>
#include <string>
#include <vector>

#include "models/parameter.hpp"

namespace capsim {

// An orbital site's orbit parameters (its `orbit:` block; `altitude` and either
// `sun_synchronous: {ltan}` or `inclination` are required, `epoch` is a date, 2027-01-01 unless
// given). A required key's default_si is what the loader keeps when it reports it missing.
namespace orbit_parameter {
inline constexpr Parameter altitude{.key = "altitude",
                                    .dimension = Dimension::length,
                                    .default_si = 650e3,
                                    .min_si = 160e3,
                                    .max_si = 36000e3,
                                    .meaning = "height of the circular orbit above the Earth",
                                    .required = true};
inline constexpr Parameter inclination{
    .key = "inclination",
    .dimension = Dimension::angle,
    .default_si = 0,
    .min_si = 0,
    .max_si = std::numbers::pi,
    .meaning = "inclination of the orbit (required unless sun_synchronous is given)",
    .required = true};
inline constexpr Parameter raan{
    .key = "raan",
    .dimension = Dimension::angle,
    .default_si = 0,
    .min_si = -2 * std::numbers::pi,
    .max_si = 2 * std::numbers::pi,
    .meaning = "right ascension of the ascending node at t = 0, for an orbit given by its "
               "inclination (a sun-synchronous one takes it from ltan)"};
inline constexpr Parameter table[] = {altitude, inclination, raan};
} // namespace orbit_parameter

// A sun-synchronous orbit (`orbit: {sun_synchronous: {ltan}}`): its inclination follows from
// the altitude, its node from the local time.
namespace sun_synchronous_parameter {
inline constexpr Parameter ltan{.key = "ltan",
                                .dimension = Dimension::time,
                                .default_si = 21600,
                                .min_si = 0,
                                .max_si = 86400,
                                .meaning = "local time of the ascending node (6 h: dawn-dusk)",
                                .required = true};
inline constexpr Parameter table[] = {ltan};
} // namespace sun_synchronous_parameter

// A ground station's parameters (an item of `ground_stations:`; `name`, `latitude` and
// `longitude` are required).
namespace ground_station_parameter {
inline constexpr Parameter latitude{.key = "latitude",
                                    .dimension = Dimension::angle,
                                    .default_si = 0,
                                    .min_si = -std::numbers::pi / 2,
                                    .max_si = std::numbers::pi / 2,
                                    .meaning = "the station's geodetic latitude",
                                    .required = true};
inline constexpr Parameter longitude{.key = "longitude",
                                     .dimension = Dimension::angle,
                                     .default_si = 0,
                                     .min_si = -2 * std::numbers::pi,
                                     .max_si = 2 * std::numbers::pi,
                                     .meaning = "the station's longitude, east positive",
                                     .required = true};
inline constexpr Parameter min_elevation{
    .key = "min_elevation",
    .dimension = Dimension::angle,
    .default_si = 10 * std::numbers::pi / 180,
    .min_si = 0,
    .max_si = std::numbers::pi / 2,
    .meaning = "elevation above the horizon from which the station can contact a satellite"};
inline constexpr Parameter table[] = {latitude, longitude, min_elevation};
} // namespace ground_station_parameter

inline constexpr double earth_radius_m = 6378137.0;
inline constexpr double speed_of_light_m_per_s = 299792458.0;
inline constexpr double earth_mu_m3_per_s2 = 3.986004418e14;
inline constexpr double earth_j2 = 1.08263e-3;
inline constexpr double solar_constant_w_per_m2 = 1361.0;
inline constexpr double tropical_year_s = 365.2422 * 86400.0;
// The GMST rate, 360.98564736629 deg per day of 86,400 s.
inline constexpr double earth_rotation_rad_per_s =
    360.98564736629 * (std::numbers::pi / 180.0) / 86400.0;

struct UtcDate {
  int year = 2000;
  int month = 1; // 1..12
  int day = 1;   // 1..31
  int hour = 0;
  int minute = 0;
  double second = 0;
};
std::vector<std::string> validate(const UtcDate& date);
// Days since J2000.0 (2000-01-01 12:00); negative before it.
double days_since_j2000(const UtcDate& date);

struct SunPosition {
  double right_ascension_rad;    // [0, 2 pi)
  double declination_rad;        // [-eps, eps]
  double ecliptic_longitude_rad; // [0, 2 pi)
  double mean_longitude_rad;     // [0, 2 pi); right ascension of the mean sun
  double distance_au;
};
SunPosition sun_position(double days_j2000);
// Solar flux at a distance from the Sun: S0 / r^2.
double solar_flux_w_per_m2(double distance_au);
double greenwich_sidereal_angle_rad(double days_j2000); // [0, 2 pi)

struct CircularOrbit {
  double altitude_m = 0;
  double inclination_rad = 0;
  double raan_rad = orbit_parameter::raan.default_si; // at t = 0
  double arg_latitude_rad = 0;                        // at t = 0
  double epoch_days_j2000 = 0;                        // t = 0
};
std::vector<std::string> validate(const CircularOrbit& orbit);

struct SunSynchronousSpec {
  double altitude_m = 0;
  double ltan_s = 0; // 6 h = 21,600 (dawn) or 18 h = 64,800 (dusk) for a dawn-dusk orbit
  double arg_latitude_rad = 0;
  double epoch_days_j2000 = 0;
};
std::vector<std::string> validate(const SunSynchronousSpec& spec);
// NaN when no inclination gives the sun-synchronous rate (altitude above ~5,970 km).
double sun_synchronous_inclination_rad(double altitude_m);
// spec must pass validate().
CircularOrbit sun_synchronous_orbit(const SunSynchronousSpec& spec);

double semi_major_axis_m(double altitude_m);
double mean_motion_rad_per_s(double altitude_m);
double orbital_period_s(double altitude_m);
double nodal_precession_rad_per_s(double altitude_m, double inclination_rad);

double days_j2000_at(const CircularOrbit& orbit, double t_s);
double raan_at_rad(const CircularOrbit& orbit, double t_s);              // not wrapped
double argument_of_latitude_rad(const CircularOrbit& orbit, double t_s); // not wrapped
double beta_angle_rad(const CircularOrbit& orbit, double t_s);           // [-pi/2, pi/2]
double solar_flux_at_w_per_m2(const CircularOrbit& orbit, double t_s);

double beta_star_rad(double altitude_m);
// phi_e above: half the shadowed arc, 0 when |beta| >= beta*.
double eclipse_half_angle_rad(double altitude_m, double beta_rad);
double eclipse_fraction(double altitude_m, double beta_rad);
double eclipse_fraction_at(const CircularOrbit& orbit, double t_s);
// Largest eclipse fraction over [t0_s, t1_s], from beta sampled every sample_step_s.
double max_eclipse_fraction(const CircularOrbit& orbit, double t0_s, double t1_s,
                            double sample_step_s = 3600);

double sun_phase_rad(const CircularOrbit& orbit, double t_s); // phi above, [0, 2 pi)
// Exact cylindrical-shadow test on the satellite position.
bool in_eclipse(const CircularOrbit& orbit, double t_s);

struct EclipseInterval {
  double start_s;
  double end_s;
};
// Eclipses overlapping [t0_s, t1_s], clipped to it, in time order; O(orbits in the window).
std::vector<EclipseInterval> eclipse_intervals(const CircularOrbit& orbit, double t0_s,
                                               double t1_s);

struct GroundStation {
  double latitude_rad = 0;
  double longitude_rad = 0;
  double min_elevation_rad = ground_station_parameter::min_elevation.default_si;
};
std::vector<std::string> validate(const GroundStation& station);

struct ContactSearch {
  double step_s = 10;        // passes shorter than this may be missed
  double tolerance_s = 0.01; // accuracy of the window edges
};
std::vector<std::string> validate(const ContactSearch& search);

struct ContactWindow {
  double start_s;
  double end_s;
};
double elevation_rad(const CircularOrbit& orbit, const GroundStation& station, double t_s);
// Distance from a station to a satellite at altitude h seen at elevation el (spherical Earth,
// a = R + h): d = sqrt(a^2 - R^2 cos^2 el) - R sin el; d = h at the zenith, and the longest
// distance of a pass is at the station's minimum elevation.
double slant_range_m(double altitude_m, double elevation_rad);
// Passes overlapping [t0_s, t1_s], clipped to it, in time order.
std::vector<ContactWindow> contact_windows(const CircularOrbit& orbit, const GroundStation& station,
                                           double t0_s, double t1_s,
                                           const ContactSearch& search = {});

} // namespace capsim
