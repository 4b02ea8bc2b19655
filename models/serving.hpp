// LLM serving on one replica: a model (dense or mixture-of-experts) on TP x PP x EP GPUs of one
// type, with continuous batching bounded by the KV cache, and the latency it gives at a load.
// Pure: no SimGrid, no I/O.
//
// Notation: weights W = total parameters x bytes per weight; for a MoE model with E experts,
// k per token, total P and active A parameters, one expert holds e = (P - A) / (E - k) and the
// non-expert part (attention, embeddings, shared layers) D = A - k e. L layers, n_h heads of
// head_dim d, n_kv key/value heads; G = TP x PP x EP GPUs per replica. EP > 1 means attention
// data parallel: each of EP ranks holds the non-expert weights (sharded by TP x PP) and serves
// its share of the requests; experts are sharded over TP x EP (TensorRT-LLM's "DEP").
//
// Memory per GPU
//   weights_gpu   = D b_w / (TP PP) + (P - D) b_w / (TP PP EP)
//   kv_token_gpu  = 2 (L / PP) ceil(n_kv / TP) d b_kv       bytes of K and V per token
//   workspace_gpu = max_num_tokens x hidden x 2 B x 8 / TP   activations of one prefill chunk
//                   (assumed factor 8: Q/K/V, attention output and the gated MLP's two
//                   projections at ~3.5 h held at once, in 16-bit)
//   kv_capacity   = f_kv (HBM - weights_gpu - workspace_gpu)   f_kv: share of the free memory
//                   given to the KV cache (TensorRT-LLM kv_cache_free_gpu_mem_fraction,
//                   default 0.9; vLLM gpu_memory_utilization 0.9 of the whole)
//   max_batch     = min(batch_limit, EP floor(kv_capacity / (kv_token_gpu (s_in + s_out))))
//                   a request reserves its whole context (TensorRT-LLM's default
//                   GUARANTEED_NO_EVICT scheduler).
//
// Decode: one round advances every running request by one token. With PP, the batch B is cut
// into PP microbatches that circulate through the stages, so
//   t_round(B) = PP t_stage(B / PP) + t_round_overhead + B t_request_overhead
//   t_stage(b) = max(bytes_gpu(b) / (eta_hbm BW), flop_gpu(b) / (eta_c peak)) + t_comm(b)
//   bytes_gpu  = (L/PP) [ D_l b_w / TP + (E/EP)(1 - (1 - k/E)^b) e_l b_w / TP ]
//                + (b/EP) c_avg kv_token_gpu,                    c_avg = s_in + s_out / 2
//                D_l, e_l: per-layer shares; the middle term counts the experts the batch's
//                tokens touch (expected distinct of E when b tokens pick k each, uniform routing)
//   flop_gpu   = [2 D (b/EP) / TP + 2 k e b / (TP EP)] / PP     at the weights' peak, plus
//                4 (L/PP) n_h d c_avg (b/EP) / TP               attention, at the FP8 peak for
//                FP8 and FP4 (FP8 KV cache; FP4 covers the weight GEMMs only), BF16 for BF16
//   t_comm     = (L/PP) [2 allreduce_TP((b/EP) h 2 B) + [MoE, EP > 1] 2 all_to_all] + PP send
//                ring all-reduce of X bytes: 2 (TP - 1)/TP X / (eta_nvl BW_nvl/2) + 2 (TP-1) lat
//   TPOT at batch B (no prefill) = t_round(B); output tokens/s = B / t_round(B).
//   This is the decode roofline of Williams et al. (CACM 2009) as applied to LLM inference by
//   Yuan et al., "LLM Inference Unveiled: Survey and Roofline Model Insights" (arXiv 2402.16363)
//   and Pope et al., "Efficiently Scaling Transformer Inference" (MLSys 2023, arXiv 2211.05102).
//
// Prefill of a prompt of s_in tokens (compute-bound):
//   flop_prefill = 2 A s_in + 2 L n_h d s_in^2            (causal attention: QK^T and AV halved)
//   t_prefill    = max((2 D s_in + 2 L n_h d s_in^2) / (TP eta_c peak) + 2 k e s_in / (TP EP
//                  eta_c peak), weights_gpu / (eta_hbm BW)) + t_comm(s_in)   latency, unloaded
//   busy_prefill = flop_prefill / (G eta_c peak) + t_comm(s_in) / (PP EP)    replica time when
//                  every GPU is busy (other stages and ranks work on other requests)
//
// Throughput at a load lambda (requests/s), continuous batching with chunked prefill:
//   prefill share rho_p = lambda busy_prefill; decode runs in the rest, so
//   TPOT(B) = t_round(B) / (1 - rho_p)
//   occupancy (Little): B = lambda S(B),  S(B) = t_prefill + s_out TPOT(B)  (fixed point)
//   capacity lambda_max = B_max / S(B_max): the replica holds B_max requests, each S(B_max).
//
// Queueing approximation for latency (stated; validated against a per-request simulation in
// tests/models/test_serving.cpp):
//   Slots: an M/G/c queue with c = B_max servers of holding time S = S(B_max), offered load
//   a = lambda S, rho = a / c. Erlang C gives P(wait) = C(c, a); the Allen-Cunneen correction
//   scales the wait by (1 + C_s^2) / 2 (C_s: coefficient of variation of S, the output length's):
//     P(W_slot > t) = C(c, a) exp(-t (c/S - lambda) 2 / (1 + C_s^2))
//   (A. O. Allen, "Probability, Statistics, and Queueing Theory", 2nd ed., 1990, sec. 5.2; the
//   exponential tail is the exact M/M/c waiting-time law with its rate scaled by the same factor.)
//   Prefill: one server (the replica's prefill share) of deterministic service busy_prefill:
//   M/D/1 with D = busy_prefill. Its waiting time has the atom P(W_p > 0) = rho_p and an
//   exponential tail whose rate theta is the positive root of lambda (e^(theta D) - 1) = theta
//   (the Cramer-Lundberg asymptotic of the M/G/1 waiting time, S. Asmussen, "Applied
//   Probability and Queues", 2nd ed., 2003, ch. XIII.5; theta -> 2 (1 - rho_p) / D, Kingman's
//   heavy-traffic rate, as rho_p -> 1):
//     P(W_p > t) = rho_p exp(-theta t)
//   TTFT = W_slot + W_p + t_prefill + t_round(B)   (the first token leaves with a decode round)
//   Its quantiles come from the exact distribution of the sum of the two mixed exponentials.
//   TPOT: the number of requests in service of an M/G/infinity system is Poisson with mean B
//   (Takacs); TPOT_q = t_round(B_q) / (1 - rho_p) with B_q the Poisson quantile, capped at B_max.
//   SLO attainment = P(TTFT <= target) x P(TPOT <= target).
//
// Parameters: ServingEfficiency per GPU generation (eta_c, eta_hbm, eta_nvl, collective
// latency, per-round overhead), fitted only on the public benchmark rows of
// tests/reference/serving/ (see default_serving_efficiency()).
//
// Sources: NVIDIA TensorRT-LLM performance overview (docs/source/performance/perf-overview.md,
// v0.17 tables and the Blackwell-era per-GPU tables) for the calibration rows; FP4 peaks: NVIDIA
// DGX B200 datasheet (FP4 inference 144 PFLOPS vs FP8 72 PFLOPS per 8 GPUs, ratio 2), GB300
// NVL72 product page (dense FP4 1,080 PFLOPS vs FP8 720 PFLOPS with sparsity = 360 dense, ratio
// 3 on Blackwell Ultra); NVFP4 stores one FP8 scale per 16 values (4.5 bits per weight, NVIDIA
// Transformer Engine documentation).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "models/gpu.hpp"

