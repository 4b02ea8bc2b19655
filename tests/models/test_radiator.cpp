#include "models/radiator.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <numbers>

using namespace capsim;

namespace {

constexpr double pi = std::numbers::pi;
const RadiatorEnvironment sunlit{.solar_flux_w_per_m2 = 1361, .sunlit = true};
const RadiatorEnvironment shadow{.solar_flux_w_per_m2 = 1361, .sunlit = false};

const RadiatorParams panel{.area_m2 = 100,
                           .sides = 2,
                           .emissivity = 0.9,
                           .solar_absorptivity = 0.2,
                           .solar_incidence_cos = 0.1,
                           .earth_view_factor = 0.48,
                           .heat_capacity_j_per_k = 2e6};

// Right-hand side of C dT/dt = Q + A q_abs - N eps sigma A (T^4 - T_sink^4), written out.
double dtemperature_dt(const RadiatorParams& p, double heat_w, const RadiatorEnvironment& env,
                       double t_k) {
  const double absorbed = p.area_m2 * absorbed_flux_w_per_m2(p, env);
  const double emitted = p.sides * p.emissivity * 5.670374419e-8 * p.area_m2 *
                         (std::pow(t_k, 4) - std::pow(p.sink_temperature_k, 4));
  return (heat_w + absorbed - emitted) / p.heat_capacity_j_per_k;
}

} // namespace

TEST_CASE("absorbed environmental flux adds up the three loads") {
  // alpha S cos(theta) + alpha albedo F S + eps F IR = 27.22 + 39.19 + 102.38 W/m2.
  CHECK(absorbed_flux_w_per_m2(panel, sunlit) ==
        doctest::Approx(0.2 * 1361 * 0.1 + 0.2 * 0.30 * 0.48 * 1361 + 0.9 * 0.48 * 237));
  CHECK(absorbed_flux_w_per_m2(panel, shadow) == doctest::Approx(0.9 * 0.48 * 237));
}

TEST_CASE("steady-state temperature satisfies the Stefan-Boltzmann balance") {
  for (const auto& env : {sunlit, shadow}) {
    for (double heat_w : {0.0, 1e3, 5e4, 2e5, 1e6}) {
      const double t = steady_state_temperature_k(panel, heat_w, env);
      const double emitted = 2 * 0.9 * 5.670374419e-8 * 100 * (std::pow(t, 4) - std::pow(3.0, 4));
      const double absorbed = 100 * absorbed_flux_w_per_m2(panel, env);
      CHECK(emitted == doctest::Approx(heat_w + absorbed).epsilon(1e-9));
      CHECK(net_rejection_w_per_m2(panel, t, env) * panel.area_m2 ==
            doctest::Approx(heat_w).epsilon(1e-9).scale(1e3));
    }
  }
  // More heat, hotter panel; sunlight makes it hotter still.
  CHECK(steady_state_temperature_k(panel, 1e5, sunlit) >
        steady_state_temperature_k(panel, 1e5, shadow));
  CHECK(steady_state_temperature_k(panel, 2e5, shadow) >
        steady_state_temperature_k(panel, 1e5, shadow));
}

TEST_CASE("radiator area for a load is linear in power and rejects it at the limit") {
  const double a1 = radiator_area_for_load_m2(panel, 100e3, sunlit);
  CHECK(radiator_area_for_load_m2(panel, 200e3, sunlit) == doctest::Approx(2 * a1).epsilon(1e-12));
  CHECK(radiator_area_for_load_m2(panel, 1e6, sunlit) == doctest::Approx(10 * a1).epsilon(1e-12));
  RadiatorParams sized = panel;
  sized.area_m2 = a1;
  CHECK(steady_state_temperature_k(sized, 100e3, sunlit) ==
        doctest::Approx(panel.temperature_limit_k).epsilon(1e-12));
  CHECK(heat_rejection_capacity_w(sized, sunlit) == doctest::Approx(100e3).epsilon(1e-12));
  // At 320 K a two-sided eps = 0.9 panel emits 1070 W/m2 before absorbed loads.
  CHECK(2 * 0.9 * 5.670374419e-8 * std::pow(320.0, 4) == doctest::Approx(1070.3).epsilon(1e-4));
  // A sun-facing black panel cannot get down to 250 K: no area suffices.
  RadiatorParams hot = panel;
  hot.sides = 1;
  hot.solar_absorptivity = 0.9;
  hot.solar_incidence_cos = 1;
  hot.temperature_limit_k = 250;
  CHECK(std::isinf(radiator_area_for_load_m2(hot, 1e3, sunlit)));
  CHECK(heat_rejection_capacity_w(hot, sunlit) == 0.0);
}

