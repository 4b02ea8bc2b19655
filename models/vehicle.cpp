#include "models/vehicle.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace capsim {

const char* entity_name(Entity entity) {
  switch (entity) {
  case Entity::lessor:
    return "lessor";
  case Entity::vehicle:
    return "vehicle";
  case Entity::lessee:
    return "lessee";
  case Entity::market_lessee:
    return "market_lessee";
  case Entity::site_operator:
    return "site_operator";
  }
  return "?";
}

const char* flow_kind_name(FlowKind kind) {
  switch (kind) {
  case FlowKind::equity_contribution:
    return "equity_contribution";
  case FlowKind::debt_drawdown:
    return "debt_drawdown";
  case FlowKind::lease_income:
    return "lease_income";
  case FlowKind::re_lease_income:
    return "re_lease_income";
  case FlowKind::residual_sale:
    return "residual_sale";
  case FlowKind::purchase_option:
    return "purchase_option";
  case FlowKind::reserve_release:
    return "reserve_release";
  case FlowKind::reserve_draw:
    return "reserve_draw";
  case FlowKind::lockup_release:
    return "lockup_release";
  case FlowKind::debt_written_off:
    return "debt_written_off";
  case FlowKind::lessee_funding:
    return "lessee_funding";
  case FlowKind::gpu_purchase:
    return "gpu_purchase";
  case FlowKind::networking:
    return "networking";
  case FlowKind::storage:
    return "storage";
  case FlowKind::installation:
    return "installation";
  case FlowKind::spares:
    return "spares";
  case FlowKind::arrangement_fee:
    return "arrangement_fee";
  case FlowKind::commitment_fee:
    return "commitment_fee";
  case FlowKind::legal_fees:
    return "legal_fees";
  case FlowKind::power:
    return "power";
  case FlowKind::facility:
    return "facility";
  case FlowKind::insurance:
    return "insurance";
  case FlowKind::asset_management:
    return "asset_management";
  case FlowKind::maintenance:
    return "maintenance";
  case FlowKind::remarketing:
    return "remarketing";
  case FlowKind::repossession:
    return "repossession";
  case FlowKind::interest:
    return "interest";
  case FlowKind::swap:
    return "swap";
  case FlowKind::principal:
    return "principal";
  case FlowKind::cash_sweep:
    return "cash_sweep";
  case FlowKind::reserve_funding:
    return "reserve_funding";
  case FlowKind::lockup_funding:
    return "lockup_funding";
  case FlowKind::distribution:
    return "distribution";
  case FlowKind::lease_payment:
    return "lease_payment";
  case FlowKind::site_costs:
    return "site_costs";
  }
  return "?";
}

const char* covenant_test_name(CovenantTest test) {
  switch (test) {
  case CovenantTest::none:
    return "";
  case CovenantTest::pass:
    return "pass";
  case CovenantTest::fail:
    return "fail";
  }
  return "?";
}

const char* lease_status_name(LeaseStatus status) {
  switch (status) {
  case LeaseStatus::before:
    return "before";
  case LeaseStatus::paying:
    return "paying";
  case LeaseStatus::repossession:
    return "repossession";
  case LeaseStatus::re_leased:
    return "re_leased";
  case LeaseStatus::idle:
    return "idle";
  case LeaseStatus::sold:
    return "sold";
  case LeaseStatus::enforced:
    return "enforced";
  case LeaseStatus::ended:
    return "ended";
  }
  return "?";
}

double LedgerRow::sources_usd() const {
  double sum = 0;
  for (double amount : usd)
    sum += std::max(amount, 0.0);
  return sum;
}

double LedgerRow::uses_usd() const {
  double sum = 0;
  for (double amount : usd)
    sum += std::max(-amount, 0.0);
  return sum;
}

double ledger_imbalance_usd(const Ledger& ledger) {
  double worst = 0;
  for (const auto& row : ledger)
    worst = std::max(worst, std::abs(row.sources_usd() - row.uses_usd()));
  return worst;
}

LedgerRow site_operator_row(int month, double power_usd, double facility_usd) {
  LedgerRow site{.month = month, .entity = Entity::site_operator};
  site[FlowKind::power] = power_usd;
  site[FlowKind::facility] = facility_usd;
  site[FlowKind::site_costs] = -(power_usd + facility_usd);
  return site;
}

void fund_lessee(LedgerRow& row) {
  row[FlowKind::lessee_funding] = row.uses_usd();
}

