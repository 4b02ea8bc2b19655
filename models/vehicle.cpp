#include "models/vehicle.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace capsim {

const char* entity_name(Entity entity) {
  switch (entity) {
  case Entity::vehicle:
    return "vehicle";
  case Entity::lessee:
    return "lessee";
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
  case FlowKind::residual_sale:
    return "residual_sale";
  case FlowKind::purchase_option:
    return "purchase_option";
  case FlowKind::reserve_release:
    return "reserve_release";
  case FlowKind::reserve_draw:
    return "reserve_draw";
  case FlowKind::lessee_funding:
    return "lessee_funding";
  case FlowKind::gpu_purchase:
    return "gpu_purchase";
  case FlowKind::fees:
    return "fees";
  case FlowKind::power:
    return "power";
  case FlowKind::facility:
    return "facility";
  case FlowKind::interest:
    return "interest";
  case FlowKind::principal:
    return "principal";
  case FlowKind::reserve_funding:
    return "reserve_funding";
  case FlowKind::distribution:
    return "distribution";
  case FlowKind::lease_payment:
    return "lease_payment";
  case FlowKind::site_costs:
    return "site_costs";
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
  return problems;
}

VehicleResult run_vehicle(const VehicleParams& params) {
  if (auto problems = validate(params); !problems.empty()) {
    std::string joined;
    for (const auto& problem : problems)
      joined += (joined.empty() ? "" : "; ") + problem;
    throw std::invalid_argument(joined);
  }
  const int horizon = vehicle_horizon_months(params);
  const int last = horizon - 1;
  const auto& debt = params.debt;
  const int first = first_purchase_month(params);
  const int maturity = first + debt.term_months;

  std::vector<double> purchase_usd(horizon, 0.0), gpus_delivered(horizon, 0.0);
  for (const auto& purchase : params.purchases) {
    purchase_usd[purchase.month] += purchase.units * purchase.price_usd_per_unit;
    gpus_delivered[purchase.month] += purchase.units * purchase.gpus_per_unit;
  }

  // Debt: one tranche per purchase month, common maturity; amounts beyond the horizon are
  // prepaid in the last month.
  std::vector<double> drawdown_usd(horizon, 0.0), fee_usd(horizon, 0.0);
  std::vector<double> interest_usd(horizon, 0.0), principal_usd(horizon, 0.0);
  std::vector<double> drawn_balance_usd(horizon, 0.0);
  double prepayment_usd = 0;
  for (int d = 0; d < horizon && debt.loan_to_cost > 0; ++d) {
    if (purchase_usd[d] <= 0) continue;
    const LoanSchedule tranche = loan_schedule({
        .principal_usd = debt.loan_to_cost * purchase_usd[d],
        .annual_rate = debt.annual_rate,
        .term_months = maturity - d,
        .amortization = debt.amortization,
        .upfront_fee_fraction = debt.upfront_fee_fraction,
        .grace_months = std::max(0, first + debt.grace_months - d),
    });
    drawdown_usd[d] += debt.loan_to_cost * purchase_usd[d];
    fee_usd[d] += tranche.upfront_fee_usd;
    for (const auto& row : tranche.months) {
      const int m = d + row.month;
      if (m <= last) {
        interest_usd[m] += row.interest_usd;
        principal_usd[m] += row.principal_usd;
        if (m == last) prepayment_usd += row.closing_balance_usd;
      }
    }
  }
  std::vector<double> scheduled_ds_usd(horizon, 0.0);
  for (int m = 0; m < horizon; ++m)
    scheduled_ds_usd[m] = interest_usd[m] + principal_usd[m];

  std::vector<double> reserve_target_usd(horizon, 0.0);
  double drawn_so_far_usd = 0;
  for (int m = 0; m < last; ++m) {
    drawn_so_far_usd += drawdown_usd[m];
    if (drawn_so_far_usd <= 0) continue;
    for (int k = m + 1; k <= std::min(m + debt.reserve_months, last); ++k)
      reserve_target_usd[m] += scheduled_ds_usd[k];
  }

  const std::vector<double> lease_usd =
      lease_income_usd(params.lease, params.lease_volumes, horizon);

  VehicleResult result;
  for (int d = 0; d < horizon; ++d)
    if (purchase_usd[d] > 0)
      result.market_value_at_end_usd +=
          purchase_usd[d] * residual_fraction(params.residual, horizon - d);
  const auto& option = params.lease.purchase_option_usd;
  result.purchase_option_exercised = option && (params.end_of_term == EndOfTerm::purchase_option ||
                                                (params.end_of_term == EndOfTerm::lessee_choice &&
                                                 *option <= result.market_value_at_end_usd));
  result.end_proceeds_usd =
      result.purchase_option_exercised ? *option : result.market_value_at_end_usd;

  const bool triple_net = params.lease.triple_net;
  double reserve_usd = 0, debt_balance_usd = 0, gpus_owned = 0;
  result.min_dscr = std::numeric_limits<double>::quiet_NaN();
  for (int m = 0; m < horizon; ++m) {
    const double power = at(params.power_usd, m);
    const double facility = at(params.facility_usd, m);
    const bool purchase_month = purchase_usd[m] > 0;
    const double prepay = m == last ? prepayment_usd : 0.0;

    LedgerRow vehicle{.month = m, .entity = Entity::vehicle};
    vehicle[FlowKind::lease_income] = lease_usd[m];
    if (m == last) {
      vehicle[result.purchase_option_exercised ? FlowKind::purchase_option
                                               : FlowKind::residual_sale] = result.end_proceeds_usd;
    }
    vehicle[FlowKind::debt_drawdown] = drawdown_usd[m];
    vehicle[FlowKind::gpu_purchase] = -purchase_usd[m];
    vehicle[FlowKind::fees] = -fee_usd[m];
    if (!triple_net) {
      vehicle[FlowKind::power] = -power;
      vehicle[FlowKind::facility] = -facility;
    }
    vehicle[FlowKind::interest] = -interest_usd[m];
    vehicle[FlowKind::principal] = -(principal_usd[m] + prepay);

    double available = 0;
    for (double amount : vehicle.usd)
      available += amount;

    const double target = reserve_target_usd[m];
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
    vehicle[FlowKind::equity_contribution] = std::max(-available, 0.0);
    vehicle[FlowKind::distribution] = -std::max(available, 0.0);

    LedgerRow lessee{.month = m, .entity = Entity::lessee};
    lessee[FlowKind::lease_payment] = -lease_usd[m];
    if (triple_net) {
      lessee[FlowKind::power] = -power;
      lessee[FlowKind::facility] = -facility;
    }
    if (m == last && result.purchase_option_exercised) lessee[FlowKind::purchase_option] = -*option;
    lessee[FlowKind::lessee_funding] = lessee.uses_usd();

    LedgerRow site{.month = m, .entity = Entity::site_operator};
    site[FlowKind::power] = power;
    site[FlowKind::facility] = facility;
    site[FlowKind::site_costs] = -(power + facility);

    for (const LedgerRow* row : {&vehicle, &lessee, &site}) {
      const double imbalance = std::abs(row->sources_usd() - row->uses_usd());
      assert(imbalance <= 1e-6 * std::max(1.0, row->sources_usd()));
      result.max_imbalance_usd = std::max(result.max_imbalance_usd, imbalance);
    }

    debt_balance_usd += drawdown_usd[m] - principal_usd[m] - prepay;
    gpus_owned += gpus_delivered[m];
    if (m == last) gpus_owned = 0;
    const double cfads = lease_usd[m] - (triple_net ? 0.0 : power + facility);
    VehicleMonth month{.month = m,
                       .gpus_owned = gpus_owned,
                       .lease_income_usd = lease_usd[m],
                       .cfads_usd = cfads,
                       .scheduled_debt_service_usd = scheduled_ds_usd[m],
                       .dscr = std::numeric_limits<double>::quiet_NaN(),
                       .debt_balance_usd = std::max(debt_balance_usd, 0.0),
                       .reserve_balance_usd = reserve_usd,
                       .equity_flow_usd = -vehicle[FlowKind::distribution] -
                                          vehicle[FlowKind::equity_contribution]};
    if (scheduled_ds_usd[m] > 0) {
      month.dscr = cfads / scheduled_ds_usd[m];
      if (std::isnan(result.min_dscr) || month.dscr < result.min_dscr) {
        result.min_dscr = month.dscr;
        result.min_dscr_month = m;
      }
    }
    result.months.push_back(month);
    result.equity_flows_usd.push_back(month.equity_flow_usd);
    result.project_flows_usd.push_back(lease_usd[m] - (triple_net ? 0.0 : power + facility) -
                                       purchase_usd[m] +
                                       (m == last ? result.end_proceeds_usd : 0.0));

    result.purchases_usd += purchase_usd[m];
    result.debt_drawn_usd += drawdown_usd[m];
    result.equity_contributed_usd += vehicle[FlowKind::equity_contribution];
    result.fees_usd += fee_usd[m];
    result.interest_usd += interest_usd[m];
    result.lease_income_usd += lease_usd[m];
    result.distributions_usd -= vehicle[FlowKind::distribution];
    result.ledger.push_back(vehicle);
    result.ledger.push_back(lessee);
    result.ledger.push_back(site);
  }
  assert(std::abs(debt_balance_usd) <= 1e-6 * std::max(1.0, result.debt_drawn_usd));
  assert(reserve_usd == 0.0);

  result.equity_irr_monthly = irr(result.equity_flows_usd);
  result.project_irr_monthly = irr(result.project_flows_usd);
  result.equity_irr_annual = annual_irr_of_monthly(result.equity_irr_monthly);
  result.project_irr_annual = annual_irr_of_monthly(result.project_irr_monthly);
  return result;
}

} // namespace capsim
