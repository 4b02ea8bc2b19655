// A serving fleet: N replicas of one layout behind a router, at a request rate, with a power-cap
// speed. The queueing approximation that the engine applies at each demand step and at each
// change (failure, repair, power cap), instead of one event per request. Pure: no SimGrid, no I/O.
//
// Each replica is what models/serving.hpp describes: B slots (its KV-cache-bound batch), each
// request holding a slot for S = S(B) (prefill + output tokens at the full batch's decode round),
// and one prefill share of deterministic time D per prompt. The fleet:
//   - Slots: an M/G/c queue over c = N B slots (the router gives each request the first free
//     slot of any replica: a central queue, which join-the-shortest-queue routing approaches),
//     holding time S / v (v: speed at the power cap, from the GPU's power-cap curve), offered
//     load a = lambda S / v, rho = a / c. Erlang C gives P(wait) = C(c, a); Allen-Cunneen scales
//     the wait by (1 + C_s^2) / 2, C_s the coefficient of variation of S:
//       P(W_slot > t) = C(c, a) exp(-t (c v / S - lambda) 2 / (1 + C_s^2))
//     (A. O. Allen, "Probability, Statistics, and Queueing Theory", 2nd ed., 1990, sec. 5.2).
//   - Prefill: each replica's M/D/1 queue at lambda / N with D / v (models/serving.hpp's
//     prefill_wait: the Cramer-Lundberg exponential tail of the M/G/1 wait).
//   - TTFT = W_slot + W_prefill + t_prefill / v + t_round(b) / v; its p50 and p99 come from the
//     exact law of the sum of the two mixed exponentials (wait_sum_quantile); "p99 waiting from
//     the tail".
//   - TPOT: requests in service per replica are Poisson with mean b = min(B, lambda S / (v N))
//     (M/G/infinity, Takacs); TPOT_q = t_round(b_q) / (v (1 - rho_p)), b_q its q-quantile.
//   - Network: a fixed round trip n_rtt between the users and the replicas (the prompt up, the
//     first token down) adds to every TTFT: TTFT = n_rtt + W + prefill + round. A constant
//     delay shifts every streamed token alike, so it leaves TPOT unchanged.
//   - SLO attainment = P(TTFT <= p99 TTFT target) x P(TPOT <= p99 TPOT target).
//   - Overload: when lambda >= the fleet's capacity (rho >= 1 or rho_p >= 1), the router admits
//     the capacity, min(c v / S, N v / D), and rejects the rest (demand unmet); the admitted
//     requests see a saturated queue whose latency the model does not bound: latencies are
//     infinite and the SLO attainment of such an interval is 0.
// Validated against a per-request simulation of the same fleet (central slot queue, per-replica
// prefill FIFO) in tests/models/test_serving_queue.cpp.
#pragma once

#include <vector>

#include "models/parameter.hpp"
#include "models/serving.hpp"

#include "models/parameter.hpp"

