// The power policy (models/power_policy.hpp): the cap that fills the budget exactly, the
// policy's deepest cap, spare hosts powered with what is left.
#include <doctest/doctest.h>

#include "models/power_policy.hpp"

using namespace capsim;

TEST_CASE("power policy: the cap fills the budget exactly, down to the deepest cap") {
  // 100 MW fixed, 200 MW of training power above idle, 250 MW budget: cap = 150 / 200.
  PowerPolicyInputs in{.budget_w = 250e6,
                       .fixed_w = 100e6,
                       .reserved_dynamic_w = 200e6,
                       .deepest_cap = 0.5,
                       .spare = {}};
  PowerDecision d = decide_power(in);
  CHECK(d.cap == doctest::Approx(0.75).epsilon(1e-15));
  CHECK(in.fixed_w + in.reserved_dynamic_w * d.cap == doctest::Approx(in.budget_w));
  in.budget_w = 400e6;
  CHECK(decide_power(in).cap == 1);
  in.budget_w = 200e6; // exactly the deepest cap: 100 + 200 x 0.5
  CHECK(fits_in_budget(in.fixed_w, in.reserved_dynamic_w, in.deepest_cap, in.budget_w));
  CHECK(decide_power(in).cap == doctest::Approx(0.5));
  CHECK_FALSE(fits_in_budget(in.fixed_w, in.reserved_dynamic_w, in.deepest_cap, 199e6));
  CHECK(deepest_cap(PowerPolicy::cap, 0.6) == 0.6);
  CHECK(deepest_cap(PowerPolicy::shed, 0.6) == 1); // shedding never caps
}

TEST_CASE("power policy: spare hosts stay on with the room left, cluster by cluster") {
  PowerPolicyInputs in{.budget_w = 10e3 + 2.5e3,
                       .fixed_w = 10e3,
                       .reserved_dynamic_w = 0,
                       .deepest_cap = 0.5,
                       .spare = {{.idle_w = 1e3, .count = 2}, {.idle_w = 200, .count = 10}}};
  PowerDecision d = decide_power(in);
  CHECK(d.cap == 1);
  REQUIRE(d.on.size() == 2);
  CHECK(d.on[0] == 2); // 2 kW of the 2.5 kW room
  CHECK(d.on[1] == 2); // floor(500 / 200)
  in.budget_w = 9e3;   // no room: everything spare goes off
  d = decide_power(in);
  CHECK(d.on[0] == 0);
  CHECK(d.on[1] == 0);
  in.spare = {{.idle_w = 0, .count = 7}}; // hosts that draw nothing stay on
  CHECK(decide_power(in).on[0] == 7);
}
