// The serving fleet's queueing approximation (models/serving_queue.hpp) against a per-request
// discrete-event simulation of the same fleet, and the invariants the engine relies on.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <queue>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "sampling.hpp"

#include "models/serving_queue.hpp"

using namespace capsim;
using capsim::test::quantile;
using capsim::test::SplitMix64;

namespace {

// The fleet the approximation describes, one request at a time: Poisson arrivals at `rate`
// take, in arrival order, the slot that frees first among replicas x slots (a central queue);
// a slot is held for holding_s (exponential with that mean, or fixed); the request then queues
// for its replica's prefill server (FIFO, fixed prefill_s). Returns each request's wait before
// its prefill starts (slot wait + prefill wait), the first 10% dropped as warm-up.
std::vector<double> simulate_fleet(int replicas, int slots, double holding_s, bool exponential,
                                   double prefill_s, double rate, int requests,
                                   std::uint64_t seed) {
  SplitMix64 rng{seed};
  using Slot = std::pair<double, int>; // (free at, replica)
  std::priority_queue<Slot, std::vector<Slot>, std::greater<>> free_at;
  for (int r = 0; r < replicas; ++r)
    for (int s = 0; s < slots; ++s)
      free_at.push({0.0, r});
  std::vector<double> prefill_free(static_cast<std::size_t>(replicas), 0.0);
  std::vector<double> waits;
  waits.reserve(static_cast<std::size_t>(requests));
  double t = 0;
  for (int i = 0; i < requests; ++i) {
    t += rng.exponential(1 / rate);
    auto [slot_free, replica] = free_at.top();
    free_at.pop();
    double slot_at = std::max(t, slot_free);
    free_at.push({slot_at + (exponential ? rng.exponential(holding_s) : holding_s), replica});
    double& p = prefill_free[static_cast<std::size_t>(replica)];
    double prefill_at = std::max(slot_at, p);
    p = prefill_at + prefill_s;
    if (i >= requests / 10) waits.push_back(prefill_at - t);
  }
  return waits;
}

ReplicaProfile synthetic(int slots, double holding_s, double cv, double prefill_s) {
  ReplicaProfile r;
  r.gpus = 8;
  r.slots = slots;
  r.holding_s = holding_s;
  r.holding_cv = cv;
  r.prefill_busy_s = prefill_s;
  r.prefill_latency_s = prefill_s;
  r.output_tokens = 100;
  r.round_s.assign(static_cast<std::size_t>(slots), 0.0);
  for (int b = 1; b <= slots; ++b) // weights read once per round, KV per request
    r.round_s[static_cast<std::size_t>(b - 1)] = 0.02 + 0.0005 * b;
  return r;
}

ReplicaProfile llama70b_h100() {
  ServingModel m = *serving_model_preset("llama3-70b");
  GpuSpec gpu{};
  gpu.name = "H100";
  gpu.bf16_dense_flops = 989e12;
  gpu.fp8_dense_flops = 1979e12;
  gpu.hbm_bytes = 80e9;
  gpu.hbm_bytes_per_s = 3.35e12;
  gpu.nvlink_bytes_per_s = 900e9;
  gpu.nvlink_domain = 8;
  ServingHardware hw = serving_hardware(gpu);
  ServingLayout layout{.tensor = 4, .quantization = Quantization::fp8};
  return replica_profile(m, hw, layout, default_serving_efficiency(hw.generation),
                         {.prompt_tokens = 1000, .output_tokens = 400, .output_tokens_cv = 0.5});
}

} // namespace

TEST_CASE("fleet queue: p99 wait vs a per-request simulation at 50, 80 and 95% load") {
  // Stated tolerance: within 20% of the simulated p99 wait, or 2% of the holding time when both
  // are near zero. 300,000 requests per point, seed fixed, the first 10% dropped as warm-up.
  struct Case {
    int replicas, slots;
    double holding_s, prefill_s;
    bool exponential;
  };
  for (Case c : {Case{4, 4, 8.0, 0.05, true}, Case{4, 4, 8.0, 0.05, false},
                 Case{8, 16, 20.0, 0.02, false}, Case{2, 8, 5.0, 0.3, true}}) {
    ReplicaProfile r = synthetic(c.slots, c.holding_s, c.exponential ? 1.0 : 0.0, c.prefill_s);
    for (double load : {0.5, 0.8, 0.95}) {
      double rate = load * r.capacity_per_s() * c.replicas;
      std::vector<double> waits = simulate_fleet(c.replicas, c.slots, c.holding_s, c.exponential,
                                                 c.prefill_s, rate, 300000, 20261129);
      double simulated = quantile(waits, 0.99);
      FleetService f = fleet_service(r, c.replicas, rate, 1.0, {});
      REQUIRE(f.stable);
      INFO(c.replicas << " x " << c.slots << " slots, exponential " << c.exponential << ", load "
                      << load << ": simulated p99 wait " << simulated << " s, approximation "
                      << f.wait_p99_s << " s");
      CHECK(std::abs(f.wait_p99_s - simulated) <= std::max(0.20 * simulated, 0.02 * c.holding_s));
    }
  }
}

