// Parameter tables (models/parameter.hpp): docs/parameters.md is rendered from them and must
// match; every default lies in its range; the loader takes its defaults and ranges from them.
#include <doctest/doctest.h>

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
