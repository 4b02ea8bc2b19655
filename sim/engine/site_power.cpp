// A ground site's supply and cooling over time: what the grid, turbines, battery and solar can
// give now, what the cooling plant can reject at this ambient, and how the demand that the
// World's rebalance decided is dispatched over the sources (models/power_supply.hpp).
#include <algorithm>
#include <cmath>
#include <random>

#include <fmt/format.h>

#include "models/cooling.hpp"
#include "models/radiator.hpp"
#include "models/solar_array.hpp"
#include "models/weather.hpp"
#include "sim/engine/world.hpp"
#include "sim/report/event_log.hpp"

namespace capsim {

namespace {

double grid_capacity_at(const SiteSpec& spec, double t) {
  double capacity = 0;
  for (const CapacityStep& step : spec.grid)
    if (step.at_s <= t) capacity = step.capacity_w;
  if (spec.daily_to_s > spec.daily_from_s) {
    double time_of_day = std::fmod(t, 86400.0);
    if (spec.daily_from_s <= time_of_day && time_of_day < spec.daily_to_s)
      capacity = std::min(capacity, spec.daily_capacity_w);
  }
  for (const CurtailmentWindow& w : spec.curtailments)
    if (w.from_s <= t && t < w.to_s) capacity = std::min(capacity, w.capacity_w);
  return capacity;
}

bool curtailed_at(const SiteSpec& spec, double t) {
  for (const CurtailmentWindow& w : spec.curtailments)
    if (w.from_s <= t && t < w.to_s) return true;
  if (spec.daily_to_s > spec.daily_from_s) {
    double time_of_day = std::fmod(t, 86400.0);
    return spec.daily_from_s <= time_of_day && time_of_day < spec.daily_to_s;
  }
  return false;
}

double next_grid_change_s(const SiteSpec& spec, double t) {
  double next = never;
  for (const CapacityStep& step : spec.grid)
    if (step.at_s > t) next = std::min(next, step.at_s);
  for (const CurtailmentWindow& w : spec.curtailments) {
    if (w.from_s > t) next = std::min(next, w.from_s);
    if (w.to_s > t) next = std::min(next, w.to_s);
  }
  if (spec.daily_to_s > spec.daily_from_s) {
    double day_s = std::floor(t / 86400.0) * 86400.0;
    for (double edge :
         {day_s + spec.daily_from_s, day_s + spec.daily_to_s, day_s + 86400.0 + spec.daily_from_s})
      if (edge > t) next = std::min(next, edge);
  }
  return next;
}

// Clear-sky output of a fixed array: a half sine from 06:00 to 18:00 local time.
double solar_fraction(double time_of_year_s) {
  double hour = std::fmod(time_of_year_s, weather_day_s) / 3600;
  return hour > 6 && hour < 18 ? std::sin(M_PI * (hour - 6) / 12) : 0.0;
}

constexpr double solar_step_s = 3600;

} // namespace

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
  site.has_battery = spec.has_battery;
  if (spec.has_battery) {
    site.battery_params = spec.battery;
    site.battery = battery_at_state_of_charge(spec.battery, spec.battery_initial_soc);
  }
  // Weather: one value per hour (synthetic) or per CSV row, fixed for the run and its seed.
  const WeatherSpec& w = spec.weather;
  if (w.kind == WeatherKind::synthetic) {
    std::uint64_t name_hash = 1469598103934665603ULL; // FNV-1a: the same on every platform
    for (unsigned char ch : spec.name)
      name_hash = (name_hash ^ ch) * 1099511628211ULL;
    std::mt19937_64 rng(scenario_.seed ^ 0x5bd1e995u ^ name_hash);
    auto hours = static_cast<std::size_t>(std::ceil(scenario_.horizon_s / 3600)) + 1;
    site.ambient_series_k =
        generate_hourly_temperatures_k(w.synthetic, w.time_of_year_at_start_s, hours, rng);
    for (std::size_t h = 0; h < hours; ++h)
      site.ambient_times_s.push_back(3600.0 * h);
  } else if (w.kind == WeatherKind::csv) {
    for (const WeatherSample& s : w.samples) {
      double t = s.time_s - w.time_of_year_at_start_s;
      if (t > scenario_.horizon_s) break;
      if (t < 0 && !site.ambient_times_s.empty())
        site.ambient_series_k.clear(), site.ambient_times_s.clear();
      site.ambient_times_s.push_back(std::max(0.0, t));
      site.ambient_series_k.push_back(s.temperature_k);
    }
    // A file covering a whole year repeats, year after year, to the horizon.
    if (w.samples.size() > 1) {
      double first = w.samples.front().time_s, last = w.samples.back().time_s;
      if (last - first >= weather_year_s - 2 * 86400.0)
        for (double shift = weather_year_s;
             !site.ambient_times_s.empty() && site.ambient_times_s.back() < scenario_.horizon_s;
             shift += weather_year_s)
          for (const WeatherSample& s : w.samples) {
            double t = s.time_s + shift - w.time_of_year_at_start_s;
            if (t <= site.ambient_times_s.back()) continue;
            if (t > scenario_.horizon_s + weather_year_s) break;
            site.ambient_times_s.push_back(t);
            site.ambient_series_k.push_back(s.temperature_k);
          }
    }
  } else if (w.kind == WeatherKind::constant) {
    site.ambient_times_s = {0};
    site.ambient_series_k = {w.constant_k};
  }
  for (const Heatwave& wave : w.heatwaves) {
    // Heatwave edges become weather changes of their own.
    for (double edge : {wave.start_s, wave.start_s + wave.duration_s}) {
      auto it = std::lower_bound(site.ambient_times_s.begin(), site.ambient_times_s.end(), edge);
      if (it != site.ambient_times_s.end() && *it == edge) continue;
      auto index = static_cast<std::size_t>(it - site.ambient_times_s.begin());
      double value = index > 0 ? site.ambient_series_k[index - 1] : site.ambient_series_k.front();
      site.ambient_times_s.insert(it, edge);
      site.ambient_series_k.insert(site.ambient_series_k.begin() + static_cast<long>(index), value);
    }
    for (std::size_t i = 0; i < site.ambient_times_s.size(); ++i)
      if (site.ambient_times_s[i] >= wave.start_s &&
          site.ambient_times_s[i] < wave.start_s + wave.duration_s)
        site.ambient_series_k[i] += wave.extra_k;
  }
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
  site.grid_w = grid_capacity_at(spec, now);
  site.curtailed = curtailed_at(spec, now);
  if (site.curtailed != curtailed_before)
    log_.add(now, site.curtailed ? "curtailment_start" : "curtailment_end", spec.name, "", "",
             fmt::format("grid power available now {:.6g} W", site.grid_w));
  else if (site.grid_w != grid_before && now > 0)
    log_.add(now, "grid", spec.name, "", "",
             fmt::format("grid power available now {:.6g} W", site.grid_w));
  site.solar_w = spec.solar_capacity_w * solar_fraction(now + spec.weather.time_of_year_at_start_s);
  int ready = static_cast<int>(site.turbines.ready_time_s.size());
  site.turbines = advance_turbines(site.turbines, now);
  ready -= static_cast<int>(site.turbines.ready_time_s.size());
  if (ready > 0)
    log_.add(now, "turbines_ready", spec.name, "", "",
             fmt::format("{} turbine units online; {} running", ready, site.turbines.running));
  if (!site.ambient_times_s.empty()) {
    auto it = std::upper_bound(site.ambient_times_s.begin(), site.ambient_times_s.end(), now);
    std::size_t index = it == site.ambient_times_s.begin()
                            ? 0
                            : static_cast<std::size_t>(it - site.ambient_times_s.begin()) - 1;
    site.ambient_k = site.ambient_series_k[index];
  }
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
  double next = next_grid_change_s(spec, now);
  if (site.orbital) {
    auto it = std::upper_bound(site.eclipses.begin(), site.eclipses.end(), now,
                               [](double t, const EclipseInterval& e) { return t < e.end_s; });
    if (it != site.eclipses.end())
      next = std::min(next, it->start_s > now ? it->start_s : it->end_s);
    next = std::min(next, (std::floor(now / 86400.0) + 1) * 86400.0); // flux, array ageing
  }
  auto it = std::upper_bound(site.ambient_times_s.begin(), site.ambient_times_s.end(), now);
  if (it != site.ambient_times_s.end()) next = std::min(next, *it);
  if (spec.solar_capacity_w > 0)
    next = std::min(next, (std::floor(now / solar_step_s) + 1) * solar_step_s);
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

void World::dispatch_supply(SiteState& site, double now) {
  const SiteSpec& spec = *site.spec;
  PowerSupplyParams params{.grid = {.capacity_w = site.grid_w,
                                    .energised_time_s = 0,
                                    .price_usd_per_j = spec.energy_price_usd_per_j},
                           .turbines = spec.turbines};
  SupplyInputs in{.demand_w = site.facility_power_w(),
                  .grid_available_w = site.grid_w,
                  .solar_available_w = site.solar_w,
                  .turbine_units_running = site.turbines.running,
                  .turbine_units_starting = static_cast<int>(site.turbines.ready_time_s.size()),
                  .turbine_units_in_service = site.turbines_in_service,
                  .battery_discharge_limit_w = site.battery_limit_w(),
                  .battery_charge_limit_w = site.battery_charge_limit_w()};
  site.dispatch = dispatch_power(params, in);
  // Turbines: start units for what the grid and solar cannot give the site's whole wish (every
  // job that holds or waits for hosts, uncapped); stop units nobody needs.
  if (spec.turbines.units > 0 && spec.turbines.unit_capacity_w > 0) {
    double wish_it_w = 0;
    for (ClusterState* c : site.clusters)
      wish_it_w += static_cast<double>(c->held + c->free_on.size()) * c->idle_w;
    for (JobState* job : site.jobs)
      if (job->phase != JobPhase::done && job->phase != JobPhase::pending)
        wish_it_w +=
            static_cast<double>(job->hosts_needed) * job->cluster->dynamic_w +
            static_cast<double>(job->hosts_needed - job->hosts.size()) * job->cluster->idle_w;
    double short_w = wish_it_w * site.pue - site.grid_w - site.solar_w;
    int wanted =
        short_w > 0 ? static_cast<int>(std::ceil(short_w / spec.turbines.unit_capacity_w)) : 0;
    wanted = std::min(wanted, site.turbines_in_service);
    int have = site.turbines.running + static_cast<int>(site.turbines.ready_time_s.size());
    if (wanted > have) {
      site.turbines = start_turbines(site.turbines, spec.turbines, wanted - have, now);
      log_.add(now, "turbines_start", spec.name, "", "",
               fmt::format("{} turbine units starting, online in {:.4g} s", wanted - have,
                           spec.turbines.start_delay_s));
    } else if (site.turbines.running > std::max(wanted, site.dispatch.turbine_units_loaded)) {
      int stop = site.turbines.running - std::max(wanted, site.dispatch.turbine_units_loaded);
      site.turbines = stop_turbines(site.turbines, stop);
      log_.add(now, "turbines_stop", spec.name, "", "",
               fmt::format("{} turbine units stopped; {} running", stop, site.turbines.running));
    }
  }
  site.next_event_s = next_condition_change_s(site, now);
  if (site.next_event_s < site.wake_at_s) notify(*site.wake);
}

void World::integrate_supply(SiteState& site, double dt_s) {
  const SiteSpec& spec = *site.spec;
  const PowerDispatch& d = site.dispatch;
  site.ledger = accumulate(site.ledger, d, dt_s);
  site.energy_cost_usd += d.cost_usd_per_s() * dt_s;
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
