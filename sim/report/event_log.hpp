// events.csv: time_s,kind,site,cluster,job,detail — one row per event, streamed as the
// simulation runs into a temporary file that becomes events.csv only when the run completes.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "sim/report/atomic_file.hpp"

namespace capsim {

class EventLog {
public:
  EventLog() = default;                       // counts only
  explicit EventLog(const std::string& path); // counts and writes
  void add(double time_s, std::string_view kind, std::string_view site, std::string_view cluster,
           std::string_view job, std::string_view detail);
  void commit();
  const std::map<std::string, long long, std::less<>>& counts() const { return counts_; }

private:
  std::unique_ptr<AtomicFile> file_;
  std::string line_;
  std::map<std::string, long long, std::less<>> counts_;
};

// CSV field quoting (RFC 4180): quotes a field holding a comma, quote or newline.
std::string csv_field(std::string_view text);

} // namespace capsim
