// Scenario loader: one small bad fixture per error kind, each asserting the message and the
// FILE:LINE:COL that a user is pointed to; overrides; the catalogue.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "sim/scenario/loader.hpp"

using namespace capsim;

namespace {

std::string fixture(const std::string& name) {
  return std::string(CAPSIM_SOURCE_DIR) + "/tests/fixtures/" + name;
}

std::vector<Diagnostic> errors_of(const std::string& path, const std::vector<Override>& sets = {}) {
  try {
    load_scenario(path, sets);
  } catch (const InputError& e) {
    return e.diagnostics();
  }
  return {};
}

// True when some diagnostic sits at line:column and its message contains `words`.
bool has(const std::vector<Diagnostic>& list, int line, int column, const std::string& words) {
  return std::any_of(list.begin(), list.end(), [&](const Diagnostic& d) {
    return d.line == line && d.column == column && d.message.find(words) != std::string::npos;
  });
}

std::string dump(const std::vector<Diagnostic>& list) {
  std::string text;
  for (const auto& d : list)
    text += d.format() + "\n";
  return text;
}

} // namespace

TEST_CASE("a good scenario loads with SI values and defaults") {
  Scenario s = load_scenario(fixture("good-minimal.yaml"));
  CHECK(s.name == "minimal");
  CHECK(s.horizon_s == 2 * 86400.0);
  REQUIRE(s.sites.size() == 1);
  CHECK(s.sites[0].grid.steps.front().capacity_w == 2e6);
  REQUIRE(s.clusters.size() == 1);
  CHECK(s.clusters[0].gpu.name == "H100");
  CHECK(s.clusters[0].system.name == "DGX-H100"); // the catalogue's default system for H100
  CHECK(s.clusters[0].gpus_per_host == 8);
  CHECK(s.clusters[0].failure_rate_per_gpu_s == doctest::Approx(1.97e-5 / 3600).epsilon(1e-12));
  REQUIRE(s.jobs.size() == 1);
  CHECK(s.jobs[0].total_flop == doctest::Approx(6 * 7e9 * 1e10).epsilon(1e-12));
  CHECK(s.jobs[0].checkpoint.size_bytes == doctest::Approx(14 * 7e9));
}

TEST_CASE("YAML syntax errors are located") {
  auto e = errors_of(fixture("bad/syntax.yaml"));
  INFO(dump(e));
  REQUIRE(e.size() == 1);
  CHECK(e[0].line == 6);
  CHECK(e[0].message.find("YAML syntax") != std::string::npos);
  CHECK(e[0].format().rfind(fixture("bad/syntax.yaml") + ":6:", 0) == 0);
}

TEST_CASE("an unknown key is rejected with the keys that are accepted") {
  auto e = errors_of(fixture("bad/unknown-key.yaml"));
  INFO(dump(e));
  CHECK(has(e, 8, 5, "unknown key 'cooling_capcity' in site"));
  CHECK(has(e, 8, 5, "cooling_capacity")); // the list of accepted keys shows the right one
}

TEST_CASE("a missing required key names the key and the mapping") {
  auto e = errors_of(fixture("bad/missing-key.yaml"));
  INFO(dump(e));
  CHECK(has(e, 1, 1, "the scenario is missing required key 'horizon'"));
}

TEST_CASE("a unit of the wrong dimension points inside the value") {
  auto e = errors_of(fixture("bad/wrong-unit.yaml"));
  INFO(dump(e));
  // "capacity: 2 MWh" — the unit starts at column 19.
  CHECK(has(e, 6, 19, "expected a power"));
  CHECK(has(e, 6, 19, "'MWh' which is an energy"));
}

TEST_CASE("a bare number where a unit is required is an error, not a guess") {
  auto e = errors_of(fixture("bad/bare-number.yaml"));
  INFO(dump(e));
  REQUIRE(e.size() == 1);
  CHECK(e[0].line == 2);
  CHECK(e[0].message.find("bare number '60'") != std::string::npos);
  CHECK(e[0].message.find("expected a time") != std::string::npos);
}

TEST_CASE("dangling references list what exists") {
  auto e = errors_of(fixture("bad/dangling-reference.yaml"));
  INFO(dump(e));
  CHECK(has(e, 10, 11, "unknown site 'memphys' (sites: memphis)"));
  CHECK(has(e, 16, 14, "unknown cluster 'c2' (clusters: c1)"));
}

TEST_CASE("impossible counts are rejected") {
  auto e = errors_of(fixture("bad/impossible-count.yaml"));
  INFO(dump(e));
  CHECK(has(e, 17, 11, "needs 128 GPUs but cluster 'c1' only ever has 64"));
  auto partial = errors_of(fixture("bad/partial-host.yaml"));
  INFO(dump(partial));
  CHECK(has(partial, 13, 25, "not a whole number of hosts of 8 GPUs"));
}

