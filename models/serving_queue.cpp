#include "models/serving_queue.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <boost/math/distributions/poisson.hpp>

namespace capsim {

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

double poisson_cdf(double mean, double n) {
  if (n < 0) return 0;
  if (mean <= 0) return 1;
  return boost::math::cdf(boost::math::poisson_distribution<>(mean), std::floor(n));
}

} // namespace

double ReplicaProfile::round_at(double batch) const {
  if (round_s.empty()) return 0;
  double b = std::clamp(batch, 1.0, static_cast<double>(round_s.size()));
  auto lo = static_cast<std::size_t>(std::floor(b));
  double f = b - static_cast<double>(lo);
  if (lo >= round_s.size()) return round_s.back();
  return round_s[lo - 1] + f * (round_s[lo] - round_s[lo - 1]);
}

double ReplicaProfile::capacity_per_s() const {
  double slots_rate = holding_s > 0 ? slots / holding_s : 0;
  return prefill_busy_s > 0 ? std::min(slots_rate, 1 / prefill_busy_s) : slots_rate;
}

ReplicaProfile replica_profile(const ServingModel& model, const ServingHardware& hardware,
                               const ServingLayout& layout, const ServingEfficiency& efficiency,
                               const ServingRequestShape& shape) {
  ReplicaProfile p;
  ServingCapacity cap = serving_capacity(model, hardware, layout, efficiency, shape);
  p.gpus = layout.gpus();
  p.slots = cap.memory.max_batch;
  p.holding_s = cap.holding_time_s;
  p.prefill_busy_s = cap.prefill.busy_s;
  p.prefill_latency_s = cap.prefill.latency_s;
  p.prompt_tokens = shape.prompt_tokens;
  p.output_tokens = shape.output_tokens;
  p.holding_cv = holding_time_cv(shape, p.holding_s, p.prefill_latency_s);
  const double context = shape.prompt_tokens + shape.output_tokens / 2;
  p.round_s.reserve(static_cast<std::size_t>(std::max(0, p.slots)));
  for (int b = 1; b <= p.slots; ++b)
    p.round_s.push_back(decode_round(model, hardware, layout, efficiency, b, context).time_s);
  return p;
}

bool FleetService::meets(const FleetTargets& t) const {
  if (!stable) return false;
  auto ok = [](double value, double target) { return target <= 0 || value <= target; };
  return ok(ttft_p50_s, t.ttft_p50_s) && ok(ttft_p99_s, t.ttft_p99_s) &&
         ok(tpot_p50_s, t.tpot_p50_s) && ok(tpot_p99_s, t.tpot_p99_s);
}

