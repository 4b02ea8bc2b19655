// Satellites as designed and flown: sized once for their design life (the same whatever the
// run's dates), losses per failed unit, end of life and replacement launches.
#include <doctest/doctest.h>

#include <cctype>
#include <cmath>
#include <fstream>
#include <map>

#include <fmt/format.h>

#include "capsim_process.hpp"
#include "models/training.hpp"
#include "sim/scenario/loader.hpp"

using namespace capsim;

namespace {

std::string scenario_path(const std::string& name) {
  return std::string(CAPSIM_SOURCE_DIR) + "/scenarios/" + name;
}

const SiteSpec& orbital_site(const Scenario& s) {
  for (const SiteSpec& site : s.sites)
    if (site.kind == SiteKind::orbital) return site;
  FAIL("no orbital site");
  return s.sites.front();
}

} // namespace

TEST_CASE("a satellite is designed for its mission, not for the run's dates") {
  for (const char* file : {"orbital-sso.yaml", "ground-vs-orbit.yaml"}) {
    INFO(file);
    const Scenario whole_year =
        load_scenario(scenario_path(file), {parse_override("horizon=365 d")});
    const std::string site = orbital_site(whole_year).name;
    const Scenario spring = load_scenario(
        scenario_path(file), {parse_override("horizon=120 d"),
                              parse_override("sites." + site + ".orbit.epoch=2027-04-01")});
    REQUIRE(orbital_site(spring).orbital.orbit.epoch_days_j2000 >
            orbital_site(whole_year).orbital.orbit.epoch_days_j2000 + 80);
    const SatelliteBudget& a = orbital_site(whole_year).satellite;
    const SatelliteBudget& b = orbital_site(spring).satellite;
    // Bit for bit: nothing of the run's dates or horizon enters the design.
    CHECK(a.total_mass_kg == b.total_mass_kg);
    CHECK(a.battery_energy_j == b.battery_energy_j);
    CHECK(a.array_power_bol_w == b.array_power_bol_w);
    CHECK(a.radiator_area_m2 == b.radiator_area_m2);
    CHECK(a.platform_cost_usd == b.platform_cost_usd);
    // A dawn-dusk orbit has an eclipse season: the battery is there even for a spring run,
    // which itself sees no eclipse.
    CHECK(b.battery_energy_j > 0);
  }
}

TEST_CASE("the design life sizes the arrays at end of life") {
  const std::string file = scenario_path("orbital-sso.yaml");
  const Scenario five =
      load_scenario(file, {parse_override("sites.dawn-dusk.satellite.design_life=5 yr")});
  const Scenario ten =
      load_scenario(file, {parse_override("sites.dawn-dusk.satellite.design_life=10 yr")});
  const SatelliteBudget& a = orbital_site(five).satellite;
  const SatelliteBudget& b = orbital_site(ten).satellite;
  // 2 %/yr: ten years need 1 / 0.98^5 more array power at launch than five.
  CHECK(b.array_power_bol_w / a.array_power_bol_w == doctest::Approx(1 / std::pow(0.98, 5)));
  CHECK(b.array_power_eol_w == a.array_power_eol_w);
  CHECK(b.total_mass_kg > a.total_mass_kg);
}

// ---- whole runs ------------------------------------------------------------------------------

namespace {

using capsim::test::column;
using capsim::test::read_csv;
using capsim::test::run_ok;
using capsim::test::TempDir;

struct Events {
  std::vector<std::vector<std::string>> rows;
  std::size_t time = 0, kind = 0, detail = 0;
  explicit Events(const std::string& path) {
    std::vector<std::string> header;
    rows = read_csv(path, header);
    time = column(header, "time_s");
    kind = column(header, "kind");
    detail = column(header, "detail");
  }
};

// The integer just before `word` in `text` ("... with 23 GPUs" -> 23 for "GPUs"); -1 if none.
long long number_before(const std::string& text, const std::string& word) {
  const std::size_t at = text.rfind(" " + word);
  if (at == std::string::npos) return -1;
  std::size_t start = at;
  while (start > 0 && std::isdigit(static_cast<unsigned char>(text[start - 1])))
    --start;
  if (start == at) return -1;
  return std::stoll(text.substr(start, at - start));
}

} // namespace

