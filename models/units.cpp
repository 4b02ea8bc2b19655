#include "models/units.hpp"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <optional>
#include <system_error>

namespace capsim {

namespace {

constexpr double pi = 3.14159265358979323846;
using D = Dimension;

// example_units indexes by the enum value: all_dimensions must list every value, in order.
constexpr bool all_dimensions_in_order() {
  for (std::size_t i = 0; i < all_dimensions.size(); ++i)
    if (static_cast<std::size_t>(all_dimensions[i]) != i) return false;
  return all_dimensions.back() == D::mass_per_energy;
}
static_assert(all_dimensions_in_order());

// primary: shown in example_units and used by format_quantity (largest one not above the value).
// listed:  shown in example_units.
// alias:   accepted, never shown.
enum class Use { primary, listed, alias };

struct UnitDef {
  std::string_view symbol;
  Dimension dimension;
  double factor; // SI value of one unit
  double offset; // added after scaling (temperature scales only)
  Use use;
};

constexpr double minute_s = 60;
constexpr double hour_s = 3600;
constexpr double day_s = 86400;
constexpr double week_s = 7 * day_s;
constexpr double year_s = julian_year_s;
constexpr double month_s = julian_month_s;
constexpr double wh_j = 3600;
constexpr double btu_j = 1055.05585262; // International Table Btu
constexpr double rad_gy = 0.01;
constexpr double litre_m3 = 1e-3;
constexpr double bit_b = 1.0 / 8;
constexpr double kib = 1024;

constexpr auto P = Use::primary;
constexpr auto L = Use::listed;
constexpr auto A = Use::alias;

constexpr UnitDef unit_table[] = {
    {"%", D::dimensionless, 0.01, 0, P},

    {"s", D::time, 1, 0, P},
    {"ms", D::time, 1e-3, 0, L},
    {"us", D::time, 1e-6, 0, A},
    {"min", D::time, minute_s, 0, P},
    {"h", D::time, hour_s, 0, P},
    {"d", D::time, day_s, 0, P},
    {"week", D::time, week_s, 0, L},
    {"month", D::time, month_s, 0, L},
    {"yr", D::time, year_s, 0, P},
    {"year", D::time, year_s, 0, L},
    {"a", D::time, year_s, 0, A},
    {"sec", D::time, 1, 0, A},
    {"second", D::time, 1, 0, A},
    {"seconds", D::time, 1, 0, A},
    {"minute", D::time, minute_s, 0, A},
    {"minutes", D::time, minute_s, 0, A},
    {"hr", D::time, hour_s, 0, A},
    {"hour", D::time, hour_s, 0, A},
    {"hours", D::time, hour_s, 0, A},
    {"day", D::time, day_s, 0, A},
    {"days", D::time, day_s, 0, A},
    {"weeks", D::time, week_s, 0, A},
    {"months", D::time, month_s, 0, A},
    {"years", D::time, year_s, 0, A},
    {"yrs", D::time, year_s, 0, A},

    {"mm", D::length, 1e-3, 0, P},
    {"cm", D::length, 1e-2, 0, L},
    {"m", D::length, 1, 0, P},
    {"km", D::length, 1e3, 0, P},

    {"m2", D::area, 1, 0, P},
    {"km2", D::area, 1e6, 0, P},
    {"m^2", D::area, 1, 0, A},
    {"km^2", D::area, 1e6, 0, A},

    {"g", D::mass, 1e-3, 0, P},
    {"kg", D::mass, 1, 0, P},
    {"t", D::mass, 1e3, 0, P},
    {"tonne", D::mass, 1e3, 0, A},
    {"tonnes", D::mass, 1e3, 0, A},

    {"K", D::temperature, 1, 0, P},
    {"degC", D::temperature, 1, 273.15, L},
    {"\u00B0C", D::temperature, 1, 273.15, L},
    {"degF", D::temperature, 5.0 / 9, 459.67 * 5 / 9, L},
    {"\u00B0F", D::temperature, 5.0 / 9, 459.67 * 5 / 9, A},

    {"W", D::power, 1, 0, P},
    {"kW", D::power, 1e3, 0, P},
    {"MW", D::power, 1e6, 0, P},
    {"GW", D::power, 1e9, 0, P},
    {"TW", D::power, 1e12, 0, P},

    {"J", D::energy, 1, 0, P},
    {"kJ", D::energy, 1e3, 0, L},
    {"MJ", D::energy, 1e6, 0, L},
    {"GJ", D::energy, 1e9, 0, L},
    {"TJ", D::energy, 1e12, 0, A},
    {"PJ", D::energy, 1e15, 0, A},
    {"Wh", D::energy, wh_j, 0, L},
    {"kWh", D::energy, 1e3 * wh_j, 0, P},
    {"MWh", D::energy, 1e6 * wh_j, 0, P},
    {"GWh", D::energy, 1e9 * wh_j, 0, P},
    {"TWh", D::energy, 1e12 * wh_j, 0, P},
    {"MMBtu", D::energy, 1e6 * btu_j, 0, L},

    {"USD", D::money, 1, 0, P},

    {"FLOP", D::flop, 1, 0, P},
    {"kFLOP", D::flop, 1e3, 0, A},
    {"MFLOP", D::flop, 1e6, 0, A},
    {"GFLOP", D::flop, 1e9, 0, L},
    {"TFLOP", D::flop, 1e12, 0, L},
    {"PFLOP", D::flop, 1e15, 0, L},
    {"EFLOP", D::flop, 1e18, 0, L},
    {"ZFLOP", D::flop, 1e21, 0, L},

    {"FLOP/s", D::flop_rate, 1, 0, P},
    {"kFLOP/s", D::flop_rate, 1e3, 0, A},
    {"MFLOP/s", D::flop_rate, 1e6, 0, A},
    {"GFLOP/s", D::flop_rate, 1e9, 0, P},
    {"TFLOP/s", D::flop_rate, 1e12, 0, P},
    {"PFLOP/s", D::flop_rate, 1e15, 0, P},
    {"EFLOP/s", D::flop_rate, 1e18, 0, P},
    {"ZFLOP/s", D::flop_rate, 1e21, 0, P},

    {"B", D::data, 1, 0, P},
    {"kB", D::data, 1e3, 0, P},
    {"MB", D::data, 1e6, 0, P},
    {"GB", D::data, 1e9, 0, P},
    {"TB", D::data, 1e12, 0, P},
    {"PB", D::data, 1e15, 0, P},
    {"EB", D::data, 1e18, 0, P},
    {"KiB", D::data, kib, 0, L},
    {"MiB", D::data, kib* kib, 0, L},
    {"GiB", D::data, kib* kib* kib, 0, L},
    {"TiB", D::data, kib* kib* kib* kib, 0, L},
    {"PiB", D::data, kib* kib* kib* kib* kib, 0, L},
    {"bit", D::data, bit_b, 0, L},
    {"kbit", D::data, 1e3 * bit_b, 0, L},
    {"Mbit", D::data, 1e6 * bit_b, 0, L},
    {"Gbit", D::data, 1e9 * bit_b, 0, L},
    {"Tbit", D::data, 1e12 * bit_b, 0, L},

    {"B/s", D::data_rate, 1, 0, P},
    {"kB/s", D::data_rate, 1e3, 0, P},
    {"MB/s", D::data_rate, 1e6, 0, P},
    {"GB/s", D::data_rate, 1e9, 0, P},
    {"TB/s", D::data_rate, 1e12, 0, P},
    {"PB/s", D::data_rate, 1e15, 0, P},
    {"GiB/s", D::data_rate, kib* kib* kib, 0, A},
    {"bit/s", D::data_rate, bit_b, 0, L},
    {"kbit/s", D::data_rate, 1e3 * bit_b, 0, L},
    {"Mbit/s", D::data_rate, 1e6 * bit_b, 0, L},
    {"Gbit/s", D::data_rate, 1e9 * bit_b, 0, L},
    {"Tbit/s", D::data_rate, 1e12 * bit_b, 0, L},
    {"bps", D::data_rate, bit_b, 0, A},
    {"kbps", D::data_rate, 1e3 * bit_b, 0, A},
    {"Mbps", D::data_rate, 1e6 * bit_b, 0, A},
    {"Gbps", D::data_rate, 1e9 * bit_b, 0, A},
    {"Tbps", D::data_rate, 1e12 * bit_b, 0, A},

    {"USD/GPU/s", D::money_per_gpu_time, 1, 0, A},
    {"USD/GPU/h", D::money_per_gpu_time, 1 / hour_s, 0, P},
    {"USD/GPU/hr", D::money_per_gpu_time, 1 / hour_s, 0, A},
    {"USD/GPU/hour", D::money_per_gpu_time, 1 / hour_s, 0, A},
    {"USD per GPU-hour", D::money_per_gpu_time, 1 / hour_s, 0, A},
    {"USD/GPU/month", D::money_per_gpu_time, 1 / month_s, 0, L},
    {"USD per GPU-month", D::money_per_gpu_time, 1 / month_s, 0, A},
    {"USD/GPU/yr", D::money_per_gpu_time, 1 / year_s, 0, L},
    {"USD/GPU/year", D::money_per_gpu_time, 1 / year_s, 0, A},

    {"USD/J", D::money_per_energy, 1, 0, A},
    {"USD/kWh", D::money_per_energy, 1 / (1e3 * wh_j), 0, L},
    {"USD/MWh", D::money_per_energy, 1 / (1e6 * wh_j), 0, P},
    {"USD/GJ", D::money_per_energy, 1 / 1e9, 0, L},
    {"USD/MMBtu", D::money_per_energy, 1 / (1e6 * btu_j), 0, L},

    {"USD/kg", D::money_per_mass, 1, 0, P},
    {"USD/t", D::money_per_mass, 1 / 1e3, 0, L},

    {"USD/W", D::money_per_power, 1, 0, P},
    {"USD/kW", D::money_per_power, 1 / 1e3, 0, L},
    {"USD/MW", D::money_per_power, 1 / 1e6, 0, L},

    {"/GPU/s", D::rate_per_gpu_time, 1, 0, A},
    {"/GPU/h", D::rate_per_gpu_time, 1 / hour_s, 0, P},
    {"/GPU/hour", D::rate_per_gpu_time, 1 / hour_s, 0, A},
    {"per GPU-hour", D::rate_per_gpu_time, 1 / hour_s, 0, L},
    {"/GPU/d", D::rate_per_gpu_time, 1 / day_s, 0, L},
    {"/GPU/day", D::rate_per_gpu_time, 1 / day_s, 0, A},
    {"per GPU-day", D::rate_per_gpu_time, 1 / day_s, 0, A},

    {"/s", D::frequency, 1, 0, P},
    {"Hz", D::frequency, 1, 0, A},
    {"/min", D::frequency, 1 / minute_s, 0, L},
    {"/h", D::frequency, 1 / hour_s, 0, P},
    {"/d", D::frequency, 1 / day_s, 0, P},
    {"/day", D::frequency, 1 / day_s, 0, A},
    {"/week", D::frequency, 1 / week_s, 0, L},
    {"/month", D::frequency, 1 / month_s, 0, L},
    {"/yr", D::frequency, 1 / year_s, 0, P},
    {"/year", D::frequency, 1 / year_s, 0, A},
    {"per second", D::frequency, 1, 0, A},
    {"per minute", D::frequency, 1 / minute_s, 0, A},
    {"per hour", D::frequency, 1 / hour_s, 0, A},
    {"per day", D::frequency, 1 / day_s, 0, L},
    {"per week", D::frequency, 1 / week_s, 0, A},
    {"per month", D::frequency, 1 / month_s, 0, A},
    {"per year", D::frequency, 1 / year_s, 0, A},

    {"W/kg", D::specific_power, 1, 0, P},
    {"kW/kg", D::specific_power, 1e3, 0, L},

    {"J/kg", D::specific_energy, 1, 0, P},
    {"Wh/kg", D::specific_energy, wh_j, 0, P},
    {"kWh/kg", D::specific_energy, 1e3 * wh_j, 0, L},
    {"MJ/kg", D::specific_energy, 1e6, 0, L},

    {"kg/m2", D::areal_mass, 1, 0, P},
    {"kg/m^2", D::areal_mass, 1, 0, A},
    {"g/m2", D::areal_mass, 1e-3, 0, L},
    {"g/m^2", D::areal_mass, 1e-3, 0, A},

    {"rad", D::dose, rad_gy, 0, P},
    {"krad", D::dose, 1e3 * rad_gy, 0, P},
    {"Mrad", D::dose, 1e6 * rad_gy, 0, P},
    {"mGy", D::dose, 1e-3, 0, L},
    {"Gy", D::dose, 1, 0, L},
    {"kGy", D::dose, 1e3, 0, L},

    {"Gy/s", D::dose_rate, 1, 0, A},
    {"Gy/yr", D::dose_rate, 1 / year_s, 0, L},
    {"rad/d", D::dose_rate, rad_gy / day_s, 0, L},
    {"rad/day", D::dose_rate, rad_gy / day_s, 0, A},
    {"rad/yr", D::dose_rate, rad_gy / year_s, 0, P},
    {"rad/year", D::dose_rate, rad_gy / year_s, 0, A},
    {"krad/yr", D::dose_rate, 1e3 * rad_gy / year_s, 0, P},
    {"krad/year", D::dose_rate, 1e3 * rad_gy / year_s, 0, A},

    {"m3/J", D::volume_per_energy, 1, 0, A},
    {"m^3/J", D::volume_per_energy, 1, 0, A},
    {"L/kWh", D::volume_per_energy, litre_m3 / (1e3 * wh_j), 0, P},
    {"L/MWh", D::volume_per_energy, litre_m3 / (1e6 * wh_j), 0, L},
    {"m3/MWh", D::volume_per_energy, 1 / (1e6 * wh_j), 0, L},

    {"deg", D::angle, pi / 180, 0, P},
    {"°", D::angle, pi / 180, 0, A},
    {"degrees", D::angle, pi / 180, 0, A},
    {"radian", D::angle, 1, 0, A},
    {"radians", D::angle, 1, 0, A},

    {"kg/J", D::mass_per_energy, 1, 0, A},
    {"kg/MWh", D::mass_per_energy, 1 / (1e6 * wh_j), 0, P},
    {"kg/kWh", D::mass_per_energy, 1 / (1e3 * wh_j), 0, L},
    {"g/kWh", D::mass_per_energy, 1e-3 / (1e3 * wh_j), 0, L},
    {"t/MWh", D::mass_per_energy, 1e3 / (1e6 * wh_j), 0, L},
};

// Symbols rejected on purpose, each with the reason the user sees.
struct RejectedSymbol {
  std::string_view symbol;
  std::string_view hint;
};

constexpr RejectedSymbol rejected_symbols[] = {
    {"mW", "milliwatts are not accepted, to avoid confusion with 'MW' (megawatts)"},
    {"mWh", "milliwatt-hours are not accepted, to avoid confusion with 'MWh' (megawatt-hours)"},
    {"kb", "write 'kbit' for kilobits or 'kB' for kilobytes"},
    {"Kb", "write 'kbit' for kilobits or 'kB' for kilobytes"},
    {"Mb", "write 'Mbit' for megabits or 'MB' for megabytes"},
    {"Gb", "write 'Gbit' for gigabits or 'GB' for gigabytes"},
    {"Tb", "write 'Tbit' for terabits or 'TB' for terabytes"},
    {"Mb/s", "write 'Mbit/s' for megabits or 'MB/s' for megabytes per second"},
    {"Gb/s", "write 'Gbit/s' for gigabits or 'GB/s' for gigabytes per second"},
    {"Tb/s", "write 'Tbit/s' for terabits or 'TB/s' for terabytes per second"},
    {"KB", "write 'kB' for 1000 bytes or 'KiB' for 1024 bytes"},
    {"FLOPS", "write 'FLOP' for an amount of work or 'FLOP/s' for a rate"},
    {"FLOPs", "write 'FLOP' for an amount of work or 'FLOP/s' for a rate"},
    {"C", "write 'degC' or '\u00B0C' for degrees Celsius"},
    {"F", "write 'degF' or '\u00B0F' for degrees Fahrenheit"},
    {"$", "write 'USD'"},
};

struct DimensionInfo {
  std::string_view name;
  std::string_view with_article;
  std::string_view si_unit;
};

constexpr DimensionInfo dimension_info(Dimension d) {
  switch (d) {
  case D::dimensionless:
    return {"dimensionless number", "a dimensionless number", "1"};
  case D::time:
    return {"time", "a time", "s"};
  case D::length:
    return {"length", "a length", "m"};
  case D::area:
    return {"area", "an area", "m2"};
  case D::mass:
    return {"mass", "a mass", "kg"};
  case D::temperature:
    return {"temperature", "a temperature", "K"};
  case D::power:
    return {"power", "a power", "W"};
  case D::energy:
    return {"energy", "an energy", "J"};
  case D::money:
    return {"money", "an amount of money", "USD"};
  case D::flop:
    return {"FLOP count", "a FLOP count", "FLOP"};
  case D::flop_rate:
    return {"FLOP rate", "a FLOP rate", "FLOP/s"};
  case D::data:
    return {"data size", "a data size", "B"};
  case D::data_rate:
    return {"data rate", "a data rate", "B/s"};
  case D::money_per_gpu_time:
    return {"money per GPU-time", "a price per GPU-time", "USD/GPU/s"};
  case D::money_per_energy:
    return {"money per energy", "a price per energy", "USD/J"};
  case D::money_per_mass:
    return {"money per mass", "a price per mass", "USD/kg"};
  case D::money_per_power:
    return {"money per power", "a price per power", "USD/W"};
  case D::rate_per_gpu_time:
    return {"rate per GPU-time", "a rate per GPU-time", "/GPU/s"};
  case D::frequency:
    return {"frequency", "a frequency", "/s"};
  case D::specific_power:
    return {"specific power", "a specific power", "W/kg"};
  case D::specific_energy:
    return {"specific energy", "a specific energy", "J/kg"};
  case D::areal_mass:
    return {"areal mass", "an areal mass", "kg/m2"};
  case D::dose:
    return {"radiation dose", "a radiation dose", "Gy"};
  case D::dose_rate:
    return {"dose rate", "a dose rate", "Gy/s"};
  case D::volume_per_energy:
    return {"volume per energy", "a volume per energy", "m3/J"};
  case D::angle:
    return {"angle", "an angle", "radian"};
  case D::mass_per_energy:
    return {"mass per energy", "a mass per energy", "kg/J"};
  }
  return {"?", "?", "?"};
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// A character that can continue a unit symbol: after a known symbol, text that starts with one
// of these makes a longer, unknown symbol rather than trailing text.
bool continues_unit(char c) {
  return is_alpha(c) || is_digit(c) || c == '/' || c == '^' || c == '-' || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ascii_lower(x) == ascii_lower(y);
         });
}

// Collapses runs of whitespace to one space and drops spaces next to '/'.
std::string normalize_unit(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  bool pending_space = false;
  for (char c : raw) {
    if (is_space(c)) {
      pending_space = true;
      continue;
    }
    if (pending_space && !out.empty() && out.back() != '/' && c != '/') out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

const UnitDef* find_unit(std::string_view symbol) {
  for (const UnitDef& u : unit_table)
    if (u.symbol == symbol) return &u;
  return nullptr;
}

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && is_space(s.back()))
    s.remove_suffix(1);
  return s;
}

std::string quoted(std::string_view s) {
  return "'" + std::string(s) + "'";
}

// The text from `begin` up to the next whitespace: the token a number error is about.
std::string_view token_at(std::string_view text, std::size_t begin) {
  std::size_t end = begin;
  while (end < text.size() && !is_space(text[end]))
    ++end;
  return text.substr(begin, end - begin);
}

std::string expectation(Dimension d) {
  if (d == D::dimensionless) return "a dimensionless number (a bare number, or %)";
  return std::string(dimension_info(d).with_article) + " (" + std::string(example_units(d)) + ")";
}

std::string number_to_string(double x, int precision) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", precision, x);
  return buf;
}

