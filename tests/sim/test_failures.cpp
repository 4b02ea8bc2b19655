// Failures by cause in whole runs: the Llama 3 16k-GPU record.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <map>
#include <set>

#include "capsim_process.hpp"
#include "models/failure.hpp"

using namespace capsim::test;

TEST_CASE("llama3-16k: interruptions and their causes are consistent with the record") {
  // Record (arXiv 2407.21783): 419 unexpected interruptions of a 16,384-GPU job in 54 days.
  // Expected here: 1.97e-5 /GPU/h x 16,384 GPUs x 54 d x 24 h = 418.3 per run.
  const double expected = 1.97e-5 * 16384 * 54 * 24;
  const int seeds = 5;
  double total = 0;
  std::map<std::string, double> by_cause;
  for (int seed = 1; seed <= seeds; ++seed) {
    TempDir dir;
    auto s =
        run_ok(dir, source_path("scenarios/llama3-16k.yaml"), {"--seed", std::to_string(seed)});
    const auto& job = s["jobs"][0];
    double n = job["interruptions"].get<double>();
    INFO("seed " << seed << ": " << n << " interruptions");
    CHECK(std::abs(n - 419) < 4 * std::sqrt(419.0)); // one run against the record
    total += n;
    for (const auto& [cause, count] : job["interruptions_by_cause"].items())
      by_cause[cause] += count.get<double>();
    CHECK(job["goodput_fraction"].get<double>() > 0.85);
    CHECK(job["goodput_fraction"].get<double>() ==
          doctest::Approx(job["expected_goodput_fraction"].get<double>()).epsilon(0.02));
  }
  double mean = total / seeds;
  MESSAGE("mean interruptions over " << seeds << " seeds: " << mean << " (record 419, expected "
                                     << expected << ")");
  CHECK(std::abs(mean - expected) < 4 * std::sqrt(expected / seeds));
  // Each cause's share against the record's counts (Poisson, 4 sigma, over all seeds).
  for (const auto& cause : capsim::llama3_failure_causes(1)) {
    double want = total * cause.rate_per_gpu_s;
    INFO(cause.name << ": " << by_cause[cause.name] << " against " << want);
    CHECK(std::abs(by_cause[cause.name] - want) < 4 * std::sqrt(want) + 1);
  }
}

namespace {

// 8 hosts of 8 H100, a job on all of them, frequent failures and nothing ever repaired.
std::string no_repair_scenario(const std::string& job_extra) {
  return "scenario: norepair\nseed: 3\nhorizon: 20 d\nsites:\n  - name: s\n    grid: {capacity: 2 "
         "MW}\n"
         "    pue: 1.2\nclusters:\n  - name: c\n    site: s\n    gpu: H100\n"
         "    deliveries: [{at: 0 d, gpus: 64}]\n"
         "    failures: {rate: 3e-3 /GPU/h, permanent_fraction: 1}\n"
         "jobs:\n  - {name: j, cluster: c, gpus: 64, model: {parameters: 7e9, tokens: 1e14}" +
         job_extra + "}\n";
}

std::vector<std::vector<std::string>> events_of(const TempDir& dir) {
  std::vector<std::string> header;
  return read_csv(dir.path("out/events.csv"), header);
}

} // namespace

TEST_CASE("elastic recovery keeps running on fewer replicas, then ends below its minimum") {
  TempDir dir;
  auto s =
      run_ok(dir, dir.write("s.yaml", no_repair_scenario(", recovery: elastic, min_gpus: 32")));
  const auto& job = s["jobs"][0];
  std::set<std::string> sizes;
  bool ended = false;
  for (const auto& e : events_of(dir)) {
    if (e[1] == "job_running") sizes.insert(e[5]);
    if (e[1] == "job_ended") ended = e[5].find("minimum of 32 GPUs") != std::string::npos;
  }
  // It ran at 64, then at 56, 48, 40 and 32 GPUs as servers failed for good, then ended.
  for (const char* size : {"64 GPUs", "56 GPUs", "48 GPUs", "40 GPUs", "32 GPUs"})
    CHECK(sizes.count(size) == 1);
  CHECK(sizes.count("24 GPUs") == 0);
  CHECK(ended);
  CHECK(job["state_at_horizon"].get<std::string>().rfind("ended: cannot gather", 0) == 0);
  CHECK_FALSE(job["completed"].get<bool>());
  CHECK(job["flop_done"].get<double>() > 0);
}

