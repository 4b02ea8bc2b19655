// Lists in the documentation generated from the code's tables, and the tables' own rules.
//   The README's timeseries.csv column list is timeseries_columns_markdown()
//   (sim/scenario/timeseries_columns.hpp). To rewrite it after changing the table:
//     CAPSIM_UPDATE_DOCS=1 build/capsim_sim_tests -tc='docs*'
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <set>

#include "capsim_process.hpp"
#include "sim/scenario/timeseries_columns.hpp"

using namespace capsim::test;

namespace {

// Checks (or, with CAPSIM_UPDATE_DOCS=1, rewrites) the text between a file's markers.
void check_generated_block(const std::string& relative, const std::string& name,
                           const std::string& expected) {
  std::string path = source_path(relative);
  std::string text = read_text(path);
  const std::string begin = "<!-- " + name + ":begin -->\n";
  const std::string end = "<!-- " + name + ":end -->";
  auto b = text.find(begin);
  REQUIRE_MESSAGE(b != std::string::npos, (relative + " lacks " + begin));
  auto e = text.find(end, b);
  REQUIRE_MESSAGE(e != std::string::npos, (relative + " lacks " + end));
  std::size_t from = b + begin.size();
  std::string actual = text.substr(from, e - from);
  if (actual != expected && std::getenv("CAPSIM_UPDATE_DOCS")) {
    text.replace(from, e - from, expected);
    std::ofstream(path, std::ios::binary) << text;
    actual = expected;
    MESSAGE(("rewrote the " + name + " block of " + relative));
  }
  std::string message = relative + "'s " + name +
                        " block differs from the code's table. Expected:\n" + expected +
                        "\nRewrite it with CAPSIM_UPDATE_DOCS=1 build/capsim_sim_tests -tc='docs*'";
  CHECK_MESSAGE(actual == expected, message);
}

} // namespace

TEST_CASE("docs: the README's timeseries.csv column list is the column table's") {
  check_generated_block("README.md", "timeseries-columns", capsim::timeseries_columns_markdown());
}

TEST_CASE("docs: each time-series column's name carries its unit, as the output contract says") {
  // docs/output-contract.md, Units: the suffix names the unit.
  struct Rule {
    const char* suffix;
    const char* unit;
  };
  const Rule rules[] = {{"_tokens_per_s", "tokens/s"}, // before "_s": the first match counts
                        {"_w", "W"},
                        {"_flops", "FLOP/s"},
                        {"_s", "s"},
                        {"_k", "K"},
                        {"_c", "degC"},
                        {"_fraction", "fraction"},
                        {"_soc", "fraction"}};
  std::set<std::string_view> names;
  auto check = [&](const capsim::TimeseriesColumn& c) {
    CAPTURE(c.name);
    CHECK(names.insert(c.name).second); // each column once
    CHECK(!c.label.empty());
    CHECK(!c.meaning.empty());
    std::string name(c.name);
    const char* unit = nullptr;
    for (const Rule& r : rules)
      if (name.ends_with(r.suffix) && !unit) unit = r.unit;
    if (name.rfind("gpus_", 0) == 0) unit = "GPUs";
    if (unit) {
      CHECK(c.unit == unit);
    } else {
      // No suffix: a plain number (PUE, a 0/1 flag, a count of replicas).
      CHECK(c.unit.empty());
      CHECK(c.dimension == capsim::Dimension::dimensionless);
    }
    // An SI unit is its dimension's (the figures scale it, W to GW).
    if (c.unit == "W" || c.unit == "FLOP/s" || c.unit == "s" || c.unit == "K")
      CHECK(capsim::si_unit(c.dimension) == c.unit);
  };
  for (const auto& c : capsim::timeseries_key_columns)
    if (c.name != "site") check(c);
  for (const auto& c : capsim::timeseries_columns)
    check(c);
}
