// Ground-site power as built: turbines that charge the battery when the policy allows it,
// weather files with UTC timestamps aligned to the epoch, emissions from fuel and grid, and
// checkpoint transfers of several jobs that share the site's storage as SimGrid flows.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <string>

#include "capsim_process.hpp"

using namespace capsim::test;

namespace {

// One site with `power` (YAML lines under the site), 1,024 H100 (128 DGX H100) from day 0, and
// `jobs` (YAML, may be empty). Fixed PUE, no failures.
std::string site_scenario(const std::string& head, const std::string& power,
                          const std::string& jobs, const std::string& horizon = "2 d") {
  return head + "scenario: ground-power\nseed: 3\nhorizon: " + horizon +
         "\noutputs:\n  interval: 15 min\nsites:\n  - name: plant\n    pue: 1.2\n" + power +
         "clusters:\n  - name: fleet\n    site: plant\n    gpu: H100\n    system: DGX-H100\n"
         "    deliveries:\n      - at: 0 d\n        gpus: 1024\n"
         "    lease:\n      rate: 2 USD/GPU/h\n    failures:\n      rate: 0 /GPU/h\n"
         "      repair_time: 24 h\n" +
         (jobs.empty() ? "" : "jobs:\n" + jobs);
}

struct PowerSeries {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  double at(std::size_t row, const char* name) const {
    return std::stod(rows[row][column(header, name)]);
  }
};

PowerSeries power_series(const TempDir& dir) {
  PowerSeries s;
  s.rows = read_csv(dir.path("out/timeseries.csv"), s.header);
  return s;
}

double soc_at(const PowerSeries& s, double time_s) {
  for (std::size_t i = 0; i < s.rows.size(); ++i)
    if (s.at(i, "time_s") == time_s) return s.at(i, "battery_soc");
  FAIL("no row at " << time_s);
  return NAN;
}

} // namespace

TEST_CASE("turbines recharge a battery emptied at dusk before dawn only when charge_from allows") {
  // Solar carries the idle fleet by day and fills the battery; from 18:00 the battery carries it
  // alone and empties within the hour, since the turbines take 2 h to start; once they run, they
  // carry the load and, when the policy allows it, refill the battery overnight. Idle fleet:
  // 128 DGX H100 at idle x PUE 1.2, well under one 2.5 MW unit.
  auto power = [](const std::string& charge_from) {
    return "    solar:\n      capacity: 40 MW\n"
           "    battery:\n      energy: 0.4 MWh\n      power: 2 MW\n"
           "      min_state_of_charge: 0.1\n      charge_from: " +
           charge_from +
           "\n    turbines:\n      units: 2\n      unit_capacity: 2.5 MW\n"
           "      start_delay: 2 h\n      fuel: natural_gas\n";
  };
  TempDir with, without;
  run_ok(with, with.write("s.yaml", site_scenario("", power("[solar, turbines]"), "")));
  run_ok(without, without.write("s.yaml", site_scenario("", power("[solar]"), "")));
  PowerSeries w = power_series(with), n = power_series(without);
  const double dusk_s = 18 * 3600.0, dawn_s = 86400.0 + 6 * 3600.0;
  for (const PowerSeries* s : {&w, &n}) {
    CHECK(soc_at(*s, dusk_s) == doctest::Approx(1).epsilon(1e-9)); // filled by the sun
    CHECK(soc_at(*s, dusk_s + 1.5 * 3600) == doctest::Approx(0.1).epsilon(1e-6)); // emptied
  }
  // Before dawn: full again when turbines may charge it; otherwise still at its floor.
  CHECK(soc_at(w, dawn_s - 900) == doctest::Approx(1).epsilon(1e-9));
  CHECK(soc_at(n, dawn_s - 900) == doctest::Approx(0.1).epsilon(1e-6));
}

