#include "sim/report/event_log.hpp"

#include <cstring>

#include <fmt/format.h>

#include "sim/report/number_text.hpp"

namespace capsim {

EventLog::EventLog(const std::string& path) {
  if (path.empty()) return; // a run that writes no event log
  file_ = std::make_unique<AtomicFile>(path);
  file_->write("time_s,kind,site,cluster,job,detail\n");
  buffer_.resize(flush_bytes);
}

void EventLog::add(double time_s, std::string_view kind, std::string_view site,
                   std::string_view cluster, std::string_view job, std::string_view detail) {
  if (!file_) return;
  if (time_s != time_s_ || time_size_ == 0) { // the shortest form that reads back the same
    // Written straight into the array (format_to_n's truncating iterator writes a character at
    // a time, at 4x the cost), as fmt's "{}" writes it.
    static_assert(sizeof time_text_ >= shortest_double_max_size);
    time_size_ = static_cast<std::size_t>(write_shortest(time_text_, time_s) - time_text_);
    time_s_ = time_s;
  }
  const std::string_view fields[] = {kind, site, cluster, job, detail};
  std::size_t most = time_size_ + 6; // five commas and the line's end
  for (std::string_view field : fields)
    most += csv_field_max_size(field);
  if (used_ + most > buffer_.size()) {
    flush();
    if (most > buffer_.size()) buffer_.resize(most);
  }
  char* out = buffer_.data() + used_;
  std::memcpy(out, time_text_, time_size_);
  out += time_size_;
  for (std::string_view field : fields) {
    *out++ = ',';
    out = write_csv_field(out, field);
  }
  *out++ = '\n';
  used_ = static_cast<std::size_t>(out - buffer_.data());
}

void EventLog::flush() {
  file_->write(std::string_view(buffer_.data(), used_));
  used_ = 0;
}

void EventLog::commit() {
  if (!file_) return;
  flush();
  file_->commit();
}

} // namespace capsim
