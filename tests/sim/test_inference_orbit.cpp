// Inference jobs on orbital clusters: the users' round trip through a ground station on TTFT,
// contact windows, launches and power (eclipse with the battery at its floor) bounding the
// replicas, checked against the event log.
#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <numbers>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "capsim_process.hpp"

using namespace capsim::test;

namespace {

const std::string orbital_site =
    "    kind: orbital\n"
    "    orbit: {altitude: 650 km, inclination: 53 deg, epoch: 2027-01-01}\n"
    "    links: {isl_bandwidth: 1.6 Tbit/s, isl_latency: 10 us, downlink_bandwidth: 200 Gbit/s}\n"
    "    power_policy: cap\n"
    "    min_power_cap: 0.5\n";

std::string serving_job(const std::string& name, const std::string& cluster,
                        const std::string& replicas, const std::string& extra) {
  return "  - name: " + name + "\n    kind: inference\n    cluster: " + cluster +
         "\n    model: {preset: llama3-70b}\n"
         "    layout: {tp: 8, quantization: fp8, batch_limit: 64}\n"
         "    requests: {prompt_tokens: 1000, output_tokens: 300}\n"
         "    demand: {rate: 2 /s}\n"
         "    targets: {ttft_p99: 3 s, tpot_p99: 100 ms}\n"
         "    replicas: " +
         replicas + "\n" + extra;
}

} // namespace

TEST_CASE("inference in orbit: TTFT carries the round trip through the ground station, exactly") {
  TempDir dir;
  const std::string text =
      "scenario: rtt\nhorizon: 2 d\nepoch: 2027-01-01T00:00:00Z\n"
      "sites:\n"
      "  - {name: ground, grid: {capacity: 20 MW}, pue: 1.2}\n"
      "  - name: orbit\n" +
      orbital_site +
      "    satellite: {failure_unit: board}\n"
      "    ground_stations:\n"
      "      - {name: a, latitude: 40 deg, longitude: -100 deg, min_elevation: 10 deg}\n"
      "      - {name: b, latitude: -30 deg, longitude: 20 deg, min_elevation: 5 deg}\n"
      "    launch: {price: 1500 USD/kg, payload: 60 t, interval: 7 d, failure_probability: 0}\n"
      "clusters:\n"
      "  - {name: g, site: ground, gpu: H100, deliveries: [{at: 0 d, gpus: 48}], "
      "failures: {rate: 0 /GPU/h}}\n"
      "  - {name: sats, site: orbit, gpu: H100, system: DGX-H100, gpus_per_host: 24, "
      "satellites: 2, failures: {rate: 0 /GPU/h}}\n"
      "jobs:\n" +
      serving_job("down", "g", "{fixed: 4, scale_up_delay: 0 s}", "    user_latency: 15 ms\n") +
      serving_job("up", "sats", "{fixed: 4, scale_up_delay: 0 s}", "    user_latency: 25 ms\n");
  auto s = run_ok(dir, dir.write("s.yaml", text));
  // By hand: the longest slant range of a pass is at the lowest minimum elevation (5 deg):
  // d = sqrt(a^2 - (R cos e)^2) - R sin e, a = R + 650 km; one inter-satellite hop of 10 us.
  const double R = 6378137.0, a = R + 650e3, e = 5 * std::numbers::pi / 180, c = 299792458.0;
  const double slant = std::sqrt(a * a - std::pow(R * std::cos(e), 2)) - R * std::sin(e);
  CHECK(slant == doctest::Approx(2.448e6).epsilon(1e-3)); // ~2,448 km at 5 deg from 650 km
  const double rtt_up = 2 * (0.025 + slant / c + 10e-6);
  const double rtt_down = 2 * 0.015;
  REQUIRE(s["inference"][1]["name"] == "up");
  CHECK(s["inference"][1]["slant_range_max_m"].get<double>() ==
        doctest::Approx(slant).epsilon(1e-12));
  CHECK(s["inference"][1]["network_rtt_s"].get<double>() == doctest::Approx(rtt_up).epsilon(1e-12));
  CHECK(s["inference"][0]["network_rtt_s"].get<double>() ==
        doctest::Approx(rtt_down).epsilon(1e-12));
  // Same replicas, demand and speed on both sides: each step's p99 TTFT differs by the round
  // trips' difference and nothing else; TPOT not at all.
  std::map<double, std::map<std::string, std::string>> down;
  for (const auto& row : read_csv_maps(dir.path("out/serving.csv")))
    if (row.at("job") == "down") down[number_or_zero(row.at("time_s"))] = row;
  int compared = 0;
  for (const auto& row : read_csv_maps(dir.path("out/serving.csv"))) {
    // Steps without a pass have no latency (empty).
    if (row.at("job") != "up" || row.at("ttft_p99_worst_s").empty()) continue;
    const auto& g = down.at(number_or_zero(row.at("time_s")));
    if (row.at("replicas_min") != "4" || row.at("replicas_max") != "4" ||
        g.at("replicas_min") != "4" || g.at("replicas_max") != "4")
      continue;
    INFO("step at " << row.at("time_s"));
    CHECK(number_or_zero(row.at("ttft_p99_worst_s")) - number_or_zero(g.at("ttft_p99_worst_s")) ==
          doctest::Approx(rtt_up - rtt_down).epsilon(1e-9));
    CHECK(number_or_zero(row.at("tpot_p99_worst_s")) ==
          doctest::Approx(number_or_zero(g.at("tpot_p99_worst_s"))).epsilon(1e-12));
    ++compared;
  }
  CHECK(compared > 0);
  // Outside the passes nothing is served: the orbital job's unmet requests are the ones demanded
  // while no station saw the cluster, plus what its capacity turned away (none at 2 /s).
  const auto& up = s["inference"][1];
  CHECK(up["no_contact_hours"].get<double>() > 0);
  CHECK(up["requests_unmet_no_contact"].get<double>() ==
        doctest::Approx(2 * 3600 * up["no_contact_hours"].get<double>()).epsilon(1e-9));
  CHECK(up["requests_unmet"].get<double>() >= up["requests_unmet_no_contact"].get<double>());
}

