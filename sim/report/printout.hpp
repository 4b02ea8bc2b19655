// The readable summary `capsim run` prints, made from summary.json alone (so that every number
// it shows is one a script can read there).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace capsim {

struct PrintoutOptions {
  bool verbose = false; // the engine's events, wall time and memory lines
};

std::string readable_summary(const nlohmann::ordered_json& summary, const PrintoutOptions& options);

// The three largest parts of a goodput_loss object, as "17.3% restarts; 3.4% ...".
std::string largest_losses(const nlohmann::ordered_json& loss, std::size_t count);

} // namespace capsim
