#include "models/credit.hpp"

#include <cmath>

#include <boost/math/special_functions/erf.hpp>

namespace capsim {

std::uint64_t splitmix64_next(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

PortableUniform::PortableUniform(std::uint64_t seed, std::uint64_t stream) {
  std::uint64_t mix = seed ^ stream;
  state_ = splitmix64_next(mix);
}

double PortableUniform::next() {
  // (k + 0.5) / 2^53 for the top 53 bits: strictly inside (0, 1).
  const std::uint64_t k = splitmix64_next(state_) >> 11;
  return (static_cast<double>(k) + 0.5) * 0x1p-53;
}

double normal_quantile(double p) {
  return std::sqrt(2.0) * boost::math::erf_inv(2 * p - 1);
}

std::optional<int> draw_default_month(std::uint64_t seed, double hazard_per_year, int start_month,
                                      int term_months) {
  if (!(hazard_per_year > 0)) return std::nullopt;
  PortableUniform u(seed, kLesseeDefaultStream);
  const double years = -std::log1p(-u.next()) / hazard_per_year;
  const double months = 12 * years;
  if (months >= term_months) return std::nullopt;
  return start_month + static_cast<int>(std::floor(months));
}

std::vector<std::string> validate(const BaseRateModel& m) {
  std::vector<std::string> problems;
  if (!(std::abs(m.initial) < 1)) problems.push_back("base rate initial must be in (-1, 1)");
  if (!(std::abs(m.long_run) < 1)) problems.push_back("base rate long_run must be in (-1, 1)");
  if (!(m.reversion_per_year >= 0 && m.reversion_per_year <= 100))
    problems.push_back("base rate reversion must be in [0, 100] per year");
  if (!(m.volatility_per_sqrt_year >= 0 && m.volatility_per_sqrt_year < 1))
    problems.push_back("base rate volatility must be in [0, 1)");
  return problems;
}

std::vector<double> draw_base_rate_path(std::uint64_t seed, const BaseRateModel& m, int months) {
  std::vector<double> path;
  PortableUniform u(seed, kBaseRateStream);
  const double dt = 1.0 / 12;
  double r = m.initial;
  for (int k = 0; k < months; ++k) {
    path.push_back(r);
    r += m.reversion_per_year * (m.long_run - r) * dt +
         m.volatility_per_sqrt_year * std::sqrt(dt) * normal_quantile(u.next());
  }
  return path;
}

} // namespace capsim
