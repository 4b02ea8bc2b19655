#include "models/training.hpp"

#include "models/collective.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace capsim {

namespace {

constexpr double kActivationBytes = 2; // fp16/bf16
constexpr double kWeightBytes = 2;
constexpr double kGradientBytes = 2;
constexpr double kFp8WeightBytes = 1;     // fp8_param_gather: the layers' weights gathered in fp8
constexpr double kOptimizerBytes = 12;    // fp32 master weights + two Adam moments
constexpr double kBf16OptimizerBytes = 6; // the same three in bf16 (bf16_optimizer)
constexpr double kFusedBackwardFactor = 2.5; // FlashAttention backward: 5 GEMMs vs 2 forward
constexpr double kBucketParamsPerRank = 1e6; // parameters per DP rank in a DDP bucket

// Per-model constants of the evaluation, computed once per search.
struct ModelTerms {
  double layers, hidden, ffn, heads, kv_heads, vocab, seq, batch, experts, top_k, gate;
  bool moe, fused, fp8, dropout;
  double attention_params_per_layer; // QKV and output projections
  double norm_params_per_layer;
  double mlp_params_per_expert;
  double router_params_per_layer;
  // FLOP per step (whole cluster): causal model FLOP, non-causal, and what recomputation adds.
  double model_flop, model_flop_noncausal, recompute_full_flop, recompute_selective_flop;
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
  k.fused = m.attention == Attention::fused;
  k.fp8 = m.precision == Precision::fp8;
  k.dropout = m.dropout;
  const double h = k.hidden;
  k.attention_params_per_layer =
      h * h * (2 + 2 * k.kv_heads / k.heads) + h * (2 + 2 * k.kv_heads / k.heads);
  k.norm_params_per_layer = 4 * h;
  k.mlp_params_per_expert = (k.gate + 1) * h * k.ffn + (k.gate * k.ffn + h);
  k.router_params_per_layer = k.moe ? h * k.experts : 0;
  const double s = k.seq, tokens_per_step = k.batch * s;
  const double dense_layer_flop = 2 * h * h * (2 + 2 * k.kv_heads / k.heads) +
                                  2 * (k.gate + 1) * h * k.ffn * k.top_k +
                                  (k.moe ? 2 * h * k.experts : 0);
  const double core_flop = 4 * s * h; // per token and layer, non-causal
  const double logits_flop = 2 * h * k.vocab;
  k.model_flop =
      3 * tokens_per_step * (k.layers * (dense_layer_flop + core_flop / 2) + logits_flop);
  k.model_flop_noncausal =
      3 * tokens_per_step * (k.layers * (dense_layer_flop + core_flop) + logits_flop);
  k.recompute_full_flop = tokens_per_step * k.layers * (dense_layer_flop + core_flop / 2);
  k.recompute_selective_flop = tokens_per_step * k.layers * core_flop / 2;
  return k;
}

struct Rates {
  double gemm_flops, linear_flops, linear_operand_bytes, attention_flops, hbm_bytes_per_s;
  double nvlink_bytes_per_s, network_bytes_per_s, latency_s, network_latency_s, domain;
  double bucket_bytes, host_bytes_per_s;
  bool tp_overlap;
};

Rates make_rates(const StepHardware& hw, const StepEfficiency& eff, bool fp8) {
  Rates r{};
  r.gemm_flops = eff.gemm_fraction * hw.peak_flops;
  r.linear_flops = fp8 ? eff.fp8_gemm_fraction * hw.peak_fp8_flops : r.gemm_flops;
  r.linear_operand_bytes = fp8 ? 1 : kActivationBytes;
  r.attention_flops = eff.attention_fraction * hw.peak_flops;
  r.hbm_bytes_per_s = eff.hbm_fraction * hw.hbm_bytes_per_s;
  r.nvlink_bytes_per_s = eff.nvlink_fraction * hw.nvlink_bytes_per_s / 2;
  r.network_bytes_per_s = eff.network_fraction * hw.scale_out_bytes_per_s;
  r.latency_s = eff.message_latency_s;
  r.network_latency_s = eff.network_latency_s;
  r.domain = static_cast<double>(hw.nvlink_domain);
  r.bucket_bytes = eff.bucket_bytes;
  r.host_bytes_per_s = eff.host_link_fraction * hw.host_link_bytes_per_s;
  r.tp_overlap = eff.tp_comm_overlap;
  return r;
}

double gemm_time_s(const Rates& r, double rows, double cols, double inner) {
  const double flop = 2 * rows * cols * inner;
  const double bytes = kActivationBytes * (rows * inner + inner * cols + rows * cols);
  return flop / r.gemm_flops + bytes / r.hbm_bytes_per_s;
}

// A linear layer's GEMM, in the run's precision (fp8 operands are 1 byte, output bf16).
double linear_time_s(const Rates& r, double rows, double cols, double inner) {
  const double flop = 2 * rows * cols * inner;
  const double bytes =
      r.linear_operand_bytes * (rows * inner + inner * cols) + kActivationBytes * rows * cols;
  return flop / r.linear_flops + bytes / r.hbm_bytes_per_s;
}

// Members of a group of n ranks spaced `gap` apart that share an NVLink domain.
double members_per_domain(const Rates& r, double n, double gap) {
  if (n * gap <= r.domain) return n;
  return gap >= r.domain ? 1 : std::min(n, std::floor(r.domain / gap));
}

// Bandwidth per GPU of a flat ring over n ranks spaced `gap` ranks apart (TP, CP).
double group_bandwidth(const Rates& r, double n, double gap) {
  if (n * gap <= r.domain) return r.nvlink_bytes_per_s;
  return std::min(r.nvlink_bytes_per_s, members_per_domain(r, n, gap) * r.network_bytes_per_s);
}

double all_reduce_s(const Rates& r, double bytes, double n, double bw) {
  if (n <= 1) return 0;
  return 2 * (n - 1) / n * bytes / bw + 2 * (n - 1) * r.latency_s;
}

// Hierarchical reduce-scatter (or all-gather) of `bytes` per rank over n ranks spaced `gap`
// apart: inside the NVLink domain over the k local members, then across the N = n/k domains
// on 1/k of the bytes per GPU (each member drives its own NIC). Bandwidth and latency parts.
struct CollectiveCost {
  double bandwidth_s = 0, latency_s = 0;
};
CollectiveCost hierarchical_rs(const Rates& r, double bytes, double n, double gap) {
  if (n <= 1) return {};
  const double k = members_per_domain(r, n, gap);
  const double domains = n / k;
  CollectiveCost c;
  c.bandwidth_s = (k - 1) / k * bytes / r.nvlink_bytes_per_s;
  c.latency_s = (k - 1) * r.latency_s;
  if (domains > 1) {
    c.bandwidth_s += (domains - 1) / domains * (bytes / k) / r.network_bytes_per_s;
    c.latency_s += (domains - 1) * r.network_latency_s;
  }
  return c;
}

// Exposed time of a bucketed collective of total time `comm_s` over n_b buckets, overlapped
// with compute of duration `compute_s` that produces (or consumes) the buckets evenly: the
// collective ends max(compute + comm/n_b, compute/n_b + comm) after the compute starts.
double bucketed_exposed_s(double comm_s, double compute_s, double buckets) {
  if (comm_s <= 0) return 0;
  const double end = std::max(compute_s + comm_s / buckets, compute_s / buckets + comm_s);
  return end - compute_s;
}

// All-to-all over n ranks spaced `gap` apart, `bytes` sent per rank in total (including the
// share that stays local).
double all_to_all_s(const Rates& r, double bytes, double n, double gap) {
  if (n <= 1) return 0;
  const double per_domain = members_per_domain(r, n, gap);
  const double in_domain_s = bytes * (per_domain - 1) / n / r.nvlink_bytes_per_s;
  const double off_domain_s = bytes * (n - per_domain) / n / r.network_bytes_per_s;
  return std::max(in_domain_s, off_domain_s) + (n - 1) * r.latency_s;
}

// Stage sizes of one (L, p, v), computed once per (p, v) in the search. Chunk c of stage j
// (global chunk c p + j) holds q = ceil(L / (p v)) layers or q - 1: on every stage the short
// chunks are a prefix (the model's first chunks) and a suffix (its last ones).
struct StageShape {
  int pipeline = 1, interleave = 1;
  int first = 0, last = 0, max_mid = 0, max_mid_index = -1;
  int chunk_layers = 0;              // q
  int candidates = 0;                // stages whose memory can be the largest
  std::array<int, 12> cand_index{};  // stage index
  std::array<int, 12> cand_layers{}; // its layers
  std::array<int, 12> cand_short_head{}, cand_short_tail{}; // its chunks with q - 1 layers
  bool valid = false;
};

// Layers of every model chunk (p v of them, chunk i on stage i mod p): ceil(L / (p v)) or one
// less, shortened from the ends (last, first, second-to-last, second, ...), the way Megatron-Core
// counts the embedding and the loss as a layer each. The first and the last chunk may be left
// with none (the embedding, the output layer only: the Llama 3 layout, 126 layers in 16 x 8
// chunks); any other chunk needs a layer.
void fill_chunk_layers(int layers, int p, int v, std::vector<int>& out) {
  const long long chunks = 1LL * p * v;
  if (layers < 1 || layers < chunks - 2 || p < 1 || v < 1) {
    out.clear();
    return;
  }
  out.assign(static_cast<size_t>(chunks), 0);
  const long long q = (layers + chunks - 1) / chunks;
  const long long shortened = chunks * q - layers; // chunks with q - 1 layers
  for (long long i = 0; i < chunks; ++i) {
    const long long from_end = chunks - 1 - i;
    // position in the shortening order: from the end 0, 2, 4..., from the start 1, 3, 5...
    const long long rank_end = 2 * from_end, rank_start = 2 * i + 1;
    const bool short_chunk = std::min(rank_end, rank_start) < shortened;
    out[static_cast<size_t>(i)] = static_cast<int>(short_chunk ? q - 1 : q);
  }
}

void fill_stage_layers(int layers, int p, int v, std::vector<int>& out) {
  std::vector<int> chunks;
  fill_chunk_layers(layers, p, v, chunks);
  out.assign(chunks.empty() ? 0 : static_cast<size_t>(p), 0);
  for (size_t i = 0; i < chunks.size(); ++i)
    out[i % static_cast<size_t>(p)] += chunks[i];
}

// Stage j of a chunk list: its layers, and how many of its chunks at the head and at the tail
// of its list hold q - 1 layers.
void stage_pattern(const std::vector<int>& chunks, int p, int v, int q, int j, int& total,
                   int& head, int& tail) {
  total = head = tail = 0;
  auto layers_of = [&](int c) { return chunks[static_cast<size_t>(c * p + j)]; };
  for (int c = 0; c < v; ++c)
    total += layers_of(c);
  while (head < v && layers_of(head) < q)
    ++head;
  while (tail < v - head && layers_of(v - 1 - tail) < q)
    ++tail;
}

StageShape make_shape(int layers, int p, int v) {
  StageShape s;
  s.pipeline = p;
  s.interleave = v;
  std::vector<int> chunks;
  fill_chunk_layers(layers, p, v, chunks);
  if (chunks.empty()) return s;
  s.valid = true;
  s.chunk_layers = *std::max_element(chunks.begin(), chunks.end());
  auto add = [&](int j, int total, int head, int tail) {
    s.cand_index[s.candidates] = j;
    s.cand_layers[s.candidates] = total;
    s.cand_short_head[s.candidates] = head;
    s.cand_short_tail[s.candidates++] = tail;
  };
  int total = 0, head = 0, tail = 0;
  stage_pattern(chunks, p, v, s.chunk_layers, 0, total, head, tail);
  s.first = total;
  add(0, total, head, tail);
  // Middle stages: the first of each chunk pattern keeps the most microbatches in flight.
  for (int j = 1; j + 1 < p; ++j) {
    stage_pattern(chunks, p, v, s.chunk_layers, j, total, head, tail);
    if (total > s.max_mid) {
      s.max_mid = total;
      s.max_mid_index = j;
    }
    bool seen = false;
    for (int c = 1; c < s.candidates; ++c)
      seen = seen || (s.cand_short_head[c] == head && s.cand_short_tail[c] == tail);
    if (!seen && s.candidates < 11) add(j, total, head, tail);
  }
  if (p > 1) {
    stage_pattern(chunks, p, v, s.chunk_layers, p - 1, total, head, tail);
    add(p - 1, total, head, tail);
  }
  s.last = s.cand_layers[s.candidates - 1];
  return s;
}

// Layers times microbatches whose activations stage j holds at its peak, over `microbatches`
// microbatches. Without interleaving (1F1B): min(p - j, n_mb) microbatches of the whole stage.
// Interleaved (Megatron-Core's schedule, n_mb a multiple of p; with n_mb = p it runs every
// forward before the first backward, so all are held; megatron/core/pipeline_parallel/
// schedules.py, forward_backward_pipelining_with_interleaving): forward k runs chunk
// (k mod p v) / p, backward k chunk v - 1 - (k mod p v) / p; stage j runs
// W = 2 (p - j - 1) + (v - 1) p forwards before its first backward, then one forward and one
// backward in turn. Held after the (W + i + 1)-th forward: A(i) = S_f(W + i + 1) - S_b(i), the
// layers of the forwards run less those of the backwards. A(i) has period p v and changes
// linearly between chunk changes, so its largest value is at one of them. With equal chunks it
// is (W + 1) q: (W + 1) / v microbatches of the stage.
double peak_layer_microbatches(int p, int v, int j, int q, int head, int tail, double n_mb) {
  const double layers = static_cast<double>(v) * q - head - tail;
  if (v <= 1) return std::min<double>(p - j, n_mb) * layers;
  const long long forwards = std::llround(n_mb) * v;
  const long long warmup = 2LL * (p - j - 1) + 1LL * (v - 1) * p;
  if (warmup + 1 >= forwards || std::llround(n_mb) == p) return n_mb * layers;
  auto chunk = [&](long long c) {
    return static_cast<double>(q) - (c < head ? 1 : 0) - (c >= v - tail ? 1 : 0);
  };
  // Layers of chunks 0 .. x - 1.
  auto chunks_sum = [&](long long x) {
    return static_cast<double>(x) * q - static_cast<double>(std::min<long long>(x, head)) -
           static_cast<double>(std::max<long long>(0, x - (v - tail)));
  };
  const long long period = 1LL * p * v;
  auto forward_sum = [&](long long n) {
    const long long rem = n % period;
    return static_cast<double>(n / period) * p * layers + p * chunks_sum(rem / p) +
           static_cast<double>(rem % p) * chunk(rem / p);
  };
  double held = forward_sum(warmup + 1);
  if (head + tail == 0) return held;
  double peak = held;
  const long long steps = std::min(forwards - warmup, period); // A(0) .. A(steps - 1)
  for (long long i = 0; i + 1 < steps;) {
    const long long f = warmup + 1 + i;
    const long long next = std::min({i + (p - f % p), i + (p - i % p), steps - 1});
    held +=
        (chunk((f % period) / p) - chunk(v - 1 - (i % period) / p)) * static_cast<double>(next - i);
    i = next;
    peak = std::max(peak, held);
  }
  return peak;
}

// Bytes of Adam's states per parameter: fp32 (12) or, with bf16_optimizer, bf16 (6).
double optimizer_bytes_of(bool bf16_optimizer) {
  return bf16_optimizer ? kBf16OptimizerBytes : kOptimizerBytes;
}

double usable_bytes(const StepHardware& hw, const StepEfficiency& eff) {
  return std::max(0.0, hw.hbm_bytes - eff.runtime_reserve_bytes) * (1 - eff.fragmentation_fraction);
}

// HBM, and host memory when activations are offloaded to it.
bool fits_memory(const MemoryBreakdown& mem) {
  return mem.total_bytes <= mem.usable_bytes && mem.host_bytes <= mem.host_usable_bytes;
}

// The evaluation in stages, each a pure function of the degrees it depends on: estimate_step
// runs them in sequence, and the search runs each once per combination of its degrees (its loop
// order: p, t, c, e, m, v, sp, recompute, ZeRO stage), so that both give the same figures.

// (t, c, e, m): GEMM and collective times of one layer and one microbatch on one GPU, and the
// parameters one GPU holds per layer.
struct GemmTerms {
  int tensor = 0, context = 0, expert = 0, microbatch = 0;
  double linear_s = 0, core_fwd_s = 0, core_bwd_s = 0, logits_s = 0, tp_collective_s = 0;
  double ep_a2a_s = 0, cp_fwd_s = 0, cp_gathered_bytes = 0, logits_bytes = 0;
  double embedding_params = 0, dense_layer_params_per_gpu = 0, expert_layer_params_per_gpu = 0;
  bool matches(int t, int c, int e, int m) const {
    return tensor == t && context == c && expert == e && microbatch == m;
  }
};

void gemm_terms(const ModelTerms& k, const Rates& r, int tensor, int context, int expert,
                int microbatch, GemmTerms& g) {
  g.tensor = tensor;
  g.context = context;
  g.expert = expert;
  g.microbatch = microbatch;
  const double t = tensor, c = context, e = expert, m = microbatch;
  const double h = k.hidden, s = k.seq;
  const double head_dim = h / k.heads;
  const double kv_ratio = k.kv_heads / k.heads;
  const double seq_local = s / c;
  const double tokens = m * seq_local; // per GPU per microbatch
  // Forward GEMMs of the linear layers of one layer and one microbatch on one GPU.
  const double projections_s =
      linear_time_s(r, tokens, h * (1 + 2 * kv_ratio) / t, h) + linear_time_s(r, tokens, h, h / t);
  double mlp_s;
  if (k.moe) {
    const double local_experts = k.experts / e;
    const double expert_tokens = tokens * k.top_k * e / k.experts;
    mlp_s = local_experts * (linear_time_s(r, expert_tokens, k.gate * k.ffn / t, h) +
                             linear_time_s(r, expert_tokens, h, k.ffn / t)) +
            gemm_time_s(r, tokens, k.experts, h);
  } else {
    mlp_s =
        linear_time_s(r, tokens, k.gate * k.ffn / t, h) + linear_time_s(r, tokens, h, k.ffn / t);
  }
  g.linear_s = projections_s + mlp_s;
  if (k.fused) {
    // Causal: each query sees s/2 keys on average (CP ranks load-balanced as in Megatron).
    const double flop = 4 * m * seq_local * (s / 2) * h / t;
    g.core_fwd_s = flop / r.attention_flops;
    g.core_bwd_s = kFusedBackwardFactor * g.core_fwd_s;
  } else {
    g.core_fwd_s =
        m * k.heads / t *
        (gemm_time_s(r, seq_local, s, head_dim) + gemm_time_s(r, seq_local, head_dim, s));
    g.core_bwd_s = 2 * g.core_fwd_s;
  }
  g.tp_collective_s =
      tensor > 1 ? all_reduce_s(r, tokens * h * kActivationBytes, t, group_bandwidth(r, t, 1)) : 0;
  g.cp_fwd_s = 0;
  g.cp_gathered_bytes = 0;
  if (context > 1) {
    // K and V of this rank's chunk; a ring pass or an all-gather moves c - 1 chunks per rank.
    const double kv_bytes = 2 * tokens * h * kv_ratio / t * kActivationBytes;
    g.cp_fwd_s = (c - 1) * (kv_bytes / group_bandwidth(r, c, t) + r.latency_s);
    g.cp_gathered_bytes = c * kv_bytes;
  }
  g.ep_a2a_s = k.moe && expert > 1
                   ? all_to_all_s(r, tokens * k.top_k * h * kActivationBytes / t, e, t * c)
                   : 0;
  // The last stage also computes the logits and the loss.
  g.logits_s =
      3 * gemm_time_s(r, tokens, k.vocab / t, h) + 6 * 4 * tokens * k.vocab / t / r.hbm_bytes_per_s;
  g.logits_bytes = 4 * tokens * k.vocab / t;
  // Parameters held by one GPU per layer (and of the embedding, on the first and last stages).
  const double dense_layer_params = k.attention_params_per_layer + k.norm_params_per_layer +
                                    (k.moe ? k.router_params_per_layer : k.mlp_params_per_expert);
  g.embedding_params = k.vocab * h / t;
  g.dense_layer_params_per_gpu = dense_layer_params / t;
  g.expert_layer_params_per_gpu = k.moe ? (k.experts / e) * k.mlp_params_per_expert / t : 0;
}

double dense_params_of(const GemmTerms& g, double layers, bool end_stage) {
  return layers * g.dense_layer_params_per_gpu + (end_stage ? g.embedding_params : 0);
}

double expert_params_of(const GemmTerms& g, double layers) {
  return layers * g.expert_layer_params_per_gpu;
}

// (t, c, e, m, sequence parallelism, recomputation): one layer and one microbatch on one GPU.
struct LayerTerms {
  double replicated_bytes = 0, split_bytes = 0, softmax_stats_bytes = 0;
  double layer_activation_bytes = 0, score_elementwise_fwd_s = 0;
  double fwd_s = 0, bwd_s = 0, layer_compute_s = 0, layer_recompute_s = 0;
  double tp_fwd_exposed_s = 0, cp_fwd_exposed_s = 0;
  double layer_tp_s = 0, layer_cp_s = 0, layer_ep_s = 0, layer_s = 0;
  double stored_per_layer = 0, working_bytes = 0;
  // One offloaded layer and microbatch: its copy to host memory (and back), and what of the
  // two copies the neighbouring layers' compute does not hide.
  double offload_copy_s = 0, offload_exposed_s = 0;
};

LayerTerms layer_terms(const ModelTerms& k, const Rates& r, const GemmTerms& g,
                       bool sequence_parallel, Recompute recompute, CpComm cp_comm) {
  LayerTerms L;
  const double t = g.tensor, c = g.context, m = g.microbatch;
  const double h = k.hidden, s = k.seq;
  const double kv_ratio = k.kv_heads / k.heads;
  const double seq_local = s / c;
  const double tokens = m * seq_local; // per GPU per microbatch
  const bool sp = sequence_parallel && g.tensor > 1;
  const double linear_s = g.linear_s;
  // Stored activations of one layer and one microbatch (Korthikanti et al., generalised).
  // Replicated over t without SP: the two norms' inputs (2 B), their outputs, which are the
  // QKV and FC1 GEMMs' saved inputs (fp8: 1 B, Transformer Engine saves the cast copy), and
  // the two 1-byte dropout masks. Split over t: Q, K, V and the attention output (2 B; fused
  // kernels keep the output for their backward, the fp8 output projection saves its own 1-byte
  // cast), the MLP's activation input (g F, 2 B) and FC2's saved input (F, 1 or 2 B). bf16
  // with dropout: Korthikanti's 10 s b h and 24 s b h.
  const double lin_bytes = r.linear_operand_bytes;
  L.replicated_bytes = tokens * h * (4 + 2 * lin_bytes + (k.dropout ? 2 : 0)) / (sp ? t : 1);
  const double output_bytes = k.fused ? 2 + (k.fp8 ? 1 : 0) : lin_bytes;
  L.split_bytes =
      tokens *
      (h * (2 + 4 * kv_ratio + output_bytes) + (2 * k.gate + lin_bytes) * k.ffn * k.top_k) / t;
  const double score_bytes = k.fused ? 0 : 5 * k.heads * seq_local * s * m / t;
  L.softmax_stats_bytes = k.fused ? 4 * k.heads * tokens / t : 0;
  L.layer_activation_bytes =
      L.replicated_bytes + L.split_bytes + score_bytes + L.softmax_stats_bytes;
  const double elementwise_fwd_s = L.layer_activation_bytes / r.hbm_bytes_per_s;

  // Attention core (scores and weighted values).
  const double core_fwd_s = g.core_fwd_s, core_bwd_s = g.core_bwd_s;
  L.score_elementwise_fwd_s = score_bytes / r.hbm_bytes_per_s;

  // Tensor parallelism: 2 collectives forward, 2 backward, each paired with GEMMs.
  double tp_fwd_exposed_s = 0, tp_bwd_exposed_s = 0;
  if (g.tensor > 1) {
    const double tp_collective_s = g.tp_collective_s;
    if (r.tp_overlap && sp) {
      tp_fwd_exposed_s = 2 * (std::max(0.0, tp_collective_s - linear_s / 2) + tp_collective_s / t);
      tp_bwd_exposed_s = 2 * (std::max(0.0, tp_collective_s - linear_s) + tp_collective_s / t);
    } else {
      tp_fwd_exposed_s = 2 * tp_collective_s;
      tp_bwd_exposed_s = 2 * tp_collective_s;
    }
  }
  L.tp_fwd_exposed_s = tp_fwd_exposed_s;
  const double cp_fwd_s = g.cp_fwd_s;
  // Ring: the exchange overlaps the attention core (forward: K and V once around; backward: K
  // and V again and their gradients). All-gather: the same bytes before the core (forward), and
  // in the backward K and V gathered again and their gradients reduce-scattered, all exposed.
  const bool ring = cp_comm == CpComm::ring;
  const double cp_fwd_exposed_s = ring ? std::max(0.0, cp_fwd_s - core_fwd_s) : cp_fwd_s;
  const double cp_bwd_exposed_s = ring ? std::max(0.0, 2 * cp_fwd_s - core_bwd_s) : 2 * cp_fwd_s;
  L.cp_fwd_exposed_s = cp_fwd_exposed_s;
  const double ep_a2a_s = g.ep_a2a_s;

  // fp8 casts (Transformer Engine cast-transpose: read the bf16 tensor, write the fp8 copy and
  // its transpose, 4 bytes per element): forward, the four GEMM inputs; backward, the four
  // output gradients. Weights are cast once per step (cached across microbatches): left out.
  double cast_fwd_s = 0, cast_bwd_s = 0;
  if (k.fp8) {
    cast_fwd_s = 4 * tokens * (3 * h + k.ffn * k.top_k) / t / r.hbm_bytes_per_s;
    cast_bwd_s =
        4 * tokens * (h * (3 + 2 * kv_ratio) + k.gate * k.ffn * k.top_k) / t / r.hbm_bytes_per_s;
  }
  L.fwd_s = linear_s + core_fwd_s + elementwise_fwd_s + cast_fwd_s;
  L.bwd_s = 2 * linear_s + core_bwd_s + 2 * elementwise_fwd_s + cast_bwd_s;
  L.layer_compute_s = L.fwd_s + L.bwd_s;
  double recompute_tp_s = 0, recompute_ep_s = 0, recompute_cp_s = 0;
  if (recompute == Recompute::full) {
    L.layer_recompute_s = L.fwd_s;
    recompute_tp_s = tp_fwd_exposed_s;
    recompute_ep_s = 2 * ep_a2a_s;
    recompute_cp_s = cp_fwd_exposed_s;
  } else if (recompute == Recompute::selective && !k.fused) {
    L.layer_recompute_s = core_fwd_s + L.score_elementwise_fwd_s;
  }
  L.layer_tp_s = tp_fwd_exposed_s + tp_bwd_exposed_s + recompute_tp_s;
  L.layer_cp_s = cp_fwd_exposed_s + cp_bwd_exposed_s + recompute_cp_s;
  L.layer_ep_s = 4 * ep_a2a_s + recompute_ep_s;
  L.layer_s = L.layer_compute_s + L.layer_recompute_s + L.layer_tp_s + L.layer_cp_s + L.layer_ep_s;

  // Activations kept per layer and microbatch, and the working set of a recomputed layer.
  switch (recompute) {
  case Recompute::none:
    L.stored_per_layer = L.layer_activation_bytes;
    break;
  case Recompute::selective:
    L.stored_per_layer = L.replicated_bytes + L.split_bytes + L.softmax_stats_bytes;
    break;
  case Recompute::full:
  default:
    L.stored_per_layer = kActivationBytes * tokens * h / (sp ? t : 1);
    L.working_bytes = L.layer_activation_bytes;
    break;
  }
  // An all-gather holds one layer's K and V of the whole sequence while its attention runs.
  if (cp_comm == CpComm::all_gather) L.working_bytes += g.cp_gathered_bytes;

  // Activation offload (Megatron-Core cpu_offloading, Transformer Engine's double-buffered
  // handler): after an offloaded layer's forward its stored activations are copied to host
  // memory while the next layer computes; in the backward each is read back while the layer
  // after it (in backward order) computes. A copy longer than that layer shows, and both
  // copies move the bytes through HBM as well.
  if (r.host_bytes_per_s > 0) {
    L.offload_copy_s = L.stored_per_layer / r.host_bytes_per_s;
    const double fwd_s = L.fwd_s + tp_fwd_exposed_s + cp_fwd_exposed_s;
    const double bwd_s = L.bwd_s + tp_bwd_exposed_s + cp_bwd_exposed_s;
    L.offload_exposed_s = std::max(0.0, L.offload_copy_s - fwd_s) +
                          std::max(0.0, L.offload_copy_s - bwd_s) +
                          2 * L.stored_per_layer / r.hbm_bytes_per_s;
  }
  return L;
}

// (t, c, e, m, sp, recompute, p, v): the stage times per microbatch.
struct PipelineTerms {
  double pp_mb_s = 0, slowest_s = 0, sum_s = 0, bubble_s = 0;
  double offload_mb_s = 0;                 // exposed offload copies per microbatch (stage 0)
  double first_fwd_s = 0, first_bwd_s = 0; // the first stage's last forward and backward
  int slowest = 0, slowest_layers = 0;
  bool slowest_has_logits = false;
};

PipelineTerms pipeline_terms(const ModelTerms& k, const Rates& r, const StageShape& shape,
                             const GemmTerms& g, const LayerTerms& L, double d,
                             int offload_layers) {
  PipelineTerms P;
  const double t = g.tensor, p = shape.pipeline, v = shape.interleave, c = g.context,
               m = g.microbatch;
  const double h = k.hidden, s = k.seq;
  const double seq_local = s / c;
  const double tokens = m * seq_local; // per GPU per microbatch
  const double layer_s = L.layer_s, logits_s = g.logits_s;
  double pp_mb_s = 0;
  if (shape.pipeline > 1) {
    // Neighbouring stages are t c d ranks apart: over NVLink when the whole pipeline sits in
    // one domain, else some boundaries cross it; the slowest stage is taken to be one of them.
    const double bw = p * t * c * d <= r.domain ? r.nvlink_bytes_per_s : r.network_bytes_per_s;
    const double transfer_s = tokens * h * kActivationBytes / t / bw;
    // The interleaved schedule overlaps each send and receive with the next chunk's compute
    // (Megatron-Core overlap_p2p_comm, on with virtual pipelining): only the excess and the
    // message latency show. The plain 1F1B schedule sends and receives between steps.
    const double chunk_s = k.layers / (p * v) * L.fwd_s;
    const double exposed_s = v > 1 ? std::max(0.0, transfer_s - chunk_s) : transfer_s;
    pp_mb_s = 2 * v * (exposed_s + r.latency_s);
  }
  P.pp_mb_s = pp_mb_s;

  // Stage times per microbatch: the slowest bounds the step, the others fill and drain.
  const bool single = shape.pipeline == 1;
  // Offloaded layers are the first ones, all on stage 0 (offload needs pipeline 1).
  P.offload_mb_s = offload_layers * L.offload_exposed_s;
  const double first_s = shape.first * layer_s + (single ? logits_s : 0) + pp_mb_s + P.offload_mb_s;
  const double last_s = single ? first_s : shape.last * layer_s + logits_s + pp_mb_s;
  const double mid_s = shape.max_mid_index >= 0 ? shape.max_mid * layer_s + pp_mb_s : 0;
  double slowest_s = first_s;
  int slowest = 0, slowest_layers = shape.first;
  bool slowest_has_logits = single;
  if (last_s > slowest_s) {
    slowest_s = last_s;
    slowest = shape.pipeline - 1;
    slowest_layers = shape.last;
    slowest_has_logits = true;
  }
  if (mid_s > slowest_s) {
    slowest_s = mid_s;
    slowest = shape.max_mid_index;
    slowest_layers = shape.max_mid;
    slowest_has_logits = false;
  }
  P.slowest_s = slowest_s;
  P.slowest = slowest;
  P.slowest_layers = slowest_layers;
  P.slowest_has_logits = slowest_has_logits;
  P.sum_s = k.layers * layer_s + logits_s + p * pp_mb_s + P.offload_mb_s;
  P.bubble_s = (P.sum_s - slowest_s) / v;
  // The first stage finishes its last backward last: the data-parallel reduction overlaps it.
  P.first_fwd_s = shape.first * (L.fwd_s + (L.tp_fwd_exposed_s + L.cp_fwd_exposed_s));
  P.first_bwd_s = shape.first * (L.bwd_s + L.layer_recompute_s);
  return P;
}

// (t, c, e, p, first stage's layers): one data-parallel pass over the first stage's parameters.
struct DpPass {
  int tensor = 0, context = 0, expert = 0, pipeline = 0, first_layers = -1;
  double first_dense = 0, first_expert = 0;
  double buckets = 0, pass_s = 0, fsdp_buckets = 0, fsdp_pass_s = 0;
  // The weights' all-gather when the transformer layers' weights travel in fp8 (1 byte; the
  // embedding stays bf16): fp8_param_gather.
  double fp8_gather_pass_s = 0, fp8_fsdp_gather_pass_s = 0;
  bool matches(const GemmTerms& g, const StageShape& shape) const {
    return tensor == g.tensor && context == g.context && expert == g.expert &&
           pipeline == shape.pipeline && first_layers == shape.first;
  }
};

void dp_pass(const Rates& r, const GemmTerms& g, const StageShape& shape, double dp_ranks,
             double expert_dp_ranks, DpPass& dp) {
  dp.tensor = g.tensor;
  dp.context = g.context;
  dp.expert = g.expert;
  dp.pipeline = shape.pipeline;
  dp.first_layers = shape.first;
  const double t = g.tensor, e = g.expert;
  dp.first_dense = dense_params_of(g, shape.first, true);
  dp.first_expert = expert_params_of(g, shape.first);
  const CollectiveCost dense_rs = hierarchical_rs(r, dp.first_dense * kGradientBytes, dp_ranks, t);
  const CollectiveCost expert_rs =
      hierarchical_rs(r, dp.first_expert * kGradientBytes, expert_dp_ranks, t * e);
  const double grad_bytes = (dp.first_dense + dp.first_expert) * kGradientBytes;
  // Megatron-Core DDP and distributed optimizer: buckets of max(40 M, 1 M x DP ranks)
  // parameters (distributed_data_parallel.py), so the count falls as DP grows. ZeRO-3
  // (Megatron FSDP, PyTorch FSDP): one unit per transformer layer, plus the embedding.
  const double bucket_bytes =
      std::max(r.bucket_bytes, kBucketParamsPerRank * dp_ranks * kGradientBytes);
  dp.buckets = std::max(1.0, std::ceil(grad_bytes / bucket_bytes));
  dp.fsdp_buckets = shape.first + 1.0;
  // One pass (reduce-scatter or all-gather): bandwidth, plus every bucket's ring latency.
  const double bandwidth_s = dense_rs.bandwidth_s + expert_rs.bandwidth_s;
  const double latency_s = dense_rs.latency_s + expert_rs.latency_s;
  dp.pass_s = bandwidth_s + dp.buckets * latency_s;
  dp.fsdp_pass_s = bandwidth_s + dp.fsdp_buckets * latency_s;
  const double fp8_dense_bytes =
      (dp.first_dense - g.embedding_params) * kFp8WeightBytes + g.embedding_params * kGradientBytes;
  const CollectiveCost dense_ag = hierarchical_rs(r, fp8_dense_bytes, dp_ranks, t);
  const CollectiveCost expert_ag =
      hierarchical_rs(r, dp.first_expert * kFp8WeightBytes, expert_dp_ranks, t * e);
  const double ag_bandwidth_s = dense_ag.bandwidth_s + expert_ag.bandwidth_s;
  dp.fp8_gather_pass_s = ag_bandwidth_s + dp.buckets * latency_s;
  dp.fp8_fsdp_gather_pass_s = ag_bandwidth_s + dp.fsdp_buckets * latency_s;
}

// (... , ZeRO stage): the data-parallel reduction's exposed and total time, the optimizer step.
struct DpTerms {
  double total_s = 0, exposed_s = 0, buckets = 0, optimizer_s = 0;
};

DpTerms dp_terms(const Rates& r, const DpPass& dp, int zero_stage, bool fp8_param_gather,
                 double optimizer_bytes, double dp_ranks, double expert_dp_ranks,
                 double microbatches, const PipelineTerms& P) {
  DpTerms D;
  const bool fsdp = zero_stage >= 3;
  D.buckets = fsdp ? dp.fsdp_buckets : dp.buckets;
  const double buckets = D.buckets;
  const double pass_s = fsdp ? dp.fsdp_pass_s : dp.pass_s;
  // The weights' all-gather (ZeRO >= 1); the gradients' reduce-scatter stays bf16.
  const double gather_s = !fp8_param_gather || zero_stage == 0 ? pass_s
                          : fsdp                               ? dp.fp8_fsdp_gather_pass_s
                                                               : dp.fp8_gather_pass_s;
  const double first_fwd_s = P.first_fwd_s, first_bwd_s = P.first_bwd_s;
  if (dp_ranks > 1) {
    if (zero_stage == 0) {
      D.total_s = 2 * pass_s; // all-reduce = reduce-scatter + all-gather
      D.exposed_s = bucketed_exposed_s(D.total_s, first_bwd_s, buckets);
    } else if (zero_stage <= 2) {
      // Distributed optimizer: gradients reduce-scattered during the last backward, updated
      // weights all-gathered during the next step's first forward.
      D.total_s = pass_s + gather_s;
      D.exposed_s = bucketed_exposed_s(pass_s, first_bwd_s, buckets) +
                    bucketed_exposed_s(gather_s, first_fwd_s, buckets);
    } else {
      // ZeRO-3 / FSDP: every microbatch gathers the weights for its forward and again for its
      // backward (and its recomputation, which runs inside the backward) and reduce-scatters
      // its gradients.
      D.total_s = microbatches * (2 * gather_s + pass_s);
      D.exposed_s = microbatches * (bucketed_exposed_s(gather_s, first_fwd_s, buckets) +
                                    bucketed_exposed_s(gather_s + pass_s, first_bwd_s, buckets));
    }
  }
  const double dense_shard = zero_stage >= 1 ? dp_ranks : 1;
  const double expert_shard = zero_stage >= 1 ? expert_dp_ranks : 1;
  // The update reads each parameter's gradient and states and writes its states and weight.
  const double traffic_bytes = 2 * (kGradientBytes + optimizer_bytes);
  D.optimizer_s = traffic_bytes * (dp.first_dense / dense_shard + dp.first_expert / expert_shard) /
                  r.hbm_bytes_per_s;
  return D;
}

double step_time_of(double microbatches, const PipelineTerms& P, const DpTerms& D) {
  return microbatches * P.slowest_s + P.bubble_s + D.exposed_s + D.optimizer_s;
}

// Microbatches in flight on each candidate stage (StageShape::cand_index) of one (p, v, n_mb):
// its peak layer-microbatches over its layers.
struct InFlight {
  std::array<double, 12> of{};
};

void stage_in_flight(const StageShape& shape, double microbatches, InFlight& out) {
  for (int i = 0; i < shape.candidates; ++i) {
    const int layers = shape.cand_layers[i];
    out.of[i] = layers == 0
                    ? 0
                    : peak_layer_microbatches(shape.pipeline, shape.interleave, shape.cand_index[i],
                                              shape.chunk_layers, shape.cand_short_head[i],
                                              shape.cand_short_tail[i], microbatches) /
                          layers;
  }
}

// Memory per GPU: every candidate stage, the largest total (usable_bytes left to the caller).
// inv_dp = 1 / (d c) and inv_edp = 1 / (d c / e): the ZeRO shards.
void memory_terms(const StageShape& shape, const GemmTerms& g, const LayerTerms& L, int zero_stage,
                  double optimizer_bytes, double inv_dp, double inv_edp, const InFlight& flights,
                  int offload_layers, MemoryBreakdown& mem) {
  const double p = shape.pipeline;
  mem.total_bytes = -1;
  mem.host_bytes = 0;
  // Shares of a stage's parameters each GPU holds (ZeRO sharding over the DP ranks).
  const double weight_share = zero_stage >= 3 ? inv_dp : 1;
  const double expert_weight_share = zero_stage >= 3 ? inv_edp : 1;
  const double grad_share = zero_stage >= 2 ? inv_dp : 1;
  const double expert_grad_share = zero_stage >= 2 ? inv_edp : 1;
  const double opt_share = zero_stage >= 1 ? inv_dp : 1;
  const double expert_opt_share = zero_stage >= 1 ? inv_edp : 1;
  for (int i = 0; i < shape.candidates; ++i) {
    const double j = shape.cand_index[i], layers = shape.cand_layers[i];
    const bool first = j == 0, last = j == p - 1;
    const double dense = dense_params_of(g, layers, first || last);
    const double expert = expert_params_of(g, layers);
    const double weights = kWeightBytes * (dense * weight_share + expert * expert_weight_share);
    const double gradients = kGradientBytes * (dense * grad_share + expert * expert_grad_share);
    const double optimizer = optimizer_bytes * (dense * opt_share + expert * expert_opt_share);
    // Offloaded layers (the first ones, stage 0) leave HBM but for one layer's copy buffer.
    const double offloaded = first ? offload_layers : 0;
    const double kept_layers = layers - offloaded + (offloaded > 0 ? 1 : 0);
    const double activations = kept_layers * L.stored_per_layer * flights.of[i] + L.working_bytes +
                               (last ? g.logits_bytes : 0);
    if (first) mem.host_bytes = offloaded * L.stored_per_layer * flights.of[i];
    const double total = weights + gradients + optimizer + activations;
    if (total > mem.total_bytes) {
      mem.weights_bytes = weights;
      mem.gradients_bytes = gradients;
      mem.optimizer_bytes = optimizer;
      mem.activations_bytes = activations;
      mem.total_bytes = total;
      mem.stage = static_cast<int>(j);
    }
  }
}

// The whole evaluation of one configuration (estimate_step, and the search's kept layouts).
// `out.message` is untouched.
void evaluate(const ModelTerms& k, const ParallelConfig& cfg, const StageShape& shape, int gpus,
              const Rates& r, const StepHardware& hw, const StepEfficiency& eff, StepResult& out) {
  GemmTerms g;
  gemm_terms(k, r, cfg.tensor, cfg.context, cfg.expert, cfg.microbatch, g);
  const double t = cfg.tensor, p = cfg.pipeline, c = cfg.context, e = cfg.expert,
               m = cfg.microbatch;
  const double d = static_cast<double>(gpus) / (t * p * c);
  const double microbatches = k.batch / (d * m);
  const LayerTerms L = layer_terms(k, r, g, cfg.sequence_parallel, cfg.recompute, cfg.cp_comm);
  const PipelineTerms P = pipeline_terms(k, r, shape, g, L, d, cfg.offload_layers);
  const double dp_ranks = d * c;
  const double expert_dp_ranks = d * c / e;
  const double optimizer_bytes = optimizer_bytes_of(cfg.bf16_optimizer);
  DpPass dp;
  dp_pass(r, g, shape, dp_ranks, expert_dp_ranks, dp);
  const DpTerms D = dp_terms(r, dp, cfg.zero_stage, cfg.fp8_param_gather, optimizer_bytes, dp_ranks,
                             expert_dp_ranks, microbatches, P);

  const double tp_collective_s = cfg.tensor > 1 ? g.tp_collective_s : 0;
  const double slowest_layers = P.slowest_layers;
  TimeBreakdown& tb = out.time;
  const double n = microbatches;
  tb.compute_s =
      n * (P.slowest_layers * L.layer_compute_s + (P.slowest_has_logits ? g.logits_s : 0));
  tb.recompute_s = n * P.slowest_layers * L.layer_recompute_s;
  tb.tp_comm_s = n * P.slowest_layers * L.layer_tp_s;
  tb.tp_comm_total_s =
      n * slowest_layers * tp_collective_s * (cfg.recompute == Recompute::full ? 6 : 4);
  tb.cp_comm_s = n * slowest_layers * L.layer_cp_s;
  tb.cp_comm_total_s = n * slowest_layers * g.cp_fwd_s * (cfg.recompute == Recompute::full ? 4 : 3);
  tb.ep_comm_s = n * slowest_layers * L.layer_ep_s;
  tb.pp_comm_s = n * P.pp_mb_s;
  tb.bubble_s = P.bubble_s;
  tb.dp_comm_s = D.exposed_s;
  tb.dp_comm_total_s = D.total_s;
  tb.dp_overlap_s = P.first_bwd_s;
  tb.dp_buckets = D.buckets;
  tb.optimizer_s = D.optimizer_s;
  tb.offload_s = n * P.offload_mb_s;
  tb.offload_total_s = n * cfg.offload_layers * 2 * L.offload_copy_s;
  out.step_time_s = step_time_of(n, P, D);
  out.stages = StageSummary{.first_layers = shape.first,
                            .last_layers = shape.last,
                            .max_layers = std::max({shape.first, shape.last, shape.max_mid}),
                            .slowest = P.slowest,
                            .slowest_s = P.slowest_s,
                            .sum_s = P.sum_s};

  out.data_parallel = static_cast<int>(d);
  out.microbatches = static_cast<int>(microbatches);
  const double tokens_per_step = k.batch * k.seq;
  out.model_flop = k.model_flop;
  out.model_flop_noncausal = k.model_flop_noncausal;
  double recompute_flop = 0;
  if (cfg.recompute == Recompute::full)
    recompute_flop = k.recompute_full_flop;
  else if (cfg.recompute == Recompute::selective && !k.fused)
    recompute_flop = k.recompute_selective_flop;
  out.hardware_flop = out.model_flop + recompute_flop;
  out.tokens_per_s = tokens_per_step / out.step_time_s;
  out.model_flops_per_gpu = out.model_flop / out.step_time_s / gpus;
  out.hardware_flops_per_gpu = out.hardware_flop / out.step_time_s / gpus;
  out.mfu = out.model_flops_per_gpu / hw.peak_flops;

  InFlight flights;
  stage_in_flight(shape, microbatches, flights);
  memory_terms(shape, g, L, cfg.zero_stage, optimizer_bytes, 1 / dp_ranks, 1 / expert_dp_ranks,
               flights, cfg.offload_layers, out.memory);
  out.memory.usable_bytes = usable_bytes(hw, eff);
  out.memory.host_usable_bytes = hw.host_memory_bytes;
  out.fits = fits_memory(out.memory);
}

std::string format_gb(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f GB", bytes / 1e9);
  return buf;
}

std::string shortfall_message(const MemoryBreakdown& mem, const ParallelConfig& cfg,
                              const StepResult& r, const StepHardware& hw,
                              const StepEfficiency& eff) {
  if (mem.total_bytes <= mem.usable_bytes) {
    // HBM holds it: the host memory the offloaded activations need does not.
    char host[200];
    std::snprintf(host, sizeof host,
                  "offloaded activations %.1f GB (%d layers) > %.1f GB of host memory per GPU",
                  mem.host_bytes / 1e9, cfg.offload_layers, mem.host_usable_bytes / 1e9);
    return host;
  }
  std::array<std::pair<double, const char*>, 4> parts{{{mem.activations_bytes, "activations"},
                                                       {mem.optimizer_bytes, "optimizer"},
                                                       {mem.weights_bytes, "weights"},
                                                       {mem.gradients_bytes, "gradients"}}};
  std::stable_sort(parts.begin(), parts.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::string text;
  if (cfg.pipeline > 1)
    text = "pipeline stage " + std::to_string(mem.stage) + " of " + std::to_string(cfg.pipeline) +
           ": ";
  bool first = true;
  for (const auto& [bytes, name] : parts) {
    if (bytes <= 0) continue;
    if (!first) text += " + ";
    first = false;
    text += std::string(name) + " " + format_gb(bytes);
  }
  char tail[200];
  std::snprintf(tail, sizeof tail,
                " = %.1f GB > %.1f GB usable (%.0f GB HBM less %.1f GB runtime reserve and "
                "%.0f%% fragmentation)",
                mem.total_bytes / 1e9, mem.usable_bytes / 1e9, hw.hbm_bytes / 1e9,
                eff.runtime_reserve_bytes / 1e9, 100 * eff.fragmentation_fraction);
  (void)r;
  return text + tail;
}

bool divides(long long divisor, long long value) {
  return divisor > 0 && value % divisor == 0;
}

// Megatron-Core's activation-offload constraints on what is known: the layer count, the
// pipeline degree and the recomputation (nullopt: not given, so not checked).
void check_offload(int offload_layers, std::optional<int> layers, std::optional<int> pipeline,
                   std::optional<Recompute> recompute, std::vector<std::string>& problems) {
  if (offload_layers < 0)
    problems.push_back("offload-layers must be 0 or more, got " + std::to_string(offload_layers));
  if (offload_layers <= 0) return;
  if (layers && offload_layers >= *layers)
    problems.push_back("offload-layers (" + std::to_string(offload_layers) +
                       ") must be below layers (" + std::to_string(*layers) +
                       "): Megatron-Core keeps the last layer's activations on the GPU");
  if (pipeline && *pipeline != 1)
    problems.push_back("activation offload needs pp 1 (Megatron-Core offloads only without "
                       "pipeline parallelism), got pp " +
                       std::to_string(*pipeline));
  if (recompute && *recompute != Recompute::none)
    problems.push_back(std::string("activation offload excludes recomputation (Megatron-Core), "
                                   "got recompute ") +
                       to_string(*recompute));
}

// Input errors: the problems joined by "; ", thrown as std::invalid_argument.
void throw_if_problems(const std::vector<std::string>& problems) {
  if (problems.empty()) return;
  std::string text;
  for (const auto& p : problems)
    text += (text.empty() ? "" : "; ") + p;
  throw std::invalid_argument(text);
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

const char* to_string(Attention attention) {
  return attention == Attention::fused ? "fused" : "unfused";
}

const char* to_string(Precision precision) {
  return precision == Precision::fp8 ? "fp8" : "bf16";
}

std::optional<Recompute> parse_recompute(const std::string& name) {
  if (name == "none") return Recompute::none;
  if (name == "selective") return Recompute::selective;
  if (name == "full") return Recompute::full;
  return std::nullopt;
}

std::optional<Attention> parse_attention(const std::string& name) {
  if (name == "fused") return Attention::fused;
  if (name == "unfused") return Attention::unfused;
  return std::nullopt;
}

std::optional<CpComm> parse_cp_comm(const std::string& name) {
  if (name == "ring") return CpComm::ring;
  if (name == "all_gather") return CpComm::all_gather;
  return std::nullopt;
}

const char* to_string(CpComm cp_comm) {
  return cp_comm == CpComm::ring ? "ring" : "all_gather";
}

std::optional<Precision> parse_precision(const std::string& name) {
  if (name == "bf16") return Precision::bf16;
  if (name == "fp8") return Precision::fp8;
  return std::nullopt;
}

namespace {

// The fitted part of one generation's efficiencies (see step_efficiency_for).
struct FittedSet {
  const char* generation;
  double gemm, fp8_gemm, attention, hbm, nvlink, network, network_latency_s;
  bool tp_comm_overlap;
};

// Ampere: Megatron-LM 2021-2022 (the calibration rows): no fused attention, no TP overlap; no
// fp8 tensor cores (fp8_gemm unused). Hopper and Blackwell: NeMo's fp8 recipes. Hopper's bf16
// GEMM fraction alone is fitted on the DGX Cloud Benchmarking BF16 rows (NeMo 24.05 to 24.12),
// the rest of its set fixed; Blackwell's (0.75) is a stated assumption: its rows are all fp8.
constexpr FittedSet kAmpere{"ampere", 0.82, 1, 0.55, 0.67, 0.68, 0.55, 12e-6, false};
constexpr FittedSet kHopper{"hopper", 0.681, 0.583, 0.522, 0.768, 0.419, 0.528, 99.0e-6, true};
constexpr FittedSet kBlackwell{"blackwell", 0.75, 0.567, 0.716, 0.482, 0.222, 0.259, 31.0e-6, true};

const FittedSet& fitted_set(const std::string& gpu_name) {
  auto has = [&](const char* part) { return gpu_name.find(part) != std::string::npos; };
  if (has("A100") || has("A800") || has("A30")) return kAmpere;
  if (has("B200") || has("B300") || has("GB2") || has("GB3")) return kBlackwell;
  return kHopper;
}

// Per software release (NeMo container) of a generation: the fp8 GEMM and NVLink fractions
// fitted on that release's fitted calibration rows, the generation's other figures fixed
// (tests/models/test_training.cpp, "fit" test case). Only releases with at least two fitted
// rows have a set; oldest first.
struct ReleaseSet {
  const char* generation;
  const char* software;
  double fp8_gemm, nvlink;
};
constexpr ReleaseSet kReleaseSets[] = {
    {"hopper", "nemo-24.07", 0.528, 0.634},       {"hopper", "nemo-25.09", 0.583, 0.419},
    {"hopper", "nemo-25.11", 0.617, 0.294},       {"hopper", "nemo-26.04.01", 0.560, 0.947},
    {"blackwell", "nemo-25.04", 0.567, 0.256},    {"blackwell", "nemo-25.09", 0.515, 0.231},
    {"blackwell", "nemo-25.11", 0.600, 0.194},    {"blackwell", "nemo-26.02", 0.567, 0.220},
    {"blackwell", "nemo-26.04.01", 0.612, 0.317},
};

} // namespace

bool valid_software_name(const std::string& software) {
  // nemo-YY.MM or nemo-YY.MM.PP
  const std::string prefix = "nemo-";
  if (software.rfind(prefix, 0) != 0) return false;
  const std::string tag = software.substr(prefix.size());
  auto digits = [&](size_t at) {
    return at + 1 < tag.size() && std::isdigit(static_cast<unsigned char>(tag[at])) &&
           std::isdigit(static_cast<unsigned char>(tag[at + 1]));
  };
  if (tag.size() != 5 && tag.size() != 8) return false;
  if (!digits(0) || tag[2] != '.' || !digits(3)) return false;
  return tag.size() == 5 || (tag[5] == '.' && digits(6));
}

std::vector<std::string> fitted_software_releases(const std::string& gpu_name) {
  std::vector<std::string> releases;
  const std::string generation = fitted_set(gpu_name).generation;
  for (const ReleaseSet& r : kReleaseSets)
    if (generation == r.generation) releases.emplace_back(r.software);
  return releases;
}

StepEfficiency generation_step_efficiency(const std::string& gpu_name) {
  // Every generation: the runtime reserve and fragmentation (usable HBM), the DP bucket size
  // (Megatron-Core DDP: at least 40 M parameters = 80 MB of bf16 gradients) and the
  // per-message latency inside a domain are stated assumptions, not fitted; the fractions and
  // the network latency are fitted on the calibration rows of that generation only
  // (tests/models/test_training.cpp, "fit" test case, reproduces them).
  StepEfficiency e;
  e.bucket_bytes = 80e6;
  e.runtime_reserve_bytes = 3e9; // CUDA context ~0.5 GB, NCCL channel buffers of 4-5
                                 // communicators ~1 GB, cuBLAS/attention/TP-overlap workspaces
  // Caching allocator, reserved less allocated: NeMo's recipes run it with
  // expandable_segments:True, which grows segments in place instead of splitting blocks.
  e.fragmentation_fraction = 0.03;
  e.message_latency_s = 5e-6;
  // Offload copies (cudaMemcpyAsync on the copy engines, pinned host buffers): 0.8 of the host
  // link. ASSUMPTION, not fitted: only the GB200 rows offload, and a fraction fitted on them
  // would absorb their other errors.
  e.host_link_fraction = 0.8;
  const FittedSet& f = fitted_set(gpu_name);
  e.generation = f.generation;
  e.gemm_fraction = f.gemm;
  e.fp8_gemm_fraction = f.fp8_gemm;
  e.attention_fraction = f.attention;
  e.hbm_fraction = f.hbm;
  e.nvlink_fraction = f.nvlink;
  e.network_fraction = f.network;
  e.network_latency_s = f.network_latency_s;
  e.tp_comm_overlap = f.tp_comm_overlap;
  return e;
}

StepEfficiency step_efficiency_for(const std::string& gpu_name, const std::string& software) {
  StepEfficiency e = generation_step_efficiency(gpu_name);
  const ReleaseSet* chosen = nullptr;
  for (const ReleaseSet& r : kReleaseSets) {
    if (e.generation != r.generation) continue;
    if (software.empty() || software == r.software) chosen = &r; // the latest when empty
  }
  if (chosen) {
    e.software = chosen->software;
    e.fp8_gemm_fraction = chosen->fp8_gemm;
    e.nvlink_fraction = chosen->nvlink;
  } else if (!software.empty()) {
    std::string fitted;
    for (const std::string& r : fitted_software_releases(gpu_name))
      fitted += (fitted.empty() ? "" : ", ") + r;
    e.software_note = software + " has no fit of its own on " + e.generation +
                      " GPUs (fewer than two fitted calibration rows; releases with their own "
                      "fit: " +
                      (fitted.empty() ? std::string("none") : fitted) +
                      "): using the generation's efficiencies, fitted on all its releases";
  }
  return e;
}

StepEfficiency default_step_efficiency() {
  return generation_step_efficiency("A100");
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

std::vector<std::string> validate_offload_hardware(const StepHardware& hw) {
  std::vector<std::string> problems;
  if (!(hw.host_link_bytes_per_s > 0))
    problems.push_back(
        "activation offload needs the GPU's host link bandwidth (catalogue system key "
        "host_link_bandwidth_per_gpu); " +
        hw.name + " has none");
  if (!(hw.host_memory_bytes > 0))
    problems.push_back("activation offload needs the host memory per GPU (catalogue system key "
                       "host_memory_per_gpu); " +
                       hw.name + " has none");
  return problems;
}

std::vector<std::string> validate(const StepEfficiency& eff) {
  std::vector<std::string> problems;
  check_range(problems, "gemm_fraction", eff.gemm_fraction, 0, 1, true);
  check_range(problems, "fp8_gemm_fraction", eff.fp8_gemm_fraction, 0, 1, true);
  check_range(problems, "attention_fraction", eff.attention_fraction, 0, 1, true);
  check_range(problems, "hbm_fraction", eff.hbm_fraction, 0, 1, true);
  check_range(problems, "nvlink_fraction", eff.nvlink_fraction, 0, 1, true);
  check_range(problems, "network_fraction", eff.network_fraction, 0, 1, true);
  check_range(problems, "host_link_fraction", eff.host_link_fraction, 0, 1, true);
  check_range(problems, "message_latency_s", eff.message_latency_s, 0, 1, false);
  check_range(problems, "network_latency_s", eff.network_latency_s, 0, 1, false);
  check_range(problems, "bucket_bytes", eff.bucket_bytes, 0, 1e12, true);
  check_range(problems, "runtime_reserve_bytes", eff.runtime_reserve_bytes, 0, 1e12, false);
  check_range(problems, "fragmentation_fraction", eff.fragmentation_fraction, 0, 0.99, false);
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
  need(divides(tpc, gpus), "gpus (" + str(gpus) + ") must be divisible by tp*pp*cp (" +
                               str(cfg.tensor) + "*" + str(cfg.pipeline) + "*" + str(cfg.context) +
                               " = " + str(tpc) + ")");
  need(divides(cfg.tensor, model.heads),
       "heads (" + str(model.heads) + ") must be divisible by tp (" + str(cfg.tensor) + ")");
  need(divides(cfg.tensor, model.kv_heads),
       "kv-heads (" + str(model.kv_heads) + ") must be divisible by tp (" + str(cfg.tensor) + ")");
  need(divides(cfg.tensor, model.ffn),
       "ffn (" + str(model.ffn) + ") must be divisible by tp (" + str(cfg.tensor) + ")");
  need(1LL * cfg.pipeline * cfg.interleave - 2 <= model.layers,
       "layers (" + str(model.layers) + ") must be at least pp*interleave - 2 (" +
           str(cfg.pipeline) + "*" + str(cfg.interleave) +
           " - 2 = " + str(1LL * cfg.pipeline * cfg.interleave - 2) +
           "): every model chunk but the first (the embedding) and the last (the output layer) "
           "needs a layer");
  need(cfg.interleave == 1 || cfg.pipeline > 1, "interleave > 1 needs pipeline parallelism");
  need(divides(cfg.context, model.seq_len),
       "seq (" + str(model.seq_len) + ") must be divisible by cp (" + str(cfg.context) + ")");
  need(divides(cfg.expert, model.experts),
       "experts (" + str(model.experts) + ") must be divisible by ep (" + str(cfg.expert) + ")");
  need(!cfg.sequence_parallel || cfg.tensor > 1, "sequence parallelism needs tp > 1");
  check_offload(cfg.offload_layers, model.layers, cfg.pipeline, cfg.recompute, problems);
  need(!cfg.fp8_param_gather || (model.precision == Precision::fp8 && cfg.zero_stage >= 1),
       "fp8 parameter gather needs fp8 precision and zero stage >= 1 (the distributed optimizer "
       "or FSDP gathers the weights), got precision " +
           std::string(to_string(model.precision)) + ", zero stage " + str(cfg.zero_stage));
  if (!divides(tpc, gpus)) return problems;
  const long long d = gpus / tpc;
  need(divides(cfg.expert, d), "data parallel degree (" + str(d) +
                                   " = gpus / (tp*pp*cp)) must be divisible by ep (" +
                                   str(cfg.expert) + ")");
  const long long dm = d * cfg.microbatch;
  if (!divides(dm, model.global_batch)) {
    problems.push_back("global-batch (" + str(model.global_batch) +
                       ") must be divisible by dp*microbatch (" + str(d) + "*" +
                       str(cfg.microbatch) + " = " + str(dm) + ")");
    return problems;
  }
  const long long microbatches = model.global_batch / dm;
  need(cfg.interleave == 1 || microbatches % cfg.pipeline == 0,
       "the interleaved schedule needs the microbatch count (" + str(microbatches) +
           " = global-batch / (dp*microbatch)) divisible by pp (" + str(cfg.pipeline) + ")");
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

double model_flop_per_step(const TransformerSpec& model, bool causal) {
  return hardware_flop_per_step(model, Recompute::none, causal);
}

double hardware_flop_per_step(const TransformerSpec& model, Recompute recompute, bool causal) {
  const ModelTerms k = make_terms(model);
  const double h = k.hidden, s = k.seq;
  const double kv_ratio = k.kv_heads / k.heads;
  const double tokens = k.batch * s;
  const double core = 4 * s * h * (causal ? 0.5 : 1);
  const double layer = 2 * h * h * (2 + 2 * kv_ratio) + core +
                       2 * (k.gate + 1) * h * k.ffn * k.top_k + (k.moe ? 2 * h * k.experts : 0);
  double flop = 3 * tokens * (k.layers * layer + 2 * h * k.vocab);
  if (recompute == Recompute::full) flop += tokens * k.layers * layer;
  if (recompute == Recompute::selective && !k.fused) flop += tokens * k.layers * core;
  return flop;
}

std::vector<int> stage_layers(int layers, int pipeline, int interleave) {
  std::vector<int> sizes;
  fill_stage_layers(layers, pipeline, interleave, sizes);
  return sizes;
}

std::vector<int> chunk_layers(int layers, int pipeline, int interleave) {
  std::vector<int> chunks;
  fill_chunk_layers(layers, pipeline, interleave, chunks);
  return chunks;
}

double peak_stage_activations(int layers, int pipeline, int interleave, int stage,
                              int microbatches) {
  const std::vector<int> chunks = chunk_layers(layers, pipeline, interleave);
  if (chunks.empty() || stage < 0 || stage >= pipeline || microbatches < 1)
    throw std::invalid_argument("peak_stage_activations: no such layout or stage");
  if (interleave > 1 && microbatches % pipeline)
    throw std::invalid_argument(
        "peak_stage_activations: interleaving needs microbatches divisible by pipeline");
  const int q = *std::max_element(chunks.begin(), chunks.end());
  int total = 0, head = 0, tail = 0;
  stage_pattern(chunks, pipeline, interleave, q, stage, total, head, tail);
  return peak_layer_microbatches(pipeline, interleave, stage, q, head, tail, microbatches);
}

double exposed_reduction_s(double comm_s, double overlap_s, double buckets) {
  return bucketed_exposed_s(comm_s, overlap_s, std::max(1.0, buckets));
}

ReductionStep reduction_step(double flop_per_step, double rate_flops, double parameters,
                             double bucket_bytes, int microbatches) {
  ReductionStep r;
  r.compute_s = rate_flops > 0 ? flop_per_step / rate_flops : 0;
  r.overlap_s = r.compute_s * 2 / 3 / std::max(1, microbatches);
  r.gradient_bytes = kGradientBytes * parameters;
  r.buckets = bucket_bytes > 0 ? std::max(1.0, std::ceil(r.gradient_bytes / bucket_bytes)) : 1;
  return r;
}

double ground_reduction_s(double gradient_bytes, double gpus, int gpus_per_server,
                          double nic_bytes_per_s_per_gpu, const StepEfficiency& efficiency) {
  const double servers = std::ceil(gpus / std::max(1, gpus_per_server));
  if (servers <= 1 || gradient_bytes <= 0) return 0;
  const double per_server = std::min<double>(gpus, gpus_per_server) * nic_bytes_per_s_per_gpu *
                            efficiency.network_fraction;
  return ring_all_reduce_time_s({.nodes = static_cast<int>(servers),
                                 .bytes = gradient_bytes,
                                 .link_bandwidth_bytes_per_s = per_server,
                                 .link_latency_s = efficiency.network_latency_s});
}

StepResult estimate_step(const TransformerSpec& model, const ParallelConfig& config, int gpus,
                         const StepHardware& hardware, const StepEfficiency& efficiency) {
  std::vector<std::string> problems = validate(model, config, gpus);
  for (auto& p : validate(hardware))
    problems.push_back(std::move(p));
  for (auto& p : validate(efficiency))
    problems.push_back(std::move(p));
  if (model.precision == Precision::fp8 && hardware.peak_fp8_flops <= 0)
    problems.push_back("precision fp8 needs fp8 tensor cores; " + hardware.name + " has none");
  if (config.offload_layers > 0)
    for (auto& p : validate_offload_hardware(hardware))
      problems.push_back(std::move(p));
  throw_if_problems(problems);
  StepResult result;
  const ModelTerms k = make_terms(model);
  evaluate(k, config, make_shape(model.layers, config.pipeline, config.interleave), gpus,
           make_rates(hardware, efficiency, k.fp8), hardware, efficiency, result);
  if (!result.fits)
    result.message = shortfall_message(result.memory, config, result, hardware, efficiency);
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

std::optional<ParallelConfig> fully_given_config(const SearchSpace& space) {
  if (!(space.tensor && space.pipeline && space.context && space.expert && space.interleave &&
        space.microbatch && space.zero_stage && space.recompute))
    return std::nullopt;
  return ParallelConfig{.tensor = *space.tensor,
                        .pipeline = *space.pipeline,
                        .interleave = *space.interleave,
                        .context = *space.context,
                        .expert = *space.expert,
                        .microbatch = *space.microbatch,
                        .sequence_parallel = space.sequence_parallel.value_or(false),
                        .zero_stage = *space.zero_stage,
                        .recompute = *space.recompute,
                        .offload_layers = space.offload_layers,
                        .fp8_param_gather = space.fp8_param_gather,
                        .bf16_optimizer = space.bf16_optimizer,
                        .cp_comm = space.cp_comm};
}

ParallelConfig given_degrees(const SearchSpace& space) {
  return ParallelConfig{.tensor = space.tensor.value_or(1),
                        .pipeline = space.pipeline.value_or(1),
                        .interleave = space.interleave.value_or(1),
                        .context = space.context.value_or(1),
                        .expert = space.expert.value_or(1),
                        .microbatch = space.microbatch.value_or(1),
                        .sequence_parallel =
                            space.sequence_parallel.value_or(false) && space.tensor.value_or(1) > 1,
                        .zero_stage = space.zero_stage.value_or(0),
                        .offload_layers = space.offload_layers,
                        .fp8_param_gather = space.fp8_param_gather,
                        .bf16_optimizer = space.bf16_optimizer,
                        .cp_comm = space.cp_comm};
}

std::vector<std::string> validate(const SearchSpace& space) {
  std::vector<std::string> problems;
  const ParallelConfig given = given_degrees(space);
  if (space.zero_stage && (*space.zero_stage < 0 || *space.zero_stage > 3))
    problems.push_back("zero stage must be 0, 1, 2 or 3, got " + std::to_string(*space.zero_stage));
  if (given.tensor < 1 || given.pipeline < 1 || given.context < 1 || given.expert < 1 ||
      given.interleave < 1 || given.microbatch < 1)
    problems.push_back("parallel degrees and microbatch must be >= 1");
  check_offload(space.offload_layers, std::nullopt, space.pipeline, space.recompute, problems);
  if (space.fp8_param_gather && space.zero_stage && *space.zero_stage == 0)
    problems.push_back("fp8 parameter gather needs zero stage >= 1 (the distributed optimizer or "
                       "FSDP gathers the weights), got zero stage 0");
  return problems;
}

SearchResult search_parallel(const TransformerSpec& model, int gpus, const StepHardware& hardware,
                             const StepEfficiency& efficiency, const SearchSpace& space,
                             int runners_up) {
  SearchResult best;
  if (space.offload_layers > 0) {
    std::vector<std::string> problems = validate_offload_hardware(hardware);
    check_offload(space.offload_layers, model.layers, std::nullopt, std::nullopt, problems);
    throw_if_problems(problems);
  }
  if (space.fp8_param_gather && model.precision != Precision::fp8)
    throw_if_problems({"fp8 parameter gather needs fp8 precision, got precision " +
                       std::string(to_string(model.precision))});
  const bool fp8_gather = space.fp8_param_gather;
  const double optimizer_bytes = optimizer_bytes_of(space.bf16_optimizer);
  const ModelTerms k = make_terms(model);
  const Rates rates = make_rates(hardware, efficiency, k.fp8);
  const double usable = usable_bytes(hardware, efficiency);
  const int offload = space.offload_layers;
  StepResult scratch;
  const Divisors gpu_divisors(gpus);
  const std::array<Recompute, 3> recomputes{Recompute::none, Recompute::selective, Recompute::full};
  auto allowed = [](const std::optional<int>& fixed, int value) {
    return !fixed || *fixed == value;
  };
  // The fastest 1 + runners_up fitting layouts, fastest first.
  const size_t keep = 1 + static_cast<size_t>(std::max(0, runners_up));
  std::vector<RankedConfig> top;
  top.reserve(keep + 1);
  double closest_ratio = 0;
  std::vector<StageShape> shapes;
  // Each stage of the evaluation once per combination of the degrees it depends on (the loop
  // order is the enumeration order, which decides ties): GEMM terms per (t, c, e, m), layer
  // terms per sequence parallelism and recomputation, stage times per interleave, and per ZeRO
  // stage only the memory and the data-parallel terms. Only the layouts the search keeps (and
  // the closest one when nothing fits) get the full evaluation, which runs the same stages.
  GemmTerms g;
  DpPass dp;
  std::array<LayerTerms, 6> layers_of{}; // [2 * recompute index + sp]
  MemoryBreakdown mem;                   // memory_terms() fills it per layout; the capacities stay
  mem.usable_bytes = usable;
  mem.host_usable_bytes = hardware.host_memory_bytes;
  // Microbatches in flight per (shape, microbatch count): the count divides the global batch.
  const Divisors batch_divisors(model.global_batch);
  std::vector<InFlight> flights_of;
  std::vector<char> flights_ready;

  for (int pi = 0; pi < gpu_divisors.count; ++pi) {
    const int p = gpu_divisors.values[pi];
    if (!allowed(space.pipeline, p) || p > model.layers || (offload > 0 && p > 1)) continue;
    shapes.clear();
    for (int v = 1; v <= std::min((model.layers + 2) / p, space.max_interleave); ++v)
      shapes.push_back(make_shape(model.layers, p, v));
    flights_of.resize(shapes.size() * static_cast<size_t>(batch_divisors.count));
    flights_ready.assign(flights_of.size(), 0);
    for (int di = 0; di < gpu_divisors.count; ++di) {
      const int t = gpu_divisors.values[di];
      if (t > gpus / p) break; // the divisors are sorted: no larger one divides gpus / p
      if (!allowed(space.tensor, t) || model.heads % t || model.kv_heads % t || model.ffn % t ||
          (gpus / p) % t)
        continue;
      for (int ci = 0; ci < gpu_divisors.count; ++ci) {
        const int c = gpu_divisors.values[ci];
        if (c > gpus / t / p) break;
        if (!allowed(space.context, c) || model.seq_len % c || (gpus / t / p) % c) continue;
        const int d = gpus / t / p / c;
        if (model.global_batch % d) continue;
        // As evaluate() computes them.
        const double td = t, pd = p, cd = c;
        const double dd = static_cast<double>(gpus) / (td * pd * cd);
        const double dp_ranks = dd * cd;
        const Divisors microbatch_divisors(model.global_batch / d);
        for (int e = 1; e <= std::max(1, model.experts); ++e) {
          if (!allowed(space.expert, e) || model.experts % e || d % e) continue;
          const double expert_dp_ranks = dd * cd / e;
          const double inv_dp = 1 / dp_ranks, inv_edp = 1 / expert_dp_ranks;
          for (int mi = 0; mi < microbatch_divisors.count; ++mi) {
            const int m = microbatch_divisors.values[mi];
            if (!allowed(space.microbatch, m)) continue;
            const int microbatches = model.global_batch / (d * m);
            const double n = k.batch / (dd * m);
            const size_t batch_index = static_cast<size_t>(
                std::lower_bound(batch_divisors.values.begin(),
                                 batch_divisors.values.begin() + batch_divisors.count,
                                 microbatches) -
                batch_divisors.values.begin());
            bool layers_ready = false;
            for (size_t si = 0; si < shapes.size(); ++si) {
              const StageShape& shape = shapes[si];
              const int v = shape.interleave;
              if (!allowed(space.interleave, v)) continue;
              if (v > 1 && (p == 1 || microbatches % p)) continue;
              if (!layers_ready) {
                gemm_terms(k, rates, t, c, e, m, g);
                for (int rci = 0; rci < 3; ++rci)
                  for (int sp = 0; sp <= (t > 1 ? 1 : 0); ++sp)
                    layers_of[2 * rci + sp] =
                        layer_terms(k, rates, g, sp == 1, recomputes[rci], space.cp_comm);
                layers_ready = true;
              }
              if (!dp.matches(g, shape)) dp_pass(rates, g, shape, dp_ranks, expert_dp_ranks, dp);
              const size_t flight_index =
                  si * static_cast<size_t>(batch_divisors.count) + batch_index;
              if (!flights_ready[flight_index]) {
                stage_in_flight(shape, n, flights_of[flight_index]);
                flights_ready[flight_index] = 1;
              }
              const InFlight& flights = flights_of[flight_index];
              for (int sp = 0; sp <= (t > 1 ? 1 : 0); ++sp) {
                if (space.sequence_parallel && *space.sequence_parallel != (sp == 1)) continue;
                for (int rci = 0; rci < 3; ++rci) {
                  const Recompute rc = recomputes[rci];
                  if (space.recompute && *space.recompute != rc) continue;
                  // With fused attention selective recomputation changes nothing.
                  if (!space.recompute && k.fused && rc == Recompute::selective) continue;
                  if (offload > 0 && rc != Recompute::none) continue;
                  const LayerTerms& L = layers_of[2 * rci + sp];
                  const PipelineTerms P = pipeline_terms(k, rates, shape, g, L, dd, offload);
                  const int max_zero = (d * c > 1 || space.zero_stage) ? 3 : 0;
                  for (int z = 0; z <= max_zero; ++z) {
                    if (!allowed(space.zero_stage, z)) continue;
                    ++best.configs_evaluated;
                    memory_terms(shape, g, L, z, optimizer_bytes, inv_dp, inv_edp, flights, offload,
                                 mem);
                    const ParallelConfig cfg{.tensor = t,
                                             .pipeline = p,
                                             .interleave = v,
                                             .context = c,
                                             .expert = e,
                                             .microbatch = m,
                                             .sequence_parallel = sp == 1,
                                             .zero_stage = z,
                                             .recompute = rc,
                                             .offload_layers = offload,
                                             .fp8_param_gather = fp8_gather && z >= 1,
                                             .bf16_optimizer = space.bf16_optimizer,
                                             .cp_comm = space.cp_comm};
                    if (!fits_memory(mem)) {
                      const double ratio =
                          std::max(mem.total_bytes / usable,
                                   mem.host_bytes > 0 ? mem.host_bytes / mem.host_usable_bytes : 0);
                      if (!best.closest || ratio < closest_ratio) {
                        closest_ratio = ratio;
                        evaluate(k, cfg, shape, gpus, rates, hardware, efficiency, scratch);
                        best.closest = RankedConfig{cfg, scratch};
                      }
                      continue;
                    }
                    ++best.configs_fitting;
                    const double time =
                        step_time_of(n, P,
                                     dp_terms(rates, dp, z, fp8_gather, optimizer_bytes, dp_ranks,
                                              expert_dp_ranks, n, P));
                    if (top.size() == keep && !(time < top.back().result.step_time_s)) continue;
                    // Layouts that tie with one already kept (e.g. ZeRO 1 and 2 when memory
                    // is not binding) would crowd the list: the first found stays.
                    bool tie = false;
                    for (const RankedConfig& kept : top)
                      tie = tie || std::fabs(kept.result.step_time_s - time) <= 1e-12 * time;
                    if (tie) continue;
                    evaluate(k, cfg, shape, gpus, rates, hardware, efficiency, scratch);
                    if (scratch.step_time_s != time)
                      throw std::logic_error("search_parallel: staged and full evaluations differ");
                    auto at = std::upper_bound(
                        top.begin(), top.end(), time,
                        [](double x, const RankedConfig& r) { return x < r.result.step_time_s; });
                    top.insert(at, RankedConfig{cfg, scratch});
                    if (top.size() > keep) top.pop_back();
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  if (!top.empty()) {
    best.found = true;
    best.config = top.front().config;
    best.result = top.front().result;
    best.runners_up.assign(top.begin() + 1, top.end());
    best.closest.reset();
  } else if (best.closest) {
    best.closest->result.message =
        shortfall_message(best.closest->result.memory, best.closest->config, best.closest->result,
                          hardware, efficiency);
  }
  return best;
}

} // namespace capsim
