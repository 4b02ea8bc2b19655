// A run's outputs as one set, published at once.
//
// A run writes every file into a fresh staging directory beside its target
// (PARENT/.NAME.capsim-PID-RUNID.tmp), then publishes the whole set by renaming that directory
// into place. When the target already holds a previous set, the two are exchanged in one step
// (renameat2 RENAME_EXCHANGE) and the previous set, now under the staging name, is removed; on
// a file system without exchange, the previous set is renamed aside first
// (PARENT/.NAME.capsim-PID-old), and the next run into the same directory puts it back if a
// kill came between the two renames. Either way a reader, or a kill at any instant, sees the
// previous complete set or the new complete set, never a mixture.
//
// The last file written into the staging directory is manifest.json: the run id, the capsim
// version and every file of the set with its size in bytes. summary.json carries the same run
// id, so a set's files can be checked against each other.
//
// While a set is being written, its target is locked (dir_lock.hpp). Staging directories left
// by killed runs (their PID no longer exists) are removed when the next run takes the lock.
//
// The target must be new, empty, or hold only what capsim writes into a run directory (a
// previous set, its plots/, a sweep run's stderr.txt): a run replaces the directory as a
// whole, so capsim refuses a directory holding anything else rather than delete it.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include "sim/report/dir_lock.hpp"

namespace capsim {

class OutputSet {
public:
  // Checks and locks `dir`, removes stale staging directories, creates the staging directory.
  // Throws InputError when `dir` cannot be an output directory (a file, a directory holding
  // other files, the current directory), or is locked by another process.
  explicit OutputSet(const std::string& dir);
  OutputSet(const OutputSet&) = delete;
  OutputSet& operator=(const OutputSet&) = delete;
  ~OutputSet(); // removes the staging directory unless published; releases the lock

  const std::string& staging() const { return staging_; } // write the set's files here
  const std::string& run_id() const { return run_id_; }
  const std::string& dir() const { return dir_; } // as the user named it

  // Writes manifest.json and puts the set in place. Throws OutputError on any failure; the
  // previous set, if any, is then still in place.
  void publish();

private:
  std::string dir_;    // as given
  std::string target_; // absolute, normalised
  std::string staging_;
  std::string run_id_;
  std::unique_ptr<DirLock> lock_;
  bool published_ = false;
};

// A fresh id: UTC time, PID and 32 random bits, e.g. 20261129T081502Z-12345-9f3c01aa.
std::string new_run_id();

// Removes, in `dir`, capsim's temporary files and directories whose owning process is gone:
// staging directories (.NAME.capsim-PID-*) and, with `atomic_files` (in directories only capsim
// writes), atomic-file temporaries (.NAME.tmpPID). Returns how many were removed.
std::size_t remove_stale_temporaries(const std::string& dir, bool atomic_files);

} // namespace capsim
