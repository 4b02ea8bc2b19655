#include "sim/cli/commands.hpp"
#include <chrono>

#include <array>
#include <cmath>
#include <iostream>

#include <fmt/format.h>

#include "models/collective.hpp"
#include "models/units.hpp"
#include "sim/engine/collective_sim.hpp"
#include "sim/engine/engine_options.hpp"
#include "sim/report/html_report.hpp"
#include "sim/run/run.hpp"
#include "sim/scenario/budget.hpp"
#include "sim/scenario/loader.hpp"

namespace capsim::cli {

namespace {

std::vector<Override> parse_overrides(const std::vector<std::string>& texts) {
  std::vector<Override> overrides;
  for (const auto& text : texts)
    overrides.push_back(parse_override(text));
  return overrides;
}

} // namespace

void add_budget_options(CLI::App& command, double& max_events, std::string& max_memory) {
  command
      .add_option("--max-events", max_events,
                  "Refuse a run whose estimated events exceed N (default 1e8)")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            try {
              std::size_t used = 0;
              double n = std::stod(text, &used);
              if (used == text.size() && n >= 1 && std::isfinite(n)) return "";
            } catch (const std::exception&) {
            }
            return "expected a number of events of at least 1, e.g. 1e9";
          },
          "N"));
  command.add_option("--max-memory", max_memory,
                     "Refuse a run whose estimated memory exceeds SIZE, e.g. '64 GB' (default: "
                     "80% of this machine's memory)");
}

WorkBudget budget_from_options(double max_events, const std::string& max_memory) {
  WorkBudget budget;
  budget.max_events = max_events;
  if (!max_memory.empty()) budget.max_memory_bytes = parse_memory_option(max_memory);
  return budget;
}

namespace {

struct RunCommandOptions {
  std::string scenario;
  std::string output_dir;
  long long seed = -1;
  std::vector<std::string> sets;
  std::vector<std::string> engine_args;
  bool quiet = false;
  bool verbose = false;
  bool report = false;
  std::string summary_only;
  double max_events = 1e8;
  std::string max_memory;
};

void add_run_options(CLI::App& run, RunCommandOptions& options) {
  run.add_option("scenario", options.scenario, "Scenario YAML file")->required();
  run.add_option("-o,--output", options.output_dir,
                 "Output directory (default: out/<scenario name>)");
  run.add_option("--seed", options.seed, "Random seed (overrides the scenario's seed)")
      ->check(CLI::NonNegativeNumber);
  run.add_option("--set", options.sets,
                 "Override a value: PATH=VALUE, e.g. sites.memphis.grid.capacity=300MW")
      ->take_all();
  run.add_option("--engine", options.engine_args,
                 "Pass a SimGrid --cfg=... or --log=... argument to the engine");
  run.add_flag("-q,--quiet", options.quiet, "Do not print the readable summary");
  run.add_flag("-v,--verbose", options.verbose,
               "Also print the engine's events, wall time and memory");
  auto* report_flag =
      run.add_flag("--report", options.report,
                   "Also write DIR/report.html (as capsim report DIR, with the scenario's inputs)");
  run.add_option("--summary-only", options.summary_only,
                 "Write only the summary, as summary.json's JSON into FILE (atomically; '-': "
                 "to stdout, and nothing else there): no output directory, time series, event "
                 "log or finance files. What a sweep's runs do when it keeps only their results")
      ->excludes("-o")
      ->excludes(report_flag)
      ->option_text("FILE");
  add_budget_options(run, options.max_events, options.max_memory);
}

// Load, check the budget, simulate, then the report and where the outputs are.
void run_command(const RunCommandOptions& options, int& exit_code) {
  auto load_start = std::chrono::steady_clock::now();
  check_engine_args(options.engine_args);
  Scenario scenario = load_scenario(options.scenario, parse_overrides(options.sets));
  if (options.seed >= 0) scenario.seed = static_cast<std::uint64_t>(options.seed);
  check_budget(scenario, budget_from_options(options.max_events, options.max_memory));
  RunOptions run_options;
  run_options.load_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();
  run_options.output_dir = options.output_dir.empty() ? "out/" + scenario.name : options.output_dir;
  run_options.quiet = options.quiet || options.summary_only == "-";
  run_options.verbose = options.verbose;
  run_options.engine_args = options.engine_args;
  run_options.summary_only = options.summary_only;
  RunReport report = run_simulation(scenario, run_options);
  if (options.report) {
    std::string page = write_report(run_options.output_dir,
                                    {.scenario_file = options.scenario, .set_args = options.sets});
    if (!options.quiet) fmt::print("  report {}\n", page);
  }
  if (!run_options.quiet)
    fmt::print("  {} {}\n", options.summary_only.empty() ? "outputs in" : "summary in",
               options.summary_only.empty() ? run_options.output_dir + "/" : options.summary_only);
  exit_code = exit_ok;
  if (report.interrupted) {
    std::cerr << fmt::format("capsim run: interrupted at simulated time {:.6g} s ({:.4g} d); "
                             "outputs cover the run up to there\n",
                             report.end_s, report.end_s / 86400);
    exit_code = exit_interrupted;
  }
}

} // namespace

