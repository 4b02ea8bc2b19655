#include "sim/scenario/site_orbital.hpp"

#include <cmath>
#include <cstdio>

#include "sim/scenario/scenario.hpp"

#include "models/units.hpp"

namespace capsim {

namespace {

// "YYYY-MM-DD" (UTC midnight) -> days since J2000.
bool parse_date(const std::string& text, UtcDate& date) {
  int y = 0, m = 0, d = 0;
  char extra = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3) return false;
  date = UtcDate{.year = y, .month = m, .day = d};
  return validate(date).empty();
}

} // namespace

namespace {

void read_orbit(const YAML::Node& node, const std::string& what, Diagnostics& d, OrbitalSpec& o) {
  MapReader orbit(node, what + " orbit", d);
  double altitude = orbit.quantity(orbit_parameter::altitude);
  UtcDate date{.year = 2027, .month = 1, .day = 1};
  if (auto text = orbit.string("epoch", Need::optional); text && !parse_date(*text, date))
    d.error(node["epoch"], what + " orbit: epoch must be a date YYYY-MM-DD, got '" + *text + "'");
  double epoch = days_since_j2000(date);
  if (YAML::Node sso = orbit.mapping("sun_synchronous", Need::optional); sso.IsDefined()) {
    MapReader s(sso, what + " sun_synchronous", d);
    double ltan = s.quantity(sun_synchronous_parameter::ltan);
    s.finish();
    SunSynchronousSpec spec{.altitude_m = altitude, .ltan_s = ltan, .epoch_days_j2000 = epoch};
    if (auto problems = validate(spec); !problems.empty())
      d.errors(sso, what + " orbit: ", problems);
    else {
      o.orbit = sun_synchronous_orbit(spec);
      o.design_orbit = {.altitude_m = altitude, .sun_synchronous = true, .ltan_s = ltan};
    }
    o.orbit_text = std::to_string(static_cast<int>(altitude / 1e3)) + " km sun-synchronous, LTAN " +
                   std::to_string(static_cast<int>(ltan / 3600)) + " h";
  } else {
    double inclination = orbit.quantity(orbit_parameter::inclination);
    double raan = orbit.quantity(orbit_parameter::raan);
    o.design_orbit = {.altitude_m = altitude, .sun_synchronous = false, .ltan_s = 0};
    o.orbit = CircularOrbit{.altitude_m = altitude,
                            .inclination_rad = inclination,
                            .raan_rad = raan,
                            .epoch_days_j2000 = epoch};
    o.orbit_text = std::to_string(static_cast<int>(altitude / 1e3)) + " km, " +
                   std::to_string(static_cast<int>(std::lround(inclination * 180 / M_PI))) +
                   " deg inclination";
  }
  orbit.finish();
}

// The satellite's arrays, battery and radiator (models/solar_array, spacecraft, radiator).
void read_satellite_design(MapReader& s, OrbitalSpec& o) {
  namespace array = solar_array_parameter;
  namespace craft = spacecraft_parameter;
  namespace radiator = radiator_parameter;
  o.array.cell_efficiency = s.quantity(array::cell_efficiency);
  o.array.packing_factor = s.quantity(array::packing);
  o.array.degradation_per_year = s.quantity(array::degradation_per_year);
  if (auto area = s.given(array::area)) {
    o.array.area_m2 = *area;
    o.array_area_given = true;
  }
  o.craft.array_specific_power_w_per_kg = s.quantity(craft::array_specific_power);
  o.craft.battery_specific_energy_j_per_kg = s.quantity(craft::battery_specific_energy);
  o.craft.battery_depth_of_discharge = s.quantity(craft::depth_of_discharge);
  o.battery_round_trip = s.quantity(craft::round_trip_efficiency);
  o.craft.battery_charge_efficiency = o.craft.battery_discharge_efficiency =
      std::sqrt(o.battery_round_trip);
  o.craft.radiator_areal_mass_kg_per_m2 = s.quantity(craft::radiator_areal_mass);
  if (auto area = s.given(radiator::area)) {
    o.radiator.area_m2 = *area;
    o.radiator_area_given = true;
  }
  o.radiator.emissivity = s.quantity(radiator::emissivity);
  // Assumption: no loss of emissivity over life unless given (white paints and optical solar
  // reflectors mostly lose absorptivity, not emissivity).
  // Its range's top is the emissivity given.
  const Parameter& eol = radiator::emissivity_end_of_life;
  o.end_of_life_emissivity =
      s.quantity_in(eol.key, eol.dimension, Need::optional, eol.min_si, o.radiator.emissivity)
          .value_or(o.radiator.emissivity);
  o.radiator.solar_absorptivity = s.quantity(radiator::absorptivity);
  o.radiator.temperature_limit_k = s.quantity(radiator::temperature_limit);
  o.radiator.earth_view_factor = nadir_plate_earth_view_factor(o.orbit.altitude_m);
  o.thermal_mass_kg = s.quantity(radiator::thermal_mass);
  o.radiator.heat_capacity_j_per_k = o.thermal_mass_kg * 900; // aluminium, J/(kg K)
  o.craft.housekeeping_power_fraction = s.quantity(craft::housekeeping);
  o.craft.structure_bus_mass_fraction = s.quantity(craft::structure_fraction);
  o.craft.platform_cost_usd_per_w = s.quantity(craft::cost_per_watt);
  o.design_life_s = s.quantity(craft::design_life);
}

// What fails and what replaces it: failure_unit, replacement, spares.
void read_satellite_policy(MapReader& s, const std::string& what, Diagnostics& d, OrbitalSpec& o) {
  if (auto unit = s.string("failure_unit", Need::optional)) {
    if (*unit == "gpu")
      o.failure_unit = OrbitalSpec::FailureUnit::gpu;
    else if (*unit == "board")
      o.failure_unit = OrbitalSpec::FailureUnit::board;
    else
      d.error(s.peek("failure_unit"),
              what + " satellite: failure_unit must be gpu or board, got '" + *unit + "'");
  }
  if (auto policy = s.string("replacement", Need::optional)) {
    if (*policy == "none")
      o.replacement = ReplacementPolicy::none;
    else if (*policy == "at_end_of_life")
      o.replacement = ReplacementPolicy::at_end_of_life;
    else if (*policy == "spares")
      o.replacement = ReplacementPolicy::spares;
    else
      d.error(s.peek("replacement"), what +
                                         " satellite: replacement must be none, "
                                         "at_end_of_life or spares, got '" +
                                         *policy + "'");
  }
  if (auto spares = s.given(fleet_parameter::spares)) {
    if (o.replacement != ReplacementPolicy::spares)
      d.error(s.peek("spares"), what + " satellite: spares is the number of spare satellites "
                                       "of replacement: spares; give that policy, or drop it");
    o.spares = static_cast<int>(*spares);
  }
}

void read_links(const YAML::Node& node, const std::string& what, Diagnostics& d, OrbitalSpec& o) {
  MapReader l(node, what + " links", d);
  o.isl_bytes_per_s = l.quantity(link_parameter::isl_bandwidth);
  o.isl_latency_s = l.quantity(link_parameter::isl_latency);
  o.downlink_bytes_per_s = l.quantity(link_parameter::downlink_bandwidth);
  l.finish();
}

void read_ground_stations(const YAML::Node& node, const std::string& what, Diagnostics& d,
                          OrbitalSpec& o) {
  for (const auto& item : node) {
    MapReader g(item, what + " ground station", d);
    NamedGroundStation s;
    s.name = g.string("name", Need::required).value_or("?");
    s.station.latitude_rad = g.quantity(ground_station_parameter::latitude);
    s.station.longitude_rad = g.quantity(ground_station_parameter::longitude);
    s.station.min_elevation_rad = g.quantity(ground_station_parameter::min_elevation);
    g.finish();
    o.stations.push_back(s);
  }
}

void read_launch(const YAML::Node& node, const std::string& what, Diagnostics& d, OrbitalSpec& o) {
  MapReader l(node, what + " launch", d);
  o.launch.price_usd_per_kg = l.quantity(launch_parameter::price);
  o.launch.payload_kg = l.quantity(launch_parameter::payload);
  o.launch.interval_s = l.quantity(launch_parameter::interval);
  o.launch.first_launch_s = l.quantity(launch_parameter::first);
  o.launch.failure_probability = l.quantity(launch_parameter::failure_probability);
  l.finish();
}

void read_radiation(const YAML::Node& node, const std::string& what, Diagnostics& d,
                    OrbitalSpec& o) {
  MapReader rad(node, what + " radiation", d);
  o.radiation.dose_rate_gy_per_s = rad.quantity(radiation_environment_parameter::dose_rate);
  for (std::size_t e = 0; e < radiation_effect_count; ++e)
    o.radiation.dose_per_event_gy[e] = rad.quantity(radiation_parameter::table[e]);
  rad.finish();
}

} // namespace

