#include "models/residual_value.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace capsim {

ResidualValueParams depreciation_preset(DepreciationPreset preset, double floor_fraction) {
  const double life_years = preset == DepreciationPreset::four_years   ? 4.0
                            : preset == DepreciationPreset::five_years ? 5.0
                                                                       : 6.0;
  return {.method = DepreciationMethod::straight_line,
          .life_years = life_years,
          .floor_fraction = floor_fraction};
}

std::vector<std::string> validate(const ResidualValueParams& params) {
  std::vector<std::string> problems;
  if (!(params.floor_fraction >= 0) || !(params.floor_fraction < 1))
    problems.push_back("residual floor_fraction must be in [0, 1), got " +
                       std::to_string(params.floor_fraction));
  if (params.method != DepreciationMethod::piecewise_linear && !(params.life_years > 0))
    problems.push_back("residual life_years must be > 0, got " + std::to_string(params.life_years));
  if (params.method == DepreciationMethod::declining_balance &&
      (!(params.declining_multiplier > 0) || !(params.declining_multiplier < params.life_years)))
    problems.push_back("residual declining_multiplier must be in (0, life_years), got " +
                       std::to_string(params.declining_multiplier));
  if (params.method == DepreciationMethod::piecewise_linear) {
    if (params.points.empty()) problems.push_back("residual points must not be empty");
    for (size_t i = 0; i < params.points.size(); ++i) {
      const auto& point = params.points[i];
      if (!(point.age_months >= 0))
        problems.push_back("residual point " + std::to_string(i) +
                           " age_months must be >= 0, got " + std::to_string(point.age_months));
      if (!(point.fraction >= 0) || !(point.fraction <= 1))
        problems.push_back("residual point " + std::to_string(i) +
                           " fraction must be in [0, 1], got " + std::to_string(point.fraction));
      if (i > 0 && !(point.age_months > params.points[i - 1].age_months))
        problems.push_back("residual points must have strictly increasing age_months (point " +
                           std::to_string(i) + ")");
    }
  }
  return problems;
}

double residual_fraction(const ResidualValueParams& params, double age_months) {
  const double age = std::max(age_months, 0.0);
  double value = 1.0;
  switch (params.method) {
  case DepreciationMethod::straight_line:
    value = 1.0 - age / (12.0 * params.life_years);
    break;
  case DepreciationMethod::declining_balance:
    value = std::pow(1.0 - params.declining_multiplier / params.life_years, age / 12.0);
    break;
  case DepreciationMethod::piecewise_linear: {
    const auto& points = params.points;
    assert(!points.empty());
    if (age <= points.front().age_months) {
      value = points.front().fraction;
    } else if (age >= points.back().age_months) {
      value = points.back().fraction;
    } else {
      auto upper =
          std::upper_bound(points.begin(), points.end(), age,
                           [](double a, const ResidualPoint& p) { return a < p.age_months; });
      auto lower = upper - 1;
      const double t = (age - lower->age_months) / (upper->age_months - lower->age_months);
      value = lower->fraction + t * (upper->fraction - lower->fraction);
    }
    break;
  }
  }
  return std::max(value, params.floor_fraction);
}

} // namespace capsim
