#include "sim/scenario/diagnostics.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <stdexcept>

namespace capsim {

std::string Diagnostic::format() const {
  if (line > 0)
    return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": error: " + message;
  return file + ": error: " + message;
}

// The first max_printed_per_file errors of each file, then how many more there are.
static std::string join_diagnostics(const std::vector<Diagnostic>& diagnostics) {
  std::string text;
  std::map<std::string, std::size_t> per_file;
  for (const auto& d : diagnostics) {
    if (++per_file[d.file] > max_printed_per_file) continue;
    if (!text.empty()) text += '\n';
    text += d.format();
  }
  for (const auto& [file, count] : per_file)
    if (count > max_printed_per_file)
      text += "\n" + file + ": ... and " + std::to_string(count - max_printed_per_file) +
              " more error" + (count - max_printed_per_file == 1 ? "" : "s");
  return text;
}

InputError::InputError(std::vector<Diagnostic> diagnostics)
    : std::runtime_error(join_diagnostics(diagnostics)), diagnostics_(std::move(diagnostics)) {}

void Diagnostics::add_origin(const YAML::Node& node, std::string origin) {
  // The value's own nodes (items of a list, keys of a mapping given on the command line) are
  // located in the value's text, not in the scenario file.
  std::function<void(const YAML::Node&, bool)> add = [&](const YAML::Node& n, bool top) {
    if (!n.IsDefined()) return;
    std::string where;
    if (!top && !n.Mark().is_null())
      where = " (at column " + std::to_string(n.Mark().column + 1) + " of the value)";
    origins_.push_back({n, origin, where});
    if (n.IsSequence())
      for (const auto& item : n)
        add(item, false);
    else if (n.IsMap())
      for (const auto& entry : n) {
        add(entry.first, false);
        add(entry.second, false);
      }
  };
  add(node, true);
}

void Diagnostics::errors(const YAML::Node& node, const std::string& prefix,
                         const std::vector<std::string>& problems) {
  for (const auto& problem : problems)
    error(node, prefix + problem);
}

void Diagnostics::error(const YAML::Node& node, std::string message, int column_shift) {
  if (!node.IsDefined()) {
    error_unlocated(std::move(message));
    return;
  }
  for (const auto& origin : origins_) {
    if (origin.node.is(node)) {
      list_.push_back({origin.name, 0, 0, std::move(message) + origin.where});
      return;
    }
  }
  YAML::Mark mark = node.Mark();
  if (!mark.is_null()) mark.column += column_shift;
  error(mark, std::move(message));
}

void Diagnostics::error(const YAML::Mark& mark, std::string message) {
  if (mark.is_null()) {
    error_unlocated(std::move(message));
    return;
  }
  error_at(mark.line + 1, mark.column + 1, std::move(message));
}

void Diagnostics::error_at(int line, int column, std::string message) {
  list_.push_back({file_, line, column, std::move(message)});
}

void Diagnostics::error_unlocated(std::string message) {
  list_.push_back({file_, 0, 0, std::move(message)});
}

void Diagnostics::error_in(std::string file, int line, int column, std::string message) {
  list_.push_back({std::move(file), line, column, std::move(message)});
}

void Diagnostics::merge(const Diagnostics& other) {
  list_.insert(list_.end(), other.list_.begin(), other.list_.end());
}

void Diagnostics::throw_if_any() const {
  if (list_.empty()) return;
  auto sorted = list_;
  std::stable_sort(sorted.begin(), sorted.end(), [](const Diagnostic& a, const Diagnostic& b) {
    if (a.file != b.file) return a.file < b.file;
    if (a.line != b.line) return a.line < b.line;
    return a.column < b.column;
  });
  throw InputError(std::move(sorted));
}

void fail_input(const std::string& where, const std::string& message) {
  Diagnostics d(where);
  d.error_unlocated(message);
  d.throw_if_any();
  throw std::logic_error("unreachable"); // throw_if_any() has one error to throw
}

} // namespace capsim
