#include "models/returns.hpp"

#include <doctest/doctest.h>

#include <cmath>

using namespace capsim;

TEST_CASE("returns: IRR of flows with known answers") {
  // -100 then +110 one period later: 10% by definition.
  const IrrResult simple = irr({-100, 110});
  REQUIRE(simple.ok());
  CHECK(*simple.rate_per_period == doctest::Approx(0.10).epsilon(1e-12));

  // A 5-year annual 5% coupon bond priced at a 6% yield to maturity: price 95.7876 per 100 face
  // (standard bond-pricing example, sum 5 / 1.06^t + 100 / 1.06^5).
  double price = 100 / std::pow(1.06, 5);
  for (int t = 1; t <= 5; ++t)
    price += 5 / std::pow(1.06, t);
  CHECK(price == doctest::Approx(95.7876).epsilon(1e-6));
  const IrrResult bond = irr({-price, 5, 5, 5, 5, 105});
  REQUIRE(bond.ok());
  CHECK(*bond.rate_per_period == doctest::Approx(0.06).epsilon(1e-10));
  const IrrResult bond_rounded = irr({-95.79, 5, 5, 5, 5, 105});
  CHECK(*bond_rounded.rate_per_period == doctest::Approx(0.06).epsilon(1e-4));

  // Monthly: 1% a month for a year is 12.68% a year effective.
  std::vector<double> monthly(13, 0.0);
  monthly[0] = -100;
  monthly[12] = 100 * std::pow(1.01, 12);
  const IrrResult m = irr(monthly);
  CHECK(*m.rate_per_period == doctest::Approx(0.01).epsilon(1e-10));
  CHECK(annual_irr_of_monthly(m) == doctest::Approx(std::pow(1.01, 12) - 1).epsilon(1e-10));
}

TEST_CASE("returns: IRR without a sign change or with several roots says so") {
  const IrrResult none = irr({100, 10, 10});
  CHECK_FALSE(none.ok());
  CHECK(none.reason.find("no sign change") != std::string::npos);
  CHECK(std::isnan(annual_irr_of_monthly(none)));
  // -1, +5, -6: (1+r)^2 - 5 (1+r) + 6 = 0 has roots r = 1 and r = 2.
  const IrrResult two = irr({-1, 5, -6});
  REQUIRE(two.ok());
  CHECK(two.roots_found == 2);
  CHECK(*two.rate_per_period == doctest::Approx(1.0).epsilon(1e-10));
  CHECK_FALSE(two.reason.empty());
  // -100, +50: loses money for ever, IRR -50%.
  CHECK(*irr({-100, 50}).rate_per_period == doctest::Approx(-0.5).epsilon(1e-10));
}

TEST_CASE("returns: NPV of known flows") {
  // -1000 + 500 * annuity factor(10%, 3 years) = -1000 + 500 * 2.486852 = 243.43
  CHECK(npv_per_period({-1000, 500, 500, 500}, 0.10) == doctest::Approx(243.426).epsilon(1e-6));
  // A flow of 110 twelve months out at 10%/year effective is worth 100 today.
  std::vector<double> monthly(13, 0.0);
  monthly[12] = 110;
  CHECK(npv_usd(monthly, 0.10) == doctest::Approx(100.0).epsilon(1e-12));
  CHECK(npv_usd({-100, 110}, 0.10, 1) == doctest::Approx(0.0).epsilon(1e-12));
  CHECK(monthly_from_annual_rate(annual_from_monthly_rate(0.0123)) ==
        doctest::Approx(0.0123).epsilon(1e-12));
}

TEST_CASE("returns: solve_for_target finds a bracketed target and explains an unbracketed one") {
  auto square = [](double x) { return x * x; };
  const TargetSolution root2 = solve_for_target(square, 2.0, 0.0, 3.0, 1e-12);
  REQUIRE(root2.ok());
  CHECK(*root2.value == doctest::Approx(std::sqrt(2.0)).epsilon(1e-11));
  CHECK(root2.achieved == doctest::Approx(2.0).epsilon(1e-11));
  CHECK(root2.tolerance <= 1e-12);

  const TargetSolution outside =
      solve_for_target([](double x) { return 0.03 + 0.05 * x; }, 0.22, 1.0, 2.0, 1e-9,
                       {.input = "lease rate",
                        .input_unit = "USD/GPU/h",
                        .output = "equity IRR",
                        .output_as_percent = true});
  CHECK_FALSE(outside.ok());
  CHECK(outside.error == "equity IRR ranges 8.0%..13.0% for lease rate 1..2 USD/GPU/h; "
                         "target 22.0% is outside");
  const TargetSolution undefined =
      solve_for_target([](double x) { return x < 0.5 ? NAN : x; }, 0.7, 0.0, 1.0, 1e-9);
  CHECK_FALSE(undefined.ok());
  CHECK(undefined.error.find("undefined") != std::string::npos);
}
