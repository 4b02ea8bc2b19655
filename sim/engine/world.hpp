// The simulated world's state and the rules that change it. Processes (actors.cpp) only wire
// these rules to time: they sleep until something is due, then call one World method. Every method
// is O(what changed): no loop over a fleet's hosts on a per-event path.
//
// Power at a site (lazy accounting: integrated piecewise-constantly at each change):
//   IT power     = sum over clusters of  on_hosts x idle_w  +  busy_hosts x dynamic_w x cap
//   facility     = IT x PUE  <=  grid supply
//   idle_w = system idle power; dynamic_w = typical training power - idle power (per host);
//   cap = GPU power cap as a fraction of TDP, common to the site's busy GPUs; a job's speed is
//   multiplied by the GPU's power-cap curve at that cap.
// Policies when supply is short: free (spare) hosts are switched off first; then `cap` lowers
// the cap down to the site's min_power_cap, `shed` does not cap; what still does not fit stops
// the lowest-priority running job (later in the scenario = lower), which waits for power.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <simgrid/s4u.hpp>

#include "models/battery.hpp"
#include "models/checkpoint.hpp"
#include "models/orbit.hpp"
#include "models/power_supply.hpp"
#include "models/radiation.hpp"
#include "models/radiator.hpp"
#include "models/training.hpp"
#include "models/usage.hpp"
#include "models/weather.hpp"
#include "sim/engine/platform.hpp"
#include "sim/engine/serving_state.hpp"
#include "sim/engine/site_kind.hpp"
#include "sim/engine/wake.hpp"
#include "sim/scenario/scenario.hpp"

namespace capsim {

class EventLog;
struct SiteState;
struct ClusterState;

// A unit of `gpus_per_host` GPUs (a server, a rack, a satellite): capsim state only, not a
// SimGrid host, since nothing SimGrid computes runs on it (its power and failures are the
// World's). Ids are in delivery order.
using UnitId = std::uint32_t;

inline constexpr double never = std::numeric_limits<double>::infinity();

enum class JobPhase { pending, waiting, restarting, running, done };

struct JobState {
  const JobSpec* spec = nullptr;
  ClusterState* cluster = nullptr;
  JobPhase phase = JobPhase::pending;
  std::string_view waiting_for; // "hosts" or "power" while waiting (a literal: set per failure)
  std::vector<UnitId> hosts;
  std::size_t hosts_needed = 0;
  std::size_t min_hosts = 0;    // elastic: fewest hosts it runs on
  std::vector<UnitId> awaiting; // recovery `wait`: its failed hosts
  std::string end_reason;       // set when it ends without completing
  double full_rate_flops = 0;   // GPUs x dense peak x MFU, uncapped
  double rate_flops = 0;        // now, with the site's cap
  CheckpointPlan plan;
  CheckpointProgress progress;
  bool measured = false; // checkpoint write/read times measured on the platform
  double read_s = 0;     // reading a checkpoint back (part of every restart)
  // The data-parallel gradient reduction (models/training.hpp, one model on every fabric): its
  // time on the job's fabric (ground: the servers' NICs, analytic; orbit: the inter-satellite
  // ring, SimGrid flows), overlapped with the step's backward; what is not overlapped slows the
  // step. A job whose MFU comes from the step model on the ground has it inside that MFU.
  double collective_s = 0;         // the reduction's whole time on the fabric
  double collective_exposed_s = 0; // its part not overlapped with compute
  ReductionStep reduction;         // compute, overlap, bytes (per node) and buckets of one step
  std::size_t ring_members = 1;    // nodes of the reduction's ring (servers or satellites)
  bool reduction_in_mfu = false;   // the step model's own DP reduction (ground fabric)
  double step_efficiency = 1;      // compute / (compute + exposed collective) per step
  double restart_s = 0;            // overhead + read
  double ready_at_s = never;       // end of the current restart
  double last_s = 0;               // progress integrated up to here
  double committed_flop = 0;
  double lost_flop = 0;
  double perf_fraction = 1;    // running: the power cap's speed (the GPU's power-cap curve)
  double replica_fraction = 1; // running: hosts held / hosts needed (< 1 only when elastic)
  // Where goodput went: the full-allocation rate x time that did not become useful work, by
  // reason (FLOP), and the time before the job's GPUs first existed (not charged).
  struct Losses {
    double checkpoint_writes_flop = 0;
    std::map<std::string, double> lost_work_flop; // work since the last checkpoint, by cause
    double restarts_flop = 0;
    double power_caps_flop = 0;
    double communication_flop = 0; // collective time not overlapped with compute
    double waiting_for_power_flop = 0;
    double waiting_for_hosts_flop = 0; // hosts, repairs, launches; fewer replicas; ended
  } losses;
  double before_gpus_s = 0; // from its start until its cluster first had its minimum GPUs
  double first_start_s = -1;
  double completion_s = -1;
  long long interruptions = 0;
  std::map<std::string, long long> interruptions_by_cause;
  long long checkpoints_reported = 0;
  double wake_at_s = never; // what the job's process sleeps until
  Wake wake;

