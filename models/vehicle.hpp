// GPU purchase-and-lease vehicle: monthly cash waterfall, ledger, coverage and returns.
//
// A vehicle buys GPUs (paid in their delivery month), funded by debt drawn at each purchase
// (loan_to_cost * price) and by equity (the rest). It leases the GPUs to a lessee and, at the end
// of the lease, sells them at their residual value or to the lessee at the purchase-option price.
//
// Waterfall in month m (months 0..H-1, H = lease start_month + term_months; all USD)
//   available = lease income + re-lease income + sale proceeds + debt drawdown (incl. refinancing)
//               - all-in capex (GPUs/systems, networking, storage, installation, spares)
//               - fees (arrangement on each drawdown, commitment on the undrawn loan, legal at
//                 the first purchase) - bills the vehicle pays - interest - swap - principal
//   who pays     triple-net: the lessee pays power, facility, insurance and maintenance (repairs
//                per failure and replacement per lost unit, out of each delivery's warranty);
//                full-service: the vehicle; asset management, remarketing, repossession: always
//                the vehicle
//   reserve      target_m = projected scheduled debt service of months m+1..m+reserve_months (0
//                in the last month); above target -> release; below -> top-up (funded in full in
//                purchase months, from available cash otherwise); a deficit outside purchase
//                months draws on the reserve, then on equity (a cure) or, without equity cures,
//                is a payment default: the fleet is sold at its market value, the debt repaid
//                from the proceeds and the rest written off (the lender's loss)
//   covenants    from the month after the last purchase: DSCR < lockup_dscr locks the month's
//                distribution up (released in the next passing month or at the end); DSCR <
//                default_dscr sweeps all distributable and locked-up cash into prepayment
//   cash sweep   sweep_fraction of distributable cash prepays the debt (pro rata by tranche)
//   CFADS_m = rent - bills, insurance, maintenance, asset management, repossession paid by the
//             vehicle;  DSCR_m = CFADS_m / (interest + swap + scheduled amortisation)
// Debt: one tranche per purchase month d, all maturing at first purchase month + term_months
// (delayed-draw term loan), interest-only until first purchase month + grace_months, then an
// annuity re-amortised each month on the balance at the profile rate (fixed rate; swap rate +
// margin when swapped; base(d) + margin otherwise), leaving balloon_fraction x principal due at
// maturity (refinanced at base(maturity) + refinance margin when refinance is set). Interest:
// fixed, or base(m) + margin. Swap: the vehicle pays (swap rate - base(m)) / 12 x notional
// fraction x floating balance. With a fixed rate and no prepayment this is the loan_schedule()
// annuity of each tranche.
// Lessee default in month D: no rent from D; repossession in D..D+R-1 (facility and insurance
// paid by the vehicle, no power); from D+R re-leased at market_rate[D+R] x hours x GPUs owned to
// a market lessee until the end, or sold at the market value (debt repaid, vehicle ends).
// Market value at the end of month m = sum_d resalable capex_d x used_fraction[d][m] (or the
// residual curve at age m + 1 - d); resalable = all but installation. lessee_choice exercises the
// purchase option when its price <= market value (a paying, non-defaulted lessee only).
// Equity IRR: IRR of monthly (distribution - equity contribution), annualised (1 + r_m)^12 - 1.
// Project IRR: the same for CFADS - capex + sale proceeds.
//
// Ledger: one row per month per entity (vehicle, lessee, market_lessee once a re-lease began,
// site_operator), one signed amount per
// flow kind (+ source of cash, - use). Sources equal uses in every row; run_vehicle() asserts it
// and reports the largest imbalance. The lessee's own funds and the site operator's outlays are
// the flows `lessee_funding` and `site_costs`. A lease without a vehicle has the same lessee and
// site operator rows and, in place of the vehicle, a lessor row (plain_lease_ledger()).
//
// Parameters: see the structs below (purchases, DebtTerms, LeaseParams, residual curve, monthly
// power and facility bills for the whole fleet in USD).
//
// Sources (press, 2025-2026): a ~5.3B USD vehicle with a ~3.4B USD loan at ~9.5% to buy NVIDIA
// GPUs and lease them to an AI lab, investors pitched > 22%/year; a ~5.4B USD GB200
// purchase-and-lease with ~3.5B USD of debt on a triple-net lease; a ~20B USD vehicle (7.5B
// equity + up to 12.5B debt) leasing to a lab for 5 years with a purchase option, chips only.
// DSCR and debt-service reserve accounts: standard project-finance practice (e.g. Yescombe,
// Principles of Project Finance, 2nd ed., 2014).
#pragma once

