// GPU lease: monthly lease income of a take-or-pay or usage-based contract.
//
// Equations (month m, lease year y = floor((m - start_month) / 12), active when
// start_month <= m < start_month + term_months)
//   rate_m        = rate_usd_per_gpu_hour * (1 + annual_escalator)^y
//   take-or-pay   income_m = rate_m * hours_per_month * gpus_on_lease[m]
//   usage-based   income_m = rate_m * gpu_hours_used[m]
// A contract priced per GPU-month converts once: rate_usd_per_gpu_hour =
// usd_per_gpu_month / hours_per_month (gpu_hour_rate_from_monthly). Triple-net: the lessee pays
// power and facility costs besides the rent; otherwise the lessor does.
//
// Parameters
//   rate_usd_per_gpu_hour  rent per GPU-hour in the first lease year (USD, > 0)
//   commitment             take_or_pay (contracted GPUs, used or not) or usage_based (hours used)
//   start_month            first month of rent (>= 0)
//   term_months            months of rent (>= 1)
//   annual_escalator       yearly step of the rent, fraction (> -1; 0.03 = +3%/year)
//   purchase_option_usd    price at which the lessee may buy the fleet at the end (USD, >= 0)
//   triple_net             lessee pays power and facility
//   hours_per_month        8766 / 12 = 730.5 h (mean Julian-year month)
// Volumes (per absolute month, missing months count as 0):
//   gpus_on_lease          GPUs contracted in the month (take-or-pay; may ramp with deliveries)
//   gpu_hours_used         GPU-hours used in the month (usage-based)
//
// Sources (press, 2025-2026): purchase-and-lease vehicles lease GPUs to an AI lab for 5 years,
// triple-net, with a purchase option; rents 2026: H100 ~2.35 USD/GPU-h (1-year contract index),
// B200 ~6 USD/GPU-h (neoclouds), GB200 10.50 USD/GPU-h (a large provider's list price).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "models/parameter.hpp"

namespace capsim {

inline constexpr double kHoursPerMonth = 8766.0 / 12.0;

// A lease contract's parameters (a `finance: leases:` item); `name`, `cluster`, `lessee`,
// `lessor`, `commitment`, `usage` and `triple_net` are names and choices (README). Times are whole
// months (1 month = 1/12 Julian year), at most 600.
namespace lease_parameter {
inline constexpr Parameter escalator{.key = "escalator",
                                     .default_si = 0,
                                     .min_si = -0.99,
                                     .max_si = 0.99,
                                     .meaning = "yearly step of the rent (0.03: +3 % a year)"};
inline constexpr Parameter start{.key = "start",
                                 .dimension = Dimension::time,
                                 .min_si = 0,
                                 .max_si = 600 * julian_month_s,
                                 .meaning = "first month of rent, a whole number of months",
                                 .default_from = "the cluster's first delivery month"};
inline constexpr Parameter purchase_option{
    .key = "purchase_option",
    .dimension = Dimension::money,
    .min_si = 0,
    .max_si = 1e13,
    .meaning = "price at which the lessee may buy the fleet at the end of the term",
    .default_from = "none (no option)"};
inline constexpr Parameter rate{.key = "rate",
                                .dimension = Dimension::money_per_gpu_time,
                                .min_si = 0,
                                .max_si = 1,
                                .meaning = "rent per GPU-hour in the first lease year (not with "
                                           "usage output_tokens)",
                                .min_exclusive = true,
                                .required = true};
inline constexpr Parameter rate_per_million_tokens{
    .key = "rate_per_million_tokens",
    .dimension = Dimension::money,
    .min_si = 0,
    .max_si = 1e6,
    .meaning = "rent per million output tokens in the first lease year (usage output_tokens, "
               "instead of rate)",
    .min_exclusive = true,
    .required = true};
inline constexpr Parameter term{.key = "term",
                                .dimension = Dimension::time,
                                .min_si = julian_month_s,
                                .max_si = 600 * julian_month_s,
                                .meaning = "months of rent, a whole number of months",
                                .required = true};
inline constexpr Parameter table[] = {
    escalator, start, purchase_option, rate, rate_per_million_tokens, term};
} // namespace lease_parameter

enum class LeaseCommitment { take_or_pay, usage_based };

struct LeaseParams {
  double rate_usd_per_gpu_hour = 0;
  LeaseCommitment commitment = LeaseCommitment::take_or_pay;
  int start_month = 0;
  int term_months = 0;
  double annual_escalator = 0;
  std::optional<double> purchase_option_usd{};
  bool triple_net = true;
  double hours_per_month = kHoursPerMonth;
};

struct LeaseVolumes {
  std::vector<double> gpus_on_lease{};
  std::vector<double> gpu_hours_used{};
};

std::vector<std::string> validate(const LeaseParams& params);

double gpu_hour_rate_from_monthly(double usd_per_gpu_month,
                                  double hours_per_month = kHoursPerMonth);

// Rent per GPU-hour in absolute month m (0 outside the term).
double lease_rate_usd_per_gpu_hour(const LeaseParams& params, int month);

// Lease income for absolute months 0..months-1. Throws std::invalid_argument on invalid params.
std::vector<double> lease_income_usd(const LeaseParams& params, const LeaseVolumes& volumes,
                                     int months);

// GPUs on lease per month when each delivery goes on lease lag_months after its delivery month.
struct GpuArrival {
  int month = 0;
  double gpus = 0;
};
std::vector<double> gpus_on_lease_from_arrivals(const std::vector<GpuArrival>& arrivals,
                                                int lag_months, int months);

} // namespace capsim
