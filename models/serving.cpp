#include "models/serving.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include <boost/math/distributions/poisson.hpp>

namespace capsim {

namespace {

constexpr double activation_bytes = 2;        // 16-bit activations between kernels
constexpr double workspace_factor = 8;        // see the header: Q/K/V, output, gated MLP at ~3.5 h
constexpr double nvfp4_bits_per_weight = 4.5; // 4-bit values + one FP8 scale per 16

struct Split {
  double dense = 0;      // D: non-expert parameters
  double per_expert = 0; // e
};

Split split(const ServingModel& m) {
  if (m.experts <= 1) return {.dense = m.params, .per_expert = 0};
  double e = (m.params - m.active_params) / (m.experts - m.experts_per_token);
  return {.dense = m.active_params - m.experts_per_token * e, .per_expert = e};
}

double peak_flops(const ServingHardware& hw, Quantization q) {
  switch (q) {
  case Quantization::bf16:
    return hw.bf16_flops;
  case Quantization::fp8:
    return hw.fp8_flops;
  case Quantization::fp4:
    return hw.fp4_flops;
  }
  return 0;
}

// Attention's matrix products run in FP8 with an FP8 KV cache (FP4 covers the weight GEMMs only).
double attention_peak_flops(const ServingHardware& hw, Quantization q) {
  return q == Quantization::bf16 ? hw.bf16_flops : hw.fp8_flops;
}

double one_direction_bytes_per_s(const ServingHardware& hw, const ServingEfficiency& eff) {
  return eff.nvlink_fraction * hw.nvlink_bytes_per_s / 2;
}

double allreduce_s(int ranks, double bytes, const ServingHardware& hw,
                   const ServingEfficiency& eff) {
  if (ranks <= 1) return 0;
  return 2.0 * (ranks - 1) / ranks * bytes / one_direction_bytes_per_s(hw, eff) +
         2.0 * (ranks - 1) * eff.collective_latency_s;
}

double all_to_all_s(int ranks, double bytes_out, const ServingHardware& hw,
                    const ServingEfficiency& eff) {
  if (ranks <= 1) return 0;
  return bytes_out * (ranks - 1) / ranks / one_direction_bytes_per_s(hw, eff) +
         eff.collective_latency_s;
}

// Communication of one stage (L / PP layers) for `tokens` tokens of the replica.
double stage_comm_s(const ServingModel& m, const ServingHardware& hw, const ServingLayout& lay,
                    const ServingEfficiency& eff, double tokens) {
  double layers = double(m.layers) / lay.pipeline;
  double rank_tokens = tokens / lay.expert;
  double t =
      layers * 2 * allreduce_s(lay.tensor, rank_tokens * m.hidden * activation_bytes, hw, eff);
  if (m.experts > 1 && lay.expert > 1)
    t += layers * 2 *
         all_to_all_s(lay.expert, rank_tokens * m.experts_per_token * m.hidden * activation_bytes,
                      hw, eff);
  if (lay.pipeline > 1)
    t += rank_tokens * m.hidden * activation_bytes / one_direction_bytes_per_s(hw, eff) +
         eff.collective_latency_s;
  return t;
}

double kv_heads_per_gpu(const ServingModel& m, int tensor) {
  return std::ceil(double(m.kv_heads) / tensor);
}

} // namespace

const char* to_string(Quantization q) {
  switch (q) {
  case Quantization::bf16:
    return "bf16";
  case Quantization::fp8:
    return "fp8";
  case Quantization::fp4:
    return "fp4";
  }
  return "?";
}

std::optional<Quantization> parse_quantization(const std::string& name) {
  if (name == "bf16") return Quantization::bf16;
  if (name == "fp8") return Quantization::fp8;
  if (name == "fp4") return Quantization::fp4;
  return std::nullopt;
}

const char* to_string(GpuGeneration g) {
  switch (g) {
  case GpuGeneration::ampere:
    return "ampere";
  case GpuGeneration::hopper:
    return "hopper";
  case GpuGeneration::blackwell:
    return "blackwell";
  case GpuGeneration::blackwell_ultra:
    return "blackwell-ultra";
  }
  return "?";
}

std::optional<ServingModel> serving_model_preset(const std::string& name) {
  // Hugging Face config.json of each model; parameter counts from the model cards.
  if (name == "llama3-8b")
    return ServingModel{.name = name,
                        .params = 8.03e9,
                        .active_params = 8.03e9,
                        .layers = 32,
                        .hidden = 4096,
                        .heads = 32,
                        .kv_heads = 8,
                        .head_dim = 128};
  if (name == "llama3-70b")
    return ServingModel{.name = name,
                        .params = 70.6e9,
                        .active_params = 70.6e9,
                        .layers = 80,
                        .hidden = 8192,
                        .heads = 64,
                        .kv_heads = 8,
                        .head_dim = 128};
  if (name == "llama3-405b")
    return ServingModel{.name = name,
                        .params = 405.9e9,
                        .active_params = 405.9e9,
                        .layers = 126,
                        .hidden = 16384,
                        .heads = 128,
                        .kv_heads = 8,
                        .head_dim = 128};
  if (name == "mixtral-8x7b")
    return ServingModel{.name = name,
                        .params = 46.7e9,
                        .active_params = 12.9e9,
                        .layers = 32,
                        .hidden = 4096,
                        .heads = 32,
                        .kv_heads = 8,
                        .head_dim = 128,
                        .experts = 8,
                        .experts_per_token = 2};
  if (name == "qwen3-30b-a3b")
    return ServingModel{.name = name,
                        .params = 30.5e9,
                        .active_params = 3.3e9,
                        .layers = 48,
                        .hidden = 2048,
                        .heads = 32,
                        .kv_heads = 4,
                        .head_dim = 128,
                        .experts = 128,
                        .experts_per_token = 8};
  if (name == "qwen3-235b-a22b")
    return ServingModel{.name = name,
                        .params = 235e9,
                        .active_params = 22e9,
                        .layers = 94,
                        .hidden = 4096,
                        .heads = 64,
                        .kv_heads = 4,
                        .head_dim = 128,
                        .experts = 128,
                        .experts_per_token = 8};
  return std::nullopt;
}

std::vector<std::string> serving_model_preset_names() {
  return {"llama3-8b",    "llama3-70b",    "llama3-405b",
          "mixtral-8x7b", "qwen3-30b-a3b", "qwen3-235b-a22b"};
}

ServingHardware serving_hardware(const GpuSpec& gpu) {
  GpuGeneration generation;
  double fp4_over_fp8 = 0;
  if (gpu.name == "A100") {
    generation = GpuGeneration::ampere;
  } else if (gpu.name == "H100" || gpu.name == "H200") {
    generation = GpuGeneration::hopper;
  } else if (gpu.name == "B200" || gpu.name == "GB200") {
    generation = GpuGeneration::blackwell;
    fp4_over_fp8 = 2; // DGX B200 datasheet: 144 PF FP4 vs 72 PF FP8
  } else if (gpu.name == "B300" || gpu.name == "GB300") {
    generation = GpuGeneration::blackwell_ultra;
    fp4_over_fp8 = 3; // GB300 NVL72: 1,080 PF dense FP4 vs 360 PF dense FP8
  } else {
    throw std::invalid_argument("no serving generation for GPU '" + gpu.name +
                                "'; serving knows A100, H100, H200, B200, GB200, B300, GB300");
  }
  return ServingHardware{.name = gpu.name,
                         .generation = generation,
                         .bf16_flops = gpu.bf16_dense_flops,
                         .fp8_flops = gpu.fp8_dense_flops,
                         .fp4_flops = fp4_over_fp8 * gpu.fp8_dense_flops,
                         .hbm_bytes = gpu.hbm_bytes,
                         .hbm_bytes_per_s = gpu.hbm_bytes_per_s,
                         .nvlink_bytes_per_s = gpu.nvlink_bytes_per_s,
                         .nvlink_domain = gpu.nvlink_domain,
                         .price_usd = gpu.price_usd};
}

ServingEfficiency default_serving_efficiency(GpuGeneration generation) {
  // Fitted on the fit rows of tests/reference/serving/trtllm-perf-overview.csv by the grid
  // search that tests/sim/test_serve.cpp repeats ("serving calibration"), refitted when the
  // catalogue's HBM became the driver-reported capacity (more room for the KV cache); the NVLink
  // fraction and collective latency are the step model's (default_step_efficiency), not fitted
  // here.
  ServingEfficiency eff{.nvlink_fraction = 0.65, .collective_latency_s = 5e-6};
  switch (generation) {
  case GpuGeneration::ampere:
    eff.compute_fraction = 0.775;
    eff.hbm_fraction = 0.725;
    eff.round_overhead_s = 12e-3;
    eff.request_overhead_s = 40e-6;
    break;
  case GpuGeneration::hopper:
    eff.compute_fraction = 0.625;
    eff.hbm_fraction = 0.975;
    eff.round_overhead_s = 12e-3;
    eff.request_overhead_s = 10e-6;
    break;
  case GpuGeneration::blackwell:
  case GpuGeneration::blackwell_ultra: // uncalibrated: Blackwell's
    eff.compute_fraction = 0.300;
    eff.hbm_fraction = 0.650;
    eff.round_overhead_s = 0;
    eff.request_overhead_s = 20e-6;
    break;
  }
  return eff;
}

double bytes_per_weight(Quantization q) {
  switch (q) {
  case Quantization::bf16:
    return 2;
  case Quantization::fp8:
    return 1;
  case Quantization::fp4:
    return nvfp4_bits_per_weight / 8;
  }
  return 0;
}

double bytes_per_kv_value(Quantization q) {
  // FP8 and FP4 checkpoints serve with an FP8 KV cache (TensorRT-LLM's quantised defaults).
  return q == Quantization::bf16 ? 2 : 1;
}

std::vector<std::string> validate(const ServingModel& m) {
  std::vector<std::string> p;
  if (!(m.params > 0)) p.push_back("params must be > 0");
  if (!(m.active_params > 0) || m.active_params > m.params)
    p.push_back("active params must be > 0 and at most params");
  if (m.layers < 1) p.push_back("layers must be >= 1");
  if (m.hidden < 1) p.push_back("hidden must be >= 1");
  if (m.heads < 1) p.push_back("heads must be >= 1");
  if (m.kv_heads < 1 || (m.heads >= 1 && m.heads % m.kv_heads != 0))
    p.push_back("kv-heads must be >= 1 and divide heads");
  if (m.head_dim < 1) p.push_back("head-dim must be >= 1");
  if (m.experts < 1) p.push_back("experts must be >= 1");
  if (m.experts > 1) {
    if (m.experts_per_token < 1 || m.experts_per_token >= m.experts)
      p.push_back("top-k must be >= 1 and below experts");
    else if (split(m).dense <= 0)
      p.push_back("active params leave no non-expert parameters (active - top-k x expert <= 0)");
  } else if (m.active_params != m.params) {
    p.push_back("a dense model (experts = 1) has active params = params");
  }
  return p;
}

std::vector<std::string> validate(const ServingModel& m, const ServingHardware& hw,
                                  const ServingLayout& lay) {
  std::vector<std::string> p;
  if (lay.tensor < 1 || lay.pipeline < 1 || lay.expert < 1)
    p.push_back("tp, pp and ep must be >= 1");
  if (lay.pipeline > m.layers) p.push_back("pp exceeds the layers");
  if (lay.tensor > m.heads || (lay.tensor >= 1 && m.heads % lay.tensor != 0))
    p.push_back("tp must divide the attention heads (" + std::to_string(m.heads) + ")");
  if (lay.expert > 1 && m.experts <= 1) p.push_back("ep > 1 needs a mixture-of-experts model");
  if (lay.expert > 1 && m.experts > 1 && m.experts % lay.expert != 0)
    p.push_back("ep must divide the experts (" + std::to_string(m.experts) + ")");
  if (lay.tensor * lay.expert > hw.nvlink_domain)
    p.push_back("tp x ep = " + std::to_string(lay.tensor * lay.expert) +
                " exceeds the NVLink domain of " + hw.name + " (" +
                std::to_string(hw.nvlink_domain) + ")");
  if (lay.batch_limit < 1) p.push_back("batch limit must be >= 1");
  if (lay.max_num_tokens < 1) p.push_back("max-num-tokens must be >= 1");
  if (!(lay.kv_free_fraction > 0 && lay.kv_free_fraction <= 1))
    p.push_back("kv free fraction must be in (0, 1]");
  if (peak_flops(hw, lay.quantization) <= 0)
    p.push_back(std::string(hw.name) + " has no " + to_string(lay.quantization) + " tensor cores");
  return p;
}

std::vector<std::string> validate(const ServingRequestShape& s) {
  std::vector<std::string> p;
  if (!(s.prompt_tokens >= 1)) p.push_back("prompt tokens must be >= 1");
  if (!(s.output_tokens >= 1)) p.push_back("output tokens must be >= 1");
  if (!(s.output_tokens_cv >= 0) || !std::isfinite(s.output_tokens_cv))
    p.push_back("output length coefficient of variation must be >= 0");
  if (!(s.prompt_tokens_cv >= 0) || !std::isfinite(s.prompt_tokens_cv))
    p.push_back("prompt length coefficient of variation must be >= 0");
  return p;
}

std::optional<LognormalLength> lognormal_from_mean_p99(double mean, double p99) {
  constexpr double z = 2.3263478740408408; // Phi^-1(0.99)
  if (!(mean > 0) || !(p99 > mean) || !std::isfinite(p99)) return std::nullopt;
  const double disc = z * z - 2 * std::log(p99 / mean);
  if (disc < 0) return std::nullopt;
  LognormalLength out;
  out.sigma = z - std::sqrt(disc);
  out.mu = std::log(mean) - out.sigma * out.sigma / 2;
  out.cv = std::sqrt(std::expm1(out.sigma * out.sigma));
  return out;
}

double holding_time_cv(const ServingRequestShape& shape, double holding_s, double prefill_s) {
  if (!(holding_s > 0)) return 0;
  const double decode_s = holding_s - prefill_s;
  if (shape.prompt_tokens_cv == 0) return shape.output_tokens_cv * decode_s / holding_s;
  return std::hypot(shape.output_tokens_cv * decode_s, shape.prompt_tokens_cv * prefill_s) /
         holding_s;
}

ServingMemory serving_memory(const ServingModel& m, const ServingHardware& hw,
                             const ServingLayout& lay, const ServingRequestShape& shape) {
  Split sp = split(m);
  double bw = bytes_per_weight(lay.quantization);
  ServingMemory mem;
  mem.weight_bytes = sp.dense * bw / (lay.tensor * lay.pipeline) +
                     (m.params - sp.dense) * bw / (double(lay.tensor) * lay.pipeline * lay.expert);
  mem.workspace_bytes =
      double(lay.max_num_tokens) * m.hidden * activation_bytes * workspace_factor / lay.tensor;
  mem.usable_bytes = hw.hbm_bytes;
  double free_bytes = hw.hbm_bytes - mem.weight_bytes - mem.workspace_bytes;
  mem.kv_capacity_bytes = std::max(0.0, lay.kv_free_fraction * free_bytes);
  mem.kv_bytes_per_token = 2.0 * m.layers / lay.pipeline * kv_heads_per_gpu(m, lay.tensor) *
                           m.head_dim * bytes_per_kv_value(lay.quantization);
  double context = shape.prompt_tokens + shape.output_tokens;
  double per_rank = std::floor(mem.kv_capacity_bytes / (mem.kv_bytes_per_token * context));
  double by_kv = per_rank * lay.expert;
  mem.max_batch = int(std::min<double>(lay.batch_limit, by_kv));
  return mem;
}

DecodeRound decode_round(const ServingModel& m, const ServingHardware& hw, const ServingLayout& lay,
                         const ServingEfficiency& eff, double batch, double context_tokens) {
  Split sp = split(m);
  double bw = bytes_per_weight(lay.quantization);
  double tp = lay.tensor, pp = lay.pipeline, ep = lay.expert;
  double b = batch / pp; // tokens of one microbatch, whole replica
  DecodeRound r;
  r.weight_bytes_per_gpu = sp.dense * bw / (tp * pp);
  if (m.experts > 1) {
    double k_over_e = double(m.experts_per_token) / m.experts;
    double touched = m.experts * (1 - std::pow(1 - k_over_e, b));
    r.weight_bytes_per_gpu += touched * sp.per_expert * bw / (ep * pp * tp);
  }
  double kv_token_gpu = 2.0 * m.layers / pp * kv_heads_per_gpu(m, lay.tensor) * m.head_dim *
                        bytes_per_kv_value(lay.quantization);
  r.kv_bytes_per_gpu = b / ep * context_tokens * kv_token_gpu;
  r.memory_time_s =
      (r.weight_bytes_per_gpu + r.kv_bytes_per_gpu) / (eff.hbm_fraction * hw.hbm_bytes_per_s);
  double gemm_flop = (2 * sp.dense * (b / ep) / tp + 2.0 * m.experts_per_token * sp.per_expert *
                                                         (m.experts > 1 ? 1 : 0) * b / (tp * ep)) /
                     pp;
  double attention_flop =
      4.0 * m.layers / pp * m.heads * m.head_dim * context_tokens * (b / ep) / tp;
  r.compute_time_s = (gemm_flop / peak_flops(hw, lay.quantization) +
                      attention_flop / attention_peak_flops(hw, lay.quantization)) /
                     eff.compute_fraction;
  r.comm_time_s = stage_comm_s(m, hw, lay, eff, b);
  r.time_s = pp * (std::max(r.memory_time_s, r.compute_time_s) + r.comm_time_s) +
             eff.round_overhead_s + batch * eff.request_overhead_s;
  return r;
}

Prefill prefill(const ServingModel& m, const ServingHardware& hw, const ServingLayout& lay,
                const ServingEfficiency& eff, double s) {
  Split sp = split(m);
  double peak = eff.compute_fraction * peak_flops(hw, lay.quantization);
  double flop_attention = 2.0 * m.layers * m.heads * m.head_dim * s * s;
  // Attention counted at the GEMM peak: the FLOP it would take there.
  double flop_attention_equivalent = flop_attention * peak_flops(hw, lay.quantization) /
                                     attention_peak_flops(hw, lay.quantization);
  double flop_dense = 2 * sp.dense * s + flop_attention_equivalent;
  double flop_expert = m.experts > 1 ? 2.0 * m.experts_per_token * sp.per_expert * s : 0.0;
  double comm = lay.pipeline * stage_comm_s(m, hw, lay, eff, s * lay.expert);
  double weights_gpu = sp.dense * bytes_per_weight(lay.quantization) / (lay.tensor * lay.pipeline) +
                       (m.params - sp.dense) * bytes_per_weight(lay.quantization) /
                           (double(lay.tensor) * lay.pipeline * lay.expert);
  double compute =
      flop_dense / (lay.tensor * peak) + flop_expert / (lay.tensor * lay.expert * peak);
  double memory = lay.pipeline * weights_gpu / (eff.hbm_fraction * hw.hbm_bytes_per_s);
  Prefill p;
  p.flop = 2 * sp.dense * s + flop_attention + flop_expert;
  p.latency_s = std::max(compute, memory) + comm;
  p.busy_s = (flop_dense + flop_expert) / (lay.gpus() * peak) + comm / (lay.pipeline * lay.expert);
  return p;
}

namespace {

double average_context(const ServingRequestShape& s) {
  return s.prompt_tokens + s.output_tokens / 2;
}

// lambda_max: the smaller root of t_p b l^2 - (B b + t_p + s r) l + B = 0 (see the header).
double capacity_rate(double batch, double busy_s, double t_prefill_s, double output_tokens,
                     double round_s) {
  double sum = batch * busy_s + t_prefill_s + output_tokens * round_s;
  double disc = std::max(0.0, sum * sum - 4 * t_prefill_s * busy_s * batch);
  return 2 * batch / (sum + std::sqrt(disc));
}

} // namespace

ServingCapacity serving_capacity(const ServingModel& m, const ServingHardware& hw,
                                 const ServingLayout& lay, const ServingEfficiency& eff,
                                 const ServingRequestShape& shape) {
  ServingCapacity c;
  c.memory = serving_memory(m, hw, lay, shape);
  if (!c.memory.fits()) return c;
  c.prefill = prefill(m, hw, lay, eff, shape.prompt_tokens);
  double batch = c.memory.max_batch;
  c.round_at_max_batch_s = decode_round(m, hw, lay, eff, batch, average_context(shape)).time_s;
  c.max_request_rate_per_s = capacity_rate(batch, c.prefill.busy_s, c.prefill.latency_s,
                                           shape.output_tokens, c.round_at_max_batch_s);
  c.holding_time_s = batch / c.max_request_rate_per_s;
  c.output_tokens_per_s = c.max_request_rate_per_s * shape.output_tokens;
  c.output_tokens_per_s_per_gpu = c.output_tokens_per_s / lay.gpus();
  return c;
}

double erlang_c(int servers, double a) {
  if (a <= 0) return 0;
  if (a >= servers) return 1;
  double erlang_b = 1;
  for (int n = 1; n <= servers; ++n)
    erlang_b = a * erlang_b / (n + a * erlang_b);
  return servers * erlang_b / (servers - a * (1 - erlang_b));
}

WaitDistribution slot_wait(int servers, double holding_s, double cv, double rate) {
  double a = rate * holding_s;
  if (a >= servers) return {.wait_probability = 1, .rate_per_s = 0};
  return {.wait_probability = erlang_c(servers, a),
          .rate_per_s = (servers / holding_s - rate) * 2 / (1 + cv * cv)};
}

WaitDistribution prefill_wait(double service_s, double rate) {
  double rho = rate * service_s;
  if (rho <= 0) return {.wait_probability = 0, .rate_per_s = 1};
  if (rho >= 1) return {.wait_probability = 1, .rate_per_s = 0};
  // Decay rate theta > 0 of the M/D/1 waiting-time tail: lambda (e^(theta D) - 1) = theta.
  auto excess = [&](double theta) { return rate * std::expm1(theta * service_s) - theta; };
  double hi = 2 * (1 - rho) / service_s; // the heavy-traffic rate, below the root
  while (excess(hi) < 0)
    hi *= 2;
  double lo = hi / 2;
  while (excess(lo) >= 0 && lo > 1e-300)
    lo /= 2;
  for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; ++i) {
    double mid = (lo + hi) / 2;
    (excess(mid) < 0 ? lo : hi) = mid;
  }
  return {.wait_probability = rho, .rate_per_s = (lo + hi) / 2};
}

