// Parameter tables (models/parameter.hpp): docs/parameters.md is rendered from them and must
// match; every default lies in its range; the loader takes its defaults and ranges from them.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "sim/scenario/loader.hpp"
#include "sim/scenario/market_catalog.hpp"
#include "sim/scenario/parameter_tables.hpp"

using namespace capsim;

namespace {

const std::string docs_page = std::string(CAPSIM_SOURCE_DIR) + "/docs/parameters.md";

bool docs_updating() {
  const char* v = std::getenv("CAPSIM_DOCS_UPDATE");
  return v && *v && std::string(v) != "0";
}

std::string docs_page_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<Diagnostic> inline_errors(const std::string& text) {
  try {
    load_scenario_text(text, "inline.yaml");
  } catch (const InputError& e) {
    return e.diagnostics();
  }
  return {};
}

// An orbital site with only its required keys: every satellite and launch default applies.
const char* const bare_orbital = R"(scenario: bare-orbital
horizon: 10 d
sites:
  - name: sky
    kind: orbital
    orbit: {altitude: 650 km, sun_synchronous: {ltan: 6 h}}
    satellite: {failure_unit: board}
    links: {isl_bandwidth: 1.6 Tbit/s, downlink_bandwidth: 200 Gbit/s}
    launch: {price: 1500 USD/kg, payload: 60 t}
clusters:
  - {name: sats, site: sky, gpu: H100, gpus_per_host: 8, satellites: 4}
jobs:
  - {name: j, cluster: sats, gpus: 32, model: {parameters: 7e9, tokens: 1e10}}
)";

// A leased H100 fleet delivered on day 61 (month 2): `finance` goes at the top of its finance
// block (two spaces in), `lease` inside its lease's flow mapping, `more` after the leases.
std::string finance_scenario(const std::string& finance, const std::string& lease,
                             const std::string& more = "") {
  return "scenario: bare-finance\nhorizon: 2 d\nsites:\n  - name: plant\n    pue: 1.2\n"
         "    grid: {capacity: 20 MW}\nclusters:\n  - {name: fleet, site: plant, gpu: H100, "
         "system: DGX-H100, gpus_per_host: 8,\n     deliveries: [{at: 61 d, gpus: 64}]}\n"
         "finance:\n" +
         finance + "  leases:\n    - {name: l, cluster: fleet, lessee: lab, rate: 2 USD/GPU/h" +
         lease + "}\n" + more;
}

} // namespace

TEST_CASE("docs/parameters.md is the page rendered from the models' parameter tables") {
  const std::string expected = render_parameter_docs();
  if (docs_updating()) {
    std::ofstream(docs_page, std::ios::binary) << expected;
    MESSAGE("rewrote " << docs_page);
  }
  const std::string actual = docs_page_text(docs_page);
  if (actual != expected)
    FAIL_CHECK("docs/parameters.md differs from the parameter tables; run tools/docs-update. "
               "Expected:\n"
               << expected);
}

TEST_CASE("every parameter's default lies in its declared range, keys unique per block") {
  std::size_t count = 0;
  std::set<std::pair<std::string, std::string>> seen;
  for (const ParameterTable& table : parameter_tables()) {
    CHECK(!table.parameters.empty());
    for (const Parameter& p : table.parameters) {
      INFO(table.block << " " << p.key);
      CHECK(p.min_si <= p.max_si);
      if (p.has_default()) CHECK(p.accepts(p.default_si)); // else required, or from elsewhere
      CHECK(!(p.required && !p.default_from.empty()));
      CHECK(!p.meaning.empty());
      CHECK(seen.insert({std::string(table.block), std::string(p.key)}).second);
      if (p.whole) CHECK(p.default_si == std::floor(p.default_si));
      ++count;
    }
  }
  CHECK(count >= 20);
}

TEST_CASE("a scenario without the optional keys gets the tables' defaults") {
  Scenario s = load_scenario_text(bare_orbital, "inline.yaml");
  REQUIRE(s.sites.size() == 1);
  const OrbitalSpec& o = s.sites[0].orbital;
  CHECK(o.array.cell_efficiency == solar_array_parameter::cell_efficiency.default_si);
  CHECK(o.array.packing_factor == solar_array_parameter::packing.default_si);
  CHECK(o.craft.battery_specific_energy_j_per_kg == 200 * 3600.0);
  CHECK(o.craft.radiator_areal_mass_kg_per_m2 == 7.5);
  CHECK(o.battery_round_trip == 0.9);
  CHECK(o.radiator.emissivity == 0.88);
  CHECK(o.end_of_life_emissivity == 0.88); // follows emissivity unless given
  CHECK(o.radiator.temperature_limit_k == 320);
  CHECK(o.radiator.heat_capacity_j_per_k == 300 * 900.0);
  CHECK(o.design_life_s == 5 * julian_year_s);
  CHECK(o.launch.interval_s == 7 * 86400.0);
  CHECK(s.sites[0].min_cap_fraction == 0.5);
  REQUIRE(s.clusters.size() == 1);
  CHECK(s.clusters[0].failure_rate_per_gpu_s == 1.97e-5 / 3600);
  CHECK(std::isinf(s.clusters[0].repair_time_s)); // nothing is repaired in orbit by default
  REQUIRE(s.jobs.size() == 1);
  CHECK(s.jobs[0].mfu == 0.4);
  CHECK(s.jobs[0].mfu_source == "default");
  CHECK(s.jobs[0].global_batch_tokens == 4 * 1024 * 1024);
  CHECK(s.jobs[0].checkpoint.restart_overhead_s == 300);
  CHECK(s.jobs[0].checkpoint.snapshot_bytes_per_s == 25e9);
}

TEST_CASE("a value outside a table's range is a located error naming the range") {
  std::string text = bare_orbital;
  text.replace(text.find("{failure_unit: board}"), 21, "{cell_efficiency: 0.7}");
  text.replace(text.find("payload: 60 t}"), 14, "payload: 60 t, interval: 11 yr}");
  auto errors = inline_errors(text);
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].line == 7);
  CHECK(errors[0].message == "'cell_efficiency' in site 'sky' satellite is 0.7, outside the "
                             "accepted range [0.01, 0.6]");
  CHECK(errors[1].line == 9);
  CHECK(errors[1].message.find("'interval' in site 'sky' launch is 11 yr, outside the accepted "
                               "range [0 s, ") == 0);
}