#include "models/lease.hpp"
#include "models/loan.hpp"
#include "models/residual_value.hpp"
#include "models/returns.hpp"

#include <array>
#include <string>
#include <vector>

#include "models/parameter.hpp"

namespace capsim {

// In the order of a month's rows: the lease's owner (the lessor of a lease without a vehicle, or
// the vehicle), the lessee, the market lessee, the site operator.
enum class Entity { lessor, vehicle, lessee, market_lessee, site_operator };

enum class FlowKind {
  equity_contribution,
  debt_drawdown,
  lease_income,
  re_lease_income,
  residual_sale,
  purchase_option,
  reserve_release,
  reserve_draw,
  lockup_release,
  debt_written_off,
  lessee_funding,
  gpu_purchase,
  networking,
  storage,
  installation,
  spares,
  arrangement_fee,
  commitment_fee,
  legal_fees,
  power,
  facility,
  insurance,
  asset_management,
  maintenance,
  remarketing,
  repossession,
  interest,
  swap,
  principal,
  cash_sweep,
  reserve_funding,
  lockup_funding,
  distribution,
  lease_payment,
  site_costs,
};
inline constexpr int kFlowKindCount = static_cast<int>(FlowKind::site_costs) + 1;

const char* entity_name(Entity entity);
const char* flow_kind_name(FlowKind kind);

struct LedgerRow {
  int month = 0;
  Entity entity = Entity::vehicle;
  std::array<double, kFlowKindCount> usd{}; // + source, - use

