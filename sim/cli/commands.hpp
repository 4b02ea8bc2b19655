// The capsim command line: thin wrappers that parse arguments, call one library function and
// print. Exit codes: 0 success, 2 invalid input (scenario, arguments), 1 internal error.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "sim/scenario/budget.hpp"

namespace capsim::cli {

inline constexpr int exit_ok = 0;
inline constexpr int exit_internal = 1;
inline constexpr int exit_input = 2;
inline constexpr int exit_interrupted = 130; // SIGINT, as shells report it

void add_run_command(CLI::App& app, int& exit_code);

// --max-events and --max-memory (run and sweep), and the budget they give.
void add_budget_options(CLI::App& command, double& max_events, std::string& max_memory);
WorkBudget budget_from_options(double max_events, const std::string& max_memory);
void add_validate_command(CLI::App& app, int& exit_code);
void add_catalog_command(CLI::App& app, int& exit_code);
void add_collective_command(CLI::App& app, int& exit_code);

} // namespace capsim::cli