TEST_CASE("a terrestrial battery with only energy and power gets the battery table's defaults") {
  const std::string head = "scenario: bare-battery\nhorizon: 2 d\nsites:\n  - name: plant\n"
                           "    pue: 1.2\n    grid: {capacity: 20 MW}\n";
  const std::string tail =
      "clusters:\n  - {name: fleet, site: plant, gpu: H100, system: DGX-H100, gpus_per_host: 8,\n"
      "     deliveries: [{at: 0 d, gpus: 64}]}\n";
  Scenario s = load_scenario_text(head + "    battery: {energy: 10 MWh, power: 5 MW}\n" + tail,
                                  "inline.yaml");
  REQUIRE(s.sites.size() == 1);
  const SiteSpec& site = s.sites[0];
  CHECK(site.has_battery);
  CHECK(site.battery.min_state_of_charge == 0.1);
  CHECK(site.battery_initial_soc == 1);
  // Round trip 0.9 split in equal halves: sqrt(0.9) each.
  CHECK(site.battery.charge_efficiency == doctest::Approx(std::sqrt(0.9)).epsilon(1e-12));
  CHECK(site.battery.discharge_efficiency == doctest::Approx(std::sqrt(0.9)).epsilon(1e-12));

  auto errors = inline_errors(
      head + "    battery: {energy: 10 MWh, power: 5 MW, min_state_of_charge: 1}\n" + tail);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].line == 7);
  CHECK(errors[0].message == "'min_state_of_charge' in site 'plant' battery is 1, outside the "
                             "accepted range [0, 0.99]");
}

TEST_CASE(
    "a terrestrial grid without energised is live from 0 s, and one past 50 years is an error") {
  const std::string head = "scenario: bare-grid\nhorizon: 2 d\nsites:\n  - name: plant\n"
                           "    pue: 1.2\n";
  const std::string tail =
      "clusters:\n  - {name: fleet, site: plant, gpu: H100, system: DGX-H100, gpus_per_host: 8,\n"
      "     deliveries: [{at: 0 d, gpus: 64}]}\n";
  Scenario s = load_scenario_text(head + "    grid: {capacity: 20 MW}\n" + tail, "inline.yaml");
  REQUIRE(s.sites.size() == 1);
  REQUIRE(s.sites[0].grid.steps.size() == 1);
  CHECK(s.sites[0].grid.steps[0].at_s == grid_parameter::energised.default_si);
  CHECK(s.sites[0].grid.steps[0].capacity_w == 20e6);

  auto errors = inline_errors(head + "    grid: {capacity: 20 MW, energised: 51 yr}\n" + tail);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].line == 6);
  CHECK(errors[0].message.find("'energised' in site 'plant' grid is 51 yr, outside the accepted "
                               "range [0 s, ") == 0);
}

TEST_CASE("a finance block and a lease with only their required keys get the tables' defaults") {
  Scenario s = load_scenario_text(finance_scenario("", ", term: 36 months"), "inline.yaml");
  const FinanceSpec& f = s.finance;
  CHECK(f.gpu_life_s == 5 * julian_year_s);
  CHECK(!f.discount_rate);
  REQUIRE(f.leases.size() == 1);
  CHECK(f.leases[0].annual_escalator == lease_parameter::escalator.default_si);
  CHECK(f.leases[0].start_month == 2); // the cluster's first delivery month
  CHECK(!f.leases[0].purchase_option_usd);
  CHECK(f.leases[0].term_months == 36);

  auto errors = inline_errors(finance_scenario("  gpu_life: 51 yr\n", ", escalator: 100 %"));
  REQUIRE(errors.size() == 3);
  CHECK(errors[0].line == 11);
  CHECK(errors[0].message.find(
            "'gpu_life' in finance is 51 yr, outside the accepted range (0 s, ") == 0);
  CHECK(errors[1].line == 13);
  CHECK(errors[1].message == "lease 'l' is missing required key 'term'");
  CHECK(errors[2].line == 13);
  CHECK(errors[2].message ==
        "'escalator' in lease 'l' is 1, outside the accepted range [-0.99, 0.99]");
}

TEST_CASE(
    "a vehicle's debt blocks get the debt tables' defaults, and a value out of range is an error") {
  const std::string vehicle = "  vehicles:\n    - name: v\n      lease: l\n"
                              "      price_per_gpu: 30000 USD\n      debt:\n";
  const std::string floating = "        rate: floating\n        margin: 2 %\n"
                               "        base_rate: {initial: 4 %, long_run: 3 %}\n";
  Scenario s = load_scenario_text(
      finance_scenario("", ", term: 36 months",
                       vehicle + "        loan_to_cost: 60 %\n        term: 36 months\n" +
                           floating + "        swap: {rate: 4 %}\n        covenants: {}\n"),
      "inline.yaml");
  REQUIRE(s.finance.vehicles.size() == 1);
  const VehicleSpec& v = s.finance.vehicles[0];
  CHECK(v.debt.rate_kind == RateKind::floating);
  CHECK(v.debt.margin == doctest::Approx(0.02).epsilon(1e-12));
  CHECK(v.debt.term_months == 36);
  CHECK(v.debt.balloon_fraction == debt_parameter::balloon.default_si);
  CHECK(v.debt.sweep_fraction == 0);
  CHECK(v.debt.upfront_fee_fraction == 0);
  CHECK(v.debt.grace_months == 0);
  CHECK(v.debt.reserve_months == 0);
  CHECK(v.debt.swap.present);
  CHECK(v.debt.swap.notional_fraction == 1); // the whole debt is swapped
  CHECK(v.debt.lockup_dscr == 0);            // no covenant
  CHECK(v.debt.default_dscr == 0);
  REQUIRE(v.base_rate_model);
  CHECK(v.base_rate_model->reversion_per_year == 0);
  CHECK(v.base_rate_model->volatility_per_sqrt_year == 0); // a deterministic path

  // One value out of range per table, and a required key missing.
  auto errors = inline_errors(finance_scenario(
      "", ", term: 36 months",
      vehicle + "        loan_to_cost: 60 %\n        term: 36 months\n        rate: floating\n"
                "        margin: 2 %\n        base_rate: {initial: 4 %, long_run: 3 %, volatility: "
                "100 %}\n        swap: {rate: 4 %, notional: 150 %}\n        balloon: 100 %\n"
                "        refinance: {margin: 1 %, term: 0 months}\n"
                "        covenants: {lockup_dscr: 101}\n"));
  REQUIRE(errors.size() == 5);
  CHECK(errors[0].line == 22);
  CHECK(errors[0].message == "'volatility' in vehicle 'v' debt base_rate is 1, outside the "
                             "accepted range [0, 0.99]");
  CHECK(errors[1].line == 23);
  CHECK(errors[1].message ==
        "'notional' in vehicle 'v' debt swap is 1.5, outside the accepted range [0, 1]");
  CHECK(errors[2].line == 24);
  CHECK(errors[2].message ==
        "'balloon' in vehicle 'v' debt is 1, outside the accepted range [0, 0.99]");
  CHECK(errors[3].line == 25);
  CHECK(errors[3].message.find("'term' in vehicle 'v' debt refinance is 0 s, outside the "
                               "accepted range [") == 0);
  CHECK(errors[4].line == 26);
  CHECK(errors[4].message ==
        "'lockup_dscr' in vehicle 'v' debt covenants is 101, outside the accepted range [0, 100]");
}