void add_run_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<RunCommandOptions>();
  auto* run = app.add_subcommand("run", "Run one simulation and write summary.json, "
                                        "timeseries.csv and events.csv");
  add_run_options(*run, *options);
  run->callback([options, &exit_code]() { run_command(*options, exit_code); });
}

void add_validate_command(CLI::App& app, int& exit_code) {
  struct Options {
    std::vector<std::string> files;
    std::vector<std::string> sets;
  };
  auto options = std::make_shared<Options>();
  auto* validate = app.add_subcommand("validate", "Check scenarios; report every error with "
                                                  "FILE:LINE:COL");
  validate->add_option("scenarios", options->files, "Scenario YAML files")->required();
  validate->add_option("--set", options->sets, "Override a value: PATH=VALUE")->take_all();
  validate->callback([options, &exit_code]() {
    exit_code = exit_ok;
    for (const auto& file : options->files) {
      try {
        Scenario s = load_scenario(file, parse_overrides(options->sets));
        fmt::print("{}: ok ({} sites, {} clusters, {} jobs, horizon {})\n", file, s.sites.size(),
                   s.clusters.size(), s.jobs.size(), format_quantity(s.horizon_s, Dimension::time));
      } catch (const InputError& e) {
        std::cerr << e.what() << '\n';
        exit_code = exit_input;
      }
    }
  });
}

void add_collective_command(CLI::App& app, int& exit_code) {
  auto run = std::make_shared<CollectiveRun>();
  auto texts = std::make_shared<std::array<std::string, 3>>(
      std::array<std::string, 3>{"1 GB", "1.6 Tbit/s", "10 us"});
  auto* cmd = app.add_subcommand(
      "collective", "Simulate one ring all-reduce as SimGrid communications on a ring of links and "
                    "compare it with the analytic time");
  cmd->add_option("--nodes", run->nodes, "Ring members")->check(CLI::Range(2, 4096));
  cmd->add_option("--bytes", (*texts)[0], "Message size, e.g. '140 GB'");
  cmd->add_option("--bandwidth", (*texts)[1], "Link bandwidth, e.g. '1.6 Tbit/s'");
  cmd->add_option("--latency", (*texts)[2], "Link latency, e.g. '10 us'");
  cmd->add_option("--stride", run->stride,
                  "Member i sends to i + stride: each link then carries `stride` flows")
      ->check(CLI::Range(1, 2048));
  cmd->add_flag("--tcp-model", run->tcp_model,
                "Use SimGrid's LV08 model (the simulator's) instead of plain max-min CM02");
  cmd->callback([run, texts, &exit_code]() {
    try {
      run->bytes = parse_quantity((*texts)[0], Dimension::data);
      run->link_bytes_per_s = parse_quantity((*texts)[1], Dimension::data_rate);
      run->link_latency_s = parse_quantity((*texts)[2], Dimension::time);
    } catch (const UnitError& e) {
      std::cerr << "capsim collective: error: " << e.what() << '\n';
      exit_code = exit_input;
      return;
    }
    if (2 * run->stride >= run->nodes && run->stride > 1) {
      std::cerr << "capsim collective: error: --stride must be below half of --nodes\n";
      exit_code = exit_input;
      return;
    }
    double simulated = run_ring_allreduce_platform(*run);
    double analytic =
        ring_all_reduce_time_s(CollectiveParams{.nodes = static_cast<int>(run->nodes),
                                                .bytes = run->bytes,
                                                .link_bandwidth_bytes_per_s = run->link_bytes_per_s,
                                                .link_latency_s = run->link_latency_s});
    fmt::print("simulated_s {:.9g}\nanalytic_uncontended_s {:.9g}\nratio {:.6f}\n", simulated,
               analytic, simulated / analytic);
    exit_code = exit_ok;
  });
}

