// `capsim serve`: one inference replica's throughput and latency at a load (models/serving.hpp),
// or, with --search, the cheapest layout that meets TTFT and TPOT targets at a demand.
#pragma once

#include <CLI/CLI.hpp>

namespace capsim::cli {

// Registers the `serve` subcommand. Its exit code goes to exit_code: 0 ok; 2 invalid input
// (unknown GPU or model, inconsistent layout, a model that does not fit, no layout meeting the
// targets).
void add_serve_command(CLI::App& app, int& exit_code);

} // namespace capsim::cli
