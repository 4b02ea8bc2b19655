#include "models/loan.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>

using namespace capsim;

TEST_CASE("loan: annuity payment matches the textbook mortgage and the closed form") {
  // Textbook example: 100,000 USD at 6% nominal (monthly compounding) over 30 years pays
  // 599.55 USD a month (e.g. any amortisation table; P r / (1 - (1 + r)^-n), r = 0.005).
  CHECK(annuity_payment_usd(100'000, 0.06 / 12, 360) == doctest::Approx(599.55).epsilon(1e-5));
  const double r = 0.095 / 12;
  const double closed_form = 3.4e9 * r / (1 - std::pow(1 + r, -60));
  CHECK(annuity_payment_usd(3.4e9, r, 60) == doctest::Approx(closed_form).epsilon(1e-14));
  CHECK(annuity_payment_usd(1200, 0.0, 12) == doctest::Approx(100.0).epsilon(1e-15));
}

TEST_CASE("loan: an annuity schedule amortises to zero with level payments") {
  const LoanSchedule schedule =
      loan_schedule({.principal_usd = 100'000, .annual_rate = 0.06, .term_months = 360});
  REQUIRE(schedule.months.size() == 360);
  double principal_sum = 0;
  for (const auto& row : schedule.months) {
    CHECK(row.payment_usd == doctest::Approx(599.5505).epsilon(1e-6));
    CHECK(row.interest_usd == doctest::Approx(0.005 * row.opening_balance_usd).epsilon(1e-12));
    CHECK(row.closing_balance_usd ==
          doctest::Approx(row.opening_balance_usd - row.principal_usd).epsilon(1e-9));
    principal_sum += row.principal_usd;
  }
  CHECK(std::abs(schedule.months.back().closing_balance_usd) <= 1e-6);
  // Before the final exact payoff the balance left by level payments must already be ~0.
  const auto& last = schedule.months.back();
  CHECK(std::abs(last.opening_balance_usd - (599.5505 - last.interest_usd)) < 1e-2);
  CHECK(principal_sum == doctest::Approx(100'000).epsilon(1e-12));
  // Total interest of the textbook mortgage: 360 * 599.55 - 100,000 = 115,838 USD.
  CHECK(schedule.total_interest_usd == doctest::Approx(115'838.19).epsilon(1e-6));
}

TEST_CASE("loan: bullet pays interest only, then the whole principal at maturity") {
  const LoanSchedule schedule = loan_schedule({.principal_usd = 3.4e9,
                                               .annual_rate = 0.095,
                                               .term_months = 60,
                                               .amortization = Amortization::bullet,
                                               .upfront_fee_fraction = 0.015,
                                               .reserve_months = 3});
  for (int k = 0; k < 59; ++k) {
    CHECK(schedule.months[k].closing_balance_usd == 3.4e9);
    CHECK(schedule.months[k].interest_usd == doctest::Approx(3.4e9 * 0.095 / 12));
    CHECK(schedule.months[k].principal_usd == 0.0);
  }
  CHECK(schedule.months[59].principal_usd == 3.4e9);
  CHECK(schedule.months[59].closing_balance_usd == 0.0);
  CHECK(schedule.upfront_fee_usd == doctest::Approx(0.015 * 3.4e9));
  CHECK(schedule.reserve_at_close_usd == doctest::Approx(3 * 3.4e9 * 0.095 / 12));
}

TEST_CASE("loan: grace months are interest only, then an annuity over the rest of the term") {
  const double r = 0.08 / 12;
  const LoanSchedule schedule = loan_schedule(
      {.principal_usd = 1e6, .annual_rate = 0.08, .term_months = 48, .grace_months = 12});
  for (int k = 0; k < 12; ++k) {
    CHECK(schedule.months[k].principal_usd == 0.0);
    CHECK(schedule.months[k].payment_usd == doctest::Approx(r * 1e6));
  }
  CHECK(schedule.months[12].payment_usd ==
        doctest::Approx(1e6 * r / (1 - std::pow(1 + r, -36))).epsilon(1e-12));
  CHECK(std::abs(schedule.months.back().closing_balance_usd) <= 1e-6);
}

TEST_CASE("loan: invalid parameters are reported, not computed") {
  const LoanParams bad{
      .principal_usd = -1, .annual_rate = 1.5, .term_months = 12, .grace_months = 12};
  CHECK(validate(bad).size() == 3);
  CHECK(validate(LoanParams{.principal_usd = 1, .annual_rate = 0.1, .term_months = 1}).empty());
  CHECK_THROWS_AS(loan_schedule(bad), std::invalid_argument);
}
