// Whole runs through the capsim binary: the fluid job, failures against the checkpoint/restart
// expectation, power limits, determinism, the output contract and exit codes.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <numeric>
#include <set>

#include "capsim_process.hpp"
#include "sim/scenario/timeseries_columns.hpp"

using namespace capsim::test;

namespace {

// One H100 site that never limits power; a job that can use all GPUs.
std::string scenario(const std::string& extra_cluster, const std::string& job_block,
                     const std::string& horizon = "30 d") {
  return "scenario: t\nseed: 5\nhorizon: " + horizon +
         "\noutputs:\n  interval: 1 h\n"
         "sites:\n  - name: s\n    grid:\n      capacity: 1 GW\n    pue: 1.2\n"
         "    storage:\n      bandwidth: 100 GB/s\n"
         "clusters:\n  - name: c\n    site: s\n    gpu: H100\n" +
         extra_cluster + "jobs:\n" + job_block;
}

} // namespace

TEST_CASE("without failures, a job takes exactly FLOP / (GPUs x peak x MFU x step efficiency)") {
  TempDir dir;
  std::string file =
      dir.write("s.yaml", scenario("    deliveries:\n      - {at: 0 d, gpus: 1024}\n"
                                   "    failures:\n      rate: 0 /GPU/h\n",
                                   "  - name: j\n    cluster: c\n    gpus: 1024\n    start: 1 d\n"
                                   "    mfu: 0.4\n    model: {parameters: 70e9, tokens: 1e12}\n"
                                   "    checkpoint: {restart: 0 s}\n"));
  auto s = run_ok(dir, file);
  const auto& job = s["jobs"][0];
  REQUIRE(job["completed"].get<bool>());
  double flop = 6 * 70e9 * 1e12;
  double rate = 1024 * 989e12 * 0.4; // H100 dense BF16 peak, NVIDIA datasheet
  double compute_s = job["completion_s"].get<double>() - job["first_start_s"].get<double>();
  // Each step: 6 N B / rate of compute, then what its gradient reduction leaves exposed.
  const double step_s = job["step_time_s"].get<double>();
  const double exposed_s = job["collective_exposed_s"].get<double>();
  CHECK(step_s - exposed_s == doctest::Approx(6 * 70e9 * 4194304 / rate).epsilon(1e-12));
  CHECK(compute_s == doctest::Approx(flop / rate * step_s / (step_s - exposed_s)).epsilon(1e-9));
  CHECK(job["interruptions"] == 0);
  CHECK(job["flop_done"].get<double>() == doctest::Approx(flop).epsilon(1e-12));
}

TEST_CASE("with failures, goodput matches the checkpoint/restart expectation over many seeds") {
  // MTBF of the job = 1 / (3.4e-4 /GPU/h x 1024 GPUs) = 2.87 h.
  // Spares (1024 idle GPUs) and 1 h repairs keep the job from ever waiting for hardware, so the
  // run is the renewal process of models/checkpoint.hpp: exact expectation tau / E[T].
  TempDir dir;
  std::string file = dir.write(
      "s.yaml", scenario("    deliveries:\n      - {at: 0 d, gpus: 2048}\n"
                         "    failures:\n      rate: 3.4e-4 /GPU/h\n      repair_time: 1 h\n",
                         "  - name: j\n    cluster: c\n    gpus: 1024\n"
                         "    model: {parameters: 70e9, tokens: 1e15}\n"
                         "    checkpoint: {size: 6 TB, restart: 120 s}\n",
                         "120 d"));
  std::vector<double> goodput;
  double expected = 0, first_order = 0;
  long long interruptions = 0;
  for (int seed = 1; seed <= 8; ++seed) {
    auto s = run_ok(dir, file, {"--seed", std::to_string(seed)});
    const auto& job = s["jobs"][0];
    goodput.push_back(job["goodput_fraction"].get<double>());
    expected = job["expected_goodput_fraction"].get<double>();
    double tau = job["checkpoint_interval_s"], delta = job["checkpoint_write_s"],
           restart = job["restart_s"];
    double mtbf = 3600 / (3.4e-4 * 1024);
    first_order = 1 - delta / tau - (restart + tau / 2) / mtbf;
    interruptions += job["interruptions"].get<long long>();
  }
  double n = static_cast<double>(goodput.size());
  double mean = std::accumulate(goodput.begin(), goodput.end(), 0.0) / n;
  double var = 0;
  for (double g : goodput)
    var += (g - mean) * (g - mean);
  double stderr_mean = std::sqrt(var / (n - 1) / n);
  MESSAGE("goodput mean " << mean << " (8 seeds), exact expectation " << expected
                          << ", first-order " << first_order << ", standard error " << stderr_mean
                          << ", interruptions " << interruptions);
  // ~8 x 1000 interruptions: the mean is within 4 standard errors of the exact expectation, and
  // the standard error itself is small enough for that to mean something.
  CHECK(interruptions > 6000);
  CHECK(stderr_mean < 0.002);
  CHECK(std::abs(mean - expected) < 4 * stderr_mean + 1e-3);
  // The first-order formula 1 - d/tau - (R + tau/2)/M is within its own approximation error.
  CHECK(std::abs(mean - first_order) < 0.02);
}

