// Analytical training step model for dense and mixture-of-experts transformers
// (Calculon-class: closed forms, no simulation).
//
// One step processes the global batch B (sequences of length s) on G GPUs split into tensor (t),
// pipeline (p, with v interleaved chunks per GPU), context (c), data (d = G / (t p c)) and expert
// (e, carved out of the data-parallel ranks) groups. Each data-parallel replica runs
// n_mb = B / (d m) microbatches of m sequences. Rank order (fastest first): t, c, d, p.
//
// FLOP (2 per multiply-add; matrix multiplications only, as in the sources):
//   per token and layer, forward: attention projections 2 h^2 (2 + 2 K/A), attention core 4 s h
//   (scores and weighted values, no causal discount), MLP 2 (g+1) h F per active expert
//   (g = 2 for gated FFNs, else 1; top-k experts for MoE) plus the router 2 h X;
//   logits 2 h V per token. Backward = 2 x forward.
//   Full recomputation repeats each layer's forward; selective repeats the attention core.
//   With F = 4h, K = A, dense, full recomputation this is exactly Narayanan et al. Eq. 3:
//     F_step = 96 B s L h^2 (1 + s/(6h) + V/(16 L h));
//   without recomputation (model FLOP, the MFU basis) 72 B s L h^2 (1 + s/(6h) + V/(12 L h))
//   (Korthikanti et al. Sec. 6); selective adds the attention core forward 4 B s^2 h L.
//
// Time of one GPU of the slowest (last) pipeline stage per microbatch:
//   GEMM (M x N x K, fp16/bf16): flop / (f_gemm P) + 2 (MK + KN + MN) / (f_hbm W_hbm)
//     (an additive roofline: achievable fraction of peak saturates with arithmetic intensity);
//     backward = 2 GEMMs of the same shape per forward GEMM.
//   Element-wise work (norms, activations, softmax, dropout, residuals): memory bound, HBM
//     traffic 1 x (stored activation bytes) forward and 2 x backward, at f_hbm W_hbm (GEMM
//     operand traffic is already in the GEMM term). Attention scores are materialised (the
//     calibration runs predate fused flash attention).
//   TP: 2 all-reduces per layer forward, 2 backward, 2 more with full recomputation, of
//     m (s/c) h 2 bytes; with sequence parallelism each is a reduce-scatter + all-gather
//     (same volume). Ring: 2 (n-1)/n bytes / bw + 2 (n-1) alpha. Not overlapped.
//   CP: ring exchange of K and V ((c-1) steps forward, twice that backward), overlapped with
//     the attention core; only the excess is exposed.
//   EP: all-to-all dispatch + combine per MoE layer (x2 backward, +2 with full recompute),
//     m (s/c) k h 2 (e-1)/e / t bytes, the part leaving the NVLink domain over the network.
//   PP: 2 v point-to-point transfers per microbatch of m (s/c) h 2 / t bytes (Megatron's
//     scatter/gather or sequence parallelism splits them over t), exposed.
//   Bandwidth of a group of n GPUs spaced `gap` ranks apart: NVLink (f_nvl W_nvl / 2, one
//     direction) when the group fits an NVLink domain, else min(NVLink, k f_net W_net) with k
//     group members per domain (a ring leaves each domain once per NIC).
// Step: t_step = (n_mb + (p-1)/v) t_mb + DP_exposed + t_optimizer, the pipeline bubble being
//   (p-1)/(v n_mb) of the ideal time. DP: ring all-reduce of the gradients (2 bytes/param) over
//   d c ranks (experts over d c / e); exposed = t_dp - f_overlap min(t_dp, last microbatch's
//   backward). ZeRO-3 adds per-microbatch weight all-gathers (2, or 3 with full recompute),
//   overlappable with that microbatch's compute. Optimizer: 28 bytes of HBM traffic per local
//   parameter (Adam, fp32 master and moments, fp16 copy).
//
// Memory per GPU (bytes; first and last stage, the larger counts):
//   weights 2, gradients 2, optimizer 12 per parameter (mixed-precision Adam); ZeRO 1 shards the
//   optimizer, 2 also the gradients, 3 also the weights over the d c data-parallel ranks.
//   Activations per layer and microbatch (Korthikanti et al. Eq. 1-6, generalised to K kv heads,
//   ffn F, gated FFN, MoE top-k): r = 10 s b h replicated over t without sequence parallelism,
//   q = s b (h (4 + 4K/A) + (2g+2) F k) split over t, score 5 A s^2 b / t (dropped by selective
//   recomputation); s -> s/c with CP. Full recomputation stores 2 s b h (/t with SP) per layer
//   plus one layer's full activations. The first stage keeps min(p, n_mb) microbatches in
//   flight, x (1 + (p-1)/(p v)) when interleaved; the last stage adds 4 s b V / t of logits.
//   fits  <=>  total <= (1 - reserve) HBM.
//
// Parameters: StepHardware (datasheet) and StepEfficiency (physical fractions, fitted on the
// calibration tables only; see default_step_efficiency()).
//
// Sources:
//   D. Narayanan et al., "Efficient Large-Scale Language Model Training on GPU Clusters Using
//     Megatron-LM", SC21, arXiv:2104.04473 (Eq. 3, Table 1, interleaved schedule).
//   V. Korthikanti et al., "Reducing Activation Recomputation in Large Transformer Models",
//     MLSys 2023, arXiv:2205.05198 (activation memory, sequence parallelism, Table 5).
//   S. Rajbhandari et al., "ZeRO: Memory Optimizations Toward Training Trillion Parameter
//     Models", SC20 (16 bytes/param mixed-precision Adam, stages 1-3).
//   M. Isaev et al., "Calculon: a Methodology and Tool for High-Level Co-Design of Systems and
//     Large Language Models", SC23 (analytical step model structure).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace capsim {

