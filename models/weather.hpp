// Ambient (dry-bulb) temperature for ground sites: a synthetic hourly profile and a parser for
// hourly weather files.
//
// Synthetic profile (t in s from 1 January 00:00 local standard time, year Y = 365 d, day D):
//   T(t) = T_mean + A_season * cos(2 pi (t - t_season) / Y) + A_day * cos(2 pi (t - t_day) / D)
//          + x(t)
//   x: AR(1) noise, stationary N(0, sigma^2), correlation exp(-|dt| / tau):
//     x_0 = sigma * z_0,   x_{n+1} = phi * x_n + sigma * sqrt(1 - phi^2) * z_n,  phi = exp(-dt/tau)
//   z: standard normal by Box-Muller from the raw 64-bit outputs of the engine passed in, so a
//   seed gives the same series with any standard library.
//
// Fit to climate normals (annual mean M, warmest-month mean daily high H, coldest-month mean
// daily low L, mean diurnal range R = mean daily high - mean daily low):
//   a month-long average of the seasonal cosine around its peak is c = sin(pi/12) / (pi/12);
//   the model's warmest-month mean high is T_mean + c A_season + R/2 and its coldest-month mean
//   low T_mean - c A_season - R/2; with the annual mean T_mean these are three equations in two
//   unknowns, solved by least squares:
//     c A_season = (H - L - R) / 2,   T_mean = (M + H + L) / 3
//   (exact when H - M = M - L). A_day = R/2 - b, where b is the amount by which the noise raises
//   the mean daily maximum of hourly values above A_day (and lowers the minimum by as much);
//   b has no closed form and is estimated by simulating the daily cycle with the noise, with
//   the engine passed in (b = 0 without noise).
//
// Parameters (WeatherParams):
//   annual_mean_k            K   T_mean
//   seasonal_amplitude_k     K   A_season (half the swing of the daily means over the year)
//   warmest_time_of_year_s   s   t_season, time of the seasonal peak after 1 January 00:00
//   daily_amplitude_k        K   A_day
//   warmest_time_of_day_s    s   t_day, time of the daily peak after midnight
//   noise_std_k              K   sigma
//   noise_correlation_s      s   tau (0 = independent hourly noise)
//
// Weather CSV format (parse_weather_csv), with times in seconds or as ISO-8601 UTC timestamps:
//   # lines starting with '#' are comments; before the header, "# step_s: 3600" states the
//   # largest allowed gap between rows in seconds (default 3600, hourly)
//   time_s,ambient_c
//   0,3.2
//   3600,2.9
// or, with the header `time_utc,ambient_c`, rows such as `2025-07-01T00:00:00Z,31.2`
// (YYYY-MM-DDTHH:MM:SSZ, UTC; times become seconds since 1970-01-01T00:00:00Z and are aligned
// with the scenario's epoch by the loader).
// The header is exactly `time_s,ambient_c` or `time_utc,ambient_c`; each row holds a time
// (strictly increasing, gaps <= step_s) and a dry-bulb temperature in degC within [-90, 60] (the
// world records are -89.2 degC and 56.7 degC, WMO Weather and Climate Extremes Archive). Blank
// lines are ignored, spaces around fields are allowed, CRLF line ends are accepted. Every error is
// reported with its 1-based line and column.
//
// Sources: Memphis climate normals (NOAA NCEI U.S. Climate Normals 1991-2020, Memphis
// International Airport): annual mean ~17 degC, July mean daily high ~33 degC, January mean daily
// low ~0 degC. The diurnal range and the noise (std, correlation) are assumptions, set per
// profile in configs/weather/.
#pragma once

#include <cstddef>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "models/parameter.hpp"