TEST_CASE("a weather file with UTC timestamps starting mid-year lines up with the epoch") {
  TempDir dir;
  std::string csv = "# hourly\ntime_utc,ambient_c\n";
  for (int h = 0; h < 96; ++h) {
    char row[64];
    std::snprintf(row, sizeof row, "2025-07-%02dT%02d:00:00Z,%.1f\n", 1 + h / 24, h % 24,
                  20.0 + 0.1 * h);
    csv += row;
  }
  dir.write("july.csv", csv);
  auto power = "    grid:\n      capacity: 10 MW\n    weather:\n      file: july.csv\n"
               "    cooling_capacity: 20 MW\n";
  // The epoch falls on 2025-07-02T05:00Z: row 29 of the file (20 + 2.9 degC).
  std::string text = site_scenario("epoch: 2025-07-02T05:00:00Z\n", power, "", "1 d");
  run_ok(dir, dir.write("s.yaml", text));
  PowerSeries s = power_series(dir);
  CHECK(s.at(0, "time_s") == 0);
  CHECK(s.at(0, "ambient_c") == doctest::Approx(22.9).epsilon(1e-9));
  CHECK(s.at(4, "ambient_c") == doctest::Approx(23.0).epsilon(1e-9)); // one hour later
  // Without an epoch the file cannot be placed: a located error.
  auto r = run_capsim({"validate", dir.write("bad.yaml", site_scenario("", power, "", "1 d"))});
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("UTC timestamps: give the scenario an epoch") != std::string::npos);
}

TEST_CASE("emissions: a site on turbines only emits its fuel energy times the fuel's factor") {
  TempDir dir;
  auto power = "    turbines:\n      units: 2\n      unit_capacity: 2.5 MW\n"
               "      start_delay: 0 s\n      fuel: natural_gas\n      efficiency: 0.35\n";
  // A job wants the power: turbines start for it (an idle, shed fleet asks for none).
  const std::string job = "  - name: j\n    cluster: fleet\n    gpus: 512\n    model:\n"
                          "      parameters: 7e9\n      tokens: 1e10\n"
                          "      batch_tokens: 4194304\n    mfu: 0.4\n";
  auto summary = run_ok(dir, dir.write("s.yaml", site_scenario("", power, job)));
  const auto& site = summary["sites"][0];
  const double turbine_j = site["energy_by_source_j"]["turbines"].get<double>();
  REQUIRE(turbine_j > 0);
  const double fuel_j = site["turbine_fuel_energy_j"].get<double>();
  CHECK(fuel_j == doctest::Approx(turbine_j / 0.35).epsilon(1e-12));
  // configs/fuels.yaml: natural gas 181.05 kg CO2 per MWh of fuel (EPA 53.06 kg/mmBtu).
  const double expected_t = fuel_j * 181.05 / 3.6e9 / 1000;
  const auto& e = site["emissions_tco2"];
  CHECK(std::abs(e["turbines"].get<double>() - expected_t) <= 1e-9 * expected_t);
  CHECK(e["grid"].get<double>() == 0);
  CHECK(e["total"].get<double>() == e["turbines"].get<double>());
}

TEST_CASE("emissions: the grid's hourly carbon intensity weighs each hour's energy") {
  TempDir dir;
  std::string csv = "time_s,kg_per_mwh\n";
  for (int h = 0; h <= 48; ++h)
    csv += std::to_string(3600 * h) + "," + (h % 24 < 12 ? "100" : "500") + "\n";
  dir.write("carbon.csv", csv);
  auto power = "    grid:\n      capacity: 10 MW\n    grid_carbon_intensity:\n"
               "      file: carbon.csv\n";
  auto summary = run_ok(dir, dir.write("s.yaml", site_scenario("", power, "")));
  const auto& site = summary["sites"][0];
  // The idle fleet draws a constant power: half the hours at 100, half at 500 kg/MWh.
  const double grid_j = site["energy_by_source_j"]["grid"].get<double>();
  CHECK(site["emissions_tco2"]["grid"].get<double>() ==
        doctest::Approx(grid_j * 300 / 3.6e9 / 1000).epsilon(1e-9));
}

