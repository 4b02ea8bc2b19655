// Every model parameter table that a scenario block reads (models/parameter.hpp), and
// docs/parameters.md rendered from them. A test compares the page with the tables
// (tests/sim/test_parameter_docs.cpp); tools/docs-update rewrites it.
#pragma once

#include <span>
#include <string>

#include "models/parameter.hpp"

namespace capsim {

// In the order of the page: by scenario block, then by model.
std::span<const ParameterTable> parameter_tables();

// A value as the page writes it: a whole number plainly, otherwise as format_quantity does.
std::string parameter_value_text(const Parameter& parameter, double value_si);

// docs/parameters.md: one section per table (key, default, accepted range, meaning).
std::string render_parameter_docs();

} // namespace capsim
