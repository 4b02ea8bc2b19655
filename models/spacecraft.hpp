// Compute satellite sizing (power, mass, cost) and launch deployment.
//
// Equations (per satellite)
//   load         P = n_units P_unit (1 + f_housekeeping)         all of it ends as heat
//   eclipse      T_e = f_e T,  T_d = T - T_e   (design eclipse fraction f_e, orbital period T)
//   array (EOL)  P_eol = P + P T_e / (T_d eta_charge eta_discharge)   (recharge in daylight)
//   array (BOL)  P_bol = P_eol / (1 - d)^life_years; area = P_bol / (eta packing S_design)
//   array mass   P_bol / (specific power)
//   battery      E = P T_e / (DoD eta_discharge); mass = E / (specific energy)
//   radiator     A = P / q_net(T_limit) at the design (sunlit) flux; mass = A x areal mass
//   total mass   M = (M_compute + M_array + M_battery + M_radiator) / (1 - f_structure_bus)
//   cost         satellite (bus, excluding compute hardware) = platform $/W x P_bol. The one
//                platform cost basis everywhere (run outputs, finance defaults): USD per W of
//                beginning-of-life array power, the power subsystem's nameplate, which is what
//                platform price quotes per W refer to (SMAD sec. 20 sizes cost by BOL power).
// Mission-life design (mission_sizing_conditions): a satellite is sized once for its design
//   life, whatever run it then flies in:
//   eclipse      the worst over a full year of beta angles for its orbit. Sun-synchronous: the
//                node keeps its local time, so beta follows the Sun's declination: the year
//                design_reference_date .. + 1 tropical year is sampled hourly (the same set of
//                betas every year to the ephemeris' accuracy). Any other orbit: its node drifts
//                against the Sun (a full cycle in weeks to months), so beta passes through 0
//                during a mission: designed for the longest eclipse, beta = 0.
//                A 2% margin on the fraction (design_eclipse_margin) covers what hourly sampling
//                and year-to-year ephemeris changes can move.
//   array        degraded to end of life: P_bol = P_eol / (1 - d)^(design life in years)
//   radiator     sized at its end-of-life emissivity (coatings darken and crack with UV and
//                atomic oxygen), so that it still rejects the full load at end of life.
// Launch and deployment
//   satellites per launch k = floor(payload / M); launches at first + j interval; each launch
//   fails with probability p (one Bernoulli draw from the rng per launch); satellites lost in a
//   failure are re-flown on the next launch, until the target count is in orbit. Launch cost is
//   the price per kg times the satellite mass flown (failed launches included).
//
// Parameters (SpacecraftParams)
//   compute_units                 count, >= 1   GPUs, servers or racks carried
//   compute_unit_power_w          W, > 0        power of one unit at full load
//   compute_unit_mass_kg          kg, >= 0      mass of one unit with cold plates
//   housekeeping_power_fraction   [0, 1)        bus, links, pumps, as a fraction of compute power
//                                               (default 0.05)
//   array_specific_power_w_per_kg W/kg, > 0     (default 100: roll-out arrays 100-150 W/kg; the
//                                               ISS wing ~28 W/kg)
//   battery_specific_energy_j_per_kg J/kg, > 0  (default 200 Wh/kg; Li-ion 150-250 Wh/kg)
//   battery_depth_of_discharge    (0, 1]        (default 0.4 for LEO cycling)
//   battery_charge_efficiency, battery_discharge_efficiency (0, 1] (default 0.95 each: ~0.9
//                                               round trip)
//   radiator_areal_mass_kg_per_m2 kg/m2, > 0    (default 7.5: deployable 5-10; ISS 14-17.5)
//   structure_bus_mass_fraction   [0, 1)        of the satellite's total mass (default 0.25)
//   platform_cost_usd_per_w       USD/W, >= 0   satellite cost per W of BOL array power
// SizingConditions: design_eclipse_fraction [0, 0.5), orbital_period_s, mission_life_s,
//   array_design_flux_w_per_m2 (default: aphelion, S0/1.0167^2), radiator_design_flux_w_per_m2
//   (default: perihelion, S0/0.9833^2), and the array and radiator technology (their area_m2 is
//   ignored: sizing computes it).
//
// Sources
//   Energy-balance array sizing and battery depth of discharge: J. R. Wertz and W. J. Larson
//   (eds.), Space Mission Analysis and Design, 3rd ed., 1999, sec. 11.4. Specific power and energy
//   ranges: NASA Ames, State-of-the-Art of Small Spacecraft Technology, power chapter (2024).
//   Launch price per kg and the <= $200/kg projection: T. Fischbacher et al., "Towards a future
//   space-based, highly scalable AI infrastructure system design", arXiv:2511.19468, 2025.
#pragma once

