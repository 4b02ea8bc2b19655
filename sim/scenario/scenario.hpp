// The typed scenario: what a YAML file says once units are parsed (SI inside) and every
// reference is resolved. Produced only by load_scenario(); the simulator never sees YAML.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "models/battery.hpp"
#include "models/checkpoint.hpp"
#include "models/cooling.hpp"
#include "models/facility_power.hpp"
#include "models/failure.hpp"
#include "models/gpu.hpp"
#include "models/parameter.hpp"
#include "models/power_policy.hpp"
#include "models/power_schedule.hpp"
#include "models/power_supply.hpp"
#include "models/training.hpp"
#include "models/units.hpp"
#include "models/weather.hpp"
#include "sim/scenario/finance_spec.hpp"
#include "sim/scenario/inference_spec.hpp"
#include "sim/scenario/site_orbital.hpp"
#include "sim/scenario/sweep_spec.hpp"

namespace capsim {

enum class SiteKind { terrestrial, orbital };

enum class WeatherKind { none, constant, synthetic, csv };

struct WeatherSpec {
  WeatherKind kind = WeatherKind::none;
  std::string source; // profile name or CSV path, for the summary
  double constant_k = 0;
  WeatherParams synthetic;            // kind == synthetic
  std::vector<WeatherSample> samples; // kind == csv, times relative to the file's origin
  // Where the scenario's t = 0 falls in the profile.
  double time_of_year_at_start_s = weather_parameter::time_of_year_at_start.default_si;
  std::vector<Heatwave> heatwaves;
};

// An hourly input read from a CSV (time_s or time_utc rows): sample time - start_s = run time.
struct HourlyFile {
  std::string path;
  std::vector<SeriesSample> samples; // SI values
  double start_s = 0;
};

// A date drawn once per replication: triangular between min_s and max_s, most likely mode_s.
struct TriangularTime {
  double min_s = 0;
  double mode_s = 0;
  double max_s = 0;
};

struct SiteSpec {
  std::string name;
  SiteKind kind = SiteKind::terrestrial;
  GridSchedule grid; // capacity steps (the first at 0 s), curtailment windows, daily rule
  double pue = 1.3;  // facility power / IT power, when no cooling model is given
  double energy_price_usd_per_j =
      site_power_parameter::energy_price.default_si; // grid energy price
  std::optional<HourlyFile> energy_price_file;       // hourly prices instead of the constant
  double grid_carbon_kg_per_j =
      site_power_parameter::grid_carbon_intensity.default_si; // grid carbon intensity
  std::optional<HourlyFile> grid_carbon_file;   // hourly intensity instead of the constant
  std::optional<TriangularTime> grid_energised; // a drawn energisation (grid.steps: mode)
  std::string turbine_fuel;                     // configs/fuels.yaml name; "" = none given
  TurbineStartPolicy turbine_policy = TurbineStartPolicy::bridge_with_battery;
  ChargeFrom charge_from;         // sources that may charge the battery
  double cooling_capacity_w = 0;  // IT heat the site can reject; 0 = sized to the fleet
  bool has_cooling_model = false; // PUE and heat-rejection capacity from `cooling` + weather
  CoolingParams cooling;
  WeatherSpec weather;
  TurbineParams turbines; // units == 0: none
  bool has_battery = false;
  BatteryParams battery;
  double battery_initial_soc = battery_parameter::initial_state_of_charge.default_si;
  // Battery policy peak_shaving: hold the grid draw to this (+infinity: merit order only).
  double peak_shaving_target_w = std::numeric_limits<double>::infinity();
  double demand_charge_usd_per_w_month =
      site_power_parameter::demand_charge.default_si; // on each billing month's peak grid draw
  // Battery policy arbitrage: charge from the grid at or below one price, carry the load at or
  // above another (models/power_supply.hpp).
  Arbitrage arbitrage;
  double solar_capacity_w = 0; // peak output of an on-site array (clear-sky daily profile)
  PowerPolicy power_policy = PowerPolicy::cap;
  // Deepest GPU power cap the cap policy uses, fraction of TDP.
  double min_cap_fraction = power_policy_parameter::min_power_cap.default_si;
  OrbitalSpec orbital;         // kind == orbital
  SatelliteBudget satellite{}; // kind == orbital: one satellite, sized at load
  int satellites = 0;          // kind == orbital: in the constellation once all are launched
  // The site's checkpoint storage link.
  double storage_bytes_per_s = storage_parameter::bandwidth.default_si;
  double storage_latency_s = storage_parameter::latency.default_si;
  double capex_usd = 0;
};

struct Delivery {
  double at_s = 0;
  long long gpus = 0;
};

struct ClusterSpec {
  std::string name;
  std::string site;
  GpuSpec gpu;
  SystemSpec system;
  NonGpuItParams non_gpu_it; // fabric, storage and other IT outside the systems (ground only)
  int gpus_per_host = 8;     // simulation granularity: a host is this many GPUs that fail together
  std::vector<Delivery> deliveries; // sorted by time
  long long total_gpus = 0;
  double lease_usd_per_gpu_s = 0; // take-or-pay on installed GPUs
  double failure_rate_per_gpu_s = failure_parameter::rate.default_si;
  double repair_time_s = failure_parameter::repair_time.default_si; // orbit: never by default
  // Share of failures never repaired (in orbit, where nothing is repaired by default, all are).
  double permanent_fraction = failure_parameter::permanent_fraction.default_si;
  std::vector<FailureCause> failure_causes; // one "failure" cause, or a profile's
  int satellites = 0;                       // at an orbital site: deliveries by launch
  // At an orbital site: GPUs per satellite (the YAML's gpus_per_host); gpus_per_host is then the
  // site's failure unit (1 GPU or a board), the simulation's unit.
  int gpus_per_satellite = 0;
};

struct CheckpointSpec {
  double interval_s = 0; // 0: Young/Daly from the job's failure rate and write time
  double size_bytes = 0; // whole job state written per checkpoint
  // Scheduling, process start, NCCL init (the read is simulated).
  double restart_overhead_s = checkpoint_parameter::restart.default_si;
  // Asynchronous: the job pauses only to copy its state to host memory (snapshot_bytes_per_s
  // per GPU); the write to storage overlaps the next compute window.
  bool async = false;
  double snapshot_bytes_per_s = checkpoint_parameter::snapshot_bandwidth.default_si; // per GPU
};

struct JobSpec {
  std::string name;
  std::string cluster;
  long long gpus = 0;
  double start_s = 0;
  double parameters = 0; // model parameters N
  double tokens = 0;     // training tokens D
  double total_flop = 0; // 6 N D (infinite for a backlog)
  bool backlog = false;  // `tokens: backlog`: always has work, runs to the horizon
  double mfu = training_job_parameter::mfu.default_si;
  double global_batch_tokens = 0;
  int microbatches = 1; // without the step model: per replica per step (gradient accumulation)
  CheckpointSpec checkpoint;
  // After a hardware failure: `spare` restarts on a free host (or waits for one), `wait` waits
  // for the failed host's repair, `elastic` restarts with fewer data-parallel replicas down to
  // min_gpus. A job that can never again gather its minimum ends, and says so.
  enum class Recovery { spare, wait, elastic } recovery = Recovery::spare;
  long long min_gpus = 0; // elastic: the smallest size it runs at (default: gpus)
  int priority = 0;       // higher runs first and may preempt lower; ties: file order
  // With the model's architecture (layers, hidden, ...), the step model gives the MFU.
  bool uses_step_model = false;
  TransformerSpec transformer;
  SearchSpace parallel; // fixed degrees; the others are searched
  StepResult step;      // the chosen configuration's step
  ParallelConfig step_config;
  std::string mfu_source = "default";
};

// Keys that belong to no model: the scenario's, a site's, a cluster's and a job's own, read by
// the loader (sim/scenario/loader.cpp) with these declarations and listed in docs/parameters.md.
// Beyond the guards (a horizon of 50 years, models/units.hpp's longest_horizon_s; 1e8 GPUs per
// cluster) a value is a typo, not a plan.
inline constexpr double scenario_max_gpus = 1e8;

namespace scenario_parameter {
inline constexpr Parameter seed{.key = "seed",
                                .default_si = 1,
                                .min_si = 0,
                                .max_si = 9'007'199'254'740'992.0, // 2^53: exact as a double
                                .meaning = "random seed of every stochastic model (failures, "
                                           "demand, weather draws)",
                                .whole = true};
inline constexpr Parameter horizon{.key = "horizon",
                                   .dimension = Dimension::time,
                                   .min_si = 0,
                                   .max_si = longest_horizon_s,
                                   .meaning = "simulated time from t = 0",
                                   .min_exclusive = true,
                                   .required = true};
inline constexpr Parameter table[] = {seed, horizon};
} // namespace scenario_parameter

namespace site_parameter {
inline constexpr Parameter capex{.key = "capex",
                                 .dimension = Dimension::money,
                                 .default_si = 0,
                                 .min_si = 0,
                                 .max_si = 1e13,
                                 .meaning = "the site's capital cost (buildings, power, cooling), "
                                            "for the cost summary"};
inline constexpr Parameter table[] = {capex};
} // namespace site_parameter

namespace cluster_parameter {
inline constexpr Parameter gpus_per_host{
    .key = "gpus_per_host",
    .default_si = 8,
    .min_si = 1,
    .max_si = 1'000'000,
    .meaning = "GPUs that fail and are scheduled together (in orbit: GPUs per satellite)",
    .whole = true,
    .default_from = "the system's GPUs (8 without a system)"};
inline constexpr Parameter satellites{.key = "satellites",
                                      .default_si = 1,
                                      .min_si = 1,
                                      .max_si = 100'000,
                                      .meaning = "at an orbital site: satellites launched, each "
                                                 "with gpus_per_host GPUs",
                                      .whole = true,
                                      .required = true};
inline constexpr Parameter table[] = {gpus_per_host, satellites};
} // namespace cluster_parameter

namespace delivery_parameter {
inline constexpr Parameter at{.key = "at",
                              .dimension = Dimension::time,
                              .min_si = 0,
                              .max_si = longest_horizon_s,
                              .meaning = "when the GPUs are installed (in time order)",
                              .required = true};
inline constexpr Parameter gpus{.key = "gpus",
                                .default_si = 1,
                                .min_si = 1,
                                .max_si = scenario_max_gpus,
                                .meaning = "GPUs delivered, a whole number of hosts",
                                .whole = true,
                                .required = true};
inline constexpr Parameter table[] = {at, gpus};
} // namespace delivery_parameter

namespace cluster_lease_parameter {
inline constexpr Parameter rate{.key = "rate",
                                .dimension = Dimension::money_per_gpu_time,
                                .min_si = 0,
                                .max_si = 1,
                                .meaning = "take-or-pay rent on the installed GPUs",
                                .required = true};
inline constexpr Parameter table[] = {rate};
} // namespace cluster_lease_parameter

namespace job_parameter {
inline constexpr Parameter gpus{.key = "gpus",
                                .default_si = 1,
                                .min_si = 1,
                                .max_si = scenario_max_gpus,
                                .meaning = "GPUs the job runs on, a whole number of hosts",
                                .whole = true,
                                .default_from = "the whole cluster"};
inline constexpr Parameter start{.key = "start",
                                 .dimension = Dimension::time,
                                 .default_si = 0,
                                 .min_si = 0,
                                 .max_si = longest_horizon_s,
                                 .meaning = "earliest time the job may start"};
inline constexpr Parameter priority{.key = "priority",
                                    .default_si = 0,
                                    .min_si = -1'000'000,
                                    .max_si = 1'000'000,
                                    .meaning = "higher runs first and may preempt lower; ties: "
                                               "file order",
                                    .whole = true};
inline constexpr Parameter min_gpus{.key = "min_gpus",
                                    .default_si = 1,
                                    .min_si = 1,
                                    .max_si = scenario_max_gpus,
                                    .meaning = "recovery: elastic: the smallest size the job "
                                               "runs at, a whole number of hosts",
                                    .whole = true,
                                    .default_from = "the job's gpus"};
inline constexpr Parameter table[] = {gpus, start, priority, min_gpus};
} // namespace job_parameter

namespace job_model_parameter {
inline constexpr Parameter parameters{.key = "parameters",
                                      .min_si = 1e3,
                                      .max_si = 1e16,
                                      .meaning = "model parameters N, without the architecture "
                                                 "(layers, hidden, ...)",
                                      .required = true};
inline constexpr Parameter tokens{.key = "tokens",
                                  .min_si = 1,
                                  .max_si = 1e18,
                                  .meaning = "training tokens D (or `backlog`: always has work, "
                                             "runs to the horizon)",
                                  .required = true};
inline constexpr Parameter table[] = {parameters, tokens};
} // namespace job_model_parameter

// The run's outputs (its `outputs:` block): how often each site's time series is sampled.
namespace output_parameter {
inline constexpr Parameter interval{.key = "interval",
                                    .dimension = Dimension::time,
                                    .default_si = 3600,
                                    .min_si = 1,
                                    .max_si = longest_horizon_s,
                                    .meaning = "time-series step: one row per site per interval "
                                               "(at most 5e6 rows per site over the horizon)"};
inline constexpr Parameter table[] = {interval};
} // namespace output_parameter

struct Scenario {
  std::string name;
  std::string file;
  std::uint64_t seed = 1;
  double horizon_s = 0;
  double output_interval_s = output_parameter::interval.default_si;
  std::optional<double> epoch_unix_s; // `epoch`: t = 0 as seconds since 1970-01-01T00:00:00Z
  std::vector<SiteSpec> sites;
  std::vector<ClusterSpec> clusters;
  std::vector<JobSpec> jobs;
  std::vector<InferenceSpec> inference; // `kind: inference` jobs, in file order
  FinanceSpec finance;                  // sim/scenario/finance_spec.hpp
  SweepSpec sweep;                      // sim/scenario/sweep_spec.hpp
};

struct Override {
  std::string path;  // dotted keys; list items by name: sites.memphis.grid.capacity
  std::string value; // YAML scalar or flow text
};

} // namespace capsim
