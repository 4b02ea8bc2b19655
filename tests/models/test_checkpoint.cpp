// Checkpoint/restart closed forms (models/checkpoint.hpp) against stepping and the literature.
#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "models/checkpoint.hpp"
#include "models/random.hpp"

using namespace capsim;

TEST_CASE("Young's interval is sqrt(2 delta M)") {
  // Young (1974): delta = 60 s, M = 1 h -> sqrt(2 * 60 * 3600) = 657.27 s
  CHECK(young_interval_s(60, 3600) == doctest::Approx(657.267069).epsilon(1e-9));
}

TEST_CASE("first-order and exact goodput agree when failures are rare") {
  CheckpointPlan plan{.interval_s = young_interval_s(30, 1e6), .write_s = 30};
  double first = first_order_goodput(plan, 60, 1e6);
  double exact = exponential_goodput(plan, 60, 1e6);
  CHECK(exact == doctest::Approx(first).epsilon(1e-4));
  // With frequent failures (tau/M ~ 0.18) the first-order formula is off by a few percent.
  CheckpointPlan busy{.interval_s = young_interval_s(60, 3600), .write_s = 60};
  CHECK(std::abs(exponential_goodput(busy, 120, 3600) - first_order_goodput(busy, 120, 3600)) <
        0.03);
  // Exact value by hand: lambda = 1/3600, tau = 657.267, delta = 60, R = 120:
  // E[T] = e^(120/3600) (e^(717.267/3600) - 1) * 3600 = 1.033895 * 0.220464 * 3600 = 820.57 s
  CHECK(exponential_goodput(busy, 120, 3600) == doctest::Approx(657.267 / 820.57).epsilon(1e-4));
}

TEST_CASE("compute time inside cycles") {
  CheckpointPlan plan{.interval_s = 100, .write_s = 10};
  CHECK(compute_time_in(plan, 0) == 0);
  CHECK(compute_time_in(plan, 50) == 50);
  CHECK(compute_time_in(plan, 105) == 100); // writing
  CHECK(compute_time_in(plan, 110) == 100);
  CHECK(compute_time_in(plan, 150) == 140);
  CHECK(compute_time_in(plan, 330) == 300);
}

TEST_CASE("advance in one call equals advance in many small steps") {
  CheckpointPlan plan{.interval_s = 97, .write_s = 13};
  std::mt19937_64 rng(7);
  CheckpointProgress one, many;
  double committed_one = 0, committed_many = 0, computed_many = 0;
  for (int i = 0; i < 200; ++i) {
    double step = uniform(rng, 0, 250);
    AdvanceResult r = advance(one, plan, 2.0, step);
    committed_one += r.committed_flop;
    for (int k = 0; k < 10; ++k) {
      AdvanceResult s = advance(many, plan, 2.0, step / 10);
      committed_many += s.committed_flop;
      computed_many += s.computed_flop;
    }
  }
  CHECK(committed_one == doctest::Approx(committed_many).epsilon(1e-9));
  CHECK(one.uncommitted_flop == doctest::Approx(many.uncommitted_flop).epsilon(1e-6));
  CHECK(one.checkpoints == many.checkpoints);
  // Nothing is created or lost: computed = committed + still uncommitted.
  CHECK(computed_many == doctest::Approx(committed_many + many.uncommitted_flop).epsilon(1e-12));
}

TEST_CASE("time_to_compute inverts advance") {
  CheckpointPlan plan{.interval_s = 100, .write_s = 10};
  for (double start : {0.0, 30.0, 100.0, 105.0}) {
    for (double work : {1.0, 70.0, 100.0, 250.0, 1000.0}) {
      CheckpointProgress p;
      advance(p, plan, 1.0, start);
      double before = p.uncommitted_flop;
      CheckpointProgress q = p;
      double t = time_to_compute(p, plan, 1.0, work);
      AdvanceResult r = advance(q, plan, 1.0, t);
      INFO("start " << start << " work " << work);
      CHECK(r.computed_flop == doctest::Approx(work).epsilon(1e-12));
      // and not a moment later than needed: a bit less time computes less
      CheckpointProgress early = p;
      CHECK(advance(early, plan, 1.0, t * (1 - 1e-9)).computed_flop < work);
      (void)before;
    }
  }
}
