// report.html (capsim report, run --report, sweep --report), sweep --curve, and the figures of
// capsim plot: what the page holds (self-contained, summary.json's data unchanged, no series
// for equipment a site lacks), and what the figures say (log axes, units, scripts kept).
// The page drawn in a real browser is tested by tests/scripts/browser-report.sh (label browser).
#include <filesystem>
#include <regex>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "capsim_process.hpp"

using namespace capsim::test;
namespace fs = std::filesystem;

namespace {

const std::string sweep_fixture = source_path("tests/fixtures/sweep/small.yaml");

// The JSON block of a report page.
nlohmann::json page_data(const std::string& html) {
  const std::string open = "<script type=\"application/json\" id=\"capsim-data\">";
  auto start = html.find(open);
  REQUIRE(start != std::string::npos);
  start += open.size();
  auto end = html.find("</script>", start);
  REQUIRE(end != std::string::npos);
  return nlohmann::json::parse(html.substr(start, end - start));
}

// Every way an HTML page or its script and style would load something from a web address.
std::vector<std::string> remote_references(const std::string& html) {
  static const std::regex loads(
      R"re((src|href|action|poster|data)\s*=\s*["']?\s*(https?:)?//|url\(\s*["']?\s*(https?:)?//|@import|<link\b|<iframe\b|<img\b|<object\b|<embed\b|\bfetch\s*\(|XMLHttpRequest|WebSocket|EventSource|importScripts|sendBeacon|new\s+Worker)re",
      std::regex::icase);
  std::vector<std::string> found;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), loads);
       it != std::sregex_iterator(); ++it)
    found.push_back(it->str());
  return found;
}

} // namespace

TEST_CASE("report: run --report writes one self-contained page holding summary.json as it is") {
  TempDir dir;
  auto run = run_capsim({"run", source_path("tests/fixtures/good-minimal.yaml"), "-o",
                         dir.path("run"), "-q", "--report", "--set", "horizon=1 d"});
  REQUIRE_MESSAGE(run.exit_code == 0, run.output);
  std::string html = read_text(dir.path("run/report.html"));
  REQUIRE(html.size() > 40000); // the chart library alone is ~50 kB
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  auto remote = remote_references(html);
  CHECK_MESSAGE(remote.empty(), "the page would load: " << (remote.empty() ? "" : remote[0]));
  // The only web address in the page is the chart library's licence comment, never loaded.
  std::size_t addresses = 0;
  for (std::size_t at = html.find("://"); at != std::string::npos; at = html.find("://", at + 1))
    ++addresses;
  CHECK(addresses <= 1);
  CHECK(html.find("<script src") == std::string::npos);

  auto data = page_data(html);
  CHECK(data["kind"] == "run");
  CHECK(data["summary"] == nlohmann::json::parse(read_text(dir.path("run/summary.json"))));
  // The inputs table: every scalar of the scenario, units apart, --set applied.
  bool horizon = false, capacity = false;
  for (const auto& row : data["inputs"]["rows"]) {
    if (row[0] == "horizon") horizon = row[1] == "1" && row[2] == "d";
    if (row[0] == "sites.site-a.grid.capacity") capacity = row[1] == "2" && row[2] == "MW";
  }
  CHECK(horizon);
  CHECK(capacity);
  // A published run directory with its report is still a run directory: a new run replaces it.
  auto again = run_capsim({"run", source_path("tests/fixtures/good-minimal.yaml"), "-o",
                           dir.path("run"), "-q", "--set", "horizon=1 d"});
  CHECK_MESSAGE(again.exit_code == 0, again.output);
  CHECK_FALSE(fs::exists(dir.path("run/report.html")));
}

TEST_CASE("report: a site without a battery or weather carries no such series") {
  TempDir dir;
  auto run = run_capsim({"run", source_path("tests/fixtures/good-minimal.yaml"), "-o",
                         dir.path("run"), "-q", "--set", "horizon=1 d"});
  REQUIRE_MESSAGE(run.exit_code == 0, run.output);
  auto report = run_capsim({"report", dir.path("run")});
  REQUIRE_MESSAGE(report.exit_code == 0, report.output);
  CHECK(report.output.find("report.html") != std::string::npos);
  auto data = page_data(read_text(dir.path("run/report.html")));
  CHECK(data["inputs"].is_null()); // capsim report without --scenario
  const auto& site = data["timeseries"]["sites"]["site-a"];
  REQUIRE(site.contains("time_s"));
  CHECK(site.contains("it_power_w"));
  for (const char* absent : {"battery_soc", "battery_power_w", "ambient_c", "in_eclipse",
                             "radiator_k", "turbine_power_w", "solar_power_w", "gpus_shed"})
    CHECK_MESSAGE(!site.contains(absent), absent);
  // Every series kept has a non-zero value, and as many values as there are times.
  for (const auto& [name, values] : site.items()) {
    CHECK(values.size() == site["time_s"].size());
    bool nonzero = false;
    for (const auto& v : values)
      nonzero = nonzero || (v.is_number() && v.get<double>() != 0);
    CHECK_MESSAGE(nonzero, name);
  }
}

TEST_CASE("report: errors name the directory and exit 2, writing nothing") {
  TempDir dir;
  fs::create_directories(dir.path("empty"));
  auto empty = run_capsim({"report", dir.path("empty")});
  CHECK(empty.exit_code == 2);
  CHECK(empty.output.find("nothing to report") != std::string::npos);
  CHECK_FALSE(fs::exists(dir.path("empty/report.html")));
  auto missing = run_capsim({"report", dir.path("missing")});
  CHECK(missing.exit_code == 2);
  fs::create_directories(dir.path("bad"));
  std::ofstream(dir.path("bad/summary.json")) << "{\"scenario\": ";
  auto bad = run_capsim({"report", dir.path("bad")});
  CHECK(bad.exit_code == 2);
  CHECK(bad.output.find("summary.json") != std::string::npos);
  CHECK_FALSE(fs::exists(dir.path("bad/report.html")));
}

