// CSV field quoting (RFC 4180), shared by every CSV capsim writes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace capsim {

// The field as written: quoted when it holds a comma, a quote or a line break (quotes doubled).
std::string csv_field(std::string_view text);
// The same, appended to `out`.
void append_csv_field(std::string& out, std::string_view text);
// The same, written at `out`, which has room for csv_field_max_size(text) characters; returns
// the end of what it wrote.
char* write_csv_field(char* out, std::string_view text);
constexpr std::size_t csv_field_max_size(std::string_view text) {
  return 2 * text.size() + 2; // every character a doubled quote, and the two around
}

} // namespace capsim
