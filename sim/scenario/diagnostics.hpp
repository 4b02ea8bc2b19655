// Located input errors. Every problem found in a scenario is collected here with its
// FILE:LINE:COL, so that one run reports all of them (docs/contributing.md, Style).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace capsim {

struct Diagnostic {
  std::string file;
  int line = 0;   // 1-based; 0 when the problem has no line (command-line override, I/O)
  int column = 0; // 1-based
  std::string message;

  // "FILE:LINE:COL: error: MESSAGE", or "FILE: error: MESSAGE" without a line.
  std::string format() const;
};

// At most this many errors of one file are printed, then "FILE: ... and N more errors".
inline constexpr std::size_t max_printed_per_file = 20;

// Thrown by loaders when a document has errors; what() holds the formatted diagnostics (the
// first max_printed_per_file of each file, then a count of the others).
class InputError : public std::runtime_error {
public:
  explicit InputError(std::vector<Diagnostic> diagnostics);
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

private:
  std::vector<Diagnostic> diagnostics_;
};

class Diagnostics {
public:
  explicit Diagnostics(std::string file) : file_(std::move(file)) {}

  // Nodes that came from `--set PATH=VALUE` are reported as "--set PATH" instead of a line.
  void add_origin(const YAML::Node& node, std::string origin);

  // column_shift moves the reported column inside the node's text (a unit inside a scalar).
  void error(const YAML::Node& node, std::string message, int column_shift = 0);
  void error(const YAML::Mark& mark, std::string message);
  // One error at the node per problem of a model's validate(), each prefixed.
  void errors(const YAML::Node& node, const std::string& prefix,
              const std::vector<std::string>& problems);
  void error_at(int line, int column, std::string message);
  void error_unlocated(std::string message);
  // A problem located in another file (a weather CSV, a profile) reported with this run's.
  void error_in(std::string file, int line, int column, std::string message);
  void merge(const Diagnostics& other);

  bool ok() const { return list_.empty(); }
  const std::vector<Diagnostic>& list() const { return list_; }
  const std::string& file() const { return file_; }
  void throw_if_any() const;

private:
  struct Origin {
    YAML::Node node;
    std::string name;
    std::string where; // inside the value, for nodes below the one set
  };
  std::string file_;
  std::vector<Origin> origins_;
  std::vector<Diagnostic> list_;
};

// Throws an InputError of one unlocated message about `where` (a file, a directory, an option).
[[noreturn]] void fail_input(const std::string& where, const std::string& message);

} // namespace capsim