namespace capsim {

inline constexpr double weather_day_s = 86400;
inline constexpr double weather_year_s = 365 * weather_day_s;

// A ground site's weather parameter with a default (its `weather:` block); the source is exactly
// one of `profile`, `file` or `constant`, and `heatwaves` is a list of {start, duration, extra}.
namespace weather_parameter {
inline constexpr Parameter time_of_year_at_start{
    .key = "time_of_year_at_start",
    .dimension = Dimension::time,
    .default_si = 0,
    .min_si = 0,
    .max_si = weather_year_s,
    .meaning = "where the scenario's t = 0 falls in a profile's year (or a file's, in seconds), "
               "from 1 January 00:00",
    .default_from = "the scenario's epoch's time of year (UTC); 0 s without an epoch"};
inline constexpr Parameter table[] = {time_of_year_at_start};
} // namespace weather_parameter

// An item of `heatwaves:`, added to the weather source's ambient.
namespace heatwave_parameter {
inline constexpr Parameter start{.key = "start",
                                 .dimension = Dimension::time,
                                 .min_si = 0,
                                 .max_si = longest_horizon_s,
                                 .meaning = "when the heatwave begins",
                                 .required = true};
inline constexpr Parameter duration{.key = "duration",
                                    .dimension = Dimension::time,
                                    .min_si = 0,
                                    .max_si = longest_horizon_s,
                                    .meaning = "how long it lasts",
                                    .min_exclusive = true,
                                    .required = true};
inline constexpr Parameter extra{.key = "extra",
                                 .dimension = Dimension::temperature,
                                 .min_si = 0,
                                 .max_si = 60,
                                 .meaning = "added to the ambient meanwhile (a difference, in K)",
                                 .required = true};
inline constexpr Parameter table[] = {start, duration, extra};
} // namespace heatwave_parameter

struct WeatherParams {
  double annual_mean_k = 0;
  double seasonal_amplitude_k = 0;
  double warmest_time_of_year_s = 0;
  double daily_amplitude_k = 0;
  double warmest_time_of_day_s = 0;
  double noise_std_k = 0;
  double noise_correlation_s = 0;
};

struct ClimateNormals {
  double annual_mean_k = 0;
  double warmest_month_mean_daily_high_k = 0;
  double coldest_month_mean_daily_low_k = 0;
  double mean_diurnal_range_k = 0;
  double warmest_time_of_year_s = 0;
  double warmest_time_of_day_s = 0;
};

std::vector<std::string> validate(const WeatherParams& params);
std::vector<std::string> validate(const ClimateNormals& normals);

// The seasonal and daily cycles without noise.
double cycle_temperature_k(const WeatherParams& params, double time_s);
// Noise: a stationary draw, and one AR(1) step of dt_s.
double initial_noise_k(const WeatherParams& params, std::mt19937_64& rng);
double next_noise_k(const WeatherParams& params, double noise_k, double dt_s, std::mt19937_64& rng);
// `hours` hourly temperatures from start_time_s (cycle + noise).
std::vector<double> generate_hourly_temperatures_k(const WeatherParams& params, double start_time_s,
                                                   std::size_t hours, std::mt19937_64& rng);

// Sinusoid parameters fitted to the normals, with the given noise; rng is used only to estimate
// the noise's effect on the daily extremes (see above).
WeatherParams fit_weather_to_normals(const ClimateNormals& normals, double noise_std_k,
                                     double noise_correlation_s, std::mt19937_64& rng);

struct WeatherSample {
  double time_s = 0;
  double temperature_k = 0;
};

struct WeatherCsvError {
  int line = 0;   // 1-based
  int column = 0; // 1-based, in bytes
  std::string message;
};
std::string to_string(const WeatherCsvError& error); // "LINE:COLUMN: message"

// Either samples (errors empty) or errors (samples empty).
struct WeatherCsv {
  std::vector<WeatherSample> samples;
  std::vector<WeatherCsvError> errors;
  double step_s = 3600;
  bool utc = false; // times are seconds since 1970-01-01T00:00:00Z (header time_utc)
  bool ok() const { return errors.empty(); }
};

WeatherCsv parse_weather_csv(std::string_view text);

// Any hourly quantity in the same format, with its own value column: header `time_s,NAME` or
// `time_utc,NAME`; values in [min, max] of `unit` become SI as value * si_scale + si_offset.
// parse_weather_csv is parse_series_csv with ambient_c in degC, [-90, 60].
struct SeriesColumn {
  std::string_view name;
  std::string_view unit;
  double min = 0;
  double max = 0;
  double si_offset = 0;
  double si_scale = 1;
};
struct SeriesSample {
  double time_s = 0;
  double value = 0; // SI
};
struct SeriesCsv {
  std::vector<SeriesSample> samples;
  std::vector<WeatherCsvError> errors;
  double step_s = 3600;
  bool utc = false;
  bool ok() const { return errors.empty(); }
};
SeriesCsv parse_series_csv(std::string_view text, const SeriesColumn& column);

// "YYYY-MM-DDTHH:MM:SSZ" -> seconds since 1970-01-01T00:00:00Z (proleptic Gregorian calendar),
// false if the text is not such a timestamp or names no real date and time.
bool parse_utc_timestamp(std::string_view text, double& seconds_since_1970);
std::string format_utc_timestamp(double seconds_since_1970);
// Seconds from 1 January 00:00 UTC of the timestamp's year to the timestamp.
double utc_time_of_year_s(double seconds_since_1970);

// Linear interpolation between samples, holding the first and last values outside them
// (asserts samples is non-empty).
double interpolate_temperature_k(std::span<const WeatherSample> samples, double time_s);

// A quantity that steps over a run (ambient temperature, grid price, carbon intensity): value
// values[i] holds from times_s[i] (simulation time, ascending, the first at 0) until the next.
struct StepSeries {
  std::vector<double> times_s;
  std::vector<double> values;
};
using AmbientSeries = StepSeries; // values in K

// A temperature added during [start_s, start_s + duration_s) of simulation time.
struct Heatwave {
  double start_s = 0;
  double duration_s = 0;
  double extra_k = 0;
};

// One value per hour from t = 0.
AmbientSeries hourly_ambient_series(std::vector<double> hourly_k);
// A file's samples (times from the file's origin) seen from a run whose t = 0 falls at
// profile_time_at_start_s of the file: the sample in force at the start holds from 0, samples
// after the horizon are dropped, and a file covering a whole year (at least 363 days between its
// first and last rows) repeats, year after year, to the horizon; such a typical year stands for
// any year, so a start outside it is moved by whole years (365 d) into it.
AmbientSeries ambient_series_from_samples(std::span<const WeatherSample> samples,
                                          double profile_time_at_start_s, double horizon_s);
// The same for any quantity read by parse_series_csv.
StepSeries step_series_from_samples(std::span<const SeriesSample> samples,
                                    double profile_time_at_start_s, double horizon_s);
// Adds each heatwave: its edges become changes of their own, and every value inside it is raised.
void add_heatwaves(AmbientSeries& series, std::span<const Heatwave> heatwaves);
// The value in force at time_s (asserts the series is non-empty).
double value_at(const StepSeries& series, double time_s);
inline double ambient_at_k(const AmbientSeries& series, double time_s) {
  return value_at(series, time_s);
}
// The first change strictly after time_s, +infinity if none.
double next_change_s(const StepSeries& series, double time_s);
inline double next_ambient_change_s(const AmbientSeries& series, double time_s) {
  return next_change_s(series, time_s);
}

} // namespace capsim