Ledger plain_lease_ledger(const PlainLeaseParams& params) {
  const LeaseParams& lease = params.lease;
  Ledger ledger;
  for (int m = lease.start_month; m < lease.start_month + lease.term_months; ++m) {
    const double rent = params.rent_usd[m], power = params.power_usd[m],
                 facility = params.facility_usd[m];
    LedgerRow lessor{.month = m, .entity = Entity::lessor};
    LedgerRow lessee{.month = m, .entity = Entity::lessee};
    lessor[FlowKind::lease_income] = rent;
    lessee[FlowKind::lease_payment] = -rent;
    LedgerRow& payer = lease.triple_net ? lessee : lessor;
    payer[FlowKind::power] = -power;
    payer[FlowKind::facility] = -facility;
    double net = 0;
    for (double amount : lessor.usd)
      net += amount;
    lessor[FlowKind::distribution] = -std::max(net, 0.0);
    lessor[FlowKind::equity_contribution] = std::max(-net, 0.0);
    fund_lessee(lessee);
    ledger.push_back(lessor);
    ledger.push_back(lessee);
    ledger.push_back(site_operator_row(m, power, facility));
  }
  return ledger;
}

int vehicle_horizon_months(const VehicleParams& params) {
  return params.lease.start_month + params.lease.term_months;
}

namespace {

double at(const std::vector<double>& series, int m) {
  return m >= 0 && m < static_cast<int>(series.size()) ? series[m] : 0.0;
}

int first_purchase_month(const VehicleParams& params) {
  int first = std::numeric_limits<int>::max();
  for (const auto& purchase : params.purchases)
    first = std::min(first, purchase.month);
  return first;
}

} // namespace

