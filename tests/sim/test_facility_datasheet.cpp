// The catalogue's non-GPU IT power of NVIDIA's reference systems against their published
// figures: switch counts from the DGX SuperPOD reference architectures, switch power from the
// switch's hardware manual (configs/gpus.yaml, fabrics:).
#include <doctest/doctest.h>

#include "models/facility_power.hpp"
#include "sim/scenario/catalog.hpp"

using namespace capsim;

namespace {

// The compute-fabric power capsim gives `gpus` GPUs of `system` on its catalogue fabric (no
// storage, no other IT: only the part a datasheet covers).
NonGpuItPower catalogue_fabric(const std::string& system, long long gpus) {
  const Catalog& c = default_catalog();
  const SystemSpec* s = c.find_system(system);
  REQUIRE(s);
  const FabricSpec* f = c.find_fabric(s->fabric);
  REQUIRE(f);
  NonGpuItParams p{
      .fabric = *f, .storage_bytes_per_gpu = 0, .storage_w_per_byte = 0, .other_w_per_gpu = 0};
  return non_gpu_it_power(p, gpus, fat_tree_tiers(gpus, f->radix));
}

} // namespace

TEST_CASE("compute-fabric power of a 4-SU DGX SuperPOD against the switch datasheet") {
  // DGX SuperPOD with DGX H100 (RA-11333-001, 4 SUs: 127 DGX H100, 1,016 NDR ports) and with
  // DGX B200 (RA-11334-001, Table 4.1, 4 SUs: 127 DGX B200, 1,016 GPUs): 32 leaf + 16 spine
  // QM9700 each. QM97x0 hardware manual, Specifications: 1,720 W maximum with active cables.
  // Published: 48 x 1,720 W = 82.56 kW.
  const double published_w = 48 * 1720.0;
  for (const char* system : {"DGX-H100", "DGX-B200"}) {
    INFO(system);
    NonGpuItPower n = catalogue_fabric(system, 127 * 8);
    CHECK(n.switches == 48);
    CHECK(n.fabric_w == doctest::Approx(published_w).epsilon(0.05));
  }
  // 2 SUs of DGX B200 (Table 3.1: 512 GPUs, 16 leaf + 8 spine) and 16 SUs (4,096 GPUs: 128 +
  // 128 + 64): 24 and 320 switches at 1,720 W.
  CHECK(catalogue_fabric("DGX-B200", 512).fabric_w == doctest::Approx(24 * 1720.0).epsilon(0.05));
  CHECK(catalogue_fabric("DGX-B200", 4096).fabric_w == doctest::Approx(320 * 1720.0).epsilon(0.05));
}

TEST_CASE("non-GPU IT power of a reference system against its datasheets within 5%: other IT "
          "and compute fabric of a 4-SU DGX H100 SuperPOD") {
  // NVIDIA DGX SuperPOD RA, DGX H100 (RA-11333-001 V11), Table 7, for 127 DGX H100 (1,016 GPUs):
  // 4 UFM appliances at 689 W (UFM Enterprise Appliance NDR hardware manual, maximum), 4
  // management servers at 689 W (assumed, as the UFM appliance), 8 SN4600C in-band switches at
  // 466 W (SN4000 hardware manual, typical), 8 SN2201 out-of-band switches at 98 W (SN2201 manual,
  // typical), 16 QM9700 storage-fabric switches at 1,720 W (QM97x0 manual, maximum with active
  // cables). Published: 2,756 + 2,756 + 3,728 + 784 + 27,520 = 37,544 W.
  const double published_other_w = 4 * 689.0 + 4 * 689.0 + 8 * 466.0 + 8 * 98.0 + 16 * 1720.0;
  CHECK(published_other_w == 37544.0);
  const long long gpus = 127 * 8;
  const Catalog& c = default_catalog();
  NonGpuItParams p{.fabric = {},
                   .storage_bytes_per_gpu = 0,
                   .storage_w_per_byte = 0,
                   .other_w_per_gpu = c.other_it_w_per_gpu};
  NonGpuItPower other = non_gpu_it_power(p, gpus, 0);
  CHECK(other.other_w == doctest::Approx(published_other_w).epsilon(0.05));
  // The storage fabric is the compute fabric's switch: the catalogue's quantum2-ndr figure.
  const FabricSpec* q = c.find_fabric("quantum2-ndr");
  REQUIRE(q);
  CHECK(q->switch_power_w == doctest::Approx(1720.0).epsilon(0.05));
  // Outside the servers and the storage arrays: 48 compute-fabric switches and the above, 82.56 +
  // 37.54 = 120.1 kW, 118 W per GPU.
  NonGpuItPower fabric = catalogue_fabric("DGX-H100", gpus);
  CHECK(fabric.total_w() + other.total_w() ==
        doctest::Approx(48 * 1720.0 + published_other_w).epsilon(0.05));
}