double wait_sum_tail(const WaitDistribution& w1, const WaitDistribution& w2, double t) {
  if (t < 0) return 1;
  double c1 = w1.wait_probability, c2 = w2.wait_probability;
  double r1 = w1.rate_per_s, r2 = w2.rate_per_s;
  if ((c1 > 0 && r1 <= 0) || (c2 > 0 && r2 <= 0)) return 1; // unstable: unbounded waits
  double e1 = c1 > 0 ? std::exp(-r1 * t) : 0;
  double e2 = c2 > 0 ? std::exp(-r2 * t) : 0;
  double both = 0;
  if (c1 > 0 && c2 > 0) {
    if (std::abs(r1 - r2) < 1e-9 * std::max(r1, r2))
      both = (1 + r1 * t) * e1;
    else
      both = (r2 * e1 - r1 * e2) / (r2 - r1);
  }
  return c1 * (1 - c2) * e1 + c2 * (1 - c1) * e2 + c1 * c2 * both;
}

double wait_sum_quantile(const WaitDistribution& w1, const WaitDistribution& w2, double q) {
  double tail = 1 - q;
  if (wait_sum_tail(w1, w2, 0) <= tail) return 0;
  if ((w1.wait_probability > 0 && w1.rate_per_s <= 0) ||
      (w2.wait_probability > 0 && w2.rate_per_s <= 0))
    return std::numeric_limits<double>::infinity();
  double hi = 1e-6;
  while (wait_sum_tail(w1, w2, hi) > tail)
    hi *= 2;
  double lo = 0;
  for (int i = 0; i < 80 && hi - lo > 1e-12 * hi; ++i) {
    double mid = (lo + hi) / 2;
    (wait_sum_tail(w1, w2, mid) > tail ? lo : hi) = mid;
  }
  return hi;
}

