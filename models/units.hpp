// Quantities with units: the scenario edge turns strings such as "150 MW", "2.1 USD/GPU/h" or
// "35 degC" into SI doubles and checks their dimension.
//
// Equations
//   value_si = number * factor + offset        (offset is non-zero only for degC and degF)
//   degC: T_K = T_C + 273.15                    degF: T_K = (T_F + 459.67) * 5/9
//
// Grammar (whitespace around the number and between number and unit is optional)
//   quantity := number [unit]
//   number   := [+|-] (digits [. digits] | . digits) [(e|E) [+|-] digits]
//   unit     := a symbol from the table in units.cpp; runs of spaces collapse to one and spaces
//               around '/' are ignored, so "USD / GPU / h" reads as "USD/GPU/h".
//
// Decisions
//   - A bare number is accepted only where a dimensionless value is expected; "%" scales by 0.01.
//   - Digit separators ("1_000", "1,000") are rejected with a message that says so.
//   - Symbols are case-sensitive. Symbols that are easy to mistype for a very different value are
//     rejected with a hint: "mW"/"mWh" (milli, likely a typo for MW/MWh), "Gb", "Mb", "Tb", "kb"
//     (bit or byte?), "KB" (kilo or kibi?), "FLOPS"/"FLOPs" (count or rate?).
//   - Data: kB, MB, GB, TB, PB, EB are decimal (1e3...), KiB...PiB binary (1024^n); 1 bit = 1/8 B.
//   - Temperatures are absolute; a value below 0 K is an error.
//   - Negative values are otherwise accepted: ranges are each model's validate() business.
//   - UnitError::column is a 0-based offset into the input: the start of the offending number or
//     unit, the start of trailing text, or, for a bare number, the position just after the number
//     (where the unit is missing).
//
// Constants and sources
//   SI prefixes and units: BIPM, The International System of Units (SI Brochure), 9th ed., 2019.
//   Binary prefixes (KiB, MiB, ...): IEC 80000-13:2008.
//   Julian year 365.25 d = 31 557 600 s (IAU); month = 1/12 Julian year = 2 629 800 s.
//   1 rad = 0.01 Gy; 1 Btu (International Table) = 1055.05585262 J; 1 L = 1e-3 m3:
//   NIST Special Publication 811 (2008), Guide for the Use of the SI, appendix B.
#pragma once

#include <array>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace capsim {

// The calendar every model and input shares: a Julian year (IAU) and a month of 1/12 of it.
inline constexpr double julian_year_s = 365.25 * 86400;      // 31 557 600 s
inline constexpr double julian_month_s = julian_year_s / 12; // 2 629 800 s
// The longest run a scenario may ask for, and so the latest time any of its inputs may name:
// beyond it a value is a typo, not a plan.
inline constexpr double longest_horizon_s = 50 * julian_year_s;

enum class Dimension {
  dimensionless,
  time,
  length,
  area,
  mass,
  temperature,
  power,
  energy,
  money,
  flop,
  flop_rate,          // FLOP/s
  data,               // bytes
  data_rate,          // bytes/s
  money_per_gpu_time, // USD per GPU-second ("2.1 USD/GPU/h", "1500 USD/GPU/month")
  money_per_energy,   // USD per J ("62 USD/MWh", "0.08 USD/kWh")
  money_per_mass,     // USD per kg ("1500 USD/kg")
  money_per_power,    // USD per W ("10.7e6 USD/MW", "50 USD/W")
  rate_per_gpu_time,  // events per GPU-second ("1.97e-5 /GPU/h", "1.97e-5 per GPU-hour")
  frequency,          // 1/s ("12 /yr", "3 per day")
  specific_power,     // W/kg
  specific_energy,    // J/kg ("200 Wh/kg")
  areal_mass,         // kg/m2
  dose,               // gray ("150 rad", "2 krad", "1.5 Gy")
  dose_rate,          // Gy/s ("150 rad/yr")
  volume_per_energy,  // m3 per J ("0.38 L/kWh")
  angle,              // radian ("98 deg"; "rad" is the radiation dose)
  mass_per_energy,    // kg per J ("400 kg/MWh", "0.4 kg/kWh", "400 g/kWh"): CO2 intensity
};

inline constexpr std::array<Dimension, 27> all_dimensions{
    Dimension::dimensionless,
    Dimension::time,
    Dimension::length,
    Dimension::area,
    Dimension::mass,
    Dimension::temperature,
    Dimension::power,
    Dimension::energy,
    Dimension::money,
    Dimension::flop,
    Dimension::flop_rate,
    Dimension::data,
    Dimension::data_rate,
    Dimension::money_per_gpu_time,
    Dimension::money_per_energy,
    Dimension::money_per_mass,
    Dimension::money_per_power,
    Dimension::rate_per_gpu_time,
    Dimension::frequency,
    Dimension::specific_power,
    Dimension::specific_energy,
    Dimension::areal_mass,
    Dimension::dose,
    Dimension::dose_rate,
    Dimension::volume_per_energy,
    Dimension::angle,
    Dimension::mass_per_energy,
};

// "power", "money per GPU-time", ...
std::string_view dimension_name(Dimension d);
// The SI unit the parsed double is in: "W", "USD/GPU/s", "m3/J", ...
std::string_view si_unit(Dimension d);
// The usual symbols, for messages and documentation: "W, kW, MW, GW, TW".
std::string_view example_units(Dimension d);

struct UnitError : std::runtime_error {
  UnitError(std::string message, std::size_t column);
  std::size_t column; // 0-based offset in the input string where the problem starts
};

// Throws UnitError when the text is not a finite quantity of the expected dimension.
double parse_quantity(std::string_view text, Dimension expected);

// A readable string ("150 MW", "1.5 yr", "2.1 USD/GPU/h") that parse_quantity reads back to
// value_si within 1e-12 relative. value_si must be finite.
std::string format_quantity(double value_si, Dimension d);

} // namespace capsim
