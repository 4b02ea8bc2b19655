#include "sim/batch/results.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include "sim/report/atomic_file.hpp"
#include "sim/report/csv.hpp"

namespace capsim {

namespace {

// Measurements of the machine, not results of the model: they differ from run to run.
const std::vector<std::string> excluded_engine_fields{"wall_s", "peak_rss_bytes", "profile",
                                                      "memory"};

void flatten_into(const std::string& prefix, const nlohmann::ordered_json& value,
                  std::vector<std::pair<std::string, std::string>>& out) {
  if (value.is_object()) {
    for (auto it = value.begin(); it != value.end(); ++it)
      flatten_into(prefix + "." + it.key(), it.value(), out);
  } else if (value.is_array()) {
    // Arrays of named objects (finance.sites[], finance.training_runs[]) by their name.
    for (const auto& item : value) {
      if (!item.is_object()) continue;
      for (const char* key : {"name", "site", "job", "cluster"}) {
        if (item.contains(key) && item[key].is_string()) {
          flatten_into(prefix + "." + item[key].get<std::string>(), item, out);
          break;
        }
      }
    }
  } else if (value.is_boolean()) {
    out.emplace_back(prefix, value.get<bool>() ? "1" : "0");
  } else if (value.is_null()) {
    out.emplace_back(prefix, "");
  } else if (value.is_number()) {
    out.emplace_back(prefix, value.dump());
  }
}

std::vector<std::string> field_columns_of(const std::vector<ResultRow>& rows) {
  std::vector<std::string> columns;
  std::set<std::string> seen;
  for (const auto& row : rows)
    for (const auto& [name, value] : row.fields)
      if (seen.insert(name).second) columns.push_back(name);
  return columns;
}

std::vector<std::string> prefix_columns(const SweepPlan& plan) {
  std::vector<std::string> columns{"point", "replication"};
  columns.insert(columns.end(), plan.axes.begin(), plan.axes.end());
  for (const char* c : {"seed", "status", "error"})
    columns.emplace_back(c);
  return columns;
}

std::string header_line(const std::vector<std::string>& columns) {
  std::string line;
  for (const auto& c : columns) {
    if (!line.empty()) line += ',';
    line += csv_field(c);
  }
  return line + '\n';
}

std::string row_line(const SweepPlan& plan, const ResultRow& row,
                     const std::vector<std::string>& field_columns) {
  std::string line = fmt::format("{},{}", row.point, row.replication);
  for (const auto& value : plan.points.at(row.point))
    line += ',' + csv_field(value);
  line += fmt::format(",{},{},{}", row.seed, row.ok ? "ok" : "failed", csv_field(row.error));
  std::map<std::string_view, std::string_view> by_name;
  for (const auto& [name, value] : row.fields)
    by_name.emplace(name, value);
  for (const auto& c : field_columns) {
    line += ',';
    if (auto it = by_name.find(c); it != by_name.end()) line += it->second;
  }
  return line + '\n';
}

void sort_rows(std::vector<ResultRow>& rows) {
  std::stable_sort(rows.begin(), rows.end(), [](const ResultRow& a, const ResultRow& b) {
    return std::pair(a.point, a.replication) < std::pair(b.point, b.replication);
  });
}

std::string format_number(double value) {
  return fmt::format("{}", value);
}

} // namespace

std::vector<std::pair<std::string, std::string>> flatten_summary(const nlohmann::ordered_json& s) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const char* section : {"sites", "clusters", "jobs", "inference"}) {
    if (!s.contains(section) || !s[section].is_array()) continue;
    for (const auto& item : s[section]) {
      if (!item.is_object() || !item.contains("name") || !item["name"].is_string()) continue;
      std::string prefix = std::string(section) + "." + item["name"].get<std::string>();
      for (auto it = item.begin(); it != item.end(); ++it)
        flatten_into(prefix + "." + it.key(), it.value(), out);
    }
  }
  if (s.contains("finance")) flatten_into("finance", s["finance"], out);
  if (s.contains("engine") && s["engine"].is_object())
    for (auto it = s["engine"].begin(); it != s["engine"].end(); ++it)
      if (std::find(excluded_engine_fields.begin(), excluded_engine_fields.end(), it.key()) ==
          excluded_engine_fields.end())
        flatten_into("engine." + it.key(), it.value(), out);
  return out;
}

