// A site in orbit: a constellation launched over the run (models/spacecraft.hpp, plan_fleet),
// powered by its arrays in sunlight and its batteries in eclipse, cooled by radiators, hit by
// radiation. Its conditions change at eclipse edges and once a day (solar flux over the year,
// array ageing); the satellites in orbit (launches, retirements) are the World's rules.
#include <algorithm>
#include <cmath>

#include <fmt/compile.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "models/orbit.hpp"
#include "models/radiation.hpp"
#include "models/radiator.hpp"
#include "models/random.hpp"
#include "models/solar_array.hpp"
#include "models/spacecraft.hpp"
#include "sim/engine/platform.hpp"
#include "sim/engine/site_kind.hpp"
#include "sim/engine/world.hpp"
#include "sim/report/event_log.hpp"

namespace capsim {

namespace sg4 = simgrid::s4u;

namespace {

class OrbitalSite final : public SiteKindModel {
public:
  const char* name() const override { return "orbital"; }
  const char* cooling(const SiteState&) const override { return "radiators"; }

  // A star zone, as on the ground, but with one-way routes: a host's route "up" is its own
  // outgoing link and its route "down" is empty, so that a transfer from host a to host b crosses
  // exactly a's link. Each satellite's outgoing link is its inter-satellite link to the next one,
  // so a ring all-reduce over the first k satellites (i -> i+1, and k-1 -> 0) crosses k distinct
  // links, one per member, each of the ISL's bandwidth and latency: link k-1 stands for the optical
  // link that closes a sub-ring (satellites 100-200 m apart in a 1 km cluster all see each other).
  // The routing state is O(hosts); a full zone's would be O(hosts^2), 0.6 GB for 4,167 satellites.
  // The controller, storage and gateway are as on the ground (direct links); the probe ring
  // mirrors the satellites' ring; the relay -> ground link carries the downlink.
  void build_zone(const Scenario& scenario, const SiteSpec& site, sg4::NetZone* root,
                  SitePlatform& sp, Platform& platform) const override {
    const OrbitalSpec& o = site.orbital;
    auto* zone = sg4::create_star_zone(site.name);
    zone->set_parent(root);
    sp.zone = zone;
    // `out` carries everything a host sends; `in`, everything it receives.
    auto attach = [&](sg4::Host* host, std::vector<sg4::Link*> out, std::vector<sg4::Link*> in) {
      std::vector<sg4::LinkInRoute> up, down;
      for (auto* l : out)
        up.emplace_back(l);
      for (auto* l : in)
        down.emplace_back(l);
      zone->add_route(host->get_netpoint(), nullptr, nullptr, nullptr, up, false);
      zone->add_route(nullptr, host->get_netpoint(), nullptr, nullptr, down, false);
    };
    sp.controller = zone->create_host(site.name + "-controller", 1e9);
    sp.storage = zone->create_host(site.name + "-storage", 1e9);
    sp.gateway = zone->create_host(site.name + "-gateway", 1e9);
    sp.storage_link = zone->create_link(site.name + "-storage-link", site.storage_bytes_per_s)
                          ->set_latency(site.storage_latency_s);
    sp.gateway_link = zone->create_link(site.name + "-gateway-link", 1e12)->set_latency(1e-6);
    attach(sp.controller, {}, {});
    attach(sp.gateway, {sp.gateway_link}, {sp.gateway_link});
    attach(sp.storage, {sp.storage_link}, {sp.storage_link});
    platform.hosts += 3;
    platform.links += 2;
    // The probe ring: one host and one inter-satellite link per satellite, on which collectives
    // are measured. The satellites themselves are capsim state (world.hpp, UnitId).
    for (const auto& cluster : scenario.clusters) {
      if (cluster.site != site.name) continue;
      auto n = static_cast<std::size_t>(cluster.satellites);
      for (std::size_t i = 0; i < n; ++i) {
        auto* probe = zone->create_host(cluster.name + "-probe" + std::to_string(i), 1e9);
        auto* probe_isl =
            zone->create_link(cluster.name + "-probe-isl" + std::to_string(i), o.isl_bytes_per_s)
                ->set_latency(o.isl_latency_s);
        attach(probe, {probe_isl}, {});
        sp.probe_ring.push_back(probe);
      }
      platform.hosts += n;
      platform.links += n;
    }
    // Downlink: up while some ground station sees the constellation.
    sp.relay = zone->create_host(site.name + "-relay", 1e9);
    sp.ground = zone->create_host(site.name + "-ground", 1e9);
    auto* downlink =
        zone->create_link(site.name + "-downlink", o.downlink_bytes_per_s)->set_latency(3e-3);
    std::vector<std::pair<double, double>> passes;
    for (const auto& s : o.stations)
      for (const ContactWindow& w : contact_windows(o.orbit, s.station, 0, scenario.horizon_s))
        passes.emplace_back(w.start_s, w.end_s);
    std::sort(passes.begin(), passes.end());
    for (const auto& p : passes) {
      if (!sp.contacts.empty() && p.first <= sp.contacts.back().second)
        sp.contacts.back().second = std::max(sp.contacts.back().second, p.second);
      else
        sp.contacts.push_back(p);
    }
    // The link is used only during passes: the downlink process sends when a pass begins and
    // abandons the transfer when it ends (sim/engine/actors.cpp, DownlinkProcess).
    attach(sp.relay, {downlink}, {});
    attach(sp.ground, {}, {});
    platform.hosts += 2;
    platform.links += 1;
    zone->seal();
  }

