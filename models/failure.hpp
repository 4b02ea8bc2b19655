// Failures by cause, calibrated on a published record of a large training run.
//
// Each cause has a rate per GPU-hour and a kind:
//   hardware  the failed unit (host) goes down until repaired (or for good in orbit), and a job
//             using it restarts on a spare or waits, as its recovery policy says;
//   transient the job restarts on the same hosts (software bugs, collective timeouts, silent data
//             corruption detected by checks); no hardware is lost.
// Rates: count / GPU-hours of the record. Llama 3 405B pre-training on 16,384 H100 for 54 days
// (A. Grattafiori et al., "The Llama 3 Herd of Models", arXiv 2407.21783, Table 5): 419
// unexpected interruptions in 16,384 x 54 x 24 = 21.23M GPU-hours, 1.97e-5 per GPU-hour.
// The kinds are our reading of the causes: "network switch or cable" and "unplanned host
// maintenance" take a host out; "software bug", "NCCL watchdog timeout" and "silent data
// corruption" do not.
#pragma once

#include <string>
#include <vector>

#include "models/parameter.hpp"

namespace capsim {

// A cluster's failure parameters (its `failures:` block).
namespace failure_parameter {
inline constexpr Parameter rate{
    .key = "rate",
    .dimension = Dimension::rate_per_gpu_time,
    .default_si = 1.97e-5 / 3600, // the Llama 3 record above
    .min_si = 0,
    .max_si = 1.0 / 60,
    .meaning = "failures per GPU-hour, all causes (the Llama 3 405B record by default)"};
inline constexpr Parameter repair_time{
    .key = "repair_time",
    .dimension = Dimension::time,
    .default_si = 24 * 3600.0,
    .min_si = 0,
    .max_si = 10 * julian_year_s,
    .meaning = "time a failed host stays down; in orbit, a servicing or reboot policy (by "
               "default nothing is repaired there)"};
inline constexpr Parameter permanent_fraction{.key = "permanent_fraction",
                                              .default_si = 0,
                                              .min_si = 0,
                                              .max_si = 1,
                                              .meaning = "share of failures never repaired"};
inline constexpr Parameter table[] = {rate, repair_time, permanent_fraction};
} // namespace failure_parameter

enum class FailureKind { hardware, transient };

struct FailureCause {
  std::string name;
  double rate_per_gpu_s = 0;
  FailureKind kind = FailureKind::hardware;
};

// The Llama 3 record, scaled so that the rates add up to total_rate_per_gpu_s (pass
// 1.97e-5 / 3600 for the record itself).
std::vector<FailureCause> llama3_failure_causes(double total_rate_per_gpu_s);

// The sum of the causes' rates.
double total_failure_rate_per_gpu_s(const std::vector<FailureCause>& causes);

// Picks a cause in proportion to its rate; u in [0, 1).
std::size_t pick_failure_cause(const std::vector<FailureCause>& causes, double u);

std::vector<std::string> validate(const std::vector<FailureCause>& causes);

} // namespace capsim
