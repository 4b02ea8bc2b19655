// Portable random draws for finance risk: a lessee's default month and a base-rate path.
//
// Every draw is a pure function of (seed, stream): splitmix64 (Steele, Lea & Flood, "Fast
// splittable pseudorandom number generators", OOPSLA 2014) turned into uniforms in (0, 1) from
// the top 53 bits, and inverse-CDF transforms (no std:: distributions, whose output differs
// between standard libraries). Same seed => same default month and rate path on every platform.
//
// Equations
//   default time     T = -ln(1 - U) / h years      (exponential, hazard h per year)
//                    default month = start + floor(12 T) when that is before start + term
//                    P(default within the term) = 1 - exp(-h term_years)
//   base rate        Vasicek, monthly steps dt = 1/12:
//                    r_{k+1} = r_k + a (b - r_k) dt + sigma sqrt(dt) Z_k,  Z_k = Phi^-1(U_k)
//                    (Vasicek 1977, J. Financial Economics 5(2):177-188)
//
// Parameters
//   hazard_per_year      constant default intensity (>= 0)
//   initial, long_run    base rate now and its mean-reversion level (fractions)
//   reversion_per_year   a (>= 0); volatility_per_sqrt_year sigma (>= 0)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/parameter.hpp"

namespace capsim {

// One splitmix64 step: advances `state` and returns the next output.
std::uint64_t splitmix64_next(std::uint64_t& state);

// Uniform in (0, 1) from the stream (seed, stream).
class PortableUniform {
public:
  PortableUniform(std::uint64_t seed, std::uint64_t stream);
  double next();

private:
  std::uint64_t state_;
};

// Inverse of the standard normal CDF (Boost.Math's erf_inv), p in (0, 1).
double normal_quantile(double p);

// The lessee's default month, or none when it survives the term.
std::optional<int> draw_default_month(std::uint64_t seed, double hazard_per_year, int start_month,
                                      int term_months);

// A floating debt's base rate drawn from a model (`debt: base_rate: {initial, long_run, ...}`);
// given as steps it is a list (README).
namespace base_rate_parameter {
inline constexpr Parameter reversion{.key = "reversion",
                                     .default_si = 0,
                                     .min_si = 0,
                                     .max_si = 100,
                                     .meaning =
                                         "speed of mean reversion towards long_run, per year"};
inline constexpr Parameter volatility{.key = "volatility",
                                      .default_si = 0,
                                      .min_si = 0,
                                      .max_si = 0.99,
                                      .meaning = "of the rate, per square root of a year"};
inline constexpr Parameter initial{.key = "initial",
                                   .min_si = -0.99,
                                   .max_si = 0.99,
                                   .meaning = "base rate in month 0",
                                   .required = true};
inline constexpr Parameter long_run{.key = "long_run",
                                    .min_si = -0.99,
                                    .max_si = 0.99,
                                    .meaning = "level the rate reverts to",
                                    .required = true};
inline constexpr Parameter table[] = {reversion, volatility, initial, long_run};
} // namespace base_rate_parameter

// A lessee's credit risk (a vehicle's `lessee_default:`): a scheduled default month, or a hazard
// drawn with the run's seed (month absent or `drawn`); `recovery` is a choice (README). Times are
// whole months.
namespace lessee_default_parameter {
inline constexpr Parameter hazard{.key = "hazard",
                                  .default_si = 0,
                                  .min_si = 0,
                                  .max_si = 10,
                                  .meaning = "default intensity per year (needed without a month)"};
inline constexpr Parameter repossession{.key = "repossession",
                                        .dimension = Dimension::time,
                                        .default_si = 0,
                                        .min_si = 0,
                                        .max_si = 600 * julian_month_s,
                                        .meaning = "months without rent before the GPUs are back"};
inline constexpr Parameter month{.key = "month",
                                 .dimension = Dimension::time,
                                 .min_si = 0,
                                 .max_si = 600 * julian_month_s,
                                 .meaning = "first month without rent; or `drawn`",
                                 .default_from = "drawn with the hazard"};
inline constexpr Parameter table[] = {hazard, repossession, month};
} // namespace lessee_default_parameter

struct BaseRateModel {
  double initial = 0;
  double long_run = 0;
  double reversion_per_year = base_rate_parameter::reversion.default_si;
  double volatility_per_sqrt_year = base_rate_parameter::volatility.default_si;
};

std::vector<std::string> validate(const BaseRateModel& model);

// Monthly base rates for months 0..months-1 (month 0 = initial).
std::vector<double> draw_base_rate_path(std::uint64_t seed, const BaseRateModel& model, int months);

// Streams (constants, so that adding a draw never shifts another).
inline constexpr std::uint64_t kLesseeDefaultStream = 0x6c65737365650001ULL;
inline constexpr std::uint64_t kBaseRateStream = 0x6261736572617402ULL;

} // namespace capsim
