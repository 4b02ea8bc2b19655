// What a site does when its IT budget (supply / PUE, or the heat its cooling can reject) is
// short: the GPU power cap common to its busy GPUs and how many spare hosts stay powered.
//
// With F the idle power of every host allocated to a job, R the training power above idle of the
// jobs running or restarting (uncapped), B the IT budget, c_min the deepest cap the policy
// allows (cap: the site's min_power_cap; shed: 1, no capping):
//   fits(F, R)      = F + R c_min <= B            (a job set can run at all)
//   cap             = 1                            if F + R <= B or R = 0
//                     clamp((B - F) / R, c_min, 1) otherwise
//   room            = max(0, B - F - R cap)
//   spare hosts on  = per cluster in order, min(spare, floor(room / idle_w)); room shrinks by
//                     what each cluster turns on (all spares when idle_w = 0)
// Jobs that do not fit even at c_min are stopped by the caller, lowest priority first, before
// the cap is computed (decide_power assumes fits(F, R)); admission of waiting jobs uses fits too.
#pragma once

#include <boost/container/small_vector.hpp>
#include <cstddef>
#include <vector>

#include "models/parameter.hpp"

namespace capsim {

enum class PowerPolicy { cap, shed };

// A site's power-policy parameter.
namespace power_policy_parameter {
inline constexpr Parameter min_power_cap{
    .key = "min_power_cap",
    .default_si = 0.5,
    .min_si = 0.1,
    .max_si = 1,
    .meaning = "deepest GPU power cap the cap policy applies, as a fraction of TDP"};
inline constexpr Parameter table[] = {min_power_cap};
} // namespace power_policy_parameter

// The deepest GPU power cap the policy allows, as a fraction of TDP.
double deepest_cap(PowerPolicy policy, double min_cap_fraction);

bool fits_in_budget(double fixed_w, double dynamic_w, double deepest_cap, double budget_w);

struct SpareHosts {
  double idle_w = 0;     // one host's idle power
  std::size_t count = 0; // healthy, unallocated hosts (on or off)
};

struct PowerPolicyInputs {
  double budget_w = 0;
  double fixed_w = 0;            // idle power of every host allocated to a job
  double reserved_dynamic_w = 0; // training power above idle, running and restarting jobs
  double deepest_cap = 1;
  // One entry per cluster of the site (a few: held in place, no allocation per decision).
  boost::container::small_vector<SpareHosts, 4> spare;
};

struct PowerDecision {
  double cap = 1;                                    // GPU power cap, fraction of TDP
  boost::container::small_vector<std::size_t, 4> on; // spare hosts to keep on, per cluster
};

PowerDecision decide_power(const PowerPolicyInputs& inputs);

} // namespace capsim
