// The power and cooling keys of a ground site: grid (capacity, energising date, upgrades,
// curtailment windows), gas turbines, battery, solar, cooling plant and weather, or a fixed PUE.
#pragma once

#include <optional>
#include <string>

#include "sim/scenario/scenario.hpp"
#include "sim/scenario/yaml_reader.hpp"

namespace capsim {

// Reads them from the site's mapping into `site`; `what` names the site in messages. The
// scenario's epoch (seconds since 1970 UTC), when given, aligns weather files with UTC
// timestamps and sets where a profile's year starts.
void read_site_power(MapReader& site_reader, const std::string& what, Diagnostics& diagnostics,
                     SiteSpec& site, double max_horizon_s, std::optional<double> epoch_unix_s);

// A weather profile file (configs/weather/NAME.yaml): the synthetic model's parameters.
// Errors are located in that file.
WeatherParams load_weather_profile(const std::string& path, Diagnostics& diagnostics);

} // namespace capsim
