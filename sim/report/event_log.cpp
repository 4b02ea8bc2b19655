#include "sim/report/event_log.hpp"

#include <fmt/format.h>

namespace capsim {

namespace {
bool needs_quotes(std::string_view text) {
  // One pass (string_view::find_first_of calls memchr on the set once per character).
  for (char c : text)
    if (c == ',' || c == '"' || c == '\n' || c == '\r') return true;
  return false;
}
} // namespace

void append_csv_field(std::string& out, std::string_view text) {
  if (!needs_quotes(text)) {
    out.append(text);
    return;
  }
  out += '"';
  for (std::size_t start = 0;;) {
    std::size_t quote = text.find('"', start);
    out.append(text.substr(start, quote == std::string_view::npos ? quote : quote + 1 - start));
    if (quote == std::string_view::npos) break;
    out += '"'; // a quote is doubled
    start = quote + 1;
  }
  out += '"';
}

std::string csv_field(std::string_view text) {
  std::string out;
  append_csv_field(out, text);
  return out;
}

EventLog::EventLog(const std::string& path) : file_(std::make_unique<AtomicFile>(path)) {
  file_->write("time_s,kind,site,cluster,job,detail\n");
}

void EventLog::add(double time_s, std::string_view kind, std::string_view site,
                   std::string_view cluster, std::string_view job, std::string_view detail) {
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
  file_->commit();
}

} // namespace capsim
