#include "sim/scenario/finance_spec.hpp"

#include "sim/scenario/loader.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "models/tco.hpp"
#include "models/usage.hpp"
#include "sim/scenario/market_catalog.hpp"
#include "sim/scenario/scenario.hpp"

namespace capsim {

const LeaseSpec* lease_of_cluster(const FinanceSpec& finance, std::size_t cluster) {
  for (const auto& lease : finance.leases)
    if (lease.cluster == cluster) return &lease;
  return nullptr;
}

namespace {

std::string join_names(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items)
    text += (text.empty() ? "" : ", ") + item;
  return text.empty() ? "none" : text;
}

class FinanceReader {
public:
  FinanceReader(Diagnostics& diagnostics, Scenario& scenario)
      : d_(diagnostics), s_(scenario), f_(scenario.finance) {}

  void read(const YAML::Node& node) {
    MapReader r(node, "finance", d_);
    f_.discount_rate = r.given(finance_parameter::discount_rate);
    if (YAML::Node start = r.child("start_date", Need::optional); start.IsDefined())
      read_start_date(start);
    f_.gpu_life_s = r.quantity(finance_parameter::gpu_life);
    YAML::Node leases = r.sequence("leases", Need::optional);
    YAML::Node vehicles = r.sequence("vehicles", Need::optional);
    YAML::Node site_costs = r.sequence("site_costs", Need::optional);
    YAML::Node solve = r.mapping("solve", Need::optional);
    if (leases.IsDefined())
      for (const auto& item : leases)
        read_lease(item);
    check_unique(leases, "lease");
    if (vehicles.IsDefined())
      for (const auto& item : vehicles)
        read_vehicle(item);
    check_unique(vehicles, "vehicle");
    if (site_costs.IsDefined())
      for (const auto& item : site_costs)
        read_site_cost(item);
    if (solve.IsDefined()) read_solve(solve);
    r.finish();
  }

private:
  // A time that must be a whole number of months (1/12 Julian year), read with its parameter
  // (ranges of at most 600 months).
  std::optional<int> months(MapReader& r, const Parameter& p) {
    YAML::Node node = r.peek(p.key);
    const std::optional<double> t = r.given(p);
    if (!t) return std::nullopt;
    const double m = *t / julian_month_s;
    if (std::abs(m - std::round(m)) > 1e-6) {
      d_.error(node, std::string(p.key) +
                         " must be a whole number of months (1 month = 1/12 yr), "
                         "got " +
                         fmt::format("{:.6g}", m) + " months");
      return std::nullopt;
    }
    return static_cast<int>(std::lround(m));
  }

  // "2 USD/m3", "0.002 USD/L", "2000 USD/ML": the unit table has no money-per-volume dimension.
  std::optional<double> money_per_volume(MapReader& r, std::string_view key) {
    YAML::Node node = r.child(key, Need::optional);
    if (!node.IsDefined()) return std::nullopt;
    if (!node.IsScalar()) {
      d_.error(node, std::string(key) + " must be a price per volume such as '2 USD/m3'");
      return std::nullopt;
    }
    const std::string text = node.Scalar();
    const auto slash = text.rfind('/');
    const std::string unit = slash == std::string::npos ? "" : text.substr(slash + 1);
    double per_m3 = 0;
    if (unit == "m3")
      per_m3 = 1;
    else if (unit == "L")
      per_m3 = 1e3;
    else if (unit == "kL")
      per_m3 = 1;
    else if (unit == "ML")
      per_m3 = 1e-3;
    if (per_m3 == 0) {
      d_.error(node, std::string(key) +
                         " must be a price per volume in USD/m3, USD/L, USD/kL or "
                         "USD/ML, got '" +
                         text + "'");
      return std::nullopt;
    }
    try {
      double usd = parse_quantity(text.substr(0, slash), Dimension::money);
      if (usd < 0) {
        d_.error(node, std::string(key) + " must be >= 0");
        return std::nullopt;
      }
      return usd * per_m3;
    } catch (const UnitError& e) {
      d_.error(node, std::string(key) + ": " + e.what(), static_cast<int>(e.column));
      return std::nullopt;
    }
  }

  template <typename Named>
  std::optional<std::size_t> resolve(const YAML::Node& node, const std::vector<Named>& items,
                                     const std::string& kind, const std::string& what) {
    if (!node.IsDefined() || !node.IsScalar()) return std::nullopt;
    std::vector<std::string> names;
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (items[i].name == node.Scalar()) return i;
      names.push_back(items[i].name);
    }
    d_.error(node, what + " refers to unknown " + kind + " '" + node.Scalar() + "' (" + kind +
                       "s: " + join_names(names) + ")");
    return std::nullopt;
  }

  void check_unique(const YAML::Node& list, const std::string& kind) {
    check_unique_names(list, kind, d_);
  }

  void report(const YAML::Node& node, const std::string& what,
              const std::vector<std::string>& problems) {
    for (const auto& problem : problems)
      d_.error(node, what + ": " + problem);
  }

  // "2026-03": month 0 is March 2026 (decimal year 2026 + 2/12).
  void read_start_date(const YAML::Node& node) {
    const std::string text = node.IsScalar() ? node.Scalar() : "";
    int year = 0, month = 0;
    char dash = 0, extra = 0;
    std::istringstream in(text);
    if (!(in >> year >> dash >> month) || dash != '-' || (in >> extra) || year < 1990 ||
        year > 2100 || month < 1 || month > 12) {
      d_.error(node,
               "finance start_date must be a year and month such as 2026-03, got '" + text + "'");
      return;
    }
    f_.start_year = year + (month - 1) / 12.0;
  }

