#include "models/collective.hpp"

#include <cassert>
#include <cmath>
#include <cstdio>

namespace capsim {

namespace {

std::string num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", x);
  return buf;
}

double ring_phase_time_s(const CollectiveParams& p) {
  assert(p.nodes >= 1 && p.link_bandwidth_bytes_per_s > 0);
  const double n = p.nodes;
  return (n - 1) * (p.link_latency_s + p.bytes / (n * p.link_bandwidth_bytes_per_s));
}

} // namespace

std::vector<std::string> validate(const CollectiveParams& p) {
  std::vector<std::string> problems;
  if (p.nodes < 1) problems.push_back("nodes must be >= 1, got " + std::to_string(p.nodes));
  if (!(p.bytes >= 0 && std::isfinite(p.bytes)))
    problems.push_back("message size must be >= 0 B, got " + num(p.bytes));
  if (!(p.link_bandwidth_bytes_per_s > 0 && std::isfinite(p.link_bandwidth_bytes_per_s)))
    problems.push_back("link bandwidth must be > 0 B/s, got " + num(p.link_bandwidth_bytes_per_s));
  if (!(p.link_latency_s >= 0 && std::isfinite(p.link_latency_s)))
    problems.push_back("link latency must be >= 0 s, got " + num(p.link_latency_s));
  return problems;
}

double ring_all_reduce_time_s(const CollectiveParams& p) {
  return 2 * ring_phase_time_s(p);
}

double ring_reduce_scatter_time_s(const CollectiveParams& p) {
  return ring_phase_time_s(p);
}

double ring_all_gather_time_s(const CollectiveParams& p) {
  return ring_phase_time_s(p);
}

double tree_all_reduce_time_s(const CollectiveParams& p) {
  assert(p.nodes >= 1 && p.link_bandwidth_bytes_per_s > 0);
  // ceil(log2 n) without floating-point log: the depth of a complete binary tree of n nodes.
  int depth = 0;
  while ((1LL << depth) < p.nodes)
    ++depth;
  return 2 * depth * (p.link_latency_s + p.bytes / p.link_bandwidth_bytes_per_s);
}

} // namespace capsim
