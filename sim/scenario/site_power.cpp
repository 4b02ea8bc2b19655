#include "sim/scenario/site_power.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "sim/scenario/catalog.hpp"

namespace capsim {

namespace {

struct Fuel {
  double co2_kg_per_fuel_j = 0;
  double turbine_efficiency = 1;
};

// configs/fuels.yaml: each fuel's CO2 per J of fuel and a typical turbine efficiency.
std::optional<Fuel> find_fuel(const std::string& name, const YAML::Node& where,
                              const std::string& what, Diagnostics& main) {
  const std::string path = config_dir() + "/fuels.yaml";
  Diagnostics d(path);
  std::optional<Fuel> found;
  std::vector<std::string> names;
  try {
    YAML::Node root = YAML::LoadFile(path);
    MapReader top(root, "the fuels catalogue", d);
    YAML::Node fuels = top.sequence("fuels", Need::required);
    top.finish();
    for (const auto& node : fuels) {
      MapReader f(node, "fuel", d);
      std::string fuel_name = f.string("name", Need::required).value_or("");
      f.string("source", Need::required);
      Fuel fuel;
      fuel.co2_kg_per_fuel_j =
          f.quantity_in("co2_per_fuel_energy", Dimension::mass_per_energy, Need::required, 0, 1e-3)
              .value_or(0);
      fuel.turbine_efficiency =
          f.quantity_in("turbine_efficiency", Dimension::dimensionless, Need::required, 0, 1, true)
              .value_or(1);
      f.finish();
      names.push_back(fuel_name);
      if (fuel_name == name) found = fuel;
    }
  } catch (const YAML::Exception& e) {
    d.error(e.mark, "YAML: " + e.msg);
  }
  main.merge(d);
  if (!found && d.ok()) {
    std::string list;
    for (const auto& n : names)
      list += (list.empty() ? "" : ", ") + n;
    main.error(where, what + " turbines: unknown fuel '" + name + "' (configs/fuels.yaml has " +
                          list + ")");
  }
  return found;
}

// `key: QUANTITY` (the parameter) or `key: {file: CSV}` with an hourly column `column`.
void read_constant_or_hourly(MapReader& r, const Parameter& parameter, const SeriesColumn& column,
                             const std::string& what, Diagnostics& d,
                             std::optional<double> epoch_unix_s, double& constant,
                             std::optional<HourlyFile>& file) {
  const std::string key(parameter.key);
  YAML::Node node = r.peek(key);
  if (!node.IsDefined()) return;
  if (!node.IsMap()) {
    constant = r.quantity(parameter);
    return;
  }
  MapReader m(r.mapping(key, Need::required), what + " " + key, d);
  auto name = m.string("file", Need::required);
  m.finish();
  if (!name) return;
  HourlyFile f{.path = resolve_path(*name, d.file()), .samples = {}, .start_s = 0};
  std::ifstream in(f.path, std::ios::binary);
  if (!in) {
    d.error(node["file"], what + ": cannot open " + key + " file '" + f.path + "'");
    return;
  }
  std::ostringstream text;
  text << in.rdbuf();
  SeriesCsv csv = parse_series_csv(text.str(), column);
  for (const auto& e : csv.errors)
    d.error_in(f.path, e.line, e.column, e.message);
  if (!csv.ok()) return;
  if (csv.utc && !epoch_unix_s) {
    d.error(node["file"], what + ": '" + f.path +
                              "' has UTC timestamps: give the scenario an epoch (epoch: "
                              "2025-07-01T00:00:00Z) to align it");
    return;
  }
  f.start_s = csv.utc ? *epoch_unix_s : 0;
  f.samples = std::move(csv.samples);
  file = std::move(f);
}

void read_grid(const YAML::Node& node, const std::string& what, Diagnostics& d, SiteSpec& site,
               double max_horizon_s) {
  MapReader g(node, what + " grid", d);
  double capacity = g.quantity(grid_parameter::capacity);
  double energised = 0;
  if (YAML::Node e = g.peek("energised"); e.IsDefined() && e.IsMap()) {
    MapReader dist(g.mapping("energised", Need::required), what + " grid energised", d);
    YAML::Node tri = dist.sequence("triangular", Need::required);
    dist.finish();
    if (tri.IsDefined()) {
      std::vector<double> t;
      for (const auto& item : tri)
        t.push_back(read_quantity(item, Dimension::time, "a triangular bound", d).value_or(-1));
      if (t.size() != 3)
        d.error(tri, what + ": energised.triangular takes three times [min, most likely, max]");
      else if (!(0 <= t[0] && t[0] <= t[1] && t[1] <= t[2] && t[2] <= max_horizon_s))
        d.error(tri, what + ": energised.triangular needs 0 <= min <= most likely <= max");
      else if (t[2] > t[0]) {
        site.grid_energised = TriangularTime{.min_s = t[0], .mode_s = t[1], .max_s = t[2]};
        energised = t[1];
      } else {
        energised = t[0];
      }
    }
  } else {
    energised = g.quantity(grid_parameter::energised);
  }
  if (energised > 0) site.grid.steps.push_back({0, 0});
  site.grid.steps.push_back({energised, capacity});
  if (YAML::Node steps = g.sequence("upgrades", Need::optional); steps.IsDefined()) {
    for (const auto& step : steps) {
      MapReader u(step, what + " grid upgrade", d);
      auto at = u.given(grid_upgrade_parameter::at);
      auto cap = u.given(grid_upgrade_parameter::capacity);
      u.finish();
      if (!at || !cap) continue;
      if (*at <= site.grid.steps.back().at_s)
        d.error(step, what + ": grid upgrades must be in increasing time order, after the grid "
                             "is energised");
      else
        site.grid.steps.push_back({*at, *cap});
    }
  }
  if (YAML::Node windows = g.sequence("curtailments", Need::optional); windows.IsDefined()) {
    for (const auto& window : windows) {
      MapReader c(window, what + " grid curtailment", d);
      auto from = c.given(curtailment_parameter::from);
      auto to = c.given(curtailment_parameter::to);
      auto cap = c.given(curtailment_parameter::capacity);
      c.finish();
      if (!from || !to || !cap) continue;
      if (*to <= *from)
        d.error(window, what + ": a curtailment must end after it starts");
      else if (!site.grid.curtailments.empty() && *from < site.grid.curtailments.back().to_s)
        d.error(window, what + ": curtailments must be in time order and must not overlap");
      else
        site.grid.curtailments.push_back({*from, *to, *cap});
    }
  }
  if (YAML::Node daily = g.mapping("daily_curtailment", Need::optional); daily.IsDefined()) {
    MapReader c(daily, what + " daily curtailment", d);
    auto from = c.given(daily_curtailment_parameter::from);
    auto to = c.given(daily_curtailment_parameter::to);
    auto cap = c.given(daily_curtailment_parameter::capacity);
    c.finish();
    if (from && to && cap) {
      if (*to <= *from)
        d.error(daily, what + ": a daily curtailment must end after it starts, within one day");
      site.grid.daily.from_s = *from;
      site.grid.daily.to_s = *to;
      site.grid.daily.capacity_w = *cap;
    }
  }
  g.finish();
}

void read_turbines(const YAML::Node& node, const std::string& what, Diagnostics& d,
                   SiteSpec& site) {
  MapReader t(node, what + " turbines", d);
  TurbineParams& p = site.turbines;
  p.units = static_cast<int>(t.quantity(turbine_parameter::units));
  p.unit_capacity_w = t.quantity(turbine_parameter::unit_capacity);
  p.availability = t.quantity(turbine_parameter::availability);
  p.fuel_cost_usd_per_j = t.quantity(turbine_parameter::fuel_cost);
  p.start_delay_s = t.quantity(turbine_parameter::start_delay);
  site.turbine_policy =
      t.one_of("start_policy", Need::optional, {"bridge", "battery_first"}).value_or("bridge") ==
              "battery_first"
          ? TurbineStartPolicy::battery_first
          : TurbineStartPolicy::bridge_with_battery;
  if (auto fuel = t.string("fuel", Need::optional)) {
    site.turbine_fuel = *fuel;
    if (auto f = find_fuel(*fuel, t.peek("fuel"), what, d)) {
      p.fuel_co2_kg_per_j = f->co2_kg_per_fuel_j;
      p.efficiency = f->turbine_efficiency;
    }
  }
  if (auto e = t.given(turbine_parameter::efficiency)) p.efficiency = *e;
  t.finish();
  if (t.valid()) {
    PowerSupplyParams check;
    check.turbines = p;
    d.errors(node, what + " turbines: ", validate(check));
  }
}

void read_battery(const YAML::Node& node, const std::string& what, Diagnostics& d, SiteSpec& site) {
  MapReader b(node, what + " battery", d);
  BatteryParams& p = site.battery;
  site.has_battery = true;
  p.capacity_j = b.quantity(battery_parameter::energy);
  double power = b.quantity(battery_parameter::power);
  p.max_charge_power_w = b.given(battery_parameter::charge_power).value_or(power);
  p.max_discharge_power_w = power;
  double round_trip = b.quantity(battery_parameter::round_trip_efficiency);
  p.charge_efficiency = p.discharge_efficiency = symmetric_efficiency(round_trip);
  p.min_state_of_charge = b.quantity(battery_parameter::min_state_of_charge);
  site.battery_initial_soc = b.quantity(battery_parameter::initial_state_of_charge);
  if (YAML::Node from = b.sequence("charge_from", Need::optional); from.IsDefined()) {
    site.charge_from = ChargeFrom{.grid = false, .solar = false, .turbines = false};
    for (const auto& item : from) {
      std::string source = item.IsScalar() ? item.Scalar() : "";
      if (source == "grid")
        site.charge_from.grid = true;
      else if (source == "solar")
        site.charge_from.solar = true;
      else if (source == "turbines")
        site.charge_from.turbines = true;
      else
        d.error(item,
                what + " battery: charge_from lists grid, solar or turbines, got '" + source + "'");
    }
  }
  const std::string policy =
      b.one_of("policy", Need::optional, {"merit_order", "peak_shaving", "arbitrage"})
          .value_or("merit_order");
  std::optional<double> target = b.given(battery_parameter::grid_target);
  if (policy == "peak_shaving") {
    if (!target)
      d.error(node, what + " battery: policy peak_shaving needs grid_target (the grid draw the "
                           "battery holds the site to)");
    else
      site.peak_shaving_target_w = *target;
  } else if (target) {
    d.error(b.peek("grid_target"), what + " battery: grid_target is for policy peak_shaving");
  }
  // Arbitrage thresholds, on the grid price (constant or the hourly energy_price file).
  std::optional<double> below = b.given(battery_parameter::charge_below);
  std::optional<double> above = b.given(battery_parameter::discharge_above);
  if (policy == "arbitrage") {
    if (!below || !above)
      d.error(node, what + " battery: policy arbitrage needs charge_below and discharge_above "
                           "(grid prices, e.g. 30 USD/MWh and 90 USD/MWh)");
    else
      site.arbitrage = Arbitrage{
          .enabled = true, .charge_below_usd_per_j = *below, .discharge_above_usd_per_j = *above};
  } else {
    for (const char* key : {"charge_below", "discharge_above"})
      if (b.peek(key).IsDefined())
        d.error(b.peek(key), what + " battery: " + key + " is for policy arbitrage");
  }
  b.finish();
  if (b.valid()) {
    d.errors(node, what + " battery: ", validate(p));
    PowerSupplyParams check;
    check.arbitrage = site.arbitrage;
    d.errors(node, what + " battery: ", validate(check));
    if (site.battery_initial_soc < p.min_state_of_charge)
      d.error(node, what + " battery: initial_state_of_charge is below min_state_of_charge");
  }
}

void read_cooling(const YAML::Node& node, const std::string& what, Diagnostics& d, SiteSpec& site) {
  MapReader c(node, what + " cooling", d);
  std::string type = c.one_of("type", Need::required, {"liquid", "air"}).value_or("liquid");
  double capacity = c.quantity(cooling_parameter::capacity);
  CoolingParams p =
      type == "air" ? air_cooling_preset(capacity) : direct_liquid_cooling_preset(capacity);
  // The preset's value unless given.
  auto read = [&](const Parameter& parameter, double& field) {
    if (auto v = c.given(parameter)) field = *v;
  };
  read(cooling_parameter::design_ambient, p.design_ambient_k);
  read(cooling_parameter::max_ambient, p.max_ambient_k);
  read(cooling_parameter::economiser_below, p.economiser_max_ambient_k);
  read(cooling_parameter::capacity_at_max_ambient, p.capacity_fraction_at_max_ambient);
  p.wue_m3_per_j = c.quantity(cooling_parameter::wue);
  c.finish();
  if (c.valid()) d.errors(node, what + " cooling: ", validate(p));
  site.cooling = p;
  site.has_cooling_model = true;
}

void read_weather_file(const YAML::Node& where, const std::string& path, const std::string& what,
                       Diagnostics& d, WeatherSpec& spec, std::optional<double> epoch_unix_s,
                       bool start_given) {
  spec.kind = WeatherKind::csv;
  spec.source = path;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    d.error(where, what + ": cannot open weather file '" + path + "'");
    return;
  }
  std::ostringstream text;
  text << in.rdbuf();
  WeatherCsv csv = parse_weather_csv(text.str());
  for (const auto& e : csv.errors)
    d.error_in(path, e.line, e.column, e.message);
  if (csv.ok() && csv.samples.empty()) d.error_in(path, 0, 0, "the weather file has no rows");
  if (csv.utc) {
    if (start_given)
      d.error(where, what + ": the weather file has UTC timestamps, which the scenario's epoch "
                            "aligns; time_of_year_at_start is for files in seconds and profiles");
    else if (!epoch_unix_s)
      d.error(where, what + ": the weather file '" + path +
                         "' has UTC timestamps: give the scenario an epoch (epoch: "
                         "2025-07-01T00:00:00Z) to align it");
    else
      spec.time_of_year_at_start_s = *epoch_unix_s;
  }
  spec.samples = std::move(csv.samples);
}

void read_weather(const YAML::Node& node, const std::string& what, Diagnostics& d, SiteSpec& site,
                  std::optional<double> epoch_unix_s) {
  MapReader w(node, what + " weather", d);
  WeatherSpec& spec = site.weather;
  auto profile = w.string("profile", Need::optional);
  auto file = w.string("file", Need::optional);
  auto constant = w.quantity("constant", Dimension::temperature, Need::optional);
  int sources = (profile ? 1 : 0) + (file ? 1 : 0) + (constant ? 1 : 0);
  if (w.valid() && sources != 1)
    d.error(node, what + " weather: give exactly one of profile (a name in configs/weather/), "
                         "file (an hourly CSV) or constant (a temperature)");
  auto start = w.given(weather_parameter::time_of_year_at_start);
  // Without an explicit start, the epoch's time of year (UTC) places a profile's year.
  spec.time_of_year_at_start_s = start ? *start
                                 : epoch_unix_s
                                     ? utc_time_of_year_s(*epoch_unix_s)
                                     : weather_parameter::time_of_year_at_start.default_si;
  if (YAML::Node waves = w.sequence("heatwaves", Need::optional); waves.IsDefined()) {
    for (const auto& wave : waves) {
      MapReader h(wave, what + " heatwave", d);
      auto start = h.given(heatwave_parameter::start);
      auto duration = h.given(heatwave_parameter::duration);
      auto extra = h.given(heatwave_parameter::extra);
      h.finish();
      if (start && duration && extra) spec.heatwaves.push_back({*start, *duration, *extra});
    }
  }
  w.finish();
  if (constant) {
    spec.kind = WeatherKind::constant;
    spec.constant_k = *constant;
    spec.source = "constant";
  } else if (profile) {
    std::string base = config_dir() + "/weather/" + *profile;
    if (std::filesystem::exists(base + ".yaml")) {
      spec.kind = WeatherKind::synthetic;
      spec.source = *profile;
      spec.synthetic = load_weather_profile(base + ".yaml", d);
    } else if (std::filesystem::exists(base + ".csv")) { // a bundled typical year
      read_weather_file(node["profile"], base + ".csv", what, d, spec, epoch_unix_s,
                        start.has_value());
      spec.source = *profile;
    } else {
      d.error(node["profile"], what + ": no weather profile '" + *profile + "' (looked for " +
                                   base + ".yaml and " + base + ".csv)");
    }
  } else if (file) {
    read_weather_file(node["file"], resolve_path(*file, d.file()), what, d, spec, epoch_unix_s,
                      start.has_value());
  }
}

} // namespace

