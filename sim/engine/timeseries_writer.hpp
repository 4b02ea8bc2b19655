// timeseries.csv: one row per site at every sampling tick (sim/engine/actors.cpp's sampler), and
// the "checkpoints" events that summarise each interval. The columns, their order and which cells
// are empty come from the table in sim/scenario/timeseries_columns.hpp; each column's value is
// declared beside its name in timeseries_writer.cpp, checked against that table when compiling.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

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
  World& world_;
  std::unique_ptr<AtomicFile> file_;
  EventLog* events_ = nullptr;
  fmt::memory_buffer line_; // fmt's own buffer: formats in place, no copy through a string
  // Each site's real cells as last written, by column: most (capacity, PUE, the cap, the
  // supply) hold their value for many rows, and a value's text is kept until it changes.
  struct CellText {
    std::uint64_t bits = 0; // the value's bits (so that -0 and NaN compare as themselves)
    bool valid = false;
    std::uint8_t size = 0;
    char text[32];
  };
  std::vector<CellText> cell_texts_; // site x column
  double last_s_ = 0;
  bool inference_ = false; // the scenario has inference jobs: their columns are written
};

} // namespace capsim
