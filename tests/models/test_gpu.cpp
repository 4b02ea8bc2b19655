#include "models/gpu.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

using namespace capsim;

namespace {

// Copies of the curves in configs/gpus.yaml (models/ tests do not read YAML).
PowerCapCurve ampere_curve() {
  return PowerCapCurve{.points = {{0.3, 0.623, false},
                                  {0.4, 0.821, false},
                                  {0.5, 0.888, false},
                                  {0.6, 0.936, true},
                                  {0.7, 0.984, false},
                                  {0.8, 1.0, false},
                                  {1.0, 1.0, true}}};
}

PowerCapCurve hopper_curve() {
  return PowerCapCurve{.points = {{0.3, 0.179, false},
                                  {0.4, 0.337, false},
                                  {0.5, 0.477, false},
                                  {0.6, 0.603, false},
                                  {0.7, 0.717, false},
                                  {0.8, 0.820, false},
                                  {0.857, 0.875, true},
                                  {0.9, 0.914, false},
                                  {1.0, 1.0, true}}};
}

PowerCapCurve blackwell_curve() {
  return PowerCapCurve{.points = {{0.3, 0.179, false},
                                  {0.4, 0.337, false},
                                  {0.5, 0.477, false},
                                  {0.6, 0.603, false},
                                  {0.7, 0.717, false},
                                  {0.8, 0.820, false},
                                  {0.9, 0.914, false},
                                  {1.0, 1.0, true}}};
}

std::vector<PowerCapCurve> catalogue_curves() {
  return {ampere_curve(), hopper_curve(), blackwell_curve()};
}

// H100 SXM, NVIDIA H100 datasheet; price: press midpoint of $25-30k (configs/gpus.yaml).
GpuSpec h100() {
  return GpuSpec{.name = "H100",
                 .source = "NVIDIA H100 datasheet",
                 .tdp_w = 700,
                 .bf16_dense_flops = 989e12,
                 .fp8_dense_flops = 1979e12,
                 .hbm_bytes = 80e9,
                 .hbm_bytes_per_s = 3.35e12,
                 .nvlink_bytes_per_s = 900e9,
                 .nvlink_domain = 8,
                 .price_usd = 27500,
                 .power_cap = hopper_curve()};
}

// DGX H100: 10.2 kW max (datasheet), 7.8 kW during training (arXiv 2506.14551).
SystemSpec dgx_h100() {
  return SystemSpec{.name = "DGX-H100",
                    .source = "NVIDIA DGX H100 datasheet; arXiv 2506.14551",
                    .gpu = "H100",
                    .gpus = 8,
                    .power_max_w = 10.2e3,
                    .power_typical_w = 7.8e3,
                    .power_idle_w = 2.0e3,
                    .mass_kg = 130,
                    .price_usd = 330e3,
                    .scale_out_bytes_per_s_per_gpu = 400e9 / 8,
                    .fabric = "quantum2-ndr"};
}

// doctest::Approx adds 1 to its scale, so relative tolerances are written out.
bool within_relative(double value, double expected, double tolerance) {
  return std::abs(value - expected) <= tolerance * std::abs(expected);
}

bool mentions(const std::vector<std::string>& problems, const std::string& text) {
  return std::any_of(problems.begin(), problems.end(),
                     [&](const std::string& p) { return p.find(text) != std::string::npos; });
}

} // namespace

TEST_CASE("power-cap curves pass through the published points") {
  // arXiv 2205.09646: a 250 W GPU capped at 150 W took 6.8% longer to train; attached to the
  // Ampere (A100) curve as a fraction of TDP.
  CHECK(within_relative(perf_fraction_at_cap(ampere_curve(), 150.0 / 250.0), 1 / 1.068, 0.01));
  // Press: an H100 capped at 600 W is 10-15% slower per step. H200 shares the curve.
  const double h100_perf = perf_fraction_at_cap(hopper_curve(), 600.0 / 700.0);
  CHECK(h100_perf >= 0.85);
  CHECK(h100_perf <= 0.90);
}