TEST_CASE("inference in orbit: nothing is served before the launch or while the replicas are "
          "dark in eclipse") {
  // Arrays of 60 m2 give ~21 kW in sunlight for 24.6 kW of load: the battery never recharges;
  // once it has emptied, every eclipse darkens the replicas, and sunlight brings them back
  // through the scale-up delay (5 min).
  TempDir dir;
  const std::string text =
      "scenario: dark\nhorizon: 2 d\nepoch: 2027-01-01T00:00:00Z\noutputs: {interval: 1 min}\n"
      "sites:\n"
      "  - name: orbit\n" +
      orbital_site +
      "    satellite: {failure_unit: board, array_area: 60 m2}\n"
      "    ground_stations:\n"
      "      - {name: a, latitude: 40 deg, longitude: -100 deg, min_elevation: 10 deg}\n"
      "    launch: {price: 1500 USD/kg, payload: 60 t, interval: 7 d, first: 0.5 d, "
      "failure_probability: 0}\n"
      "clusters:\n"
      "  - {name: sats, site: orbit, gpu: H100, system: DGX-H100, gpus_per_host: 24, "
      "satellites: 2, failures: {rate: 0 /GPU/h}}\n"
      "jobs:\n" +
      serving_job("chat", "sats", "{fixed: 6, scale_up_delay: 5 min}", "");
  auto s = run_ok(dir, dir.write("s.yaml", text));
  double launch_s = -1, battery_empty_s = -1;
  // dark: [off, powered again, serving again (after the scale-up delay))
  std::vector<std::pair<double, double>> eclipses;
  std::vector<std::array<double, 3>> dark;
  double eclipse_from = -1, dark_from = -1;
  for (const auto& e : read_csv_maps(dir.path("out/events.csv"))) {
    const double t = number_or_zero(e.at("time_s"));
    const std::string& kind = e.at("kind");
    if (kind == "launch") launch_s = t;
    if (kind == "battery_empty" && battery_empty_s < 0) battery_empty_s = t;
    if (kind == "eclipse_start") eclipse_from = t;
    if (kind == "eclipse_end" && eclipse_from >= 0) eclipses.emplace_back(eclipse_from, t);
    if (kind == "serving_dark") {
      dark_from = t;
      // Only in eclipse, once the battery has emptied.
      CHECK(battery_empty_s >= 0);
      CHECK(battery_empty_s <= t);
      CHECK(eclipse_from >= 0);
    }
    if (kind == "serving_relit" && dark_from >= 0) {
      dark.push_back({dark_from, t, t + 300}); // it serves again after the scale-up delay
      dark_from = -1;
    }
  }
  REQUIRE(launch_s == doctest::Approx(43200));
  REQUIRE(dark.size() >= 5);
  for (const auto& [from, lit, to] : dark) { // each dark spell starts inside an eclipse ...
    const bool inside = std::any_of(eclipses.begin(), eclipses.end(), [&](auto w) {
      return w.first <= from + 1e-6 && from <= w.second;
    });
    CHECK(inside);
    // ... and ends at that eclipse's end (the relit event), plus the delay
    const bool at_end = std::any_of(eclipses.begin(), eclipses.end(),
                                    [&](auto w) { return std::abs(w.second + 300 - to) < 1e-3; });
    CHECK(at_end);
  }
  int before = 0, in_dark = 0, serving_rows = 0;
  for (const auto& row : read_csv_maps(dir.path("out/timeseries.csv"))) {
    const double t = number_or_zero(row.at("time_s")),
                 from = t - 60; // the row's interval (t - 60, t]
    const double served = number_or_zero(row.at("served_tokens_per_s"));
    if (t <= launch_s) {
      CHECK(served == 0);
      CHECK(number_or_zero(row.at("serving_replicas")) == 0);
      ++before;
    }
    if (std::any_of(dark.begin(), dark.end(), [&](auto d) { return d[0] <= from && t <= d[2]; })) {
      INFO("row at " << t);
      CHECK(served == 0);
      CHECK(number_or_zero(row.at("serving_replicas")) == 0);
      ++in_dark;
    }
    if (std::any_of(dark.begin(), dark.end(), [&](auto d) { return d[0] <= from && t <= d[1]; })) {
      INFO("row at " << t);
      CHECK(number_or_zero(row.at("gpus_busy")) ==
            0); // unpowered: no GPU runs, the site draws nothing
      CHECK(number_or_zero(row.at("it_power_w")) == 0);
    }
    if (served > 0) ++serving_rows;
  }
  CHECK(before > 0);
  CHECK(in_dark > 0);
  CHECK(serving_rows > 0); // lit and in contact: it does serve
  CHECK(s["inference"][0]["dark_gpu_hours"].get<double>() > 0);
}

TEST_CASE("inference in orbit: a cluster no ground station can reach is a located error") {
  TempDir dir;
  const std::string text =
      "scenario: nostation\nhorizon: 1 d\n"
      "sites:\n"
      "  - name: orbit\n" +
      orbital_site +
      "    satellite: {failure_unit: board}\n"
      "    launch: {price: 1500 USD/kg, payload: 60 t, interval: 7 d}\n"
      "clusters:\n"
      "  - {name: sats, site: orbit, gpu: H100, system: DGX-H100, gpus_per_host: 24, "
      "satellites: 2}\n"
      "jobs:\n" +
      serving_job("chat", "sats", "{fixed: 2}", "");
  auto r = run_capsim({"validate", dir.write("bad.yaml", text)});
  INFO(r.output);
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("bad.yaml:15:5: error: inference job 'chat': cluster 'sats' is at orbital "
                      "site 'orbit', which has no ground_stations") != std::string::npos);
}
