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
