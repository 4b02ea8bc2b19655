#include "sim/report/dir_lock.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/scenario/diagnostics.hpp"

namespace capsim {

namespace fs = std::filesystem;

std::string lock_path_for(const std::string& dir) {
  fs::path p = fs::path(dir).lexically_normal();
  if (!p.has_filename()) p = p.parent_path(); // "a/b/" -> "a/b"
  std::string name = p.filename().string();
  if (name.empty() || name == "." || name == "..") {
    // "." or ".." name a directory through its parent's entry we cannot see: lock its real path.
    std::error_code error;
    fs::path real = fs::weakly_canonical(p, error);
    if (!error) p = real;
    name = p.filename().string();
  }
  return (p.parent_path() / ("." + name + ".lock")).string();
}

namespace {

std::string read_holder(int fd) {
  char text[32] = {};
  ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
  std::string pid = n > 0 ? std::string(text, static_cast<std::size_t>(n)) : std::string();
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' '))
    pid.pop_back();
  return pid;
}

} // namespace

DirLock::DirLock(const std::string& dir, const std::string& what) : path_(lock_path_for(dir)) {
  for (int attempt = 0;; ++attempt) {
    int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
      fail_input(dir,
                 fmt::format("cannot create the lock file {}: {}", path_, std::strerror(errno)));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int error = errno;
      std::string holder;
      // The holder writes its PID just after locking: give it a moment.
      for (int i = 0; i < 50 && holder.empty(); ++i) {
        holder = read_holder(fd);
        if (holder.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
      ::close(fd);
      if (error != EWOULDBLOCK)
        fail_input(dir, fmt::format("cannot lock {}: {}", path_, std::strerror(error)));
      fail_input(dir, fmt::format("the {} is in use by another capsim process (PID {}; lock "
                                  "file {}); wait for it to finish or choose another directory",
                                  what, holder.empty() ? std::string("unknown") : holder, path_));
    }
    // Locked, but the file may have been unlinked by its previous holder meanwhile.
    struct stat opened {
    }, named{};
    if (::fstat(fd, &opened) == 0 && ::stat(path_.c_str(), &named) == 0 &&
        opened.st_ino == named.st_ino && opened.st_dev == named.st_dev) {
      fd_ = fd;
      break;
    }
    ::close(fd);
    if (attempt > 100) fail_input(dir, "cannot lock " + path_ + ": it keeps being replaced");
  }
  std::string pid = fmt::format("{}\n", ::getpid());
  if (::ftruncate(fd_, 0) != 0 ||
      ::pwrite(fd_, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    // The lock holds without the PID; a contender then reports "PID unknown".
  }
}

DirLock::~DirLock() {
  if (fd_ < 0) return;
  ::unlink(path_.c_str()); // while still locked: see the header
  ::close(fd_);
}

} // namespace capsim
