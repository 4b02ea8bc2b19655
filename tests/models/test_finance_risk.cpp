// Lender-grade finance in the vehicle model: all-in capex, lessor costs, lessee default and
// re-leasing at the market rate, floating debt and swaps, DSCR covenants, cash sweep, balloon
// and refinancing, portable draws (default month, base-rate path), and the closed-form check of
// a solved lease rate.
#include "models/credit.hpp"
#include "models/market.hpp"
#include "models/returns.hpp"
#include "models/vehicle.hpp"

#include <doctest/doctest.h>

#include <cmath>

using namespace capsim;

namespace {

constexpr double kGpus = 1000;
constexpr int kTerm = 60;

// 1,000 GPUs bought in month 0 at 30k USD each, leased take-or-pay from month 0 for 60 months.
VehicleParams base_vehicle(double rate_usd_per_gpu_hour) {
  VehicleParams p;
  p.purchases = {{.month = 0, .units = kGpus, .gpus_per_unit = 1, .price_usd_per_unit = 30000}};
  p.debt = {.loan_to_cost = 0.6, .annual_rate = 0.095, .term_months = kTerm};
  p.lease = {
      .rate_usd_per_gpu_hour = rate_usd_per_gpu_hour, .start_month = 0, .term_months = kTerm};
  p.lease_volumes.gpus_on_lease.assign(kTerm, kGpus);
  p.residual = {.method = DepreciationMethod::straight_line, .life_years = 6};
  return p;
}

double column_sum(const VehicleResult& r, FlowKind k, Entity e = Entity::vehicle) {
  double sum = 0;
  for (const auto& row : r.ledger)
    if (row.entity == e) sum += row[k];
  return sum;
}

void check_balanced(const VehicleResult& r) {
  for (const auto& row : r.ledger) {
    CAPTURE(row.month);
    CAPTURE(entity_name(row.entity));
    CHECK(std::abs(row.sources_usd() - row.uses_usd()) <= 1e-9 * std::max(1.0, row.sources_usd()));
  }
}

} // namespace

TEST_CASE("all-in capex: the lines add up to the vehicle's uses, sources equal uses every month") {
  VehicleParams p = base_vehicle(2.0);
  p.purchases.push_back(
      {.month = 1, .units = 10, .gpus_per_unit = 72, .price_usd_per_unit = 2.5e6});
  p.lease_volumes.gpus_on_lease.assign(kTerm, kGpus + 720);
  p.lease_volumes.gpus_on_lease[0] = kGpus;
  p.capex = {
      .networking_usd = 5000, .storage_usd = 1500, .installation_usd = 1500, .spares_usd = 900};
  p.debt.upfront_fee_fraction = 0.015;
  p.fees = {.commitment_fraction_per_year = 0.005, .legal_usd = 2e6};
  p.costs = {.insurance_fraction_per_year = 0.005, .asset_management_fraction_per_year = 0.003};
  const VehicleResult r = run_vehicle(p);
  const double gpus = kGpus + 720;
  const double expected = kGpus * 30000 + 10 * 2.5e6 + gpus * (5000 + 1500 + 1500 + 900);
  CHECK(r.capex.total_usd() == doctest::Approx(expected).epsilon(1e-12));
  CHECK(r.capex.networking_usd == doctest::Approx(gpus * 5000).epsilon(1e-12));
  double lines = 0;
  for (FlowKind k : {FlowKind::gpu_purchase, FlowKind::networking, FlowKind::storage,
                     FlowKind::installation, FlowKind::spares})
    lines -= column_sum(r, k);
  CHECK(lines == doctest::Approx(r.capex.total_usd()).epsilon(1e-12));
  CHECK(r.purchases_usd == doctest::Approx(r.capex.total_usd()).epsilon(1e-12));
  // Uses at close: capex and fees, funded by debt (60% of capex) and equity.
  CHECK(r.debt_drawn_usd == doctest::Approx(0.6 * expected).epsilon(1e-12));
  CHECK(r.arrangement_fee_usd == doctest::Approx(0.015 * 0.6 * expected).epsilon(1e-12));
  // Commitment fee on month 0's undrawn commitment (the second purchase's debt).
  CHECK(r.commitment_fee_usd ==
        doctest::Approx(0.005 / 12 * 0.6 * (10 * 2.5e6 + 720 * 8900)).epsilon(1e-12));
  CHECK(r.legal_fees_usd == 2e6);
  CHECK(-column_sum(r, FlowKind::arrangement_fee) - column_sum(r, FlowKind::commitment_fee) -
            column_sum(r, FlowKind::legal_fees) ==
        doctest::Approx(r.fees_usd).epsilon(1e-12));
  // Triple-net: the lessee pays insurance; asset management is the vehicle's.
  CHECK(column_sum(r, FlowKind::insurance) == 0);
  CHECK(column_sum(r, FlowKind::insurance, Entity::lessee) < 0);
  CHECK(-column_sum(r, FlowKind::asset_management) ==
        doctest::Approx(0.003 / 12 * (r.capex.total_usd() * (kTerm - 1) + (kGpus * (30000 + 8900))))
            .epsilon(1e-9));
  check_balanced(r);
}

