// Capacity curves from a sweep's rows (the scenario's `curves:` block).
//
// A curve has one line per value of its group axis (one line without a group). For each x of
// a line (a swept value converted to SI, or a time-series time), the y values of every
// successful run at that x are pooled (replications, and any other swept axes) into
//   runs, mean, p5, p50, p95      (percentiles as in results.hpp).
//
// Break-even points: for each pair of lines, d(x) = mean_a(x) - mean_b(x) over the x values
// both lines have; where d changes sign between x_i and x_i+1 the crossing is interpolated
// linearly, x* = x_i + (x_i+1 - x_i) d_i / (d_i - d_i+1), y* = mean_a(x*). Where d is zero
// over a run of x between opposite signs, the break-even is the first x of the run; lines that
// touch without changing order, or coincide to the end, have no break-even there.
//
// Files in DIR/curves/: NAME.csv with columns group, x, runs, mean, p5, p50, p95 (x in SI
// units: the swept quantity's, or time_s), and breakeven.csv with curve, line_a, line_b, x, y,
// higher_before (the line above before the crossing).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "models/units.hpp"
#include "sim/batch/plan.hpp"
#include "sim/batch/results.hpp"

namespace capsim {

struct CurvePoint {
  double x = 0;
  std::size_t runs = 0;
  double mean = 0;
  double p5 = 0;
  double p50 = 0;
  double p95 = 0;
};

struct CurveLine {
  std::string group;              // the group axis's value as written; empty without a group
  std::vector<CurvePoint> points; // by increasing x
};

struct BreakEven {
  std::string curve;
  std::string line_a;
  std::string line_b;
  double x = 0;
  double y = 0;
  std::string higher_before;
};

// A quantity in any known unit ("3 MW" -> 3e6 W, "0.4" -> 0.4 dimensionless).
std::optional<std::pair<double, Dimension>> parse_any_quantity(const std::string& text);

std::vector<BreakEven> find_break_evens(const std::string& curve,
                                        const std::vector<CurveLine>& lines);

// The lines of one curve. Time curves read RUNS/<run>/timeseries.csv under each of run_roots
// (a sweep's runs/ directory, or each shard's when merged); throws std::runtime_error when y
// names no column of the results.
std::vector<CurveLine> extract_curve(const SweepPlan& plan, const CurveSpec& curve,
                                     const std::vector<ResultRow>& rows,
                                     const std::vector<std::string>& run_roots);

// Writes DIR/curves/ for every curve of the plan; returns the break-evens found.
std::vector<BreakEven> write_curves(const SweepPlan& plan, const std::vector<ResultRow>& rows,
                                    const std::string& dir,
                                    const std::vector<std::string>& run_roots);

// Reads DIR/curves/NAME.csv back (for plots).
std::vector<CurveLine> read_curve_csv(const std::string& path);
std::vector<BreakEven> read_break_evens(const std::string& path);

} // namespace capsim
