// Analytical training step model for dense and mixture-of-experts transformers
// (Calculon-class: closed forms, no simulation). Version 2.
//
// One step processes the global batch B (sequences of length s) on G GPUs split into tensor (t),
// pipeline (p, with v interleaved chunks per GPU), context (c), data (d = G / (t p c)) and expert
// (e, carved out of the data-parallel ranks) groups. Each data-parallel replica runs
// n_mb = B / (d m) microbatches of m sequences. Rank order (fastest first): t, c, d, p.
//
// FLOP (2 per multiply-add; matrix multiplications only, as in the sources):
//   per token and layer, forward: attention projections 2 h^2 (2 + 2 K/A), attention core
//   4 s h x a (scores and weighted values; a = 1/2 with the causal convention, 1 without),
//   MLP 2 (g+1) h F per active expert (g = 2 for gated FFNs, else 1; top-k experts for MoE)
//   plus the router 2 h X; logits 2 h V per token. Backward = 2 x forward.
//   With F = 4h, K = A, dense, a = 1 and full recomputation this is exactly Narayanan et al.
//   Eq. 3: F_step = 96 B s L h^2 (1 + s/(6h) + V/(16 L h)); model FLOP (no recomputation)
//   72 B s L h^2 (1 + s/(6h) + V/(12 L h)) (Korthikanti et al. Sec. 6).
//   MFU convention: model FLOP with the CAUSAL convention (a = 1/2): what causal fused kernels
//   (FlashAttention-2/3) compute, and what Megatron-Core and the Llama 3 paper count. The
//   non-causal figure is reported too (model_flop_noncausal) for papers that count s^2 in full.
//
// Attention kernel: fused (default; FlashAttention-2/3: no s x s matrix in HBM or memory, causal
//   blocks skipped, backward 2.5 x the forward's FLOP since it recomputes the scores, at
//   attention_fraction of peak) or unfused (scores materialised: full s x s GEMMs plus softmax,
//   dropout and mask traffic; the 2021-2022 Megatron runs).
// Precision: bf16, or fp8 for the linear layers' GEMMs (Transformer Engine: attention core,
//   output layer, norms, communication and stored activations stay bf16): fp8 GEMMs run at
//   fp8_gemm_fraction of the fp8 peak with 1-byte operands; cast-transpose kernels cost 4 bytes
//   of HBM traffic per element of the four GEMM inputs (forward) and four output gradients
//   (backward); weights are cast once per step (cached across microbatches) and left out.
//
// Pipeline stages: L layers over p v chunks of ceil(L / (p v)) or one less; the shorter chunks
//   are the last, the first, the second-to-last... (production runs shorten the first and last
//   stages, which also carry the embedding and the output layer: Llama 3 405B, 126 layers over
//   16 stages = 7, 8 x 14, 7). Per microbatch, stage j takes t_j (its layers, plus the output
//   layer and loss on the last stage, plus its point-to-point transfers). 1F1B (and its
//   interleaved form) gives t_step = n_mb max_j t_j + (sum_j t_j - max_j t_j) / v + exposed DP
//   + optimizer: the slowest stage bounds the step, the others fill and drain the pipeline.
//   With equal stages this is (n_mb + (p-1)/v) t_stage.
//
// Time of one GPU per microbatch and layer:
//   GEMM (M x N x K): flop / (f_gemm P) + 2 (MK + KN + MN) / (f_hbm W_hbm) (additive roofline).
//   Element-wise work (norms, activations, dropout, residuals): memory bound, HBM traffic
//     1 x (stored activation bytes) forward and 2 x backward.
//   TP: 2 all-reduces per layer forward, 2 backward, 2 more with full recomputation, of
//     m (s/c) h 2 bytes; with sequence parallelism each is a reduce-scatter + all-gather (same
//     volume). With tp_comm_overlap (sequence parallel; NeMo/Transformer Engine userbuffers on
//     Hopper and later) each collective is split in t chunks pipelined with its GEMM: exposed
//     max(0, comm - gemm) + comm / t.
//   CP: ring attention: (c-1) K,V blocks per layer forward (2 K/A m (s/c) h 2 / t bytes each),
//     twice that backward (K,V and their gradients), each step overlapped with the attention
//     core of one block; only the excess is exposed.
//   EP: all-to-all dispatch + combine per MoE layer (x2 backward, +2 with full recompute).
//   PP: 2 v point-to-point transfers per microbatch of m (s/c) h 2 / t bytes, over NVLink when
//     the neighbouring stage is in the same NVLink domain, else over the scale-out network;
//     the interleaved schedule hides each behind the next chunk's forward (overlap_p2p_comm).
//   Fabric: a group of n GPUs spaced `gap` ranks apart runs hierarchically: NVLink
//     (f_nvl W_nvl / 2 per direction) inside the domain, then the k members per domain each
//     drive their own NIC (rail-optimised) across domains: 1/k of the bytes at f_net W_net.
//   DP: reduce-scatter of the gradients (2 bytes/param) + all-gather of the updated weights
//     (distributed optimizer, ZeRO >= 1) or one all-reduce (same bytes) over the d c ranks, in
//     buckets of max(40 M, 1 M x d c) parameters (Megatron-Core DDP), one layer per unit with
//     ZeRO-3 (Megatron FSDP). With fp8_param_gather (fp8 runs, ZeRO >= 1) the weights'
//     all-gather moves the transformer layers' weights as fp8, 1 byte each (the embedding and
//     the gradients stay bf16). Explicit overlap: the last microbatch's backward on the first
//     stage produces the buckets evenly over T_b; a ring handles them in order, so the
//     reduction ends max(T_b + C/n_b, T_b/n_b + C) after that backward starts (C the
//     communication time, n_b the bucket count); exposed = that - T_b. The weight all-gather
//     overlaps the next step's first forward in the same way; ZeRO-3 gathers the weights for
//     every microbatch's forward and backward and reduce-scatters its gradients, overlapped
//     with that microbatch the same way. Scale term: every bucket of every pass pays the ring
//     latency (N-1) alpha_net over the N NVLink domains it crosses (an NCCL ring's latency grows
//     linearly with the ring's length), so DP time grows with the number of data-parallel
//     groups even when the bandwidth term does not; alpha_net is fitted per generation.
//   Optimizer: 28 bytes of HBM traffic per local parameter (Adam, fp32 master and moments).
//   Activation offload (Megatron-Core cpu_offloading, pipeline 1, no recomputation): the first N
//     layers' stored activations are copied to host memory after their forward and back before
//     their backward, each copy overlapping the next layer's compute (forward) or the previous
//     one's (backward) at host_link_fraction of the host link (NVLink-C2C on Grace, PCIe
//     otherwise): per offloaded layer and microbatch exposed max(0, A/B - t_fwd) +
//     max(0, A/B - t_bwd) + 2 A / (f_hbm W_hbm) (the copies' HBM traffic).
//
// Memory per GPU (bytes; every stage computed, the largest reported):
//   weights 2, gradients 2 (reduced in bf16, as NeMo's recipes do), optimizer 12 per parameter
//   (mixed-precision Adam: fp32 master weights and two moments); ZeRO 1 (distributed optimizer)
//   shards the optimizer, 2 also the gradients, 3 also the weights over the d c ranks (experts
//   over d c / e).
//   Activations per layer and microbatch (Korthikanti et al. Eq. 1-6, generalised to K kv heads,
//   ffn F, gated FFN, MoE top-k, dropout, fp8): r = s b h (4 + 2 c_l + 2 [dropout]) replicated
//   over t without sequence parallelism (norm inputs, norm outputs saved as GEMM inputs at c_l =
//   2 bytes, 1 in fp8, dropout masks), q = s b (h (2 + 4K/A + o) + (2g + c_l) F k) split over t
//   (o = 2 for the attention output, +1 for its fp8 cast; bf16 with dropout: 10 and 24 s b h);
//   unfused attention adds the scores 5 A s^2 b / t (dropped by selective recomputation); fused
//   attention keeps only its softmax statistics 4 A s b / t (fp32). s -> s/c with CP. Full
//   recomputation stores 2 s b h (/t with SP) per layer plus one layer's full activations.
//   Offloaded layers leave HBM but for one layer's copy buffer, and fill host memory.
//   Stage j keeps p - j microbatches in flight (1F1B) or (2 (p-j-1) + (v-1) p + 1) / v with
//   interleaving (Megatron's warm-up; j = 0 gives Korthikanti's p (1 + (p-1)/(p v))), at most n_mb;
//   the last stage adds 4 s b V / t of logits; stage 0 and the last stage hold V h / t embedding
//   weights. Usable memory: HBM capacity less runtime_reserve_bytes (CUDA context, NCCL buffers,
//   cuBLAS and attention workspaces) less fragmentation_fraction of the rest (PyTorch caching
//   allocator); see step_efficiency_for().
//
// Sources:
//   D. Narayanan et al., "Efficient Large-Scale Language Model Training on GPU Clusters Using
//     Megatron-LM", SC21, arXiv:2104.04473 (Eq. 3, Table 1, interleaved schedule).
//   V. Korthikanti et al., "Reducing Activation Recomputation in Large Transformer Models",
//     MLSys 2023, arXiv:2205.05198 (activation memory, sequence parallelism, Table 5).
//   T. Dao, "FlashAttention-2", arXiv:2307.08691 (forward 2 GEMMs, backward 5; up to 73% of
//     A100 peak forward); J. Shah et al., "FlashAttention-3", arXiv:2407.08608 (up to 75% of
//     H100 peak forward, BF16).
//   A. Grattafiori et al., "The Llama 3 Herd of Models", arXiv:2407.21783 (uneven first and
//     last stages, Sec. 3.3.2; validation only, never fitted).
//   S. Rajbhandari et al., "ZeRO", SC20 (16 bytes/param mixed-precision Adam, stages 1-3).
//   M. Isaev et al., "Calculon", SC23 (analytical step model structure).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/parameter.hpp"

