// Returns: net present value, internal rate of return, and a bracketing solver for targets.
//
// Equations
//   NPV(r)        = sum_t CF_t / (1 + r)^t                       t = period index, CF_0
//   undiscounted npv_usd(a)    = sum_t CF_t / (1 + a)^(t / periods_per_year)  a = effective annual
//   discount rate IRR           = r such that NPV(r) = 0, per period of the cash-flow vector annual
//   rate   = (1 + r_m)^12 - 1                             effective annual from monthly
// The IRR brackets a root by scanning NPV over per-period rates in (-0.99, 10] and refines the
// first sign change with TOMS 748 (Alefeld, Potra & Shi 1995, ACM TOMS 21(3):327-344) as
// implemented in Boost.Math (boost/math/tools/roots.hpp). Flows without a sign change, or whose
// NPV keeps one sign over the scanned range, have no IRR: the result says why. With several sign
// changes in the flows, several IRRs may exist; the lowest one is returned and the result says
// how many the scan found.
//
// Parameters
//   flows_usd             cash flows, one per period (USD; + received, - paid)
//   annual_discount_rate  effective annual rate (fraction, > -1)
//   periods_per_year      12 for monthly ledgers
//
// solve_for_target(f, target, lo, hi, tol) finds x in [lo, hi] with f(x) = target when
// f(lo) - target and f(hi) - target have opposite signs, to a bracket narrower than tol in x;
// otherwise it returns an error that states f at both ends.
//
// Sources: Brealey, Myers & Allen, Principles of Corporate Finance (NPV, IRR, multiple IRRs);
// Alefeld, Potra & Shi (1995) for the root finder.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace capsim {

double npv_per_period(const std::vector<double>& flows_usd, double rate_per_period);

double npv_usd(const std::vector<double>& flows_usd, double annual_discount_rate,
               int periods_per_year = 12);

double annual_from_monthly_rate(double monthly_rate);
double monthly_from_annual_rate(double annual_rate);

struct IrrResult {
  std::optional<double> rate_per_period; // empty when no IRR exists in the scanned range
  int roots_found = 0;                   // sign changes of NPV over the scan
  std::string reason{};                  // why there is no IRR, or a note on multiple roots
  bool ok() const { return rate_per_period.has_value(); }
};

IrrResult irr(const std::vector<double>& flows_usd);

// Effective annual IRR of monthly flows, (1 + r_m)^12 - 1; NaN when there is none.
double annual_irr_of_monthly(const IrrResult& monthly);

struct TargetLabels {
  std::string input = "x";
  std::string input_unit{};
  std::string output = "f(x)";
  std::string output_unit{};
  bool output_as_percent = false;
};

struct TargetSolution {
  std::optional<double> value; // x with f(x) ~= target
  double achieved = 0;         // f(value)
  double tolerance = 0;        // width of the final bracket in x
  int evaluations = 0;
  std::string error{}; // set when the target is not bracketed or f is not finite
  bool ok() const { return value.has_value(); }
};

TargetSolution solve_for_target(const std::function<double(double)>& f, double target, double lo,
                                double hi, double tol, const TargetLabels& labels = {});

} // namespace capsim
