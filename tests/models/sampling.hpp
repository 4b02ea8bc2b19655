// What the serving tests' per-request simulations draw with, and how they read a quantile.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace capsim::test {

// splitmix64 (S. Vigna), portable: the same stream on every platform and standard library.
struct SplitMix64 {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double uniform() { return ((next() >> 11) + 0.5) * 0x1.0p-53; } // in (0, 1)
  double exponential(double mean) { return -mean * std::log(uniform()); }
};

// The q-quantile of a sample: its ceil(q n)-th smallest value.
inline double quantile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  std::size_t i = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size()))) - 1;
  return values[std::min(i, values.size() - 1)];
}

} // namespace capsim::test