  // Launches: satellites_per_launch per flight at the launch cadence; a failed launch loses its
  // satellites, which fly again on the next one; each launch cohort retires at the end of its
  // life and may be replaced (models/spacecraft.hpp, plan_fleet). With spares, the spare
  // satellites fly with the deployment; what is lost later is ordered during the run
  // (World::order_replacements).
  void plan_arrivals(ClusterState& cluster, const Scenario& scenario) const override {
    const ClusterSpec& spec = *cluster.spec;
    const SiteSpec& site = *cluster.site->spec;
    const OrbitalSpec& o = site.orbital;
    cluster.launch_rng.seed(splitmix64(scenario.seed ^ splitmix64(0x1a4c + cluster.index)));
    const double life_s = std::min(o.design_life_s, time_to_dose_limit_s(o.radiation));
    cluster.satellite_life_s = life_s;
    const int spares = o.replacement == ReplacementPolicy::spares ? o.spares : 0;
    const FleetPlan plan =
        plan_fleet(o.launch, site.satellite.total_mass_kg, spec.satellites + spares, life_s,
                   o.replacement, scenario.horizon_s, cluster.launch_rng);
    cluster.units_per_satellite =
        static_cast<std::size_t>(spec.gpus_per_satellite / spec.gpus_per_host);
    cluster.units =
        static_cast<std::size_t>(plan.satellites_launched) * cluster.units_per_satellite;
    cluster.satellite_gpus.assign(static_cast<std::size_t>(plan.satellites_launched),
                                  spec.gpus_per_satellite);
    using Kind = ClusterState::Arrival::Kind;
    for (const FleetEvent& e : plan.events) {
      const Kind kind = e.kind == FleetEvent::Kind::retirement ? Kind::retirement
                        : e.kind == FleetEvent::Kind::launch   ? Kind::launch
                                                               : Kind::replacement_launch;
      const bool delivers = kind != Kind::retirement && e.success;
      if (kind == Kind::launch) ++cluster.planned_launches_left;
      cluster.arrivals.push_back(
          {.kind = kind,
           .at_s = e.time_s,
           .gpus = delivers ? static_cast<long long>(e.satellites) * spec.gpus_per_satellite : 0,
           .success = e.success,
           .cost_usd = kind == Kind::retirement
                           ? 0
                           : e.cost_usd + e.satellites * site.satellite.platform_cost_usd,
           .satellites = e.satellites,
           .first_satellite = e.first_satellite,
           .cohort = e.cohort});
    }
  }

