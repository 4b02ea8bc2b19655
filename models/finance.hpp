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
