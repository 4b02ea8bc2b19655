#include "sim/batch/curves.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>

#include <fmt/format.h>

#include "sim/batch/launcher.hpp"
#include "sim/report/atomic_file.hpp"
#include "sim/report/csv.hpp"

namespace capsim {

namespace {

std::size_t axis_index(const SweepPlan& plan, const std::string& path) {
  auto it = std::find(plan.axes.begin(), plan.axes.end(), path);
  if (it == plan.axes.end()) throw std::runtime_error("'" + path + "' is not a swept path");
  return static_cast<std::size_t>(it - plan.axes.begin());
}

CurvePoint summarise_point(double x, std::vector<double> values) {
  std::sort(values.begin(), values.end());
  double sum = 0;
  for (double v : values)
    sum += v;
  return {.x = x,
          .runs = values.size(),
          .mean = sum / static_cast<double>(values.size()),
          .p5 = percentile(values, 0.05),
          .p50 = percentile(values, 0.5),
          .p95 = percentile(values, 0.95)};
}

// Group values in the order the plan first uses them.
std::vector<std::string> group_order(const SweepPlan& plan, const CurveSpec& curve) {
  std::vector<std::string> order;
  if (curve.group.empty()) return {""};
  std::size_t g = axis_index(plan, curve.group);
  for (const auto& p : plan.points)
    if (std::find(order.begin(), order.end(), p[g]) == order.end()) order.push_back(p[g]);
  return order;
}

std::vector<CurveLine>
to_lines(const std::vector<std::string>& order,
         std::map<std::string, std::map<double, std::vector<double>>>& data) {
  std::vector<CurveLine> lines;
  for (const auto& group : order) {
    CurveLine line{.group = group, .points = {}};
    for (auto& [x, values] : data[group])
      if (!values.empty()) line.points.push_back(summarise_point(x, std::move(values)));
    if (!line.points.empty()) lines.push_back(std::move(line));
  }
  return lines;
}

std::string read_file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Values by line (group, or y column when several), then by x.
using CurveData = std::map<std::string, std::map<double, std::vector<double>>>;

// A curve against a swept path: y from each successful row of results.csv.
CurveData swept_curve_data(const SweepPlan& plan, const CurveSpec& curve,
                           const std::vector<ResultRow>& rows, std::optional<std::size_t> g) {
  CurveData data;
  std::size_t xi = axis_index(plan, curve.x);
  bool column_seen = false;
  for (const auto& row : rows) {
    if (!row.ok) continue;
    const std::string& x_text = plan.points[row.point][xi];
    auto x = parse_any_quantity(x_text);
    if (!x)
      throw std::runtime_error("curve '" + curve.name + "': x value '" + x_text +
                               "' is not a number or quantity");
    std::string group = g ? plan.points[row.point][*g] : "";
    for (const auto& [name, value] : row.fields) {
      bool listed = std::find(curve.ys.begin(), curve.ys.end(), name) != curve.ys.end();
      if (name == curve.y || listed) {
        column_seen = true;
        // Several y columns: each is a line, labelled by its column.
        const std::string& line = curve.ys.size() > 1 ? name : group;
        if (!value.empty()) data[line][x->first].push_back(std::strtod(value.c_str(), nullptr));
      }
    }
  }
  bool any_ok = std::any_of(rows.begin(), rows.end(), [](const ResultRow& r) { return r.ok; });
  if (any_ok && !column_seen)
    throw std::runtime_error("curve '" + curve.name + "': y '" + curve.y +
                             "' is not a column of results.csv");
  return data;
}

// The timeseries.csv kept for a run under one of run_roots.
std::string kept_timeseries(const CurveSpec& curve, const ResultRow& row,
                            const std::vector<std::string>& run_roots) {
  for (const auto& root : run_roots) {
    std::string candidate =
        root + "/" + run_dir_name(row.point, row.replication) + "/timeseries.csv";
    if (std::filesystem::exists(candidate)) return candidate;
  }
  throw std::runtime_error("curve '" + curve.name + "': no timeseries.csv kept for run " +
                           run_dir_name(row.point, row.replication));
}

// The values of COLUMN for SITE in a timeseries.csv, into by_time.
void read_site_column(const std::string& file, const std::string& site, const std::string& column,
                      std::map<double, std::vector<double>>& by_time) {
  std::string text = read_file_text(file);
  std::size_t pos = text.find('\n');
  auto header = split_csv_line(text.substr(0, pos));
  auto find_column = [&](const std::string& name) {
    auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) throw std::runtime_error(file + " has no column '" + name + "'");
    return static_cast<std::size_t>(it - header.begin());
  };
  std::size_t time_col = find_column("time_s"), site_col = find_column("site"),
              value_col = find_column(column);
  while (pos != std::string::npos && pos + 1 < text.size()) {
    std::size_t next = text.find('\n', pos + 1);
    auto fields = split_csv_line(text.substr(pos + 1, next - pos - 1));
    pos = next;
    if (fields.size() != header.size() || fields[site_col] != site || fields[value_col].empty())
      continue;
    by_time[std::strtod(fields[time_col].c_str(), nullptr)].push_back(
        std::strtod(fields[value_col].c_str(), nullptr));
  }
}

// Time curve: y = sites.SITE.COLUMN of each run's timeseries.csv.
CurveData time_curve_data(const SweepPlan& plan, const CurveSpec& curve,
                          const std::vector<ResultRow>& rows,
                          const std::vector<std::string>& run_roots, std::optional<std::size_t> g) {
  CurveData data;
  std::string column = curve.y.substr(curve.y.rfind('.') + 1);
  std::string site = curve.y.substr(6, curve.y.size() - 7 - column.size());
  for (const auto& row : rows) {
    if (!row.ok) continue;
    const std::string file = kept_timeseries(curve, row, run_roots);
    read_site_column(file, site, column, data[g ? plan.points[row.point][*g] : ""]);
  }
  return data;
}

} // namespace

