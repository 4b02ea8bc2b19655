#include "sim/engine/platform.hpp"
#include "sim/engine/site_kind.hpp"

#include <algorithm>

#include "models/gpu.hpp"

namespace sg4 = simgrid::s4u;

namespace capsim {

double job_nic_bytes_per_s(const JobSpec& job, const ClusterSpec& cluster) {
  return static_cast<double>(job.gpus) *
         std::max(1e9 / cluster.gpus_per_host, cluster.system.scale_out_bytes_per_s_per_gpu);
}

Platform build_platform(const Scenario& scenario,
                        const std::vector<std::unique_ptr<SiteKindModel>>& kinds) {
  Platform platform;
  auto* root = sg4::create_full_zone("capsim");
  for (std::size_t s = 0; s < scenario.sites.size(); ++s) {
    SitePlatform sp;
    kinds[s]->build_zone(scenario, scenario.sites[s], root, sp, platform);
    platform.sites.push_back(sp);
  }
  root->seal();
  return platform;
}

} // namespace capsim
