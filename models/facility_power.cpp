#include "models/facility_power.hpp"

#include <cmath>

namespace capsim {

double fat_tree_capacity(int radix, int tiers) {
  if (radix <= 0 || tiers <= 0) return 0;
  if (tiers == 1) return radix;
  return 2 * std::pow(radix / 2.0, tiers);
}

int fat_tree_tiers(long long endpoints, int radix) {
  if (endpoints <= 0 || radix < 2) return 0;
  int tiers = 1;
  while (fat_tree_capacity(radix, tiers) < static_cast<double>(endpoints))
    ++tiers;
  return tiers;
}

std::vector<long long> fat_tree_switches(long long endpoints, int radix, int tiers) {
  std::vector<long long> out;
  if (endpoints <= 0 || radix < 2 || tiers <= 0) return out;
  const long long half = radix / 2;
  for (int t = 1; t < tiers; ++t)
    out.push_back((endpoints + half - 1) / half);
  out.push_back((endpoints + radix - 1) / radix);
  return out;
}

long long fat_tree_switch_total(long long endpoints, int radix, int tiers) {
  if (endpoints <= 0 || radix < 2 || tiers <= 0) return 0;
  const long long half = radix / 2;
  return (tiers - 1) * ((endpoints + half - 1) / half) + (endpoints + radix - 1) / radix;
}
NonGpuItPower non_gpu_it_power(const NonGpuItParams& params, long long gpus, int tiers) {
  NonGpuItPower p;
  if (gpus <= 0) return p;
  p.switches = fat_tree_switch_total(gpus, params.fabric.radix, tiers);
  p.fabric_w = static_cast<double>(p.switches) * params.fabric.switch_power_w;
  p.storage_w =
      static_cast<double>(gpus) * params.storage_bytes_per_gpu * params.storage_w_per_byte;
  p.other_w = static_cast<double>(gpus) * params.other_w_per_gpu;
  return p;
}

std::vector<std::string> validate(const NonGpuItParams& params) {
  std::vector<std::string> errors;
  if (params.fabric.radix < 0 || params.fabric.radix == 1 || params.fabric.radix % 2 != 0)
    errors.push_back("fabric radix must be an even number of ports (at least 2), or 0 for none");
  if (!(params.fabric.switch_power_w >= 0)) errors.push_back("switch power must be >= 0");
  if (!(params.storage_bytes_per_gpu >= 0)) errors.push_back("storage per GPU must be >= 0");
  if (!(params.storage_w_per_byte >= 0)) errors.push_back("storage power per PB must be >= 0");
  if (!(params.other_w_per_gpu >= 0)) errors.push_back("other IT power per GPU must be >= 0");
  return errors;
}

} // namespace capsim
