// The GPU and system catalogue (configs/gpus.yaml), read with the same located checks as a
// scenario.
#pragma once

#include <string>
#include <vector>

#include "models/facility_power.hpp"
#include "models/gpu.hpp"
#include "models/training.hpp"

namespace capsim {

struct GpuEntry {
  GpuSpec spec;
  std::vector<std::string> aliases;
};

struct Catalog {
  std::string file;
  std::vector<GpuEntry> gpus;
  std::vector<SystemSpec> systems;
  std::vector<FabricSpec> fabrics;
  // Site-wide non-GPU IT outside the fabric (non_gpu_it:), per GPU installed.
  double storage_bytes_per_gpu = 0;
  double storage_w_per_byte = 0;
  double other_it_w_per_gpu = 0;

  const GpuSpec* find_gpu(const std::string& name) const; // by name or alias
  const SystemSpec* find_system(const std::string& name) const;
  const FabricSpec* find_fabric(const std::string& name) const;
  // The first system in the file built around this GPU (the default server for a cluster).
  const SystemSpec* default_system(const std::string& gpu_name) const;
  std::string gpu_names() const; // "A100, H100, ..." for messages
  std::string fabric_names() const;
};

// Directory holding gpus.yaml and weather/: $CAPSIM_CONFIG_DIR when set, else
// EXE_DIR/../share/capsim/configs (an installed capsim, found through /proc/self/exe), else the
// source tree's configs/ (compiled in; skipped when $CAPSIM_NO_SOURCE_TREE is set), else
// ./configs.
std::string config_dir();

// Throws InputError with every problem found, located in the catalogue file.
Catalog load_catalog(const std::string& path);
const Catalog& default_catalog(); // loads config_dir()/gpus.yaml once

// Step-model hardware for a GPU of the default catalogue, with the scale-out bandwidth of its
// default system; throws std::invalid_argument for an unknown name.
StepHardware step_hardware_from_catalog(const std::string& gpu_name);
// The step model's view of a GPU installed in a system (nullptr: no system, no network or host
// link figures).
StepHardware step_hardware_of(const GpuSpec& gpu, const SystemSpec* system);

} // namespace capsim