  double& operator[](FlowKind kind) { return usd[static_cast<int>(kind)]; }
  double operator[](FlowKind kind) const { return usd[static_cast<int>(kind)]; }
  double sources_usd() const;
  double uses_usd() const;
};

using Ledger = std::vector<LedgerRow>;

// Largest |sources - uses| over all rows.
double ledger_imbalance_usd(const Ledger& ledger);

// The site operator's row: it receives the month's power and facility bills from whoever pays
// them and spends them on the site (site_costs).
LedgerRow site_operator_row(int month, double power_usd, double facility_usd);

// A lessee pays from its own funds: lessee_funding = the row's uses, so that the row balances.
void fund_lessee(LedgerRow& row);

// A lease without a vehicle over its term (months start_month .. start_month + term_months - 1):
// the lessor receives the rent and, full-service, pays the power and facility bills; what is
// left goes to its owners (distribution), a shortfall is funded by them (equity_contribution).
// The lessee pays the rent and, triple-net, the bills; the site operator's row is a vehicle's.
// Three rows a month: lessor, lessee, site operator. By month from 0: rent, power, facility.
struct PlainLeaseParams {
  LeaseParams lease{};
  std::vector<double> rent_usd{}, power_usd{}, facility_usd{};
};
Ledger plain_lease_ledger(const PlainLeaseParams& params);

struct GpuPurchase {
  int month = 0;
  double units = 0;         // servers, racks or GPUs
  double gpus_per_unit = 1; // 72 for an NVL72 rack
  double price_usd_per_unit = 0;
};

enum class RateKind { fixed, floating };

// A fixed-for-floating interest-rate swap: the vehicle pays fixed_rate and receives the base rate
// on notional_fraction x the debt balance; settled monthly, net.
// A vehicle's debt parameters (its `debt:` block and the blocks in it). `loan_to_cost` or
// `principal` (exactly one) sizes the debt; `amortization` and `equity_cure` are choices, a
// base_rate given as steps a list (README). Times are whole months (1 month = 1/12 Julian year).
namespace debt_parameter {
inline constexpr Parameter balloon{
    .key = "balloon",
    .default_si = 0,
    .min_si = 0,
    .max_si = 0.99,
    .meaning = "share of each tranche left unamortised at maturity (refinanced with refinance)"};
inline constexpr Parameter cash_sweep{.key = "cash_sweep",
                                      .default_si = 0,
                                      .min_si = 0,
                                      .max_si = 1,
                                      .meaning =
                                          "share of the distributable cash that prepays the debt"};
inline constexpr Parameter upfront_fee{.key = "upfront_fee",
                                       .default_si = 0,
                                       .min_si = 0,
                                       .max_si = 1,
                                       .meaning = "arrangement fee, share of each drawdown"};
inline constexpr Parameter grace{.key = "grace",
                                 .dimension = Dimension::time,
                                 .default_si = 0,
                                 .min_si = 0,
                                 .max_si = 600 * julian_month_s,
                                 .meaning = "interest-only months from the first purchase month"};
inline constexpr Parameter reserve{.key = "reserve",
                                   .dimension = Dimension::time,
                                   .default_si = 0,
                                   .min_si = 0,
                                   .max_si = 600 * julian_month_s,
                                   .meaning = "months of scheduled debt service held in reserve"};
inline constexpr Parameter rate{.key = "rate",
                                .min_si = 0,
                                .max_si = 1,
                                .meaning =
                                    "nominal annual rate, monthly compounding; or `floating` "
                                    "(base_rate plus margin)",
                                .required = true};
inline constexpr Parameter margin{.key = "margin",
                                  .min_si = 0,
                                  .max_si = 1,
                                  .meaning = "over the base rate (with rate: floating)",
                                  .required = true};
inline constexpr Parameter term{.key = "term",
                                .dimension = Dimension::time,
                                .min_si = julian_month_s,
                                .max_si = 600 * julian_month_s,
                                .meaning = "from the first purchase month to maturity",
                                .required = true};
inline constexpr Parameter table[] = {balloon, cash_sweep, upfront_fee, grace,
                                      reserve, rate,       margin,      term};
} // namespace debt_parameter

// An interest-rate swap on floating debt (`debt: swap:`).
namespace swap_parameter {
inline constexpr Parameter notional{.key = "notional",
                                    .default_si = 1,
                                    .min_si = 0,
                                    .max_si = 1,
                                    .meaning = "share of the outstanding debt swapped"};
inline constexpr Parameter rate{.key = "rate",
                                .min_si = -0.99,
                                .max_si = 0.99,
                                .meaning = "fixed rate paid against the base rate",
                                .required = true};
inline constexpr Parameter table[] = {notional, rate};
} // namespace swap_parameter

// The refinancing of a balloon at maturity (`debt: refinance:`).
namespace refinance_parameter {
inline constexpr Parameter margin{.key = "margin",
                                  .min_si = 0,
                                  .max_si = 1,
                                  .meaning = "over the base rate of the maturity month",
                                  .required = true};
inline constexpr Parameter term{.key = "term",
                                .dimension = Dimension::time,
                                .min_si = julian_month_s,
                                .max_si = 600 * julian_month_s,
                                .meaning = "of the new annuity loan, whole months",
                                .required = true};
inline constexpr Parameter table[] = {margin, term};
} // namespace refinance_parameter

// Debt covenants (`debt: covenants:`), on the monthly DSCR; 0: no covenant.
namespace covenant_parameter {
inline constexpr Parameter lockup_dscr{.key = "lockup_dscr",
                                       .default_si = 0,
                                       .min_si = 0,
                                       .max_si = 100,
                                       .meaning =
                                           "distributions locked in months with a DSCR below"};
inline constexpr Parameter default_dscr{.key = "default_dscr",
                                        .default_si = 0,
                                        .min_si = 0,
                                        .max_si = 100,
                                        .meaning =
                                            "event of default below: all the cash sweeps the debt"};
inline constexpr Parameter table[] = {lockup_dscr, default_dscr};
} // namespace covenant_parameter

struct SwapTerms {
  bool present = false;
  double fixed_rate = 0;
  double notional_fraction = swap_parameter::notional.default_si;
};

// A balloon left at maturity is refinanced by a new annuity loan at the base rate of that month
// plus `margin`, over `term_months` (paid off at the horizon if it runs past it).
struct RefinanceTerms {
  bool present = false;
  double margin = 0;
  int term_months = 12;
};

struct DebtTerms {
  double loan_to_cost = 0; // debt drawn per purchase as a fraction of its all-in capex, [0, 1)
  double annual_rate = 0;  // fixed: nominal, monthly compounding
  int term_months = 1;     // from the first purchase month to maturity
  Amortization amortization = Amortization::annuity;
  // Arrangement fee, fraction of each drawdown.
  double upfront_fee_fraction = debt_parameter::upfront_fee.default_si;
  int grace_months = 0;   // interest-only months from the first purchase month
  int reserve_months = 0; // months of scheduled debt service held in reserve
  RateKind rate_kind = RateKind::fixed;
  double margin = 0;                    // floating: rate = base + margin
  std::vector<double> base_rate_path{}; // base rate by month (last value persists)
  SwapTerms swap{};
  // Share of each tranche left unamortised at maturity, [0, 1).
  double balloon_fraction = debt_parameter::balloon.default_si;
  RefinanceTerms refinance{};
  // Distributions locked in months with DSCR below (0: no covenant).
  double lockup_dscr = covenant_parameter::lockup_dscr.default_si;
  // Event of default below (0: no covenant): all cash sweeps the debt.
  double default_dscr = covenant_parameter::default_dscr.default_si;
  // Share of distributable cash that prepays the debt, [0, 1].
  double sweep_fraction = debt_parameter::cash_sweep.default_si;
  bool equity_cures = true; // sponsors fund any shortfall; false: a shortfall is a payment default
};

enum class EndOfTerm { residual_sale, purchase_option, lessee_choice };

// A vehicle's all-in capex per GPU besides the GPUs (`capex:`); `fabric` names a fabric of the
// market catalogue, whose networking cost it takes. Defaults: the catalogue (configs/market.yaml).
namespace capex_parameter {
inline constexpr Parameter networking{.key = "networking",
                                      .dimension = Dimension::money,
                                      .min_si = 0,
                                      .max_si = 1e6,
                                      .meaning = "network per GPU (instead of the fabric's)",
                                      .default_from = "the fabric's, configs/market.yaml"};
inline constexpr Parameter storage{.key = "storage",
                                   .dimension = Dimension::money,
                                   .min_si = 0,
                                   .max_si = 1e6,
                                   .meaning = "storage per GPU",
                                   .default_from = "configs/market.yaml"};
inline constexpr Parameter installation{.key = "installation",
                                        .dimension = Dimension::money,
                                        .min_si = 0,
                                        .max_si = 1e6,
                                        .meaning = "installation per GPU",
                                        .default_from = "configs/market.yaml"};
inline constexpr Parameter spares{.key = "spares",
                                  .min_si = 0,
                                  .max_si = 1,
                                  .meaning = "spare GPUs, as a share of the GPU's price",
                                  .default_from = "configs/market.yaml"};
inline constexpr Parameter table[] = {networking, storage, installation, spares};
} // namespace capex_parameter

// All-in capex besides the GPUs or systems (USD per GPU, paid with each delivery).
struct CapexPerGpu {
  double networking_usd = 0;
  double storage_usd = 0;
  double installation_usd = 0;
  double spares_usd = 0;
};

// A vehicle's fees (`fees:`).
namespace fees_parameter {
inline constexpr Parameter commitment{
    .key = "commitment",
    .default_si = 0,
    .min_si = 0,
    .max_si = 1,
    .meaning = "yearly fee on the undrawn debt commitment, charged monthly"};
inline constexpr Parameter legal{.key = "legal",
                                 .dimension = Dimension::money,
                                 .default_si = 0,
                                 .min_si = 0,
                                 .max_si = 1e13,
                                 .meaning = "legal costs, paid at the first purchase"};
inline constexpr Parameter arrangement{
    .key = "arrangement",
    .min_si = 0,
    .max_si = 1,
    .meaning = "arrangement fee, share of each drawdown (or debt.upfront_fee, not both)",
    .default_from = "debt.upfront_fee"};
inline constexpr Parameter table[] = {commitment, legal, arrangement};
} // namespace fees_parameter

// The vehicle's fees besides the arrangement fee (DebtTerms::upfront_fee_fraction).
struct VehicleFees {
  // On the undrawn debt commitment, monthly.
  double commitment_fraction_per_year = fees_parameter::commitment.default_si;
  double legal_usd = fees_parameter::legal.default_si; // at the first purchase
};

// A vehicle's costs as lessor (`lessor_costs:`). Defaults: the market catalogue
// (configs/market.yaml).
namespace lessor_cost_parameter {
inline constexpr Parameter insurance{.key = "insurance",
                                     .min_si = 0,
                                     .max_si = 1,
                                     .meaning = "yearly, share of the insured capex (all but "
                                                "installation; full-service leases)",
                                     .default_from = "configs/market.yaml"};
inline constexpr Parameter asset_management{.key = "asset_management",
                                            .min_si = 0,
                                            .max_si = 1,
                                            .meaning = "yearly, share of the capex",
                                            .default_from = "configs/market.yaml"};
inline constexpr Parameter repair_per_failure{
    .key = "repair_per_failure",
    .dimension = Dimension::money,
    .min_si = 0,
    .max_si = 1e8,
    .meaning = "parts and labour per simulated failure (full-service leases)",
    .default_from = "configs/market.yaml"};
inline constexpr Parameter replacement_per_lost_unit{
    .key = "replacement_per_lost_unit",
    .dimension = Dimension::money,
    .min_si = 0,
    .max_si = 1e9,
    .meaning = "a unit lost for good is bought again (full-service leases)",
    .default_from = "the unit's price"};
inline constexpr Parameter warranty{.key = "warranty",
                                    .dimension = Dimension::time,
                                    .min_si = 0,
                                    .max_si = 600 * julian_month_s,
                                    .meaning = "whole months from each delivery in which the "
                                               "vendor pays repairs",
                                    .default_from = "configs/market.yaml"};
inline constexpr Parameter remarketing{
    .key = "remarketing",
    .min_si = 0,
    .max_si = 1,
    .meaning = "share of sale proceeds, or of a new lease's first-year rent",
    .default_from = "configs/market.yaml"};
inline constexpr Parameter repossession_per_gpu{.key = "repossession_per_gpu",
                                                .dimension = Dimension::money,
                                                .min_si = 0,
                                                .max_si = 1e6,
                                                .meaning = "cost of taking a GPU back after a "
                                                           "default",
                                                .default_from = "configs/market.yaml"};
inline constexpr Parameter table[] = {
    insurance, asset_management, repair_per_failure,  replacement_per_lost_unit,
    warranty,  remarketing,      repossession_per_gpu};
} // namespace lessor_cost_parameter

// Costs of owning and leasing the fleet. Triple-net: the lessee pays insurance and maintenance
// (repairs and replacements of failed hardware); full-service: the vehicle does. Asset
// management, remarketing and repossession are always the vehicle's.
struct LessorCosts {
  double insurance_fraction_per_year = 0;        // of the insured capex (all but installation)
  double asset_management_fraction_per_year = 0; // of the capex
  double repair_usd_per_failure = 0;             // parts and labour per simulated failure
  double replacement_usd_per_lost_unit = 0;      // a unit lost for good is bought again
  int warranty_months = 0;                       // from each delivery: the vendor pays repairs
  double remarketing_fraction = 0; // of sale proceeds, or of a new lease's first-year rent
  double repossession_usd_per_gpu = 0;
};

enum class DefaultRecovery { re_lease, sell };

struct LesseeDefault {
  int month = -1;              // first month without rent (-1: no default)
  int repossession_months = 0; // months without rent before the GPUs are back
  DefaultRecovery recovery = DefaultRecovery::re_lease;
};

struct VehicleParams {
  std::vector<GpuPurchase> purchases{};
  DebtTerms debt{};
  LeaseParams lease{};
  LeaseVolumes lease_volumes{};
  std::vector<double> power_usd{};    // fleet power bill per month (missing months: 0)
  std::vector<double> facility_usd{}; // fleet facility bill per month (missing months: 0)
  ResidualValueParams residual{};
  EndOfTerm end_of_term = EndOfTerm::lessee_choice;
  CapexPerGpu capex{};
  VehicleFees fees{};
  LessorCosts costs{};
  std::vector<double> failures{};   // simulated failures per month (missing months: 0)
  std::vector<double> lost_units{}; // units lost for good per month
  LesseeDefault lessee_default{};
  // Market by absolute month (empty: no market; the residual curve prices the fleet and a
  // default can only be recovered by a sale at that residual).
  std::vector<double> market_rate_usd_per_gpu_hour{};
  // used_fraction[d][m]: used price at month m of hardware bought in month d, fraction of its
  // price (empty: the residual curve).
  std::vector<std::vector<double>> used_fraction{};
};

enum class CovenantTest { none, pass, fail };
const char* covenant_test_name(CovenantTest test);

enum class LeaseStatus { before, paying, repossession, re_leased, idle, sold, enforced, ended };
const char* lease_status_name(LeaseStatus status);

struct VehicleMonth {
  int month = 0;
  double gpus_owned = 0;
  double lease_income_usd = 0; // original and re-lease rent
  double cfads_usd = 0;
  double scheduled_debt_service_usd = 0;
  double dscr = 0; // NaN in months without scheduled debt service
  double debt_balance_usd = 0;
  double reserve_balance_usd = 0;
  double lockup_balance_usd = 0;
  double equity_flow_usd = 0; // distribution - equity contribution
  double base_rate = 0;       // NaN without a base-rate path
  double debt_rate = 0;       // all-in rate paid this month (incl. swap), NaN without debt
  CovenantTest lockup_test = CovenantTest::none;
  CovenantTest default_test = CovenantTest::none;
  LeaseStatus status = LeaseStatus::before;
  double market_rate_usd_per_gpu_hour = 0; // NaN without a market
};

struct CapexTotals {
  double gpus_usd = 0, networking_usd = 0, storage_usd = 0, installation_usd = 0, spares_usd = 0;
  double total_usd() const {
    return gpus_usd + networking_usd + storage_usd + installation_usd + spares_usd;
  }
};

struct VehicleResult {
  Ledger ledger{};
  std::vector<VehicleMonth> months{};
  double min_dscr = 0; // NaN without debt service
  int min_dscr_month = -1;
  std::vector<double> equity_flows_usd{};
  std::vector<double> project_flows_usd{};
  std::vector<double> lender_flows_usd{}; // - drawdowns + interest + principal + sweep
  IrrResult equity_irr_monthly{};
  IrrResult project_irr_monthly{};
  double equity_irr_annual = 0;  // NaN when the IRR does not exist
  double project_irr_annual = 0; // NaN when the IRR does not exist
  double purchases_usd = 0;      // all-in capex
  CapexTotals capex{};
  double debt_drawn_usd = 0;
  double equity_contributed_usd = 0;
  double fees_usd = 0; // arrangement + commitment + legal
  double arrangement_fee_usd = 0, commitment_fee_usd = 0, legal_fees_usd = 0;
  double interest_usd = 0;
  double swap_paid_usd = 0; // net, + paid by the vehicle
  double lease_income_usd = 0;
  double re_lease_income_usd = 0;
  double lessor_costs_usd = 0;       // insurance, asset management, maintenance, remarketing,
                                     // repossession paid by the vehicle
  double lessee_maintenance_usd = 0; // maintenance and insurance paid by the lessee(s)
  double distributions_usd = 0;
  double market_value_at_end_usd = 0;
  double end_proceeds_usd = 0;
  bool purchase_option_exercised = false;
  int lessee_default_month = -1;
  int lockup_months = 0; // covenant tests failed
  int default_covenant_months = 0;
  int covenant_tests = 0;
  bool dscr_below_one = false;
  int payment_default_month = -1; // -1: the debt was always paid
  double lender_loss_usd = 0;     // debt written off
  double swept_usd = 0;
  double refinanced_usd = 0;
  double max_imbalance_usd = 0;
};

int vehicle_horizon_months(const VehicleParams& params);

std::vector<std::string> validate(const VehicleParams& params);

// Throws std::invalid_argument with the problems of validate() when the parameters are invalid.
VehicleResult run_vehicle(const VehicleParams& params);

} // namespace capsim
