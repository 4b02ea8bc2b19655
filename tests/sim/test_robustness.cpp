// Hostile inputs and hostile moments: output confinement, output sets published whole, locked
// directories, the work budget, disk full, kills at random instants, and every bad input a
// clean exit code 2 with a message a person can act on.
#include <doctest/doctest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "capsim_process.hpp"

using namespace capsim::test;
namespace fs = std::filesystem;

namespace {

std::string capsim_exe() {
  return shell_quote(CAPSIM_BINARY);
}

std::string quickstart() {
  return source_path("scenarios/quickstart.yaml");
}

std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ignored;
  for (const auto& e : fs::directory_iterator(dir, ignored))
    names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& n : names)
    text += n + " ";
  return text;
}

// A run directory holds one self-consistent set: the manifest lists every file with its size,
// and summary.json shares its run id.
void check_one_set(const std::string& dir) {
  auto manifest = read_json(dir + "/manifest.json");
  auto summary = read_json(dir + "/summary.json");
  REQUIRE(manifest["run_id"].is_string());
  CHECK(manifest["run_id"] == summary["run_id"]);
  std::set<std::string> listed{"manifest.json"};
  for (const auto& f : manifest["files"]) {
    std::string name = f["name"];
    listed.insert(name);
    CHECK(fs::file_size(dir + "/" + name) == f["bytes"].get<std::uintmax_t>());
  }
  for (const auto& name : entries(dir))
    CHECK_MESSAGE(listed.count(name), name << " is not in the manifest");
  for (const char* name : {"summary.json", "timeseries.csv", "events.csv"})
    CHECK(listed.count(name));
}

} // namespace

TEST_CASE("confinement: a scenario name never leads outside out/") {
  TempDir dir;
  for (std::string name : std::vector<std::string>{"..", "a/../../x", "/abs", "tab\there",
                                                   "bell\x07", "esc\x1b[1m", ".", ".hidden"}) {
    INFO("name: " << name);
    auto r = run_shell("cd " + shell_quote(dir.path()) + " && " + capsim_exe() + " run " +
                       shell_quote(quickstart()) + " -q --set " + shell_quote("scenario=" + name));
    CHECK(r.exit_code == 2);
    CHECK(r.output.find("--set scenario: error: scenario name") != std::string::npos);
    CHECK(entries(dir.path()).empty()); // nothing created: no out/, no x, no lock
  }
  // In the file, the error is located at the name; a sweep refuses it the same way.
  std::string text = read_text(quickstart());
  text.replace(text.find("scenario: quickstart"), 20, "scenario: ../../escape");
  std::string file = dir.write("escape.yaml", text);
  auto r = run_capsim({"run", file, "-q"});
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("escape.yaml:8:11: error: scenario name '../../escape': contains a path "
                      "separator") != std::string::npos);
  auto s = run_capsim({"sweep", file, "-q", "--replications", "2"});
  CHECK(s.exit_code == 2);
  CHECK(s.output.find("escape.yaml:8:11:") != std::string::npos);
  CHECK(!fs::exists(dir.path("../escape")));
  CHECK(!fs::exists(dir.path("../../escape-sweep")));
}

TEST_CASE("output set: published whole, with one run id in the manifest and the summary") {
  TempDir dir;
  std::string out = dir.path("out");
  REQUIRE(run_capsim({"run", quickstart(), "-q", "-o", out}).exit_code == 0);
  check_one_set(out);
  std::string first_id = read_json(out + "/manifest.json")["run_id"];
  // `capsim plot` writes into the set's directory; the next run replaces the whole set.
  fs::create_directories(out + "/plots");
  std::ofstream(out + "/plots/old.svg") << "<svg/>";
  REQUIRE(run_capsim({"run", quickstart(), "-q", "-o", out, "--seed", "7"}).exit_code == 0);
  check_one_set(out);
  CHECK(read_json(out + "/manifest.json")["run_id"] != first_id);
  CHECK(read_json(out + "/summary.json")["seed"] == 7);
  CHECK(!fs::exists(out + "/plots"));
  // Only the set: no staging directory or lock file left beside it.
  CHECK(joined(entries(dir.path())) == "out ");
}

