// capsim: parse the command line, run one subcommand, map failures to exit codes.
#include <iostream>

#include <CLI/CLI.hpp>

#include "sim/batch/launcher.hpp"
#include "sim/cli/commands.hpp"
#include "sim/cli/report_command.hpp"
#include "sim/cli/serve_command.hpp"
#include "sim/cli/step_command.hpp"
#include "sim/cli/sweep_command.hpp"
#include "sim/cli/version.hpp"
#include "sim/report/atomic_file.hpp"
#include "sim/report/progress.hpp"
#include "sim/scenario/catalog.hpp"
#include "sim/scenario/diagnostics.hpp"

namespace {

// capsim's whole command line, or with `only_run` only `capsim run` (what a sweep's forked run
// calls, sim/batch/launcher.hpp: building the other commands' options would cost each run about
// a millisecond for nothing).
int capsim_main(int argc, char** argv, bool only_run) {
  using namespace capsim::cli;
  CLI::App app{"capsim: discrete-event capacity simulator for AI compute", "capsim"};
  app.require_subcommand(1);
  app.set_version_flag(
      "--version", [] { return version_text(); },
      "capsim's version and git commit, SimGrid's version, MPI, catalogues");
  int exit_code = exit_ok;
  add_run_command(app, exit_code);
  if (!only_run) {
    add_validate_command(app, exit_code);
    add_catalog_command(app, exit_code);
    add_collective_command(app, exit_code);
    add_step_command(app, exit_code, capsim::step_hardware_from_catalog);
    add_serve_command(app, exit_code);
    add_sweep_commands(app, exit_code);
    add_report_command(app, exit_code);
  }
  for (CLI::App* command : app.get_subcommands(
           [](const CLI::App* c) { return c->get_name() == "run" || c->get_name() == "sweep"; }))
    command
        ->add_option_function<double>(
            "--progress-every", [](double s) { capsim::set_progress_every(s); },
            "Seconds between plain progress lines on stderr (simulated time or runs, rate, "
            "ETA); default 60 when stderr is not a terminal, 0: none")
        ->check(CLI::NonNegativeNumber);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? exit_ok : exit_input;
  } catch (const capsim::InputError& e) {
    std::cerr << e.what() << '\n';
    return exit_input;
  } catch (const capsim::OutputError& e) {
    // A full disk, an I/O error: nothing was published, the previous outputs are intact.
    std::cerr << "capsim: error: " << e.what() << '\n';
    return exit_internal;
  } catch (const std::exception& e) {
    std::cerr << "capsim: internal error: " << e.what() << '\n';
    return exit_internal;
  }
  return exit_code;
}

} // namespace

int main(int argc, char** argv) {
  capsim::set_in_process_main([](int argc, char** argv) { return capsim_main(argc, argv, true); });
  return capsim_main(argc, argv, false);
}
