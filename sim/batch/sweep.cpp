#include "sim/batch/sweep.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <unistd.h>

#include "sim/batch/launcher.hpp"
#include "sim/batch/mpi.hpp"
#include "sim/batch/results.hpp"
#include "sim/report/atomic_file.hpp"
#include "sim/report/dir_lock.hpp"
#include "sim/report/output_set.hpp"
#include "sim/report/progress.hpp"
#include "sim/scenario/diagnostics.hpp"

namespace capsim {

namespace fs = std::filesystem;

namespace {

nlohmann::ordered_json read_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) fail_input(path, "cannot read the sweep plan");
  try {
    return nlohmann::ordered_json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    fail_input(path, std::string("not a sweep plan: ") + e.what());
  }
}

// Resume and merge accept only the same plan, down to the capsim version that made the rows.
const nlohmann::ordered_json& comparable(const nlohmann::ordered_json& plan) {
  return plan;
}

// What differs between the plan in sweep.json and this one, for --resume's refusal.
std::string plan_difference(const nlohmann::ordered_json& old_plan,
                            const nlohmann::ordered_json& new_plan) {
  std::string text;
  auto add = [&](const std::string& what) { text += (text.empty() ? "" : "; ") + what; };
  for (const auto& [key, value] : new_plan.items()) {
    if (!old_plan.contains(key)) {
      add(key + " is new");
      continue;
    }
    const auto& old_value = old_plan[key];
    if (old_value == value) continue;
    if (key == "points" && old_value.is_array() && value.is_array()) {
      if (old_value.size() != value.size())
        add(fmt::format("{} points in sweep.json, {} now", old_value.size(), value.size()));
      else
        for (std::size_t p = 0; p < value.size(); ++p)
          if (old_value[p] != value[p]) {
            add(fmt::format("point {} is {} in sweep.json, {} now", p, old_value[p].dump(),
                            value[p].dump()));
            break;
          }
    } else if (value.is_primitive() || (value.is_array() && value.dump().size() < 200)) {
      add(fmt::format("{} is {} in sweep.json, {} now", key, old_value.dump(), value.dump()));
    } else {
      add(key + " differ");
    }
  }
  for (const auto& [key, value] : old_plan.items())
    if (!new_plan.contains(key)) add(key + " is gone");
  return text;
}

void note_errors(const std::vector<ResultRow>& rows, SweepOutcome& outcome) {
  for (const auto& row : rows) {
    if (row.ok) continue;
    ++outcome.failed;
    if (outcome.first_errors.size() < 3)
      outcome.first_errors.push_back(
          fmt::format("point {} replication {}: {}", row.point, row.replication, row.error));
  }
}

void write_reports(const SweepPlan& plan, const std::vector<ResultRow>& rows,
                   const std::string& dir, const std::vector<std::string>& run_roots,
                   std::vector<BreakEven>& break_evens) {
  write_file_atomically(dir + "/summary.csv", summary_csv(plan, rows));
  break_evens = write_curves(plan, rows, dir, run_roots);
}

// DIR, or DIR/shard-I-of-N for a shard.
std::string sweep_dir(const SweepOptions& options) {
  if (options.shard_count == 0 || options.shard_index >= options.shard_count)
    fail_input("--shard", fmt::format("shard {}/{}: expected I/N with 0 <= I < N",
                                      options.shard_index, options.shard_count));
  std::string dir = options.output_dir;
  if (options.shard_count > 1) {
    dir += '/';
    dir += shard_dir_name(options.shard_index, options.shard_count);
  }
  return dir;
}

// The sweep's directory, created and locked, without the temporaries of a sweep killed earlier
// (its runs' staging directories, half-written files).
std::unique_ptr<DirLock> open_sweep_dir(const std::string& dir) {
  std::error_code error;
  if (fs::exists(dir, error) && !fs::is_directory(dir, error))
    fail_input(dir, "exists and is not a directory; -o names the sweep's directory");
  fs::create_directories(fs::absolute(dir).lexically_normal().parent_path(), error);
  auto lock = std::make_unique<DirLock>(dir, "sweep directory");
  fs::create_directories(dir);
  remove_stale_temporaries(dir, true);
  remove_stale_temporaries(dir + "/runs", true); // only capsim writes there
  remove_stale_temporaries(dir + "/curves", true);
  return lock;
}

