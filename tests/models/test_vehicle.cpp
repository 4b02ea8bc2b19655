#include "models/vehicle.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

using namespace capsim;

namespace {

// A vehicle like the one in the press (Feb 2026): ~5.3B USD raised, a ~3.4B USD loan at ~9.5%,
// buying NVIDIA racks and leasing them to an AI lab for five years, triple-net, with a purchase
// option. Racks: GB200 NVL72 at 3.0 M USD (press range 2-3 M USD), 420 a month over 4 months.
// Assumed (not in the press): 1.5% arrangement fee, 3-month debt-service reserve, full
// amortisation over 60 months, 6-year straight-line residual, option at 15% of cost.
constexpr int kRacksPerMonth = 420;
constexpr double kRackPriceUsd = 3.0e6;
constexpr double kPurchasesUsd = 4 * kRacksPerMonth * kRackPriceUsd; // 5.04B USD
constexpr double kLoanUsd = 3.4e9;

VehicleParams press_vehicle(double rate_usd_per_gpu_hour) {
  std::vector<GpuPurchase> purchases;
  std::vector<GpuArrival> arrivals;
  for (int m = 0; m < 4; ++m) {
    purchases.push_back({.month = m,
                         .units = kRacksPerMonth,
                         .gpus_per_unit = 72,
                         .price_usd_per_unit = kRackPriceUsd});
    arrivals.push_back({.month = m, .gpus = kRacksPerMonth * 72.0});
  }
  return {.purchases = purchases,
          .debt = {.loan_to_cost = kLoanUsd / kPurchasesUsd,
                   .annual_rate = 0.095,
                   .term_months = 60,
                   .upfront_fee_fraction = 0.015,
                   .reserve_months = 3},
          .lease = {.rate_usd_per_gpu_hour = rate_usd_per_gpu_hour,
                    .start_month = 1,
                    .term_months = 60,
                    .purchase_option_usd = 0.15 * kPurchasesUsd},
          .lease_volumes = {.gpus_on_lease = gpus_on_lease_from_arrivals(arrivals, 1, 61)},
          .residual = depreciation_preset(DepreciationPreset::six_years)};
}

double equity_irr_for_rate(double rate_usd_per_gpu_hour) {
  return run_vehicle(press_vehicle(rate_usd_per_gpu_hour)).equity_irr_annual;
}

} // namespace

TEST_CASE("vehicle: a 5.3B USD GB200 purchase-and-lease balances sources and uses every month") {
  const VehicleResult result = run_vehicle(press_vehicle(1.5));
  REQUIRE(result.ledger.size() == 61 * 3);
  for (const auto& row : result.ledger) {
    CAPTURE(row.month);
    CAPTURE(entity_name(row.entity));
    CHECK(std::abs(row.sources_usd() - row.uses_usd()) <= 1e-6 * std::max(1.0, row.sources_usd()));
  }
  CHECK(ledger_imbalance_usd(result.ledger) <= 1e-5);
  // Size of the deal: purchases + fees + reserve at close ~5.3B USD (press), loan 3.4B USD.
  CHECK(result.debt_drawn_usd == doctest::Approx(kLoanUsd).epsilon(1e-12));
  CHECK(result.purchases_usd + result.fees_usd + result.months[3].reserve_balance_usd ==
        doctest::Approx(5.3e9).epsilon(0.01));
  // The lessee pays exactly what the vehicle earns.
  for (size_t i = 0; i + 1 < result.ledger.size(); i += 3)
    CHECK(result.ledger[i + 1][FlowKind::lease_payment] ==
          -result.ledger[i][FlowKind::lease_income]);
  // The debt is repaid and the reserve released by the end; sum of principal = drawdowns.
  double principal_usd = 0;
  for (const auto& row : result.ledger)
    principal_usd -= row[FlowKind::principal];
  CHECK(principal_usd == doctest::Approx(kLoanUsd).epsilon(1e-12));
  CHECK(result.months.back().debt_balance_usd <= 1e-3);
  CHECK(result.months.back().reserve_balance_usd == 0.0);
  // Market value at the end: rack bought in month d is (61 - d) months old, 6-year line.
  double market_usd = 0;
  for (int d = 0; d < 4; ++d)
    market_usd += kRacksPerMonth * kRackPriceUsd * (1 - (61.0 - d) / 72);
  CHECK(result.market_value_at_end_usd == doctest::Approx(market_usd).epsilon(1e-12));
  CHECK(result.purchase_option_exercised); // option at 15% < ~17% market value
  CHECK(result.end_proceeds_usd == doctest::Approx(0.15 * kPurchasesUsd).epsilon(1e-12));
  // Steady-state DSCR = rent / sum of the four tranches' annuities (closed form).
  const double r = 0.095 / 12;
  double debt_service_usd = 0;
  for (int d = 0; d < 4; ++d)
    debt_service_usd += kLoanUsd / 4 * r / (1 - std::pow(1 + r, -(60 - d)));
  const double rent_usd = 1.5 * kHoursPerMonth * 4 * kRacksPerMonth * 72;
  CHECK(result.months[30].dscr == doctest::Approx(rent_usd / debt_service_usd).epsilon(1e-9));
  CHECK(result.min_dscr <= result.months[30].dscr);
  CHECK(result.min_dscr > 1.0);
  MESSAGE("press vehicle at 1.50 USD/GPU/h: equity IRR ", result.equity_irr_annual,
          ", project IRR ", result.project_irr_annual, ", min DSCR ", result.min_dscr, ", equity ",
          result.equity_contributed_usd / 1e9, "B USD");
}