TEST_CASE("output set: a directory holding other files is refused, not replaced") {
  TempDir dir;
  fs::create_directories(dir.path("mine"));
  dir.write("mine/thesis.tex", "years of work");
  auto r = run_capsim({"run", quickstart(), "-q", "-o", dir.path("mine")});
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("holds 'thesis.tex', which capsim did not write") != std::string::npos);
  CHECK(read_text(dir.path("mine/thesis.tex")) == "years of work");
  auto here = run_shell("cd " + shell_quote(dir.path("mine")) + " && " + capsim_exe() + " run " +
                        shell_quote(quickstart()) + " -q -o .");
  CHECK(here.exit_code == 2);
  CHECK(here.output.find("is the current directory") != std::string::npos);
}

TEST_CASE("output set: temporaries of killed runs are removed, those of live ones kept") {
  TempDir dir;
  // A PID that has certainly exited: a shell's own, once it is gone.
  std::string dead = run_shell("echo $$").output;
  dead.erase(dead.find_last_not_of("\n") + 1);
  std::string stale = dir.path(".out.capsim-" + dead + "-deadbeef.tmp");
  std::string live = dir.path(".out.capsim-" + std::to_string(::getpid()) + "-cafe.tmp");
  fs::create_directories(stale);
  fs::create_directories(live);
  dir.write(".out.capsim-" + dead + "-deadbeef.tmp/events.csv", "time_s,kind\n1,");
  REQUIRE(run_capsim({"run", quickstart(), "-q", "-o", dir.path("out")}).exit_code == 0);
  CHECK(!fs::exists(stale));
  CHECK(fs::exists(live));
  check_one_set(dir.path("out"));
}

TEST_CASE("locks: of two runs into one directory, one succeeds and the other exits 2 naming "
          "the first's PID") {
  TempDir dir;
  std::string out = dir.path("out");
  std::string lock = dir.path(".out.lock");
  // The second run starts once the first holds the lock. The first is bench-1m (about 0.8 s
  // here): bench-200k now takes about 0.1 s, which a loaded machine can spend starting the
  // second, so that the first had finished and the second rightly succeeded.
  auto r =
      run_shell(capsim_exe() + " run " + shell_quote(source_path("scenarios/bench-1m.yaml")) +
                " -q -o " + shell_quote(out) + " & first=$!\n" + "for i in $(seq 2000); do [ -s " +
                shell_quote(lock) + " ] && break; sleep 0.005; done\n" + capsim_exe() + " run " +
                shell_quote(quickstart()) + " -q -o " + shell_quote(out) +
                "; echo \"second=$?\"; wait $first; echo \"first=$? pid=$first\"");
  INFO(r.output);
  std::smatch m;
  REQUIRE(std::regex_search(r.output, m, std::regex("first=(\\d+) pid=(\\d+)")));
  CHECK(m[1] == "0");
  CHECK(r.output.find("second=2") != std::string::npos);
  CHECK(r.output.find("in use by another capsim process (PID " + m[2].str() + ";") !=
        std::string::npos);
  CHECK(read_json(out + "/summary.json")["scenario"] == "bench-1m"); // the first's set only
  check_one_set(out);
  CHECK(!fs::exists(lock));
}

TEST_CASE("locks: a second sweep into a running sweep's directory is refused") {
  TempDir dir;
  std::string out = dir.path("sw");
  // The second sweep starts once the first holds the lock; the first runs bench-200k four times
  // in a row (~0.9 s each here), so it still holds it then even on a loaded machine (with
  // quickstart's 50 ms runs it could finish first, and the second would rightly succeed).
  auto r =
      run_shell(capsim_exe() + " sweep " + shell_quote(source_path("scenarios/bench-200k.yaml")) +
                " -q -j 1 --replications 4 -o " + shell_quote(out) + " & first=$!\n" +
                "for i in $(seq 2000); do [ -s " + shell_quote(dir.path(".sw.lock")) +
                " ] && break; sleep 0.005; done\n" + capsim_exe() + " sweep " +
                shell_quote(quickstart()) + " -q --replications 2 -o " + shell_quote(out) +
                "; echo \"second=$?\"; wait $first; echo \"first=$?\"");
  INFO(r.output);
  CHECK(r.output.find("second=2") != std::string::npos);
  CHECK(r.output.find("first=0") != std::string::npos);
  CHECK(r.output.find("the sweep directory is in use by another capsim process (PID") !=
        std::string::npos);
  std::vector<std::string> header;
  CHECK(read_csv(out + "/results.csv", header).size() == 4); // the first sweep's rows only
}

