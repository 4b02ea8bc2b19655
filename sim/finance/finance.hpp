// Finance after the run: from what the fleet used and delivered (UsageRecord) and the
// scenario's contracts, the summary's `finance` object and any finance files in the output
// directory.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "sim/engine/usage.hpp"
#include "sim/scenario/scenario.hpp"

namespace capsim {

// Adds summary["finance"] (total_cost_usd, cost_per_eflop_usd, ...) and writes finance files
// into `dir` (atomically). Throws std::runtime_error on I/O failure.
void add_finance(const Scenario& scenario, const UsageRecord& usage, const std::string& dir,
                 nlohmann::ordered_json& summary);

} // namespace capsim
