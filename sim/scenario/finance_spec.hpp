// The scenario's `finance:` block (lease contracts, purchase vehicles, site costs, solve), typed
// and resolved: names of clusters, sites, leases and vehicles become indices into the scenario's
// vectors; quantities are SI (USD, s, USD per GPU-second, fractions).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "models/credit.hpp"
#include "models/finance.hpp"
#include "models/lease.hpp"
#include "models/market.hpp"
#include "models/residual_value.hpp"
#include "models/tco.hpp"
#include "models/vehicle.hpp"
#include "sim/scenario/yaml_reader.hpp"

#include "models/units.hpp"

namespace capsim {

struct Scenario;

// What a usage-based lease bills: the cluster's busy GPU-hours (any job), the GPU-hours its
// inference jobs held (serving or starting), or the output tokens they served (rate per million).
enum class LeaseUsage { busy_gpu_hours, serving_gpu_hours, output_tokens };

struct LeaseSpec {
  std::string name;
  std::string lessor; // a vehicle's name when a vehicle finances the lease
  std::string lessee;
  std::size_t cluster = 0; // index in Scenario::clusters; the contract covers all its GPUs
  // Per GPU-second; with usage output_tokens, USD per million tokens / 3600 (the lease model's
  // "GPU-hours used" are then millions of tokens).
  double rate_usd_per_gpu_s = 0;
  LeaseCommitment commitment = LeaseCommitment::take_or_pay;
  LeaseUsage usage = LeaseUsage::busy_gpu_hours; // usage_based only
  int start_month = 0; // month index (month = 1/12 Julian year) of the first rent
  int term_months = 0;
  double annual_escalator = lease_parameter::escalator.default_si;
  std::optional<double> purchase_option_usd;
  bool triple_net = true; // the lessee pays the cluster's power and facility costs
};

struct VehicleSpec {
  std::string name;
  std::size_t lease = 0;    // index in FinanceSpec::leases; it buys that lease's cluster
  double gpus_per_unit = 1; // 72 when it buys NVL72 racks
  double price_usd_per_unit = 0;
  // Debt: exactly one of loan_to_cost and principal_usd sizes it (principal / purchases).
  std::optional<double> principal_usd;
  DebtTerms debt{};
  ResidualValueParams residual{};
  bool residual_given = false; // else the market's used price when there is a market
  EndOfTerm end_of_term = EndOfTerm::lessee_choice;
  // All-in capex per GPU (catalogue defaults, configs/market.yaml, unless overridden).
  std::string fabric;
  CapexPerGpu capex{};
  double spares_fraction = 0; // of the GPU/system price
  VehicleFees fees{};
  LessorCosts costs{}; // replacement_usd_per_lost_unit: the unit's price unless given
  bool replacement_given = false;
  // Debt: floating rate, base-rate path given as steps or drawn with the run's seed.
  std::vector<std::pair<int, double>> base_rate_steps; // (from month, rate)
  std::optional<BaseRateModel> base_rate_model;
  // Lessee credit risk: a scheduled default month or a hazard per year drawn with the seed.
  bool credit_risk = false;
  std::optional<int> default_month;
  double default_hazard_per_year = lessee_default_parameter::hazard.default_si;
  int repossession_months = 0;
  DefaultRecovery recovery = DefaultRecovery::re_lease;
  std::optional<MarketCurve> market; // the cluster GPU's market curve (catalogue), if any
};

enum class SiteCostKind { ground, orbital };

struct SiteCostSpec {
  std::size_t site = 0; // index in Scenario::sites
  SiteCostKind kind = SiteCostKind::ground;
  // The TCO models' parameters as the scenario gives them (one of the two, by kind); site_tco()
  // fills in the period, the energy, the useful FLOP and the IT capacity at use.
  GroundTcoParams ground{};   // it_capacity_w 0: the site's fleet at its systems' maximum power
  OrbitalTcoParams orbital{}; // defaults from the orbital site's own sizing
};

enum class SolveParameter {
  lease_rate,
  lease_escalator,
  lease_purchase_option,
  vehicle_debt_rate,
  vehicle_loan_to_cost,
  vehicle_principal,
  vehicle_price_per_unit,
  discount_rate,
};

enum class SolveTarget {
  equity_irr,
  project_irr,
  min_dscr,
  npv_usd,
  total_cost_usd,
  cost_per_eflop_usd,
  lessee_cost_per_eflop_usd,
};

struct SolveSpec {
  bool present = false;
  std::string parameter_path; // as written: finance.leases.xai.rate
  std::string target_path;    // finance.equity_irr, finance.vehicles.apollo.min_dscr, ...
  SolveParameter parameter = SolveParameter::lease_rate;
  std::size_t parameter_index = 0; // lease or vehicle index
  SolveTarget target = SolveTarget::equity_irr;
  std::optional<std::size_t> target_index; // vehicle (or lessee lease) index; none = all
  std::string target_lessee;
  Dimension parameter_dimension = Dimension::dimensionless;
  Dimension target_dimension = Dimension::dimensionless;
  double value = 0; // target value, SI
  double lo = 0, hi = 0;
  double tolerance = 0; // bracket width in the parameter, SI
};

struct FinanceSpec {
  bool present = false;
  std::optional<double> discount_rate; // effective annual, for NPVs
  std::optional<double> start_year;    // calendar date of month 0 (decimal year), for markets
  // GPU capital of a cluster without a lease: its purchase price (the system's price per GPU, or
  // the GPU's) over this straight-line life; in orbit, over min(gpu_life, satellite_life).
  double gpu_life_s = finance_parameter::gpu_life.default_si;
  std::vector<LeaseSpec> leases;
  std::vector<VehicleSpec> vehicles;
  std::vector<SiteCostSpec> site_costs;
  SolveSpec solve;
};

// The lease contract covering cluster `c`, if any.
// The contract as the lease model takes it (a rate per GPU-hour).
LeaseParams lease_params(const LeaseSpec& lease);

// The vehicle's contract as the vehicle model takes it, without what depends on the run (volumes,
// bills, failures) or on draws (base-rate path, default month) or on the market (curves).
VehicleParams vehicle_params(const Scenario& scenario, const FinanceSpec& finance, std::size_t v);

// GPUs or systems plus networking, storage, installation and spares.
double all_in_capex_usd(const VehicleParams& params);

const LeaseSpec* lease_of_cluster(const FinanceSpec& finance, std::size_t cluster);

// Reads top-level `finance:` (if present) into scenario.finance; errors go to diagnostics.
void read_finance_section(MapReader& top, Diagnostics& diagnostics, Scenario& scenario);

} // namespace capsim