double poisson_quantile(double mean, double q) {
  if (mean <= 0) return 0;
  boost::math::poisson_distribution<> poisson(mean);
  double n = std::floor(mean);
  while (n > 0 && boost::math::cdf(poisson, n - 1) >= q)
    n -= 1;
  while (boost::math::cdf(poisson, n) < q)
    n += 1;
  return n;
}

ServingLatency serving_latency(const ServingModel& m, const ServingHardware& hw,
                               const ServingLayout& lay, const ServingEfficiency& eff,
                               const ServingRequestShape& shape, double rate,
                               const LatencyTargets& targets) {
  ServingLatency out;
  out.request_rate_per_s = rate;
  ServingCapacity cap = serving_capacity(m, hw, lay, eff, shape);
  if (!cap.memory.fits()) return out;
  out.utilization = rate / cap.max_request_rate_per_s;
  double rho_p = rate * cap.prefill.busy_s;
  out.prefill_share = rho_p;
  if (out.utilization >= 1 || rho_p >= 1) return out;
  out.stable = true;
  double context = average_context(shape);
  auto round_s = [&](double b) { return decode_round(m, hw, lay, eff, b, context).time_s; };
  auto holding_s = [&](double b) {
    return cap.prefill.latency_s + shape.output_tokens * round_s(b) / (1 - rho_p);
  };
  double batch_max = cap.memory.max_batch;
  double lo = 0, hi = batch_max;
  for (int i = 0; i < 60; ++i) {
    double mid = (lo + hi) / 2;
    (rate * holding_s(mid) > mid ? lo : hi) = mid;
  }
  out.mean_batch = hi;
  out.output_tokens_per_s = rate * shape.output_tokens;
  auto tpot_at = [&](double b) { return round_s(std::min(b, batch_max)) / (1 - rho_p); };
  out.tpot_p50_s = tpot_at(poisson_quantile(out.mean_batch, 0.5));
  out.tpot_p99_s = tpot_at(poisson_quantile(out.mean_batch, 0.99));

  double holding_full_s = holding_s(batch_max);
  double cv_holding = holding_time_cv(shape, holding_full_s, cap.prefill.latency_s);
  WaitDistribution slot = slot_wait(cap.memory.max_batch, holding_full_s, cv_holding, rate);
  WaitDistribution pre = prefill_wait(cap.prefill.busy_s, rate);
  out.slot_wait_probability = slot.wait_probability;
  double ttft_base_s = cap.prefill.latency_s + round_s(out.mean_batch);
  out.ttft_p50_s = ttft_base_s + wait_sum_quantile(slot, pre, 0.5);
  out.ttft_p99_s = ttft_base_s + wait_sum_quantile(slot, pre, 0.99);

  double p_ttft =
      targets.ttft_s > 0 ? 1 - wait_sum_tail(slot, pre, targets.ttft_s - ttft_base_s) : 1.0;
  double p_tpot = 1;
  if (targets.tpot_s > 0) {
    // Largest batch n with TPOT(n) within the target, then P(N <= n) for N ~ Poisson(B).
    if (tpot_at(0) > targets.tpot_s) {
      p_tpot = 0;
    } else if (tpot_at(batch_max) <= targets.tpot_s) {
      p_tpot = 1;
    } else {
      double n_lo = 0, n_hi = batch_max;
      while (n_hi - n_lo > 1) {
        double mid = std::floor((n_lo + n_hi) / 2);
        (tpot_at(mid) <= targets.tpot_s ? n_lo : n_hi) = mid;
      }
      p_tpot = out.mean_batch > 0
                   ? boost::math::cdf(boost::math::poisson_distribution<>(out.mean_batch), n_lo)
                   : 1.0;
    }
  }
  out.slo_attainment = p_ttft * p_tpot;
  return out;
}

