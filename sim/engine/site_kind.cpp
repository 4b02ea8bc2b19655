#include "sim/engine/site_kind.hpp"

#include "sim/scenario/scenario.hpp"

namespace capsim {

std::unique_ptr<SiteKindModel> make_ground_site();  // ground_site.cpp
std::unique_ptr<SiteKindModel> make_orbital_site(); // orbital_site.cpp

std::unique_ptr<SiteKindModel> make_site_kind_model(const SiteSpec& spec) {
  switch (spec.kind) {
  case SiteKind::terrestrial:
    return make_ground_site();
  case SiteKind::orbital:
    return make_orbital_site();
  }
  return nullptr;
}

std::vector<std::unique_ptr<SiteKindModel>> make_site_kind_models(const Scenario& scenario) {
  std::vector<std::unique_ptr<SiteKindModel>> kinds;
  for (const SiteSpec& site : scenario.sites)
    kinds.push_back(make_site_kind_model(site));
  return kinds;
}

} // namespace capsim