TEST_CASE("two jobs checkpointing at once share the storage link as SimGrid flows") {
  // Storage 10 GB/s behind NICs of 400 Gbit/s per GPU: the storage link binds. A 70e9-parameter
  // job writes 14 bytes per parameter: 980 GB, ~98 s alone at 10 GB/s.
  auto job = [](const std::string& name) {
    return "  - name: " + name +
           "\n    cluster: fleet\n    gpus: 512\n    model:\n      parameters: 70e9\n"
           "      tokens: 1e9\n      batch_tokens: 4194304\n    mfu: 0.4\n"
           "    checkpoint:\n      interval: 6 h\n      size: auto\n      restart: 1 min\n";
  };
  auto power = "    grid:\n      capacity: 10 MW\n    storage:\n      bandwidth: 10 GB/s\n"
               "      latency: 0.1 ms\n";
  TempDir alone, both;
  auto a = run_ok(alone, alone.write("s.yaml", site_scenario("", power, job("a"), "1 d")));
  auto b = run_ok(both, both.write("s.yaml", site_scenario("", power, job("a") + job("b"), "1 d")));
  const double bytes = 14 * 70e9;
  const double alone_s = a["jobs"][0]["checkpoint_write_s"].get<double>();
  // Alone: the storage bandwidth, within SimGrid's bandwidth factor (0.97 in its default model).
  CHECK(bytes / alone_s == doctest::Approx(10e9).epsilon(0.04));
  for (const auto& j : b["jobs"]) {
    const double shared_s = j["checkpoint_write_s"].get<double>();
    CHECK(shared_s > 1.5 * alone_s);
    // Both at once: twice the bytes through the same link, so twice the time.
    CHECK(shared_s == doctest::Approx(2 * alone_s).epsilon(0.01));
  }
}

TEST_CASE("battery peak shaving lowers the monthly peak grid draw and the demand charge") {
  // 128 DGX H100 (no fabric, storage or other IT, to keep the figures by hand), PUE 1.2. Idle:
  // 128 x 2.0 kW x 1.2 = 307.2 kW. While the job runs on all of them: 128 x 7.8 kW x 1.2 =
  // 1,198.08 kW (DGX H100 datasheet and catalogue figures). A 15 USD/kW demand charge on the
  // month's peak. Without shaving the grid carries the job: peak 1,198.08 kW, 17,971.20 USD.
  // With the battery holding the grid to 800 kW it supplies the 398.08 kW above (about 3 h x
  // 0.4 MW = 1.2 MWh of its 3.6 MWh usable) and recharges at 800 - 307.2 kW afterwards: peak
  // 800 kW, 12,000 USD, 5,971.20 USD less.
  auto text = [](const std::string& policy) {
    return "scenario: shaving\nseed: 3\nhorizon: 2 d\noutputs:\n  interval: 15 min\n"
           "sites:\n  - name: plant\n    pue: 1.2\n    grid:\n      capacity: 10 MW\n"
           "    energy_price: 60 USD/MWh\n    demand_charge: 15 USD/kW\n"
           "    battery:\n      energy: 4 MWh\n      power: 1 MW\n"
           "      min_state_of_charge: 0.1\n" +
           policy +
           "clusters:\n  - name: fleet\n    site: plant\n    gpu: H100\n    system: DGX-H100\n"
           "    fabric: none\n    storage_per_gpu: 0 TB\n    other_it_power_per_gpu: 0 W\n"
           "    deliveries:\n      - at: 0 d\n        gpus: 1024\n"
           "    lease:\n      rate: 2 USD/GPU/h\n    failures:\n      rate: 0 /GPU/h\n"
           "      repair_time: 24 h\n"
           "jobs:\n  - name: j\n    cluster: fleet\n    gpus: 1024\n    model:\n"
           "      parameters: 7e9\n      tokens: 1e11\n      batch_tokens: 4194304\n"
           "    mfu: 0.4\n";
  };
  TempDir with, without;
  auto shaved = run_ok(with, with.write("s.yaml", text("      policy: peak_shaving\n"
                                                       "      grid_target: 800 kW\n")));
  auto plain = run_ok(without, without.write("s.yaml", text("")));
  const auto& s = shaved["sites"][0];
  const auto& p = plain["sites"][0];
  REQUIRE(p["monthly_peak_grid_w"].size() == 1); // 2 days: one billing month
  CHECK(p["monthly_peak_grid_w"][0].get<double>() == doctest::Approx(1198.08e3).epsilon(1e-9));
  CHECK(s["monthly_peak_grid_w"][0].get<double>() == doctest::Approx(800e3).epsilon(1e-9));
  CHECK(p["demand_charge_usd"].get<double>() == doctest::Approx(17971.2).epsilon(1e-9));
  CHECK(s["demand_charge_usd"].get<double>() == doctest::Approx(12000).epsilon(1e-9));
  CHECK(p["demand_charge_usd"].get<double>() - s["demand_charge_usd"].get<double>() ==
        doctest::Approx(5971.2).epsilon(1e-9));
  // The bill holds the demand charge: energy cost = grid energy + demand charge.
  for (const auto* site : {&s, &p})
    CHECK((*site)["energy_cost_usd"].get<double>() ==
          doctest::Approx((*site)["cost_by_source_usd"]["grid"].get<double>() +
                          (*site)["demand_charge_usd"].get<double>())
              .epsilon(1e-12));
  // The job ran (the peak is its draw) and the battery did the shaving, within [floor, full].
  CHECK(s["energy_by_source_j"]["battery_discharge"].get<double>() > 1e9);
  CHECK(p["energy_by_source_j"]["battery_discharge"].get<double>() == 0);
  PowerSeries w = power_series(with);
  double lowest = 1, highest = 0;
  for (std::size_t i = 0; i < w.rows.size(); ++i) {
    lowest = std::min(lowest, w.at(i, "battery_soc"));
    highest = std::max(highest, w.at(i, "battery_soc"));
  }
  CHECK(lowest >= 0.1 - 1e-9);
  CHECK(lowest < 0.9); // it discharged
  CHECK(highest <= 1 + 1e-12);
  CHECK(w.at(w.rows.size() - 1, "battery_soc") == doctest::Approx(1).epsilon(1e-9)); // refilled
}

