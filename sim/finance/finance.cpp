#include "sim/finance/finance.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>
#include <tuple>

#include <fmt/format.h>

#include "models/finance.hpp"
#include "sim/report/atomic_file.hpp"
#include "sim/report/csv.hpp"

namespace capsim {

namespace {

using json = nlohmann::ordered_json;
constexpr double month_s = julian_month_s;
const double nan = std::numeric_limits<double>::quiet_NaN();

json number_or_null(double x) {
  return std::isfinite(x) ? json(x) : json(nullptr);
}

// ---- usage by month ---------------------------------------------------------------------------

// The monthly snapshots and the jobs' marks, in time order (one per time: the first given).
std::vector<const UsageSnapshot*> timeline(const UsageRecord& usage) {
  std::vector<const UsageSnapshot*> all;
  for (const auto& snapshot : usage.snapshots)
    all.push_back(&snapshot);
  for (const auto& mark : usage.marks)
    all.push_back(&mark);
  std::stable_sort(all.begin(), all.end(), [](const UsageSnapshot* a, const UsageSnapshot* b) {
    return a->time_s < b->time_s;
  });
  return all;
}

// A cumulative counter of the run, read at any time in [0, horizon] (exact at the snapshots and
// marks, linear in between).
class Cumulative {
public:
  template <typename Get>
  Cumulative(const UsageRecord& usage, Get get) {
    for (const UsageSnapshot* snapshot : timeline(usage)) {
      if (!time_s_.empty() && snapshot->time_s <= time_s_.back()) continue;
      time_s_.push_back(snapshot->time_s);
      value_.push_back(get(*snapshot));
    }
  }
  double at(double t) const {
    if (time_s_.empty() || t <= time_s_.front()) return value_.empty() ? 0 : value_.front();
    if (t >= time_s_.back()) return value_.back();
    auto it = std::upper_bound(time_s_.begin(), time_s_.end(), t);
    const std::size_t i = static_cast<std::size_t>(it - time_s_.begin());
    const double w = (t - time_s_[i - 1]) / (time_s_[i] - time_s_[i - 1]);
    return value_[i - 1] + w * (value_[i] - value_[i - 1]);
  }

private:
  std::vector<double> time_s_, value_;
};

// GPU-seconds installed in [a, b) by the delivery schedule.
double installed_gpu_s(const ClusterSpec& cluster, double a, double b) {
  double sum = 0;
  for (const auto& delivery : cluster.deliveries)
    sum += static_cast<double>(delivery.gpus) * std::max(0.0, b - std::max(a, delivery.at_s));
  return sum;
}

double typical_power_per_gpu_w(const ClusterSpec& cluster) {
  return cluster.system.gpus > 0 ? cluster.system.power_typical_w / cluster.system.gpus
                                 : cluster.gpu.tdp_w;
}

// What the fleet used per month (whole months: simulated part + extrapolated part) and over the
// simulated horizon.
struct MonthlyUsage {
  int months = 0;
  int simulated_months = 0; // months that start before the horizon
  double horizon_s = 0;
  std::vector<std::vector<double>> installed_gpu_s;        // [cluster][month]
  std::vector<std::vector<double>> installed_window_gpu_s; // ... inside the horizon
  std::vector<std::vector<double>> busy_gpu_s;             // [cluster][month]
  std::vector<std::vector<double>> busy_window_gpu_s;
  // The cluster's inference jobs: GPU-seconds held and output tokens served, [cluster][month]
  // (extrapolated past the horizon per installed GPU-second, as busy) and inside the horizon.
  std::vector<std::vector<double>> serving_gpu_s, serving_window_gpu_s;
  std::vector<std::vector<double>> output_tokens, output_window_tokens;
  std::vector<std::vector<double>> failures;          // [cluster][month], host failures
  std::vector<std::vector<double>> lost_hosts;        // [cluster][month], hosts lost for good
  std::vector<std::vector<double>> energy_usd;        // [site][month], energy bill
  std::vector<std::vector<double>> it_energy_j;       // [site][month]
  std::vector<std::vector<double>> cluster_power_usd; // [cluster][month], its share
  std::vector<std::vector<double>> cluster_power_window_usd; // ... inside the horizon
  std::vector<double> site_energy_window_usd, site_it_energy_window_j;
  std::vector<double> site_capex_window_usd; // spent during the run (orbital launches)
  // [site][month] and in the horizon: replacements of GPUs lost before their end of life
  // (orbital, spares policy), as they fly; none after the horizon.
  std::vector<std::vector<double>> loss_replacement_usd;
  std::vector<double> site_loss_replacement_window_usd;
  std::vector<double> job_useful_flop;
  std::vector<double> cluster_installed_gpu_s; // [cluster], in the horizon, as the run installed
};

// Month m: [a, b); its simulated part [sa, sb) (empty past the horizon); its extrapolated part
// [ea, b), when b > horizon.
struct MonthSpan {
  double a, b, sa, sb, ea;
  MonthSpan(int m, double horizon)
      : a(m * month_s), b((m + 1) * month_s), sa(std::min(a, horizon)), sb(std::min(b, horizon)),
        ea(std::max(a, horizon)) {}
};

// The start of the reference window for extrapolation: the last simulated month, or the whole run
// (0) if that month had no GPU installed.
double reference_start_s(const Scenario& s, const UsageRecord& usage) {
  const double horizon = s.horizon_s;
  double ref_start = 0;
  for (const auto& snapshot : usage.snapshots)
    if (snapshot.time_s < horizon - 1e-6) ref_start = std::max(ref_start, snapshot.time_s);
  double installed_ref = 0;
  for (const auto& c : s.clusters)
    installed_ref += installed_gpu_s(c, ref_start, horizon);
  return installed_ref > 0 ? ref_start : 0.0;
}

// What a cumulative counter grew by per installed GPU-second over [from, to) (0 without GPUs).
double growth_per_gpu_s(const Cumulative& x, double from, double to, double installed_gpu_s) {
  return installed_gpu_s > 0 ? (x.at(to) - x.at(from)) / installed_gpu_s : 0.0;
}

// GPU-seconds held or output tokens served by cluster c's inference jobs (snapshots hold them per
// job, in Scenario::inference's order).
double cluster_serving(const Scenario& s, std::size_t c, const UsageSnapshot& x, bool tokens) {
  double sum = 0;
  for (std::size_t i = 0; i < x.serving.size() && i < s.inference.size(); ++i)
    if (s.inference[i].cluster == s.clusters[c].name)
      sum += tokens ? x.serving[i].output_tokens : x.serving[i].gpu_s;
  return sum;
}

// Cluster c by month: GPU-seconds installed, busy and serving, tokens, failures and hosts lost.
// Past the horizon, busy and serving GPU-seconds and tokens follow the reference window per
// installed GPU-second; failures and losses follow the whole run's.
void add_cluster_months(const Scenario& s, const UsageRecord& usage, double ref_start,
                        std::size_t c, MonthlyUsage& u) {
  const ClusterSpec& spec = s.clusters[c];
  const double horizon = u.horizon_s;
  Cumulative busy(usage, [c](const UsageSnapshot& x) { return x.clusters[c].busy_gpu_s; });
  Cumulative serving(usage,
                     [&](const UsageSnapshot& x) { return cluster_serving(s, c, x, false); });
  Cumulative tokens(usage, [&](const UsageSnapshot& x) { return cluster_serving(s, c, x, true); });
  Cumulative failures(
      usage, [c](const UsageSnapshot& x) { return static_cast<double>(x.clusters[c].failures); });
  Cumulative lost(usage,
                  [c](const UsageSnapshot& x) { return static_cast<double>(x.clusters[c].lost); });
  const double ref_installed = installed_gpu_s(spec, ref_start, horizon);
  const double busy_rate = growth_per_gpu_s(busy, ref_start, horizon, ref_installed);
  const double serving_rate = growth_per_gpu_s(serving, ref_start, horizon, ref_installed);
  const double tokens_rate = growth_per_gpu_s(tokens, ref_start, horizon, ref_installed);
  const double run_installed = installed_gpu_s(spec, 0, horizon);
  const double failures_rate = run_installed > 0 ? failures.at(horizon) / run_installed : 0;
  const double lost_rate = run_installed > 0 ? lost.at(horizon) / run_installed : 0;
  for (int m = 0; m < u.months; ++m) {
    const MonthSpan t(m, horizon);
    const double later = t.b > horizon ? installed_gpu_s(spec, t.ea, t.b) : 0.0;
    u.installed_gpu_s[c][m] = installed_gpu_s(spec, t.a, t.b);
    u.installed_window_gpu_s[c][m] = installed_gpu_s(spec, t.sa, t.sb);
    u.failures[c][m] = failures.at(t.sb) - failures.at(t.sa) + failures_rate * later;
    u.lost_hosts[c][m] = lost.at(t.sb) - lost.at(t.sa) + lost_rate * later;
    u.busy_window_gpu_s[c][m] = busy.at(t.sb) - busy.at(t.sa);
    u.busy_gpu_s[c][m] = u.busy_window_gpu_s[c][m] + busy_rate * later;
    u.serving_window_gpu_s[c][m] = serving.at(t.sb) - serving.at(t.sa);
    u.serving_gpu_s[c][m] = u.serving_window_gpu_s[c][m] + serving_rate * later;
    u.output_window_tokens[c][m] = tokens.at(t.sb) - tokens.at(t.sa);
    u.output_tokens[c][m] = u.output_window_tokens[c][m] + tokens_rate * later;
  }
}

std::vector<std::size_t> clusters_at_site(const Scenario& s, std::size_t site) {
  std::vector<std::size_t> here;
  for (std::size_t c = 0; c < s.clusters.size(); ++c)
    if (s.clusters[c].site == s.sites[site].name) here.push_back(c);
  return here;
}

// GPU-seconds installed in [a, b) on the given clusters.
double site_installed_gpu_s(const Scenario& s, const std::vector<std::size_t>& clusters, double a,
                            double b) {
  double sum = 0;
  for (std::size_t c : clusters)
    sum += installed_gpu_s(s.clusters[c], a, b);
  return sum;
}

// A cluster's weight in the bills its site shares among its clusters (energy, facility) in month
// m: installed GPU-seconds (the whole month, or its part inside the horizon) x typical power per
// GPU.
double bill_weight(const Scenario& s, const MonthlyUsage& u, std::size_t c, int m, bool window) {
  return (window ? u.installed_window_gpu_s : u.installed_gpu_s)[c][m] *
         typical_power_per_gpu_w(s.clusters[c]);
}

// The site's energy bill of month m (whole month, and `window_usd` inside the horizon) shared by
// its clusters in proportion to installed GPU-seconds x typical power per GPU (exact with one
// cluster per site).
void share_energy_bill(const Scenario& s, const std::vector<std::size_t>& here, int m,
                       double month_usd, double window_usd, MonthlyUsage& u) {
  double weight_all = 0, weight_window_all = 0;
  for (std::size_t c : here) {
    weight_all += bill_weight(s, u, c, m, false);
    weight_window_all += bill_weight(s, u, c, m, true);
  }
  for (std::size_t c : here) {
    const double p = typical_power_per_gpu_w(s.clusters[c]);
    if (weight_all > 0)
      u.cluster_power_usd[c][m] = month_usd * u.installed_gpu_s[c][m] * p / weight_all;
    if (weight_window_all > 0)
      u.cluster_power_window_usd[c][m] =
          window_usd * u.installed_window_gpu_s[c][m] * p / weight_window_all;
  }
}

// A site by month: replacements of lost GPUs (as they flew, none past the horizon), energy bill
// and IT energy (past the horizon: the reference window's per installed GPU-second), and the
// bill's share per cluster; and the totals over the horizon.
void add_site_months(const Scenario& s, const UsageRecord& usage, double ref_start,
                     std::size_t site, MonthlyUsage& u) {
  const double horizon = u.horizon_s;
  Cumulative replaced(
      usage, [site](const UsageSnapshot& x) { return x.sites[site].loss_replacement_usd; });
  Cumulative energy(usage,
                    [site](const UsageSnapshot& x) { return x.sites[site].energy_cost_usd; });
  Cumulative it(usage, [site](const UsageSnapshot& x) { return x.sites[site].it_energy_j; });
  const std::vector<std::size_t> here = clusters_at_site(s, site);
  const double ref_installed = site_installed_gpu_s(s, here, ref_start, horizon);
  const double energy_rate = growth_per_gpu_s(energy, ref_start, horizon, ref_installed);
  const double it_rate = growth_per_gpu_s(it, ref_start, horizon, ref_installed);
  u.site_loss_replacement_window_usd[site] = replaced.at(horizon);
  u.site_energy_window_usd[site] = energy.at(horizon);
  u.site_capex_window_usd[site] = usage.snapshots.back().sites[site].capex_usd;
  u.site_it_energy_window_j[site] = it.at(horizon);
  for (int m = 0; m < u.months; ++m) {
    const MonthSpan t(m, horizon);
    u.loss_replacement_usd[site][m] = replaced.at(t.sb) - replaced.at(t.sa);
    const double later = t.b > horizon ? site_installed_gpu_s(s, here, t.ea, t.b) : 0.0;
    const double window_energy = energy.at(t.sb) - energy.at(t.sa);
    u.energy_usd[site][m] = window_energy + energy_rate * later;
    u.it_energy_j[site][m] = it.at(t.sb) - it.at(t.sa) + it_rate * later;
    share_energy_bill(s, here, m, u.energy_usd[site][m], window_energy, u);
  }
}

MonthlyUsage monthly_usage(const Scenario& s, const UsageRecord& usage, int months) {
  MonthlyUsage u;
  u.horizon_s = s.horizon_s;
  u.simulated_months = static_cast<int>(std::ceil(s.horizon_s / month_s - 1e-9));
  u.months = std::max(months, u.simulated_months);
  const std::size_t clusters = s.clusters.size(), sites = s.sites.size();
  const std::vector<double> by_month(u.months, 0.0);
  u.installed_gpu_s.assign(clusters, by_month);
  u.installed_window_gpu_s = u.busy_gpu_s = u.busy_window_gpu_s = u.cluster_power_usd =
      u.cluster_power_window_usd = u.failures = u.lost_hosts = u.serving_gpu_s =
          u.serving_window_gpu_s = u.output_tokens = u.output_window_tokens = u.installed_gpu_s;
  u.energy_usd.assign(sites, by_month);
  u.it_energy_j = u.loss_replacement_usd = u.energy_usd;
  u.site_energy_window_usd.assign(sites, 0.0);
  u.site_it_energy_window_j.assign(sites, 0.0);
  u.site_capex_window_usd.assign(sites, 0.0);
  u.site_loss_replacement_window_usd.assign(sites, 0.0);

  const double ref_start = reference_start_s(s, usage);
  for (std::size_t c = 0; c < clusters; ++c)
    add_cluster_months(s, usage, ref_start, c, u);
  for (std::size_t site = 0; site < sites; ++site)
    add_site_months(s, usage, ref_start, site, u);

  const UsageSnapshot& end = usage.snapshots.back();
  for (std::size_t c = 0; c < clusters; ++c)
    u.cluster_installed_gpu_s.push_back(end.clusters[c].installed_gpu_s);
  for (std::size_t j = 0; j < s.jobs.size(); ++j)
    u.job_useful_flop.push_back(std::min(end.jobs[j].useful_flop, s.jobs[j].total_flop));
  return u;
}

// What a usage-based lease bills in month m, in the lease model's "GPU-hours used": busy or
// serving GPU-hours, or millions of output tokens (its rate is then per million tokens).
double lease_units_used(const LeaseSpec& lease, const MonthlyUsage& u, int m, bool window) {
  const std::size_t c = lease.cluster;
  switch (lease.usage) {
  case LeaseUsage::serving_gpu_hours:
    return (window ? u.serving_window_gpu_s : u.serving_gpu_s)[c][m] / 3600;
  case LeaseUsage::output_tokens:
    return (window ? u.output_window_tokens : u.output_tokens)[c][m] / 1e6;
  case LeaseUsage::busy_gpu_hours:
    break;
  }
  return (window ? u.busy_window_gpu_s : u.busy_gpu_s)[c][m] / 3600;
}

// ---- evaluation -------------------------------------------------------------------------------

// A row of ledger.csv: a row of the models' ledger (a vehicle's, or a plain lease's), named, and
// on a vehicle's rows the month's covenant tests and lease status.
struct NamedRow {
  LedgerRow row;
  std::string name;
  double dscr = nan;         // vehicle rows: the covenant tests of the month
  std::string lockup_test{}; // pass, fail or empty (no test)
  std::string default_test{};
  std::string status{}; // the lease's status (vehicle rows)
};

// Rows of one month, entity and name are one row (two leases of one lessee, or of one site):
// keyed in the order of ledger.csv.
using LedgerRows = std::map<std::tuple<int, Entity, std::string>, NamedRow>;

struct LeaseOutcome {
  LeaseParams params;
  LeaseVolumes volumes;             // GPUs on lease and units billed, by month
  std::vector<double> rent_usd;     // by month
  std::vector<double> power_usd;    // the cluster's energy bill by month
  std::vector<double> facility_usd; // the cluster's share of the site's other costs by month
  double rent_window_usd = 0, power_window_usd = 0, facility_window_usd = 0;
  double rent_total_usd = 0;
};

struct VehicleOutcome {
  VehicleResult result;
  double gpus = 0;
  double equity_npv_usd = nan, project_npv_usd = nan;
};

// GPU capital of a cluster over the horizon: its lease, or its purchase over the GPU life.
struct ClusterCapital {
  std::string basis; // "lease contract", "lease" or "purchase"
  double window_usd = 0;
  double usd_per_gpu_s = 0; // per GPU-second installed
  double life_s = 0;        // purchase
  double price_per_gpu_usd = 0;
};

struct SiteOutcome {
  TcoBreakdown window;           // over the simulated horizon, without the GPU capital
  std::vector<double> other_usd; // non-energy costs by month
  double useful_flop = 0;
  bool has_cost_spec = false;
  SiteCostKind kind = SiteCostKind::ground;
  double gpu_capital_usd = 0; // of the site's clusters, over the horizon
  const SiteCostSpec* spec = nullptr;
  double total_usd() const { return window.total_usd + gpu_capital_usd; }
  // Amortised capital of the site (facility, non-GPU hardware, satellites, launches, insurance,
  // ground segment) and running costs (energy, maintenance, water, replacements).
  double capex_usd() const {
    return window.facility_usd + window.hardware_usd + window.satellite_usd + window.launch_usd +
           window.insurance_usd + window.ground_segment_usd;
  }
  double opex_usd() const {
    return window.energy_usd + window.maintenance_usd + window.water_usd + window.replacement_usd;
  }
};

struct LesseeOutcome {
  std::vector<std::string> leases;
  double rent_usd = 0, power_usd = 0, facility_usd = 0, useful_flop = 0;
  double total_usd() const { return rent_usd + power_usd + facility_usd; }
};

struct Evaluation {
  double total_cost_usd = 0;
  double useful_flop = 0;
  std::vector<LeaseOutcome> leases;
  std::vector<VehicleOutcome> vehicles;
  std::vector<SiteOutcome> sites;
  std::vector<ClusterCapital> capital; // [cluster]
  std::map<std::string, LesseeOutcome> lessees;
  std::vector<double> equity_flows_usd; // all vehicles, by month
  double equity_irr = nan, project_irr = nan, min_dscr = nan, npv_usd = nan;
  int min_dscr_month = -1; // of the vehicle with the lowest DSCR (-1: no debt service)
  bool valid = true;       // false when a model rejected the parameters (inside the solver)
  std::string problem;