TEST_CASE("without repair or spares, a job that needs every server ends at the first failure") {
  TempDir dir;
  auto s = run_ok(dir, dir.write("s.yaml", no_repair_scenario("")));
  const auto& job = s["jobs"][0];
  int running = 0, ended = 0;
  for (const auto& e : events_of(dir)) {
    running += e[1] == "job_running";
    ended += e[1] == "job_ended";
  }
  CHECK(running == 1);
  CHECK(ended == 1);
  CHECK(job["interruptions"].get<long long>() == 1);
  CHECK(job["state_at_horizon"].get<std::string>().rfind("ended:", 0) == 0);
}

TEST_CASE("recovery wait resumes on the repaired server, not on a spare") {
  // 9 servers, a job on 8, repairs take 12 h: with `wait` the job idles until its own server is
  // back although a spare is free; with `spare` it restarts at once.
  auto scenario = [](const std::string& recovery) {
    return "scenario: w\nseed: 9\nhorizon: 10 d\nsites:\n  - name: s\n    grid: {capacity: 2 MW}\n"
           "    pue: 1.2\nclusters:\n  - name: c\n    site: s\n    gpu: H100\n"
           "    deliveries: [{at: 0 d, gpus: 72}]\n"
           "    failures: {rate: 2e-4 /GPU/h, repair_time: 12 h}\n"
           "jobs:\n  - {name: j, cluster: c, gpus: 64, recovery: " +
           recovery + ", model: {parameters: 7e9, tokens: 1e14}, checkpoint: {restart: 0 s}}\n";
  };
  TempDir waiting, swapping;
  run_ok(waiting, waiting.write("s.yaml", scenario("wait")));
  run_ok(swapping, swapping.write("s.yaml", scenario("spare")));
  // (first interruption, the resume after it, the last repair before that resume)
  auto first_gap = [](const std::vector<std::vector<std::string>>& events) {
    double failed = -1, repaired = -1;
    for (const auto& e : events) {
      if (e[1] == "interruption" && failed < 0) failed = std::stod(e[0]);
      if (e[1] == "repair" && failed >= 0) repaired = std::stod(e[0]);
      if (e[1] == "job_running" && failed >= 0)
        return std::array<double, 3>{failed, std::stod(e[0]), repaired};
    }
    return std::array<double, 3>{-1, -1, -1};
  };
  auto wait = first_gap(events_of(waiting));
  auto spare = first_gap(events_of(swapping));
  REQUIRE(wait[0] >= 0);
  // It resumed only once its own server(s) came back: 12 h at least, right after a repair.
  CHECK(wait[1] - wait[0] >= 12 * 3600.0);
  CHECK(wait[1] - wait[2] >= 0);
  CHECK(wait[1] - wait[2] < 60);
  REQUIRE(spare[0] >= 0);
  CHECK(spare[1] - spare[0] < 60);
}

