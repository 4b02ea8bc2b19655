// The finance catalogue (configs/market.yaml): networking cost per GPU by fabric, default all-in
// capex lines and lessor costs, the GPU release calendar and market rents, read with located
// checks like the GPU catalogue.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "models/market.hpp"
#include "models/vehicle.hpp"

namespace capsim {

struct Fabric {
  std::string name;
  double networking_usd_per_gpu = 0;
};

struct GenerationShip {
  std::string gpu;
  double year = 0;
};

struct MarketRental {
  std::string gpu;
  double year = 0;
  double usd_per_gpu_hour = 0;
};

struct MarketCatalog {
  std::string file;
  std::vector<Fabric> fabrics;
  std::string default_fabric;
  double storage_usd_per_gpu = 0;
  double installation_usd_per_gpu = 0;
  double spares_fraction = 0;
  LessorCosts costs{}; // replacement_usd_per_lost_unit left 0: it is the unit's price
  std::vector<GenerationShip> generations;
  double annual_decline = 0, generation_step = 1, economic_life_years = 6, used_floor = 0;
  std::vector<MarketRental> rentals;

  const Fabric* find_fabric(const std::string& name) const;
  std::string fabric_names() const;
  // The market curve of a GPU (by catalogue name), if the catalogue has a rent for it; newer
  // generations shipping within 0.25 yr of each other count as one step.
  std::optional<MarketCurve> curve(const std::string& gpu) const;
};

// Throws InputError with every problem found, located in the file.
MarketCatalog load_market_catalog(const std::string& path);
const MarketCatalog& default_market_catalog(); // config_dir()/market.yaml, loaded once

} // namespace capsim
