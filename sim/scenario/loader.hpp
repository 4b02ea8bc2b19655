// Scenario loader: YAML file + command-line overrides -> typed Scenario.
// Stage 1 (schema): every mapping read through MapReader, unknown keys rejected, quantities
// parsed with their units. Stage 2 (semantics): names unique, references resolve, counts fit.
// All problems of a file are collected and thrown together as one InputError.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "sim/scenario/catalog.hpp"
#include "sim/scenario/diagnostics.hpp"
#include "sim/scenario/scenario.hpp"

namespace capsim {

// Why `name` cannot be a scenario name (it makes the default output directory out/NAME): empty,
// "." or "..", a leading '.', a path separator, a control character, over 200 bytes; or
// nullopt. (Invalid UTF-8 is reported for every string of a scenario.)
std::optional<std::string> output_name_problem(const std::string& name);

// "a.b.c" -> {"a", "b", "c"} (override and sweep paths).
std::vector<std::string> split_path(const std::string& path);

// Parses "PATH=VALUE"; throws InputError for text without '='.
Override parse_override(const std::string& text);

// Applies overrides to a parsed document. PATH is dotted keys; in a list, an item is addressed
// by its `name` (sites.memphis.grid.capacity) or by its index. Missing mapping keys are created
// (so optional settings can be set); a missing list item is an error.
void apply_overrides(YAML::Node& root, const std::vector<Override>& overrides,
                     Diagnostics& diagnostics);

Scenario load_scenario(const std::string& path, const std::vector<Override>& overrides = {},
                       const Catalog& catalog = default_catalog());

// Same from text (tests, fuzzing); `file` names it in messages.
Scenario load_scenario_text(const std::string& text, const std::string& file,
                            const std::vector<Override>& overrides = {},
                            const Catalog& catalog = default_catalog());

} // namespace capsim