struct NumberToken {
  double value;
  std::size_t begin;
  std::size_t end;
};

// Scans the number at text[pos...] with the grammar in the header, then converts it with
// std::from_chars (correctly rounded, locale-independent).
NumberToken scan_number(std::string_view text, std::size_t pos, Dimension expected) {
  const std::size_t begin = pos;
  std::size_t i = pos;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  const std::size_t mantissa_begin = i;
  std::size_t digits = 0;
  while (i < text.size() && is_digit(text[i]))
    ++i, ++digits;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && is_digit(text[i]))
      ++i, ++digits;
  }
  if (digits == 0) {
    std::string_view word = text.substr(mantissa_begin);
    std::size_t n = 0;
    while (n < word.size() && is_alpha(word[n]))
      ++n;
    word = word.substr(0, n);
    if (equal_ignoring_case(word, "nan") || equal_ignoring_case(word, "inf") ||
        equal_ignoring_case(word, "infinity"))
      throw UnitError(quoted(text.substr(begin, mantissa_begin + n - begin)) +
                          " is not a finite number; expected " + expectation(expected),
                      begin);
    throw UnitError("expected " + expectation(expected) + " starting with a number, got " +
                        quoted(trim_right(text.substr(begin))),
                    begin);
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    std::size_t j = i + 1;
    if (j < text.size() && (text[j] == '+' || text[j] == '-')) ++j;
    if (j < text.size() && is_digit(text[j])) {
      while (j < text.size() && is_digit(text[j]))
        ++j;
      i = j;
    } else if (j > i + 1 || j == text.size() || is_space(text[j])) {
      throw UnitError(
          "malformed number " + quoted(token_at(text, begin)) + ": the exponent has no digits", i);
    }
  }
  if (i < text.size() && (text[i] == '_' || text[i] == ',')) {
    throw UnitError("digit separators are not accepted: got '" + std::string(1, text[i]) + "' in " +
                        quoted(token_at(text, begin)) +
                        "; write the number without separators or in scientific notation "
                        "(1500000 or 1.5e6)",
                    i);
  }
  if (i < text.size() && (is_digit(text[i]) || text[i] == '.')) {
    throw UnitError("malformed number " + quoted(token_at(text, begin)), i);
  }

  // from_chars rejects a leading '+'.
  const std::size_t convert_from = text[begin] == '+' ? begin + 1 : begin;
  double value = 0;
  const auto [ptr, ec] = std::from_chars(text.data() + convert_from, text.data() + i, value);
  if (ec == std::errc::result_out_of_range)
    throw UnitError("number " + quoted(text.substr(begin, i - begin)) +
                        " is out of the range of a double",
                    begin);
  assert(ec == std::errc() && ptr == text.data() + i);
  return {value, begin, i};
}