  void read_capex(const YAML::Node& node, VehicleSpec& v, const std::string& vehicle) {
    const MarketCatalog& m = default_market_catalog();
    const std::string what = vehicle + " capex";
    MapReader r(node, what, d_);
    if (YAML::Node fabric = r.child("fabric", Need::optional); fabric.IsDefined()) {
      const std::string name = fabric.IsScalar() ? fabric.Scalar() : "";
      if (const Fabric* f = m.find_fabric(name)) {
        v.fabric = name;
        v.capex.networking_usd = f->networking_usd_per_gpu;
      } else {
        d_.error(fabric,
                 what + ": unknown fabric '" + name + "' (fabrics: " + m.fabric_names() + ")");
      }
    }
    if (auto x = r.given(capex_parameter::networking)) {
      v.capex.networking_usd = *x;
      v.fabric = "given";
    }
    v.capex.storage_usd = r.given(capex_parameter::storage).value_or(v.capex.storage_usd);
    v.capex.installation_usd =
        r.given(capex_parameter::installation).value_or(v.capex.installation_usd);
    v.spares_fraction = r.given(capex_parameter::spares).value_or(v.spares_fraction);
    r.finish();
  }

  void read_fees(const YAML::Node& node, VehicleSpec& v, const std::string& vehicle) {
    MapReader r(node, vehicle + " fees", d_);
    if (auto x = r.given(fees_parameter::arrangement)) {
      if (v.debt.upfront_fee_fraction > 0)
        d_.error(r.peek("arrangement"),
                 vehicle +
                     ": give the arrangement fee once (fees.arrangement or debt.upfront_fee)");
      v.debt.upfront_fee_fraction = *x;
    }
    v.fees.commitment_fraction_per_year = r.quantity(fees_parameter::commitment);
    v.fees.legal_usd = r.quantity(fees_parameter::legal);
    r.finish();
  }

  void read_costs(const YAML::Node& node, VehicleSpec& v, const std::string& vehicle) {
    MapReader r(node, vehicle + " lessor_costs", d_);
    auto& c = v.costs;
    namespace p = lessor_cost_parameter;
    c.insurance_fraction_per_year = r.given(p::insurance).value_or(c.insurance_fraction_per_year);
    c.asset_management_fraction_per_year =
        r.given(p::asset_management).value_or(c.asset_management_fraction_per_year);
    c.repair_usd_per_failure = r.given(p::repair_per_failure).value_or(c.repair_usd_per_failure);
    if (auto x = r.given(p::replacement_per_lost_unit)) {
      c.replacement_usd_per_lost_unit = *x;
      v.replacement_given = true;
    }
    c.warranty_months = months(r, p::warranty).value_or(c.warranty_months);
    c.remarketing_fraction = r.given(p::remarketing).value_or(c.remarketing_fraction);
    c.repossession_usd_per_gpu =
        r.given(p::repossession_per_gpu).value_or(c.repossession_usd_per_gpu);
    r.finish();
  }

  void read_lessee_default(const YAML::Node& node, VehicleSpec& v, const std::string& vehicle) {
    const std::string what = vehicle + " lessee_default";
    MapReader r(node, what, d_);
    YAML::Node month_node = r.peek("month");
    YAML::Node hazard_node = r.peek("hazard");
    const bool drawn = month_node.IsScalar() && month_node.Scalar() == "drawn";
    if (drawn)
      r.child("month", Need::optional);
    else
      v.default_month = months(r, lessee_default_parameter::month);
    v.default_hazard_per_year = r.quantity(lessee_default_parameter::hazard);
    if (!hazard_node.IsDefined() && (drawn || !month_node.IsDefined()))
      d_.error(node, what + " needs a month (a scheduled default) or a hazard (a default "
                            "intensity per year, drawn with the run's seed when month is absent "
                            "or 'drawn')");
    v.repossession_months = months(r, lessee_default_parameter::repossession).value_or(0);
    v.recovery =
        r.one_of("recovery", Need::optional, {"re_lease", "sell"}).value_or("re_lease") == "sell"
            ? DefaultRecovery::sell
            : DefaultRecovery::re_lease;
    r.finish();
    v.credit_risk = true;
  }

  // Overrides of the GPU's market curve (configs/market.yaml): a stressed market, or a curve for
  // a GPU the catalogue has no rent for (rate: then quoted at finance.start_date).
  void read_market(const YAML::Node& node, VehicleSpec& v, const std::string& vehicle,
                   const MarketCatalog& catalog) {
    const std::string what = vehicle + " market";
    MapReader r(node, what, d_);
    auto rate = r.given(market_parameter::rate);
    if (!v.market && rate) {
      v.market = MarketCurve{.reference_year = f_.start_year.value_or(2026),
                             .annual_decline = catalog.annual_decline,
                             .generation_step = catalog.generation_step,
                             .economic_life_years = catalog.economic_life_years,
                             .used_floor_fraction = catalog.used_floor};
    }
    if (!v.market) {
      d_.error(node, what + ": the catalogue has no market rent for this GPU; give rate");
      r.finish();
      return;
    }
    MarketCurve& c = *v.market;
    if (rate) {
      c.reference_rate_usd_per_gpu_hour = *rate * 3600;
      c.reference_year = f_.start_year.value_or(c.reference_year);
    }
    c.annual_decline = r.given(market_parameter::annual_decline).value_or(c.annual_decline);
    c.generation_step = r.given(market_parameter::generation_step).value_or(c.generation_step);
    if (auto life = r.given(market_parameter::economic_life))
      c.economic_life_years = *life / julian_year_s;
    c.used_floor_fraction = r.given(market_parameter::used_floor).value_or(c.used_floor_fraction);
    r.finish();
    report(node, what, validate(c));
  }

