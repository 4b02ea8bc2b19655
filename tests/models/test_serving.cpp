// The serving model (models/serving.hpp) against hand computations, invariants, and a
// per-request discrete-event simulation of the queueing it approximates.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <queue>
#include <stdexcept>
#include <vector>

#include <doctest/doctest.h>

#include "sampling.hpp"

#include "models/serving.hpp"

using namespace capsim;
using capsim::test::quantile;
using capsim::test::SplitMix64;

namespace {

// H100 SXM datasheet figures (the catalogue's), written out so the hand computations below
// can be followed.
ServingHardware h100() {
  return ServingHardware{.name = "H100",
                         .generation = GpuGeneration::hopper,
                         .bf16_flops = 989e12,
                         .fp8_flops = 1979e12,
                         .fp4_flops = 0,
                         .hbm_bytes = 80e9,
                         .hbm_bytes_per_s = 3.35e12,
                         .nvlink_bytes_per_s = 900e9,
                         .nvlink_domain = 8,
                         .price_usd = 27500};
}

// Round numbers so that hand computation is easy; no overhead, no communication at TP 1.
ServingEfficiency round_efficiency() {
  return ServingEfficiency{.compute_fraction = 0.6,
                           .hbm_fraction = 0.8,
                           .nvlink_fraction = 0.65,
                           .collective_latency_s = 5e-6,
                           .round_overhead_s = 0};
}

ServingModel llama8b() {
  return *serving_model_preset("llama3-8b");
}

// Per-request simulation of what the latency model approximates: Poisson arrivals take one of
// `slots` batch slots in arrival order (holding each for holding_s, exponential with that mean
// when holding_exponential, else fixed), then queue for the single prefill server (fixed
// service prefill_s). Returns each request's wait before its prefill starts.
std::vector<double> simulate_waits(int slots, double holding_s, bool holding_exponential,
                                   double prefill_s, double rate, int requests,
                                   std::uint64_t seed) {
  SplitMix64 rng{seed};
  std::priority_queue<double, std::vector<double>, std::greater<>> slot_free;
  for (int i = 0; i < slots; ++i)
    slot_free.push(0);
  double t = 0, prefill_free = 0;
  std::vector<double> waits;
  waits.reserve(requests);
  for (int i = 0; i < requests; ++i) {
    t += rng.exponential(1 / rate);
    double slot_at = std::max(t, slot_free.top());
    slot_free.pop();
    slot_free.push(slot_at + (holding_exponential ? rng.exponential(holding_s) : holding_s));
    double prefill_at = std::max(slot_at, prefill_free);
    prefill_free = prefill_at + prefill_s;
    if (i >= requests / 10) waits.push_back(prefill_at - t); // drop the warm-up
  }
  return waits;
}

} // namespace

TEST_CASE("decode: one round reads weights plus KV cache at the effective HBM bandwidth") {
  // Llama 3 8B in FP8 on one H100, 16 requests at 1,000 tokens of context:
  //   weights 8.03e9 x 1 B; KV per token 2 x 32 layers x 8 heads x 128 x 1 B = 65,536 B;
  //   KV read 16 x 1000 x 65,536 = 1.048576e9 B
  //   time = (8.03e9 + 1.048576e9) / (0.8 x 3.35e12) = 3.3875 ms
  ServingLayout layout{.quantization = Quantization::fp8};
  DecodeRound r = decode_round(llama8b(), h100(), layout, round_efficiency(), 16, 1000);
  CHECK(r.weight_bytes_per_gpu == doctest::Approx(8.03e9));
  CHECK(r.kv_bytes_per_gpu == doctest::Approx(1.048576e9));
  CHECK(r.compute_time_s < r.memory_time_s); // memory-bound
  CHECK(r.time_s == doctest::Approx(3.387528e-3).epsilon(1e-6));
  // The same in BF16 reads twice the bytes (16-bit weights and KV cache).
  layout.quantization = Quantization::bf16;
  CHECK(decode_round(llama8b(), h100(), layout, round_efficiency(), 16, 1000).time_s ==
        doctest::Approx(2 * 3.387528e-3).epsilon(1e-6));
}

TEST_CASE("decode: at a large batch the round becomes compute-bound") {
  ServingLayout layout{.quantization = Quantization::fp8};
  DecodeRound r = decode_round(llama8b(), h100(), layout, round_efficiency(), 4096, 100);
  // FLOP = 2 x 8.03e9 x 4096 + 4 x 32 x 32 x 128 x 100 x 4096 per round
  double flop = 2 * 8.03e9 * 4096 + 4.0 * 32 * 32 * 128 * 100 * 4096;
  CHECK(r.compute_time_s == doctest::Approx(flop / (0.6 * 1979e12)));
  CHECK(r.time_s == doctest::Approx(r.compute_time_s));
}