// When `unit` (the raw text after the number) is not a symbol, looks for the longest known symbol
// at its start followed by text that cannot continue a symbol ("MW foo", "MW,"). Returns the
// offset of that trailing text within `unit`.
std::optional<std::size_t> trailing_text_offset(std::string_view unit) {
  for (std::size_t cut = unit.size(); cut-- > 1;) {
    if (!is_space(unit[cut]) && continues_unit(unit[cut])) continue;
    if (find_unit(normalize_unit(trim_right(unit.substr(0, cut)))) == nullptr) continue;
    std::size_t garbage = cut;
    while (garbage < unit.size() && is_space(unit[garbage]))
      ++garbage;
    return garbage;
  }
  return std::nullopt;
}

[[noreturn]] void throw_unknown_unit(std::string_view symbol, std::size_t column,
                                     Dimension expected) {
  std::string message = "unknown unit " + quoted(symbol) + "; expected " + expectation(expected);
  for (const RejectedSymbol& r : rejected_symbols)
    if (r.symbol == symbol) throw UnitError(message + "; " + std::string(r.hint), column);
  const UnitDef* suggestion = nullptr;
  for (const UnitDef& u : unit_table) {
    if (!equal_ignoring_case(u.symbol, symbol)) continue;
    if (suggestion == nullptr || (u.dimension == expected && suggestion->dimension != expected))
      suggestion = &u;
  }
  if (suggestion != nullptr)
    message += "; units are case-sensitive: did you mean " + quoted(suggestion->symbol) + "?";
  throw UnitError(message, column);
}

} // namespace

