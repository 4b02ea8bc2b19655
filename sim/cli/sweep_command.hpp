// `capsim sweep`, `capsim merge` and `capsim plot` (batch runs, shards, figures).
#pragma once

#include <CLI/CLI.hpp>

namespace capsim::cli {

void add_sweep_commands(CLI::App& app, int& exit_code);

} // namespace capsim::cli