TEST_CASE("lessor costs: failures out of warranty cost the payer, full-service moves the bills") {
  VehicleParams p = base_vehicle(2.0);
  p.costs = {.insurance_fraction_per_year = 0.006,
             .repair_usd_per_failure = 3000,
             .replacement_usd_per_lost_unit = 240000,
             .warranty_months = 12};
  p.failures.assign(kTerm, 10);
  p.lost_units.assign(kTerm, 0.5);
  const VehicleResult triple = run_vehicle(p);
  const double per_month = 10 * 3000 + 0.5 * 240000;
  CHECK(-column_sum(triple, FlowKind::maintenance, Entity::lessee) ==
        doctest::Approx(per_month * (kTerm - 12)).epsilon(1e-12));
  CHECK(column_sum(triple, FlowKind::maintenance) == 0);
  p.lease.triple_net = false;
  const VehicleResult full = run_vehicle(p);
  CHECK(-column_sum(full, FlowKind::maintenance) ==
        doctest::Approx(per_month * (kTerm - 12)).epsilon(1e-12));
  CHECK(-column_sum(full, FlowKind::insurance) ==
        doctest::Approx(0.006 / 12 * 30000 * kGpus * kTerm).epsilon(1e-12));
  CHECK(full.equity_irr_annual < triple.equity_irr_annual);
  check_balanced(full);
}

TEST_CASE("a default in month 24 with re-leasing at the market rate lowers the equity IRR") {
  VehicleParams p = base_vehicle(2.0);
  // Market: 1.60 USD/GPU-h now, -10%/yr, one newer generation in month 18.
  const MarketCurve market{.reference_year = 2026,
                           .reference_rate_usd_per_gpu_hour = 1.6,
                           .annual_decline = 0.10,
                           .generation_step = 0.9,
                           .newer_generation_years = {2027.5}};
  for (int m = 0; m < kTerm; ++m)
    p.market_rate_usd_per_gpu_hour.push_back(market_rate_usd_per_gpu_hour(market, 2026 + m / 12.0));
  p.costs.repossession_usd_per_gpu = 300;
  p.costs.remarketing_fraction = 0.03;
  const VehicleResult paying = run_vehicle(p);

  SUBCASE("immediate re-lease") {
    p.lessee_default = {.month = 24, .repossession_months = 0};
    const VehicleResult r = run_vehicle(p);
    CHECK(r.equity_irr_annual < paying.equity_irr_annual);
    const double rate = market_rate_usd_per_gpu_hour(market, 2026 + 24 / 12.0);
    for (const auto& row : r.ledger) {
      if (row.entity != Entity::vehicle) continue;
      CAPTURE(row.month);
      if (row.month < 24) {
        CHECK(row[FlowKind::lease_income] > 0);
        CHECK(row[FlowKind::re_lease_income] == 0);
      } else {
        CHECK(row[FlowKind::lease_income] == 0);
        CHECK(row[FlowKind::re_lease_income] ==
              doctest::Approx(rate * kHoursPerMonth * kGpus).epsilon(1e-12));
      }
      CHECK((row[FlowKind::repossession] != 0) == (row.month == 24));
    }
    CHECK(r.months[24].status == LeaseStatus::re_leased);
    check_balanced(r);
  }
  SUBCASE("two months to repossess: the gap has no rent, then the new lease") {
    p.lessee_default = {.month = 24, .repossession_months = 2};
    const VehicleResult r = run_vehicle(p);
    CHECK(r.equity_irr_annual < paying.equity_irr_annual);
    const double rate = market_rate_usd_per_gpu_hour(market, 2026 + 26 / 12.0);
    CHECK(r.months[23].status == LeaseStatus::paying);
    CHECK(r.months[24].status == LeaseStatus::repossession);
    CHECK(r.months[25].status == LeaseStatus::repossession);
    CHECK(r.months[26].status == LeaseStatus::re_leased);
    CHECK(r.months[24].lease_income_usd == 0);
    CHECK(r.months[25].lease_income_usd == 0);
    CHECK(r.months[26].lease_income_usd ==
          doctest::Approx(rate * kHoursPerMonth * kGpus).epsilon(1e-12));
    CHECK(r.ledger[3 * 24][FlowKind::repossession] == doctest::Approx(-300 * kGpus));
    // Remarketing of the new lease: 3% of its first-year rent, in its first month.
    double remarketing = 0;
    for (const auto& row : r.ledger)
      if (row.entity == Entity::vehicle && row.month == 26)
        remarketing = row[FlowKind::remarketing];
    CHECK(remarketing == doctest::Approx(-0.03 * 12 * rate * kHoursPerMonth * kGpus));
    check_balanced(r);
  }
  SUBCASE("sold at the market residual: the debt is repaid, the vehicle ends") {
    p.used_fraction.assign(kTerm, {});
    for (int m = 0; m < kTerm; ++m)
      p.used_fraction[0].push_back(used_price_fraction(market, 2026, 2026 + (m + 1) / 12.0));
    p.lessee_default = {.month = 24, .repossession_months = 3, .recovery = DefaultRecovery::sell};
    const VehicleResult r = run_vehicle(p);
    CHECK(r.months[27].status == LeaseStatus::sold);
    CHECK(r.months[27].debt_balance_usd == 0);
    CHECK(r.months[28].status == LeaseStatus::sold);
    CHECK(r.end_proceeds_usd ==
          doctest::Approx(30000 * kGpus * used_price_fraction(market, 2026, 2026 + 28 / 12.0)));
    CHECK(r.equity_irr_annual < paying.equity_irr_annual);
    check_balanced(r);
  }
}