TEST_CASE("a vehicle's capex, fees, costs, default, market and residual get their tables' "
          "defaults, and a value out of range is an error") {
  const std::string head = "  vehicles:\n    - name: v\n      lease: l\n"
                           "      price_per_gpu: 30000 USD\n"
                           "      debt: {loan_to_cost: 60 %, rate: 8 %, term: 36 months}\n";
  Scenario s = load_scenario_text(
      finance_scenario("  start_date: 2026-03\n", ", term: 36 months",
                       head + "      capex: {}\n      fees: {}\n      lessor_costs: {}\n"
                              "      lessee_default: {hazard: 5 %}\n      market: {}\n"
                              "      residual: {}\n"),
      "inline.yaml");
  REQUIRE(s.finance.vehicles.size() == 1);
  const VehicleSpec& v = s.finance.vehicles[0];
  const MarketCatalog& market = default_market_catalog();
  // Catalogue defaults (configs/market.yaml).
  REQUIRE(market.find_fabric(market.default_fabric));
  CHECK(v.capex.networking_usd ==
        market.find_fabric(market.default_fabric)->networking_usd_per_gpu);
  CHECK(v.capex.storage_usd == market.storage_usd_per_gpu);
  CHECK(v.spares_fraction == market.spares_fraction);
  CHECK(v.costs.insurance_fraction_per_year == market.costs.insurance_fraction_per_year);
  CHECK(v.costs.warranty_months == market.costs.warranty_months);
  CHECK(!v.replacement_given); // the unit's price
  REQUIRE(v.market);
  REQUIRE(market.curve("H100"));
  CHECK(v.market->annual_decline == market.curve("H100")->annual_decline);
  CHECK(v.market->economic_life_years == market.curve("H100")->economic_life_years);
  // Fixed defaults.
  CHECK(v.fees.commitment_fraction_per_year == fees_parameter::commitment.default_si);
  CHECK(v.fees.legal_usd == 0);
  CHECK(v.credit_risk);
  CHECK(!v.default_month); // drawn with the hazard
  CHECK(v.default_hazard_per_year == doctest::Approx(0.05).epsilon(1e-12));
  CHECK(v.repossession_months == 0);
  CHECK(v.residual.life_years == 5);
  CHECK(v.residual.declining_multiplier == 2);
  CHECK(v.residual.floor_fraction == 0);

  auto errors = inline_errors(finance_scenario(
      "  start_date: 2026-03\n", ", term: 36 months",
      head + "      capex: {spares: 200 %}\n      fees: {legal: -1 USD}\n"
             "      lessor_costs: {remarketing: 2}\n      lessee_default: {hazard: 11}\n"
             "      market: {used_floor: 1}\n      residual: {multiplier: 0}\n"));
  REQUIRE(errors.size() == 6);
  CHECK(errors[0].line == 19);
  CHECK(errors[0].message ==
        "'spares' in vehicle 'v' capex is 2, outside the accepted range [0, 1]");
  CHECK(errors[1].line == 20);
  CHECK(errors[1].message.find("'legal' in vehicle 'v' fees is -1 USD, outside the accepted "
                               "range [0 USD, ") == 0);
  CHECK(errors[2].line == 21);
  CHECK(errors[2].message ==
        "'remarketing' in vehicle 'v' lessor_costs is 2, outside the accepted range [0, 1]");
  CHECK(errors[3].line == 22);
  CHECK(errors[3].message ==
        "'hazard' in vehicle 'v' lessee_default is 11, outside the accepted range [0, 10]");
  CHECK(errors[4].line == 23);
  CHECK(errors[4].message ==
        "'used_floor' in vehicle 'v' market is 1, outside the accepted range [0, 0.99]");
  CHECK(errors[5].line == 24);
  CHECK(errors[5].message ==
        "'multiplier' in vehicle 'v' residual is 0, outside the accepted range (0, 100]");
}

