#include "models/training.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace capsim {

namespace {

constexpr double kActivationBytes = 2; // fp16/bf16
constexpr double kWeightBytes = 2;
constexpr double kGradientBytes = 2;
constexpr double kOptimizerBytes = 12;        // fp32 master weights + two Adam moments
constexpr double kOptimizerTrafficBytes = 28; // read 14, write 14 per parameter in the update

// Per-model constants of the evaluation, computed once per search.
struct ModelTerms {
  double layers, hidden, ffn, heads, kv_heads, vocab, seq, batch, experts, top_k, gate;
  bool moe;
  double attention_params_per_layer; // QKV and output projections
  double norm_params_per_layer;
  double mlp_params_per_expert;
  double router_params_per_layer;
};

ModelTerms make_terms(const TransformerSpec& m) {
  ModelTerms k{};
  k.layers = m.layers;
  k.hidden = m.hidden;
  k.ffn = m.ffn;
  k.heads = m.heads;
  k.kv_heads = m.kv_heads;
  k.vocab = m.vocab;
  k.seq = m.seq_len;
  k.batch = m.global_batch;
  k.experts = m.experts;
  k.top_k = m.experts > 1 ? m.top_k : 1;
  k.gate = m.gated_ffn ? 2 : 1;
  k.moe = m.experts > 1;
  const double h = k.hidden;
  k.attention_params_per_layer =
      h * h * (2 + 2 * k.kv_heads / k.heads) + h * (2 + 2 * k.kv_heads / k.heads);
  k.norm_params_per_layer = 4 * h;
  k.mlp_params_per_expert = (k.gate + 1) * h * k.ffn + (k.gate * k.ffn + h);
  k.router_params_per_layer = k.moe ? h * k.experts : 0;
  return k;
}

struct Rates {
  double gemm_flops, hbm_bytes_per_s, nvlink_bytes_per_s, network_bytes_per_s, latency_s;
  double domain;
};

Rates make_rates(const StepHardware& hw, const StepEfficiency& eff) {
  return Rates{.gemm_flops = eff.gemm_fraction * hw.peak_flops,
               .hbm_bytes_per_s = eff.hbm_fraction * hw.hbm_bytes_per_s,
               .nvlink_bytes_per_s = eff.nvlink_fraction * hw.nvlink_bytes_per_s / 2,
               .network_bytes_per_s = eff.network_fraction * hw.scale_out_bytes_per_s,
               .latency_s = eff.message_latency_s,
               .domain = static_cast<double>(hw.nvlink_domain)};
}

double gemm_time_s(const Rates& r, double rows, double cols, double inner) {
  const double flop = 2 * rows * cols * inner;
  const double bytes = kActivationBytes * (rows * inner + inner * cols + rows * cols);
  return flop / r.gemm_flops + bytes / r.hbm_bytes_per_s;
}

// Bandwidth per GPU of a ring over n ranks spaced `gap` ranks apart.
double group_bandwidth(const Rates& r, double n, double gap) {
  if (n * gap <= r.domain) return r.nvlink_bytes_per_s;
  const double per_domain = gap >= r.domain ? 1 : std::min(n, std::floor(r.domain / gap));
  return std::min(r.nvlink_bytes_per_s, per_domain * r.network_bytes_per_s);
}

double all_reduce_s(const Rates& r, double bytes, double n, double bw) {
  if (n <= 1) return 0;
  return 2 * (n - 1) / n * bytes / bw + 2 * (n - 1) * r.latency_s;
}

double all_gather_s(const Rates& r, double bytes, double n, double bw) {
  if (n <= 1) return 0;
  return (n - 1) / n * bytes / bw + (n - 1) * r.latency_s;
}

// All-to-all over n ranks spaced `gap` apart, `bytes` sent per rank in total (including the
// share that stays local).
double all_to_all_s(const Rates& r, double bytes, double n, double gap) {
  if (n <= 1) return 0;
  const double per_domain =
      n * gap <= r.domain ? n : (gap >= r.domain ? 1 : std::min(n, std::floor(r.domain / gap)));
  const double in_domain_s = bytes * (per_domain - 1) / n / r.nvlink_bytes_per_s;
  const double off_domain_s = bytes * (n - per_domain) / n / r.network_bytes_per_s;
  return std::max(in_domain_s, off_domain_s) + (n - 1) * r.latency_s;
}

// The allocation-free core shared by estimate_step and the search. `out.message` is untouched.
void evaluate(const ModelTerms& k, const ParallelConfig& cfg, int gpus, const Rates& r,
              const StepHardware& hw, const StepEfficiency& eff, StepResult& out) {
  const double t = cfg.tensor, p = cfg.pipeline, v = cfg.interleave, c = cfg.context,
               e = cfg.expert, m = cfg.microbatch;
  const double d = static_cast<double>(gpus) / (t * p * c);
  const double microbatches = k.batch / (d * m);
  const double h = k.hidden, s = k.seq;
  const double head_dim = h / k.heads;
  const double kv_ratio = k.kv_heads / k.heads;
  const double seq_local = s / c;
  const double tokens = m * seq_local; // per GPU per microbatch
  const double layers_per_stage = k.layers / p;
  const bool sp = cfg.sequence_parallel && cfg.tensor > 1;

  // Forward GEMMs of one layer and one microbatch on one GPU.
  const double projections_s =
      gemm_time_s(r, tokens, h * (1 + 2 * kv_ratio) / t, h) + gemm_time_s(r, tokens, h, h / t);
  double mlp_s;
  if (k.moe) {
    const double local_experts = k.experts / e;
    const double expert_tokens = tokens * k.top_k * e / k.experts;
    mlp_s = local_experts * (gemm_time_s(r, expert_tokens, k.gate * k.ffn / t, h) +
                             gemm_time_s(r, expert_tokens, h, k.ffn / t)) +
            gemm_time_s(r, tokens, k.experts, h);
  } else {
    mlp_s = gemm_time_s(r, tokens, k.gate * k.ffn / t, h) + gemm_time_s(r, tokens, h, k.ffn / t);
  }
  const double core_s =
      m * k.heads / t *
      (gemm_time_s(r, seq_local, s, head_dim) + gemm_time_s(r, seq_local, head_dim, s));
  const double gemm_fwd_s = projections_s + mlp_s + core_s;

  // Stored activations of one layer and one microbatch (Korthikanti et al., generalised).
  const double replicated_bytes = 10 * tokens * h / (sp ? t : 1);
  const double split_bytes =
      tokens * (h * (4 + 4 * kv_ratio) + (2 * k.gate + 2) * k.ffn * k.top_k) / t;
  const double score_bytes = 5 * k.heads * seq_local * s * m / t;
  const double layer_activation_bytes = replicated_bytes + split_bytes + score_bytes;
  const double elementwise_fwd_s = layer_activation_bytes / r.hbm_bytes_per_s;
  const double score_elementwise_fwd_s = score_bytes / r.hbm_bytes_per_s;

  double tp_collective_s = 0;
  if (cfg.tensor > 1) {
    const double bw = group_bandwidth(r, t, 1);
    tp_collective_s = all_reduce_s(r, tokens * h * kActivationBytes, t, bw);
  }
  double cp_fwd_s = 0;
  if (cfg.context > 1) {
    const double kv_bytes = 2 * tokens * h * kv_ratio / t * kActivationBytes;
    cp_fwd_s = (c - 1) * (kv_bytes / group_bandwidth(r, c, t) + r.latency_s);
  }
  const double cp_fwd_exposed_s = std::max(0.0, cp_fwd_s - core_s);
  const double cp_bwd_exposed_s = std::max(0.0, 2 * cp_fwd_s - 2 * core_s);
  double ep_a2a_s = 0;
  if (k.moe && cfg.expert > 1)
    ep_a2a_s = all_to_all_s(r, tokens * k.top_k * h * kActivationBytes / t, e, t * c);

  const double layer_compute_s = 3 * (gemm_fwd_s + elementwise_fwd_s);
  const double layer_tp_s = 4 * tp_collective_s;
  const double layer_ep_s = 4 * ep_a2a_s;
  const double layer_cp_s = cp_fwd_exposed_s + cp_bwd_exposed_s;
  double layer_recompute_s = 0;
  double recompute_tp_s = 0, recompute_ep_s = 0, recompute_cp_s = 0;
  if (cfg.recompute == Recompute::full) {
    layer_recompute_s = gemm_fwd_s + elementwise_fwd_s;
    recompute_tp_s = 2 * tp_collective_s;
    recompute_ep_s = 2 * ep_a2a_s;
    recompute_cp_s = cp_fwd_exposed_s;
  } else if (cfg.recompute == Recompute::selective) {
    layer_recompute_s = core_s + score_elementwise_fwd_s;
  }

  // The last stage also computes the logits and the loss.
  const double logits_s =
      3 * gemm_time_s(r, tokens, k.vocab / t, h) + 6 * 4 * tokens * k.vocab / t / r.hbm_bytes_per_s;
  double pp_mb_s = 0;
  if (cfg.pipeline > 1) {
    const double bw = p * t * c * d <= r.domain ? r.nvlink_bytes_per_s : r.network_bytes_per_s;
    pp_mb_s = 2 * v * (tokens * h * kActivationBytes / t / bw + r.latency_s);
  }

  const double mb_compute_s = layers_per_stage * layer_compute_s + logits_s;
  const double mb_recompute_s = layers_per_stage * layer_recompute_s;
  const double mb_tp_s = layers_per_stage * (layer_tp_s + recompute_tp_s);
  const double mb_cp_s = layers_per_stage * (layer_cp_s + recompute_cp_s);
  const double mb_ep_s = layers_per_stage * (layer_ep_s + recompute_ep_s);
  const double mb_s = mb_compute_s + mb_recompute_s + mb_tp_s + mb_cp_s + mb_ep_s + pp_mb_s;

  // Parameters held by one GPU of the first/last stage (both hold an embedding copy).
  const double dense_layer_params = k.attention_params_per_layer + k.norm_params_per_layer +
                                    (k.moe ? k.router_params_per_layer : k.mlp_params_per_expert);
  const double dense_params = (layers_per_stage * dense_layer_params + k.vocab * h) / t;
  const double expert_params =
      k.moe ? layers_per_stage * (k.experts / e) * k.mlp_params_per_expert / t : 0;
  const double dp_ranks = d * c;
  const double expert_dp_ranks = d * c / e;

  const double dense_dp_bw = group_bandwidth(r, dp_ranks, t);
  const double expert_dp_bw = group_bandwidth(r, expert_dp_ranks, t * e);
  const double dp_total_s =
      all_reduce_s(r, dense_params * kGradientBytes, dp_ranks, dense_dp_bw) +
      all_reduce_s(r, expert_params * kGradientBytes, expert_dp_ranks, expert_dp_bw);
  const double last_backward_s = mb_compute_s * 2.0 / 3.0;
  double dp_exposed_s =
      dp_total_s - eff.dp_overlap_fraction * std::min(dp_total_s, last_backward_s);
  double zero3_gather_s = 0;
  if (cfg.zero_stage == 3) {
    const double gathers = cfg.recompute == Recompute::full ? 3 : 2;
    zero3_gather_s = microbatches * gathers *
                     (all_gather_s(r, dense_params * kWeightBytes, dp_ranks, dense_dp_bw) +
                      all_gather_s(r, expert_params * kWeightBytes, expert_dp_ranks, expert_dp_bw));
    dp_exposed_s += zero3_gather_s * (1 - eff.dp_overlap_fraction);
  }
  const double dense_shard = cfg.zero_stage >= 1 ? dp_ranks : 1;
  const double expert_shard = cfg.zero_stage >= 1 ? expert_dp_ranks : 1;
  const double optimizer_params = dense_params / dense_shard + expert_params / expert_shard;
  const double optimizer_s = kOptimizerTrafficBytes * optimizer_params / r.hbm_bytes_per_s;

  const double fill_drain = (p - 1) / v;
  TimeBreakdown& tb = out.time;
  tb.compute_s = microbatches * mb_compute_s;
  tb.recompute_s = microbatches * mb_recompute_s;
  tb.tp_comm_s = microbatches * mb_tp_s;
  tb.cp_comm_s = microbatches * mb_cp_s;
  tb.cp_comm_total_s =
      microbatches * layers_per_stage * cp_fwd_s * (cfg.recompute == Recompute::full ? 4 : 3);
  tb.ep_comm_s = microbatches * mb_ep_s;
  tb.pp_comm_s = microbatches * pp_mb_s;
  tb.bubble_s = fill_drain * mb_s;
  tb.dp_comm_s = dp_exposed_s;
  tb.dp_comm_total_s = dp_total_s + zero3_gather_s;
  tb.optimizer_s = optimizer_s;
  out.step_time_s = (microbatches + fill_drain) * mb_s + dp_exposed_s + optimizer_s;

  out.data_parallel = static_cast<int>(d);
  out.microbatches = static_cast<int>(microbatches);
  const double tokens_per_step = k.batch * s;
  const double per_token_layer_flop = 2 * h * h * (2 + 2 * kv_ratio) + 4 * s * h +
                                      2 * (k.gate + 1) * h * k.ffn * k.top_k +
                                      (k.moe ? 2 * h * k.experts : 0);
  const double logits_flop = 2 * h * k.vocab;
  out.model_flop = 3 * tokens_per_step * (k.layers * per_token_layer_flop + logits_flop);
  double recompute_flop = 0;
  if (cfg.recompute == Recompute::full)
    recompute_flop = tokens_per_step * k.layers * per_token_layer_flop;
  else if (cfg.recompute == Recompute::selective)
    recompute_flop = tokens_per_step * k.layers * 4 * s * h;
  out.hardware_flop = out.model_flop + recompute_flop;
  out.tokens_per_s = tokens_per_step / out.step_time_s;
  out.model_flops_per_gpu = out.model_flop / out.step_time_s / gpus;
  out.hardware_flops_per_gpu = out.hardware_flop / out.step_time_s / gpus;
  out.mfu = out.model_flops_per_gpu / hw.peak_flops;

  MemoryBreakdown& mem = out.memory;
  mem.weights_bytes = kWeightBytes * (dense_params / (cfg.zero_stage >= 3 ? dp_ranks : 1) +
                                      expert_params / (cfg.zero_stage >= 3 ? expert_dp_ranks : 1));
  mem.gradients_bytes =
      kGradientBytes * (dense_params / (cfg.zero_stage >= 2 ? dp_ranks : 1) +
                        expert_params / (cfg.zero_stage >= 2 ? expert_dp_ranks : 1));
  mem.optimizer_bytes = kOptimizerBytes * optimizer_params;
  double stored_per_layer;
  double working_bytes = 0;
  switch (cfg.recompute) {
  case Recompute::none:
    stored_per_layer = layer_activation_bytes;
    break;
  case Recompute::selective:
    stored_per_layer = replicated_bytes + split_bytes;
    break;
  case Recompute::full:
  default:
    stored_per_layer = kActivationBytes * tokens * h / (sp ? t : 1);
    working_bytes = layer_activation_bytes;
    break;
  }
  const double in_flight =
      std::min(p, microbatches) * (cfg.interleave > 1 ? 1 + (p - 1) / (p * v) : 1);
  const double logits_bytes = 4 * tokens * k.vocab / t;
  const double first_stage = layers_per_stage * stored_per_layer * in_flight + working_bytes +
                             (cfg.pipeline == 1 ? logits_bytes : 0);
  const double last_stage = layers_per_stage * stored_per_layer + working_bytes + logits_bytes;
  mem.activations_bytes = std::max(first_stage, last_stage);
  mem.total_bytes =
      mem.weights_bytes + mem.gradients_bytes + mem.optimizer_bytes + mem.activations_bytes;
  mem.usable_bytes = (1 - eff.hbm_reserve_fraction) * hw.hbm_bytes;
  out.fits = mem.total_bytes <= mem.usable_bytes;
}

std::string format_gb(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f GB", bytes / 1e9);
  return buf;
}

std::string shortfall_message(const MemoryBreakdown& mem, const StepHardware& hw,
                              const StepEfficiency& eff) {
  std::array<std::pair<double, const char*>, 4> parts{{{mem.activations_bytes, "activations"},
                                                       {mem.optimizer_bytes, "optimizer"},
                                                       {mem.weights_bytes, "weights"},
                                                       {mem.gradients_bytes, "gradients"}}};
  std::stable_sort(parts.begin(), parts.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::string text;
  for (const auto& [bytes, name] : parts) {
    if (bytes <= 0) continue;
    if (!text.empty()) text += " + ";
    text += std::string(name) + " " + format_gb(bytes);
  }
  char tail[128];
  std::snprintf(tail, sizeof tail, " = %.1f GB > %.1f GB usable of %.0f GB HBM (%.0f%% reserve)",
                mem.total_bytes / 1e9, mem.usable_bytes / 1e9, hw.hbm_bytes / 1e9,
                100 * eff.hbm_reserve_fraction);
  return text + tail;
}

bool divides(long long divisor, long long value) {
  return divisor > 0 && value % divisor == 0;
}

void check_range(std::vector<std::string>& problems, const char* name, double value, double lo,
                 double hi, bool lo_open) {
  const bool ok = std::isfinite(value) && (lo_open ? value > lo : value >= lo) && value <= hi;
  if (!ok) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "%s must be in %c%g, %g], got %g", name, lo_open ? '(' : '[', lo,
                  hi, value);
    problems.emplace_back(buf);
  }
}

