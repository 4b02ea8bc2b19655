#include "sim/scenario/finance_spec.hpp"

#include "sim/scenario/loader.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "models/tco.hpp"
#include "sim/engine/usage.hpp"
#include "sim/scenario/scenario.hpp"

namespace capsim {

const LeaseSpec* lease_of_cluster(const FinanceSpec& finance, std::size_t cluster) {
  for (const auto& lease : finance.leases)
    if (lease.cluster == cluster) return &lease;
  return nullptr;
}

namespace {

constexpr double max_money_usd = 1e13;
constexpr int max_months = 50 * 12;

std::string join(const std::vector<std::string>& items) {
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
    f_.discount_rate =
        r.quantity_in("discount_rate", Dimension::dimensionless, Need::optional, -0.99, 10, true);
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
  // A time that must be a whole number of months (1/12 Julian year).
  std::optional<int> months(MapReader& r, std::string_view key, Need need, int min_months) {
    YAML::Node node = r.peek(key);
    auto t = r.quantity_in(key, Dimension::time, need, min_months * usage_month_s,
                           max_months * usage_month_s);
    if (!t) return std::nullopt;
    const double m = *t / usage_month_s;
    if (std::abs(m - std::round(m)) > 1e-6) {
      d_.error(node, std::string(key) +
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
                       "s: " + join(names) + ")");
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
    lease.rate_usd_per_gpu_s =
        r.quantity_in("rate", Dimension::money_per_gpu_time, Need::required, 0, 1, true)
            .value_or(0);
    lease.commitment = r.one_of("commitment", Need::optional, {"take_or_pay", "usage_based"})
                                   .value_or("take_or_pay") == "usage_based"
                           ? LeaseCommitment::usage_based
                           : LeaseCommitment::take_or_pay;
    int first_delivery_month = 0;
    if (cluster && !s_.clusters[*cluster].deliveries.empty())
      first_delivery_month = static_cast<int>(
          std::floor(s_.clusters[*cluster].deliveries.front().at_s / usage_month_s + 1e-9));
    lease.start_month = months(r, "start", Need::optional, 0).value_or(first_delivery_month);
    lease.term_months = months(r, "term", Need::required, 1).value_or(1);
    lease.annual_escalator =
        r.quantity_in("escalator", Dimension::dimensionless, Need::optional, -0.99, 0.99)
            .value_or(0);
    lease.purchase_option_usd =
        r.quantity_in("purchase_option", Dimension::money, Need::optional, 0, max_money_usd);
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

    if (YAML::Node debt = r.mapping("debt", Need::optional); debt.IsDefined())
      read_debt(debt, v, what);
    if (YAML::Node residual = r.mapping("residual", Need::optional); residual.IsDefined())
      read_residual(residual, v, what);
    else
      v.residual = depreciation_preset(DepreciationPreset::five_years);
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
    v.debt.annual_rate =
        r.quantity_in("rate", Dimension::dimensionless, Need::required, 0, 1).value_or(0);
    v.debt.term_months = months(r, "term", Need::required, 1).value_or(1);
    v.debt.amortization =
        r.one_of("amortization", Need::optional, {"annuity", "bullet"}).value_or("annuity") ==
                "bullet"
            ? Amortization::bullet
            : Amortization::annuity;
    v.debt.upfront_fee_fraction =
        r.quantity_in("upfront_fee", Dimension::dimensionless, Need::optional, 0, 1).value_or(0);
    v.debt.grace_months = months(r, "grace", Need::optional, 0).value_or(0);
    v.debt.reserve_months = months(r, "reserve", Need::optional, 0).value_or(0);
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
    if (auto life =
            r.quantity_in("life", Dimension::time, Need::optional, 0, 50 * kSecondsPerYear, true))
      v.residual.life_years = *life / kSecondsPerYear;
    v.residual.declining_multiplier =
        r.quantity_in("multiplier", Dimension::dimensionless, Need::optional, 0, 100, true)
            .value_or(2);
    v.residual.floor_fraction =
        r.quantity_in("floor", Dimension::dimensionless, Need::optional, 0, 1).value_or(0);
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
          v.residual.points.push_back({.age_months = *age / usage_month_s, .fraction = *fraction});
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
    double purchases_usd = 0;
    for (const auto& delivery : cluster.deliveries)
      purchases_usd += static_cast<double>(delivery.gpus) / v.gpus_per_unit * v.price_usd_per_unit;
    if (v.principal_usd && !(*v.principal_usd < purchases_usd)) {
      d_.error(node["debt"]["principal"],
               what + ": debt principal " + format_quantity(*v.principal_usd, Dimension::money) +
                   " must be less than the purchases it finances (" +
                   format_quantity(purchases_usd, Dimension::money) + ")");
      return;
    }
    const int end_month = lease.start_month + lease.term_months;
    for (const auto& delivery : cluster.deliveries)
      if (static_cast<int>(std::floor(delivery.at_s / usage_month_s + 1e-9)) >= end_month - 1) {
        d_.error(node, what + ": cluster '" + cluster.name + "' receives GPUs at " +
                           format_quantity(delivery.at_s, Dimension::time) +
                           ", not before the last month of lease '" + lease.name + "'");
        return;
      }
    VehicleParams params;
    params.debt = v.debt;
    if (v.principal_usd) params.debt.loan_to_cost = *v.principal_usd / purchases_usd;
    params.lease = lease_params(lease);
    for (const auto& delivery : cluster.deliveries)
      params.purchases.push_back(
          {.month = static_cast<int>(std::floor(delivery.at_s / usage_month_s + 1e-9)),
           .units = static_cast<double>(delivery.gpus) / v.gpus_per_unit,
           .gpus_per_unit = v.gpus_per_unit,
           .price_usd_per_unit = v.price_usd_per_unit});
    params.residual = v.residual;
    params.end_of_term = v.end_of_term;
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
    if (c.kind == SiteCostKind::ground) {
      c.ground.it_capacity_w =
          r.quantity_in("it_capacity", Dimension::power, Need::optional, 0, 1e12, true).value_or(0);
      c.ground.facility_capex_usd_per_w =
          r.quantity_in("capex_per_it_power", Dimension::money_per_power, Need::optional, 0, 1e3)
              .value_or(0);
      c.ground.facility_life_s = r.quantity_in("facility_life", Dimension::time, Need::optional, 0,
                                               100 * kSecondsPerYear, true)
                                     .value_or(c.ground.facility_life_s);
      c.ground.hardware_capex_usd =
          r.quantity_in("hardware_capex", Dimension::money, Need::optional, 0, max_money_usd)
              .value_or(0);
      c.ground.hardware_life_s = r.quantity_in("hardware_life", Dimension::time, Need::optional, 0,
                                               50 * kSecondsPerYear, true)
                                     .value_or(c.ground.hardware_life_s);
      c.ground.maintenance_fraction_per_year =
          r.quantity_in("maintenance", Dimension::dimensionless, Need::optional, 0, 1).value_or(0);
      c.ground.wue_m3_per_j =
          r.quantity_in("wue", Dimension::volume_per_energy, Need::optional, 0, 1e-6).value_or(0);
      c.ground.water_usd_per_m3 = money_per_volume(r, "water_price").value_or(0);
    } else {
      // Defaults come from the orbital site itself: its satellites as sized at load, its
      // platform cost per W and its launcher's price.
      const SiteSpec* orbit = orbital_site ? &s_.sites[*site] : nullptr;
      const Need from_site = orbit ? Need::optional : Need::required;
      c.orbital.satellites =
          r.quantity_in("satellites", Dimension::dimensionless, from_site, 0, 1e7, true)
              .value_or(orbit ? orbit->satellites : 0);
      c.orbital.satellite_power_w =
          r.quantity_in("satellite_power", Dimension::power, from_site, 0, 1e9, true)
              .value_or(orbit ? orbit->satellite.load_power_w : 0);
      c.orbital.satellite_cost_usd_per_w =
          r.quantity_in("satellite_cost", Dimension::money_per_power, from_site, 0, 1e5)
              .value_or(orbit ? orbit->orbital.craft.platform_cost_usd_per_w : 0);
      c.orbital.compute_hardware_usd_per_satellite =
          r.quantity_in("hardware_per_satellite", Dimension::money, Need::optional, 0,
                        max_money_usd)
              .value_or(0);
      c.orbital.satellite_mass_kg =
          r.quantity_in("satellite_mass", Dimension::mass, from_site, 0, 1e7, true)
              .value_or(orbit ? orbit->satellite.total_mass_kg : 0);
      c.orbital.launch_usd_per_kg =
          r.quantity_in("launch_price", Dimension::money_per_mass, from_site, 0, 1e6)
              .value_or(orbit ? orbit->orbital.launch.price_usd_per_kg : 0);
      c.orbital.satellite_life_s = r.quantity_in("satellite_life", Dimension::time, Need::optional,
                                                 0, 50 * kSecondsPerYear, true)
                                       .value_or(c.orbital.satellite_life_s);
      c.orbital.annual_replacement_fraction =
          r.quantity_in("replacement", Dimension::dimensionless, Need::optional, 0, 1).value_or(0);
      c.orbital.ground_segment_usd =
          r.quantity_in("ground_segment", Dimension::money, Need::optional, 0, max_money_usd)
              .value_or(0);
      c.orbital.insurance_fraction =
          r.quantity_in("insurance", Dimension::dimensionless, Need::optional, 0, 1).value_or(0);
    }
    r.finish();
    f_.site_costs.push_back(c);
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
    if (ok) ok = read_solve_parameter(parameter_node) & read_solve_target(target_node);
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