TEST_CASE("site costs get the ground and orbital TCO tables' defaults, and a value out of range is "
          "an error") {
  const std::string ground = "  site_costs:\n    - {site: plant";
  Scenario s =
      load_scenario_text(finance_scenario("", ", term: 36 months", ground + "}\n"), "inline.yaml");
  REQUIRE(s.finance.site_costs.size() == 1);
  const GroundTcoParams& g = s.finance.site_costs[0].ground;
  CHECK(g.facility_life_s == ground_tco_parameter::facility_life.default_si);
  CHECK(g.facility_life_s == 15 * julian_year_s);
  CHECK(g.hardware_life_s == 5 * julian_year_s);
  CHECK(g.facility_capex_usd_per_w == 0);
  CHECK(g.it_capacity_w == 0); // the site's fleet at its systems' maximum power, at use
  auto errors = inline_errors(
      finance_scenario("", ", term: 36 months", ground + ", facility_life: 101 yr}\n"));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].line == 14);
  CHECK(errors[0].message.find("'facility_life' in site cost 'plant' is 101 yr, outside the "
                               "accepted range (0 s, ") == 0);

  const std::string orbital = std::string(bare_orbital) + "finance:\n  site_costs:\n"
                                                          "    - {site: sky, kind: orbital";
  Scenario o = load_scenario_text(orbital + "}\n", "inline.yaml");
  REQUIRE(o.finance.site_costs.size() == 1);
  const OrbitalTcoParams& t = o.finance.site_costs[0].orbital;
  CHECK(t.satellites == o.sites[0].satellites); // the site's own (no spares policy)
  CHECK(t.satellite_life_s == o.sites[0].orbital.design_life_s);
  CHECK(t.satellite_mass_kg == o.sites[0].satellite.total_mass_kg);
  CHECK(t.insurance_fraction == orbital_tco_parameter::insurance.default_si);
  CHECK(t.ground_segment_usd == 0);
  errors = inline_errors(orbital + ", insurance: 2}\n");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].line == 16);
  CHECK(errors[0].message ==
        "'insurance' in site cost 'sky' is 2, outside the accepted range [0, 1]");
}

namespace {

// An inference job of llama3-70b on TP 4, autoscaled; each argument goes inside its block's flow
// mapping (after a comma), `job` on a line of its own after them (line 17).
std::string inference_scenario(const std::string& layout, const std::string& requests,
                               const std::string& demand, const std::string& targets,
                               const std::string& replicas, const std::string& job = "") {
  return "scenario: bare-inference\nhorizon: 2 d\n"
         "sites:\n  - {name: s, grid: {capacity: 20 MW}, pue: 1.2}\n"
         "clusters:\n  - {name: c, site: s, gpu: H100, deliveries: [{at: 0 d, gpus: 64}]}\n"
         "jobs:\n  - name: chat\n    kind: inference\n    cluster: c\n"
         "    model: {preset: llama3-70b}\n"
         "    layout: {tp: 4" +
         layout + "}\n    requests: {prompt_tokens: 1000, output_tokens: 300" + requests +
         "}\n    demand: {rate: 10 /s" + demand +
         "}\n    targets: {ttft_p99: 3 s, tpot_p99: 100 ms" + targets +
         "}\n    replicas: {min: 1, max: 16" + replicas + "}\n" + job;
}

} // namespace

TEST_CASE(
    "an inference job gets the serving tables' defaults, and a value out of range is an error") {
  Scenario s = load_scenario_text(inference_scenario("", "", "", "", ""), "inline.yaml");
  REQUIRE(s.inference.size() == 1);
  const InferenceSpec& j = s.inference[0];
  CHECK(j.start_s == 0);
  CHECK(j.priority == inference_job_parameter::priority.default_si);
  CHECK(j.user_latency_s == 0);
  CHECK(j.layout.tensor == 4);
  CHECK(j.layout.pipeline == 1);
  CHECK(j.layout.expert == 1);
  CHECK(j.layout.batch_limit == 2048);
  CHECK(j.shape.output_tokens_cv == 0);
  CHECK(j.demand.step_s == 3600);
  CHECK(j.targets.ttft_p50_s == 0); // no target
  CHECK(j.targets.tpot_p50_s == 0);
  CHECK(j.replicas.autoscaled);
  CHECK(j.replicas.scale_up_delay_s == replica_parameter::scale_up_delay.default_si);
  CHECK(j.replicas.scale_up_delay_s == 600);

  auto errors = inline_errors(
      inference_scenario(", batch_limit: 0", ", output_tokens_cv: 11", ", step: 30 s",
                         ", ttft_p50: 0 s", ", scale_up_delay: 2 d", "    user_latency: 11 s\n"));
  REQUIRE(errors.size() == 6);
  CHECK(errors[0].line == 12);
  CHECK(errors[0].message == "'batch_limit' in inference job 'chat' layout is 0, outside the "
                             "accepted range [1, 1048576]");
  CHECK(errors[1].line == 13);
  CHECK(errors[1].message == "'output_tokens_cv' in inference job 'chat' requests is 11, outside "
                             "the accepted range [0, 10]");
  CHECK(errors[2].line == 14);
  CHECK(errors[2].message.find("'step' in inference job 'chat' demand is 30 s, outside the "
                               "accepted range [") == 0);
  CHECK(errors[3].line == 15);
  CHECK(errors[3].message.find("'ttft_p50' in inference job 'chat' targets is 0 s, outside the "
                               "accepted range (0 s, ") == 0);
  CHECK(errors[4].line == 16);
  CHECK(errors[4].message.find("'scale_up_delay' in inference job 'chat' replicas is 2 d, "
                               "outside the accepted range [0 s, ") == 0);
  CHECK(errors[5].line == 17);
  CHECK(errors[5].message.find("'user_latency' in inference job 'chat' is 11 s, outside the "
                               "accepted range [0 s, ") == 0);
}