enum class Recompute { none, selective, full };

const char* to_string(Recompute recompute);
// Returns std::nullopt for an unknown name ("none", "selective", "full").
std::optional<Recompute> parse_recompute(const std::string& name);

struct TransformerSpec {
  int layers = 0;       // L
  int hidden = 0;       // h
  int ffn = 0;          // F (per expert for MoE)
  int heads = 0;        // A
  int kv_heads = 0;     // K (grouped-query attention; = A for multi-head attention)
  int vocab = 0;        // V
  int seq_len = 0;      // s, tokens per sequence
  int global_batch = 0; // B, sequences per step
  int experts = 1;      // X; 1 = dense
  int top_k = 1;        // experts per token (MoE)
  bool gated_ffn = false;
};

struct ParallelConfig {
  int tensor = 1;     // t
  int pipeline = 1;   // p
  int interleave = 1; // v, model chunks per pipeline stage
  int context = 1;    // c
  int expert = 1;     // e, divides the data-parallel degree
  int microbatch = 1; // m, sequences per microbatch
  bool sequence_parallel = false;
  int zero_stage = 0; // 0..3
  Recompute recompute = Recompute::none;
};

struct StepHardware {
  std::string name;
  double peak_flops = 0;            // dense fp16/bf16 FLOP/s per GPU
  double hbm_bytes = 0;             // HBM capacity per GPU
  double hbm_bytes_per_s = 0;       // HBM bandwidth per GPU
  double nvlink_bytes_per_s = 0;    // NVLink per GPU, both directions (datasheet figure)
  int nvlink_domain = 1;            // GPUs per NVLink domain
  double scale_out_bytes_per_s = 0; // network per GPU, one direction (NIC line rate)
};