  double cost_per_eflop() const { return cost_per_eflop_usd(total_cost_usd, useful_flop); }
};

int ledger_months(const FinanceSpec& f) {
  int months = 0;
  for (const auto& lease : f.leases)
    months = std::max(months, lease.start_month + lease.term_months);
  return months;
}

double it_capacity_w(const Scenario& s, const SiteCostSpec& c) {
  if (c.ground.it_capacity_w > 0) return c.ground.it_capacity_w;
  double w = 0;
  for (const auto& cluster : s.clusters)
    if (cluster.site == s.sites[c.site].name)
      w += cluster.system.gpus > 0 ? static_cast<double>(cluster.total_gpus) / cluster.system.gpus *
                                         cluster.system.power_max_w
                                   : static_cast<double>(cluster.total_gpus) * cluster.gpu.tdp_w;
  return w;
}

// Non-energy costs of a site with a site_costs entry over a period (energy is the simulated bill).
TcoBreakdown site_tco(const Scenario& s, const SiteCostSpec& c, double period_s, double it_energy_j,
                      double useful_flop) {
  if (c.kind == SiteCostKind::orbital) {
    OrbitalTcoParams p = c.orbital;
    p.period_s = period_s;
    p.useful_flop = useful_flop;
    return orbital_tco(p);
  }
  GroundTcoParams p = c.ground; // PUE 1 and no electricity price: energy is the simulated bill
  p.period_s = period_s;
  p.it_capacity_w = it_capacity_w(s, c);
  p.it_energy_j = it_energy_j;
  p.useful_flop = useful_flop;
  return ground_tco(p);
}

std::size_t cluster_site(const Scenario& s, std::size_t c) {
  for (std::size_t i = 0; i < s.sites.size(); ++i)
    if (s.sites[i].name == s.clusters[c].site) return i;
  return 0;
}

void add_row(LedgerRows& rows, const NamedRow& named) {
  NamedRow& into = rows[{named.row.month, named.row.entity, named.name}];
  into.row.month = named.row.month;
  into.row.entity = named.row.entity;
  into.name = named.name;
  if (!named.status.empty()) {
    into.dscr = named.dscr;
    into.lockup_test = named.lockup_test;
    into.default_test = named.default_test;
    into.status = named.status;
  }
  for (std::size_t k = 0; k < into.row.usd.size(); ++k)
    into.row.usd[k] += named.row.usd[k];
}

// Who a ledger row of a lease is: its owner (the vehicle, or the lessor of a plain lease), its
// lessee, the market lessee of a re-lease, or the site operator of the lease's cluster.
std::string row_name(Entity entity, const std::string& owner, const LeaseSpec& lease,
                     const ClusterSpec& cluster) {
  switch (entity) {
  case Entity::lessor:
  case Entity::vehicle:
    return owner;
  case Entity::lessee:
    return lease.lessee;
  case Entity::market_lessee:
    return "market lessee of " + lease.name;
  case Entity::site_operator:
    break;
  }
  return cluster.site;
}

struct MergedLedger {
  std::vector<NamedRow> rows;
  double max_imbalance_usd = 0;
};

// The parts of a vehicle's contract that come from draws with the run's seed (base-rate path,
// default month) and from the GPU's market curve (re-lease rents, used prices).
void add_draws_and_market(const Scenario& s, const FinanceSpec& f, std::size_t v, int horizon,
                          VehicleParams& params) {
  const VehicleSpec& spec = f.vehicles[v];
  const LeaseSpec& lease = f.leases[spec.lease];
  // Each vehicle its own streams: the seed mixed with the vehicle's index.
  const std::uint64_t seed = s.seed + 0x9e3779b97f4a7c15ULL * (v + 1);
  if (spec.base_rate_model) {
    params.debt.base_rate_path = draw_base_rate_path(seed, *spec.base_rate_model, horizon);
  } else if (!spec.base_rate_steps.empty()) {
    params.debt.base_rate_path.assign(horizon, spec.base_rate_steps.front().second);
    for (const auto& [from, rate] : spec.base_rate_steps)
      for (int m = std::max(from, 0); m < horizon; ++m)
        params.debt.base_rate_path[m] = rate;
  }
  if (spec.credit_risk) {
    std::optional<int> month = spec.default_month;
    if (!month)
      month = draw_default_month(seed, spec.default_hazard_per_year, lease.start_month,
                                 lease.term_months);
    if (month && *month < horizon)
      params.lessee_default = {.month = std::max(*month, lease.start_month),
                               .repossession_months = spec.repossession_months,
                               .recovery = spec.recovery};
  }
  if (spec.market && f.start_year) {
    const double y0 = *f.start_year;
    for (int m = 0; m < horizon; ++m)
      params.market_rate_usd_per_gpu_hour.push_back(
          market_rate_usd_per_gpu_hour(*spec.market, y0 + m / 12.0));
    if (!spec.residual_given) {
      params.used_fraction.assign(horizon, {});
      for (const auto& purchase : params.purchases) {
        auto& row = params.used_fraction[purchase.month];
        row.clear();
        for (int m = 0; m < horizon; ++m)
          row.push_back(
              used_price_fraction(*spec.market, y0 + purchase.month / 12.0, y0 + (m + 1) / 12.0));
      }
    }
  }
}

// GPU capital, the same item wherever the GPUs are: the lease that covers a cluster (a contract's
// rent, or the cluster's simple rate on installed GPUs), or else their purchase price (the
// system's price per GPU, or the GPU's) straight-line over the GPU life, on the GPU-seconds
// installed (failed GPUs included: their capital is spent). In orbit the GPUs end with their
// satellite, so the life is at most the satellite's.
void add_gpu_capital(const Scenario& s, const FinanceSpec& f, const MonthlyUsage& u,
                     Evaluation& e) {
  e.capital.resize(s.clusters.size());
  for (std::size_t c = 0; c < s.clusters.size(); ++c) {
    const ClusterSpec& spec = s.clusters[c];
    ClusterCapital& k = e.capital[c];
    SiteOutcome& site = e.sites[cluster_site(s, c)];
    const double installed = u.cluster_installed_gpu_s[c];
    if (const LeaseSpec* lease = lease_of_cluster(f, c)) {
      k.basis = "lease contract";
      k.window_usd = e.leases[static_cast<std::size_t>(lease - f.leases.data())].rent_window_usd;
    } else if (spec.lease_usd_per_gpu_s > 0) {
      k.basis = "lease";
      for (int m = 0; m < u.months; ++m)
        k.window_usd += u.installed_window_gpu_s[c][m] * spec.lease_usd_per_gpu_s;
    } else {
      k.basis = "purchase";
      k.price_per_gpu_usd = spec.system.price_usd > 0 && spec.system.gpus > 0
                                ? spec.system.price_usd / spec.system.gpus
                                : spec.gpu.price_usd;
      k.life_s = f.gpu_life_s;
      if (site.spec && site.kind == SiteCostKind::orbital)
        k.life_s = std::min(k.life_s, site.spec->orbital.satellite_life_s);
      k.window_usd = k.price_per_gpu_usd / k.life_s * installed;
    }
    k.usd_per_gpu_s = installed > 0 ? k.window_usd / installed : 0.0;
    site.gpu_capital_usd += k.window_usd;
    e.total_cost_usd += k.window_usd;
  }
  for (SiteOutcome& site : e.sites)
    site.window.cost_per_eflop_usd = cost_per_eflop_usd(site.total_usd(), site.useful_flop);
}

// Useful FLOP of the jobs on the site's clusters.
double site_useful_flop(const Scenario& s, const MonthlyUsage& u, std::size_t site) {
  double flop = 0;
  for (std::size_t j = 0; j < s.jobs.size(); ++j)
    for (std::size_t c = 0; c < s.clusters.size(); ++c)
      if (s.clusters[c].name == s.jobs[j].cluster && s.clusters[c].site == s.sites[site].name)
        flop += u.job_useful_flop[j];
  return flop;
}

// A site's costs without its GPU capital: energy from the run; other costs from its site_costs
// entry (by month too), or else the site's capex.
SiteOutcome site_outcome(const Scenario& s, const FinanceSpec& f, const MonthlyUsage& u,
                         std::size_t site) {
  SiteOutcome out;
  out.other_usd.assign(u.months, 0.0);
  out.useful_flop = site_useful_flop(s, u, site);
  const SiteCostSpec* spec = nullptr;
  for (const auto& c : f.site_costs)
    if (c.site == site) spec = &c;
  if (spec) {
    out.has_cost_spec = true;
    out.spec = spec;
    out.kind = spec->kind;
    out.window = site_tco(s, *spec, u.horizon_s, u.site_it_energy_window_j[site], out.useful_flop);
    for (int m = 0; m < u.months; ++m)
      out.other_usd[m] = site_tco(s, *spec, month_s, u.it_energy_j[site][m], 0).total_usd +
                         u.loss_replacement_usd[site][m];
    // Simulated replacements of lost GPUs (spares policy): as they flew.
    out.window.replacement_usd += u.site_loss_replacement_window_usd[site];
    out.window.total_usd += u.site_loss_replacement_window_usd[site];
  } else {
    out.window.facility_usd = s.sites[site].capex_usd + u.site_capex_window_usd[site];
  }
  out.window.energy_usd = u.site_energy_window_usd[site];
  out.window.total_usd += out.window.energy_usd;
  if (!spec) out.window.total_usd += out.window.facility_usd;
  out.window.cost_per_eflop_usd = cost_per_eflop_usd(out.window.total_usd, out.useful_flop);
  return out;
}

// The lease's rent by month (from its volumes) and over the horizon and the term, and the
// cluster's energy bill by month and over the horizon.
void price_lease(const LeaseSpec& spec, const MonthlyUsage& u, LeaseOutcome& out) {
  const std::size_t c = spec.cluster;
  const int n = u.months;
  for (int m = 0; m < n; ++m) {
    out.volumes.gpus_on_lease.push_back(u.installed_gpu_s[c][m] / month_s);
    out.volumes.gpu_hours_used.push_back(lease_units_used(spec, u, m, false));
  }
  out.rent_usd = lease_income_usd(out.params, out.volumes, n);
  out.power_usd = u.cluster_power_usd[c];
  for (int m = 0; m < n; ++m) {
    const double rate = lease_rate_usd_per_gpu_hour(out.params, m); // per hour, or per unit
    out.rent_window_usd += spec.commitment == LeaseCommitment::take_or_pay
                               ? rate / 3600 * u.installed_window_gpu_s[c][m]
                               : rate * lease_units_used(spec, u, m, true);
    out.power_window_usd += u.cluster_power_window_usd[c][m];
    out.rent_total_usd += out.rent_usd[m];
  }
}

// The cluster's share of its site's other costs, by month and over the horizon (with a
// site_costs entry), by bill_weight as for the energy bill.
void share_facility_costs(const Scenario& s, const LeaseSpec& spec, const MonthlyUsage& u,
                          const SiteOutcome& site, LeaseOutcome& out) {
  const std::size_t c = spec.cluster;
  out.facility_usd.assign(u.months, 0.0);
  double site_weight_window = 0, cluster_weight_window = 0;
  for (int m = 0; m < u.months; ++m) {
    double site_weight = 0;
    for (std::size_t k = 0; k < s.clusters.size(); ++k)
      if (s.clusters[k].site == s.clusters[c].site) {
        site_weight += bill_weight(s, u, k, m, false);
        site_weight_window += bill_weight(s, u, k, m, true);
      }
    const double weight = bill_weight(s, u, c, m, false);
    cluster_weight_window += bill_weight(s, u, c, m, true);
    if (site_weight > 0) out.facility_usd[m] = site.other_usd[m] * weight / site_weight;
  }
  if (site.has_cost_spec && site_weight_window > 0)
    out.facility_window_usd = (site.window.total_usd - site.window.energy_usd) *
                              cluster_weight_window / site_weight_window;
}

// The lessee's costs over the horizon: rent, and the bills when the lease is triple-net; and the
// useful FLOP of the jobs on the leased cluster.
void add_to_lessee(const Scenario& s, const LeaseSpec& spec, const LeaseOutcome& out,
                   const MonthlyUsage& u, LesseeOutcome& lessee) {
  lessee.leases.push_back(spec.name);
  lessee.rent_usd += out.rent_window_usd;
  if (spec.triple_net) {
    lessee.power_usd += out.power_window_usd;
    lessee.facility_usd += out.facility_window_usd;
  }
  for (std::size_t j = 0; j < s.jobs.size(); ++j)
    if (s.jobs[j].cluster == s.clusters[spec.cluster].name)
      lessee.useful_flop += u.job_useful_flop[j];
}

// Leases: the contract's rent replaces the cluster's simple lease rate. False (and e.problem)
// when a lease's parameters are invalid.
bool add_leases(const Scenario& s, const FinanceSpec& f, const MonthlyUsage& u, Evaluation& e) {
  e.leases.resize(f.leases.size());
  for (std::size_t i = 0; i < f.leases.size(); ++i) {
    const LeaseSpec& spec = f.leases[i];
    LeaseOutcome& out = e.leases[i];
    out.params = lease_params(spec);
    if (auto problems = validate(out.params); !problems.empty()) {
      e.problem = problems.front();
      return false;
    }
    price_lease(spec, u, out);
    share_facility_costs(s, spec, u, e.sites[cluster_site(s, spec.cluster)], out);
    add_to_lessee(s, spec, out, u, e.lessees[spec.lessee]);
  }
  return true;
}

// A vehicle's inputs: its contract (vehicle_params), and over the lease's months the lease's
// volumes and bills and the cluster's failures and hosts lost; then the draws and the market.
VehicleParams vehicle_inputs(const Scenario& s, const FinanceSpec& f, const MonthlyUsage& u,
                             const Evaluation& e, std::size_t v) {
  const LeaseSpec& lease = f.leases[f.vehicles[v].lease];
  const LeaseOutcome& lease_out = e.leases[f.vehicles[v].lease];
  VehicleParams params = vehicle_params(s, f, v);
  const int horizon = lease.start_month + lease.term_months;
  auto first_months = [horizon](const std::vector<double>& by_month) {
    return std::vector<double>(by_month.begin(), by_month.begin() + horizon);
  };
  params.lease_volumes = {.gpus_on_lease = first_months(lease_out.volumes.gpus_on_lease),
                          .gpu_hours_used = first_months(lease_out.volumes.gpu_hours_used)};
  params.failures = first_months(u.failures[lease.cluster]);
  params.lost_units = first_months(u.lost_hosts[lease.cluster]);
  params.power_usd = first_months(lease_out.power_usd);
  params.facility_usd = first_months(lease_out.facility_usd);
  add_draws_and_market(s, f, v, horizon, params);
  return params;
}

// The vehicle's ledger rows, named, its own rows with the month's covenant tests and status.
void add_vehicle_rows(const Scenario& s, const FinanceSpec& f, std::size_t v,
                      const VehicleResult& result, LedgerRows& rows) {
  const LeaseSpec& lease = f.leases[f.vehicles[v].lease];
  const ClusterSpec& cluster = s.clusters[lease.cluster];
  for (const auto& r : result.ledger) {
    NamedRow row{.row = r, .name = row_name(r.entity, f.vehicles[v].name, lease, cluster)};
    if (r.entity == Entity::vehicle) {
      const VehicleMonth& vm = result.months[static_cast<std::size_t>(r.month)];
      row.dscr = vm.dscr;
      row.lockup_test = covenant_test_name(vm.lockup_test);
      row.default_test = covenant_test_name(vm.default_test);
      row.status = lease_status_name(vm.status);
    }
    add_row(rows, row);
  }
}

// Vehicles: each runs its waterfall (run_vehicle); NPVs at the discount rate; the equity flows
// summed over vehicles and the lowest DSCR. False (and e.problem) when a vehicle's parameters
// are invalid. rows: null, or where its ledger rows go.
bool add_vehicles(const Scenario& s, const FinanceSpec& f, const MonthlyUsage& u, Evaluation& e,
                  LedgerRows* rows) {
  e.equity_flows_usd.assign(ledger_months(f), 0.0);
  e.vehicles.resize(f.vehicles.size());
  for (std::size_t v = 0; v < f.vehicles.size(); ++v) {
    VehicleOutcome& out = e.vehicles[v];
    for (const auto& delivery : s.clusters[f.leases[f.vehicles[v].lease].cluster].deliveries)
      out.gpus += static_cast<double>(delivery.gpus);
    const VehicleParams params = vehicle_inputs(s, f, u, e, v);
    if (auto problems = validate(params); !problems.empty()) {
      e.problem = problems.front();
      return false;
    }
    out.result = run_vehicle(params);
    if (f.discount_rate) {
      out.equity_npv_usd = npv_usd(out.result.equity_flows_usd, *f.discount_rate);
      out.project_npv_usd = npv_usd(out.result.project_flows_usd, *f.discount_rate);
    }
    for (std::size_t m = 0; m < out.result.equity_flows_usd.size(); ++m)
      e.equity_flows_usd[m] += out.result.equity_flows_usd[m];
    if (std::isfinite(out.result.min_dscr) &&
        !(std::isfinite(e.min_dscr) && e.min_dscr <= out.result.min_dscr)) {
      e.min_dscr = out.result.min_dscr;
      e.min_dscr_month = out.result.min_dscr_month;
    }
    if (rows) add_vehicle_rows(s, f, v, out.result, *rows);
  }
  return true;
}

// Returns of all vehicles together: equity and project IRR, and the equity NPV.
void add_portfolio_returns(const FinanceSpec& f, Evaluation& e) {
  if (f.vehicles.empty()) return;
  e.equity_irr = annual_irr_of_monthly(irr(e.equity_flows_usd));
  std::vector<double> project(e.equity_flows_usd.size(), 0.0);
  for (const auto& v : e.vehicles)
    for (std::size_t m = 0; m < v.result.project_flows_usd.size(); ++m)
      project[m] += v.result.project_flows_usd[m];
  e.project_irr = annual_irr_of_monthly(irr(project));
  if (f.discount_rate) e.npv_usd = npv_usd(e.equity_flows_usd, *f.discount_rate);
}

// Leases without a vehicle: their lessor, lessee and site operator rows (plain_lease_ledger),
// the lessor named by the lease's `lessor` or after the lease.
void add_plain_lease_rows(const Scenario& s, const FinanceSpec& f, const Evaluation& e,
                          LedgerRows& rows) {
  std::vector<bool> financed(f.leases.size(), false);
  for (const auto& vehicle : f.vehicles)
    financed[vehicle.lease] = true;
  for (std::size_t i = 0; i < f.leases.size(); ++i) {
    if (financed[i]) continue;
    const LeaseSpec& spec = f.leases[i];
    const LeaseOutcome& out = e.leases[i];
    const std::string owner = spec.lessor.empty() ? "lessor of " + spec.name : spec.lessor;
    for (const LedgerRow& r : plain_lease_ledger({.lease = out.params,
                              .rent_usd = out.rent_usd,
                              .power_usd = out.power_usd,
                              .facility_usd = out.facility_usd}))
      add_row(rows, {.row = r, .name = row_name(r.entity, owner, spec, s.clusters[spec.cluster])});
  }
}

// Sites, leases, GPU capital and vehicles over the horizon and the ledger months; with `ledger`,
// also every ledger row, one per month, entity and name. e.valid is false when a model rejects
// the parameters (the solver may try such values).
Evaluation evaluate(const Scenario& s, const FinanceSpec& f, const MonthlyUsage& u,
                    MergedLedger* ledger) {
  Evaluation e;
  for (double flop : u.job_useful_flop)
    e.useful_flop += flop;
  for (std::size_t site = 0; site < s.sites.size(); ++site) {
    e.sites.push_back(site_outcome(s, f, u, site));
    e.total_cost_usd += e.sites.back().window.total_usd;
  }
  if (!add_leases(s, f, u, e)) {
    e.valid = false;
    return e;
  }
  add_gpu_capital(s, f, u, e);
  LedgerRows rows;
  if (!add_vehicles(s, f, u, e, ledger ? &rows : nullptr)) {
    e.valid = false;
    return e;
  }
  add_portfolio_returns(f, e);
  if (ledger) {
    add_plain_lease_rows(s, f, e, rows);
    for (auto& [key, row] : rows) {
      ledger->max_imbalance_usd =
          std::max(ledger->max_imbalance_usd, std::abs(row.row.sources_usd() - row.row.uses_usd()));
      ledger->rows.push_back(row);
    }
  }
  return e;
}

// ---- solving ----------------------------------------------------------------------------------

void set_parameter(FinanceSpec& f, const SolveSpec& solve, double x) {
  const std::size_t i = solve.parameter_index;
  switch (solve.parameter) {
  case SolveParameter::lease_rate:
    f.leases[i].rate_usd_per_gpu_s = x;
    break;
  case SolveParameter::lease_escalator:
    f.leases[i].annual_escalator = x;
    break;
  case SolveParameter::lease_purchase_option:
    f.leases[i].purchase_option_usd = x;
    break;
  case SolveParameter::vehicle_debt_rate:
    f.vehicles[i].debt.annual_rate = x;
    break;
  case SolveParameter::vehicle_loan_to_cost:
    f.vehicles[i].debt.loan_to_cost = x;
    break;
  case SolveParameter::vehicle_principal:
    f.vehicles[i].principal_usd = x;
    break;
  case SolveParameter::vehicle_price_per_unit:
    f.vehicles[i].price_usd_per_unit = x;
    break;
  case SolveParameter::discount_rate:
    f.discount_rate = x;
    break;
  }
}

double get_parameter(const FinanceSpec& f, const SolveSpec& solve) {
  const std::size_t i = solve.parameter_index;
  switch (solve.parameter) {
  case SolveParameter::lease_rate:
    return f.leases[i].rate_usd_per_gpu_s;
  case SolveParameter::lease_escalator:
    return f.leases[i].annual_escalator;
  case SolveParameter::lease_purchase_option:
    return f.leases[i].purchase_option_usd.value_or(0);
  case SolveParameter::vehicle_debt_rate:
    return f.vehicles[i].debt.annual_rate;
  case SolveParameter::vehicle_loan_to_cost:
    return f.vehicles[i].debt.loan_to_cost;
  case SolveParameter::vehicle_principal:
    return f.vehicles[i].principal_usd.value_or(0);
  case SolveParameter::vehicle_price_per_unit:
    return f.vehicles[i].price_usd_per_unit;
  case SolveParameter::discount_rate:
    return f.discount_rate.value_or(0);
  }
  return nan;
}

double get_target(const Evaluation& e, const SolveSpec& solve) {
  if (!e.valid) return nan;
  const VehicleOutcome* v = solve.target_index ? &e.vehicles[*solve.target_index] : nullptr;
  switch (solve.target) {
  case SolveTarget::equity_irr:
    return v ? v->result.equity_irr_annual : e.equity_irr;
  case SolveTarget::project_irr:
    return v ? v->result.project_irr_annual : e.project_irr;
  case SolveTarget::min_dscr:
    return v ? v->result.min_dscr : e.min_dscr;
  case SolveTarget::npv_usd:
    return v ? v->equity_npv_usd : e.npv_usd;
  case SolveTarget::total_cost_usd:
    return e.total_cost_usd;
  case SolveTarget::cost_per_eflop_usd:
    return e.cost_per_eflop();
  case SolveTarget::lessee_cost_per_eflop_usd: {
    auto it = e.lessees.find(solve.target_lessee);
    return it == e.lessees.end()
               ? nan
               : cost_per_eflop_usd(it->second.total_usd(), it->second.useful_flop);
  }
  }
  return nan;
}

// ---- outputs ----------------------------------------------------------------------------------

std::string csv_number(double x) {
  return std::isfinite(x) ? fmt::format("{:.17g}", x) : "";
}

void write_ledger(const std::string& path, const MergedLedger& ledger) {
  std::string text = "month,start_s,entity,name";
  for (int k = 0; k < kFlowKindCount; ++k)
    text += fmt::format(",{}_usd", flow_kind_name(static_cast<FlowKind>(k)));
  text += ",sources_usd,uses_usd,dscr,lockup_test,default_test,lease_status\n";
  for (const NamedRow& row : ledger.rows) {
    text += fmt::format("{},{},", row.row.month, csv_number(row.row.month * month_s));
    append_csv_field(text, entity_name(row.row.entity));
    text += ',';
    append_csv_field(text, row.name);
    for (double x : row.row.usd) {
      text += ','; // appends, not "," + ...: GCC 12 warns falsely on that (bug 105651)
      text += csv_number(x == 0 ? 0.0 : x);
    }
    text += fmt::format(",{},{},{},", csv_number(row.row.sources_usd()),
                        csv_number(row.row.uses_usd()), csv_number(row.dscr));
    append_csv_field(text, row.lockup_test);
    text += ',';
    append_csv_field(text, row.default_test);
    text += ',';
    append_csv_field(text, row.status);
    text += '\n';
  }
  write_file_atomically(path, text);
}

void write_months(const std::string& path, const FinanceSpec& f, const Evaluation& e) {
  std::string text = "month,start_s,vehicle,gpus_owned,lease_income_usd,cfads_usd,"
                     "debt_service_usd,dscr,debt_balance_usd,reserve_balance_usd,equity_flow_usd,"
                     "lockup_balance_usd,base_rate,debt_rate,lockup_test,default_test,"
                     "lease_status,market_rate_usd_per_gpu_hour\n";
  for (std::size_t v = 0; v < e.vehicles.size(); ++v)
    for (const VehicleMonth& m : e.vehicles[v].result.months) {
      text += fmt::format("{},{},", m.month, csv_number(m.month * month_s));
      append_csv_field(text, f.vehicles[v].name);
      text +=
          fmt::format(",{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", csv_number(m.gpus_owned),
                      csv_number(m.lease_income_usd), csv_number(m.cfads_usd),
                      csv_number(m.scheduled_debt_service_usd), csv_number(m.dscr),
                      csv_number(m.debt_balance_usd), csv_number(m.reserve_balance_usd),
                      csv_number(m.equity_flow_usd), csv_number(m.lockup_balance_usd),
                      csv_number(m.base_rate), csv_number(m.debt_rate),
                      covenant_test_name(m.lockup_test), covenant_test_name(m.default_test),
                      lease_status_name(m.status), csv_number(m.market_rate_usd_per_gpu_hour));
    }
  write_file_atomically(path, text);
}

// Costs of one job over its own window (first start to completion, or to the horizon): the GPU
// capital of its GPUs, and its share of the site's other costs (its GPUs over the site's
// installed GPUs in the window) for that window: capex amortised for the window's length,
// energy billed in the window, maintenance, water, replacements.
struct JobCost {
  double start_s = nan, end_s = nan;
  double gpu_capital_usd = 0, capex_usd = 0, opex_usd = 0;
  double total_usd() const { return gpu_capital_usd + capex_usd + opex_usd; }
};

JobCost job_cost(const Scenario& s, const UsageRecord& usage, const MonthlyUsage& u,
                 const Evaluation& e, std::size_t j) {
  JobCost cost;
  const JobUsage& end = usage.snapshots.back().jobs[j];
  if (end.first_start_s < 0) return cost;
  std::size_t c = 0;
  while (s.clusters[c].name != s.jobs[j].cluster)
    ++c;
  const std::size_t site = cluster_site(s, c);
  cost.start_s = end.first_start_s;
  cost.end_s = end.completion_s >= 0 ? end.completion_s : u.horizon_s;
  const double a = cost.start_s, b = cost.end_s, window_s = b - a;
  if (window_s <= 0) return cost;
  const double job_gpu_s = static_cast<double>(s.jobs[j].gpus) * window_s;
  cost.gpu_capital_usd = e.capital[c].usd_per_gpu_s * job_gpu_s;

  Cumulative installed(usage, [&](const UsageSnapshot& x) {
    double sum = 0;
    for (std::size_t k = 0; k < s.clusters.size(); ++k)
      if (cluster_site(s, k) == site) sum += x.clusters[k].installed_gpu_s;
    return sum;
  });
  Cumulative energy(usage,
                    [site](const UsageSnapshot& x) { return x.sites[site].energy_cost_usd; });
  Cumulative it(usage, [site](const UsageSnapshot& x) { return x.sites[site].it_energy_j; });
  const double site_gpu_s = installed.at(b) - installed.at(a);
  const double share = site_gpu_s > 0 ? std::min(1.0, job_gpu_s / site_gpu_s) : 0.0;
  const SiteOutcome& o = e.sites[site];
  SiteOutcome in_window;
  if (o.spec) {
    in_window.window = site_tco(s, *o.spec, window_s, it.at(b) - it.at(a), 0);
    Cumulative replaced(
        usage, [site](const UsageSnapshot& x) { return x.sites[site].loss_replacement_usd; });
    in_window.window.replacement_usd += replaced.at(b) - replaced.at(a);
  } else {
    in_window.window.facility_usd = o.window.facility_usd * window_s / u.horizon_s;
  }
  in_window.window.energy_usd = energy.at(b) - energy.at(a);
  cost.capex_usd = share * in_window.capex_usd();
  cost.opex_usd = share * in_window.opex_usd();
  return cost;
}

json gpu_capital_json(const Scenario& s, const Evaluation& e) {
  json capital = json::array();
  for (std::size_t c = 0; c < s.clusters.size(); ++c) {
    const ClusterCapital& k = e.capital[c];
    json j;
    j["cluster"] = s.clusters[c].name;
    j["basis"] = k.basis;
    j["usd"] = k.window_usd;
    j["usd_per_gpu_hour"] = k.usd_per_gpu_s * 3600;
    if (k.basis == "purchase") {
      j["price_per_gpu_usd"] = k.price_per_gpu_usd;
      j["life_s"] = k.life_s;
    }
    capital.push_back(j);
  }
  return capital;
}

json sites_json(const Scenario& s, const Evaluation& e) {
  json sites = json::array();
  for (std::size_t i = 0; i < s.sites.size(); ++i) {
    const SiteOutcome& o = e.sites[i];
    json j;
    j["site"] = s.sites[i].name;
    j["kind"] = !o.has_cost_spec ? "capex" : o.kind == SiteCostKind::ground ? "ground" : "orbital";
    const TcoBreakdown& b = o.window;
    for (auto [key, value] : {std::pair{"facility_usd", b.facility_usd},
                              {"hardware_usd", b.hardware_usd},
                              {"energy_usd", b.energy_usd},
                              {"maintenance_usd", b.maintenance_usd},
                              {"water_usd", b.water_usd},
                              {"satellite_usd", b.satellite_usd},
                              {"launch_usd", b.launch_usd},
                              {"insurance_usd", b.insurance_usd},
                              {"replacement_usd", b.replacement_usd},
                              {"ground_segment_usd", b.ground_segment_usd},
                              {"gpu_capital_usd", o.gpu_capital_usd},
                              {"capex_usd", o.capex_usd()},
                              {"opex_usd", o.opex_usd()},
                              {"total_usd", o.total_usd()}})
      j[key] = value;
    j["useful_flop"] = o.useful_flop;
    j["cost_per_eflop_usd"] = number_or_null(b.cost_per_eflop_usd);
    sites.push_back(j);
  }
  return sites;
}

json training_runs_json(const Scenario& s, const FinanceSpec& f, const UsageRecord& usage,
                        const MonthlyUsage& u, const Evaluation& e) {
  json runs = json::array();
  for (std::size_t j = 0; j < s.jobs.size(); ++j) {
    const JobCost cost = job_cost(s, usage, u, e, j);
    json run;
    run["job"] = s.jobs[j].name;
    run["flop_total"] = number_or_null(s.jobs[j].total_flop);
    run["window_start_s"] = number_or_null(cost.start_s);
    run["window_end_s"] = number_or_null(cost.end_s);
    run["useful_flop"] = u.job_useful_flop[j];
    run["gpu_capital_usd"] = cost.gpu_capital_usd;
    run["capex_usd"] = cost.capex_usd;
    run["opex_usd"] = cost.opex_usd;
    run["cost_usd"] = cost.total_usd();
    run["cost_per_eflop_usd"] =
        number_or_null(cost_per_eflop_usd(cost.total_usd(), u.job_useful_flop[j]));
    std::string lessee;
    for (const auto& lease : f.leases)
      if (s.clusters[lease.cluster].name == s.jobs[j].cluster) lessee = lease.lessee;
    if (!lessee.empty()) {
      const LesseeOutcome& l = e.lessees.at(lessee);
      run["lessee"] = lessee;
      run["lessee_cost_usd"] = number_or_null(
          cost_per_training_run_usd(l.total_usd(), l.useful_flop, s.jobs[j].total_flop));
    }
    runs.push_back(run);
  }
  return runs;
}

// Inference jobs, on the same cost scope as training runs: the GPU capital of the GPU-seconds
// they held, and their share (those GPU-seconds over the site's installed GPU-seconds) of the
// site's capex and opex, over the horizon.
json inference_json(const Scenario& s, const UsageRecord& usage, const MonthlyUsage& u,
                    const Evaluation& e) {
  json serving = json::array();
  const UsageSnapshot& last = usage.snapshots.back();
  for (std::size_t i = 0; i < s.inference.size(); ++i) {
    std::size_t c = 0;
    while (s.clusters[c].name != s.inference[i].cluster)
      ++c;
    const std::size_t site = cluster_site(s, c);
    double site_gpu_s = 0;
    for (std::size_t k = 0; k < s.clusters.size(); ++k)
      if (cluster_site(s, k) == site) site_gpu_s += u.cluster_installed_gpu_s[k];
    const ServingUsage& used = last.serving[i];
    const double share = site_gpu_s > 0 ? std::min(1.0, used.gpu_s / site_gpu_s) : 0.0;
    const SiteOutcome& o = e.sites[site];
    const double capital = e.capital[c].usd_per_gpu_s * used.gpu_s;
    const double capex = share * o.capex_usd(), opex = share * o.opex_usd();
    const double total = capital + capex + opex;
    json j;
    j["job"] = s.inference[i].name;
    j["gpu_hours"] = used.gpu_s / 3600;
    j["gpu_capital_usd"] = capital;
    j["capex_usd"] = capex;
    j["opex_usd"] = opex;
    j["cost_usd"] = total;
    j["output_tokens"] = used.output_tokens;
    j["cost_per_million_tokens_usd"] =
        used.output_tokens > 0 ? json(total / (used.output_tokens / 1e6)) : json(nullptr);
    const double all_tokens = used.output_tokens + used.prompt_tokens;
    j["cost_per_million_total_tokens_usd"] =
        all_tokens > 0 ? json(total / (all_tokens / 1e6)) : json(nullptr);
    serving.push_back(j);
  }
  return serving;
}

// The vehicles' returns together and the risk outcomes of this run (a sweep's replications turn
// them into probabilities).
void add_returns_and_risks(const Evaluation& e, json& out) {
  out["equity_irr"] = number_or_null(e.equity_irr);
  out["project_irr"] = number_or_null(e.project_irr);
  out["min_dscr"] = number_or_null(e.min_dscr);
  out["npv_usd"] = number_or_null(e.npv_usd);
  int lessee_default = 0, breach = 0, below_one = 0;
  double lender_loss = 0;
  for (const auto& v : e.vehicles) {
    lessee_default += v.result.lessee_default_month >= 0;
    breach += v.result.lockup_months + v.result.default_covenant_months > 0;
    below_one += v.result.dscr_below_one;
    lender_loss += v.result.lender_loss_usd;
  }
  out["min_dscr_month"] = e.min_dscr_month >= 0 ? json(e.min_dscr_month) : json(nullptr);
  out["lessee_default"] = lessee_default > 0 ? 1 : 0;
  out["covenant_breach"] = breach > 0 ? 1 : 0;
  out["dscr_below_1"] = below_one > 0 ? 1 : 0;
  out["lender_loss_usd"] = lender_loss;
}

json lease_json(const Scenario& s, const LeaseSpec& spec, const LeaseOutcome& o) {
  json l;
  l["name"] = spec.name;
  l["lessor"] = spec.lessor;
  l["lessee"] = spec.lessee;
  l["cluster"] = s.clusters[spec.cluster].name;
  const bool per_token = spec.usage == LeaseUsage::output_tokens;
  l["rate_usd_per_gpu_hour"] = per_token ? json(nullptr) : json(spec.rate_usd_per_gpu_s * 3600);
  l["commitment"] = spec.commitment == LeaseCommitment::take_or_pay ? "take_or_pay" : "usage_based";
  if (spec.commitment == LeaseCommitment::usage_based) {
    l["usage"] = spec.usage == LeaseUsage::serving_gpu_hours ? "serving_gpu_hours"
                 : per_token                                 ? "output_tokens"
                                                             : "busy_gpu_hours";
    if (per_token) l["rate_usd_per_million_tokens"] = spec.rate_usd_per_gpu_s * 3600;
  }
  l["start_month"] = spec.start_month;
  l["term_months"] = spec.term_months;
  l["triple_net"] = spec.triple_net;
  l["rent_in_horizon_usd"] = o.rent_window_usd;
  l["rent_over_term_usd"] = o.rent_total_usd;
  return l;
}

json lessees_json(const Evaluation& e) {
  json lessees = json::array();
  for (const auto& [name, l] : e.lessees) {
    json j;
    j["name"] = name;
    j["leases"] = l.leases;
    j["rent_usd"] = l.rent_usd;
    j["power_usd"] = l.power_usd;
    j["facility_usd"] = l.facility_usd;
    j["total_cost_usd"] = l.total_usd();
    j["useful_flop"] = l.useful_flop;
    j["cost_per_eflop_usd"] = number_or_null(cost_per_eflop_usd(l.total_usd(), l.useful_flop));
    lessees.push_back(j);
  }
  return lessees;
}

// The vehicle's all-in capex by line.
json capex_json(const VehicleSpec& spec, const VehicleOutcome& o) {
  const CapexTotals& c = o.result.capex;
  json capex;
  capex["fabric"] = spec.fabric;
  capex["gpus_usd"] = c.gpus_usd;
  capex["networking_usd"] = c.networking_usd;
  capex["storage_usd"] = c.storage_usd;
  capex["installation_usd"] = c.installation_usd;
  capex["spares_usd"] = c.spares_usd;
  capex["total_usd"] = c.total_usd();
  capex["per_gpu_usd"] = o.gpus > 0 ? c.total_usd() / o.gpus : 0.0;
  return capex;
}

// The vehicle's sources and uses: capex, fees, debt and equity, income and costs.
void add_sources_and_uses(const VehicleSpec& spec, const VehicleOutcome& o, json& j) {
  const VehicleResult& r = o.result;
  j["purchases_usd"] = r.purchases_usd;
  j["capex"] = capex_json(spec, o);
  j["arrangement_fee_usd"] = r.arrangement_fee_usd;
  j["commitment_fee_usd"] = r.commitment_fee_usd;
  j["legal_fees_usd"] = r.legal_fees_usd;
  j["uses_at_close_usd"] = r.capex.total_usd() + r.fees_usd;
  j["debt_usd"] = r.debt_drawn_usd;
  j["equity_usd"] = r.equity_contributed_usd;
  j["raised_usd"] = r.debt_drawn_usd + r.equity_contributed_usd;
  j["fees_usd"] = r.fees_usd;
  j["interest_usd"] = r.interest_usd;
  j["swap_paid_usd"] = r.swap_paid_usd;
  j["lease_income_usd"] = r.lease_income_usd;
  j["re_lease_income_usd"] = r.re_lease_income_usd;
  j["lessor_costs_usd"] = r.lessor_costs_usd;
  j["lessee_insurance_maintenance_usd"] = r.lessee_maintenance_usd;
}

// The vehicle's risks (default, covenants, lender loss), end of term and returns.
void add_risks_and_returns(const VehicleSpec& spec, const VehicleOutcome& o, json& j) {
  const VehicleResult& r = o.result;
  j["rate_kind"] = spec.debt.rate_kind == RateKind::floating ? "floating" : "fixed";
  j["lessee_default_month"] =
      r.lessee_default_month >= 0 ? json(r.lessee_default_month) : json(nullptr);
  j["recovery"] = r.lessee_default_month < 0                   ? json(nullptr)
                  : spec.recovery == DefaultRecovery::re_lease ? json("re_lease")
                                                               : json("sell");
  j["covenant_tests"] = r.covenant_tests;
  j["lockup_months"] = r.lockup_months;
  j["default_covenant_months"] = r.default_covenant_months;
  j["covenant_breach"] = r.lockup_months + r.default_covenant_months > 0;
  j["dscr_below_1"] = r.dscr_below_one;
  j["payment_default_month"] =
      r.payment_default_month >= 0 ? json(r.payment_default_month) : json(nullptr);
  j["lender_loss_usd"] = r.lender_loss_usd;
  j["cash_swept_usd"] = r.swept_usd;
  j["refinanced_usd"] = r.refinanced_usd;
  j["distributions_usd"] = r.distributions_usd;
  j["residual_value_usd"] = r.market_value_at_end_usd;
  j["end_proceeds_usd"] = r.end_proceeds_usd;
  j["purchase_option_exercised"] = r.purchase_option_exercised;
  j["equity_irr"] = number_or_null(r.equity_irr_annual);
  j["project_irr"] = number_or_null(r.project_irr_annual);
  j["npv_usd"] = number_or_null(o.equity_npv_usd);
  j["project_npv_usd"] = number_or_null(o.project_npv_usd);
  j["min_dscr"] = number_or_null(r.min_dscr);
  j["min_dscr_month"] = r.min_dscr_month;
  json dscr = json::array();
  for (const auto& m : r.months)
    dscr.push_back(number_or_null(m.dscr));
  j["dscr_by_month"] = dscr;
}

json vehicles_json(const FinanceSpec& f, const Evaluation& e) {
  json vehicles = json::array();
  for (std::size_t v = 0; v < f.vehicles.size(); ++v) {
    json j;
    j["name"] = f.vehicles[v].name;
    j["lease"] = f.leases[f.vehicles[v].lease].name;
    j["gpus"] = e.vehicles[v].gpus;
    add_sources_and_uses(f.vehicles[v], e.vehicles[v], j);
    add_risks_and_returns(f.vehicles[v], e.vehicles[v], j);
    vehicles.push_back(j);
  }
  return vehicles;
}

// summary["finance"]: costs over the horizon (total, GPU capital, sites, training runs,
// inference jobs); with a finance block, the ledger's months, the returns and risks, leases,
// lessees and vehicles.
json finance_json(const Scenario& s, const FinanceSpec& f, const UsageRecord& usage,
                  const MonthlyUsage& u, const Evaluation& e) {
  json out;
  out["scope"] = "GPU capital (lease, or purchase over the GPU life) + site capex amortised over "
                 "its life for the time counted + energy, maintenance, water, replacements; "
                 "sites over the horizon, jobs over their own window";
  out["total_cost_usd"] = e.total_cost_usd;
  out["cost_per_eflop_usd"] = number_or_null(e.cost_per_eflop());
  out["useful_flop"] = e.useful_flop;
  out["gpu_life_s"] = f.gpu_life_s;
  out["gpu_capital"] = gpu_capital_json(s, e);
  out["sites"] = sites_json(s, e);
  out["training_runs"] = training_runs_json(s, f, usage, u, e);
  if (!s.inference.empty() && !usage.snapshots.empty() &&
      usage.snapshots.back().serving.size() == s.inference.size())
    out["inference"] = inference_json(s, usage, u, e);
  if (!f.present) return out;

  out["simulated_months"] = u.simulated_months;
  out["ledger_months"] = ledger_months(f);
  out["extrapolated_months"] =
      std::max(0, ledger_months(f) - static_cast<int>(u.horizon_s / month_s));
  out["discount_rate"] = f.discount_rate ? json(*f.discount_rate) : json(nullptr);
  if (!f.vehicles.empty()) add_returns_and_risks(e, out);
  json leases = json::array();
  for (std::size_t i = 0; i < f.leases.size(); ++i)
    leases.push_back(lease_json(s, f.leases[i], e.leases[i]));
  out["leases"] = leases;
  out["lessees"] = lessees_json(e);
  out["vehicles"] = vehicles_json(f, e);
  return out;
}

} // namespace

namespace {

// With a `solve:` block: the value of the parameter that gives the target, set into `spec`, and
// the summary's finance.solve (the value, or why it was not found).
json solve_finance(const Scenario& scenario, const MonthlyUsage& monthly, FinanceSpec& spec) {
  const SolveSpec& solve = spec.solve;
  FinanceSpec trial = spec;
  auto f = [&](double x) {
    set_parameter(trial, solve, x);
    return get_target(evaluate(scenario, trial, monthly, nullptr), solve);
  };
  const bool percent =
      solve.target_dimension == Dimension::dimensionless && solve.target != SolveTarget::min_dscr;
  TargetSolution solution =
      solve_for_target(f, solve.value, solve.lo, solve.hi, solve.tolerance,
                       {.input = solve.parameter_path,
                        .input_unit = std::string(si_unit(solve.parameter_dimension)),
                        .output = solve.target_path,
                        .output_unit = std::string(si_unit(solve.target_dimension)),
                        .output_as_percent = percent});
  json solve_json;
  solve_json["parameter"] = solve.parameter_path;
  solve_json["target"] = solve.target_path;
  solve_json["target_value"] = solve.value;
  if (solution.ok()) {
    set_parameter(spec, solve, *solution.value);
    solve_json["value"] = *solution.value;
    solve_json["value_text"] = format_quantity(*solution.value, solve.parameter_dimension);
    if (solve.parameter == SolveParameter::lease_rate)
      solve_json["value_usd_per_gpu_hour"] = *solution.value * 3600;
    solve_json["tolerance"] = solution.tolerance;
    solve_json["achieved"] = number_or_null(solution.achieved);
    solve_json["evaluations"] = solution.evaluations;
    solve_json["error"] = nullptr;
  } else {
    solve_json["value"] = nullptr;
    solve_json["value_text"] = nullptr;
    solve_json["parameter_as_given"] =
        format_quantity(get_parameter(spec, solve), solve.parameter_dimension);
    solve_json["evaluations"] = solution.evaluations;
    solve_json["error"] = solution.error;
  }
  return solve_json;
}

} // namespace

void add_finance(const Scenario& scenario, const UsageRecord& usage, const std::string& dir,
                 nlohmann::ordered_json& summary) {
  FinanceSpec spec = scenario.finance;
  const MonthlyUsage monthly = monthly_usage(scenario, usage, ledger_months(spec));
  json solve_json;
  if (spec.solve.present) solve_json = solve_finance(scenario, monthly, spec);

  MergedLedger ledger;
  const Evaluation e = evaluate(scenario, spec, monthly, spec.present ? &ledger : nullptr);
  if (!e.valid) throw std::runtime_error("finance: " + e.problem);
  json finance = finance_json(scenario, spec, usage, monthly, e);
  if (spec.present) {
    finance["ledger_max_imbalance_usd"] = ledger.max_imbalance_usd;
    if (spec.solve.present) finance["solve"] = solve_json;
    if (!dir.empty()) {
      write_ledger(dir + "ledger.csv", ledger);
      write_months(dir + "finance_months.csv", spec, e);
    }
  }
  summary["finance"] = finance;
}

std::string usd_text(double usd) {
  if (!std::isfinite(usd)) return "n/a";
  const double a = std::abs(usd);
  if (a >= 1e9) return fmt::format("{:.3g}B USD", usd / 1e9);
  if (a >= 1e6) return fmt::format("{:.3g}M USD", usd / 1e6);
  if (a >= 1e3) return fmt::format("{:.3g}k USD", usd / 1e3);
  return fmt::format("{:.3g} USD", usd);
}

namespace {

std::string percent_text(const json& x) {
  return x.is_number() ? fmt::format("{:.1f}%", 100 * x.get<double>()) : "n/a";
}

} // namespace

std::string cluster_lease_text(const json& summary, const json& cluster) {
  if (summary.contains("finance") && summary["finance"].contains("leases"))
    for (const auto& l : summary["finance"]["leases"])
      if (l["cluster"] == cluster["name"])
        return fmt::format(
            "lease '{}' {}, rent {} in horizon", l["name"].get<std::string>(),
            l["rate_usd_per_gpu_hour"].is_number()
                ? fmt::format("{:.3g} USD/GPU-h", l["rate_usd_per_gpu_hour"].get<double>())
                : fmt::format("{:.3g} USD per million tokens",
                              l["rate_usd_per_million_tokens"].get<double>()),
            usd_text(l["rent_in_horizon_usd"].get<double>()));
  return "lease " + usd_text(cluster["lease_cost_usd"].get<double>());
}

namespace {

std::string solve_readable(const json& solve) {
  if (solve["value"].is_null())
    return fmt::format("  solve failed: {}\n", solve["error"].get<std::string>());
  return fmt::format(
      "  solved {} = {} for {} = {}\n", solve["parameter"].get<std::string>(),
      solve.contains("value_usd_per_gpu_hour")
          ? fmt::format("{:.4g} USD/GPU-h", solve["value_usd_per_gpu_hour"].get<double>())
          : solve["value_text"].get<std::string>(),
      solve["target"].get<std::string>(),
      fmt::format("{:.6g}", solve["target_value"].get<double>()));
}

// Two lines: how the vehicle was funded and spent, then its returns and risks.
std::string vehicle_readable(const json& v) {
  const json& c = v["capex"];
  std::string text = fmt::format(
      "  vehicle {}: {} raised ({} debt, {} equity); all-in capex {} ({} per GPU: GPUs {}, "
      "networking {}, storage {}, installation {}, spares {}); fees {}\n",
      v["name"].get<std::string>(), usd_text(v["raised_usd"].get<double>()),
      usd_text(v["debt_usd"].get<double>()), usd_text(v["equity_usd"].get<double>()),
      usd_text(c["total_usd"].get<double>()), usd_text(c["per_gpu_usd"].get<double>()),
      usd_text(c["gpus_usd"].get<double>()), usd_text(c["networking_usd"].get<double>()),
      usd_text(c["storage_usd"].get<double>()), usd_text(c["installation_usd"].get<double>()),
      usd_text(c["spares_usd"].get<double>()), usd_text(v["fees_usd"].get<double>()));
  text += fmt::format(
      "    equity IRR {}, project IRR {}, NPV {}, min DSCR {} (month {}); lessor costs {}; "
      "{}{}{}\n",
      percent_text(v["equity_irr"]), percent_text(v["project_irr"]),
      v["npv_usd"].is_number() ? usd_text(v["npv_usd"].get<double>()) : "n/a",
      v["min_dscr"].is_number() ? fmt::format("{:.2f}", v["min_dscr"].get<double>()) : "n/a",
      v["min_dscr_month"].get<int>(), usd_text(v["lessor_costs_usd"].get<double>()),
      v["lessee_default_month"].is_null()
          ? std::string("no lessee default")
          : fmt::format("lessee default in month {} ({})", v["lessee_default_month"].get<int>(),
                        v["recovery"].get<std::string>()),
      v["covenant_tests"].get<int>() > 0
          ? fmt::format(", covenant tests failed {} lock-up / {} default of {}",
                        v["lockup_months"].get<int>(), v["default_covenant_months"].get<int>(),
                        v["covenant_tests"].get<int>())
          : std::string(),
      v["lender_loss_usd"].get<double>() > 0
          ? ", lender loss " + usd_text(v["lender_loss_usd"].get<double>())
          : std::string());
  return text;
}

} // namespace

std::string finance_readable(const json& summary) {
  if (!summary.contains("finance")) return "";
  const json& f = summary["finance"];
  std::string text;
  if (f.contains("solve")) text += solve_readable(f["solve"]);
  if (f.contains("vehicles"))
    for (const auto& v : f["vehicles"])
      text += vehicle_readable(v);
  if (f.contains("equity_irr"))
    text +=
        fmt::format("  finance: equity IRR {}, project IRR {}, min DSCR {}{}, NPV {}\n",
                    percent_text(f["equity_irr"]), percent_text(f["project_irr"]),
                    f["min_dscr"].is_number() ? fmt::format("{:.2f}", f["min_dscr"].get<double>())
                                              : std::string("n/a"),
                    f["min_dscr_month"].is_number()
                        ? fmt::format(" in month {}", f["min_dscr_month"].get<int>())
                        : std::string(),
                    f["npv_usd"].is_number() ? usd_text(f["npv_usd"].get<double>()) : "n/a");
  return text;
}

} // namespace capsim