TEST_CASE("the same scenario and seed give identical outputs, another seed does not") {
  TempDir a, b, c;
  std::string quickstart = source_path("scenarios/quickstart.yaml");
  auto sa = run_ok(a, quickstart);
  auto sb = run_ok(b, quickstart);
  auto sc = run_ok(c, quickstart, {"--seed", "43"});
  for (auto* s : {&sa, &sb, &sc}) { // the machine's measurements and the run's id differ
    for (const char* key : {"wall_s", "peak_rss_bytes", "profile", "memory"})
      (*s)["engine"].erase(key);
    s->erase("run_id");
  }
  CHECK(sa == sb);
  CHECK(sa != sc);
  CHECK(read_text(a.path("out/timeseries.csv")) == read_text(b.path("out/timeseries.csv")));
  CHECK(read_text(a.path("out/events.csv")) == read_text(b.path("out/events.csv")));
}

TEST_CASE("the quickstart's facility power never exceeds the supply, and its outputs move") {
  TempDir dir;
  auto s = run_ok(dir, source_path("scenarios/quickstart.yaml"));
  std::vector<std::string> header;
  auto rows = read_csv(dir.path("out/timeseries.csv"), header);
  REQUIRE(rows.size() == 60 * 24 + 1);
  auto col = [&](const char* name) { return column(header, name); };
  std::set<std::string> cap_values;
  double goodput_flop = 0, previous_t = 0;
  bool throttled = false, shed = false;
  for (const auto& row : rows) {
    double facility = std::stod(row[col("facility_power_w")]);
    double available = std::stod(row[col("power_available_w")]);
    CHECK(facility <= available * (1 + 1e-12));
    double it = std::stod(row[col("it_power_w")]);
    CHECK(facility == doctest::Approx(it * std::stod(row[col("pue")])).epsilon(1e-12));
    double t = std::stod(row[col("time_s")]);
    goodput_flop += std::stod(row[col("goodput_flops")]) * (t - previous_t);
    previous_t = t;
    throttled |= std::stod(row[col("throttle_fraction")]) > 0;
    shed |= std::stod(row[col("gpus_shed")]) > 0;
    cap_values.insert(row[col("cap_fraction")]);
  }
  // The time series' goodput adds up to the work the summary reports.
  CHECK(goodput_flop == doctest::Approx(s["jobs"][0]["flop_done"].get<double>()).epsilon(1e-9));
  CHECK(throttled);
  CHECK(shed);
  CHECK(cap_values.size() > 1);
  CHECK(s["jobs"][0]["completed"].get<bool>());
  CHECK(s["sites"][0]["throttled_fraction"].get<double>() > 0);
  CHECK(s["sites"][0]["peak_facility_power_w"].get<double>() <= 6e6);
  // Energy: facility = IT x PUE exactly with a fixed PUE.
  CHECK(s["sites"][0]["facility_energy_j"].get<double>() ==
        doctest::Approx(1.25 * s["sites"][0]["it_energy_j"].get<double>()).epsilon(1e-12));
}

