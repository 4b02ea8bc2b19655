#include "sim/scenario/budget.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <unistd.h>

#include "models/orbit.hpp"
#include "models/radiation.hpp"
#include "models/spacecraft.hpp"
#include "models/units.hpp"
#include "models/usage.hpp"
#include "sim/scenario/diagnostics.hpp"

namespace capsim {

namespace {

// Per simulated host, measured with engine.memory (README, Performance): a server or rack is a
// few bytes of capsim state (4.6 B in bench-200k; 16 B allows for jobs' host lists); a
// satellite also carries its probe host, inter-satellite link and route in SimGrid (2,124 B each
// from 400 to 3,200 satellites; 2.2 kB here).
constexpr double bytes_per_ground_host = 16;
constexpr double bytes_per_satellite = 2200;
constexpr double process_bytes = 50e6; // binary, libraries, buffers: 42 MB at 10,000 GPUs
constexpr double day_s = 86400;

const SiteSpec* site_of(const Scenario& s, const std::string& name) {
  for (const auto& site : s.sites)
    if (site.name == name) return &site;
  return nullptr;
}

} // namespace

double WorkEstimate::engine_events() const {
  return failures + repairs + transients + restarts + other_events;
}

double WorkEstimate::total_events() const {
  return engine_events() + site_changes + rows;
}

WorkEstimate estimate_work(const Scenario& s) {
  WorkEstimate e;
  const double horizon_s = s.horizon_s;
  for (const auto& site : s.sites) {
    e.hosts += 4; // controller, gateway, storage, relay or ground
    bool hourly = site.weather.kind != WeatherKind::none || site.solar_capacity_w > 0;
    if (hourly) e.site_changes += horizon_s / 3600;
    if (site.grid.daily.active()) e.site_changes += 2 * horizon_s / day_s;
    e.site_changes +=
        static_cast<double>(site.grid.steps.size() + 2 * site.grid.curtailments.size());
    if (site.kind == SiteKind::orbital) {
      double period_s = orbital_period_s(site.orbital.orbit.altitude_m);
      double orbits = period_s > 0 ? horizon_s / period_s : 0;
      e.site_changes += 2 * orbits; // eclipse entry and exit, at most once per orbit
      e.site_changes += static_cast<double>(site.orbital.stations.size()) * orbits; // passes
    }
  }
  for (const auto& c : s.clusters) {
    const SiteSpec* site = site_of(s, c.site);
    double gpu_s = 0;
    if (c.satellites > 0 || c.deliveries.empty()) {
      gpu_s = static_cast<double>(c.total_gpus) * horizon_s; // by launch: at most all along
    } else {
      for (const auto& d : c.deliveries)
        gpu_s += static_cast<double>(d.gpus) * std::max(0.0, horizon_s - d.at_s);
    }
    double hosts = static_cast<double>(c.total_gpus) / std::max(1, c.gpus_per_host);
    e.hosts += hosts;
    // In orbit a host is a failure unit (a GPU or a board) and each satellite adds its probe.
    e.host_bytes += hosts * bytes_per_ground_host + c.satellites * bytes_per_satellite;
    double hardware_rate = 0, transient_rate = 0;
    if (c.failure_causes.empty()) {
      hardware_rate = c.failure_rate_per_gpu_s;
    } else {
      for (const auto& cause : c.failure_causes)
        (cause.kind == FailureKind::transient ? transient_rate : hardware_rate) +=
            cause.rate_per_gpu_s;
    }
    if (site && site->kind == SiteKind::orbital)
      transient_rate += total_event_rate_per_s(site->orbital.radiation);
    double failures = hardware_rate * gpu_s;
    double transients = transient_rate * gpu_s;
    e.failures += failures;
    if (std::isfinite(c.repair_time_s)) e.repairs += failures * (1 - c.permanent_fraction);
    e.transients += transients;
    double job_gpus = 0;
    for (const auto& j : s.jobs)
      if (j.cluster == c.name) {
        job_gpus += static_cast<double>(j.gpus);
        e.other_events += 3; // arrival, first start, completion
      }
    double job_share =
        c.total_gpus > 0 ? std::min(1.0, job_gpus / static_cast<double>(c.total_gpus)) : 0;
    e.restarts += job_share * (failures + transients);
    e.other_events += static_cast<double>(c.deliveries.size());
    if (site && site->kind == SiteKind::orbital && c.satellites > 0) {
      int per_launch = satellites_per_launch(site->orbital.launch, site->satellite.total_mass_kg);
      e.other_events += per_launch > 0 ? std::ceil(c.satellites / static_cast<double>(per_launch))
                                       : static_cast<double>(c.satellites);
    }
  }
  for (const InferenceSpec& j : s.inference) // one rule per demand step of each inference job
    e.other_events += std::ceil(std::max(0.0, horizon_s - j.start_s) / j.demand.step_s);
  e.rows = (s.output_interval_s > 0 ? std::floor(horizon_s / s.output_interval_s) + 1 : 0) +
           std::ceil(horizon_s / julian_month_s);
  e.memory_bytes = process_bytes + e.host_bytes;
  return e;
}

double default_memory_budget_bytes() {
  long pages = ::sysconf(_SC_PHYS_PAGES);
  long page_size = ::sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0) return 16e9;
  return 0.8 * static_cast<double>(pages) * static_cast<double>(page_size);
}

void check_budget(const Scenario& s, const WorkBudget& budget) {
  WorkEstimate e = estimate_work(s);
  double max_memory =
      budget.max_memory_bytes > 0 ? budget.max_memory_bytes : default_memory_budget_bytes();
  auto parts = [&] {
    return fmt::format("{:.3g} failures, {:.3g} repairs, {:.3g} transient errors and radiation "
                       "events, {:.3g} restarts, {:.3g} site changes (weather, eclipses, grid), "
                       "{:.3g} output rows",
                       e.failures, e.repairs, e.transients, e.restarts, e.site_changes, e.rows);
  };
  if (!(e.total_events() <= budget.max_events))
    fail_input(s.file, fmt::format("this run would take about {:.3g} events ({}), above the "
                                   "budget of {:.3g}; raise it with --max-events N if you mean it",
                                   e.total_events(), parts(), budget.max_events));
  if (!(e.memory_bytes <= max_memory))
    fail_input(s.file,
               fmt::format("this run would need about {} of memory ({:.4g} simulated hosts: "
                           "{}), above the budget of {}{}; raise it with --max-memory SIZE if you "
                           "mean it",
                           format_quantity(e.memory_bytes, Dimension::data), e.hosts,
                           format_quantity(e.host_bytes, Dimension::data),
                           format_quantity(max_memory, Dimension::data),
                           budget.max_memory_bytes > 0 ? "" : " (80% of this machine's memory)"));
}

double parse_memory_option(const std::string& text) {
  try {
    double bytes = parse_quantity(text, Dimension::data);
    if (bytes > 0) return bytes;
  } catch (const UnitError& e) {
    fail_input("--max-memory " + text, e.what());
  }
  fail_input("--max-memory " + text, "expected a positive size, e.g. 16 GB");
}

} // namespace capsim
