// The summary's account of the simulated world at the end of a run (summary.json's "sites",
// "clusters", "jobs" and "inference"; docs/output-contract.md).
#pragma once

#include <nlohmann/json_fwd.hpp>

namespace capsim {

struct Scenario;
class World;

// Adds them to `out`; covered_s: the simulated time the outputs cover (the horizon, or the time
// of an interrupt).
void add_world_summary(nlohmann::ordered_json& out, const Scenario& scenario, World& world,
                       double covered_s);

} // namespace capsim
