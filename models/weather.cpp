#include "models/weather.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <charconv>
#include <cmath>
#include <numbers>
#include <sstream>

namespace capsim {

namespace {

constexpr double celsius_k = 273.15;
constexpr double hour_s = 3600;
constexpr double min_ambient_c = -90;
constexpr double max_ambient_c = 60;

std::string number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

// Box-Muller on the raw engine output: the same numbers with every standard library.
double standard_normal(std::mt19937_64& rng) {
  constexpr double two_pow_minus_53 = 1.0 / 9007199254740992.0;
  const double u1 = (static_cast<double>(rng() >> 11) + 1) * two_pow_minus_53; // (0, 1]
  const double u2 = static_cast<double>(rng() >> 11) * two_pow_minus_53;       // [0, 1)
  return std::sqrt(-2 * std::log(u1)) * std::cos(2 * std::numbers::pi * u2);
}

// Mean over many days of (daily maximum of hourly values - A_day) for the daily cycle plus
// noise. The noise at the cycle's warmest hour has mean zero and serves as a control variate:
// subtracting it leaves only the intra-day variation of the noise, which has a far smaller
// variance than the day-to-day weather.
double noise_daily_maximum_bias_k(const WeatherParams& params, std::mt19937_64& rng) {
  if (params.noise_std_k == 0) return 0;
  constexpr int days = 20000;
  WeatherParams daily_only = params;
  daily_only.annual_mean_k = 0;
  daily_only.seasonal_amplitude_k = 0;
  std::array<double, 24> cycle_k{};
  for (int hour = 0; hour < 24; ++hour)
    cycle_k[hour] = cycle_temperature_k(daily_only, hour * hour_s);
  const auto warmest_hour = std::max_element(cycle_k.begin(), cycle_k.end()) - cycle_k.begin();
  double noise_k = initial_noise_k(params, rng);
  double sum_k = 0;
  for (int day = 0; day < days; ++day) {
    double maximum_k = -1e300, noise_at_warmest_hour_k = 0;
    for (int hour = 0; hour < 24; ++hour) {
      maximum_k = std::max(maximum_k, cycle_k[hour] + noise_k);
      if (hour == warmest_hour) noise_at_warmest_hour_k = noise_k;
      noise_k = next_noise_k(params, noise_k, hour_s, rng);
    }
    sum_k += maximum_k - noise_at_warmest_hour_k;
  }
  return sum_k / days - params.daily_amplitude_k;
}

} // namespace

std::vector<std::string> validate(const WeatherParams& p) {
  std::vector<std::string> problems;
  auto require = [&](bool ok, const std::string& message) {
    if (!ok) problems.push_back(message);
  };
  require(p.annual_mean_k > 0, "annual mean must be > 0 K, got " + number(p.annual_mean_k) + " K");
  require(p.seasonal_amplitude_k >= 0,
          "seasonal amplitude must be >= 0, got " + number(p.seasonal_amplitude_k) + " K");
  require(p.daily_amplitude_k >= 0,
          "daily amplitude must be >= 0, got " + number(p.daily_amplitude_k) + " K");
  require(p.warmest_time_of_year_s >= 0 && p.warmest_time_of_year_s < weather_year_s,
          "warmest time of year must be in [0, 365 d), got " + number(p.warmest_time_of_year_s) +
              " s");
  require(p.warmest_time_of_day_s >= 0 && p.warmest_time_of_day_s < weather_day_s,
          "warmest time of day must be in [0, 24 h), got " + number(p.warmest_time_of_day_s) +
              " s");
  require(p.noise_std_k >= 0, "noise std must be >= 0, got " + number(p.noise_std_k) + " K");
  require(p.noise_correlation_s >= 0,
          "noise correlation time must be >= 0, got " + number(p.noise_correlation_s) + " s");
  require(p.annual_mean_k - p.seasonal_amplitude_k - p.daily_amplitude_k > 0,
          "annual mean minus the amplitudes must stay above 0 K");
  return problems;
}

std::vector<std::string> validate(const ClimateNormals& n) {
  std::vector<std::string> problems;
  auto require = [&](bool ok, const std::string& message) {
    if (!ok) problems.push_back(message);
  };
  require(n.coldest_month_mean_daily_low_k > 0 &&
              n.coldest_month_mean_daily_low_k < n.annual_mean_k &&
              n.annual_mean_k < n.warmest_month_mean_daily_high_k,
          "normals must satisfy 0 K < coldest-month low < annual mean < warmest-month high");
  require(n.mean_diurnal_range_k > 0 &&
              n.mean_diurnal_range_k <
                  n.warmest_month_mean_daily_high_k - n.coldest_month_mean_daily_low_k,
          "mean diurnal range must be > 0 and below warmest high - coldest low, got " +
              number(n.mean_diurnal_range_k) + " K");
  require(n.warmest_time_of_year_s >= 0 && n.warmest_time_of_year_s < weather_year_s,
          "warmest time of year must be in [0, 365 d), got " + number(n.warmest_time_of_year_s) +
              " s");
  require(n.warmest_time_of_day_s >= 0 && n.warmest_time_of_day_s < weather_day_s,
          "warmest time of day must be in [0, 24 h), got " + number(n.warmest_time_of_day_s) +
              " s");
  return problems;
}

double cycle_temperature_k(const WeatherParams& p, double time_s) {
  constexpr double two_pi = 2 * std::numbers::pi;
  return p.annual_mean_k +
         p.seasonal_amplitude_k *
             std::cos(two_pi * (time_s - p.warmest_time_of_year_s) / weather_year_s) +
         p.daily_amplitude_k *
             std::cos(two_pi * (time_s - p.warmest_time_of_day_s) / weather_day_s);
}

double initial_noise_k(const WeatherParams& p, std::mt19937_64& rng) {
  if (p.noise_std_k == 0) return 0;
  return p.noise_std_k * standard_normal(rng);
}

double next_noise_k(const WeatherParams& p, double noise_k, double dt_s, std::mt19937_64& rng) {
  assert(dt_s >= 0);
  if (p.noise_std_k == 0) return 0;
  const double persistence =
      p.noise_correlation_s > 0 ? std::exp(-dt_s / p.noise_correlation_s) : 0;
  return persistence * noise_k +
         p.noise_std_k * std::sqrt(1 - persistence * persistence) * standard_normal(rng);
}

std::vector<double> generate_hourly_temperatures_k(const WeatherParams& p, double start_time_s,
                                                   std::size_t hours, std::mt19937_64& rng) {
  std::vector<double> temperatures_k;
  temperatures_k.reserve(hours);
  double noise_k = initial_noise_k(p, rng);
  for (std::size_t i = 0; i < hours; ++i) {
    if (i > 0) noise_k = next_noise_k(p, noise_k, hour_s, rng);
    temperatures_k.push_back(
        cycle_temperature_k(p, start_time_s + static_cast<double>(i) * hour_s) + noise_k);
  }
  return temperatures_k;
}

WeatherParams fit_weather_to_normals(const ClimateNormals& n, double noise_std_k,
                                     double noise_correlation_s, std::mt19937_64& rng) {
  assert(validate(n).empty());
  constexpr double month_fraction = std::numbers::pi / 12;
  const double month_average = std::sin(month_fraction) / month_fraction;
  const double high_k = n.warmest_month_mean_daily_high_k;
  const double low_k = n.coldest_month_mean_daily_low_k;
  WeatherParams p{
      .annual_mean_k = (n.annual_mean_k + high_k + low_k) / 3,
      .seasonal_amplitude_k = (high_k - low_k - n.mean_diurnal_range_k) / 2 / month_average,
      .warmest_time_of_year_s = n.warmest_time_of_year_s,
      .daily_amplitude_k = n.mean_diurnal_range_k / 2,
      .warmest_time_of_day_s = n.warmest_time_of_day_s,
      .noise_std_k = noise_std_k,
      .noise_correlation_s = noise_correlation_s,
  };
  // The bias depends weakly on A_day itself: a few fixed-point iterations settle it.
  for (int iteration = 0; iteration < 3; ++iteration) {
    const double bias_k = noise_daily_maximum_bias_k(p, rng);
    p.daily_amplitude_k = std::max(0.0, n.mean_diurnal_range_k / 2 - bias_k);
  }
  return p;
}

std::string to_string(const WeatherCsvError& error) {
  return std::to_string(error.line) + ":" + std::to_string(error.column) + ": " + error.message;
}

namespace {

struct Field {
  std::string_view text;
  int column = 0; // 1-based column of the first non-blank character
};

std::string_view trim(std::string_view text, int& column) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
    ++column;
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r'))
    text.remove_suffix(1);
  return text;
}

std::vector<Field> split_fields(std::string_view line) {
  std::vector<Field> fields;
  int column = 1;
  while (true) {
    const std::size_t comma = line.find(',');
    int field_column = column;
    const std::string_view raw = line.substr(0, comma);
    fields.push_back(Field{.text = trim(raw, field_column), .column = field_column});
    if (comma == std::string_view::npos) break;
    column += static_cast<int>(comma) + 1;
    line.remove_prefix(comma + 1);
  }
  return fields;
}

bool parse_number(std::string_view text, double& value) {
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  return ec == std::errc() && ptr == end && std::isfinite(value);
}

} // namespace