void read_site_orbital(MapReader& r, const std::string& what, Diagnostics& d, OrbitalSpec& o) {
  if (YAML::Node node = r.mapping("orbit", Need::required); node.IsDefined())
    read_orbit(node, what, d, o);
  if (YAML::Node node = r.mapping("satellite", Need::required); node.IsDefined()) {
    MapReader s(node, what + " satellite", d);
    read_satellite_design(s, o);
    read_satellite_policy(s, what, d, o);
    s.finish();
  }
  if (YAML::Node node = r.mapping("links", Need::required); node.IsDefined())
    read_links(node, what, d, o);
  if (YAML::Node node = r.sequence("ground_stations", Need::optional); node.IsDefined())
    read_ground_stations(node, what, d, o);
  if (YAML::Node node = r.mapping("launch", Need::required); node.IsDefined())
    read_launch(node, what, d, o);
  if (YAML::Node node = r.mapping("radiation", Need::optional); node.IsDefined())
    read_radiation(node, what, d, o);
  else
    o.radiation.dose_rate_gy_per_s = 0;
}

void size_orbital_sites(Scenario& s, const YAML::Node& clusters, Diagnostics& d) {
  for (SiteSpec& site : s.sites) {
    if (site.kind != SiteKind::orbital) continue;
    std::vector<ClusterSpec*> mine;
    for (ClusterSpec& c : s.clusters)
      if (c.site == site.name) mine.push_back(&c);
    if (mine.size() != 1) {
      d.error(clusters, "orbital site '" + site.name +
                            "' must hold exactly one cluster (its "
                            "satellites); it has " +
                            std::to_string(mine.size()));
      continue;
    }
    ClusterSpec& c = *mine.front();
    if (c.system.gpus <= 0) continue; // unknown GPU, already reported
    OrbitalSpec& o = site.orbital;
    if (o.design_orbit.altitude_m <= 0) continue; // the orbit's errors are already reported
    site.satellites = c.satellites;
    o.craft.compute_units = c.gpus_per_satellite;
    o.craft.compute_unit_power_w = c.system.power_typical_w / c.system.gpus;
    o.craft.compute_unit_mass_kg = c.system.mass_kg / c.system.gpus;
    // The simulation's unit at an orbital site is what one failure takes out: a satellite flies
    // on with the rest of its GPUs.
    const int unit = o.failure_unit == OrbitalSpec::FailureUnit::gpu ? 1 : c.system.gpus;
    if (c.gpus_per_satellite % unit != 0)
      d.error(clusters, "cluster '" + c.name + "': " + std::to_string(c.gpus_per_satellite) +
                            " GPUs per satellite is not a whole number of boards of " +
                            std::to_string(unit) + " GPUs (failure_unit: board)");
    else
      c.gpus_per_host = unit;
    // Sized once for the design life, not for this run's dates (models/spacecraft.hpp).
    SizingConditions conditions = mission_sizing_conditions(
        o.design_orbit, o.design_life_s, o.array, o.radiator, o.end_of_life_emissivity);
    if (auto problems = validate(o.craft); !problems.empty()) {
      for (const auto& p : problems)
        d.error_unlocated("site '" + site.name + "' satellite: " + p);
      continue;
    }
    SatelliteBudget b = size_satellite(o.craft, conditions);
    // Given areas replace the sized ones (mass follows them).
    if (o.array_area_given) {
      b.array_mass_kg *= o.array.area_m2 / b.array_area_m2;
      b.array_power_bol_w *= o.array.area_m2 / b.array_area_m2;
      b.array_area_m2 = o.array.area_m2;
    } else {
      o.array.area_m2 = b.array_area_m2;
    }
    if (o.radiator_area_given) {
      b.radiator_mass_kg = o.radiator.area_m2 * o.craft.radiator_areal_mass_kg_per_m2;
      b.radiator_area_m2 = o.radiator.area_m2;
    } else if (std::isfinite(b.radiator_area_m2)) {
      o.radiator.area_m2 = b.radiator_area_m2;
    } else {
      d.error_unlocated(
          "site '" + site.name +
          "': no radiator area can reject the satellite's heat "
          "below its temperature limit in sunlight; raise the limit or the emissivity");
    }
    double payload = b.compute_mass_kg + b.array_mass_kg + b.battery_mass_kg + b.radiator_mass_kg;
    b.structure_bus_mass_kg =
        payload * o.craft.structure_bus_mass_fraction / (1 - o.craft.structure_bus_mass_fraction);
    b.total_mass_kg = payload + b.structure_bus_mass_kg;
    site.satellite = b;
    if (satellites_per_launch(o.launch, b.total_mass_kg) < 1)
      d.error_unlocated("site '" + site.name + "': a satellite of " +
                        std::to_string(static_cast<long long>(b.total_mass_kg)) +
                        " kg does not fit the launcher's payload");
  }
}

} // namespace capsim
