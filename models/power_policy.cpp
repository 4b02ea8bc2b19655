#include "models/power_policy.hpp"

#include <algorithm>
#include <cmath>

namespace capsim {

double deepest_cap(PowerPolicy policy, double min_cap_fraction) {
  return policy == PowerPolicy::cap ? min_cap_fraction : 1.0;
}

bool fits_in_budget(double fixed_w, double dynamic_w, double deepest_cap, double budget_w) {
  return fixed_w + dynamic_w * deepest_cap <= budget_w;
}

PowerDecision decide_power(const PowerPolicyInputs& in) {
  PowerDecision out;
  const double fixed = in.fixed_w, reserved = in.reserved_dynamic_w;
  if (reserved > 0 && fixed + reserved > in.budget_w)
    out.cap = std::clamp((in.budget_w - fixed) / reserved, in.deepest_cap, 1.0);
  double room_w = std::max(0.0, in.budget_w - fixed - reserved * out.cap);
  for (const SpareHosts& s : in.spare) {
    std::size_t on = s.idle_w > 0
                         ? static_cast<std::size_t>(std::min<double>(static_cast<double>(s.count),
                                                                     std::floor(room_w / s.idle_w)))
                         : s.count;
    out.on.push_back(on);
    room_w -= static_cast<double>(on) * s.idle_w;
  }
  return out;
}

} // namespace capsim
