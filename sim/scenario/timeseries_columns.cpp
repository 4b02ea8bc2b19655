#include "sim/scenario/timeseries_columns.hpp"

namespace capsim {

namespace {

std::string_view written_text(const TimeseriesColumn& c) {
  if (c.presence == ColumnPresence::inference) return "with inference jobs";
  switch (c.cells) {
  case ColumnCells::every_site:
    return "always";
  case ColumnCells::weather:
    return "ground sites with weather";
  case ColumnCells::battery:
    return "sites with a battery";
  case ColumnCells::orbital:
    return "orbital sites";
  }
  return "";
}

std::string markdown_row(const TimeseriesColumn& c) {
  std::string row = "| `";
  row.append(c.name).append("` | ").append(c.unit.empty() ? std::string_view("—") : c.unit);
  row.append(" | ").append(written_text(c)).append(" | ").append(c.meaning).append(" |\n");
  return row;
}

} // namespace

const TimeseriesColumn* find_timeseries_column(std::string_view name) {
  for (const TimeseriesColumn& c : timeseries_key_columns)
    if (c.name == name) return &c;
  for (const TimeseriesColumn& c : timeseries_columns)
    if (c.name == name) return &c;
  return nullptr;
}

std::string timeseries_header(bool inference) {
  std::string header;
  for (const TimeseriesColumn& c : timeseries_key_columns)
    header.append(header.empty() ? "" : ",").append(c.name);
  for (const TimeseriesColumn& c : timeseries_columns)
    if (inference || c.presence != ColumnPresence::inference) header.append(",").append(c.name);
  return header + "\n";
}

std::string timeseries_columns_markdown() {
  std::string text = "| column | unit | written | meaning |\n|---|---|---|---|\n";
  for (const TimeseriesColumn& c : timeseries_key_columns)
    text += markdown_row(c);
  for (const TimeseriesColumn& c : timeseries_columns)
    text += markdown_row(c);
  return text;
}

} // namespace capsim
