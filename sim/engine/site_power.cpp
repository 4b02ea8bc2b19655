// A site's supply over time, whatever its kind: what the grid, turbines, battery and solar can
// give now (the kind's refresh() sets the conditions: ground_site.cpp, orbital_site.cpp), and
// how the demand that the World's rebalance decided is dispatched over the sources
// (models/power_supply.hpp).
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "sim/engine/world.hpp"
#include "sim/report/event_log.hpp"

namespace capsim {

// A battery within a millisecond of full power of its floor (or of full) counts as there: the
// event that empties (fills) it would otherwise fall at the same double-precision time as now.
constexpr double battery_snap_s = 1e-3;

double SiteState::battery_limit_w() const {
  if (!has_battery) return 0;
  const BatteryParams& p = battery_params;
  if (battery.energy_j - floor_energy_j(p) <= p.max_discharge_power_w * battery_snap_s) return 0;
  return max_discharge_power_w(battery, p, 0);
}

double SiteState::battery_charge_limit_w() const {
  if (!has_battery) return 0;
  const BatteryParams& p = battery_params;
  if (p.capacity_j - battery.energy_j <= p.max_charge_power_w * battery_snap_s) return 0;
  return max_charge_power_w(battery, p, 0);
}

double SiteState::available_supply_w() const {
  return grid_w + solar_w + turbines.running * spec->turbines.unit_capacity_w + battery_limit_w();
}

double World::it_budget_w(const SiteState& site) const {
  return std::min(site.available_supply_w() / site.pue, site.heat_capacity_w);
}

double World::next_condition_change_s(const SiteState& site, double now) const {
  double next = site.kind->next_change_s(site, now);
  next = std::min(next, next_turbine_ready_time_s(site.turbines));
  if (site.has_battery) {
    if (site.dispatch.battery_discharge_w > 0)
      next = std::min(next, now + time_to_floor_s(site.battery, site.battery_params,
                                                  site.dispatch.battery_discharge_w));
    else if (site.dispatch.battery_charge_w > 0)
      next = std::min(next, now + time_to_full_s(site.battery, site.battery_params,
                                                 site.dispatch.battery_charge_w));
  }
  // Conditions change strictly later than now: an event at `now` again would loop forever.
  return std::max(next, std::nextafter(now, never));
}

// What the site would draw if nothing were capped or waiting for power: every job that holds or
// waits for hosts at full power, and the idle power of every host held or spare and on.
double World::wished_it_power_w(const SiteState& site) const {
  double wish_it_w = 0;
  for (ClusterState* c : site.clusters)
    wish_it_w +=
        static_cast<double>(c->held + c->free_on.size()) * c->idle_w + c->non_gpu_it().total_w();
  for (JobState* job : site.jobs)
    if (job->phase != JobPhase::done && job->phase != JobPhase::pending)
      wish_it_w +=
          static_cast<double>(job->hosts_needed) * job->cluster->dynamic_w +
          static_cast<double>(job->hosts_needed - job->hosts.size()) * job->cluster->idle_w;
  return wish_it_w;
}

void World::dispatch_supply(SiteState& site, double now) {
  const SiteSpec& spec = *site.spec;
  // The site's supply parameters are its scenario's but for the grid's conditions now: set
  // once, the grid's part at each dispatch (a dispatch per event).
  PowerSupplyParams& params = site.supply_params;
  params.grid = {.capacity_w = site.grid_w,
                 .energised_time_s = 0,
                 .price_usd_per_j = site.price_usd_per_j,
                 .carbon_kg_per_j = site.carbon_kg_per_j};
  SupplyInputs in{.demand_w = site.facility_power_w(),
                  .grid_available_w = site.grid_w,
                  .solar_available_w = site.solar_w,
                  .turbine_units_running = site.turbines.running,
                  .turbine_units_starting = static_cast<int>(site.turbines.ready_time_s.size()),
                  .turbine_units_in_service = site.turbines_in_service,
                  .battery_discharge_limit_w = site.battery_limit_w(),
                  .battery_charge_limit_w = site.battery_charge_limit_w(),
                  .committed_demand_w = wished_it_power_w(site) * site.pue};
  site.dispatch = dispatch_power(params, in);
  const PowerDispatch& d = site.dispatch;
  if (d.turbine_units_to_start > 0) {
    site.turbines = start_turbines(site.turbines, spec.turbines, d.turbine_units_to_start, now);
    log_.add(now, "turbines_start", spec.name, "", "",
             fmt::format("{} turbine units starting, online in {:.4g} s", d.turbine_units_to_start,
                         spec.turbines.start_delay_s));
  } else if (d.turbine_units_to_stop > 0) {
    site.turbines = stop_turbines(site.turbines, d.turbine_units_to_stop);
    log_.add(now, "turbines_stop", spec.name, "", "",
             fmt::format("{} turbine units stopped; {} running", d.turbine_units_to_stop,
                         site.turbines.running));
  }
  site.next_event_s = next_condition_change_s(site, now);
  if (site.next_event_s < site.wake_at_s) notify(site.wake);
}

void World::integrate_supply(SiteState& site, double dt_s) {
  const PowerDispatch& d = site.dispatch;
  site.ledger = accumulate(site.ledger, d, dt_s);
  site.energy_cost_usd += d.cost_usd_per_s() * dt_s;
  site.kind->integrate(site, dt_s);
  site.water_m3 += site.it_power_w * site.water_m3_per_j * dt_s;
  if (site.economiser) site.economiser_s += dt_s;
  if (!site.has_battery) return;
  if (d.battery_discharge_w > 0)
    site.battery = discharge(site.battery, site.battery_params, d.battery_discharge_w, dt_s).state;
  else if (d.battery_charge_w > 0)
    site.battery = charge(site.battery, site.battery_params, d.battery_charge_w, dt_s).state;
  else
    site.battery = idle(site.battery, site.battery_params, dt_s).state;
}

void World::site_tick(SiteState& site, double now) {
  const SiteSpec& spec = *site.spec;
  bool discharging = site.dispatch.battery_discharge_w > 0;
  bool charging = site.dispatch.battery_charge_w > 0;
  advance(site, now);
  if (discharging && site.battery_limit_w() <= 0)
    log_.add(now, "battery_empty", spec.name, "", "", "battery at its minimum state of charge");
  if (charging && site.battery_charge_limit_w() <= 0)
    log_.add(now, "battery_full", spec.name, "", "", "battery fully charged");
  refresh_conditions(site, now);
  ++events_;
  rebalance(site, now);
  flush();
}

} // namespace capsim
