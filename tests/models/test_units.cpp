#include "models/units.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

using capsim::Dimension;
using capsim::format_quantity;
using capsim::parse_quantity;
using capsim::UnitError;

namespace {

// Exact unit definitions (SI Brochure 9th ed.; NIST SP 811 app. B; IEC 80000-13).
constexpr double hour_s = 3600;
constexpr double day_s = 86400;
constexpr double julian_year_s = 365.25 * day_s;

// One rounding in number * factor, plus one in computing the expected value another way.
constexpr double exact_rel = 1e-14;

bool close(double got, double want, double rel) {
  return std::fabs(got - want) <= rel * std::fabs(want);
}

std::optional<UnitError> error_of(std::string_view text, Dimension d) {
  try {
    parse_quantity(text, d);
  } catch (const UnitError& e) {
    return e;
  }
  return std::nullopt;
}

bool contains(const UnitError& e, std::string_view words) {
  return std::string_view(e.what()).find(words) != std::string_view::npos;
}

} // namespace

TEST_CASE("units: exact SI values from the unit definitions") {
  struct Case {
    const char* text;
    Dimension dimension;
    double si;
  };
  const Case cases[] = {
      {"150 MW", Dimension::power, 1.5e8},
      {"150MW", Dimension::power, 1.5e8},
      {"  150   MW  ", Dimension::power, 1.5e8},
      {"1.2 MWh", Dimension::energy, 1.2 * 3.6e9},
      {"3.4e9 USD", Dimension::money, 3.4e9},
      {"18 months", Dimension::time, 1.5 * julian_year_s},
      {"90 d", Dimension::time, 90 * day_s},
      {"90 days", Dimension::time, 90 * day_s},
      {"2 weeks", Dimension::time, 14 * day_s},
      {"1 yr", Dimension::time, julian_year_s},
      {"1 a", Dimension::time, julian_year_s},
      {"650 km", Dimension::length, 6.5e5},
      {"2.1 USD/GPU/h", Dimension::money_per_gpu_time, 2.1 / hour_s},
      {"2.1 USD / GPU / hour", Dimension::money_per_gpu_time, 2.1 / hour_s},
      {"1500 USD/GPU/month", Dimension::money_per_gpu_time, 1500 / (julian_year_s / 12)},
      {"35 degC", Dimension::temperature, 308.15},
      {"35 \u00B0C", Dimension::temperature, 308.15},
      {"212 degF", Dimension::temperature, 373.15}, // water boils: 212 degF = 100 degC
      {"-40 degF", Dimension::temperature, 233.15}, // the scales cross at -40
      {"-273.15 degC", Dimension::temperature, 0},  // absolute zero itself is allowed
      {"400 Gbit/s", Dimension::data_rate, 5e10},
      {"400 Gbps", Dimension::data_rate, 5e10},
      {"3.35 TB/s", Dimension::data_rate, 3.35e12},
      {"80 GB", Dimension::data, 8e10},
      {"1 GiB", Dimension::data, 1073741824},
      {"8 bit", Dimension::data, 1},
      {"1e27 FLOP", Dimension::flop, 1e27},
      {"3.8e25 FLOP", Dimension::flop, 3.8e25},
      {"2 EFLOP", Dimension::flop, 2e18},
      {"989 TFLOP/s", Dimension::flop_rate, 9.89e14},
      {"62 USD/MWh", Dimension::money_per_energy, 62 / 3.6e9},
      {"0.08 USD/kWh", Dimension::money_per_energy, 0.08 / 3.6e6},
      {"3.5 USD/MMBtu", Dimension::money_per_energy, 3.5 / 1.05505585262e9},
      {"1500 USD/kg", Dimension::money_per_mass, 1500},
      {"10.7e6 USD/MW", Dimension::money_per_power, 10.7},
      {"50 USD/W", Dimension::money_per_power, 50},
      {"1.97e-5 /GPU/h", Dimension::rate_per_gpu_time, 1.97e-5 / hour_s},
      {"1.97e-5 per GPU-hour", Dimension::rate_per_gpu_time, 1.97e-5 / hour_s},
      {"12 /yr", Dimension::frequency, 12 / julian_year_s},
      {"3 per day", Dimension::frequency, 3 / day_s},
      {"200 Wh/kg", Dimension::specific_energy, 200 * 3600},
      {"1.5 kW/kg", Dimension::specific_power, 1500},
      {"4.5 kg/m2", Dimension::areal_mass, 4.5},
      {"4.5 kg/m^2", Dimension::areal_mass, 4.5},
      {"2500 m2", Dimension::area, 2500},
      {"30 krad", Dimension::dose, 300}, // 1 rad = 0.01 Gy
      {"150 rad/yr", Dimension::dose_rate, 1.5 / julian_year_s},
      {"0.38 L/kWh", Dimension::volume_per_energy, 0.38e-3 / 3.6e6},
      {"0.9", Dimension::dimensionless, 0.9},
      {"90 %", Dimension::dimensionless, 0.9},
      {"90%", Dimension::dimensionless, 0.9},
      {".5", Dimension::dimensionless, 0.5},
      {"-2", Dimension::dimensionless, -2},
      {"+2e-3", Dimension::dimensionless, 2e-3},
      {"3EB", Dimension::data, 3e18}, // 'E' followed by a letter is a prefix, not an exponent
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    const double got = parse_quantity(c.text, c.dimension);
    if (c.si == 0) {
      CHECK(std::fabs(got) <= 1e-12);
    } else {
      CHECK(close(got, c.si, exact_rel));
    }
  }
}

