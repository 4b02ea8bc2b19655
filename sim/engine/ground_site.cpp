// A site on the ground: a grid connection (its schedule, energisation date, curtailment, hourly
// prices and carbon), turbines, on-site solar, a battery, and a cooling plant (or a fixed PUE)
// against the weather. Its conditions change at grid steps, price and carbon hours, weather
// samples, solar hours and turbine start-ups; it bills each month's peak grid draw.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <random>

#include <fmt/compile.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "models/cooling.hpp"
#include "models/power_schedule.hpp"
#include "models/random.hpp"
#include "models/weather.hpp"
#include "sim/engine/platform.hpp"
#include "sim/engine/site_kind.hpp"
#include "sim/engine/world.hpp"
#include "sim/report/event_log.hpp"

namespace capsim {

namespace sg4 = simgrid::s4u;

namespace {

constexpr double fabric_latency_s = 2e-6; // one switch hop inside a site
constexpr double controller_bytes_per_s = 1.25e9;

class GroundSite final : public SiteKindModel {
public:
  const char* name() const override { return "terrestrial"; }
  const char* cooling(const SiteState& site) const override {
    return site.spec->has_cooling_model ? "model" : "fixed pue";
  }

  // A ground site: a star zone whose hosts reach its centre through split-duplex links.
  void build_zone(const Scenario& scenario, const SiteSpec& site, sg4::NetZone* root,
                  SitePlatform& sp, Platform& platform) const override {
    sp.zone = sg4::create_star_zone(site.name);
    sp.zone->set_parent(root);
    auto route_to_center = [&](sg4::Host* host, sg4::Link* link) {
      sp.zone->add_route(host->get_netpoint(), nullptr, nullptr, nullptr,
                         {{link, sg4::LinkInRoute::Direction::UP}}, true);
    };
    sp.controller = sp.zone->create_host(site.name + "-controller", 1e9);
    route_to_center(sp.controller, sp.zone->create_split_duplex_link(site.name + "-controller-nic",
                                                                     controller_bytes_per_s));
    sp.storage = sp.zone->create_host(site.name + "-storage", 1e9);
    auto* storage =
        sp.zone->create_split_duplex_link(site.name + "-storage-link", site.storage_bytes_per_s);
    storage->set_latency(site.storage_latency_s);
    sp.storage_link = storage->get_link_up();
    route_to_center(sp.storage, storage);
    sp.gateway = sp.zone->create_host(site.name + "-gateway", 1e9);
    auto* gateway = sp.zone->create_split_duplex_link(site.name + "-gateway-link", 1e12);
    gateway->set_latency(fabric_latency_s);
    route_to_center(sp.gateway, gateway);
    sp.gateway_link = gateway->get_link_up();
    platform.links += 3;
    platform.hosts += 3;
    sp.job_nics.assign(scenario.jobs.size(), nullptr);
    for (std::size_t j = 0; j < scenario.jobs.size(); ++j) {
      const JobSpec& job = scenario.jobs[j];
      auto cluster = std::find_if(scenario.clusters.begin(), scenario.clusters.end(),
                                  [&](const ClusterSpec& c) { return c.name == job.cluster; });
      if (cluster == scenario.clusters.end() || cluster->site != site.name) continue;
      auto* nic = sp.zone->create_host(site.name + "-" + job.name + "-nics", 1e9);
      auto* link = sp.zone->create_split_duplex_link(site.name + "-" + job.name + "-nic-link",
                                                     job_nic_bytes_per_s(job, *cluster));
      link->set_latency(fabric_latency_s);
      route_to_center(nic, link);
      sp.job_nics[j] = nic;
      platform.hosts += 1;
      platform.links += 1;
    }
    sp.zone->seal();
  }

  void plan_arrivals(ClusterState& cluster, const Scenario&) const override {
    for (const Delivery& d : cluster.spec->deliveries)
      cluster.arrivals.push_back({.kind = ClusterState::Arrival::Kind::delivery,
                                  .at_s = d.at_s,
                                  .gpus = d.gpus,
                                  .success = true,
                                  .cost_usd = 0});
  }

  void init(SiteState& site, const Scenario& scenario, EventLog& log) override {
    const SiteSpec& spec = *site.spec;
    site.turbines_in_service = expected_turbine_units_in_service(spec.turbines);
    std::uint64_t name_hash = 1469598103934665603ULL; // FNV-1a: the same on every platform
    for (unsigned char ch : spec.name)
      name_hash = (name_hash ^ ch) * 1099511628211ULL;
    init_grid(spec, scenario, name_hash);
    site.price_usd_per_j = spec.energy_price_usd_per_j;
    site.carbon_kg_per_j = spec.grid_carbon_kg_per_j;
    if (spec.energy_price_file)
      price_series_ = step_series_from_samples(spec.energy_price_file->samples,
                                               spec.energy_price_file->start_s, scenario.horizon_s);
    if (spec.grid_carbon_file)
      carbon_series_ = step_series_from_samples(spec.grid_carbon_file->samples,
                                                spec.grid_carbon_file->start_s, scenario.horizon_s);
    site.has_battery = spec.has_battery;
    if (spec.has_battery) {
      site.battery_params = spec.battery;
      site.battery = battery_at_state_of_charge(spec.battery, spec.battery_initial_soc);
    }
    init_weather(spec, scenario, name_hash);
    refresh(site, 0, log);
  }

