// Finance after whole runs: the ledger balances in every month of every scenario, the debt is
// repaid at maturity, debt service follows the annuity closed form, rent follows the contract,
// a solved lease rate put back gives its target, cost per EFLOP uses useful FLOP; and one bad
// fixture per finance error kind, with its message and FILE:LINE:COL.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "capsim_process.hpp"
#include "sim/batch/results.hpp"
#include "sim/scenario/loader.hpp"

using namespace capsim::test;

namespace {

constexpr double month_s = 365.25 * 86400 / 12;

double number(const std::string& field) {
  return field.empty() ? NAN : std::stod(field);
}

// A small H100 fleet with a lease contract; `finance_extra` goes under `finance:`.
std::string small_scenario(const std::string& lease, const std::string& finance_extra,
                           const std::string& failures = "1.97e-5 /GPU/h",
                           const std::string& horizon = "20 d") {
  return "scenario: t\nseed: 3\nhorizon: " + horizon +
         "\noutputs:\n  interval: 6 h\n"
         "sites:\n  - name: s\n    grid:\n      capacity: 100 MW\n    pue: 1.2\n"
         "    energy_price: 62 USD/MWh\n    storage:\n      bandwidth: 100 GB/s\n"
         "clusters:\n  - name: c\n    site: s\n    gpu: H100\n"
         "    deliveries:\n      - {at: 0 d, gpus: 1024}\n"
         "    failures: {rate: " +
         failures +
         ", repair_time: 24 h}\n"
         "jobs:\n  - name: j\n    cluster: c\n    gpus: 1024\n"
         "    model: {parameters: 70e9, tokens: 1e14}\n"
         "    checkpoint: {size: 1 TB, restart: 120 s}\n"
         "finance:\n  discount_rate: 8 %\n  leases:\n    - name: l\n      cluster: c\n"
         "      lessee: lab\n" +
         lease + finance_extra;
}

const std::string vehicle_block = "  vehicles:\n    - name: v\n      lease: l\n"
                                  "      price_per_gpu: 30000 USD\n"
                                  "      debt:\n        principal: 20e6 USD\n        rate: 9.5 %\n"
                                  "        term: 36 months\n        amortization: annuity\n";

} // namespace

TEST_CASE("ledger: sources equal uses in every month of every scenario with a finance block") {
  TempDir dir;
  int with_ledger = 0;
  for (const auto& entry : std::filesystem::directory_iterator(source_path("scenarios"))) {
    if (entry.path().extension() != ".yaml") continue;
    const std::string name = entry.path().stem().string();
    run_ok(dir, entry.path().string(), {"--set", "horizon=3 d"}, name);
    const std::string ledger = dir.path(name + "/ledger.csv");
    if (!std::filesystem::exists(ledger)) continue;
    std::vector<std::string> header;
    auto rows = read_csv(ledger, header);
    // Site costs alone over 3 days make no whole month; a lease or vehicle always does.
    if (rows.empty()) continue;
    ++with_ledger;
    const std::size_t first_flow = column(header, "equity_contribution_usd");
    const std::size_t sources_col = column(header, "sources_usd");
    for (const auto& row : rows) {
      double sources = 0, uses = 0;
      for (std::size_t k = first_flow; k < sources_col; ++k)
        (number(row[k]) > 0 ? sources : uses) += std::abs(number(row[k]));
      INFO(name, " month ", row[0], " ", row[2], " ", row[3]);
      CHECK(std::abs(sources - uses) <= 1e-9 * std::max(1.0, sources));
      CHECK(number(row[sources_col]) == doctest::Approx(sources).epsilon(1e-12));
    }
  }
  CHECK(with_ledger >= 1); // apollo-xai-lease at least
}

