// Sweeps: expansion of the sweep block, seeds, results files that do not depend on how the work
// was spread (-j, shards, MPI), fault isolation, recovery after SIGKILL, break-evens, plots.
// Whole sweeps go through the capsim binary (one engine per process).
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <set>
#include <thread>

#include <fcntl.h>

#include "capsim_process.hpp"
#include "sim/batch/curves.hpp"
#include "sim/batch/plan.hpp"
#include "sim/batch/results.hpp"
#include "sim/report/progress.hpp"
#include "sim/scenario/loader.hpp"

using namespace capsim;
using namespace capsim::test;

namespace {

const std::string base_yaml = R"(scenario: sweep-unit
seed: 5
horizon: 2 d
sites:
  - name: site-a
    grid:
      capacity: 2 MW
    pue: 1.2
clusters:
  - name: c1
    site: site-a
    gpu: H100
    deliveries:
      - at: 0 d
        gpus: 64
jobs:
  - name: j1
    cluster: c1
    gpus: 64
    model:
      parameters: 7e9
      tokens: 1e10
)";

SweepPlan plan_of(const std::string& sweep_yaml) {
  Scenario s = load_scenario_text(base_yaml + sweep_yaml, "sweep-unit.yaml");
  return make_plan(s, "sweep-unit.yaml", {});
}