void check_positive(std::vector<std::string>& problems, const char* name, double value) {
  if (!(std::isfinite(value) && value > 0)) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "%s must be positive, got %g", name, value);
    problems.emplace_back(buf);
  }
}

} // namespace

const char* to_string(Recompute recompute) {
  switch (recompute) {
  case Recompute::none:
    return "none";
  case Recompute::selective:
    return "selective";
  case Recompute::full:
    return "full";
  }
  return "?";
}

std::optional<Recompute> parse_recompute(const std::string& name) {
  if (name == "none") return Recompute::none;
  if (name == "selective") return Recompute::selective;
  if (name == "full") return Recompute::full;
  return std::nullopt;
}

StepEfficiency default_step_efficiency() {
  // Fitted by hand-guided coordinate search on the 18 calibration figures (A100 80GB), then
  // rounded; see tests/models/test_training.cpp for the per-row errors.
  return StepEfficiency{.gemm_fraction = 0.82,
                        .hbm_fraction = 0.70,
                        .nvlink_fraction = 0.65,
                        .network_fraction = 0.80,
                        .message_latency_s = 5e-6,
                        .dp_overlap_fraction = 0.8,
                        .hbm_reserve_fraction = 0.10};
}

std::vector<std::string> validate(const TransformerSpec& model) {
  std::vector<std::string> problems;
  check_positive(problems, "layers", model.layers);
  check_positive(problems, "hidden", model.hidden);
  check_positive(problems, "ffn", model.ffn);
  check_positive(problems, "heads", model.heads);
  check_positive(problems, "kv-heads", model.kv_heads);
  check_positive(problems, "vocab", model.vocab);
  check_positive(problems, "seq", model.seq_len);
  check_positive(problems, "global-batch", model.global_batch);
  check_positive(problems, "experts", model.experts);
  if (model.heads > 0 && model.hidden % model.heads != 0)
    problems.push_back("hidden (" + std::to_string(model.hidden) +
                       ") must be divisible by heads (" + std::to_string(model.heads) + ")");
  if (model.heads > 0 && model.kv_heads > 0 && model.heads % model.kv_heads != 0)
    problems.push_back("heads (" + std::to_string(model.heads) +
                       ") must be divisible by kv-heads (" + std::to_string(model.kv_heads) + ")");
  if (model.experts > 1 && (model.top_k < 1 || model.top_k > model.experts))
    problems.push_back("top-k must be in [1, experts=" + std::to_string(model.experts) + "], got " +
                       std::to_string(model.top_k));
  return problems;
}

