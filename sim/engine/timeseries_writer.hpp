// timeseries.csv: one row per site at every sampling tick (sim/engine/actors.cpp's sampler), and
// the "checkpoints" events that summarise each interval. The columns are those of
// timeseries_numeric_columns() (sim/scenario/sweep_spec.hpp); the serving ones only with
// inference jobs.
#pragma once

#include <memory>
#include <string>

#include <fmt/format.h>

namespace capsim {

class AtomicFile;
class EventLog;
struct SiteState;
class World;

class TimeseriesWriter {
public:
  // path "": no file; rows() then only moves the per-interval counters on.
  TimeseriesWriter(World& world, const std::string& path);
  ~TimeseriesWriter();

  void rows(double time_s);
  void set_events(EventLog* events) { events_ = events; }
  void commit();
  bool failed() const;

private:
  void serving_columns(SiteState& site, double interval_s);

  World& world_;
  std::unique_ptr<AtomicFile> file_;
  EventLog* events_ = nullptr;
  fmt::memory_buffer line_; // fmt's own buffer: formats in place, no copy through a string
  double last_s_ = 0;
};

} // namespace capsim