namespace capsim {

// A training job's parameters with a default (a scenario job; `parameters` and `tokens` are
// required when the model is given without its architecture).
namespace training_job_parameter {
inline constexpr Parameter mfu{
    .key = "mfu",
    .default_si = 0.4,
    .min_si = 0,
    .max_si = 1,
    .meaning =
        "model FLOP utilisation; given, it overrides the step model's (with the architecture)",
    .min_exclusive = true};
inline constexpr Parameter batch_tokens{
    .key = "batch_tokens",
    .default_si = 4 * 1024 * 1024,
    .min_si = 1,
    .max_si = 1e10,
    .meaning = "tokens per optimiser step (model given without its architecture)"};
inline constexpr Parameter microbatches{
    .key = "microbatches",
    .default_si = 1,
    .min_si = 1,
    .max_si = 1e6,
    .meaning = "microbatches per data-parallel replica per step (gradient accumulation; the "
               "gradient reduction overlaps only the last one's backward)",
    .whole = true};
inline constexpr Parameter table[] = {mfu, batch_tokens, microbatches};
} // namespace training_job_parameter

enum class Recompute { none, selective, full };
enum class Attention { fused, unfused };
enum class Precision { bf16, fp8 };
// Context parallelism's key/value exchange: a ring that passes each rank's K and V chunk along
// while attention computes on the chunk it has (Megatron-Core cp_comm_type "p2p", the default),
// or an all-gather of K and V before attention and a reduce-scatter of their gradients after it
// (cp_comm_type "all_gather"; the Llama 3 paper's method), in the critical path.
enum class CpComm { ring, all_gather };

const char* to_string(Recompute recompute);
const char* to_string(Attention attention);
const char* to_string(Precision precision);
// Return std::nullopt for an unknown name.
std::optional<Recompute> parse_recompute(const std::string& name); // none|selective|full
std::optional<Attention> parse_attention(const std::string& name); // fused|unfused
std::optional<CpComm> parse_cp_comm(const std::string& name);      // ring|all_gather
const char* to_string(CpComm cp_comm);
std::optional<Precision> parse_precision(const std::string& name); // bf16|fp8

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
  // Dropout after attention and MLP (GPT-2/3 era, the 2021-2022 Megatron runs): its 1-byte
  // masks are stored activations. Llama, Nemotron and NeMo's GPT-3 recipes train without it.
  bool dropout = false;
  Attention attention = Attention::fused;
  Precision precision = Precision::bf16; // of the linear layers' GEMMs
};

