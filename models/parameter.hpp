// A model's scenario parameter, declared once next to the model: its key, dimension, default and
// accepted range (SI), and what it means. The model's struct takes its default member initialiser
// from the declaration, the scenario loader reads the key with it (MapReader::quantity(param) in
// sim/scenario/yaml_reader.hpp: the range checked, the default when absent), and
// docs/parameters.md is rendered from the tables (sim/scenario/parameter_tables.cpp; a test fails
// when the page and a table disagree, tools/docs-update rewrites it).
//
// A declaration, in the model's header:
//   namespace solar_array_parameter {
//   inline constexpr Parameter cell_efficiency{.key = "cell_efficiency", .default_si = 0.30,
//                                              .min_si = 0.01, .max_si = 0.6,
//                                              .meaning = "share of sunlight turned into power"};
//   }
//   struct SolarArrayParams { double cell_efficiency =
//   solar_array_parameter::cell_efficiency.default_si; };
#pragma once

#include <span>
#include <string_view>

#include "models/units.hpp"

namespace capsim {

struct Parameter {
  std::string_view key; // the scenario key
  Dimension dimension = Dimension::dimensionless;
  double default_si = 0; // when the key is absent
  double min_si = 0;     // accepted range, SI
  double max_si = 0;
  std::string_view meaning;
  bool min_exclusive = false; // (min, max] rather than [min, max]
  bool whole = false;         // a whole number: read as an integer, written without a unit
  // When the default depends on other keys (a preset, a catalogue entry): how, shown by the docs
  // in place of default_si. The loader reads such a key with given() and, when it is absent,
  // keeps what the other keys set.
  std::string_view default_from = {};

  constexpr bool accepts(double value_si) const {
    const bool above = min_exclusive ? value_si > min_si : value_si >= min_si;
    return above && value_si <= max_si;
  }
};

// The parameters one scenario block reads, for the docs: where they go and which model owns them.
struct ParameterTable {
  std::string_view block; // the block in a scenario, e.g. "sites[] (kind: orbital) satellite"
  std::string_view model; // the header that declares them, e.g. "models/spacecraft.hpp"
  std::span<const Parameter> parameters;
};

} // namespace capsim