TEST_CASE("report: sweep --curve adds a curve with break-evens, units and a log axis") {
  TempDir dir;
  // Grid capacity on a log scale (0.05, 0.1, 0.2, 0.4 MW); the fixture's goodput curve has two
  // break-evens on this axis (seed 11), the added curve's lines may or may not cross: the
  // checks are on what the page and the figures say about the crossings there are.
  auto sweep = run_capsim(
      {"sweep", sweep_fixture, "-o", dir.path("sweep"), "-q", "-j", "2", "--report", "--axis",
       "sites.site-a.grid.capacity={from: 0.05 MW, to: 0.4 MW, steps: 4, scale: log}", "--curve",
       "x=sites.site-a.grid.capacity,y=jobs.j1.flop_done,group=jobs.j1.mfu"});
  REQUIRE_MESSAGE(sweep.exit_code == 0, sweep.output);
  CHECK(fs::exists(dir.path("sweep/curves/flop_done-vs-capacity.csv")));
  auto plan = nlohmann::json::parse(read_text(dir.path("sweep/sweep.json")));
  bool listed = false;
  for (const auto& c : plan["curves"])
    listed = listed || c["name"] == "flop_done-vs-capacity";
  CHECK(listed);

  auto data = page_data(read_text(dir.path("sweep/report.html")));
  CHECK(data["kind"] == "sweep");
  bool found = false;
  for (const auto& c : data["curves"]) {
    if (c["name"] != "flop_done-vs-capacity") continue;
    found = true;
    CHECK(c["x_log"] == true);
    CHECK(c["x_label"] == "site-a grid capacity (kW)"); // 50 to 400 kW
    CHECK(c["x_divisor"] == doctest::Approx(1e3));
    CHECK(std::regex_search(std::string(c["y_label"]),
                            std::regex("^j1: useful work \\([EZ]FLOP\\)$")));
    REQUIRE(c["lines"].size() == 2);
    CHECK(c["lines"][0]["name"] == "j1: mfu = 0.3");
    CHECK(c["lines"][0]["points"].size() == 4);
  }
  CHECK(found);
  for (const auto& c : data["curves"])
    if (c["name"] == "goodput-over-time") CHECK(c["x_log"] == false);

  // The figures: a log x axis, the unit on break-even labels, a script beside each figure.
  auto plot = run_capsim({"plot", dir.path("sweep"), "--format", "svg"});
  REQUIRE_MESSAGE(plot.exit_code == 0, plot.output);
  std::string gp = read_text(dir.path("sweep/plots/curve-flop_done-vs-capacity.gp"));
  CHECK(gp.find("set logscale x") != std::string::npos);
  CHECK(gp.find("site-a grid capacity (kW), log scale") != std::string::npos);
  CHECK(gp.find("j1: mfu = 0.5") != std::string::npos); // legend from the scenario's names
  CHECK(gp.find("jobs.j1") == std::string::npos);       // not the internal path
  std::string breakeven = read_text(dir.path("sweep/curves/breakeven.csv"));
  std::string goodput_gp = read_text(dir.path("sweep/plots/curve-goodput.gp"));
  // The goodput lines cross on this axis: each break-even is labelled with its unit.
  REQUIRE(breakeven.find("\ngoodput,") != std::string::npos);
  CHECK(std::regex_search(goodput_gp, std::regex("break-even [0-9.e+-]+ kW")));
  CHECK(goodput_gp.find("set logscale x") != std::string::npos); // its x is the same axis
  std::string time_gp = read_text(dir.path("sweep/plots/curve-goodput-over-time.gp"));
  CHECK(time_gp.find("set logscale") == std::string::npos); // hours, evenly spaced

  // The kept script draws the figure again where it lies.
  fs::remove(dir.path("sweep/plots/curve-goodput.svg"));
  std::string again =
      "cd " + shell_quote(dir.path("sweep/plots")) + " && gnuplot curve-goodput.gp >/dev/null 2>&1";
  CHECK(std::system(again.c_str()) == 0);
  CHECK(read_text(dir.path("sweep/plots/curve-goodput.svg")).find("</svg>") != std::string::npos);
}

TEST_CASE("report: a bad --curve is refused before any run, with the reason") {
  TempDir dir;
  auto unswept = run_capsim({"sweep", sweep_fixture, "-o", dir.path("a"), "-q", "--curve",
                             "x=sites.site-a.pue,y=jobs.j1.goodput_fraction"});
  CHECK(unswept.exit_code == 2);
  CHECK(unswept.output.find("x must be 'time' or a swept path") != std::string::npos);
  CHECK_FALSE(fs::exists(dir.path("a/results.csv")));
  auto syntax = run_capsim(
      {"sweep", sweep_fixture, "-o", dir.path("b"), "-q", "--curve", "sites.site-a.grid.capacity"});
  CHECK(syntax.exit_code == 2);
  CHECK(syntax.output.find("KEY=VALUE") != std::string::npos);
  auto twice = run_capsim({"sweep", sweep_fixture, "-o", dir.path("c"), "-q", "--curve",
                           "x=sites.site-a.grid.capacity,y=jobs.j1.flop_done,name=goodput"});
  CHECK(twice.exit_code == 2);
  CHECK(twice.output.find("already exists") != std::string::npos);
}