std::vector<std::string> validate(const VehicleParams& params) {
  std::vector<std::string> problems = validate(params.lease);
  for (auto& problem : validate(params.residual))
    problems.push_back(std::move(problem));
  const int horizon = vehicle_horizon_months(params);
  if (params.purchases.empty()) problems.push_back("vehicle needs at least one GPU purchase");
  for (size_t i = 0; i < params.purchases.size(); ++i) {
    const auto& purchase = params.purchases[i];
    const std::string where = "vehicle purchase " + std::to_string(i) + " ";
    if (purchase.month < 0 || purchase.month >= horizon - 1)
      problems.push_back(where + "month must be in [0, " + std::to_string(horizon - 1) +
                         ") (before the last lease month), got " + std::to_string(purchase.month));
    if (!(purchase.units > 0)) problems.push_back(where + "units must be > 0");
    if (!(purchase.gpus_per_unit > 0)) problems.push_back(where + "gpus_per_unit must be > 0");
    if (!(purchase.price_usd_per_unit > 0))
      problems.push_back(where + "price_usd_per_unit must be > 0, got " +
                         std::to_string(purchase.price_usd_per_unit));
  }
  const auto& debt = params.debt;
  if (!(debt.loan_to_cost >= 0) || !(debt.loan_to_cost < 1))
    problems.push_back("vehicle debt loan_to_cost must be in [0, 1), got " +
                       std::to_string(debt.loan_to_cost));
  if (debt.loan_to_cost > 0) {
    if (!(debt.annual_rate >= 0) || !(debt.annual_rate < 1))
      problems.push_back("vehicle debt annual_rate must be in [0, 1), got " +
                         std::to_string(debt.annual_rate));
    if (!(debt.upfront_fee_fraction >= 0) || !(debt.upfront_fee_fraction < 1))
      problems.push_back("vehicle debt upfront_fee_fraction must be in [0, 1), got " +
                         std::to_string(debt.upfront_fee_fraction));
    if (debt.reserve_months < 0) problems.push_back("vehicle debt reserve_months must be >= 0");
    if (debt.grace_months < 0) problems.push_back("vehicle debt grace_months must be >= 0");
    if (!params.purchases.empty()) {
      const int first = first_purchase_month(params);
      const int maturity = first + debt.term_months;
      for (const auto& purchase : params.purchases)
        if (maturity - purchase.month < 1 ||
            first + debt.grace_months - purchase.month >= maturity - purchase.month) {
          problems.push_back("vehicle debt term_months (" + std::to_string(debt.term_months) +
                             ") must extend past every purchase month and past grace_months (" +
                             std::to_string(debt.grace_months) + ")");
          break;
        }
    }
  }
  if (params.end_of_term == EndOfTerm::purchase_option && !params.lease.purchase_option_usd)
    problems.push_back("vehicle end_of_term is purchase_option but the lease has no "
                       "purchase_option_usd");
  if (params.lease.commitment == LeaseCommitment::take_or_pay) {
    std::vector<GpuArrival> arrivals;
    for (const auto& purchase : params.purchases)
      arrivals.push_back(
          {.month = purchase.month, .gpus = purchase.units * purchase.gpus_per_unit});
    const auto owned = gpus_on_lease_from_arrivals(arrivals, 0, horizon);
    for (int m = 0; m < horizon; ++m)
      if (at(params.lease_volumes.gpus_on_lease, m) > owned[m] * (1 + 1e-12)) {
        problems.push_back(
            "vehicle leases " + std::to_string(at(params.lease_volumes.gpus_on_lease, m)) +
            " GPUs in month " + std::to_string(m) + " but owns only " + std::to_string(owned[m]));
        break;
      }
  }
  for (double bill : params.power_usd)
    if (!(bill >= 0)) {
      problems.push_back("vehicle power_usd must be >= 0 in every month");
      break;
    }
  for (double bill : params.facility_usd)
    if (!(bill >= 0)) {
      problems.push_back("vehicle facility_usd must be >= 0 in every month");
      break;
    }
  const auto& c = params.capex;
  for (double x : {c.networking_usd, c.storage_usd, c.installation_usd, c.spares_usd})
    if (!(x >= 0)) {
      problems.push_back("vehicle capex per GPU (networking, storage, installation, spares) must "
                         "be >= 0");
      break;
    }
  if (!(params.fees.commitment_fraction_per_year >= 0 &&
        params.fees.commitment_fraction_per_year < 1))
    problems.push_back("vehicle commitment fee must be in [0, 1) per year");
  if (!(params.fees.legal_usd >= 0)) problems.push_back("vehicle legal fees must be >= 0");
  const auto& k = params.costs;
  if (!(k.insurance_fraction_per_year >= 0 && k.insurance_fraction_per_year < 1) ||
      !(k.asset_management_fraction_per_year >= 0 && k.asset_management_fraction_per_year < 1))
    problems.push_back("vehicle insurance and asset_management must be in [0, 1) per year");
  if (!(k.repair_usd_per_failure >= 0) || !(k.replacement_usd_per_lost_unit >= 0) ||
      !(k.repossession_usd_per_gpu >= 0) || k.warranty_months < 0)
    problems.push_back("vehicle repair, replacement, repossession costs and warranty must be >= 0");
  if (!(k.remarketing_fraction >= 0 && k.remarketing_fraction < 1))
    problems.push_back("vehicle remarketing must be in [0, 1)");
  const auto& def = params.lessee_default;
  if (def.month >= 0) {
    if (def.month < params.lease.start_month || def.month >= horizon)
      problems.push_back("lessee default month " + std::to_string(def.month) +
                         " must be inside the lease [" + std::to_string(params.lease.start_month) +
                         ", " + std::to_string(horizon) + ")");
    if (def.repossession_months < 0) problems.push_back("repossession months must be >= 0");
    if (def.recovery == DefaultRecovery::re_lease && params.market_rate_usd_per_gpu_hour.empty())
      problems.push_back("re-leasing after a default needs a market rental curve for the GPU");
  }
  if (debt.loan_to_cost > 0) {
    const bool base = !debt.base_rate_path.empty();
    if (debt.rate_kind == RateKind::floating && !base)
      problems.push_back("vehicle floating-rate debt needs a base-rate path");
    if (debt.swap.present && debt.rate_kind != RateKind::floating)
      problems.push_back("vehicle interest-rate swap needs floating-rate debt");
    if (debt.swap.present &&
        !(debt.swap.notional_fraction >= 0 && debt.swap.notional_fraction <= 1))
      problems.push_back("vehicle swap notional must be in [0, 1] of the debt");
    if (debt.refinance.present && !base)
      problems.push_back("vehicle refinancing at the rate of the day needs a base-rate path");
    if (debt.refinance.present && debt.refinance.term_months < 1)
      problems.push_back("vehicle refinance term must be >= 1 month");
    if (!(debt.balloon_fraction >= 0 && debt.balloon_fraction < 1))
      problems.push_back("vehicle debt balloon must be in [0, 1)");
    if (!(debt.sweep_fraction >= 0 && debt.sweep_fraction <= 1))
      problems.push_back("vehicle cash sweep must be in [0, 1]");
    if (!(debt.lockup_dscr >= 0) || !(debt.default_dscr >= 0))
      problems.push_back("vehicle DSCR covenants must be >= 0");
  }
  for (double rate : params.market_rate_usd_per_gpu_hour)
    if (!(rate >= 0)) {
      problems.push_back("market rental rates must be >= 0");
      break;
    }
  return problems;
}