  double net_flop() const { return committed_flop + progress.uncommitted_flop; }
  std::size_t gpus() const { return static_cast<std::size_t>(spec->gpus); }
};

struct ClusterState {
  const ClusterSpec* spec = nullptr;
  SiteState* site = nullptr;
  std::size_t index = 0;
  std::size_t units = 0;     // hosts the cluster will have (UnitId 0 .. units - 1)
  std::size_t installed = 0; // hosts delivered so far: the first `installed` ids
  std::size_t retired = 0;   // orbital: hosts of satellites retired at end of life (any state)
  struct Arrival {
    enum class Kind { delivery, launch, replacement_launch, retirement } kind;
    double at_s;
    long long gpus;          // delivered (0 for a retirement or a failed launch's would-be GPUs)
    bool success;            // a failed launch delivers nothing
    double cost_usd;         // launches: launch price x mass flown + the satellites' platform cost
    int satellites = 0;      // orbital: launched, or retiring
    int first_satellite = 0; // orbital: the first satellite it brings or retires
    int cohort = -1;         // orbital: its launch cohort (index in SiteState::cohorts)
    bool for_losses = false; // a replacement ordered for GPUs lost before their end of life
    bool launch() const { return kind == Kind::launch || kind == Kind::replacement_launch; }
  };
  std::vector<Arrival> arrivals; // deliveries, or launches and retirements at an orbital site
  // Orbital: hosts (failure units) per satellite; satellite k holds hosts k u .. k u + u - 1.
  std::size_t units_per_satellite = 1;
  std::vector<int> satellite_gpus; // orbital: GPUs each satellite still flies (not lost, retired)
  // Orbital, replacement: spares. Launches ordered during the run (once the deployment has
  // flown) and the retirements of the satellites they bring, by due time; equal times in the
  // order they were added. Their satellites get numbers (and hosts) when they reach orbit.
  std::multimap<double, Arrival> ordered;
  long long gpus_on_order = 0;
  int planned_launches_left = 0;                 // the deployment's launches still to fly
  double satellite_life_s = 0;                   // from launch to retirement
  std::mt19937_64 launch_rng;                    // the deployment's draws, then the orders'
  Wake order_wake;                               // the order process's (orbital replacements)
  std::vector<UnitId> free_on;                   // healthy, unallocated, powered
  std::vector<UnitId> free_off;                  // healthy, unallocated, shed
  std::size_t down = 0;                          // failed, waiting for repair
  std::deque<std::pair<double, UnitId>> repairs; // due time order
  std::size_t busy = 0;                          // hosts of running jobs
  std::size_t held = 0;                          // hosts allocated to any job
  double idle_w = 0;
  double dynamic_w = 0;
  int fabric_tiers = 0; // fat-tree tiers for the cluster's final size (models/facility_power.hpp)
  // The GPUs' speed at the site's power cap (perf_fraction_at_cap), for the cap it was computed
  // for (none yet: NaN).
  double perf_cap = std::numeric_limits<double>::quiet_NaN();
  double perf_at_cap = 1;
  std::vector<JobState*> jobs;        // priority order
  std::vector<ServingState*> serving; // inference jobs on this cluster (hold hosts first)
  std::uint64_t installed_version = 0;
  std::mt19937_64 rng;
  Wake failure_wake, radiation_wake; // both notified when the installed fleet changes
  // accounting
  double installed_gpu_s = 0;
  double available_gpu_s = 0;
  double busy_gpu_s = 0;
  double training_held_gpu_s = 0; // hosts held by training jobs (running, restarting, waiting)
  long long failures = 0;
  long long repairs_done = 0;
  long long lost = 0;                       // failures never repaired
  std::vector<long long> failures_by_cause; // hardware failures, by ClusterSpec::failure_causes