TEST_CASE("apollo: the debt is repaid at maturity, the vehicle raises ~5.3B with a 3.4B loan") {
  TempDir dir;
  auto s = run_ok(dir, source_path("scenarios/apollo-xai-lease.yaml"), {"--set", "horizon=3 d"});
  const auto& v = s["finance"]["vehicles"][0];
  // Press (2026): a ~3.4B USD loan inside a vehicle raising ~5.3B USD in total.
  CHECK(v["debt_usd"].get<double>() == doctest::Approx(3.4e9).epsilon(1e-9));
  CHECK(v["raised_usd"].get<double>() == doctest::Approx(5.3e9).epsilon(0.02));
  CHECK(s["finance"]["equity_irr"].get<double>() == doctest::Approx(0.22).epsilon(1e-6));
  std::vector<std::string> header;
  auto rows = read_csv(dir.path("out/finance_months.csv"), header);
  REQUIRE(rows.size() == 60);
  const std::size_t balance = column(header, "debt_balance_usd");
  const std::size_t dscr = column(header, "dscr");
  for (std::size_t m = 0; m + 1 < rows.size(); ++m)
    CHECK(number(rows[m][balance]) > 0);
  CHECK(std::abs(number(rows.back()[balance])) <= 1e-6 * 3.4e9);
  double min_dscr = INFINITY;
  for (const auto& row : rows)
    if (!row[dscr].empty()) min_dscr = std::min(min_dscr, number(row[dscr]));
  CHECK(min_dscr == doctest::Approx(s["finance"]["min_dscr"].get<double>()).epsilon(1e-12));
  // Principal paid over the ledger equals the debt drawn.
  auto ledger = read_csv(dir.path("out/ledger.csv"), header);
  double principal = 0, drawn = 0;
  for (const auto& row : ledger) {
    principal -= number(row[column(header, "principal_usd")]);
    drawn += number(row[column(header, "debt_drawdown_usd")]);
  }
  CHECK(principal == doctest::Approx(drawn).epsilon(1e-9));
  CHECK(drawn == doctest::Approx(3.4e9).epsilon(1e-9));
}

TEST_CASE("debt service of a single-draw annuity loan is the closed-form payment every month") {
  // 20M USD at 9.5%/12 over 36 months: A = P r / (1 - (1 + r)^-n).
  TempDir dir;
  auto file =
      dir.write("s.yaml", small_scenario("      rate: 2.5 USD/GPU/h\n      term: 36 months\n",
                                         vehicle_block));
  run_ok(dir, file);
  const double r = 0.095 / 12, p = 20e6;
  const double payment = p * r / (1 - std::pow(1 + r, -36));
  std::vector<std::string> header;
  auto rows = read_csv(dir.path("out/finance_months.csv"), header);
  REQUIRE(rows.size() == 36);
  const std::size_t ds = column(header, "debt_service_usd");
  CHECK(number(rows[0][ds]) == 0); // drawdown month
  for (std::size_t m = 1; m < rows.size(); ++m)
    CHECK(number(rows[m][ds]) == doctest::Approx(payment).epsilon(1e-12));
  // The loan of 36 months drawn in month 0 matures in month 36, after the lease's last month
  // (35): the balance left then is prepaid, so the balance is zero at the end of the ledger.
  CHECK(std::abs(number(rows.back()[column(header, "debt_balance_usd")])) < 1e-3);
}

TEST_CASE("take-or-pay rent is rate x installed GPU-hours, usage-based is rate x busy GPU-hours") {
  TempDir dir;
  auto take = dir.write("take.yaml",
                        small_scenario("      rate: 2 USD/GPU/h\n      term: 12 months\n", ""));
  auto s = run_ok(dir, take, {}, "take");
  const double installed_h = s["clusters"][0]["gpu_hours_installed"].get<double>();
  CHECK(installed_h == doctest::Approx(1024 * 20 * 24.0).epsilon(1e-12));
  CHECK(s["finance"]["leases"][0]["rent_in_horizon_usd"].get<double>() ==
        doctest::Approx(2 * installed_h).epsilon(1e-12));
  // Over the 12-month term, take-or-pay rent is rate x GPUs x 8766 h (Julian year).
  CHECK(s["finance"]["leases"][0]["rent_over_term_usd"].get<double>() ==
        doctest::Approx(2 * 1024 * 8766.0).epsilon(1e-12));

  auto usage =
      dir.write("usage.yaml", small_scenario("      rate: 2 USD/GPU/h\n      term: 12 months\n"
                                             "      commitment: usage_based\n",
                                             ""));
  auto u = run_ok(dir, usage, {}, "usage");
  const double busy_h = u["sites"][0]["busy_gpu_hours"].get<double>();
  CHECK(busy_h < installed_h);
  CHECK(u["finance"]["leases"][0]["rent_in_horizon_usd"].get<double>() ==
        doctest::Approx(2 * busy_h).epsilon(1e-9));
}

