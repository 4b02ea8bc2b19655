#include "sim/finance/finance.hpp"

namespace capsim {

void add_finance(const Scenario& scenario, const UsageRecord& usage, const std::string& /*dir*/,
                 nlohmann::ordered_json& summary) {
  using json = nlohmann::ordered_json;
  const UsageSnapshot& end = usage.snapshots.back();
  double total_cost = 0, useful_flop = 0;
  for (std::size_t c = 0; c < scenario.clusters.size(); ++c)
    total_cost += end.clusters[c].installed_gpu_s * scenario.clusters[c].lease_usd_per_gpu_s;
  for (std::size_t s = 0; s < scenario.sites.size(); ++s)
    total_cost += scenario.sites[s].capex_usd + end.sites[s].energy_cost_usd;
  for (std::size_t j = 0; j < scenario.jobs.size(); ++j)
    useful_flop += std::min(end.jobs[j].useful_flop, scenario.jobs[j].total_flop);
  json finance;
  finance["total_cost_usd"] = total_cost;
  finance["cost_per_eflop_usd"] =
      useful_flop > 0 ? json(total_cost / (useful_flop / 1e18)) : json(nullptr);
  summary["finance"] = finance;
}

} // namespace capsim