WeatherParams load_weather_profile(const std::string& path, Diagnostics& main) {
  Diagnostics d(path);
  WeatherParams p;
  try {
    YAML::Node root = YAML::LoadFile(path);
    MapReader top(root, "the weather profile", d);
    top.string("name", Need::required);
    top.one_of("kind", Need::required, {"synthetic"});
    top.child("fitted_to", Need::optional); // provenance only
    YAML::Node profile = top.mapping("profile", Need::required);
    top.finish();
    if (profile.IsDefined()) {
      MapReader r(profile, "profile", d);
      p.annual_mean_k =
          r.quantity("annual_mean", Dimension::temperature, Need::required).value_or(0);
      p.seasonal_amplitude_k =
          r.quantity("seasonal_amplitude", Dimension::temperature, Need::required).value_or(0);
      p.warmest_time_of_year_s =
          r.quantity("warmest_time_of_year", Dimension::time, Need::required).value_or(0);
      p.daily_amplitude_k =
          r.quantity("daily_amplitude", Dimension::temperature, Need::required).value_or(0);
      p.warmest_time_of_day_s =
          r.quantity("warmest_time_of_day", Dimension::time, Need::required).value_or(0);
      p.noise_std_k = r.quantity("noise_std", Dimension::temperature, Need::required).value_or(0);
      p.noise_correlation_s =
          r.quantity("noise_correlation", Dimension::time, Need::required).value_or(0);
      r.finish();
      if (r.valid()) d.errors(profile, "profile: ", validate(p));
    }
  } catch (const YAML::ParserException& e) {
    d.error(e.mark, "YAML syntax: " + e.msg);
  }
  main.merge(d);
  return p;
}

