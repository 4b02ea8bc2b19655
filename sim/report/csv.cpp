#include "sim/report/csv.hpp"

#include <array>

namespace capsim {

namespace {
// The characters that make a field need quotes, as a table: one load and test per character
// (string_view::find_first_of calls memchr on the set once per character).
constexpr auto special = [] {
  std::array<bool, 256> table{};
  for (unsigned char c : {',', '"', '\n', '\r'})
    table[c] = true;
  return table;
}();

bool needs_quotes(std::string_view text) {
  for (char c : text)
    if (special[static_cast<unsigned char>(c)]) return true;
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
