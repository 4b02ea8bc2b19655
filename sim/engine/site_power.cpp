// A ground site's supply and cooling over time: what the grid, turbines, battery and solar can
// give now, what the cooling plant can reject at this ambient, and how the demand that the
// World's rebalance decided is dispatched over the sources (models/power_supply.hpp).
#include <algorithm>
#include <cmath>
#include <random>

#include <fmt/format.h>

#include "models/cooling.hpp"
#include "models/power_schedule.hpp"
#include "models/radiator.hpp"
#include "models/random.hpp"
#include "models/solar_array.hpp"
#include "models/weather.hpp"
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

void World::init_site_conditions(SiteState& site) {
  const SiteSpec& spec = *site.spec;
  if (spec.kind == SiteKind::orbital) {
    // One satellite's battery; the site's grows with every satellite launched.
    site.orbital = true;
    site.has_battery = true;
    double efficiency = std::sqrt(spec.orbital.battery_round_trip);
    site.battery_params =
        BatteryParams{.capacity_j = 0,
                      .max_charge_power_w = 0,
                      .max_discharge_power_w = 0,
                      .charge_efficiency = efficiency,
                      .discharge_efficiency = efficiency,
                      .min_state_of_charge = 1 - spec.orbital.craft.battery_depth_of_discharge};
    site.eclipses = eclipse_intervals(spec.orbital.orbit, 0, scenario_.horizon_s);
    site.radiator.temperature_k = 280;
    refresh_conditions(site, 0);
    return;
  }
  site.turbines_in_service = expected_turbine_units_in_service(spec.turbines);
  std::uint64_t name_hash = 1469598103934665603ULL; // FNV-1a: the same on every platform
  for (unsigned char ch : spec.name)
    name_hash = (name_hash ^ ch) * 1099511628211ULL;
  site.grid = spec.grid;
  if (spec.grid_energised) { // drawn once per replication, from the site's own stream
    const TriangularTime& e = *spec.grid_energised;
    std::mt19937_64 rng(scenario_.seed ^ 0x6a09e667f3bcc909ULL ^ name_hash);
    double drawn_s = triangular_quantile(e.min_s, e.mode_s, e.max_s, uniform01(rng));
    site.grid = shift_energisation(spec.grid, drawn_s - e.mode_s);
  }
  site.grid_energised_s = never;
  for (const CapacityStep& step : site.grid.steps)
    if (step.capacity_w > 0) {
      site.grid_energised_s = step.at_s;
      break;
    }
  site.price_usd_per_j = spec.energy_price_usd_per_j;
  site.carbon_kg_per_j = spec.grid_carbon_kg_per_j;
  if (spec.energy_price_file)
    site.price_series = step_series_from_samples(
        spec.energy_price_file->samples, spec.energy_price_file->start_s, scenario_.horizon_s);
  if (spec.grid_carbon_file)
    site.carbon_series = step_series_from_samples(
        spec.grid_carbon_file->samples, spec.grid_carbon_file->start_s, scenario_.horizon_s);
  site.has_battery = spec.has_battery;
  if (spec.has_battery) {
    site.battery_params = spec.battery;
    site.battery = battery_at_state_of_charge(spec.battery, spec.battery_initial_soc);
  }
  // Weather: one value per hour (synthetic) or per CSV row, fixed for the run and its seed.
  const WeatherSpec& w = spec.weather;
  if (w.kind == WeatherKind::synthetic) {
    std::mt19937_64 rng(scenario_.seed ^ 0x5bd1e995u ^ name_hash);
    auto hours = static_cast<std::size_t>(std::ceil(scenario_.horizon_s / 3600)) + 1;
    site.ambient = hourly_ambient_series(
        generate_hourly_temperatures_k(w.synthetic, w.time_of_year_at_start_s, hours, rng));
  } else if (w.kind == WeatherKind::csv) {
    site.ambient =
        ambient_series_from_samples(w.samples, w.time_of_year_at_start_s, scenario_.horizon_s);
  } else if (w.kind == WeatherKind::constant) {
    site.ambient = {.times_s = {0}, .values = {w.constant_k}};
  }
  add_heatwaves(site.ambient, w.heatwaves);
  refresh_conditions(site, 0);
}