  void refresh(SiteState& site, double now, EventLog& log) override {
    const SiteSpec& spec = *site.spec;
    double grid_before = site.grid_w;
    bool curtailed_before = curtailed_;
    site.grid_w = grid_capacity_at_w(grid_, now);
    curtailed_ = grid_curtailed_at(grid_, now);
    if (!price_series_.times_s.empty()) site.price_usd_per_j = value_at(price_series_, now);
    if (!carbon_series_.times_s.empty()) site.carbon_kg_per_j = value_at(carbon_series_, now);
    if (curtailed_ != curtailed_before)
      log.add(now, curtailed_ ? "curtailment_start" : "curtailment_end", spec.name, "", "",
              fmt::format("grid power available now {:.6g} W", site.grid_w));
    else if (site.grid_w != grid_before && now > 0)
      log.add(now, "grid", spec.name, "", "",
              fmt::format("grid power available now {:.6g} W", site.grid_w));
    site.solar_w =
        spec.solar_capacity_w * ground_solar_fraction(now + spec.weather.time_of_year_at_start_s);
    int ready = static_cast<int>(site.turbines.ready_time_s.size());
    site.turbines = advance_turbines(site.turbines, now);
    ready -= static_cast<int>(site.turbines.ready_time_s.size());
    if (ready > 0)
      log.add(now, "turbines_ready", spec.name, "", "",
              fmt::format("{} turbine units online; {} running", ready, site.turbines.running));
    if (!ambient_.times_s.empty()) ambient_k_ = ambient_at_k(ambient_, now);
    if (spec.has_cooling_model) {
      CoolingOperatingPoint op = cooling_operating_point(spec.cooling, 0, ambient_k_);
      site.pue = op.pue;
      site.heat_capacity_w = op.capacity_w;
      site.economiser = op.economiser;
      CoolingOperatingPoint unit = cooling_operating_point(spec.cooling, 1, ambient_k_);
      site.water_m3_per_j = unit.water_m3_per_s; // per W of IT = per J of IT energy
    } else {
      site.pue = spec.pue;
      site.heat_capacity_w = site.fixed_heat_capacity_w;
    }
  }

  // Every series here is a function of time alone, so the answer holds from the time it was
  // asked until the change it names (every rebalance asks; the series are searched once per
  // change).
  double next_change_s(const SiteState& site, double now) const override {
    if (now >= next_asked_s_ && now < next_change_s_) return next_change_s_;
    double next = next_grid_change_s(grid_, now);
    next = std::min(next, capsim::next_change_s(price_series_, now));
    next = std::min(next, capsim::next_change_s(carbon_series_, now));
    next = std::min(next, next_ambient_change_s(ambient_, now));
    if (site.spec->solar_capacity_w > 0) next = std::min(next, next_solar_change_s(now));
    next_asked_s_ = now;
    next_change_s_ = next;
    return next;
  }

  // Each billing month's peak grid draw; a higher peak adds its demand charge at once, so the
  // bill to date (energy_cost_usd) always holds the charges of the peaks so far.
  void integrate(SiteState& site, double dt_s) override {
    const PowerDispatch& d = site.dispatch;
    constexpr double month_s = 730.5 * 3600;
    const double end_s = site.last_s + dt_s;
    // The months the interval [last_s, end_s) touches (an interval shorter than a month's
    // rounding, e.g. from 0 to the next double, lies in the first).
    auto first = static_cast<std::size_t>(std::floor(site.last_s / month_s));
    auto last = static_cast<std::size_t>(std::max(0.0, std::ceil(end_s / month_s) - 1));
    last = std::max(first, last);
    if (monthly_peak_grid_w_.size() <= last) monthly_peak_grid_w_.resize(last + 1, 0);
    for (std::size_t m = first; m <= last; ++m)
      if (d.grid_w > monthly_peak_grid_w_[m]) {
        const double charge =
            (d.grid_w - monthly_peak_grid_w_[m]) * site.spec->demand_charge_usd_per_w_month;
        demand_charge_usd_ += charge;
        site.energy_cost_usd += charge;
        monthly_peak_grid_w_[m] = d.grid_w;
      }
  }

  double radiation_rate_per_gpu_s(const SiteState&) const override { return 0; }
  bool orders_replacements(const SiteState&) const override { return false; }
  bool measures_collectives() const override { return false; }