std::vector<std::string> validate(const StepHardware& hw) {
  std::vector<std::string> problems;
  check_positive(problems, "peak_flops", hw.peak_flops);
  check_positive(problems, "hbm_bytes", hw.hbm_bytes);
  check_positive(problems, "hbm_bytes_per_s", hw.hbm_bytes_per_s);
  check_positive(problems, "nvlink_bytes_per_s", hw.nvlink_bytes_per_s);
  check_positive(problems, "nvlink_domain", hw.nvlink_domain);
  check_positive(problems, "scale_out_bytes_per_s", hw.scale_out_bytes_per_s);
  return problems;
}

std::vector<std::string> validate(const StepEfficiency& eff) {
  std::vector<std::string> problems;
  check_range(problems, "gemm_fraction", eff.gemm_fraction, 0, 1, true);
  check_range(problems, "hbm_fraction", eff.hbm_fraction, 0, 1, true);
  check_range(problems, "nvlink_fraction", eff.nvlink_fraction, 0, 1, true);
  check_range(problems, "network_fraction", eff.network_fraction, 0, 1, true);
  check_range(problems, "message_latency_s", eff.message_latency_s, 0, 1, false);
  check_range(problems, "dp_overlap_fraction", eff.dp_overlap_fraction, 0, 1, false);
  check_range(problems, "hbm_reserve_fraction", eff.hbm_reserve_fraction, 0, 0.99, false);
  return problems;
}