std::string row_to_text(const ResultRow& row) {
  nlohmann::ordered_json j{
      {"point", row.point}, {"replication", row.replication}, {"seed", row.seed},  {"ok", row.ok},
      {"error", row.error}, {"fields", row.fields},           {"own_s", row.own_s}};
  return j.dump();
}

ResultRow row_from_text(const std::string& text) {
  auto j = nlohmann::ordered_json::parse(text);
  ResultRow row;
  row.point = j.at("point").get<std::size_t>();
  row.replication = j.at("replication").get<int>();
  row.seed = j.at("seed").get<std::uint64_t>();
  row.ok = j.at("ok").get<bool>();
  row.error = j.at("error").get<std::string>();
  row.fields = j.at("fields").get<std::vector<std::pair<std::string, std::string>>>();
  row.own_s = j.value("own_s", 0.0);
  return row;
}

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> fields;
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
    } else {
      field += c;
    }
  }
  fields.push_back(std::move(field));
  return fields;
}

std::string results_csv(const SweepPlan& plan, std::vector<ResultRow> rows) {
  sort_rows(rows);
  auto fields = field_columns_of(rows);
  auto columns = prefix_columns(plan);
  columns.insert(columns.end(), fields.begin(), fields.end());
  std::string text = header_line(columns);
  for (const auto& row : rows)
    text += row_line(plan, row, fields);
  return text;
}

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return std::nan("");
  double h = (static_cast<double>(sorted.size()) - 1) * p;
  auto lo = static_cast<std::size_t>(std::floor(h));
  if (lo + 1 >= sorted.size()) return sorted.back();
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[lo + 1] - sorted[lo]);
}

std::string summary_csv(const SweepPlan& plan, std::vector<ResultRow> rows) {
  sort_rows(rows);
  auto fields = field_columns_of(rows);
  std::vector<std::string> columns{"point"};
  columns.insert(columns.end(), plan.axes.begin(), plan.axes.end());
  columns.emplace_back("runs");
  columns.emplace_back("failed");
  for (const auto& f : fields)
    for (const char* stat : {".mean", ".p5", ".p50", ".p95"})
      columns.push_back(f + stat);
  std::string text = header_line(columns);
  for (std::size_t begin = 0; begin < rows.size();) {
    std::size_t end = begin;
    while (end < rows.size() && rows[end].point == rows[begin].point)
      ++end;
    std::size_t point = rows[begin].point;
    std::string line = fmt::format("{}", point);
    for (const auto& value : plan.points.at(point))
      line += ',' + csv_field(value);
    std::size_t failed = 0;
    std::map<std::string, std::vector<double>> values;
    for (std::size_t i = begin; i < end; ++i) {
      if (!rows[i].ok) ++failed;
      for (const auto& [name, value] : rows[i].fields)
        if (!value.empty()) values[name].push_back(std::strtod(value.c_str(), nullptr));
    }
    line += fmt::format(",{},{}", end - begin, failed);
    for (const auto& f : fields) {
      auto& v = values[f];
      if (v.empty()) {
        line += ",,,,";
        continue;
      }
      double sum = 0;
      for (double x : v)
        sum += x;
      std::sort(v.begin(), v.end());
      line += ',' + format_number(sum / static_cast<double>(v.size()));
      for (double p : {0.05, 0.5, 0.95})
        line += ',' + format_number(percentile(v, p));
    }
    text += line + '\n';
    begin = end;
  }
  return text;
}

