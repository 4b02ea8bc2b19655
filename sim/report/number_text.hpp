// Numbers as the output files write them, formatted straight into a caller's array.
#pragma once

#include <cstddef>

namespace capsim {

// At most this many characters: "-2.2250738585072014e-308".
inline constexpr std::size_t shortest_double_max_size = 24;

// The shortest text that reads back as the same double, exactly as fmt writes "{}" (fixed
// notation for decimal exponents -4 to 15, else "1.5e+16"; "-0", "inf", "nan"). The outputs
// write a million of them a run (event times, time-series cells): this skips fmt's general
// writer (padding, locale, grouping) and keeps only its digits (Dragonbox). Returns the end.
char* write_shortest(char* out, double x);

} // namespace capsim
