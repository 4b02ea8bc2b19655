#include "models/weather.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
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

namespace {

// Days from 1970-01-01 to y-m-d (H. Hinnant, "chrono-compatible low-level date algorithms").
long long days_from_civil(long long y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

void civil_from_days(long long z, long long& y, unsigned& m, unsigned& d) {
  z += 719468;
  const long long era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<long long>(yoe) + era * 400 + (m <= 2);
}

bool digits(std::string_view text, std::size_t at, std::size_t n, int& value) {
  value = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  return true;
}

} // namespace

bool parse_utc_timestamp(std::string_view t, double& seconds) {
  if (t.size() != 20 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' ||
      t[16] != ':' || t[19] != 'Z')
    return false;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(t, 0, 4, year) || !digits(t, 5, 2, month) || !digits(t, 8, 2, day) ||
      !digits(t, 11, 2, hour) || !digits(t, 14, 2, minute) || !digits(t, 17, 2, second))
    return false;
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return false;
  constexpr int month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (day > month_days[month - 1] + (month == 2 && leap ? 1 : 0)) return false;
  const long long days =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  seconds = static_cast<double>(days) * 86400.0 + hour * 3600.0 + minute * 60.0 + second;
  return true;
}

std::string format_utc_timestamp(double seconds) {
  const auto whole = static_cast<long long>(std::floor(seconds));
  long long days = whole / 86400, rest = whole % 86400;
  if (rest < 0) rest += 86400, --days;
  long long y = 0;
  unsigned m = 0, d = 0;
  civil_from_days(days, y, m, d);
  char text[64]; // a year of any width: -Wformat-truncation cannot bound it
  std::snprintf(text, sizeof text, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ", y, m, d, rest / 3600,
                rest / 60 % 60, rest % 60);
  return text;
}

double utc_time_of_year_s(double seconds) {
  const auto days = static_cast<long long>(std::floor(seconds / 86400.0));
  long long y = 0;
  unsigned m = 0, d = 0;
  civil_from_days(days, y, m, d);
  return seconds - static_cast<double>(days_from_civil(y, 1, 1)) * 86400.0;
}

SeriesCsv parse_series_csv(std::string_view text, const SeriesColumn& spec) {
  SeriesCsv result;
  const std::string value_name(spec.name);
  const std::string time_and_value = "time_s," + value_name;
  auto error = [&](int line, int column, std::string message) {
    result.errors.push_back(
        WeatherCsvError{.line = line, .column = column, .message = std::move(message)});
  };
  std::string_view header_names[] = {"time_s", spec.name};
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
      if (!fields.empty() && fields[0].text == "time_utc") {
        result.utc = true;
        header_names[0] = "time_utc";
      }
      for (std::size_t i = 0; i < 2; ++i) {
        if (i >= fields.size()) {
          error(line_number, static_cast<int>(line.size()) + 1,
                "missing header column '" + std::string(header_names[i]) + "': expected header '" +
                    time_and_value + "' or 'time_utc," + value_name + "'");
        } else if (fields[i].text != header_names[i]) {
          error(line_number, fields[i].column,
                "expected header column '" + std::string(header_names[i]) + "', got '" +
                    std::string(fields[i].text) + "'");
        }
      }
      if (fields.size() > 2)
        error(line_number, fields[2].column,
              "unexpected header column '" + std::string(fields[2].text) + "': expected header '" +
                  time_and_value + "'");
      continue;
    }

    if (fields.size() < 2) {
      error(line_number, fields[0].column + static_cast<int>(fields[0].text.size()),
            "missing column " + value_name + ": expected 2 columns (" + time_and_value + ")");
      continue;
    }
    if (fields.size() > 2) {
      error(line_number, fields[2].column,
            "unexpected third column '" + std::string(fields[2].text) + "': expected 2 columns (" +
                time_and_value + ")");
      continue;
    }
    double time_s = 0, value = 0;
    const bool time_ok = result.utc ? parse_utc_timestamp(fields[0].text, time_s)
                                    : parse_number(fields[0].text, time_s);
    const auto time_text = [&](double t) {
      return result.utc ? format_utc_timestamp(t) : number(t);
    };
    const bool ambient_ok = parse_number(fields[1].text, value);
    if (!time_ok)
      error(line_number, fields[0].column,
            result.utc ? "bad timestamp '" + std::string(fields[0].text) +
                             "' for time_utc: expected YYYY-MM-DDTHH:MM:SSZ"
                       : "bad number '" + std::string(fields[0].text) + "' for time_s");
    if (!ambient_ok)
      error(line_number, fields[1].column,
            "bad number '" + std::string(fields[1].text) + "' for " + value_name);
    else if (value < spec.min || value > spec.max)
      error(line_number, fields[1].column,
            value_name + " " + number(value) + " is outside [" + number(spec.min) + ", " +
                number(spec.max) + "] " + std::string(spec.unit));
    if (!time_ok) continue;
    if (have_previous && time_s <= previous_time_s) {
      error(line_number, fields[0].column,
            std::string(header_names[0]) + " " + time_text(time_s) +
                " does not increase (previous row: " + time_text(previous_time_s) + ")");
      continue;
    }
    if (have_previous && time_s - previous_time_s > result.step_s * (1 + 1e-12))
      error(line_number, fields[0].column,
            "gap of " + number(time_s - previous_time_s) + " s after " +
                std::string(header_names[0]) + " " + time_text(previous_time_s) +
                " exceeds the step of " + number(result.step_s) + " s");
    have_previous = true;
    previous_time_s = time_s;
    if (ambient_ok)
      result.samples.push_back(
          SeriesSample{.time_s = time_s, .value = value * spec.si_scale + spec.si_offset});
  }
  if (!header_seen)
    error(std::max(1, last_line), 1, "missing header: expected '" + time_and_value + "'");
  else if (!have_previous && result.errors.empty())
    error(last_line + 1, 1, "no data rows after the header");
  if (!result.errors.empty()) result.samples.clear();
  return result;
}

