#include "models/market.hpp"

#include <algorithm>
#include <cmath>

namespace capsim {

std::vector<std::string> validate(const MarketCurve& c) {
  std::vector<std::string> problems;
  if (!(c.reference_rate_usd_per_gpu_hour > 0))
    problems.push_back("market reference rate must be > 0");
  if (!(c.annual_decline >= 0 && c.annual_decline < 1))
    problems.push_back("market annual_decline must be in [0, 1)");
  if (!(c.generation_step > 0 && c.generation_step <= 1))
    problems.push_back("market generation_step must be in (0, 1]");
  if (!(c.floor_usd_per_gpu_hour >= 0)) problems.push_back("market floor must be >= 0");
  if (!(c.economic_life_years > 0)) problems.push_back("market economic_life must be > 0");
  if (!(c.used_floor_fraction >= 0 && c.used_floor_fraction < 1))
    problems.push_back("market used_floor must be in [0, 1)");
  return problems;
}

int newer_generations_shipped(const MarketCurve& c, double year) {
  return static_cast<int>(std::count_if(c.newer_generation_years.begin(),
                                        c.newer_generation_years.end(),
                                        [year](double y) { return y <= year; }));
}

double market_rate_usd_per_gpu_hour(const MarketCurve& c, double year) {
  const int steps =
      newer_generations_shipped(c, year) - newer_generations_shipped(c, c.reference_year);
  const double rate = c.reference_rate_usd_per_gpu_hour *
                      std::pow(1 - c.annual_decline, year - c.reference_year) *
                      std::pow(c.generation_step, steps);
  return std::max(c.floor_usd_per_gpu_hour, rate);
}

double used_price_fraction(const MarketCurve& c, double purchase_year, double year) {
  const double age = std::max(0.0, year - purchase_year);
  const double earning =
      market_rate_usd_per_gpu_hour(c, year) / market_rate_usd_per_gpu_hour(c, purchase_year);
  const double life_left = std::max(0.0, 1 - age / c.economic_life_years);
  return std::max(c.used_floor_fraction, std::min(1.0, earning * life_left));
}

} // namespace capsim
