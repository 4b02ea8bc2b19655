// Figures from capsim's outputs, drawn by gnuplot (Debian gnuplot-nox) as PNG (the pngcairo
// terminal when gnuplot has it, else png) and SVG, into DIR/plots/:
//   - a run directory (timeseries.csv): per site, goodput, power drawn vs available, power
//     capping, GPUs, and one figure per other non-empty numeric column, against time;
//   - a sweep directory (sweep.json, curves/): each curve with one line per group value, its
//     p5-p95 band and the break-even points marked.
// Axes carry readable names and units scaled to the data (MW, PFLOP/s, days, %, ...).
// Each file is written under a temporary name and renamed once gnuplot succeeded.
#pragma once

#include <string>
#include <vector>

#include "models/units.hpp"
#include "sim/batch/plan.hpp"

namespace capsim {

struct PlotOptions {
  bool png = true;
  bool svg = true;
};

// Throws InputError when DIR holds nothing to plot, std::runtime_error when gnuplot fails.
// Returns the files written.
std::vector<std::string> plot_directory(const std::string& dir, const PlotOptions& options);

// A readable axis label and the divisor that scales SI values to its unit, for a column or
// field name ("it_power_w" with values up to 4e6 -> "IT power (MW)", 1e6).
struct AxisLabel {
  std::string text;
  double divisor = 1;
};
AxisLabel label_for_field(const std::string& field, double max_abs_si);

// The units a field's values can be shown in; the label picks the largest not above the data.
// A time-series column's come from the column table (sim/scenario/timeseries_columns.hpp), a
// summary field's from its name's suffix ("_w": W to GW, "_usd", "fraction": %, ...).
struct UnitStep {
  double divisor; // the SI value of one `unit`
  std::string unit;
};
std::vector<UnitStep> field_steps(const std::string& field);

// The same for a quantity of a known dimension (a swept axis: "3 MW" values -> MW).
AxisLabel label_for_quantity(const std::string& name, Dimension d, double max_abs_si);

// A readable name for a scenario or results path: "sites.memphis.grid.capacity" -> "memphis
// grid capacity", "jobs.pretrain.completion_s" -> "pretrain: time to train".
std::string readable_path(const std::string& path);

// A curve's axes: x from the swept values' dimension (or time), y from the field's suffix.
AxisLabel curve_x_label(const SweepPlan& plan, const CurveSpec& curve, double x_max_abs_si);
AxisLabel curve_y_label(const CurveSpec& curve, double y_max_abs_si);
// A curve line's legend: the group's readable path and value, or the y column's item.
std::string curve_line_name(const CurveSpec& curve, const std::string& group);
// Whether sorted distinct positive x values are evenly spaced on a log scale (and not on a
// linear one): ratios of neighbours agree within 2%.
bool log_spaced(const std::vector<double>& sorted_distinct_x);

// Whether this gnuplot has the pngcairo terminal.
bool gnuplot_has_pngcairo();

} // namespace capsim