TEST_CASE("terrestrial turbines without the optional keys get the turbine table's defaults, and "
          "an availability above 1 is an error") {
  const std::string head = "scenario: bare-turbines\nhorizon: 2 d\nsites:\n  - name: plant\n"
                           "    pue: 1.2\n";
  const std::string tail =
      "clusters:\n  - {name: fleet, site: plant, gpu: H100, system: DGX-H100, gpus_per_host: 8,\n"
      "     deliveries: [{at: 0 d, gpus: 64}]}\n";
  Scenario s = load_scenario_text(head + "    turbines: {units: 4, unit_capacity: 2.5 MW}\n" + tail,
                                  "inline.yaml");
  REQUIRE(s.sites.size() == 1);
  const TurbineParams& t = s.sites[0].turbines;
  CHECK(t.units == 4);
  CHECK(t.availability == 1);
  CHECK(t.fuel_cost_usd_per_j == 0);
  CHECK(t.start_delay_s == 600);
  CHECK(t.efficiency == 1); // no fuel named: no fuel figure either
  // A fuel sets the efficiency (configs/fuels.yaml: natural gas 0.31) unless it is given.
  Scenario gas = load_scenario_text(
      head + "    turbines: {units: 4, unit_capacity: 2.5 MW, fuel: natural_gas}\n" + tail,
      "inline.yaml");
  CHECK(gas.sites[0].turbines.efficiency == 0.31);

  auto errors = inline_errors(
      head + "    turbines: {units: 4, unit_capacity: 2.5 MW, availability: 1.5}\n" + tail);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].line == 6);
  CHECK(errors[0].message == "'availability' in site 'plant' turbines is 1.5, outside the "
                             "accepted range [0, 1]");
  errors = inline_errors(
      head + "    turbines: {units: 4, unit_capacity: 2.5 MW, start_delay: 2 d}\n" + tail);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message == "'start_delay' in site 'plant' turbines is 2 d, outside the "
                             "accepted range [0 s, 1 d]");
}

TEST_CASE("a cooling plant without the optional keys takes its type's preset, which the table's "
          "default column names, and a max_ambient past 70 degC is an error") {
  const std::string head = "scenario: bare-cooling\nhorizon: 2 d\nsites:\n  - name: plant\n"
                           "    grid: {capacity: 20 MW}\n    weather: {constant: 25 degC}\n";
  const std::string tail =
      "clusters:\n  - {name: fleet, site: plant, gpu: H100, system: DGX-H100, gpus_per_host: 8,\n"
      "     deliveries: [{at: 0 d, gpus: 64}]}\n";
  namespace c = cooling_parameter;
  const CoolingParams liquid = direct_liquid_cooling_preset(10e6);
  const CoolingParams air = air_cooling_preset(10e6);
  for (const auto& [type, preset] : {std::pair{"liquid", liquid}, std::pair{"air", air}}) {
    INFO(type);
    Scenario s = load_scenario_text(
        head + "    cooling: {type: " + type + ", capacity: 10 MW}\n" + tail, "inline.yaml");
    REQUIRE(s.sites.size() == 1);
    const CoolingParams& p = s.sites[0].cooling;
    CHECK(p.design_ambient_k == preset.design_ambient_k);
    CHECK(p.max_ambient_k == preset.max_ambient_k);
    CHECK(p.economiser_max_ambient_k == preset.economiser_max_ambient_k);
    CHECK(p.capacity_fraction_at_max_ambient == preset.capacity_fraction_at_max_ambient);
    CHECK(p.wue_m3_per_j == c::wue.default_si);
    // Each preset is a valid input: its values lie in the table's ranges.
    CHECK(c::design_ambient.accepts(preset.design_ambient_k));
    CHECK(c::max_ambient.accepts(preset.max_ambient_k));
    CHECK(c::economiser_below.accepts(preset.economiser_max_ambient_k));
    CHECK(c::capacity_at_max_ambient.accepts(preset.capacity_fraction_at_max_ambient));
  }
  // The default column says what the presets set.
  auto degc = [](double k) { return std::to_string(std::lround(k - c::zero_celsius_k)) + " degC"; };
  auto by_type = [](const std::string& l, const std::string& a) {
    return "type liquid: " + l + "; air: " + a;
  };
  CHECK(c::design_ambient.default_from ==
        by_type(degc(liquid.design_ambient_k), degc(air.design_ambient_k)));
  CHECK(c::max_ambient.default_from ==
        by_type(degc(liquid.max_ambient_k), degc(air.max_ambient_k)));
  CHECK(c::economiser_below.default_from ==
        by_type(degc(liquid.economiser_max_ambient_k), degc(air.economiser_max_ambient_k)));
  CHECK(
      c::capacity_at_max_ambient.default_from ==
      by_type(
          parameter_value_text(c::capacity_at_max_ambient, liquid.capacity_fraction_at_max_ambient),
          parameter_value_text(c::capacity_at_max_ambient, air.capacity_fraction_at_max_ambient)));

  auto errors = inline_errors(
      head + "    cooling: {type: air, capacity: 10 MW, max_ambient: 80 degC}\n" + tail);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].line == 7);
  CHECK(errors[0].message.find("'max_ambient' in site 'plant' cooling is 353.15") == 0);
  CHECK(errors[0].message.find("outside the accepted range [233.15 K, 343.15 K]") !=
        std::string::npos);
  // What ties two keys stays with validate(): a maximum ambient below the design ambient.
  errors = inline_errors(
      head + "    cooling: {type: air, capacity: 10 MW, max_ambient: 30 degC}\n" + tail);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message.find("site 'plant' cooling: maximum ambient must be above the design "
                               "ambient") == 0);
}

TEST_CASE("a weather block without time_of_year_at_start starts the profile's year on 1 January, "
          "or at the epoch's time of year, and two years is an error") {
  const std::string head = "scenario: bare-weather\nhorizon: 2 d\n";
  const std::string site = "sites:\n  - name: plant\n    grid: {capacity: 20 MW}\n"
                           "    cooling: {type: air, capacity: 10 MW}\n";
  const std::string tail =
      "clusters:\n  - {name: fleet, site: plant, gpu: H100, system: DGX-H100, gpus_per_host: 8,\n"
      "     deliveries: [{at: 0 d, gpus: 64}]}\n";
  Scenario s = load_scenario_text(
      head + site + "    weather: {profile: memphis-synthetic}\n" + tail, "inline.yaml");
  REQUIRE(s.sites.size() == 1);
  CHECK(s.sites[0].weather.time_of_year_at_start_s ==
        weather_parameter::time_of_year_at_start.default_si);
  CHECK(s.sites[0].weather.time_of_year_at_start_s == 0);
  // With an epoch, its UTC time of year: 2025-07-01 is day 181 of 2025 (31+28+31+30+31+30).
  Scenario e = load_scenario_text(head + "epoch: 2025-07-01T00:00:00Z\n" + site +
                                      "    weather: {profile: memphis-synthetic}\n" + tail,
                                  "inline.yaml");
  CHECK(e.sites[0].weather.time_of_year_at_start_s == 181 * 86400.0);

  auto errors = inline_errors(
      head + site + "    weather: {profile: memphis-synthetic, time_of_year_at_start: 2 yr}\n" +
      tail);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].line == 7);
  CHECK(errors[0].message == "'time_of_year_at_start' in site 'plant' weather is 2 yr, outside "
                             "the accepted range [0 s, 365 d]");
}

