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
// Parameters (RadiationParams)
//   dose_rate_gy_per_s            Gy/s, >= 0  (default 150 rad(Si)/yr: ~650 km sun-synchronous
//                                             behind shielding; other studies assume 1 krad/yr)
//   hbm_uncorrectable_dose_gy     Gy, > 0     dose per HBM uncorrectable ECC error (default 0.5 =
//                                             50 rad)
//   functional_interrupt_dose_gy  Gy, > 0     dose per functional interrupt of the host CPU/RAM
//                                             (default 4.25 = 425 rad; 400-450 rad observed)
//   silent_data_corruption_dose_gy Gy, > 0    dose per silent data corruption (default 1.07 =
//                                             107 rad; few events, wide uncertainty)
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
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace capsim {

enum class RadiationEffect { hbm_uncorrectable, functional_interrupt, silent_data_corruption };
inline constexpr std::array<RadiationEffect, 3> all_radiation_effects{
    RadiationEffect::hbm_uncorrectable, RadiationEffect::functional_interrupt,
    RadiationEffect::silent_data_corruption};
std::string_view radiation_effect_name(RadiationEffect effect);

double gy_per_s_from_rad_per_year(double rad_per_year);

struct RadiationParams {
  double dose_rate_gy_per_s = 150 * 0.01 / (365.25 * 86400);
  double hbm_uncorrectable_dose_gy = 0.5;
  double functional_interrupt_dose_gy = 4.25;
  double silent_data_corruption_dose_gy = 1.07;
  double dose_limit_gy = 20;
};
std::vector<std::string> validate(const RadiationParams& params);

// Events per second for one device.
double event_rate_per_s(const RadiationParams& params, RadiationEffect effect);
double total_event_rate_per_s(const RadiationParams& params);

double total_ionizing_dose_gy(const RadiationParams& params, double exposure_s,
                              double initial_dose_gy = 0);
bool dose_limit_reached(const RadiationParams& params, double exposure_s,
                        double initial_dose_gy = 0);
// Exposure until the dose limit; +infinity when the dose rate is 0.
double time_to_dose_limit_s(const RadiationParams& params, double initial_dose_gy = 0);

struct RadiationCounts {
  long long hbm_uncorrectable = 0;
  long long functional_interrupt = 0;
  long long silent_data_corruption = 0;
};
// Poisson counts over duration_s for `devices` devices.
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