std::optional<std::pair<double, Dimension>> parse_any_quantity(const std::string& text) {
  for (Dimension d : all_dimensions) {
    try {
      return std::pair{parse_quantity(text, d), d};
    } catch (const UnitError&) {
    }
  }
  return std::nullopt;
}

std::vector<BreakEven> find_break_evens(const std::string& curve,
                                        const std::vector<CurveLine>& lines) {
  std::vector<BreakEven> found;
  for (std::size_t a = 0; a < lines.size(); ++a)
    for (std::size_t b = a + 1; b < lines.size(); ++b) {
      std::map<double, double> mean_b;
      for (const auto& p : lines[b].points)
        mean_b[p.x] = p.mean;
      std::vector<std::pair<double, double>> d; // x, mean_a - mean_b
      std::vector<double> ya;
      for (const auto& p : lines[a].points)
        if (auto it = mean_b.find(p.x); it != mean_b.end()) {
          d.emplace_back(p.x, p.mean - it->second);
          ya.push_back(p.mean);
        }
      // A crossing is a change of sign of d between two x where d is not zero; lines that
      // touch and part the same way, or meet and stay together, do not break even.
      std::optional<std::size_t> previous;
      for (std::size_t i = 0; i < d.size(); ++i) {
        if (d[i].second == 0) continue;
        if (previous && (d[*previous].second > 0) != (d[i].second > 0)) {
          std::size_t k = *previous;
          double x = 0, y = 0;
          if (i == k + 1) {
            double t = d[k].second / (d[k].second - d[i].second);
            x = d[k].first + t * (d[i].first - d[k].first);
            y = ya[k] + t * (ya[i] - ya[k]);
          } else { // equal from x_k+1 on: that is where they meet
            x = d[k + 1].first;
            y = ya[k + 1];
          }
          found.push_back({.curve = curve,
                           .line_a = lines[a].group,
                           .line_b = lines[b].group,
                           .x = x,
                           .y = y,
                           .higher_before = d[k].second > 0 ? lines[a].group : lines[b].group});
        }
        previous = i;
      }
    }
  return found;
}

std::vector<CurveLine> extract_curve(const SweepPlan& plan, const CurveSpec& curve,
                                     const std::vector<ResultRow>& rows,
                                     const std::vector<std::string>& run_roots) {
  auto order = curve.ys.size() > 1 ? curve.ys : group_order(plan, curve);
  std::optional<std::size_t> g;
  if (!curve.group.empty()) g = axis_index(plan, curve.group);
  CurveData data = curve.x == "time" ? time_curve_data(plan, curve, rows, run_roots, g)
                                     : swept_curve_data(plan, curve, rows, g);
  return to_lines(order, data);
}

std::vector<BreakEven> write_curves(const SweepPlan& plan, const std::vector<ResultRow>& rows,
                                    const std::string& dir,
                                    const std::vector<std::string>& run_roots) {
  std::vector<BreakEven> all;
  if (plan.curves.empty()) return all;
  std::string curves_dir = dir + "/curves";
  std::filesystem::create_directories(curves_dir);
  for (const auto& curve : plan.curves) {
    auto lines = extract_curve(plan, curve, rows, run_roots);
    std::string text = "group,x,runs,mean,p5,p50,p95\n";
    for (const auto& line : lines)
      for (const auto& p : line.points)
        text += fmt::format("{},{},{},{},{},{},{}\n", csv_field(line.group), p.x, p.runs, p.mean,
                            p.p5, p.p50, p.p95);
    write_file_atomically(curves_dir + "/" + curve.name + ".csv", text);
    auto found = find_break_evens(curve.name, lines);
    all.insert(all.end(), found.begin(), found.end());
  }
  std::string text = "curve,line_a,line_b,x,y,higher_before\n";
  for (const auto& b : all)
    text += fmt::format("{},{},{},{},{},{}\n", csv_field(b.curve), csv_field(b.line_a),
                        csv_field(b.line_b), b.x, b.y, csv_field(b.higher_before));
  write_file_atomically(curves_dir + "/breakeven.csv", text);
  return all;
}

std::vector<CurveLine> read_curve_csv(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::string line;
  std::getline(in, line);
  std::vector<CurveLine> lines;
  while (std::getline(in, line)) {
    auto f = split_csv_line(line);
    if (f.size() != 7) continue;
    if (lines.empty() || lines.back().group != f[0]) lines.push_back({.group = f[0], .points = {}});
    lines.back().points.push_back({.x = std::strtod(f[1].c_str(), nullptr),
                                   .runs = std::strtoull(f[2].c_str(), nullptr, 10),
                                   .mean = std::strtod(f[3].c_str(), nullptr),
                                   .p5 = std::strtod(f[4].c_str(), nullptr),
                                   .p50 = std::strtod(f[5].c_str(), nullptr),
                                   .p95 = std::strtod(f[6].c_str(), nullptr)});
  }
  return lines;
}

std::vector<BreakEven> read_break_evens(const std::string& path) {
  std::vector<BreakEven> found;
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    auto f = split_csv_line(line);
    if (f.size() != 6) continue;
    found.push_back({.curve = f[0],
                     .line_a = f[1],
                     .line_b = f[2],
                     .x = std::strtod(f[3].c_str(), nullptr),
                     .y = std::strtod(f[4].c_str(), nullptr),
                     .higher_before = f[5]});
  }
  return found;
}

} // namespace capsim