TEST_CASE("floating rate with a swap on the whole notional gives the fixed-rate IRR") {
  VehicleParams fixed = base_vehicle(2.0);
  fixed.debt.annual_rate = 0.035 + 0.045;
  fixed.debt.reserve_months = 3;
  fixed.debt.grace_months = 2;
  VehicleParams floating = fixed;
  floating.debt.rate_kind = RateKind::floating;
  floating.debt.margin = 0.045;
  for (int m = 0; m < kTerm; ++m)
    floating.debt.base_rate_path.push_back(0.03 + 0.02 * std::sin(m / 7.0));
  floating.debt.swap = {.present = true, .fixed_rate = 0.035, .notional_fraction = 1};
  const VehicleResult a = run_vehicle(fixed);
  const VehicleResult b = run_vehicle(floating);
  CHECK(b.equity_irr_annual == doctest::Approx(a.equity_irr_annual).epsilon(1e-10));
  for (int m = 0; m < kTerm; ++m) {
    CAPTURE(m);
    const auto& fa = a.ledger[3 * m];
    const auto& fb = b.ledger[3 * m];
    CHECK(fb[FlowKind::interest] + fb[FlowKind::swap] ==
          doctest::Approx(fa[FlowKind::interest]).epsilon(1e-10));
    CHECK(fb[FlowKind::principal] == doctest::Approx(fa[FlowKind::principal]).epsilon(1e-10));
  }
  // Unhedged, the same path gives another IRR (the test can fail).
  floating.debt.swap.present = false;
  CHECK(std::abs(run_vehicle(floating).equity_irr_annual - a.equity_irr_annual) > 1e-4);
}

TEST_CASE("a DSCR lock-up at 1.2 locks distributions in the months it fails, and only those") {
  VehicleParams p = base_vehicle(1.0);
  p.lease.commitment = LeaseCommitment::usage_based;
  // Use swings between 55% and 100% of the fleet: DSCR crosses 1.2 both ways.
  for (int m = 0; m < kTerm; ++m)
    p.lease_volumes.gpu_hours_used.push_back(kGpus * kHoursPerMonth *
                                             (m % 5 == 2   ? 0.55
                                              : m % 7 == 3 ? 0.7
                                                           : 1.0));
  p.debt.lockup_dscr = 1.2;
  const VehicleResult r = run_vehicle(p);
  int failing = 0, passing = 0;
  for (int m = 1; m < kTerm - 1; ++m) {
    CAPTURE(m);
    const VehicleMonth& month = r.months[m];
    const LedgerRow& row = r.ledger[3 * m];
    REQUIRE(std::isfinite(month.dscr));
    if (month.dscr < 1.2) {
      ++failing;
      CHECK(month.lockup_test == CovenantTest::fail);
      CHECK(row[FlowKind::distribution] == 0);
      CHECK(row[FlowKind::lockup_funding] < 0);
    } else {
      ++passing;
      CHECK(month.lockup_test == CovenantTest::pass);
      CHECK(row[FlowKind::distribution] < 0);
      CHECK(month.lockup_balance_usd == 0);
    }
  }
  CHECK(failing >= 5);
  CHECK(passing >= 5);
  CHECK(r.lockup_months == failing);
  check_balanced(r);
}