struct ParallelConfig {
  int tensor = 1;     // t
  int pipeline = 1;   // p
  int interleave = 1; // v, model chunks per pipeline stage
  int context = 1;    // c
  int expert = 1;     // e, divides the data-parallel degree
  int microbatch = 1; // m, sequences per microbatch
  bool sequence_parallel = false;
  int zero_stage = 0; // 0..3; 1 = distributed optimizer
  Recompute recompute = Recompute::none;
  // Activation offload to host memory (Megatron-Core cpu_offloading): the first `offload_layers`
  // transformer layers' activations go to host memory after their forward and come back before
  // their backward. Megatron-Core allows it with pipeline 1 and no recomputation only, and keeps
  // at least the last layer on the GPU (offload_layers < layers).
  int offload_layers = 0;
  // Weights all-gathered in fp8 (Transformer Engine fp8 parameters, Megatron-Core
  // fp8_param_gather): with the distributed optimizer or FSDP the transformer layers' weights
  // travel 1 byte each instead of 2 (the embedding stays bf16; gradients stay bf16). fp8 and
  // zero_stage >= 1 only. Not searched: given (`capsim step --fp8-param-gather`, parallel key
  // fp8_param_gather), and the calibration rows set it as their recipes do.
  bool fp8_param_gather = false;
  // Adam's states in bf16 (Apex DistributedFusedAdam with `dtype: bf16`, as NeMo's Nemotron-4
  // 340B recipes run it): the master copy of the weights and both moments take 2 bytes each, 6
  // bytes per parameter instead of fp32's 12, in memory and in the update's traffic. Not
  // searched: given (`capsim step --bf16-optimizer`, parallel key bf16_optimizer).
  bool bf16_optimizer = false;
  // How context parallelism exchanges keys and values (CpComm); given, not searched.
  CpComm cp_comm = CpComm::ring;
};