namespace capsim {

// One replica, computed once per layout and request shape.
struct ReplicaProfile {
  int gpus = 0;                 // TP x PP x EP
  int slots = 0;                // B: concurrent requests (KV-cache bound)
  double holding_s = 0;         // S(B): a request's time in a slot at the full batch
  double holding_cv = 0;        // coefficient of variation of S (the output length's share)
  double prefill_busy_s = 0;    // D: replica time per prompt with every GPU busy
  double prefill_latency_s = 0; // one prompt's prefill, unloaded
  double prompt_tokens = 0;
  double output_tokens = 0;
  std::vector<double> round_s;         // decode round at batch 1 .. slots (index b - 1)
  double round_at(double batch) const; // linear between the table's batches; 0 -> batch 1
  double capacity_per_s() const;       // requests/s at saturation, speed 1
};

// Requires the layout to fit (serving_memory(...).fits()).
ReplicaProfile replica_profile(const ServingModel& model, const ServingHardware& hardware,
                               const ServingLayout& layout, const ServingEfficiency& efficiency,
                               const ServingRequestShape& shape);

// An inference job's own parameters (its `jobs:` item); name, cluster, model and the blocks
// below are described in the README.
namespace inference_job_parameter {
inline constexpr Parameter start{.key = "start",
                                 .dimension = Dimension::time,
                                 .default_si = 0,
                                 .min_si = 0,
                                 .max_si = longest_horizon_s,
                                 .meaning = "when the job starts serving"};
inline constexpr Parameter priority{.key = "priority",
                                    .default_si = 1000000,
                                    .min_si = -1000000,
                                    .max_si = 1000000,
                                    .meaning =
                                        "on its cluster; above any training job's by default",
                                    .whole = true};
inline constexpr Parameter user_latency{
    .key = "user_latency",
    .dimension = Dimension::time,
    .default_si = 0,
    .min_si = 0,
    .max_si = 10,
    .meaning = "one way between the users and the site (or ground station), added twice to TTFT"};
inline constexpr Parameter table[] = {start, priority, user_latency};
} // namespace inference_job_parameter

// An inference job's demand (`demand:`): a rate with `daily` (24) and `weekly` (7) multipliers,
// or a `file` of requests_per_s rows (README).
namespace demand_parameter {
inline constexpr Parameter step{.key = "step",
                                .dimension = Dimension::time,
                                .default_si = 3600,
                                .min_si = 60,
                                .max_si = 86400,
                                .meaning = "the demand is evaluated at each step (piecewise "
                                           "constant)"};
inline constexpr Parameter rate{.key = "rate",
                                .dimension = Dimension::frequency,
                                .min_si = 0,
                                .max_si = 1e9,
                                .meaning = "mean requests per second, before the profiles (not "
                                           "with file)",
                                .required = true};
inline constexpr Parameter table[] = {step, rate};
} // namespace demand_parameter

// An inference job's latency targets (`targets:`), over the fleet; ttft_p99 and tpot_p99 are
// required.
namespace target_parameter {
inline constexpr Parameter ttft_p50{.key = "ttft_p50",
                                    .dimension = Dimension::time,
                                    .min_si = 0,
                                    .max_si = 3600,
                                    .meaning = "median time to first token",
                                    .min_exclusive = true,
                                    .default_from = "none"};
inline constexpr Parameter tpot_p50{.key = "tpot_p50",
                                    .dimension = Dimension::time,
                                    .min_si = 0,
                                    .max_si = 3600,
                                    .meaning = "median time per output token",
                                    .min_exclusive = true,
                                    .default_from = "none"};
inline constexpr Parameter ttft_p99{.key = "ttft_p99",
                                    .dimension = Dimension::time,
                                    .min_si = 0,
                                    .max_si = 3600,
                                    .meaning = "99th percentile of the time to first token (the "
                                               "SLO)",
                                    .min_exclusive = true,
                                    .required = true};
inline constexpr Parameter tpot_p99{.key = "tpot_p99",
                                    .dimension = Dimension::time,
                                    .min_si = 0,
                                    .max_si = 3600,
                                    .meaning = "99th percentile of the time per output token (the "
                                               "SLO)",
                                    .min_exclusive = true,
                                    .required = true};
inline constexpr Parameter table[] = {ttft_p50, tpot_p50, ttft_p99, tpot_p99};
} // namespace target_parameter

// An inference job's replicas (`replicas:`): fixed, or autoscaled within min and max.
namespace replica_parameter {
inline constexpr Parameter scale_up_delay{
    .key = "scale_up_delay",
    .dimension = Dimension::time,
    .default_si = 600,
    .min_si = 0,
    .max_si = 86400,
    .meaning = "a new replica serves this long after it is given its GPUs"};
inline constexpr Parameter fixed{.key = "fixed",
                                 .min_si = 1,
                                 .max_si = 1000000,
                                 .meaning = "replicas, all the time (or min and max)",
                                 .whole = true,
                                 .required = true};
inline constexpr Parameter min{.key = "min",
                               .min_si = 0,
                               .max_si = 1000000,
                               .meaning = "fewest replicas the autoscaler keeps (or fixed)",
                               .whole = true,
                               .required = true};
inline constexpr Parameter max{.key = "max",
                               .min_si = 1,
                               .max_si = 1000000,
                               .meaning = "most replicas the autoscaler starts (or fixed)",
                               .whole = true,
                               .required = true};
inline constexpr Parameter table[] = {scale_up_delay, fixed, min, max};
} // namespace replica_parameter

struct FleetTargets {
  double ttft_p50_s = 0; // 0: no target
  double ttft_p99_s = 0;
  double tpot_p50_s = 0;
  double tpot_p99_s = 0;
};

struct FleetService {
  int replicas = 0;
  double demand_per_s = 0;
  double served_per_s = 0; // admitted requests/s
  double unmet_per_s = 0;  // rejected: demand beyond the fleet's capacity
  bool stable = false;
  double utilization = 0; // slot utilisation rho
  double prefill_share = 0;
  double wait_probability = 0; // Erlang C
  double wait_p50_s = 0;       // slot + prefill queueing, before the prefill starts
  double wait_p99_s = 0;
  double ttft_p50_s = 0;
  double ttft_p99_s = 0;
  double tpot_p50_s = 0;
  double tpot_p99_s = 0;
  double slo_attainment = 0; // of served requests
  bool meets(const FleetTargets& targets) const;
};

// `speed` in (0, 1]: the GPUs' performance fraction at the site's power cap; `network_rtt_s`
// (>= 0) the users' round trip to the replicas, added to TTFT.
FleetService fleet_service(const ReplicaProfile& replica, int replicas, double demand_per_s,
                           double speed, const FleetTargets& targets, double network_rtt_s = 0);

// The fewest replicas (1 .. max_replicas) whose fleet meets every target at the demand and
// speed; max_replicas + 1 when none does. Non-decreasing in the demand (each latency grows with
// the rate at a fixed fleet, and falls with more replicas at a fixed rate). Zero demand: 0.
int replicas_needed(const ReplicaProfile& replica, double demand_per_s, double speed,
                    const FleetTargets& targets, int max_replicas, double network_rtt_s = 0);

} // namespace capsim