void World::refresh_conditions(SiteState& site, double now) {
  const SiteSpec& spec = *site.spec;
  if (site.orbital) {
    const OrbitalSpec& o = spec.orbital;
    bool was = site.in_eclipse;
    auto it = std::upper_bound(site.eclipses.begin(), site.eclipses.end(), now,
                               [](double t, const EclipseInterval& e) { return t < e.end_s; });
    site.in_eclipse = it != site.eclipses.end() && it->start_s <= now;
    if (site.in_eclipse != was)
      log_.add(now, site.in_eclipse ? "eclipse_start" : "eclipse_end", spec.name, "", "", "");
    double flux = solar_flux_at_w_per_m2(o.orbit, now);
    double sats = site.satellites_in_orbit;
    site.solar_w = 0;
    if (!site.in_eclipse) // each launch's arrays age from their launch
      for (const auto& [launched_s, count] : site.cohorts)
        site.solar_w += count * solar_array_power_w(o.array, flux, 1.0, now - launched_s);
    RadiatorEnvironment env{.solar_flux_w_per_m2 = flux, .sunlit = !site.in_eclipse};
    site.heat_capacity_w = sats * heat_rejection_capacity_w(o.radiator, env) /
                           (1 + o.craft.housekeeping_power_fraction); // IT share of the heat
    site.pue = 1 + o.craft.housekeeping_power_fraction;
    site.grid_w = 0;
    return;
  }
  double grid_before = site.grid_w;
  bool curtailed_before = site.curtailed;
  site.grid_w = grid_capacity_at_w(site.grid, now);
  site.curtailed = grid_curtailed_at(site.grid, now);
  if (!site.price_series.times_s.empty()) site.price_usd_per_j = value_at(site.price_series, now);
  if (!site.carbon_series.times_s.empty()) site.carbon_kg_per_j = value_at(site.carbon_series, now);
  if (site.curtailed != curtailed_before)
    log_.add(now, site.curtailed ? "curtailment_start" : "curtailment_end", spec.name, "", "",
             fmt::format("grid power available now {:.6g} W", site.grid_w));
  else if (site.grid_w != grid_before && now > 0)
    log_.add(now, "grid", spec.name, "", "",
             fmt::format("grid power available now {:.6g} W", site.grid_w));
  site.solar_w =
      spec.solar_capacity_w * ground_solar_fraction(now + spec.weather.time_of_year_at_start_s);
  int ready = static_cast<int>(site.turbines.ready_time_s.size());
  site.turbines = advance_turbines(site.turbines, now);
  ready -= static_cast<int>(site.turbines.ready_time_s.size());
  if (ready > 0)
    log_.add(now, "turbines_ready", spec.name, "", "",
             fmt::format("{} turbine units online; {} running", ready, site.turbines.running));
  if (!site.ambient.times_s.empty()) site.ambient_k = ambient_at_k(site.ambient, now);
  if (spec.has_cooling_model) {
    CoolingOperatingPoint op = cooling_operating_point(spec.cooling, 0, site.ambient_k);
    site.pue = op.pue;
    site.heat_capacity_w = op.capacity_w;
    site.economiser = op.economiser;
    CoolingOperatingPoint unit = cooling_operating_point(spec.cooling, 1, site.ambient_k);
    site.water_m3_per_j = unit.water_m3_per_s; // per W of IT = per J of IT energy
  } else {
    site.pue = spec.pue;
    site.heat_capacity_w = site.fixed_heat_capacity_w;
  }
}

double World::next_condition_change_s(const SiteState& site, double now) const {
  const SiteSpec& spec = *site.spec;
  double next = next_grid_change_s(site.grid, now);
  next = std::min(next, next_change_s(site.price_series, now));
  next = std::min(next, next_change_s(site.carbon_series, now));
  if (site.orbital) {
    auto it = std::upper_bound(site.eclipses.begin(), site.eclipses.end(), now,
                               [](double t, const EclipseInterval& e) { return t < e.end_s; });
    if (it != site.eclipses.end())
      next = std::min(next, it->start_s > now ? it->start_s : it->end_s);
    next = std::min(next, (std::floor(now / 86400.0) + 1) * 86400.0); // flux, array ageing
  }
  next = std::min(next, next_ambient_change_s(site.ambient, now));
  if (spec.solar_capacity_w > 0) next = std::min(next, next_solar_change_s(now));
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
  PowerSupplyParams params{.grid = {.capacity_w = site.grid_w,
                                    .energised_time_s = 0,
                                    .price_usd_per_j = site.price_usd_per_j,
                                    .carbon_kg_per_j = site.carbon_kg_per_j},
                           .turbines = spec.turbines,
                           .policy = spec.turbine_policy,
                           .charge_from = spec.charge_from,
                           .peak_shaving_target_w = spec.peak_shaving_target_w,
                           .arbitrage = spec.arbitrage};
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
  if (site.next_event_s < site.wake_at_s) notify(*site.wake);
}

void World::integrate_supply(SiteState& site, double dt_s) {
  const SiteSpec& spec = *site.spec;
  const PowerDispatch& d = site.dispatch;
  site.ledger = accumulate(site.ledger, d, dt_s);
  site.energy_cost_usd += d.cost_usd_per_s() * dt_s;
  if (!site.orbital) {
    // Each billing month's peak grid draw; a higher peak adds its demand charge at once, so the
    // bill to date (energy_cost_usd) always holds the charges of the peaks so far.
    constexpr double month_s = 730.5 * 3600;
    const double end_s = site.last_s + dt_s;
    auto first = static_cast<std::size_t>(std::floor(site.last_s / month_s));
    auto last = static_cast<std::size_t>(std::ceil(end_s / month_s)) - 1;
    last = std::max(first, last);
    if (site.monthly_peak_grid_w.size() <= last) site.monthly_peak_grid_w.resize(last + 1, 0);
    for (std::size_t m = first; m <= last; ++m)
      if (d.grid_w > site.monthly_peak_grid_w[m]) {
        const double charge =
            (d.grid_w - site.monthly_peak_grid_w[m]) * spec.demand_charge_usd_per_w_month;
        site.demand_charge_usd += charge;
        site.energy_cost_usd += charge;
        site.monthly_peak_grid_w[m] = d.grid_w;
      }
  }
  site.water_m3 += site.it_power_w * site.water_m3_per_j * dt_s;
  if (site.orbital) {
    if (site.in_eclipse) site.eclipse_s += dt_s;
    if (site.satellites_in_orbit > 0) {
      const OrbitalSpec& o = spec.orbital;
      RadiatorEnvironment env{.solar_flux_w_per_m2 = solar_flux_at_w_per_m2(o.orbit, site.last_s),
                              .sunlit = !site.in_eclipse};
      double heat_w = site.facility_power_w() / site.satellites_in_orbit;
      site.radiator = capsim::advance(site.radiator, o.radiator, heat_w, dt_s, env).state;
    }
  }
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
