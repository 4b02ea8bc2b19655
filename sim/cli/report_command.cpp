#include "sim/cli/report_command.hpp"

#include <memory>

#include <fmt/format.h>

#include "sim/cli/commands.hpp"
#include "sim/report/html_report.hpp"

namespace capsim::cli {

void add_report_command(CLI::App& app, int& exit_code) {
  struct Options {
    std::string dir;
    std::string scenario;
    std::vector<std::string> sets;
  };
  auto options = std::make_shared<Options>();
  auto* report = app.add_subcommand(
      "report", "Write DIR/report.html: one self-contained page (charts, tables, no network "
                "access) for a run or a sweep directory");
  report->add_option("dir", options->dir, "A run or sweep output directory")->required();
  report->add_option("--scenario", options->scenario,
                     "The run's scenario file, for the inputs table (a run directory does not "
                     "hold it; capsim run --report passes it)");
  report
      ->add_option("--set", options->sets,
                   "The run's --set PATH=VALUE overrides, for the "
                   "inputs table")
      ->take_all();
  report->callback([options, &exit_code]() {
    std::string path = write_report(
        options->dir, ReportOptions{.scenario_file = options->scenario, .set_args = options->sets});
    fmt::print("{}\n", path);
    exit_code = exit_ok;
  });
}

} // namespace capsim::cli