struct StepHardware {
  std::string name;
  double peak_flops = 0;            // dense fp16/bf16 FLOP/s per GPU
  double peak_fp8_flops = 0;        // dense fp8 FLOP/s per GPU (0: no fp8 tensor cores)
  double hbm_bytes = 0;             // HBM capacity per GPU
  double hbm_bytes_per_s = 0;       // HBM bandwidth per GPU
  double nvlink_bytes_per_s = 0;    // NVLink per GPU, both directions (datasheet figure)
  int nvlink_domain = 1;            // GPUs per NVLink domain (8 for HGX/DGX, 72 for NVL72)
  double scale_out_bytes_per_s = 0; // network per GPU, one direction (NIC line rate)
  // GPU <-> host memory, per GPU, one direction (PCIe, or NVLink-C2C on Grace systems), and the
  // host memory per GPU: what activation offload uses. 0: not known (no offload).
  double host_link_bytes_per_s = 0;
  double host_memory_bytes = 0;
};

// Physical efficiencies of one GPU generation and its software stack (step_efficiency_for).
struct StepEfficiency {
  std::string generation;           // "ampere", "hopper", "blackwell"
  double gemm_fraction = 0;         // achievable fraction of bf16 peak at high arithmetic intensity
  double fp8_gemm_fraction = 0;     // the same for fp8 GEMMs, of the fp8 peak
  double attention_fraction = 0;    // fused attention kernel, fraction of bf16 peak (forward)
  double hbm_fraction = 0;          // achievable fraction of HBM bandwidth
  double nvlink_fraction = 0;       // achievable fraction of NVLink bandwidth (collectives)
  double network_fraction = 0;      // achievable fraction of scale-out bandwidth
  double host_link_fraction = 0;    // achievable fraction of the host link (offload copies)
  double message_latency_s = 0;     // per collective step or point-to-point message in a domain
  double network_latency_s = 0;     // per ring step across NVLink domains
  double bucket_bytes = 0;          // DP gradient bucket size
  bool tp_comm_overlap = false;     // the stack overlaps TP collectives with GEMMs (with SP)
  double runtime_reserve_bytes = 0; // CUDA context, NCCL, cuBLAS and attention workspaces
  double fragmentation_fraction = 0; // of the rest, lost to allocator fragmentation, [0, 1)
  // The software release these figures were fitted for ("nemo-25.11"), or empty: the
  // generation's set, fitted on all its releases' rows.
  std::string software;
  // Why the release asked for was not used (no fitted rows for it), else empty.
  std::string software_note;
};

