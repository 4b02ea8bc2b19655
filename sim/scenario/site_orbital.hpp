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

namespace capsim {

struct NamedGroundStation {
  std::string name;
  GroundStation station;
};

struct OrbitalSpec {
  CircularOrbit orbit;
  std::string orbit_text; // for the summary: "650 km sun-synchronous, LTAN 06:00"
  SolarArrayParams array; // area sized per satellite unless given
  bool array_area_given = false;
  SpacecraftParams craft; // compute fields filled from the cluster
  double battery_round_trip = 0.9;
  RadiatorParams radiator; // area sized unless given
  bool radiator_area_given = false;
  double thermal_mass_kg = 0; // aluminium-equivalent mass that the radiator loop heats
  double isl_bytes_per_s = 0;
  double isl_latency_s = 0;
  double downlink_bytes_per_s = 0;
  std::vector<NamedGroundStation> stations;
  LaunchParams launch;
  RadiationParams radiation;
  double design_life_s = 5 * 365.25 * 86400;
};

// Reads the orbital keys of a site mapping; `what` names the site in messages.
void read_site_orbital(MapReader& site_reader, const std::string& what, Diagnostics& diagnostics,
                       OrbitalSpec& orbital, double max_horizon_s);

struct Scenario;

// Once clusters are read: each orbital site holds exactly one cluster (its satellites); sizes one
// satellite for that cluster's GPUs (arrays for the design eclipse, battery, radiator, mass and
// cost; models/spacecraft.hpp) unless areas are given.
void size_orbital_sites(Scenario& scenario, const YAML::Node& clusters, Diagnostics& diagnostics);

} // namespace capsim
