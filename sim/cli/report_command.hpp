// `capsim report DIR`: DIR/report.html for a run or a sweep directory (sim/report/html_report.hpp).
#pragma once

#include <CLI/CLI.hpp>

namespace capsim::cli {

void add_report_command(CLI::App& app, int& exit_code);

} // namespace capsim::cli
