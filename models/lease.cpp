#include "models/lease.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace capsim {

std::vector<std::string> validate(const LeaseParams& params) {
  std::vector<std::string> problems;
  if (!(params.rate_usd_per_gpu_hour > 0) || !std::isfinite(params.rate_usd_per_gpu_hour))
    problems.push_back("lease rate_usd_per_gpu_hour must be > 0, got " +
                       std::to_string(params.rate_usd_per_gpu_hour));
  if (params.start_month < 0)
    problems.push_back("lease start_month must be >= 0, got " + std::to_string(params.start_month));
  if (params.term_months < 1)
    problems.push_back("lease term_months must be >= 1, got " + std::to_string(params.term_months));
  if (!(params.annual_escalator > -1) || !(params.annual_escalator < 1))
    problems.push_back("lease annual_escalator must be in (-1, 1), got " +
                       std::to_string(params.annual_escalator));
  if (params.purchase_option_usd && !(*params.purchase_option_usd >= 0))
    problems.push_back("lease purchase_option_usd must be >= 0, got " +
                       std::to_string(*params.purchase_option_usd));
  if (!(params.hours_per_month > 0) || params.hours_per_month > 31 * 24)
    problems.push_back("lease hours_per_month must be in (0, 744], got " +
                       std::to_string(params.hours_per_month));
  return problems;
}

double gpu_hour_rate_from_monthly(double usd_per_gpu_month, double hours_per_month) {
  return usd_per_gpu_month / hours_per_month;
}

double lease_rate_usd_per_gpu_hour(const LeaseParams& params, int month) {
  const int lease_month = month - params.start_month;
  if (lease_month < 0 || lease_month >= params.term_months) return 0.0;
  return params.rate_usd_per_gpu_hour * std::pow(1.0 + params.annual_escalator, lease_month / 12);
}

std::vector<double> lease_income_usd(const LeaseParams& params, const LeaseVolumes& volumes,
                                     int months) {
  if (auto problems = validate(params); !problems.empty()) {
    std::string joined;
    for (const auto& problem : problems)
      joined += (joined.empty() ? "" : "; ") + problem;
    throw std::invalid_argument(joined);
  }
  auto at = [](const std::vector<double>& series, int m) {
    return m < static_cast<int>(series.size()) ? series[m] : 0.0;
  };
  std::vector<double> income(std::max(months, 0), 0.0);
  for (int m = 0; m < months; ++m) {
    const double rate = lease_rate_usd_per_gpu_hour(params, m);
    if (rate == 0.0) continue;
    income[m] = params.commitment == LeaseCommitment::take_or_pay
                    ? rate * params.hours_per_month * at(volumes.gpus_on_lease, m)
                    : rate * at(volumes.gpu_hours_used, m);
  }
  return income;
}

std::vector<double> gpus_on_lease_from_arrivals(const std::vector<GpuArrival>& arrivals,
                                                int lag_months, int months) {
  std::vector<double> gpus(std::max(months, 0), 0.0);
  for (const auto& arrival : arrivals)
    for (int m = std::max(arrival.month + lag_months, 0); m < months; ++m)
      gpus[m] += arrival.gpus;
  return gpus;
}

} // namespace capsim
