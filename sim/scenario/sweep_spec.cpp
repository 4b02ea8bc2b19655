#include "sim/scenario/sweep_spec.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "sim/scenario/loader.hpp"
#include "sim/scenario/scenario.hpp"
#include "sim/scenario/timeseries_columns.hpp"

#include "models/units.hpp"

namespace capsim {

namespace {

constexpr double max_points = 1e7;

std::string format_axis_value(double value, const std::string& unit) {
  std::string text = fmt::format("{:.12g}", value);
  if (!unit.empty()) text += " " + unit;
  return text;
}

struct RangeEnds {
  double from = 0;
  double to = 0;
  std::string unit;
  AxisScale scale = AxisScale::linear;
};

// Reads from/to/scale of a range or sampled axis; the caller has checked that `from` exists.
std::optional<RangeEnds> read_range_ends(MapReader& r, const std::string& what,
                                         Diagnostics& diagnostics) {
  RangeEnds ends;
  YAML::Node from = r.child("from", Need::required);
  YAML::Node to = r.child("to", Need::required);
  ends.scale = r.one_of("scale", Need::optional, {"linear", "log"}).value_or("linear") == "log"
                   ? AxisScale::log
                   : AxisScale::linear;
  if (!from.IsDefined() || !to.IsDefined()) return std::nullopt;
  bool ok = true;
  std::optional<std::pair<double, std::string>> a, b;
  for (auto [node, parsed] : {std::pair{&from, &a}, std::pair{&to, &b}}) {
    if (node->IsScalar()) *parsed = split_number_unit(node->Scalar());
    if (!*parsed) {
      diagnostics.error(*node, what + ": a range end must be a number with an optional unit, "
                                      "e.g. '2 MW'");
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  if (a->second != b->second) {
    diagnostics.error(to, what + ": both ends of a range must use the same unit ('" + a->second +
                              "' and '" + b->second + "')");
    return std::nullopt;
  }
  ends.from = a->first;
  ends.to = b->first;
  ends.unit = a->second;
  if (ends.scale == AxisScale::log && !(ends.from > 0 && ends.to > 0)) {
    diagnostics.error(from, what + ": a log-scale range needs positive ends");
    return std::nullopt;
  }
  return ends;
}

std::optional<SweepAxis> read_axis(const YAML::Node& node, Diagnostics& diagnostics) {
  MapReader r(node, "sweep axis", diagnostics);
  if (!r.valid()) return std::nullopt;
  SweepAxis axis;
  auto path = r.string("path", Need::required);
  if (path) {
    axis.path = *path;
    r.rename("sweep axis '" + axis.path + "'");
  }
  std::string what = "sweep axis '" + axis.path + "'";
  bool has_values = r.has("values");
  bool has_range = r.has("from") || r.has("to") || r.has("steps");
  if (has_values == has_range) {
    diagnostics.error(node, what + " needs either 'values: [...]' or 'from', 'to' and 'steps'");
    r.child("values", Need::optional);
    r.child("from", Need::optional);
    r.child("to", Need::optional);
    r.child("steps", Need::optional);
    r.child("scale", Need::optional);
    r.finish();
    return std::nullopt;
  }
  bool ok = path.has_value();
  if (has_values) {
    YAML::Node values = r.sequence("values", Need::required);
    if (values.IsDefined() && values.size() == 0) {
      diagnostics.error(values, what + " lists no values");
      ok = false;
    }
    if (values.IsDefined())
      for (const auto& v : values) {
        if (!v.IsScalar() || v.Scalar().empty()) {
          diagnostics.error(v, what + ": each value must be a single value (what --set takes)");
          ok = false;
        } else {
          axis.values.push_back(v.Scalar());
        }
      }
  } else {
    auto given_steps = r.given(sweep_axis_parameter::steps);
    std::optional<long long> steps;
    if (given_steps) steps = static_cast<long long>(*given_steps);
    auto ends = read_range_ends(r, what, diagnostics);
    if (steps && ends) {
      for (long long i = 0; i < *steps; ++i) {
        double t = static_cast<double>(i) / static_cast<double>(*steps - 1);
        double v =
            ends->scale == AxisScale::log
                ? std::exp(std::log(ends->from) + t * (std::log(ends->to) - std::log(ends->from)))
                : ends->from + t * (ends->to - ends->from);
        if (i == 0) v = ends->from;
        if (i == *steps - 1) v = ends->to;
        axis.values.push_back(format_axis_value(v, ends->unit));
      }
    } else {
      ok = false;
    }
  }
  r.finish();
  if (!ok) return std::nullopt;
  return axis;
}

std::optional<SampleSpec> read_samples(const YAML::Node& node, std::uint64_t default_seed,
                                       Diagnostics& diagnostics) {
  MapReader r(node, "sweep samples", diagnostics);
  if (!r.valid()) return std::nullopt;
  SampleSpec spec;
  auto method = r.one_of("method", Need::required, {"random", "latin-hypercube"});
  spec.method = method == "latin-hypercube" ? SampleMethod::latin_hypercube : SampleMethod::random;
  auto count = r.given(sweep_samples_parameter::count);
  spec.count = static_cast<decltype(spec.count)>(count.value_or(0));
  if (auto seed = r.given(sweep_samples_parameter::seed))
    spec.seed = static_cast<std::uint64_t>(*seed);
  else
    spec.seed = static_cast<std::uint64_t>(static_cast<long long>(default_seed));
  YAML::Node axes = r.sequence("axes", Need::required);
  bool ok = method && count;
  if (axes.IsDefined() && axes.size() == 0) {
    diagnostics.error(axes, "sweep samples list no axes");
    ok = false;
  }
  if (axes.IsDefined())
    for (const auto& a : axes) {
      MapReader ar(a, "sampled axis", diagnostics);
      if (!ar.valid()) {
        ok = false;
        continue;
      }
      SampledAxis axis;
      auto path = ar.string("path", Need::required);
      axis.path = path.value_or("");
      std::string what = "sampled axis '" + axis.path + "'";
      ar.rename(what);
      auto ends = read_range_ends(ar, what, diagnostics);
      ar.finish();
      if (!path || !ends) {
        ok = false;
        continue;
      }
      axis.from = ends->from;
      axis.to = ends->to;
      axis.unit = ends->unit;
      axis.scale = ends->scale;
      spec.axes.push_back(axis);
    }
  r.finish();
  if (!ok) return std::nullopt;
  return spec;
}

bool is_file_name(const std::string& name) {
  return !name.empty() && name.size() <= 100 && name.front() != '.' &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
         });
}

// Problem with a results.csv column name for a curve's y, or nullopt.
std::optional<std::string> check_output_column(const std::string& y, const Scenario& s) {
  auto parts = split_path(y);
  auto names_of = [](const auto& list) {
    std::vector<std::string> names;
    for (const auto& item : list)
      names.push_back(item.name);
    return names;
  };
  auto join = [](const std::vector<std::string>& names) {
    std::string text;
    for (const auto& n : names)
      text += (text.empty() ? "" : ", ") + n;
    return text;
  };
  if (parts.empty()) return "empty output name";
  const std::string& section = parts.front();
  if (section == "engine") {
    if (parts.size() != 2) return "expected engine.FIELD, e.g. engine.events";
    return std::nullopt;
  }
  if (section == "finance") {
    // finance.FIELD, or finance.LIST.NAME.FIELD for its per-site, per-lease, per-run lists
    if (parts.size() < 2) return "expected finance.FIELD, e.g. finance.cost_per_eflop_usd";
    return std::nullopt;
  }
  std::vector<std::string> names;
  if (section == "sites")
    names = names_of(s.sites);
  else if (section == "clusters")
    names = names_of(s.clusters);
  else if (section == "jobs")
    names = names_of(s.jobs);
  else if (section == "inference")
    names = names_of(s.inference);
  else
    return "an output starts with sites., clusters., jobs., inference., finance. or engine. (got "
           "'" +
           y + "')";
  if (parts.size() < 3)
    return "expected " + section + ".NAME.FIELD, e.g. jobs.pretrain.goodput_fraction";
  // Item names may contain dots: the field is the last part.
  std::string item =
      y.substr(section.size() + 1, y.size() - section.size() - 2 - parts.back().size());
  if (std::find(names.begin(), names.end(), item) == names.end())
    return "no item named '" + item + "' in " + section + " (" + join(names) + ")";
  return std::nullopt;
}

// A curve's y (one column or a list of them) and its group, read into `c`.
void read_curve_y_and_group(const YAML::Node& y, const YAML::Node& group, const std::string& what,
                            Diagnostics& diagnostics, CurveSpec& c) {
  auto scalar = [&](const YAML::Node& n, const char* key) -> std::string {
    if (!n.IsDefined()) return "";
    if (!n.IsScalar()) {
      diagnostics.error(n, what + ": '" + key + "' must be a single value");
      return "";
    }
    return n.Scalar();
  };
  if (y.IsDefined() && y.IsSequence()) {
    for (const auto& item : y)
      if (item.IsScalar()) c.ys.push_back(item.Scalar());
    if (c.ys.empty())
      diagnostics.error(y, what + ": y lists no column");
    else
      c.y = c.ys.front();
    if (group.IsDefined())
      diagnostics.error(group, what + ": with several y columns, each is a line: no group");
    if (c.x == "time") diagnostics.error(y, what + ": with x: time, y is one column");
  } else {
    c.y = scalar(y, "y");
  }
  c.group = scalar(group, "group");
}

// x is time or a swept path; a group is a swept grid path other than x.
void check_curve_x_and_group(const YAML::Node& x, const YAML::Node& group, const std::string& what,
                             const SweepSpec& sweep, Diagnostics& diagnostics, const CurveSpec& c) {
  std::string swept;
  for (const auto& p : sweep.paths())
    swept += (swept.empty() ? "" : ", ") + p;
  if (swept.empty()) swept = "none";
  if (!c.x.empty() && c.x != "time" && !sweep.sweeps(c.x))
    diagnostics.error(x, what + ": x must be 'time' or a swept path (swept: " + swept + ")");
  if (c.group.empty()) return;
  bool sampled =
      sweep.samples && std::any_of(sweep.samples->axes.begin(), sweep.samples->axes.end(),
                                   [&](const SampledAxis& a) { return a.path == c.group; });
  if (!sweep.sweeps(c.group) || sampled)
    diagnostics.error(
        group, what + ": group must be a swept path of the grid axes (swept: " + swept + ")");
  else if (c.group == c.x)
    diagnostics.error(group, what + ": group and x must differ");
}

// Over time, y is one site's time-series column; otherwise each y is a summary output.
void check_curve_y(const YAML::Node& y, const std::string& what, const Scenario& s,
                   Diagnostics& diagnostics, const CurveSpec& c) {
  if (c.y.empty()) return;
  if (c.x != "time") {
    std::vector<std::string> ys = c.ys.empty() ? std::vector<std::string>{c.y} : c.ys;
    for (const auto& one : ys)
      if (auto problem = check_output_column(one, s))
        diagnostics.error(y, what + ": y: " + *problem);
    return;
  }
  auto parts = split_path(c.y);
  bool site_ok = parts.size() >= 3 && parts.front() == "sites";
  std::string site = site_ok ? c.y.substr(6, c.y.size() - 7 - parts.back().size()) : "";
  if (!site_ok ||
      std::none_of(s.sites.begin(), s.sites.end(),
                   [&](const SiteSpec& x_site) { return x_site.name == site; }) ||
      std::none_of(timeseries_columns.begin(), timeseries_columns.end(),
                   [&](const TimeseriesColumn& col) { return col.name == parts.back(); })) {
    std::string list;
    for (const auto& col : timeseries_columns)
      list += (list.empty() ? "" : ", ") + std::string(col.name);
    diagnostics.error(y, what + ": with x: time, y is sites.SITE.COLUMN, COLUMN one of " + list);
  }
}

void read_curves(const YAML::Node& curves, const SweepSpec& sweep, const Scenario& s,
                 Diagnostics& diagnostics, std::vector<CurveSpec>& out) {
  std::set<std::string> names;
  for (const auto& node : curves) {
    MapReader r(node, "curve", diagnostics);
    if (!r.valid()) continue;
    CurveSpec c;
    c.line = node.Mark().line + 1;
    c.column = node.Mark().column + 1;
    YAML::Node name = r.child("name", Need::required);
    c.name = name.IsDefined() && name.IsScalar() ? name.Scalar() : "";
    r.rename("curve '" + c.name + "'");
    std::string what = "curve '" + c.name + "'";
    if (name.IsDefined() && !is_file_name(c.name))
      diagnostics.error(name, what + ": a curve name is used as a file name: letters, digits, "
                                     "'-', '_' and '.' only");
    else if (name.IsDefined() && !names.insert(c.name).second)
      diagnostics.error(name, "duplicate curve name '" + c.name + "'");
    YAML::Node x = r.child("x", Need::required);
    YAML::Node y = r.child("y", Need::required);
    YAML::Node group = r.child("group", Need::optional);
    c.title = r.string("title", Need::optional).value_or("");
    r.finish();
    if (x.IsDefined() && !x.IsScalar())
      diagnostics.error(x, what + ": 'x' must be a single value");
    else if (x.IsDefined())
      c.x = x.Scalar();
    read_curve_y_and_group(y, group, what, diagnostics, c);
    check_curve_x_and_group(x, group, what, sweep, diagnostics, c);
    check_curve_y(y, what, s, diagnostics, c);
    out.push_back(c);
  }
}

} // namespace

std::vector<std::string> SweepSpec::paths() const {
  std::vector<std::string> all;
  for (const auto& f : factors)
    for (const auto& a : f.axes)
      all.push_back(a.path);
  if (samples)
    for (const auto& a : samples->axes)
      all.push_back(a.path);
  return all;
}

bool SweepSpec::sweeps(const std::string& path) const {
  auto all = paths();
  return std::find(all.begin(), all.end(), path) != all.end();
}

std::optional<std::pair<double, std::string>> split_number_unit(const std::string& text) {
  std::size_t start = text.find_first_not_of(" \t");
  if (start == std::string::npos) return std::nullopt;
  const char* begin = text.c_str() + start;
  char* end = nullptr;
  double value = std::strtod(begin, &end);
  if (end == begin || !std::isfinite(value)) return std::nullopt;
  // strtod accepts hex floats, "inf" and "nan": a range end is a decimal number.
  std::string number(begin, static_cast<const char*>(end));
  if (number.find_first_of("xXnN") != std::string::npos) return std::nullopt;
  std::string unit(end);
  auto first = unit.find_first_not_of(" \t");
  auto last = unit.find_last_not_of(" \t");
  unit = first == std::string::npos ? "" : unit.substr(first, last - first + 1);
  return std::pair{value, unit};
}

std::optional<std::string> check_axis_path(const YAML::Node& root, const std::string& path,
                                           const std::string& first_value,
                                           const std::string& file) {
  // A path that exists in the document resolves; the value is each run's business.
  YAML::Node current;
  current.reset(root);
  bool exists = true;
  for (const auto& part : split_path(path)) {
    const YAML::Node& node = current;
    YAML::Node next;
    bool found = false;
    if (node.IsMap() && node[part].IsDefined()) {
      next.reset(node[part]);
      found = true;
    } else if (node.IsSequence()) {
      for (std::size_t i = 0; i < node.size() && !found; ++i)
        if (node[i].IsMap() && node[i]["name"].IsDefined() && node[i]["name"].IsScalar() &&
            node[i]["name"].Scalar() == part) {
          next.reset(node[i]);
          found = true;
        }
    }
    if (!found) {
      exists = false;
      break;
    }
    current.reset(next);
  }
  if (exists) return std::nullopt;
  // Otherwise setting it must load: an optional setting the file leaves out, not a typo.
  YAML::Node copy = YAML::Clone(root);
  if (copy.IsMap()) {
    copy.remove("sweep");
    copy.remove("curves");
  }
  Diagnostics diagnostics(file);
  apply_overrides(copy, {{path, first_value}}, diagnostics);
  std::vector<Diagnostic> problems = diagnostics.list();
  if (problems.empty()) {
    YAML::Emitter emitter;
    emitter << copy;
    try {
      load_scenario_text(emitter.c_str(), file);
    } catch (const InputError& e) {
      problems = e.diagnostics();
    }
  }
  if (problems.empty()) return std::nullopt;
  std::string message = problems.front().message;
  const std::string prefix = "--set " + path + ": ";
  if (message.rfind(prefix, 0) == 0) message = message.substr(prefix.size());
  return "sweep axis path '" + path + "' does not resolve in the scenario: " + message;
}

std::optional<SweepFactor> read_sweep_factor(const YAML::Node& node, Diagnostics& diagnostics) {
  if (node.IsMap() && node["zip"].IsDefined()) {
    MapReader r(node, "sweep zip group", diagnostics);
    YAML::Node zip = r.sequence("zip", Need::required);
    r.finish();
    if (!zip.IsDefined()) return std::nullopt;
    SweepFactor factor;
    bool ok = true;
    for (const auto& a : zip) {
      auto axis = read_axis(a, diagnostics);
      if (!axis) {
        ok = false;
        continue;
      }
      if (!factor.axes.empty() && axis->values.size() != factor.size()) {
        diagnostics.error(a, fmt::format("axes of a zip group move together and need as many "
                                         "values each: '{}' has {}, '{}' has {}",
                                         axis->path, axis->values.size(), factor.axes.front().path,
                                         factor.size()));
        ok = false;
      }
      factor.axes.push_back(*axis);
    }
    if (zip.size() == 0) {
      diagnostics.error(zip, "the zip group lists no axes");
      ok = false;
    }
    if (!ok) return std::nullopt;
    return factor;
  }
  auto axis = read_axis(node, diagnostics);
  if (!axis) return std::nullopt;
  return SweepFactor{{*axis}};
}

void read_sweep_sections(MapReader& top, Diagnostics& diagnostics, Scenario& scenario) {
  YAML::Node sweep = top.mapping("sweep", Need::optional);
  YAML::Node curves = top.sequence("curves", Need::optional);
  SweepSpec& spec = scenario.sweep;
  if (sweep.IsDefined()) {
    spec.present = true;
    MapReader r(sweep, "sweep", diagnostics);
    spec.replications = static_cast<int>(r.quantity(sweep_parameter::replications));
    spec.common_seeds =
        r.one_of("seeds", Need::optional, {"independent", "common"}).value_or("") == "common";
    spec.timeout_s = r.given(sweep_parameter::timeout).value_or(0);
    YAML::Node axes = r.sequence("axes", Need::optional);
    YAML::Node samples = r.mapping("samples", Need::optional);
    r.finish();
    // Located axis nodes, to report path problems where the path is written.
    std::vector<std::pair<std::string, YAML::Node>> path_nodes;
    auto note_path = [&](const YAML::Node& axis_node) {
      if (axis_node.IsMap() && axis_node["path"].IsDefined())
        path_nodes.emplace_back(axis_node["path"].Scalar(), axis_node["path"]);
    };
    if (axes.IsDefined())
      for (const auto& node : axes) {
        if (auto factor = read_sweep_factor(node, diagnostics)) spec.factors.push_back(*factor);
        if (node.IsMap() && node["zip"].IsDefined() && node["zip"].IsSequence())
          for (const auto& a : node["zip"])
            note_path(a);
        else
          note_path(node);
      }
    if (samples.IsDefined()) {
      spec.samples = read_samples(samples, scenario.seed, diagnostics);
      if (samples["axes"].IsDefined() && samples["axes"].IsSequence())
        for (const auto& a : samples["axes"])
          note_path(a);
    }
    std::set<std::string> seen;
    for (const auto& [path, node] : path_nodes)
      if (!seen.insert(path).second)
        diagnostics.error(node, "sweep axis path '" + path + "' is swept twice");
    std::string first_value = "0";
    for (const auto& [path, node] : path_nodes) {
      for (const auto& f : spec.factors)
        for (const auto& a : f.axes)
          if (a.path == path && !a.values.empty()) first_value = a.values.front();
      if (spec.samples)
        for (const auto& a : spec.samples->axes)
          if (a.path == path) first_value = format_axis_value(a.from, a.unit);
      if (auto problem = check_axis_path(top.node(), path, first_value, diagnostics.file()))
        diagnostics.error(node, *problem);
    }
    double points = 1;
    for (const auto& f : spec.factors)
      points *= static_cast<double>(f.size());
    if (spec.samples) points *= static_cast<double>(spec.samples->count);
    if (points * spec.replications > max_points)
      diagnostics.error(sweep, fmt::format("the sweep expands to {:.3g} runs, more than {:.0e}",
                                           points * spec.replications, max_points));
  }
  if (curves.IsDefined()) {
    if (!sweep.IsDefined())
      diagnostics.error(curves, "curves need a sweep: block (axes or replications) to draw from");
    else
      read_curves(curves, spec, scenario, diagnostics, spec.curves);
  }
}

void read_extra_curves(const YAML::Node& curves, const Scenario& scenario, Diagnostics& diagnostics,
                       std::vector<CurveSpec>& out) {
  read_curves(curves, scenario.sweep, scenario, diagnostics, out);
}

} // namespace capsim
