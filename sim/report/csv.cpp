#include "sim/report/csv.hpp"

#include <array>
#include <cstring>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

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

// Whether the field holds a comma, a double quote, LF or CR.
bool needs_quotes(std::string_view text) {
  const char* p = text.data();
  const char* end = p + text.size();
#ifdef __SSE2__
  // Sixteen characters at a time: an event log writes about 70 per row in five fields, a million
  // rows a run; the last 1 to 15 are copied into a block of zeros (no zero byte is special).
  const __m128i comma = _mm_set1_epi8(','), quote = _mm_set1_epi8('"');
  const __m128i lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
  auto any_special = [&](const char* block) {
    const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block));
    const __m128i hits =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(chunk, comma), _mm_cmpeq_epi8(chunk, quote)),
                     _mm_or_si128(_mm_cmpeq_epi8(chunk, lf), _mm_cmpeq_epi8(chunk, cr)));
    return _mm_movemask_epi8(hits) != 0;
  };
  for (; end - p >= 16; p += 16)
    if (any_special(p)) return true;
  if (p == end) return false;
  char last[16] = {};
  std::memcpy(last, p, static_cast<std::size_t>(end - p));
  return any_special(last);
#else
  for (; p != end; ++p)
    if (special[static_cast<unsigned char>(*p)]) return true;
  return false;
#endif
}
} // namespace

char* write_csv_field(char* out, std::string_view text) {
  // Most fields are short names (an event's kind, site, cluster, job): copied and checked in one
  // pass, a character at a time, cheaper than the check sixteen at a time and then a copy.
  if (text.size() < 16) {
    bool quote = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
      out[i] = text[i];
      quote |= special[static_cast<unsigned char>(text[i])];
    }
    if (!quote) return out + text.size();
  } else if (!needs_quotes(text)) {
    std::memcpy(out, text.data(), text.size());
    return out + text.size();
  }
  *out++ = '"';
  for (char c : text) {
    if (c == '"') *out++ = '"'; // a quote is doubled
    *out++ = c;
  }
  *out++ = '"';
  return out;
}

void append_csv_field(std::string& out, std::string_view text) {
  const std::size_t used = out.size();
  out.resize(used + csv_field_max_size(text));
  out.resize(static_cast<std::size_t>(write_csv_field(out.data() + used, text) - out.data()));
}

std::string csv_field(std::string_view text) {
  std::string out;
  append_csv_field(out, text);
  return out;
}

} // namespace capsim
