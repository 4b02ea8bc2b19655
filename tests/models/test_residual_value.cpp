#include "models/residual_value.hpp"

#include <doctest/doctest.h>

#include <cmath>

using namespace capsim;

TEST_CASE("residual value: straight-line presets for the 4-, 5- and 6-year lives in filings") {
  // Depreciation lives reported from filings (press): 4 years, 5 years, 6 years.
  const auto four = depreciation_preset(DepreciationPreset::four_years);
  const auto five = depreciation_preset(DepreciationPreset::five_years);
  const auto six = depreciation_preset(DepreciationPreset::six_years);
  CHECK(validate(four).empty());
  CHECK(residual_fraction(four, 0) == 1.0);
  CHECK(residual_fraction(four, 24) == doctest::Approx(0.5).epsilon(1e-15));
  CHECK(residual_fraction(five, 24) == doctest::Approx(0.6).epsilon(1e-15));
  CHECK(residual_fraction(six, 24) == doctest::Approx(2.0 / 3.0).epsilon(1e-15));
  CHECK(residual_fraction(four, 48) == doctest::Approx(0.0).epsilon(1e-15));
  CHECK(residual_fraction(four, 100) == 0.0);
  const auto floored = depreciation_preset(DepreciationPreset::five_years, 0.1);
  CHECK(residual_fraction(floored, 59) == 0.1);
  CHECK(residual_fraction(floored, 30) == doctest::Approx(0.5).epsilon(1e-15));
}

TEST_CASE("residual value: declining balance and piecewise-linear curves") {
  const ResidualValueParams ddb{.method = DepreciationMethod::declining_balance,
                                .life_years = 5,
                                .declining_multiplier = 2,
                                .floor_fraction = 0.05};
  CHECK(residual_fraction(ddb, 12) == doctest::Approx(0.6).epsilon(1e-14)); // 1 - 2/5
  CHECK(residual_fraction(ddb, 24) == doctest::Approx(0.36).epsilon(1e-14));
  CHECK(residual_fraction(ddb, 120) == 0.05); // 0.6^10 = 0.006 < floor
  const ResidualValueParams market{.method = DepreciationMethod::piecewise_linear,
                                   .points = {{0, 1.0}, {12, 0.7}, {36, 0.3}}};
  CHECK(validate(market).empty());
  CHECK(residual_fraction(market, 6) == doctest::Approx(0.85).epsilon(1e-15));
  CHECK(residual_fraction(market, 24) == doctest::Approx(0.5).epsilon(1e-15));
  CHECK(residual_fraction(market, 60) == 0.3);
  const ResidualValueParams unordered{.method = DepreciationMethod::piecewise_linear,
                                      .points = {{12, 0.7}, {6, 1.2}}};
  CHECK(validate(unordered).size() == 2);
}