TEST_CASE("cost per EFLOP uses useful FLOP and falls when goodput rises, all else fixed") {
  TempDir dir;
  const std::string lease = "      rate: 2 USD/GPU/h\n      term: 12 months\n";
  auto failing =
      run_ok(dir, dir.write("a.yaml", small_scenario(lease, "", "3e-4 /GPU/h")), {}, "a");
  auto clean = run_ok(dir, dir.write("b.yaml", small_scenario(lease, "", "0 /GPU/h")), {}, "b");
  for (const auto* s : {&failing, &clean}) {
    const auto& f = (*s)["finance"];
    const double useful = (*s)["jobs"][0]["flop_done"].get<double>();
    CHECK(f["useful_flop"].get<double>() == doctest::Approx(useful).epsilon(1e-12));
    CHECK(f["cost_per_eflop_usd"].get<double>() ==
          doctest::Approx(f["total_cost_usd"].get<double>() / (useful / 1e18)).epsilon(1e-12));
    // Not installed FLOP: 1024 GPUs x 989 TFLOP/s (H100 BF16 dense, datasheet) x 20 days.
    CHECK(useful < 0.9 * 1024 * 989e12 * 20 * 86400);
  }
  const double g_fail = failing["jobs"][0]["goodput_fraction"].get<double>();
  const double g_clean = clean["jobs"][0]["goodput_fraction"].get<double>();
  CHECK(g_clean > g_fail);
  // The take-or-pay rent is the same; only energy differs (failed servers are off).
  CHECK(clean["finance"]["leases"][0]["rent_in_horizon_usd"].get<double>() ==
        failing["finance"]["leases"][0]["rent_in_horizon_usd"].get<double>());
  CHECK(clean["finance"]["cost_per_eflop_usd"].get<double>() <
        failing["finance"]["cost_per_eflop_usd"].get<double>());
  // The lessee pays rent, power and facility (triple-net): its cost per EFLOP is the fleet's.
  CHECK(clean["finance"]["lessees"][0]["cost_per_eflop_usd"].get<double>() ==
        doctest::Approx(clean["finance"]["cost_per_eflop_usd"].get<double>()).epsilon(1e-12));
}

TEST_CASE("a solved lease rate, put back into the scenario, gives the target IRR") {
  TempDir dir;
  const std::string solve = "  solve:\n    parameter: finance.leases.l.rate\n"
                            "    target: finance.equity_irr\n    value: 22 %\n"
                            "    bracket: [0.5 USD/GPU/h, 5 USD/GPU/h]\n"
                            "    tolerance: 1e-6 USD/GPU/h\n";
  auto s = run_ok(
      dir,
      dir.write("solve.yaml", small_scenario("      rate: 2.5 USD/GPU/h\n      term: 36 months\n",
                                             vehicle_block + solve)),
      {}, "solve");
  const auto& result = s["finance"]["solve"];
  INFO(result.dump());
  REQUIRE(result["error"].is_null());
  const double rate = result["value"].get<double>(); // USD per GPU-second
  const double tolerance = result["tolerance"].get<double>();
  CHECK(tolerance > 0);
  CHECK(tolerance <= 1e-6 / 3600);
  CHECK(s["finance"]["equity_irr"].get<double>() ==
        doctest::Approx(result["achieved"].get<double>()).epsilon(1e-12));
  CHECK(s["finance"]["leases"][0]["rate_usd_per_gpu_hour"].get<double>() ==
        doctest::Approx(rate * 3600).epsilon(1e-12));

  // Put back without the solve block: the IRR equals 22% to what the tolerance on the rate
  // allows, and the root lies within the stated tolerance (the IRR rises with the rate).
  auto irr_at = [&](double usd_per_gpu_s, const std::string& out) {
    auto file =
        dir.write(out + ".yaml",
                  small_scenario(fmt::format("      rate: {:.17g} USD/GPU/s\n", usd_per_gpu_s) +
                                     "      term: 36 months\n",
                                 vehicle_block));
    return run_ok(dir, file, {}, out)["finance"]["equity_irr"].get<double>();
  };
  const double at_root = irr_at(rate, "root");
  const double below = irr_at(rate - tolerance, "below");
  const double above = irr_at(rate + tolerance, "above");
  CHECK(below <= 0.22);
  CHECK(above >= 0.22);
  CHECK(at_root == doctest::Approx(0.22).epsilon(std::max(above - below, 1e-12)));
}

