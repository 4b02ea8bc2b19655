// Analytic times of collective operations (alpha-beta model), to check simulated collectives.
//
// Equations (n nodes on a ring or tree of identical links; alpha = link latency, B = link
// bandwidth, m = message bytes: the full vector held by each node for all-reduce and
// reduce-scatter input, the full gathered vector for all-gather output)
//   ring reduce-scatter   (n - 1) (alpha + m / (n B))
//   ring all-gather       (n - 1) (alpha + m / (n B))
//   ring all-reduce       2 (n - 1) (alpha + m / (n B))     (reduce-scatter then all-gather)
//   tree all-reduce       2 ceil(log2 n) (alpha + m / B)    (binary-tree reduce to the root, then
//                                                           broadcast; whole message per hop,
//                                                           not pipelined)
//   n = 1 gives 0. Computation of the reduction is not counted.
//
// Parameters (CollectiveParams)
//   nodes                       count, >= 1
//   bytes                       B, >= 0
//   link_bandwidth_bytes_per_s  B/s, > 0     per direction, per link
//   link_latency_s              s, >= 0      per message (default 0)
//
// Sources
//   P. Patarasuk and X. Yuan, "Bandwidth optimal all-reduce algorithms for clusters of
//   workstations", J. Parallel Distrib. Comput. 69(2), 2009. R. Thakur, R. Rabenseifner and
//   W. Gropp, "Optimization of collective communication operations in MPICH", Int. J. High
//   Perform. Comput. Appl. 19(1), 2005.
#pragma once

#include <string>
#include <vector>

namespace capsim {

struct CollectiveParams {
  int nodes = 1;
  double bytes = 0;
  double link_bandwidth_bytes_per_s = 0;
  double link_latency_s = 0;
};
std::vector<std::string> validate(const CollectiveParams& params);

double ring_all_reduce_time_s(const CollectiveParams& params);
double ring_reduce_scatter_time_s(const CollectiveParams& params);
double ring_all_gather_time_s(const CollectiveParams& params);
double tree_all_reduce_time_s(const CollectiveParams& params);

} // namespace capsim