  void read_base_rate(const YAML::Node& node, VehicleSpec& v, const std::string& debt) {
    const std::string what = debt + " base_rate";
    if (node.IsSequence()) {
      for (const auto& step : node) {
        if (!step.IsSequence() || step.size() != 2) {
          d_.error(step, what + " steps are [from, rate] pairs, e.g. [12 months, 3.5 %]");
          continue;
        }
        auto from = read_quantity(step[0], Dimension::time, what + " step start", d_);
        auto rate = read_quantity(step[1], Dimension::dimensionless, what + " step rate", d_);
        if (!from || !rate) continue;
        const int m = static_cast<int>(std::lround(*from / julian_month_s));
        if (!v.base_rate_steps.empty() && m <= v.base_rate_steps.back().first)
          d_.error(step, what + " steps must start in increasing months");
        if (!(std::abs(*rate) < 1)) d_.error(step[1], what + " must be in (-100 %, 100 %)");
        v.base_rate_steps.push_back({m, *rate});
      }
      if (v.base_rate_steps.empty()) d_.error(node, what + " needs at least one step");
      return;
    }
    MapReader r(node, what, d_);
    BaseRateModel m;
    m.initial = r.quantity(base_rate_parameter::initial);
    m.long_run = r.quantity(base_rate_parameter::long_run);
    m.reversion_per_year = r.quantity(base_rate_parameter::reversion);
    m.volatility_per_sqrt_year = r.quantity(base_rate_parameter::volatility);
    r.finish();
    v.base_rate_model = m;
  }

  void read_lease(const YAML::Node& node) {
    LeaseSpec lease;
    MapReader r(node, "lease", d_);
    lease.name = r.string("name", Need::required).value_or("?");
    const std::string what = "lease '" + lease.name + "'";
    r.rename(what);
    YAML::Node cluster_node = r.child("cluster", Need::required);
    auto cluster = resolve(cluster_node, s_.clusters, "cluster", what);
    if (cluster) {
      lease.cluster = *cluster;
      if (const LeaseSpec* other = lease_of_cluster(f_, *cluster))
        d_.error(cluster_node, what + ": cluster '" + s_.clusters[*cluster].name +
                                   "' is already leased under '" + other->name +
                                   "'; a cluster has one lease contract");
    }
    lease.lessee = r.string("lessee", Need::required).value_or("?");
    lease.lessor = r.string("lessor", Need::optional).value_or("");
    lease.commitment = r.one_of("commitment", Need::optional, {"take_or_pay", "usage_based"})
                                   .value_or("take_or_pay") == "usage_based"
                           ? LeaseCommitment::usage_based
                           : LeaseCommitment::take_or_pay;
    YAML::Node usage_node = r.peek("usage");
    if (auto usage = r.one_of("usage", Need::optional,
                              {"busy_gpu_hours", "serving_gpu_hours", "output_tokens"})) {
      lease.usage = *usage == "serving_gpu_hours" ? LeaseUsage::serving_gpu_hours
                    : *usage == "output_tokens"   ? LeaseUsage::output_tokens
                                                  : LeaseUsage::busy_gpu_hours;
      if (lease.commitment != LeaseCommitment::usage_based)
        d_.error(usage_node, what + ": usage applies to commitment: usage_based only");
      if (lease.usage != LeaseUsage::busy_gpu_hours && cluster &&
          std::none_of(s_.inference.begin(), s_.inference.end(), [&](const InferenceSpec& j) {
            return j.cluster == s_.clusters[*cluster].name;
          }))
        d_.error(usage_node, what + ": usage " + *usage + " bills inference jobs, and cluster '" +
                                 s_.clusters[*cluster].name + "' has none");
    }
    if (lease.usage == LeaseUsage::output_tokens && r.has("rate")) {
      d_.error(r.peek("rate"), what + ": usage output_tokens is billed per million tokens: give "
                                      "rate_per_million_tokens, not rate");
      r.child("rate", Need::optional); // read: one error, not three
    } else if (lease.usage == LeaseUsage::output_tokens) {
      lease.rate_usd_per_gpu_s = r.quantity(lease_parameter::rate_per_million_tokens) / 3600;
    } else {
      lease.rate_usd_per_gpu_s = r.quantity(lease_parameter::rate);
    }
    int first_delivery_month = 0;
    if (cluster && !s_.clusters[*cluster].deliveries.empty())
      first_delivery_month = static_cast<int>(
          std::floor(s_.clusters[*cluster].deliveries.front().at_s / julian_month_s + 1e-9));
    lease.start_month = months(r, lease_parameter::start).value_or(first_delivery_month);
    lease.term_months = months(r, lease_parameter::term).value_or(1);
    lease.annual_escalator = r.quantity(lease_parameter::escalator);
    lease.purchase_option_usd = r.given(lease_parameter::purchase_option);
    lease.triple_net = r.boolean("triple_net", Need::optional).value_or(true);
    r.finish();
    f_.leases.push_back(lease);
  }

