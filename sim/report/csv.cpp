#include "sim/report/csv.hpp"

#include <cstdint>

namespace capsim {

namespace {
bool needs_quotes(std::string_view text) {
  // One pass, without a branch per character (string_view::find_first_of calls memchr on the
  // set once per character): the four characters that need quotes are all below 64, so one
  // shift of a 64-bit mask tells whether a character is one of them.
  constexpr std::uint64_t special = (1ULL << ',') | (1ULL << '"') | (1ULL << '\n') | (1ULL << '\r');
  std::uint64_t hit = 0;
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    hit |= c < 64 ? (special >> c) & 1 : 0;
  }
  return hit != 0;
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
