// Golden outputs: every bundled scenario is run (with a shorter horizon or coarser rows where
// its full run would make large files) and every file it writes is compared byte for byte with
// tests/golden/CASE/. summary.json is compared without its `engine` block (wall time, memory,
// SimGrid's host and event counts: measurements of the machine and of the implementation, not
// of the simulated world) and without `run_id`; manifest.json (the set's files and their sizes)
// without its `run_id`.
//
// A change of behaviour regenerates the files in a commit of its own that says why:
//   tools/golden-update            (or CAPSIM_GOLDEN_UPDATE=1 build/capsim_sim_tests -tc='golden*')
// A refactoring keeps them byte-identical.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "capsim_process.hpp"

using namespace capsim::test;
namespace fs = std::filesystem;

namespace {

struct GoldenCase {
  std::string scenario; // scenarios/NAME.yaml, also the folder under tests/golden/
  std::vector<std::string> sets;
};

// One case per bundled scenario. Shortened where a full run's events.csv would be megabytes.
const std::vector<GoldenCase> golden_cases = {
    {"apollo-xai-lease", {"horizon=60 d", "outputs.interval=1 d"}},
    {"apollo-xai-lease-adverse", {"horizon=60 d", "outputs.interval=1 d"}},
    {"bench-1m", {"horizon=3 d"}},
    {"bench-10m", {"horizon=6 h"}},
    {"bench-200k", {"horizon=30 d", "outputs.interval=1 d"}},
    {"capacity-curve", {}},
    {"colossus-memphis", {"horizon=30 d", "outputs.interval=6 h"}},
    {"ground-vs-orbit", {"horizon=120 d", "outputs.interval=1 d"}},
    {"heatwave", {}},
    {"inference-fleet", {"horizon=7 d"}},
    {"launch-cost-curve", {"outputs.interval=1 d"}},
    {"llama3-16k", {}},
    {"orbital-sso", {"horizon=90 d", "outputs.interval=1 d"}},
    {"power-vs-goodput", {}},
    {"quickstart", {}},
    {"serve-ground-vs-orbit", {"horizon=2 d"}},
    {"train-and-serve", {"horizon=10 d"}},
};

bool updating() {
  const char* v = std::getenv("CAPSIM_GOLDEN_UPDATE");
  return v && *v && std::string(v) != "0";
}

// summary.json without what measures the machine or the implementation.
std::string normalised_summary(const std::string& path) {
  auto summary = read_json(path);
  summary.erase("engine");
  summary.erase("run_id");
  return summary.dump(2) + "\n";
}

std::string normalised(const fs::path& file) {
  if (file.filename() == "summary.json") return normalised_summary(file.string());
  if (file.filename() == "manifest.json") { // the set's files and sizes; its run id differs
    auto manifest = read_json(file.string());
    manifest.erase("run_id");
    for (auto& entry : manifest["files"]) // summary.json holds the run id, of varying length
      if (entry["name"] == "summary.json") entry.erase("bytes");
    return manifest.dump(2) + "\n";
  }
  return read_text(file.string());
}

// The first line where two texts differ, both sides quoted, for a readable failure.
std::string first_difference(const std::string& expected, const std::string& actual) {
  std::istringstream e(expected), a(actual);
  std::string le, la;
  for (int line = 1;; ++line) {
    bool he = static_cast<bool>(std::getline(e, le));
    bool ha = static_cast<bool>(std::getline(a, la));
    if (!he && !ha) return "texts differ only in their last newline";
    if (he != ha || le != la)
      return "line " + std::to_string(line) + ":\n  golden: " + (he ? le : "<end of file>") +
             "\n  now:    " + (ha ? la : "<end of file>");
  }
}

std::set<std::string> output_files(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_regular_file() && entry.path().filename().string().front() != '.')
      names.insert(entry.path().filename().string());
  return names;
}

// Where goodput went: every job's loss parts add up to 1 - goodput_fraction.
void check_goodput_loss(const nlohmann::json& summary) {
  for (const auto& job : summary["jobs"]) {
    INFO("job " << job["name"].get<std::string>());
    if (job["goodput_fraction"].is_null()) {
      CHECK(job["goodput_loss"].empty());
      continue;
    }
    double parts = 0;
    for (const auto& [name, value] : job["goodput_loss"].items()) {
      if (value.is_number()) {
        CHECK(value.get<double>() >= -1e-12);
        parts += value.get<double>();
      } else {
        for (const auto& [cause, share] : value.items())
          parts += share.get<double>();
      }
    }
    double missing = 1 - job["goodput_fraction"].get<double>();
    INFO("parts " << parts << ", 1 - goodput " << missing);
    CHECK(std::abs(parts - missing) < 1e-9);
  }
}

