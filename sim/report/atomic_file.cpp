#include "sim/report/atomic_file.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

namespace capsim {

namespace {

int durable = -1; // -1: not yet read from CAPSIM_FSYNC

} // namespace

bool durable_writes() {
  if (durable < 0) {
    const char* value = std::getenv("CAPSIM_FSYNC");
    durable = value && std::string_view(value) == "0" ? 0 : 1;
  }
  return durable == 1;
}

void set_durable_writes(bool on) {
  durable = on ? 1 : 0;
}

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  auto slash = path_.find_last_of('/');
  std::string dir = slash == std::string::npos ? "" : path_.substr(0, slash + 1);
  std::string name = slash == std::string::npos ? path_ : path_.substr(slash + 1);
  temp_path_ = dir + "." + name + ".tmp" + std::to_string(::getpid());
  file_ = std::fopen(temp_path_.c_str(), "wb");
  if (!file_) throw OutputError("cannot create " + path_ + ": " + std::strerror(errno));
  std::setvbuf(file_, nullptr, _IOFBF, 1 << 16);
}

AtomicFile::~AtomicFile() {
  if (file_) std::fclose(file_);
  if (!committed_) std::remove(temp_path_.c_str());
}

void AtomicFile::fail(const std::string& what) {
  if (error_.empty()) error_ = what + " " + path_ + ": " + std::strerror(errno);
}

void AtomicFile::write(std::string_view text) {
  if (!error_.empty()) return;
  if (std::fwrite(text.data(), 1, text.size(), file_) != text.size()) {
    fail("cannot write");
    return;
  }
  written_ += text.size();
#ifdef __linux__
  // A durable file is fsynced at commit. Asking the kernel to start writing each few MB as the
  // file grows (without waiting) lets the disk work while the run computes, so that the fsync
  // waits for the last few MB only (bench-1m writes 81 MB).
  if (durable_writes() && written_ - writeback_from_ >= writeback_bytes) {
    if (std::fflush(file_) != 0) {
      fail("cannot write");
      return;
    }
    ::sync_file_range(::fileno(file_), static_cast<off_t>(writeback_from_),
                      static_cast<off_t>(written_ - writeback_from_), SYNC_FILE_RANGE_WRITE);
    writeback_from_ = written_;
  }
#endif
}

void AtomicFile::commit() {
  if (error_.empty() &&
      (std::fflush(file_) != 0 || (durable_writes() && ::fsync(::fileno(file_)) != 0)))
    fail("cannot write");
  if (!error_.empty()) throw OutputError(error_);
  int closed = std::fclose(file_);
  file_ = nullptr;
  if (closed != 0) {
    fail("cannot write");
    throw OutputError(error_);
  }
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    fail("cannot rename the temporary file to");
    throw OutputError(error_);
  }
  committed_ = true;
}

void write_file_atomically(const std::string& path, std::string_view text) {
  AtomicFile file(path);
  file.write(text);
  file.commit();
}

} // namespace capsim
