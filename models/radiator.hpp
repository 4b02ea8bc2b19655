// Radiator heat rejection in orbit, and a lumped thermal mass.
//
// Equations (per m2 of panel planform; sigma = 5.670374419e-8 W/m2/K4)
//   absorbed   q_abs = [sunlit] (alpha S cos(theta_sun) + alpha a_E F S) + eps F E_IR
//   net        q_net(T) = N eps sigma (T^4 - T_sink^4) - q_abs
//   steady     Q = A q_net(T)  =>  T = (T_sink^4 + (Q / A + q_abs) / (N eps sigma))^(1/4)
//   sizing     A = Q / q_net(T_limit)  (infinite when q_net(T_limit) <= 0)
//   capacity   Q_max = max(0, A q_net(T_limit))
//   lumped     C dT/dt = Q - A q_net(T) = -k (T^4 - T_eq^4),  k = N eps sigma A
//              Exact solution: with x = (T - T_eq)/(T + T_eq), y = ln|x|, s = sign(x),
//              Phi(y) = y - 2 s atan(e^y) obeys Phi(y(t)) = Phi(y(0)) - 4 T_eq^3 k t / C
//              (from the partial fractions of 1/(T^4 - T_eq^4)); Phi is monotone, so y(t) is found
//              by a bracketed root finder (TOMS 748). T moves monotonically towards T_eq and never
//              crosses it. Energy removed from the payload over the step: Q dt - C (T1 - T0).
//   view factor of a plate whose plane contains the nadir, per face, H = (R + h)/R:
//              F = (1/pi) (atan(1/sqrt(H^2 - 1)) - sqrt(H^2 - 1)/H^2)
//   Albedo is applied only while the satellite is sunlit, with the same view factor as Earth IR
//   (an orbit-average simplification). The temperature T is an effective mean panel temperature.
//
// Parameters (RadiatorParams)
//   area_m2              m2, >= 0   panel planform area (ignored by the sizing functions)
//   sides                1 or 2     radiating faces (default 2: a deployed panel)
//   emissivity           (0, 1]     infrared emissivity (default 0.88; 0.85-0.90 for white paint
//                                   or optical solar reflectors)
//   solar_absorptivity   [0, 1]     (default 0.20: white paint near end of life; OSR ~0.08-0.1)
//   solar_incidence_cos  [0, 1]     cos of the Sun angle on a face (default 0: edge-on to the Sun)
//   earth_view_factor    [0, 2]     sum over faces of the view factor to Earth (default 0.48: both
//                                   faces of a nadir-containing panel at ~650 km, 2 x 0.24)
//   albedo               [0, 1]     Earth's Bond albedo (default 0.30)
//   earth_ir_w_per_m2    W/m2, >= 0 Earth's outgoing infrared (default 237)
//   sink_temperature_k   K, >= 0    deep-space sink (default 3)
//   temperature_limit_k  K, > sink  highest allowed mean radiator temperature (default 320 K).
//       Why 320 K: the radiator is the cold end of the GPU coolant loop, so its outlet is the
//       cold-plate supply. Warm-water direct-to-chip cooling is specified up to ~45 degC supply
//       (318 K; ASHRAE TC 9.9 liquid-cooling class W45), which keeps the GPU die (typically
//       limited near 85-90 degC) and HBM (near 95 degC) in range at full power; the return is
//       ~10 K warmer, so the panel's mean sits near 320-330 K. 320 K is the cautious end of that
//       span; 300-330 K is the usual design range for orbital compute proposals.
//   heat_capacity_j_per_k J/K, >= 0 lumped heat capacity of panel, coolant and cold plates
//                                   (default 0: temperature follows the steady state at once)
//
// Sources
//   Stefan-Boltzmann constant: CODATA 2018. Radiator balance and environment (albedo ~0.30, Earth
//   IR ~237 W/m2): D. G. Gilmore (ed.), Spacecraft Thermal Control Handbook, vol. 1, 2nd ed., 2002,
//   ch. 2; J. R. Wertz and W. J. Larson (eds.), Space Mission Analysis and Design, 3rd ed., 1999,
//   sec. 11.5. View factor: J. R. Howell, A Catalog of Radiation Heat Transfer Configuration
//   Factors (differential planar element to a sphere). Coolant classes: ASHRAE TC 9.9, Liquid
//   Cooling Guidelines for Datacom Equipment Centers, and its 2021 W-class update. TOMS 748 root
//   finder: G. E. Alefeld, F. A. Potra and Y. Shi, ACM TOMS 21(3), 1995 (Boost.Math
//   implementation).
#pragma once

