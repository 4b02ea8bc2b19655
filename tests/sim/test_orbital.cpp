// Orbital sites in whole runs: eclipses against the orbit model, battery floor, energy
// conservation, radiator limit, radiation counts against their rates, the inter-satellite
// collective against the analytic ring, and ground vs orbit side by side.
#include <doctest/doctest.h>

#include <cmath>
#include <sstream>

#include "capsim_process.hpp"
#include "models/orbit.hpp"
#include "models/radiation.hpp"

using namespace capsim::test;

namespace {

struct Run {
  TempDir dir;
  nlohmann::json summary;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<std::vector<std::string>> events;
  double at(std::size_t row, const char* name) const {
    const std::string& text = rows[row][column(header, name)];
    return text.empty() ? NAN : std::stod(text);
  }
};

Run run_orbital(std::vector<std::string> extra = {}) {
  Run r;
  r.summary = run_ok(r.dir, source_path("scenarios/orbital-sso.yaml"), std::move(extra));
  r.rows = read_csv(r.dir.path("out/timeseries.csv"), r.header);
  std::vector<std::string> event_header;
  r.events = read_csv(r.dir.path("out/events.csv"), event_header);
  return r;
}

} // namespace

TEST_CASE("orbital-sso: eclipses match the orbit model and fall in their season") {
  Run r = run_orbital();
  const auto& site = r.summary["sites"][0];
  // Eclipse time from the events = the summary's fraction.
  double start = -1, eclipse_s = 0;
  int eclipses = 0;
  for (const auto& e : r.events) {
    if (e[1] == "eclipse_start") start = std::stod(e[0]);
    if (e[1] == "eclipse_end" && start >= 0) {
      eclipse_s += std::stod(e[0]) - start;
      ++eclipses;
      double day = start / 86400; // days since 1 January
      // A dawn-dusk orbit with its ascending node at 06:00 sees eclipses only around the
      // December solstice (with 18:00, around June: the orbit model's test).
      CHECK((day < 50 || day > 300));
      start = -1;
    }
  }
  double horizon = r.summary["horizon_s"].get<double>();
  CHECK(eclipses > 500);
  CHECK(site["eclipse_fraction"].get<double>() ==
        doctest::Approx(eclipse_s / horizon).epsilon(1e-6));
  // The same fraction from the closed form f(h, beta) averaged over the year.
  capsim::CircularOrbit orbit = capsim::sun_synchronous_orbit(
      {.altitude_m = 650e3,
       .ltan_s = 6 * 3600,
       .epoch_days_j2000 = capsim::days_since_j2000({.year = 2027, .month = 1, .day = 1})});
  double sum = 0;
  int samples = 0;
  for (double t = 0; t < horizon; t += 600, ++samples)
    sum += capsim::eclipse_fraction_at(orbit, t);
  CHECK(site["eclipse_fraction"].get<double>() == doctest::Approx(sum / samples).epsilon(0.02));
}

TEST_CASE("orbital-sso: battery above its floor, radiator below its limit, energy conserved") {
  Run r = run_orbital();
  double floor = 1 - 0.4; // depth of discharge 0.4
  bool eclipse_seen = false, discharged = false;
  for (std::size_t i = 0; i < r.rows.size(); ++i) {
    INFO("row " << i);
    double soc = r.at(i, "battery_soc");
    if (!std::isnan(soc)) {
      CHECK(soc >= floor - 1e-9);
      CHECK(soc <= 1 + 1e-9);
      discharged |= soc < 0.999;
    }
    CHECK(r.at(i, "radiator_k") <= 320 + 1e-6);
    CHECK(r.at(i, "facility_power_w") <= r.at(i, "power_available_w") * (1 + 1e-9) + 1e-6);
    CHECK(r.at(i, "it_power_w") <= r.at(i, "heat_rejection_capacity_w") * (1 + 1e-9) + 1e-6);
    double supplied = r.at(i, "solar_power_w") + r.at(i, "battery_power_w");
    CHECK(supplied == doctest::Approx(r.at(i, "facility_power_w")).epsilon(1e-9).scale(1));
    if (r.at(i, "in_eclipse") == 1) {
      eclipse_seen = true;
      CHECK(r.at(i, "solar_power_w") == 0);
    }
  }
  CHECK(eclipse_seen);
  CHECK(discharged);
  const auto& e = r.summary["sites"][0]["energy_by_source_j"];
  double sources = e["solar"].get<double>() + e["battery_discharge"].get<double>() -
                   e["battery_charge"].get<double>();
  double facility = r.summary["sites"][0]["facility_energy_j"].get<double>();
  CHECK(std::abs(sources - facility) <= 1e-6 * facility);
}