  // One satellite's battery; the site's grows with every satellite launched.
  void init(SiteState& site, const Scenario& scenario, EventLog& log) override {
    const OrbitalSpec& o = site.spec->orbital;
    site.has_battery = true;
    double efficiency = std::sqrt(o.battery_round_trip);
    site.battery_params =
        BatteryParams{.capacity_j = 0,
                      .max_charge_power_w = 0,
                      .max_discharge_power_w = 0,
                      .charge_efficiency = efficiency,
                      .discharge_efficiency = efficiency,
                      .min_state_of_charge = 1 - o.craft.battery_depth_of_discharge};
    eclipses_ = eclipse_intervals(o.orbit, 0, scenario.horizon_s);
    radiator_.temperature_k = 280;
    refresh(site, 0, log);
  }

  void refresh(SiteState& site, double now, EventLog& log) override {
    const OrbitalSpec& o = site.spec->orbital;
    bool was = in_eclipse_;
    auto it = next_eclipse(now);
    in_eclipse_ = it != eclipses_.end() && it->start_s <= now;
    if (in_eclipse_ != was)
      log.add(now, in_eclipse_ ? "eclipse_start" : "eclipse_end", site.spec->name, "", "", "");
    double flux = solar_flux_at_w_per_m2(o.orbit, now);
    double sats = site.constellation.satellites_in_orbit;
    site.solar_w = 0;
    if (!in_eclipse_) // each launch's arrays age from their launch
      for (const auto& [launched_s, count] : site.constellation.cohorts)
        site.solar_w += count * solar_array_power_w(o.array, flux, 1.0, now - launched_s);
    RadiatorEnvironment env{.solar_flux_w_per_m2 = flux, .sunlit = !in_eclipse_};
    site.heat_capacity_w = sats * heat_rejection_capacity_w(o.radiator, env) /
                           (1 + o.craft.housekeeping_power_fraction); // IT share of the heat
    site.pue = 1 + o.craft.housekeeping_power_fraction;
    site.grid_w = 0;
  }

  double next_change_s(const SiteState&, double now) const override {
    double next = never;
    auto it = next_eclipse(now);
    if (it != eclipses_.end()) next = std::min(next, it->start_s > now ? it->start_s : it->end_s);
    return std::min(next, (std::floor(now / 86400.0) + 1) * 86400.0); // flux, array ageing
  }

  void integrate(SiteState& site, double dt_s) override {
    if (in_eclipse_) eclipse_s_ += dt_s;
    if (site.constellation.satellites_in_orbit <= 0) return;
    const OrbitalSpec& o = site.spec->orbital;
    RadiatorEnvironment env{.solar_flux_w_per_m2 = solar_flux_at_w_per_m2(o.orbit, site.last_s),
                            .sunlit = !in_eclipse_};
    double heat_w = site.facility_power_w() / site.constellation.satellites_in_orbit;
    radiator_ = capsim::advance(radiator_, o.radiator, heat_w, dt_s, env).state;
  }

  double radiation_rate_per_gpu_s(const SiteState& site) const override {
    return total_event_rate_per_s(site.spec->orbital.radiation);
  }
  bool orders_replacements(const SiteState& site) const override {
    return site.spec->orbital.replacement == ReplacementPolicy::spares;
  }
  bool measures_collectives() const override { return true; }

  // "NAME-sat3-gpu5" (failure unit gpu) or "NAME-sat3-board1"
  std::string unit_name(const ClusterState& cluster, std::uint32_t unit) const override {
    const ClusterSpec& spec = *cluster.spec;
    return fmt::format(FMT_COMPILE("{}-sat{}-{}{}"), spec.name, unit / cluster.units_per_satellite,
                       spec.gpus_per_host == 1 ? "gpu" : "board",
                       unit % cluster.units_per_satellite);
  }

  std::optional<double> ambient_c(const SiteState&) const override { return std::nullopt; }
  std::optional<bool> in_eclipse() const override { return in_eclipse_; }
  std::optional<double> radiator_k() const override { return radiator_.temperature_k; }

