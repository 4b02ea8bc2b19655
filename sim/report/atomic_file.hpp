// Output files written atomically: the data goes to a temporary file in the same directory and
// is renamed over the final name on commit(), so a reader (or a crash) sees either the previous
// complete file or the new complete file, never a half-written one.
//
// A failed write (a full disk, an I/O error) does not throw at once: writes happen inside
// SimGrid actors, where an exception would abort the whole process. The first error is kept,
// later writes are skipped, and commit() throws it; failed() lets the caller stop early.
#pragma once

#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>

namespace capsim {

// Output could not be written (disk full, I/O error, permissions): exit code 1, one line.
class OutputError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

class AtomicFile {
public:
  explicit AtomicFile(std::string path); // throws OutputError if it cannot be created
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile(); // removes the temporary file unless committed

  void write(std::string_view text);
  void commit(); // flush, fsync, rename; throws OutputError on failure (also an earlier one)
  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  const std::string& path() const { return path_; }

private:
  void fail(const std::string& what);

  std::string path_;
  std::string temp_path_;
  // Bytes written so far, and from where the kernel has not yet been asked to write them out.
  static constexpr std::size_t writeback_bytes = 4 << 20;
  std::size_t written_ = 0;
  std::size_t writeback_from_ = 0;
  std::FILE* file_ = nullptr;
  bool committed_ = false;
  std::string error_;
};

// Writes a whole file atomically.
void write_file_atomically(const std::string& path, std::string_view text);

// Whether commit() and OutputSet's directory syncs wait for the disk (fsync): on unless the
// environment has CAPSIM_FSYNC=0 or set_durable_writes(false) was called. Without it a file is
// still replaced atomically for readers and survives a kill of the process, but not
// necessarily an operating-system crash. A sweep turns it off in a run whose outputs it reads
// once and deletes (its own results.csv row is fsynced; sim/batch/launcher.hpp).
bool durable_writes();
void set_durable_writes(bool on);

} // namespace capsim