std::vector<ResultRow> read_results(const SweepPlan& plan, const std::string& path,
                                    std::size_t* dropped) {
  std::vector<ResultRow> rows;
  std::size_t bad = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (dropped) *dropped = 0;
    return rows;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  // A line without its '\n' was being written when the sweep stopped.
  auto last_newline = text.rfind('\n');
  if (last_newline == std::string::npos) {
    if (dropped) *dropped = text.empty() ? 0 : 1;
    return rows;
  }
  if (last_newline + 1 < text.size()) ++bad;
  text.resize(last_newline + 1);
  std::istringstream lines(text);
  std::string line;
  std::getline(lines, line);
  auto header = split_csv_line(line);
  auto prefix = prefix_columns(plan);
  if (header.size() < prefix.size() || !std::equal(prefix.begin(), prefix.end(), header.begin()))
    throw std::runtime_error(path + " has columns of another sweep (expected it to start with " +
                             header_line(prefix).substr(0, header_line(prefix).size() - 1) + ")");
  std::set<std::size_t> seen;
  std::size_t axes = plan.axes.size();
  while (std::getline(lines, line)) {
    auto f = split_csv_line(line);
    if (f.size() != header.size()) {
      ++bad;
      continue;
    }
    ResultRow row;
    char* end = nullptr;
    row.point = std::strtoull(f[0].c_str(), &end, 10);
    bool ok = *end == '\0' && !f[0].empty() && row.point < plan.points.size();
    row.replication = static_cast<int>(std::strtol(f[1].c_str(), &end, 10));
    ok = ok && *end == '\0' && row.replication >= 0 && row.replication < plan.replications;
    if (ok)
      for (std::size_t a = 0; a < axes; ++a)
        ok = ok && f[2 + a] == plan.points[row.point][a];
    row.seed = std::strtoull(f[2 + axes].c_str(), &end, 10);
    ok = ok && row.seed == plan.seed(row.point, row.replication);
    const std::string& status = f[3 + axes];
    ok = ok && (status == "ok" || status == "failed");
    if (!ok || !seen.insert(row.task(plan)).second) {
      ++bad;
      continue;
    }
    row.ok = status == "ok";
    row.error = f[4 + axes];
    for (std::size_t c = prefix.size(); c < header.size(); ++c)
      row.fields.emplace_back(header[c], f[c]);
    // Columns empty in a row that never had them (a failed run) are not fields of it.
    if (!row.ok) row.fields.clear();
    rows.push_back(std::move(row));
  }
  if (dropped) *dropped = bad;
  return rows;
}

ResultsLog::ResultsLog(const SweepPlan& plan, std::string path, std::vector<ResultRow> recovered)
    : plan_(plan), path_(std::move(path)), rows_(std::move(recovered)) {
  field_columns_ = field_columns_of(rows_);
  rewrite();
}

ResultsLog::~ResultsLog() {
  if (fd_ >= 0) ::close(fd_);
}

std::string ResultsLog::line_of(const ResultRow& row) const {
  return row_line(plan_, row, field_columns_);
}

void ResultsLog::rewrite() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  auto columns = prefix_columns(plan_);
  columns.insert(columns.end(), field_columns_.begin(), field_columns_.end());
  std::string text = header_line(columns);
  for (const auto& row : rows_)
    text += line_of(row);
  write_file_atomically(path_, text);
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd_ < 0) throw std::runtime_error("cannot open " + path_ + ": " + std::strerror(errno));
}

void ResultsLog::append(ResultRow row) {
  bool new_column = false;
  for (const auto& [name, value] : row.fields)
    if (std::find(field_columns_.begin(), field_columns_.end(), name) == field_columns_.end()) {
      field_columns_.push_back(name);
      new_column = true;
    }
  rows_.push_back(std::move(row));
  if (new_column) {
    rewrite();
    return;
  }
  std::string line = line_of(rows_.back());
  const char* data = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error("cannot write " + path_ + ": " + std::strerror(errno));
    data += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd_) != 0)
    throw std::runtime_error("cannot sync " + path_ + ": " + std::strerror(errno));
}

void ResultsLog::finish() {
  sort_rows(rows_);
  field_columns_ = field_columns_of(rows_);
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  write_file_atomically(path_, results_csv(plan_, rows_));
}

} // namespace capsim