  void read_vehicle(const YAML::Node& node) {
    VehicleSpec v;
    MapReader r(node, "vehicle", d_);
    v.name = r.string("name", Need::required).value_or("?");
    const std::string what = "vehicle '" + v.name + "'";
    r.rename(what);
    YAML::Node lease_node = r.child("lease", Need::required);
    auto lease = resolve(lease_node, f_.leases, "lease", what);
    const ClusterSpec* cluster = nullptr;
    if (lease) {
      v.lease = *lease;
      LeaseSpec& contract = f_.leases[*lease];
      for (const auto& other : f_.vehicles)
        if (other.lease == *lease)
          d_.error(lease_node, what + ": lease '" + contract.name + "' is already financed by '" +
                                   other.name + "'");
      if (contract.lessor.empty())
        contract.lessor = v.name;
      else if (contract.lessor != v.name)
        d_.error(lease_node, what + " finances lease '" + contract.name + "', whose lessor is '" +
                                 contract.lessor + "'");
      // The lease's cluster may not exist (already reported): nothing to check against then.
      if (contract.cluster < s_.clusters.size()) cluster = &s_.clusters[contract.cluster];
    }
    YAML::Node gpu_price_node = r.child("price_per_gpu", Need::optional);
    YAML::Node system_price_node = r.child("price_per_system", Need::optional);
    std::optional<double> gpu_price, system_price;
    if (gpu_price_node.IsDefined())
      gpu_price = read_quantity(gpu_price_node, Dimension::money, what + " price_per_gpu", d_);
    if (system_price_node.IsDefined())
      system_price =
          read_quantity(system_price_node, Dimension::money, what + " price_per_system", d_);
    if (gpu_price_node.IsDefined() && system_price_node.IsDefined())
      d_.error(system_price_node, what + ": give price_per_gpu or price_per_system, not both");
    if (cluster) price(v, *cluster, gpu_price, system_price, node, what);

    const MarketCatalog& market = default_market_catalog();
    v.fabric = market.default_fabric;
    if (const Fabric* f = market.find_fabric(market.default_fabric))
      v.capex.networking_usd = f->networking_usd_per_gpu;
    v.capex.storage_usd = market.storage_usd_per_gpu;
    v.capex.installation_usd = market.installation_usd_per_gpu;
    v.spares_fraction = market.spares_fraction;
    v.costs = market.costs;
    if (cluster) v.market = market.curve(cluster->gpu.name);
    if (YAML::Node capex = r.mapping("capex", Need::optional); capex.IsDefined())
      read_capex(capex, v, what);
    if (YAML::Node debt = r.mapping("debt", Need::optional); debt.IsDefined())
      read_debt(debt, v, what);
    if (YAML::Node fees = r.mapping("fees", Need::optional); fees.IsDefined())
      read_fees(fees, v, what);
    if (YAML::Node costs = r.mapping("lessor_costs", Need::optional); costs.IsDefined())
      read_costs(costs, v, what);
    if (YAML::Node def = r.mapping("lessee_default", Need::optional); def.IsDefined())
      read_lessee_default(def, v, what);
    if (YAML::Node m = r.mapping("market", Need::optional); m.IsDefined())
      read_market(m, v, what, market);
    if (YAML::Node residual = r.mapping("residual", Need::optional); residual.IsDefined()) {
      read_residual(residual, v, what);
      v.residual_given = true;
    } else {
      v.residual = depreciation_preset(DepreciationPreset::five_years);
    }
    if (v.credit_risk && v.recovery == DefaultRecovery::re_lease && !(v.market && f_.start_year))
      d_.error(node["lessee_default"],
               what + ": re-leasing after a default needs the market rent of the GPU: give "
                      "finance.start_date and a GPU with a rental in configs/market.yaml");
    auto end = r.one_of("end_of_term", Need::optional,
                        {"lessee_choice", "residual_sale", "purchase_option"})
                   .value_or("lessee_choice");
    v.end_of_term = end == "residual_sale"     ? EndOfTerm::residual_sale
                    : end == "purchase_option" ? EndOfTerm::purchase_option
                                               : EndOfTerm::lessee_choice;
    r.finish();
    if (lease && d_.ok()) check_vehicle(node, v, what);
    f_.vehicles.push_back(v);
  }

  // The price of what the vehicle buys: whole systems at the system price when every delivery is
  // whole systems and a system price is known, GPUs at the GPU price otherwise.
  void price(VehicleSpec& v, const ClusterSpec& cluster, std::optional<double> gpu_price,
             std::optional<double> system_price, const YAML::Node& node, const std::string& what) {
    const int per_system = cluster.system.gpus;
    bool whole_systems = per_system > 0;
    for (const auto& delivery : cluster.deliveries)
      whole_systems = whole_systems && delivery.gpus % per_system == 0;
    if (gpu_price) {
      v.gpus_per_unit = 1;
      v.price_usd_per_unit = *gpu_price;
    } else if (system_price || (whole_systems && cluster.system.price_usd > 0)) {
      if (!whole_systems) {
        d_.error(node, what + ": price_per_system needs deliveries of whole " +
                           cluster.system.name + " systems (" + std::to_string(per_system) +
                           " GPUs)");
        return;
      }
      v.gpus_per_unit = per_system;
      v.price_usd_per_unit = system_price.value_or(cluster.system.price_usd);
    } else if (cluster.gpu.price_usd > 0) {
      v.gpus_per_unit = 1;
      v.price_usd_per_unit = cluster.gpu.price_usd;
    } else {
      d_.error(node, what + ": the catalogue has no price for " + cluster.gpu.name + " or " +
                         cluster.system.name + "; give price_per_gpu or price_per_system");
    }
  }

