// events.csv: time_s,kind,site,cluster,job,detail — one row per event, streamed as the
// simulation runs into a temporary file that becomes events.csv only when the run completes.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "sim/report/atomic_file.hpp"
#include "sim/report/csv.hpp"

namespace capsim {

class EventLog {
public:
  explicit EventLog(const std::string& path); // "": no file, add() does nothing
  // One row. A run writes one per event (137,651 for bench-200k), so this appends in place:
  // no allocation once the line buffer has grown.
  void add(double time_s, std::string_view kind, std::string_view site, std::string_view cluster,
           std::string_view job, std::string_view detail);
  void commit();
  bool failed() const { return file_ && file_->failed(); }
  bool writing() const { return file_ != nullptr; }

private:
  std::unique_ptr<AtomicFile> file_;
  std::string line_;
};

} // namespace capsim
