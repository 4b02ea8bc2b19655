// Reading `kind: inference` jobs (sim/scenario/inference_spec.hpp) from a scenario's jobs list.
#pragma once

#include <optional>
#include <string>

#include <yaml-cpp/yaml.h>

#include "sim/scenario/diagnostics.hpp"
#include "sim/scenario/scenario.hpp"

namespace capsim {

// Whether a jobs list item says `kind: inference`.
bool is_inference_job(const YAML::Node& node);

// Reads one inference job (its cluster among s.clusters); errors go to `diagnostics`.
InferenceSpec read_inference_job(const YAML::Node& node, const Scenario& s,
                                 Diagnostics& diagnostics, std::optional<double> epoch_unix_s,
                                 double max_horizon_s);

} // namespace capsim
