#include "sim/report/output_set.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <vector>

#include <fcntl.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <stdio.h> // renameat2 (glibc 2.28)
#include <sys/stat.h>
#include <unistd.h>

#include "models/random.hpp" // splitmix64
#include "sim/report/atomic_file.hpp"
#include "sim/scenario/diagnostics.hpp"

namespace capsim {

namespace fs = std::filesystem;

namespace {

// What capsim itself writes into a run directory: a set, its plots, a sweep run's stderr.
const std::set<std::string> run_directory_entries{
    "manifest.json",      "summary.json", "timeseries.csv", "events.csv", "ledger.csv",
    "finance_months.csv", "serving.csv",  "plots",          "stderr.txt", "report.html"};

bool process_alive(long pid) {
  if (pid <= 0) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

// The PID in ".NAME.tmpPID" (an AtomicFile temporary) or ".NAME.capsim-PID-..." (a staging or
// set-aside directory), or -1 when `entry` is neither.
long temporary_owner(const std::string& entry) {
  if (entry.empty() || entry[0] != '.') return -1;
  auto digits = [](const std::string& s, std::size_t from, std::size_t to) -> long {
    if (from >= to || to - from > 9) return -1;
    for (std::size_t i = from; i < to; ++i)
      if (s[i] < '0' || s[i] > '9') return -1;
    return std::stol(s.substr(from, to - from));
  };
  auto staging = entry.rfind(".capsim-");
  if (staging != std::string::npos) {
    std::size_t from = staging + 8;
    std::size_t to = entry.find('-', from);
    if (to != std::string::npos) return digits(entry, from, to);
  }
  auto tmp = entry.rfind(".tmp");
  if (tmp != std::string::npos && tmp > 0) return digits(entry, tmp + 4, entry.size());
  return -1;
}

void sync_directory(const std::string& dir) {
  if (!durable_writes()) return;
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// Every file the set's manifest lists is there with its size.
bool complete_set(const fs::path& dir) {
  try {
    std::ifstream in(dir / "manifest.json");
    auto manifest = nlohmann::json::parse(in);
    std::error_code error;
    for (const auto& f : manifest.at("files"))
      if (fs::file_size(dir / f.at("name").get<std::string>(), error) !=
              f.at("bytes").get<std::uintmax_t>() ||
          error)
        return false;
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

// CAPSIM_PUBLISH_WITHOUT_EXCHANGE=1 takes the path of file systems without RENAME_EXCHANGE
// (tools/crashloop --without-exchange tests it on any file system).
bool without_exchange() {
  const char* value = std::getenv("CAPSIM_PUBLISH_WITHOUT_EXCHANGE");
  return value && std::string(value) == "1";
}

[[noreturn]] void output_failure(const std::string& what, int error) {
  throw OutputError(what + ": " + std::strerror(error));
}

} // namespace

std::string new_run_id() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  ::gmtime_r(&t, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
  auto ticks = static_cast<std::uint64_t>(
      std::chrono::high_resolution_clock::now().time_since_epoch().count());
  std::uint64_t bits = splitmix64(ticks ^ (static_cast<std::uint64_t>(::getpid()) << 32));
  return fmt::format("{}-{}-{:08x}", stamp, ::getpid(), static_cast<std::uint32_t>(bits));
}

std::size_t remove_stale_temporaries(const std::string& dir, bool atomic_files) {
  std::size_t removed = 0;
  std::error_code error;
  std::vector<fs::path> stale;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    std::string name = entry.path().filename().string();
    if (!atomic_files && name.find(".capsim-") == std::string::npos) continue;
    // A previous set renamed aside is put back by the next run into its own directory.
    if (name.ends_with("-old")) continue;
    long owner = temporary_owner(name);
    if (owner > 0 && owner != ::getpid() && !process_alive(owner)) stale.push_back(entry.path());
  }
  for (const auto& path : stale) {
    std::error_code ignored;
    if (fs::remove_all(path, ignored) > 0) ++removed;
  }
  return removed;
}

OutputSet::OutputSet(const std::string& dir) : dir_(dir) {
  if (dir.empty()) fail_input("-o", "empty output directory name");
  std::error_code error;
  fs::path target = fs::absolute(dir, error).lexically_normal();
  if (!target.has_filename()) target = target.parent_path(); // "a/b/" -> "a/b"
  if (error || target == target.root_path())
    fail_input(dir, "cannot be an output directory (capsim replaces an output directory as a "
                    "whole); name a directory of its own, e.g. out/NAME");
  fs::path cwd = fs::current_path(error);
  if (!error) {
    auto [t, c] = std::mismatch(target.begin(), target.end(), cwd.begin(), cwd.end());
    if (t == target.end())
      fail_input(dir, "is the current directory or one of its parents; capsim replaces an output "
                      "directory as a whole: name a directory of its own, e.g. out/NAME");
  }
  // A symbolic link to a directory: the set goes where it points.
  if (fs::is_symlink(target, error)) {
    fs::path real = fs::canonical(target, error);
    if (!error) target = real;
  }
  target_ = target.string();
  fs::path parent = target.parent_path();
  fs::create_directories(parent, error);
  if (error || !fs::is_directory(parent))
    fail_input(dir, fmt::format("cannot create the directory {}: {}", parent.string(),
                                error ? error.message() : "exists and is not a directory"));
  auto status = fs::status(target, error);
  if (fs::exists(status) && !fs::is_directory(status))
    fail_input(dir, "exists and is not a directory; -o names the directory that receives "
                    "summary.json, timeseries.csv and events.csv");

  lock_ = std::make_unique<DirLock>(target_, "output directory");
  remove_stale_temporaries(parent.string(), false);
  std::string name = target.filename().string();
  // A kill between the two renames of the fallback publication left the previous set aside.
  if (!fs::exists(target, error)) {
    for (const auto& entry : fs::directory_iterator(parent, error)) {
      std::string entry_name = entry.path().filename().string();
      if (entry_name.starts_with("." + name + ".capsim-") && entry_name.ends_with("-old") &&
          complete_set(entry.path())) {
        fs::rename(entry.path(), target, error);
        break;
      }
    }
  }
  // Sets renamed aside whose publication completed (the kill came before their removal).
  std::vector<fs::path> finished;
  for (const auto& entry : fs::directory_iterator(parent, error)) {
    std::string entry_name = entry.path().filename().string();
    long owner = temporary_owner(entry_name);
    if (entry_name.starts_with("." + name + ".capsim-") && entry_name.ends_with("-old") &&
        owner > 0 && !process_alive(owner) && fs::exists(target))
      finished.push_back(entry.path());
  }
  for (const auto& path : finished)
    fs::remove_all(path, error);
  if (fs::is_directory(target, error)) {
    for (const auto& entry : fs::directory_iterator(target, error)) {
      std::string entry_name = entry.path().filename().string();
      if (run_directory_entries.count(entry_name) || temporary_owner(entry_name) > 0) continue;
      fail_input(dir, fmt::format("holds '{}', which capsim did not write; a run replaces its "
                                  "output directory as a whole, so choose a new or empty "
                                  "directory, or one that a run wrote",
                                  entry_name));
    }
  }
  run_id_ = new_run_id();
  staging_ = (parent / fmt::format(".{}.capsim-{}-{}.tmp", name, ::getpid(),
                                   run_id_.substr(run_id_.rfind('-') + 1)))
                 .string();
  if (::mkdir(staging_.c_str(), 0755) != 0)
    output_failure("cannot create the staging directory " + staging_, errno);
}

OutputSet::~OutputSet() {
  if (published_) return;
  std::error_code ignored;
  fs::remove_all(staging_, ignored);
}

void OutputSet::publish() {
  nlohmann::ordered_json manifest;
  manifest["run_id"] = run_id_;
  manifest["capsim_version"] = CAPSIM_VERSION;
  nlohmann::ordered_json files = nlohmann::ordered_json::array();
  std::vector<fs::path> paths;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(staging_, error))
    if (entry.is_regular_file()) paths.push_back(entry.path());
  if (error) output_failure("cannot list " + staging_, error.value());
  std::sort(paths.begin(), paths.end());
  for (const auto& path : paths) {
    auto bytes = fs::file_size(path, error);
    if (error) output_failure("cannot read the size of " + path.string(), error.value());
    files.push_back({{"name", path.filename().string()}, {"bytes", bytes}});
  }
  manifest["files"] = files;
  write_file_atomically(staging_ + "/manifest.json", manifest.dump(2) + "\n");
  sync_directory(staging_);

  std::string parent = fs::path(target_).parent_path().string();
  if (!fs::exists(target_, error)) {
    if (::rename(staging_.c_str(), target_.c_str()) != 0)
      output_failure("cannot move the outputs into " + dir_, errno);
  } else if (!without_exchange() && ::renameat2(AT_FDCWD, staging_.c_str(), AT_FDCWD,
                                                target_.c_str(), RENAME_EXCHANGE) == 0) {
    // The previous set is now under the staging name: a kill from here on leaves it for the
    // next run's clean-up.
    fs::remove_all(staging_, error);
  } else if (without_exchange() || errno == EINVAL || errno == ENOSYS || errno == ENOTSUP) {
    std::string aside = fmt::format("{}/.{}.capsim-{}-old", parent,
                                    fs::path(target_).filename().string(), ::getpid());
    if (::rename(target_.c_str(), aside.c_str()) != 0)
      output_failure("cannot move the previous outputs of " + dir_ + " aside", errno);
    if (::rename(staging_.c_str(), target_.c_str()) != 0) {
      int saved = errno;
      ::rename(aside.c_str(), target_.c_str());
      output_failure("cannot move the outputs into " + dir_, saved);
    }
    fs::remove_all(aside, error);
  } else {
    output_failure("cannot move the outputs into " + dir_, errno);
  }
  published_ = true;
  sync_directory(parent);
}

} // namespace capsim
