#include "sim/engine/timeseries_writer.hpp"

#include <array>
#include <bit>
#include <cstdint>
#include <string_view>

#include <fmt/compile.h>

#include "models/battery.hpp"
#include "sim/engine/world.hpp"
#include "sim/report/atomic_file.hpp"
#include "sim/report/csv.hpp"
#include "sim/report/event_log.hpp"
#include "sim/report/number_text.hpp"
#include "sim/scenario/timeseries_columns.hpp"

namespace capsim {

namespace {

// What a row's values are computed from: the site, and the sums over its clusters, jobs and
// inference jobs, computed once per row.
struct SiteRow {
  const SiteState& site;
  std::size_t installed = 0, up = 0, busy = 0, shed = 0;
  double goodput_flops = 0;
  double demand_tokens_per_s = 0, served_tokens_per_s = 0;
  long long serving_replicas = 0;
};

// A cell's value: a count is written as an integer, a real with fmt's shortest round-trip form.
struct Cell {
  bool is_count;
  long long count;
  double real;
};
constexpr Cell count_cell(long long n) {
  return {true, n, 0};
}
constexpr Cell real_cell(double x) {
  return {false, 0, x};
}

struct ColumnValue {
  std::string_view name;
  Cell (*value)(const SiteRow&); // called only for the sites the column's `cells` names
};

// Each column's value, in the order of timeseries_columns (sim/scenario/timeseries_columns.hpp).
constexpr auto column_values = std::to_array<ColumnValue>({
    {"gpus_installed",
     [](const SiteRow& r) { return count_cell(static_cast<long long>(r.installed)); }},
    {"gpus_up", [](const SiteRow& r) { return count_cell(static_cast<long long>(r.up)); }},
    {"gpus_busy", [](const SiteRow& r) { return count_cell(static_cast<long long>(r.busy)); }},
    {"gpus_shed", [](const SiteRow& r) { return count_cell(static_cast<long long>(r.shed)); }},
    {"it_power_w", [](const SiteRow& r) { return real_cell(r.site.it_power_w); }},
    {"facility_power_w", [](const SiteRow& r) { return real_cell(r.site.facility_power_w()); }},
    {"power_available_w", [](const SiteRow& r) { return real_cell(r.site.available_supply_w()); }},
    {"heat_rejection_capacity_w",
     [](const SiteRow& r) { return real_cell(r.site.heat_capacity_w); }},
    {"cap_fraction", [](const SiteRow& r) { return real_cell(r.site.cap_fraction); }},
    {"throttle_fraction",
     [](const SiteRow& r) {
       return real_cell(r.site.cap_fraction < 1 && r.up > 0
                            ? static_cast<double>(r.busy) / static_cast<double>(r.up)
                            : 0.0);
     }},
    {"goodput_flops", [](const SiteRow& r) { return real_cell(r.goodput_flops); }},
    {"ambient_c", [](const SiteRow& r) { return real_cell(*r.site.kind->ambient_c(r.site)); }},
    {"pue", [](const SiteRow& r) { return real_cell(r.site.pue); }},
    {"battery_soc",
     [](const SiteRow& r) {
       return real_cell(state_of_charge(r.site.battery, r.site.battery_params));
     }},
    {"in_eclipse", [](const SiteRow& r) { return count_cell(*r.site.kind->in_eclipse() ? 1 : 0); }},
    {"radiator_k", [](const SiteRow& r) { return real_cell(*r.site.kind->radiator_k()); }},
    {"grid_power_w", [](const SiteRow& r) { return real_cell(r.site.dispatch.grid_w); }},
    {"turbine_power_w", [](const SiteRow& r) { return real_cell(r.site.dispatch.turbine_w); }},
    {"battery_power_w",
     [](const SiteRow& r) {
       return real_cell(r.site.dispatch.battery_discharge_w - r.site.dispatch.battery_charge_w);
     }},
    {"solar_power_w", [](const SiteRow& r) { return real_cell(r.site.dispatch.solar_w); }},
    {"demand_tokens_per_s", [](const SiteRow& r) { return real_cell(r.demand_tokens_per_s); }},
    {"served_tokens_per_s", [](const SiteRow& r) { return real_cell(r.served_tokens_per_s); }},
    {"serving_replicas", [](const SiteRow& r) { return count_cell(r.serving_replicas); }},
});

constexpr bool values_match_columns() {
  if (column_values.size() != timeseries_columns.size()) return false;
  for (std::size_t i = 0; i < column_values.size(); ++i)
    if (column_values[i].name != timeseries_columns[i].name) return false;
  return true;
}
static_assert(values_match_columns(),
              "column_values must give one value per row of timeseries_columns, in its order");

// Whether the site's cell of a column holds a value (ColumnCells).
bool cell_has_value(ColumnCells cells, const SiteState& site) {
  switch (cells) {
  case ColumnCells::every_site:
    return true;
  case ColumnCells::weather: // the site's kind gives an ambient temperature
    return site.kind->ambient_c(site).has_value();
  case ColumnCells::battery:
    return site.has_battery && site.battery_params.capacity_j > 0;
  case ColumnCells::orbital: // the site's kind has eclipses and radiators
    return site.kind->in_eclipse().has_value();
  }
  return false;
}

// The site's inference jobs over the interval; moves their reported counters on.
void serving_counters(SiteState& site, double interval_s, SiteRow& row) {
  double demand = 0, served = 0;
  long long replicas = 0;
  for (ClusterState* c : site.clusters)
    for (ServingState* s : c->serving) {
      demand += s->demand_tokens - s->demand_tokens_reported;
      served += s->output_tokens - s->output_tokens_reported;
      s->demand_tokens_reported = s->demand_tokens;
      s->output_tokens_reported = s->output_tokens;
      replicas += s->replicas_up;
    }
  row.demand_tokens_per_s = interval_s > 0 ? demand / interval_s : 0.0;
  row.served_tokens_per_s = interval_s > 0 ? served / interval_s : 0.0;
  row.serving_replicas = replicas;
}

} // namespace

TimeseriesWriter::TimeseriesWriter(World& world, const std::string& path)
    : world_(world), inference_(!world.serving().empty()) {
  if (path.empty()) return;
  file_ = std::make_unique<AtomicFile>(path);
  file_->write(timeseries_header(inference_));
}

TimeseriesWriter::~TimeseriesWriter() = default;

void TimeseriesWriter::commit() {
  if (file_) file_->commit();
}

bool TimeseriesWriter::failed() const {
  return file_ && file_->failed();
}

void TimeseriesWriter::rows(double time_s) {
  double interval_s = time_s - last_s_;
  char time_text[shortest_double_max_size]; // one text for every site's row
  const std::string_view time(
      time_text,
      file_ ? static_cast<std::size_t>(write_shortest(time_text, time_s) - time_text) : 0);
  cell_texts_.resize(world_.sites().size() * column_values.size());
  for (std::size_t s = 0; s < world_.sites().size(); ++s) {
    SiteState& site = world_.sites()[s];
    SiteRow row{.site = site};
    double net_flop = 0;
    for (ClusterState* c : site.clusters) {
      row.installed += c->in_service() * c->gpus_per_host();
      row.up += (c->in_service() - c->down) * c->gpus_per_host();
      row.busy += (c->busy - c->serving_dark()) * c->gpus_per_host(); // dark: unpowered
      row.shed += c->free_off.size() * c->gpus_per_host();
      for (JobState* job : c->jobs)
        net_flop += job->net_flop();
    }
    row.goodput_flops = interval_s > 0 ? (net_flop - site.net_flop_reported) / interval_s : 0;
    site.net_flop_reported = net_flop;
    if (inference_) serving_counters(site, interval_s, row);
    if (!file_) continue;
    line_.clear();
    line_.append(time.data(), time.data() + time.size());
    line_.push_back(',');
    const std::string name = csv_field(site.spec->name);
    line_.append(name.data(), name.data() + name.size());
    for (std::size_t i = 0; i < column_values.size(); ++i) {
      const TimeseriesColumn& column = timeseries_columns[i];
      if (column.presence == ColumnPresence::inference && !inference_) continue;
      line_.push_back(',');
      if (!cell_has_value(column.cells, site)) continue;
      Cell cell = column_values[i].value(row);
      if (cell.is_count) {
        // Formatted into a small array, then appended: fmt's writers through the buffer's
        // appender took twice as long.
        char text[32];
        line_.append(text, fmt::format_to(text, FMT_COMPILE("{}"), cell.count));
        continue;
      }
      CellText& kept = cell_texts_[s * column_values.size() + i];
      const auto bits = std::bit_cast<std::uint64_t>(cell.real);
      if (!kept.valid || kept.bits != bits) {
        static_assert(sizeof kept.text >= shortest_double_max_size);
        kept.size = static_cast<std::uint8_t>(write_shortest(kept.text, cell.real) - kept.text);
        kept.bits = bits;
        kept.valid = true;
      }
      line_.append(kept.text, kept.text + kept.size);
    }
    line_.push_back('\n');
    file_->write(std::string_view(line_.data(), line_.size()));
  }
  for (JobState& job : world_.jobs()) {
    long long new_checkpoints = job.progress.checkpoints - job.checkpoints_reported;
    if (new_checkpoints <= 0) continue;
    job.checkpoints_reported = job.progress.checkpoints;
    events_->addf(time_s, "checkpoints", job.cluster->site->spec->name, job.cluster->spec->name,
                  job.spec->name, FMT_COMPILE("{} checkpoints completed since {} s"),
                  new_checkpoints, Rounded{last_s_, 6});
  }
  last_s_ = time_s;
}

} // namespace capsim
