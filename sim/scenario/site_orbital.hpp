// The keys of an orbital site: orbit, satellite design (arrays, battery, radiator, mass, cost),
// links (inter-satellite, downlink), ground stations, launch and radiation.
#pragma once

#include <string>
#include <vector>

#include "models/battery.hpp"
#include "models/orbit.hpp"
#include "models/radiation.hpp"
#include "models/radiator.hpp"
#include "models/solar_array.hpp"
#include "models/spacecraft.hpp"
#include "sim/scenario/yaml_reader.hpp"

#include "models/units.hpp"

namespace capsim {

struct NamedGroundStation {
  std::string name;
  GroundStation station;
};

// An orbital site's link parameters (its `links:` block; `isl_bandwidth` and
// `downlink_bandwidth` are required).
namespace link_parameter {
inline constexpr Parameter isl_bandwidth{.key = "isl_bandwidth",
                                         .dimension = Dimension::data_rate,
                                         .default_si = 2e11,
                                         .min_si = 1e3,
                                         .max_si = 1e15,
                                         .meaning = "inter-satellite link bandwidth",
                                         .min_exclusive = true,
                                         .required = true};
inline constexpr Parameter downlink_bandwidth{.key = "downlink_bandwidth",
                                              .dimension = Dimension::data_rate,
                                              .default_si = 2.5e10,
                                              .min_si = 1e3,
                                              .max_si = 1e15,
                                              .meaning = "bandwidth of a satellite's link to a "
                                                         "ground station",
                                              .min_exclusive = true,
                                              .required = true};
inline constexpr Parameter isl_latency{
    .key = "isl_latency",
    .dimension = Dimension::time,
    .default_si = 1e-5,
    .min_si = 0,
    .max_si = 1,
    .meaning = "latency of the inter-satellite links between the cluster's satellites"};
inline constexpr Parameter table[] = {isl_bandwidth, isl_latency, downlink_bandwidth};
} // namespace link_parameter

struct OrbitalSpec {
  CircularOrbit orbit;
  DesignOrbit design_orbit; // the orbit without dates: what the satellite is designed for
  std::string orbit_text;   // for the summary: "650 km sun-synchronous, LTAN 06:00"
  SolarArrayParams array;   // area sized per satellite unless given
  bool array_area_given = false;
  SpacecraftParams craft; // compute fields filled from the cluster
  double battery_round_trip = spacecraft_parameter::round_trip_efficiency.default_si;
  RadiatorParams radiator; // area sized unless given; emissivity at beginning of life
  // The radiator is sized with it.
  double end_of_life_emissivity = radiator_parameter::emissivity_end_of_life.default_si;
  bool radiator_area_given = false;
  // Aluminium-equivalent mass that the radiator loop heats.
  double thermal_mass_kg = radiator_parameter::thermal_mass.default_si;
  double isl_bytes_per_s = 0;
  double isl_latency_s = link_parameter::isl_latency.default_si;
  double downlink_bytes_per_s = 0;
  std::vector<NamedGroundStation> stations;
  LaunchParams launch;
  RadiationParams radiation;
  double design_life_s = spacecraft_parameter::design_life.default_si;
  // What one permanent failure takes out: one GPU, or the board (the system's GPUs) it sits on.
  enum class FailureUnit { gpu, board } failure_unit = FailureUnit::board;
  ReplacementPolicy replacement = ReplacementPolicy::none;
  int spares = 0; // replacement: spares: spare satellites flown beyond the cluster's satellites
};

// Reads the orbital keys of a site mapping; `what` names the site in messages.
void read_site_orbital(MapReader& site_reader, const std::string& what, Diagnostics& diagnostics,
                       OrbitalSpec& orbital);

struct Scenario;

// Once clusters are read: each orbital site holds exactly one cluster (its satellites); sizes one
// satellite for that cluster's GPUs over its design life (the worst eclipse of a year of beta
// angles, arrays at end of life, radiator at end-of-life emissivity; models/spacecraft.hpp), the
// same whatever the run's start and horizon, unless areas are given.
void size_orbital_sites(Scenario& scenario, const YAML::Node& clusters, Diagnostics& diagnostics);

} // namespace capsim
