// One cost scope on every side: GPU capital, site capex amortised for the time counted, and opex;
// sites over the horizon, jobs over their own window; a backlog workload; costs that follow
// goodput; `--set` on site_costs items; the printed comparison equal to summary.json.
#include <doctest/doctest.h>

#include <sstream>

#include <fmt/format.h>

#include "capsim_process.hpp"
#include "sim/finance/finance.hpp"

using namespace capsim::test;

namespace {

constexpr double year_s = 365.25 * 86400;

const nlohmann::json& by_key(const nlohmann::json& list, const std::string& key,
                             const std::string& value) {
  for (const auto& item : list)
    if (item[key] == value) return item;
  throw std::runtime_error("no item " + key + "=" + value);
}

// One ground site, one purchased cluster, one job on all of it, no failures: every item of the
// job's window cost has a closed form.
std::string ground_scenario(const std::string& tokens) {
  return "scenario: scope\nseed: 1\nhorizon: 60 d\noutputs:\n  interval: 6 h\n"
         "sites:\n  - name: g\n    grid: {capacity: 20 MW}\n    pue: 1.2\n"
         "    energy_price: 60 USD/MWh\n    storage: {bandwidth: 100 GB/s}\n"
         "clusters:\n  - name: c\n    site: g\n    gpu: H100\n    system: DGX-H100\n"
         "    deliveries: [{at: 0 d, gpus: 1024}]\n    failures: {rate: 0 /GPU/h}\n"
         "jobs:\n  - name: j\n    cluster: c\n    gpus: 1024\n    start: 5 d\n"
         "    model: {parameters: 70e9, tokens: " +
         tokens +
         "}\n"
         "    checkpoint: {interval: 2 h, size: 1 TB, restart: 120 s}\n"
         "finance:\n  gpu_life: 4 yr\n  site_costs:\n    - site: g\n"
         "      capex_per_it_power: 10e6 USD/MW\n      facility_life: 10 yr\n"
         "      maintenance: 2 %\n";
}

} // namespace

TEST_CASE("a job's cost is its own window: GPU capital, and its share of the site, by equation") {
  TempDir dir;
  auto s = run_ok(dir, dir.write("a.yaml", ground_scenario("1e12")), {}, "a");
  const auto& job = s["jobs"][0];
  REQUIRE(job["completed"].get<bool>());
  const auto& run = s["finance"]["training_runs"][0];
  const double start = job["first_start_s"].get<double>(), end = job["completion_s"].get<double>();
  CHECK(run["window_start_s"].get<double>() == start);
  CHECK(run["window_end_s"].get<double>() == end);
  // It arrives at 5 d and runs after its start-up (restart overhead and checkpoint read).
  CHECK(start >= 5 * 86400.0);
  CHECK(start < 5 * 86400.0 + 600);
  // DGX-H100: 8 GPUs for the system's catalogue price; straight line over the 4-year GPU life.
  const auto& capital = s["finance"]["gpu_capital"][0];
  CHECK(capital["basis"] == "purchase");
  const double price = capital["price_per_gpu_usd"].get<double>();
  CHECK(price > 27500); // a server's share per GPU is above the GPU's own price
  CHECK(capital["life_s"].get<double>() == doctest::Approx(4 * year_s));
  CHECK(run["gpu_capital_usd"].get<double>() ==
        doctest::Approx(price / (4 * year_s) * 1024 * (end - start)).epsilon(1e-9));
  // The site over the horizon: all 1,024 GPUs for 60 days.
  const auto& site = s["finance"]["sites"][0];
  CHECK(site["gpu_capital_usd"].get<double>() ==
        doctest::Approx(price / (4 * year_s) * 1024 * 60 * 86400).epsilon(1e-9));
  // The job holds every GPU of the site: its share is 1, so its capex is the facility's,
  // amortised for the window only (not the horizon, not the whole life).
  const double facility = site["facility_usd"].get<double>();
  CHECK(run["capex_usd"].get<double>() ==
        doctest::Approx(facility * (end - start) / (60 * 86400)).epsilon(1e-9));
  CHECK(run["cost_usd"].get<double>() ==
        doctest::Approx(run["gpu_capital_usd"].get<double>() + run["capex_usd"].get<double>() +
                        run["opex_usd"].get<double>())
            .epsilon(1e-12));
  CHECK(run["cost_usd"].get<double>() < site["total_usd"].get<double>());
  // The site's total is its items; its cost per useful EFLOP is that over the job's FLOP.
  CHECK(site["total_usd"].get<double>() ==
        doctest::Approx(site["capex_usd"].get<double>() + site["opex_usd"].get<double>() +
                        site["gpu_capital_usd"].get<double>())
            .epsilon(1e-12));
  CHECK(site["cost_per_eflop_usd"].get<double>() ==
        doctest::Approx(site["total_usd"].get<double>() / (job["flop_done"].get<double>() / 1e18))
            .epsilon(1e-12));
}

TEST_CASE("a backlog job always has work: it runs to the horizon, and the site is costed by it") {
  TempDir dir;
  auto s = run_ok(dir, dir.write("b.yaml", ground_scenario("backlog")), {}, "b");
  const auto& job = s["jobs"][0];
  CHECK(job["backlog"] == true);
  CHECK_FALSE(job["completed"].get<bool>());
  CHECK(job["flop_total"].is_null());
  const auto& run = s["finance"]["training_runs"][0];
  CHECK(run["window_end_s"].get<double>() == doctest::Approx(60 * 86400.0));
  // No failures: it computes at full rate from its start to the horizon, less checkpoints.
  CHECK(job["goodput_fraction"].get<double>() > 0.95);
  const auto& site = s["finance"]["sites"][0];
  CHECK(site["useful_flop"].get<double>() == job["flop_done"].get<double>());
}

