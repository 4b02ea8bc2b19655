#include "models/weather.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <random>

using namespace capsim;

namespace {

constexpr double celsius_k = 273.15;

// Memphis normals (NOAA NCEI 1991-2020): annual mean ~17 degC, July mean daily high ~33 degC,
// January mean daily low ~0 degC. Diurnal range 10 K, peak mid-July (196.5 d) and 15:00, noise
// 3 K with 48 h correlation: the assumptions of configs/weather/memphis-synthetic.yaml.
ClimateNormals memphis_normals() {
  return ClimateNormals{.annual_mean_k = celsius_k + 17,
                        .warmest_month_mean_daily_high_k = celsius_k + 33,
                        .coldest_month_mean_daily_low_k = celsius_k + 0,
                        .mean_diurnal_range_k = 10,
                        .warmest_time_of_year_s = 196.5 * weather_day_s,
                        .warmest_time_of_day_s = 15 * 3600};
}
constexpr double memphis_noise_std_k = 3;
constexpr double memphis_noise_correlation_s = 48 * 3600;

struct MonthlyExtremes {
  std::array<double, 12> mean_daily_high_k{};
  std::array<double, 12> mean_daily_low_k{};
};

// Calendar months of the 365-day year, averaged over every year of an hourly series that starts
// on 1 January 00:00.
MonthlyExtremes monthly_extremes(const std::vector<double>& hourly_k) {
  constexpr std::array<int, 12> month_days{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  std::array<int, 365> month_of_day{};
  for (int month = 0, day = 0; month < 12; ++month)
    for (int d = 0; d < month_days[month]; ++d)
      month_of_day[day++] = month;
  MonthlyExtremes out;
  std::array<int, 12> count{};
  for (std::size_t day = 0; (day + 1) * 24 <= hourly_k.size(); ++day) {
    const auto first = hourly_k.begin() + static_cast<std::ptrdiff_t>(day * 24);
    const auto [low, high] = std::minmax_element(first, first + 24);
    const int month = month_of_day[day % 365];
    out.mean_daily_high_k[month] += *high;
    out.mean_daily_low_k[month] += *low;
    ++count[month];
  }
  for (int month = 0; month < 12; ++month) {
    out.mean_daily_high_k[month] /= count[month];
    out.mean_daily_low_k[month] /= count[month];
  }
  return out;
}

double mean(const std::vector<double>& values) {
  double sum = 0;
  for (double v : values)
    sum += v;
  return sum / static_cast<double>(values.size());
}

} // namespace

TEST_CASE("weather: a profile fitted to the Memphis normals reproduces them within 1 degC") {
  std::mt19937_64 rng(1991);
  const WeatherParams p = fit_weather_to_normals(memphis_normals(), memphis_noise_std_k,
                                                 memphis_noise_correlation_s, rng);
  REQUIRE(validate(p).empty());
  MESSAGE("fitted: mean " << p.annual_mean_k - celsius_k << " degC, seasonal amplitude "
                          << p.seasonal_amplitude_k << " K, daily amplitude " << p.daily_amplitude_k
                          << " K");
  // 100 years of hours: the standard error of a monthly mean is ~0.1 K (sigma sqrt(2 tau / T)).
  const std::vector<double> hourly_k = generate_hourly_temperatures_k(p, 0, 100 * 8760, rng);
  const MonthlyExtremes m = monthly_extremes(hourly_k);
  const auto warmest = std::max_element(m.mean_daily_high_k.begin(), m.mean_daily_high_k.end());
  const auto coldest = std::min_element(m.mean_daily_low_k.begin(), m.mean_daily_low_k.end());
  MESSAGE("generated: mean " << mean(hourly_k) - celsius_k << " degC, warmest-month high "
                             << *warmest - celsius_k << " degC, coldest-month low "
                             << *coldest - celsius_k << " degC");
  CHECK(std::abs(mean(hourly_k) - (celsius_k + 17)) < 1);
  CHECK(std::abs(*warmest - (celsius_k + 33)) < 1);
  CHECK(std::abs(*coldest - (celsius_k + 0)) < 1);
  CHECK(warmest - m.mean_daily_high_k.begin() == 6); // July
  CHECK(coldest - m.mean_daily_low_k.begin() == 0);  // January
  // The noise-corrected daily amplitude gives the stated mean diurnal range.
  double range_k = 0;
  for (int month = 0; month < 12; ++month)
    range_k += (m.mean_daily_high_k[month] - m.mean_daily_low_k[month]) / 12;
  CHECK(range_k == doctest::Approx(10).epsilon(0.03));
}

TEST_CASE("weather: the fitted parameters are those of configs/weather/memphis-synthetic.yaml") {
  std::mt19937_64 rng(1991);
  const WeatherParams p = fit_weather_to_normals(memphis_normals(), memphis_noise_std_k,
                                                 memphis_noise_correlation_s, rng);
  // The file rounds to 0.1 K; least squares gives (17 + 33 + 0) / 3 and (33 - 0 - 10) / 2 / c.
  CHECK(p.annual_mean_k - celsius_k == doctest::Approx(50.0 / 3));
  CHECK(p.seasonal_amplitude_k ==
        doctest::Approx(11.5 * (std::numbers::pi / 12) / std::sin(std::numbers::pi / 12)));
  CHECK(std::abs(p.annual_mean_k - celsius_k - 16.7) < 0.05);
  CHECK(std::abs(p.seasonal_amplitude_k - 11.6) < 0.05);
  CHECK(std::abs(p.daily_amplitude_k - 4.6) < 0.05);
}

TEST_CASE("weather: without noise the fit is exact and the cycle peaks where stated") {
  std::mt19937_64 rng(1);
  ClimateNormals symmetric = memphis_normals();
  symmetric.annual_mean_k = celsius_k + 16.5; // H - M = M - L: the three equations agree
  const WeatherParams p = fit_weather_to_normals(symmetric, 0, 0, rng);
  CHECK(p.daily_amplitude_k == doctest::Approx(5));
  CHECK(p.annual_mean_k == doctest::Approx(celsius_k + 16.5));
  const double peak_s = 196.5 * weather_day_s - 12 * 3600 + 15 * 3600; // 15:00 on 16 July
  const double month_average = std::sin(std::numbers::pi / 12) / (std::numbers::pi / 12);
  // At the peak: mean + seasonal amplitude (cos of 3 h of a year ~ 1) + daily amplitude.
  CHECK(cycle_temperature_k(p, peak_s) ==
        doctest::Approx(celsius_k + 16.5 + 11.5 / month_average + 5).epsilon(1e-6));
  CHECK(generate_hourly_temperatures_k(p, 0, 48, rng) ==
        generate_hourly_temperatures_k(p, 0, 48, rng)); // no noise, no randomness
}

TEST_CASE("weather: the same seed gives the same series, another seed another one") {
  const WeatherParams p{.annual_mean_k = celsius_k + 17,
                        .seasonal_amplitude_k = 11,
                        .warmest_time_of_year_s = 196 * weather_day_s,
                        .daily_amplitude_k = 5,
                        .warmest_time_of_day_s = 15 * 3600,
                        .noise_std_k = 3,
                        .noise_correlation_s = 48 * 3600};
  std::mt19937_64 a(42), b(42), c(43);
  const auto series_a = generate_hourly_temperatures_k(p, 0, 1000, a);
  CHECK(series_a == generate_hourly_temperatures_k(p, 0, 1000, b));
  CHECK(series_a != generate_hourly_temperatures_k(p, 0, 1000, c));
}

TEST_CASE("weather: the noise is AR(1) with the stated std and correlation time") {
  const WeatherParams p{.annual_mean_k = 280,
                        .warmest_time_of_year_s = 0,
                        .noise_std_k = 3,
                        .noise_correlation_s = 48 * 3600};
  std::mt19937_64 rng(5);
  const std::size_t n = 2'000'000;
  const std::vector<double> x = generate_hourly_temperatures_k(p, 0, n, rng);
  double sum2 = 0, lag1 = 0, lag24 = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double xi = x[i] - 280;
    sum2 += xi * xi;
    if (i >= 1) lag1 += xi * (x[i - 1] - 280);
    if (i >= 24) lag24 += xi * (x[i - 24] - 280);
  }
  // ~n / (2 tau) = 20,000 independent blocks: a few percent of sampling error.
  CHECK(std::sqrt(sum2 / n) == doctest::Approx(3).epsilon(0.05));
  CHECK(lag1 / sum2 == doctest::Approx(std::exp(-1.0 / 48)).epsilon(0.01));
  CHECK(lag24 / sum2 == doctest::Approx(std::exp(-24.0 / 48)).epsilon(0.05));
}