#include "models/orbit.hpp"
#include "models/radiator.hpp"
#include "models/solar_array.hpp"

#include <random>
#include <string>
#include <vector>

namespace capsim {

// The spacecraft's scenario parameters (an orbital site's `satellite:` block).
namespace spacecraft_parameter {
inline constexpr Parameter array_specific_power{
    .key = "array_specific_power",
    .dimension = Dimension::specific_power,
    .default_si = 100,
    .min_si = 1,
    .max_si = 1e4,
    .meaning = "array output at beginning of life per kg of array"};
inline constexpr Parameter battery_specific_energy{.key = "battery_specific_energy",
                                                   .dimension = Dimension::specific_energy,
                                                   .default_si = 200 * 3600.0,
                                                   .min_si = 1e4,
                                                   .max_si = 1e7,
                                                   .meaning = "battery energy per kg of battery"};
inline constexpr Parameter depth_of_discharge{
    .key = "depth_of_discharge",
    .default_si = 0.4,
    .min_si = 0.05,
    .max_si = 1,
    .meaning = "share of the battery's energy an eclipse may use (LEO cycling)"};
inline constexpr Parameter round_trip_efficiency{
    .key = "round_trip_efficiency",
    .default_si = 0.9,
    .min_si = 0.5,
    .max_si = 1,
    .meaning = "battery energy out / energy in; charge and discharge each take its square root"};
inline constexpr Parameter radiator_areal_mass{.key = "radiator_areal_mass",
                                               .dimension = Dimension::areal_mass,
                                               .default_si = 7.5,
                                               .min_si = 0.1,
                                               .max_si = 100,
                                               .meaning = "radiator mass per m2 of radiator"};
inline constexpr Parameter housekeeping{
    .key = "housekeeping",
    .default_si = 0.05,
    .min_si = 0,
    .max_si = 1,
    .meaning = "bus, links and pumps, as a share of the compute power"};
inline constexpr Parameter structure_fraction{
    .key = "structure_fraction",
    .default_si = 0.25,
    .min_si = 0,
    .max_si = 0.9,
    .meaning = "structure and bus as a share of the satellite's total mass"};
inline constexpr Parameter cost_per_watt{
    .key = "cost_per_watt",
    .dimension = Dimension::money_per_power,
    .default_si = 0,
    .min_si = 0,
    .max_si = 1e5,
    .meaning =
        "satellite (bus) cost per W of beginning-of-life array power, compute hardware apart"};
inline constexpr Parameter design_life{
    .key = "design_life",
    .dimension = Dimension::time,
    .default_si = 5 * julian_year_s,
    .min_si = 86400,
    .max_si = 50 * julian_year_s,
    .meaning = "life the satellite is sized for (arrays and radiator at end of life)"};
inline constexpr Parameter table[] = {
    array_specific_power,  battery_specific_energy, depth_of_discharge,
    round_trip_efficiency, radiator_areal_mass,     housekeeping,
    structure_fraction,    cost_per_watt,           design_life};
} // namespace spacecraft_parameter

struct SpacecraftParams {
  double compute_units = 1;
  double compute_unit_power_w = 0;
  double compute_unit_mass_kg = 0;
  double housekeeping_power_fraction = spacecraft_parameter::housekeeping.default_si;
  double array_specific_power_w_per_kg = spacecraft_parameter::array_specific_power.default_si;
  double battery_specific_energy_j_per_kg =
      spacecraft_parameter::battery_specific_energy.default_si;
  double battery_depth_of_discharge = spacecraft_parameter::depth_of_discharge.default_si;
  // 0.95 each by default here; a scenario sets both to the square root of its
  // round_trip_efficiency (0.9 by default: 0.9487 each).
  double battery_charge_efficiency = 0.95;
  double battery_discharge_efficiency = 0.95;
  double radiator_areal_mass_kg_per_m2 = spacecraft_parameter::radiator_areal_mass.default_si;
  double structure_bus_mass_fraction = spacecraft_parameter::structure_fraction.default_si;
  double platform_cost_usd_per_w = spacecraft_parameter::cost_per_watt.default_si;
};
std::vector<std::string> validate(const SpacecraftParams& params);

struct SizingConditions {
  double design_eclipse_fraction = 0;
  double orbital_period_s = 0;
  double mission_life_s = 0;
  double array_design_flux_w_per_m2 = solar_constant_w_per_m2 / (1.01671 * 1.01671);
  double radiator_design_flux_w_per_m2 = solar_constant_w_per_m2 / (0.98329 * 0.98329);
  SolarArrayParams array{};
  RadiatorParams radiator{};
};
std::vector<std::string> validate(const SizingConditions& conditions);

struct SatelliteBudget {
  double compute_power_w;
  double load_power_w; // compute + housekeeping; also the heat to reject
  double array_power_eol_w;
  double array_power_bol_w; // at the array design flux
  double array_area_m2;
  double array_mass_kg;
  double battery_energy_j; // nameplate
  double battery_mass_kg;
  double radiator_area_m2; // infinite if the radiator cannot reach its limit in sunlight
  double radiator_mass_kg;
  double compute_mass_kg;
  double structure_bus_mass_kg;
  double total_mass_kg;
  double platform_cost_usd; // excludes compute hardware and launch
};
SatelliteBudget size_satellite(const SpacecraftParams& params, const SizingConditions& conditions);

// An orbit as a design input: no dates, so the design is the same for any run.
struct DesignOrbit {
  double altitude_m = 0;
  bool sun_synchronous = false;
  double ltan_s = 0; // sun-synchronous only: local time of the ascending node
};
// 1 January 2025, 00:00 UTC: the start of the year sampled for sun-synchronous orbits.
inline constexpr UtcDate design_reference_date{.year = 2025, .month = 1, .day = 1};
inline constexpr double design_eclipse_margin = 1.02;
// Worst eclipse fraction over a full year of beta angles (no margin).
double design_eclipse_fraction(const DesignOrbit& orbit);
// Sizing conditions for the design life: design eclipse (with the margin, at most 0.499), the
// array's end-of-life degradation, the radiator at its end-of-life emissivity.
SizingConditions mission_sizing_conditions(const DesignOrbit& orbit, double design_life_s,
                                           const SolarArrayParams& array,
                                           const RadiatorParams& radiator,
                                           double end_of_life_emissivity);

// The launch's scenario parameters with a default (an orbital site's `launch:` block; price and
// payload are required).
namespace launch_parameter {
inline constexpr Parameter interval{.key = "interval",
                                    .dimension = Dimension::time,
                                    .default_si = 7 * 86400.0,
                                    .min_si = 0,
                                    .max_si = 10 * julian_year_s,
                                    .meaning = "time between two launches (the cadence)"};
inline constexpr Parameter failure_probability{
    .key = "failure_probability",
    .default_si = 0,
    .min_si = 0,
    .max_si = 0.99,
    .meaning = "chance that a launch loses its satellites (their launch is paid all the same)"};
inline constexpr Parameter first{.key = "first",
                                 .dimension = Dimension::time,
                                 .default_si = 0,
                                 .min_si = 0,
                                 .max_si = longest_horizon_s,
                                 .meaning = "time of the first launch"};
inline constexpr Parameter price{.key = "price",
                                 .dimension = Dimension::money_per_mass,
                                 .default_si = 0,
                                 .min_si = 0,
                                 .max_si = 1e6,
                                 .meaning = "launch price per kg of payload",
                                 .required = true};
inline constexpr Parameter payload{.key = "payload",
                                   .dimension = Dimension::mass,
                                   .default_si = 1,
                                   .min_si = 1,
                                   .max_si = 1e7,
                                   .meaning = "mass one launch carries (satellites per launch "
                                              "follow)",
                                   .min_exclusive = true,
                                   .required = true};
inline constexpr Parameter table[] = {price, payload, interval, failure_probability, first};
} // namespace launch_parameter

// The fleet's replacement policy (an orbital site's `satellite:` block; `failure_unit` and
// `replacement` are choices).
namespace fleet_parameter {
inline constexpr Parameter spares{.key = "spares",
                                  .default_si = 0,
                                  .min_si = 0,
                                  .max_si = 100'000,
                                  .meaning = "replacement: spares: spare satellites flown beyond "
                                             "the cluster's satellites",
                                  .whole = true};
inline constexpr Parameter table[] = {spares};
} // namespace fleet_parameter

struct LaunchParams {
  double price_usd_per_kg = 0;
  double payload_kg = 0;                                     // per launch, to the operational orbit
  double interval_s = launch_parameter::interval.default_si; // time between launches (cadence)
  double first_launch_s = launch_parameter::first.default_si; // since the scenario epoch
  double failure_probability = launch_parameter::failure_probability.default_si;
};
std::vector<std::string> validate(const LaunchParams& params);

// 0 when one satellite is heavier than a launch can carry.
int satellites_per_launch(const LaunchParams& params, double satellite_mass_kg);

struct Launch {
  double time_s;
  int satellites;
  bool success;
  double cost_usd;
};
struct DeploymentPlan {
  std::vector<Launch> launches;
  int satellites_per_launch; // 0: nothing can be launched (launches is then empty)
  int satellites_in_orbit;
  double launch_cost_usd;
};
DeploymentPlan plan_deployment(const LaunchParams& params, double satellite_mass_kg, int satellites,
                               std::mt19937_64& rng);

// A constellation over its life: the deployment, each launch cohort's end of life (design life
// or radiation dose limit, whichever comes first) and, with replacement at end of life, the
// launches that replace it (planned to fly on the retirement date; a failed one flies again a
// launch interval later, as in the deployment; the replacements retire in their turn).
enum class ReplacementPolicy {
  none,           // satellites retire at end of life and are not replaced
  at_end_of_life, // each retiring satellite is replaced by one launched on its retirement date
  spares,         // N spare satellites fly with the constellation; whatever is lost (failed units,
                  // retirements) is reordered a whole satellite at a time, see spares_to_order
};
const char* to_string(ReplacementPolicy policy);

struct FleetEvent {
  enum class Kind { launch, replacement_launch, retirement } kind;
  double time_s;
  int satellites;
  bool success;        // launches: a failed launch delivers nothing
  double cost_usd;     // launches: launch price x mass flown (failed launches included)
  int first_satellite; // successful launches and retirements: satellites are numbered in the
                       // order they reach orbit; a launch brings first .. first + satellites - 1
  int cohort;          // successful launches and retirements: the launch cohort, numbered in
                       // the order of successful launches
};
struct FleetPlan {
  std::vector<FleetEvent> events; // in time order; at equal times retirements come first
  int satellites_per_launch;      // 0: nothing can be launched (events is then empty)
  int satellites_launched;        // reaching orbit, replacements included
};
// life_s: time from a cohort's launch to its retirement (> 0); events after horizon_s are left
// out. The deployment's draws come first, in the order of plan_deployment, so that a run without
// retirements draws exactly as plan_deployment does.
FleetPlan plan_fleet(const LaunchParams& params, double satellite_mass_kg, int satellites,
                     double life_s, ReplacementPolicy policy, double horizon_s,
                     std::mt19937_64& rng);

// The spares policy: the constellation flies `satellites` working satellites plus `spares`
// spare ones (launched with the deployment, plan_fleet with satellites + spares and policy
// spares, which plans no replacement). Whenever the GPUs in orbit plus those already ordered
// fall a whole satellite's GPUs or more below (satellites + spares) x gpus_per_satellite, the
// shortfall is ordered, in whole satellites:
//   ordered = floor(((satellites + spares) g - in_orbit - on_order) / g), or 0 if negative.
// An order flies one launch interval later, in launches of at most satellites_per_launch; a
// failed launch is ordered again.
int spares_to_order(int satellites, int spares, int gpus_per_satellite, long long gpus_in_orbit,
                    long long gpus_on_order);

// One launch of `satellites` at time_s, drawn as plan_deployment draws (one uniform per launch):
// it costs its mass flown whether it succeeds or not.
Launch fly_launch(const LaunchParams& params, double satellite_mass_kg, int satellites,
                  double time_s, std::mt19937_64& rng);

} // namespace capsim
