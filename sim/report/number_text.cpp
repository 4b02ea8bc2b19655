#include "sim/report/number_text.hpp"

#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>

#include <fmt/format.h>

namespace capsim {

namespace {

// "00" to "99": two digits per division.
constexpr char two_digits[] = "0001020304050607080910111213141516171819"
                              "2021222324252627282930313233343536373839"
                              "4041424344454647484950515253545556575859"
                              "6061626364656667686970717273747576777879"
                              "8081828384858687888990919293949596979899";

// The decimal digits of n, written backwards ending at `end`; returns their start. Eight digits
// at a time are split off with one 64-bit division and written with 32-bit arithmetic (a
// significand has up to 17 digits; 64-bit divisions cost more).
char* digits_before(char* end, std::uint64_t n) {
  while (n >= 100'000'000) {
    auto low = static_cast<std::uint32_t>(n % 100'000'000);
    n /= 100'000'000;
    for (int pair = 0; pair < 4; ++pair) { // all eight, zeros included
      end -= 2;
      std::memcpy(end, two_digits + 2 * (low % 100), 2);
      low /= 100;
    }
  }
  auto rest = static_cast<std::uint32_t>(n);
  while (rest >= 100) {
    end -= 2;
    std::memcpy(end, two_digits + 2 * (rest % 100), 2);
    rest /= 100;
  }
  if (rest >= 10) {
    end -= 2;
    std::memcpy(end, two_digits + 2 * rest, 2);
  } else {
    *--end = static_cast<char>('0' + rest);
  }
  return end;
}

// significand x 10^exponent as fmt lays out a float's digits: exponent notation when the first
// digit's decimal exponent is below -4 or at least `exp_upper`, else fixed notation. Every copy
// has a size known when compiling (a few moves, not a call of memcpy per part): the text is laid
// out in a scratch array with room to spare, and its first shortest_double_max_size characters
// copied to `out` (after a sign: the caller's shortest_double_max_size of room).
char* write_digits(char* out, std::uint64_t significand, int exponent, int exp_upper) {
  constexpr std::size_t max = 24;                     // characters of a text at most, sign included
  static_assert(shortest_double_max_size >= max + 1); // the sign, then a copy of `max`
  char digits[2 * max]; // the digits end at digits + max; a copy of `max` from them stays inside
  char* const digits_end = digits + max;
  const char* first = digits_before(digits_end, significand);
  const int count = static_cast<int>(digits_end - first);
  const int output_exp = exponent + count - 1; // of the first digit
  char text[3 * max];
  char* end = text;
  if (output_exp < -4 || output_exp >= exp_upper) { // 1.2345e+20, 5e-07
    *end++ = first[0];
    if (count > 1) {
      *end++ = '.';
      std::memcpy(end, first + 1, max);
      end += count - 1;
    }
    *end++ = 'e';
    *end++ = output_exp < 0 ? '-' : '+';
    int e = output_exp < 0 ? -output_exp : output_exp;
    if (e >= 100) { // two digits at least, as printf
      if (e >= 1000) *end++ = static_cast<char>('0' + e / 1000);
      *end++ = static_cast<char>('0' + e / 100 % 10);
      e %= 100;
    }
    std::memcpy(end, two_digits + 2 * e, 2);
    end += 2;
  } else if (exponent >= 0) { // 1234e2 -> 123400 (at most 15 zeros: output_exp < 16)
    std::memcpy(end, first, max);
    end += count;
    std::memset(end, '0', 16);
    end += exponent;
  } else if (output_exp >= 0) { // 1234e-2 -> 12.34
    const int whole = output_exp + 1;
    std::memcpy(end, first, max);
    end += whole;
    *end++ = '.';
    std::memcpy(end, first + whole, max);
    end += count - whole;
  } else { // 1234e-6 -> 0.001234 (at most 3 zeros: output_exp >= -4)
    *end++ = '0';
    *end++ = '.';
    std::memset(end, '0', 4);
    end += -output_exp - 1;
    std::memcpy(end, first, max);
    end += count;
  }
  std::memcpy(out, text, max);
  return out + (end - text);
}

// Writes the sign of a negative x (fmt writes it for -0 and a negative NaN too) and "inf" or
// "nan"; returns nullptr when x is finite, with `out` past the sign and x made non-negative.
char* write_sign_or_nonfinite(char*& out, double& x) {
  const auto bits = std::bit_cast<std::uint64_t>(x);
  if (bits >> 63) {
    *out++ = '-';
    x = -x;
  }
  constexpr std::uint64_t exponent_bits = 0x7ffULL << 52;
  if ((bits & exponent_bits) != exponent_bits) return nullptr;
  std::memcpy(out, (bits << 12) != 0 ? "nan" : "inf", 3);
  return out + 3;
}

constexpr std::uint64_t powers_of_ten[] = {1ULL,
                                           10ULL,
                                           100ULL,
                                           1000ULL,
                                           10000ULL,
                                           100000ULL,
                                           1000000ULL,
                                           10000000ULL,
                                           100000000ULL,
                                           1000000000ULL,
                                           10000000000ULL,
                                           100000000000ULL,
                                           1000000000000ULL,
                                           10000000000000ULL,
                                           100000000000000ULL,
                                           1000000000000000ULL,
                                           10000000000000000ULL,
                                           100000000000000000ULL,
                                           1000000000000000000ULL};

int digit_count(std::uint64_t n) {
  int count = 1;
  while (count < 19 && n >= powers_of_ten[count])
    ++count;
  return count;
}

} // namespace

char* write_shortest(char* out, double x) {
  if (char* end = write_sign_or_nonfinite(out, x)) return end;
  // The shortest decimal significand and exponent that round-trip (0 gives 0 and 0).
  const auto decimal = fmt::detail::dragonbox::to_decimal(x);
  return write_digits(out, decimal.significand, decimal.exponent, 16);
}

char* write_general(char* out, double x, int precision) {
  char* const start = out;
  const double value = x;
  if (char* end = write_sign_or_nonfinite(out, x)) return end;
  const auto decimal = fmt::detail::dragonbox::to_decimal(x);
  std::uint64_t significand = decimal.significand;
  int exponent = decimal.exponent;
  const int count = digit_count(significand);
  // Rounding x to `precision` digits gives the same as rounding its shortest form S when S has
  // at most `precision` digits (S itself: x lies within half an ulp of it, far nearer than the
  // next such number) or more than precision + 1 (then no halfway point between two results,
  // a number of precision + 1 digits, lies in x's rounding interval, which holds both x and S;
  // nor is S one, having no trailing zeros). With precision + 1 digits S may be a halfway point
  // that x is not: fmt rounds x itself.
  // A subnormal number's ulp is no longer small beside its value: fmt rounds those too.
  if (count == precision + 1 || x < std::numeric_limits<double>::min())
    return fmt::format_to(start, "{:.{}g}", value, precision);
  if (count > precision) {
    const std::uint64_t divisor = powers_of_ten[count - precision];
    const std::uint64_t rest = significand % divisor;
    significand /= divisor;
    exponent += count - precision;
    if (rest > divisor / 2 && ++significand == powers_of_ten[precision]) { // 9.9996 -> 10.00
      significand /= 10;
      ++exponent;
    }
    while (significand % 10 == 0) { // no trailing zeros, as fmt's general format
      significand /= 10;
      ++exponent;
    }
  }
  return write_digits(out, significand, exponent, precision);
}

} // namespace capsim