TEST_CASE("the output contract: summary.json fields and CSV headers") {
  TempDir dir;
  auto s = run_ok(dir, source_path("scenarios/quickstart.yaml"));
  for (const char* key : {"scenario", "seed", "horizon_s", "capsim_version", "sites", "clusters",
                          "jobs", "finance", "engine"})
    CHECK(s.contains(key));
  for (const char* key :
       {"name", "kind", "it_energy_j", "facility_energy_j", "peak_facility_power_w", "mean_pue",
        "throttled_fraction", "shed_gpu_hours", "capex_usd", "opex_usd"})
    CHECK(s["sites"][0].contains(key));
  for (const char* key : {"name", "site", "gpu", "gpus", "gpu_hours_installed",
                          "gpu_hours_available", "failures", "lease_cost_usd"})
    CHECK(s["clusters"][0].contains(key));
  for (const char* key : {"name", "cluster", "completed", "completion_s", "interruptions",
                          "goodput_fraction", "mfu", "step_time_s", "flop_done"})
    CHECK(s["jobs"][0].contains(key));
  CHECK(s["finance"].contains("total_cost_usd"));
  CHECK(s["finance"].contains("cost_per_eflop_usd"));
  CHECK(s["engine"].contains("events"));
  // Lease: take-or-pay on installed GPU-hours at 2.10 USD/GPU/h.
  CHECK(s["clusters"][0]["lease_cost_usd"].get<double>() ==
        doctest::Approx(2.10 * s["clusters"][0]["gpu_hours_installed"].get<double>()));
  // 2048 GPUs for 60 d plus 2048 for 40 d.
  CHECK(s["clusters"][0]["gpu_hours_installed"].get<double>() ==
        doctest::Approx(2048 * 24 * 100.0).epsilon(1e-9));
  std::vector<std::string> header;
  read_csv(dir.path("out/timeseries.csv"), header);
  for (const char* name :
       {"time_s", "site", "gpus_installed", "gpus_up", "it_power_w", "facility_power_w",
        "power_available_w", "heat_rejection_capacity_w", "throttle_fraction", "goodput_flops",
        "ambient_c", "pue", "battery_soc", "in_eclipse", "radiator_k", "grid_power_w",
        "turbine_power_w", "battery_power_w", "solar_power_w"})
    CHECK_NOTHROW(column(header, name));
  // The header is the column table's, in its order; the inference columns only with inference
  // jobs (this scenario has none).
  std::vector<std::string> table;
  for (const auto& c : capsim::timeseries_key_columns)
    table.emplace_back(c.name);
  for (const auto& c : capsim::timeseries_columns)
    if (c.presence != capsim::ColumnPresence::inference) table.emplace_back(c.name);
  CHECK(header == table);
  std::vector<std::string> event_header;
  auto events = read_csv(dir.path("out/events.csv"), event_header);
  CHECK(event_header ==
        std::vector<std::string>{"time_s", "kind", "site", "cluster", "job", "detail"});
  std::set<std::string> kinds;
  for (const auto& e : events)
    kinds.insert(e[1]);
  for (const char* kind : {"delivery", "failure", "repair", "interruption", "checkpoints", "grid",
                           "throttle_start", "job_complete"})
    CHECK(kinds.count(kind) == 1);
}

TEST_CASE("invalid input exits 2 with a located error and writes nothing") {
  TempDir dir;
  auto bad =
      run_capsim({"run", source_path("tests/fixtures/bad/wrong-unit.yaml"), "-o", dir.path("out")});
  CHECK(bad.exit_code == 2);
  CHECK(bad.output.find("wrong-unit.yaml:6:19: error:") != std::string::npos);
  CHECK(!std::filesystem::exists(dir.path("out")));
  auto missing = run_capsim({"validate", dir.path("nope.yaml")});
  CHECK(missing.exit_code == 2);
  CHECK(missing.output.find("nope.yaml: error: cannot open the scenario file") !=
        std::string::npos);
  auto flag = run_capsim({"run"});
  CHECK(flag.exit_code == 2);
  auto set = run_capsim({"run", source_path("scenarios/quickstart.yaml"), "--set", "horizon=-1 d",
                         "-o", dir.path("out")});
  CHECK(set.exit_code == 2);
  CHECK(set.output.find("--set horizon: error:") != std::string::npos);
}