TEST_CASE("without a finance block: the same two keys, no ledger") {
  TempDir dir;
  auto s = run_ok(dir, source_path("scenarios/quickstart.yaml"), {"--set", "horizon=3 d"});
  const auto& f = s["finance"];
  double expected = 0;
  for (const auto& c : s["clusters"])
    expected += c["lease_cost_usd"].get<double>();
  for (const auto& site : s["sites"])
    expected += site["energy_cost_usd"].get<double>() + site["capex_usd"].get<double>();
  CHECK(f["total_cost_usd"].get<double>() == doctest::Approx(expected).epsilon(1e-12));
  CHECK(!std::filesystem::exists(dir.path("out/ledger.csv")));
}

// ---- bad fixtures: one per finance error kind -----------------------------------------------

namespace {

std::string finance_fixture(const std::string& name) {
  return source_path("tests/fixtures/finance/" + name + ".yaml");
}

std::vector<capsim::Diagnostic> finance_errors_of(const std::string& name) {
  try {
    capsim::load_scenario(finance_fixture(name));
  } catch (const capsim::InputError& e) {
    return e.diagnostics();
  }
  return {};
}

void expect_error(const std::string& name, int line, int column, const std::string& words) {
  auto list = finance_errors_of(name);
  std::string all;
  for (const auto& d : list)
    all += d.format() + "\n";
  INFO(name, ":\n", all);
  CHECK(std::any_of(list.begin(), list.end(), [&](const capsim::Diagnostic& d) {
    return d.line == line && d.column == column && d.message.find(words) != std::string::npos;
  }));
}

} // namespace

TEST_CASE("finance errors are located: keys, references, units, months") {
  expect_error("unknown-key", 23, 7, "unknown key 'escalation' in lease 'l'");
  expect_error("dangling-reference", 19, 16, "unknown cluster 'colossus'");
  expect_error("wrong-unit", 21, 15, "expected a price per GPU-time");
  expect_error("partial-month", 22, 13, "whole number of months");
  expect_error("duplicate-lease", 23, 13, "duplicate lease name 'l'");
  expect_error("duplicate-lease", 24, 16, "already leased under 'l'");
}

TEST_CASE("finance errors are located: debt, lessor, deliveries, site costs") {
  expect_error("debt-sizing", 27, 9, "exactly one of loan_to_cost and principal");
  expect_error("principal-too-large", 27, 20, "must be less than the all-in capex");
  expect_error("lessor-mismatch", 26, 14, "whose lessor is 'someone-else'");
  expect_error("late-delivery", 25, 7, "not before the last month of lease 'l'");
  expect_error("site-capex-twice", 32, 13, "also has a capex");
  expect_error("water-price", 33, 20, "price per volume");
  expect_error("site-kind", 32, 13, "does not match the site, which is terrestrial");
}

TEST_CASE("finance errors are located: solve") {
  expect_error("solve-parameter", 31, 16, "unknown lease parameter 'price'");
  expect_error("solve-bracket", 34, 14, "low < high");
  expect_error("solve-target", 32, 13, "no vehicle named 'w'");
}

TEST_CASE("finance errors are located: capex fabric, lessee default, floating rate") {
  expect_error("lender-terms", 26, 23, "unknown fabric 'token-ring'");
  expect_error("lender-terms", 27, 23, "needs a month (a scheduled default) or a hazard");
  expect_error("lender-terms", 29, 9, "a floating rate needs base_rate");
  expect_error("lender-terms", 27, 23, "needs the market rent of the GPU");
}

// ---- lender-grade finance through whole runs --------------------------------------------------

TEST_CASE("a vehicle named 'apollo, fund I' is one quoted CSV field in ledger.csv and months") {
  TempDir dir;
  std::string block = vehicle_block;
  block.replace(block.find("name: v"), 7, "name: \"apollo, fund I\"");
  auto file =
      dir.write("s.yaml", small_scenario("      rate: 2.5 USD/GPU/h\n      term: 36 months\n"
                                         "      lessor: \"apollo, fund I\"\n",
                                         block));
  run_ok(dir, file);
  for (const char* name : {"out/ledger.csv", "out/finance_months.csv"}) {
    std::ifstream in(dir.path(name));
    std::string line;
    std::getline(in, line);
    const auto header = capsim::split_csv_line(line);
    int rows = 0, named = 0;
    while (std::getline(in, line)) {
      const auto fields = capsim::split_csv_line(line);
      INFO(name, ": ", line);
      REQUIRE(fields.size() == header.size());
      named += std::count(fields.begin(), fields.end(), "apollo, fund I");
      ++rows;
    }
    CHECK(rows >= 36);
    CHECK(named >= 36);
  }
}

