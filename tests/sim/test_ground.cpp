// Ground sites with power and cooling limits: invariants over whole runs of the ground
// scenarios, power capping against the power-cap curve, the heatwave's cost, located errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "capsim_process.hpp"
#include "sim/scenario/loader.hpp"

using namespace capsim::test;

namespace {

struct Series {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  double at(std::size_t row, const char* name) const {
    const std::string& text = rows[row][column(header, name)];
    return text.empty() ? NAN : std::stod(text);
  }
};

Series series(const TempDir& dir) {
  Series s;
  s.rows = read_csv(dir.path("out/timeseries.csv"), s.header);
  return s;
}

void check_invariants(const std::string& scenario) {
  TempDir dir;
  auto summary = run_ok(dir, source_path(scenario));
  Series s = series(dir);
  REQUIRE(!s.rows.empty());
  for (std::size_t i = 0; i < s.rows.size(); ++i) {
    INFO(scenario << " row " << i);
    double facility = s.at(i, "facility_power_w"), available = s.at(i, "power_available_w");
    CHECK(facility <= available * (1 + 1e-9) + 1e-6);
    double it = s.at(i, "it_power_w"), heat = s.at(i, "heat_rejection_capacity_w");
    CHECK(it <= heat * (1 + 1e-9) + 1e-6); // all IT power becomes heat the plant must reject
    double soc = s.at(i, "battery_soc");
    if (!std::isnan(soc)) {
      CHECK(soc >= -1e-12);
      CHECK(soc <= 1 + 1e-12);
    }
    // The sources feed the facility: grid + turbines + battery (net) + solar = facility power.
    double supplied = s.at(i, "grid_power_w") + s.at(i, "turbine_power_w") +
                      s.at(i, "battery_power_w") + s.at(i, "solar_power_w");
    CHECK(supplied == doctest::Approx(facility).epsilon(1e-9).scale(1));
  }
  for (const auto& site : summary["sites"]) {
    const auto& e = site["energy_by_source_j"];
    double sources = e["grid"].get<double>() + e["turbines"].get<double>() +
                     e["solar"].get<double>() + e["battery_discharge"].get<double>() -
                     e["battery_charge"].get<double>();
    double facility = site["facility_energy_j"].get<double>();
    CHECK(std::abs(sources - facility) <= 1e-6 * facility);
    CHECK(site["unmet_energy_j"].get<double>() <= 1e-12 * facility); // rounding only
  }
}

} // namespace

// Servers only (no fabric, storage or other IT): for figures written in GPU-server power.
const std::string no_non_gpu_it =
    "fabric: none, storage_per_gpu: 0 TB, other_it_power_per_gpu: 0 W";

TEST_CASE("colossus-memphis: supply, heat, battery and energy invariants in every row") {
  check_invariants("scenarios/colossus-memphis.yaml");
}

TEST_CASE("heatwave: supply, heat, battery and energy invariants in every row") {
  check_invariants("scenarios/heatwave.yaml");
}

TEST_CASE(
    "colossus-memphis: turbines and batteries bridge until the substation, then the cap lifts") {
  TempDir dir;
  auto summary = run_ok(dir, source_path("scenarios/colossus-memphis.yaml"));
  const auto& site = summary["sites"][0];
  CHECK(site["energy_by_source_j"]["turbines"].get<double>() > 0);
  CHECK(site["energy_by_source_j"]["grid"].get<double>() > 0);
  CHECK(site["energy_by_source_j"]["battery_discharge"].get<double>() > 0);
  CHECK(site["throttled_fraction"].get<double>() > 0);
  CHECK(site["water_m3"].get<double>() ==
        doctest::Approx(0.26e-3 / 3.6e6 * site["it_energy_j"].get<double>()).epsilon(1e-9));
  Series s = series(dir);
  bool capped_before_grid = false, capped_after_grid = false;
  for (std::size_t i = 0; i < s.rows.size(); ++i) {
    double t = s.at(i, "time_s");
    bool capped = s.at(i, "cap_fraction") < 1;
    if (t < 305 * 86400.0) {
      capped_before_grid |= capped;
      CHECK(s.at(i, "grid_power_w") <= 8e6); // the site's first feed until the substation
    } else if (t > 306 * 86400.0) {
      capped_after_grid |= capped;
    }
  }
  CHECK(capped_before_grid);
  CHECK_FALSE(capped_after_grid);
}

