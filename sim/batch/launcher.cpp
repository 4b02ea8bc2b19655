#include "sim/batch/launcher.hpp"

#include "sim/batch/mpi.hpp"
#include "sim/run/run.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fcntl.h>
#include <fmt/format.h>
#include <iostream>
#include <poll.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

extern char** environ;

namespace capsim {

namespace {

InProcessMain in_process_main = nullptr;

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Variables that would make a run believe it was started by mpirun.
bool mpi_variable(const char* entry) {
  for (const char* prefix : {"OMPI_", "PMIX_", "PMI_", "OPAL_"})
    if (std::strncmp(entry, prefix, std::strlen(prefix)) == 0) return true;
  return false;
}

// All of a memory file (memfd) a child wrote, from its start.
std::string read_memory_file(int fd) {
  std::string text;
  if (fd < 0) return text;
  char buffer[65536];
  for (off_t at = 0;;) {
    ssize_t n = ::pread(fd, buffer, sizeof buffer, at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
    at += n;
  }
  return text;
}

int memory_file(const char* name) {
  int fd = ::memfd_create(name, MFD_CLOEXEC);
  if (fd < 0) throw std::runtime_error(std::string("memfd_create failed: ") + std::strerror(errno));
  return fd;
}

std::string read_run_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A child's stderr as one line for results.csv.
std::string one_line(const std::string& text, std::size_t max_chars = 400) {
  const std::string separator = " | ";
  std::string line;
  for (char c : text) {
    if (c != '\n' && c != '\r')
      line += c;
    else if (!line.empty() && !line.ends_with(separator))
      line += separator;
  }
  if (line.ends_with(separator)) line.resize(line.size() - separator.size());
  if (line.size() > max_chars) line = line.substr(0, max_chars) + "...";
  return line;
}

// A previous attempt's set goes in one rename, then is deleted under a temporary name that a
// later sweep cleans up if this one is killed meanwhile (sim/report/output_set.hpp).
void discard_previous_attempt(const std::string& runs_dir, const std::string& name) {
  std::string discarded = fmt::format("{}/.{}.capsim-{}-discarded.tmp", runs_dir, name, ::getpid());
  std::error_code ignored;
  std::filesystem::rename(runs_dir + "/" + name, discarded, ignored);
  std::filesystem::remove_all(discarded, ignored);
}

// capsim run SCENARIO (-o DIR | --summary-only -) -q --seed S, the budget, --set BASE...,
// --set AXIS=VALUE...
std::vector<std::string> run_arguments(const SweepPlan& plan, const LaunchSettings& settings,
                                       std::size_t point, int replication, bool durable,
                                       const std::string& dir) {
  std::vector<std::string> args{settings.exe,
                                "run",
                                plan.scenario_file,
                                durable ? "-o" : "--summary-only",
                                durable ? dir : "-",
                                "-q",
                                "--seed",
                                std::to_string(plan.seed(point, replication))};
  args.insert(args.end(), settings.run_args.begin(), settings.run_args.end());
  for (const auto& set : plan.base_sets) {
    args.emplace_back("--set");
    args.push_back(set);
  }
  for (std::size_t a = 0; a < plan.axes.size(); ++a) {
    args.emplace_back("--set");
    args.push_back(plan.axes[a] + "=" + plan.points[point][a]);
  }
  return args;
}

// argv or envp: the strings' characters, then a null pointer.
std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (auto& s : strings)
    pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

// The run in this forked copy of the sweep, as exec would have started it: default signal
// dispositions, then capsim's main with the run's arguments. _exit: the sweep's atexit handlers
// and destructors (MPI, open files) belong to the parent.
[[noreturn]] void run_in_forked_sweep(std::vector<char*>& argv) {
  for (int sig = 1; sig < NSIG; ++sig)
    if (sig != SIGKILL && sig != SIGSTOP) ::signal(sig, SIG_DFL);
  exit_when_outputs_written(true);
  int code = 1;
  try {
    code = in_process_main(static_cast<int>(argv.size() - 1), argv.data());
  } catch (...) {
    code = 1;
  }
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
#if defined(__SANITIZE_ADDRESS__)
  // _exit skips LeakSanitizer's check at exit: run it here, as an exec'd run would.
  if (__lsan_do_recoverable_leak_check() != 0 && code == 0) code = 1;
#endif
  ::_exit(code);
}

// The child after fork: dies with its parent, in its own process group, stdin from /dev/null,
// stdout and stderr into the memory files; then the run, in process or exec'd.
[[noreturn]] void become_run(pid_t parent, int out_fd, int err_fd, bool in_process,
                             std::vector<char*>& argv, std::vector<char*>& envp) {
  // Only async-signal-safe calls from here to exec.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127);
  ::setpgid(0, 0);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  int null_fd = ::open("/dev/null", O_RDWR);
  if (null_fd >= 0) ::dup2(null_fd, 0);
  ::dup2(out_fd >= 0 ? out_fd : null_fd, 1); // dup2 clears close-on-exec
  ::dup2(err_fd, 2);
  if (in_process) run_in_forked_sweep(argv);
  ::execve(argv[0], argv.data(), envp.data());
  const char message[] = "cannot execute the capsim binary\n";
  ssize_t ignored = ::write(2, message, sizeof message - 1);
  (void)ignored;
  ::_exit(127);
}

} // namespace

std::string run_dir_name(std::size_t point, int replication) {
  return fmt::format("p{:06}-r{:03}", point, replication);
}

void set_in_process_main(InProcessMain entry) {
  in_process_main = entry;
}

std::size_t usable_cpus() {
  std::size_t cpus = 0;
  cpu_set_t mask;
  CPU_ZERO(&mask);
  if (::sched_getaffinity(0, sizeof mask, &mask) == 0)
    cpus = static_cast<std::size_t>(CPU_COUNT(&mask));
  if (cpus == 0) cpus = std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN));
  // Without SLURM's task/affinity plugin the mask is the whole node: the allocation says more.
  const char* job = std::getenv("SLURM_JOB_ID");
  if (const char* per_task = std::getenv("SLURM_CPUS_PER_TASK"); job && per_task) {
    long n = std::strtol(per_task, nullptr, 10);
    if (n >= 1) cpus = std::min(cpus, static_cast<std::size_t>(n));
  }
  return std::max<std::size_t>(1, cpus);
}