TEST_CASE("vehicle: the lease rate solved for a 22% equity IRR gives 22% when put back") {
  // Investors were pitched returns above 22% a year (press, Feb 2026).
  const TargetSolution solution = solve_for_target(equity_irr_for_rate, 0.22, 1.0, 4.0, 1e-9,
                                                   {.input = "lease rate",
                                                    .input_unit = "USD/GPU/h",
                                                    .output = "equity IRR",
                                                    .output_as_percent = true});
  REQUIRE_MESSAGE(solution.ok(), solution.error);
  CHECK(solution.achieved == doctest::Approx(0.22).epsilon(1e-6));
  CHECK(equity_irr_for_rate(*solution.value) == doctest::Approx(0.22).epsilon(1e-6));
  CHECK(equity_irr_for_rate(*solution.value * 1.01) > 0.22);
  MESSAGE("lease rate for a 22% equity IRR: ", *solution.value, " USD/GPU/h");

  // A negative target lies below the IRR at the cheapest rate of the range.
  const TargetSolution too_low = solve_for_target(equity_irr_for_rate, -0.5, 1.0, 4.0, 1e-9,
                                                  {.input = "lease rate",
                                                   .input_unit = "USD/GPU/h",
                                                   .output = "equity IRR",
                                                   .output_as_percent = true});
  CHECK_FALSE(too_low.ok());
  CHECK(too_low.error.find("for lease rate 1..4 USD/GPU/h; target -50.0% is outside") !=
        std::string::npos);
  MESSAGE(too_low.error);
}

TEST_CASE("vehicle: a rent below debt service draws the reserve, then equity cures") {
  const VehicleResult result = run_vehicle(press_vehicle(0.7));
  CHECK(result.min_dscr < 1.0);
  double reserve_draw_usd = 0, cure_usd = 0;
  for (const auto& row : result.ledger) {
    if (row.entity != Entity::vehicle) continue;
    reserve_draw_usd += row[FlowKind::reserve_draw];
    if (row.month > 3) cure_usd += row[FlowKind::equity_contribution];
  }
  CHECK(reserve_draw_usd > 0);
  CHECK(cure_usd > 0);
  CHECK(ledger_imbalance_usd(result.ledger) <= 1e-5);
}

TEST_CASE("vehicle: without triple-net the vehicle pays power and facility to the site operator") {
  VehicleParams params = press_vehicle(2.0);
  params.lease.triple_net = false;
  // ~120 kW per GB200 NVL72 rack (press), PUE 1.3, 8 cents/kWh: power bill per month.
  const double power_usd = 1680 * 120.0 * 1.3 * kHoursPerMonth * 0.08;
  params.power_usd.assign(61, power_usd);
  params.facility_usd.assign(61, 5e6);
  const VehicleResult net = run_vehicle(params);
  params.lease.triple_net = true;
  const VehicleResult triple = run_vehicle(params);
  CHECK(net.months[30].cfads_usd ==
        doctest::Approx(triple.months[30].cfads_usd - power_usd - 5e6).epsilon(1e-12));
  const LedgerRow& vehicle_row = net.ledger[30 * 3];
  const LedgerRow& lessee_row = triple.ledger[30 * 3 + 1];
  const LedgerRow& site_row = net.ledger[30 * 3 + 2];
  CHECK(vehicle_row[FlowKind::power] == -power_usd);
  CHECK(lessee_row[FlowKind::power] == -power_usd);
  CHECK(site_row[FlowKind::power] == power_usd);
  CHECK(net.equity_irr_annual < triple.equity_irr_annual);
  CHECK(ledger_imbalance_usd(net.ledger) <= 1e-5);
}