// Efficiencies of the generation of the GPU named (A100 -> ampere; H100, H200 -> hopper;
// B200, GB200, B300, GB300 -> blackwell), fitted on tests/reference/calibration only (see
// tests/models/test_training.cpp). Unknown names get the hopper set.
//
// The software stack is an input: kernels (cuBLAS/Transformer Engine fp8 GEMMs) and
// communication (NCCL, the stack's overlap of collectives) improve from one NeMo container to
// the next on the same GPUs. `software` names a release ("nemo-25.11"); a release with fitted
// calibration rows of this generation has its own fp8 GEMM and NVLink fractions, fitted on
// those rows with the generation's other figures; any other release gets the generation's set
// (fitted on all its releases) and software_note says so. Empty: the latest release fitted
// for the generation (the generation's set when it has none, as ampere).
StepEfficiency step_efficiency_for(const std::string& gpu_name, const std::string& software = "");
// The generation's set, whatever the release (what the per-release fits start from).
StepEfficiency generation_step_efficiency(const std::string& gpu_name);
// Releases with their own fit for the generation of the GPU named, oldest first.
std::vector<std::string> fitted_software_releases(const std::string& gpu_name);
// "nemo-YY.MM" or "nemo-YY.MM.PP" (a NeMo container tag).
bool valid_software_name(const std::string& software);
// The A100 (ampere) set.
StepEfficiency default_step_efficiency();

std::vector<std::string> validate(const TransformerSpec& model);
std::vector<std::string> validate(const StepHardware& hardware);
std::vector<std::string> validate(const StepEfficiency& efficiency);
// Problems of a GPU for activation offload: no host link or host memory known.
std::vector<std::string> validate_offload_hardware(const StepHardware& hardware);
// Consistency of degrees with the model and the GPU count: each problem says which dimension
// does not divide what.
std::vector<std::string> validate(const TransformerSpec& model, const ParallelConfig& config,
                                  int gpus);

struct ParameterCount {
  double total = 0;  // all parameters, every expert
  double active = 0; // parameters touched per token (top-k experts)
};
ParameterCount count_parameters(const TransformerSpec& model);

// FLOP of one step over the whole cluster. causal: attention core counted as causal kernels
// compute it (half the s x s products); false: Narayanan et al.'s s^2 in full.
double model_flop_per_step(const TransformerSpec& model, bool causal = true); // no recompute
double hardware_flop_per_step(const TransformerSpec& model, Recompute recompute,
                              bool causal = true);

