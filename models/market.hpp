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

namespace capsim {

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
