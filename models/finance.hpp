// Finance models of capsim, in one include: loans (loan.hpp), leases (lease.hpp), GPU residual
// value (residual_value.hpp), NPV/IRR and target solving (returns.hpp), the purchase-and-lease
// vehicle with its monthly ledger, DSCR and equity IRR (vehicle.hpp), and ground and orbital TCO
// with cost per useful EFLOP (tco.hpp). Equations and sources are in each header.
#pragma once

#include "models/credit.hpp"
#include "models/lease.hpp"
#include "models/loan.hpp"
#include "models/market.hpp"
#include "models/residual_value.hpp"
#include "models/returns.hpp"
#include "models/tco.hpp"
#include "models/vehicle.hpp"

#include "models/parameter.hpp"

namespace capsim {

// The `finance:` block's own parameters; `start_date` is a calendar month (README), the leases,
// vehicles, site costs and solve have their own tables (lease.hpp, vehicle.hpp, tco.hpp ...).
namespace finance_parameter {
// The middle of the 4-6 year depreciation lives in public filings (2025).
inline constexpr Parameter gpu_life{
    .key = "gpu_life",
    .dimension = Dimension::time,
    .default_si = 5 * julian_year_s,
    .min_si = 0,
    .max_si = 50 * julian_year_s,
    .meaning = "straight-line life of the GPUs of a cluster without a lease (in orbit, "
               "min(gpu_life, satellite_life))",
    .min_exclusive = true};
inline constexpr Parameter discount_rate{.key = "discount_rate",
                                         .min_si = -0.99,
                                         .max_si = 10,
                                         .meaning = "effective annual rate for NPVs",
                                         .min_exclusive = true,
                                         .default_from = "none (no NPV)"};
inline constexpr Parameter table[] = {gpu_life, discount_rate};
} // namespace finance_parameter

} // namespace capsim
