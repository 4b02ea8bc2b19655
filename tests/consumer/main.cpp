// Uses a model of an installed capsim: a loan's annuity against its closed form.
#include <cmath>
#include <cstdio>

#include "models/loan.hpp"

int main() {
  // 100,000 USD at 6% a year over 360 months: 599.55 USD a month (any amortisation table).
  double payment = capsim::annuity_payment_usd(100'000, 0.06 / 12, 360);
  std::printf("capsim %s models: payment %.2f USD/month\n", CAPSIM_VERSION, payment);
  return std::fabs(payment - 599.55) < 0.005 ? 0 : 1;
}