  void read_debt(const YAML::Node& node, VehicleSpec& v, const std::string& vehicle) {
    const std::string what = vehicle + " debt";
    MapReader r(node, what, d_);
    YAML::Node ltc_node = r.child("loan_to_cost", Need::optional);
    YAML::Node principal_node = r.child("principal", Need::optional);
    if (ltc_node.IsDefined())
      v.debt.loan_to_cost =
          read_quantity(ltc_node, Dimension::dimensionless, what + " loan_to_cost", d_).value_or(0);
    if (principal_node.IsDefined())
      v.principal_usd = read_quantity(principal_node, Dimension::money, what + " principal", d_);
    if (ltc_node.IsDefined() == principal_node.IsDefined())
      d_.error(node, what + " needs exactly one of loan_to_cost and principal");
    YAML::Node rate_node = r.peek("rate");
    if (rate_node.IsScalar() && rate_node.Scalar() == "floating") {
      r.child("rate", Need::required);
      v.debt.rate_kind = RateKind::floating;
      v.debt.margin = r.quantity(debt_parameter::margin);
    } else {
      v.debt.annual_rate = r.quantity(debt_parameter::rate);
    }
    if (YAML::Node base = r.child("base_rate", Need::optional); base.IsDefined())
      read_base_rate(base, v, what);
    else if (v.debt.rate_kind == RateKind::floating)
      d_.error(node, what + ": a floating rate needs base_rate (steps [[from, rate], ...] or a "
                            "model {initial, long_run, reversion, volatility})");
    if (YAML::Node swap = r.mapping("swap", Need::optional); swap.IsDefined()) {
      MapReader sr(swap, what + " swap", d_);
      v.debt.swap.present = true;
      v.debt.swap.fixed_rate = sr.quantity(swap_parameter::rate);
      v.debt.swap.notional_fraction = sr.quantity(swap_parameter::notional);
      sr.finish();
      if (v.debt.rate_kind != RateKind::floating)
        d_.error(swap, what + ": a swap needs rate: floating");
    }
    v.debt.balloon_fraction = r.quantity(debt_parameter::balloon);
    if (YAML::Node refi = r.mapping("refinance", Need::optional); refi.IsDefined()) {
      MapReader rr(refi, what + " refinance", d_);
      v.debt.refinance.present = true;
      v.debt.refinance.margin = rr.quantity(refinance_parameter::margin);
      v.debt.refinance.term_months = months(rr, refinance_parameter::term).value_or(12);
      rr.finish();
      if (!r.has("base_rate"))
        d_.error(refi, what + ": refinancing at the rate of the day needs base_rate");
    }
    if (YAML::Node cov = r.mapping("covenants", Need::optional); cov.IsDefined()) {
      MapReader cr(cov, what + " covenants", d_);
      v.debt.lockup_dscr = cr.quantity(covenant_parameter::lockup_dscr);
      v.debt.default_dscr = cr.quantity(covenant_parameter::default_dscr);
      cr.finish();
    }
    v.debt.sweep_fraction = r.quantity(debt_parameter::cash_sweep);
    v.debt.equity_cures = r.boolean("equity_cure", Need::optional).value_or(true);
    v.debt.term_months = months(r, debt_parameter::term).value_or(1);
    v.debt.amortization =
        r.one_of("amortization", Need::optional, {"annuity", "bullet"}).value_or("annuity") ==
                "bullet"
            ? Amortization::bullet
            : Amortization::annuity;
    v.debt.upfront_fee_fraction = r.quantity(debt_parameter::upfront_fee);
    v.debt.grace_months = months(r, debt_parameter::grace).value_or(0);
    v.debt.reserve_months = months(r, debt_parameter::reserve).value_or(0);
    r.finish();
  }

  void read_residual(const YAML::Node& node, VehicleSpec& v, const std::string& vehicle) {
    const std::string what = vehicle + " residual";
    MapReader r(node, what, d_);
    auto method = r.one_of("method", Need::optional,
                           {"straight_line", "declining_balance", "piecewise_linear"})
                      .value_or("straight_line");
    v.residual.method = method == "declining_balance"  ? DepreciationMethod::declining_balance
                        : method == "piecewise_linear" ? DepreciationMethod::piecewise_linear
                                                       : DepreciationMethod::straight_line;
    if (auto life = r.given(residual_parameter::life))
      v.residual.life_years = *life / julian_year_s;
    v.residual.declining_multiplier = r.quantity(residual_parameter::multiplier);
    v.residual.floor_fraction = r.quantity(residual_parameter::floor);
    if (YAML::Node points = r.sequence("points", Need::optional); points.IsDefined()) {
      for (const auto& point : points) {
        if (!point.IsSequence() || point.size() != 2) {
          d_.error(point, what + " points are [age, fraction] pairs, e.g. [24 months, 60 %]");
          continue;
        }
        auto age = read_quantity(point[0], Dimension::time, what + " point age", d_);
        auto fraction =
            read_quantity(point[1], Dimension::dimensionless, what + " point fraction", d_);
        if (age && fraction)
          v.residual.points.push_back({.age_months = *age / julian_month_s, .fraction = *fraction});
      }
    }
    if (v.residual.method == DepreciationMethod::piecewise_linear && v.residual.points.empty())
      d_.error(node, what + ": method piecewise_linear needs points");
    r.finish();
    report(node, what, validate(v.residual));
  }

  void check_vehicle(const YAML::Node& node, VehicleSpec& v, const std::string& what) {
    const LeaseSpec& lease = f_.leases[v.lease];
    if (lease.cluster >= s_.clusters.size()) return; // no such cluster: already reported
    const ClusterSpec& cluster = s_.clusters[lease.cluster];
    const int end_month = lease.start_month + lease.term_months;
    for (const auto& delivery : cluster.deliveries)
      if (static_cast<int>(std::floor(delivery.at_s / julian_month_s + 1e-9)) >= end_month - 1) {
        d_.error(node, what + ": cluster '" + cluster.name + "' receives GPUs at " +
                           format_quantity(delivery.at_s, Dimension::time) +
                           ", not before the last month of lease '" + lease.name + "'");
        return;
      }
    f_.vehicles.push_back(v);
    VehicleParams params = vehicle_params(s_, f_, f_.vehicles.size() - 1);
    f_.vehicles.pop_back();
    const double all_in_usd = all_in_capex_usd(params);
    if (v.principal_usd && !(*v.principal_usd < all_in_usd)) {
      d_.error(node["debt"]["principal"], what + ": debt principal " +
                                              format_quantity(*v.principal_usd, Dimension::money) +
                                              " must be less than the all-in capex it finances (" +
                                              format_quantity(all_in_usd, Dimension::money) + ")");
      return;
    }
    if (!v.base_rate_steps.empty() || v.base_rate_model) params.debt.base_rate_path = {0.0};
    if (v.market) params.market_rate_usd_per_gpu_hour = {1.0};
    report(node, what, validate(params));
  }