namespace {

struct Tranche {
  int drawdown_month = 0;
  double original_usd = 0;
  double balance_usd = 0;
  int maturity = 0;
  int io_until = 0;        // months m <= io_until pay interest only
  bool floating = false;   // actual rate = base + margin, else fixed_rate
  double fixed_rate = 0;   // annual
  double profile_rate = 0; // annual rate of the amortisation profile
  double balloon_usd = 0;
  bool bullet = false;
  bool original = true; // false for a refinancing loan
};

struct Service {
  double interest_usd = 0;
  double amortisation_usd = 0; // scheduled principal, balloon excluded
  double balloon_usd = 0;
};

double base_rate_at(const DebtTerms& debt, int m) {
  if (debt.base_rate_path.empty()) return std::numeric_limits<double>::quiet_NaN();
  return debt.base_rate_path[std::min<std::size_t>(static_cast<std::size_t>(std::max(m, 0)),
                                                   debt.base_rate_path.size() - 1)];
}

double tranche_rate(const Tranche& t, const DebtTerms& debt, int m) {
  return t.floating ? base_rate_at(debt, m) + debt.margin : t.fixed_rate;
}

// What tranche t owes in month m (drawdown_month < m <= maturity) on `balance`.
Service service(const Tranche& t, const DebtTerms& debt, int m, double balance) {
  Service s;
  if (m <= t.drawdown_month || m > t.maturity || balance <= 0) return s;
  s.interest_usd = tranche_rate(t, debt, m) / 12 * balance;
  const int n = t.maturity - m + 1;
  const double balloon = std::min(t.bullet ? balance : t.balloon_usd, balance);
  if (t.bullet || m <= t.io_until) {
    if (n == 1) s.balloon_usd = balance;
    return s;
  }
  if (n == 1) {
    s.balloon_usd = balloon;
    s.amortisation_usd = balance - balloon;
    return s;
  }
  const double r = t.profile_rate / 12;
  double payment = 0;
  if (r == 0) {
    payment = (balance - balloon) / n;
  } else {
    const double vn = std::pow(1 + r, -n);
    payment = (balance - balloon * vn) * r / (1 - vn);
  }
  s.amortisation_usd = std::clamp(payment - r * balance, 0.0, balance - balloon);
  return s;
}

double swap_net_paid(const DebtTerms& debt, const std::vector<Tranche>& tranches, int m) {
  if (!debt.swap.present) return 0;
  double floating_balance = 0;
  for (const auto& t : tranches)
    if (t.floating && t.drawdown_month < m) floating_balance += t.balance_usd;
  return debt.swap.notional_fraction * floating_balance *
         (debt.swap.fixed_rate - base_rate_at(debt, m)) / 12;
}

// Scheduled debt service (interest, swap and amortisation, balloons excluded) of months
// from..to on the balances as they stand, with no prepayment.
double projected_service(const DebtTerms& debt, std::vector<Tranche> tranches, int from, int to) {
  double sum = 0;
  for (int m = from; m <= to; ++m) {
    sum += swap_net_paid(debt, tranches, m);
    for (auto& t : tranches) {
      const Service s = service(t, debt, m, t.balance_usd);
      sum += s.interest_usd + s.amortisation_usd;
      t.balance_usd -= s.amortisation_usd + s.balloon_usd;
    }
  }
  return sum;
}

// Prepays `amount` across the tranches outstanding, pro rata; returns what was prepaid.
double prepay(std::vector<Tranche>& tranches, int m, double amount) {
  double outstanding = 0;
  for (const auto& t : tranches)
    if (t.drawdown_month <= m) outstanding += t.balance_usd;
  if (outstanding <= 0 || amount <= 0) return 0;
  const double paid = std::min(amount, outstanding);
  for (auto& t : tranches)
    if (t.drawdown_month <= m) {
      const double share = t.balance_usd / outstanding * paid;
      t.balance_usd -= share;
      t.balloon_usd = std::min(t.balloon_usd, t.balance_usd);
    }
  return paid;
}

} // namespace

