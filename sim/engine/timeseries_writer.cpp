#include "sim/engine/timeseries_writer.hpp"

#include <algorithm>

#include "models/battery.hpp"
#include "sim/engine/world.hpp"
#include "sim/report/atomic_file.hpp"
#include "sim/report/csv.hpp"
#include "sim/report/event_log.hpp"
#include "sim/scenario/sweep_spec.hpp"

namespace capsim {

namespace {

// Without inference jobs, the serving columns are left out.
std::string timeseries_header(bool serving) {
  std::string header = "time_s,site";
  const auto& only_serving = timeseries_serving_columns();
  for (const std::string& column : timeseries_numeric_columns())
    if (serving ||
        std::find(only_serving.begin(), only_serving.end(), column) == only_serving.end())
      header += "," + column;
  return header + "\n";
}

} // namespace

TimeseriesWriter::TimeseriesWriter(World& world, const std::string& path) : world_(world) {
  if (path.empty()) return;
  file_ = std::make_unique<AtomicFile>(path);
  file_->write(timeseries_header(!world_.serving().empty()));
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
  for (SiteState& site : world_.sites()) {
    std::size_t installed = 0, up = 0, busy = 0, shed = 0;
    double net_flop = 0;
    for (ClusterState* c : site.clusters) {
      installed += c->in_service() * c->gpus_per_host();
      up += (c->in_service() - c->down) * c->gpus_per_host();
      busy += (c->busy - c->serving_dark()) * c->gpus_per_host(); // dark: unpowered
      shed += c->free_off.size() * c->gpus_per_host();
      for (JobState* job : c->jobs)
        net_flop += job->net_flop();
    }
    double goodput = interval_s > 0 ? (net_flop - site.net_flop_reported) / interval_s : 0;
    site.net_flop_reported = net_flop;
    if (!file_) {
      if (!world_.serving().empty()) serving_columns(site, interval_s);
      continue;
    }
    double throttle =
        site.cap_fraction < 1 && up > 0 ? static_cast<double>(busy) / static_cast<double>(up) : 0.0;
    const SiteSpec& spec = *site.spec;
    const SiteKindModel& kind = *site.kind;
    auto cell = [](auto value) { return value ? fmt::format("{}", *value) : std::string(); };
    const std::optional<bool> eclipse = kind.in_eclipse();
    std::string in_eclipse = eclipse ? (*eclipse ? "1" : "0") : "";
    std::string radiator_k = cell(kind.radiator_k());
    std::string ambient_c = cell(kind.ambient_c(site));
    std::string soc = site.has_battery && site.battery_params.capacity_j > 0
                          ? fmt::format("{}", state_of_charge(site.battery, site.battery_params))
                          : std::string();
    const PowerDispatch& d = site.dispatch;
    line_.clear();
    fmt::format_to(
        fmt::appender(line_), "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
        time_s, csv_field(spec.name), installed, up, busy, shed, site.it_power_w,
        site.facility_power_w(), site.available_supply_w(), site.heat_capacity_w, site.cap_fraction,
        throttle, goodput, ambient_c, site.pue, soc, in_eclipse, radiator_k, d.grid_w, d.turbine_w,
        d.battery_discharge_w - d.battery_charge_w, d.solar_w);
    if (!world_.serving().empty()) serving_columns(site, interval_s);
    line_.push_back('\n');
    file_->write(std::string_view(line_.data(), line_.size()));
  }
  for (JobState& job : world_.jobs()) {
    long long new_checkpoints = job.progress.checkpoints - job.checkpoints_reported;
    if (new_checkpoints <= 0) continue;
    job.checkpoints_reported = job.progress.checkpoints;
    events_->add(time_s, "checkpoints", job.cluster->site->spec->name, job.cluster->spec->name,
                 job.spec->name,
                 fmt::format("{} checkpoints completed since {:.6g} s", new_checkpoints, last_s_));
  }
  last_s_ = time_s;
}

void TimeseriesWriter::serving_columns(SiteState& site, double interval_s) {
  double demand = 0, served = 0;
  int replicas = 0;
  for (ClusterState* c : site.clusters)
    for (ServingState* s : c->serving) {
      demand += s->demand_tokens - s->demand_tokens_reported;
      served += s->output_tokens - s->output_tokens_reported;
      s->demand_tokens_reported = s->demand_tokens;
      s->output_tokens_reported = s->output_tokens;
      replicas += s->replicas_up;
    }
  if (!file_) return;
  fmt::format_to(fmt::appender(line_), ",{},{},{}", interval_s > 0 ? demand / interval_s : 0.0,
                 interval_s > 0 ? served / interval_s : 0.0, replicas);
}

} // namespace capsim
