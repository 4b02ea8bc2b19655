// What differs between kinds of site: on the ground (grid, turbines, weather, a cooling plant)
// and in orbit (sunlight and eclipses, a constellation launched over time, radiators, radiation).
// The World holds one SiteKindModel per site and calls it; nothing outside the kinds' own files
// asks which kind a site is.
//
// The interface is the site's SimGrid zone (build_zone) and the life of its conditions,
// piecewise constant between events:
//   plan_arrivals   t = 0: when a cluster's GPUs arrive (deliveries, or launches and retirements)
//   init            t = 0: the kind's own state from the scenario and its seed, then refresh(0)
//   refresh         conditions now: site.grid_w, solar_w, pue, heat_capacity_w, prices ...
//   next_change_s   the next time those conditions change on their own (never: none)
//   integrate       the kind's own integrals over [site.last_s, site.last_s + dt] under
//                   site.dispatch (demand charges; eclipse time, radiator temperature)
// and what the kind adds to the outputs (time-series cells, summary fields).
//
// Adding a kind (a floating or an underwater site, say): a SiteKind value and its scenario
// block (sim/scenario), one file here with a class deriving from SiteKindModel, and one line in
// make_site_kind_model() (site_kind.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace simgrid::s4u {
class NetZone;
}

namespace capsim {

class EventLog;
class World;
struct Platform;
struct SitePlatform;
struct ClusterState;
struct Scenario;
struct SiteSpec;
struct SiteState;

class SiteKindModel {
public:
  virtual ~SiteKindModel() = default;

  // The summary's "kind" and "cooling".
  virtual const char* name() const = 0;
  virtual const char* cooling(const SiteState& site) const = 0;

  // The site's SimGrid zone under `root`: its controller, storage and gateway hosts and links,
  // and whatever else of the kind carries flows (job NICs; the probe ring and the downlink).
  virtual void build_zone(const Scenario& scenario, const SiteSpec& site,
                          simgrid::s4u::NetZone* root, SitePlatform& sp,
                          Platform& platform) const = 0;
  virtual void plan_arrivals(ClusterState& cluster, const Scenario& scenario) const = 0;
  virtual void init(SiteState& site, const Scenario& scenario, EventLog& log) = 0;
  virtual void refresh(SiteState& site, double now, EventLog& log) = 0;
  virtual double next_change_s(const SiteState& site, double now) const = 0;
  virtual void integrate(SiteState& site, double dt_s) = 0;

  // Transient radiation errors per installed GPU-second (0 where there are none).
  virtual double radiation_rate_per_gpu_s(const SiteState& site) const = 0;
  // Lost satellites are replaced during the run from orders (models/spacecraft.hpp, spares).
  virtual bool orders_replacements(const SiteState& site) const = 0;
  // The job's data-parallel reduction is measured on the site's links at the job's first start
  // (the inter-satellite ring) rather than planned on the servers' NICs.
  virtual bool measures_collectives() const = 0;

  // A unit's name in events: "NAME-12" (a server), "NAME-sat3-gpu5" (a GPU on a satellite).
  virtual std::string unit_name(const ClusterState& cluster, std::uint32_t unit) const = 0;

  // Time-series cells; nullopt: the column is empty for this site.
  virtual std::optional<double> ambient_c(const SiteState& site) const = 0;
  virtual std::optional<bool> in_eclipse() const = 0;
  virtual std::optional<double> radiator_k() const = 0;

  // Summary fields, each at its place in the site's object (sim/engine/simulation.cpp):
  // after it_energy_j, after the emissions, and at the end.
  virtual void summarise_it_power(const SiteState& site, const Scenario& scenario,
                                  nlohmann::ordered_json& out) const = 0;
  virtual void summarise_supply(const SiteState& site, nlohmann::ordered_json& out) const = 0;
  virtual void summarise_kind(const SiteState& site, const World& world, const Scenario& scenario,
                              nlohmann::ordered_json& out) const = 0;
};

// The registry: one line per kind.
std::unique_ptr<SiteKindModel> make_site_kind_model(const SiteSpec& spec);
// One per site, in the scenario's order (the platform's and the World's).
std::vector<std::unique_ptr<SiteKindModel>> make_site_kind_models(const Scenario& scenario);

} // namespace capsim