TEST_CASE("a permanent failure takes out its failure unit, the satellite flies on") {
  for (const auto& [unit, gpus] : {std::pair<std::string, int>{"gpu", 1}, {"board", 8}}) {
    INFO("failure_unit " << unit);
    TempDir dir;
    auto summary =
        run_ok(dir, capsim::test::source_path("scenarios/orbital-sso.yaml"),
               {"--set", "horizon=40 d", "--set", "sites.dawn-dusk.satellite.failure_unit=" + unit,
                "--set", "sites.dawn-dusk.launch.failure_probability=0", "--set",
                "clusters.constellation.failures.rate=2e-3 /GPU/h", "--set",
                "clusters.constellation.failures.permanent_fraction=1"});
    Events events(dir.path("out/events.csv"));
    std::map<std::string, long long> left; // satellite -> GPUs it flies
    long long lost = 0;
    for (const auto& e : events.rows) {
      if (e[events.kind] != "failure") continue;
      const std::string& d = e[events.detail];
      REQUIRE(d.find("lost for good") != std::string::npos);
      // "failure: constellation-sat3-gpu5 (1 GPUs) lost for good; its satellite flies on ..."
      const std::size_t sat = d.find("-sat");
      const std::string satellite = d.substr(sat + 4, d.find('-', sat + 4) - sat - 4);
      CHECK(d.find("-" + unit) != std::string::npos);
      CHECK(number_before(d, "GPUs)") == gpus);
      const long long before = left.count(satellite) ? left[satellite] : 24;
      CHECK(number_before(d, "GPUs") == before - gpus); // "flies on with N GPUs"
      left[satellite] = before - gpus;
      ++lost;
    }
    CHECK(lost > 20);
    // Every satellite launched is still in orbit, short of exactly the units lost.
    const auto& site = summary["sites"][0];
    CHECK(site["satellites_in_orbit"].get<long long>() == 81);
    CHECK(site["gpus_in_orbit"].get<long long>() == 81 * 24 - lost * gpus);
    CHECK(summary["clusters"][0]["lost"].get<long long>() == lost);
  }
}

TEST_CASE("satellites retire at end of life, replacement launches bring the GPUs back") {
  auto run = [](const std::string& policy, TempDir& dir) {
    return run_ok(dir, capsim::test::source_path("scenarios/orbital-sso.yaml"),
                  {"--set", "horizon=60 d", "--set", "sites.dawn-dusk.satellite.design_life=20 d",
                   "--set", "sites.dawn-dusk.satellite.replacement=" + policy, "--set",
                   "sites.dawn-dusk.launch.failure_probability=0", "--set",
                   "clusters.constellation.failures.rate=0 /GPU/h"});
  };
  const long long full = 81 * 24;
  {
    TempDir dir;
    auto summary = run("at_end_of_life", dir);
    Events events(dir.path("out/events.csv"));
    int retirements = 0, replacements = 0;
    long long in_orbit = 0;
    for (const auto& e : events.rows) {
      const std::string& kind = e[events.kind];
      if (kind == "end_of_life") {
        ++retirements;
        const long long after = number_before(e[events.detail], "GPUs in orbit");
        // A whole launch cohort leaves the constellation, with all its GPUs (no failures here).
        const long long retired = number_before(e[events.detail], "satellites retired");
        CHECK(retired > 0);
        CHECK(in_orbit - after == retired * 24);
        in_orbit = after;
      } else if (kind == "launch" || kind == "replacement_launch") {
        // Each launch adds its satellites' GPUs: a replacement brings back what retired.
        const long long after = number_before(e[events.detail], "GPUs in orbit");
        const long long satellites = number_before(e[events.detail], "satellites;");
        CHECK(after == in_orbit + satellites * 24);
        CHECK(after <= full);
        if (kind == "replacement_launch") ++replacements;
        in_orbit = after;
      }
    }
    // 43 satellites per 60 t launch: the deployment's two launches (0 and 7 d) retire at 20 and
    // 27 d, their replacements at 40 and 47 d, theirs at 60 d.
    CHECK(retirements >= 4);
    CHECK(replacements == retirements);
    CHECK(in_orbit == full);
    const auto& site = summary["sites"][0];
    CHECK(site["replacement_launches"].get<int>() == replacements);
    CHECK(site["satellites_retired"].get<int>() > 0);
    CHECK(site["replacement_cost_usd"].get<double>() > 0);
    CHECK(site["gpus_in_orbit"].get<long long>() == full);
  }
  {
    TempDir dir;
    auto summary = run("none", dir);
    const auto& site = summary["sites"][0];
    CHECK(site["replacement_launches"].get<int>() == 0);
    CHECK(site["gpus_in_orbit"].get<long long>() ==
          full - site["satellites_retired"].get<long long>() * 24);
    CHECK(site["satellites_retired"].get<long long>() > 0);
  }
}

