// Finance after the run: from what the fleet used and delivered (UsageRecord) and the
// scenario's contracts, the summary's `finance` object and the finance files in the output
// directory (ledger.csv, finance_months.csv).
//
// Months: month m covers [m, m + 1) x 1/12 Julian year from t = 0. Inside the simulated horizon
// a month's flows are differences of the usage snapshots; a lease or loan that runs past the
// horizon is completed by extrapolation: installed GPUs follow the delivery schedule (known in
// advance), and per installed GPU-second the energy bill, IT energy and busy share keep the
// values of the last simulated month (or of the whole run when that month had no GPUs).
// Cost per useful EFLOP and per training run use the simulated horizon only: costs incurred and
// useful FLOP (net of work lost to failures) delivered over the same window.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "models/usage.hpp"
#include "sim/scenario/scenario.hpp"

namespace capsim {

// Adds summary["finance"] (total_cost_usd, cost_per_eflop_usd, ...) and, when the scenario has a
// finance block, writes ledger.csv and finance_months.csv into `dir` (atomically). With a
// `solve:` block, every output and file is for the solved value. dir "": no files. Throws
// std::runtime_error on I/O failure.
void add_finance(const Scenario& scenario, const UsageRecord& usage, const std::string& dir,
                 nlohmann::ordered_json& summary);

// Money in human units: "812 USD", "41.3k USD", "5.30B USD".
std::string usd_text(double usd);

// The readable summary's finance lines (headline: equity and project IRR, min DSCR and its
// month, NPV, solved value, capex, risk outcomes), empty when the run has no finance block.
std::string finance_readable(const nlohmann::ordered_json& summary);

// What a cluster's line says about its lease: the finance lease's rate and rent when a lease
// covers the cluster, else the cluster's own lease cost.
std::string cluster_lease_text(const nlohmann::ordered_json& summary,
                               const nlohmann::ordered_json& cluster);

} // namespace capsim