TEST_CASE("lumped thermal mass relaxes monotonically to the steady state, exactly") {
  const double heat_w = 1.2e5;
  const double t_eq = steady_state_temperature_k(panel, heat_w, sunlit);
  for (double t_start : {0.0, 200.0, 300.0, 420.0, 700.0}) {
    RadiatorState s{.temperature_k = t_start};
    double previous_gap = std::abs(t_start - t_eq);
    for (int k = 0; k < 200; ++k) {
      const RadiatorStep step = advance(s, panel, heat_w, 120, sunlit);
      const double gap = std::abs(step.state.temperature_k - t_eq);
      CHECK(gap <= previous_gap);
      // Never crosses the steady state.
      CHECK((step.state.temperature_k - t_eq) * (t_start - t_eq) >= 0);
      previous_gap = gap;
      s = step.state;
    }
    CHECK(s.temperature_k == doctest::Approx(t_eq).epsilon(1e-6));
  }

  // Against a fine RK4 integration of the ODE, and the energy removed against its integral.
  const double t_start = 260;
  const double duration = 3000;
  double t = t_start, removed_j = 0;
  const double h = 0.05;
  for (double time = 0; time < duration - 1e-9; time += h) {
    auto f = [&](double x) { return dtemperature_dt(panel, heat_w, sunlit, x); };
    const double k1 = f(t), k2 = f(t + h / 2 * k1), k3 = f(t + h / 2 * k2), k4 = f(t + h * k3);
    const double next = t + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
    const double mid = 0.5 * (t + next);
    removed_j += panel.area_m2 * net_rejection_w_per_m2(panel, mid, sunlit) * h;
    t = next;
  }
  const RadiatorStep exact = advance({.temperature_k = t_start}, panel, heat_w, duration, sunlit);
  CHECK(exact.state.temperature_k == doctest::Approx(t).epsilon(1e-9));
  CHECK(exact.rejected_j == doctest::Approx(removed_j).epsilon(1e-5));

  // Two half steps equal one full step.
  const RadiatorStep half =
      advance({.temperature_k = t_start}, panel, heat_w, duration / 2, sunlit);
  CHECK(advance(half.state, panel, heat_w, duration / 2, sunlit).state.temperature_k ==
        doctest::Approx(exact.state.temperature_k).epsilon(1e-12));

  // The time constant says how fast: after 0.1 tau from near equilibrium the gap shrinks ~e^-0.1.
  const double tau = thermal_time_constant_s(panel, heat_w, sunlit);
  const RadiatorStep near =
      advance({.temperature_k = t_eq + 0.01}, panel, heat_w, 0.1 * tau, sunlit);
  CHECK((near.state.temperature_k - t_eq) / 0.01 == doctest::Approx(std::exp(-0.1)).epsilon(1e-3));

  // Without thermal mass the panel is always at its steady state.
  RadiatorParams massless = panel;
  massless.heat_capacity_j_per_k = 0;
  const RadiatorStep instant = advance({.temperature_k = 250}, massless, heat_w, 10, shadow);
  CHECK(instant.state.temperature_k == steady_state_temperature_k(panel, heat_w, shadow));
  CHECK(instant.rejected_j == doctest::Approx(heat_w * 10));
}

TEST_CASE("Earth view factor of a nadir-containing plate against numerical integration") {
  for (double altitude_m : {400e3, 650e3, 2000e3}) {
    const double r = earth_radius_m, height = r + altitude_m;
    // Integrate cos(theta1) cos(theta2) / (pi d^2) over the sphere, plate normal along +x at
    // (0, 0, height).
    const int n_psi = 1500, n_phi = 1500;
    const double psi_max = std::acos(r / height);
    double f = 0;
    for (int i = 0; i < n_psi; ++i) {
      const double psi = (i + 0.5) * psi_max / n_psi;
      for (int j = 0; j < n_phi; ++j) {
        const double phi = (j + 0.5) * 2 * pi / n_phi;
        const double px = r * std::sin(psi) * std::cos(phi), py = r * std::sin(psi) * std::sin(phi),
                     pz = r * std::cos(psi);
        const double dx = px, dy = py, dz = pz - height;
        const double d2 = dx * dx + dy * dy + dz * dz, d = std::sqrt(d2);
        const double cos1 = dx / d;
        const double cos2 = -(px * dx + py * dy + pz * dz) / (r * d);
        if (cos1 > 0 && cos2 > 0)
          f += cos1 * cos2 / (pi * d2) * r * r * std::sin(psi) * (psi_max / n_psi) *
               (2 * pi / n_phi);
      }
    }
    CHECK(nadir_plate_earth_view_factor(altitude_m) == doctest::Approx(f).epsilon(2e-3));
  }
  CHECK(nadir_plate_earth_view_factor(650e3) == doctest::Approx(0.24).epsilon(0.01));
}

TEST_CASE("radiator validation") {
  CHECK(validate(RadiatorParams{.area_m2 = 10}).empty());
  const auto problems = validate(RadiatorParams{.area_m2 = -1,
                                                .sides = 3,
                                                .emissivity = 0,
                                                .albedo = 2,
                                                .temperature_limit_k = 2,
                                                .heat_capacity_j_per_k = -5});
  CHECK(problems.size() == 6);
  CHECK(validate(RadiatorParams{.emissivity = 1.5}).front() ==
        "emissivity must be in (0, 1], got 1.5");
}