TEST_CASE("units: every dimension's SI unit parses with factor 1") {
  for (Dimension d : capsim::all_dimensions) {
    CAPTURE(capsim::dimension_name(d));
    if (d == Dimension::dimensionless) {
      CHECK(parse_quantity("1", d) == 1);
      continue;
    }
    CHECK(parse_quantity("1 " + std::string(capsim::si_unit(d)), d) == 1);
  }
}

TEST_CASE("units: every example unit parses as its own dimension and not as any other") {
  for (Dimension d : capsim::all_dimensions) {
    const std::string list(capsim::example_units(d));
    CAPTURE(list);
    REQUIRE(!list.empty());
    std::size_t start = 0;
    while (start < list.size()) {
      std::size_t end = list.find(", ", start);
      if (end == std::string::npos) end = list.size();
      const std::string text = "1 " + list.substr(start, end - start);
      CAPTURE(text);
      CHECK(std::isfinite(parse_quantity(text, d)));
      for (Dimension other : capsim::all_dimensions)
        if (other != d) CHECK(error_of(text, other).has_value());
      start = end + 2;
    }
  }
}

TEST_CASE("units: format_quantity round-trips within 1e-12 for every dimension") {
  // Ends of the double range included: the chosen unit must not overflow or lose digits there.
  const std::vector<double> magnitudes = {std::numeric_limits<double>::min(),
                                          std::numeric_limits<double>::max(),
                                          1e-12,
                                          3.7e-9,
                                          1e-5,
                                          0.0123,
                                          0.5,
                                          1,
                                          2.1,
                                          42,
                                          999.9,
                                          1e3,
                                          150e6,
                                          4.32e9,
                                          3.8e25,
                                          1.7e300};
  for (Dimension d : capsim::all_dimensions) {
    for (double m : magnitudes) {
      for (double sign : {1.0, -1.0}) {
        if (d == Dimension::temperature && sign < 0) continue;
        const double x = sign * m;
        const std::string text = format_quantity(x, d);
        CAPTURE(capsim::dimension_name(d));
        CAPTURE(text);
        CHECK(close(parse_quantity(text, d), x, 1e-12));
      }
    }
    CHECK(parse_quantity(format_quantity(0, d), d) == 0);
  }
}

TEST_CASE("units: format_quantity picks readable units") {
  CHECK(format_quantity(1.5e8, Dimension::power) == "150 MW");
  CHECK(format_quantity(4.32e9, Dimension::energy) == "1.2 MWh");
  CHECK(format_quantity(1.5 * julian_year_s, Dimension::time) == "1.5 yr");
  CHECK(format_quantity(90 * day_s, Dimension::time) == "90 d");
  CHECK(format_quantity(2.1 / hour_s, Dimension::money_per_gpu_time) == "2.1 USD/GPU/h");
  CHECK(format_quantity(12 / julian_year_s, Dimension::frequency) == "12 /yr");
  CHECK(format_quantity(1.97e-5 / hour_s, Dimension::rate_per_gpu_time) == "1.97e-05 /GPU/h");
  CHECK(format_quantity(9.89e14, Dimension::flop_rate) == "989 TFLOP/s");
  CHECK(format_quantity(308.15, Dimension::temperature) == "308.15 K");
  CHECK(format_quantity(0.9, Dimension::dimensionless) == "0.9");
}

