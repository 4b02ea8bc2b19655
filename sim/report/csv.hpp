// CSV field quoting (RFC 4180), shared by every CSV capsim writes.
#pragma once

#include <string>
#include <string_view>

namespace capsim {

// The field as written: quoted when it holds a comma, a quote or a line break (quotes doubled).
std::string csv_field(std::string_view text);
// The same, appended to `out`.
void append_csv_field(std::string& out, std::string_view text);

} // namespace capsim