TEST_CASE("the catalogue's assumed points follow the shape model of configs/gpus.yaml") {
  // perf = 1 / (beta / f + 1 - beta); power/(u TDP) = s + (1 - s) f max(v_min, f)^2, s = 0.2,
  // beta fitted to the H100 press point (0.857 -> 0.875). Points are rounded to 0.001.
  const double s = 0.2;
  const double f_h100 = (600.0 / 700.0 - s) / (1 - s);
  const double beta = (1 / 0.875 - 1) / (1 / f_h100 - 1);
  auto perf_of_clock = [&](double f) { return 1 / (beta / f + 1 - beta); };
  auto clock_at_cap = [&](double cap, double u, double v_min) {
    double lo = 0, hi = 1;
    for (int i = 0; i < 100; ++i) {
      const double f = (lo + hi) / 2;
      const double v = std::max(v_min, f);
      (s + (1 - s) * f * v * v > cap / u ? hi : lo) = f;
    }
    return (lo + hi) / 2;
  };
  for (const PowerCapPoint& p : hopper_curve().points)
    if (!p.measured)
      CHECK(std::abs(p.perf_fraction - perf_of_clock(clock_at_cap(p.cap_fraction, 1.0, 1.0))) <=
            5e-4 + 1e-12);
  // Ampere: u = 0.743 from the mean power ratio 0.863 / 1.068 of arXiv 2205.09646, v_min = 0.7.
  const double u_ampere = 0.6 / (0.863 / 1.068);
  for (const PowerCapPoint& p : ampere_curve().points)
    if (!p.measured)
      CHECK(std::abs(p.perf_fraction -
                     perf_of_clock(clock_at_cap(p.cap_fraction, u_ampere, 0.7))) <= 5e-4 + 1e-12);
}

TEST_CASE("performance is monotone in the cap, within [0, 1], and 1 at and above TDP") {
  for (const PowerCapCurve& curve : catalogue_curves()) {
    REQUIRE(validate(curve).empty());
    double previous = 0;
    for (int i = 0; i <= 1500; ++i) {
      const double cap = i * 1e-3;
      const double perf = perf_fraction_at_cap(curve, cap);
      CHECK(perf >= previous);
      CHECK(perf >= 0);
      CHECK(perf <= 1);
      previous = perf;
    }
    CHECK(perf_fraction_at_cap(curve, 1.0) == 1.0);
    CHECK(perf_fraction_at_cap(curve, 1.3) == 1.0);
    CHECK(perf_fraction_at_cap(curve, 0.0) == 0.0);
  }
}

TEST_CASE("the catalogue's curves lose performance slowly at mild caps, faster at deep ones") {
  // DVFS: concave curve, so segment slopes do not increase with the cap.
  for (const PowerCapCurve& curve : catalogue_curves()) {
    const auto& points = curve.points;
    double previous_slope = std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i + 1 < points.size(); ++i) {
      const double slope = (points[i + 1].perf_fraction - points[i].perf_fraction) /
                           (points[i + 1].cap_fraction - points[i].cap_fraction);
      CHECK(slope <= previous_slope + 1e-9);
      previous_slope = slope;
    }
  }
}

TEST_CASE("below the lowest point the lowest segment continues to zero") {
  // Hopper: slope (0.337 - 0.179) / 0.1 = 1.58, so perf(0.2) = 0.179 - 1.58 * 0.1 = 0.021.
  CHECK(perf_fraction_at_cap(hopper_curve(), 0.2) == doctest::Approx(0.021).epsilon(1e-9));
  // It reaches zero near the power share that does no work (s = 0.2 in the shape model).
  const double zero_cap = 0.3 - 0.179 / 1.58;
  CHECK(perf_fraction_at_cap(hopper_curve(), zero_cap - 1e-9) == 0.0);
  CHECK(std::abs(zero_cap - 0.2) <= 0.05);
  // A flat lowest segment falls along the chord to the origin instead.
  const PowerCapCurve flat{.points = {{0.5, 1.0, false}, {1.0, 1.0, true}}};
  CHECK(perf_fraction_at_cap(flat, 0.25) == doctest::Approx(0.5));
  // A curve with only (1, 1) is the proportional line.
  const PowerCapCurve proportional{.points = {{1.0, 1.0, true}}};
  CHECK(perf_fraction_at_cap(proportional, 0.37) == doctest::Approx(0.37));
}