TEST_CASE("cash sweep and balloon refinanced at the rate of the day") {
  VehicleParams p = base_vehicle(2.0);
  p.debt.term_months = 36;
  p.debt.balloon_fraction = 0.4;
  p.debt.base_rate_path.assign(kTerm, 0.04);
  p.debt.base_rate_path[36] = 0.06;
  p.debt.refinance = {.present = true, .margin = 0.05, .term_months = 24};
  const VehicleResult r = run_vehicle(p);
  const double balloon = 0.4 * 0.6 * 30000 * kGpus;
  CHECK(r.refinanced_usd == doctest::Approx(balloon).epsilon(1e-9));
  CHECK(r.ledger[3 * 36][FlowKind::debt_drawdown] == doctest::Approx(balloon).epsilon(1e-9));
  // The new loan pays 11% (6% base + 5% margin) from month 37.
  CHECK(r.ledger[3 * 37][FlowKind::interest] ==
        doctest::Approx(-0.11 / 12 * balloon).epsilon(1e-9));
  CHECK(r.months[kTerm - 1].debt_balance_usd == 0);
  check_balanced(r);

  VehicleParams swept = base_vehicle(2.0);
  swept.debt.sweep_fraction = 0.5;
  const VehicleResult s = run_vehicle(swept);
  CHECK(s.swept_usd > 0);
  CHECK(s.interest_usd < run_vehicle(base_vehicle(2.0)).interest_usd);
  check_balanced(s);
}

TEST_CASE("without equity cures a shortfall is a payment default: the lender enforces and loses") {
  VehicleParams p = base_vehicle(0.2); // rent below debt service
  p.debt.loan_to_cost = 0.9;           // 27M USD of debt on a fleet worth 25M USD in month 1
  p.residual = {.method = DepreciationMethod::straight_line, .life_years = 1};
  p.debt.equity_cures = false;
  const VehicleResult r = run_vehicle(p);
  CHECK(r.payment_default_month > 0);
  CHECK(r.lender_loss_usd > 0);
  CHECK(r.lender_loss_usd < r.debt_drawn_usd);
  CHECK(r.months[r.payment_default_month].status == LeaseStatus::enforced);
  // Loss = debt and interest due - (rent - costs + fleet value) in the enforcement month.
  const int m = r.payment_default_month;
  CHECK(r.lender_loss_usd ==
        doctest::Approx(r.ledger[3 * m][FlowKind::debt_written_off]).epsilon(1e-12));
  CHECK(r.months[m + 1].debt_balance_usd == 0);
  check_balanced(r);
}

TEST_CASE("splitmix64 matches the published generator, draws are pure functions of the seed") {
  std::uint64_t state = 0;
  CHECK(splitmix64_next(state) == 0xe220a8397b1dcdafULL);
  CHECK(splitmix64_next(state) == 0x6e789e6aa1b965f4ULL);
  CHECK(draw_default_month(42, 0.2, 0, 60) == draw_default_month(42, 0.2, 0, 60));
  CHECK(draw_base_rate_path(7,
                            {.initial = 0.04,
                             .long_run = 0.03,
                             .reversion_per_year = 0.5,
                             .volatility_per_sqrt_year = 0.01},
                            24) == draw_base_rate_path(7,
                                                       {.initial = 0.04,
                                                        .long_run = 0.03,
                                                        .reversion_per_year = 0.5,
                                                        .volatility_per_sqrt_year = 0.01},
                                                       24));
  CHECK(normal_quantile(0.975) == doctest::Approx(1.959963984540054).epsilon(1e-12));
}

