#include "models/loan.hpp"

#include <cassert>
#include <cmath>
#include <stdexcept>

namespace capsim {

namespace {

std::string join_problems(const std::vector<std::string>& problems) {
  std::string joined;
  for (const auto& problem : problems)
    joined += (joined.empty() ? "" : "; ") + problem;
  return joined;
}

} // namespace

std::vector<std::string> validate(const LoanParams& params) {
  std::vector<std::string> problems;
  if (!(params.principal_usd > 0) || !std::isfinite(params.principal_usd))
    problems.push_back("loan principal_usd must be > 0, got " +
                       std::to_string(params.principal_usd));
  if (!(params.annual_rate >= 0) || !(params.annual_rate < 1))
    problems.push_back("loan annual_rate must be in [0, 1), got " +
                       std::to_string(params.annual_rate));
  if (params.term_months < 1)
    problems.push_back("loan term_months must be >= 1, got " + std::to_string(params.term_months));
  if (!(params.upfront_fee_fraction >= 0) || !(params.upfront_fee_fraction < 1))
    problems.push_back("loan upfront_fee_fraction must be in [0, 1), got " +
                       std::to_string(params.upfront_fee_fraction));
  if (params.grace_months < 0 ||
      (params.term_months >= 1 && params.grace_months >= params.term_months))
    problems.push_back("loan grace_months must be in [0, term_months), got " +
                       std::to_string(params.grace_months));
  if (params.reserve_months < 0)
    problems.push_back("loan reserve_months must be >= 0, got " +
                       std::to_string(params.reserve_months));
  return problems;
}

double annuity_payment_usd(double principal_usd, double monthly_rate, int months) {
  assert(months >= 1);
  if (monthly_rate == 0.0) return principal_usd / months;
  return principal_usd * monthly_rate / (1.0 - std::pow(1.0 + monthly_rate, -months));
}

LoanSchedule loan_schedule(const LoanParams& params) {
  if (auto problems = validate(params); !problems.empty())
    throw std::invalid_argument(join_problems(problems));

  const double monthly_rate = params.annual_rate / 12.0;
  const int amortizing_months = params.term_months - params.grace_months;
  const double level_payment_usd =
      annuity_payment_usd(params.principal_usd, monthly_rate, amortizing_months);

  LoanSchedule schedule;
  schedule.upfront_fee_usd = params.upfront_fee_fraction * params.principal_usd;
  double balance_usd = params.principal_usd;
  for (int k = 1; k <= params.term_months; ++k) {
    LoanMonth row{.month = k, .opening_balance_usd = balance_usd};
    row.interest_usd = monthly_rate * balance_usd;
    const bool interest_only = params.amortization == Amortization::bullet
                                   ? k < params.term_months
                                   : k <= params.grace_months;
    if (interest_only) {
      row.principal_usd = 0;
    } else if (k == params.term_months) {
      // The last payment clears the balance exactly, absorbing rounding of the level payment.
      row.principal_usd = balance_usd;
    } else {
      row.principal_usd = level_payment_usd - row.interest_usd;
    }
    row.payment_usd = row.interest_usd + row.principal_usd;
    balance_usd -= row.principal_usd;
    row.closing_balance_usd = k == params.term_months ? 0.0 : balance_usd;
    schedule.total_interest_usd += row.interest_usd;
    schedule.months.push_back(row);
  }
  for (int k = 0; k < params.reserve_months && k < params.term_months; ++k)
    schedule.reserve_at_close_usd += schedule.months[k].payment_usd;
  return schedule;
}

} // namespace capsim