TEST_CASE("PUE rises with the ambient, stays physical, and is lowest on economiser hours") {
  TempDir dir;
  run_ok(dir, source_path("scenarios/heatwave.yaml"));
  Series s = series(dir);
  std::vector<std::pair<double, double>> points; // (ambient, pue)
  for (std::size_t i = 0; i < s.rows.size(); ++i)
    if (s.at(i, "heat_rejection_capacity_w") > 0) // above its maximum ambient the plant trips
      points.emplace_back(s.at(i, "ambient_c"), s.at(i, "pue"));
  std::sort(points.begin(), points.end());
  for (std::size_t i = 1; i < points.size(); ++i)
    CHECK(points[i].second >= points[i - 1].second - 1e-12);
  for (const auto& [ambient, pue] : points) {
    CHECK(pue >= 1.03);
    CHECK(pue <= 1.8);
  }
  CHECK(points.back().second > points.front().second + 0.05); // hot hours cost visibly more
  // Economiser (free cooling) below 10 degC for the air preset: a constant cold site has a lower
  // PUE than the same site at 25 degC.
  TempDir cold, warm;
  auto c = run_ok(cold, source_path("scenarios/heatwave.yaml"),
                  {"--set", "sites.phoenix.weather={constant: 5 degC}", "--set", "horizon=2 d"});
  auto w = run_ok(warm, source_path("scenarios/heatwave.yaml"),
                  {"--set", "sites.phoenix.weather={constant: 25 degC}", "--set", "horizon=2 d"});
  CHECK(c["sites"][0]["economiser_hours"].get<double>() == doctest::Approx(48));
  CHECK(w["sites"][0]["economiser_hours"].get<double>() == 0);
  CHECK(c["sites"][0]["mean_pue"].get<double>() < w["sites"][0]["mean_pue"].get<double>() - 0.05);
}

TEST_CASE("a job on capped GPUs runs slower by exactly what the power-cap curve says") {
  // 512 H100 on 64 DGX-H100 hosts on a grid that gives exactly 64 x (idle + (training - idle) x
  // 0.8) at PUE 1: the site caps the GPUs at 0.8 of TDP, where the H100 curve
  // (configs/gpus.yaml) gives 0.820 of full speed.
  TempDir dir;
  const capsim::SystemSpec* dgx = capsim::default_catalog().find_system("DGX-H100");
  REQUIRE(dgx);
  double grid_w = 64 * (dgx->power_idle_w + (dgx->power_typical_w - dgx->power_idle_w) * 0.8);
  std::string file = dir.write(
      "capped.yaml",
      "scenario: capped\nhorizon: 30 d\nsites:\n  - name: s\n    grid: {capacity: " +
          std::to_string(grid_w) +
          " W}\n    pue: 1.0\n    min_power_cap: 0.5\n"
          "clusters:\n  - {name: c, site: s, gpu: H100, deliveries: [{at: 0 d, gpus: 512}],"
          " failures: {rate: 0 /GPU/h}, " +
          no_non_gpu_it +
          "}\n"
          "jobs:\n  - {name: j, cluster: c, mfu: 0.4, model: {parameters: 7e9, tokens: 1e12},"
          " checkpoint: {restart: 0 s}}\n");
  auto s = run_ok(dir, file);
  const auto& job = s["jobs"][0];
  REQUIRE(job["completed"].get<bool>());
  double compute_s = job["completion_s"].get<double>() - job["first_start_s"].get<double>();
  double full_rate = 512 * 989e12 * 0.4;
  double perf =
      capsim::perf_fraction_at_cap(capsim::default_catalog().find_gpu("H100")->power_cap, 0.8);
  CHECK(perf == doctest::Approx(0.820));
  // Each step also waits for the exposed part of its data-parallel gradient reduction.
  const double step_s = job["step_time_s"].get<double>();
  const double efficiency = (step_s - job["collective_exposed_s"].get<double>()) / step_s;
  CHECK(compute_s ==
        doctest::Approx(6 * 7e9 * 1e12 / (full_rate * perf * efficiency)).epsilon(1e-9));
  Series ts = series(dir);
  CHECK(ts.at(24, "cap_fraction") == doctest::Approx(0.8).epsilon(1e-12)); // day 1, running
}

