// Random draws that are the same with every standard library and on every platform.
//
// The C++ standard fixes the engines' output (std::mt19937_64 gives the same sequence
// everywhere) but not the distributions': std::uniform_real_distribution, std::poisson_
// distribution, std::shuffle and the others are free to use different algorithms, and
// libstdc++, libc++ and MSVC do. So capsim draws only through the transforms below, each an
// explicit function of the engine's 64-bit outputs:
//   uniform01        top 53 bits of one output: u in [0, 1)
//   uniform          a + (b - a) u
//   uniform_index    floor(n u), below n
//   exponential      inverse CDF: -log(1 - u) / rate
//   poisson          mean < 10: inversion (sequential search of the CDF, Knuth 1969);
//                    mean >= 10: transformed rejection with squeeze, PTRS (Hoermann 1993,
//                    "The transformed rejection method for generating Poisson random
//                    variables", Insurance: Mathematics and Economics 12)
//   binomial         n Bernoulli draws (capsim's n are unit counts: turbines, <= 100,000)
//   discrete         inverse CDF over the cumulative weights
// The log, exp and lgamma they call come from the C library; those are correctly rounded or
// within an ulp on common platforms, which is as portable as floating point gets.
#pragma once

#include <cassert>
#include <cmath>
#include <cstdint>
#include <vector>

namespace capsim {

// One step of SplitMix64 (Steele, Lea & Flood 2014) from state x: a 64-bit mix used to derive
// independent seeds (a sweep's runs, a cluster's streams, a run's id).
constexpr std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Any engine whose operator() returns 64 uniform bits (std::mt19937_64, SplitMix64).
template <class Engine>
double uniform01(Engine& engine) {
  return static_cast<double>(static_cast<std::uint64_t>(engine()) >> 11) * 0x1.0p-53;
}

template <class Engine>
double uniform(Engine& engine, double a, double b) {
  return a + (b - a) * uniform01(engine);
}

template <class Engine>
std::size_t uniform_index(Engine& engine, std::size_t n) {
  assert(n > 0);
  auto i = static_cast<std::size_t>(uniform01(engine) * static_cast<double>(n));
  return i < n ? i : n - 1;
}

template <class Engine>
double exponential(Engine& engine, double rate) {
  assert(rate > 0);
  return -std::log1p(-uniform01(engine)) / rate;
}

template <class Engine>
long long poisson(Engine& engine, double mean) {
  assert(mean >= 0);
  if (mean <= 0) return 0;
  if (mean < 10) {
    double u = uniform01(engine);
    double p = std::exp(-mean);
    double cumulative = p;
    long long k = 0;
    while (u > cumulative && k < 1000) {
      ++k;
      p *= mean / static_cast<double>(k);
      cumulative += p;
    }
    return k;
  }
  const double sqrt_mean = std::sqrt(mean);
  const double log_mean = std::log(mean);
  const double b = 0.931 + 2.53 * sqrt_mean;
  const double a = -0.059 + 0.02483 * b;
  const double inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
  const double v_r = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    double u = uniform01(engine) - 0.5;
    double v = uniform01(engine);
    double us = 0.5 - std::fabs(u);
    double k = std::floor((2 * a / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= v_r) return static_cast<long long>(k);
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (std::log(v) + std::log(inv_alpha) - std::log(a / (us * us) + b) <=
        -mean + k * log_mean - std::lgamma(k + 1))
      return static_cast<long long>(k);
  }
}

template <class Engine>
int binomial(Engine& engine, int n, double p) {
  assert(n >= 0 && p >= 0 && p <= 1);
  int successes = 0;
  for (int i = 0; i < n; ++i)
    if (uniform01(engine) < p) ++successes;
  return successes;
}

// An index drawn with probability weights[i] / sum(weights).
template <class Engine>
std::size_t discrete(Engine& engine, const std::vector<double>& weights) {
  double total = 0;
  for (double w : weights)
    total += w;
  assert(!weights.empty() && total > 0);
  double u = uniform01(engine) * total;
  for (std::size_t i = 0; i + 1 < weights.size(); ++i) {
    if (u < weights[i]) return i;
    u -= weights[i];
  }
  return weights.size() - 1;
}

} // namespace capsim