FleetService fleet_service(const ReplicaProfile& r, int replicas, double demand, double speed,
                           const FleetTargets& targets, double network_rtt_s) {
  FleetService out;
  out.replicas = replicas;
  out.demand_per_s = std::max(0.0, demand);
  demand = out.demand_per_s;
  if (replicas <= 0 || r.slots <= 0 || speed <= 0) {
    out.unmet_per_s = demand;
    out.stable = demand <= 0;
    out.slo_attainment = demand <= 0 ? 1 : 0;
    if (demand > 0) { // no replica: nothing is served, latency is unbounded
      out.wait_probability = 1;
      out.wait_p50_s = out.wait_p99_s = out.ttft_p50_s = out.ttft_p99_s = inf;
      out.tpot_p50_s = out.tpot_p99_s = inf;
    }
    return out;
  }
  const double n = replicas;
  const double holding_s = r.holding_s / speed;
  const double prefill_s = r.prefill_busy_s / speed;
  const double servers = n * r.slots;
  const double capacity = std::min(servers / holding_s, prefill_s > 0 ? n / prefill_s : inf);
  out.utilization = demand * holding_s / servers;
  out.prefill_share = demand / n * prefill_s;
  if (demand >= capacity) { // saturated: the capacity is admitted, the rest rejected
    out.served_per_s = capacity;
    out.unmet_per_s = demand - capacity;
    out.wait_probability = 1;
    out.wait_p50_s = out.wait_p99_s = out.ttft_p50_s = out.ttft_p99_s = inf;
    out.tpot_p50_s = out.tpot_p99_s = inf;
    out.slo_attainment = 0;
    return out;
  }
  out.stable = true;
  out.served_per_s = demand;
  if (demand <= 0) {
    out.slo_attainment = 1;
    out.ttft_p50_s = out.ttft_p99_s = network_rtt_s + (r.prefill_latency_s + r.round_at(1)) / speed;
    out.tpot_p50_s = out.tpot_p99_s = r.round_at(1) / speed;
    return out;
  }
  const WaitDistribution slot =
      slot_wait(static_cast<int>(servers), holding_s, r.holding_cv, demand);
  const WaitDistribution pre = prefill_wait(prefill_s, demand / n);
  out.wait_probability = slot.wait_probability;
  out.wait_p50_s = wait_sum_quantile(slot, pre, 0.5);
  out.wait_p99_s = wait_sum_quantile(slot, pre, 0.99);
  const double batch = std::min<double>(r.slots, demand / n * holding_s);
  const double base_s = network_rtt_s + (r.prefill_latency_s + r.round_at(batch)) / speed;
  out.ttft_p50_s = base_s + out.wait_p50_s;
  out.ttft_p99_s = base_s + out.wait_p99_s;
  const double stretch = speed * (1 - out.prefill_share);
  auto tpot_at = [&](double b) { return r.round_at(std::min<double>(b, r.slots)) / stretch; };
  out.tpot_p50_s = tpot_at(poisson_quantile(batch, 0.5));
  out.tpot_p99_s = tpot_at(poisson_quantile(batch, 0.99));
  const double p_ttft =
      targets.ttft_p99_s > 0 ? 1 - wait_sum_tail(slot, pre, targets.ttft_p99_s - base_s) : 1.0;
  double p_tpot = 1;
  if (targets.tpot_p99_s > 0) {
    // The largest batch whose round meets the target: rounds grow with the batch.
    int ok = 0;
    for (int b = 1;
         b <= r.slots && r.round_s[static_cast<std::size_t>(b - 1)] / stretch <= targets.tpot_p99_s;
         ++b)
      ok = b;
    p_tpot = ok >= r.slots ? 1.0 : poisson_cdf(batch, ok);
  }
  out.slo_attainment = std::clamp(p_ttft, 0.0, 1.0) * p_tpot;
  return out;
}

int replicas_needed(const ReplicaProfile& r, double demand, double speed,
                    const FleetTargets& targets, int max_replicas, double network_rtt_s) {
  if (demand <= 0) return 0;
  if (max_replicas < 1 || r.slots <= 0 || speed <= 0) return max_replicas + 1;
  auto meets = [&](int n) {
    return fleet_service(r, n, demand, speed, targets, network_rtt_s).meets(targets);
  };
  // Below the capacity bound no fleet is stable; above it, meeting the targets is monotone in
  // the number of replicas: gallop, then bisect.
  double floor_n = std::ceil(demand / (r.capacity_per_s() * speed) * (1 + 1e-12));
  int lo = static_cast<int>(std::clamp(floor_n, 1.0, static_cast<double>(max_replicas) + 1));
  if (lo > max_replicas) return max_replicas + 1;
  if (meets(lo)) return lo;
  int hi = lo;
  while (true) {
    if (hi >= max_replicas) return max_replicas + 1 - (meets(max_replicas) ? 1 : 0);
    lo = hi;
    hi = std::min(max_replicas, std::max(hi + 1, hi * 2));
    if (meets(hi)) break;
  }
  while (hi - lo > 1) { // meets(hi), !meets(lo)
    int mid = lo + (hi - lo) / 2;
    (meets(mid) ? hi : lo) = mid;
  }
  return hi;
}

} // namespace capsim