TEST_CASE("SimGrid's context factories (raw, ucontext, thread) give identical runs") {
  // Every actor returns at the end of the run (World::stop), none is killed: thread contexts,
  // which cannot be killed mid-wait, end too.
  std::string reference;
  for (const char* factory : {"raw", "ucontext", "thread"}) {
    INFO(factory);
    TempDir dir;
    run_ok(dir, source_path("scenarios/quickstart.yaml"),
           {std::string("--engine=--cfg=contexts/factory:") + factory});
    std::ifstream in(dir.path("out/events.csv"));
    std::string events((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    REQUIRE(events.size() > 1000);
    if (reference.empty()) reference = events;
    CHECK(events == reference);
  }
}

TEST_CASE("every scenario validates and runs on a short horizon") {
  for (const auto& entry : std::filesystem::directory_iterator(source_path("scenarios"))) {
    if (entry.path().extension() != ".yaml") continue;
    INFO(entry.path().string());
    TempDir dir;
    auto v = run_capsim({"validate", entry.path().string()});
    CHECK(v.exit_code == 0);
    auto r = run_capsim(
        {"run", entry.path().string(), "-o", dir.path("out"), "-q", "--set", "horizon=3 d"});
    INFO(r.output);
    CHECK(r.exit_code == 0);
    CHECK(std::filesystem::file_size(dir.path("out/summary.json")) > 0);
  }
}

TEST_CASE("the shed policy never caps: the job waits for power instead") {
  TempDir dir;
  auto s = run_ok(dir, source_path("scenarios/quickstart.yaml"),
                  {"--set", "sites.memphis.power_policy=shed"});
  std::vector<std::string> header;
  auto rows = read_csv(dir.path("out/timeseries.csv"), header);
  for (const auto& row : rows) {
    CHECK(std::stod(row[column(header, "facility_power_w")]) <=
          std::stod(row[column(header, "power_available_w")]) * (1 + 1e-12));
    CHECK(std::stod(row[column(header, "cap_fraction")]) == 1);
  }
  // At full power the 3,072-GPU job needs ~3.8 MW of facility power: it cannot run before the
  // grid upgrade on day 35.
  CHECK(s["sites"][0]["throttled_fraction"].get<double>() == 0);
  CHECK(s["jobs"][0]["first_start_s"].get<double>() >= 35 * 86400.0);
}

TEST_CASE("two jobs that cannot both be powered run one after the other, in priority order") {
  // 1,024 DGX-H100 GPUs (servers only); each 512-GPU job needs ~0.5 MW of IT power at full speed.
  // The grid (0.6 MW at PUE 1.2 = 0.5 MW of IT) powers one job at a time under the shed policy. The
  // second job in the file is on the first cluster in the file: priority is by job order.
  TempDir dir;
  std::string file = dir.write(
      "s.yaml",
      "scenario: two\nhorizon: 20 d\n"
      "sites:\n  - name: s\n    grid: {capacity: 0.6 MW}\n    pue: 1.2\n    power_policy: shed\n"
      "clusters:\n"
      "  - {name: a, site: s, gpu: H100, deliveries: [{at: 0 d, gpus: 512}],"
      " failures: {rate: 0 /GPU/h}, fabric: none, storage_per_gpu: 0 TB,"
      " other_it_power_per_gpu: 0 W}\n"
      "  - {name: b, site: s, gpu: H100, deliveries: [{at: 0 d, gpus: 512}],"
      " failures: {rate: 0 /GPU/h}, fabric: none, storage_per_gpu: 0 TB,"
      " other_it_power_per_gpu: 0 W}\n"
      "jobs:\n"
      "  - {name: first, cluster: b, model: {parameters: 7e9, tokens: 2e11}}\n"
      "  - {name: second, cluster: a, model: {parameters: 7e9, tokens: 2e11}}\n");
  auto s = run_ok(dir, file);
  const auto& first = s["jobs"][0];
  const auto& second = s["jobs"][1];
  REQUIRE(first["completed"].get<bool>());
  REQUIRE(second["completed"].get<bool>());
  CHECK(second["first_start_s"].get<double>() >= first["completion_s"].get<double>());
  std::vector<std::string> header;
  for (const auto& row : read_csv(dir.path("out/timeseries.csv"), header))
    CHECK(std::stod(row[column(header, "facility_power_w")]) <=
          std::stod(row[column(header, "power_available_w")]) * (1 + 1e-12));
}

TEST_CASE("SIGINT stops a run where it is and writes complete outputs up to there") {
  TempDir dir;
  // Start a five-year 200k-GPU run (about 2 s) in the background, interrupt it after a moment.
  std::string command = shell_quote(CAPSIM_BINARY) + " run " +
                        shell_quote(source_path("scenarios/bench-200k.yaml")) +
                        " --set 'horizon=5 yr' -q -o " + shell_quote(dir.path("out")) +
                        " 2>/dev/null & pid=$!; sleep 0.5; " + "kill -INT $pid; wait $pid; echo $?";
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe);
  char buffer[64] = {0};
  std::string status = std::fgets(buffer, sizeof buffer, pipe) ? buffer : "";
  ::pclose(pipe);
  if (status.rfind("0", 0) == 0) {
    MESSAGE("the run finished before the interrupt arrived; nothing to check");
    return;
  }
  CHECK(status.rfind("130", 0) == 0);
  auto s = read_json(dir.path("out/summary.json"));
  REQUIRE(s.contains("interrupted_at_s"));
  double stop = s["interrupted_at_s"].get<double>();
  CHECK(stop < s["horizon_s"].get<double>());
  std::vector<std::string> header;
  auto rows = read_csv(dir.path("out/timeseries.csv"), header);
  REQUIRE(!rows.empty());
  CHECK(std::stod(rows.back()[0]) == doctest::Approx(stop)); // the last row is the stop
  CHECK(std::filesystem::exists(dir.path("out/events.csv")));
}

TEST_CASE("--summary-only writes the run's summary and nothing else, to a file or to stdout") {
  // A scenario with a finance block, so that the finance that writes files is computed too.
  std::string file = source_path("scenarios/apollo-xai-lease.yaml");
  TempDir full, only;
  auto expected = run_ok(full, file, {"--set", "horizon=30 d"});
  auto comparable = [](nlohmann::json s) { // without the machine's measurements
    for (const char* key : {"wall_s", "peak_rss_bytes", "profile", "memory"})
      s["engine"].erase(key);
    s.erase("run_id");
    return s;
  };
  auto to_file = run_capsim(
      {"run", file, "--set", "horizon=30 d", "-q", "--summary-only", only.path("summary.json")});
  INFO(to_file.output);
  REQUIRE(to_file.exit_code == 0);
  CHECK(comparable(read_json(only.path("summary.json"))) == comparable(expected));
  // Nothing but that file: no output directory, time series, event log or ledger.
  CHECK(std::distance(std::filesystem::directory_iterator(only.path()),
                      std::filesystem::directory_iterator()) == 1);
  // To stdout (without -q: nothing else is printed there), stderr apart.
  auto to_stdout = run_command(shell_quote(CAPSIM_BINARY) + " run " + shell_quote(file) +
                               " --set 'horizon=30 d' --summary-only - 2>/dev/null");
  REQUIRE(to_stdout.exit_code == 0);
  CHECK(comparable(nlohmann::json::parse(to_stdout.output)) == comparable(expected));
  // The profile adds up the run's own time: its parts are all there, and positive.
  auto profile = read_json(only.path("summary.json"))["engine"]["profile"];
  for (const char* phase :
       {"load_s", "setup_s", "platform_s", "state_s", "models_s", "rows_s", "engine_s", "report_s"})
    CHECK(profile[phase].get<double>() >= 0);
  // With an output directory as well: refused before anything runs.
  auto both = run_capsim({"run", file, "-o", only.path("out"), "--summary-only", "-"});
  CHECK(both.exit_code == 2);
  CHECK(!std::filesystem::exists(only.path("out")));
}