WeatherCsv parse_weather_csv(std::string_view text) {
  SeriesCsv csv = parse_series_csv(text, SeriesColumn{.name = "ambient_c",
                                                      .unit = "degC",
                                                      .min = min_ambient_c,
                                                      .max = max_ambient_c,
                                                      .si_offset = celsius_k});
  WeatherCsv result;
  result.errors = std::move(csv.errors);
  result.step_s = csv.step_s;
  result.utc = csv.utc;
  for (const SeriesSample& sample : csv.samples)
    result.samples.push_back({.time_s = sample.time_s, .temperature_k = sample.value});
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

AmbientSeries hourly_ambient_series(std::vector<double> hourly_k) {
  AmbientSeries series;
  series.values = std::move(hourly_k);
  for (std::size_t h = 0; h < series.values.size(); ++h)
    series.times_s.push_back(3600.0 * static_cast<double>(h));
  return series;
}

StepSeries step_series_from_samples(std::span<const SeriesSample> samples,
                                    double profile_time_at_start_s, double horizon_s) {
  StepSeries series;
  auto& times = series.times_s;
  auto& values = series.values;
  const bool whole_year = samples.size() > 1 && samples.back().time_s - samples.front().time_s >=
                                                    weather_year_s - 2 * weather_day_s;
  if (whole_year) // a typical year stands for any year: start inside the file
    profile_time_at_start_s -=
        std::floor((profile_time_at_start_s - samples.front().time_s) / weather_year_s) *
        weather_year_s;
  for (const SeriesSample& s : samples) {
    double t = s.time_s - profile_time_at_start_s;
    if (t > horizon_s) break;
    if (t < 0 && !times.empty()) values.clear(), times.clear();
    times.push_back(std::max(0.0, t));
    values.push_back(s.value);
  }
  if (whole_year) {
    for (double shift = weather_year_s; !times.empty() && times.back() < horizon_s;
         shift += weather_year_s)
      for (const SeriesSample& s : samples) {
        double t = s.time_s + shift - profile_time_at_start_s;
        if (t <= times.back()) continue;
        if (t > horizon_s + weather_year_s) break;
        times.push_back(t);
        values.push_back(s.value);
      }
  }
  return series;
}

AmbientSeries ambient_series_from_samples(std::span<const WeatherSample> samples,
                                          double profile_time_at_start_s, double horizon_s) {
  std::vector<SeriesSample> generic;
  generic.reserve(samples.size());
  for (const WeatherSample& s : samples)
    generic.push_back({.time_s = s.time_s, .value = s.temperature_k});
  return step_series_from_samples(generic, profile_time_at_start_s, horizon_s);
}

void add_heatwaves(AmbientSeries& series, std::span<const Heatwave> heatwaves) {
  if (series.times_s.empty()) return;
  auto& times = series.times_s;
  auto& values = series.values;
  for (const Heatwave& wave : heatwaves) {
    for (double edge : {wave.start_s, wave.start_s + wave.duration_s}) {
      auto it = std::lower_bound(times.begin(), times.end(), edge);
      if (it != times.end() && *it == edge) continue;
      auto index = static_cast<std::size_t>(it - times.begin());
      double value = index > 0 ? values[index - 1] : values.front();
      times.insert(it, edge);
      values.insert(values.begin() + static_cast<long>(index), value);
    }
    for (std::size_t i = 0; i < times.size(); ++i)
      if (times[i] >= wave.start_s && times[i] < wave.start_s + wave.duration_s)
        values[i] += wave.extra_k;
  }
}

double value_at(const StepSeries& series, double time_s) {
  assert(!series.times_s.empty());
  auto it = std::upper_bound(series.times_s.begin(), series.times_s.end(), time_s);
  std::size_t index =
      it == series.times_s.begin() ? 0 : static_cast<std::size_t>(it - series.times_s.begin()) - 1;
  return series.values[index];
}

double next_change_s(const StepSeries& series, double time_s) {
  auto it = std::upper_bound(series.times_s.begin(), series.times_s.end(), time_s);
  return it == series.times_s.end() ? std::numeric_limits<double>::infinity() : *it;
}

} // namespace capsim
