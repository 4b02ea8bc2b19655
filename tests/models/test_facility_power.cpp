// Non-GPU IT power (models/facility_power.hpp): fat-tree switch counts by hand and against
// NVIDIA's published DGX SuperPOD bills of materials, and the non-GPU power of a reference
// SuperPOD against its component datasheets.
#include <doctest/doctest.h>

#include <vector>

#include "models/facility_power.hpp"

using namespace capsim;

TEST_CASE("fat tree: capacity and tiers of radix-k switches, by hand") {
  // k = 4: one switch holds 4 endpoints; two tiers 2 (4/2)^2 = 8; three tiers 2 (4/2)^3 = 16.
  CHECK(fat_tree_capacity(4, 1) == 4);
  CHECK(fat_tree_capacity(4, 2) == 8);
  CHECK(fat_tree_capacity(4, 3) == 16);
  CHECK(fat_tree_tiers(4, 4) == 1);
  CHECK(fat_tree_tiers(5, 4) == 2);
  CHECK(fat_tree_tiers(8, 4) == 2);
  CHECK(fat_tree_tiers(9, 4) == 3);
  CHECK(fat_tree_tiers(0, 4) == 0);
  // The textbook 3-tier k = 4 fat tree (16 hosts): 8 edge, 8 aggregation, 4 core switches.
  CHECK(fat_tree_switches(16, 4, 3) == std::vector<long long>{8, 8, 4});
  // 64-port switches: 2 tiers up to 2,048 endpoints, 3 tiers up to 65,536.
  CHECK(fat_tree_tiers(2048, 64) == 2);
  CHECK(fat_tree_tiers(2049, 64) == 3);
  CHECK(fat_tree_tiers(65536, 64) == 3);
  CHECK(fat_tree_tiers(65537, 64) == 4);
  // A partial build-out rounds each tier up: 9 endpoints on k = 4, 3 tiers -> 5, 5, 3.
  CHECK(fat_tree_switches(9, 4, 3) == std::vector<long long>{5, 5, 3});
  // The total the engine uses is the list's sum, at every size and tier count.
  for (long long n : {1LL, 9LL, 16LL, 1016LL, 2049LL, 300000LL})
    for (int tiers : {1, 2, 3, 4}) {
      long long sum = 0;
      for (long long s : fat_tree_switches(n, 64, tiers))
        sum += s;
      CHECK(fat_tree_switch_total(n, 64, tiers) == sum);
    }
  CHECK(fat_tree_switch_total(0, 64, 2) == 0);
}

TEST_CASE("fat tree: switch counts of NVIDIA's DGX SuperPOD reference architectures") {
  // DGX SuperPOD with DGX H100, 4 SUs: 127 DGX H100 (1,016 NDR ports) on 64-port Quantum-2
  // QM9700 switches: 32 leaf + 16 spine (reference architecture, table of major components).
  CHECK(fat_tree_tiers(1016, 64) == 2);
  CHECK(fat_tree_switches(1016, 64, 2) == std::vector<long long>{32, 16});
  // DGX SuperPOD with DGX B200 (compute fabric table): 2,048 GPUs -> 64 leaf + 32 spine;
  // 4,096 -> 128 leaf + 128 spine + 64 core; 16,384 -> 512 + 512 + 256.
  CHECK(fat_tree_switches(2048, 64, fat_tree_tiers(2048, 64)) == std::vector<long long>{64, 32});
  CHECK(fat_tree_switches(4096, 64, fat_tree_tiers(4096, 64)) ==
        std::vector<long long>{128, 128, 64});
  CHECK(fat_tree_switches(16384, 64, fat_tree_tiers(16384, 64)) ==
        std::vector<long long>{512, 512, 256});
}

TEST_CASE("non-GPU IT power of a DGX H100 SuperPOD (4 SUs) against its published parts") {
  // The 4-SU DGX H100 SuperPOD's compute fabric is 48 QM9700 (32 leaf + 16 spine, reference
  // architecture); at 1.72 kW each (QM97x0 hardware manual, maximum with active cables) that is
  // 82.56 kW. The same figure from the catalogue: tests/sim/test_facility_datasheet.cpp.
  const double published_fabric_w = 48 * 1720.0;
  NonGpuItParams p{
      .fabric = {.name = "quantum2-ndr", .source = "", .radix = 64, .switch_power_w = 1720},
      .storage_bytes_per_gpu = 10e12,
      .storage_w_per_byte = 3e3 / 1e15,
      .other_w_per_gpu = 37};
  const long long gpus = 127 * 8;
  NonGpuItPower n = non_gpu_it_power(p, gpus, fat_tree_tiers(gpus, 64));
  CHECK(n.switches == 48);
  CHECK(n.fabric_w == doctest::Approx(published_fabric_w).epsilon(0.05));
  // Storage 10 TB x 1,016 GPUs = 10.16 PB at 3 kW/PB; other 37 W x 1,016.
  CHECK(n.storage_w == doctest::Approx(10.16 * 3e3).epsilon(1e-12));
  CHECK(n.other_w == doctest::Approx(37.0 * 1016).epsilon(1e-12));
  CHECK(n.total_w() == doctest::Approx(n.fabric_w + n.storage_w + n.other_w));
  // Per GPU outside the DGX servers: (82.56 + 30.48 + 37.59) kW / 1,016 = 148 W, 15% of the
  // DGX H100's 7.8 kW / 8 = 975 W per GPU in training.
  CHECK(n.total_w() / gpus == doctest::Approx(148.3).epsilon(0.01));
}

TEST_CASE("non-GPU IT power scales with the GPUs delivered, on the final fabric's tiers") {
  NonGpuItParams p{.fabric = {.name = "f", .source = "", .radix = 64, .switch_power_w = 1000},
                   .storage_bytes_per_gpu = 0,
                   .storage_w_per_byte = 0,
                   .other_w_per_gpu = 0};
  // A 4,096-GPU cluster has three tiers; half delivered: 64 + 64 + 32 switches.
  NonGpuItPower half = non_gpu_it_power(p, 2048, fat_tree_tiers(4096, 64));
  CHECK(half.switches == 160);
  CHECK(half.fabric_w == 160e3);
  CHECK(non_gpu_it_power(p, 0, 3).total_w() == 0);
  // No fabric (radix 0): no switches.
  p.fabric.radix = 0;
  CHECK(non_gpu_it_power(p, 1000, fat_tree_tiers(1000, 0)).switches == 0);
  CHECK(validate(p).empty());
  p.fabric.radix = 7;
  CHECK_FALSE(validate(p).empty());
}
