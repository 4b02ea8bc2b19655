// events.csv: time_s,kind,site,cluster,job,detail — one row per event, streamed as the
// simulation runs into a temporary file that becomes events.csv only when the run completes.
#pragma once

#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/compile.h>
#include <fmt/format.h>

#include "sim/report/atomic_file.hpp"
#include "sim/report/csv.hpp"

namespace capsim {

class EventLog {
public:
  explicit EventLog(const std::string& path); // "": no file, add() does nothing
  // One row. A run writes one per event (137,651 for bench-200k), so this appends in place:
  // no allocation once the buffer has grown.
  void add(double time_s, std::string_view kind, std::string_view site, std::string_view cluster,
           std::string_view job, std::string_view detail);
  // The same with the detail formatted in place, and not at all without a file: `detail` is a
  // format compiled with the program (FMT_COMPILE("{} GPUs")), as the rows written once per
  // event are (no format string parsed at run time).
  template <class Format, class... Args>
  void addf(double time_s, std::string_view kind, std::string_view site, std::string_view cluster,
            std::string_view job, const Format& detail, Args&&... args) {
    static_assert(fmt::detail::is_compiled_string<Format>::value, "addf takes FMT_COMPILE(...)");
    if (!file_) return;
    detail_.clear();
    fmt::format_to(std::back_inserter(detail_), detail, std::forward<Args>(args)...);
    add(time_s, kind, site, cluster, job, std::string_view(detail_.data(), detail_.size()));
  }
  void commit();
  bool failed() const { return file_ && file_->failed(); }
  bool writing() const { return file_ != nullptr; }

private:
  void flush(); // the rows held so far, to the file

  std::unique_ptr<AtomicFile> file_;
  // Rows are held here and written 64 KiB at a time (a write per row cost more than the row),
  // each written in place (no check of the room left per character).
  static constexpr std::size_t flush_bytes = 64 * 1024;
  std::vector<char> buffer_;
  std::size_t used_ = 0;
  fmt::memory_buffer detail_;
  // Events come in bursts at one time (a failure, its interruption, the restart, the shed
  // hosts): the time's text is kept for the next row.
  double time_s_ = -1;
  char time_text_[32] = {};
  std::size_t time_size_ = 0;
};

} // namespace capsim