TEST_CASE("the same job on the ground and in orbit with equal fabric gets the same step time") {
  // Ground: a ring over the job's DGX-H100 servers, each driving 8 NICs at the network fraction
  // the step model uses for Hopper. Orbit: 8 GPUs per satellite, each inter-satellite link set
  // so that SimGrid's default flow model (LV08: 0.97 of a link's bandwidth, 13.01 x its latency;
  // Velho and Legrand 2009) delivers the same bandwidth and latency per ring step.
  const Scenario base = load_scenario(scenario_path("ground-vs-orbit.yaml"));
  const double nic = base.clusters[0].system.scale_out_bytes_per_s_per_gpu;
  const StepEfficiency eff = step_efficiency_for("H100");
  const double per_node = 8 * nic * eff.network_fraction;
  const std::string yaml = fmt::format(R"(scenario: equal-fabric
seed: 1
horizon: 20 d
sites:
  - name: ground
    grid: {{capacity: 10 MW}}
    pue: 1.2
  - name: orbit
    kind: orbital
    orbit: {{altitude: 650 km, sun_synchronous: {{ltan: 6 h}}}}
    satellite: {{failure_unit: board}}
    links: {{isl_bandwidth: {} B/s, isl_latency: {} s, downlink_bandwidth: 100 Gbit/s}}
    launch: {{price: 1000 USD/kg, payload: 60 t, interval: 1 d}}
clusters:
  - {{name: g, site: ground, gpu: H100, system: DGX-H100, gpus_per_host: 8,
     deliveries: [{{at: 0 d, gpus: 256}}], failures: {{rate: 0 /GPU/h}}}}
  - {{name: o, site: orbit, gpu: H100, system: DGX-H100, gpus_per_host: 8, satellites: 32,
     failures: {{rate: 0 /GPU/h}}}}
jobs:
  - {{name: on-ground, cluster: g, gpus: 256, start: 5 d, mfu: 0.4, parallel: {{tp: 8}},
     model: {{parameters: 70e9, tokens: 1e10, batch_tokens: 4194304}}}}
  - {{name: in-orbit, cluster: o, gpus: 256, start: 5 d, mfu: 0.4, parallel: {{tp: 8}},
     model: {{parameters: 70e9, tokens: 1e10, batch_tokens: 4194304}}}}
)",
                                       per_node / 0.97, eff.network_latency_s / 13.01);
  TempDir dir;
  const std::string file = dir.path("equal-fabric.yaml");
  std::ofstream(file) << yaml;
  auto summary = run_ok(dir, file);
  const auto& ground = summary["jobs"][0];
  const auto& orbit = summary["jobs"][1];
  INFO(ground.dump() << "\n" << orbit.dump());
  REQUIRE(ground["collective_s"].get<double>() > 0);
  // The reduction itself: 2 (n - 1) (alpha + bytes / (n B)) over 32 nodes, on both sides.
  const double bytes = 2 * 70e9;
  const double ring = 2 * 31 * (eff.network_latency_s + bytes / (32 * per_node));
  CHECK(ground["collective_s"].get<double>() == doctest::Approx(ring).epsilon(1e-9));
  CHECK(orbit["collective_s"].get<double>() == doctest::Approx(ring).epsilon(1e-6));
  CHECK(orbit["step_time_s"].get<double>() ==
        doctest::Approx(ground["step_time_s"].get<double>()).epsilon(1e-6));
  // Overlapped with the backward pass: only part of it is exposed.
  const double exposed = ground["collective_exposed_s"].get<double>();
  CHECK(exposed < ground["collective_s"].get<double>());
  CHECK(orbit["collective_exposed_s"].get<double>() == doctest::Approx(exposed).epsilon(1e-6));
}