  std::string unit_name(const ClusterState& cluster, std::uint32_t unit) const override {
    // "NAME-12": one per failure and repair row, so without a format string.
    char digits[16];
    char* end = std::to_chars(digits, digits + sizeof digits, unit).ptr;
    std::string name = cluster.spec->name; // short names stay in the string itself
    name += '-';
    name.append(digits, end);
    return name;
  }

  std::optional<double> ambient_c(const SiteState& site) const override {
    if (site.spec->weather.kind == WeatherKind::none) return std::nullopt;
    return ambient_k_ - 273.15;
  }
  std::optional<bool> in_eclipse() const override { return std::nullopt; }
  std::optional<double> radiator_k() const override { return std::nullopt; }

  // Mean IT power over the horizon by component; the four add up to it_energy_j / horizon.
  void summarise_it_power(const SiteState& site, const Scenario& scenario,
                          nlohmann::ordered_json& s) const override {
    const double h = scenario.horizon_s;
    const double non_gpu_j = site.fabric_energy_j + site.storage_energy_j + site.other_it_energy_j;
    s["it_power_mean_w"] = {{"gpu_servers", (site.it_energy_j - non_gpu_j) / h},
                            {"fabric", site.fabric_energy_j / h},
                            {"storage", site.storage_energy_j / h},
                            {"other", site.other_it_energy_j / h}};
    s["fabric_switches"] = site.non_gpu_it.switches;
    s["monthly_peak_grid_w"] = monthly_peak_grid_w_;
    s["demand_charge_usd"] = demand_charge_usd_;
  }

  void summarise_supply(const SiteState&, nlohmann::ordered_json& s) const override {
    s["grid_energised_s"] =
        std::isfinite(grid_energised_s_) ? nlohmann::ordered_json(grid_energised_s_) : nullptr;
  }

  void summarise_kind(const SiteState&, const World&, const Scenario&,
                      nlohmann::ordered_json&) const override {}

private:
  // This replication's grid: the energisation date drawn, if uncertain, from the site's stream.
  void init_grid(const SiteSpec& spec, const Scenario& scenario, std::uint64_t name_hash) {
    grid_ = spec.grid;
    if (spec.grid_energised) {
      const TriangularTime& e = *spec.grid_energised;
      std::mt19937_64 rng(scenario.seed ^ 0x6a09e667f3bcc909ULL ^ name_hash);
      double drawn_s = triangular_quantile(e.min_s, e.mode_s, e.max_s, uniform01(rng));
      grid_ = shift_energisation(spec.grid, drawn_s - e.mode_s);
    }
    grid_energised_s_ = never;
    for (const CapacityStep& step : grid_.steps)
      if (step.capacity_w > 0) {
        grid_energised_s_ = step.at_s;
        break;
      }
  }

  // Weather: one value per hour (synthetic) or per CSV row, fixed for the run and its seed.
  void init_weather(const SiteSpec& spec, const Scenario& scenario, std::uint64_t name_hash) {
    const WeatherSpec& w = spec.weather;
    if (w.kind == WeatherKind::synthetic) {
      std::mt19937_64 rng(scenario.seed ^ 0x5bd1e995u ^ name_hash);
      auto hours = static_cast<std::size_t>(std::ceil(scenario.horizon_s / 3600)) + 1;
      ambient_ = hourly_ambient_series(
          generate_hourly_temperatures_k(w.synthetic, w.time_of_year_at_start_s, hours, rng));
    } else if (w.kind == WeatherKind::csv) {
      ambient_ =
          ambient_series_from_samples(w.samples, w.time_of_year_at_start_s, scenario.horizon_s);
    } else if (w.kind == WeatherKind::constant) {
      ambient_ = {.times_s = {0}, .values = {w.constant_k}};
    }
    add_heatwaves(ambient_, w.heatwaves);
  }

  GridSchedule grid_;           // this replication's
  double grid_energised_s_ = 0; // when its grid first gives power
  StepSeries price_series_;     // hourly grid prices (USD/J), when the site has a price file
  StepSeries carbon_series_;    // hourly grid carbon intensity (kg/J), when it has one
  bool curtailed_ = false;
  AmbientSeries ambient_;                   // weather over the run
  double ambient_k_ = 0;                    // now; meaningful when the site has weather
  std::vector<double> monthly_peak_grid_w_; // per billing month (730.5 h) from the start
  mutable double next_asked_s_ = std::numeric_limits<double>::infinity(); // next_change_s's
  mutable double next_change_s_ = 0;                                      // last answer
  double demand_charge_usd_ = 0;                                          // of site.energy_cost_usd
};

} // namespace

std::unique_ptr<SiteKindModel> make_ground_site() {
  return std::make_unique<GroundSite>();
}

} // namespace capsim