UnitError::UnitError(std::string message, std::size_t column_)
    : std::runtime_error(std::move(message)), column(column_) {}

std::string_view dimension_name(Dimension d) {
  return dimension_info(d).name;
}

std::string_view si_unit(Dimension d) {
  return dimension_info(d).si_unit;
}

std::string_view example_units(Dimension d) {
  static const std::array<std::string, all_dimensions.size()> lists = [] {
    std::array<std::string, all_dimensions.size()> out;
    for (const UnitDef& u : unit_table) {
      if (u.use == Use::alias) continue;
      std::string& list = out[static_cast<std::size_t>(u.dimension)];
      if (!list.empty()) list += ", ";
      list += u.symbol;
    }
    return out;
  }();
  return lists[static_cast<std::size_t>(d)];
}

double parse_quantity(std::string_view text, Dimension expected) {
  std::size_t pos = 0;
  while (pos < text.size() && is_space(text[pos]))
    ++pos;
  if (pos == text.size()) throw UnitError("empty quantity; expected " + expectation(expected), 0);

  const NumberToken number = scan_number(text, pos, expected);
  std::size_t unit_begin = number.end;
  while (unit_begin < text.size() && is_space(text[unit_begin]))
    ++unit_begin;
  const std::string_view raw_unit = trim_right(text.substr(unit_begin));

  const std::string_view number_text = text.substr(number.begin, number.end - number.begin);
  if (raw_unit.empty()) {
    if (expected == D::dimensionless) return number.value;
    const DimensionInfo info = dimension_info(expected);
    throw UnitError("expected " + std::string(info.with_article) + " with a unit (" +
                        std::string(example_units(expected)) + "), got a bare number " +
                        quoted(number_text),
                    number.end);
  }

  const UnitDef* unit = find_unit(normalize_unit(raw_unit));
  if (unit == nullptr) {
    if (const auto garbage = trailing_text_offset(raw_unit))
      throw UnitError(
          "unexpected text " + quoted(raw_unit.substr(*garbage)) + " after " +
              quoted(trim_right(text.substr(number.begin, unit_begin + *garbage - number.begin))),
          unit_begin + *garbage);
    throw_unknown_unit(raw_unit, unit_begin, expected);
  }
  if (unit->dimension != expected) {
    throw UnitError("expected " + expectation(expected) + ", got " + quoted(raw_unit) +
                        " which is " + std::string(dimension_info(unit->dimension).with_article),
                    unit_begin);
  }

  const double si = number.value * unit->factor + unit->offset;
  if (!std::isfinite(si))
    throw UnitError(quoted(trim_right(text.substr(number.begin))) +
                        " is out of the range of a double in " + std::string(si_unit(expected)),
                    number.begin);
  if (expected == D::temperature && si < 0)
    throw UnitError(
        "temperature below absolute zero: " + quoted(trim_right(text.substr(number.begin))) +
            " is " + number_to_string(si, 6) + " K",
        number.begin);
  return si;
}

