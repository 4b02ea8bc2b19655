#include "models/collective.hpp"

#include <doctest/doctest.h>

using namespace capsim;

TEST_CASE("ring all-reduce: 2 (n - 1) (alpha + m / (n B))") {
  // 81 satellites (the cluster of Fischbacher et al. 2025), 10 GB of gradients, 1.6 Tb/s links
  // (200 GB/s), 1 us latency.
  const CollectiveParams p{
      .nodes = 81, .bytes = 10e9, .link_bandwidth_bytes_per_s = 200e9, .link_latency_s = 1e-6};
  REQUIRE(validate(p).empty());
  CHECK(ring_all_reduce_time_s(p) == doctest::Approx(2 * 80 * (1e-6 + 10e9 / (81 * 200e9))));
  // Bandwidth term tends to 2 m / B for large n: the bandwidth-optimal bound.
  const CollectiveParams large{.nodes = 100000, .bytes = 10e9, .link_bandwidth_bytes_per_s = 200e9};
  CHECK(ring_all_reduce_time_s(large) == doctest::Approx(2 * 10e9 / 200e9).epsilon(1e-4));
  // All-reduce = reduce-scatter + all-gather.
  CHECK(ring_all_reduce_time_s(p) ==
        doctest::Approx(ring_reduce_scatter_time_s(p) + ring_all_gather_time_s(p)));
  CHECK(ring_all_gather_time_s(p) == doctest::Approx(80 * (1e-6 + 10e9 / (81 * 200e9))));
}

TEST_CASE("collective special cases") {
  const CollectiveParams one{
      .nodes = 1, .bytes = 1e9, .link_bandwidth_bytes_per_s = 1e9, .link_latency_s = 1e-3};
  CHECK(ring_all_reduce_time_s(one) == 0.0);
  CHECK(ring_all_gather_time_s(one) == 0.0);
  CHECK(tree_all_reduce_time_s(one) == 0.0);
  // Two nodes: the ring sends half the vector each way, twice: 2 (alpha + m / 2B); the tree sends
  // the whole vector up and back down: 2 (alpha + m / B).
  const CollectiveParams two{
      .nodes = 2, .bytes = 1e9, .link_bandwidth_bytes_per_s = 1e9, .link_latency_s = 1e-3};
  CHECK(ring_all_reduce_time_s(two) == doctest::Approx(2 * (1e-3 + 0.5)));
  CHECK(tree_all_reduce_time_s(two) == doctest::Approx(2 * (1e-3 + 1.0)));
  // Zero bytes: latency only, 2 (n - 1) alpha for the ring, 2 ceil(log2 n) alpha for the tree.
  const CollectiveParams empty{
      .nodes = 9, .bytes = 0, .link_bandwidth_bytes_per_s = 1e9, .link_latency_s = 1e-3};
  CHECK(ring_all_reduce_time_s(empty) == doctest::Approx(16e-3));
  CHECK(tree_all_reduce_time_s(empty) == doctest::Approx(8e-3));
  CollectiveParams eight = empty;
  eight.nodes = 8;
  CHECK(tree_all_reduce_time_s(eight) == doctest::Approx(6e-3));
  // Small messages on many nodes favour the tree, large ones the ring.
  const CollectiveParams small{
      .nodes = 1024, .bytes = 1e3, .link_bandwidth_bytes_per_s = 1e9, .link_latency_s = 5e-6};
  CHECK(tree_all_reduce_time_s(small) < ring_all_reduce_time_s(small));
  const CollectiveParams big{
      .nodes = 1024, .bytes = 1e9, .link_bandwidth_bytes_per_s = 1e9, .link_latency_s = 5e-6};
  CHECK(ring_all_reduce_time_s(big) < tree_all_reduce_time_s(big));
}

TEST_CASE("collective validation") {
  CHECK(validate(CollectiveParams{.nodes = 0, .bytes = -1, .link_latency_s = -1}).size() == 4);
}