std::vector<std::string> validate(const TransformerSpec& model, const ParallelConfig& cfg,
                                  int gpus) {
  std::vector<std::string> problems = validate(model);
  if (!problems.empty()) return problems;
  auto need = [&](bool ok, const std::string& message) {
    if (!ok) problems.push_back(message);
  };
  auto str = [](long long x) { return std::to_string(x); };
  need(gpus > 0, "gpus must be positive, got " + str(gpus));
  need(cfg.tensor >= 1 && cfg.pipeline >= 1 && cfg.interleave >= 1 && cfg.context >= 1 &&
           cfg.expert >= 1 && cfg.microbatch >= 1,
       "parallel degrees and microbatch must be >= 1");
  need(cfg.zero_stage >= 0 && cfg.zero_stage <= 3,
       "zero stage must be 0, 1, 2 or 3, got " + str(cfg.zero_stage));
  if (!problems.empty()) return problems;
  const long long tpc = 1LL * cfg.tensor * cfg.pipeline * cfg.context;
  need(divides(tpc, gpus),
       "gpus (" + str(gpus) + ") must be divisible by tp*pp*cp (" + str(tpc) + ")");
  need(divides(cfg.tensor, model.heads),
       "heads (" + str(model.heads) + ") must be divisible by tp (" + str(cfg.tensor) + ")");
  need(divides(cfg.tensor, model.kv_heads),
       "kv-heads (" + str(model.kv_heads) + ") must be divisible by tp (" + str(cfg.tensor) + ")");
  need(divides(cfg.tensor, model.ffn),
       "ffn (" + str(model.ffn) + ") must be divisible by tp (" + str(cfg.tensor) + ")");
  need(divides(cfg.pipeline * cfg.interleave, model.layers),
       "layers (" + str(model.layers) + ") must be divisible by pp*interleave (" +
           str(cfg.pipeline * cfg.interleave) + ")");
  need(cfg.interleave == 1 || cfg.pipeline > 1, "interleave > 1 needs pipeline parallelism");
  need(divides(cfg.context, model.seq_len),
       "seq (" + str(model.seq_len) + ") must be divisible by cp (" + str(cfg.context) + ")");
  need(divides(cfg.expert, model.experts),
       "experts (" + str(model.experts) + ") must be divisible by ep (" + str(cfg.expert) + ")");
  need(!cfg.sequence_parallel || cfg.tensor > 1, "sequence parallelism needs tp > 1");
  if (!divides(tpc, gpus)) return problems;
  const long long d = gpus / tpc;
  need(divides(cfg.expert, d),
       "data parallel degree (" + str(d) + ") must be divisible by ep (" + str(cfg.expert) + ")");
  const long long dm = d * cfg.microbatch;
  if (!divides(dm, model.global_batch)) {
    problems.push_back("global-batch (" + str(model.global_batch) +
                       ") must be divisible by dp*microbatch (" + str(d) + "*" +
                       str(cfg.microbatch) + ")");
    return problems;
  }
  const long long microbatches = model.global_batch / dm;
  need(cfg.interleave == 1 || microbatches % cfg.pipeline == 0,
       "the interleaved schedule needs the microbatch count (" + str(microbatches) +
           ") divisible by pp (" + str(cfg.pipeline) + ")");
  return problems;
}

