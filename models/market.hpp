// GPU rental market: the rental rate and used price of a GPU generation as newer generations ship.
//
// Equations (calendar time y in decimal years; y_ref the date of the quoted rate)
//   N(y)            = number of newer generations whose volume shipments began at or before y
//   rate(y)         = max(floor, rate_ref * (1 - annual_decline)^(y - y_ref)
//                                 * generation_step^(N(y) - N(y_ref)))
//   used price      fraction of the new price of hardware bought at y0 and sold at y >= y0:
//                   used(y0, y) = max(used_floor, rate(y) / rate(y0) * max(0, 1 - (y - y0) / life))
//                   i.e. what the hardware can still earn (its market rent relative to the rent
//                   when new) times the share of its economic life left.
//
// Parameters
//   reference_year, reference_rate_usd_per_gpu_hour   a quoted market rate and its date
//   annual_decline     continuous drift of the rent per year, fraction in [0, 1)
//   generation_step    factor applied to the rent when a newer generation ships, (0, 1]
//   newer_generation_years   ship dates of every later generation (release calendar)
//   floor_usd_per_gpu_hour   the rent never falls below (power and hosting of an old GPU)
//   economic_life_years      life over which the used price falls to the floor (> 0)
//   used_floor_fraction      scrap/parts value, fraction of the new price
//
// Calibration (configs/market.yaml): the H100 1-year contract index fell from 2.99 USD/GPU-h
// (Oct 2024) to 2.35 (Mar 2026), -16%/yr over 1.4 years in which two newer generations shipped
// (B200/GB200 and B300/GB300): (1 - d)^1.42 * s^2 = 0.786, taken as s = 0.93 and d = 6.5%/yr.
// The split between d and s is an assumption; the product reproduces the index.
#pragma once

#include <string>
#include <vector>

#include "models/parameter.hpp"

namespace capsim {

// Overrides of a GPU's market curve (a vehicle's `market:`); defaults: the GPU's curve in the
// market catalogue (configs/market.yaml). Without one there, rate is needed.
namespace market_parameter {
inline constexpr Parameter rate{.key = "rate",
                                .dimension = Dimension::money_per_gpu_time,
                                .min_si = 0,
                                .max_si = 1,
                                .meaning = "market rent of the GPU at finance.start_date",
                                .min_exclusive = true,
                                .default_from = "the GPU's, configs/market.yaml"};
inline constexpr Parameter annual_decline{.key = "annual_decline",
                                          .min_si = 0,
                                          .max_si = 0.99,
                                          .meaning = "yearly fall of the rent",
                                          .default_from = "configs/market.yaml"};
inline constexpr Parameter generation_step{.key = "generation_step",
                                           .min_si = 0,
                                           .max_si = 1,
                                           .meaning = "rent kept when a newer generation ships",
                                           .min_exclusive = true,
                                           .default_from = "configs/market.yaml"};
inline constexpr Parameter economic_life{.key = "economic_life",
                                         .dimension = Dimension::time,
                                         .min_si = 0,
                                         .max_si = 50 * julian_year_s,
                                         .meaning =
                                             "life over which the used price falls to the floor",
                                         .min_exclusive = true,
                                         .default_from = "configs/market.yaml"};
inline constexpr Parameter used_floor{.key = "used_floor",
                                      .min_si = 0,
                                      .max_si = 0.99,
                                      .meaning = "used price floor, share of the new price",
                                      .default_from = "configs/market.yaml"};
inline constexpr Parameter table[] = {rate, annual_decline, generation_step, economic_life,
                                      used_floor};
} // namespace market_parameter

struct MarketCurve {
  double reference_year = 2026.0;
  double reference_rate_usd_per_gpu_hour = 0;
  double annual_decline = 0;
  double generation_step = 1;
  std::vector<double> newer_generation_years{};
  double floor_usd_per_gpu_hour = 0;
  double economic_life_years = 6;
  double used_floor_fraction = 0;
};

std::vector<std::string> validate(const MarketCurve& curve);

int newer_generations_shipped(const MarketCurve& curve, double year);

double market_rate_usd_per_gpu_hour(const MarketCurve& curve, double year);

double used_price_fraction(const MarketCurve& curve, double purchase_year, double year);

} // namespace capsim