  std::size_t gpus_per_host() const { return static_cast<std::size_t>(spec->gpus_per_host); }
  // As the events name it: "NAME-3" on the ground, "NAME-sat3" in orbit.
  std::string unit_name(UnitId unit) const;
  std::size_t in_service() const { return installed - retired; } // delivered, not retired
  // Fabric, storage and other IT of the GPUs in service (ground; zero in orbit). Kept for the
  // count it was computed for: every rebalance asks, and the count changes only with
  // deliveries and retirements.
  NonGpuItPower non_gpu_it() const;
  mutable std::size_t non_gpu_it_for_ = std::numeric_limits<std::size_t>::max();
  mutable NonGpuItPower non_gpu_it_;
  std::size_t on_hosts() const { return in_service() - down - free_off.size(); }
  std::size_t serving_dark() const { // inference hosts held but unpowered (held and busy)
    std::size_t n = 0;
    for (const ServingState* s : serving)
      n += s->dark_hosts;
    return n;
  }
};

// An orbital site's satellites: those in orbit by launch cohort, what was launched, lost,
// retired and replaced, and what radiation and the downlink did. The World's launch, retirement,
// radiation and downlink rules keep it; the orbital kind reads it (orbital_site.cpp).
struct Constellation {
  int satellites_in_orbit = 0;
  std::vector<std::pair<double, int>> cohorts; // (launch time, satellites still flying) per launch
  double capex_spent_usd = 0; // satellites launched and launch costs, as they happen
  int launches = 0;
  int launch_failures = 0;
  int replacement_launches = 0;         // of `launches`: replacing satellites retired or lost
  double replacement_cost_usd = 0;      // their launch and platform cost (part of capex_spent_usd)
  int loss_replacement_launches = 0;    // of those: ordered for GPUs lost before end of life
  double loss_replacement_cost_usd = 0; // their cost (beyond the constellation's amortisation)
  int satellites_retired = 0;
  RadiationCounts radiation_events{}; // by effect, in radiation_effects' order
  long long downlinks = 0;
  long long downlink_failures = 0;
  double downlinked_bytes = 0;
};

struct SiteState {
  const SiteSpec* spec = nullptr;
  const SitePlatform* platform = nullptr;
  std::vector<ClusterState*> clusters;
  std::vector<JobState*> jobs; // scenario order: earlier = higher priority
  // What its kind owns (sim/engine/site_kind.hpp): how its conditions evolve, its kind's state.
  std::unique_ptr<SiteKindModel> kind;
  simgrid::s4u::MutexPtr transfer_lock; // one checkpoint measurement at a time per site
  // Conditions now (piecewise constant between site events), set by the kind's refresh()
  double price_usd_per_j = 0; // now
  double carbon_kg_per_j = 0; // now
  double grid_w = 0;          // grid power available: capacity, energising, curtailment
  double solar_w = 0;         // on-site solar available
  TurbineFleetState turbines;
  int turbines_in_service = 0;
  bool has_battery = false;
  BatteryParams battery_params; // ground: the scenario's; orbital: one satellite's x in orbit
  BatteryState battery;
  double pue = 1;                   // facility / IT power at this ambient
  double heat_capacity_w = 0;       // IT heat the cooling plant can reject at this ambient
  double fixed_heat_capacity_w = 0; // sites without a cooling model: scenario or fleet-sized
  bool economiser = false;
  double water_m3_per_j = 0;   // per J of IT energy at this ambient
  Constellation constellation; // orbital sites
  // Decisions now
  double cap_fraction = 1;
  std::string_view limit = "power"; // what binds while capped: "power" or "cooling"
  double it_power_w = 0;            // GPU servers + non-GPU IT
  NonGpuItPower non_gpu_it;         // of it, outside the GPU servers: fabric, storage, other
  PowerDispatch dispatch;
  PowerSupplyParams supply_params; // the scenario's (World's constructor); the grid's now
  double next_event_s = never;     // next change of conditions (weather, grid, battery, turbines)
  double wake_at_s = never;        // what the site's process sleeps until
  Wake wake;
  double last_s = 0;
  // accounting
  double it_energy_j = 0;
  double fabric_energy_j = 0; // of it_energy_j
  double storage_energy_j = 0;
  double other_it_energy_j = 0;
  double facility_energy_j = 0;
  double energy_cost_usd = 0; // energy, fuel and demand charges so far
  double peak_facility_w = 0;
  double throttled_gpu_s = 0;
  double busy_gpu_s = 0;
  double shed_gpu_s = 0;
  double water_m3 = 0;
  double economiser_s = 0;
  SupplyLedger ledger;
  double net_flop_reported = 0;