TEST_CASE("cap_fraction_for_perf inverts perf_fraction_at_cap") {
  for (const PowerCapCurve& curve : catalogue_curves()) {
    // Caps on strictly increasing stretches, including the extrapolated one above zero.
    for (int i = 1; i <= 1000; ++i) {
      const double cap = i * 1e-3;
      const double perf = perf_fraction_at_cap(curve, cap);
      const double cap_after = std::min(cap + 1e-6, 1.0);
      const bool strictly_increasing = perf > 0 && perf_fraction_at_cap(curve, cap_after) > perf;
      if (strictly_increasing) CHECK(std::abs(cap_fraction_for_perf(curve, perf) - cap) <= 1e-12);
    }
    // The other way round for every attainable performance.
    for (int i = 1; i <= 100; ++i) {
      const double perf = i * 1e-2;
      CHECK(std::abs(perf_fraction_at_cap(curve, cap_fraction_for_perf(curve, perf)) - perf) <=
            1e-12);
    }
  }
  // On a flat stretch the lowest cap is returned: Ampere reaches full speed at 0.8 of TDP.
  CHECK(cap_fraction_for_perf(ampere_curve(), 1.0) == doctest::Approx(0.8));
  // "What cap costs 10%?" on Hopper: between 0.8 (0.820) and 0.9 (0.914), linear.
  CHECK(cap_fraction_for_perf(hopper_curve(), 0.9) ==
        doctest::Approx(0.857 + (0.9 - 0.875) / (0.914 - 0.875) * (0.9 - 0.857)));
  // Out of range requests are clamped.
  CHECK(cap_fraction_for_perf(hopper_curve(), 1.2) == doctest::Approx(1.0));
  CHECK(cap_fraction_for_perf(hopper_curve(), -0.1) == 0.0);
}

TEST_CASE("validate(PowerCapCurve) names what is wrong") {
  CHECK(mentions(validate(PowerCapCurve{}), "no points"));
  const PowerCapCurve unsorted{.points = {{0.7, 0.8, false}, {0.5, 0.9, false}, {1, 1, true}}};
  CHECK(mentions(validate(unsorted), "cap fractions must increase strictly"));
  const PowerCapCurve duplicate{.points = {{0.5, 0.8, false}, {0.5, 0.8, false}, {1, 1, true}}};
  CHECK(mentions(validate(duplicate), "cap fractions must increase strictly"));
  const PowerCapCurve above_one{.points = {{0.5, 1.2, false}, {1, 1, true}}};
  CHECK(mentions(validate(above_one), "performance fraction must be in (0, 1], got 1.2"));
  const PowerCapCurve falling{.points = {{0.5, 0.8, false}, {0.7, 0.6, false}, {1, 1, true}}};
  CHECK(mentions(validate(falling), "performance must not fall"));
  const PowerCapCurve no_end{.points = {{0.5, 0.8, false}, {0.9, 0.95, false}}};
  CHECK(mentions(validate(no_end), "last point must be (1, 1)"));
  const PowerCapCurve zero_cap{.points = {{0.0, 0.1, false}, {1, 1, true}}};
  CHECK(mentions(validate(zero_cap), "cap fraction must be in (0, 1], got 0"));
  const PowerCapCurve not_a_number{.points = {{std::nan(""), 0.5, false}, {1, 1, true}}};
  CHECK(mentions(validate(not_a_number), "cap fraction must be in (0, 1]"));
  for (const PowerCapCurve& curve : catalogue_curves())
    CHECK(validate(curve).empty());
}

TEST_CASE("validate(GpuSpec)") {
  CHECK(validate(h100()).empty());
  GpuSpec gpu = h100();
  gpu.tdp_w = -700;
  CHECK(mentions(validate(gpu), "tdp must be > 0 W, got -700 W"));
  gpu = h100();
  gpu.bf16_dense_flops = 0;
  CHECK(mentions(validate(gpu), "bf16_dense must be > 0"));
  gpu = h100();
  gpu.fp8_dense_flops = 500e12;
  CHECK(mentions(validate(gpu), "fp8_dense must be 0 (no FP8) or at least bf16_dense"));
  gpu = h100();
  gpu.fp8_dense_flops = 0; // A100: no FP8
  CHECK(validate(gpu).empty());
  gpu = h100();
  gpu.hbm_bytes = std::numeric_limits<double>::infinity();
  CHECK(mentions(validate(gpu), "hbm must be > 0 B"));
  gpu = h100();
  gpu.nvlink_domain = 0;
  CHECK(mentions(validate(gpu), "nvlink_domain must be >= 1, got 0"));
  gpu = h100();
  gpu.nvlink_bytes_per_s = 0;
  CHECK(mentions(validate(gpu), "nvlink_bandwidth must be > 0 B/s when nvlink_domain is 8"));
  gpu = h100();
  gpu.price_usd = -1;
  CHECK(mentions(validate(gpu), "price must be >= 0 USD"));
  gpu = h100();
  gpu.power_cap.points.pop_back();
  CHECK(mentions(validate(gpu), "power_cap_curve: the last point must be (1, 1)"));
  gpu = h100();
  gpu.name.clear();
  CHECK(mentions(validate(gpu), "name must not be empty"));
  // Datasheets quote both directions added: H100 900 GB/s = 18 links x 25 GB/s x 2.
  CHECK(nvlink_one_direction_bytes_per_s(h100()) == doctest::Approx(18 * 25e9));
}

