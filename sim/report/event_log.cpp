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
  if (time_s != time_s_ || time_text_.empty()) { // the shortest form that reads back the same
    char text[32];
    time_text_.assign(text, fmt::format_to_n(text, sizeof text, FMT_COMPILE("{}"), time_s).out);
    time_s_ = time_s;
  }
  line_ += time_text_;
  for (std::string_view field : {kind, site, cluster, job, detail}) {
    line_ += ',';
    append_csv_field(line_, field);
  }
  line_ += '\n';
  if (line_.size() >= flush_bytes) flush();
}

void EventLog::flush() {
  file_->write(line_);
  line_.clear();
}

void EventLog::commit() {
  if (!file_) return;
  flush();
  file_->commit();
}

} // namespace capsim