TEST_CASE("Monte Carlo: the default frequency over many seeds matches the hazard within 4 sigma") {
  const double hazard = 0.10;
  const int n = 20000;
  int defaults = 0, first_year = 0;
  for (int seed = 0; seed < n; ++seed)
    if (auto m = draw_default_month(static_cast<std::uint64_t>(seed), hazard, 3, kTerm)) {
      ++defaults;
      CHECK_FALSE((*m < 3 || *m >= 3 + kTerm));
      if (*m < 15) ++first_year;
    }
  const double p = 1 - std::exp(-hazard * kTerm / 12.0);
  const double sigma = std::sqrt(p * (1 - p) / n);
  CHECK(std::abs(defaults / double(n) - p) < 4 * sigma);
  const double p1 = 1 - std::exp(-hazard);
  CHECK(std::abs(first_year / double(n) - p1) < 4 * std::sqrt(p1 * (1 - p1) / n));
  // The Vasicek path's mean after 5 years approaches b + (r0 - b) e^{-5a}.
  const BaseRateModel model{.initial = 0.05,
                            .long_run = 0.03,
                            .reversion_per_year = 0.4,
                            .volatility_per_sqrt_year = 0.01};
  double sum = 0;
  const int paths = 4000;
  for (int seed = 0; seed < paths; ++seed)
    sum += draw_base_rate_path(static_cast<std::uint64_t>(seed), model, 61).back();
  const double a = 0.4, dt = 1.0 / 12;
  const double mean = 0.03 + 0.02 * std::pow(1 - a * dt, 60);
  const double var =
      0.01 * 0.01 * dt * (1 - std::pow(1 - a * dt, 120)) / (1 - (1 - a * dt) * (1 - a * dt));
  CHECK(std::abs(sum / paths - mean) < 4 * std::sqrt(var / paths));
}

TEST_CASE("market curve: rents fall with time and step down as newer generations ship") {
  const MarketCurve c{.reference_year = 2026.2,
                      .reference_rate_usd_per_gpu_hour = 4.0,
                      .annual_decline = 0.065,
                      .generation_step = 0.93,
                      .newer_generation_years = {2026.75, 2027.75},
                      .floor_usd_per_gpu_hour = 0.5,
                      .economic_life_years = 6,
                      .used_floor_fraction = 0.05};
  CHECK(market_rate_usd_per_gpu_hour(c, 2026.2) == doctest::Approx(4.0));
  CHECK(market_rate_usd_per_gpu_hour(c, 2026.7) == doctest::Approx(4.0 * std::pow(0.935, 0.5)));
  CHECK(market_rate_usd_per_gpu_hour(c, 2026.8) ==
        doctest::Approx(4.0 * std::pow(0.935, 0.6) * 0.93));
  CHECK(market_rate_usd_per_gpu_hour(c, 2060) == 0.5);
  // Used price: earning power ratio x life left.
  CHECK(used_price_fraction(c, 2026.2, 2029.2) ==
        doctest::Approx(market_rate_usd_per_gpu_hour(c, 2029.2) / 4.0 * 0.5));
  CHECK(used_price_fraction(c, 2026.2, 2040) == 0.05);
}

TEST_CASE("the solved lease rate rises with all-in capex per GPU as the closed-form annuity says") {
  // No debt, no residual, no costs: the equity pays C per GPU in month 0 and receives R every
  // month 0..n-1, so R = C / a(n, i) with the annuity-due factor a = sum_{m<n} (1 + i)^-m.
  const double target = 0.22;
  const double i = monthly_from_annual_rate(target);
  double annuity_due = 0;
  for (int m = 0; m < kTerm; ++m)
    annuity_due += std::pow(1 + i, -m);
  double previous = 0;
  for (double capex : {35000.0, 50000.0, 70000.0}) {
    CAPTURE(capex);
    auto irr_at = [&](double rate) {
      VehicleParams p = base_vehicle(rate);
      p.debt.loan_to_cost = 0;
      p.purchases[0].price_usd_per_unit = 30000;
      p.capex.installation_usd = capex - 30000;
      p.residual = {.method = DepreciationMethod::straight_line, .life_years = 1};
      return run_vehicle(p).equity_irr_annual;
    };
    const TargetSolution s = solve_for_target(irr_at, target, 0.1, 20, 1e-10);
    REQUIRE(s.ok());
    const double closed_form = capex / annuity_due / kHoursPerMonth;
    CHECK(*s.value == doctest::Approx(closed_form).epsilon(1e-8));
    CHECK(*s.value > previous);
    previous = *s.value;
  }
}