  double facility_power_w() const { return it_power_w * pue; }
  double battery_limit_w() const;        // what the battery can give now (0 at its floor)
  double battery_charge_limit_w() const; // what it can take now (0 when full)
  double available_supply_w() const;     // grid + solar + running turbines + battery now
};

class World {
public:
  // kinds: one per site, in the scenario's order (make_site_kind_models); the World keeps them.
  World(const Scenario& scenario, Platform& platform, EventLog& events,
        std::vector<std::unique_ptr<SiteKindModel>> kinds);

  const Scenario& scenario() const { return scenario_; }
  std::vector<SiteState>& sites() { return sites_; }
  std::vector<ClusterState>& clusters() { return clusters_; }
  std::vector<JobState>& jobs() { return jobs_; }
  std::vector<ServingState>& serving() { return serving_; }
  long long events() const { return events_; }

  // Rules, one per kind of event. `now` is the simulated time of the event.
  void deliver(ClusterState& cluster, long long gpus, double now);
  void failure_candidate(ClusterState& cluster, double now); // thinning: may hit a down host
  void repair_due(ClusterState& cluster, double now);
  // A site's conditions changed (weather tick, grid step or curtailment, battery empty or full,
  // turbines ready): refresh them and rebalance.
  void site_tick(SiteState& site, double now);
  void job_arrives(JobState& job, double now);
  void job_measured(JobState& job, double write_s, double read_s, double now);
  void job_wakes(JobState& job, double now);
  // An inference job's demand step or a scale-up becoming ready (sim/engine/serving.cpp):
  // integrates, decides its replicas, takes or gives back hosts, and refreshes its service.
  void serving_tick(ServingState& serving, double now);

  // Brings a site's integrals (energy, GPU-hours) and its jobs' progress up to `now`.
  void advance(SiteState& site, double now);
  // Brings everything to the horizon.
  void finish(double horizon_s);
  // Cumulative usage at `now` (call after advancing every site to `now`).
  UsageSnapshot snapshot(double now) const;
  // Snapshots taken at jobs' first starts and completions (every site advanced to that time).
  const std::vector<UsageSnapshot>& marks() const { return marks_; }

  double failure_rate_per_s(const ClusterState& cluster) const;
  // Radiation: a transient error hits a GPU (orbital sites); rate per installed GPU.
  void radiation_event(ClusterState& cluster, double now);
  double radiation_rate_per_s(const ClusterState& cluster) const;
  // Interruptions a job sees per second: hardware failures and, in orbit, radiation transients.
  double job_interruption_rate_per_s(const JobState& job) const;
  void arrival(ClusterState& cluster, const ClusterState::Arrival& arrival, double now);
  // Orbital: satellites reach the end of their life; jobs on them restart elsewhere.
  void retire(ClusterState& cluster, const ClusterState::Arrival& retirement, double now);
  // An orbital site's battery limits for the satellites now in orbit: their capacity, their
  // charge power (the arrays at beginning of life) and their discharge rating
  // (discharge_rating_for_load_w, models/battery.hpp). The charge itself is the caller's.
  static void size_satellite_batteries(SiteState& site);
  // Orbital: GPUs on the satellites in orbit (launched, not retired, not lost for good).
  long long gpus_in_orbit(const ClusterState& cluster) const;
  // Orbital, replacement: spares: orders what the constellation lacks (models/spacecraft.hpp,
  // spares_to_order); `for_losses` when GPUs were lost before their end of life.
  void order_replacements(ClusterState& cluster, double now, bool for_losses);
  // The earliest ordered launch or retirement is due: it happens.
  void ordered_event(ClusterState& cluster, double now);
  void job_collective(JobState& job, double collective_s);
  void downlink_done(SiteState& site, double bytes, bool ok, double now);
  // An exponential draw with mean 1 from the cluster's own random stream.
  double draw_exponential(ClusterState& cluster);

  // The end of the run (after the last row): no process runs after it.
  void stop();
  bool stopping() const { return stopping_; }

  // The run's profile: wall time spent in the rules themselves, up to the moment each hands its
  // effects to the engine (callers bracket their calls; flush() stops the clock).
  void rule_begins() {
    rule_started_ = std::chrono::steady_clock::now();
    rule_open_ = true;
  }
  void rule_ends() {
    if (!rule_open_) return;
    rules_wall_s_ +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - rule_started_).count();
    rule_open_ = false;
  }
  double rules_wall_s() const { return rules_wall_s_; }

private:
  void notify(Wake& wake);
  void notify_fleet_changed(ClusterState& cluster); // the failure and radiation processes
  void flush(); // applies queued effects; every public rule ends with it

