#include "sim/report/event_log.hpp"

#include <fmt/format.h>

namespace capsim {

EventLog::EventLog(const std::string& path) {
  if (path.empty()) return; // a run that writes no event log
  file_ = std::make_unique<AtomicFile>(path);
  file_->write("time_s,kind,site,cluster,job,detail\n");
}

void EventLog::add(double time_s, std::string_view kind, std::string_view site,
                   std::string_view cluster, std::string_view job, std::string_view detail) {
  if (!file_) return;
  line_.clear();
  char time_text[32]; // the shortest form that reads back as the same double
  line_.append(time_text, fmt::format_to_n(time_text, sizeof time_text, "{}", time_s).out);
  for (std::string_view field : {kind, site, cluster, job, detail}) {
    line_ += ',';
    append_csv_field(line_, field);
  }
  line_ += '\n';
  file_->write(line_);
}

void EventLog::commit() {
  if (file_) file_->commit();
}

} // namespace capsim