TEST_CASE("all-in capex in the summary adds up to the ledger's capex lines and the uses at close") {
  TempDir dir;
  auto s = run_ok(
      dir,
      dir.write("s.yaml", small_scenario("      rate: 2.5 USD/GPU/h\n      term: 36 months\n",
                                         vehicle_block +
                                             "      capex: {fabric: spectrum-x, storage: "
                                             "2000 USD, installation: 1000 USD, spares: 5 %}\n"
                                             "      fees: {arrangement: 1 %, legal: 1e6 USD}\n")));
  const auto& v = s["finance"]["vehicles"][0];
  const auto& c = v["capex"];
  // 1,024 H100 at 30,000 USD + per GPU: Spectrum-X 4,000 (catalogue), storage 2,000,
  // installation 1,000, spares 5% x 30,000.
  CHECK(c["total_usd"].get<double>() ==
        doctest::Approx(1024 * (30000 + 4000 + 2000 + 1000 + 1500)).epsilon(1e-12));
  CHECK(c["per_gpu_usd"].get<double>() == doctest::Approx(38500).epsilon(1e-12));
  std::vector<std::string> header;
  auto rows = read_csv(dir.path("out/ledger.csv"), header);
  double lines = 0, fees = 0;
  for (const auto& row : rows) {
    if (row[2] != "vehicle") continue;
    for (const char* k :
         {"gpu_purchase_usd", "networking_usd", "storage_usd", "installation_usd", "spares_usd"})
      lines -= number(row[column(header, k)]);
    for (const char* k : {"arrangement_fee_usd", "commitment_fee_usd", "legal_fees_usd"})
      fees -= number(row[column(header, k)]);
  }
  CHECK(lines == doctest::Approx(c["total_usd"].get<double>()).epsilon(1e-12));
  CHECK(fees == doctest::Approx(0.01 * 20e6 + 1e6).epsilon(1e-12));
  CHECK(v["uses_at_close_usd"].get<double>() == doctest::Approx(lines + fees).epsilon(1e-12));
}

TEST_CASE("a scheduled lessee default in month 24: repossession, gap and new lease in the ledger") {
  TempDir dir;
  const std::string lease = "      rate: 2.5 USD/GPU/h\n      term: 48 months\n";
  std::string block = vehicle_block;
  block.replace(block.find("term: 36 months"), 15, "term: 48 months");
  auto paying = run_ok(
      dir, dir.write("a.yaml", small_scenario(lease, "  start_date: 2026-03\n" + block)), {}, "a");
  auto defaulted =
      run_ok(dir,
             dir.write("b.yaml",
                       small_scenario(lease, "  start_date: 2026-03\n" + block +
                                                 "      lessee_default: {month: 24 months, "
                                                 "repossession: 2 months, recovery: re_lease}\n")),
             {}, "b");
  const auto& v = defaulted["finance"]["vehicles"][0];
  CHECK(v["lessee_default_month"].get<int>() == 24);
  CHECK(v["equity_irr"].get<double>() <
        paying["finance"]["vehicles"][0]["equity_irr"].get<double>());
  std::vector<std::string> header;
  auto rows = read_csv(dir.path("b/ledger.csv"), header);
  const std::size_t status = column(header, "lease_status");
  bool saw_market_lessee = false;
  for (const auto& row : rows) {
    const int m = std::stoi(row[0]);
    if (row[2] == "market_lessee") saw_market_lessee = true;
    if (row[2] != "vehicle") continue;
    INFO("month ", m);
    const double rent = number(row[column(header, "lease_income_usd")]);
    const double re_rent = number(row[column(header, "re_lease_income_usd")]);
    const double repossession = number(row[column(header, "repossession_usd")]);
    if (m < 24) {
      CHECK(row[status] == "paying");
      CHECK(rent > 0);
    } else if (m < 26) {
      CHECK(row[status] == "repossession");
      CHECK(rent == 0);
      CHECK(re_rent == 0);
    } else {
      CHECK(row[status] == "re_leased");
      CHECK(re_rent > 0);
    }
    CHECK((repossession < 0) == (m == 24));
  }
  CHECK(saw_market_lessee);
}