TEST_CASE("budget: a dose rate of 1e9 rad/yr is refused before anything is written") {
  TempDir dir;
  std::string out = dir.path("out");
  auto r = run_capsim({"run", source_path("scenarios/orbital-sso.yaml"), "-o", out, "--set",
                       "sites.dawn-dusk.radiation.dose_rate=1e9 rad/yr"});
  INFO(r.output);
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("this run would take about 1.16e+11 events") != std::string::npos);
  CHECK(r.output.find("--max-events") != std::string::npos);
  CHECK(!fs::exists(out));
  CHECK(entries(dir.path()).empty());
  // 1e8 GPUs validate as a cluster size; as memory they need 12.5 million hosts x 16 B + the
  // process's 50 MB = 250 MB, refused under a 100 MB budget.
  auto m = run_capsim({"run", quickstart(), "-o", out, "--max-memory", "100 MB", "--set",
                       "clusters.h100-lease.deliveries=[{at: 0 d, gpus: 100000000}]"});
  INFO(m.output);
  CHECK(m.exit_code == 2);
  CHECK(m.output.find("would need about 250 MB") != std::string::npos);
  CHECK(!fs::exists(out));
  // And the sweep: before its directory is made.
  auto s = run_capsim({"sweep", source_path("scenarios/orbital-sso.yaml"), "-q", "-o", out,
                       "--replications", "2", "--set",
                       "sites.dawn-dusk.radiation.dose_rate=1e9 rad/yr"});
  CHECK(s.exit_code == 2);
  CHECK(!fs::exists(out));
}

TEST_CASE("budget: the estimate follows the engine's own event count") {
  // quickstart: 92 failures, 88 repairs, 49 interruptions; engine.events 236 for seed 42.
  TempDir dir;
  auto s = run_ok(dir, quickstart());
  double events = s["engine"]["events"].get<double>();
  auto r = run_capsim({"run", quickstart(), "-q", "-o", dir.path("x"), "--max-events", "1"});
  std::smatch m;
  REQUIRE(std::regex_search(r.output, m,
                            std::regex("\\(([0-9.e+]+) failures, ([0-9.e+]+) repairs, ([0-9.e+]+) "
                                       "transient errors and radiation events, ([0-9.e+]+) "
                                       "restarts")));
  double estimate = std::stod(m[1]) + std::stod(m[2]) + std::stod(m[3]) + std::stod(m[4]) + 5;
  CHECK(estimate / events == doctest::Approx(1).epsilon(0.25));
}

TEST_CASE("disk full: exit 1 with one line, no temporary left, the previous set intact") {
  TempDir dir;
  if (run_shell("command -v unshare && unshare -m true").exit_code != 0) {
    MESSAGE("skipped: cannot make a mount namespace here (unshare -m) to mount a small tmpfs");
    return;
  }
  // A 1 MB tmpfs in a private mount namespace: the first run fits (~270 kB), the second, with
  // one row a minute, does not.
  std::string mnt = dir.path("mnt");
  fs::create_directories(mnt);
  std::string script =
      "set -u\nmount -t tmpfs -o size=1m tmpfs " + shell_quote(mnt) +
      " || { echo MOUNT-FAILED; exit 0; }\n" + capsim_exe() + " run " + shell_quote(quickstart()) +
      " -q -o " + shell_quote(mnt + "/out") + " >/dev/null 2>&1; echo \"first=$?\"\n" + "cp " +
      shell_quote(mnt + "/out/summary.json") + " " + shell_quote(dir.path("before.json")) + "\n" +
      capsim_exe() + " run " + shell_quote(quickstart()) + " -q -o " + shell_quote(mnt + "/out") +
      " --set outputs.interval=1min 2>" + shell_quote(dir.path("stderr.txt")) +
      "; echo \"second=$?\"\n" + "ls -A " + shell_quote(mnt) +
      " | tr '\\n' ' ' | sed 's/^/mnt: /'; echo\n" + "ls -A " + shell_quote(mnt + "/out") +
      " | tr '\\n' ' ' | sed 's/^/out: /'; echo\n" + "cmp " +
      shell_quote(mnt + "/out/summary.json") + " " + shell_quote(dir.path("before.json")) +
      " && echo same-summary\n" + "umount " + shell_quote(mnt) + "\n";
  auto r = run_shell("unshare -m sh -c " + shell_quote(script));
  INFO(r.output);
  if (r.output.find("MOUNT-FAILED") != std::string::npos) {
    MESSAGE("skipped: mounting a tmpfs is not permitted here");
    return;
  }
  CHECK(r.output.find("first=0") != std::string::npos);
  CHECK(r.output.find("second=1") != std::string::npos);
  CHECK(r.output.find("mnt: out \n") != std::string::npos); // no staging directory, no lock
  CHECK(r.output.find("out: events.csv manifest.json summary.json timeseries.csv") !=
        std::string::npos);
  CHECK(r.output.find("same-summary") != std::string::npos);
  std::string err = without_sanitizer_lines(read_text(dir.path("stderr.txt")));
  CHECK(err.find("capsim: error: cannot write") != std::string::npos);
  CHECK(err.find("No space left on device") != std::string::npos);
  CHECK(std::count(err.begin(), err.end(), '\n') == 1); // one line, no backtrace
}