TEST_CASE("prefill: FLOP over the effective peak") {
  // 2,048 prompt tokens: 2 x 8.03e9 x 2048 + 2 x 32 layers x 32 heads x 128 x 2048^2
  //   = 3.3990e13 FLOP; / (0.6 x 1979e12) = 28.626 ms (the weight read, 8.03e9 / 2.68e12 =
  //   3 ms, is shorter)
  ServingLayout layout{.quantization = Quantization::fp8};
  Prefill p = prefill(llama8b(), h100(), layout, round_efficiency(), 2048);
  CHECK(p.flop == doctest::Approx(3.3990391627776e13));
  CHECK(p.latency_s == doctest::Approx(0.02862589829).epsilon(1e-8));
  CHECK(p.busy_s == doctest::Approx(p.latency_s)); // one GPU: latency = busy time
}

TEST_CASE("KV cache: capacity left after weights caps the batch, longer context, fewer requests") {
  // Llama 3 8B FP8 on an 80 GB H100: workspace 8192 x 4096 x 2 B x 8 = 0.537 GB;
  // free = 80e9 - 8.03e9 - 0.537e9 = 71.433 GB; KV cache 0.9 x free = 64.290 GB;
  // one request of 2048 + 2048 tokens: 4096 x 65,536 B = 268.4 MB -> 239 requests;
  // of 4096 + 4096 tokens: 536.9 MB -> 119 requests.
  ServingLayout layout{.quantization = Quantization::fp8};
  ServingMemory short_ctx =
      serving_memory(llama8b(), h100(), layout, {.prompt_tokens = 2048, .output_tokens = 2048});
  ServingMemory long_ctx =
      serving_memory(llama8b(), h100(), layout, {.prompt_tokens = 4096, .output_tokens = 4096});
  CHECK(short_ctx.kv_capacity_bytes == doctest::Approx(64.2898e9).epsilon(1e-5));
  CHECK(short_ctx.max_batch == 239);
  CHECK(long_ctx.max_batch == 119);
  layout.batch_limit = 100;
  CHECK(serving_memory(llama8b(), h100(), layout, {.prompt_tokens = 2048, .output_tokens = 2048})
            .max_batch == 100);
  // TP 2 halves the weights and the KV heads per GPU: more than twice the requests.
  layout = ServingLayout{.tensor = 2, .quantization = Quantization::fp8};
  CHECK(serving_memory(llama8b(), h100(), layout, {.prompt_tokens = 2048, .output_tokens = 2048})
            .max_batch > 2 * 239);
}

TEST_CASE("a model that does not fit has no batch, FP4 only where the GPU has it") {
  ServingModel big = *serving_model_preset("llama3-405b");
  ServingLayout layout{.quantization = Quantization::fp8};
  CHECK_FALSE(serving_memory(big, h100(), layout, {.prompt_tokens = 1, .output_tokens = 1}).fits());
  layout.quantization = Quantization::fp4;
  auto problems = validate(big, h100(), layout);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0] == "H100 has no fp4 tensor cores");
  CHECK(bytes_per_weight(Quantization::fp4) == 0.5625);
  GpuSpec b200;
  b200.name = "B200";
  b200.bf16_dense_flops = 2250e12;
  b200.fp8_dense_flops = 4500e12;
  CHECK(serving_hardware(b200).fp4_flops == 9000e12);
  CHECK(serving_hardware(b200).generation == GpuGeneration::blackwell);
  GpuSpec l40s;
  l40s.name = "L40S";
  CHECK_THROWS_AS(serving_hardware(l40s), std::invalid_argument);
}

TEST_CASE("MoE: a decode round reads the experts its tokens touch") {
  // Mixtral 8x7B: e = (46.7 - 12.9) / (8 - 2) = 5.633e9 per expert, non-expert D = 1.633e9.
  ServingModel m = *serving_model_preset("mixtral-8x7b");
  ServingLayout layout{.quantization = Quantization::fp8};
  double e = (46.7e9 - 12.9e9) / 6, dense = 12.9e9 - 2 * e;
  DecodeRound one = decode_round(m, h100(), layout, round_efficiency(), 1, 100);
  CHECK(one.weight_bytes_per_gpu == doctest::Approx(dense + 2 * e)); // top-2 of one token
  DecodeRound many = decode_round(m, h100(), layout, round_efficiency(), 256, 100);
  CHECK(many.weight_bytes_per_gpu == doctest::Approx(46.7e9).epsilon(1e-6)); // all experts
  // Expert parallelism over 4 GPUs: a quarter of the experts each, the non-expert part whole.
  layout.expert = 4;
  DecodeRound ep = decode_round(m, h100(), layout, round_efficiency(), 256, 100);
  CHECK(ep.weight_bytes_per_gpu == doctest::Approx(dense + 8 * e / 4).epsilon(1e-6));
  CHECK(ep.comm_time_s > 0);
}

TEST_CASE("Erlang C against its closed form for two servers") {
  // M/M/2: C(2, a) = a^2 / (2 + a) / (1 + a + a^2 / (2 + a))... = a^2 / (2 + a) for rho = a/2,
  // since C(2, a) = 2 rho^2 / (1 + rho).
  for (double a : {0.5, 1.0, 1.6}) {
    double rho = a / 2;
    CHECK(erlang_c(2, a) == doctest::Approx(2 * rho * rho / (1 + rho)));
  }
  CHECK(erlang_c(1, 0.7) == doctest::Approx(0.7)); // M/M/1: P(wait) = rho
}

