#include "sim/scenario/finance_spec.hpp"

#include "sim/scenario/scenario.hpp"

namespace capsim {

void read_finance_section(MapReader& top, Diagnostics& diagnostics, Scenario& scenario) {
  YAML::Node node = top.mapping("finance", Need::optional);
  if (!node.IsDefined()) return;
  scenario.finance.present = true;
  diagnostics.error(node, "the finance block is not available in this version of capsim");
}

} // namespace capsim
