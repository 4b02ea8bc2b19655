// Schema stage of the scenario loader: typed, located access to one YAML mapping.
// A MapReader hands out fields by key, records which keys were read, and on finish() reports
// every key it did not expect, with the list of keys it does accept.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "models/parameter.hpp"
#include "models/units.hpp"
#include "sim/scenario/diagnostics.hpp"

namespace capsim {

enum class Need { required, optional };

class MapReader {
public:
  // `what` names the mapping in messages ("site 'memphis'", "job", "the scenario").
  MapReader(const YAML::Node& node, std::string what, Diagnostics& diagnostics);

  bool valid() const { return valid_; }
  void rename(std::string what) { what_ = std::move(what); } // once the mapping's name is read
  const YAML::Node& node() const { return node_; }
  bool has(std::string_view key) const;
  // The value at `key` without marking it read; undefined when absent or not a mapping.
  YAML::Node peek(std::string_view key) const;

  // Each getter reports a located error (and returns nullopt) when the value is missing but
  // required, of the wrong type, or out of range.
  std::optional<std::string> string(std::string_view key, Need need);
  std::optional<double> quantity(std::string_view key, Dimension dimension, Need need);
  // A quantity with bounds in SI; min_exclusive/max_inclusive express "(0, 1]" style ranges.
  std::optional<double> quantity_in(std::string_view key, Dimension dimension, Need need,
                                    double min_si, double max_si, bool min_exclusive = false);
  std::optional<long long> integer(std::string_view key, Need need, long long min_value,
                                   long long max_value);
  // A parameter declared next to its model (models/parameter.hpp): read within its declared range
  // (an integer when it is whole), reported missing when it is required; its default when absent
  // or in error (the error is reported).
  double quantity(const Parameter& parameter);
  // The same, nullopt when absent or in error: for callers that care whether it was given.
  std::optional<double> given(const Parameter& parameter);
  // The same with the need decided by the caller (a key required in some cases only).
  std::optional<double> given(const Parameter& parameter, Need need);
  std::optional<bool> boolean(std::string_view key, Need need);
  std::optional<std::string> one_of(std::string_view key, Need need,
                                    const std::vector<std::string>& choices);
  // The raw child node (marked as read), or an undefined node when absent.
  YAML::Node child(std::string_view key, Need need);
  YAML::Node sequence(std::string_view key, Need need);
  YAML::Node mapping(std::string_view key, Need need);

  // Reports keys that no getter asked for.
  void finish();

private:
  YAML::Node take(std::string_view key, Need need);
  std::optional<std::string> scalar_text(const YAML::Node& value, std::string_view key);

  YAML::Node node_;
  std::string what_;
  Diagnostics& diagnostics_;
  bool valid_ = false;
  std::vector<std::string> asked_;
};

// Parses one scalar as a quantity; reports a located error (column inside the scalar).
std::optional<double> read_quantity(const YAML::Node& value, Dimension dimension,
                                    std::string_view what, Diagnostics& diagnostics);

// Reports every item of a list of mappings whose `name` repeats an earlier one.
void check_unique_names(const YAML::Node& list, const std::string& kind, Diagnostics& diagnostics);

// A file named in a scenario: as given when absolute, else relative to the scenario's directory.
std::string resolve_path(const std::string& text, const std::string& scenario_file);

} // namespace capsim