std::size_t default_jobs() {
  std::size_t cpus = usable_cpus();
  LaunchEnvironment env = detect_launch();
  long online = ::sysconf(_SC_NPROCESSORS_ONLN);
  cpu_set_t mask;
  CPU_ZERO(&mask);
  bool whole_machine =
      ::sched_getaffinity(0, sizeof mask, &mask) == 0 && CPU_COUNT(&mask) == online;
  if (env.local_ranks > 1 && whole_machine)
    cpus = std::max<std::size_t>(1, cpus / static_cast<std::size_t>(env.local_ranks));
  return cpus;
}

std::string current_executable() {
  char path[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) throw std::runtime_error("cannot find the capsim executable (/proc/self/exe)");
  return std::string(path, static_cast<std::size_t>(n));
}

RunLauncher::RunLauncher(const SweepPlan& plan, LaunchSettings settings)
    : plan_(plan), settings_(std::move(settings)) {
  for (char** e = environ; *e; ++e)
    if (!mpi_variable(*e)) environment_.emplace_back(*e);
  std::filesystem::create_directories(settings_.runs_dir);
}

bool RunLauncher::forks_in_process() const {
  if (!in_process_main) return false;
  const char* spawn = std::getenv("CAPSIM_SWEEP_SPAWN");
  if (spawn && std::string(spawn) == "exec") return false;
  try {
    return std::filesystem::equivalent(settings_.exe, current_executable());
  } catch (const std::exception&) {
    return false;
  }
}

// A run's own wall time, as it measured it: the sum of its profile (load, setup, platform,
// state, models, rows, engine, report: from reading the scenario to its summary); 0 if absent.
static double own_time_s(const nlohmann::ordered_json& summary) {
  const auto engine = summary.value("engine", nlohmann::ordered_json::object());
  const auto profile = engine.value("profile", nlohmann::ordered_json::object());
  double own = 0;
  for (const auto& [phase, seconds] : profile.items())
    if (seconds.is_number()) own += seconds.get<double>();
  return own;
}

RunLauncher::~RunLauncher() {
  for (auto& c : children_) {
    ::kill(c.pid, SIGKILL);
    int status = 0;
    ::waitpid(c.pid, &status, 0);
    if (c.pidfd >= 0) ::close(c.pidfd);
    close_files(c);
  }
}

void RunLauncher::close_files(const Child& child) {
  for (int fd : {child.out_fd, child.err_fd})
    if (fd >= 0) ::close(fd);
}