TEST_CASE("queueing approximation: p99 wait vs a per-request simulation at 50, 80, 95% load") {
  // Stated tolerance: within 15% of the simulated p99, or 2% of the holding time when both are
  // near zero. 400,000 requests per point, seed fixed, the first 10% dropped as warm-up.
  struct Case {
    int slots;
    double holding_s, prefill_s;
    bool exponential;
  };
  for (Case c : {Case{16, 10.0, 0.05, false}, Case{16, 10.0, 0.05, true},
                 Case{64, 20.0, 0.02, false}, Case{1, 1.0, 1.0, false}}) {
    for (double load : {0.5, 0.8, 0.95}) {
      // load = slot utilisation for the slot queues; the prefill server's for one slot of
      // zero-length holding (the last case: a pure M/D/1 prefill queue).
      double rate = c.slots > 1 ? load * c.slots / c.holding_s : load / c.prefill_s;
      double holding_s = c.slots > 1 ? c.holding_s : 0.0;
      std::vector<double> waits =
          simulate_waits(c.slots > 1 ? c.slots : 1 << 20, holding_s, c.exponential, c.prefill_s,
                         rate, 400000, 20260101);
      double simulated = quantile(waits, 0.99);
      WaitDistribution slot = c.slots > 1
                                  ? slot_wait(c.slots, c.holding_s, c.exponential ? 1.0 : 0.0, rate)
                                  : WaitDistribution{};
      WaitDistribution pre = prefill_wait(c.prefill_s, rate);
      double approx = wait_sum_quantile(slot, pre, 0.99);
      double scale = c.slots > 1 ? c.holding_s : c.prefill_s;
      INFO("slots " << c.slots << " exponential " << c.exponential << " load " << load
                    << ": simulated p99 " << simulated << " s, approximation " << approx << " s");
      CHECK(std::abs(approx - simulated) <= std::max(0.15 * simulated, 0.02 * scale));
    }
  }
}

TEST_CASE("latency grows with load, capacity is where utilisation reaches 1") {
  ServingModel m = *serving_model_preset("llama3-70b");
  ServingHardware hw = h100();
  ServingLayout layout{.tensor = 4, .quantization = Quantization::fp8};
  ServingEfficiency eff = default_serving_efficiency(GpuGeneration::hopper);
  ServingRequestShape shape{.prompt_tokens = 1000, .output_tokens = 500};
  ServingCapacity cap = serving_capacity(m, hw, layout, eff, shape);
  REQUIRE(cap.memory.fits());
  double last_ttft = 0, last_tpot = 0;
  for (double f : {0.05, 0.2, 0.4, 0.6, 0.8, 0.9, 0.95, 0.99}) {
    ServingLatency l = serving_latency(m, hw, layout, eff, shape, f * cap.max_request_rate_per_s,
                                       {.ttft_s = 2, .tpot_s = 0.1});
    REQUIRE(l.stable);
    CHECK(l.utilization == doctest::Approx(f));
    CHECK(l.ttft_p99_s >= last_ttft);
    CHECK(l.tpot_p99_s >= last_tpot);
    CHECK(l.ttft_p99_s >= l.ttft_p50_s);
    CHECK(l.mean_batch <= cap.memory.max_batch);
    // Little's law: B = lambda S(B) at the solved occupancy.
    last_ttft = l.ttft_p99_s;
    last_tpot = l.tpot_p99_s;
  }
  CHECK_FALSE(
      serving_latency(m, hw, layout, eff, shape, 1.01 * cap.max_request_rate_per_s, {}).stable);
}

TEST_CASE("search: more demand never lowers the GPUs needed, and the best meets the targets") {
  ServingModel m = *serving_model_preset("llama3-70b");
  ServingHardware hw = h100();
  ServingEfficiency eff = default_serving_efficiency(GpuGeneration::hopper);
  ServingRequestShape shape{.prompt_tokens = 2000, .output_tokens = 500};
  LatencyTargets targets{.ttft_s = 2, .tpot_s = 0.05};
  int last_gpus = 0;
  for (double demand : {0.1, 1.0, 3.0, 10.0, 30.0, 100.0, 300.0}) {
    auto choices = search_layouts(m, hw, eff, shape, demand, targets, LayoutSearch{});
    REQUIRE_FALSE(choices.empty());
    const LayoutChoice& best = choices.front();
    INFO("demand " << demand << " req/s: " << best.gpus << " GPUs");
    CHECK(best.gpus >= last_gpus);
    CHECK(best.latency.ttft_p99_s <= targets.ttft_s * (1 + 1e-9));
    CHECK(best.latency.tpot_p99_s <= targets.tpot_s * (1 + 1e-9));
    CHECK(best.replicas * best.rate_per_replica_per_s >= demand * (1 - 1e-9));
    last_gpus = best.gpus;
  }
}