// Layers per pipeline stage (size p): chunks of ceil(L / (p v)) or one less, shortened from
// the ends (last, first, second-to-last, ...), chunk i on stage i mod p. The first and the last
// chunk may hold no layer (the embedding, the output layer only); empty if L < p v - 2.
std::vector<int> stage_layers(int layers, int pipeline, int interleave);
// The same per model chunk (size p v, chunk i on stage i mod p).
std::vector<int> chunk_layers(int layers, int pipeline, int interleave);
// Layer-microbatches whose activations a stage holds at its peak under the 1F1B schedule
// (interleaved: Megatron-Core's, microbatches a multiple of pipeline), per chunk.
double peak_stage_activations(int layers, int pipeline, int interleave, int stage,
                              int microbatches);

struct MemoryBreakdown {
  double weights_bytes = 0;
  double gradients_bytes = 0;
  double optimizer_bytes = 0;
  double activations_bytes = 0; // kept in HBM
  double total_bytes = 0;
  double host_bytes = 0;        // activations offloaded to host memory
  double host_usable_bytes = 0; // host memory per GPU (0: not known)
  double usable_bytes = 0;      // HBM less the runtime reserve, less fragmentation
  int stage = 0;                // the pipeline stage these figures are for (the largest total)
};

struct TimeBreakdown {
  double compute_s = 0;   // forward + backward, all microbatches (slowest stage)
  double recompute_s = 0; // recomputed forward work
  double tp_comm_s = 0;   // exposed
  double tp_comm_total_s = 0;
  double cp_comm_s = 0; // exposed part
  double cp_comm_total_s = 0;
  double ep_comm_s = 0; // exposed (= total)
  double pp_comm_s = 0; // exposed (= total)
  double bubble_s = 0;  // pipeline fill and drain
  double dp_comm_s = 0; // exposed part
  double dp_comm_total_s = 0;
  double dp_overlap_s = 0; // the backward compute the gradient reduction overlaps (first stage)
  double dp_buckets = 0;   // gradient buckets of that reduction
  double optimizer_s = 0;
  double offload_s = 0;       // exposed: activation copies to and from host memory
  double offload_total_s = 0; // their whole time (mostly hidden behind the layers' compute)
};

struct StageSummary {
  int first_layers = 0, last_layers = 0, max_layers = 0; // layers per stage
  int slowest = 0;      // index of the slowest stage (the one bounding the step)
  double slowest_s = 0; // its time per microbatch
  double sum_s = 0;     // sum over stages of the time per microbatch
};

struct StepResult {
  int data_parallel = 0;
  int microbatches = 0; // per replica per step
  double step_time_s = 0;
  TimeBreakdown time;
  StageSummary stages;
  double model_flop = 0;           // per step, whole cluster, no recomputation, causal
  double model_flop_noncausal = 0; // the same with the attention core counted in full
  double hardware_flop = 0;        // per step, whole cluster, with recomputation (causal)
  double tokens_per_s = 0;
  double model_flops_per_gpu = 0;    // model FLOP/s per GPU
  double hardware_flops_per_gpu = 0; // including recomputation (Megatron's "achieved")
  double mfu = 0;                    // causal model FLOP / bf16 peak
  MemoryBreakdown memory;
  bool fits = false;
  std::string message; // what does not fit, how much against how much; empty when it fits
};

// The data-parallel gradient reduction: one model wherever a job runs, so that the same job
// differs only by its fabric. The reduction takes comm_s on the job's fabric (on the ground, the
// servers' NICs; in orbit, the inter-satellite links, measured as SimGrid flows) and runs in
// `buckets` buckets that a backward pass of overlap_s produces evenly: it ends
// max(overlap + comm/n_b, overlap/n_b + comm) after that backward starts, and what passes the
// backward's end is exposed (the step model's DP overlap, above).
double exposed_reduction_s(double comm_s, double overlap_s, double buckets);