TEST_CASE("cost per useful EFLOP strictly rises with the radiation dose rate, all else equal") {
  TempDir dir;
  double previous_job = 0, previous_site = 0, previous_goodput = 1;
  for (const char* dose : {"30 rad/yr", "150 rad/yr", "750 rad/yr"}) {
    const std::string out = fmt::format("d{}", std::string(dose).substr(0, 3));
    // The orbital job as a backlog: the constellation is costed by the useful work it delivers.
    auto s = run_ok(dir, source_path("scenarios/ground-vs-orbit.yaml"),
                    {"--set", fmt::format("sites.orbit.radiation.dose_rate={}", dose), "--set",
                     "jobs.in-orbit.model.tokens=backlog", "--set", "horizon=120 d"},
                    out);
    const auto& job = by_key(s["jobs"], "name", "in-orbit");
    const double goodput = job["goodput_fraction"].get<double>();
    const double per_job =
        by_key(s["finance"]["training_runs"], "job", "in-orbit")["cost_per_eflop_usd"]
            .get<double>();
    const double per_site =
        by_key(s["finance"]["sites"], "site", "orbit")["cost_per_eflop_usd"].get<double>();
    INFO(std::string(dose), ": goodput ", goodput, ", job ", per_job, " USD/EFLOP, site ",
         per_site);
    CHECK(goodput < previous_goodput);
    CHECK(per_job > previous_job);
    CHECK(per_site > previous_site);
    previous_job = per_job;
    previous_site = per_site;
    previous_goodput = goodput;
  }
}

TEST_CASE("--set reaches a site_costs item by its site: finance.site_costs.orbit.launch_price") {
  TempDir dir;
  const std::string file = source_path("scenarios/ground-vs-orbit.yaml");
  auto base = run_ok(dir, file, {"--set", "horizon=10 d"}, "base");
  auto cheap =
      run_ok(dir, file,
             {"--set", "horizon=10 d", "--set", "finance.site_costs.orbit.launch_price=500 USD/kg"},
             "cheap");
  const auto& b = by_key(base["finance"]["sites"], "site", "orbit");
  const auto& c = by_key(cheap["finance"]["sites"], "site", "orbit");
  const double mass_kg =
      by_key(base["sites"], "name", "orbit")["satellite"]["mass_kg"].get<double>();
  const double satellites =
      by_key(base["sites"], "name", "orbit")["satellites_in_orbit"].get<double>();
  // Launch cost is amortised: satellites x mass x price x horizon / satellite life.
  CHECK(c["launch_usd"].get<double>() ==
        doctest::Approx(satellites * mass_kg * 500 * 10 * 86400 / (5 * year_s)).epsilon(1e-9));
  CHECK(c["launch_usd"].get<double>() < b["launch_usd"].get<double>());
  // An item that is not there names the ones that are.
  auto result = run_capsim({"run", file, "-o", dir.path("bad"), "-q", "--set",
                            "finance.site_costs.moon.launch_price=1 USD/kg"});
  CHECK(result.exit_code == 2);
  CHECK(result.output.find("no item named 'moon'") != std::string::npos);
  CHECK(result.output.find("ground, orbit") != std::string::npos);
}

TEST_CASE("the printed comparison of sites shows summary.json's numbers") {
  TempDir dir;
  auto result =
      run_capsim({"run", source_path("scenarios/ground-vs-orbit.yaml"), "-o", dir.path("out")});
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  auto s = read_json(dir.path("out/summary.json"));
  CHECK(result.output.find("sites compared") != std::string::npos);
  for (const auto& site : s["finance"]["sites"]) {
    const std::string name = site["site"].get<std::string>();
    std::istringstream in(result.output);
    std::string line, row;
    while (std::getline(in, line))
      if (row.empty() && line.rfind("    " + name + " ", 0) == 0) row = line;
    INFO(name, ": ", row);
    REQUIRE(!row.empty());
    for (const char* key : {"capex_usd", "opex_usd", "gpu_capital_usd", "total_usd"})
      CHECK(row.find(capsim::usd_text(site[key].get<double>())) != std::string::npos);
    CHECK(row.find(fmt::format("{:.4g} USD", site["cost_per_eflop_usd"].get<double>())) !=
          std::string::npos);
    const auto& summary_site = by_key(s["sites"], "name", name);
    CHECK(row.find(fmt::format("{:.3f}", summary_site["goodput_fraction"].get<double>())) !=
          std::string::npos);
  }
  // Engine lines only with --verbose.
  CHECK(result.output.find("engine:") == std::string::npos);
  auto verbose = run_capsim({"run", source_path("scenarios/ground-vs-orbit.yaml"), "-o",
                             dir.path("v"), "--verbose", "--set", "horizon=2 d"});
  CHECK(verbose.output.find("engine:") != std::string::npos);
}

TEST_CASE("every site's goodput loss parts and goodput add up to 1") {
  TempDir dir;
  auto s = run_ok(dir, source_path("scenarios/ground-vs-orbit.yaml"), {}, "out");
  for (const auto& site : s["sites"]) {
    double sum = site["goodput_fraction"].get<double>();
    for (const auto& [name, value] : site["goodput_loss"].items())
      if (value.is_object())
        for (const auto& [cause, share] : value.items())
          sum += share.get<double>();
      else
        sum += value.get<double>();
    CHECK(sum == doctest::Approx(1).epsilon(1e-9));
  }
}
