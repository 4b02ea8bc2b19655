// The scenario's `sweep:` and `curves:` blocks (batch runs). `capsim run` ignores them once
// they are valid; `capsim sweep` expands them.
#pragma once

#include "sim/scenario/yaml_reader.hpp"

namespace capsim {

struct Scenario;

struct SweepSpec {
  bool present = false;
};

// Reads top-level `sweep:` and `curves:` (if present) into scenario.sweep.
void read_sweep_sections(MapReader& top, Diagnostics& diagnostics, Scenario& scenario);

} // namespace capsim
