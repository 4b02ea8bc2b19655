// Runs the capsim executable as a child process, as a user would, and reads its outputs.
// The SimGrid engine is one per process, so tests of whole runs go through the binary.
#pragma once

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

namespace capsim::test {

struct ProcessResult {
  int exit_code = -1;
  std::string output; // stdout and stderr together
};

inline std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'')
      q += "'\\''";
    else
      q += c;
  }
  q += '\'';
  return q;
}

// Runs a shell command line (add " 2>&1" to capture stderr too) and reads its output.
inline ProcessResult run_command(const std::string& command) {
  ProcessResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return result;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0)
    result.output.append(buffer, n);
  int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// Runs a shell script with `sh -c`; stdout and stderr together.
inline ProcessResult run_shell(const std::string& script) {
  return run_command("sh -c " + shell_quote(script) + " 2>&1");
}

inline ProcessResult run_capsim(const std::vector<std::string>& args) {
  std::string command = shell_quote(CAPSIM_BINARY);
  for (const auto& a : args) {
    command += ' '; // not " " + ...: GCC 12 warns falsely on that (-Wrestrict, PR 105651)
    command += shell_quote(a);
  }
  return run_command(command + " 2>&1");
}

// A fresh directory under the system's temporary directory, removed at the end of the test.
class TempDir {
public:
  TempDir() {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("capsim-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string path(const std::string& name = "") const { return (path_ / name).string(); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name) << text;
    return path(name);
  }

private:
  std::filesystem::path path_;
};

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline nlohmann::json read_json(const std::string& path) {
  return nlohmann::json::parse(read_text(path));
}

// Rows of a CSV file with a header line, as maps from column name to text.
inline std::vector<std::vector<std::string>> read_csv(const std::string& path,
                                                      std::vector<std::string>& header) {
  std::ifstream in(path);
  std::string line;
  std::vector<std::vector<std::string>> rows;
  auto split = [](const std::string& l) {
    std::vector<std::string> fields;
    std::string field;
    std::istringstream s(l);
    while (std::getline(s, field, ','))
      fields.push_back(field);
    if (!l.empty() && l.back() == ',') fields.emplace_back();
    return fields;
  };
  if (std::getline(in, line)) header = split(line);
  while (std::getline(in, line))
    rows.push_back(split(line));
  return rows;
}

// Rows of a CSV file with a header line, each as a map from column name to text.
inline std::vector<std::map<std::string, std::string>> read_csv_maps(const std::string& path) {
  std::vector<std::string> header;
  auto rows = read_csv(path, header);
  std::vector<std::map<std::string, std::string>> out;
  for (const auto& row : rows) {
    std::map<std::string, std::string> m;
    for (std::size_t i = 0; i < header.size() && i < row.size(); ++i)
      m[header[i]] = row[i];
    out.push_back(m);
  }
  return out;
}

// A CSV field as a number; an empty field (no value) as 0.
inline double number_or_zero(const std::string& text) {
  return text.empty() ? 0.0 : std::stod(text);
}

inline std::size_t column(const std::vector<std::string>& header, const std::string& name) {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  throw std::runtime_error("no column " + name);
}

// Runs `capsim run FILE -o DIR/OUT -q EXTRA...`, requires success, returns summary.json.
inline nlohmann::json run_ok(const TempDir& dir, const std::string& file,
                             std::vector<std::string> extra = {}, const std::string& out = "out") {
  std::vector<std::string> args{"run", file, "-o", dir.path(out), "-q"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto result = run_capsim(args);
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  return read_json(dir.path(out + "/summary.json"));
}

// `text` without the lines a sanitizer build adds on its own (they start with "==", and the two
// that follow AddressSanitizer's warning about SimGrid's context switches): what a user of a
// normal build sees.
inline std::string without_sanitizer_lines(const std::string& text) {
  std::istringstream in(text);
  std::string line, out;
  while (std::getline(in, line))
    if (line.rfind("==", 0) != 0 && line.rfind("False positive error reports may follow", 0) != 0 &&
        line.rfind("For details see https://github.com/google/sanitizers/", 0) != 0)
      out += line + "\n";
  return out;
}

inline std::string source_path(const std::string& relative) {
  return std::string(CAPSIM_SOURCE_DIR) + "/" + relative;
}

} // namespace capsim::test