TEST_CASE("vehicle: bullet debt stays drawn until the end, where the GPUs repay it") {
  VehicleParams params = press_vehicle(1.5);
  params.debt.amortization = Amortization::bullet;
  params.lease.purchase_option_usd = 0.5 * kPurchasesUsd; // above market: lessee declines
  const VehicleResult result = run_vehicle(params);
  CHECK_FALSE(result.purchase_option_exercised);
  CHECK(result.months[30].debt_balance_usd == doctest::Approx(kLoanUsd).epsilon(1e-12));
  const LedgerRow& last = result.ledger[60 * 3];
  CHECK(-last[FlowKind::principal] == doctest::Approx(kLoanUsd).epsilon(1e-12));
  CHECK(last[FlowKind::residual_sale] == doctest::Approx(result.market_value_at_end_usd));
  CHECK(result.months[30].dscr ==
        doctest::Approx(1.5 * kHoursPerMonth * 120960 / (kLoanUsd * 0.095 / 12)).epsilon(1e-9));
  CHECK(ledger_imbalance_usd(result.ledger) <= 1e-5);
}

TEST_CASE("vehicle: invalid parameters are all reported") {
  VehicleParams params = press_vehicle(1.5);
  params.debt.loan_to_cost = 1.2;
  params.lease_volumes.gpus_on_lease.assign(61, 1e6);
  params.purchases[0].price_usd_per_unit = 0;
  const auto problems = validate(params);
  CHECK(problems.size() == 3);
  CHECK_THROWS_AS(run_vehicle(params), std::invalid_argument);
}

TEST_CASE("plain lease ledger: rent less the lessor's bills goes to its owners, rows balance") {
  // Months 2..4 of a lease over 6 ledger months; in month 3 the bills (100 + 30) exceed the rent
  // (120), so a full-service lessor's owners fund 10; triple-net, the lessee pays them instead.
  PlainLeaseParams params{.lease = {.start_month = 2, .term_months = 3},
                          .rent_usd = {0, 0, 120, 120, 120, 0},
                          .power_usd = {5, 5, 50, 100, 60, 5},
                          .facility_usd = {1, 1, 20, 30, 20, 1}};
  for (bool triple_net : {false, true}) {
    CAPTURE(triple_net);
    params.lease.triple_net = triple_net;
    const Ledger ledger = plain_lease_ledger(params);
    REQUIRE(ledger.size() == 3 * 3);
    CHECK(ledger_imbalance_usd(ledger) == 0);
    for (std::size_t i = 0; i < ledger.size(); i += 3) {
      const LedgerRow &lessor = ledger[i], &lessee = ledger[i + 1], &site = ledger[i + 2];
      const int m = lessor.month;
      CAPTURE(m);
      CHECK(m == 2 + static_cast<int>(i / 3));
      CHECK(lessor.entity == Entity::lessor);
      CHECK(lessee.entity == Entity::lessee);
      CHECK(site.entity == Entity::site_operator);
      const double rent = params.rent_usd[m], bills = params.power_usd[m] + params.facility_usd[m];
      CHECK(lessor[FlowKind::lease_income] == rent);
      CHECK(lessee[FlowKind::lease_payment] == -rent);
      // The site receives the bills, from the lessor (full-service) or the lessee (triple-net).
      CHECK(site[FlowKind::power] == params.power_usd[m]);
      CHECK(site[FlowKind::facility] == params.facility_usd[m]);
      CHECK(site[FlowKind::site_costs] == -bills);
      const LedgerRow& payer = triple_net ? lessee : lessor;
      CHECK(payer[FlowKind::power] + payer[FlowKind::facility] == -bills);
      const double owners = triple_net ? rent : rent - bills; // 50, -10, 40 full-service
      CHECK(-lessor[FlowKind::distribution] == std::max(owners, 0.0));
      CHECK(lessor[FlowKind::equity_contribution] == std::max(-owners, 0.0));
      CHECK(lessee[FlowKind::lessee_funding] == rent + (triple_net ? bills : 0.0));
    }
  }
}