TEST_CASE("units: a bare number needs a unit unless dimensionless") {
  const auto e = error_of("150", Dimension::power);
  REQUIRE(e);
  CHECK(contains(*e, "expected a power with a unit (W, kW, MW, GW, TW), got a bare number '150'"));
  CHECK(e->column == 3); // where the unit is missing
}

TEST_CASE("units: a unit of the wrong dimension names both dimensions") {
  const auto e = error_of("1.2 MWh", Dimension::power);
  REQUIRE(e);
  CHECK(contains(*e, "expected a power (W, kW, MW, GW, TW), got 'MWh' which is an energy"));
  CHECK(e->column == 4);

  const auto m = error_of("18 m", Dimension::time);
  REQUIRE(m);
  CHECK(contains(*m, "'m' which is a length"));
  CHECK(m->column == 3);

  const auto d = error_of("0.9 W", Dimension::dimensionless);
  REQUIRE(d);
  CHECK(contains(*d, "expected a dimensionless number"));
  CHECK(d->column == 4);
}

TEST_CASE("units: unknown units, with hints for likely mistakes") {
  const auto e = error_of("150 MWX", Dimension::power);
  REQUIRE(e);
  CHECK(contains(*e, "unknown unit 'MWX'"));
  CHECK(contains(*e, "W, kW, MW, GW"));
  CHECK(e->column == 4);

  const auto lower = error_of("150 mw", Dimension::power);
  REQUIRE(lower);
  CHECK(contains(*lower, "did you mean 'MW'?"));

  const auto milli = error_of("150 mW", Dimension::power);
  REQUIRE(milli);
  CHECK(contains(*milli, "unknown unit 'mW'"));
  CHECK(contains(*milli, "'MW'"));

  const auto gb = error_of("400 Gb/s", Dimension::data_rate);
  REQUIRE(gb);
  CHECK(contains(*gb, "'Gbit/s'"));
  CHECK(contains(*gb, "'GB/s'"));

  const auto flops = error_of("1e25 FLOPs", Dimension::flop);
  REQUIRE(flops);
  CHECK(contains(*flops, "'FLOP/s' for a rate"));
  CHECK(flops->column == 5);
}

TEST_CASE("units: trailing text after a valid quantity") {
  const auto e = error_of("150 MW foo", Dimension::power);
  REQUIRE(e);
  CHECK(contains(*e, "unexpected text 'foo' after '150 MW'"));
  CHECK(e->column == 7);

  const auto comma = error_of("150 MW, 20 MW", Dimension::power);
  REQUIRE(comma);
  CHECK(contains(*comma, "unexpected text ', 20 MW'"));
  CHECK(comma->column == 6);
}

TEST_CASE("units: malformed and non-finite numbers") {
  struct Case {
    const char* text;
    const char* words;
    std::size_t column;
  };
  const Case cases[] = {
      {"", "empty quantity", 0},
      {"   ", "empty quantity", 0},
      {"MW", "starting with a number, got 'MW'", 0},
      {"nan MW", "'nan' is not a finite number", 0},
      {" inf W", "'inf' is not a finite number", 1},
      {"-infinity W", "'-infinity' is not a finite number", 0},
      {"1_000 MW", "digit separators are not accepted", 1},
      {"1,000 MW", "digit separators are not accepted", 1},
      {"1.2.3 MW", "malformed number '1.2.3'", 3},
      {"3e MW", "exponent has no digits", 1},
      {"3e+ MW", "exponent has no digits", 1},
      {"1e400 MW", "out of the range of a double", 0},
      {"1e308 TW", "out of the range of a double", 0},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    const auto e = error_of(c.text, Dimension::power);
    REQUIRE(e);
    CHECK(contains(*e, c.words));
    CHECK(e->column == c.column);
  }
}

TEST_CASE("units: temperatures below absolute zero are rejected") {
  const auto e = error_of("  -300 degC", Dimension::temperature);
  REQUIRE(e);
  CHECK(contains(*e, "below absolute zero"));
  CHECK(contains(*e, "-26.85 K")); // -300 + 273.15
  CHECK(e->column == 2);

  const auto k = error_of("-1 K", Dimension::temperature);
  REQUIRE(k);
  CHECK(contains(*k, "below absolute zero"));
  CHECK(k->column == 0);
}