void add_catalog_command(CLI::App& app, int& exit_code) {
  auto what = std::make_shared<std::string>("gpus");
  auto* catalog = app.add_subcommand("catalog", "List what the catalogues hold");
  catalog->add_option("what", *what, "gpus or systems")->check(CLI::IsMember({"gpus", "systems"}));
  catalog->callback([what, &exit_code]() {
    const Catalog& c = default_catalog();
    if (*what == "gpus") {
      fmt::print("{:<8} {:>6} {:>12} {:>11} {:>7} {:>9} {:>10} {:>6} {:>10}  {}\n", "name", "TDP W",
                 "BF16 TFLOP/s", "FP8 TFLOP/s", "HBM GB", "HBM TB/s", "NVLink GB/s", "domain",
                 "price USD", "power-cap points (cap:perf)");
      for (const auto& entry : c.gpus) {
        const GpuSpec& g = entry.spec;
        std::string curve;
        for (const auto& p : g.power_cap.points)
          curve += fmt::format("{}{:.2f}:{:.3f}{}", curve.empty() ? "" : " ", p.cap_fraction,
                               p.perf_fraction, p.measured ? "*" : "");
        fmt::print(
            "{:<8} {:>6.0f} {:>12.0f} {:>11.0f} {:>7.0f} {:>9.2f} {:>10.0f} {:>6} {:>10.0f}  {}\n",
            g.name, g.tdp_w, g.bf16_dense_flops / 1e12, g.fp8_dense_flops / 1e12, g.hbm_bytes / 1e9,
            g.hbm_bytes_per_s / 1e12, g.nvlink_bytes_per_s / 1e9, g.nvlink_domain, g.price_usd,
            curve);
      }
      fmt::print("(* = published measurement; others from the catalogue's shape model)\n");
    } else {
      fmt::print("{:<12} {:<6} {:>5} {:>9} {:>11} {:>9} {:>8} {:>11} {:>14} {:>14} {:>13}\n",
                 "name", "gpu", "gpus", "max kW", "typical kW", "idle kW", "mass kg", "price USD",
                 "NIC Gbit/s/GPU", "host GB/s/GPU", "host GB/GPU");
      // Host link (one direction) and host memory per GPU: "-" when the catalogue gives none.
      auto or_dash = [](double value) {
        return value > 0 ? fmt::format("{:.0f}", value) : std::string("-");
      };
      for (const auto& s : c.systems)
        fmt::print(
            "{:<12} {:<6} {:>5} {:>9.1f} {:>11.1f} {:>9.1f} {:>8.0f} {:>11.0f} {:>14.0f} {:>14} "
            "{:>13}\n",
            s.name, s.gpu, s.gpus, s.power_max_w / 1e3, s.power_typical_w / 1e3,
            s.power_idle_w / 1e3, s.mass_kg, s.price_usd, s.scale_out_bytes_per_s_per_gpu * 8 / 1e9,
            or_dash(s.host_link_bytes_per_s_per_gpu / 1e9),
            or_dash(s.host_memory_bytes_per_gpu / 1e9));
    }
    fmt::print("source: {}\n", c.file);
    exit_code = exit_ok;
  });
}

} // namespace capsim::cli