TEST_CASE("fleet queue: beyond capacity the excess is unmet, below it everything is served") {
  ReplicaProfile r = synthetic(16, 10.0, 0.5, 0.01);
  const double capacity = 3 * r.capacity_per_s();
  CHECK(capacity == doctest::Approx(3 * 16 / 10.0));
  FleetService over = fleet_service(r, 3, 1.5 * capacity, 1.0, {});
  CHECK_FALSE(over.stable);
  CHECK(over.served_per_s == doctest::Approx(capacity));
  CHECK(over.unmet_per_s == doctest::Approx(0.5 * capacity));
  CHECK(over.slo_attainment == 0);
  FleetService under = fleet_service(r, 3, 0.7 * capacity, 1.0, {});
  CHECK(under.stable);
  CHECK(under.served_per_s == doctest::Approx(0.7 * capacity));
  CHECK(under.unmet_per_s == 0);
  // A power cap that slows the GPUs to 80% lowers the capacity in proportion and stretches
  // every decode round by 1 / 0.8.
  FleetService capped = fleet_service(r, 3, 0.9 * capacity, 0.8, {});
  CHECK(capped.served_per_s == doctest::Approx(0.8 * capacity));
  FleetService light = fleet_service(r, 3, 1e-3, 1.0, {});
  FleetService light_capped = fleet_service(r, 3, 1e-3, 0.8, {});
  CHECK(light_capped.tpot_p99_s == doctest::Approx(light.tpot_p99_s / 0.8).epsilon(1e-3));
}

TEST_CASE("fleet queue: fewer replicas, the same demand: latency and waits never improve") {
  ReplicaProfile r = llama70b_h100();
  REQUIRE(r.slots > 0);
  const double demand = 10 * r.capacity_per_s() * 0.8; // 8 replicas' worth at full load
  double last_p99 = 0, last_attainment = 1;
  for (int n = 40; n >= 9; --n) {
    FleetService f = fleet_service(r, n, demand, 1.0, {.ttft_p99_s = 2, .tpot_p99_s = 0.1});
    REQUIRE(f.stable);
    CHECK(f.ttft_p99_s >= last_p99);
    CHECK(f.slo_attainment <= last_attainment + 1e-12);
    last_p99 = f.ttft_p99_s;
    last_attainment = f.slo_attainment;
  }
}

TEST_CASE("fleet queue: more demand never lowers the replicas needed, the answer is the fewest") {
  ReplicaProfile r = llama70b_h100();
  REQUIRE(r.slots > 0);
  FleetTargets targets{.ttft_p50_s = 0.5, .ttft_p99_s = 2, .tpot_p50_s = 0, .tpot_p99_s = 0.08};
  int last = 0;
  for (double demand = 0.5; demand <= 400; demand *= 1.15) {
    int n = replicas_needed(r, demand, 1.0, targets, 100000);
    INFO("demand " << demand << " req/s: " << n << " replicas");
    CHECK(n >= last);
    REQUIRE(n <= 100000);
    CHECK(fleet_service(r, n, demand, 1.0, targets).meets(targets));
    if (n > 1) CHECK_FALSE(fleet_service(r, n - 1, demand, 1.0, targets).meets(targets));
    last = n;
  }
  CHECK(replicas_needed(r, 0, 1.0, targets, 10) == 0);
  // A capped fleet (slower GPUs) never needs fewer replicas.
  CHECK(replicas_needed(r, 50, 0.7, targets, 100000) >=
        replicas_needed(r, 50, 1.0, targets, 100000));
}