  void read_site_cost(const YAML::Node& node) {
    SiteCostSpec c;
    MapReader r(node, "site cost", d_);
    YAML::Node site_node = r.child("site", Need::required);
    auto site = resolve(site_node, s_.sites, "site", "site cost");
    const std::string what = "site cost '" + (site ? s_.sites[*site].name : std::string("?")) + "'";
    r.rename(what);
    if (site) {
      c.site = *site;
      for (const auto& other : f_.site_costs)
        if (other.site == *site) d_.error(site_node, what + " is given twice");
    }
    c.kind = r.one_of("kind", Need::optional, {"ground", "orbital"}).value_or("ground") == "orbital"
                 ? SiteCostKind::orbital
                 : SiteCostKind::ground;
    const bool orbital_site = site && s_.sites[*site].kind == SiteKind::orbital;
    if (site && (c.kind == SiteCostKind::orbital) != orbital_site)
      d_.error(r.peek("kind").IsDefined() ? r.peek("kind") : node,
               what + ": kind " + (c.kind == SiteCostKind::orbital ? "orbital" : "ground") +
                   " does not match the site, which is " +
                   (orbital_site ? "orbital" : "terrestrial"));
    if (site && s_.sites[*site].capex_usd > 0)
      d_.error(site_node, what + ": site '" + s_.sites[*site].name +
                              "' also has a capex; give its facility cost in one place");
    if (c.kind == SiteCostKind::ground)
      read_ground_site_cost(r, c.ground);
    else
      read_orbital_site_cost(r, site, orbital_site, c.orbital);
    r.finish();
    f_.site_costs.push_back(c);
  }

  // A ground site's facility: capacity, capex and life, hardware, maintenance, water.
  void read_ground_site_cost(MapReader& r, GroundTcoParams& ground) {
    namespace p = ground_tco_parameter;
    ground.it_capacity_w = r.given(p::it_capacity).value_or(0); // 0: the fleet's, at use
    ground.facility_capex_usd_per_w = r.quantity(p::capex_per_it_power);
    ground.facility_life_s = r.quantity(p::facility_life);
    ground.hardware_capex_usd = r.quantity(p::hardware_capex);
    ground.hardware_life_s = r.quantity(p::hardware_life);
    ground.maintenance_fraction_per_year = r.quantity(p::maintenance);
    ground.wue_m3_per_j = r.quantity(p::wue);
    ground.water_usd_per_m3 = money_per_volume(r, "water_price").value_or(0);
  }

  void read_orbital_site_cost(MapReader& r, std::optional<std::size_t> site, bool orbital_site,
                              OrbitalTcoParams& orbital) {
    // Defaults come from the orbital site itself: its satellites as sized at load, its
    // platform cost per W and its launcher's price.
    const SiteSpec* orbit = orbital_site ? &s_.sites[*site] : nullptr;
    const Need from_site = orbit ? Need::optional : Need::required;
    namespace p = orbital_tco_parameter;
    orbital.satellites =
        r.given(p::satellites, from_site)
            // with the spares policy, the spare satellites are capital too
            .value_or(orbit ? orbit->satellites +
                                  (orbit->orbital.replacement == ReplacementPolicy::spares
                                       ? orbit->orbital.spares
                                       : 0)
                            : 0);
    orbital.satellite_power_w =
        r.given(p::satellite_power, from_site)
            // The one platform cost basis: USD per W of beginning-of-life array power
            // (models/spacecraft.hpp), as the run's own platform_cost_usd.
            .value_or(orbit ? orbit->satellite.array_power_bol_w : 0);
    orbital.satellite_cost_usd_per_w =
        r.given(p::satellite_cost, from_site)
            .value_or(orbit ? orbit->orbital.craft.platform_cost_usd_per_w : 0);
    orbital.compute_hardware_usd_per_satellite = r.quantity(p::hardware_per_satellite);
    orbital.satellite_mass_kg =
        r.given(p::satellite_mass, from_site).value_or(orbit ? orbit->satellite.total_mass_kg : 0);
    orbital.launch_usd_per_kg = r.given(p::launch_price, from_site)
                                    .value_or(orbit ? orbit->orbital.launch.price_usd_per_kg : 0);
    orbital.satellite_life_s =
        r.given(p::satellite_life)
            .value_or(orbit ? orbit->orbital.design_life_s : orbital.satellite_life_s);
    orbital.annual_replacement_fraction = r.quantity(p::replacement);
    if (orbit && orbit->orbital.replacement == ReplacementPolicy::spares &&
        orbital.annual_replacement_fraction > 0)
      d_.error(r.peek("replacement"),
               "finance site_costs " + s_.sites[*site].name +
                   ": replacement (a yearly fraction) would count replacements twice: the site's "
                   "satellites are replaced by the spares policy, whose launches the run "
                   "simulates and costs; drop it");
    orbital.ground_segment_usd = r.quantity(p::ground_segment);
    orbital.insurance_fraction = r.quantity(p::insurance);
  }