// --resume: the rows of results.csv when sweep.json holds this very plan (less the failed ones
// with --retry-failed).
std::vector<ResultRow> recover_rows(const SweepPlan& plan, const nlohmann::ordered_json& plan_json,
                                    const SweepOptions& options, SweepOutcome& outcome) {
  const std::string plan_path = outcome.dir + "/sweep.json";
  const std::string results_path = outcome.dir + "/results.csv";
  auto old_plan = read_json_file(plan_path);
  if (comparable(old_plan) != comparable(plan_json))
    fail_input(plan_path, "--resume: this directory holds another sweep (" +
                              plan_difference(comparable(old_plan), comparable(plan_json)) +
                              "); use a new -o directory or drop --resume");
  std::vector<ResultRow> recovered;
  try {
    recovered = read_results(plan, results_path, &outcome.recovered_dropped);
  } catch (const std::runtime_error& e) {
    fail_input(results_path, e.what());
  }
  if (options.retry_failed) {
    auto failed = std::stable_partition(recovered.begin(), recovered.end(),
                                        [](const ResultRow& row) { return row.ok; });
    outcome.retried = static_cast<std::size_t>(recovered.end() - failed);
    recovered.erase(failed, recovered.end());
  }
  return recovered;
}

// A new sweep: the previous one's outputs go, each out of the way in one rename first (a kill
// meanwhile leaves only temporaries).
void discard_previous_outputs(const std::string& dir) {
  for (const char* stale : {"results.csv", "summary.csv", "curves", "runs"}) {
    std::string discarded = fmt::format("{}/.{}.capsim-{}-discarded.tmp", dir, stale, ::getpid());
    std::error_code ignored;
    fs::rename(dir + "/" + stale, discarded, ignored);
    fs::remove_all(discarded, ignored);
  }
}

// The rows kept from a previous sweep in this directory (none unless --resume), with this plan
// written to sweep.json.
std::vector<ResultRow> resume_or_start(const SweepPlan& plan, const SweepOptions& options,
                                       SweepOutcome& outcome) {
  const std::string plan_path = outcome.dir + "/sweep.json";
  auto plan_json = plan_to_json(plan);
  std::vector<ResultRow> recovered;
  if (options.resume && fs::exists(plan_path))
    recovered = recover_rows(plan, plan_json, options, outcome);
  else
    discard_previous_outputs(outcome.dir);
  write_file_atomically(plan_path, plan_json.dump(2) + "\n");
  return recovered;
}

// This shard's tasks not yet in results.csv.
std::vector<std::size_t> pending_tasks(const SweepPlan& plan, const SweepOptions& options,
                                       const std::vector<ResultRow>& recovered,
                                       SweepOutcome& outcome) {
  std::set<std::size_t> finished;
  for (const auto& row : recovered)
    finished.insert(row.task(plan));
  std::vector<std::size_t> pending;
  auto mine = shard_tasks(plan, options.shard_index, options.shard_count);
  outcome.tasks = mine.size();
  for (std::size_t task : mine)
    if (!finished.count(task)) pending.push_back(task);
  outcome.skipped = outcome.tasks - pending.size();
  return pending;
}

// Up to `jobs` runs at once on this machine.
void run_locally(RunLauncher& launcher, const std::vector<std::size_t>& pending, std::size_t jobs,
                 const std::function<void(ResultRow)>& on_row, const std::function<void()>& idle) {
  std::size_t next = 0;
  auto refill = [&] {
    while (launcher.running() < jobs && next < pending.size())
      launcher.start(pending[next++]);
  };
  while (next < pending.size() || launcher.running() > 0) {
    refill();
    // The next runs start before the finished ones' rows are read and fsynced.
    for (auto& row : launcher.wait(0.1, refill))
      on_row(std::move(row));
    idle();
  }
}