void RunLauncher::start(std::size_t task) {
  std::size_t point = plan_.point_of(task);
  int replication = plan_.replication_of(task);
  std::string dir = settings_.runs_dir + "/" + run_dir_name(point, replication);
  discard_previous_attempt(settings_.runs_dir, run_dir_name(point, replication));
  // The run's stderr goes into a memory file, read when it has exited (and written into its
  // directory when the run failed or its files are kept). Outputs the sweep would delete once
  // read are not written at all: such a run writes only its summary, to its stdout, another
  // memory file. Neither touches the file system.
  const bool durable = settings_.keep_runs || settings_.keep_timeseries;
  Child child;
  child.task = task;
  child.err_fd = memory_file("capsim-run-stderr");
  if (!durable) child.out_fd = memory_file("capsim-run-summary");

  std::vector<std::string> args = run_arguments(plan_, settings_, point, replication, durable, dir);
  std::vector<char*> argv = c_strings(args);
  std::vector<char*> envp = c_strings(environment_);
  const bool in_process = forks_in_process();
  std::fflush(nullptr);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    close_files(child);
    throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
  }
  if (pid == 0) become_run(parent, child.out_fd, child.err_fd, in_process, argv, envp);
  child.pid = pid;
  child.pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (settings_.timeout_s > 0) child.deadline_s = now_s() + settings_.timeout_s;
  children_.push_back(child);
}

std::vector<ResultRow> RunLauncher::wait(double wait_s, const std::function<void()>& refill) {
  std::vector<ResultRow> rows;
  if (children_.empty()) return rows;
  double now = now_s();
  double until = now + wait_s;
  for (const auto& c : children_)
    if (c.deadline_s > 0) until = std::min(until, c.deadline_s);
  std::vector<pollfd> fds;
  bool all_pidfds = true;
  for (const auto& c : children_) {
    if (c.pidfd >= 0)
      fds.push_back({c.pidfd, POLLIN, 0});
    else
      all_pidfds = false;
  }
  double wait_for_s = std::max(0.0, until - now);
  if (!all_pidfds) wait_for_s = std::min(wait_for_s, 0.002); // no pidfd: poll waitpid
  int timeout_ms = static_cast<int>(std::ceil(wait_for_s * 1000));
  if (::poll(fds.data(), fds.size(), timeout_ms) < 0 && errno != EINTR)
    throw std::runtime_error(std::string("poll failed: ") + std::strerror(errno));
  now = now_s();
  std::vector<std::pair<Child, int>> exited;
  for (auto it = children_.begin(); it != children_.end();) {
    int status = 0;
    pid_t done = ::waitpid(it->pid, &status, WNOHANG);
    if (done == 0 && it->deadline_s > 0 && now >= it->deadline_s) {
      ::kill(it->pid, SIGKILL);
      it->timed_out = true;
      done = ::waitpid(it->pid, &status, 0);
    }
    if (done == it->pid) {
      if (it->pidfd >= 0) ::close(it->pidfd);
      exited.emplace_back(*it, status);
      it = children_.erase(it);
    } else {
      ++it;
    }
  }
  if (!exited.empty() && refill) refill();
  for (const auto& [child, status] : exited)
    rows.push_back(finish(child, status));
  return rows;
}

ResultRow RunLauncher::finish(const Child& child, int status) {
  ResultRow row;
  row.point = plan_.point_of(child.task);
  row.replication = plan_.replication_of(child.task);
  row.seed = plan_.seed(row.point, row.replication);
  std::string dir = settings_.runs_dir + "/" + run_dir_name(row.point, row.replication);
  const std::string stderr_text = read_memory_file(child.err_fd);
  std::string errors = one_line(stderr_text);
  if (child.timed_out) {
    row.error = fmt::format("timed out after {} s", settings_.timeout_s);
  } else if (WIFSIGNALED(status)) {
    row.error =
        fmt::format("killed by signal {} ({})", WTERMSIG(status), ::strsignal(WTERMSIG(status)));
    if (!errors.empty()) row.error += ": " + errors;
  } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
    row.error = fmt::format("exit code {}", WEXITSTATUS(status));
    if (!errors.empty()) row.error += ": " + errors;
  } else {
    try {
      const bool durable = settings_.keep_runs || settings_.keep_timeseries;
      auto summary = nlohmann::ordered_json::parse(durable ? read_run_file(dir + "/summary.json")
                                                           : read_memory_file(child.out_fd));
      row.fields = flatten_summary(summary);
      row.own_s = own_time_s(summary);
      row.ok = true;
    } catch (const nlohmann::json::exception& e) {
      row.error = std::string("unreadable summary.json: ") + e.what();
    }
  }
  close_files(child);
  std::error_code ignored;
  if (!row.ok || settings_.keep_runs) {
    std::filesystem::create_directories(dir, ignored);
    std::ofstream(dir + "/stderr.txt", std::ios::binary) << stderr_text;
  }
  if (row.ok && !settings_.keep_runs) {
    if (settings_.keep_timeseries) {
      for (const auto& entry : std::filesystem::directory_iterator(dir, ignored))
        if (entry.path().filename() != "timeseries.csv" &&
            entry.path().filename() != "summary.json")
          std::filesystem::remove_all(entry.path(), ignored);
    } else {
      std::filesystem::remove_all(dir, ignored);
    }
  }
  return row;
}

} // namespace capsim
