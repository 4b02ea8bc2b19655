// results.csv and summary.csv of a sweep.
//
// results.csv: one row per (point, replication):
//   point, replication, <swept paths...>, seed, status (ok|failed), error, <summary fields...>
// The summary fields are summary.json's numbers flattened by name (sites.NAME.FIELD,
// clusters.NAME.FIELD, jobs.NAME.FIELD, finance.FIELD, engine.events); booleans are 0/1 and
// null is empty. Rows are appended (one write, then fsync) as runs finish; when the sweep ends
// the file is rewritten sorted by (point, replication), so its bytes do not depend on the order
// in which runs finished. A run killed mid-append leaves at most a partial last line, which
// recover_results() drops.
//
// summary.csv: one row per point: point, <swept paths...>, runs, failed, then for every field
// FIELD.mean, FIELD.p5, FIELD.p50, FIELD.p95 over the replications where FIELD has a value.
// Percentiles interpolate linearly between order statistics (Hyndman and Fan 1996, type 7).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/batch/plan.hpp"

namespace capsim {

struct ResultRow {
  std::size_t point = 0;
  int replication = 0;
  std::uint64_t seed = 0;
  bool ok = false;
  std::string error;                                       // one line
  std::vector<std::pair<std::string, std::string>> fields; // name, number text ("" = null)
  // The run's own wall time, from reading its scenario to its summary, as the run measured it
  // (the sum of summary.json's engine.profile); 0 when it failed. Not in results.csv (machine
  // measurements are not results): it gives the sweep's efficiency.
  double own_s = 0;

  std::size_t task(const SweepPlan& plan) const {
    return point * static_cast<std::size_t>(plan.replications) +
           static_cast<std::size_t>(replication);
  }
};

// summary.json's numeric fields by flattened name, in the document's order.
std::vector<std::pair<std::string, std::string>> flatten_summary(const nlohmann::ordered_json& s);

// For MPI messages.
std::string row_to_text(const ResultRow& row);
ResultRow row_from_text(const std::string& text);

std::vector<std::string> split_csv_line(const std::string& line);

// The whole results.csv text for rows (any order; sorted here).
std::string results_csv(const SweepPlan& plan, std::vector<ResultRow> rows);
std::string summary_csv(const SweepPlan& plan, std::vector<ResultRow> rows);

// Rows of a results.csv written for `plan`; a trailing partial line and rows that do not
// match the plan are dropped (counted in `dropped`). Missing file: no rows.
std::vector<ResultRow> read_results(const SweepPlan& plan, const std::string& path,
                                    std::size_t* dropped = nullptr);

// Linear-interpolation percentile of sorted values, p in [0, 1].
double percentile(const std::vector<double>& sorted, double p);

// results.csv while a sweep runs: appended and fsynced row by row; rewritten atomically when
// a row brings columns the header lacks, and sorted by finish().
class ResultsLog {
public:
  ResultsLog(const SweepPlan& plan, std::string path, std::vector<ResultRow> recovered);
  ResultsLog(const ResultsLog&) = delete;
  ResultsLog& operator=(const ResultsLog&) = delete;
  ~ResultsLog();

  void append(ResultRow row);
  void finish(); // canonical order
  const std::vector<ResultRow>& rows() const { return rows_; }

private:
  void rewrite();
  std::string line_of(const ResultRow& row) const;

  const SweepPlan& plan_;
  std::string path_;
  std::vector<ResultRow> rows_;
  std::vector<std::string> field_columns_;
  int fd_ = -1;
};

} // namespace capsim
