// GPUs and the systems (servers, racks) they are installed in, and a GPU's performance under a
// power cap. Pure value types and functions; the catalogue is configs/gpus.yaml.
//
// Equations
//   Power-cap curve: points (c_i, p_i), c = power cap as a fraction of TDP, p = training
//   performance (steps per second) as a fraction of the uncapped value, sorted by c, ending at
//   (1, 1). Between points, p(c) is linear interpolation, so monotone when the p_i are.
//     c >= 1                  p = 1         (a cap above TDP does not bind)
//     c_0 <= c <= 1           p = p_i + (p_{i+1} - p_i) (c - c_i) / (c_{i+1} - c_i)
//     c < c_0                 p = max(0, p_0 - m (c_0 - c)),  m = max(slope of the lowest
//                             segment, p_0 / c_0)
//   Below the lowest point the curve continues the lowest segment's line down to p = 0. Why:
//   a GPU stops doing useful work at a positive power (leakage, HBM, board: about 20% of TDP in
//   the catalogue's model), not at zero, and continuing the steepest known slope reaches zero
//   near there (catalogue H100 curve: ~0.19 of TDP); the straight line to (0, 0) would promise
//   work at any power. The slope never goes below the chord p_0 / c_0, so a curve whose lowest
//   segment is flat (a workload that draws less than TDP) still falls to zero, at the origin at
//   the latest. Caps this deep are far outside the published points, so a power policy should
//   rather shed units there than rely on this extrapolation.
//   Inverse: cap_fraction_for_perf(p) = min { c : p(c) >= p }, for p clamped to [0, 1]; on a
//   flat stretch it returns the stretch's lowest cap.
//
//   How the catalogue's curves are built (configs/gpus.yaml, header): performance follows the
//   SM clock fraction f through perf = 1 / (beta / f + 1 - beta) (a share beta of the step time
//   scales with the clock); power is s + (1 - s) f v(f)^2 with v = max(v_min, f) (dynamic power
//   ~ f V^2, voltage proportional to clock above a voltage floor), so performance falls slowly
//   at mild caps and faster at deep ones. Published points are placed in the curve as measured.
//
// Parameters
//   GpuSpec: tdp_w [W] board power limit; bf16_dense_flops, fp8_dense_flops [FLOP/s] dense
//     tensor-core peaks (no structured sparsity; fp8 = 0 when the GPU has none); hbm_bytes [B];
//     hbm_bytes_per_s [B/s]; nvlink_bytes_per_s [B/s] per GPU, the TOTAL of both directions as
//     NVIDIA datasheets quote it (H100: 18 links x 25 GB/s x 2 = 900 GB/s), one direction is
//     half (nvlink_one_direction_bytes_per_s); nvlink_domain: GPUs reachable over NVLink (8 in
//     an HGX/DGX server, 72 in an NVL72 rack); price_usd: indicative purchase price of one GPU,
//     0 when not given; power_cap: as above.
//   SystemSpec: the unit that is installed, powered and fails as one (DGX server, NVL72 rack):
//     gpus per unit; power_max_w (nameplate / busbar), power_typical_w (during training),
//     power_idle_w [W]; mass_kg; price_usd (0 when not given); scale_out_bytes_per_s_per_gpu
//     [B/s] one direction (a 400 Gb/s NIC per GPU = 5e10 B/s); host_link_bytes_per_s_per_gpu
//     [B/s] one direction and host_memory_bytes_per_gpu [B] (0 when not given).
//
// Sources
//   NVIDIA A100, H100, H200 datasheets; DGX A100, H100/H200, B200, B300 datasheets; GB200 and
//   GB300 NVL72 product pages; power-cap points: J. McDonald et al., "Great Power, Great
//   Responsibility: Recommendations for Reducing Energy for Training Language Models",
//   arXiv 2205.09646 (NAACL Findings 2022): a 250 W GPU capped at 150 W trained 6.8% longer for
//   13.7% less energy; H100 at 600 W reported 10-15% slower per step (press). Per-entry sources
//   and firmness are in configs/gpus.yaml.
#pragma once

#include <string>
#include <vector>

namespace capsim {

struct PowerCapPoint {
  double cap_fraction;  // power cap / TDP
  double perf_fraction; // performance at this cap / uncapped performance
  bool measured;        // true: a published measurement; false: from the shape model
};

struct PowerCapCurve {
  std::vector<PowerCapPoint> points; // sorted by cap_fraction, last point (1, 1)
};

// Performance fraction at a cap given as a fraction of TDP (see the header for the rules below
// the lowest point and above 1). The curve must be valid (validate() empty).
double perf_fraction_at_cap(const PowerCapCurve& curve, double cap_fraction);

// The lowest cap fraction whose performance fraction is at least perf_fraction, which is
// clamped to [0, 1]: "what is the deepest cap that costs at most 10%?" is
// cap_fraction_for_perf(curve, 0.9).
double cap_fraction_for_perf(const PowerCapCurve& curve, double perf_fraction);

// Problems with a curve: empty, values outside (0, 1] or not finite, caps not strictly
// increasing, performance decreasing, last point not (1, 1).
std::vector<std::string> validate(const PowerCapCurve& curve);

struct GpuSpec {
  std::string name;
  std::string source;
  double tdp_w = 0;
  double bf16_dense_flops = 0;
  double fp8_dense_flops = 0; // 0 if the GPU has no FP8 tensor cores
  double hbm_bytes = 0;
  double hbm_bytes_per_s = 0;
  double nvlink_bytes_per_s = 0; // per GPU, both directions added, as datasheets quote it
  int nvlink_domain = 1;
  double price_usd = 0;
  PowerCapCurve power_cap;
};

inline double nvlink_one_direction_bytes_per_s(const GpuSpec& gpu) {
  return gpu.nvlink_bytes_per_s / 2;
}

struct SystemSpec {
  std::string name;
  std::string source;
  std::string gpu; // GpuSpec::name
  int gpus = 0;
  double power_max_w = 0;
  double power_typical_w = 0; // during training
  double power_idle_w = 0;
  double mass_kg = 0;
  double price_usd = 0;
  double scale_out_bytes_per_s_per_gpu = 0; // one direction
  // Each GPU's link to host memory, one direction (PCIe; NVLink-C2C on Grace systems), and the
  // host memory per GPU (system memory / GPUs): what activation offload uses. 0: not given.
  double host_link_bytes_per_s_per_gpu = 0;
  double host_memory_bytes_per_gpu = 0;
  std::string fabric; // its scale-out fabric (catalogue fabrics:), "" = none
};

// Messages about the power-cap curve of a GpuSpec are prefixed "power_cap_curve: ".
std::vector<std::string> validate(const GpuSpec& gpu);
std::vector<std::string> validate(const SystemSpec& system);
// Consistency of a system with its GPU: names match, power_max_w covers gpus x TDP, the system
// price is not below the price of its GPUs (when both are given).
std::vector<std::string> validate(const SystemSpec& system, const GpuSpec& gpu);

} // namespace capsim
