// `capsim step`: one training step of the analytical step model (models/training.hpp), for a
// given parallel configuration or the fastest one that fits (search over omitted degrees).
#pragma once

#include "models/training.hpp"

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

namespace capsim::cli {

// Registers the `step` subcommand on app. When it runs, it stores its exit code in exit_code
// (0 ok, 2 invalid input: unknown GPU, inconsistent degrees, bad flag; a configuration that
// does not fit memory is not an error: it is reported with fits=false, exit 0).
// lookup returns the hardware for a GPU name or throws
// std::invalid_argument("unknown GPU 'X'; known: ...").
void add_step_command(CLI::App& app, int& exit_code,
                      std::function<StepHardware(const std::string&)> lookup);

} // namespace capsim::cli
