#include "sim/report/event_log.hpp"

#include <fmt/format.h>

namespace capsim {

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(text);
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + '"';
}

EventLog::EventLog(const std::string& path) : file_(std::make_unique<AtomicFile>(path)) {
  file_->write("time_s,kind,site,cluster,job,detail\n");
}

void EventLog::add(double time_s, std::string_view kind, std::string_view site,
                   std::string_view cluster, std::string_view job, std::string_view detail) {
  auto it = counts_.find(kind);
  if (it == counts_.end()) it = counts_.emplace(std::string(kind), 0).first;
  ++it->second;
  if (!file_) return;
  line_.clear();
  fmt::format_to(std::back_inserter(line_), "{},{},{},{},{},{}\n", time_s, kind, csv_field(site),
                 csv_field(cluster), csv_field(job), csv_field(detail));
  file_->write(line_);
}

void EventLog::commit() {
  if (file_) file_->commit();
}

} // namespace capsim