std::string load_error(const std::string& sweep_yaml) {
  try {
    load_scenario_text(base_yaml + sweep_yaml, "sweep-unit.yaml");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

const std::string small_sweep = source_path("tests/fixtures/sweep/small.yaml");

bool files_equal(const std::string& a, const std::string& b) {
  std::string ta = read_text(a), tb = read_text(b);
  return !ta.empty() && ta == tb;
}

std::size_t line_count(const std::string& path) {
  std::string text = read_text(path);
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// Same files, and every run in them succeeded (identical files of failed runs prove nothing).
void check_same_outputs(const std::string& a, const std::string& b) {
  std::vector<std::string> header;
  auto rows = read_csv(a + "/results.csv", header);
  CHECK(!rows.empty());
  for (const auto& row : rows)
    CHECK_MESSAGE(row[column(header, "status")] == "ok", row[column(header, "error")]);
  for (const char* file : {"results.csv", "summary.csv", "curves/goodput.csv",
                           "curves/goodput-over-time.csv", "curves/breakeven.csv"}) {
    INFO(std::string(file));
    CHECK(files_equal(a + "/" + file, b + "/" + file));
  }
}

} // namespace

TEST_CASE("sweep: a grid crosses its axes, the first slowest") {
  auto plan = plan_of(R"(sweep:
  axes:
    - {path: jobs.j1.mfu, values: [0.3, 0.4, 0.5]}
    - {path: sites.site-a.grid.capacity, values: [1 MW, 2 MW]}
)");
  REQUIRE(plan.points.size() == 6);
  CHECK(plan.axes == std::vector<std::string>{"jobs.j1.mfu", "sites.site-a.grid.capacity"});
  CHECK(plan.points[0] == std::vector<std::string>{"0.3", "1 MW"});
  CHECK(plan.points[1] == std::vector<std::string>{"0.3", "2 MW"});
  CHECK(plan.points[5] == std::vector<std::string>{"0.5", "2 MW"});
  CHECK(plan.task_count() == 6);
}

TEST_CASE("sweep: a zip group moves its axes together") {
  auto plan = plan_of(R"(sweep:
  replications: 3
  axes:
    - zip:
        - {path: jobs.j1.mfu, values: [0.3, 0.4, 0.5]}
        - {path: jobs.j1.start, values: [0 d, 1 h, 2 h]}
    - {path: sites.site-a.pue, values: [1.1, 1.3]}
)");
  REQUIRE(plan.points.size() == 6); // 3 zipped x 2, not 3 x 3 x 2
  CHECK(plan.points[2] == std::vector<std::string>{"0.4", "1 h", "1.1"});
  CHECK(plan.points[5] == std::vector<std::string>{"0.5", "2 h", "1.3"});
  CHECK(plan.task_count() == 18);
}

TEST_CASE("sweep: linear and log ranges include both ends and keep the unit") {
  auto plan = plan_of(R"(sweep:
  axes:
    - {path: sites.site-a.grid.capacity, from: 1 MW, to: 2 MW, steps: 5}
    - {path: jobs.j1.mfu, from: 0.01, to: 1, steps: 3, scale: log}
)");
  REQUIRE(plan.points.size() == 15);
  std::vector<std::string> capacities, mfus;
  for (std::size_t i = 0; i < 15; i += 3)
    capacities.push_back(plan.points[i][0]);
  for (std::size_t i = 0; i < 3; ++i)
    mfus.push_back(plan.points[i][1]);
  CHECK(capacities == std::vector<std::string>{"1 MW", "1.25 MW", "1.5 MW", "1.75 MW", "2 MW"});
  CHECK(mfus == std::vector<std::string>{"0.01", "0.1", "1"}); // geometric: ratio 10
}

TEST_CASE("sweep: random samples stay in range and follow their seed") {
  std::string block = R"(sweep:
  samples:
    method: random
    count: 20
    seed: SEED
    axes:
      - {path: jobs.j1.mfu, from: 0.2, to: 0.6}
      - {path: sites.site-a.grid.capacity, from: 1 MW, to: 100 MW, scale: log}
)";
  auto with_seed = [&](const char* seed) {
    std::string text = block;
    text.replace(text.find("SEED"), 4, seed);
    return plan_of(text);
  };
  auto a = with_seed("3"), b = with_seed("3"), c = with_seed("4");
  REQUIRE(a.points.size() == 20);
  CHECK(a.points == b.points);
  CHECK(a.points != c.points);
  for (const auto& p : a.points) {
    double mfu = std::stod(p[0]);
    CHECK(mfu >= 0.2);
    CHECK(mfu < 0.6);
    CHECK(p[1].ends_with(" MW"));
    double mw = std::stod(p[1]);
    CHECK(mw >= 1);
    CHECK(mw < 100);
  }
}

TEST_CASE("sweep: a Latin hypercube puts one draw in each stratum of each axis") {
  SampleSpec spec{
      .method = SampleMethod::latin_hypercube,
      .count = 10,
      .seed = 9,
      .axes = {{.path = "a", .from = 0, .to = 1, .unit = "", .scale = AxisScale::linear},
               {.path = "b", .from = 10, .to = 20, .unit = "", .scale = AxisScale::linear}}};
  auto draws = draw_samples(spec);
  REQUIRE(draws.size() == 10);
  for (std::size_t axis = 0; axis < 2; ++axis) {
    std::set<int> strata;
    for (const auto& d : draws) {
      double u = axis == 0 ? d[0] : (d[1] - 10) / 10;
      strata.insert(static_cast<int>(u * 10));
    }
    CHECK(strata.size() == 10); // every tenth of the range exactly once
  }
  // Through the scenario too: count points, values in range.
  auto plan = plan_of(R"(sweep:
  replications: 2
  axes:
    - {path: sites.site-a.pue, values: [1.1, 1.2]}
  samples:
    method: latin-hypercube
    count: 4
    axes:
      - {path: jobs.j1.mfu, from: 0.2, to: 0.6}
)");
  CHECK(plan.points.size() == 8);
  CHECK(plan.task_count() == 16);
}

TEST_CASE("sweep: seeds are derived per point and replication, or common to every point") {
  auto plan = plan_of(R"(sweep:
  replications: 4
  axes:
    - {path: jobs.j1.mfu, values: [0.3, 0.4, 0.5]}
)");
  std::set<std::uint64_t> seeds;
  for (std::size_t p = 0; p < 3; ++p)
    for (int r = 0; r < 4; ++r) {
      seeds.insert(plan.seed(p, r));
      CHECK(plan.seed(p, r) < (std::uint64_t{1} << 53));
    }
  CHECK(seeds.size() == 12);
  plan.common_seeds = true;
  CHECK(plan.seed(0, 2) == plan.seed(2, 2));
  CHECK(plan.seed(0, 1) != plan.seed(0, 2));
  // Shards partition the tasks.
  std::set<std::size_t> all;
  std::size_t total = 0;
  for (std::size_t i = 0; i < 5; ++i)
    for (auto t : shard_tasks(plan, i, 5)) {
      all.insert(t);
      ++total;
    }
  CHECK(total == plan.task_count());
  CHECK(all.size() == plan.task_count());
}

TEST_CASE("sweep: mistakes in the sweep block are located errors") {
  std::string typo = load_error(R"(sweep:
  axes:
    - {path: jobs.j1.mfuu, values: [0.3]}
)");
  CHECK(typo.find("sweep-unit.yaml:25:") != std::string::npos);
  CHECK(typo.find("does not resolve") != std::string::npos);
  CHECK(typo.find("mfuu") != std::string::npos);
  std::string item = load_error(R"(sweep:
  axes:
    - {path: jobs.nosuchjob.mfu, values: [0.3]}
)");
  CHECK(item.find("no item named 'nosuchjob'") != std::string::npos);
  std::string zip = load_error(R"(sweep:
  axes:
    - zip:
        - {path: jobs.j1.mfu, values: [0.3, 0.4]}
        - {path: jobs.j1.start, values: [0 d]}
)");
  CHECK(zip.find("move together") != std::string::npos);
  std::string unknown = load_error(R"(sweep:
  replication: 3
)");
  CHECK(unknown.find("unknown key 'replication'") != std::string::npos);
  std::string units = load_error(R"(sweep:
  axes:
    - {path: sites.site-a.grid.capacity, from: 1 MW, to: 2000 kW, steps: 3}
)");
  CHECK(units.find("same unit") != std::string::npos);
  std::string curve = load_error(R"(sweep:
  axes:
    - {path: jobs.j1.mfu, values: [0.3]}
curves:
  - {name: c, x: jobs.j1.start, y: jobs.j1.goodput_fraction}
)");
  CHECK(curve.find("x must be 'time' or a swept path") != std::string::npos);
  // A valid block loads, and a plain run ignores it (checked through the binary below).
  CHECK(load_error("sweep:\n  replications: 2\n").empty());
}

TEST_CASE("sweep: results.csv recovery drops a partial last line and foreign rows") {
  auto plan = plan_of(R"(sweep:
  replications: 2
  axes:
    - {path: jobs.j1.mfu, values: [0.3, 0.4]}
)");
  TempDir dir;
  std::string path = dir.path("results.csv");
  {
    ResultsLog log(plan, path, {});
    log.append({.point = 1,
                .replication = 0,
                .seed = plan.seed(1, 0),
                .ok = true,
                .error = "",
                .fields = {{"jobs.j1.flop_done", "1.5"}}});
    log.append({.point = 0,
                .replication = 1,
                .seed = plan.seed(0, 1),
                .ok = false,
                .error = "exit code 2: bad, \"quoted\"",
                .fields = {}});
  }
  std::ofstream(path, std::ios::app) << "0,0,0.3,123"; // torn write
  std::size_t dropped = 0;
  auto rows = read_results(plan, path, &dropped);
  REQUIRE(rows.size() == 2);
  CHECK(dropped == 1);
  CHECK(rows[0].point == 1);
  CHECK(rows[0].fields.front().second == "1.5");
  CHECK(rows[1].error == "exit code 2: bad, \"quoted\"");
  // Sorted output, summary statistics of one run are that run's value.
  std::string csv = results_csv(plan, rows);
  CHECK(csv.find("0,1,0.3,") < csv.find("1,0,0.4,"));
  std::string summary = summary_csv(plan, rows);
  CHECK(summary.find("1,0.4,1,0,1.5,1.5,1.5,1.5") != std::string::npos);
  CHECK(percentile({1, 2, 3, 4, 5}, 0.5) == 3);
  CHECK(percentile({0, 10}, 0.05) == doctest::Approx(0.5)); // type 7: (n-1) p = 0.05
}

TEST_CASE("sweep: a break-even is found where two lines cross") {
  // y_a = 2 x and y_b = 3 + x / 2 cross at x = 2, y = 4; the sampled x do not include 2.
  CurveLine a{.group = "a", .points = {}}, b{.group = "b", .points = {}};
  for (double x : {0.0, 1.5, 3.0, 4.5}) {
    a.points.push_back({.x = x, .runs = 1, .mean = 2 * x, .p5 = 0, .p50 = 0, .p95 = 0});
    b.points.push_back({.x = x, .runs = 1, .mean = 3 + x / 2, .p5 = 0, .p50 = 0, .p95 = 0});
  }
  auto found = find_break_evens("c", {a, b});
  REQUIRE(found.size() == 1);
  CHECK(found[0].x == doctest::Approx(2.0).epsilon(1e-12)); // both lines are straight
  CHECK(found[0].y == doctest::Approx(4.0).epsilon(1e-12));
  CHECK(found[0].higher_before == "b");
  // Lines that meet and stay together do not break even.
  CurveLine c{.group = "c", .points = {}}, d{.group = "d", .points = {}};
  for (double x : {0.0, 1.0, 2.0}) {
    c.points.push_back({.x = x, .runs = 1, .mean = x > 0 ? 1.0 : 0.5, .p5 = 0, .p50 = 0, .p95 = 0});
    d.points.push_back({.x = x, .runs = 1, .mean = 1.0, .p5 = 0, .p50 = 0, .p95 = 0});
  }
  CHECK(find_break_evens("c", {c, d}).empty());
}

TEST_CASE("sweep: the progress line shows counts, rate and ETA") {
  ProgressBar bar("sweep", 10, false);
  std::string line = bar.line(5, 2.0, 80);
  CHECK(line.find("5/10") != std::string::npos);
  CHECK(line.find("50%") != std::string::npos);
  CHECK(line.find("2.5/s") != std::string::npos);
  CHECK(line.find("ETA 0:02") != std::string::npos);
  CHECK(format_duration(3725) == "1:02:05");
}

TEST_CASE("sweep: -j 1 and -j 2 and merged shards give identical files") {
  TempDir dir;
  auto one = run_capsim({"sweep", small_sweep, "-o", dir.path("j1"), "-j", "1", "-q"});
  REQUIRE_MESSAGE(one.exit_code == 0, one.output);
  auto two = run_capsim({"sweep", small_sweep, "-o", dir.path("j2"), "-j", "2"});
  REQUIRE_MESSAGE(two.exit_code == 0, two.output);
  // Its efficiency: the runs' own time fits in the workers' share of its wall time.
  auto at = two.output.find("efficiency ");
  REQUIRE_MESSAGE(at != std::string::npos, two.output);
  double efficiency = std::stod(two.output.substr(at + 11));
  CHECK(efficiency > 0);
  CHECK(efficiency <= 100);
  // This sweep has a time curve: its runs keep their summary and time series, nothing else.
  for (const auto& run : std::filesystem::directory_iterator(dir.path("j2/runs"))) {
    std::set<std::string> files;
    for (const auto& file : std::filesystem::directory_iterator(run.path()))
      files.insert(file.path().filename().string());
    CHECK(files == std::set<std::string>{"summary.json", "timeseries.csv"});
  }
  // Without curves over time, runs that keep only their summaries leave nothing behind.
  auto plain = run_capsim({"sweep", source_path("scenarios/quickstart.yaml"), "--axis",
                           "jobs.pretrain.mfu=[0.35, 0.4]", "-o", dir.path("plain"), "-q"});
  REQUIRE_MESSAGE(plain.exit_code == 0, plain.output);
  CHECK(!std::filesystem::exists(dir.path("plain/runs")));
  // Runs that keep all their files give the same results.
  auto kept =
      run_capsim({"sweep", small_sweep, "-o", dir.path("kept"), "-j", "2", "-q", "--keep-runs"});
  REQUIRE_MESSAGE(kept.exit_code == 0, kept.output);
  CHECK(read_text(dir.path("kept/results.csv")) == read_text(dir.path("j1/results.csv")));
  CHECK(std::filesystem::exists(dir.path("kept/runs/p000000-r000/timeseries.csv")));
  for (const char* shard : {"0/3", "1/3", "2/3"}) {
    auto r = run_capsim({"sweep", small_sweep, "-o", dir.path("sh"), "--shard", shard, "-q"});
    REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  }
  auto merged = run_capsim({"merge", dir.path("sh")});
  REQUIRE_MESSAGE(merged.exit_code == 0, merged.output);
  check_same_outputs(dir.path("j1"), dir.path("j2"));
  check_same_outputs(dir.path("j1"), dir.path("sh"));

  std::vector<std::string> header;
  auto rows = read_csv(dir.path("j1/results.csv"), header);
  CHECK(rows.size() == 8); // 2 x 2 points x 2 replications
  CHECK(header[2] == "jobs.j1.mfu");
  CHECK(header[4] == "seed");
  auto done = column(header, "jobs.j1.flop_done");
  CHECK(std::find(header.begin(), header.end(), "engine.wall_s") == header.end());
  CHECK(std::find(header.begin(), header.end(), "engine.events") != header.end());
  // Replications differ (frequent failures), so the seeds matter.
  CHECK(rows[0][done] != rows[1][done]);
  // A row is a plain run with that seed and those overrides.
  auto run = run_capsim({"run", small_sweep, "-o", dir.path("one"), "-q", "--seed", rows[1][4],
                         "--set", "jobs.j1.mfu=" + rows[1][2], "--set",
                         "sites.site-a.grid.capacity=" + rows[1][3]});
  REQUIRE_MESSAGE(run.exit_code == 0, run.output);
  auto summary = read_json(dir.path("one/summary.json"));
  CHECK(std::stod(rows[1][done]) == summary["jobs"][0]["flop_done"].get<double>());

  // A merge with a shard missing is refused.
  std::filesystem::remove_all(dir.path("sh/shard-1-of-3"));
  auto incomplete = run_capsim({"merge", dir.path("sh"), "-o", dir.path("m2")});
  CHECK(incomplete.exit_code == 2);
  CHECK(incomplete.output.find("missing") != std::string::npos);
}

TEST_CASE("sweep: mpirun -n 2 gives the same files as a local sweep") {
  if (std::system("command -v mpirun > /dev/null 2>&1") != 0) {
    MESSAGE("mpirun not found: install openmpi-bin (tools/install-deps.sh) to run this test");
    return;
  }
  TempDir dir;
  auto local = run_capsim({"sweep", small_sweep, "-o", dir.path("local"), "-j", "2", "-q"});
  REQUIRE_MESSAGE(local.exit_code == 0, local.output);
  // LSAN_OPTIONS matters only to a sanitizer build: Open MPI's plug-ins have no frame pointers,
  // so their allocations need full unwinding for the suppressions to see libmpi in the stack.
  std::string command = "OMPI_MCA_btl_vader_single_copy_mechanism=none "
                        "LSAN_OPTIONS=fast_unwind_on_malloc=0 mpirun "
                        "--allow-run-as-root --oversubscribe -n 2 " +
                        shell_quote(CAPSIM_BINARY) + " sweep " + shell_quote(small_sweep) + " -o " +
                        shell_quote(dir.path("mpi")) + " -q 2>&1";
  auto mpi = run_command(command);
  REQUIRE_MESSAGE(mpi.exit_code == 0, mpi.output);
  check_same_outputs(dir.path("local"), dir.path("mpi"));
}

TEST_CASE("sweep: a failing point is recorded as failed and the others finish") {
  TempDir dir;
  auto r = run_capsim({"sweep", small_sweep, "-o", dir.path("s"), "-j", "2", "-q", "--axis",
                       "jobs.j1.mfu=[0.4, 7]", "--replications", "1"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  std::vector<std::string> header;
  auto rows = read_csv(dir.path("s/results.csv"), header);
  REQUIRE(rows.size() == 4); // 2 mfu x 2 capacities
  auto status = column(header, "status"), error = column(header, "error"),
       mfu = column(header, "jobs.j1.mfu"), done = column(header, "jobs.j1.flop_done");
  for (const auto& row : rows) {
    if (row[mfu] == "7") {
      CHECK(row[status] == "failed");
      CHECK(row[error].find("mfu") != std::string::npos);
      CHECK(row[done].empty());
    } else {
      CHECK(row[status] == "ok");
      CHECK(!row[done].empty());
    }
  }
  // The failed run's stderr is kept for a look.
  CHECK(std::filesystem::exists(dir.path("s/runs/p000002-r000/stderr.txt")));
}

TEST_CASE("sweep: killed with SIGKILL and resumed it ends as if never killed") {
  TempDir dir;
  auto whole = run_capsim({"sweep", small_sweep, "-o", dir.path("whole"), "-j", "2", "-q"});
  REQUIRE_MESSAGE(whole.exit_code == 0, whole.output);

  std::string out = dir.path("killed");
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int null_fd = ::open("/dev/null", O_WRONLY);
    ::dup2(null_fd, 1);
    ::dup2(null_fd, 2);
    ::execl(CAPSIM_BINARY, CAPSIM_BINARY, "sweep", small_sweep.c_str(), "-o", out.c_str(), "-j",
            "1", "-q", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Kill it once two rows are in (of eight).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (line_count(out + "/results.csv") < 3 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK(WIFSIGNALED(status));
  std::size_t rows_before = line_count(out + "/results.csv") - 1;
  MESSAGE("killed after " << rows_before << " of 8 runs");
  CHECK(rows_before < 8);
  // As if the kill had torn a row in half.
  std::ofstream(out + "/results.csv", std::ios::app) << "3,1,0.5,2 MW,77";

  auto resumed = run_capsim({"sweep", small_sweep, "-o", out, "-j", "2", "--resume"});
  REQUIRE_MESSAGE(resumed.exit_code == 0, resumed.output);
  CHECK(resumed.output.find(std::to_string(rows_before) + " already done") != std::string::npos);
  check_same_outputs(dir.path("whole"), out);

  // Resuming into a directory of another sweep is refused.
  auto other =
      run_capsim({"sweep", small_sweep, "-o", out, "--resume", "-q", "--replications", "3"});
  CHECK(other.exit_code == 2);
  CHECK(other.output.find("another sweep") != std::string::npos);
}

TEST_CASE("sweep: a plain run ignores a valid sweep block and plot draws runs and curves") {
  TempDir dir;
  auto run = run_capsim({"run", small_sweep, "-o", dir.path("run"), "-q"});
  REQUIRE_MESSAGE(run.exit_code == 0, run.output);
  auto sweep = run_capsim({"sweep", small_sweep, "-o", dir.path("sweep"), "-q"});
  REQUIRE_MESSAGE(sweep.exit_code == 0, sweep.output);
  for (const char* which : {"run", "sweep"}) {
    auto plot = run_capsim({"plot", dir.path(which)});
    REQUIRE_MESSAGE(plot.exit_code == 0, plot.output);
    std::size_t png = 0, svg = 0, gp = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path(which) + "/plots")) {
      std::string path = entry.path().string();
      std::string text = read_text(path);
      INFO(path);
      REQUIRE(text.size() > 500);
      if (path.ends_with(".png")) {
        ++png;
        CHECK(text.rfind("\x89PNG\r\n\x1a\n", 0) == 0);
      } else if (path.ends_with(".svg")) {
        ++svg;
        CHECK(text.find("<?xml") != std::string::npos);
        CHECK(text.find("<svg") != std::string::npos);
        CHECK(text.find("</svg>") != std::string::npos);
      } else if (path.ends_with(".gp")) { // the figure's own script, data inline
        ++gp;
        CHECK(text.find("set terminal") != std::string::npos);
        CHECK(text.find("EOD") != std::string::npos);
      } else {
        FAIL("unexpected file in plots/");
      }
    }
    CHECK(png == svg);
    CHECK(gp == png);
    CHECK(png >= (std::string(which) == "run" ? 4u : 2u)); // goodput, power, throttling, GPUs
  }
  CHECK(std::filesystem::exists(dir.path("run/plots/site-a-power.svg")));
  CHECK(std::filesystem::exists(dir.path("sweep/plots/curve-goodput.png")));
  auto nothing = run_capsim({"plot", dir.path("none")});
  CHECK(nothing.exit_code == 2);
}

TEST_CASE("sweep: a triangular energisation date spreads time-to-train across replications") {
  // The grid is the site's only source; its energisation is drawn per replication from a
  // triangular distribution on [2 d, 3 d, 6 d]. The job runs the same way once powered (no
  // failures), so each replication's completion is its drawn date plus one fixed duration.
  TempDir dir;
  const std::string text = R"(scenario: energisation-risk
seed: 11
horizon: 10 d
sites:
  - name: site-a
    grid:
      capacity: 2 MW
      energised: {triangular: [2 d, 3 d, 6 d]}
    pue: 1.2
clusters:
  - name: c1
    site: site-a
    gpu: H100
    deliveries:
      - at: 0 d
        gpus: 64
    failures:
      rate: 0 /GPU/h
      repair_time: 24 h
jobs:
  - name: j1
    cluster: c1
    gpus: 64
    model:
      parameters: 7e9
      tokens: 1e10
sweep:
  replications: 8
)";
  const std::string file = dir.write("risk.yaml", text);
  auto one = run_capsim({"sweep", file, "-o", dir.path("j1"), "-j", "1", "-q"});
  REQUIRE_MESSAGE(one.exit_code == 0, one.output);
  auto two = run_capsim({"sweep", file, "-o", dir.path("j2"), "-j", "2", "-q"});
  REQUIRE_MESSAGE(two.exit_code == 0, two.output);
  CHECK(files_equal(dir.path("j1/results.csv"), dir.path("j2/results.csv")));

  std::vector<std::string> header;
  auto rows = read_csv(dir.path("j1/results.csv"), header);
  REQUIRE(rows.size() == 8);
  const auto energised = column(header, "sites.site-a.grid_energised_s");
  const auto done = column(header, "jobs.j1.completion_s");
  std::set<std::string> dates;
  std::vector<double> durations;
  double first = 1e300, last = 0;
  for (const auto& row : rows) {
    const double e = std::stod(row[energised]), c = std::stod(row[done]);
    CHECK(e >= 2 * 86400.0);
    CHECK(e <= 6 * 86400.0);
    dates.insert(row[energised]);
    durations.push_back(c - e);
    first = std::min(first, c);
    last = std::max(last, c);
  }
  CHECK(dates.size() == rows.size()); // every replication draws its own date
  // Time-to-train = drawn date + the same duration (to a microsecond): the spread of completion
  // is the spread of the dates, within the triangular bounds shifted by that duration.
  for (double d : durations)
    CHECK(d == doctest::Approx(durations[0]).epsilon(1e-9));
  CHECK(durations[0] > 0);
  CHECK(first >= 2 * 86400.0 + durations[0] - 1e-3);
  CHECK(last <= 6 * 86400.0 + durations[0] + 1e-3);
  CHECK(last - first > 3600); // a real spread, not one date
}
