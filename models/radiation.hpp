// Radiation in orbit: total ionizing dose and the interruptions it adds to accelerators.
//
// Equations (per device: one accelerator package with its HBM stacks)
//   dose rate        D' = (rad/yr) x 0.01 Gy/rad / (365.25 d)         [Gy/s]
//   event rate       lambda_e = D' / D_e   for each effect e, where D_e is the absorbed dose per
//                    event observed under proton beam (one event per D_e of dose to one device)
//   total dose       D(t) = D_0 + D' t;  end of life when D(t) >= D_limit
//   sampling         per effect, a Poisson process of rate devices x lambda_e; merged, events are
//                    exponential gaps at the total rate with the effect drawn by its share
//
// Effects are one table (radiation_effects below: name, its dose per event as a scenario parameter
// (key, default, range), what it does to the device). Everything that draws, counts, reads or
// reports effects iterates that table, so a further effect is one row.
//
// Parameters (RadiationParams)
//   dose_rate_gy_per_s            Gy/s, >= 0  (default 150 rad(Si)/yr: ~650 km sun-synchronous
//                                             behind shielding; other studies assume 1 krad/yr)
//   dose_per_event_gy[e]          Gy, > 0     per effect, in table order:
//     hbm_uncorrectable           dose per HBM uncorrectable ECC error (default 0.5 = 50 rad)
//     functional_interrupt        dose per functional interrupt of the host CPU/RAM
//                                 (default 4.25 = 425 rad; 400-450 rad observed)
//     silent_data_corruption      dose per silent data corruption (default 1.07 = 107 rad; few
//                                 events, wide uncertainty)
//   dose_limit_gy                 Gy, > 0     end-of-life dose (default 20 Gy = 2 krad, where HBM
//                                             anomalies began; no hard failure up to 15 krad)
//   No public in-orbit error rates exist for NVIDIA GPUs: the defaults are the TPU (Trillium v6e)
//   proton-beam figures, a proxy to override.
//
// Sources
//   T. Fischbacher et al., "Towards a future space-based, highly scalable AI infrastructure system
//   design", arXiv:2511.19468, 2025 (67 MeV proton tests of Trillium TPUs; dose per event; the
//   150 rad(Si)/yr environment). 1 rad = 0.01 Gy: NIST SP 811 (2008).
#pragma once

#include <array>
#include <cstddef>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "models/parameter.hpp"
#include "models/units.hpp"

namespace capsim {

// What an event does to the device it hits.
enum class RadiationOutcome {
  interrupt, // the device's job stops and restarts from its last checkpoint (a reset clears it)
};
std::string_view radiation_outcome_name(RadiationOutcome outcome);

struct RadiationEffectRow {
  std::string_view name; // as the outputs report it
  Parameter dose;        // its dose per event: the scenario key (radiation block), default, range
  RadiationOutcome outcome;
};

// A dose per event as a scenario parameter (Gy; the range is the loader's).
constexpr Parameter dose_per_event(std::string_view key, double default_gy,
                                   std::string_view meaning) {
  return Parameter{.key = key,
                   .dimension = Dimension::dose,
                   .default_si = default_gy,
                   .min_si = 1e-6,
                   .max_si = 1e6,
                   .meaning = meaning};
}

// The effects, in reporting order (defaults: the Trillium proton-beam figures above).
inline constexpr std::array radiation_effects{
    RadiationEffectRow{
        "hbm_uncorrectable",
        dose_per_event("hbm_error_dose", 0.5, "dose per HBM uncorrectable ECC error"),
        RadiationOutcome::interrupt},
    RadiationEffectRow{
        "functional_interrupt",
        dose_per_event("interrupt_dose", 4.25, "dose per functional interrupt of the host CPU/RAM"),
        RadiationOutcome::interrupt},
    RadiationEffectRow{"silent_data_corruption",
                       dose_per_event("sdc_dose", 1.07, "dose per silent data corruption"),
                       RadiationOutcome::interrupt},
};
inline constexpr std::size_t radiation_effect_count = radiation_effects.size();

// An orbital site's radiation parameters with a default (its `radiation:` block; `dose_rate` is
// required): each effect's dose per event, in table order, for the loader and the docs.
namespace radiation_parameter {
inline constexpr std::array<Parameter, radiation_effect_count> table = [] {
  std::array<Parameter, radiation_effect_count> doses{};
  for (std::size_t e = 0; e < radiation_effect_count; ++e)
    doses[e] = radiation_effects[e].dose;
  return doses;
}();
} // namespace radiation_parameter

// The radiation environment of the orbit (required in the `radiation:` block).
namespace radiation_environment_parameter {
inline constexpr Parameter dose_rate{.key = "dose_rate",
                                     .dimension = Dimension::dose_rate,
                                     .default_si = 0,
                                     .min_si = 0,
                                     .max_si = 1,
                                     .meaning = "ionising dose rate the hardware receives "
                                                "behind its shielding",
                                     .required = true};
inline constexpr Parameter table[] = {dose_rate};
} // namespace radiation_environment_parameter
// Index of an effect in radiation_effects.
using RadiationEffect = std::size_t;
// Index of the effect named `name`, or radiation_effect_count.
RadiationEffect find_radiation_effect(std::string_view name);

// One value per effect, in table order.
using PerRadiationEffect = std::array<double, radiation_effect_count>;
PerRadiationEffect default_doses_per_event_gy();

double gy_per_s_from_rad_per_year(double rad_per_year);

struct RadiationParams {
  double dose_rate_gy_per_s = 150 * 0.01 / julian_year_s;
  PerRadiationEffect dose_per_event_gy = default_doses_per_event_gy();
  double dose_limit_gy = 20;
};
std::vector<std::string> validate(const RadiationParams& params);

// Events per second for one device.
double event_rate_per_s(const RadiationParams& params, RadiationEffect effect);
double total_event_rate_per_s(const RadiationParams& params);
// The effect that an event falls on, given u uniform in [0, 1): effects take consecutive shares
// of [0, 1) in proportion to their rates, in table order. Total rate must be > 0.
RadiationEffect pick_radiation_effect(const RadiationParams& params, double u);

double total_ionizing_dose_gy(const RadiationParams& params, double exposure_s,
                              double initial_dose_gy = 0);
bool dose_limit_reached(const RadiationParams& params, double exposure_s,
                        double initial_dose_gy = 0);
// Exposure until the dose limit; +infinity when the dose rate is 0.
double time_to_dose_limit_s(const RadiationParams& params, double initial_dose_gy = 0);

// Poisson counts per effect (table order) over duration_s for `devices` devices.
using RadiationCounts = std::array<long long, radiation_effect_count>;
RadiationCounts sample_radiation_counts(const RadiationParams& params, double devices,
                                        double duration_s, std::mt19937_64& rng);

struct RadiationEvent {
  double time_s;
  RadiationEffect effect;
};
// Event times in [t0_s, t1_s) for `devices` devices, in time order.
std::vector<RadiationEvent> sample_radiation_events(const RadiationParams& params, double devices,
                                                    double t0_s, double t1_s, std::mt19937_64& rng);

} // namespace capsim
