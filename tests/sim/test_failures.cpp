// Failures by cause in whole runs: the Llama 3 16k-GPU record.
#include <doctest/doctest.h>

#include <cmath>
#include <map>

#include "capsim_process.hpp"
#include "models/failure.hpp"

using namespace capsim::test;

TEST_CASE("llama3-16k: interruptions and their causes are consistent with the record") {
  // Record (arXiv 2407.21783): 419 unexpected interruptions of a 16,384-GPU job in 54 days.
  // Expected here: 1.97e-5 /GPU/h x 16,384 GPUs x 54 d x 24 h = 418.3 per run.
  const double expected = 1.97e-5 * 16384 * 54 * 24;
  const int seeds = 5;
  double total = 0;
  std::map<std::string, double> by_cause;
  for (int seed = 1; seed <= seeds; ++seed) {
    TempDir dir;
    auto s =
        run_ok(dir, source_path("scenarios/llama3-16k.yaml"), {"--seed", std::to_string(seed)});
    const auto& job = s["jobs"][0];
    double n = job["interruptions"].get<double>();
    INFO("seed " << seed << ": " << n << " interruptions");
    CHECK(std::abs(n - 419) < 4 * std::sqrt(419.0)); // one run against the record
    total += n;
    for (const auto& [cause, count] : job["interruptions_by_cause"].items())
      by_cause[cause] += count.get<double>();
    CHECK(job["goodput_fraction"].get<double>() > 0.85);
    CHECK(job["goodput_fraction"].get<double>() ==
          doctest::Approx(job["expected_goodput_fraction"].get<double>()).epsilon(0.02));
  }
  double mean = total / seeds;
  MESSAGE("mean interruptions over " << seeds << " seeds: " << mean << " (record 419, expected "
                                     << expected << ")");
  CHECK(std::abs(mean - expected) < 4 * std::sqrt(expected / seeds));
  // Each cause's share against the record's counts (Poisson, 4 sigma, over all seeds).
  for (const auto& cause : capsim::llama3_failure_causes(1)) {
    double want = total * cause.rate_per_gpu_s;
    INFO(cause.name << ": " << by_cause[cause.name] << " against " << want);
    CHECK(std::abs(by_cause[cause.name] - want) < 4 * std::sqrt(want) + 1);
  }
}