#include "models/parameter.hpp"

namespace capsim {

enum class Quantization { bf16, fp8, fp4 };
const char* to_string(Quantization quantization);
std::optional<Quantization> parse_quantization(const std::string& name);

enum class GpuGeneration { ampere, hopper, blackwell, blackwell_ultra };
const char* to_string(GpuGeneration generation);

struct ServingModel {
  std::string name;
  double params = 0;        // all parameters, every expert
  double active_params = 0; // parameters used per token (= params for a dense model)
  int layers = 0;
  int hidden = 0;
  int heads = 0;
  int kv_heads = 0;
  int head_dim = 0;
  int experts = 1; // 1 = dense
  int experts_per_token = 1;
};

// Presets from the models' published configurations (Hugging Face config.json and model cards):
// llama3-8b, llama3-70b, llama3-405b (Llama 3.1/3.3), mixtral-8x7b, qwen3-30b-a3b,
// qwen3-235b-a22b.
std::optional<ServingModel> serving_model_preset(const std::string& name);
std::vector<std::string> serving_model_preset_names();

struct ServingHardware {
  std::string name;
  GpuGeneration generation = GpuGeneration::hopper;
  double bf16_flops = 0; // dense
  double fp8_flops = 0;  // dense; 0 = none
  double fp4_flops = 0;  // dense; 0 = none
  double hbm_bytes = 0;
  double hbm_bytes_per_s = 0;
  double nvlink_bytes_per_s = 0; // both directions, as datasheets quote it
  int nvlink_domain = 1;
  double price_usd = 0;
};

// Hardware for a catalogue GPU; the generation and the FP4 peak come from the GPU's name (A100;
// H100, H200; B200, GB200; B300, GB300). Throws std::invalid_argument for another name.
ServingHardware serving_hardware(const GpuSpec& gpu);

// An inference job's layout (`layout:`); `quantization` is a choice (bf16, fp8, fp4).
namespace serving_layout_parameter {
inline constexpr Parameter tp{.key = "tp",
                              .default_si = 1,
                              .min_si = 1,
                              .max_si = 4096,
                              .meaning = "tensor-parallel degree of a replica",
                              .whole = true};
inline constexpr Parameter pp{.key = "pp",
                              .default_si = 1,
                              .min_si = 1,
                              .max_si = 4096,
                              .meaning = "pipeline-parallel degree of a replica",
                              .whole = true};
inline constexpr Parameter ep{.key = "ep",
                              .default_si = 1,
                              .min_si = 1,
                              .max_si = 4096,
                              .meaning = "expert-parallel degree of a replica",
                              .whole = true};
inline constexpr Parameter batch_limit{.key = "batch_limit",
                                       .default_si = 2048,
                                       .min_si = 1,
                                       .max_si = 1 << 20,
                                       .meaning = "most concurrent requests the scheduler admits "
                                                  "(the KV cache may bound it lower)",
                                       .whole = true};
inline constexpr Parameter table[] = {tp, pp, ep, batch_limit};
} // namespace serving_layout_parameter

struct ServingLayout {
  int tensor = static_cast<int>(serving_layout_parameter::tp.default_si);
  int pipeline = static_cast<int>(serving_layout_parameter::pp.default_si);
  int expert = static_cast<int>(serving_layout_parameter::ep.default_si);
  Quantization quantization = Quantization::fp8;
  // Most concurrent requests the scheduler admits.
  int batch_limit = static_cast<int>(serving_layout_parameter::batch_limit.default_si);
  int max_num_tokens = 8192;     // tokens per prefill chunk (TensorRT-LLM's default)
  double kv_free_fraction = 0.9; // share of memory left after weights given to the KV cache
  int gpus() const { return tensor * pipeline * expert; }
};

struct ServingEfficiency {
  double compute_fraction = 0; // achieved / peak FLOP/s of dense GEMMs
  double hbm_fraction = 0;     // achieved / peak HBM bandwidth
  double nvlink_fraction = 0;  // achieved / peak NVLink bandwidth in collectives
  double collective_latency_s = 0;
  double round_overhead_s = 0;   // per decode round: launches, synchronisation
  double request_overhead_s = 0; // per running request per round: scheduling, sampling
};

// Fitted on the calibration rows of tests/reference/serving/ (see the test); B300 and GB300
// (Blackwell Ultra) use Blackwell's, uncalibrated.
ServingEfficiency default_serving_efficiency(GpuGeneration generation);

// An inference job's request shape (`requests:`); `prompt_tokens` and `output_tokens` are a
// number of tokens or a lognormal {mean, p99} (README).
namespace request_shape_parameter {
inline constexpr Parameter output_tokens_cv{
    .key = "output_tokens_cv",
    .default_si = 0,
    .min_si = 0,
    .max_si = 10,
    .meaning = "coefficient of variation of a fixed output_tokens (0: every request alike)"};
inline constexpr Parameter table[] = {output_tokens_cv};
} // namespace request_shape_parameter

// A request length given as a distribution, {distribution: lognormal, mean, p99}; a fixed length
// (a number) takes the mean's range.
namespace request_length_parameter {
inline constexpr Parameter mean{.key = "mean",
                                .min_si = 1,
                                .max_si = 1e7,
                                .meaning = "mean tokens per request",
                                .required = true};
inline constexpr Parameter p99{.key = "p99",
                               .min_si = 1,
                               .max_si = 1e8,
                               .meaning = "99th percentile of the tokens per request (above the "
                                          "mean, at most 14.97 times it)",
                               .required = true};
inline constexpr Parameter table[] = {mean, p99};
} // namespace request_length_parameter

// Request lengths by their first two moments: means and coefficients of variation. The KV cache
// of a full batch holds B requests whose mean context is the means' (the sum's mean); the
// holding time's variance comes from both lengths (holding_time_cv).
struct ServingRequestShape {
  double prompt_tokens = 0;
  double output_tokens = 0;
  // Coefficients of variation of the output and prompt lengths (0 = fixed).
  double output_tokens_cv = request_shape_parameter::output_tokens_cv.default_si;
  double prompt_tokens_cv = 0;
};

// A length distribution given by its mean m and 99th percentile q, lognormal:
//   ln L ~ N(mu, s^2), m = exp(mu + s^2 / 2), q = exp(mu + z s), z = Phi^-1(0.99) = 2.3263...
//   => s^2 - 2 z s + 2 ln(q / m) = 0, s = z - sqrt(z^2 - 2 ln(q / m)) (the smaller root),
//   mu = ln m - s^2 / 2, CV = sqrt(exp(s^2) - 1).
// A solution needs m < q <= m exp(z^2 / 2) (~14.9 m); otherwise std::nullopt.
struct LognormalLength {
  double mu = 0, sigma = 0, cv = 0;
};
std::optional<LognormalLength> lognormal_from_mean_p99(double mean, double p99);

// The coefficient of variation of a request's slot holding time S (full batch) whose prefill
// part P scales with the prompt and whose decode part S - P with the output, the two lengths
// independent: CV_S = sqrt((cv_out (S - P))^2 + (cv_prompt P)^2) / S.
double holding_time_cv(const ServingRequestShape& shape, double holding_s, double prefill_s);

// Memory of one GPU of the replica.
struct ServingMemory {
  double weight_bytes = 0;
  double workspace_bytes = 0;
  double usable_bytes = 0;       // HBM
  double kv_capacity_bytes = 0;  // 0 when weights and workspace leave nothing
  double kv_bytes_per_token = 0; // per GPU
  int max_batch = 0;             // requests per replica at the shape's full context
  bool fits() const { return max_batch >= 1; }
};

double bytes_per_weight(Quantization quantization);
double bytes_per_kv_value(Quantization quantization);

// Problems with inputs (counts, divisibility, quantisation the GPU lacks).
std::vector<std::string> validate(const ServingModel& model);
std::vector<std::string> validate(const ServingModel& model, const ServingHardware& hardware,
                                  const ServingLayout& layout);
std::vector<std::string> validate(const ServingRequestShape& shape);

ServingMemory serving_memory(const ServingModel& model, const ServingHardware& hardware,
                             const ServingLayout& layout, const ServingRequestShape& shape);

struct DecodeRound {
  double time_s = 0;
  double weight_bytes_per_gpu = 0; // per stage pass, one GPU
  double kv_bytes_per_gpu = 0;
  double memory_time_s = 0;  // per stage pass
  double compute_time_s = 0; // per stage pass
  double comm_time_s = 0;    // per stage pass
};

// One round of decode for `batch` running requests at context_tokens each.
DecodeRound decode_round(const ServingModel& model, const ServingHardware& hardware,
                         const ServingLayout& layout, const ServingEfficiency& efficiency,
                         double batch, double context_tokens);

struct Prefill {
  double flop = 0;
  double latency_s = 0; // one prompt, unloaded replica
  double busy_s = 0;    // replica time per prompt when all GPUs are busy
};

Prefill prefill(const ServingModel& model, const ServingHardware& hardware,
                const ServingLayout& layout, const ServingEfficiency& efficiency,
                double prompt_tokens);

struct ServingCapacity {
  ServingMemory memory;
  Prefill prefill;
  double round_at_max_batch_s = 0;
  double holding_time_s = 0;         // S(B_max)
  double max_request_rate_per_s = 0; // lambda_max
  double output_tokens_per_s = 0;    // at lambda_max
  double output_tokens_per_s_per_gpu = 0;
};

// Saturated replica (offline throughput benchmark). Requires memory.fits().
ServingCapacity serving_capacity(const ServingModel& model, const ServingHardware& hardware,
                                 const ServingLayout& layout, const ServingEfficiency& efficiency,
                                 const ServingRequestShape& shape);

struct ServingLatency {
  double request_rate_per_s = 0;
  bool stable = false;              // lambda < lambda_max
  double utilization = 0;           // lambda / lambda_max
  double mean_batch = 0;            // B
  double prefill_share = 0;         // rho_p
  double output_tokens_per_s = 0;   // lambda s_out when stable
  double slot_wait_probability = 0; // Erlang C
  double ttft_p50_s = 0;
  double ttft_p99_s = 0;
  double tpot_p50_s = 0;
  double tpot_p99_s = 0;
  double slo_attainment = 0; // with targets; 0 when unstable
};

struct LatencyTargets {
  double ttft_s = 0; // p99 target
  double tpot_s = 0; // p99 target
};

ServingLatency serving_latency(const ServingModel& model, const ServingHardware& hardware,
                               const ServingLayout& layout, const ServingEfficiency& efficiency,
                               const ServingRequestShape& shape, double request_rate_per_s,
                               const LatencyTargets& targets);

// Queueing pieces, exposed for tests.
double erlang_c(int servers, double offered_load);
struct WaitDistribution {
  double wait_probability = 0; // atom: P(W > 0)
  double rate_per_s = 0;       // P(W > t | W > 0) = exp(-rate t)
};
WaitDistribution slot_wait(int servers, double holding_time_s, double holding_time_cv,
                           double request_rate_per_s);
WaitDistribution prefill_wait(double service_s, double request_rate_per_s);
// P(W1 + W2 > t) for independent waits of the two kinds above.
double wait_sum_tail(const WaitDistribution& w1, const WaitDistribution& w2, double t_s);
// Smallest t with P(W1 + W2 > t) <= 1 - q.
double wait_sum_quantile(const WaitDistribution& w1, const WaitDistribution& w2, double q);

// The smallest n with P(N <= n) >= q, N Poisson with this mean (0 when mean <= 0): a batch's
// occupancy quantile, for time per output token.
double poisson_quantile(double mean, double q);

// Largest request rate that one replica serves within the p99 targets (0 if none), by
// bisection on the rate to a relative tolerance of 1e-4.
double max_rate_within_targets(const ServingModel& model, const ServingHardware& hardware,
                               const ServingLayout& layout, const ServingEfficiency& efficiency,
                               const ServingRequestShape& shape, const LatencyTargets& targets);

struct LayoutChoice {
  ServingLayout layout;
  double rate_per_replica_per_s = 0;
  int replicas = 0;
  int gpus = 0;
  double gpu_price_usd = 0; // gpus x price (0 when the catalogue has no price)
  ServingLatency latency;   // one replica at demand / replicas
};

struct LayoutSearch {
  std::vector<int> tensor = {1, 2, 4, 8};
  std::vector<int> pipeline = {1, 2, 4};
  std::vector<int> expert = {1, 2, 4, 8};
  std::vector<Quantization> quantization = {Quantization::bf16, Quantization::fp8,
                                            Quantization::fp4};
  std::vector<int> batch_limit = {8, 16, 32, 64, 128, 256, 512, 1024, 2048};
};

// Every layout that fits and meets the targets at the demand, cheapest first (fewest GPUs,
// then the fewest GPUs per replica, then lower TPOT p99). evaluated counts layouts tried.
std::vector<LayoutChoice> search_layouts(const ServingModel& model, const ServingHardware& hardware,
                                         const ServingEfficiency& efficiency,
                                         const ServingRequestShape& shape,
                                         double demand_requests_per_s,
                                         const LatencyTargets& targets, const LayoutSearch& space,
                                         long* evaluated = nullptr);

} // namespace capsim
