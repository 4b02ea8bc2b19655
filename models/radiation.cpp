#include "models/radiation.hpp"

#include <cassert>
#include <cmath>
#include <cstdio>
#include <limits>

#include "models/random.hpp"

namespace capsim {

namespace {

constexpr double julian_year_s = 365.25 * 86400;
constexpr double gy_per_rad = 0.01;

std::string num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", x);
  return buf;
}

double dose_per_event_gy(const RadiationParams& params, RadiationEffect effect) {
  switch (effect) {
  case RadiationEffect::hbm_uncorrectable:
    return params.hbm_uncorrectable_dose_gy;
  case RadiationEffect::functional_interrupt:
    return params.functional_interrupt_dose_gy;
  case RadiationEffect::silent_data_corruption:
    return params.silent_data_corruption_dose_gy;
  }
  assert(false);
  return 0;
}

} // namespace

std::string_view radiation_effect_name(RadiationEffect effect) {
  switch (effect) {
  case RadiationEffect::hbm_uncorrectable:
    return "hbm_uncorrectable";
  case RadiationEffect::functional_interrupt:
    return "functional_interrupt";
  case RadiationEffect::silent_data_corruption:
    return "silent_data_corruption";
  }
  assert(false);
  return "";
}

double gy_per_s_from_rad_per_year(double rad_per_year) {
  return rad_per_year * gy_per_rad / julian_year_s;
}

std::vector<std::string> validate(const RadiationParams& params) {
  std::vector<std::string> problems;
  if (!(params.dose_rate_gy_per_s >= 0 && std::isfinite(params.dose_rate_gy_per_s)))
    problems.push_back("dose rate must be >= 0 Gy/s, got " + num(params.dose_rate_gy_per_s));
  auto positive_dose = [&](double value, const char* what) {
    if (!(value > 0 && std::isfinite(value)))
      problems.push_back(std::string(what) + " must be > 0 Gy, got " + num(value));
  };
  positive_dose(params.hbm_uncorrectable_dose_gy, "dose per HBM uncorrectable error");
  positive_dose(params.functional_interrupt_dose_gy, "dose per functional interrupt");
  positive_dose(params.silent_data_corruption_dose_gy, "dose per silent data corruption");
  positive_dose(params.dose_limit_gy, "dose limit");
  return problems;
}

double event_rate_per_s(const RadiationParams& params, RadiationEffect effect) {
  return params.dose_rate_gy_per_s / dose_per_event_gy(params, effect);
}

double total_event_rate_per_s(const RadiationParams& params) {
  double total = 0;
  for (RadiationEffect e : all_radiation_effects)
    total += event_rate_per_s(params, e);
  return total;
}

double total_ionizing_dose_gy(const RadiationParams& params, double exposure_s,
                              double initial_dose_gy) {
  return initial_dose_gy + params.dose_rate_gy_per_s * exposure_s;
}

bool dose_limit_reached(const RadiationParams& params, double exposure_s, double initial_dose_gy) {
  return total_ionizing_dose_gy(params, exposure_s, initial_dose_gy) >= params.dose_limit_gy;
}

double time_to_dose_limit_s(const RadiationParams& params, double initial_dose_gy) {
  if (initial_dose_gy >= params.dose_limit_gy) return 0;
  if (params.dose_rate_gy_per_s == 0) return std::numeric_limits<double>::infinity();
  return (params.dose_limit_gy - initial_dose_gy) / params.dose_rate_gy_per_s;
}

RadiationCounts sample_radiation_counts(const RadiationParams& params, double devices,
                                        double duration_s, std::mt19937_64& rng) {
  assert(devices >= 0 && duration_s >= 0);
  auto draw = [&](RadiationEffect e) -> long long {
    const double mean = devices * event_rate_per_s(params, e) * duration_s;
    if (mean <= 0) return 0;
    return poisson(rng, mean);
  };
  RadiationCounts counts;
  counts.hbm_uncorrectable = draw(RadiationEffect::hbm_uncorrectable);
  counts.functional_interrupt = draw(RadiationEffect::functional_interrupt);
  counts.silent_data_corruption = draw(RadiationEffect::silent_data_corruption);
  return counts;
}

std::vector<RadiationEvent> sample_radiation_events(const RadiationParams& params, double devices,
                                                    double t0_s, double t1_s,
                                                    std::mt19937_64& rng) {
  assert(devices >= 0 && t1_s >= t0_s);
  std::vector<RadiationEvent> events;
  const double total_rate = devices * total_event_rate_per_s(params);
  if (total_rate <= 0) return events;
  const std::vector<double> weights{event_rate_per_s(params, all_radiation_effects[0]),
                                    event_rate_per_s(params, all_radiation_effects[1]),
                                    event_rate_per_s(params, all_radiation_effects[2])};
  for (double t = t0_s + exponential(rng, total_rate); t < t1_s; t += exponential(rng, total_rate))
    events.push_back({t, all_radiation_effects[discrete(rng, weights)]});
  return events;
}

} // namespace capsim