  template <typename Named>
  std::optional<std::size_t> find(const std::vector<Named>& items, const std::string& name) {
    for (std::size_t i = 0; i < items.size(); ++i)
      if (items[i].name == name) return i;
    return std::nullopt;
  }

  void read_solve(const YAML::Node& node) {
    SolveSpec& solve = f_.solve;
    MapReader r(node, "finance solve", d_);
    YAML::Node parameter_node = r.child("parameter", Need::required);
    YAML::Node target_node = r.child("target", Need::required);
    YAML::Node value_node = r.child("value", Need::required);
    YAML::Node bracket_node = r.sequence("bracket", Need::required);
    YAML::Node tolerance_node = r.child("tolerance", Need::optional);
    r.finish();
    bool ok = parameter_node.IsScalar() && target_node.IsScalar();
    if (ok) {
      bool parameter_ok = read_solve_parameter(parameter_node); // both read: every error shown
      bool target_ok = read_solve_target(target_node);
      ok = parameter_ok && target_ok;
    }
    if (!ok) return;
    if (auto value = read_quantity(value_node, solve.target_dimension, "solve value", d_))
      solve.value = *value;
    if (bracket_node.IsDefined()) {
      if (bracket_node.size() != 2) {
        d_.error(bracket_node,
                 "solve bracket must be [low, high], e.g. [1 USD/GPU/h, 30 USD/GPU/h]");
        return;
      }
      auto lo = read_quantity(bracket_node[0], solve.parameter_dimension, "solve bracket", d_);
      auto hi = read_quantity(bracket_node[1], solve.parameter_dimension, "solve bracket", d_);
      if (!lo || !hi) return;
      if (!(*lo < *hi)) {
        d_.error(bracket_node, "solve bracket must have low < high, got [" +
                                   format_quantity(*lo, solve.parameter_dimension) + ", " +
                                   format_quantity(*hi, solve.parameter_dimension) + "]");
        return;
      }
      solve.lo = *lo;
      solve.hi = *hi;
      solve.tolerance = 1e-9 * (*hi - *lo);
    }
    if (tolerance_node.IsDefined()) {
      auto tol = read_quantity(tolerance_node, solve.parameter_dimension, "solve tolerance", d_);
      if (tol && !(*tol > 0))
        d_.error(tolerance_node, "solve tolerance must be > 0");
      else if (tol)
        solve.tolerance = *tol;
    }
    solve.present = true;
  }

  bool read_solve_parameter(const YAML::Node& node) {
    SolveSpec& solve = f_.solve;
    solve.parameter_path = node.Scalar();
    const auto parts = split_path(solve.parameter_path);
    const std::string accepted =
        "finance.discount_rate, finance.leases.NAME.{rate, escalator, purchase_option}, "
        "finance.vehicles.NAME.{price_per_unit, debt.rate, debt.loan_to_cost, debt.principal}";
    auto fail = [&](const std::string& why) {
      d_.error(node, "solve parameter '" + solve.parameter_path + "': " + why +
                         " (accepted: " + accepted + ")");
      return false;
    };
    if (parts.size() < 2 || parts[0] != "finance") return fail("not a finance parameter");
    if (parts.size() == 2 && parts[1] == "discount_rate") {
      if (!f_.discount_rate) return fail("the finance block has no discount_rate to vary");
      solve.parameter = SolveParameter::discount_rate;
      solve.parameter_dimension = Dimension::dimensionless;
      return true;
    }
    if (parts.size() == 4 && parts[1] == "leases") {
      auto lease = find(f_.leases, parts[2]);
      if (!lease) return fail("no lease named '" + parts[2] + "'");
      solve.parameter_index = *lease;
      if (parts[3] == "rate") {
        solve.parameter = SolveParameter::lease_rate;
        solve.parameter_dimension = Dimension::money_per_gpu_time;
      } else if (parts[3] == "escalator") {
        solve.parameter = SolveParameter::lease_escalator;
        solve.parameter_dimension = Dimension::dimensionless;
      } else if (parts[3] == "purchase_option") {
        if (!f_.leases[*lease].purchase_option_usd)
          return fail("lease '" + parts[2] + "' has no purchase_option to vary");
        solve.parameter = SolveParameter::lease_purchase_option;
        solve.parameter_dimension = Dimension::money;
      } else {
        return fail("unknown lease parameter '" + parts[3] + "'");
      }
      return true;
    }
    if ((parts.size() == 4 || parts.size() == 5) && parts[1] == "vehicles") {
      auto vehicle = find(f_.vehicles, parts[2]);
      if (!vehicle) return fail("no vehicle named '" + parts[2] + "'");
      solve.parameter_index = *vehicle;
      const std::string key = parts.size() == 5 ? parts[3] + "." + parts[4] : parts[3];
      if (key == "price_per_unit") {
        solve.parameter = SolveParameter::vehicle_price_per_unit;
        solve.parameter_dimension = Dimension::money;
      } else if (key == "debt.rate") {
        solve.parameter = SolveParameter::vehicle_debt_rate;
        solve.parameter_dimension = Dimension::dimensionless;
      } else if (key == "debt.loan_to_cost") {
        if (f_.vehicles[*vehicle].principal_usd)
          return fail("vehicle '" + parts[2] + "' sizes its debt by principal");
        solve.parameter = SolveParameter::vehicle_loan_to_cost;
        solve.parameter_dimension = Dimension::dimensionless;
      } else if (key == "debt.principal") {
        if (!f_.vehicles[*vehicle].principal_usd)
          return fail("vehicle '" + parts[2] + "' sizes its debt by loan_to_cost");
        solve.parameter = SolveParameter::vehicle_principal;
        solve.parameter_dimension = Dimension::money;
      } else {
        return fail("unknown vehicle parameter '" + key + "'");
      }
      return true;
    }
    return fail("not a parameter that can be solved for");
  }