// Runs the pending tasks into results.csv, then (unless a shard) summary.csv and the curves.
void run_tasks(const SweepPlan& plan, const SweepOptions& options, const LaunchSettings& launch,
               MpiSession* mpi, std::size_t jobs, std::vector<ResultRow> recovered,
               SweepOutcome& outcome) {
  const std::string& dir = outcome.dir;
  const std::vector<std::size_t> pending = pending_tasks(plan, options, recovered, outcome);
  ResultsLog log(plan, dir + "/results.csv", std::move(recovered));
  ProgressBar progress("sweep", static_cast<double>(pending.size()), !options.quiet);
  auto on_row = [&](ResultRow row) {
    if (!mpi) outcome.runs_own_s += row.own_s; // MPI: workers on other nodes too
    log.append(std::move(row));
    ++outcome.ran;
    progress.update(static_cast<double>(outcome.ran));
  };
  auto idle = [&] { progress.update(static_cast<double>(outcome.ran)); };
  if (mpi) {
    RunLauncher local(plan, launch); // rank 0 runs tasks too when it has a CPU to spare
    mpi_master(pending, on_row, idle, &local, master_slots(jobs));
  } else {
    RunLauncher launcher(plan, launch);
    run_locally(launcher, pending, jobs, on_row, idle);
  }
  progress.finish();
  log.finish();
  note_errors(log.rows(), outcome);
  if (options.shard_count == 1)
    write_reports(plan, log.rows(), dir, {dir + "/runs"}, outcome.break_evens);
  std::error_code ignored;
  fs::remove(dir + "/runs", ignored); // only if empty
}

// The shard directories the inputs name: a directory with shard-I-of-N subdirectories stands
// for them (it may hold an earlier merge's results.csv); otherwise it must be a shard itself.
std::vector<std::string> find_shard_dirs(const std::vector<std::string>& inputs) {
  std::vector<std::string> shard_dirs;
  for (const auto& input : inputs) {
    std::vector<std::string> found;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(input, error))
      if (entry.is_directory() && entry.path().filename().string().rfind("shard-", 0) == 0 &&
          fs::exists(entry.path() / "sweep.json"))
        found.push_back(entry.path().string());
    if (found.empty() && fs::exists(input + "/sweep.json") && fs::exists(input + "/results.csv"))
      found.push_back(input);
    if (found.empty())
      fail_input(input, "neither a shard (sweep.json and results.csv) nor a directory of "
                        "shard-I-of-N directories");
    std::sort(found.begin(), found.end());
    shard_dirs.insert(shard_dirs.end(), found.begin(), found.end());
  }
  return shard_dirs;
}

struct ShardRows {
  std::vector<ResultRow> rows; // each task once, the first shard's row
  std::set<std::size_t> seen;  // their tasks
  std::vector<std::string> run_roots;
};

// The rows of every shard, which must all hold the plan of the first.
ShardRows read_shard_rows(const SweepPlan& plan, const nlohmann::ordered_json& first_json,
                          const std::vector<std::string>& shard_dirs) {
  ShardRows merged;
  for (const auto& shard : shard_dirs) {
    if (comparable(read_json_file(shard + "/sweep.json")) != comparable(first_json))
      fail_input(shard + "/sweep.json",
                 "this shard belongs to another sweep than " + shard_dirs.front());
    std::size_t dropped = 0;
    std::vector<ResultRow> shard_rows;
    try {
      shard_rows = read_results(plan, shard + "/results.csv", &dropped);
    } catch (const std::runtime_error& e) {
      fail_input(shard + "/results.csv", e.what());
    }
    for (auto& row : shard_rows)
      if (merged.seen.insert(row.task(plan)).second) merged.rows.push_back(std::move(row));
    merged.run_roots.push_back(shard + "/runs");
  }
  return merged;
}

