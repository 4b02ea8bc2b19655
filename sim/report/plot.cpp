#include "sim/report/plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include <fcntl.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "sim/batch/curves.hpp"
#include "sim/batch/plan.hpp"
#include "sim/batch/results.hpp"
#include "sim/report/atomic_file.hpp"
#include "sim/report/csv.hpp"
#include "sim/scenario/diagnostics.hpp"
#include "sim/scenario/timeseries_columns.hpp"

// After the project's headers: <signal.h> defines a macro named si_value.
#include <sys/wait.h>

namespace capsim {

namespace fs = std::filesystem;

namespace {

// Readable names of summary fields; a time-series column's is its label in the column table
// (sim/scenario/timeseries_columns.hpp). Units come from display_steps().
const std::map<std::string, std::string>& field_names() {
  static const std::map<std::string, std::string> names{
      {"goodput_fraction", "goodput"},
      {"equity_irr", "equity IRR"},
      {"project_irr", "project IRR"},
      {"expected_goodput_fraction", "expected goodput"},
      {"completion_s", "time to train"},
      {"cost_per_eflop_usd", "cost per useful EFLOP"},
      {"total_cost_usd", "total cost"},
      {"lease_cost_usd", "lease cost"},
      {"throttled_fraction", "GPU-hours under a power cap"},
      {"shed_gpu_hours", "GPU-hours shed"},
      {"busy_gpu_hours", "GPU-hours training"},
      {"gpu_hours_available", "GPU-hours available"},
      {"gpu_hours_installed", "GPU-hours installed"},
      {"peak_facility_power_w", "peak facility power"},
      {"it_energy_j", "IT energy"},
      {"facility_energy_j", "facility energy"},
      {"flop_done", "useful work"},
      {"flop_lost", "work lost"},
      {"mean_pue", "mean PUE"},
      {"interruptions", "interruptions"},
      {"failures", "failures"},
      {"opex_usd", "operating cost"},
      {"capex_usd", "capital cost"},
      {"events", "simulation events"},
  };
  return names;
}

// The one table of display units for figures (and the HTML report's time series): how a value
// in `unit` of dimension `d` is shown, as the steps to scale it to (the largest not above the
// data). Symbols are models/units.hpp's, which gives their factors; a few are words ("thousand
// USD", "GPU-h"). A unit other than the dimension's SI unit ("degC", "GPUs", "tokens/s") is shown
// as it is; "fraction" (0 to 1) as %; "" (a plain number) without a unit.
std::vector<UnitStep> display_steps(Dimension d, std::string_view unit) {
  auto symbols = [d](std::initializer_list<const char*> list) {
    std::vector<UnitStep> steps;
    for (const char* symbol : list)
      steps.push_back({parse_quantity(std::string("1 ") + symbol, d), symbol});
    return steps;
  };
  if (unit == "fraction") return {{0.01, "%"}};
  if (unit == "GPU-h") return {{1, "GPU-h"}, {1e6, "million GPU-h"}};
  if (unit.empty() || d == Dimension::dimensionless || unit != si_unit(d))
    return unit.empty() || unit == "1" ? std::vector<UnitStep>{}
                                       : std::vector<UnitStep>{{1, std::string(unit)}};
  switch (d) {
  case Dimension::power:
    return symbols({"W", "kW", "MW", "GW"});
  case Dimension::flop_rate:
    return symbols({"FLOP/s", "TFLOP/s", "PFLOP/s", "EFLOP/s"});
  case Dimension::time:
    return symbols({"s", "min", "h", "days"});
  case Dimension::energy:
    return symbols({"J", "kWh", "MWh", "GWh"});
  case Dimension::money:
    return {{1, "USD"}, {1e3, "thousand USD"}, {1e6, "million USD"}, {1e9, "billion USD"}};
  case Dimension::data:
    return symbols({"B", "GB", "TB"});
  case Dimension::flop:
    return symbols({"FLOP", "EFLOP", "ZFLOP"});
  case Dimension::money_per_gpu_time:
    return symbols({"USD/GPU/h"});
  case Dimension::money_per_energy:
    return symbols({"USD/MWh"});
  case Dimension::rate_per_gpu_time:
    return symbols({"per GPU-hour"});
  default:
    return {{1, std::string(unit)}};
  }
}

// What a field's value measures and the unit it is in: a time-series column's from the column
// table, a summary field's from its name's suffix.
std::pair<Dimension, std::string_view> field_unit(const std::string& field) {
  if (const TimeseriesColumn* column = find_timeseries_column(field))
    return {column->dimension, column->unit};
  auto ends = [&](const char* suffix) { return field.ends_with(suffix); };
  using D = Dimension;
  if (ends("_w")) return {D::power, "W"};
  if (ends("_flops")) return {D::flop_rate, "FLOP/s"};
  if (ends("fraction") || ends("_irr")) return {D::dimensionless, "fraction"};
  if (ends("_s")) return {D::time, "s"};
  if (ends("_j")) return {D::energy, "J"};
  if (ends("_usd")) return {D::money, "USD"};
  if (ends("_bytes")) return {D::data, "B"};
  if (ends("_hours")) return {D::dimensionless, "GPU-h"};
  if (field.rfind("flop_", 0) == 0) return {D::flop, "FLOP"};
  if (ends("_c")) return {D::temperature, "degC"};
  if (ends("_k")) return {D::temperature, "K"};
  if (field.rfind("gpus", 0) == 0) return {D::dimensionless, "GPUs"};
  return {D::dimensionless, ""};
}

AxisLabel scaled(const std::string& name, const std::vector<UnitStep>& steps, double max_abs) {
  if (steps.empty()) return {name, 1};
  UnitStep chosen = steps.front();
  for (const auto& s : steps)
    if (max_abs / s.divisor >= 1) chosen = s;
  return {fmt::format("{} ({})", name, chosen.unit), chosen.divisor};
}

std::string readable_field(const std::string& field) {
  if (const TimeseriesColumn* column = find_timeseries_column(field))
    return std::string(column->label);
  auto it = field_names().find(field);
  if (it != field_names().end()) return it->second;
  std::string name = field;
  for (const char* suffix : {"_w", "_flops", "_s", "_j", "_usd", "_bytes", "_c", "_k"})
    if (name.ends_with(suffix)) {
      name.resize(name.size() - std::strlen(suffix));
      break;
    }
  std::replace(name.begin(), name.end(), '_', ' ');
  return name;
}

// "sites.memphis.grid.capacity" -> "memphis grid capacity"; "finance.total_cost_usd" -> "total
// cost"; "jobs.pretrain.completion_s" -> "pretrain: time to train".
std::string readable_path_text(const std::string& path) {
  std::vector<std::string> parts;
  std::stringstream in(path);
  for (std::string p; std::getline(in, p, '.');)
    parts.push_back(p);
  if (parts.empty()) return path;
  std::string last = readable_field(parts.back());
  if (parts.front() == "finance" || parts.front() == "engine") return last;
  std::size_t first =
      (parts.front() == "sites" || parts.front() == "clusters" || parts.front() == "jobs") ? 1 : 0;
  std::string text;
  for (std::size_t i = first; i + 1 < parts.size(); ++i) {
    std::string p = parts[i];
    std::replace(p.begin(), p.end(), '_', ' ');
    text += (text.empty() ? "" : " ") + p;
  }
  if (first == 1 && parts.size() == 3) return text + ": " + last;
  return text.empty() ? last : text + " " + last;
}

// The item a column belongs to, for a legend: "finance.sites.orbit.cost_per_eflop_usd" ->
// "orbit", "jobs.pretrain.goodput_fraction" -> "pretrain".
std::string column_item(const std::string& column) {
  auto last = column.rfind('.');
  if (last == std::string::npos) return column;
  std::string head = column.substr(0, last);
  for (const char* prefix : {"finance.sites.", "finance.leases.", "finance.vehicles.",
                             "finance.training_runs.", "sites.", "clusters.", "jobs."})
    if (head.rfind(prefix, 0) == 0) return head.substr(std::string(prefix).size());
  return readable_path_text(column);
}

AxisLabel label_for_dimension(const std::string& name, Dimension d, double max_abs) {
  return scaled(name, display_steps(d, si_unit(d)), max_abs);
}

std::string quote(const std::string& text) { // a gnuplot single-quoted string
  std::string q = "'";
  for (char c : text) {
    if (c == '\'') q += '\'';
    q += c;
  }
  return q + "'";
}

std::string format_value(double v) {
  return fmt::format("{:.6g}", v);
}

struct Figure {
  std::string name; // file stem
  std::string data; // datablock definitions
  std::string body; // settings and plot command
};

std::string read_log_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs gnuplot on a script; returns its error output when it fails.
std::optional<std::string> run_gnuplot(const std::string& script_path, const std::string& log) {
  pid_t pid = ::fork();
  if (pid < 0) return std::string("fork failed");
  if (pid == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    ::execlp("gnuplot", "gnuplot", script_path.c_str(), static_cast<char*>(nullptr));
    const char message[] = "gnuplot not found: install gnuplot-nox (tools/install-deps.sh)\n";
    ssize_t ignored = ::write(2, message, sizeof message - 1);
    (void)ignored;
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return std::nullopt;
  std::string errors = read_log_file(log);
  return errors.empty() ? std::string("gnuplot failed") : errors;
}

std::vector<std::string> render(const std::string& plots_dir, const std::vector<Figure>& figures,
                                const PlotOptions& options) {
  fs::create_directories(plots_dir);
  std::string png_terminal = gnuplot_has_pngcairo()
                                 ? "pngcairo noenhanced size 1000,600 font 'sans,11'"
                                 : "png noenhanced size 1000,600";
  const std::string settings = "set datafile separator ','\nset grid\nset key outside bottom "
                               "center horizontal\nset style fill transparent solid 0.2 noborder\n";
  const std::string svg_terminal =
      "svg noenhanced size 1000,600 dynamic background '#ffffff' font 'sans,11'";
  std::string script = settings;
  std::vector<std::pair<std::string, std::string>> outputs; // temporary, final
  for (const auto& f : figures) {
    script += f.data;
    for (auto [enabled, terminal, extension] :
         {std::tuple{options.png, png_terminal, std::string(".png")},
          std::tuple{options.svg, svg_terminal, std::string(".svg")}}) {
      if (!enabled) continue;
      std::string final_path = plots_dir + "/" + f.name + extension;
      std::string temp_path = final_path + ".tmp";
      script += "set terminal " + terminal + "\nset output " + quote(temp_path) + "\n" + f.body +
                "unset output\n";
      outputs.emplace_back(temp_path, final_path);
    }
    script += "reset\n" + settings;
  }
  std::string script_path = plots_dir + "/.plot.gp";
  std::string log_path = plots_dir + "/.plot.log";
  std::ofstream(script_path) << script;
  auto error = run_gnuplot(script_path, log_path);
  if (error) {
    for (const auto& [temp, final_path] : outputs)
      fs::remove(temp);
    throw std::runtime_error("gnuplot: " + *error + " (script kept in " + script_path + ")");
  }
  std::vector<std::string> written;
  for (const auto& [temp, final_path] : outputs) {
    fs::rename(temp, final_path);
    written.push_back(final_path);
  }
  // Each figure's own script beside it, writing the same files when run in DIR/plots/
  // (`gnuplot NAME.gp`), for a user to restyle.
  for (const auto& f : figures) {
    std::string own = "# " + f.name + ": drawn by capsim plot; run `gnuplot " + f.name +
                      ".gp` in this directory to draw it again\n" + settings + f.data;
    for (auto [enabled, terminal, extension] :
         {std::tuple{options.png, png_terminal, std::string(".png")},
          std::tuple{options.svg, svg_terminal, std::string(".svg")}}) {
      if (!enabled) continue;
      own += "set terminal " + terminal + "\nset output " + quote(f.name + extension) + "\n" +
             f.body + "unset output\n";
    }
    std::string path = plots_dir + "/" + f.name + ".gp";
    write_file_atomically(path, own);
    written.push_back(path);
  }
  fs::remove(script_path);
  fs::remove(log_path);
  return written;
}

// --- run time series ---------------------------------------------------------------------

struct SiteSeries {
  std::vector<double> time_s;
  std::map<std::string, std::vector<double>> columns; // NaN where empty
};

std::map<std::string, SiteSeries> read_timeseries(const std::string& path,
                                                  std::vector<std::string>& order) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  auto header = split_csv_line(line);
  std::map<std::string, SiteSeries> sites;
  auto time_col = std::find(header.begin(), header.end(), "time_s") - header.begin();
  auto site_col = std::find(header.begin(), header.end(), "site") - header.begin();
  if (static_cast<std::size_t>(time_col) >= header.size() ||
      static_cast<std::size_t>(site_col) >= header.size())
    throw std::runtime_error(path + " lacks time_s or site columns");
  while (std::getline(in, line)) {
    auto f = split_csv_line(line);
    if (f.size() != header.size()) continue;
    const std::string& site = f[site_col];
    if (!sites.count(site)) order.push_back(site);
    SiteSeries& s = sites[site];
    s.time_s.push_back(std::strtod(f[time_col].c_str(), nullptr));
    for (std::size_t c = 0; c < header.size(); ++c) {
      if (static_cast<long>(c) == time_col || static_cast<long>(c) == site_col) continue;
      s.columns[header[c]].push_back(f[c].empty() ? NAN : std::strtod(f[c].c_str(), nullptr));
    }
  }
  return sites;
}

double max_abs(const std::vector<double>& v) {
  double m = 0;
  for (double x : v)
    if (std::isfinite(x)) m = std::max(m, std::fabs(x));
  return m;
}

// A series worth drawing: some value that is neither empty nor zero (a site without a battery
// has an empty state of charge and a zero battery power).
bool has_values(const std::vector<double>& v) {
  return std::any_of(v.begin(), v.end(), [](double x) { return std::isfinite(x) && x != 0; });
}

std::string safe_name(const std::string& name) {
  std::string s = name;
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '-';
  return s;
}

std::vector<Figure> run_figures(const std::string& path) {
  std::vector<std::string> order;
  auto sites = read_timeseries(path, order);
  std::vector<Figure> figures;
  int block = 0;
  for (const auto& site : order) {
    SiteSeries& s = sites[site];
    if (s.time_s.empty()) continue;
    AxisLabel time = scaled("time", field_steps("time_s"), max_abs(s.time_s));
    auto figure = [&](const std::string& stem, const std::string& title,
                      const std::vector<std::string>& columns, const std::string& y_field) {
      std::vector<std::string> present;
      double m = 0;
      for (const auto& c : columns)
        if (s.columns.count(c) && has_values(s.columns[c])) {
          present.push_back(c);
          m = std::max(m, max_abs(s.columns[c]));
        }
      if (present.empty()) return;
      AxisLabel y = scaled(y_field.empty() ? readable_field(present.front()) : y_field,
                           field_steps(present.front()), m);
      std::string name = fmt::format("$ts{}", block++);
      std::string data = name + " << EOD\n";
      for (std::size_t i = 0; i < s.time_s.size(); ++i) {
        data += format_value(s.time_s[i] / time.divisor);
        for (const auto& c : present) {
          double v = s.columns[c][i];
          data += ',';
          data += std::isfinite(v) ? format_value(v / y.divisor) : std::string("NaN");
        }
        data += "\n";
      }
      data += "EOD\n";
      std::string body = "set title " + quote("site " + site + ": " + title) + "\nset xlabel " +
                         quote(time.text) + "\nset ylabel " + quote(y.text) + "\n";
      if (y.divisor == 0.01) body += "set yrange [0:*]\n";
      body += "plot ";
      for (std::size_t k = 0; k < present.size(); ++k)
        body += (k ? ", " : "") + name + fmt::format(" using 1:{} with lines lw 2 title ", k + 2) +
                quote(readable_field(present[k]));
      body += "\n";
      figures.push_back({.name = safe_name(site) + "-" + stem, .data = data, .body = body});
    };
    std::vector<std::string> used{"goodput_flops",     "it_power_w",   "facility_power_w",
                                  "power_available_w", "cap_fraction", "throttle_fraction",
                                  "gpus_installed",    "gpus_up",      "gpus_busy",
                                  "gpus_shed"};
    figure("goodput", "delivered goodput (useful training work per second)", {"goodput_flops"},
           "goodput");
    figure("power", "power drawn vs available",
           {"facility_power_w", "power_available_w", "it_power_w"}, "power");
    figure("throttling", "power capping", {"throttle_fraction", "cap_fraction"}, "share");
    figure("gpus", "GPUs", {"gpus_installed", "gpus_up", "gpus_busy", "gpus_shed"}, "count");
    for (const auto& [column, values] : s.columns)
      if (std::find(used.begin(), used.end(), column) == used.end() && has_values(values))
        figure(safe_name(column), readable_field(column), {column}, "");
  }
  return figures;
}

// --- sweep curves ------------------------------------------------------------------------

// The curve's axes: x over time or the swept path's quantity, y by the column's unit; each
// scaled to the largest value drawn (the p95 bands included).
std::pair<AxisLabel, AxisLabel> curve_axes(const CurveSpec& curve, const SweepPlan& plan,
                                           const std::vector<CurveLine>& lines) {
  double x_max = 0, y_max = 0;
  for (const auto& l : lines)
    for (const auto& p : l.points) {
      x_max = std::max(x_max, std::fabs(p.x));
      y_max = std::max({y_max, std::fabs(p.p95), std::fabs(p.mean)});
    }
  AxisLabel x_label;
  if (curve.x == "time") {
    x_label = scaled("time", field_steps("time_s"), x_max);
  } else {
    auto a = std::find(plan.axes.begin(), plan.axes.end(), curve.x) - plan.axes.begin();
    auto q = parse_any_quantity(plan.points.front()[a]);
    x_label = label_for_dimension(readable_path(curve.x), q ? q->second : Dimension::dimensionless,
                                  x_max);
  }
  std::string y_field = curve.y.substr(curve.y.rfind('.') + 1);
  return {x_label, scaled(readable_path(curve.y), field_steps(y_field), y_max)};
}

// One data block and one plot clause per line: its mean, and its p5-p95 band when it has one.
void add_curve_lines(const CurveSpec& curve, const std::vector<CurveLine>& lines,
                     const AxisLabel& x_label, const AxisLabel& y_label, int& block,
                     std::string& data, std::string& plot) {
  int color = 1;
  for (const auto& line : lines) {
    std::string name = fmt::format("$c{}", block++);
    data += name + " << EOD\n";
    for (const auto& p : line.points)
      data +=
          fmt::format("{},{},{},{}\n", format_value(p.x / x_label.divisor),
                      format_value(p.mean / y_label.divisor), format_value(p.p5 / y_label.divisor),
                      format_value(p.p95 / y_label.divisor));
    data += "EOD\n";
    std::string legend = curve.ys.size() > 1   ? column_item(line.group)
                         : curve.group.empty() ? "mean"
                                               : readable_path(curve.group) + " = " + line.group;
    bool band = std::any_of(line.points.begin(), line.points.end(),
                            [](const CurvePoint& p) { return p.runs > 1 && p.p95 > p.p5; });
    if (!plot.empty()) plot += ", ";
    if (band)
      plot += name + fmt::format(" using 1:3:4 with filledcurves lc {} title ", color) +
              quote(legend + " (p5-p95)") + ", ";
    plot += name + fmt::format(" using 1:2 with linespoints lw 2 pt 7 ps 0.6 lc {} title ", color) +
            quote(legend + (band ? " (mean)" : ""));
    ++color;
  }
}

// The curve's break-evens: a ring and a label at each.
void add_break_even_marks(const CurveSpec& curve, const std::vector<BreakEven>& break_evens,
                          const AxisLabel& x_label, const AxisLabel& y_label, int& block,
                          std::string& data, std::string& plot) {
  std::string x_unit;
  if (auto open = x_label.text.rfind(" ("); open != std::string::npos && x_label.text.back() == ')')
    // Not " " + ...: GCC 12 warns falsely on that (bug 105651).
    x_unit = fmt::format(" {}", x_label.text.substr(open + 2, x_label.text.size() - open - 3));
  std::string marks;
  for (const auto& b : break_evens)
    if (b.curve == curve.name)
      marks += fmt::format(
          "{},{},{}\n", format_value(b.x / x_label.divisor), format_value(b.y / y_label.divisor),
          csv_field("break-even " + fmt::format("{:.4g}", b.x / x_label.divisor) + x_unit));
  if (marks.empty()) return;
  std::string name = fmt::format("$b{}", block++);
  data += name + " << EOD\n" + marks + "EOD\n";
  plot += ", " + name + " using 1:2 with points pt 6 ps 2.5 lw 2 lc rgb 'black' title " +
          quote("break-even") + ", " + name + " using 1:2:3 with labels offset 0,1.5 notitle";
}

std::vector<Figure> curve_figures(const std::string& dir) {
  nlohmann::ordered_json json;
  {
    std::ifstream in(dir + "/sweep.json");
    json = nlohmann::ordered_json::parse(in);
  }
  SweepPlan plan = plan_from_json(json);
  auto break_evens = read_break_evens(dir + "/curves/breakeven.csv");
  std::vector<Figure> figures;
  int block = 0;
  for (const auto& curve : plan.curves) {
    std::string csv = dir + "/curves/" + curve.name + ".csv";
    if (!fs::exists(csv)) continue;
    auto lines = read_curve_csv(csv);
    if (lines.empty()) continue;
    const auto [x_label, y_label] = curve_axes(curve, plan, lines);
    std::string data;
    std::string plot;
    add_curve_lines(curve, lines, x_label, y_label, block, data, plot);
    add_break_even_marks(curve, break_evens, x_label, y_label, block, data, plot);
    std::string title = curve.title.empty()
                            ? (readable_path(curve.y) + " vs " +
                               (curve.x == "time" ? "time" : readable_path(curve.x)))
                            : curve.title;
    std::set<double> xs;
    for (const auto& l : lines)
      for (const auto& p : l.points)
        xs.insert(p.x);
    bool log_x = log_spaced(std::vector<double>(xs.begin(), xs.end()));
    std::string body = "set title " + quote(title) + "\nset xlabel " +
                       quote(x_label.text + (log_x ? ", log scale" : "")) + "\nset ylabel " +
                       quote(y_label.text) + "\n" + (log_x ? "set logscale x\n" : "") + "plot " +
                       plot + "\n";
    figures.push_back({.name = "curve-" + curve.name, .data = data, .body = body});
  }
  return figures;
}

} // namespace

std::string readable_path(const std::string& path) {
  return readable_path_text(path);
}

AxisLabel label_for_quantity(const std::string& name, Dimension d, double max_abs_si) {
  return label_for_dimension(name, d, max_abs_si);
}

AxisLabel curve_x_label(const SweepPlan& plan, const CurveSpec& curve, double x_max_abs_si) {
  if (curve.x == "time") return scaled("time", field_steps("time_s"), x_max_abs_si);
  auto a = std::find(plan.axes.begin(), plan.axes.end(), curve.x) - plan.axes.begin();
  std::optional<std::pair<double, Dimension>> q;
  if (static_cast<std::size_t>(a) < plan.axes.size() && !plan.points.empty())
    q = parse_any_quantity(plan.points.front()[a]);
  return label_for_dimension(readable_path(curve.x), q ? q->second : Dimension::dimensionless,
                             x_max_abs_si);
}

AxisLabel curve_y_label(const CurveSpec& curve, double y_max_abs_si) {
  std::string y = curve.ys.size() > 1 ? curve.ys.front() : curve.y;
  std::string field = y.substr(y.rfind('.') + 1);
  std::string name = curve.ys.size() > 1 ? readable_field(field) : readable_path(y);
  return scaled(name, field_steps(field), y_max_abs_si);
}

std::string curve_line_name(const CurveSpec& curve, const std::string& group) {
  if (curve.ys.size() > 1) return column_item(group);
  if (curve.group.empty()) return "mean";
  return readable_path(curve.group) + " = " + group;
}

bool log_spaced(const std::vector<double>& x) {
  if (x.size() < 3 || x.front() <= 0) return false;
  double ratio = x[1] / x[0];
  if (ratio < 1.2) return false;
  for (std::size_t i = 1; i + 1 < x.size(); ++i)
    if (std::fabs(x[i + 1] / x[i] / ratio - 1) > 0.02) return false;
  return true;
}

std::vector<UnitStep> field_steps(const std::string& field) {
  auto [dimension, unit] = field_unit(field);
  return display_steps(dimension, unit);
}

AxisLabel label_for_field(const std::string& field, double max_abs_si) {
  std::string last = field.substr(field.rfind('.') + 1);
  return scaled(field.find('.') == std::string::npos ? readable_field(field) : readable_path(field),
                field_steps(last), max_abs_si);
}

bool gnuplot_has_pngcairo() {
  static int cached = -1;
  if (cached < 0) {
    FILE* pipe = ::popen("gnuplot -e 'set terminal pngcairo' 2>&1", "r");
    std::string out;
    if (pipe) {
      char buffer[512];
      std::size_t n;
      while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0)
        out.append(buffer, n);
      int status = ::pclose(pipe);
      cached =
          WIFEXITED(status) && WEXITSTATUS(status) == 0 && out.find("unknown") == std::string::npos
              ? 1
              : 0;
    } else {
      cached = 0;
    }
  }
  return cached == 1;
}

std::vector<std::string> plot_directory(const std::string& dir, const PlotOptions& options) {
  std::vector<Figure> figures;
  bool run = fs::exists(dir + "/timeseries.csv");
  bool sweep = fs::exists(dir + "/sweep.json") && fs::exists(dir + "/curves");
  if (!run && !sweep) {
    Diagnostics d(dir);
    d.error_unlocated("nothing to plot: expected a run directory (timeseries.csv) or a sweep "
                      "directory with curves (sweep.json, curves/)");
    d.throw_if_any();
  }
  if (run) {
    auto f = run_figures(dir + "/timeseries.csv");
    figures.insert(figures.end(), f.begin(), f.end());
  }
  if (sweep) {
    auto f = curve_figures(dir);
    figures.insert(figures.end(), f.begin(), f.end());
  }
  if (figures.empty()) {
    Diagnostics d(dir);
    d.error_unlocated("nothing to plot: the time series and curves are empty");
    d.throw_if_any();
  }
  return render(dir + "/plots", figures, options);
}

} // namespace capsim