TEST_CASE("crash consistency: 30 kills at random instants leave one whole set or none") {
  auto r = run_shell(shell_quote(source_path("tools/crashloop")) +
                     " --kills 30 --seed 18 --capsim " + capsim_exe());
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("30 kills (seed 18), every directory consistent") != std::string::npos);
}

TEST_CASE("bad input: SimGrid options are checked before the run, exit 2") {
  TempDir dir;
  std::string out = dir.path("out");
  auto factory = run_capsim(
      {"run", quickstart(), "-q", "-o", out, "--engine", "--cfg=contexts/factory:bogus"});
  CHECK(factory.exit_code == 2);
  CHECK(factory.output.find("--engine --cfg=contexts/factory:bogus: error: SimGrid does not "
                            "accept this option: Please use a valid factory.") !=
        std::string::npos);
  auto key = run_capsim({"run", quickstart(), "-q", "-o", out, "--engine", "--cfg=no/such:1"});
  CHECK(key.exit_code == 2);
  CHECK(key.output.find("Bad config key: no/such") != std::string::npos);
  auto nonsense = run_capsim({"run", quickstart(), "-q", "-o", out, "--engine", "--nonsense"});
  CHECK(nonsense.exit_code == 2);
  CHECK(nonsense.output.find("SimGrid takes only --cfg=KEY:VALUE and --log=CONTROL") !=
        std::string::npos);
  CHECK(!fs::exists(out));
  CHECK(run_capsim(
            {"run", quickstart(), "-q", "-o", out, "--engine", "--cfg=contexts/factory:ucontext"})
            .exit_code == 0);
}

TEST_CASE("bad input: -o naming a file") {
  TempDir dir;
  std::string file = dir.write("results", "not a directory");
  auto r = run_capsim({"run", quickstart(), "-q", "-o", file});
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("error: exists and is not a directory") != std::string::npos);
  auto s = run_capsim({"sweep", quickstart(), "-q", "--replications", "2", "-o", file});
  CHECK(s.exit_code == 2);
  CHECK(s.output.find("exists and is not a directory") != std::string::npos);
  CHECK(read_text(file) == "not a directory");
}

TEST_CASE("bad input: a directory given as the scenario") {
  TempDir dir;
  auto r = run_capsim({"run", dir.path(), "-q"});
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("is a directory; give a scenario file") != std::string::npos);
  CHECK(r.output.find("empty") == std::string::npos);
}

TEST_CASE("bad input: invalid UTF-8 is a located load error") {
  TempDir dir;
  std::string text = read_text(quickstart());
  text.replace(text.find("name: pretrain"), 14, "name: pre\xfftrain");
  std::string file = dir.write("utf8.yaml", text);
  auto r = run_capsim({"validate", file});
  CHECK(r.exit_code == 2);
  std::smatch m;
  REQUIRE(std::regex_search(r.output, m,
                            std::regex("utf8\\.yaml:(\\d+):(\\d+): error: invalid "
                                       "UTF-8 \\(byte 0xff at byte 3 of "
                                       "'pre\\\\xfftrain'\\)")));
  CHECK(std::stoi(m[1]) > 1);
  auto set = run_capsim(
      {"run", quickstart(), "-q", "-o", dir.path("o"), "--set", "jobs.pretrain.name=bad\xc3("});
  CHECK(set.exit_code == 2);
  CHECK(set.output.find("--set jobs.pretrain.name: error: invalid UTF-8") != std::string::npos);
  CHECK(!fs::exists(dir.path("o")));
}

