#include "sim/cli/sweep_command.hpp"

#include <algorithm>
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "sim/batch/curves.hpp"
#include "sim/batch/launcher.hpp"
#include "sim/batch/plan.hpp"
#include "sim/batch/sweep.hpp"
#include "sim/cli/commands.hpp"
#include "sim/report/html_report.hpp"
#include "sim/report/plot.hpp"
#include "sim/scenario/diagnostics.hpp"
#include "sim/scenario/loader.hpp"

namespace capsim::cli {

namespace {

std::pair<std::size_t, std::size_t> parse_shard(const std::string& text) {
  auto slash = text.find('/');
  try {
    if (slash != std::string::npos) {
      std::size_t used = 0;
      long long index = std::stoll(text.substr(0, slash), &used);
      bool ok = used == slash;
      std::string rest = text.substr(slash + 1);
      long long count = std::stoll(rest, &used);
      ok = ok && used == rest.size();
      if (ok && count >= 1 && index >= 0 && index < count)
        return {static_cast<std::size_t>(index), static_cast<std::size_t>(count)};
    }
  } catch (const std::exception&) {
  }
  fail_input("--shard " + text, "expected I/N with 0 <= I < N, e.g. --shard 3/16");
}

// --axis PATH=[v1, v2] or PATH={from: 2 MW, to: 8 MW, steps: 4, scale: log}: the same as an
// entry of the scenario's sweep.axes.
void add_command_line_axis(const std::string& text, const YAML::Node& document, Scenario& s) {
  Override o = parse_override(text);
  std::string where = "--axis " + o.path;
  YAML::Node value;
  try {
    value = YAML::Load(o.value);
  } catch (const YAML::ParserException& e) {
    fail_input(where, "cannot parse '" + o.value + "': " + e.msg);
  }
  YAML::Node axis(YAML::NodeType::Map);
  axis["path"] = o.path;
  if (value.IsSequence()) {
    axis["values"] = value;
  } else if (value.IsMap()) {
    for (const auto& entry : value)
      axis[entry.first.Scalar()] = entry.second;
  } else {
    fail_input(where, "expected a list of values, e.g. '[0.35, 0.40]', or a range, e.g. "
                      "'{from: 2 MW, to: 8 MW, steps: 4}'");
  }
  Diagnostics d(where);
  auto factor = read_sweep_factor(axis, d);
  d.throw_if_any();
  if (auto problem = check_axis_path(document, o.path, factor->axes.front().values.front(), s.file))
    fail_input(where, *problem);
  SweepSpec& spec = s.sweep;
  spec.present = true;
  auto same = std::find_if(spec.factors.begin(), spec.factors.end(), [&](const SweepFactor& f) {
    return f.axes.size() == 1 && f.axes.front().path == o.path;
  });
  if (same != spec.factors.end()) {
    *same = *factor; // the command line replaces the scenario's axis
  } else if (spec.sweeps(o.path)) {
    fail_input(where, "this path is swept in a zip group or by samples in the scenario");
  } else {
    spec.factors.push_back(*factor);
  }
}

// --curve x=PATH,y=METRIC[,group=PATH][,name=NAME][,title=TEXT]: a curve as in the scenario's
// `curves:` block, checked the same way; its name defaults to METRIC-vs-PATH's last parts.
void add_command_line_curve(const std::string& text, Scenario& s) {
  std::string where = "--curve " + text;
  YAML::Node curve(YAML::NodeType::Map);
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      fail_input(where, "expected KEY=VALUE items separated by commas, e.g. "
                        "--curve x=sites.plant.grid.capacity,y=jobs.pretrain.goodput_fraction");
    std::string key = item.substr(0, eq);
    if (key != "x" && key != "y" && key != "group" && key != "name" && key != "title")
      fail_input(where, "unknown key '" + key + "' (x, y, group, name, title)");
    if (curve[key]) fail_input(where, "'" + key + "' is given twice");
    curve[key] = item.substr(eq + 1);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (!curve["x"] || !curve["y"]) fail_input(where, "x=PATH and y=METRIC are required");
  if (!curve["name"]) {
    auto last = [](const std::string& path) { return path.substr(path.rfind('.') + 1); };
    std::string name = last(curve["y"].Scalar()) + "-vs-" + last(curve["x"].Scalar());
    for (char& c : name)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '-';
    std::string unique = name;
    for (int n = 2; std::any_of(s.sweep.curves.begin(), s.sweep.curves.end(),
                                [&](const CurveSpec& c) { return c.name == unique; });
         ++n)
      unique = name + "-" + std::to_string(n);
    curve["name"] = unique;
  }
  std::string name = curve["name"].Scalar();
  if (std::any_of(s.sweep.curves.begin(), s.sweep.curves.end(),
                  [&](const CurveSpec& c) { return c.name == name; }))
    fail_input(where, "a curve named '" + name + "' already exists");
  YAML::Node list(YAML::NodeType::Sequence);
  list.push_back(curve);
  Diagnostics d(where);
  std::vector<CurveSpec> added;
  read_extra_curves(list, s, d, added);
  if (!d.ok()) {
    std::string messages;
    for (const auto& diagnostic : d.list())
      messages += (messages.empty() ? "" : "; ") + diagnostic.message;
    fail_input(where, messages);
  }
  s.sweep.curves.insert(s.sweep.curves.end(), added.begin(), added.end());
}

// A count option's check, with a human message instead of CLI11's range.
CLI::Validator positive_count(const std::string& what, long long max_value = 1'000'000) {
  return CLI::Validator(
      [what, max_value](std::string& text) -> std::string {
        try {
          std::size_t used = 0;
          long long n = std::stoll(text, &used);
          if (used == text.size() && n >= 1 && n <= max_value) return "";
        } catch (const std::exception&) {
        }
        return fmt::format("expected a whole number of {} from 1 to {}, got '{}'", what, max_value,
                           text);
      },
      "N");
}

// Curves need numeric x values: checked before any run starts.
void check_curve_axes(const SweepPlan& plan, const Scenario& s) {
  Diagnostics d(s.file);
  for (const auto& c : plan.curves) {
    if (c.x == "time") continue;
    auto a = std::find(plan.axes.begin(), plan.axes.end(), c.x) - plan.axes.begin();
    for (const auto& p : plan.points)
      if (!parse_any_quantity(p[a])) {
        d.error_at(c.line, c.column,
                   fmt::format("curve '{}': x value '{}' of '{}' is not a number or quantity",
                               c.name, p[a], c.x));
        break;
      }
  }
  d.throw_if_any();
}

void print_break_evens(const std::vector<BreakEven>& found) {
  for (const auto& b : found)
    fmt::print("  break-even in curve {}: '{}' and '{}' cross at x = {:.6g}, y = {:.6g}{}\n",
               b.curve, b.line_a, b.line_b, b.x, b.y,
               b.higher_before.empty() ? "" : " ('" + b.higher_before + "' higher before)");
}

struct SweepCommandOptions {
  std::string scenario;
  std::string output_dir;
  std::size_t jobs = 0;
  std::string shard;
  bool resume = false;
  bool quiet = false;
  bool keep_runs = false;
  std::vector<std::string> sets;
  std::vector<std::string> axes;
  int replications = 0;
  std::string timeout;
  bool retry_failed = false;
  double max_events = 1e8;
  std::string max_memory;
  bool report = false;
  std::vector<std::string> curves;
};

// Where and how the runs go: directory, workers, shard, resume, budget, progress, kept outputs.
void add_execution_options(CLI::App& sweep, SweepCommandOptions& options) {
  sweep.add_option("-o,--output", options.output_dir,
                   "Output directory (default: out/<scenario name>-sweep)");
  sweep
      .add_option("-j,--jobs", options.jobs,
                  "Runs at once (default: the CPUs this process may use: affinity mask, "
                  "SLURM_CPUS_PER_TASK; under MPI, per rank)")
      ->check(positive_count("runs at once"));
  sweep.add_option("--shard", options.shard,
                   "Run only shard I of N (0 <= I < N) into DIR/shard-I-of-N/; join with "
                   "capsim merge DIR");
  sweep.add_flag("--resume", options.resume,
                 "Keep the runs already in DIR/results.csv and run the rest");
  sweep.add_flag("--retry-failed", options.retry_failed,
                 "With --resume (implied): run again the rows of DIR/results.csv that failed");
  add_budget_options(sweep, options.max_events, options.max_memory);
  sweep.add_flag("-q,--quiet", options.quiet, "No progress bar and no summary");
  sweep.add_flag("--keep-runs", options.keep_runs,
                 "Keep every run's outputs in DIR/runs/ (default: only failed runs')");
}

// What is swept and reported beyond the scenario's sweep: block: overrides, axes,
// replications, the report, curves, the time limit.
void add_sweep_content_options(CLI::App& sweep, SweepCommandOptions& options) {
  sweep.add_option("--set", options.sets, "Override a value of every run: PATH=VALUE")->take_all();
  sweep
      .add_option("--axis", options.axes,
                  "Sweep a path: PATH=[v1, v2, ...] or PATH={from: A, to: B, steps: N, "
                  "scale: linear|log}; replaces the scenario's axis of the same path")
      ->take_all();
  sweep
      .add_option("--replications", options.replications,
                  "Monte Carlo runs per point (overrides sweep.replications)")
      ->check(positive_count("replications", 100000));
  sweep.add_flag(
      "--report", options.report,
      "Also write DIR/report.html (as capsim report DIR; after capsim merge for shards)");
  sweep
      .add_option("--curve", options.curves,
                  "Add a curve: x=PATH,y=METRIC[,group=PATH][,name=NAME][,title=TEXT] (x a swept "
                  "path or time; y a results.csv column)")
      ->take_all();
  sweep.add_option("--timeout", options.timeout,
                   "Time limit per run, e.g. '10 min' (overrides sweep.timeout)");
}

// The scenario with the command line's overrides, axes, replications, time limit and curves.
Scenario sweep_scenario(const SweepCommandOptions& options) {
  std::vector<Override> overrides;
  for (const auto& text : options.sets)
    overrides.push_back(parse_override(text));
  Scenario s = load_scenario(options.scenario, overrides);
  if (!options.axes.empty()) {
    YAML::Node document = YAML::LoadFile(options.scenario);
    Diagnostics d(options.scenario);
    apply_overrides(document, overrides, d);
    for (const auto& axis : options.axes)
      add_command_line_axis(axis, document, s);
  }
  if (options.replications > 0) {
    s.sweep.replications = options.replications;
    s.sweep.present = true; // alone: Monte Carlo replications of the scenario as it is
  }
  if (!options.timeout.empty()) {
    try {
      s.sweep.timeout_s = parse_quantity(options.timeout, Dimension::time);
    } catch (const UnitError& e) {
      fail_input("--timeout " + options.timeout, e.what());
    }
  }
  for (const auto& curve : options.curves)
    add_command_line_curve(curve, s);
  if (!s.sweep.present)
    fail_input(options.scenario, "nothing to sweep: the scenario has no sweep: block and no "
                                 "--axis or --replications was given");
  return s;
}

SweepOptions sweep_options(const SweepCommandOptions& options, const Scenario& s,
                           const WorkBudget& budget) {
  SweepOptions run;
  run.output_dir = options.output_dir.empty() ? "out/" + s.name + "-sweep" : options.output_dir;
  run.jobs = options.jobs > 0 ? options.jobs : default_jobs();
  if (!options.shard.empty())
    std::tie(run.shard_index, run.shard_count) = parse_shard(options.shard);
  run.resume = options.resume;
  run.quiet = options.quiet;
  run.keep_runs = options.keep_runs;
  run.retry_failed = options.retry_failed;
  if (options.retry_failed) run.resume = true;
  run.run_args = {"--max-events", fmt::format("{}", budget.max_events)};
  if (!options.max_memory.empty())
    run.run_args.insert(run.run_args.end(), {"--max-memory", options.max_memory});
  return run;
}

void print_sweep_outcome(const SweepPlan& plan, const SweepOptions& run,
                         const SweepOutcome& outcome, bool report, const std::string& report_path) {
  fmt::print("capsim sweep '{}': {} points x {} replications{}\n", plan.scenario_name,
             plan.points.size(), plan.replications,
             run.shard_count > 1 ? fmt::format(", shard {}/{} ({} runs)", run.shard_index,
                                               run.shard_count, outcome.tasks)
                                 : "");
  fmt::print("  {} runs in {:.2f} s ({:.3g} runs/s, -j {}){}, {} failed\n", outcome.ran,
             outcome.wall_s, outcome.wall_s > 0 ? outcome.ran / outcome.wall_s : 0.0, run.jobs,
             outcome.skipped ? fmt::format(", {} already done", outcome.skipped) : "",
             outcome.failed);
  // Efficiency: the share of the workers' time the runs spent on their own work (loading
  // and simulating) rather than on being started, collected and cleaned up.
  const double workers = static_cast<double>(std::min(run.jobs, outcome.ran));
  if (outcome.ran > 0 && outcome.wall_s > 0 && outcome.runs_own_s > 0)
    fmt::print("  runs' own time {:.2f} s: efficiency {:.1f}% of {} workers x the sweep's "
               "wall time\n",
               outcome.runs_own_s, 100 * outcome.runs_own_s / (workers * outcome.wall_s), workers);
  if (outcome.retried)
    fmt::print("  {} failed runs of the previous sweep run again\n", outcome.retried);
  if (outcome.recovered_dropped)
    fmt::print("  {} partial or unmatched rows of the previous results.csv dropped\n",
               outcome.recovered_dropped);
  for (const auto& e : outcome.first_errors)
    fmt::print("  failed: {}\n", e);
  print_break_evens(outcome.break_evens);
  fmt::print("  results in {}/results.csv{}\n", outcome.dir,
             run.shard_count > 1
                 ? fmt::format(" (join the shards with: capsim merge {})", run.output_dir)
                 : ", summary.csv" + std::string(plan.curves.empty() ? "" : ", curves/"));
  if (!report_path.empty()) fmt::print("  report {}\n", report_path);
  if (report && run.shard_count > 1)
    fmt::print("  report: after the shards are merged, capsim report {}\n", run.output_dir);
}

// Scenario and command line -> plan -> runs (run_sweep) -> report -> what happened.
void run_sweep_command(const SweepCommandOptions& options, int& exit_code) {
  Scenario s = sweep_scenario(options);
  WorkBudget budget = budget_from_options(options.max_events, options.max_memory);
  check_budget(s, budget); // the base scenario; each run checks its own point again
  SweepPlan plan = make_plan(s, options.scenario, options.sets);
  check_curve_axes(plan, s);
  const SweepOptions run = sweep_options(options, s, budget);
  SweepOutcome outcome = run_sweep(plan, run);
  exit_code = exit_ok;
  std::string report_path;
  if (outcome.coordinator && options.report && run.shard_count <= 1)
    report_path = write_report(outcome.dir);
  if (!outcome.coordinator || options.quiet) return;
  print_sweep_outcome(plan, run, outcome, options.report, report_path);
}

void add_sweep_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<SweepCommandOptions>();
  auto* sweep_command = app.add_subcommand(
      "sweep", "Run the scenario's sweep (points x replications) on worker processes, under "
               "mpirun, or one shard of it; write results.csv, summary.csv and curves/");
  sweep_command
      ->add_option("scenario", options->scenario,
                   "Scenario YAML file with a sweep: block, or "
                   "axes given with --axis")
      ->required();
  add_execution_options(*sweep_command, *options);
  add_sweep_content_options(*sweep_command, *options);
  sweep_command->callback([options, &exit_code]() { run_sweep_command(*options, exit_code); });
}

void add_merge_command(CLI::App& app, int& exit_code) {
  struct Options {
    std::vector<std::string> inputs;
    std::string output_dir;
    bool quiet = false;
  };
  auto options = std::make_shared<Options>();
  auto* merge = app.add_subcommand(
      "merge", "Join the shards of a sweep (capsim sweep --shard I/N) into results.csv, "
               "summary.csv and curves/");
  merge
      ->add_option("dirs", options->inputs,
                   "A sweep directory holding shard-I-of-N/ directories, or shard directories")
      ->required();
  merge->add_option("-o,--output", options->output_dir,
                    "Output directory (default: the one directory given)");
  merge->add_flag("-q,--quiet", options->quiet, "Print nothing");
  merge->callback([options, &exit_code]() {
    MergeOutcome outcome = merge_shards(options->inputs, options->output_dir);
    exit_code = exit_ok;
    if (options->quiet) return;
    fmt::print("capsim merge: {} shards, {} runs ({} failed) into {}/results.csv, summary.csv\n",
               outcome.shards, outcome.rows, outcome.failed, outcome.dir);
    print_break_evens(outcome.break_evens);
  });
}

void add_plot_command(CLI::App& app, int& exit_code) {
  struct Options {
    std::string dir;
    std::string format = "both";
  };
  auto options = std::make_shared<Options>();
  auto* plot = app.add_subcommand(
      "plot", "Draw a run's time series or a sweep's curves with gnuplot into DIR/plots/");
  plot->add_option("dir", options->dir, "A run or sweep output directory")->required();
  plot->add_option("--format", options->format, "png, svg or both (default)")
      ->check(CLI::IsMember({"png", "svg", "both"}));
  plot->callback([options, &exit_code]() {
    PlotOptions plot_options{.png = options->format != "svg", .svg = options->format != "png"};
    auto files = plot_directory(options->dir, plot_options);
    for (const auto& f : files)
      fmt::print("{}\n", f);
    exit_code = exit_ok;
  });
}

} // namespace

void add_sweep_commands(CLI::App& app, int& exit_code) {
  add_sweep_command(app, exit_code);
  add_merge_command(app, exit_code);
  add_plot_command(app, exit_code);
}

} // namespace capsim::cli