TEST_CASE("a heatwave lowers goodput relative to the same scenario at normal temperatures") {
  TempDir hot, normal;
  auto h = run_ok(hot, source_path("scenarios/heatwave.yaml"));
  auto n = run_ok(normal, source_path("scenarios/heatwave.yaml"),
                  {"--set", "sites.phoenix.weather.heatwaves=[]"});
  MESSAGE("heatwave: goodput " << h["jobs"][0]["goodput_fraction"] << ", throttled "
                               << h["sites"][0]["throttled_fraction"] << "; normal: goodput "
                               << n["jobs"][0]["goodput_fraction"] << ", throttled "
                               << n["sites"][0]["throttled_fraction"]);
  CHECK(h["sites"][0]["throttled_fraction"].get<double>() >
        n["sites"][0]["throttled_fraction"].get<double>() + 0.02);
  CHECK(h["jobs"][0]["flop_done"].get<double>() < n["jobs"][0]["flop_done"].get<double>());
  CHECK(h["jobs"][0]["goodput_fraction"].get<double>() <
        n["jobs"][0]["goodput_fraction"].get<double>());
}

TEST_CASE("bad ground-site inputs get located errors") {
  auto errors = [](const std::string& name) {
    try {
      capsim::load_scenario(source_path("tests/fixtures/bad/" + name));
    } catch (const capsim::InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  std::string battery = errors("battery-efficiency.yaml");
  CHECK(battery.find("battery-efficiency.yaml:11:30: error: 'round_trip_efficiency' in site 'a' "
                     "battery is 1.2, outside the accepted range (0, 1]") != std::string::npos);
  std::string gap = errors("weather-gap.yaml");
  INFO(gap);
  CHECK(gap.find("weather-gap.csv:4:") != std::string::npos); // the 2-hour gap
  CHECK(gap.find("weather-gap.csv:5:") != std::string::npos); // "2x.5"
  std::string both = errors("pue-and-cooling.yaml");
  CHECK(both.find("pue-and-cooling.yaml:7:10: error: site 'a': give either a fixed pue or a "
                  "cooling plant") != std::string::npos);
  std::string negative = errors("out-of-range.yaml");
  CHECK(negative.find("'capacity' in site 'a' grid is -5 MW") != std::string::npos);
}

TEST_CASE("curtailments: windows and a daily rule lower the grid, and the site obeys") {
  // 1,024 H100 at PUE 1.2 need ~1.2 MW at full power; the grid gives 1.5 MW, but only 0.6 MW
  // every day from 14:00 to 18:00 and during a two-day window. No battery, no turbines: the site
  // must cap its GPUs to ~0.37 of TDP inside those hours.
  TempDir dir;
  std::string file = dir.write(
      "curtailed.yaml",
      "scenario: curtailed\nhorizon: 6 d\noutputs: {interval: 30 min}\nsites:\n  - name: s\n"
      "    grid:\n      capacity: 1.5 MW\n"
      "      daily_curtailment: {from: 14 h, to: 18 h, capacity: 0.6 MW}\n"
      "      curtailments:\n        - {from: 3 d, to: 5 d, capacity: 0.6 MW}\n"
      "    pue: 1.2\n    min_power_cap: 0.3\n"
      "clusters:\n  - {name: c, site: s, gpu: H100, deliveries: [{at: 0 d, gpus: 1024}], " +
          no_non_gpu_it +
          "}\n"
          "jobs:\n  - {name: j, cluster: c, gpus: 960, model: {parameters: 7e9, tokens: 1e13}}\n");
  auto s = run_ok(dir, file);
  Series ts = series(dir);
  for (std::size_t i = 0; i < ts.rows.size(); ++i) {
    double t = ts.at(i, "time_s");
    double hour = std::fmod(t, 86400) / 3600;
    bool curtailed = (hour >= 14 && hour < 18) || (t >= 3 * 86400 && t < 5 * 86400);
    INFO("t = " << t);
    CHECK(ts.at(i, "power_available_w") == doctest::Approx(curtailed ? 0.6e6 : 1.5e6));
    CHECK(ts.at(i, "facility_power_w") <= ts.at(i, "power_available_w") * (1 + 1e-12));
  }
  std::vector<std::string> header;
  int starts = 0;
  for (const auto& e : read_csv(dir.path("out/events.csv"), header))
    starts += e[1] == "curtailment_start";
  CHECK(starts == 5); // 14:00 on days 0, 1, 2 and 5; the window from day 3 covers days 3-4
  CHECK(s["sites"][0]["throttled_fraction"].get<double>() > 0);
}
