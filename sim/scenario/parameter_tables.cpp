#include "sim/scenario/parameter_tables.hpp"

#include <cmath>

#include <fmt/format.h>

#include "models/battery.hpp"
#include "models/checkpoint.hpp"
#include "models/cooling.hpp"
#include "models/facility_power.hpp"
#include "models/failure.hpp"
#include "models/orbit.hpp"
#include "models/power_policy.hpp"
#include "models/power_schedule.hpp"
#include "models/power_supply.hpp"
#include "models/radiation.hpp"
#include "models/radiator.hpp"
#include "models/solar_array.hpp"
#include "models/spacecraft.hpp"
#include "models/training.hpp"
#include "models/units.hpp"
#include "models/weather.hpp"
#include "sim/scenario/scenario.hpp"
#include "sim/scenario/site_orbital.hpp"

namespace capsim {

namespace {

constexpr ParameterTable tables[] = {
    {.block = "outputs",
     .model = "sim/scenario/scenario.hpp",
     .parameters = output_parameter::table},
    {.block = "sites[]",
     .model = "models/power_policy.hpp",
     .parameters = power_policy_parameter::table},
    {.block = "sites[] (kind: terrestrial) grid",
     .model = "models/power_schedule.hpp",
     .parameters = grid_parameter::table},
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
    {.block = "sites[] (kind: terrestrial) cooling",
     .model = "models/cooling.hpp",
     .parameters = cooling_parameter::table},
    {.block = "sites[] (kind: terrestrial) weather",
     .model = "models/weather.hpp",
     .parameters = weather_parameter::table},
    {.block = "sites[] storage",
     .model = "models/checkpoint.hpp",
     .parameters = storage_parameter::table},
    {.block = "sites[] (kind: orbital) orbit",
     .model = "models/orbit.hpp",
     .parameters = orbit_parameter::table},
    {.block = "sites[] (kind: orbital) satellite",
     .model = "models/solar_array.hpp",
     .parameters = solar_array_parameter::table},
    {.block = "sites[] (kind: orbital) satellite",
     .model = "models/spacecraft.hpp",
     .parameters = spacecraft_parameter::table},
    {.block = "sites[] (kind: orbital) satellite",
     .model = "models/radiator.hpp",
     .parameters = radiator_parameter::table},
    {.block = "sites[] (kind: orbital) links",
     .model = "sim/scenario/site_orbital.hpp",
     .parameters = link_parameter::table},
    {.block = "sites[] (kind: orbital) ground_stations[]",
     .model = "models/orbit.hpp",
     .parameters = ground_station_parameter::table},
    {.block = "sites[] (kind: orbital) radiation",
     .model = "models/radiation.hpp",
     .parameters = radiation_parameter::table},
    {.block = "sites[] (kind: orbital) launch",
     .model = "models/spacecraft.hpp",
     .parameters = launch_parameter::table},
    {.block = "clusters[]",
     .model = "models/facility_power.hpp",
     .parameters = non_gpu_it_parameter::table},
    {.block = "clusters[] failures",
     .model = "models/failure.hpp",
     .parameters = failure_parameter::table},
    {.block = "jobs[] (training)",
     .model = "models/training.hpp",
     .parameters = training_job_parameter::table},
    {.block = "jobs[] (training) checkpoint",
     .model = "models/checkpoint.hpp",
     .parameters = checkpoint_parameter::table},
};

// '|' would end a table cell.
std::string cell(std::string_view text) {
  std::string out;
  for (char c : text)
    out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
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
      "ranges are inclusive unless written with `(`. A default that depends on other keys (a\n"
      "preset, a catalogue entry) says so; required keys, without a default, are described in\n"
      "the README's scenario reference.\n";
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
      out += fmt::format("| `{}` | {} | {}{}, {}] | {} |\n", p.key,
                         cell(p.default_from.empty() ? parameter_value_text(p, p.default_si)
                                                     : std::string(p.default_from)),
                         p.min_exclusive ? "(" : "[", cell(parameter_value_text(p, p.min_si)),
                         cell(parameter_value_text(p, p.max_si)), cell(p.meaning));
  }
  return out;
}

} // namespace capsim