void read_site_power(MapReader& r, const std::string& what, Diagnostics& d, SiteSpec& site,
                     double max_horizon_s, std::optional<double> epoch_unix_s) {
  if (YAML::Node grid = r.mapping("grid", Need::optional); grid.IsDefined())
    read_grid(grid, what, d, site, max_horizon_s);
  else
    site.grid.steps.push_back({0, 0});
  constexpr double per_mwh = 1 / 3.6e9;
  read_constant_or_hourly(
      r, site_power_parameter::energy_price,
      SeriesColumn{
          .name = "usd_per_mwh", .unit = "USD/MWh", .min = -1e4, .max = 1e5, .si_scale = per_mwh},
      what, d, epoch_unix_s, site.energy_price_usd_per_j, site.energy_price_file);
  read_constant_or_hourly(
      r, site_power_parameter::grid_carbon_intensity,
      SeriesColumn{
          .name = "kg_per_mwh", .unit = "kg/MWh", .min = 0, .max = 3000, .si_scale = per_mwh},
      what, d, epoch_unix_s, site.grid_carbon_kg_per_j, site.grid_carbon_file);
  // Demand charge: USD per W of each billing month's (730.5 h) peak grid draw, e.g. 15 USD/kW.
  site.demand_charge_usd_per_w_month = r.quantity(site_power_parameter::demand_charge);
  if (YAML::Node turbines = r.mapping("turbines", Need::optional); turbines.IsDefined())
    read_turbines(turbines, what, d, site);
  if (YAML::Node battery = r.mapping("battery", Need::optional); battery.IsDefined())
    read_battery(battery, what, d, site);
  if (YAML::Node solar = r.mapping("solar", Need::optional); solar.IsDefined()) {
    MapReader s(solar, what + " solar", d);
    site.solar_capacity_w = s.quantity(solar_parameter::capacity);
    s.finish();
  }
  YAML::Node cooling = r.mapping("cooling", Need::optional);
  YAML::Node pue = r.child("pue", Need::optional);
  if (cooling.IsDefined()) read_cooling(cooling, what, d, site);
  if (pue.IsDefined()) {
    if (cooling.IsDefined())
      d.error(pue, what + ": give either a fixed pue or a cooling plant (whose PUE is an output), "
                          "not both");
    const Parameter& fixed = fixed_pue_cooling_parameter::pue;
    site.pue = r.given(fixed).value_or(fixed.default_si);
  } else if (!cooling.IsDefined()) {
    d.error(r.node(), what + " needs either a cooling plant (cooling: {type, capacity}) or a "
                             "fixed pue");
  }
  site.cooling_capacity_w =
      r.given(fixed_pue_cooling_parameter::cooling_capacity).value_or(0); // 0: none
  if (cooling.IsDefined() && site.cooling_capacity_w > 0)
    d.error(r.child("cooling_capacity", Need::optional),
            what + ": cooling_capacity is for sites without a cooling plant; give "
                   "cooling.capacity instead");
  if (YAML::Node weather = r.mapping("weather", Need::optional); weather.IsDefined())
    read_weather(weather, what, d, site, epoch_unix_s);
  else if (cooling.IsDefined())
    d.error(cooling, what + ": a cooling plant needs a weather block (profile, file or constant)");
  if (!r.has("grid") && site.turbines.units == 0 && site.solar_capacity_w <= 0 && !site.has_battery)
    d.error(r.node(), what + " has no power source (grid, turbines, battery or solar)");
}

} // namespace capsim
