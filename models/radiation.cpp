#include "models/radiation.hpp"

#include <cassert>
#include <cmath>
#include <cstdio>
#include <limits>

#include "models/random.hpp"

#include "models/units.hpp"

namespace capsim {

namespace {

constexpr double gy_per_rad = 0.01;

std::string num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", x);
  return buf;
}

} // namespace

std::string_view radiation_outcome_name(RadiationOutcome outcome) {
  switch (outcome) {
  case RadiationOutcome::interrupt:
    return "interrupt";
  }
  assert(false);
  return "";
}

RadiationEffect find_radiation_effect(std::string_view name) {
  for (std::size_t e = 0; e < radiation_effect_count; ++e)
    if (radiation_effects[e].name == name) return e;
  return radiation_effect_count;
}

PerRadiationEffect default_doses_per_event_gy() {
  PerRadiationEffect doses{};
  for (std::size_t e = 0; e < radiation_effect_count; ++e)
    doses[e] = radiation_effects[e].dose.default_si;
  return doses;
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
  for (std::size_t e = 0; e < radiation_effect_count; ++e)
    positive_dose(params.dose_per_event_gy[e],
                  ("dose per " + std::string(radiation_effects[e].name) + " event").c_str());
  positive_dose(params.dose_limit_gy, "dose limit");
  return problems;
}

double event_rate_per_s(const RadiationParams& params, RadiationEffect effect) {
  assert(effect < radiation_effect_count);
  return params.dose_rate_gy_per_s / params.dose_per_event_gy[effect];
}

double total_event_rate_per_s(const RadiationParams& params) {
  double total = 0;
  for (std::size_t e = 0; e < radiation_effect_count; ++e)
    total += event_rate_per_s(params, e);
  return total;
}

RadiationEffect pick_radiation_effect(const RadiationParams& params, double u) {
  double left = u * total_event_rate_per_s(params);
  for (std::size_t e = 0; e + 1 < radiation_effect_count; ++e) {
    left -= event_rate_per_s(params, e);
    if (left < 0) return e;
  }
  return radiation_effect_count - 1;
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
  RadiationCounts counts{};
  for (std::size_t e = 0; e < radiation_effect_count; ++e) {
    const double mean = devices * event_rate_per_s(params, e) * duration_s;
    counts[e] = mean > 0 ? poisson(rng, mean) : 0;
  }
  return counts;
}

std::vector<RadiationEvent> sample_radiation_events(const RadiationParams& params, double devices,
                                                    double t0_s, double t1_s,
                                                    std::mt19937_64& rng) {
  assert(devices >= 0 && t1_s >= t0_s);
  std::vector<RadiationEvent> events;
  const double total_rate = devices * total_event_rate_per_s(params);
  if (total_rate <= 0) return events;
  std::vector<double> weights;
  for (std::size_t e = 0; e < radiation_effect_count; ++e)
    weights.push_back(event_rate_per_s(params, e));
  for (double t = t0_s + exponential(rng, total_rate); t < t1_s; t += exponential(rng, total_rate))
    events.push_back({t, static_cast<RadiationEffect>(discrete(rng, weights))});
  return events;
}

} // namespace capsim
