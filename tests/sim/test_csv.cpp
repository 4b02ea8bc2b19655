// CSV fields as events.csv and the other tables write them (RFC 4180): quoted only when they
// hold a comma, a double quote, CR or LF, with quotes doubled inside.
#include <doctest/doctest.h>

#include <string>

#include "sim/report/csv.hpp"

using capsim::csv_field;

TEST_CASE("csv fields: quoted exactly when RFC 4180 needs it") {
  CHECK(csv_field("") == "");
  CHECK(csv_field("hardware: fleet-a/host-12 (8 GPUs) down") ==
        "hardware: fleet-a/host-12 (8 GPUs) down");
  // Characters around the four special ones, and bytes of UTF-8 text, stay as they are.
  CHECK(csv_field("a\tb;c+d-e.f/g<h>i") == "a\tb;c+d-e.f/g<h>i");
  CHECK(csv_field("Lule\xc3\xa5 \xe2\x80\x94 -3.2 \xc2\xb0"
                  "C") == "Lule\xc3\xa5 \xe2\x80\x94 -3.2 \xc2\xb0"
                          "C");
  CHECK(csv_field("shed, at the site") == "\"shed, at the site\"");
  CHECK(csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(csv_field("two\nlines") == "\"two\nlines\"");
  CHECK(csv_field("cr\r") == "\"cr\r\"");
  // Every position of a long field is looked at.
  std::string long_text(200, 'x');
  CHECK(csv_field(long_text) == long_text);
  long_text.back() = ',';
  CHECK(csv_field(long_text) == "\"" + long_text + "\"");
  // Each special character at every position of fields of 1 to 40 characters (the check reads
  // 16 at a time, then one by one), and every other byte value nowhere flagged.
  for (std::size_t length = 1; length <= 40; ++length)
    for (std::size_t at = 0; at < length; ++at)
      for (char special : {',', '"', '\n', '\r'}) {
        std::string text(length, 'x');
        text[at] = special;
        CHECK(csv_field(text).front() == '"');
      }
  std::string others;
  for (int byte = 1; byte < 256; ++byte)
    if (byte != ',' && byte != '"' && byte != '\n' && byte != '\r')
      others += static_cast<char>(byte);
  CHECK(csv_field(others) == others);
}