ParameterCount count_parameters(const TransformerSpec& model) {
  const ModelTerms k = make_terms(model);
  const double shared = k.layers * (k.attention_params_per_layer + k.norm_params_per_layer +
                                    k.router_params_per_layer) +
                        k.vocab * k.hidden;
  const double experts = k.moe ? k.experts : 1;
  return ParameterCount{.total = shared + k.layers * experts * k.mlp_params_per_expert,
                        .active = shared + k.layers * k.top_k * k.mlp_params_per_expert};
}

double model_flop_per_step(const TransformerSpec& model) {
  return hardware_flop_per_step(model, Recompute::none);
}

double hardware_flop_per_step(const TransformerSpec& model, Recompute recompute) {
  const ModelTerms k = make_terms(model);
  const double h = k.hidden, s = k.seq;
  const double kv_ratio = k.kv_heads / k.heads;
  const double tokens = k.batch * s;
  const double layer = 2 * h * h * (2 + 2 * kv_ratio) + 4 * s * h +
                       2 * (k.gate + 1) * h * k.ffn * k.top_k + (k.moe ? 2 * h * k.experts : 0);
  double flop = 3 * tokens * (k.layers * layer + 2 * h * k.vocab);
  if (recompute == Recompute::full) flop += tokens * k.layers * layer;
  if (recompute == Recompute::selective) flop += tokens * k.layers * 4 * s * h;
  return flop;
}

