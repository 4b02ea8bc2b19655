#include "models/checkpoint.hpp"

#include <cassert>
#include <cmath>

namespace capsim {

double young_interval_s(double write_s, double mtbf_s) {
  assert(write_s > 0 && mtbf_s > 0);
  return std::sqrt(2 * write_s * mtbf_s);
}

double first_order_goodput(const CheckpointPlan& plan, double restart_s, double mtbf_s) {
  return 1 - plan.write_s / plan.interval_s - (restart_s + plan.interval_s / 2) / mtbf_s;
}

double exponential_goodput(const CheckpointPlan& plan, double restart_s, double mtbf_s) {
  double lambda = 1 / mtbf_s;
  double expected_cycle_s =
      std::exp(lambda * restart_s) * std::expm1(lambda * (plan.interval_s + plan.write_s)) / lambda;
  return plan.interval_s / expected_cycle_s;
}

double compute_time_in(const CheckpointPlan& plan, double x_s) {
  double period_s = plan.interval_s + plan.write_s;
  double cycles = std::floor(x_s / period_s);
  double rest_s = x_s - cycles * period_s;
  return cycles * plan.interval_s + std::fmin(rest_s, plan.interval_s);
}

AdvanceResult advance(CheckpointProgress& progress, const CheckpointPlan& plan, double rate_flops,
                      double dt_s) {
  assert(dt_s >= 0 && rate_flops >= 0);
  AdvanceResult result;
  if (dt_s <= 0) return result;
  double period_s = plan.interval_s + plan.write_s;
  double start_s = progress.cycle_time_s;
  double end_s = start_s + dt_s;
  result.computed_flop =
      rate_flops * (compute_time_in(plan, end_s) - compute_time_in(plan, start_s));
  double boundaries = std::floor(end_s / period_s); // start_s < period_s always
  if (boundaries >= 1) {
    // Everything computed before the last write that completed is now safe.
    double after_last_s = end_s - boundaries * period_s;
    double pending_flop = rate_flops * std::fmin(after_last_s, plan.interval_s);
    result.committed_flop = progress.uncommitted_flop + result.computed_flop - pending_flop;
    result.checkpoints = static_cast<long long>(boundaries);
    progress.uncommitted_flop = pending_flop;
    progress.cycle_time_s = after_last_s;
    progress.checkpoints += result.checkpoints;
  } else {
    progress.uncommitted_flop += result.computed_flop;
    progress.cycle_time_s = end_s;
  }
  return result;
}

double time_to_compute(const CheckpointProgress& progress, const CheckpointPlan& plan,
                       double rate_flops, double work_flop) {
  if (work_flop <= 0) return 0;
  if (rate_flops <= 0) return INFINITY;
  double period_s = plan.interval_s + plan.write_s;
  double needed_s = work_flop / rate_flops; // compute time still needed
  double x0 = progress.cycle_time_s;
  double target_s = compute_time_in(plan, x0) + needed_s; // C(x) must reach this
  // Invert C: whole cycles first, then the remainder inside a compute window.
  double cycles = std::floor(target_s / plan.interval_s);
  double rest_s = target_s - cycles * plan.interval_s;
  // A target a rounding error past a window's end belongs to that window, not the next one.
  if (rest_s <= 1e-12 * plan.interval_s) rest_s = 0;
  double x_s = rest_s > 0 ? cycles * period_s + rest_s : cycles * period_s - plan.write_s;
  return std::fmax(0.0, x_s - x0);
}

} // namespace capsim