TEST_CASE("the spares policy reorders what is lost, a whole satellite at a time") {
  // orbital-sso: 81 satellites of 24 GPUs (8-GPU boards, here lost one GPU at a time), 43 per
  // flight every 7 d. Every failure is permanent; no launch fails.
  const int satellites = 81, spares = 2, gpus = 24;
  TempDir dir;
  auto summary =
      run_ok(dir, capsim::test::source_path("scenarios/orbital-sso.yaml"),
             {"--set", "horizon=45 d", "--set", "sites.dawn-dusk.satellite.failure_unit=gpu",
              "--set", "sites.dawn-dusk.satellite.replacement=spares", "--set",
              "sites.dawn-dusk.satellite.spares=" + std::to_string(spares), "--set",
              "sites.dawn-dusk.launch.failure_probability=0", "--set",
              "clusters.constellation.failures.rate=1e-4 /GPU/h", "--set",
              "clusters.constellation.failures.permanent_fraction=1"});
  Events events(dir.path("out/events.csv"));
  const long long target = static_cast<long long>(satellites + spares) * gpus;
  long long in_orbit = 0, on_order = 0, lost = 0;
  int ordered = 0, replaced = 0;
  bool deployed = false;
  for (const auto& e : events.rows) {
    const std::string& kind = e[events.kind];
    const std::string& d = e[events.detail];
    if (kind == "failure") {
      ++lost;
      --in_orbit;
    } else if (kind == "launch" || kind == "replacement_launch") {
      const long long n = number_before(d, "satellites;");
      CHECK(number_before(d, "GPUs in orbit") == in_orbit + n * gpus);
      in_orbit += n * gpus;
      if (kind == "replacement_launch") {
        on_order -= n * gpus;
        replaced += static_cast<int>(n);
      }
      // The deployment (83 satellites: 43 + 40) is whole after its second flight.
      if (kind == "launch" && in_orbit + lost >= target) deployed = true;
    } else if (kind == "replacement_ordered") {
      const long long n = number_before(d, "satellites to fly");
      CHECK(n >= 1);
      CHECK(d.find("for GPUs lost") != std::string::npos); // nothing retires in 45 d
      // Ordered only once the deployment has flown, and only whole satellites that are missing.
      CHECK(deployed);
      CHECK(target - in_orbit - on_order >= n * gpus);
      on_order += n * gpus;
      ordered += static_cast<int>(n);
    }
    // After each event, less than one satellite's GPUs is missing and not yet ordered.
    if (deployed && (kind == "replacement_ordered" || kind == "replacement_launch"))
      CHECK(target - in_orbit - on_order < gpus);
  }
  CHECK(lost > 3 * gpus); // enough losses for several orders
  CHECK(ordered >= 3);
  CHECK(replaced >= 1);
  const auto& site = summary["sites"][0];
  CHECK(site["replacement"] == "spares");
  CHECK(site["spares"].get<int>() == spares);
  CHECK(site["gpus_in_orbit"].get<long long>() == in_orbit);
  CHECK(site["gpus_on_order"].get<long long>() == on_order);
  CHECK(site["gpus_in_orbit"].get<long long>() == target + replaced * gpus - lost);
  CHECK(site["satellites_in_orbit"].get<int>() == satellites + spares + replaced);
  CHECK(site["loss_replacement_launches"].get<int>() == site["replacement_launches"].get<int>());
  CHECK(site["loss_replacement_cost_usd"].get<double>() ==
        doctest::Approx(site["replacement_cost_usd"].get<double>()).epsilon(1e-12));
  CHECK(site["loss_replacement_cost_usd"].get<double>() > 0);
}