StepResult estimate_step(const TransformerSpec& model, const ParallelConfig& config, int gpus,
                         const StepHardware& hardware, const StepEfficiency& efficiency) {
  std::vector<std::string> problems = validate(model, config, gpus);
  for (auto& p : validate(hardware))
    problems.push_back(std::move(p));
  for (auto& p : validate(efficiency))
    problems.push_back(std::move(p));
  if (!problems.empty()) {
    std::string text;
    for (const auto& p : problems)
      text += (text.empty() ? "" : "; ") + p;
    throw std::invalid_argument(text);
  }
  StepResult result;
  evaluate(make_terms(model), config, gpus, make_rates(hardware, efficiency), hardware, efficiency,
           result);
  if (!result.fits) result.message = shortfall_message(result.memory, hardware, efficiency);
  return result;
}

namespace {

// Divisors of n in increasing order, into a fixed buffer (n < 2^31 has at most 1600 divisors).
struct Divisors {
  std::array<int, 1600> values{};
  int count = 0;
  explicit Divisors(long long n) {
    for (long long i = 1; i * i <= n && count < 1599; ++i) {
      if (n % i != 0) continue;
      values[count++] = static_cast<int>(i);
      if (i != n / i) values[count++] = static_cast<int>(n / i);
    }
    std::sort(values.begin(), values.begin() + count);
  }
};

} // namespace