double max_rate_within_targets(const ServingModel& m, const ServingHardware& hw,
                               const ServingLayout& lay, const ServingEfficiency& eff,
                               const ServingRequestShape& shape, const LatencyTargets& targets) {
  ServingCapacity cap = serving_capacity(m, hw, lay, eff, shape);
  if (!cap.memory.fits()) return 0;
  auto meets = [&](double rate) {
    ServingLatency l = serving_latency(m, hw, lay, eff, shape, rate, targets);
    return l.stable && (targets.ttft_s <= 0 || l.ttft_p99_s <= targets.ttft_s) &&
           (targets.tpot_s <= 0 || l.tpot_p99_s <= targets.tpot_s);
  };
  double hi = cap.max_request_rate_per_s;
  double lo = hi * 1e-6;
  if (!meets(lo)) return 0;
  while (hi - lo > 1e-4 * hi) {
    double mid = (lo + hi) / 2;
    (meets(mid) ? lo : hi) = mid;
  }
  return lo;
}

std::vector<LayoutChoice> search_layouts(const ServingModel& m, const ServingHardware& hw,
                                         const ServingEfficiency& eff,
                                         const ServingRequestShape& shape, double demand,
                                         const LatencyTargets& targets, const LayoutSearch& space,
                                         long* evaluated) {
  std::vector<LayoutChoice> choices;
  long count = 0;
  for (Quantization q : space.quantization)
    for (int tp : space.tensor)
      for (int pp : space.pipeline)
        for (int ep : space.expert) {
          ServingLayout base{.tensor = tp, .pipeline = pp, .expert = ep, .quantization = q};
          if (!validate(m, hw, base).empty()) continue;
          base.batch_limit = std::numeric_limits<int>::max();
          int memory_batch = serving_memory(m, hw, base, shape).max_batch;
          if (memory_batch < 1) continue;
          std::vector<int> limits;
          for (int b : space.batch_limit)
            if (b < memory_batch) limits.push_back(b);
          limits.push_back(std::min(
              memory_batch, space.batch_limit.empty() ? memory_batch : space.batch_limit.back()));
          std::sort(limits.begin(), limits.end());
          limits.erase(std::unique(limits.begin(), limits.end()), limits.end());
          for (int limit : limits) {
            ServingLayout layout = base;
            layout.batch_limit = limit;
            ++count;
            double rate = max_rate_within_targets(m, hw, layout, eff, shape, targets);
            if (rate <= 0) continue;
            LayoutChoice c;
            c.layout = layout;
            c.rate_per_replica_per_s = rate;
            c.replicas = std::max(1, int(std::ceil(demand / rate * (1 - 1e-12))));
            c.gpus = c.replicas * layout.gpus();
            c.gpu_price_usd = c.gpus * hw.price_usd;
            c.latency = serving_latency(m, hw, layout, eff, shape, demand / c.replicas, targets);
            choices.push_back(c);
          }
        }
  std::stable_sort(choices.begin(), choices.end(),
                   [](const LayoutChoice& a, const LayoutChoice& b) {
                     if (a.gpus != b.gpus) return a.gpus < b.gpus;
                     if (a.layout.gpus() != b.layout.gpus())
                       return a.layout.gpus() < b.layout.gpus();
                     return a.latency.tpot_p99_s < b.latency.tpot_p99_s;
                   });
  if (evaluated) *evaluated = count;
  return choices;
}

} // namespace capsim
