// Checkpoint/restart of a synchronous training job, in closed form.
//
// A running job alternates compute windows of length tau (the checkpoint interval) and
// checkpoint writes of length delta: one cycle lasts P = tau + delta. Work done in a compute
// window becomes safe ("committed") when the write that follows it completes; an interruption
// loses everything not yet committed, including a write in progress. After an interruption the
// job restarts (time R: restart overhead + reading the last checkpoint) and starts a new cycle.
//
// Compute time inside the first x seconds of a cycle sequence:
//   C(x) = floor(x / P) * tau + min(x mod P, tau)
// so between two events the job's progress is computed without stepping through checkpoints.
//
// Interval and expected efficiency, failures at rate lambda = 1/M (exponential):
//   Young (1974):           tau_opt = sqrt(2 delta M)
//   first order:            goodput ~= 1 - delta/tau - (R + tau/2) / M
//   exact for exponential:  goodput = tau / E[T],  E[T] = e^(lambda R) (e^(lambda (tau+delta)) - 1)
//   / lambda
//     (expected time to complete one cycle when failures may strike during compute, writes and
//      restarts; J. T. Daly, "A higher order estimate of the optimum checkpoint interval for
//      restart dumps", Future Generation Computer Systems 22 (2006) 303-312, eq. 11 without the
//      approximation; also A. Benoit, Y. Robert et al., "Checkpointing strategies ...", 2013.)
// Sources: J. W. Young, "A first order approximation to the optimum checkpoint interval",
// Communications of the ACM 17(9), 1974.
#pragma once

#include "models/parameter.hpp"

namespace capsim {

// A training job's checkpoint parameters (its `checkpoint:` block; `async: true` snapshots to
// host memory and writes while the job computes). `interval` and `size` also take `auto`.
namespace checkpoint_parameter {
inline constexpr Parameter interval{
    .key = "interval",
    .dimension = Dimension::time,
    .default_si = 0,
    .min_si = 1,
    .max_si = 50 * julian_year_s,
    .meaning = "compute between two checkpoints",
    .default_from = "auto: Young's sqrt(2 x write time x MTBF), from the job's failure rate"};
inline constexpr Parameter size{
    .key = "size",
    .dimension = Dimension::data,
    .default_si = 0,
    .min_si = 1,
    .max_si = 1e18,
    .meaning = "the whole job's state written per checkpoint",
    .default_from = "auto: 14 bytes per model parameter (bf16 weights, fp32 master weights, Adam "
                    "moments)"};
inline constexpr Parameter restart{
    .key = "restart",
    .dimension = Dimension::time,
    .default_si = 300,
    .min_si = 0,
    .max_si = 30 * 86400.0,
    .meaning = "restart overhead after a failure: scheduling, process start, NCCL init (the "
               "checkpoint read is simulated apart)"};
inline constexpr Parameter snapshot_bandwidth{
    .key = "snapshot_bandwidth",
    .dimension = Dimension::data_rate,
    .default_si = 25e9,
    .min_si = 1e6,
    .max_si = 1e13,
    .meaning = "per GPU, copy of its state to host memory in an asynchronous checkpoint (about "
               "half of a PCIe Gen5 x16 link)",
    .min_exclusive = true};
inline constexpr Parameter table[] = {interval, size, restart, snapshot_bandwidth};
} // namespace checkpoint_parameter

// A site's checkpoint storage (its `storage:` block): one link from the site's gateways to its
// storage host, which the jobs' checkpoint writes and reads share.
namespace storage_parameter {
inline constexpr Parameter bandwidth{
    .key = "bandwidth",
    .dimension = Dimension::data_rate,
    .default_si = 1e12,
    .min_si = 0,
    .max_si = 1e16,
    .meaning = "the storage link's bandwidth (required in a storage block; this without one)",
    .min_exclusive = true};
inline constexpr Parameter latency{.key = "latency",
                                   .dimension = Dimension::time,
                                   .default_si = 1e-4,
                                   .min_si = 0,
                                   .max_si = 10,
                                   .meaning = "the storage link's latency"};
inline constexpr Parameter table[] = {bandwidth, latency};
} // namespace storage_parameter

struct CheckpointPlan {
  double interval_s = 0; // tau: compute between two checkpoints
  double write_s = 0;    // delta: time to write one checkpoint (job paused)
};

// Young's interval sqrt(2 delta M); requires write_s > 0 and mtbf_s > 0.
double young_interval_s(double write_s, double mtbf_s);

// First-order expected goodput fraction 1 - delta/tau - (R + tau/2)/M.
double first_order_goodput(const CheckpointPlan& plan, double restart_s, double mtbf_s);

// Exact expected goodput fraction for exponential failures striking at any time.
double exponential_goodput(const CheckpointPlan& plan, double restart_s, double mtbf_s);

// Compute time C(x) in the first x seconds of a cycle sequence (see the header).
double compute_time_in(const CheckpointPlan& plan, double x_s);

// Progress of a running job inside its checkpoint cycles. Work is in FLOP; the rate may change
// between calls to advance().
struct CheckpointProgress {
  double cycle_time_s = 0;     // time since the current cycle sequence started, mod P
  double uncommitted_flop = 0; // computed since the last completed checkpoint
  long long checkpoints = 0;   // completed writes
};

struct AdvanceResult {
  double computed_flop = 0;  // work computed during the interval (committed or not)
  double committed_flop = 0; // work that became safe during the interval
  long long checkpoints = 0; // writes completed during the interval
};

// Advances by dt seconds at a constant rate (FLOP/s).
AdvanceResult advance(CheckpointProgress& progress, const CheckpointPlan& plan, double rate_flops,
                      double dt_s);

// Time from now until `work_flop` more work is computed at a constant rate (writes included).
double time_to_compute(const CheckpointProgress& progress, const CheckpointPlan& plan,
                       double rate_flops, double work_flop);

} // namespace capsim
