// timeseries.csv's columns, declared once: name, unit, readable label, meaning, and when a column
// is written and when its cells hold a value. Everything else follows from this table:
//   - the file's header, and which cells are left empty (sim/engine/timeseries_writer.cpp, whose
//     value for each column sits in a table checked against this one at compile time);
//   - the columns a sweep's time curve accepts (`curves: {x: time, y: sites.SITE.COLUMN}`,
//     sweep_spec.cpp);
//   - the figures' and the HTML report's labels and units (sim/report/plot.cpp, html_report.cpp);
//   - the README's column list (timeseries_columns_markdown(), between the markers
//     `<!-- timeseries-columns:begin -->` and `<!-- timeseries-columns:end -->`; a test fails when
//     they differ, and CAPSIM_UPDATE_DOCS=1 rewrites it: see tests/sim/test_docs.cpp).
// Adding a column: one row here, one value in the writer (docs/contributing.md).
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "models/units.hpp"

namespace capsim {

// Whether the column is in the file.
enum class ColumnPresence {
  always,
  inference, // only when the scenario has inference jobs (kind: inference)
};

// Which sites' cells hold a value; the others are empty (the output contract's nulls).
enum class ColumnCells {
  every_site,
  weather, // ground sites with weather
  battery, // sites with a battery of non-zero capacity
  orbital, // orbital sites
};

struct TimeseriesColumn {
  std::string_view name;
  Dimension dimension; // what the value measures (models/units.hpp)
  // What a cell's number is in: the SI unit of the dimension ("W", "FLOP/s", "K"), or "degC",
  // "fraction" (0 to 1, shown as %), a count ("GPUs"), a rate of things ("tokens/s"), or "" for a
  // plain number. Figures scale an SI unit to the data (W -> MW); the others are shown as is.
  std::string_view unit;
  std::string_view label;   // readable, for figures and the report: "IT power"
  std::string_view meaning; // one sentence, for the README
  ColumnPresence presence = ColumnPresence::always;
  ColumnCells cells = ColumnCells::every_site;
};

// The two columns every row starts with, before the table's.
inline constexpr auto timeseries_key_columns = std::to_array<TimeseriesColumn>({
    {.name = "time_s",
     .dimension = Dimension::time,
     .unit = "s",
     .label = "time",
     .meaning = "Simulated time since the scenario's start: every output interval "
                "(`outputs.interval`) and the horizon."},
    {.name = "site",
     .dimension = Dimension::dimensionless,
     .unit = "",
     .label = "site",
     .meaning = "The site's name (one row per site per time)."},
});

// The columns after time_s and site, in the file's order.
inline constexpr auto timeseries_columns = std::to_array<TimeseriesColumn>({
    {.name = "gpus_installed",
     .dimension = Dimension::dimensionless,
     .unit = "GPUs",
     .label = "GPUs installed",
     .meaning = "GPUs delivered and in service (not retired)."},
    {.name = "gpus_up",
     .dimension = Dimension::dimensionless,
     .unit = "GPUs",
     .label = "GPUs up",
     .meaning = "GPUs in service and not down for repair."},
    {.name = "gpus_busy",
     .dimension = Dimension::dimensionless,
     .unit = "GPUs",
     .label = "GPUs busy",
     .meaning = "GPUs running a job, serving replicas left unpowered not counted."},
    {.name = "gpus_shed",
     .dimension = Dimension::dimensionless,
     .unit = "GPUs",
     .label = "GPUs switched off for power",
     .meaning = "GPUs switched off to fit the power budget."},
    {.name = "it_power_w",
     .dimension = Dimension::power,
     .unit = "W",
     .label = "IT power",
     .meaning = "IT power drawn: the servers and, on the ground, fabric, storage and other IT."},
    {.name = "facility_power_w",
     .dimension = Dimension::power,
     .unit = "W",
     .label = "facility power",
     .meaning = "IT power × PUE: what the site draws from its supply."},
    {.name = "power_available_w",
     .dimension = Dimension::power,
     .unit = "W",
     .label = "power available",
     .meaning = "What the site can draw now: grid (after energising and curtailments) + solar + "
                "running turbines + what the battery can give (0 at its floor)."},
    {.name = "heat_rejection_capacity_w",
     .dimension = Dimension::power,
     .unit = "W",
     .label = "heat rejection capacity",
     .meaning = "The cooling plant's capacity at this ambient; a site with a fixed `pue` reports "
                "its `cooling_capacity` or, by default, the whole fleet's heat at full power "
                "(non-binding)."},
    {.name = "cap_fraction",
     .dimension = Dimension::dimensionless,
     .unit = "fraction",
     .label = "GPU power cap (share of TDP)",
     .meaning = "The GPUs' power cap as a share of TDP (1: uncapped)."},
    {.name = "throttle_fraction",
     .dimension = Dimension::dimensionless,
     .unit = "fraction",
     .label = "GPUs running capped",
     .meaning = "The share of up GPUs running under a cap (0 when uncapped)."},
    {.name = "goodput_flops",
     .dimension = Dimension::flop_rate,
     .unit = "FLOP/s",
     .label = "goodput",
     .meaning = "The interval's net useful training work (work lost at an interruption is "
                "deducted when it is lost) over the interval: Σ goodput_flops × interval = the "
                "jobs' `flop_done`."},
    {.name = "ambient_c",
     .dimension = Dimension::temperature,
     .unit = "degC",
     .label = "ambient temperature",
     .meaning = "Outdoor air temperature from the site's weather.",
     .cells = ColumnCells::weather},
    {.name = "pue",
     .dimension = Dimension::dimensionless,
     .unit = "",
     .label = "PUE",
     .meaning = "Power usage effectiveness now: facility power / IT power."},
    {.name = "battery_soc",
     .dimension = Dimension::dimensionless,
     .unit = "fraction",
     .label = "battery state of charge",
     .meaning = "The battery's stored energy as a share of its capacity.",
     .cells = ColumnCells::battery},
    {.name = "in_eclipse",
     .dimension = Dimension::dimensionless,
     .unit = "",
     .label = "in eclipse",
     .meaning = "1 while the orbit is in the Earth's shadow, else 0.",
     .cells = ColumnCells::orbital},
    {.name = "radiator_k",
     .dimension = Dimension::temperature,
     .unit = "K",
     .label = "radiator temperature",
     .meaning = "The radiators' temperature.",
     .cells = ColumnCells::orbital},
    {.name = "grid_power_w",
     .dimension = Dimension::power,
     .unit = "W",
     .label = "grid power",
     .meaning = "Power drawn from the grid."},
    {.name = "turbine_power_w",
     .dimension = Dimension::power,
     .unit = "W",
     .label = "turbine power",
     .meaning = "Power from the on-site turbines."},
    {.name = "battery_power_w",
     .dimension = Dimension::power,
     .unit = "W",
     .label = "battery power",
     .meaning = "Battery discharge − charge (negative while charging)."},
    {.name = "solar_power_w",
     .dimension = Dimension::power,
     .unit = "W",
     .label = "solar power",
     .meaning = "Power from the solar arrays."},
    {.name = "demand_tokens_per_s",
     .dimension = Dimension::frequency,
     .unit = "tokens/s",
     .label = "tokens demanded",
     .meaning = "Output tokens demanded of the site's inference jobs, per second averaged over the "
                "interval that ends at `time_s`.",
     .presence = ColumnPresence::inference},
    {.name = "served_tokens_per_s",
     .dimension = Dimension::frequency,
     .unit = "tokens/s",
     .label = "tokens served",
     .meaning = "Output tokens served, likewise: Σ served_tokens_per_s × interval = the jobs' "
                "`output_tokens_served`.",
     .presence = ColumnPresence::inference},
    {.name = "serving_replicas",
     .dimension = Dimension::dimensionless,
     .unit = "",
     .label = "serving replicas",
     .meaning = "Inference replicas serving at `time_s`.",
     .presence = ColumnPresence::inference},
});

// The table's row for a column (time_s and site included), or nullptr.
const TimeseriesColumn* find_timeseries_column(std::string_view name);

// The file's header line, newline included; the inference columns only when `inference`.
std::string timeseries_header(bool inference);

// The README's column list (Markdown), what lies between its markers.
std::string timeseries_columns_markdown();

} // namespace capsim