TEST_CASE("fleet queue: the users' round trip adds to TTFT, not to TPOT, and tightens the SLO") {
  ReplicaProfile r = llama70b_h100();
  const FleetTargets t{.ttft_p50_s = 0, .ttft_p99_s = 1.5, .tpot_p50_s = 0, .tpot_p99_s = 0.08};
  const double rtt = 0.0937; // e.g. a ground station's users, slant range and back
  for (double demand : {0.0, 5.0, 40.0}) {
    INFO("demand " << demand);
    const FleetService a = fleet_service(r, 8, demand, 1.0, t);
    const FleetService b = fleet_service(r, 8, demand, 1.0, t, rtt);
    CHECK(b.ttft_p50_s == doctest::Approx(a.ttft_p50_s + rtt).epsilon(1e-12));
    CHECK(b.ttft_p99_s == doctest::Approx(a.ttft_p99_s + rtt).epsilon(1e-12));
    CHECK(b.tpot_p99_s == a.tpot_p99_s);
    CHECK(b.served_per_s == a.served_per_s);
    // Meeting a target T with the round trip is meeting T - rtt without it.
    FleetTargets shorter = t;
    shorter.ttft_p99_s = t.ttft_p99_s - rtt;
    CHECK(b.slo_attainment ==
          doctest::Approx(fleet_service(r, 8, demand, 1.0, shorter).slo_attainment).epsilon(1e-12));
  }
  // A round trip longer than the target: no fleet meets it.
  CHECK(replicas_needed(r, 5, 1.0, t, 1000, 2.0) == 1001);
  CHECK(replicas_needed(r, 5, 1.0, t, 1000, rtt) >= replicas_needed(r, 5, 1.0, t, 1000));
}

TEST_CASE("length distributions: a lognormal from its mean and p99, the holding time's moments") {
  // By hand: mean 300, p99 1,500 tokens; z = 2.32635, z^2 = 5.41189, 2 ln 5 = 3.21888:
  // sigma = z - sqrt(z^2 - 2 ln 5) = 2.32635 - 1.48088 = 0.84546; CV = sqrt(e^0.71481 - 1)
  // = 1.0217.
  const auto law = lognormal_from_mean_p99(300, 1500);
  REQUIRE(law);
  CHECK(law->sigma == doctest::Approx(0.84546).epsilon(1e-5));
  CHECK(law->cv == doctest::Approx(1.0217).epsilon(1e-4));
  // Its mean and p99 are the ones given.
  CHECK(std::exp(law->mu + law->sigma * law->sigma / 2) == doctest::Approx(300).epsilon(1e-12));
  CHECK(std::exp(law->mu + 2.3263478740408408 * law->sigma) ==
        doctest::Approx(1500).epsilon(1e-12));
  // None below the mean, or too far above it (p99 <= m exp(z^2 / 2) ~ 14.94 m).
  CHECK_FALSE(lognormal_from_mean_p99(300, 300));
  CHECK_FALSE(lognormal_from_mean_p99(300, 200));
  CHECK_FALSE(lognormal_from_mean_p99(300, 300 * 15.0));
  CHECK(lognormal_from_mean_p99(300, 300 * 14.9));

  // The slot holding time's CV combines the prompt's (prefill part) and the output's (decode
  // part): sqrt((cv_o (S - P))^2 + (cv_p P)^2) / S.
  ReplicaProfile fixed = llama70b_h100(); // output CV 0.5, prompt fixed
  const double S = fixed.holding_s, P = fixed.prefill_latency_s;
  CHECK(fixed.holding_cv == doctest::Approx(0.5 * (S - P) / S).epsilon(1e-12));
  ServingRequestShape shape{.prompt_tokens = 1000,
                            .output_tokens = 400,
                            .output_tokens_cv = law->cv,
                            .prompt_tokens_cv = 0.8};
  CHECK(holding_time_cv(shape, S, P) ==
        doctest::Approx(std::sqrt(std::pow(law->cv * (S - P), 2) + std::pow(0.8 * P, 2)) / S)
            .epsilon(1e-12));
  // More variation, same means: the M/G/c queue waits longer at the same load.
  ReplicaProfile wide = fixed;
  wide.holding_cv = holding_time_cv(shape, S, P);
  REQUIRE(wide.holding_cv > fixed.holding_cv);
  const FleetTargets none{};
  const double demand = 0.9 * 4 * fixed.capacity_per_s();
  CHECK(fleet_service(wide, 4, demand, 1.0, none).wait_p99_s >
        fleet_service(fixed, 4, demand, 1.0, none).wait_p99_s);
}

TEST_CASE("replica profile: the model's saturated replica, its decode rounds by batch") {
  ReplicaProfile r = llama70b_h100();
  // Capacity equals models/serving's lambda_max when slots bind (S(B) = B / lambda_max).
  CHECK(r.slots / r.holding_s == doctest::Approx(r.capacity_per_s()).epsilon(1e-9));
  for (std::size_t b = 1; b < r.round_s.size(); ++b)
    CHECK(r.round_s[b] >= r.round_s[b - 1]);
  CHECK(r.round_at(1.5) == doctest::Approx((r.round_s[0] + r.round_s[1]) / 2));
}
