// The scenario's `finance:` block (lease contracts, purchase vehicle, site costs, solve).
#pragma once

#include "sim/scenario/yaml_reader.hpp"

namespace capsim {

struct Scenario;

struct FinanceSpec {
  bool present = false;
};

// Reads top-level `finance:` (if present) into scenario.finance; errors go to diagnostics.
void read_finance_section(MapReader& top, Diagnostics& diagnostics, Scenario& scenario);

} // namespace capsim