TEST_CASE("weather: validate reports bad parameters and normals") {
  WeatherParams p{.annual_mean_k = 290, .noise_std_k = -1};
  p.warmest_time_of_day_s = 90000;
  const auto problems = validate(p);
  REQUIRE(problems.size() == 2);
  CHECK(problems[0] == "warmest time of day must be in [0, 24 h), got 90000 s");
  CHECK(problems[1] == "noise std must be >= 0, got -1 K");
  ClimateNormals n = memphis_normals();
  n.mean_diurnal_range_k = 40;
  CHECK(validate(n).size() == 1);
}

TEST_CASE("weather csv: a good file parses") {
  const auto csv = parse_weather_csv("# Memphis, hourly\r\n"
                                     "# step_s: 7200\r\n"
                                     "time_s,ambient_c\r\n"
                                     "0, 3.5\r\n"
                                     "\r\n"
                                     "3600,-1.25\r\n"
                                     "# a comment between rows\r\n"
                                     "10800 ,  2\r\n");
  REQUIRE(csv.ok());
  CHECK(csv.step_s == 7200);
  REQUIRE(csv.samples.size() == 3);
  CHECK(csv.samples[1].time_s == 3600);
  CHECK(csv.samples[1].temperature_k == doctest::Approx(271.9));
  CHECK(csv.samples[2].time_s == 10800);
  CHECK(interpolate_temperature_k(csv.samples, 1800) == doctest::Approx(273.15 + 1.125));
  CHECK(interpolate_temperature_k(csv.samples, -5) == csv.samples[0].temperature_k);
  CHECK(interpolate_temperature_k(csv.samples, 1e9) == csv.samples[2].temperature_k);
}