TEST_CASE(
    "scheduler: a higher-priority job preempts, the preempted job resumes from its checkpoint") {
  // 8 servers; `batch` (priority 0) runs from day 0 on all of them; `urgent` (priority 10)
  // arrives on day 1 and needs 4: it takes them from `batch`, which waits, then resumes on all 8
  // once `urgent` is done. No failures, so every interruption is the preemption.
  TempDir dir;
  std::string file = dir.write(
      "s.yaml", "scenario: sched\nseed: 1\nhorizon: 10 d\noutputs: {interval: 10 min}\n"
                "sites:\n  - {name: s, grid: {capacity: 2 MW}, pue: 1.2}\n"
                "clusters:\n  - {name: c, site: s, gpu: H100, deliveries: [{at: 0 d, gpus: 64}],"
                " failures: {rate: 0 /GPU/h}}\n"
                "jobs:\n"
                "  - {name: batch, cluster: c, gpus: 64, model: {parameters: 7e9, tokens: 2e11},"
                " checkpoint: {interval: 1 h, restart: 0 s}}\n"
                "  - {name: urgent, cluster: c, gpus: 32, priority: 10, start: 1 d,"
                " model: {parameters: 7e9, tokens: 2e10}, checkpoint: {restart: 0 s}}\n");
  auto s = run_ok(dir, file);
  const auto& batch = s["jobs"][0];
  const auto& urgent = s["jobs"][1];
  REQUIRE(urgent["completed"].get<bool>());
  REQUIRE(batch["completed"].get<bool>());
  CHECK(urgent["first_start_s"].get<double>() == doctest::Approx(86400).epsilon(1e-4));
  CHECK(batch["interruptions"].get<long long>() == 1);
  CHECK(batch["interruptions_by_cause"]["preempted"].get<long long>() == 1);
  // It lost at most what it computed since its last hourly checkpoint.
  double rate = 64 * 989e12 * 0.4;
  CHECK(batch["flop_lost"].get<double>() <= rate * 3600 * (1 + 1e-9));
  CHECK(batch["flop_lost"].get<double>() > 0);
  // Gang allocation never over-allocates: busy GPUs never exceed the installed ones.
  std::vector<std::string> header;
  for (const auto& row : read_csv(dir.path("out/timeseries.csv"), header))
    CHECK(std::stod(row[column(header, "gpus_busy")]) <=
          std::stod(row[column(header, "gpus_installed")]));
  // batch resumes only when urgent has completed.
  double resumed = -1;
  for (const auto& e : events_of(dir))
    if (e[1] == "job_running" && e[4] == "batch" && std::stod(e[0]) > 86400)
      resumed = std::stod(e[0]);
  CHECK(resumed >= urgent["completion_s"].get<double>() - 1e-6);
}

TEST_CASE("asynchronous checkpoints pause the job less and raise its goodput") {
  // A 70B job whose 980 GB checkpoint takes ~10 s to write at 100 GB/s, failing every ~2.9 h:
  // an asynchronous checkpoint pauses only for the snapshot (980 GB / 1024 GPUs / 25 GB/s).
  auto scenario = [](const std::string& async) {
    return "scenario: ckpt\nseed: 4\nhorizon: 60 d\nsites:\n  - {name: s, grid: {capacity: 2 MW},"
           " pue: 1.2, storage: {bandwidth: 100 GB/s}}\n"
           "clusters:\n  - {name: c, site: s, gpu: H100, deliveries: [{at: 0 d, gpus: 1280}],"
           " failures: {rate: 3.4e-4 /GPU/h, repair_time: 1 h}}\n"
           "jobs:\n  - {name: j, cluster: c, gpus: 1024, model: {parameters: 70e9, tokens: 1e15},"
           " checkpoint: {async: " +
           async + ", restart: 60 s}}\n";
  };
  TempDir sync_dir, async_dir;
  auto sync = run_ok(sync_dir, sync_dir.write("s.yaml", scenario("false")));
  auto async = run_ok(async_dir, async_dir.write("s.yaml", scenario("true")));
  double snapshot_s = 14 * 70e9 / 1024 / 25e9;
  CHECK(async["jobs"][0]["checkpoint_write_s"].get<double>() == doctest::Approx(snapshot_s));
  CHECK(sync["jobs"][0]["checkpoint_write_s"].get<double>() > 9);
  CHECK(async["jobs"][0]["checkpoint_interval_s"].get<double>() <
        sync["jobs"][0]["checkpoint_interval_s"].get<double>()); // Young: sqrt(2 delta M)
  CHECK(async["jobs"][0]["goodput_fraction"].get<double>() >
        sync["jobs"][0]["goodput_fraction"].get<double>() + 0.02);
}