TEST_CASE("validate(SystemSpec) and its consistency with the GPU") {
  CHECK(validate(dgx_h100()).empty());
  CHECK(validate(dgx_h100(), h100()).empty());
  // arXiv 2506.14551: training draws ~76% of the DGX H100 maximum.
  CHECK(within_relative(dgx_h100().power_typical_w / dgx_h100().power_max_w, 0.76, 0.01));

  SystemSpec system = dgx_h100();
  system.power_typical_w = 11e3;
  CHECK(mentions(validate(system), "power_typical (11000 W) must not exceed power_max"));
  system = dgx_h100();
  system.power_idle_w = 8e3;
  CHECK(mentions(validate(system), "power_idle (8000 W) must not exceed power_typical"));
  system = dgx_h100();
  system.gpus = 0;
  CHECK(mentions(validate(system), "gpus must be >= 1, got 0"));
  system = dgx_h100();
  system.mass_kg = -1;
  CHECK(mentions(validate(system), "mass must be > 0 kg"));
  system = dgx_h100();
  system.scale_out_bytes_per_s_per_gpu = -1;
  CHECK(mentions(validate(system), "scale_out_bandwidth_per_gpu must be >= 0"));

  system = dgx_h100();
  system.power_max_w = 5e3; // below 8 x 700 W
  CHECK(mentions(validate(system, h100()), "below its GPUs' TDP"));
  system = dgx_h100();
  system.gpu = "H200";
  CHECK(mentions(validate(system, h100()), "holds GPU 'H200', not 'H100'"));
  system = dgx_h100();
  system.price_usd = 100e3; // below 8 x 27.5k
  CHECK(mentions(validate(system, h100()), "below the price of its GPUs"));
}

TEST_CASE("NVL72 per-GPU figures add up to the rack's") {
  // GB200 NVL72 product page: 72 GPUs, 13.4 TB HBM, 130 TB/s NVLink; per GPU (configs/gpus.yaml)
  // 186 GB and 1.8 TB/s.
  CHECK(within_relative(72 * 186e9, 13.4e12, 0.005));
  CHECK(within_relative(72 * 1.8e12, 130e12, 0.005));
  // Press: ~120 kW per rack must cover 72 x ~1200 W of GPUs.
  const GpuSpec gb200{.name = "GB200",
                      .source = "NVIDIA GB200 NVL72",
                      .tdp_w = 1200,
                      .bf16_dense_flops = 2500e12,
                      .fp8_dense_flops = 5000e12,
                      .hbm_bytes = 186e9,
                      .hbm_bytes_per_s = 8e12,
                      .nvlink_bytes_per_s = 1800e9,
                      .nvlink_domain = 72,
                      .price_usd = 34700,
                      .power_cap = blackwell_curve()};
  const SystemSpec rack{.name = "GB200-NVL72",
                        .source = "NVIDIA GB200 NVL72; press",
                        .gpu = "GB200",
                        .gpus = 72,
                        .power_max_w = 120e3,
                        .power_typical_w = 91e3,
                        .power_idle_w = 24e3,
                        .mass_kg = 1360,
                        .price_usd = 2.5e6,
                        .scale_out_bytes_per_s_per_gpu = 400e9 / 8,
                        .fabric = "quantum2-ndr"};
  CHECK(validate(gb200).empty());
  CHECK(validate(rack).empty());
  CHECK(validate(rack, gb200).empty());
}