TEST_CASE("weather csv: each bad row kind gives its line and column") {
  struct Case {
    const char* text;
    const char* error;
  };
  const Case cases[] = {
      {"time,ambient_c\n0,1\n", "1:1: expected header column 'time_s', got 'time'"},
      {"time_s,temp_c\n0,1\n", "1:8: expected header column 'ambient_c', got 'temp_c'"},
      {"time_s\n0,1\n", "1:7: missing header column 'ambient_c': expected header "
                        "'time_s,ambient_c' or 'time_utc,ambient_c'"},
      {"time_s,ambient_c\n0,1\n3600\n",
       "3:5: missing column ambient_c: expected 2 columns (time_s,ambient_c)"},
      {"time_s,ambient_c\n0,1,2\n", "2:5: unexpected third column '2': expected 2 columns "
                                    "(time_s,ambient_c)"},
      {"time_s,ambient_c\n0,1\n36o0,2\n", "3:1: bad number '36o0' for time_s"},
      {"time_s,ambient_c\n0,1\n3600, warm\n", "3:7: bad number 'warm' for ambient_c"},
      {"time_s,ambient_c\n0,1\n3600,nan\n", "3:6: bad number 'nan' for ambient_c"},
      {"time_s,ambient_c\n0,1\n3600,2\n3600,3\n",
       "4:1: time_s 3600 does not increase (previous row: 3600)"},
      {"time_s,ambient_c\n0,1\n7200,2\n",
       "3:1: gap of 7200 s after time_s 0 exceeds the step of 3600 s"},
      {"time_s,ambient_c\n0,1\n3600,75\n", "3:6: ambient_c 75 is outside [-90, 60] degC"},
      {"# step_s: hourly\ntime_s,ambient_c\n0,1\n",
       "1:11: bad step_s 'hourly': expected a number of seconds > 0"},
      {"", "1:1: missing header: expected 'time_s,ambient_c'"},
      {"time_s,ambient_c\n", "2:1: no data rows after the header"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    const auto csv = parse_weather_csv(c.text);
    REQUIRE(csv.errors.size() == 1);
    CHECK(to_string(csv.errors[0]) == c.error);
    CHECK(csv.samples.empty());
  }
}

TEST_CASE("weather csv: all errors of a file are reported in one pass") {
  const auto csv = parse_weather_csv("time_s,ambient_c\n"
                                     "0,1\n"
                                     "x,2\n"
                                     "3600,y\n"
                                     "1800,3\n");
  REQUIRE(csv.errors.size() == 3);
  CHECK(csv.errors[0].line == 3);
  CHECK(csv.errors[1].line == 4);
  CHECK(csv.errors[2].line == 5);
}

TEST_CASE("weather series: a file starting mid-profile lines up with the run's t = 0") {
  std::vector<WeatherSample> samples;
  for (int h = 0; h < 48; ++h)
    samples.push_back({3600.0 * h, 280.0 + h});
  // The run starts 10.5 h into the file: the value in force then (row 10) holds from 0.
  AmbientSeries s = ambient_series_from_samples(samples, 10.5 * 3600, 5 * 3600);
  CHECK(ambient_at_k(s, 0) == 290);
  CHECK(ambient_at_k(s, 0.5 * 3600 - 1) == 290);
  CHECK(ambient_at_k(s, 0.5 * 3600) == 291);
  CHECK(next_ambient_change_s(s, 0) == 0.5 * 3600);
  CHECK(s.times_s.back() <= 5 * 3600); // nothing after the horizon
}

TEST_CASE("weather series: a year-long file repeats to the horizon, heatwaves add their extra") {
  std::vector<WeatherSample> samples;
  for (int d = 0; d < 365; ++d)
    samples.push_back({weather_day_s * d, 270.0 + d % 30});
  const double horizon_s = 2.5 * weather_year_s;
  AmbientSeries s = ambient_series_from_samples(samples, 0, horizon_s);
  CHECK(s.times_s.back() >= horizon_s);
  for (double t : {3.25 * weather_day_s, 100.5 * weather_day_s, 364.9 * weather_day_s})
    for (int year : {1, 2})
      CHECK(ambient_at_k(s, t + year * weather_year_s) == ambient_at_k(s, t));
  // A 3-day heatwave of +8 K from day 40 12:00: edges become changes of their own.
  const Heatwave wave{
      .start_s = 40.5 * weather_day_s, .duration_s = 3 * weather_day_s, .extra_k = 8};
  AmbientSeries hot = s;
  add_heatwaves(hot, std::span(&wave, 1));
  CHECK(ambient_at_k(hot, 40.25 * weather_day_s) == ambient_at_k(s, 40.25 * weather_day_s));
  for (double t : {40.5, 41.0, 42.7, 43.49})
    CHECK(ambient_at_k(hot, t * weather_day_s) == ambient_at_k(s, t * weather_day_s) + 8);
  CHECK(ambient_at_k(hot, 43.5 * weather_day_s) == ambient_at_k(s, 43.5 * weather_day_s));
  CHECK(next_ambient_change_s(hot, 40.25 * weather_day_s) == 40.5 * weather_day_s);
  // Hourly synthetic values: one per hour from 0.
  AmbientSeries hourly = hourly_ambient_series({280, 281, 282});
  CHECK(hourly.times_s == std::vector<double>{0, 3600, 7200});
  CHECK(ambient_at_k(hourly, 7199) == 281);
}
