// libFuzzer target: any byte string given to the scenario loader and to the unit parser must end
// in a value or in a located input error — never a crash, a hang, an uncaught exception or a
// sanitizer report. Built by tools/fuzz.sh (clang, -fsanitize=fuzzer,address,undefined).
#include <cstddef>
#include <cstdint>
#include <string>

#include "models/units.hpp"
#include "sim/scenario/loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    capsim::load_scenario_text(text, "fuzz.yaml");
  } catch (const capsim::InputError&) {
  }
  // The unit parser on the first line, in every dimension.
  std::string line = text.substr(0, text.find('\n'));
  for (capsim::Dimension d : capsim::all_dimensions) {
    try {
      capsim::parse_quantity(line, d);
    } catch (const capsim::UnitError&) {
    }
  }
  return 0;
}
