#include "sim/run/run.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "sim/engine/simulation.hpp"
#include "sim/engine/summary.hpp"
#include "sim/engine/world.hpp"
#include "sim/finance/finance.hpp"
#include "sim/report/atomic_file.hpp"
#include "sim/report/output_set.hpp"
#include "sim/report/printout.hpp"

namespace capsim {

namespace {

using json = nlohmann::ordered_json;

volatile std::sig_atomic_t interrupt_requested = 0;
bool exit_when_written = false; // exit_when_outputs_written()

void on_sigint(int) {
  interrupt_requested = 1;
}

// summary.json: the run's identity, the world's account, the finance, the engine's measures.
json summarise(const Scenario& scenario, Simulation& simulation, const std::string& dir,
               const std::string& run_id) {
  json out;
  out["scenario"] = scenario.name;
  out["seed"] = scenario.seed;
  out["horizon_s"] = scenario.horizon_s;
  out["capsim_version"] = CAPSIM_VERSION;
  out["run_id"] = run_id; // shared with the set's manifest.json
  add_world_summary(out, scenario, simulation.world(), simulation.end_s());
  add_finance(scenario, simulation.usage(), dir, out);
  if (out.contains("inference") && out["finance"].contains("inference"))
    for (std::size_t i = 0; i < out["inference"].size(); ++i) {
      out["inference"][i]["cost_usd"] = out["finance"]["inference"][i]["cost_usd"];
      out["inference"][i]["cost_per_million_tokens_usd"] =
          out["finance"]["inference"][i]["cost_per_million_tokens_usd"];
    }
  return out;
}

// Into the output set's directory, to a file, or to stdout ("-"): the summary only.
void write_summary(const json& summary, std::optional<OutputSet>& outputs, const std::string& dir,
                   const RunOptions& options) {
  const std::string text = summary.dump(2) + "\n";
  if (outputs) {
    write_file_atomically(dir + "summary.json", text);
    outputs->publish();
  } else if (options.summary_only == "-") {
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0)
      throw OutputError(std::string("cannot write the summary to stdout: ") + std::strerror(errno));
  } else {
    write_file_atomically(options.summary_only, text);
  }
}

} // namespace

void exit_when_outputs_written(bool on) {
  exit_when_written = on;
}

RunReport run_simulation(const Scenario& scenario, const RunOptions& options) {
  auto wall_start = std::chrono::steady_clock::now();
  // SIGINT stops the run at the next output row; everything up to there is written as usual.
  // Installed first, so that an interrupt while the platform is being built stops the run at
  // its first row rather than killing it; and again once the engine exists, since SimGrid's
  // constructor installs its own handler (which exits with status 1).
  interrupt_requested = 0;
  struct SigintGuard {
    void (*previous)(int);
    ~SigintGuard() { std::signal(SIGINT, previous); }
  } sigint_guard{std::signal(SIGINT, on_sigint)};
  // The set is written into a staging directory and published whole at the end.
  std::optional<OutputSet> outputs;
  if (options.summary_only.empty()) outputs.emplace(options.output_dir);
  // Where the set's files go; "" when only the summary is written (no other file).
  const std::string dir = outputs ? outputs->staging() + "/" : std::string();
  const std::string run_id = outputs ? outputs->run_id() : new_run_id();

  Simulation simulation(scenario, {.engine_args = options.engine_args,
                                   .dir = dir,
                                   .progress = !options.quiet,
                                   .sigint_handler = on_sigint,
                                   .stop = &interrupt_requested,
                                   .started = wall_start});
  const double end_s = simulation.run();
  double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  json summary = summarise(scenario, simulation, dir, run_id);
  simulation.commit();
  summary["engine"] = simulation.engine_summary(wall_s, options.load_s);
  if (end_s < scenario.horizon_s) summary["interrupted_at_s"] = end_s;
  write_summary(summary, outputs, dir, options);

  RunReport report;
  report.interrupted = end_s < scenario.horizon_s;
  report.end_s = end_s;
  if (!options.quiet) report.summary_text = readable_summary(summary, {.verbose = options.verbose});
  report.wall_s = wall_s;
  report.events = simulation.world().events();
  if (!options.quiet) fmt::print("{}", report.summary_text);
#if !defined(__SANITIZE_ADDRESS__)
  if (exit_when_written && !report.interrupted) {
    outputs.reset(); // releases the directory's lock and removes its file
    std::fflush(nullptr);
    ::_exit(0);
  }
#endif
  return report;
}

} // namespace capsim
