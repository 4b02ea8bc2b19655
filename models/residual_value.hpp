// GPU residual value: fraction of the purchase price that the hardware is worth at a given age.
//
// Equations (age a in months, life L = life_years * 12 months, floor f)
//   straight_line      v(a) = max(f, 1 - a / L)
//   declining_balance  v(a) = max(f, (1 - k / life_years)^(a / 12))   k = rate multiplier (2 = DDB)
//   piecewise_linear   linear between (age_months, fraction) points; flat before the first and
//                      after the last point
// Values are fractions of the purchase price; the resale price is v(age) * purchase price.
//
// Parameters
//   method                  straight_line | declining_balance | piecewise_linear
//   life_years              depreciation life (years, > 0)
//   declining_multiplier    k of the declining balance (> 0, k < life_years)
//   floor_fraction          value never goes below this, [0, 1)
//   points                  (age_months >= 0 strictly increasing, fraction in [0, 1])
//
// Presets: the depreciation lives in public filings (press reports of 10-K notes, 2025): 4 years
// (one GPU cloud), 5 years (a hyperscaler that moved part of its fleet from 6 to 5 years in
// Feb 2025), 6 years (another GPU cloud). They are book-value schedules (straight line to zero);
// a resale market may differ, which is why a floor or explicit points can be given.
#pragma once

#include <string>
#include <vector>

#include "models/parameter.hpp"

namespace capsim {

enum class DepreciationMethod { straight_line, declining_balance, piecewise_linear };

struct ResidualPoint {
  double age_months = 0;
  double fraction = 1;
};

// A vehicle's residual value (`residual:`); `method` is a choice and `points` a list (README).
// Without the block: the five-year straight-line preset.
namespace residual_parameter {
inline constexpr Parameter life{.key = "life",
                                .dimension = Dimension::time,
                                .default_si = 5 * julian_year_s,
                                .min_si = 0,
                                .max_si = 50 * julian_year_s,
                                .meaning = "depreciation life",
                                .min_exclusive = true};
inline constexpr Parameter multiplier{.key = "multiplier",
                                      .default_si = 2,
                                      .min_si = 0,
                                      .max_si = 100,
                                      .meaning = "declining balance: rate = multiplier / life",
                                      .min_exclusive = true};
inline constexpr Parameter floor{.key = "floor",
                                 .default_si = 0,
                                 .min_si = 0,
                                 .max_si = 1,
                                 .meaning = "value never depreciated, share of the price"};
inline constexpr Parameter table[] = {life, multiplier, floor};
} // namespace residual_parameter

struct ResidualValueParams {
  DepreciationMethod method = DepreciationMethod::straight_line;
  double life_years = residual_parameter::life.default_si / julian_year_s;
  double declining_multiplier = residual_parameter::multiplier.default_si;
  double floor_fraction = residual_parameter::floor.default_si;
  std::vector<ResidualPoint> points{};
};

enum class DepreciationPreset { four_years, five_years, six_years };

ResidualValueParams depreciation_preset(DepreciationPreset preset, double floor_fraction = 0);

std::vector<std::string> validate(const ResidualValueParams& params);

double residual_fraction(const ResidualValueParams& params, double age_months);

} // namespace capsim
