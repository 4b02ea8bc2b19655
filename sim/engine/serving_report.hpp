// What a run's inference jobs did: summary.json's `inference` list and serving.csv (one row per
// job per demand step). Written only when the scenario has inference jobs.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace capsim {

class World;

nlohmann::ordered_json serving_summary(World& world, double covered_s);
// Closes every job's open step (call after World::finish) and writes the rows atomically.
void write_serving_csv(World& world, const std::string& path);

} // namespace capsim
