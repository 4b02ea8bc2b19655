// An exclusive lock on an output directory while a run or a sweep writes it: flock(2) on a lock
// file beside the directory (PARENT/.NAME.lock), holding the owner's PID. The lock file lives
// beside the directory, not inside it, because a run publishes its outputs by replacing the
// directory as a whole (output_set.hpp).
//
// A second writer is refused at once (no waiting) with an InputError naming the holder's PID.
// The lock is released when its holder exits, however it exits (the kernel drops the flock),
// so a killed run never leaves a directory locked. On release the file is unlinked; a contender
// that locked the file just before it was unlinked sees that the path now names another file
// (or none) and tries again, so two holders never coexist.
#pragma once

#include <string>

namespace capsim {

class DirLock {
public:
  // Locks `dir` (which need not exist yet; its parent must). `what` names the directory in the
  // refusal ("output directory", "sweep directory").
  DirLock(const std::string& dir, const std::string& what);
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;
  ~DirLock();

  const std::string& path() const { return path_; }

private:
  std::string path_;
  int fd_ = -1;
};

// PARENT/.NAME.lock for PARENT/NAME (trailing slashes ignored).
std::string lock_path_for(const std::string& dir);

} // namespace capsim
