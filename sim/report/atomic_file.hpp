// Output files written atomically: the data goes to a temporary file in the same directory and
// is renamed over the final name on commit(), so a reader (or a crash) sees either the previous
// complete file or the new complete file, never a half-written one.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace capsim {

class AtomicFile {
public:
  explicit AtomicFile(std::string path); // throws std::runtime_error if it cannot be created
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile(); // removes the temporary file unless committed

  void write(std::string_view text);
  void commit(); // flush, fsync, rename; throws std::runtime_error on failure
  const std::string& path() const { return path_; }

private:
  std::string path_;
  std::string temp_path_;
  std::FILE* file_ = nullptr;
  bool committed_ = false;
};

// Writes a whole file atomically.
void write_file_atomically(const std::string& path, std::string_view text);

} // namespace capsim
