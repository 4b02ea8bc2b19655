// Term loan: monthly schedule of an annuity or bullet loan with grace months, fee and reserve.
//
// Equations (nominal annual rate compounded monthly, r = annual_rate / 12)
//   annuity payment   A = P r / (1 - (1 + r)^-n)        (A = P / n when r = 0)
//   each month        interest = r * opening balance
//                     annuity: principal = A - interest; bullet: principal = 0 until maturity,
//                     then the whole balance
//   grace months      interest only, then the annuity over the n - grace remaining months
//   upfront fee       fee = upfront_fee_fraction * P, paid at drawdown
//   debt-service reserve target at drawdown = sum of the first reserve_months payments
// Month 0 is the drawdown; row k = 1..term_months is the k-th month after it, paid at its end.
//
// Parameters
//   principal_usd          amount drawn (USD, > 0)
//   annual_rate            nominal annual interest rate, fraction (>= 0), monthly compounding
//   term_months            months from drawdown to maturity (>= 1)
//   amortization           annuity (level payments) or bullet (interest only, principal at end)
//   upfront_fee_fraction   arrangement fee as a fraction of principal, [0, 1)
//   grace_months           leading interest-only months of an annuity loan, [0, term_months)
//   reserve_months         months of debt service a reserve account holds at close (>= 0)
//
// Sources: the annuity formula is standard (e.g. Brealey, Myers & Allen, Principles of Corporate
// Finance, ch. 2); textbook check: 100,000 USD at 6%/12 over 360 months pays 599.55 USD a month.
// Press (2026): a ~3.4B USD loan at ~9.5% inside a ~5.3B USD GPU purchase-and-lease vehicle.
#pragma once

#include <string>
#include <vector>

namespace capsim {

enum class Amortization { annuity, bullet };

struct LoanParams {
  double principal_usd = 0;
  double annual_rate = 0;
  int term_months = 0;
  Amortization amortization = Amortization::annuity;
  double upfront_fee_fraction = 0;
  int grace_months = 0;
  int reserve_months = 0;
};

struct LoanMonth {
  int month = 0; // 1..term_months after drawdown
  double opening_balance_usd = 0;
  double interest_usd = 0;
  double principal_usd = 0;
  double payment_usd = 0;
  double closing_balance_usd = 0;
};

struct LoanSchedule {
  std::vector<LoanMonth> months{};
  double upfront_fee_usd = 0;
  double reserve_at_close_usd = 0;
  double total_interest_usd = 0;
};

std::vector<std::string> validate(const LoanParams& params);

double annuity_payment_usd(double principal_usd, double monthly_rate, int months);

// Throws std::invalid_argument with the problems of validate() when the parameters are invalid.
LoanSchedule loan_schedule(const LoanParams& params);

} // namespace capsim