TEST_CASE("a site without a storage block gets the storage table's link, and a latency past 10 s "
          "is an error") {
  const std::string head = "scenario: bare-storage\nhorizon: 2 d\nsites:\n  - name: plant\n"
                           "    pue: 1.2\n    grid: {capacity: 20 MW}\n";
  const std::string tail =
      "clusters:\n  - {name: fleet, site: plant, gpu: H100, system: DGX-H100, gpus_per_host: 8,\n"
      "     deliveries: [{at: 0 d, gpus: 64}]}\n";
  Scenario s = load_scenario_text(head + tail, "inline.yaml");
  REQUIRE(s.sites.size() == 1);
  CHECK(s.sites[0].storage_bytes_per_s == 1e12);
  CHECK(s.sites[0].storage_latency_s == 1e-4);
  Scenario given =
      load_scenario_text(head + "    storage: {bandwidth: 200 GB/s}\n" + tail, "inline.yaml");
  CHECK(given.sites[0].storage_bytes_per_s == 200e9);
  CHECK(given.sites[0].storage_latency_s == storage_parameter::latency.default_si);

  auto errors = inline_errors(head + "    storage: {bandwidth: 200 GB/s, latency: 11 s}\n" + tail);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].line == 7);
  CHECK(errors[0].message == "'latency' in site 'plant' storage is 11 s, outside the accepted "
                             "range [0 s, 10 s]");
  // The bandwidth stays required in a storage block.
  errors = inline_errors(head + "    storage: {latency: 1 ms}\n" + tail);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message.find("bandwidth") != std::string::npos);
}

TEST_CASE("a training job without a checkpoint block writes 14 bytes per parameter at the "
          "Young/Daly interval, and an interval under 1 s is an error") {
  Scenario s = load_scenario_text(bare_orbital, "inline.yaml");
  REQUIRE(s.jobs.size() == 1);
  CHECK(s.jobs[0].checkpoint.interval_s == 0); // auto
  CHECK(s.jobs[0].checkpoint.size_bytes == 14 * 7e9);
  std::string text = bare_orbital;
  const std::string job = "model: {parameters: 7e9, tokens: 1e10}}";
  text.replace(text.find(job), job.size(),
               "model: {parameters: 7e9, tokens: 1e10},\n       checkpoint: {interval: auto, "
               "size: 1 TB}}");
  Scenario sized = load_scenario_text(text, "inline.yaml");
  CHECK(sized.jobs[0].checkpoint.interval_s == 0);
  CHECK(sized.jobs[0].checkpoint.size_bytes == 1e12);

  text = bare_orbital;
  text.replace(text.find(job), job.size(),
               "model: {parameters: 7e9, tokens: 1e10},\n       checkpoint: {interval: 0.5 s}}");
  auto errors = inline_errors(text);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].line == 14);
  CHECK(errors[0].message.find("'interval' in job 'j' checkpoint is 0.5 s, outside the accepted "
                               "range [1 s, ") == 0);
}

TEST_CASE("a ground cluster without storage_per_gpu or other_it_power_per_gpu takes the "
          "catalogue's non-GPU IT, and other IT above 1 MW per GPU is an error") {
  const std::string head = "scenario: bare-it\nhorizon: 2 d\nsites:\n  - name: plant\n"
                           "    pue: 1.2\n    grid: {capacity: 20 MW}\n"
                           "clusters:\n  - {name: fleet, site: plant, gpu: H100, system: DGX-H100, "
                           "gpus_per_host: 8,\n";
  const std::string tail = "     deliveries: [{at: 0 d, gpus: 64}]}\n";
  Scenario s = load_scenario_text(head + tail, "inline.yaml");
  REQUIRE(s.clusters.size() == 1);
  // configs/gpus.yaml non_gpu_it: 10 TB of storage and 37 W of other IT per GPU.
  CHECK(s.clusters[0].non_gpu_it.storage_bytes_per_gpu == 10e12);
  CHECK(s.clusters[0].non_gpu_it.other_w_per_gpu == 37);
  Scenario given = load_scenario_text(
      head + "     storage_per_gpu: 2 TB, other_it_power_per_gpu: 35 W,\n" + tail, "inline.yaml");
  CHECK(given.clusters[0].non_gpu_it.storage_bytes_per_gpu == 2e12);
  CHECK(given.clusters[0].non_gpu_it.other_w_per_gpu == 35);

  auto errors = inline_errors(head + "     other_it_power_per_gpu: 2 MW,\n" + tail);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].line == 9);
  CHECK(errors[0].message == "'other_it_power_per_gpu' in cluster 'fleet' is 2 MW, outside the "
                             "accepted range [0 W, 1 MW]");
}

TEST_CASE("a scenario without outputs samples hourly, and an interval under 1 s is an error") {
  Scenario s = load_scenario_text(bare_orbital, "inline.yaml");
  CHECK(s.output_interval_s == output_parameter::interval.default_si);
  CHECK(s.output_interval_s == 3600);
  std::string text = bare_orbital;
  text.replace(text.find("horizon: 10 d\n"), 14, "horizon: 10 d\noutputs: {interval: 0.5 s}\n");
  auto errors = inline_errors(text);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].line == 3);
  CHECK(errors[0].message.find(
            "'interval' in outputs is 0.5 s, outside the accepted range [1 s, ") == 0);
}