namespace {

// 128 DGX H100 idle all day (no job, no fabric, storage or other IT): 128 x 2.0 kW x PUE 1.2 =
// 307.2 kW, constant (DGX H100 catalogue idle figure). Hourly grid prices from `prices.csv`
// (ISO UTC rows from the epoch 2025-07-01T00:00Z), and `battery` (YAML lines, may be empty).
std::string priced_day(const std::string& battery) {
  return "scenario: priced\nseed: 3\nhorizon: 1 d\nepoch: 2025-07-01T00:00:00Z\n"
         "outputs:\n  interval: 15 min\nsites:\n  - name: plant\n    pue: 1.2\n"
         "    grid:\n      capacity: 10 MW\n    energy_price:\n      file: prices.csv\n" +
         battery +
         "clusters:\n  - name: fleet\n    site: plant\n    gpu: H100\n    system: DGX-H100\n"
         "    fabric: none\n    storage_per_gpu: 0 TB\n    other_it_power_per_gpu: 0 W\n"
         "    deliveries:\n      - at: 0 d\n        gpus: 1024\n"
         "    lease:\n      rate: 2 USD/GPU/h\n    failures:\n      rate: 0 /GPU/h\n"
         "      repair_time: 24 h\n";
}

// One row per hour of 2025-07-01 (UTC), USD/MWh.
std::string price_csv(double (*price)(int hour)) {
  std::string csv = "time_utc,usd_per_mwh\n";
  for (int h = 0; h < 24; ++h) {
    char row[64];
    std::snprintf(row, sizeof row, "2025-07-01T%02d:00:00Z,%.6g\n", h, price(h));
    csv += row;
  }
  return csv;
}

} // namespace

TEST_CASE("energy cost at hourly prices is the sum of each hour's energy times its price") {
  // 307.2 kW every hour: 0.3072 MWh at 20 + 5 h USD/MWh in hour h, 0.3072 x 1,860 = 571.392 USD.
  TempDir dir;
  dir.write("prices.csv", price_csv([](int h) { return 20.0 + 5.0 * h; }));
  auto out = run_ok(dir, dir.write("s.yaml", priced_day("")));
  const auto& site = out["sites"][0];
  double expected_usd = 0;
  for (int h = 0; h < 24; ++h)
    expected_usd += 307.2e3 * 3600 * (20.0 + 5.0 * h) / 3.6e9;
  CHECK(expected_usd == doctest::Approx(571.392).epsilon(1e-12));
  CHECK(site["energy_by_source_j"]["grid"].get<double>() ==
        doctest::Approx(307.2e3 * 86400).epsilon(1e-9));
  CHECK(site["cost_by_source_usd"]["grid"].get<double>() ==
        doctest::Approx(expected_usd).epsilon(1e-9));
  CHECK(site["energy_cost_usd"].get<double>() == doctest::Approx(expected_usd).epsilon(1e-9));
}

