#include "sim/scenario/diagnostics.hpp"

#include <algorithm>
#include <stdexcept>

namespace capsim {

std::string Diagnostic::format() const {
  if (line > 0)
    return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": error: " + message;
  return file + ": error: " + message;
}

static std::string join(const std::vector<Diagnostic>& diagnostics) {
  std::string text;
  for (const auto& d : diagnostics) {
    if (!text.empty()) text += '\n';
    text += d.format();
  }
  return text;
}

InputError::InputError(std::vector<Diagnostic> diagnostics)
    : std::runtime_error(join(diagnostics)), diagnostics_(std::move(diagnostics)) {}

void Diagnostics::add_origin(const YAML::Node& node, std::string origin) {
  origins_.push_back({node, std::move(origin)});
}

void Diagnostics::error(const YAML::Node& node, std::string message, int column_shift) {
  if (!node.IsDefined()) {
    error_unlocated(std::move(message));
    return;
  }
  for (const auto& origin : origins_) {
    if (origin.node.is(node)) {
      list_.push_back({origin.name, 0, 0, std::move(message)});
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