TEST_CASE("with spares, satellites retired at end of life are reordered too, not as losses") {
  TempDir dir;
  auto summary =
      run_ok(dir, capsim::test::source_path("scenarios/orbital-sso.yaml"),
             {"--set", "horizon=60 d", "--set", "sites.dawn-dusk.satellite.design_life=20 d",
              "--set", "sites.dawn-dusk.satellite.replacement=spares", "--set",
              "sites.dawn-dusk.satellite.spares=0", "--set",
              "sites.dawn-dusk.launch.failure_probability=0", "--set",
              "clusters.constellation.failures.rate=0 /GPU/h"});
  const auto& site = summary["sites"][0];
  CHECK(site["satellites_retired"].get<int>() > 0);
  CHECK(site["replacement_launches"].get<int>() > 0);
  CHECK(site["loss_replacement_launches"].get<int>() == 0);
  CHECK(site["loss_replacement_cost_usd"].get<double>() == 0);
  // Each retirement is reordered at once and flies a launch interval (7 d) later; at 60 d, the
  // constellation is whole or a whole order is on its way.
  CHECK(site["gpus_in_orbit"].get<long long>() + site["gpus_on_order"].get<long long>() == 81 * 24);
}

TEST_CASE("replacements of lost GPUs are costed once, in the site's window") {
  const std::vector<std::string> spares{
      "--set", "horizon=45 d",
      "--set", "sites.orbit.satellite.replacement=spares",
      "--set", "sites.orbit.satellite.spares=1",
      "--set", "sites.orbit.launch.failure_probability=0",
      "--set", "clusters.orbit-h100.failures.rate=1e-4 /GPU/h",
      "--set", "clusters.orbit-h100.failures.permanent_fraction=1"};
  TempDir dir;
  auto summary = run_ok(dir, capsim::test::source_path("scenarios/ground-vs-orbit.yaml"), spares);
  nlohmann::json site, costs;
  for (const auto& s : summary["sites"])
    if (s["name"] == "orbit") site = s;
  for (const auto& s : summary["finance"]["sites"])
    if (s["site"] == "orbit") costs = s;
  REQUIRE(site.is_object());
  REQUIRE(costs.is_object());
  const double replaced = site["loss_replacement_cost_usd"].get<double>();
  CHECK(replaced > 0);
  CHECK(costs["kind"] == "orbital");
  // No yearly replacement fraction is given: the window's replacements are the simulated ones.
  CHECK(costs["replacement_usd"].get<double>() == doctest::Approx(replaced).epsilon(1e-12));

  // A yearly replacement fraction on top would count them twice: refused.
  std::vector<std::string> args{"run", capsim::test::source_path("scenarios/ground-vs-orbit.yaml"),
                                "-o", dir.path("twice"), "-q"};
  args.insert(args.end(), spares.begin(), spares.end());
  args.insert(args.end(), {"--set", "finance.site_costs.orbit.replacement=2 %"});
  auto twice = capsim::test::run_capsim(args);
  CHECK(twice.exit_code == 2);
  CHECK(twice.output.find("count replacements twice") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.path("twice/summary.json")));
}