  void summarise_it_power(const SiteState&, const Scenario&,
                          nlohmann::ordered_json&) const override {}
  void summarise_supply(const SiteState&, nlohmann::ordered_json&) const override {}

  void summarise_kind(const SiteState& site, const World& world, const Scenario& scenario,
                      nlohmann::ordered_json& s) const override {
    const OrbitalSpec& o = site.spec->orbital;
    s["eclipse_fraction"] = eclipse_s_ / scenario.horizon_s;
    s["orbit"] = o.orbit_text;
    s["satellites_in_orbit"] = site.constellation.satellites_in_orbit;
    s["satellite"] = satellite_json(site.spec->satellite, o);
    s["launches"] = site.constellation.launches;
    s["launch_failures"] = site.constellation.launch_failures;
    s["replacement"] = to_string(o.replacement);
    s["replacement_launches"] = site.constellation.replacement_launches;
    s["replacement_cost_usd"] = site.constellation.replacement_cost_usd;
    if (o.replacement == ReplacementPolicy::spares) {
      s["spares"] = o.spares;
      s["loss_replacement_launches"] = site.constellation.loss_replacement_launches;
      s["loss_replacement_cost_usd"] = site.constellation.loss_replacement_cost_usd;
      long long on_order = 0;
      for (const ClusterState* c : site.clusters)
        on_order += c->gpus_on_order;
      s["gpus_on_order"] = on_order;
    }
    s["satellites_retired"] = site.constellation.satellites_retired;
    long long in_orbit = 0;
    for (const ClusterState* c : site.clusters)
      in_orbit += world.gpus_in_orbit(*c);
    s["gpus_in_orbit"] = in_orbit;
    s["radiation_events"] = nlohmann::ordered_json::object();
    for (std::size_t e = 0; e < radiation_effect_count; ++e)
      s["radiation_events"][std::string(radiation_effects[e].name)] =
          site.constellation.radiation_events[e];
    s["total_ionizing_dose_gy"] = total_ionizing_dose_gy(o.radiation, scenario.horizon_s);
    s["downlinks"] = site.constellation.downlinks;
    s["downlinks_interrupted"] = site.constellation.downlink_failures;
    s["downlinked_bytes"] = site.constellation.downlinked_bytes;
    double contact_s = 0;
    for (const auto& [a, b] : site.platform->contacts)
      contact_s += b - a;
    s["contact_fraction"] = contact_s / scenario.horizon_s;
    s["radiator_k_at_horizon"] = radiator_.temperature_k;
  }

private:
  // The eclipse now or the next one.
  std::vector<EclipseInterval>::const_iterator next_eclipse(double now) const {
    return std::upper_bound(eclipses_.begin(), eclipses_.end(), now,
                            [](double t, const EclipseInterval& e) { return t < e.end_s; });
  }

  static nlohmann::ordered_json satellite_json(const SatelliteBudget& b, const OrbitalSpec& o) {
    return {{"mass_kg", b.total_mass_kg},
            {"compute_mass_kg", b.compute_mass_kg},
            {"array_area_m2", b.array_area_m2},
            {"array_mass_kg", b.array_mass_kg},
            {"battery_energy_j", b.battery_energy_j},
            {"battery_mass_kg", b.battery_mass_kg},
            {"radiator_area_m2", b.radiator_area_m2},
            {"radiator_mass_kg", b.radiator_mass_kg},
            {"structure_bus_mass_kg", b.structure_bus_mass_kg},
            {"load_power_w", b.load_power_w},
            {"array_power_bol_w", b.array_power_bol_w},
            {"platform_cost_usd", b.platform_cost_usd},
            {"design_life_s", o.design_life_s}};
  }

  std::vector<EclipseInterval> eclipses_;
  bool in_eclipse_ = false;
  RadiatorState radiator_;
  double eclipse_s_ = 0;
};

} // namespace

std::unique_ptr<SiteKindModel> make_orbital_site() {
  return std::make_unique<OrbitalSite>();
}

} // namespace capsim