TEST_CASE("orbital-sso: radiation events match their configured rates") {
  // 150 rad/yr = 1.5 Gy/yr; per GPU: HBM uncorrectable every 0.5 Gy, functional interrupt every
  // 4.25 Gy, silent data corruption every 1.07 Gy. Expected count = rate x installed GPU-seconds.
  Run r = run_orbital();
  double gpu_s = r.summary["clusters"][0]["gpu_hours_installed"].get<double>() * 3600;
  capsim::RadiationParams p;
  p.dose_rate_gy_per_s = capsim::gy_per_s_from_rad_per_year(150);
  const auto& counts = r.summary["sites"][0]["radiation_events"];
  CHECK(counts.size() == capsim::radiation_effect_count);
  for (capsim::RadiationEffect effect = 0; effect < capsim::radiation_effect_count; ++effect) {
    const std::string name(capsim::radiation_effects[effect].name);
    double expected = capsim::event_rate_per_s(p, effect) * gpu_s;
    double seen = counts[name].get<double>();
    INFO(name << ": expected " << expected << ", seen " << seen);
    CHECK(std::abs(seen - expected) < 4 * std::sqrt(expected)); // Poisson, 4 sigma
  }
}

TEST_CASE("the inter-satellite collective matches the analytic ring, and grows on shared links") {
  auto value = [](const std::string& output, const std::string& key) {
    std::istringstream in(output);
    std::string k;
    double v = NAN;
    while (in >> k) {
      if (k == key) {
        in >> v;
        return v;
      }
    }
    return v;
  };
  auto plain = run_capsim({"collective", "--nodes", "16", "--bytes", "140 GB", "--bandwidth",
                           "1.6 Tbit/s", "--latency", "10 us"});
  REQUIRE(plain.exit_code == 0);
  // 2 (n - 1) (latency + bytes / (n B)) = 30 x (1e-5 + 8.75e9 / 2e11) = 1.3128 s
  CHECK(value(plain.output, "simulated_s") == doctest::Approx(1.3128).epsilon(1e-9));
  CHECK(value(plain.output, "ratio") == doctest::Approx(1).epsilon(1e-9));
  auto shared = run_capsim({"collective", "--nodes", "16", "--bytes", "140 GB", "--bandwidth",
                            "1.6 Tbit/s", "--latency", "10 us", "--stride", "3"});
  REQUIRE(shared.exit_code == 0);
  // Each link now carries 3 flows, and each message crosses 3 links: about 3 x slower.
  CHECK(value(shared.output, "ratio") == doctest::Approx(3).epsilon(0.01));
}

TEST_CASE("ground vs orbit: the same job, side by side") {
  TempDir dir;
  auto s = run_ok(dir, source_path("scenarios/ground-vs-orbit.yaml"));
  REQUIRE(s["sites"].size() == 2);
  CHECK(s["sites"][0]["kind"] == "terrestrial");
  CHECK(s["sites"][1]["kind"] == "orbital");
  const auto& ground = s["jobs"][0];
  const auto& orbit = s["jobs"][1];
  CHECK(ground["flop_total"] == orbit["flop_total"]);
  // Both reduce their gradients every step through the same model; in orbit the ring of
  // inter-satellite links is slower than the servers' NICs, so more of it is exposed, and
  // radiation transients add interruptions.
  CHECK(ground["collective_s"].get<double>() > 0);
  CHECK(orbit["collective_s"].get<double>() > ground["collective_s"].get<double>());
  CHECK(orbit["collective_exposed_s"].get<double>() > ground["collective_exposed_s"].get<double>());
  CHECK(orbit["step_time_s"].get<double>() > ground["step_time_s"].get<double>());
  CHECK(orbit["goodput_fraction"].get<double>() < ground["goodput_fraction"].get<double>());
  CHECK(orbit["interruptions"].get<long long>() > ground["interruptions"].get<long long>());
  // Its goodput is what the checkpoint/restart expectation x the collective's share predicts.
  CHECK(orbit["goodput_fraction"].get<double>() ==
        doctest::Approx(orbit["expected_goodput_fraction"].get<double>()).epsilon(0.05));
  // Both sites reduce to a cost per useful EFLOP.
  const auto& sites = s["finance"]["sites"];
  CHECK(sites[0]["cost_per_eflop_usd"].get<double>() > 0);
  CHECK(sites[1]["cost_per_eflop_usd"].get<double>() > 0);
}
