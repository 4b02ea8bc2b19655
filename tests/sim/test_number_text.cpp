// The outputs' shortest double text (sim/report/number_text.hpp) against fmt's "{}", which it
// must match character for character: every golden output depends on it.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include <fmt/compile.h>
#include <fmt/format.h>

#include "sim/report/number_text.hpp"

namespace {

std::string shortest(double x) {
  char text[capsim::shortest_double_max_size];
  return std::string(text, capsim::write_shortest(text, x));
}

// Counts the mismatches (and reports the first) so that a million draws make one check.
int mismatches(double x, int& count) {
  const std::string expected = fmt::format("{}", x);
  if (shortest(x) != expected) {
    if (count == 0) CHECK(shortest(x) == expected);
    ++count;
  }
  return count;
}

} // namespace

TEST_CASE("shortest double text: as fmt writes it") {
  using limits = std::numeric_limits<double>;
  for (double x : {0.0,
                   -0.0,
                   1.0,
                   -1.0,
                   0.1,
                   0.5,
                   3600.0,
                   31536000.0,
                   69859.66543167418,
                   0.929949600395115,
                   1.08,
                   163259668.8,
                   1e-4,
                   9.99e-5,
                   1e-5,
                   1.5e-4,
                   1e15,
                   9.999999999999998e15,
                   1e16,
                   1.2345e16,
                   1e21,
                   1e22,
                   1e100,
                   1e-100,
                   1e-300,
                   limits::max(),
                   limits::min(),
                   limits::denorm_min(),
                   -limits::max(),
                   limits::epsilon(),
                   limits::infinity(),
                   -limits::infinity(),
                   limits::quiet_NaN(),
                   -limits::quiet_NaN()})
    CHECK(shortest(x) == fmt::format("{}", x));
  int count = 0;
  // Every power of ten and its neighbours, where the notation changes.
  for (int e = -325; e <= 309; ++e) {
    const double p = std::pow(10.0, e);
    for (double x : {p, std::nextafter(p, 0.0), std::nextafter(p, limits::infinity()), 5 * p})
      mismatches(x, count), mismatches(-x, count);
  }
  std::mt19937_64 rng(19);
  for (int i = 0; i < 1'000'000; ++i) {
    mismatches(std::bit_cast<double>(rng()), count);                    // any bits
    mismatches(static_cast<double>(rng() % 100'000'000) / 1000, count); // times, powers
    mismatches(std::ldexp(static_cast<double>(rng() >> 11), -20), count);
  }
  CHECK(count == 0);
}

TEST_CASE("general double text: as fmt writes it with a precision") {
  auto general = [](double x, int precision) {
    char text[capsim::shortest_double_max_size];
    return std::string(text, capsim::write_general(text, x, precision));
  };
  CHECK(general(156260.38, 6) == "156260");
  CHECK(general(9.9996, 4) == "10");
  CHECK(general(9.99949, 4) == "9.999");
  CHECK(general(1234565, 6) == fmt::format("{:.6g}", 1234565.0)); // a halfway point: fmt's
  CHECK(general(2.5e21, 4) == "2.5e+21");
  CHECK(general(0.0, 4) == "0");
  CHECK(general(-0.0, 6) == "-0");
  CHECK(general(-std::numeric_limits<double>::infinity(), 4) == "-inf");
  CHECK(fmt::format(FMT_COMPILE("{} FLOP"), capsim::Rounded{9.146e21, 4}) == "9.146e+21 FLOP");
  int count = 0;
  auto check = [&](double x, int precision) {
    const std::string expected = fmt::format("{:.{}g}", x, precision);
    if (general(x, precision) != expected) {
      if (count == 0) CHECK(general(x, precision) == expected);
      ++count;
    }
  };
  std::mt19937_64 rng(6);
  for (int i = 0; i < 300'000; ++i)
    for (int precision : {1, 2, 4, 6, 9, 15}) {
      check(std::bit_cast<double>(rng()), precision);
      check(static_cast<double>(rng() % 100'000'000) / 1000, precision); // times
      check(static_cast<double>(rng() % 2'000'000) * 0.5, precision);    // halves: ties
      check(std::ldexp(static_cast<double>(rng() >> 11), static_cast<int>(rng() % 140) - 70),
            precision);
    }
  for (int e = -320; e <= 308; ++e) { // around powers of ten, where rounding carries
    const double p = std::pow(10.0, e);
    for (double x : {p, std::nextafter(p, 0.0), 0.99995 * p, 0.999995 * p, 9.5 * p, 0.5 * p})
      for (int precision : {1, 4, 6})
        check(x, precision), check(-x, precision);
  }
  CHECK(count == 0);
}
