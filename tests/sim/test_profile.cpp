// The run's own profile and memory report (summary.json `engine.profile`, `engine.memory`):
// the phases account for the run's wall time, an orbital site's platform grows linearly with its
// satellites (its routing included), a simulated host costs bytes, not kilobytes, and a run's
// memory does not grow with its events.
#include <doctest/doctest.h>

#include "capsim_process.hpp"

using namespace capsim::test;

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool heap_is_counted = false; // AddressSanitizer replaces the allocator and its count
#else
constexpr bool heap_is_counted = true;
#endif

const std::string bench_200k = source_path("scenarios/bench-200k.yaml");
const std::string orbital = source_path("scenarios/orbital-sso.yaml");

} // namespace

TEST_CASE("profile: the phases account for the run's wall time") {
  TempDir dir;
  auto s = run_ok(dir, bench_200k, {"--set", "horizon=30 d"});
  const auto& p = s["engine"]["profile"];
  for (const char* field :
       {"load_s", "platform_s", "state_s", "models_s", "rows_s", "engine_s", "report_s"}) {
    INFO(field);
    REQUIRE(p.contains(field));
    CHECK(p[field].get<double>() >= 0);
  }
  // A platform is built and 2,871 events handled: both phases take measurable time.
  CHECK(p["platform_s"].get<double>() > 0);
  CHECK(p["models_s"].get<double>() > 0);
  CHECK(p["engine_s"].get<double>() > 0);
  // wall_s runs from the engine's start to the summary; the phases inside it cannot exceed it.
  double inside = p["platform_s"].get<double>() + p["state_s"].get<double>() +
                  p["models_s"].get<double>() + p["rows_s"].get<double>() +
                  p["engine_s"].get<double>();
  CHECK(inside <= s["engine"]["wall_s"].get<double>() + 1e-6);
}

TEST_CASE("memory: an orbital site's platform grows linearly with its satellites") {
  if (!heap_is_counted) return;
  auto platform_bytes = [](int satellites) {
    TempDir dir;
    auto s = run_ok(dir, orbital,
                    {"--set", "horizon=1 d", "--set",
                     "clusters.constellation.satellites=" + std::to_string(satellites)});
    return s["engine"]["memory"]["platform_bytes"].get<double>();
  };
  double b400 = platform_bytes(400), b1600 = platform_bytes(1600), b3200 = platform_bytes(3200);
  double per_satellite_low = (b1600 - b400) / 1200;
  double per_satellite_high = (b3200 - b1600) / 1600;
  INFO("bytes per satellite: " << per_satellite_low << ", " << per_satellite_high);
  // Each satellite adds one probe host, its inter-satellite link and its one-way route: a few kB
  // in SimGrid. A routing table that grew with the square of the satellites (a full zone) would
  // make the second figure about twice the first.
  CHECK(per_satellite_low > 500);
  CHECK(per_satellite_low < 10000);
  CHECK(per_satellite_high == doctest::Approx(per_satellite_low).epsilon(0.25));
}

TEST_CASE("memory: a run's heap does not grow with its events") {
  if (!heap_is_counted) return;
  // From 120 days on: the job's checkpoint transfers, its first flow, start after the grid stops
  // binding (90 days), and SimGrid's flow model allocates its tables then, once (about 1.4 MB).
  TempDir months, year;
  auto a = run_ok(months, bench_200k, {"--set", "horizon=120 d"});
  auto b = run_ok(year, bench_200k);
  double events = b["engine"]["events"].get<double>() - a["engine"]["events"].get<double>();
  REQUIRE(events > 50000);
  double growth = b["engine"]["memory"]["run_growth_bytes"].get<double>() -
                  a["engine"]["memory"]["run_growth_bytes"].get<double>();
  // Failures, repairs, checkpoints and rows are streamed to disk or reuse their slots: measured
  // at about 4 B per extra event (monthly usage snapshots, deeper queues). A leak of one small
  // object per event would exceed 16 B.
  CHECK(growth / events < 16);
  // A simulated host (a server of 8 GPUs here) is capsim state, not a SimGrid host: measured at
  // about 5 B each, platform included. As SimGrid hosts they took 2.9 kB each.
  CHECK(b["engine"]["simulated_hosts"].get<double>() == 25000);
  CHECK(b["engine"]["memory"]["state_bytes_per_host"].get<double>() +
            b["engine"]["memory"]["platform_bytes_per_host"].get<double>() <
        50);
}