struct StepEfficiency {
  double gemm_fraction = 0;       // achievable fraction of peak FLOP/s at high arithmetic intensity
  double hbm_fraction = 0;        // achievable fraction of HBM bandwidth
  double nvlink_fraction = 0;     // achievable fraction of NVLink bandwidth (collectives)
  double network_fraction = 0;    // achievable fraction of scale-out bandwidth
  double message_latency_s = 0;   // per collective step or point-to-point message
  double dp_overlap_fraction = 0; // share of DP traffic hidden behind backward compute, [0, 1]
  double hbm_reserve_fraction = 0; // HBM kept for workspace and fragmentation, [0, 1)
};

// Fitted on tests/reference/calibration (A100 80GB, Megatron-LM 2021 and 2022); see the test.
StepEfficiency default_step_efficiency();

std::vector<std::string> validate(const TransformerSpec& model);
std::vector<std::string> validate(const StepHardware& hardware);
std::vector<std::string> validate(const StepEfficiency& efficiency);
// Consistency of degrees with the model and the GPU count (divisibility, batch, ranges).
std::vector<std::string> validate(const TransformerSpec& model, const ParallelConfig& config,
                                  int gpus);

struct ParameterCount {
  double total = 0;  // all parameters, every expert
  double active = 0; // parameters touched per token (top-k experts)
};
ParameterCount count_parameters(const TransformerSpec& model);

// FLOP of one step over the whole cluster.
double model_flop_per_step(const TransformerSpec& model); // without recomputation (MFU basis)
double hardware_flop_per_step(const TransformerSpec& model, Recompute recompute);

struct MemoryBreakdown {
  double weights_bytes = 0;
  double gradients_bytes = 0;
  double optimizer_bytes = 0;
  double activations_bytes = 0;
  double total_bytes = 0;
  double usable_bytes = 0; // (1 - reserve) HBM
};

struct TimeBreakdown {
  double compute_s = 0;   // forward + backward, all microbatches (bottleneck stage)
  double recompute_s = 0; // recomputed forward work
  double tp_comm_s = 0;   // exposed (= total)
  double cp_comm_s = 0;   // exposed part
  double cp_comm_total_s = 0;
  double ep_comm_s = 0; // exposed (= total)
  double pp_comm_s = 0; // exposed (= total)
  double bubble_s = 0;  // pipeline fill and drain
  double dp_comm_s = 0; // exposed part
  double dp_comm_total_s = 0;
  double optimizer_s = 0;
};

struct StepResult {
  int data_parallel = 0;
  int microbatches = 0; // per replica per step
  double step_time_s = 0;
  TimeBreakdown time;
  double model_flop = 0;    // per step, whole cluster, no recomputation
  double hardware_flop = 0; // per step, whole cluster, with recomputation
  double tokens_per_s = 0;
  double model_flops_per_gpu = 0;    // model FLOP/s per GPU
  double hardware_flops_per_gpu = 0; // including recomputation (Megatron's "achieved")
  double mfu = 0;
  MemoryBreakdown memory;
  bool fits = false;
  std::string message; // why it does not fit; empty when it fits
};

// Throws std::invalid_argument listing the problems of validate() when inputs are inconsistent.
StepResult estimate_step(const TransformerSpec& model, const ParallelConfig& config, int gpus,
                         const StepHardware& hardware, const StepEfficiency& efficiency);

// Which degrees to search: a fixed value, or nullopt to choose.
struct SearchSpace {
  std::optional<int> tensor, pipeline, interleave, context, expert, microbatch, zero_stage;
  std::optional<Recompute> recompute;
  std::optional<bool> sequence_parallel;
  int max_interleave = 8;
};

struct SearchResult {
  bool found = false; // a valid configuration that fits exists
  ParallelConfig config;
  StepResult result;
  std::int64_t configs_evaluated = 0;
  std::int64_t configs_fitting = 0;
};

// Enumerates every valid configuration within `space` and returns the fastest one that fits.
SearchResult search_parallel(const TransformerSpec& model, int gpus, const StepHardware& hardware,
                             const StepEfficiency& efficiency, const SearchSpace& space);

} // namespace capsim
