#include "models/failure.hpp"

#include <cmath>

namespace capsim {

namespace {

struct RecordRow {
  const char* name;
  int count;
  FailureKind kind;
};

// arXiv 2407.21783, Table 5: root causes of the 419 unexpected interruptions.
constexpr RecordRow llama3_record[] = {
    {"faulty_gpu", 148, FailureKind::hardware},
    {"gpu_hbm3", 72, FailureKind::hardware},
    {"software_bug", 54, FailureKind::transient},
    {"network_switch_or_cable", 35, FailureKind::hardware},
    {"host_maintenance", 32, FailureKind::hardware},
    {"gpu_sram", 19, FailureKind::hardware},
    {"gpu_system_processor", 17, FailureKind::hardware},
    {"nic", 7, FailureKind::hardware},
    {"nccl_watchdog", 7, FailureKind::transient},
    {"silent_data_corruption", 6, FailureKind::transient},
    {"gpu_thermal_interface", 6, FailureKind::hardware},
    {"other_host_hardware", 16, FailureKind::hardware}, // SSD, PSU, chassis, IO, CPU, DRAM
};
constexpr int llama3_total = 419;

} // namespace

std::vector<FailureCause> llama3_failure_causes(double total_rate_per_gpu_s) {
  std::vector<FailureCause> causes;
  for (const RecordRow& row : llama3_record)
    causes.push_back({.name = row.name,
                      .rate_per_gpu_s = total_rate_per_gpu_s * row.count / llama3_total,
                      .kind = row.kind});
  return causes;
}

double total_failure_rate_per_gpu_s(const std::vector<FailureCause>& causes) {
  double total = 0;
  for (const auto& c : causes)
    total += c.rate_per_gpu_s;
  return total;
}

std::size_t pick_failure_cause(const std::vector<FailureCause>& causes, double u) {
  double x = u * total_failure_rate_per_gpu_s(causes);
  for (std::size_t i = 0; i < causes.size(); ++i) {
    x -= causes[i].rate_per_gpu_s;
    if (x < 0) return i;
  }
  return causes.size() - 1;
}

std::vector<std::string> validate(const std::vector<FailureCause>& causes) {
  std::vector<std::string> problems;
  for (const auto& c : causes)
    if (!(c.rate_per_gpu_s >= 0) || !std::isfinite(c.rate_per_gpu_s))
      problems.push_back("failure cause '" + c.name + "' needs a finite rate >= 0");
  return problems;
}

} // namespace capsim