WeatherCsv parse_weather_csv(std::string_view text) {
  WeatherCsv result;
  auto error = [&](int line, int column, std::string message) {
    result.errors.push_back(
        WeatherCsvError{.line = line, .column = column, .message = std::move(message)});
  };
  constexpr std::string_view header_names[] = {"time_s", "ambient_c"};
  bool header_seen = false;
  bool have_previous = false;
  double previous_time_s = 0;
  int line_number = 0;
  int last_line = 0;
  while (!text.empty()) {
    const std::size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    ++line_number;
    last_line = line_number;
    int column = 1;
    const std::string_view content = trim(line, column);
    if (content.empty()) continue;

    if (content.front() == '#') {
      if (header_seen) continue;
      int directive_column = column + 1;
      std::string_view directive = trim(content.substr(1), directive_column);
      constexpr std::string_view step_key = "step_s:";
      if (!directive.starts_with(step_key)) continue;
      int value_column = directive_column + static_cast<int>(step_key.size());
      const std::string_view value = trim(directive.substr(step_key.size()), value_column);
      double step_s = 0;
      if (!parse_number(value, step_s) || step_s <= 0)
        error(line_number, value_column,
              "bad step_s '" + std::string(value) + "': expected a number of seconds > 0");
      else
        result.step_s = step_s;
      continue;
    }

    const std::vector<Field> fields = split_fields(line);
    if (!header_seen) {
      header_seen = true;
      for (std::size_t i = 0; i < 2; ++i) {
        if (i >= fields.size()) {
          error(line_number, static_cast<int>(line.size()) + 1,
                "missing header column '" + std::string(header_names[i]) +
                    "': expected header 'time_s,ambient_c'");
        } else if (fields[i].text != header_names[i]) {
          error(line_number, fields[i].column,
                "expected header column '" + std::string(header_names[i]) + "', got '" +
                    std::string(fields[i].text) + "'");
        }
      }
      if (fields.size() > 2)
        error(line_number, fields[2].column,
              "unexpected header column '" + std::string(fields[2].text) +
                  "': expected header 'time_s,ambient_c'");
      continue;
    }

    if (fields.size() < 2) {
      error(line_number, fields[0].column + static_cast<int>(fields[0].text.size()),
            "missing column ambient_c: expected 2 columns (time_s,ambient_c)");
      continue;
    }
    if (fields.size() > 2) {
      error(line_number, fields[2].column,
            "unexpected third column '" + std::string(fields[2].text) +
                "': expected 2 columns (time_s,ambient_c)");
      continue;
    }
    double time_s = 0, ambient_c = 0;
    const bool time_ok = parse_number(fields[0].text, time_s);
    const bool ambient_ok = parse_number(fields[1].text, ambient_c);
    if (!time_ok)
      error(line_number, fields[0].column,
            "bad number '" + std::string(fields[0].text) + "' for time_s");
    if (!ambient_ok)
      error(line_number, fields[1].column,
            "bad number '" + std::string(fields[1].text) + "' for ambient_c");
    else if (ambient_c < min_ambient_c || ambient_c > max_ambient_c)
      error(line_number, fields[1].column,
            "ambient_c " + number(ambient_c) + " is outside [-90, 60] degC");
    if (!time_ok) continue;
    if (have_previous && time_s <= previous_time_s) {
      error(line_number, fields[0].column,
            "time_s " + number(time_s) +
                " does not increase (previous row: " + number(previous_time_s) + ")");
      continue;
    }
    if (have_previous && time_s - previous_time_s > result.step_s * (1 + 1e-12))
      error(line_number, fields[0].column,
            "gap of " + number(time_s - previous_time_s) + " s after time_s " +
                number(previous_time_s) + " exceeds the step of " + number(result.step_s) + " s");
    have_previous = true;
    previous_time_s = time_s;
    if (ambient_ok)
      result.samples.push_back(
          WeatherSample{.time_s = time_s, .temperature_k = ambient_c + celsius_k});
  }
  if (!header_seen)
    error(std::max(1, last_line), 1, "missing header: expected 'time_s,ambient_c'");
  else if (!have_previous && result.errors.empty())
    error(last_line + 1, 1, "no data rows after the header");
  if (!result.errors.empty()) result.samples.clear();
  return result;
}

double interpolate_temperature_k(std::span<const WeatherSample> samples, double time_s) {
  assert(!samples.empty());
  if (time_s <= samples.front().time_s) return samples.front().temperature_k;
  if (time_s >= samples.back().time_s) return samples.back().temperature_k;
  const auto after =
      std::upper_bound(samples.begin(), samples.end(), time_s,
                       [](double t, const WeatherSample& sample) { return t < sample.time_s; });
  const auto before = after - 1;
  const double weight = (time_s - before->time_s) / (after->time_s - before->time_s);
  return before->temperature_k + weight * (after->temperature_k - before->temperature_k);
}

} // namespace capsim
