// Whole-facility IT power beyond the GPU servers: the scale-out fabric's switches, the shared
// storage and the rest of the IT (management servers, fabric managers, the storage fabric's
// switches, in-band and out-of-band Ethernet). A system's own power figure (configs/gpus.yaml: a
// DGX server or an NVL72 rack) already includes its CPUs, DRAM, NICs, NVLink switches, fans and
// power-supply losses; this model adds what sits outside the system.
//
// Fabric: a k-ary fat tree (folded Clos) of radix-k switches with one port per GPU (every
// catalogue system has one scale-out NIC per GPU). With N endpoints and T tiers:
//   capacity(T)     = k                   for T = 1
//                     2 (k/2)^T           for T >= 2
//   tiers(N)        = the smallest T with capacity(T) >= N
//   switches(t)     = ceil(N / (k/2))     for t = 1 .. T-1 (half the ports down, half up)
//                     ceil(N / k)         for t = T (the top tier uses every port down)
//   fabric power    = sum_t switches(t) x switch power
// NVIDIA's DGX SuperPOD reference architectures give exactly these counts: 1,016 H100 ports
// (4 SUs, 127 DGX H100) on 64-port Quantum-2 switches -> 32 leaf + 16 spine; 2,048 B200 ports
// -> 64 leaf + 32 spine; 4,096 ports -> 128 leaf + 128 spine + 64 core.
// A cluster's tier count is fixed by its final size (the fabric is planned for the whole
// cluster) and its switches are installed with the hosts they serve: at a partial build-out of
// n GPUs, switches(t) is evaluated at n with the final T.
//
// Storage: capacity per GPU x power per PB. Other IT: a power per GPU, the bill of materials of
// NVIDIA's 4-SU DGX H100 SuperPOD (4 UFM appliances, 4 management servers, 8 in-band and 8
// out-of-band Ethernet switches, 16 storage-fabric switches for 1,016 GPUs) at its parts'
// datasheet powers (the management servers' assumed): 37,544 W / 1,016 GPUs = 37 W per GPU.
// Every figure and its source: configs/gpus.yaml (fabrics:, non_gpu_it:).
#pragma once

#include <string>
#include <vector>

#include "models/parameter.hpp"

namespace capsim {

// A ground cluster's non-GPU IT per GPU (keys of a `clusters[]` item; `fabric` names a catalogue
// fabric or none). Orbital clusters have neither.
namespace non_gpu_it_parameter {
inline constexpr Parameter storage_per_gpu{
    .key = "storage_per_gpu",
    .dimension = Dimension::data,
    .min_si = 0,
    .max_si = 1e18,
    .meaning = "shared storage capacity installed per GPU, at the catalogue's power per PB",
    .default_from = "configs/gpus.yaml non_gpu_it"};
inline constexpr Parameter other_it_power_per_gpu{
    .key = "other_it_power_per_gpu",
    .dimension = Dimension::power,
    .min_si = 0,
    .max_si = 1e6,
    .meaning = "management servers, fabric managers, storage fabric, in-band and out-of-band "
               "Ethernet, per GPU",
    .default_from = "configs/gpus.yaml non_gpu_it"};
inline constexpr Parameter table[] = {storage_per_gpu, other_it_power_per_gpu};
} // namespace non_gpu_it_parameter

struct FabricSpec {
  std::string name;          // e.g. "quantum2-ndr"
  std::string source;        // where the figures come from
  int radix = 0;             // ports per switch at the GPU's line rate; 0 = no fabric
  double switch_power_w = 0; // one switch with its optics
};

// Endpoints a fat tree of `tiers` tiers of radix-k switches can connect.
double fat_tree_capacity(int radix, int tiers);
// The fewest tiers that connect `endpoints` (1 for endpoints <= radix); 0 for no endpoints.
int fat_tree_tiers(long long endpoints, int radix);
// Switches per tier, leaf first, for `endpoints` on a fat tree of `tiers` tiers.
std::vector<long long> fat_tree_switches(long long endpoints, int radix, int tiers);
// Their sum, without building the list (the engine asks at every power rebalance).
long long fat_tree_switch_total(long long endpoints, int radix, int tiers);

struct NonGpuItParams {
  FabricSpec fabric;
  double storage_bytes_per_gpu = 0; // shared storage capacity installed per GPU
  double storage_w_per_byte = 0;    // its power per byte of capacity (W/PB / 1e15)
  double other_w_per_gpu = 0;       // management, fabric managers, storage fabric, Ethernet
};

struct NonGpuItPower {
  double fabric_w = 0;
  double storage_w = 0;
  double other_w = 0;
  long long switches = 0;
  double total_w() const { return fabric_w + storage_w + other_w; }
};

// The non-GPU IT power of `gpus` installed GPUs of a cluster whose fabric has `tiers` tiers
// (fat_tree_tiers of the cluster's final GPU count).
NonGpuItPower non_gpu_it_power(const NonGpuItParams& params, long long gpus, int tiers);

std::vector<std::string> validate(const NonGpuItParams& params);

} // namespace capsim