void check_case(const GoldenCase& c) {
  TempDir dir;
  std::vector<std::string> args{"run", source_path("scenarios/" + c.scenario + ".yaml"), "-o",
                                dir.path("out"), "-q"};
  for (const auto& set : c.sets) {
    args.push_back("--set");
    args.push_back(set);
  }
  auto result = run_capsim(args);
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  check_goodput_loss(read_json(dir.path("out/summary.json")));
  fs::path golden = source_path("tests/golden/" + c.scenario);
  std::set<std::string> produced = output_files(dir.path("out"));
  if (updating()) {
    fs::remove_all(golden);
    fs::create_directories(golden);
    for (const auto& name : produced)
      std::ofstream(golden / name, std::ios::binary)
          << normalised(fs::path(dir.path("out")) / name);
    MESSAGE("golden files rewritten: " << golden.string());
    return;
  }
  REQUIRE_MESSAGE(fs::is_directory(golden),
                  "no golden files for " << c.scenario << ": run tools/golden-update");
  CHECK(produced == output_files(golden));
  for (const auto& name : produced) {
    if (!fs::exists(golden / name)) continue;
    std::string expected = read_text((golden / name).string());
    std::string actual = normalised(fs::path(dir.path("out")) / name);
    CHECK_MESSAGE(expected == actual, c.scenario << "/" << name << " differs from golden, "
                                                 << first_difference(expected, actual));
  }
}

const GoldenCase& case_named(const std::string& scenario) {
  auto it = std::find_if(golden_cases.begin(), golden_cases.end(),
                         [&](const GoldenCase& c) { return c.scenario == scenario; });
  REQUIRE(it != golden_cases.end());
  return *it;
}

} // namespace

TEST_CASE("golden: every bundled scenario has a golden case and nothing else does") {
  std::set<std::string> scenarios, cases;
  for (const auto& entry : fs::directory_iterator(source_path("scenarios")))
    if (entry.path().extension() == ".yaml") scenarios.insert(entry.path().stem().string());
  for (const auto& c : golden_cases)
    cases.insert(c.scenario);
  for (const auto& name : scenarios)
    CHECK_MESSAGE(cases.count(name), "scenarios/" << name << ".yaml has no golden case");
  for (const auto& name : cases)
    CHECK_MESSAGE(scenarios.count(name), "golden case " << name << " has no scenario");
  if (updating()) return;
  std::set<std::string> folders;
  for (const auto& entry : fs::directory_iterator(source_path("tests/golden")))
    if (entry.is_directory()) folders.insert(entry.path().filename().string());
  for (const auto& name : cases)
    CHECK_MESSAGE(folders.count(name), "no tests/golden/" << name << "/: run tools/golden-update");
  for (const auto& name : folders)
    CHECK_MESSAGE(cases.count(name), "tests/golden/" << name << "/ belongs to no golden case");
}

TEST_CASE("golden: apollo-xai-lease") {
  check_case(case_named("apollo-xai-lease"));
}
TEST_CASE("golden: apollo-xai-lease-adverse") {
  check_case(case_named("apollo-xai-lease-adverse"));
}
TEST_CASE("golden: bench-1m") {
  check_case(case_named("bench-1m"));
}
TEST_CASE("golden: bench-10m") {
  check_case(case_named("bench-10m"));
}
TEST_CASE("golden: bench-200k") {
  check_case(case_named("bench-200k"));
}
TEST_CASE("golden: capacity-curve") {
  check_case(case_named("capacity-curve"));
}
TEST_CASE("golden: colossus-memphis") {
  check_case(case_named("colossus-memphis"));
}
TEST_CASE("golden: ground-vs-orbit") {
  check_case(case_named("ground-vs-orbit"));
}
TEST_CASE("golden: heatwave") {
  check_case(case_named("heatwave"));
}
TEST_CASE("golden: inference-fleet") {
  check_case(case_named("inference-fleet"));
}
TEST_CASE("golden: launch-cost-curve") {
  check_case(case_named("launch-cost-curve"));
}
TEST_CASE("golden: llama3-16k") {
  check_case(case_named("llama3-16k"));
}
TEST_CASE("golden: orbital-sso") {
  check_case(case_named("orbital-sso"));
}
TEST_CASE("golden: power-vs-goodput") {
  check_case(case_named("power-vs-goodput"));
}
TEST_CASE("golden: quickstart") {
  check_case(case_named("quickstart"));
}
TEST_CASE("golden: serve-ground-vs-orbit") {
  check_case(case_named("serve-ground-vs-orbit"));
}
TEST_CASE("golden: train-and-serve") {
  check_case(case_named("train-and-serve"));
}