SearchResult search_parallel(const TransformerSpec& model, int gpus, const StepHardware& hardware,
                             const StepEfficiency& efficiency, const SearchSpace& space) {
  SearchResult best;
  const ModelTerms k = make_terms(model);
  const Rates rates = make_rates(hardware, efficiency);
  StepResult scratch;
  const Divisors gpu_divisors(gpus);
  const std::array<Recompute, 3> recomputes{Recompute::none, Recompute::selective, Recompute::full};
  auto allowed = [](const std::optional<int>& fixed, int value) {
    return !fixed || *fixed == value;
  };

  for (int di = 0; di < gpu_divisors.count; ++di) {
    const int t = gpu_divisors.values[di];
    if (!allowed(space.tensor, t) || model.heads % t || model.kv_heads % t || model.ffn % t)
      continue;
    for (int pi = 0; pi < gpu_divisors.count; ++pi) {
      const int p = gpu_divisors.values[pi];
      if (!allowed(space.pipeline, p) || model.layers % p || (gpus / t) % p) continue;
      for (int ci = 0; ci < gpu_divisors.count; ++ci) {
        const int c = gpu_divisors.values[ci];
        if (!allowed(space.context, c) || model.seq_len % c || (gpus / t / p) % c) continue;
        const int d = gpus / t / p / c;
        if (model.global_batch % d) continue;
        const Divisors microbatch_divisors(model.global_batch / d);
        for (int e = 1; e <= std::max(1, model.experts); ++e) {
          if (!allowed(space.expert, e) || model.experts % e || d % e) continue;
          for (int mi = 0; mi < microbatch_divisors.count; ++mi) {
            const int m = microbatch_divisors.values[mi];
            if (!allowed(space.microbatch, m)) continue;
            const int microbatches = model.global_batch / (d * m);
            const int layers_per_stage = model.layers / p;
            for (int v = 1; v <= std::min(layers_per_stage, space.max_interleave); ++v) {
              if (!allowed(space.interleave, v) || layers_per_stage % v) continue;
              if (v > 1 && (p == 1 || microbatches % p)) continue;
              for (int sp = 0; sp <= (t > 1 ? 1 : 0); ++sp) {
                if (space.sequence_parallel && *space.sequence_parallel != (sp == 1)) continue;
                for (Recompute rc : recomputes) {
                  if (space.recompute && *space.recompute != rc) continue;
                  const int max_zero = (d * c > 1 || space.zero_stage) ? 3 : 0;
                  for (int z = 0; z <= max_zero; ++z) {
                    if (!allowed(space.zero_stage, z)) continue;
                    const ParallelConfig cfg{.tensor = t,
                                             .pipeline = p,
                                             .interleave = v,
                                             .context = c,
                                             .expert = e,
                                             .microbatch = m,
                                             .sequence_parallel = sp == 1,
                                             .zero_stage = z,
                                             .recompute = rc};
                    evaluate(k, cfg, gpus, rates, hardware, efficiency, scratch);
                    ++best.configs_evaluated;
                    if (!scratch.fits) continue;
                    ++best.configs_fitting;
                    if (!best.found || scratch.step_time_s < best.result.step_time_s) {
                      best.found = true;
                      best.config = cfg;
                      best.result = scratch;
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  return best;
}

} // namespace capsim