namespace {

// Whether `text` parses back to value_si within 1e-12 relative. A number rounded to 15 digits can
// round up past the largest double, hence the catch.
bool reads_back_as(const std::string& text, Dimension d, double value_si) {
  try {
    return std::fabs(parse_quantity(text, d) - value_si) <= 1e-12 * std::fabs(value_si);
  } catch (const UnitError&) {
    return false;
  }
}

} // namespace

std::string format_quantity(double value_si, Dimension d) {
  assert(std::isfinite(value_si));
  if (d == D::dimensionless) {
    std::string text = number_to_string(value_si, 15);
    return reads_back_as(text, d, value_si) ? text : number_to_string(value_si, 17);
  }

  // The largest primary unit not above |value_si|, or the smallest one for tiny values.
  const UnitDef* chosen = nullptr;
  const UnitDef* smallest = nullptr;
  const double magnitude = std::fabs(value_si);
  for (const UnitDef& u : unit_table) {
    if (u.dimension != d || u.use != Use::primary) continue;
    if (smallest == nullptr || u.factor < smallest->factor) smallest = &u;
    if (u.factor <= magnitude && (chosen == nullptr || u.factor > chosen->factor)) chosen = &u;
  }
  if (chosen == nullptr) chosen = smallest;
  assert(chosen != nullptr && chosen->offset == 0);

  // Near the ends of the double range the chosen unit can overflow or lose digits; the SI unit
  // (factor 1) cannot.
  const UnitDef* si = find_unit(si_unit(d));
  assert(si != nullptr && si->factor == 1 && si->offset == 0);
  for (const UnitDef* unit : {chosen, si}) {
    const double number = value_si / unit->factor;
    if (!std::isfinite(number)) continue;
    for (int precision : {15, 17}) {
      std::string text = number_to_string(number, precision) + " " + std::string(unit->symbol);
      if (reads_back_as(text, d, value_si)) return text;
    }
  }
  return number_to_string(value_si, 17) + " " + std::string(si->symbol);
}

} // namespace capsim
