#include "models/tco.hpp"

#include <doctest/doctest.h>

#include <stdexcept>

using namespace capsim;

TEST_CASE("tco: cost per EFLOP and per training run") {
  CHECK(cost_per_eflop_usd(1e6, 1e21) == doctest::Approx(1000.0).epsilon(1e-15));
  CHECK(cost_per_training_run_usd(1e9, 1e27, 3e26) == doctest::Approx(3e8).epsilon(1e-15));
  // More useful FLOP at the same cost must lower the cost per EFLOP.
  CHECK(cost_per_eflop_usd(1e9, 2e26) < cost_per_eflop_usd(1e9, 1e26));
}

TEST_CASE("tco: a ground site reduces to cost per useful EFLOP") {
  // 100 MW of IT at 10.7 M USD/MW (press), 8 US cents/kWh (EIA industrial range), PUE 1.3,
  // WUE 0.38 L/kWh (press), one year at full load.
  const double it_power_w = 100e6;
  const double it_energy_j = it_power_w * julian_year_s;
  GroundTcoParams site{.it_capacity_w = it_power_w,
                       .facility_capex_usd_per_w = 10.7,
                       .facility_life_s = 15 * julian_year_s,
                       .hardware_capex_usd = 3.0e9,
                       .hardware_life_s = 5 * julian_year_s,
                       .it_energy_j = it_energy_j,
                       .pue = 1.3,
                       .electricity_usd_per_j = 0.08 / kJoulesPerKwh,
                       .maintenance_fraction_per_year = 0.02,
                       .wue_m3_per_j = 0.38e-3 / kJoulesPerKwh,
                       .water_usd_per_m3 = 2.0,
                       .useful_flop = 1e26};
  const TcoBreakdown tco = ground_tco(site);
  CHECK(tco.facility_usd == doctest::Approx(1.07e9 / 15).epsilon(1e-12));
  CHECK(tco.hardware_usd == doctest::Approx(6e8).epsilon(1e-12));
  // 100 MW * 8766 h * 1.3 * 0.08 USD/kWh = 91.2 M USD
  CHECK(tco.energy_usd == doctest::Approx(1e5 * 8766 * 1.3 * 0.08).epsilon(1e-12));
  CHECK(tco.water_usd == doctest::Approx(1e5 * 8766 * 0.38e-3 * 2.0).epsilon(1e-12));
  CHECK(tco.maintenance_usd == doctest::Approx(0.02 * (1.07e9 + 3e9)).epsilon(1e-12));
  CHECK(tco.total_usd == doctest::Approx(tco.facility_usd + tco.hardware_usd + tco.energy_usd +
                                         tco.water_usd + tco.maintenance_usd));
  CHECK(tco.cost_per_eflop_usd == doctest::Approx(tco.total_usd / 1e8).epsilon(1e-12));
  site.useful_flop = 2e26;
  CHECK(ground_tco(site).cost_per_eflop_usd == doctest::Approx(tco.cost_per_eflop_usd / 2));
  site.pue = 0.9;
  CHECK(validate(site).size() == 1);
  CHECK_THROWS_AS(ground_tco(site), std::invalid_argument);
}

TEST_CASE("tco: an orbital constellation reduces to cost per useful EFLOP") {
  // 27 kW satellites of ~740 kg (whole satellites 36-49 W/kg, press) at 1,500 USD/kg (heavy
  // launcher, press); the cost figures are illustrative inputs, the check is the arithmetic.
  OrbitalTcoParams fleet{.period_s = julian_year_s,
                         .satellites = 100,
                         .satellite_power_w = 27e3,
                         .satellite_cost_usd_per_w = 100,
                         .compute_hardware_usd_per_satellite = 1e6,
                         .satellite_mass_kg = 740,
                         .launch_usd_per_kg = 1500,
                         .satellite_life_s = 5 * julian_year_s,
                         .annual_replacement_fraction = 0.02,
                         .ground_segment_usd = 5e6,
                         .insurance_fraction = 0.05,
                         .useful_flop = 1e24};
  const TcoBreakdown tco = orbital_tco(fleet);
  const double unit = 27e3 * 100 + 1e6, launch = 740 * 1500.0;
  CHECK(tco.satellite_usd == doctest::Approx(100 * unit / 5).epsilon(1e-12));
  CHECK(tco.launch_usd == doctest::Approx(100 * launch / 5).epsilon(1e-12));
  CHECK(tco.insurance_usd == doctest::Approx(0.05 * 100 * (unit + launch) / 5).epsilon(1e-12));
  CHECK(tco.replacement_usd == doctest::Approx(2 * 1.05 * (unit + launch)).epsilon(1e-12));
  CHECK(tco.total_usd == doctest::Approx(tco.satellite_usd + tco.launch_usd + tco.insurance_usd +
                                         tco.replacement_usd + 5e6 / 5));
  CHECK(tco.ground_segment_usd == doctest::Approx(5e6 / 5).epsilon(1e-12)); // over the life
  CHECK(tco.energy_usd == 0.0);
  // Cheaper launch lowers the cost per EFLOP by exactly the launch share.
  fleet.launch_usd_per_kg = 200; // mid-2030s projection (press)
  const TcoBreakdown cheap = orbital_tco(fleet);
  CHECK(cheap.cost_per_eflop_usd < tco.cost_per_eflop_usd);
  CHECK(tco.total_usd - cheap.total_usd ==
        doctest::Approx(100 * 740 * 1300.0 * 1.05 * (1.0 / 5 + 0.02)).epsilon(1e-12));
}