  bool read_solve_target(const YAML::Node& node) {
    SolveSpec& solve = f_.solve;
    solve.target_path = node.Scalar();
    const auto parts = split_path(solve.target_path);
    const std::string accepted =
        "finance.{equity_irr, project_irr, min_dscr, npv_usd, total_cost_usd, cost_per_eflop_usd}, "
        "finance.vehicles.NAME.{equity_irr, project_irr, min_dscr, npv_usd}, "
        "finance.lessees.NAME.cost_per_eflop_usd";
    auto fail = [&](const std::string& why) {
      d_.error(node, "solve target '" + solve.target_path + "': " + why +
                         " (accepted: " + accepted + ")");
      return false;
    };
    auto vehicle_output = [&](const std::string& key) {
      if (key == "equity_irr") {
        solve.target = SolveTarget::equity_irr;
      } else if (key == "project_irr") {
        solve.target = SolveTarget::project_irr;
      } else if (key == "min_dscr") {
        solve.target = SolveTarget::min_dscr;
      } else if (key == "npv_usd") {
        if (!f_.discount_rate) return fail("npv_usd needs finance.discount_rate");
        solve.target = SolveTarget::npv_usd;
        solve.target_dimension = Dimension::money;
      } else {
        return fail("unknown output '" + key + "'");
      }
      if (f_.vehicles.empty()) return fail("the finance block has no vehicle");
      return true;
    };
    if (parts.size() < 2 || parts[0] != "finance") return fail("not a finance output");
    if (parts.size() == 2) {
      if (parts[1] == "total_cost_usd" || parts[1] == "cost_per_eflop_usd") {
        solve.target = parts[1] == "total_cost_usd" ? SolveTarget::total_cost_usd
                                                    : SolveTarget::cost_per_eflop_usd;
        solve.target_dimension = Dimension::money;
        return true;
      }
      return vehicle_output(parts[1]);
    }
    if (parts.size() == 4 && parts[1] == "vehicles") {
      auto vehicle = find(f_.vehicles, parts[2]);
      if (!vehicle) return fail("no vehicle named '" + parts[2] + "'");
      solve.target_index = *vehicle;
      return vehicle_output(parts[3]);
    }
    if (parts.size() == 4 && parts[1] == "lessees" && parts[3] == "cost_per_eflop_usd") {
      bool known = std::any_of(f_.leases.begin(), f_.leases.end(),
                               [&](const LeaseSpec& l) { return l.lessee == parts[2]; });
      if (!known) return fail("no lease has lessee '" + parts[2] + "'");
      solve.target = SolveTarget::lessee_cost_per_eflop_usd;
      solve.target_lessee = parts[2];
      solve.target_dimension = Dimension::money;
      return true;
    }
    return fail("not an output that can be targeted");
  }

  Diagnostics& d_;
  Scenario& s_;
  FinanceSpec& f_;
};

} // namespace

double all_in_capex_usd(const VehicleParams& params) {
  double sum = 0;
  for (const auto& p : params.purchases) {
    const double gpus = p.units * p.gpus_per_unit;
    sum += p.units * p.price_usd_per_unit +
           gpus * (params.capex.networking_usd + params.capex.storage_usd +
                   params.capex.installation_usd + params.capex.spares_usd);
  }
  return sum;
}

VehicleParams vehicle_params(const Scenario& scenario, const FinanceSpec& finance, std::size_t v) {
  const VehicleSpec& spec = finance.vehicles[v];
  const LeaseSpec& lease = finance.leases[spec.lease];
  const ClusterSpec& cluster = scenario.clusters[lease.cluster];
  VehicleParams params;
  for (const auto& delivery : cluster.deliveries)
    params.purchases.push_back(
        {.month = static_cast<int>(std::floor(delivery.at_s / julian_month_s + 1e-9)),
         .units = static_cast<double>(delivery.gpus) / spec.gpus_per_unit,
         .gpus_per_unit = spec.gpus_per_unit,
         .price_usd_per_unit = spec.price_usd_per_unit});
  const double price_per_gpu = spec.price_usd_per_unit / spec.gpus_per_unit;
  params.capex = spec.capex;
  params.capex.spares_usd = spec.spares_fraction * price_per_gpu;
  params.fees = spec.fees;
  params.costs = spec.costs;
  if (!spec.replacement_given)
    params.costs.replacement_usd_per_lost_unit = price_per_gpu * cluster.gpus_per_host;
  params.debt = spec.debt;
  if (spec.principal_usd) params.debt.loan_to_cost = *spec.principal_usd / all_in_capex_usd(params);
  params.lease = lease_params(lease);
  params.residual = spec.residual;
  params.end_of_term = spec.end_of_term;
  return params;
}

LeaseParams lease_params(const LeaseSpec& lease) {
  return {.rate_usd_per_gpu_hour = lease.rate_usd_per_gpu_s * 3600,
          .commitment = lease.commitment,
          .start_month = lease.start_month,
          .term_months = lease.term_months,
          .annual_escalator = lease.annual_escalator,
          .purchase_option_usd = lease.purchase_option_usd,
          .triple_net = lease.triple_net};
}

void read_finance_section(MapReader& top, Diagnostics& diagnostics, Scenario& scenario) {
  YAML::Node node = top.mapping("finance", Need::optional);
  if (!node.IsDefined()) return;
  scenario.finance.present = true;
  FinanceReader(diagnostics, scenario).read(node);
}

} // namespace capsim