// A job known by its size and MFU only (no layout): each step computes flop_per_step at
// rate_flops in `microbatches` microbatches per replica (gradient accumulation); the backward
// pass of the last one (2/3 of its FLOP: backward = 2 x forward) produces the bf16 gradients
// (2 bytes per parameter), reduced in buckets of bucket_bytes, as the step model's DP overlap.
struct ReductionStep {
  double compute_s = 0;      // a step's compute, communication excluded
  double overlap_s = 0;      // the backward it overlaps (the last microbatch's)
  double gradient_bytes = 0; // reduced across the data-parallel nodes
  double buckets = 1;
};
ReductionStep reduction_step(double flop_per_step, double rate_flops, double parameters,
                             double bucket_bytes, int microbatches = 1);

// The reduction's time on a ground fabric: a ring over the job's servers (gpus_per_server GPUs
// each, one NVLink domain), each server driving its GPUs' NICs (rail-optimised, as the step
// model's hierarchy: nics x nic_bytes_per_s x network_fraction), network_latency_s per ring step:
// 2 (n - 1) (alpha + bytes / (n B)) (models/collective.hpp). The in-server NVLink part is the
// same wherever the servers fly, and left out on both sides.
double ground_reduction_s(double gradient_bytes, double gpus, int gpus_per_server,
                          double nic_bytes_per_s_per_gpu, const StepEfficiency& efficiency);

// Throws std::invalid_argument listing the problems of validate() when inputs are inconsistent.
StepResult estimate_step(const TransformerSpec& model, const ParallelConfig& config, int gpus,
                         const StepHardware& hardware, const StepEfficiency& efficiency);

// Which degrees to search: a fixed value, or nullopt to choose.
struct SearchSpace {
  std::optional<int> tensor, pipeline, interleave, context, expert, microbatch, zero_stage;
  std::optional<Recompute> recompute;
  std::optional<bool> sequence_parallel;
  int max_interleave = 8;
  // Activation offload is given, not searched: with layers offloaded the search keeps to
  // pipeline 1 and no recomputation (Megatron-Core's constraints).
  int offload_layers = 0;
  // Weights all-gathered in fp8 (ParallelConfig::fp8_param_gather) in every layout with ZeRO >= 1;
  // given, not searched (needs fp8 precision).
  bool fp8_param_gather = false;
  // Adam's states in bf16 (ParallelConfig::bf16_optimizer) in every layout; given, not searched.
  bool bf16_optimizer = false;
  // Context parallelism's key/value exchange (ParallelConfig::cp_comm); given, not searched.
  CpComm cp_comm = CpComm::ring;
};

// The configuration when every degree of `space` is given (sequence parallelism off unless
// given); nullopt when the search has degrees to choose.
std::optional<ParallelConfig> fully_given_config(const SearchSpace& space);
// The degrees given, 1 for those left to choose (ZeRO 0, no recomputation); sequence
// parallelism only when given and tp > 1.
ParallelConfig given_degrees(const SearchSpace& space);
// Problems of the given degrees on their own: ZeRO stage outside 0..3, a degree or microbatch
// below 1.
std::vector<std::string> validate(const SearchSpace& space);

struct RankedConfig {
  ParallelConfig config;
  StepResult result;
};

struct SearchResult {
  bool found = false; // a valid configuration that fits exists
  ParallelConfig config;
  StepResult result;
  std::vector<RankedConfig> runners_up; // the next fastest fitting layouts, fastest first
  std::int64_t configs_evaluated = 0;
  std::int64_t configs_fitting = 0;
  // When nothing fits: the configuration that came closest (smallest memory over usable).
  std::optional<RankedConfig> closest;
};

// Enumerates every valid configuration within `space` (tensor, pipeline, interleave, context,
// expert, microbatch, sequence parallelism, ZeRO stage / distributed optimizer, recompute) and
// returns the fastest one that fits, and the next `runners_up` fastest.
SearchResult search_parallel(const TransformerSpec& model, int gpus, const StepHardware& hardware,
                             const StepEfficiency& efficiency, const SearchSpace& space,
                             int runners_up = 0);

} // namespace capsim
