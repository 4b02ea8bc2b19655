#include "sim/scenario/yaml_reader.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <set>

namespace capsim {

namespace {
// 'key' in WHAT, built by appending: GCC 12 warns falsely on "'" + std::string (-Wrestrict,
// GCC bug 105651).
std::string key_in(std::string_view key, const std::string& what) {
  std::string text(1, '\'');
  text.append(key);
  text += "' in ";
  text += what;
  return text;
}
} // namespace

MapReader::MapReader(const YAML::Node& node, std::string what, Diagnostics& diagnostics)
    : node_(node), what_(std::move(what)), diagnostics_(diagnostics) {
  if (!node_.IsDefined() || node_.IsNull()) {
    valid_ = false;
    diagnostics_.error(node_, what_ + " is empty; expected a mapping of keys to values");
    return;
  }
  if (!node_.IsMap()) {
    diagnostics_.error(node_, what_ + " must be a mapping (key: value lines)");
    return;
  }
  valid_ = true;
}

bool MapReader::has(std::string_view key) const {
  return valid_ && node_[std::string(key)].IsDefined();
}

YAML::Node MapReader::peek(std::string_view key) const {
  if (!valid_) return YAML::Node(YAML::NodeType::Undefined);
  // An absent key of a const mapping is an invalid node, on which IsScalar() and Scalar() throw:
  // hand back a plain undefined node instead.
  YAML::Node value = node_[std::string(key)];
  return value.IsDefined() ? value : YAML::Node(YAML::NodeType::Undefined);
}

YAML::Node MapReader::take(std::string_view key, Need need) {
  asked_.emplace_back(key);
  if (!valid_) return YAML::Node(YAML::NodeType::Undefined);
  YAML::Node value = node_[std::string(key)];
  if (!value.IsDefined() || value.IsNull()) {
    if (need == Need::required)
      diagnostics_.error(node_, what_ + " is missing required key '" + std::string(key) + "'");
    return YAML::Node(YAML::NodeType::Undefined);
  }
  return value;
}

std::optional<std::string> MapReader::scalar_text(const YAML::Node& value, std::string_view key) {
  if (!value.IsScalar()) {
    diagnostics_.error(value, key_in(key, what_) + " must be a single value");
    return std::nullopt;
  }
  return value.Scalar();
}

std::optional<std::string> MapReader::string(std::string_view key, Need need) {
  YAML::Node value = take(key, need);
  if (!value.IsDefined()) return std::nullopt;
  return scalar_text(value, key);
}

std::optional<double> read_quantity(const YAML::Node& value, Dimension dimension,
                                    std::string_view what, Diagnostics& diagnostics) {
  if (!value.IsScalar()) {
    diagnostics.error(value, std::string(what) + " must be a quantity such as '" +
                                 std::string(example_units(dimension)) + "'");
    return std::nullopt;
  }
  try {
    return parse_quantity(value.Scalar(), dimension);
  } catch (const UnitError& e) {
    // Quoted scalars carry the tag "!"; their text starts one column after the quote.
    int shift = static_cast<int>(e.column) + (value.Tag() == "!" ? 1 : 0);
    diagnostics.error(value, std::string(what) + ": " + e.what(), shift);
    return std::nullopt;
  }
}

std::optional<double> MapReader::quantity(std::string_view key, Dimension dimension, Need need) {
  YAML::Node value = take(key, need);
  if (!value.IsDefined()) return std::nullopt;
  return read_quantity(value, dimension, key_in(key, what_), diagnostics_);
}

std::optional<double> MapReader::quantity_in(std::string_view key, Dimension dimension, Need need,
                                             double min_si, double max_si, bool min_exclusive) {
  YAML::Node value = take(key, need);
  if (!value.IsDefined()) return std::nullopt;
  auto q = read_quantity(value, dimension, key_in(key, what_), diagnostics_);
  if (!q) return std::nullopt;
  bool low = min_exclusive ? !(*q > min_si) : !(*q >= min_si);
  if (low || !(*q <= max_si)) {
    diagnostics_.error(value, key_in(key, what_) + " is " + format_quantity(*q, dimension) +
                                  ", outside the accepted range " + (min_exclusive ? "(" : "[") +
                                  format_quantity(min_si, dimension) + ", " +
                                  format_quantity(max_si, dimension) + "]");
    return std::nullopt;
  }
  return q;
}

std::optional<long long> MapReader::integer(std::string_view key, Need need, long long min_value,
                                            long long max_value) {
  YAML::Node value = take(key, need);
  if (!value.IsDefined()) return std::nullopt;
  auto text = scalar_text(value, key);
  if (!text) return std::nullopt;
  // Accept plain integers and exact scientific forms such as 2e5.
  double parsed = 0;
  const char* begin = text->data();
  const char* end = text->data() + text->size();
  auto [ptr, ec] = std::from_chars(begin, end, parsed);
  if (ec != std::errc() || ptr != end || !std::isfinite(parsed) || parsed != std::floor(parsed)) {
    diagnostics_.error(value, key_in(key, what_) + " must be a whole number, got '" + *text + "'");
    return std::nullopt;
  }
  if (parsed < static_cast<double>(min_value) || parsed > static_cast<double>(max_value)) {
    diagnostics_.error(value, key_in(key, what_) + " is " + *text +
                                  ", outside the accepted range [" + std::to_string(min_value) +
                                  ", " + std::to_string(max_value) + "]");
    return std::nullopt;
  }
  return static_cast<long long>(parsed);
}

std::optional<double> MapReader::given(const Parameter& p, Need need) {
  if (p.whole) {
    auto value =
        integer(p.key, need, static_cast<long long>(p.min_si), static_cast<long long>(p.max_si));
    if (!value) return std::nullopt;
    return static_cast<double>(*value);
  }
  return quantity_in(p.key, p.dimension, need, p.min_si, p.max_si, p.min_exclusive);
}

std::optional<double> MapReader::given(const Parameter& p) {
  return given(p, p.required ? Need::required : Need::optional);
}

double MapReader::quantity(const Parameter& p) {
  return given(p).value_or(p.default_si);
}

std::optional<bool> MapReader::boolean(std::string_view key, Need need) {
  YAML::Node value = take(key, need);
  if (!value.IsDefined()) return std::nullopt;
  auto text = scalar_text(value, key);
  if (!text) return std::nullopt;
  if (*text == "true" || *text == "yes") return true;
  if (*text == "false" || *text == "no") return false;
  diagnostics_.error(value, key_in(key, what_) + " must be true or false, got '" + *text + "'");
  return std::nullopt;
}

std::optional<std::string> MapReader::one_of(std::string_view key, Need need,
                                             const std::vector<std::string>& choices) {
  YAML::Node value = take(key, need);
  if (!value.IsDefined()) return std::nullopt;
  auto text = scalar_text(value, key);
  if (!text) return std::nullopt;
  if (std::find(choices.begin(), choices.end(), *text) != choices.end()) return text;
  std::string list;
  for (const auto& c : choices)
    list += (list.empty() ? "" : ", ") + c;
  diagnostics_.error(value,
                     key_in(key, what_) + " must be one of " + list + "; got '" + *text + "'");
  return std::nullopt;
}

YAML::Node MapReader::child(std::string_view key, Need need) {
  return take(key, need);
}

YAML::Node MapReader::sequence(std::string_view key, Need need) {
  YAML::Node value = take(key, need);
  if (value.IsDefined() && !value.IsSequence()) {
    diagnostics_.error(value, key_in(key, what_) + " must be a list (lines starting with '- ')");
    return YAML::Node(YAML::NodeType::Undefined);
  }
  return value;
}

YAML::Node MapReader::mapping(std::string_view key, Need need) {
  YAML::Node value = take(key, need);
  if (value.IsDefined() && !value.IsMap()) {
    diagnostics_.error(value, key_in(key, what_) + " must be a mapping (key: value lines)");
    return YAML::Node(YAML::NodeType::Undefined);
  }
  return value;
}

void check_unique_names(const YAML::Node& list, const std::string& kind, Diagnostics& d) {
  if (!list.IsDefined() || !list.IsSequence()) return;
  std::set<std::string> seen;
  for (const auto& item : list) {
    if (!item.IsMap() || !item["name"].IsDefined() || !item["name"].IsScalar()) continue;
    if (!seen.insert(item["name"].Scalar()).second)
      d.error(item["name"], "duplicate " + kind + " name '" + item["name"].Scalar() + "'");
  }
}

void MapReader::finish() {
  if (!valid_) return;
  for (const auto& entry : node_) {
    const YAML::Node& key = entry.first;
    std::string name = key.IsScalar() ? key.Scalar() : std::string("<complex key>");
    if (std::find(asked_.begin(), asked_.end(), name) != asked_.end()) continue;
    std::string expected;
    std::set<std::string> listed;
    for (const auto& k : asked_)
      if (listed.insert(k).second) expected += (expected.empty() ? "" : ", ") + k;

    diagnostics_.error(key,
                       "unknown key '" + name + "' in " + what_ + "; expected one of: " + expected);
  }
}

std::string resolve_path(const std::string& text, const std::string& scenario_file) {
  std::filesystem::path path(text);
  if (path.is_absolute()) return text;
  return (std::filesystem::path(scenario_file).parent_path() / path).string();
}

} // namespace capsim
