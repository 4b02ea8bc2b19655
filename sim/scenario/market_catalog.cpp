#include "sim/scenario/market_catalog.hpp"

#include <algorithm>

#include "sim/scenario/catalog.hpp"
#include "sim/scenario/yaml_reader.hpp"

#include "models/units.hpp"

namespace capsim {

const Fabric* MarketCatalog::find_fabric(const std::string& name) const {
  for (const auto& f : fabrics)
    if (f.name == name) return &f;
  return nullptr;
}

std::string MarketCatalog::fabric_names() const {
  std::string names;
  for (const auto& f : fabrics)
    names += (names.empty() ? "" : ", ") + f.name;
  return names;
}

std::optional<MarketCurve> MarketCatalog::curve(const std::string& gpu) const {
  const MarketRental* rental = nullptr;
  for (const auto& r : rentals)
    if (r.gpu == gpu) rental = &r;
  const GenerationShip* own = nullptr;
  for (const auto& g : generations)
    if (g.gpu == gpu) own = &g;
  if (!rental || !own) return std::nullopt;
  MarketCurve c{.reference_year = rental->year,
                .reference_rate_usd_per_gpu_hour = rental->usd_per_gpu_hour,
                .annual_decline = annual_decline,
                .generation_step = generation_step,
                .economic_life_years = economic_life_years,
                .used_floor_fraction = used_floor};
  std::vector<double> newer;
  for (const auto& g : generations)
    if (g.year > own->year) newer.push_back(g.year);
  std::sort(newer.begin(), newer.end());
  for (double y : newer)
    if (c.newer_generation_years.empty() || y - c.newer_generation_years.back() >= 0.25)
      c.newer_generation_years.push_back(y);
  return c;
}

namespace {

void read_fabrics(const YAML::Node& fabrics, MarketCatalog& m, Diagnostics& d) {
  for (const auto& node : fabrics) {
    MapReader r(node, "fabric", d);
    Fabric f;
    f.name = r.string("name", Need::required).value_or("?");
    f.networking_usd_per_gpu =
        r.quantity_in("networking_per_gpu", Dimension::money, Need::required, 0, 1e6).value_or(0);
    r.finish();
    m.fabrics.push_back(f);
  }
}

void read_capex(const YAML::Node& capex, MarketCatalog& m, Diagnostics& d) {
  MapReader r(capex, "market capex", d);
  YAML::Node fabric = r.child("fabric", Need::required);
  if (fabric.IsScalar()) {
    m.default_fabric = fabric.Scalar();
    if (!m.find_fabric(m.default_fabric))
      d.error(fabric, "capex fabric '" + m.default_fabric + "' is not among the fabrics (" +
                          m.fabric_names() + ")");
  }
  m.storage_usd_per_gpu =
      r.quantity_in("storage_per_gpu", Dimension::money, Need::required, 0, 1e6).value_or(0);
  m.installation_usd_per_gpu =
      r.quantity_in("installation_per_gpu", Dimension::money, Need::required, 0, 1e6).value_or(0);
  m.spares_fraction =
      r.quantity_in("spares", Dimension::dimensionless, Need::required, 0, 1).value_or(0);
  r.finish();
}

void read_lessor_costs(const YAML::Node& costs, MarketCatalog& m, Diagnostics& d) {
  MapReader r(costs, "market lessor_costs", d);
  m.costs.insurance_fraction_per_year =
      r.quantity_in("insurance", Dimension::dimensionless, Need::required, 0, 1).value_or(0);
  m.costs.asset_management_fraction_per_year =
      r.quantity_in("asset_management", Dimension::dimensionless, Need::required, 0, 1).value_or(0);
  m.costs.repair_usd_per_failure =
      r.quantity_in("repair_per_failure", Dimension::money, Need::required, 0, 1e7).value_or(0);
  m.costs.warranty_months = static_cast<int>(
      r.quantity_in("warranty", Dimension::time, Need::required, 0, 20 * julian_year_s)
              .value_or(0) /
          julian_month_s +
      0.5);
  m.costs.remarketing_fraction =
      r.quantity_in("remarketing", Dimension::dimensionless, Need::required, 0, 1).value_or(0);
  m.costs.repossession_usd_per_gpu =
      r.quantity_in("repossession_per_gpu", Dimension::money, Need::required, 0, 1e6).value_or(0);
  r.finish();
}

void read_generations(const YAML::Node& generations, MarketCatalog& m, Diagnostics& d) {
  for (const auto& node : generations) {
    MapReader r(node, "generation", d);
    GenerationShip g;
    g.gpu = r.string("gpu", Need::required).value_or("?");
    g.year =
        r.quantity_in("ships", Dimension::dimensionless, Need::required, 1990, 2100).value_or(0);
    r.finish();
    m.generations.push_back(g);
  }
}

void read_curve(const YAML::Node& curve, MarketCatalog& m, Diagnostics& d) {
  MapReader r(curve, "market curve", d);
  m.annual_decline =
      r.quantity_in("annual_decline", Dimension::dimensionless, Need::required, 0, 0.99)
          .value_or(0);
  m.generation_step =
      r.quantity_in("generation_step", Dimension::dimensionless, Need::required, 0, 1, true)
          .value_or(1);
  m.economic_life_years =
      r.quantity_in("economic_life", Dimension::time, Need::required, 0, 50 * julian_year_s, true)
          .value_or(6 * julian_year_s) /
      julian_year_s;
  m.used_floor =
      r.quantity_in("used_floor", Dimension::dimensionless, Need::required, 0, 0.99).value_or(0);
  r.finish();
}

// Each rental's GPU must have a release date.
void read_rentals(const YAML::Node& rentals, MarketCatalog& m, Diagnostics& d) {
  for (const auto& node : rentals) {
    MapReader r(node, "rental", d);
    MarketRental x;
    x.gpu = r.string("gpu", Need::required).value_or("?");
    x.year = r.quantity_in("at", Dimension::dimensionless, Need::required, 1990, 2100).value_or(0);
    x.usd_per_gpu_hour =
        r.quantity_in("rate", Dimension::money_per_gpu_time, Need::required, 0, 1, true)
            .value_or(0) *
        3600;
    r.finish();
    const bool shipped = std::any_of(m.generations.begin(), m.generations.end(),
                                     [&](const GenerationShip& g) { return g.gpu == x.gpu; });
    if (!shipped) d.error(node, "rental for '" + x.gpu + "' has no entry in the release calendar");
    m.rentals.push_back(x);
  }
}

} // namespace

MarketCatalog load_market_catalog(const std::string& path) {
  Diagnostics d(path);
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    d.error_unlocated("cannot open the market catalogue");
    d.throw_if_any();
  } catch (const YAML::ParserException& e) {
    d.error(e.mark, "YAML syntax: " + e.msg);
    d.throw_if_any();
  }
  MarketCatalog m;
  m.file = path;
  MapReader top(root, "the market catalogue", d);
  YAML::Node fabrics = top.sequence("fabrics", Need::required);
  YAML::Node capex = top.mapping("capex", Need::required);
  YAML::Node costs = top.mapping("lessor_costs", Need::required);
  YAML::Node generations = top.sequence("generations", Need::required);
  YAML::Node curve = top.mapping("curve", Need::required);
  YAML::Node rentals = top.sequence("rentals", Need::required);
  top.finish();
  if (fabrics.IsDefined()) read_fabrics(fabrics, m, d);
  if (capex.IsDefined()) read_capex(capex, m, d);
  if (costs.IsDefined()) read_lessor_costs(costs, m, d);
  if (generations.IsDefined()) read_generations(generations, m, d);
  if (curve.IsDefined()) read_curve(curve, m, d);
  if (rentals.IsDefined()) read_rentals(rentals, m, d);
  d.throw_if_any();
  return m;
}

const MarketCatalog& default_market_catalog() {
  static const MarketCatalog catalog = load_market_catalog(config_dir() + "/market.yaml");
  return catalog;
}

} // namespace capsim
