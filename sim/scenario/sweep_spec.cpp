#include "sim/scenario/sweep_spec.hpp"

#include "sim/scenario/scenario.hpp"

namespace capsim {

void read_sweep_sections(MapReader& top, Diagnostics& diagnostics, Scenario& scenario) {
  for (const char* key : {"sweep", "curves"}) {
    YAML::Node node = top.child(key, Need::optional);
    if (!node.IsDefined()) continue;
    scenario.sweep.present = true;
    diagnostics.error(node, std::string("the ") + key +
                                " block is not available in this version of capsim");
  }
}

} // namespace capsim