TEST_CASE("an orbital site without raan, isl_latency, min_elevation, emissivity_end_of_life or "
          "launch first gets the tables' defaults, and their ranges are errors") {
  std::string text = bare_orbital;
  text.replace(text.find("clusters:"), 9,
               "    ground_stations: [{name: svalbard, latitude: 78.2 deg, longitude: 15.4 deg}]\n"
               "clusters:");
  Scenario s = load_scenario_text(text, "inline.yaml");
  REQUIRE(s.sites.size() == 1);
  const OrbitalSpec& o = s.sites[0].orbital;
  CHECK(o.isl_latency_s == 1e-5);
  CHECK(o.end_of_life_emissivity == o.radiator.emissivity);
  CHECK(o.launch.first_launch_s == 0);
  REQUIRE(o.stations.size() == 1);
  CHECK(o.stations[0].station.min_elevation_rad == doctest::Approx(10 * M_PI / 180).epsilon(1e-15));

  // An orbit given by inclination, without raan: the node at 0.
  std::string inclined = bare_orbital;
  inclined.replace(inclined.find("sun_synchronous: {ltan: 6 h}"), 28, "inclination: 53 deg");
  CHECK(load_scenario_text(inclined, "inline.yaml").sites[0].orbital.orbit.raan_rad == 0);

  // Out of range: raan past a full turn (the message as before), isl_latency past 1 s, launch
  // first past 50 years, emissivity at end of life above the emissivity given.
  inclined.replace(inclined.find("inclination: 53 deg"), 19, "inclination: 53 deg, raan: 400 deg");
  inclined.replace(inclined.find("downlink_bandwidth"), 18, "isl_latency: 2 s, downlink_bandwidth");
  inclined.replace(inclined.find("{failure_unit: board}"), 21,
                   "{emissivity: 0.8, emissivity_end_of_life: 0.85}");
  inclined.replace(inclined.find("payload: 60 t}"), 14, "payload: 60 t, first: 51 yr}");
  auto errors = inline_errors(inclined);
  REQUIRE(errors.size() == 4);
  CHECK(errors[0].line == 6);
  CHECK(errors[0].message.find("'raan' in site 'sky' orbit is ") == 0);
  CHECK(errors[1].line == 7);
  CHECK(errors[1].message == "'emissivity_end_of_life' in site 'sky' satellite is 0.85, outside "
                             "the accepted range [0.05, 0.8]");
  CHECK(errors[2].line == 8);
  CHECK(errors[2].message == "'isl_latency' in site 'sky' links is 2 s, outside the accepted "
                             "range [0 s, 1 s]");
  CHECK(errors[3].line == 9);
  CHECK(errors[3].message.find("'first' in site 'sky' launch is 51 yr, outside the accepted "
                               "range [0 s, ") == 0);
}

TEST_CASE("a radiation block with only dose_rate takes each effect's dose per event from the "
          "effects table, and a zero dose is an error") {
  std::string text = bare_orbital;
  text.replace(text.find("clusters:"), 9, "    radiation: {dose_rate: 150 rad/yr}\nclusters:");
  Scenario s = load_scenario_text(text, "inline.yaml");
  REQUIRE(s.sites.size() == 1);
  const RadiationParams& r = s.sites[0].orbital.radiation;
  // The Trillium proton-beam figures: 50, 425 and 107 rad per event.
  CHECK(r.dose_per_event_gy[find_radiation_effect("hbm_uncorrectable")] == 0.5);
  CHECK(r.dose_per_event_gy[find_radiation_effect("functional_interrupt")] == 4.25);
  CHECK(r.dose_per_event_gy[find_radiation_effect("silent_data_corruption")] == 1.07);

  text.replace(text.find("{dose_rate: 150 rad/yr}"), 23, "{dose_rate: 150 rad/yr, sdc_dose: 0 Gy}");
  auto errors = inline_errors(text);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].line == 10);
  CHECK(errors[0].message.find("'sdc_dose' in site 'sky' radiation is 0 ") == 0);
}

TEST_CASE("a ground site without energy_price, grid_carbon_intensity or demand_charge pays and "
          "emits nothing for its grid energy, and a negative demand charge is an error") {
  const std::string head = "scenario: bare-site-power\nhorizon: 2 d\nsites:\n  - name: plant\n"
                           "    pue: 1.2\n    grid: {capacity: 20 MW}\n";
  const std::string tail =
      "clusters:\n  - {name: fleet, site: plant, gpu: H100, system: DGX-H100, gpus_per_host: 8,\n"
      "     deliveries: [{at: 0 d, gpus: 64}]}\n";
  Scenario s = load_scenario_text(head + tail, "inline.yaml");
  REQUIRE(s.sites.size() == 1);
  CHECK(s.sites[0].energy_price_usd_per_j == 0);
  CHECK(s.sites[0].grid_carbon_kg_per_j == 0);
  CHECK(s.sites[0].demand_charge_usd_per_w_month == 0);
  Scenario given = load_scenario_text(head +
                                          "    energy_price: 62 USD/MWh\n"
                                          "    grid_carbon_intensity: 390 kg/MWh\n"
                                          "    demand_charge: 15 USD/kW\n" +
                                          tail,
                                      "inline.yaml");
  CHECK(given.sites[0].energy_price_usd_per_j == doctest::Approx(62 / 3.6e9).epsilon(1e-12));
  CHECK(given.sites[0].grid_carbon_kg_per_j == doctest::Approx(390 / 3.6e9).epsilon(1e-12));
  CHECK(given.sites[0].demand_charge_usd_per_w_month == doctest::Approx(0.015).epsilon(1e-12));

  auto errors = inline_errors(head + "    demand_charge: -1 USD/kW\n" + tail);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].line == 7);
  CHECK(errors[0].message == "'demand_charge' in site 'plant' is -0.001 USD/W, outside the "
                             "accepted range [0 USD/W, 1000 USD/W]");
  // The intensity's top is 3000 kg/MWh, as the hourly file's column.
  errors = inline_errors(head + "    grid_carbon_intensity: 3001 kg/MWh\n" + tail);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message.find("'grid_carbon_intensity' in site 'plant' is 3001 kg/MWh, outside "
                               "the accepted range [0 kg/MWh, 3000 kg/MWh]") == 0);
}