VehicleResult run_vehicle(const VehicleParams& params) {
  if (auto problems = validate(params); !problems.empty()) {
    std::string joined;
    for (const auto& problem : problems)
      joined += (joined.empty() ? "" : "; ") + problem;
    throw std::invalid_argument(joined);
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const int horizon = vehicle_horizon_months(params);
  const int last = horizon - 1;
  const auto& debt = params.debt;
  const auto& costs = params.costs;
  const auto& lease = params.lease;
  const int first = first_purchase_month(params);
  int last_purchase = first;
  for (const auto& purchase : params.purchases)
    last_purchase = std::max(last_purchase, purchase.month);
  const int maturity = first + debt.term_months;

  // Capex by month and line; resalable and insured bases (all but installation).
  std::vector<CapexTotals> capex(horizon);
  std::vector<double> gpus_delivered(horizon, 0.0);
  for (const auto& purchase : params.purchases) {
    const double gpus = purchase.units * purchase.gpus_per_unit;
    CapexTotals& c = capex[purchase.month];
    c.gpus_usd += purchase.units * purchase.price_usd_per_unit;
    c.networking_usd += gpus * params.capex.networking_usd;
    c.storage_usd += gpus * params.capex.storage_usd;
    c.installation_usd += gpus * params.capex.installation_usd;
    c.spares_usd += gpus * params.capex.spares_usd;
    gpus_delivered[purchase.month] += gpus;
  }
  auto resalable = [&](int d) { return capex[d].total_usd() - capex[d].installation_usd; };

  // Debt: one tranche per purchase month, common maturity, known in advance.
  std::vector<Tranche> tranches;
  double commitment_usd = 0;
  for (int d = 0; d < horizon && debt.loan_to_cost > 0; ++d) {
    if (capex[d].total_usd() <= 0) continue;
    Tranche t;
    t.drawdown_month = d;
    t.original_usd = t.balance_usd = debt.loan_to_cost * capex[d].total_usd();
    t.maturity = maturity;
    t.io_until = first + debt.grace_months;
    t.floating = debt.rate_kind == RateKind::floating;
    t.fixed_rate = debt.annual_rate;
    t.profile_rate = !t.floating         ? debt.annual_rate
                     : debt.swap.present ? debt.swap.fixed_rate + debt.margin
                                         : base_rate_at(debt, d) + debt.margin;
    t.balloon_usd = debt.balloon_fraction * t.original_usd;
    t.bullet = debt.amortization == Amortization::bullet;
    commitment_usd += t.original_usd;
    tranches.push_back(t);
  }

  // The market value of the fleet at the end of month m (sale then).
  auto fleet_value = [&](int m) {
    double value = 0;
    for (int d = 0; d <= std::min(m, last); ++d) {
      if (resalable(d) <= 0) continue;
      const double fraction =
          params.used_fraction.empty()
              ? residual_fraction(params.residual, m + 1 - d)
              : params
                    .used_fraction[d][std::min<std::size_t>(m, params.used_fraction[d].size() - 1)];
      value += resalable(d) * fraction;
    }
    return value;
  };
  auto market_rate = [&](int m) {
    const auto& curve = params.market_rate_usd_per_gpu_hour;
    return curve.empty()
               ? nan
               : curve[std::min<std::size_t>(static_cast<std::size_t>(m), curve.size() - 1)];
  };

  const std::vector<double> lease_usd = lease_income_usd(lease, params.lease_volumes, horizon);
  const LesseeDefault& def = params.lessee_default;
  const bool defaults = def.month >= 0;
  const int back_month = defaults ? def.month + def.repossession_months : horizon;
  const bool recovered_in_term = defaults && back_month <= last;
  const double re_lease_rate = recovered_in_term ? market_rate(back_month) : 0.0;

  VehicleResult result;
  result.lessee_default_month = def.month;
  result.min_dscr = nan;
  const bool triple_net = lease.triple_net;
  double reserve_usd = 0, lockup_usd = 0, gpus_owned = 0, drawn_usd = 0;
  double capex_to_date = 0, insured_to_date = 0;
  bool ended = false; // sold, enforced: the vehicle holds nothing any more
  LeaseStatus ended_status = LeaseStatus::ended;
  bool any_re_lease = false;

  for (int m = 0; m < horizon; ++m) {
    LedgerRow vehicle{.month = m, .entity = Entity::vehicle};
    LedgerRow lessee{.month = m, .entity = Entity::lessee};
    LedgerRow market{.month = m, .entity = Entity::market_lessee};
    LedgerRow site{.month = m, .entity = Entity::site_operator};
    VehicleMonth month{.month = m,
                       .dscr = nan,
                       .base_rate = base_rate_at(debt, m),
                       .debt_rate = nan,
                       .market_rate_usd_per_gpu_hour = market_rate(m)};
    if (ended) {
      month.status = ended_status;
      result.months.push_back(month);
      result.equity_flows_usd.push_back(0);
      result.project_flows_usd.push_back(0);
      result.lender_flows_usd.push_back(0);
      result.ledger.push_back(vehicle);
      result.ledger.push_back(lessee);
      if (any_re_lease) result.ledger.push_back(market);
      result.ledger.push_back(site);
      continue;
    }
    const bool purchase_month = capex[m].total_usd() > 0;

    // Status of the lease this month.
    LeaseStatus status = m < lease.start_month ? LeaseStatus::before : LeaseStatus::paying;
    if (defaults && m >= def.month)
      status = m < back_month                              ? LeaseStatus::repossession
               : def.recovery == DefaultRecovery::re_lease ? LeaseStatus::re_leased
                                                           : LeaseStatus::sold;
    const bool sale_now = status == LeaseStatus::sold && m == back_month;

    // Capex and its funding.
    const CapexTotals& c = capex[m];
    vehicle[FlowKind::gpu_purchase] = -c.gpus_usd;
    vehicle[FlowKind::networking] = -c.networking_usd;
    vehicle[FlowKind::storage] = -c.storage_usd;
    vehicle[FlowKind::installation] = -c.installation_usd;
    vehicle[FlowKind::spares] = -c.spares_usd;
    capex_to_date += c.total_usd();
    insured_to_date += c.total_usd() - c.installation_usd;
    gpus_owned += gpus_delivered[m];
    double drawdown = 0;
    for (const auto& t : tranches)
      if (t.original && t.drawdown_month == m) drawdown += t.original_usd;
    drawn_usd += drawdown;
    vehicle[FlowKind::debt_drawdown] = drawdown;
    vehicle[FlowKind::arrangement_fee] = -debt.upfront_fee_fraction * drawdown;
    if (m == first) vehicle[FlowKind::legal_fees] = -params.fees.legal_usd;
    if (m >= first && m < last_purchase)
      vehicle[FlowKind::commitment_fee] = -params.fees.commitment_fraction_per_year / 12 *
                                          std::max(0.0, commitment_usd - drawn_usd);

    // Debt service.
    double interest = 0, amortisation = 0, balloon = 0, refinanced = 0, outstanding = 0;
    const double swap = swap_net_paid(debt, tranches, m);
    std::vector<Tranche> refinancing;
    for (auto& t : tranches) {
      const Service s = service(t, debt, m, t.balance_usd);
      interest += s.interest_usd;
      amortisation += s.amortisation_usd;
      balloon += s.balloon_usd;
      t.balance_usd -= s.amortisation_usd + s.balloon_usd;
      if (s.balloon_usd > 0 && debt.refinance.present && m < last && !t.bullet) {
        Tranche r;
        r.drawdown_month = m;
        r.original_usd = r.balance_usd = s.balloon_usd;
        r.maturity = m + debt.refinance.term_months;
        r.io_until = m;
        r.fixed_rate = r.profile_rate = base_rate_at(debt, m) + debt.refinance.margin;
        r.original = false;
        refinancing.push_back(r);
        refinanced += s.balloon_usd;
      }
    }
    for (auto& r : refinancing)
      tranches.push_back(r);
    result.refinanced_usd += refinanced;
    for (const auto& t : tranches)
      if (t.drawdown_month <= m) outstanding += t.balance_usd;
    vehicle[FlowKind::debt_drawdown] += refinanced;
    vehicle[FlowKind::interest] = -interest;
    vehicle[FlowKind::swap] = -swap;
    vehicle[FlowKind::principal] = -(amortisation + balloon);
    const double scheduled_ds = interest + swap + amortisation;
    if (outstanding + amortisation + balloon > 0 && m > first)
      month.debt_rate = (interest + swap) * 12 / (outstanding + amortisation + balloon);

    // Rent.
    const double hours = lease.hours_per_month;
    double rent = 0, re_rent = 0;
    if (status == LeaseStatus::paying) rent = lease_usd[m];
    if (status == LeaseStatus::re_leased) {
      re_rent = re_lease_rate * hours * gpus_owned;
      any_re_lease = true;
    }
    vehicle[FlowKind::lease_income] = rent;
    vehicle[FlowKind::re_lease_income] = re_rent;
    lessee[FlowKind::lease_payment] = -rent;
    market[FlowKind::lease_payment] = -re_rent;

    // Operating costs and who pays them.
    // Before the lease starts, the lessee already runs the GPUs it takes (as before the term).
    LedgerRow* user = status == LeaseStatus::paying || status == LeaseStatus::before ? &lessee
                      : status == LeaseStatus::re_leased                             ? &market
                                                                                     : nullptr;
    const bool in_use = status == LeaseStatus::paying || status == LeaseStatus::re_leased ||
                        status == LeaseStatus::before;
    const double power = in_use ? at(params.power_usd, m) : 0.0;
    const double facility =
        status == LeaseStatus::sold && !sale_now ? 0.0 : at(params.facility_usd, m);
    double warranty_gpus = 0;
    for (const auto& purchase : params.purchases)
      if (purchase.month <= m && m < purchase.month + costs.warranty_months)
        warranty_gpus += purchase.units * purchase.gpus_per_unit;
    const double out_of_warranty = gpus_owned > 0 ? 1 - warranty_gpus / gpus_owned : 0.0;
    const double maintenance =
        out_of_warranty * (at(params.failures, m) * costs.repair_usd_per_failure +
                           at(params.lost_units, m) * costs.replacement_usd_per_lost_unit);
    const double insurance = costs.insurance_fraction_per_year / 12 * insured_to_date;
    const bool lessee_pays = triple_net && user;
    LedgerRow& payer = lessee_pays ? *user : vehicle;
    payer[FlowKind::power] -= power;
    payer[FlowKind::facility] -= facility;
    payer[FlowKind::insurance] -= insurance;
    payer[FlowKind::maintenance] -= maintenance;
    vehicle[FlowKind::asset_management] =
        -costs.asset_management_fraction_per_year / 12 * capex_to_date;
    if (defaults && m == def.month)
      vehicle[FlowKind::repossession] = -costs.repossession_usd_per_gpu * gpus_owned;
    if (status == LeaseStatus::re_leased && m == back_month)
      vehicle[FlowKind::remarketing] = -costs.remarketing_fraction * re_rent * 12;
    site = site_operator_row(m, power, facility);
    if (lessee_pays) result.lessee_maintenance_usd += insurance + maintenance;

    // Sales: at the end of the term, or at recovery by sale.
    double sale_proceeds = 0;
    if (sale_now || m == last) {
      const double value = fleet_value(m);
      if (m == last) result.market_value_at_end_usd = value;
      const auto& option = lease.purchase_option_usd;
      const bool option_exercised =
          !sale_now && status == LeaseStatus::paying && option &&
          (params.end_of_term == EndOfTerm::purchase_option ||
           (params.end_of_term == EndOfTerm::lessee_choice && *option <= value));
      if (option_exercised) {
        result.purchase_option_exercised = true;
        sale_proceeds = *option;
        vehicle[FlowKind::purchase_option] = *option;
        lessee[FlowKind::purchase_option] = -*option;
      } else {
        sale_proceeds = value;
        vehicle[FlowKind::residual_sale] = value;
        vehicle[FlowKind::remarketing] += -costs.remarketing_fraction * value;
      }
      result.end_proceeds_usd = sale_proceeds;
      // The debt is repaid in full.
      const double rest = prepay(tranches, m, outstanding);
      vehicle[FlowKind::principal] -= rest;
      outstanding -= rest;
    }

    double cfads = 0;
    for (FlowKind k : {FlowKind::lease_income, FlowKind::re_lease_income, FlowKind::power,
                       FlowKind::facility, FlowKind::insurance, FlowKind::maintenance,
                       FlowKind::asset_management, FlowKind::repossession})
      cfads += vehicle[k];
    if (m != last && !sale_now) cfads += vehicle[FlowKind::remarketing];

    double available = 0;
    for (double amount : vehicle.usd)
      available += amount;
    const bool closing = m == last || sale_now;

    // Reserve.
    const double target =
        closing || drawn_usd <= 0
            ? 0.0
            : projected_service(debt, tranches, m + 1, std::min(m + debt.reserve_months, last));
    if (reserve_usd > target) {
      vehicle[FlowKind::reserve_release] = reserve_usd - target;
      available += reserve_usd - target;
      reserve_usd = target;
    } else if (reserve_usd < target) {
      const double topup = purchase_month
                               ? target - reserve_usd
                               : std::min(target - reserve_usd, std::max(available, 0.0));
      vehicle[FlowKind::reserve_funding] = -topup;
      available -= topup;
      reserve_usd += topup;
    }
    if (available < 0 && !purchase_month && reserve_usd > 0) {
      const double draw = std::min(reserve_usd, -available);
      vehicle[FlowKind::reserve_draw] = draw;
      available += draw;
      reserve_usd -= draw;
    }

    // Covenant tests, from the month after the last purchase while debt is serviced.
    if (scheduled_ds > 0) {
      month.dscr = cfads / scheduled_ds;
      if (std::isnan(result.min_dscr) || month.dscr < result.min_dscr) {
        result.min_dscr = month.dscr;
        result.min_dscr_month = m;
      }
      if (month.dscr < 1) result.dscr_below_one = true;
    }
    const bool tested = scheduled_ds > 0 && m > last_purchase && !closing;
    if (tested && debt.lockup_dscr > 0) {
      month.lockup_test = month.dscr >= debt.lockup_dscr ? CovenantTest::pass : CovenantTest::fail;
      ++result.covenant_tests;
      if (month.lockup_test == CovenantTest::fail) ++result.lockup_months;
    }
    if (tested && debt.default_dscr > 0) {
      month.default_test =
          month.dscr >= debt.default_dscr ? CovenantTest::pass : CovenantTest::fail;
      ++result.covenant_tests;
      if (month.default_test == CovenantTest::fail) ++result.default_covenant_months;
    }

    if (available >= 0) {
      double distributable = available;
      if (month.default_test == CovenantTest::fail) {
        // Event of default: the lender takes all the cash, and what was locked up.
        vehicle[FlowKind::lockup_release] = lockup_usd;
        distributable += lockup_usd;
        lockup_usd = 0;
        const double swept = prepay(tranches, m, distributable);
        vehicle[FlowKind::cash_sweep] = -swept;
        result.swept_usd += swept;
        distributable -= swept;
      } else if (month.lockup_test == CovenantTest::fail) {
        vehicle[FlowKind::lockup_funding] = -distributable;
        lockup_usd += distributable;
        distributable = 0;
      } else {
        if (lockup_usd > 0) {
          vehicle[FlowKind::lockup_release] = lockup_usd;
          distributable += lockup_usd;
          lockup_usd = 0;
        }
        if (debt.sweep_fraction > 0 && !closing && m > last_purchase) {
          const double swept = prepay(tranches, m, debt.sweep_fraction * distributable);
          vehicle[FlowKind::cash_sweep] = -swept;
          result.swept_usd += swept;
          distributable -= swept;
        }
      }
      vehicle[FlowKind::distribution] = -distributable;
    } else if (purchase_month || debt.equity_cures) {
      vehicle[FlowKind::equity_contribution] = -available;
    } else {
      // Payment default: the lender enforces, sells the fleet and writes off what is left.
      if (!closing) {
        result.payment_default_month = m;
        const double value = fleet_value(m);
        vehicle[FlowKind::residual_sale] += value;
        vehicle[FlowKind::remarketing] -= costs.remarketing_fraction * value;
        double cash = available + value * (1 - costs.remarketing_fraction);
        if (reserve_usd > 0) {
          vehicle[FlowKind::reserve_release] += reserve_usd;
          cash += reserve_usd;
          reserve_usd = 0;
        }
        if (lockup_usd > 0) {
          vehicle[FlowKind::lockup_release] += lockup_usd;
          cash += lockup_usd;
          lockup_usd = 0;
        }
        double debt_left = 0;
        for (auto& t : tranches)
          if (t.drawdown_month <= m) {
            debt_left += t.balance_usd;
            t.balance_usd = 0;
          }
        vehicle[FlowKind::principal] -= debt_left;
        cash -= debt_left;
        result.end_proceeds_usd = value;
        ended = true;
        ended_status = LeaseStatus::enforced;
        status = LeaseStatus::enforced;
        if (cash >= 0) {
          vehicle[FlowKind::distribution] = -cash;
        } else {
          vehicle[FlowKind::debt_written_off] = -cash;
          result.lender_loss_usd += -cash;
        }
      } else {
        if (result.payment_default_month < 0) result.payment_default_month = m;
        vehicle[FlowKind::debt_written_off] = -available;
        result.lender_loss_usd += -available;
      }
    }
    if (sale_now) {
      ended = true;
      ended_status = LeaseStatus::sold;
    }
    if (m == last && lockup_usd > 0) {
      vehicle[FlowKind::lockup_release] += lockup_usd;
      vehicle[FlowKind::distribution] -= lockup_usd;
      lockup_usd = 0;
    }
    month.status = status;

    fund_lessee(lessee);
    fund_lessee(market);
    for (const LedgerRow* row : {&vehicle, &lessee, &market, &site}) {
      const double imbalance = std::abs(row->sources_usd() - row->uses_usd());
      assert(imbalance <= 1e-6 * std::max(1.0, row->sources_usd()));
      result.max_imbalance_usd = std::max(result.max_imbalance_usd, imbalance);
    }

    double balance = 0;
    for (const auto& t : tranches)
      if (t.drawdown_month <= m) balance += t.balance_usd;
    if (ended || m == last) gpus_owned = 0;
    month.gpus_owned = gpus_owned;
    month.lease_income_usd = rent + re_rent;
    month.cfads_usd = cfads;
    month.scheduled_debt_service_usd = scheduled_ds;
    month.debt_balance_usd = std::max(balance, 0.0);
    month.reserve_balance_usd = reserve_usd;
    month.lockup_balance_usd = lockup_usd;
    month.equity_flow_usd =
        -vehicle[FlowKind::distribution] - vehicle[FlowKind::equity_contribution];
    result.months.push_back(month);
    result.equity_flows_usd.push_back(month.equity_flow_usd);
    result.project_flows_usd.push_back(cfads - c.total_usd() + vehicle[FlowKind::residual_sale] +
                                       vehicle[FlowKind::purchase_option] +
                                       (m == last || sale_now || status == LeaseStatus::enforced
                                            ? vehicle[FlowKind::remarketing]
                                            : 0.0));
    result.lender_flows_usd.push_back(-vehicle[FlowKind::debt_drawdown] -
                                      vehicle[FlowKind::interest] - vehicle[FlowKind::principal] -
                                      vehicle[FlowKind::cash_sweep]);

    result.capex.gpus_usd += c.gpus_usd;
    result.capex.networking_usd += c.networking_usd;
    result.capex.storage_usd += c.storage_usd;
    result.capex.installation_usd += c.installation_usd;
    result.capex.spares_usd += c.spares_usd;
    result.purchases_usd += c.total_usd();
    result.debt_drawn_usd += vehicle[FlowKind::debt_drawdown];
    result.equity_contributed_usd += vehicle[FlowKind::equity_contribution];
    result.arrangement_fee_usd -= vehicle[FlowKind::arrangement_fee];
    result.commitment_fee_usd -= vehicle[FlowKind::commitment_fee];
    result.legal_fees_usd -= vehicle[FlowKind::legal_fees];
    result.interest_usd += interest;
    result.swap_paid_usd += swap;
    result.lease_income_usd += rent;
    result.re_lease_income_usd += re_rent;
    for (FlowKind k : {FlowKind::insurance, FlowKind::asset_management, FlowKind::maintenance,
                       FlowKind::remarketing, FlowKind::repossession})
      result.lessor_costs_usd -= vehicle[k];
    result.distributions_usd -= vehicle[FlowKind::distribution];
    result.ledger.push_back(vehicle);
    result.ledger.push_back(lessee);
    if (any_re_lease) result.ledger.push_back(market);
    result.ledger.push_back(site);
  }
  result.fees_usd = result.arrangement_fee_usd + result.commitment_fee_usd + result.legal_fees_usd;
  assert(reserve_usd == 0.0);

  result.equity_irr_monthly = irr(result.equity_flows_usd);
  result.project_irr_monthly = irr(result.project_flows_usd);
  result.equity_irr_annual = annual_irr_of_monthly(result.equity_irr_monthly);
  result.project_irr_annual = annual_irr_of_monthly(result.project_irr_monthly);
  return result;
}

} // namespace capsim