  struct PowerTotals {
    double fixed_w = 0;            // idle power of every host allocated to a job
    double running_dynamic_w = 0;  // training power above idle of running jobs, uncapped
    double reserved_dynamic_w = 0; // the same including jobs that are restarting
  };
  PowerTotals power_totals(const SiteState& site) const;
  double floor_cap(const SiteState& site) const;   // deepest cap the site's policy allows
  double it_budget_w(const SiteState& site) const; // min(supply / PUE, heat capacity)
  void refresh_conditions(SiteState& site, double now) { site.kind->refresh(site, now, log_); }
  void dispatch_supply(SiteState& site, double now); // after IT power is decided
  double wished_it_power_w(const SiteState& site) const;
  void integrate_supply(SiteState& site, double dt_s);
  double next_condition_change_s(const SiteState& site, double now) const;
  void advance_job(JobState& job, double now);
  void interrupt(JobState& job, double now, const std::string& cause,
                 const std::string& where = "");
  // A failed host out of service (repair queued, or lost for good) and its failure row.
  void host_down(ClusterState& cluster, UnitId host, const std::string& unit,
                 const std::string& cause_name, const JobState* hit, bool permanent, double now);
  // A transient error on the on_index-th powered host (free hosts first, then jobs' hosts).
  void transient_hit(ClusterState& cluster, std::size_t on_index, const std::string& cause,
                     double now);
  void release_hosts(JobState& job);
  bool can_gather_minimum(const JobState& job, double now) const;
  std::size_t preempt_for(JobState& job, std::size_t hosts, double now);
  void end_job(JobState& job, double now);
  void fill_and_start(JobState& job, double now);
  void start_running(JobState& job, double now);
  // A site's decisions after any change: which jobs run, the GPU power cap, which spare hosts
  // are on (models/power_policy: decide_power), the IT power, then the supply's dispatch.
  void rebalance(SiteState& site, double now);
  PowerTotals admit_waiting(SiteState& site, double budget_w, double floor, double now);
  PowerTotals stop_until_fits(SiteState& site, PowerTotals p, double budget_w, double floor,
                              double now);
  void switch_spares(SiteState& site, std::span<const std::size_t> want_on, double now);
  void set_it_power(SiteState& site, double capped_dynamic_w);
  void apply_cap(SiteState& site, double cap, double now);
  void set_wake(JobState& job, double at_s);
  void plan_checkpoints(JobState& job);
  void mark(double now); // a snapshot for the cost windows, every site advanced to now
  // The job's data-parallel reduction: its step's compute and overlap, and on the ground its
  // time on the servers' NICs (in orbit, job_collective() brings the measured time).
  void plan_reduction(JobState& job);
  void set_reduction(JobState& job, double collective_s);
  // Inference jobs (sim/engine/serving.cpp).
  void init_serving();
  void advance_serving(SiteState& site, double now);
  void refresh_serving(SiteState& site, double now); // after rebalance: cap and replicas
  void refresh_one(ServingState& serving, double now);
  // The serving job holding the host at index `u` past the training jobs' hosts, if any;
  // takes the host out of it (down, given back at repair). Returns nullptr when u is past it.
  ServingState* serving_host_failed(ClusterState& cluster, std::size_t& u, UnitId& host,
                                    double now);
  bool serving_host_repaired(ClusterState& cluster, UnitId host);
  // Orbital serving: ground-station contact now and its next edge; power (every replica lit at
  // the start of a rebalance, then, once training is stopped, hosts darkened while the supply
  // cannot carry them); retiring satellites' hosts taken out (returns how many).
  void update_contact(ServingState& serving, double now);
  void light_serving(SiteState& site);
  PowerTotals darken_serving(SiteState& site, double budget_w, double floor, double now);
  std::size_t serving_retire(ClusterState& cluster, const std::function<bool(UnitId)>& retiring,
                             double now);
  std::size_t acquire_for_serving(ServingState& serving, std::size_t hosts, double now);

  const Scenario& scenario_;
  Platform& platform_;
  EventLog& log_;
  std::vector<SiteState> sites_;
  std::vector<ClusterState> clusters_;
  std::vector<JobState> jobs_;
  std::vector<ServingState> serving_;
  std::vector<UsageSnapshot> marks_;
  std::deque<Wake*> effects_; // wake-ups, in order
  long long events_ = 0;
  std::chrono::steady_clock::time_point rule_started_{};
  bool rule_open_ = false;
  double rules_wall_s_ = 0;
  bool stopping_ = false;
};

} // namespace capsim
