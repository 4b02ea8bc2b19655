// report.html: one self-contained page per run or sweep directory, to read offline or mail.
//
// The page holds everything inline: uPlot (the chart library, compiled into capsim from
// node_modules/, sim/report/web_assets.hpp), capsim's script and style (sim/report/web/), and
// the directory's data as one JSON block. Nothing is loaded over the network when it is viewed.
//
// Run directory (summary.json, timeseries.csv, events.csv, ledger.csv, finance_months.csv):
// the data block carries summary.json as it is (so fields added later show up without code
// here), the time series per site without its empty and all-zero columns, the events (the
// per-interval `checkpoints` counts left out), the finance tables, and the scenario's inputs
// when the scenario file is known.
// Sweep directory (sweep.json, summary.csv, results.csv, curves/): the plan, each curve with
// its axis labels and units (SI values and the divisor of the unit shown), the break-evens,
// the per-point table, and the finance returns of every run for their distribution.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace capsim {

struct ReportOptions {
  std::string scenario_file;         // optional for a run: its inputs table
  std::vector<std::string> set_args; // --set PATH=VALUE given to the run, applied to it
};

// The data block of DIR's report (exposed for tests). Throws InputError when DIR is neither a
// run nor a sweep directory, or when its files cannot be read.
nlohmann::ordered_json report_data(const std::string& dir, const ReportOptions& options = {});

// The whole page for a data block.
std::string report_html(const nlohmann::ordered_json& data);

// Writes DIR/report.html atomically; returns its path.
std::string write_report(const std::string& dir, const ReportOptions& options = {});

} // namespace capsim