TEST_CASE("absurd values get located errors, all of them in one run") {
  auto e = errors_of(fixture("bad/out-of-range.yaml"));
  INFO(dump(e));
  CHECK(has(e, 2, 10, "'horizon' in the scenario is"));
  CHECK(has(e, 6, 17, "'capacity' in site 'a' grid is -5 MW"));
  CHECK(has(e, 7, 10, "'pue' in site 'a'"));
  CHECK(has(e, 13, 25, "outside the accepted range [1, 100000000]"));
  CHECK(e.size() == 4);
}

TEST_CASE("an unknown GPU lists the catalogue") {
  auto e = errors_of(fixture("bad/unknown-gpu.yaml"));
  INFO(dump(e));
  CHECK(has(e, 11, 10, "unknown GPU 'H900'"));
  CHECK(has(e, 11, 10, "H100"));
}

TEST_CASE("duplicate names are rejected") {
  auto e = errors_of(fixture("bad/duplicate-name.yaml"));
  INFO(dump(e));
  CHECK(has(e, 8, 11, "duplicate site name 'a'"));
}

TEST_CASE("--set overrides values by path, with list items addressed by name") {
  Scenario s = load_scenario(
      fixture("good-minimal.yaml"),
      {parse_override("sites.site-a.grid.capacity=300MW"), parse_override("horizon=90 d"),
       parse_override("clusters.c1.failures.rate=0 /GPU/h"), parse_override("jobs.j1.mfu=0.5")});
  CHECK(s.sites[0].grid.steps.front().capacity_w == 3e8);
  CHECK(s.horizon_s == 90 * 86400.0);
  CHECK(s.clusters[0].failure_rate_per_gpu_s == 0);
  CHECK(s.jobs[0].mfu == 0.5);
}

TEST_CASE("bad overrides are reported by their --set path") {
  auto e = errors_of(fixture("good-minimal.yaml"), {parse_override("sites.nowhere.pue=1.1"),
                                                    parse_override("sites.site-a.pue=1.1 MW"),
                                                    parse_override("sites.site-a.colour=red")});
  INFO(dump(e));
  REQUIRE(e.size() == 3);
  auto find = [&](const std::string& words) {
    return std::any_of(e.begin(), e.end(), [&](const Diagnostic& d) {
      return d.format().find(words) != std::string::npos;
    });
  };
  CHECK(find("no item named 'nowhere' in 'sites' (items: site-a)"));
  CHECK(find("--set sites.site-a.pue: error: 'pue' in site 'site-a'"));
  CHECK(find("unknown key 'colour' in site"));
  CHECK_THROWS_AS(parse_override("no-equals-sign"), InputError);
  auto scalar = errors_of(fixture("good-minimal.yaml"),
                          {parse_override("horizon.x=3 d"), parse_override("seed=")});
  INFO(dump(scalar));
  REQUIRE(scalar.size() == 2);
  CHECK(scalar[0].format().find("'horizon' is a single value, not a mapping") != std::string::npos);
  CHECK(scalar[1].format().find("--set seed: empty value") != std::string::npos);
}

TEST_CASE("a missing scenario file is an input error") {
  auto e = errors_of(fixture("does-not-exist.yaml"));
  REQUIRE(e.size() == 1);
  CHECK(e[0].message == "cannot open the scenario file");
}

TEST_CASE("the GPU catalogue loads, validates, and matches the datasheets") {
  const Catalog& c = default_catalog();
  CHECK(c.gpus.size() == 7);
  for (const auto& entry : c.gpus) {
    INFO(entry.spec.name);
    CHECK(validate(entry.spec).empty());
    CHECK(!entry.spec.source.empty());
  }
  for (const auto& system : c.systems) {
    INFO(system.name);
    const GpuSpec* gpu = c.find_gpu(system.gpu);
    REQUIRE(gpu);
    CHECK(validate(system, *gpu).empty());
  }
  // NVIDIA H100 SXM datasheet: 700 W, 989 dense BF16 TFLOP/s, 80 GB, 3.35 TB/s, 900 GB/s NVLink.
  const GpuSpec* h100 = c.find_gpu("H100");
  REQUIRE(h100);
  CHECK(h100->tdp_w == 700);
  CHECK(h100->bf16_dense_flops == doctest::Approx(989e12));
  // "80 GB" as the driver reports it: 81,559 MiB (nvidia-smi), the usable capacity.
  CHECK(h100->hbm_bytes == doctest::Approx(81559 * 1048576.0));
  CHECK(h100->hbm_bytes_per_s == doctest::Approx(3.35e12));
  CHECK(h100->nvlink_bytes_per_s == doctest::Approx(900e9));
  // DGX H100: 10.2 kW max, ~7.8 kW measured during training (arXiv 2506.14551).
  const SystemSpec* dgx = c.find_system("DGX-H100");
  REQUIRE(dgx);
  CHECK(dgx->power_max_w == doctest::Approx(10.2e3));
  CHECK(dgx->power_typical_w == doctest::Approx(7.8e3));
  for (const char* name : {"A100", "H100", "H200", "B200", "GB200", "B300", "GB300"})
    CHECK(c.find_gpu(name) != nullptr);
}