TEST_CASE("one ledger row per month per entity: a vehicle's and a plain lease's site bills merge") {
  // Two clusters on one site: a vehicle leases c (triple-net), d has a lease without a vehicle
  // (full-service, so its lessor pays the bills). The site operator is one row a month, and
  // every dollar of power and facility it receives is paid by some other row of that month.
  std::string text = small_scenario("      rate: 2.5 USD/GPU/h\n      term: 36 months\n",
                                    "    - name: m\n      cluster: d\n      lessee: lab\n"
                                    "      rate: 3 USD/GPU/h\n      term: 24 months\n"
                                    "      triple_net: false\n" +
                                        vehicle_block +
                                        "  site_costs:\n    - site: s\n      kind: ground\n"
                                        "      capex_per_it_power: 10.7e6 USD/MW\n"
                                        "      facility_life: 15 yr\n");
  text.replace(text.find("jobs:"), 5,
               "  - name: d\n    site: s\n    gpu: H100\n"
               "    deliveries:\n      - {at: 0 d, gpus: 512}\njobs:");
  TempDir dir;
  run_ok(dir, dir.write("s.yaml", text));
  std::vector<std::string> header;
  auto rows = read_csv(dir.path("out/ledger.csv"), header);
  std::set<std::tuple<std::string, std::string, std::string>> seen;
  std::map<std::string, std::array<double, 2>> site_receives, others_pay; // power, facility
  int lessor_rows = 0;
  for (const auto& row : rows) {
    INFO("month ", row[0], " ", row[2], " ", row[3]);
    CHECK(seen.insert({row[0], row[2], row[3]}).second);
    lessor_rows += row[2] == "lessor";
    auto& into = row[2] == "site_operator" ? site_receives[row[0]] : others_pay[row[0]];
    into[0] += number(row[column(header, "power_usd")]);
    into[1] += number(row[column(header, "facility_usd")]);
  }
  CHECK(lessor_rows == 24);
  REQUIRE(site_receives.size() == 36);
  for (const auto& [month, received] : site_receives) {
    INFO("month ", month);
    CHECK(received[0] > 0);
    CHECK(received[1] > 0);
    CHECK(-others_pay[month][0] == doctest::Approx(received[0]).epsilon(1e-12));
    CHECK(-others_pay[month][1] == doctest::Approx(received[1]).epsilon(1e-12));
  }
}

TEST_CASE("capsim run prints the finance headline in human units, and the lease on the cluster") {
  TempDir dir;
  auto file =
      dir.write("s.yaml", small_scenario("      rate: 2.5 USD/GPU/h\n      term: 36 months\n",
                                         vehicle_block));
  auto result = run_capsim({"run", file, "-o", dir.path("out")});
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  CHECK(result.output.find("lease 0 USD") == std::string::npos);
  CHECK(result.output.find("lease 'l' 2.5 USD/GPU-h") != std::string::npos);
  CHECK(result.output.find("equity IRR") != std::string::npos);
  CHECK(result.output.find("min DSCR") != std::string::npos);
  CHECK(result.output.find("M USD") != std::string::npos); // 39.4M USD of all-in capex
}

TEST_CASE(
    "finance: a lessee default given by its hazard alone loads, its month drawn with the seed") {
  const std::string lease = "      rate: 2.5 USD/GPU/h\n      term: 36 months\n";
  Scenario s = load_scenario_text(
      small_scenario(lease, "  start_date: 2026-03\n" + vehicle_block +
                                "      lessee_default: {hazard: 50 %, repossession: 2 months}\n"),
      "inline.yaml");
  REQUIRE(s.finance.vehicles.size() == 1);
  const VehicleSpec& v = s.finance.vehicles[0];
  CHECK(v.credit_risk);
  CHECK(!v.default_month); // drawn with the run's seed
  CHECK(v.default_hazard_per_year == 0.5);
  CHECK(v.repossession_months == 2);
}