TEST_CASE("a battery without charge_power charges at its power, and a negative charge power is "
          "an error") {
  const std::string head = "scenario: bare-charge\nhorizon: 2 d\nsites:\n  - name: plant\n"
                           "    pue: 1.2\n    grid: {capacity: 20 MW}\n";
  const std::string tail =
      "clusters:\n  - {name: fleet, site: plant, gpu: H100, system: DGX-H100, gpus_per_host: 8,\n"
      "     deliveries: [{at: 0 d, gpus: 64}]}\n";
  Scenario s = load_scenario_text(head + "    battery: {energy: 10 MWh, power: 5 MW}\n" + tail,
                                  "inline.yaml");
  CHECK(s.sites[0].battery.max_charge_power_w == 5e6);
  CHECK(s.sites[0].battery.max_discharge_power_w == 5e6);
  Scenario given = load_scenario_text(
      head + "    battery: {energy: 10 MWh, power: 5 MW, charge_power: 2 MW}\n" + tail,
      "inline.yaml");
  CHECK(given.sites[0].battery.max_charge_power_w == 2e6);

  auto errors = inline_errors(
      head + "    battery: {energy: 10 MWh, power: 5 MW, charge_power: -1 MW}\n" + tail);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].line == 7);
  CHECK(errors[0].message == "'charge_power' in site 'plant' battery is -1 MW, outside the "
                             "accepted range [0 W, 1 TW]");
}

TEST_CASE("a fixed-pue site without cooling_capacity has no heat limit, and a zero capacity is an "
          "error") {
  const std::string head = "scenario: bare-heat\nhorizon: 2 d\nsites:\n  - name: plant\n"
                           "    pue: 1.2\n    grid: {capacity: 20 MW}\n";
  const std::string tail =
      "clusters:\n  - {name: fleet, site: plant, gpu: H100, system: DGX-H100, gpus_per_host: 8,\n"
      "     deliveries: [{at: 0 d, gpus: 64}]}\n";
  Scenario s = load_scenario_text(head + tail, "inline.yaml");
  CHECK(s.sites[0].cooling_capacity_w == 0); // none
  Scenario given = load_scenario_text(head + "    cooling_capacity: 15 MW\n" + tail, "inline.yaml");
  CHECK(given.sites[0].cooling_capacity_w == 15e6);

  auto errors = inline_errors(head + "    cooling_capacity: 0 MW\n" + tail);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].line == 7);
  CHECK(errors[0].message == "'cooling_capacity' in site 'plant' is 0 W, outside the accepted "
                             "range (0 W, 1 TW]");
}

TEST_CASE("the scenario's, a site's, a cluster's and a job's own keys take their defaults and "
          "ranges from sim/scenario/scenario.hpp's tables") {
  const std::string head = "scenario: own-keys\nhorizon: 2 d\n";
  const std::string body =
      "sites:\n  - {name: plant, pue: 1.2, grid: {capacity: 20 MW}}\n"
      "clusters:\n  - {name: fleet, site: plant, gpu: H100, system: DGX-H100,\n"
      "     deliveries: [{at: 0 d, gpus: 64}]}\n"
      "jobs:\n  - {name: j, cluster: fleet, model: {parameters: 7e9, tokens: 1e10}}\n";
  Scenario s = load_scenario_text(head + body, "inline.yaml");
  CHECK(s.seed == scenario_parameter::seed.default_si);
  REQUIRE(s.sites.size() == 1);
  CHECK(s.sites[0].capex_usd == site_parameter::capex.default_si);
  REQUIRE(s.clusters.size() == 1);
  CHECK(s.clusters[0].gpus_per_host == 8); // from the system, DGX-H100
  REQUIRE(s.jobs.size() == 1);
  CHECK(s.jobs[0].gpus == 64); // the whole cluster
  CHECK(s.jobs[0].min_gpus == 64);
  CHECK(s.jobs[0].start_s == job_parameter::start.default_si);
  CHECK(s.jobs[0].priority == job_parameter::priority.default_si);

  // One value beyond each range, one key per line: each message names the table's range.
  struct Case {
    const Parameter& parameter;
    std::string what, given, shown;
  };
  const std::vector<Case> cases = {
      {scenario_parameter::seed, "the scenario", "-1", "-1"},
      {site_parameter::capex, "site 'plant'", "2e13 USD", "20000000000000 USD"},
      {cluster_parameter::gpus_per_host, "cluster 'fleet'", "0", "0"},
      {job_parameter::gpus, "job 'j'", "200000000", "200000000"},
      {job_parameter::start, "job 'j'", "-1 s", "-1 s"},
      {job_parameter::priority, "job 'j'", "1000001", "1000001"},
      {job_model_parameter::tokens, "job 'j' model", "0", "0"},
  };
  const std::string bad =
      "scenario: own-keys\nhorizon: 2 d\nseed: -1\n"
      "sites:\n  - name: plant\n    pue: 1.2\n    grid: {capacity: 20 MW}\n    capex: 2e13 USD\n"
      "clusters:\n  - name: fleet\n    site: plant\n    gpu: H100\n    system: DGX-H100\n"
      "    gpus_per_host: 0\n    deliveries: [{at: 0 d, gpus: 64}]\n"
      "jobs:\n  - name: j\n    cluster: fleet\n    gpus: 200000000\n    start: -1 s\n"
      "    priority: 1000001\n    model: {parameters: 7e9, tokens: 0}\n";
  auto errors = inline_errors(bad);
  for (const Case& c : cases) {
    const Parameter& p = c.parameter;
    // Appended piece by piece: GCC 12 warns falsely on "'" + std::string (GCC bug 105651).
    std::string expected(1, '\'');
    expected.append(p.key);
    expected += "' in " + c.what + " is " + c.shown + ", outside the accepted range ";
    expected += p.min_exclusive ? "(" : "[";
    expected += parameter_value_text(p, p.min_si) + ", " + parameter_value_text(p, p.max_si) + "]";
    INFO(expected);
    CHECK(std::count_if(errors.begin(), errors.end(),
                        [&](const Diagnostic& e) { return e.message == expected; }) == 1);
  }
}