TEST_CASE("arbitrage lowers a two-price day's bill by what the round-trip efficiency allows") {
  // 20 USD/MWh until noon, 100 USD/MWh after. Battery: 1 MWh, 1 MW, floor 0.1, starting at the
  // floor, round trip 0.81 (0.9 each way); charge at <= 30, discharge at >= 90 USD/MWh.
  // Without a battery: 0.3072 MW x 12 h x (20 + 100) = 442.368 USD.
  // With it: at midnight the grid fills the 0.9 MWh usable with 0.9 / 0.9 = 1 MWh (1 h at
  // 1 MW): +20 USD. From noon the battery carries the 307.2 kW load until it has given
  // 0.9 x 0.9 = 0.81 MWh (2.64 h): -81 USD. Bill 381.368 USD, 61 USD less; with a lossless
  // battery it would be 0.9 x (100 - 20) = 72 USD less.
  auto two_price = [](int h) { return h < 12 ? 20.0 : 100.0; };
  const std::string battery = "    battery:\n      energy: 1 MWh\n      power: 1 MW\n"
                              "      min_state_of_charge: 0.1\n      initial_state_of_charge: 0.1\n"
                              "      round_trip_efficiency: 0.81\n";
  TempDir with, without, merit;
  for (TempDir* d : {&with, &without, &merit})
    d->write("prices.csv", price_csv(two_price));
  auto a = run_ok(with, with.write("s.yaml", priced_day(battery + "      policy: arbitrage\n"
                                                                  "      charge_below: 30 USD/MWh\n"
                                                                  "      discharge_above: 90 "
                                                                  "USD/MWh\n")));
  auto n = run_ok(without, without.write("s.yaml", priced_day("")));
  auto m = run_ok(merit, merit.write("s.yaml", priced_day(battery)));
  const double none_usd = n["sites"][0]["energy_cost_usd"].get<double>();
  const double arbitrage_usd = a["sites"][0]["energy_cost_usd"].get<double>();
  CHECK(none_usd == doctest::Approx(442.368).epsilon(1e-9));
  CHECK(arbitrage_usd == doctest::Approx(381.368).epsilon(1e-9));
  CHECK(none_usd - arbitrage_usd == doctest::Approx(61).epsilon(1e-9));
  // Energy: 1 MWh into the battery, 0.81 MWh out of it.
  CHECK(a["sites"][0]["energy_by_source_j"]["battery_charge"].get<double>() ==
        doctest::Approx(3.6e9).epsilon(1e-9));
  CHECK(a["sites"][0]["energy_by_source_j"]["battery_discharge"].get<double>() ==
        doctest::Approx(0.81 * 3.6e9).epsilon(1e-9));
  // Merit order fills the battery at midnight too, but never sells: 20 USD more than none.
  CHECK(m["sites"][0]["energy_cost_usd"].get<double>() - none_usd ==
        doctest::Approx(20).epsilon(1e-9));
  // State of charge within [floor, full]: full from 01:00 to noon, back at the floor by night.
  PowerSeries s = power_series(with);
  for (std::size_t i = 0; i < s.rows.size(); ++i) {
    CHECK(s.at(i, "battery_soc") >= 0.1 - 1e-9);
    CHECK(s.at(i, "battery_soc") <= 1 + 1e-12);
  }
  CHECK(soc_at(s, 6 * 3600.0) == doctest::Approx(1).epsilon(1e-9));
  CHECK(soc_at(s, 18 * 3600.0) == doctest::Approx(0.1).epsilon(1e-9));
}

TEST_CASE("battery policy arbitrage: thresholds are required, ordered and its own") {
  TempDir dir;
  dir.write("prices.csv", price_csv([](int h) { return 20.0 + h; }));
  const std::string battery = "    battery:\n      energy: 1 MWh\n      power: 1 MW\n";
  auto missing = run_capsim(
      {"validate", dir.write("a.yaml", priced_day(battery + "      policy: arbitrage\n"))});
  CHECK(missing.exit_code == 2);
  CHECK(missing.output.find("policy arbitrage needs charge_below and discharge_above") !=
        std::string::npos);
  auto reversed = run_capsim(
      {"validate",
       dir.write("b.yaml", priced_day(battery + "      policy: arbitrage\n"
                                                "      charge_below: 90 USD/MWh\n"
                                                "      discharge_above: 30 USD/MWh\n"))});
  CHECK(reversed.exit_code == 2);
  CHECK(reversed.output.find("must be below the discharge threshold") != std::string::npos);
  auto stray = run_capsim(
      {"validate", dir.write("c.yaml", priced_day(battery + "      charge_below: 30 USD/MWh\n"))});
  CHECK(stray.exit_code == 2);
  CHECK(stray.output.find("c.yaml:") != std::string::npos);
  CHECK(stray.output.find("charge_below is for policy arbitrage") != std::string::npos);
}