void check_all_tasks(const SweepPlan& plan, const ShardRows& merged) {
  if (merged.rows.size() == plan.task_count()) return;
  std::size_t missing = plan.task_count() - merged.rows.size();
  std::size_t first_missing = 0;
  while (merged.seen.count(first_missing))
    ++first_missing;
  fail_input("merge", fmt::format("{} of {} runs are missing (first: point {} replication {}); "
                                  "finish the shards (capsim sweep --shard I/N --resume) "
                                  "and merge again",
                                  missing, plan.task_count(), plan.point_of(first_missing),
                                  plan.replication_of(first_missing)));
}

// Other ranks wait for tasks that will never come.
void abort_other_ranks(MpiSession* mpi) {
  if (!mpi) return;
  try {
    throw;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
  }
  mpi->abort(1);
}

} // namespace

std::string shard_dir_name(std::size_t index, std::size_t count) {
  return fmt::format("shard-{}-of-{}", index, count);
}

SweepOutcome run_sweep(const SweepPlan& plan, const SweepOptions& options) {
  auto start = std::chrono::steady_clock::now();
  SweepOutcome outcome;
  outcome.dir = sweep_dir(options);
  LaunchSettings launch{.exe = options.exe.empty() ? current_executable() : options.exe,
                        .runs_dir = outcome.dir + "/runs",
                        .keep_runs = options.keep_runs,
                        .keep_timeseries = plan.has_time_curves(),
                        .timeout_s = plan.timeout_s,
                        .run_args = options.run_args};

  std::unique_ptr<MpiSession> mpi;
  int world = mpirun_world_size();
  if (world > 1) mpi = std::make_unique<MpiSession>();
  std::size_t jobs = options.jobs;
  if (jobs == 0) jobs = default_jobs(); // CPUs this process may use (launcher.hpp)

  if (mpi && mpi->rank() != 0) {
    outcome.coordinator = false;
    RunLauncher launcher(plan, launch);
    mpi_worker(launcher, jobs);
    return outcome;
  }
  std::unique_ptr<DirLock> lock;
  try {
    lock = open_sweep_dir(outcome.dir);
    std::vector<ResultRow> recovered = resume_or_start(plan, options, outcome);
    run_tasks(plan, options, launch, mpi.get(), jobs, std::move(recovered), outcome);
  } catch (...) {
    abort_other_ranks(mpi.get());
    throw;
  }
  outcome.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return outcome;
}

MergeOutcome merge_shards(const std::vector<std::string>& inputs, std::string output_dir) {
  const std::vector<std::string> shard_dirs = find_shard_dirs(inputs);
  if (output_dir.empty()) {
    if (inputs.size() != 1)
      fail_input("merge", "give -o DIR when merging shards from several directories");
    output_dir = inputs.front();
  }
  auto first_json = read_json_file(shard_dirs.front() + "/sweep.json");
  SweepPlan plan;
  try {
    plan = plan_from_json(first_json);
  } catch (const std::runtime_error& e) {
    fail_input(shard_dirs.front() + "/sweep.json", e.what());
  }
  const ShardRows merged = read_shard_rows(plan, first_json, shard_dirs);
  check_all_tasks(plan, merged);
  MergeOutcome outcome;
  outcome.dir = output_dir;
  outcome.shards = shard_dirs.size();
  outcome.rows = merged.rows.size();
  for (const auto& r : merged.rows)
    if (!r.ok) ++outcome.failed;
  fs::create_directories(output_dir);
  DirLock lock(output_dir, "sweep directory"); // not while a sweep or another merge writes it
  remove_stale_temporaries(output_dir, true);
  write_file_atomically(output_dir + "/sweep.json", first_json.dump(2) + "\n");
  write_file_atomically(output_dir + "/results.csv", results_csv(plan, merged.rows));
  write_reports(plan, merged.rows, output_dir, merged.run_roots, outcome.break_evens);
  return outcome;
}

} // namespace capsim
