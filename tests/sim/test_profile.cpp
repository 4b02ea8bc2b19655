// The run's own profile and memory report (summary.json `engine.profile`, `engine.memory`):
// the phases account for the run's wall time, the platform costs a constant number of bytes per
// host whatever the site's size (an orbital site's routing included), and a run's memory does
// not grow with its events.
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
  // 25,000 hosts are built, 2,871 events handled: both phases take measurable time.
  CHECK(p["platform_s"].get<double>() > 0);
  CHECK(p["models_s"].get<double>() > 0);
  CHECK(p["engine_s"].get<double>() > 0);
  // wall_s runs from the engine's start to the summary; the phases inside it cannot exceed it.
  double inside = p["platform_s"].get<double>() + p["state_s"].get<double>() +
                  p["models_s"].get<double>() + p["rows_s"].get<double>() +
                  p["engine_s"].get<double>();
  CHECK(inside <= s["engine"]["wall_s"].get<double>() + 1e-6);
}

TEST_CASE("memory: an orbital site's platform costs the same per host at 400 and 3,200 "
          "satellites") {
  if (!heap_is_counted) return;
  TempDir small, large;
  auto a = run_ok(small, orbital,
                  {"--set", "horizon=1 d", "--set", "clusters.constellation.satellites=400"});
  auto b = run_ok(large, orbital,
                  {"--set", "horizon=1 d", "--set", "clusters.constellation.satellites=3200"});
  double per_host_a = a["engine"]["memory"]["platform_bytes_per_host"].get<double>();
  double per_host_b = b["engine"]["memory"]["platform_bytes_per_host"].get<double>();
  CHECK(b["engine"]["hosts"].get<double>() > 7 * a["engine"]["hosts"].get<double>());
  // A host, a link and a route in SimGrid take a few kB; a routing table that grows with the
  // square of the hosts (a full zone) would make the larger site's cost 8 times the smaller's.
  CHECK(per_host_a > 500);
  CHECK(per_host_a < 10000);
  CHECK(per_host_b == doctest::Approx(per_host_a).epsilon(0.25));
}

TEST_CASE("memory: a run's heap does not grow with its events") {
  if (!heap_is_counted) return;
  TempDir month, year;
  auto a = run_ok(month, bench_200k, {"--set", "horizon=30 d"});
  auto b = run_ok(year, bench_200k);
  double events = b["engine"]["events"].get<double>() - a["engine"]["events"].get<double>();
  REQUIRE(events > 50000);
  double growth = b["engine"]["memory"]["run_growth_bytes"].get<double>() -
                  a["engine"]["memory"]["run_growth_bytes"].get<double>();
  // Failures, repairs, checkpoints and rows are streamed to disk or reuse their slots: measured
  // at about 4 B per extra event (monthly usage snapshots, deeper queues). A leak of one small
  // object per event would exceed 16 B.
  CHECK(growth / events < 16);
  // capsim's own state is small beside SimGrid's platform.
  CHECK(b["engine"]["memory"]["state_bytes_per_host"].get<double>() <
        0.1 * b["engine"]["memory"]["platform_bytes_per_host"].get<double>());
}
