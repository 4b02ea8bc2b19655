#include "models/lease.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>

using namespace capsim;

TEST_CASE("lease: take-or-pay income follows contracted GPUs, term and escalator") {
  const LeaseParams lease{.rate_usd_per_gpu_hour =
                              2.35, // H100 1-year contract index, Mar 2026 (press)
                          .start_month = 2,
                          .term_months = 36,
                          .annual_escalator = 0.03};
  const auto gpus =
      gpus_on_lease_from_arrivals({{.month = 0, .gpus = 1000}, {.month = 1, .gpus = 3000}}, 1, 40);
  CHECK(gpus[0] == 0.0);
  CHECK(gpus[1] == 1000.0);
  CHECK(gpus[2] == 4000.0);
  const auto income = lease_income_usd(lease, {.gpus_on_lease = gpus}, 40);
  CHECK(income[1] == 0.0); // before the start month
  CHECK(income[2] == doctest::Approx(2.35 * 730.5 * 4000).epsilon(1e-14));
  CHECK(income[13] == doctest::Approx(income[2]).epsilon(1e-14));        // still lease year 0
  CHECK(income[14] == doctest::Approx(1.03 * income[2]).epsilon(1e-14)); // lease year 1
  CHECK(income[37] == doctest::Approx(1.03 * 1.03 * income[2]).epsilon(1e-14));
  CHECK(income[38] == 0.0); // term over
}

TEST_CASE("lease: usage-based income pays hours used, per-month rates convert once") {
  const LeaseParams lease{.rate_usd_per_gpu_hour = gpu_hour_rate_from_monthly(1500.0),
                          .commitment = LeaseCommitment::usage_based,
                          .term_months = 12};
  const auto income =
      lease_income_usd(lease, {.gpus_on_lease = {1e6}, .gpu_hours_used = {730.5, 365.25}}, 3);
  CHECK(income[0] == doctest::Approx(1500.0).epsilon(1e-14)); // one GPU for a whole month
  CHECK(income[1] == doctest::Approx(750.0).epsilon(1e-14));
  CHECK(income[2] == 0.0); // no usage reported
}

TEST_CASE("lease: invalid parameters are reported") {
  const LeaseParams bad{
      .rate_usd_per_gpu_hour = 0, .start_month = -1, .term_months = 0, .purchase_option_usd = -5.0};
  CHECK(validate(bad).size() == 4);
  CHECK_THROWS_AS(lease_income_usd(bad, {}, 12), std::invalid_argument);
}
