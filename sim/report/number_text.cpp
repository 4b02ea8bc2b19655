#include "sim/report/number_text.hpp"

#include <bit>
#include <cstdint>
#include <cstring>

#include <fmt/format.h>

namespace capsim {

namespace {

// "00" to "99": two digits per division.
constexpr char two_digits[] = "0001020304050607080910111213141516171819"
                              "2021222324252627282930313233343536373839"
                              "4041424344454647484950515253545556575859"
                              "6061626364656667686970717273747576777879"
                              "8081828384858687888990919293949596979899";

// The decimal digits of n, written backwards ending at `end`; returns their start.
char* digits_before(char* end, std::uint64_t n) {
  while (n >= 100) {
    end -= 2;
    std::memcpy(end, two_digits + 2 * (n % 100), 2);
    n /= 100;
  }
  if (n >= 10) {
    end -= 2;
    std::memcpy(end, two_digits + 2 * n, 2);
  } else {
    *--end = static_cast<char>('0' + n);
  }
  return end;
}

} // namespace

char* write_shortest(char* out, double x) {
  const auto bits = std::bit_cast<std::uint64_t>(x);
  if (bits >> 63) { // fmt writes the sign of -0 and of a negative NaN too
    *out++ = '-';
    x = -x;
  }
  constexpr std::uint64_t exponent_bits = 0x7ffULL << 52;
  if ((bits & exponent_bits) == exponent_bits) {
    std::memcpy(out, (bits << 12) != 0 ? "nan" : "inf", 3);
    return out + 3;
  }
  // The shortest decimal significand and exponent that round-trip (0 gives 0 and 0).
  const auto decimal = fmt::detail::dragonbox::to_decimal(x);
  char digits[24];
  char* const digits_end = digits + sizeof digits;
  const char* first = digits_before(digits_end, decimal.significand);
  const int count = static_cast<int>(digits_end - first);
  const int exponent = decimal.exponent;       // value = significand x 10^exponent
  const int output_exp = exponent + count - 1; // of the first digit
  if (output_exp < -4 || output_exp >= 16) {   // 1.2345e+20, 5e-07
    *out++ = first[0];
    if (count > 1) {
      *out++ = '.';
      std::memcpy(out, first + 1, static_cast<std::size_t>(count - 1));
      out += count - 1;
    }
    *out++ = 'e';
    *out++ = output_exp < 0 ? '-' : '+';
    int e = output_exp < 0 ? -output_exp : output_exp;
    if (e >= 100) { // two digits at least, as printf
      if (e >= 1000) *out++ = static_cast<char>('0' + e / 1000);
      *out++ = static_cast<char>('0' + e / 100 % 10);
      e %= 100;
    }
    std::memcpy(out, two_digits + 2 * e, 2);
    return out + 2;
  }
  if (exponent >= 0) { // 1234e2 -> 123400
    std::memcpy(out, first, static_cast<std::size_t>(count));
    out += count;
    std::memset(out, '0', static_cast<std::size_t>(exponent));
    return out + exponent;
  }
  if (output_exp >= 0) { // 1234e-2 -> 12.34
    const int whole = output_exp + 1;
    std::memcpy(out, first, static_cast<std::size_t>(whole));
    out += whole;
    *out++ = '.';
    std::memcpy(out, first + whole, static_cast<std::size_t>(count - whole));
    return out + (count - whole);
  }
  // 1234e-6 -> 0.001234
  *out++ = '0';
  *out++ = '.';
  const int zeros = -output_exp - 1;
  std::memset(out, '0', static_cast<std::size_t>(zeros));
  out += zeros;
  std::memcpy(out, first, static_cast<std::size_t>(count));
  return out + count;
}

} // namespace capsim
