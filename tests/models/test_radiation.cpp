#include "models/radiation.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <random>

using namespace capsim;

namespace {
constexpr double year_s = 365.25 * 86400;
} // namespace

TEST_CASE("dose rate and per-device event rates from the proton-beam figures") {
  // 150 rad/yr = 1.5 Gy per Julian year.
  CHECK(gy_per_s_from_rad_per_year(150) == doctest::Approx(1.5 / year_s).epsilon(1e-15));
  const RadiationParams p{.dose_rate_gy_per_s = gy_per_s_from_rad_per_year(150)};
  REQUIRE(validate(p).empty());
  // Per device-year: 150/50 HBM errors, 150/425 functional interrupts, 150/107 SDCs
  // (Fischbacher et al. 2025: 1 per ~50, ~400-450 and ~107 rad).
  CHECK(event_rate_per_s(p, find_radiation_effect("hbm_uncorrectable")) * year_s ==
        doctest::Approx(3.0).epsilon(1e-12));
  CHECK(event_rate_per_s(p, find_radiation_effect("functional_interrupt")) * year_s ==
        doctest::Approx(150.0 / 425).epsilon(1e-12));
  CHECK(event_rate_per_s(p, find_radiation_effect("silent_data_corruption")) * year_s ==
        doctest::Approx(150.0 / 107).epsilon(1e-12));
  CHECK(total_event_rate_per_s(p) * year_s ==
        doctest::Approx(3.0 + 150.0 / 425 + 150.0 / 107).epsilon(1e-12));
  CHECK(radiation_effects[find_radiation_effect("silent_data_corruption")].name ==
        "silent_data_corruption");
  CHECK(find_radiation_effect("no such effect") == radiation_effect_count);
}

TEST_CASE("total ionizing dose and end of life") {
  const RadiationParams quiet{.dose_rate_gy_per_s = gy_per_s_from_rad_per_year(150)};
  // Five years at 150 rad/yr is 750 rad, below the 2 krad limit.
  CHECK(total_ionizing_dose_gy(quiet, 5 * year_s) == doctest::Approx(7.5));
  CHECK_FALSE(dose_limit_reached(quiet, 5 * year_s));
  CHECK(time_to_dose_limit_s(quiet) / year_s == doctest::Approx(2000.0 / 150));
  // At 1 krad/yr the 2 krad limit comes after two years.
  const RadiationParams harsh{.dose_rate_gy_per_s = gy_per_s_from_rad_per_year(1000)};
  CHECK(time_to_dose_limit_s(harsh) / year_s == doctest::Approx(2.0));
  CHECK(dose_limit_reached(harsh, 2.001 * year_s));
  CHECK(time_to_dose_limit_s(harsh, 25) == 0.0);
  CHECK(std::isinf(time_to_dose_limit_s(RadiationParams{.dose_rate_gy_per_s = 0})));
}

TEST_CASE("sampled radiation counts and events match the rates within 3 sigma") {
  const RadiationParams p{.dose_rate_gy_per_s = gy_per_s_from_rad_per_year(150)};
  const double devices = 1000, duration = 0.25 * year_s;
  const int seeds = 400;
  double hbm = 0, fi = 0, sdc = 0, events = 0, events_hbm = 0;
  int misplaced = 0;
  for (int seed = 0; seed < seeds; ++seed) {
    std::mt19937_64 rng(seed);
    const RadiationCounts c = sample_radiation_counts(p, devices, duration, rng);
    hbm += c[find_radiation_effect("hbm_uncorrectable")];
    fi += c[find_radiation_effect("functional_interrupt")];
    sdc += c[find_radiation_effect("silent_data_corruption")];
    const auto list = sample_radiation_events(p, devices, 10.0, 10.0 + duration, rng);
    for (std::size_t k = 0; k < list.size(); ++k) {
      const bool in_window = list[k].time_s >= 10.0 && list[k].time_s < 10.0 + duration;
      const bool ordered = k == 0 || list[k].time_s >= list[k - 1].time_s;
      if (!in_window || !ordered) ++misplaced;
      if (list[k].effect == find_radiation_effect("hbm_uncorrectable")) ++events_hbm;
    }
    events += static_cast<double>(list.size());
  }
  CHECK(misplaced == 0);
  // The mean of `seeds` Poisson(mu) counts has standard deviation sqrt(mu / seeds).
  auto within_3_sigma = [&](double total, double rate_per_s) {
    const double mu = devices * rate_per_s * duration;
    return std::abs(total / seeds - mu) < 3 * std::sqrt(mu / seeds);
  };
  CHECK(within_3_sigma(hbm, event_rate_per_s(p, find_radiation_effect("hbm_uncorrectable"))));
  CHECK(within_3_sigma(fi, event_rate_per_s(p, find_radiation_effect("functional_interrupt"))));
  CHECK(within_3_sigma(sdc, event_rate_per_s(p, find_radiation_effect("silent_data_corruption"))));
  CHECK(within_3_sigma(events, total_event_rate_per_s(p)));
  // Share of HBM errors among all events: binomial, 3 sigma.
  const double share =
      event_rate_per_s(p, find_radiation_effect("hbm_uncorrectable")) / total_event_rate_per_s(p);
  CHECK(std::abs(events_hbm / events - share) < 3 * std::sqrt(share * (1 - share) / events));

  // No dose, no events, and no draws needed.
  std::mt19937_64 rng(7);
  const RadiationParams shielded{.dose_rate_gy_per_s = 0};
  CHECK(sample_radiation_events(shielded, devices, 0, year_s, rng).empty());
  CHECK(sample_radiation_counts(shielded, devices, year_s, rng)[0] == 0);
}

TEST_CASE("radiation validation") {
  RadiationParams p{.dose_rate_gy_per_s = -1, .dose_limit_gy = -2};
  p.dose_per_event_gy[0] = 0;
  CHECK(validate(p).size() == 3);
}

TEST_CASE("an event falls on each effect in proportion to its rate, in table order") {
  const RadiationParams p{.dose_rate_gy_per_s = gy_per_s_from_rad_per_year(150)};
  const double total = total_event_rate_per_s(p);
  double edge = 0;
  for (std::size_t e = 0; e < radiation_effect_count; ++e) {
    const double share = event_rate_per_s(p, e) / total;
    // Just inside both ends of the effect's share of [0, 1).
    CHECK(pick_radiation_effect(p, edge + 1e-9) == e);
    CHECK(pick_radiation_effect(p, std::min(edge + share - 1e-9, 1 - 1e-12)) == e);
    edge += share;
  }
  CHECK(edge == doctest::Approx(1.0).epsilon(1e-12));
}