TEST_CASE("bad input: --set errors inside a list value are located in the value") {
  auto r = run_capsim({"validate", quickstart(), "--set",
                       "clusters.h100-lease.deliveries=[{at: 0 d, gpus: 2048}, {at: 20 d, gpus: "
                       "abc}]"});
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("--set clusters.h100-lease.deliveries: error: 'gpus' in cluster "
                      "'h100-lease' delivery must be a whole number, got 'abc' (at column 42 of "
                      "the value)") != std::string::npos);
  CHECK(r.output.find("quickstart.yaml:1:") == std::string::npos);
}

TEST_CASE("bad input: -j 0 and --replications 0 say what they expect") {
  auto r = run_capsim({"sweep", quickstart(), "-q", "-j", "0"});
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("--jobs: expected a whole number of runs at once from 1 to 1000000, got "
                      "'0'") != std::string::npos);
  CHECK(r.output.size() < 300); // no 309-digit range
  auto n = run_capsim({"sweep", quickstart(), "-q", "--replications", "0"});
  CHECK(n.exit_code == 2);
  CHECK(n.output.find("expected a whole number of replications from 1 to 100000") !=
        std::string::npos);
}

TEST_CASE("bad input: a weather file with a million bad rows prints 20 errors and a count") {
  TempDir dir;
  {
    std::ofstream csv(dir.path("w.csv"));
    csv << "time_s,ambient_c\n";
    for (int i = 0; i < 1000000; ++i)
      csv << static_cast<long long>(i) * 3600 << ",hot\n";
  }
  std::string text = read_text(source_path("tests/fixtures/bad/weather-gap.yaml"));
  text.replace(text.find("weather-gap.csv"), 15, "w.csv");
  std::string file = dir.write("w.yaml", text);
  auto r = run_capsim({"validate", file});
  CHECK(r.exit_code == 2);
  CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 21);
  CHECK(r.output.find("w.csv: ... and 999980 more errors") != std::string::npos);
}

TEST_CASE("sweep: --replications alone runs the scenario as it is") {
  TempDir dir;
  auto r = run_capsim({"sweep", quickstart(), "-q", "--replications", "2", "-o", dir.path("s")});
  INFO(r.output);
  CHECK(r.exit_code == 0);
  std::vector<std::string> header;
  auto rows = read_csv(dir.path("s/results.csv"), header);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0][column(header, "status")] == "ok");
  CHECK(rows[0][column(header, "seed")] != rows[1][column(header, "seed")]);
}

TEST_CASE("sweep: --resume refuses another plan and says what differs") {
  TempDir dir;
  std::string out = dir.path("s");
  REQUIRE(run_capsim({"sweep", quickstart(), "-q", "--replications", "2", "-o", out}).exit_code ==
          0);
  std::string before = read_text(out + "/results.csv");
  auto r = run_capsim({"sweep", quickstart(), "-q", "--replications", "3", "-o", out, "--resume"});
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("replications is 2 in sweep.json, 3 now") != std::string::npos);
  CHECK(read_text(out + "/results.csv") == before); // nothing truncated
}

TEST_CASE("sweep: --resume --retry-failed runs the failed rows again") {
  TempDir dir;
  std::string out = dir.path("s");
  // The one-minute point is over a budget of 5,000 events: its run fails (exit 2).
  std::vector<std::string> args{
      "sweep", quickstart(), "-q", "-o", out, "--axis", "outputs.interval=[1 h, 1 min]"};
  auto first = args;
  first.insert(first.end(), {"--max-events", "5000"});
  REQUIRE(run_capsim(first).exit_code == 0);
  std::vector<std::string> header;
  auto rows = read_csv(out + "/results.csv", header);
  REQUIRE(rows.size() == 2);
  CHECK(rows[1][column(header, "status")] == "failed");
  CHECK(rows[1][column(header, "error")].find("this run would take about") != std::string::npos);
  auto resumed = args;
  resumed.insert(resumed.end(), {"--resume"});
  REQUIRE(run_capsim(resumed).exit_code == 0);
  CHECK(read_csv(out + "/results.csv", header)[1][column(header, "status")] == "failed");
  auto retried = args;
  retried.insert(retried.end(), {"--resume", "--retry-failed"});
  auto r = run_capsim(retried);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  rows = read_csv(out + "/results.csv", header);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0][column(header, "status")] == "ok");
  CHECK(rows[1][column(header, "status")] == "ok");
}
