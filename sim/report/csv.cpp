#include "sim/report/csv.hpp"

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

} // namespace capsim