#include "models/orbit.hpp"
#include "models/parameter.hpp"

#include <string>
#include <vector>

namespace capsim {

inline constexpr double stefan_boltzmann_w_per_m2_k4 = 5.670374419e-8;

// The radiator's scenario parameters (an orbital site's `satellite:` block).
namespace radiator_parameter {
inline constexpr Parameter emissivity{
    .key = "emissivity",
    .default_si = 0.88,
    .min_si = 0.05,
    .max_si = 1,
    .meaning = "infrared emissivity of the radiator's surface, beginning of life"};
inline constexpr Parameter absorptivity{
    .key = "absorptivity",
    .default_si = 0.20,
    .min_si = 0,
    .max_si = 1,
    .meaning = "share of the sunlight on the radiator that it absorbs"};
inline constexpr Parameter temperature_limit{
    .key = "radiator_temperature_limit",
    .dimension = Dimension::temperature,
    .default_si = 320,
    .min_si = 200,
    .max_si = 400,
    .meaning = "highest radiator temperature the electronics allow; the radiator is sized for it"};
inline constexpr Parameter thermal_mass{
    .key = "thermal_mass",
    .dimension = Dimension::mass,
    .default_si = 300,
    .min_si = 0,
    .max_si = 1e6,
    .meaning = "aluminium-equivalent mass the radiator loop heats (900 J/(kg K))"};
inline constexpr Parameter emissivity_end_of_life{
    .key = "emissivity_end_of_life",
    .default_si = emissivity.default_si,
    .min_si = 0.05,
    .max_si = 1,
    .meaning = "emissivity at the end of the design life, the radiator is sized with it; at most "
               "emissivity (the loader checks it)",
    .default_from = "emissivity (no loss over life)"};
inline constexpr Parameter area{.key = "radiator_area",
                                .dimension = Dimension::area,
                                .min_si = 0,
                                .max_si = 1e6,
                                .meaning = "the satellite's radiator area",
                                .min_exclusive = true,
                                .default_from = "sized to reject the satellite's heat at its "
                                                "temperature limit"};
inline constexpr Parameter table[] = {emissivity,   absorptivity,           temperature_limit,
                                      thermal_mass, emissivity_end_of_life, area};
} // namespace radiator_parameter

struct RadiatorParams {
  double area_m2 = 0;
  int sides = 2;
  double emissivity = radiator_parameter::emissivity.default_si;
  double solar_absorptivity = radiator_parameter::absorptivity.default_si;
  double solar_incidence_cos = 0;
  double earth_view_factor = 0.48;
  double albedo = 0.30;
  double earth_ir_w_per_m2 = 237;
  double sink_temperature_k = 3;
  double temperature_limit_k = radiator_parameter::temperature_limit.default_si;
  double heat_capacity_j_per_k = 0;
};
std::vector<std::string> validate(const RadiatorParams& params);

struct RadiatorEnvironment {
  double solar_flux_w_per_m2 = solar_constant_w_per_m2;
  bool sunlit = true;
};

// View factor to Earth of one face of a plate whose plane contains the nadir direction.
double nadir_plate_earth_view_factor(double altitude_m);

double absorbed_flux_w_per_m2(const RadiatorParams& params, const RadiatorEnvironment& env);
double net_rejection_w_per_m2(const RadiatorParams& params, double temperature_k,
                              const RadiatorEnvironment& env);
// Heat the panel can reject at its temperature limit (>= 0).
double heat_rejection_capacity_w(const RadiatorParams& params, const RadiatorEnvironment& env);
// Panel temperature at which heat_w is rejected in steady state (heat_w >= 0).
double steady_state_temperature_k(const RadiatorParams& params, double heat_w,
                                  const RadiatorEnvironment& env);
// Area that rejects heat_w at the temperature limit; +infinity when the environment alone
// holds the panel at or above the limit.
double radiator_area_for_load_m2(const RadiatorParams& params, double heat_w,
                                 const RadiatorEnvironment& env);
// Linearised time constant C / (4 k T_eq^3) around the steady state for heat_w.
double thermal_time_constant_s(const RadiatorParams& params, double heat_w,
                               const RadiatorEnvironment& env);

struct RadiatorState {
  double temperature_k = 0;
};
struct RadiatorStep {
  RadiatorState state;
  double rejected_j; // payload heat removed over the step: heat_w dt - C (T1 - T0)
};
// Exact solution of the lumped model over dt_s with constant heat_w and environment.
RadiatorStep advance(const RadiatorState& state, const RadiatorParams& params, double heat_w,
                     double dt_s, const RadiatorEnvironment& env);

} // namespace capsim
