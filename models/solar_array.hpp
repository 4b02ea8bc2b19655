// Solar array output in orbit.
//
// Equations
//   P = A * eta * S(t) * cos(theta) * packing * (1 - d)^years,   P = 0 in eclipse
//   S(t) = S0 / r(t)^2 from the solar ephemeris (orbit.hpp); years = age / 365.25 d
//   cos(theta) by pointing: sun_tracking (two-axis) 1; single_axis (rotation axis along the orbit
//   normal, the usual solar-array drive) cos(beta); fixed_orbit_normal (panel facing +orbit
//   normal, as on a dawn-dusk satellite) max(0, sin(beta)).
//
// Parameters (SolarArrayParams)
//   area_m2              m2, > 0        total cell-bearing panel area
//   cell_efficiency      (0, 1]         beginning-of-life conversion efficiency at 28 degC; III-V
//                                       triple junction 0.30-0.32, silicon ~0.22
//   packing_factor       (0, 1]         cell area / panel area (default 0.9)
//   degradation_per_year [0, 1)         fractional loss per year, compounded (default 0.02)
//   pointing             ArrayPointing  (default sun_tracking)
//
// Sources
//   Degradation ~1.5 %/yr measured on the ISS arrays: NASA APPEL Knowledge Services, "Astronauts
//   Continue Space Station Power Upgrades" (2021); 0.2-0.5 %/yr on the P6 wings over their first
//   two years: T. W. Kerslake and E. D. Gustafson, AIAA 2003-5999 (NASA TM-2003-212513).
//   Efficiencies: triple-junction cell datasheets (Spectrolab XTJ Prime, Azur Space 3G30);
//   P = A eta S cos(theta): J. R. Wertz and W. J. Larson (eds.), Space Mission Analysis and
//   Design, 3rd ed., 1999, sec. 11.4.
#pragma once

#include "models/orbit.hpp"
#include "models/parameter.hpp"

#include <string>
#include <vector>

namespace capsim {

enum class ArrayPointing { sun_tracking, single_axis, fixed_orbit_normal };

// The array's scenario parameters (an orbital site's `satellite:` block).
namespace solar_array_parameter {
inline constexpr Parameter cell_efficiency{
    .key = "cell_efficiency",
    .default_si = 0.30,
    .min_si = 0.01,
    .max_si = 0.6,
    .meaning = "share of the sunlight on a cell turned into electricity, beginning of life"};
inline constexpr Parameter packing{.key = "packing",
                                   .default_si = 0.9,
                                   .min_si = 0.1,
                                   .max_si = 1,
                                   .meaning = "share of the array's area covered by cells"};
inline constexpr Parameter degradation_per_year{
    .key = "degradation_per_year",
    .default_si = 0.02,
    .min_si = 0,
    .max_si = 0.5,
    .meaning = "share of the array's output lost each year (compounded)"};
inline constexpr Parameter area{.key = "array_area",
                                .dimension = Dimension::area,
                                .min_si = 0,
                                .max_si = 1e6,
                                .meaning = "the satellite's array area",
                                .min_exclusive = true,
                                .default_from = "sized for the satellite's power at end of life"};
inline constexpr Parameter table[] = {cell_efficiency, packing, degradation_per_year, area};
} // namespace solar_array_parameter

struct SolarArrayParams {
  double area_m2 = 0;
  double cell_efficiency = solar_array_parameter::cell_efficiency.default_si;
  double packing_factor = solar_array_parameter::packing.default_si;
  double degradation_per_year = solar_array_parameter::degradation_per_year.default_si;
  ArrayPointing pointing = ArrayPointing::sun_tracking;
};
std::vector<std::string> validate(const SolarArrayParams& params);

// Remaining fraction of beginning-of-life output after age_s: (1 - d)^years.
double degradation_factor(const SolarArrayParams& params, double age_s);
// cos(theta) of the pointing mode at a beta angle.
double incidence_cos(ArrayPointing pointing, double beta_rad);
// Sunlit output for a given flux and incidence (cos_incidence below 0 gives 0).
double solar_array_power_w(const SolarArrayParams& params, double solar_flux_w_per_m2,
                           double cos_incidence, double age_s);
// Output on an orbit at t_s: 0 in eclipse, flux and beta from the ephemeris; the array's age is
// age_s (it may have been launched after the orbit's epoch).
double solar_array_power_w(const SolarArrayParams& params, const CircularOrbit& orbit, double t_s,
                           double age_s);

} // namespace capsim
