#include "sim/report/html_report.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "sim/batch/curves.hpp"
#include "sim/batch/plan.hpp"
#include "sim/batch/results.hpp"
#include "sim/report/atomic_file.hpp"
#include "sim/report/plot.hpp"
#include "sim/report/web_assets.hpp"
#include "sim/scenario/diagnostics.hpp"
#include "sim/scenario/loader.hpp"
#include "sim/scenario/timeseries_columns.hpp"

namespace capsim {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {

// The page shows at most this many event rows (the log of a long run can hold millions); the
// counts by kind cover all of them.
constexpr std::size_t max_event_rows = 20000;

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail_input(path, "cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

json read_json(const std::string& path) {
  try {
    return json::parse(read_text(path));
  } catch (const json::parse_error& e) {
    fail_input(path, std::string("is not valid JSON: ") + e.what());
  }
}

// A CSV cell: a number when it reads whole as one, null when empty, else the text.
json cell(const std::string& text) {
  if (text.empty()) return nullptr;
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str() + text.size() && std::isfinite(v)) return v;
  return text;
}

struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
};

Table read_csv(const std::string& path) {
  Table t;
  std::ifstream in(path);
  if (!in) fail_input(path, "cannot be read");
  std::string line;
  if (!std::getline(in, line)) return t;
  t.columns = split_csv_line(line);
  while (std::getline(in, line)) {
    auto f = split_csv_line(line);
    if (f.size() == t.columns.size()) t.rows.push_back(std::move(f));
  }
  return t;
}

json table_json(const Table& t) {
  json rows = json::array();
  for (const auto& r : t.rows) {
    json row = json::array();
    for (const auto& f : r)
      row.push_back(cell(f));
    rows.push_back(std::move(row));
  }
  return json{{"columns", t.columns}, {"rows", std::move(rows)}};
}

// Per site: time_s and every column that has a non-zero value (an all-zero or empty column,
// such as a battery a site does not have, is not drawn).
json timeseries_json(const std::string& path) {
  Table t = read_csv(path);
  auto index = [&](const std::string& name) {
    return static_cast<std::size_t>(std::find(t.columns.begin(), t.columns.end(), name) -
                                    t.columns.begin());
  };
  std::size_t time_col = index("time_s"), site_col = index("site");
  if (time_col >= t.columns.size() || site_col >= t.columns.size())
    fail_input(path, "lacks the time_s or site column");
  std::vector<std::string> order;
  std::map<std::string, std::vector<const std::vector<std::string>*>> by_site;
  for (const auto& r : t.rows) {
    if (!by_site.count(r[site_col])) order.push_back(r[site_col]);
    by_site[r[site_col]].push_back(&r);
  }
  json sites = json::object();
  for (const auto& site : order) {
    const auto& rows = by_site[site];
    json s = json::object();
    for (std::size_t c = 0; c < t.columns.size(); ++c) {
      if (c == site_col) continue;
      json values = json::array();
      bool nonzero = false;
      for (const auto* r : rows) {
        json v = cell((*r)[c]);
        if (v.is_number()) {
          // Seven significant digits are more than a chart shows, and keep the page small.
          double x = v.get<double>();
          if (x != 0) nonzero = true;
          if (c != time_col) v = std::strtod(fmt::format("{:.7g}", x).c_str(), nullptr);
        }
        values.push_back(std::move(v));
      }
      if (c == time_col || nonzero) s[t.columns[c]] = std::move(values);
    }
    sites[site] = std::move(s);
  }
  // Each column's label and units from the column table, for the charts.
  json labels = json::object();
  for (const TimeseriesColumn& column : timeseries_columns) {
    std::string name(column.name);
    if (std::find(t.columns.begin(), t.columns.end(), name) == t.columns.end()) continue;
    json steps = json::array();
    for (const UnitStep& step : field_steps(name))
      steps.push_back(json::array({step.divisor, step.unit}));
    labels[name] = {{"label", std::string(column.label)}, {"steps", std::move(steps)}};
  }
  return json{{"columns", t.columns}, {"sites", std::move(sites)}, {"labels", std::move(labels)}};
}

json events_json(const std::string& path) {
  Table t = read_csv(path);
  auto kind_it = std::find(t.columns.begin(), t.columns.end(), "kind");
  std::size_t kind_col = static_cast<std::size_t>(kind_it - t.columns.begin());
  std::map<std::string, std::size_t> counts;
  json rows = json::array();
  std::size_t left_out = 0;
  for (const auto& r : t.rows) {
    const std::string& kind = kind_col < r.size() ? r[kind_col] : std::string();
    ++counts[kind];
    if (kind == "checkpoints") continue; // a per-interval count, not an event
    if (rows.size() >= max_event_rows) {
      ++left_out;
      continue;
    }
    json row = json::array();
    for (const auto& f : r)
      row.push_back(cell(f));
    rows.push_back(std::move(row));
  }
  json count_json = json::object();
  for (const auto& [k, n] : counts)
    count_json[k] = n;
  return json{{"columns", t.columns},
              {"rows", std::move(rows)},
              {"counts", std::move(count_json)},
              {"left_out", left_out}};
}

// "3.5 MW" -> {"3.5", "MW"}; "0.4" -> {"0.4", ""}; text that is not a quantity stays whole.
std::pair<std::string, std::string> value_and_unit(const std::string& text) {
  auto space = text.find(' ');
  if (space != std::string::npos) {
    std::string number = text.substr(0, space);
    char* end = nullptr;
    std::strtod(number.c_str(), &end);
    std::string unit = text.substr(space + 1);
    // A number then one word: a quantity, also in a unit the simulator reads elsewhere
    // (USD/m3 of a finance block).
    if (end == number.c_str() + number.size() && !number.empty() &&
        (parse_any_quantity(text) || (unit.find(' ') == std::string::npos && !unit.empty() &&
                                      !std::isdigit(static_cast<unsigned char>(unit[0])))))
      return {number, unit};
  }
  if (text.size() > 1 && text.back() == '%') return {text.substr(0, text.size() - 1), "%"};
  return {text, ""};
}

// The scenario's inputs (after the run's --set overrides), one row per scalar: path, value,
// unit as written in the scenario (every quantity there carries its unit).
void flatten_inputs(const YAML::Node& node, const std::string& path, json& rows) {
  if (node.IsMap()) {
    for (const auto& entry : node) {
      std::string key = entry.first.Scalar();
      if (path.empty() && (key == "sweep" || key == "curves")) continue;
      flatten_inputs(entry.second, path.empty() ? key : path + "." + key, rows);
    }
  } else if (node.IsSequence()) {
    for (std::size_t i = 0; i < node.size(); ++i) {
      const YAML::Node& item = node[i];
      std::string name = std::to_string(i);
      for (const char* key : {"name", "site", "job", "cluster"}) // what the item is known by
        if (item.IsMap() && item[key] && item[key].IsScalar()) {
          name = item[key].Scalar();
          break;
        }
      flatten_inputs(item, path + "." + name, rows);
    }
  } else if (node.IsScalar()) {
    if (path.ends_with(".name")) return; // the item's name is in its path
    if (!path.empty() && path.find('.') != std::string::npos) {
      std::string parent = path.substr(0, path.rfind('.'));
      std::string key = path.substr(path.rfind('.') + 1);
      if ((key == "site" || key == "job" || key == "cluster") &&
          parent.ends_with("." + node.Scalar()))
        return; // the key that names the item, as in finance.site_costs.ground.site
    }
    auto [value, unit] = value_and_unit(node.Scalar());
    rows.push_back(json::array({path, value, unit}));
  }
}

json scenario_inputs(const ReportOptions& options) {
  if (options.scenario_file.empty()) return nullptr;
  YAML::Node document;
  try {
    document = YAML::LoadFile(options.scenario_file);
  } catch (const YAML::Exception& e) {
    fail_input(options.scenario_file, e.what());
  }
  std::vector<Override> overrides;
  for (const auto& text : options.set_args)
    overrides.push_back(parse_override(text));
  Diagnostics d(options.scenario_file);
  apply_overrides(document, overrides, d);
  d.throw_if_any();
  json rows = json::array();
  flatten_inputs(document, "", rows);
  return json{{"file", fs::path(options.scenario_file).filename().string()},
              {"sets", options.set_args},
              {"rows", std::move(rows)}};
}

json run_data(const std::string& dir, const ReportOptions& options) {
  json data = json::object();
  data["kind"] = "run";
  data["summary"] = read_json(dir + "/summary.json");
  data["timeseries"] =
      fs::exists(dir + "/timeseries.csv") ? timeseries_json(dir + "/timeseries.csv") : nullptr;
  data["events"] = fs::exists(dir + "/events.csv") ? events_json(dir + "/events.csv") : nullptr;
  data["ledger"] =
      fs::exists(dir + "/ledger.csv") ? table_json(read_csv(dir + "/ledger.csv")) : nullptr;
  data["finance_months"] = fs::exists(dir + "/finance_months.csv")
                               ? table_json(read_csv(dir + "/finance_months.csv"))
                               : nullptr;
  data["inputs"] = scenario_inputs(options);
  return data;
}

// Each swept path with its axis label and the divisor of its values.
json sweep_axes_json(const SweepPlan& plan) {
  json axes = json::array();
  for (std::size_t a = 0; a < plan.axes.size(); ++a) {
    std::vector<double> xs;
    std::string unit;
    for (const auto& p : plan.points)
      if (auto q = parse_any_quantity(p[a])) xs.push_back(q->first);
    double max_abs = 0;
    for (double x : xs)
      max_abs = std::max(max_abs, std::fabs(x));
    std::optional<std::pair<double, Dimension>> q;
    if (!plan.points.empty()) q = parse_any_quantity(plan.points.front()[a]);
    AxisLabel label = label_for_quantity(readable_path(plan.axes[a]),
                                         q ? q->second : Dimension::dimensionless, max_abs);
    axes.push_back({{"path", plan.axes[a]}, {"label", label.text}, {"divisor", label.divisor}});
  }
  return axes;
}

// The break-evens of one curve, its lines named for the page.
json curve_break_evens_json(const CurveSpec& curve, const std::vector<BreakEven>& break_evens) {
  json marks = json::array();
  for (const auto& b : break_evens)
    if (b.curve == curve.name)
      marks.push_back(
          {{"line_a", curve_line_name(curve, b.line_a)},
           {"line_b", curve_line_name(curve, b.line_b)},
           {"x", b.x},
           {"y", b.y},
           {"higher_before",
            b.higher_before.empty() ? std::string() : curve_line_name(curve, b.higher_before)}});
  return marks;
}

// One curve of curves/NAME.csv: its lines, axis labels and break-evens.
json curve_json(const CurveSpec& curve, const SweepPlan& plan, const std::vector<CurveLine>& lines,
                const std::vector<BreakEven>& break_evens) {
  double x_max = 0, y_max = 0;
  std::set<double> xs;
  for (const auto& l : lines)
    for (const auto& p : l.points) {
      x_max = std::max(x_max, std::fabs(p.x));
      y_max = std::max({y_max, std::fabs(p.p95), std::fabs(p.p5), std::fabs(p.mean)});
      xs.insert(p.x);
    }
  AxisLabel x_label = curve_x_label(plan, curve, x_max);
  AxisLabel y_label = curve_y_label(curve, y_max);
  json lines_json = json::array();
  for (const auto& l : lines) {
    json points = json::array();
    for (const auto& p : l.points)
      points.push_back(json::array({p.x, p.runs, p.mean, p.p5, p.p50, p.p95}));
    lines_json.push_back({{"group", l.group},
                          {"name", curve_line_name(curve, l.group)},
                          {"points", std::move(points)}});
  }
  std::string title = curve.title.empty()
                          ? readable_path(curve.ys.size() > 1 ? curve.ys.front() : curve.y) +
                                " vs " + (curve.x == "time" ? "time" : readable_path(curve.x))
                          : curve.title;
  return {{"name", curve.name},
          {"title", title},
          {"x", curve.x},
          {"y", curve.y},
          {"group", curve.group},
          {"x_label", x_label.text},
          {"x_divisor", x_label.divisor},
          {"x_log", log_spaced(std::vector<double>(xs.begin(), xs.end()))},
          {"y_label", y_label.text},
          {"y_divisor", y_label.divisor},
          {"lines", std::move(lines_json)},
          {"break_evens", curve_break_evens_json(curve, break_evens)}};
}

// Returns of every successful run, for their distribution (when finance varies).
json sweep_returns_json(const std::string& dir) {
  json returns = json::object();
  if (!fs::exists(dir + "/results.csv")) return returns;
  Table r = read_csv(dir + "/results.csv");
  auto status = std::find(r.columns.begin(), r.columns.end(), "status") - r.columns.begin();
  for (std::size_t c = 0; c < r.columns.size(); ++c) {
    const std::string& name = r.columns[c];
    if (!(name.ends_with("irr") && name.starts_with("finance."))) continue;
    json values = json::array();
    for (const auto& row : r.rows) {
      if (static_cast<std::size_t>(status) < row.size() && row[status] != "ok") continue;
      json v = cell(row[c]);
      if (v.is_number()) values.push_back(v);
    }
    bool repeated = false; // a vehicle's IRR that is also the scenario's: shown once
    for (const auto& [other, earlier] : returns.items())
      repeated = repeated || earlier == values;
    if (!values.empty() && !repeated) returns[name] = std::move(values);
  }
  return returns;
}

json sweep_data(const std::string& dir, const ReportOptions& options) {
  json plan_json = read_json(dir + "/sweep.json");
  SweepPlan plan;
  try {
    plan = plan_from_json(plan_json);
  } catch (const std::exception& e) {
    fail_input(dir + "/sweep.json", std::string("is not a sweep plan: ") + e.what());
  }
  json data = json::object();
  data["kind"] = "sweep";
  data["scenario"] = plan.scenario_name;
  data["scenario_file"] = fs::path(plan.scenario_file).filename().string();
  data["points"] = plan.points.size();
  data["replications"] = plan.replications;
  data["axes"] = sweep_axes_json(plan);

  std::vector<BreakEven> break_evens;
  if (fs::exists(dir + "/curves/breakeven.csv"))
    break_evens = read_break_evens(dir + "/curves/breakeven.csv");
  json curves = json::array();
  for (const auto& curve : plan.curves) {
    std::string csv = dir + "/curves/" + curve.name + ".csv";
    if (fs::exists(csv))
      curves.push_back(curve_json(curve, plan, read_curve_csv(csv), break_evens));
  }
  data["curves"] = std::move(curves);
  data["summary_csv"] =
      fs::exists(dir + "/summary.csv") ? table_json(read_csv(dir + "/summary.csv")) : nullptr;
  data["returns"] = sweep_returns_json(dir);
  data["inputs"] = nullptr;
  (void)options;
  return data;
}

// JSON inside <script>: "</" would end the element early, so it is written "<\/" (the same
// string to a JSON parser).
std::string script_safe(std::string text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '<' && i + 1 < text.size() && text[i + 1] == '/') {
      out += "<\\/";
      ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string escape_html(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '&':
      out += "&amp;";
      break;
    case '"':
      out += "&quot;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

} // namespace

json report_data(const std::string& dir, const ReportOptions& options) {
  bool run = fs::exists(dir + "/summary.json");
  bool sweep = fs::exists(dir + "/sweep.json");
  if (!run && !sweep)
    fail_input(dir, "nothing to report: expected a run directory (summary.json) or a sweep "
                    "directory (sweep.json)");
  json data = run ? run_data(dir, options) : sweep_data(dir, options);
  data["capsim_version"] = CAPSIM_VERSION;
  return data;
}

std::string report_html(const json& data) {
  std::string name = data.value("kind", "") == "run"
                         ? data["summary"].value("scenario", std::string("run"))
                         : data.value("scenario", std::string("sweep"));
  std::string title = fmt::format("capsim {} report: {}", data.value("kind", ""), name);
  std::string html;
  html.reserve(web_assets::uplot_js.size() + 4 * 1024 * 1024);
  html += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"generator\" content=\"capsim " CAPSIM_VERSION "\">\n<title>";
  html += escape_html(title);
  html +=
      "</title>\n<!-- The charts are drawn with uPlot 1.6.32, inlined below under its licence:\n";
  html += web_assets::uplot_license;
  html += "-->\n<style>\n";
  html += web_assets::uplot_css;
  html += "\n";
  html += web_assets::report_css;
  html += "\n</style>\n</head>\n<body>\n<main id=\"report\"><noscript>This report draws its "
          "tables and charts with JavaScript.</noscript></main>\n"
          "<script type=\"application/json\" id=\"capsim-data\">";
  html += script_safe(data.dump());
  html += "</script>\n<script>\n";
  html += web_assets::uplot_js;
  html += "\n</script>\n<script>\n";
  html += web_assets::report_js;
  html += "\n</script>\n</body>\n</html>\n";
  return html;
}

std::string write_report(const std::string& dir, const ReportOptions& options) {
  std::string html = report_html(report_data(dir, options));
  std::string path = dir + "/report.html";
  write_file_atomically(path, html);
  return path;
}

} // namespace capsim
