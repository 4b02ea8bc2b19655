#include "sim/scenario/parameter_tables.hpp"

#include <cmath>

#include <fmt/format.h>

#include "models/battery.hpp"
#include "models/checkpoint.hpp"
#include "models/cooling.hpp"
#include "models/credit.hpp"
#include "models/facility_power.hpp"
#include "models/failure.hpp"
#include "models/finance.hpp"
#include "models/market.hpp"
#include "models/orbit.hpp"
#include "models/power_policy.hpp"
#include "models/power_schedule.hpp"
#include "models/power_supply.hpp"
#include "models/radiation.hpp"
#include "models/radiator.hpp"
#include "models/residual_value.hpp"
#include "models/serving.hpp"
#include "models/serving_queue.hpp"
#include "models/solar_array.hpp"
#include "models/spacecraft.hpp"
#include "models/tco.hpp"
#include "models/training.hpp"
#include "models/units.hpp"
#include "models/vehicle.hpp"
#include "models/weather.hpp"
#include "sim/scenario/model_reader.hpp"
#include "sim/scenario/scenario.hpp"
#include "sim/scenario/site_orbital.hpp"

namespace capsim {

namespace {

constexpr ParameterTable tables[] = {
    {.block = "top level",
     .model = "sim/scenario/scenario.hpp",
     .parameters = scenario_parameter::table},
    {.block = "outputs",
     .model = "sim/scenario/scenario.hpp",
     .parameters = output_parameter::table},
    {.block = "sites[]",
     .model = "models/power_policy.hpp",
     .parameters = power_policy_parameter::table},
    {.block = "sites[]", .model = "sim/scenario/scenario.hpp", .parameters = site_parameter::table},
    {.block = "sites[] (kind: terrestrial) grid",
     .model = "models/power_schedule.hpp",
     .parameters = grid_parameter::table},
    {.block = "sites[] (kind: terrestrial) grid upgrades[]",
     .model = "models/power_schedule.hpp",
     .parameters = grid_upgrade_parameter::table},
    {.block = "sites[] (kind: terrestrial) grid curtailments[]",
     .model = "models/power_schedule.hpp",
     .parameters = curtailment_parameter::table},
    {.block = "sites[] (kind: terrestrial) grid daily_curtailment",
     .model = "models/power_schedule.hpp",
     .parameters = daily_curtailment_parameter::table},
    {.block = "sites[] (kind: terrestrial) battery",
     .model = "models/battery.hpp",
     .parameters = battery_parameter::table},
    {.block = "sites[] (kind: terrestrial)",
     .model = "models/power_supply.hpp",
     .parameters = site_power_parameter::table},
    {.block = "sites[] (kind: terrestrial)",
     .model = "models/cooling.hpp",
     .parameters = fixed_pue_cooling_parameter::table},
    {.block = "sites[] (kind: terrestrial) turbines",
     .model = "models/power_supply.hpp",
     .parameters = turbine_parameter::table},
    {.block = "sites[] (kind: terrestrial) solar",
     .model = "models/power_supply.hpp",
     .parameters = solar_parameter::table},
    {.block = "sites[] (kind: terrestrial) cooling",
     .model = "models/cooling.hpp",
     .parameters = cooling_parameter::table},
    {.block = "sites[] (kind: terrestrial) weather",
     .model = "models/weather.hpp",
     .parameters = weather_parameter::table},
    {.block = "sites[] (kind: terrestrial) weather heatwaves[]",
     .model = "models/weather.hpp",
     .parameters = heatwave_parameter::table},
    {.block = "sites[] storage",
     .model = "models/checkpoint.hpp",
     .parameters = storage_parameter::table},
    {.block = "sites[] (kind: orbital) orbit",
     .model = "models/orbit.hpp",
     .parameters = orbit_parameter::table},
    {.block = "sites[] (kind: orbital) orbit sun_synchronous",
     .model = "models/orbit.hpp",
     .parameters = sun_synchronous_parameter::table},
    {.block = "sites[] (kind: orbital) satellite",
     .model = "models/solar_array.hpp",
     .parameters = solar_array_parameter::table},
    {.block = "sites[] (kind: orbital) satellite",
     .model = "models/spacecraft.hpp",
     .parameters = spacecraft_parameter::table},
    {.block = "sites[] (kind: orbital) satellite",
     .model = "models/radiator.hpp",
     .parameters = radiator_parameter::table},
    {.block = "sites[] (kind: orbital) satellite",
     .model = "models/spacecraft.hpp",
     .parameters = fleet_parameter::table},
    {.block = "sites[] (kind: orbital) links",
     .model = "sim/scenario/site_orbital.hpp",
     .parameters = link_parameter::table},
    {.block = "sites[] (kind: orbital) ground_stations[]",
     .model = "models/orbit.hpp",
     .parameters = ground_station_parameter::table},
    {.block = "sites[] (kind: orbital) radiation",
     .model = "models/radiation.hpp",
     .parameters = radiation_environment_parameter::table},
    {.block = "sites[] (kind: orbital) radiation",
     .model = "models/radiation.hpp",
     .parameters = radiation_parameter::table},
    {.block = "sites[] (kind: orbital) launch",
     .model = "models/spacecraft.hpp",
     .parameters = launch_parameter::table},
    {.block = "clusters[]",
     .model = "models/facility_power.hpp",
     .parameters = non_gpu_it_parameter::table},
    {.block = "clusters[]",
     .model = "sim/scenario/scenario.hpp",
     .parameters = cluster_parameter::table},
    {.block = "clusters[] deliveries[]",
     .model = "sim/scenario/scenario.hpp",
     .parameters = delivery_parameter::table},
    {.block = "clusters[] lease",
     .model = "sim/scenario/scenario.hpp",
     .parameters = cluster_lease_parameter::table},
    {.block = "clusters[] failures",
     .model = "models/failure.hpp",
     .parameters = failure_parameter::table},
    {.block = "jobs[] (training)",
     .model = "sim/scenario/scenario.hpp",
     .parameters = job_parameter::table},
    {.block = "jobs[] (training)",
     .model = "models/training.hpp",
     .parameters = training_job_parameter::table},
    {.block = "jobs[] (training) model",
     .model = "sim/scenario/scenario.hpp",
     .parameters = job_model_parameter::table},
    {.block = "jobs[] (training) model",
     .model = "sim/scenario/model_reader.hpp",
     .parameters = architecture_parameter::table},
    {.block = "jobs[] (training) parallel",
     .model = "sim/scenario/model_reader.hpp",
     .parameters = parallel_parameter::table},
    {.block = "jobs[] (training) checkpoint",
     .model = "models/checkpoint.hpp",
     .parameters = checkpoint_parameter::table},
    {.block = "sweep",
     .model = "sim/scenario/sweep_spec.hpp",
     .parameters = sweep_parameter::table},
    {.block = "sweep axes[] (a range)",
     .model = "sim/scenario/sweep_spec.hpp",
     .parameters = sweep_axis_parameter::table},
    {.block = "sweep samples",
     .model = "sim/scenario/sweep_spec.hpp",
     .parameters = sweep_samples_parameter::table},
    // Finance and inference (keep together, at the end).
    {.block = "finance", .model = "models/finance.hpp", .parameters = finance_parameter::table},
    {.block = "finance leases[]",
     .model = "models/lease.hpp",
     .parameters = lease_parameter::table},
    {.block = "finance vehicles[] debt",
     .model = "models/vehicle.hpp",
     .parameters = debt_parameter::table},
    {.block = "finance vehicles[] debt swap",
     .model = "models/vehicle.hpp",
     .parameters = swap_parameter::table},
    {.block = "finance vehicles[] debt refinance",
     .model = "models/vehicle.hpp",
     .parameters = refinance_parameter::table},
    {.block = "finance vehicles[] debt covenants",
     .model = "models/vehicle.hpp",
     .parameters = covenant_parameter::table},
    {.block = "finance vehicles[] debt base_rate (a model)",
     .model = "models/credit.hpp",
     .parameters = base_rate_parameter::table},
    {.block = "finance vehicles[] capex",
     .model = "models/vehicle.hpp",
     .parameters = capex_parameter::table},
    {.block = "finance vehicles[] fees",
     .model = "models/vehicle.hpp",
     .parameters = fees_parameter::table},
    {.block = "finance vehicles[] lessor_costs",
     .model = "models/vehicle.hpp",
     .parameters = lessor_cost_parameter::table},
    {.block = "finance vehicles[] lessee_default",
     .model = "models/credit.hpp",
     .parameters = lessee_default_parameter::table},
    {.block = "finance vehicles[] market",
     .model = "models/market.hpp",
     .parameters = market_parameter::table},
    {.block = "finance vehicles[] residual",
     .model = "models/residual_value.hpp",
     .parameters = residual_parameter::table},
    {.block = "finance site_costs[] (kind: ground)",
     .model = "models/tco.hpp",
     .parameters = ground_tco_parameter::table},
    {.block = "finance site_costs[] (kind: orbital)",
     .model = "models/tco.hpp",
     .parameters = orbital_tco_parameter::table},
    {.block = "jobs[] (inference)",
     .model = "models/serving_queue.hpp",
     .parameters = inference_job_parameter::table},
    {.block = "jobs[] (inference) layout",
     .model = "models/serving.hpp",
     .parameters = serving_layout_parameter::table},
    {.block = "jobs[] (inference) requests",
     .model = "models/serving.hpp",
     .parameters = request_shape_parameter::table},
    {.block = "jobs[] (inference) requests prompt_tokens, output_tokens (a distribution)",
     .model = "models/serving.hpp",
     .parameters = request_length_parameter::table},
    {.block = "jobs[] (inference) demand",
     .model = "models/serving_queue.hpp",
     .parameters = demand_parameter::table},
    {.block = "jobs[] (inference) targets",
     .model = "models/serving_queue.hpp",
     .parameters = target_parameter::table},
    {.block = "jobs[] (inference) replicas",
     .model = "models/serving_queue.hpp",
     .parameters = replica_parameter::table},
};

// '|' would end a table cell.
std::string cell(std::string_view text) {
  std::string out;
  for (char c : text)
    out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

std::string default_text(const Parameter& p) {
  if (p.required) return "required";
  if (!p.default_from.empty()) return std::string(p.default_from);
  return parameter_value_text(p, p.default_si);
}

} // namespace

std::span<const ParameterTable> parameter_tables() {
  return tables;
}

std::string parameter_value_text(const Parameter& p, double value_si) {
  if (p.whole) return fmt::format("{}", static_cast<long long>(std::llround(value_si)));
  return format_quantity(value_si, p.dimension);
}

std::string render_parameter_docs() {
  std::string out =
      "# Model parameters\n"
      "\n"
      "<!-- Rendered from the parameter tables declared next to each model; do not edit by\n"
      "     hand: run tools/docs-update. A test fails when this page and a table disagree. -->\n"
      "\n"
      "Each model declares the scenario parameters it takes once, in its header\n"
      "(`models/parameter.hpp`): the key, its unit, its default and the range the loader\n"
      "accepts. The model's struct takes its default from that declaration, the loader reads the\n"
      "key with it (a value outside the range is an error at its `FILE:LINE:COL`), and this page\n"
      "is rendered from it. A quantity takes any unit of its dimension (`7 d`, `604800 s`);\n"
      "ranges are inclusive unless written with `(`. A key without a fixed default is marked\n"
      "required, or says where its default comes from (other keys, a catalogue). Keys that are\n"
      "names, choices or lists are described in the README's scenario reference.\n";
  std::string_view block;
  for (const ParameterTable& table : tables) {
    if (table.block != block) {
      out += fmt::format("\n## {}\n", table.block);
      block = table.block;
    }
    out += fmt::format("\nFrom `{}`:\n\n", table.model);
    out += "| key | default | range | meaning |\n";
    out += "|---|---|---|---|\n";
    for (const Parameter& p : table.parameters)
      out += fmt::format("| `{}` | {} | {}{}, {}] | {} |\n", p.key, cell(default_text(p)),
                         p.min_exclusive ? "(" : "[", cell(parameter_value_text(p, p.min_si)),
                         cell(parameter_value_text(p, p.max_si)), cell(p.meaning));
  }
  return out;
}

} // namespace capsim
