// Numbers as the output files write them, formatted straight into a caller's array.
#pragma once

#include <algorithm>
#include <cstddef>

#include <fmt/format.h>

namespace capsim {

// The room the writers below need at `out`: their text is at most 24 characters
// ("-2.2250738585072014e-308"), but they copy whole blocks (no call of memcpy per number).
inline constexpr std::size_t shortest_double_max_size = 32;

// The shortest text that reads back as the same double, exactly as fmt writes "{}" (fixed
// notation for decimal exponents -4 to 15, else "1.5e+16"; "-0", "inf", "nan"). The outputs
// write a million of them a run (event times, time-series cells): this skips fmt's general
// writer (padding, locale, grouping) and keeps only its digits (Dragonbox). Returns the end.
char* write_shortest(char* out, double x);

// x as fmt writes "{:.Ng}" for N = `precision` (1 to 15): rounded to that many significant
// digits, trailing zeros dropped, fixed notation for decimal exponents -4 to N - 1. From the
// shortest digits when they decide the rounding (always but for a number whose shortest form has
// exactly N + 1 digits, which fmt formats), at a third of fmt's cost.
char* write_general(char* out, double x, int precision);

// The same as a format argument, formatted only when the row is: FMT_COMPILE("{} FLOP"),
// Rounded{lost_flop, 4} writes what "{:.4g} FLOP" would.
struct Rounded {
  double value;
  int precision;
};

} // namespace capsim

template <>
struct fmt::formatter<capsim::Rounded> {
  constexpr auto parse(format_parse_context& ctx) { return ctx.begin(); }
  template <class FormatContext>
  auto format(const capsim::Rounded& r, FormatContext& ctx) const {
    char text[capsim::shortest_double_max_size];
    return std::copy(text, capsim::write_general(text, r.value, r.precision), ctx.out());
  }
};
